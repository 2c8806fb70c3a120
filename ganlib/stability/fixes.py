"""Fixes for unstable GANs and mode collapse: small, one idea each, each with its paper.

They plug into :func:`ganlib.train.gan_step` / :func:`ganlib.train.fit` the same way the
plain losses do: ``d_loss(real_logits, fake_logits)``, ``g_loss(fake_logits)``,
``penalty(D, real, fake)``; or they wrap a model (spectral norm, packing, minibatch std).

- Wasserstein loss + gradient penalty (WGAN-GP) — Gulrajani et al. 2017, arXiv:1704.00028
- hinge loss — Lim & Ye 2017 (Geometric GAN), Miyato et al. 2018
- R1 penalty — Mescheder et al. 2018, "Which training methods for GANs do actually converge?";
  applied lazily — Karras et al. 2020
- spectral normalisation — Miyato et al. 2018, arXiv:1802.05957
- PacGAN packing — Lin et al. 2018, arXiv:1712.04086
- minibatch standard deviation — Karras et al. 2018 (Progressive GAN), arXiv:1710.10196
- two time-scale learning rates (TTUR) — Heusel et al. 2017, arXiv:1706.08500
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..validate import check_count


# ----------------------------------------------------------------------------- losses

def wgan_d_loss(real_scores: Tensor, fake_scores: Tensor) -> Tensor:
    """Critic loss of WGAN: mean D(fake) − mean D(real) (minimised); D's output is a score, not a
    logit."""
    return fake_scores.mean() - real_scores.mean()


def wgan_g_loss(fake_scores: Tensor) -> Tensor:
    """Generator loss of WGAN: −mean D(fake), i.e. raise the critic's score of the fakes."""
    return -fake_scores.mean()


def hinge_d_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """Hinge loss for D: mean relu(1 − D(real)) + mean relu(1 + D(fake)); no reward beyond a margin
    of 1."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def hinge_g_loss(fake_logits: Tensor) -> Tensor:
    """Hinge loss for G: −mean D(fake) (as in SN-GAN / BigGAN)."""
    return -fake_logits.mean()


# ----------------------------------------------------------------------------- penalties

def gradient_penalty(D, real: Tensor, fake: Tensor, weight: float = 10.0) -> Tensor:
    """WGAN-GP: weight · mean (‖∇D(x̂)‖ − 1)² at x̂ = ε·real + (1−ε)·fake, with ε ~ U(0,1) drawn per
    sample.

    One ε per sample (not per batch, not per pixel) so x̂ covers the segments between the two
    distributions. ``create_graph=True`` lets the penalty itself be differentiated into D's weights.
    """
    eps = torch.rand(len(real), *([1] * (real.dim() - 1)), device=real.device, dtype=real.dtype)
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)
    return weight * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(D, real: Tensor, fake: Tensor | None = None, gamma: float = 10.0) -> Tensor:
    """R1: (γ/2) · mean ‖∇ₓD(x)‖² on real data only; keeps D flat where the data lies
    (``fake`` is unused)."""
    x = real.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    return gamma / 2 * grad.flatten(1).pow(2).sum(dim=1).mean()


class LazyPenalty:
    """Lazy regularisation (StyleGAN2, Karras et al. 2020): apply ``penalty`` on every ``every``-th
    call only, scaled by ``every``, so it weighs the same on average at a fraction of its cost (R1's
    double backward is costly)."""

    def __init__(self, penalty, every: int = 16):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number ≥ 1, got {every!r}")
        self.penalty, self.every, self.calls = penalty, every, 0

    def __call__(self, D, real: Tensor, fake: Tensor):
        self.calls += 1
        if (self.calls - 1) % self.every:
            return 0.0
        return self.every * self.penalty(D, real, fake)


# ----------------------------------------------------------------------------- model wrappers

def spectral_norm(model: nn.Module) -> nn.Module:
    """Spectral normalisation on every Linear / Conv layer of ``model`` (in place; returns it).

    Each weight is divided by its largest singular value (one power iteration per step), which
    bounds D's Lipschitz constant and keeps its gradients from exploding.
    """
    for name, child in list(model.named_children()):
        if isinstance(child, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d)):
            setattr(model, name, nn.utils.parametrizations.spectral_norm(child))
        else:
            spectral_norm(child)
    return model


def pack(x: Tensor, m: int) -> Tensor:
    """PacGAN packing: (N, ...) → (N/m, m·d), m consecutive samples concatenated into one input."""
    m = check_count(m, "the packing degree m")
    if len(x) % m:
        raise ValueError(f"the batch size {len(x)} must be a multiple of the packing degree m={m}")
    return x.reshape(len(x) // m, -1)


class Packed(nn.Module):
    """A discriminator that judges m samples at once (PacGAN):
    ``Packed(D_with_m_times_the_inputs, m)``.

    A collapsed generator gives m near-identical samples; real packs are diverse. Seeing them
    together lets D spot the missing diversity, so G is pushed to cover the modes.
    """

    def __init__(self, inner: nn.Module, m: int):
        check_count(m, "the packing degree m")
        super().__init__()
        self.inner, self.m = inner, int(m)

    def forward(self, x: Tensor) -> Tensor:
        return self.inner(pack(x, self.m))


class MinibatchStdDev(nn.Module):
    """Append one feature: the mean over features of the std over the (group of the) batch
    (Progressive GAN).

    (N, d) → (N, d + 1). A collapsed batch has std ≈ 0, a real one does not, and D sees it.
    """

    def __init__(self, group_size: int = 4):
        super().__init__()
        self.group_size = int(group_size)

    def forward(self, x: Tensor) -> Tensor:
        n = len(x)
        g = min(self.group_size, n)
        if n % g:
            g = n
        y = x.flatten(1).reshape(g, n // g, -1)  # group members are n // g apart
        std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=1)  # one value per group slot
        return torch.cat([x.flatten(1), std.repeat(g).reshape(n, 1)], dim=1)


def two_time_scale(lr_g: float = 1e-4, lr_d: float = 4e-4) -> dict[str, float]:
    """TTUR: the detective learns faster than the forger (Heusel et al. use lr_d > lr_g); pass as
    ``fit(**…)``."""
    return {"lr_g": float(lr_g), "lr_d": float(lr_d)}
