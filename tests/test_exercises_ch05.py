"""Tests of rnn_helpers.exercises.ch05: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch05 import (
    ch05_backward_case,
    check_ch05_dprev_c,
    check_ch05_lstm_step,
    check_ch05_param_count,
    check_ch05_tf1_to_torch,
)
from rnn_helpers.numpy_rnn.layout import from_tf1, torch_layout_from_ours
from rnn_helpers.numpy_rnn import lstm_step_forward


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


# ---------------------------------------------------------------- one LSTM step
def good_step(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
    g, o = np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
    c = f * prev_c + i * g
    return o * np.tanh(c), c


def step_with(order="ifgo", acts=None, cell="ok", out="ok", swap=False, bias=True):
    """A learner's step with a chosen mistake."""
    act = {"i": sigmoid, "f": sigmoid, "g": np.tanh, "o": sigmoid}
    act.update(acts or {})

    def fn(x, prev_h, prev_c, Wx, Wh, b):
        H = prev_h.shape[1]
        a = x @ Wx + prev_h @ Wh + (b if bias else 0)
        blocks = {gate: a[:, k * H:(k + 1) * H] for k, gate in enumerate(order)}
        i, f, g, o = (act[k](blocks[k]) for k in "ifgo")
        c = {"ok": f * prev_c + i * g, "no_forget": prev_c + i * g,
             "no_input": f * prev_c + g}[cell]
        h = {"ok": o * np.tanh(c), "no_tanh": o * c, "prev_c": o * np.tanh(prev_c)}[out]
        return (c, h) if swap else (h, c)

    return fn


def test_step_correct_and_package_version_pass():
    assert_feedback(check_ch05_lstm_step(good_step), "correct")

    def package(x, prev_h, prev_c, Wx, Wh, b):
        h, c, _ = lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
        return h, c

    assert_feedback(check_ch05_lstm_step(package), "correct")

    def torch_version(x, prev_h, prev_c, Wx, Wh, b):  # torch tensors are fine too
        a = torch.tensor(x @ Wx + prev_h @ Wh + b)
        i, f, g, o = a.chunk(4, dim=1)
        c = torch.sigmoid(f) * torch.tensor(prev_c) + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    assert_feedback(check_ch05_lstm_step(torch_version), "correct")


def test_step_unsolved_and_errors():
    assert_feedback(check_ch05_lstm_step(None), "unsolved")

    def stub(*args):
        raise NotImplementedError

    assert_feedback(check_ch05_lstm_step(stub), "unsolved")
    assert_feedback(check_ch05_lstm_step(lambda *a: None), "unsolved", "return")
    assert_feedback(check_ch05_lstm_step(lambda *a: (None, None)), "unsolved", "None values")
    assert_feedback(check_ch05_lstm_step(42), "wrong", "function")

    def swapped_weights(x, prev_h, prev_c, Wx, Wh, b):
        return x @ Wh, prev_c

    assert_feedback(check_ch05_lstm_step(swapped_weights), "error", "shapes")


@pytest.mark.parametrize("fn, fragments", [
    (step_with(order="igfo"), ("tensorflow 1", "i, j, f, o")),
    (step_with(order="iofg"), ("onnx",)),
    (step_with(order="figo"), ("input gate", "forget gate", "swapped")),
    (step_with(order="ifog"), ("swapped",)),
    (step_with(order="oifg"), ("mixed up",)),
    (step_with(acts={"g": sigmoid}), ("candidate", "tanh")),
    (step_with(acts={"f": np.tanh}), ("forget gate", "sigmoid")),
    (step_with(acts={"o": np.tanh}), ("output gate",)),
    (step_with(cell="no_forget"), ("1997", "forget gate")),
    (step_with(cell="no_input"), ("input gate",)),
    (step_with(out="no_tanh"), ("misses the tanh",)),
    (step_with(out="prev_c"), ("old cell state",)),
    (step_with(swap=True), ("wrong order",)),
    (step_with(bias=False), ("bias b is missing",)),
])
def test_step_diagnoses(fn, fragments):
    assert_feedback(check_ch05_lstm_step(fn), "wrong", *fragments)


def test_step_dropped_bias_is_not_a_gate_message():
    result = check_ch05_lstm_step(step_with(bias=False))
    assert_feedback(result, "wrong", "bias b is missing")
    assert "responds wrongly" not in result.message and "order" not in result.message


def test_step_float32_passes_and_float32_slips_are_diagnosed():
    def float32_step(*args):
        return good_step(*(a.astype(np.float32) for a in args))

    assert_feedback(check_ch05_lstm_step(float32_step), "correct")

    def float32_torch(x, prev_h, prev_c, Wx, Wh, b):
        cell = torch.nn.LSTMCell(Wx.shape[0], Wh.shape[0])
        with torch.no_grad():
            cell.weight_ih.copy_(torch.tensor(Wx.T))
            cell.weight_hh.copy_(torch.tensor(Wh.T))
            cell.bias_ih.copy_(torch.tensor(b))
            cell.bias_hh.zero_()
            h, c = cell(torch.tensor(x, dtype=torch.float32),
                        (torch.tensor(prev_h, dtype=torch.float32), torch.tensor(prev_c, dtype=torch.float32)))
        return h, c

    assert_feedback(check_ch05_lstm_step(float32_torch), "correct")
    slip = step_with(order="igfo")
    assert_feedback(check_ch05_lstm_step(lambda *a: slip(*(v.astype(np.float32) for v in a))),
                    "wrong", "tensorflow 1")
    assert_feedback(check_ch05_dprev_c(RIGHT_DC.astype(np.float32)), "correct")


def test_step_probe_names_the_gate():
    def bad_forget(x, prev_h, prev_c, Wx, Wh, b):  # forget gate squared: not a listed mistake
        h, c = good_step(x, prev_h, prev_c, Wx, Wh, b)
        H = prev_h.shape[1]
        a = x @ Wx + prev_h @ Wh + b
        f = sigmoid(a[:, H:2 * H])
        c = c - f * prev_c + f * f * prev_c
        return h * 0 + sigmoid(a[:, 3 * H:]) * np.tanh(c), c

    result = check_ch05_lstm_step(bad_forget)
    assert_feedback(result, "wrong", "forget gate")
    assert "input gate" not in result.message

    def bad_output(x, prev_h, prev_c, Wx, Wh, b):
        h, c = good_step(x, prev_h, prev_c, Wx, Wh, b)
        H = prev_h.shape[1]
        a = x @ Wx + prev_h @ Wh + b
        return sigmoid(2 * a[:, 3 * H:]) * np.tanh(c), c

    assert_feedback(check_ch05_lstm_step(bad_output), "wrong", "next_c is right", "3H:4H")


def test_step_shapes_and_in_place():
    def one_output(x, prev_h, prev_c, Wx, Wh, b):
        return good_step(x, prev_h, prev_c, Wx, Wh, b)[0]

    assert_feedback(check_ch05_lstm_step(one_output), "wrong", "two arrays")

    def all_gates(x, prev_h, prev_c, Wx, Wh, b):
        a = x @ Wx + prev_h @ Wh + b
        return a, a

    assert_feedback(check_ch05_lstm_step(all_gates), "wrong", "four gates")

    def in_place(x, prev_h, prev_c, Wx, Wh, b):
        h, c = good_step(x, prev_h, prev_c, Wx, Wh, b)
        prev_c[:] = c
        return h, c

    assert_feedback(check_ch05_lstm_step(in_place), "wrong", "in place")


# ---------------------------------------------------------------- dc_{t-1}
CASE = ch05_backward_case()
TC = np.tanh(CASE["next_c"])
THROUGH_H = CASE["dnext_h"] * CASE["o"] * (1 - TC ** 2)
RIGHT_DC = (CASE["dnext_c"] + THROUGH_H) * CASE["f"]


def test_backward_case_is_deterministic_and_consistent():
    again = ch05_backward_case()
    assert all(np.array_equal(CASE[k], again[k]) for k in CASE)
    np.testing.assert_allclose(CASE["next_c"], CASE["f"] * CASE["prev_c"] + CASE["i"] * CASE["g"])
    assert all(v.shape == (2, 3) for v in CASE.values())


def test_dprev_c_correct_and_matches_the_package():
    assert_feedback(check_ch05_dprev_c(RIGHT_DC), "correct")
    assert_feedback(check_ch05_dprev_c(torch.tensor(RIGHT_DC)), "correct")
    assert_feedback(check_ch05_dprev_c(RIGHT_DC.tolist()), "correct")
    assert_feedback(check_ch05_dprev_c(None), "unsolved")
    # the package's lstm_step_backward gives the same dprev_c
    rng = np.random.default_rng(0)
    N, D, H = 2, 3, 3
    x, h0, c0 = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, 4 * H)), rng.standard_normal((H, 4 * H)), rng.standard_normal(4 * H)
    h1, c1, cache = lstm_step_forward(x, h0, c0, Wx, Wh, b)
    dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H))
    t = np.tanh(c1)
    expected = (dc + dh * cache["o"] * (1 - t ** 2)) * cache["f"]
    from rnn_helpers.numpy_rnn import lstm_step_backward

    np.testing.assert_allclose(lstm_step_backward(dh, dc, cache)[2], expected, atol=1e-14)


@pytest.mark.parametrize("answer, fragment", [
    (CASE["dnext_c"] * CASE["f"], "through h_t"),
    (CASE["dnext_c"] + THROUGH_H, "multiply by f"),
    (CASE["dnext_c"] * CASE["f"] + THROUGH_H, "whole gradient"),
    ((CASE["dnext_c"] + CASE["dnext_h"] * CASE["o"] * (1 - CASE["next_c"] ** 2)) * CASE["f"],
     "1 − c²"),
    ((CASE["dnext_c"] + CASE["dnext_h"] * CASE["o"] * TC) * CASE["f"], "derivative of tanh"),
    ((CASE["dnext_c"] + CASE["dnext_h"] * (1 - TC ** 2)) * CASE["f"], "output gate"),
    ((CASE["dnext_c"] + THROUGH_H) * CASE["i"], "not the input gate"),
    ((CASE["dnext_c"] + THROUGH_H) * CASE["f"] * (1 - CASE["f"]), "sigmoid's derivative"),
    (-RIGHT_DC, "sign"),
])
def test_dprev_c_diagnoses(answer, fragment):
    assert_feedback(check_ch05_dprev_c(answer), "wrong", fragment, expected=RIGHT_DC)


def test_dprev_c_generic_messages():
    assert_feedback(check_ch05_dprev_c(np.zeros(3)), "wrong", "shape")
    assert_feedback(check_ch05_dprev_c("dc"), "wrong")
    assert_feedback(check_ch05_dprev_c(RIGHT_DC + 1e-3 * np.arange(6).reshape(2, 3)), "close")


# ---------------------------------------------------------------- TF1 -> PyTorch
def good_tf1(kernel, bias, input_size, forget_bias):
    Wx, Wh, b = from_tf1(kernel, bias, input_size, forget_bias)
    w_ih, w_hh, b_ih, _ = torch_layout_from_ours(Wx, Wh, b)
    return w_ih, w_hh, b_ih


def by_hand(kernel, bias, input_size, forget_bias, order=(0, 2, 1, 3), add_fb=True,
            transpose=True, fb_block=1, swap_xh=False):
    H = kernel.shape[1] // 4
    D = input_size

    def reorder(a):
        return np.concatenate([a[..., j * H:(j + 1) * H] for j in order], axis=-1)

    Wx, Wh, b = reorder(kernel[:D]), reorder(kernel[D:]), reorder(bias).copy()
    if add_fb:
        b[fb_block * H:(fb_block + 1) * H] += forget_bias
    if swap_xh:
        Wx, Wh = Wh, Wx
    if transpose:
        return Wx.T, Wh.T, b
    return Wx, Wh, b


def test_tf1_correct_variants_pass():
    assert_feedback(check_ch05_tf1_to_torch(good_tf1), "correct")
    assert_feedback(check_ch05_tf1_to_torch(by_hand), "correct")

    def four(kernel, bias, input_size, forget_bias):
        w_ih, w_hh, b = good_tf1(kernel, bias, input_size, forget_bias)
        return torch.tensor(w_ih), torch.tensor(w_hh), torch.tensor(b / 2), torch.tensor(b / 2)

    assert_feedback(check_ch05_tf1_to_torch(four), "correct")
    assert_feedback(check_ch05_tf1_to_torch(None), "unsolved")
    assert_feedback(check_ch05_tf1_to_torch(lambda *a: None), "unsolved")
    assert_feedback(check_ch05_tf1_to_torch(lambda *a: (None, None, None)), "unsolved")


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(order=(0, 1, 2, 3)), "keeps tensorflow 1's block order"),
    (dict(order=(2, 0, 1, 3)), "pytorch's i"),
    (dict(order=(0, 2, 3, 1)), "wrong places"),
    (dict(add_fb=False), "forget_bias"),
    (dict(fb_block=0), "belongs to the forget gate"),
    (dict(transpose=False), "not transposed"),
    (dict(swap_xh=True), "swapped"),
])
def test_tf1_diagnoses(kwargs, fragment):
    fn = lambda k, b, d, fb: by_hand(k, b, d, fb, **kwargs)  # noqa: E731
    assert_feedback(check_ch05_tf1_to_torch(fn), "wrong", fragment)


def test_tf1_forget_bias_in_both_biases():
    """Issue 11: the trap the chapter warns about, forget_bias in bias_ih and bias_hh, is named."""
    def both(kernel, bias, input_size, forget_bias):
        w_ih, w_hh, b_ih = good_tf1(kernel, bias, input_size, forget_bias)
        H = w_hh.shape[1]
        b_hh = np.zeros_like(b_ih)
        b_hh[H:2 * H] = forget_bias
        return w_ih, w_hh, b_ih, b_hh

    assert_feedback(check_ch05_tf1_to_torch(both), "wrong", "counted twice", "bias_ih and bias_hh",
                    "one of them only")

    def twice_in_one(kernel, bias, input_size, forget_bias):
        return by_hand(kernel, bias, input_size, 2 * forget_bias)

    assert_feedback(check_ch05_tf1_to_torch(twice_in_one), "wrong", "added twice")

    def bias_in_both(kernel, bias, input_size, forget_bias):
        w_ih, w_hh, b_ih = good_tf1(kernel, bias, input_size, forget_bias)
        return w_ih, w_hh, b_ih, b_ih.copy()

    assert_feedback(check_ch05_tf1_to_torch(bias_in_both), "wrong", "bias is counted twice")

    def split(kernel, bias, input_size, forget_bias):  # right: the sum is what counts
        w_ih, w_hh, b_ih = good_tf1(kernel, bias, input_size, forget_bias)
        H = w_hh.shape[1]
        b_hh = np.zeros_like(b_ih)
        b_hh[H:2 * H], b_ih = forget_bias, b_ih.copy()
        b_ih[H:2 * H] -= forget_bias
        return w_ih, w_hh, b_ih, b_hh

    assert_feedback(check_ch05_tf1_to_torch(split), "correct")


def test_tf1_float32_passes():
    def float32(kernel, bias, input_size, forget_bias):
        return tuple(v.astype(np.float32) for v in good_tf1(kernel, bias, input_size, forget_bias))

    assert_feedback(check_ch05_tf1_to_torch(float32), "correct")


def test_tf1_bias_in_tf_order():
    def fn(kernel, bias, input_size, forget_bias):
        w_ih, w_hh, _ = good_tf1(kernel, bias, input_size, forget_bias)
        return w_ih, w_hh, bias

    assert_feedback(check_ch05_tf1_to_torch(fn), "wrong", "bias` keeps")


def test_tf1_in_place_is_reported():
    def fn(kernel, bias, input_size, forget_bias):
        out = good_tf1(kernel, bias, input_size, forget_bias)
        kernel *= 2
        return out

    assert_feedback(check_ch05_tf1_to_torch(fn), "wrong", "in place")


# ---------------------------------------------------------------- parameter count
def test_param_count_matches_torch_and_diagnoses():
    D, H = 10, 20
    n_torch = sum(p.numel() for p in torch.nn.LSTM(D, H).parameters())
    assert_feedback(check_ch05_param_count(n_torch, D, H), "correct")
    assert_feedback(check_ch05_param_count(np.int64(n_torch), D, H), "correct")
    assert_feedback(check_ch05_param_count(None, D, H), "unsolved")
    assert_feedback(check_ch05_param_count(4 * (D * H + H * H + H), D, H), "wrong", "two")
    assert_feedback(check_ch05_param_count(4 * (D * H + H * H), D, H), "wrong", "biases")
    assert_feedback(check_ch05_param_count(D * H + H * H + 2 * H, D, H), "wrong", "four")
    gru = sum(p.numel() for p in torch.nn.GRU(D, H).parameters())
    assert_feedback(check_ch05_param_count(gru, D, H), "wrong", "gru")
    assert_feedback(check_ch05_param_count(n_torch + 7, D, H), "wrong", "too large")
    assert_feedback(check_ch05_param_count(12.5, D, H), "wrong", "whole number")


def test_param_count_configuration_is_checked():
    with pytest.raises(ValueError, match=r"^H: expected a positive integer"):
        check_ch05_param_count(10, 3, 0)
