"""Settings in one place: the run profile (ci / cpu / gpu), the device, seeds, torch's thread
policy, the ``GANLIB_*`` environment variables and where the course's files live.

Notebooks never hard-code a budget: they ask the profile, e.g.
``steps = PROFILE.pick(ci=20, cpu=2_000, gpu=20_000)``, and every seed from here:
``seed_everything(run_seed())``, ``sample(G, 64, seed=run_seed(1))``. Besides this module only the
homework machinery (``checks``, ``course.grading``) reads the environment, for the grader's own
variables.
"""

from __future__ import annotations

import os
import random
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

PROFILES = ("ci", "cpu", "gpu")
ENV_PROFILE = "GANLIB_PROFILE"    # ci | cpu | gpu; default: gpu with CUDA, else cpu
ENV_DATA = "GANLIB_DATA"          # the download cache folder
ENV_OFFLINE = "GANLIB_OFFLINE"    # 1: never download (the tests set it)
ENV_THREADS = "GANLIB_THREADS"    # torch's CPU threads, overriding the policy below
# which run of the course: 0 (default), 1, 2, … shifts every notebook seed
ENV_SEED = "GANLIB_SEED"
# 1: a claim that fails stops the notebook (make test, CI)
ENV_STRICT_CLAIMS = "GANLIB_STRICT_CLAIMS"
# a file every claim's verdict is appended to (tools/claims_across_seeds.py)
ENV_CLAIMS_LOG = "GANLIB_CLAIMS_LOG"

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "shipped"
"""What the course ships inside the package (found by a plain, non-editable ``pip install``)."""
CHECKPOINT_DIR = SHIPPED_DIR / "checkpoints"
RESULTS_DIR = SHIPPED_DIR / "results"


@dataclass(frozen=True)
class Profile:
    """A named run budget plus the device its runs use."""

    name: str
    device: torch.device

    def pick(self, *, ci, cpu, gpu):
        """Return the value for this profile: ``PROFILE.pick(ci=10, cpu=500, gpu=5000)``."""
        return {"ci": ci, "cpu": cpu, "gpu": gpu}[self.name]

    def __str__(self) -> str:
        line = (f"profile={self.name} device={self.device} torch_threads={torch.get_num_threads()} "
                f"seed={SEED}")
        if self.name == "ci":
            line += ("\nThe ci profile is a quick test: budgets so tiny that every cell runs in "
                     "seconds. Its numbers\nare not the course's results; run with "
                     "GANLIB_PROFILE=cpu (or gpu) for those.")
        return line


def default_device() -> torch.device:
    """CUDA when present, else the CPU (tiny course models gain nothing from MPS)."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def check_profile_name(name: str, source: str = "the profile") -> str:
    """The profile name, lower-cased, or a ValueError naming where it came from and the choices."""
    clean = str(name).strip().lower()
    if clean not in PROFILES:
        raise ValueError(
            f"unknown profile {name!r} ({source}); choose one of {', '.join(PROFILES)}"
        )
    return clean


def get_profile(name: str | None = None) -> Profile:
    """The profile named here, else by $GANLIB_PROFILE, else `ci` under nbgrader, else `gpu` with
    CUDA and `cpu` without."""
    source = "the argument"
    if name is None:
        name, source = os.environ.get(ENV_PROFILE, "").strip() or None, f"${ENV_PROFILE}"
    # nbgrader grading: its 30-s cells need ci
    if name is None and os.environ.get("NBGRADER_EXECUTION"):
        name, source = "ci", "nbgrader's default"
    if name is None:
        name = "gpu" if torch.cuda.is_available() else "cpu"
    name = check_profile_name(name, source)
    device = default_device()
    if name == "gpu" and device.type != "cuda":
        warnings.warn(
            "profile 'gpu' asked for but no CUDA device is present: the full-size runs will "
            "be slow on the CPU. Set GANLIB_PROFILE=cpu for laptop budgets.",
            stacklevel=2,
        )
    return Profile(name=name, device=device)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and torch so CPU runs repeat exactly; return a seeded torch.Generator."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


SEED_STRIDE = 1000
"""How far one step of ``$GANLIB_SEED`` moves every seed: seeds 0–999 of one run never meet another
run's."""


def read_seed() -> int:
    """``$GANLIB_SEED`` as a whole number ≥ 0 (default 0): which of the course's equally valid runs
    this is."""
    env = os.environ.get(ENV_SEED, "").strip()
    if not env:
        return 0
    try:
        n = int(env)
    except ValueError:
        n = -1
    if n < 0:
        raise ValueError(f"${ENV_SEED} must be a whole number ≥ 0 (0 is the default run), got "
                         f"{env!r}")
    return n


def run_seed(offset: int = 0) -> int:
    """The notebook seed ``offset`` of this run: ``offset`` itself at ``$GANLIB_SEED=0``, shifted by
    1,000 for each step of it, so ``GANLIB_SEED=2`` is a different, equally valid run of the whole
    course."""
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < SEED_STRIDE:
        raise ValueError(f"a notebook seed is a whole number from 0 to {SEED_STRIDE - 1}, got "
                         f"{offset!r}")
    return SEED * SEED_STRIDE + offset


def strict_claims() -> bool:
    """True when a failed claim must stop the notebook ($GANLIB_STRICT_CLAIMS=1: make test and CI
    set it).

    A learner's run leaves it unset: there a claim that does not hold is explained and the notebook
    goes on.
    """
    return _switch(ENV_STRICT_CLAIMS, "1 (a failed claim stops the run) or 0")


def claims_log() -> Path | None:
    """The file each claim's verdict is appended to ($GANLIB_CLAIMS_LOG), or None."""
    env = os.environ.get(ENV_CLAIMS_LOG, "").strip()
    return Path(env) if env else None


# ----------------------------------------------------------------------------- threads

def thread_policy(cores: int | None = None) -> int:
    """Torch's CPU threads: half the cores, at least 1, at most 4 (``$GANLIB_THREADS`` overrides).

    The course's models are small: on a 2-core machine one thread is as fast as two when the
    machine is quiet, and several times faster when another process keeps the cores busy
    (threads that wait on each other). Leaving half the cores free keeps a notebook from
    slowing down several-fold on a busy laptop. Measured figures: README, "Run profiles".
    """
    env = os.environ.get(ENV_THREADS, "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"${ENV_THREADS} must be a whole number ≥ 1, got {env!r}")
        return n
    cores = cores if cores is not None else (os.cpu_count() or 1)
    return max(1, min(4, cores // 2))


def apply_thread_policy() -> int:
    """Set torch's intra-op threads by :func:`thread_policy` (once, at import); returns the
    number."""
    n = thread_policy()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


# ----------------------------------------------------------------------------- settings

def offline() -> bool:
    """True when $GANLIB_OFFLINE says nothing may be downloaded (the tests set it)."""
    return _switch(ENV_OFFLINE, "1 (never download) or 0 (may download)")


def _switch(name: str, choices: str) -> bool:
    """An on/off environment variable read as people write it (unset, 0/1, no/yes, off/on,
    false/true)."""
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"${name} must be {choices}, got {value!r}")


def _checkout_root() -> Path | None:
    """The repository folder when ganlib runs from a checkout (editable install), else None."""
    root = PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def cache_dir() -> Path:
    """Where downloaded data is kept: $GANLIB_DATA; else ``data/cache`` in a checkout; else
    ~/.cache/ganlib."""
    env = os.environ.get(ENV_DATA, "").strip()
    if env:
        return Path(env).expanduser()
    root = _checkout_root()
    if root is not None:
        return root / "data" / "cache"
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "ganlib"


THREADS = apply_thread_policy()
"""Torch's CPU threads in this process, set once by the course's policy
(no notebook overrides it)."""

PROFILE = get_profile()
"""The profile of this process, read once at import."""

SEED = read_seed()
"""Which run of the course this process is ($GANLIB_SEED, read once at import): :func:`run_seed`
shifts by it."""
