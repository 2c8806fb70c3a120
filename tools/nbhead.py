"""The first two cells of every course notebook: title + Open-in-Colab badge, and the setup cell.

The repository address lives in one place, pyproject.toml's [project.urls] Repository.
  python tools/nbhead.py --check   # exit 1 if a notebook's head disagrees
  python tools/nbhead.py --fix     # rewrite the heads in place (keeps the title line)
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def repo_url() -> str:
    """The repository's public address, from pyproject.toml."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data["project"]["urls"]["Repository"].rstrip("/")


def badge(nb_name: str) -> str:
    """Markdown for the 'Open in Colab' badge of one notebook."""
    slug = repo_url().removeprefix("https://github.com/")
    url = f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{nb_name}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


COLAB_TARGET = "/content/gan-course"
"""Where the setup cell clones the course in Colab."""


def setup_source(source: str | None = None, target: str = COLAB_TARGET) -> str:
    """The setup cell: nothing outside Colab; in Colab, clone ``source`` (the repository) into ``target`` once
    and run tools/colab_setup.py from it (install ganlib, keep Colab's torch, one line of report).

    Tests pass a local clone's address as ``source`` and a temporary folder as ``target``.
    """
    source = source or repo_url()
    return f'''# Setup: does nothing on your own machine. In Colab it fetches the course and installs
# ganlib with what the notebooks need, keeping Colab's torch; running it again is harmless
# (see tools/colab_setup.py).
import sys
if "google.colab" in sys.modules:
    import os, runpy, subprocess
    if not os.path.isdir("{target}"):
        subprocess.run(["git", "clone", "-q", "--depth", "1",
                        "{source}", "{target}"],
                       check=True)
    runpy.run_path("{target}/tools/colab_setup.py")["setup"]("{target}")'''


def head_cells(nb_name: str, title: str, intro: str = "") -> list:
    """The two head cells for a notebook file name (e.g. '01_forger_vs_detective.ipynb')."""
    md = f"# {title}\n\n{badge(nb_name)}" + (f"\n\n{intro}" if intro else "")
    return [nbformat.v4.new_markdown_cell(md), nbformat.v4.new_code_cell(setup_source())]


def problems(path: Path) -> list[str]:
    """What is wrong with a notebook's head (empty list: fine)."""
    nb = nbformat.read(path, as_version=4)
    out = []
    if len(nb.cells) < 2:
        return [f"{path.name}: fewer than two cells"]
    if badge(path.name) not in nb.cells[0].source:
        out.append(f"{path.name}: first cell lacks the Colab badge for {repo_url()}")
    if nb.cells[1].cell_type != "code" or nb.cells[1].source.strip() != setup_source().strip():
        out.append(f"{path.name}: second cell is not the standard setup cell")
    return out


def fix(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0].source if nb.cells and nb.cells[0].cell_type == "markdown" else ""
    m = re.match(r"#\s*(.+)", first)
    title = m.group(1).strip() if m else path.stem
    rest = re.sub(r"^#.*\n*", "", first, count=1)
    rest = re.sub(r"\[!\[Open In Colab\][^\n]*\n*", "", rest).strip()
    keep = nb.cells[1:] if first else nb.cells
    old = [nb.cells[0]] if first else []
    if keep and keep[0].cell_type == "code" and 'if "google.colab" in sys.modules' in keep[0].source:
        old, keep = old + [keep[0]], keep[1:]
    head = head_cells(path.name, title, rest)
    for new_cell, old_cell in zip(head, old) if len(old) == 2 else ():
        new_cell.id = old_cell.get("id", new_cell.id)  # the same cells, rewritten: keep their ids (small diffs)
    nb.cells = head + keep
    nbformat.write(nb, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fix", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb"))
    if args.fix:
        for p in paths:
            fix(p)
    bad = [msg for p in paths for msg in problems(p)]
    print("\n".join(bad) or f"{len(paths)} notebook heads agree with {repo_url()}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
