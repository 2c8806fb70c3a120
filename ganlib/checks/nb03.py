"""Checks for notebook 03's exercises: the transposed-convolution size formula and DCGAN's weight init."""

from __future__ import annotations

import torch
from torch import nn

from ganlib.dcgan import DCGANDiscriminator, DCGANGenerator, conv_transpose_size, dcgan_init

from . import exercise, feedback

_CASES = ((7, 4, 2, 1), (1, 4, 1, 0), (5, 5, 2, 2), (14, 3, 1, 1), (4, 4, 2, 1), (3, 3, 3, 0))


@exercise("transposed_conv_size", notebook="03_dcgan.ipynb", reference=conv_transpose_size,
          title="Output size of a transposed convolution")
def check_transposed_conv_size(fn):
    for size, k, s, p in _CASES:
        got, want = fn(size, k, s, p), conv_transpose_size(size, k, s, p)
        if got != want:
            given = f"size={size}, kernel={k}, stride={s}, padding={p}"
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


@exercise("dcgan_weight_init", notebook="03_dcgan.ipynb", reference=dcgan_init,
          title="DCGAN's N(0, 0.02) weight initialisation")
def check_dcgan_weight_init(fn):
    torch.manual_seed(0)
    for model in (DCGANGenerator(latent_dim=64, width=32), DCGANDiscriminator(width=32)):
        for m in model.modules():  # back to PyTorch's default init, so only the learner's init counts
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
        fn(model)
        for name, m in model.named_modules():
            kind = type(m).__name__
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                mean, std = float(m.weight.detach().mean()), float(m.weight.detach().std())
                if not (abs(mean) < 0.003 and 0.015 < std < 0.025):
                    hint = "nn.init.normal_(m.weight, mean=0.0, std=0.02) for every conv and linear layer"
                    if std > 0.5:
                        hint = "the standard deviation is 0.02, not 1"
                    elif abs(mean) > 0.5:
                        hint = "the mean is 0 for conv weights (1 is for batch-norm scales)"
                    raise AssertionError(feedback(f"{kind} {name!r}: weights are not N(0, 0.02)",
                                                  expected="mean ≈ 0, std ≈ 0.02",
                                                  got=f"mean {mean:.4f}, std {std:.4f}", hint=hint))
                if m.bias is not None and float(m.bias.detach().abs().max()) > 0:
                    raise AssertionError(feedback(f"{kind} {name!r}: biases should start at 0",
                                                  got=f"max |bias| {float(m.bias.detach().abs().max()):.4f}",
                                                  hint="nn.init.zeros_(m.bias) when the layer has one"))
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                mean, std = float(m.weight.detach().mean()), float(m.weight.detach().std())
                if not (abs(mean - 1) < 0.01 and 0.01 < std < 0.03):
                    hint = "batch-norm scales ~ N(1, 0.02): nn.init.normal_(m.weight, 1.0, 0.02)"
                    if std == 0:
                        hint = "you left batch norm at its default (all ones): DCGAN draws its scales from N(1, 0.02)"
                    elif abs(mean) < 0.1:
                        hint = "batch-norm scales are centred on 1, not 0 (a zero scale switches the layer off)"
                    raise AssertionError(feedback(f"{kind} {name!r}: scales are not N(1, 0.02)",
                                                  expected="mean ≈ 1, std ≈ 0.02",
                                                  got=f"mean {mean:.4f}, std {std:.4f}", hint=hint))
