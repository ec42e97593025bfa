"""Sphinx extension: make the built site self-contained (no CDN, works offline).

What it does, in the order Sphinx runs it:

1. ``config-inited``: point ``mathjax_path`` at a local copy of MathJax 3 and
   empty myst-nb's ``nb_ipywidgets_js`` (require.js and the widget manager
   from a CDN). The site never needs them: live widgets run in JupyterLab,
   and on the website the same explorers are drawn from precomputed frames
   (:mod:`rnn_helpers.viz.explorer`).
2. ``build-finished``: copy the vendor assets into ``<outdir>/_vendor/``
   (deliberately *not* ``_static/``, whose every ``.js`` file Jupyter Book
   adds to every page):

   - MathJax 3 from ``node_modules/mathjax/es5`` (``npm ci`` installs it from
     the pinned ``package-lock.json``);
   - ``plotly.min.js`` from the installed ``plotly`` Python package;
   - ``explorer.js`` from :mod:`rnn_helpers` (the slider runtime);

   and delete the explorer JSON files (item 3) that no page links any more.
3. ``html-page-context``: add the explorer runtime only to the pages that
   contain an explorer (the runtime loads ``plotly.min.js``, 4.8 MB, itself,
   once the text and the math are on screen, so MathJax never waits for it);
   move each explorer's precomputed frames (up to several hundred kB of
   JSON) out of the page into ``_explorers/<page>/<id>.json``, which the
   runtime fetches after the math, so the page text arrives sooner;
   drop the embedded ipywidgets state (it would only bloat the page) and
   sphinx-thebe, which Jupyter Book always loads and which would fetch thebe
   from a CDN.

4. At set-up: myst-nb renders plotly's own MIME type
   (``application/vnd.plotly.v1+json``, the live figure of an explorer in
   JupyterLab) to nothing instead of warning that it does not know it; the
   site shows that output's ``text/html`` (``nb_mime_priority_overrides`` in
   ``_config.yml`` never picks the plotly JSON for HTML anyway).

If MathJax is missing the build fails with a message that says how to get it.
"""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

VENDOR = "_vendor"
#: paths relative to ``_static/`` (Sphinx prefixes ``_static/`` to local scripts)
MATHJAX_JS = f"../{VENDOR}/mathjax/tex-mml-chtml.js"
EXPLORER_JS = f"../{VENDOR}/rnn_helpers/explorer.js"
EXPLORER_MARKER = 'class="rnn-explorer"'


def _mathjax_dir(app: Sphinx) -> Path:
    return Path(app.confdir) / "node_modules" / "mathjax" / "es5"


def _on_config_inited(app: Sphinx, config) -> None:
    config.mathjax_path = MATHJAX_JS
    config.nb_ipywidgets_js = {}
    if not (_mathjax_dir(app) / "tex-mml-chtml.js").exists():
        raise ExtensionError(
            f"MathJax 3 not found in {_mathjax_dir(app)}. Run `npm ci` in the repository "
            "root (the Makefile does this) so the site serves MathJax itself."
        )


EXPLORER_DATA = "_explorers"
_SPEC = re.compile(r'<div class="rnn-explorer" id="(?P<id>[\w-]+)"(?P<mid>.*?)'
                   r'<script type="application/json" class="rnn-explorer-spec">'
                   r'(?P<json>.*?)</script>', re.S)


def _externalise_specs(app: Sphinx, pagename: str, body: str) -> str:
    """Write every explorer spec of a page to its own JSON file; leave a link."""
    folder = Path(app.outdir) / EXPLORER_DATA / pagename
    page_dir = posixpath.dirname(pagename)
    seen: dict[str, int] = {}

    def move(m):
        uid = m["id"]  # the hash of the explorer's content: twice on a page, made unique
        seen[uid] = seen.get(uid, 0) + 1
        if seen[uid] > 1:
            uid = f"{uid}-{seen[uid]}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uid}.json").write_text(m["json"].replace("<\\/", "</"), encoding="utf-8")
        href = posixpath.relpath(f"{EXPLORER_DATA}/{pagename}/{uid}.json", page_dir or ".")
        return (f'<div class="rnn-explorer" id="{uid}"{m["mid"]}'
                f'<script type="application/json" class="rnn-explorer-spec" '
                f'data-src="{href}"></script>')

    return _SPEC.sub(move, body)


def _on_page_context(app: Sphinx, pagename, templatename, context, doctree) -> None:
    body = context.get("body", "")
    if doctree is not None and EXPLORER_MARKER in body:
        # explorer.js finds plotly.min.js next to itself: ../plotly/
        app.add_js_file(EXPLORER_JS, priority=601, defer="defer")
        body = context["body"] = _externalise_specs(app, pagename, body)
    # myst-nb embeds the ipywidgets state of executed notebooks; we render no
    # widget views on the site, so the state is dead weight.
    # Jupyter Book always loads sphinx-thebe (live code from Binder via a CDN);
    # this course has no launch buttons, so thebe goes, with its duplicate
    # inline `const THEBE_JS_URL` that throws a SyntaxError in the console.
    scripts = context.get("script_files")
    if scripts is not None:
        context["script_files"] = [s for s in scripts if not _unwanted_script(s)]
    css = context.get("css_files")
    if css is not None:
        context["css_files"] = [c for c in css if "sphinx-thebe" not in str(c)]
    if "text/x-thebe-config" in body:
        context["body"] = _THEBE_CONFIG.sub("", body)


_THEBE_CONFIG = re.compile(r'<script type="text/x-thebe-config">.*?</script>', re.S)


def _unwanted_script(script) -> bool:
    attrs = getattr(script, "attributes", {}) or {}
    if attrs.get("type") == "application/vnd.jupyter.widget-state+json":
        return True
    return "thebe" in str(script) or "THEBE_JS_URL" in (attrs.get("body") or "")


def _copy_vendor(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    import plotly

    from rnn_helpers.viz import explorer as interactive

    out = Path(app.outdir) / VENDOR
    targets = {
        out / "mathjax": _mathjax_dir(app),
    }
    for dest, src in targets.items():
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
    (out / "plotly").mkdir(parents=True, exist_ok=True)
    shutil.copy2(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", out / "plotly")
    (out / "rnn_helpers").mkdir(parents=True, exist_ok=True)
    shutil.copy2(interactive.EXPLORER_JS, out / "rnn_helpers" / "explorer.js")
    _drop_unreferenced_specs(Path(app.outdir))


def _drop_unreferenced_specs(outdir: Path) -> None:
    """Delete explorer JSON files that no page of the site links any more."""
    data = outdir / EXPLORER_DATA
    if not data.exists():
        return
    used = set()
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        if "rnn-explorer-spec" not in text:
            continue
        for href in re.findall(r'class="rnn-explorer-spec" data-src="([^"]+)"', text):
            used.add((page.parent / href).resolve())
    for spec in data.rglob("*.json"):
        if spec.resolve() not in used:
            spec.unlink()


PLOTLY_MIME = "application/vnd.plotly.v1+json"


def _plotly_json_renders_to_nothing() -> None:
    from myst_nb.core.render import NbElementRenderer

    if getattr(NbElementRenderer, "_offline_site_plotly", False):
        return
    block, inline = NbElementRenderer.render_mime_type, NbElementRenderer.render_mime_type_inline

    def render_mime_type(self, data):
        return [] if data.mime_type == PLOTLY_MIME else block(self, data)

    def render_mime_type_inline(self, data):
        return [] if data.mime_type == PLOTLY_MIME else inline(self, data)

    NbElementRenderer.render_mime_type = render_mime_type
    NbElementRenderer.render_mime_type_inline = render_mime_type_inline
    NbElementRenderer._offline_site_plotly = True


def setup(app: Sphinx) -> dict:
    _plotly_json_renders_to_nothing()
    app.connect("config-inited", _on_config_inited, priority=900)
    app.connect("html-page-context", _on_page_context, priority=900)
    app.connect("build-finished", _copy_vendor)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
