"""Checkpoints and their manifest: every bad one gives an error that names the file and what to do.

Issue 22: a manifest entry without sha256, a truncated manifest and a manifest that is a JSON list
raised a raw KeyError / JSONDecodeError / TypeError; an allowed class with width=4096 in its saved
kwargs allocated 2.8 GB before failing.
"""

import json

import pytest
import torch

from ganlib import dcgan, pretrained
from ganlib.classifier import Classifier
from ganlib.dcgan import DCGANGenerator


@pytest.fixture
def shelf(tmp_path, monkeypatch):
    """A checkpoint folder with one small model; returns a function that writes its manifest.json."""
    path = pretrained.save(Classifier(width=4, feature_dim=8), tmp_path / "tiny.pt")
    monkeypatch.setattr(pretrained, "CHECKPOINT_DIR", tmp_path)
    monkeypatch.setattr(pretrained, "MANIFEST", tmp_path / "manifest.json")

    def write(text: str):
        (tmp_path / "manifest.json").write_text(text)
        return path
    return write


def _entry(path, **over):
    return {"file": path.name, "sha256": pretrained.sha256(path), "command": "make tiny", **over}


@pytest.mark.parametrize("text, match", [
    ('{"tiny": {"file": "tiny.pt", "command": "make tiny"}}', "'sha256' must be 64 hex digits"),
    ('{"tiny": {"file": "tiny.pt", "sha', "cannot be read as JSON"),
    ('[1, 2]', "must be a JSON object .* got a JSON list"),
    ('{"tiny": "tiny.pt"}', "entry 'tiny' must be an object"),
    ('{"tiny": {"file": "../../etc/passwd", "sha256": "' + "0" * 64 + '"}}', "'file' must be the name of a file"),
])
def test_bad_manifest_names_manifest_json_and_the_fix(shelf, text, match):
    shelf(text)
    with pytest.raises(pretrained.ManifestError, match=match) as e:
        pretrained.load("tiny")
    assert "manifest.json" in str(e.value) and "git checkout" in str(e.value)


def test_a_broken_manifest_does_not_block_a_file_of_ones_own(shelf, tmp_path):
    shelf("[]")
    own = pretrained.save(DCGANGenerator(latent_dim=4, width=2), tmp_path / "own.pt")
    assert pretrained.load(own).latent_dim == 4
    with pytest.raises(pretrained.ManifestError):
        pretrained.names()


def test_good_manifest_loads(shelf):
    path = shelf("{}")
    shelf(json.dumps({"tiny": _entry(path)}))
    assert pretrained.load("tiny").feature_dim == 8


def test_absurd_saved_kwargs_are_refused_before_allocating(tmp_path, monkeypatch):
    small = DCGANGenerator(latent_dim=64, width=8)
    torch.save({"class": "DCGANGenerator", "kwargs": {"latent_dim": 64, "width": 4096},
                "state_dict": small.state_dict()}, tmp_path / "huge.pt")
    built_on = []
    real_init = dcgan.DCGANGenerator.__init__

    def spy(self, *a, **kw):
        built_on.append(torch.empty(0).device.type)  # the default device while the class is built
        real_init(self, *a, **kw)
    monkeypatch.setattr(dcgan.DCGANGenerator, "__init__", spy)
    with pytest.raises(pretrained.CheckpointError, match=r"563,437,569 parameters.*nothing was allocated") as e:
        pretrained.load(tmp_path / "huge.pt")
    assert "huge.pt" in str(e.value) and "'width': 4096" in str(e.value)
    assert built_on == ["meta"], f"built on {built_on}: 2.2 GB of weights were allocated before failing"


@pytest.mark.parametrize("state, match", [
    ({"class": "DCGANGenerator", "kwargs": {"width": "wide"}, "state_dict": {}}, "cannot be built"),
    ({"class": "DCGANGenerator", "kwargs": [64], "state_dict": {}}, "'kwargs' must map"),
    ({"class": "DCGANGenerator", "kwargs": {}, "state_dict": {"w": 3}}, "'state_dict' must map"),
    ({"weights": 1}, "is not a model checkpoint"),
    (torch.zeros(3), "is not a model checkpoint"),
    ({"step": 5, "seed": 0, "batch_size": 8, "G": {}, "D": {}, "opt_g": {}}, "is a training checkpoint"),
])
def test_malformed_checkpoints_name_the_file(tmp_path, state, match):
    torch.save(state, tmp_path / "odd.pt")
    with pytest.raises(pretrained.CheckpointError, match=match) as e:
        pretrained.load(tmp_path / "odd.pt")
    assert "odd.pt" in str(e.value)


def test_unreadable_files_folders_and_misspelt_names(tmp_path):
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    with pytest.raises(pretrained.CheckpointError, match="notes.pt cannot be read as a checkpoint"):
        pretrained.load(tmp_path / "notes.pt")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        pretrained.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="did you mean 'dcgan-fashion-mnist'"):
        pretrained.load("dcgan-fashion-mnis")


def test_save_refuses_extra_fields_that_would_overwrite_its_own(tmp_path):
    with pytest.raises(ValueError, match="overwrite"):
        pretrained.save(DCGANGenerator(latent_dim=4, width=2), tmp_path / "g.pt", kwargs={"width": 9})


class MetaShy(torch.nn.Module):
    """A model whose constructor needs real values, so it cannot be built on the meta device."""

    def __init__(self, width: int = 2):
        super().__init__()
        self.config = dict(width=width)
        self.lin = torch.nn.Linear(width, width)
        self.scale = float(self.lin.weight.detach().abs().sum())  # raises on the meta device


def test_a_class_that_needs_real_tensors_still_loads_and_is_checked(tmp_path, monkeypatch):
    monkeypatch.setitem(pretrained.MODULE_CLASSES, "MetaShy", __name__)
    path = pretrained.save(MetaShy(2), tmp_path / "shy.pt")
    assert isinstance(pretrained.load(path), MetaShy)
    state = torch.load(path, weights_only=True)
    state["kwargs"]["width"] = 3
    torch.save(state, tmp_path / "shy3.pt")
    with pytest.raises(pretrained.CheckpointError, match="lin.weight is .*checked after building"):
        pretrained.load(tmp_path / "shy3.pt")
