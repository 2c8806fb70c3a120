"""Data cards and model cards: short, structured documentation that travels with a data set or
model.

After Gebru et al., 'Datasheets for Datasets' (2018) and Mitchell et al., 'Model Cards for
Model Reporting' (2019). A card is a title and named sections; ``str(card)`` is Markdown, and
in Jupyter it renders itself. Fill the "measured" sections from measurements, never by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Card:
    """A titled list of sections; each section is text or a list of bullet points."""

    title: str
    sections: dict[str, str | list[str]] = field(default_factory=dict)

    def add(self, name: str, content: str | list[str]) -> "Card":
        """Add (or replace) a section; returns the card so calls chain."""
        self.sections[name] = content
        return self

    def missing(self) -> list[str]:
        """Names of sections left empty: what the card does not yet say."""
        return [k for k, v in self.sections.items() if not v]

    def to_markdown(self) -> str:
        """The card as Markdown: a heading, then one sub-heading per section."""
        out = [f"### {self.title}"]
        for name, content in self.sections.items():
            out.append(f"**{name}**")
            if isinstance(content, str):
                out.append(content or "_not known_")
            else:
                out.append("\n".join(f"- {item}" for item in content) or "_not known_")
        return "\n\n".join(out)

    __str__ = to_markdown

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def fashion_mnist_data_card() -> Card:
    """What is and is not known about Fashion-MNIST's origin, licence and consent."""
    return Card("Data card: Fashion-MNIST", {
        "Source": "Xiao, Rasul and Vollgraf (2017), 'Fashion-MNIST', arXiv:1708.07747, Zalando "
                  "Research. 70,000 grayscale 28×28 images (60,000 train, 10,000 test) made from "
                  "thumbnails of product photos on Zalando's online shop; 10 classes, 7,000 each.",
        "Licence": "MIT licence (github.com/zalandoresearch/fashion-mnist). It covers the data "
                   "set as released; it says nothing about the rights in the original photos "
                   "or garment designs.",
        "How it was made": ["product photos (front view) cropped, resized to 28 px on the long "
                            "side, sharpened, padded, converted to grayscale and inverted",
                            "labels: each product's silhouette code, labelled by hand by Zalando's "
                            "in-house fashion experts and reviewed by a separate team (Xiao et al. "
                            "2017, section 2)"],
        "Known about consent": ["the images show products, mostly without people; the images "
                                "were published by the company that released the data set"],
        "Not known": ["whether photographers, models or the brands whose designs appear agreed "
                      "to use for machine learning",
                      "which brands, designers, regions and years are covered (and so whose "
                      "styles a generator learns)",
                      "how often labels are wrong or ambiguous (e.g. shirt vs T-shirt)"],
        "Fit for": "teaching and benchmarking small image models; not representative of "
                   "clothing worldwide, and not a source of designs to sell.",
    })
