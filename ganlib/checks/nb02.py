"""Checks for notebook 02's exercises: the generator's and the discriminator's loss, from logits."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlib.losses import d_loss, g_loss_nonsaturating

from . import exercise, feedback, type_name

_LOGITS = ([0.0, 0.0], [2.0, -1.0, 0.5], [-3.0, 4.0, 1.0, -0.5])
_EXTREME = [-120.0, 120.0, -30.0]


def _loss_answer(out, inputs: list[torch.Tensor]) -> dict:
    """What a loss function gave back: its value, its kind, and the gradient it sends to each input."""
    if not torch.is_tensor(out):
        return {"value": out, "tensor": False}
    answer = {"value": out.detach(), "tensor": True, "dim": out.dim(), "grad": None}
    if out.dim() == 0 and out.requires_grad:
        answer["grad"] = [g if g is not None else torch.zeros_like(x)
                          for g, x in zip(torch.autograd.grad(out, inputs, allow_unused=True), inputs)]
    return answer


def _scalar(got: dict, name: str, given) -> float:
    """The learner's loss as a number, or a helpful AssertionError about its type or shape."""
    if not got.get("tensor"):
        raise AssertionError(feedback(f"{name} must return a torch tensor", given=given,
                                      got=type_name(got.get("value")),
                                      hint="stay in torch (no .item(), no numpy) so gradients can flow"))
    if got["dim"] != 0:
        raise AssertionError(feedback(f"{name} must return one number (a 0-d tensor)", given=given,
                                      got=f"shape {tuple(got['value'].shape)}",
                                      hint="average over the batch with .mean()"))
    return float(got["value"])


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-4 * (1 + abs(want)) if got == got and abs(got) != float("inf") else False


# ----------------------------------------------------------------------------- exercise 1

def _g_cases(seed: int) -> list[dict]:
    return [{"logits": torch.tensor(v)} for v in _LOGITS] + [{"logits": torch.tensor(_EXTREME), "extreme": True}]


def _g_run(fn, case):
    x = case["logits"].clone().requires_grad_(True)
    return _loss_answer(fn(x), [x])


def _g_judge(case, got) -> None:
    logits = case["logits"]
    given = "logits of ±120" if case.get("extreme") else logits.tolist()
    value = _scalar(got, "the generator loss", given)
    want = g_loss_nonsaturating(logits).item()
    if case.get("extreme"):
        if not _close(value, want):
            raise AssertionError(feedback("not numerically stable at large logits", given=given,
                                          expected=round(want, 4), got=value,
                                          hint="sigmoid then log overflows: use F.softplus(-l)"))
    elif not _close(value, want):
        hint = "−mean log D(G(z)) with D = sigmoid(logit): −log σ(l) = softplus(−l)"
        if abs(value + want) < 1e-4:
            hint = "the sign is flipped: the generator *minimises* −log D(G(z))"
        elif abs(value - want * len(logits)) < 1e-4:
            hint = "use the mean over the batch, not the sum"
        elif abs(value - F.softplus(logits).mean().item()) < 1e-4:
            hint = ("softplus(l) = −log(1 − D(G(z))) is the discriminator's term for fakes; "
                    "the generator wants −log D(G(z)) = softplus(−l)")
        elif abs(value + F.softplus(logits).mean().item()) < 1e-4:
            hint = "that is the saturating (minimax) loss log(1 − D(G(z))); here we want −log D(G(z))"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(value, 5), hint=hint))
    if got["grad"] is None:
        raise AssertionError(feedback("no gradient flows back to the logits", given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


check_nonsaturating_loss = exercise(
    "nonsaturating_loss", notebook="02_vanilla_gan.ipynb", reference=g_loss_nonsaturating,
    title="The non-saturating generator loss from logits", cases=_g_cases, run=_g_run, judge=_g_judge)


# ----------------------------------------------------------------------------- exercise 2

def _d_cases(seed: int) -> list[dict]:
    pairs = [(_LOGITS[1], _LOGITS[2]), (_LOGITS[0], _LOGITS[1]), ([3.0], [-2.0, 0.5])]
    return ([{"real": torch.tensor(r), "fake": torch.tensor(f)} for r, f in pairs]
            + [{"real": torch.tensor(_EXTREME), "fake": -torch.tensor(_EXTREME), "extreme": True}])


def _d_run(fn, case):
    r, f = case["real"].clone().requires_grad_(True), case["fake"].clone().requires_grad_(True)
    return _loss_answer(fn(r, f), [r, f])


def _d_judge(case, got) -> None:
    real, fake = case["real"], case["fake"]
    given = "logits of ±120" if case.get("extreme") else f"real_logits={real.tolist()}, fake_logits={fake.tolist()}"
    value = _scalar(got, "the discriminator loss", given)
    want = d_loss(real, fake).item()
    if case.get("extreme"):
        if not _close(value, want):
            raise AssertionError(feedback("not numerically stable at large logits", given=given,
                                          expected=round(want, 4), got=value,
                                          hint="use F.softplus (or F.binary_cross_entropy_with_logits), not log(sigmoid)"))
    elif not _close(value, want):
        term_r, term_f = F.softplus(-real).mean().item(), F.softplus(fake).mean().item()
        hint = "mean softplus(−l_real) + mean softplus(l_fake): real should score high, fake low"
        if abs(value - d_loss(fake, real).item()) < 1e-4:
            hint = "real and fake are swapped: D wants high logits on real, low on fake"
        elif abs(value + want) < 1e-4:
            hint = "the sign is flipped: this is a loss to minimise (the negative of V)"
        elif abs(value - term_r) < 1e-4 or abs(value - term_f) < 1e-4:
            hint = "only one of the two terms: D is judged on real and on fake samples"
        elif abs(value - want / 2) < 1e-4 or abs(value - F.softplus(-torch.cat([real, -fake])).mean().item()) < 1e-4:
            hint = "add the two means (each batch weighs the same), do not average them together"
        raise AssertionError(feedback("wrong value", given=given, expected=round(want, 5),
                                      got=round(value, 5), hint=hint))
    if got["grad"] is None:
        raise AssertionError(feedback("no gradient flows back to the logits", given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


check_discriminator_loss = exercise(
    "discriminator_loss", notebook="02_vanilla_gan.ipynb", reference=d_loss,
    title="The discriminator loss from logits", cases=_d_cases, run=_d_run, judge=_d_judge)
