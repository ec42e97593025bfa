"""Assertions shared by the tests of the exercise checkers (tests/test_exercises_ch*.py)."""

import re

import numpy as np

from rnn_helpers.exercises.feedback import CheckResult


def leaks(message, expected):
    """True if the message shows any entry of expected (2 to 4 decimals, or as an int)."""
    for v in np.atleast_1d(np.asarray(expected, dtype=float)).ravel():
        forms = {f"{v:.2f}", f"{v:.3f}", f"{v:.4f}", f"{v:g}"}
        if float(v).is_integer():
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
    for fragment in fragments:
        assert fragment.lower() in result.message.lower(), result.message
    if expected is not None:
        assert not leaks(result.message, expected), result.message
