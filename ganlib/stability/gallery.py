"""A gallery of broken GAN runs on the 8-Gaussian ring: each with a symptom you can measure, and its fix.

``show(name, steps)`` trains the broken run and its fixed twin with the same seed and returns
one diagnostic number for each (plus both histories). The names:

- ``strong_detective``: D learns 30× faster than G and G uses the saturating loss;
  symptom: D(G(z)) → 0 and G's gradient vanishes. Fix: balance the two (1 step, same lr, non-saturating loss).
- ``lr_too_high``: lr = 0.05; symptom: the losses jump around (large step-to-step spread). Fix: lr = 1e-3.
- ``missing_detach``: D's step uses G(z) without ``.detach()``; symptom: D's backward pass fills
  G's gradients (wasted work, and wrong updates if G's optimiser steps on them). Fix: ``G(z).detach()``.
- ``sigmoid_then_logits``: D ends with a sigmoid but the loss expects logits; symptom: D(x) can
  never pass σ(1) ≈ 0.73, D cannot be confident. Fix: drop the sigmoid (the loss applies it, stably).
- ``tanh_vs_01``: data in [0, 1] but G ends in tanh (range [−1, 1]); symptom: fakes land where no
  real data can be, and every picture is shown on the wrong scale (black comes out mid-grey, as
  every [−1, 1] viewer and tanh G expect). Fix: scale the data to [−1, 1] (x ↦ 2x − 1).
"""

from __future__ import annotations

import time

import torch
from torch import nn

from ganlib import losses
from ganlib.callbacks import History, grad_norm
from ganlib.data import toy_2d
from ganlib.metrics import mode_coverage
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import fit

BROKEN = ("strong_detective", "lr_too_high", "missing_detach", "sigmoid_then_logits", "tanh_vs_01")
SYMPTOM = {
    "strong_detective": "mean D(G(z)) over the last steps (→ 0 when D wins outright)",
    "lr_too_high": "spread (std) of D's loss from step to step over the second half",
    "missing_detach": "norm of G's gradient left by D's backward pass (should be 0)",
    "sigmoid_then_logits": "mean D(x) of a detective trained alone (σ(1) ≈ 0.73 is the ceiling with the bug)",
    "tanh_vs_01": "brightness (0 black, 1 white) at which the viewer shows a black pixel of the data",
}


def _models(seed: int, tanh: bool = False) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    return MLPGenerator(2, out_dim=2, hidden=64, depth=2, tanh=tanh), MLPDiscriminator(in_dim=2, hidden=64, depth=2)


def _ring(scale01: bool = False, to_pm1: bool = False):
    def sample(n, g):
        x = toy_2d("ring", n, g)
        if scale01:
            x = (x + 1.05) / 2.1  # into [0, 1]
            if to_pm1:
                x = 2 * x - 1  # the fix: back to [-1, 1], tanh's range
        return x
    return sample


def _fit(G, D, data, steps, seed, **kw) -> History:
    return fit(G, D, data, steps=steps, batch_size=64, seed=seed, device="cpu", progress=False,
               every=max(1, min(10, steps)), **kw)


def detach_grad_leak(detach: bool, seed: int = 0) -> float:
    """Norm of G's gradient after one discriminator backward pass, with or without ``.detach()``."""
    G, D = _models(seed)
    z = torch.randn(64, 2, generator=torch.Generator().manual_seed(seed))
    fake = G(z).detach() if detach else G(z)
    real = toy_2d("ring", 64, torch.Generator().manual_seed(seed))
    losses.d_loss(D(real), D(fake)).backward()
    return float(grad_norm(G))


def detective_alone(sigmoid: bool, steps: int = 100, seed: int = 0) -> float:
    """Train D alone against a frozen, untrained G; return its final mean D(x) = σ(output) on real data.

    With a sigmoid before the logits loss, D's "logit" lives in (0, 1), so σ of it stays below
    σ(1) ≈ 0.73 however easy the task: the detective can never be sure, and its gradients are squashed.
    """
    G, D = _models(seed)
    if sigmoid:
        D = nn.Sequential(D, nn.Sigmoid())  # the bug: the loss applies a second sigmoid
    opt = torch.optim.Adam(D.parameters(), lr=1e-3, betas=(0.5, 0.999))
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        real = toy_2d("ring", 64, g)
        with torch.no_grad():
            fake = G(torch.randn(64, 2, generator=g))
        loss = losses.d_loss(D(real), D(fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(torch.sigmoid(D(toy_2d("ring", 512, g))).mean())


def run_case(name: str, fixed: bool, steps: int = 100, seed: int = 0) -> dict:
    """Train one gallery run (broken or fixed); return ``{"diagnostic": float, "history", "G", "seconds"}``."""
    if name not in BROKEN:
        raise ValueError(f"unknown broken run {name!r}; choose one of {', '.join(BROKEN)}")
    t = time.perf_counter()
    history, G = None, None
    if name == "strong_detective":
        G, D = _models(seed)
        kw = (dict(lr_g=1e-3, lr_d=1e-3) if fixed else
              dict(lr_g=1e-4, lr_d=3e-3, g_loss=losses.g_loss_minimax))
        history = _fit(G, D, _ring(), steps, seed, **kw)
        diag = history.last("d_fake", max(1, steps // 4))
    elif name == "lr_too_high":
        G, D = _models(seed)
        history = _fit(G, D, _ring(), steps, seed, lr_g=1e-3 if fixed else 5e-2, lr_d=1e-3 if fixed else 5e-2)
        half = torch.tensor(history.d_loss[len(history) // 2:])
        diag = float(half.diff().abs().mean())
    elif name == "missing_detach":
        diag = detach_grad_leak(detach=fixed, seed=seed)
    elif name == "sigmoid_then_logits":
        diag = detective_alone(sigmoid=not fixed, steps=3 * steps, seed=seed)
    else:  # tanh_vs_01
        G, D = _models(seed, tanh=True)
        history = _fit(G, D, _ring(scale01=True, to_pm1=fixed), steps, seed, lr_g=1e-3, lr_d=1e-3)
        with torch.no_grad():
            fake = G(torch.randn(2_000, 2, generator=torch.Generator().manual_seed(seed + 7)))
        from ganlib.viz import image_grid  # the course's viewer maps [-1, 1] to black..white

        black = torch.zeros(1, 1, 4, 4)  # a black pixel of data in [0, 1]
        diag = float(image_grid(2 * black - 1 if fixed else black, padding=0).mean())
        G.fake_range = (float(fake.min()), float(fake.max()))
    return {"diagnostic": float(diag), "history": history, "G": G, "seconds": time.perf_counter() - t}


def show(name: str, steps: int = 100, seed: int = 0) -> dict:
    """The broken run and its fix side by side: ``{"symptom", "broken", "fixed"}`` (diagnostics)."""
    broken, fixed = run_case(name, False, steps, seed), run_case(name, True, steps, seed)
    return {"symptom": SYMPTOM[name], "broken": broken["diagnostic"], "fixed": fixed["diagnostic"],
            "runs": {"broken": broken, "fixed": fixed}}


# ----------------------------------------------------------------------------- the collapse checklist

CHECKS = {
    "data_range": "data scaled to G's output range? (tanh → [-1, 1])",
    "sigmoid_then_logits": "does D end in a sigmoid while the loss expects logits?",
    "missing_detach": "is G(z) detached in D's step?",
    "strong_detective": "is D far stronger than G (D(G(z)) → 0)?",
    "lr_too_high": "do the losses jump around (learning rate too high)?",
    "mode_coverage": "how many modes does G cover, and with what quality?",
}
"""What to check when samples collapse: a name and the question it answers."""

RECOMMENDED = ["data_range", "sigmoid_then_logits", "missing_detach", "strong_detective", "lr_too_high",
               "mode_coverage"]
"""Cheap code bugs first (seconds, no training), then the balance of the game, then measure the collapse."""

CHEAP = {"data_range", "sigmoid_then_logits", "missing_detach"}


def recommended_order() -> list[str]:
    """The course's order of checks for a collapsed GAN (see RECOMMENDED)."""
    return list(RECOMMENDED)


def run_checks(order: list[str], steps: int = 40, seed: int = 0, progress: bool = True) -> list[dict]:
    """Run the checks in the learner's order; each row: name, question, broken vs fixed diagnostic, seconds.

    A progress bar counts the checks unless ``progress=False``.
    """
    from tqdm.auto import tqdm

    rows = []
    for name in tqdm(order, desc="checks", unit="check", disable=not progress):
        t = time.perf_counter()
        if name == "mode_coverage":
            G, D = _models(seed)
            _fit(G, D, _ring(), steps, seed, lr_g=1e-3, lr_d=1e-3)
            with torch.no_grad():
                cov = mode_coverage(G(torch.randn(2_500, 2, generator=torch.Generator().manual_seed(seed))), "ring")
            rows.append({"check": name, "question": CHECKS[name], "result": f"{cov['modes']} of 8 modes, "
                         f"{cov['high_quality']:.0%} high quality", "seconds": time.perf_counter() - t})
            continue
        r = show("tanh_vs_01" if name == "data_range" else name, steps=steps, seed=seed)
        rows.append({"check": name, "question": CHECKS[name], "result": f"broken {r['broken']:.3g} vs fixed "
                     f"{r['fixed']:.3g} ({r['symptom']})", "seconds": time.perf_counter() - t})
    return rows
