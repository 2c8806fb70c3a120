import json
import shutil

import pytest
import torch

from ganlib import pretrained
from ganlib.classifier import Classifier
from ganlib.dcgan import DCGANGenerator


def test_shipped_names_load_and_are_eval_mode():
    for name in pretrained.names():
        m = pretrained.load(name)
        assert not m.training
        if hasattr(m, "in_size"):  # super-resolution: a small image in, a 28×28 image out
            assert m(torch.zeros(2, 1, m.in_size, m.in_size)).shape == (2, 1, 28, 28)
        elif hasattr(m, "latent_dim"):
            assert m(torch.randn(2, m.latent_dim), *([torch.tensor([0, 1])] if getattr(m, 'n_classes', 0) else [])).shape == (2, 1, 28, 28)
        else:
            assert m.features(torch.zeros(2, 1, 28, 28)).shape[0] == 2


def test_classifier_is_shipped():
    assert "fashion-mnist-classifier" in pretrained.names()
    entry = pretrained.manifest()["fashion-mnist-classifier"]
    assert entry["metrics"]["test_accuracy"] >= 0.92  # the bar
    for key in ("sha256", "command", "commit", "seed", "wall_time_s", "device"):
        assert key in entry


def test_user_path_round_trip(tmp_path):
    G = DCGANGenerator(latent_dim=8, width=4)
    path = pretrained.save(G, tmp_path / "mine.pt")
    H = pretrained.load(path)
    z = torch.randn(3, 8)
    assert isinstance(H, DCGANGenerator) and not H.training
    assert torch.equal(G.eval()(z), H(z))


@pytest.fixture
def fake_shelf(tmp_path, monkeypatch):
    """A checkpoint directory with one small shipped model and its manifest."""
    path = pretrained.save(Classifier(width=4, feature_dim=8), tmp_path / "tiny.pt")
    manifest = {"tiny": {"file": "tiny.pt", "sha256": pretrained.sha256(path), "command": "make tiny"}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(pretrained, "CHECKPOINT_DIR", tmp_path)
    monkeypatch.setattr(pretrained, "MANIFEST", tmp_path / "manifest.json")
    return path


def test_tampered_file_is_refused(fake_shelf):
    assert pretrained.load("tiny").feature_dim == 8
    data = bytearray(fake_shelf.read_bytes())
    data[-20] ^= 0xFF
    fake_shelf.write_bytes(bytes(data))
    with pytest.raises(pretrained.ChecksumError, match="does not match the manifest"):
        pretrained.load("tiny")


def test_missing_and_unknown(fake_shelf, tmp_path):
    fake_shelf.unlink()
    with pytest.raises(FileNotFoundError, match="make tiny"):
        pretrained.load("tiny")
    with pytest.raises(FileNotFoundError, match="neither a shipped checkpoint"):
        pretrained.load("no-such-model")


def test_unknown_class_is_refused(tmp_path):
    torch.save({"class": "os.system", "kwargs": {}, "state_dict": {}}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="not one of"):
        pretrained.load(tmp_path / "bad.pt")


def test_conditional_generator_draws_the_asked_class():
    from ganlib.classifier import predict
    from ganlib.inference import sample

    G, clf = pretrained.load("cdcgan-fashion-mnist"), pretrained.load("fashion-mnist-classifier")
    asked = torch.arange(300) % 10
    agree = float((predict(clf, sample(G, 300, asked, seed=5)) == asked).double().mean())
    assert agree > 0.8  # chance is 0.1; the manifest's figure is bound in test_dcgan_recipes.py



def test_gan_metrics_were_measured_with_the_shipped_classifier():
    entries = pretrained.manifest()
    for name in ("dcgan-fashion-mnist", "cdcgan-fashion-mnist", "stylegan-fashion-mnist"):
        assert entries[name]["classifier_sha256"] == entries["fashion-mnist-classifier"]["sha256"], (
            f"{name}'s FID and coverage were measured with another classifier: "
            f"python -m ganlib.pretrain {name} --rescore")


def test_superres_pair_ships_with_its_measurements():
    """DESIGN.md's interface: in_size 7 or 14, N×1×in_size×in_size in [−1, 1] → N×1×28×28 in [−1, 1]."""
    from ganlib.at_work.superres import downsample
    from ganlib.data import load_images

    x, _ = load_images("fashion-mnist", "test")
    entries = pretrained.manifest()
    for name in ("superres-fashion-mnist", "superres-l1-fashion-mnist"):
        m = pretrained.load(name)
        assert m.in_size in (7, 14) and not m.training
        out = m(downsample(x[:4], m.in_size))
        assert out.shape == (4, 1, 28, 28) and out.abs().max() <= 1
        e = entries[name]
        assert e["bytes"] <= 5_000_000 and e["classifier_sha256"] == entries["fashion-mnist-classifier"]["sha256"]
        assert {"psnr", "ssim", "fid", "sharpness", "accuracy", "adv_weight"} <= set(e["metrics"])
    assert entries["superres-fashion-mnist"]["metrics"]["adv_weight"] > 0
    assert entries["superres-l1-fashion-mnist"]["metrics"]["adv_weight"] == 0


def test_shipped_stylegan_has_the_interface_and_meets_its_targets():
    """DESIGN.md's interface, and issue 20's bar: FID ≤ 10, every class ≥ 5%, ≤ 5 MB, made in ≤ 45 minutes by the full run."""
    from ganlib.style.generator import StyleGenerator
    from ganlib.style.miniature import STYLE_STEPS

    G = pretrained.load("stylegan-fashion-mnist")
    assert isinstance(G, StyleGenerator) and not G.training
    z = torch.randn(3, G.latent_dim)
    w = G.mapping(z)
    assert w.shape == (3, G.w_dim) and G.w_avg.shape == (G.w_dim,) and G.w_avg.abs().sum() > 0
    ws = w[:, None].repeat(1, G.num_layers, 1)
    assert torch.allclose(G.synthesis(ws, noise_mode="const"), G(z, noise_mode="const"), atol=1e-4)  # G(z) = synthesis(mapping(z))
    assert G(z, truncation_psi=0.5).shape == (3, 1, 28, 28)
    e = pretrained.manifest()["stylegan-fashion-mnist"]
    m = e["metrics"]
    assert m["steps"] == STYLE_STEPS and not m["stopped_by_time"] and "--max-seconds" not in e["command"]
    assert e["wall_time_s"] <= 45 * 60 and e["bytes"] <= 5_000_000
    assert m["fid_classifier"] <= 10 and m["fid_samples"] == 5000
    assert len(m["class_coverage"]) == 10 and min(m["class_coverage"].values()) >= 0.05
