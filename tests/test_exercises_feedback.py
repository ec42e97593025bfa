"""Tests of rnn_helpers.exercises.feedback: every diagnosis, and no leaked solutions."""

import re

import numpy as np
import pytest
import torch

from rnn_helpers.exercises.ch01 import (
    check_ch01_output_shape,
    check_ch01_param_count,
    check_ch01_rnn_step,
    check_ch01_window_accuracy,
)
from rnn_helpers.exercises.feedback import (
    CheckResult,
    check_array,
    check_integer,
    check_scalar,
    check_shape,
)

RNG = np.random.default_rng(0)
EXPECTED = np.array([[0.8123, -0.4471, 0.2719], [1.3377, 0.5513, -0.9062]])  # (2, 3)
SQUARE = np.array([[0.6154, -0.2871], [0.3392, 0.7744]])


def leaks(message, expected):
    """True if the message contains any entry of expected, at 2 to 4 decimals or as an int."""
    values = np.atleast_1d(np.asarray(expected, dtype=float)).ravel()
    for v in values:
        forms = {f"{v:.2f}", f"{v:.3f}", f"{v:.4f}", f"{v:g}"}
        if float(v).is_integer():
            forms.add(str(int(v)))
        for form in forms:
            if re.search(rf"(?<![\d.]){re.escape(form)}(?!\d|\.\d)", message):
                return True
    return False


def assert_feedback(result, status, *fragments, expected=EXPECTED):
    assert isinstance(result, CheckResult)
    assert result.status == status, result
    assert result.passed == (status == "correct")
    assert bool(result) == result.passed
    for fragment in fragments:
        assert fragment.lower() in result.message.lower(), result.message
    assert not leaks(result.message, expected), result.message


# --- CheckResult -------------------------------------------------------------


def test_result_displays_as_markdown_and_text():
    result = check_array(EXPECTED.copy(), EXPECTED)
    assert "Correct" in repr(result) and "Correct" in str(result)
    assert result._repr_markdown_().count("**") == 2
    assert result.heading == "Correct!"


def test_result_rejects_inconsistent_fields():
    with pytest.raises(ValueError):
        CheckResult(True, "x", "wrong")
    with pytest.raises(ValueError):
        CheckResult(False, "x", "great")


# --- check_array ---------------------------------------------------------------


@pytest.mark.parametrize("answer", [EXPECTED.copy(), EXPECTED.tolist(), torch.tensor(EXPECTED),
                                    torch.tensor(EXPECTED, requires_grad=True),
                                    EXPECTED.astype(np.float32)])
def test_array_correct_in_any_container(answer):
    assert_feedback(check_array(answer, EXPECTED, atol=1e-6, rtol=1e-5), "correct")


@pytest.mark.parametrize("answer", [None, ...])
def test_array_not_yet_solved_never_raises(answer):
    assert_feedback(check_array(answer, EXPECTED, name="next_h"), "unsolved", "`next_h` is still `None`")


@pytest.mark.parametrize("answer", ["0.5", {"a": 1}, [[1, 2], [3]], object()])
def test_array_not_numeric(answer):
    assert_feedback(check_array(answer, EXPECTED), "wrong", "array of numbers")


def test_array_transposed_shape():
    assert_feedback(check_array(EXPECTED.T, EXPECTED), "wrong", "transposed")


def test_array_missing_batch_axis():
    e = EXPECTED[None]  # (1, 2, 3)
    assert_feedback(check_array(EXPECTED, e), "wrong", "batch", expected=e)


def test_array_extra_axis():
    assert_feedback(check_array(EXPECTED[None], EXPECTED), "wrong", "extra leading axis")


def test_array_batch_and_time_swapped():
    e = RNG.standard_normal((2, 3, 4))
    assert_feedback(check_array(e.transpose(1, 0, 2), e), "wrong", "batch and time", expected=e)


def test_array_same_size_other_shape():
    assert_feedback(check_array(EXPECTED.reshape(3, 2)[:, ::-1].reshape(6), EXPECTED),
                    "wrong", "number of entries is right")


def test_array_nan_and_inf():
    a = EXPECTED.copy()
    a[0, 0], a[1, 1] = np.nan, np.inf
    assert_feedback(check_array(a, EXPECTED), "wrong", "1 NaN", "1 infinite")


def test_array_sign_flipped():
    assert_feedback(check_array(-EXPECTED, EXPECTED), "wrong", "sign")


def test_array_transposed_values():
    assert_feedback(check_array(SQUARE.T, SQUARE), "wrong", "transposed", expected=SQUARE)


@pytest.mark.parametrize("factor, word", [(2.0, "too large"), (0.5, "too small")])
def test_array_constant_factor(factor, word):
    assert_feedback(check_array(factor * EXPECTED, EXPECTED), "wrong", "same factor", word)


def test_array_constant_offset():
    assert_feedback(check_array(EXPECTED + 0.25, EXPECTED), "wrong", "same amount", "bias")


def test_array_close_but_outside_tolerance():
    a = EXPECTED + 1e-4 * np.array([[1, -1, 1], [-1, 1, 2]])
    assert_feedback(check_array(a, EXPECTED, atol=1e-8, rtol=1e-7), "close", "not within tolerance")


def test_array_plainly_wrong_counts_entries():
    a = EXPECTED.copy()
    a[0, 1] = 3.0
    a[1, 2] = -2.0
    assert_feedback(check_array(a, EXPECTED), "wrong", "2 of 6 entries")


# --- scalars, integers, shapes ---------------------------------------------


def test_scalar_diagnoses():
    e = 0.8371
    assert_feedback(check_scalar(0.8371, e), "correct", expected=e)
    assert_feedback(check_scalar(np.float32(0.8371), e, rtol=1e-6, atol=1e-6), "correct", expected=e)
    assert_feedback(check_scalar(None, e), "unsolved", expected=e)
    assert_feedback(check_scalar(83.71, e), "wrong", "percentage", expected=e)
    assert_feedback(check_scalar(-0.8371, e), "wrong", "sign", expected=e)
    assert_feedback(check_scalar(0.8372, e), "close", "relative error", expected=e)
    assert_feedback(check_scalar(0.9, e), "wrong", "too large", expected=e)
    assert_feedback(check_scalar(0.1, e), "wrong", "too small", expected=e)
    assert_feedback(check_scalar(True, e), "wrong", "truth value", expected=e)
    assert_feedback(check_scalar("0.8371", e), "wrong", "text", expected=e)
    assert_feedback(check_scalar([0.1, 0.2], e), "wrong", "single number", expected=e)
    assert_feedback(check_scalar(float("nan"), e), "wrong", "nan", expected=e)


def test_integer_diagnoses():
    assert_feedback(check_integer(37, 37), "correct", expected=37)
    assert_feedback(check_integer(37.0, 37), "correct", expected=37)
    assert_feedback(check_integer(np.int64(37), 37), "correct", expected=37)
    assert_feedback(check_integer(torch.tensor(37), 37), "correct", expected=37)
    assert_feedback(check_integer(37.5, 37), "wrong", "whole number", expected=37)
    assert_feedback(check_integer("37", 37), "wrong", "whole number", expected=37)
    assert_feedback(check_integer(40, 37), "wrong", "too large", expected=37)
    assert_feedback(check_integer(None, 37), "unsolved", expected=37)


def test_shape_diagnoses():
    e = (7, 11, 13)
    assert_feedback(check_shape((7, 11, 13), e), "correct", expected=e)
    assert_feedback(check_shape(torch.Size([7, 11, 13]), e), "correct", expected=e)
    assert_feedback(check_shape([7, 11, 13], e), "correct", expected=e)
    assert_feedback(check_shape(None, e), "unsolved", expected=e)
    assert_feedback(check_shape((11, 7, 13), e), "wrong", "wrong order", expected=e)
    assert_feedback(check_shape((7, 13), e), "wrong", "2 axes", expected=e)
    assert_feedback(check_shape((7, 11, 5), e), "wrong", "axis 2", expected=e)
    assert_feedback(check_shape("7, 11, 13", e), "wrong", "tuple of integers", expected=e)
    assert_feedback(check_shape((7, 11.5, 13), e), "wrong", "whole number", expected=e)


# --- chapter 1 -----------------------------------------------------------------

D, H, Q = 3, 4, 5
N_REC = H * D + H * H + H  # 32
N_ALL = N_REC + Q * H + Q  # 57


def test_param_count_correct_and_unsolved():
    assert_feedback(check_ch01_param_count(N_REC, D, H), "correct", expected=N_REC)
    assert_feedback(check_ch01_param_count(N_ALL, D, H, Q), "correct", expected=N_ALL)
    assert_feedback(check_ch01_param_count(None, D, H), "unsolved", expected=N_REC)


@pytest.mark.parametrize("answer, fragment", [
    (N_REC - H, "bias"),
    (N_REC + H, "pytorch"),
    (N_REC - H * H, "w_hh"),
    (N_REC - H * D, "w_xh"),
    (N_REC + 100, "too large"),
    (3.5, "whole number"),
])
def test_param_count_diagnoses(answer, fragment):
    assert_feedback(check_ch01_param_count(answer, D, H), "wrong", fragment, expected=N_REC)


def test_param_count_with_output_layer():
    assert_feedback(check_ch01_param_count(N_REC, D, H, Q), "wrong", "output layer", expected=N_ALL)
    assert_feedback(check_ch01_param_count(N_ALL - Q, D, H, Q), "wrong", "b_q", expected=N_ALL)


def good_step(x, prev_h, Wx, Wh, b):
    return np.tanh(x @ Wx + prev_h @ Wh + b)


def test_rnn_step_correct_also_as_tuple():
    assert_feedback(check_ch01_rnn_step(good_step), "correct")
    assert_feedback(check_ch01_rnn_step(lambda *a: (good_step(*a), {})), "correct")


@pytest.mark.parametrize("fn, status, fragment", [
    (None, "unsolved", "no function yet"),
    (lambda x, h, Wx, Wh, b: None, "unsolved", "returned none"),
    (lambda *a: (_ for _ in ()).throw(NotImplementedError), "unsolved", "notimplementederror"),
    (lambda x, h, Wx, Wh, b: np.tanh(Wx @ x + h @ Wh + b), "error", "shapes"),
    (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, "wrong", "tanh is missing"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), "wrong", "bias"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), "wrong", "no memory"),
    (lambda x, h, Wx, Wh, b: np.tanh(h @ Wh + b), "wrong", "does not depend on the input"),
    (lambda x, h, Wx, Wh, b: 1 / (1 + np.exp(-(x @ Wx + h @ Wh + b))), "wrong", "sigmoid"),
    (lambda x, h, Wx, Wh, b: np.maximum(x @ Wx + h @ Wh + b, 0), "wrong", "relu"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), "wrong", "transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx) + np.tanh(h @ Wh) + b, "wrong", "applied once"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b)[0], "wrong", "shape"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b).T, "wrong", "transposed"),
    (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + 2 * b), "wrong", "differ"),
    (42, "wrong", "function is expected"),
])
def test_rnn_step_diagnoses(fn, status, fragment):
    assert_feedback(check_ch01_rnn_step(fn), status, fragment)


def test_rnn_step_detects_in_place_changes():
    def mutating(x, prev_h, Wx, Wh, b):
        prev_h += 0
        prev_h *= 1.5
        return good_step(x, prev_h, Wx, Wh, b)

    assert_feedback(check_ch01_rnn_step(mutating), "wrong", "in place")


def test_rnn_step_catches_hard_coded_sizes():
    def hard_coded(x, prev_h, Wx, Wh, b):
        return good_step(x, prev_h, Wx, Wh, b).reshape(3, 5)

    result = check_ch01_rnn_step(hard_coded)
    assert result.status == "error" and "ValueError" in result.message


def test_output_shape_diagnoses():
    N, T, Dd, Hh = 8, 20, 30, 64
    e = (N, T, Hh)
    assert_feedback(check_ch01_output_shape(e, N, T, Dd, Hh), "correct", expected=e)
    assert_feedback(check_ch01_output_shape((T, N, Hh), N, T, Dd, Hh), "wrong", "time-major", expected=e)
    assert_feedback(check_ch01_output_shape((N, Hh), N, T, Dd, Hh), "wrong", "last hidden state", expected=e)
    assert_feedback(check_ch01_output_shape((N, T, Dd), N, T, Dd, Hh), "wrong", "input's shape", expected=e)
    assert_feedback(check_ch01_output_shape(None, N, T, Dd, Hh), "unsolved", expected=e)
    assert_feedback(check_ch01_output_shape((N, Hh, T), N, T, Dd, Hh), "wrong", "wrong order", expected=e)


def test_window_accuracy_diagnoses():
    T, k = 40, 10
    e = 1.5 - 0.5 ** (k / T)
    assert_feedback(check_ch01_window_accuracy(e, T, k), "correct", expected=e)
    assert_feedback(check_ch01_window_accuracy(None, T, k), "unsolved", expected=e)
    assert_feedback(check_ch01_window_accuracy(1 - 0.5 ** (k / T), T, k), "wrong", "also right", expected=e)
    assert_feedback(check_ch01_window_accuracy(0.5 + 0.5 * k / T, T, k), "wrong", "not linear", expected=e)
    assert_feedback(check_ch01_window_accuracy(100 * e, T, k), "wrong", "percentage", expected=e)
    assert_feedback(check_ch01_window_accuracy(round(e, 3), T, k), "close", expected=e)
    assert_feedback(check_ch01_window_accuracy("high", T, k), "wrong", "text", expected=e)


# --- helpers for checker authors ---------------------------------------------


def test_leak_detector_catches_expected_numbers():
    assert leaks("the answer is 0.812", EXPECTED)
    assert leaks("expected 37 parameters", 37)
    assert not leaks("you gave 37.5", 37)
    assert not leaks("shape (2, 3)", EXPECTED)


def test_constructors():
    assert CheckResult.correct().passed and CheckResult.correct().status == "correct"
    assert CheckResult.unsolved("x").message.startswith("`x` is still `None`")
    assert CheckResult.unsolved(message="stub").message == "stub"
    for kind in ("wrong", "close", "error"):
        result = getattr(CheckResult, kind)("msg")
        assert result.status == kind and not result.passed and result.message == "msg"


def test_as_float_array_and_call_safely():
    from rnn_helpers.exercises.feedback import as_float_array, call_safely

    array, problem = as_float_array(torch.ones(2, requires_grad=True))
    assert problem is None and array.dtype == np.float64 and array.tolist() == [1.0, 1.0]
    assert as_float_array("1")[0] is None
    assert call_safely(lambda a: a + 1, 1) == (2, None)
    _, failure = call_safely(lambda: 1 / 0)
    assert failure.status == "error" and "ZeroDivisionError" in failure.message

    def stub():
        raise NotImplementedError

    assert call_safely(stub)[1].status == "unsolved"
