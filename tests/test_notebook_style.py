"""The chapters' code cells fit the book's text column and are ruff-formatted.

The website's column shows about 78 characters of code; a longer line
scrolls sideways. ``ruff format chapters/`` (configured in pyproject.toml)
wraps code; comments and strings it leaves long are wrapped by hand.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
LIMIT = 78


def code_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            source = cell["source"]
            yield index, cell, "".join(source) if isinstance(source, list) else source


def test_there_are_chapters():
    assert len(CHAPTERS) >= 10


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_code_lines_fit_the_column(path):
    long = [
        f"cell {index} (id {cell.get('id')}) line {k + 1}: {len(line)} characters"
        for index, cell, source in code_cells(path)
        for k, line in enumerate(source.split("\n"))
        if len(line) > LIMIT
    ]
    assert not long, f"{path.name}: code lines longer than {LIMIT}: " + "; ".join(long)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_code_cell_parses(path):
    for index, cell, source in code_cells(path):
        compile(source, f"{path.name} cell {index}", "exec")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapters_use_the_shared_set_up(path):
    """No chapter pastes its own set-up block or glue helper any more."""
    cells = list(code_cells(path))
    first = cells[0][2]
    assert "from rnn_helpers.notebook import glue, setup" in first
    assert "rng = setup(SEED" in first
    for index, cell, source in cells:
        for pasted in ("def gl(", "def keep(", "from myst_nb import glue",
                       "\nrng = np.random.default_rng(SEED)\n"):
            assert pasted not in source, f"{path.name} cell {index}: {pasted!r}"


def _ruff():
    exe = Path(sys.executable).with_name("ruff")
    if exe.exists():
        return str(exe)
    return shutil.which("ruff")


def test_ruff_format_check_passes_on_the_chapters():
    assert _ruff(), "ruff is missing: it is in the test extra (make setup)"
    result = subprocess.run(
        [_ruff(), "format", "--check", "chapters"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_configured_for_the_column():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["tool"]["ruff"]["line-length"] == LIMIT
    constraints = (ROOT / "constraints.txt").read_text().split()
    assert any(line.startswith("ruff==") for line in constraints)
