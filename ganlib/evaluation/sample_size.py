"""FID's bias with sample size, measured with its noise: several random subsets per N, then FID∞.

``metrics.fid_infinity`` draws one subset per N, so its line is fitted to noise as much as to bias.
Here each N gets ``repeats`` subsets: the mean of FID_N shows the bias (it falls as N grows), the
spread shows the variance (it also falls), and the weighted fit in 1/N (Chong & Forsyth 2020)
gives FID∞ with a standard error.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ganlib.metrics import feature_stats, frechet_distance_from_stats
from ganlib.validate import feature_pair


class FIDCurve(NamedTuple):
    """FID_N per sample size (mean, standard deviation and standard error over subsets) and the FID∞
    fit."""

    ns: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    se: np.ndarray
    value: float      # FID∞: the fit's intercept at 1/N = 0
    value_se: float   # its standard error
    slope: float


def fid_curve(real_feats, fake_feats, ns, repeats: int = 10, seed: int = 0) -> FIDCurve:
    """FID_N over ``repeats`` random subsets of N fakes (without replacement) for each N, and FID∞
    with its SE.

    The real statistics use all real features. The line FID_N = FID∞ + slope / N is fitted by
    least squares weighted by 1 / SE², so the noisy small-N points count less.
    """
    real, fake = feature_pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
    n, d = fake.shape
    ns = np.asarray(sorted({int(v) for v in ns}))
    if len(ns) < 2 or ns[0] < d + 1 or ns[-1] > n:
        raise ValueError(f"ns: give at least two sample sizes in [{d + 1}, {n}] (d + 1 to the "
                         "number of fakes), "
                         f"got {ns.tolist()}")
    if repeats < 2:
        raise ValueError(f"repeats must be ≥ 2 to measure the spread of FID_N, got {repeats}")
    mu_r, s_r = feature_stats(real, "real_feats")
    rng = np.random.default_rng(seed)
    fids = np.array(
        [
            [
                frechet_distance_from_stats(
                    mu_r, s_r, *feature_stats(fake[rng.choice(n, k, replace=False)])
                )
                for _ in range(repeats)
            ]
            for k in ns
        ]
    )
    mean, sd = fids.mean(axis=1), fids.std(axis=1, ddof=1)
    se = sd / np.sqrt(repeats)
    w = 1.0 / np.maximum(se, 1e-12) ** 2
    X = np.stack([np.ones(len(ns)), 1.0 / ns], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    intercept, slope = cov @ X.T @ (w * mean)
    return FIDCurve(ns, mean, sd, se, float(intercept), float(np.sqrt(cov[0, 0])), float(slope))
