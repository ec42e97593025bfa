"""The student edition (``make student``) is nbgrader's release of each chapter.

``scripts/make_student.py`` copies the release of ``scripts/make_classroom.py``
under the chapters' names. What the release contains is checked in
``tests/test_classroom.py`` (which also autogrades it: it runs top to bottom
up to its tests, and every unsolved checker says "not yet solved"). Here:
the script writes it, and every worked solution asserts its checker, which
the book build runs.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_classroom as mc  # noqa: E402
import make_student  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
CHECKER_CALL = re.compile(r"\bcheck_ch\d\d_\w+\(")


def test_make_student_writes_the_release(tmp_path):
    path = ROOT / "chapters" / "02_forward.ipynb"
    assert make_student.main(["--out", str(tmp_path), str(path)]) == 0
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "Assignment edition" in nb.cells[0].source
    assert "{solution" not in text and mc.BEGIN not in text
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers and all(mc.CODE_STUB in c.source or c.source == mc.TEXT_STUB for c in answers)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_solutions_assert_their_checker(path):
    _, exercises = mc.source_notebook(nbformat.read(path, as_version=4), path.stem)
    for ex in exercises:
        code = "\n".join(ex.code)
        if CHECKER_CALL.search(code):
            assert re.search(r"assert\s+\w+\.passed", code), (
                f"{path.name} {ex.label}: a checked solution does not assert that its checker passed")


def test_unbalanced_blocks_are_refused():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# T"),
                nbformat.v4.new_markdown_cell("```{exercise} E\n:label: ex-t\n\nx\n```"),
                nbformat.v4.new_markdown_cell("```{solution-start} ex\n```")]
    with pytest.raises(ValueError, match="without solution-end"):
        mc.source_notebook(nb, "t")
    nb.cells = [nbformat.v4.new_markdown_cell("```{solution-end}\n```")]
    with pytest.raises(ValueError, match="outside an exercise"):
        mc.source_notebook(nb, "t")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_strip_solutions_in_memory(path):
    """The in-memory edition (scripts/exercise_table.py counts with it)."""
    student, n_ex, n_sol = make_student.strip_solutions(nbformat.read(path, as_version=4))
    text = "\n".join(c.source for c in student.cells)
    assert "{solution" not in text and mc.BEGIN not in text
    assert n_ex >= 4 and n_sol >= n_ex - 1
    assert make_student.auto_checked(student) >= 2
