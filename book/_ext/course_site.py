"""Sphinx extension: the site as readers use it (theme, search, references).

Fixes made where they arise, each with its reason:

- **Navigation** (``config-inited``): pydata-sphinx-theme 0.17 sets
  ``navbar_persistent = ["search-button-field"]`` whenever the user has not
  set it, which makes the theme render its top header (a 64 px band with a
  second "Search Ctrl+K" and a *hidden* ``.primary-toggle`` button). The
  sphinx-book-theme scripts bind their sidebar handlers to the *first*
  ``.primary-toggle`` of the page, i.e. to that hidden button, so the visible
  hamburger and page-contents buttons did nothing. We set
  ``navbar_persistent = []``, as sphinx-book-theme intends: no header, one
  toggle of each kind.
- **Page weight** (template filters used by ``templates/layout.html``): the
  theme's 1.5 MB ``fontawesome.js`` is dropped (its CSS already carries the
  Font Awesome web font for every icon it uses), and so are the search
  scripts and the whole search index on pages other than ``search.html``
  (they serve only search-as-you-type, which is off). MathJax is dropped from
  pages that have no math (Sphinx loads it on the root page because its
  toctree includes pages with math). The article's images load lazily
  (``loading="lazy"``), so on a slow link the figures further down do not
  compete with the text, the styles and MathJax for the bandwidth.
- **Page title** (``templates/layout.html``): the root page is titled like
  the book, so its ``<title>`` reads the title once, not "X — X".
- **Unique ids**: sphinx-exercise gives the body of *every* exercise and
  solution the same id (``exercise-content``, ``solution-content``); each
  gets ``<label>-content`` instead.
- **Search**: math is not indexed (TeX commands are not words a reader looks
  for); with ``html_search_language = "zh"`` (``_config.yml``) Sphinx
  segments Chinese with jieba and still stems English words.
- **References**: an ``author_year`` pybtex label style, so the reference
  list shows "[Pascanu et al., 2013]" like the text cites, not "[1]".
- **Glossary links** (``doctree-resolved``): on every chapter page the first
  occurrence of each glossary term (``book/glossary.md``, English part of
  the term, its abbreviation, a plural "s"/"es") in running prose becomes a
  link to the term's entry, titled with the term and its Chinese name. Not
  in headings, captions, code, math, links, outputs or admonition titles;
  the longest term wins ("input gate" before "gate"). Only when the build
  has the glossary (single-chapter builds do not) and for HTML.
- **The PDF edition** (``builder-inited``, ``html-page-context``): when
  ``make pdf`` has written ``_build/pdf/rnn-course.pdf``, the HTML build
  copies it to the site's root, and the theme's ".pdf" download button (which
  opened the browser's print dialog for one page) links to it; without a PDF
  the button links to the PDF section of ``book/classroom.md`` (how to build
  it), or is left out when the build has no such page.
- **The course as a download** (``build-finished``): when the book is built
  from the repository, ``scripts/course_zip.py`` writes ``rnn-course.zip`` (the
  repository at the built commit, without build outputs) to the site's root;
  the sidebar (``templates/course-download.html``, added to
  ``html_sidebars``) and ``book/setup.md`` link to it.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging as sphinx_logging

TEMPLATES = Path(__file__).with_name("templates")
COURSE_ZIP = "rnn-course.zip"
COURSE_PDF = "rnn-course.pdf"
#: where ``scripts/build_pdf.py`` (``make pdf``) writes the PDF edition
PDF_BUILD = Path("_build") / "pdf" / COURSE_PDF
#: the page section that says how to build the PDF edition
PDF_HELP = ("book/classroom", "the-pdf-edition")
PDF_BUTTON = "download-pdf-button"
SIDEBAR = ["navbar-logo.html", "icon-links.html", "search-button-field.html",
           "course-download.html", "sbt-sidebar-nav.html"]
SOLUTION_CONTENT_IDS = ("exercise-content", "solution-content")

_FONTAWESOME = re.compile(r'\s*<script[^>]*src="[^"]*fontawesome\.js[^"]*"[^>]*></script>')
_SEARCH_SCRIPTS = re.compile(
    r'\s*<script src="[^"]*(?:searchtools\.js|language_data\.js|searchindex\.js)"></script>')


# ----------------------------------------------------------------- templates
def _drop_fontawesome(html: str) -> str:
    return _FONTAWESOME.sub("", str(html))


def _drop_search_scripts(html: str) -> str:
    return _SEARCH_SCRIPTS.sub("", str(html))


def _on_config_inited(app: Sphinx, config) -> None:
    options = dict(config.html_theme_options or {})
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    if not config.html_sidebars:
        config.html_sidebars = {"**": list(SIDEBAR)}


def _on_builder_inited(app: Sphinx) -> None:
    _copy_course_pdf(app)
    templates = getattr(app.builder, "templates", None)
    env = getattr(templates, "environment", None)
    if env is not None:
        env.filters["course_drop_fontawesome"] = _drop_fontawesome
        env.filters["course_drop_search_scripts"] = _drop_search_scripts
    try:  # jieba reports its dictionary loading on stderr at DEBUG level
        import jieba

        jieba.setLogLevel(logging.WARNING)
    except ImportError:
        pass


# ---------------------------------------------------------------- page context
def _page_has_math(app: Sphinx, pagename: str, body: str) -> bool:
    domain = app.env.get_domain("math")
    return bool(domain.data.get("has_equations", {}).get(pagename)) or 'class="math' in body


_IMG = re.compile(r"<img(?![^>]*\bloading=)")


def _on_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body:
        context["body"] = _IMG.sub('<img loading="lazy" decoding="async"', body)
    scripts = context.get("script_files")
    if scripts is not None and doctree is not None and not _page_has_math(
            app, pagename, context.get("body", "")):
        context["script_files"] = [s for s in scripts if not _is_mathjax(s)]


def _is_mathjax(script) -> bool:
    attrs = getattr(script, "attributes", {}) or {}
    return "mathjax" in str(script).lower() or "window.MathJax" in (attrs.get("body") or "")


# -------------------------------------------------------------------- doctree
def _on_doctree_resolved(app: Sphinx, doctree, docname) -> None:
    for section in doctree.findall(nodes.section):
        ids = section["ids"]
        if not any(i in SOLUTION_CONTENT_IDS for i in ids):
            continue
        parent_ids = section.parent.get("ids", []) if section.parent is not None else []
        section["ids"] = [f"{parent_ids[0]}-content"] if parent_ids else []


def _skip_math_in_search_index() -> None:
    """Index a copy of each page without its math (Sphinx 7.4 indexes the
    text of every node, so TeX such as ``\\mathbf`` or ``frac`` became
    search terms)."""
    from sphinx.search import IndexBuilder

    if getattr(IndexBuilder, "_course_skips_math", False):
        return
    original = IndexBuilder._word_collector

    def _word_collector(self, doctree):
        if any(True for _ in doctree.findall(_is_math)):
            doctree = doctree.deepcopy()
            for node in list(doctree.findall(_is_math)):
                node.parent.remove(node)
        return original(self, doctree)

    IndexBuilder._word_collector = _word_collector
    IndexBuilder._course_skips_math = True


def _is_math(node) -> bool:
    return isinstance(node, (nodes.math, nodes.math_block))


# ------------------------------------------------------------ glossary links
GLOSSARY_DOC = "book/glossary"
GLOSSARY_LINK_CLASS = "course-glossary-link"
_SKIP_NODES = (nodes.title, nodes.subtitle, nodes.caption, nodes.legend, nodes.rubric,
               nodes.reference, nodes.literal, nodes.literal_block, nodes.math,
               nodes.math_block, nodes.raw, nodes.term, nodes.citation, nodes.footnote,
               nodes.field_name, nodes.option_list, nodes.target)
_SKIP_CLASSES = {"cell_output", "output", "admonition-title", "sd-card-title"}


def _term_phrases(termtext: str) -> list[str]:
    """The phrases of a glossary term a chapter writes in its prose.

    "recurrent neural network (RNN) · 循环神经网络" -> ["recurrent neural
    network", "RNN"]; "minGRU, minLSTM · ..." -> ["minGRU", "minLSTM"].
    """
    english = re.split(r"\s+·\s+", termtext, maxsplit=1)[0]
    phrases = []
    for part in re.split(r",\s+", english):
        m = re.fullmatch(r"(.*?)\s*\(([^()]+)\)", part)
        phrases.extend([m.group(1), m.group(2)] if m else [part])
    return [p.strip() for p in phrases if p.strip()]


def _phrase_pattern(phrase: str) -> str:
    """Words separated by a space, a hyphen or an en dash, in any of these;
    a plural "s"/"es"; case-insensitive unless the phrase has a capital."""
    words = [re.escape(w) for w in re.split(r"[\s\-–]+", phrase)]
    body = r"[\s\-–]+".join(words)
    if phrase == phrase.lower():
        body = f"(?i:{body})"
    return rf"(?<![\w\-]){body}(?:e?s)?(?![\w\-])"


def glossary_terms(env) -> list[tuple[str, str, str]]:
    """(phrase, anchor id, term text) of every glossary term, longest phrase first."""
    std = env.get_domain("std")
    found = []
    for (objtype, termtext), (docname, labelid) in std.objects.items():
        if objtype != "term" or docname != GLOSSARY_DOC:
            continue
        for phrase in _term_phrases(termtext):
            found.append((phrase, labelid, termtext))
    found.sort(key=lambda t: (-len(t[0]), t[0]))
    return found


def _in_running_prose(node) -> bool:
    parent, in_paragraph = node.parent, False
    while parent is not None:
        if isinstance(parent, _SKIP_NODES):
            return False
        if _SKIP_CLASSES & set(parent.get("classes", [])):
            return False
        if isinstance(parent, nodes.paragraph):
            in_paragraph = True
        parent = parent.parent
    return in_paragraph


def _merge_adjacent_text(doctree) -> None:
    """Join the Text nodes MyST makes of each source line of a paragraph, so a
    term broken across two lines ("hidden" / "state") is found."""
    for element in list(doctree.findall(nodes.TextElement)):
        if isinstance(element, nodes.FixedTextElement):
            continue
        merged: list = []
        for child in element.children:
            if merged and isinstance(child, nodes.Text) and isinstance(merged[-1], nodes.Text):
                merged[-1] = nodes.Text(str(merged[-1]) + str(child))
            else:
                merged.append(child)
        if len(merged) != len(element.children):
            element.children = []
            element.extend(merged)


def _link_glossary_terms(app: Sphinx, doctree, docname) -> None:
    if not docname.startswith("chapters/") or app.builder.format != "html":
        return
    terms = glossary_terms(app.env)
    if not terms:
        return
    _merge_adjacent_text(doctree)
    uri = app.builder.get_relative_uri(docname, GLOSSARY_DOC)
    # one pattern over every phrase, longest first: a term already linked
    # still consumes its words, so "gate" is never linked inside "input gate"
    pattern = re.compile("|".join(f"(?P<g{i}>{_phrase_pattern(p)})"
                                  for i, (p, _, _) in enumerate(terms)))
    linked: set[str] = set()  # anchor ids: one link per term and page
    n_terms = len({labelid for _, labelid, _ in terms})
    for text in list(doctree.findall(nodes.Text)):
        if len(linked) == n_terms:
            break
        if not _in_running_prose(text):
            continue
        source, pieces, start = str(text), [], 0
        for m in pattern.finditer(source):
            _, labelid, termtext = terms[int(m.lastgroup[1:])]
            if labelid in linked:
                continue
            linked.add(labelid)
            pieces.append(nodes.Text(source[start:m.start()]))
            pieces.append(nodes.reference(
                "", "", nodes.Text(m.group(0)), internal=True, refuri=f"{uri}#{labelid}",
                reftitle=f"Glossary: {termtext}", classes=[GLOSSARY_LINK_CLASS]))
            start = m.end()
        if pieces:
            pieces.append(nodes.Text(source[start:]))
            parent = text.parent
            index = parent.index(text)
            parent.remove(text)
            for offset, piece in enumerate(p for p in pieces if str(p) or p.children):
                parent.insert(index + offset, piece)


# --------------------------------------------------------------- PDF edition
def _copy_course_pdf(app: Sphinx) -> None:
    """Put the PDF edition (``make pdf``) on the site, if it has been built."""
    if getattr(app.builder, "format", None) != "html":
        return
    source = Path(app.confdir) / PDF_BUILD
    target = Path(app.outdir) / COURSE_PDF
    if source.exists() and (not target.exists()
                            or target.stat().st_mtime < source.stat().st_mtime):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        sphinx_logging.getLogger(__name__).info("PDF edition: %s on the site", COURSE_PDF)


def pdf_button(app: Sphinx, context: dict) -> dict | None:
    """The ".pdf" entry of the download menu: the PDF edition, or how to build it."""
    pathto = context["pathto"]
    if (Path(app.outdir) / COURSE_PDF).exists():
        url, tooltip = pathto(COURSE_PDF, 1), "The whole course as a PDF (rnn-course.pdf)"
    elif PDF_HELP[0] in app.env.all_docs:
        url = f"{pathto(PDF_HELP[0])}#{PDF_HELP[1]}"
        tooltip = "The PDF edition: how to build it (make pdf)"
    else:
        return None
    return {"type": "link", "url": url, "text": ".pdf", "tooltip": tooltip,
            "icon": "fas fa-file-pdf", "label": PDF_BUTTON}


def _on_page_buttons(app: Sphinx, pagename, templatename, context, doctree) -> None:
    for group in context.get("header_buttons") or []:
        buttons = group.get("buttons") if isinstance(group, dict) else None
        if not buttons:
            continue
        for button in list(buttons):
            if button.get("label") == PDF_BUTTON:
                replacement = pdf_button(app, context)
                if replacement is None:
                    buttons.remove(button)
                else:
                    buttons[buttons.index(button)] = replacement


# ------------------------------------------------------------------ course zip
def _write_course_zip(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    script = Path(app.confdir) / "scripts" / "course_zip.py"
    log = sphinx_logging.getLogger(__name__)
    if not script.exists():  # e.g. scripts/build_chapter.py's partial books
        log.info("course zip: %s not found, no %s in this build", script.name, COURSE_ZIP)
        return
    spec = importlib.util.spec_from_file_location("course_zip", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    how = module.write_course_zip(Path(app.outdir) / COURSE_ZIP, root=Path(app.confdir))
    log.info("course zip: %s (%s)", COURSE_ZIP, how)


# ----------------------------------------------------------------- references
def _register_author_year_labels() -> None:
    from pybtex.plugin import register_plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle

    def last_name(person) -> str:
        return Text.from_latex(" ".join(person.last_names)).render_as("text")

    class AuthorYearLabelStyle(BaseLabelStyle):
        """"Smith, 2001", "Smith and Jones, 2001", "Smith et al., 2001a"."""

        def format_labels(self, sorted_entries):
            labels = [self._label(e) for e in sorted_entries]
            counts: dict[str, int] = {}
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
            seen: dict[str, int] = {}
            for label in labels:
                if counts[label] > 1:
                    seen[label] = seen.get(label, 0) + 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                else:
                    yield label

        @staticmethod
        def _label(entry) -> str:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            if not people:
                names = entry.key
            elif len(people) == 1:
                names = last_name(people[0])
            elif len(people) == 2:
                names = f"{last_name(people[0])} and {last_name(people[1])}"
            else:
                names = f"{last_name(people[0])} et al."
            return f"{names}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(PlainStyle):
        default_label_style = "course_author_year"

    register_plugin("pybtex.style.labels", "course_author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "course_author_year", AuthorYearStyle)


def setup(app: Sphinx) -> dict:
    _register_author_year_labels()
    _skip_math_in_search_index()
    app.connect("config-inited", _on_config_inited, priority=100)
    app.connect("builder-inited", _on_builder_inited)
    app.connect("doctree-resolved", _on_doctree_resolved)
    app.connect("doctree-resolved", _link_glossary_terms)
    app.connect("html-page-context", _on_page_context, priority=950)
    # after sphinx-book-theme adds its header buttons (priority 501)
    app.connect("html-page-context", _on_page_buttons, priority=600)
    app.connect("build-finished", _write_course_zip)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
