"""The style-based generator: a mapping network z → w, and a synthesis network that draws from a
learned constant, 7 → 14 → 28, with one copy of w (a *style*) per layer. Truncation in W and style
mixing.

The interface other code relies on: ``G.mapping(z) -> w`` (N, w_dim); ``G.synthesis(ws)`` with ws of
shape (N, G.num_layers, w_dim); ``G(z, truncation_psi=1.0)``; ``G.w_avg``; ``G.latent_dim``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .blocks import AdaINLayer, EqualLinear, ModulatedLayer, ToImage, lrelu

STYLES = {"adain": AdaINLayer, "modulated": ModulatedLayer}


class MappingNetwork(nn.Module):
    """z → w: normalise z to the unit sphere (times √d), then an MLP of LeakyReLU layers with gain
    √2 (0 layers: w = normalised z).

    Its layers learn 100× slower than the rest (``lr_mul``), as in StyleGAN.
    """

    def __init__(self, latent_dim: int = 64, w_dim: int = 64, layers: int = 4,
                 lr_mul: float = 0.01):
        super().__init__()
        dims = [latent_dim] + [w_dim] * layers
        self.layers = nn.ModuleList(EqualLinear(a, b, lr_mul) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, z: Tensor) -> Tensor:
        x = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
        for layer in self.layers:
            x = lrelu(layer(x))
        return x


class SynthesisNetwork(nn.Module):
    """ws (N, num_layers, w_dim) → images: a learned 7×7 constant, five style layers
    (7, 14, 14, 28, 28), an output layer."""

    def __init__(self, w_dim: int = 64, channels: tuple = (64, 32, 16),
                 style: str | type = "modulated", noise: bool = True):
        super().__init__()
        c7, c14, c28 = channels
        # or a layer class of the same signature (notebook 07's own)
        Layer = STYLES[style] if isinstance(style, str) else style
        self.const = nn.Parameter(torch.randn(1, c7, 7, 7))
        self.layers = nn.ModuleList([
            Layer(c7, c7, w_dim, 7, noise=noise),
            Layer(c7, c14, w_dim, 14, up=True, noise=noise),
            Layer(c14, c14, w_dim, 14, noise=noise),
            Layer(c14, c28, w_dim, 28, up=True, noise=noise),
            Layer(c28, c28, w_dim, 28, noise=noise)])
        self.to_image = ToImage(c28, w_dim)
        self.num_layers = len(self.layers) + 1  # one w per style layer, one for the output layer

    def forward(self, ws: Tensor, noise_mode: str = "random") -> Tensor:
        x = self.const.expand(len(ws), -1, -1, -1)
        for i, layer in enumerate(self.layers):
            x = layer(x, ws[:, i], noise_mode)
        return self.to_image(x, ws[:, -1])


def truncate(w, w_avg, psi):
    """The truncation trick in W: move each w toward the average w by the factor ψ
    (1: unchanged, 0: the average)."""
    return w_avg + psi * (w - w_avg)


class StyleGenerator(nn.Module):
    """z (N, latent_dim) → w = mapping(z) → the same w for every layer
    (or two, mixed, while training) → synthesis.

    While training it keeps ``w_avg``, a running average of w (for truncation), and with probability
    ``mixing`` gives the layers after a random cut-off the w of another z
    (style-mixing regularisation).
    """

    def __init__(self, latent_dim: int = 64, w_dim: int = 64, mapping_layers: int = 4,
                 channels: tuple = (64, 32, 16), style: str = "modulated", noise: bool = True,
                 mixing: float = 0.9, w_avg_beta: float = 0.995):
        super().__init__()
        self.config = dict(latent_dim=latent_dim, w_dim=w_dim, mapping_layers=mapping_layers,
                           channels=list(channels), style=style, noise=noise, mixing=mixing,
                           w_avg_beta=w_avg_beta)
        self.latent_dim, self.w_dim, self.mixing, self.w_avg_beta = (
            latent_dim,
            w_dim,
            mixing,
            w_avg_beta,
        )
        self.mapping = MappingNetwork(latent_dim, w_dim, mapping_layers)
        self.synthesis = SynthesisNetwork(w_dim, tuple(channels), style, noise)
        self.num_layers = self.synthesis.num_layers
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: Tensor, truncation_psi: float = 1.0, noise_mode: str = "random") -> Tensor:
        w = self.mapping(z)
        if self.training:
            self.w_avg.copy_(w.detach().mean(0).lerp(self.w_avg, self.w_avg_beta))
        ws = w[:, None].repeat(1, self.num_layers, 1)
        if self.training and self.mixing > 0 and torch.rand(()) < self.mixing:
            cut = int(torch.randint(1, self.num_layers, ()))
            ws[:, cut:] = self.mapping(torch.randn_like(z))[:, None]
        return self.synthesis(truncate(ws, self.w_avg, truncation_psi), noise_mode)
