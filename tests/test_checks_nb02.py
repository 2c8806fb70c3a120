"""Notebook 02's checks accept ganlib's own losses and reject typical mistakes with a specific hint."""

import re

import pytest
import torch
import torch.nn.functional as F

from ganlib import checks, losses
from ganlib.checks import nb02

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
    from ganlib.train import gan_step, train

    def blank(*a, **k):
        raise NotImplementedError()
    assert checks.check_gan_step(gan_step) and checks.check_training_loop(train)
    assert checks.check_gan_step(blank).status == "not done" and checks.check_training_loop(blank).status == "not done"


@pytest.mark.parametrize("i", range(len(nb02._STEP_MISTAKES)))
def test_each_gan_step_mistake_gets_its_hint(i):
    wrong, hint = nb02._STEP_MISTAKES[i]
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_gan_step(wrong)


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


def _loop(total=True, resume=True, unpack=True, rules=True, callbacks=True, count_first=True, keep=True):
    def loop(run, steps, callbacks_=()):
        if total:
            run.total = steps
        i = run.step if resume else 0
        while (run.step if resume else i) < steps:
            batch = run.batches.next()
            args = (run.G, run.D, run.opt_g, run.opt_d, *batch) if unpack else (run.G, run.D, run.opt_g, run.opt_d, batch)
            out = run.step_fn(*args, **run.rules) if rules else run.step_fn(*args)
            if keep:
                run.stats = out
            if not count_first and callbacks:
                for cb in callbacks_:
                    cb(run)
            run.step += 1
            i += 1
            if count_first and callbacks:
                for cb in callbacks_:
                    cb(run)
    return loop


@pytest.mark.parametrize("kw, hint", [
    (dict(total=False), "run.total = steps"),
    (dict(resume=False), "does not start at 0"),
    (dict(unpack=False), "unpack the batch"),
    (dict(rules=False), "run's rules"),
    (dict(callbacks=False), "every callback"),
    (dict(count_first=False), "count the step"),
    (dict(keep=False), "run.stats"),
])
def test_each_loop_mistake_gets_its_hint(kw, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        checks.check_training_loop(_loop(**kw))
