"""Reading the mode-collapse table: mean ± standard error per method, which methods are within noise
of each other, and whether a row reproduces PacGAN's published numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ganlib.config import RESULTS_DIR

from .collapse_setup import DATASETS, METHODS

RESULTS = RESULTS_DIR / "mode_collapse.json"

PUBLISHED = {
    ("ring", "gan"): dict(modes=(6.3, 0.5), high_quality=(0.982, 0.002), reverse_kl=(0.45, 0.09)),
    ("grid", "gan"): dict(modes=(17.3, 0.8), high_quality=(0.948, 0.007), reverse_kl=(0.70, 0.07)),
    ("ring", "pacgan4"): dict(modes=(7.8, 0.1), high_quality=(0.959, 0.014),
                              reverse_kl=(0.07, 0.02)),
    ("grid", "pacgan4"): dict(modes=(24.8, 0.2), high_quality=(0.936, 0.006),
                              reverse_kl=(0.04, 0.01)),
}
"""PacGAN's Table 1 (Lin et al. 2018, 10 trials, mean ± standard error): the plain GAN and PacGAN4
in the papers' recipe. The course's rows of the same method in both recipes are compared with
these."""


def load_table(path: Path = RESULTS) -> dict:
    """The shipped table (rows and provenance); an empty one, saying how to make it, when it is
    missing."""
    path = Path(path)
    if not path.exists():
        return {"rows": [],
                "provenance": {"command": "not shipped: run python -m ganlib.experiments table"}}
    return json.loads(path.read_text())


def summary(rows: list[dict]) -> list[dict]:
    """Mean ± standard error over seeds of modes and high quality, per (data set, method)."""
    out = []
    keys = sorted({(r["dataset"], r["method"]) for r in rows},
                  key=lambda k: (k[0], list(METHODS).index(k[1])
                                                                               if k[1] in METHODS
                                 else 99))
    for dataset, method in keys:
        sel = [r for r in rows if r["dataset"] == dataset and r["method"] == method]
        row = {"dataset": dataset, "method": method, "runs": len(sel)}
        for key in ("modes", "high_quality", "reverse_kl", "bridges", "seconds"):
            v = np.array([r[key] for r in sel if r.get(key) is not None], dtype=float)
            row[key] = float(v.mean()) if len(v) else None
            row[key + "_se"] = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
            if key in ("reverse_kl", "bridges"):
                # runs that measured it (reverse KL: with a high-quality sample)
                row[key + "_runs"] = len(v)
        out.append(row)
    return out


def published(dataset: str, method: str) -> dict | None:
    """PacGAN's published numbers for a row's method (the ``-papers`` rows compare with the same
    method)."""
    return PUBLISHED.get((dataset, method.removesuffix("-papers")))


def within_noise(a: tuple[float, float], b: tuple[float, float], z: float = 2.0) -> bool:
    """Whether two means (each with its standard error) differ by less than ``z`` combined standard
    errors."""
    return abs(a[0] - b[0]) <= z * float(np.hypot(a[1], b[1]))


def reproduction(row: dict) -> str:
    """``reproduced`` when modes, high quality and reverse KL are each within noise of PacGAN's
    published numbers (2 combined standard errors); otherwise ``NOT reproduced`` and the paper's
    numbers (a column the row did not measure cannot reproduce, but it can fail to); '' when the
    paper has no such row."""
    paper = published(row["dataset"], row["method"])
    if paper is None:
        return ""
    ours = {k: (row[k], row[k + "_se"]) for k in ("modes", "high_quality", "reverse_kl")
            if row[k] is not None}
    same = row["runs"] > 1 and "reverse_kl" in ours and all(within_noise(ours[k], paper[k])
                                                            for k in ours)
    if row["runs"] > 1 and "reverse_kl" not in ours and all(within_noise(ours[k], paper[k])
                                                            for k in ours):
        return "reverse KL not measured; modes and high quality within noise of the paper's"
    (m, m_se), (hq, hq_se), (kl, kl_se) = paper["modes"], paper["high_quality"], paper["reverse_kl"]
    text = (f"paper {m:.1f} ± {m_se:.1f}, {100 * hq:.1f} ± {100 * hq_se:.1f} %, KL {kl:.2f} ± "
            f"{kl_se:.2f}")
    verdict = (
        "reproduced" if same else "NOT reproduced" if row["runs"] > 1 else "one run: cannot tell"
    )
    return verdict + f" ({text})"


def _cell(r: dict, key: str, scale: float = 1.0, digits: int = 2) -> str:
    """``mean ± se`` of one column, ``(k/n)`` when only k of the n runs measured it, ``—`` when none
    did."""
    if r[key] is None:
        return "—"
    if r["runs"] < 2:  # one run: no standard error
        return f"{scale * r[key]:.{digits}f}"
    text = f"{scale * r[key]:.{digits}f} ± {scale * r[key + '_se']:.{digits}f}"
    return text + (f" ({r[key + '_runs']}/{r['runs']})"
                   if r.get(key + "_runs", r["runs"]) < r["runs"] else "")


def format_table(summ: list[dict]) -> str:
    """The summary as text: runs, mean ± standard error of every column, the run time, the paper's
    numbers.

    A ``(k/n)`` after a reverse KL or bridges value: only k of the n runs measured it (reverse KL
    needs a high-quality sample; rows kept from an earlier table have no bridges or reverse KL). One
    run: ± 0.
    """
    head = (f"{'data':5s} {'method':15s} {'runs':>4s} {'modes':>11s} {'high quality %':>15s} "
            f"{'reverse KL':>19s} {'bridges %':>17s} {'s/run':>6s}  vs PacGAN's Table 1")
    lines = [head, "-" * len(head)]
    for r in summ:
        lines.append(f"{r['dataset']:5s} {r['method']:15s} {r['runs']:4d} "
                     f"{_cell(r, 'modes', 1, 1):>11s} {_cell(r, 'high_quality', 100, 1):>15s} "
                     f"{_cell(r, 'reverse_kl'):>19s} {_cell(r, 'bridges', 100, 1):>17s} "
                     f"{r['seconds']:6.0f}  {reproduction(r)}")
    return "\n".join(lines)


def ties(summ: list[dict], dataset: str, key: str, z: float = 2.0) -> list[tuple[str, str]]:
    """Pairs of methods whose ``key`` means on ``dataset`` are within ``z`` combined standard
    errors."""
    rows = [r for r in summ if r["dataset"] == dataset and r[key] is not None and r["runs"] > 1]
    return [(a["method"], b["method"]) for i, a in enumerate(rows) for b in rows[i + 1:]
            if within_noise((a[key], a[key + "_se"]), (b[key], b[key + "_se"]), z)]


def noise_sentences(summ: list[dict], key: str = "high_quality", z: float = 2.0) -> list[str]:
    """One sentence per method and data set naming the methods it cannot be told apart from on
    ``key`` (a method with one run has no standard error: it is named as such)."""
    out = []
    for dataset in DATASETS:
        pairs = ties(summ, dataset, key, z)
        for r in (r for r in summ if r["dataset"] == dataset):
            if r["runs"] < 2:
                out.append(f"{dataset}, {key.replace('_', ' ')}: {r['method']} has one run, no "
                           "standard error: it cannot be compared within noise")
                continue
            mates = [b if a == r["method"] else a for a, b in pairs if r["method"] in (a, b)]
            if mates:
                out.append(f"{dataset}, {key.replace('_', ' ')}: {r['method']} is within noise (< "
                           f"{z:g} SE) of {', '.join(mates)}")
    return out
