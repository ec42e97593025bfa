"""The JupyterLab edition of the chapters: MyST that jupyterlab-myst renders.

Usage::

    .venv/bin/python scripts/lab_edition.py --out lab [chapters/NN_x.ipynb ...]

The chapters are written for the book (Sphinx, myst-nb, sphinx-exercise,
sphinxcontrib-bibtex). JupyterLab with the ``jupyterlab-myst`` extension
renders math, admonitions, exercises and dropdown solutions, and evaluates
inline ``{eval}`` expressions when a Markdown cell runs; it knows nothing of
the book's glue, citations or cross-references. This script writes a copy
of every chapter (default: all of ``_toc.yml``) in which

- ``{glue:text}`key:fmt``` becomes ``{eval}`glued_text("key", "fmt")```,
  which reads the value the notebook glued (``rnn_helpers.notebook.GLUED``)
  and formats it the way myst-nb does, so the text is the book's;
  ``{glue:md}`` becomes ``{eval}`glued_markdown("key")``` and a
  ``{glue:math}`` directive a code cell showing the equation with its number;
- ``{numref}``, ``{eq}``, ``{ref}`` and ``{doc}`` become the text the book
  shows ("Fig. 4.1", "(4.2)", "Exercise 4.1", a section's title), numbered
  the way Sphinx numbers them (chapter number from ``_toc.yml``, then the
  figures, labelled equations and exercises of the chapter in order);
- ``{cite:t}``/``{cite:p}`` become author-year text from
  ``book/references.bib``, as sphinxcontrib-bibtex's ``author_year`` style
  writes it ("Hopfield [1982]", "[Elman, 1990]");
- display equations become ``{math}`` directives carrying the book's number
  (``:enumerator:``) or none, exercises carry theirs, and each figure gets
  its caption ("**Fig. 1.2** ...") in a Markdown cell below it;
- a solution that spans cells (``solution-start`` ... ``solution-end``)
  becomes a folded dropdown whose cells are collapsed (JupyterLab's
  ``jupyter.source_hidden``/``outputs_hidden``), and ``hide-input`` cells
  are collapsed too.

Students open and edit these copies (``make lab`` writes them into ``lab/``,
which git ignores, and keeps a copy that is already there; ``--force``
rewrites it); the chapters in ``chapters/`` stay the source.

One file, though over 400 lines: the numbering pass and the rewriting pass
read the same Markdown with the same fence splitter and label tables, and
``scripts/make_classroom.py`` can import it as one module.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
TOC = ROOT / "_toc.yml"
BIB = ROOT / "book" / "references.bib"

#: The first cell of every Lab edition: the names the inline expressions use.
IMPORT_CELL = (
    "# JupyterLab edition (scripts/lab_edition.py): the numbers in the text\n"
    "# are inline expressions that read what this notebook glues.\n"
    "from rnn_helpers.notebook import glued_markdown, glued_math, glued_text"
)
NOTE_CELL = (
    "```{note}\n"
    "This is the JupyterLab edition of the chapter. Run all cells "
    "(**Run → Run All Cells**) to fill in the numbers the text quotes. "
    "A paragraph that quotes a result computed further down shows "
    "*{not_yet}* until you run it once more (select it, Shift+Enter). "
    "Exercise solutions are folded: open one with its arrow, and unfold "
    "its code with the bar on the left of the collapsed cells.\n"
    "```"
)

_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,}|:{3,})(.*)$")
_ROLE = re.compile(r"\{(glue:text|glue:md|cite:t|cite:p|eq|numref|ref|doc)\}`([^`]*)`")
_DMATH = re.compile(
    r"(?m)^(?P<indent>[ \t]*)\$\$(?P<body>(?:(?!\$\$).)*?)\$\$[ \t]*"
    r"(?:\((?P<label>[^)\s]+)\))?[ \t]*$",
    re.S,
)
_LABEL_OPT = re.compile(r"^[ \t]*:label:[ \t]*(\S+)")
_TARGET = re.compile(r"(?m)^\((?P<label>[^)\s]+)\)=[ \t]*\n+#+[ \t]+(?P<title>.+)$")
_TITLE = re.compile(r"(?m)^#[ \t]+(.+)$")


# ------------------------------------------------------------ numbering ---


def chapter_numbers(toc_path: Path = TOC) -> Dict[str, int]:
    """Chapter number of every document of the numbered parts of ``_toc.yml``.

    Returns:
    - numbers: dict from a document path without suffix
      (``"chapters/04_gradients"``) to its chapter number, counted through
      the numbered parts in order, as ``use_multitoc_numbering`` does
    """
    toc = yaml.safe_load(toc_path.read_text())
    numbers: Dict[str, int] = {}
    n = 0
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for chapter in part.get("chapters", []):
            n += 1
            numbers[chapter["file"]] = n
    return numbers


@dataclass
class Labels:
    """What the book shows for each label of the chapters."""

    equations: Dict[str, str] = field(default_factory=dict)  # label -> "4.2"
    figures: Dict[str, str] = field(default_factory=dict)  # label -> "4.1"
    exercises: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # (n, title)
    sections: Dict[str, str] = field(default_factory=dict)  # label -> title
    titles: Dict[str, str] = field(default_factory=dict)  # doc -> title


def _outside_code(text: str) -> List[Tuple[bool, str]]:
    """Split Markdown into (is_code, text) pieces; code = a literal fence."""
    pieces: List[Tuple[bool, str]] = []
    buf: List[str] = []
    closing: Optional[str] = None
    directives: List[str] = []  # the fences of the open directives
    for line in text.splitlines(keepends=True):
        m = _FENCE.match(line.rstrip("\n"))
        if closing is None and m:
            fence, info = m.group(2), m.group(3).strip()
            if info.startswith("{"):
                directives.append(fence)
            elif not info and directives and fence[0] == directives[-1][0] \
                    and len(fence) >= len(directives[-1]):
                directives.pop()
            elif fence[0] != ":":
                pieces.append((False, "".join(buf)))
                buf = [line]
                closing = fence
                continue
        buf.append(line)
        if closing is not None and m and m.group(2).startswith(closing) and not m.group(3).strip():
            pieces.append((True, "".join(buf)))
            buf = []
            closing = None
    pieces.append((closing is not None, "".join(buf)))
    return [p for p in pieces if p[1]]


def _directive_label(text: str, start: int) -> Optional[str]:
    """The ``:label:`` option of the directive whose first line ends at start."""
    for line in text[start:].splitlines()[1:]:
        if not line.strip().startswith(":"):
            return None
        m = _LABEL_OPT.match(line)
        if m:
            return m.group(1)
    return None


def _directive_title(line: str) -> str:
    return line.split("}", 1)[1].strip() if "}" in line else ""


def scan_chapter(nb, doc: str, number: int, labels: Labels) -> None:
    """Number the figures, labelled equations and exercises of one chapter."""
    fig = eq = ex = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            if figure.get("name"):
                fig += 1
                labels.figures[figure["name"]] = f"{number}.{fig}"
            continue
        if cell.cell_type != "markdown":
            continue
        source = cell.source
        if doc not in labels.titles:
            m = _TITLE.search(source)
            if m:
                labels.titles[doc] = m.group(1).strip()
        for m in _TARGET.finditer(source):
            labels.sections[m.group("label")] = m.group("title").strip()
        for is_code, text in _outside_code(source):
            if is_code:
                continue
            events = []
            for m in _DMATH.finditer(text):
                if m.group("label"):
                    events.append((m.start(), "eq", m.group("label"), ""))
            for m in re.finditer(r"(?m)^[ \t]*(`{3,}|:{3,})\{(exercise|glue:math|math)\}(.*)$", text):
                label = _directive_label(text, m.end())
                kind = {"exercise": "ex"}.get(m.group(2), "eq")
                if kind == "eq" and not label:
                    continue
                events.append((m.start(), kind, label, _directive_title(m.group(0))))
            for _, kind, label, title in sorted(events, key=lambda e: e[0]):
                if kind == "eq":
                    eq += 1
                    labels.equations[label] = f"{number}.{eq}"
                else:
                    ex += 1
                    if label:
                        labels.exercises[label] = (f"{number}.{ex}", title)


def scan_chapters(paths: Iterable[Path], numbers: Dict[str, int]) -> Labels:
    labels = Labels()
    for path in paths:
        doc = _doc(path)
        if doc in numbers:
            scan_chapter(nbformat.read(path, as_version=4), doc, numbers[doc], labels)
    return labels


def _doc(path: Path) -> str:
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT).with_suffix(""))
    except ValueError:
        return f"chapters/{path.stem}"


# ------------------------------------------------------------ citations ---


def _course_site():
    spec = importlib.util.spec_from_file_location(
        "course_site_for_lab", ROOT / "book" / "_ext" / "course_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_citations(bib_path: Path = BIB) -> Dict[str, Tuple[str, str]]:
    """(authors, year) of every entry, as sphinxcontrib-bibtex's ``author_year`` cites it.

    The names are those of the website's labels (``book/_ext/course_site.py``,
    one home): the last names of one or two authors ("Cho and Bengio"), the
    first author's with "et al." for three or more.
    """
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    try:
        style = find_plugin("pybtex.style.labels", "course_author_year")
    except Exception:  # not registered in this process yet
        _course_site()._register_author_year_labels()
        style = find_plugin("pybtex.style.labels", "course_author_year")
    out = {}
    for key, entry in parse_file(str(bib_path)).entries.items():
        names, _, year = style._label(entry).rpartition(", ")  # "Smith et al., 2001"
        out[key] = (names, year)
    return out


def cite_text(role: str, keys: str, cites: Dict[str, Tuple[str, str]]) -> str:
    """``{cite:t}`` -> "Elman [1990]", ``{cite:p}`` -> "[Elman, 1990; ...]"."""
    found = []
    for key in (k.strip() for k in keys.split(",")):
        if key not in cites:
            raise KeyError(f"citation {key!r} is not in book/references.bib")
        found.append(cites[key])
    if role == "cite:t":
        return ", ".join(f"{names} [{year}]" for names, year in found)
    return "[" + ", ".join(f"{names}, {year}" for names, year in found) + "]"


# ------------------------------------------------------------ transform ---


@dataclass
class Context:
    labels: Labels
    cites: Dict[str, Tuple[str, str]]
    number: int
    problems: List[str] = field(default_factory=list)


def _target(content: str) -> Tuple[Optional[str], str]:
    """``"text <label>"`` -> ("text", "label"); ``"label"`` -> (None, "label")."""
    m = re.fullmatch(r"\s*(.*?)\s*<([^>]+)>\s*", content, re.S)
    return (m.group(1), m.group(2)) if m else (None, content.strip())


def _role(name: str, content: str, ctx: Context) -> str:
    labels = ctx.labels
    if name == "glue:text":
        parts = content.rsplit(":", 1)
        key, fmt = (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")
        return f'{{eval}}`glued_text("{key.strip()}", "{fmt}")`'
    if name == "glue:md":
        key = content.split(":", 1)[0].strip()
        return f'{{eval}}`glued_markdown("{key}")`'
    if name in ("cite:t", "cite:p"):
        return cite_text(name, content, ctx.cites)
    text, label = _target(content)
    if name == "eq":
        if label in labels.equations:
            return f"({labels.equations[label]})"
    elif name == "numref":
        if label in labels.figures:
            n, kind = labels.figures[label], "Fig."
        elif label in labels.exercises:
            n, kind = labels.exercises[label][0], "Exercise"
        elif label in labels.equations:
            n, kind = labels.equations[label], "Equation"
        else:
            n = None
        if n is not None:
            if text:
                return text.replace("%s", n).replace("{number}", n)
            return f"{kind} {n}"
    elif name == "ref":
        if text:
            return text
        if label in labels.sections:
            return labels.sections[label]
        if label in labels.exercises:
            n, title = labels.exercises[label]
            return f"Exercise {n} ({title})" if title else f"Exercise {n}"
        if label in labels.figures:
            return f"Fig. {labels.figures[label]}"
    elif name == "doc":
        if text:
            return text
        doc = label.lstrip("./").replace("../", "")
        return labels.titles.get(doc, Path(label).name)
    ctx.problems.append(f"{{{name}}}`{content}`: label not found")
    return text or label


def convert_text(text: str, ctx: Context) -> str:
    """The roles of one piece of Markdown (prose, a caption) for JupyterLab."""
    pieces = []
    for is_code, piece in _outside_code(text):
        if not is_code:
            piece = _ROLE.sub(lambda m: _role(m.group(1), m.group(2), ctx), piece)
        pieces.append(piece)
    return "".join(pieces)


def _math_directive(m: re.Match, ctx: Context) -> str:
    indent, body, label = m.group("indent"), m.group("body").strip("\n"), m.group("label")
    lines = [":::{math}"]
    if label:
        lines += [f":label: {label}"]
        number = ctx.labels.equations.get(label)
        if number:
            lines += [f":enumerator: {number}"]
    else:
        lines += [":nonumber:"]
    body_lines = [b[len(indent):] if b.startswith(indent) else b for b in body.strip().splitlines()]
    lines += body_lines + [":::"]
    return "\n".join(indent + line if line else line for line in lines)


def _exercise_numbers(text: str, ctx: Context) -> str:
    def add(m: re.Match) -> str:
        label = _directive_label(text, m.end())
        number = ctx.labels.exercises.get(label, (None, ""))[0] if label else None
        if number is None:
            return m.group(0)
        return f"{m.group(0)}\n{m.group(1)}:enumerator: {number}"

    return re.sub(r"(?m)^([ \t]*)(?:`{3,}|:{3,})\{exercise\}.*$", add, text)


def convert_markdown(source: str, ctx: Context) -> str:
    """A Markdown cell of the book as Markdown for jupyterlab-myst."""
    pieces = []
    for is_code, piece in _outside_code(source):
        if not is_code:
            piece = _exercise_numbers(piece, ctx)
            piece = _DMATH.sub(lambda m: _math_directive(m, ctx), piece)
            piece = _ROLE.sub(lambda m: _role(m.group(1), m.group(2), ctx), piece)
        pieces.append(piece)
    return "".join(pieces)


_GLUE_MATH = re.compile(
    r"(?m)^[ \t]*(?P<fence>`{3,}|:{3,})\{glue:math\}[ \t]*(?P<key>\S+)[ \t]*\n"
    r"(?P<opts>(?:[ \t]*:[^\n]*\n)*)[ \t]*(?P=fence)[ \t]*$")


def _split_glue_math(source: str, ctx: Context) -> List[Tuple[str, str]]:
    """A Markdown cell as [(cell_type, source)]: each ``{glue:math}`` a code cell."""
    out, pos = [], 0
    for m in _GLUE_MATH.finditer(source):
        label = _LABEL_OPT.search(m.group("opts") or "")
        number = ctx.labels.equations.get(label.group(1)) if label else None
        out.append(("markdown", source[pos:m.start()]))
        arg = f', "{number}"' if number else ""
        out.append(("code", f'glued_math("{m.group("key")}"{arg})'))
        pos = m.end()
    out.append(("markdown", source[pos:]))
    return [(kind, text.strip("\n")) for kind, text in out if text.strip()]


def _after_their_glue(cells: list) -> list:
    """Move each ``glued_math`` cell below the cell that glues its equation.

    The book pastes a glued equation wherever the directive stands, even
    above the code that computes it; a code cell in JupyterLab shows it only
    if it runs after that code.
    """
    for cell in [c for c in cells if c.cell_type == "code"
                 and c.source.startswith("glued_math(")]:
        key = re.match(r'glued_math\("([^"]+)"', cell.source).group(1)
        here = cells.index(cell)
        glue = re.compile(r"glue\(\s*[\"']" + re.escape(key) + r"[\"']")
        later = [i for i, c in enumerate(cells) if i > here
                 and c.cell_type == "code" and glue.search(c.source)]
        earlier = [i for i, c in enumerate(cells) if i < here
                   and c.cell_type == "code" and glue.search(c.source)]
        if later and not earlier:
            cells.insert(later[0], cells.pop(here))  # lands just after it
    return cells


def _finish_solution(cell, label: str, markdown: List[str], code: list) -> None:
    """The dropdown of a solution that spans cells: its Markdown, and a
    pointer to its code cells (collapsed below it, in their order)."""
    body = "\n\n".join(m for m in markdown if m.strip())
    if code:
        where = ("the collapsed cell below: unfold it" if len(code) == 1 else
                 f"the {len(code)} collapsed cells below: unfold them")
        body += ("\n\n" if body else "") + (
            f"*The code of this solution is in {where} with the bar on the left.*")
    runs = [len(r) for r in re.findall(r"`{3,}", body)]
    fence = "`" * max([4] + [r + 1 for r in runs])
    cell.source = f"{fence}{{solution}} {label}\n:class: dropdown\n\n{body}\n{fence}"


def _exercise_number(label: str, ctx: Context) -> str:
    return ctx.labels.exercises.get(label, (label, ""))[0]


def _hide(cell, outputs: bool = False) -> None:
    jupyter = cell.metadata.setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    if outputs and cell.cell_type == "code":
        jupyter["outputs_hidden"] = True
        cell.metadata["collapsed"] = True  # the older name JupyterLab also reads


def convert_notebook(nb, labels: Labels, cites, number: int):
    """
    The JupyterLab edition of one chapter notebook.

    Inputs:
    - nb: the chapter, an ``nbformat`` v4 notebook (not changed)
    - labels: :class:`Labels` of every chapter (cross-chapter references)
    - cites: :func:`load_citations`
    - number: the chapter's number

    Returns:
    - (lab_nb, problems): the new notebook, and a list of references that
      were not found (shown as their label)
    """
    from rnn_helpers.notebook import NOT_YET

    ctx = Context(labels, cites, number)
    out = copy.deepcopy(nb)
    cells = []
    solution = None  # (the dropdown cell, its label, its Markdown, its code cells)
    for cell in out.cells:
        if cell.cell_type == "markdown":
            src = cell.source
            start = re.match(r"\s*(`{3,}|:{3,})\{solution-start\}[ \t]*(\S+)", src)
            if start:
                solution = (nbformat.v4.new_markdown_cell(""), start.group(2), [], [])
                cells.append(solution[0])
                continue
            if re.match(r"\s*(`{3,}|:{3,})\{solution-end\}", src):
                if solution is not None:
                    _finish_solution(*solution)
                solution = None
                continue
            for kind, text in _split_glue_math(src, ctx):
                if kind == "code":
                    new = nbformat.v4.new_code_cell(text)
                    _hide(new)
                elif solution is not None:  # into the dropdown: JupyterLab
                    solution[2].append(convert_markdown(text, ctx))  # cannot fold
                    continue  # a Markdown cell
                else:
                    new = nbformat.v4.new_markdown_cell(convert_markdown(text, ctx))
                    new.metadata = copy.deepcopy(cell.metadata)
                if solution is not None:
                    _hide(new, outputs=True)
                    solution[3].append(new)
                cells.append(new)
            continue
        if cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            if "hide-input" in tags:
                _hide(cell)
            if solution is not None:
                _hide(cell, outputs=True)
                # a collapsed cell shows its first line: let it give nothing away
                cell.source = (f"# Solution to Exercise {_exercise_number(solution[1], ctx)}"
                               " (collapsed; unfold to read)\n" + cell.source)
                solution[3].append(cell)
            cells.append(cell)
            figure = cell.metadata.get("mystnb", {}).get("figure", {})
            if figure.get("caption"):
                n = labels.figures.get(figure.get("name", ""))
                caption = convert_text(figure["caption"], ctx)
                head = f"**Fig. {n}**" if n else "**Figure**"
                cells.append(nbformat.v4.new_markdown_cell(f"{head} {caption}"))
            continue
        cells.append(cell)
    if solution is not None:  # no solution-end: the dropdown still closes
        _finish_solution(*solution)
    cells = _after_their_glue(cells)
    head = [nbformat.v4.new_code_cell(IMPORT_CELL)]
    head.append(nbformat.v4.new_markdown_cell(NOTE_CELL.replace("{not_yet}", NOT_YET)))
    # after the title cell, so the notebook still opens with its title
    first = 1 if cells and cells[0].cell_type == "markdown" else 0
    out.cells = cells[:first] + head + cells[first:]
    seen = set()
    for c in out.cells:  # unique cell ids (a split cell's parts are new cells)
        if c.get("id") in seen or "id" not in c:
            c["id"] = nbformat.v4.new_markdown_cell().id
        seen.add(c["id"])
    return out, ctx.problems


def book_labels():
    """``(numbers, labels, cites)`` of the whole book: the chapter numbers of
    ``_toc.yml``, one scan of every chapter's labels, the citations. Scan once
    and pass it to :func:`chapter_context` for each chapter."""
    numbers = chapter_numbers()
    return numbers, scan_chapters(chapter_paths(), numbers), load_citations()


def chapter_context(path: Path, book=None) -> Context:
    """The :class:`Context` of one chapter: every chapter's labels (so that a
    reference to another chapter is numbered), the citations, its number.
    ``book`` is :func:`book_labels` (scanned here if not given)."""
    numbers, labels, cites = book or book_labels()
    return Context(labels, cites, numbers.get(_doc(Path(path).resolve()), 0))


def convert_prose(nb, ctx: Context):
    """
    Only the Markdown of a notebook for jupyterlab-myst; its code is unchanged.

    ``scripts/make_classroom.py`` uses it on an nbgrader source, whose
    exercises nbgrader itself turns into answer cells (no folding here):
    every Markdown cell goes through :func:`convert_markdown` and keeps its
    metadata (nbgrader's), a ``{glue:math}`` directive becomes a collapsed
    code cell, and the import cell of the inline expressions follows the
    title. Returns a new notebook.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        for n, (kind, text) in enumerate(_split_glue_math(cell.source, ctx)):
            if kind == "code":
                new = nbformat.v4.new_code_cell(text)
                _hide(new)
            elif n == 0:
                new, new.source = cell, convert_markdown(text, ctx)
            else:
                new = nbformat.v4.new_markdown_cell(convert_markdown(text, ctx))
            cells.append(new)
    cells = _after_their_glue(cells)
    first = 1 if cells and cells[0].cell_type == "markdown" else 0
    out.cells = cells[:first] + [nbformat.v4.new_code_cell(IMPORT_CELL)] + cells[first:]
    return out


#: JupyterLab settings the edition needs: every cell rendered when the
#: notebook opens (no windowing), so that jupyterlab-myst knows the inline
#: expressions of every Markdown cell before "Run All" reaches it (with
#: windowing, cells below the screen are parsed too late and keep showing
#: their code until they are run a second time).
LAB_OVERRIDES = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}
SETTINGS_DIR = ".jupyterlab-settings"


def write_settings(out_dir: Path) -> Path:
    """Write ``overrides.json`` for ``jupyter lab --LabApp.app_settings_dir``.

    The environment's own overrides (``{sys.prefix}/share/jupyter/lab/
    settings/overrides.json``) are kept, :data:`LAB_OVERRIDES` added.
    Returns the settings folder.
    """
    import json

    base = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides = json.loads(base.read_text()) if base.exists() else {}
    for plugin, values in LAB_OVERRIDES.items():
        overrides.setdefault(plugin, {}).update(values)
    folder = Path(out_dir) / SETTINGS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "overrides.json").write_text(json.dumps(overrides, indent=2) + "\n")
    return folder


def chapter_paths(toc_path: Path = TOC) -> List[Path]:
    return [ROOT / f"{doc}.ipynb" for doc in chapter_numbers(toc_path)
            if (ROOT / f"{doc}.ipynb").exists()]


def write_edition(out_dir: Path, paths: Optional[List[Path]] = None,
                  overwrite: bool = True, settings: bool = True) -> List[Path]:
    """Write the Lab edition of the given chapters (default: all) into out_dir.

    Labels are collected over every chapter of ``_toc.yml``, so a reference
    to another chapter is numbered too. With ``overwrite=False`` a notebook
    that is already there (a student's working copy) is kept. With
    ``settings`` the JupyterLab settings folder (:func:`write_settings`) is
    written beside them. Returns the written paths.
    """
    numbers, labels, cites = book_labels()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths or chapter_paths():
        path = Path(path).resolve()
        target = out_dir / path.name
        if target.exists() and not overwrite:
            print(f"kept {target.name} (yours; delete it for a fresh copy)")
            continue
        nb = nbformat.read(path, as_version=4)
        number = numbers.get(_doc(path), 0)
        lab, problems = convert_notebook(nb, labels, cites, number)
        for problem in problems:
            print(f"{path.name}: {problem}", file=sys.stderr)
        nbformat.write(lab, target)
        written.append(target)
    if settings:
        write_settings(out_dir)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="lab", help="folder to write (default: lab)")
    parser.add_argument("--force", action="store_true",
                        help="overwrite notebooks already in the folder (students' copies)")
    parser.add_argument("chapters", nargs="*", help="chapter notebooks (default: all)")
    args = parser.parse_args(argv)
    written = write_edition(ROOT / args.out if not Path(args.out).is_absolute()
                            else Path(args.out), [Path(c) for c in args.chapters] or None,
                            overwrite=args.force)
    print(f"JupyterLab edition: {len(written)} notebook(s) in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
