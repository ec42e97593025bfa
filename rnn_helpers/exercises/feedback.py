"""Feedback for the auto-checked exercises.

Every checker returns a :class:`CheckResult`. Put the call on the last line of
a notebook cell and Jupyter (and the website) shows a short, specific message:
whether the answer is correct and, if not, what kind of mistake it looks like
(wrong shape, transposed, sign flipped, off by a constant factor, a missing
``tanh``...). The messages never print the expected values, so the feedback
helps without giving the solution away. An exercise that is not attempted yet
(the answer is still ``None``) is reported as "not yet solved"; checkers never
raise on a learner's answer.

The module has two layers:

- a generic core: :class:`CheckResult` (with the constructors
  ``CheckResult.correct/wrong/close/unsolved/error``), :func:`check_array`,
  :func:`check_scalar`, :func:`check_integer`, :func:`check_shape`, and the
  helpers :func:`as_float_array` and :func:`call_safely` for checking a
  learner's function;
- chapter checkers named ``check_chNN_<what>``, which compute the expected
  value themselves (from hidden test inputs where a function is checked) and
  add diagnoses specific to the exercise, in ``rnn_helpers.exercises.chNN``,
  built on this core.
"""

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

__all__ = [
    "CheckResult",
    "check_array",
    "check_scalar",
    "check_integer",
    "check_shape",
    "as_float_array",
    "call_safely",
]

# ----------------------------------------------------------------------------
# The result object
# ----------------------------------------------------------------------------

_HEADINGS = {
    "correct": ("\u2705", "Correct!"),
    "unsolved": ("\u270f\ufe0f", "Not yet solved."),
    "close": ("\U0001f50d", "Almost there."),
    "wrong": ("\u274c", "Not quite."),
    "error": ("\u26a0\ufe0f", "Your code raised an error."),
}


@dataclass(frozen=True)
class CheckResult:
    """
    The outcome of one check.

    Attributes:
    - passed: True if and only if the answer is correct
    - message: Feedback for the learner (never contains the expected value)
    - status: One of "correct", "unsolved", "close", "wrong", "error"

    A result is truthy exactly when it passed, so ``assert check(...)`` works.
    """

    passed: bool
    message: str
    status: str = "wrong"

    def __post_init__(self):
        if self.status not in _HEADINGS:
            raise ValueError(f"status: expected one of {sorted(_HEADINGS)}, got {self.status!r}")
        if self.passed != (self.status == "correct"):
            raise ValueError("passed must be True exactly when status is 'correct'")

    def __bool__(self):
        return self.passed

    @property
    def heading(self):
        """The short first line, e.g. 'Not quite.'."""
        return _HEADINGS[self.status][1]

    def __str__(self):
        icon, heading = _HEADINGS[self.status]
        return f"{icon} {heading} {self.message}".rstrip()

    def __repr__(self):
        return str(self)

    def _repr_markdown_(self):
        icon, heading = _HEADINGS[self.status]
        return f"{icon} **{heading}** {self.message}".rstrip()

    # Constructors for checker authors: CheckResult.wrong("...") etc.

    @classmethod
    def correct(cls, message="Well done."):
        """A passing result."""
        return cls(True, message, "correct")

    @classmethod
    def unsolved(cls, name="answer", message=None):
        """Not attempted yet: the answer is still None (or a stub)."""
        if message is None:
            message = f"`{name}` is still `None`. Replace it with your answer and run the cell again."
        return cls(False, message, "unsolved")

    @classmethod
    def close(cls, message):
        """Nearly right, e.g. within a looser tolerance than required."""
        return cls(False, message, "close")

    @classmethod
    def wrong(cls, message):
        """Wrong, with a message saying what kind of mistake it looks like."""
        return cls(False, message, "wrong")

    @classmethod
    def error(cls, message):
        """The learner's code raised an exception."""
        return cls(False, message, "error")


_correct = CheckResult.correct
_unsolved = CheckResult.unsolved
_close = CheckResult.close
_wrong = CheckResult.wrong
_error = CheckResult.error


# ----------------------------------------------------------------------------
# Generic core
# ----------------------------------------------------------------------------


def _type_name(value):
    return type(value).__name__


def as_float_array(answer):
    """
    Convert an answer to a float64 NumPy array without raising.

    Inputs:
    - answer: Anything the learner produced (list, NumPy array, torch tensor...)

    Returns a tuple (array, problem):
    - array: np.ndarray of float64, or None if the conversion failed
    - problem: None, or a sentence saying why the answer is not numeric
    """
    if isinstance(answer, (str, bytes)):
        return None, f"it is text ({_type_name(answer)}), not numbers"
    if isinstance(answer, dict):
        return None, "it is a dict; an array (or a nested list) of numbers is expected"
    if hasattr(answer, "detach") and hasattr(answer, "cpu"):  # a torch.Tensor
        try:
            answer = answer.detach().cpu().numpy()
        except (TypeError, RuntimeError) as exc:  # e.g. a meta tensor
            return None, f"the tensor could not be converted to NumPy ({exc})"
    try:
        array = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None, (
            f"it could not be read as an array of numbers (got {_type_name(answer)}; "
            "nested lists must be rectangular)"
        )
    return array, None


def _shape_message(got, want, name):
    """A sentence explaining how the shape `got` differs from `want`."""
    msg = f"`{name}` has shape {got}, but shape {want} is expected."
    if len(got) == len(want) >= 2 and got == want[::-1]:
        return msg + (" It looks transposed: check the order of the matrix product"
                      " (x @ Wx is (N, D) @ (D, H)).")
    if got == want[1:]:
        return msg + " The leading (batch) axis is missing: keep every array batch-first, even when N = 1."
    if len(got) == len(want) + 1 and got[0] == 1 and got[1:] == want:
        return msg + (" There is an extra leading axis of size 1; remove it"
                      " (e.g. with `[0]` or `.squeeze(0)`).")
    if len(got) == len(want) == 3 and got == (want[1], want[0], want[2]):
        return msg + " The batch and time axes are swapped: the course is batch-first, (N, T, ...)."
    if int(np.prod(got)) == int(np.prod(want)):
        return msg + " The number of entries is right, so look at how the axes are reshaped or ordered."
    return msg


def _within(a, e, atol, rtol):
    return bool(np.allclose(a, e, atol=atol, rtol=rtol))


def check_array(answer, expected, name="answer", *, atol=1e-6, rtol=1e-5):
    """
    Compare an array answer with the expected array and diagnose the difference.

    Inputs:
    - answer: The learner's answer: array-like or torch tensor of any shape, or None
    - expected: Array-like of shape S, the correct values
    - name: Name of the answer as the learner knows it (used in the messages)
    - atol, rtol: Tolerances, as in np.allclose

    Returns:
    - result: CheckResult. Diagnoses, in order: not yet solved (None); not
      numeric; wrong shape (transposed, missing batch axis, swapped axes...);
      NaN or inf; correct; sign flipped; transposed values (square matrices);
      off by a constant factor; off by a constant offset; close but outside
      the tolerance; otherwise wrong, with the number of wrong entries.
    """
    e = np.asarray(expected, dtype=np.float64)
    if answer is None or answer is Ellipsis:
        return _unsolved(name)
    a, problem = as_float_array(answer)
    if problem is not None:
        return _wrong(f"`{name}` should be an array of numbers, but {problem}.")
    if a.shape != e.shape:
        return _wrong(_shape_message(tuple(a.shape), tuple(e.shape), name))
    finite = np.isfinite(a)
    if not finite.all():
        n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
        return _wrong(
            f"`{name}` contains {n_nan} NaN and {n_inf} infinite entries. "
            "Look for a division by zero, an overflow (e.g. exp of a large number) "
            "or an uninitialised array (np.empty)."
        )
    if _within(a, e, atol, rtol):
        return _correct()
    nonzero = bool(np.any(np.abs(e) > atol))
    if nonzero and _within(-a, e, atol, rtol):
        return _wrong(f"Every entry of `{name}` has the wrong sign. Check a subtraction or a minus sign.")
    if a.ndim >= 2 and a.shape[-1] == a.shape[-2] and _within(np.swapaxes(a, -1, -2), e, atol, rtol):
        return _wrong(
            f"`{name}` holds the right numbers, transposed. Check which matrix is transposed: "
            "in code Wx is W_xh transposed."
        )
    aa = float(np.vdot(a, a))
    if nonzero and aa > 0:
        c = float(np.vdot(a, e)) / aa
        if c > 0 and not math.isclose(c, 1.0, rel_tol=1e-3) and _within(c * a, e, atol, rtol):
            size = "too large" if c < 1 else "too small"
            return _wrong(
                f"Every entry of `{name}` is {size} by the same factor. Look for a missing "
                "or extra scale: a factor of 2, a mean instead of a sum, a forgotten division."
            )
    if a.size > 1:
        shift = float(np.mean(e - a))
        if abs(shift) > atol and _within(a + shift, e, atol, rtol):
            return _wrong(
                f"Every entry of `{name}` is off by the same amount. A missing or doubled bias "
                "term would do exactly this."
            )
    scale = max(float(np.max(np.abs(e))), 1e-12)
    rel = float(np.max(np.abs(a - e))) / scale
    if rel < 1e-2:
        return _close(
            f"`{name}` is close, but not within tolerance: the largest error is {rel:.1e} "
            f"relative to the size of the entries (tolerance rtol={rtol:g}, atol={atol:g}). "
            "Are you computing in float32, or rounding an intermediate result?"
        )
    n_bad = int(np.sum(~np.isclose(a, e, atol=atol, rtol=rtol)))
    return _wrong(
        f"{n_bad} of {a.size} entries of `{name}` differ from the expected values. "
        "Re-derive one entry by hand and compare."
    )


def check_scalar(answer, expected, name="answer", *, atol=1e-6, rtol=1e-6):
    """
    Compare a real number with the expected value.

    Inputs:
    - answer: The learner's number (int, float, NumPy scalar, 0-d or size-1 array), or None
    - expected: Float, the correct value
    - name: Name of the answer as the learner knows it
    - atol, rtol: Tolerances, as in math.isclose

    Returns:
    - result: CheckResult. Diagnoses: not yet solved; not a number; NaN/inf;
      correct; a percentage where a fraction is expected; sign flipped; close
      but outside the tolerance; too large or too small.
    """
    if answer is None or answer is Ellipsis:
        return _unsolved(name)
    if isinstance(answer, (bool, np.bool_)):
        return _wrong(f"`{name}` is {answer}, a truth value; a number is expected.")
    a, problem = as_float_array(answer)
    if problem is not None:
        return _wrong(f"`{name}` should be a number, but {problem}.")
    if a.size != 1:
        return _wrong(f"`{name}` should be a single number, but it has shape {tuple(a.shape)}.")
    a = float(a.reshape(()))
    e = float(expected)
    if not math.isfinite(a):
        return _wrong(f"`{name}` is {a}. Look for a division by zero or an overflow.")

    def close(x):
        return math.isclose(x, e, rel_tol=rtol, abs_tol=atol)

    if close(a):
        return _correct()
    if 0 < abs(e) <= 1 and close(a / 100):
        return _wrong(f"`{name}` looks like a percentage; give it as a fraction between 0 and 1.")
    if e != 0 and close(-a):
        return _wrong(f"`{name}` has the wrong sign.")
    rel = abs(a - e) / max(abs(e), 1e-12)
    if rel < 1e-2:
        return _close(
            f"`{name}` is close, but its relative error is {rel:.1e} (tolerance {rtol:g}). "
            "Compute it exactly rather than reading it off a plot or rounding."
        )
    size = "large" if a > e else "small"
    return _wrong(f"`{name}` is too {size}.")


def _as_int(answer, name):
    """Return (int_value, None) or (None, CheckResult) for a count-like answer."""
    if answer is None or answer is Ellipsis:
        return None, _unsolved(name)
    if isinstance(answer, (bool, np.bool_)):
        return None, _wrong(f"`{name}` is {answer}, a truth value; a whole number is expected.")
    if hasattr(answer, "item") and getattr(answer, "ndim", 0) == 0:  # NumPy or torch scalar
        answer = answer.item()
    if isinstance(answer, Integral):
        return int(answer), None
    if isinstance(answer, Real):
        if math.isfinite(answer) and float(answer).is_integer():
            return int(answer), None
        return None, _wrong(f"`{name}` is {answer!r}; a whole number is expected.")
    return None, _wrong(f"`{name}` should be a whole number, not a {_type_name(answer)}.")


def check_integer(answer, expected, name="answer"):
    """
    Compare a whole number (a count) with the expected value.

    Inputs:
    - answer: The learner's count (int, a float with no fractional part, a
      NumPy or torch scalar), or None
    - expected: Integer, the correct count
    - name: Name of the answer as the learner knows it

    Returns:
    - result: CheckResult (correct, not yet solved, not a whole number, too
      large or too small)
    """
    value, result = _as_int(answer, name)
    if result is not None:
        return result
    if value == int(expected):
        return _correct()
    return _wrong(f"`{name}` is too {'large' if value > expected else 'small'}.")


def check_shape(answer, expected, name="shape"):
    """
    Compare a shape (tuple of ints) with the expected shape, without revealing it.

    Inputs:
    - answer: Tuple or list of ints, or torch.Size, or None
    - expected: Tuple of ints
    - name: Name of the answer as the learner knows it

    Returns:
    - result: CheckResult (correct; not yet solved; not a tuple of ints;
      wrong number of axes; right sizes in the wrong order; which axes are wrong)
    """
    if answer is None or answer is Ellipsis:
        return _unsolved(name)
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__"):
        return _wrong(f"`{name}` should be a tuple of integers such as `(2, 3)`, not a {_type_name(answer)}.")
    items = []
    for item in answer:
        value, bad = _as_int(item, name)
        if bad is not None:
            return _wrong(f"Every entry of `{name}` should be a whole number; found {item!r}.")
        items.append(value)
    got, want = tuple(items), tuple(int(w) for w in expected)
    if got == want:
        return _correct()
    if len(got) != len(want):
        return _wrong(
            f"`{name}` has {len(got)} axes, but the array has {len(want)}. "
            "Which of N, T, D, H does it carry?"
        )
    if sorted(got) == sorted(want):
        return _wrong(
            f"`{name}` has the right sizes in the wrong order. The course is batch-first: "
            "the batch axis comes first, then time, then features."
        )
    wrong_axes = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    return _wrong(f"The size of axis {', '.join(map(str, wrong_axes))} of `{name}` is wrong.")


def call_safely(fn, *args):
    """
    Call a learner's function without letting its exceptions escape.

    Inputs:
    - fn: The learner's callable
    - args: Positional arguments for fn

    Returns a tuple (result, failure):
    - result: What fn returned, or None if it raised
    - failure: None, or a CheckResult: "unsolved" for NotImplementedError,
      "error" (naming the exception) for anything else
    """
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, CheckResult.unsolved(
            message="The function still raises NotImplementedError: fill in its body."
        )
    except Exception as exc:  # report the learner's error kindly instead of raising
        hint = ""
        if isinstance(exc, ValueError) and "matmul" in str(exc):
            hint = " The shapes of a matrix product do not fit: write down the shape of each operand."
        return None, _error(f"{_type_name(exc)}: {exc}.{hint}")
