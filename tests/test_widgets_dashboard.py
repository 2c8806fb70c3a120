import torch

from ganlib.dcgan import ConditionalDCGANGenerator, DCGANDiscriminator, DCGANGenerator
from ganlib.train import fit
from ganlib.widgets import Dashboard, generator_explorer


def test_dashboard_redraws_during_fit():
    G, D = DCGANGenerator(latent_dim=8, width=4), DCGANDiscriminator(width=4)
    dash = Dashboard(n=8, every=3)
    fit(G, D, torch.rand(64, 1, 28, 28) * 2 - 1, steps=6, batch_size=8, every=3, callbacks=[dash],
        progress=False, device="cpu")
    assert dash.redraws == 2
    dash.close()


def test_explorer_builds():
    box = generator_explorer(ConditionalDCGANGenerator(latent_dim=8, width=4), class_names=list("abcdefghij"))
    assert len(box.children) == 2
