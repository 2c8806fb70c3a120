"""ganlib.models: shapes, output range, conditional variants, clear errors."""

import pytest
import torch

from ganlib.models import MLPDiscriminator, MLPGenerator


def test_generator_and_discriminator_shapes():
    G = MLPGenerator(latent_dim=16, out_shape=(1, 28, 28), hidden=(32, 64), tanh=True)
    D = MLPDiscriminator(in_shape=(1, 28, 28), hidden=32, depth=3)
    x = G(torch.randn(5, 16))
    assert G.latent_dim == 16 and x.shape == (5, 1, 28, 28)
    assert x.abs().max() <= 1
    assert D(x).shape == (5,)


def test_out_dim_and_in_dim_aliases_for_flat_data():
    G, D = MLPGenerator(2, out_dim=2), MLPDiscriminator(in_dim=2, dropout=0.1)
    assert G(torch.randn(7, 2)).shape == (7, 2) and D(torch.randn(7, 2)).shape == (7,)
    with pytest.raises(ValueError, match="exactly one"):
        MLPGenerator(2)


def test_conditional_models_use_labels():
    torch.manual_seed(0)
    G = MLPGenerator(4, 3, n_classes=5)
    D = MLPDiscriminator(3, n_classes=5)
    z = torch.randn(6, 4)
    a, b = G(z, torch.zeros(6, dtype=torch.long)), G(z, torch.full((6,), 3))
    assert a.shape == (6, 3) and not torch.allclose(a, b)
    assert D(a, torch.zeros(6, dtype=torch.long)).shape == (6,)
    with pytest.raises(ValueError, match="pass labels"):
        G(z)
    with pytest.raises(ValueError, match="unconditional"):
        MLPGenerator(4, 3)(z, torch.zeros(6, dtype=torch.long))
