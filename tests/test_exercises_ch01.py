"""Tests of rnn_helpers.exercises.ch01: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch01 import (
    _ch01_step_cases,
    check_ch01_output_shape,
    check_ch01_param_count,
    check_ch01_rnn_step,
    check_ch01_window_accuracy,
)

# --- parameter count -----------------------------------------------------------

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


@pytest.mark.parametrize("D_, H_, Q_", [(3, 4, 3), (5, 4, 5)])
def test_param_count_missing_w_hq_when_d_equals_q(D_, H_, Q_):
    """With D = Q, W_xh (H x D) and W_hq (Q x H) have the same size: name both, not W_xh alone."""
    n = H_ * D_ + H_ * H_ + H_ + Q_ * H_ + Q_
    result = check_ch01_param_count(n - Q_ * H_, D_, H_, Q_)
    assert_feedback(result, "wrong", "w_hq", "w_xh", "same number of entries", expected=n)
    assert "The input matrix W_xh is missing" not in result.message


def test_param_count_missing_w_hq_or_w_xh_when_sizes_differ():
    n = N_ALL  # D = 3, Q = 5: the two matrices differ in size
    result = check_ch01_param_count(n - Q * H, D, H, Q)
    assert_feedback(result, "wrong", "output matrix w_hq is missing", expected=n)
    assert "W_xh" not in result.message
    result = check_ch01_param_count(n - H * D, D, H, Q)
    assert_feedback(result, "wrong", "input matrix w_xh is missing", expected=n)
    assert "W_hq" not in result.message


def test_param_count_missing_w_hh_or_w_xh_when_d_equals_h():
    n = 4 * 4 + 4 * 4 + 4
    assert_feedback(check_ch01_param_count(n - 16, 4, 4), "wrong", "w_hh or w_xh", expected=n)
    assert_feedback(check_ch01_param_count(n - 4, 4, 4), "wrong", "b_h has h entries", expected=n)


def good_step(x, prev_h, Wx, Wh, b):
    return np.tanh(x @ Wx + prev_h @ Wh + b)


# the hidden outputs of a right step function: no message may show them
STEP_OUTPUTS = np.concatenate([good_step(*case).ravel() for case in _ch01_step_cases()])


def test_rnn_step_correct_also_as_tuple_torch_and_float32():
    assert_feedback(check_ch01_rnn_step(good_step), "correct")
    assert_feedback(check_ch01_rnn_step(lambda *a: (good_step(*a), {})), "correct")
    assert_feedback(check_ch01_rnn_step(
        lambda *a: torch.tanh(torch.tensor(a[0] @ a[2] + a[1] @ a[3] + a[4]))), "correct")
    assert_feedback(check_ch01_rnn_step(
        lambda *a: good_step(*(v.astype(np.float32) for v in a))), "correct")


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
    assert_feedback(check_ch01_rnn_step(fn), status, fragment, expected=STEP_OUTPUTS)


def test_rnn_step_detects_in_place_changes():
    def mutating(x, prev_h, Wx, Wh, b):
        prev_h += 0
        prev_h *= 1.5
        return good_step(x, prev_h, Wx, Wh, b)

    assert_feedback(check_ch01_rnn_step(mutating), "wrong", "in place", "prev_h")


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


def test_rnn_step_transposed_output_hint_names_no_other_exercise():
    result = check_ch01_rnn_step(lambda *a: good_step(*a).T)
    assert_feedback(result, "wrong", "transposed", expected=STEP_OUTPUTS)


@pytest.mark.parametrize("call, argument", [
    (lambda: check_ch01_param_count(10, 0, 4), "D"),
    (lambda: check_ch01_param_count(10, 3, 4.0), "H"),
    (lambda: check_ch01_param_count(10, 3, 4, Q=0), "Q"),
    (lambda: check_ch01_output_shape((1, 2, 3), 1, 2, 3, -1), "H"),
    (lambda: check_ch01_window_accuracy(0.5, T=10, k=11), "k"),
    (lambda: check_ch01_window_accuracy(0.5, T=0, k=0), "T"),
])
def test_configuration_arguments_are_checked(call, argument):
    """The exercise's own arguments (not the learner's answer) raise ValueError naming them."""
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        call()
