"""Shipped checkpoints: load a pretrained generator or the course classifier, hash-checked, offline.

A checkpoint file is a plain dict ``{"class": name, "kwargs": {...}, "state_dict": {...}}``, so
``torch.load(..., weights_only=True)`` can read it (no code runs while loading) and a file a
learner saved with :func:`save` describes itself. Shipped files live inside the package (``ganlib/shipped/checkpoints``, so a plain ``pip install``
finds them) and are listed in its ``manifest.json`` with their sha256; a file whose hash differs
is refused. They are made by ``python -m ganlib.pretrain NAME`` (``ganlib.course.recipes``).
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import torch
from torch import nn

from .config import CHECKPOINT_DIR
from .files import atomic_save, sha256

MANIFEST = CHECKPOINT_DIR / "manifest.json"

MODULE_CLASSES = {
    "Classifier": "ganlib.classifier",
    "DCGANGenerator": "ganlib.dcgan",
    "DCGANDiscriminator": "ganlib.dcgan",
    "ConditionalDCGANGenerator": "ganlib.dcgan",
    "ConditionalDCGANDiscriminator": "ganlib.dcgan",
    "StyleGenerator": "ganlib.style.generator",
    "SuperResolver": "ganlib.at_work.superres",
}
"""The only classes a checkpoint may name (a file never chooses arbitrary code to import).

A table of names, not imports: a class is imported only when a checkpoint of it is loaded.
"""

LEGACY_KWARGS = {"DCGANGenerator": {"n_classes": 0}, "DCGANDiscriminator": {"n_classes": 0}}
"""Constructor arguments older files recorded that today's classes no longer take (dropped when equal)."""


class ChecksumError(RuntimeError):
    """A shipped checkpoint's sha256 differs from the manifest: it is corrupt or was changed."""


def manifest() -> dict:
    """The manifest of shipped checkpoints: name → {file, sha256, command, commit, seed, ...}."""
    if not MANIFEST.exists():
        return {}
    return json.loads(MANIFEST.read_text())


def names() -> list[str]:
    """Names of the shipped checkpoints."""
    return sorted(manifest())


def save(module: nn.Module, path: str | os.PathLike, **extra) -> Path:
    """Write a self-describing checkpoint (class name, constructor kwargs, weights) atomically."""
    cls = type(module).__name__
    if cls not in MODULE_CLASSES:
        raise ValueError(f"cannot save a {cls}: known classes are {', '.join(MODULE_CLASSES)}")
    state = {"class": cls, "kwargs": dict(module.config),
             "state_dict": {k: v.detach().cpu() for k, v in module.state_dict().items()}, **extra}
    return atomic_save(state, path)


def _build(state: dict, source: str) -> nn.Module:
    cls = state.get("class")
    if cls not in MODULE_CLASSES:
        raise ValueError(f"{source} names class {cls!r}, which is not one of {', '.join(MODULE_CLASSES)}")
    kwargs = dict(state["kwargs"])
    for key, value in LEGACY_KWARGS.get(cls, {}).items():
        if kwargs.get(key, value) == value:
            kwargs.pop(key, None)
    module = getattr(importlib.import_module(MODULE_CLASSES[cls]), cls)(**kwargs)
    module.load_state_dict(state["state_dict"])
    return module.eval()


def resolve(name_or_path: str | os.PathLike) -> Path:
    """The file of a shipped name (after checking its sha256 against the manifest), or the given path."""
    entries = manifest()
    key = str(name_or_path)
    if key in entries:
        path = CHECKPOINT_DIR / entries[key]["file"]
        if not path.exists():
            raise FileNotFoundError(f"shipped checkpoint {key!r} is listed in {MANIFEST} but {path} is "
                                    f"missing; restore it with git, or remake it: {entries[key]['command']}")
        got, want = sha256(path), entries[key]["sha256"]
        if got != want:
            raise ChecksumError(f"{path} does not match the manifest (sha256 {got[:12]}…, expected "
                                f"{want[:12]}…): the file is corrupt or was changed. Restore it with "
                                f"`git checkout -- {path.name}` or remake it: {entries[key]['command']}")
        return path
    path = Path(name_or_path)
    if not path.exists():
        raise FileNotFoundError(f"{key!r} is neither a shipped checkpoint ({', '.join(entries) or 'none'}) "
                                "nor an existing file")
    return path


def load(name_or_path: str | os.PathLike, device=None) -> nn.Module:
    """An eval-mode module from a shipped name (hash-checked) or a file saved with :func:`save`."""
    path = resolve(name_or_path)
    state = torch.load(path, map_location="cpu", weights_only=True)
    module = _build(state, str(path))
    return module.to(device) if device is not None else module
