"""Writing results safely, and saying where they came from: atomic writes, leftovers, hashes, the
commit.

Every file the course writes (the data cache, checkpoints, manifests, results, graded notebooks)
goes through :func:`atomic_write`: a hidden temporary file beside the target, renamed over it
only when complete. An interrupted write (Ctrl-C, kill -9) leaves at most that hidden file,
which the next write to the same target removes (:func:`remove_leftovers`); a reader never sees
a half-written result. Temporary names carry the writer's host and process id, so a write that
is still running in another process (two notebooks filling one cache) is never taken for a leftover.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable, IO, Iterator

TMP_SUFFIX = ".tmp"
LEFTOVER_AGE_S = 0.0
"""Leftovers of dead writers older than this (seconds) are removed; 0: any."""
LIVE_WRITER_MAX_S = 6 * 3600.0
"""A temporary file whose writer still seems alive is kept this long (a process id may be reused
later)."""
OTHER_HOST_AGE_S = 3600.0
"""A temporary file written from another host (a shared folder) is a leftover once untouched this
long."""

_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
_OWNER = re.compile(r"(?P<host>[A-Za-z0-9-]*)~(?P<pid>[0-9]+)~")


def _owner_tag() -> str:
    """``host~pid~``: who writes a temporary file, written into its name."""
    return f"{_HOST}~{os.getpid()}~"


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def is_stale(tmp: Path, rest: str, older_than_s: float = LEFTOVER_AGE_S) -> bool:
    """Whether a temporary file or folder is a leftover: its writer (from the ``host~pid~`` tag in
    ``rest``) is gone.

    ``rest`` is the name after the target's prefix (and before ``.tmp``); one with a dot belongs
    to another target (``.run.pt.bak.…`` is not ``run.pt``'s). Untagged names (older versions of
    ganlib) count as leftovers; a writer on another host is judged by age alone
    (:data:`OTHER_HOST_AGE_S`); a live writer's file is kept.
    """
    if "." in rest:
        return False
    try:
        age = time.time() - tmp.stat().st_mtime
    except OSError:
        return False
    if age < older_than_s:
        return False
    owner = _OWNER.match(rest)
    if owner is None:
        return True
    if owner["host"] != _HOST:
        return age >= OTHER_HOST_AGE_S
    return not _pid_alive(int(owner["pid"])) or age >= LIVE_WRITER_MAX_S


def remove_leftovers(path: str | os.PathLike, older_than_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Delete temporary files an interrupted :func:`atomic_write` to ``path`` left behind; return
    them.

    Only files named like this module's temporaries for this very target are touched
    (``.<name>.<host>~<pid>~<random>.tmp`` in the same folder), never the target, anything
    else, or the temporary file of a write still running in another process.
    """
    path = Path(path)
    if not path.parent.is_dir():
        return []
    removed = []
    prefix = _tmp_prefix(path)
    for p in path.parent.iterdir():
        if p.name.startswith(prefix) and p.name.endswith(TMP_SUFFIX) and p.is_file() \
                and is_stale(p, p.name[len(prefix):-len(TMP_SUFFIX)], older_than_s):
            try:
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_tmp_prefix(path) + _owner_tag(),
                               suffix=TMP_SUFFIX)
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
    process left (same prefix) is removed on the next use, one that a running process is
    still filling is left alone.
    """
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for old in parent.glob(prefix + "*"):
        if old.is_dir() and is_stale(old, old.name[len(prefix):]):
            shutil.rmtree(old, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=prefix + _owner_tag()))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def sha256(path: str | os.PathLike) -> str:
    """The hex sha256 of a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def git_commit(
    folder: str | os.PathLike | None = None, dirty_paths: tuple[str, ...] = ("ganlib",)
) -> str:
    """The git commit the code runs at (``+dirty`` when ``dirty_paths`` differ from it), or
    'unknown'."""
    # the checkout
    cwd = Path(folder) if folder is not None else Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *dirty_paths], cwd=cwd,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
