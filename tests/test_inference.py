"""ganlib.inference: one home for sampling and batched evaluation."""

import pytest
import torch

from ganlib.dcgan import ConditionalDCGANGenerator, DCGANGenerator
from ganlib.inference import in_batches, interpolate, sample, slerp


def test_sample_is_seeded_batched_and_keeps_mode():
    G = DCGANGenerator(latent_dim=8, width=8).train()
    a, b = sample(G, 5, seed=3), sample(G, 5, seed=3, batch_size=2)
    assert torch.allclose(a, b, atol=1e-6) and G.training and a.shape == (5, 1, 28, 28)


def test_sample_conditional_checks_label_count():
    G = ConditionalDCGANGenerator(latent_dim=8, width=4)
    assert sample(G, 4, torch.tensor([0, 1, 2, 3])).shape == (4, 1, 28, 28)
    with pytest.raises(ValueError, match="3 labels for 4 samples"):
        sample(G, 4, torch.tensor([0, 1, 2]))


def test_in_batches_restores_mode_after_an_error():
    G = DCGANGenerator(latent_dim=8, width=4).train()

    def boom(z):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        in_batches(G, boom, torch.zeros(3, 8))
    assert G.training


def test_slerp_endpoints_and_norm():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(16, generator=g), torch.randn(16, generator=g)
    z = slerp(z0, z1, torch.linspace(0, 1, 5))
    assert torch.allclose(z[0], z0, atol=1e-5) and torch.allclose(z[-1], z1, atol=1e-5)
    assert z.shape == (5, 16)
    assert torch.allclose(slerp(z0, z0, torch.linspace(0, 1, 3)), z0.expand(3, 16))  # same direction: no 0/0


def test_slerp_rows_one_t_each():
    g = torch.Generator().manual_seed(1)
    a, b, t = torch.randn(4, 8, generator=g), torch.randn(4, 8, generator=g), torch.rand(4, generator=g)
    rows = slerp(a, b, t)
    assert rows.shape == (4, 8)
    for i in range(4):
        assert torch.allclose(rows[i], slerp(a[i], b[i], t[i:i + 1])[0], atol=1e-6)


def test_interpolate_shapes_conditional():
    G = ConditionalDCGANGenerator(latent_dim=8, width=4)
    assert interpolate(G, steps=6, label=3).shape == (6, 1, 28, 28)
