"""Notebook 08's synthetic-data experiment and membership inference."""

import pytest
import torch

from ganlib.at_work.membership import distance_to_samples, membership_attack, membership_auc
from ganlib.at_work.synthetic import few_labels, make_splits, train_and_test


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
    assert r["accuracy"] > 0.3 and 0.1 <= r["confidence"] <= 1 and abs(r["steps"] - 30) <= 3  # chance: 0.1
    assert r == train_and_test(x[idx], y[idx], xt[:500], yt[:500], steps=30, seed=0, width=8)  # seeded


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


def test_a_large_set_gets_the_same_number_of_steps(one_thread):
    from ganlib.data import load_images

    x, y = load_images("fashion-mnist", "test")
    assert train_and_test(x[:5000], y[:5000], x[-200:], y[-200:], steps=10, seed=0, width=4)["steps"] == 10
