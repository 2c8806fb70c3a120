"""Training refuses bad data and budgets before the first step, and never destroys a file it was not meant to.

Issue 22: a single NaN pixel in the data was reported at step 17 as a divergence, with the hint
"try a smaller learning rate or a gradient penalty"; the data was the cause.
"""

import warnings

import numpy as np
import pytest
import torch

from ganlib import pretrained
from ganlib.callbacks import Checkpoint
from ganlib.data import toy_2d
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import fit

pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread

QUIET = dict(device="cpu", progress=False)


def pair(shape=2):
    torch.manual_seed(0)
    return MLPGenerator(2, shape, hidden=8), MLPDiscriminator(shape, hidden=8)


def _params(m):
    return torch.cat([p.detach().flatten() for p in m.parameters()])


def test_one_nan_pixel_is_a_data_error_before_the_first_step():
    data = torch.rand(500, 1, 28, 28) * 2 - 1
    data[123, 0, 4, 5] = float("nan")
    G, D = pair((1, 28, 28))
    before = _params(G)
    with pytest.raises(ValueError, match=r"data holds NaN in 1 of 500 samples \(first: sample 123, 1 of its 784 "
                                         r"values\)\. The data, not the training, is the problem"):
        fit(G, D, data, steps=30, batch_size=16, **QUIET)
    assert torch.equal(_params(G), before)  # not a single step was taken


def test_inf_in_a_sampled_batch_is_a_data_error():
    def sampler(n, generator):
        x = toy_2d("ring", n, generator)
        x[0, 1] = float("inf")
        return x
    G, D = pair()
    with pytest.raises(ValueError, match="a batch from the sampler holds inf"):
        fit(G, D, sampler, steps=5, batch_size=8, **QUIET)


@pytest.mark.parametrize("kw, error, match", [
    (dict(every=0), ValueError, "every must be a positive whole number"),
    (dict(seed=-1), ValueError, "seed must be a whole number ≥ 0"),
    (dict(seed=1.5), ValueError, "seed must be a whole number ≥ 0"),
    (dict(lr_g=float("nan")), ValueError, "lr_g must be a finite number"),
    (dict(lr_d=-1e-3), ValueError, "lr_d must be ≥ 0"),
    (dict(labels=torch.tensor([0.5] * 64)), ValueError, "whole class numbers"),
    (dict(labels=torch.zeros(3, dtype=torch.long)), ValueError, "3 labels for 64"),
])
def test_fit_checks_its_budgets_before_training(tmp_path, monkeypatch, kw, error, match):
    monkeypatch.chdir(tmp_path)
    G, D = pair()
    with pytest.raises(error, match=match):
        fit(G, D, toy_2d("ring", 64), steps=3, batch_size=8, **QUIET, **kw)


def test_checkpoint_checks_its_interval():
    with pytest.raises(ValueError, match="checkpoint_every must be a positive"):
        Checkpoint("x.pt", every=0)


@pytest.mark.parametrize("old, new", [("max_seconds", "TimeLimit"), ("resume", "Checkpoint"),
                                      ("schedule", "Schedules")])
def test_a_setting_that_became_a_callback_says_which(old, new):
    G, D = pair()
    with pytest.raises(TypeError, match=rf"{old} is now a callback: fit\(\.\.\., callbacks=\[{new}\("):
        fit(G, D, toy_2d("ring", 64), steps=3, batch_size=8, **{old: 1}, **QUIET)


def test_an_array_is_not_silently_misread_as_data():
    G, D = pair()
    with pytest.raises(TypeError, match="torch.as_tensor"):
        fit(G, D, np.zeros((64, 2), np.float32), steps=3, batch_size=8, **QUIET)


def test_a_folder_is_not_a_checkpoint(tmp_path):
    G, D = pair()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        fit(G, D, toy_2d("ring", 64), steps=3, batch_size=8, callbacks=[Checkpoint(tmp_path)], **QUIET)


def test_a_model_file_is_never_overwritten_by_a_run(tmp_path):
    G, D = pair()
    model = pretrained.save(pretrained.load("dcgan-fashion-mnist"), tmp_path / "my_generator.pt")
    kept = model.read_bytes()
    for resume in (False, True):
        with pytest.raises(ValueError, match="is a model file .*not a training checkpoint"):
            fit(G, D, toy_2d("ring", 64), steps=3, batch_size=8, callbacks=[Checkpoint(model, resume=resume)],
                **QUIET)
    assert model.read_bytes() == kept


def test_starting_afresh_over_a_saved_run_warns(tmp_path):
    ck = tmp_path / "run.pt"
    G, D = pair()
    fit(G, D, toy_2d("ring", 64), steps=3, batch_size=8, callbacks=[Checkpoint(ck)], **QUIET)
    with pytest.warns(UserWarning, match="saved at step 3, but resume=False") as caught:
        fit(G, D, toy_2d("ring", 64), steps=2, batch_size=8, callbacks=[Checkpoint(ck)], **QUIET)
    assert caught[0].filename == __file__  # the warning points at the caller's fit line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(G, D, toy_2d("ring", 64), steps=4, batch_size=8, callbacks=[Checkpoint(ck, resume=True)], **QUIET)


def test_images_outside_minus_one_one_warn_before_training():
    G, D = pair((1, 28, 28))
    data = torch.randint(0, 256, (32, 1, 28, 28)).float()  # 0..255 pixels, never rescaled
    with pytest.warns(UserWarning, match=r"pixel values in \[0, 255\], outside \[-1, 1\].*x / 127.5 - 1"):
        fit(G, D, data, steps=1, batch_size=8, **QUIET)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(G, D, data / 127.5 - 1, steps=1, batch_size=8, **QUIET)
        fit(*pair(), toy_2d("grid", 64), steps=1, batch_size=8, **QUIET)  # points, not images: any range
