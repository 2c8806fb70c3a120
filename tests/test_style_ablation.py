"""The ablation table: complete, made with today's recipe and budget, and its command runs."""

import json

import pytest

from ganlib.style import ablation
from ganlib.style.miniature import RECIPE

pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def test_shipped_ablation_is_complete_and_made_with_todays_recipe():
    res = ablation.load()
    assert {(r["variant"], r["seed"]) for r in res["rows"]} == {(v, s) for v in ablation.VARIANTS for s in ablation.SEEDS}
    prov = res["provenance"]
    assert prov["steps"] == ablation.STEPS and prov["variants"] == ablation.VARIANTS  # rerun when either changes
    assert prov["recipe"] == {k: list(v) if isinstance(v, tuple) else v for k, v in RECIPE.items()}
    assert "+dirty" not in prov["commit"]
    text = ablation.format_table(res["rows"])
    assert len(text.splitlines()) == 1 + len(res["rows"])
    assert text.count("collapsed") == sum(map(ablation.collapsed, res["rows"]))


def test_one_run_scores_every_measure():
    row = ablation.run("no mapping network", seed=0, steps=2, n=200)  # the measures run; their values are not under test
    assert row["variant"] == "no mapping network" and row["fid"] > 0 and 0 <= row["min_class_share"] <= 1
    assert set(row) >= {"precision", "recall", "ppl_w", "train_seconds"}


def test_the_table_keeps_the_shipped_format_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setattr(ablation, "run", lambda variant, seed, steps: {"variant": variant, "seed": seed, "fid": 1.0})
    out = tmp_path / "a.json"
    with pytest.raises(ablation.Unfinished):
        ablation.table(out, steps=2, seeds=(0, 1), jobs=1, max_runs=2)
    res = ablation.table(out, steps=2, seeds=(0, 1), jobs=1, resume=True)
    assert [(r["variant"], r["seed"]) for r in res["rows"]] == [(v, s) for s in (0, 1) for v in ablation.VARIANTS]
    assert set(res["provenance"]) == set(ablation.load()["provenance"])  # the shipped table's keys
    assert json.loads(out.read_text()) == json.loads(json.dumps(res)) and not list(tmp_path.glob("*.jsonl"))
