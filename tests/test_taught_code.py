"""The code the notebooks teach is written in their cells, and equal to its one copy in ganlib.

A cell that teaches code carries ``metadata.ganlib.twins``: the ganlib objects it defines. Each
definition in the cell must equal its twin after normalising what is not the code's meaning:
docstrings, type annotations, the ``my_`` prefix of an exercise's function name, and (on ganlib's
side only) leading input checks — statements that call a ``check_…`` function of
``ganlib.validate``. Exercise solutions are bound the same way, so the answer a student is graded
against is the code ganlib runs.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))  # the worked versions
NOT_CODE_EXERCISES = {"collapse_checklist"}  # answered with a list of names, not with code ganlib runs


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def taught_cells() -> list[tuple[str, int, str, list[str]]]:
    """(notebook, cell index, source, twins) for every cell that teaches ganlib code."""
    out = []
    for p in NOTEBOOKS:
        for i, c in enumerate(_cells(p)):
            twins = c.get("metadata", {}).get("ganlib", {}).get("twins")
            if twins:
                out.append((p.name, i, _source(c), twins))
    return out


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


class _Normalise(ast.NodeTransformer):
    """Drop docstrings and annotations; on ganlib's side, drop leading check_… statements."""

    def __init__(self, drop_checks: bool):
        self.drop_checks = drop_checks

    @staticmethod
    def _is_check(stmt: ast.stmt) -> bool:
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id.startswith("check_"))

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        while self.drop_checks and body and self._is_check(body[0]):
            body = body[1:]
        return body or [ast.Pass()]

    def visit_FunctionDef(self, node):
        node.returns = None
        for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
            a.annotation = None
        for a in (node.args.vararg, node.args.kwarg):
            if a is not None:
                a.annotation = None
        node.name = node.name.removeprefix("my_")
        node.body = self._body(node.body)
        self.generic_visit(node)
        return node

    def visit_ClassDef(self, node):
        node.name = node.name.removeprefix("my_")  # an exercise's class, as an exercise's function
        node.body = self._body(node.body)
        self.generic_visit(node)
        return node


def normalised(source: str, name: str, drop_checks: bool) -> str:
    """The normalised dump of the top-level def or class called ``name`` (or my_``name``) in source."""
    tree = ast.parse(textwrap.dedent(source))
    found = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))
             and n.name.removeprefix("my_") == name]
    assert len(found) == 1, f"no single definition of {name} in:\n{source}"
    node = _Normalise(drop_checks).visit(copy.deepcopy(found[0]))
    return ast.dump(node, include_attributes=False)


def differs(cell_source: str, dotted: str) -> bool:
    """Whether a taught cell's definition of ``dotted`` differs from ganlib's."""
    obj = _resolve(dotted)
    name = dotted.rpartition(".")[2]
    ours = normalised(cell_source, name, drop_checks=False)
    theirs = normalised(inspect.getsource(obj), name, drop_checks=True)
    return ours != theirs


CASES = [(nb, i, twin, src) for nb, i, src, twins in taught_cells() for twin in twins]


def test_the_course_teaches_code_in_its_cells():
    books = {nb for nb, *_ in CASES}
    assert len(CASES) >= 25 and len(books) == len(NOTEBOOKS), (len(CASES), sorted(books))


@pytest.mark.parametrize("notebook,cell,twin,source", CASES, ids=[f"{c[0][:2]}-{c[2]}" for c in CASES])
def test_taught_cell_equals_its_ganlib_twin(notebook, cell, twin, source):
    assert not differs(source, twin), (
        f"{notebook} cell {cell} teaches {twin}, but its code differs from ganlib's. Change both "
        "together (ganlib's copy is what later notebooks import).")


def test_each_object_is_taught_in_one_cell_only():
    seen: dict[str, str] = {}
    for nb, i, twin, _ in CASES:
        assert twin not in seen, f"{twin} is taught twice: {seen[twin]} and {nb} cell {i}"
        seen[twin] = f"{nb} cell {i}"


def test_exercise_solutions_are_bound_to_the_reference_they_are_graded_against():
    from ganlib.checks import EXERCISES

    course = {p.name for p in NOTEBOOKS}
    for ex in EXERCISES.values():
        if ex.id in NOT_CODE_EXERCISES or ex.notebook not in course:  # other tests register toy exercises
            continue
        cells = _cells(ROOT / "notebooks" / "solutions" / ex.notebook)
        [solution] = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"ex-{ex.id}"]
        twins = solution.get("metadata", {}).get("ganlib", {}).get("twins", [])
        ref = f"{ex.reference.__module__}.{ex.reference.__qualname__}"
        assert ref in twins, f"exercise {ex.id}: its solution cell is not bound to its reference {ref}"


def test_no_answer_is_printed_and_getsource_is_rare():
    calls = [(p.name, i) for p in NOTEBOOKS for i, c in enumerate(_cells(p)) if "getsource" in _source(c)]
    assert len(calls) <= 2, f"inspect.getsource shows code nobody can edit or see on GitHub: {calls}"


def test_the_binding_catches_a_changed_cell():
    nb, i, src, twins = next(t for t in taught_cells() if "ganlib.train.gan_step" in t[3])
    assert not differs(src, "ganlib.train.gan_step")
    assert differs(src.replace("fake = G(z).detach()", "fake = G(z)"), "ganlib.train.gan_step")
    renamed = src.replace("def gan_step(", "def my_gan_step(").replace('"""One round', '"""A round')
    assert not differs(renamed, "ganlib.train.gan_step"), "docstrings and the my_ prefix are not the code"
