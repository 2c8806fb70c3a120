"""Memorisation: does a generator hand back (near-)copies of its training images?

The test, step by step:

1. **Nearest neighbours.** For every generated sample find its nearest training image, and
   record the distance ``d_gen`` — in pixels (what a person would call a copy) or in the
   features of the course's classifier (``ganlib.classifier.features``: close there means the
   same kind of thing, even when re-shaded).
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
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ganlib.metrics import nearest_neighbours
from ganlib.validate import check_fraction


def nearest_distance(queries, reference):
    """Distance from each query to its nearest reference item."""
    q = queries.reshape(len(queries), -1)
    r = reference.reshape(len(reference), -1)
    return torch.cdist(q, r).min(dim=1).values


def memorisation_score(gen_dists: torch.Tensor, test_dists: torch.Tensor, quantile: float = 0.05) -> float:
    """Fraction of generated samples closer to the training set than the q-quantile of test images."""
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


def memorisation_report(generated: torch.Tensor, test: torch.Tensor, train: torch.Tensor,
                        space: str = "pixels", quantile: float = 0.05) -> MemorisationReport:
    """Nearest-training distances of generated and test items (same space), summarised with the score."""
    d_gen, d_test = (nearest_neighbours(x, train, dtype=torch.float32)[0][:, 0] for x in (generated, test))
    return MemorisationReport(space, memorisation_score(d_gen, d_test, quantile), quantile,
                              float(torch.quantile(d_test.double(), quantile)),
                              float(d_gen.median()), float(d_test.median()))
