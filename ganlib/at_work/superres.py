"""Super-resolution with a GAN, pix2pix / SRGAN style: a 7×7 Fashion-MNIST image → 28×28.

Three ways to fill in the missing pixels, compared on the same test images:

- :func:`bicubic` up-sampling, the plain baseline (no learning);
- :class:`SuperResolver` trained with L1 alone: the *average* of the plausible answers, so blurry
  but close to the truth pixel by pixel (high PSNR / SSIM);
- the same net trained with L1 + ``adv_weight`` × an adversarial loss from a :class:`PatchDetective`
  that judges every patch of (input, output) pairs (Isola et al. 2017): it commits to *one* sharp
  answer, so it looks more real (lower FID, real-like sharpness) but strays further from the truth.

Blau & Michaeli (2018) proved the two goals conflict: raising ``adv_weight`` trades distortion
(PSNR, SSIM) for perception (FID). :func:`scorecard` measures both. The shipped models:
``superres-fashion-mnist`` (L1 + adversarial) and its L1 twin ``superres-l1-fashion-mnist``, made by
:func:`train_superres` from the same warm-up (``python -m ganlib.pretrain NAME``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganlib.losses import d_loss, g_loss_nonsaturating
from ganlib.validate import check_count, check_number

SIZE = 28
"""The side of the full-size images."""


def downsample(images: Tensor, in_size: int = 7) -> Tensor:
    """Area averaging: each pixel of the in_size×in_size image is the mean of a (28/in_size)²
    block."""
    if SIZE % in_size:
        raise ValueError(f"in_size must divide {SIZE} (7 or 14), got {in_size}")
    return F.adaptive_avg_pool2d(images, in_size)


def bicubic(small: Tensor, size: int = SIZE) -> Tensor:
    """Bicubic up-sampling to size×size, clipped to [−1, 1]: the baseline that learns nothing."""
    return F.interpolate(small, size=(size, size), mode="bicubic", align_corners=False).clamp(-1, 1)


class SuperResolver(nn.Module):
    """The forger: a small image → 28×28, as bicubic up-sampling plus a learned correction.

    Features are computed at the small size, doubled in size per stage (nearest neighbour + a
    convolution), and turned into a correction added to the bicubic image. The last convolution
    starts at zero, so an untrained model *is* bicubic up-sampling. No batch norm: a picture's
    output never depends on the rest of its batch.
    """

    def __init__(self, in_size: int = 7, width: int = 32, layers: int = 4):
        super().__init__()
        if in_size not in (7, 14):
            raise ValueError(f"in_size must be 7 or 14, got {in_size}")
        self.in_size, self.config = in_size, dict(in_size=in_size, width=width, layers=layers)
        self.head = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.LeakyReLU(0.2))
        self.body = nn.Sequential(*[m for _ in range(layers)
                                    for m in (nn.Conv2d(width, width, 3, padding=1),
                                              nn.LeakyReLU(0.2))])
        stages = {7: 2, 14: 1}[in_size]
        self.up = nn.Sequential(*[m for _ in range(stages) for m in (
            nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(width, width, 3, padding=1),
            nn.LeakyReLU(0.2))])
        self.tail = nn.Conv2d(width, 1, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, small: Tensor) -> Tensor:
        h = self.head(small)
        h = h + self.body(h)                      # a skip around the body: it learns a change
        return (bicubic(small) + self.tail(self.up(h))).clamp(-1, 1)


class PatchDetective(nn.Module):
    """pix2pix's PatchGAN detective: a logit per patch, 7×7 of them, each judging an 18×18 window.

    It sees the input (bicubic-upsampled) beside the 28×28 image, so it judges "a real image *for
    this input*": an output that looks real but does not match its input is caught too.
    """

    def __init__(self, width: int = 32):
        super().__init__()
        self.config = dict(width=width)
        self.net = nn.Sequential(
            nn.Conv2d(2, width, 4, 2, 1), nn.LeakyReLU(0.2),              # 28 → 14
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2),      # 14 → 7
            nn.Conv2d(2 * width, 1, 3, 1, 1))                             # one logit per patch

    def forward(self, small: Tensor, image: Tensor) -> Tensor:
        return self.net(torch.cat([bicubic(small), image], dim=1))


def pix2pix_generator_loss(fake_logits, fake, real, adv_weight=0.01):
    """The forger's loss: L1 distance to the real image + adv_weight × the non-saturating loss on
    every patch."""
    return F.l1_loss(fake, real) + adv_weight * g_loss_nonsaturating(fake_logits)


def superres_step(G, D, opt_g, opt_d, real, adv_weight=0.01):
    """One round: the detective judges (input, real) against (input, fake) pairs, then the forger's
    step.

    With adv_weight = 0 it is plain L1 regression: the detective sits out (its numbers read 0).
    """
    small = downsample(real, G.in_size)
    fake = G(small)
    zero = real.new_zeros(())
    loss_d, d_real, d_fake = zero, zero, zero
    if adv_weight > 0:
        real_logits, fake_logits = D(small, real), D(small, fake.detach())
        loss_d = d_loss(real_logits, fake_logits)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        d_real, d_fake = torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()
        loss_g = pix2pix_generator_loss(D(small, fake), fake, real, adv_weight)
    else:
        loss_g = F.l1_loss(fake, real)
    opt_g.zero_grad()
    loss_g.backward(inputs=list(G.parameters()))
    opt_g.step()
    return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
            "d_real": d_real.detach(), "d_fake": d_fake.detach()}


SUPERRES_RECIPE = dict(in_size=7, width=32, layers=4, batch_size=64, lr=5e-4, betas=(0.5, 0.999),
                       adv_weight=0.03)
"""The shipped models' settings (``python -m ganlib.pretrain superres-fashion-mnist``)."""

SUPERRES_STEPS = dict(warmup_steps=3000, steps=3000)
"""The shipped pair's budget: the same L1 warm-up, then the same number of steps with or without the
detective."""


def train_superres(
    G: SuperResolver,
    D: PatchDetective,
    images: Tensor,
    *,
    warmup_steps: int,
    steps: int,
    adv_weight: float,
    seed: int = 0,
    batch_size: int = 64,
    lr: float = 5e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    device=None,
    max_seconds: float | None = None,
    progress: bool = False,
    step=superres_step,
) -> dict:
    """SRGAN's schedule: ``warmup_steps`` of L1 alone, then ``steps`` of L1 + adv_weight ×
    adversarial.

    adv_weight = 0 gives the L1 twin: the same warm-up (bit for bit, from the same seed), then the
    same number of steps without the detective. ``step``: one round, ``superres_step``'s signature
    (notebook 08 passes its own copy, so an edit to it trains). Returns steps done and whether time
    ran out.
    """
    import time

    from ganlib.callbacks import TimeLimit
    from ganlib.train import fit

    check_count(warmup_steps, "warmup_steps", 0)
    check_count(steps, "steps", 0)
    check_number(adv_weight, "adv_weight", low=0)
    start = time.perf_counter()
    common = dict(batch_size=batch_size, lr_g=lr, lr_d=lr, betas=betas, device=device,
                  progress=progress, step=step, every=max(1, min(100, warmup_steps, steps)))
    done, stopped = 0, False
    for phase, (n, weight) in enumerate([(warmup_steps, 0.0), (steps, adv_weight)]):
        left = None if max_seconds is None else max_seconds - (time.perf_counter() - start)
        if n == 0 or (left is not None and left <= 0):
            stopped = stopped or n > 0
            continue
        h = fit(G, D, images, steps=n, seed=seed + phase, callbacks=[TimeLimit(left)],
                adv_weight=weight, **common)
        done += len(h)
        stopped = stopped or bool(h.stopped)
    G.eval()
    D.eval()
    return {"steps": done, "stopped_by_time": stopped}


# ----------------------------------------------------------------------------- measuring

def upsample(model: nn.Module, small: Tensor, batch_size: int = 1000) -> Tensor:
    """A super-resolution model's outputs for many small images, batched, in eval mode, on the
    CPU."""
    from ganlib.inference import in_batches

    return in_batches(model, model, small, batch_size=batch_size)


def psnr(fake, real, data_range=2.0):
    """Peak signal-to-noise ratio of each image in dB: 10·log10(range² / mean squared error)."""
    mse = (fake - real).pow(2).flatten(1).mean(dim=1)
    return 10 * torch.log10(data_range ** 2 / mse)


def ssim(fake: Tensor, real: Tensor) -> Tensor:
    """Structural similarity of each image (Wang et al. 2004; torchmetrics' implementation, 11×11
    Gaussian window)."""
    from torchmetrics.functional.image import structural_similarity_index_measure

    return structural_similarity_index_measure(fake.float(), real.float(), data_range=2.0,
                                               reduction="none")


LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def sharpness(images: Tensor) -> Tensor:
    """Variance of the Laplacian of each image: edges and texture raise it, blur lowers it."""
    lap = F.conv2d(images.float(), LAPLACIAN.to(images.device).view(1, 1, 3, 3))
    return lap.flatten(1).var(dim=1)


def scorecard(upsampled: Tensor, real: Tensor, labels: Tensor, classifier: nn.Module,
              real_feats: Tensor | None = None) -> dict:
    """Distortion (PSNR, SSIM: higher is closer to the truth), perception (FID in the classifier's
    features, sharpness relative to the real images) and the classifier's accuracy on the
    outputs."""
    from ganlib.classifier import accuracy, features
    from ganlib.metrics import frechet_distance

    real_feats = features(classifier, real) if real_feats is None else real_feats
    return {"psnr": float(psnr(upsampled, real).mean()),
            "ssim": float(ssim(upsampled, real).mean()),
            # ≥ 0 up to rounding
            "fid": max(0.0, frechet_distance(real_feats, features(classifier, upsampled))),
            "sharpness": float(sharpness(upsampled).mean() / sharpness(real).mean()),
            "accuracy": accuracy(classifier, upsampled, labels)}


def superres_scores(model: nn.Module, n: int = 5000) -> dict:
    """A shipped model's metrics for its manifest entry: :func:`scorecard` on the first n test
    images."""
    from ganlib.data import load_images
    from ganlib.pretrained import load

    real, labels = load_images("fashion-mnist", "test")
    real, labels = real[:n], labels[:n]
    card = scorecard(upsample(model, downsample(real, model.in_size)), real, labels,
                     load("fashion-mnist-classifier"))
    return {**{k: round(v, 4) for k, v in card.items()}, "test_images": len(real)}
