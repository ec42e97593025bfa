"""Tests of rnn_helpers.exercises.ch07: each diagnosis, the right answers, no leaks."""

import math

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.experiments.language_model import CharLM
from rnn_helpers.exercises.ch07 import (
    KN_CONTEXT,
    KN_DISCOUNT,
    KN_TEXT,
    check_ch07_kn_bigram,
    check_ch07_param_count,
    check_ch07_temperature_softmax,
    check_ch07_units,
)


# ------------------------------------------------------------------ units
NATS = 1.2345
BPC = NATS / math.log(2)
PPL = math.exp(NATS)


def test_units_correct_and_unsolved():
    assert_feedback(check_ch07_units(BPC, PPL, NATS), "correct")
    assert_feedback(check_ch07_units(np.float32(BPC), 2 ** BPC, NATS), "correct")
    assert_feedback(check_ch07_units(torch.tensor(BPC, dtype=torch.float64), PPL, NATS), "correct")
    assert_feedback(check_ch07_units(None, None, NATS), "unsolved")
    assert_feedback(check_ch07_units(BPC, None, NATS), "unsolved")


@pytest.mark.parametrize("bpc, fragment", [
    (NATS, "in nats"),
    (NATS * math.log(2), "multiplied"),
    (NATS / math.log(10), "base 10"),
    (PPL, "perplexity"),
    (math.log2(NATS), "already a logarithm"),
    (BPC * 1.3, "too large"),
])
def test_units_bpc_diagnoses(bpc, fragment):
    assert_feedback(check_ch07_units(bpc, PPL, NATS), "wrong", fragment, expected=[BPC, PPL])


@pytest.mark.parametrize("ppl, fragment", [
    (2 ** NATS, "bases are mixed"),
    (math.exp(BPC), "bases are mixed"),
    (10 ** NATS, "10 raised"),
    (math.exp(-NATS), "inverse"),
    (BPC, "bits per character"),
    (NATS, "equals the loss"),
])
def test_units_ppl_diagnoses(ppl, fragment):
    assert_feedback(check_ch07_units(BPC, ppl, NATS), "wrong", fragment, expected=[BPC, PPL])


def test_units_generic():
    assert_feedback(check_ch07_units("1.78", PPL, NATS), "wrong", "number")
    assert_feedback(check_ch07_units(BPC * (1 + 1e-4), PPL, NATS), "close")


# ------------------------------------------------------------- temperature
def good(logits, tau):
    z = logits / tau
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_temperature_correct_and_unsolved():
    assert_feedback(check_ch07_temperature_softmax(good), "correct")
    assert_feedback(check_ch07_temperature_softmax(
        lambda o, t: torch.softmax(torch.from_numpy(o) / t, dim=-1)), "correct")
    assert_feedback(check_ch07_temperature_softmax(None), "unsolved")

    def todo(o, t):
        raise NotImplementedError

    assert_feedback(check_ch07_temperature_softmax(todo), "unsolved")
    assert_feedback(check_ch07_temperature_softmax(lambda o, t: None), "unsolved")
    assert_feedback(check_ch07_temperature_softmax(3), "wrong", "function")


def no_max(o, t):
    e = np.exp(o / t)
    return e / e.sum(axis=-1, keepdims=True)


def in_place(o, t):
    o /= t
    return _softmax(o)


def global_max(o, t):
    z = (o - o.max()) / t  # one maximum for the whole batch
    e = np.exp(z)
    with np.errstate(invalid="ignore"):
        return e / e.sum(axis=-1, keepdims=True)  # 0 / 0 for a row far below the maximum


@pytest.mark.parametrize("fn, fragment", [
    (global_max, "one maximum for the whole batch"),
    (no_max, "subtract the largest"),
    (lambda o, t: _softmax(o), "no effect"),
    (lambda o, t: _softmax(o) / t, "divided the probabilities"),
    (lambda o, t: _softmax(o * t), "multiplied"),
    (lambda o, t: np.exp((o - o.max(axis=-1, keepdims=True)) / t), "not normalised"),
    (lambda o, t: np.log(good(o, t)), "log-probabilities"),
    (lambda o, t: _softmax(o / t, axis=0), "first axis"),
    (in_place, "in place"),
    (lambda o, t: good(o, t)[0], "shape"),
    (lambda o, t: 1 / 0, "ZeroDivisionError"),
])
def test_temperature_diagnoses(fn, fragment):
    result = check_ch07_temperature_softmax(fn)
    assert fragment.lower() in result.message.lower(), result.message
    assert not result.passed


def test_temperature_global_max_fails_on_the_mixed_batch_only():
    """Issue 12: a global maximum passes ordinary batches, so the hidden inputs hold a mixed one."""
    from rnn_helpers.exercises.ch07 import _temperature_cases

    cases = _temperature_cases()
    kinds = [kind for _, _, kind in cases]
    assert "mixed" in kinds
    for logits, tau, kind in cases:
        ok = np.all(np.isfinite(global_max(logits, tau)))
        assert ok == (kind != "mixed"), kind
        if ok:
            np.testing.assert_allclose(global_max(logits, tau), good(logits, tau), rtol=1e-12)
    assert_feedback(check_ch07_temperature_softmax(global_max), "wrong", "each row's own maximum")


@pytest.mark.parametrize("make", [
    lambda o, t: torch.softmax(torch.tensor(o, dtype=torch.float32) / t, dim=-1),
    lambda o, t: good(o.astype(np.float32), np.float32(t)),
    lambda o, t: torch.softmax(torch.tensor(o / t, dtype=torch.float32), dim=-1),
])
def test_temperature_float32_passes(make):
    assert_feedback(check_ch07_temperature_softmax(make), "correct")


def test_temperature_float32_slips_still_fail():
    assert_feedback(check_ch07_temperature_softmax(
        lambda o, t: torch.softmax(torch.tensor(o * t, dtype=torch.float32), dim=-1)), "wrong", "multiplied")
    assert not check_ch07_temperature_softmax(
        lambda o, t: good(o, t).astype(np.float32) * (1 + 1e-3)).passed


# ---------------------------------------------------------- Kneser-Ney bigram
VOCAB = sorted(set(KN_TEXT))
RIGHT = np.array([0.625 + 0.375 * 3 / 7] + [0.375 / 7] * 4)  # by hand, see the chapter
TOP = np.array([0.625, 0, 0, 0, 0])  # the discounted bigram term alone


def test_kn_accepts_the_solutions_printed_values():
    """Issue 12: the 4-decimal values the solution prints must pass (they sum to 1.0001)."""
    printed = np.round(RIGHT, 4)
    assert abs(printed.sum() - 1) > 5e-5
    assert_feedback(check_ch07_kn_bigram(printed), "correct")
    assert_feedback(check_ch07_kn_bigram(np.round(RIGHT, 3)), "correct")
    assert_feedback(check_ch07_kn_bigram(RIGHT.astype(np.float32)), "correct")
    assert_feedback(check_ch07_kn_bigram(RIGHT + np.array([0.005, -0.005, 0, 0, 0])), "close",
                    expected=RIGHT)


def test_kn_setting_and_hand_computation():
    assert VOCAB == ["a", "b", "c", "d", "r"] and KN_CONTEXT == "r" and KN_DISCOUNT == 0.75
    assert_feedback(check_ch07_kn_bigram(RIGHT), "correct")
    assert_feedback(check_ch07_kn_bigram(RIGHT.tolist()), "correct")
    assert_feedback(check_ch07_kn_bigram(None), "unsolved")


@pytest.mark.parametrize("answer, fragment", [
    ([1.0, 0, 0, 0, 0], "maximum-likelihood"),
    ([0.625, 0, 0, 0, 0], "interpolation term is missing"),
    (TOP + 0.375 * np.array([5, 2, 1, 1, 2]) / 11, "raw unigram"),
    (TOP + 0.375 * np.full(5, 0.2), "uniform"),
    (np.array([1.0, 0, 0, 0, 0]) + 0.375 * np.array([3, 1, 1, 1, 1]) / 7, "not discounted"),
    ([0.5, 0.2, 0.1, 0.1, 0.05], "sum to"),
    ([0.2] * 5, "differ"),
    (RIGHT[:4], "shape"),
])
def test_kn_diagnoses(answer, fragment):
    assert_feedback(check_ch07_kn_bigram(answer), "wrong", fragment, expected=RIGHT)


# ------------------------------------------------------------ parameter count
V, E, H = 94, 32, 128


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_param_count_matches_torch(cell):
    n = sum(p.numel() for p in CharLM(V, E, H, cell).parameters())
    assert_feedback(check_ch07_param_count(n, V, E, H, cell), "correct")


def test_param_count_unsolved_and_generic():
    assert_feedback(check_ch07_param_count(None, V, E, H), "unsolved")
    assert_feedback(check_ch07_param_count(1.5, V, E, H), "wrong", "whole number")
    n = sum(p.numel() for p in CharLM(V, E, H).parameters())
    assert_feedback(check_ch07_param_count(n + 7, V, E, H), "wrong", "too large", expected=n)
    with pytest.raises(ValueError, match="cell"):
        check_ch07_param_count(n, V, E, H, "rnn")


def rec(g, D=E, biases=2):
    return g * H * (D + H) + biases * g * H


@pytest.mark.parametrize("answer, fragment", [
    (V * E + rec(4, biases=1) + H * V + V, "two"),
    (V * E + rec(3) + H * V + V, "gate blocks"),
    (V * E + rec(1) + H * V + V, "plain rnn"),
    (rec(4) + H * V + V, "embedding"),
    (V * E + rec(4), "read-out layer"),
    (V * E + rec(4) + H * V, "read-out bias"),
    (rec(4, D=V) + H * V + V, "one-hot"),
])
def test_param_count_diagnoses(answer, fragment):
    n = sum(p.numel() for p in CharLM(V, E, H).parameters())
    assert_feedback(check_ch07_param_count(answer, V, E, H), "wrong", fragment, expected=n)


@pytest.mark.parametrize("call, argument", [
    (lambda: check_ch07_units(1.0, 2.0, -0.5), "nats"),
    (lambda: check_ch07_units(1.0, 2.0, "1.2"), "nats"),
    (lambda: check_ch07_param_count(10, 0, E, H), "V"),
    (lambda: check_ch07_param_count(10, V, E, H, "LSTM "), "cell"),
])
def test_configuration_arguments_are_checked(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        call()
