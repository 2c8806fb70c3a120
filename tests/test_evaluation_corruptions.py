"""Corruptions do what they say, and the metrics move the right way as images get worse."""

import pytest
import torch

from ganlib.evaluation import corruptions as C


def _pool(n=600, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 10
    # each class is a bright square at its own place on a dark background, plus a little noise
    img = -torch.ones(n, 1, 28, 28)
    for c in range(10):
        r, col = 2 + 2 * c, 4 + (c % 3) * 6
        img[labels == c, :, r:r + 8, col:col + 8] = 0.8
    img = (img + 0.05 * torch.randn(img.shape, generator=g)).clamp(-1, 1)
    return img, labels


def _feats(x):
    return torch.nn.functional.avg_pool2d(x, 7).flatten(1).double()  # 16 coarse features


def test_corruptions_basic_properties():
    x, y = _pool()
    assert C.add_noise(x, 0.0).equal(x) and C.add_noise(x, 5.0).abs().max() <= 1
    assert C.blur(x, 0).equal(x)
    assert C.blur(x, 1.5).std() < x.std()
    kept = C.drop_classes(x, y, 3, n=100)
    assert len(kept) == 100
    with pytest.raises(ValueError, match="n_drop"):
        C.drop_classes(x, y, 10, n=10)
    with pytest.raises(ValueError, match="left"):
        C.drop_classes(x, y, 8, n=500)


def test_metrics_respond_to_corruption():
    x, y = _pool(1200)
    real, pool, pool_y = x[:600], x[600:], y[600:]
    levels = {"noise": [0.0, 0.6], "n_drop": [0, 7]}
    res = C.sweep(_feats, real, pool, pool_y, n=150, levels=levels)
    clean, noisy = res["noise"]
    assert noisy["FID"] > 5 * clean["FID"] and noisy["precision"] < clean["precision"]
    full, few = res["n_drop"]
    assert few["recall"] < full["recall"] - 0.3 and few["FID"] > full["FID"]
    assert "noise = 0.6" in C.level_table(res, levels)


def test_explorer_updates_without_a_browser():
    x, y = _pool(800)
    ex = C.CorruptionExplorer(_feats, x[:400], x[400:], y[400:], n=200)
    m0 = ex.update()
    m1 = ex.update(sigma=2.0)
    assert ex.images.shape == (200, 1, 28, 28) and m1["FID"] > m0["FID"]
    ex.refresh()  # draws into the Output widget
