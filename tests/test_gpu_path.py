"""The gpu profile's code path, run on the CPU at tiny budgets: each notebook's training calls, device-agnostic.

No GPU has run this course yet (README, "Run profiles"). What a CPU can check is run here: the
profile is ``gpu`` (so every ``device=None`` resolves to the profile's device, as in Colab), each
notebook's training and evaluation calls run with the arguments the gpu profile gives them except
the step counts, and an audit watches every tensor that ganlib itself creates while they run: a
tensor factory (``torch.randn``, ``zeros``, ``tensor``, …) called from ganlib without ``device=``
makes a CPU tensor, which on a GPU meets the model's CUDA tensors and fails. Each such call must
be in HOST_BY_DESIGN with the reason it is safe. Checkpoints load with ``map_location``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
import torch
from torch.overrides import TorchFunctionMode

import ganlib
from ganlib import config

ROOT = Path(__file__).resolve().parent.parent
PKG = Path(ganlib.__file__).resolve().parent
FACTORIES = {"randn", "rand", "randint", "randperm", "zeros", "ones", "full", "empty", "arange", "linspace",
             "tensor", "eye", "normal"}

HOST_BY_DESIGN = {
    ("inference.py", "noise"): "seeded on the CPU so a seed gives the same z on any device; in_batches moves it",
    ("inference.py", "interpolate"): "labels for sample(), which moves them with the noise (in_batches)",
    ("data.py", "toy_2d"): "toy data is made on the host; Batches moves each batch to the run's device",
    ("data.py", "sine_waves"): "as toy_2d",
    ("data.py", "sample"): "1-D mixture samples for the duel, which plays on the CPU (notebook 01)",
    ("data.py", "distribution"): "as Mixture1D.sample",
    ("callbacks.py", "sm"): "History.plot smooths host lists for matplotlib",
    ("callbacks.py", "recalibrate_batch_norm"): "noise (and labels) seeded on the CPU so a seed gives the same "
                                                "statistics on any device, moved to G's device before use",
    ("game/duel.py", "__init__"): "notebook 01's 1-D game is a CPU toy: one scalar per player",
    ("game/duel.py", "_noise"): "as Duel.__init__",
    ("stability/gallery.py", "detach_grad_leak"): "the gallery's toy runs train on the CPU (device='cpu'): tiny MLPs",
    ("stability/gallery.py", "detective_alone"): "as detach_grad_leak",
    ("stability/gallery.py", "run_case"): "as detach_grad_leak",
    ("stability/gallery.py", "run_checks"): "as detach_grad_leak",
    ("stability/gallery.py", "coverage"): "the start-up's GAN of the checklist trains and is scored on the CPU, as detach_grad_leak",
    ("stability/gallery.py", "_check"): "as coverage: the checks read the start-up's CPU run",
    ("ethics/fake_detection.py", "watermark_key"): "the key marks samples, which sample() returns on the CPU",
    ("evaluation/corruptions.py", "add_noise"): "seeded on the CPU, then moved to the images' device",
    ("evaluation/corruptions.py", "drop_classes"): "seeded on the CPU, then moved to the labels' device",
    ("classifier.py", "judge"): "labels for sample(), which moves them (in_batches)",
    ("widgets.py", "__init__"): "the live 2-D view trains its toy GAN on the CPU (interactive, notebook 02)",
}
"""(file under ganlib/, function) → why a tensor made there without ``device=`` cannot meet a GPU tensor."""


class HostTensorAudit(TorchFunctionMode):
    """Record tensor factories that ganlib's own code calls without ``device=`` (they make CPU tensors)."""

    def __init__(self):
        super().__init__()
        self.calls: dict[tuple[str, str], str] = {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in FACTORIES and kwargs.get("device") is None:
            frame = sys._getframe(1)
            path = Path(frame.f_code.co_filename).resolve()
            if path.is_relative_to(PKG) and "checks" not in path.parts:
                key = (path.relative_to(PKG).as_posix(), frame.f_code.co_name)
                self.calls.setdefault(key, f"torch.{name} at line {frame.f_lineno}")
        return func(*args, **kwargs)


@pytest.fixture
def gpu_profile(monkeypatch, one_thread):
    """The gpu profile (name, budgets) with the device this machine has; every module sees it."""
    profile = config.Profile(name="gpu", device=config.default_device())
    monkeypatch.setattr(config, "PROFILE", profile)
    for name, module in list(sys.modules.items()):
        if name.startswith("ganlib") and getattr(module, "PROFILE", None) is not None:
            monkeypatch.setattr(module, "PROFILE", profile)
    return profile


@pytest.fixture
def audit(gpu_profile):
    mode = HostTensorAudit()
    with mode:
        yield mode
    unexplained = {k: v for k, v in mode.calls.items() if k not in HOST_BY_DESIGN}
    assert not unexplained, ("ganlib makes CPU tensors on the gpu path (pass device=, or explain why it is safe "
                             f"in HOST_BY_DESIGN): {unexplained}")


def on(device: torch.device, *modules) -> bool:
    return all(p.device.type == device.type for m in modules for p in m.parameters())


@pytest.fixture(scope="module")
def images():
    from ganlib.data import load_images

    x, y = load_images("fashion-mnist", "test")
    return x[:2000], y[:2000]


def test_nb01_the_duel(audit):
    from ganlib.data import gaussian_1d
    from ganlib.game.duel import Duel

    duel = Duel(data=gaussian_1d(1.0, 0.7), forger_mean=-3.0, forger_std=0.5, seed=0)
    duel.play(3)
    assert duel.steps > 0 and duel.jsd() > 0


def test_nb02_fit_on_toy_data_images_and_waves(audit, gpu_profile, images):
    from ganlib.data import sine_waves, toy_2d
    from ganlib.inference import sample
    from ganlib.models import MLPDiscriminator, MLPGenerator
    from ganlib.train import fit

    G, D = MLPGenerator(2, out_dim=2, hidden=128), MLPDiscriminator(in_dim=2, hidden=128)
    h = fit(G, D, lambda n, g: toy_2d("ring", n, g), steps=3, lr_g=1e-3, lr_d=1e-3, progress=False)
    assert on(gpu_profile.device, G, D) and len(h) == 3
    G, D = MLPGenerator(64, (1, 28, 28), hidden=(256, 512), tanh=True), MLPDiscriminator((1, 28, 28), hidden=(512, 256), dropout=0.3)
    h = fit(G, D, images[0], steps=3, batch_size=64, seed=0, progress=False)
    assert h.d_loss and all(map(torch.isfinite, torch.tensor(h.d_loss)))
    G, D = MLPGenerator(latent_dim=16, out_dim=64, hidden=256), MLPDiscriminator(in_dim=64, hidden=256)
    fit(G, D, sine_waves, steps=2, batch_size=128, progress=False)
    assert sample(G, 5, seed=1).device.type == "cpu"  # results come back to the host


def test_nb02_live_view_steps(audit):
    from ganlib.data import toy_2d
    from ganlib.models import MLPDiscriminator, MLPGenerator
    from ganlib.widgets import Live2D

    live = Live2D(MLPGenerator(2, out_dim=2, hidden=32), MLPDiscriminator(in_dim=2, hidden=32),
                  lambda n, g: toy_2d("ring", n, g), lr_g=1e-3, lr_d=1e-3, lim=1.6)
    live.step(2)
    assert live.steps_done == 2 and live.fake().shape[1] == 2


def test_nb03_dcgan_with_dashboard_conditional_and_judge(audit, gpu_profile, images):
    from ganlib.classifier import judge
    from ganlib.dcgan import (FAST_RECIPE, ConditionalDCGANDiscriminator, ConditionalDCGANGenerator,
                              DCGANDiscriminator, DCGANGenerator, conditional_gan_step)
    from ganlib.inference import interpolate, sample
    from ganlib.train import fit
    from ganlib.widgets import Dashboard

    r = FAST_RECIPE
    G, D = DCGANGenerator(r["latent_dim"], r["width"]), DCGANDiscriminator(r["width"])
    dash = Dashboard(n=8, every=2)
    fit(G, D, images[0], steps=2, batch_size=r["batch_size"], lr_g=r["lr_g"], lr_d=r["lr_d"], betas=r["betas"],
        seed=0, device=gpu_profile.device, every=2, callbacks=[dash], progress=False)
    dash.close()
    assert dash.redraws == 1 and on(gpu_profile.device, G, D)
    assert judge(G, n=200)["fid_samples"] == 200
    cG, cD = ConditionalDCGANGenerator(r["latent_dim"], r["width"]), ConditionalDCGANDiscriminator(r["width"])
    fit(cG, cD, images[0], labels=images[1], steps=2, batch_size=32, step=conditional_gan_step, progress=False)
    assert sample(cG, 10, torch.arange(10), seed=1).shape == (10, 1, 28, 28)
    assert interpolate(cG, steps=3, label=2).device.type == "cpu"
    assert 0 <= judge(cG, n=200)["asked_class_accuracy"] <= 1


def test_nb04_gallery_checks_and_mode_collapse(audit):
    from ganlib.stability import gallery, mode_collapse

    for name in gallery.BROKEN:
        r = gallery.show(name, steps=3)
        assert isinstance(r["broken"], float) and isinstance(r["fixed"], float), name
    suspect = gallery.startup_gan(steps=3)
    assert len(gallery.run_checks(gallery.recommended_order(), suspect, progress=False)) == len(gallery.CHECKS)
    assert mode_collapse.budget()["steps"] == 10_000  # the gpu budget is what the notebook would run
    live = mode_collapse.run("grid", "gan-slow-d", seed=0, steps=3, progress=False)
    assert live["samples"].shape == (mode_collapse.N_SAMPLES, 2)


def test_nb05_features_corruptions_and_metrics(audit, images):
    from ganlib import metrics, pretrained
    from ganlib.evaluation import corruptions
    from ganlib.evaluation.extractors import classifier_features
    from ganlib.inference import sample

    x, y = images
    G = pretrained.load("dcgan-fashion-mnist", device=config.PROFILE.device)
    fake = sample(G, 200, seed=1)
    real_f, fake_f = classifier_features(x[:200]), classifier_features(fake)
    assert real_f.device.type == "cpu" and metrics.frechet_distance(real_f, fake_f) > 0
    levels = {"noise": [0.0, 0.4], "sigma": [0.0, 2.0], "n_drop": [0, 8]}
    results = corruptions.sweep(classifier_features, x[:200], x[200:], y[200:], n=200, levels=levels)
    assert set(results) == set(levels)
    assert metrics.precision_recall(real_f, fake_f)[0] >= 0


def test_nb06_mlp_gan_detector_memorisation_and_shares(audit, gpu_profile, images):
    from ganlib import pretrained
    from ganlib.classifier import predict
    from ganlib.ethics.fake_detection import (detector_accuracy, embed_watermark, train_detector, watermark_detect,
                                              watermark_key)
    from ganlib.ethics.memorisation import memorisation_report
    from ganlib.inference import sample
    from ganlib.models import MLPDiscriminator, MLPGenerator
    from ganlib.train import fit

    x, _ = images
    clf = pretrained.load("fashion-mnist-classifier", device=gpu_profile.device)
    G = pretrained.load("dcgan-fashion-mnist", device=gpu_profile.device)
    G_mlp, D_mlp = MLPGenerator(64, (1, 28, 28), hidden=256, tanh=True), MLPDiscriminator((1, 28, 28), hidden=256)
    fit(G_mlp, D_mlp, x, steps=2, seed=0, progress=False)
    fake = sample(G, 200, seed=11)
    det = train_detector(x[:200], fake, steps=3, batch_size=128, lr=2e-3, width=32, flip=True, seed=0,
                         progress=False)
    assert on(gpu_profile.device, det)
    acc = detector_accuracy(det, x[200:300], sample(G_mlp.eval(), 100, seed=12))
    assert 0 <= acc["balanced"] <= 1
    report = memorisation_report(fake[:50], x[300:350], x[:300])
    assert report.score >= 0
    assert predict(clf, fake[:20]).device.type == "cpu"
    key = watermark_key(seed=2024)
    assert watermark_detect(embed_watermark(fake[:20], key, 0.08), key).all()


def test_pretrain_recipe_on_the_profile_device(audit, gpu_profile, tmp_path, quick_scores):
    from ganlib.course import recipes

    path, entry = recipes.run("dcgan-fashion-mnist", max_seconds=0.5, out=tmp_path / "g.pt", progress=False)
    assert path.exists() and entry["metrics"]["stopped_by_time"]
    assert entry["device"].startswith("cpu" if gpu_profile.device.type == "cpu" else "")


def test_the_audit_sees_a_host_tensor_made_in_ganlib(gpu_profile):
    """The audit itself: a ganlib function that makes a tensor without device= is caught, one with it is not."""
    from ganlib import inference

    with HostTensorAudit() as mode:
        inference.noise(2, 3, seed=0)
        torch.randn(2)  # made here, in a test: not ganlib's
    assert list(mode.calls) == [("inference.py", "noise")]


def test_every_checkpoint_load_names_a_map_location():
    """A checkpoint saved on a GPU loads on a CPU only with map_location (and vice versa)."""
    missing = []
    for path in PKG.rglob("*.py"):
        if path.parent.name == "checks":  # the exercises' answer files: plain CPU data the grader wrote
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "load"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "torch"
                    and "map_location" not in {k.arg for k in node.keywords}):
                missing.append(f"{path.relative_to(PKG)}:{node.lineno}")
    assert not missing, f"torch.load without map_location: {missing}"
