"""Checks for the course's exercises: specific feedback instead of a bare assert, and a contract for
graders.

An exercise is three functions, registered with :func:`exercise`:

- ``cases(seed) -> list``: the inputs the learner's function is tried on, as *plain data*
  (numbers, strings, lists, dicts, CPU tensors). The grader chooses the seed.
- ``run(fn, case)``: calls the learner's function on one case and returns what it gave back, as
  plain data (:func:`plain` converts). This is the only part that runs the learner's code.
- ``judge(case, got)``: compares ``got`` with the reference answer and raises ``AssertionError``
  with feedback (input, expected, got, hint) when it is wrong. It never runs the learner's code.

In a notebook, ``checks.check_<id>(fn)`` does all three and prints a one-line confirmation,
raises with the feedback, or reports "not done yet" while ``fn`` still raises
``NotImplementedError``. Under the homework grader the check only runs ``run`` and records the
plain answers for the grader, which judges them in its own process; that machinery (the answers
file, the grading copy of ganlib with its answers hidden) is :mod:`ganlib.course`, not needed here.
"""

from __future__ import annotations

import functools
import importlib
import os
import traceback
from dataclasses import dataclass
from typing import Any, Callable

NBGRADER_ENV = "NBGRADER_EXECUTION"   # nbgrader sets this while it executes a notebook
STATUSES = ("passed", "failed", "not done", "recorded")


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is taught, ganlib's own solution, and how it is tried and judged."""

    id: str
    notebook: str
    reference: Callable[..., Any]
    check: Callable[..., "Outcome"]
    cases: Callable[[int], list]
    run: Callable[[Callable, Any], Any]
    judge: Callable[[Any, Any], None]
    title: str = ""
    points: int = 1


class Outcome:
    """What a check returns: truthy when it passed, ``.status`` in STATUSES, ``.message`` the
    feedback.

    It shows nothing in a notebook (the check has already printed its one line), so a check
    call at the end of a cell leaves no stray ``True`` under the confirmation.
    """

    __slots__ = ("status", "message")

    def __init__(self, status: str, message: str = ""):
        self.status, self.message = status, message

    def __bool__(self) -> bool:
        return self.status == "passed"

    def __repr__(self) -> str:
        return f"Outcome({self.status!r})"

    def _ipython_display_(self) -> None:
        """Display nothing: IPython calls this instead of printing the repr."""


NOTEBOOK_MODULES = ("nb01", "nb02", "nb03", "nb04", "nb05", "nb06", "nb07", "nb08")
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


# ----------------------------------------------------------------------------- plain data

def _plain_ints(torch) -> tuple:
    return (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def plain(value: Any, _depth: int = 0) -> Any:
    """What crosses from the learner's code to a judge: numbers, strings, lists, dicts and CPU
    tensors.

    NumPy arrays become tensors; tensors are detached copies on the CPU; anything else becomes
    ``{"__type__": name}``, which judges report as "returned a <name>".
    """
    import numpy as np
    import torch

    if _depth > 20:
        return {"__type__": "deeply nested value"}
    if value is None or type(value) in (bool, int, float, str):
        return value
    # a subclass (its own __eq__, say) crosses as the plain value
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, np.generic):
        return value.item()
    if torch.is_tensor(value):
        if value.layout != torch.strided or value.is_quantized or value.device.type == "meta":
            return {"__type__": f"{value.layout} tensor".replace("torch.", "")}
        if not (value.is_floating_point() or value.is_complex()
                or value.dtype in _plain_ints(torch)):
            return {"__type__": f"tensor of {value.dtype}".replace("torch.", "")}
        return value.detach().cpu().clone().contiguous()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return torch.from_numpy(np.array(value, copy=True))
        return {"__type__": f"ndarray of {value.dtype}"}
    if isinstance(value, (list, tuple)):
        return [plain(v, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v, _depth + 1) for k, v in value.items()}
    return {"__type__": type(value).__name__}


def same(a: Any, b: Any, tol: float = 1e-5) -> bool:
    """Whether two plain answers agree: numbers within ``tol`` (relative to 1 + |b|), tensors of one
    shape ``allclose``, lists and dicts element by element. A judge replays the reference (and
    typical mistakes) on the same case and compares with this."""
    import torch

    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= tol * (1 + abs(b))
    if torch.is_tensor(a) and torch.is_tensor(b):
        return a.shape == b.shape and bool(torch.allclose(a.double(), b.double(), atol=tol,
                                                          rtol=tol))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], tol) for k in a)
    return False


def which_mistake(replay: Callable[[Callable], Any], reference: Callable, mistakes,
                  agrees: Callable[[Any], bool], default: str) -> str | None:
    """Replay the reference and each modelled mistake on the learner's case: None when the learner's
    answer agrees with the reference, else the hint of the first ``(mistake, hint)`` it agrees with,
    or ``default``."""
    if agrees(replay(reference)):
        return None
    return next((hint for mistake, hint in mistakes if agrees(replay(mistake))), default)


def drawn(seed: int, salt: int, n: int, scale: float = 1.0):
    """n values ~ scale·N(0, 1) drawn from the grading seed, two decimals: a case no table of
    answers can know."""
    import torch

    g = torch.Generator().manual_seed(seed * 7919 + salt)
    return (scale * torch.randn(n, generator=g)).round(decimals=2)


def type_name(got: Any) -> str:
    """How a judge names what the learner returned (``a tensor of shape (3,)``, ``a NoneType``
    …)."""
    import torch

    if isinstance(got, dict) and "__type__" in got:
        return f"a {got['__type__']}"
    if torch.is_tensor(got):
        return f"a tensor of shape {tuple(got.shape)}"
    return f"a {type(got).__name__}"


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


# ----------------------------------------------------------------------------- the two halves

class _Raised(Exception):
    """The learner's function raised while being tried: the message says what and where."""


def collect(ex: Exercise, fn: Callable, seed: int) -> list:
    """Run the learner's ``fn`` on every case (the learner's side); plain answers, in case order.

    Raises NotImplementedError while the exercise is not done, and :class:`_Raised` when ``fn``
    raises anything else.
    """
    answers = []
    for case in ex.cases(seed):
        try:
            answers.append(plain(ex.run(fn, case)))
        except NotImplementedError:
            raise
        except Exception as e:
            raise _Raised(f"your code raised {type(e).__name__}: {e}{_where(e)}") from e
    return answers


def verdict(ex: Exercise, seed: int, answers: Any) -> tuple[str, str]:
    """Judge plain answers against the reference (the grader's side): ``(status, message)``.

    ``answers`` is a list with one plain answer per case, or ``{"not done": True}`` /
    ``{"raised": message}`` as the learner's side recorded them.
    """
    if isinstance(answers, dict):
        if answers.get("not done"):
            return "not done", "not done yet: the function still raises NotImplementedError"
        if "raised" in answers:
            return "failed", str(answers["raised"])[:2000]
        return "failed", "the recorded answer is not in the expected form"
    cases = ex.cases(seed)
    if not isinstance(answers, list) or len(answers) != len(cases):
        return "failed", (f"expected {len(cases)} answers, one per case; the record holds "
                          "something else")
    bad = next((k for k, got in enumerate(answers) if not finite(got)), None)
    not_finite = (f"the answer to case {(bad or 0) + 1} holds NaN or infinity: a finite answer was "
                  "expected")
    # the judge first: its hint names the mistake behind a NaN (slerp without its fallback divides
    # by 0)
    try:
        for case, got in zip(cases, answers):
            ex.judge(case, got)
    except AssertionError as e:
        return "failed", str(e)
    except Exception as e:  # a judge tripping over a malformed answer: the answer is wrong, say how
        return "failed", not_finite if bad is not None else ("the answer could not be judged "
                                                             f"({type(e).__name__}: {e})")
    if bad is not None:  # a judge that let it through: NaN or infinity never passes
        return "failed", not_finite
    return "passed", ""


def finite(value: Any) -> bool:
    """Whether a plain answer holds only finite numbers (NaN or infinity never passes a judge)."""
    import math

    import torch

    if isinstance(value, float):
        return math.isfinite(value)
    if torch.is_tensor(value):
        return not (value.is_floating_point()
                    or value.is_complex()) or bool(torch.isfinite(value).all())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    return True


def _make_check(ex_id: str) -> Callable[..., Outcome]:
    def check(fn: Callable) -> Outcome:
        ex = dict.__getitem__(EXERCISES, ex_id)
        if _graded():
            return _record(ex, fn)
        try:
            answers = collect(ex, fn, 0)
        except NotImplementedError:
            if os.environ.get(NBGRADER_ENV):  # nbgrader awards a grade cell that runs without error
                raise AssertionError(f"{ex_id}: not done yet — replace `raise "
                                     "NotImplementedError()` with your code.") from None
            print(
                f"⏳ {ex_id}: not done yet — replace `raise NotImplementedError()` with your code."
            )
            return Outcome("not done")
        except _Raised as e:
            raise AssertionError(f"{ex_id}: {e}") from e.__cause__
        status, message = verdict(ex, 0, answers)
        if status != "passed":
            raise AssertionError(f"{ex_id}: {message}")
        print(f"✅ {ex_id}: passed.")
        return Outcome("passed")

    check.__name__ = check.__qualname__ = f"check_{ex_id}"
    return check


def _graded() -> bool:
    """Whether the homework grader runs this kernel (see :mod:`ganlib.course.answers`)."""
    from ganlib.course.answers import grading

    return grading()


def _record(ex: Exercise, fn: Callable) -> Outcome:
    """Under the homework grader: no verdict here, only the plain answers on the grading seed's
    cases, saved for the grader to judge in its own process (:mod:`ganlib.course.answers`)."""
    from ganlib.course.answers import grading_seed, remember, save_answer

    try:
        answers = collect(ex, fn, grading_seed())
    except NotImplementedError:
        save_answer(ex.id, {"not done": True})
        print(f"⏳ {ex.id}: not done yet — replace `raise NotImplementedError()` with your code.")
        return Outcome("not done")
    except _Raised as e:
        save_answer(ex.id, {"raised": str(e)})
        print(f"📝 {ex.id}: your function raised an error; the grader will see it.")
        return Outcome("recorded", str(e))
    save_answer(ex.id, answers)
    remember(ex.id, fn)  # the grading copy's stand-in for the reference now runs the learner's code
    print(f"📝 {ex.id}: answer recorded for the grader.")
    return Outcome("recorded")


def exercise(
    ex_id: str,
    notebook: str,
    reference: Callable[..., Any],
    *,
    cases: Callable[[int], list],
    judge: Callable[[Any, Any], None],
    run: Callable[[Callable, Any], Any] | None = None,
    title: str = "",
    points: int = 1,
) -> Callable[..., Outcome]:
    """Register an exercise; return its ``check_<ex_id>(fn)`` (also reachable as
    ``checks.check_<ex_id>``).

    ``run`` defaults to ``fn(*case["args"])``. Judges compare with ``reference`` in the caller's
    process; ``reference`` is ganlib's own solution (a test binds it to the notebook's).
    """
    old = dict.get(EXERCISES, ex_id)
    if old is not None and (old.judge.__module__, old.judge.__qualname__) != (
        judge.__module__,
        judge.__qualname__,
    ):
        raise ValueError(f"exercise id {ex_id!r} is already registered by {old.judge.__module__}; "
                         "exercise ids must be unique across the course")
    run = run if run is not None else (lambda fn, case: fn(*case["args"]))
    check = _make_check(ex_id)
    functools.update_wrapper(check, judge, assigned=("__module__", "__doc__"))
    dict.__setitem__(EXERCISES, ex_id,
                     Exercise(ex_id, notebook, reference, check, cases, run, judge,
                                                title or ex_id, points))
    globals()[f"check_{ex_id}"] = check
    return check


def __getattr__(name: str) -> Any:
    """``checks.check_<id>`` and ``checks.nbXX``: load the notebooks' checks on first use."""
    if name.startswith("check_") or name in NOTEBOOK_MODULES:
        _load_all()
        if name in globals():
            return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
