"""What runs around the training loop: each piece is a callback ``cb(run)`` called after every step.

- :class:`History` records the losses, D(x), D(G(z)) and the gradient norms, and stops a run
  whose numbers become NaN (the one place the loop waits for the device).
- :class:`Progress` shows a progress bar; :class:`TimeLimit` stops a run after S seconds;
  :class:`Schedules` makes and steps learning-rate schedulers; :class:`Checkpoint` saves a run, and
  ``Checkpoint(path, resume=True)`` continues it bit for bit on the CPU; :class:`EMA` keeps a moving
  average of the generator's weights, the copy to sample from (:func:`recalibrate_batch_norm` then
  measures its batch-norm statistics).

A callback may also have ``start(run)``, called once before the first step, and
``close(run, finished)``, called once when the loop ends.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from .files import atomic_save
from .validate import check_count

STATS = ("d_loss", "g_loss", "d_real", "d_fake")
"""Per-step numbers kept in the history: both losses, mean D(x) and mean D(G(z)) (probabilities)."""


class TrainingDiverged(FloatingPointError):
    """A loss or D's output became NaN or infinite; the message names the step and the last finite
    values."""


class OutOfTime(Exception):
    """Raised by :class:`TimeLimit` to end a run early (``fit`` catches it, keeps the run, and
    puts the message in ``history.stopped``)."""


def grad_norm(module: nn.Module) -> Tensor:
    """The L2 norm of all of a module's gradients together (0 when none), as a tensor on its
    device."""
    grads = [p.grad.detach().flatten() for p in module.parameters() if p.grad is not None]
    if not grads:
        first = next(module.parameters(), None)
        return torch.zeros((), device=first.device if first is not None else None)
    return torch.linalg.vector_norm(torch.cat(grads))


@dataclass
class History:
    """What a run measured: per step the losses, mean D(x), mean D(G(z)); every ``every`` steps the
    gradient norms.

    As a callback it keeps each step's numbers on the device and copies them to the host once
    every ``every`` steps (and at the last step), where it also checks them for NaN / inf.
    """

    every: int = 100
    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    grad_step: list[int] = field(default_factory=list)
    grad_d: list[float] = field(default_factory=list)
    grad_g: list[float] = field(default_factory=list)
    stopped: str = ""

    def __post_init__(self):
        check_count(self.every, "every")
        self._rows: list[Tensor] = []

    def __len__(self) -> int:
        return len(self.step)

    def __call__(self, run) -> None:
        # stays on the device: no waiting
        self._rows.append(torch.stack([run.stats[k] for k in STATS]))
        if run.step % self.every == 0 or run.step == run.total:
            self.flush(run)

    def close(self, run, finished: bool) -> None:
        if finished:
            self.flush(run)

    def flush(self, run) -> None:
        """Copy the waiting rows to the host (the only sync), record gradient norms, raise on
        NaN."""
        if not self._rows:
            return
        rows, self._rows = torch.stack(self._rows).detach().cpu(), []
        first = run.step - len(rows)
        bad = (~torch.isfinite(rows)).any(dim=1).nonzero()
        if len(bad):
            i = int(bad[0])
            raise TrainingDiverged(self._diverged_message(first + i, rows[i], rows[:i]))
        for j, key in enumerate(STATS):
            getattr(self, key).extend(rows[:, j].tolist())
        self.step.extend(range(first, run.step))
        self.grad_step.append(run.step - 1)
        self.grad_d.append(float(grad_norm(run.D)))
        self.grad_g.append(float(grad_norm(run.G)))

    def last(self, key: str, n: int = 1) -> float:
        """Mean of the last n recorded values of one quantity (e.g. ``h.last("d_real", 100)``)."""
        values = getattr(self, key)[-n:]
        return sum(values) / len(values) if values else float("nan")

    def state(self) -> dict:
        """The recorded numbers as plain lists (for a checkpoint)."""
        return {k: v for k, v in asdict(self).items() if k not in ("every",)}

    def load_state(self, state: dict) -> None:
        for key, values in state.items():
            setattr(self, key, values if key == "stopped" else list(values))

    def _diverged_message(self, step: int, row: Tensor, before: Tensor) -> str:
        now = ", ".join(f"{k}={v:.4g}" for k, v in zip(STATS, row.tolist()))
        if len(before):
            last_step, last = step - 1, before[-1].tolist()
        elif self.step:
            last_step, last = self.step[-1], [getattr(self, k)[-1] for k in STATS]
        else:
            return (f"training diverged at step {step} ({now}); no finite losses were recorded "
                    "before it. Try a smaller learning rate, or check the data and the models.")
        was = ", ".join(f"{k}={v:.4g}" for k, v in zip(STATS, last))
        return (f"training diverged at step {step} ({now}); last finite values at step "
                f"{last_step}: {was}. Try a smaller learning rate or a gradient penalty.")

    def plot(self, axes=None, smooth: int = 1):
        """Two panels: the losses, and D(x) / D(G(z)), against the step, with reference lines;
        returns the axes."""
        import math

        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 3))
        k = max(1, int(smooth))

        def sm(v):
            t = torch.tensor(v, dtype=torch.float64)
            return t if k == 1 or len(t) < k else t.unfold(0, k, 1).mean(1)

        steps = self.step[k - 1:] if k > 1 and len(self.step) >= k else self.step
        names = {"d_loss": "detective's loss", "g_loss": "forger's loss",
                 "d_real": "D(x): real judged real", "d_fake": "D(G(z)): fake judged real"}
        for ax, keys, title in ((axes[0], ("d_loss", "g_loss"), "losses"),
                                (axes[1], ("d_real", "d_fake"), "the detective's verdicts")):
            for key in keys:
                ax.plot(steps, sm(getattr(self, key)), label=names[key])
            ax.set_xlabel("step")
            ax.set_title(title)
        axes[0].axhline(math.log(4), color="gray", ls=":", lw=1, label="log 4: D at chance")
        axes[1].axhline(0.5, color="gray", ls=":", lw=1, label="½: D cannot tell")
        axes[1].set_ylim(-0.02, 1.02)
        for ax in axes:
            ax.legend(fontsize=9)
        return axes


class Progress:
    """A tqdm progress bar over the run's steps, with the latest recorded numbers."""

    def __init__(self, total: int, desc: str = "GAN"):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, desc=desc)
        self.shown = 0

    def __call__(self, run) -> None:
        self.bar.update(run.step - max(self.shown, self.bar.n))
        self.shown = run.step
        h = run.history
        if h is not None and len(h) and run.step == h.step[-1] + 1:
            self.bar.set_postfix(d_loss=h.d_loss[-1], g_loss=h.g_loss[-1], d_real=h.d_real[-1],
                                 d_fake=h.d_fake[-1], refresh=False)

    def close(self, run, finished: bool) -> None:
        self.bar.close()


class TimeLimit:
    """Stop a run once ``max_seconds`` of wall time have passed since it started (raises
    :class:`OutOfTime`); ``None``: no limit. The clock starts when the limit is made, and again
    when ``fit`` starts the run.

    Also usable outside the GAN loop: ``limit.passed()`` says whether time is up.
    """

    def __init__(self, max_seconds: float | None):
        if max_seconds is not None and not max_seconds > 0:
            raise ValueError(f"max_seconds must be > 0 (or None for no limit), got {max_seconds!r}")
        self.max_seconds, self.began = max_seconds, time.perf_counter()

    def start(self, run) -> None:
        self.began = time.perf_counter()

    def passed(self) -> bool:
        return self.max_seconds is not None and time.perf_counter() - self.began > self.max_seconds

    def __call__(self, run) -> None:
        if self.passed():
            raise OutOfTime(f"time limit of {self.max_seconds:g} s reached after {run.step} steps")


class EMA:
    """A moving average of the generator's weights (Karras et al. 2018; Yazıcı et al. 2019): sample
    from ``ema.G``.

    After each step ``ema.G ← d·ema.G + (1 − d)·G`` with
    ``d = min(decay, (1 + step) / (10 + step))`` (so the first steps are not averaged with the
    random start); buffers (batch-norm statistics) are copied. The average of the last ~1/(1 −
    decay) steps draws cleaner images than the last step alone.
    """

    def __init__(self, G: nn.Module, decay: float = 0.999):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must be in [0, 1), got {decay!r}")
        self.decay = decay
        self.G = copy.deepcopy(G).eval().requires_grad_(False)

    @torch.no_grad()
    def __call__(self, run) -> None:
        d = min(self.decay, (1 + run.step) / (10 + run.step))
        params = list(run.G.parameters())
        if self.G.training or next(self.G.parameters()).device != params[0].device:
            self.G.to(params[0].device).eval()
        torch._foreach_lerp_(list(self.G.parameters()), params, 1.0 - d)
        for mine, theirs in zip(self.G.buffers(), run.G.buffers()):
            mine.copy_(theirs)


@torch.no_grad()
def recalibrate_batch_norm(
    G: nn.Module, batches: int = 100, batch_size: int = 256, seed: int = 0
) -> nn.Module:
    """Re-estimate G's batch-norm statistics from its own weights: run it in training mode on
    ``batches`` batches of seeded noise and keep the plain average of their statistics. Returns G in
    eval mode; leaves the global RNG alone.

    An :class:`EMA` copy averages the weights but copies the statistics of the live generator, whose
    weights differ; statistics measured with the averaged weights match them (the course's DCGAN
    recipe after 36,000 steps: FID 5.16 → 4.93, ``ganlib.course.recipes.GAN_RECIPES``).
    """
    check_count(batches, "batches")
    check_count(batch_size, "batch_size")
    norms = [m for m in G.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # None: a cumulative (plain) average over the batches
    device = next(G.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    n_classes = getattr(G, "n_classes", 0)
    G.train()
    for i in range(batches):
        z = torch.randn(batch_size, G.latent_dim, generator=gen).to(device)
        if n_classes:
            G(z, (torch.arange(batch_size) + i * batch_size).remainder(n_classes).to(device))
        else:
            G(z)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    return G.eval()


class Schedules:
    """Learning-rate schedules: ``schedule(optimizer) -> scheduler`` (``torch.optim.lr_scheduler``)
    is applied to both players' optimisers when the run starts; every scheduler of the run is then
    stepped once per step."""

    def __init__(self, schedule=None):
        self.schedule = schedule

    def start(self, run) -> None:
        if self.schedule is not None:
            run.schedulers = [self.schedule(run.opt_g), self.schedule(run.opt_d)]

    def __call__(self, run) -> None:
        for s in run.schedulers:
            s.step()


class Checkpoint:
    """Save the run to ``path`` every ``every`` steps and when it ends (atomic writes).

    ``resume=True`` first continues the run saved there (when the file exists), bit for bit on the
    CPU; without it a saved run is overwritten (with a warning), and any other file is refused.
    """

    def __init__(self, path, every: int | None = None, resume: bool = False):
        self.path, self.every = Path(path), (
            None if every is None else check_count(every, "checkpoint_every")
        )
        self.resume = resume
        if self.path.is_dir():
            raise IsADirectoryError(f"checkpoint path {self.path} is a folder; give a file name, "
                                    f"e.g. {self.path / 'run.pt'}")

    def start(self, run) -> None:
        if self.resume:
            load_checkpoint(self.path, run, batch_size=run.batches.batch_size)
        elif self.path.exists():
            step = read_checkpoint(self.path)["step"]  # raises, naming the file, for any other file
            warnings.warn(f"{self.path} holds a run saved at step {step}, but resume=False: this "
                          "run starts afresh and overwrites it at its first save. Pass "
                          "Checkpoint(path, resume=True) to continue that run.", stacklevel=3)

    def __call__(self, run) -> None:
        if self.every and run.step % self.every == 0:
            save_checkpoint(self.path, run)

    def close(self, run, finished: bool) -> None:
        if finished:
            save_checkpoint(self.path, run)


def save_checkpoint(path, run) -> None:
    """Save everything a run needs to continue exactly: models, optimisers, schedulers, every RNG,
    step, history."""
    state = {"step": run.step, "seed": run.seed, "batch_size": run.batches.batch_size,
             "G": run.G.state_dict(), "D": run.D.state_dict(),
             "opt_g": run.opt_g.state_dict(), "opt_d": run.opt_d.state_dict(),
             "schedulers": [s.state_dict() for s in run.schedulers],
             "batch_rng": run.batches.gen.get_state(), "torch_rng": torch.get_rng_state(),
             "history": run.history.state() if run.history is not None else {}}
    if torch.cuda.is_available():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    atomic_save(state, path)


def read_checkpoint(path) -> dict:
    """The state a :func:`save_checkpoint` wrote to ``path``, or a ValueError saying what the file
    is instead."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"checkpoint path {path} is a folder; give the checkpoint file, "
                                f"e.g. {path / 'run.pt'}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise ValueError(f"checkpoint {path} cannot be read as a training checkpoint "
                         f"({type(e).__name__}: {str(e).splitlines()[0]}); it is "
                         "damaged or not a torch file. Delete it to start afresh, or pass another "
                         "checkpoint path") from e
    if isinstance(state, dict) and "class" in state and "state_dict" in state:
        raise ValueError(f"{path} is a model file (ganlib.pretrained.save), not a training "
                         "checkpoint; pass another checkpoint path for the run (this file is kept)")
    if not isinstance(state, dict) or not {"seed", "batch_size", "step", "G", "D"} <= set(state):
        raise ValueError(f"{path} is not a training checkpoint of fit (no seed / step / G / D); "
                         "pass another checkpoint path, or delete it to start afresh")
    return state


def load_checkpoint(path, run, *, batch_size: int) -> bool:
    """Restore a run saved by :func:`save_checkpoint` into ``run`` if ``path`` exists; return
    whether it did."""
    path = Path(path)
    if not path.exists():
        return False
    state = read_checkpoint(path)
    saved = (state["seed"], state["batch_size"])
    if saved != (run.seed, batch_size):
        raise ValueError(f"checkpoint {path} was made with seed={saved[0]}, batch_size={saved[1]}; "
                         "this run has "
                         f"seed={run.seed}, batch_size={batch_size}. Use the same settings to "
                         "resume, or another checkpoint path to start afresh.")
    run.G.load_state_dict(state["G"])
    run.D.load_state_dict(state["D"])
    run.opt_g.load_state_dict(state["opt_g"])
    run.opt_d.load_state_dict(state["opt_d"])
    for s, st in zip(run.schedulers, state.get("schedulers", [])):
        s.load_state_dict(st)
    run.batches.gen.set_state(state["batch_rng"])
    torch.set_rng_state(state["torch_rng"])
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    if run.history is not None:
        run.history.load_state(state["history"])
    run.step = int(state["step"])
    return True
