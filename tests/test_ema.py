"""The EMA callback: a moving average of the generator's weights, batch-norm statistics copied."""

from types import SimpleNamespace

import pytest
import torch

from ganlib.callbacks import EMA
from ganlib.dcgan import DCGANDiscriminator, DCGANGenerator
from ganlib.train import fit


def _tiny():
    torch.manual_seed(0)
    return DCGANGenerator(latent_dim=4, width=2)


def test_ema_averages_the_weights_step_by_step(one_thread):
    G = _tiny()
    ema = EMA(G, decay=0.9)
    start = [p.clone() for p in G.parameters()]
    expected = [p.clone() for p in start]
    for step in range(1, 40):
        with torch.no_grad():
            for p in G.parameters():
                p.add_(torch.randn_like(p))
            G.train()(torch.randn(3, 4))  # moves the batch-norm running statistics
        ema(SimpleNamespace(G=G, step=step))
        d = min(0.9, (1 + step) / (10 + step))
        expected = [d * e + (1 - d) * p for e, p in zip(expected, G.parameters())]
    for e, got, p in zip(expected, ema.G.parameters(), G.parameters()):
        torch.testing.assert_close(got, e)
        assert not torch.allclose(got, p)  # an average, not the last weights
    for mine, theirs in zip(ema.G.buffers(), G.buffers()):
        assert torch.equal(mine, theirs)
    assert not ema.G.training and not any(p.requires_grad for p in ema.G.parameters())


def test_ema_with_decay_zero_is_the_generator_and_the_start_is_a_copy(one_thread):
    G, D = _tiny(), DCGANDiscriminator(width=2)
    ema = EMA(G, decay=0.0)
    assert ema.G is not G
    x = torch.rand(32, 1, 28, 28) * 2 - 1
    fit(G, D, x, steps=5, batch_size=8, progress=False, callbacks=[ema], device="cpu")
    for got, p in zip(ema.G.state_dict().values(), G.state_dict().values()):
        assert torch.equal(got, p)


def test_ema_decay_is_checked():
    with pytest.raises(ValueError, match="decay"):
        EMA(_tiny(), decay=1.0)


def test_recalibrated_statistics_are_the_plain_average_over_the_batches_of_its_own_outputs(one_thread):
    from ganlib.callbacks import recalibrate_batch_norm
    from ganlib.dcgan import ConditionalDCGANGenerator

    G = _tiny()
    norm = G.net[1]  # the 14×14 layer's BatchNorm2d
    seen = []
    hook = norm.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach()))
    torch.manual_seed(5)
    before = torch.rand(3)
    recalibrate_batch_norm(G, batches=3, batch_size=8, seed=1)
    torch.manual_seed(5)
    assert torch.equal(torch.rand(3), before)  # the global RNG is left alone
    hook.remove()
    assert len(seen) == 3 and not G.training
    means = torch.stack([s.mean(dim=(0, 2, 3)) for s in seen]).mean(0)
    torch.testing.assert_close(norm.running_mean, means)  # the plain average, not a momentum-weighted one
    assert norm.momentum == 0.1  # put back
    again = _tiny()
    recalibrate_batch_norm(again, batches=3, batch_size=8, seed=1)
    assert torch.equal(again.net[1].running_var, norm.running_var)  # seeded
    C = ConditionalDCGANGenerator(latent_dim=4, width=2)
    recalibrate_batch_norm(C, batches=2, batch_size=4)  # asks for classes in turn
    with pytest.raises(ValueError, match="batches"):
        recalibrate_batch_norm(G, batches=0)
