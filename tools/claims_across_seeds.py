"""Which of the notebooks' claims hold for every seed: run the student notebooks for several seeds, tabulate.

    python tools/claims_across_seeds.py --profile cpu --seeds 0-3 --jobs 2        # the whole course (about an hour)
    python tools/claims_across_seeds.py --profile cpu --seeds 0-3 --only 02 04    # re-run two notebooks, keep the rest

Each student notebook in ``notebooks/`` runs top to bottom, exercises unfinished, as a learner runs it
(``GANLIB_PROFILE``, ``GANLIB_SEED``; a claim that fails is logged and the run goes on). Every ``expect``
verdict is collected with its cell and numbers. The table (``data/claims/<profile>.md``) has one row per
claim and one column per seed; ``data/claims/<profile>.json`` keeps everything, and a later run with
``--only`` replaces just the notebooks it ran. A claim the course makes must hold in every column.

With ``--site-cache`` each run keeps its figures (inline, not ``MPLBACKEND=agg``) and stores the executed notebook
where ``tools/build_site.py`` looks for it (``build/executed/<profile>/``, same key), so the runs for seed 0 are
the site's too: one cpu run of the course serves both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402  (the site's cache and the notebook client both tools use)

NOTEBOOKS = ROOT / "notebooks"
OUT = ROOT / "data" / "claims"
MARKS = {"held": "✓", "failed": "✗", "not checked": "·"}


def seeds_arg(text: str) -> list[int]:
    """``0-3`` or ``0,2,5`` → a sorted list of seeds."""
    seeds: set[int] = set()
    try:
        for part in text.split(","):
            a, _, b = part.strip().partition("-")
            seeds.update(range(int(a), int(b or a) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are like 0-3 or 0,2,5, not {text!r}") from None
    if not seeds or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"seeds are whole numbers ≥ 0, got {text!r}")
    return sorted(seeds)


def run_one(notebook: Path, profile: str, seed: int, cell_timeout: int, site_cache: bool = False) -> dict:
    """Execute one notebook (in this process) and return its claims, cell by cell, and its first error.

    With `site_cache`, a run without error is also written to the site's cache of executed notebooks."""
    import nbclient
    import nbformat

    log = Path(os.environ["GANLIB_CLAIMS_LOG"])
    claims: list[dict] = []
    read = 0
    seconds: dict[int, float] = {}  # cell -> seconds it ran (the time since the cell before it ended)
    last = time.time()

    def collect(cell, cell_index, **_):
        nonlocal read, last
        now = time.time()
        seconds[cell_index], last = round(now - last, 1), now
        if not log.exists():
            return
        lines = log.read_text(encoding="utf-8").splitlines()
        for line in lines[read:]:
            claims.append({"cell": cell_index, "k": sum(c["cell"] == cell_index for c in claims), **json.loads(line)})
        read = len(lines)

    nb = nbformat.read(notebook, as_version=4)
    client = build_site.notebook_client(nb, notebook, cell_timeout, on_cell_executed=collect)
    start, error, detail = time.time(), None, None
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:
        text = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip()  # the traceback without its terminal colours
        error, detail = text.splitlines()[-1][:300], text[-3000:]
    except Exception as e:  # a timeout, a dead kernel: recorded, the batch goes on
        error = f"{type(e).__name__}: {str(e)[:300]}"
    if site_cache and error is None:  # where tools/build_site.py looks for it (key: code, profile, seed, ganlib)
        build_site.store_run(nb, build_site.cached_path(notebook, profile, seed), profile, seed,
                             [seconds.get(i, 0.0) for i in range(len(nb.cells))], round(time.time() - start, 1))
    return {"notebook": notebook.name, "profile": profile, "seed": seed, "seconds": round(time.time() - start, 1),
            "error": error, "claims": claims, **({"error_detail": detail} if detail else {}),
            "slowest_cells": dict(sorted(seconds.items(), key=lambda kv: -kv[1])[:5])}


def run_in_child(notebook: Path, profile: str, seed: int, cell_timeout: int, site_cache: bool = False) -> dict:
    """Run :func:`run_one` in a child process with the run's environment; return its result."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GANLIB_PROFILE": profile, "GANLIB_SEED": str(seed), "GANLIB_STRICT_CLAIMS": "0",
               "GANLIB_OFFLINE": "1", "MPLBACKEND": "agg", "GANLIB_CLAIMS_LOG": str(Path(tmp) / "claims.jsonl")}
        if site_cache:  # figures drawn inline, as the site shows them
            env.pop("MPLBACKEND")
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--one", str(notebook), "--profile", profile, "--seeds", str(seed),
               "--cell-timeout", str(cell_timeout), "--result", str(out)] + (["--site-cache"] if site_cache else [])
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode or not out.exists():
            return {"notebook": notebook.name, "profile": profile, "seed": seed, "seconds": None,
                    "error": f"the runner failed: {proc.stderr.strip()[-300:]}", "claims": []}
        return json.loads(out.read_text(encoding="utf-8"))


def _numbers(numbers: dict, limit: int = 90) -> str:
    from ganlib.course.claims import numbers_text

    text = numbers_text(numbers)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def table(data: dict) -> str:
    """The markdown table of a results file: a summary, then per notebook one row per claim."""
    runs = data["runs"]
    seeds = sorted({r["seed"] for r in runs.values()})
    by_nb: dict[str, dict[int, dict]] = {}
    for r in runs.values():
        by_nb.setdefault(r["notebook"], {})[r["seed"]] = r
    rows, failed_claims, held_all, unchecked = [], 0, 0, 0
    errors = [f"{r['notebook']} seed {r['seed']}: {r['error']}" for r in runs.values() if r["error"]]
    for name in sorted(by_nb):
        per_seed = by_nb[name]
        keys = sorted({(c["cell"], c["k"]) for r in per_seed.values() for c in r["claims"]})
        mins = [per_seed[s]["seconds"] for s in seeds if s in per_seed and per_seed[s]["seconds"]]
        rows.append(f"\n### {name}\n\nminutes per seed: "
                    + ", ".join(f"{s}: {per_seed[s]['seconds'] / 60:.1f}" if per_seed.get(s, {}).get("seconds")
                                else f"{s}: —" for s in seeds)
                    + (f" (median {sorted(mins)[len(mins) // 2] / 60:.1f})" if mins else "") + "\n"
                    + "".join(f"\nseed {s}: {per_seed[s]['note']}\n" for s in seeds if per_seed.get(s, {}).get("note")))
        rows.append("| cell | claim | " + " | ".join(f"seed {s}" for s in seeds) + " |")
        rows.append("|---|---|" + "---|" * len(seeds))
        for key in keys:
            found = {s: next((c for c in per_seed[s]["claims"] if (c["cell"], c["k"]) == key), None)
                     for s in seeds if s in per_seed}
            text = next(c["claim"] for c in found.values() if c)
            statuses = [c["status"] if c else "not reached" for c in found.values()]
            if "failed" in statuses:
                failed_claims += 1
            elif set(statuses) == {"held"}:
                held_all += 1
            else:
                unchecked += 1
            cells = [(f"{MARKS[c['status']]} {_numbers(c['numbers'])}" if c else "— not reached").replace("|", "/")
                     for c in found.values()]
            rows.append(f"| {key[0]} | {text.replace('|', '/')} | " + " | ".join(cells) + " |")
    total = failed_claims + held_all + unchecked
    meta = data["machine"]
    head = [f"# The notebooks' claims across seeds: the `{data['profile']}` profile",
            "",
            f"Made by `python tools/claims_across_seeds.py --profile {data['profile']} --seeds "
            f"{seeds[0]}-{seeds[-1]}` (student notebooks, exercises unfinished) on {meta}.",
            "✓ held · ✗ failed · `·` not checked in this profile · — the run stopped before it.",
            "",
            f"**{total} claims × {len(seeds)} seeds: {held_all} held for every seed, {failed_claims} failed for at "
            f"least one, {unchecked} not checked in this profile. Runs that stopped with an error: {len(errors)}.**",
            ]
    head += [f"- {e}" for e in errors]
    return "\n".join(head + rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="cpu", choices=("ci", "cpu", "gpu"))
    ap.add_argument("--seeds", type=seeds_arg, default=[0, 1, 2, 3], help="like 0-3 or 0,2 (default 0-3)")
    ap.add_argument("--only", nargs="*", default=[], help="notebook numbers to run (default: all); others are kept")
    ap.add_argument("--jobs", type=int, default=1, help="notebook runs at once (one per core at most)")
    ap.add_argument("--cell-timeout", type=int, default=1800)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true",
                    help="exit 1 if a run stopped with an error or a claim failed (make test-learner)")
    ap.add_argument("--site-cache", action="store_true",
                    help="keep each run's figures, stored for tools/build_site.py (the seed-0 runs are the site's)")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:  # the child: one notebook, one seed
        result = run_one(args.one, args.profile, args.seeds[0], args.cell_timeout, args.site_cache)
        args.result.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0
    notebooks = sorted(p for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb") if not args.only or p.name[:2] in args.only)
    if not notebooks:
        ap.error(f"no student notebooks match {args.only}")
    # the longest notebooks first (by the committed record's fastest run), so two workers finish together
    jobs = sorted(((nb, s) for nb in notebooks for s in args.seeds),
                  key=lambda job: -expected_seconds(job[0].name, args.profile))
    store = args.out / f"{args.profile}.json"
    data = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {"runs": {}}
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = "?"
    data.update(profile=args.profile, machine=f"{date.today()}, {platform.machine()} "
                f"{platform.processor() or platform.system()}, {os.cpu_count()} cores, torch {torch_version}")
    args.out.mkdir(parents=True, exist_ok=True)

    def one(job):
        nb, seed = job
        print(f"running {nb.name} seed {seed} …", flush=True)
        r = run_in_child(nb, args.profile, seed, args.cell_timeout, args.site_cache)
        bad = sum(c["status"] == "failed" for c in r["claims"])
        print(f"{nb.name} seed {seed}: {len(r['claims'])} claims, {bad} failed"
              + (f", stopped: {r['error']}" if r["error"] else "") + f" ({r['seconds']} s)", flush=True)
        return r

    problems = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for r in pool.map(one, jobs):
            data["runs"][f"{r['notebook']} seed {r['seed']}"] = r
            store.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            (args.out / f"{args.profile}.md").write_text(table(data), encoding="utf-8")
            problems += run_problems(r)
    print(f"wrote {store} and {args.out / (args.profile + '.md')}")
    if args.check:
        print(f"{len(jobs)} runs: " + ("every claim held, no cell raised" if not problems
                                       else f"{len(problems)} problem(s):\n  " + "\n  ".join(problems)))
        return 1 if problems else 0
    return 0


def expected_seconds(notebook: str, profile: str, record: Path | None = None) -> float:
    """The fastest of the notebook's run times in data/claims/<profile>.json (0 when none is recorded).

    The fastest, not the median: the record's runs were made beside different amounts of other work (its notes
    say which), and the least slowed run is the best guess at what the notebook itself costs; a median ordered
    notebooks re-run on a quiet machine after ones whose every run was loaded."""
    record = record or ROOT / "data" / "claims" / f"{profile}.json"
    if not record.exists():
        return 0.0
    runs = json.loads(record.read_text(encoding="utf-8")).get("runs", {}).values()
    return min((r["seconds"] for r in runs if r.get("notebook") == notebook and r.get("seconds")),
               default=0.0)


def run_problems(r: dict) -> list[str]:
    """What makes a run fail the learner's-path check: the error it stopped with, and each claim that failed."""
    where = f"{r['notebook']} seed {r['seed']}"
    out = [f"{where}: stopped: {r.get('error_detail') or r['error']}"] if r["error"] else []
    out += [f"{where} cell {c['cell']}: claim failed: {c['claim']} {_numbers(c.get('numbers') or {})}"
            for c in r["claims"] if c["status"] == "failed"]
    return out


if __name__ == "__main__":
    sys.exit(main())
