"""Checks for notebook 01's exercises: the optimal detective D*(x) and the Jensen–Shannon divergence."""

from __future__ import annotations

import math

import numpy as np

from ganlib.data import Mixture1D, gaussian_1d
from ganlib.game.theory import grid, jsd, kl, optimal_detective

from . import exercise, feedback

_XS = grid(-10.0, 10.0, 2001)
_PAIRS = ((gaussian_1d(0, 1), gaussian_1d(1, 1)),
          (Mixture1D((-2.0, 2.0), (0.5, 0.5)), gaussian_1d(0.5, 1.5)),
          (gaussian_1d(-1, 0.5), gaussian_1d(3, 0.5)))


def _array(value, name: str, given, shape) -> np.ndarray:
    """The learner's result as a float array of the right shape, or a helpful AssertionError."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(feedback(f"{name} must return numbers", given=given,
                                      got=type(value).__name__)) from None
    if arr.shape != shape:
        raise AssertionError(feedback(f"{name} must return one value per x", given=given,
                                      expected=f"shape {shape}", got=f"shape {arr.shape}",
                                      hint="work elementwise on the arrays; do not sum or average"))
    return arr


@exercise("optimal_detective", notebook="01_forger_vs_detective.ipynb", reference=optimal_detective,
          title="The optimal detective D*(x) = p_data / (p_data + p_g)")
def check_optimal_detective(fn):
    for i, (data, forger) in enumerate(_PAIRS):
        xs = _XS[::10]
        p, q = data.pdf(xs), forger.pdf(xs)
        given = f"p_data = {data}, p_g = {forger} on {len(xs)} points in [-10, 10]"
        got = _array(fn(p.copy(), q.copy()), "optimal_detective", given, p.shape)
        want = optimal_detective(p, q)
        ok = np.isfinite(got) & (np.abs(got - want) <= 1e-6)
        if not ok.all():
            j = int(np.argmin(ok))
            hint = "D*(x) = p_data(x) / (p_data(x) + p_g(x)): the share of the density that is real"
            if np.allclose(got, 1 - want, atol=1e-6):
                hint = "you returned p_g/(p_data+p_g), the chance the x is fake; D* is the chance it is real"
            elif np.isfinite(got).all() and np.ptp(got) < 1e-9:
                hint = "D* is not constant: it depends on x through both densities"
            elif np.allclose(got, p / np.maximum(q, 1e-300), rtol=1e-6):
                hint = "p_data / p_g is the density ratio; divide by the sum p_data + p_g instead"
            raise AssertionError(feedback(f"wrong D*(x) at x = {xs[j]:.2f}", given=given,
                                          expected=round(float(want[j]), 6), got=got[j], hint=hint))
    zero = np.zeros(3)
    got = _array(fn(zero.copy(), zero.copy()), "optimal_detective", "p_data = p_g = 0", (3,))
    if not np.allclose(got, 0.5):
        raise AssertionError(feedback("where both densities are 0 the detective cannot tell: D* should be ½",
                                      given="p_data = p_g = [0, 0, 0]", expected=[0.5, 0.5, 0.5], got=got,
                                      hint="0/0 is nan: use np.where(p + q > 0, p / (p + q), 0.5)"))


@exercise("jsd", notebook="01_forger_vs_detective.ipynb", reference=jsd,
          title="The Jensen–Shannon divergence on a grid")
def check_jsd(fn):
    for data, forger in _PAIRS:
        p, q = data.pdf(_XS), forger.pdf(_XS)
        given = f"p = {data}, q = {forger}, xs = grid(-10, 10, 2001)"
        got = fn(p.copy(), q.copy(), _XS.copy())
        try:
            got = float(got)
        except (TypeError, ValueError):
            raise AssertionError(feedback("jsd must return one number", given=given,
                                          got=f"{type(got).__name__} of shape {np.shape(got)}",
                                          hint="integrate over x (integrate or np.trapezoid)")) from None
        want = jsd(p, q, _XS)
        if not (math.isfinite(got) and abs(got - want) <= 1e-4):
            m = (p + q) / 2
            hint = "JSD = ½ KL(p ‖ m) + ½ KL(q ‖ m) with m = (p + q) / 2, each KL integrated over xs"
            if abs(got - 2 * want) <= 1e-4:
                hint = "you forgot the ½ in front of each KL term"
            elif abs(got + want) <= 1e-4:
                hint = "the sign is flipped: KL(p ‖ m) = ∫ p log(p / m), not log(m / p)"
            elif abs(got - 0.5 * (kl(p, q, _XS) + kl(q, p, _XS))) <= 1e-4:
                hint = "compare each density with the mixture m = (p + q)/2, not with each other"
            elif abs(got - want / (_XS[1] - _XS[0])) <= 1e-2 * (1 + abs(want) / (_XS[1] - _XS[0])):
                hint = "a sum over the grid is not an integral: multiply by dx (or use integrate)"
            elif not math.isfinite(got):
                hint = "0·log 0 must count as 0: skip points where p (or q) is 0"
            raise AssertionError(feedback("wrong JSD", given=given, expected=round(want, 6), got=got, hint=hint))
    same = fn(_XS * 0 + 1 / 20, _XS * 0 + 1 / 20, _XS.copy())
    if abs(float(same)) > 1e-9:
        raise AssertionError(feedback("JSD of a density with itself must be 0", given="p = q = uniform on [-10, 10]",
                                      expected=0.0, got=same))
