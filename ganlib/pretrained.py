"""Shipped checkpoints: load a pretrained generator or the course classifier, hash-checked, offline.

A checkpoint file is a plain dict ``{"class": name, "kwargs": {...}, "state_dict": {...}}``, so
``torch.load(..., weights_only=True)`` can read it (no code runs while loading) and a file a
learner saved with :func:`save` describes itself. Shipped files live inside the package
(``ganlib/shipped/checkpoints``, so a plain ``pip install`` finds them) and are listed in its
``manifest.json`` with their sha256; a file whose hash differs is refused. They are made by
``python -m ganlib.pretrain NAME`` (``ganlib.course.recipes``).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import json
import os
import re
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
"""Constructor arguments older files recorded that today's classes no longer take
(dropped when equal)."""


class ChecksumError(RuntimeError):
    """A shipped checkpoint's sha256 differs from the manifest: it is corrupt or was changed."""


class ManifestError(ValueError):
    """The manifest of shipped checkpoints is unreadable or malformed; the message names it and says
    what to do."""


class CheckpointError(ValueError):
    """A checkpoint file cannot become a model (unreadable, not written by :func:`save`, or
    inconsistent)."""


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _manifest_fix() -> str:
    return (f"Restore it with `git checkout -- {MANIFEST.name}` in {MANIFEST.parent} (or reinstall "
            "ganlib); an entry is remade by `python -m ganlib.pretrain NAME`.")


def check_manifest(entries, source: str | os.PathLike) -> dict:
    """A manifest: a JSON object of name → {file: a plain file name, sha256: 64 hex digits, ...}, or
    ManifestError."""
    if not isinstance(entries, dict):
        raise ManifestError(f"{source} must be a JSON object mapping checkpoint names to entries, "
                            f"got a JSON {type(entries).__name__}. {_manifest_fix()}")
    for name, entry in entries.items():
        where = f"{source}, entry {name!r}"
        if not isinstance(entry, dict):
            raise ManifestError(f"{where} must be an object with 'file' and 'sha256', got "
                                f"{entry!r}. {_manifest_fix()}")
        file, digest = entry.get("file"), entry.get("sha256")
        if not isinstance(file, str) or not file or Path(file).name != file or file in (".", ".."):
            raise ManifestError(f"{where}: 'file' must be the name of a file beside the manifest, "
                                f"got {file!r}. {_manifest_fix()}")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise ManifestError(f"{where}: 'sha256' must be 64 hex digits (the file's hash, "
                                "checked before "
                                f"loading), got {digest!r}. {_manifest_fix()}")
    return entries


def manifest() -> dict:
    """The manifest of shipped checkpoints: name → {file, sha256, command, commit, seed, ...},
    checked."""
    if not MANIFEST.exists():
        return {}
    try:
        entries = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ManifestError(f"{MANIFEST} cannot be read as JSON ({type(e).__name__}: {e}); it is "
                            "truncated or "
                            f"damaged. {_manifest_fix()}") from None
    return check_manifest(entries, MANIFEST)


def names() -> list[str]:
    """Names of the shipped checkpoints."""
    return sorted(manifest())


def save(module: nn.Module, path: str | os.PathLike, **extra) -> Path:
    """Write a self-describing checkpoint (class name, constructor kwargs, weights) atomically."""
    cls = type(module).__name__
    if cls not in MODULE_CLASSES:
        raise ValueError(f"cannot save a {cls}: known classes are {', '.join(MODULE_CLASSES)}")
    clash = sorted(set(extra) & {"class", "kwargs", "state_dict"})
    if clash:
        raise ValueError(f"extra fields {clash} would overwrite the checkpoint's own; name them "
                         "otherwise")
    state = {"class": cls, "kwargs": dict(module.config),
             "state_dict": {k: v.detach().cpu() for k, v in module.state_dict().items()}, **extra}
    return atomic_save(state, path)


def _shapes(state_dict: dict) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in state_dict.items()}


def _mismatch(want: dict, got: dict) -> str:
    """The first differences between the weights a class expects and those a file holds, in
    words."""
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    shape = [k for k in want if k in got and want[k] != got[k]]
    parts = ([f"missing {', '.join(missing[:3])}{' …' if len(missing) > 3 else ''}"] if missing
             else []) + \
            ([f"unexpected {', '.join(extra[:3])}{' …' if len(extra) > 3 else ''}"] if extra
             else []) + \
            ([f"{shape[0]} is {got[shape[0]]} in the file but {want[shape[0]]} for these kwargs"]
             if shape else [])
    return "; ".join(parts)


def _build(state, source: str) -> nn.Module:
    """The module a checkpoint describes, checked against its weights on the meta device before any
    allocation."""
    fix = "Make checkpoints with ganlib.pretrained.save(model, path)."
    if isinstance(state, dict) and {"G", "D", "opt_g"} <= set(state):
        raise CheckpointError(f"{source} is a training checkpoint (fit's Checkpoint callback): it "
                              "holds a whole run, not one model. Continue it with "
                              "fit(..., callbacks=[Checkpoint(path, resume=True)]), or save the "
                              "trained G with ganlib.pretrained.save(G, path) and load that.")
    if not isinstance(state, dict) or not {"class", "kwargs", "state_dict"} <= set(state):
        got = sorted(map(str, state)) if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{source} is not a model checkpoint: expected a dict with 'class', "
                              "'kwargs' and "
                              f"'state_dict', got {got}. {fix}")
    cls = state.get("class")
    if cls not in MODULE_CLASSES:
        raise CheckpointError(f"{source} names class {cls!r}, which is not one of "
                              f"{', '.join(MODULE_CLASSES)}")
    kwargs, weights = state["kwargs"], state["state_dict"]
    plain = (bool, int, float, str, type(None))
    if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs) or not all(
            isinstance(v, plain)
            or (isinstance(v, (list, tuple)) and all(isinstance(x, plain) for x in v))
            for v in kwargs.values()):
        raise CheckpointError(f"{source}: 'kwargs' must map argument names to plain numbers or "
                              "strings "
                              f"(or lists of them), got {kwargs!r}")
    if not isinstance(weights, dict) or not all(torch.is_tensor(v) for v in weights.values()):
        raise CheckpointError(f"{source}: 'state_dict' must map parameter names to tensors. {fix}")
    kwargs = dict(kwargs)
    for key, value in LEGACY_KWARGS.get(cls, {}).items():
        if kwargs.get(key, value) == value:
            kwargs.pop(key, None)
    make = getattr(importlib.import_module(MODULE_CLASSES[cls]), cls)

    def build(on_meta: bool) -> nn.Module:
        try:
            with torch.device("meta") if on_meta else contextlib.nullcontext():
                return make(**kwargs)
        except (TypeError, ValueError) as e:
            raise CheckpointError(
                f"{source}: {cls}(**{kwargs}) cannot be built ({e}). {fix}"
            ) from None

    def fits(model: nn.Module, allocated: str) -> None:
        want, got = _shapes(model.state_dict()), _shapes(weights)
        if want != got:
            n_want = sum(p.numel() for p in model.parameters())
            n_got = sum(v.numel() for v in weights.values())
            raise CheckpointError(f"{source}: its kwargs {kwargs} describe a {cls} of {n_want:,} "
                                  "parameters, but "
                                  f"its weights ({n_got:,} values) do not fit them: "
                                  f"{_mismatch(want, got)}. The file was edited or damaged; "
                                  f"{allocated}. {fix}")

    try:  # shapes only, on the meta device: absurd kwargs (width=4096) cost nothing here
        skeleton = build(on_meta=True)
    except (RuntimeError, NotImplementedError):  # a class that cannot be built without real tensors
        skeleton = None
    if skeleton is not None:
        fits(skeleton, "nothing was allocated")
    try:
        module = build(on_meta=False)
    except RuntimeError as e:
        raise CheckpointError(f"{source}: {cls}(**{kwargs}) cannot be built ({e}). {fix}") from None
    if skeleton is None:
        fits(module, "it was checked after building")
    module.load_state_dict(weights)
    return module.eval()


def resolve(name_or_path: str | os.PathLike) -> Path:
    """The file of a shipped name (after checking its sha256 against the manifest), or the given
    path."""
    key = str(name_or_path)
    try:
        entries = manifest()
    except ManifestError:
        if Path(name_or_path).expanduser().is_file():  # a file of one's own needs no manifest
            return Path(name_or_path).expanduser()
        raise
    if key in entries:
        path = CHECKPOINT_DIR / entries[key]["file"]
        remake = entries[key].get("command", f"python -m ganlib.pretrain {key}")
        if not path.is_file():
            raise FileNotFoundError(f"shipped checkpoint {key!r} is listed in {MANIFEST} but "
                                    f"{path} is missing; restore it with git, or remake it: "
                                    f"{remake}")
        got, want = sha256(path), entries[key]["sha256"]
        if got != want:
            raise ChecksumError(f"{path} does not match the manifest (sha256 {got[:12]}…, expected "
                                f"{want[:12]}…): the file is corrupt or was changed. Restore it "
                                "with "
                                f"`git checkout -- {path.name}` or remake it: {remake}")
        return path
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; give a checkpoint file (saved with "
                                "ganlib.pretrained.save) "
                                f"or a shipped name ({', '.join(entries) or 'none'})")
    if not path.exists():
        close = difflib.get_close_matches(key, list(entries), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FileNotFoundError(f"{key!r} is neither a shipped checkpoint "
                                f"({', '.join(entries) or 'none'}) nor an existing file{hint}")
    return path


def load(name_or_path: str | os.PathLike, device=None) -> nn.Module:
    """An eval-mode module from a shipped name (hash-checked) or a file saved with :func:`save`."""
    path = resolve(name_or_path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    # UnpicklingError (not a weights-only file), RuntimeError / EOFError (truncated), ...
    except Exception as e:
        raise CheckpointError(
            f"{path} cannot be read as a checkpoint ({type(e).__name__}: "
            f"{str(e).splitlines()[0]}); "
            "it is truncated, damaged, or not written by ganlib.pretrained.save"
        ) from e
    module = _build(state, str(path))
    return module.to(device) if device is not None else module
