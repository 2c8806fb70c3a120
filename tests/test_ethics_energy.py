import time

import pytest

from ganlib.ethics.energy import (REPORTED_RUNS, EnergyAssumptions, EnergyLog, assumptions_for, co2e_kg,
                           estimate_mwh, kwh)


def test_kwh_units():
    assert kwh(1000, 3600) == pytest.approx(1.0)
    assert kwh(700, 86_400, 1.1) == pytest.approx(700 * 24 * 1.1 / 1000)
    with pytest.raises(ValueError):
        kwh(10, 10, pue=0.5)


def test_co2e():
    assert co2e_kg(2.0, 500) == pytest.approx(1.0)


def test_log_times_runs_and_reports_assumptions():
    log = EnergyLog("cpu")
    with log.run("sleep"):
        time.sleep(0.02)
    log.add("checkpoint", 3600)
    a = EnergyAssumptions(watts=1000, pue=1.0, grid_g_per_kwh=100)
    rows = log.table(a)
    assert rows[0]["seconds"] >= 0.02
    assert rows[1]["kwh"] == pytest.approx(1.0) and rows[1]["g_co2e"] == pytest.approx(100)
    text = log.report(a)
    assert "1000 W" in text and "total" in text
    assert log.table(a.with_(pue=2.0))[1]["kwh"] == pytest.approx(2.0)


def test_assumptions_for_device():
    assert assumptions_for("cuda:0").pue > 1 and assumptions_for("cpu").pue == 1.0


def test_reported_runs_use_reported_figure_or_estimate():
    sg3, xl = REPORTED_RUNS
    assert estimate_mwh(sg3) == 225.0
    assert estimate_mwh(xl, pue=1.0, watts=300) == pytest.approx(400 * 24 * 300 / 1e6)
