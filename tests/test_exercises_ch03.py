"""Tests of rnn_helpers.exercises.ch03: each mistake gets its diagnosis, no solution leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback, leaks
from rnn_helpers.exercises.ch03 import (
    ch03_tiny_rnn,
    check_ch03_credit_fraction,
    check_ch03_dh0,
    check_ch03_step_backward,
)
from rnn_helpers.numpy_rnn import rnn_backward, rnn_forward


# --- one backward step -------------------------------------------------------------


def make_step(da_rule="right", dx="right", dprev="right", dWx="right", dWh="right", db="right"):
    """A step-backward function with chosen mistakes."""

    def fn(dnext_h, x, prev_h, next_h, Wx, Wh):
        da = {
            "right": dnext_h * (1 - next_h**2),
            "missing": dnext_h,
            "no_square": dnext_h * (1 - next_h),
            "double_tanh": dnext_h * (1 - np.tanh(next_h) ** 2),
            "prev": dnext_h * (1 - prev_h**2),
        }[da_rule]
        out_dx = {"right": da @ Wx.T, "noT": da @ Wx if Wx.shape[0] == Wx.shape[1] else da @ Wx.T}[dx]
        out_dprev = {"right": da @ Wh.T, "noT": da @ Wh}[dprev]
        out_dWx = {"right": x.T @ da, "T": da.T @ x, "mean": x.T @ da / x.shape[0]}[dWx]
        out_dWh = {"right": prev_h.T @ da, "T": da.T @ prev_h, "next": next_h.T @ da}[dWh]
        out_db = {"right": da.sum(0), "batch": da, "mean": da.mean(0), "axis1": da.sum(1)}[db]
        return out_dx, out_dprev, out_dWx, out_dWh, out_db

    return fn


def reference_step(dnext_h, x, prev_h, next_h, Wx, Wh):
    da = dnext_h * (1 - next_h * next_h)  # (N, H)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def test_step_backward_correct():
    assert_feedback(check_ch03_step_backward(reference_step), "correct", "tanh'")
    assert_feedback(check_ch03_step_backward(make_step()), "correct")


def test_step_backward_accepts_torch_tensors():
    def fn(*args):
        return tuple(torch.from_numpy(np.asarray(v)) for v in reference_step(*args))

    assert check_ch03_step_backward(fn).passed


def test_step_backward_unsolved_and_not_callable():
    assert_feedback(check_ch03_step_backward(None), "unsolved", "no function")
    assert_feedback(check_ch03_step_backward(3), "wrong", "function is expected")

    def stub(*args):
        raise NotImplementedError

    assert_feedback(check_ch03_step_backward(stub), "unsolved", "NotImplementedError")

    def returns_none(*args):
        return None

    assert_feedback(check_ch03_step_backward(returns_none), "unsolved", "returned None")

    def stub_nones(dnext_h, x, prev_h, next_h, Wx, Wh):
        dx = dprev_h = dWx = dWh = db = None
        return dx, dprev_h, dWx, dWh, db

    assert_feedback(check_ch03_step_backward(stub_nones), "unsolved", "every gradient")


@pytest.mark.parametrize(
    "da_rule, fragment",
    [
        ("missing", "missing tanh'"),
        ("no_square", "square is missing"),
        ("double_tanh", "a second time"),
        ("prev", "not the previous state"),
    ],
)
def test_step_backward_diagnoses_the_tanh_prime_factor(da_rule, fragment):
    result = check_ch03_step_backward(make_step(da_rule=da_rule))
    assert_feedback(result, "wrong", fragment, "`dx`", "`db`")


@pytest.mark.parametrize(
    "kwargs, fragments",
    [
        (dict(dprev="noT"), ("`dprev_h` is wrong", "Wh.T", "`dx`, `dWx`, `dWh` and `db` are right")),
        (dict(dWh="T"), ("`dWh` is wrong", "transposed")),
        (dict(dWh="next"), ("`dWh` is wrong", "previous")),
        (dict(dWx="T"), ("`dWx` is wrong", "shape of Wx")),
        (dict(dWx="mean"), ("`dWx`", "batch size")),
        (dict(db="batch"), ("`db` is wrong", "batch axis")),
        (dict(db="mean"), ("`db`", "sum")),
        (dict(db="axis1"), ("`db`", "wrong axis")),
        (dict(dx="noT"), ("`dx` is wrong", "Wx.T")),
    ],
)
def test_step_backward_names_the_wrong_output(kwargs, fragments):
    assert_feedback(check_ch03_step_backward(make_step(**kwargs)), "wrong", *fragments)


def test_step_backward_reports_errors_and_in_place_changes():
    def crashes(dnext_h, x, prev_h, next_h, Wx, Wh):
        return dnext_h @ Wx, None, None, None, None  # (N, H) @ (D, H) does not fit

    assert_feedback(check_ch03_step_backward(crashes), "error", "matmul", "shape of each operand")

    def in_place(dnext_h, x, prev_h, next_h, Wx, Wh):
        dnext_h *= 1 - next_h**2
        return reference_step(dnext_h / (1 - next_h**2), x, prev_h, next_h, Wx, Wh)

    assert_feedback(check_ch03_step_backward(in_place), "wrong", "in place", "dnext_h")

    def four(*args):
        return reference_step(*args)[:4]

    assert_feedback(check_ch03_step_backward(four), "wrong", "4 values")


def test_step_backward_generic_fallback_does_not_leak():
    def noisy(*args):
        out = list(reference_step(*args))
        out[3] = out[3] + 0.37
        out[3][0, 0] += 1.0
        return tuple(out)

    result = check_ch03_step_backward(noisy)
    assert_feedback(result, "wrong", "`dWh` is wrong", "About `dWh`")


# --- dL/dh0 of the tiny RNN --------------------------------------------------------------


def true_dh0():
    p = ch03_tiny_rnn()
    h, cache = rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    dh = np.broadcast_to(p["v"], h.shape).copy()
    return rnn_backward(dh, cache)[1]  # (1, H)


def test_dh0_matches_torch_autograd():
    p = {k: torch.from_numpy(v) for k, v in ch03_tiny_rnn().items()}
    h0 = p["h0"].clone().requires_grad_(True)
    h, L = h0, 0.0
    for t in range(3):
        h = torch.tanh(p["x"][:, t] @ p["Wx"] + h @ p["Wh"] + p["b"])
        L = L + h[0] @ p["v"]
    L.backward()
    assert np.allclose(h0.grad.numpy(), true_dh0(), atol=1e-12)


def test_dh0_correct_in_both_shapes():
    assert_feedback(check_ch03_dh0(true_dh0()), "correct")
    assert_feedback(check_ch03_dh0(true_dh0()[0].tolist()), "correct")


def test_dh0_unsolved_and_bad_shape():
    assert_feedback(check_ch03_dh0(None), "unsolved")
    assert_feedback(check_ch03_dh0(np.zeros((2, 1))), "wrong", "shape")
    assert_feedback(check_ch03_dh0("0.1, 0.2"), "wrong")


def _dh0_variant(tanh_prime=True, transpose=False, which="all"):
    p = ch03_tiny_rnn()
    h, _ = rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])
    W = p["Wh"] if transpose else p["Wh"].T
    g = np.zeros((1, 2))
    for t in (2, 1, 0):
        direct = p["v"] if which == "all" or (which == "last" and t == 2) or (which == "first" and t == 0) else 0
        total = direct + g
        da = total * (1 - h[:, t] ** 2) if tanh_prime else total
        g = da @ W
    return g


@pytest.mark.parametrize(
    "answer, fragment",
    [
        (_dh0_variant(tanh_prime=False), "tanh' factor is missing"),
        (_dh0_variant(transpose=True), "Wh.T"),
        (_dh0_variant(tanh_prime=False, transpose=True), "two slips"),
        (_dh0_variant(which="last"), "l_3 alone"),
        (_dh0_variant(which="first"), "l_1 alone"),
        (-true_dh0(), "sign"),
    ],
)
def test_dh0_diagnoses(answer, fragment):
    result = check_ch03_dh0(answer)
    assert_feedback(result, "wrong", fragment)
    assert not leaks(result.message, true_dh0())


def test_dh0_generic_wrong():
    result = check_ch03_dh0(true_dh0() + np.array([[0.3, -0.8]]))
    assert result.status in ("wrong", "close") and not result.passed
    assert not leaks(result.message, true_dh0())


# --- share of targets truncation can teach -----------------------------------------------


@pytest.mark.parametrize("k, lag, expected", [(10, 4, 0.6), (8, 6, 0.25), (3, 6, 0.0), (5, 0, 1.0), (6, 6, 0.0)])
def test_credit_fraction_correct(k, lag, expected):
    assert_feedback(check_ch03_credit_fraction(expected, k, lag), "correct")


def test_credit_fraction_by_simulation():
    k, lag = 8, 3
    t = np.arange(k, 101 * k)  # 100 whole chunks, after the first
    same_chunk = (t // k) == ((t - lag) // k)
    assert check_ch03_credit_fraction(same_chunk.mean(), k, lag).passed


@pytest.mark.parametrize(
    "answer, k, lag, status, fragment",
    [
        (None, 8, 3, "unsolved", "None"),
        (-0.5, 4, 6, "wrong", "negative"),
        (3 / 8, 8, 3, "wrong", "earlier"),
        (6 / 8, 8, 3, "wrong", "off by one"),
        (4 / 8, 8, 3, "wrong", "off by one"),
        (62.5, 8, 3, "wrong", "percentage"),
        (0.9, 8, 3, "wrong", "too large"),
    ],
)
def test_credit_fraction_diagnoses(answer, k, lag, status, fragment):
    assert_feedback(check_ch03_credit_fraction(answer, k, lag), status, fragment)


@pytest.mark.parametrize("index, name", [(0, "dx"), (3, "dWh"), (4, "db"), (1, "dprev_h"), (2, "dWx")])
def test_step_backward_one_output_negated_is_not_a_tanh_prime_error(index, name):
    """Issue 11: a diagnosis must match all five outputs, not only the wrong one."""
    def negated(*args):
        out = list(reference_step(*args))
        out[index] = -out[index]
        return tuple(out)

    result = check_ch03_step_backward(negated)
    assert_feedback(result, "wrong", f"`{name}` is wrong", "wrong sign")
    assert "tanh'" not in result.message


def test_step_backward_two_outputs_wrong_get_two_diagnoses():
    result = check_ch03_step_backward(make_step(dWh="T", db="mean"))
    assert_feedback(result, "wrong", "`dWh` and `db` are wrong", "prev_h.T @ da", "is a mean")
    assert "tanh'" not in result.message


def test_step_backward_float32_passes():
    def float32_step(*args):
        return reference_step(*(a.astype(np.float32) for a in args))

    assert_feedback(check_ch03_step_backward(float32_step), "correct")
    assert_feedback(check_ch03_dh0(true_dh0().astype(np.float32)), "correct")


@pytest.mark.parametrize("k, lag, argument", [(0, 2, "k"), (4, -1, "lag"), (4.0, 1, "k")])
def test_credit_fraction_configuration_is_checked(k, lag, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        check_ch03_credit_fraction(0.5, k, lag)
