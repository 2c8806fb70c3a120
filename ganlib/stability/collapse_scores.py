"""Scoring a generator's 2,500 samples of a toy set: modes, high quality, reverse KL, and the
bridges between modes that a collapsing generator draws (each sample's kind), with the plots of
them."""

from __future__ import annotations

import numpy as np
import torch

from ganlib.data import mode_centers, toy_2d
from ganlib.metrics import mode_coverage

def reverse_kl(counts) -> float | None:
    """KL(generated ‖ real) over the modes (PacGAN's "reverse KL"): 0 when the high-quality samples
    are spread evenly, log K when they all sit in one of K modes; ``None`` when no sample is of high
    quality."""
    c = np.asarray(counts, dtype=np.float64)
    if c.sum() == 0:
        return None
    p = c[c > 0] / c.sum()
    return float((p * np.log(p * len(c))).sum())


def neighbour_pairs(dataset: str) -> np.ndarray:
    """The pairs of modes at the smallest distance apart (the ring's 8 neighbours, the grid's 40):
    (P, 2) indices."""
    centers, _ = mode_centers(dataset)
    d = np.linalg.norm(centers[:, None] - centers[None], axis=2)
    nearest = d[d > 0].min()
    i, j = np.nonzero(np.triu(np.isclose(d, nearest, rtol=1e-6), k=1))
    return np.stack([i, j], axis=1)


KINDS = ("high quality", "on a bridge", "elsewhere")
KIND_COLOURS = ("#E69F00", "#000000", "#999999")
"""Okabe-Ito orange, black and grey (high quality, bridge, elsewhere): told apart in every colour
blindness, none near the real blue."""


def sample_kinds(samples, dataset: str, threshold: float = 3.0) -> np.ndarray:
    """Each sample's kind: 0 high quality (within ``threshold`` σ of a mode), 1 on a bridge (not,
    but within ``threshold`` σ of a straight segment joining two neighbouring modes), 2
    elsewhere."""
    pts = np.asarray(samples, dtype=np.float64)
    centers, std = mode_centers(dataset)
    good = (np.linalg.norm(pts[:, None] - centers[None], axis=2) / std).min(axis=1) < threshold
    pairs = neighbour_pairs(dataset)
    a, b = centers[pairs[:, 0]], centers[pairs[:, 1]]                       # (P, 2) segment ends
    ab = b - a
    t = np.clip(((pts[:, None] - a[None]) * ab[None]).sum(2) / (ab * ab).sum(1)[None], 0, 1)
    dist = (
        np.linalg.norm(pts[:, None] - (a[None] + t[..., None] * ab[None]), axis=2).min(axis=1) / std
    )
    return np.where(good, 0, np.where(dist < threshold, 1, 2))


def bridge_fraction(samples, dataset: str, threshold: float = 3.0) -> float:
    """Fraction of samples that miss every mode but lie on a bridge between two neighbouring modes
    (the thin trails a generator draws when it tears its one Gaussian of noise into separate
    modes)."""
    return float((sample_kinds(samples, dataset, threshold) == 1).mean())


def score(samples, dataset: str) -> dict:
    """Everything the table reports about 2,500 samples: modes, high-quality fraction, reverse KL,
    bridges."""
    cov = mode_coverage(samples, dataset)
    return {"modes": cov["modes"], "high_quality": cov["high_quality"],
            "reverse_kl": reverse_kl(cov["counts"]), "bridges": bridge_fraction(samples, dataset),
            "counts": cov["counts"]}


def plot_kinds(samples, dataset: str, ax=None, title: str | None = None, legend: bool = True):
    """The real modes (blue) and the samples coloured by kind (KIND_COLOURS): high quality larger,
    on top of the real dots (a mode left blue is one no sample reached), the others beneath them."""
    import matplotlib.pyplot as plt

    from ganlib.viz import OKABE_ITO

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    pts = np.asarray(samples)
    kinds = sample_kinds(pts, dataset)
    real = toy_2d(dataset, 2_500, torch.Generator().manual_seed(1)).numpy()
    ax.scatter(real[:, 0], real[:, 1], s=1, color=OKABE_ITO["blue"], alpha=0.8, label="real",
               zorder=2)
    for k, (label, color) in enumerate(zip(KINDS, KIND_COLOURS)):
        sel = pts[kinds == k]
        ax.scatter(sel[:, 0], sel[:, 1], s=(6, 3, 3)[k], alpha=(0.9, 0.6, 0.5)[k], color=color,
                   zorder=(3, 1, 1)[k], label=f"generated, {label} ({len(sel) / len(pts):.1%})")
    ax.set_aspect("equal")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    if legend:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, markerscale=4,
                  fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_over_training(result: dict, dataset: str, label: str = ""):
    """One row of panels: G's 2,500 samples at each snapshot of a :func:`run` and at its end, each
    titled with its step, modes captured and high-quality fraction; one legend for the row. Returns
    the figure."""
    import matplotlib.pyplot as plt

    shots = dict(sorted(result["snapshots"].items()))
    fig, axes = plt.subplots(1, len(shots), figsize=(3.4 * len(shots), 4.2), squeeze=False)
    centers, _ = mode_centers(dataset)
    # the data's square with a margin: far-off samples are counted, not drawn
    lim = 1.5 * float(np.abs(centers).max())
    for ax, (step, shot) in zip(axes[0], shots.items()):
        away = int((np.abs(shot["samples"]) > lim).any(axis=1).sum())
        plot_kinds(shot["samples"], dataset, ax=ax, legend=False,
                   title=f"step {step}: {shot['modes']} of {len(centers)} "
                         f"modes\n{shot['high_quality']:.0%} high quality"
                         + (f", {away} off the plot" if away else ""))
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xlabel("")
        ax.set_ylabel("")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, [t.split(" (")[0] for t in labels], loc="lower center", ncol=4,
               markerscale=4, fontsize=8)
    if label:
        fig.suptitle(label)
    fig.tight_layout(rect=(0, 0.07, 1, 0.92 if label else 1))
    return fig
