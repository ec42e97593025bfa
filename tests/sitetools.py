"""Helpers shared by the tests of the built website (tests/test_site_*.py)."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socketserver
import threading
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
#: The site under test: ``_build/html`` (``make html``), or another built site
#: named by ``RNN_SITE``, e.g. a single-chapter build of
#: ``scripts/build_chapter.py``:
#: ``RNN_SITE=_build/chapter-04_gradients/_build/html pytest tests/test_site_browser.py``.
#: Such a partial site is tested on the pages of ``_toc.yml`` that it holds.
SITE_OVERRIDE = os.environ.get("RNN_SITE", "").strip()
SITE = (ROOT / SITE_OVERRIDE).resolve() if SITE_OVERRIDE else ROOT / "_build" / "html"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-quic",
]
NOT_BUILT = "the site is not built: run `make html` (make test builds it first)"
NO_CHROMIUM = ("Debian's chromium is not installed at /usr/bin/chromium: "
               "`sudo apt-get install chromium` to run the browser tests (.ci/run does)")


def toc_pages() -> list[str]:
    """Every page of _toc.yml as a path relative to the site root, e.g. 'chapters/01_sequences.html'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", []))
    walk(toc.get("chapters", []))
    pages = [f"{p}.html" for p in pages]
    if SITE_OVERRIDE:  # a partial build: only the pages it holds
        pages = [p for p in pages if (SITE / p).exists()]
    return pages


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


class SiteServer:
    """Serve the built site on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, directory: Path = SITE):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        socketserver.TCPServer.allow_reuse_address = True
        self.httpd = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
