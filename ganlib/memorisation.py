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


def _flat(x: torch.Tensor) -> torch.Tensor:
    return x.reshape(len(x), -1).float()


def nearest_neighbours(queries: torch.Tensor, reference: torch.Tensor, k: int = 1,
                       batch_size: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    """Euclidean distances (N×k) and indices (N×k) of each query's k nearest reference items, batched."""
    q, r = _flat(queries), _flat(reference)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} values each, reference {r.shape[1]}")
    if not 1 <= k <= len(r):
        raise ValueError(f"k must be in 1..{len(r)}, got {k}")
    r_sq = (r * r).sum(1)
    dists, idx = [], []
    for start in range(0, len(q), batch_size):
        qb = q[start:start + batch_size]
        # ||a-b||² = ||a||² - 2 a·b + ||b||²: one matrix product instead of a loop over pairs
        d2 = (qb * qb).sum(1, keepdim=True) - 2 * qb @ r.T + r_sq
        d2_k, i_k = torch.topk(d2, k, dim=1, largest=False)
        dists.append(d2_k.clamp_min(0).sqrt())
        idx.append(i_k)
    return torch.cat(dists), torch.cat(idx)


def nearest_distance(queries: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Distance from each query to its nearest reference item (a vector of length N)."""
    return nearest_neighbours(queries, reference, k=1)[0][:, 0]


def memorisation_score(gen_dists: torch.Tensor, test_dists: torch.Tensor,
                       quantile: float = 0.05) -> float:
    """Fraction of generated samples closer to the training set than the q-quantile of test images."""
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    threshold = torch.quantile(test_dists.double().flatten(), quantile)
    return float((gen_dists.double().flatten() < threshold).double().mean())


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
    d_gen, d_test = nearest_distance(generated, train), nearest_distance(test, train)
    return MemorisationReport(space, memorisation_score(d_gen, d_test, quantile), quantile,
                              float(torch.quantile(d_test.double(), quantile)),
                              float(d_gen.median()), float(d_test.median()))
