"""Build the course site: the student notebooks executed in a profile, rendered by jupyter-book 1.x (Sphinx).

    python tools/build_site.py                      # the cpu profile's outputs: what is published
    python tools/build_site.py --profile ci         # fast, for the browser test
    python tools/build_site.py --only 01 03 --no-html

Steps: (1) execute each student notebook (nbclient, a fresh kernel, GANLIB_SEED=0, offline) into
build/executed/<profile>/, keyed by a hash of its code and of ganlib's source, so an unchanged notebook is not run
again; (2) stage build/site/src: each notebook with the cached outputs on its current text and metadata (so a
markdown or alt-text edit needs no run), a link from every exercise to its worked solution, a download link, and
the worked notebooks (unexecuted) as solution pages; (3) sphinx-build with jupyter-book's configuration, execution
off, into build/site/html. The Sphinx side runs in its own small venv (build/site-venv, the `site` extra), never the
learner's.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SITE_SRC = ROOT / "site"          # hand-written pages and the book's configuration
BUILD = ROOT / "build"
REPO_URL = "https://github.com/gan-course/gan-course"


def student_notebooks(only: list[str] | None = None) -> list[Path]:
    """The course's student notebooks in course order (optionally those whose name starts with one of `only`)."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return [p for p in paths if not only or any(p.name.startswith(o) for o in only)]


def normalised_code(source: str) -> str:
    """A code cell as Python reads it, else its text (IPython magics): wrapping lines, comments and the
    whitespace inside docstrings change nothing a cell outputs, so they do not count."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source.strip()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body[0].value.value = " ".join(body[0].value.value.split())
    return ast.dump(tree)


def ganlib_digest() -> str:
    """A hash of every file of ganlib (source, shipped checkpoints and results): outputs depend on all of them."""
    h = hashlib.sha256()
    for p in sorted((ROOT / "ganlib").rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(ROOT)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(nb: nbformat.NotebookNode, profile: str, seed: int, ganlib: str) -> str:
    """The run's identity: profile, seed, ganlib and the notebook's code cells as Python reads them."""
    h = hashlib.sha256(f"{profile}\n{seed}\n{ganlib}\n".encode())
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(normalised_code(cell.source).encode() + b"\0")
    return h.hexdigest()[:16]


def run_env(profile: str, seed: int) -> dict[str, str]:
    """The environment a notebook runs in for the site: the profile, the seed, offline, figures drawn inline."""
    env = dict(os.environ, GANLIB_PROFILE=profile, GANLIB_SEED=str(seed), GANLIB_OFFLINE="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("MPLBACKEND", None)
    env.pop("GANLIB_STRICT_CLAIMS", None)  # the site shows a learner's run: a claim that fails says so in the page
    return env


def execute(path: Path, out: Path, profile: str, seed: int, timeout: int = 4 * 3600) -> dict:
    """Run one notebook top to bottom in a fresh kernel; write it with its outputs and per-cell seconds.

    `timeout` is per cell and generous: on a busy 2-core machine (load 10 to 19) notebook 03's run stopped
    without outputs under a 30-minute limit, most likely in its training cell."""
    os.environ.update(run_env(profile, seed))
    for k in ("MPLBACKEND", "GANLIB_STRICT_CLAIMS"):
        os.environ.pop(k, None)
    nb = nbformat.read(path, as_version=4)
    client = notebook_client(nb, path, timeout)
    seconds, start = [], time.perf_counter()
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, i)
            seconds.append(round(time.perf_counter() - t, 2))
    total = round(time.perf_counter() - start, 1)
    store_run(nb, out, profile, seed, seconds, total)
    return {"notebook": path.name, "seconds": total}


def notebook_client(nb: nbformat.NotebookNode, path: Path, timeout: int, **kw):
    """The nbclient client every course run uses (the site's and tools/claims_across_seeds.py's).

    It does not emulate ipywidgets' Output widget: what a cell draws inside one (05's corruption explorer)
    stays a plain output of the cell, so a static page shows it. With nbclient's emulation, which answers
    the kernel with comm messages mid-cell, notebook 05's cpu run hung in that cell twice (kernel and
    client both idle)."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}, **kw)
    client.widget_registry = {}
    return client


def cached_path(path: Path, profile: str, seed: int) -> Path:
    """Where the cache keeps a run of the notebook at ``path`` in this profile and seed."""
    key = cache_key(nbformat.read(path, as_version=4), profile, seed, ganlib_digest())
    return BUILD / "executed" / profile / f"{path.stem}.{key}.ipynb"


def store_run(nb: nbformat.NotebookNode, out: Path, profile: str, seed: int, cell_seconds: list[float],
              total: float) -> Path:
    """Write an executed notebook to the cache, with its run's profile, seed and seconds (atomically)."""
    nb.metadata["ganlib_site"] = {"profile": profile, "seed": seed, "seconds": total,
                                  "cell_seconds": cell_seconds}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    nbformat.write(nb, tmp)
    tmp.replace(out)
    return out


def execute_all(paths: list[Path], profile: str, seed: int, jobs: int,
                fallback: str | None = None, cached_only: bool = False) -> dict[str, Path]:
    """Execute what the cache lacks (`jobs` notebooks at a time); return each notebook's executed copy.

    With `fallback` (a profile), a notebook missing from this profile's cache takes that profile's cached run
    instead of being run (a quick preview; the home page's map says which profile each page shows)."""
    ganlib = ganlib_digest()
    cache = BUILD / "executed" / profile
    todo, result = [], {}
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        out = cache / f"{p.stem}.{cache_key(nb, profile, seed, ganlib)}.ipynb"
        other = BUILD / "executed" / str(fallback) / f"{p.stem}.{cache_key(nb, str(fallback), seed, ganlib)}.ipynb"
        result[p.name] = out
        if out.exists():
            print(f"== {p.name}: from the cache ({out.relative_to(ROOT)})", flush=True)
        elif fallback and other.exists():
            print(f"== {p.name}: not in the {profile} cache: the {fallback} profile's run", flush=True)
            result[p.name] = other
        else:
            todo.append((p, out))
    if todo and cached_only:
        raise SystemExit(f"not in the {profile} cache for seed {seed} (--cached-only): "
                         + ", ".join(p.name for p, _ in todo)
                         + ". `make test-learner` stores its runs there; `make site` runs them.")
    if todo:
        print(f"== executing {len(todo)} notebook(s) in the {profile} profile, {jobs} at a time", flush=True)
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(execute, p, out, profile, seed): p for p, out in todo}
            for f in concurrent.futures.as_completed(futures):
                r = f.result()
                print(f"   {r['notebook']}: {r['seconds']:.0f} s", flush=True)
    for p in cache.glob("*.ipynb"):   # keep one executed copy per notebook: the current one
        if p not in result.values() and any(p.name.startswith(q.stem + ".") for q in paths) and not fallback:
            p.unlink()
    return result


def merge_outputs(current: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The current notebook (text, metadata, alt text) with the executed copy's outputs on its code cells."""
    cur = [c for c in current.cells if c.cell_type == "code"]
    ran = [c for c in executed.cells if c.cell_type == "code"]
    if [normalised_code(c.source) for c in cur] != [normalised_code(c.source) for c in ran]:
        raise ValueError("the executed copy's code differs from the notebook's (a stale cache)")
    for c, r in zip(cur, ran):
        c.outputs, c.execution_count = r.outputs, r.execution_count
    current.metadata["ganlib_site"] = executed.metadata.get("ganlib_site", {})
    current.metadata.setdefault("widgets", executed.metadata.get("widgets", {}))
    return current


def exercise_id(cell: nbformat.NotebookNode) -> str | None:
    """The exercise's nbgrader id (`ex-...`) when this cell is one the learner writes, else None."""
    m = cell.metadata.get("nbgrader", {})
    return m.get("grade_id") if m.get("solution") else None


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def stage_notebook(current: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Add the page's download link and, after every exercise, a link to its worked solution."""
    cells = []
    for i, cell in enumerate(current.cells):
        cells.append(cell)
        if i == 0:
            cells.append(md(f"{{download}}`Download this notebook <{name}>` (with the outputs shown here) · "
                            f"[the student notebook on GitHub]({REPO_URL}/blob/main/notebooks/{name}) · "
                            f"[its worked solutions](solutions/{Path(name).stem}.ipynb)"))
        ex = exercise_id(cell)
        if ex:
            cells.append(md(f'<a class="worked-solution" href="solutions/{Path(name).stem}.html#{ex}">'
                            f"Worked solution of this exercise</a> (try it first)"))
    current.cells = cells
    return current


def stage_solution(worked: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The worked notebook, unexecuted, with an anchor before every exercise (the student page links to it)."""
    cells = [md(f"*The worked solutions of [{name}](../{name}): the same notebook with every exercise done. "
                f"Its outputs are on the notebook's own page.*")]
    for cell in worked.cells:
        cell.outputs = [] if cell.cell_type == "code" else cell.get("outputs")
        if cell.cell_type != "code":
            cell.pop("outputs", None)
        ex = exercise_id(cell)
        if ex:
            cells.append(md(f'<a id="{ex}"></a>\n\n**Worked solution** (`{ex}`):'))
        cells.append(cell)
    worked.cells = cells
    return worked


def title_of(nb: nbformat.NotebookNode) -> str:
    """The notebook's first heading, without its number prefix."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return "untitled"


def claims_minutes() -> dict[str, float]:
    """Median minutes per notebook over the seeds in data/claims/cpu.json (the cpu profile's learner runs)."""
    path = ROOT / "data" / "claims" / "cpu.json"
    if not path.exists():
        return {}
    runs = json.loads(path.read_text())["runs"]
    runs = runs.values() if isinstance(runs, dict) else runs
    by: dict[str, list[float]] = {}
    for r in runs:
        if r.get("seconds") and not r.get("error"):
            by.setdefault(r["notebook"], []).append(r["seconds"] / 60)
    return {k: statistics.median_high(v) for k, v in by.items()}  # as data/claims/cpu.md states it


def notebook_map(staged: dict[str, nbformat.NotebookNode], profile: str) -> str:
    """The home page's table: each notebook, its minutes in data/claims/cpu.json and in this build's run."""
    minutes = claims_minutes()
    rows = ["| # | notebook | cpu minutes, learner's run (median of seeds 0-3, the upper one) "
            "| minutes in this site's run |",
            "|---|---|---|---|"]
    for name, nb in staged.items():
        run = nb.metadata.get("ganlib_site", {})
        m = minutes.get(name)
        ran = f"{run['seconds'] / 60:.1f} ({run.get('profile', profile)})" if run else "—"
        rows.append(f"| {name[:2]} | [{title_of(nb)}]({name}) | {f'{m:.1f}' if m else '—'} | {ran} |")
    return "\n".join(rows)


def stage(executed: dict[str, Path], profile: str) -> Path:
    """Write build/site/src: configuration, home and teacher pages, notebooks with outputs, solution pages."""
    src = BUILD / "site" / "src"
    if src.exists():
        shutil.rmtree(src)
    (src / "solutions").mkdir(parents=True)
    staged = {}
    for name, path in executed.items():
        current = nbformat.read(NOTEBOOKS / name, as_version=4)
        nb = stage_notebook(merge_outputs(current, nbformat.read(path, as_version=4)), name)
        nbformat.write(nb, src / name)
        staged[name] = nb
        worked = NOTEBOOKS / "solutions" / name
        if worked.exists():
            nbformat.write(stage_solution(nbformat.read(worked, as_version=4), name), src / "solutions" / name)
    (src / "_static").mkdir()
    for p in SITE_SRC.iterdir():
        if p.suffix in (".yml", ".md"):
            shutil.copy(p, src / p.name)
        elif p.suffix in (".css", ".png", ".svg"):
            shutil.copy(p, src / "_static" / p.name)
    # the guide's links are relative to the repository: on the site they point at GitHub
    teaching = re.sub(r"\]\((?!https?:|#)([^)]+)\)", rf"]({REPO_URL}/blob/main/\1)",
                      (ROOT / "TEACHING.md").read_text())
    (src / "teaching.md").write_text(teaching)
    intro = (src / "intro.md").read_text().replace("{{ notebook_map }}", notebook_map(staged, profile))
    seeds = sorted({str(nb.metadata.get("ganlib_site", {}).get("seed", "?")) for nb in staged.values()})
    (src / "intro.md").write_text(intro.replace("{{ profile }}", profile).replace("{{ seed }}", ", ".join(seeds)))
    toc = ["format: jb-book", "root: intro", "parts:", "- caption: The course", "  chapters:"]
    toc += [f"  - file: {Path(n).stem}" for n in staged]
    toc += ["- caption: For teachers", "  chapters:", "  - file: teaching",
            "- caption: Worked solutions", "  chapters:"]
    toc += [f"  - file: solutions/{Path(n).stem}" for n in staged if (src / "solutions" / n).exists()]
    (src / "_toc.yml").write_text("\n".join(toc) + "\n")
    return src


def sphinx_build(src: Path, venv: Path) -> Path:
    """jupyter-book's Sphinx configuration, then sphinx-build (execution off) into build/site/html."""
    html = BUILD / "site" / "html"
    jb, sphinx = venv / "bin" / "jupyter-book", venv / "bin" / "sphinx-build"
    if not sphinx.exists():
        sys.exit(f"no Sphinx in {venv}: `make site` installs it there (pip install '.[site]' would too)")
    subprocess.run([str(jb), "config", "sphinx", str(src)], check=True, stdout=subprocess.DEVNULL)
    with open(src / "conf.py", "a") as conf:  # no live code (Colab is the way to run it); sphinx-thebe under
        # Sphinx 7.4 declares its script's constant twice, a script error on every page
        conf.write('\nextensions = [e for e in extensions if e != "sphinx_thebe"]\n')
    if html.exists():
        shutil.rmtree(html)
    subprocess.run([str(sphinx), "-b", "html", "-q", "-j", "1", "-d", str(BUILD / "site" / "doctrees"),
                    str(src), str(html)], check=True)
    return html


def section_seconds(nb: nbformat.NotebookNode) -> list[tuple[str, float, list[int]]]:
    """(heading, seconds, slow cells) for each `##` section of an executed notebook (its cells' recorded times)."""
    secs = nb.metadata.get("ganlib_site", {}).get("cell_seconds", [])
    out: list[tuple[str, float, list[int]]] = [("(top)", 0.0, [])]
    for i, cell in enumerate(nb.cells):
        m = re.search(r"^##?\s+(.+)$", cell.source, re.M) if cell.cell_type == "markdown" else None
        if m and i:
            out.append((m.group(1).strip(), 0.0, []))
        if i < len(secs):
            head, total, slow = out[-1]
            out[-1] = (head, total + secs[i], slow + ([i] if secs[i] > 20 else []))
    return out


def sections_table(profile: str) -> str:
    """A markdown table of each cached notebook's sections with their run time (TEACHING.md's minutes)."""
    rows = ["| notebook | section | seconds | cells over 20 s |", "|---|---|---|---|"]
    for path in sorted((BUILD / "executed" / profile).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for head, total, slow in section_seconds(nb):
            rows.append(f"| {path.name[:2]} | {head} | {total:.0f} | {', '.join(map(str, slow))} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profile", default="cpu", choices=["ci", "cpu", "gpu"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=1, help="notebooks executed at a time")
    p.add_argument("--only", nargs="*", help="notebook number prefixes (default: all eight)")
    p.add_argument("--venv", type=Path, default=BUILD / "site-venv", help="the venv with jupyter-book 1.x")
    p.add_argument("--no-html", action="store_true", help="execute and stage only")
    p.add_argument("--fallback", choices=["ci", "cpu", "gpu"],
                   help="a notebook missing from the cache shows this profile's cached run instead of running")
    p.add_argument("--cached-only", action="store_true",
                   help="stop if a notebook's run is not in the cache (CI: the learner's runs are the site's)")
    p.add_argument("--sections", action="store_true", help="print the cached runs' seconds per section, and stop")
    args = p.parse_args(argv)
    if args.sections:
        print(sections_table(args.profile))
        return 0
    start = time.perf_counter()
    executed = execute_all(student_notebooks(args.only), args.profile, args.seed, args.jobs, args.fallback,
                           args.cached_only)
    src = stage(executed, args.profile)
    if not args.no_html:
        html = sphinx_build(src, args.venv)
        size = sum(f.stat().st_size for f in html.rglob("*") if f.is_file())
        print(f"== the site is in {html.relative_to(ROOT)} ({size / 1e6:.1f} MB); open index.html, or copy the "
              f"folder to any static host", flush=True)
    print(f"== took {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
