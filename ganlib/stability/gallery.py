"""A gallery of broken GAN runs on the 8-Gaussian ring: each with a symptom you can measure, and its
fix.

``show(name, steps)`` trains the broken run and its fixed twin with the same seed and returns
one diagnostic number for each (plus others in ``also`` and both histories). The names:

- ``strong_detective``: D learns 300× faster than G and G uses the saturating loss;
  symptom: G's gradient shrinks (and D(G(z)) drops). Fix: balance the two (same lr, non-saturating
  loss).
- ``lr_too_high``: lr = 0.05; symptom: D's loss jumps from step to step (mean |Δ loss|). Fix: lr =
  1e-3.
- ``missing_detach``: D's step uses G(z) without ``.detach()``; symptom: D's backward pass fills
  G's gradients (wasted work, and wrong updates if G's optimiser steps on them). Fix:
  ``G(z).detach()``.
- ``sigmoid_then_logits``: D ends with a sigmoid but the loss expects logits; symptom: D(x) can
  never pass σ(1) ≈ 0.73, D cannot be confident. Fix: drop the sigmoid
  (the loss applies it, stably).
- ``tanh_vs_01``: data in [0, 1] but G ends in tanh (range [−1, 1]); symptom: the forger never draws
  below 0, half of tanh's range is wasted, and a [−1, 1] viewer shows the data's black (0) as
  mid-grey. Fix: scale the data to [−1, 1] (x ↦ 2x − 1).

The second half is the collapse checklist of notebook 04's exercise 3: :func:`startup_gan` trains
the start-up's collapsed GAN, :func:`run_checks` inspects *that* GAN in the learner's order, and
:func:`startup_gan` with ``fix=`` retrains it with the problems found fixed.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import torch
from torch import nn

from ganlib import losses
from ganlib.callbacks import History, Schedules, grad_norm
from ganlib.data import toy_2d
from ganlib.metrics import mode_coverage
from ganlib.models import MLPDiscriminator, MLPGenerator
from ganlib.train import fit, gan_step

from .collapse_setup import linear_decay

BROKEN = ("strong_detective", "lr_too_high", "missing_detach", "sigmoid_then_logits", "tanh_vs_01")
SYMPTOM = {
    "strong_detective": "norm of G's gradient, mean over the last quarter of the run (shrinks when "
                        "D wins)",
    "lr_too_high": "mean step-to-step change |Δ| of D's loss over the second half",
    "missing_detach": "norm of G's gradient left by D's backward pass (should be 0)",
    "sigmoid_then_logits": "mean D(x) of a detective trained alone (σ(1) ≈ 0.73 is the ceiling "
                           "with the bug)",
    "tanh_vs_01": "lowest value the forger draws in 2,000 samples (tanh reaches −1; data in [0, 1] "
                  "never go below 0)",
}


def _models(seed: int, tanh: bool = False) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(seed)
    return MLPGenerator(2, out_dim=2, hidden=64, depth=2, tanh=tanh), MLPDiscriminator(
        in_dim=2, hidden=64, depth=2
    )


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
    """Train D alone against a frozen, untrained G; return its final mean D(x) = σ(output) on real
    data.

    With a sigmoid before the logits loss, D's "logit" lives in (0, 1), so σ of it stays below
    σ(1) ≈ 0.73 however easy the task: the detective can never be sure, and its gradients are
    squashed.
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
    """Train one gallery run (broken or fixed); return
    ``{"diagnostic", "also", "history", "G", "seconds"}``.

    ``also`` holds other measured numbers of the run, by label (e.g. the last D(G(z)) of a strong
    detective).
    """
    if name not in BROKEN:
        raise ValueError(f"unknown broken run {name!r}; choose one of {', '.join(BROKEN)}")
    t = time.perf_counter()
    history, G, also = None, None, {}
    if name == "strong_detective":
        G, D = _models(seed)
        kw = (dict(lr_g=1e-3, lr_d=1e-3) if fixed else
              dict(lr_g=1e-5, lr_d=3e-3, g_loss=losses.g_loss_minimax))
        history = _fit(G, D, _ring(), steps, seed, **kw)
        quarter = max(1, len(history.grad_g) // 4)
        diag = sum(history.grad_g[-quarter:]) / quarter
        also["mean D(G(z)), last quarter"] = history.last("d_fake", max(1, steps // 4))
    elif name == "lr_too_high":
        G, D = _models(seed)
        history = _fit(G, D, _ring(), steps, seed, lr_g=1e-3 if fixed else 5e-2,
                       lr_d=1e-3 if fixed else 5e-2)
        half = torch.tensor(history.d_loss[len(history) // 2:])
        diag = float(half.diff().abs().mean())
        also["std of D's loss, second half"] = float(half.std())
    elif name == "missing_detach":
        diag = detach_grad_leak(detach=fixed, seed=seed)
    elif name == "sigmoid_then_logits":
        diag = detective_alone(sigmoid=not fixed, steps=3 * steps, seed=seed)
    else:  # tanh_vs_01
        G, D = _models(seed, tanh=True)
        data = _ring(scale01=True, to_pm1=fixed)
        history = _fit(G, D, data, steps, seed, lr_g=1e-3, lr_d=1e-3)
        with torch.no_grad():
            fake = G(torch.randn(2_000, 2, generator=torch.Generator().manual_seed(seed + 7)))
        real = data(2_000, torch.Generator().manual_seed(seed + 8))
        diag = float(fake.min())
        also["highest value the forger draws"] = float(fake.max())
        also["lowest value in the data"] = float(real.min())
    return {"diagnostic": float(diag), "also": also, "history": history, "G": G,
            "seconds": time.perf_counter() - t}


def show(name: str, steps: int = 100, seed: int = 0) -> dict:
    """The broken run and its fix side by side: ``{"symptom", "broken", "fixed", "also", "runs"}``.

    ``also`` maps each extra label to its (broken, fixed) pair.
    """
    broken, fixed = run_case(name, False, steps, seed), run_case(name, True, steps, seed)
    also = {k: (broken["also"][k], fixed["also"][k]) for k in broken["also"]}
    return {"symptom": SYMPTOM[name], "broken": broken["diagnostic"], "fixed": fixed["diagnostic"],
            "also": also, "runs": {"broken": broken, "fixed": fixed}}


# --------------------------------------------------------------------------- the collapse checklist

CHECKS = {
    "data_range": "data scaled to G's output range? (tanh → [-1, 1])",
    "sigmoid_then_logits": "does D end in a sigmoid while the loss expects logits?",
    "missing_detach": "is G(z) detached in D's step?",
    "strong_detective": "does D win outright (D(G(z)) pinned below 0.05, D(x) near 1: notebook "
                        "02's rule)?",
    "lr_too_high": "do the losses jump around (learning rate too high)?",
    "mode_coverage": "how many modes does G cover, and with what quality?",
}
"""What to check when samples collapse: a name and the question it answers."""

WINS_BELOW = 0.05
"""Notebook 02's health rule: D(G(z)) below this (pinned near 0, D(x) near 1) means the detective
wins outright; D(x) above D(G(z)) with neither within this of 0 or 1 is a healthy game."""

CODE_CHECKS = ("data_range", "sigmoid_then_logits", "missing_detach")
"""Read the code: a bug here makes every tuning experiment meaningless, so these come before the
balance checks."""

BALANCE_CHECKS = ("strong_detective", "lr_too_high")
"""The balance of the game: tuning that only means something once the code is right."""

MEASURE = "mode_coverage"
"""The measurement: defensible first (confirm the collapse with a number), last (confirm the fix) or
between."""

RECOMMENDED = ["mode_coverage", "data_range", "sigmoid_then_logits", "missing_detach",
               "strong_detective", "lr_too_high"]
"""Measure first, then the code bugs (seconds, no training), then the balance of the game."""


def recommended_order() -> list[str]:
    """One defensible order of checks for a collapsed GAN (see RECOMMENDED)."""
    return list(RECOMMENDED)


@dataclass
class Suspect:
    """A GAN run to diagnose: its players, data sampler, the step function it trained with, its
    history."""

    G: nn.Module
    D: nn.Module
    data: object
    step: object
    history: History
    settings: dict = field(default_factory=dict)


STARTUP_BUGS = {"sigmoid_then_logits": dict(sigmoid=True),
                "strong_detective": dict(lr_d_factor=10.0, minimax=True)}
"""The start-up's GAN has a bug in the code (D ends in a sigmoid) and a suspect balance: D learns
10× faster than G, which uses the saturating loss. Whether that detective wins outright is for the
strong_detective check to measure."""


def startup_gan(steps: int = 1_500, seed: int = 0, fix: tuple[str, ...] | list[str] = (),
                bugs: dict | None = None) -> Suspect:
    """Train the start-up's GAN on the ring with its bugs (``STARTUP_BUGS``), minus those named in
    ``fix``.

    The recipe is notebook 04's (MLPs of 3 × 128, Adam β = (0, 0.9), lr 2e-3 decaying to 0, batch
    256); a bug is a setting: ``sigmoid`` (D ends in a sigmoid), ``minimax`` (saturating G loss),
    ``lr_d_factor`` (D's lr over G's), ``lr`` (G's lr), ``scale01`` (data in [0, 1], tanh G).
    """
    settings = {}
    for name, bug in (STARTUP_BUGS if bugs is None else bugs).items():
        if name not in fix:
            settings.update(bug)
    torch.manual_seed(seed)
    tanh = bool(settings.get("scale01"))
    G = MLPGenerator(2, out_dim=2, hidden=128, depth=3, tanh=tanh)
    D: nn.Module = MLPDiscriminator(in_dim=2, hidden=128, depth=3)
    if settings.get("sigmoid"):
        D = nn.Sequential(D, nn.Sigmoid())
    data = _ring(scale01=tanh)
    step = gan_step
    lr = settings.get("lr", 2e-3)
    history = fit(G, D, data, steps=steps, batch_size=256, lr_g=lr,
                  lr_d=lr * settings.get("lr_d_factor", 1.0), betas=(0.0, 0.9),
                  g_loss=losses.g_loss_minimax if settings.get("minimax") else
                  losses.g_loss_nonsaturating, step=step, seed=seed, device="cpu", progress=False,
                  every=max(1, min(25, steps)), callbacks=[Schedules(linear_decay(steps))])
    return Suspect(G, D, data, step, history, settings)


def coverage(suspect: Suspect, seed: int = 0) -> dict:
    """Modes captured and the high-quality fraction of 2,500 of the suspect's samples
    (the ring's protocol)."""
    with torch.no_grad():
        fake = suspect.G(torch.randn(2_500, 2,
                                     generator=torch.Generator().manual_seed(10_000 + seed)))
    if suspect.settings.get("scale01"):
        fake = fake * 2.1 - 1.05  # back to the ring's own units
    return mode_coverage(fake, "ring")


def _check(name: str, s: Suspect) -> tuple[bool, str]:
    """One check on a suspect GAN: (problem found?, what was measured)."""
    g = torch.Generator().manual_seed(1)
    if name == "data_range":
        real = s.data(2_000, g)
        tanh = any(isinstance(m, nn.Tanh) for m in s.G.modules())
        lo, hi = float(real.min()), float(real.max())
        bad = tanh and lo >= 0
        return bad, (f"data in [{lo:.2f}, {hi:.2f}], G ends in "
                     f"{'tanh [-1, 1]' if tanh else 'a linear layer'}"
                     + (": half of tanh's range is never used" if bad else ": they match"))
    if name == "sigmoid_then_logits":
        with torch.no_grad():
            out = s.D(s.data(512, g))
        bad = bool(((out >= 0) & (out <= 1)).all()) or isinstance(
            list(s.D.modules())[-1], nn.Sigmoid
        )
        return bad, (f"D's raw outputs on real data lie in [{float(out.min()):.3f}, "
                     f"{float(out.max()):.3f}]"
                     + (": a sigmoid before the logits loss" if bad
                        else ": logits, as the loss expects"))
    if name == "missing_detach":
        G, D = copy.deepcopy(s.G), copy.deepcopy(s.D)
        opt_g, opt_d = torch.optim.SGD(G.parameters(), lr=0.0), torch.optim.SGD(
            D.parameters(), lr=0.0
        )
        leak = {}
        d_step = opt_d.step
        opt_d.step = lambda *a, **k: (leak.setdefault("g", float(grad_norm(G))), d_step(*a, **k))[1]
        s.step(G, D, opt_g, opt_d, s.data(64, g))
        bad = leak.get("g", 0.0) > 0
        return bad, f"G's gradient after D's backward pass: {leak.get('g', 0.0):.3g}" + (
            ": D's loss reaches into G (G(z) is not detached)" if bad
            else ": none, G(z) is detached")
    h = s.history
    if name == "strong_detective":
        quarter = max(1, len(h) // 4)
        d_real, d_fake = h.last("d_real", quarter), h.last("d_fake", quarter)
        gq = max(1, len(h.grad_g) // 4)
        g_norm = sum(h.grad_g[-gq:]) / gq
        # notebook 02's rule: D(G(z)) pinned near 0, the detective wins outright
        bad = d_fake < WINS_BELOW
        verdict = (": the detective wins outright (D(G(z)) pinned below 0.05)" if bad else
                   ": healthy (D(x) above D(G(z)), neither pinned within 0.05 of 0 or 1)"
                   if WINS_BELOW < d_fake < d_real < 1 - WINS_BELOW
                   else ": D(G(z)) not pinned near 0")
        return bad, (f"over the last quarter D(x) {d_real:.3f}, D(G(z)) {d_fake:.3f}, G's gradient "
                     f"norm {g_norm:.3g}"
                     + verdict)
    if name == "lr_too_high":
        half = torch.tensor(h.d_loss[len(h) // 2:])
        jump = float(half.diff().abs().mean()) if len(half) > 1 else 0.0
        bad = jump > 0.5
        return bad, f"mean |Δ D's loss| from step to step over the second half {jump:.3f}" + (
            ": the losses jump around" if bad else ": steady enough")
    if name == "mode_coverage":
        cov = coverage(s)
        bad = cov["modes"] < 8 or cov["high_quality"] < 0.5
        return bad, f"{cov['modes']} of 8 modes, {cov['high_quality']:.0%} of samples high quality"
    raise ValueError(f"unknown check {name!r}; choose from {', '.join(CHECKS)}")


def run_checks(order: list[str], suspect: Suspect, progress: bool = True) -> list[dict]:
    """Run the checks on ``suspect`` in the learner's order; each row: check, question, problem,
    finding, trusted (False for a balance check that runs after a code check found a bug: that bug
    distorts it), seconds. A progress bar counts the checks unless ``progress=False``."""
    from tqdm.auto import tqdm

    rows, code_bug = [], False
    for name in tqdm(order, desc="checks", unit="check", disable=not progress):
        t = time.perf_counter()
        problem, finding = _check(name, suspect)
        rows.append({"check": name, "question": CHECKS[name], "problem": problem,
                     "finding": finding, "trusted": not (code_bug and name in BALANCE_CHECKS),
                     "seconds": time.perf_counter() - t})
        code_bug = code_bug or (problem and name in CODE_CHECKS)
    return rows


def debug_rounds(
    order: list[str], steps: int, seed: int = 0, rounds: int = 4, progress: bool = True
) -> list[dict]:
    """Train the start-up's GAN, run the checks in ``order``, fix the trusted problems found, train
    again, repeat.

    Each round:
    ``{"fixed": what was fixed before it, "rows": the checks, "coverage": modes and quality,
    "balance": mean D(x) and D(G(z)) over the last quarter}``;
    stops when no trusted check other than the measurement finds a problem.
    """
    fixed: list[str] = []
    out = []
    for _ in range(rounds):
        suspect = startup_gan(steps, seed=seed, fix=fixed)
        rows = run_checks(order, suspect, progress=progress)
        quarter = max(1, len(suspect.history) // 4)
        out.append({"fixed": list(fixed), "rows": rows, "coverage": coverage(suspect, seed),
                    "balance": {k: suspect.history.last(k, quarter) for k in ("d_real", "d_fake")}})
        found = [r["check"] for r in rows if r["problem"] and r["trusted"]
                 and r["check"] != MEASURE]
        if not found:
            break
        fixed += found
    return out
