"""Mode collapse, measured: one run per (data set, method, seed), and the table of all of them.

    python -m ganlib.experiments mode-collapse --dataset ring --method pacgan4 --seed 0 --out runs/x
    python -m ganlib.experiments table            # → ganlib/shipped/results/mode_collapse.json

A run trains MLPs (ganlib.models) with ganlib.train.fit on the toy set, draws 2,500 samples and
scores them with ganlib.metrics.mode_coverage (the PacGAN / VEEGAN protocol). Methods are named
after the fixes in ganlib.stability.fixes; ``gan`` is the plain non-saturating GAN baseline. Budgets
come from the profile and are the same for every method; the learning rate decays linearly to zero
over the run (sharp modes, few steps) and the toy data are scaled into [-1, 1] (see data_scale).

    python -m ganlib.experiments table --methods gan pacgan4   # only some methods

The set-up (data sets, methods, budget) is :mod:`.collapse_setup`, the scores and their plots
:mod:`.collapse_scores`, reading the table :mod:`.collapse_report`; their names import from here
too.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ganlib import losses
from ganlib.callbacks import Schedules
from ganlib.config import seed_everything
from ganlib.data import toy_2d
from ganlib.files import atomic_write, atomic_write_text
from ganlib.inference import sample
from ganlib.sweep import Journal, Unfinished, as_json, merge, read_journal, sweep
from ganlib.sweep import provenance as _provenance
from ganlib.train import fit, gan_step

from . import papers_setup
from .collapse_report import (PUBLISHED, RESULTS, format_table, load_table,  # noqa: F401
                              noise_sentences, published, reproduction, summary, ties,
                              within_noise)
from .collapse_scores import (KINDS, bridge_fraction, neighbour_pairs, plot_kinds,  # noqa: F401
                              plot_over_training, reverse_kl, sample_kinds, score)
from .collapse_setup import (DATASETS, METHODS, N_SAMPLES, SEEDS, budget, data_scale,  # noqa: F401
                             linear_decay, make_models, method_settings, with_minibatch_std)


def run(dataset: str, method: str, seed: int, progress: bool = True, snapshots=(),
        rules: dict | None = None, **overrides) -> dict:
    """Train one run; return
    ``{"samples": 2,500×2 array, "modes", "high_quality", "reverse_kl", "bridges", "seconds", "G",
    "snapshots"}``. A ``recipe="papers"`` method trains with the papers' own optimiser, batch and
    data units. A progress bar counts the steps unless ``progress=False``
    (the table's runs are quiet).

    ``snapshots``: steps at which G's 2,500 samples (the same noise as the final ones) are also
    drawn and scored, to picture the run over training: ``{step: {"samples", "modes", ...}}``.
    ``rules`` replace the method's own (``d_loss``, ``g_loss``, ``penalty``, ``step``,
    ``lr_d_factor``): your own loss in a run; ``rules["wrap_d"]``, a function D → D (e.g.
    :func:`with_minibatch_std`), changes D before it trains: a fix added to a method's run.
    """
    if dataset not in DATASETS or method not in METHODS:
        raise ValueError(f"dataset in {DATASETS}, method in {tuple(METHODS)}; got {dataset!r}, "
                         f"{method!r}")
    b = {**budget(), **overrides}
    seed_everything(seed)
    G, D = make_models(method, b["hidden"], b["depth"], b["latent_dim"])
    spec = {**METHODS[method], **(rules or {})}
    if spec.get("wrap_d") is not None:
        D = spec["wrap_d"](D)
    if spec.get("recipe") == "papers":
        r = papers_setup.RECIPE
        scale, batch_size, lr_g, betas, schedule = 1.0, r["batch_size"], r["lr"], r["betas"], None
    else:
        scale, batch_size, lr_g, betas = (
            data_scale(dataset),
            b["batch_size"],
            b["lr"],
            tuple(b["betas"]),
        )
        schedule = linear_decay(b["steps"])
    shots: dict[int, dict] = {}
    wanted = {int(s) for s in snapshots}

    def snap(run) -> None:
        if run.step in wanted:
            pts = sample(run.G, N_SAMPLES, seed=10_000 + seed).numpy() * scale
            shots[run.step] = {"samples": pts, **score(pts, dataset)}

    decay = [Schedules(schedule)] if schedule else []
    start = time.perf_counter()
    fit(G, D, lambda n, g: toy_2d(dataset, n, g) / scale, steps=b["steps"], batch_size=batch_size,
        lr_g=lr_g, lr_d=lr_g * spec.get("lr_d_factor", 1.0), betas=betas,
        d_loss=spec.get("d_loss", losses.d_loss),
        g_loss=spec.get("g_loss", losses.g_loss_nonsaturating), penalty=spec.get("penalty"),
        step=spec.get("step", gan_step), seed=seed, device="cpu", every=50, progress=progress,
        callbacks=[*decay, *([snap] if wanted else [])])
    seconds = time.perf_counter() - start
    samples = sample(G, N_SAMPLES, seed=10_000 + seed).numpy() * scale
    return {"samples": samples, **score(samples, dataset), "seconds": seconds, "G": G,
            "snapshots": shots}


def mode_collapse(dataset: str, method: str, seed: int, out: Path, progress: bool = True) -> dict:
    """One run written to ``out/samples.npy`` and ``out/metrics.json``; returns the metrics."""
    r = run(dataset, method, seed, progress=progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "samples.npy", lambda f: np.save(f, r["samples"]))
    metrics = {k: r[k] for k in ("modes", "high_quality", "reverse_kl", "bridges")}
    metrics["seconds"] = round(r["seconds"], 2)
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    return metrics


def provenance(command: str) -> dict:
    """Where a result came from (:func:`ganlib.sweep.provenance`), with the budget and every
    method's settings."""
    return _provenance(command, budget=budget(), methods={m: method_settings(m) for m in METHODS})


def table_row(dataset: str, method: str, seed: int, threads: int = 1) -> dict:
    """One row of the table (runs in a worker process with ``threads`` torch threads)."""
    torch.set_num_threads(threads)
    r = run(dataset, method, seed, progress=False)
    row = {"dataset": dataset, "method": method, "seed": seed, "modes": r["modes"],
           "high_quality": round(r["high_quality"], 4),
           "reverse_kl": None if r["reverse_kl"] is None else round(r["reverse_kl"], 4),
           "bridges": round(r["bridges"], 4), "seconds": round(r["seconds"], 1)}
    return row


def _key(row: dict) -> tuple:
    return row["dataset"], row["method"], row["seed"]


def table(out: Path = RESULTS, methods=tuple(METHODS), seeds=SEEDS, datasets=DATASETS,
          jobs: int = 1, threads: int = 1, command: str = "python -m ganlib.experiments table",
          resume: bool = False, max_runs: int | None = None, progress: bool = True) -> dict:
    """Every method × data set × seed (``jobs`` runs at a time, ``threads`` torch threads each);
    written to ``out``.

    A :func:`ganlib.sweep.sweep`: each finished row is also appended to ``out`` + ``.rows.jsonl``.
    ``resume=True`` keeps the rows found there that the same commit and budget made; ``max_runs``
    stops (raising :class:`~ganlib.sweep.Unfinished`) after that many new rows, so a long table can
    share a machine in turns. The rows do not depend on either. Prints each row as JSON when it is
    done, under a progress bar with the time left (``progress=False``: quiet).
    """
    out = Path(out)
    prov = provenance(command)  # the commit and budget of the code that runs now
    journal = Journal(out.with_name(out.name + ".rows.jsonl"),
                      {"commit": prov["commit"], "budget": prov["budget"]})
    # seed by seed, method by method (in the order given), so a table cut short has its first rows
    # complete
    grid = [(d, m, s) for s in seeds for m in methods for d in datasets]
    done = sweep(functools.partial(table_row, threads=threads), grid, _key, journal=journal,
                 resume=resume, max_runs=max_runs, jobs=jobs, desc="mode-collapse runs",
                 progress=progress)
    rows = [done[(d, m, s)] for d in datasets for m in methods for s in seeds]
    result = {"rows": rows, "provenance": prov}
    result["provenance"].update(jobs=jobs, threads=threads)
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    journal.clear()
    return result


def combine(earlier: dict, rows_file: Path, command: str, made_by: str = "") -> dict:
    """The shipped table from an earlier table and the rows of a newer, partial run
    (``table``'s ``.rows.jsonl``).

    A newer row replaces the earlier one of the same data set, method and seed; earlier rows that
    were not rerun are kept as they were (without reverse KL and bridges, which need the samples).
    The provenance is the newer run's (its commit from the rows' stamp), with the earlier table's
    under ``"earlier"`` and how many rerun rows repeated the earlier modes and high-quality fraction
    exactly, and the methods with no run.
    """
    recs, stamp = read_journal(rows_file)
    new = {_key(r): r for r in recs}
    old = {_key(r): r for r in earlier["rows"]}
    repeated = [k for k in new if k in old and (new[k]["modes"], new[k]["high_quality"]) ==
                (old[k]["modes"], old[k]["high_quality"])]
    rows = merge(earlier["rows"], recs, _key,
                 lambda k: (DATASETS.index(k[0]), list(METHODS).index(k[1]), k[2]))
    prov = provenance(command)
    if as_json(prov["budget"]) != stamp["budget"]:
        raise ValueError("the newer rows were made with another budget than today's")
    ran = {r["method"] for r in rows}
    prov.update(commit=stamp["commit"], jobs=1, threads=1, earlier=earlier["provenance"],
                not_run=[m for m in METHODS if m not in ran], rows_made_by=made_by,
                rerun=f"{len(new)} runs made anew; {len([k for k in new if k in old])} of them "
                      "repeat earlier runs, "
                      f"{len(repeated)} with exactly the same modes and high-quality fraction")
    return {"rows": rows, "provenance": prov}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``mode-collapse`` (one run), ``table`` (all runs) or ``combine`` (a partial run
    into the table)."""
    p = argparse.ArgumentParser(prog="python -m ganlib.experiments",
                                description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("mode-collapse", help="train one run and score its 2,500 samples")
    one.add_argument("--dataset", choices=DATASETS, required=True)
    one.add_argument("--method", choices=tuple(METHODS), required=True)
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("--threads", type=int, default=2,
                     help="torch threads (default 2, the course machine's cores)")
    one.add_argument("--no-progress", action="store_true", help="no progress bar")
    tab = sub.add_parser("table", help="every method × data set × 5 seeds → "
                                       "ganlib/shipped/results/mode_collapse.json")
    tab.add_argument("--out", type=Path, default=RESULTS)
    tab.add_argument("--jobs", type=int, default=1, help="runs at a time")
    tab.add_argument("--threads", type=int, default=2,
                     help="torch threads per run (default 2: the course machine's 2 cores, one run "
                          "at a time)")
    tab.add_argument("--methods", nargs="+", choices=tuple(METHODS), default=list(METHODS),
                     help="the methods to run (default: all)")
    tab.add_argument("--resume", action="store_true",
                     help="keep the rows this commit already finished (OUT.rows.jsonl); same "
                          "numbers")
    tab.add_argument("--max-runs", type=int, default=None,
                     help="stop after this many new runs (exit code 3); resume later to take turns "
                          "on a shared machine")
    tab.add_argument("--no-progress", action="store_true",
                     help="no progress bar (the rows are still printed)")
    comb = sub.add_parser("combine",
                          help="the shipped table from itself and the rows of a partial table run")
    comb.add_argument("--rows", type=Path, required=True, help="a table run's OUT.rows.jsonl")
    comb.add_argument("--out", type=Path, default=RESULTS)
    comb.add_argument("--made-by", default="",
                      help="the table command that made the rows (for the provenance)")
    args = p.parse_args(argv)
    if args.cmd == "combine":
        res = combine(load_table(args.out), args.rows,
                      f"python -m ganlib.experiments combine --rows {args.rows.name}",
                      args.made_by)
        atomic_write_text(args.out, json.dumps(res, indent=1) + "\n")
        print(res["provenance"]["rerun"], "; not run:", res["provenance"]["not_run"])
        return 0
    # 2 threads: 1.3× faster than 1; the sums run in another order, so a run
    torch.set_num_threads(args.threads)
    # can differ from its 1-thread twin (notebook 04 measured gan-slow-d, grid, seed 0: 91.3 % vs
    # 88.7 % high quality)
    if args.cmd == "mode-collapse":
        print(json.dumps(mode_collapse(args.dataset, args.method, args.seed, args.out,
                                       progress=not args.no_progress)))
    else:
        command = "python -m ganlib.experiments table" + (f" --jobs {args.jobs}" if args.jobs > 1
                                                          else "")
        command += f" --threads {args.threads}" if args.threads != 2 else ""
        if list(args.methods) != list(METHODS):
            command += " --methods " + " ".join(args.methods)
        try:
            table(args.out, methods=tuple(args.methods), jobs=args.jobs, threads=args.threads,
                  command=command, resume=args.resume, max_runs=args.max_runs,
                  progress=not args.no_progress)
        except Unfinished as e:
            print(e, file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
