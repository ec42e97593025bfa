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

This is a notebook helper: it imports NumPy and matplotlib, and torch and
myst-nb only when a function needs them. Importing it has no side effects.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

__all__ = ["FIGURE_RC", "setup", "glue", "plain"]

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


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name}: expected an integer >= {low}, got {value!r}")
    return int(value)


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
    seed = _check_int("seed", seed, 0)
    precision = _check_int("precision", precision, 0)
    if threads is not None:
        threads = _check_int("threads", threads, 1)

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
