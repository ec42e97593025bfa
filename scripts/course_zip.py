"""Write the runnable course as one zip: the repository without build outputs.

Usage::

    .venv/bin/python scripts/course_zip.py [DEST]   # default: rnn-course.zip

Inside a git work tree the zip is ``git archive`` of ``HEAD``: exactly the
committed files of the built commit. Outside git (for instance in a course
that was itself unzipped from the site) it holds every file except what
``.gitignore`` names (``.venv/``, ``_build/``, ``node_modules/``, ...). Every
path sits under one top folder, ``rnn-course/``, so unzipping gives a folder
in which ``make test`` and ``make book`` work.

The book build calls :func:`write_course_zip` (``book/_ext/course_site.py``)
and puts the zip at the site's root, linked from the setup page and the
sidebar.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "rnn-course"
#: left out even when .gitignore is missing (never part of the course)
ALWAYS_IGNORED = (".git/", ".venv/", "_build/", "node_modules/", "student/",
                  "__pycache__/", ".ipynb_checkpoints/", ".pytest_cache/",
                  "tests/artifacts/", "*.pyc", "*.egg-info/", "rnn-course.zip")


def _in_git(root: Path) -> bool:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"],
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return False
    return Path(out).resolve() == root.resolve()


def _patterns(root: Path) -> list[str]:
    lines = []
    gitignore = root / ".gitignore"
    if gitignore.exists():
        lines = [ln.strip() for ln in gitignore.read_text().splitlines()]
    return [p for p in lines if p and not p.startswith(("#", "!"))] + list(ALWAYS_IGNORED)


def _ignored(rel: str, is_dir: bool, patterns: list[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    for pat in patterns:
        dir_only = pat.endswith("/")
        pat = pat.rstrip("/")
        if dir_only and not is_dir:
            continue
        anchored = "/" in pat
        pat = pat.lstrip("/")
        if fnmatch.fnmatch(rel, pat) or (not anchored and fnmatch.fnmatch(name, pat)):
            return True
    return False


def course_files(root: Path) -> list[str]:
    """Files of a course folder that is not a git work tree, relative, sorted.

    Inputs:
    - root: the course folder.

    Returns:
    - list of POSIX paths, without what ``.gitignore`` (and ALWAYS_IGNORED) names.
    """
    patterns = _patterns(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames
                             if not _ignored(rel_dir + d, True, patterns))
        for f in sorted(filenames):
            if not _ignored(rel_dir + f, False, patterns):
                found.append(rel_dir + f)
    return sorted(found)


def write_course_zip(dest: Path, root: Path = ROOT) -> str:
    """Write the course zip.

    Inputs:
    - dest: path of the zip to write (its folder is created).
    - root: the course folder (default: this repository).

    Returns:
    - str: how the file list was made, "git archive <commit>" or "files".
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    if _in_git(root):
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run(["git", "-C", str(root), "archive", "--format=zip",
                        f"--prefix={PREFIX}/", "-o", str(tmp), "HEAD"], check=True)
        how = f"git archive {commit}"
    else:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for rel in course_files(root):
                zf.write(root / rel, f"{PREFIX}/{rel}")
        how = "files"
    os.replace(tmp, dest)
    return how


def main(argv: list[str]) -> int:
    dest = Path(argv[0]) if argv else Path("rnn-course.zip")
    how = write_course_zip(dest)
    print(f"{dest} ({dest.stat().st_size / 1e6:.1f} MB, {how})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
