"""The set-up that opens every chapter, and gluing numbers into the prose.

Every chapter starts with::

    from rnn_helpers.notebook import glue, setup

    SEED = 0
    rng = setup(SEED, threads=1)

- :func:`setup` seeds NumPy's global generator and torch, returns a fresh
  ``numpy.random.Generator``, optionally fixes torch's thread count, sets
  NumPy's print options and matplotlib's defaults for the course's figures
  (sharp on high-density screens, fonts legible in a column about 620 px
  wide).
- :func:`glue` stores a value for the prose (``{glue:text}`` in MyST) as a
  plain Python object, so that NumPy and torch scalars print as numbers
  (``0.5``), not as ``np.float64(0.5)``.
- :func:`word_list` joins words for a glued sentence ("a, b and c").

This is a notebook helper: it imports NumPy and matplotlib, and torch and
myst-nb only when a function needs them. Importing it has no side effects.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from rnn_helpers.argcheck import check_int

__all__ = [
    "FIGURE_RC",
    "GLUED",
    "NOT_YET",
    "Shown",
    "setup",
    "glue",
    "word_list",
    "glued_markdown",
    "glued_math",
    "glued_text",
    "plain",
]

#: Every value glued in this Python process, by key (what :func:`glue` was
#: given, after :func:`plain`). Read by :func:`glued_text` and friends.
GLUED: dict = {}

#: What an inline expression shows for a key that is not glued yet: the
#: paragraph quotes a result computed further down the notebook.
NOT_YET = "[computed below: run this cell again]"

#: matplotlib defaults set by :func:`setup`. Most figures are 8-11 inches
#: wide at 100 dpi and shown in a column of about 620 px, i.e. at 55-80 %
#: of their size: 11 pt text stays about 8-12 px high there.
FIGURE_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
}

#: Figure formats of the inline backend: PNG at twice the resolution
#: ("retina"), sharp on high-density screens at the same displayed size.
FIGURE_FORMATS = ("retina",)


def _inline_formats(formats) -> bool:
    """Select the inline backend's figure formats, if running in IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    if get_ipython() is None:  # a plain Python process: nothing to set
        return False
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    set_matplotlib_formats(*formats)
    return True


def setup(
    seed: int = 0,
    *,
    threads: Optional[int] = None,
    precision: int = 4,
) -> np.random.Generator:
    """
    Seed everything, set print options and figure defaults; return a generator.

    Inputs:
    - seed: Integer >= 0; seeds ``np.random`` (the legacy global generator),
      ``torch.manual_seed`` and the returned generator
    - threads: None to leave torch's thread count alone, or an integer >= 1
      for ``torch.set_num_threads`` (tiny models run fastest and most
      reproducibly on one thread)
    - precision: Integer >= 0, digits NumPy prints after the decimal point
      (small numbers are not printed in scientific notation)

    Returns:
    - rng: ``np.random.default_rng(seed)``, the chapter's generator
    """
    seed = check_int("seed", seed, 0)
    precision = check_int("precision", precision, 0)
    if threads is not None:
        threads = check_int("threads", threads, 1)

    import matplotlib
    import torch

    np.random.seed(seed)
    torch.manual_seed(seed)
    if threads is not None:
        torch.set_num_threads(threads)
    np.set_printoptions(precision=precision, suppress=True)
    matplotlib.rcParams.update(FIGURE_RC)
    _inline_formats(FIGURE_FORMATS)
    return np.random.default_rng(seed)


def plain(value: Any) -> Any:
    """
    A NumPy or torch scalar (or 0-d array or tensor) as a Python number.

    Inputs:
    - value: Any object

    Returns:
    - value: ``value.item()`` for a NumPy scalar, a 0-d NumPy array or a
      one-element torch tensor with no dimensions; ``value`` unchanged
      otherwise (Python numbers, strings, displayable objects)
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if type(value).__module__.startswith("torch") and hasattr(value, "item"):
        if getattr(value, "ndim", None) == 0:
            return value.item()
    return value


def word_list(words) -> str:
    """
    Words joined as prose: "a", "a and b", "a, b and c".

    Inputs:
    - words: non-empty sequence of strings

    Returns:
    - text: str
    """
    words = [str(w) for w in words]
    if not words:
        raise ValueError("words: expected at least one word, got none")
    return words[0] if len(words) == 1 else (
        ", ".join(words[:-1]) + " and " + words[-1])


def glue(key: str, value: Any, display: bool = False) -> None:
    """
    Store a value under a name for the prose (myst-nb's ``glue``).

    NumPy and torch scalars are stored as Python numbers (see :func:`plain`),
    so that ``{glue:text}`key:.2f``` formats them and the page never shows
    ``np.float64(...)``. Other objects (strings, ``IPython.display.Math``,
    figures) are glued as they are.

    Inputs:
    - key: Non-empty string, the name the prose uses
    - value: The value
    - display: If True, also show the value in the notebook

    Returns nothing.
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"key: expected a non-empty string, got {key!r}")
    from myst_nb import glue as myst_glue

    myst_glue(key, plain(value), display=display)
    GLUED[key] = plain(value)


class Shown:
    """
    Text that IPython displays as it is (its ``repr`` is the text).

    jupyterlab-myst shows an inline expression's ``text/plain``; a ``str``
    result would be shown through its ``repr``, quoted. ``Shown`` carries only
    ``text/plain``, so the prose reads ``0.25``, not ``'0.25'``.

    Inputs:
    - text: String, the text to show
    """

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise ValueError(f"text: expected a string, got {text!r}")
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text



_MISSING = object()


def _glued(key: str) -> Any:
    if not isinstance(key, str) or not key:
        raise ValueError(f"key: expected a non-empty string, got {key!r}")
    return GLUED.get(key, _MISSING)


def glued_text(key: str, fmt: str = "") -> Shown:
    """
    The text ``{glue:text}`key:fmt``` shows in the book, for JupyterLab.

    The same steps as myst-nb: the value's ``text/plain`` (IPython's display
    formatter, as :func:`myst_nb.glue` stores it), then
    ``myst_nb.core.variables.format_plain_text`` with the format spec.

    Inputs:
    - key: Non-empty string, a key given to :func:`glue`
    - fmt: String, a format spec (``".3f"``, ``"d"``, ``",d"``) or ``""``

    Returns:
    - text: :class:`Shown`; :data:`NOT_YET` if the key is not glued yet
    """
    value = _glued(key)
    if not isinstance(fmt, str):
        raise ValueError(f"fmt: expected a format spec string, got {fmt!r}")
    if value is _MISSING:
        return Shown(NOT_YET)
    from IPython.core.formatters import format_display_data
    from myst_nb.core.variables import format_plain_text

    data, _ = format_display_data(value)
    return Shown(format_plain_text(data["text/plain"], fmt))


def glued_markdown(key: str) -> Any:
    """
    The glued object of ``{glue:md}`key``` (it displays as Markdown).

    Inputs:
    - key: Non-empty string, a key given to :func:`glue`

    Returns:
    - value: the glued object; :class:`Shown` (:data:`NOT_YET`) if the key
      is not glued yet
    """
    value = _glued(key)
    return Shown(NOT_YET) if value is _MISSING else value


def glued_math(key: str, number: Optional[str] = None) -> Any:
    """
    The display equation of a ``{glue:math}`` directive, numbered as in the book.

    Inputs:
    - key: Non-empty string, a key given to :func:`glue` with an
      ``IPython.display.Math`` (or any object with ``_repr_latex_``)
    - number: None, or the equation's number in the book, e.g. ``"1.3"``
      (shown with ``\\tag``)

    Returns:
    - math: ``IPython.display.Math``; :class:`Shown` (:data:`NOT_YET`) if
      the key is not glued yet
    """
    from IPython.display import Math

    value = _glued(key)
    if value is _MISSING:
        return Shown(NOT_YET)
    latex = value._repr_latex_() if hasattr(value, "_repr_latex_") else None
    if not isinstance(latex, str):
        raise ValueError(f"key: {key!r} is not glued as math (no LaTeX)")
    latex = latex.strip()
    latex = latex.strip("$").strip().removeprefix("\\displaystyle").strip()
    if number is not None:
        latex = f"{latex} \\tag{{{number}}}"
    return Math(latex)
