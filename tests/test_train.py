"""ganlib.train: one step does what it says, the loop calls back, fit records, the NaN guard, exact resume."""

import pytest
import torch

from ganlib import losses
from ganlib.callbacks import Checkpoint, History, Schedules, TimeLimit, TrainingDiverged
from ganlib.data import sine_waves, toy_2d
from ganlib.metrics import dominant_frequency, purity
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import Batches, Run, fit, gan_step, train

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
    out = gan_step(G, D, opt_g, opt_d, ring(32, torch.Generator().manual_seed(0)))
    assert not torch.equal(params(G), g0) and not torch.equal(params(D), d0)
    assert set(out) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(v.dim() == 0 for v in out.values())
    assert 0 < out["d_real"] < 1 and 0 < out["d_fake"] < 1


def test_discriminator_step_does_not_train_the_generator_and_penalty_sees_detached_fakes():
    G, D = pair()
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)  # G frozen: only D's step could move G
    g0 = params(G)
    calls = []

    def penalty(D_, real, fake):
        calls.append(fake.requires_grad)
        return torch.zeros(())

    gan_step(G, D, opt_g, torch.optim.SGD(D.parameters(), lr=0.1), ring(30, None), penalty=penalty)
    assert torch.equal(params(G), g0)
    assert calls == [False], "penalty runs once per D step and sees a detached fake"


def test_forger_step_leaves_d_gradient_as_the_d_step_left_it():
    G, D = pair()
    opt_g, opt_d = torch.optim.SGD(G.parameters(), 0.0), torch.optim.SGD(D.parameters(), 0.0)  # lr 0: nothing moves
    x = ring(32, torch.Generator().manual_seed(0))
    torch.manual_seed(1)
    gan_step(G, D, opt_g, opt_d, x)
    after_step = [p.grad.clone() for p in D.parameters()]
    opt_d.zero_grad()
    torch.manual_seed(1)
    z = torch.randn(32, 2)  # the D step's noise, replayed
    losses.d_loss(D(x), D(G(z).detach())).backward()
    assert all(torch.equal(a, p.grad) for a, p in zip(after_step, D.parameters()))  # G's step added nothing
    assert all(p.requires_grad for p in D.parameters())


def test_train_loop_calls_back_after_every_step_and_continues_a_run():
    G, D = pair()
    run = Run(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()),
              Batches(ring, None, 8, 0, torch.device("cpu")))
    seen = []
    train(run, 3, [lambda r: seen.append((r.step, sorted(r.stats)))])
    train(run, 5, [lambda r: seen.append((r.step, None))])
    assert [s for s, _ in seen] == [1, 2, 3, 4, 5] and seen[0][1] == ["d_fake", "d_loss", "d_real", "g_loss"]


def test_fit_records_every_step_and_calls_back():
    G, D = pair()
    seen = []
    h = fit(G, D, ring, steps=25, batch_size=16, every=10, device="cpu", progress=False,
            callbacks=[lambda run: seen.append((run.step, len(run.history)))])
    assert h.step == list(range(25)) and len(h.d_loss) == len(h.d_fake) == 25
    assert seen[9] == (10, 10) and seen[19] == (20, 20) and seen[-1] == (25, 25) and len(seen) == 25
    assert h.grad_step == [9, 19, 24] and all(v > 0 for v in h.grad_d + h.grad_g)


def test_fit_conditional_on_a_tensor_with_minimax_loss():
    from ganlib.dcgan import conditional_gan_step

    G, D = pair(n_classes=2)
    x = torch.randn(100, 2)
    h = fit(G, D, x, labels=(x[:, 0] > 0).long(), steps=5, batch_size=8, every=2, device="cpu",
            progress=False, g_loss=losses.g_loss_minimax, step=conditional_gan_step)
    assert len(h) == 5 and all(v < 0 for v in h.g_loss)  # the minimax loss is a mean of logs < 0


def test_fit_learns_a_shifted_gaussian_and_leaves_the_global_rng_alone():
    G, D = pair()
    target = lambda n, g: torch.randn(n, 2, generator=g) * 0.1 + 2.0  # noqa: E731
    torch.manual_seed(7)
    before = torch.get_rng_state()
    fit(G, D, target, steps=200, batch_size=64, lr_g=5e-3, lr_d=5e-3, device="cpu", progress=False)
    assert torch.equal(torch.get_rng_state(), before)
    mean = G(torch.randn(500, 2)).mean(0)
    assert (mean - 2.0).abs().max() < 0.5, mean


def test_fit_is_repeatable():
    runs = []
    for _ in range(2):
        G, D = pair(dropout=0.2)
        fit(G, D, ring, steps=12, batch_size=8, device="cpu", progress=False, seed=5)
        runs.append(params(G))
    assert torch.equal(*runs)


def test_nan_guard_names_the_step_and_last_finite_losses():
    G, D = pair()

    def poison(run):  # the forger goes bad after 7 steps (NaN *data* is refused before it is used)
        if run.step == 7:
            with torch.no_grad():
                for p in run.G.parameters():
                    p.fill_(float("nan"))
    with pytest.raises(TrainingDiverged, match=r"at step 7 .*last finite values at step 6: d_loss="):
        fit(G, D, ring, steps=20, batch_size=8, every=5, device="cpu", progress=False, callbacks=[poison])


def test_checkpoint_resume_is_bit_identical(tmp_path):
    kw = dict(steps=30, batch_size=16, every=4, device="cpu", progress=False, seed=3)
    decay = Schedules(lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1 - s / 30))
    G1, D1 = pair(dropout=0.2)
    h1 = fit(G1, D1, ring, **kw, callbacks=[decay])

    ck = tmp_path / "run.pt"
    G2, D2 = pair(dropout=0.2)
    fit(G2, D2, ring, **{**kw, "steps": 13}, callbacks=[Checkpoint(ck, every=6), decay])  # any order
    assert ck.exists() and [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temp files left
    G3, D3 = pair(seed=99, dropout=0.2)  # different weights: all must come from the checkpoint
    torch.manual_seed(12345)  # and the global RNG (dropout) too
    h3 = fit(G3, D3, ring, **kw, callbacks=[Checkpoint(ck, resume=True), decay])
    assert torch.equal(params(G1), params(G3)) and torch.equal(params(D1), params(D3))
    assert h1.d_loss == h3.d_loss and h1.step == h3.step and h1.g_loss == h3.g_loss


def test_resume_refuses_other_settings_and_unreadable_files(tmp_path):
    ck = tmp_path / "run.pt"
    G, D = pair()
    fit(G, D, ring, steps=2, batch_size=8, device="cpu", progress=False, callbacks=[Checkpoint(ck)])
    with pytest.raises(ValueError, match="seed=0, batch_size=8"):
        fit(G, D, ring, steps=4, batch_size=16, device="cpu", progress=False,
            callbacks=[Checkpoint(ck, resume=True)])
    ck.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read as a training checkpoint"):
        fit(G, D, ring, steps=4, batch_size=8, device="cpu", progress=False,
            callbacks=[Checkpoint(ck, resume=True)])


def test_time_limit_stops_and_keeps_the_run():
    G, D = pair()
    h = fit(G, D, ring, steps=10**6, batch_size=8, device="cpu", progress=False, every=10,
            callbacks=[TimeLimit(0.5)])
    assert h.stopped.startswith("time limit") and 0 < len(h) < 10**6


def test_history_last_and_plot():
    h = History(step=[0, 1, 2], d_loss=[1.0, 2.0, 3.0], g_loss=[0, 0, 0], d_real=[0.5] * 3, d_fake=[0.5] * 3)
    assert h.last("d_loss", 2) == 2.5
    axes = h.plot(smooth=2)
    assert len(axes[0].lines) == 3 and len(axes[0].lines[0].get_xdata()) == 2  # two curves and log 4
    assert axes[1].get_legend().get_texts()[0].get_text().startswith("D(x)")


def test_sine_waves_and_their_measures():
    w = sine_waves(200, torch.Generator().manual_seed(0), length=64)
    assert w.shape == (200, 64) and w.abs().max() <= 1
    assert set(dominant_frequency(w).tolist()) == {1, 2, 3, 4}
    assert purity(w).min() > 0.999
    assert purity(torch.randn(200, 64)).median() < 0.3
    G, D = MLPGenerator(4, out_dim=64, hidden=16), MLPDiscriminator(in_dim=64, hidden=16)
    assert len(fit(G, D, sine_waves, steps=3, batch_size=8, device="cpu", progress=False)) == 3
