"""What a learner sees in JupyterLab: run every cell, move a slider, press step, and the widget answers."""

from __future__ import annotations

import re
import time

from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parents[2] / "build" / "browser"  # as in conftest.py

# What a learner does in each notebook: (kind, label) — move the slider labelled so, click the button
# labelled so, pick another entry of the drop-down labelled so; each must change what the cell shows.
# ("image", text) checks that the cell whose code contains text shows a picture (03: your GAN's sample grids).
CASES = {
    "01_forger_vs_detective.ipynb": [("slider", r"^mean$"), ("button", r"step the detective"),
                                     ("button", r"step the forger")],
    "02_vanilla_gan.ipynb": [("button", r"^\s*train\s*$")],
    "03_dcgan.ipynb": [("image", "fixed_z"), ("slider", r"noise seed"), ("dropdown", r"^class$")],
    "07_stylegan_in_miniature.ipynb": [("slider", r"layers from coarse")],
}

ALL_NUMBERED_OR_FAILED = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  if (!nb) return false;
  const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim());
  if (!prompts.length || prompts.some(t => t.includes('*'))) return false;
  if (prompts.every(t => /\\[\\d+\\]/.test(t))) return true;
  return [...nb.querySelectorAll('.jp-OutputArea-output')].some(e => e.textContent.includes('Traceback'));
}"""

# A fingerprint of what a widget shows: every image (hashed src) and every piece of text.
FINGERPRINT = """el => {
  let h = 0; const mix = s => { for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0; };
  el.querySelectorAll('img').forEach(i => mix(i.src));
  el.querySelectorAll('.widget-label, .widget-html-content, .jp-RenderedText, .widget-readout, svg text')
    .forEach(e => mix(e.textContent));
  return String(h);
}"""


def _open(page, lab, name: str) -> None:
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_timeout(1000)
    _accept_dialogs(page)  # "Select Kernel", should the preferred kernel not start by itself
    page.wait_for_selector(".jp-NotebookPanel .jp-KernelStatus-success, "
                           ".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.wait_for_function("() => /Idle/.test(document.querySelector('#jp-main-statusbar')?.textContent || '')",
                           timeout=60_000)


def _accept_dialogs(page) -> None:
    """Answer JupyterLab's dialogs (e.g. "Select Kernel") with their default button."""
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count() and dialog.first.is_visible():
        dialog.first.click()


def _run_all(page, timeout: float = 150) -> float:
    """Run all cells from the Run menu; wait until every cell has run or one has failed; return the seconds."""
    t0 = time.monotonic()
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-item", has_text=re.compile(r"^Run All Cells")).first.click()
    while not page.evaluate(ALL_NUMBERED_OR_FAILED):
        _accept_dialogs(page)
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"the cells did not finish within {timeout:.0f} s")
        page.wait_for_timeout(500)
    return time.monotonic() - t0


def _problems(page) -> list[str]:
    """Errors, tracebacks, and widgets that rendered as text instead of as widgets."""
    texts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").all_inner_texts()
    bad = []
    for t in texts:
        if "Traceback" in t or re.search(r"^\w*(Error|Exception)\b", t, re.M):
            bad.append("error output: " + t[-800:])
        if re.search(r"\b[HV]Box\(children=|Error displaying widget|model not found", t):
            bad.append("widget rendered as text (is jupyterlab_widgets installed?): " + t[:300])
    return bad


def _wait_changed(area, before: str, what: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = area.evaluate(FINGERPRINT)
        if now != before:
            while True:  # then let it settle (a redraw may come in parts) before a screenshot
                time.sleep(0.75)
                later = area.evaluate(FINGERPRINT)
                if later == now or time.monotonic() > deadline:
                    return later
                now = later
        time.sleep(0.25)
    raise AssertionError(f"the widget's output did not change after {what}")


def _move_slider(page, slider) -> None:
    """Drag the slider's handle to the right, as a learner would (the keyboard if the drag did nothing)."""
    readout = slider.locator(".widget-readout")
    value = readout.inner_text()
    handle = slider.locator(".noUi-handle, .ui-slider-handle").first
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 35, y, steps=5)
    page.mouse.up()
    if readout.inner_text() == value:
        handle.focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
    assert readout.inner_text() != value, "the slider did not move"


def _labelled(page, kind: str, label: str):
    """The widget of this kind whose label (or button text) matches."""
    rx = re.compile(label, re.I)
    if kind == "button":
        return page.locator("button.widget-button", has_text=rx).first
    css = {"slider": ".widget-slider", "dropdown": ".widget-dropdown"}[kind]
    return page.locator(css).filter(has=page.locator(".widget-label", has_text=rx)).first


def _act(page, kind: str, widget) -> None:
    if kind == "slider":
        _move_slider(page, widget)
    elif kind == "button":
        widget.click()
    else:
        widget.locator("select").select_option(index=1)


@pytest.mark.browser
@pytest.mark.parametrize("name", list(CASES), ids=[n[:2] for n in CASES])
def test_notebook_runs_and_its_widgets_answer(lab, page, name):
    if not (lab.root / name).exists():
        pytest.skip(f"{name} is not in notebooks/ yet")
    tag = name[:2]
    _open(page, lab, name)
    seconds = _run_all(page)
    print(f"{name}: run all cells in {seconds:.0f} s")
    assert not _problems(page), "\n".join(_problems(page))

    for i, (kind, label) in enumerate(CASES[name]):
        slug = re.sub(r"[^a-z0-9]+", "_", re.sub(r"\\.", "", label.lower())).strip("_")
        shot = SHOTS / f"{tag}_{i}_{kind}_{slug}.png"
        if kind == "image":
            cell = page.locator(".jp-CodeCell").filter(has_text=label).first
            area = cell.locator(".jp-Cell-outputArea")
            area.scroll_into_view_if_needed()
            imgs = area.locator("img")
            assert imgs.count(), f"{name}: the cell with {label!r} shows no picture"
            assert imgs.first.evaluate("i => i.complete && i.naturalWidth > 100"), f"{name}: broken picture"
            area.screenshot(path=str(shot))
            continue
        widget = _labelled(page, kind, label)
        assert widget.count(), f"{name}: no {kind} labelled /{label}/ (do widgets render?)"
        area = page.locator(".jp-Cell-outputArea").filter(has=widget).first
        widget.scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        before = area.evaluate(FINGERPRINT)
        _act(page, kind, widget)
        _wait_changed(area, before, f"using the {kind} {label!r}")
        page.wait_for_timeout(500)
        area.screenshot(path=str(shot))
    page.screenshot(path=str(SHOTS / f"{tag}_lab.png"))
    assert not _problems(page), "\n".join(_problems(page))


def test_screenshots_are_not_blank():
    """At least two screenshots were written and show something (not a single flat colour)."""
    from PIL import Image

    shots = sorted(p for p in SHOTS.glob("0*_*.png") if not p.name.endswith("_lab.png"))
    if not shots:
        pytest.skip("no widget was exercised")
    assert len(shots) >= 2, shots
    for p in shots:
        img = Image.open(p).convert("L")
        lo, hi = img.getextrema()
        assert hi - lo > 50 and img.size[0] > 200 and img.size[1] > 100, f"{p.name} looks blank"
