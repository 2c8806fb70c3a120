"""Data for the course: Fashion-MNIST / MNIST images, the toy 1-D and 2-D sets, and 1-D waveforms.

Images come back as float32 tensors N×1×28×28 in [-1, 1] (the range of a tanh generator).
Look-up order for image sets: the cache (``ganlib.config.cache_dir()``: ``$GANLIB_DATA``, else
``data/cache`` in a checkout), then the Debian package ``dataset-fashion-mnist``, then
torchvision's downloader (unless ``GANLIB_OFFLINE=1``).
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .config import cache_dir, offline
from .files import atomic_write, scratch_dir
from .validate import check_count, check_image_array, check_labels, check_number

IMAGE_SETS = ("fashion-mnist", "mnist")
SPLITS = ("train", "test")
TOY_2D = ("ring", "grid", "moons")
DEBIAN_DIRS = {"fashion-mnist": Path("/usr/share/datasets/fashion-mnist")}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
_RAW = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
_COUNTS = {"train": 60_000, "test": 10_000}
N_CLASSES = 10
"""Both image sets have ten classes, numbered 0..9."""


class DataError(RuntimeError):
    """A data set is missing or a file of it is unreadable; the message says what to do."""


def _check_name(name: str, split: str) -> None:
    if name not in IMAGE_SETS:
        raise ValueError(f"unknown data set {name!r}; known image sets: {', '.join(IMAGE_SETS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")


def read_idx(path: Path, expected_count: int | None = None) -> np.ndarray:
    """Read one (optionally gzipped) IDX file of MNIST's format, checking magic, shape and
    length."""
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise DataError(f"cannot read {path}: {e}. The file is corrupt or truncated; "
                        "delete it (or reinstall its package) and try again.") from e
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] not in (1, 3):
        raise DataError(f"{path} is not an IDX file of unsigned bytes (bad header); it is corrupt.")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    size = math.prod(dims)
    if len(raw) - offset != size:
        raise DataError(f"{path} is truncated or corrupt: header promises {size} bytes of data, "
                        f"file has {len(raw) - offset}.")
    if expected_count is not None and dims[0] != expected_count:
        raise DataError(f"{path} holds {dims[0]} items, expected {expected_count}.")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


def _cache_file(name: str, split: str) -> Path:
    return cache_dir() / f"{name}-{split}.npz"


def check_image_set(
    images: np.ndarray, labels: np.ndarray, source: str, fix: str
) -> tuple[np.ndarray, np.ndarray]:
    """Stored images (uint8 N×28×28) and one label 0..9 each, or a DataError naming ``source`` and
    the ``fix``."""
    try:
        images = check_image_array(images, f"images in {source}")
        labels = check_labels(labels, len(images), N_CLASSES, f"labels in {source}").numpy()
    except ValueError as e:
        raise DataError(f"{e}. {fix}") from None
    return images, labels


def _load_cache(path: Path) -> tuple[np.ndarray, np.ndarray]:
    fix = (
        "Delete it and load again (it is rebuilt from the Debian package or a download), or "
        "write it again with arrays 'images' (uint8 N×28×28) and 'labels' (0..9, one per image)."
    )
    try:
        with np.load(path) as z:
            images, labels = z["images"], z["labels"]
    except PermissionError as e:
        raise DataError(f"cannot read the cached file {path}: permission denied. The file is not "
                        "corrupt; it belongs to someone else. Ask its owner to make it readable "
                        "(chmod a+r), or point $GANLIB_DATA at a folder of your own.") from e
    except Exception as e:  # zipfile.BadZipFile, KeyError, ValueError, EOFError...
        raise DataError(f"cached file {path} is corrupt ({type(e).__name__}: {e}). {fix}") from e
    return check_image_set(images, labels, f"the cached file {path}", fix)


def _write_cache(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write atomically (never a partial file in the cache)."""
    atomic_write(path, lambda f: np.savez(f, images=images, labels=labels))


def _download(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Fetch with torchvision into a temporary folder; only a complete result reaches the cache."""
    from torchvision import datasets

    cls = {"fashion-mnist": datasets.FashionMNIST, "mnist": datasets.MNIST}[name]
    with scratch_dir(cache_dir(), ".download-") as tmp:
        ds = cls(root=tmp, train=(split == "train"), download=True)
        images, labels = check_image_set(ds.data.numpy(), np.asarray(ds.targets),
                                         f"the download of {name}",
                                         "The download is damaged; try again later.")
    _write_cache(_cache_file(name, split), images, labels)
    return images, labels


def _missing_message(name: str) -> str:
    deb = "  2. sudo apt-get install dataset-fashion-mnist   (Debian/Ubuntu, offline-friendly)\n" \
        if name == "fashion-mnist" else "  2. (no Debian package for this set)\n"
    return (f"{name} is not available offline. Three ways to get it:\n"
            f"  1. put {name}-{{train,test}}.npz (arrays 'images' uint8 N×28×28, 'labels') in "
            f"{cache_dir()} (or point $GANLIB_DATA at a folder that has them)\n"
            f"{deb}"
            f"  3. go online once and call load_images({name!r}): torchvision downloads it "
            "into the cache (unset GANLIB_OFFLINE)")


@lru_cache(maxsize=4)
def _load_uint8(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    cached = _cache_file(name, split)
    if cached.exists():
        return _load_cache(cached)
    deb = DEBIAN_DIRS.get(name)
    if deb is not None and deb.is_dir():
        img_file, lab_file = (deb / f for f in _RAW[split])
        if img_file.exists() and lab_file.exists():
            images = read_idx(img_file, _COUNTS[split])
            labels = read_idx(lab_file, _COUNTS[split]).astype(np.int64)
            return check_image_set(images, labels, f"{deb} ({split})",
                                   "The package's files are damaged: reinstall it with "
                                   "sudo apt-get install --reinstall dataset-fashion-mnist.")
    if offline():
        raise DataError(_missing_message(name))
    try:
        return _download(name, split)
    except DataError:
        raise
    except Exception as e:
        raise DataError(
            f"download failed ({type(e).__name__}: {e}).\n" + _missing_message(name)
        ) from e


def load_images(
    name: str = "fashion-mnist", split: str = "train"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(images, labels)``: float32 N×1×28×28 in [-1, 1] and int64 class labels."""
    _check_name(name, split)
    images, labels = _load_uint8(name, split)
    x = torch.from_numpy(images.astype(np.float32)).div_(127.5).sub_(1.0).unsqueeze(1)
    return x, torch.from_numpy(np.asarray(labels, dtype=np.int64))


# ----------------------------------------------------------------------------- toy 1-D sets
@dataclass(frozen=True)
class Mixture1D:
    """A 1-D mixture of Gaussians: the 'real data' (or a forger) of notebook 01, with its
    density."""

    means: tuple[float, ...] = (0.0,)
    stds: tuple[float, ...] = (1.0,)
    weights: tuple[float, ...] | None = None

    def __post_init__(self):
        if len(self.means) != len(self.stds) or not self.means:
            raise ValueError("means and stds must be non-empty and of equal length")
        for i, (m, sd) in enumerate(zip(self.means, self.stds)):
            check_number(m, f"means[{i}]")
            check_number(sd, f"stds[{i}]")
        if any(s <= 0 for s in self.stds):
            raise ValueError(f"every std must be > 0, got {self.stds}")
        if self.weights is not None:
            for i, w in enumerate(self.weights):
                check_number(w, f"weights[{i}]")
        if self.weights is not None and (len(self.weights) != len(self.means)
                                         or any(w < 0 for w in self.weights)
                                         or sum(self.weights) <= 0):
            raise ValueError("weights must be non-negative, one per component, not all zero")

    @property
    def _w(self) -> np.ndarray:
        w = np.ones(len(self.means)) if self.weights is None else np.asarray(self.weights, float)
        return w / w.sum()

    def distribution(self) -> torch.distributions.MixtureSameFamily:
        """The mixture as a torch distribution (float64)."""
        D = torch.distributions
        return D.MixtureSameFamily(D.Categorical(probs=torch.as_tensor(self._w)),
                                   D.Normal(torch.tensor(self.means, dtype=torch.float64),
                                            torch.tensor(self.stds, dtype=torch.float64)))

    def pdf(self, x) -> np.ndarray:
        """Density at the points x (NumPy float64)."""
        x = torch.as_tensor(np.asarray(x, dtype=np.float64))
        return self.distribution().log_prob(x).exp().numpy()

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n samples as a float32 tensor of shape (n, 1), drawn with ``generator``
        (torch.distributions cannot take one, so the two-stage draw is written out: pick a
        component, then add its noise)."""
        check_count(n, "n")
        idx = torch.multinomial(torch.as_tensor(self._w), n, replacement=True, generator=generator)
        m = torch.tensor(self.means, dtype=torch.float32)[idx]
        s = torch.tensor(self.stds, dtype=torch.float32)[idx]
        return (m + s * torch.randn(n, generator=generator)).unsqueeze(1)


def gaussian_1d(mean: float = 0.0, std: float = 1.0) -> Mixture1D:
    """A single 1-D Gaussian."""
    return Mixture1D((float(mean),), (float(std),))


# ----------------------------------------------------------------------------- toy 2-D sets
RING_STD, GRID_STD = 0.01, 0.05


def mode_centers(name: str) -> tuple[np.ndarray, float]:
    """The modes of a toy set and their std: ring = 8 angles on radius 1; grid = {-4..4}² step 2."""
    if name == "ring":
        angles = 2 * np.pi * np.arange(8) / 8  # 8 distinct angles (not 0..2π inclusive)
        return np.stack([np.cos(angles), np.sin(angles)], axis=1), RING_STD
    if name == "grid":
        v = np.arange(-4, 5, 2, dtype=np.float64)
        return np.array([(a, b) for a in v for b in v]), GRID_STD
    raise ValueError(f"{name!r} has no modes; toy sets with modes: ring, grid")


def toy_2d(name: str, n: int, generator: torch.Generator | None = None,
           noise: float = 0.05) -> torch.Tensor:
    """n points (float32, n×2) of 'ring', 'grid' (PacGAN's protocol) or 'moons'
    (with this noise)."""
    if name not in TOY_2D:
        raise ValueError(f"unknown toy set {name!r}; known: {', '.join(TOY_2D)}")
    check_count(n, "n")
    check_number(noise, "noise", low=0)
    if name == "moons":
        t = torch.rand(n, generator=generator) * math.pi
        upper = torch.rand(n, generator=generator) < 0.5
        x = torch.where(upper, torch.cos(t), 1 - torch.cos(t))
        y = torch.where(upper, torch.sin(t), 0.5 - torch.sin(t))
        pts = torch.stack([x - 0.5, y - 0.25], dim=1)
        return pts + noise * torch.randn(n, 2, generator=generator)
    centers, std = mode_centers(name)
    idx = torch.randint(len(centers), (n,), generator=generator)
    c = torch.as_tensor(centers, dtype=torch.float32)[idx]
    return c + std * torch.randn(n, 2, generator=generator)


# ----------------------------------------------------------------------------- 1-D waveforms
WAVE_FREQUENCIES = (1, 2, 3, 4)


def sine_waves(n: int, generator: torch.Generator | None = None, length: int = 64,
               freqs: tuple[int, ...] = WAVE_FREQUENCIES) -> Tensor:
    """n short waveforms a·sin(2π·f·t + φ), float32 (n, length): a data set that is not pictures.

    f is drawn from a few whole frequencies, a ∈ [0.5, 1], φ ∈ [0, 2π), t ∈ [0, 1) on ``length``
    points; because f is whole, each wave's spectrum is one clean line
    (``ganlib.metrics.dominant_frequency`` and ``purity`` read it back).
    """
    check_count(n, "n")
    check_count(length, "length", 2)
    for f in freqs:
        check_count(f, "each frequency in freqs")
        # above Nyquist the wave aliases: dominant_frequency would read another f
        if f >= length / 2:
            raise ValueError(f"frequency {f} needs more than {2 * f} points per wave (Nyquist), "
                             "got "
                             f"length={length}; use length > {2 * max(freqs)} or lower frequencies")
    f = torch.tensor(freqs, dtype=torch.float32)[
        torch.randint(len(freqs), (n, 1), generator=generator)
    ]
    a = 0.5 + 0.5 * torch.rand(n, 1, generator=generator)
    phase = 2 * math.pi * torch.rand(n, 1, generator=generator)
    t = torch.arange(length, dtype=torch.float32) / length
    return a * torch.sin(2 * math.pi * f * t + phase)
