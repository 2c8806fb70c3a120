"""Notebook 04's checks accept ganlib's own answers and reject typical mistakes with a specific hint."""

import pytest
import torch

from ganlib import checks
from ganlib.stability import fixes, gallery

gp, hinge, order = checks.check_gradient_penalty, checks.check_hinge_d_loss, checks.check_collapse_checklist


def test_references_pass_and_are_registered():
    assert gp(fixes.gradient_penalty) and hinge(fixes.hinge_d_loss) and order(gallery.recommended_order)
    assert checks.EXERCISES["gradient_penalty"].notebook == "04_instability_and_mode_collapse.ipynb"


def test_blank_is_not_done_yet(capsys):
    def blank(*a):
        raise NotImplementedError()
    assert gp(blank).status == "not done" and hinge(blank).status == "not done" and order(blank).status == "not done"
    assert "not done yet" in capsys.readouterr().out


def _gp_flipped(D, real, fake):
    eps = torch.rand(len(real), 1)
    x = ((1 - eps) * real + eps * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 10 * ((g.norm(dim=1) - 1) ** 2).mean()


def _gp_as_a_step(D, real, fake):
    eps = torch.rand(real.shape[0], 1)
    x = (fake + eps * (real - fake)).detach().requires_grad_()
    (g,) = torch.autograd.grad(D(x), x, torch.ones(len(x)), create_graph=True)
    return ((g.pow(2).sum(1).sqrt() - 1).pow(2)).mean() * 10


def test_gradient_penalty_accepts_every_correct_form():
    # (1−ε)·real + ε·fake is the same penalty (ε and 1−ε are both uniform); fake + ε·(real − fake) is the text's form
    assert gp(_gp_flipped) and gp(_gp_as_a_step)


def _gp_one_eps(D, real, fake):
    eps = torch.rand(1)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 10 * ((g.norm(dim=1) - 1) ** 2).mean()


def _gp_squared_norm(D, real, fake):
    eps = torch.rand(len(real), 1)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 10 * ((g.pow(2).sum(dim=1) - 1) ** 2).mean()


def _gp_abs(D, real, fake):
    eps = torch.rand(len(real), 1)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 10 * (g.norm(dim=1) - 1).abs().mean()


def _gp_no_graph(D, real, fake):
    return fixes.gradient_penalty(D, real, fake).detach()


@pytest.mark.parametrize("wrong, hint", [
    (_gp_one_eps, "one ε per sample"),
    (_gp_squared_norm, "not its square"),
    (_gp_abs, "square the distance from 1"),
    (lambda D, r, f: fixes.gradient_penalty(D, r, f, weight=1.0), "multiply by the weight"),
    (_gp_no_graph, "create_graph"),
    (lambda D, r, f: fixes.gradient_penalty(D, r, f) * 2, "wrong value"),
    (lambda D, r, f: torch.zeros(3, requires_grad=True) * 1, "0-d tensor"),
])
def test_gradient_penalty_rejects_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        gp(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda r, f: (1 - r).mean() + (1 + f).mean(), "no margin"),
    (lambda r, f: torch.relu((1 - r).mean()) + torch.relu((1 + f).mean()), "relu goes inside the mean"),
    (lambda r, f: torch.relu(1 + r).mean() + torch.relu(1 - f).mean(), "swapped"),
    (lambda r, f: torch.relu(1 - r).sum() + torch.relu(1 + f).sum(), "not a sum"),
    (lambda r, f: torch.relu(1 - r).mean() + torch.relu(1 + f).mean() + 0.1, "wrong value"),
    (lambda r, f: torch.relu(1 - r), "0-d tensor"),
])
def test_hinge_rejects_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        hinge(wrong)


@pytest.mark.parametrize("good", [
    ["mode_coverage", "data_range", "sigmoid_then_logits", "missing_detach", "strong_detective", "lr_too_high"],
    ["data_range", "sigmoid_then_logits", "missing_detach", "strong_detective", "lr_too_high", "mode_coverage"],
    ["missing_detach", "data_range", "sigmoid_then_logits", "mode_coverage", "lr_too_high", "strong_detective"],
])
def test_checklist_accepts_every_defensible_order(good):
    assert order(lambda: good)  # measure first, last or between; code checks before balance checks


@pytest.mark.parametrize("wrong, hint", [
    (lambda: ["lr_too_high", "missing_detach", "data_range", "sigmoid_then_logits", "strong_detective",
              "mode_coverage"], "balance check comes before a code check"),
    (lambda: ["data_range", "mode_coverage"], "you skip"),
    (lambda: ["data_range", "sigmoid_then_logits", "missing_detach", "strong_detective", "lr_too_high"],
     "include 'mode_coverage'"),
    (lambda: ["data_range", "data_range", "mode_coverage"], "appears twice"),
    (lambda: ["learning_rate"], "not checks"),
    (lambda: "data_range", "list of check names"),
])
def test_checklist_rejects_bad_orders(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        order(wrong)
