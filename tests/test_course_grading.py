"""The homework machinery: student versions and the grader (on tiny fixture notebooks)."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from ganlib import checks
from ganlib.course import grading as homework
from ganlib.course import marks, sandbox
from ganlib.course.intake import read_answers

SANDBOX, WHY_NOT = sandbox.available()
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason=f"no sandbox on this machine: {WHY_NOT}")

FIX = Path(__file__).parent / "fixtures" / "homework"
TOY = FIX / "toy_homework.ipynb"
TOY_CHECKS = str(FIX / "toy_checks.py")
SECRETS = ("SECRET-ADD", "SECRET-SQUARE", "SECRET-PROSE", "SECRET-HIDDEN")


def _grade(path, **kw):
    return homework.grade(path, checks_files=(TOY_CHECKS,), sandbox=SANDBOX, **kw)


def _variant(tmp_path, name, extra_cells, after=4):
    """The toy solution with extra cells inserted after cell `after` (the toy_add check)."""
    nb = nbformat.read(TOY, as_version=4)
    nb.cells[after:after] = [new_code_cell(src) for src in extra_cells]
    out = tmp_path / name
    nbformat.write(nb, out)
    return out


@pytest.fixture(scope="module")
def student_nb(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    [path] = homework.make_student(FIX, out)
    return path


def test_student_version_has_no_solution_and_keeps_metadata(student_nb):
    text = student_nb.read_text()
    assert not any(s in text for s in SECRETS)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    nb, src = nbformat.read(student_nb, as_version=4), nbformat.read(TOY, as_version=4)
    assert [c.metadata.get("nbgrader") for c in nb.cells] == [c.metadata.get("nbgrader") for c in src.cells]
    assert nb.cells[2].source.endswith("    # YOUR CODE HERE\n    raise NotImplementedError()")
    assert nb.cells[2].source.startswith('def add(a, b):\n    """Return a + b."""')
    assert nb.cells[5].source == "YOUR ANSWER HERE"
    assert nb.cells[7].source.strip() == "checks.check_toy_square(square)"


def test_student_version_clears_outputs(tmp_path):
    nb = nbformat.read(TOY, as_version=4)
    nb.cells[3].outputs = [nbformat.v4.new_output("stream", text="SECRET-ADD passed")]
    nb.cells[3].execution_count = 7
    st = homework.student_version(nb)
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in st.cells)
    assert "SECRET" not in json.dumps(st)


@pytest.mark.parametrize("source", ["x = 1\n### BEGIN SOLUTION\ny = 2", "### END SOLUTION",
                                    "### BEGIN HIDDEN TESTS\nassert True"])
def test_unbalanced_markers_are_an_error(source):
    nb = nbformat.v4.new_notebook(cells=[new_code_cell(source)])
    with pytest.raises(homework.HomeworkError, match="cell 0"):
        homework.student_version(nb, "x.ipynb")


def test_student_refuses_to_overwrite_source(tmp_path):
    with pytest.raises(homework.HomeworkError, match="overwrite"):
        homework.make_student(TOY, TOY)


def test_expected_exercises_by_name_and_by_content(tmp_path):
    homework._load_checks_file(TOY_CHECKS)
    nb = nbformat.read(TOY, as_version=4)
    assert homework.expected_exercises(nb, "toy_homework.ipynb") == ["toy_add", "toy_square"]
    assert homework.expected_exercises(nb, "alice_toy_homework.ipynb") == ["toy_add", "toy_square"]
    nb.cells = nb.cells[:4]  # renamed and the square exercise deleted: still graded on both
    assert homework.expected_exercises(nb, "submission.ipynb") == ["toy_add", "toy_square"]


def test_solution_scores_full_marks_and_json_last_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ganlib.homework", "grade", str(TOY), "--json",
                           "--checks", TOY_CHECKS, "--cell-timeout", "60"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert "total: 3/3" in proc.stdout
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (result["total"], result["max"]) == (3, 3)
    assert {i: e["status"] for i, e in result["exercises"].items()} == {"toy_add": "passed",
                                                                         "toy_square": "passed"}
    assert result["errors"] == []


def test_blank_student_version_scores_zero_and_runs_to_the_end(student_nb, tmp_path):
    r = _grade(student_nb, cell_timeout=60, executed=tmp_path / "executed")
    assert (r["total"], r["max"]) == (0, 3)
    assert all(e["status"] == "not done" for e in r["exercises"].values())
    assert r["errors"] == [] and r["notes"] == []
    assert r["cells_run"] == 6  # every code cell
    out = nbformat.read(tmp_path / "executed" / r["student"] / student_nb.name, as_version=4)
    assert "reached the end" in out.cells[-1].outputs[0]["text"]


def test_hang_deletion_and_kernel_crash_are_survived(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    sentinels = [tmp_path / "sentinel.txt", home / "sentinel.txt"]
    for s in sentinels:
        s.write_text("keep me")
    sub = _variant(tmp_path, "hostile.ipynb", [
        "import time\ntime.sleep(600)  # hangs: cut off by the cell time limit",
        "import os\nfor p in ['sentinel.txt', '../sentinel.txt', os.path.expanduser('~/sentinel.txt')]:\n"
        "    try:\n        os.remove(p)\n    except OSError:\n        pass",
        "checks.check_toy_add(add)  # still runs after the hang",
        "import os\nos._exit(1)  # the kernel dies",
    ])
    # limits with room for a busy machine: the other cells finish in a second when quiet, several when not
    r = _grade(sub, cell_timeout=20, timeout=300)
    assert all(s.read_text() == "keep me" for s in sentinels)
    assert r["exercises"]["toy_add"]["status"] == "passed"
    assert r["exercises"]["toy_square"]["status"] == "not run"
    assert "kernel died" in r["exercises"]["toy_square"]["message"]
    assert (r["total"], r["max"]) == (1, 3)
    assert any("KeyboardInterrupt" in e["error"] for e in r["errors"])


def test_total_time_limit_stops_a_hang_that_ignores_interrupts(tmp_path):
    sub = _variant(tmp_path, "stubborn.ipynb", [
        "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "while True:\n    time.sleep(0.1)",
    ])
    # A short total limit. On a quiet machine the three cells before the hang finish in it; on a busy one the limit
    # may run out before (at load 13 even 45 s did): what holds at any load is asserted, the rest only when they ran.
    r = _grade(sub, cell_timeout=3, timeout=10)
    assert any("time limit (10 s for the whole submission) reached" in n for n in r["notes"]), r["notes"]
    assert r["cells_run"] <= 3  # the hang never ended: it was stopped
    assert r["exercises"]["toy_square"]["status"] == "not run"  # nothing after the hang ran
    assert r["total"] <= 1
    # the exercise before the hang is passed or, where the limit ran out before it was graded (CI's run beside the
    # learner's notebooks, load 4: "not run" with all three cells run), not run; never failed. That marks before a
    # hang count is test_hang_deletion_and_kernel_crash_are_survived's (per-cell limit).
    assert r["exercises"]["toy_add"]["status"] in ("passed", "not run"), r


def test_grader_errors_exit_non_zero(tmp_path):
    assert homework.main(["grade", str(tmp_path / "missing.ipynb")]) == 2
    assert homework.main(["student", str(tmp_path / "missing.ipynb"), str(tmp_path / "out")]) == 2


def test_unreadable_submission_scores_zero(tmp_path):
    bad = tmp_path / "toy_homework.ipynb"
    bad.write_text("{ not json")
    r = _grade(bad)
    assert (r["total"], r["max"]) == (0, 3) and "could not read" in r["notes"][0]


def test_grade_folder_writes_csv(tmp_path):
    (tmp_path / "subs").mkdir()
    bad = tmp_path / "subs" / "bob_toy_homework.ipynb"
    bad.write_text("{ not json")
    out = tmp_path / "marks.csv"
    assert homework.main(["grade", str(tmp_path / "subs"), "--csv", str(out), "--checks", TOY_CHECKS]) == 0
    rows = out.read_text().splitlines()
    assert rows[0].startswith("student_id,total,max,seed,toy_add,toy_square,toy_add status,toy_square status")
    assert rows[1].split(",")[:3] + rows[1].split(",")[4:6] == ["bob", "0", "3", "0", "0"]


def test_sandbox_is_there_where_ci_requires_it():
    """CI sets GANLIB_REQUIRE_SANDBOX=1: there the attack tests must run, not be skipped."""
    if os.environ.get("GANLIB_REQUIRE_SANDBOX") == "1":
        assert SANDBOX, f"the grading sandbox cannot be built, so the attack tests would be skipped: {WHY_NOT}"


@needs_sandbox
def test_sandbox_shows_host_folders_under_tmp():
    """A course or a Python under the host's /tmp (a clone in /tmp/x) is bound over the private /tmp, not hidden."""
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        os.chmod(d, 0o755)  # the child is another user
        Path(d, "data.txt").write_text("seen")
        nb = Path(d, "probe.txt")
        nb.write_text("probe")
        got = sandbox.run(str(nb), [sys.executable, "-I", "-S", "-c",
                                    f"open('/grading/out/ok', 'w').write(open({d + '/data.txt'!r}).read())"],
                          {"LANG": "C.UTF-8"}, limits=sandbox.Limits(wall=60), binds=[[d, d]],
                          collect={"ok": ("/grading/out/ok", 100)})
    assert got.files.get("ok") == b"seen", (got.error, got.exit_code)


@needs_sandbox
def test_sandbox_runs_a_python_whose_venv_lives_under_tmp(monkeypatch):
    """A fresh clone in /tmp/x with its .venv there: Python's own folder is bound over the inner ring's /tmp too."""
    with tempfile.TemporaryDirectory(dir="/tmp") as d:
        os.chmod(d, 0o755)
        venv = Path(d, "venv")
        venv.symlink_to(sys.prefix)  # stands for /tmp/x/.venv
        system = sandbox.system_binds

        def with_tmp_venv():
            binds, links = system()
            return binds + [[sys.prefix, str(venv)]], links
        monkeypatch.setattr(sandbox, "system_binds", with_tmp_venv)
        nb = Path(d, "probe.txt")
        nb.write_text("probe")
        python = str(venv / "bin" / Path(sys.executable).name)
        got = sandbox.run(str(nb), [python, "-I", "-S", "-c", "open('/grading/out/ok', 'w').write('ran')"],
                          {"LANG": "C.UTF-8"}, limits=sandbox.Limits(wall=60), collect={"ok": ("/grading/out/ok", 100)})
    assert got.files.get("ok") == b"ran", (got.error, got.exit_code)


@needs_sandbox
def test_sandbox_keeps_everything_outside_the_folder_read_only(tmp_path):
    victim = tmp_path / "teacher" / "marks.csv"
    victim.parent.mkdir()
    victim.write_text("keep me")
    sub = _variant(tmp_path, "escape.ipynb", [
        f"import pathlib, subprocess\np = pathlib.Path({str(victim)!r})\n"
        "for attempt in (lambda: p.write_text('overwritten'), p.unlink, lambda: (p.parent / 'new.txt').touch(),\n"
        "                lambda: subprocess.run(['mount', '-o', 'remount,rw', '/'], check=True),\n"
        "                lambda: p.write_text('overwritten after remount')):\n"
        "    try:\n        attempt()\n    except Exception as e:\n        print('refused:', type(e).__name__)",
        "open('scratch.txt', 'w').write('own folder is writable')\nprint(open('scratch.txt').read())",
    ])
    r = _grade(sub, cell_timeout=30, executed=tmp_path / "executed")
    assert r["sandboxed"] and victim.read_text() == "keep me" and sorted(victim.parent.iterdir()) == [victim]
    out = nbformat.read(tmp_path / "executed" / r["student"] / "escape.ipynb", as_version=4)
    texts = ["".join(o.get("text", "")) for c in out.cells if c.cell_type == "code" for o in c.outputs]
    assert sum(t.count("refused:") for t in texts) == 5
    assert any("own folder is writable" in t for t in texts)
    assert r["exercises"]["toy_add"]["status"] == "passed"


COURSE = Path(__file__).resolve().parent.parent / "notebooks" / "solutions"  # the worked versions


def test_course_student_versions_hide_every_solution(tmp_path):
    from ganlib.checks import exercises_for

    paths = homework.make_student(COURSE, tmp_path)
    assert len(paths) == len(list(COURSE.glob("[0-9][0-9]_*.ipynb")))
    for p in paths:
        nb, src = nbformat.read(p, as_version=4), nbformat.read(COURSE / p.name, as_version=4)
        text = "\n".join(c.source for c in nb.cells)
        ids = [ex.id for ex in exercises_for(p.name)]
        assert len(ids) >= 2, f"{p.name}: fewer than 2 exercises"
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        assert text.count("raise NotImplementedError()") >= len(ids)
        assert all(f"check_{i}(" in text for i in ids), p.name
        solutions = [c.source for c in src.cells if "### BEGIN SOLUTION" in c.source]
        assert len(solutions) >= len(ids)
        for s in solutions:  # the body of each solution is gone
            body = s.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0].strip()
            assert body and body not in text, f"{p.name}: solution text left in the student version"


@pytest.mark.slow
def test_course_notebook_01_full_marks_and_blank_zero(tmp_path, graded_part):
    # notebook 01 up to its last graded cell: every exercise and check the grader scores, none of the runs after
    worked = graded_part(COURSE / "01_forger_vs_detective.ipynb", tmp_path / "worked")
    [student] = homework.make_student(worked, tmp_path / "student")
    solved, blank = homework.grade(worked), homework.grade(student)
    n = len(checks.exercises_for("01_forger_vs_detective.ipynb"))
    assert n >= 4 and (solved["total"], solved["max"]) == (n, n), solved
    assert (blank["total"], blank["max"]) == (0, n), blank
    assert {e["status"] for e in blank["exercises"].values()} == {"not done"}


def test_grading_copy_hides_the_course_answers(tmp_path):
    """While notebook 01 is graded, ganlib's D* and JSD refuse to run (write your own) and their code is gone."""
    import inspect

    from ganlib.checks import exercises_for
    from ganlib.course.redact import grading_copy
    from ganlib.game import theory

    exs = exercises_for("01_forger_vs_detective.ipynb")
    assert {"jsd", "optimal_detective"} <= {ex.id for ex in exs}
    copy = grading_copy(tmp_path / "copy", exs)
    text = (copy / "ganlib" / "game" / "theory.py").read_text()
    for ref in (theory.jsd, theory.optimal_detective):
        body = inspect.getsource(ref).split('"""')[-1].strip()
        assert body and body not in text
    proc = subprocess.run([sys.executable, "-c", "import numpy as np\nfrom ganlib.game.theory import jsd\n"
                           "jsd(np.ones(3), np.ones(3), np.arange(3.0))"],
                          env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "HiddenWhileGrading" in proc.stderr and "write your own" in proc.stderr


def test_grading_copy_keeps_no_helper_that_computes_an_answer(tmp_path):
    """The judges' mistake models are out of the copy (``_step_variant()`` with its defaults is gan_step,
    ``_loop_variant()`` the training loop); every exercise's cases and run still work there."""
    from ganlib.checks import EXERCISES
    from ganlib.course.redact import grading_copy

    course = [ex for ex in EXERCISES.values() if ex.judge.__module__.startswith("ganlib.checks.")]  # not the toy's
    copy = grading_copy(tmp_path / "copy", course)
    nb02 = (copy / "ganlib" / "checks" / "nb02.py").read_text()
    assert "_step_variant" not in nb02 and "_loop_variant" not in nb02 and "_STEP_MISTAKES" not in nb02
    assert "def _step_cases" in nb02 and "def _step_run" in nb02
    script = ("from ganlib.checks import EXERCISES, collect\n"
              "def blank(*a, **k):\n    raise NotImplementedError()\n"
              "for ex in EXERCISES.values():\n    try:\n        collect(ex, blank, 3)\n"
              "    except NotImplementedError:\n        continue\n    raise SystemExit(ex.id + ': run never called fn')\n"
              "print('ok', len(EXERCISES))")
    proc = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin",
                                                               "GANLIB_THREADS": "1"},
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and f"ok {len(course)}" in proc.stdout, proc.stderr[-3000:]


_PROBE = r"""
import importlib, inspect, pkgutil, signal, sys
import torch
import ganlib
from ganlib.checks import EXERCISES, collect

torch.set_num_threads(1)
seed, arity = int(sys.argv[1]), dict(kv.split(":") for kv in sys.argv[2].split(","))
def stop(*_):
    raise TimeoutError("probe took too long")
signal.signal(signal.SIGALRM, stop)
funcs = []
for m in pkgutil.walk_packages(ganlib.__path__, "ganlib."):
    try:
        mod = importlib.import_module(m.name)
    except BaseException:
        continue
    funcs += [(m.name + "." + k, f) for k, f in vars(mod).items()
              if inspect.isfunction(f) and f.__module__ == m.name]
found = {}
for ex_id, want in arity.items():
    ex = EXERCISES[ex_id]
    for name, f in funcs:
        if _required(f) != int(want):
            continue
        signal.alarm(3)
        try:
            found[(ex_id, name)] = collect(ex, f, seed)
        except BaseException:
            pass
        finally:
            signal.alarm(0)
torch.save(found, sys.argv[3])
print("probed", len(funcs), "functions")
"""


def _required(f) -> int | None:
    """How many positional arguments ``f`` needs (None for what has no signature, a class say)."""
    import inspect

    try:
        return len([p for p in inspect.signature(f).parameters.values()
                    if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
    except (TypeError, ValueError):
        return None


def test_no_function_in_the_grading_copy_computes_a_graded_answer(tmp_path):
    """Every function of every ganlib module in a grading copy (all course answers hidden) is tried as each exercise's
    answer, where its arity fits, and judged: none passes but two named below. It caught a helper of notebook 02's
    check that computed notebook 04's hinge loss, and two that computed notebook 02's own losses."""
    import inspect

    import torch

    from ganlib.checks import EXERCISES, verdict
    from ganlib.course.redact import grading_copy

    course = [ex for ex in EXERCISES.values() if ex.judge.__module__.startswith("ganlib.checks.")]
    copy = grading_copy(tmp_path / "copy", course)
    out, seed = tmp_path / "found.pt", 5
    arity = ",".join(f"{ex.id}:{_required(ex.reference)}" for ex in course if _required(ex.reference) is not None)
    probe = inspect.getsource(_required) + _PROBE  # the child counts arguments as this test does
    proc = subprocess.run([sys.executable, "-c", probe, str(seed), arity, str(out)],
                          env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin", "GANLIB_THREADS": "1",
                               "MPLBACKEND": "agg", "GANLIB_OFFLINE": "1", "HOME": str(tmp_path)},
                          cwd=tmp_path, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0 and "probed" in proc.stdout, proc.stderr[-3000:]
    found = torch.load(out, weights_only=False)
    assert len({ex_id for ex_id, _ in found}) >= 15  # the probe reached most exercises (trying nothing proves nothing)
    leaks = {f"{name} computes {ex_id}" for (ex_id, name), answers in found.items()
             if verdict(EXERCISES[ex_id], seed, answers)[0] == "passed"}
    # Known and documented (README, "What the grader guarantees"): notebook 06's measures need the nearest-neighbour
    # distance batched over tens of thousands of images, and that tool is also the answer to its first exercise.
    assert leaks <= {"ganlib.ethics.memorisation.plain_distance computes nearest_distance",
                     "ganlib.at_work.membership.distance_to_samples computes nearest_distance"}, sorted(leaks)


# ----------------------------------------------------------------------------- nothing from the child is trusted

def _saved(book) -> bytes:
    import io

    import torch

    buf = io.BytesIO()
    torch.save(book, buf)
    return buf.getvalue()


def test_a_small_answers_file_cannot_blow_up_the_grader():
    """Shared references: a few kilobytes that would unfold into millions of values are refused, quickly."""
    a = [0.5]
    for _ in range(3):
        a = [a] * 300  # 27 million leaves from a file of a few kilobytes
    raw = _saved({"toy_add": a})
    assert len(raw) < 20_000
    with pytest.raises(ValueError, match="more than"):
        read_answers(raw)
    deep = [1.0]
    for _ in range(40):
        deep = [deep]
    with pytest.raises(ValueError, match="nested"):
        read_answers(_saved({"toy_add": deep}))


def test_a_tensor_must_store_the_elements_it_claims():
    """One stored element expanded (stride 0) to ten million: refused, never copied out in the grader."""
    import torch

    wide = torch.zeros(1).expand(10_000_000)
    raw = _saved({"toy_add": [wide]})
    assert len(raw) < 10_000
    with pytest.raises(ValueError, match="claims 10000000 elements but stores 1"):
        read_answers(raw)
    assert read_answers(_saved({"toy_add": [torch.arange(6.0).view(2, 3)[:, 1]]}))  # a view within storage


def test_non_finite_answers_never_pass():
    """A judge that accepts anything still never sees NaN or infinity pass."""
    import torch

    ex = checks.Exercise(id="t_nan", notebook="t.ipynb", reference=lambda x: x, check=lambda fn: None,
                         cases=lambda seed: [{"x": 1}], run=lambda fn, case: fn(case["x"]),
                         judge=lambda case, got: None)
    for bad in (float("nan"), float("inf"), [1.0, float("-inf")], torch.tensor([0.0, float("nan")]),
                {"loss": float("nan")}):
        status, msg = checks.verdict(ex, 0, [bad])
        assert status == "failed" and "NaN or infinity" in msg, (bad, status, msg)
    assert checks.verdict(ex, 0, [1.0]) == ("passed", "")


def test_a_file_name_cannot_print_a_line_of_its_own():
    """A name holding line breaks, tabs or direction marks prints on one line, in the table, the CSV and the log."""
    name = "bob\ntotal: 3/3\rnote: all fine\u2028x\u202e.ipynb"
    r = homework.error_row(f"/subs/{name}", "boom\ntotal: 3/3")
    r["notes"].append("the notebook's run reported that it stopped: x\ntotal: 3/3")
    table = homework.format_table(r)
    assert [line for line in table.splitlines() if line.startswith("total:")] == ["total: 0/0"], table
    assert not any(line.startswith("note: all fine") for line in table.splitlines()), table
    assert "\u202e" not in table and "\u2028" not in table
    assert "\n" not in marks._cell(name) and "\r" not in marks._cell(name)


def test_limit_notes_in_the_table_come_from_what_the_sandbox_saw():
    """A runner's status that claims every limit (the learner's code can write it) makes no plain limit note."""
    status = homework._status(json.dumps({
        "cells_run": 3, "stopped": "time limit (1 s) reached in cell 2", "kernel_exit": -24,
        "output_truncated": True, "errors": [{"cell": 1, "error": "MemoryError: x; No space left; "
                                                               "Resource temporarily unavailable; KeyboardInterrupt"}]}
    ).encode())
    notes, seen, told = homework._limit_notes(sandbox.Outcome(), status, sandbox.Limits(), 600, 120)
    assert seen == [] and set(told) == {"time", "cell time", "memory", "processes", "cpu", "disk", "output"}
    assert all("as the notebook's run reported it" in n for n in notes), notes
    seen_run = sandbox.Outcome(wall_limit=True, memory_limit=True, disk_full=True)
    notes, seen, told = homework._limit_notes(seen_run, {}, sandbox.Limits(), 600, 120)
    assert seen == ["time", "memory", "disk"] and told == [] and not any("reported" in n for n in notes)


def test_a_missing_bwrap_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    monkeypatch.setattr(sandbox.os, "access", lambda path, mode: False)
    with pytest.raises(sandbox.SandboxError, match="apt-get install bubblewrap"):
        sandbox.bwrap_path()


@needs_sandbox
@pytest.mark.skipif(os.geteuid() != 0 or not os.access("/usr/bin/python3", os.X_OK),
                    reason="needs root and /usr/bin/python3")
def test_graded_by_root_the_child_is_a_uid_of_its_own(monkeypatch, tmp_path):
    """Where a Python outside /root runs it, root's grader runs bwrap as SANDBOX_UID: the child is no one's uid."""
    binds, links = sandbox.system_binds()
    monkeypatch.setattr(sandbox, "system_binds", lambda: ([b for b in binds if b[0] in ("/usr", "/etc")], links))
    monkeypatch.setattr(sandbox.sys, "executable", "/usr/bin/python3")  # the collector's Python too
    nb = tmp_path / "probe.txt"
    nb.write_text("probe")
    got = sandbox.run(str(nb), ["/usr/bin/python3", "-I", "-S", "-c",
                                "open('/grading/out/map', 'w').write(open('/proc/1/uid_map').read())"],
                      {"LANG": "C.UTF-8"}, limits=sandbox.Limits(wall=60), collect={"map": ("/grading/out/map", 1000)})
    assert got.files.get("map") is not None, got
    # the collector's map seen from the child: bwrap kept its caller's uid, SANDBOX_UID, for the outer ring
    assert got.files["map"].split()[0] == str(sandbox.SANDBOX_UID).encode(), got.files["map"]


# ----------------------------------------------------------------------------- the teacher names the assignment

def test_the_assignment_fixes_the_exercises_and_another_notebook_gets_no_marks(tmp_path, capsys):
    """Notebook 01 handed in under the toy assignment's name: 0 of the toy's maximum, and a note saying why."""
    [nb01] = homework.make_student(COURSE / "01_forger_vs_detective.ipynb", tmp_path / "src")
    sub = tmp_path / "subs" / "alice" / "toy_homework.ipynb"
    sub.parent.mkdir(parents=True)
    sub.write_bytes(nb01.read_bytes())
    r = homework.grade(sub, checks_files=(TOY_CHECKS,), sandbox=SANDBOX, assignment="toy_homework")
    assert (r["total"], r["max"]) == (0, 3) and sorted(r["exercises"]) == ["toy_add", "toy_square"], r
    assert any("submission of 01_forger_vs_detective.ipynb, not of the assignment toy_homework.ipynb" in n
               for n in r["notes"]), r["notes"]
    assert homework.assignment_notebook("01") == "01_forger_vs_detective.ipynb"
    assert homework.main(["grade", str(sub), "--checks", TOY_CHECKS, "--assignment", "no_such_notebook"]) == 2
    assert "no notebook with exercises of that name" in capsys.readouterr().err


@needs_sandbox
def test_the_assignment_grades_a_renamed_submission(tmp_path):
    """With --assignment, the file name no longer decides: the toy solution called anything gets its marks."""
    sub = tmp_path / "bob" / "my work (final).ipynb"
    sub.parent.mkdir()
    sub.write_bytes(TOY.read_bytes())
    r = homework.grade(sub, checks_files=(TOY_CHECKS,), assignment="toy_homework.ipynb", seed=3)
    assert (r["total"], r["max"]) == (3, 3), r
