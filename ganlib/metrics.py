"""Metrics that judge generators: mode coverage on toy sets, waveform purity, FID, KID, precision /
recall, density / coverage, IS; and the ranking AUC that judges detectors and attacks on them.

FID, KID, precision / recall and IS work on *features* (N × d arrays, NumPy or torch): the
course's classifier (``ganlib.classifier.features``) or Inception-v3
(``ganlib.evaluation.features``) turns images into features. Input checks: ``ganlib.validate``.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
import torch

from .data import mode_centers
from .validate import as_features, check_count, check_gaussians, check_number, feature_pair

Array = np.ndarray | torch.Tensor


# ---------------------------------------------------------------- toy sets and waves

def mode_coverage(samples, dataset: str, threshold: float = 3.0) -> dict:
    """Count captured modes and the high-quality fraction of generated 2-D samples
    (PacGAN / VEEGAN protocol).

    A sample is *high quality* when its distance to the nearest mode, divided by the modes' std,
    is below ``threshold`` (3); a mode is *captured* when at least one high-quality sample is
    assigned to it. PacGAN and VEEGAN score 2,500 samples this way.
    Returns ``{"modes": int, "high_quality": float, "counts": list[int]}`` (high-quality samples per
    mode).
    """
    pts = samples.detach().cpu().numpy() if torch.is_tensor(samples) else np.asarray(samples)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(f"samples must be an N×2 array with N > 0, got shape {pts.shape}")
    if not np.isfinite(pts).all():
        raise ValueError("samples contain NaN or inf: the generator diverged")
    check_number(threshold, "threshold", low=0)
    centers, std = mode_centers(dataset)
    dist = np.linalg.norm(pts[:, None, :].astype(np.float64) - centers[None], axis=2) / std
    nearest = dist.argmin(axis=1)
    good = dist[np.arange(len(pts)), nearest] < threshold
    counts = np.bincount(nearest[good], minlength=len(centers))
    return {"modes": int((counts > 0).sum()), "high_quality": float(good.mean()),
            "counts": counts.tolist()}


def _power(x: torch.Tensor) -> torch.Tensor:
    # drop the constant term
    return torch.fft.rfft(x.detach().float().cpu(), dim=-1).abs().pow(2)[:, 1:]


def dominant_frequency(x: torch.Tensor) -> torch.Tensor:
    """The strongest whole frequency (cycles per wave) of each wave in x (n, length)."""
    return _power(x).argmax(dim=-1) + 1


def purity(x: torch.Tensor) -> torch.Tensor:
    """Share of each wave's (non-constant) power in its strongest frequency: 1 for a pure sine, low
    for noise."""
    p = _power(x)
    return p.max(dim=-1).values / p.sum(dim=-1).clamp_min(1e-12)


# ---------------------------------------------------------------- FID

def feature_stats(feats: Array, name: str = "features") -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (float64) of N × d features; needs N ≥ d + 1 for a full-rank
    covariance."""
    x = as_features(feats, name)
    n, d = x.shape
    if n < d + 1:
        raise ValueError(f"{name}: {n} samples for {d} feature dimensions; FID needs at least "
                         f"{d + 1} samples (d + 1) so the covariance is not singular")
    return x.mean(axis=0), np.cov(x, rowvar=False)


def frechet_distance_from_stats(mu1: Array, sigma1: Array, mu2: Array, sigma2: Array) -> float:
    """‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½): the Fréchet distance between two Gaussians."""
    mu1, sigma1, mu2, sigma2 = check_gaussians(mu1, sigma1, mu2, sigma2)
    lam, V = np.linalg.eigh(sigma1)
    half = V @ np.diag(np.sqrt(np.clip(lam, 0, None))) @ V.T  # Σ1^½ (rounding can make tiny λ < 0)
    tr_sqrt = np.sqrt(np.clip(np.linalg.eigvalsh(half @ sigma2 @ half), 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_sqrt)


def frechet_distance(feats_a: Array, feats_b: Array) -> float:
    """FID: the Fréchet distance between Gaussians fitted to two sets of features (N × d each)."""
    a, b = feature_pair(feats_a, feats_b)
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
    """FID∞ (Chong & Forsyth 2020): FID_N on N fake samples, fitted linearly in 1/N, read at 1/N =
    0.

    The real statistics use all real features; for each N a seeded random subset of N fake
    features is drawn. ``ns`` defaults to ``points`` sizes spread from max(d + 1, N/5) to N.
    """
    real, fake = feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
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
        raise ValueError(f"sample sizes must lie in [{d + 1}, {n}] (d + 1 to the number of fakes), "
                         f"got {ns}")
    rng = np.random.default_rng(seed)
    fids = np.array(
        [
            frechet_distance_from_stats(
                mu_r, s_r, *feature_stats(fake[rng.choice(n, k, replace=False)])
            )
            for k in ns
        ]
    )
    slope, intercept = np.polyfit(1.0 / ns, fids, 1)
    _warn_fid_infinity(float(intercept), len(real), n, d)
    return FIDInfinity(float(intercept), ns, fids, float(slope))


FID_INFINITY_MIN_RATIO = 5
"""FID∞ wants at least this many samples per feature dimension (+1) in each set, else it warns.

Below 5 (d + 1) fakes the default sizes start at N = d + 1, where the covariance is barely
invertible and FID_N is no longer a straight line in 1/N; Chong & Forsyth fit N = 5,000 … 50,000
for 2,048 dimensions. The real set's own sampling bias is not extrapolated away at all.
"""


def _warn_fid_infinity(value: float, n_real: int, n_fake: int, d: int) -> None:
    """Warn when FID∞ is negative (impossible for a distance) or rests on too few samples for d
    dimensions."""
    need = FID_INFINITY_MIN_RATIO * (d + 1)
    reasons = []
    if value < 0:
        reasons.append(f"it came out negative ({value:.3g}), which no distance can be: the line "
                       "through FID_N is dominated by noise")
    if min(n_real, n_fake) < need:
        reasons.append(f"{n_real} real and {n_fake} fake samples of {d}-dimensional features are "
                       "too few "
                       f"(use at least {need}, 5·(d + 1), in each set): the covariances are too "
                       "noisy for FID_N to follow a line in 1/N")
    if reasons:
        warnings.warn("fid_infinity: FID∞ is unreliable here: " + "; ".join(reasons) + ".",
                      stacklevel=3)


# ---------------------------------------------------------------- KID

def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The cubic kernel k(x, y) = (xᵀy / d + 1)³ of KID (Bińkowski et al. 2018)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² of two equal-size samples (m × d) with KID's cubic kernel k(u, v) =
    (uᵀv/d + 1)³."""
    m, d = x.shape
    k_xx, k_yy, k_xy = ((u @ v.T / d + 1) ** 3 for u, v in ((x, x), (y, y), (x, y)))
    return float(
        (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
        - 2 * k_xy.mean()
    )


def kid(feats_a: Array, feats_b: Array, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0) -> tuple[float, float]:
    """KID → (mean, std) of the unbiased MMD² over random subsets (torch-fidelity's defaults).

    ``subset_size`` larger than the smaller set is capped at its size, with a warning.
    Subsets are drawn without replacement from a generator seeded with ``seed``.
    """
    a, b = feature_pair(feats_a, feats_b)
    n = min(len(a), len(b))
    if n < 2:
        raise ValueError(f"KID needs at least 2 samples in each set, got {len(a)} and {len(b)}")
    check_count(subsets, "subsets")
    check_count(subset_size, "subset_size", 2)
    if subset_size > n:
        warnings.warn(f"kid: subset_size={subset_size} is larger than the smaller set ({n} "
                      "samples); "
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

def nearest_neighbours(
    queries,
    reference,
    k: int = 1,
    exclude_self: bool = False,
    batch_size: int = 1024,
    dtype: torch.dtype = torch.float64,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean distances (N×k) and indices (N×k) of each query's k nearest reference rows.

    Rows are flattened (images work too). ``exclude_self``: queries *are* the reference, and
    each row's own zero distance is skipped. Batched over the queries (``torch.cdist`` + ``topk``),
    in ``dtype`` (float32 halves the time on images, where 1e-7 relative error does not matter).
    """
    q = torch.as_tensor(np.asarray(queries) if not torch.is_tensor(queries) else queries)
    r = torch.as_tensor(np.asarray(reference) if not torch.is_tensor(reference) else reference)
    for name, x in (("queries", q), ("reference", r)):
        if x.dim() == 0 or len(x) == 0:
            raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); give at least one row")
    q, r = q.reshape(len(q), -1).to(dtype), r.reshape(len(r), -1).to(dtype)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} values each, reference {r.shape[1]}")
    for name, x in (("queries", q), ("reference", r)):
        if not torch.isfinite(x).all():
            bad = int((~torch.isfinite(x)).any(dim=1).sum())
            raise ValueError(f"{name} contain NaN or inf in {bad} of {len(x)} rows: distances to "
                             "them mean nothing")
    check_count(batch_size, "batch_size")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k must be a whole number, got {k!r}")
    limit = len(r) - 1 if exclude_self else len(r)
    if not 1 <= k <= limit:
        raise ValueError(f"k must be in 1..{limit} for {len(r)} reference items, got {k}")
    dists, idx = [], []
    for i in range(0, len(q), batch_size):
        d = torch.cdist(q[i:i + batch_size], r)
        if exclude_self:
            d[
                torch.arange(len(d), device=d.device), torch.arange(i, i + len(d), device=d.device)
            ] = float("inf")
        d_k, i_k = d.topk(k, dim=1, largest=False)
        dists.append(d_k)
        idx.append(i_k)
    return torch.cat(dists), torch.cat(idx)


def knn_radii(feats: Array, k: int = 3) -> np.ndarray:
    """Distance from each sample to its k-th nearest neighbour in the same set, itself excluded."""
    x = torch.from_numpy(as_features(feats))
    return nearest_neighbours(x, x, k, exclude_self=True)[0][:, -1].numpy()


def _coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    """Fraction of points inside at least one ball (centre, radius)."""
    inside = torch.cat([torch.cdist(points[i:i + 2048], centres) <= radii[None, :]
                        for i in range(0, len(points), 2048)])
    return float(inside.any(dim=1).double().mean())


def precision_recall(real_feats: Array, fake_feats: Array, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) → (precision, recall).

    Precision: the fraction of fakes inside the real manifold (the union of balls around each
    real sample with radius = distance to its k-th nearest real neighbour). Recall: the fraction
    of reals inside the fake manifold, built the same way from the fakes.
    """
    real, fake = feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
    r, f = torch.from_numpy(real), torch.from_numpy(fake)
    precision = _coverage(f, r, torch.from_numpy(knn_radii(real, k)))
    recall = _coverage(r, f, torch.from_numpy(knn_radii(fake, k)))
    _warn_precision_recall(len(real), len(fake), k)
    return precision, recall


def density_coverage(real_feats: Array, fake_feats: Array, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) → (density, coverage): precision and recall built on
    real balls only.

    Each real sample gets a ball of radius = distance to its k-th nearest real neighbour. Density:
    how many real balls hold each fake, averaged and divided by k (≈ 1 when fakes are distributed
    like the reals; above 1 where they crowd the dense parts). Coverage: the fraction of real balls
    that hold at least one fake. No ball is ever built around a fake, so an outlying fake cannot
    inflate either number.
    """
    real, fake = feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
    r, f = torch.from_numpy(real), torch.from_numpy(fake)
    radii = torch.from_numpy(knn_radii(real, k))
    inside = torch.cat([torch.cdist(f[i:i + 2048], r) <= radii[None, :]
                        for i in range(0, len(f), 2048)])
    return float(inside.sum(dtype=torch.float64) / (k * len(f))), float(
        inside.any(dim=0).double().mean()
    )


PR_MIN_PER_NEIGHBOUR = 20
"""precision_recall warns when a set has fewer than 20·k + 1 samples (k-th neighbour beyond its
nearest 5 %)."""


def _warn_precision_recall(n_real: int, n_fake: int, k: int) -> None:
    """Warn when each k-NN ball reaches across a large share of its set, so both numbers drift
    towards 1."""
    need, n = PR_MIN_PER_NEIGHBOUR * k + 1, min(n_real, n_fake)
    if n < need:
        warnings.warn(f"precision_recall: {n_real} real and {n_fake} fake samples are too few for "
                      f"k={k}: each ball reaches as far as the {k} nearest of only {n - 1} other "
                      "samples, so the balls cover most of the space between samples and precision "
                      "and recall drift towards 1 (and move "
                      f"in steps of 1/N). Use at least {need} samples per set (20·k + 1); "
                      "Kynkäänniemi et al. use 50,000.", stacklevel=3)


# ---------------------------------------------------------------- ranking

def ranking_auc(high: torch.Tensor, low: torch.Tensor) -> float:
    """P(a random score of ``high`` > a random one of ``low``), ties counted half: the area under
    the ROC curve (the Mann–Whitney U / (n₁·n₂)); 0.5 when the scores do not separate the sets."""
    from scipy.stats import mannwhitneyu

    if high.numel() == 0 or low.numel() == 0:
        raise ValueError("ranking_auc needs at least one score on each side")
    u = mannwhitneyu(high.double().flatten().numpy(), low.double().flatten().numpy()).statistic
    return float(u / (high.numel() * low.numel()))


# ---------------------------------------------------------------- Inception Score

def inception_score(probs: Array, splits: int = 10) -> tuple[float, float]:
    """Inception Score → (mean, std) over splits: exp(E_x KL(p(y|x) ‖ p(y))) from class
    probabilities."""
    p = as_features(probs, "probs")
    if (p < 0).any() or not np.allclose(p.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("probs must be class probabilities: non-negative rows summing to 1 "
                         "(apply softmax to the classifier's logits)")
    check_count(splits, "splits")
    if not 1 <= splits <= len(p):
        raise ValueError(f"splits must be in [1, {len(p)}], got {splits}")
    import scipy.stats  # here, not at the top: it takes a second to import, and only this needs it

    scores = [np.exp(scipy.stats.entropy(part, part.mean(axis=0, keepdims=True), axis=1).mean())
              for part in np.array_split(p, splits)]  # KL(p(y|x) ‖ p(y)) per image, averaged
    return float(np.mean(scores)), float(np.std(scores))
