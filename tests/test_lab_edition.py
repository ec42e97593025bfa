"""Tests of scripts/lab_edition.py: the chapters as MyST for jupyterlab-myst."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import lab_edition as le  # noqa: E402

BIB = """
@article{solo1990,
  author = {Elman, Jeffrey L.},
  title = {Finding structure in time},
  year = {1990},
}
@inproceedings{duo2014,
  author = {Cho, Kyunghyun and Bengio, Yoshua},
  title = {Two},
  year = {2014},
}
@article{trio1986,
  author = {Rumelhart, David E. and Hinton, Geoffrey E. and Williams, Ronald J.},
  title = {Three},
  year = {1986},
}
@article{accent2001,
  author = {M{\\"u}ller, Klaus},
  title = {Umlaut},
  year = {2001},
}
"""


def _md(text):
    return nbformat.v4.new_markdown_cell(text)


def _figure_cell(name, caption):
    cell = nbformat.v4.new_code_cell("plot()")
    cell.metadata = {"mystnb": {"figure": {"caption": caption, "name": name}},
                     "tags": ["hide-input"]}
    return cell


def _chapter():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        _md("# Chapter title"),
        _md("(sec-x-first)=\n## First section\n\nThe state\n\n$$\nh_t = f(h_{t-1})\n$$ (eq-x-state)\n\n"
            "and an unnumbered one\n\n$$\ny = 2\n$$\n\nInline $$a$$ stays."),
        nbformat.v4.new_code_cell('glue("ch_x_v", 0.25)'),
        _figure_cell("fig-x-one", "A plot of {glue:text}`ch_x_v:.2f`."),
        _md("Value {glue:text}`ch_x_v:.3f` and {glue:text}`ch_x_v`, see {eq}`eq-x-state`, "
            "{numref}`fig-x-one`, {numref}`Figure %s <fig-x-two>`, {ref}`sec-x-first`, "
            "{ref}`ex-x-a`, {numref}`ex-x-b`, {ref}`the text <sec-x-first>`, "
            "{doc}`notation page <../book/notation>`, {cite:t}`solo1990`, "
            "{cite:p}`duo2014,trio1986`, {cite:t}`accent2001`.\n\n"
            "```python\nx = '{glue:text}`not_a_role`'\n$$ not math $$ (eq-not)\n```"),
        _figure_cell("fig-x-two", "Second."),
        _md("$$\nz = 1\n$$ (eq-x-second)\n\n```{glue:math} ch_x_eq\n:label: eq-x-glued\n```\n\nafter"),
        nbformat.v4.new_code_cell('glue("ch_x_eq", Math("x"))'),
        _md("```{exercise} First\n:label: ex-x-a\n\nDo it, using\n\n$$\nq = 1\n$$ (eq-x-inside)\n```"),
        _md("```{solution-start} ex-x-a\n:class: dropdown\n```"),
        _md("Worked: {glue:text}`ch_x_v:.1f`."),
        nbformat.v4.new_code_cell("answer = 1"),
        _md("```{solution-end}\n```"),
        _md("```{exercise} Second\n:label: ex-x-b\n\nMore.\n```\n\n"
            "````{solution} ex-x-b\n:class: dropdown\n\nAnswer.\n````"),
    ]
    return nb


@pytest.fixture
def converted(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB)
    nb = _chapter()
    labels = le.Labels()
    le.scan_chapter(nb, "chapters/07_x", 7, labels)
    lab, problems = le.convert_notebook(nb, labels, le.load_citations(bib), 7)
    return nb, labels, lab, problems


def _markdown(lab):
    return "\n\n".join(c.source for c in lab.cells if c.cell_type == "markdown")


def test_chapter_numbers_follow_the_numbered_parts_of_the_toc():
    numbers = le.chapter_numbers()
    assert numbers["chapters/01_sequences"] == 1
    assert numbers["chapters/05_lstm"] == 5
    assert "book/setup" not in numbers and "book/intro" not in numbers
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))


def test_labels_are_numbered_as_sphinx_numbers_them(converted):
    _, labels, _, _ = converted
    # labelled equations in document order, the glued one and the one in an
    # exercise included; unlabelled ones are not numbered
    assert labels.equations == {"eq-x-state": "7.1", "eq-x-second": "7.2",
                                "eq-x-glued": "7.3", "eq-x-inside": "7.4"}
    assert labels.figures == {"fig-x-one": "7.1", "fig-x-two": "7.2"}
    assert labels.exercises == {"ex-x-a": ("7.1", "First"), "ex-x-b": ("7.2", "Second")}
    assert labels.sections == {"sec-x-first": "First section"}


def test_references_and_citations_become_the_books_text(converted):
    _, _, lab, problems = converted
    text = _markdown(lab)
    assert problems == []
    for expected in [
        "see (7.1), Fig. 7.1, Figure 7.2, First section, Exercise 7.1 (First), "
        "Exercise 7.2, the text, notation page, Elman [1990], "
        "[Cho and Bengio, 2014, Rumelhart et al., 1986], Müller [2001].",
    ]:
        assert expected in text
    assert not re.search(r"\{(numref|eq|ref|doc|cite:t|cite:p)\}`", text.replace(
        "'{glue:text}`not_a_role`'", ""))


def test_glue_roles_become_inline_expressions(converted):
    _, _, lab, _ = converted
    text = _markdown(lab)
    assert 'Value {eval}`glued_text("ch_x_v", ".3f")` and {eval}`glued_text("ch_x_v", "")`' in text
    assert 'Worked: {eval}`glued_text("ch_x_v", ".1f")`.' in text
    # a code block is left alone
    assert "x = '{glue:text}`not_a_role`'\n$$ not math $$ (eq-not)" in text
    assert lab.cells[1].cell_type == "code" and "import" in lab.cells[1].source
    assert all(name in lab.cells[1].source for name in ("glued_text", "glued_markdown", "glued_math"))


def test_display_math_carries_its_number_or_none(converted):
    _, _, lab, _ = converted
    text = _markdown(lab)
    assert ":::{math}\n:label: eq-x-state\n:enumerator: 7.1\nh_t = f(h_{t-1})\n:::" in text
    assert ":::{math}\n:nonumber:\ny = 2\n:::" in text
    assert "Inline $$a$$ stays." in text
    assert ":::{math}\n:label: eq-x-inside\n:enumerator: 7.4\nq = 1\n:::" in text


def test_figures_get_their_caption_and_hide_input_folds(converted):
    _, _, lab, _ = converted
    cells = lab.cells
    i = next(k for k, c in enumerate(cells) if c.metadata.get("mystnb", {}).get("figure", {}).get("name") == "fig-x-one")
    assert cells[i].metadata["jupyter"]["source_hidden"] is True
    assert cells[i + 1].source == '**Fig. 7.1** A plot of {eval}`glued_text("ch_x_v", ".2f")`.'


def test_glued_math_is_a_code_cell_after_the_glue(converted):
    _, _, lab, _ = converted
    sources = [c.source for c in lab.cells]
    glue_at = sources.index('glue("ch_x_eq", Math("x"))')
    assert sources[glue_at + 1] == 'glued_math("ch_x_eq", "7.3")'
    assert lab.cells[glue_at + 1].cell_type == "code"
    assert "after" in sources[glue_at - 1] and "{glue:math}" not in "".join(sources)


def test_exercises_are_numbered_and_solutions_folded(converted):
    _, _, lab, _ = converted
    text = _markdown(lab)
    assert "```{exercise} First\n:enumerator: 7.1\n:label: ex-x-a" in text
    assert "```{exercise} Second\n:enumerator: 7.2\n:label: ex-x-b" in text
    assert "solution-start" not in text and "solution-end" not in text
    start = next(k for k, c in enumerate(lab.cells) if c.source.startswith("````{solution} ex-x-a"))
    # the solution's Markdown goes into the dropdown (JupyterLab cannot fold
    # a rendered Markdown cell), its code cells follow, collapsed
    assert lab.cells[start].source == (
        '````{solution} ex-x-a\n:class: dropdown\n\nWorked: {eval}`glued_text("ch_x_v", ".1f")`.'
        "\n\n*The code of this solution is in the collapsed cell below: unfold it with "
        "the bar on the left.*\n````")
    code = lab.cells[start + 1]
    assert code.source == "# Solution to Exercise 7.1 (collapsed; unfold to read)\nanswer = 1"
    assert code.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
    assert code.metadata["collapsed"] is True
    assert lab.cells[start + 2].source.startswith("```{exercise} Second")
    assert "````{solution} ex-x-b\n:class: dropdown" in text


def test_the_source_is_not_changed(converted):
    nb, _, lab, _ = converted
    assert nb.cells[4].source.startswith("Value {glue:text}")
    assert len({c.id for c in lab.cells}) == len(lab.cells)
    nbformat.validate(lab)


def test_unknown_labels_are_reported_and_shown_readably(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [_md("See {numref}`fig-missing` and {eq}`eq-missing`.")]
    lab, problems = le.convert_notebook(nb, le.Labels(), {}, 3)
    assert len(problems) == 2
    assert "See fig-missing and eq-missing." in _markdown(lab)


def test_every_chapter_converts_without_leftover_book_markup(tmp_path):
    written = le.write_edition(tmp_path)
    assert [p.name for p in written] == [p.name for p in le.chapter_paths()]
    settings = json.loads((tmp_path / le.SETTINGS_DIR / "overrides.json").read_text())
    assert settings["@jupyterlab/notebook-extension:tracker"]["windowingMode"] == "none"
    for path in written:
        source = nbformat.read(ROOT / "chapters" / path.name, as_version=4)
        lab = nbformat.read(path, as_version=4)
        roles = sum(len(re.findall(r"\{glue:(?:text|md)\}`", c.source))
                    for c in source.cells if c.cell_type == "markdown")
        roles += sum(len(re.findall(r"\{glue:text\}`", c.metadata.get("mystnb", {}).get("figure", {}).get("caption", "")))
                     for c in source.cells if c.cell_type == "code")
        prose = []
        for cell in lab.cells:
            if cell.cell_type == "markdown":
                prose += [p for is_code, p in le._outside_code(cell.source) if not is_code]
        text = "\n".join(prose)
        assert text.count("{eval}`") == roles, path.name
        for left in ("{glue:", "{cite:", "{numref}", "{eq}", "{ref}", "{doc}",
                     "solution-start", "solution-end"):
            assert left not in text, (path.name, left)
        assert not re.search(r"(?m)^[ \t]*\$\$", text), path.name  # display math is {math}
        n_ex = len(re.findall(r"\{exercise\}", text))
        assert n_ex >= 4 and len(re.findall(r"\{exercise\}.*\n:enumerator: \d+\.\d+", text)) == n_ex


def test_a_students_copy_is_kept_unless_forced(tmp_path):
    chapter = le.chapter_paths()[0]
    mine = tmp_path / chapter.name
    mine.write_text("my work")
    assert le.main(["--out", str(tmp_path), str(chapter)]) == 0
    assert mine.read_text() == "my work"
    assert le.main(["--out", str(tmp_path), "--force", str(chapter)]) == 0
    assert nbformat.read(mine, as_version=4).cells[1].source == le.IMPORT_CELL
