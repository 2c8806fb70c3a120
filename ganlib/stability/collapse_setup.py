"""The mode-collapse experiment's set-up: the toy data sets, the methods (each a fix of
ganlib.stability.fixes wired onto the course's MLPs), the budget of a run and the learning-rate
decay every method shares."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ganlib.config import PROFILE
from ganlib.data import mode_centers
from ganlib.models import MLPDiscriminator, MLPGenerator

from . import fixes, papers_setup

DATASETS = ("ring", "grid")

N_SAMPLES = 2_500

SEEDS = (0, 1, 2, 3, 4)

METHODS: dict[str, dict] = {
    "gan": dict(pack=1,
                doc="plain non-saturating GAN (the baseline): same lr for G and D, no penalty"),
    "pacgan4": dict(pack=4, doc="PacGAN: D judges packs of 4 samples (Lin et al. 2018)"),
    "gan-ttur": dict(pack=1, lr_d_factor=2.0,
                     doc="two time-scale update rule: D learns 2× faster than G (Heusel et al. "
                         "2017), non-saturating loss"),
    "gan-slow-d": dict(pack=1, lr_d_factor=0.5,
                       doc="two time scales the other way round: D learns at half G's rate, so it "
                           "never gets far ahead; G has time to pull its bridge samples into the "
                           "modes"),
    "hinge-sn": dict(pack=1, sn=True, d_loss=fixes.hinge_d_loss, g_loss=fixes.hinge_g_loss,
                     doc="hinge loss + spectral normalisation on D (SN-GAN: Miyato et al. 2018)"),
    "wgan-gp": dict(pack=1, d_loss=fixes.wgan_d_loss, g_loss=fixes.wgan_g_loss,
                    penalty=fixes.gradient_penalty, doc="Wasserstein loss + gradient penalty, "
                                                        "weight 10 (Gulrajani et al. 2017); one "
                                                        "critic "
                        "step per G step, like every other row"),
    "r1": dict(pack=1, penalty=fixes.r1_penalty,
               doc="plain GAN + R1 penalty on real data, γ = 10 (Mescheder et al. 2018)"),
    "mbstd": dict(pack=1, mbstd=True,
                  doc="plain GAN + a minibatch-std feature before D's last layer, groups of 4 "
                      "(Karras et al. 2018)"),
    "gan-papers": dict(pack=1, recipe="papers",
                       doc="the plain GAN in the PacGAN / VEEGAN papers' own recipe (BatchNorm "
                           "MLPs of 400 units, maxout D, lr 1e-4, β₁ 0.8, batch 100, data "
                           "unscaled, no decay) at the course's step budget"),
    "pacgan4-papers": dict(pack=4, recipe="papers",
                           doc="PacGAN4 in the same papers' recipe: method against recipe"),
}
"""Each method: how D is wrapped (``pack``, ``sn``, ``mbstd``), its losses (``d_loss``, ``g_loss``),
a ``penalty``, D's learning rate as a multiple of G's (``lr_d_factor``) and ``recipe="papers"`` for
the papers' own set-up (:mod:`ganlib.stability.papers_setup`); ``doc`` says what it is."""


def budget() -> dict:
    """Steps, batch size, widths and optimiser of one run, from the profile
    (the same for every method).

    cpu: 4,500 steps of batch 512 take 23-38 s with two threads on the course's 2-core machine
    (hinge-sn, whose spectral norm costs more per step, up to 51 s). Adam with β = (0, 0.9) and lr
    2e-3 decaying linearly to 0 (the high lr spreads the modes apart early; the decay sharpens
    them).
    """
    return dict(steps=PROFILE.pick(ci=60, cpu=4_500, gpu=10_000),
                batch_size=PROFILE.pick(ci=64, cpu=512, gpu=512), hidden=128, depth=3, latent_dim=2,
                lr=2e-3, betas=(0.0, 0.9),
                # the "-papers" rows: their own nets, lr, batch
                papers_recipe=dict(papers_setup.RECIPE))


def data_scale(dataset: str) -> float:
    """The factor that brings a toy set into [-1, 1] (ring 1, grid 4): G and D see data / scale.

    Same rule as the images (scaled to [-1, 1]): Adam's steps are the same size in every layer,
    so a generator that must reach ±4 learns the grid's fine structure more slowly than one that
    reaches ±1. G's samples are multiplied back before they are scored.
    """
    centers, _ = mode_centers(dataset)
    return float(np.abs(centers).max())


def with_minibatch_std(D: MLPDiscriminator, group_size: int = 4) -> MLPDiscriminator:
    """Insert a :class:`~ganlib.stability.fixes.MinibatchStdDev` feature before D's last layer
    (in place)."""
    *body, last = D.net
    D.net = nn.Sequential(*body, fixes.MinibatchStdDev(group_size),
                          nn.Linear(last.in_features + 1, 1))
    return D


def make_models(
    method: str, hidden: int = 128, depth: int = 3, latent_dim: int = 2
) -> tuple[nn.Module, nn.Module]:
    """The generator and discriminator of a method (D packed / spectrally normalised / with
    minibatch std as it asks)."""
    spec = METHODS[method]
    if spec.get("recipe") == "papers":
        G, D = papers_setup.papers_models(spec["pack"])
        return G, (fixes.Packed(D, spec["pack"]) if spec["pack"] > 1 else D)
    G = MLPGenerator(latent_dim, out_dim=2, hidden=hidden, depth=depth)
    D: nn.Module = MLPDiscriminator(in_dim=2 * spec["pack"], hidden=hidden, depth=depth)
    if spec.get("mbstd"):
        D = with_minibatch_std(D)
    if spec.get("sn"):
        D = fixes.spectral_norm(D)
    if spec["pack"] > 1:
        D = fixes.Packed(D, spec["pack"])
    return G, D


def linear_decay(steps: int):
    """An lr ``schedule`` for fit(): every learning rate falls linearly from its start to 0 over
    ``steps``."""
    return lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / steps))


def method_settings(method: str) -> str:
    """A method's settings as text (functions by name, the doc left out): the table records them,
    and a test compares the shipped table's with today's."""
    spec = METHODS[method]
    return ", ".join(f"{k}={getattr(v, '__name__', v)}" for k, v in sorted(spec.items())
                     if k != "doc")
