"""Notebook 01's widgets, driven without a browser: sliders move the forger, buttons train one side."""

import matplotlib
import pytest
import torch

matplotlib.use("Agg")

from ganlib.data import gaussian_1d  # noqa: E402
from ganlib.game.theory import LOG4  # noqa: E402
from ganlib.game.duel import Duel  # noqa: E402
from ganlib.game.playground import DuelWidget, ForgerExplorer  # noqa: E402



def test_explorer_values_follow_the_forger():
    ex = ForgerExplorer(data=gaussian_1d(0, 1))
    ex.set_forger(0.0, 1.0)
    v = ex.values()
    assert v["JSD"] == pytest.approx(0, abs=1e-9) and v["V(D*,G)"] == pytest.approx(-LOG4, abs=1e-6)
    ex.set_forger(4.0, 0.5)
    far = ex.values()
    assert far["JSD"] > 0.5 and far["V(D*,G)"] == pytest.approx(far["-log4+2JSD"], abs=1e-4)


def test_explorer_second_mode_and_bad_weight():
    ex = ForgerExplorer()
    f = ex.set_forger(-1.0, 0.6, mean2=2.0, weight2=0.5)
    assert f.means == (-1.0, 2.0)
    with pytest.raises(ValueError, match="weight2"):
        ex.set_forger(0, 1, weight2=1.5)


def test_explorer_sliders_drive_the_state_and_render():
    ex = ForgerExplorer()
    box = ex.controls()
    ex._sliders["mean"].value = 2.0
    assert ex.forger.means[0] == 2.0
    fig = ex.render()
    assert fig.get_size_inches()[0] <= 9 and "JSD" in fig.axes[0].get_title()


def test_duel_widget_buttons_train_their_side(one_thread):
    w = DuelWidget(Duel(seed=0), clicks=3)
    w.controls()
    mean0 = w.duel.state()["mean"]
    w.step_detective()
    assert w.duel.steps == 3 and w.duel.state()["mean"] == mean0
    w.step_forger()
    assert w.duel.steps == 6 and w.duel.state()["mean"] != mean0
    w.step_controls.step(1)  # the play control's tick: one round of both
    assert w.duel.history[-1].who == "forger" and w.duel.steps == 9
    fig = w.render()
    assert len(fig.axes) == 3 and "JSD" in fig.axes[1].get_title()
