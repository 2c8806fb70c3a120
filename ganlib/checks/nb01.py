"""Checks for notebook 01's exercises: the optimal detective D*(x) and the Jensen–Shannon divergence."""

from __future__ import annotations

import math

import numpy as np
import torch

from ganlib.data import Mixture1D, gaussian_1d
from ganlib.game.theory import grid, jsd, kl, optimal_detective

from . import exercise, feedback, type_name

_XS = grid(-10.0, 10.0, 2001)
_PAIRS = ((gaussian_1d(0, 1), gaussian_1d(1, 1)),
          (Mixture1D((-2.0, 2.0), (0.5, 0.5)), gaussian_1d(0.5, 1.5)),
          (gaussian_1d(-1, 0.5), gaussian_1d(3, 0.5)))


def _array(got, name: str, given, shape) -> np.ndarray:
    """The learner's result as a float array of the right shape, or a helpful AssertionError."""
    if isinstance(got, dict) or isinstance(got, str):
        raise AssertionError(feedback(f"{name} must return numbers", given=given, got=type_name(got)))
    arr = np.asarray(got.numpy() if torch.is_tensor(got) else got, dtype=np.float64)
    if arr.shape != shape:
        raise AssertionError(feedback(f"{name} must return one value per x", given=given,
                                      expected=f"shape {shape}", got=f"shape {arr.shape}",
                                      hint="work elementwise on the arrays; do not sum or average"))
    return arr


# ----------------------------------------------------------------------------- exercise 1: D*(x)

def _detective_cases(seed: int) -> list[dict]:
    xs = _XS[::10]
    out = [{"p": torch.from_numpy(d.pdf(xs)), "q": torch.from_numpy(f.pdf(xs)),
            "given": f"p_data = {d}, p_g = {f} on {len(xs)} points in [-10, 10]"} for d, f in _PAIRS]
    return out + [{"p": torch.zeros(3, dtype=torch.float64), "q": torch.zeros(3, dtype=torch.float64),
                   "given": "p_data = p_g = [0, 0, 0]"}]


def _detective_run(fn, case):
    return fn(case["p"].numpy().copy(), case["q"].numpy().copy())


def _detective_judge(case, got) -> None:
    p, q = case["p"].numpy(), case["q"].numpy()
    got = _array(got, "optimal_detective", case["given"], p.shape)
    want = optimal_detective(p, q)
    if not p.any() and not q.any():
        if not np.allclose(got, 0.5):
            raise AssertionError(feedback("where both densities are 0 the detective cannot tell: D* should be ½",
                                          given=case["given"], expected=[0.5, 0.5, 0.5], got=got,
                                          hint="0/0 is nan: use np.where(p + q > 0, p / (p + q), 0.5)"))
        return
    ok = np.isfinite(got) & (np.abs(got - want) <= 1e-6)
    if ok.all():
        return
    j = int(np.argmin(ok))
    xs = _XS[::10]
    hint = "D*(x) = p_data(x) / (p_data(x) + p_g(x)): the share of the density that is real"
    if np.allclose(got, 1 - want, atol=1e-6):
        hint = "you returned p_g/(p_data+p_g), the chance the x is fake; D* is the chance it is real"
    elif np.isfinite(got).all() and np.ptp(got) < 1e-9:
        hint = "D* is not constant: it depends on x through both densities"
    elif np.allclose(got, p / np.maximum(q, 1e-300), rtol=1e-6):
        hint = "p_data / p_g is the density ratio; divide by the sum p_data + p_g instead"
    raise AssertionError(feedback(f"wrong D*(x) at x = {xs[j]:.2f}", given=case["given"],
                                  expected=round(float(want[j]), 6), got=got[j], hint=hint))


check_optimal_detective = exercise(
    "optimal_detective", notebook="01_forger_vs_detective.ipynb", reference=optimal_detective,
    title="The optimal detective D*(x) = p_data / (p_data + p_g)",
    cases=_detective_cases, run=_detective_run, judge=_detective_judge)


# ----------------------------------------------------------------------------- exercise 2: JSD

def _jsd_cases(seed: int) -> list[dict]:
    out = [{"p": torch.from_numpy(d.pdf(_XS)), "q": torch.from_numpy(f.pdf(_XS)),
            "given": f"p = {d}, q = {f}, xs = grid(-10, 10, 2001)"} for d, f in _PAIRS]
    uniform = torch.full((len(_XS),), 1 / 20, dtype=torch.float64)
    return out + [{"p": uniform, "q": uniform.clone(), "given": "p = q = uniform on [-10, 10]", "same": True}]


def _jsd_run(fn, case):
    return fn(case["p"].numpy().copy(), case["q"].numpy().copy(), _XS.copy())


def _jsd_judge(case, got) -> None:
    p, q, given = case["p"].numpy(), case["q"].numpy(), case["given"]
    try:
        got = float(got.item() if torch.is_tensor(got) and got.numel() == 1 else got)
    except (TypeError, ValueError, RuntimeError):
        raise AssertionError(feedback("jsd must return one number", given=given, got=type_name(got),
                                      hint="integrate over x (integrate or np.trapezoid)")) from None
    if case.get("same"):
        if abs(got) > 1e-9:
            raise AssertionError(feedback("JSD of a density with itself must be 0", given=given,
                                          expected=0.0, got=got))
        return
    want = jsd(p, q, _XS)
    if math.isfinite(got) and abs(got - want) <= 1e-4:
        return
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


check_jsd = exercise("jsd", notebook="01_forger_vs_detective.ipynb", reference=jsd,
                     title="The Jensen–Shannon divergence on a grid",
                     cases=_jsd_cases, run=_jsd_run, judge=_jsd_judge)
