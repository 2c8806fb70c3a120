"""Colab readiness: one repository address, a badge and a setup cell in every notebook, the gpu profile."""

import json
from importlib import metadata
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


# The setup cell run in a fresh interpreter, Colab faked. Outside Colab nothing may start; in Colab, git runs
# for real against a local clone while pip is recorded (make test-colab runs the real install).
HARNESS = textwrap.dedent('''
    import json, os, subprocess, sys, types
    colab = {colab}
    if colab:
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    calls, real_run = [], subprocess.run
    def fake_run(cmd, *a, **k):
        cmd = [str(c) for c in cmd]
        if cmd[0] == "git":
            calls.append(cmd[:2])
            return real_run(cmd, *a, **k)
        assert cmd[1:4] == ["-m", "pip", "install"], cmd
        constraints = open(cmd[cmd.index("-c") + 1]).read()
        calls.append(cmd + ["constraints:" + constraints])
        return subprocess.CompletedProcess(cmd, 0, "", "")
    subprocess.run = fake_run
    if not colab:
        def forbid(*a, **k):
            raise AssertionError("the setup cell started a process outside Colab")
        subprocess.run = subprocess.Popen = subprocess.call = subprocess.check_call = os.system = forbid
    before = (os.getcwd(), list(sys.path), sorted(os.listdir(".")), dict(os.environ))
    exec(compile({source!r}, "setup-cell", "exec"), {{}})
    after = (os.getcwd(), list(sys.path), sorted(os.listdir(".")), dict(os.environ))
    print(json.dumps({{"calls": calls, "same": before == after, "cwd": os.getcwd(),
                      "sys_path_same": before[1] == after[1]}}))
''')


def _run_setup(cwd, colab: bool, source: str | None = None, target: str = nbhead.COLAB_TARGET) -> tuple[dict, str]:
    """Run the setup cell (for this source and target) in a fresh Python; its record and its printed lines."""
    script = HARNESS.format(colab=colab, source=nbhead.setup_source(source, target))
    r = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    *printed, last = r.stdout.strip().splitlines()
    return json.loads(last), "\n".join(printed)


@pytest.fixture
def origin(tmp_path):
    """A local stand-in for the public repository: a git repo with tools/colab_setup.py and notebooks/."""
    repo = tmp_path / "origin"
    (repo / "tools").mkdir(parents=True)
    (repo / "notebooks").mkdir()
    (repo / "tools" / "colab_setup.py").write_text((ROOT / "tools" / "colab_setup.py").read_text())
    (repo / "notebooks" / "README").write_text("notebooks\n")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    for cmd in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "course"]):
        subprocess.run(git + cmd, check=True, capture_output=True)
    return repo


def test_setup_cell_is_a_no_op_outside_colab(tmp_path):
    out, printed = _run_setup(tmp_path, colab=False)
    assert out["calls"] == [] and out["same"] and printed == "", out
    assert list(tmp_path.iterdir()) == []


def test_setup_cell_in_colab_clones_installs_once_and_leaves_torch_alone(tmp_path, origin):
    target = tmp_path / "content" / "gan-course"
    out, printed = _run_setup(tmp_path, colab=True, source=f"file://{origin}", target=str(target))
    (clone,), pip = out["calls"][:1], [c for c in out["calls"] if c[0] != "git"]
    assert clone == ["git", "clone"] and (target / "tools" / "colab_setup.py").is_file()
    [pip] = pip
    args, constraints = pip[4:-1], pip[-1].removeprefix("constraints:")
    assert str(target) in args and "-e" not in args and "--editable" not in args, pip   # not editable
    assert not any("[" in a for a in args), f"no extras in Colab: {pip}"
    assert not set(args) & {"-U", "--upgrade", "--force-reinstall", "--upgrade-strategy"}, pip
    assert not any(a.startswith(("torch", "torchvision")) for a in args), pip
    torch_version = metadata.version("torch")
    assert f"torch=={torch_version}" in constraints.split(), f"torch must be held as installed: {constraints}"
    assert out["cwd"] == str(target / "notebooks") and out["sys_path_same"]
    assert len(printed.splitlines()) == 1 and printed.startswith("installed ganlib"), printed
    assert f"kept torch {torch_version}" in printed

    again, printed = _run_setup(tmp_path, colab=True, source=f"file://{origin}", target=str(target))
    assert [c[:2] for c in again["calls"]] == [["git", "-C"]], f"a re-run must clone and install nothing: {again}"
    assert len(printed.splitlines()) == 1 and "already installed" in printed, printed
    assert again["cwd"] == str(target / "notebooks")


def test_setup_cell_installs_again_after_the_clone_moves_on(tmp_path, origin):
    target = tmp_path / "gan-course"
    _run_setup(tmp_path, colab=True, source=f"file://{origin}", target=str(target))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(target)]
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "pulled"], check=True)
    out, printed = _run_setup(tmp_path, colab=True, source=f"file://{origin}", target=str(target))
    assert sum(c[0] != "git" for c in out["calls"]) == 1 and printed.startswith("installed ganlib"), printed


def test_the_real_setup_cell_names_the_public_repository_and_colab_folder():
    src = nbhead.setup_source()
    assert REPO in src and f'"{nbhead.COLAB_TARGET}"' in src and "tools/colab_setup.py" in src
    assert "pip" not in src.split("runpy")[0].split("import sys", 1)[1], "the cell installs only through colab_setup"


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
