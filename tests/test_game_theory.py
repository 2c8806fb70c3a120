"""The detective's maths: D*, V(D, G), KL and JSD on a grid, and V(D*, G) = −log 4 + 2·JSD."""

import math

import numpy as np
import pytest

from ganlib.data import Mixture1D, gaussian_1d
from ganlib.game.theory import (LOG4, gan_value, grid, integrate, jsd, jsd_vs_shift, kl,
                              optimal_detective, value_at_optimum)

XS = grid(-20, 20, 8001)


def test_integrate_a_density_gives_one():
    assert integrate(gaussian_1d(0.3, 0.8).pdf(XS), XS) == pytest.approx(1.0, abs=1e-9)


def test_optimal_detective_is_half_where_equal_or_both_zero():
    p = np.array([0.2, 0.0, 0.3, 0.0])
    q = np.array([0.2, 0.0, 0.1, 0.5])
    assert optimal_detective(p, q) == pytest.approx([0.5, 0.5, 0.75, 0.0], abs=1e-15)


@pytest.mark.parametrize("forger", [gaussian_1d(0, 1), gaussian_1d(2, 0.5), gaussian_1d(-3, 2),
                                    Mixture1D((-1.0, 2.0), (0.5, 0.5))])
def test_value_at_optimum_is_minus_log4_plus_2_jsd(forger):
    p, q = gaussian_1d(0.5, 1.0).pdf(XS), forger.pdf(XS)
    assert value_at_optimum(p, q, XS) == pytest.approx(-LOG4 + 2 * jsd(p, q, XS), abs=1e-9)
    assert gan_value(optimal_detective(p, q), p, q, XS) == pytest.approx(value_at_optimum(p, q, XS), abs=1e-4)


def test_optimal_detective_beats_other_detectives():
    p, q = gaussian_1d(0, 1).pdf(XS), gaussian_1d(1, 1).pdf(XS)
    best = value_at_optimum(p, q, XS)
    for d in (np.full_like(XS, 0.5), 1 / (1 + np.exp(XS - 0.3)), optimal_detective(p, q) * 0.9):
        assert gan_value(d, p, q, XS) < best


def test_jsd_bounds_and_symmetry():
    p, q = gaussian_1d(0, 1).pdf(XS), gaussian_1d(1.5, 0.7).pdf(XS)
    assert jsd(p, p, XS) == pytest.approx(0, abs=1e-12)
    assert jsd(p, q, XS) == pytest.approx(jsd(q, p, XS), abs=1e-12)
    far = gaussian_1d(-6, 0.3).pdf(XS), gaussian_1d(6, 0.3).pdf(XS)
    assert jsd(*far, XS) == pytest.approx(math.log(2), abs=1e-6)
    assert value_at_optimum(*far, XS) == pytest.approx(0.0, abs=1e-6)  # −log4 + 2 log 2


def test_kl_known_value_and_infinite_when_support_missing():
    p, q = gaussian_1d(0, 1).pdf(XS), gaussian_1d(1, 2).pdf(XS)
    closed_form = math.log(2) + (1 + 1) / (2 * 4) - 0.5
    assert kl(p, q, XS) == pytest.approx(closed_form, abs=1e-6)
    assert kl(np.array([0.5, 0.5]), np.array([1.0, 0.0]), np.array([0.0, 1.0])) == math.inf


def test_jsd_flattens_far_from_the_data():
    curve = jsd_vs_shift(gaussian_1d(0, 1), [0.0, 1.0, 3.0, 10.0, 12.0], std=1.0)
    assert curve[0] == pytest.approx(0, abs=1e-9)
    assert np.all(np.diff(curve) >= 0)
    assert curve[-1] - curve[-2] < 1e-6 < curve[1] - curve[0]


def test_grid_rejects_bad_bounds():
    with pytest.raises(ValueError, match="hi > lo"):
        grid(1, 0)
