import pytest
import torch

from ganlib import checks
from ganlib.checks import nb06
from ganlib.ethics.energy import kwh
from ganlib.ethics.memorisation import memorisation_score, nearest_distance


def _fails(check, fn, words):
    with pytest.raises(AssertionError) as e:
        check(fn)
    assert words in str(e.value)


def test_registered():
    for ex in ("nearest_distance", "memorisation_score", "energy_kwh"):
        assert checks.EXERCISES[ex].notebook == "06_ethics.ipynb"


def test_references_pass():
    assert nb06.check_nearest_distance(nearest_distance)
    assert nb06.check_memorisation_score(memorisation_score)
    assert nb06.check_energy_kwh(kwh)


def test_not_done_yet():
    def blank(*a):
        raise NotImplementedError()
    assert nb06.check_energy_kwh(blank).status == "not done"


def test_nearest_distance_rejects_typical_mistakes():
    def squared(q, r):
        return nearest_distance(q, r) ** 2

    def farthest(q, r):
        return (q.flatten(1)[:, None] - r.flatten(1)[None]).norm(dim=2).max(1).values

    def no_min(q, r):
        return (q.flatten(1)[:, None] - r.flatten(1)[None]).norm(dim=2)

    _fails(nb06.check_nearest_distance, squared, "squared")
    _fails(nb06.check_nearest_distance, farthest, "farthest")
    _fails(nb06.check_nearest_distance, no_min, "shape")
    _fails(nb06.check_nearest_distance, lambda q, r: [0.0] * len(q), "torch tensor")


def test_memorisation_score_rejects_typical_mistakes():
    def wrong_way(g, t, q):
        return float((g >= torch.quantile(t, q)).float().mean())

    def count(g, t, q):
        return float((g < torch.quantile(t, q)).sum())

    def gen_quantile(g, t, q):
        return float((g < torch.quantile(g, q)).float().mean())

    _fails(nb06.check_memorisation_score, wrong_way, "wrong way")
    _fails(nb06.check_memorisation_score, count, "count")
    _fails(nb06.check_memorisation_score, gen_quantile, "test")
    _fails(nb06.check_memorisation_score, lambda g, t, q: 0.05, "differs")


def test_energy_rejects_typical_mistakes():
    _fails(nb06.check_energy_kwh, lambda w, s, p: w * s * p / 3600, "Wh")
    _fails(nb06.check_energy_kwh, lambda w, s, p: w * s * p, "joules")
    _fails(nb06.check_energy_kwh, lambda w, s, p: w * s / 3.6e6, "overhead")
    _fails(nb06.check_energy_kwh, lambda w, s, p: w * s * p / 3.6e3, "Wh")
