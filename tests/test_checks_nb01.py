"""Notebook 01's checks accept ganlib's own answers and reject typical mistakes with a specific hint."""

import numpy as np
import pytest

from ganlib import checks
from ganlib.game import theory as detective

od, js = checks.check_optimal_detective, checks.check_jsd


def test_references_pass_and_are_registered():
    assert od(detective.optimal_detective) and js(detective.jsd)
    assert checks.EXERCISES["optimal_detective"].notebook == "01_forger_vs_detective.ipynb"
    assert checks.EXERCISES["jsd"].reference is detective.jsd


def test_blank_exercise_is_not_done_yet(capsys):
    def blank(*a):
        raise NotImplementedError()
    assert od(blank).status == "not done" and js(blank).status == "not done"
    assert "not done yet" in capsys.readouterr().out


def _naive(p, q):
    return p / (p + q)


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, q: q / (p + q), "chance it is real"),
    (lambda p, q: np.full_like(p, 0.5), "not constant"),
    (lambda p, q: p / q, "density ratio"),
    (lambda p, q: float(np.mean(p / (p + q))), "one value per x"),
    (lambda p, q: np.where(p + q > 0, p / np.where(p + q > 0, p + q, 1), 0.0), "cannot tell"),
])
def test_optimal_detective_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        od(wrong)


def test_optimal_detective_reports_the_nan_at_zero():
    with pytest.raises(AssertionError, match="0/0"):
        with np.errstate(invalid="ignore"):
            od(_naive)


def _kl(a, b, xs):
    return detective.integrate(np.where(a > 0, a * np.log(a / b), 0.0), xs)


def _jsd_sum(p, q, xs):
    m = (p + q) / 2
    return 0.5 * float(np.sum(np.where(p > 0, p * np.log(p / m), 0)) + np.sum(np.where(q > 0, q * np.log(q / m), 0)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda p, q, xs: 2 * detective.jsd(p, q, xs), "forgot the ½"),
    (lambda p, q, xs: -detective.jsd(p, q, xs), "sign is flipped"),
    (lambda p, q, xs: 0.5 * (_kl(p, q, xs) + _kl(q, p, xs)), "mixture"),
    (_jsd_sum, "multiply by dx"),
    (lambda p, q, xs: np.zeros_like(xs), "one number"),
    (lambda p, q, xs: 0.3, "wrong JSD"),
])
def test_jsd_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        js(wrong)
