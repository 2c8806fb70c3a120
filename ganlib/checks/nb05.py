"""Checks for notebook 05's exercises: the Fréchet distance of two Gaussians, KID's unbiased MMD²,
truncated noise."""

from __future__ import annotations

import numpy as np
import torch

from ganlib.evaluation.truncation import truncated_noise
from ganlib.metrics import frechet_distance_from_stats, mmd2_unbiased, polynomial_kernel

from . import exercise, feedback, type_name

NOTEBOOK = "05_fid_evaluation.ipynb"


def _gaussians(d: int, seed: int):
    """Two random Gaussians (mean, covariance) in d dimensions with full-rank, non-commuting
    covariances."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    return (
        rng.normal(size=d),
        a @ a.T / d + 0.1 * np.eye(d),
        rng.normal(size=d) + 0.5,
        b @ b.T / d + 0.2 * np.eye(d),
    )


def _number(got, name: str, given) -> float:
    """The learner's result as a float, or a helpful AssertionError."""
    if torch.is_tensor(got) and got.numel() == 1:
        got = got.item()
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        raise AssertionError(feedback(f"{name} must return one number", given=given,
                                      got=type_name(got), hint="reduce to a scalar (a trace, a "
                                                               "sum); return a real float"))
    return float(got)


def _arrays(case, *keys):
    return [case[k].numpy().copy() for k in keys]


# ----------------------------------------------------------------------------- exercise 1

def _fd_cases(seed: int) -> list[dict]:
    out = []
    for d, s in ((1, seed), (3, seed + 1), (6, seed + 2)):
        mu1, s1, mu2, s2 = (torch.from_numpy(np.asarray(v, dtype=np.float64))
                            for v in _gaussians(d, s))
        out.append({"mu1": mu1, "s1": s1, "mu2": mu2, "s2": s2,
                    "given": f"two Gaussians in {d}-D (seed {s})"})
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
    if not np.isfinite(got):
        raise AssertionError(feedback("the distance is not a finite number", given=given,
                                      expected=round(want, 6), got=got, hint="np.sqrt of a matrix "
                                                                             "takes the root of "
                                                                             "each entry, and "
                                                                             "entries "
                                                    "of Σ1Σ2 can be negative (NaN); the matrix "
                                                    "square root comes from eigenvalues: "
                                                    "np.linalg.eigh / eigvalsh"))
    diff = float((mu1 - mu2) @ (mu1 - mu2))
    cov = want - diff
    tr = np.trace(s1) + np.trace(s2)

    def msqrt(m):
        lam, v = np.linalg.eigh(m)
        return v @ np.diag(np.sqrt(np.clip(lam, 0, None))) @ v.T

    with np.errstate(invalid="ignore"):
        candidates = [
            (cov, "the mean term ‖μ1 − μ2‖² is missing"),
            (diff, "the covariance term Tr(Σ1 + Σ2 − 2√(Σ1Σ2)) is missing"),
            (
                diff + tr - 2 * np.trace(np.sqrt(np.abs(s1 @ s2))),
                "np.sqrt(|Σ1Σ2|) takes the root of each entry; the matrix square root is another "
                "thing: build Σ1^½ from np.linalg.eigh(sigma1), then sum the square roots of the "
                "eigenvalues of Σ1^½ Σ2 Σ1^½",
            ),
            (
                diff + tr - 2 * np.trace(np.sqrt(np.abs(s1 * s2))),
                "√ of the element-wise product is not the matrix square root: use "
                "eigen-decompositions",
            ),
            (
                diff + tr - 2 * np.trace(msqrt(s1) @ msqrt(s2)),
                "Tr(√Σ1 √Σ2) is not Tr √(Σ1Σ2) unless Σ1 and Σ2 commute: take the "
                "eigenvalues of Σ1^½ Σ2 Σ1^½ (np.linalg.eigvalsh) and sum their square roots",
            ),
            (
                diff + np.trace(s1 + s2 - 2 * s1 @ s2),
                "Tr(Σ1Σ2) needs a matrix square root: Tr √(Σ1Σ2)",
            ),
            (diff + cov / 2 + tr / 2, "the cross term carries a factor 2: −2 Tr √(Σ1Σ2)"),
            (
                np.sqrt(max(want, 0)),
                "FID is the *squared* Fréchet distance: do not take the square root at the end",
            ),
        ]
    hint = ("‖μ1 − μ2‖² + Tr(Σ1) + Tr(Σ2) − 2 Tr √(Σ1 Σ2), with the matrix square root of the "
            "product")
    for value, why in candidates:
        if np.isfinite(value) and abs(got - value) < 1e-6 * (1 + abs(value)):
            hint = why
            break
    raise AssertionError(feedback("wrong value", given=given, expected=round(want, 6),
                                  got=round(got, 6), hint=hint))


check_frechet_from_stats = exercise(
    "frechet_from_stats", notebook=NOTEBOOK, reference=frechet_distance_from_stats,
    title="The Fréchet distance between two Gaussians from their means and covariances",
    cases=_fd_cases, run=_fd_run, judge=_fd_judge)


# ----------------------------------------------------------------------------- exercise 2

def _mmd_cases(seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    pairs = [(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)) + 0.7),
             (rng.normal(size=(40, 8)), rng.normal(size=(40, 8)) * 1.5)]
    out = [
        {"x": torch.from_numpy(x), "y": torch.from_numpy(y), "given": f"x, y of shape {x.shape}"}
        for x, y in pairs
    ]
    return out + [{"x": torch.from_numpy(pairs[1][0]), "y": torch.from_numpy(pairs[1][0].copy()),
                   "given": "x, x"}]


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
    hint = ("mean of k(x,x') over pairs i≠j, plus the same for y, minus 2 × the mean of k(x, y) "
            "over all pairs")
    if abs(got - biased) < 1e-6 * (1 + abs(biased)):
        hint = ("the diagonal k(x_i, x_i) is included: leave it out and divide by m(m − 1) "
                "(unbiased)")
    elif abs(got + want) < 1e-6 * (1 + abs(want)):
        hint = "the sign is flipped: the cross term k(x, y) is subtracted"
    else:
        k1, k2, k3 = ((u @ v.T + 1) ** 3 for u, v in ((x, x), (y, y), (x, y)))
        alt = (k1.sum() - np.trace(k1) + k2.sum() - np.trace(k2)) / (m * (m - 1)) - 2 * k3.mean()
        if abs(got - alt) < 1e-6 * (1 + abs(alt)):
            hint = "the kernel divides by the dimension: k(x, y) = (xᵀy / d + 1)³"
    raise AssertionError(feedback("wrong value", given=given, expected=round(want, 6),
                                  got=round(got, 6), hint=hint))


check_mmd2_unbiased = exercise("mmd2_unbiased", notebook=NOTEBOOK, reference=mmd2_unbiased,
                               title="KID's unbiased MMD² with the cubic polynomial kernel",
                               cases=_mmd_cases, run=_mmd_run, judge=_mmd_judge)


# ----------------------------------------------------------------------------- exercise 3

def _trunc_cases(seed: int) -> list[dict]:
    return [{"n": 20_000, "dim": 8, "threshold": t, "seed": seed + i}
            for i, t in enumerate((2.0, 1.0, 0.5))]


def _trunc_run(fn, case):
    import torch

    draws = [fn(case["n"], case["dim"], case["threshold"],
                generator=torch.Generator().manual_seed(case["seed"]))
             for _ in range(2)]
    return {"z": draws[0], "again": draws[1]}


def _truncnorm_moments(t: float) -> tuple[float, float]:
    """Variance of N(0, 1) truncated to [−t, t], and the probability that it lies within ±t/2."""
    from scipy.stats import norm

    mass = norm.cdf(t) - norm.cdf(-t)
    var = 1 - 2 * t * norm.pdf(t) / mass
    return float(var), float((norm.cdf(t / 2) - norm.cdf(-t / 2)) / mass)


def _trunc_judge(case, got) -> None:
    import torch

    n, dim, t = case["n"], case["dim"], case["threshold"]
    given = (f"n={n}, dim={dim}, threshold={t}, "
             f"generator=torch.Generator().manual_seed({case['seed']})")
    z = got.get("z") if isinstance(got, dict) else got
    if not torch.is_tensor(z):
        raise AssertionError(feedback("return a tensor of noise", given=given, got=type_name(z),
                                      hint="start from torch.randn(n, dim, generator=generator)"))
    if tuple(z.shape) != (n, dim):
        raise AssertionError(feedback("wrong shape: one row of noise per sample", given=given,
                                      expected=(n, dim), got=tuple(z.shape)))
    z = z.double()
    if not torch.isfinite(z).all():
        raise AssertionError(feedback("the noise contains NaN or inf", given=given))
    outside = float((z.abs() > t + 1e-6).double().mean())
    if outside > 0:
        hint = ("redraw every coordinate with |z| > threshold, and again until none is left (a "
                "while loop)")
        if outside < 0.01:
            hint = ("a few values are still outside: one redraw can land outside again, so repeat "
                    "until none is (while (z.abs() > threshold).any(): ...)")
        raise AssertionError(feedback(f"{outside:.2%} of the values lie outside ±threshold",
                                      given=given, hint=hint))
    edge = float((z.abs() > t - 1e-6).double().mean())
    if edge > 0.001:
        raise AssertionError(feedback(f"{edge:.1%} of the values sit exactly on ±threshold",
                                      given=given, hint="clamping piles the tails onto the edge; "
                                                        "truncation redraws them "
                                           "instead, so no value is special"))
    var, inner = _truncnorm_moments(t)
    got_var, got_inner = float(z.var()), float((z.abs() < t / 2).double().mean())
    if (
        abs(got_var - var) > 0.03 * var
        or abs(got_inner - inner) > 0.015
        or abs(float(z.mean())) > 0.02 * t
    ):
        hint = "draw from N(0, 1) (torch.randn) and redraw only the values outside ±threshold"
        if abs(got_var - t * t / 3) < 0.03 * t * t / 3:
            hint = ("that looks uniform on ±threshold; truncation keeps the normal's bell shape "
                    "inside the bounds")
        elif got_var < var:
            hint = ("the values are squeezed towards 0: multiplying z (z · threshold / max|z|, z · "
                    "ψ) is latent scaling, not truncation; keep z ~ N(0, 1) and redraw only the "
                    "values outside ±threshold")
        raise AssertionError(feedback("the values do not follow a normal distribution truncated to "
                                      "±threshold",
                                      given=given, expected=f"variance {var:.4f}, {inner:.1%} "
                                                            "within ±threshold/2",
                                      got=f"variance {got_var:.4f}, {got_inner:.1%} within "
                                          "±threshold/2", hint=hint))
    again = got.get("again") if isinstance(got, dict) else None
    if not torch.is_tensor(again) or not torch.equal(again.double(), z):
        raise AssertionError(feedback("the same generator seed gave different noise", given=given,
                                      hint="pass generator=generator to every torch.randn call, so "
                                           "a seed repeats the draw"))


check_truncated_noise = exercise("truncated_noise", notebook=NOTEBOOK, reference=truncated_noise,
                                 title="BigGAN's truncation: redraw the noise beyond a threshold",
                                 cases=_trunc_cases, run=_trunc_run, judge=_trunc_judge)
