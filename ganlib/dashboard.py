"""Watching a DCGAN learn: a live dashboard, latent interpolation, and a class picker.

:class:`Dashboard` is a ``fit`` callback: every ``every`` steps it redraws, in the same output
place, the generator's images for one fixed batch of noise (so changes are the generator's,
not the noise's) beside the loss and D(x) / D(G(z)) curves. The widgets need ipywidgets.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import Tensor, nn

from .dcgan import sample
from .viz import show_images


class Dashboard:
    """A ``fit`` callback drawing samples of fixed noise and the training curves, updated in place."""

    def __init__(self, n: int = 32, seed: int = 0, labels: Tensor | None = None, size: float = 3.2):
        self.n, self.seed, self.labels, self.size = n, seed, labels, size
        self.handle, self.fig, self.redraws = None, None, 0

    def __call__(self, step: int, history, G: nn.Module, D: nn.Module) -> None:
        images = sample(G, self.n, self.labels, seed=self.seed)
        if self.fig is None:
            self.fig = plt.figure(figsize=(3.3 * self.size, self.size))
        self.fig.clf()
        ax_img, ax_loss, ax_d = self.fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.2, 1.2]})
        show_images(images, nrow=8, title=f"fixed noise, step {step}", ax=ax_img)
        history.plot(axes=(ax_loss, ax_d), smooth=max(1, len(history) // 50))
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

    def close(self) -> None:
        """Close the figure (the last picture stays in the notebook output)."""
        if self.fig is not None:
            plt.close(self.fig)


def slerp(z0: Tensor, z1: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between two noise vectors, for each t in [0, 1] (stays where N(0, I) has mass)."""
    t = t.view(-1, 1)
    cos = (z0 * z1).sum() / (z0.norm() * z1.norm())
    omega = torch.arccos(cos.clamp(-1, 1))
    if float(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


@torch.no_grad()
def interpolate(G: nn.Module, steps: int = 8, seed: int = 0, label: int | None = None) -> Tensor:
    """Images along a slerp path between two seeded noise vectors (one class throughout for a conditional G)."""
    g = torch.Generator().manual_seed(seed)
    z0, z1 = torch.randn(G.latent_dim, generator=g), torch.randn(G.latent_dim, generator=g)
    z = slerp(z0, z1, torch.linspace(0, 1, steps))
    device = next(G.parameters()).device
    labels = () if not G.n_classes else (torch.full((steps,), int(label or 0), device=device),)
    was = G.training
    G.eval()
    out = G(z.to(device), *labels).cpu()
    G.train(was)
    return out


def explorer(G: nn.Module, class_names=None):
    """Widgets: a class picker (conditional G) and sliders for the interpolation seed; returns the box."""
    import ipywidgets as W
    from IPython.display import display

    out = W.Output()
    seed = W.IntSlider(value=0, min=0, max=50, description="noise seed")
    names = list(class_names or range(G.n_classes))
    picker = W.Dropdown(options=[(str(c), i) for i, c in enumerate(names)], value=0,
                        description="class") if G.n_classes else None

    def draw(*_):
        label = picker.value if picker is not None else None
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(2, 1, figsize=(8, 2.6))
            show_images(sample(G, 8, None if label is None else torch.full((8,), label), seed=seed.value),
                        title="samples" + ("" if label is None else f" of class {names[label]}"), ax=axes[0])
            show_images(interpolate(G, 8, seed=seed.value, label=label), title="interpolation", ax=axes[1])
            display(fig)
            plt.close(fig)

    for w in (seed, picker):
        if w is not None:
            w.observe(draw, names="value")
    draw()
    return W.VBox([W.HBox([w for w in (picker, seed) if w is not None]), out])
