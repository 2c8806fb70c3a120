"""The losses of the original GAN (Goodfellow et al. 2014), all computed from logits.

The discriminator D outputs a *logit* ``l`` (any real number); its probability "real" is
``D(x) = σ(l)``. Writing the logs through ``softplus`` keeps them finite where ``σ(l)`` rounds
to 0 or 1: ``-log σ(l) = softplus(-l)`` and ``-log(1 - σ(l)) = softplus(l)``.

Every loss is a plain function, minimised by its player, with one of two signatures, so that
other losses (hinge, Wasserstein) plug into :func:`ganlib.train.gan_step` the same way:
``d_loss(real_logits, fake_logits) -> Tensor`` and ``g_loss(fake_logits) -> Tensor``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Discriminator loss: −mean log D(x) − mean log(1 − D(G(z))) = mean softplus(−l_real) + mean
    softplus(l_fake).

    The binary cross-entropy of "real = 1, fake = 0"; minimising it is the detective maximising
    V(D, G). Its minimum over D, for a fixed forger, is log 4 − 2·JSD(p_data ‖ p_g).
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss_minimax(fake_logits: Tensor) -> Tensor:
    """Original (saturating) generator loss: mean log(1 − D(G(z))) = −mean softplus(l_fake),
    minimised.

    The generator's side of the minimax game. When D confidently rejects the fakes (l ≪ 0,
    early in training) its gradient σ(l) vanishes: the forger gets no signal. Hence "saturating".
    """
    return -F.softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits: Tensor) -> Tensor:
    """Non-saturating generator loss: −mean log D(G(z)) = mean softplus(−l_fake), minimised.

    Same fixed point as the minimax loss, but its gradient −(1 − σ(l)) is largest exactly when
    D rejects the fakes, so the generator learns fastest when it is worst. The usual choice.
    """
    return F.softplus(-fake_logits).mean()


def logit_gradient(loss, fake_logits) -> Tensor:
    """∂ loss_i / ∂ l_i of a generator loss for each fake logit l_i alone (no 1/N); to plot
    saturation."""
    l = torch.as_tensor(fake_logits, dtype=torch.float32).detach().reshape(-1).requires_grad_(True)
    (g,) = torch.autograd.grad(loss(l) * l.numel(), l)
    return g
