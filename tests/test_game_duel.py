"""The 1-D duel: each button trains only its own side, runs repeat from a seed, the forger learns."""

import math

import numpy as np
import pytest
import torch

from ganlib.data import gaussian_1d
from ganlib.game.duel import AffineForger, Duel


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def _params(m):
    return [p.detach().clone() for p in m.parameters()]


def test_step_detective_moves_only_the_detective():
    d = Duel(seed=1)
    f0, d0 = _params(d.forger), _params(d.detective)
    d.step_detective(3)
    assert all(torch.equal(a, b) for a, b in zip(f0, _params(d.forger)))
    assert not all(torch.equal(a, b) for a, b in zip(d0, _params(d.detective)))
    assert d.steps == 3 and d.history[-1].who == "detective"


def test_step_forger_moves_only_the_forger():
    d = Duel(seed=1)
    f0, d0 = _params(d.forger), _params(d.detective)
    loss = d.step_forger(2)
    assert math.isfinite(loss)
    assert all(torch.equal(a, b) for a, b in zip(d0, _params(d.detective)))
    assert not all(torch.equal(a, b) for a, b in zip(f0, _params(d.forger)))
    assert all(p.requires_grad for p in d.detective.parameters())


def test_same_seed_same_game():
    a, b = Duel(seed=3), Duel(seed=3)
    a.play(3)
    b.play(3)
    assert a.state() == b.state()
    assert Duel(seed=4).detective_curve()[:5].tolist() != Duel(seed=3).detective_curve()[:5].tolist()


def test_trained_detective_says_real_on_data_and_fake_on_forgeries():
    d = Duel(data=gaussian_1d(2.0, 0.5), forger_mean=-2.0, forger_std=0.5, seed=0)
    d.step_detective(40)
    dx = d.detective_curve(np.array([-2.0, 2.0]))
    assert dx[0] < 0.3 and dx[1] > 0.7


def test_forger_approaches_the_data():
    d = Duel(seed=0)
    before = d.jsd()
    d.play(20)
    assert d.jsd() < 0.8 * before
    assert abs(d.state()["mean"] - 1.0) < abs(-3.0 - 1.0)


def test_curves_and_affine_forger_distribution():
    g = AffineForger(mean=0.5, std=2.0)
    dist = g.distribution()
    assert dist.means == (0.5,) and abs(dist.stds[0] - 2.0) < 1e-6
    c = Duel(seed=0).curves(np.linspace(-3, 3, 7))
    assert set(c) == {"p_data", "p_g", "D(x)", "D*(x)"} and all(v.shape == (7,) for v in c.values())
    assert np.all((c["D(x)"] > 0) & (c["D(x)"] < 1))
