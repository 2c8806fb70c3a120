"""Metrics never return a silent wrong number: impossible statistics are errors, unreliable ones warn why.

Issue 22: frechet_distance_from_stats with σ = −I or an asymmetric σ returned a number;
fid_infinity on 10 samples returned a negative FID∞ and precision_recall on 4 clearly different
samples returned (1.0, 1.0), both without a warning.
"""

import warnings

import numpy as np
import pytest
import torch

from ganlib import metrics


def _no_warning(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kw)


def test_a_negative_covariance_is_not_a_covariance():
    mu = np.zeros(3)
    with pytest.raises(ValueError, match="sigma1 is not positive semi-definite .*smallest eigenvalue -1"):
        metrics.frechet_distance_from_stats(mu, -np.eye(3), mu, -np.eye(3))
    with pytest.raises(ValueError, match="sigma2 is not positive semi-definite"):
        metrics.frechet_distance_from_stats(mu, np.eye(3), mu, np.diag([1.0, -0.5, 1.0]))


def test_an_asymmetric_sigma_is_refused():
    a = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with pytest.raises(ValueError, match="sigma2 is not symmetric"):
        metrics.frechet_distance_from_stats(np.zeros(3), np.eye(3), np.zeros(3), a)


def test_singular_and_rounded_covariances_are_still_accepted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(9, 8))  # N = d + 1: singular up to rounding
    mu, s = metrics.feature_stats(x)
    assert _no_warning(metrics.frechet_distance_from_stats, mu, s, mu, s) == pytest.approx(0.0, abs=1e-6)
    f32 = torch.from_numpy(x).float()
    c = (f32 - f32.mean(0)).T @ (f32 - f32.mean(0)) / 8  # a float32 covariance: asymmetric at 1e-8
    assert np.isfinite(metrics.frechet_distance_from_stats(mu, c.numpy(), mu, s))
    assert metrics.frechet_distance_from_stats([0.0], [[0.0]], [1.0], [[0.0]]) == pytest.approx(1.0)


def test_fid_infinity_on_ten_samples_warns_that_it_is_unreliable():
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    with pytest.warns(UserWarning, match=r"FID∞ is unreliable.*10 real and 10 fake samples .*at least 25"):
        metrics.fid_infinity(real, fake, seed=1)


def test_a_negative_fid_infinity_warns_whatever_the_sample_size():
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(400, 2)), rng.normal(size=(400, 2))
    for seed in range(20):
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            res = metrics.fid_infinity(real, fake, seed=seed)
        if res.value < 0:
            assert any("came out negative" in str(w.message) for w in got)
            return
        assert not got, [str(w.message) for w in got]
    pytest.fail("no seed gave a negative FID∞ for two samples of one distribution")


def test_fid_infinity_with_enough_samples_is_quiet():
    rng = np.random.default_rng(0)
    res = _no_warning(metrics.fid_infinity, rng.normal(size=(600, 4)), rng.normal(size=(600, 4)) + 1.0)
    assert res.value > 0


def test_precision_recall_on_four_samples_warns():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(4, 16))
    fake = rng.normal(size=(4, 16)) + np.eye(16)[0]  # clearly another distribution
    with pytest.warns(UserWarning, match=r"4 real and 4 fake samples are too few for k=3.*at least 61"):
        p, r = metrics.precision_recall(real, fake)
    assert 0 <= p <= 1 and 0 <= r <= 1


def test_precision_recall_with_enough_samples_is_quiet():
    rng = np.random.default_rng(0)
    assert _no_warning(metrics.precision_recall, rng.normal(size=(61, 2)), rng.normal(size=(61, 2))) is not None


@pytest.mark.parametrize("call, match", [
    (lambda a, b: metrics.kid(a, b, subsets=2.5), "subsets must be a positive whole number"),
    (lambda a, b: metrics.kid(a, b, subset_size=1), "subset_size must be a whole number ≥ 2"),
    (lambda a, b: metrics.precision_recall(a, b, k=2.5), "k must be a whole number"),
    (lambda a, b: metrics.inception_score(np.full((10, 2), 0.5), splits=2.5), "splits must be a positive"),
    (lambda a, b: metrics.nearest_neighbours(np.where(a > 1, np.nan, a), b), "queries contain NaN"),
    (lambda a, b: metrics.nearest_neighbours(a[:0], b), "queries is empty"),
    (lambda a, b: metrics.mode_coverage(a[:, :2], "ring", threshold=float("nan")), "threshold must be a finite"),
])
def test_budgets_and_inputs_of_metrics_are_checked(call, match):
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=match):
        call(rng.normal(size=(50, 3)), rng.normal(size=(50, 3)))
