"""Notebook 01's widgets: move the forger with sliders, and play the 1-D duel with buttons.

The maths lives in :mod:`ganlib.game.theory` and :mod:`ganlib.game.duel`; these classes only call
it. Each one has plain methods (``set_forger``, ``render``, ``values``, ``step_detective`` ...) so
tests and nbval drive it without a browser. ``show()`` displays the controls and the figure as a
normal output that the controls update in place, so a static view (GitHub, nbviewer) shows it too.
Only API common to ipywidgets 7.x and 8.x is used.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ganlib import viz as _viz  # noqa: F401  (the course's colour-blind-safe palette and
                                # >= 9 pt text)
from ganlib.data import Mixture1D, gaussian_1d
from ganlib.widgets import StepControls

from .duel import Duel
from .theory import LOG4, gan_value, grid, grid_for, jsd, optimal_detective

FIGSIZE = (9.0, 3.8)


_STYLE = {"D(x)": dict(color="#009E73", lw=2, label="D(x) learned"),
          "D*(x)": dict(color="black", lw=1.5, ls="--", label="D*(x) optimal")}


def draw_game(ax, xs, curves: dict[str, np.ndarray], legend: bool = True):
    """Draw p_data and p_g (filled, left axis) and any detective curves D(x), D*(x)
    (right axis, 0..1)."""
    ax.fill_between(xs, curves["p_data"], alpha=0.35, color="tab:blue", label="p_data (real)")
    ax.fill_between(xs, curves["p_g"], alpha=0.35, color="tab:orange", label="p_g (forger)")
    ax.set_xlabel("x")
    ax2 = ax.twinx()
    total = np.asarray(curves["p_data"]) + np.asarray(curves["p_g"])
    visible = total > 1e-3 * total.max()  # far from both densities D* is 0/0: leave it undrawn
    for key, style in _STYLE.items():
        if key in curves:
            y = np.asarray(curves[key], dtype=float)
            ax2.plot(xs, np.where(visible, y, np.nan) if key == "D*(x)" else y, **style)
    ax2.axhline(0.5, color="gray", ls=":", lw=1)
    ax2.set_ylim(-0.02, 1.02)
    if legend:
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=4,
                  fontsize=9,
                  frameon=False)  # under the axes: never over a density
    return ax2


class _Shown:
    """Mixin: keep one displayed figure and redraw it in place when the state changes."""

    _handle = None

    def render(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def refresh(self) -> None:
        """Redraw the displayed figure (if any) from the current state."""
        if self._handle is not None:
            self._handle.update(self.render())

    def _show(self, controls) -> None:
        from IPython.display import display

        display(controls)
        self._handle = display(self.render(), display_id=True)


class ForgerExplorer(_Shown):
    """Sliders for the forger's distribution (a Gaussian, optionally with a second mode) against the
    data.

    Draws p_data, p_g and the optimal detective D*(x), and prints V(D*, G) and the JSD. The
    numbers are integrated on a grid that holds both densities wherever the forger is; the
    sliders follow :meth:`set_forger`, so the controls and the figure always show one forger.
    """

    SLIDERS = {"mean": (-5.0, 5.0, 0.1), "std": (0.1, 3.0, 0.05), "mean2": (-5.0, 5.0, 0.1),
               "weight2": (0.0, 1.0, 0.05)}

    def __init__(self, data: Mixture1D | None = None, mean: float = -1.5, std: float = 1.0,
                 xs: np.ndarray | None = None):
        self.data = data if data is not None else Mixture1D((-1.0, 2.0), (0.6, 0.8), (0.5, 0.5))
        self.view = None if xs is None else np.asarray(xs)
        self._sliders, self._syncing = None, False
        self.set_forger(mean, std)

    def set_forger(
        self, mean: float, std: float, mean2: float = 3.0, weight2: float = 0.0
    ) -> Mixture1D:
        """Set the forger to N(mean, std²), mixed with weight2 of N(mean2, std²); returns it
        (sliders follow)."""
        if not 0.0 <= weight2 <= 1.0:
            raise ValueError(f"weight2 must be in [0, 1], got {weight2}")
        if not std > 0:
            raise ValueError(f"std must be > 0, got {std}")
        self.params = {"mean": float(mean), "std": float(std), "mean2": float(mean2),
                       "weight2": float(weight2)}
        self.forger = (gaussian_1d(mean, std) if weight2 == 0.0 else
                       Mixture1D((float(mean), float(mean2)), (float(std), float(std)),
                                 (1 - weight2, weight2)))
        self._sync_sliders()
        self.refresh()
        return self.forger

    @property
    def xs(self) -> np.ndarray:
        """The x values drawn: [-6, 6], widened to hold the data and the forger
        (or the grid given)."""
        if self.view is not None:
            return self.view
        held = grid_for(self.data, self.forger, n=2, reach=4.0)
        return grid(min(-6.0, held[0]), max(6.0, held[-1]), 1601)

    def curves(self) -> dict[str, np.ndarray]:
        """p_data, p_g and D*(x) on the drawn grid."""
        xs = self.xs
        p, q = self.data.pdf(xs), self.forger.pdf(xs)
        return {"p_data": p, "p_g": q, "D*(x)": optimal_detective(p, q)}

    def values(self) -> dict[str, float]:
        """V(D*, G), JSD(p_data ‖ p_g) and −log 4 + 2·JSD for the current forger
        (on a grid holding both)."""
        xs = grid_for(self.data, self.forger) if self.view is None else self.view
        p, q = self.data.pdf(xs), self.forger.pdf(xs)
        j = jsd(p, q, xs)
        return {"V(D*,G)": gan_value(optimal_detective(p, q), p, q, xs), "JSD": j,
                "-log4+2JSD": -LOG4 + 2 * j}

    def slider_values(self) -> dict[str, float]:
        """What the sliders show now (empty before :meth:`controls` made them)."""
        return {} if self._sliders is None else {k: float(sl.value)
                                                 for k, sl in self._sliders.items()}

    def _sync_sliders(self) -> None:
        """Move the sliders to the current forger (widening a slider's range if needed), without
        feedback."""
        if self._sliders is None:
            return
        self._syncing = True
        try:
            for key, sl in self._sliders.items():
                v = self.params[key]
                sl.min, sl.max = min(sl.min, v), max(sl.max, v)
                sl.value = v
        finally:
            self._syncing = False

    def render(self):
        """A closed matplotlib Figure of the densities (left axis) and D*(x) (right axis)."""
        c, v = self.curves(), self.values()
        fig, ax = plt.subplots(figsize=FIGSIZE)
        ax2 = draw_game(ax, self.xs, c)  # the same grid as curves(): it depends only on the forger
        ax.set_ylabel("density")
        ax2.set_ylabel("D*(x) = P(real | x)")
        ax.set_title(
            f"V(D*,G) = {v['V(D*,G)']:.3f}   JSD = {v['JSD']:.3f}   (−log 4 = {-LOG4:.3f})"
        )
        fig.tight_layout()
        plt.close(fig)
        return fig

    def controls(self):
        """The sliders (mean, std, second mode and its weight) as one ipywidgets box."""
        import ipywidgets as W

        names = {"mean": "mean", "std": "std", "mean2": "2nd mean", "weight2": "2nd weight"}
        self._sliders = {}
        for key, (lo, hi, step) in self.SLIDERS.items():
            v = self.params[key]
            self._sliders[key] = W.FloatSlider(value=v, min=min(lo, v), max=max(hi, v), step=step,
                                               description=names[key], continuous_update=False,
                                               readout_format=".2f")
            self._sliders[key].observe(self._on_slide, names="value")
        v = list(self._sliders.values())
        return W.VBox([W.HBox(v[:2]), W.HBox(v[2:])])

    def _on_slide(self, _change=None) -> None:
        if not self._syncing:
            self.set_forger(**self.slider_values())

    def show(self) -> None:
        """Display the sliders and the figure they update."""
        self._show(self.controls())


class DuelWidget(_Shown):
    """GAN Lab in Python: 'step the detective' / 'step the forger' buttons and a play control.

    Each click trains one side for ``clicks`` steps; play alternates (k detective, 1 forger).
    """

    def __init__(self, duel: Duel | None = None, clicks: int = 10):
        self.duel = duel if duel is not None else Duel()
        self.clicks = int(clicks)

    def step_detective(self, n: int | None = None) -> float:
        """Train the detective alone for n steps (default: one click), then redraw."""
        loss = self.duel.step_detective(self.clicks if n is None else n)
        self.refresh()
        return loss

    def step_forger(self, n: int | None = None) -> float:
        """Train the forger alone for n steps against the current detective, then redraw."""
        loss = self.duel.step_forger(self.clicks if n is None else n)
        self.refresh()
        return loss

    def play(self, rounds: int = 1) -> None:
        """Alternate both players for this many rounds, then redraw."""
        self.duel.play(rounds)
        self.refresh()

    def render(self):
        """A closed Figure: densities with the learned D(x) and D*(x) (left), JSD over steps
        (right)."""
        c = self.duel.curves()
        xs = self.duel.xs
        fig, (ax, axj) = plt.subplots(1, 2, figsize=FIGSIZE, gridspec_kw={"width_ratios": [2.2, 1]})
        draw_game(ax, xs, c).set_ylabel("D(x)")
        ax.set_ylabel("density")
        s = self.duel.state()
        ax.set_title(f"step {s['step']}: forger N({s['mean']:.2f}, {s['std']:.2f}²)", fontsize=10)
        hist = self.duel.history
        axj.plot([m.step for m in hist], [m.jsd for m in hist], marker=".", color="#D55E00")
        axj.axhline(np.log(2), color="gray", ls=":", lw=1, label="log 2: no overlap")
        axj.set_ylim(0, np.log(2) * 1.08)
        axj.set_xlim(0, max(10, self.duel.steps))
        axj.set_xlabel("training steps")
        axj.set_ylabel("JSD(p_data || p_g)")
        axj.legend(loc="lower left", fontsize=9)
        axj.set_title(f"JSD = {s['jsd']:.3f}", fontsize=10)
        fig.tight_layout()
        plt.close(fig)
        return fig

    def controls(self):
        """Buttons for each player, and StepControls (play/step) that alternate them."""
        import ipywidgets as W

        bd = W.Button(description="step the detective", button_style="info")
        bf = W.Button(description="step the forger", button_style="warning")
        bd.on_click(lambda _b: self.step_detective())
        bf.on_click(lambda _b: self.step_forger())
        self.step_controls = StepControls(lambda n: self.play(n), label="both", interval_ms=500)
        return W.VBox([W.HBox([bd, bf]), self.step_controls.box])

    def show(self) -> None:
        """Display the buttons and the figure they update."""
        self._show(self.controls())
