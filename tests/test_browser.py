"""What a reader sees: every page of the built site in headless Chromium, with the network blocked.

The site must be complete on its own (many readers are offline or behind slow CDNs): each page
loads without console errors or failed requests, typesets all of its math, renders its widgets,
and its sliders switch frames with no kernel. A screenshot of each page is saved under
``_build/screenshots/``.

Needs Playwright's Python package and a Chromium/Chrome binary (Playwright's own browser
download is not used). Without them these tests skip, saying what to install; `.ci/run` sets
NNDL_REQUIRE_BROWSER=1 so that CI fails instead of skipping.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) or point "
                "NNDL_CHROMIUM at a Chrome/Chromium binary; Playwright comes with requirements.txt")


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def notebook_pages() -> list[str]:
    return [p for p in toc_pages() if (ROOT / p).with_suffix(".ipynb").exists()]


def repository() -> str:
    """owner/name of the repository the launch buttons point to, from _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].removeprefix("https://github.com/").strip("/")


def _unavailable(reason: str):
    if os.environ.get("NNDL_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here, but {reason}")
    pytest.skip(f"browser tests skipped: {reason}; {INSTALL_HINT}")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("NNDL_CHROMIUM") or next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if not path:
        _unavailable("no Chromium or Chrome binary was found")
    return path


@pytest.fixture(scope="session")
def site_url(built_site):
    """Serve the freshly built site on 127.0.0.1 for the whole session."""
    result, html = built_site
    assert result.returncode == 0, "the site did not build; see test_book_builds_without_warnings"

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        timeout = 10  # close connections the browser opened but never used

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the `playwright` Python package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Visit:
    """One page load with every non-local request blocked and every problem recorded."""

    def __init__(self, browser, site_url: str, path: str):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.blocked, self.problems = [], []
        local = (site_url, "data:", "blob:")
        self.page.route("**/*", lambda route: route.continue_()
                        if route.request.url.startswith(local)
                        else (self.blocked.append(route.request.url), route.abort()))
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("response", lambda r: r.status >= 400 and self.problems.append(f"HTTP {r.status} {r.url}"))
        self.page.goto(f"{site_url}/{path}", wait_until="networkidle")
        # MathJax 3 typesets asynchronously; its startup promise settles when the page is done.
        # Sphinx includes MathJax only on pages that have math.
        if self.page.locator('script[src*="mathjax"]').count():
            self.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            self.page.evaluate("() => MathJax.startup.promise")

    def close(self):
        self.page.close()


@pytest.fixture
def visit(browser, site_url):
    visits = []

    def open_page(path: str) -> Visit:
        visits.append(Visit(browser, site_url, path))
        return visits[-1]

    yield open_page
    for v in visits:
        v.close()


@pytest.mark.parametrize("doc", toc_pages())
def test_page_is_complete_offline(visit, doc):
    """Loads with nothing from outside, no console errors, all math typeset; screenshot saved."""
    v = visit(f"{doc}.html")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    v.page.screenshot(path=str(SCREENSHOTS / f"{doc.replace('/', '__')}.png"), full_page=True)

    assert v.blocked == [], f"the page asked for outside resources: {v.blocked}"
    assert v.problems == [], "\n".join(v.problems)

    math_nodes = v.page.locator("article .math").count()
    typeset = v.page.locator("article mjx-container").count()
    assert typeset >= math_nodes, f"{math_nodes} math nodes but only {typeset} typeset"
    errors = v.page.eval_on_selector_all("mjx-merror", "es => es.map(e => e.getAttribute('data-mjx-error'))")
    assert errors == [], f"MathJax could not typeset: {errors}"
    prose = v.page.eval_on_selector("article", """a => { const c = a.cloneNode(true);
        c.querySelectorAll('pre, .highlight, mjx-container').forEach(n => n.remove());
        return c.innerText; }""")
    raw = [d for d in ("\\(", "\\[", "$$", "\\begin{", "\\tag{", "\\frac") if d in prose]
    assert not raw, f"raw TeX left in the prose: {raw}"

    too_wide = v.page.eval_on_selector_all("article div.math", """ds => ds
        .filter(d => d.scrollWidth > d.clientWidth + 1)
        .map(d => (d.querySelector('[id^="mjx-eqn:"]') || {}).id || d.textContent.slice(0, 60))""")
    assert too_wide == [], f"display equations wider than the page column at 1280 px: {too_wide}"

    # Every equation number written as \tag{...} in the page's source is displayed by MathJax.
    source = (ROOT / "_build" / "html" / f"{doc}.html").read_text(encoding="utf-8")
    tags = set(re.findall(r"\\tag\{([^}]*)\}", source))
    shown = set(v.page.eval_on_selector_all('[id^="mjx-eqn:"]', "es => es.map(e => e.id.slice(8))"))
    assert tags <= shown, f"equation numbers not displayed: {sorted(tags - shown)}"


@pytest.mark.parametrize("doc", notebook_pages())
def test_widgets_render_and_sliders_switch_frames(visit, doc):
    """Every stored widget renders its controls; each slider changes the picture without a kernel."""
    v = visit(f"{doc}.html")
    views = v.page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
    rendered = v.page.locator(".cell_output .widget-subarea > .jupyter-widgets").count()
    assert rendered == views, f"{views} widget views stored, {rendered} rendered"

    sliders = v.page.locator(".widget-subarea .widget-slider")
    for k in range(sliders.count()):
        box = sliders.nth(k).locator("xpath=ancestor::div[contains(@class, 'widget-subarea')][1]")
        image = box.locator("img").first
        before = image.get_attribute("src")
        readout = box.locator(".widget-readout").first.inner_text()
        sliders.nth(k).locator(".noUi-handle").first.focus()
        v.page.keyboard.press("ArrowRight")
        v.page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                                 arg=[image.element_handle(), before])
        assert box.locator(".widget-readout").first.inner_text() != readout
    assert v.problems == [], "\n".join(v.problems)


@pytest.mark.parametrize("doc", notebook_pages())
def test_launch_buttons_open_this_notebook(visit, doc):
    v = visit(f"{doc}.html")
    hrefs = v.page.eval_on_selector_all("a", "links => links.map(a => a.href)")
    repo, notebook = repository(), f"{doc}.ipynb"
    assert f"https://mybinder.org/v2/gh/{repo}/main?urlpath=lab/tree/{notebook}" in hrefs
    assert f"https://colab.research.google.com/github/{repo}/blob/main/{notebook}" in hrefs


@pytest.mark.parametrize("query, expected", [
    ("Mathematical", "notebooks/ch02-math.html"),
    ("数学基础", "notebooks/ch02-math.html"),
    ("Introduction", "notebooks/ch01-introduction.html"),
    ("绪论", "notebooks/ch01-introduction.html"),
])
def test_search_finds_a_chapter_by_english_and_chinese_title(visit, query, expected):
    v = visit(f"search.html?q={quote(query)}")
    v.page.wait_for_selector("#search-results li a")
    hits = v.page.eval_on_selector_all("#search-results li a", "as => as.map(a => a.getAttribute('href'))")
    assert any(h.split("#")[0].split("?")[0] == expected for h in hits), hits


@pytest.mark.parametrize("doc", notebook_pages())
def test_page_works_opened_as_a_file(browser, built_site, doc):
    """A reader may open _build/html/... straight from disk: math and widgets still work."""
    _, html = built_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.route("http*://**/*", lambda route: (problems.append(f"remote: {route.request.url}"), route.abort()))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    try:
        page.goto((html / f"{doc}.html").as_uri(), wait_until="load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        if views:
            page.wait_for_selector(".widget-subarea > .jupyter-widgets")
        assert page.locator("mjx-container").count() > 0 and page.locator("mjx-merror").count() == 0
        assert page.locator(".widget-subarea > .jupyter-widgets").count() == views
        assert problems == [], "\n".join(problems)
    finally:
        page.close()
