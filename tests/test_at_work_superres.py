"""Notebook 08's super-resolution: shapes and ranges, an untrained model is bicubic, the step trains, the metrics."""

import pytest
import torch
import torch.nn.functional as F

from ganlib import pretrained
from ganlib.at_work.superres import (PatchDetective, SuperResolver, bicubic, downsample, pix2pix_generator_loss,
                                     psnr, scorecard, sharpness, ssim, superres_step, train_superres, upsample)


def _images(n=16, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_downsample_is_area_averaging():
    x = _images(2)
    small = downsample(x, 7)
    assert small.shape == (2, 1, 7, 7)
    assert torch.allclose(small[0, 0, 1, 2], x[0, 0, 4:8, 8:12].mean())
    assert downsample(x, 14).shape == (2, 1, 14, 14)
    with pytest.raises(ValueError, match="divide"):
        downsample(x, 5)


def test_an_untrained_resolver_is_bicubic_and_stays_in_range():
    for in_size in (7, 14):
        G = SuperResolver(in_size=in_size, width=8, layers=1).eval()
        small = downsample(_images(3), in_size)
        out = G(small)
        assert out.shape == (3, 1, 28, 28) and G.in_size == in_size
        assert torch.equal(out, bicubic(small)) and out.abs().max() <= 1
    with pytest.raises(ValueError, match="7 or 14"):
        SuperResolver(in_size=4)


def test_patch_detective_gives_a_logit_per_patch():
    D = PatchDetective(width=8)
    assert D(downsample(_images(2), 7), _images(2)).shape == (2, 1, 7, 7)


def test_generator_loss_is_l1_plus_weighted_adversarial():
    real, fake, logits = _images(4, 1), _images(4, 2), torch.randn(4, 1, 7, 7)
    assert torch.isclose(pix2pix_generator_loss(logits, fake, real, 0.0), F.l1_loss(fake, real))
    adv = F.softplus(-logits).mean()
    assert torch.isclose(pix2pix_generator_loss(logits, fake, real, 0.5), F.l1_loss(fake, real) + 0.5 * adv)


def test_step_trains_the_forger_and_l1_alone_leaves_the_detective_untouched(one_thread):
    torch.manual_seed(0)
    G, D = SuperResolver(7, 8, 1), PatchDetective(8)
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    before_d = [p.clone() for p in D.parameters()]
    stats = superres_step(G, D, opt_g, opt_d, _images(8), adv_weight=0.0)
    assert set(stats) == {"d_loss", "g_loss", "d_real", "d_fake"} and stats["d_loss"] == 0
    assert all(torch.equal(a, b) for a, b in zip(before_d, D.parameters()))
    assert G.tail.weight.abs().sum() > 0  # the zero-initialised correction has started to learn
    stats = superres_step(G, D, opt_g, opt_d, _images(8), adv_weight=0.01)
    assert stats["d_loss"] > 0 and 0 < stats["d_real"] < 1
    assert not all(torch.equal(a, b) for a, b in zip(before_d, D.parameters()))


def test_training_beats_bicubic_and_the_warm_up_is_shared(one_thread):
    from ganlib.data import load_images

    x, _ = load_images("fashion-mnist", "test")
    train, test = x[:2000], x[2000:2200]
    small = downsample(test, 7)
    runs = {}
    for w in (0.0, 0.01):
        G = SuperResolver(7, 8, 1)
        runs[w] = (G, train_superres(G, PatchDetective(8), train, warmup_steps=40, steps=3, adv_weight=w, seed=3))
        assert runs[w][1] == {"steps": 43, "stopped_by_time": False}
    G_l1 = runs[0.0][0]
    assert float(psnr(upsample(G_l1, small), test).mean()) > float(psnr(bicubic(small), test).mean())
    # a time limit is honoured and reported
    info = train_superres(SuperResolver(7, 8, 1), PatchDetective(8), train, warmup_steps=10_000, steps=10,
                          adv_weight=0.01, max_seconds=0.5)
    assert info["stopped_by_time"] and info["steps"] < 10_000


def test_train_superres_trains_with_the_step_it_is_given(one_thread):
    calls = []

    def my_step(G, D, opt_g, opt_d, real, adv_weight=0.01):
        calls.append(adv_weight)
        return superres_step(G, D, opt_g, opt_d, real, adv_weight)

    train = _images(64, 5)
    train_superres(SuperResolver(7, 8, 1), PatchDetective(8), train, warmup_steps=2, steps=3, adv_weight=0.01,
                   step=my_step)
    assert calls == [0.0, 0.0, 0.01, 0.01, 0.01]


def test_psnr_ssim_and_sharpness_move_the_right_way():
    real = _images(6, 4)
    noisy = (real + 0.1 * torch.randn(real.shape, generator=torch.Generator().manual_seed(1))).clamp(-1, 1)
    assert torch.isclose(psnr(noisy, real), 10 * torch.log10(4 / (noisy - real).pow(2).flatten(1).mean(1))).all()
    assert psnr(noisy, real).shape == (6,)
    assert ssim(real, real).allclose(torch.ones(6)) and (ssim(noisy, real) < 1).all()
    blurred = F.avg_pool2d(real, 3, 1, 1)
    assert (sharpness(blurred) < sharpness(real)).all()


def test_scorecard_ranks_a_blurred_copy_below_the_truth():
    from ganlib.data import load_images

    x, y = load_images("fashion-mnist", "test")
    x, y = x[:300], y[:300]
    clf = pretrained.load("fashion-mnist-classifier")
    exact, blurred = scorecard(x, x, y, clf), scorecard(bicubic(downsample(x, 7)), x, y, clf)
    assert exact["fid"] < 1e-6 and abs(exact["sharpness"] - 1) < 1e-9 and exact["ssim"] > 0.999
    assert blurred["fid"] > 1 and blurred["sharpness"] < 1 and blurred["accuracy"] < exact["accuracy"]
