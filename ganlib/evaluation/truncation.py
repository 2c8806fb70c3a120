"""The truncation trick as BigGAN does it, and the latent scaling it is often confused with.

BigGAN (Brock et al. 2019) samples z from a *truncated* normal: every coordinate whose magnitude
exceeds a threshold is drawn again until none does. Each kept coordinate is still a typical draw,
only the tails are gone. Multiplying z by ψ < 1 ("latent scaling") is a different operation: it
shrinks every vector towards 0, and in 64 dimensions z = 0 is nowhere near a typical draw
(‖z‖ concentrates around √64 = 8), so ψ → 0 feeds the generator inputs it never saw in training.
StyleGAN's ψ interpolates in W towards the average w, a third thing again (notebook 07).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganlib.validate import check_number


def truncated_noise(n, dim, threshold, generator=None):
    """n × dim noise from N(0, 1) with every coordinate redrawn until |z| ≤ threshold
    (BigGAN's truncation)."""
    check_number(threshold, "threshold", low=0.01)  # below that, redrawing would take very long
    z = torch.randn(n, dim, generator=generator)
    outside = z.abs() > threshold
    while outside.any():
        z[outside] = torch.randn(int(outside.sum()), generator=generator)
        outside = z.abs() > threshold
    return z


def norms(z: Tensor) -> Tensor:
    """The length ‖z‖ of each noise vector (what the generator saw in training concentrates near
    √dim)."""
    return z.flatten(1).norm(dim=1)
