"""Checks for notebook 04's exercises: the WGAN-GP gradient penalty, the hinge loss, the collapse checklist."""

from __future__ import annotations

import torch
from torch import nn

from ganlib.stability.fixes import gradient_penalty, hinge_d_loss
from ganlib.stability.gallery import CHEAP, CHECKS, recommended_order

from . import exercise, feedback


def _critic(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))


@exercise("gradient_penalty", notebook="04_instability_and_mode_collapse.ipynb", reference=gradient_penalty,
          title="The WGAN-GP gradient penalty")
def check_gradient_penalty(fn):
    D = _critic()
    g = torch.Generator().manual_seed(1)
    real, fake = torch.randn(32, 2, generator=g) + 2, torch.randn(32, 2, generator=g)
    torch.manual_seed(5)
    got = fn(D, real, fake)
    torch.manual_seed(5)
    want = gradient_penalty(D, real, fake)
    if not torch.is_tensor(got) or got.dim() != 0:
        raise AssertionError(feedback("the penalty must be one number (a 0-d tensor)", got=getattr(got, "shape", got),
                                      hint="average (‖∇D(x̂)‖ − 1)² over the batch with .mean()"))
    if got.grad_fn is None:
        raise AssertionError(feedback("the penalty carries no gradient back to D's weights",
                                      hint="use torch.autograd.grad(..., create_graph=True)"))
    if abs(got.item() - want.item()) > 1e-4 * (1 + abs(want.item())):
        hint = "x̂ = ε·real + (1−ε)·fake with one ε ~ U(0,1) per sample: torch.rand(len(real), 1)"
        torch.manual_seed(5)
        eps = torch.rand(1).item()  # one ε for the whole batch: a typical mistake
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (gr,) = torch.autograd.grad(D(x).sum(), x)
        if abs(got.item() - 10 * ((gr.norm(dim=1) - 1) ** 2).mean().item()) < 1e-4:
            hint = "draw one ε per sample, not one for the whole batch (torch.rand(len(real), 1))"
        raise AssertionError(feedback("wrong value (with torch.manual_seed(5) before the call)", expected=round(want.item(), 5),
                                      got=round(got.item(), 5), hint=hint))
    (gd,) = torch.autograd.grad(got, D[0].weight)
    if not torch.isfinite(gd).all() or gd.abs().sum() == 0:
        raise AssertionError(feedback("the penalty's gradient to D's weights is zero",
                                      hint="create_graph=True, and do not detach the gradient"))


@exercise("hinge_d_loss", notebook="04_instability_and_mode_collapse.ipynb", reference=hinge_d_loss,
          title="The hinge loss for the discriminator")
def check_hinge_d_loss(fn):
    cases = [(torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.3])),
             (torch.tensor([0.0, 3.0]), torch.tensor([1.5, -0.2, -4.0]))]
    for real, fake in cases:
        got = fn(real, fake)
        want = hinge_d_loss(real, fake)
        if not torch.is_tensor(got) or got.dim() != 0:
            raise AssertionError(feedback("the loss must be one number (a 0-d tensor)", given=(real.tolist(), fake.tolist()),
                                          got=getattr(got, "shape", got), hint="use .mean() over each batch"))
        if abs(got.item() - want.item()) > 1e-5:
            hint = "mean relu(1 − D(real)) + mean relu(1 + D(fake))"
            if abs(got.item() - ((1 - real).mean() + (1 + fake).mean()).item()) < 1e-5:
                hint = "without relu there is no margin: D keeps pushing scores it already gets right"
            elif abs(got.item() - (torch.relu(1 + real).mean() + torch.relu(1 - fake).mean()).item()) < 1e-5:
                hint = "the signs are swapped: real scores should be pushed above +1, fake below −1"
            raise AssertionError(feedback("wrong value", given=(real.tolist(), fake.tolist()),
                                          expected=round(want.item(), 5), got=round(got.item(), 5), hint=hint))


@exercise("collapse_checklist", notebook="04_instability_and_mode_collapse.ipynb", reference=recommended_order,
          title="Your order of checks for a collapsed GAN")
def check_collapse_checklist(fn):
    order = list(fn())
    unknown = [c for c in order if c not in CHECKS]
    if unknown or len(set(order)) != len(order) or not order:
        raise AssertionError(feedback("use each check name once, from the list", got=order,
                                      expected=sorted(CHECKS), hint=f"unknown: {unknown}" if unknown else None))
    if "mode_coverage" not in order:
        raise AssertionError(feedback("you never measure the collapse", got=order,
                                      hint="include 'mode_coverage': you need a number to know a fix worked"))
    first_costly = next((i for i, c in enumerate(order) if c not in CHEAP), len(order))
    late = [c for c in order[first_costly:] if c in CHEAP]
    if late:
        raise AssertionError(feedback("a cheap code check comes after a costly training check", got=order,
                                      hint=f"{late} take seconds and no training: a bug there makes every "
                                           "tuning experiment meaningless, so rule them out first"))
