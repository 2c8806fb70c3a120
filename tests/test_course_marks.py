"""Marks a teacher can use: a small class graded in nbgrader's folder layout (student ids, the CSV files,
a feedback file each, one executed notebook each, a note for every zero with a cause)."""

import csv
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from ganlib.course import grading as homework
from ganlib.course import marks, sandbox

SANDBOX, WHY_NOT = sandbox.available()
FIX = Path(__file__).parent / "fixtures" / "homework"
TOY, TOY_CHECKS = FIX / "toy_homework.ipynb", str(FIX / "toy_checks.py")


def test_student_ids_from_the_folder_layout_or_the_file_name(tmp_path):
    names = ["toy_homework.ipynb", "03_dcgan.ipynb"]
    assert marks.student_id("course/submitted/alice/ps1/toy_homework.ipynb", None, names) == "alice"
    assert marks.student_id(tmp_path / "subs" / "bob" / "toy_homework.ipynb", tmp_path / "subs", names) == "bob"
    assert marks.student_id("subs/carol_03_dcgan.ipynb", "subs", names) == "carol"
    assert marks.student_id("subs/03_dcgan-dave.ipynb", None, names) == "dave"
    assert marks.student_id("x/submitted/e ve\n\u202e/ps1/a.ipynb") == "e_ve"  # safe as a file name and a cell
    assert marks.student_id("x/submitted/../ps1/a.ipynb") == "student"
    assert marks.unique_ids(["a", "b", "a", "a"]) == ["a", "b", "a-2", "a-3"]


def test_feedback_file_shows_the_learners_text_as_text():
    r = {"student": "mallory", "assignment": "toy_homework.ipynb", "notebook": "s/toy_homework.ipynb", "seed": 7,
         "total": 0, "max": 1, "notes": ["note | <b>x</b>"],
         "exercises": {"toy_add": {"points": 0, "max": 1, "status": "failed", "title": "Add",
                                   "message": "your code raised ValueError: ```\n# owned\n<script>x</script>"}}}
    text = marks.feedback_markdown(r)
    assert "````text\nyour code raised ValueError: ```\n# owned\n<script>x</script>\n````" in text
    assert "note \\| \\<b\\>x\\</b\\>" in text and "Grading seed: 7" in text and "**Total: 0/1**" in text


def _student(root: Path, who: str, cells: list[tuple[int, str]] = (), blank: bool = False) -> Path:
    """``root/submitted/<who>/ps1/toy_homework.ipynb``: the toy solution (or its blank handout) with cells added."""
    nb = nbformat.read(TOY, as_version=4)
    if blank:
        nb = homework.student_version(nb)
    for at, src in sorted(cells, reverse=True):
        nb.cells.insert(at, new_code_cell(src))
    out = root / "submitted" / who / "ps1" / "toy_homework.ipynb"
    out.parent.mkdir(parents=True)
    nbformat.write(nb, out)
    return out


@pytest.mark.skipif(not SANDBOX, reason=f"no sandbox on this machine: {WHY_NOT}")
def test_a_class_in_nbgrader_layout_grades_to_ids_csv_feedback_and_executed(tmp_path):
    course = tmp_path / "course"
    # alice: full marks, with a cell that uses ganlib's (here the teacher's) answer before her own is checked
    _student(course, "alice", [(2, "early = toy_checks.add(20, 22)  # a shipped model, say"),
                               (99, "print('early', early)")])
    bob = _student(course, "bob")  # his imports fail: nothing after them can run
    nb = nbformat.read(bob, as_version=4)
    nb.cells[1].source = "import no_such_module_for_the_grader\n" + nb.cells[1].source
    nbformat.write(nb, bob)
    _student(course, "carol", [(99, "import os\nopen(os.environ['GANLIB_ANSWERS'], 'wb').write(b'not answers')")])
    (course / "submitted" / "dave" / "ps1").mkdir(parents=True)
    (course / "submitted" / "dave" / "ps1" / "toy_homework.ipynb").write_text("{ not json")
    out = tmp_path / "out"
    assert homework.main(["grade", str(course / "submitted"), "--checks", TOY_CHECKS, "--assignment", "toy_homework",
                          "--seed", "11", "--cell-timeout", "60", "--csv", str(out / "marks.csv"),
                          "--feedback", str(out / "feedback"), "--executed", str(out / "executed")]) == 0

    with open(out / "marks.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert list(rows) == ["alice", "bob", "carol", "dave"]
    got = {s: (r["total"], r["max"], r["toy_add"], r["toy_add status"], r["seed"]) for s, r in rows.items()}
    assert got == {"alice": ("3", "3", "1", "passed", "11"), "bob": ("0", "3", "0", "not run", "11"),
                   "carol": ("0", "3", "0", "not run", "11"), "dave": ("0", "3", "0", "not run", "11")}
    assert rows["alice"]["notes"] == ""
    assert "an import failed in cell 1 (ModuleNotFoundError" in rows["bob"]["notes"]
    assert "recorded answers could not be read" in rows["carol"]["notes"]
    assert "could not read the notebook" in rows["dave"]["notes"]

    with open(out / "marks-exercises.csv", newline="") as f:
        feedback = {(r["student_id"], r["exercise"]): r for r in csv.DictReader(f)}
    assert len(feedback) == 8
    why = {s: feedback[(s, "toy_square")]["feedback"] for s in ("bob", "carol", "dave")}
    assert why["bob"].startswith("the check never ran: an import failed in cell 1 (ModuleNotFoundError"), why
    assert "(as the notebook's run reported it)" in why["bob"]
    assert why["carol"].startswith("no answer could be read: the recorded answers were refused"), why
    assert why["dave"].startswith("the check never ran: the notebook's run did not start"), why

    files = sorted(p.name for p in (out / "feedback").iterdir())
    assert files == ["alice.md", "bob.md", "carol.md", "dave.md"]
    bob_md = (out / "feedback" / "bob.md").read_text()
    assert "**Total: 0/3**" in bob_md and "ModuleNotFoundError" in bob_md and "Square a number" in bob_md

    executed = {p.relative_to(out / "executed").as_posix() for p in (out / "executed").rglob("*.ipynb")}
    assert executed == {"alice/toy_homework.ipynb", "bob/toy_homework.ipynb", "carol/toy_homework.ipynb"}
    alice = nbformat.read(out / "executed" / "alice" / "toy_homework.ipynb", as_version=4)
    errors = [o for c in alice.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == [], errors  # the early cell ran again once her add was checked: no traceback left
    assert "early 42" in "".join(o.get("text", "") for c in alice.cells if c.cell_type == "code" for o in c.outputs)
