"""Notebook 08's checks accept ganlib's references and diagnose the typical mistakes."""

import pytest
import torch
import torch.nn.functional as F

from ganlib import checks
from ganlib.at_work.superres import pix2pix_generator_loss, psnr
from ganlib.at_work.synthetic import make_splits
from ganlib.checks import nb08


def _blank(*a):
    raise NotImplementedError()


def test_registered_and_references_pass():
    for ex in ("pix2pix_generator_loss", "psnr", "make_splits"):
        assert checks.EXERCISES[ex].notebook == "08_gans_at_work.ipynb"
    assert nb08.check_pix2pix_generator_loss(pix2pix_generator_loss)
    assert nb08.check_psnr(psnr) and nb08.check_make_splits(make_splits)
    assert nb08.check_psnr(_blank).status == "not done"


@pytest.mark.parametrize("wrong, hint", [
    (lambda l, f, r, w: F.l1_loss(f, r), "adversarial term is missing"),
    (lambda l, f, r, w: w * F.softplus(-l).mean(), "L1 term is missing"),
    (lambda l, f, r, w: F.mse_loss(f, r) + w * F.softplus(-l).mean(), "squared error"),
    (lambda l, f, r, w: w * F.l1_loss(f, r) + F.softplus(-l).mean(), "wrong term"),
    (lambda l, f, r, w: F.l1_loss(f, r) - w * F.softplus(l).mean(), "saturating"),
    (lambda l, f, r, w: F.l1_loss(f, r) + w * F.softplus(l).mean(), "detective's term"),
    (lambda l, f, r, w: (f - r).abs().sum() + w * F.softplus(-l).mean(), "sum of absolute"),
    (lambda l, f, r, w: F.l1_loss(f, r) + w * F.softplus(-l).sum(), "summed over patches"),
    (lambda l, f, r, w: F.l1_loss(f.detach(), r) + w * F.softplus(-l).mean(), "no gradient"),
    (lambda l, f, r, w: float(pix2pix_generator_loss(l, f, r, w)), "torch tensor"),
    (lambda l, f, r, w: (f - r).abs().flatten(1).mean(1) + w * F.softplus(-l).mean(), "0-d tensor"),
    (lambda l, f, r, w: F.l1_loss(f, r) + 0.01 * F.softplus(-l).mean(), "wrong value"),
])
def test_generator_loss_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        nb08.check_pix2pix_generator_loss(wrong)


def _mse(f, r):
    return (f - r).pow(2).flatten(1).mean(1)


@pytest.mark.parametrize("wrong, hint", [
    (lambda f, r, d=2.0: 10 * torch.log10(1.0 / _mse(f, r)), "span 2"),
    (lambda f, r, d=2.0: 10 * torch.log10(4.0 / _mse(f, r)), "data_range argument"),
    (lambda f, r, d=2.0: 20 * torch.log10(d ** 2 / _mse(f, r)), "not 20"),
    (lambda f, r, d=2.0: 10 * torch.log10(d / _mse(f, r).sqrt()), "not its root"),
    (lambda f, r, d=2.0: 10 * torch.log(d ** 2 / _mse(f, r)), "natural log"),
    (lambda f, r, d=2.0: 10 * torch.log10(d ** 2 / (f - r).abs().flatten(1).mean(1)), "squared"),
    (lambda f, r, d=2.0: _mse(f, r), "MSE itself"),
    (lambda f, r, d=2.0: 10 * torch.log10(d ** 2 / (f - r).pow(2).mean()), "not over the whole batch"),
    (lambda f, r, d=2.0: 10 * torch.log10(d ** 2 / (f - r).pow(2).mean(dim=(2, 3))), "wrong shape"),
    (lambda f, r, d=2.0: [1.0] * len(f), "return a tensor"),
    (lambda f, r, d=2.0: psnr(f, r, d) + 1, "differs from the reference"),
])
def test_psnr_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        nb08.check_psnr(wrong)


@pytest.mark.parametrize("wrong, hint", [
    (lambda rx, ry, fx, fy: {"real": (rx, ry), "synthetic": (fx, fy)}, "three training sets"),
    (lambda rx, ry, fx, fy: {**make_splits(rx, ry, fx, fy), "synthetic": (torch.cat([rx, fx]), torch.cat([ry, fy]))},
     "no real image"),
    (lambda rx, ry, fx, fy: {**make_splits(rx, ry, fx, fy), "real + synthetic": (fx, fy)}, "both kinds"),
    (lambda rx, ry, fx, fy: {**make_splits(rx, ry, fx, fy),
                             "real + synthetic": (torch.cat([rx, fx]), torch.cat([fy, ry]))}, "labels do not match"),
    (lambda rx, ry, fx, fy: {**make_splits(rx, ry, fx, fy), "real": (ry, rx)}, "wrong way round"),
    (lambda rx, ry, fx, fy: {**make_splits(rx, ry, fx, fy), "real": (rx, fy)}, "one label per image"),
    (lambda rx, ry, fx, fy: {**make_splits(rx, ry, fx, fy), "real": rx}, "pair"),
])
def test_split_mistakes_get_their_hint(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        nb08.check_make_splits(wrong)


def test_a_shuffled_but_faithful_split_passes():
    def shuffled(rx, ry, fx, fy):
        s = make_splits(rx, ry, fx, fy)
        x, y = s["real + synthetic"]
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
        return {**s, "real + synthetic": (x[order], y[order])}

    assert nb08.check_make_splits(shuffled)
