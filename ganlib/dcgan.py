"""DCGAN for 28×28 images (Radford, Metz & Chintala 2015), and a class-conditional pair.

The guidelines, each visible below:
1. no pooling: the discriminator downsamples with strided convolutions, the generator
   upsamples with transposed (fractionally-strided) convolutions;
2. batch norm in both nets, except the generator's output and the discriminator's input layer;
3. no fully connected hidden layers (only G's first projection of z and D's last logit);
4. ReLU in the generator, tanh at its output (images in [−1, 1]);
5. LeakyReLU(0.2) in the discriminator;
6. weights drawn from N(0, 0.02) (:func:`dcgan_init`); Adam with lr 2e-4 and β₁ = 0.5.
Sizes: z → 7×7 → 14×14 → 28×28, and back down. The discriminator returns one logit per image.
Notebook 03 teaches these classes in its cells (a test keeps both copies equal).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import losses
from .train import gan_step
from .validate import check_labels


def dcgan_init(model):
    """DCGAN's initialisation: conv / linear weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02),
    biases 0."""
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def conv_transpose_size(size, kernel, stride, padding):
    """Output side of a transposed convolution: (size − 1)·stride − 2·padding + kernel."""
    return (size - 1) * stride - 2 * padding + kernel


class DCGANGenerator(nn.Module):
    """The forger: z (N, latent_dim) → 7×7 feature maps → 14×14 → a 28×28 image in [−1, 1]."""

    def __init__(self, latent_dim=64, width=32):
        super().__init__()
        self.latent_dim, self.config = latent_dim, dict(latent_dim=latent_dim, width=width)
        self.project = nn.Sequential(  # the one fully connected layer: z → 2·width maps of 7×7
            nn.Linear(latent_dim, 2 * width * 7 * 7, bias=False), nn.BatchNorm1d(2 * width * 7 * 7),
            nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width),
            nn.ReLU(),  # 7 → 14
            # 14 → 28; no batch norm on the output
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())
        dcgan_init(self)

    def forward(self, z):
        return self.net(self.project(z).view(len(z), -1, 7, 7))


class DCGANDiscriminator(nn.Module):
    """The detective: a 28×28 image → 14×14 → 7×7 feature maps → one logit per image, shape (N,)."""

    def __init__(self, width=32):
        super().__init__()
        self.config = dict(width=width)
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),  # 28 → 14; no batch norm on the input
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),  # → 7
            nn.Flatten())
        self.logit = nn.Linear(2 * width * 7 * 7, 1)
        dcgan_init(self)

    def forward(self, x):
        return self.logit(self.net(x)).squeeze(1)


# ----------------------------------------------------------------------------- class-conditional

class ConditionalDCGANGenerator(nn.Module):
    """The class-conditional forger G(z, labels): the one-hot label joins z before the projection
    (Mirza & Osindero 2014).

    It holds a DCGANGenerator's layers (built for z widened by the label) rather than subclassing
    it, so the homework grader can hide DCGANGenerator, an exercise's answer, without breaking this
    class's module.
    """

    def __init__(self, latent_dim: int = 64, width: int = 32, n_classes: int = 10):
        super().__init__()
        body = DCGANGenerator(latent_dim + n_classes, width)
        self.project, self.net = body.project, body.net
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.config = dict(latent_dim=latent_dim, width=width, n_classes=n_classes)

    def forward(self, z: Tensor, labels: Tensor) -> Tensor:
        y = check_labels(labels, len(z), self.n_classes)
        h = self.project(torch.cat([z, F.one_hot(y.to(z.device), self.n_classes).to(z.dtype)],
                                   dim=1))
        return self.net(h.view(len(z), -1, 7, 7))


class ConditionalDCGANDiscriminator(nn.Module):
    """The class-conditional detective D(x, labels): a projection discriminator
    (Miyato & Koyama 2018).

    Its logit gains ⟨embed(label), features⟩, so it judges "a real image *of this class*". Like the
    conditional forger it holds a DCGANDiscriminator's layers rather than subclassing it (the grader
    hides that exercise's answer).
    """

    def __init__(self, width: int = 32, n_classes: int = 10):
        super().__init__()
        body = DCGANDiscriminator(width)
        self.net, self.logit = body.net, body.logit
        self.n_classes, self.config = n_classes, dict(width=width, n_classes=n_classes)
        self.embed = nn.Embedding(n_classes, 2 * width * 7 * 7)
        dcgan_init(self)

    def forward(self, x: Tensor, labels: Tensor) -> Tensor:
        y = check_labels(labels, len(x), self.n_classes).to(x.device)
        h = self.net(x)
        return self.logit(h).squeeze(1) + (self.embed(y) * h).sum(1)


class WithLabels(nn.Module):
    """A conditional net with its labels fixed, so it is called like an unconditional one:
    ``WithLabels(G, y)(z)``."""

    def __init__(self, net: nn.Module, labels: Tensor):
        super().__init__()
        self.net, self.labels = net, labels
        self.latent_dim = getattr(net, "latent_dim", None)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x, self.labels)


def conditional_gan_step(G, D, opt_g, opt_d, real, labels, **rules):
    """The same GAN step, with both players told the class of the real batch: G(z, y) and
    D(x, y)."""
    return gan_step(WithLabels(G, labels), WithLabels(D, labels), opt_g, opt_d, real, **rules)


class AuxClassifierDiscriminator(ConditionalDCGANDiscriminator):
    """The projection detective with a second head that names the class from the same features
    (AC-GAN, Odena, Olah & Shlens 2017). Used by :func:`aux_classifier_gan_step`, which trains the
    head on real images and asks the forger to draw images the head names correctly: samples more
    typical of their class."""

    def __init__(self, width: int = 32, n_classes: int = 10):
        super().__init__(width, n_classes)
        self.classify = nn.Linear(2 * width * 7 * 7, n_classes)

    def judge_and_name(self, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """(the projection logit of "a real image of this class", the head's class logits)."""
        y = check_labels(labels, len(x), self.n_classes).to(x.device)
        h = self.net(x)
        return self.logit(h).squeeze(1) + (self.embed(y) * h).sum(1), self.classify(h)


def aux_classifier_gan_step(G, D: AuxClassifierDiscriminator, opt_g, opt_d, real, labels, *,
                            d_loss=losses.d_loss, g_loss=losses.g_loss_nonsaturating,
                            aux_weight: float = 0.2):
    """The conditional step plus AC-GAN's class term: D also learns to name the class of real images
    (cross-entropy, weight 1), and G's loss adds ``aux_weight`` × the cross-entropy of D's naming of
    its fakes against the asked class. Only real images train the head: fakes never teach it a
    class."""
    y = check_labels(labels, len(real), D.n_classes).to(real.device)
    z = torch.randn(len(real), G.latent_dim, device=real.device)
    fake = G(z, y).detach()
    real_logits, real_classes = D.judge_and_name(real, y)
    fake_logits, _ = D.judge_and_name(fake, y)
    aux_d = F.cross_entropy(real_classes, y)
    loss_d = d_loss(real_logits, fake_logits) + aux_d
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    z = torch.randn(len(real), G.latent_dim, device=real.device)
    logits, classes = D.judge_and_name(G(z, y), y)
    aux_g = F.cross_entropy(classes, y)
    loss_g = g_loss(logits) + aux_weight * aux_g
    opt_g.zero_grad()
    loss_g.backward(inputs=list(G.parameters()))
    opt_g.step()
    return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(), "aux_real": aux_d.detach(),
            "aux_fake": aux_g.detach()}


FAST_RECIPE = dict(latent_dim=64, width=32, batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))
"""The course's CPU recipe (see bench/dcgan_recipes.py for how it compares with the tutorials)."""

FAST_STEPS = dict(ci=20, cpu=1500, gpu=6000)
"""Steps of the fast recipe per profile (``PROFILE.pick(**FAST_STEPS)``): ``cpu`` is 45 s on one
thread of the quiet 2-core machine it was first timed on (30 ms a step) and about 5 minutes on a
slower one (about 200 ms a step with other work beside it). Notebook 03's run of it scores FID
27.7-29.3 in the classifier's features (``GANLIB_SEED`` 0-3, data/claims/cpu.md); 3,000 steps
gave about 19, ~1,000 steps about 40."""
