import torch

from ganlib import pretrained
from ganlib.course import recipes as pretrain
from ganlib.style.miniature import STYLE_STEPS


def test_max_seconds_is_honoured_and_checkpoint_usable(tmp_path, quick_scores):
    out = tmp_path / "g.pt"
    path, entry = pretrain.run("dcgan-fashion-mnist", max_seconds=1, out=out, progress=False, threads=1)
    assert path == out and out.exists()
    # stopped by the 1-s limit, short of the recipe's steps (how far short depends on the machine: not tested)
    assert entry["metrics"]["stopped_by_time"]
    assert entry["metrics"]["steps"] < pretrain.GAN_RECIPES["dcgan-fashion-mnist"]["steps"]
    G = pretrained.load(out)
    assert G(torch.randn(2, G.latent_dim)).shape == (2, 1, 28, 28)
    assert "--max-seconds 1" in entry["command"] and entry["sha256"] == pretrained.sha256(out)


def test_rescore_remeasures_without_retraining(tmp_path, monkeypatch):
    import json
    import shutil

    from ganlib.dcgan import DCGANGenerator

    clf = pretrained.manifest()["fashion-mnist-classifier"]
    shutil.copy(pretrained.CHECKPOINT_DIR / clf["file"], tmp_path / clf["file"])
    g = pretrained.save(DCGANGenerator(latent_dim=8, width=4), tmp_path / "tiny-g.pt")
    old = {"file": g.name, "sha256": pretrained.sha256(g), "command": "make tiny-g",
           "metrics": {"steps": 7, "stopped_by_time": True, "fid_classifier": -1.0}}
    (tmp_path / "manifest.json").write_text(json.dumps({"fashion-mnist-classifier": clf, "tiny-g": old}))
    monkeypatch.setattr(pretrained, "CHECKPOINT_DIR", tmp_path)
    monkeypatch.setattr(pretrained, "MANIFEST", tmp_path / "manifest.json")
    entry = pretrain.rescore("tiny-g")
    m = entry["metrics"]
    assert m["steps"] == 7 and m["stopped_by_time"] and m["fid_classifier"] > 0 and len(m["class_coverage"]) == 10
    assert entry["sha256"] == old["sha256"] and entry["classifier_sha256"] == clf["sha256"]
    assert entry["rescored"]["command"] == "python -m ganlib.pretrain tiny-g --rescore"
    assert pretrained.manifest()["tiny-g"] == entry


def test_superres_recipes_share_the_warm_up_and_differ_only_in_the_detective(tmp_path, monkeypatch, one_thread):
    from ganlib.at_work import superres

    monkeypatch.setattr(superres, "SUPERRES_STEPS", dict(warmup_steps=3, steps=2))
    monkeypatch.setattr(superres, "superres_scores", lambda model: {"psnr": 0.0})
    outs = {}
    for name in ("superres-fashion-mnist", "superres-l1-fashion-mnist"):
        path, entry = pretrain.run(name, out=tmp_path / f"{name}.pt", progress=False)
        assert entry["metrics"]["steps"] == 5 and not entry["metrics"]["stopped_by_time"]
        outs[name] = (pretrained.load(path), entry["metrics"]["adv_weight"])
    (gan, w_gan), (l1, w_l1) = outs["superres-fashion-mnist"], outs["superres-l1-fashion-mnist"]
    assert w_gan > 0 == w_l1 and gan.in_size == l1.in_size == 7
    small = torch.rand(2, 1, 7, 7) * 2 - 1
    assert gan(small).shape == (2, 1, 28, 28) and not torch.equal(gan(small), l1(small))


def test_stylegan_recipe_writes_a_loadable_style_generator(tmp_path, one_thread, quick_scores):
    out = tmp_path / "s.pt"
    path, entry = pretrain.run("stylegan-fashion-mnist", max_seconds=1, out=out, progress=False, threads=1)
    assert entry["metrics"]["stopped_by_time"] and entry["metrics"]["steps"] < STYLE_STEPS
    G = pretrained.load(path)
    assert G.mapping(torch.randn(2, G.latent_dim)).shape == (2, G.w_dim)
    assert G(torch.randn(2, G.latent_dim), truncation_psi=0.7).shape == (2, 1, 28, 28)


def test_the_commit_recorded_is_the_one_that_trained(tmp_path, monkeypatch):
    """Read before training: writing the new checkpoint into ganlib/ must not turn the record into "+dirty"."""
    from ganlib.dcgan import DCGANGenerator

    out = tmp_path / "g.pt"  # stands for the shipped file inside ganlib/: once written, the checkout reads "dirty"
    monkeypatch.setattr(pretrain, "git_commit", lambda *a, **k: "abc+dirty" if out.exists() else "abc")
    monkeypatch.setitem(pretrain.TARGETS, "dcgan-fashion-mnist",  # no training: only the record is under test
                        lambda *a: (DCGANGenerator(latent_dim=8, width=4), {"steps": 0}))
    _, entry = pretrain.run("dcgan-fashion-mnist", out=out, progress=False, threads=1)
    assert out.exists() and entry["commit"] == "abc"
