import pytest
import torch

from ganlib.dcgan import (AuxClassifierDiscriminator, ConditionalDCGANDiscriminator, ConditionalDCGANGenerator,
                          DCGANDiscriminator, DCGANGenerator, aux_classifier_gan_step, conditional_gan_step,
                          conv_transpose_size)


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
    w = G.net[0].weight.detach()
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


def _aux_pair(seed=0):
    torch.manual_seed(seed)
    G, D = ConditionalDCGANGenerator(latent_dim=8, width=4, n_classes=3), AuxClassifierDiscriminator(4, 3)
    return G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())


def test_aux_discriminator_judges_like_the_projection_one_and_names_classes():
    _, D, _, _ = _aux_pair()
    x, y = torch.rand(5, 1, 28, 28) * 2 - 1, torch.tensor([0, 1, 2, 0, 1])
    logit, classes = D.judge_and_name(x, y)
    assert logit.shape == (5,) and classes.shape == (5, 3)
    assert torch.allclose(logit, D(x, y))  # the same projection logit as the plain conditional detective
    with pytest.raises(ValueError):
        D.judge_and_name(x, torch.tensor([0, 1, 2, 3, 0]))  # class 3 of 3


def test_aux_weight_moves_only_the_forger():
    """aux_weight scales G's class term only: the detective's step is the same whatever the weight."""
    real, y = torch.rand(6, 1, 28, 28) * 2 - 1, torch.arange(6) % 3
    after = {}
    for w in (0.0, 5.0):
        G, D, og, od = _aux_pair()
        torch.manual_seed(1)
        out = aux_classifier_gan_step(G, D, og, od, real, y, aux_weight=w)
        after[w] = (G.state_dict(), D.state_dict(), out)
    assert all(torch.equal(after[0.0][1][k], after[5.0][1][k]) for k in after[0.0][1])
    assert any(not torch.equal(after[0.0][0][k], after[5.0][0][k]) for k in after[0.0][0])
    assert {"aux_real", "aux_fake"} <= set(after[5.0][2])


def test_aux_head_learns_the_classes_of_real_images():
    G, D, og, od = _aux_pair()
    y = torch.arange(30) % 3
    real = (y.float() - 1).view(-1, 1, 1, 1).expand(-1, 1, 28, 28).contiguous()  # class k: a flat image at k − 1
    first = aux_classifier_gan_step(G, D, og, od, real, y)["aux_real"]
    for _ in range(60):
        last = aux_classifier_gan_step(G, D, og, od, real, y)["aux_real"]
    assert last < 0.5 * first  # starts near ln 3 ≈ 1.1
