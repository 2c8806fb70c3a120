"""Membership inference against a generator: can its samples tell who was in the training set?

The attack (the "full black-box" attack of Chen et al. 2020, GAN-Leaks; Hilprecht et al. 2019):
draw many samples from the generator; for a candidate image, find the distance to its nearest
sample; guess "member" when it is small. Done for images that *were* in the training set
(members) and real images that were not (non-members), the attack's success is the AUC: the
chance that a random member sits closer to the samples than a random non-member. 0.5 means the
samples say nothing about membership; 1 means they give every member away.

It is notebook 06's memorisation test turned around: there, each *sample* looks for its nearest
training image; here, each *person's image* looks for its nearest sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ganlib.metrics import nearest_neighbours, ranking_auc


def distance_to_samples(images: Tensor, samples: Tensor) -> Tensor:
    """Pixel distance from each image to its nearest generated sample."""
    return nearest_neighbours(images, samples, dtype=torch.float32)[0][:, 0]


def membership_auc(member_dists: Tensor, nonmember_dists: Tensor) -> float:
    """P(a member is closer to the samples than a non-member), ties counted half."""
    return ranking_auc(nonmember_dists, member_dists)


@dataclass(frozen=True)
class MembershipReport:
    """The attack's AUC with the distances it rests on."""

    name: str
    auc: float
    median_member: float
    median_nonmember: float

    def __str__(self) -> str:
        return (f"{self.name}: AUC {self.auc:.3f} (0.5 = the samples reveal nothing); median "
                "distance to the "
                f"nearest sample: members {self.median_member:.3f}, non-members "
                f"{self.median_nonmember:.3f}")


def membership_attack(
    samples: Tensor, members: Tensor, nonmembers: Tensor, name: str = "generator"
) -> MembershipReport:
    """Run the distance attack: members (training images) against non-members (held-out images)."""
    d_in, d_out = distance_to_samples(members, samples), distance_to_samples(nonmembers, samples)
    return MembershipReport(name, membership_auc(d_in, d_out), float(d_in.median()),
                            float(d_out.median()))
