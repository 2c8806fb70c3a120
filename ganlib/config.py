"""Run profiles (ci / cpu / gpu), the device to use, and one seeding function.

Notebooks never hard-code a budget: they ask the profile, e.g.
``steps = PROFILE.pick(ci=20, cpu=2_000, gpu=20_000)``.
"""

from __future__ import annotations

import os
import random
import warnings
from dataclasses import dataclass

import numpy as np
import torch

PROFILES = ("ci", "cpu", "gpu")
ENV_VAR = "GANLIB_PROFILE"


@dataclass(frozen=True)
class Profile:
    """A named run budget plus the device its runs use."""

    name: str
    device: torch.device

    def pick(self, *, ci, cpu, gpu):
        """Return the value for this profile: ``PROFILE.pick(ci=10, cpu=500, gpu=5000)``."""
        return {"ci": ci, "cpu": cpu, "gpu": gpu}[self.name]

    @property
    def is_ci(self) -> bool:
        return self.name == "ci"

    def __str__(self) -> str:
        return f"profile={self.name} device={self.device}"


def default_device() -> torch.device:
    """CUDA when present, else the CPU (tiny course models gain nothing from MPS)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def get_profile(name: str | None = None) -> Profile:
    """The profile named here, else by $GANLIB_PROFILE, else `gpu` with CUDA and `cpu` without."""
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip().lower() or None
    if name is None:
        name = "gpu" if torch.cuda.is_available() else "cpu"
    if name not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r} (from {ENV_VAR} or the argument); "
            f"choose one of {', '.join(PROFILES)}"
        )
    device = default_device()
    if name == "gpu" and device.type != "cuda":
        warnings.warn(
            "profile 'gpu' asked for but no CUDA device is present: the full-size runs will "
            "be slow on the CPU. Set GANLIB_PROFILE=cpu for laptop budgets.",
            stacklevel=2,
        )
    return Profile(name=name, device=device)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch so CPU runs repeat exactly; return a seeded torch.Generator."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


PROFILE = get_profile()
"""The profile of this process, read once at import."""
