"""The papers' toy set-up (PacGAN / VEEGAN) and the several-critic-steps step function."""

import torch

from ganlib.callbacks import Schedules
from ganlib.stability import critic, fixes, mode_collapse, papers_setup

import pytest

pytestmark = pytest.mark.usefixtures("one_thread")


def test_papers_models_have_the_papers_shapes_and_init():
    G, D = papers_setup.papers_models()
    assert G(torch.randn(10, 2)).shape == (10, 2) and D(torch.randn(10, 2)).shape == (10,)
    widths = [m.out_features for m in G.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [400, 400, 400, 400, 2]
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in G.modules()) == 4
    assert sum(isinstance(m, papers_setup.Maxout) for m in D.modules()) == 3
    w = D.net[0].linear.weight.detach()
    assert abs(float(w.std()) - 0.02) < 0.003 and float(D.net[0].linear.bias.detach().abs().max()) == 0


def test_maxout_keeps_the_largest_piece():
    m = papers_setup.Maxout(3, 2, pieces=4)
    x = torch.randn(5, 3)
    assert torch.allclose(m(x), m.linear(x).view(5, 2, 4).amax(2))


def test_papers_rows_train_with_the_papers_recipe(monkeypatch):
    seen = {}
    monkeypatch.setattr(mode_collapse, "fit", lambda G, D, data, **kw: seen.update(kw, x=data(500, torch.Generator())))
    mode_collapse.run("grid", "gan-papers", 0, steps=1)
    r = papers_setup.RECIPE
    assert seen["batch_size"] == r["batch_size"] and seen["lr_g"] == seen["lr_d"] == r["lr"]
    assert seen["betas"] == r["betas"] and seen["x"].abs().max() > 3  # own units
    assert not any(isinstance(cb, Schedules) for cb in seen["callbacks"])  # no lr decay
    _, D = mode_collapse.make_models("pacgan4-papers")
    assert isinstance(D, fixes.Packed) and D.m == 4


def test_reverse_kl_and_bridges():
    assert mode_collapse.reverse_kl([5, 5, 5, 5]) == pytest.approx(0)
    assert mode_collapse.reverse_kl([20, 0, 0, 0]) == pytest.approx(torch.log(torch.tensor(4.0)).item())
    assert mode_collapse.reverse_kl([0, 0]) is None
    assert len(mode_collapse.neighbour_pairs("ring")) == 8 and len(mode_collapse.neighbour_pairs("grid")) == 40
    pts = torch.tensor([[0.0, 0.0], [1.0, 0.0], [3.0, 3.0], [5.0, 5.0]]).numpy()  # grid: a mode, a bridge, ...
    assert mode_collapse.sample_kinds(pts, "grid").tolist() == [0, 1, 2, 2]


def test_critic_steps_updates_the_critic_n_times_per_forger_step():
    G, D = mode_collapse.make_models("gan")
    opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.01), torch.optim.SGD(D.parameters(), lr=0.01)
    calls = []
    step_d = opt_d.step
    opt_d.step = lambda *a, **k: (calls.append("d"), step_d(*a, **k))[1]
    out = critic.critic_steps(5)(G, D, opt_g, opt_d, torch.randn(20, 2))
    assert calls == ["d"] * 5 and {"d_loss", "g_loss", "d_real", "d_fake"} <= set(out)
    assert critic.critic_steps(3).__name__ == "critic_steps_3"
