"""Mode collapse, measured: one run per (data set, method, seed), and the table of all of them.

    python -m ganlib.experiments mode-collapse --dataset ring --method pacgan4 --seed 0 --out runs/x
    python -m ganlib.experiments table            # → ganlib/shipped/results/mode_collapse.json

A run trains MLPs (ganlib.models) with ganlib.train.fit on the toy set, draws 2,500 samples and
scores them with ganlib.metrics.mode_coverage (the PacGAN / VEEGAN protocol). Methods are named
after the fixes in ganlib.stability.fixes; ``gan`` is the plain non-saturating GAN baseline. Budgets come
from the profile and are the same for every method; the learning rate decays linearly to zero
over the run (sharp modes, few steps) and the toy data are scaled into [-1, 1] (see data_scale).

    python -m ganlib.experiments table --methods gan pacgan4   # only some methods
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ganlib import losses
from ganlib.config import PROFILE, RESULTS_DIR, seed_everything
from ganlib.data import mode_centers, toy_2d
from ganlib.files import atomic_write, atomic_write_text, git_commit
from ganlib.inference import sample
from ganlib.metrics import mode_coverage
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import fit

from . import fixes

DATASETS = ("ring", "grid")
N_SAMPLES = 2_500
SEEDS = (0, 1, 2, 3, 4)
RESULTS = RESULTS_DIR / "mode_collapse.json"

METHODS: dict[str, dict] = {
    "gan": dict(pack=1, doc="plain non-saturating GAN (the baseline): same lr for G and D, no penalty"),
    "pacgan4": dict(pack=4, doc="PacGAN: D judges packs of 4 samples (Lin et al. 2018)"),
    "gan-ttur": dict(pack=1, lr_d_factor=2.0,
                     doc="two time-scale update rule: D learns 2× faster than G (Heusel et al. 2017), "
                         "non-saturating loss"),
    "gan-slow-d": dict(pack=1, lr_d_factor=0.5,
                       doc="two time scales the other way round: D learns at half G's rate, so it never "
                           "gets far ahead; G has time to pull its bridge samples into the modes"),
    "hinge-sn": dict(pack=1, sn=True, d_loss=fixes.hinge_d_loss, g_loss=fixes.hinge_g_loss,
                     doc="hinge loss + spectral normalisation on D (SN-GAN: Miyato et al. 2018)"),
}
"""Each method: how D is wrapped (``pack``, ``sn``), its losses (``d_loss``, ``g_loss``), a ``penalty``
and D's learning rate as a multiple of G's (``lr_d_factor``); ``doc`` says what it is."""


def budget() -> dict:
    """Steps, batch size, widths and optimiser of one run, from the profile (the same for every method).

    cpu: 4,500 steps of batch 512 take 23-38 s with two threads on the course's 2-core machine
    (hinge-sn, whose spectral norm costs more per step, up to 51 s). Adam with β = (0, 0.9) and lr
    2e-3 decaying linearly to 0 (the high lr spreads the modes apart early; the decay sharpens them).
    """
    return dict(steps=PROFILE.pick(ci=60, cpu=4_500, gpu=10_000), batch_size=PROFILE.pick(ci=64, cpu=512, gpu=512),
                hidden=128, depth=3, latent_dim=2, lr=2e-3, betas=(0.0, 0.9))


def data_scale(dataset: str) -> float:
    """The factor that brings a toy set into [-1, 1] (ring 1, grid 4): G and D see data / scale.

    Same rule as the images (scaled to [-1, 1]): Adam's steps are the same size in every layer,
    so a generator that must reach ±4 learns the grid's fine structure more slowly than one that
    reaches ±1. G's samples are multiplied back before they are scored.
    """
    centers, _ = mode_centers(dataset)
    return float(np.abs(centers).max())


def make_models(method: str, hidden: int = 128, depth: int = 3, latent_dim: int = 2) -> tuple[nn.Module, nn.Module]:
    """The generator and discriminator of a method (D packed / spectrally normalised as it asks)."""
    spec = METHODS[method]
    G = MLPGenerator(latent_dim, out_dim=2, hidden=hidden, depth=depth)
    D: nn.Module = MLPDiscriminator(in_dim=2 * spec["pack"], hidden=hidden, depth=depth)
    if spec.get("sn"):
        D = fixes.spectral_norm(D)
    if spec["pack"] > 1:
        D = fixes.Packed(D, spec["pack"])
    return G, D


def linear_decay(steps: int):
    """An lr ``schedule`` for fit(): every learning rate falls linearly from its start to 0 over ``steps``."""
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))


def run(dataset: str, method: str, seed: int, progress: bool = True, **overrides) -> dict:
    """Train one run; return ``{"samples": 2,500×2 array, "modes", "high_quality", "seconds", "G"}``.

    A progress bar counts the steps unless ``progress=False`` (the table's runs are quiet; it has its own).
    """
    if dataset not in DATASETS or method not in METHODS:
        raise ValueError(f"dataset in {DATASETS}, method in {tuple(METHODS)}; got {dataset!r}, {method!r}")
    b = {**budget(), **overrides}
    seed_everything(seed)
    G, D = make_models(method, b["hidden"], b["depth"], b["latent_dim"])
    spec = METHODS[method]
    scale = data_scale(dataset)
    start = time.perf_counter()
    fit(G, D, lambda n, g: toy_2d(dataset, n, g) / scale, steps=b["steps"], batch_size=b["batch_size"],
        lr_g=b["lr"], lr_d=b["lr"] * spec.get("lr_d_factor", 1.0), betas=tuple(b["betas"]),
        d_loss=spec.get("d_loss", losses.d_loss), g_loss=spec.get("g_loss", losses.g_loss_nonsaturating),
        penalty=spec.get("penalty"), schedule=linear_decay(b["steps"]), seed=seed, device="cpu",
        every=50, progress=progress)
    seconds = time.perf_counter() - start
    samples = sample(G, N_SAMPLES, seed=10_000 + seed).numpy() * scale
    cov = mode_coverage(samples, dataset)
    return {"samples": samples, "modes": cov["modes"], "high_quality": cov["high_quality"],
            "seconds": seconds, "G": G}


def mode_collapse(dataset: str, method: str, seed: int, out: Path, progress: bool = True) -> dict:
    """One run written to ``out/samples.npy`` and ``out/metrics.json``; returns the metrics."""
    r = run(dataset, method, seed, progress=progress)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "samples.npy", lambda f: np.save(f, r["samples"]))
    metrics = {"modes": r["modes"], "high_quality": r["high_quality"], "seconds": round(r["seconds"], 2)}
    atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    return metrics


def provenance(command: str) -> dict:
    """Where a result came from: command, commit, date, machine, profile, torch version."""
    return {"command": command, "commit": git_commit(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()} {platform.processor() or ''} {torch.get_num_threads()} thread(s)".strip(),
            "profile": PROFILE.name, "torch version": torch.__version__, "budget": {
                k: v for k, v in budget().items()}}


def table_row(dataset: str, method: str, seed: int, threads: int = 1) -> dict:
    """One row of the table (runs in a worker process with ``threads`` torch threads)."""
    torch.set_num_threads(threads)
    r = run(dataset, method, seed, progress=False)
    return {"dataset": dataset, "method": method, "seed": seed, "modes": r["modes"],
            "high_quality": round(r["high_quality"], 4), "seconds": round(r["seconds"], 1)}


def table(out: Path = RESULTS, methods=tuple(METHODS), seeds=SEEDS, datasets=DATASETS, jobs: int = 1,
          threads: int = 1, command: str = "python -m ganlib.experiments table", progress: bool = True) -> dict:
    """Every method × data set × seed (``jobs`` runs at a time, ``threads`` torch threads each); written to ``out``.

    Prints each row as JSON when it is done, under a progress bar with the time left (``progress=False``: quiet).
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm.auto import tqdm

    todo = [(d, m, s) for d in datasets for m in methods for s in seeds]
    with tqdm(total=len(todo), desc="mode-collapse runs", unit="run", disable=not progress) as bar:
        def done(row: dict) -> dict:
            bar.write(json.dumps(row))  # printed even without the bar (tqdm.write is plain print then)
            bar.update(1)
            return row

        if jobs > 1:
            with ProcessPoolExecutor(jobs) as pool:
                rows = [done(r) for r in pool.map(table_row, *zip(*todo), [threads] * len(todo))]
        else:
            rows = [done(table_row(*t, threads=threads)) for t in todo]
    result = {"rows": rows, "provenance": provenance(command)}
    result["provenance"].update(jobs=jobs, threads=threads)
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    return result


def summary(rows: list[dict]) -> list[dict]:
    """Mean ± standard error over seeds of modes and high quality, per (data set, method)."""
    out = []
    keys = sorted({(r["dataset"], r["method"]) for r in rows}, key=lambda k: (k[0], list(METHODS).index(k[1])
                                                                               if k[1] in METHODS else 99))
    for dataset, method in keys:
        sel = [r for r in rows if r["dataset"] == dataset and r["method"] == method]
        row = {"dataset": dataset, "method": method, "runs": len(sel)}
        for key in ("modes", "high_quality", "seconds"):
            v = np.array([r[key] for r in sel], dtype=float)
            row[key] = float(v.mean())
            row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: ``mode-collapse`` (one run) or ``table`` (all runs)."""
    p = argparse.ArgumentParser(prog="python -m ganlib.experiments", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    one = sub.add_parser("mode-collapse", help="train one run and score its 2,500 samples")
    one.add_argument("--dataset", choices=DATASETS, required=True)
    one.add_argument("--method", choices=tuple(METHODS), required=True)
    one.add_argument("--seed", type=int, default=0)
    one.add_argument("--out", type=Path, required=True)
    one.add_argument("--threads", type=int, default=2, help="torch threads (default 2, the course machine's cores)")
    one.add_argument("--no-progress", action="store_true", help="no progress bar")
    tab = sub.add_parser("table", help="every method × data set × 5 seeds → data/results/mode_collapse.json")
    tab.add_argument("--out", type=Path, default=RESULTS)
    tab.add_argument("--jobs", type=int, default=1, help="runs at a time")
    tab.add_argument("--threads", type=int, default=2,
                     help="torch threads per run (default 2: the course machine's 2 cores, one run at a time)")
    tab.add_argument("--methods", nargs="+", choices=tuple(METHODS), default=list(METHODS),
                     help="the methods to run (default: all)")
    tab.add_argument("--no-progress", action="store_true", help="no progress bar (the rows are still printed)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)  # 2 threads: 1.3× faster than 1, and the same numbers bit for bit
    if args.cmd == "mode-collapse":
        print(json.dumps(mode_collapse(args.dataset, args.method, args.seed, args.out, progress=not args.no_progress)))
    else:
        command = "python -m ganlib.experiments table" + (f" --jobs {args.jobs}" if args.jobs > 1 else "")
        command += f" --threads {args.threads}" if args.threads != 2 else ""
        if list(args.methods) != list(METHODS):
            command += " --methods " + " ".join(args.methods)
        table(args.out, methods=tuple(args.methods), jobs=args.jobs, threads=args.threads, command=command,
              progress=not args.no_progress)
    return 0


if __name__ == "__main__":
    sys.exit(main())
