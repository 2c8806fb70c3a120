import re

import pytest
import torch
from torch import nn

from ganlib.checks import nb03
from ganlib.dcgan import conv_transpose_size, dcgan_init


def test_references_pass():
    assert nb03.check_transposed_conv_size(conv_transpose_size)
    assert nb03.check_dcgan_weight_init(dcgan_init)


def test_not_done_yet():
    def blank(*a):
        raise NotImplementedError()
    assert nb03.check_transposed_conv_size(blank).status == "not done"


@pytest.mark.parametrize("wrong, msg", [
    (lambda n, k, s, p: n * s, "size·stride"),
    (lambda n, k, s, p: (n - 1) * s + k, "2·padding"),
    (lambda n, k, s, p: (n - 1) * s - p + k, "2·padding"),
    (lambda n, k, s, p: (n + 2 * p - k) // s + 1, "ordinary"),
])
def test_wrong_sizes_rejected(wrong, msg):
    with pytest.raises(AssertionError, match=msg):
        nb03.check_transposed_conv_size(wrong)


def _init(std=0.02, mean=0.0, bn=True, bias=True):
    def fn(model):
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, mean, std)
                if bias and m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif bn and isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    return fn


@pytest.mark.parametrize("wrong, msg", [
    (_init(std=1.0), "not 1"), (_init(mean=1.0), "mean is 0"), (_init(bn=False), "default"),
    (_init(bias=False), "biases"), (lambda model: None, "N\\(0, 0.02\\)"),
])
def test_wrong_inits_rejected(wrong, msg):
    with pytest.raises(AssertionError, match=msg):
        nb03.check_dcgan_weight_init(wrong)


# ----------------------------------------------------------------------------- the generator and slerp

def _generator(last="tanh", bn_out=False, kernel=4, act=nn.ReLU, init=True, latent=True, upsample=False,
               extra_linear=False, unused=False):
    """A DCGAN generator with one mistake (the defaults build ganlib's)."""
    class G(nn.Module):
        def __init__(self, latent_dim=64, width=32):
            super().__init__()
            if latent:
                self.latent_dim = latent_dim
            self.project = nn.Sequential(nn.Linear(latent_dim, 2 * width * 49, bias=False),
                                         nn.BatchNorm1d(2 * width * 49), act(),
                                         *([nn.Linear(2 * width * 49, 2 * width * 49)] if extra_linear else []))
            up = ([nn.Upsample(scale_factor=2), nn.Conv2d(2 * width, width, 3, 1, 1, bias=False)] if upsample
                  else [nn.ConvTranspose2d(2 * width, width, kernel, 2, 1, bias=False)])
            tail = {"tanh": nn.Tanh(), "sigmoid": nn.Sigmoid(), "none": nn.Identity()}[last]
            self.net = nn.Sequential(*up, nn.BatchNorm2d(width), act(), nn.ConvTranspose2d(width, 1, 4, 2, 1),
                                     *([nn.BatchNorm2d(1)] if bn_out else []), tail)
            if unused:
                self.spare = nn.Linear(3, 3)
            if init:
                dcgan_init(self)

        def forward(self, z):
            return self.net(self.project(z).view(len(z), -1, 7, 7))
    return G


def test_generator_and_slerp_references_pass_and_stubs_are_not_done():
    from ganlib.dcgan import DCGANGenerator
    from ganlib.inference import slerp

    def blank(*a, **k):
        raise NotImplementedError()
    assert nb03.check_dcgan_generator(DCGANGenerator) and nb03.check_dcgan_generator(_generator())
    assert nb03.check_slerp(slerp)
    assert nb03.check_dcgan_generator(blank).status == "not done" and nb03.check_slerp(blank).status == "not done"


@pytest.mark.parametrize("kw, hint", [
    (dict(last="sigmoid"), "not sigmoid"),
    (dict(last="none"), "end with nn.Tanh()"),
    (dict(bn_out=True), "batch norm off G's last layer"),
    (dict(kernel=3), "kernel 4, stride 2, padding 1"),
    (dict(act=nn.LeakyReLU), "ReLU in G"),
    (dict(init=False), "dcgan_init(self)"),
    (dict(latent=False), "self.latent_dim"),
    (dict(upsample=True), "no nn.Upsample"),
    (dict(extra_linear=True), "exactly one linear layer"),
    (dict(unused=True), "did not train"),
])
def test_each_generator_mistake_gets_its_hint(kw, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        nb03.check_dcgan_generator(_generator(**kw))


def _lerp(z0, z1, t):
    t = t.view(-1, 1)
    return (1 - t) * z0 + t * z1


def _no_fallback(z0, z1, t):
    t = t.view(-1, 1)
    omega = torch.arccos(((z0 * z1).sum() / (z0.norm() * z1.norm())).clamp(-1, 1))
    return (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / torch.sin(omega)


@pytest.mark.parametrize("wrong, hint", [
    (_lerp, "straight line"),
    (lambda z0, z1, t: _no_fallback(z1, z0, t), "backwards"),
    (lambda z0, z1, t: _no_fallback(z0 / z0.norm(), z1 / z1.norm(), t), "unit versions"),
    (lambda z0, z1, t: _flat(z0, z1, t), "one row per t"),
    (lambda z0, z1, t: [1.0], "return a tensor"),
])
def test_each_slerp_mistake_gets_its_hint(wrong, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        nb03.check_slerp(wrong)


def _flat(z0, z1, t):
    return _no_fallback(z0, z1, t).flatten()


def test_slerp_without_the_fallback_is_named():
    with pytest.raises(AssertionError, match="fall back to the straight line"):
        nb03.check_slerp(_no_fallback)
