"""Marks a teacher can use: who each submission is from, a CSV an LMS can import, a feedback file
per student.

The grader (:mod:`ganlib.course.grading`) gives one result per submission; this module names its
student (nbgrader's ``submitted/<student_id>/<assignment>/<notebook>.ipynb``, a folder per student,
or the file name less the notebook's name) and writes what leaves the grader:

- ``marks.csv``: one row per submission, ``student_id`` first, then the total, the maximum, the
  grading seed, each exercise's points and status, the notes and the submission's path;
- ``marks-exercises.csv`` beside it: one row per student and exercise, with the feedback text;
- ``<student_id>.md``: the student's own exercises, points and feedback.

Everything a submission could influence (file names, the learner's error messages) is cleaned
before it is printed or written: no control characters, no line of its own, no spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Iterable

from ganlib.files import atomic_write_text

_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\s\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_ID_CHARS = re.compile(r"[^\w.@+-]")


def clean_text(text: Any, limit: int = 2000) -> str:
    """Untrusted text (a learner's messages) made safe for a terminal or a table cell; it keeps its
    lines."""
    return _CONTROL.sub("", str(text))[:limit]


def clean_line(text: Any, limit: int = 500) -> str:
    """Untrusted text as one line (a file name, a note): no line breaks, tabs or direction marks, so
    it cannot print a line of its own in the table."""
    return _BREAKS.sub(" ", _CONTROL.sub("", str(text))).strip()[:limit]


# ----------------------------------------------------------------------------- who handed it in

def student_id(
    path: str | Path, root: str | Path | None = None, notebooks: Iterable[str] = ()
) -> str:
    """The student a submission is from, safe as a file name and a CSV cell.

    nbgrader's layout ``…/submitted/<student_id>/<assignment>/<notebook>.ipynb`` names it; else,
    under a graded folder ``root``, the first folder below it (one folder per student); else the
    file name less the name of a course notebook in it (``alice_03_dcgan.ipynb`` → ``alice``), else
    the file's stem.
    """
    path = Path(path)
    folders = list(path.parts[:-1])
    found = ""
    if "submitted" in folders:
        k = len(folders) - 1 - folders[::-1].index("submitted")
        found = folders[k + 1] if k + 1 < len(folders) else ""
    if not found and root is not None:
        try:
            rel = path.resolve().relative_to(Path(root).resolve())
        except ValueError:
            rel = None
        found = rel.parts[0] if rel is not None and len(rel.parts) >= 2 else ""
    if not found:
        stem = path.name[:-6] if path.name.endswith(".ipynb") else path.stem
        for name in sorted(notebooks, key=len, reverse=True):
            nb_stem = name[:-6] if name.endswith(".ipynb") else name
            if nb_stem and nb_stem in stem and stem != nb_stem:
                stem = stem.replace(nb_stem, " ")
                break
        found = stem.strip(" _-.") or stem
    return _ID_CHARS.sub("_", clean_line(found, 100)).strip("._") or "student"


def unique_ids(ids: list[str]) -> list[str]:
    """The ids with a repeat made distinct (``alice``, ``alice-2``): one row, one feedback file, one
    folder each."""
    taken: set[str] = set()
    out = []
    for i in ids:
        new, k = i, 1
        while new in taken:
            k += 1
            new = f"{i}-{k}"
        taken.add(new)
        out.append(new)
    return out


# ----------------------------------------------------------------------------- the CSV files

def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula."""
    if isinstance(value, str):
        value = clean_line(value, 2000)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return value


def _text_cell(value: str) -> str:
    """A multi-line CSV cell (feedback keeps its lines; the csv module quotes them) that is no
    formula."""
    value = clean_text(value).replace("\r", "")
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t") else value


def exercise_ids(results: list[dict[str, Any]]) -> list[str]:
    """Every exercise id in the results, in the order they first appear."""
    ids: list[str] = []
    for r in results:
        ids += [i for i in r["exercises"] if i not in ids]
    return ids


def _csv_text(rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def exercises_csv_path(out: str | Path) -> Path:
    """Where the per-exercise CSV goes beside ``out`` (``marks.csv`` → ``marks-exercises.csv``)."""
    out = Path(out)
    return out.with_name(f"{out.stem}-exercises{out.suffix or '.csv'}")


def write_csv(results: list[dict[str, Any]], out: str | Path) -> Path:
    """Write ``out`` (one row per submission, ``student_id`` first: the file an LMS imports) and the
    per-exercise file beside it (one row per student and exercise, with the feedback); return the
    latter."""
    ids = exercise_ids(results)
    rows: list[list[Any]] = [["student_id", "total", "max", "seed", *ids,
                              *[f"{i} status" for i in ids], "sandboxed", "notes", "submission"]]
    for r in results:
        ex = r["exercises"]
        rows.append([_cell(v) for v in [r.get("student", ""), r["total"], r["max"],
                                        "" if r.get("seed") is None else r["seed"],
                                        *[ex.get(i, {}).get("points", "") for i in ids],
                                        *[ex.get(i, {}).get("status", "") for i in ids],
                                        "yes" if r.get("sandboxed") else "not sandboxed",
                                        "; ".join(r["notes"]), r["notebook"]]])
    atomic_write_text(out, _csv_text(rows))
    long: list[list[Any]] = [["student_id", "exercise", "title", "points", "max", "status",
                              "feedback"]]
    for r in results:
        for i, e in r["exercises"].items():
            long.append([_cell(r.get("student", "")), _cell(i), _cell(e.get("title", i)),
                         e["points"], e["max"], _cell(e["status"]),
                         _text_cell(e.get("message", ""))])
    side = exercises_csv_path(out)
    atomic_write_text(side, _csv_text(long))
    return side


# ---------------------------------------------------------------------- a feedback file per student

def _md(text: Any) -> str:
    """One line of untrusted text for a markdown table or heading: no markup, no HTML, no table
    break."""
    return re.sub(r"([\\`*_{}\[\]<>|#!~])", r"\\\1", clean_line(text, 300))


def _fenced(text: str) -> str:
    """Text shown as it is, in a code block whose fence no run of backticks in it can close."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}text\n{clean_text(text).strip()}\n{fence}"


def feedback_markdown(result: dict[str, Any]) -> str:
    """A student's feedback: their exercises, points, status and feedback text, and the grader's
    notes."""
    assignment = result.get("assignment") or Path(str(result["notebook"])).name
    lines = [f"# Feedback on {_md(assignment)}", "",
             f"Student: {_md(result.get('student', ''))}  ",
             f"Submission: {_md(Path(str(result['notebook'])).name)}  ",
             f"Grading seed: {result.get('seed')} (the inputs your functions were tried on)", "",
             f"**Total: {result['total']}/{result['max']}**", "",
             "| Exercise | Points | Status |", "|---|---|---|"]
    for i, e in result["exercises"].items():
        lines.append(f"| {_md(e.get('title', i))} ({_md(i)}) | {e['points']}/{e['max']} | "
                     f"{_md(e['status'])} |")
    for i, e in result["exercises"].items():
        if e["status"] != "passed" and e.get("message"):
            lines += ["",
                      f"## {_md(e.get('title', i))}: {_md(e['status'])} ({e['points']}/{e['max']})",
                      "", _fenced(e["message"])]
    if result.get("notes"):
        lines += ["", "## Notes from the grader", ""] + [f"- {_md(n)}" for n in result["notes"]]
    return "\n".join(lines) + "\n"


def write_feedback(results: list[dict[str, Any]], folder: str | Path) -> list[Path]:
    """Write ``<student_id>.md`` for each result into ``folder``; return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in results:
        p = folder / f"{r.get('student') or 'student'}.md"
        atomic_write_text(p, feedback_markdown(r))
        written.append(p)
    return written
