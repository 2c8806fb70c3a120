"""The detective's side of the game in 1-D: the optimal D*(x), the value V(D, G), KL and JSD.

Everything is computed on a grid of x values by numerical integration (trapezoid rule), so the
identity V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g) can be checked with numbers, not only on paper.
"""

from __future__ import annotations

import math

import numpy as np

LOG4 = math.log(4.0)


def grid(lo: float = -8.0, hi: float = 8.0, n: int = 4001) -> np.ndarray:
    """Evenly spaced x values to integrate on (wide enough to hold the course's 1-D densities)."""
    if not hi > lo or n < 2:
        raise ValueError(f"need hi > lo and n >= 2, got lo={lo}, hi={hi}, n={n}")
    return np.linspace(lo, hi, n)


def integrate(values, xs) -> float:
    """∫ values dx over the grid xs (trapezoid rule)."""
    v, x = np.asarray(values, dtype=np.float64), np.asarray(xs, dtype=np.float64)
    return float(np.sum((v[1:] + v[:-1]) * np.diff(x)) / 2)


def optimal_detective(p_data, p_g) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g): the best detective for a fixed forger (½ where both are 0)."""
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = p + q
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, p / np.where(total > 0, total, 1.0), 0.5)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·log y with 0·log 0 = 0 (a term whose weight is zero contributes nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def gan_value(d, p_data, p_g, xs) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 − D) dx: what the detective maximises and the forger minimises.

    D and 1 − D are floored at the smallest float, so a D that rounds to exactly 1 gives a huge
    negative term rather than −inf.
    """
    d = np.asarray(d, dtype=np.float64)
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    tiny = np.finfo(np.float64).tiny
    return integrate(_xlogy(p, np.maximum(d, tiny)) + _xlogy(q, np.maximum(1.0 - d, tiny)), xs)


def kl(p, q, xs) -> float:
    """KL(p ‖ q) = ∫ p log(p/q) dx (infinite when p has mass where q has none)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if np.any((p > 0) & (q <= 0)):
        return math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0) / np.where(q > 0, q, 1.0)), 0.0)
    return integrate(terms, xs)


def jsd(p, q, xs) -> float:
    """Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2: symmetric, between 0 and log 2."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    total = np.where(p + q > 0, p + q, 1.0)  # p/m = 2p/(p+q): no underflow of m = (p+q)/2
    return 0.5 * integrate(_xlogy(p, 2 * p / total) + _xlogy(q, 2 * q / total), xs)


def value_at_optimum(p_data, p_g, xs) -> float:
    """V(D*, G): the value the forger faces when the detective is perfect (= −log 4 + 2·JSD).

    Written with 1 − D* = p_g / (p_data + p_g), which keeps full precision where D* is close to 1.
    """
    p, q = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    total = np.where(p + q > 0, p + q, 1.0)
    return integrate(_xlogy(p, p / total) + _xlogy(q, q / total), xs)


def jsd_vs_shift(data, means, std: float = 1.0, xs=None) -> np.ndarray:
    """JSD between the data and a Gaussian forger N(mean, std²) for each mean: the forger's landscape."""
    from ganlib.data import gaussian_1d

    xs = grid(-30.0, 30.0, 12001) if xs is None else xs
    p = data.pdf(xs)
    return np.array([jsd(p, gaussian_1d(m, std).pdf(xs), xs) for m in np.asarray(means, dtype=float)])
