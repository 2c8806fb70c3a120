"""Writing results safely, and saying where they came from: atomic writes, leftovers, hashes, the commit.

Every file the course writes (the data cache, checkpoints, manifests, results, graded notebooks)
goes through :func:`atomic_write`: a hidden temporary file beside the target, renamed over it
only when complete. An interrupted write (Ctrl-C, kill -9) leaves at most that hidden file,
which the next write to the same target removes (:func:`remove_leftovers`); a reader never sees
a half-written result.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, IO, Iterator

TMP_SUFFIX = ".tmp"
LEFTOVER_AGE_S = 0.0
"""Leftovers older than this (seconds) are removed; 0: any, since a live writer holds its own name."""


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_leftovers(path: str | os.PathLike, older_than_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Delete temporary files an interrupted :func:`atomic_write` to ``path`` left behind; return them.

    Only files named like this module's temporaries for this very target are touched
    (``.<name>.<random>.tmp`` in the same folder), never the target or anything else.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    removed, now = [], time.time()
    prefix = _tmp_prefix(path)
    for p in path.parent.iterdir():
        if p.name.startswith(prefix) and p.name.endswith(TMP_SUFFIX) and p.is_file():
            try:
                if now - p.stat().st_mtime >= older_than_s:
                    p.unlink()
                    removed.append(p)
            except OSError:
                pass
    return removed


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], object], *,
                 mode: int | None = 0o644) -> Path:
    """Call ``write(f)`` on a temporary file beside ``path``, then rename it over ``path``.

    Never leaves a half-written file at ``path``; leftovers of earlier interrupted writes to the
    same target are removed first. ``mode`` (default rw-r--r--, as the umask allows) replaces
    mkstemp's private 0600, so a cache shared by a group stays readable.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_tmp_prefix(path), suffix=TMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, mode & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write text (UTF-8) atomically."""
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def atomic_save(obj, path: str | os.PathLike) -> Path:
    """``torch.save`` atomically: never a half-written checkpoint."""
    import torch

    return atomic_write(path, lambda f: torch.save(obj, f))


@contextlib.contextmanager
def scratch_dir(parent: str | os.PathLike, prefix: str) -> Iterator[Path]:
    """A temporary folder inside ``parent`` (removed afterwards, and its stale namesakes first).

    Downloads go here so only a complete result reaches the cache; a folder that a killed
    process left (same prefix) is removed on the next use.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.glob(prefix + "*"):
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sha256(path: str | os.PathLike) -> str:
    """The hex sha256 of a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def git_commit(folder: str | os.PathLike | None = None, dirty_paths: tuple[str, ...] = ("ganlib",)) -> str:
    """The git commit the code runs at (``+dirty`` when ``dirty_paths`` differ from it), or 'unknown'."""
    cwd = Path(folder) if folder is not None else Path(__file__).resolve().parent.parent  # the checkout
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *dirty_paths], cwd=cwd,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
