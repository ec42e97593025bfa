"""Tests of rnn_helpers.exercises.ch11: the right answers pass, each typical
mistake gets its own diagnosis, None is "not yet solved", nothing leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch11 import (
    check_ch11_combine,
    check_ch11_hillis_steele_level,
    check_ch11_reverse_gradient,
    check_ch11_scan_work,
    hillis_steele_work,
)
from rnn_helpers.numpy_rnn.scan import combine, hillis_steele_level, scan_pattern


# ---------------------------------------------------------------- combine


def good_combine(left, right):
    (a1, b1), (a2, b2) = left, right
    return a1 * a2, a2 * b1 + b2


def torch_combine(left, right):
    (a1, b1), (a2, b2) = [(torch.as_tensor(a), torch.as_tensor(b)) for a, b in (left, right)]
    return a1 * a2, a2 * b1 + b2


def test_combine_correct_unsolved_and_types():
    for fn in (good_combine, combine, torch_combine):
        assert_feedback(check_ch11_combine(fn), "correct")
    assert_feedback(check_ch11_combine(None), "unsolved")

    def stub(left, right):
        raise NotImplementedError

    assert_feedback(check_ch11_combine(stub), "unsolved", "notimplementederror")
    assert_feedback(check_ch11_combine(lambda l, r: None), "unsolved", "returned none")
    assert_feedback(check_ch11_combine(lambda l, r: (None, None)), "unsolved", "`a_out` or `b_out`")
    assert_feedback(check_ch11_combine(lambda l, r: (l[0] * r[0], None)), "unsolved", "`b_out`")
    assert_feedback(check_ch11_hillis_steele_level(lambda A, B, s: (None, None)), "unsolved")
    assert_feedback(check_ch11_combine(3), "wrong", "function is expected")
    assert_feedback(check_ch11_combine(lambda l, r: l[0] * r[0]), "wrong", "pair")
    assert_feedback(check_ch11_combine(lambda l, r: (1, 2, 3)), "wrong", "two arrays")
    assert_feedback(check_ch11_combine(lambda l, r: 1 / 0), "error", "ZeroDivisionError")


def mutating(left, right):
    left[0] *= right[0]
    return left[0], right[0] * left[1] + right[1]


@pytest.mark.parametrize("fn, fragment", [
    (lambda l, r: (l[0] * r[0], l[0] * r[1] + l[1]), "wrong order"),
    (lambda l, r: (l[0] * r[0], l[1] + r[1]), "passes through the later step"),
    (lambda l, r: (l[0] * r[0], l[0] * l[1] + r[1]), "its own coefficient"),
    (lambda l, r: (l[0] + r[0], r[0] * l[1] + r[1]), "multiplication"),
    (lambda l, r: (r[0] * l[1] + r[1], l[0] * r[0]), "swapped"),
    (lambda l, r: (l[0] * r[0], 2 * (r[0] * l[1] + r[1])), "same factor"),
    (lambda l, r: (l[0] * r[0] + 1, r[0] * l[1] + r[1]), "off by the same amount"),
    (mutating, "in place"),
])
def test_combine_diagnoses(fn, fragment):
    assert_feedback(check_ch11_combine(fn), "wrong", fragment)


# ---------------------------------------------------------------- one level


def good_level(A, B, shift):
    A_new, B_new = A.copy(), B.copy()
    A_new[:, shift:] = A[:, :-shift] * A[:, shift:]
    B_new[:, shift:] = A[:, shift:] * B[:, :-shift] + B[:, shift:]
    return A_new, B_new


def roll_level(A, B, shift):
    rA, rB = np.roll(A, shift, axis=1), np.roll(B, shift, axis=1)
    return rA * A, A * rB + B


def swapped_level(A, B, shift):
    A_new, B_new = A.copy(), B.copy()
    A_new[:, shift:] = A[:, :-shift] * A[:, shift:]
    B_new[:, shift:] = A[:, :-shift] * B[:, shift:] + B[:, :-shift]
    return A_new, B_new


def inplace_level(A, B, shift):
    A, B = A.copy(), B.copy()
    for t in range(shift, A.shape[1]):
        A[:, t], B[:, t] = A[:, t - shift] * A[:, t], A[:, t] * B[:, t - shift] + B[:, t]
    return A, B


def no_a_level(A, B, shift):
    B_new = B.copy()
    B_new[:, shift:] = A[:, shift:] * B[:, :-shift] + B[:, shift:]
    return A.copy(), B_new


def double_level(A, B, shift):
    return hillis_steele_level(A, B, 2 * shift)


def off_by_one_level(A, B, shift):
    return hillis_steele_level(A, B, shift - 1) if shift > 1 else hillis_steele_level(A, B, shift)


def mutating_level(A, B, shift):
    A[:, shift:] = A[:, :-shift] * A[:, shift:]
    return A, B


def test_level_correct_and_unsolved():
    assert_feedback(check_ch11_hillis_steele_level(good_level), "correct")
    assert_feedback(check_ch11_hillis_steele_level(hillis_steele_level), "correct")
    assert_feedback(check_ch11_hillis_steele_level(None), "unsolved")


def test_slices_handle_a_shift_beyond_T():
    """With shift >= T the slices are empty and nothing changes (one hidden case has it)."""
    A = np.arange(3.0).reshape(1, 3, 1)
    out = good_level(A, A + 1, 8)
    np.testing.assert_array_equal(out[0], A)
    np.testing.assert_array_equal(out[1], A + 1)


@pytest.mark.parametrize("fn, fragment", [
    (roll_level, "np.roll wraps around"),
    (swapped_level, "earlier one"),
    (inplace_level, "in place while reading"),
    (no_a_level, "b is updated but a is not"),
    (double_level, "t - 2 * shift"),
    (off_by_one_level, "off by one"),
    (mutating_level, "changed its input"),
])
def test_level_diagnoses(fn, fragment):
    assert_feedback(check_ch11_hillis_steele_level(fn), "wrong", fragment)


def test_full_scan_from_a_correct_level():
    """A learner's level, applied ceil(log2 T) times, gives every prefix (as the chapter says)."""
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 1, (1, 13, 2)), rng.standard_normal((1, 13, 2))
    A, B, shift = a, b, 1
    while shift < 13:
        A, B = good_level(A, B, shift)
        shift *= 2
    h, prev = [], np.zeros(2)
    for t in range(13):
        prev = a[0, t] * prev + b[0, t]
        h.append(prev)
    np.testing.assert_allclose(B[0], np.array(h), rtol=1e-12)
    assert len(scan_pattern(13)) - 1 == 4


# ---------------------------------------------------------------- backward


def good_gradient(dh, a):
    g = np.zeros_like(dh)
    g[:, -1] = dh[:, -1]
    for t in range(dh.shape[1] - 2, -1, -1):
        g[:, t] = dh[:, t] + a[:, t + 1] * g[:, t + 1]
    return g


def scan_gradient(dh, a):
    from rnn_helpers.numpy_rnn.scan import linear_recurrence_scan

    a_next = np.zeros_like(a)
    a_next[:, :-1] = a[:, 1:]
    return linear_recurrence_scan(a_next[:, ::-1], dh[:, ::-1], np.zeros_like(dh[:, 0]))[:, ::-1]


def unshifted(dh, a):
    g, nxt = np.zeros_like(dh), np.zeros_like(dh[:, 0])
    for t in range(dh.shape[1] - 1, -1, -1):
        nxt = dh[:, t] + a[:, t] * nxt
        g[:, t] = nxt
    return g


def forwards(dh, a):
    g, prev = np.zeros_like(dh), np.zeros_like(dh[:, 0])
    for t in range(dh.shape[1]):
        prev = dh[:, t] + (a[:, t - 1] if t else 0) * prev
        g[:, t] = prev
    return g


def no_dh(dh, a):
    g = np.zeros_like(dh)
    g[:, -1] = dh[:, -1]
    for t in range(dh.shape[1] - 2, -1, -1):
        g[:, t] = a[:, t + 1] * g[:, t + 1]
    return g


def test_gradient_correct_against_autograd():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (2, 6, 3)), rng.standard_normal((2, 6, 3))
    dh = rng.standard_normal((2, 6, 3))
    bt = torch.tensor(b, requires_grad=True)
    prev, hs = torch.zeros(2, 3, dtype=torch.float64), []
    for t in range(6):
        prev = torch.tensor(a[:, t]) * prev + bt[:, t]
        hs.append(prev)
    torch.stack(hs, 1).backward(torch.tensor(dh))
    np.testing.assert_allclose(good_gradient(dh, a), bt.grad.numpy(), rtol=1e-12)  # g = dL/db
    assert_feedback(check_ch11_reverse_gradient(good_gradient), "correct")
    assert_feedback(check_ch11_reverse_gradient(scan_gradient), "correct")
    assert_feedback(check_ch11_reverse_gradient(None), "unsolved")


@pytest.mark.parametrize("fn, fragment", [
    (unshifted, "a_{t+1}"),
    (forwards, "forwards"),
    (no_dh, "its own dh_t"),
    (lambda dh, a: dh.copy(), "unchanged"),
    (lambda dh, a: 2 * good_gradient(dh, a), "same factor"),
    (lambda dh, a: good_gradient(dh, a)[:, :-1], "shape"),
])
def test_gradient_diagnoses(fn, fragment):
    assert_feedback(check_ch11_reverse_gradient(fn), "wrong", fragment)


# ---------------------------------------------------------------- work count


def test_work_count():
    T = 1000
    right = hillis_steele_work(T)
    assert right == sum(len(level["pairs"]) for level in scan_pattern(T)) == 10 * 1000 - 1023
    assert_feedback(check_ch11_scan_work(right, T), "correct")
    assert_feedback(check_ch11_scan_work(float(right), T), "correct")
    assert_feedback(check_ch11_scan_work(np.int64(right), T), "correct")
    assert_feedback(check_ch11_scan_work(None, T), "unsolved")
    assert_feedback(check_ch11_scan_work(right + 0.5, T), "wrong", "whole number")


@pytest.mark.parametrize("answer, fragment", [
    (10, "depth"),
    (999, "sequential loop"),
    (10_000, "no partner"),
    (9966, "order of magnitude"),
    (1998, "blelloch"),
    (12345, "too large"),
    (5000, "too small"),
])
def test_work_diagnoses(answer, fragment):
    assert_feedback(check_ch11_scan_work(answer, 1000), "wrong", fragment,
                    expected=hillis_steele_work(1000))


def test_work_arguments():
    with pytest.raises(ValueError, match="T"):
        check_ch11_scan_work(3, 1)
    with pytest.raises(ValueError, match="T"):
        hillis_steele_work(0)
