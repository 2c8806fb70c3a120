"""The sweep helper: every grid point once, a journal to resume from, a stop after max_runs, merged tables."""

import json

import pytest

from ganlib.sweep import Journal, Unfinished, merge, provenance, read_journal, sweep


def square(x: int, tag: str) -> dict:
    return {"x": x, "tag": tag, "y": x * x}


def key(row: dict) -> tuple:
    return row["x"], row["tag"]


GRID = [(x, t) for x in range(3) for t in ("a", "b")]


def test_a_sweep_cut_short_resumes_to_the_same_rows(tmp_path):
    whole = sweep(square, GRID, key, progress=False)
    assert list(whole) == GRID and whole[(2, "b")]["y"] == 4
    journal = Journal(tmp_path / "t.rows.jsonl", {"commit": "abc", "budget": (1, 2)})
    with pytest.raises(Unfinished, match="2 runs left"):
        sweep(square, GRID, key, journal=journal, max_runs=4, progress=False)
    assert len(journal.read()) == 4
    calls = []
    again = sweep(lambda *p: calls.append(p) or square(*p), GRID, key, journal=journal, resume=True,
                  progress=False)
    assert calls == GRID[4:] and {k: again[k] for k in GRID} == whole  # only the missing runs ran


def test_rows_of_another_stamp_are_not_resumed_and_a_fresh_sweep_clears_the_journal(tmp_path):
    path = tmp_path / "t.rows.jsonl"
    sweep(square, GRID[:2], key, journal=Journal(path, {"commit": "old"}), progress=False)
    assert Journal(path, {"commit": "new"}).read() == []
    assert len(Journal(path, {"commit": "old"}).read()) == 2
    sweep(square, GRID[:1], key, journal=Journal(path, {"commit": "old"}), progress=False)  # no resume
    assert len(path.read_text().splitlines()) == 1


def test_a_journal_line_is_the_row_and_its_stamp(tmp_path):
    path = tmp_path / "t.rows.jsonl"  # the format earlier tables wrote: the row's keys, then "stamp"
    path.write_text(json.dumps({"x": 1, "tag": "a", "y": 1, "stamp": {"commit": "c", "budget": [1, 2]}}) + "\n")
    assert Journal(path, {"commit": "c", "budget": (1, 2)}).read() == [{"x": 1, "tag": "a", "y": 1}]
    rows, stamp = read_journal(path)
    assert rows == [{"x": 1, "tag": "a", "y": 1}] and stamp == {"commit": "c", "budget": [1, 2]}
    with open(path, "a") as f:
        f.write(json.dumps({"x": 2, "tag": "a", "y": 4, "stamp": {"commit": "d"}}) + "\n")
    with pytest.raises(ValueError, match="2 different commits"):
        read_journal(path)


def test_merge_replaces_earlier_rows_and_keeps_the_rest_in_order():
    earlier = [square(x, "a") | {"run": "old"} for x in (0, 1)]
    newer = [square(1, "a") | {"run": "new"}, square(0, "b")]
    rows = merge(earlier, newer, key, order=lambda k: (k[1], k[0]))
    assert [(key(r), r.get("run")) for r in rows] == [((0, "a"), "old"), ((1, "a"), "new"), ((0, "b"), None)]


def test_provenance_says_where_a_result_came_from():
    prov = provenance("cmd", machine="here", steps=3)
    assert list(prov)[:6] == ["command", "commit", "date", "machine", "profile", "torch version"]
    assert prov["machine"] == "here" and prov["steps"] == 3
