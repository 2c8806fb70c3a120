"""The course's interactive views, each a plain Python object first and a widget second.

- :class:`StepControls`: play / pause / step buttons that call a function (shared by every widget).
- :class:`Live2D` + :class:`LiveView` (notebook 02): a GAN on 2-D points that trains a few steps
  at a time; the view draws D's heat map, real and fake points and G's gradient arrows.
- :class:`Dashboard` (notebook 03): a training callback that redraws fixed-noise samples and the
  curves in place.
- :func:`generator_explorer` (notebook 03): a class picker and a noise-seed slider for a generator.

The logic lives in plain methods (testable without a browser; nbval drives them too). Only
API common to ipywidgets 7.x (Colab) and 8.x (JupyterLab 4) is used. Notebook 01's widgets are
in :mod:`ganlib.game.playground`, notebook 05's in :mod:`ganlib.evaluation.corruptions`.
"""

from __future__ import annotations

import io
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import Tensor, nn

from . import losses
from .callbacks import History
from .inference import interpolate, sample
from .train import Batches, Run, train
from .viz import show_images


class StepControls:
    """Play / pause / step controls that call ``on_step(n_steps)``; ``.box`` is the widget to show.

    The Play widget ticks in the browser; each tick (and each click of "step") calls ``on_step``.
    Call ``.step()`` directly to drive it without a browser (tests, nbval).
    """

    def __init__(self, on_step: Callable[[int], None], steps_per_tick: int = 1,
                 label: str = "step", interval_ms: int = 300, max_ticks: int = 10_000):
        import ipywidgets as W

        self.on_step = on_step
        self.steps = W.IntSlider(value=steps_per_tick, min=1, max=max(50, steps_per_tick),
                                 description="steps/tick", continuous_update=False)
        self.play = W.Play(value=0, min=0, max=max_ticks, interval=interval_ms, description="play")
        self.button = W.Button(description=label, icon="step-forward")
        self.button.on_click(lambda _b: self.step())
        self.play.observe(self._on_tick, names="value")
        self.box = W.HBox([self.play, self.button, self.steps])

    def _on_tick(self, change) -> None:
        if change["new"] > change["old"]:
            self.step()

    def step(self, n: int | None = None) -> None:
        """Advance by n (default: the slider's steps per tick)."""
        self.on_step(int(self.steps.value if n is None else n))


# ------------------------------------------------------------------- notebook 02: the live 2-D view

class Live2D:
    """A GAN on 2-D data that trains a few steps at a time (with the course's loop) and reports what
    to draw.

    Its noise has its own seeded random state, so the picture after n steps is the same however
    the steps were split into clicks, and whatever else the notebook draws in between.
    """

    def __init__(self, G: nn.Module, D: nn.Module, sample: Callable[[int, torch.Generator], Tensor],
                 *, batch_size: int = 128, lr_g: float = 1e-3, lr_d: float = 1e-3,
                 betas: tuple[float, float] = (0.5, 0.999), d_loss: Callable = losses.d_loss,
                 g_loss: Callable = losses.g_loss_nonsaturating, seed: int = 0, lim: float = 2.0,
                 grid: int = 64, n_show: int = 400, optimizer: type = torch.optim.Adam):
        self.G, self.D, self.g_loss, self.lim, self.grid = G, D, g_loss, lim, grid
        opt = (
            (lambda m, lr: optimizer(m.parameters(), lr=lr, betas=betas))
            if optimizer is torch.optim.Adam
            else (lambda m, lr: optimizer(m.parameters(), lr=lr))
        )
        self.run = Run(G, D, opt(G, lr_g), opt(D, lr_d),
                       Batches(sample, None, batch_size, seed, torch.device("cpu")),
                       rules=dict(d_loss=d_loss, g_loss=g_loss), seed=seed,
                       history=History(every=10**9))
        show = torch.Generator().manual_seed(seed + 2)
        self.real_show = sample(n_show, show)
        # fixed: the points move smoothly
        self.z_show = torch.randn(n_show, G.latent_dim, generator=show)
        self._rng = torch.Generator().manual_seed(seed + 1).get_state()

    @property
    def history(self) -> History:
        return self.run.history

    @property
    def steps_done(self) -> int:
        return self.run.step

    def step(self, n: int = 1) -> None:
        """Train n GAN steps (one D update, one G update each)."""
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self._rng)
            train(self.run, self.run.step + int(n), [self.run.history])
            self._rng = torch.get_rng_state()

    @torch.no_grad()
    def fake(self) -> Tensor:
        """The generator's output on the fixed display noise, shape (n_show, 2)."""
        return self.G(self.z_show)

    @torch.no_grad()
    def heatmap(self) -> tuple[np.ndarray, np.ndarray]:
        """D(x) = sigmoid(logit) on a grid×grid lattice over [-lim, lim]²; returns
        (axis values, probs[y, x])."""
        axis = torch.linspace(-self.lim, self.lim, self.grid)
        yy, xx = torch.meshgrid(axis, axis, indexing="ij")
        pts = torch.stack([xx.flatten(), yy.flatten()], dim=1)
        return axis.numpy(), torch.sigmoid(self.D(pts)).view(self.grid, self.grid).numpy()

    def arrows(self) -> tuple[np.ndarray, np.ndarray]:
        """The fake points and −∇_x of the generator loss there: where G's gradient pushes each
        fake."""
        x = self.fake().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.g_loss(self.D(x)), x)
        return x.detach().numpy(), (-grad).numpy()


class LiveView:
    """Draw a :class:`Live2D` in place (heat map, points, arrows) with play / pause / step controls;
    ``.widget`` to show.

    ``arrows="unit"`` draws every arrow the same length (the direction only); ``"scaled"`` draws
    them in proportion to the gradient's size, so a saturating loss shows as vanishing arrows.
    """

    def __init__(self, live: Live2D, steps_per_tick: int = 10, size: float = 4.5,
                 arrows: str = "unit"):
        import ipywidgets as W

        if arrows not in ("unit", "scaled"):
            raise ValueError(f"arrows must be 'unit' or 'scaled', got {arrows!r}")
        self.live, self.arrow_mode = live, arrows
        self.fig, self.ax = plt.subplots(figsize=(size, size))
        plt.close(self.fig)  # drawn into the Image widget, not shown by the notebook's backend
        axis, probs = live.heatmap()
        lim = live.lim
        self.im = self.ax.imshow(probs, origin="lower", extent=(-lim, lim, -lim, lim), cmap="RdBu",
                                 vmin=0, vmax=1, alpha=0.7)
        self.fig.colorbar(self.im, ax=self.ax, fraction=0.046, label="D(x): probability 'real'")
        self.real = self.ax.scatter(*live.real_show.numpy().T, s=4, c="tab:blue", label="real")
        self.real.set_zorder(3)  # the real points above the generated ones: the modes stay visible
        pts, grad = live.arrows()
        self.fake = self.ax.scatter(*pts.T, s=4, c="tab:orange", label="generated")
        self.k = k = min(len(pts), 60)  # arrows on the first k fakes (all would clutter)
        # scaled arrows: relative to the start
        self.scale = float(np.linalg.norm(grad[:k], axis=1).max()) or 1.0
        self.quiver = self.ax.quiver(pts[:k, 0], pts[:k, 1], *self._vectors(grad[:k]).T, color="k",
                                     scale=25, scale_units="width", width=0.004)
        self.ax.set_xlim(-lim, lim)
        self.ax.set_ylim(-lim, lim)
        self.ax.set_xlabel("x₁")
        self.ax.set_ylabel("x₂")
        self.ax.legend(loc="upper right", markerscale=3, fontsize=9)
        # natural size, not stretched
        self.image = W.Image(format="png", layout=W.Layout(width="auto"))
        self.label = W.Label()
        self.controls = StepControls(self.step, steps_per_tick=steps_per_tick, label="train")
        self.widget = W.VBox([self.controls.box, self.label, self.image],
                             layout=W.Layout(align_items="flex-start"))
        self.redraw()

    def _vectors(self, v: np.ndarray) -> np.ndarray:
        if self.arrow_mode == "unit":
            return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)
        return v / self.scale

    def step(self, n: int) -> None:
        """Train n steps, then redraw."""
        self.live.step(n)
        self.redraw()

    def redraw(self) -> None:
        """Update the artists' data in place and re-render the picture into the Image widget."""
        _, probs = self.live.heatmap()
        pts, grad = self.live.arrows()
        self.im.set_data(probs)
        self.fake.set_offsets(pts)
        k = self.k
        self.quiver.set_offsets(pts[:k])
        self.quiver.set_UVC(*self._vectors(grad[:k]).T)
        h = self.live.history
        self.ax.set_title(f"step {self.live.steps_done}")
        self.label.value = ("" if not len(h) else
                            f"step {self.live.steps_done}: D loss {h.d_loss[-1]:.3f}, G loss "
                            f"{h.g_loss[-1]:.3f}, D(x) {h.d_real[-1]:.2f}, D(G(z)) "
                            f"{h.d_fake[-1]:.2f}")
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")  # keep the colorbar label
        self.image.value = buf.getvalue()

    def figure(self):
        """The current picture as a matplotlib Figure (for a static view of the notebook)."""
        return self.fig


# ----------------------------------------------------------------- notebook 03: dashboard, explorer

class Dashboard:
    """A training callback drawing samples of fixed noise and the training curves, updated in place.

    Every ``every`` steps (and at the last one) it redraws, in the same output place, the
    generator's images for one fixed batch of noise (so changes are the generator's, not the
    noise's) beside the losses and D(x) / D(G(z)).
    """

    def __init__(self, n: int = 32, seed: int = 0, labels: Tensor | None = None, size: float = 3.2,
                 every: int = 100):
        self.n, self.seed, self.labels, self.size, self.every = n, seed, labels, size, every
        self.handle, self.fig, self.redraws = None, None, 0

    def __call__(self, run) -> None:
        if run.step % self.every and run.step != run.total:
            return
        images = sample(run.G, self.n, self.labels, seed=self.seed)
        if self.fig is None:
            self.fig = plt.figure(figsize=(3.3 * self.size, self.size))
        self.fig.clf()
        ax_img, ax_loss, ax_d = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.2, 1.2]})
        show_images(images, nrow=8, title=f"fixed noise, step {run.step}", ax=ax_img)
        run.history.plot(axes=(ax_loss, ax_d), smooth=max(1, len(run.history) // 50))
        self.fig.tight_layout()
        self.redraws += 1
        try:
            from IPython.display import display

            if self.handle is None:
                self.handle = display(self.fig, display_id=True)
            else:
                self.handle.update(self.fig)
        except ImportError:
            pass

    def close(self, run=None, finished: bool = True) -> None:
        """Close the figure (the last picture stays in the notebook output)."""
        if self.fig is not None:
            plt.close(self.fig)


def generator_explorer(G: nn.Module, class_names=None):
    """Widgets: a class picker (conditional G) and a noise-seed slider; shows samples and an
    interpolation."""
    import ipywidgets as W
    from IPython.display import display

    out = W.Output()
    seed = W.IntSlider(value=0, min=0, max=50, description="noise seed")
    n_classes = getattr(G, "n_classes", 0)
    names = list(class_names or range(n_classes))
    picker = W.Dropdown(options=[(str(c), i) for i, c in enumerate(names)], value=0,
                        description="class") if n_classes else None

    def draw(*_):
        label = picker.value if picker is not None else None
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(2, 1, figsize=(8, 2.6))
            show_images(sample(G, 8, None if label is None else torch.full((8,), label),
                               seed=seed.value),
                        title="samples" + ("" if label is None else f" of class {names[label]}"),
                        ax=axes[0])
            show_images(interpolate(G, 8, seed=seed.value, label=label), title="interpolation",
                        ax=axes[1])
            display(fig)
            plt.close(fig)

    for w in (seed, picker):
        if w is not None:
            w.observe(draw, names="value")
    draw()
    return W.VBox([W.HBox([w for w in (picker, seed) if w is not None]), out])
