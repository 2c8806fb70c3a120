"""What each notebook's setup cell does in Colab, once the course is cloned: install ganlib, keep Colab's torch.

The setup cell (written by tools/nbhead.py) clones the repository into ``target`` when it is not
there, then calls :func:`setup` from the clone. ``setup`` installs the clone with pip, not
editable and without extras (the runtime dependencies only, what the notebooks import), with
torch and torchvision held at the versions already installed, so Colab's CUDA build is never
replaced. It remembers the commit it installed: running the cell again, in this notebook or the
next, installs nothing. It moves the kernel into the clone's ``notebooks/`` folder and prints one
line saying what it did. Nothing here imports ganlib, so it runs before ganlib is installed.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAMP = ".ganlib-installed"
"""A file in the clone holding the commit that was installed into this Python."""
KEPT = ("torch", "torchvision")
"""Distributions pip must leave as they are (Colab's CUDA builds)."""


def commit_of(target: str | os.PathLike) -> str:
    """The commit checked out in a clone (``git rev-parse HEAD``)."""
    out = subprocess.run(["git", "-C", str(target), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def installed_versions(names=KEPT) -> dict[str, str]:
    """Installed version of each named distribution (absent ones left out)."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def pip_command(target: str | os.PathLike, constraints: str | os.PathLike, python: str = sys.executable) -> list[str]:
    """The pip call: install the clone (not editable, no extras), the kept packages held by ``constraints``."""
    return [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-c", str(constraints), str(target)]


def install(target: str | os.PathLike, python: str = sys.executable) -> dict[str, str]:
    """pip-install the clone into ``python``'s environment, torch and torchvision pinned as they are; returns them."""
    kept = installed_versions()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(f"{name}=={version}\n" for name, version in kept.items()))
    try:
        r = subprocess.run(pip_command(target, f.name, python), capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        raise RuntimeError(f"installing ganlib from {target} failed (pip exit {r.returncode}):\n"
                           + (r.stderr or r.stdout)[-3000:])
    importlib.invalidate_caches()  # let this running Python see what pip just installed
    after = installed_versions()
    changed = {k: (v, after.get(k)) for k, v in kept.items() if after.get(k) != v}
    if changed:
        raise RuntimeError(f"pip changed packages Colab ships, which it must not: {changed}")
    return kept


def gpu_line() -> str:
    """Which GPU the runtime has, or how to get one (without importing torch when it is not there)."""
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if torch.cuda.is_available():
        return f"GPU: {torch.cuda.get_device_name(0)} (the gpu profile)"
    return "no GPU: Runtime → Change runtime type → a GPU for the full-size gpu profile"


def setup(target: str | os.PathLike = "/content/gan-course", python: str = sys.executable,
          chdir: bool = True) -> str:
    """Install the clone at ``target`` unless its commit already is; go to its notebooks; print and return one line."""
    target = Path(target)
    t0 = time.perf_counter()
    commit = commit_of(target)
    stamp = target / STAMP
    have = stamp.read_text().strip() if stamp.is_file() else ""
    if have == commit and "ganlib" in {d.metadata["Name"] for d in metadata.distributions()}:
        kept, what = installed_versions(), f"ganlib already installed from {target} (commit {commit[:7]}): nothing to do"
    else:
        kept = install(target, python)
        stamp.write_text(commit + "\n")
        what = (f"installed ganlib {metadata.version('ganlib')} from {target} (commit {commit[:7]}) "
                f"in {time.perf_counter() - t0:.0f} s")
    if "ganlib" in sys.modules and have != commit:
        what += "; ganlib was imported before: Runtime → Restart session to use the new one"
    if chdir:
        os.chdir(target / "notebooks")
    kept_text = ", ".join(f"{k} {v}" for k, v in kept.items()) or "no torch found"
    line = f"{what}; kept {kept_text}; {gpu_line()}"
    print(line)
    return line


if __name__ == "__main__":
    setup(*sys.argv[1:2], chdir=False)
