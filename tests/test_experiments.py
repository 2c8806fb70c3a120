"""The mode-collapse command writes samples and metrics; runs repeat exactly; the summary is right."""

import json

import numpy as np
import pytest

from ganlib import experiments


def test_mode_collapse_cli_writes_samples_and_metrics(tmp_path):
    assert experiments.main(["mode-collapse", "--dataset", "ring", "--method", "pacgan4", "--seed", "0",
                             "--out", str(tmp_path)]) == 0
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
                                                   "torch version"} <= set(res["provenance"])
