import numpy as np
import pytest

from ganlib.data import mode_centers
from ganlib.metrics import mode_coverage


def test_perfect_ring_all_modes():
    c, _ = mode_centers("ring")
    r = mode_coverage(np.repeat(c, 10, axis=0), "ring")
    assert r["modes"] == 8 and r["high_quality"] == 1.0


def test_collapsed_and_off_mode_samples():
    c, std = mode_centers("grid")
    pts = np.concatenate([np.repeat(c[:3], 50, axis=0),           # 3 modes, exactly on them
                          c[3:4] + [[2.9 * std, 0]],              # just inside 3σ: counts
                          c[4:5] + [[3.1 * std, 0]],              # just outside: does not
                          np.full((48, 2), 1.0)])                 # between modes: low quality
    r = mode_coverage(pts, "grid")
    assert r["modes"] == 4
    assert r["high_quality"] == pytest.approx(151 / 200)


def test_bad_input():
    with pytest.raises(ValueError, match="N×2"):
        mode_coverage(np.zeros((5, 3)), "ring")
    with pytest.raises(ValueError, match="NaN"):
        mode_coverage(np.full((5, 2), np.nan), "ring")
    with pytest.raises(ValueError, match="ring, grid"):
        mode_coverage(np.zeros((5, 2)), "moons")
