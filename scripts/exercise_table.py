"""Print the instructor guide's table of chapters and auto-checked exercises.

Usage: ``.venv/bin/python scripts/exercise_table.py`` — prints a Markdown table
(chapter, exercises, auto-checked, checker functions, teaching time) computed
from the notebooks, to paste into ``book/instructors.md``;
``tests/test_instructors.py`` fails when the page and the notebooks disagree.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_student  # noqa: E402

#: our estimate of lecture + lab time per chapter, in hours
TEACHING_HOURS = {
    "01_sequences": 1.5, "02_forward": 2, "03_bptt": 2.5, "04_gradients": 2.5,
    "05_lstm": 2.5, "06_gru": 2, "07_language_model": 2, "08_classification": 2,
    "09_forecasting": 2, "10_seq2seq": 2.5, "11_scan": 2.5, "12_ssm": 3,
}


def chapter_rows():
    """One dict per chapter notebook: name, title, exercises, checked, checkers, hours."""
    rows = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        student, n_ex, _ = make_student.strip_solutions(nb)
        title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
        checkers = []
        for cell in student.cells:
            if cell.cell_type == "code":
                for name in re.findall(r"\b(check_ch\d\d_\w+)\(", cell.source):
                    if name not in checkers:
                        checkers.append(name)
        rows.append(dict(name=path.stem, title=title, exercises=n_ex,
                         checked=make_student.auto_checked(student), checkers=checkers,
                         hours=TEACHING_HOURS.get(path.stem)))
    return rows


def markdown_table(rows) -> str:
    lines = ["| chapter | exercises | auto-checked | checkers | teaching time |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        checkers = ", ".join(f"`{c}`" for c in r["checkers"])
        lines.append(f"| {{doc}}`../chapters/{r['name']}` | {r['exercises']} | {r['checked']} | "
                     f"{checkers} | {r['hours']:g} h |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(chapter_rows()))
