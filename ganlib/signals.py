"""A non-image data set for GANs: short 1-D waveforms (sine waves), with two measurements.

Each wave is a·sin(2π·f·t + φ) on ``length`` points of t ∈ [0, 1), with f drawn from a few
whole frequencies, amplitude a ∈ [0.5, 1] and phase φ ∈ [0, 2π). Because f is a whole number,
its spectrum is one clean line: :func:`dominant_frequency` and :func:`purity` read it back.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

FREQUENCIES = (1, 2, 3, 4)


def sine_waves(n: int, generator: torch.Generator | None = None, length: int = 64,
               freqs: tuple[int, ...] = FREQUENCIES) -> Tensor:
    """n waves as a float32 tensor (n, length); pass as ``data`` to :func:`ganlib.train.fit`."""
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    f = torch.tensor(freqs, dtype=torch.float32)[torch.randint(len(freqs), (n, 1), generator=generator)]
    a = 0.5 + 0.5 * torch.rand(n, 1, generator=generator)
    phase = 2 * math.pi * torch.rand(n, 1, generator=generator)
    t = torch.arange(length, dtype=torch.float32) / length
    return a * torch.sin(2 * math.pi * f * t + phase)


def _power(x: Tensor) -> Tensor:
    return torch.fft.rfft(x.detach().float().cpu(), dim=-1).abs().pow(2)[:, 1:]  # drop the constant term


def dominant_frequency(x: Tensor) -> Tensor:
    """The strongest whole frequency (cycles per wave) of each wave in x (n, length)."""
    return _power(x).argmax(dim=-1) + 1


def purity(x: Tensor) -> Tensor:
    """Share of each wave's (non-constant) power in its strongest frequency: 1 for a pure sine, low for noise."""
    p = _power(x)
    return p.max(dim=-1).values / p.sum(dim=-1).clamp_min(1e-12)
