"""Checks for notebook 07's exercises: AdaIN, modulation with demodulation, and truncation in W."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganlib.style.blocks import adain, modulated_conv2d
from ganlib.style.generator import truncate

from . import exercise, feedback, type_name

NOTEBOOK = "07_stylegan_in_miniature.ipynb"


def _close(got, want, tol: float = 1e-4) -> bool:
    return (
        torch.is_tensor(got)
        and got.shape == want.shape
        and bool(torch.allclose(got.double(), want.double(), atol=tol, rtol=tol))
    )


def _tensor(got, want, what: str, given: str) -> None:
    """A tensor of the expected shape, or the feedback that says what came back instead."""
    if not torch.is_tensor(got):
        raise AssertionError(feedback(f"{what} must return a tensor", given=given,
                                      got=type_name(got)))
    if got.shape != want.shape:
        raise AssertionError(feedback(f"{what} returned the wrong shape", given=given,
                                      expected=tuple(want.shape), got=tuple(got.shape),
                                      hint="keep the input's shape: (N, C, H, W)"))
    if not torch.isfinite(got).all():
        raise AssertionError(feedback(f"{what} returned NaN or inf", given=given,
                                      hint="add eps inside the square root before dividing"))


def _wrong_values(got, want, given: str, expected: str, hint: str) -> AssertionError:
    """The feedback for a tensor of the right shape with wrong values: how far off, and the
    diagnosed hint."""
    err = float((got.double() - want.double()).abs().max())
    return AssertionError(feedback("wrong values", given=given, expected=expected,
                                   got=f"a tensor off by up to {err:.3g}", hint=hint))


def _first_match(got, candidates: list[tuple[torch.Tensor, str]], default: str) -> str:
    for value, hint in candidates:
        if _close(got, value):
            return hint
    return default


# ----------------------------------------------------------------------------- exercise 1: AdaIN

def _adain_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for n, c, side in ((2, 3, 4), (3, 5, 6)):
        x = torch.randn(n, c, side, side, generator=g) * (
            1 + 3 * torch.rand(n, c, 1, 1, generator=g)
        ) + 4 * torch.randn(
            n, c, 1, 1, generator=g
        )  # maps with their own means and spreads
        out.append(
            {
                "x": x,
                "scale": 0.5 + torch.rand(n, c, generator=g) * 2,
                "bias": torch.randn(n, c, generator=g),
                "given": f"x of shape {(n, c, side, side)} (each map with its own mean and "
                f"spread), scale and bias of shape {(n, c)}",
            }
        )
    return out


def _adain_run(fn, case):
    return fn(case["x"].clone(), case["scale"].clone(), case["bias"].clone())


def _normalised(x, dims, unbiased=False, centre=True, divide=True):
    mean = x.mean(dim=dims, keepdim=True)
    y = x - mean if centre else x
    return y / torch.sqrt(x.var(dim=dims, keepdim=True, unbiased=unbiased) + 1e-5) if divide else y


def _adain_judge(case, got) -> None:
    x, s, b, given = case["x"], case["scale"], case["bias"], case["given"]
    want = adain(x, s, b)
    _tensor(got, want, "adain", given)
    if _close(got, want):
        return
    S, B = s[:, :, None, None], b[:, :, None, None]
    hint = _first_match(got, [
        (S * x + B, "normalise first: subtract each map's mean and divide by its standard "
                    "deviation, then apply the style"),
        (S * _normalised(x, (0, 2, 3)) + B,
         "that is batch norm: take the mean and variance of each image's map on its "
                                            "own (over H and W: dim=(2, 3)), not over the batch"),
        (S * _normalised(x, (1, 2, 3)) + B,
         "that normalises all channels together: each feature map (channel) has "
                                            "its own mean and variance (dim=(2, 3))"),
        (S * _normalised(x, (2, 3), unbiased=True) + B,
         "use the biased variance (unbiased=False), as instance "
                                                        "normalisation does"),
        (B * _normalised(x, (2, 3)) + S,
         "scale and bias are swapped: the scale multiplies, the bias adds"),
        (S * _normalised(x, (2, 3), divide=False) + B,
         "divide by the standard deviation too, √(var + eps)"),
        (S * _normalised(x, (2, 3), centre=False) + B, "subtract each map's mean before dividing"),
        ((1 + S) * _normalised(x, (2, 3)) + B,
         "multiply by the scale itself, not 1 + scale (the affine map that "
                                               "makes it starts at 1)"),
        (S * _normalised(x, (2, 3)), "the bias is missing: add it after scaling"),
    ], "(x − mean) / √(var + eps) per image and map (dim=(2, 3), biased variance), times scale, "
       "plus bias")
    raise _wrong_values(got, want, given, "adain(x, scale, bias) of ganlib", hint)


check_adain = exercise("adain", notebook=NOTEBOOK, reference=adain,
                       title="Adaptive instance normalisation (AdaIN)",
                       cases=_adain_cases, run=_adain_run, judge=_adain_judge)


# --------------------------------------------------------------------------- exercise 2: modulation

def _mod_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for n, c_in, c_out, k, demod in ((2, 4, 4, 3, True), (3, 3, 5, 3, True), (2, 4, 2, 1, False),
                                     (2, 5, 5, 3, False)):
        out.append({"x": torch.randn(n, c_in, 6, 6, generator=g),
                    "weight": torch.randn(c_out, c_in, k, k, generator=g),
                    "styles": 0.2 + 2 * torch.rand(n, c_in, generator=g), "demodulate": demod,
                    "given": f"x {(n, c_in, 6, 6)}, weight {(c_out, c_in, k, k)}, styles "
                             f"{(n, c_in)}, demodulate={demod}"})
    return out


def _mod_run(fn, case):
    return fn(case["x"].clone(), case["weight"].clone(), case["styles"].clone(),
              demodulate=case["demodulate"])


def _per_image_conv(x, weights, pad):
    return torch.cat([F.conv2d(x[i:i + 1], weights[i], padding=pad) for i in range(len(x))])


def _mod_judge(case, got) -> None:
    x, w, s, demod, given = (
        case["x"],
        case["weight"],
        case["styles"],
        case["demodulate"],
        case["given"],
    )
    want = modulated_conv2d(x, w, s, demodulate=demod)
    if (
        torch.is_tensor(got)
        and got.dim() == 4
        and got.shape[:2] == want.shape[:2]
        and got.shape != want.shape
    ):
        raise AssertionError(feedback("the output has the wrong side", given=given,
                                      expected=tuple(want.shape), got=tuple(got.shape),
                                      hint="pad by kernel_size // 2 so the side stays the same"))
    _tensor(got, want, "modulated_conv2d", given)
    if _close(got, want):
        return
    pad = w.shape[-1] // 2
    # N × out × in × k × k: the modulated weights
    ws = w[None] * s[:, None, :, None, None]
    plain = F.conv2d(x, w, padding=pad)
    modulated = _per_image_conv(x, ws, pad)
    norm_ws = ws.square().sum(dim=(2, 3, 4), keepdim=True).sqrt()
    candidates = [(plain, "the style is missing: multiply each input map's weights by that map's "
                          "style, s_i · w_ijk")]
    if demod:
        candidates += [
            (modulated,
             "demodulate=True: divide each output map by the norm of its modulated weights, "
                        "√(Σ_i,k (s_i·w_ijk)² + eps)"),
            (_per_image_conv(x, ws / w.square().sum(dim=(1, 2, 3), keepdim=True).sqrt()[None], pad),
             "demodulate with the *modulated* weights s_i·w_ijk, not the weights alone"),
            (_per_image_conv(x, ws / ws.square().sum(dim=(1, 2, 3, 4), keepdim=True).sqrt(), pad),
             "each output map has its own norm: sum over the input maps and the kernel only"),
            (_per_image_conv(x, ws * norm_ws, pad), "divide by the norm, do not multiply"),
            (_per_image_conv(x, ws / norm_ws.square(), pad),
             "divide by the norm itself, √(Σ (s·w)²), not its square"),
        ]
    else:
        candidates += [(_per_image_conv(x, ws / norm_ws, pad),
                        "demodulate=False: leave the modulated weights as they are (no division by "
                        "their norm)")]
    if w.shape[0] == w.shape[1]:
        so = w[None] * s[:, :, None, None, None]
        candidates += [(_per_image_conv(x, so, pad),
                        "the style scales the *input* maps (the weight's second "
                                                     "axis, in_channels), not the outputs")]
    hint = _first_match(got, candidates, "modulate: w'_ijk = s_i·w_ijk (i: input map); demodulate: "
                                         "divide output map j by √(Σ_i,k w'_ijk² + eps); then a "
                                         "convolution per image")
    raise _wrong_values(got, want, given, "modulated_conv2d(...) of ganlib", hint)


check_modulated_conv2d = exercise("modulated_conv2d", notebook=NOTEBOOK, reference=modulated_conv2d,
                                  title="Weight modulation and demodulation (StyleGAN2)",
                                  cases=_mod_cases, run=_mod_run, judge=_mod_judge)


# --------------------------------------------------------------------------- exercise 3: truncation

def _trunc_cases(seed: int) -> list[dict]:
    g = torch.Generator().manual_seed(seed)
    w_avg = torch.randn(8, generator=g) + 2
    return [{"w": torch.randn(5, 8, generator=g) * 2, "w_avg": w_avg, "psi": psi,
             "given": f"w of shape (5, 8), w_avg of shape (8,) (far from 0), psi={psi}"}
            for psi in (0.5, 0.0, 0.7)] + \
        [{"w": torch.randn(4, 6, 8, generator=g), "w_avg": w_avg, "psi": 1.5,
          "given": "ws of shape (4, 6, 8) (one w per layer), w_avg of shape (8,), psi=1.5"}]


def _trunc_run(fn, case):
    return fn(case["w"].clone(), case["w_avg"].clone(), case["psi"])


def _trunc_judge(case, got) -> None:
    w, avg, psi, given = case["w"], case["w_avg"], case["psi"], case["given"]
    want = truncate(w, avg, psi)
    if not torch.is_tensor(got):
        raise AssertionError(feedback("truncate must return a tensor", given=given,
                                      got=type_name(got)))
    if got.shape != want.shape:
        raise AssertionError(feedback("wrong shape", given=given, expected=tuple(want.shape),
                                      got=tuple(got.shape), hint="w_avg (w_dim,) broadcasts "
                                                                 "against w's last axis: no "
                                                                 "reshaping needed"))
    if _close(got, want, 1e-5):
        return
    mean = w.mean(dim=0)
    hint = _first_match(got, [
        (psi * w, "that scales w toward 0 (the trick in Z); in W, move toward the average: w_avg + "
                  "ψ·(w − w_avg)"),
        (avg + (1 - psi) * (w - avg),
         "ψ = 1 must leave w unchanged and ψ = 0 give w_avg: w_avg + ψ·(w − w_avg)"),
        (mean + psi * (w - mean),
         "use the running average w_avg you are given, not this batch's mean"),
        (avg + psi * w, "subtract w_avg before scaling: w_avg + ψ·(w − w_avg)"),
    ], "w_avg + ψ·(w − w_avg)")
    raise _wrong_values(got, want, given, "w_avg + ψ·(w − w_avg)", hint)


check_truncate = exercise("truncate", notebook=NOTEBOOK, reference=truncate,
                          title="The truncation trick in W", cases=_trunc_cases, run=_trunc_run,
                          judge=_trunc_judge)
