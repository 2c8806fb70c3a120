"""What the mapping network and the noise inputs buy, measured: the same budget without each.

    python -m ganlib.style.ablation            # 3 variants × 4 seeds at notebook 07's cpu budget → the shipped JSON

Each variant trains with :func:`ganlib.style.miniature.train_style_gan` for the same steps and seed; each run is
scored on the same measures as notebook 07 (FID, precision and recall of 2,000 samples against 2,000 test
images, perceptual path length in W, the smallest class share) in the course classifier's features.
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

from ..classifier import features, predict
from ..config import PACKAGE_DIR, PROFILE
from ..files import atomic_write_text, git_commit
from ..inference import noise
from ..metrics import frechet_distance, precision_recall
from .measures import course_classifier, path_length, samples
from .miniature import RECIPE, train_style_gan

RESULTS = PACKAGE_DIR / "shipped" / "results" / "style_ablation.json"
VARIANTS = {"full": {}, "no noise inputs": {"noise": False}, "no mapping network": {"mapping_layers": 0}}
"""The variants: the recipe, and the recipe with one idea taken out (``mapping_layers=0``: w = the normalised z)."""
STEPS, SEEDS, N = 1000, (0, 1, 2, 3), 2000


def score(G: torch.nn.Module, real_feats: torch.Tensor, clf: torch.nn.Module, n: int = N, seed: int = 2) -> dict:
    """FID, precision, recall, PPL in W and the smallest class share of one generator (ψ = 1)."""
    torch.manual_seed(seed)
    images = samples(G, noise(n, G.latent_dim, seed))
    f = features(clf, images)
    p, r = precision_recall(real_feats, f)
    shares = np.bincount(predict(clf, images).numpy(), minlength=10) / n
    return {"fid": round(frechet_distance(real_feats, f), 3), "precision": round(p, 4), "recall": round(r, 4),
            "ppl_w": round(path_length(G, n=1000, space="w", classifier=clf), 2),
            "min_class_share": round(float(shares.min()), 4)}


def run(variant: str, seed: int, steps: int = STEPS, threads: int = 1) -> dict:
    """Train one variant from ``seed`` and score it (a worker process: ``threads`` torch threads)."""
    from ..data import load_images

    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    G, _ = train_style_gan(steps, seed=seed, progress=False, **VARIANTS[variant])
    seconds = time.perf_counter() - t0
    clf = course_classifier()
    real = features(clf, load_images("fashion-mnist", "test")[0][:N])
    return {"variant": variant, "seed": seed, **score(G, real, clf), "train_seconds": round(seconds, 1)}


def table(out: Path = RESULTS, steps: int = STEPS, seeds=SEEDS, jobs: int = 2) -> dict:
    """Every variant × seed (``jobs`` at a time, one thread each), written to ``out`` with its provenance."""
    from concurrent.futures import ProcessPoolExecutor

    todo = [(v, s) for s in seeds for v in VARIANTS]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(run, *zip(*todo), [steps] * len(todo)))
    for row in rows:
        print(json.dumps(row))
    result = {"rows": rows, "provenance": {
        "command": "python -m ganlib.style.ablation" + (f" --steps {steps}" if steps != STEPS else ""),
        "commit": git_commit(), "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {jobs} runs at a time, 1 thread each", "profile": PROFILE.name,
        "torch version": torch.__version__, "steps": steps, "recipe": {k: list(v) if isinstance(v, tuple) else v
                                                                       for k, v in RECIPE.items()},
        "variants": VARIANTS}}
    atomic_write_text(out, json.dumps(result, indent=1) + "\n")
    return result


def load(path: Path = RESULTS) -> dict:
    """The shipped ablation table."""
    return json.loads(Path(path).read_text())


def summary(rows: list[dict]) -> list[dict]:
    """Mean and spread (half the range over seeds) of each measure, per variant, in VARIANTS' order."""
    out = []
    for v in VARIANTS:
        sel = [r for r in rows if r["variant"] == v]
        row = {"variant": v, "runs": len(sel)}
        for k in ("fid", "precision", "recall", "ppl_w", "min_class_share"):
            vals = np.array([r[k] for r in sel], dtype=float)
            row[k], row[k + "_lo"], row[k + "_hi"] = float(vals.mean()), float(vals.min()), float(vals.max())
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: train and score every variant, write the shipped JSON."""
    p = argparse.ArgumentParser(prog="python -m ganlib.style.ablation", description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=STEPS)
    p.add_argument("--jobs", type=int, default=2, help="runs at a time (one torch thread each)")
    p.add_argument("--out", type=Path, default=RESULTS)
    args = p.parse_args(argv)
    table(args.out, args.steps, jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
