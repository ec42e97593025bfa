"""The feedback core of the auto-checked exercises.

Every checker returns a :class:`CheckResult`. Put the call on the last line of
a notebook cell and Jupyter (and the website) shows a short, specific message:
whether the answer is correct and, if not, what kind of mistake it looks like
(wrong shape, transposed, sign flipped, off by a constant factor, a missing
``tanh``...). The messages never print the expected values, so the feedback
helps without giving the solution away. An exercise that is not attempted yet
(the answer is still ``None``) is reported as "not yet solved"; checkers never
raise on a learner's answer.

This module is the one public API that the chapter modules
``rnn_helpers.exercises.chNN`` build on:

- the result: :class:`CheckResult` and its constructors
  ``CheckResult.correct/wrong/close/unsolved/error``;
- generic checks with their diagnoses: :func:`check_array`,
  :func:`check_scalar`, :func:`check_integer`, :func:`check_shape`. The
  first three also take the checker's own ``mistakes`` (what a typical
  slip gives, and its diagnosis; tried before the generic diagnoses) and a
  ``praise`` message for the right answer, so a chapter checker is mostly a
  list of mistakes;
- reading an answer without raising: :func:`as_float_array` (array and the
  reason it failed), :func:`as_array` (array or None), :func:`read_array`
  (array, or the feedback for None or non-numbers), :func:`as_number`
  (finite float or None), :func:`as_integer` (a count, or the feedback why
  not);
- comparing: :func:`same` (arrays), :func:`near` (numbers) and
  :func:`tolerances`, the course's float32 rule: an answer computed in
  float32 (a NumPy or torch array of that dtype) is compared at
  :data:`FLOAT32_RTOL` and :data:`FLOAT32_ATOL` (times the size of the
  expected values) at least, so a right float32 answer passes in every
  chapter;
- checking a learner's function: :func:`no_function`, :func:`call_safely`
  and :func:`call_on_copies` (call on copies of the inputs, then report an
  exception, an input changed in place or a ``None`` result);
- writing messages: :func:`join_names`;
- hidden test inputs: :func:`rnn_step_case` (the arguments of one tanh-RNN
  step, for the checkers of chapters 1 and 3).

The module is longer than the package's guideline of about 400 lines on
purpose: it is the single API every chapter's checkers import, and more than
a third of it is the docstrings their authors read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "CheckResult",
    "check_array",
    "check_scalar",
    "check_integer",
    "check_shape",
    "as_float_array",
    "as_array",
    "read_array",
    "as_number",
    "as_integer",
    "same",
    "near",
    "tolerances",
    "FLOAT32_ATOL",
    "FLOAT32_RTOL",
    "no_function",
    "call_safely",
    "call_on_copies",
    "join_names",
    "rnn_step_case",
]

#: The smallest tolerances at which an answer computed in float32 is compared
#: (FLOAT32_ATOL relative to the size of the largest expected entries).
#: float32 keeps about 7 significant digits; a few operations lose one or two.
FLOAT32_ATOL = 1e-6
FLOAT32_RTOL = 1e-5

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
        """Not attempted yet: the answer is still None (or a stub).

        Inputs:
        - name: Name of the answer; gives the default message
        - message: The whole message instead (e.g. for a function that is a stub)
        """
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


# ----------------------------------------------------------------------------
# Reading an answer without raising
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


def as_array(answer):
    """
    A float64 array from a learner's value, or None (None, text, a dict, a bool...).

    Inputs:
    - answer: Anything the learner produced

    Returns:
    - array: np.ndarray of float64 of the answer's shape, or None
    """
    if answer is None or answer is Ellipsis or isinstance(answer, (bool, np.bool_)):
        return None
    return as_float_array(answer)[0]


def read_array(answer, name="answer"):
    """
    Read an array answer, or say why it cannot be read.

    Inputs:
    - answer: The learner's answer (array-like, torch tensor, or None)
    - name: Name of the answer as the learner knows it

    Returns a tuple (array, failure):
    - array: np.ndarray of float64, or None
    - failure: None, or a CheckResult ("unsolved" for None, "wrong" for an
      answer that is not numbers)
    """
    if answer is None or answer is Ellipsis:
        return None, CheckResult.unsolved(name)
    a, problem = as_float_array(answer)
    if problem is not None:
        return None, CheckResult.wrong(f"`{name}` should be an array of numbers, but {problem}.")
    return a, None


def as_number(answer):
    """
    A finite float from a learner's scalar answer, or None.

    Inputs:
    - answer: A number, a NumPy or torch scalar, a 0-d or size-1 array

    Returns:
    - value: float, or None if the answer is not one finite number (None,
      text, a truth value, an array of several entries, NaN, inf)
    """
    if isinstance(answer, (str, bytes)):
        return None
    a = as_array(answer)
    if a is None or a.size != 1 or not np.isfinite(a).all():
        return None
    return float(a.reshape(()))


def as_integer(answer, name="answer"):
    """
    Read a count-like answer.

    Inputs:
    - answer: An int, a float with no fractional part, a NumPy or torch
      scalar, or None
    - name: Name of the answer as the learner knows it

    Returns a tuple (value, failure):
    - value: int, or None
    - failure: None, or a CheckResult (not yet solved, not a whole number)
    """
    if answer is None or answer is Ellipsis:
        return None, CheckResult.unsolved(name)
    if isinstance(answer, (bool, np.bool_)):
        return None, CheckResult.wrong(f"`{name}` is {answer}, a truth value; a whole number is expected.")
    if hasattr(answer, "item") and getattr(answer, "ndim", 0) == 0:  # NumPy or torch scalar
        answer = answer.item()
    if isinstance(answer, Integral):
        return int(answer), None
    if isinstance(answer, Real):
        if math.isfinite(answer) and float(answer).is_integer():
            return int(answer), None
        return None, CheckResult.wrong(f"`{name}` is {answer!r}; a whole number is expected.")
    return None, CheckResult.wrong(f"`{name}` should be a whole number, not a {_type_name(answer)}.")


def join_names(names: Sequence[str]) -> str:
    """
    The names as code in one phrase: "`a`", "`a` and `b`", "`a`, `b` and `c`".

    Inputs:
    - names: Non-empty sequence of strings

    Returns:
    - text: str
    """
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# ----------------------------------------------------------------------------
# Comparing
# ----------------------------------------------------------------------------


def _is_float32(answer) -> bool:
    """True if the answer (or an entry of a tuple/list of them) has dtype float32."""
    if isinstance(answer, (tuple, list)):
        return any(_is_float32(item) for item in answer)
    dtype = getattr(answer, "dtype", None)
    return dtype is not None and str(dtype).replace("torch.", "") == "float32"


def tolerances(answer, atol, rtol, scale=1.0):
    """
    The tolerances at which to compare ``answer``: the course's float32 rule.

    Inputs:
    - answer: The learner's answer as returned (before any conversion): an
      array, tensor, NumPy scalar, or a tuple/list of them
    - atol, rtol: The checker's tolerances for a float64 answer
    - scale: The size of the largest expected entries (float32 rounding is
      relative to it, so the absolute tolerance floor is FLOAT32_ATOL * scale)

    Returns a tuple (atol, rtol): unchanged, or at least FLOAT32_ATOL * scale
    and FLOAT32_RTOL if the answer was computed in float32.
    """
    if _is_float32(answer):
        return max(atol, FLOAT32_ATOL * float(scale)), max(rtol, FLOAT32_RTOL)
    return atol, rtol


def same(a, b, atol=1e-9, rtol=1e-7) -> bool:
    """
    True when ``a`` is an array of ``b``'s shape that equals it within tolerance.

    Inputs:
    - a: np.ndarray (or None, which never matches)
    - b: Array-like, the value to compare with
    - atol, rtol: Tolerances, as in np.allclose (NaN never matches)

    Returns:
    - match: bool
    """
    if a is None:
        return False
    b = np.asarray(b, dtype=np.float64)
    return (
        np.shape(a) == b.shape
        and bool(np.allclose(a, b, atol=atol, rtol=rtol, equal_nan=False))
    )


def near(value, target, rtol=1e-6, atol=1e-9) -> bool:
    """
    True when the number ``value`` equals ``target`` within tolerance.

    Inputs:
    - value: float (or None, which never matches)
    - target: float; a non-finite target never matches
    - rtol, atol: Tolerances, as in math.isclose

    Returns:
    - match: bool
    """
    if value is None or not math.isfinite(float(target)):
        return False
    return math.isclose(value, float(target), rel_tol=rtol, abs_tol=atol)


# ----------------------------------------------------------------------------
# Generic checks
# ----------------------------------------------------------------------------


def _shape_message(got, want, name):
    """A sentence explaining how the shape `got` differs from `want`."""
    msg = f"`{name}` has shape {got}, but shape {want} is expected."
    if len(got) == len(want) >= 2 and got == want[::-1]:
        return msg + (" It looks transposed: check for a missing or extra `.T` and the order of"
                      " the factors of a matrix product.")
    if got == want[1:]:
        return msg + " The leading (batch) axis is missing: keep every array batch-first, even when N = 1."
    if len(got) == len(want) + 1 and got[0] == 1 and got[1:] == want:
        return msg + (" There is an extra leading axis of size 1; remove it"
                      " (e.g. with `[0]` or `.squeeze(0)`).")
    if len(got) == len(want) == 3 and got == (want[1], want[0], want[2]):
        return msg + (" The first two axes are swapped; for a batch of sequences the course is"
                      " batch-first, (N, T, ...).")
    if int(np.prod(got)) == int(np.prod(want)):
        return msg + " The number of entries is right, so look at how the axes are reshaped or ordered."
    return msg


def _close_to(value, target, atol, rtol):
    return math.isclose(value, target, rel_tol=rtol, abs_tol=atol)


def _within(a, e, atol, rtol):
    return bool(np.allclose(a, e, atol=atol, rtol=rtol))


def check_array(answer, expected, name="answer", *, atol=1e-6, rtol=1e-5, praise=None, mistakes=()):
    """
    Compare an array answer with the expected array and diagnose the difference.

    Inputs:
    - answer: The learner's answer: array-like or torch tensor of any shape, or None
    - expected: Array-like of shape S, the correct values
    - name: Name of the answer as the learner knows it (used in the messages)
    - atol, rtol: Tolerances, as in np.allclose (a float32 answer is compared
      at FLOAT32_RTOL and FLOAT32_ATOL times the largest |expected| at least,
      see :func:`tolerances`)
    - praise: Message of the result when the answer is right (default "Well done.")
    - mistakes: The checker's own diagnoses: an iterable of (value, message),
      what a typical mistake gives (an array of shape S; None or non-finite
      values are skipped) and what to tell the learner who made it; or a
      callable returning that iterable (called only for a wrong answer).
      Compared at the same tolerances as the right answer.

    Returns:
    - result: CheckResult. Diagnoses, in order: not yet solved (None); not
      numeric; wrong shape (transposed, missing batch axis, swapped axes...);
      NaN or inf; correct; the first of ``mistakes`` that matches; sign
      flipped; transposed values (square matrices); off by a constant
      factor; off by a constant offset; close but outside the tolerance;
      otherwise wrong, with the number of wrong entries.
    """
    e = np.asarray(expected, dtype=np.float64)
    atol, rtol = tolerances(answer, atol, rtol, scale=float(np.max(np.abs(e), initial=0.0)) or 1.0)
    a, failure = read_array(answer, name)
    if failure is not None:
        return failure
    if a.shape != e.shape:
        return CheckResult.wrong(_shape_message(tuple(a.shape), tuple(e.shape), name))
    finite = np.isfinite(a)
    if not finite.all():
        n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
        return CheckResult.wrong(
            f"`{name}` contains {n_nan} NaN and {n_inf} infinite entries. "
            "Look for a division by zero, an overflow (e.g. exp of a large number) "
            "or an uninitialised array (np.empty)."
        )
    if _within(a, e, atol, rtol):
        return CheckResult.correct(praise or "Well done.")
    for value, message in (mistakes() if callable(mistakes) else mistakes):
        if value is not None:
            value = np.asarray(value, dtype=np.float64)
            if value.shape == a.shape and np.all(np.isfinite(value)) and _within(a, value, atol, rtol):
                return CheckResult.wrong(message)
    nonzero = bool(np.any(np.abs(e) > atol))
    if nonzero and _within(-a, e, atol, rtol):
        return CheckResult.wrong(
            f"Every entry of `{name}` has the wrong sign. Check a subtraction or a minus sign.")
    if a.ndim >= 2 and a.shape[-1] == a.shape[-2] and _within(np.swapaxes(a, -1, -2), e, atol, rtol):
        return CheckResult.wrong(
            f"`{name}` holds the right numbers, transposed. Look for a missing or extra `.T`, "
            "or two factors of a matrix product in the wrong order."
        )
    aa = float(np.vdot(a, a))
    if nonzero and aa > 0:
        c = float(np.vdot(a, e)) / aa
        if c > 0 and not math.isclose(c, 1.0, rel_tol=1e-3) and _within(c * a, e, atol, rtol):
            size = "too large" if c < 1 else "too small"
            return CheckResult.wrong(
                f"Every entry of `{name}` is {size} by the same factor. Look for a missing "
                "or extra scale: a factor of 2, a mean instead of a sum, a forgotten division."
            )
    if a.size > 1:
        shift = float(np.mean(e - a))
        if abs(shift) > atol and _within(a + shift, e, atol, rtol):
            return CheckResult.wrong(
                f"Every entry of `{name}` is off by the same amount. A missing or doubled bias "
                "term would do exactly this."
            )
    scale = max(float(np.max(np.abs(e))), 1e-12)
    rel = float(np.max(np.abs(a - e))) / scale
    if rel < 1e-2:
        return CheckResult.close(
            f"`{name}` is close, but not within tolerance: the largest error is {rel:.1e} "
            f"relative to the size of the entries (tolerance rtol={rtol:g}, atol={atol:g}). "
            "Are you rounding an intermediate result, or computing in a lower precision?"
        )
    n_bad = int(np.sum(~np.isclose(a, e, atol=atol, rtol=rtol)))
    return CheckResult.wrong(
        f"{n_bad} of {a.size} entries of `{name}` differ from the expected values. "
        "Re-derive one entry by hand and compare."
    )


def check_scalar(answer, expected, name="answer", *, atol=1e-6, rtol=1e-6, praise=None, mistakes=()):
    """
    Compare a real number with the expected value.

    Inputs:
    - answer: The learner's number (int, float, NumPy scalar, 0-d or size-1 array), or None
    - expected: Float, the correct value
    - name: Name of the answer as the learner knows it
    - atol, rtol: Tolerances, as in math.isclose (a float32 answer is
      compared at FLOAT32_RTOL and FLOAT32_ATOL times |expected| at least)
    - praise: Message of the result when the answer is right (default "Well done.")
    - mistakes: The checker's own diagnoses: an iterable of (value, message),
      the number a typical mistake gives (None or non-finite: skipped) and
      what to tell the learner; or a callable returning it. Compared at the
      same tolerances as the right answer.

    Returns:
    - result: CheckResult. Diagnoses: not yet solved; not a number; NaN/inf;
      correct; the first of ``mistakes`` that matches; a percentage where a
      fraction is expected; sign flipped; close
      but outside the tolerance; too large or too small.
    """
    if answer is None or answer is Ellipsis:
        return CheckResult.unsolved(name)
    if isinstance(answer, (bool, np.bool_)):
        return CheckResult.wrong(f"`{name}` is {answer}, a truth value; a number is expected.")
    atol, rtol = tolerances(answer, atol, rtol, scale=abs(float(expected)) or 1.0)
    a, problem = as_float_array(answer)
    if problem is not None:
        return CheckResult.wrong(f"`{name}` should be a number, but {problem}.")
    if a.size != 1:
        return CheckResult.wrong(f"`{name}` should be a single number, but it has shape {tuple(a.shape)}.")
    a = float(a.reshape(()))
    e = float(expected)
    if not math.isfinite(a):
        return CheckResult.wrong(f"`{name}` is {a}. Look for a division by zero or an overflow.")

    def close(x):
        return _close_to(x, e, atol, rtol)

    if close(a):
        return CheckResult.correct(praise or "Well done.")
    for value, message in (mistakes() if callable(mistakes) else mistakes):
        if value is not None and math.isfinite(float(value)) and _close_to(a, float(value), atol, rtol):
            return CheckResult.wrong(message)
    if 0 < abs(e) <= 1 and close(a / 100):
        return CheckResult.wrong(f"`{name}` looks like a percentage; give it as a fraction between 0 and 1.")
    if e != 0 and close(-a):
        return CheckResult.wrong(f"`{name}` has the wrong sign.")
    rel = abs(a - e) / max(abs(e), 1e-12)
    if rel < 1e-2:
        return CheckResult.close(
            f"`{name}` is close, but its relative error is {rel:.1e} (tolerance {rtol:g}). "
            "Compute it exactly rather than reading it off a plot or rounding."
        )
    size = "large" if a > e else "small"
    return CheckResult.wrong(f"`{name}` is too {size}.")


def check_integer(answer, expected, name="answer", *, praise=None, mistakes=(), hint=""):
    """
    Compare a whole number (a count) with the expected value.

    Inputs:
    - answer: The learner's count (int, a float with no fractional part, a
      NumPy or torch scalar), or None
    - expected: Integer, the correct count
    - name: Name of the answer as the learner knows it
    - praise: Message of the result when the answer is right (default "Well done.")
    - mistakes: The checker's own diagnoses: an iterable of (count, message)
      (e.g. ``dict.items()``), what a typical mistake gives and what to tell
      the learner; the first matching one is reported
    - hint: A sentence added to the "too large" / "too small" message

    Returns:
    - result: CheckResult (correct, not yet solved, not a whole number, the
      first of ``mistakes`` that matches, too large or too small)
    """
    value, result = as_integer(answer, name)
    if result is not None:
        return result
    if value == int(expected):
        return CheckResult.correct(praise or "Well done.")
    for count, message in mistakes:
        if value == count:
            return CheckResult.wrong(message)
    size = "large" if value > expected else "small"
    return CheckResult.wrong(f"`{name}` is too {size}." + (f" {hint}" if hint else ""))


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
        return CheckResult.unsolved(name)
    if isinstance(answer, (str, bytes)) or not hasattr(answer, "__len__"):
        return CheckResult.wrong(
            f"`{name}` should be a tuple of integers such as `(2, 3)`, not a {_type_name(answer)}.")
    items = []
    for item in answer:
        value, bad = as_integer(item, name)
        if bad is not None:
            return CheckResult.wrong(f"Every entry of `{name}` should be a whole number; found {item!r}.")
        items.append(value)
    got, want = tuple(items), tuple(int(w) for w in expected)
    if got == want:
        return CheckResult.correct()
    if len(got) != len(want):
        return CheckResult.wrong(
            f"`{name}` has {len(got)} axes, but the array has {len(want)}. "
            "Which of N, T, D, H does it carry?"
        )
    if sorted(got) == sorted(want):
        return CheckResult.wrong(
            f"`{name}` has the right sizes in the wrong order. The course is batch-first: "
            "the batch axis comes first, then time, then features."
        )
    wrong_axes = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    return CheckResult.wrong(f"The size of axis {', '.join(map(str, wrong_axes))} of `{name}` is wrong.")


# ----------------------------------------------------------------------------
# Checking a learner's function
# ----------------------------------------------------------------------------


def no_function(fn) -> Optional[CheckResult]:
    """
    Feedback when ``fn`` is missing or not callable.

    Inputs:
    - fn: What the learner passed to a checker that expects a function

    Returns:
    - result: CheckResult ("unsolved" for None, "wrong" for a non-callable),
      or None if fn is callable
    """
    if fn is None or fn is Ellipsis:
        return CheckResult.unsolved(message="No function yet. Write it, then pass the function itself "
                                            "(without calling it) to the checker.")
    if not callable(fn):
        return CheckResult.wrong(f"A function is expected, but got a {_type_name(fn)}.")
    return None


def call_safely(fn, *args, shapes=None):
    """
    Call a learner's function without letting its exceptions escape.

    Floating-point warnings (overflow in exp, 0/0...) are silenced: the
    checker diagnoses the resulting inf or NaN instead.

    Inputs:
    - fn: The learner's callable
    - args: Positional arguments for fn
    - shapes: Optional text such as "x is (N, D) and Wx is (D, H)", added to
      the hint when a matrix product does not fit

    Returns a tuple (result, failure):
    - result: What fn returned, or None if it raised
    - failure: None, or a CheckResult: "unsolved" for NotImplementedError,
      "error" (naming the exception) for anything else
    """
    try:
        with np.errstate(all="ignore"):
            return fn(*args), None
    except NotImplementedError:
        return None, CheckResult.unsolved(
            message="The function still raises NotImplementedError: fill in its body."
        )
    except Exception as exc:  # report the learner's error kindly instead of raising
        text = str(exc).rstrip(".")
        hint = ""
        if isinstance(exc, ValueError) and any(w in text for w in ("matmul", "shapes", "aligned")):
            hint = " The shapes of a matrix product do not fit: write down the shape of each operand"
            hint += f" ({shapes})." if shapes else "."
        return None, CheckResult.error(f"{_type_name(exc)}: {text}.{hint}")


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and np.array_equal(before, after)
    if isinstance(before, list):
        return (isinstance(after, list) and len(before) == len(after)
                and all(_unchanged(b, a) for b, a in zip(before, after)))
    return True


def call_on_copies(fn, args: Sequence[Any], names: Sequence[str], returns: str,
                   shapes: Optional[str] = None) -> Tuple[Any, Optional[CheckResult]]:
    """
    Call a learner's function on copies of its inputs and screen the outcome.

    Inputs:
    - fn: The learner's callable
    - args: The inputs (arrays, lists of arrays, numbers); fn gets copies
    - names: The name of each input as the function's signature has it
    - returns: The last line the function should end with, e.g. "return probs"
    - shapes: Optional text for the hint of a matrix product that does not fit

    Returns a tuple (output, failure):
    - output: What fn returned (None when failure is not None)
    - failure: None, or a CheckResult for an exception (see
      :func:`call_safely`), an input changed in place, or a None result
    """
    copies = [_copy(a) for a in args]
    out, failure = call_safely(fn, *copies, shapes=shapes)
    if failure is not None:
        return None, failure
    for name, before, after in zip(names, args, copies):
        if not _unchanged(before, after):
            return None, CheckResult.wrong(
                f"Your function changed its input `{name}` in place (e.g. with `*=` or `-=`). "
                "Compute into a new array instead."
            )
    if out is None:
        return None, CheckResult.unsolved(
            message=f"Your function returned None. Fill in its body and end it with `{returns}`.")
    return out, None


# ----------------------------------------------------------------------------
# Hidden test inputs
# ----------------------------------------------------------------------------


def rnn_step_case(rng: np.random.Generator, N: int, D: int, H: int, w_scale: float,
                  b_scale: float) -> Tuple[np.ndarray, ...]:
    """
    Random arguments of one tanh-RNN step, next_h = tanh(x Wx + prev_h Wh + b).

    The arrays are drawn from rng in this order: x, prev_h, Wx, Wh, b, so that
    a checker's hidden cases stay the same when it draws more after them.

    Inputs:
    - rng: NumPy Generator
    - N, D, H: Batch size, input size and hidden size
    - w_scale: Standard deviation of the weights Wx and Wh
    - b_scale: Standard deviation of the bias b

    Returns a tuple of:
    - x: Array of shape (N, D), standard normal
    - prev_h: Array of shape (N, H), tanh of a standard normal, in (-1, 1)
    - Wx: Array of shape (D, H)
    - Wh: Array of shape (H, H)
    - b: Array of shape (H,)
    """
    x = rng.standard_normal((N, D))  # (N, D)
    prev_h = np.tanh(rng.standard_normal((N, H)))  # (N, H)
    Wx = w_scale * rng.standard_normal((D, H))  # (D, H)
    Wh = w_scale * rng.standard_normal((H, H))  # (H, H)
    b = b_scale * rng.standard_normal(H)  # (H,)
    return x, prev_h, Wx, Wh, b
