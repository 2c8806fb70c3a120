"""The mode-collapse command writes samples and metrics; runs repeat exactly; the summary is right."""

import json

import numpy as np
import pytest
import torch

from ganlib import losses
from ganlib.stability import collapse_setup, fixes
from ganlib.stability import mode_collapse as experiments
from ganlib.config import get_profile


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def test_mode_collapse_cli_writes_samples_and_metrics(tmp_path):
    assert experiments.main(["mode-collapse", "--dataset", "ring", "--method", "pacgan4", "--seed", "0",
                             "--out", str(tmp_path)]) == 0
    torch.set_num_threads(1)  # main() sets one thread too; keep it for the next tests
    samples = np.load(tmp_path / "samples.npy")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert samples.shape == (2_500, 2)
    assert isinstance(metrics["modes"], int) and 0 <= metrics["high_quality"] <= 1


def test_same_seed_same_samples():
    a = experiments.run("grid", "gan", 3, steps=5, batch_size=16)
    b = experiments.run("grid", "gan", 3, steps=5, batch_size=16)
    assert np.array_equal(a["samples"], b["samples"])
    with pytest.raises(ValueError, match="method"):
        experiments.run("grid", "nope", 0)


def test_every_method_is_documented_and_runs():
    for name, spec in experiments.METHODS.items():
        assert spec["doc"], name
        r = experiments.run("ring", name, 0, steps=4, batch_size=16)
        assert r["samples"].shape == (2_500, 2) and np.isfinite(r["samples"]).all(), name
    assert "gan" in experiments.METHODS and set(experiments.METHODS["gan"]) <= {"pack", "doc"}  # the plain baseline


def test_methods_wrap_d_and_set_losses_as_named():
    _, D = experiments.make_models("hinge-sn")
    assert any("parametrizations" in n for n, _ in D.named_parameters())  # spectral norm on D's weights
    assert experiments.METHODS["hinge-sn"]["d_loss"] is fixes.hinge_d_loss
    _, D = experiments.make_models("pacgan4")
    assert isinstance(D, fixes.Packed) and D.m == 4 and D(torch.zeros(8, 2)).shape == (2,)
    assert experiments.METHODS["gan-ttur"]["lr_d_factor"] > 1
    assert experiments.METHODS["gan"].get("d_loss", losses.d_loss) is losses.d_loss


def test_two_time_scales_set_d_learning_rate_both_ways(monkeypatch):
    seen = {}
    monkeypatch.setattr(experiments, "fit", lambda G, D, data, **kw: seen.update(kw))
    experiments.run("ring", "gan-ttur", 0, steps=1)
    assert seen["lr_d"] == pytest.approx(2 * seen["lr_g"])  # TTUR: D faster
    experiments.run("ring", "gan-slow-d", 0, steps=1)
    assert seen["lr_d"] == pytest.approx(0.5 * seen["lr_g"])  # the other way round: D slower
    experiments.run("ring", "gan", 0, steps=1)
    assert seen["lr_d"] == seen["lr_g"]


def test_data_scale_brings_the_toy_sets_into_unit_range(monkeypatch):
    assert experiments.data_scale("ring") == 1 and experiments.data_scale("grid") == 4
    seen = {}
    monkeypatch.setattr(experiments, "fit", lambda G, D, data, **kw: seen.update(x=data(4_000, torch.Generator())))
    r = experiments.run("grid", "gan", 0, steps=1)
    assert seen["x"].abs().max() < 1.2  # G and D see the grid in [-1, 1] ...
    z = torch.randn(2_500, 2, generator=torch.Generator().manual_seed(10_000))  # the noise run() scores with
    with torch.no_grad():
        raw = r["G"](z).numpy()
    assert np.allclose(r["samples"], 4 * raw)  # ... and its samples are scored back in the grid's own units


def test_summary_mean_and_standard_error():
    rows = [{"dataset": "ring", "method": "gan", "seed": s, "modes": m, "high_quality": 0.5, "seconds": 1.0}
            for s, m in enumerate([6, 8])]
    (row,) = experiments.summary(rows)
    assert row["modes"] == 7 and row["modes_se"] == pytest.approx(1.0) and row["runs"] == 2


def test_table_writes_rows_and_provenance(tmp_path):
    out = tmp_path / "t.json"
    experiments.table(out, methods=("gan",), seeds=(0,), datasets=("ring",))
    res = json.loads(out.read_text())
    assert res["rows"][0]["method"] == "gan" and {"command", "commit", "date", "machine", "profile",
                                                   "torch version", "budget"} <= set(res["provenance"])
    assert {"dataset", "method", "seed", "modes", "high_quality", "reverse_kl", "bridges", "seconds"} == set(res["rows"][0])


def test_table_command_records_the_methods(monkeypatch):
    seen = {}
    monkeypatch.setattr(experiments, "table", lambda out, **kw: seen.update(kw))
    experiments.main(["table", "--methods", "gan", "pacgan4"])
    torch.set_num_threads(1)
    assert seen["methods"] == ("gan", "pacgan4") and seen["threads"] == 2
    assert seen["command"] == "python -m ganlib.experiments table --methods gan pacgan4"
    experiments.main(["table"])
    assert seen["command"] == "python -m ganlib.experiments table" and seen["methods"] == tuple(experiments.METHODS)


def test_shipped_table_is_complete_and_made_with_todays_budget(monkeypatch):
    res = json.loads(experiments.RESULTS.read_text())
    got = {(r["dataset"], r["method"], r["seed"]) for r in res["rows"]}
    not_run = res["provenance"].get("not_run", [])  # methods the table has no run of yet (it says so)
    ran = [m for m in experiments.METHODS if m not in not_run]
    assert {(d, m) for d, m, _ in got} == {(d, m) for d in experiments.DATASETS for m in ran}
    for m in ran:  # each method: the first seeds (a table cut short), the same on both data sets
        seeds = sorted({s for _, mm, s in got if mm == m})
        assert seeds == list(experiments.SEEDS[:len(seeds)])
        assert all((d, m, s) in got for d in experiments.DATASETS for s in seeds)
    assert res["provenance"]["profile"] == "cpu"
    monkeypatch.setattr(collapse_setup, "PROFILE", get_profile("cpu"))
    assert res["provenance"]["budget"] == json.loads(json.dumps(experiments.budget()))  # rerun when the budget changes
    today = {m: experiments.method_settings(m) for m in experiments.METHODS}
    assert res["provenance"]["methods"] == today  # ... or when a method's settings change
    rerun = [r for r in res["rows"] if "bridges" in r]  # rows made by today's code carry reverse KL and bridges
    assert rerun and all("reverse_kl" in r for r in rerun)
    assert all(r["method"] in experiments.METHODS for r in res["rows"])


def test_combine_keeps_earlier_rows_and_replaces_rerun_ones(tmp_path):
    earlier = {"rows": [{"dataset": "ring", "method": "gan", "seed": s, "modes": 8, "high_quality": 0.9,
                         "seconds": 1.0} for s in (0, 1)], "provenance": {"commit": "old"}}
    stamp = {"commit": "new", "budget": json.loads(json.dumps(experiments.budget()))}
    rows = tmp_path / "t.json.rows.jsonl"
    new = [{"dataset": "ring", "method": "gan", "seed": 0, "modes": 8, "high_quality": 0.9, "reverse_kl": 0.01,
            "bridges": 0.02, "seconds": 1.0},
           {"dataset": "grid", "method": "r1", "seed": 0, "modes": 25, "high_quality": 0.8, "reverse_kl": 0.1,
            "bridges": 0.1, "seconds": 2.0}]
    rows.write_text("".join(json.dumps({**r, "stamp": stamp}) + "\n" for r in new))
    res = experiments.combine(earlier, rows, "cmd")
    keys = [(r["dataset"], r["method"], r["seed"]) for r in res["rows"]]
    assert keys == [("ring", "gan", 0), ("ring", "gan", 1), ("grid", "r1", 0)]
    assert "bridges" in res["rows"][0] and "bridges" not in res["rows"][1]
    assert res["provenance"]["commit"] == "new" and res["provenance"]["earlier"] == {"commit": "old"}
    assert "r1" not in res["provenance"]["not_run"] and "wgan-gp" in res["provenance"]["not_run"]
    assert "1 of them repeat earlier runs, 1 with exactly" in res["provenance"]["rerun"]
    summ = experiments.summary(res["rows"])
    text = experiments.format_table(summ)
    assert "(1/2)" in text and "r1" in text
    assert any("one run, no standard error" in line for line in experiments.noise_sentences(summ))


def test_snapshots_picture_the_run_and_end_where_it_ends():
    r = experiments.run("grid", "wgan-gp", 0, steps=4, batch_size=16, snapshots=[2, 4], progress=False)
    assert sorted(r["snapshots"]) == [2, 4]
    last = r["snapshots"][4]
    np.testing.assert_array_equal(last["samples"], r["samples"])  # the same noise as the final samples
    assert last["modes"] == r["modes"] and {"high_quality", "reverse_kl", "bridges"} <= set(last)
    fig = experiments.plot_over_training(r, "grid", "a title")
    assert len(fig.axes) == 2 and "step 2" in fig.axes[0].get_title()


def test_rules_replace_the_methods_own(monkeypatch):
    seen = {}

    def my_penalty(D, real, fake):
        seen["called"] = True
        return fixes.gradient_penalty(D, real, fake)

    experiments.run("ring", "gan", 0, steps=2, batch_size=16, rules={"penalty": my_penalty}, progress=False)
    assert seen.get("called")


def test_rules_wrap_d_adds_a_fix_to_a_methods_run():
    calls = []

    def wrap(D):
        D = experiments.with_minibatch_std(D)
        std = next(m for m in D.modules() if isinstance(m, fixes.MinibatchStdDev))
        std.register_forward_hook(lambda *_: calls.append(1))
        return D

    r = experiments.run("grid", "wgan-gp", 0, steps=2, batch_size=16, rules={"wrap_d": wrap}, progress=False)
    assert calls, "the wrapped D is the one that trains"
    assert r["samples"].shape == (experiments.N_SAMPLES, 2)
