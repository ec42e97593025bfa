"""Small helpers shared by the chapter checkers (``rnn_helpers.exercises.chNN``).

They wrap :class:`rnn_helpers.exercises.feedback.CheckResult` into one-line constructors
and make a learner's answer safe to inspect: convert it to an array without
raising, call a learner's function and turn any exception into feedback.
Checkers never raise and never reveal the expected answer.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from rnn_helpers.exercises.feedback import CheckResult


def _correct(message: str) -> CheckResult:
    """A passing result with ``message``."""
    return CheckResult(True, message, "correct")


def _wrong(message: str) -> CheckResult:
    """A failing result that explains what is wrong."""
    return CheckResult(False, message, "wrong")


def _unsolved(message: str) -> CheckResult:
    """The exercise has not been attempted yet (answer still None)."""
    return CheckResult(False, message, "unsolved")


def _error(message: str) -> CheckResult:
    """The learner's code raised; ``message`` names the exception."""
    return CheckResult(False, message, "error")


def _as_array(value: Any) -> Optional[np.ndarray]:
    """A float64 array from a learner's value, or None if that is impossible."""
    if value is None or isinstance(value, (str, bytes, dict, bool)):
        return None
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor
        try:
            value = value.detach().cpu().numpy()
        except (TypeError, RuntimeError):
            return None
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _same(a: Any, b: np.ndarray, atol: float = 1e-8, rtol: float = 1e-6) -> bool:
    """True when ``a`` is an array of ``b``'s shape and equal to it within tolerance."""
    return (
        isinstance(a, np.ndarray)
        and a.shape == b.shape
        and bool(np.allclose(a, b, atol=atol, rtol=rtol, equal_nan=False))
    )


def _call(fn: Callable, *args, shapes: Optional[str] = None):
    """Call a learner's function; return (output, None) or (None, CheckResult).

    A shape mismatch in a matrix product gets a hint; ``shapes`` (e.g.
    "x is (N, D) and Wx is (D, H)") makes it specific to the exercise.
    """
    try:
        with np.errstate(all="ignore"):
            return fn(*args), None
    except NotImplementedError:
        return None, _unsolved("The function still raises NotImplementedError: fill in its body.")
    except Exception as exc:  # report, never raise
        text = str(exc)
        hint = ""
        if isinstance(exc, ValueError) and any(w in text for w in ("matmul", "shapes", "aligned")):
            hint = " The shapes of a matrix product do not fit: write down the shape of each operand" + (
                f" ({shapes})." if shapes else ".")
        return None, _error(f"{type(exc).__name__}: {text}.{hint}" if hint else f"{type(exc).__name__}: {text}")


def _no_function(fn) -> Optional[CheckResult]:
    """Feedback when ``fn`` is missing or not callable, else None."""
    if fn is None or fn is Ellipsis:
        return _unsolved("No function yet. Write it, then pass the function itself "
                         "(without calling it) to the checker.")
    if not callable(fn):
        return _wrong(f"A function is expected, but got a {type(fn).__name__}.")
    return None
