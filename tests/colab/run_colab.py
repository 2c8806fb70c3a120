"""make test-colab: the course installed and run the way Colab does it, without Colab and without the network.

1. A fresh virtual environment holding what Colab's runtime ships that the course relies on: torch,
   torchvision, ipywidgets 7.7.1 and a Jupyter kernel (nothing of the course's own dependencies). torch and
   torchvision, with every distribution they require, are the ones the course's own venv (``--torch-from``,
   default ``.venv``) has, linked in rather than copied (a folder of links on the path: installed, to pip, but
   outside the venv, so pip can never remove them); pip installs them only when that venv has no torch.
2. A local stand-in for the public repository: a git repository made from this working tree.
3. The notebooks' setup cell (tools/nbhead.py), its Colab branch taken (``google.colab`` faked), with
   the stand-in as the clone source and a temporary folder as /content/gan-course: it clones the
   course and pip-installs it, not editable, runtime dependencies only. torch must be untouched.
4. Every notebook, copied out of the repository, executed in that environment's kernel with
   ``GANLIB_PROFILE=ci``: its setup cell runs again (and must install nothing), ganlib must come from
   site-packages, ipywidgets must be 7.7.1, and no cell may raise. ``--jobs`` notebooks at a time (default 2), each
   kernel on one torch thread. The student notebooks (``notebooks/``), or with ``--worked`` the worked ones
   (``notebooks/solutions/``, run from the same folder as Colab would: what CI runs, since its learner's path runs
   the student ones in the cpu profile and nothing else runs the worked ones).

Run it with any Python ≥ 3.11 (step 1 needs only the standard library):
``python3 tests/colab/run_colab.py [--worked] [--only 05] [--jobs N] [--torch-from VENV] [--work DIR [--prepare]]``.
It prints a line per step and ends with ``colab: N passed, M failed``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TORCH = ["torch", "torchvision"]
COLAB_SHIPS = [*TORCH, "ipywidgets==7.7.1", "ipykernel", "nbclient", "nbformat"]
"""What Colab's runtime already has that this test relies on (torch unpinned: pip picks what it finds)."""
INSIDE = "GANLIB_COLAB_TEST_WORK"
KEEP = "GANLIB_COLAB_TEST_KEEP"


def say(msg: str) -> None:
    print(f"[test-colab {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


# ----------------------------------------------------------------------------- step 1 and 2 (stdlib only)

def make_runtime(work: Path, python: str, torch_from: Path | None) -> Path:
    """A venv with what Colab ships (fresh; or the one in ``work`` put back as it was made); returns its python.

    torch and torchvision come linked from ``torch_from`` (a venv) when it has them, else from pip."""
    venv, base = work / "venv", work / "venv-as-made.txt"
    py = venv / "bin" / "python"
    if base.is_file():  # --work with a runtime made before: take away what a run added
        now = set(_freeze(py)) - set(base.read_text().split())
        say(f"reusing {venv}, removing what the last run installed ({len(now)} packages)")
        if now:
            sh([py, "-m", "pip", "uninstall", "-q", "-y", *(line.split("==")[0] for line in now)])
        return py
    say(f"creating a fresh virtual environment in {venv}")
    sh([python, "-m", "venv", venv])
    t0 = time.perf_counter()
    ships = COLAB_SHIPS
    linked = link_torch(torch_from, py, work / "colab-ships") if torch_from else None
    if linked:
        ships = [s for s in COLAB_SHIPS if s not in TORCH]
        say(f"torch and torchvision from {torch_from}: {len(linked)} distributions linked, not copied "
            f"({', '.join(linked)})")
    say(f"installing what Colab ships: {' '.join(ships)}"
        + ("" if linked else " (torch from pip's cache or index: minutes)"))
    # no byte-compiling of every module: a kernel compiles what it imports, once
    sh([py, "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check", *ships])
    base.write_text("\n".join(_freeze(py)) + "\n")
    say(f"  done in {time.perf_counter() - t0:.0f} s: {_size(venv) / 1e9:.1f} GB in the venv")
    return py


# Run by the donor venv's python: torch, torchvision and every distribution they require (extras followed),
# as {name: [the site-packages entries holding it]}; {} when torch is not there.
_CLOSURE = r"""
import json, re, sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
key = lambda n: re.sub(r"[-_.]+", "-", n).lower()
skip = set(json.loads(sys.argv[1]))
found, seen, todo = {}, set(), [(n, "") for n in ("torch", "torchvision")]
while todo:
    name, extra = todo.pop()
    if (key(name), extra) in seen or key(name) in skip:
        continue
    seen.add((key(name), extra))
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        if name in ("torch", "torchvision"):
            print("{}"); sys.exit()
        continue
    site = dist.locate_file("")
    tops = {f.parts[0] for f in dist.files or () if f.parts[0] not in ("..", "__pycache__")
            and not f.parts[0].endswith(".pth")}
    found[dist.metadata["Name"] + "==" + dist.version] = sorted(str(site / t) for t in tops)
    for line in dist.requires or ():
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": extra}):
            todo += [(req.name, e) for e in ("", *req.extras)]
print(json.dumps(found))
"""


def link_torch(donor: Path, py: Path, ships: Path) -> list[str] | None:
    """Put torch, torchvision and what they require from venv ``donor`` on ``py``'s path as a folder of links.

    The folder (``ships``, outside the new venv, named by a .pth file) holds a link to each file and package
    folder of those distributions, their .dist-info included, so pip sees them installed (and never removes
    them: they lie outside its environment). Distributions the new venv has already (pip, setuptools) stay its
    own. Returns what was linked, or None when the donor has no torch or another Python version."""
    donor_py = donor / "bin" / "python"
    if not donor_py.is_file():
        return None
    version = "import sys; print(sys.version_info[:2])"
    if sh([donor_py, "-c", version], capture_output=True, text=True).stdout != \
            sh([py, "-c", version], capture_output=True, text=True).stdout:
        return None
    site = Path(sh([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                   capture_output=True, text=True).stdout.strip())
    own = [p.name.split("-")[0] for p in site.glob("*.dist-info")]
    found = json.loads(sh([donor_py, "-c", _CLOSURE, json.dumps([n.lower().replace("_", "-") for n in own])],
                          capture_output=True, text=True).stdout)
    if not found:
        return None
    ships.mkdir()
    for entries in found.values():
        for entry in map(Path, entries):
            if entry.exists() and not (ships / entry.name).exists():
                (ships / entry.name).symlink_to(entry)
    (site / "colab-ships.pth").write_text(f"{ships}\n")
    return sorted(found)


def _size(folder: Path) -> int:
    """Bytes of the files under a folder (links not followed)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _freeze(py: Path) -> list[str]:
    out = sh([py, "-m", "pip", "freeze", "--all", "--disable-pip-version-check"], capture_output=True, text=True)
    return [line for line in out.stdout.split() if "==" in line]


def make_origin(work: Path) -> Path:
    """A git repository holding this working tree's files (tracked and new, not ignored): the 'public' course."""
    origin = work / "origin"
    files = sh(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
               capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (origin / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, origin / rel)
    git = ["git", "-c", "user.name=test-colab", "-c", "user.email=test-colab@localhost", "-C", origin]
    sh(git + ["init", "-q"])
    sh(git + ["add", "-A"])
    sh(git + ["commit", "-q", "-m", "the course, as published"])
    say(f"the working tree as a local 'public' repository: {origin}")
    return origin


# ----------------------------------------------------------------------------- step 3 and 4 (in the venv)

def colab_cells(source: str, target: str) -> tuple[str, str, str]:
    """(before the setup cell, the setup cell for this clone source/target, after it)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import nbhead

    fake = ("# test-colab: what Colab's kernel has that this one lacks\n"
            "import sys, types\n"
            "sys.modules.setdefault('google', types.ModuleType('google'))\n"
            "sys.modules.setdefault('google.colab', types.ModuleType('google.colab'))\n"
            f"assert sys.prefix == {sys.prefix!r}, sys.prefix  # the test's runtime, not another kernel\n"
            "import ipywidgets\n"
            "assert ipywidgets.__version__ == '7.7.1', ipywidgets.__version__\n")
    check = ("# test-colab: ganlib comes from the installed package, not from a checkout\n"
             "import os, ganlib\n"
             f"assert 'site-packages' in ganlib.__file__ and not ganlib.__file__.startswith({str(ROOT)!r}), "
             "ganlib.__file__\n"
             f"assert os.getcwd() == {target + '/notebooks'!r}, os.getcwd()\n")
    return fake, nbhead.setup_source(source, target), check


def run_setup_cell(source: str, target: str, cwd: Path) -> str:
    """The setup cell in this Python, as Colab runs it; returns what it printed."""
    fake, setup, _ = colab_cells(source, target)
    r = subprocess.run([sys.executable, "-c", fake + setup], cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"the setup cell failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout.strip()


def run_notebook(path: Path, source: str, target: str, out_dir: Path, timeout: int) -> str | None:
    """Execute one notebook copy with the Colab cells around its setup cell; None if it ran, else the error."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    fake, setup, check = colab_cells(source, target)
    nb = nbformat.read(path, as_version=4)
    if len(nb.cells) < 2 or 'if "google.colab" in sys.modules' not in nb.cells[1].source:
        return f"{path.name}: cell 1 is not the setup cell (run tools/nbhead.py --fix)"
    nb.cells[1].source = setup
    nb.cells[1:2] = [nb.cells[1], nbformat.v4.new_code_cell(check)]
    nb.cells.insert(0, nbformat.v4.new_code_cell(fake))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    error = None
    try:
        client.execute()
    except CellExecutionError as e:
        error = f"{path.name}: {str(e)[-3000:]}"
    except Exception as e:  # a dead kernel, a timeout
        error = f"{path.name}: {type(e).__name__}: {e}"
    nbformat.write(nb, out_dir / path.name)
    setup_out = "".join(o.get("text", "") for o in nb.cells[2].get("outputs", []))
    if error is None and "already installed" not in setup_out:
        error = f"{path.name}: re-running the setup cell should install nothing, it said: {setup_out!r}"
    return error


def run_timed(path: Path, source: str, target: str, out_dir: Path, timeout: int) -> tuple[str | None, float]:
    """:func:`run_notebook` and the seconds it took (run in a worker process)."""
    t0 = time.perf_counter()
    return run_notebook(path, source, target, out_dir, timeout), time.perf_counter() - t0


def inside(work: Path, only: list[str], timeout: int, jobs: int, worked: bool = False) -> int:
    origin, content = work / "origin", work / "content"
    content.mkdir(exist_ok=True)
    source, target = f"file://{origin}", str(content / "gan-course")
    before = _versions()
    say("running the notebooks' setup cell with google.colab present: clone + pip install (non-editable)")
    t0 = time.perf_counter()
    say(f"  it said: {run_setup_cell(source, target, work)}  ({time.perf_counter() - t0:.0f} s)")
    after = _versions()
    if before != after:
        raise SystemExit(f"the setup cell changed Colab's packages: {before} -> {after}")
    r = subprocess.run([sys.executable, "-c", "import ganlib, ipywidgets; print(ganlib.__file__, "
                        "ipywidgets.__version__)"], cwd=work, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"after the setup cell the runtime lacks something:\n{r.stderr}")
    say(f"  ganlib and ipywidgets: {r.stdout.strip()}; torch kept at {after['torch']}")

    copy, executed = work / "notebooks", work / "executed"
    # the worked notebooks go where the student ones would be: Colab's setup cell runs them from notebooks/
    shutil.copytree(ROOT / "notebooks" / ("solutions" if worked else ""), copy,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "solutions"))
    executed.mkdir()
    # offline, as make test: Fashion-MNIST from the checkout's cache (where make test fetched it) or Debian's package
    os.environ.update(GANLIB_PROFILE="ci", GANLIB_OFFLINE="1", GANLIB_DATA=str(ROOT / "data" / "cache"))
    os.environ.pop("MPLBACKEND", None)  # the kernel's own inline backend, as in Colab
    notebooks = sorted(p for p in copy.glob("[0-9][0-9]_*.ipynb") if not only or p.name[:2] in only)
    jobs = max(1, min(jobs, len(notebooks)))
    if jobs > 1:  # the cores shared between the kernels, as make test shares them between its workers
        os.environ.setdefault("GANLIB_THREADS", str(max(1, (os.cpu_count() or 2) // jobs)))
    say(f"running {len(notebooks)} {'worked' if worked else 'student'} notebooks, {jobs} at a time"
        + (f", GANLIB_THREADS={os.environ['GANLIB_THREADS']}" if "GANLIB_THREADS" in os.environ else ""))
    failed = []
    with ProcessPoolExecutor(jobs) as pool:
        order = notebooks[::-1] if jobs > 1 else notebooks  # the later notebooks run longer: start them first
        runs = {pool.submit(run_timed, nb, source, target, executed, timeout): nb for nb in order}
        for run in as_completed(runs):
            error, seconds = run.result()
            say(f"{runs[run].name}: {'ok' if error is None else 'FAILED'} ({seconds:.0f} s)")
            if error:
                failed.append(error)
    for error in failed:
        print("\n" + error, file=sys.stderr)
    if os.environ.get(KEEP):
        say(f"executed copies in {executed}")
    say(f"colab: {len(notebooks) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not notebooks else 0


def _versions() -> dict[str, str]:
    from importlib import metadata

    return {n: metadata.version(n) for n in ("torch", "torchvision")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, help="work in this folder and keep it (a runtime made there before is "
                    "reused, put back as it was made: for trying changes; CI starts afresh)")
    ap.add_argument("--prepare", action="store_true", help="only make the runtime (with --work)")
    ap.add_argument("--worked", action="store_true", help="the worked notebooks (notebooks/solutions/) instead of "
                    "the student ones")
    ap.add_argument("--only", nargs="*", default=[], help="notebook numbers to run, e.g. 03 05")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks run at a time (default 2)")
    ap.add_argument("--torch-from", type=Path, default=ROOT / ".venv",
                    help="a venv whose torch and torchvision the runtime links to (default .venv; pip installs "
                    "them when it has none)")
    args = ap.parse_args()
    if INSIDE in os.environ:
        return inside(Path(os.environ[INSIDE]), args.only, args.timeout, args.jobs, args.worked)
    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="ganlib-colab-"))
    work.mkdir(parents=True, exist_ok=True)
    for old in ("origin", "content", "notebooks", "executed"):
        shutil.rmtree(work / old, ignore_errors=True)
    t0 = time.perf_counter()
    try:
        py = make_runtime(work, sys.executable, args.torch_from.absolute() if args.torch_from else None)
        if args.prepare:
            return 0
        make_origin(work)
        env = dict(os.environ, **{INSIDE: str(work)}, **({KEEP: "1"} if args.work else {}))
        env.pop("PYTHONPATH", None)  # nothing of the checkout on the path
        rc = subprocess.run([py, Path(__file__).resolve(), *sys.argv[1:]], env=env, cwd=work).returncode
    finally:
        if args.work:
            say(f"kept {work}")
        else:  # in the background: deleting a fresh venv can take a minute of disk time, and nothing waits for it
            say(f"removing {work} in the background")
            subprocess.Popen(["rm", "-rf", "--", str(work)], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        say(f"test-colab took {time.perf_counter() - t0:.0f} s in all")
    return rc


if __name__ == "__main__":
    sys.exit(main())
