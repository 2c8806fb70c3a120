"""Each fix in ganlib.fixes does what its paper says, on inputs with known answers."""

import pytest
import torch
from torch import nn

from ganlib.stability import fixes


def test_hinge_and_wgan_losses_known_values():
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-2.0, 0.5])
    assert fixes.hinge_d_loss(real, fake).item() == pytest.approx((0 + 1) / 2 + (0 + 1.5) / 2)
    assert fixes.hinge_g_loss(fake).item() == pytest.approx(0.75)
    assert fixes.wgan_d_loss(real, fake).item() == pytest.approx(-0.75 - 1.0)
    assert fixes.wgan_g_loss(fake).item() == pytest.approx(0.75)


def test_gradient_penalty_zero_for_unit_slope_and_per_sample_eps():
    D = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[0.6, 0.8]]))  # ‖∇D‖ = 1 everywhere
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert fixes.gradient_penalty(lambda x: D(x).squeeze(1), real, fake).item() == pytest.approx(0, abs=1e-10)
    with torch.no_grad():
        D.weight.mul_(3)  # ‖∇D‖ = 3 → 10 · (3 − 1)² = 40
    gp = fixes.gradient_penalty(lambda x: D(x).squeeze(1), real, fake)
    assert gp.item() == pytest.approx(40, rel=1e-5)
    gp.backward()
    assert D.weight.grad.abs().sum() > 0  # create_graph: the penalty trains D
    # ε is drawn per sample: the interpolates do not all lie at the same fraction of the way
    seen = []
    fixes.gradient_penalty(lambda x: seen.append(x.detach()) or x.pow(2).sum(1), torch.ones(64, 2), torch.zeros(64, 2))
    assert seen[0][:, 0].std() > 0.1


def test_r1_penalty_known_value():
    D = nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[3.0, 4.0]]))
    r1 = fixes.r1_penalty(lambda x: D(x).squeeze(1), torch.randn(5, 2), None, gamma=2.0)
    assert r1.item() == pytest.approx(25.0)


def test_spectral_norm_bounds_the_largest_singular_value():
    torch.manual_seed(0)
    D = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 1)))
    with torch.no_grad():
        D[0].weight.mul_(50)
    fixes.spectral_norm(D)
    for _ in range(20):
        D(torch.randn(3, 4))  # power iterations happen in training mode
    assert torch.linalg.matrix_norm(D[0].weight, ord=2).item() == pytest.approx(1.0, abs=0.05)
    assert torch.linalg.matrix_norm(D[2][0].weight, ord=2).item() == pytest.approx(1.0, abs=0.05)


def test_pack_and_packed_discriminator():
    x = torch.arange(16.0).reshape(8, 2)
    p = fixes.pack(x, 4)
    assert p.shape == (2, 8) and p[1, :2].tolist() == [8.0, 9.0]
    with pytest.raises(ValueError, match="multiple"):
        fixes.pack(x[:7], 4)
    D = fixes.Packed(nn.Linear(8, 1), 4)
    assert D(x).shape == (2, 1)
    for bad in (0, -2, 1.5):  # m = 0 divided by zero, a fraction was truncated
        with pytest.raises(ValueError, match="packing degree"):
            fixes.pack(x, bad)
        with pytest.raises(ValueError, match="packing degree"):
            fixes.Packed(nn.Linear(8, 1), bad)


def test_minibatch_std_sees_collapse():
    layer = fixes.MinibatchStdDev(group_size=4)
    collapsed = torch.ones(8, 3)
    diverse = torch.randn(8, 3)
    out_c, out_d = layer(collapsed), layer(diverse)
    assert out_c.shape == (8, 4)
    assert out_c[:, -1].max() < 1e-3 and out_d[:, -1].min() > 0.1


def test_two_time_scale():
    lr = fixes.two_time_scale()
    assert lr["lr_d"] > lr["lr_g"] and set(lr) == {"lr_g", "lr_d"}


def test_lazy_penalty_applies_every_kth_call_scaled_by_k():
    from ganlib.stability.fixes import LazyPenalty

    calls = []
    lazy = LazyPenalty(lambda D, real, fake: calls.append(1) or torch.tensor(2.0), every=4)
    out = [float(lazy(None, None, None)) for _ in range(9)]
    assert out == [8.0, 0, 0, 0, 8.0, 0, 0, 0, 8.0] and len(calls) == 3  # the same weight on average, a quarter of the cost
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="every"):
            LazyPenalty(lambda *a: 0, every=bad)
