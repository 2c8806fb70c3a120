"""The DCGAN recipes: the fast recipe's step budgets; the shipped generators are what their recipes make and
measure what the manifest says."""

import pytest

from ganlib import pretrained
from ganlib.classifier import judge
from ganlib.course.recipes import GAN_RECIPES
from ganlib.dcgan import FAST_STEPS

GENERATORS = ("dcgan-fashion-mnist", "cdcgan-fashion-mnist")


def test_fast_recipe_budgets_grow_with_the_profile():
    """The step budgets only: a speed is no test (the machine may be busy or slow; 30 to 170 ms a step measured)."""
    assert 0 < FAST_STEPS["ci"] < FAST_STEPS["cpu"] <= FAST_STEPS["gpu"]


@pytest.mark.parametrize("name", GENERATORS)
def test_shipped_generators_are_their_full_recipes_and_meet_their_targets(name):
    """Full repeatable runs of their recipes, under 45 minutes and 5 MB; FID (5,000 samples, classifier features)
    unconditional ≤ 5 with every class 7–13% of samples, conditional ≤ 3 with the classifier agreeing with the asked
    class on ≥ 95% of samples."""
    entry = pretrained.manifest()[name]
    m = entry["metrics"]
    assert m["steps"] == GAN_RECIPES[name]["steps"] and not m["stopped_by_time"]
    assert "--max-seconds" not in entry["command"]
    assert entry["wall_time_s"] <= 45 * 60 and entry["bytes"] <= 5_000_000 and m["fid_samples"] == 5000
    assert pretrained.load(name).config["width"] == GAN_RECIPES[name]["g_width"]
    if name == "dcgan-fashion-mnist":
        assert m["fid_classifier"] <= 5  # the fast recipe's 4,000 steps gave 16.1
        assert len(m["class_coverage"]) == 10 and all(0.07 <= f <= 0.13 for f in m["class_coverage"].values())
    else:
        assert m["fid_classifier"] <= 3 and m["asked_class_accuracy"] >= 0.95


@pytest.mark.parametrize("name", GENERATORS)
def test_shipped_generator_measures_what_the_manifest_says(name, one_thread):
    m = pretrained.manifest()[name]["metrics"]
    got = judge(pretrained.load(name), n=m["fid_samples"])
    assert got["fid_classifier"] == pytest.approx(m["fid_classifier"], abs=0.01)
    for c, share in got["class_coverage"].items():
        assert share == pytest.approx(m["class_coverage"][c], abs=1e-3)
    if "asked_class_accuracy" in m:
        assert got["asked_class_accuracy"] == pytest.approx(m["asked_class_accuracy"], abs=1e-3)


def test_readme_quotes_the_shipped_generators_figures():
    """README's 'Shipped models' line gives the manifest's figures, rounded as printed (no stale number after a remake)."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    entries = pretrained.manifest()
    dcgan, cdcgan = (entries[name] for name in GENERATORS)
    assert f"FID {dcgan['metrics']['fid_classifier']:.1f} in the classifier's features" in readme
    assert f"{dcgan['wall_time_s'] / 60:.0f} minutes on one CPU thread" in readme
    m = cdcgan["metrics"]
    assert f"FID {m['fid_classifier']:.1f}, drawing the asked class {100 * m['asked_class_accuracy']:.1f}%" in readme
    assert f"{cdcgan['wall_time_s'] / 60:.0f} minutes)" in readme
