"""The metric's own pipeline (clean-fid): resizing both sets, JPEG, FID's sample-size curve, truncation."""

import numpy as np
import pytest
import torch

from ganlib.evaluation import pipeline, sample_size, truncation


def _images(n=6, seed=0):
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_resize_through_keeps_size_and_antialiasing_removes_more_detail():
    x = _images()
    alias, anti = pipeline.resize_through(x, 14, False), pipeline.resize_through(x, 14, True)
    assert alias.shape == anti.shape == x.shape and alias.abs().max() <= 1
    assert anti.std() < alias.std() < x.std()  # the filter smooths the random pixels more than point sampling


def test_pipeline_fids_zero_through_one_pipeline_and_positive_through_two():
    x = _images(300, 1)
    feats = lambda im: torch.nn.functional.avg_pool2d(im, 4).flatten(1)[:, ::4]  # noqa: E731  (13 features)
    rows = pipeline.pipeline_fids(feats, x, x.clone(), 14)
    same = [v for k, v in rows.items() if k.startswith("same")]
    different = [v for k, v in rows.items() if k.startswith("different")]
    assert len(same) == 3 and len(different) == 2
    assert max(same) < 1e-6 < min(different)  # one set against itself: only a pipeline mismatch moves FID


def test_jpeg_round_trip_loses_more_at_low_quality():
    x = _images()
    err = {q: (pipeline.jpeg(x, q) - x).abs().mean().item() for q in (95, 30)}
    assert pipeline.jpeg(x, 95).shape == x.shape and 0 < err[95] < err[30]


def test_fid_curve_falls_with_n_and_its_fit_passes_near_the_points():
    g = np.random.default_rng(0)
    real, fake = g.normal(size=(2_000, 4)), g.normal(size=(1_000, 4)) + 0.3
    c = sample_size.fid_curve(real, fake, [50, 100, 200, 500], repeats=8)
    assert c.mean[0] > c.mean[-1] and c.sd[0] > c.sd[-1]  # bias and variance both fall with N
    assert c.value < c.mean.min() and c.value_se > 0
    assert np.abs(c.value + c.slope / c.ns - c.mean).max() < 3 * c.sd.max()  # the line runs through the points
    with pytest.raises(ValueError, match="at least two sample sizes"):
        sample_size.fid_curve(real, fake, [2_000, 3_000])
    with pytest.raises(ValueError, match="repeats"):
        sample_size.fid_curve(real, fake, [50, 100], repeats=1)


def test_truncated_noise_redraws_the_tails_and_z_is_never_near_zero():
    z = truncation.truncated_noise(2_000, 8, 1.0, torch.Generator().manual_seed(0))
    assert z.abs().max() <= 1.0 and z.std() > 0.45  # not clamped (a clamp piles values at ±1), not scaled
    assert (z.abs() > 0.99).float().mean() < 0.02
    assert truncation.norms(torch.randn(1_000, 64)).min() > 3
