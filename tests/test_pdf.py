"""The PDF edition (``make pdf``, scripts/build_pdf.py) builds and reads well.

The book is built with Jupyter Book's LaTeX builder and XeLaTeX into a
temporary folder (reusing the notebooks' outputs of a ``make html`` that ran
before, as ``make test`` does). ``pdftotext`` must find every chapter's title
and the glossary's Chinese terms, and no ``??`` (LaTeX's mark of an
unresolved reference, equation or citation).

Skipped, with the reason, where the TeX tools are not installed (Debian
packages in ``.ci/run`` and ``book/classroom.md``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_pdf  # noqa: E402

MISSING = build_pdf.missing_tools() + [t for t in ("pdftotext", "pdfinfo") if shutil.which(t) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"PDF edition not tested: {', '.join(MISSING)} not installed (apt-get install "
    "texlive-xetex texlive-latex-extra texlive-fonts-recommended texlive-lang-chinese "
    "latexmk fonts-noto-cjk fonts-freefont-otf xindy poppler-utils; .ci/run does)")


def _titles():
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        first = json.loads(path.read_text())["cells"][0]["source"]
        first = "".join(first) if isinstance(first, list) else first
        yield path.stem, first.splitlines()[0].lstrip("# ").strip()


def _plain(text):
    """Words only: hyphenation at line ends undone, whitespace collapsed."""
    text = re.sub(r"-\n(?=[a-z])", "", text)
    return re.sub(r"\s+", " ", text.replace("\u00ad", ""))


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    assert build_pdf.main(["--out", str(out), "--site", ""]) == 0
    return out / f"{build_pdf.TARGET}.pdf"


@pytest.mark.slow
@pytest.mark.timeout(3000)
def test_pdf_has_every_chapter_and_no_unresolved_reference(pdf):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    plain = _plain(text)
    for stem, title in _titles():
        assert _plain(title) in plain, f"{stem}: title {title!r} not found in the PDF"
    assert "??" not in text, "unresolved references: " + ", ".join(
        repr(text[max(0, m.start() - 60): m.end() + 20]) for m in re.finditer(r"\?\?", text))[:2000]
    # the glossary's Chinese terms are typeset (a CJK font was found)
    assert "循环神经网络" in plain
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages > 100
    print(f"PDF edition: {pages} pages")
