"""Memorisation: does a generator hand back (near-)copies of its training images?

The test, step by step:

1. **Nearest neighbours.** For every generated sample find its nearest training image, and
   record the distance ``d_gen`` — in pixels (what a person would call a copy) or in the
   features of the course's classifier (``ganlib.classifier.features``: close there means the
   classifier describes both images almost alike; a re-shaded copy stays close, a copy moved by
   one pixel does not).
2. **A yardstick from held-out data.** Do the same for real *test* images, which the
   generator never saw: ``d_test`` tells how close a genuinely *new* image of this data set
   typically lands to the training set. Fashion-MNIST has many near-duplicates, so this
   distance is far from large.
3. **The score.** Take a low quantile ``q`` of ``d_test`` (default 5 %) as the threshold
   ``τ``. The memorisation score is the fraction of generated samples with ``d_gen < τ``:
   how often a sample sits closer to some training image than all but the closest ``q`` of
   fresh test images do. A generator that produces new images like the test set scores
   about ``q``; one that copies scores near 1. Report the ratio ``score / q`` too: above 1
   means "closer to the training set than new data would be".

A low score is evidence, not proof, of privacy: it checks one distance, one threshold and the
samples drawn. Membership-inference attacks can still succeed where this test sees nothing.

Which distance matters. A copy moved by one pixel is far from its original in plain pixel
distance, and noise or a one-pixel move carries a copy's classifier features away; so the
course also measures :func:`shift_tolerant_distance`, the pixel distance minimised over small
shifts of the sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F

from ganlib.metrics import nearest_neighbours
from ganlib.validate import check_count, check_fraction


def nearest_distance(queries, reference):
    """Distance from each query to its nearest reference item."""
    q = queries.reshape(len(queries), -1)
    r = reference.reshape(len(reference), -1)
    return torch.cdist(q, r).min(dim=1).values


def shift(images: torch.Tensor, dx: int, dy: int, fill: float = -1.0) -> torch.Tensor:
    """Images moved dx pixels right and dy down; the uncovered border is ``fill``
    (−1: black background)."""
    m = max(abs(dx), abs(dy))
    if m == 0:
        return images
    padded = F.pad(images, (m, m, m, m), value=fill)
    h, w = images.shape[-2:]
    return padded[..., m - dy:m - dy + h, m - dx:m - dx + w]


def shift_tolerant_distance(
    queries: torch.Tensor,
    reference: torch.Tensor,
    max_shift: int = 1,
    candidates: int = 16,
    pool: int = 4,
    batch_size: int = 256,
) -> torch.Tensor:
    """Each query image's pixel distance to its nearest reference image, minimised over shifts of
    the query by up to ``max_shift`` pixels in each direction (a copy moved a pixel still counts as
    a copy).

    For each shift, the ``candidates`` nearest reference images in ``pool``×``pool``-averaged pixels
    (a cheap coarse search) are compared in full pixels; a shifted copy is aligned with its original
    at the right shift, so the original is among them.
    """
    check_count(max_shift, "max_shift", minimum=0)
    for value, name in ((candidates, "candidates"), (pool, "pool"), (batch_size, "batch_size")):
        check_count(value, name)
    q, r = queries.float(), reference.float()
    k = min(candidates, len(r))
    r_coarse = F.avg_pool2d(r, pool)
    best = torch.full((len(q),), float("inf"))
    for dx in range(-max_shift, max_shift + 1):
        for dy in range(-max_shift, max_shift + 1):
            moved = shift(q, dx, dy)
            _, idx = nearest_neighbours(F.avg_pool2d(moved, pool), r_coarse, k=k,
                                        dtype=torch.float32)
            for i in range(0, len(q), batch_size):
                cand = r[idx[i:i + batch_size]].flatten(2)  # (b, k, pixels)
                d = (
                    (moved[i : i + batch_size].flatten(1)[:, None] - cand)
                    .norm(dim=2)
                    .min(dim=1)
                    .values
                )
                best[i:i + batch_size] = torch.minimum(best[i:i + batch_size], d)
    return best


def memorisation_score(
    gen_dists: torch.Tensor, test_dists: torch.Tensor, quantile: float = 0.05
) -> float:
    """Fraction of generated samples closer to the training set than the q-quantile of test
    images."""
    check_fraction(quantile, "quantile")
    threshold = torch.quantile(test_dists.double(), quantile)
    return float((gen_dists.double() < threshold).double().mean())


@dataclass(frozen=True)
class MemorisationReport:
    """The score with what it rests on: the threshold, the expected value, and typical distances."""

    space: str
    score: float
    quantile: float
    threshold: float
    median_gen: float
    median_test: float

    @property
    def ratio(self) -> float:
        """score / quantile: about 1 for new images, well above 1 for copies."""
        return self.score / self.quantile

    def __str__(self) -> str:
        return (f"{self.space:>8}: score {self.score:.3f} (new data ≈ {self.quantile:.3f}, "
                f"ratio {self.ratio:.2f}); median nearest distance generated {self.median_gen:.3f}"
                f" vs test {self.median_test:.3f}; threshold τ={self.threshold:.3f}")


def plain_distance(queries: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Each query's Euclidean distance to its nearest reference item (batched; float32)."""
    return nearest_neighbours(queries, reference, dtype=torch.float32)[0][:, 0]


def memorisation_report(
    generated: torch.Tensor,
    test: torch.Tensor,
    train: torch.Tensor,
    space: str = "pixels",
    quantile: float = 0.05,
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = plain_distance,
) -> MemorisationReport:
    """Nearest-training distances of generated and test items (same space, same ``distance``), with
    the score."""
    return memorisation_reports({space: generated}, test, train, space, quantile, distance)[space]


def memorisation_reports(
    generated: dict[str, torch.Tensor],
    test: torch.Tensor,
    train: torch.Tensor,
    space: str = "pixels",
    quantile: float = 0.05,
    distance: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = plain_distance,
) -> dict[str, MemorisationReport]:
    """:func:`memorisation_report` for several sets of samples at once, the test images' distances
    computed once."""
    d_test = distance(test, train)
    tau = float(torch.quantile(d_test.double(), quantile))
    out = {}
    for name, x in generated.items():
        d_gen = distance(x, train)
        out[name] = MemorisationReport(space, memorisation_score(d_gen, d_test, quantile), quantile,
                                       tau, float(d_gen.median()), float(d_test.median()))
    return out
