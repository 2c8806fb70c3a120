"""tools/claims_across_seeds.py: the table that shows which claims hold for every seed."""

import argparse
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("claims_across_seeds", ROOT / "tools" / "claims_across_seeds.py")
tool = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tool)


def test_seeds_read_as_ranges_and_lists():
    assert tool.seeds_arg("0-3") == [0, 1, 2, 3] and tool.seeds_arg("0,2,5") == [0, 2, 5]
    for bad in ("x", "-1", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            tool.seeds_arg(bad)


def _run(seed, claims, error=None):
    return {"notebook": "02_x.ipynb", "profile": "cpu", "seed": seed, "seconds": 60.0, "error": error,
            "claims": [{"cell": c, "k": 0, "claim": text, "status": status, "numbers": {"share": share}}
                       for c, text, status, share in claims]}


def test_a_notebook_is_expected_to_take_its_fastest_recorded_run(tmp_path):
    import json
    record = tmp_path / "cpu.json"
    # 02's runs were loaded (its median 300 would put it first), 03's quiet: 03 is the longer notebook
    runs = {f"{nb} seed {s}": {"notebook": nb, "seed": s, "seconds": t}
            for nb, times in (("02_x.ipynb", [150, 300, 310]), ("03_y.ipynb", [200, 210, 190]))
            for s, t in enumerate(times)}
    record.write_text(json.dumps({"runs": runs}))
    assert tool.expected_seconds("02_x.ipynb", "cpu", record) == 150
    assert tool.expected_seconds("03_y.ipynb", "cpu", record) == 190  # so 03 runs before 02
    assert tool.expected_seconds("04_z.ipynb", "cpu", record) == 0
    assert tool.expected_seconds("02_x.ipynb", "cpu", tmp_path / "none.json") == 0


def test_the_table_counts_a_claim_failed_when_any_seed_fails_and_names_stopped_runs():
    data = {"profile": "cpu", "machine": "test", "runs": {
        "a0": _run(0, [(3, "holds", "held", 0.9), (5, "fails once", "held", 0.8)]),
        "a1": _run(1, [(3, "holds", "held", 0.7), (5, "fails once", "failed", 0.01)]),
        "a2": _run(2, [(3, "holds", "held", 0.6)], error="ValueError: boom"),
    }}
    md = tool.table(data)
    assert "2 claims × 3 seeds: 1 held for every seed, 1 failed for at least one" in md
    assert "Runs that stopped with an error: 1" in md and "02_x.ipynb seed 2: ValueError: boom" in md
    row = next(line for line in md.splitlines() if "fails once" in line)
    assert row.split("|")[3:6] == [" ✓ share 0.8 ", " ✗ share 0.01 ", " — not reached "]


def test_a_notebook_run_collects_its_claims_cell_by_cell(tmp_path, monkeypatch):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from ganlib.course.claims import expect"),
        nbformat.v4.new_code_cell("expect('one', True, x=1)\nexpect('two', False, x=2)"),
    ])
    path = tmp_path / "03_toy.ipynb"
    nbformat.write(nb, path)
    r = tool.run_in_child(path, "ci", 1, cell_timeout=120)
    assert r["error"] is None, r["error"]
    assert [(c["cell"], c["k"], c["claim"], c["status"]) for c in r["claims"]] == [
        (1, 0, "one", "held"), (1, 1, "two", "failed")]


def test_the_learner_check_lists_each_failed_claim_and_each_stopped_run():
    assert tool.run_problems(_run(2, [(3, "holds", "held", 0.9)])) == []
    failed = tool.run_problems(_run(2, [(3, "holds", "held", 0.9), (5, "fails", "failed", 0.01)]))
    assert failed == ["02_x.ipynb seed 2 cell 5: claim failed: fails share 0.01"]
    stopped = dict(_run(2, [], error="ValueError: boom"), error_detail="Traceback …\nValueError: boom")
    assert tool.run_problems(stopped) == ["02_x.ipynb seed 2: stopped: Traceback …\nValueError: boom"]


def test_check_exits_1_with_the_traceback_when_a_cell_raises(tmp_path, monkeypatch):
    """`make test-learner` fails when a notebook raises, and says where; a clean notebook passes."""
    import nbformat

    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\nx")]), nbs / "01_ok.ipynb")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")]),
                   nbs / "02_bad.ipynb")
    monkeypatch.setattr(tool, "NOTEBOOKS", nbs)
    out = tmp_path / "out"
    assert tool.main(["--profile", "ci", "--seeds", "1", "--only", "01", "--check", "--out", str(out)]) == 0
    assert tool.main(["--profile", "ci", "--seeds", "1", "--only", "02", "--check", "--out", str(out)]) == 1
    assert "ValueError: boom" in (out / "ci.md").read_text()


def test_a_run_stored_for_the_site_is_where_build_site_looks(tmp_path, monkeypatch):
    """--site-cache: the executed notebook lands under tools/build_site.py's cache key (code, profile, seed, ganlib)."""
    import nbformat

    build_site = tool.build_site
    monkeypatch.setattr(build_site, "BUILD", tmp_path / "build")
    path = tmp_path / "03_toy.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# toy"), nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(nb, path)
    executed = nbformat.read(path, as_version=4)
    executed.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    stored = build_site.store_run(executed, build_site.cached_path(path, "cpu", 2), "cpu", 2, [0.0, 0.5], 0.5)
    key = build_site.cache_key(nb, "cpu", 2, build_site.ganlib_digest())
    assert stored == tmp_path / "build" / "executed" / "cpu" / f"03_toy.{key}.ipynb"
    again = nbformat.read(stored, as_version=4)
    assert again.cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert again.metadata["ganlib_site"] == {"profile": "cpu", "seed": 2, "seconds": 0.5, "cell_seconds": [0.0, 0.5]}
