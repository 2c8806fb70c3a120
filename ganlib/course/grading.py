"""Homework: make student versions of the notebooks and grade submissions.

  python -m ganlib.homework student SRC OUT            # SRC a notebook or a folder of them
  python -m ganlib.homework grade NOTEBOOK [--json]    # one submission: score table (+ JSON line)
  python -m ganlib.homework grade DIR --csv marks.csv  # every submission under DIR

A student version follows nbgrader: code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
becomes ``# YOUR CODE HERE`` + ``raise NotImplementedError()``, hidden tests are removed, outputs
cleared, nbgrader metadata kept. Grading copies the submission into a fresh temporary folder and
runs it there in a fresh kernel (profile ci, a per-cell and a total time limit); the checks record
what passed in ``$GANLIB_CHECK_REPORT``. On Linux with user namespaces the whole file system
outside that folder is read-only for the submission (``unshare``; ``--no-sandbox`` turns it off).
A submission that hangs, kills its kernel or deletes files is scored with what ran; the
grader's exit code is non-zero only for its own errors.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from ganlib.config import PACKAGE_DIR, check_profile_name
from ganlib.files import atomic_write_text

SOURCE_ROOT = str(PACKAGE_DIR.parent)  # the folder ganlib is imported from, for the runner's PYTHONPATH

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CHECK_CALL = re.compile(r"\bcheck_([A-Za-z_]\w*)\s*\(")


class HomeworkError(Exception):
    """A problem the grader or the student-version maker cannot work around (bad path, bad markers)."""


# ----------------------------------------------------------------------------- student versions

def _nbgrader(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _replace_regions(source: str, begin: str, end: str, stub: str | None, where: str) -> tuple[str, bool]:
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


def student_version(nb: Any, name: str = "notebook") -> Any:
    """Return a copy of a notebook with solutions stubbed, hidden tests removed and outputs cleared."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # deep copy
    for i, cell in enumerate(nb.cells):
        where = f"{name}, cell {i}"
        stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
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


def make_student(src: str | Path, out: str | Path) -> list[Path]:
    """Write student versions of SRC (a notebook or a folder of them) into OUT; return the paths."""
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
        student = student_version(nb, s.name)
        d.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, d)
        written.append(d)
    return written


# ----------------------------------------------------------------------------- which exercises

def exercises_in(nb: Any) -> list[str]:
    """Exercise ids a notebook mentions: nbgrader ids ``ex-<id>``/``check-<id>`` and ``check_<id>(`` calls."""
    found: list[str] = []
    for cell in nb.cells:
        gid = str(_nbgrader(cell).get("grade_id", ""))
        ids = [gid.split("-", 1)[1]] if gid.startswith(("ex-", "check-")) else []
        if cell.cell_type == "code":
            ids += CHECK_CALL.findall(cell.source)
        found += [i for i in ids if i not in found]
    return found


def expected_exercises(nb: Any | None, filename: str) -> list[str]:
    """The exercises a submission is graded on: its notebook's, by file name, else by what it contains."""
    from ganlib.checks import EXERCISES

    notebooks = sorted({ex.notebook for ex in EXERCISES.values()}, key=len, reverse=True)
    name = os.path.basename(filename)
    match = next((n for n in notebooks if name == n), None)
    match = match or next((n for n in notebooks if name.endswith(n) or n[:-6] in name), None)
    if match:
        wanted = {match}
    else:  # renamed beyond recognition: the notebooks whose exercises it mentions
        wanted = {EXERCISES[i].notebook for i in exercises_in(nb) if i in EXERCISES} if nb else set()
    return [i for i, ex in EXERCISES.items() if ex.notebook in wanted]


# ----------------------------------------------------------------------------- running a submission

def _run(nb_path: str, status_path: str, cell_timeout: float, total: float) -> None:
    """Runner (its own process): execute every code cell, record errors and why it stopped.

    The total limit counts from the moment the kernel is ready, so a slow start costs no one.
    """
    import threading

    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    status: dict[str, Any] = {"cells_run": 0, "errors": [], "stopped": None, "kernel_pid": None}

    def save() -> None:
        atomic_write_text(status_path, json.dumps(status))

    nb = nbformat.read(nb_path, as_version=4)
    client = NotebookClient(nb, timeout=int(max(1, cell_timeout)), interrupt_on_timeout=True,
                            allow_errors=True, kernel_name="python3", iopub_timeout=5,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(nb_path))}})
    timed_out = threading.Event()

    def watchdog(pid: int) -> None:  # the total limit: kill the kernel, whatever it is doing
        if not done.wait(total):
            timed_out.set()
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass

    done = threading.Event()
    current = -1
    try:
        with client.setup_kernel():
            pid = int(client.km.provisioner.pid)
            status["kernel_pid"] = pid
            save()
            threading.Thread(target=watchdog, args=(pid,), daemon=True).start()
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                current = i
                client.execute_cell(cell, i)
                status["cells_run"] += 1
                for o in cell.outputs:
                    if o.get("output_type") == "error":
                        status["errors"].append({"cell": i, "error": f"{o.get('ename')}: {o.get('evalue')}"
                                                 [:500]})
                save()
            done.set()
    except DeadKernelError:
        status["stopped"] = (f"time limit ({total:g} s) reached in cell {current}" if timed_out.is_set()
                             else f"the kernel died in cell {current}")
    except Exception as e:  # anything else nbclient raises: report it, the grader scores what ran
        status["stopped"] = f"{type(e).__name__} in cell {current}: {e}"[:500]
    done.set()
    save()
    try:  # the executed notebook, for a teacher who wants to hand it back
        nbformat.write(nb, os.path.join(os.path.dirname(status_path), "executed.ipynb"))
    except Exception:
        pass


# ----------------------------------------------------------------------------- the read-only jail

SKIP_MOUNTS = ("/proc", "/sys", "/dev")  # kernel interfaces and device nodes stay as they are


def _mount_points() -> list[str]:
    """Every mount point of this process's mount namespace (octal escapes such as \\040 decoded)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        raw = [line.split()[4] for line in f]
    return [p.encode().decode("unicode_escape") for p in raw]


def _writable_mounts(keep: str) -> list[str]:
    """Mount points (outside /proc, /sys, /dev and ``keep``) that are still writable."""
    out = []
    for mp in _mount_points():
        if mp == keep or any(mp == s or mp.startswith(s + "/") for s in SKIP_MOUNTS):
            continue
        try:
            if not os.statvfs(mp).f_flag & os.ST_RDONLY:
                out.append(mp)
        except OSError:
            pass
    return out


def _lock(writable: str, argv: list[str]) -> None:
    """Inside a private user + mount namespace: make every mount read-only except ``writable``,
    then exec ``argv`` in a nested namespace, where those read-only flags are locked (the
    submission cannot remount them writable). Nothing outside the grading folder can change."""
    subprocess.run(["mount", "--bind", writable, writable], check=True)
    for mp in _mount_points():
        if mp != writable and not any(mp == s or mp.startswith(s + "/") for s in SKIP_MOUNTS):
            subprocess.run(["mount", "-o", "remount,bind,ro", mp], capture_output=True)
    left = _writable_mounts(writable)
    if left:
        raise HomeworkError(f"could not make these read-only: {left}")
    os.execvp("unshare", ["unshare", "--user", "--mount", "--map-root-user", "--", *argv])


_SANDBOX: bool | None = None


def sandbox_available() -> bool:
    """Whether this machine lets an unprivileged process lock the file system read-only
    (Linux user namespaces and util-linux's ``unshare``); checked once by a dry run."""
    global _SANDBOX
    if _SANDBOX is None:
        if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
            _SANDBOX = False
        else:
            root = tempfile.mkdtemp(prefix="ganlib-jail-")
            try:
                probe = [sys.executable, "-c", f"open({os.path.join(root, 'ok')!r}, 'w').close()"]
                r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "--", sys.executable,
                                    "-m", "ganlib.homework", "_lock", root, *probe],
                                   capture_output=True, timeout=60,
                                   env={**os.environ, "PYTHONPATH": SOURCE_ROOT})
                _SANDBOX = r.returncode == 0 and os.path.exists(os.path.join(root, "ok"))
            except (OSError, subprocess.SubprocessError):
                _SANDBOX = False
            finally:
                shutil.rmtree(root, ignore_errors=True)
    return _SANDBOX


def _kill_group(pid: int | None) -> None:
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass


def _read_report(path: Path) -> dict[str, dict]:
    """Last recorded outcome per exercise id from the JSON-lines report (bad lines ignored)."""
    outcomes: dict[str, dict] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rec = json.loads(line)
                outcomes[str(rec["id"])] = {"status": str(rec["status"]), "message": str(rec.get("message", ""))}
            except (ValueError, KeyError, TypeError):
                continue
    return outcomes


def grade(path: str | Path, *, timeout: float = 600, cell_timeout: float = 120,
          profile: str = "ci", checks_files: tuple[str, ...] = (),
          executed: str | Path | None = None, sandbox: bool = True) -> dict[str, Any]:
    """Run one submission in a fresh kernel in a temporary folder and score its exercises.

    ``executed``: a folder to keep the executed notebook in (outputs and all), e.g. to hand back.
    ``sandbox``: make everything outside that folder read-only for the submission where the
    machine allows it (the result's ``"sandboxed"`` says whether it did).
    """
    from ganlib.checks import EXERCISES

    path = Path(path)
    if not path.is_file():
        raise HomeworkError(f"{path}: no such notebook")
    for f in checks_files:
        _load_checks_file(f)
    t0 = time.monotonic()
    notes: list[str] = []
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:
        nb = None
        notes.append(f"could not read the notebook ({type(e).__name__}: {e})")
    ids = expected_exercises(nb, path.name)
    mentioned = exercises_in(nb) if nb is not None else []
    status: dict[str, Any] = {}
    outcomes: dict[str, dict] = {}
    if nb is not None:
        status, outcomes = _execute(path, timeout, cell_timeout, profile, checks_files, executed, sandbox)
        if status.get("stopped"):
            notes.append(f"grading stopped: {status['stopped']}")
    exercises = {}
    for i in ids:
        ex = EXERCISES[i]
        got = outcomes.get(i)
        if got is None:
            st = "not run"
            msg = ("the check never ran" + (f" ({status['stopped']})" if status.get("stopped") else "")
                   if i in mentioned else "no check cell for this exercise in the notebook")
        else:
            st, msg = got["status"], got["message"]
            if st == "not done":
                msg = msg or "not done yet: the function still raises NotImplementedError"
        exercises[i] = {"points": ex.points if st == "passed" else 0, "max": ex.points,
                        "status": st, "message": msg, "title": ex.title}
    return {"notebook": str(path), "total": sum(e["points"] for e in exercises.values()),
            "max": sum(e["max"] for e in exercises.values()), "exercises": exercises,
            "errors": status.get("errors", []), "cells_run": status.get("cells_run", 0), "notes": notes,
            "sandboxed": bool(sandbox and nb is not None and sandbox_available()),
            "seconds": round(time.monotonic() - t0, 1)}


def _load_checks_file(f: str) -> None:
    """Import a teacher's own checks module (a .py file using ganlib.checks.exercise)."""
    import importlib.util

    p = Path(f).resolve()
    if not p.is_file():
        raise HomeworkError(f"{f}: no such checks file")
    if p.stem in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(p.stem, p)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[p.stem] = mod
    spec.loader.exec_module(mod)


def _execute(path: Path, timeout: float, cell_timeout: float, profile: str,
             checks_files: tuple[str, ...], executed: str | Path | None,
             sandbox: bool = True) -> tuple[dict, dict]:
    """Copy the submission into a fresh temp folder and run it there; return runner status and outcomes.

    With ``sandbox`` (and a machine that allows it) everything outside that folder is read-only
    for the submission; otherwise it can only be kept away by its working directory and $HOME.
    """
    root = Path(tempfile.mkdtemp(prefix="ganlib-grade-"))
    try:
        work, home, tmp = root / "work", root / "home", root / "tmp"
        for d in (work, home, tmp):
            d.mkdir()
        nb_copy = work / path.name
        shutil.copyfile(path, nb_copy)
        report, status_file = root / "report.jsonl", root / "status.json"
        env = dict(os.environ)
        real_home = Path.home()
        env.update({"GANLIB_PROFILE": profile, "GANLIB_CHECK_REPORT": str(report), "HOME": str(home),
                    "TMPDIR": str(tmp), "MPLBACKEND": "agg", "PYTHONDONTWRITEBYTECODE": "1",
                    "JUPYTER_RUNTIME_DIR": str(home / "runtime")})
        torch_home = real_home / ".cache" / "torch"
        if "TORCH_HOME" not in os.environ and torch_home.is_dir():
            env["TORCH_HOME"] = str(torch_home)  # read weights already on the machine from the usual place
        mpl = Path(os.environ.get("MPLCONFIGDIR", real_home / ".config" / "matplotlib"))
        if mpl.is_dir():  # a writable copy of matplotlib's font cache: no rebuild, no warning
            shutil.copytree(mpl, home / "mplconfig", ignore=shutil.ignore_patterns("*.lock"))
        env["MPLCONFIGDIR"] = str(home / "mplconfig")
        env.pop("JPY_PARENT_PID", None)
        extra = [str(Path(f).resolve().parent) for f in checks_files]
        env["PYTHONPATH"] = os.pathsep.join(extra + [SOURCE_ROOT]
                                            + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        cmd = [sys.executable, "-m", "ganlib.homework", "_run", str(nb_copy), str(status_file),
               str(cell_timeout), str(timeout)]
        if sandbox and sandbox_available():
            cmd = ["unshare", "--user", "--map-root-user", "--mount", "--",
                   sys.executable, "-m", "ganlib.homework", "_lock", str(root), *cmd]
        proc = subprocess.Popen(cmd, cwd=work, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=timeout + 60)
        except subprocess.TimeoutExpired:  # the runner itself is stuck: kill it and its kernel
            _kill_group(proc.pid)
            _, err = proc.communicate()
        status = {}
        try:
            status = json.loads(status_file.read_text())
        except (OSError, ValueError):
            status = {"stopped": "the runner stopped before the notebook started: "
                                 + err.decode(errors="replace").strip()[-800:]}
        _kill_group(status.get("kernel_pid"))  # nothing the submission started outlives grading
        if executed and (root / "executed.ipynb").is_file():
            Path(executed).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / "executed.ipynb", Path(executed) / path.name)
        return status, _read_report(report)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------- printing

def format_table(result: dict[str, Any]) -> str:
    """A per-exercise score table with the total, for a terminal."""
    rows = [(i, f"{e['points']}/{e['max']}", e["status"], (e["message"].splitlines() or [""])[0][:90])
            for i, e in result["exercises"].items()]
    w = max([len("exercise")] + [len(r[0]) for r in rows])
    lines = [f"{Path(result['notebook']).name}  ({result['seconds']} s)",
             f"{'exercise':<{w}}  points  {'status':<8}  message"]
    lines += [f"{a:<{w}}  {b:<6}  {c:<8}  {d}" for a, b, c, d in rows]
    if not rows:
        lines.append("(no registered exercises for this notebook)")
    lines += [f"note: {n}" for n in result["notes"]]
    if not result.get("sandboxed", True):
        lines.append("note: not sandboxed: the submission could write outside its temporary folder "
                     "(no user namespaces here, or --no-sandbox); grade untrusted work in a container")
    if result["errors"]:
        lines.append(f"cells that raised: {len(result['errors'])} (first: cell "
                     f"{result['errors'][0]['cell']}, {result['errors'][0]['error'][:80]})")
    lines.append(f"total: {result['total']}/{result['max']}")
    return "\n".join(lines)


def _json_line(result: dict[str, Any]) -> str:
    keep = ("total", "max", "exercises", "notebook", "errors", "cells_run", "notes", "sandboxed", "seconds")
    return json.dumps({k: result[k] for k in keep})


def write_csv(results: list[dict[str, Any]], out: str | Path) -> None:
    """One row per submission: file, total, max, then the points of each exercise."""
    ids: list[str] = []
    for r in results:
        ids += [i for i in r["exercises"] if i not in ids]
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "total", "max", *ids, "notes"])
        for r in results:
            w.writerow([r["notebook"], r["total"], r["max"],
                        *[r["exercises"].get(i, {}).get("points", "") for i in ids], "; ".join(r["notes"])])


# ----------------------------------------------------------------------------- command line

def _profile_arg(value: str) -> str:
    """argparse type for --profile: a known profile, or a usage error that lists them."""
    try:
        return check_profile_name(value, "--profile")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code (0 when the work was done)."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_run"]:
        _run(argv[1], argv[2], float(argv[3]), float(argv[4]))
        return 0
    if argv[:1] == ["_lock"]:
        try:
            _lock(argv[1], argv[2:])  # execs argv[2:]; returns only by raising
        except HomeworkError as e:
            print(f"error: {e}", file=sys.stderr)
            return 3
    ap = argparse.ArgumentParser(prog="python -m ganlib.homework", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("student", help="write student versions of a notebook or a folder of them")
    s.add_argument("src")
    s.add_argument("out")
    g = sub.add_parser("grade", help="grade a submission (or every notebook under a folder)")
    g.add_argument("notebook")
    g.add_argument("--json", action="store_true", help="end with one JSON line of the scores")
    g.add_argument("--csv", help="with a folder: write one row per submission to this file")
    g.add_argument("--timeout", type=float, default=600, help="total seconds per submission (600)")
    g.add_argument("--cell-timeout", type=float, default=120, help="seconds per cell (120)")
    g.add_argument("--profile", default="ci", type=_profile_arg, help="GANLIB_PROFILE for the run (ci, cpu or gpu)")
    g.add_argument("--executed", metavar="DIR", help="keep each executed notebook (with outputs) here")
    g.add_argument("--no-sandbox", dest="sandbox", action="store_false",
                   help="do not make the file system read-only outside the submission's folder")
    g.add_argument("--checks", action="append", default=[], metavar="FILE.py",
                   help="a module of your own exercises (importable from the notebook)")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "student":
            for p in make_student(args.src, args.out):
                print(f"wrote {p}")
            return 0
        target = Path(args.notebook)
        if not target.exists():
            raise HomeworkError(f"{target}: no such notebook or folder")
        paths = _notebooks_in(target) if target.is_dir() else [target]
        if not paths:
            raise HomeworkError(f"{target}: no notebooks in this folder")
        results = []
        for p in paths:
            r = grade(p, timeout=args.timeout, cell_timeout=args.cell_timeout, profile=args.profile,
                      checks_files=tuple(args.checks), executed=args.executed, sandbox=args.sandbox)
            results.append(r)
            print(format_table(r) + "\n", flush=True)
        if args.csv:
            write_csv(results, args.csv)
            print(f"wrote {args.csv}")
        if args.json:
            print(_json_line(results[0]) if not target.is_dir() else
                  json.dumps({"submissions": {r["notebook"]: json.loads(_json_line(r)) for r in results}}))
        return 0
    except HomeworkError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
