"""Checks for notebook 03's exercises: the transposed-convolution size formula and DCGAN's weight init."""

from __future__ import annotations

import torch
from torch import nn

from ganlib.dcgan import conv_transpose_size, dcgan_init

from . import exercise, feedback, type_name

_CASES = ((7, 4, 2, 1), (1, 4, 1, 0), (5, 5, 2, 2), (14, 3, 1, 1), (4, 4, 2, 1), (3, 3, 3, 0))


# ----------------------------------------------------------------------------- exercise 1

def _size_cases(seed: int) -> list[dict]:
    return [{"args": list(c)} for c in _CASES]


def _size_judge(case, got) -> None:
    size, k, s, p = case["args"]
    want = conv_transpose_size(size, k, s, p)
    if got == want and not isinstance(got, bool):
        return
    given = f"size={size}, kernel={k}, stride={s}, padding={p}"
    if not isinstance(got, (int, float)) or isinstance(got, bool):
        raise AssertionError(feedback("return the output size as one whole number", given=given,
                                      expected=want, got=type_name(got)))
    hint = "(size − 1)·stride − 2·padding + kernel"
    if got == size * s:
        hint = "size·stride is only right for some kernels and paddings: count the kernel's overhang"
    elif got == (size - 1) * s + k:
        hint = "padding crops the output on both sides: subtract 2·padding"
    elif got == (size - 1) * s - p + k:
        hint = "padding is taken off both sides: 2·padding"
    elif got == (size + 2 * p - k) // s + 1:
        hint = "that is the formula of an ordinary (down-sampling) convolution; invert it"
    raise AssertionError(feedback("wrong output size", given=given, expected=want, got=got, hint=hint))


check_transposed_conv_size = exercise(
    "transposed_conv_size", notebook="03_dcgan.ipynb", reference=conv_transpose_size,
    title="Output size of a transposed convolution", cases=_size_cases, judge=_size_judge)


# ----------------------------------------------------------------------------- exercise 2

def _probe_model() -> nn.Module:
    """Every layer kind DCGAN initialises, each large enough to read its weights' mean and spread."""
    return nn.ModuleDict({
        "project": nn.Linear(64, 1568, bias=False), "project_norm": nn.BatchNorm1d(1568),
        "up": nn.ConvTranspose2d(64, 32, 4, 2, 1, bias=False), "up_norm": nn.BatchNorm2d(512),
        "to_image": nn.ConvTranspose2d(32, 1, 4, 2, 1), "down": nn.Conv2d(32, 64, 4, 2, 1),
        "logit": nn.Linear(3136, 1), "embed": nn.Embedding(10, 256)})


def _init_cases(seed: int) -> list[dict]:
    return [{"seed": seed}]


def _init_run(fn, case):
    torch.manual_seed(case["seed"])
    model = _probe_model()  # PyTorch's default init: only the learner's init can change it
    fn(model)
    return {name: {"kind": type(m).__name__, "weight": m.weight.detach(),
                   "bias": None if getattr(m, "bias", None) is None else m.bias.detach()}
            for name, m in model.items()}


def _init_judge(case, got) -> None:
    if not isinstance(got, dict) or set(got) != set(_probe_model()):
        raise AssertionError(feedback("the model's layers changed", got=type_name(got),
                                      hint="initialise the layers in place; do not add or remove any"))
    for name, layer in got.items():
        kind, w = layer["kind"], layer["weight"].double()
        mean, std = float(w.mean()), float(w.std())
        if kind.startswith("BatchNorm"):
            if not (abs(mean - 1) < 0.01 and 0.01 < std < 0.03):
                hint = "batch-norm scales ~ N(1, 0.02): nn.init.normal_(m.weight, 1.0, 0.02)"
                if std == 0:
                    hint = "you left batch norm at its default (all ones): DCGAN draws its scales from N(1, 0.02)"
                elif abs(mean) < 0.1:
                    hint = "batch-norm scales are centred on 1, not 0 (a zero scale switches the layer off)"
                raise AssertionError(feedback(f"{kind} {name!r}: scales are not N(1, 0.02)",
                                              expected="mean ≈ 1, std ≈ 0.02",
                                              got=f"mean {mean:.4f}, std {std:.4f}", hint=hint))
        elif not (abs(mean) < 0.003 and 0.015 < std < 0.025):
            hint = "nn.init.normal_(m.weight, mean=0.0, std=0.02) for every conv, linear and embedding layer"
            if std > 0.5:
                hint = "the standard deviation is 0.02, not 1"
            elif abs(mean) > 0.5:
                hint = "the mean is 0 for conv weights (1 is for batch-norm scales)"
            raise AssertionError(feedback(f"{kind} {name!r}: weights are not N(0, 0.02)",
                                          expected="mean ≈ 0, std ≈ 0.02",
                                          got=f"mean {mean:.4f}, std {std:.4f}", hint=hint))
        if layer["bias"] is not None and float(layer["bias"].abs().max()) > 0:
            raise AssertionError(feedback(f"{kind} {name!r}: biases (and batch-norm shifts) should start at 0",
                                          got=f"max |bias| {float(layer['bias'].abs().max()):.4f}",
                                          hint="nn.init.zeros_(m.bias) when the layer has one"))


check_dcgan_weight_init = exercise(
    "dcgan_weight_init", notebook="03_dcgan.ipynb", reference=dcgan_init,
    title="DCGAN's N(0, 0.02) weight initialisation", cases=_init_cases, run=_init_run, judge=_init_judge)
