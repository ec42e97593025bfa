"""Make the nbgrader course: one assignment per chapter, generated from the chapters.

Usage::

    .venv/bin/python scripts/make_classroom.py [--course classroom] [--no-generate]
                                               [chapters/NN_x.ipynb ...]

The chapters are not edited: their exercise markup is read and an nbgrader
*source* notebook is written for each, ``<course>/source/chNN/chNN.ipynb``.
Then ``nbgrader generate_assignment chNN`` writes the *release*
(``<course>/release/chNN/chNN.ipynb``), the student edition: nbgrader clears
the solutions, prepends the header, locks the read-only cells, records the
assignment in the gradebook and checksums the graded cells.

How an exercise of a chapter becomes nbgrader cells (the chapters' markup is
described in ``CONTRIBUTING.md``):

- the ``{exercise}`` cell: a read-only cell;
- its attempt cell (the code cell right after it, e.g. ``answer = None``
  followed by the checker call) and the code cells of its
  ``{solution-start}`` ... ``{solution-end}`` block become ONE *autograded
  answer* cell: the attempt's lines, then the solution code inside
  ``### BEGIN SOLUTION`` / ``### END SOLUTION``, then the attempt's checker
  call. The release keeps the attempt and the checker call and shows
  ``# YOUR CODE HERE`` in place of the solution;
- an auto-checked exercise (its attempt calls a ``check_chNN_...`` checker)
  gets a read-only *autograder test* cell worth :data:`POINTS_AUTO` points
  that calls the same checker on the learner's answer and asserts
  ``result.passed`` with the checker's message;
- the prose of the solution (the markdown cells of the block, or a text-only
  ``{solution}``) becomes a *manually graded answer* worth
  :data:`POINTS_WRITTEN` point, ``YOUR ANSWER HERE`` in the release;
- every other code cell is copied unchanged, and every Markdown cell's text
  is written as JupyterLab shows it with jupyterlab-myst
  (:func:`lab_edition.convert_prose`, the Markdown of ``make lab``'s edition:
  the chapter's computed numbers as inline expressions, references and
  citations as the book numbers them).

What nbgrader does not do and this script does: remove the MyST
``solution-start``/``solution-end`` markup, merge a solution's cells into one
answer cell, and write the test cells. Everything else (stubs, header,
read-only cells, checksums, the gradebook) is nbgrader's. The course folder
gets an ``nbgrader_config.py``; the teacher then runs ``nbgrader`` commands
in it (``book/classroom.md``).
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lab_edition  # noqa: E402  (scripts/lab_edition.py: the text for JupyterLab)

ROOT = Path(__file__).resolve().parent.parent
COURSE_ID = "rnn-course"
POINTS_AUTO = 2
POINTS_WRITTEN = 1
BEGIN, END_ = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE"
TEXT_STUB = "YOUR ANSWER HERE"

START = re.compile(r"^\s*(```+|:::+)\s*\{solution-start\}")
END = re.compile(r"^\s*(```+|:::+)\s*\{solution-end\}")
#: the solution-end directive itself (opening and closing fence)
END_CELL = re.compile(
    r"^\s*(```+|:::+)\s*\{solution-end\}[^\n]*\n(?:.*?\n)?\1[ \t]*(?:\n|$)", re.S)
EXERCISE = re.compile(r"^\s*(```+|:::+)\s*\{exercise(-start)?\}", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)", re.M)
CHECKER = re.compile(r"^check_ch\d\d_\w+$")
#: a text-only solution fenced inside a markdown cell
INLINE_SOLUTION = re.compile(
    r"(?:^|\n)(`{3,}|:{3,})\{solution\}[^\n]*\n(.*?)\n\1[ \t]*(?=\n|$)", re.S)
OPTION = re.compile(r"^:[\w-]+:.*$", re.M)

HEADER = """\
**Assignment edition.** This notebook is one chapter of the course
*Recurrent Neural Networks*, released as an nbgrader assignment: the chapter
is complete, the worked solutions of its exercises are not.

- Write code where a cell says `# YOUR CODE HERE` (keep the lines around it:
  the last line calls the chapter's checker and tells you what is right and
  what is still wrong) and explanations where a cell says
  `YOUR ANSWER HERE`.
- The read-only cell after an answer is the autograder's test: it fails
  until the checker accepts your answer.
- Run the whole notebook, then **Validate** (the button in the Assignments
  panel, or `nbgrader validate`) before you submit.
"""


@dataclass
class Exercise:
    """One exercise of a chapter, as nbgrader will see it."""

    label: str
    statement: str
    attempt: Optional[str] = None
    code: List[str] = field(default_factory=list)
    prose: List[str] = field(default_factory=list)

    @property
    def checker_call(self) -> Optional[str]:
        """
        The checker call that grades the learner's answer, if any.

        The attempt's call (its arguments are the names the learner fills
        in), unless it passes a literal ``None`` placeholder ("replace None
        with your function"): then the worked solution's last call.
        """
        call = checker_call(self.attempt) if self.attempt else None
        if call is not None and _has_none_argument(call):
            return checker_call("\n\n".join(self.code)) if self.code else None
        return call


def _has_none_argument(call: str) -> bool:
    node = ast.parse(call, mode="eval").body
    args = list(node.args) + [k.value for k in node.keywords]
    return any(isinstance(a, ast.Constant) and a.value is None for a in args)


def checker_call(source: str) -> Optional[str]:
    """
    The last top-level call of a ``check_chNN_...`` function in a code cell.

    Inputs:
    - source: Python source of a cell

    Returns:
    - call: The call's source text (``check_ch06_x(answer, D=3)``), or None
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in reversed(tree.body):
        value = getattr(node, "value", None)
        if (isinstance(node, (ast.Expr, ast.Assign)) and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name) and CHECKER.match(value.func.id)):
            return ast.get_source_segment(source, value)
    return None


def _split_call(source: str):
    """Split a cell into (lines before its last checker call, the call statement)."""
    call = checker_call(source)
    if call is None:
        return source.rstrip(), ""
    tree = ast.parse(source)
    node = next(n for n in reversed(tree.body)
                if ast.get_source_segment(source, getattr(n, "value", n)) == call)
    lines = source.splitlines()
    before = "\n".join(lines[: node.lineno - 1]).rstrip()
    stmt = "\n".join(lines[node.lineno - 1: node.end_lineno])
    after = "\n".join(lines[node.end_lineno:]).strip()
    return before, (stmt + ("\n" + after if after else ""))


def _strip_directive(text: str) -> str:
    """The body of a ``{solution}`` directive without its option lines."""
    return OPTION.sub("", text).strip()


def _meta(kind: str, grade_id: str, points: float = 0) -> dict:
    """nbgrader cell metadata (schema 3) for one kind of cell."""
    solution = kind in ("answer", "written")
    grade = kind in ("test", "written")
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution,
            "schema_version": 3, "solution": solution}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _label(text: str, fallback: str) -> str:
    m = LABEL.search(text)
    return m.group(1) if m else fallback


def answer_source(ex: Exercise) -> Optional[str]:
    """The autograded answer cell of an exercise (None if it has no code)."""
    if ex.attempt is None and not ex.code:
        return None
    before, call = _split_call(ex.attempt or "")
    parts = [before] if before else []
    if ex.code:
        parts.append("\n".join([BEGIN, "\n\n".join(c.strip() for c in ex.code), END_]))
    else:  # an attempt without solution code: the learner edits the attempt
        parts.append("\n".join([BEGIN, END_]))
    if call:
        parts.append(call)
    return "\n".join(parts)


def test_source(ex: Exercise, points: float) -> Optional[str]:
    """The autograder test cell of an auto-checked exercise (None otherwise)."""
    call = ex.checker_call
    if call is None:
        return None
    return (f"# Autograder test of {ex.label} ({points:g} points): the checker\n"
            f"# must accept the answer; its message says what is wrong.\n"
            f"result = {call}\n"
            "assert result.passed, str(result)")


def source_notebook(nb, chapter: str = "chapter"):
    """
    The nbgrader source version of a chapter.

    Inputs:
    - nb: The chapter (nbformat v4 notebook; not modified)
    - chapter: Prefix for generated grade ids when an exercise has no label

    Returns a tuple (source, exercises):
    - source: nbformat notebook with nbgrader cell metadata
    - exercises: list of Exercise, in order

    Raises ValueError on unbalanced solution blocks.
    """
    cells = list(nb.cells)
    out, exercises = [], []
    i = 0

    def copy(cell):
        c = nbformat.from_dict(dict(cell))
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
        return c

    def emit(ex: Exercise):
        exercises.append(ex)
        out.append(nbformat.v4.new_markdown_cell(
            ex.statement, metadata=_meta("locked", f"{ex.label}-statement")))
        code = answer_source(ex)
        if code is not None:
            out.append(nbformat.v4.new_code_cell(
                code, metadata=_meta("answer", f"{ex.label}-answer")))
        test = test_source(ex, POINTS_AUTO)
        if test is not None:
            out.append(nbformat.v4.new_code_cell(
                test, metadata=_meta("test", f"{ex.label}-test", POINTS_AUTO)))
        if ex.prose:
            out.append(nbformat.v4.new_markdown_cell(
                "\n\n".join(p.strip() for p in ex.prose),
                metadata=_meta("written", f"{ex.label}-written", POINTS_WRITTEN)))

    while i < len(cells):
        cell = cells[i]
        text = cell.source if cell.cell_type == "markdown" else ""
        if cell.cell_type == "markdown" and (START.match(text) or END.match(text)):
            raise ValueError(f"cell {i}: a solution block outside an exercise")
        if not (cell.cell_type == "markdown" and EXERCISE.search(text)):
            out.append(copy(cell))
            i += 1
            continue
        label = _label(text, f"ex-{chapter}-{len(exercises) + 1}")
        inline = list(INLINE_SOLUTION.finditer(text))
        if inline:  # the statement and its text solution in one cell
            statement = INLINE_SOLUTION.sub("", text).strip()
            emit(Exercise(label, statement,
                          prose=[_strip_directive(m.group(2)) for m in inline]))
            i += 1
            continue
        ex = Exercise(label, text)
        i += 1
        if i < len(cells) and cells[i].cell_type == "code":
            ex.attempt = cells[i].source
            i += 1
        nxt = cells[i] if i < len(cells) else None
        if nxt is not None and nxt.cell_type == "markdown" and START.match(nxt.source):
            i += 1
            while True:
                if i >= len(cells):
                    raise ValueError(f"{label}: solution-start without solution-end")
                c = cells[i]
                if c.cell_type == "markdown" and START.match(c.source):
                    raise ValueError(f"{label}: solution-start inside another solution block")
                if c.cell_type == "markdown" and END.match(c.source):
                    rest = END_CELL.sub("", c.source, count=1).strip()
                    i += 1
                    break
                (ex.code if c.cell_type == "code" else ex.prose).append(c.source)
                i += 1
            emit(ex)
            if rest:  # text after the closing fence belongs to the chapter
                out.append(nbformat.v4.new_markdown_cell(rest))
        elif nxt is not None and nxt.cell_type == "markdown" and INLINE_SOLUTION.search(nxt.source):
            ex.prose = [_strip_directive(m.group(2))
                        for m in INLINE_SOLUTION.finditer(nxt.source)]
            emit(ex)
            rest = INLINE_SOLUTION.sub("", nxt.source).strip()
            if rest:
                out.append(nbformat.v4.new_markdown_cell(rest))
            i += 1
        else:
            emit(ex)
    src = nbformat.v4.new_notebook(metadata=nbformat.from_dict(dict(nb.metadata)))
    src.cells = out
    return src, exercises


def assignment_name(path: Path) -> str:
    """``chapters/06_gru.ipynb`` -> ``ch06``."""
    return "ch" + path.stem.split("_", 1)[0]


CONFIG = '''\
"""nbgrader configuration of the course (written by scripts/make_classroom.py).

Run nbgrader in this folder: nbgrader generate_assignment ch01, nbgrader
autograde ch01, nbgrader generate_feedback ch01, nbgrader formgrader ...
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets)
here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.root = here
# A stub that runs: the release executes top to bottom up to the first test.
c.ClearSolutions.code_stub = {{"python": {code_stub!r}}}
c.ClearSolutions.text_stub = {text_stub!r}
c.IncludeHeaderFooter.header = os.path.join(here, "header.ipynb")
# Each cell of a chapter runs in well under a minute; a learner's endless
# loop is stopped after two.
c.Execute.timeout = 120
# The exchange (release, fetch, submit, collect): a folder every account on
# the machine can write; deploy/jupyterhub_config.py passes the same one.
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", os.path.join(here, "exchange"))
'''


def write_course(course: Path, chapters) -> List[str]:
    """
    Write the course folder: configuration, header and one source per chapter.

    Inputs:
    - course: The course folder (created if missing; sources are replaced)
    - chapters: Paths of chapter notebooks

    Returns:
    - names: The assignment names, e.g. ["ch01", "ch02"]
    """
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(
        course_id=COURSE_ID, code_stub=CODE_STUB, text_stub=TEXT_STUB))
    (course / "source").mkdir(exist_ok=True)
    header = nbformat.v4.new_notebook()
    header.cells = [nbformat.v4.new_markdown_cell(HEADER)]
    nbformat.write(header, course / "header.ipynb")
    names = []
    book = lab_edition.book_labels()  # every chapter's labels, scanned once
    for path in chapters:
        name = assignment_name(path)
        src, exercises = source_notebook(nbformat.read(path, as_version=4), name)
        # its text as JupyterLab (jupyterlab-myst) renders it: the numbers the
        # chapter computes, references, citations (scripts/lab_edition.py)
        src = lab_edition.convert_prose(src, lab_edition.chapter_context(path, book))
        folder = course / "source" / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        nbformat.write(src, folder / f"{name}.ipynb")
        n_auto = sum(ex.checker_call is not None for ex in exercises)
        print(f"{name} ({path.name}): {len(exercises)} exercises, {n_auto} auto-graded "
              f"({n_auto * POINTS_AUTO} points), "
              f"{sum(bool(ex.prose) for ex in exercises)} written answers")
        names.append(name)
    return names


def nbgrader(course: Path, *args: str, check: bool = True, **kwargs):
    """Run ``nbgrader ARGS`` in the course folder with this interpreter."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    # nbgrader runs `alembic` (gradebook migrations) from PATH
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(cmd, cwd=course, check=check, env=env, **kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course", default=str(ROOT / "classroom"),
                        help="course folder (default: classroom/)")
    parser.add_argument("--no-generate", action="store_true",
                        help="write the sources only, do not run nbgrader")
    parser.add_argument("chapters", nargs="*", help="notebooks (default: chapters/*.ipynb)")
    args = parser.parse_args(argv)
    course = Path(args.course).resolve()
    paths = [Path(p) for p in args.chapters] or sorted((ROOT / "chapters").glob("*.ipynb"))
    try:
        names = write_course(course, paths)
    except ValueError as err:
        print(f"error: {err}")
        return 1
    if args.no_generate:
        return 0
    # one nbgrader process for every assignment ("*") when all are made
    everything = not args.chapters
    for name in ["*"] if everything else names:
        nbgrader(course, "generate_assignment", name, "--force", "--log-level=ERROR")
    print(f"Released {len(names)} assignments into {course / 'release'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
