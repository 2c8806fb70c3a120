"""Every measured claim a notebook's text makes is checked by an ``expect(...)`` in the cells after it.

The heuristic: a markdown paragraph *states a measured claim* when it uses one of CLAIM_WORDS (the verbs
and comparisons the course uses for results: "stalls", "vanishes", "collapsed", "covers", "morphs",
"far above chance", "lower than" …). Such a paragraph must be followed, before the next heading, by a
code cell that calls ``expect(``. Sections that summarise or suggest (recap, what to try next, where
GANs went, learning objectives) are skipped, and a markdown cell can be marked as not a measurement with
``<!-- not measured: why -->`` (for a definition, a forecast the notebook does not run, or a result
measured elsewhere). What it catches: a result sentence added or kept with no check after it. What it
does not: a claim phrased with words outside the list, or a check that tests something else.
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))  # every notebook, new ones included

CLAIM_WORDS = re.compile(
    r"\b(stall(s|ed)?|starv\w*|vanish\w*|collaps\w*|covers?|morphs?|walks? onto|heads? for|freez\w*|frozen|"
    r"above chance|far above|every class|all four|flatten\w*|drift\w*|diverge[sd]?|"
    r"(lower|higher|smaller|larger|better|worse) than|falls? (from|to)|rises?|shrinks?|"
    r"is stuck|has all but|near(ly)? optimal|all but optimal)\b", re.IGNORECASE)
SKIPPED_SECTIONS = re.compile(r"^#+\s*(recap|what to try next|where gans went|learning objectives|what you will learn)",
                              re.IGNORECASE | re.MULTILINE)
NOT_MEASURED = "<!-- not measured"


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _text(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def unchecked_claims(path: Path) -> list[tuple[int, str]]:
    """(cell index, claim words) for each markdown cell with a claim and no ``expect(`` after it in its section."""
    cells = _cells(path)
    found = []
    skipping = False
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = _text(cell)
        if NOT_MEASURED in text:
            skipping = bool(SKIPPED_SECTIONS.match((re.findall(r"^#+\s.*$", text, re.MULTILINE) or [""])[-1])) or skipping
            continue
        # a cell is read as sections: the text before its first heading continues the section above it
        parts = re.split(r"^(#+\s.*)$", text, flags=re.MULTILINE)  # [text, heading, text, heading, text ...]
        for k in range(0, len(parts), 2):
            if k > 0:
                skipping = bool(SKIPPED_SECTIONS.match(parts[k - 1]))
            if skipping:
                continue
            body = re.sub(r"`[^`]*`|\$[^$]*\$", "", parts[k])  # code and maths are not claims about a run
            words = sorted({m.group(0).lower() for m in CLAIM_WORDS.finditer(body)})
            if not words:
                continue
            before = k == 0 and _checked_before(cells, i)  # the text reads a run checked just above it
            after = k + 2 >= len(parts) and _checked_after(cells, i)  # no heading cuts it off from the cells below
            if not (before or after):
                found.append((i, ", ".join(words)))
    return found


def _checked_before(cells: list[dict], i: int) -> bool:
    """Whether a code cell calling ``expect(`` precedes cell i in its section (the text reads a run just checked)."""
    for earlier in reversed(cells[:i]):
        if earlier["cell_type"] == "code" and "expect(" in _text(earlier):
            return True
        if earlier["cell_type"] == "markdown" and re.search(r"^#+\s", _text(earlier), re.MULTILINE):
            return False
    return False


def _checked_after(cells: list[dict], i: int) -> bool:
    """Whether a code cell calling ``expect(`` follows cell i before the next heading."""
    for later in cells[i + 1:]:
        if later["cell_type"] == "markdown" and re.search(r"^#+\s", _text(later), re.MULTILINE):
            return False
        if later["cell_type"] == "code" and "expect(" in _text(later):
            return True
    return False


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_measured_claim_has_a_check_after_it(name):
    missing = unchecked_claims(ROOT / "notebooks" / "solutions" / name)
    assert not missing, (f"{name}: markdown cells state a measured claim with no expect(...) before the next heading "
                         f"(cell, words): {missing}. Add a check, or mark the cell <!-- not measured: why -->.")


def test_the_heuristic_catches_an_unchecked_claim(tmp_path):
    def md(s):
        return {"cell_type": "markdown", "metadata": {}, "source": s}

    def code(s):
        return {"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
    nb = {"cells": [md("## A run\nThe forger stalls."), code("run()"),
                    md("## Ends in a heading\nThe forger collapsed.\n\n## Next"), code("expect('x', True)"),
                    md("## Another\nThe forger stalls."), code("x = run()\nexpect('stalls', x > 1)"),
                    md("## Recap\nThe forger stalls."),
                    md("## Defined\nA collapsed forger <!-- not measured: a definition -->"),
                    md("## Read after its check"), code("x = run()\nexpect('stalls', x > 1)"), md("So the forger stalls."),
                    md("## A heading cuts the check off"), code("expect('x', True)"), md("## New\nThe forger stalls.")],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(nb))
    assert unchecked_claims(path) == [(0, "stalls"), (2, "collapsed"), (13, "stalls")]
