"""The design-app release decision of notebook 06: concrete choices, each answered by a measurement.

The learner's plan is a dict of choices: which data to train on, which memorisation distances and
ratio threshold gate a release, how strong a watermark to add, and what the model card may say
about privacy. :func:`release_plan` is the course's own answer, computed from the notebook's
measurements; :func:`passes_gate` runs the memorisation gate on any set of samples (the shipped
generator, the copycats).
"""

from __future__ import annotations

SOURCES = {
    "a": "Fashion-MNIST as released (MIT licence)",
    "b": "images scraped from other shops' websites",
    "c": "your own users' uploads, with opt-in consent to training and a licence for "
         "commercial use",
    "d": "a stock collection licensed for training and for commercial use of what is made from it",
}
"""Candidate training data for a product that sells generated prints."""

PRIVACY_STATEMENTS = {
    "a": "The model is private: its memorisation score matches that of new data.",
    "b": "No memorisation was found with these distances and this threshold on these samples; this "
         "is no privacy guarantee, and membership inference was not tested.",
    "c": "Memorisation does not matter here: the training images show products, not people.",
}
"""What the model card could say about privacy."""

COPYCATS = ("copycat: train + noise", "copycat shifted 1 px")
NEW_DATA = "new real images"
DETECTED_AFTER = "detected after noise 0.1"
REQUIRED_DETECTION = 0.95


def passes_gate(ratios, spaces, limit):
    """True when the memorisation ratio is at most ``limit`` in every chosen distance space."""
    return all(ratios[s] <= limit for s in spaces)


def release_plan(measured):
    """The course's choices, from the measurements: consented, licensed data; every distance in
    which new data pass a ratio of 2; the weakest watermark that survives noise; an honest privacy
    line."""
    limit = 2.0
    new = measured["memorisation"][NEW_DATA]
    spaces = [s for s in new if new[s] <= limit]
    marks = measured["watermark"]
    strong_enough = [float(s) for s, row in marks.items()
                     if row[DETECTED_AFTER] >= REQUIRED_DETECTION]
    return {"train_on": ["c", "d"], "gate_spaces": spaces, "gate_ratio": limit,
            "watermark_strength": min(strong_enough) if strong_enough else None,
            "model_card_privacy": "b"}


CARD_FIELDS = {
    "data card": ("Source", "Licence and consent", "Not known"),
    "model card": ("Intended use", "Not for", "Memorisation ratios", "Watermark", "Privacy",
                   "Not measured"),
}
"""The sections the release's two cards must fill (the measured ones as numbers, the rest as
text)."""


def release_cards(measured, plan):
    """The release's data card and model card: what the plan chose, and what was measured about
    it."""
    mem = measured["memorisation"]["shipped DCGAN"]
    mark = measured["watermark"][f"{plan['watermark_strength']:.2f}"]
    return {
        "data card": {
            "Source": [SOURCES[c] for c in plan["train_on"]],
            "Licence and consent": "each image is licensed for training and for commercial use of "
                                   "what is made from it; users' uploads only with their opt-in "
                                   "consent",
            "Not known": ["whose designs the stock collection copies",
                          "which styles, body types and regions the data cover"],
        },
        "model card": {
            "Intended use": "generating clothing designs that users tweak and sell as prints",
            "Not for": "images of people, or passing off a generated design as a designer's own "
                       "work",
            "Memorisation ratios": {s: mem[s] for s in plan["gate_spaces"]},
            "Watermark": {"strength": plan["watermark_strength"], "psnr": mark["psnr"],
                          "detected": mark[DETECTED_AFTER]},
            "Privacy": PRIVACY_STATEMENTS[plan["model_card_privacy"]],
            "Not measured": ["membership inference was not tested",
                             "memorisation under other distances and thresholds"],
        },
    }
