"""Checks for notebook 05's exercises: the Fréchet distance of two Gaussians and KID's unbiased MMD²."""

from __future__ import annotations

import numpy as np

from ganlib.metrics import frechet_distance_from_stats, mmd2_unbiased, polynomial_kernel

from . import exercise, feedback


def _gaussians(d: int, seed: int):
    """Two random Gaussians (mean, covariance) in d dimensions with full-rank, non-commuting covariances."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    return rng.normal(size=d), a @ a.T / d + 0.1 * np.eye(d), rng.normal(size=d) + 0.5, b @ b.T / d + 0.2 * np.eye(d)


def _number(value, name: str, given) -> float:
    """The learner's result as a float, or a helpful AssertionError."""
    try:
        out = float(np.real_if_close(np.asarray(value)).item())
    except Exception:
        raise AssertionError(feedback(f"{name} must return one number", given=given,
                                      got=f"{type(value).__name__} {getattr(value, 'shape', '')}",
                                      hint="reduce to a scalar (a trace, a sum)")) from None
    return out


@exercise("frechet_from_stats", notebook="05_fid_evaluation.ipynb", reference=frechet_distance_from_stats,
          title="The Fréchet distance between two Gaussians from their means and covariances")
def check_frechet_from_stats(fn):
    for d, seed in ((1, 0), (3, 1), (6, 2)):
        mu1, s1, mu2, s2 = _gaussians(d, seed)
        given = f"two Gaussians in {d}-D (seed {seed})"
        got = _number(fn(mu1, s1, mu2, s2), "the Fréchet distance", given)
        want = frechet_distance_from_stats(mu1, s1, mu2, s2)
        if abs(got - want) <= 1e-6 * (1 + abs(want)):
            continue
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
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 6),
                                      got=round(got, 6), hint=hint))


@exercise("mmd2_unbiased", notebook="05_fid_evaluation.ipynb", reference=mmd2_unbiased,
          title="KID's unbiased MMD² with the cubic polynomial kernel")
def check_mmd2_unbiased(fn):
    rng = np.random.default_rng(0)
    cases = [(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)) + 0.7),
             (rng.normal(size=(40, 8)), rng.normal(size=(40, 8)) * 1.5)]
    for x, y in cases:
        given = f"x, y of shape {x.shape}"
        got = _number(fn(x.copy(), y.copy()), "MMD²", given)
        want = mmd2_unbiased(x, y)
        if abs(got - want) <= 1e-6 * (1 + abs(want)):
            continue
        m = len(x)
        kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
        biased = kxx.mean() + kyy.mean() - 2 * kxy.mean()
        hint = "mean of k(x,x') over pairs i≠j, plus the same for y, minus 2 × the mean of k(x, y) over all pairs"
        if abs(got - biased) < 1e-6 * (1 + abs(biased)):
            hint = "the diagonal k(x_i, x_i) is included: leave it out and divide by m(m − 1) (unbiased)"
        elif abs(got + want) < 1e-6 * (1 + abs(want)):
            hint = "the sign is flipped: the cross term k(x, y) is subtracted"
        else:
            nodiv = lambda u, v: (u @ v.T + 1) ** 3  # noqa: E731
            k1, k2, k3 = nodiv(x, x), nodiv(y, y), nodiv(x, y)
            alt = (k1.sum() - np.trace(k1) + k2.sum() - np.trace(k2)) / (m * (m - 1)) - 2 * k3.mean()
            if abs(got - alt) < 1e-6 * (1 + abs(alt)):
                hint = "the kernel divides by the dimension: k(x, y) = (xᵀy / d + 1)³"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 6),
                                      got=round(got, 6), hint=hint))
    x = cases[1][0]
    same = _number(fn(x, x.copy()), "MMD²", "x against itself")
    if abs(same - mmd2_unbiased(x, x)) > 1e-6 * (1 + abs(same)):
        raise AssertionError(feedback("wrong value for a set against itself", given="x, x",
                                      expected=round(mmd2_unbiased(x, x), 6), got=same))
