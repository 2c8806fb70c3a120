import pytest
import torch

from ganlib.dcgan import (ConditionalDCGANDiscriminator, ConditionalDCGANGenerator, DCGANDiscriminator,
                          DCGANGenerator, conditional_gan_step, conv_transpose_size)


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
    with pytest.raises(TypeError, match="labels"):
        G(torch.randn(3, 8))
    with pytest.raises(TypeError):
        DCGANGenerator(latent_dim=8, width=8)(torch.randn(3, 8), y)
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        G(torch.randn(3, 8), torch.tensor([0, 3, 10]))
    with pytest.raises(ValueError, match="2 labels for 3 items"):
        D(x, y[:2])


def test_dcgan_init_std():
    G = DCGANGenerator(latent_dim=64, width=32)
    w = G.net[0].weight
    assert 0.015 < float(w.std()) < 0.025 and abs(float(w.mean())) < 0.002


def test_conv_transpose_size_matches_torch():
    for size, k, s, p in [(7, 4, 2, 1), (1, 4, 1, 0), (5, 5, 2, 2), (14, 3, 1, 1)]:
        out = torch.nn.ConvTranspose2d(1, 1, k, s, p)(torch.zeros(1, 1, size, size)).shape[-1]
        assert conv_transpose_size(size, k, s, p) == out


def test_conditional_step_passes_labels_to_both_players():
    torch.manual_seed(0)
    G, D = ConditionalDCGANGenerator(latent_dim=8, width=4, n_classes=3), ConditionalDCGANDiscriminator(4, 3)
    seen = []
    out = conditional_gan_step(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()),
                               torch.rand(8, 1, 28, 28) * 2 - 1, torch.arange(8) % 3,
                               penalty=lambda D_, r, f: seen.append(D_(r).shape) or torch.zeros(()))
    assert torch.isfinite(out["d_loss"]) and seen == [(8,)]
    assert all(p.requires_grad for p in D.parameters()), "D is unfrozen after the forger's step"
