"""Notebook 07's style-based generator: its interface, its pieces, and what the measures say on small nets."""

import pytest
import torch

from ganlib import pretrained
from ganlib.classifier import Classifier
from ganlib.style.blocks import AdaINLayer, ModulatedLayer, NoiseInput, adain, modulated_conv2d
from ganlib.style.generator import StyleGenerator, truncate
from ganlib.style.measures import class_follows, mix, mixed_ws, path_length, spike_reach, spikiness, truncation_sweep
from ganlib.style.miniature import WeightAverage


def _G(**kw):
    torch.manual_seed(0)
    return StyleGenerator(latent_dim=8, w_dim=8, mapping_layers=2, channels=(8, 4, 4), **kw)


@pytest.mark.parametrize("style", ["adain", "modulated"])
def test_interface(one_thread, style):
    G = _G(style=style).eval()
    z = torch.randn(3, G.latent_dim)
    w = G.mapping(z)
    assert w.shape == (3, 8) and G.w_avg.shape == (8,) and G.num_layers == 6
    x = G.synthesis(w[:, None].repeat(1, G.num_layers, 1), noise_mode="const")
    assert x.shape == (3, 1, 28, 28) and x.abs().max() <= 1
    assert torch.allclose(G(z, noise_mode="const"), x, atol=1e-6)
    avg = G.synthesis(G.w_avg.expand(3, G.num_layers, -1), noise_mode="const")
    assert torch.allclose(G(z, truncation_psi=0.0, noise_mode="const"), avg, atol=1e-6)  # ψ = 0: the average image


def test_synthesis_takes_a_layer_class_of_the_same_signature(one_thread):
    class MyLayer(ModulatedLayer):  # notebook 07 passes its own ModulatedLayer this way
        pass

    G, mine = _G().eval(), _G(style=MyLayer).eval()
    mine.load_state_dict(G.state_dict())
    assert isinstance(mine.synthesis.layers[0], MyLayer)
    z = torch.randn(3, 8)
    assert torch.equal(mine(z, noise_mode="const"), G(z, noise_mode="const"))


def test_training_updates_w_avg_and_mixes(one_thread):
    G = _G(mixing=1.0).train()
    G(torch.randn(16, 8))
    assert G.w_avg.abs().sum() > 0
    seen = []
    G.synthesis.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    G(torch.randn(4, 8))
    ws = seen[0]
    assert not torch.allclose(ws[:, 0], ws[:, -1])  # mixing=1: two different w along the layers


def test_adain_gives_each_map_the_style():
    x = torch.randn(2, 3, 5, 5) * 4 + 7
    s, b = torch.rand(2, 3) + 0.5, torch.randn(2, 3)
    y = adain(x, s, b)
    assert torch.allclose(y.mean((2, 3)), b, atol=1e-4)
    assert torch.allclose(y.std((2, 3), unbiased=False), s, atol=1e-3)


def test_modulation_equals_scaled_weights_and_demodulation_unit_norm():
    g = torch.Generator().manual_seed(0)
    x, w, s = torch.randn(2, 3, 6, 6, generator=g), torch.randn(4, 3, 3, 3, generator=g), torch.rand(2, 3, generator=g) + 0.5
    for i in range(2):
        ws = w * s[i][None, :, None, None]
        plain = torch.nn.functional.conv2d(x[i:i + 1], ws, padding=1)
        assert torch.allclose(modulated_conv2d(x, w, s, demodulate=False)[i:i + 1], plain, atol=1e-5)
        norm = ws.square().sum((1, 2, 3)).sqrt()[None, :, None, None]
        assert torch.allclose(modulated_conv2d(x, w, s)[i:i + 1], plain / norm, atol=1e-5)


def test_spike_reaches_everything_through_adain_only():
    torch.manual_seed(0)
    x, w = torch.randn(2, 4, 14, 14), torch.randn(2, 8)
    assert spike_reach(AdaINLayer(4, 4, 8, 14, noise=False), x, w) > 0.9
    assert spike_reach(ModulatedLayer(4, 4, 8, 14, noise=False), x, w) < 0.1


def test_noise_modes():
    n = NoiseInput(7)
    n.strength.data.fill_(1.0)
    x = torch.zeros(2, 3, 7, 7)
    assert torch.equal(n(x, "none"), x)
    assert torch.equal(n(x, "const"), n(x, "const")) and not torch.equal(n(x, "random"), n(x, "random"))


def test_truncate_broadcasts_over_layers():
    w, avg = torch.randn(4, 6, 8), torch.randn(8)
    assert torch.allclose(truncate(w, avg, 1.0), w, atol=1e-6) and torch.allclose(truncate(w, avg, 0.0), avg.expand_as(w))


def test_mixed_ws_cuts_between_sources():
    G = _G().eval()
    za, zb = torch.randn(2, 8), torch.randn(2, 8)
    ws = mixed_ws(G, za, zb, 2)
    assert torch.equal(ws[:, 1], G.mapping(za)) and torch.equal(ws[:, 2], G.mapping(zb))
    assert mix(G, za, zb, 0).shape == (2, 1, 28, 28)
    with pytest.raises(ValueError):
        mixed_ws(G, za, zb, 7)


def test_measures_run_on_a_tiny_net(one_thread):
    G, clf = _G().eval(), Classifier().eval()
    real = torch.randn(200, 128)
    rows = truncation_sweep(G, real, [0.5, 1.0], n=160, classifier=clf)
    assert [r["psi"] for r in rows] == [0.5, 1.0] and all(r["fid"] >= 0 for r in rows)
    follows = class_follows(G, n=32, classifier=clf)
    assert len(follows) == G.num_layers + 1
    if follows[0]["pairs"]:
        assert follows[0]["fine"] == 1.0 and follows[-1]["coarse"] == 1.0  # the two ends are the sources
    assert path_length(G, n=16, space="w", classifier=clf) >= 0 and path_length(G, n=16, space="z", classifier=clf) >= 0
    assert len(spikiness(G, n=8)) == 5


def test_weight_average_and_checkpoint_roundtrip(tmp_path):
    G = _G()
    avg = WeightAverage(G, batch_size=4, half_life=8, rampup=0)

    class R:
        step = 1
    with torch.no_grad():
        for p in G.parameters():
            p.add_(1.0)
    R.G = G
    avg(R)
    moved = (next(avg.G.parameters()) - (next(G.parameters()) - 1)).detach()
    assert 0 < float(moved.abs().mean()) < 1  # part of the way toward the new weights
    path = pretrained.save(G, tmp_path / "g.pt")
    H = pretrained.load(path)
    assert isinstance(H, StyleGenerator) and not H.training
    z = torch.randn(2, 8)
    assert torch.allclose(H(z, noise_mode="const"), G.eval()(z, noise_mode="const"))


def test_lrelu_gain_keeps_the_signal_size_through_the_mapping_network(one_thread):
    """Without StyleGAN's gain √2 each LeakyReLU halves the mean square: 4 mapping layers shrank W's variance
    from 64 (Z's) to about 2.6 and short runs collapsed; with it W keeps most of its spread."""
    from ganlib.style.blocks import lrelu
    from ganlib.style.generator import MappingNetwork

    x = torch.randn(200_000, generator=torch.Generator().manual_seed(0))
    assert 0.95 < lrelu(x).square().mean().item() < 1.1  # (1 + 0.2²) / 2 · 2 = 1.04
    torch.manual_seed(0)
    w = MappingNetwork(64, 64, 4)(torch.randn(4000, 64)).detach()
    assert w.var(0).sum().item() > 20  # was 2.6 without the gain


def test_the_mixer_sliders_hold_a_run_s_seeds_whatever_the_run():
    # at GANLIB_SEED=2 the notebook's seeds are 2001 and 2002: a 0-50 slider would clamp them to 50
    from ganlib.style.mixer import StyleMixer

    mixer = StyleMixer(_G().eval(), coarse_seed=2001, fine_seed=2002, cut=1)
    mixer.controls()
    assert mixer.sliders["coarse_seed"].value == 2001 and mixer.sliders["fine_seed"].value == 2002
    assert (mixer.coarse_seed, mixer.fine_seed) == (2001, 2002)  # no slider moved them
    far = StyleMixer(_G().eval(), coarse_seed=1, fine_seed=300, cut=1)
    far.controls()
    assert far.sliders["fine_seed"].value == 300
