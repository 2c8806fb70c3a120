"""A tiny 1-D GAN you can step by hand: the forger G(z) = mean + std·z and a small MLP detective.

The forger is affine on Gaussian noise, so its density is known exactly and the JSD to the data
can be measured at every step. ``step_detective(n)`` / ``step_forger(n)`` train one side only,
so you can play the game move by move (GAN Lab, in Python). Seeded: the same calls give the
same numbers on the CPU. One move of each player is :func:`detective_step` / :func:`forger_step`,
which notebook 01 writes out in a cell (a test keeps both copies equal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ganlib.data import Mixture1D, gaussian_1d
from ganlib.losses import d_loss, g_loss_nonsaturating

from .theory import grid, jsd, optimal_detective


def detective_step(detective, opt_d, real, fake):
    """One move of the detective: say 'real' (logit up) on real samples, 'fake' on the forger's."""
    loss = d_loss(detective(real), detective(fake.detach()))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def forger_step(forger, detective, opt_g, z):
    """One move of the forger: shift its samples so the detective calls them real (−log D(G(z)))."""
    loss = g_loss_nonsaturating(detective(forger(z)))
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


class AffineForger(nn.Module):
    """G(z) = mean + exp(log_std)·z: the forger's whole skill is two numbers, its mean and its spread."""

    def __init__(self, mean: float = -3.0, std: float = 0.5):
        super().__init__()
        self.mean = nn.Parameter(torch.tensor(float(mean)))
        self.log_std = nn.Parameter(torch.tensor(math.log(float(std))))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.mean + self.log_std.exp() * z

    @property
    def std(self) -> float:
        return float(self.log_std.detach().exp())

    def distribution(self) -> Mixture1D:
        """The forger's distribution as a Mixture1D (its exact density)."""
        return gaussian_1d(float(self.mean.detach()), self.std)


def make_detective(hidden: int = 32) -> nn.Sequential:
    """A small MLP x ↦ logit of 'this x is real'."""
    return nn.Sequential(nn.Linear(1, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, hidden),
                         nn.LeakyReLU(0.2), nn.Linear(hidden, 1))


@dataclass
class Move:
    """One recorded move of the duel: who moved, the losses, and where the forger stands."""

    step: int
    who: str
    d_loss: float
    g_loss: float
    mean: float
    std: float
    jsd: float


@dataclass
class Duel:
    """The game state: data, forger, detective, their optimisers, a seeded noise source and a history."""

    data: Mixture1D = field(default_factory=lambda: gaussian_1d(1.0, 0.7))
    forger_mean: float = -3.0
    forger_std: float = 0.5
    seed: int = 0
    batch: int = 64
    lr_detective: float = 0.02
    lr_forger: float = 0.1
    hidden: int = 32

    def __post_init__(self):
        torch.manual_seed(self.seed)
        self.gen = torch.Generator().manual_seed(self.seed)
        self.forger = AffineForger(self.forger_mean, self.forger_std)
        self.detective = make_detective(self.hidden)
        self.opt_d = torch.optim.Adam(self.detective.parameters(), lr=self.lr_detective, betas=(0.5, 0.999))
        self.opt_g = torch.optim.Adam(self.forger.parameters(), lr=self.lr_forger, betas=(0.5, 0.999))
        self.xs = grid(-8.0, 8.0, 1601)
        self.steps = 0
        self.history: list[Move] = []
        self._record("start", math.nan, math.nan)

    # ----------------------------------------------------------------- measuring
    def jsd(self) -> float:
        """JSD(p_data ‖ p_g) right now, from the exact densities (0 = the forger has won)."""
        return jsd(self.data.pdf(self.xs), self.forger.distribution().pdf(self.xs), self.xs)

    @torch.no_grad()
    def detective_curve(self, xs=None) -> np.ndarray:
        """The detective's current D(x) = σ(logit) on the points xs."""
        xs = self.xs if xs is None else np.asarray(xs)
        x = torch.as_tensor(xs, dtype=torch.float32).reshape(-1, 1)
        return torch.sigmoid(self.detective(x)).reshape(-1).numpy().astype(np.float64)

    def curves(self, xs=None) -> dict[str, np.ndarray]:
        """p_data, p_g, the learned D(x) and the optimal D*(x) on xs: everything a plot needs."""
        xs = self.xs if xs is None else np.asarray(xs)
        p, q = self.data.pdf(xs), self.forger.distribution().pdf(xs)
        return {"p_data": p, "p_g": q, "D(x)": self.detective_curve(xs), "D*(x)": optimal_detective(p, q)}

    def state(self) -> dict[str, float]:
        """Where the game stands: step count, the forger's mean and std, and the JSD."""
        return {"step": self.steps, "mean": float(self.forger.mean.detach()), "std": self.forger.std, "jsd": self.jsd()}

    def _record(self, who: str, dl: float, gl: float) -> None:
        s = self.state()
        self.history.append(Move(self.steps, who, dl, gl, s["mean"], s["std"], s["jsd"]))

    # ----------------------------------------------------------------- moving
    def _noise(self) -> torch.Tensor:
        return torch.randn(self.batch, 1, generator=self.gen)

    def step_detective(self, n: int = 1) -> float:
        """n updates of the detective only (real = 1, fake = 0); returns its last loss."""
        loss = math.nan
        for _ in range(int(n)):
            real = self.data.sample(self.batch, generator=self.gen)
            with torch.no_grad():
                fake = self.forger(self._noise())
            loss = detective_step(self.detective, self.opt_d, real, fake)
            self.steps += 1
        self._record("detective", loss, math.nan)
        return loss

    def step_forger(self, n: int = 1) -> float:
        """n updates of the forger only, against the current detective (non-saturating loss)."""
        loss = math.nan
        self.detective.requires_grad_(False)  # the detective is only looked through
        try:
            for _ in range(int(n)):
                loss = forger_step(self.forger, self.detective, self.opt_g, self._noise())
                self.steps += 1
        finally:
            self.detective.requires_grad_(True)
        self._record("forger", math.nan, loss)
        return loss

    def play(self, rounds: int, k_detective: int = 2, k_forger: int = 1) -> None:
        """Alternate: k detective steps, then k forger steps, for this many rounds."""
        for _ in range(int(rounds)):
            self.step_detective(k_detective)
            self.step_forger(k_forger)
