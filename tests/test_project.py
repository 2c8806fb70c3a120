"""The project's own promises: one source of dependencies, clean notebooks, Colab heads."""

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_environment_yml_agrees_with_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    names = {d.split("=")[0].split("<")[0].split(">")[0].strip() for d in conda}
    pydeps = {d.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip()
              for d in py["dependencies"] + py["optional-dependencies"]["dev"]}
    extra = names - {"python", "pip"} - pydeps
    assert not extra, f"environment.yml lists packages pyproject.toml does not: {extra}"
    assert pip == [{"pip": ["-e .[dev]"]}], "environment.yml must pip-install the repo with its dev extra"
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
    for p in NOTEBOOKS:
        nb = json.loads(p.read_text())
        for i, c in enumerate(nb["cells"]):
            if c.get("outputs") or c.get("execution_count"):
                dirty.append(f"{p.name} cell {i}")
    assert not dirty, f"clear outputs before committing: {dirty}"


def test_notebook_heads_have_badge_and_setup():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "nbhead.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


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
