"""Telling generated images from real ones: a trained real-vs-fake detector, and a watermark.

Two routes to "was this image made by a generator?":

* **Detection after the fact**: a small CNN trained on real images (label 1) and one
  generator's samples (label 0). Trained long enough, on enough fakes, with mirrored copies, it
  spots that generator's held-out fakes (notebook 06 measures how well), and then is asked about
  generators it never saw.
* **Provenance by design**: the generator's owner adds a faint secret pattern (a watermark)
  to every image; anyone with the key checks for it by correlation. It needs no training,
  but only works on images that were marked, and weakens as images are edited.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from ganlib.validate import check_number


class Detector(nn.Module):
    """A small CNN for 1×28×28 images in [-1, 1]: one logit, positive means 'real'."""

    def __init__(self, width: int = 16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2),           # 28 -> 14
            nn.Conv2d(width, 2 * width, 4, 2, 1), nn.LeakyReLU(0.2),   # 14 -> 7
            nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


def train_detector(real: torch.Tensor, fake: torch.Tensor, steps: int = 200, batch_size: int = 64,
                   lr: float = 1e-3, seed: int = 0, width: int = 16, flip: bool = False,
                   device=None, progress: bool = True) -> Detector:
    """Train a Detector to tell real (label 1) from fake (label 0) with binary cross-entropy;
    seeded.

    ``flip=True`` mirrors a random half of each batch left to right: a free augmentation (a
    mirrored garment is still a garment, a mirrored fake still a fake) that keeps the detector from
    learning where things sit in the frame. Runs on ``device`` (default: the profile's), with both
    image sets moved there once; a progress bar counts the steps unless ``progress=False``.
    """
    from tqdm.auto import tqdm

    from ganlib.config import PROFILE

    if steps < 1 or len(real) == 0 or len(fake) == 0:
        raise ValueError("need steps >= 1 and at least one real and one fake image")
    device = torch.device(device) if device is not None else PROFILE.device
    real, fake = real.to(device), fake.to(device)
    gen = torch.Generator(device=device).manual_seed(seed)
    torch.manual_seed(seed)
    det = Detector(width).to(device)
    opt = torch.optim.Adam(det.parameters(), lr=lr, betas=(0.5, 0.999))
    half = max(1, batch_size // 2)
    y = torch.cat([torch.ones(half, device=device), torch.zeros(half, device=device)])
    det.train()
    for _ in tqdm(range(steps), desc="detector", disable=not progress):
        xr = real[torch.randint(len(real), (half,), generator=gen, device=device)]
        xf = fake[torch.randint(len(fake), (half,), generator=gen, device=device)]
        x = torch.cat([xr, xf]).detach()
        if flip:
            mirror = torch.rand(len(x), generator=gen, device=device) < 0.5
            x = torch.where(mirror[:, None, None, None], x.flip(-1), x)
        loss = F.binary_cross_entropy_with_logits(det(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return det.eval()


@torch.no_grad()
def detector_scores(det: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """The detector's logit for each image (above 0 means "real"), batched on its device; on the
    CPU."""
    from ganlib.inference import in_batches

    return in_batches(det, det, images).cpu()


@torch.no_grad()
def detector_accuracy(det: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> dict[str, float]:
    """Accuracy on real images, on fake images, their mean (balanced; 0.5 is chance), and the AUC;
    on the detector's device.

    The accuracies judge the detector's verdicts (logit above 0 means "real"); the AUC judges only
    its ranking: the chance that a random real image scores above a random fake one (0.5 is chance,
    1 a perfect ranking), whatever the threshold.
    """
    from ganlib.metrics import ranking_auc

    s_real, s_fake = detector_scores(det, real), detector_scores(det, fake)
    on_real = float((s_real > 0).float().mean())
    on_fake = float((s_fake <= 0).float().mean())
    return {"real": on_real, "fake": on_fake, "balanced": (on_real + on_fake) / 2,
            "auc": ranking_auc(s_real, s_fake)}


# ----------------------------------------------------------------------------- watermark
def watermark_key(seed: int, shape: tuple[int, ...] = (1, 28, 28)) -> torch.Tensor:
    """A secret ±1 pattern from a seed: the key shared by whoever marks and whoever checks."""
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, shape, generator=gen).float() * 2 - 1


def embed_watermark(
    images: torch.Tensor, key: torch.Tensor, strength: float = 0.08
) -> torch.Tensor:
    """Blend in the key: (1-s)·x + s·key stays in [-1, 1] without clipping, so the whole mark
    survives."""
    check_number(strength, "strength", low=0, high=1)  # outside [0, 1] the blend leaves [-1, 1]
    check_watermark_key(images, key)
    return (1 - strength) * images + strength * key


def check_watermark_key(images: torch.Tensor, key: torch.Tensor) -> None:
    """A clear error where the key does not fit the images (a batch (N, C, H, W) and a key of one
    image's shape)."""
    if (
        images.dim() != 4
        or tuple(key.shape[-3:]) != tuple(images.shape[1:])
        or key.numel() != images[0].numel()
    ):
        raise ValueError(f"the key must have one image's shape: images {tuple(images.shape)} (N, "
                         "C, H, W) need a key "
                         f"of shape {tuple(images.shape[1:])}, got {tuple(key.shape)} (make it "
                         "with watermark_key)")


def high_pass(images: torch.Tensor) -> torch.Tensor:
    """Image minus its 3×3 local mean: removes smooth content, keeps fine detail (and the key)."""
    return images - F.avg_pool2d(images, 3, stride=1, padding=1, count_include_pad=False)


def watermark_score(images: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
    """Per-image z-score of the high-passed image's correlation with the key: ~N(0,1) if
    unmarked."""
    check_watermark_key(images, key)
    r = high_pass(images).reshape(len(images), -1)
    k = key.reshape(-1)
    # for a random ±1 key independent of the image, sum(r*k) has std ||r||: so this is a z-score
    return (r @ k) / (r.norm(dim=1) + 1e-8)


def watermark_detect(images: torch.Tensor, key: torch.Tensor, z: float = 4.0) -> torch.Tensor:
    """True where the watermark is found (z-score above z; false-alarm rate about 3e-5 at z=4)."""
    return watermark_score(images, key) > z


def false_alarm_rate(z: float) -> float:
    """One-sided Gaussian tail P(Z > z): how often an unmarked image would be flagged."""
    return 0.5 * math.erfc(z / math.sqrt(2))
