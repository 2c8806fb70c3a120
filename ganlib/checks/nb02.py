"""Checks for notebook 02's exercises: the generator's and the discriminator's loss, from logits."""

from __future__ import annotations

import torch

from ganlib.losses import d_loss, g_loss_nonsaturating

from . import exercise, feedback

_LOGITS = (torch.tensor([0.0, 0.0]), torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 4.0, 1.0, -0.5]))
_EXTREME = torch.tensor([-120.0, 120.0, -30.0])


def _scalar(value, name: str, given) -> torch.Tensor:
    """The learner's result as a 0-d tensor that still carries gradients, or a helpful AssertionError."""
    if not torch.is_tensor(value):
        raise AssertionError(feedback(f"{name} must return a torch tensor", given=given,
                                      got=type(value).__name__,
                                      hint="stay in torch (no .item(), no numpy) so gradients can flow"))
    if value.dim() != 0:
        raise AssertionError(feedback(f"{name} must return one number (a 0-d tensor)", given=given,
                                      got=f"shape {tuple(value.shape)}",
                                      hint="average over the batch with .mean()"))
    return value


def _close(got: torch.Tensor, want: torch.Tensor) -> bool:
    return bool(torch.isfinite(got)) and abs(got.item() - want.item()) <= 1e-4 * (1 + abs(want.item()))


@exercise("nonsaturating_loss", notebook="02_vanilla_gan.ipynb", reference=g_loss_nonsaturating,
          title="The non-saturating generator loss from logits")
def check_nonsaturating_loss(fn):
    for logits in _LOGITS:
        got = _scalar(fn(logits), "the generator loss", logits.tolist())
        want = g_loss_nonsaturating(logits)
        if not _close(got, want):
            hint = "−mean log D(G(z)) with D = sigmoid(logit): −log σ(l) = softplus(−l)"
            if abs(got.item() + want.item()) < 1e-4:
                hint = "the sign is flipped: the generator *minimises* −log D(G(z))"
            elif abs(got.item() - want.item() * len(logits)) < 1e-4:
                hint = "use the mean over the batch, not the sum"
            elif abs(got.item() - torch.nn.functional.softplus(logits).mean().item()) < 1e-4:
                hint = ("softplus(l) = −log(1 − D(G(z))) is the discriminator's term for fakes; "
                        "the generator wants −log D(G(z)) = softplus(−l)")
            elif abs(got.item() + torch.nn.functional.softplus(logits).mean().item()) < 1e-4:
                hint = "that is the saturating (minimax) loss log(1 − D(G(z))); here we want −log D(G(z))"
            raise AssertionError(feedback("wrong value", given=logits.tolist(), expected=round(want.item(), 5),
                                          got=round(got.item(), 5), hint=hint))
    x = _EXTREME.clone().requires_grad_(True)
    got = _scalar(fn(x), "the generator loss", _EXTREME.tolist())
    if not _close(got, g_loss_nonsaturating(_EXTREME)):
        raise AssertionError(feedback("not numerically stable at large logits", given=_EXTREME.tolist(),
                                      expected=round(g_loss_nonsaturating(_EXTREME).item(), 4),
                                      got=got.item(), hint="sigmoid then log overflows: use F.softplus(-l)"))
    if not got.requires_grad:
        raise AssertionError(feedback("no gradient flows back to the logits", given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))


@exercise("discriminator_loss", notebook="02_vanilla_gan.ipynb", reference=d_loss,
          title="The discriminator loss from logits")
def check_discriminator_loss(fn):
    pairs = [(_LOGITS[1], _LOGITS[2]), (_LOGITS[0], _LOGITS[1]), (torch.tensor([3.0]), torch.tensor([-2.0, 0.5]))]
    for real, fake in pairs:
        given = f"real_logits={real.tolist()}, fake_logits={fake.tolist()}"
        got = _scalar(fn(real, fake), "the discriminator loss", given)
        want = d_loss(real, fake)
        if not _close(got, want):
            F = torch.nn.functional
            term_r, term_f = F.softplus(-real).mean().item(), F.softplus(fake).mean().item()
            hint = "mean softplus(−l_real) + mean softplus(l_fake): real should score high, fake low"
            if abs(got.item() - d_loss(fake, real).item()) < 1e-4:
                hint = "real and fake are swapped: D wants high logits on real, low on fake"
            elif abs(got.item() + want.item()) < 1e-4:
                hint = "the sign is flipped: this is a loss to minimise (the negative of V)"
            elif abs(got.item() - term_r) < 1e-4 or abs(got.item() - term_f) < 1e-4:
                hint = "only one of the two terms: D is judged on real and on fake samples"
            elif abs(got.item() - want.item() / 2) < 1e-4 or abs(got.item() - F.softplus(
                    -torch.cat([real, -fake])).mean().item()) < 1e-4:
                hint = "add the two means (each batch weighs the same), do not average them together"
            raise AssertionError(feedback("wrong value", given=given, expected=round(want.item(), 5),
                                          got=round(got.item(), 5), hint=hint))
    r, f = _EXTREME.clone().requires_grad_(True), (-_EXTREME).clone().requires_grad_(True)
    got = _scalar(fn(r, f), "the discriminator loss", "logits of ±120")
    if not _close(got, d_loss(_EXTREME, -_EXTREME)):
        raise AssertionError(feedback("not numerically stable at large logits", given="logits of ±120",
                                      expected=round(d_loss(_EXTREME, -_EXTREME).item(), 4), got=got.item(),
                                      hint="use F.softplus (or F.binary_cross_entropy_with_logits), not log(sigmoid)"))
    if not got.requires_grad:
        raise AssertionError(feedback("no gradient flows back to the logits", given="logits with requires_grad",
                                      hint="do not detach or convert to numpy inside the loss"))
