"""The image pipeline is part of the metric (clean-fid, Parmar et al. 2022): resizing and JPEG,
measured.

clean-fid's rule: every image, real or generated, goes through the *same* resize inside the metric,
and its filter matters (an aliased resize keeps high frequencies that should have been removed).
Here the metric's resize takes both sets down to ``size`` pixels and back up to the classifier's
28, aliased or antialiased. ``pipeline_fids`` measures the rule: the same two sets through one
shared resize, then through different ones. JPEG is different: it is a property of how one set was
*saved*, so it is applied to one set only.
"""

from __future__ import annotations

import io
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ganlib.metrics import frechet_distance
from ganlib.validate import check_images


def resize_through(images: torch.Tensor, size: int, antialias: bool) -> torch.Tensor:
    """Images down to size × size (bilinear, with or without antialiasing) and back up to their own
    size."""
    images = check_images(images)
    h = images.shape[-1]
    small = F.interpolate(images, size=(size, size), mode="bilinear", antialias=antialias,
                          align_corners=False)
    return F.interpolate(small, size=(h, h), mode="bilinear", align_corners=False).clamp(-1, 1)


def jpeg(images: torch.Tensor, quality: int) -> torch.Tensor:
    """Images saved as JPEG at ``quality`` (1-95) and read back, in [−1, 1]."""
    from PIL import Image

    out = []
    for img in ((check_images(images)[:, 0] + 1) * 127.5).round().clamp(0, 255).byte().numpy():
        buf = io.BytesIO()
        Image.fromarray(img).save(buf, "JPEG", quality=int(quality))
        out.append(np.asarray(Image.open(io.BytesIO(buf.getvalue())), dtype=np.float32))
    return torch.from_numpy(np.stack(out))[:, None] / 127.5 - 1


def pipeline_fids(features: Callable[[torch.Tensor], torch.Tensor], a: torch.Tensor,
                  b: torch.Tensor, size: int) -> dict[str, float]:
    """FID of set a against set b through one shared resize to ``size`` px, and through two
    different ones.

    The first three rows treat both sets alike (clean-fid's rule); the last two give them different
    pipelines, the failure clean-fid warns about: only b resized, or a antialiased while b is
    aliased.
    """
    a, b = check_images(a, "a"), check_images(b, "b")
    fid = lambda x, y: frechet_distance(features(x), features(y))  # noqa: E731
    anti_a, anti_b = resize_through(a, size, True), resize_through(b, size, True)
    alias_a, alias_b = resize_through(a, size, False), resize_through(b, size, False)
    return {"same: both as they are": fid(a, b),
            f"same: both at {size} px, antialiased": fid(anti_a, anti_b),
            f"same: both at {size} px, aliased": fid(alias_a, alias_b),
            f"different: only the second at {size} px": fid(a, anti_b),
            f"different: first antialiased, second aliased": fid(anti_a, alias_b)}
