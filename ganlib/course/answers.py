"""The grader's side of a check: the answers file, and the grading copy's stand-ins for ganlib's
answers.

While the homework grader runs a submission (``$GANLIB_ANSWERS`` names a file),
``checks.check_<id>`` does not judge: it runs the learner's function on the cases of the grading
seed and saves the plain answers with :func:`save_answer`; the grader reads them back with
:func:`ganlib.course.intake.read_answers` (bounded: a small hostile file cannot blow the grader up)
and judges them in its own process. In the grading copy of ganlib (:mod:`ganlib.course.redact`),
each graded reference is :func:`hidden` and each judge is :func:`judged_by_the_grader`. A learner
never needs this module.
"""

from __future__ import annotations

import io
import os
from typing import Any, Callable

# the grader sets this: the learner's kernel saves plain answers here
ANSWERS_ENV = "GANLIB_ANSWERS"
SEED_ENV = "GANLIB_GRADING_SEED"      # and this: the seed of the cases it will judge
MAX_ANSWER_BYTES = 20_000_000      # the size of an answers file


def grading() -> bool:
    """Whether this kernel runs under the homework grader (it then records answers instead of
    judging)."""
    return bool(os.environ.get(ANSWERS_ENV))


def grading_seed() -> int:
    """The seed of the cases the grader will judge (0 when unset or not a number)."""
    try:
        return int(os.environ.get(SEED_ENV, "0"))
    except ValueError:
        return 0


# -------------------------------------------------------------------------- in the learner's kernel

def save_answer(ex_id: str, record: Any) -> None:
    """Add one exercise's plain answers to the grader's answers file (atomic; size-capped)."""
    import torch

    from ganlib.files import atomic_write

    path = os.environ[ANSWERS_ENV]
    try:
        book = (
            torch.load(path, map_location="cpu", weights_only=True) if os.path.exists(path) else {}
        )
        if not isinstance(book, dict):
            book = {}
    except Exception:
        book = {}
    book[ex_id] = record
    buf = io.BytesIO()
    torch.save(book, buf)
    if buf.tell() > MAX_ANSWER_BYTES:
        book[ex_id] = {"raised": f"the answers are larger than {MAX_ANSWER_BYTES // 1_000_000} MB"}
        buf = io.BytesIO()
        torch.save(book, buf)
    atomic_write(path, lambda f: f.write(buf.getvalue()))


class HiddenWhileGrading(RuntimeError):
    """A graded reference called in the grading copy of ganlib before the learner's own was
    checked."""


# grading only: the learner's function for each exercise whose check ran
_OWN: dict[str, Callable] = {}


def remember(ex_id: str, fn: Callable) -> None:
    """The learner's ``fn`` passed its exercise's check: the grading copy's stand-in now calls
    it."""
    _OWN[ex_id] = fn


def hidden(ex_id: str, name: str) -> Callable[..., Any]:
    """What the grading copy of ganlib has where a graded answer was: a stand-in for ``name``.

    It calls the learner's own function once that has been through ``check_<ex_id>`` (so later
    cells and ganlib's own callers run on the learner's code) and raises "write your own" before.
    """
    def stand_in(*args, **kwargs):
        own = _OWN.get(ex_id)
        if own is None:
            raise HiddenWhileGrading(f"{name} is switched off while your homework is graded: "
                                     f"write your own (exercise {ex_id!r}) and pass it to "
                                     f"check_{ex_id}")
        return own(*args, **kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name.rsplit(".", 1)[-1]
    return stand_in


def judged_by_the_grader(ex_id: str) -> Callable[..., Any]:
    """What the grading copy has in place of a judge: judging happens in the grader's process."""
    def judge(case, got):
        raise RuntimeError(f"exercise {ex_id!r} is judged by the grader, not here")

    return judge
