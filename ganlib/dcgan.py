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
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation: conv / linear weights ~ N(0, 0.02), batch-norm scales ~ N(1, 0.02), biases 0."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)


def conv_transpose_size(size: int, kernel: int, stride: int, padding: int, output_padding: int = 0) -> int:
    """Output side of a transposed convolution: (size − 1)·stride − 2·padding + kernel + output_padding."""
    return (size - 1) * stride - 2 * padding + kernel + output_padding


class DCGANGenerator(nn.Module):
    """The forger: z (N, latent_dim) → project to 7×7 → two ×2 transposed convs → tanh image N×1×28×28."""

    def __init__(self, latent_dim: int = 64, width: int = 32, n_classes: int = 0):
        super().__init__()
        self.config = dict(latent_dim=latent_dim, width=width, n_classes=n_classes)
        self.latent_dim, self.n_classes, w = latent_dim, n_classes, width
        self.project = nn.Sequential(  # the one "fully connected" layer: a matrix times z
            nn.Linear(latent_dim + n_classes, 2 * w * 7 * 7, bias=False), nn.BatchNorm1d(2 * w * 7 * 7), nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),  # 7 → 14
            nn.ConvTranspose2d(w, 1, 4, 2, 1), nn.Tanh())                                     # 14 → 28
        dcgan_init(self)

    def forward(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        if self.n_classes:
            if labels is None:
                raise ValueError(f"this generator is conditional (n_classes={self.n_classes}): pass labels")
            z = torch.cat([z, F.one_hot(labels.long(), self.n_classes).to(z.dtype)], dim=1)
        elif labels is not None:
            raise ValueError("this generator is unconditional: call it as G(z)")
        h = self.project(z).view(len(z), -1, 7, 7)
        return self.net(h)


class DCGANDiscriminator(nn.Module):
    """The detective: image N×1×28×28 → two stride-2 convs (28 → 14 → 7) → one logit per image, shape (N,).

    Conditional (``n_classes > 0``): a projection discriminator (Miyato & Koyama 2018) adds
    ⟨embed(label), features⟩ to the logit, so D judges "a real image *of this class*".
    """

    def __init__(self, width: int = 32, n_classes: int = 0):
        super().__init__()
        self.config = dict(width=width, n_classes=n_classes)
        self.n_classes, w = n_classes, width
        self.net = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),                                     # 28 → 14, no BN here
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),  # 14 → 7
            nn.Flatten())
        self.logit = nn.Linear(2 * w * 7 * 7, 1)
        self.embed = nn.Embedding(n_classes, 2 * w * 7 * 7) if n_classes else None
        dcgan_init(self)

    def forward(self, x: Tensor, labels: Tensor | None = None) -> Tensor:
        h = self.net(x)
        out = self.logit(h).squeeze(1)
        if self.n_classes:
            if labels is None:
                raise ValueError(f"this discriminator is conditional (n_classes={self.n_classes}): pass labels")
            out = out + (self.embed(labels.long()) * h).sum(1)
        elif labels is not None:
            raise ValueError("this discriminator is unconditional: call it as D(x)")
        return out


class ConditionalDCGANGenerator(DCGANGenerator):
    """The class-conditional forger: G(z, labels); the one-hot label joins z before the projection."""

    def __init__(self, latent_dim: int = 64, width: int = 32, n_classes: int = 10):
        super().__init__(latent_dim, width, n_classes)


class ConditionalDCGANDiscriminator(DCGANDiscriminator):
    """The class-conditional detective: D(x, labels), a projection discriminator."""

    def __init__(self, width: int = 32, n_classes: int = 10):
        super().__init__(width, n_classes)


FAST_RECIPE = dict(latent_dim=64, width=32, batch_size=64, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))
"""The course's CPU recipe (see bench/dcgan_recipes.py for how it compares with the tutorials)."""

PRETRAIN_TARGETS: dict = {}
"""``python -m ganlib.pretrain`` targets for the GANs (filled in below)."""


@torch.no_grad()
def sample(G: nn.Module, n: int, labels: Tensor | None = None, seed: int = 0, batch_size: int = 1000) -> Tensor:
    """n images from G in eval mode, from seeded noise, on the CPU (labels: one per image, conditional G)."""
    was = G.training
    G.eval()
    device = next(G.parameters()).device
    z = torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(seed))
    out = []
    for i in range(0, n, batch_size):
        y = () if labels is None else (labels[i:i + batch_size].to(device),)
        out.append(G(z[i:i + batch_size].to(device), *y).cpu())
    G.train(was)
    return torch.cat(out)


class OutOfTime(Exception):
    """Raised by :func:`time_limit`'s callback to end :func:`ganlib.train.fit` early."""


def time_limit(max_seconds: float | None):
    """A ``fit`` callback that stops training once ``max_seconds`` of wall time have passed."""
    import time

    start = time.perf_counter()

    def check(step, history, G, D):
        if max_seconds is not None and time.perf_counter() - start > max_seconds:
            raise OutOfTime(step)
    return check


def evaluate(G: nn.Module, n: int = 5000, seed: int = 1) -> dict:
    """FID in the course classifier's features (against the test split) and per-class coverage of n samples."""
    from .classifier import class_coverage, features, frechet_distance, predict
    from .data import FASHION_CLASSES, load_images
    from .pretrained import load

    clf = load("fashion-mnist-classifier")
    real, _ = load_images("fashion-mnist", "test")
    labels = torch.arange(n) % G.n_classes if G.n_classes else None
    fake = sample(G, n, labels, seed=seed)
    out = {"fid_classifier": round(frechet_distance(features(clf, real[:n]), features(clf, fake)), 3),
           "fid_samples": n,
           "class_coverage": {c: round(float(f), 4) for c, f in zip(FASHION_CLASSES, class_coverage(clf, fake))}}
    if labels is not None:
        out["asked_class_accuracy"] = round(float((predict(clf, fake) == labels).double().mean()), 4)
    return out


def train_dcgan(seed: int, max_seconds: float | None, device, progress: bool, *, conditional: bool,
                steps: int | None = None) -> tuple[nn.Module, dict]:
    """Train the course's fast recipe on Fashion-MNIST with ``ganlib.train.fit``; stop early on time.

    Full runs: 4,000 steps unconditional, 6,000 conditional (it has the class to learn as well).
    """
    from .data import load_images
    from .train import fit

    r = FAST_RECIPE
    steps = steps or (6000 if conditional else 4000)
    x, y = load_images("fashion-mnist", "train")
    if conditional:
        G, D = ConditionalDCGANGenerator(r["latent_dim"], r["width"]), ConditionalDCGANDiscriminator(r["width"])
    else:
        G, D = DCGANGenerator(r["latent_dim"], r["width"]), DCGANDiscriminator(r["width"])
    done = steps
    try:
        fit(G, D, x, steps=steps, batch_size=r["batch_size"], lr_g=r["lr_g"], lr_d=r["lr_d"], betas=r["betas"],
            seed=seed, device=device, callbacks=[time_limit(max_seconds)], every=25, progress=progress,
            labels=y if conditional else None)
    except OutOfTime as stop:
        done = int(stop.args[0])
    G.cpu().eval()
    return G, {"steps": done, "stopped_by_time": done < steps, **evaluate(G)}


PRETRAIN_TARGETS.update({
    "dcgan-fashion-mnist": lambda s, t, d, p: train_dcgan(s, t, d, p, conditional=False),
    "cdcgan-fashion-mnist": lambda s, t, d, p: train_dcgan(s, t, d, p, conditional=True),
})
