"""Each broken run in the gallery shows its symptom in its diagnostic, and the fix removes it."""

import pytest

from ganlib.stability import gallery

pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: one torch thread


def test_missing_detach_leaks_gradient_into_g():
    assert gallery.detach_grad_leak(detach=False) > 0 and gallery.detach_grad_leak(detach=True) == 0


def test_sigmoid_before_logits_caps_the_detective():
    assert gallery.detective_alone(sigmoid=True, steps=60) < 0.7311
    assert gallery.detective_alone(sigmoid=False, steps=60) > 0.75


def test_tanh_vs_01_shows_black_as_grey_and_lr_too_high_wobbles():
    r = gallery.show("tanh_vs_01", steps=5)
    assert r["broken"] == pytest.approx(0.5) and r["fixed"] == pytest.approx(0.0)
    r = gallery.show("lr_too_high", steps=30)
    assert r["broken"] > 2 * r["fixed"]


def test_unknown_name_and_run_checks():
    with pytest.raises(ValueError, match="unknown broken run"):
        gallery.run_case("nope", False)
    rows = gallery.run_checks(["missing_detach", "data_range"], steps=5, progress=False)
    assert [r["check"] for r in rows] == ["missing_detach", "data_range"] and "broken" in rows[0]["result"]
