import torch

from ganlib.dashboard import Dashboard, explorer, interpolate, slerp
from ganlib.dcgan import ConditionalDCGANGenerator, DCGANDiscriminator, DCGANGenerator
from ganlib.train import fit


def test_slerp_endpoints_and_norm():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(16, generator=g), torch.randn(16, generator=g)
    z = slerp(z0, z1, torch.linspace(0, 1, 5))
    assert torch.allclose(z[0], z0, atol=1e-5) and torch.allclose(z[-1], z1, atol=1e-5)
    assert z.shape == (5, 16)


def test_interpolate_shapes_conditional():
    G = ConditionalDCGANGenerator(latent_dim=8, width=4)
    assert interpolate(G, steps=6, label=3).shape == (6, 1, 28, 28)


def test_dashboard_redraws_during_fit():
    G, D = DCGANGenerator(latent_dim=8, width=4), DCGANDiscriminator(width=4)
    dash = Dashboard(n=8)
    fit(G, D, torch.rand(64, 1, 28, 28) * 2 - 1, steps=6, batch_size=8, every=3, callbacks=[dash],
        progress=False, device="cpu")
    assert dash.redraws == 2
    dash.close()


def test_explorer_builds():
    box = explorer(ConditionalDCGANGenerator(latent_dim=8, width=4), class_names=list("abcdefghij"))
    assert len(box.children) == 2
