"""Notebook 07's widget: mix two samples' styles layer by layer, with the classifier's label of each
picture.

:class:`StyleMixer` is a plain object first (``set(...)``, ``render()``, ``labels()``: tests and
nbval drive it without a browser) and a widget second: ``show()`` displays the sliders and, as an
ordinary output that the sliders redraw in place, the figure — so a static view (GitHub, nbviewer)
shows its last state. Only API common to ipywidgets 7.x and 8.x is used.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from torch import nn

from ..classifier import predict
from ..data import FASHION_CLASSES
from ..inference import noise
from .generator import truncate
from .measures import course_classifier, mixed_ws


class StyleMixer:
    """The coarse layers' styles from one seed, the fine layers' from another, truncated toward
    w_avg by ψ."""

    def __init__(self, G: nn.Module, coarse_seed: int = 1, fine_seed: int = 2, cut: int = 2,
                 psi: float = 1.0, classifier: nn.Module | None = None):
        self.G = G.eval()
        self.clf = classifier if classifier is not None else course_classifier()
        self._handle = None
        self.set(coarse_seed, fine_seed, cut, psi)

    def set(self, coarse_seed: int, fine_seed: int, cut: int, psi: float) -> None:
        """Choose the two seeds, the cut-off layer (layers below it are coarse) and ψ; redraws a
        shown figure."""
        if not 0 <= int(cut) <= self.G.num_layers:
            raise ValueError(f"cut must be in 0..{self.G.num_layers}, got {cut}")
        self.coarse_seed, self.fine_seed, self.cut, self.psi = (
            int(coarse_seed),
            int(fine_seed),
            int(cut),
            float(psi),
        )
        if self._handle is not None:
            self._handle.update(self.render())

    @torch.no_grad()
    def images(self) -> torch.Tensor:
        """Three images: the coarse source, the mix, the fine source (fixed noise inputs)."""
        za = noise(1, self.G.latent_dim, self.coarse_seed)
        zb = noise(1, self.G.latent_dim, self.fine_seed)
        ws = torch.cat([mixed_ws(self.G, za, zb, c) for c in (self.G.num_layers, self.cut, 0)])
        return self.G.synthesis(truncate(ws, self.G.w_avg, self.psi), noise_mode="const")

    def labels(self) -> list[str]:
        """The classifier's label of the coarse source, the mix and the fine source."""
        return [FASHION_CLASSES[int(i)] for i in predict(self.clf, self.images())]

    def render(self):
        """A closed matplotlib Figure of the three pictures, titled with their labels."""
        images, labels = self.images(), self.labels()
        L = self.G.num_layers
        titles = [f"coarse source (seed {self.coarse_seed})",
                  f"mix: layers 0–{self.cut - 1} coarse" if self.cut else "mix: all layers fine",
                  f"fine source (seed {self.fine_seed})"]
        if self.cut == L:
            titles[1] = "mix: all layers coarse"
        fig, axes = plt.subplots(1, 3, figsize=(7.5, 2.9))
        for ax, img, title, label in zip(axes, images, titles, labels):
            ax.imshow(img[0].clamp(-1, 1).numpy(), cmap="gray", vmin=-1, vmax=1)
            ax.set_title(f"{title}\nclassifier: {label}", fontsize=9)
            ax.set_axis_off()
        fig.suptitle(f"style mixing, cut at layer {self.cut} of {L}, ψ = {self.psi:.2f}",
                     fontsize=10)
        fig.tight_layout()
        plt.close(fig)
        return fig

    def controls(self):
        """The sliders: the two seeds, the cut-off layer and ψ, in one ipywidgets box."""
        import ipywidgets as W

        s = dict(continuous_update=False, style={"description_width": "150px"},
                 layout=W.Layout(width="360px"))
        # 50 seeds from the lower of the two: a run's seeds (run_seed, e.g. 2001 at GANLIB_SEED=2)
        # stay where they are instead of being clamped to the slider's end
        lo = min(self.coarse_seed, self.fine_seed)
        hi = max(lo + 50, self.coarse_seed, self.fine_seed)
        self.sliders = {
            "coarse_seed": W.IntSlider(value=self.coarse_seed, min=lo, max=hi,
                                       description="coarse seed", **s),
            "fine_seed": W.IntSlider(value=self.fine_seed, min=lo, max=hi,
                                     description="fine seed", **s),
            "cut": W.IntSlider(value=self.cut, min=0, max=self.G.num_layers,
                               description="layers from coarse", **s),
            "psi": W.FloatSlider(value=self.psi, min=0, max=1, step=0.05,
                                 description="truncation ψ", **s),
        }
        for slider in self.sliders.values():
            slider.observe(lambda _change: self.set(**{k: v.value
                                                       for k, v in self.sliders.items()}),
                           names="value")
        v = list(self.sliders.values())
        return W.VBox([W.HBox(v[:2]), W.HBox(v[2:])])

    def show(self) -> None:
        """Display the sliders and the figure they redraw (an ordinary output: it stays in a saved
        notebook)."""
        from IPython.display import display

        display(self.controls())
        self._handle = display(self.render(), display_id=True)
