"""Widget building blocks shared by the notebooks' interactive views.

The logic behind every widget lives in plain Python objects (testable without a browser);
the widgets only call it. Works with ipywidgets 7.x (Colab) and 8.x (JupyterLab 4).
"""

from __future__ import annotations

from typing import Callable

import ipywidgets as W


class StepControls:
    """Play / pause / step controls that call ``on_step(n_steps)``; ``.box`` is the widget to show.

    The Play widget ticks in the browser; each tick (and each click of "step") calls ``on_step``.
    Call ``.step()`` directly to drive it without a browser (tests, nbval).
    """

    def __init__(self, on_step: Callable[[int], None], steps_per_tick: int = 1,
                 label: str = "step", interval_ms: int = 300, max_ticks: int = 10_000):
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
