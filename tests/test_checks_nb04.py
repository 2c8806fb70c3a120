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


def _gp_one_eps(D, real, fake):
    eps = torch.rand(1)
    x = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return 10 * ((g.norm(dim=1) - 1) ** 2).mean()


def _gp_no_graph(D, real, fake):
    return fixes.gradient_penalty(D, real, fake).detach()


@pytest.mark.parametrize("wrong, hint", [
    (_gp_one_eps, "one ε per sample"),
    (_gp_no_graph, "create_graph"),
    (lambda D, r, f: fixes.gradient_penalty(D, r, f) * 2, "wrong value"),
    (lambda D, r, f: torch.zeros(3, requires_grad=True) * 1, "0-d tensor"),
])
def test_gradient_penalty_rejects_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        gp(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda r, f: (1 - r).mean() + (1 + f).mean(), "no margin"),
    (lambda r, f: torch.relu(1 + r).mean() + torch.relu(1 - f).mean(), "swapped"),
    (lambda r, f: torch.relu(1 - r).sum() + torch.relu(1 + f).sum(), "wrong value"),
    (lambda r, f: torch.relu(1 - r), "0-d tensor"),
])
def test_hinge_rejects_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        hinge(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda: ["lr_too_high", "missing_detach", "mode_coverage"], "cheap code check"),
    (lambda: ["data_range", "missing_detach"], "never measure"),
    (lambda: ["data_range", "data_range", "mode_coverage"], "once"),
    (lambda: ["learning_rate"], "once"),
])
def test_checklist_rejects_bad_orders(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        order(wrong)
