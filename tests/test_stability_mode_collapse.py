"""The mode-collapse command writes samples and metrics; runs repeat exactly; the summary is right."""

import json

import numpy as np
import pytest
import torch

from ganlib import losses
from ganlib.stability import fixes
from ganlib.stability import mode_collapse as experiments
from ganlib.config import get_profile


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def test_mode_collapse_cli_writes_samples_and_metrics(tmp_path):
    assert experiments.main(["mode-collapse", "--dataset", "ring", "--method", "pacgan4", "--seed", "0",
                             "--out", str(tmp_path), "--no-progress"]) == 0
    torch.set_num_threads(1)  # main() sets one thread too; keep it for the next tests
    samples = np.load(tmp_path / "samples.npy")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert samples.shape == (2_500, 2)
    assert isinstance(metrics["modes"], int) and 0 <= metrics["high_quality"] <= 1


def test_same_seed_same_samples():
    a = experiments.run("grid", "gan", 3, steps=5, batch_size=16, progress=False)
    b = experiments.run("grid", "gan", 3, steps=5, batch_size=16, progress=False)
    assert np.array_equal(a["samples"], b["samples"])
    with pytest.raises(ValueError, match="method"):
        experiments.run("grid", "nope", 0, progress=False)


def test_every_method_is_documented_and_runs():
    for name, spec in experiments.METHODS.items():
        assert spec["doc"], name
        r = experiments.run("ring", name, 0, steps=4, batch_size=16, progress=False)
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
    experiments.run("ring", "gan-ttur", 0, steps=1, progress=False)
    assert seen["lr_d"] == pytest.approx(2 * seen["lr_g"])  # TTUR: D faster
    experiments.run("ring", "gan-slow-d", 0, steps=1, progress=False)
    assert seen["lr_d"] == pytest.approx(0.5 * seen["lr_g"])  # the other way round: D slower
    experiments.run("ring", "gan", 0, steps=1, progress=False)
    assert seen["lr_d"] == seen["lr_g"]


def test_data_scale_brings_the_toy_sets_into_unit_range(monkeypatch):
    assert experiments.data_scale("ring") == 1 and experiments.data_scale("grid") == 4
    seen = {}
    monkeypatch.setattr(experiments, "fit", lambda G, D, data, **kw: seen.update(x=data(4_000, torch.Generator())))
    r = experiments.run("grid", "gan", 0, steps=1, progress=False)
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
    assert {"dataset", "method", "seed", "modes", "high_quality", "seconds"} == set(res["rows"][0])


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
    assert got == {(d, m, s) for d in experiments.DATASETS for m in experiments.METHODS for s in experiments.SEEDS}
    assert res["provenance"]["profile"] == "cpu"
    monkeypatch.setattr(experiments, "PROFILE", get_profile("cpu"))
    shipped = {k: tuple(v) if isinstance(v, list) else v for k, v in res["provenance"]["budget"].items()}
    assert shipped == experiments.budget()  # rerun the table when the budget changes


def test_table_prints_each_row_under_a_progress_bar_with_time_left(tmp_path, capsys):
    out = tmp_path / "table.json"
    experiments.table(out, methods=("gan",), seeds=(0,), datasets=("ring",), progress=True)
    captured = capsys.readouterr()
    assert json.loads(captured.out.strip().splitlines()[-1])["method"] == "gan"
    assert "mode-collapse runs" in captured.err and "1/1" in captured.err and "<" in captured.err  # elapsed<left
    experiments.table(out, methods=("gan",), seeds=(0,), datasets=("ring",), progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and json.loads(captured.out)["dataset"] == "ring"
