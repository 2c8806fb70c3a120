"""ganlib.train: one step does what it says, fit records and calls back, the NaN guard, exact resume."""

import pytest
import torch

from ganlib import losses
from ganlib.data import toy_2d
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import History, TrainingDiverged, fit, gan_step


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def ring(n, generator):
    return toy_2d("ring", n, generator)


def pair(seed=0, dropout=0.0, **kw):
    torch.manual_seed(seed)
    return MLPGenerator(2, 2, hidden=16, **kw), MLPDiscriminator(2, hidden=16, dropout=dropout, **kw)


def params(m):
    return torch.cat([p.detach().flatten() for p in m.parameters()])


def test_gan_step_updates_both_and_returns_diagnostics():
    G, D = pair()
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-2), torch.optim.Adam(D.parameters(), 1e-2)
    g0, d0 = params(G), params(D)
    out = gan_step(G, D, opt_g, opt_d, ring(32, torch.Generator().manual_seed(0)), grad_norms=True)
    assert not torch.equal(params(G), g0) and not torch.equal(params(D), d0)
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake", "grad_d", "grad_g"}
    assert all(v.dim() == 0 for v in out.values())
    assert 0 < out["d_real"] < 1 and 0 < out["d_fake"] < 1 and out["grad_g"] > 0


def test_discriminator_step_does_not_train_the_generator():
    G, D = pair()
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)  # G frozen: only D's step could move G
    g0 = params(G)
    calls = []

    def penalty(D_, real, fake):
        calls.append(fake.requires_grad)
        return torch.zeros(())

    gan_step(G, D, opt_g, torch.optim.SGD(D.parameters(), lr=0.1), ring(30, None), d_steps=3, penalty=penalty)
    assert torch.equal(params(G), g0)
    assert calls == [False, False, False], "penalty runs once per D step and sees a detached fake"


def test_conditional_step_passes_labels_to_both_players():
    G, D = pair(n_classes=3)
    out = gan_step(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()),
                   torch.randn(8, 2), labels=torch.arange(8) % 3,
                   penalty=lambda D_, r, f: D_(r).pow(2).mean())
    assert torch.isfinite(out["d_loss"])


def test_fit_records_every_step_and_calls_back():
    G, D = pair()
    seen = []
    h = fit(G, D, ring, steps=25, batch_size=16, every=10, device="cpu", progress=False,
            callbacks=[lambda step, hist, G_, D_: seen.append((step, len(hist)))])
    assert h.step == list(range(25)) and len(h.d_loss) == len(h.d_fake) == 25
    assert seen == [(10, 10), (20, 20), (25, 25)]
    assert h.grad_step == [9, 19] and all(v > 0 for v in h.grad_d + h.grad_g)


def test_fit_on_a_tensor_with_labels_and_minimax_loss():
    G, D = pair(n_classes=2)
    x = torch.randn(100, 2)
    h = fit(G, D, x, labels=(x[:, 0] > 0).long(), steps=5, batch_size=8, every=2, device="cpu",
            progress=False, g_loss=losses.g_loss_minimax, d_steps=2)
    assert len(h) == 5 and all(v < 0 for v in h.g_loss)  # the minimax loss is a mean of logs < 0


def test_fit_learns_a_shifted_gaussian():
    G, D = pair()
    target = lambda n, g: torch.randn(n, 2, generator=g) * 0.1 + 2.0  # noqa: E731
    fit(G, D, target, steps=200, batch_size=64, lr_g=5e-3, lr_d=5e-3, device="cpu", progress=False)
    mean = G(torch.randn(500, 2)).mean(0)
    assert (mean - 2.0).abs().max() < 0.5, mean


def test_nan_guard_names_the_step_and_last_finite_losses():
    G, D = pair()
    step_to_break = 7

    def poisoned(n, generator):
        poisoned.calls += 1
        x = ring(n, generator)
        return x * float("nan") if poisoned.calls > step_to_break else x
    poisoned.calls = 0
    with pytest.raises(TrainingDiverged, match=r"at step 7 .*last finite values at step 6: d_loss="):
        fit(G, D, poisoned, steps=20, batch_size=8, every=5, device="cpu", progress=False)


def test_checkpoint_resume_is_bit_identical(tmp_path):
    kw = dict(steps=30, batch_size=16, every=4, device="cpu", progress=False, seed=3)
    G1, D1 = pair(dropout=0.2)
    h1 = fit(G1, D1, ring, **kw)

    ck = tmp_path / "run.pt"
    G2, D2 = pair(dropout=0.2)
    fit(G2, D2, ring, **{**kw, "steps": 13}, checkpoint_path=ck, checkpoint_every=6)
    assert ck.exists() and [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temp files left
    G3, D3 = pair(seed=99, dropout=0.2)  # different weights: all must come from the checkpoint
    torch.manual_seed(12345)  # and the global RNG (dropout) too
    h3 = fit(G3, D3, ring, **kw, checkpoint_path=ck, resume=True)
    assert torch.equal(params(G1), params(G3)) and torch.equal(params(D1), params(D3))
    assert h1 == h3


def test_resume_refuses_other_settings(tmp_path):
    ck = tmp_path / "run.pt"
    G, D = pair()
    fit(G, D, ring, steps=2, batch_size=8, device="cpu", progress=False, checkpoint_path=ck)
    with pytest.raises(ValueError, match="seed=0, batch_size=8"):
        fit(G, D, ring, steps=4, batch_size=16, device="cpu", progress=False, checkpoint_path=ck, resume=True)


def test_history_last_and_plot():
    h = History(step=[0, 1, 2], d_loss=[1.0, 2.0, 3.0], g_loss=[0, 0, 0], d_real=[0.5] * 3, d_fake=[0.5] * 3)
    assert h.last("d_loss", 2) == 2.5
    axes = h.plot(smooth=2)
    assert len(axes[0].lines) == 2 and len(axes[0].lines[0].get_xdata()) == 2


def test_sine_waves_and_their_measures():
    from ganlib.signals import dominant_frequency, purity, sine_waves

    w = sine_waves(200, torch.Generator().manual_seed(0), length=64)
    assert w.shape == (200, 64) and w.abs().max() <= 1
    assert set(dominant_frequency(w).tolist()) == {1, 2, 3, 4}
    assert purity(w).min() > 0.999
    assert purity(torch.randn(200, 64)).median() < 0.3
    G, D = MLPGenerator(4, out_dim=64, hidden=16), MLPDiscriminator(in_dim=64, hidden=16)
    assert len(fit(G, D, sine_waves, steps=3, batch_size=8, device="cpu", progress=False)) == 3


def test_atomic_save_leaves_no_partial_file(tmp_path, monkeypatch):
    from ganlib import train

    train.atomic_save({"a": torch.ones(2)}, tmp_path / "ok.pt")

    def broken_save(obj, f):
        f.write(b"half")
        raise OSError("disk full")
    monkeypatch.setattr(train.torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        train.atomic_save({"a": 1}, tmp_path / "ok.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.pt"]
    assert torch.equal(torch.load(tmp_path / "ok.pt")["a"], torch.ones(2))


def test_forger_step_leaves_d_gradient_and_trainability_as_d_step_left_them():
    G, D = pair()
    opt_g, opt_d = torch.optim.SGD(G.parameters(), 0.0), torch.optim.SGD(D.parameters(), 0.0)  # lr 0: nothing moves
    x = ring(32, torch.Generator().manual_seed(0))
    gan_step(G, D, opt_g, opt_d, x, generator=torch.Generator().manual_seed(1))
    after_step = [p.grad.clone() for p in D.parameters()]
    opt_d.zero_grad()
    z = torch.randn(32, 2, generator=torch.Generator().manual_seed(1))  # the D step's noise, replayed
    losses.d_loss(D(x), D(G(z).detach())).backward()
    assert all(torch.equal(a, p.grad) for a, p in zip(after_step, D.parameters()))  # G's step added nothing
    assert all(p.requires_grad for p in D.parameters())

    def broken(logits):
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        gan_step(G, D, opt_g, opt_d, x, g_loss=broken)
    assert all(p.requires_grad for p in D.parameters())  # restored even when G's loss fails
