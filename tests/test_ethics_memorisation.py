import pytest
import torch

from ganlib.ethics.memorisation import (memorisation_report, memorisation_reports, memorisation_score,
                                         nearest_distance, plain_distance, shift, shift_tolerant_distance)
from ganlib.metrics import nearest_neighbours


def _brute(q, r):
    return (q.reshape(len(q), -1)[:, None] - r.reshape(len(r), -1)[None]).norm(dim=2)


def test_nearest_neighbours_match_brute_force_across_batches():
    g = torch.Generator().manual_seed(0)
    q, r = torch.randn(37, 1, 5, 5, generator=g), torch.randn(90, 1, 5, 5, generator=g)
    d, i = nearest_neighbours(q, r, k=3, batch_size=8, dtype=torch.float32)
    full = _brute(q, r)
    ref_d, ref_i = full.topk(3, dim=1, largest=False)
    assert torch.allclose(d, ref_d, atol=1e-4)
    assert torch.equal(i, ref_i)
    assert torch.allclose(nearest_distance(q, r), ref_d[:, 0], atol=1e-4)


def test_exact_copy_has_zero_distance_and_its_own_index():
    g = torch.Generator().manual_seed(1)
    r = torch.randn(20, 3, generator=g)
    d, i = nearest_neighbours(r[[4, 7]], r)
    assert d.max() < 1e-3 and i[:, 0].tolist() == [4, 7]


def test_score_counts_samples_below_test_quantile():
    test_d = torch.arange(1, 101).float()          # 5 % quantile = 5.95
    gen_d = torch.tensor([1.0, 5.0, 6.0, 50.0])
    assert memorisation_score(gen_d, test_d, 0.05) == 0.5


def test_copies_score_high_and_new_data_scores_near_quantile():
    g = torch.Generator().manual_seed(2)
    train = torch.randn(400, 16, generator=g)
    test = torch.randn(300, 16, generator=g)
    new = torch.randn(200, 16, generator=g)
    copies = train[:200] + 0.05 * torch.randn(200, 16, generator=g)
    rep_copy = memorisation_report(copies, test, train)
    rep_new = memorisation_report(new, test, train)
    assert rep_copy.score > 0.95 and rep_copy.ratio > 10
    assert rep_new.score < 0.15
    assert rep_copy.median_gen < rep_new.median_gen
    assert "score" in str(rep_copy)


def test_shift_moves_pixels_and_fills_black():
    x = torch.zeros(1, 1, 4, 4)
    x[0, 0, 1, 1] = 1.0
    y = shift(x, 1, 0)
    assert y[0, 0, 1, 2] == 1.0 and y[0, 0, :, 0].eq(-1).all() and shift(x, 0, 0) is x


def test_a_shifted_copy_is_far_in_pixels_but_found_by_the_shift_tolerant_distance():
    g = torch.Generator().manual_seed(3)
    train = torch.full((60, 1, 12, 12), -1.0)  # black background, like Fashion-MNIST
    train[..., 2:10, 2:10] = torch.rand(60, 1, 8, 8, generator=g) * 2 - 1
    moved = shift(train[:5], 1, -1)
    assert plain_distance(moved, train).min() > 1.0  # a one-pixel move is a big pixel distance ...
    assert shift_tolerant_distance(moved, train, candidates=8).max() < 1e-5  # ... undone by the search
    # the search agrees with a brute-force minimum over every shift and every training image
    brute = torch.stack([nearest_distance(shift(moved, dx, dy), train) for dx in (-1, 0, 1) for dy in (-1, 0, 1)])
    assert torch.allclose(shift_tolerant_distance(moved, train, candidates=60), brute.min(0).values, atol=1e-2)


def test_reports_for_several_sets_match_one_report_each():
    g = torch.Generator().manual_seed(4)
    train, test = torch.randn(100, 8, generator=g), torch.randn(80, 8, generator=g)
    sets = {"copies": train[:40] + 0.01, "new": torch.randn(40, 8, generator=g)}
    reps = memorisation_reports(sets, test, train, "pixels")
    assert reps["copies"] == memorisation_report(sets["copies"], test, train, "pixels")
    assert reps["copies"].ratio > 10 > reps["new"].ratio


def test_shift_tolerant_distance_checks_its_budgets():
    x = torch.zeros(2, 1, 8, 8)
    for kw, name in ((dict(max_shift=-1), "max_shift"), (dict(candidates=0), "candidates"), (dict(pool=0), "pool"),
                     (dict(batch_size=2.5), "batch_size")):
        with pytest.raises(ValueError, match=name):
            shift_tolerant_distance(x, x, **kw)
