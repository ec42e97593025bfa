"""Assertions shared by the tests of the exercise checkers (tests/test_exercises_*.py)."""

import re

import numpy as np

from rnn_helpers.exercises.feedback import CheckResult


def leaks(message, expected):
    """
    True if the message shows any entry of ``expected``.

    An entry counts as shown at 2 to 4 decimals, in %g form, with 3 to 6
    significant digits or in exponent form, and a whole number of 10 or more
    as an integer. Whole numbers below 10 are skipped: 0, 1, 2 ... are part
    of ordinary words, shapes and token ids.
    """
    for v in np.atleast_1d(np.asarray(expected, dtype=float)).ravel():
        v = float(v)
        if not np.isfinite(v) or (v.is_integer() and abs(v) < 10):
            continue
        forms = {f"{v:.2f}", f"{v:.3f}", f"{v:.4f}", f"{v:g}",
                 f"{v:.3g}", f"{v:.4g}", f"{v:.6g}", f"{v:.2e}", f"{v:.3e}"}
        if v.is_integer():
            forms.add(str(int(v)))
        for form in forms:
            if re.search(rf"(?<![\d.]){re.escape(form)}(?!\d|\.\d)", message):
                return True
    return False


def assert_feedback(result, status, *fragments, expected=None):
    """The result has this status, mentions every fragment, and does not leak ``expected``."""
    assert isinstance(result, CheckResult)
    assert result.status == status, result
    assert result.passed == (status == "correct")
    assert bool(result) == result.passed
    for fragment in fragments:
        assert fragment.lower() in result.message.lower(), result.message
    if expected is not None:
        assert not leaks(result.message, expected), result.message
