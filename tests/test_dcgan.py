import pytest
import torch

from ganlib.dcgan import (ConditionalDCGANDiscriminator, ConditionalDCGANGenerator, DCGANDiscriminator,
                          DCGANGenerator, conv_transpose_size, sample)


def test_shapes_and_range():
    G, D = DCGANGenerator(latent_dim=16, width=8), DCGANDiscriminator(width=8)
    x = G(torch.randn(3, 16))
    assert x.shape == (3, 1, 28, 28) and x.abs().max() <= 1
    assert D(x).shape == (3,)
    assert G.latent_dim == 16


def test_conditional_needs_labels():
    G, D = ConditionalDCGANGenerator(latent_dim=8, width=8), ConditionalDCGANDiscriminator(width=8)
    y = torch.tensor([0, 3, 9])
    x = G(torch.randn(3, 8), y)
    assert D(x, y).shape == (3,)
    with pytest.raises(ValueError, match="labels"):
        G(torch.randn(3, 8))
    with pytest.raises(ValueError, match="unconditional"):
        DCGANGenerator(latent_dim=8, width=8)(torch.randn(3, 8), y)


def test_dcgan_init_std():
    G = DCGANGenerator(latent_dim=64, width=32)
    w = G.net[0].weight
    assert 0.015 < float(w.std()) < 0.025 and abs(float(w.mean())) < 0.002


def test_conv_transpose_size_matches_torch():
    for size, k, s, p in [(7, 4, 2, 1), (1, 4, 1, 0), (5, 5, 2, 2), (14, 3, 1, 1)]:
        out = torch.nn.ConvTranspose2d(1, 1, k, s, p)(torch.zeros(1, 1, size, size)).shape[-1]
        assert conv_transpose_size(size, k, s, p) == out


def test_sample_is_seeded_and_keeps_mode():
    G = DCGANGenerator(latent_dim=8, width=8).train()
    a, b = sample(G, 5, seed=3), sample(G, 5, seed=3)
    assert torch.equal(a, b) and G.training
