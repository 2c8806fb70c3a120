"""bench/dcgan_recipes.py --ratio: each side is read at its first measurement at or after the time compared,
so the tutorial never gets less than RATIO × S; and the notebook's shipped race is that script's output."""

import importlib.util
import json
from argparse import Namespace
from pathlib import Path

from ganlib.config import RESULTS_DIR

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("dcgan_recipes", ROOT / "bench" / "dcgan_recipes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_marks_read_each_side_at_or_after_the_time_compared(tmp_path, capsys):
    runs = {"tf-tutorial": {"curve": [(0, 0, 200.0), (29.0, 9, 90.0), (31.0, 10, 80.0), (62.0, 20, 60.0)]},
            "course": {"curve": [(0, 0, 210.0), (2.9, 30, 85.0), (3.1, 32, 70.0), (6.2, 64, 65.0)]}}
    out = tmp_path / "race.json"
    a = Namespace(ratio=10.0, n_fid=1000, json=str(out), threads=1)
    _bench()._compare_at_marks(a, runs, [3.0, 6.0], bench_start=0.0)
    rows = json.loads(out.read_text())["marks"]
    assert [r["course"] for r in rows] == [[3.1, 70.0], [6.2, 65.0]]
    assert [r["tutorials"]["tf-tutorial"] for r in rows] == [[31.0, 80.0], [62.0, 60.0]]
    assert [r["course_ahead"] for r in rows] == [True, False]
    assert "yes" in capsys.readouterr().out


def test_shipped_race_is_the_benchs_output():
    race = json.loads((RESULTS_DIR / "dcgan_race.json").read_text())
    assert race["command"].startswith("python bench/dcgan_recipes.py --ratio 10")
    tutorials = {"tf-tutorial", "pytorch-tutorial"}
    assert race["args"]["ratio"] == 10 and set(race["curves"]) == {"course", *tutorials}
    for row in race["marks"]:
        t_c, f_c = row["course"]
        assert t_c >= row["S"] and [t_c, f_c] in [[t, f] for t, _, f in race["curves"]["course"]]
        assert set(row["tutorials"]) == tutorials
        for name, (t_tut, f_tut) in row["tutorials"].items():
            assert t_tut >= 10 * row["S"]  # neither side is read early
            assert [t_tut, f_tut] in [[t, f] for t, _, f in race["curves"][name]]
        assert row["course_ahead"] == all(f_c <= f for _, f in row["tutorials"].values())
