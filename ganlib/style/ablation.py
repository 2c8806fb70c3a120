"""What the mapping network and the noise inputs buy, measured: the same budget without each.

    python -m ganlib.style.ablation            # 3 variants × 4 seeds at notebook 07's cpu budget
                                               # → the shipped JSON

Each variant trains with :func:`ganlib.style.miniature.train_style_gan` for the same steps and seed;
each run is scored on the same measures as notebook 07 (FID, precision and recall of 2,000 samples
against 2,000 test images, perceptual path length in W, the smallest class share) in the course
classifier's features.
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ..classifier import features, predict
from ..config import PACKAGE_DIR
from ..files import atomic_write_text
from ..inference import noise
from ..sweep import Journal, Unfinished, provenance, sweep
from .measures import course_classifier, path_length, samples, truncation_sweep
from .miniature import RECIPE, train_style_gan

RESULTS = PACKAGE_DIR / "shipped" / "results" / "style_ablation.json"
VARIANTS = {"full": {}, "no noise inputs": {"noise": False},
            "no mapping network": {"mapping_layers": 0}}
"""The variants: the recipe, and the recipe with one idea taken out (``mapping_layers=0``: w = the
normalised z)."""
STEPS, SEEDS, N = 1000, (0, 1, 2, 3), 2000


def score(
    G: torch.nn.Module, real_feats: torch.Tensor, clf: torch.nn.Module, n: int = N, seed: int = 2
) -> dict:
    """Notebook 07's measures of one generator at ψ = 1 (FID, precision, recall: its truncation
    sweep's), plus the path length in W and the smallest class share of the same samples."""
    (row,) = truncation_sweep(G, real_feats, [1.0], n=n, space="w", seed=seed, classifier=clf)
    torch.manual_seed(seed)  # the sweep's samples again: the same z and noise inputs
    labels = predict(clf, samples(G, noise(n, G.latent_dim, seed)))
    shares = np.bincount(labels.numpy(), minlength=10) / n
    return {"fid": round(row["fid"], 3), "precision": round(row["precision"], 4),
            "recall": round(row["recall"], 4),
            "ppl_w": round(path_length(G, n=min(n, 1000), space="w", classifier=clf), 2),
            "min_class_share": round(float(shares.min()), 4)}


def run(variant: str, seed: int, steps: int = STEPS, threads: int = 1, n: int = N) -> dict:
    """Train one variant from ``seed`` and score it on ``n`` samples (a worker process: ``threads``
    torch threads)."""
    from ..data import load_images

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    G, _ = train_style_gan(steps, seed=seed, progress=False, **VARIANTS[variant])
    seconds = time.perf_counter() - t0
    clf = course_classifier()
    real = features(clf, load_images("fashion-mnist", "test")[0][:n])
    return {"variant": variant, "seed": seed, **score(G, real, clf, n=n),
            "train_seconds": round(seconds, 1)}


def table(out: Path = RESULTS, steps: int = STEPS, seeds=SEEDS, jobs: int = 2, resume: bool = False,
          max_runs: int | None = None) -> dict:
    """Every variant × seed (``jobs`` at a time, one thread each), written to ``out`` with its
    provenance. A :func:`ganlib.sweep.sweep`: each row is journaled to ``out`` + ``.rows.jsonl``;
    ``resume`` and ``max_runs`` as there."""
    out = Path(out)
    command = "python -m ganlib.style.ablation" + (f" --steps {steps}" if steps != STEPS else "")
    machine = f"{platform.machine()}, {jobs} runs at a time, 1 thread each"
    recipe = {k: list(v) if isinstance(v, tuple) else v for k, v in RECIPE.items()}
    prov = provenance(command, machine=machine, steps=steps, recipe=recipe, variants=VARIANTS)
    stamp = {k: prov[k] for k in ("commit", "steps", "recipe")}
    journal = Journal(out.with_name(out.name + ".rows.jsonl"), stamp)
    grid = [(v, s) for s in seeds for v in VARIANTS]
    done = sweep(functools.partial(run, steps=steps), grid,
                 lambda row: (row["variant"], row["seed"]), journal=journal, resume=resume,
                 max_runs=max_runs, jobs=jobs, desc="ablation runs")
    result = {"rows": [done[point] for point in grid], "provenance": prov}
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    journal.clear()
    return result


def load(path: Path = RESULTS) -> dict:
    """The shipped ablation table."""
    return json.loads(Path(path).read_text())


def collapsed(row: dict) -> bool:
    """A run whose images no longer depend on w: its path length in W is (about) 0."""
    return row["ppl_w"] < 1.0


def format_table(rows: list[dict]) -> str:
    """The runs as text, one line each, collapsed runs marked."""
    lines = [f"{'variant':20s} {'seed':>4s} {'FID':>7s} {'precision':>9s} {'recall':>6s} "
             f"{'PPL in W':>8s} {'min class':>9s}"]
    for r in rows:
        lines.append(
            f"{r['variant']:20s} {r['seed']:4d} {r['fid']:7.1f} {r['precision']:9.3f} "
            f"{r['recall']:6.3f} {r['ppl_w']:8.1f} {r['min_class_share']:9.3f}"
            + ("   collapsed" if collapsed(r) else "")
        )
    return "\n".join(lines)


def plot(rows: list[dict]):
    """FID and path length per variant, one dot per seed (seeds side by side), collapsed runs
    (if any) as red crosses."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    names = list(VARIANTS)
    for ax, key, label in [(axes[0], "fid", "FID (lower is better)"),
                           (axes[1], "ppl_w", "path length in W (lower: smoother)")]:
        for i, v in enumerate(names):
            for r in (r for r in rows if r["variant"] == v):
                bad = collapsed(r)
                ax.plot(i + 0.08 * (r["seed"] - 1.5), r[key], "x" if bad else "o",
                        color="tab:red" if bad else "tab:blue", ms=8)
        ax.set_xticks(range(len(names)), names)
        ax.set_ylabel(label)
        ax.set_xlim(-0.5, len(names) - 0.5)
    note = "; red × = collapsed (length 0)" if any(map(collapsed, rows)) else ""
    axes[0].set_title(f"FID, one dot per seed (0–3, left to right){note}")
    axes[1].set_title("path length in W, one dot per seed")
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """Command line: train and score every variant, write the shipped JSON."""
    p = argparse.ArgumentParser(prog="python -m ganlib.style.ablation",
                                description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--jobs", type=int, default=2, help="runs at a time (one torch thread each)")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--resume", action="store_true",
                   help="keep the rows this commit already finished (OUT.rows.jsonl)")
    p.add_argument("--max-runs", type=int, default=None,
                   help="stop after this many new runs (exit code 3)")
    args = p.parse_args(argv)
    try:
        table(args.out, args.steps, jobs=args.jobs, resume=args.resume, max_runs=args.max_runs)
    except Unfinished as e:
        print(e, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
