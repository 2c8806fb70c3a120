"""The GAN training loop in plain PyTorch, as notebook 03 teaches it: about twenty lines, nothing
around them.

`ganlib.train.fit` runs the same game with what a long run needs around it (history, NaN guard,
checkpoints, time limits, live views); this is the loop the tutorials write, which the learner
writes in notebook 03 (a test keeps the notebook's cell and this twin equal).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .losses import d_loss, g_loss_nonsaturating


def train_gan(
    G: nn.Module,
    D: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    images: Tensor,
    steps: int,
    batch_size: int = 64,
) -> list[tuple[float, float]]:
    """Play ``steps`` rounds of the game on random batches of ``images``; return D(x) and D(G(z)) of
    each round."""
    seen = []
    for _ in range(steps):
        real = images[torch.randint(len(images), (batch_size,), device=images.device)]
        fake = G(torch.randn(batch_size, G.latent_dim, device=images.device))
        # the detective's move: real should score high, fake low (detached: this loss must not train
        # G)
        real_logits, fake_logits = D(real), D(fake.detach())
        loss_d = d_loss(real_logits, fake_logits)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        # the forger's move: its fakes, judged by the detective it just faced, should score high
        loss_g = g_loss_nonsaturating(D(fake))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        seen.append((torch.sigmoid(real_logits).mean().item(),
                     torch.sigmoid(fake_logits).mean().item()))
    return seen
