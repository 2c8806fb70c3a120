"""MLP generator and discriminator, as in the original GAN (Goodfellow et al. 2014).

Plain ``nn.Module``s. The generator maps noise z of shape (N, latent_dim) to samples of shape
(N, *out_shape); the discriminator maps samples (N, *in_shape) to one logit each, shape (N,).
Pass ``n_classes`` to both for a class-conditional pair: then call ``G(z, labels)`` and
``D(x, labels)`` (the label is one-hot encoded and concatenated to the input).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .validate import check_labels

Shape = int | Sequence[int]


def _shape(shape: Shape) -> tuple[int, ...]:
    return (int(shape),) if isinstance(shape, int) else tuple(int(s) for s in shape)


def _widths(hidden: int | Sequence[int], depth: int) -> list[int]:
    return [int(hidden)] * depth if isinstance(hidden, int) else [int(h) for h in hidden]


def _with_labels(x: Tensor, labels: Tensor | None, n_classes: int) -> Tensor:
    """Concatenate one-hot labels to a flat input (conditional models), or check none are given."""
    if n_classes == 0:
        if labels is not None:
            raise ValueError("this model is unconditional (n_classes=0) but labels were given")
        return x
    if labels is None:
        raise ValueError(f"this model is conditional (n_classes={n_classes}): pass labels too")
    labels = check_labels(labels, len(x), n_classes).to(x.device)
    return torch.cat([x, F.one_hot(labels, n_classes).to(x.dtype)], dim=1)


class MLPGenerator(nn.Module):
    """The forger: z (N, latent_dim) → hidden ReLU layers → samples (N, *out_shape).

    ``hidden`` is one width repeated ``depth`` times, or a list of widths. ``tanh=True`` squashes
    the output to [-1, 1], the range of the course's images; leave it off for toy 2-D points.
    """

    def __init__(self, latent_dim: int = 2, out_shape: Shape | None = None,
                 hidden: int | Sequence[int] = 128, depth: int = 2, *, tanh: bool = False,
                 n_classes: int = 0, out_dim: int | None = None):
        super().__init__()
        if (out_shape is None) == (out_dim is None):
            raise ValueError("give exactly one of out_shape and out_dim")
        self.latent_dim, self.n_classes = int(latent_dim), int(n_classes)
        self.out_shape = _shape(out_shape if out_shape is not None else out_dim)
        layers: list[nn.Module] = []
        width = self.latent_dim + self.n_classes
        for h in _widths(hidden, depth):
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, math.prod(self.out_shape)))
        if tanh:
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        x = self.net(_with_labels(z, labels, self.n_classes))
        return x.view(len(z), *self.out_shape)


class MLPDiscriminator(nn.Module):
    """The detective: samples (N, *in_shape) → hidden LeakyReLU(0.2) layers → one logit per sample,
    shape (N,).

    It returns logits, not probabilities: D(x) = sigmoid(logit). The losses in
    :mod:`ganlib.losses` take logits, which keeps them numerically stable.
    """

    def __init__(self, in_shape: Shape | None = None, hidden: int | Sequence[int] = 128,
                 depth: int = 2, *, dropout: float = 0.0, n_classes: int = 0,
                 in_dim: int | None = None):
        super().__init__()
        if (in_shape is None) == (in_dim is None):
            raise ValueError("give exactly one of in_shape and in_dim")
        self.in_shape = _shape(in_shape if in_shape is not None else in_dim)
        self.n_classes = int(n_classes)
        layers: list[nn.Module] = []
        width = math.prod(self.in_shape) + self.n_classes
        for h in _widths(hidden, depth):
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.net(_with_labels(x.flatten(1), labels, self.n_classes)).squeeze(1)
