"""Tests of rnn_helpers.exercises.ch10: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch10 import (
    ch10_attention_inputs,
    ch10_metric_batch,
    ch10_target_batch,
    check_ch10_accuracies,
    check_ch10_attention_weights,
    check_ch10_decoder_inputs,
)
from rnn_helpers.models.seq2seq import additive_attention, char_accuracy, exact_match, teacher_forcing_inputs


# --- decoder inputs -------------------------------------------------------------


def test_decoder_inputs_correct():
    tgt = ch10_target_batch()
    assert_feedback(check_ch10_decoder_inputs(teacher_forcing_inputs(tgt)), "correct")
    right = np.concatenate([np.ones((3, 1), dtype=int), tgt[:, :-1]], axis=1)
    assert_feedback(check_ch10_decoder_inputs(right), "correct")
    assert_feedback(check_ch10_decoder_inputs(right.tolist()), "correct")
    eos_to_pad = np.where(right == 2, 0, right)
    assert_feedback(check_ch10_decoder_inputs(eos_to_pad), "correct", "loss ignores")


def test_decoder_inputs_unsolved_and_not_numeric():
    assert_feedback(check_ch10_decoder_inputs(None), "unsolved")
    assert_feedback(check_ch10_decoder_inputs("sos"), "wrong", "array of numbers")
    assert_feedback(check_ch10_decoder_inputs(np.full((3, 6), 0.5)), "wrong", "integer token ids")


@pytest.mark.parametrize("make, fragment", [
    (lambda t: t.copy(), "nothing is shifted"),
    (lambda t: np.concatenate([t[:, 1:], np.zeros((3, 1), int)], axis=1), "wrong way"),
    (lambda t: np.concatenate([np.ones((3, 1), int), t], axis=1), "one column too many"),
    (lambda t: t[:, :-1], "one column short"),
    (lambda t: np.concatenate([np.zeros((3, 1), int), t[:, :-1]], axis=1), "`<pad>` (id 0)"),
    (lambda t: np.concatenate([np.full((3, 1), 2), t[:, :-1]], axis=1), "`<eos>` (id 2)"),
    (lambda t: np.concatenate([t[:, :1], t[:, :-1]], axis=1), "first target"),
    (lambda t: np.concatenate([np.ones((3, 1), int), t[:, :-1]], axis=1).T, "transposed"),
    (lambda t: np.concatenate([np.ones((3, 1), int), t[:, 1:]], axis=1), "skip y_1"),
])
def test_decoder_inputs_diagnoses(make, fragment):
    assert_feedback(check_ch10_decoder_inputs(make(ch10_target_batch())), "wrong", fragment)


# --- attention weights -------------------------------------------------------------


def reference_alpha(tanh=True, mask=True, axis=1, zero_after=False, query=True):
    d = ch10_attention_inputs()
    pre = (d["s_prev"] @ d["W_a"].T)[:, None, :] * query + d["h"] @ d["U_a"].T  # (N, S, A)
    e = (np.tanh(pre) if tanh else pre) @ d["v"]  # (N, S)
    if mask and not zero_after:
        e = np.where(d["mask"], e, -np.inf)
    w = np.exp(e - e.max(axis=axis, keepdims=True))
    w = np.nan_to_num(w / w.sum(axis=axis, keepdims=True))
    return w * d["mask"] if zero_after else w


def test_attention_correct_numpy_and_torch():
    assert_feedback(check_ch10_attention_weights(reference_alpha()), "correct")
    d = {k: torch.from_numpy(np.asarray(v)) for k, v in ch10_attention_inputs().items()}
    keys = d["h"] @ d["U_a"].T
    _, alpha, _ = additive_attention(d["s_prev"], keys, d["h"], d["W_a"], d["v"], d["mask"])
    assert_feedback(check_ch10_attention_weights(alpha), "correct")
    assert_feedback(check_ch10_attention_weights(alpha.float()), "correct")
    assert_feedback(check_ch10_attention_weights(reference_alpha(axis=0).astype(np.float32)), "wrong",
                    "batch axis")


@pytest.mark.parametrize("answer, fragment", [
    (lambda: reference_alpha(axis=0), "batch axis"),
    (lambda: reference_alpha(axis=0, mask=False), "batch axis"),
    (lambda: reference_alpha(tanh=False), "tanh is missing"),
    (lambda: reference_alpha(mask=False), "padded positions"),
    (lambda: reference_alpha(zero_after=True), "after the softmax"),
    (lambda: reference_alpha(query=False), "decoder state is missing"),
    (lambda: reference_alpha().T, "shape (s, n)"),
    (lambda: reference_alpha()[:, :, None], "extra axis"),
    (lambda: 2 * reference_alpha(), "do not sum to 1"),
])
def test_attention_diagnoses(answer, fragment):
    result = check_ch10_attention_weights(answer())
    assert_feedback(result, "wrong", fragment, expected=reference_alpha())


def test_attention_scores_and_unsolved():
    d = ch10_attention_inputs()
    e = np.tanh((d["s_prev"] @ d["W_a"].T)[:, None, :] + d["h"] @ d["U_a"].T) @ d["v"]
    assert_feedback(check_ch10_attention_weights(e), "wrong", "scores")
    assert_feedback(check_ch10_attention_weights(None), "unsolved")
    assert_feedback(check_ch10_attention_weights(np.full((2, 5), np.nan)), "wrong", "nan")


# --- metrics ---------------------------------------------------------------------


def test_accuracies_correct_and_equal_to_the_package():
    pred, tgt = ch10_metric_batch()
    em, pc = exact_match(pred, tgt), char_accuracy(pred, tgt)
    assert_feedback(check_ch10_accuracies(em, pc), "correct")
    assert_feedback(check_ch10_accuracies(None, None), "unsolved")
    r = check_ch10_accuracies(em, None)
    assert r.status == "wrong" and "`per_char` is still `None`" in r.message


@pytest.mark.parametrize("variant, fragment", [
    ("raw_exact", "after its first `<eos>`"),
    ("with_pad", "counts the `<pad>` positions"),
    ("no_eos", "leaves out the `<eos>`"),
    ("row_mean", "averages each row first"),
    ("percent", "percentage"),
])
def test_accuracies_diagnoses(variant, fragment):
    pred, tgt = ch10_metric_batch()
    em, pc = exact_match(pred, tgt), char_accuracy(pred, tgt)
    real = tgt != 0
    clean = np.where(np.cumsum(pred == 2, axis=1) - (pred == 2) > 0, 0, pred)
    if variant == "raw_exact":
        em = float(np.mean(np.all(pred == tgt, axis=1)))
    elif variant == "with_pad":
        pc = float(np.mean(clean == tgt))
    elif variant == "no_eos":
        chars = real & (tgt != 2)
        pc = float(((clean == tgt) & chars).sum() / chars.sum())
    elif variant == "row_mean":
        pc = float(np.mean(((clean == tgt) & real).sum(axis=1) / real.sum(axis=1)))
    else:
        em = 100 * em
    result = check_ch10_accuracies(em, pc)
    assert_feedback(result, "wrong", fragment, expected=[exact_match(pred, tgt), char_accuracy(pred, tgt)])
