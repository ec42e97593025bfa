"""Tests of rnn_helpers.exercises.ch08: each diagnosis, the right answers, no leaks."""

import re

import numpy as np
import pytest
import torch

from feedback import assert_feedback as shared_assert_feedback
from rnn_helpers.exercises.feedback import CheckResult
from rnn_helpers.exercises.ch08 import (
    ch08_padded_logits,
    ch08_predictions,
    check_ch08_confusion,
    check_ch08_length_mask,
    check_ch08_padded_accuracy,
)


def leaks(message, expected):
    """True if the message shows any entry of expected (2 to 4 decimals)."""
    for v in np.atleast_1d(np.asarray(expected, dtype=float)).ravel():
        if float(v).is_integer():
            continue  # 0 and 1 appear in ordinary words and shapes
        for form in {f"{v:.2f}", f"{v:.3f}", f"{v:.4f}", f"{v:g}"}:
            if re.search(rf"(?<![\d.]){re.escape(form)}(?!\d|\.\d)", message):
                return True
    return False


def assert_feedback(result, status, *fragments, expected=None):
    """Like feedback.assert_feedback, with this file's leak rule (integers are not leaks)."""
    shared_assert_feedback(result, status, *fragments)
    if expected is not None:
        assert not leaks(result.message, expected), result.message


# --- the mask ----------------------------------------------------------------------


def good_mask(lengths, T):
    return np.arange(T)[None, :] < np.asarray(lengths)[:, None]


def test_mask_correct_numpy_torch_and_ints():
    assert_feedback(check_ch08_length_mask(good_mask), "correct")
    assert_feedback(check_ch08_length_mask(
        lambda L, T: torch.arange(T)[None, :] < torch.as_tensor(L)[:, None]), "correct")
    assert_feedback(check_ch08_length_mask(lambda L, T: good_mask(L, T).astype(int)), "correct")


def test_mask_unsolved_and_errors():
    assert_feedback(check_ch08_length_mask(None), "unsolved", "pass the function")
    assert_feedback(check_ch08_length_mask(lambda L, T: None), "unsolved", "return mask")
    assert_feedback(check_ch08_length_mask(3), "wrong", "function is expected")

    def stub(L, T):
        raise NotImplementedError

    assert_feedback(check_ch08_length_mask(stub), "unsolved", "NotImplementedError")
    assert_feedback(check_ch08_length_mask(lambda L, T: 1 / 0), "error", "ZeroDivisionError")


@pytest.mark.parametrize("fn, fragment", [
    (lambda L, T: good_mask(L, T).T, "transposed"),
    (lambda L, T: np.arange(T)[None, :] <= np.asarray(L)[:, None], "one step too many"),
    (lambda L, T: np.arange(T)[None, :] < np.asarray(L)[:, None] - 1, "misses the last real step"),
    (lambda L, T: ~good_mask(L, T), "inverted"),
    (lambda L, T: np.arange(T)[None, :] >= T - np.asarray(L)[:, None], "padding came first"),
    (lambda L, T: good_mask(L, int(np.max(L))), "use the t you are given"),
    (lambda L, T: good_mask(L, T) * 2, "truth values"),
    (lambda L, T: np.ones((len(L), T + 1), dtype=bool), "shape (n, t)"),
    (lambda L, T: np.zeros((len(L), T), dtype=bool), "entries of `mask` are wrong"),
])
def test_mask_diagnoses(fn, fragment):
    assert_feedback(check_ch08_length_mask(fn), "wrong", fragment)


# --- accuracy at the last real step ------------------------------------------------


def correct_accuracy():
    logits, lengths, labels = ch08_padded_logits()
    last = logits[np.arange(len(lengths)), lengths - 1]  # (N, Q)
    return float(np.mean(last.argmax(axis=-1) == labels))


def test_padded_data_shapes():
    logits, lengths, labels = ch08_padded_logits()
    assert logits.shape == (10, 8, 10) and lengths.shape == labels.shape == (10,)
    assert lengths.min() >= 1 and lengths.max() == 8 and (lengths < 8).sum() >= 5


def test_padded_accuracy_correct_and_unsolved():
    acc = correct_accuracy()
    assert 0 < acc < 1
    assert_feedback(check_ch08_padded_accuracy(acc), "correct")
    assert_feedback(check_ch08_padded_accuracy(torch.tensor(acc)), "correct")
    assert_feedback(check_ch08_padded_accuracy(None), "unsolved")


def wrong_answers():
    logits, lengths, labels = ch08_padded_logits()
    N, T, Q = logits.shape
    rows = np.arange(N)
    last = logits[rows, lengths - 1]
    real = np.arange(T)[None, :] < lengths[:, None]
    return [
        (np.mean(logits[:, -1].argmax(-1) == labels), "last column of the padded batch"),
        (np.mean(last.argmax(axis=0) == labels), "argmax runs over the batch axis"),
        (np.mean(logits[rows, np.minimum(lengths, T - 1)].argmax(-1) == labels), "off by one"),
        (np.mean(logits.mean(axis=1).argmax(-1) == labels), "padding included"),
        (np.mean((logits * real[..., None]).sum(axis=1).argmax(-1) == labels), "pooled the logits"),
        (np.mean(logits.argmax(-1) == labels[:, None]), "every step of the padded batch"),
        ((logits.argmax(-1) == labels[:, None])[real].mean(), "every real step"),
        (1 - correct_accuracy(), "error rate"),
        (100 * correct_accuracy(), "percentage"),
        (last.argmax(-1) == labels, "single number"),
    ]


@pytest.mark.parametrize("index", range(10))
def test_padded_accuracy_diagnoses(index):
    value, fragment = wrong_answers()[index]
    assert_feedback(check_ch08_padded_accuracy(value), "wrong", fragment)


def test_padded_accuracy_diagnoses_are_distinct():
    values = [float(v) for v, _ in wrong_answers()[:-2]] + [correct_accuracy()]
    assert len({round(v, 9) for v in values}) == len(values)


# --- confusion matrix ----------------------------------------------------------------


def correct_confusion():
    y, p, Q = ch08_predictions()
    C = np.zeros((Q, Q))
    np.add.at(C, (y, p), 1)
    return C / C.sum(axis=1, keepdims=True), C


def test_confusion_correct_and_unsolved():
    C, _ = correct_confusion()
    assert_feedback(check_ch08_confusion(C), "correct")
    from sklearn.metrics import confusion_matrix

    y, p, Q = ch08_predictions()
    assert_feedback(check_ch08_confusion(confusion_matrix(y, p, normalize="true")), "correct")
    assert_feedback(check_ch08_confusion(None), "unsolved")


@pytest.mark.parametrize("make, fragment", [
    (lambda C, K: K, "raw counts"),
    (lambda C, K: K.T, "raw counts, and transposed"),
    (lambda C, K: C.T, "transposed"),
    (lambda C, K: K / K.sum(axis=0, keepdims=True), "normalised the columns"),
    (lambda C, K: K / K.sum(), "total number"),
    (lambda C, K: 100 * C, "percentages"),
    (lambda C, K: C[:3], "shape"),
    (lambda C, K: np.full_like(C, 0.25), "differ"),
])
def test_confusion_diagnoses(make, fragment):
    C, K = correct_confusion()
    assert_feedback(check_ch08_confusion(make(C, K)), "wrong", fragment, expected=C)
