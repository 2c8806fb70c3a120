"""The training loop of the course: one GAN step, the loop that repeats it, and `fit`, which sets it
up.

`gan_step` and `train_loop` are what notebook 02 teaches, line for line (a test keeps the notebook's
cells and these twins equal): the plain PyTorch loop of the tutorials. `train` is the same loop
over a :class:`Run`, for the long runs of `fit`. Everything else a real run needs — the history of
losses, the NaN guard, a progress bar, checkpoints that resume bit for bit, time limits,
learning-rate schedules, live views — is a callback that looks at the run after each step
(:mod:`ganlib.callbacks`), so the loop stays readable. `fit` builds the optimisers and the
batches, seeds the noise, orders the callbacks (a progress bar by default) and calls `train`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
from torch import Tensor, nn

from . import losses
from .callbacks import Checkpoint, History, OutOfTime, Progress, Schedules, TimeLimit
from .validate import check_count, check_labels, check_number, first_non_finite


def gan_step(G, D, opt_g, opt_d, real, d_loss=losses.d_loss, g_loss=losses.g_loss_nonsaturating,
             penalty=None):
    """One round of the game: a step of the detective D, then a step of the forger G."""
    # The detective's step: real samples should score high, fakes low.
    z = torch.randn(len(real), G.latent_dim, device=real.device)
    fake = G(z).detach()  # detached: D's loss must not train G
    real_logits, fake_logits = D(real), D(fake)
    loss_d = d_loss(real_logits, fake_logits)
    if penalty is not None:  # an extra term for D (WGAN-GP, R1: notebook 04)
        loss_d = loss_d + penalty(D, real, fake)
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    # The forger's step: fresh noise, judged through the detective's eyes.
    z = torch.randn(len(real), G.latent_dim, device=real.device)
    loss_g = g_loss(D(G(z)))
    opt_g.zero_grad()
    loss_g.backward(inputs=list(G.parameters()))  # only G learns here: D's weights get no gradient
    opt_g.step()
    return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean()}


def train_loop(G, D, data, steps, batch_size=64, lr=1e-3, seed=0, step=gan_step):
    """The GAN training loop in plain PyTorch: Adam for each player, then `steps` GAN steps on real
    batches."""
    opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    # the real batches, seeded: the run can be repeated
    batches = torch.Generator().manual_seed(seed)
    history = []
    for _ in range(steps):
        real = data(batch_size, batches)
        stats = step(G, D, opt_g, opt_d, real)
        history.append({name: value.item() for name, value in stats.items()})
    return history


def train(run, steps, callbacks=()):
    """Play the game until the run has taken `steps` steps; after each step, every callback sees the
    run."""
    run.total = steps
    while run.step < steps:
        batch = run.batches.next()  # (real,) or, for a conditional GAN, (real, labels)
        run.stats = run.step_fn(run.G, run.D, run.opt_g, run.opt_d, *batch, **run.rules)
        run.step += 1
        for callback in callbacks:
            callback(run)


# ----------------------------------------------------------------------------- what a run is

class Batches:
    """Real batches drawn with a seeded generator: rows of a tensor (with replacement) or
    ``sample(n, generator)``.

    ``next()`` returns ``(x,)``, or ``(x, labels)`` when labels are given
    (or the sampler returns them).
    """

    def __init__(self, data, labels: Tensor | None, batch_size: int, seed: int,
                 device: torch.device):
        self.batch_size, self.device, self.labels = (
            check_count(batch_size, "batch_size"),
            device,
            labels,
        )
        if callable(data):
            self.data, self.gen = data, torch.Generator().manual_seed(seed)
        else:
            if not torch.is_tensor(data):
                raise TypeError("data must be a tensor of real samples or a function sample(n, "
                                "generator), "
                                f"got {type(data).__name__}; convert an array with "
                                "torch.as_tensor(x).float()")
            if len(data) == 0:
                raise ValueError("data is empty: give at least one real sample")
            _check_finite(data, "data")
            _warn_image_range(data)
            if labels is not None:
                labels = check_labels(labels, len(data), name="labels")
            # once: batches are then cut on the device, no copies per step
            self.data = data.to(device)
            self.labels = None if labels is None else labels.to(device)
            self.gen = torch.Generator(device=device).manual_seed(seed)

    def next(self) -> tuple[Tensor, ...]:
        """The next batch: ``(x,)`` or ``(x, labels)``."""
        if callable(self.data):
            out = self.data(self.batch_size, self.gen)
            out = out if isinstance(out, tuple) else (out,)
            # cheap on the host; a device tensor would cost a sync per step
            if out[0].device.type == "cpu":
                _check_finite(out[0], "a batch from the sampler")
            return tuple(t.to(self.device) for t in out)
        idx = torch.randint(len(self.data), (self.batch_size,), device=self.device,
                            generator=self.gen)
        return (self.data[idx],) if self.labels is None else (self.data[idx], self.labels[idx])


def _check_finite(x: Tensor, name: str) -> None:
    """Refuse real data with NaN or inf before training: otherwise it surfaces steps later as a
    'divergence'."""
    where = first_non_finite(x, name)
    if where is not None:
        raise ValueError(f"{where}. The data, not the training, is the problem: a GAN fed NaN or "
                         "inf diverges whatever its learning rate. Drop or repair those samples, "
                         "e.g. data[torch.isfinite(data).flatten(1).all(1)], and train again.")


def _warn_image_range(x: Tensor) -> None:
    """Warn when images (N×C×H×W) lie outside [−1, 1]: a tanh generator cannot reach them, so
    training looks broken."""
    if x.dim() != 4 or not x.is_floating_point():
        return
    lo, hi = float(x.min()), float(x.max())
    if lo < -1 - 1e-4 or hi > 1 + 1e-4:
        warnings.warn(f"data: images with pixel values in [{lo:.3g}, {hi:.3g}], outside [-1, 1], "
                      "the range of the generator's tanh: the fakes can never look like them. "
                      "Rescale 0..255 images with x / 127.5 - 1 (ganlib.data.load_images already "
                      "gives [-1, 1]).", stacklevel=4)


@dataclass
class Run:
    """A training run's state: the players, their optimisers, the batches, the rules of the step,
    the step count."""

    G: nn.Module
    D: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    batches: Batches
    step_fn: Callable = gan_step
    rules: dict = field(default_factory=dict)
    step: int = 0
    total: int = 0
    stats: dict | None = None
    history: History | None = None
    schedulers: list = field(default_factory=list)
    seed: int = 0


MOVED = {"checkpoint": "Checkpoint(path, every)", "checkpoint_every": "Checkpoint(path, every)",
         "resume": "Checkpoint(path, resume=True)", "max_seconds": "TimeLimit(seconds)",
         "schedule": "Schedules(schedule)"}
"""fit's former settings that are callbacks now, and the callback to pass instead."""


def _order(callback) -> int:
    """Where a callback runs in a step: schedules first, then the caller's, checkpoints, the time
    limit, the bar."""
    ranks = {Schedules: 0, Checkpoint: 2, TimeLimit: 3, Progress: 4}
    return next((rank for kind, rank in ranks.items() if isinstance(callback, kind)), 1)


def fit(G: nn.Module, D: nn.Module, data, *, steps: int, batch_size: int = 64,
        lr_g: float = 2e-4, lr_d: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999),
        seed: int = 0, device=None, labels: Tensor | None = None, step: Callable = gan_step,
        callbacks: Sequence[Callable] = (), every: int = 100, progress: bool = True,
        **rules) -> History:
    """Train G and D in place for ``steps`` GAN steps with Adam; return the run's :class:`History`.

    ``data``: a tensor of real samples (with ``labels`` for a conditional GAN), or
    ``sample(batch_size, generator)`` returning a batch (or ``(batch, labels)``). ``step`` is the
    step function (``gan_step``; ``dcgan.conditional_gan_step`` for labels); ``rules`` go to it
    (``d_loss``, ``g_loss``, ``penalty``). A history is recorded every ``every`` steps (NaN guard
    there). A progress bar is on by default (``progress=False``: quiet), since a learner's run takes
    minutes and should show it is alive. Everything else is a callback in ``callbacks``, called
    after each step with the run (:mod:`ganlib.callbacks`): ``Checkpoint(path, every, resume=True)``
    saves and continues a run bit for bit on the CPU, ``TimeLimit(seconds)`` stops it
    (``history.stopped`` says so), ``Schedules(schedule)`` applies lr schedules, ``EMA(G)``
    averages G. Whatever order they are given in, schedules run first and checkpoints, the time
    limit and the bar last. The noise is seeded from ``seed``; the global RNG is left as it was.
    """
    from .config import PROFILE

    check_count(steps, "steps", 0)
    check_count(seed, "seed", 0)
    check_count(every, "every")
    check_number(lr_g, "lr_g", low=0)
    check_number(lr_d, "lr_d", low=0)
    for name in MOVED.keys() & rules.keys():
        raise TypeError(f"fit: {name} is now a callback: fit(..., callbacks=[{MOVED[name]}]) "
                        "(from ganlib.callbacks)")
    device = torch.device(device) if device is not None else PROFILE.device
    G.to(device)
    D.to(device)
    run = Run(G, D, torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas),
              torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas),
              Batches(data, labels, batch_size, seed, device), step_fn=step, rules=rules, seed=seed,
              history=History(every))
    bar = [Progress(steps)] if progress else []
    around = [run.history, *sorted([*callbacks, *bar], key=_order)]
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        # the noise z (and dropout): seeded, and the caller's RNG untouched
        torch.manual_seed(seed + 1)
        finished = False
        try:
            for cb in around:  # schedules are made before a checkpoint restores them
                if hasattr(cb, "start"):
                    cb.start(run)
            train(run, steps, around)
            finished = True
        except OutOfTime as stop:
            run.history.stopped = str(stop)
            finished = True
        finally:
            # history first: the last window is recorded before a checkpoint is saved
            for cb in around:
                if hasattr(cb, "close"):
                    cb.close(run, finished)
    return run.history
