"""The training loop of the course: one GAN step, and `fit`, which repeats it.

`gan_step` is the game itself: the detective (D) takes ``d_steps`` steps, then the forger (G)
takes one. `fit` adds what a real run needs around it: batches drawn with a seeded generator, a
history of losses, D(x), D(G(z)) and gradient norms, callbacks for live views, a NaN guard,
checkpoints that resume bit for bit, and a progress bar. Both are short enough to read in
full: ``print(inspect.getsource(gan_step))``.

Speed: the hot loop never waits for the device. Per-step numbers are gathered in a buffer on
the device and copied to the host once every ``every`` steps (where the NaN guard looks too).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import losses

STATS = ("d_loss", "g_loss", "d_real", "d_fake")
"""Per-step numbers kept in the history: both losses, mean D(x) and mean D(G(z)) (probabilities)."""


class TrainingDiverged(FloatingPointError):
    """A loss or D's output became NaN or infinite; the message names the step and the last finite values."""


def grad_norm(module: nn.Module) -> Tensor:
    """The L2 norm of all of a module's gradients together (0 when none), as a tensor on its device."""
    grads = [p.grad.detach().flatten() for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.cat(grads))


def gan_step(G: nn.Module, D: nn.Module, opt_g: torch.optim.Optimizer, opt_d: torch.optim.Optimizer,
             real: Tensor, *, d_loss: Callable = losses.d_loss,
             g_loss: Callable = losses.g_loss_nonsaturating, penalty: Callable | None = None,
             d_steps: int = 1, labels: Tensor | None = None, generator: torch.Generator | None = None,
             grad_norms: bool = False) -> dict[str, Tensor]:
    """One round of the game: ``d_steps`` discriminator updates, then one generator update.

    ``real`` holds ``d_steps`` batches stacked (one per D step; the G step uses the last one's
    size). ``penalty(D, real, fake)`` is added to D's loss (WGAN-GP, R1). With ``labels``
    (conditional models) G is called as G(z, labels) and D as D(x, labels), and the penalty
    sees D with those labels fixed. Returns 0-d tensors, still on the device: the losses,
    mean D(x), mean D(G(z)) and, when ``grad_norms``, the gradient norms of D and G.
    """
    cond = (lambda y: ()) if labels is None else (lambda y: (y,))
    ys = [None] * d_steps if labels is None else labels.chunk(d_steps)
    for x, y in zip(real.chunk(d_steps), ys):
        # --- the detective's step: tell real from fake; the fake is detached (G is not trained here)
        z = torch.randn(len(x), G.latent_dim, device=x.device, generator=generator)
        fake = G(z, *cond(y)).detach()
        real_logits, fake_logits = D(x, *cond(y)), D(fake, *cond(y))
        loss_d = d_loss(real_logits, fake_logits)
        if penalty is not None:
            loss_d = loss_d + penalty(D if y is None else (lambda v, y=y: D(v, y)), x, fake)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
    norm_d = grad_norm(D) if grad_norms else None
    # --- the forger's step: fresh noise; the gradient flows back through D into G
    z = torch.randn(len(x), G.latent_dim, device=x.device, generator=generator)
    frozen = [p for p in D.parameters() if p.requires_grad]
    for p in frozen:  # D's weights are not trained here: skip their gradients (~5% of a step)
        p.requires_grad_(False)
    try:
        loss_g = g_loss(D(G(z, *cond(y)), *cond(y)))
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
    finally:
        for p in frozen:
            p.requires_grad_(True)
    opt_g.step()
    out = {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
           "d_real": torch.sigmoid(real_logits.detach()).mean(),
           "d_fake": torch.sigmoid(fake_logits.detach()).mean()}
    if grad_norms:
        out.update(grad_d=norm_d, grad_g=grad_norm(G))
    return out


@dataclass
class History:
    """What a run measured: per step the losses, mean D(x), mean D(G(z)); every so often the gradient norms."""

    step: list[int] = field(default_factory=list)
    d_loss: list[float] = field(default_factory=list)
    g_loss: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    grad_step: list[int] = field(default_factory=list)
    grad_d: list[float] = field(default_factory=list)
    grad_g: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.step)

    def last(self, key: str, n: int = 1) -> float:
        """Mean of the last n recorded values of one quantity (e.g. ``h.last("d_real", 100)``)."""
        values = getattr(self, key)[-n:]
        return sum(values) / len(values) if values else float("nan")

    def record(self, first_step: int, rows: Tensor, out: dict[str, Tensor]) -> None:
        """Append one window of per-step rows (copied to the host here: the only sync), or raise if not finite."""
        rows = rows.detach().cpu()
        bad = (~torch.isfinite(rows)).any(dim=1).nonzero()
        if len(bad):
            i = int(bad[0])
            raise TrainingDiverged(self._diverged_message(first_step + i, rows[i], rows[:i]))
        for j, key in enumerate(STATS):
            getattr(self, key).extend(rows[:, j].tolist())
        self.step.extend(range(first_step, first_step + len(rows)))
        if "grad_d" in out:
            self.grad_step.append(first_step + len(rows) - 1)
            self.grad_d.append(float(out["grad_d"]))
            self.grad_g.append(float(out["grad_g"]))

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
        return (f"training diverged at step {step} ({now}); last finite values at step {last_step}: "
                f"{was}. Try a smaller learning rate or a gradient penalty.")

    def plot(self, axes=None, smooth: int = 1):
        """Two panels: the losses, and D(x) / D(G(z)), against the step; returns the axes."""
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 3))
        k = max(1, int(smooth))

        def sm(v):
            t = torch.tensor(v, dtype=torch.float64)
            return t if k == 1 or len(t) < k else t.unfold(0, k, 1).mean(1)

        steps = self.step[k - 1:] if k > 1 and len(self.step) >= k else self.step
        for ax, keys, title in ((axes[0], ("d_loss", "g_loss"), "losses"),
                                (axes[1], ("d_real", "d_fake"), "D(x) and D(G(z))")):
            for key in keys:
                ax.plot(steps, sm(getattr(self, key)), label=key)
            ax.set_xlabel("step")
            ax.set_title(title)
            ax.legend()
        return axes


class Batches:
    """Real batches drawn with a seeded generator: rows of a tensor (with replacement) or ``sample(n, generator)``."""

    def __init__(self, data, labels: Tensor | None, batch_size: int, seed: int, device: torch.device):
        self.batch_size, self.device, self.labels = batch_size, device, labels
        if callable(data):
            self.data, self.gen = data, torch.Generator().manual_seed(seed)
        else:
            self.data = data.to(device)  # once: batches are then cut on the device, no copies per step
            self.labels = None if labels is None else labels.to(device)
            self.gen = torch.Generator(device=device).manual_seed(seed)

    def next(self) -> tuple[Tensor, Tensor | None]:
        """The next batch ``(x, labels)``; labels is None for unconditional data."""
        if callable(self.data):
            out = self.data(self.batch_size, self.gen)
            x, y = out if isinstance(out, tuple) else (out, None)
            return x.to(self.device), None if y is None else y.to(self.device)
        idx = torch.randint(len(self.data), (self.batch_size,), device=self.device, generator=self.gen)
        return self.data[idx], None if self.labels is None else self.labels[idx]


def fit(G: nn.Module, D: nn.Module, data, *, steps: int, batch_size: int = 64,
        lr_g: float = 2e-4, lr_d: float = 2e-4, betas: tuple[float, float] = (0.5, 0.999),
        d_loss: Callable = losses.d_loss, g_loss: Callable = losses.g_loss_nonsaturating,
        penalty: Callable | None = None, d_steps: int = 1, seed: int = 0, device=None,
        callbacks: Sequence[Callable] = (), every: int = 100, checkpoint_path=None,
        checkpoint_every: int | None = None, resume: bool = False, progress: bool = True,
        labels: Tensor | None = None, optimizer: Callable | None = None) -> History:
    """Train G and D in place for ``steps`` GAN steps with Adam; return the :class:`History`.

    ``data``: a tensor of real samples, or ``sample(batch_size, generator)`` returning a batch
    (or ``(batch, labels)``). Every ``every`` steps: record, check for NaN, call each
    ``cb(step, history, G, D)``; every ``checkpoint_every`` steps save to ``checkpoint_path``.
    ``resume=True`` continues from that checkpoint when it exists (bit for bit on the CPU).
    ``optimizer(params, lr)`` replaces Adam(betas) when given.
    """
    device = torch.device(device) if device is not None else _default_device()
    G.to(device)
    D.to(device)
    make = optimizer or (lambda params, lr: torch.optim.Adam(params, lr=lr, betas=betas))
    opt_g, opt_d = make(G.parameters(), lr_g), make(D.parameters(), lr_d)
    batches = Batches(data, labels, batch_size * d_steps, seed, device)
    noise = torch.Generator(device=device).manual_seed(seed + 1)
    history, start = History(), 0
    run = dict(G=G, D=D, opt_g=opt_g, opt_d=opt_d, batches=batches, noise=noise, history=history)
    if resume and checkpoint_path is not None and Path(checkpoint_path).exists():
        start = load_checkpoint(checkpoint_path, **run, seed=seed, batch_size=batch_size)
    rows, n = torch.zeros(every, len(STATS), device=device), 0
    bar = tqdm(range(start, steps), initial=start, total=steps, disable=not progress, desc="GAN")
    for step in bar:
        x, y = batches.next()
        out = gan_step(G, D, opt_g, opt_d, x, d_loss=d_loss, g_loss=g_loss, penalty=penalty,
                       d_steps=d_steps, labels=y, generator=noise, grad_norms=(step + 1) % every == 0)
        rows[n] = torch.stack([out[k] for k in STATS])  # stays on the device: no waiting
        n += 1
        save_now = checkpoint_path is not None and checkpoint_every and (step + 1) % checkpoint_every == 0
        if (step + 1) % every == 0 or step + 1 == steps or save_now:
            history.record(step + 1 - n, rows[:n], out)  # the one host sync; raises on NaN
            n = 0
            bar.set_postfix(d_loss=history.d_loss[-1], g_loss=history.g_loss[-1],
                            d_real=history.d_real[-1], d_fake=history.d_fake[-1], refresh=False)
            for cb in callbacks:
                cb(step + 1, history, G, D)
        if save_now or (checkpoint_path is not None and step + 1 == steps):
            save_checkpoint(checkpoint_path, step + 1, **run, seed=seed, batch_size=batch_size)
    bar.close()
    return history


def _default_device() -> torch.device:
    from .config import PROFILE

    return PROFILE.device


def atomic_save(obj, path) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then rename: never a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_checkpoint(path, step: int, *, G, D, opt_g, opt_d, batches, noise, history, seed, batch_size) -> None:
    """Save everything a run needs to continue exactly: models, optimisers, every RNG, step, history (atomic write)."""
    state = {"step": step, "seed": seed, "batch_size": batch_size,
             "G": G.state_dict(), "D": D.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
             "batch_rng": batches.gen.get_state(), "noise_rng": noise.get_state(),
             "torch_rng": torch.get_rng_state(), "history": asdict(history)}
    if torch.cuda.is_available():
        state["cuda_rng"] = torch.cuda.get_rng_state_all()
    atomic_save(state, path)


def load_checkpoint(path, *, G, D, opt_g, opt_d, batches, noise, history, seed, batch_size) -> int:
    """Restore a run saved by :func:`save_checkpoint` into these objects; return the step to continue from."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if (state["seed"], state["batch_size"]) != (seed, batch_size):
        raise ValueError(f"checkpoint {path} was made with seed={state['seed']}, batch_size="
                         f"{state['batch_size']}; this run has seed={seed}, batch_size={batch_size}. "
                         "Use the same settings to resume, or another checkpoint_path to start afresh.")
    G.load_state_dict(state["G"]), D.load_state_dict(state["D"])
    opt_g.load_state_dict(state["opt_g"]), opt_d.load_state_dict(state["opt_d"])
    batches.gen.set_state(state["batch_rng"]), noise.set_state(state["noise_rng"])
    torch.set_rng_state(state["torch_rng"])
    if "cuda_rng" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    for key, values in state["history"].items():
        setattr(history, key, list(values))
    return int(state["step"])
