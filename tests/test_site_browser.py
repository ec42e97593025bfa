"""The built site in a real browser (Debian's headless Chromium via Playwright).

For every page of ``_toc.yml``: it loads from a local HTTP server with no
console error, no page error and no failed request, nothing leaves
127.0.0.1, MathJax has typeset the math, images and explorers have loaded,
no two elements share an id. Then what a reader does and meets: moving a
slider redraws the figure; on a 375 px phone the chapter-list and
page-contents buttons open, on a desktop the chapter-list button collapses
the sidebar; display equations and code fit their column at 1280 px; a
solution opens from its title; a figure opens full size; search finds an
English and a Chinese term and its summaries show text, not TeX; on a
5 Mbit/s connection the math is rendered within a bound and before plotly.js
starts loading; the course zip downloads and holds a runnable Makefile.
Screenshots go to ``tests/artifacts/`` for a person to look at.

Point the suite at another build with ``RNN_SITE`` (``tests/sitetools.py``),
e.g. a single-chapter build of ``scripts/build_chapter.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from urllib.parse import urlparse

import pytest

from sitetools import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, NOT_BUILT, SITE,
                       SITE_OVERRIDE, SiteServer, chromium_available, toc_pages)

PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("chapters/")]
#: time to rendered math on chapter 4 over 5 Mbit/s with 40 ms latency
#: (measured 5.8-6.9 s; over 12 s while MathJax waited for plotly.js)
THROTTLED_MATH_SECONDS = 9.0
THROTTLE = {"offline": False, "latency": 40, "downloadThroughput": 5e6 / 8,
            "uploadThroughput": 1e6 / 8}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (SITE / "index.html").exists(), reason=NOT_BUILT),
    pytest.mark.skipif(not chromium_available(), reason=NO_CHROMIUM),
]
if os.environ.get("CI") and not chromium_available():  # CI must never skip them
    pytestmark.append(pytest.mark.xfail(strict=True, reason="CI needs chromium: .ci/run installs it"))


@pytest.fixture(scope="module")
def server():
    with SiteServer(SITE) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class PageLog:
    """Console errors, failed requests and off-site requests of one page."""

    def __init__(self, page):
        self.errors, self.failed, self.offsite, self.bad_status = [], [], [], []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and self.bad_status.append(f"{r.status} {r.url}"))
        page.on("request", self._on_request)

    def _on_request(self, request):
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in {"127.0.0.1"}:
            self.offsite.append(request.url)

    def assert_clean(self, where: str):
        assert not self.offsite, f"{where}: requests left 127.0.0.1: {self.offsite}"
        assert not self.failed, f"{where}: failed requests: {self.failed}"
        assert not self.bad_status, f"{where}: HTTP errors: {self.bad_status}"
        assert not self.errors, f"{where}: console errors: {self.errors}"


def _open(browser, server, path, width=1280, height=900, idle=True, **context_args):
    context = browser.new_context(viewport={"width": width, "height": height}, **context_args)
    # Block anything off-site *after* recording it, so a stray CDN reference
    # fails the test instead of hanging it on this closed network.
    page = context.new_page()
    log = PageLog(page)
    page.route("**/*", lambda route: route.continue_()
               if urlparse(route.request.url).hostname == "127.0.0.1" else route.abort())
    page.goto(server.url + path, wait_until="load")
    if idle:  # also wait for what scripts fetch after the load (plotly.js, frames)
        page.wait_for_load_state("networkidle")
    return context, page, log


def _wait_for_mathjax(page):
    """Wait until MathJax has typeset the page (pages without math load no MathJax)."""
    page.wait_for_function(
        "() => !document.querySelector('.math') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=20000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")


OVERFLOW_JS = """() => {
  const out = [], MIN_CODE_PX = 12.5;
  const widest = {eq: 0, eqBox: 0, code: 0, codeBox: 0, codeFont: 0, chars: 0};
  const article = document.querySelector('article.bd-article');
  document.querySelectorAll('article.bd-article div.math').forEach(d => {
    const c = d.querySelector('mjx-container[display="true"]');
    if (!c) return;
    const over = Math.max(d.scrollWidth - d.clientWidth, c.scrollWidth - c.clientWidth);
    const math = c.querySelector('mjx-math');  // the equation's own width
    const eqWidth = Math.max(c.scrollWidth > c.clientWidth ? c.scrollWidth : 0,
                             math ? math.getBoundingClientRect().width : 0);
    if (!widest.eqBox || eqWidth - c.clientWidth > widest.eq - widest.eqBox)
      [widest.eq, widest.eqBox] = [Math.round(eqWidth), c.clientWidth];  // the tightest fit
    if (over > 1) out.push(`equation ${d.id || '(unlabelled)'}: ` +
      `${Math.max(c.scrollWidth, d.scrollWidth)}px in ${c.clientWidth}px`);
  });
  document.querySelectorAll('article.bd-article div.highlight pre').forEach((pre, i) => {
    const line = (pre.textContent.split('\\n').sort((a, b) => b.length - a.length)[0] || '');
    if (pre.scrollWidth - pre.clientWidth > 1) {
      out.push(`code block ${i}: ${pre.scrollWidth}px in ${pre.clientWidth}px (${line.length} chars)`);
    }
    // fitting by shrinking the text is no fit: code stays legible
    const size = parseFloat(getComputedStyle(pre).fontSize);
    if (pre.clientWidth > 0) {
      const range = document.createRange();  // the longest line's width, plus the padding
      range.selectNodeContents(pre);
      const pad = parseFloat(getComputedStyle(pre).paddingLeft) + parseFloat(getComputedStyle(pre).paddingRight);
      const wraps = getComputedStyle(pre).whiteSpace !== 'pre';  // printed output wraps
      const codeWidth = Math.max(pre.scrollWidth > pre.clientWidth ? pre.scrollWidth : 0,
                                 wraps ? 0 : range.getBoundingClientRect().width + pad);
      if (!widest.codeBox || codeWidth - pre.clientWidth > widest.code - widest.codeBox)
        [widest.code, widest.codeBox] = [Math.round(codeWidth), pre.clientWidth];
      widest.codeFont = widest.codeFont ? Math.min(widest.codeFont, size) : size;
      widest.chars = Math.max(widest.chars, line.length);
    }
    if (pre.clientWidth > 0 && size < MIN_CODE_PX)
      out.push(`code block ${i}: ${size.toFixed(1)}px text is too small to read`);
  });
  return {out, widest};
}"""
#: display equations wider than their box must scroll, from their start: a
#: centred flex item that overflows to the left cannot be scrolled back to
REACHABLE_JS = """() => Array.from(document.querySelectorAll('article mjx-container[display="true"]'))
  .filter(c => {
    const box = c.getBoundingClientRect();
    let left = Infinity;
    c.querySelectorAll('mjx-math > *').forEach(e => { left = Math.min(left, e.getBoundingClientRect().left); });
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(c).overflowX);
    return left < box.left - 1 || (c.scrollWidth > c.clientWidth + 1 && !scrolls);
  }).map(c => (c.closest('div.math') || c).id || 'unlabelled')"""

#: on a phone, an equation wider than the screen scrolls and shows that it
#: does: a scroll box with a scrollbar and an edge shadow (course.css)
AFFORDANCE_JS = """() => Array.from(document.querySelectorAll('article mjx-container[display="true"]'))
  .filter(c => c.scrollWidth > c.clientWidth + 1)
  .map(c => {
    const s = getComputedStyle(c);
    return {id: (c.closest('div.math') || c).id || 'unlabelled', overflow: s.overflowX,
            scrollbar: s.scrollbarWidth, shadow: s.backgroundImage.includes('gradient')};
  })"""

DUPLICATE_IDS_JS = """() => {
  const seen = {};
  document.querySelectorAll('[id]').forEach(e => { seen[e.id] = (seen[e.id] || 0) + 1; });
  return Object.entries(seen).filter(([k, n]) => n > 1);
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_clean_and_renders(browser, server, path):
    """One visit per page: it loads without errors, its math is typeset, its
    images arrive, its ids are unique; on a chapter, display equations and
    code fit the column at 1280 px; every explorer on it moves."""
    context, page, log = _open(browser, server, path)
    try:
        _wait_for_mathjax(page)
        has_math = page.locator(".math").count() > 0
        if has_math:
            assert page.locator("mjx-container").count() > 0, f"{path}: MathJax did not typeset"
        text = page.locator("article").inner_text()
        assert "$$" not in text, f"{path}: raw $$ left in the page"
        # images load lazily: ask for all of them, then check every one arrived
        page.evaluate("() => document.querySelectorAll('article img')"
                      ".forEach(i => { i.loading = 'eager'; })")
        page.wait_for_function("() => Array.from(document.querySelectorAll('article img'))"
                               ".every(i => i.complete)", timeout=20000)
        broken = page.evaluate(
            "() => Array.from(document.querySelectorAll('article img'))"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"{path}: images did not load: {broken}"
        if path in CHAPTERS:
            _assert_fits_the_column(path, page.evaluate(OVERFLOW_JS))
        duplicates = page.evaluate(DUPLICATE_IDS_JS)
        assert not duplicates, f"{path}: ids used more than once: {duplicates}"
        n_explorers = page.locator("div.rnn-explorer").count()
        if n_explorers:
            page.wait_for_function(
                "n => document.querySelectorAll('div.rnn-explorer[data-ready] .main-svg').length >= n",
                arg=n_explorers, timeout=20000)
        log.assert_clean(path)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / (path.replace("/", "__") + ".png")))
        if n_explorers:  # figures you move, on the website too
            _move_every_control(page, path)
            log.assert_clean(path)
    finally:
        context.close()


#: an explorer's root element, a div of class rnn-explorer as
#: rnn_helpers.viz.explorer writes it (test_page_loads_clean_and_renders
#: moves every one it finds in the browser)
EXPLORER_DIV = re.compile(r'<div\b[^>]*\bclass="(?:[^"]*\s)?rnn-explorer(?:\s[^"]*)?"')


def _explorer_pages():
    return [path for path in PAGES if (SITE / path).exists()  # else test_site_static says
            and EXPLORER_DIV.search((SITE / path).read_text(encoding="utf-8"))]


def test_there_is_an_explorer_to_move():
    assert _explorer_pages(), "no page holds a kernel-free explorer"


def _move_every_control(page, path):
    """Move every slider and menu of every explorer on the page: each move
    draws a new frame, and the sliders are long enough to use."""
    explorers = page.locator("div.rnn-explorer")
    for i in range(explorers.count()):
        root = explorers.nth(i)
        root.scroll_into_view_if_needed()
        page.wait_for_function("el => el.dataset.ready", arg=root.element_handle(), timeout=20000)
        controls = root.locator("input[type=range], select")
        assert controls.count() >= 1
        widths = root.locator("input[type=range]").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().width)")
        assert all(w >= 199 for w in widths), f"{path}: sliders too short to use: {widths}"
        for j in range(controls.count()):
            control = controls.nth(j)
            before_frame = root.get_attribute("data-frame")
            before = root.locator(".main-svg").first.inner_html()
            stem = f"{path.replace('/', '__')}-explorer{i}-control{j}"
            if control.evaluate("e => e.tagName") == "SELECT":
                n = control.locator("option").count()
                current = int(control.input_value())
                control.select_option(str((current + 1) % n))
            else:
                maximum = int(control.get_attribute("max"))
                current = int(control.input_value())
                target = 0 if current != 0 else maximum
                control.focus()
                control.press("Home" if target == 0 else "End")
            page.wait_for_function(
                "([el, f]) => el.dataset.frame !== f", arg=[root.element_handle(), before_frame])
            after = root.locator(".main-svg").first.inner_html()
            if j == 0:
                root.screenshot(path=str(ARTIFACTS / f"{stem}-after.png"))
            assert after != before, f"{path}: moving control {j} of explorer {i} drew nothing new"


TEX_IN_SUMMARY = ("\\(", "\\[", "\\mathbf", "\\frac", "\\top", "\\partial")


def _search(browser, server, query, name):
    context, page, log = _open(browser, server, f"search.html?q={query}")
    try:
        page.wait_for_selector("#search-results ul.search li", timeout=20000)
        # summaries are fetched page by page after the list appears
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('#search-results ul.search li'))"
            ".every(li => li.querySelector('p.context') || li.dataset.checked)", timeout=20000)
        hits = page.locator("#search-results ul.search li a").evaluate_all(
            "els => els.map(a => a.getAttribute('href'))")
        summaries = page.locator("#search-results p.context").all_inner_texts()
        page.screenshot(path=str(ARTIFACTS / f"search-{name}.png"))
        log.assert_clean(f"search {query}")
        return hits, summaries
    finally:
        context.close()


def test_search_finds_an_english_term_and_shows_text(browser, server):
    hits, summaries = _search(browser, server, "gradient", "gradient")
    assert hits, "no result for 'gradient'"
    assert summaries, "search results have no summary"
    tex = [s for s in summaries if any(t in s for t in TEX_IN_SUMMARY)]
    assert not tex, f"search summaries show raw TeX: {tex[:2]}"


def test_search_finds_a_chinese_term(browser, server):
    hits, _ = _search(browser, server, "梯度", "chinese")
    assert hits, "no result for 梯度 (gradient): is jieba installed and html_search_language zh?"
    if "book/glossary.html" in PAGES:
        assert any("glossary" in h for h in hits), f"the glossary is not among {hits}"


def test_tex_becomes_text_in_summaries(browser, server):
    context, page, log = _open(browser, server, PAGES[0])
    try:
        out = page.evaluate(r"() => window.courseTexToText('\\(\\mathbf{h}_t = \\tanh(W_{hh} \\mathbf{h}_{t-1})\\)')")
        assert out == "h_t = tanh(W_hh h_t-1)", out
    finally:
        context.close()


def _solution_page():
    from bs4 import BeautifulSoup

    for p in PAGES:
        if (SITE / p).exists() and BeautifulSoup(
                (SITE / p).read_text(encoding="utf-8"), "html.parser").select(".solution.dropdown"):
            return p
    return None


def test_solution_opens_from_its_title(browser, server):
    path = _solution_page()
    assert path, "no page has a solution in a dropdown"
    context, page, log = _open(browser, server, path, idle=False)
    try:
        solution = page.locator(".solution.dropdown").first
        solution.scroll_into_view_if_needed()
        body = solution.locator("section, .section").first
        assert not body.is_visible(), "solution is not hidden before the click"
        url = page.url
        # the title text (a link back to the exercise in sphinx-exercise's markup)
        title = solution.locator(".admonition-title")
        target = title.locator("a").first if title.locator("a").count() else title
        target.click()
        body.wait_for(state="visible", timeout=5000)
        assert page.url == url, f"clicking the title navigated to {page.url}"
        assert "toggle-hidden" not in (solution.get_attribute("class") or "")
        solution.screenshot(path=str(ARTIFACTS / "solution-open-from-title.png"))
        target.click()  # and closes again
        body.wait_for(state="hidden", timeout=5000)
        # the chevron works too
        solution.locator(".toggle-button").first.click()
        body.wait_for(state="visible", timeout=5000)
        log.assert_clean(path)
    finally:
        context.close()


def test_figures_open_full_size(browser, server):
    from bs4 import BeautifulSoup

    path = next((p for p in CHAPTERS if BeautifulSoup(
        (SITE / p).read_text(encoding="utf-8"), "html.parser").select("article figure img")), None)
    if path is None:
        pytest.skip("no chapter with a figure in this build")
    context, page, log = _open(browser, server, path, idle=False)
    try:
        img = page.locator("article figure img.course-zoomable").first
        img.scroll_into_view_if_needed()
        shown = img.evaluate("i => i.getBoundingClientRect().width")
        img.click()
        big = page.locator("dialog.course-lightbox[open] img")
        big.wait_for(state="visible", timeout=5000)
        natural, width, room = big.evaluate(
            "i => [i.naturalWidth, i.getBoundingClientRect().width, window.innerWidth]")
        # as large as the screen allows, up to the image's own size
        assert width <= natural + 1 and width <= room, (natural, width, room)
        assert width >= shown - 1, f"the opened figure ({width}px) is smaller than in the text ({shown}px)"
        page.screenshot(path=str(ARTIFACTS / "figure-full-size.png"))
        page.keyboard.press("Escape")
        page.locator("dialog.course-lightbox[open]").wait_for(state="detached", timeout=5000)
        log.assert_clean(path)
    finally:
        context.close()


@pytest.mark.parametrize("path", [p for p in ("book/intro.html", "chapters/01_sequences.html",
                                             "chapters/04_gradients.html") if p in PAGES])
def test_usable_at_375px(browser, server, path):
    context, page, log = _open(browser, server, path, width=375, height=740)
    try:
        _wait_for_mathjax(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        unreachable = page.evaluate(REACHABLE_JS)
        assert not unreachable, f"{path}: equations whose start cannot be scrolled to: {unreachable}"
        wide = page.evaluate(AFFORDANCE_JS)
        hidden = [w for w in wide if w["overflow"] not in ("auto", "scroll")
                  or w["scrollbar"] == "none" or not w["shadow"]]
        assert not hidden, f"{path}: wide equations that do not show they scroll: {hidden}"
        labelled = [w["id"] for w in wide if w["id"] != "unlabelled"]
        if labelled:  # what a reader sees: the equation cut by its shadow and scrollbar
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            first = page.locator(f"[id='{labelled[0]}'] mjx-container").first
            first.scroll_into_view_if_needed()
            first.screenshot(path=str(ARTIFACTS / f"375px-wide-equation-{path.replace('/', '__')}.png"))
        page.screenshot(path=str(ARTIFACTS / f"375px-{path.replace('/', '__')}.png"), full_page=False)
        assert overflow <= 1, f"{path}: page is {overflow}px wider than a 375px screen"
        log.assert_clean(path)
    finally:
        context.close()


def _first_chapter():
    if not CHAPTERS:
        pytest.skip("no chapter in this build")
    return "chapters/04_gradients.html" if "chapters/04_gradients.html" in CHAPTERS else CHAPTERS[0]


def _light_page():
    """A page with both sidebars but no explorer, to test the theme quickly."""
    return "book/notation.html" if "book/notation.html" in PAGES else PAGES[0]


def test_phone_navigation_buttons_open(browser, server):
    path = _light_page()
    context, page, log = _open(browser, server, path, width=375, height=740)
    try:
        toggles = page.locator(".primary-toggle")
        assert toggles.count() == 1, "one chapter-list button, or the theme binds the hidden one"
        assert page.locator(".secondary-toggle").count() == 1
        header = page.evaluate("() => { const h = document.querySelector('#pst-header');"
                               " return h ? h.getBoundingClientRect().height : 0 }")
        assert header == 0, f"a leftover top header ({header}px) is on the page"
        toggles.first.click()
        chapters = page.locator("#pst-primary-sidebar-modal[open] .bd-sidenav a")
        chapters.first.wait_for(state="visible", timeout=5000)
        assert chapters.count() >= 1
        page.screenshot(path=str(ARTIFACTS / "375px-chapter-list-open.png"))
        page.keyboard.press("Escape")
        page.locator("#pst-primary-sidebar-modal[open]").wait_for(state="detached", timeout=5000)
        page.locator(".secondary-toggle").first.click()
        contents = page.locator("#pst-secondary-sidebar-modal[open] a")
        contents.first.wait_for(state="visible", timeout=5000)
        page.screenshot(path=str(ARTIFACTS / "375px-page-contents-open.png"))
        log.assert_clean(path)
    finally:
        context.close()


def test_desktop_hamburger_collapses_the_sidebar(browser, server):
    path = _light_page()
    context, page, log = _open(browser, server, path)
    try:
        sidebar = page.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        assert page.locator("text=Search").count() <= 2  # sidebar field + article button
        page.locator(".primary-toggle").first.click()
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('#pst-primary-sidebar'))"
            ".visibility === 'hidden'", timeout=5000)
        page.screenshot(path=str(ARTIFACTS / "1280px-sidebar-collapsed.png"))
        page.locator(".primary-toggle").first.click()
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('#pst-primary-sidebar'))"
            ".visibility === 'visible'", timeout=5000)
        log.assert_clean(path)
    finally:
        context.close()





def _assert_fits_the_column(path, overflow):
    """At 1280 px no display equation or code block of a chapter is wider
    than the column (OVERFLOW_JS); the tightest fits are kept as an artifact."""
    too_wide, w = overflow["out"], overflow["widest"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"1280px-column-fit-{path.replace('/', '__')}.txt").write_text(
        f"{path} at 1280 px: tightest display equation {w['eq']} px in {w['eqBox']} px; "
        f"tightest code block {w['code']} px in {w['codeBox']} px (longest line "
        f"{w['chars']} characters, smallest code text {w['codeFont']:.1f} px); "
        f"too wide: {too_wide}\n")
    assert not too_wide, f"{path} at 1280px: {len(too_wide)} too wide: {too_wide[:8]}"


def test_math_renders_quickly_on_a_slow_connection(browser, server):
    """Chapter 4 over 5 Mbit/s: MathJax must not wait for plotly.js (4.8 MB)."""
    path = _first_chapter()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("""
      document.addEventListener('DOMContentLoaded', () => {
        const mj = window.MathJax;
        if (mj && mj.startup && mj.startup.promise)
          mj.startup.promise.then(() => { window.__courseMathAt = performance.now(); });
      });""")
    page = context.new_page()
    log = PageLog(page)
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", THROTTLE)
        page.goto(server.url + path, wait_until="commit")
        page.wait_for_function("() => window.__courseMathAt !== undefined", timeout=60000, polling=100)
        math_at = page.evaluate("() => window.__courseMathAt") / 1000
        assert page.locator("mjx-container").count() > 0
        plotly = page.evaluate("() => performance.getEntriesByType('resource')"
                               ".filter(r => r.name.includes('plotly.min.js')).map(r => r.startTime)")
        page.screenshot(path=str(ARTIFACTS / "5mbit-math-rendered.png"))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "5mbit-math-seconds.txt").write_text(f"{path}: math typeset at {math_at:.2f} s\n")
        assert math_at < THROTTLED_MATH_SECONDS, f"{path}: math rendered after {math_at:.1f}s at 5 Mbit/s"
        assert all(start >= math_at * 1000 - 50 for start in plotly), \
            "plotly.js started loading before the math was rendered"
        cdp.send("Network.emulateNetworkConditions", {**THROTTLE, "offline": True})
    finally:
        context.close()


def test_course_zip_downloads_and_runs(browser, server, tmp_path):
    if not (SITE / "rnn-course.zip").exists() and SITE_OVERRIDE:
        pytest.skip("this partial build has no course zip (scripts/course_zip.py writes one)")
    context, page, log = _open(browser, server, "book/setup.html", accept_downloads=True)
    try:
        links = page.locator("a[href$='rnn-course.zip']")
        assert links.count() >= 2, "the setup page and the sidebar must both link to the zip"
        with page.expect_download(timeout=20000) as info:
            page.locator(".course-download a[href$='rnn-course.zip']").first.click()
        dest = tmp_path / "rnn-course.zip"
        info.value.save_as(dest)
        log.assert_clean("book/setup.html")
    finally:
        context.close()
    with zipfile.ZipFile(dest) as zf:
        names = zf.namelist()
        assert all(n.startswith("rnn-course/") for n in names)
        for needed in ("Makefile", "constraints.txt", "pyproject.toml", "_toc.yml",
                       "rnn_helpers/__init__.py", "chapters/01_sequences.ipynb"):
            assert f"rnn-course/{needed}" in names, f"{needed} missing from the zip"
        for built in ("_build/", ".venv/", "node_modules/", "tests/artifacts/"):
            assert not any(n.startswith(f"rnn-course/{built}") for n in names), built
        zf.extractall(tmp_path)
    course = tmp_path / "rnn-course"
    dry = subprocess.run(["make", "-n", "test"], cwd=course, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "pytest" in dry.stdout and "jupyter-book build" in dry.stdout
