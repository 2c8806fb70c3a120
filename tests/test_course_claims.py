"""ganlib.course.claims.expect: a held claim prints one line; a false one stops the tests, and explains itself
to a learner."""

import json

import numpy as np
import pytest
import torch

from ganlib.course.claims import ClaimFailed, expect


def test_a_held_claim_prints_one_line_with_its_numbers(capsys):
    c = expect("the forger stalls", 1.98 > 1.5, distance=1.98123, d_fake=torch.tensor(0.00031))
    assert c and capsys.readouterr().out == "✓ the forger stalls (distance 1.981, d fake 0.00031)\n"


def test_a_false_claim_raises_with_the_claim_and_the_numbers_under_the_tests(monkeypatch):
    monkeypatch.setenv("GANLIB_STRICT_CLAIMS", "1")
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


def test_a_learners_run_explains_a_false_claim_and_goes_on(monkeypatch, capsys):
    monkeypatch.setenv("GANLIB_STRICT_CLAIMS", "0")
    c = expect("every class is covered", np.float64(0.02) >= 0.05, smallest_share=0.02)
    out = capsys.readouterr().out
    assert not c and c.status == "failed"
    assert "The text expected: every class is covered." in out and "This run measured: smallest share 0.02" in out
    assert "goes on" in out and "Change the text" not in out  # the maintainers' advice is not the learner's


def test_every_verdict_is_logged_when_asked(monkeypatch, tmp_path, capsys):
    from ganlib import config

    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv("GANLIB_CLAIMS_LOG", str(log))
    monkeypatch.setenv("GANLIB_STRICT_CLAIMS", "0")
    monkeypatch.setattr(config, "PROFILE", config.get_profile("ci"))
    expect("held", True, x=torch.tensor(0.5))
    expect("failed", False, xs=np.array([1.0, float("nan")]))
    expect("cpu only", True, only=("cpu",))
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["claim"], r["status"]) for r in rows] == [("held", "held"), ("failed", "failed"),
                                                         ("cpu only", "not checked")]
    assert rows[0]["numbers"] == {"x": 0.5} and rows[1]["numbers"] == {"xs": [1.0, "nan"]}


def test_the_strict_setting_is_read_plainly(monkeypatch):
    monkeypatch.setenv("GANLIB_STRICT_CLAIMS", "maybe")
    with pytest.raises(ValueError, match="GANLIB_STRICT_CLAIMS"):
        expect("x", False)
