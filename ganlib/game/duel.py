"""A tiny 1-D GAN you can step by hand: the forger G(z) = mean + std·z and a small MLP detective.

The forger is affine on Gaussian noise, so its density is known exactly and the JSD to the data
can be measured at every step. ``step_detective(n)`` / ``step_forger(n)`` train one side only,
so you can play the game move by move (GAN Lab, in Python). Seeded: the same calls give the
same numbers on the CPU. One move of each player is :func:`detective_step` / :func:`forger_step`,
which notebook 01's learner writes (a test keeps the notebook's solution and these equal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganlib.data import Mixture1D, gaussian_1d

from .theory import grid_for, jsd, optimal_detective

FORGER_OPTIMIZERS = ("adam", "sgd")


def detective_step(detective, opt_d, real, fake):
    """One move of the detective: a classifier's step, label 1 ('real') on real samples, 0 ('fake')
    on the forger's."""
    # detached: this move must not train the forger
    real_logits, fake_logits = detective(real), detective(fake.detach())
    loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
            + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def forger_step(forger, detective, opt_g, z, saturating=False):
    """One move of the forger, judged through the detective's eyes.

    Non-saturating (the default): make the detective say 'real' on the fakes, minimise −log D(G(z)).
    ``saturating=True``: the original minimax move, minimise log(1 − D(G(z))).
    """
    fake_logits = detective(forger(z))
    if saturating:
        loss = -F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    else:
        loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


class AffineForger(nn.Module):
    """G(z) = mean + exp(log_std)·z: the forger's whole skill is two numbers, its mean and its
    spread."""

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
    # |∂ loss / ∂ mean| at the forger's last step: how hard it was pushed
    forger_grad: float = math.nan


@dataclass
class Duel:
    """The game state: data, forger, detective, their optimisers, a seeded noise source and a
    history.

    ``saturating=True`` gives the forger the original minimax loss log(1 − D(G(z))) instead of
    −log D(G(z)); ``forger_optimizer="sgd"`` moves it by plain gradient steps (Adam rescales every
    step to about ``lr_forger``, which hides how small the forger's gradient is).
    """

    data: Mixture1D = field(default_factory=lambda: gaussian_1d(1.0, 0.7))
    forger_mean: float = -3.0
    forger_std: float = 0.5
    seed: int = 0
    batch: int = 64
    lr_detective: float = 0.02
    lr_forger: float = 0.1
    hidden: int = 32
    saturating: bool = False
    forger_optimizer: str = "adam"

    def __post_init__(self):
        if self.forger_optimizer not in FORGER_OPTIMIZERS:
            raise ValueError(f"forger_optimizer must be one of {FORGER_OPTIMIZERS}, got "
                             f"{self.forger_optimizer!r}")
        torch.manual_seed(self.seed)
        self.gen = torch.Generator().manual_seed(self.seed)
        self.forger = AffineForger(self.forger_mean, self.forger_std)
        self.detective = make_detective(self.hidden)
        self.opt_d = torch.optim.Adam(self.detective.parameters(), lr=self.lr_detective,
                                      betas=(0.5, 0.999))
        self.opt_g = (torch.optim.SGD(self.forger.parameters(), lr=self.lr_forger)
                      if self.forger_optimizer == "sgd" else
                      torch.optim.Adam(self.forger.parameters(), lr=self.lr_forger,
                                       betas=(0.5, 0.999)))
        self._start = self.forger.distribution()
        self.steps = 0
        self.history: list[Move] = []
        self._record("start", math.nan, math.nan)

    # ----------------------------------------------------------------- measuring
    @property
    def xs(self) -> np.ndarray:
        """The x values to draw on: they hold the data, the forger's start and where it is now."""
        return grid_for(self.data, self._start, self.forger.distribution(), n=1601, reach=4.0)

    def jsd(self) -> float:
        """JSD(p_data ‖ p_g) right now, from the exact densities on a grid that holds both
        (0 = the forger has won)."""
        q = self.forger.distribution()
        xs = grid_for(self.data, q)
        return jsd(self.data.pdf(xs), q.pdf(xs), xs)

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
        return {"p_data": p, "p_g": q, "D(x)": self.detective_curve(xs),
                "D*(x)": optimal_detective(p, q)}

    def state(self) -> dict[str, float]:
        """Where the game stands: step count, the forger's mean and std, and the JSD."""
        return {"step": self.steps, "mean": float(self.forger.mean.detach()),
                "std": self.forger.std, "jsd": self.jsd()}

    def _record(self, who: str, dl: float, gl: float) -> None:
        s = self.state()
        grad = self.forger.mean.grad
        push = float(grad.abs()) if who == "forger" and grad is not None else math.nan
        self.history.append(Move(self.steps, who, dl, gl, s["mean"], s["std"], s["jsd"], push))

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
        """n updates of the forger only, against the current detective (its loss as ``saturating``
        says)."""
        loss = math.nan
        self.detective.requires_grad_(False)  # the detective is only looked through
        try:
            for _ in range(int(n)):
                loss = forger_step(self.forger, self.detective, self.opt_g, self._noise(),
                                   self.saturating)
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
