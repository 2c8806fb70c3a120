import gzip
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from ganlib import data

DEBIAN = data.DEBIAN_DIRS["fashion-mnist"]
needs_debian = pytest.mark.skipif(not DEBIAN.is_dir(), reason="dataset-fashion-mnist not installed")


def _write_idx(path: Path, arr: np.ndarray, truncate: int = 0) -> None:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    raw = header + arr.astype(np.uint8).tobytes()
    with gzip.open(path, "wb") as f:
        f.write(raw[: len(raw) - truncate])


@needs_debian
@pytest.mark.parametrize("split,n", [("train", 60_000), ("test", 10_000)])
def test_fashion_mnist_from_debian(split, n):
    x, y = data.load_images("fashion-mnist", split)
    assert x.shape == (n, 1, 28, 28) and x.dtype == torch.float32
    assert y.shape == (n,) and y.dtype == torch.int64
    assert x.min() == -1.0 and x.max() == 1.0
    assert set(y.unique().tolist()) == set(range(10))


def test_unknown_name_lists_known():
    with pytest.raises(ValueError, match="fashion-mnist, mnist"):
        data.load_images("cifar10")
    with pytest.raises(ValueError, match="train, test"):
        data.load_images("fashion-mnist", "validation")


def test_offline_and_missing_names_three_ways(empty_cache, monkeypatch):
    monkeypatch.setenv("GANLIB_OFFLINE", "1")
    with pytest.raises(data.DataError) as e:
        data.load_images("fashion-mnist")
    msg = str(e.value)
    assert "1." in msg and "2." in msg and "3." in msg
    assert "apt-get install dataset-fashion-mnist" in msg and "GANLIB_DATA" in msg


def test_failed_download_leaves_no_partial_file(empty_cache, monkeypatch):
    monkeypatch.setenv("GANLIB_OFFLINE", "0")
    from torchvision import datasets

    def broken(self, root, train=True, download=False, **kw):
        Path(root, "half-written.gz").write_bytes(b"\x1f\x8b partial")
        raise OSError("network unreachable")

    monkeypatch.setattr(datasets.FashionMNIST, "__init__", broken)
    with pytest.raises(data.DataError, match="download failed"):
        data.load_images("fashion-mnist")
    leftovers = [p for p in empty_cache.rglob("*") if p.is_file()]
    assert leftovers == []


def test_successful_download_is_cached(empty_cache, monkeypatch):
    monkeypatch.setenv("GANLIB_OFFLINE", "0")
    from torchvision import datasets

    def fake(self, root, train=True, download=False, **kw):
        self.data = torch.full((4, 28, 28), 255, dtype=torch.uint8)
        self.targets = torch.arange(4)

    monkeypatch.setattr(datasets.MNIST, "__init__", fake)
    x, y = data.load_images("mnist", "test")
    assert x.shape == (4, 1, 28, 28) and torch.all(x == 1.0)
    assert sorted(p.name for p in empty_cache.iterdir()) == ["mnist-test.npz"]


def test_corrupt_cache_names_file(empty_cache):
    empty_cache.mkdir(parents=True)
    bad = empty_cache / "fashion-mnist-train.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(data.DataError, match=str(bad)):
        data.load_images("fashion-mnist")


def test_truncated_idx_names_file(tmp_path):
    f = tmp_path / "train-images-idx3-ubyte.gz"
    _write_idx(f, np.zeros((3, 28, 28)), truncate=100)
    with pytest.raises(data.DataError, match="truncated"):
        data.read_idx(f)
    g = tmp_path / "broken.gz"
    g.write_bytes(gzip.compress(b"x" * 5000)[:40])
    with pytest.raises(data.DataError, match=str(g)):
        data.read_idx(g)


def test_idx_roundtrip_and_count(tmp_path):
    f = tmp_path / "a.gz"
    arr = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    _write_idx(f, arr)
    assert np.array_equal(data.read_idx(f), arr)
    with pytest.raises(data.DataError, match="expected 5"):
        data.read_idx(f, expected_count=5)


def test_ring_has_eight_distinct_modes():
    centers, std = data.mode_centers("ring")
    angles = np.round(np.arctan2(centers[:, 1], centers[:, 0]), 6) % (2 * np.pi)
    assert len(set(angles)) == 8 and std == 0.01
    assert np.allclose(np.linalg.norm(centers, axis=1), 1.0)


def test_grid_modes():
    centers, std = data.mode_centers("grid")
    assert centers.shape == (25, 2) and std == 0.05
    assert set(centers[:, 0]) == {-4, -2, 0, 2, 4}


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_toy_samples_sit_on_modes(name):
    g = torch.Generator().manual_seed(0)
    pts = data.toy_2d(name, 5000, generator=g).numpy()
    centers, std = data.mode_centers(name)
    d = np.linalg.norm(pts[:, None] - centers[None], axis=2)
    assert (d.min(1) / std < 5).all()
    counts = np.bincount(d.argmin(1), minlength=len(centers))
    assert (counts > 0.5 * 5000 / len(centers)).all()  # every mode used, roughly evenly


def test_toy_repeatable_and_bad_input():
    a = data.toy_2d("moons", 100, torch.Generator().manual_seed(1))
    b = data.toy_2d("moons", 100, torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and a.shape == (100, 2)
    with pytest.raises(ValueError, match="ring, grid, moons"):
        data.toy_2d("spiral", 10)
    with pytest.raises(ValueError, match="positive"):
        data.toy_2d("ring", 0)


def test_mixture_1d_pdf_and_samples():
    m = data.Mixture1D(means=(-2.0, 2.0), stds=(0.5, 0.5))
    xs = np.linspace(-10, 10, 20001)
    assert math.isclose(np.trapezoid(m.pdf(xs), xs), 1.0, rel_tol=1e-6)
    s = m.sample(20000, torch.Generator().manual_seed(0))
    assert s.shape == (20000, 1)
    assert abs(float((s > 0).float().mean()) - 0.5) < 0.02
    with pytest.raises(ValueError, match="std"):
        data.Mixture1D((0.0,), (0.0,))
    with pytest.raises(ValueError):
        data.Mixture1D((0.0, 1.0), (1.0,))
