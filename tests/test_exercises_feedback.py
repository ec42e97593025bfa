"""Tests of rnn_helpers.exercises.feedback: every diagnosis, and no leaked solutions."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback, leaks
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
    assert_feedback(check_array(answer, EXPECTED, atol=1e-6, rtol=1e-5), "correct", expected=EXPECTED)


@pytest.mark.parametrize("answer", [None, ...])
def test_array_not_yet_solved_never_raises(answer):
    assert_feedback(check_array(answer, EXPECTED, name="next_h"), "unsolved", "`next_h` is still `None`",
                    expected=EXPECTED)


@pytest.mark.parametrize("answer", ["0.5", {"a": 1}, [[1, 2], [3]], object()])
def test_array_not_numeric(answer):
    assert_feedback(check_array(answer, EXPECTED), "wrong", "array of numbers", expected=EXPECTED)


def test_array_transposed_shape():
    assert_feedback(check_array(EXPECTED.T, EXPECTED), "wrong", "transposed", expected=EXPECTED)


def test_array_missing_batch_axis():
    e = EXPECTED[None]  # (1, 2, 3)
    assert_feedback(check_array(EXPECTED, e), "wrong", "batch", expected=e)


def test_array_extra_axis():
    assert_feedback(check_array(EXPECTED[None], EXPECTED), "wrong", "extra leading axis", expected=EXPECTED)


def test_array_batch_and_time_swapped():
    e = RNG.standard_normal((2, 3, 4))
    assert_feedback(check_array(e.transpose(1, 0, 2), e), "wrong", "first two axes are swapped",
                    expected=e)


def test_array_same_size_other_shape():
    assert_feedback(check_array(EXPECTED.reshape(3, 2)[:, ::-1].reshape(6), EXPECTED),
                    "wrong", "number of entries is right", expected=EXPECTED)


def test_array_nan_and_inf():
    a = EXPECTED.copy()
    a[0, 0], a[1, 1] = np.nan, np.inf
    assert_feedback(check_array(a, EXPECTED), "wrong", "1 NaN", "1 infinite", expected=EXPECTED)


def test_array_sign_flipped():
    assert_feedback(check_array(-EXPECTED, EXPECTED), "wrong", "sign", expected=EXPECTED)


def test_array_transposed_values():
    assert_feedback(check_array(SQUARE.T, SQUARE), "wrong", "transposed", expected=SQUARE)


@pytest.mark.parametrize("factor, word", [(2.0, "too large"), (0.5, "too small")])
def test_array_constant_factor(factor, word):
    assert_feedback(check_array(factor * EXPECTED, EXPECTED), "wrong", "same factor", word, expected=EXPECTED)


def test_array_constant_offset():
    assert_feedback(check_array(EXPECTED + 0.25, EXPECTED), "wrong", "same amount", "bias", expected=EXPECTED)


def test_array_close_but_outside_tolerance():
    a = EXPECTED + 1e-4 * np.array([[1, -1, 1], [-1, 1, 2]])
    assert_feedback(check_array(a, EXPECTED, atol=1e-8, rtol=1e-7), "close", "not within tolerance",
                    expected=EXPECTED)


def test_array_plainly_wrong_counts_entries():
    a = EXPECTED.copy()
    a[0, 1] = 3.0
    a[1, 2] = -2.0
    assert_feedback(check_array(a, EXPECTED), "wrong", "2 of 6 entries", expected=EXPECTED)


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


# --- helpers for checker authors ---------------------------------------------


def test_leak_detector_catches_expected_numbers():
    assert leaks("the answer is 0.812", EXPECTED)
    assert leaks("expected 37 parameters", 37)
    assert not leaks("you gave 37.5", 37)
    assert not leaks("shape (2, 3)", EXPECTED)
    assert leaks("the bound is 1.235e-05", 1.2345678e-05)  # significant digits, exponent form
    assert leaks("about 0.0001235", 1.2345678e-04)
    assert not leaks("columns 0:H, axis 1, id 2", [0.0, 1.0, 2.0])  # small integers are words


def test_array_transposed_hints_are_generic():
    """No chapter's variable names in the core's messages (issue 11: irrelevant shape hints)."""
    M = np.arange(12.0).reshape(3, 4) + 0.5
    for result in (check_array(M.T, M, name="M"), check_array(SQUARE.T, SQUARE, name="M")):
        assert_feedback(result, "wrong", "transposed", ".T", expected=M)
        assert "Wx" not in result.message and "W_xh" not in result.message


def test_float32_answers_pass_at_float32_tolerance():
    """The course's float32 rule: a right float32 answer passes; a float64 one as far off is close."""
    e = np.array([[0.1234567, -2.3456789], [3.4567891, 0.0045678]])
    err = e * (1 + 3e-6)  # a relative error that float32 arithmetic easily makes
    assert_feedback(check_array(err.astype(np.float32), e, atol=1e-10, rtol=1e-8), "correct", expected=e)
    assert_feedback(check_array(torch.tensor(err, dtype=torch.float32), e, atol=1e-10, rtol=1e-8),
                    "correct", expected=e)
    assert_feedback(check_array(err, e, atol=1e-10, rtol=1e-8), "close", "lower precision", expected=e)
    assert_feedback(check_array(2 * e.astype(np.float32), e, atol=1e-10, rtol=1e-8), "wrong",
                    "same factor", expected=e)
    assert_feedback(check_scalar(np.float32(1.2345678 * (1 + 3e-6)), 1.2345678, atol=0, rtol=1e-8),
                    "correct", expected=1.2345678)
    assert_feedback(check_scalar(1.2345678 * (1 + 3e-6), 1.2345678, atol=0, rtol=1e-8), "close",
                    expected=1.2345678)


def test_tolerances_same_and_near():
    from rnn_helpers.exercises.feedback import FLOAT32_ATOL, FLOAT32_RTOL, near, same, tolerances

    assert tolerances(np.zeros(2), 1e-10, 1e-8) == (1e-10, 1e-8)
    assert tolerances(np.zeros(2, np.float32), 1e-10, 1e-8) == (FLOAT32_ATOL, FLOAT32_RTOL)
    assert tolerances((np.zeros(2), torch.zeros(2)), 1e-10, 1e-8) == (FLOAT32_ATOL, FLOAT32_RTOL)
    assert tolerances(np.zeros(2, np.float32), 1e-3, 1e-2) == (1e-3, 1e-2)  # never tighter
    assert tolerances([0.5, 0.25], 1e-10, 1e-8) == (1e-10, 1e-8)
    assert same(np.ones(3), [1, 1, 1 + 1e-12]) and not same(np.ones(3), np.ones(4))
    assert not same(None, np.ones(3)) and not same(np.full(2, np.nan), np.full(2, np.nan))
    assert not same(np.ones(3), 1 + 1e-6 * np.ones(3))
    assert near(0.5, 0.5 + 1e-9) and not near(0.5, 0.51) and not near(None, 0.5)
    assert not near(0.5, float("nan")) and near(1e-13, 0.0, atol=1e-12)


def test_constructors():
    assert CheckResult.correct().passed and CheckResult.correct().status == "correct"
    assert CheckResult.unsolved("x").message.startswith("`x` is still `None`")
    assert CheckResult.unsolved(message="stub").message == "stub"
    for kind in ("wrong", "close", "error"):
        result = getattr(CheckResult, kind)("msg")
        assert result.status == kind and not result.passed and result.message == "msg"


def test_readers_never_raise():
    from rnn_helpers.exercises.feedback import as_array, as_integer, as_number, read_array

    assert as_array(None) is None and as_array(True) is None and as_array("1") is None
    assert as_array(torch.ones(2)).dtype == np.float64
    assert as_number(np.float32(0.5)) == 0.5 and as_number(torch.tensor([2.0])) == 2.0
    for bad in (None, "0.5", True, [1.0, 2.0], float("nan"), float("inf"), {"a": 1}):
        assert as_number(bad) is None
    assert as_integer(np.int64(7)) == (7, None) and as_integer(7.0) == (7, None)
    for bad, status in ((None, "unsolved"), (7.5, "wrong"), (True, "wrong"), ("7", "wrong")):
        value, failure = as_integer(bad, "n")
        assert value is None and failure.status == status
    array, failure = read_array([[1, 2], [3, 4]], "M")
    assert failure is None and array.shape == (2, 2)
    assert read_array(None, "M")[1].status == "unsolved"
    assert_feedback(read_array("M", "M")[1], "wrong", "`M` should be an array of numbers")


def test_no_function_and_call_on_copies():
    from rnn_helpers.exercises.feedback import call_on_copies, no_function

    assert_feedback(no_function(None), "unsolved", "no function yet")
    assert_feedback(no_function(3), "wrong", "function is expected, but got a int")
    assert no_function(len) is None
    x, grads = np.ones(3), [np.ones(2), np.zeros(2)]

    def in_place(x, grads):
        grads[1] += 1
        return x

    assert_feedback(call_on_copies(in_place, (x, grads), ("x", "grads"), "return y")[1],
                    "wrong", "input `grads` in place")
    assert grads[1].tolist() == [0.0, 0.0]  # the caller's arrays are untouched
    assert_feedback(call_on_copies(lambda x, g: None, (x, grads), ("x", "grads"), "return y")[1],
                    "unsolved", "returned None", "`return y`")
    out, failure = call_on_copies(lambda x, g: x * 2, (x, grads), ("x", "grads"), "return y")
    assert failure is None and out.tolist() == [2.0, 2.0, 2.0]
    _, failure = call_on_copies(lambda x, g: x @ np.ones((2, 2)), (x, grads), ("x", "grads"),
                                "return y", shapes="x is (D,)")
    assert_feedback(failure, "error", "ValueError", "matrix product", "(x is (D,))")


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


def test_float32_tolerance_floor_scales_with_the_answer():
    """A small number is not accepted loosely just because it arrives in float32."""
    tiny = 3.0e-7
    assert_feedback(check_scalar(np.float32(tiny * 1.5), tiny, atol=0, rtol=1e-6), "wrong", "too large",
                    expected=tiny)
    assert_feedback(check_scalar(np.float32(tiny), tiny, atol=0, rtol=1e-6), "correct", expected=tiny)
    small = np.array([2e-7, -4e-7, 1e-7])
    assert not check_array((small * 1.5).astype(np.float32), small, atol=1e-12, rtol=1e-8).passed
    assert check_array(small.astype(np.float32), small, atol=1e-12, rtol=1e-8).passed


def test_rnn_step_case_shapes_scales_and_draw_order():
    from rnn_helpers.exercises.feedback import rnn_step_case

    N, D, H = 3, 4, 5
    x, prev_h, Wx, Wh, b = rnn_step_case(np.random.default_rng(7), N, D, H, w_scale=0.5,
                                         b_scale=0.25)
    assert [a.shape for a in (x, prev_h, Wx, Wh, b)] == [(N, D), (N, H), (D, H), (H, H), (H,)]
    assert np.all(np.abs(prev_h) < 1)
    # the same draws, in the documented order, from a fresh generator
    rng = np.random.default_rng(7)
    want_x = rng.standard_normal((N, D))
    want_prev = np.tanh(rng.standard_normal((N, H)))
    want_Wx = 0.5 * rng.standard_normal((D, H))
    want_Wh = 0.5 * rng.standard_normal((H, H))
    want_b = 0.25 * rng.standard_normal(H)
    for got, want in zip((x, prev_h, Wx, Wh, b), (want_x, want_prev, want_Wx, want_Wh, want_b)):
        assert np.array_equal(got, want)
