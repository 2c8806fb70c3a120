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
