"""The game in 1-D, on paper and in numbers: the optimal detective D*(x), the value V(D, G), KL and
JSD.

Everything is computed on a grid of x values by numerical integration (trapezoid rule), so the
identity V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g) can be checked with numbers, not only on paper.
``optimal_detective`` and ``jsd`` are notebook 01's exercises: written out as the notebook
teaches them (a test keeps both copies equal); the rest uses SciPy's ``xlogy`` / ``rel_entr``,
which count 0·log 0 as 0.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import rel_entr, xlogy

from ganlib.data import gaussian_1d

LOG4 = math.log(4.0)


def grid(lo: float = -8.0, hi: float = 8.0, n: int = 4001) -> np.ndarray:
    """Evenly spaced x values to integrate on (wide enough to hold the course's 1-D densities)."""
    if not hi > lo or n < 2:
        raise ValueError(f"need hi > lo and n >= 2, got lo={lo}, hi={hi}, n={n}")
    return np.linspace(lo, hi, n)


def grid_for(*dists, n: int = 4001, reach: float = 8.0) -> np.ndarray:
    """A grid that holds every component of these 1-D mixtures out to ``reach`` standard deviations.

    Integrals on it miss less than 1e-15 of any density's mass, wherever the forger has wandered
    (a fixed [-8, 8] would cut a forger at -8 in half and understate its JSD).
    """
    if not dists:
        raise ValueError("grid_for needs at least one distribution (a Mixture1D)")
    lo = min(m - reach * s for d in dists for m, s in zip(d.means, d.stds))
    hi = max(m + reach * s for d in dists for m, s in zip(d.means, d.stds))
    return grid(float(lo), float(hi), n)


def integrate(values, xs) -> float:
    """∫ values dx over the grid xs (trapezoid rule)."""
    return float(np.trapezoid(np.asarray(values, dtype=np.float64),
                              np.asarray(xs, dtype=np.float64)))


def optimal_detective(p_data, p_g):
    """D*(x) = p_data / (p_data + p_g), and 1/2 where both densities are 0."""
    total = p_data + p_g
    return np.where(total > 0, p_data / np.where(total > 0, total, 1.0), 0.5)


def gan_value(d, p_data, p_g, xs) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 − D) dx: what the detective maximises and the forger
    minimises.

    D and 1 − D are floored at the smallest float, so a D that rounds to exactly 1 gives a huge
    negative term rather than −inf.
    """
    d = np.asarray(d, dtype=np.float64)
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    tiny = np.finfo(np.float64).tiny
    return integrate(xlogy(p, np.maximum(d, tiny)) + xlogy(q, np.maximum(1.0 - d, tiny)), xs)


def kl(p, q, xs) -> float:
    """KL(p ‖ q) = ∫ p log(p/q) dx (infinite when p has mass where q has none)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.shape != np.shape(xs):
        raise ValueError(f"p, q and xs must have the same shape, got {p.shape}, {q.shape}, "
                         f"{np.shape(xs)}")
    if not (np.isfinite(p).all() and np.isfinite(q).all()) or (p < 0).any() or (q < 0).any():
        # rel_entr gives inf for p < 0
        raise ValueError("p and q must be densities: finite and ≥ 0 on the grid")
    terms = rel_entr(p, q)
    return math.inf if np.isinf(terms).any() else integrate(terms, xs)


def jsd(p, q, xs):
    """JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, in nats, integrated over
    xs."""
    # m = total / 2, so p / m = 2p / total (halving a tiny density could round it to 0)
    total = p + q
    # 0·log 0 counts as 0
    kl_p = p * np.log(np.divide(2 * p, total, out=np.ones_like(p), where=p > 0))
    kl_q = q * np.log(np.divide(2 * q, total, out=np.ones_like(q), where=q > 0))
    return 0.5 * integrate(kl_p, xs) + 0.5 * integrate(kl_q, xs)


def value_at_optimum(p_data, p_g, xs) -> float:
    """V(D*, G): the value the forger faces when the detective is perfect (= −log 4 + 2·JSD).

    Written with 1 − D* = p_g / (p_data + p_g), which keeps full precision where D* is close to 1.
    """
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = np.where(p + q > 0, p + q, 1.0)
    return integrate(xlogy(p, p / total) + xlogy(q, q / total), xs)


def jsd_vs_shift(data, means, std: float = 1.0, xs=None) -> np.ndarray:
    """JSD between the data and a Gaussian forger N(mean, std²) for each mean: the forger's
    landscape."""
    xs = grid(-30.0, 30.0, 12001) if xs is None else xs
    p = data.pdf(xs)
    return np.array([jsd(p, gaussian_1d(m, std).pdf(xs), xs)
                     for m in np.asarray(means, dtype=float)])
