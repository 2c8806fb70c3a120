"""Notebook 01's checks accept ganlib's own answers and reject typical mistakes with a specific hint."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ganlib import checks
from ganlib.checks import nb01
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


def _naive_jsd(p, q, xs):
    m = (p + q) / 2
    return 0.5 * detective.integrate(p * np.log(p / m), xs) + 0.5 * detective.integrate(q * np.log(q / m), xs)


def test_jsd_tests_zero_log_zero_and_names_the_log_base():
    with np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(AssertionError, match="0·log 0 must count as 0"):
            js(_naive_jsd)  # passes every case where p > 0 everywhere; the half-zero case catches it
    with pytest.raises(AssertionError, match="in bits"):
        js(lambda p, q, xs: detective.jsd(p, q, xs) / np.log(2))
    with pytest.raises(AssertionError, match="base 10"):
        js(lambda p, q, xs: detective.jsd(p, q, xs) / np.log(10))


def test_the_moves_accept_ganlib_and_stubs_are_not_done():
    from ganlib.game.duel import detective_step, forger_step
    assert checks.check_detective_step(detective_step) and checks.check_forger_step(forger_step)

    def blank(*a, **k):
        raise NotImplementedError()
    assert checks.check_detective_step(blank).status == "not done"
    assert checks.check_forger_step(blank).status == "not done"


@pytest.mark.parametrize("i", range(len(nb01._DETECTIVE_MISTAKES)))
def test_each_detective_mistake_gets_its_hint(i):
    wrong, hint = nb01._DETECTIVE_MISTAKES[i]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_detective_step(wrong)


def test_a_detective_move_that_trains_the_forger_is_named():
    def leaky(detective, opt_d, real, fake):
        r, f = detective(real), detective(fake)  # not detached
        loss = F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + \
            F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
        return loss.item()
    with pytest.raises(AssertionError, match="fake.detach"):
        checks.check_detective_step(leaky)


@pytest.mark.parametrize("i", range(len(nb01._FORGER_MISTAKES)))
def test_each_forger_mistake_gets_its_hint(i):
    wrong, hint = nb01._FORGER_MISTAKES[i]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_forger_step(wrong)
