"""Claims are code: a sentence that says what a measurement shows is followed by a check of it.

    expect("the minimax forger stalls", dist > 1.5, distance=dist, d_fake=d_fake)

prints one line, ``✓ the minimax forger stalls (distance 1.98, d_fake 0.0003)``, when the claim
holds. When it does not, a learner's run prints in plain words what the text expected and what this
run measured, and goes on (runs differ by seed and by machine); under ``make test`` and CI
(``$GANLIB_STRICT_CLAIMS=1``) it raises :class:`ClaimFailed`, so the moment the notebook's text and
its measurement part, the tests fail. When a result surprises you, change the text, not the check.
``only=("cpu", "gpu")`` runs the check only in those profiles (a claim the tiny ``ci`` budget
cannot show); elsewhere it prints that it was not checked. With ``$GANLIB_CLAIMS_LOG`` set, every
verdict is also appended to that file as a JSON line (``tools/claims_across_seeds.py`` reads them).
"""

from __future__ import annotations

import json
import math
from typing import Iterable


class ClaimFailed(AssertionError):
    """A notebook's claim does not hold for the numbers it was checked against."""


class Claim:
    """What :func:`expect` returns: truthy when the claim held (or was not checked in this profile).

    It displays nothing in a notebook (the one-line verdict is already printed).
    """

    __slots__ = ("text", "status", "numbers")

    def __init__(self, text: str, status: str, numbers: dict):
        self.text, self.status, self.numbers = text, status, numbers

    def __bool__(self) -> bool:
        return self.status != "failed"

    def __repr__(self) -> str:
        return f"Claim({self.text!r}, {self.status!r})"

    def _ipython_display_(self) -> None:
        """Show nothing: the verdict line was printed."""


def _fmt(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) or hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        return f"{v:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def numbers_text(numbers: dict) -> str:
    """``a 1.5, b 0.25``: the numbers a claim rests on, as text."""
    return ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in numbers.items())


def expect(claim: str, holds, *, only: Iterable[str] | None = None, **numbers) -> Claim:
    """Check a claim the notebook's text makes: print ``✓ claim (numbers)`` or raise
    :class:`ClaimFailed`.

    ``holds`` is the measured condition (a bool, or anything ``bool()`` accepts: a 0-d tensor, a
    NumPy bool); ``numbers`` are the measurements it rests on, shown either way. ``only`` names
    the profiles the claim is made for; in others the line says it was not checked.
    """
    if not isinstance(claim, str) or not claim.strip():
        raise ValueError("expect needs the claim as a sentence (a non-empty string)")
    from ganlib import config

    shown = f" ({numbers_text(numbers)})" if numbers else ""
    if only is not None:
        profiles = tuple(config.check_profile_name(p, "expect(only=...)") for p in only)
        if config.PROFILE.name not in profiles:
            print(f"· not checked in the {config.PROFILE.name} profile (made for "
                  f"{', '.join(profiles)}): {claim}{shown}")
            return _logged(Claim(claim, "not checked", numbers))
    if bool(holds):
        print(f"✓ {claim}{shown}")
        return _logged(Claim(claim, "held", numbers))
    failed = _logged(Claim(claim, "failed", numbers))
    if config.strict_claims():
        raise ClaimFailed(f"✗ the notebook claims: {claim!r}, but the measurement says "
                          f"otherwise{shown}. "
                          "Change the text (or fix the code), not the check.")
    print(f"✗ The text expected: {claim}.\n"
          "  This run measured: "
          f"{numbers_text(numbers) or 'a result on the other side of that line'}.\n  Runs differ "
          f"with the seed (GANLIB_SEED={config.SEED}) and with the machine's floating point, and "
          "this one\n  came out differently: read the text above with this run's numbers in mind. "
          "The notebook goes on.")
    return failed


def _plain(value):
    """A number or list of numbers as JSON can hold it (tensors and NumPy values included)."""
    if isinstance(value, (bool, int, str)) or value is None:
        return value
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return v if math.isfinite(v) else str(v)


def _logged(c: Claim) -> Claim:
    """Append the verdict to $GANLIB_CLAIMS_LOG when it is set; return the claim."""
    from ganlib.config import claims_log

    path = claims_log()
    if path is not None:
        line = json.dumps({"claim": c.text, "status": c.status,
                           "numbers": {k: _plain(v) for k, v in c.numbers.items()}},
                          ensure_ascii=False)
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return c
