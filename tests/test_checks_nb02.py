"""Notebook 02's checks accept ganlib's own losses and reject typical mistakes with a specific hint."""

import re

import pytest
import torch
import torch.nn.functional as F

from ganlib import checks, losses
from ganlib.checks import nb02
from ganlib.course import answers

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


def test_step_and_loop_accept_ganlib_and_stubs_are_not_done():
    from ganlib.train import gan_step, train_loop

    def blank(*a, **k):
        raise NotImplementedError()
    assert checks.check_gan_step(gan_step) and checks.check_training_loop(train_loop)
    assert checks.check_gan_step(blank).status == "not done" and checks.check_training_loop(blank).status == "not done"


@pytest.mark.parametrize("i", range(len(nb02._STEP_MISTAKES)))
def test_each_gan_step_mistake_gets_its_hint(i):
    wrong, hint = nb02._STEP_MISTAKES[i]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_gan_step(wrong)


def _step(one_pass=False, plain_backward=False, zero_both_first=False):
    """Correct GAN steps written differently from ganlib's: D scores real and fake in one pass, G's loss backpropagates
    into every parameter, or both optimisers are zeroed at the start."""
    def step(G, D, opt_g, opt_d, real, d_loss=None, g_loss=None, penalty=None):
        if zero_both_first:
            opt_g.zero_grad(); opt_d.zero_grad()
        fake = G(torch.randn(real.shape[0], G.latent_dim)).detach()
        if one_pass:
            real_logits, fake_logits = D(torch.cat([real, fake])).split([len(real), len(fake)])
        else:
            real_logits, fake_logits = D(real), D(fake)
        loss_d = d_loss(real_logits, fake_logits)
        if penalty is not None:
            loss_d = loss_d + penalty(D, real, fake)
        if not zero_both_first:
            opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = g_loss(D(G(torch.randn(real.shape[0], G.latent_dim))))
        opt_g.zero_grad()
        loss_g.backward() if plain_backward else loss_g.backward(inputs=list(G.parameters()))
        opt_g.step()
        return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
                "d_real": torch.sigmoid(real_logits.detach()).mean(), "d_fake": torch.sigmoid(fake_logits.detach()).mean()}
    return step


@pytest.mark.parametrize("kw", [dict(), dict(one_pass=True), dict(plain_backward=True), dict(zero_both_first=True),
                                dict(one_pass=True, plain_backward=True)])
@pytest.mark.parametrize("seed", [0, 1, 7, 123])
def test_the_gan_step_check_accepts_equivalent_forms(kw, seed, monkeypatch):
    monkeypatch.setenv(answers.SEED_ENV, str(seed))
    ex = checks.EXERCISES["gan_step"]
    assert checks.verdict(ex, seed, checks.collect(ex, _step(**kw), seed)) == ("passed", "")


def test_a_step_whose_detective_trains_the_forger_is_named():
    def leaky(G, D, opt_g, opt_d, real, d_loss=None, g_loss=None, penalty=None):
        z = torch.randn(len(real), G.latent_dim)
        fake = G(z)  # not detached
        real_logits, fake_logits = D(real), D(fake)
        loss_d = d_loss(real_logits, fake_logits) + (penalty(D, real, fake) if penalty else 0)
        opt_d.zero_grad(); loss_d.backward(); opt_d.step()
        loss_g = g_loss(D(G(torch.randn(len(real), G.latent_dim))))
        opt_g.zero_grad(); loss_g.backward(); opt_g.step()
        return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
                "d_real": torch.sigmoid(real_logits.detach()).mean(), "d_fake": torch.sigmoid(fake_logits.detach()).mean()}
    with pytest.raises(AssertionError, match="detach the fakes"):
        checks.check_gan_step(leaky)


def test_a_step_that_reuses_fake_logits_in_the_forgers_move_is_named():
    """A correct step, but the forger's scores are named fake_logits: the given return line reports them."""
    def reused(G, D, opt_g, opt_d, real, d_loss=None, g_loss=None, penalty=None):
        fake = G(torch.randn(len(real), G.latent_dim)).detach()
        real_logits, fake_logits = D(real), D(fake)
        loss_d = d_loss(real_logits, fake_logits) + (penalty(D, real, fake) if penalty else 0)
        opt_d.zero_grad(); loss_d.backward(); opt_d.step()
        fake_logits = D(G(torch.randn(len(real), G.latent_dim)))
        loss_g = g_loss(fake_logits)
        opt_g.zero_grad(); loss_g.backward(); opt_g.step()
        return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
                "d_real": torch.sigmoid(real_logits.detach()).mean(),
                "d_fake": torch.sigmoid(fake_logits.detach()).mean()}
    with pytest.raises(AssertionError, match="overwrote fake_logits"):
        checks.check_gan_step(reused)


@pytest.mark.parametrize("i", range(len(nb02._LOOP_MISTAKES)))
def test_each_loop_mistake_gets_its_hint(i):
    wrong, hint = nb02._LOOP_MISTAKES[i]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_training_loop(wrong)


def test_the_loop_check_accepts_a_history_of_tensors_and_rejects_a_step_too_many():
    assert checks.check_training_loop(nb02._loop_variant(tensors=True))
    with pytest.raises(AssertionError, match="range\\(steps\\)"):
        checks.check_training_loop(nb02._loop_variant(extra_step=True))


def test_a_loop_that_returns_no_history_is_told_so():
    def silent(G, D, data, steps, batch_size=64, lr=1e-3, seed=0, step=None):
        nb02._loop_variant()(G, D, data, steps, batch_size, lr, seed, step)
    with pytest.raises(AssertionError, match="return its history"):
        checks.check_training_loop(silent)
