"""ganlib.losses: values against the formulas by hand, stability at extreme logits, gradients."""

import math

import torch

from ganlib import losses


def sig(v):
    return 1 / (1 + math.exp(-v))


def test_d_loss_matches_formula():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    want = -(math.log(sig(2.0)) + math.log(sig(-1.0))) / 2 - (math.log(1 - sig(0.5)) + math.log(1 - sig(-3.0))) / 2
    assert abs(losses.d_loss(real, fake).item() - want) < 1e-6


def test_generator_losses_match_formulas():
    fake = torch.tensor([0.5, -3.0, 1.5])
    minimax = sum(math.log(1 - sig(v)) for v in fake.tolist()) / 3
    nonsat = -sum(math.log(sig(v)) for v in fake.tolist()) / 3
    assert abs(losses.g_loss_minimax(fake).item() - minimax) < 1e-6
    assert abs(losses.g_loss_nonsaturating(fake).item() - nonsat) < 1e-6


def test_d_loss_at_chance_is_log4():
    zeros = torch.zeros(8)
    assert abs(losses.d_loss(zeros, zeros).item() - math.log(4)) < 1e-6


def test_losses_stay_finite_at_extreme_logits():
    big = torch.tensor([-200.0, 200.0], requires_grad=True)
    for value in (losses.d_loss(big, big), losses.g_loss_minimax(big), losses.g_loss_nonsaturating(big)):
        assert torch.isfinite(value)
        (g,) = torch.autograd.grad(value, big)
        assert torch.isfinite(g).all()


def test_minimax_saturates_where_nonsaturating_does_not():
    l = torch.tensor([-8.0])  # D confidently says "fake"
    g_mm = losses.logit_gradient(losses.g_loss_minimax, l).abs().item()
    g_ns = losses.logit_gradient(losses.g_loss_nonsaturating, l).abs().item()
    assert g_mm < 1e-3 < 0.99 < g_ns
    assert abs(g_mm - sig(-8.0)) < 1e-6 and abs(g_ns - (1 - sig(-8.0))) < 1e-6
