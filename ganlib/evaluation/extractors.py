"""Feature extractors for FID / KID / precision-recall: the course's classifier, or Inception-v3.

Papers compute FID in Inception-v3's 2048-d pool features on ImageNet-style images. For
Fashion-MNIST the course uses its own small classifier (``.features``, trained on the same data),
which is cheap on a CPU. Inception-v3 is used only when its weights are already on disk.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ganlib.classifier import features
from ganlib.inference import in_batches
from ganlib.validate import check_images

# torchvision's Inception_V3_Weights.IMAGENET1K_V1
INCEPTION_FILE = "inception_v3_google-0cc3c7bd.pth"


@functools.lru_cache(maxsize=1)
def course_classifier() -> nn.Module:
    """The shipped Fashion-MNIST classifier (eval mode), loaded once."""
    from ganlib import pretrained

    return pretrained.load("fashion-mnist-classifier").eval()


def classifier_features(images: torch.Tensor, model: nn.Module | None = None,
                        batch_size: int = 1000) -> torch.Tensor:
    """The classifier's penultimate features (N × feature_dim, float64) of N×1×28×28 images in
    [−1, 1]."""
    return features(course_classifier() if model is None else model, check_images(images),
                    batch_size)


def classifier_probs(images: torch.Tensor, model: nn.Module | None = None,
                     batch_size: int = 1000) -> torch.Tensor:
    """The classifier's class probabilities (softmax of its logits, float64) for the Inception
    Score."""
    model = course_classifier() if model is None else model
    return in_batches(model, lambda x: F.softmax(model(x), dim=1).double(), check_images(images),
                      batch_size=batch_size)


def inception_weights_path() -> Path:
    """Where torchvision keeps Inception-v3's ImageNet weights ($TORCH_HOME/hub/checkpoints)."""
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


@functools.lru_cache(maxsize=1)
def inception_v3() -> nn.Module:
    """torchvision's Inception-v3 up to its 2048-d pool layer, only from weights already on disk."""
    from torchvision.models import inception_v3 as build

    path = inception_weights_path()
    if not path.exists():
        raise FileNotFoundError(
            f"Inception-v3 weights not found at {path}; the course never downloads them for you. "
            "With internet, run once: python -c \"import torchvision; "
            "torchvision.models.inception_v3(weights='IMAGENET1K_V1')\" (about 100 MB), "
            "or copy the file there. Until then use "
            "ganlib.evaluation.extractors.classifier_features.")
    net = build(weights=None, aux_logits=True, init_weights=False)
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    net.fc = nn.Identity()
    return net.eval()


def inception_features(images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """Inception-v3 pool features (N × 2048, float64) of grey 28×28 images: repeated to RGB, resized
    to 299×299."""
    net = inception_v3()
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def prep(x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate((x + 1) / 2, size=(299, 299), mode="bilinear", align_corners=False)
        return net((x.repeat(1, 3, 1, 1) - mean.to(x.device)) / std.to(x.device)).double()

    return in_batches(net, prep, check_images(images), batch_size=batch_size)
