"""Notebook 02's checks accept ganlib's own losses and reject typical mistakes with a specific hint."""

import pytest
import torch
import torch.nn.functional as F

from ganlib import checks, losses

ns, dl = checks.check_nonsaturating_loss, checks.check_discriminator_loss


def test_references_pass_and_are_registered():
    assert ns(losses.g_loss_nonsaturating) and dl(losses.d_loss)
    assert checks.EXERCISES["nonsaturating_loss"].notebook == "02_vanilla_gan.ipynb"
    assert checks.EXERCISES["discriminator_loss"].reference is losses.d_loss


def test_blank_exercise_is_not_done_yet(capsys):
    def blank(*a):
        raise NotImplementedError()
    assert ns(blank).status == "not done" and dl(blank).status == "not done"
    assert "not done yet" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda l: -F.softplus(-l).mean(), "sign is flipped"),
    (lambda l: F.softplus(l).mean(), "discriminator's term"),
    (lambda l: -F.softplus(l).mean(), "saturating"),
    (lambda l: F.softplus(-l).sum(), "mean over the batch"),
    (lambda l: F.softplus(-l), "0-d tensor"),
    (lambda l: -torch.log(torch.sigmoid(l)).mean(), "numerically stable"),
    (lambda l: F.softplus(-l.detach()).mean(), "no gradient"),
    (lambda l: float(F.softplus(-l).mean()), "torch tensor"),
    (lambda l: torch.tensor(0.7), "wrong value"),
])
def test_nonsaturating_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        ns(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda r, f: losses.d_loss(f, r), "swapped"),
    (lambda r, f: -losses.d_loss(r, f), "sign"),
    (lambda r, f: F.softplus(-r).mean(), "one of the two terms"),
    (lambda r, f: F.binary_cross_entropy_with_logits(
        torch.cat([r, f]), torch.cat([torch.ones_like(r), torch.zeros_like(f)])), "add the two means"),
    (lambda r, f: -(torch.log(torch.sigmoid(r)).mean() + torch.log(1 - torch.sigmoid(f)).mean()),
     "numerically stable"),
    (lambda r, f: losses.d_loss(r, f).detach(), "no gradient"),
    (lambda r, f: torch.stack([F.softplus(-r).mean(), F.softplus(f).mean()]), "0-d tensor"),
])
def test_discriminator_loss_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        dl(wrong)
