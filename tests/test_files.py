"""ganlib.files: writes are atomic, leftovers of interrupted writes are removed, hashes and commits."""

import os
import stat

import pytest
import torch

from ganlib import files


def test_atomic_save_leaves_no_partial_file(tmp_path, monkeypatch):
    files.atomic_save({"a": torch.ones(2)}, tmp_path / "ok.pt")

    def broken_save(obj, f):
        f.write(b"half")
        raise OSError("disk full")
    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_save({"a": 1}, tmp_path / "ok.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["ok.pt"]
    monkeypatch.undo()
    assert torch.equal(torch.load(tmp_path / "ok.pt")["a"], torch.ones(2))


def test_leftovers_of_a_killed_write_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "model.pt"
    leftover = tmp_path / ".model.pt.abc123.tmp"  # what kill -9 during a write leaves
    leftover.write_bytes(b"x" * 1000)
    other = tmp_path / ".other.pt.abc123.tmp"  # another target's: not ours to touch
    other.write_bytes(b"y")
    files.atomic_write_text(target, "done")
    assert not leftover.exists() and other.exists() and target.read_text() == "done"


def test_written_files_are_readable_by_others_as_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        p = files.atomic_write_text(tmp_path / "shared.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o644


def test_scratch_dir_removes_stale_namesakes(tmp_path):
    stale = tmp_path / ".download-old"
    stale.mkdir()
    (stale / "part").write_bytes(b"z")
    with files.scratch_dir(tmp_path, ".download-") as d:
        assert d.is_dir() and not stale.exists()
    assert not d.exists()


def test_sha256_and_commit(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert files.sha256(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert files.git_commit(tmp_path) == "unknown"
