"""Checks for the course's exercises: specific feedback instead of a bare assert.

Each notebook's checks live in ``ganlib/checks/nbXX.py`` and register themselves with
:func:`exercise`. A check passes quietly with a one-line confirmation, raises ``AssertionError``
with feedback (input, expected, got, hint), or, when the learner's function still raises
``NotImplementedError``, reports "not done yet" without stopping the notebook.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from typing import Any, Callable

REPORT_ENV = "GANLIB_CHECK_REPORT"  # the grader sets this to a JSON-lines file


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is taught, ganlib's own solution, and the check that grades it."""

    id: str
    notebook: str
    reference: Callable[..., Any]
    check: Callable[..., bool]
    title: str = ""
    points: int = 1


EXERCISES: dict[str, Exercise] = {}


def _record(ex_id: str, status: str, message: str = "") -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": ex_id, "status": status, "message": message}) + "\n")


def feedback(what: str, *, given: Any = None, expected: Any = None, got: Any = None,
             hint: str = "") -> str:
    """Format a failure message: what went wrong, for which input, expected vs got, and a hint."""
    lines = [what]
    if given is not None:
        lines.append(f"  input:    {given}")
    if expected is not None:
        lines.append(f"  expected: {expected}")
    if got is not None:
        lines.append(f"  got:      {got}")
    if hint:
        lines.append(f"  hint:     {hint}")
    return "\n".join(lines)


def exercise(ex_id: str, notebook: str, reference: Callable[..., Any], title: str = "",
             points: int = 1):
    """Register ``check_<ex_id>``: wrap a raw check so it prints, records and reports 'not done yet'."""

    def wrap(raw_check: Callable[..., None]) -> Callable[..., bool]:
        @functools.wraps(raw_check)
        def check(*args, **kwargs) -> bool:
            try:
                raw_check(*args, **kwargs)
            except NotImplementedError:
                print(f"⏳ {ex_id}: not done yet — replace `raise NotImplementedError()` with your code.")
                _record(ex_id, "not done")
                return False
            except AssertionError as e:
                _record(ex_id, "failed", str(e))
                raise AssertionError(f"{ex_id}: {e}") from None
            except Exception as e:
                msg = f"your code raised {type(e).__name__}: {e}"
                _record(ex_id, "failed", msg)
                raise AssertionError(f"{ex_id}: {msg}") from e
            print(f"✅ {ex_id}: passed.")
            _record(ex_id, "passed")
            return True

        EXERCISES[ex_id] = Exercise(ex_id, notebook, reference, check, title or ex_id, points)
        globals()[f"check_{ex_id}"] = check
        return check

    return wrap


# Each notebook's checks register themselves on import.
from . import nb01, nb02, nb03, nb04, nb05, nb06  # noqa: E402,F401
