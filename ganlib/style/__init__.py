"""Notebook 07, StyleGAN in miniature: a style-based generator for 28×28 images that trains on a
CPU.

- :mod:`.blocks`: the pieces — AdaIN, modulation / demodulation, per-layer noise — and the layers
  built from them.
- :mod:`.generator`: the mapping network z → w, the synthesis network (a learned constant, 7 → 14 →
  28, one style per layer), truncation in W, style mixing, and :class:`~.generator.StyleGenerator`.
- :mod:`.miniature`: the training recipe (``python -m ganlib.pretrain stylegan-fashion-mnist``,
  shipped) and a weight average.
- :mod:`.measures`: what the ideas buy, measured — truncation curves, style-mixing grids, path
  length in Z and W, feature-map spikes.
- :mod:`.mixer`: the style-mixing widget (it leaves a plain figure behind).
"""
