"""The grading copy of ganlib: what a submission imports while it is graded, with the answers taken
out.

Every graded reference (``EXERCISES[id].reference``: the function a notebook's solution cell is
bound to) is cut out of the copy's source and replaced by
``ganlib.course.answers.hidden(id, name)``, a stand-in that says "write your own" until the
learner's own function has been checked, and then calls it. Each judge is replaced by a stub as well
(judging happens in the grader), and in the judges' modules every private helper that only judges
used (a mistake model) is taken out. The copy has no ``__pycache__`` and no solution notebooks, so
neither importing nor reading it gives an answer. A teacher's own checks modules are copied the same
way.
"""

from __future__ import annotations

import ast
import inspect
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable

from ganlib.config import PACKAGE_DIR


class RedactError(Exception):
    """An answer cannot be taken out of the copy (so the grader must not run the submission)."""


def _where(obj: Callable, what: str, ex_id: str) -> tuple[Path, list[str]]:
    """The source file and the qualified name path of a top-level function or class
    (or a method)."""
    target = inspect.unwrap(obj)
    qualname = getattr(target, "__qualname__", "")
    try:
        source = inspect.getsourcefile(target)
    except TypeError:
        source = None
    if not source or "<" in qualname or not qualname:
        raise RedactError(f"exercise {ex_id!r}: its {what} {obj!r} is not a function or class "
                          "defined at the top level of a module (or a method of one), so the "
                          "grading copy cannot hide it")
    return Path(source).resolve(), qualname.split(".")


def _node(tree: ast.Module, path: list[str]) -> ast.AST | None:
    body, node = tree.body, None
    for name in path:
        node = next((n for n in body
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == name), None)
        if node is None:
            return None
        body = node.body
    return node


def _replace(source: str, cuts: list[tuple[list[str], str]], where: str) -> str:
    """Replace each named definition (decorators included) by one assignment line."""
    tree = ast.parse(source)
    lines = source.split("\n")
    spans: dict[tuple[int, int], str] = {}
    for path, expr in cuts:
        node = _node(tree, path)
        if node is None:
            raise RedactError(f"{where}: no definition of {'.'.join(path)} to take out")
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        indent = lines[node.lineno - 1][
            : len(lines[node.lineno - 1]) - len(lines[node.lineno - 1].lstrip())
        ]
        spans.setdefault((first, node.end_lineno), f"{indent}{path[-1]} = {expr}")
    for (first, last), line in sorted(spans.items(), reverse=True):
        lines[first - 1:last] = [line]
    out = "\n".join(lines)
    check = ast.parse(out)
    for path, _ in cuts:  # the definition is gone (and the file still parses)
        node = _node(check, path)
        if node is not None:
            raise RedactError(f"{where}: {'.'.join(path)} is still defined in the grading copy")
    return out


def _defines(node: ast.stmt) -> str | None:
    """The private name a top-level statement defines (a function, a class, ``_X = …``), else
    None."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        name = node.name
    elif (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
    ):
        name = node.targets[0].id
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        name = node.target.id
    else:
        return None
    return name if name.startswith("_") and not name.startswith("__") else None


def _drop_unused(source: str, where: str) -> str:
    """Take out the private top-level definitions that nothing kept uses: with the judges stubbed,
    the judges' helpers (a mistake model such as ``_step_variant()``, which with its defaults
    computes the answer) would otherwise stay in the copy the submission reads. Everything public
    stays, and every private definition a kept statement names (cases, run, registration),
    transitively."""
    tree = ast.parse(source)
    private: dict[str, list[int]] = {}
    for k, node in enumerate(tree.body):
        name = _defines(node)
        if name:
            private.setdefault(name, []).append(k)
    owned = {k for ks in private.values() for k in ks}
    keep = [k for k in range(len(tree.body)) if k not in owned]
    kept, todo = set(keep), list(keep)
    while todo:
        for n in {x.id for x in ast.walk(tree.body[todo.pop()]) if isinstance(x, ast.Name)}:
            for j in private.get(n, []):
                if j not in kept:
                    kept.add(j)
                    todo.append(j)
    lines = source.split("\n")
    for k in sorted(set(range(len(tree.body))) - kept, reverse=True):
        node = tree.body[k]
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        lines[first - 1:node.end_lineno] = []
    out = "\n".join(lines)
    try:
        ast.parse(out)
    except SyntaxError as e:
        raise RedactError(f"{where}: the grading copy does not parse once the judges' helpers are "
                          f"out ({e})") from None
    return out


def _stand_in(ex_id: str, fullname: str) -> str:
    return (f"__import__('ganlib.course.answers', fromlist=['hidden']).hidden({ex_id!r}, "
            f"{fullname!r})")


def _judge_stub(ex_id: str) -> str:
    return ("__import__('ganlib.course.answers', "
            f"fromlist=['hidden']).judged_by_the_grader({ex_id!r})")


def plan(exercises: Iterable[Any]) -> dict[Path, list[tuple[list[str], str]]]:
    """For each source file, the definitions to take out and what replaces them."""
    cuts: dict[Path, list[tuple[list[str], str]]] = {}
    for ex in exercises:
        src, path = _where(ex.reference, "reference", ex.id)
        cuts.setdefault(src, []).append(
            (path, _stand_in(ex.id, f"{ex.reference.__module__}.{'.'.join(path)}"))
        )
        try:
            jsrc, jpath = _where(ex.judge, "judge", ex.id)
        except RedactError:
            continue  # a lambda judge stays (it compares; the reference it calls is hidden)
        cuts.setdefault(jsrc, []).append((jpath, _judge_stub(ex.id)))
    return cuts


def _copy_package_data(src: Path, dst: Path) -> None:
    """Package data (the shipped checkpoints and results): hard links where possible, else
    copies."""
    for p in src.rglob("*"):
        if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts:
            t = dst / p.relative_to(src)
            t.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(p, t)
            except OSError:
                shutil.copyfile(p, t)


def grading_copy(
    dest: str | Path, exercises: Iterable[Any], checks_files: Iterable[str | Path] = ()
) -> Path:
    """Write the grading copy of ganlib (and the teacher's checks modules) into ``dest``; return it.

    ``dest`` goes first on the submission's PYTHONPATH. Raises :class:`RedactError` when a graded
    reference cannot be taken out.
    """
    dest = Path(dest)
    cuts = plan(exercises)
    judged = {src for src, cs in cuts.items()
              if any("judged_by_the_grader" in expr for _, expr in cs)}
    teacher = {Path(f).resolve() for f in checks_files}
    outside = [p for p in cuts if p not in teacher and PACKAGE_DIR not in p.parents]
    if outside:
        raise RedactError("graded references outside ganlib and the --checks files cannot be "
                          "hidden: "
                          f"{', '.join(map(str, outside))}")
    for src in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in src.parts:
            continue
        out = dest / "ganlib" / src.relative_to(PACKAGE_DIR)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = src.read_text(encoding="utf-8")
        if src in cuts:
            text = _replace(text, cuts[src], str(src.relative_to(PACKAGE_DIR.parent)))
        if src in judged:
            text = _drop_unused(text, str(src.relative_to(PACKAGE_DIR.parent)))
        out.write_text(text, encoding="utf-8")
    _copy_package_data(PACKAGE_DIR, dest / "ganlib")
    for f in sorted(teacher):
        text = f.read_text(encoding="utf-8")
        if f in cuts:
            text = _replace(text, cuts[f], f.name)
        if f in judged:
            text = _drop_unused(text, f.name)
        (dest / f.name).write_text(text, encoding="utf-8")
    return dest
