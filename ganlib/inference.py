"""Using trained models: sampling from any generator, evaluating in batches, walking the latent
space.

One home for "put the model in eval mode, map it over batches on its device, collect on the
CPU, restore its mode": :func:`in_batches`. Everything that samples a generator or extracts
features goes through it.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from .validate import check_count, check_labels


def model_device(model: nn.Module) -> torch.device:
    """The device of a model's first parameter (the CPU for a model without parameters)."""
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


@torch.no_grad()
def in_batches(
    model: nn.Module, fn: Callable[..., Tensor], *inputs: Tensor, batch_size: int = 1000
) -> Tensor:
    """``fn(*batch)`` over the rows of ``inputs`` in batches on ``model``'s device, in eval mode;
    CPU result.

    ``fn`` is called with each input's batch moved to the device (e.g. ``model.features``).
    The model's train/eval mode is restored afterwards.
    """
    check_count(batch_size, "batch_size")
    n = len(inputs[0])
    if any(len(x) != n for x in inputs):
        raise ValueError(f"inputs of different lengths: {[len(x) for x in inputs]}")
    was, device = model.training, model_device(model)
    model.eval()
    try:
        out = [fn(*(x[i:i + batch_size].to(device) for x in inputs)).cpu()
               for i in range(0, n, batch_size)]
    finally:
        model.train(was)
    return torch.cat(out) if out else torch.empty(0)


def noise(n: int, latent_dim: int, seed: int) -> Tensor:
    """n seeded noise vectors z ~ N(0, I), on the CPU: the same seed gives the same z on any
    device."""
    return torch.randn(check_count(n, "n"), check_count(latent_dim, "latent_dim"),
                       generator=torch.Generator().manual_seed(seed))


def sample(G: nn.Module, n: int, labels: Tensor | None = None, seed: int = 0,
           batch_size: int = 1000, z: Tensor | None = None) -> Tensor:
    """n samples of a generator (eval mode, seeded noise, batched), on the CPU.

    ``labels`` (one per sample) for a conditional generator; ``z`` to give the noise yourself.
    """
    if z is None:
        z = noise(n, G.latent_dim, seed)
    elif (
        not torch.is_tensor(z)
        or z.dim() != 2
        or tuple(z.shape) != (check_count(n, "n"), G.latent_dim)
    ):
        got = tuple(z.shape) if torch.is_tensor(z) else type(z).__name__
        raise ValueError(f"z must be the noise of the n={n} samples, a tensor of shape ({n}, "
                         f"{G.latent_dim}) (n × the generator's latent_dim), got {got}")
    n_classes = getattr(G, "n_classes", 0)
    if labels is None:
        if n_classes:
            raise ValueError(f"this generator is conditional ({n_classes} classes): give labels, "
                             "one per sample")
        return in_batches(G, G, z, batch_size=batch_size)
    if not n_classes:
        raise ValueError("labels were given but this generator is unconditional (no n_classes); "
                         "leave them out")
    if len(labels) != len(z):
        raise ValueError(f"labels: {len(labels)} labels for {len(z)} samples; give one per sample")
    labels = check_labels(labels, len(z), n_classes)
    return in_batches(G, G, z, labels, batch_size=batch_size)


def slerp(z0: Tensor, z1: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between two noise vectors, for each t in [0, 1]
    (stays where N(0, I) has mass).

    ``z0``, ``z1`` are two vectors (then one row per t), or two N×d batches with one t per row.
    """
    t = t.reshape(-1, 1)
    cos = (z0 * z1).sum(-1, keepdim=True) / (
        z0.norm(dim=-1, keepdim=True) * z1.norm(dim=-1, keepdim=True)
    )
    omega = torch.arccos(cos.clamp(-1, 1))
    straight = omega < 1e-6  # (nearly) the same direction: a straight line is the arc
    sin = torch.where(straight, torch.ones_like(omega), torch.sin(omega))
    arc = (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / sin
    return torch.where(straight, (1 - t) * z0 + t * z1, arc)


def interpolate(G: nn.Module, steps: int = 8, seed: int = 0, label: int | None = None,
                ends: tuple[Tensor, Tensor] | None = None) -> Tensor:
    """Images along a slerp path between two seeded noise vectors (or ``ends``); one class
    throughout for a conditional G."""
    z0, z1 = ends if ends is not None else noise(2, G.latent_dim, seed)
    z = slerp(z0, z1, torch.linspace(0, 1, check_count(steps, "steps", 2)))
    if label is not None and not getattr(G, "n_classes", 0):
        raise ValueError(f"label={label!r} was given but this generator is unconditional (no "
                         "n_classes); leave it out")
    labels = (
        None
        if not getattr(G, "n_classes", 0)
        else torch.full((steps,), check_count(label or 0, "label", 0))
    )
    return sample(G, steps, labels, z=z)
