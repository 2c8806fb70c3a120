"""Checks for notebook 04's exercises: the WGAN-GP gradient penalty, the hinge loss, the collapse checklist."""

from __future__ import annotations

import torch
from torch import nn

from ganlib.stability.fixes import gradient_penalty, hinge_d_loss
from ganlib.stability.gallery import CHEAP, CHECKS, recommended_order

from . import exercise, feedback, type_name

NOTEBOOK = "04_instability_and_mode_collapse.ipynb"


def _critic(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))


def _penalty_inputs(case) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(case["data_seed"])
    return _critic(case["critic_seed"]), torch.randn(32, 2, generator=g) + 2, torch.randn(32, 2, generator=g)


# ----------------------------------------------------------------------------- exercise 1

def _gp_cases(seed: int) -> list[dict]:
    return [{"critic_seed": seed, "data_seed": seed + 1, "eps_seed": 5}]


def _gp_run(fn, case):
    D, real, fake = _penalty_inputs(case)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["eps_seed"])
        got = fn(D, real, fake)
    if not torch.is_tensor(got):
        return {"value": got}
    grad = None
    if got.dim() == 0 and got.grad_fn is not None:
        (grad,) = torch.autograd.grad(got, D[0].weight, allow_unused=True)
    return {"value": got.detach(), "graph": got.grad_fn is not None, "weight_grad": grad}


def _gp_judge(case, got) -> None:
    value = got.get("value") if isinstance(got, dict) else got
    if not torch.is_tensor(value) or value.dim() != 0:
        raise AssertionError(feedback("the penalty must be one number (a 0-d tensor)", got=type_name(value),
                                      hint="average (‖∇D(x̂)‖ − 1)² over the batch with .mean()"))
    if not got.get("graph"):
        raise AssertionError(feedback("the penalty carries no gradient back to D's weights",
                                      hint="use torch.autograd.grad(..., create_graph=True)"))
    D, real, fake = _penalty_inputs(case)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["eps_seed"])
        want = gradient_penalty(D, real, fake).item()
        torch.manual_seed(case["eps_seed"])
        eps = torch.rand(1).item()  # one ε for the whole batch: a typical mistake
    if abs(value.item() - want) > 1e-4 * (1 + abs(want)):
        hint = "x̂ = ε·real + (1−ε)·fake with one ε ~ U(0,1) per sample: torch.rand(len(real), 1)"
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (gr,) = torch.autograd.grad(D(x).sum(), x)
        if abs(value.item() - 10 * ((gr.norm(dim=1) - 1) ** 2).mean().item()) < 1e-4:
            hint = "draw one ε per sample, not one for the whole batch (torch.rand(len(real), 1))"
        raise AssertionError(feedback("wrong value (with torch.manual_seed(5) before the call)",
                                      expected=round(want, 5), got=round(value.item(), 5), hint=hint))
    gd = got.get("weight_grad")
    if gd is None or not torch.isfinite(gd).all() or gd.abs().sum() == 0:
        raise AssertionError(feedback("the penalty's gradient to D's weights is zero",
                                      hint="create_graph=True, and do not detach the gradient"))


check_gradient_penalty = exercise("gradient_penalty", notebook=NOTEBOOK, reference=gradient_penalty,
                                  title="The WGAN-GP gradient penalty",
                                  cases=_gp_cases, run=_gp_run, judge=_gp_judge)


# ----------------------------------------------------------------------------- exercise 2

def _hinge_cases(seed: int) -> list[dict]:
    return [{"args": [torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.3])]},
            {"args": [torch.tensor([0.0, 3.0]), torch.tensor([1.5, -0.2, -4.0])]}]


def _hinge_judge(case, got) -> None:
    real, fake = case["args"]
    given = (real.tolist(), fake.tolist())
    if not torch.is_tensor(got) or got.dim() != 0:
        raise AssertionError(feedback("the loss must be one number (a 0-d tensor)", given=given,
                                      got=type_name(got), hint="use .mean() over each batch"))
    want = hinge_d_loss(real, fake).item()
    if abs(got.item() - want) > 1e-5:
        hint = "mean relu(1 − D(real)) + mean relu(1 + D(fake))"
        if abs(got.item() - ((1 - real).mean() + (1 + fake).mean()).item()) < 1e-5:
            hint = "without relu there is no margin: D keeps pushing scores it already gets right"
        elif abs(got.item() - (torch.relu(1 + real).mean() + torch.relu(1 - fake).mean()).item()) < 1e-5:
            hint = "the signs are swapped: real scores should be pushed above +1, fake below −1"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(got.item(), 5), hint=hint))


check_hinge_d_loss = exercise("hinge_d_loss", notebook=NOTEBOOK, reference=hinge_d_loss,
                              title="The hinge loss for the discriminator", cases=_hinge_cases, judge=_hinge_judge)


# ----------------------------------------------------------------------------- exercise 3

def _order_cases(seed: int) -> list[dict]:
    return [{}]


def _order_run(fn, case):
    return list(fn())


def _order_judge(case, got) -> None:
    if not isinstance(got, list) or not all(isinstance(c, str) for c in got):
        raise AssertionError(feedback("return a list of check names (strings)", got=type_name(got)))
    order = got
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


check_collapse_checklist = exercise("collapse_checklist", notebook=NOTEBOOK, reference=recommended_order,
                                    title="Your order of checks for a collapsed GAN",
                                    cases=_order_cases, run=_order_run, judge=_order_judge)
