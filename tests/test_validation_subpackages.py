"""Bad input to the course's subpackages gives a clear error, not a silent wrong answer (NaN, inf, a crash deep down)."""

import math

import numpy as np
import pytest
import torch

from ganlib.evaluation import corruptions
from ganlib.game import theory
from ganlib.viz import image_grid

IMAGES = torch.zeros(4, 1, 28, 28)


@pytest.mark.parametrize("bad", [math.nan, -0.1, math.inf, "0.1"])
def test_noise_and_blur_refuse_a_bad_strength(bad):
    for fn in (corruptions.add_noise, corruptions.blur):
        with pytest.raises(ValueError, match="must be"):
            fn(IMAGES, bad)


def test_noise_and_blur_still_work():
    assert torch.isfinite(corruptions.add_noise(IMAGES, 0.2)).all()
    assert corruptions.blur(IMAGES, 0.0).equal(IMAGES)


@pytest.mark.parametrize("nrow", [0, -1, 2.5])
def test_image_grid_refuses_a_bad_row_length(nrow):
    with pytest.raises(ValueError, match="nrow"):
        image_grid(IMAGES, nrow=nrow)


def test_image_grid_refuses_an_empty_batch():
    with pytest.raises(ValueError, match="empty"):
        image_grid(IMAGES[:0])


def test_kl_refuses_what_is_not_a_density():
    xs = theory.grid(-1, 1, 5)
    p = np.full(5, 0.5)
    assert theory.kl(p, p, xs) == 0.0
    with pytest.raises(ValueError, match="densities"):
        theory.kl(p - 0.6, p, xs)  # negative "density": rel_entr would say inf, as if q missed p's mass
    with pytest.raises(ValueError, match="densities"):
        theory.kl(p, np.full(5, np.nan), xs)
    with pytest.raises(ValueError, match="same shape"):
        theory.kl(p, p[:4], xs)
