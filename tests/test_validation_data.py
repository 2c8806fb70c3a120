"""Bad data files never load silently: each gives an error naming the file, what was expected and what to do.

Issue 22: an idx file of labels 200 or a 27×29 header, a cache of flat N×784 images or of 10 labels
for 10,000 images all loaded; an unreadable shared cache file was called corrupt ("delete it").
"""

import gzip
import os
import stat
from pathlib import Path

import numpy as np
import pytest
import torch

from ganlib import data


def _write_idx(path: Path, arr: np.ndarray) -> None:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


@pytest.fixture
def debian(empty_cache, tmp_path, monkeypatch):
    """A stand-in for the Debian package's folder (test split: 10,000 images), used when the cache is empty."""
    folder = tmp_path / "debian"
    folder.mkdir()
    monkeypatch.setattr(data, "DEBIAN_DIRS", {"fashion-mnist": folder})

    def put(images: np.ndarray, labels: np.ndarray) -> Path:
        img, lab = data._RAW["test"]
        _write_idx(folder / img, images)
        _write_idx(folder / lab, labels)
        data._load_uint8.cache_clear()
        return folder
    return put


def _cache(empty_cache: Path, **arrays) -> Path:
    empty_cache.mkdir(parents=True, exist_ok=True)
    path = empty_cache / "mnist-test.npz"
    np.savez(path, **arrays)
    data._load_uint8.cache_clear()
    return path


def test_idx_labels_out_of_range_name_the_package(debian):
    folder = debian(np.zeros((10_000, 28, 28)), np.full(10_000, 200))
    with pytest.raises(data.DataError, match=r"labels in .*debian.* must lie in 0\.\.9, got values from 200") as e:
        data.load_images("fashion-mnist", "test")
    assert str(folder) in str(e.value) and "reinstall" in str(e.value)


def test_idx_images_of_another_size_are_refused(debian):
    debian(np.zeros((10_000, 27, 29)), np.zeros(10_000))
    with pytest.raises(data.DataError, match=r"shape N×28×28, got \(10000, 27, 29\)"):
        data.load_images("fashion-mnist", "test")


def test_good_idx_still_loads(debian):
    debian(np.full((10_000, 28, 28), 255), np.arange(10_000) % 10)
    x, y = data.load_images("fashion-mnist", "test")
    assert x.shape == (10_000, 1, 28, 28) and torch.all(x == 1.0) and y.max() == 9


def test_cache_of_flat_images_is_refused(empty_cache):
    path = _cache(empty_cache, images=np.zeros((10_000, 784), np.uint8), labels=np.zeros(10_000, np.int64))
    with pytest.raises(data.DataError, match=r"shape N×28×28, got \(10000, 784\)") as e:
        data.load_images("mnist", "test")
    assert str(path) in str(e.value)


def test_cache_with_too_few_labels_is_refused(empty_cache):
    _cache(empty_cache, images=np.zeros((10_000, 28, 28), np.uint8), labels=np.zeros(10, np.int64))
    with pytest.raises(data.DataError, match="10 labels for 10000"):
        data.load_images("mnist", "test")


def test_cache_of_float_images_is_refused_not_rescaled(empty_cache):
    _cache(empty_cache, images=np.random.default_rng(0).random((5, 28, 28)), labels=np.zeros(5, np.int64))
    with pytest.raises(data.DataError, match="uint8 pixel values 0..255, got dtype float64"):
        data.load_images("mnist", "test")


def test_unreadable_shared_cache_is_not_called_corrupt(empty_cache, monkeypatch):
    path = _cache(empty_cache, images=np.zeros((4, 28, 28), np.uint8), labels=np.zeros(4, np.int64))

    def denied(*a, **kw):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(np, "load", denied)
    with pytest.raises(data.DataError, match="permission denied") as e:
        data.load_images("mnist", "test")
    msg = str(e.value)
    assert "not corrupt" in msg and "delete" not in msg.lower() and "GANLIB_DATA" in msg


def test_downloaded_cache_is_readable_by_others(empty_cache, monkeypatch):
    monkeypatch.setenv("GANLIB_OFFLINE", "0")
    from torchvision import datasets

    def fake(self, root, train=True, download=False, **kw):
        self.data = torch.zeros((4, 28, 28), dtype=torch.uint8)
        self.targets = torch.arange(4)
    monkeypatch.setattr(datasets.MNIST, "__init__", fake)
    old = os.umask(0o022)
    try:
        data.load_images("mnist", "test")
    finally:
        os.umask(old)
    assert stat.S_IMODE((empty_cache / "mnist-test.npz").stat().st_mode) == 0o644


@pytest.mark.parametrize("make, match", [
    (lambda: data.Mixture1D((0.0,), (float("nan"),)), r"stds\[0\] must be a finite number"),
    (lambda: data.Mixture1D((float("inf"),), (1.0,)), r"means\[0\] must be a finite number"),
    (lambda: data.Mixture1D((0.0, 1.0), (1.0, 1.0), (float("nan"), 1.0)), r"weights\[0\]"),
    (lambda: data.sine_waves(4, length=8), "Nyquist"),
    (lambda: data.toy_2d("ring", 2.5), "n must be a positive whole number"),
    (lambda: data.toy_2d("moons", 10, noise=float("nan")), "noise must be a finite number"),
    (lambda: data.Mixture1D((0.0,), (1.0,)).sample(0), "n must be a positive whole number"),
])
def test_toy_data_refuses_nonsense(make, match):
    with pytest.raises(ValueError, match=match):
        make()
