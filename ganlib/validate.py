"""Every input check of the course in one place, with errors that name the input and what was
expected.

After scikit-learn's ``utils/validation.py``: a public function that takes images, features,
labels, a budget or a name checks it here first, so the same mistake gets the same message
everywhere.
"""

from __future__ import annotations

import numpy as np
import torch

IMAGE_SHAPE = (1, 28, 28)


def check_count(value, name: str, minimum: int = 1) -> int:
    """A whole number ≥ ``minimum`` (a budget: steps, samples, batch size)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        what = "a positive whole number" if minimum == 1 else f"a whole number ≥ {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def check_number(value, name: str, low: float | None = None, high: float | None = None) -> float:
    """A finite real number within [low, high] (either bound optional), or a ValueError naming
    it."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not np.isfinite(value)
    ):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"≥ {low}" if high is None else f"≤ {high}" if low is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {span}, got {value!r}")
    return float(value)


def check_fraction(value, name: str) -> float:
    """A number strictly between 0 and 1 (a quantile, a share)."""
    v = check_number(value, name)
    if not 0 < v < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return v


def check_images(
    images, name: str = "images", shape: tuple[int, ...] = IMAGE_SHAPE
) -> torch.Tensor:
    """Images as a float N × C × H × W tensor in [−1, 1]; a clear error otherwise."""
    if not torch.is_tensor(images):
        images = torch.as_tensor(np.asarray(images))
    if images.dim() != 4 or tuple(images.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must have shape N×{'×'.join(map(str, shape))}, got "
                         f"{tuple(images.shape)}")
    if len(images) == 0:
        raise ValueError(f"{name} is empty (shape {tuple(images.shape)})")
    images = images.float()
    if not torch.isfinite(images).all():
        raise ValueError(f"{name} contain NaN or inf")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1 - 1e-4 or hi > 1 + 1e-4:
        raise ValueError(f"{name} must lie in [-1, 1] (the generator's tanh range), got [{lo:.3g}, "
                         f"{hi:.3g}]; "
                         "rescale images in [0, 1] with x * 2 - 1")
    return images


def check_labels(
    labels, n: int | None = None, n_classes: int | None = None, name: str = "labels"
) -> torch.Tensor:
    """Class labels as a 1-D int64 tensor: one per item (``n``), each in 0..n_classes−1."""
    t = labels if torch.is_tensor(labels) else torch.as_tensor(np.asarray(labels))
    if t.dim() != 1:
        raise ValueError(f"{name} must be a 1-D sequence of class numbers, got shape "
                         f"{tuple(t.shape)}")
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        if not (t.is_floating_point() and torch.equal(t, t.round())):
            raise ValueError(f"{name} must be whole class numbers, got dtype {t.dtype}")
    t = t.long()
    if n is not None and len(t) != n:
        raise ValueError(f"{name}: {len(t)} labels for {n} items; give exactly one per item")
    if n_classes is not None and len(t) and (int(t.min()) < 0 or int(t.max()) >= n_classes):
        raise ValueError(f"{name} must lie in 0..{n_classes - 1}, got values from {int(t.min())} "
                         f"to {int(t.max())}")
    return t


def as_features(feats, name: str = "features") -> np.ndarray:
    """Features as a float64 N × d NumPy array; a clear error for a wrong shape or NaN / inf."""
    if torch.is_tensor(feats):
        feats = feats.detach().cpu().double().numpy()
    arr = np.asarray(feats, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of N samples × d features, got shape "
                         f"{arr.shape}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise ValueError(f"{name} contain NaN or inf in {bad} of {arr.shape[0]} samples; "
                         "check the generator's output and the feature extractor")
    return arr


def feature_pair(
    feats_a, feats_b, names: tuple[str, str] = ("feats_a", "feats_b")
) -> tuple[np.ndarray, np.ndarray]:
    """Two feature arrays with the same number of dimensions."""
    a, b = as_features(feats_a, names[0]), as_features(feats_b, names[1])
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{names[0]} have {a.shape[1]} dimensions but {names[1]} have "
                         f"{b.shape[1]}: "
                         "compare features from the same extractor")
    return a, b


def check_gaussians(mu1, sigma1, mu2, sigma2) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                       np.ndarray]:
    """Two Gaussians' means (d) and covariances (d × d) as float64 arrays of matching shapes,
    finite."""
    mu1, mu2 = (np.atleast_1d(np.asarray(m, dtype=np.float64)) for m in (mu1, mu2))
    s1, s2 = (np.atleast_2d(np.asarray(s, dtype=np.float64)) for s in (sigma1, sigma2))
    if (
        mu1.shape != mu2.shape
        or mu1.ndim != 1
        or s1.shape != s2.shape
        or s1.shape != (mu1.size, mu1.size)
    ):
        raise ValueError(f"mismatched shapes: mu1 {mu1.shape}, mu2 {mu2.shape}, "
                         f"sigma1 {s1.shape}, sigma2 {s2.shape}; expected d, d, d×d, d×d")
    for name, v in (("mu1", mu1), ("mu2", mu2), ("sigma1", s1), ("sigma2", s2)):
        if not np.isfinite(v).all():
            raise ValueError(f"{name} contains NaN or inf")
    check_covariance(s1, "sigma1")
    check_covariance(s2, "sigma2")
    return mu1, s1, mu2, s2


def check_covariance(sigma: np.ndarray, name: str = "sigma", rtol: float = 1e-6) -> np.ndarray:
    """A covariance matrix: square, symmetric and positive semi-definite (up to rounding), or a
    ValueError.

    Anything else (a negative variance, a transposed product, a precision matrix with signs
    flipped) has no Gaussian behind it, and the Fréchet formula would return a number anyway.
    A Cholesky factorisation of Σ + εI is the cheap test; eigenvalues are computed only for the
    message.
    """
    s = np.asarray(sigma, dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise ValueError(f"{name} must be a square d×d covariance matrix, got shape {s.shape}")
    scale = float(np.abs(s).max()) if s.size else 0.0
    asym = float(np.abs(s - s.T).max()) if s.size else 0.0
    if asym > rtol * max(scale, 1e-300):
        raise ValueError(f"{name} is not symmetric (largest |Σ − Σᵀ| = {asym:.3g}, largest |Σ| = "
                         f"{scale:.3g}), "
                         "so it is not a covariance matrix; pass np.cov(features, rowvar=False) "
                         "(ganlib.metrics.feature_stats)")
    eps = rtol * max(scale, 1e-300)
    try:
        np.linalg.cholesky(s + eps * np.eye(len(s)))
    except np.linalg.LinAlgError:
        low = float(np.linalg.eigvalsh((s + s.T) / 2).min())
        raise ValueError(f"{name} is not positive semi-definite (smallest eigenvalue {low:.3g}): a "
                         "covariance matrix has no negative variances in any direction; pass "
                         "np.cov(features, rowvar=False) (ganlib.metrics.feature_stats)") from None
    return s


def check_image_array(images, name: str, shape: tuple[int, int] = IMAGE_SHAPE[1:]) -> np.ndarray:
    """Raw stored images: a non-empty uint8 array N × H × W (pixel values 0..255), or a ValueError.

    What a data file or cache holds before it becomes float images in [−1, 1]; a float array
    (already scaled), a flat N × 784 array or another picture size is refused, never guessed.
    """
    arr = np.asarray(images)
    if arr.ndim != 3 or tuple(arr.shape[1:]) != tuple(shape):
        raise ValueError(f"{name} must hold images of shape N×{'×'.join(map(str, shape))}, got "
                         f"{arr.shape}")
    if len(arr) == 0:
        raise ValueError(f"{name} holds no images (shape {arr.shape})")
    if arr.dtype != np.uint8:
        raise ValueError(f"{name} must hold uint8 pixel values 0..255, got dtype {arr.dtype}")
    return arr


def first_non_finite(data, name: str = "data") -> str | None:
    """Where ``data`` (a tensor or array) first holds NaN or inf, in words; None when every value is
    finite."""
    t = data if torch.is_tensor(data) else torch.as_tensor(np.asarray(data))
    if not (t.is_floating_point() or t.is_complex()):
        return None
    bad = ~torch.isfinite(t)
    if not bool(bad.any()):
        return None
    if t.dim() == 0:
        return f"{name} is {t.item()}"
    rows = bad.reshape(len(t), -1).any(dim=1).nonzero()[:, 0]
    i = int(rows[0])
    kinds = " and ".join(
        k for k, found in (("NaN", torch.isnan(t).any()), ("inf", torch.isinf(t).any())) if found
    )
    return (f"{name} holds {kinds} in {len(rows)} of {len(t)} samples "
            f"(first: sample {i}, {int(bad[i].sum())} of its {t[i].numel()} values)")
