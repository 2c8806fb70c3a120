"""Colab readiness: one repository address, a badge and a setup cell in every notebook, the gpu profile."""

import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat
import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import nbhead  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
REPO = PYPROJECT["project"]["urls"]["Repository"].rstrip("/")


def test_repository_address_is_a_github_url():
    assert REPO.startswith("https://github.com/") and REPO.count("/") == 4, REPO
    assert nbhead.repo_url() == REPO


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_badge_and_setup_cell_agree_with_the_one_address(path):
    nb = nbformat.read(path, as_version=4)
    slug = REPO.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{slug}/blob/main/notebooks/{path.name}"
    assert nb.cells[0].cell_type == "markdown" and colab in nb.cells[0].source, \
        f"{path.name}: first cell must carry the Colab badge linking to {colab}"
    assert "colab-badge.svg" in nb.cells[0].source
    setup = nb.cells[1]
    assert setup.cell_type == "code" and setup.source.strip() == nbhead.setup_source().strip(), \
        f"{path.name}: second cell must be tools/nbhead.py's setup cell (run tools/nbhead.py --fix)"
    assert REPO in setup.source
    # no other, stale address of the course in the head
    others = {u for c in nb.cells[:2] for u in _github_urls(c.source)} - {REPO}
    assert not others, f"{path.name} names other repository addresses: {others}"


def _github_urls(text: str) -> set[str]:
    """Every https://github.com/owner/name address in a text."""
    return {"https://github.com/" + m for m in re.findall(r"https://github\.com/([\w.-]+/[\w.-]+)", text)}


# The setup cell run in a fresh interpreter; RUN records what it would run instead of running it.
HARNESS = textwrap.dedent('''
    import json, os, subprocess, sys, types
    colab = {colab}
    if colab:
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    calls = []
    def fake_run(cmd, *a, **k):
        calls.append(list(cmd))
        return subprocess.CompletedProcess(cmd, 0)
    subprocess.run = fake_run
    if not colab:
        def forbid(*a, **k):
            raise AssertionError("the setup cell started a process outside Colab")
        subprocess.run = subprocess.Popen = subprocess.call = subprocess.check_call = os.system = forbid
    os.chdir = lambda p: calls.append(["chdir", p])
    before = (os.getcwd(), list(sys.path), sorted(os.listdir(".")), dict(os.environ))
    exec(compile({source!r}, "setup-cell", "exec"), {{}})
    after = (os.getcwd(), list(sys.path), sorted(os.listdir(".")), dict(os.environ))
    print(json.dumps({{"calls": calls, "same": before == after,
                      "sys_path": sys.path[:1]}}))
''')


def _run_setup(tmp_path, colab: bool) -> dict:
    script = HARNESS.format(colab=colab, source=nbhead.setup_source())
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_setup_cell_is_a_no_op_outside_colab(tmp_path):
    out = _run_setup(tmp_path, colab=False)
    assert out["calls"] == [] and out["same"], out
    assert list(tmp_path.iterdir()) == []


def test_setup_cell_in_colab_installs_ganlib_and_leaves_torch_alone(tmp_path):
    out = _run_setup(tmp_path, colab=True)
    clone, pip, chdir = out["calls"]
    assert clone[:2] == ["git", "clone"] and REPO in clone
    assert pip[1:4] == ["-m", "pip", "install"]
    flags = set(pip[4:])
    assert not flags & {"-U", "--upgrade", "--force-reinstall", "--upgrade-strategy", "--no-cache-dir"}, pip
    assert not any(a.startswith(("torch", "torchvision")) for a in pip[4:]), pip
    assert chdir[0] == "chdir" and chdir[1].endswith("/notebooks")
    assert out["sys_path"] == [str(Path(chdir[1]).parent)]


def test_torch_is_a_requirement_colab_already_meets():
    """pip keeps an installed torch only when nothing pins or bounds it: torch stays unpinned."""
    deps = PYPROJECT["project"]["dependencies"]
    assert "torch" in deps and "torchvision" in deps, "torch/torchvision must stay unpinned for Colab"


def test_widgets_support_ipywidgets_7_and_8():
    spec = next(d for d in PYPROJECT["project"]["dependencies"] if d.startswith("ipywidgets"))
    assert ">=7" in spec and "<9" in spec, spec


def test_profile_picks_gpu_when_cuda_is_present(monkeypatch):
    from ganlib import config

    monkeypatch.delenv(config.ENV_PROFILE, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    profile = config.get_profile()
    assert profile.name == "gpu" and profile.device.type == "cuda"
    assert profile.pick(ci=1, cpu=2, gpu=3) == 3


def test_profile_picks_cpu_without_cuda(monkeypatch):
    from ganlib import config

    monkeypatch.delenv(config.ENV_PROFILE, raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert config.get_profile().name == "cpu"


# Colab ships ipywidgets 7.x; these exist only in 8.x (and `tooltip=` is 7's `description_tooltip=`).
IPYWIDGETS_8_ONLY = re.compile(
    r"\bW(?:idgets)?\.(Stack|TagsInput|ColorsInput|IntsInput|FloatsInput|NaiveDatetimePicker|"
    r"DatetimePicker|TimePicker)\b|\btooltip\s*=")


def test_widgets_use_no_ipywidgets_8_only_api():
    sources = sorted((ROOT / "ganlib").rglob("*.py")) + NOTEBOOKS
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in sources
             for m in IPYWIDGETS_8_ONLY.finditer(p.read_text())]
    assert not found, f"ipywidgets-8-only API (Colab has 7.x): {found}"


def test_the_8_only_pattern_catches_what_it_should():
    assert IPYWIDGETS_8_ONLY.search("W.Stack([a, b])") and IPYWIDGETS_8_ONLY.search("Button(tooltip='x')")
    assert not IPYWIDGETS_8_ONLY.search("Button(description_tooltip='x')")
