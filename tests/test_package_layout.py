"""The package's architecture, enforced: sub-packages by role, imports downward.

Layers, from the bottom up (a module may import only its own layer or lower):

1. ``argcheck``, ``gradcheck``                      generic helpers
2. ``numpy_rnn``, ``torch_rnn``, ``data``            cells and data
3. ``models``, ``gradient_flow``                     models, training, analysis
4. ``viz``                                           figures and explorers
5. ``exercises``, ``experiments``, ``notebook``      what the chapters call

Nothing below ``viz`` imports a plotting or widget library.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "rnn_helpers"

LAYER = {
    "argcheck": 1,
    "gradcheck": 1,
    "numpy_rnn": 2,
    "torch_rnn": 2,
    "data": 2,
    "models": 3,
    "gradient_flow": 3,
    "viz": 4,
    "exercises": 5,
    "experiments": 5,
    "notebook": 5,
}
PLOTTING = ("matplotlib", "plotly", "ipywidgets", "IPython", "myst_nb")
MAX_LINES = 400


def _modules():
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def _unit(path: Path) -> str:
    """The top-level entry of rnn_helpers that holds ``path``."""
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "rnn_helpers":
                for alias in node.names:
                    yield f"rnn_helpers.{alias.name}"
            else:
                yield node.module


def test_top_level_holds_about_ten_entries_each_a_known_role():
    entries = sorted(
        p.name.removesuffix(".py")
        for p in PKG.iterdir()
        if p.name != "__pycache__" and p.name != "__init__.py"
    )
    assert len(entries) <= 12, entries
    unknown = [e for e in entries if e not in LAYER]
    assert not unknown, f"give these a layer in this test: {unknown}"


@pytest.mark.parametrize(
    "path", _modules(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_imports_point_downwards(path):
    unit = _unit(path)
    if unit == "__init__":
        return
    mine = LAYER[unit]
    for name in _imports(path):
        if name.startswith("rnn_helpers."):
            other = name.split(".")[1]
            assert other in LAYER, f"{path.name} imports unknown {name}"
            assert LAYER[other] <= mine, (
                f"{path.relative_to(ROOT)} (layer {mine}) imports {name} "
                f"(layer {LAYER[other]}): imports must point downwards"
            )
        elif mine < LAYER["viz"]:
            top = name.split(".")[0]
            assert top not in PLOTTING, (
                f"{path.relative_to(ROOT)} imports {name}: only viz and the "
                "layers above it may import plotting or widget libraries"
            )


@pytest.mark.parametrize(
    "path", _modules(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_long_modules_say_why(path):
    text = path.read_text(encoding="utf-8")
    n = text.count("\n")
    if n <= MAX_LINES:
        return
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert re.search(r"\blong\b|\blines\b", doc), (
        f"{path.relative_to(ROOT)} has {n} lines: split it by what it "
        "holds, or say in its docstring why it is one module"
    )


def test_every_sub_package_documents_its_modules():
    for pkg in sorted(p for p in PKG.iterdir() if (p / "__init__.py").exists()):
        doc = ast.get_docstring(ast.parse((pkg / "__init__.py").read_text()))
        assert doc, f"{pkg.name}/__init__.py needs a docstring"
        for mod in sorted(pkg.glob("*.py")):
            if mod.name.startswith("_"):
                continue
            if re.fullmatch(r"ch\d\d", mod.stem) and "chNN" in doc:
                continue  # one checker module per chapter, named as a family
            assert mod.stem in doc, (
                f"{pkg.name}/__init__.py does not mention {mod.stem}"
            )


def test_package_map_names_every_entry():
    doc = ast.get_docstring(ast.parse((PKG / "__init__.py").read_text()))
    for entry in LAYER:
        if (PKG / entry).exists() or (PKG / f"{entry}.py").exists():
            assert f"rnn_helpers.{entry}" in doc, entry


def test_no_absolute_machine_paths_in_the_repository():
    """A clone elsewhere has none of the folders of the machine it came from."""
    import subprocess

    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True
    ).stdout.split()
    pattern = re.compile(r"/work/(main|shared)\b|/home/[a-z]|\.\./shared/")
    offenders = []
    for rel in files:
        if rel.startswith("tests/") or not rel.endswith(
            (".py", ".md", ".ipynb", ".yml", ".yaml", ".toml", ".txt", ".cfg")
        ) and rel != "Makefile":
            continue
        text = (ROOT / rel).read_text(encoding="utf-8", errors="replace")
        if pattern.search(text):
            offenders.append(rel)
    assert not offenders, offenders
