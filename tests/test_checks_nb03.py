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


def test_tanh_written_as_a_function_in_forward_passes():
    """`return torch.tanh(self.net(...))` is the same generator as ending the Sequential with nn.Tanh()."""
    base = _generator(last="none")

    class FunctionalTanh(base):
        def forward(self, z):
            return torch.tanh(super().forward(z))
    assert nb03.check_dcgan_generator(FunctionalTanh)


class _FunctionalReLUGenerator(nn.Module):
    """A correct DCGAN generator that applies ReLU as a function in forward (F.relu / torch.relu)."""

    def __init__(self, latent_dim=64, width=32):
        super().__init__()
        self.latent_dim = latent_dim
        self.fc = nn.Linear(latent_dim, 2 * width * 7 * 7, bias=False)
        self.bn1 = nn.BatchNorm1d(2 * width * 7 * 7)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.up2 = nn.ConvTranspose2d(width, 1, 4, 2, 1)
        self.out = nn.Tanh()
        dcgan_init(self)

    def forward(self, z):
        x = torch.nn.functional.relu(self.bn1(self.fc(z))).view(len(z), -1, 7, 7)
        return self.out(self.up2(torch.relu(self.bn2(self.up1(x)))))


def test_relu_written_as_a_function_in_forward_passes():
    """F.relu / torch.relu in forward is the same generator as nn.ReLU() modules: judged by what it does."""
    assert nb03.check_dcgan_generator(_FunctionalReLUGenerator)


def test_a_functional_relu_in_the_wrong_place_still_fails():
    class NoSecondReLU(_FunctionalReLUGenerator):
        def forward(self, z):
            x = torch.nn.functional.relu(self.bn1(self.fc(z))).view(len(z), -1, 7, 7)
            return self.out(self.up2(self.bn2(self.up1(x))))
    with pytest.raises(AssertionError, match="batch norm, then ReLU"):
        nb03.check_dcgan_generator(NoSecondReLU)


def test_leaky_relu_written_as_a_function_in_d_is_read_with_its_slope():
    base = _discriminator(act=nn.Identity)

    class FunctionalLeaky(base):
        def forward(self, x):
            h = torch.nn.functional.leaky_relu(self.net[0](x), 0.2)
            h = torch.nn.functional.leaky_relu(self.net[3](self.net[2](h)), 0.2)
            return self.logit(self.net[5](h)).squeeze(1)

    class WrongSlope(base):
        def forward(self, x):
            h = torch.nn.functional.leaky_relu(self.net[0](x), 0.1)
            h = torch.nn.functional.leaky_relu(self.net[3](self.net[2](h)), 0.1)
            return self.logit(self.net[5](h)).squeeze(1)
    assert nb03.check_dcgan_discriminator(FunctionalLeaky)
    with pytest.raises(AssertionError, match=re.escape("a slope of 0.2")):
        nb03.check_dcgan_discriminator(WrongSlope)


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


def test_init_check_probes_only_the_layers_the_text_names():
    """A learner who initialises the layers the exercise names (and no nn.Embedding) passes."""
    assert nb03.check_dcgan_weight_init(_init())


def test_an_untouched_layer_is_named_as_left_at_the_default():
    def conv_only(model):
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)
    with pytest.raises(AssertionError, match="PyTorch's default"):
        nb03.check_dcgan_weight_init(conv_only)


# ----------------------------------------------------------------------------- the discriminator

def _discriminator(last="none", first_bn=False, act=lambda: nn.LeakyReLU(0.2), pool=False, flat_out=True,
                   init=True, unused=False):
    """A DCGAN discriminator with one mistake (the defaults build ganlib's)."""
    class D(nn.Module):
        def __init__(self, width=32):
            super().__init__()
            down = [nn.Conv2d(1, width, 3, 1, 1), nn.MaxPool2d(2)] if pool else [nn.Conv2d(1, width, 4, 2, 1)]
            self.net = nn.Sequential(*down, *([nn.BatchNorm2d(width)] if first_bn else []), act(),
                                     nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width), act(),
                                     nn.Flatten())
            self.logit = nn.Linear(2 * width * 49, 1)
            self.tail = {"none": nn.Identity(), "sigmoid": nn.Sigmoid(), "torch.sigmoid": torch.sigmoid}[last]
            if unused:
                self.spare = nn.Linear(3, 3)
            if init:
                dcgan_init(self)

        def forward(self, x):
            out = self.tail(self.logit(self.net(x)))
            return out.squeeze(1) if flat_out else out
    return D


def test_discriminator_reference_and_an_equivalent_pass():
    from ganlib.dcgan import DCGANDiscriminator
    assert nb03.check_dcgan_discriminator(DCGANDiscriminator) and nb03.check_dcgan_discriminator(_discriminator())


@pytest.mark.parametrize("kw, hint", [
    (dict(last="sigmoid"), "return the logit"),
    (dict(last="torch.sigmoid"), "return the logit"),
    (dict(first_bn=True), "batch norm comes after the second"),
    (dict(act=nn.ReLU), "LeakyReLU(0.2) in D"),
    (dict(act=lambda: nn.LeakyReLU(0.1)), "a slope of 0.2"),
    (dict(pool=True), "no pooling"),
    (dict(flat_out=False), ".squeeze(1)"),
    (dict(init=False), "dcgan_init(self)"),
    (dict(unused=True), "did not train"),
])
def test_each_discriminator_mistake_gets_its_hint(kw, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        nb03.check_dcgan_discriminator(_discriminator(**kw))


# ----------------------------------------------------------------------------- the training loop

def _loop(swap=False, detach_g=False, zero_d=True, fresh_z=False, one_call=False, bce=False, pairs=True, step_g=True):
    """A plain-PyTorch GAN loop, correct by default, with one change."""
    import torch.nn.functional as F

    from ganlib.losses import d_loss, g_loss_nonsaturating

    def train(G, D, opt_g, opt_d, images, steps, batch_size=64):
        seen = []
        for _ in range(steps):
            real = images[torch.randint(len(images), (batch_size,))]
            fake = G(torch.randn(batch_size, G.latent_dim))
            if one_call:
                logits = D(torch.cat([real, fake.detach()]))
                real_logits, fake_logits = logits[:batch_size], logits[batch_size:]
            else:
                real_logits, fake_logits = D(real), D(fake.detach())
            if bce:
                loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.ones(batch_size))
                          + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros(batch_size)))
            else:
                loss_d = d_loss(fake_logits, real_logits) if swap else d_loss(real_logits, fake_logits)
            if zero_d:
                opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            if fresh_z:
                fake = G(torch.randn(batch_size, G.latent_dim))
            loss_g = g_loss_nonsaturating(D(fake.detach() if detach_g else fake))
            opt_g.zero_grad()
            loss_g.backward()
            if step_g:
                opt_g.step()
            seen.append((torch.sigmoid(real_logits).mean().item(), torch.sigmoid(fake_logits).mean().item()))
        return seen if pairs else None
    return train


@pytest.mark.parametrize("kw", [dict(), dict(fresh_z=True), dict(one_call=True), dict(bce=True)])
def test_every_correct_loop_passes(kw):
    from ganlib.checks import collect, verdict
    from ganlib.checks import EXERCISES

    ex = dict.__getitem__(EXERCISES, "gan_training")
    for seed in (0, 7):  # the grader picks the seed
        assert verdict(ex, seed, collect(ex, _loop(**kw), seed)) == ("passed", ""), kw


def test_the_reference_loop_passes_and_a_stub_is_not_done():
    from ganlib.plain_loop import train_gan

    def blank(*a, **k):
        raise NotImplementedError()
    assert nb03.check_gan_training(train_gan)
    assert nb03.check_gan_training(blank).status == "not done"


@pytest.mark.parametrize("kw, hint", [
    (dict(swap=True), "real logits first"),
    (dict(detach_g=True), "G's weights never changed"),
    (dict(zero_d=False), "opt_d.zero_grad()"),
    (dict(step_g=False), "once per round"),
    (dict(pairs=False), "one (D(x), D(G(z))) pair per round"),
])
def test_each_loop_mistake_gets_its_hint(kw, hint):
    with pytest.raises(AssertionError, match=re.escape(hint)):
        nb03.check_gan_training(_loop(**kw))


def test_a_generator_that_ignores_its_noise_fails():
    """An attack from issue 34: a generator that draws the same image whatever z is must not pass."""
    from ganlib.dcgan import DCGANGenerator

    class IgnoresZ(DCGANGenerator):
        def forward(self, z):
            return super().forward(torch.zeros_like(z))

    with pytest.raises(AssertionError, match="did not train"):
        nb03.check_dcgan_generator(IgnoresZ)
