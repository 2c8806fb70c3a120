"""Synthetic training data: do a generator's images help a classifier that has few labels?

The few-label setting: a handful of labelled images per class, the rest of the training set without
labels. The generator never sees a label (notebook 03's unconditional DCGAN, trained on the images
alone); the few labels name its samples' classes. The protocol (train on real + synthetic, test on
real; Ravuri & Vinyals 2019, and self-training's pseudo-labels, Lee 2013):

1. :func:`few_labels`: a small labelled subset of the real training set, the same number per class;
2. :func:`train_and_test` on the few real images alone, a classifier of its own;
3. :func:`pseudo_label`: that classifier names the class of generated images, keeping the sure ones;
4. :func:`make_splits` and :func:`train_and_test` again, with the named images added to every step.

Both arms see the same real images in the same batches, so "real images shown equally often" holds
by construction; the extra images are added on top.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganlib.validate import check_count


def few_labels(labels: Tensor, per_class: int, seed: int = 0) -> Tensor:
    """Indices of a labelled subset: ``per_class`` items of every class, drawn at random
    (seeded)."""
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
    """The three training sets of the experiment, each (images, labels); the real test set is kept
    apart."""
    return {"real": (real_x, real_y),
            "real + synthetic": (torch.cat([real_x, fake_x]), torch.cat([real_y, fake_y])),
            "synthetic": (fake_x, fake_y)}


def pseudo_label(model: nn.Module, images: Tensor, threshold: float = 0.9) -> tuple[Tensor, Tensor]:
    """The images ``model`` gives a class with probability >= ``threshold``, and that class
    (its labels)."""
    from ganlib.inference import in_batches

    if not 0 <= threshold < 1:
        raise ValueError(f"threshold must be in [0, 1), got {threshold}")
    probs = in_batches(model, lambda b: F.softmax(model(b), dim=1), images)
    sure, labels = probs.max(1)
    keep = sure >= threshold
    return images[keep], labels[keep]


def train_and_test(x: Tensor, y: Tensor, test_x: Tensor, test_y: Tensor, *, steps: int,
                   extra: tuple[Tensor, Tensor] | None = None, seed: int = 0, width: int = 16,
                   batch_size: int = 32, lr: float = 3e-3) -> dict:
    """Train a fresh course classifier (narrow) for ``steps`` steps on real (x, y), plus ``extra``
    if given.

    Every step takes the next ``batch_size`` real images of a seeded reshuffle of (x, y), shifted
    and mirrored; with ``extra`` = (images, labels) it adds ``batch_size`` of those, drawn at
    random. The real batches depend only on ``seed``, so with or without ``extra`` the classifier
    sees the same real images equally often. Returns the test accuracy, the confidence (mean top
    probability on the test set), ``real_passes`` (times each real image was shown) and the trained
    ``model``.
    """
    from ganlib.classifier import Classifier, shift_and_flip
    from ganlib.config import seed_everything
    from ganlib.inference import in_batches

    check_count(steps, "steps")
    check_count(batch_size, "batch_size")
    if extra is not None and len(extra[0]) != len(extra[1]):
        raise ValueError(f"extra: {len(extra[0])} images but {len(extra[1])} labels")
    seed_everything(seed)
    model = Classifier(width=width, feature_dim=4 * width).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    real_gen, extra_gen = torch.Generator().manual_seed(seed), torch.Generator().manual_seed(
        seed + 1
    )
    passes = -(-steps * batch_size // len(x))
    order = torch.cat([torch.randperm(len(x), generator=real_gen) for _ in range(passes)])
    for step in range(steps):
        idx = order[step * batch_size:(step + 1) * batch_size]
        xb, yb = shift_and_flip(x[idx], real_gen), y[idx]
        if extra is not None and len(extra[0]):
            j = torch.randint(len(extra[0]), (batch_size,), generator=extra_gen)
            xb, yb = torch.cat([xb, shift_and_flip(extra[0][j], extra_gen)]), torch.cat(
                [yb, extra[1][j]]
            )
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
    probs = in_batches(model, lambda b: F.softmax(model(b), dim=1), test_x)
    return {"accuracy": float((probs.argmax(1) == test_y).double().mean()),
            "confidence": float(probs.max(1).values.double().mean()),
            "real_passes": steps * batch_size / len(x), "model": model}
