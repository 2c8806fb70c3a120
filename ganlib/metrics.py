"""Metrics that judge generators: mode coverage on toy sets, FID, KID, precision / recall, IS."""

from __future__ import annotations

from .modes import mode_coverage  # noqa: F401  (defined with the toy-set protocol)
