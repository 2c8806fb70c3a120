"""The live 2-D view of a GAN training: D's heat map, real and fake points, G's gradient arrows.

:class:`Live2D` holds the game (G, D, their optimisers, the data) and computes everything the
picture shows, with no browser needed. :class:`LiveView` draws it with matplotlib into an
ipywidgets Image, updated in place, under play / pause / step controls.
"""

from __future__ import annotations

import io
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import Tensor, nn

from . import losses
from .train import STATS, History, gan_step


class Live2D:
    """A GAN on 2-D data that trains a few steps at a time and reports what to draw."""

    def __init__(self, G: nn.Module, D: nn.Module, sample: Callable[[int, torch.Generator], Tensor], *,
                 batch_size: int = 128, lr_g: float = 1e-3, lr_d: float = 1e-3,
                 betas: tuple[float, float] = (0.5, 0.999), d_loss: Callable = losses.d_loss,
                 g_loss: Callable = losses.g_loss_nonsaturating, seed: int = 0, lim: float = 2.0,
                 grid: int = 64, n_show: int = 400):
        self.G, self.D, self.sample, self.batch_size = G, D, sample, batch_size
        self.d_loss, self.g_loss, self.lim, self.grid = d_loss, g_loss, lim, grid
        self.opt_g = torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas)
        self.opt_d = torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas)
        self.data_gen = torch.Generator().manual_seed(seed)
        self.noise_gen = torch.Generator().manual_seed(seed + 1)
        show = torch.Generator().manual_seed(seed + 2)
        self.real_show = sample(n_show, show)
        self.z_show = torch.randn(n_show, G.latent_dim, generator=show)  # fixed: the points move smoothly
        self.history, self.steps_done = History(), 0

    def step(self, n: int = 1) -> None:
        """Train n GAN steps (one D update, one G update each)."""
        rows, out = [], {}
        for _ in range(n):
            real = self.sample(self.batch_size, self.data_gen)
            out = gan_step(self.G, self.D, self.opt_g, self.opt_d, real, d_loss=self.d_loss,
                           g_loss=self.g_loss, generator=self.noise_gen)
            rows.append(torch.stack([out[k] for k in STATS]))
        if rows:
            self.history.record(self.steps_done, torch.stack(rows), out)
            self.steps_done += n

    @torch.no_grad()
    def fake(self) -> Tensor:
        """The generator's output on the fixed display noise, shape (n_show, 2)."""
        return self.G(self.z_show)

    @torch.no_grad()
    def heatmap(self) -> tuple[np.ndarray, np.ndarray]:
        """D(x) = sigmoid(logit) on a grid×grid lattice over [-lim, lim]²; returns (axis values, probs[y, x])."""
        axis = torch.linspace(-self.lim, self.lim, self.grid)
        yy, xx = torch.meshgrid(axis, axis, indexing="ij")
        pts = torch.stack([xx.flatten(), yy.flatten()], dim=1)
        return axis.numpy(), torch.sigmoid(self.D(pts)).view(self.grid, self.grid).numpy()

    def arrows(self) -> tuple[np.ndarray, np.ndarray]:
        """The fake points and −∇_x of the generator loss there: where G's gradient pushes each fake."""
        x = self.fake().requires_grad_(True)
        (grad,) = torch.autograd.grad(self.g_loss(self.D(x)), x)
        return x.detach().numpy(), (-grad).numpy()


class LiveView:
    """Draw a :class:`Live2D` in place (heat map, points, arrows) with play / pause / step controls; ``.widget`` to show."""

    def __init__(self, live: Live2D, steps_per_tick: int = 10, size: float = 4.5):
        import ipywidgets as W

        from .widgets import StepControls

        self.live = live
        self.fig, self.ax = plt.subplots(figsize=(size, size))
        plt.close(self.fig)  # drawn into the Image widget, not shown by the notebook's backend
        axis, probs = live.heatmap()
        lim = live.lim
        self.im = self.ax.imshow(probs, origin="lower", extent=(-lim, lim, -lim, lim), cmap="RdBu",
                                 vmin=0, vmax=1, alpha=0.7)
        self.fig.colorbar(self.im, ax=self.ax, fraction=0.046, label="D(x): probability 'real'")
        self.real = self.ax.scatter(*live.real_show.numpy().T, s=4, c="tab:blue", label="real")
        pts, grad = live.arrows()
        self.fake = self.ax.scatter(*pts.T, s=4, c="tab:orange", label="generated")
        self.k = k = min(len(pts), 60)  # arrows on the first k fakes (all would clutter)
        self.quiver = self.ax.quiver(pts[:k, 0], pts[:k, 1], *self._unit(grad[:k]).T, color="k",
                                     scale=25, width=0.004)
        self.ax.set_xlim(-lim, lim)
        self.ax.set_ylim(-lim, lim)
        self.ax.legend(loc="upper right", markerscale=3, fontsize=8)
        self.image = W.Image(format="png", layout=W.Layout(width="auto"))  # natural size, not stretched
        self.label = W.Label()
        self.controls = StepControls(self.step, steps_per_tick=steps_per_tick, label="train")
        self.widget = W.VBox([self.controls.box, self.label, self.image], layout=W.Layout(align_items="flex-start"))
        self.redraw()

    @staticmethod
    def _unit(v: np.ndarray) -> np.ndarray:
        return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)

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
        self.quiver.set_UVC(*self._unit(grad[:k]).T)
        h = self.live.history
        self.ax.set_title(f"step {self.live.steps_done}")
        self.label.value = ("" if not len(h) else
                            f"step {self.live.steps_done}: D loss {h.d_loss[-1]:.3f}, G loss {h.g_loss[-1]:.3f}, "
                            f"D(x) {h.d_real[-1]:.2f}, D(G(z)) {h.d_fake[-1]:.2f}")
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")  # keep the colorbar label
        self.image.value = buf.getvalue()
