"""FID, KID, precision / recall, IS and FID∞ against pytorch-fid and sets with known answers."""

import numpy as np
import pytest
import torch

from ganlib import metrics
from ganlib.metrics import (feature_stats, fid_infinity, frechet_distance, frechet_distance_from_stats,
                            inception_score, kid, precision_recall)
from ganlib.metrics import density_coverage


def _feats(n, d, seed, shift=0.0, scale=1.0):
    rng = np.random.default_rng(seed)
    mix = np.eye(d) + 0.3 * np.random.default_rng(d).normal(size=(d, d))  # same shape of cloud per d
    return rng.normal(size=(n, d)) @ mix * scale + shift


@pytest.mark.parametrize("d,n", [(8, 100), (64, 300), (256, 600)])
def test_frechet_matches_pytorch_fid(d, n):
    from pytorch_fid.fid_score import calculate_frechet_distance

    a, b = _feats(n, d, 0), _feats(n, d, 1, shift=0.2, scale=1.3)
    ref = calculate_frechet_distance(*feature_stats(a), *feature_stats(b))
    assert abs(frechet_distance(a, b) - ref) <= 1e-6 * abs(ref)


def test_frechet_of_gaussians_closed_form_and_torch_input():
    # 1-D: (m1 - m2)² + (s1 - s2)²
    assert frechet_distance_from_stats([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1)
    a = _feats(200, 5, 2)
    assert frechet_distance(torch.from_numpy(a).float(), a) == pytest.approx(0.0, abs=1e-4)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)


def test_frechet_errors_are_clear():
    with pytest.raises(ValueError, match="at least 11 samples"):
        frechet_distance(np.ones((5, 10)), np.ones((50, 10)))
    bad = _feats(50, 4, 0)
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        frechet_distance(bad, _feats(50, 4, 1))
    with pytest.raises(ValueError, match="dimensions"):
        frechet_distance(_feats(50, 4, 0), _feats(50, 5, 1))
    with pytest.raises(ValueError, match="2-D"):
        frechet_distance(np.ones(10), np.ones(10))


def test_kid_same_distribution_near_zero_and_shift_positive():
    a, b = _feats(400, 16, 0), _feats(400, 16, 1)
    same, std = kid(a, b, subsets=20, subset_size=200)
    far, _ = kid(a, _feats(400, 16, 2, shift=1.0), subsets=20, subset_size=200)
    assert abs(same) < 3 * std + 1e-3  # unbiased: centred on 0
    assert far > 50 * max(abs(same), 1e-3)
    assert kid(a, b, subsets=5, subset_size=100) == kid(a, b, subsets=5, subset_size=100)  # seeded


def test_kid_matches_direct_formula_and_caps_subset_size():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) + 0.5
    k = lambda u, v: (u @ v / 3 + 1) ** 3  # noqa: E731
    m = 6
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    with pytest.warns(UserWarning, match="subset_size=6"):
        mean, std = kid(x, y, subsets=3, subset_size=1000)
    assert mean == pytest.approx(xx + yy - 2 * xy) and std == pytest.approx(0.0, abs=1e-12)


def test_precision_recall_known_answers():
    a = _feats(300, 8, 0)
    assert precision_recall(a, a.copy()) == (1.0, 1.0)
    assert precision_recall(a, a + 1e3) == (0.0, 0.0)
    # fakes copying one of two far-apart clusters of reals: all realistic, half the reals covered
    real = np.concatenate([_feats(200, 2, 1), _feats(200, 2, 2, shift=50.0)])
    assert precision_recall(real, real[:200]) == (1.0, 0.5)


def test_density_coverage_by_hand():
    # reals 0, 1, 2, 10 on a line. k = 1: radii 1, 1, 1, 8. Fake 0.5 lies in the balls of 0 and 1,
    # fake 5 in the ball of 10, fake 20 in none: density (2 + 1 + 0) / (1·3) = 1, coverage 3 of 4 balls.
    real, fake = np.array([[0.0], [1.0], [2.0], [10.0]]), np.array([[0.5], [5.0], [20.0]])
    assert density_coverage(real, fake, k=1) == pytest.approx((1.0, 0.75))
    # k = 2: radii 2, 1, 2, 9. Fake 0.5 lies in the balls of 0, 1 and 2, fake 5 in that of 10: 4 / (2·3), all 4 covered
    assert density_coverage(real, fake, k=2) == pytest.approx((4 / 6, 1.0))
    a = _feats(300, 8, 0)
    assert density_coverage(a, a + 1e3) == (0.0, 0.0)
    assert density_coverage(a, a.copy())[1] == 1.0


def test_knn_radius_excludes_the_point_itself():
    x = np.array([[0.0], [1.0], [3.0], [7.0]])
    assert metrics.knn_radii(x, k=1).tolist() == [1.0, 1.0, 2.0, 4.0]
    assert metrics.knn_radii(x, k=3).tolist() == [7.0, 6.0, 4.0, 7.0]


def test_inception_score_extremes():
    confident_uniform = np.eye(10)[np.arange(1000) % 10]
    assert inception_score(confident_uniform, splits=5)[0] == pytest.approx(10.0)
    assert inception_score(np.full((100, 10), 0.1), splits=2)[0] == pytest.approx(1.0)
    one_class = np.eye(10)[np.zeros(100, dtype=int)]
    assert inception_score(one_class, splits=1)[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="softmax"):
        inception_score(np.ones((10, 3)))


def test_fid_infinity_intercept_of_an_exact_line():
    real = _feats(2000, 4, 0)
    fake = _feats(1500, 4, 1, shift=0.5)
    res = fid_infinity(real, fake, ns=[300, 600, 900, 1200, 1500])
    assert len(res.fids) == 5 and res.slope > 0  # FID_N shrinks as N grows
    assert res.value < res.fids[-1]
    assert res.value == pytest.approx(np.polyfit(1 / res.ns, res.fids, 1)[1])
    with pytest.raises(ValueError, match="sample sizes"):
        fid_infinity(real, fake, ns=[3, 100])


def test_check_images_errors():
    from ganlib.validate import check_images

    ok = torch.zeros(4, 1, 28, 28)
    assert check_images(ok) is not None
    with pytest.raises(ValueError, match="shape"):
        check_images(torch.zeros(4, 28, 28))
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        check_images(ok + 2)


def test_nearest_neighbours_can_skip_each_row_itself():
    x = torch.tensor([[0.0], [1.0], [3.0], [7.0]])
    d, i = metrics.nearest_neighbours(x, x, k=1, exclude_self=True, batch_size=3)
    assert d[:, 0].tolist() == [1.0, 1.0, 2.0, 4.0] and i[:, 0].tolist() == [1, 0, 1, 2]
    with pytest.raises(ValueError, match="k must be in 1..3"):
        metrics.nearest_neighbours(x, x, k=4, exclude_self=True)


def test_ranking_auc_counts_ties_half_and_rejects_empty_sides():
    from ganlib.metrics import ranking_auc

    assert ranking_auc(torch.tensor([3.0, 4.0]), torch.tensor([1.0, 2.0])) == 1.0
    assert ranking_auc(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])) == 0.0
    assert ranking_auc(torch.tensor([1.0, 3.0]), torch.tensor([1.0, 2.0])) == 0.625  # (0.5+0+1+1)/4
    with pytest.raises(ValueError, match="at least one score"):
        ranking_auc(torch.tensor([]), torch.tensor([1.0]))
