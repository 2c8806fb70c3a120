"""Shared test set-up: never download, never touch the real cache."""

import os

import pytest

os.environ.setdefault("GANLIB_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "agg")


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A fresh, empty data cache and no Debian package: only the downloader is left."""
    from ganlib import data

    monkeypatch.setenv("GANLIB_DATA", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "DEBIAN_DIRS", {})
    data._load_uint8.cache_clear()
    yield tmp_path / "cache"
    data._load_uint8.cache_clear()
