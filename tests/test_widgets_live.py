"""ganlib.live: the 2-D view's numbers, computed without a browser, and its in-place redraw."""

import numpy as np
import torch

from ganlib import losses
from ganlib.data import toy_2d
from ganlib.widgets import Live2D, LiveView
from ganlib.models import MLPDiscriminator, MLPGenerator


def make(**kw):
    torch.manual_seed(0)
    G, D = MLPGenerator(2, 2, hidden=16), MLPDiscriminator(2, hidden=16)
    return Live2D(G, D, lambda n, g: toy_2d("ring", n, g), batch_size=32, grid=20, n_show=50, **kw)


def test_heatmap_is_d_on_the_grid():
    live = make()
    axis, probs = live.heatmap()
    assert axis.shape == (20,) and probs.shape == (20, 20) and ((probs > 0) & (probs < 1)).all()
    i, j = 3, 17  # probs[row=y, col=x]
    want = torch.sigmoid(live.D(torch.tensor([[axis[j], axis[i]]], dtype=torch.float32))).item()
    assert abs(probs[i, j] - want) < 1e-6


def test_arrows_point_where_d_says_real():
    live = make(g_loss=losses.g_loss_nonsaturating)
    pts, push = live.arrows()
    assert pts.shape == push.shape == (50, 2)
    # a small move along the arrow raises D's logit at every point (the forger's goal)
    x = torch.tensor(pts)
    before = live.D(x)
    unit = push / np.linalg.norm(push, axis=1, keepdims=True).clip(1e-12)
    after = live.D(x + 1e-3 * torch.tensor(unit))
    assert (after > before).float().mean() > 0.95


def test_step_trains_and_records():
    live = make()
    fake0 = live.fake().clone()
    live.step(5)
    assert live.steps_done == 5 and len(live.history) == 5
    assert not torch.equal(live.fake(), fake0)


def test_view_redraws_in_place():
    live = make()
    view = LiveView(live, steps_per_tick=3)
    png0, im = view.image.value, view.im
    view.controls.step()  # what the play button does on each tick
    assert live.steps_done == 3 and view.im is im  # same artist, new data
    assert view.image.value[:4] == b"\x89PNG" and view.image.value != png0
    assert "step 3" in view.label.value and "D(x)" in view.label.value
