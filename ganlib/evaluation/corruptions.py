"""Corrupt real images on purpose (noise, blur, dropped classes) and watch the metrics respond.

A metric worth trusting should get worse as the images do: noise and blur hurt *quality*
(precision, density, FID), dropping classes hurts *diversity* (recall, coverage, FID). The logic is
plain functions (testable without a browser); :class:`CorruptionExplorer` only wires sliders to
them.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torchvision.transforms.functional import gaussian_blur

from ganlib.metrics import density_coverage, frechet_distance, kid, precision_recall
from ganlib.validate import check_images, check_number

Features = Callable[[torch.Tensor], torch.Tensor]


def add_noise(images: torch.Tensor, std: float, seed: int = 0) -> torch.Tensor:
    """Add Gaussian pixel noise of standard deviation ``std`` (in the [−1, 1] scale), clipped to
    [−1, 1]."""
    # a NaN std would silently turn every image into NaN
    std = check_number(std, "noise std", low=0)
    # on the CPU: the same noise whatever the images' device
    g = torch.Generator().manual_seed(seed)
    return (images + std * torch.randn(images.shape, generator=g).to(images.device)).clamp(-1, 1)


def blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur with standard deviation ``sigma`` pixels (0: unchanged)."""
    sigma = check_number(sigma, "blur sigma", low=0)
    if sigma == 0:
        return images.clone()
    size = 2 * math.ceil(3 * sigma) + 1
    return gaussian_blur(images, kernel_size=[size, size], sigma=[sigma, sigma])


def drop_classes(images: torch.Tensor, labels: torch.Tensor, n_drop: int, n: int,
                 seed: int = 0) -> torch.Tensor:
    """n images drawn only from the classes left after dropping the first ``n_drop``
    (less diversity)."""
    classes = torch.unique(labels)
    if not 0 <= n_drop < len(classes):
        raise ValueError(f"n_drop must be in [0, {len(classes) - 1}], got {n_drop}")
    keep = torch.nonzero(~torch.isin(labels, classes[:n_drop])).squeeze(1)
    if len(keep) < n:
        raise ValueError(f"only {len(keep)} images left after dropping {n_drop} classes, {n} asked "
                         "for")
    g = torch.Generator().manual_seed(seed)
    return images[keep[torch.randperm(len(keep), generator=g)[:n].to(keep.device)]]


def corrupt(images: torch.Tensor, labels: torch.Tensor, n: int, noise: float = 0.0,
            sigma: float = 0.0, n_drop: int = 0, seed: int = 0) -> torch.Tensor:
    """n corrupted images from a pool: dropped classes first, then blur, then noise."""
    images = check_images(images, "pool")
    return add_noise(blur(drop_classes(images, labels, n_drop, n, seed), sigma), noise, seed)


def score(real_feats: torch.Tensor, fake_feats: torch.Tensor, kid_subsets: int = 10,
          kid_subset_size: int = 500) -> dict[str, float]:
    """FID, KID, precision, recall, density and coverage of one feature set against the reals."""
    size = min(kid_subset_size, len(real_feats), len(fake_feats))
    precision, recall = precision_recall(real_feats, fake_feats)
    density, coverage = density_coverage(real_feats, fake_feats)
    return {"FID": frechet_distance(real_feats, fake_feats),
            "KID": kid(real_feats, fake_feats, subsets=kid_subsets, subset_size=size)[0],
            "precision": precision, "recall": recall, "density": density, "coverage": coverage}


SWEEPS = {"noise": [0.0, 0.1, 0.2, 0.4], "sigma": [0.0, 0.5, 1.0, 2.0], "n_drop": [0, 3, 6, 8]}


def sweep(
    features: Features,
    real: torch.Tensor,
    pool: torch.Tensor,
    pool_labels: torch.Tensor,
    n: int,
    levels: dict[str, list] | None = None,
    seed: int = 0,
) -> dict[str, list[dict[str, float]]]:
    """For each corruption and each level, the metrics of n corrupted pool images against
    ``real``."""
    real_feats = features(check_images(real, "real"))
    memo: dict[tuple, dict[str, float]] = {}  # level 0 of every corruption is the same clean set

    def at(kind: str, v) -> dict[str, float]:
        key = (kind, v) if v else ("clean", 0)
        if key not in memo:
            memo[key] = score(real_feats,
                              features(corrupt(pool, pool_labels, n, seed=seed, **{kind: v})))
        return memo[key]

    return {kind: [at(kind, v) for v in values] for kind, values in (levels or SWEEPS).items()}


def plot_sweep(results: dict[str, list[dict[str, float]]], levels: dict[str, list] | None = None):
    """One row per metric, one column per corruption (titled), each row on one y scale from 0
    (precision and recall from 0 to 1), so a flat line looks flat and the columns can be
    compared."""
    import matplotlib.pyplot as plt

    levels = levels or SWEEPS
    kinds = list(results)
    metrics = list(results[kinds[0]][0])
    fig, axes = plt.subplots(len(metrics), len(kinds),
                             figsize=(3.4 * len(kinds), 2.1 * len(metrics)), squeeze=False,
                             sharex="col", sharey="row")
    titles = {"noise": "noise added", "sigma": "blurred", "n_drop": "classes dropped"}
    labels = {"noise": "noise std", "sigma": "blur σ (pixels)", "n_drop": "classes dropped"}
    for i, m in enumerate(metrics):
        top = max(max(r[m] for r in results[kind]) for kind in kinds)
        for j, kind in enumerate(kinds):
            ax = axes[i, j]
            ax.plot(levels[kind], [r[m] for r in results[kind]], "o-")
            ax.set_ylim(0, 1.05 if m in ("precision", "recall", "coverage") else 1.1 * top)
            if i == 0:
                ax.set_title(titles.get(kind, kind))
            if j == 0:
                ax.set_ylabel(m)
            if i == len(metrics) - 1:
                ax.set_xlabel(labels.get(kind, kind))
    fig.tight_layout()
    return fig


class CorruptionExplorer:
    """Sliders for noise, blur and dropped classes; shows the corrupted images and their metrics.

    ``update(noise, sigma, n_drop)`` does the work and returns the metrics (call it without a
    browser); ``.box`` is the widget to display.
    """

    def __init__(self, features: Features, real: torch.Tensor, pool: torch.Tensor,
                 pool_labels: torch.Tensor, n: int, seed: int = 0):
        import ipywidgets as W

        self.features, self.pool, self.pool_labels, self.n, self.seed = (
            features,
            pool,
            pool_labels,
            n,
            seed,
        )
        self.real_feats = features(check_images(real, "real"))
        self.images: torch.Tensor | None = None
        self.metrics: dict[str, float] = {}
        opts = dict(continuous_update=False, style={"description_width": "110px"})
        self.noise = W.FloatSlider(0.0, min=0, max=1, step=0.05, description="noise std", **opts)
        self.sigma = W.FloatSlider(0.0, min=0, max=3, step=0.25, description="blur σ", **opts)
        self.n_drop = W.IntSlider(0, min=0, max=8, description="classes dropped", **opts)
        self.out = W.Output()
        for s in (self.noise, self.sigma, self.n_drop):
            s.observe(lambda _c: self.refresh(), names="value")
        self.box = W.VBox([W.HBox([self.noise, self.sigma, self.n_drop]), self.out])

    def update(self, noise: float = 0.0, sigma: float = 0.0, n_drop: int = 0) -> dict[str, float]:
        """Corrupt, extract features, score; keeps the images and metrics on the object."""
        self.images = corrupt(self.pool, self.pool_labels, self.n, noise, sigma, n_drop, self.seed)
        self.metrics = score(self.real_feats, self.features(self.images))
        return self.metrics

    def refresh(self) -> None:
        """Recompute from the sliders and redraw."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        from ganlib.viz import show_images

        m = self.update(self.noise.value, self.sigma.value, self.n_drop.value)
        with self.out:
            self.out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(4, 4))
            show_images(self.images[:36], nrow=6, ax=ax,
                        title="  ".join(f"{k} {v:.3g}" for k, v in m.items()))
            display(fig)
            plt.close(fig)


def level_table(
    results: dict[str, list[dict[str, float]]], levels: dict[str, list] | None = None
) -> str:
    """The sweep as a small text table (rounded), for reading the numbers."""
    levels = levels or SWEEPS
    rows = []
    for kind, res in results.items():
        for v, r in zip(levels[kind], res):
            rows.append(f"{kind:>7} = {v:<4}  " + "  ".join(f"{k} {np.round(x, 3):>8}"
                                                            for k, x in r.items()))
    return "\n".join(rows)
