"""Sweeps with provenance: one function run over a grid of settings, each finished row journaled.

A long table (notebook 04's mode-collapse runs, notebook 07's ablation) is many independent runs.
:func:`sweep` runs them (``jobs`` at a time), appends each row to a journal file as one JSON line
with a stamp (the commit and settings that made it), continues from the journal with
``resume=True`` (rows with another stamp are dropped), and stops after ``max_runs`` new rows
(raising :class:`Unfinished`) so a table can share a machine in turns. :func:`provenance` says
where a result came from; :func:`merge` puts a newer partial run's rows over an earlier table's.
"""

from __future__ import annotations

import json
import platform
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Hashable, Iterable, Sequence

import torch

from .files import git_commit


class Unfinished(Exception):
    """A sweep stopped after ``max_runs`` new rows with runs left; run it again, ``resume=True``."""


def provenance(command: str, **extra) -> dict:
    """Where a result came from: command, commit, date, machine, profile, torch version;
    ``extra`` adds or replaces entries."""
    from .config import PROFILE

    threads = torch.get_num_threads()
    machine = f"{platform.machine()} {platform.processor() or ''} {threads} thread(s)"
    return {"command": command, "commit": git_commit(),
            "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": " ".join(machine.split()), "profile": PROFILE.name,
            "torch version": torch.__version__, **extra}


def as_json(value):
    """``value`` as it reads back from JSON (tuples become lists): what a stamp is compared as."""
    return json.loads(json.dumps(value))


class Journal:
    """Rows appended to ``path`` one JSON line each, every line with ``"stamp": stamp``."""

    def __init__(self, path, stamp: dict):
        self.path, self.stamp = Path(path), as_json(stamp)

    def read(self) -> list[dict]:
        """The rows this stamp made (without their stamp); [] when there is no journal."""
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        return [row for row in rows if row.pop("stamp", None) == self.stamp]

    def add(self, row: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({**row, "stamp": self.stamp}) + "\n")

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def read_journal(path) -> tuple[list[dict], dict]:
    """All rows of a journal and their one stamp; a ValueError when several commits or settings
    made them."""
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    stamps = {json.dumps(row.pop("stamp"), sort_keys=True) for row in rows}
    if len(stamps) != 1:
        raise ValueError(f"{path}: rows from {len(stamps)} different commits or settings; "
                         "use the rows of one run")
    return rows, json.loads(stamps.pop())


def sweep(run: Callable[..., dict], grid: Sequence[tuple], key: Callable[[dict], Hashable], *,
          journal: Journal | None = None, resume: bool = False, max_runs: int | None = None,
          jobs: int = 1, desc: str = "runs", progress: bool = True) -> dict:
    """``run(*point)`` for every point of ``grid`` (in its order) not already in the journal;
    returns ``{key(row): row}``.

    ``key(row)`` must equal the row's grid point. Each new row is journaled and printed as JSON
    (under a progress bar unless ``progress=False``). Without ``resume`` an old journal is cleared
    first. ``jobs`` > 1 runs that many in worker processes (``run`` must then be picklable).
    Raises :class:`Unfinished` when ``max_runs`` left runs undone.
    """
    from tqdm.auto import tqdm

    done: dict = {}
    if journal is not None:
        if resume:
            done = {key(row): row for row in journal.read()}
        else:
            journal.clear()
    todo = [point for point in grid if tuple(point) not in done]
    now = todo if max_runs is None else todo[:max_runs]
    with tqdm(total=len(now), desc=desc, unit="run", disable=not progress) as bar:
        def keep(row: dict) -> None:
            done[key(row)] = row
            if journal is not None:
                journal.add(row)
            bar.write(json.dumps(row))  # printed without a bar too (tqdm.write is print then)
            bar.update(1)

        if jobs > 1 and now:
            with ProcessPoolExecutor(jobs) as pool:
                for row in pool.map(run, *zip(*now)):
                    keep(row)
        else:
            for point in now:
                keep(run(*point))
    if len(now) < len(todo):
        raise Unfinished(f"{len(todo) - len(now)} runs left; run again with resume")
    return done


def merge(earlier: Iterable[dict], newer: Iterable[dict], key: Callable[[dict], Hashable],
          order: Callable[[Hashable], object]) -> list[dict]:
    """The rows of both, a newer row replacing the earlier one with the same key, sorted by
    ``order(key)``."""
    rows = {key(row): row for row in earlier}
    rows.update({key(row): row for row in newer})
    return [rows[k] for k in sorted(rows, key=order)]
