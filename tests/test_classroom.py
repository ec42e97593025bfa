"""The classroom on nbgrader, tested the way a teacher uses it.

``scripts/make_classroom.py`` (``make classroom``) turns every chapter into
an nbgrader assignment. Here a course is made in a temporary folder and
``nbgrader generate_assignment`` releases every chapter. Then, per chapter,
two submissions are autograded with ``nbgrader autograde``:

- ``reference``: the release with every answer cell filled in from the
  source (the chapter's worked solutions): full points on every test;
- ``wrong``: the release as handed out, with one typical mistake
  (:data:`WRONG`) written into one exercise's answer cell: zero points on
  every test, no crash, every other cell runs and each unsolved checker
  says "not yet solved" (this replaces executing the old home-made student
  edition); the exercise with the mistake scores zero too, and ``nbgrader
  generate_feedback`` shows the checker's specific message for it.

Each submission executes once, and no two for the same purpose: the
unsolved release and the typical mistake are one execution (the mistake
takes the place of one stub, so every other test still grades the release
as handed out, and the stub it replaces is built and graded like the
others), while the worked solutions, which must earn every point, are the
other. The untouched release is executed by ``nbgrader validate`` on one
chapter, the first (the shortest to run). The chapters are graded one test
per chapter so that pytest-xdist (``-n 2``) grades two at a time; the
chapters are released once per run, and each worker grades in its own copy
of the course folder and gradebook.
"""

from __future__ import annotations

import fcntl
import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import make_classroom as mc  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NAMES = [mc.assignment_name(p) for p in CHAPTERS]

#: chapter -> (exercise, the wrong code of its answer, words of the checker's
#: message that name the mistake). One typical mistake per chapter.
WRONG = {
    "ch01": ("ex-ch01-step", """
def my_rnn_step(x, prev_h, Wx, Wh, b):
    return x @ Wx + prev_h @ Wh + b  # the tanh forgotten
""", "the tanh is missing"),
    "ch02": ("ex-ch02-output-probs", """
def output_probs(h, Wq, bq):
    s = h @ Wq + bq
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)  # over time, not classes
""", "softmax runs over the time axis"),
    "ch03": ("ex-ch03-step", """
def my_step_backward(dnext_h, x, prev_h, next_h, Wx, Wh):
    da = dnext_h  # tanh' forgotten
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
""", "missing tanh' factor"),
    "ch04": ("ex-ch04-jacobian", """
def step_jacobian(a, W_hh):
    slope = 1.0 - np.tanh(a) ** 2
    return slope[:, :, None] * W_hh.T[None, :, :]  # W_hh transposed
""", "W_hh is transposed"),
    "ch05": ("ex-ch05-step", """
def lstm_step(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    f, i = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])  # i and f swapped
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    return o * np.tanh(next_c), next_c
""", "input gate and the forget gate are swapped"),
    "ch06": ("ex-ch06-step", """
def gru_step(x, prev_h, Wx, Wh, bx, bh):
    H = prev_h.shape[1]
    ax, ah = x @ Wx + bx, prev_h @ Wh + bh
    r = sigmoid(ax[:, :H] + ah[:, :H])
    z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])
    n = np.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
    return (1 - z) * prev_h + z * n  # z and 1 - z swapped
""", "z and 1 - z are swapped"),
    "ch07": ("ex-ch07-units", """
bpc = rnn_valid_nats  # still in nats
ppl = math.exp(rnn_valid_nats)
""", "which is in nats"),
    "ch08": ("ex-ch08-mask", """
def make_mask(lengths, T):
    return np.arange(T)[None, :] <= np.asarray(lengths)[:, None]
""", "Off by one"),
    "ch09": ("ex-ch09-mase", """
mae_ex = np.mean(np.abs(y_test_ex - forecast_ex))
mase_ex = mae_ex / np.mean(np.abs(np.diff(y_test_ex)))  # test period
""", "naive error of the test period"),
    "ch10": ("ex-ch10-shift", """
dec_in_ex = tgt_ex.copy()  # not shifted
""", "nothing is shifted"),
    "ch11": ("ex-ch11-combine", """
def combine_steps(left, right):
    a, b = left
    a2, b2 = right
    return a * a2, a * b2 + b  # the steps in the wrong order
""", "composed the steps in the wrong order"),
    "ch12": ("ex-ch12-zoh", """
def zoh_step(A, B, dt):
    return np.exp(dt * A), dt * B  # Euler, not the exact hold
""", "only the Euler approximation"),
}

STUDENTS = ("reference", "wrong")


def _nbgrader_cells(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if "nbgrader" in c.metadata}


def _read(path):
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with every chapter released, for this xdist worker.

    ``make_classroom`` releases the chapters once per test run (the first
    worker to ask does it, under a lock, the other waits); each worker then
    grades in its own copy of the course folder and gradebook.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # this run's folder, shared by its workers
    shared = base / "classroom-released"
    with open(base / "classroom-released.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / ".released").exists():
            shutil.rmtree(shared, ignore_errors=True)
            assert mc.main(["--course", str(shared)]) == 0
            (shared / ".released").touch()
    root = tmp_path_factory.mktemp("classroom") / "course"
    shutil.copytree(shared, root)
    return root


# ---------------------------------------------------------------------------
# The source and release notebooks (no execution)
# ---------------------------------------------------------------------------


def test_every_chapter_is_released(course):
    for name in NAMES:
        assert (course / "source" / name / f"{name}.ipynb").exists()
        assert (course / "release" / name / f"{name}.ipynb").exists(), name
    # the gradebook knows every assignment and its points
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", mc.COURSE_ID) as gb:
        assert sorted(a.name for a in gb.assignments) == sorted(NAMES)
        for name in NAMES:
            nb = gb.find_notebook(name, name)
            assert nb.max_score >= 2 * mc.POINTS_AUTO + 4 * mc.POINTS_WRITTEN


@pytest.fixture(scope="module")
def book():
    """Every chapter's labels and the citations, scanned once (lab_edition)."""
    return mc.lab_edition.book_labels()


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_release_is_the_student_edition(course, book, path):
    name = mc.assignment_name(path)
    chapter = _read(path)
    src = _read(course / "source" / name / f"{name}.ipynb")
    rel = _read(course / "release" / name / f"{name}.ipynb")
    text = "\n".join(c.source for c in rel.cells)
    # no solution survives: markup, delimiters, worked code
    assert "{solution" not in text and "BEGIN SOLUTION" not in text
    for cell in src.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code" and mc.BEGIN in cell.source:
            body = cell.source.split(mc.BEGIN)[1].split(mc.END_)[0].strip()
            assert body not in text, f"{meta['grade_id']}: solution code released"
    # nbgrader's header first, then the chapter
    assert "Assignment edition" in rel.cells[0].source
    # every chapter cell outside the exercises is released: code unchanged,
    # Markdown as JupyterLab renders it (the Lab edition's text), with no
    # book markup left that jupyterlab-myst would show as text
    released = {c.source for c in rel.cells}
    ctx = mc.lab_edition.chapter_context(path, book)
    prose = "\n".join(c.source for c in rel.cells if c.cell_type == "markdown")
    for left in ("{glue", "{numref}", "{cite", "{eq}", "{ref}", "{solution"):
        assert left not in prose, f"{name}: {left!r} left in the released text"
    assert "{eval}`glued_text(" in prose
    # glued_text's import, after nbgrader's header and the chapter's title
    assert [c.source.startswith("# JupyterLab edition") for c in rel.cells[:3]] == [
        False, False, True]
    _, exercises = mc.source_notebook(chapter, name)
    in_exercises = {ex.statement for ex in exercises} | {ex.attempt for ex in exercises}
    for cell in chapter.cells:
        if (cell.source in in_exercises or mc.START.match(cell.source)
                or mc.END.match(cell.source) or cell.cell_type == "markdown"
                and (mc.EXERCISE.search(cell.source) or mc.INLINE_SOLUTION.search(cell.source))):
            continue
        if cell.source in {s for ex in exercises for s in ex.code + ex.prose}:
            continue
        shown = (cell.source if cell.cell_type == "code"
                 else mc.lab_edition.convert_markdown(cell.source.strip("\n"), ctx))
        if cell.cell_type == "markdown" and "{glue:math}" in cell.source:
            continue  # split into Markdown and a code cell showing the equation
        assert shown in released, f"{name}: a chapter cell is missing:\n{cell.source[:200]}"
    # the exercises: statements read-only, tests read-only with points
    cells = _nbgrader_cells(rel)
    assert len(exercises) >= 4
    tests = [c for c in cells.values() if c.metadata.nbgrader["grade"]
             and c.cell_type == "code"]
    assert len(tests) >= 2, f"{name}: fewer than 2 auto-graded exercises"
    for c in tests:
        assert c.metadata.nbgrader["locked"] and c.metadata.nbgrader["points"] == mc.POINTS_AUTO
        assert "assert result.passed, str(result)" in c.source
    for ex in exercises:
        assert cells[f"{ex.label}-statement"].metadata.nbgrader["locked"]
        if ex.attempt is not None:  # the attempt survives, the stub follows
            answer = cells[f"{ex.label}-answer"].source
            assert mc.CODE_STUB in answer
            first = ex.attempt.strip().splitlines()[0]
            assert first in answer
        if ex.checker_call:
            assert ex.checker_call in cells[f"{ex.label}-test"].source


def test_checker_call_and_split():
    src = "x = None  # yours\nresult = check_ch01_x(\n    x, D=3\n)\nresult"
    assert mc.checker_call(src) == "check_ch01_x(\n    x, D=3\n)"
    before, call = mc._split_call(src)
    assert before == "x = None  # yours"
    assert call.startswith("result = check_ch01_x(") and call.endswith("result")
    assert mc.checker_call("y = f(x)\nprint(y)") is None
    assert mc.checker_call("def f(:") is None


def test_a_none_placeholder_is_graded_with_the_solution_call():
    ex = mc.Exercise("ex-t", "x", attempt="def f(x):\n    pass\n\ncheck_ch11_f(None)  # replace None",
                     code=["def f(x):\n    return x\n\nresult = check_ch11_f(f)\nassert result.passed"])
    assert ex.checker_call == "check_ch11_f(f)"
    ex.attempt = "f = None\ncheck_ch11_f(f, T=3)"
    assert ex.checker_call == "check_ch11_f(f, T=3)"


def test_source_notebook_marks_an_exercise():
    nb = nbformat.v4.new_notebook()
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb.cells = [
        md("# T"),
        md("```{exercise} E\n:label: ex-t-a\n\nDo it.\n```"),
        code("a = None\ncheck_ch01_a(a)"),
        md("```{solution-start} ex-t-a\n:class: dropdown\n```"),
        md("Because."),
        code("a = 1\nresult = check_ch01_a(a)\nassert result.passed"),
        md("```{solution-end}\n```\n\n## After"),
        md("```{exercise} F\n:label: ex-t-b\n\nWhy?\n```\n\n"
           "```{solution} ex-t-b\n:class: dropdown\n\nThat is why.\n```"),
    ]
    src, exercises = mc.source_notebook(nb, "t")
    assert [ex.label for ex in exercises] == ["ex-t-a", "ex-t-b"]
    kinds = [(c.cell_type, c.metadata.get("nbgrader", {}).get("grade_id")) for c in src.cells]
    assert kinds == [("markdown", None), ("markdown", "ex-t-a-statement"),
                     ("code", "ex-t-a-answer"), ("code", "ex-t-a-test"),
                     ("markdown", "ex-t-a-written"), ("markdown", None),
                     ("markdown", "ex-t-b-statement"), ("markdown", "ex-t-b-written")]
    assert src.cells[2].source == ("a = None\n### BEGIN SOLUTION\na = 1\nresult = "
                                   "check_ch01_a(a)\nassert result.passed\n"
                                   "### END SOLUTION\ncheck_ch01_a(a)")
    assert "result = check_ch01_a(a)\nassert result.passed, str(result)" in src.cells[3].source
    assert src.cells[3].metadata.nbgrader["points"] == mc.POINTS_AUTO
    assert src.cells[4].source == "Because."
    assert src.cells[5].source == "## After"
    assert src.cells[7].source == "That is why."
    assert "{solution" not in src.cells[6].source
    nb.cells = nb.cells[:4]
    with pytest.raises(ValueError, match="without solution-end"):
        mc.source_notebook(nb, "t")


# ---------------------------------------------------------------------------
# Grading: two submissions per chapter, each executed once
# ---------------------------------------------------------------------------


def _submit(course, name, student, cells_from):
    """Write submitted/STUDENT/NAME/NAME.ipynb: the release, answers filled in."""
    rel = _read(course / "release" / name / f"{name}.ipynb")
    for grade_id, cell in _nbgrader_cells(rel).items():
        if cell.metadata.nbgrader["solution"] and grade_id in cells_from:
            cell.source = cells_from[grade_id]
    folder = course / "submitted" / student / name
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(rel, folder / f"{name}.ipynb")


def _grades(course, name, student):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", mc.COURSE_ID) as gb:
        sub = gb.find_submission_notebook(name, name, student)
        return {g.name: (g.score, g.max_score, g.cell_type, g.needs_manual_grade)
                for g in sub.grades}


def _wrong_answer(release_answer, wrong_code):
    """The release's answer cell with the wrong code in place of its stub."""
    assert release_answer.count(mc.CODE_STUB) == 1, release_answer
    return release_answer.replace(mc.CODE_STUB, wrong_code.strip())


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("name", NAMES)
def test_autograde_the_reference_and_a_wrong_answer(course, name):
    src_cells = _nbgrader_cells(_read(course / "source" / name / f"{name}.ipynb"))
    rel_cells = _nbgrader_cells(_read(course / "release" / name / f"{name}.ipynb"))
    reference = {k: c.source for k, c in src_cells.items() if c.metadata.nbgrader["solution"]}
    assert name in WRONG, f"{name}: add one typical wrong answer of this chapter to WRONG"
    label, wrong_code, message = WRONG[name]
    wrong = {f"{label}-answer": _wrong_answer(rel_cells[f"{label}-answer"].source, wrong_code)}
    for student, cells in zip(STUDENTS, (reference, wrong)):
        _submit(course, name, student, cells)
    out = mc.nbgrader(course, "autograde", name, "--create", "--force",
                      "--log-level=ERROR", check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]

    tests = sorted(k for k, c in src_cells.items() if c.metadata.nbgrader["grade"]
                   and c.cell_type == "code")
    assert f"{label}-test" in tests, f"{name}: {label} is not an auto-graded exercise"
    report = {}
    for student in STUDENTS:
        grades = _grades(course, name, student)
        report[student] = {k: grades[k][0] for k in tests}
    # (a) the worked solutions earn every point of every test
    assert all(grades_ == mc.POINTS_AUTO for grades_ in report["reference"].values()), report
    # (b) the release earns nothing, and every cell but the tests runs;
    # (c) the typical mistake earns nothing either, and is named
    assert all(score == 0 for score in report["wrong"].values()), report
    graded = _read(course / "autograded" / "wrong" / name / f"{name}.ipynb")
    unsolved_msgs = 0
    for cell in graded.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            assert errors, f"{meta['grade_id']} passed on the release"
            if meta["grade_id"] == f"{label}-test":
                said = " ".join(errors[0].evalue.split())
                assert " ".join(message.split()) in said, (
                    f"{name}: the test of {label} does not say {message!r}: {said[:500]}")
            continue
        assert not errors, f"{name} (release) raised in a cell:\n{cell.source[:300]}\n{errors[0].ename}: {errors[0].evalue}"
        shown = json.dumps([o.get("data", {}) for o in cell.outputs])
        unsolved_msgs += "not yet solved" in shown.lower()
    assert unsolved_msgs >= len(tests) - 1, f"{name}: {unsolved_msgs} checkers said 'not yet solved'"

    out = mc.nbgrader(course, "generate_feedback", name, "--student=wrong", "--force",
                      "--log-level=ERROR",
                      check=False, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    page = html.unescape(re.sub(r"<[^>]+>", "", (course / "feedback" / "wrong" / name
                                                 / f"{name}.html").read_text()))
    assert message in page, f"{name}: the feedback does not show {message!r}"
    print(f"{name}: reference {sum(report['reference'].values()):g}/{len(tests) * mc.POINTS_AUTO}"
          f"; release with the mistake in {label} {sum(report['wrong'].values()):g}"
          f"/{len(tests) * mc.POINTS_AUTO}, feedback names it")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_validate_the_release(course, tmp_path):
    """What a student sees on Validate: every test fails with the checker's word."""
    name = NAMES[0]  # the shortest chapter to execute
    shutil.copy(course / "release" / name / f"{name}.ipynb", tmp_path / f"{name}.ipynb")
    out = mc.nbgrader(course, "validate", str(tmp_path / f"{name}.ipynb"),
                      check=False, capture_output=True, text=True)
    graded = [c for c in _read(tmp_path / f"{name}.ipynb").cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    n_tests = sum(c.cell_type == "code" for c in graded)
    n_written = sum(c.cell_type == "markdown" for c in graded)
    # every test fails with the checker's "not yet solved", and every
    # written answer is reported as missing
    assert f"VALIDATION FAILED ON {n_tests + n_written} CELL(S)" in out.stdout, out.stdout[-3000:]
    assert out.stdout.count("Not yet solved.") >= n_tests
    assert out.stdout.count("You did not provide a response.") == n_written
