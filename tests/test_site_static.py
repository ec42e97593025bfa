"""The built site, read as files: self-contained, light, accessible basics.

Needs ``_build/html`` (``make test`` builds it before running pytest).
"""

from __future__ import annotations

import functools
import json
import re
from urllib.parse import urlparse

import pytest
from bs4 import BeautifulSoup

from sitetools import NOT_BUILT, ROOT, SITE, SITE_OVERRIDE, toc_pages

#: the tests of the built site (the course-zip tests at the end need no build)
built = pytest.mark.skipif(not (SITE / "index.html").exists(), reason=NOT_BUILT)

MAX_PAGE_BYTES = 3 * 1024 * 1024
PAGES = toc_pages()


@functools.cache
def _soup(page: str) -> BeautifulSoup:
    """The built page, parsed once per test process (callers do not change it)."""
    return BeautifulSoup((SITE / page).read_text(encoding="utf-8"), "html.parser")


def _external(url: str | None) -> bool:
    if not url:
        return False
    parsed = urlparse(url.strip())
    return parsed.scheme in {"http", "https"} or url.strip().startswith("//")


@built
@pytest.mark.parametrize("page", PAGES)
def test_page_exists_and_is_light(page):
    path = SITE / page
    assert path.exists(), f"{page} missing from the build"
    assert path.stat().st_size < MAX_PAGE_BYTES, f"{page} is {path.stat().st_size} bytes"


@built
@pytest.mark.parametrize("page", PAGES)
def test_no_third_party_assets(page):
    soup = _soup(page)
    offenders = []
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"),
                      ("iframe", "src"), ("source", "src"), ("video", "src"), ("audio", "src")):
        for node in soup.find_all(tag):
            url = node.get(attr)
            if tag == "link" and not set(node.get("rel", [])) & {"stylesheet", "preload", "icon", "modulepreload", "prefetch"}:
                continue
            if _external(url):
                offenders.append(f"<{tag} {attr}={url}>")
    style_urls = re.findall(r"url\((['\"]?)(https?:)?//", str(soup))
    assert not offenders and not style_urls, f"{page} loads from other hosts: {offenders}"


@built
@pytest.mark.parametrize("page", PAGES)
def test_images_have_text_alternatives(page):
    soup = _soup(page)
    article = soup.find("article") or soup
    for img in article.find_all("img"):
        figure = img.find_parent("figure")
        has_caption = figure is not None and figure.find("figcaption") is not None
        assert img.get("alt", "").strip() or has_caption, f"{page}: image {img.get('src')} has neither alt text nor caption"
    for div in article.select("div.rnn-explorer"):
        assert div.get("aria-label", "").strip(), f"{page}: explorer without aria-label"


@built
@pytest.mark.parametrize("page", PAGES)
def test_headings_nest(page):
    soup = _soup(page)
    article = soup.find("article") or soup
    levels = [int(h.name[1]) for h in article.find_all(re.compile(r"^h[1-6]$"))]
    assert levels and levels[0] == 1, f"{page}: first heading is not h1 ({levels[:3]})"
    assert levels.count(1) == 1, f"{page}: {levels.count(1)} h1 headings"
    for prev, cur in zip(levels, levels[1:]):
        assert cur <= prev + 1, f"{page}: heading jumps from h{prev} to h{cur}"


@built
def test_vendor_assets_are_served_from_the_site():
    assert (SITE / "_vendor" / "mathjax" / "tex-mml-chtml.js").exists()
    assert (SITE / "_vendor" / "plotly" / "plotly.min.js").exists()
    assert (SITE / "_vendor" / "rnn_helpers" / "explorer.js").exists()
    assert not list((SITE / "_static").glob("**/plotly*.js")), "plotly.js must not sit in _static/"


def _script_srcs(soup) -> list[str]:
    return [s.get("src", "").split("?")[0] for s in soup.find_all("script") if s.get("src")]


@built
def test_explorer_pages_load_the_shared_runtime_once():
    for page in PAGES:
        soup = _soup(page)
        explorers = soup.select("div.rnn-explorer")
        srcs = _script_srcs(soup)
        runtime = [s for s in srcs if s.endswith("explorer.js")]
        if explorers:
            assert len(runtime) == 1, page
            assert not soup.find("script", string=re.compile(r"Plotly\.react")), "runtime must not be inlined"
            for spec in soup.select("div.rnn-explorer script.rnn-explorer-spec"):
                # the frames live in a JSON file beside the page, fetched after the math
                assert spec.get("data-src") and not spec.get_text().strip(), page
                data = json.loads((SITE / page).parent.joinpath(spec["data-src"]).read_text())
                assert data["frames"] and data["controls"], spec["data-src"]
        else:
            assert not runtime, f"{page} loads the explorer runtime without an explorer"
        # plotly.js (4.8 MB) is never a <script> of a page: the runtime loads it
        # after MathJax has typeset, so the math does not wait for it
        assert not [s for s in srcs if "plotly" in s], f"{page} loads plotly.js as a page script"


@built
def test_article_images_load_lazily():
    for page in PAGES:
        article = _soup(page).find("article")
        eager = [i.get("src") for i in article.find_all("img") if i.get("loading") != "lazy"]
        assert not eager, f"{page}: images that compete with the text for bandwidth: {eager[:3]}"


@built
def test_pages_load_only_what_they_need():
    for page in PAGES + ["search.html"]:
        soup = _soup(page)
        srcs = _script_srcs(soup)
        assert not [s for s in srcs if "fontawesome" in s], \
            f"{page}: fontawesome.js (1.5 MB) is loaded; the theme CSS has the icon font"
        search = [s for s in srcs if s.endswith(("searchindex.js", "searchtools.js"))]
        if page == "search.html":
            assert len([s for s in search if s.endswith("searchindex.js")]) == 1
        else:
            assert not search, f"{page} loads the search index; only search.html needs it"
        has_math = bool(soup.select("article .math"))
        mathjax = [s for s in srcs if "mathjax" in s.lower()]
        if page != "search.html":
            assert bool(mathjax) == has_math, f"{page}: MathJax loaded={bool(mathjax)}, math={has_math}"


@built
@pytest.mark.parametrize("page", PAGES)
def test_ids_are_unique_and_the_title_is_not_doubled(page):
    soup = _soup(page)
    ids = [t["id"] for t in soup.find_all(id=True)]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    assert not dup, f"{page}: ids used more than once: {dup}"
    title = soup.title.get_text().strip()
    parts = [t.strip() for t in title.split("\u2014")]
    assert len(parts) != 2 or parts[0] != parts[1], f"{page}: title {title!r}"


@built
def test_no_leftover_theme_header():
    soup = _soup(PAGES[0])
    header = soup.find(id="pst-header")
    assert header is None or not header.find(True), "the theme's top header has content"
    assert len(soup.select(".primary-toggle")) == 1 and len(soup.select(".secondary-toggle")) == 1


@built
def test_references_carry_author_year_labels():
    if "book/references.html" not in PAGES:
        pytest.skip("no references page in this build")
    labels = [lab.get_text().strip("[]\n ") for lab in _soup("book/references.html").select(
        "div.citation span.label, dt.label")]
    assert len(labels) > 10
    bad = [lab for lab in labels if not re.fullmatch(r"\D+, (\d{4}|n\.d\.)[a-z]?", lab)]
    assert not bad, f"labels not author-year: {bad[:5]}"


@built
def test_course_zip_is_on_the_site_and_linked():
    zip_path = SITE / "rnn-course.zip"
    if SITE_OVERRIDE and not zip_path.exists():
        pytest.skip("this partial build has no course zip")
    assert zip_path.exists(), "the build did not write rnn-course.zip"
    assert zip_path.stat().st_size < 20 * 1024 * 1024
    soup = _soup("book/setup.html")
    hrefs = [a["href"] for a in soup.select("a[href$='rnn-course.zip']")]
    assert len(hrefs) >= 2, "setup page text and sidebar must link the zip"
    for href in hrefs:
        assert (SITE / "book" / href).resolve() == zip_path.resolve(), href
    for page in PAGES:
        assert _soup(page).select(".course-download a[href$='rnn-course.zip']"), \
            f"{page}: no course download in the sidebar"


@built
def test_download_buttons_and_no_dead_launch_buttons():
    soup = _soup("chapters/01_sequences.html")
    downloads = [a.get("href", "") for a in soup.select("a[href$='.ipynb']")]
    assert downloads, "no .ipynb download button"
    for href in downloads:
        assert (SITE / "chapters" / href).resolve().exists(), f"download link {href} is broken"
    for node in soup.find_all(["a", "button"]):
        blob = " ".join([node.get("href", ""), " ".join(node.get("class", [])),
                         node.get("title", ""), node.get("data-bs-original-title", "")]).lower()
        for word in ("binder", "colab", "jupyterhub", "thebe", "repository", "edit-page", "issues"):
            assert word not in blob, f"a '{word}' button points nowhere: {node}"


# ------------------------------------------------------- the course zip itself
def _load_course_zip():
    import importlib.util

    spec = importlib.util.spec_from_file_location("course_zip", ROOT / "scripts" / "course_zip.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_course_zip_of_a_git_tree_is_the_committed_files(tmp_path):
    import subprocess
    import zipfile

    course_zip = _load_course_zip()
    how = course_zip.write_course_zip(tmp_path / "c.zip", root=ROOT)
    if not how.startswith("git archive"):
        pytest.skip("not a git work tree")
    names = {n for n in zipfile.ZipFile(tmp_path / "c.zip").namelist() if not n.endswith("/")}
    head = subprocess.run(["git", "-C", str(ROOT), "ls-tree", "-r", "--name-only", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert names == {f"rnn-course/{f}" for f in head}
    assert "rnn-course/Makefile" in names
    assert not any(n.startswith(("rnn-course/_build/", "rnn-course/.venv/")) for n in names)


def test_course_zip_outside_git_leaves_out_what_gitignore_names(tmp_path):
    import zipfile

    course_zip = _load_course_zip()
    root = tmp_path / "course"
    for rel in ("Makefile", "chapters/01.ipynb", "rnn_helpers/__init__.py", "_build/html/x.html",
                ".venv/bin/python", "rnn_helpers/__pycache__/a.pyc", "tests/artifacts/s.png",
                "node_modules/m/index.js", "notes.pyc", "book/intro.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x")
    (root / ".gitignore").write_text(".venv/\n_build/\n__pycache__/\n*.pyc\ntests/artifacts/\nnode_modules/\n")
    assert course_zip.course_files(root) == [
        ".gitignore", "Makefile", "book/intro.md", "chapters/01.ipynb", "rnn_helpers/__init__.py"]
    assert course_zip.write_course_zip(tmp_path / "c.zip", root=root) == "files"
    names = sorted(zipfile.ZipFile(tmp_path / "c.zip").namelist())
    assert names == ["rnn-course/.gitignore", "rnn-course/Makefile", "rnn-course/book/intro.md",
                     "rnn-course/chapters/01.ipynb", "rnn-course/rnn_helpers/__init__.py"]


def test_the_book_build_writes_the_course_zip(tmp_path):
    import sys
    from types import SimpleNamespace

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import course_site
    finally:
        sys.path.pop(0)
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), confdir=str(ROOT),
                          outdir=str(tmp_path))
    course_site._write_course_zip(app, None)
    assert (tmp_path / "rnn-course.zip").stat().st_size > 100_000
    partial = SimpleNamespace(builder=SimpleNamespace(format="html"), confdir=str(tmp_path / "no"),
                              outdir=str(tmp_path / "p"))
    course_site._write_course_zip(partial, None)  # a book without scripts/: no zip, no error
    assert not (tmp_path / "p" / "rnn-course.zip").exists()


# ------------------------------------------------------------ glossary links
def _course_site():
    import sys

    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import course_site
    finally:
        sys.path.pop(0)
    return course_site


#: where a glossary link must not be: headings, captions, code, math, links, outputs
_NOT_PROSE_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "caption", "pre", "code", "a"}
_NOT_PROSE_CLASSES = {"math", "admonition-title", "cell_output"}


def _first_prose_paragraph_with(article, phrase: str):
    """The first paragraph or list item of running prose whose text (math and
    code left out) holds phrase."""
    for p in article.find_all(["p", "li"]):  # compact lists have no <p>
        if p.find_parent(["figcaption"]) or any(
                p.find_parent(class_=c) for c in ("admonition-title", "cell_output")):
            continue
        copy = BeautifulSoup(str(p), "html.parser")
        for math in copy.select(".math, code"):
            math.decompose()
        if re.search(rf"(?<![\w-]){phrase}", copy.get_text(" "), re.I):
            return p
    return None


@built
def test_key_terms_link_to_their_glossary_entry_once_per_chapter():
    if "book/glossary.html" not in PAGES:
        pytest.skip("no glossary in this build (single-chapter builds leave it out)")
    glossary_ids = {dt["id"] for dt in _soup("book/glossary.html").select("dl.glossary dt[id]")}
    chapters = [p for p in PAGES if p.startswith("chapters/")]
    assert chapters
    for page in chapters:
        article = _soup(page).find("article")
        links = article.select("a.course-glossary-link")
        assert len(links) >= 5, f"{page}: {len(links)} glossary links"
        targets = []
        for a in links:
            href, _, anchor = a["href"].partition("#")
            assert (SITE / page).parent.joinpath(href).resolve() == (SITE / "book/glossary.html").resolve()
            assert anchor in glossary_ids, f"{page}: link to a missing entry {a['href']}"
            assert a.get("title", "").startswith("Glossary: "), a
            not_prose = [x.name for x in a.parents if x.name in _NOT_PROSE_TAGS
                         or _NOT_PROSE_CLASSES & set(x.get("class", []))]
            assert not not_prose, f"{page}: glossary link inside {not_prose}: {a}"
            targets.append(anchor)
        repeated = sorted({t for t in targets if targets.count(t) > 1})
        assert not repeated, f"{page}: terms linked more than once: {repeated}"


@built
def test_vanishing_gradient_links_to_the_glossary_where_it_first_appears():
    if "book/glossary.html" not in PAGES or "chapters/04_gradients.html" not in PAGES:
        pytest.skip("this build has no glossary or no chapter 4")
    article = _soup("chapters/04_gradients.html").find("article")
    links = [a for a in article.select("a.course-glossary-link")
             if a["href"].endswith("#term-vanishing-gradient")]
    assert len(links) == 1, links
    assert links[0].get_text().lower().startswith("vanishing gradient")
    first = _first_prose_paragraph_with(article, "vanishing gradient")
    assert first is not None and links[0] in first.find_all("a"), \
        "the link is not on the term's first appearance in the prose"


def test_glossary_terms_become_phrases_and_patterns():
    cs = _course_site()
    assert cs._term_phrases("recurrent neural network (RNN) · 循环神经网络") == [
        "recurrent neural network", "RNN"]
    assert cs._term_phrases("minGRU, minLSTM · 最小门控") == ["minGRU", "minLSTM"]
    assert cs._term_phrases("encoder–decoder · 编码器–解码器") == ["encoder–decoder"]
    pat = re.compile(cs._phrase_pattern("vanishing gradient"))
    for text in ("Vanishing gradients", "vanishing-gradient", "the vanishing\ngradient"):
        assert pat.search(text), text
    assert not pat.search("vanishing gradientless") and not pat.search("non-vanishing gradient")
    rnn = re.compile(cs._phrase_pattern("RNN"))
    assert rnn.search("two RNNs") and not rnn.search("rnn_forward") and not rnn.search("an rnn")
    assert re.compile(cs._phrase_pattern("encoder–decoder")).search("an encoder-decoder model")


def _fake_app(objects, builder_format="html", outdir=None, docs=()):
    from types import SimpleNamespace

    std = SimpleNamespace(objects=objects)
    env = SimpleNamespace(get_domain=lambda name: std, all_docs={d: 0 for d in docs})
    builder = SimpleNamespace(format=builder_format,
                              get_relative_uri=lambda a, b: "../" + b + ".html")
    return SimpleNamespace(env=env, builder=builder, outdir=str(outdir or "."), confdir=".")


def test_the_first_prose_use_of_each_term_becomes_a_link():
    from docutils import nodes
    from docutils.core import publish_doctree

    cs = _course_site()
    rst = ("Input gates and the vanishing gradient\n"
           "=======================================\n\n"
           "``vanishing gradient`` in code and :math:`gate` in math stay.\n\n"
           "Each input gate is a gate; a vanishing gradient, again a vanishing gradient.\n\n"
           "A gate again, and `a link about a gate <https://example.org>`_.\n")
    doctree = publish_doctree(rst, settings_overrides={"report_level": 5})
    # MyST makes one Text node per source line: a term may span two of them
    doctree.append(nodes.paragraph(
        "", "", nodes.Text("Over two lines, a hidden"), nodes.Text("\n"), nodes.Text("state.")))
    objects = {("term", "vanishing gradient · 梯度消失"): ("book/glossary", "term-vanishing-gradient"),
               ("term", "input gate · 输入门"): ("book/glossary", "term-input-gate"),
               ("term", "gate · 门"): ("book/glossary", "term-gate"),
               ("term", "hidden state · 隐藏状态"): ("book/glossary", "term-hidden-state"),
               ("term", "other · 其他"): ("book/other", "term-other")}
    cs._link_glossary_terms(_fake_app(objects), doctree, "chapters/04_gradients")
    links = [(r.astext(), r["refuri"]) for r in doctree.findall(nodes.reference)
             if cs.GLOSSARY_LINK_CLASS in r.get("classes", [])]
    assert links[-1] == ("hidden\nstate", "../book/glossary.html#term-hidden-state")
    links = links[:-1]
    assert links == [("input gate", "../book/glossary.html#term-input-gate"),
                     ("gate", "../book/glossary.html#term-gate"),
                     ("vanishing gradient", "../book/glossary.html#term-vanishing-gradient")]
    paragraph = doctree.findall(nodes.paragraph)
    second = [p for p in paragraph if "Each input gate" in p.astext()][0]
    assert second.astext() == "Each input gate is a gate; a vanishing gradient, again a vanishing gradient."
    assert not [r for r in doctree.findall(nodes.reference)
                if r.get("classes") and r.parent.tagname in ("title", "literal")]
    # not on book pages, not for LaTeX
    for app, doc in ((_fake_app(objects), "book/intro"), (_fake_app(objects, "latex"), "chapters/x")):
        tree = publish_doctree(rst, settings_overrides={"report_level": 5})
        cs._link_glossary_terms(app, tree, doc)
        assert not [r for r in tree.findall(nodes.reference) if r.get("classes")]


# --------------------------------------------------------------- PDF edition
@built
def test_the_pdf_button_offers_the_pdf_edition_not_the_print_dialog():
    pdf = SITE / "rnn-course.pdf"
    for page in [p for p in PAGES if p.startswith("chapters/")][:3] + [PAGES[0]]:
        soup = _soup(page)
        assert not soup.select("button.btn-download-pdf-button"), f"{page}: print-dialog button"
        assert not soup.find(onclick=re.compile(r"print\(")), page
        buttons = soup.select("a.btn-download-pdf-button")
        if pdf.exists():
            assert len(buttons) == 1, page
            assert (SITE / page).parent.joinpath(buttons[0]["href"]).resolve() == pdf.resolve()
        elif "book/classroom.html" in PAGES:
            assert len(buttons) == 1, page
            href, _, anchor = buttons[0]["href"].partition("#")
            target = (SITE / page).parent.joinpath(href).resolve()
            assert target == (SITE / "book/classroom.html").resolve(), href
            assert _soup("book/classroom.html").find(id=anchor), f"no section #{anchor}"
        else:
            assert not buttons, f"{page}: a .pdf button that leads nowhere"


def test_the_pdf_button_and_the_copied_pdf(tmp_path):
    from types import SimpleNamespace

    cs = _course_site()
    context = {"pathto": lambda name, resource=0: ("../" + name) if resource else f"../{name}.html"}
    app = _fake_app({}, outdir=tmp_path, docs=["book/classroom"])
    help_button = cs.pdf_button(app, context)
    assert help_button["url"] == "../book/classroom.html#the-pdf-edition"
    assert cs.pdf_button(_fake_app({}, outdir=tmp_path), context) is None
    # the build copies make pdf's output onto the site, then the button links it
    confdir = tmp_path / "repo"
    (confdir / cs.PDF_BUILD).parent.mkdir(parents=True)
    (confdir / cs.PDF_BUILD).write_bytes(b"%PDF-1.5 test")
    site = tmp_path / "site"
    build = SimpleNamespace(builder=SimpleNamespace(format="html"), confdir=str(confdir),
                            outdir=str(site), env=app.env)
    cs._copy_course_pdf(build)
    assert (site / cs.COURSE_PDF).read_bytes() == b"%PDF-1.5 test"
    assert cs.pdf_button(build, context)["url"] == "../rnn-course.pdf"
    # the theme's menu: its print-dialog entry is replaced in place
    menu = {"type": "group", "label": "download-buttons", "buttons": [
        {"label": "download-notebook-button"},
        {"type": "javascript", "javascript": "window.print()", "label": cs.PDF_BUTTON}]}
    page = {"pathto": context["pathto"], "header_buttons": [menu]}
    cs._on_page_buttons(build, "chapters/x", "page.html", page, None)
    assert [b.get("url") for b in menu["buttons"]] == [None, "../rnn-course.pdf"]
    menu["buttons"][1] = {"label": cs.PDF_BUTTON}
    cs._on_page_buttons(_fake_app({}, outdir=tmp_path), "chapters/x", "page.html", page, None)
    assert [b["label"] for b in menu["buttons"]] == ["download-notebook-button"]
