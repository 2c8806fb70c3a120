"""Interrupted work leaves nothing behind: kill -9 mid-write or mid-download, then the next run cleans up.

Issue 22: kill -9 during a checkpoint write left 52–109 MB ``.tmp`` files and during a download
hidden ``.download-*`` folders that nothing removed; a write still running in another process must
never be taken for such a leftover.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ganlib import files

ROOT = Path(__file__).resolve().parent.parent

KILLED_WRITE = """
import sys, time
from ganlib.files import atomic_write
def write(f):
    f.write(b"x" * 100_000); f.flush()
    print("writing", flush=True); time.sleep(60)
atomic_write(sys.argv[1], write)
"""

KILLED_DOWNLOAD = """
import sys, time
from pathlib import Path
from ganlib.files import scratch_dir
with scratch_dir(sys.argv[1], ".download-") as tmp:
    (tmp / "half.gz").write_bytes(b"x" * 100_000)
    print("downloading", flush=True); time.sleep(60)
"""


def _start(code: str, arg: Path) -> subprocess.Popen:
    """A python child running ``code``, once it has printed that it is mid-way."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", code, str(arg)], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout.readline().strip() in ("writing", "downloading")
    return child


def _kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)


def test_kill_9_during_a_write_leaves_a_leftover_that_the_next_write_removes(tmp_path):
    target = tmp_path / "run.pt"
    child = _start(KILLED_WRITE, target)
    _kill(child)
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and left[0].stat().st_size == 100_000 and not target.exists()
    files.atomic_write_text(target, "done")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.pt"]


def test_a_write_still_running_elsewhere_is_not_a_leftover(tmp_path):
    target = tmp_path / "cache.npz"
    child = _start(KILLED_WRITE, target)  # alive, mid-write
    try:
        files.atomic_write_text(target, "mine")
        left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(left) == 1, "the other process's temporary file was deleted under it"
    finally:
        _kill(child)
    files.atomic_write_text(target, "mine again")  # now its writer is gone: a leftover
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.npz"]


def test_kill_9_during_a_download_leaves_a_folder_that_the_next_download_removes(tmp_path):
    child = _start(KILLED_DOWNLOAD, tmp_path)
    try:
        with files.scratch_dir(tmp_path, ".download-") as mine:  # a download running beside it: both kept
            assert len(list(tmp_path.glob(".download-*"))) == 2
    finally:
        _kill(child)
    assert not mine.exists()
    stale = list(tmp_path.glob(".download-*"))
    assert len(stale) == 1 and (stale[0] / "half.gz").exists()
    with files.scratch_dir(tmp_path, ".download-"):
        assert list(tmp_path.glob(".download-*")) != stale
    assert list(tmp_path.glob(".download-*")) == []


def test_leftovers_from_another_host_wait_for_their_age(tmp_path):
    target = tmp_path / "f.txt"
    fresh = tmp_path / ".f.txt.otherhost~123~abc.tmp"
    fresh.write_bytes(b"y")
    old = tmp_path / ".f.txt.otherhost~456~def.tmp"
    old.write_bytes(b"z")
    past = time.time() - files.OTHER_HOST_AGE_S - 10
    os.utime(old, (past, past))
    files.atomic_write_text(target, "x")
    assert fresh.exists() and not old.exists()


@pytest.mark.parametrize("bad", ["not-a-pid", ""])
def test_untagged_leftovers_of_older_versions_are_removed(tmp_path, bad):
    leftover = tmp_path / f".g.txt.{bad}abc.tmp"
    leftover.write_bytes(b"q")
    files.atomic_write_text(tmp_path / "g.txt", "x")
    assert not leftover.exists()


def test_another_targets_temporary_file_is_never_ours(tmp_path):
    theirs = tmp_path / ".run.pt.bak.abc123.tmp"  # run.pt.bak's (an older ganlib's name): not run.pt's
    theirs.write_bytes(b"b")
    files.atomic_write_text(tmp_path / "run.pt", "x")
    assert theirs.exists()
