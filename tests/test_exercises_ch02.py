"""Tests of rnn_helpers.exercises.ch02: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch02 import (
    ch02_padded_batch,
    check_ch02_linear_cell_matrix,
    check_ch02_masked_cross_entropy,
    check_ch02_output_probs,
    check_ch02_torch_rnn_params,
)


# --- output layer and softmax ----------------------------------------------------


def stable_softmax(s, axis=-1):
    e = np.exp(s - s.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def good_probs(h, Wq, bq):
    return stable_softmax(h @ Wq + bq)  # (N, T, Q)


def test_output_probs_correct_numpy_and_torch():
    assert_feedback(check_ch02_output_probs(good_probs), "correct")

    def torch_version(h, Wq, bq):
        return torch.softmax(torch.from_numpy(h) @ torch.from_numpy(Wq) + torch.from_numpy(bq), dim=-1)

    assert_feedback(check_ch02_output_probs(torch_version), "correct")


def test_output_probs_unsolved_and_not_callable():
    assert_feedback(check_ch02_output_probs(None), "unsolved", "pass the function itself")
    assert_feedback(check_ch02_output_probs(lambda h, Wq, bq: None), "unsolved", "returned None")
    assert_feedback(check_ch02_output_probs(np.zeros(3)), "wrong", "function is expected")

    def stub(h, Wq, bq):
        raise NotImplementedError

    assert_feedback(check_ch02_output_probs(stub), "unsolved", "NotImplementedError")


def naive_softmax(s, axis=-1):
    e = np.exp(s)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("fn, fragment", [
    (lambda h, Wq, bq: h @ Wq + bq, "raw scores"),
    (lambda h, Wq, bq: np.log(stable_softmax(h @ Wq + bq)), "log-probabilities"),
    (lambda h, Wq, bq: stable_softmax(h @ Wq + bq, axis=1), "time axis"),
    (lambda h, Wq, bq: stable_softmax(h @ Wq + bq, axis=0), "batch axis"),
    (lambda h, Wq, bq: stable_softmax(h @ Wq), "bias bq is missing"),
    (lambda h, Wq, bq: stable_softmax(h @ Wq.T + bq), "transposed"),
    (lambda h, Wq, bq: naive_softmax(h @ Wq + bq), "overflow"),
    (lambda h, Wq, bq: np.exp(h @ Wq + bq - (h @ Wq + bq).max(axis=-1, keepdims=True)), "do not sum to 1"),
    (lambda h, Wq, bq: good_probs(h, Wq, bq).reshape(-1, Wq.shape[1]), "shape"),
])
def test_output_probs_diagnoses(fn, fragment):
    assert_feedback(check_ch02_output_probs(fn), "wrong", fragment)


def test_output_probs_in_place_and_errors():
    def in_place(h, Wq, bq):
        h *= 2
        return good_probs(h, Wq, bq)

    assert_feedback(check_ch02_output_probs(in_place), "wrong", "in place")
    assert_feedback(check_ch02_output_probs(lambda h, Wq, bq: bq @ h), "error", "matrix product")
    assert_feedback(check_ch02_output_probs(lambda h: h), "error", "TypeError")


# --- parameters of torch.nn.RNN ----------------------------------------------------

D, H = 10, 16


def torch_count(D, H, L):
    return sum(p.numel() for p in torch.nn.RNN(D, H, num_layers=L).parameters())


@pytest.mark.parametrize("L", [1, 2, 3])
def test_torch_params_correct_matches_torch(L):
    n = torch_count(D, H, L)
    assert_feedback(check_ch02_torch_rnn_params(n, D, H, L), "correct", expected=n)
    assert_feedback(check_ch02_torch_rnn_params(np.int64(n), D, H, L), "correct")
    assert_feedback(check_ch02_torch_rnn_params(torch.tensor(n), D, H, L), "correct")


def test_torch_params_one_layer_diagnoses():
    n = torch_count(D, H, 1)
    assert_feedback(check_ch02_torch_rnn_params(None, D, H), "unsolved")
    assert_feedback(check_ch02_torch_rnn_params(n - H, D, H), "wrong", "two bias vectors", expected=n)
    assert_feedback(check_ch02_torch_rnn_params(n - H * H, D, H), "wrong", "weight_hh", expected=n)
    assert_feedback(check_ch02_torch_rnn_params(n + 7, D, H), "wrong", "too large", expected=n)
    assert_feedback(check_ch02_torch_rnn_params(12.5, D, H), "wrong", "whole number", expected=n)


@pytest.mark.parametrize("answer, fragment", [
    (2 * (H * D + H * H + 2 * H), "only the first layer reads the input"),
    (H * D + H * H + 2 * H, "that is one layer"),
    (H * D + H * H + H, "one bias vector only"),
    (H * D + H * H + H + 2 * H * H + H, "one per layer"),
    (2 * (H * D + H * H + H), "two mistakes"),
])
def test_torch_params_two_layer_diagnoses(answer, fragment):
    n = torch_count(D, H, 2)
    assert_feedback(check_ch02_torch_rnn_params(answer, D, H, 2), "wrong", fragment, expected=n)


# --- masked cross-entropy ------------------------------------------------------------


def reference_loss():
    logits, targets, lengths = ch02_padded_batch()
    N, T, V = logits.shape
    mask = torch.arange(T)[None, :] < torch.from_numpy(lengths)[:, None]
    y = torch.where(mask, torch.from_numpy(targets), torch.tensor(-100))
    return torch.nn.functional.cross_entropy(torch.from_numpy(logits).reshape(-1, V), y.reshape(-1)).item()


def test_padded_batch_is_deterministic_and_padded():
    a, b = ch02_padded_batch(), ch02_padded_batch()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    logits, targets, lengths = a
    assert logits.shape == (3, 6, 5) and targets.shape == (3, 6) and list(lengths) == [6, 4, 2]
    real = np.arange(6)[None] < lengths[:, None]
    assert np.all(targets[~real] == 0) and np.all(targets[real] > 0)


def test_masked_ce_correct_and_unsolved():
    loss = reference_loss()
    assert_feedback(check_ch02_masked_cross_entropy(loss), "correct", expected=loss)
    assert_feedback(check_ch02_masked_cross_entropy(torch.tensor(loss)), "correct")
    assert_feedback(check_ch02_masked_cross_entropy(None), "unsolved", expected=loss)


def per_token():
    logits, targets, lengths = ch02_padded_batch()
    T = logits.shape[1]
    real = np.arange(T)[None] < lengths[:, None]
    logp = logits - logits.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    nll = -np.take_along_axis(logp, targets[..., None], -1)[..., 0]
    return logits, targets, lengths, real, nll


def test_masked_ce_diagnoses():
    logits, targets, lengths, real, nll = per_token()
    loss = reference_loss()
    N, T, V = logits.shape
    raw = -np.take_along_axis(logits, targets[..., None], -1)[..., 0]
    logp_t = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    nll_t = -np.take_along_axis(logp_t, targets[..., None], -1)[..., 0]
    cases = [
        (nll.mean(), "padded steps are included"),
        ((nll * real).sum() / (N * T), "divided by n * t"),
        ((nll * real).sum(), "sum over the real tokens"),
        (np.mean((nll * real).sum(1) / lengths), "per-sequence means"),
        (loss / np.log(2), "bits"),
        ((raw * real).sum() / real.sum(), "raw score"),
        ((nll_t * real).sum() / real.sum(), "time axis"),
        (-loss, "sign"),
        (loss * 1.0000001 + 1e-5, "close"),
    ]
    for answer, fragment in cases:
        status = "close" if fragment == "close" else "wrong"
        assert_feedback(check_ch02_masked_cross_entropy(answer), status, fragment, expected=loss)


# --- the linear i2h/i2o cell as one matrix ---------------------------------------------


def cell_weights(D=2, H=3, Q=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((H, D + H)), rng.standard_normal((Q, D + H))


def unrolled_matrix(W_i2h, W_i2o, T, D):
    """M by running the cell on the unit inputs (a completely independent route)."""
    cell_h = torch.nn.Linear(W_i2h.shape[1], W_i2h.shape[0], bias=False, dtype=torch.float64)
    cell_o = torch.nn.Linear(W_i2o.shape[1], W_i2o.shape[0], bias=False, dtype=torch.float64)
    with torch.no_grad():
        cell_h.weight.copy_(torch.from_numpy(W_i2h))
        cell_o.weight.copy_(torch.from_numpy(W_i2o))
        cols = []
        for j in range(T * D):
            xs = torch.zeros(T, 1, D, dtype=torch.float64)
            xs.view(-1)[j] = 1.0
            hidden = torch.zeros(1, W_i2h.shape[0], dtype=torch.float64)
            for t in range(T):
                combined = torch.cat((xs[t], hidden), 1)
                hidden, output = cell_h(combined), cell_o(combined)
            cols.append(output[0].numpy())
    return np.stack(cols, axis=1)  # (Q, T*D)


@pytest.mark.parametrize("T", [2, 3, 5])
def test_linear_cell_correct_matches_unrolled_torch_cell(T):
    W_i2h, W_i2o = cell_weights()
    M = unrolled_matrix(W_i2h, W_i2o, T, D=2)
    assert_feedback(check_ch02_linear_cell_matrix(M, W_i2h, W_i2o, T), "correct")
    assert_feedback(check_ch02_linear_cell_matrix(None, W_i2h, W_i2o, T), "unsolved")


def test_linear_cell_diagnoses():
    D, H, T = 2, 3, 3
    W_i2h, W_i2o = cell_weights(D, H)
    B, A = W_i2h[:, :D], W_i2h[:, D:]
    C, F = W_i2o[:, :D], W_i2o[:, D:]
    right = [F @ A @ B, F @ B, C]
    M = np.concatenate(right, axis=1)
    cases = [
        (np.concatenate(right[::-1], axis=1), "reverse time order"),
        (np.concatenate([F @ A @ A @ B, F @ A @ B, F @ B], axis=1), "new state h_t"),
        (np.concatenate([F @ A @ B, F @ B, 0 * C], axis=1), "direct path"),
        (M.T, "transposed"),
        (2 * M, "same factor"),
    ]
    for answer, fragment in cases:
        assert_feedback(check_ch02_linear_cell_matrix(answer, W_i2h, W_i2o, T), "wrong", fragment, expected=M)


def test_linear_cell_wrong_split_when_sizes_agree():
    D = H = 2
    T = 3
    W_i2h, W_i2o = cell_weights(D, H)
    A_bad, B_bad = W_i2h[:, :H], W_i2h[:, H:]
    F_bad, C_bad = W_i2o[:, :H], W_i2o[:, H:]
    swapped = np.concatenate([F_bad @ A_bad @ B_bad, F_bad @ B_bad, C_bad], axis=1)
    assert_feedback(check_ch02_linear_cell_matrix(swapped, W_i2h, W_i2o, T), "wrong", "split the wrong way")


def test_linear_cell_transposed_hint_is_about_m():
    """Issue 11: the shape hint must not talk about another exercise's x @ Wx."""
    D, H, T = 2, 3, 3
    W_i2h, W_i2o = cell_weights(D, H)
    M = unrolled_matrix(W_i2h, W_i2o, T, D)
    result = check_ch02_linear_cell_matrix(M.T, W_i2h, W_i2o, T)
    assert_feedback(result, "wrong", "transposed", expected=M)
    assert "Wx" not in result.message and "(N, D)" not in result.message


def test_output_probs_float32_passes():
    def float32_version(h, Wq, bq):
        return good_probs(h.astype(np.float32), Wq.astype(np.float32), bq.astype(np.float32))

    assert_feedback(check_ch02_output_probs(float32_version), "correct")
    assert_feedback(check_ch02_output_probs(lambda h, Wq, bq: float32_version(h, Wq, bq) * 2),
                    "wrong", "sum to 1")


@pytest.mark.parametrize("call, argument", [
    (lambda: check_ch02_torch_rnn_params(10, 3, 4, num_layers=0), "num_layers"),
    (lambda: check_ch02_torch_rnn_params(10, "3", 4), "D"),
    (lambda: check_ch02_linear_cell_matrix(None, *cell_weights(), T=1), "T"),
    (lambda: check_ch02_linear_cell_matrix(None, np.ones(3), cell_weights()[1], T=3), "W_i2h"),
    (lambda: check_ch02_linear_cell_matrix(None, cell_weights()[0], np.ones((4, 2)), T=3), "W_i2o"),
])
def test_configuration_arguments_are_checked(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        call()
