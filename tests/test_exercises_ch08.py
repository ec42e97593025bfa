"""Tests of rnn_helpers.exercises.ch08: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch08 import (
    ch08_padded_logits,
    ch08_predictions,
    check_ch08_confusion,
    check_ch08_length_mask,
    check_ch08_padded_accuracy,
)


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


# --- predictions at the last real step -----------------------------------------------


def reference():
    """The right predictions by an independent route: a plain loop over the sequences."""
    logits, lengths, labels = ch08_padded_logits()
    pred = np.array([int(np.argmax(logits[n, lengths[n] - 1])) for n in range(len(lengths))])
    return pred, labels


def test_padded_data_shapes():
    logits, lengths, labels = ch08_padded_logits()
    assert logits.shape == (10, 8, 10) and lengths.shape == labels.shape == (10,)
    assert lengths.min() >= 1 and lengths.max() == 8 and (lengths < 8).sum() >= 5
    again = ch08_padded_logits()
    assert all(np.array_equal(x, y) for x, y in zip((logits, lengths, labels), again))


def test_padded_predictions_correct_and_unsolved():
    pred, labels = reference()
    assert 0 < np.mean(pred == labels) < 1
    assert_feedback(check_ch08_padded_accuracy(pred), "correct")
    assert_feedback(check_ch08_padded_accuracy(pred.tolist()), "correct")
    assert_feedback(check_ch08_padded_accuracy(torch.tensor(pred)), "correct")
    assert_feedback(check_ch08_padded_accuracy(pred.astype(float)), "correct")
    assert_feedback(check_ch08_padded_accuracy(None), "unsolved", "`pred` is still `None`")


def torch_softmax(logits):
    return torch.softmax(torch.from_numpy(logits), dim=-1).numpy()


def wrong_predictions():
    """(predictions, fragment of the diagnosis): each mistake computed with torch or loops."""
    logits, lengths, labels = ch08_padded_logits()
    N, T, Q = logits.shape
    pred, _ = reference()
    lt = torch.from_numpy(logits)
    real = torch.arange(T)[None, :] < torch.from_numpy(lengths)[:, None]  # (N, T)
    at = [logits[n] for n in range(N)]
    steps = logits.argmax(-1)
    vote = np.array([np.bincount(steps[n, :lengths[n]], minlength=Q).argmax() for n in range(N)])
    any_hit = np.array([np.any(steps[n, :lengths[n]] == labels[n]) for n in range(N)])
    probs = torch_softmax(logits)
    return [
        (np.array([a[-1].argmax() for a in at]), "last column of the padded batch"),
        (logits[np.arange(N), lengths - 1].argmax(axis=0), "argmax runs over the batch axis"),
        (np.array([at[n][min(lengths[n], T - 1)].argmax() for n in range(N)]), "first padded step"),
        (np.array([at[n][max(lengths[n] - 2, 0)].argmax() for n in range(N)]), "second-to-last real step"),
        (np.array([a[0].argmax() for a in at]), "you read the first step"),
        (lt.mean(dim=1).argmax(-1).numpy(), "averaged the logits over all t steps"),
        ((lt * real[..., None]).sum(dim=1).argmax(-1).numpy(), "pooled the logits over the real steps"),
        (lt.masked_fill(~real[..., None], -torch.inf).amax(dim=1).argmax(-1).numpy(),
         "max-pooled the logits over the real steps"),
        (lt.amax(dim=1).argmax(-1).numpy(), "max-pooled the logits over all t steps"),
        (np.array([probs[n, :lengths[n]].mean(0).argmax() for n in range(N)]),
         "averaged the softmax probabilities over the real steps"),
        (probs.mean(axis=1).argmax(-1), "softmax probabilities over all t steps"),
        (vote, "majority vote"),
        (np.where(any_hit, labels, pred), "any real step"),
        (labels, "true labels"),
    ]


@pytest.mark.parametrize("index", range(14))
def test_padded_prediction_diagnoses(index):
    value, fragment = wrong_predictions()[index]
    pred, _ = reference()
    assert not np.array_equal(value, pred)
    result = check_ch08_padded_accuracy(value)
    assert_feedback(result, "wrong", fragment)
    assert "error rate" not in result.message


def test_padded_prediction_mistakes_are_all_told_apart():
    """Issue 12: masked max-pool, softmax average and 'any real step' no longer look right."""
    pred, _ = reference()
    vectors = [tuple(pred)] + [tuple(v) for v, _ in wrong_predictions()]
    assert len(set(vectors)) == len(vectors)
    messages = [check_ch08_padded_accuracy(v).message for v, _ in wrong_predictions()]
    assert len(set(messages)) == len(messages)


def test_padded_l_minus_2_and_vote_are_not_the_error_rate():
    """Issue 12: both used to give 0.10 and the reply 'That is the error rate'."""
    wrong = dict((fragment, value) for value, fragment in wrong_predictions())
    assert_feedback(check_ch08_padded_accuracy(wrong["second-to-last real step"]), "wrong", "off by one")
    assert_feedback(check_ch08_padded_accuracy(wrong["majority vote"]), "wrong", "majority vote")


def test_padded_scalar_accuracy_asks_for_the_predictions():
    pred, labels = reference()
    acc = float(np.mean(pred == labels))
    result = check_ch08_padded_accuracy(acc)
    assert_feedback(result, "close", "right accuracy", "pass the predictions", expected=acc)
    assert not result.passed
    assert_feedback(check_ch08_padded_accuracy(torch.tensor(acc)), "close", "`pred`")
    assert_feedback(check_ch08_padded_accuracy(100 * acc), "wrong", "percentage", expected=acc)
    assert_feedback(check_ch08_padded_accuracy(1 - acc), "wrong", "pass the predictions", expected=acc)


@pytest.mark.parametrize("make, fragment", [
    (lambda p, y, L: p == y, "hits"),
    (lambda p, y, L: (p == y).astype(int), "hits"),
    (lambda p, y, L: L[np.arange(10), 0].max(axis=-1), "class indices"),
    (lambda p, y, L: L[:, 0, :], "shape (n, q)"),
    (lambda p, y, L: L.argmax(-1), "one prediction per step"),
    (lambda p, y, L: p[:5], "shape (5,)"),
    (lambda p, y, L: p + 10, "outside"),
    (lambda p, y, L: "8 4 4", "class indices"),
])
def test_padded_prediction_format_mistakes(make, fragment):
    pred, labels = reference()
    logits, _, _ = ch08_padded_logits()
    assert_feedback(check_ch08_padded_accuracy(make(pred, labels, logits)), "wrong", fragment)


def test_padded_prediction_generic_wrong_counts():
    pred, _ = reference()
    other = pred.copy()
    other[[0, 3]] = (other[[0, 3]] + 1) % 10
    assert_feedback(check_ch08_padded_accuracy(other), "wrong", "2 of 10 predictions")


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
