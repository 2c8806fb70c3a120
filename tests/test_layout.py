"""ganlib's shape: a flat core, one subpackage per part of the course, no import loops, no upward imports.

The rule (CONTRIBUTING.md, "Where things live"): code several notebooks share goes in the core; code only one
part of the course uses goes in that part's subpackage; the core never imports a subpackage; no
module imports one that (directly or through others) imports it back.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "ganlib"
SUBPACKAGES = ("game", "stability", "evaluation", "ethics", "style", "at_work", "course", "checks")
ENTRY_POINTS = {"ganlib.pretrain", "ganlib.experiments", "ganlib.homework"}  # commands with fixed addresses
MAX_LINE = 100  # characters per line (CONTRIBUTING.md, "Working on the course")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every ganlib module a file imports, anywhere in it (function-level imports count too)."""
    tree = ast.parse(path.read_text())
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ganlib")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("ganlib"):
                continue
            for a in node.names:  # `from ganlib import losses` imports the module ganlib.losses
                sub = f"{mod}.{a.name}"
                found.add(sub if _exists(sub) else mod)
    return {m for m in found if m != me}


def _exists(mod: str) -> bool:
    p = ROOT.joinpath(*mod.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def graph() -> dict[str, set[str]]:
    return {module_name(p): {m for m in imports_of(p) if m != "ganlib"} for p in PKG.rglob("*.py")}


def is_core(mod: str) -> bool:
    return mod.count(".") == 1 and mod not in ENTRY_POINTS and mod.split(".")[1] not in SUBPACKAGES


def longest_chain(g: dict[str, set[str]]) -> list[str]:
    """The longest path of imports (the graph is acyclic when the cycle test passes)."""
    memo: dict[str, list[str]] = {}

    def walk(m: str, stack: tuple) -> list[str]:
        if m in memo:
            return memo[m]
        best = [m]
        for n in g.get(m, ()):
            if n not in stack:
                path = [m] + walk(n, stack + (n,))
                best = path if len(path) > len(best) else best
        memo[m] = best
        return best

    return max((walk(m, (m,)) for m in g), key=len)


def test_no_import_loops():
    g = graph()
    loops = []

    def visit(m, stack, seen):
        for n in sorted(g.get(m, ())):
            if n in stack:
                loops.append(stack[stack.index(n):] + [n])
            elif n not in seen:
                seen.add(n)
                visit(n, stack + [n], seen)

    for m in sorted(g):
        visit(m, [m], {m})
    assert not loops, "modules that import each other (directly or through others): " + \
        "; ".join(" → ".join(loop) for loop in loops[:5])


def test_the_core_never_imports_a_subpackage():
    bad = {m: sorted(n for n in deps if not is_core(n) and n != "ganlib")
           for m, deps in graph().items() if is_core(m)}
    bad = {m: v for m, v in bad.items() if v}
    assert not bad, f"core modules importing course parts: {bad}"


def test_no_two_modules_share_a_name():
    names: dict[str, list[str]] = {}
    for p in PKG.rglob("*.py"):
        if p.name != "__init__.py":
            names.setdefault(p.stem, []).append(module_name(p))
    twice = {k: v for k, v in names.items() if len(v) > 1}
    assert not twice, f"module names used twice: {twice}"


def test_systemexit_only_in_command_line_code():
    offenders = []
    for p in PKG.rglob("*.py"):
        tree = ast.parse(p.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and "SystemExit" in ast.dump(node):
                offenders.append(f"{module_name(p)}:{node.lineno}")
    assert not offenders, f"library code raising SystemExit (return an exit code from main instead): {offenders}"


def test_environment_is_read_only_in_config():
    readers = []
    for p in PKG.rglob("*.py"):
        src = p.read_text()
        if ("os.environ.get(" in src or "os.getenv(" in src) and module_name(p) != "ganlib.config":
            readers.append(module_name(p))
    allowed = {"ganlib.course.grading", "ganlib.course.answers", "ganlib.checks"}  # the grader and its child
    assert set(readers) <= allowed, f"only ganlib.config reads GANLIB_* settings: {sorted(set(readers) - allowed)}"


def _map_rows() -> dict[str, str]:
    """CONTRIBUTING.md's "Where things live" table: its first cell (e.g. "`style/` (07)") → the whole row."""
    text = (ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in section.splitlines() if r.startswith("| `")]
    return {r.split("|")[1].strip(): r for r in rows}


def test_ganlib_lines_are_at_most_100_characters():
    """CONTRIBUTING.md's rule, as for the notebooks' code cells (tests/test_site.py)."""
    long = [f"{p.relative_to(ROOT)}:{i}" for p in sorted(PKG.rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if len(line) > MAX_LINE]
    assert not long, f"{len(long)} lines of ganlib over {MAX_LINE} characters: {long[:10]}"


def test_the_contributors_map_names_every_module():
    """Contributors find code from CONTRIBUTING.md's map: every module and subpackage of ganlib is in it, in its row."""
    rows = _map_rows()
    missing = []
    for p in sorted(PKG.rglob("*.py")):
        parts = p.relative_to(PKG).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) == 1:
            continue
        if len(parts) == 1:  # a core module: named in the first cell of some row
            if not any(f"`{parts[0]}`" in first for first in rows):
                missing.append(parts[0])
            continue
        row = next((r for first, r in rows.items() if first.startswith(f"`{parts[0]}/`")), None)
        if row is None or (parts[-1] != "__init__" and f"`{parts[-1]}`" not in row):
            missing.append("/".join(parts))
    assert not missing, f"CONTRIBUTING.md's 'Where things live' does not name: {missing}"


def test_the_longest_import_chain_is_short():
    chain = longest_chain(graph())
    assert len(chain) <= 8, " → ".join(chain)


@pytest.mark.slow
def test_a_plain_pip_install_finds_the_shipped_checkpoints(tmp_path):
    """Non-editable: build the wheel, install it alone into a folder, load a checkpoint from elsewhere."""
    wheel_dir, site = tmp_path / "wheel", tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(wheel_dir), str(ROOT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    [wheel] = wheel_dir.glob("ganlib-*.whl")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    code = ("import ganlib, ganlib.pretrained as p; "
            "assert ganlib.__file__.startswith(%r), ganlib.__file__; "
            "G = p.load('dcgan-fashion-mnist'); print(type(G).__name__, G.latent_dim, len(p.names()))") % str(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True,
                       env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("DCGANGenerator 64"), r.stdout
