"""Pictures the course draws again and again: image grids and 2-D point clouds."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.utils import make_grid

from .validate import check_count

# The course's figures in one colour-blind-safe palette (Okabe & Ito, 2008: told apart under
# deuteranopia, protanopia and tritanopia; no green-against-red pair) and text of at least 9 pt, set
# once when ganlib.viz is imported (every notebook imports it): explicit colours in ganlib use these
# names too.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "bluish green": "#009E73",
             "vermillion": "#D55E00",
             "sky blue": "#56B4E9", "reddish purple": "#CC79A7", "yellow": "#F0E442",
             "black": "#000000"}
plt.rcParams.update({
    "axes.prop_cycle": plt.cycler(color=[OKABE_ITO[k]
                                         for k in ("blue", "orange", "bluish green", "vermillion",
                                                               "sky blue", "reddish purple",
                                                   "black", "yellow")]),
    "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9,
    "xtick.labelsize": 9, "ytick.labelsize": 9, "figure.titlesize": 12,
})


def image_grid(images: torch.Tensor, nrow: int = 8, padding: int = 2) -> np.ndarray:
    """Tile N×C×H×W images in [-1, 1] into one H'×W'(×3) array in [0, 1]
    (torchvision's make_grid)."""
    if not torch.is_tensor(images) or images.dim() != 4:
        raise ValueError(f"expected a N×C×H×W tensor, got {getattr(images, 'shape', type(images))}")
    if len(images) == 0:
        raise ValueError("no images to show (an empty batch)")
    check_count(nrow, "nrow")
    grid = make_grid(images.detach().float().cpu().clamp(-1, 1), nrow=nrow, padding=padding,
                     normalize=True, value_range=(-1, 1), pad_value=1.0)
    return grid[0].numpy() if images.shape[1] == 1 else grid.permute(1, 2, 0).numpy()


def show_images(images: torch.Tensor, nrow: int = 8, title: str | None = None, ax=None,
                size: float = 4.0):
    """Show images in [-1, 1] as a grid; returns the matplotlib Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size))
    ax.imshow(image_grid(images, nrow=nrow), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_points_2d(real=None, fake=None, ax=None, title: str | None = None,
                   lim: float | None = None, s: float = 4.0):
    """Scatter real (blue, drawn on top) and generated (orange) 2-D points, legend under the axes;
    returns the Axes."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4.5))
    for pts, label, color in ((real, "real", "tab:blue"), (fake, "generated", "tab:orange")):
        if pts is not None:
            p = pts.detach().cpu().numpy() if torch.is_tensor(pts) else np.asarray(pts)
            ax.scatter(p[:, 0], p[:, 1], s=s, alpha=0.6, label=label, color=color,
                       zorder=3 if label == "real" else 2)  # real above: the modes stay visible
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    # below: never over the data
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, markerscale=3)
    if title:
        ax.set_title(title)
    return ax


