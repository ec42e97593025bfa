"""The PDF edition (``make pdf``, scripts/build_pdf.py) builds and reads well.

The book is built with Jupyter Book's LaTeX builder and XeLaTeX, reusing the
notebooks' outputs of the ``make html`` that ran before: ``make test`` builds
it into ``$PDF_BUILT`` right after the website, beside the tests that do not
read the site; run alone, the test builds it into a temporary folder.
``pdftotext`` must find every chapter's title and the glossary's Chinese
terms, and no ``??`` (LaTeX's mark of an unresolved reference, equation or
citation). Every explorer is there as the static image of its default frame
(the ``image/png`` of its output, written by
:meth:`rnn_helpers.viz.explorer.Explorer.static_png`), not as text.

Skipped, with the reason, where the TeX tools are not installed (Debian
packages in ``.ci/run`` and ``book/classroom.md``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import build_pdf  # noqa: E402

MISSING = build_pdf.missing_tools() + [t for t in ("pdftotext", "pdfinfo", "pdfimages")
                                         if shutil.which(t) is None]
needs_tex = pytest.mark.skipif(
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


def _explorer_images():
    """(chapter, sha256 of its PNG) for every explorer output of the website
    build's executed notebooks (myst-nb names an output image by this hash)."""
    found = []
    for path in sorted((ROOT / "_build" / "jupyter_execute" / "chapters").glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                page = "".join(data.get("text/html", ""))
                if 'class="rnn-explorer"' in page:
                    assert "image/png" in data, f"{path.stem}: an explorer without its image"
                    png = base64.b64decode("".join(data["image/png"]))
                    found.append((path.stem, hashlib.sha256(png).hexdigest()))
    return found


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    """The PDF that ``make test`` built right after the website (the folder
    in ``$PDF_BUILT``, with its exit status and log), or one built here."""
    built = os.environ.get("PDF_BUILT")
    if built:
        out = ROOT / built
        status = out / "build.status"
        log = out / "build.log"
        tail = log.read_text()[-3000:] if log.exists() else "(no log)"
        assert status.exists(), f"make test did not build the PDF: {tail}"
        assert status.read_text().strip() == "0", f"scripts/build_pdf.py failed:\n{tail}"
    else:
        out = tmp_path_factory.mktemp("pdf")
        assert build_pdf.main(["--out", str(out), "--site", ""]) == 0
    return out / f"{build_pdf.TARGET}.pdf"


@needs_tex
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
    # chapter 1 is chapter one, as on the website (the set-up pages before
    # it are unnumbered)
    first = next(_titles())[1]
    assert re.search(r"CHAPTER\s+ONE\s+" + re.escape(first.upper()), text), (
        "the first chapter is not chapter one: the chapters are not numbered as on the website")
    print(f"PDF edition: {pages} pages")


@needs_tex
@pytest.mark.slow
@pytest.mark.timeout(3000)
def test_pdf_shows_every_explorer_as_its_image(pdf):
    images = _explorer_images()
    # every explorer of the chapters: a code cell whose last statement calls one
    calls = 0
    for path in (ROOT / "chapters").glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            source = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
            top = [line for line in source.splitlines()
                   if line.strip() and not line[0].isspace() and line[0] not in ")]}"]
            calls += bool(top) and re.match(r"^[\w.]*[eE]xplorer\(", top[-1]) is not None
    assert calls and len(images) == calls, f"{len(images)} explorer images, {calls} explorers"
    tex = (pdf.parent / "_build" / "latex" / f"{build_pdf.TARGET}.tex").read_text()
    for stem, digest in images:
        assert re.search(r"\\sphinxincludegraphics(\[[^]]*\])?\{\{" + digest + r"\}\.png\}", tex), (
            f"{stem}: its explorer's image is not in the LaTeX source")
    # the text stand-ins of the outputs (text/plain) are not typeset
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "<Explorer:" not in text and "<figure:" not in text
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True,
                             text=True).stdout.splitlines()[2:]
    assert len(listing) >= len(images)
    print(f"PDF edition: {len(images)} explorers as images, {len(listing)} images in all")


def test_numbering_follows_the_toc():
    toc = {"parts": [{"caption": "Start"}, {"caption": "I", "numbered": True},
                     {"caption": "II", "numbered": True}, {"caption": "Back"}]}
    tex = "x\n\\part{Start}\n\\chapter{S}\n\\part{I}\n\\chapter{A}\n\\part{II}\n\\part{Back}\n"
    out = build_pdf.number_like_the_site(tex, toc).splitlines()
    assert out[1] == build_pdf.UNNUMBERED.strip() and out[2] == "\\part{Start}"
    assert out[4] == build_pdf.FIRST_NUMBERED.strip() and out[5] == "\\part{I}"
    assert out[7] == "\\part{II}"  # still numbered: nothing inserted
    assert out[8] == build_pdf.UNNUMBERED.strip() and out[9] == "\\part{Back}"
    # parts that do not match the toc: left alone
    assert build_pdf.number_like_the_site("\\part{I}\n", toc) == "\\part{I}\n"
