"""Write the student edition of every chapter: nbgrader's release of each one.

Usage::

    .venv/bin/python scripts/make_student.py [--out student] [chapters/NN_x.ipynb ...]

The student edition is what nbgrader releases (``scripts/make_classroom.py``):
the chapter with its worked solutions cleared. Each exercise keeps its
statement and its attempt lines with the checker call (``# YOUR CODE HERE``
marks where the answer goes), a read-only test cell follows each
auto-checked exercise, and ``YOUR ANSWER HERE`` takes the place of each text
solution. This script makes an nbgrader course in a temporary folder and
copies the released notebooks into ``--out`` under the chapters' names
(``student/06_gru.ipynb``), for learners who work without a course server.
Teachers use ``make classroom`` instead (book/classroom.md).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_classroom  # noqa: E402

ROOT = make_classroom.ROOT


def strip_solutions(nb) -> tuple:
    """
    The student edition of one chapter, in memory (nbgrader's ClearSolutions).

    Inputs:
    - nb: A chapter (nbformat v4 notebook; not modified)

    Returns a tuple (student, n_exercises, n_solutions):
    - student: The release's cells without nbgrader's header
    - n_exercises: Number of exercises
    - n_solutions: Number of exercises whose solution was cleared
    """
    from nbgrader.preprocessors import ClearSolutions

    source, exercises = make_classroom.source_notebook(nb)
    clear = ClearSolutions(code_stub={"python": make_classroom.CODE_STUB},
                           text_stub=make_classroom.TEXT_STUB)
    student, _ = clear.preprocess(source, {})
    n_solutions = sum(bool(ex.code or ex.prose) for ex in exercises)
    return student, len(exercises), n_solutions


def auto_checked(nb) -> int:
    """Number of auto-checked exercises (nbgrader test cells) of a student notebook."""
    return sum(1 for c in nb.cells if c.cell_type == "code"
               and c.metadata.get("nbgrader", {}).get("grade"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "student"), help="output folder (default: student/)")
    parser.add_argument("chapters", nargs="*", help="notebooks (default: chapters/*.ipynb)")
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [Path(p) for p in args.chapters] or sorted((ROOT / "chapters").glob("*.ipynb"))
    with tempfile.TemporaryDirectory() as course:
        status = make_classroom.main(["--course", course, *args.chapters])
        if status:
            return status
        for path in paths:
            name = make_classroom.assignment_name(path)
            shutil.copy(Path(course) / "release" / name / f"{name}.ipynb", out_dir / path.name)
    print(f"Student edition of {len(paths)} chapters written to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
