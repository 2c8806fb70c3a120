"""Several detective steps per forger step, as WGAN-GP trains its critic (n_critic = 5, Gulrajani et
al. 2017).

A step function for ``fit(step=...)``. The real batch is cut into ``n`` slices: the critic takes one
step on each (with fresh fakes of the same size), then the forger takes one step on the whole batch.
So a run sees the same real samples and does about the same work as with
:func:`ganlib.train.gan_step`; only the critic is updated ``n`` times as often.
"""

from __future__ import annotations

from typing import Callable

import torch

from ganlib import losses


def critic_steps(n: int = 5) -> Callable:
    """A ``fit(step=...)`` function: ``n`` critic steps on ``n`` slices of the batch, then one
    forger step."""
    def step(G, D, opt_g, opt_d, real, d_loss=losses.d_loss, g_loss=losses.g_loss_nonsaturating,
             penalty=None):
        for part in real.chunk(n):
            fake = G(torch.randn(len(part), G.latent_dim, device=real.device)).detach()
            real_logits, fake_logits = D(part), D(fake)
            loss_d = d_loss(real_logits, fake_logits)
            if penalty is not None:
                loss_d = loss_d + penalty(D, part, fake)
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        loss_g = g_loss(D(G(torch.randn(len(real), G.latent_dim, device=real.device))))
        opt_g.zero_grad()
        loss_g.backward(inputs=list(G.parameters()))
        opt_g.step()
        return {"d_loss": loss_d.detach(), "g_loss": loss_g.detach(),
                "d_real": torch.sigmoid(real_logits.detach()).mean(),
                "d_fake": torch.sigmoid(fake_logits.detach()).mean()}

    step.__name__ = step.__qualname__ = f"critic_steps_{n}"
    return step
