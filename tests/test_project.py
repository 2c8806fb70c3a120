"""The project's own promises: one source of dependencies, clean notebooks, Colab heads."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))  # what a learner opens: student versions
WORKED = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))  # the one source contributors edit


def test_environment_yml_agrees_with_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    names = {d.split("=")[0].split("<")[0].split(">")[0].strip() for d in conda}
    pydeps = {d.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
              for d in py["dependencies"] + py["optional-dependencies"]["lab"]}
    extra = names - {"python", "pip"} - pydeps
    assert not extra, f"environment.yml lists packages pyproject.toml does not: {extra}"
    assert pip == [{"pip": ["-e .[lab]"]}], "environment.yml must pip-install the repo with its lab extra (as make lab)"
    pyver = next(d for d in conda if d.startswith("python"))
    minimum = py["requires-python"].removeprefix(">=")
    assert tuple(map(int, pyver.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


def test_torch_is_unpinned():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "torch" in deps and "torchvision" in deps


def test_notebooks_exist_in_order():
    names = [p.name for p in NOTEBOOKS]
    assert names and names == sorted(names)
    assert names[0].startswith("01_forger_vs_detective")


def test_notebooks_committed_without_outputs():
    dirty = []
    for p in NOTEBOOKS + WORKED:
        nb = json.loads(p.read_text())
        for i, c in enumerate(nb["cells"]):
            if c.get("outputs") or c.get("execution_count"):
                dirty.append(f"{p.name} cell {i}")
    assert not dirty, f"clear outputs before committing: {dirty}"


def test_student_notebooks_are_made_from_the_worked_ones_and_current():
    from ganlib.course.grading import student_version

    assert [p.name for p in NOTEBOOKS] == [p.name for p in WORKED], "every worked notebook has a student version"
    stale = []
    for student, worked in zip(NOTEBOOKS, WORKED):
        made = student_version(nbformat.read(worked, as_version=4), worked.name, f"solutions/{worked.name}")
        if json.loads(nbformat.writes(made)) != json.loads(student.read_text()):
            stale.append(student.name)
    assert not stale, f"student versions out of date with notebooks/solutions/: {stale}. Run `make students`."


def test_student_notebooks_hold_no_solution_and_point_to_theirs():
    for p in NOTEBOOKS:
        text = p.read_text()
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, p.name
        assert f"The worked solution is in solutions/{p.name}." in text, p.name


def test_notebook_heads_have_badge_and_setup():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "nbhead.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_number_of_notebooks_written_in_words_is_true():
    """"Eight Jupyter notebooks" goes stale when a notebook is added: wherever a count of the course's notebooks is
    written in the top-level docs, it is the number of notebooks there are ("two notebooks at a time" is no count)."""
    import re

    words = "one two three four five six seven eight nine ten eleven twelve".split()
    for doc in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / doc).read_text()
        for m in re.finditer(r"\b(\w+) (?:Jupyter )?notebooks\b(?! at a time)", text, re.I):
            word = m.group(1).lower()
            n = words.index(word) + 1 if word in words else int(word) if word.isdigit() else None
            if n is not None:
                context = text[max(0, m.start() - 40):m.end() + 20]
                assert n == len(NOTEBOOKS), f"{doc}: {context!r} ({len(NOTEBOOKS)} notebooks)"


def test_readme_maps_every_notebook_and_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    missing = [p.name for p in NOTEBOOKS if p.name not in readme]
    assert not missing, f"README's map of the notebooks lacks {missing}"
    assert "{" + "MAP}" not in readme and "{" + "INSTALL}" not in readme, "README still has a placeholder"


def test_make_lab_opens_the_notebooks_and_runs_as_root_too():
    """JupyterLab refuses root without --allow-root (containers, CI): `make lab` must pass it there."""
    import os
    import shutil

    import pytest

    if shutil.which("make") is None:
        pytest.skip("no make")
    out = subprocess.run(["make", "-n", "-W", "pyproject.toml", "lab"], cwd=ROOT, capture_output=True,
                         text=True).stdout
    lab = [line for line in out.splitlines() if "jupyter lab" in line]
    assert lab and "notebooks/" in lab[0]
    assert ("--allow-root" in lab[0]) == (os.getuid() == 0)


# ----------------------------------------------------------------------------- runtime dependencies
# Colab and `pip install ganlib` get pyproject.toml's runtime dependencies only, never an extra: every
# module a notebook imports, directly or through the ganlib modules it imports, must come from them.

def _imports_in(source: str) -> set[str]:
    """Every absolute module an (IPython) source imports, anywhere in it; magics and shell lines skipped."""
    import ast

    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    found = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def _ganlib_file(module: str) -> Path | None:
    p = ROOT.joinpath(*module.split("."))
    return next((f for f in (p.with_suffix(".py"), p / "__init__.py") if f.is_file()), None)


def notebook_imports() -> dict[str, set[str]]:
    """Top-level third-party module → the notebooks that need it (directly or through ganlib)."""
    import ast

    need: dict[str, set[str]] = {}
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text())["cells"]
        todo = set().union(*(_imports_in("".join(c["source"])) for c in cells if c["cell_type"] == "code"))
        seen: set[str] = set()
        while todo:
            mod = todo.pop()
            if mod in seen:
                continue
            seen.add(mod)
            if mod.split(".")[0] != "ganlib":
                need.setdefault(mod.split(".")[0], set()).add(nb.name)
                continue
            path = _ganlib_file(mod)
            if path is None:
                continue
            todo |= _imports_in(path.read_text())
            package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
            for node in ast.walk(ast.parse(path.read_text())):  # relative imports inside ganlib
                if isinstance(node, ast.ImportFrom) and node.level:
                    base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                    full = f"{base}.{node.module}" if node.module else base
                    todo |= {full} | {f"{full}.{a.name}" for a in node.names}
    return need


def requirement_closure(requirements: list[str]) -> set[str]:
    """The distributions a list of requirements brings in (installed ones, following their own requirements)."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    todo, seen = list(requirements), set()
    while todo:
        req = Requirement(todo.pop())
        name = canonicalize_name(req.name)
        extras = req.extras
        if name in seen and not extras:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for r in requires:
            sub = Requirement(r)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in (extras or {""})):
                todo.append(r)
    return seen


def missing_runtime_imports(dependencies: list[str]) -> dict[str, set[str]]:
    """Modules notebooks import that ``dependencies`` (and the standard library) do not provide."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    provided = requirement_closure(dependencies)
    owners = metadata.packages_distributions()
    missing = {}
    for mod, nbs in notebook_imports().items():
        if mod in sys.stdlib_module_names or mod == "ganlib":
            continue
        if not {canonicalize_name(d) for d in owners.get(mod, [])} & provided:
            missing[mod] = nbs
    return missing


def test_every_notebook_import_is_a_runtime_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    missing = missing_runtime_imports(deps)
    assert not missing, ("notebooks import modules that only an extra provides (Colab installs the runtime "
                         f"dependencies only): {missing}; add them to [project] dependencies")


def test_the_import_check_catches_a_dev_only_import():
    """Moving pytorch-fid back to an extra must fail the check above, naming notebook 05."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    missing = missing_runtime_imports([d for d in deps if not d.startswith("pytorch-fid")])
    assert "pytorch_fid" in missing and any(n.startswith("05_") for n in missing["pytorch_fid"]), missing
    assert "torch" in notebook_imports() and "IPython" in notebook_imports()


def test_extras_split_learning_from_testing():
    """`make lab` (the lab extra) installs no test tooling; `make test` (the test extra) has it all."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = lambda reqs: {r.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip() for r in reqs}  # noqa: E731
    assert "jupyterlab" in names(extras["lab"])
    assert not names(extras["lab"]) & {"pytest", "nbval", "playwright", "pytest-timeout"}
    assert {"pytest", "nbval", "playwright"} <= names(extras["test"]) and "ganlib[lab]" in extras["test"]


def _make_n(target: str, *args: str) -> list[str]:
    """The commands `make` would run for a target on a fresh checkout (nothing is run)."""
    import shutil

    import pytest

    if shutil.which("make") is None:
        pytest.skip("no make")
    out = subprocess.run(["make", "-n", "-B", "VENV=/nonexistent/venv", target, *args], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_make_lab_installs_what_learning_needs_and_says_so():
    lines = _make_n("lab")
    pip = [ln for ln in lines if "pip install" in ln and "-e" in ln]
    assert pip and all("'.[lab]'" in ln for ln in pip), pip
    assert not any("[test]" in ln or "[dev]" in ln for ln in lines), "make lab must not install test tooling"
    assert sum(ln.startswith("echo") for ln in lines) >= 2, "the install says what it is doing"
    assert any("python3-venv" in ln for ln in lines), "a failed venv names Debian's python3-venv"


def test_make_test_gets_the_data_first_then_runs_offline():
    lines = _make_n("test")
    data = next(i for i, ln in enumerate(lines) if "tools/get_data.py" in ln)
    run = next(i for i, ln in enumerate(lines) if "-m pytest" in ln)
    assert data < run and "GANLIB_OFFLINE=1" in lines[run] and "GANLIB_PROFILE=ci" in lines[run]
    assert any("'.[test]'" in ln for ln in lines[:data])


def test_make_test_colab_runs_the_colab_like_test_and_ci_runs_it():
    assert any("tests/colab/run_colab.py" in ln for ln in _make_n("test-colab"))
    ci = (ROOT / ".ci" / "run").read_text()
    import re

    suites = ("test", "test-browser", "test-colab", "test-learner", "test-site")
    assert all(re.search(rf" make {t}( |$)", ci, re.M) for t in suites), ci
    # every notebook version runs in CI, once per profile: the student ones in cpu on the learner's path, the worked
    # ones in ci either by nbval (make test) or in test-colab's Colab-like install (--worked), not both
    nbval = re.search(r" make test NBVAL=(\S*)", ci)
    nbval_dir = nbval.group(1).rstrip("/") if nbval else "notebooks"
    colab_worked = re.search(r" make test-colab COLAB_ARGS=\S*--worked", ci)
    assert (nbval_dir in ("notebooks", "notebooks/solutions")) != bool(colab_worked), (nbval_dir, colab_worked)
    if colab_worked:
        assert any("run_colab.py" in ln and "--worked" in ln for ln in _make_n("test-colab", "COLAB_ARGS=--worked"))
        colab = (ROOT / "tests" / "colab" / "run_colab.py").read_text()
        assert '"solutions" if worked else ""' in colab  # --worked copies notebooks/solutions/


def test_get_data_stops_with_the_three_ways_when_offline_and_missing(tmp_path):
    code = ("import sys, pathlib; sys.path.insert(0, 'tools'); import get_data; from ganlib import data; "
            "data.DEBIAN_DIRS['fashion-mnist'] = pathlib.Path('/nonexistent'); sys.exit(get_data.main())")
    env = {**__import__("os").environ, "GANLIB_OFFLINE": "1", "GANLIB_DATA": str(tmp_path), "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "stops here" in r.stderr
    assert all(f"  {i}. " in r.stderr for i in (1, 2, 3)), r.stderr
    assert "dataset-fashion-mnist" in r.stderr and list(tmp_path.iterdir()) == []


def test_no_notebook_sets_torch_threads():
    """One thread policy, in ganlib.config: a notebook that overrides it can be several times slower on a busy machine."""
    offenders = [p.name for p in NOTEBOOKS if "set_num_threads" in p.read_text()]
    assert not offenders, f"leave torch's threads to ganlib.config's policy: {offenders}"


def test_thread_policy_leaves_half_the_cores_free(monkeypatch):
    from ganlib import config

    monkeypatch.delenv(config.ENV_THREADS, raising=False)
    assert [config.thread_policy(c) for c in (1, 2, 4, 8, 16)] == [1, 1, 2, 4, 4]
    monkeypatch.setenv(config.ENV_THREADS, "3")
    assert config.thread_policy(2) == 3
    monkeypatch.setenv(config.ENV_THREADS, "zero")
    import pytest

    with pytest.raises(ValueError, match="GANLIB_THREADS"):
        config.thread_policy(2)
