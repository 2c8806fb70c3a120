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
    for ex in ("nearest_distance", "memorisation_score", "energy_kwh", "release_plan", "release_cards"):
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
    _fails(nb06.check_energy_kwh, lambda w, s, p: w * s * p / 3.6 * 10**6, "3.6 × 10⁶")  # precedence


def _plan(**change):
    from ganlib.ethics.release import release_plan
    return lambda measured: {**release_plan(measured), **change}


def test_release_plan_accepts_every_defensible_choice():
    assert nb06.check_release_plan(_plan())
    assert nb06.check_release_plan(_plan(train_on=["d"]))          # stock only
    assert nb06.check_release_plan(_plan(train_on=["c"]))          # users' consented uploads only
    assert nb06.check_release_plan(_plan(gate_spaces=["shifted pixels"], gate_ratio=3.0))
    assert nb06.check_release_plan(lambda m: {**_plan()(m), "watermark_strength": 0.08})  # a margin is fine


def test_release_plan_rejects_indefensible_choices_with_the_measurement():
    _fails(nb06.check_release_plan, _plan(train_on=["b", "d"]), "scraped")
    _fails(nb06.check_release_plan, _plan(train_on=["a"]), "MIT licence")
    _fails(nb06.check_release_plan, _plan(train_on=[]), "non-empty")
    _fails(nb06.check_release_plan, _plan(gate_spaces=["features"]), "passes")
    _fails(nb06.check_release_plan, _plan(gate_ratio=0.5), "new real images fail")
    _fails(nb06.check_release_plan, _plan(watermark_strength=0.03), "found after noise")
    _fails(nb06.check_release_plan, _plan(model_card_privacy="a"), "not a guarantee")


def test_release_plan_feedback_quotes_the_notebooks_numbers_and_names_its_variants():
    with pytest.raises(AssertionError) as e:
        nb06.check_release_plan(_plan(watermark_strength=0.05))
    assert "notebook's own measurements" in str(e.value) and "58%" in str(e.value)
    measured = nb06._scenario(0, 0)
    assert [round(r["psnr"], 1) for r in measured["watermark"].values()] == [34.3, 29.9, 25.8]
    assert all(measured["memorisation"] == nb06._scenario(seed, 0)["memorisation"] == nb06.NOTEBOOK_MEMORISATION
               for seed in range(4))  # the notebook's numbers, unchanged by the grading seed
    assert all("variant" in nb06._scenario(0, v)["scenario"] for v in (1, 2))


def test_the_scenario_is_what_the_notebook_measured_for_seed_0():
    """The checker quotes 'the notebook's own measurements': they must be the recorded cpu run's (seed 0)."""
    import json
    from pathlib import Path

    runs = json.loads((Path(__file__).resolve().parent.parent / "data/claims/cpu.json").read_text())["runs"]
    got = {(c["claim"][:40], k): v for c in runs["06_ethics.ipynb seed 0"]["claims"]
           for k, v in c["numbers"].items()}

    def number(start, key):
        return next(v for (claim, k), v in got.items() if claim.startswith(start) and k == key)

    mem = nb06.NOTEBOOK_MEMORISATION
    new, dcgan, (noisy, moved) = mem[nb06.NEW_DATA], mem["shipped DCGAN"], (mem[c] for c in nb06.COPYCATS)
    for space, key in (("pixels", "pixels"), ("shifted pixels", "shifted_pixels"), ("features", "features")):
        assert new[space] == pytest.approx(number("new real images pass", key), abs=0.005)
        assert dcgan[space] == pytest.approx(number("the shipped DCGAN's samples pass", key), abs=0.005)
    assert noisy["pixels"] == pytest.approx(number("plain pixels catch the noisy", "noisy"), abs=0.005)
    assert moved["pixels"] == pytest.approx(number("plain pixels catch the noisy", "moved"), abs=0.005)
    assert moved["shifted pixels"] == pytest.approx(number("the shift-tolerant pixel", "moved"), abs=0.005)
    assert noisy["features"] == pytest.approx(number("a features-only gate", "noisy_copycat"), abs=0.005)
    assert moved["features"] == pytest.approx(number("a features-only gate", "shifted_copycat"), abs=0.005)
    psnr = number("stronger marks survive", "psnr")
    found = number("stronger marks survive", "detected_after_noise_01")
    for (p, d), p_run, d_run in zip(nb06.NOTEBOOK_WATERMARK.values(), psnr, found):
        assert p == pytest.approx(p_run, abs=0.005) and d == pytest.approx(d_run, abs=0.00005)


def test_release_cards_reference_passes_and_gaps_or_wrong_numbers_fail():
    from ganlib.ethics.release import release_cards

    assert nb06.check_release_cards(release_cards)

    def changed(card, field, value):
        def fn(measured, plan):
            cards = release_cards(measured, plan)
            cards[card][field] = value
            return cards
        return fn

    _fails(nb06.check_release_cards, changed("model card", "Intended use", ""), "incomplete")
    _fails(nb06.check_release_cards, changed("data card", "Not known", []), "incomplete")
    _fails(nb06.check_release_cards, changed("model card", "Memorisation ratios", {"pixels": 0.08}),
           "Memorisation ratios")
    _fails(nb06.check_release_cards, changed("model card", "Watermark", {"strength": 0.08, "psnr": 27.8,
                                                                       "detected": 0.9954}), "Watermark")
    _fails(nb06.check_release_cards, changed("model card", "Privacy", "The model is private."), "Privacy")
    _fails(nb06.check_release_cards, changed("model card", "Not measured", ["FID on a bigger set"]),
           "membership")
    _fails(nb06.check_release_cards, changed("data card", "Source", ["anything we found"]), "Source")
