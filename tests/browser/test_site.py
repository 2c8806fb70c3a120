"""The course site in headless Chromium: built in the `ci` profile, every page opened offline.

`make test-site` (sets GANLIB_BROWSER=1). GANLIB_SITE_HTML=build/site/html tests an already built site (e.g. the cpu
one from `make site`) instead of building the ci one. Screenshots of the home page and notebook 03 go to
build/site-shots/.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "site-shots"
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# Every <img>, local link and its target, as the page sees them.
PAGE_FACTS = """() => ({
  images: [...document.querySelectorAll('img')].map(i => ({src: i.currentSrc || i.src, alt: i.getAttribute('alt'),
      loaded: i.complete && i.naturalWidth > 0, output: !!i.closest('.cell_output')})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
})"""


@pytest.fixture(scope="module")
def site() -> Path:
    """The built site's html folder: GANLIB_SITE_HTML, else a build in GANLIB_SITE_PROFILE (default ci, its notebooks
    run now) and GANLIB_SITE_SEED; any other profile only from runs already cached (make test-learner's)."""
    given = os.environ.get("GANLIB_SITE_HTML")
    if given:
        return Path(given).resolve()
    venv = Path(os.environ.get("GANLIB_SITE_VENV", ROOT / "build" / "site-venv"))
    if not (venv / "bin" / "sphinx-build").exists():
        pytest.fail(f"no jupyter-book in {venv}: `make test-site` installs it")
    profile = os.environ.get("GANLIB_SITE_PROFILE", "ci")
    cmd = [sys.executable, str(ROOT / "tools" / "build_site.py"), "--profile", profile,
           "--seed", os.environ.get("GANLIB_SITE_SEED", "0"), "--venv", str(venv)]
    subprocess.run(cmd + ([] if profile == "ci" else ["--cached-only"]), check=True, cwd=ROOT)
    return ROOT / "build" / "site" / "html"


@pytest.fixture(scope="module")
def server(site):
    """The site on a local HTTP server, as a static host serves it."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def _offline(page, base: str) -> list[str]:
    """Refuse every request off the local server (a reader offline); return the page's script errors."""
    errors: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@functools.lru_cache(maxsize=None)
def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _no_alt(alt: str | None) -> bool:
    """True when an image has no alt text of its own (Sphinx's default alt is the image's file name)."""
    alt = (alt or "").strip()
    return not alt or alt.startswith("_images/") or alt.endswith((".png", ".svg", ".jpg"))


def _pages(site: Path) -> list[str]:
    """Every page of the site, less the generated index and the home page's redirect (index.html → intro.html)."""
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html")
                  if not p.relative_to(site).parts[0].startswith("_") and p.name not in ("index.html", "genindex.html")
                  and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")[:500])


def test_every_notebook_and_its_solutions_have_a_page(site):
    for name in NOTEBOOKS:
        stem = Path(name).stem
        assert (site / f"{stem}.html").exists(), f"no page for {name}"
        assert (site / "solutions" / f"{stem}.html").exists(), f"no worked-solution page for {name}"
        assert (site / "_downloads").rglob(name), f"no download of {name}"
    assert (site / "index.html").exists() and (site / "teaching.html").exists()


def test_pages_links_images_alt_text_and_no_script_error(site, server, browser):
    problems: list[str] = []
    for rel in _pages(site):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = _offline(page, server)
        page.goto(f"{server}/{rel}", wait_until="load")
        facts = page.evaluate(PAGE_FACTS)
        problems += [f"{rel}: script error {e}" for e in errors]
        for img in facts["images"]:
            if img["src"].startswith(server) and not img["loaded"]:
                problems.append(f"{rel}: image does not load: {img['src']}")
            if img["output"] and Path(rel).name in [Path(n).stem + ".html" for n in NOTEBOOKS] \
                    and "solutions" not in rel and _no_alt(img["alt"]):
                problems.append(f"{rel}: a figure without alt text ({img['src'][-20:]})")
        for href in facts["links"]:
            if not href.startswith(server):
                continue
            url = urllib.parse.urlparse(href)
            target = site / urllib.parse.unquote(url.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"{rel}: broken link {href}")
            elif url.fragment and target.suffix == ".html" and f'id="{url.fragment}"' not in _text(target):
                problems.append(f"{rel}: link to a missing anchor {href}")
        page.close()
    assert not problems, "\n".join(problems[:40])


def test_each_exercise_links_to_its_worked_solution(site):
    import nbformat

    for name in NOTEBOOKS:
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        exercises = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                     if c.metadata.get("nbgrader", {}).get("solution")]
        html = (site / f"{Path(name).stem}.html").read_text(encoding="utf-8")
        for ex in exercises:
            assert f"solutions/{Path(name).stem}.html#{ex}" in html, f"{name}: {ex} has no link to its solution"


def test_search_finds_a_notebook(server, page):
    _offline(page, server)
    page.goto(f"{server}/search.html?q=discriminator", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=30_000)
    assert page.locator("#search-results li").count() > 0


def test_screenshots(server, page):
    """The home page and notebook 03's page as a reader sees them (build/site-shots/, to look at)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    _offline(page, server)
    page.goto(f"{server}/index.html", wait_until="load")   # a redirect to the home page, intro.html
    page.wait_for_url("**/intro.html")
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "home.png"), full_page=True)
    page.goto(f"{server}/03_dcgan.html", wait_until="load")
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "03_dcgan.png"), full_page=False)
    imgs = page.locator(".cell_output img")
    if imgs.count():
        imgs.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "03_dcgan_first_figure.png"))
    assert (SHOTS / "home.png").exists()
