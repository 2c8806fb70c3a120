"""Homework: make student versions of the notebooks and grade submissions.

  python -m ganlib.homework student SRC OUT [--link]   # SRC a notebook or a folder of them
  python -m ganlib.homework grade NOTEBOOK [--json]    # one submission: score table (+ JSON line)
  python -m ganlib.homework grade DIR --csv marks.csv  # every submission under DIR
  python -m ganlib.homework grade DIR --assignment 03  # the teacher names the notebook set
  python -m ganlib.homework grade DIR --csv marks.csv --feedback feedback/  # + a feedback file
                                                                           # per student

A student version follows nbgrader: code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, hidden tests are removed, outputs
cleared, nbgrader metadata kept. Grading runs the submission in a fresh kernel in the sandbox of
:mod:`ganlib.course.sandbox` (``--no-sandbox`` only inside a container of its own), with a grading
copy of ganlib whose graded answers are hidden (:mod:`ganlib.course.redact`); the checks there only
record plain answers, which are judged here, in the grader's process. A submission that hangs,
kills its kernel or hits a limit is scored with what ran, with a note naming the limit; the
grader's exit code is non-zero only for its own errors. Student ids, the CSV files and the
feedback files are :mod:`ganlib.course.marks`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from ganlib.config import check_profile_name
from ganlib.course import answers
from ganlib.course import sandbox as jail
from ganlib.course.marks import (clean_line, clean_text, exercises_csv_path, student_id, unique_ids,
                                 write_csv, write_feedback)
from ganlib.course.sandbox import Limits
from ganlib.files import atomic_write_text

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CHECK_CALL = re.compile(r"\bcheck_([A-Za-z_]\w*)\s*\(")


class HomeworkError(Exception):
    """A problem the grader or the student-version maker cannot work around
    (bad path, bad markers)."""


# ----------------------------------------------------------------------------- student versions

def _nbgrader(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _replace_regions(
    source: str, begin: str, end: str, stub: str | None, where: str
) -> tuple[str, bool]:
    """Replace each begin/end region (marker lines included) by the stub indented like its begin
    line, or drop it when the stub is None; return the text and whether a region was found."""
    out: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise HomeworkError(f"{where}: nested '{begin}'")
            inside = found = True
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in (stub.split("\n") if stub is not None else []))
        elif end in line:
            if not inside:
                raise HomeworkError(f"{where}: '{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise HomeworkError(f"{where}: '{begin}' without '{end}'")
    return "\n".join(out), found


def _stubs(solution: str | None) -> tuple[str, str]:
    """The code and text stubs; with ``solution``, each also says where the worked solution is."""
    if solution is None:
        return CODE_STUB, TEXT_STUB
    code = CODE_STUB.replace("\n", f"\n# (Stuck? The worked solution is in {solution}.)\n", 1)
    return code, f"{TEXT_STUB}\n\n*(The worked answer is in {solution}.)*"


def student_version(nb: Any, name: str = "notebook", solution: str | None = None) -> Any:
    """Return a copy of a notebook with solutions stubbed, hidden tests removed and outputs cleared.

    ``solution`` (say ``"solutions/02_vanilla_gan.ipynb"``) is named in every stub, so a learner who
    is stuck knows where the worked version is; a teacher's handout leaves it out.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # deep copy
    code_stub, text_stub = _stubs(solution)
    for i, cell in enumerate(nb.cells):
        where = f"{name}, cell {i}"
        stub = code_stub if cell.cell_type == "code" else text_stub
        source, replaced = _replace_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, stub, where)
        if _nbgrader(cell).get("solution") and not replaced:
            source = stub  # a solution cell without markers is the solution as a whole
        cell.source = _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, None, where)[0]
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)  # saved widget state can carry solution outputs
    return nb


def _notebooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def make_student(src: str | Path, out: str | Path, link: bool = False) -> list[Path]:
    """Write student versions of SRC (a notebook or a folder of them) into OUT; return the paths.

    With ``link``, each stub names its worked notebook by its path relative to the student version
    (the course's own ``notebooks/`` are made so, from ``notebooks/solutions/``).
    """
    src, out = Path(src), Path(out)
    if not src.exists():
        raise HomeworkError(f"{src}: no such notebook or folder")
    if src.is_dir():
        pairs = [(p, out / p.relative_to(src)) for p in _notebooks_in(src)]
        if not pairs:
            raise HomeworkError(f"{src}: no notebooks in this folder")
    else:
        pairs = [(src, out if out.suffix == ".ipynb" else out / src.name)]
    written = []
    for s, d in pairs:
        if s.resolve() == d.resolve():
            raise HomeworkError(f"{d}: refusing to overwrite the source notebook")
        try:
            nb = nbformat.read(s, as_version=4)
        except Exception as e:
            raise HomeworkError(f"{s}: not a readable notebook ({type(e).__name__}: {e})") from e
        solution = os.path.relpath(s.resolve(), d.parent.resolve()) if link else None
        student = student_version(nb, s.name, solution)
        d.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, d)
        written.append(d)
    return written


# ----------------------------------------------------------------------------- which exercises

def exercises_in(nb: Any) -> list[str]:
    """Exercise ids a notebook mentions: nbgrader ids ``ex-<id>``/``check-<id>`` and ``check_<id>(``
    calls."""
    found: list[str] = []
    for cell in nb.cells:
        gid = str(_nbgrader(cell).get("grade_id", ""))
        ids = [gid.split("-", 1)[1]] if gid.startswith(("ex-", "check-")) else []
        if cell.cell_type == "code":
            ids += CHECK_CALL.findall(cell.source)
        found += [i for i in ids if i not in found]
    return found


def expected_exercises(nb: Any | None, filename: str) -> list[str]:
    """The exercises a submission is graded on: its notebook's, by file name, else by what it
    contains."""
    from ganlib.checks import EXERCISES

    notebooks = sorted({ex.notebook for ex in EXERCISES.values()}, key=len, reverse=True)
    name = os.path.basename(filename)
    match = next((n for n in notebooks if name == n), None)
    match = match or next((n for n in notebooks if name.endswith(n) or n[:-6] in name), None)
    if match:
        wanted = {match}
    else:  # renamed beyond recognition: the notebooks whose exercises it mentions
        wanted = {EXERCISES[i].notebook for i in exercises_in(nb)
                  if i in EXERCISES} if nb else set()
    return [i for i, ex in EXERCISES.items() if ex.notebook in wanted]


def _notebook_names(assignment: str | None = None) -> list[str]:
    """The course's (and the teacher's checks') notebook names, and the assignment's: to find a
    student id."""
    from ganlib.checks import EXERCISES

    return sorted({ex.notebook for ex in EXERCISES.values()} | ({str(assignment)} if assignment
                                                                else set()))


def assignment_notebook(name: str) -> str:
    """The notebook a teacher's ``--assignment NAME`` means: its file name, or a unique prefix
    ("03", "03_dcgan")."""
    from ganlib.checks import EXERCISES

    notebooks = sorted({ex.notebook for ex in EXERCISES.values()})
    stem = os.path.basename(str(name))
    stem = stem[:-6] if stem.endswith(".ipynb") else stem
    found = [n for n in notebooks if n[:-6] == stem] or [n for n in notebooks if n.startswith(stem)]
    if len(found) != 1:
        raise HomeworkError(f"--assignment {name!r}: " + ("names several notebooks: " if found else
                            "no notebook with exercises of that name; the known ones: ")
                            + ", ".join(found or notebooks))
    return found[0]


def submitted_notebook(nb: Any, assignment: str) -> str | None:
    """Which other notebook a submission is, when its check cells are all another notebook's and
    none the assignment's (a solved notebook 01 handed in as notebook 03); None when it may be the
    assignment."""
    from ganlib.checks import EXERCISES

    mentioned = [i for i in exercises_in(nb) if i in EXERCISES]
    if not mentioned or any(EXERCISES[i].notebook == assignment for i in mentioned):
        return None
    return EXERCISES[mentioned[0]].notebook


# --------------------------------------------------------------------------- a teacher's own checks

def _load_checks_file(f: str | Path) -> list[str]:
    """Import a teacher's own checks module (a .py file of ``ganlib.checks.exercise`` calls) into
    the grader; return the exercise ids it registers. Refuses a file that uses the old API or
    registers an answer the grading copy could not hide."""
    import importlib.util

    from ganlib.checks import EXERCISES
    from ganlib.course.redact import RedactError, plan

    p = Path(f).resolve()
    if not p.is_file() or p.suffix != ".py":
        raise HomeworkError(f"{f}: no such checks file (a .py module)")
    mod = sys.modules.get(p.stem)
    if mod is not None and Path(getattr(mod, "__file__", "") or "").resolve() == p:
        return [i for i, ex in EXERCISES.items() if ex.check.__module__ == p.stem
                or ex.judge.__module__ == p.stem]
    if mod is not None:
        raise HomeworkError(f"{f}: a module named {p.stem!r} is already imported; rename the "
                            "checks file")
    before = set(EXERCISES)
    spec = importlib.util.spec_from_file_location(p.stem, p)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[p.stem] = mod
    try:
        spec.loader.exec_module(mod)
    except TypeError as e:
        del sys.modules[p.stem]
        if "cases" in str(e) or "judge" in str(e):
            raise HomeworkError(f"{f}: uses the old checks API (a decorator around a check that "
                                "runs the learner's function and asserts). Write each exercise as "
                                "exercise(id, notebook=…, reference=…, cases=…, run=…, judge=…): "
                                "see ganlib/checks/__init__.py") from None
        raise HomeworkError(f"{f}: could not be imported ({type(e).__name__}: {e})") from None
    except Exception as e:
        del sys.modules[p.stem]
        raise HomeworkError(f"{f}: could not be imported ({type(e).__name__}: {e})") from None
    new = [i for i in EXERCISES if i not in before]
    if not new:
        raise HomeworkError(f"{f}: registers no exercise (call ganlib.checks.exercise(...) at the "
                            "top level)")
    for i in new:
        ex = EXERCISES[i]
        try:
            cases = ex.cases(0)
            plan([ex])
        except RedactError as e:
            raise HomeworkError(f"{f}: {e}") from None
        except Exception as e:
            raise HomeworkError(
                f"{f}: cases(0) of exercise {i!r} raised {type(e).__name__}: {e}"
            ) from None
        if not isinstance(cases, list) or not cases:
            raise HomeworkError(f"{f}: cases(seed) of exercise {i!r} must return a non-empty list "
                                "of plain data")
    return new


# ----------------------------------------------------------------------------- running a submission

STARTUP_GRACE = 30.0       # seconds for the sandbox and the kernel to start, on top of --timeout
MAX_SUBMISSION = 100_000_000  # bytes: a bigger "notebook" is not read at all
STATUS_CAP, LOG_CAP = 1_000_000, 1_000_000
CHILD = {"root": jail.GRADING, "lib": "/course", "data": "/data", "torch": "/torch-home"}


class GradingCopies:
    """The grading copies of ganlib for one batch, one per set of graded exercises
    (built once each)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ganlib-grading-copy-"))
        self.root.chmod(0o755)  # the sandbox may run as a uid of its own: it must reach the copy
        self.built: dict[tuple, Path] = {}

    def get(self, ids: list[str], checks_files: tuple[str, ...]) -> Path:
        from ganlib.checks import EXERCISES
        from ganlib.course.redact import RedactError, grading_copy

        key = (tuple(sorted(ids)), tuple(checks_files))
        if key not in self.built:
            dest = self.root / f"copy{len(self.built)}"
            try:
                grading_copy(dest, [EXERCISES[i] for i in ids], checks_files)
            except RedactError as e:
                raise HomeworkError(str(e)) from None
            for p in [dest, *dest.rglob("*")]:  # readable by the child's uid, whoever grades
                p.chmod(0o755 if p.is_dir() else 0o644)
            self.built[key] = dest
        return self.built[key]

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _safe_name(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100].lstrip(".") or "submission"
    return clean if clean.endswith(".ipynb") else clean + ".ipynb"


def _child_env(
    where: dict[str, str], profile: str, seed: int, extra: dict[str, str]
) -> dict[str, str]:
    """The submission's whole environment: nothing of the grader's (no tokens, no paths) but
    these."""
    home = f"{where['root']}/home"
    env = {"PATH": os.pathsep.join([os.path.join(sys.prefix, "bin"), "/usr/local/bin", "/usr/bin",
                                    "/bin"]),
           "HOME": home, "TMPDIR": where["tmp"], "LANG": "C.UTF-8", "PYTHONPATH": where["lib"],
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "MPLBACKEND": "agg",
           "MPLCONFIGDIR": f"{home}/.config/matplotlib", "JUPYTER_RUNTIME_DIR": f"{home}/runtime",
           "IPYTHONDIR": f"{home}/.ipython", "GANLIB_PROFILE": profile, "GANLIB_OFFLINE": "1",
           answers.ANSWERS_ENV: f"{where['root']}/out/answers.pt", answers.SEED_ENV: str(seed)}
    for k in ("GANLIB_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(k):
            env[k] = os.environ[k]
    env.update(extra)
    return env


def _host_reads() -> list[tuple[str, str, str]]:
    """Host folders a submission may read, as (host path, path in the sandbox, environment
    variable): the data cache and torch's downloaded weights, where this machine has them."""
    from ganlib.config import cache_dir

    out = []
    data = cache_dir()
    if data.is_dir():
        out.append((str(data.resolve()), CHILD["data"], "GANLIB_DATA"))
    torch_home = Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch"))
    if torch_home.is_dir():
        out.append((str(torch_home.resolve()), CHILD["torch"], "TORCH_HOME"))
    return out


def _answer_folders() -> list[str]:
    """Folders of this machine the submission must see empty although its binds hold them: ganlib
    itself (installed in the Python the child runs, it holds every reference) and the course's
    notebooks."""
    from ganlib.config import PACKAGE_DIR

    return [str(p) for p in (PACKAGE_DIR, PACKAGE_DIR.parent / "notebooks") if p.is_dir()]


def _matplotlib_caches() -> list[str]:
    """matplotlib's config and font-cache folders on this machine (copied in: no font-cache
    rebuild)."""
    home = Path.home()
    cands = [os.environ.get("MPLCONFIGDIR", ""), str(home / ".config" / "matplotlib"),
             os.path.join(os.environ.get("XDG_CACHE_HOME", str(home / ".cache")), "matplotlib")]
    return [c for c in dict.fromkeys(cands) if c and os.path.isdir(c)]


def _runner_argv(
    where: dict[str, str], name: str, cell_timeout: float, timeout: float, limits: Limits
) -> list[str]:
    return [sys.executable, "-m", "ganlib.course.runner", f"{where['root']}/work/{name}",
            f"{where['root']}/out", str(cell_timeout), str(timeout), str(limits.output)]


def _collect(root: str, limits: Limits) -> dict[str, tuple[str, int]]:
    return {"answers": (f"{root}/out/answers.pt", limits.answers),
            "status": (f"{root}/out/status.json", STATUS_CAP),
            "executed": (f"{root}/out/executed.ipynb", limits.output),
            "log": (f"{root}/out/runner.log", LOG_CAP)}


def _run_sandboxed(nb: Path, lib: Path, profile: str, seed: int, cell_timeout: float,
                   timeout: float, limits: Limits) -> jail.Outcome:
    where = {**CHILD, "tmp": "/tmp"}
    reads = _host_reads()
    binds, extra = [[h, c] for h, c, _ in reads], {v: c for _, c, v in reads}
    name = _safe_name(nb.name)
    staged = Path(tempfile.mkdtemp(prefix="ganlib-submission-"))
    try:
        shutil.copyfile(nb, staged / name)
        return jail.run(str(staged / name),
                        _runner_argv(where, name, cell_timeout, timeout, limits),
                           _child_env(where, profile, seed, extra), limits=limits,
                           binds=[[str(lib), CHILD["lib"]], *binds],
                        collect=_collect(where["root"], limits),
                           copies=[[c, "/home/.config/matplotlib"] for c in _matplotlib_caches()],
                           masks=_answer_folders())
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _run_unsandboxed(nb: Path, lib: Path, profile: str, seed: int, cell_timeout: float,
                     timeout: float, limits: Limits) -> jail.Outcome:
    """The same run without the sandbox (--no-sandbox): a temporary folder, the limits that rlimits
    give."""
    import resource

    root = Path(tempfile.mkdtemp(prefix="ganlib-grade-"))
    out = jail.Outcome()
    try:
        for d in ("work", "home", "tmp", "out"):
            (root / d).mkdir()
        for c in _matplotlib_caches():
            shutil.copytree(c, root / "home" / ".config" / "matplotlib", dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.lock"))
        name = _safe_name(nb.name)
        shutil.copyfile(nb, root / "work" / name)
        where = {"root": str(root), "lib": str(lib), "tmp": str(root / "tmp")}
        extra = {v: h for h, _, v in _host_reads()}

        def limit() -> None:
            for res, v in ((resource.RLIMIT_DATA, limits.memory),
                           (resource.RLIMIT_FSIZE, limits.disk), (resource.RLIMIT_CORE, 0)):
                resource.setrlimit(res, (v, v))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu, limits.cpu + 5))

        t0 = time.monotonic()
        proc = subprocess.Popen(_runner_argv(where, name, cell_timeout, timeout, limits),
                                cwd=root / "work", env=_child_env(where, profile, seed, extra),
                                start_new_session=True, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=limit)
        try:
            out.exit_code = proc.wait(timeout=limits.wall)
        except subprocess.TimeoutExpired:
            out.wall_limit = True
        finally:
            try:
                # our own child's group (it may have left it: not sandboxed)
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        out.seconds = round(time.monotonic() - t0, 2)
        for key, (p, cap) in _collect(str(root), limits).items():
            out.files[key], why = jail._read_result_file(p, cap)
            if why:
                out.why_missing[key] = why
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------- scoring

def _status(raw: bytes | None) -> dict[str, Any]:
    """The runner's status file: the learner could have written it, so only well-typed fields
    count."""
    try:
        st = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(st, dict):
        return {}
    out: dict[str, Any] = {"cells_run": st.get("cells_run") if isinstance(st.get("cells_run"), int)
                           else 0,
                           "stopped": clean_line(st["stopped"], 500) if st.get("stopped") else None,
                           "kernel_exit": st.get("kernel_exit")
                           if isinstance(st.get("kernel_exit"), int) else None,
                           "output_truncated": st.get("output_truncated") is True, "errors": []}
    for e in st.get("errors", [])[:1000] if isinstance(st.get("errors"), list) else []:
        if isinstance(e, dict) and isinstance(e.get("cell"), int):
            out["errors"].append({"cell": e["cell"], "error": clean_line(e.get("error", ""), 500)})
    return out


def _mb(n: float) -> str:
    return f"{n / 1e9:g} GB" if n >= 1e9 else f"{n / 1e6:g} MB"


def _limit_notes(run: jail.Outcome, status: dict[str, Any], limits: Limits, timeout: float,
                 cell_timeout: float) -> tuple[list[str], list[str], list[str]]:
    """Which limits the submission hit, each as a note for the table: (notes, limits the grader saw
    hit, limits only the notebook's runner reported). The sandbox's own evidence (its clock, the
    cgroup, the tmpfs, the sizes of what came back) makes a plain note; what the runner wrote (its
    errors and status, which the learner's code could forge) makes a note that says whose word it
    is."""
    notes, seen, told = [], [], []
    errors = " ".join(e["error"] for e in status.get("errors", []))
    stopped = status.get("stopped") or ""
    text = {"time": f"time limit ({timeout:g} s for the whole submission) reached: marks for what "
                    "ran before it",
            "cell time": f"a cell ran past the per-cell limit ({cell_timeout:g} s) and was "
                         "interrupted",
            "memory": f"memory limit ({_mb(limits.memory)}) reached",
            "processes": f"process limit ({limits.processes} processes and threads) reached",
            "cpu": f"CPU-time limit ({limits.cpu} s per process) reached: the kernel was stopped",
            "disk": f"disk limit ({_mb(limits.disk)} in its folder, /tmp and /dev/shm) reached",
            "output": f"output limit ({_mb(limits.output)} of notebook output) reached: the rest "
                      "was dropped",
            "answers": f"answers limit ({_mb(limits.answers)}) reached: no answer could be read"}
    observed = {"time": run.wall_limit, "memory": run.memory_limit, "processes": run.process_limit,
                "disk": run.disk_full,
                "output": run.why_missing.get("executed", "").startswith("too large"),
                "answers": run.why_missing.get("answers", "").startswith("too large")}
    reported = {"time": "time limit" in stopped, "cell time": "KeyboardInterrupt" in errors,
                "memory": any(w in errors
                              for w in ("MemoryError", "can't allocate memory",
                                        "DefaultCPUAllocator")),
                "processes": any(w in errors for w in ("Resource temporarily unavailable",
                                                       "can't start new thread")),
                "cpu": status.get("kernel_exit") == -signal.SIGXCPU,
                "disk": any(w in errors for w in ("No space left", "File too large")),
                "output": bool(status.get("output_truncated"))}
    for name, note in text.items():
        if observed.get(name):
            seen.append(name)
            notes.append(note)
        elif reported.get(name):
            told.append(name)
            notes.append(f"{note} (as the notebook's run reported it; the sandbox did not see it)")
    return notes, seen, told


IMPORT_ERRORS = ("ModuleNotFoundError", "ImportError")
# limits the sandbox saw that stop checks
CAUSE_LIMITS = ("time", "memory", "processes", "disk", "answers")


def check_cells(nb: Any | None) -> dict[str, int]:
    """Each exercise's check cell in the submission (the first code cell calling ``check_<id>(``),
    as the grader reads the submitted file itself."""
    found: dict[str, int] = {}
    for k, cell in enumerate(nb.cells if nb is not None else []):
        if cell.cell_type == "code":
            for i in CHECK_CALL.findall(cell.source):
                found.setdefault(i, k)
    return found


def import_failure(status: dict[str, Any]) -> dict[str, Any] | None:
    """The first cell whose import failed, as the notebook's run reported it
    (None when none did)."""
    return next((e for e in status.get("errors", []) if e["error"].startswith(IMPORT_ERRORS)), None)


def _why_not_run(ex_id: str, why: dict[str, Any], status: dict[str, Any]) -> str:
    """Why an exercise has no answer, from the strongest evidence there is: what the grader saw
    itself (refused answers, a limit the sandbox saw, a run that never started), else what the run
    reported."""
    if why.get("refused"):
        return f"no answer could be read: the recorded answers were refused ({why['refused']})"
    if why.get("not_started"):
        return "the check never ran: the notebook's run did not start (see the notes)"
    if ex_id not in why.get("mentioned", []):
        return "no check cell for this exercise in the notebook"
    hit = [h for h in why.get("hit", []) if h in CAUSE_LIMITS]
    if hit:
        return (f"the check never ran: the sandbox saw the submission reach its {hit[0]} limit "
                "(see the notes)")
    cell = why.get("cells", {}).get(ex_id)
    errors = status.get("errors", [])
    own = next((e for e in errors if cell is not None and e["cell"] == cell), None)
    imp = next((e for e in errors if cell is not None and e["cell"] < cell
                and e["error"].startswith(IMPORT_ERRORS)),
               None)
    parts = ([f"an import failed in cell {imp['cell']} ({imp['error']})"] if imp else []) + \
            ([f"its check cell (cell {cell}) raised {own['error']}"] if own else [])
    if parts:
        return "the check never ran: " + "; ".join(parts) + " (as the notebook's run reported it)"
    return "the check never ran" + (f" ({status['stopped']})" if status.get("stopped") else "")


def _score(ids: list[str], seed: int, run: jail.Outcome | None, status: dict[str, Any],
           notes: list[str], why: dict[str, Any]) -> dict[str, dict]:
    """Judge the recorded answers against the references, here in the grader's process; every
    exercise without an answer says why (``why``: what the grader knows of the run, see
    :func:`_why_not_run`)."""
    from ganlib.checks import EXERCISES, verdict
    from ganlib.course.intake import read_answers

    book: dict[str, Any] = {}
    raw = run.files.get("answers") if run is not None else None
    if raw is not None:
        try:
            book = read_answers(raw)
        except ValueError as e:
            notes.append(f"the recorded answers could not be read: {e}")
            why = {**why, "refused": str(e)}
    exercises = {}
    for i in ids:
        ex = EXERCISES[i]
        if i in book:
            try:
                st, msg = verdict(ex, seed, book[i])
            except Exception as e:  # a judge that trips over a malformed answer: wrong, say so
                st, msg = "failed", f"the answer could not be judged ({type(e).__name__})"
        else:
            st, msg = "not run", _why_not_run(i, why, status)
        exercises[i] = {"points": ex.points if st == "passed" else 0, "max": ex.points,
                        "status": st, "message": clean_text(msg), "title": ex.title}
    return exercises


def grade(path: str | Path, *, timeout: float = 600, cell_timeout: float = 120, profile: str = "ci",
          checks_files: tuple[str, ...] = (), executed: str | Path | None = None,
          sandbox: bool = True, limits: Limits | None = None, seed: int | None = None,
          copies: GradingCopies | None = None, assignment: str | None = None,
          student: str | None = None) -> dict[str, Any]:
    """Run one submission in a fresh kernel in the sandbox and score its exercises in this process.

    ``timeout``: seconds for the whole notebook (plus start-up); ``cell_timeout``: per cell.
    ``executed``: a folder to keep the executed notebook in (outputs and all), e.g. to hand back:
    ``executed/<student>/<file name>``, one folder per student.
    ``student``: the student id in the result (default: :func:`ganlib.course.marks.student_id` of
    the path).
    ``sandbox``: False runs it without the sandbox (the result says "sandboxed": False);
    where the sandbox cannot be built, grading refuses (HomeworkError) unless it is False.
    ``seed``: the grading seed of the exercises' cases (random when None; it is in the result).
    ``assignment``: the notebook the teacher set (see :func:`assignment_notebook`): its exercises
    count, whatever the submission is called or holds; a submission of another notebook gets no
    marks.
    """
    path = Path(path)
    if not path.is_file():
        raise HomeworkError(f"{path}: no such notebook")
    if sandbox:
        ok, why = jail.available()
        if not ok:
            raise HomeworkError(f"cannot build the grading sandbox here: {why}. Grade in a "
                                "container or virtual machine with --no-sandbox (the table then "
                                "says 'not sandboxed').")
    for f in checks_files:
        _load_checks_file(f)
    student = student or student_id(path, notebooks=_notebook_names(assignment))
    limits = dataclasses.replace(limits or Limits(), wall=timeout + STARTUP_GRACE)
    seed = secrets.randbelow(1_000_000) if seed is None else int(seed)
    t0 = time.monotonic()
    notes: list[str] = []
    nb = None
    if path.stat().st_size > MAX_SUBMISSION:
        notes.append(f"the submission is larger than {_mb(MAX_SUBMISSION)}: not run")
    else:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as e:
            notes.append(clean_text(f"could not read the notebook ({type(e).__name__}: {e})", 300))
    if assignment:
        from ganlib.checks import exercises_for

        assignment = assignment_notebook(assignment)
        ids = [ex.id for ex in exercises_for(assignment)]
    else:
        ids = expected_exercises(nb, path.name)
    why: dict[str, Any] = {"mentioned": exercises_in(nb) if nb is not None else [],
                           "cells": check_cells(nb), "not_started": nb is None}
    run, status, hit, told = None, {}, [], []
    other = submitted_notebook(nb, assignment) if assignment and nb is not None else None
    if other:
        notes.append(clean_line(f"this is a submission of {other}, not of the assignment "
                                f"{assignment}: no marks", 300))
    if nb is not None and not other:
        own = copies is None
        copies = copies or GradingCopies()
        try:
            lib = copies.get(ids, tuple(str(Path(f).resolve()) for f in checks_files))
            execute = _run_sandboxed if sandbox else _run_unsandboxed
            run = execute(path, lib, profile, seed, cell_timeout, timeout, limits)
        finally:
            if own:
                copies.close()
        status = _status(run.files.get("status"))
        if run.error:
            notes.append(clean_text(f"the sandbox failed: {run.error}", 500))
        elif not run.files.get("status"):
            log = (run.files.get("log") or b"").decode(errors="replace").strip().splitlines()
            notes.append(clean_text("the notebook never started" + (f": {log[-1]}" if log else ""),
                                    500))
        why["not_started"] = bool(run.error) or not run.files.get("status")
        limit_notes, hit, told = _limit_notes(run, status, limits, timeout, cell_timeout)
        notes += limit_notes
        why["hit"] = hit
        if status.get("stopped") and "time limit" not in status["stopped"]:
            notes.append(f"the notebook's run reported that it stopped: {status['stopped']}")
        failed = import_failure(status)
        if failed:
            notes.append(f"an import failed in cell {failed['cell']} ({failed['error']}), as the "
                         "notebook's run reported it: the cells that need it could not run")
        if executed and run.files.get("executed"):
            out = Path(executed) / student / _safe_name(path.name)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(run.files["executed"])
    from ganlib.checks import EXERCISES

    exercises = _score(ids, seed, run, status, notes, why)
    for e in exercises.values() if other else ():
        e["message"] = f"not graded: the submission is {other}, not {assignment}"
    graded = assignment or next((EXERCISES[i].notebook for i in ids), None)
    return {"student": student, "assignment": graded, "notebook": str(path),
            "total": sum(e["points"] for e in exercises.values()),
            "max": sum(e["max"] for e in exercises.values()), "exercises": exercises,
            "errors": status.get("errors", []), "cells_run": status.get("cells_run", 0),
            "notes": notes, "limits_hit": hit, "limits_reported": told, "sandboxed": bool(sandbox),
            "seed": seed, "seconds": round(time.monotonic() - t0, 1)}


def error_row(path: str | Path, message: str, assignment: str | None = None,
              student: str | None = None) -> dict[str, Any]:
    """The row of a submission the grader could not grade: zero marks out of what it would have
    had."""
    from ganlib.checks import EXERCISES, exercises_for

    try:
        ids = ([ex.id for ex in exercises_for(assignment_notebook(assignment))] if assignment
               else expected_exercises(None, Path(path).name))
    except Exception:
        ids = []
    exercises = {i: {"points": 0, "max": EXERCISES[i].points, "status": "error",
                     "message": "not graded: the grader failed on this submission (see the notes)",
                     "title": EXERCISES[i].title} for i in ids}
    try:
        assignment = assignment_notebook(assignment) if assignment else None
    except HomeworkError:
        pass
    return {"student": student or student_id(path), "assignment": assignment, "notebook": str(path),
            "total": 0, "max": sum(e["max"] for e in exercises.values()),
            "exercises": exercises, "errors": [], "cells_run": 0,
            "notes": [clean_text(f"grading failed: {message}", 500)], "limits_hit": [],
            "limits_reported": [], "sandboxed": False,
            "seed": None, "seconds": 0.0}


# ----------------------------------------------------------------------------- printing

def format_table(result: dict[str, Any]) -> str:
    """A per-exercise score table with the total, for a terminal."""
    rows = [(i, f"{e['points']}/{e['max']}", e["status"],
             clean_line((e["message"].splitlines() or [""])[0], 90))
            for i, e in result["exercises"].items()]
    w = max([len("exercise")] + [len(r[0]) for r in rows])
    lines = [f"{clean_line(result.get('student', ''), 100)}: "
             f"{clean_line(Path(result['notebook']).name, 200)}  ({result['seconds']} s, grading "
             f"seed {result.get('seed')})",
             f"{'exercise':<{w}}  points  {'status':<8}  message"]
    lines += [f"{a:<{w}}  {b:<6}  {c:<8}  {d}" for a, b, c, d in rows]
    if not rows:
        lines.append("(no registered exercises for this notebook)")
    lines += [f"note: {clean_line(n, 1000)}" for n in result["notes"]]
    if not result.get("sandboxed", True):
        lines.append("note: not sandboxed: the submission ran with this machine's files, network "
                     "and processes in reach (--no-sandbox); grade untrusted work in a container")
    hidden = [e for e in result["errors"] if e["error"].startswith("HiddenWhileGrading")]
    others = [e for e in result["errors"] if e not in hidden]
    if hidden:
        lines.append("cells that used a graded answer of ganlib before the learner's own: "
                     f"{len(hidden)} "
                     "(switched off while grading; no marks depend on them)")
    if others:
        lines.append(f"cells that raised: {len(others)} (first: cell {others[0]['cell']}, "
                     f"{clean_line(others[0]['error'], 80)})")
    lines.append(f"total: {result['total']}/{result['max']}")
    return "\n".join(lines)


JSON_KEYS = ("student", "assignment", "total", "max", "exercises", "notebook", "errors",
             "cells_run", "notes", "limits_hit", "limits_reported", "sandboxed", "seed", "seconds")


def _json_line(result: dict[str, Any]) -> str:
    return json.dumps({k: result[k] for k in JSON_KEYS})


# ----------------------------------------------------------------------------- command line

def _profile_arg(value: str) -> str:
    """argparse type for --profile: a known profile, or a usage error that lists them."""
    try:
        return check_profile_name(value, "--profile")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _size_arg(value: str) -> int:
    """argparse type for sizes: bytes, or with a K, M or G suffix (powers of 1000)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?\s*", value)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (say 4G, 500M or 20000000)")
    n = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2).lower()]
    if n < 1:
        raise argparse.ArgumentTypeError(f"size must be positive: {value!r}")
    return int(n)


def _positive(kind):
    def parse(value: str):
        try:
            v = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
        if v <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
        return v
    return parse


def _parser() -> argparse.ArgumentParser:
    d = Limits()
    ap = argparse.ArgumentParser(prog="python -m ganlib.homework",
                                 description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("student", help="write student versions of a notebook or a folder of them")
    s.add_argument("src")
    s.add_argument("out")
    s.add_argument("--link", action="store_true",
                   help="name the worked notebook in every stub (the course's notebooks/ are made "
                        "so)")
    g = sub.add_parser("grade", help="grade a submission (or every notebook under a folder)")
    g.add_argument("notebook")
    g.add_argument("--json", action="store_true", help="end with one JSON line of the scores")
    g.add_argument("--csv",
                   help="write one row per submission to this file (student_id first: for an LMS), "
                                 "and one row per exercise with its feedback beside it "
                                 "(NAME-exercises.csv)")
    g.add_argument("--feedback", metavar="DIR",
                   help="write a feedback file per student here (<student_id>.md)")
    g.add_argument("--timeout", type=_positive(float), default=600,
                   help="total seconds per submission (600)")
    g.add_argument("--cell-timeout", type=_positive(float), default=120,
                   help="seconds per cell (120)")
    g.add_argument("--memory", type=_size_arg, default=d.memory, help="memory per submission (4G)")
    g.add_argument("--processes", type=_positive(int), default=d.processes,
                   help=f"processes and threads per submission ({d.processes})")
    g.add_argument("--cpu-time", type=_positive(int), default=d.cpu,
                   help=f"CPU seconds per process ({d.cpu})")
    g.add_argument("--disk", type=_size_arg, default=d.disk,
                   help="disk for its folder, /tmp and /dev/shm together (1G; held in memory)")
    g.add_argument("--output-size", type=_size_arg, default=d.output,
                   help="notebook output kept per submission (20M)")
    g.add_argument("--seed", type=int,
                   help="grading seed of the exercises' cases (default: random per submission)")
    g.add_argument("--profile", default="ci", type=_profile_arg,
                   help="GANLIB_PROFILE for the run (ci, cpu or gpu)")
    g.add_argument("--executed", metavar="DIR",
                   help="keep each executed notebook (with outputs) here, as "
                        "DIR/<student_id>/<file name>")
    g.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                   help="run submissions without the sandbox (only inside a container or VM of "
                        "their own)")
    g.add_argument("--assignment", metavar="NAME",
                   help="the notebook you set (e.g. 03 or 03_dcgan.ipynb): its exercises count, "
                        "whatever a submission is called; a submission of another notebook gets no "
                        "marks")
    g.add_argument("--checks", action="append", default=[], metavar="FILE.py",
                   help="a module of your own exercises (importable from the notebook)")
    return ap


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code (0 when the work was done)."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    try:
        if args.cmd == "student":
            for p in make_student(args.src, args.out, link=args.link):
                print(f"wrote {p}")
            return 0
        return _grade_command(args)
    except HomeworkError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _grade_command(args: argparse.Namespace) -> int:
    target = Path(args.notebook)
    if not target.exists():
        raise HomeworkError(f"{target}: no such notebook or folder")
    paths = _notebooks_in(target) if target.is_dir() else [target]
    if not paths:
        raise HomeworkError(f"{target}: no notebooks in this folder")
    for out in (args.csv, args.feedback, args.executed):
        if out and target.is_dir() and Path(out).resolve().is_relative_to(target.resolve()):
            raise HomeworkError(f"{out}: write the marks outside the submissions folder")
    if args.sandbox:
        ok, why = jail.available()
        if not ok:
            raise HomeworkError(f"cannot build the grading sandbox here: {why}. Grade in a "
                                "container or virtual machine with --no-sandbox (the table then "
                                "says 'not sandboxed').")
    for f in args.checks:
        _load_checks_file(f)
    if args.assignment:
        # a name that means nothing stops here, before any grading
        assignment_notebook(args.assignment)
    limits = Limits(memory=args.memory, processes=args.processes, cpu=args.cpu_time, disk=args.disk,
                    output=args.output_size)
    names = _notebook_names(args.assignment and assignment_notebook(args.assignment))
    root = target if target.is_dir() else None
    first = [student_id(p, root, names) for p in paths]
    students = unique_ids(first)
    copies = GradingCopies()
    results = []
    try:
        for n, (p, who) in enumerate(zip(paths, students), 1):
            print(f"grading {n}/{len(paths)}: {clean_line(p, 300)}", file=sys.stderr, flush=True)
            try:
                r = grade(p, timeout=args.timeout, cell_timeout=args.cell_timeout,
                          profile=args.profile, checks_files=tuple(args.checks),
                          executed=args.executed, sandbox=args.sandbox, limits=limits,
                          seed=args.seed, copies=copies, assignment=args.assignment, student=who)
            except Exception as e:  # whatever went wrong with this one, the batch goes on
                r = error_row(p, f"{type(e).__name__}: {e}", args.assignment, student=who)
            if who != first[n - 1]:
                r["notes"].append(f"another submission has the student id {first[n - 1]!r}: this "
                                  f"one is {who!r}")
            results.append(r)
            print(format_table(r) + "\n", flush=True)
            if args.csv:  # after every submission: an interrupted batch keeps what it graded
                write_csv(results, args.csv)
            if args.feedback:
                write_feedback([r], args.feedback)
    finally:
        copies.close()
    if args.csv:
        print(f"wrote {args.csv} and {exercises_csv_path(args.csv)}")
    if args.feedback:
        print(f"wrote {len(results)} feedback files in {args.feedback}")
    if args.json:
        print(_json_line(results[0]) if not target.is_dir() else
              json.dumps({"submissions": {r["notebook"]: json.loads(_json_line(r))
                                          for r in results}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
