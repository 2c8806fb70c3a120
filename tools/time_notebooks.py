"""Time every course notebook top to bottom in the current profile (the README's minutes).

    GANLIB_PROFILE=cpu python tools/time_notebooks.py              # all notebooks
    GANLIB_PROFILE=ci  python tools/time_notebooks.py 01 03 --json times.json --out build/executed

Each notebook runs in a fresh kernel with its folder as the working directory; nothing is
written back (``--out DIR`` keeps the executed copies, outputs and all, to look at). Prints one line per notebook (wall seconds, slowest cells, load average) so a
figure taken on a busy machine can be told from one taken on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def time_notebook(path: Path, timeout: int = 1800, out: Path | None = None) -> dict:
    """Run one notebook in a fresh kernel; return its wall time and the five slowest cells."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    cells = []
    load0 = os.getloadavg()[0]
    start = time.perf_counter()
    with client.setup_kernel():
        for i, cell in enumerate(nb.cells):
            t = time.perf_counter()
            client.execute_cell(cell, i)
            cells.append((round(time.perf_counter() - t, 1), i))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out / path.name)
    return {"notebook": path.name, "profile": os.environ.get("GANLIB_PROFILE", "(default)"),
            "seconds": round(time.perf_counter() - start, 1), "slowest_cells": sorted(cells, reverse=True)[:5],
            "load_average": [round(load0, 2), round(os.getloadavg()[0], 2)]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("which", nargs="*", help="notebook number prefixes (default: all)")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--out", type=Path, help="keep the executed notebooks in this folder")
    args = p.parse_args(argv)
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if args.which:
        paths = [q for q in paths if any(q.name.startswith(w) for w in args.which)]
        if not paths:
            p.error(f"no notebook starts with {args.which}")
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend: figures are drawn, as for a learner
    rows = []
    for path in paths:
        r = time_notebook(path, out=args.out)
        rows.append(r)
        slow = ", ".join(f"cell {i} {s:.0f}s" for s, i in r["slowest_cells"][:3])
        print(f"{r['notebook']:40s} {r['profile']:4s} {r['seconds']:7.1f} s  ({r['seconds'] / 60:.1f} min; "
              f"slowest: {slow}; load {r['load_average'][0]}→{r['load_average'][1]})", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
