"""Tests of rnn_helpers.exercises.ch04: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch04 import (
    check_ch04_bound,
    check_ch04_clip_grad_norm,
    check_ch04_step_jacobian,
)


# ---------------------------------------------------------------- the bound
W = np.array([[0.5, 1.5, 0.0],
              [0.0, 0.5, 1.0],
              [0.2, 0.0, 0.5]])  # not symmetric: sigma_max > rho
K = 10
SIGMA = np.linalg.norm(W, 2)
RHO = np.max(np.abs(np.linalg.eigvals(W)))
RIGHT = (0.25 * SIGMA) ** K


def test_bound_matrix_separates_sigma_and_rho():
    assert SIGMA > RHO * 1.05


def test_bound_correct_and_unsolved():
    assert_feedback(check_ch04_bound(RIGHT, W, "sigmoid", K), "correct")
    assert_feedback(check_ch04_bound(np.float32(RIGHT), W, "sigmoid", K), "correct")
    assert_feedback(check_ch04_bound(RIGHT * (1 + 1e-4), W, "sigmoid", K), "close")
    assert_feedback(check_ch04_bound(torch.tensor(RIGHT, dtype=torch.float64), W, "sigmoid", K),
                    "correct")
    assert_feedback(check_ch04_bound(None, W, "sigmoid", K), "unsolved")


@pytest.mark.parametrize("answer, fragment", [
    ((0.25 * RHO) ** K, "spectral radius"),
    (SIGMA ** K, "γ is missing"),
    (RHO ** K, "two slips"),
    ((0.25 * np.linalg.norm(W, "fro")) ** K, "frobenius"),
    ((0.25 * SIGMA ** 2) ** K, "squared"),
    (0.25 * SIGMA ** K, "once per step"),
    ((0.25 * SIGMA) ** (K - 1), "off by one"),
    ((0.25 * SIGMA) ** (K + 1), "off by one"),
])
def test_bound_diagnoses(answer, fragment):
    assert_feedback(check_ch04_bound(answer, W, "sigmoid", K), "wrong", fragment, expected=RIGHT)


def test_bound_tanh_and_generic_messages():
    right = SIGMA ** K
    assert_feedback(check_ch04_bound(right, W, "tanh", K), "correct")
    assert_feedback(check_ch04_bound(RHO ** K, W, "tanh", K), "wrong", "spectral radius")
    assert_feedback(check_ch04_bound(2 * right, W, "tanh", K), "wrong", "too large", expected=right)
    assert_feedback(check_ch04_bound("big", W, "tanh", K), "wrong")
    assert_feedback(check_ch04_bound([1.0, 2.0], W, "tanh", K), "wrong", "single number")


# ---------------------------------------------------------------- the step Jacobian
def right_jacobian(a, W_hh):
    return (1 - np.tanh(a) ** 2)[:, :, None] * W_hh[None]


def test_step_jacobian_correct_torch_and_unsolved():
    assert_feedback(check_ch04_step_jacobian(right_jacobian), "correct")

    def with_torch(a, W_hh):
        a, W_hh = torch.tensor(a), torch.tensor(W_hh)
        return torch.diag_embed(1 - torch.tanh(a) ** 2) @ W_hh

    assert_feedback(check_ch04_step_jacobian(with_torch), "correct")
    assert_feedback(check_ch04_step_jacobian(None), "unsolved")
    assert_feedback(check_ch04_step_jacobian(lambda a, W: None), "unsolved")

    def todo(a, W):
        raise NotImplementedError

    assert_feedback(check_ch04_step_jacobian(todo), "unsolved", "NotImplementedError")
    assert_feedback(check_ch04_step_jacobian(3), "wrong", "function")


@pytest.mark.parametrize("fn, status, fragment", [
    (lambda a, W: np.broadcast_to(W, (a.shape[0],) + W.shape).copy(), "wrong", "derivative of tanh"),
    (lambda a, W: (1 - np.tanh(a) ** 2)[:, :, None] * W.T[None], "wrong", "transposed"),
    (lambda a, W: W[None] * (1 - np.tanh(a) ** 2)[:, None, :], "wrong", "rows"),
    (lambda a, W: np.tanh(a)[:, :, None] * W[None], "wrong", "1 − tanh(a)²"),
    (lambda a, W: (1 - a ** 2)[:, :, None] * W[None], "wrong", "pre-activation"),
    (lambda a, W: (np.exp(-a) / (1 + np.exp(-a)) ** 2)[:, :, None] * W[None], "wrong", "sigmoid"),
    (lambda a, W: -right_jacobian(a, W), "wrong", "sign"),
    (lambda a, W: 1 - np.tanh(a) ** 2, "wrong", "(N, H, H)"),
    (lambda a, W: right_jacobian(a, W)[0], "wrong", "batch"),
    (lambda a, W: a @ np.ones((2, 2)), "error", "matmul"),
])
def test_step_jacobian_diagnoses(fn, status, fragment):
    assert_feedback(check_ch04_step_jacobian(fn), status, fragment)


def test_step_jacobian_float32_passes_and_float32_slips_are_diagnosed():
    assert_feedback(check_ch04_step_jacobian(
        lambda a, W: right_jacobian(a.astype(np.float32), W.astype(np.float32))), "correct")
    assert_feedback(check_ch04_step_jacobian(
        lambda a, W: right_jacobian(a, W.T).astype(np.float32)), "wrong", "transposed")


def test_clip_a_little_off_is_not_accepted():
    def off(grads, c):
        return [g * (1 + 1e-4) for g in right_clip(grads, c)]

    assert not check_ch04_clip_grad_norm(off).passed


def test_step_jacobian_in_place_is_reported():
    def in_place(a, W):
        a *= 0
        return right_jacobian(a, W)

    assert_feedback(check_ch04_step_jacobian(in_place), "wrong", "in place")


# ---------------------------------------------------------------- norm clipping
def right_clip(grads, max_norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    scale = min(1.0, max_norm / total) if total > 0 else 1.0
    return [g * scale for g in grads]


def test_clip_correct_and_unsolved():
    assert_feedback(check_ch04_clip_grad_norm(right_clip), "correct")

    def with_torch(grads, max_norm):
        params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        return [p.grad for p in params]

    # torch divides by (norm + 1e-6): that is torch's own clipping, and right (issue 11)
    assert_feedback(check_ch04_clip_grad_norm(with_torch), "correct")

    def with_torch_float32(grads, max_norm):
        params = [torch.zeros(g.shape, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g, dtype=torch.float32)
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        return [p.grad for p in params]

    assert_feedback(check_ch04_clip_grad_norm(with_torch_float32), "correct")
    assert_feedback(check_ch04_clip_grad_norm(None), "unsolved")
    assert_feedback(check_ch04_clip_grad_norm(lambda g, c: None), "unsolved")


def value_clip(grads, c):
    return [np.clip(g, -c, c) for g in grads]


def per_array(grads, c):
    return [g * min(1.0, c / np.linalg.norm(g)) if np.linalg.norm(g) > 0 else g for g in grads]


def always(grads, c):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * c / total if total > 0 else g for g in grads]


def no_guard(grads, c):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g / total * min(total, c) for g in grads]  # 0 / 0 for a zero gradient


def python_no_guard(grads, c):
    total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    return [g * min(1.0, c / total) for g in grads]


def by_max(grads, c):
    m = max(np.max(np.abs(g)) for g in grads)
    return [g * min(1.0, c / m) if m > 0 else g for g in grads]


def too_long(grads, c):
    return [2 * g for g in right_clip(grads, c)]


def sign_flip(grads, c):
    return [-g for g in right_clip(grads, c)]


def in_place(grads, c):
    out = right_clip(grads, c)
    for g in grads:
        g *= 0.5
    return out


@pytest.mark.parametrize("fn, status, fragment", [
    (value_clip, "wrong", "value clipping"),
    (per_array, "wrong", "each array on its own"),
    (always, "wrong", "untouched"),
    (no_guard, "wrong", "divided by its norm"),
    (python_no_guard, "error", "norm 0"),
    (by_max, "wrong", "largest entry"),
    (too_long, "wrong", "longer than max_norm"),
    (sign_flip, "wrong", "direction"),
    (in_place, "wrong", "in place"),
    (lambda g, c: np.concatenate([x.ravel() for x in g]), "wrong", "list"),
    (lambda g, c: right_clip(g, c)[:1], "wrong", "one clipped array per input"),
    (lambda g, c: [x.ravel() for x in right_clip(g, c)], "wrong", "shape"),
])
def test_clip_diagnoses(fn, status, fragment):
    assert_feedback(check_ch04_clip_grad_norm(fn), status, fragment)


@pytest.mark.parametrize("args, argument", [
    ((W, "sigmoid", 0), "k"),
    ((W[:2], "sigmoid", 3), "W_hh"),
    ((W, "softplus", 3), "activation"),
])
def test_bound_configuration_is_checked(args, argument):
    with pytest.raises(ValueError, match=rf"^{argument}"):
        check_ch04_bound(1.0, *args)
