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


@pytest.fixture
def one_thread():
    """Tiny models: one torch thread is fastest, and several on a busy 2-core machine are many times slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def quick_scores(monkeypatch):
    """A recipe's training is under test, not its scores: judge 256 samples and re-estimate batch norm on 2 batches."""
    import functools

    from ganlib.classifier import judge
    from ganlib.course import recipes

    monkeypatch.setattr(recipes, "judge", functools.partial(judge, n=256))
    monkeypatch.setattr(recipes, "recalibrate_batch_norm",
                        functools.partial(recipes.recalibrate_batch_norm, batches=2))


@pytest.fixture
def graded_part():
    """``cut(notebook, folder)``: a copy of a course notebook (same name, in ``folder``) ending with its last
    nbgrader cell. What a grader scores is all there; the cells after it only add running time."""
    import nbformat

    def cut(notebook, folder):
        nb = nbformat.read(notebook, as_version=4)
        last = max(i for i, c in enumerate(nb.cells) if "nbgrader" in c.metadata)
        nb.cells = nb.cells[:last + 1]
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / notebook.name)
        return folder / notebook.name

    return cut
