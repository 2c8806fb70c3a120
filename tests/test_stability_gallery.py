"""Each broken run in the gallery shows its symptom in its diagnostic, and the fix removes it."""

import pytest
import torch

from ganlib.stability import gallery

pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def test_missing_detach_leaks_gradient_into_g():
    assert gallery.detach_grad_leak(detach=False) > 0 and gallery.detach_grad_leak(detach=True) == 0


def test_sigmoid_before_logits_caps_the_detective():
    assert gallery.detective_alone(sigmoid=True, steps=60) < 0.7311
    assert gallery.detective_alone(sigmoid=False, steps=60) > 0.75


def test_tanh_vs_01_reports_the_runs_own_range_and_lr_too_high_wobbles():
    r = gallery.show("tanh_vs_01", steps=5)
    lo_data = r["also"]["lowest value in the data"]
    assert lo_data[0] >= 0 and lo_data[1] < -0.9  # [0, 1] data vs [-1, 1] data
    run = r["runs"]["broken"]
    with torch.no_grad():
        fake = run["G"](torch.randn(2_000, 2, generator=torch.Generator().manual_seed(7)))
    assert r["broken"] == pytest.approx(float(fake.min()))  # the forger's own lowest value, not a constant
    assert -1 <= r["broken"] <= r["also"]["highest value the forger draws"][0] <= 1
    r = gallery.show("lr_too_high", steps=30)
    assert r["broken"] > 2 * r["fixed"]
    assert "mean step-to-step change" in r["symptom"] and "std of D's loss, second half" in r["also"]


def test_strong_detective_reports_gs_gradient():
    r = gallery.show("strong_detective", steps=8)
    assert "G's gradient" in r["symptom"] and r["broken"] > 0 and r["fixed"] > 0
    assert len(r["also"]["mean D(G(z)), last quarter"]) == 2


def test_unknown_name_and_run_checks_on_the_startups_gan():
    with pytest.raises(ValueError, match="unknown broken run"):
        gallery.run_case("nope", False)
    suspect = gallery.startup_gan(steps=5)
    order = ["missing_detach", "sigmoid_then_logits", "strong_detective", "data_range"]
    rows = gallery.run_checks(order, suspect)
    assert [r["check"] for r in rows] == order
    by = {r["check"]: r for r in rows}
    assert not by["missing_detach"]["problem"] and by["sigmoid_then_logits"]["problem"]
    assert not by["strong_detective"]["trusted"]  # after a code bug was found, balance checks are distorted
    fixed = gallery.startup_gan(steps=5, fix=["sigmoid_then_logits"])
    assert not gallery.run_checks(["sigmoid_then_logits"], fixed)[0]["problem"]


def test_debug_rounds_fix_what_the_checks_find():
    rounds = gallery.debug_rounds(gallery.recommended_order(), steps=5, rounds=3)
    assert rounds[0]["fixed"] == [] and "sigmoid_then_logits" in rounds[1]["fixed"]
    assert all({"modes", "high_quality"} <= set(r["coverage"]) for r in rounds)


def test_strong_detective_check_uses_notebook_02s_rule():
    suspect = gallery.startup_gan(steps=4, fix=["sigmoid_then_logits"])
    n = len(suspect.history)
    suspect.history.d_real[:], suspect.history.d_fake[:] = [0.674] * n, [0.326] * n  # healthy by the rule
    row = gallery.run_checks(["strong_detective"], suspect, progress=False)[0]
    assert not row["problem"] and "healthy" in row["finding"]
    suspect.history.d_real[:], suspect.history.d_fake[:] = [0.99] * n, [0.01] * n  # D(G(z)) pinned below 0.05
    row = gallery.run_checks(["strong_detective"], suspect, progress=False)[0]
    assert row["problem"] and "wins outright" in row["finding"]


def test_debug_rounds_report_the_balance():
    rounds = gallery.debug_rounds(gallery.recommended_order(), steps=4, rounds=2, progress=False)
    assert all(0 <= r["balance"]["d_fake"] <= 1 and 0 <= r["balance"]["d_real"] <= 1 for r in rounds)
