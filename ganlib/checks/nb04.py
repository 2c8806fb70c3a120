"""Checks for notebook 04's exercises: the WGAN-GP gradient penalty, the hinge loss, the collapse
checklist."""

from __future__ import annotations

import torch
from torch import nn

from ganlib.stability.fixes import gradient_penalty, hinge_d_loss
from ganlib.stability.gallery import BALANCE_CHECKS, CHECKS, CODE_CHECKS, recommended_order

from . import drawn, exercise, feedback, type_name

NOTEBOOK = "04_instability_and_mode_collapse.ipynb"


def _critic(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0))


def _penalty_inputs(case) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(case["data_seed"])
    return (
        _critic(case["critic_seed"]),
        torch.randn(32, 2, generator=g) + 2,
        torch.randn(32, 2, generator=g),
    )


# ----------------------------------------------------------------------------- exercise 1

def _grad_at(D: nn.Module, x_hat: torch.Tensor) -> torch.Tensor:
    """∇D at each row of x_hat (no graph kept: for the checker's own comparisons)."""
    x_hat = x_hat.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat)
    return grad


def _penalty_at(D: nn.Module, x_hat: torch.Tensor, weight: float = 10.0) -> float:
    """weight · mean (‖∇D(x̂)‖ − 1)² at the given points."""
    return weight * ((_grad_at(D, x_hat).norm(dim=1) - 1) ** 2).mean().item()


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
        raise AssertionError(feedback("the penalty must be one number (a 0-d tensor)",
                                      got=type_name(value),
                                      hint="average (‖∇D(x̂)‖ − 1)² over the batch with .mean()"))
    if not got.get("graph"):
        raise AssertionError(feedback("the penalty carries no gradient back to D's weights",
                                      hint="use torch.autograd.grad(..., create_graph=True)"))
    D, real, fake = _penalty_inputs(case)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(case["eps_seed"])
        want = gradient_penalty(D, real, fake).item()
        torch.manual_seed(case["eps_seed"])
        eps_each = torch.rand(len(real), 1)  # the reference's ε, one per sample
        torch.manual_seed(case["eps_seed"])
        eps = torch.rand(1).item()  # one ε for the whole batch: a typical mistake
    close = lambda v: abs(value.item() - v) < 1e-4 * (1 + abs(v))  # noqa: E731
    # x̂ = (1−ε)·real + ε·fake is the same penalty (ε and 1−ε are both uniform on (0, 1)): accepted
    # too
    flipped = _penalty_at(D, (1 - eps_each) * real + eps_each * fake)
    if not (close(want) or close(flipped)):
        hint = "x̂ = ε·real + (1−ε)·fake with one ε ~ U(0,1) per sample: torch.rand(len(real), 1)"
        g_each = _grad_at(D, eps_each * real + (1 - eps_each) * fake)
        g_one = _grad_at(D, eps * real + (1 - eps) * fake)
        if close(10 * ((g_each.pow(2).sum(dim=1) - 1) ** 2).mean().item()):
            hint = ("penalise the norm ‖∇D(x̂)‖ (the square root of the sum of squares), not its "
                    "square ‖∇D(x̂)‖²")
        elif close(10 * (g_each.norm(dim=1) - 1).abs().mean().item()):
            hint = "square the distance from 1: (‖∇D(x̂)‖ − 1)², not |‖∇D(x̂)‖ − 1|"
        elif close(10 * (g_each.norm() - 1).item() ** 2):
            hint = ("take one norm per sample (grad.flatten(1).norm(dim=1)), then the mean over "
                    "the batch")
        elif close(10 * ((g_one.norm(dim=1) - 1) ** 2).mean().item()):
            hint = "draw one ε per sample, not one for the whole batch (torch.rand(len(real), 1))"
        elif close(((g_each.norm(dim=1) - 1) ** 2).mean().item()):
            hint = "multiply by the weight (10 by default)"
        raise AssertionError(feedback("wrong value (with torch.manual_seed(5) before the call; "
                                      "ε·real + (1−ε)·fake and (1−ε)·real + ε·fake are both "
                                      "accepted)",
                                      expected=round(want, 5), got=round(value.item(), 5),
                                      hint=hint))
    gd = got.get("weight_grad")
    if gd is None or not torch.isfinite(gd).all() or gd.abs().sum() == 0:
        raise AssertionError(feedback("the penalty's gradient to D's weights is zero",
                                      hint="create_graph=True, and do not detach the gradient"))


check_gradient_penalty = exercise("gradient_penalty", notebook=NOTEBOOK, reference=gradient_penalty,
                                  title="The WGAN-GP gradient penalty",
                                  cases=_gp_cases, run=_gp_run, judge=_gp_judge)


# ----------------------------------------------------------------------------- exercise 2

def _hinge_cases(seed: int) -> list[dict]:
    # the first case tells the usual mistakes apart: the real mean is beyond the margin
    # (1 − mean < 0) while one real sample is not, so relu outside the mean, no relu and relu per
    # sample all give different values
    return [{"args": [torch.tensor([3.0, 2.5, 0.5]), torch.tensor([-2.0, 0.3, -3.0])]},
            {"args": [torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.3])]},
            {"args": [torch.tensor([0.0, 3.0]), torch.tensor([1.5, -0.2, -4.0])]},
            # a table of answers cannot pass
            {"args": [drawn(seed, 1, 4, scale=2), drawn(seed, 2, 3, scale=2)]}]


def _hinge_judge(case, got) -> None:
    real, fake = case["args"]
    given = (real.tolist(), fake.tolist())
    if not torch.is_tensor(got) or got.dim() != 0:
        raise AssertionError(feedback("the loss must be one number (a 0-d tensor)", given=given,
                                      got=type_name(got), hint="use .mean() over each batch"))
    want = hinge_d_loss(real, fake).item()
    if abs(got.item() - want) > 1e-5:
        hint = "mean relu(1 − D(real)) + mean relu(1 + D(fake))"
        close = lambda v: abs(got.item() - v.item()) < 1e-5  # noqa: E731
        if close(torch.relu((1 - real).mean()) + torch.relu((1 + fake).mean())):
            hint = ("relu goes inside the mean: clip each sample's margin first (relu(1 − D(x)) "
                    "per sample), then average; relu of the mean lets samples beyond the margin "
                    "cancel out those inside it")
        elif close((1 - real).mean() + (1 + fake).mean()):
            hint = "without relu there is no margin: D keeps pushing scores it already gets right"
        elif close(torch.relu(1 - real).sum() + torch.relu(1 + fake).sum()):
            hint = ("average over each batch (.mean()), not a sum: the loss must not grow with the "
                    "batch size")
        elif (
            abs(got.item() - (torch.relu(1 + real).mean() + torch.relu(1 - fake).mean()).item())
            < 1e-5
        ):
            hint = "the signs are swapped: real scores should be pushed above +1, fake below −1"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(got.item(), 5), hint=hint))


check_hinge_d_loss = exercise("hinge_d_loss", notebook=NOTEBOOK, reference=hinge_d_loss,
                              title="The hinge loss for the discriminator", cases=_hinge_cases,
                              judge=_hinge_judge)


# ----------------------------------------------------------------------------- exercise 3

def _order_cases(seed: int) -> list[dict]:
    return [{}]


def _order_run(fn, case):
    got = fn()
    return list(got) if isinstance(got, (list, tuple)) else got


def _order_judge(case, got) -> None:
    if not isinstance(got, list) or not all(isinstance(c, str) for c in got):
        raise AssertionError(feedback("return a list of check names (strings)", got=type_name(got),
                                      hint="e.g. return ['mode_coverage', 'data_range', ...]"))
    order = got
    unknown = [c for c in order if c not in CHECKS]
    if unknown:
        raise AssertionError(feedback("some names are not checks", got=order,
                                      expected=sorted(CHECKS),
                                      hint=f"unknown: {unknown}; copy the names printed above"))
    twice = sorted({c for c in order if order.count(c) > 1})
    if twice:
        raise AssertionError(feedback("a check appears twice", got=order,
                                      hint=f"{twice}: each check once is enough; its finding does "
                                           "not change"))
    missing = [c for c in CHECKS if c not in order]
    if missing:
        hint = (f"you skip {missing}. A failing GAN can have several causes at once, so run "
                "every check: the one you skip may be the one that matters")
        if "mode_coverage" in missing:
            hint = ("include 'mode_coverage': without a number you cannot tell that the failure is "
                    "there, or gone")
        raise AssertionError(feedback(f"{len(missing)} of {len(CHECKS)} checks are missing",
                                      got=order, hint=hint))
    last_code = max(order.index(c) for c in CODE_CHECKS)
    early = [c for c in BALANCE_CHECKS if order.index(c) < last_code]
    if early:
        late = [c for c in CODE_CHECKS if order.index(c) > min(order.index(b) for b in early)]
        raise AssertionError(feedback("a balance check comes before a code check", got=order,
                                      hint=f"{late} read the code in seconds, without training; a "
                                           "bug there makes "
                                           f"the balance of the game ({early}) meaningless to "
                                           "tune, so rule the code bugs out first. Measuring "
                                           "(mode_coverage) may come anywhere"))


check_collapse_checklist = exercise("collapse_checklist", notebook=NOTEBOOK,
                                    reference=recommended_order,
                                    title="Your order of checks for a failing GAN",
                                    cases=_order_cases, run=_order_run, judge=_order_judge)
