"""The toy-data setup of the PacGAN / VEEGAN papers, so the course can run its plain GAN in their
recipe.

PacGAN's code (github.com/fjxmlzn/PacGAN, ``synthetic_data_experiments/*/config.py``), after
ALI's: the generator is 4 hidden layers of 400 units with batch normalisation and ReLU; the
discriminator is 3 maxout layers (200 units, 5 pieces each); weights start from N(0, 0.02²),
biases at 0; Adam with learning rate 1e-4 and β₁ = 0.8 for both players, batches of 100, the data
in their own units (the grid reaches ±4), no learning-rate decay, a 2-D Gaussian latent.
The papers train 400 epochs of 100,000 samples (400,000 steps); the course keeps its own step
budget, so the comparison is recipe against recipe at the same number of steps.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

RECIPE = dict(gen_hidden=400, gen_depth=4, disc_hidden=200, disc_depth=3, maxout_pieces=5,
              init_std=0.02, lr=1e-4, betas=(0.8, 0.999), batch_size=100, latent_dim=2)
"""PacGAN's toy-data hyper-parameters (its config.py); the step count is the course's budget."""


class Maxout(nn.Module):
    """A linear layer with ``pieces`` outputs per unit, keeping the largest
    (Goodfellow et al. 2013)."""

    def __init__(self, in_dim: int, out_dim: int, pieces: int = 5):
        super().__init__()
        self.out_dim, self.pieces = int(out_dim), int(pieces)
        self.linear = nn.Linear(in_dim, self.out_dim * self.pieces)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x).view(len(x), self.out_dim, self.pieces).amax(dim=2)


class PapersGenerator(nn.Module):
    """The papers' forger: z → [Linear → BatchNorm → ReLU] × 4 → 2-D point."""

    def __init__(self, latent_dim: int = 2, hidden: int = 400, depth: int = 4, out_dim: int = 2):
        super().__init__()
        self.latent_dim = int(latent_dim)
        layers: list[nn.Module] = []
        width = self.latent_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden, bias=False), nn.BatchNorm1d(hidden, momentum=0.05),
                       nn.ReLU()]
            width = hidden
        layers.append(nn.Linear(width, out_dim))
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class PapersDiscriminator(nn.Module):
    """The papers' detective: x (N, in_dim) → maxout layers → one logit per sample, shape (N,)."""

    def __init__(self, in_dim: int = 2, hidden: int = 200, depth: int = 3, pieces: int = 5):
        super().__init__()
        layers: list[nn.Module] = []
        width = int(in_dim)
        for _ in range(depth):
            layers.append(Maxout(width, hidden, pieces))
            width = hidden
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x.flatten(1)).squeeze(1)


def init_as_papers(model: nn.Module, std: float = RECIPE["init_std"]) -> nn.Module:
    """Weights from N(0, std²), biases 0 (ALI / PacGAN's IsotropicGaussian(0.02), Constant(0)); BN
    left at 1, 0."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.normal_(0.0, std)
                if m.bias is not None:
                    m.bias.zero_()
    return model


def papers_models(
    pack: int = 1, latent_dim: int = RECIPE["latent_dim"]
) -> tuple[nn.Module, nn.Module]:
    """The papers' generator and discriminator (D judging ``pack`` samples at once), initialised as
    they are."""
    r = RECIPE
    G = init_as_papers(PapersGenerator(latent_dim, r["gen_hidden"], r["gen_depth"]))
    D = init_as_papers(PapersDiscriminator(2 * pack, r["disc_hidden"], r["disc_depth"],
                                           r["maxout_pieces"]))
    return G, D
