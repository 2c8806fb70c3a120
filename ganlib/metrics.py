"""Metrics that judge generators: mode coverage on toy sets, FID, KID, precision / recall, IS.

Every metric here works on *features* (N × d arrays, NumPy or torch): the course's classifier
or Inception-v3 turns images into features (see ``ganlib.features``). The image-level helpers
at the end check the images, extract features and call the feature-level metrics.
"""

from __future__ import annotations

import warnings
from typing import Callable, NamedTuple

import numpy as np
import torch

from .modes import mode_coverage  # noqa: F401  (defined with the toy-set protocol)

Array = np.ndarray | torch.Tensor


# ---------------------------------------------------------------- input checks

def as_features(feats: Array, name: str = "features") -> np.ndarray:
    """Features as a float64 N × d NumPy array; a clear error for a wrong shape or NaN / inf."""
    if torch.is_tensor(feats):
        feats = feats.detach().cpu().double().numpy()
    arr = np.asarray(feats, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of N samples × d features, got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise ValueError(f"{name} contain NaN or inf in {bad} of {arr.shape[0]} samples; "
                         "check the generator's output and the feature extractor")
    return arr


def _pair(feats_a: Array, feats_b: Array, names=("feats_a", "feats_b")) -> tuple[np.ndarray, np.ndarray]:
    """Two feature arrays with the same number of dimensions."""
    a, b = as_features(feats_a, names[0]), as_features(feats_b, names[1])
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{names[0]} have {a.shape[1]} dimensions but {names[1]} have {b.shape[1]}: "
                         "compare features from the same extractor")
    return a, b


# ---------------------------------------------------------------- FID

def feature_stats(feats: Array, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of N × d features; needs N ≥ d + 1 for a full-rank covariance."""
    x = as_features(feats, name)
    n, d = x.shape
    if n < d + 1:
        raise ValueError(f"{name}: {n} samples for {d} feature dimensions; FID needs at least "
                         f"{d + 1} samples (d + 1) so the covariance is not singular")
    return x.mean(axis=0), np.cov(x, rowvar=False)


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr √(Σ1 Σ2) from two symmetric eigen-decompositions (no sqrtm, no complex numbers).

    Σ1 = V diag(λ) Vᵀ; with A = V diag(√λ), Aᵀ Σ2 A is symmetric PSD and has the same
    eigenvalues as Σ1^{1/2} Σ2 Σ1^{1/2}, hence as Σ1 Σ2; the trace is the sum of their roots.
    """
    lam, vecs = np.linalg.eigh(sigma1)
    a = vecs * np.sqrt(np.clip(lam, 0.0, None))
    m = a.T @ sigma2 @ a
    mu = np.linalg.eigvalsh((m + m.T) / 2)
    return float(np.sqrt(np.clip(mu, 0.0, None)).sum())


def frechet_distance_from_stats(mu1: Array, sigma1: Array, mu2: Array, sigma2: Array) -> float:
    """Fréchet distance ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 √(Σ1 Σ2)) between two Gaussians, in float64."""
    mu1, mu2 = (np.atleast_1d(np.asarray(m, dtype=np.float64)) for m in (mu1, mu2))
    s1, s2 = (np.atleast_2d(np.asarray(s, dtype=np.float64)) for s in (sigma1, sigma2))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"mismatched shapes: mu1 {mu1.shape}, mu2 {mu2.shape}, "
                         f"sigma1 {s1.shape}, sigma2 {s2.shape}")
    for name, v in (("mu1", mu1), ("mu2", mu2), ("sigma1", s1), ("sigma2", s2)):
        if not np.isfinite(v).all():
            raise ValueError(f"{name} contains NaN or inf")
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt_product(s1, s2))


def frechet_distance(feats_a: Array, feats_b: Array) -> float:
    """FID: the Fréchet distance between Gaussians fitted to two sets of features (N × d each)."""
    a, b = _pair(feats_a, feats_b)
    mu1, s1 = feature_stats(a, "feats_a")
    mu2, s2 = feature_stats(b, "feats_b")
    return frechet_distance_from_stats(mu1, s1, mu2, s2)


class FIDInfinity(NamedTuple):
    """FID∞ (the fit's intercept at 1/N = 0), with the sample sizes, FID_N values and slope."""

    value: float
    ns: np.ndarray
    fids: np.ndarray
    slope: float


def fid_infinity(real_feats: Array, fake_feats: Array, ns=None, points: int = 8,
                 seed: int = 0) -> FIDInfinity:
    """FID∞ (Chong & Forsyth 2020): FID_N on N fake samples, fitted linearly in 1/N, read at 1/N = 0.

    The real statistics use all real features; for each N a seeded random subset of N fake
    features is drawn. ``ns`` defaults to ``points`` sizes spread from max(d + 1, N/5) to N.
    """
    real, fake = _pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
    n, d = fake.shape
    mu_r, s_r = feature_stats(real, "real_feats")
    if ns is None:
        lo = max(d + 1, n // 5)
        if lo >= n:
            raise ValueError(f"fake_feats: {n} samples is too few for FID∞ with {d} dimensions; "
                             f"use at least {2 * (d + 1)}")
        ns = np.unique(np.linspace(lo, n, points).astype(int))
    ns = np.asarray(sorted(int(v) for v in ns))
    if len(ns) < 2:
        raise ValueError("FID∞ needs at least two sample sizes to fit a line")
    if ns[0] < d + 1 or ns[-1] > n:
        raise ValueError(f"sample sizes must lie in [{d + 1}, {n}] (d + 1 to the number of fakes), got {ns}")
    rng = np.random.default_rng(seed)
    fids = np.array([frechet_distance_from_stats(mu_r, s_r, *feature_stats(fake[rng.choice(n, k, replace=False)]))
                     for k in ns])
    slope, intercept = np.polyfit(1.0 / ns, fids, 1)
    return FIDInfinity(float(intercept), ns, fids, float(slope))


# ---------------------------------------------------------------- KID

def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The cubic kernel k(x, y) = (xᵀy / d + 1)³ of KID (Bińkowski et al. 2018)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² between two equal-size samples with the cubic kernel (diagonals left out)."""
    m = x.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    sum_xx = k_xx.sum() - np.trace(k_xx)
    sum_yy = k_yy.sum() - np.trace(k_yy)
    return float((sum_xx + sum_yy) / (m * (m - 1)) - 2.0 * k_xy.sum() / (m * m))


def kid(feats_a: Array, feats_b: Array, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """KID → (mean, std) of the unbiased MMD² over random subsets (torch-fidelity's defaults).

    ``subset_size`` larger than the smaller set is capped at its size, with a warning.
    Subsets are drawn without replacement from a generator seeded with ``seed``.
    """
    a, b = _pair(feats_a, feats_b)
    n = min(len(a), len(b))
    if n < 2:
        raise ValueError(f"KID needs at least 2 samples in each set, got {len(a)} and {len(b)}")
    if subsets < 1:
        raise ValueError(f"subsets must be ≥ 1, got {subsets}")
    if subset_size > n:
        warnings.warn(f"kid: subset_size={subset_size} is larger than the smaller set ({n} samples); "
                      f"using subset_size={n}", stacklevel=2)
        subset_size = n
    if subset_size < 2:
        raise ValueError(f"subset_size must be ≥ 2, got {subset_size}")
    rng = np.random.default_rng(seed)
    vals = np.array([mmd2_unbiased(a[rng.choice(len(a), subset_size, replace=False)],
                                   b[rng.choice(len(b), subset_size, replace=False)])
                     for _ in range(subsets)])
    return float(vals.mean()), float(vals.std())


# ---------------------------------------------------------------- precision and recall

def _pairwise_dist(x: torch.Tensor, y: torch.Tensor, batch: int = 2048) -> torch.Tensor:
    """Euclidean distances between the rows of x and y (float64, batched over x)."""
    return torch.cat([torch.cdist(x[i:i + batch], y) for i in range(0, len(x), batch)])


def knn_radii(feats: Array, k: int = 3) -> np.ndarray:
    """Distance from each sample to its k-th nearest neighbour in the same set, itself excluded."""
    x = torch.from_numpy(as_features(feats))
    if not 1 <= k < len(x):
        raise ValueError(f"k must be in [1, {len(x) - 1}] for {len(x)} samples, got {k}")
    d = _pairwise_dist(x, x)
    d.fill_diagonal_(float("inf"))
    return d.kthvalue(k, dim=1).values.numpy()


def _coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Fraction of points inside at least one ball (centre, radius)."""
    inside = _pairwise_dist(points, centres) <= radii[None, :]
    return float(inside.any(dim=1).double().mean())


def precision_recall(real_feats: Array, fake_feats: Array, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) → (precision, recall).

    Precision: the fraction of fakes inside the real manifold (the union of balls around each
    real sample with radius = distance to its k-th nearest real neighbour). Recall: the fraction
    of reals inside the fake manifold, built the same way from the fakes.
    """
    real, fake = _pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
    r, f = torch.from_numpy(real), torch.from_numpy(fake)
    precision = _coverage(f, r, torch.from_numpy(knn_radii(real, k)))
    recall = _coverage(r, f, torch.from_numpy(knn_radii(fake, k)))
    return precision, recall


# ---------------------------------------------------------------- Inception Score

def inception_score(probs: Array, splits: int = 10) -> tuple[float, float]:
    """Inception Score → (mean, std) over splits: exp(E_x KL(p(y|x) ‖ p(y))) from class probabilities."""
    p = as_features(probs, "probs")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("probs must be class probabilities: non-negative rows summing to 1 "
                         "(apply softmax to the classifier's logits)")
    if not 1 <= splits <= len(p):
        raise ValueError(f"splits must be in [1, {len(p)}], got {splits}")
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(axis=0, keepdims=True)
        kl = np.where(part > 0, part * (np.log(np.clip(part, 1e-300, None)) - np.log(np.clip(py, 1e-300, None))), 0.0)
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


# ---------------------------------------------------------------- image-level helpers

def check_images(images: torch.Tensor, name: str = "images", shape: tuple[int, ...] = (1, 28, 28)) -> torch.Tensor:
    """Images as a float N × C × H × W tensor in [−1, 1]; a clear error otherwise."""
    if not torch.is_tensor(images):
        images = torch.as_tensor(np.asarray(images))
    if images.dim() != 4 or tuple(images.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape N×{'×'.join(map(str, shape))}, got {tuple(images.shape)}")
    images = images.float()
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} contain NaN or inf")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1 - 1e-4 or hi > 1 + 1e-4:
        raise ValueError(f"{name} must lie in [-1, 1] (the generator's tanh range), got [{lo:.3g}, {hi:.3g}]; "
                         "rescale images in [0, 1] with x * 2 - 1")
    return images


def evaluate_images(real: torch.Tensor, fake: torch.Tensor,
                    features: Callable[[torch.Tensor], torch.Tensor] | None = None,
                    k: int = 3, kid_subsets: int = 20, kid_subset_size: int = 1000) -> dict[str, float]:
    """FID, KID, precision and recall of fake images against real ones, in one feature space.

    ``features`` maps N×1×28×28 images in [−1, 1] to N × d features; by default the course's
    Fashion-MNIST classifier (``ganlib.features.classifier_features``).
    """
    real, fake = check_images(real, "real"), check_images(fake, "fake")
    if features is None:
        from .features import classifier_features as features
    fr, ff = as_features(features(real), "real features"), as_features(features(fake), "fake features")
    kid_mean, kid_std = kid(fr, ff, subsets=kid_subsets, subset_size=min(kid_subset_size, len(fr), len(ff)))
    precision, recall = precision_recall(fr, ff, k=k)
    return {"fid": frechet_distance(fr, ff), "kid": kid_mean, "kid_std": kid_std,
            "precision": precision, "recall": recall}
