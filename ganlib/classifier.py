"""The course's Fashion-MNIST classifier: a small CNN whose penultimate layer gives FID features.

Later notebooks judge generators with it: ``.features(x)`` (N×``feature_dim``) feeds the
Fréchet distance, and ``forward(x)`` (N×10 logits) says which class a generated image shows.
Images are N×1×28×28 in [−1, 1], the range of ``ganlib.data.load_images`` and of a tanh generator.
:func:`judge` is how the course scores a generator: FID in these features and class coverage.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .inference import in_batches
from .validate import check_count, check_images, check_labels


class Classifier(nn.Module):
    """Two strided conv blocks (conv → batch norm → ReLU), a hidden layer (the features), a linear
    head.

    Strided convolutions instead of max-pooling keep it cheap: 8 epochs took 480 s with one CPU
    thread (the manifest's wall time). The feature layer has batch norm too; dropout sits between it
    and the head.
    """

    def __init__(self, width: int = 32, feature_dim: int = 128, n_classes: int = 10):
        super().__init__()
        self.config = dict(width=width, feature_dim=feature_dim, n_classes=n_classes)
        self.feature_dim, self.n_classes = feature_dim, n_classes
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),            # 14×14
            nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(),    # 7×7
            nn.Flatten(), nn.Linear(2 * w * 7 * 7, feature_dim, bias=False),
            nn.BatchNorm1d(feature_dim), nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feature_dim, n_classes))

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer (N×feature_dim): what FID compares between real and generated
        images."""
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits, N×n_classes."""
        return self.head(self.body(x))


def shift_and_flip(
    x: Tensor, gen: torch.Generator, max_shift: int = 1, flip: bool = True
) -> Tensor:
    """Augment a batch: shift each image by up to ``max_shift`` pixels (background −1 fills in) and
    mirror about half of them left–right (a mirrored shirt is still a shirt)."""
    n, _, h, w = x.shape
    p = max_shift
    padded = F.pad(x, (p, p, p, p), value=-1.0)
    dy = torch.randint(0, 2 * p + 1, (n, 1), generator=gen, device=x.device)
    dx = torch.randint(0, 2 * p + 1, (n, 1), generator=gen, device=x.device)
    rows = torch.arange(h, device=x.device) + dy                       # n × h
    cols = torch.arange(w, device=x.device) + dx                       # n × w
    if flip:
        mirror = torch.rand(n, 1, generator=gen, device=x.device) < 0.5
        cols = torch.where(mirror, cols.flip(1), cols)
    idx = torch.arange(n, device=x.device)[:, None, None]
    # n×h×w×c → n×c×h×w
    return padded[idx, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)


def predict(model: nn.Module, images: Tensor, batch_size: int = 1000) -> Tensor:
    """Predicted class of each image (a long tensor), in batches, in eval mode."""
    return in_batches(model, lambda x: model(x).argmax(1), check_images(images),
                      batch_size=batch_size)


def features(model: nn.Module, images: Tensor, batch_size: int = 1000) -> Tensor:
    """``model.features`` of many images, in batches, in eval mode, as float64 on the CPU
    (for FID)."""
    return in_batches(model, lambda x: model.features(x).double(), check_images(images),
                      batch_size=batch_size)


def accuracy(model: nn.Module, images: Tensor, labels: Tensor) -> float:
    """Fraction of images whose predicted class is the label."""
    labels = check_labels(labels, len(images), getattr(model, "n_classes", None))
    return float((predict(model, images) == labels).double().mean())


def class_coverage(model: nn.Module, images: Tensor) -> Tensor:
    """The fraction of images the classifier puts in each class (length n_classes, sums to 1)."""
    pred = predict(model, images)
    return torch.bincount(pred, minlength=model.n_classes).double() / len(pred)


def train_classifier(model: Classifier, images: Tensor, labels: Tensor, *, epochs: int = 8,
                     batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 1e-4,
                     max_shift: int = 1, flip: bool = True, seed: int = 0, device=None,
                     max_seconds: float | None = None, progress: bool = True) -> dict:
    """Train with AdamW and a one-cycle schedule on shifted / mirrored batches; stop early after
    ``max_seconds``."""
    from tqdm.auto import tqdm

    from .callbacks import TimeLimit

    images = check_images(images)
    labels = check_labels(labels, len(images), model.n_classes)
    check_count(epochs, "epochs")
    if check_count(batch_size, "batch_size") > len(images):
        raise ValueError(
            f"batch_size={batch_size} is larger than the {len(images)} training images"
        )
    device = torch.device(device or "cpu")
    model.to(device).train()
    images, labels = images.to(device), labels.to(device)
    gen = torch.Generator(device=device).manual_seed(seed)
    steps_per_epoch = len(images) // batch_size
    total = epochs * steps_per_epoch
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    limit, step = TimeLimit(max_seconds), 0
    with tqdm(total=total, disable=not progress, desc="classifier") as bar:
        while step < total and not (step % 20 == 0 and limit.passed()):
            if step % steps_per_epoch == 0:
                order = torch.randperm(len(images), device=device, generator=gen)
            idx = order[
                (step % steps_per_epoch) * batch_size : (step % steps_per_epoch + 1) * batch_size
            ]
            x = images[idx]
            if max_shift or flip:
                x = shift_and_flip(x, gen, max_shift, flip)
            loss = F.cross_entropy(model(x), labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            bar.update(1)
    model.eval()
    return {"steps": step, "epochs": round(step / steps_per_epoch, 2),
            "stopped_by_time": step < total}


def judge(G: nn.Module, n: int = 5000, seed: int = 1, classifier: nn.Module | None = None) -> dict:
    """FID in the course classifier's features (n samples against the first n test images) and
    per-class coverage.

    A conditional generator is asked for each class in turn (label i % 10), and the result also
    says how often the classifier agrees with the asked class.
    """
    from .data import FASHION_CLASSES, load_images
    from .inference import model_device, sample
    from .metrics import frechet_distance
    from .pretrained import load

    clf = (
        load("fashion-mnist-classifier", device=model_device(G))
        if classifier is None
        else classifier
    )
    real, _ = load_images("fashion-mnist", "test")
    if not 0 < n <= len(real):
        raise ValueError(f"n must be in 1..{len(real)} (the test images to compare with), got {n}")
    n_classes = getattr(G, "n_classes", 0)
    labels = torch.arange(n) % n_classes if n_classes else None
    fake = sample(G, n, labels, seed=seed)
    out = {"fid_classifier": round(frechet_distance(features(clf, real[:n]), features(clf, fake)),
                                   3),
           "fid_samples": n,
           "class_coverage": {c: round(float(f), 4)
                              for c, f in zip(FASHION_CLASSES, class_coverage(clf, fake))}}
    if labels is not None:
        out["asked_class_accuracy"] = round(float((predict(clf, fake) == labels).double().mean()),
                                            4)
    return out
