"""Build the PDF edition of the book: Jupyter Book's LaTeX builder with XeLaTeX.

Usage::

    .venv/bin/python scripts/build_pdf.py [--out _build/pdf] [--strict]

Writes ``<out>/_build/latex/rnn-course.pdf`` and copies it to
``<out>/rnn-course.pdf`` and, when the website is built, to
``_build/html/rnn-course.pdf`` (served with the site; ``--site`` to
change). The LaTeX settings are the ``latex:`` section, ``latex_elements``
and ``latex_additional_files`` of ``_config.yml`` (XeLaTeX, a CJK font for
the glossary, a stand-in ``bbm.sty``). Needs Debian's ``texlive-xetex texlive-latex-extra
texlive-fonts-recommended texlive-lang-chinese latexmk fonts-noto-cjk
fonts-freefont-otf xindy`` (``.ci/run`` installs them).

The notebooks are not executed a second time when the website was built
just before (``make html``): each executed notebook of that build
(``_build/jupyter_execute/chapters/*.ipynb``, newer than its source) is put
into a jupyter-cache that this build reads (myst-nb's ``cache`` mode, which
matches a notebook by its code); a chapter without such a copy is executed.
Explorers (``rnn_helpers.viz.explorer``) appear as the image of their
default frame: their output carries an ``image/png``, which myst-nb's LaTeX
builder prefers to text; their live figure adds nothing (an empty
``text/markdown``).

Exits with the build's status.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TARGET = "rnn-course"
REQUIRED = ("xelatex", "latexmk", "xindy")


def missing_tools() -> list:
    """The command-line tools of the LaTeX build that are not installed."""
    return [tool for tool in REQUIRED if shutil.which(tool) is None]


def seed_cache(cache_dir: Path, executed_dir: Path) -> list:
    """
    Put the website build's executed notebooks into a jupyter-cache.

    Inputs:
    - cache_dir: The cache folder (created)
    - executed_dir: Folder of executed notebooks (``_build/jupyter_execute``)

    Returns:
    - reused: Names of the chapters whose outputs are reused
    """
    from jupyter_cache import get_cache

    if cache_dir.exists():  # only this website build's outputs, never older ones
        shutil.rmtree(cache_dir)
    cache = get_cache(str(cache_dir))
    reused = []
    for source in sorted((ROOT / "chapters").glob("*.ipynb")):
        executed = executed_dir / "chapters" / source.name
        if executed.exists() and executed.stat().st_mtime >= source.stat().st_mtime:
            cache.cache_notebook_file(str(executed), uri=str(source),
                                      check_validity=False, overwrite=True)
            reused.append(source.stem)
    return reused


def write_config(out: Path, cache_dir: Path) -> Path:
    """``_config.yml`` for the PDF build: notebooks from the cache."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"] = {**config.get("execute", {}), "execute_notebooks": "cache",
                         "cache": str(cache_dir)}
    # paths of local extensions are relative to the configuration file
    exts = config.get("sphinx", {}).get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {
        name: os.path.relpath(ROOT / path, out) for name, path in exts.items()}
    path = out / "_config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


#: LaTeX inserted before a part's \part line (the class numbers to depth 2)
UNNUMBERED = "\\setcounter{secnumdepth}{-1}% rnn-course: an unnumbered part\n"
FIRST_NUMBERED = ("\\setcounter{secnumdepth}{2}\\setcounter{chapter}{0}"
                  "% rnn-course: chapter 1 is chapters/01, as on the website\n")
NUMBERED_AGAIN = "\\setcounter{secnumdepth}{2}% rnn-course: numbered again\n"


def number_like_the_site(tex: str, toc: dict) -> str:
    """
    Number the LaTeX chapters as the website does.

    Sphinx numbers every chapter of the LaTeX document, so the pages of the
    unnumbered parts of ``_toc.yml`` (set-up and notation, the back matter)
    would shift the chapters' numbers: chapter 1 would print as chapter 3,
    and its equations as (3.1). This turns numbering off in the unnumbered
    parts (their chapters stay in the contents) and starts it at 1 in the
    first numbered part.

    Inputs:
    - tex: The LaTeX document written by Sphinx
    - toc: ``_toc.yml``, parsed

    Returns:
    - tex: The document; unchanged if its parts do not match the toc's
    """
    parts = toc.get("parts", [])
    lines = tex.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.startswith("\\part{")]
    if not parts or len(at) != len(parts):
        print(f"warning: {len(at)} parts in the LaTeX, {len(parts)} in _toc.yml: "
              "chapter numbers left as Sphinx made them")
        return tex
    inserts, started, numbering = {}, False, True
    for i, part in zip(at, parts):
        if part.get("numbered"):
            if not started:
                inserts[i] = FIRST_NUMBERED
            elif not numbering:
                inserts[i] = NUMBERED_AGAIN
            started = numbering = True
        else:
            if numbering:
                inserts[i] = UNNUMBERED
            numbering = False
    return "".join(inserts.get(i, "") + line for i, line in enumerate(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "_build" / "pdf"),
                        help="output folder (default: _build/pdf)")
    parser.add_argument("--site", default=str(ROOT / "_build" / "html"),
                        help="built website to copy the PDF into, if it exists "
                             "(default: _build/html; '' for none)")
    parser.add_argument("--strict", action="store_true",
                        help="fail on any Sphinx warning (-W -n --keep-going)")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"error: {', '.join(missing)} not found. Install Debian's texlive-xetex "
              "texlive-latex-extra texlive-fonts-recommended texlive-lang-chinese latexmk "
              "fonts-noto-cjk fonts-freefont-otf xindy (see book/classroom.md).")
        return 2
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = out / "jupyter_cache"
    reused = seed_cache(cache_dir, ROOT / "_build" / "jupyter_execute")
    print(f"outputs reused from the website build: {len(reused)} chapters "
          f"({', '.join(reused) or 'none'}); the others are executed")
    config = write_config(out, cache_dir)
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    # Sphinx writes the LaTeX; the chapters are numbered as online; XeLaTeX
    # (latexmk, through the Makefile Sphinx writes) makes the PDF.
    cmd = [str(Path(bindir) / "jupyter-book"), "build", str(ROOT), "--builder", "latex",
           "--config", str(config), "--path-output", str(out)]
    if args.strict:
        cmd += ["-W", "-n", "--keep-going"]
    status = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    latex = out / "_build" / "latex"
    tex = latex / f"{TARGET}.tex"
    if status == 0 and tex.exists():
        toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
        tex.write_text(number_like_the_site(tex.read_text(), toc))
        with open(latex / "make.log", "w") as log:
            status = subprocess.run([os.environ.get("MAKE", "make"), "all-pdf"], cwd=latex,
                                    env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        if status:
            print("".join((latex / "make.log").read_text().splitlines(keepends=True)[-40:]))
            print(f"error: XeLaTeX failed; see {latex / 'make.log'} and {latex / TARGET}.log")
    pdf = latex / f"{TARGET}.pdf"
    if pdf.exists():
        shutil.copy(pdf, out / f"{TARGET}.pdf")
        print(f"PDF edition: {out / f'{TARGET}.pdf'}")
        if status == 0 and args.site and (Path(args.site) / "index.html").exists():
            shutil.copy(pdf, Path(args.site) / f"{TARGET}.pdf")
            print(f"... and on the website: {Path(args.site) / f'{TARGET}.pdf'}")
    elif status == 0:
        print(f"error: the build finished but {pdf} is missing")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
