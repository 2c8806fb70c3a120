"""Notebook 07's checks accept ganlib's own functions and name each typical mistake."""

import pytest
import torch
import torch.nn.functional as F

from ganlib import checks
from ganlib.style.blocks import adain, modulated_conv2d
from ganlib.style.generator import truncate


def test_references_pass_and_are_registered():
    assert checks.check_adain(adain) and checks.check_modulated_conv2d(modulated_conv2d) and checks.check_truncate(truncate)
    for ex_id in ("adain", "modulated_conv2d", "truncate"):
        assert checks.EXERCISES[ex_id].notebook == "07_stylegan_in_miniature.ipynb"


def test_blank_is_not_done_yet(capsys):
    def blank(*a, **k):
        raise NotImplementedError()
    for check in (checks.check_adain, checks.check_modulated_conv2d, checks.check_truncate):
        assert check(blank).status == "not done"
    assert capsys.readouterr().out.count("not done yet") == 3


def _norm(x, dims, unbiased=False):
    return (x - x.mean(dims, keepdim=True)) / torch.sqrt(x.var(dims, keepdim=True, unbiased=unbiased) + 1e-5)


def _st(t):
    return t[:, :, None, None]


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, s, b: _st(s) * x + _st(b), "normalise first"),
    (lambda x, s, b: _st(s) * _norm(x, (0, 2, 3)) + _st(b), "batch norm"),
    (lambda x, s, b: _st(s) * _norm(x, (1, 2, 3)) + _st(b), "all channels together"),
    (lambda x, s, b: _st(s) * _norm(x, (2, 3), unbiased=True) + _st(b), "biased variance"),
    (lambda x, s, b: _st(b) * _norm(x, (2, 3)) + _st(s), "swapped"),
    (lambda x, s, b: _st(s) * (x - x.mean((2, 3), keepdim=True)) + _st(b), "divide by the standard deviation"),
    (lambda x, s, b: (1 + _st(s)) * _norm(x, (2, 3)) + _st(b), "not 1 \\+ scale"),
    (lambda x, s, b: _st(s) * _norm(x, (2, 3)), "bias is missing"),
    (lambda x, s, b: x[:, :1], "wrong shape"),
    (lambda x, s, b: 0.0, "must return a tensor"),
    (lambda x, s, b: _st(s) * _norm(x, (2, 3)) + _st(b) + 0.1, "wrong values"),
])
def test_adain_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_adain(wrong)


def _modulated(x, w, s):
    return torch.cat([F.conv2d(x[i:i + 1], w[None][0] * s[i][None, :, None, None], padding=w.shape[-1] // 2)
                      for i in range(len(x))])


def _demod_by(x, w, s, norm):
    ws = w[None] * s[:, None, :, None, None]
    return torch.cat([F.conv2d(x[i:i + 1], ws[i] / norm(ws, w)[i], padding=w.shape[-1] // 2) for i in range(len(x))])


def _unit(x, w, s, demodulate=True):
    return _demod_by(x, w, s, lambda ws, w: ws.square().sum((2, 3, 4), keepdim=True).sqrt())


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, w, s, demodulate=True: F.conv2d(x, w, padding=w.shape[-1] // 2), "style is missing"),
    (lambda x, w, s, demodulate=True: _modulated(x, w, s), "demodulate=True: divide"),
    (lambda x, w, s, demodulate=True: _unit(x, w, s) if demodulate else _modulated(x, w, s), None),
    (lambda x, w, s, demodulate=True: _unit(x, w, s), "demodulate=False: leave"),
    (lambda x, w, s, demodulate=True: _demod_by(
        x, w, s, lambda ws, w: w.square().sum((1, 2, 3), keepdim=True).sqrt()[None].expand(len(ws), -1, -1, -1, -1))
     if demodulate else _modulated(x, w, s), "not the weights alone"),
    (lambda x, w, s, demodulate=True: _demod_by(
        x, w, s, lambda ws, w: ws.square().sum((1, 2, 3, 4), keepdim=True).sqrt()) if demodulate
     else _modulated(x, w, s), "its own norm"),
    (lambda x, w, s, demodulate=True: _demod_by(
        x, w, s, lambda ws, w: 1 / ws.square().sum((2, 3, 4), keepdim=True).sqrt()) if demodulate
     else _modulated(x, w, s), "do not multiply"),
    (lambda x, w, s, demodulate=True: F.conv2d(x * s[:, :, None, None], w), "pad by kernel_size // 2"),
    (lambda x, w, s, demodulate=True: modulated_conv2d(x, w, s, demodulate) * 1.01, "wrong values"),
])
def test_modulated_conv2d_rejects_typical_mistakes(wrong, hint):
    if hint is None:  # the right answer written another way (weights modulated per image) passes
        assert checks.check_modulated_conv2d(wrong)
        return
    with pytest.raises(AssertionError, match=hint):
        checks.check_modulated_conv2d(wrong)


def test_modulated_conv2d_names_styles_on_the_outputs():
    def on_outputs(x, w, s, demodulate=True):
        if w.shape[0] != w.shape[1]:
            return modulated_conv2d(x, w, s, demodulate)
        return F.conv2d(x, w, padding=w.shape[-1] // 2) * s[:, :, None, None]
    with pytest.raises(AssertionError, match="not the outputs"):
        checks.check_modulated_conv2d(on_outputs)


@pytest.mark.parametrize("wrong, hint", [
    (lambda w, a, psi: psi * w, "toward 0"),
    (lambda w, a, psi: a + (1 - psi) * (w - a), "must leave w unchanged"),
    (lambda w, a, psi: torch.lerp(w, a.expand_as(w), psi), "must leave w unchanged"),
    (lambda w, a, psi: w.mean(0) + psi * (w - w.mean(0)), "running average"),
    (lambda w, a, psi: a + psi * w, "subtract w_avg"),
    (lambda w, a, psi: (a + psi * (w - a))[..., :4], "wrong shape"),
    (lambda w, a, psi: [1.0], "must return a tensor"),
])
def test_truncate_rejects_typical_mistakes(wrong, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.check_truncate(wrong)
