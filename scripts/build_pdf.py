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
    cmd = [str(Path(bindir) / "jupyter-book"), "build", str(ROOT), "--builder", "pdflatex",
           "--config", str(config), "--path-output", str(out)]
    if args.strict:
        cmd += ["-W", "-n", "--keep-going"]
    status = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    pdf = out / "_build" / "latex" / f"{TARGET}.pdf"
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
