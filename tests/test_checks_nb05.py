"""Notebook 05's checks accept ganlib's own functions and reject typical mistakes with a specific hint."""

import numpy as np
import pytest

from ganlib import checks, metrics
from ganlib.metrics import polynomial_kernel

fd, mmd = checks.check_frechet_from_stats, checks.check_mmd2_unbiased


def test_references_pass_and_are_registered():
    assert fd(metrics.frechet_distance_from_stats) and mmd(metrics.mmd2_unbiased)
    assert checks.EXERCISES["frechet_from_stats"].notebook == "05_fid_evaluation.ipynb"
    assert checks.EXERCISES["mmd2_unbiased"].reference is metrics.mmd2_unbiased


def test_blank_is_not_done_yet(capsys):
    def blank(*a):
        raise NotImplementedError()
    assert fd(blank).status == "not done" and mmd(blank).status == "not done"
    assert "not done yet" in capsys.readouterr().out


def _msqrt(m):
    lam, v = np.linalg.eigh(m)
    return v @ np.diag(np.sqrt(np.clip(lam, 0, None))) @ v.T


def _sq(m1, s1, m2, s2):
    return float((m1 - m2) @ (m1 - m2))


@pytest.mark.parametrize("wrong, hint", [
    (lambda m1, s1, m2, s2: metrics.frechet_distance_from_stats(m1, s1, m2, s2) - _sq(m1, s1, m2, s2), "mean term"),
    (_sq, "covariance term"),
    (lambda m1, s1, m2, s2: _sq(m1, s1, m2, s2) + np.trace(s1 + s2 - 2 * np.sqrt(np.abs(s1 * s2))), "element-wise"),
    (lambda m1, s1, m2, s2: _sq(m1, s1, m2, s2) + np.trace(s1 + s2 - 2 * s1 @ s2), "matrix square root"),
    (lambda m1, s1, m2, s2: _sq(m1, s1, m2, s2) + np.trace(s1 + s2 - 2 * np.sqrt(np.abs(s1 @ s2))),
     "takes the root of each entry"),
    (lambda m1, s1, m2, s2: _sq(m1, s1, m2, s2) + np.trace(s1 + s2 - 2 * _msqrt(s1) @ _msqrt(s2)), "commute"),
    (lambda m1, s1, m2, s2: np.sqrt(metrics.frechet_distance_from_stats(m1, s1, m2, s2)), "squared"),
    (lambda m1, s1, m2, s2: 1.0, "wrong value"),
    (lambda m1, s1, m2, s2: np.ones(3), "one number"),
])
def test_frechet_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        fd(wrong)


def _biased(x, y):
    return polynomial_kernel(x, x).mean() + polynomial_kernel(y, y).mean() - 2 * polynomial_kernel(x, y).mean()


def _no_d(x, y):
    m = len(x)
    k = lambda u, v: (u @ v.T + 1) ** 3  # noqa: E731
    return ((k(x, x).sum() - np.trace(k(x, x)) + k(y, y).sum() - np.trace(k(y, y))) / (m * (m - 1))
            - 2 * k(x, y).mean())


@pytest.mark.parametrize("wrong, hint", [
    (_biased, "diagonal"),
    (lambda x, y: -metrics.mmd2_unbiased(x, y), "sign"),
    (_no_d, "divides by the dimension"),
    (lambda x, y: 0.0, "wrong value"),
])
def test_mmd2_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        mmd(wrong)
