"""Checks for notebook 05's exercises: the Fréchet distance of two Gaussians and KID's unbiased MMD²."""

from __future__ import annotations

import numpy as np
import torch

from ganlib.metrics import frechet_distance_from_stats, mmd2_unbiased, polynomial_kernel

from . import exercise, feedback, type_name

NOTEBOOK = "05_fid_evaluation.ipynb"


def _gaussians(d: int, seed: int):
    """Two random Gaussians (mean, covariance) in d dimensions with full-rank, non-commuting covariances."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    return rng.normal(size=d), a @ a.T / d + 0.1 * np.eye(d), rng.normal(size=d) + 0.5, b @ b.T / d + 0.2 * np.eye(d)


def _number(got, name: str, given) -> float:
    """The learner's result as a float, or a helpful AssertionError."""
    if torch.is_tensor(got) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        raise AssertionError(feedback(f"{name} must return one number", given=given, got=type_name(got),
                                      hint="reduce to a scalar (a trace, a sum); return a real float"))
    return float(got)


def _arrays(case, *keys):
    return [case[k].numpy().copy() for k in keys]


# ----------------------------------------------------------------------------- exercise 1

def _fd_cases(seed: int) -> list[dict]:
    out = []
    for d, s in ((1, seed), (3, seed + 1), (6, seed + 2)):
        mu1, s1, mu2, s2 = (torch.from_numpy(np.asarray(v, dtype=np.float64)) for v in _gaussians(d, s))
        out.append({"mu1": mu1, "s1": s1, "mu2": mu2, "s2": s2, "given": f"two Gaussians in {d}-D (seed {s})"})
    return out


def _fd_run(fn, case):
    return fn(*_arrays(case, "mu1", "s1", "mu2", "s2"))


def _fd_judge(case, got) -> None:
    mu1, s1, mu2, s2 = _arrays(case, "mu1", "s1", "mu2", "s2")
    given = case["given"]
    got = _number(got, "the Fréchet distance", given)
    want = frechet_distance_from_stats(mu1, s1, mu2, s2)
    if abs(got - want) <= 1e-6 * (1 + abs(want)):
        return
    diff = float((mu1 - mu2) @ (mu1 - mu2))
    cov = want - diff
    hint = "‖μ1 − μ2‖² + Tr(Σ1) + Tr(Σ2) − 2 Tr √(Σ1 Σ2), with the matrix square root of the product"
    if abs(got - cov) < 1e-6 * (1 + abs(cov)):
        hint = "the mean term ‖μ1 − μ2‖² is missing"
    elif abs(got - diff) < 1e-6 * (1 + abs(diff)):
        hint = "the covariance term Tr(Σ1 + Σ2 − 2√(Σ1Σ2)) is missing"
    elif abs(got - (diff + np.trace(s1) + np.trace(s2) - np.trace(np.sqrt(np.abs(s1 * s2))) * 2)) < 1e-6:
        hint = "√ of the element-wise product is not the matrix square root: use eigen-decompositions"
    elif abs(got - (diff + np.trace(s1 + s2 - 2 * s1 @ s2))) < 1e-6 * (1 + abs(want)):
        hint = "Tr(Σ1Σ2) needs a matrix square root: Tr √(Σ1Σ2)"
    elif abs(got - (diff + cov / 2 + (np.trace(s1) + np.trace(s2)) / 2)) < 1e-6 * (1 + abs(want)):
        hint = "the cross term carries a factor 2: −2 Tr √(Σ1Σ2)"
    elif abs(got - np.sqrt(max(want, 0))) < 1e-6 * (1 + abs(want)):
        hint = "FID is the *squared* Fréchet distance: do not take the square root at the end"
    raise AssertionError(feedback("wrong value", given=given, expected=round(want, 6), got=round(got, 6), hint=hint))


check_frechet_from_stats = exercise(
    "frechet_from_stats", notebook=NOTEBOOK, reference=frechet_distance_from_stats,
    title="The Fréchet distance between two Gaussians from their means and covariances",
    cases=_fd_cases, run=_fd_run, judge=_fd_judge)


# ----------------------------------------------------------------------------- exercise 2

def _mmd_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    pairs = [(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)) + 0.7),
             (rng.normal(size=(40, 8)), rng.normal(size=(40, 8)) * 1.5)]
    out = [{"x": torch.from_numpy(x), "y": torch.from_numpy(y), "given": f"x, y of shape {x.shape}"} for x, y in pairs]
    return out + [{"x": torch.from_numpy(pairs[1][0]), "y": torch.from_numpy(pairs[1][0].copy()), "given": "x, x"}]


def _mmd_run(fn, case):
    return fn(*_arrays(case, "x", "y"))


def _mmd_judge(case, got) -> None:
    x, y = _arrays(case, "x", "y")
    given = case["given"]
    got = _number(got, "MMD²", given)
    want = mmd2_unbiased(x, y)
    if abs(got - want) <= 1e-6 * (1 + abs(want)):
        return
    m = len(x)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    biased = kxx.mean() + kyy.mean() - 2 * kxy.mean()
    hint = "mean of k(x,x') over pairs i≠j, plus the same for y, minus 2 × the mean of k(x, y) over all pairs"
    if abs(got - biased) < 1e-6 * (1 + abs(biased)):
        hint = "the diagonal k(x_i, x_i) is included: leave it out and divide by m(m − 1) (unbiased)"
    elif abs(got + want) < 1e-6 * (1 + abs(want)):
        hint = "the sign is flipped: the cross term k(x, y) is subtracted"
    else:
        k1, k2, k3 = ((u @ v.T + 1) ** 3 for u, v in ((x, x), (y, y), (x, y)))
        alt = (k1.sum() - np.trace(k1) + k2.sum() - np.trace(k2)) / (m * (m - 1)) - 2 * k3.mean()
        if abs(got - alt) < 1e-6 * (1 + abs(alt)):
            hint = "the kernel divides by the dimension: k(x, y) = (xᵀy / d + 1)³"
    raise AssertionError(feedback("wrong value", given=given, expected=round(want, 6), got=round(got, 6), hint=hint))


check_mmd2_unbiased = exercise("mmd2_unbiased", notebook=NOTEBOOK, reference=mmd2_unbiased,
                               title="KID's unbiased MMD² with the cubic polynomial kernel",
                               cases=_mmd_cases, run=_mmd_run, judge=_mmd_judge)
