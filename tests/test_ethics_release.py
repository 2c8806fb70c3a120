"""The release gate and the course's release plan follow the measurements they are given."""

from ganlib.checks.nb06 import _scenario
from ganlib.ethics.release import COPYCATS, NEW_DATA, passes_gate, release_plan


def test_gate_passes_only_when_every_chosen_space_is_under_the_limit():
    ratios = {"pixels": 0.5, "features": 3.0}
    assert passes_gate(ratios, ["pixels"], 2.0) and not passes_gate(ratios, ["pixels", "features"], 2.0)


def test_course_plan_blocks_both_copycats_and_passes_new_data():
    for variant in range(3):
        measured = _scenario(0, variant)
        plan = release_plan(measured)
        mem = measured["memorisation"]
        assert passes_gate(mem[NEW_DATA], plan["gate_spaces"], plan["gate_ratio"])
        assert not any(passes_gate(mem[c], plan["gate_spaces"], plan["gate_ratio"]) for c in COPYCATS)
        assert plan["train_on"] == ["c", "d"] and plan["model_card_privacy"] == "b"


def test_plan_takes_the_weakest_watermark_that_survives_noise():
    measured = _scenario(0, 2)  # detection after noise: 0.01, 0.31, 0.96
    assert release_plan(measured)["watermark_strength"] == 0.08
    assert release_plan(_scenario(0, 1))["watermark_strength"] == 0.03  # all found: 0.97, 1, 1
