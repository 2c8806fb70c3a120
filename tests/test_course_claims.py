"""ganlib.course.claims.expect: a held claim prints one line; a false one stops the notebook with its numbers."""

import numpy as np
import pytest
import torch

from ganlib.course.claims import ClaimFailed, expect


def test_a_held_claim_prints_one_line_with_its_numbers(capsys):
    c = expect("the forger stalls", 1.98 > 1.5, distance=1.98123, d_fake=torch.tensor(0.00031))
    assert c and capsys.readouterr().out == "✓ the forger stalls (distance 1.981, d fake 0.00031)\n"


def test_a_false_claim_raises_with_the_claim_and_the_numbers():
    with pytest.raises(ClaimFailed, match=r"'every class is covered'.*smallest share 0\.02"):
        expect("every class is covered", np.float64(0.02) >= 0.05, smallest_share=0.02)


def test_only_skips_the_check_in_other_profiles(capsys, monkeypatch):
    from ganlib import config

    monkeypatch.setattr(config, "PROFILE", config.get_profile("ci"))
    c = expect("FID below 40", False, only=("cpu", "gpu"), fid=55.0)
    assert c and "not checked in the ci profile" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown profile 'laptop'"):
        expect("x", True, only=("laptop",))


def test_a_claim_needs_words():
    with pytest.raises(ValueError, match="sentence"):
        expect("", True)
