"""The picture of a GAN's feedback loop, drawn by code: noise → G → fake → D ← real, and the
gradients back."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ganlib import viz as _viz  # noqa: F401  (the course's colour-blind-safe palette and
                                # >= 9 pt text)

W, H = 0.14, 0.17  # box size in axes units
BOXES = {  # name: (x centre, y centre, text, colour)
    "z": (0.08, 0.42, "noise z\n~ N(0, I)", "#eeeeee"),
    "G": (0.28, 0.42, "G\nthe forger", "#fdd9b5"),
    "fake": (0.48, 0.42, "fake sample\nG(z)", "#fdd9b5"),
    "real": (0.48, 0.80, "real sample x\nfrom the data", "#c6dbef"),
    "D": (0.69, 0.61, "D\nthe detective", "#c7e9c0"),
    "verdict": (0.905, 0.61, "D(·) = P(real):\n'real' or 'fake'?", "#eeeeee"),
}


def _edge(name: str, side: str) -> tuple[float, float]:
    x, y, *_ = BOXES[name]
    return {"left": (x - W / 2, y), "right": (x + W / 2, y), "top": (x, y + H / 2),
            "bottom": (x, y - H / 2)}[side]


def draw_feedback_loop(ax=None):
    """Draw the GAN's two networks and what flows between them; returns the Axes.

    Solid arrows carry samples forward; dashed arrows carry the two learning signals back: D
    learns from labels the game makes itself (real = 1, fake = 0), G learns only through D's
    verdict.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(9.5, 4.2))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    for x, y, text, colour in BOXES.values():
        ax.add_patch(FancyBboxPatch((x - W / 2, y - H / 2), W, H, boxstyle="round,pad=0.01",
                                    fc=colour, ec="black", lw=1))
        ax.text(x, y, text, ha="center", va="center", fontsize=9)

    def arrow(start, end, colour="black", style="-", rad=0.0):
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color=colour,
                                     ls=style, connectionstyle=f"arc3,rad={rad}", lw=1.6))

    arrow(_edge("z", "right"), _edge("G", "left"))
    arrow(_edge("G", "right"), _edge("fake", "left"))
    arrow(_edge("fake", "right"), _edge("D", "left"))
    arrow(_edge("real", "right"), _edge("D", "left"))
    arrow(_edge("D", "right"), _edge("verdict", "left"))
    arrow(_edge("verdict", "top"), _edge("D", "top"), colour="#009E73", style="--", rad=0.5)
    ax.text(0.80, 0.93,
            "D's loss: 'real' = 1 on data, 'fake' = 0 on G(z)\n(labels the game makes itself)",
            color="#009E73", fontsize=9, ha="center", va="center")
    arrow(_edge("verdict", "bottom"), _edge("G", "bottom"), colour="#D55E00", style="--", rad=-0.3)
    ax.text(0.60, 0.08,
            "G's loss: make D say 'real' on G(z). Its gradient flows back through D into G:\n"
            "G never sees a real sample, only D's verdict on its own fakes",
            color="#D55E00", fontsize=9, ha="center", va="center")
    ax.set_title("A GAN's feedback loop: two networks, one game, no labels from anyone",
                 fontsize=10)
    return ax
