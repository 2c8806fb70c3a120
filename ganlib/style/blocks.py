"""The pieces of a style-based generator, each one idea: AdaIN (StyleGAN), modulation with
demodulation (StyleGAN2), per-pixel noise, and the layers built from them.

Every layer takes the feature maps ``x`` (N, C, H, W) and this layer's ``w`` (N, w_dim); a
learned affine map A turns w into the layer's *style*. Notebook 07 teaches these in its cells.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EqualLinear(nn.Module):
    """A linear layer with StyleGAN's equalised learning rate: weights stored as N(0, 1/lr_mul²),
    scaled at run time, so Adam moves every layer at the same pace (``lr_mul`` < 1: slower)."""

    def __init__(self, in_features: int, out_features: int, lr_mul: float = 1.0,
                 bias_init: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lr_mul))
        self.scale, self.lr_mul = lr_mul / math.sqrt(in_features), lr_mul

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight * self.scale, self.bias * self.lr_mul)


def adain(x, scale, bias, eps=1e-5):
    """Adaptive instance normalisation: normalise each feature map of each image, then apply the
    style."""
    mean = x.mean(dim=(2, 3), keepdim=True)
    var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
    return scale[:, :, None, None] * (x - mean) / torch.sqrt(var + eps) + bias[:, :, None, None]


def modulated_conv2d(x, weight, styles, demodulate=True, eps=1e-8):
    """A convolution whose weights each image's style scales (modulation), then rescales to unit
    size (demodulation)."""
    # = conv with w·s
    out = F.conv2d(x * styles[:, :, None, None], weight, padding=weight.shape[-1] // 2)
    if demodulate:
        # 1 / ‖w·s‖ per output map
        d = torch.rsqrt(styles.square() @ weight.square().sum(dim=(2, 3)).T + eps)
        out = out * d[:, :, None, None]
    return out


def lrelu(x: Tensor) -> Tensor:
    """LeakyReLU (slope 0.2) times StyleGAN's gain √2: it halves a signal's mean square, the gain
    gives it back, so activations keep their size however many layers are stacked (without it, 4
    mapping layers shrink W's variance 25×)."""
    return F.leaky_relu(x, 0.2) * math.sqrt(2)


def upsample(x: Tensor) -> Tensor:
    """Double the side of feature maps (bilinear)."""
    return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


class NoiseInput(nn.Module):
    """Per-pixel noise, one noise image per sample shared by all channels, times a learned strength
    (0 at first).

    ``mode``: ``"random"`` (fresh noise each call), ``"const"`` (this layer's fixed noise image) or
    ``"none"``.
    """

    def __init__(self, size: int):
        super().__init__()
        self.strength = nn.Parameter(torch.zeros(()))
        self.register_buffer("const",
                             torch.randn(1, 1, size, size,
                                         generator=torch.Generator().manual_seed(size)))

    def forward(self, x: Tensor, mode: str = "random") -> Tensor:
        if mode == "none":
            return x
        noise = (
            self.const if mode == "const" else torch.randn(len(x), 1, *x.shape[2:], device=x.device)
        )
        return x + self.strength * noise


class ModulatedLayer(nn.Module):
    """StyleGAN2's layer: (up-sample) → 3×3 conv modulated by this layer's style and demodulated →
    noise → bias → LeakyReLU (gain √2)."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, size: int, up: bool = False,
                 noise: bool = True):
        super().__init__()
        self.up = up
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, 3, 3))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.noise = NoiseInput(size) if noise else None
        self.to_style = EqualLinear(w_dim, in_ch, bias_init=1.0)  # A: w → one scale per input map

    def forward(self, x: Tensor, w: Tensor, noise_mode: str = "random") -> Tensor:
        if self.up:
            x = upsample(x)
        x = modulated_conv2d(x, self.weight, self.to_style(w))
        if self.noise is not None:
            x = self.noise(x, noise_mode)
        return lrelu(x + self.bias[None, :, None, None])


class AdaINLayer(ModulatedLayer):
    """StyleGAN's layer: (up-sample) → 3×3 conv → noise → bias → LeakyReLU → AdaIN with this layer's
    style.

    The same weights, noise and bias as :class:`ModulatedLayer`; the style is a scale and a bias per
    *output* map.
    """

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, size: int, up: bool = False,
                 noise: bool = True):
        super().__init__(in_ch, out_ch, w_dim, size, up, noise)
        del self.to_style
        # A: w → the style (a scale and a bias per map)
        self.to_scale = EqualLinear(w_dim, out_ch, bias_init=1.0)
        self.to_bias = EqualLinear(w_dim, out_ch)

    def forward(self, x: Tensor, w: Tensor, noise_mode: str = "random") -> Tensor:
        if self.up:
            x = upsample(x)
        x = F.conv2d(x, self.weight / math.sqrt(self.weight[0].numel()), padding=1)
        if self.noise is not None:
            x = self.noise(x, noise_mode)
        x = F.leaky_relu(x + self.bias[None, :, None, None], 0.2)
        return adain(x, self.to_scale(w), self.to_bias(w))


class ToImage(nn.Module):
    """The output layer: a 1×1 convolution modulated by the last style (no demodulation), then
    tanh."""

    def __init__(self, in_ch: int, w_dim: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(1, in_ch, 1, 1))
        self.bias = nn.Parameter(torch.zeros(1))
        self.to_style = EqualLinear(w_dim, in_ch, bias_init=1.0)

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        styles = self.to_style(w) / math.sqrt(x.shape[1])
        return torch.tanh(modulated_conv2d(x, self.weight, styles, demodulate=False) + self.bias)
