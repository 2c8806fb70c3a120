"""Checks for the course's exercises: specific feedback instead of a bare assert.

Each notebook's checks live in ``ganlib/checks/nbXX.py`` and register themselves with
:func:`exercise`. A check passes quietly with a one-line confirmation, raises ``AssertionError``
with feedback (input, expected, got, hint), or, when the learner's function still raises
``NotImplementedError``, reports "not done yet" without stopping the notebook.
When ``$GANLIB_CHECK_REPORT`` names a file, every outcome is appended to it as one JSON line
(``{"id", "status", "message"}``); that is how ``python -m ganlib.homework grade`` scores a run.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import traceback
from dataclasses import dataclass
from typing import Any, Callable

REPORT_ENV = "GANLIB_CHECK_REPORT"  # the grader sets this to a JSON-lines file
STATUSES = ("passed", "failed", "not done")


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is taught, ganlib's own solution, and the check that grades it."""

    id: str
    notebook: str
    reference: Callable[..., Any]
    check: Callable[..., Outcome]
    title: str = ""
    points: int = 1


class Outcome:
    """What a check returns: truthy when it passed, ``.status`` in STATUSES.

    It shows nothing in a notebook (the check has already printed its one line), so a check
    call at the end of a cell leaves no stray ``True`` under the confirmation.
    """

    __slots__ = ("status",)

    def __init__(self, status: str):
        self.status = status

    def __bool__(self) -> bool:
        return self.status == "passed"

    def __repr__(self) -> str:
        return f"Outcome({self.status!r})"

    def _ipython_display_(self) -> None:
        """Display nothing: IPython calls this instead of printing the repr."""


NOTEBOOK_MODULES = ("nb01", "nb02", "nb03", "nb04", "nb05", "nb06")
_loading = False


def _load_all() -> None:
    """Import every notebook's checks module (each registers its exercises on import)."""
    global _loading
    if _loading:
        return
    _loading = True
    try:
        for m in NOTEBOOK_MODULES:
            importlib.import_module(f"{__name__}.{m}")
    except BaseException:
        _loading = False
        raise


class _Registry(dict):
    """The exercise registry; reading it loads every notebook's checks first.

    Lazy so that ``import ganlib.checks`` stays light (a teacher's own checks module or the
    grader's test fixtures need not import torch); the course notebooks import what they use.
    """

    def __getitem__(self, key):
        _load_all()
        return super().__getitem__(key)

    def __iter__(self):
        _load_all()
        return super().__iter__()

    def __len__(self):
        _load_all()
        return super().__len__()

    def __contains__(self, key):
        _load_all()
        return super().__contains__(key)

    def __repr__(self):
        _load_all()
        return super().__repr__()

    def get(self, key, default=None):
        _load_all()
        return super().get(key, default)

    def keys(self):
        _load_all()
        return super().keys()

    def values(self):
        _load_all()
        return super().values()

    def items(self):
        _load_all()
        return super().items()


EXERCISES: dict[str, Exercise] = _Registry()


def exercises_for(notebook: str) -> list[Exercise]:
    """The exercises taught in one notebook (matched by file name), in registration order."""
    name = os.path.basename(notebook)
    return [ex for ex in EXERCISES.values() if ex.notebook == name]


def _record(ex_id: str, status: str, message: str = "") -> None:
    """Append one outcome to the grader's report; never let a bad report path break a check."""
    path = os.environ.get(REPORT_ENV)
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": ex_id, "status": status, "message": message}) + "\n")
    except OSError:
        pass


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


def _where(exc: BaseException) -> str:
    """The innermost line of the learner's own code (a notebook cell) in a traceback, if any."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "ipykernel" in f.filename or f.filename.startswith("<")]
    if not frames:
        return ""
    f = frames[-1]
    return f" (in {f.name}, line {f.lineno}: {(f.line or '').strip()})"


def exercise(ex_id: str, notebook: str, reference: Callable[..., Any], title: str = "",
             points: int = 1):
    """Register ``check_<ex_id>``: wrap a raw check so it prints, records and reports 'not done yet'."""

    def wrap(raw_check: Callable[..., None]) -> Callable[..., Outcome]:
        @functools.wraps(raw_check)
        def check(*args, **kwargs) -> Outcome:
            try:
                raw_check(*args, **kwargs)
            except NotImplementedError:
                print(f"⏳ {ex_id}: not done yet — replace `raise NotImplementedError()` with your code.")
                _record(ex_id, "not done")
                return Outcome("not done")
            except AssertionError as e:
                _record(ex_id, "failed", str(e))
                raise AssertionError(f"{ex_id}: {e}") from None
            except Exception as e:
                msg = f"your code raised {type(e).__name__}: {e}{_where(e)}"
                _record(ex_id, "failed", msg)
                raise AssertionError(f"{ex_id}: {msg}") from e
            print(f"✅ {ex_id}: passed.")
            _record(ex_id, "passed")
            return Outcome("passed")

        old = dict.get(EXERCISES, ex_id)
        if old is not None and (old.check.__module__, old.check.__qualname__) != (
                raw_check.__module__, raw_check.__qualname__):
            raise ValueError(f"exercise id {ex_id!r} is already registered by {old.check.__module__}; "
                             "exercise ids must be unique across the course")
        dict.__setitem__(EXERCISES, ex_id,
                         Exercise(ex_id, notebook, reference, check, title or ex_id, points))
        globals()[f"check_{ex_id}"] = check
        return check

    return wrap



def __getattr__(name: str) -> Any:
    """``checks.check_<id>`` and ``checks.nbXX``: load the notebooks' checks on first use."""
    if name.startswith("check_") or name in NOTEBOOK_MODULES:
        _load_all()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
