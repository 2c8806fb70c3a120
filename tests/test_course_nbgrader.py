"""A teacher grading with real nbgrader instead of ganlib's grader: blank / wrong / correct → 0 / partial / full."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NB = "01_forger_vs_detective.ipynb"


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the nbgrader command as a teacher would, in the course folder, with the default profile."""
    bin_dir = os.path.dirname(sys.executable)
    env = {k: v for k, v in os.environ.items() if k != "GANLIB_PROFILE"}  # nbgrader's run must pick ci itself
    env.update(PATH=os.pathsep.join([bin_dir, env.get("PATH", "")]), HOME=str(course / "home"),
               PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]), GANLIB_THREADS="1")
    return subprocess.run([os.path.join(bin_dir, "nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)


def _submit(course: Path, student: str, answers: dict[str, str]) -> None:
    """A student's copy of the handout with some solution cells filled in."""
    nb = nbformat.read(course / "release" / "ps1" / NB, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
    out = course / "submitted" / student / "ps1"
    out.mkdir(parents=True)
    nbformat.write(nb, out / NB)


@pytest.mark.slow
def test_nbgrader_scores_blank_wrong_and_correct_as_zero_partial_full(tmp_path, graded_part):
    pytest.importorskip("nbgrader", reason="nbgrader is in the dev extra: pip install -e '.[dev]'")
    course = tmp_path / "course"
    (course / "home").mkdir(parents=True)
    # notebook 01 up to its last graded cell: every exercise and test cell nbgrader scores, none of the runs after
    graded_part(ROOT / "notebooks" / "solutions" / NB, course / "source" / "ps1")
    (course / "nbgrader_config.py").write_text(  # nbgrader's default cell limit is 30 s: too short on a busy machine
        'c = get_config()\nc.CourseDirectory.course_id = "gan"\nc.Execute.timeout = 300\n')
    made = _nbgrader(course, "generate_assignment", "ps1", "--force")
    assert made.returncode == 0, made.stderr[-3000:]

    src = nbformat.read(course / "source" / "ps1" / NB, as_version=4)
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in src.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    assert sorted(solutions) == ["ex-detective_step", "ex-forger_step", "ex-jsd", "ex-optimal_detective"]
    n = len(solutions)
    wrong = dict(solutions)  # D* the wrong way round (the chance x is fake); the JSD right
    wrong["ex-optimal_detective"] = re.sub(r"### BEGIN SOLUTION.*### END SOLUTION", "return p_g / (p_data + p_g)",
                                           solutions["ex-optimal_detective"], flags=re.S)
    _submit(course, "blank", {})
    _submit(course, "wrong", wrong)
    _submit(course, "correct", solutions)

    graded = _nbgrader(course, "autograde", "ps1", "--create", "--force")
    assert graded.returncode == 0, graded.stderr[-3000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s: (gb.find_submission("ps1", s).score, gb.find_submission("ps1", s).max_score)
                  for s in ("blank", "wrong", "correct")}
    assert scores == {"blank": (0, n), "wrong": (n - 1, n), "correct": (n, n)}
    told = _nbgrader(course, "validate", str(course / "submitted" / "blank" / "ps1" / NB))
    assert "VALIDATION FAILED" in told.stdout and "Success" not in told.stdout, told.stdout[-3000:]
