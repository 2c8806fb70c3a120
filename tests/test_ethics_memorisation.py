import torch

from ganlib.ethics.memorisation import memorisation_report, memorisation_score, nearest_distance
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
