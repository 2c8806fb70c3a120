"""Notebook 08's synthetic-data experiment and membership inference."""

import pytest
import torch

from ganlib.at_work.membership import distance_to_samples, membership_attack, membership_auc
from ganlib.at_work.synthetic import few_labels, make_splits, pseudo_label, train_and_test


def test_few_labels_takes_the_same_number_of_every_class_and_repeats():
    labels = torch.arange(200) % 10
    idx = few_labels(labels, 3, seed=1)
    assert len(idx) == 30 and torch.equal(torch.bincount(labels[idx]), torch.full((10,), 3))
    assert torch.equal(idx, few_labels(labels, 3, seed=1)) and not torch.equal(idx, few_labels(labels, 3, seed=2))
    with pytest.raises(ValueError, match="fewer than"):
        few_labels(labels, 21)


def test_make_splits_keeps_images_and_labels_together():
    rx, ry, fx, fy = torch.zeros(2, 1, 4, 4), torch.tensor([1, 2]), torch.ones(3, 1, 4, 4), torch.tensor([3, 4, 5])
    s = make_splits(rx, ry, fx, fy)
    assert list(s) == ["real", "real + synthetic", "synthetic"]
    x, y = s["real + synthetic"]
    assert len(x) == len(y) == 5 and torch.equal(y, torch.tensor([1, 2, 3, 4, 5])) and x[2:].eq(1).all()
    assert s["synthetic"][0] is fx and s["real"][1] is ry


def test_train_and_test_learns_from_real_images(one_thread):
    from ganlib.data import load_images

    x, y = load_images("fashion-mnist", "train")
    xt, yt = load_images("fashion-mnist", "test")
    idx = few_labels(y, 20, seed=0)
    r = train_and_test(x[idx], y[idx], xt[:500], yt[:500], steps=30, seed=0, width=8)
    assert r["accuracy"] > 0.3 and 0.1 <= r["confidence"] <= 1 and r["real_passes"] == 30 * 32 / 200  # chance: 0.1
    again = train_and_test(x[idx], y[idx], xt[:500], yt[:500], steps=30, seed=0, width=8)
    assert {k: r[k] for k in ("accuracy", "confidence")} == {k: again[k] for k in ("accuracy", "confidence")}


def test_extra_images_leave_the_real_batches_alone(monkeypatch, one_thread):
    """With or without extra images, every step shows the same real images, each equally often."""
    import ganlib.classifier

    seen = []
    original = ganlib.classifier.shift_and_flip

    def record(batch, gen, *args, **kwargs):
        seen.append(batch[:, 0, 0, 0].round().long().tolist())
        return original(batch, gen, *args, **kwargs)

    monkeypatch.setattr(ganlib.classifier, "shift_and_flip", record)
    x, y = torch.zeros(40, 1, 28, 28), torch.arange(40) % 10
    x[:, 0, 0, 0] = torch.arange(40).float()                   # each real image carries its id
    extra = (torch.full((50, 1, 28, 28), 100.0), torch.arange(50) % 10)
    r = train_and_test(x, y, x[:10], y[:10], steps=5, seed=3, width=4, batch_size=16)
    alone = list(seen)
    seen.clear()
    r_extra = train_and_test(x, y, x[:10], y[:10], steps=5, seed=3, width=4, batch_size=16, extra=extra)
    real_batches = [b for b in seen if b[0] < 100]
    assert real_batches == alone and len(seen) == 10 and all(b == [100] * 16 for b in seen[1::2])
    shown = torch.bincount(torch.tensor(sum(alone[:5], [])), minlength=40)
    assert shown.max() - shown.min() <= 1 and r["real_passes"] == r_extra["real_passes"] == 2.0


def test_pseudo_label_keeps_only_the_sure_images():
    class Fixed(torch.nn.Module):
        def forward(self, images):                             # the first pixel is the logit of class 1
            logits = torch.zeros(len(images), 3)
            logits[:, 1] = images[:, 0, 0, 0]
            return logits

    images = torch.zeros(4, 1, 2, 2)
    images[:, 0, 0, 0] = torch.tensor([0.0, 5.0, 1.0, 9.0])
    kept, labels = pseudo_label(Fixed(), images, threshold=0.9)
    assert kept[:, 0, 0, 0].tolist() == [5.0, 9.0] and labels.tolist() == [1, 1]
    assert len(pseudo_label(Fixed(), images, threshold=0.0)[1]) == 4
    with pytest.raises(ValueError, match="threshold"):
        pseudo_label(Fixed(), images, threshold=1.0)


def test_membership_auc_reads_like_a_probability():
    assert membership_auc(torch.tensor([0.1, 0.2]), torch.tensor([1.0, 2.0, 3.0])) == 1.0
    assert membership_auc(torch.tensor([5.0, 6.0]), torch.tensor([1.0, 2.0])) == 0.0
    assert membership_auc(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 1.0])) == 0.5


def test_the_attack_catches_a_copier_and_not_fresh_samples():
    gen = torch.Generator().manual_seed(0)
    members, nonmembers = torch.randn(100, 1, 6, 6, generator=gen), torch.randn(100, 1, 6, 6, generator=gen)
    copier = members + 0.05 * torch.randn(100, 1, 6, 6, generator=gen)
    fresh = torch.randn(400, 1, 6, 6, generator=gen)
    assert membership_attack(copier, members, nonmembers).auc > 0.99
    report = membership_attack(fresh, members, nonmembers, name="fresh")
    assert 0.35 < report.auc < 0.65 and "fresh: AUC" in str(report)
    assert distance_to_samples(members[:3], members).abs().max() < 1e-3
