"""Synthetic training data: does a conditional generator's output help a classifier that has few real labels?

The protocol (train-on-synthetic, test-on-real; Esteban et al. 2017, Ravuri & Vinyals 2019):

1. :func:`few_labels`: a small labelled subset of the real training set, the same number per class;
2. :func:`make_splits`: the training sets to compare — the few real images, the few real images
   plus generated ones, generated ones alone;
3. :func:`train_and_test`: the same classifier and the same number of steps on each, then its
   accuracy and its confidence on the real *test* set, which no training set has touched.

Accuracy says whether the synthetic images taught the classifier something true about real
clothes; confidence (the mean top probability) says how sure it became, right or wrong.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganlib.validate import check_count


def few_labels(labels: Tensor, per_class: int, seed: int = 0) -> Tensor:
    """Indices of a labelled subset: ``per_class`` items of every class, drawn at random (seeded)."""
    check_count(per_class, "per_class")
    gen = torch.Generator().manual_seed(seed)
    picks = []
    for c in labels.unique().tolist():
        idx = (labels == c).nonzero().squeeze(1)
        if len(idx) < per_class:
            raise ValueError(f"class {c} has {len(idx)} items, fewer than per_class={per_class}")
        picks.append(idx[torch.randperm(len(idx), generator=gen)[:per_class]])
    return torch.cat(picks).sort().values


def make_splits(real_x, real_y, fake_x, fake_y):
    """The three training sets of the experiment, each (images, labels); the real test set is kept apart."""
    return {"real": (real_x, real_y),
            "real + synthetic": (torch.cat([real_x, fake_x]), torch.cat([real_y, fake_y])),
            "synthetic": (fake_x, fake_y)}


def train_and_test(x: Tensor, y: Tensor, test_x: Tensor, test_y: Tensor, *, steps: int, seed: int = 0,
                   width: int = 16, batch_size: int = 64) -> dict:
    """Train a fresh course classifier (narrow) for about ``steps`` steps on (x, y); test it on real images.

    Returns the test accuracy, the mean top-class probability on the test set (confidence) and the
    steps taken (whole epochs, so within one epoch of ``steps``). A set larger than ``steps`` batches
    is cut to a seeded random ``steps × batch_size`` of its images: one epoch, each image seen once.
    """
    from ganlib.classifier import Classifier, train_classifier
    from ganlib.config import seed_everything
    from ganlib.inference import in_batches

    check_count(steps, "steps")
    seed_everything(seed)
    model = Classifier(width=width, feature_dim=4 * width)
    if len(x) > steps * batch_size:
        keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:steps * batch_size]
        x, y = x[keep], y[keep]
    per_epoch = max(1, len(x) // batch_size)
    info = train_classifier(model, x, y, epochs=max(1, round(steps / per_epoch)), batch_size=min(batch_size, len(x)),
                            seed=seed, progress=False)
    probs = in_batches(model, lambda b: F.softmax(model(b), dim=1), test_x)
    return {"accuracy": float((probs.argmax(1) == test_y).double().mean()),
            "confidence": float(probs.max(1).values.double().mean()), "steps": info["steps"]}
