"""Exercise checkers for chapter 8, *Sequence classification*.

Every checker computes the expected answer itself and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` with a specific diagnosis (a mask
off by one step or transposed, the prediction read from a padded step, an
argmax over the wrong axis, a confusion matrix normalised by columns ...)
that never prints the solution, and "not yet solved" when the answer is
still ``None``.

=====================================  ==========================================
check_ch08_length_mask(fn)             a function lengths, T -> (N, T) mask
ch08_padded_logits()                   the data of the padded-accuracy exercise
check_ch08_padded_accuracy(pred)       predictions read at each sequence's last real step
ch08_predictions()                     the data of the confusion-matrix exercise
check_ch08_confusion(C)                row-normalised confusion matrix
=====================================  ==========================================
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np

from rnn_helpers.exercises.feedback import (
    CheckResult, as_float_array, call_on_copies, check_array, near, no_function,
)
from rnn_helpers.numpy_rnn.activations import softmax

__all__ = [
    "check_ch08_length_mask",
    "ch08_padded_logits",
    "check_ch08_padded_accuracy",
    "ch08_predictions",
    "check_ch08_confusion",
]


# ----------------------------------------------------------------------------
# Exercise: the mask from the lengths
# ----------------------------------------------------------------------------


def _mask_cases():
    """Hidden inputs (lengths, T): N != T everywhere, T > max(lengths) in two of them."""
    return (
        (np.array([3, 1, 5, 2]), 5),
        (np.array([2, 4, 1]), 6),
        (np.array([1, 7]), 9),
    )


def _mask(lengths: np.ndarray, T: int) -> np.ndarray:
    return np.arange(T)[None, :] < lengths[:, None]  # (N, T)


def check_ch08_length_mask(fn: Any) -> CheckResult:
    """
    Check a learner's function ``make_mask(lengths, T) -> mask`` on hidden inputs.

    mask[n, t] must be True (or 1) exactly for the real steps t = 0, ...,
    lengths[n] - 1 of a post-padded batch, for a batch of shape (N, T).

    Inputs:
    - fn: Callable taking lengths (int array of shape (N,)) and T (int) and
      returning an array or tensor of shape (N, T) (bool or 0/1); or None

    Returns:
    - result: CheckResult. Diagnoses: transposed (T, N); T replaced by
      max(lengths); off by one step either way; True at the padding instead
      of the real steps; padding assumed at the start; not 0/1 values.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for lengths, T in _mask_cases():
        expected = _mask(lengths, T)
        N = len(lengths)
        out, failure = call_on_copies(fn, (lengths, T), ("lengths", "T"), "return mask")
        if failure is not None:
            return failure
        a, problem = as_float_array(out)
        if problem is not None:
            return CheckResult.wrong(f"`mask` should be an array of truth values, but {problem}.")
        if a.shape == (T, N):
            return CheckResult.wrong(
                f"`mask` has shape {a.shape}: it is transposed. One row per sequence, one column "
                "per step: shape (N, T).")
        if a.shape == (N, int(lengths.max())) and T != lengths.max():
            return CheckResult.wrong(
                f"`mask` has shape {a.shape}, but the batch has T = {T} steps. Use the T you are "
                "given: a batch may be padded beyond its longest sequence.")
        if a.shape != (N, T):
            return CheckResult.wrong(
                f"`mask` has shape {a.shape}, but shape (N, T) = ({N}, {T}) is expected.")
        if not np.all((a == 0) | (a == 1)):
            return CheckResult.wrong("`mask` should hold truth values (True/False or 1/0) only.")
        a = a.astype(bool)
        if np.array_equal(a, expected):
            continue
        t = np.arange(T)[None, :]
        candidates = (
            (t <= lengths[:, None], "Off by one: your mask marks one step too many. Steps are counted from "
                                    "0, so a sequence of length L occupies steps 0, ..., L - 1."),
            (t < lengths[:, None] - 1, "Off by one: your mask misses the last real step of every sequence. "
                                       "A sequence of length L occupies steps 0, ..., L - 1."),
            (~expected,
             "Your mask is inverted: it is True at the padding. It should be True at the real steps."),
            (t >= T - lengths[:, None], "Your mask puts the real steps at the end of each row, as if the "
                                        "padding came first. Here the padding comes after the sequence."),
        )
        for value, message in candidates:
            if np.array_equal(a, value):
                return CheckResult.wrong(message)
        bad = int(np.sum(a != expected))
        return CheckResult.wrong(
            f"{bad} of {a.size} entries of `mask` are wrong on a hidden test case. Compare the "
            "step index t with each length.")
    return CheckResult.correct(
        "Your mask is True exactly at the real steps, for hidden batches of several shapes.")


# ----------------------------------------------------------------------------
# Exercise: accuracy from per-step logits of a padded batch
# ----------------------------------------------------------------------------

_N, _T, _Q = 10, 8, 10  # N == Q on purpose: an argmax over the wrong axis still gives N numbers


def ch08_padded_logits() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    The data of the padded-accuracy exercise (deterministic).

    A classifier that produces logits at every step (the output layer applied
    to all states of a GRU run over a padded batch, without packing) for
    N = 10 sequences, T = 8 steps, Q = 10 classes. The last real step of each
    sequence holds its prediction; earlier real steps hold one sharp logit
    for some class and lean towards another, so that pooling over the steps,
    voting or reading another step all predict other classes; at the padded
    steps the logits drift towards classes that have nothing to do with the
    sequence, as they would in a network that keeps reading padding.

    Returns a tuple of:
    - logits: Array of shape (N, T, Q), float64
    - lengths: Integer array of shape (N,), the real length of every sequence
    - labels: Integer array of shape (N,), the true class of every sequence
    """
    rng = np.random.default_rng(16)  # chosen so that every diagnosed mistake predicts differently
    lengths = rng.integers(1, _T + 1, size=_N)  # (N,)
    lengths[0] = _T
    labels = rng.permutation(_Q)[:_N]  # (N,)
    logits = rng.normal(0.0, 1.0, size=(_N, _T, _Q))  # (N, T, Q)
    hits = rng.random(_N) < 0.7
    for n in range(_N):
        L = lengths[n]
        target = labels[n] if hits[n] else (labels[n] + 3) % _Q
        logits[n, L - 1, target] += 4.0  # the prediction at the last real step
        if L >= 2:
            sharp = rng.integers(0, L - 1)
            logits[n, sharp, rng.integers(_Q)] += 5.0 + 2.0 * rng.random()  # one sharp earlier step
            lean = rng.integers(_Q)
            logits[n, :L - 1, lean] += 2.5 * (rng.random(L - 1) < 0.7)  # earlier steps lean to a class
        for t in range(L, _T):
            logits[n, t, (3 * t) % _Q] += 3.0  # padded steps drift elsewhere
    return logits, lengths, labels


def _prediction_candidates():
    """The right predictions (N,) and (predictions, diagnosis) of the usual mistakes."""
    logits, lengths, labels = ch08_padded_logits()
    N, T, Q = logits.shape
    rows = np.arange(N)
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    last = logits[rows, lengths - 1]  # (N, Q)
    right = last.argmax(axis=-1)  # (N,)
    step = logits.argmax(axis=-1)  # (N, T): a prediction at every step
    vote = np.array([np.bincount(step[n, :lengths[n]], minlength=Q).argmax() for n in range(N)])
    any_hit = ((step == labels[:, None]) & real).any(axis=1)  # (N,)
    probs = softmax(logits, axis=-1)  # (N, T, Q)
    read_last = "Read the prediction at each sequence's last real step, lengths[n] - 1."
    wrong = [
        (logits[:, -1].argmax(axis=-1),
         "You read the prediction at the last column of the padded batch, which for every shorter "
         "sequence is a padded step. Read it at step lengths[n] - 1 of each sequence."),
        (last.argmax(axis=0),
         "Your argmax runs over the batch axis. The prediction of sequence n is the class with the "
         "largest logit in row n: argmax over the last axis (the Q classes)."),
        (logits[rows, np.minimum(lengths, T - 1)].argmax(axis=-1),
         "Off by one: step lengths[n] is the first padded step (or the last column). The last real "
         "step is lengths[n] - 1."),
        (logits[rows, np.maximum(lengths - 2, 0)].argmax(axis=-1),
         "Off by one the other way: step lengths[n] - 2 is the second-to-last real step. Steps are "
         "counted from 0, so the last real step of a sequence of length L is L - 1."),
        (logits[:, 0].argmax(axis=-1),
         "You read the first step. A unidirectional network has seen the whole sequence only at its "
         "last real step, lengths[n] - 1."),
        (logits.mean(axis=1).argmax(axis=-1),
         "You averaged the logits over all T steps, padding included. " + read_last),
        ((logits * real[..., None]).sum(axis=1).argmax(axis=-1),
         "You pooled the logits over the real steps (a sum or a mean). That is another classifier; "
         "the exercise reads the prediction at the last real step."),
        (np.where(real[..., None], logits, -np.inf).max(axis=1).argmax(axis=-1),
         "You max-pooled the logits over the real steps. Masked max-pooling is a classifier of its "
         "own; the exercise reads the prediction at the last real step."),
        (logits.max(axis=1).argmax(axis=-1),
         "You max-pooled the logits over all T steps, padding included. " + read_last),
        ((probs * real[..., None]).sum(axis=1).argmax(axis=-1),
         "You averaged the softmax probabilities over the real steps. That is another classifier; "
         "the exercise reads the prediction at the last real step."),
        (probs.mean(axis=1).argmax(axis=-1),
         "You averaged the softmax probabilities over all T steps, padding included. " + read_last),
        (vote,
         "You took a majority vote of the per-step predictions over the real steps. Only one "
         "prediction per sequence counts: the one at its last real step."),
        (np.where(any_hit, labels, right),
         "Your predictions equal the label wherever any real step predicts it. A sequence has one "
         "prediction, read at its last real step, not the best of its steps."),
        (labels, "Those are the true labels, not the model's predictions."),
    ]
    return right, labels, wrong


def check_ch08_padded_accuracy(answer: Any) -> CheckResult:
    """
    Check the predictions read at each sequence's last real step.

    Uses :func:`ch08_padded_logits`: the predicted class of sequence n is the
    argmax over the classes of logits[n, lengths[n] - 1]. The answer is the
    vector of these predictions; the accuracy alone is not enough, because
    several different mistakes (a masked max-pool, a softmax average over the
    real steps, counting a sequence as right when any real step is right...)
    can give the right accuracy on a batch of ten sequences.

    Inputs:
    - answer: The learner's predictions, integer array of shape (N,) with
      entries in 0..Q-1; or None. A single number (the accuracy) gets a
      reply that asks for the predictions.

    Returns:
    - result: CheckResult. Diagnoses: read at the padded last column, at the
      first step or one step too late or too early; argmax over the batch
      axis; logits or probabilities averaged, summed or max-pooled over the
      real steps or over all steps; a majority vote; the label wherever any
      real step predicts it; the labels themselves; hits (0/1) instead of
      classes; logits instead of classes; an accuracy instead of predictions.
    """
    right, labels, wrong = _prediction_candidates()
    N, Q = right.shape[0], _Q
    name = "pred"
    if answer is None or answer is Ellipsis:
        return CheckResult.unsolved(name)
    a, problem = as_float_array(answer)
    if problem is not None:
        return CheckResult.wrong(f"`{name}` should be an array of class indices, but {problem}.")
    if a.size == 1:
        value = float(a.reshape(()))
        acc = float(np.mean(right == labels))
        if near(value, acc):
            return CheckResult.close(
                "That number is the right accuracy, but on ten sequences other methods give it too "
                "(a masked max-pool, a softmax average over the real steps, ...). Pass the "
                "predictions instead: `pred`, one class per sequence, shape (N,); then "
                "acc = mean(pred == labels).")
        if near(value, 100 * acc):
            return CheckResult.wrong("That looks like a percentage, and the checker needs more: pass "
                                     "the predictions `pred` of shape (N,) instead of the accuracy.")
        return CheckResult.wrong(
            "That is not the accuracy of the predictions read at the last real step. Pass the "
            "predictions `pred` of shape (N,) instead of a number: the checker can then say "
            "which mistake they show.")
    if a.shape == (N, Q):
        return CheckResult.wrong(f"`{name}` has shape (N, Q): these are logits or probabilities. "
                                 "Take the argmax over the classes (the last axis).")
    if a.shape == (N, _T):
        return CheckResult.wrong(f"`{name}` has shape (N, T): one prediction per step. A sequence gets "
                                 "one prediction, the one at its last real step.")
    if a.shape != (N,):
        return CheckResult.wrong(f"`{name}` has shape {a.shape}; one class per sequence, shape (N,), "
                                 "is expected.")
    if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
        return CheckResult.wrong(f"`{name}` should hold class indices (whole numbers), not logits "
                                 "or probabilities: take the argmax.")
    if np.array_equal(a, right):
        return CheckResult.correct("One prediction per sequence, read at its last real step, with the "
                                   "argmax over the classes.")
    hits = (right == labels).astype(float)
    if np.array_equal(a, hits) or getattr(answer, "dtype", None) in (np.bool_, bool):
        return CheckResult.wrong(f"`{name}` holds hits (1 where the prediction is right), not the "
                                 "predicted classes. Pass the classes; the accuracy is the mean of "
                                 "the hits.")
    if a.min() < 0 or a.max() >= Q:
        return CheckResult.wrong(f"`{name}` should hold classes 0, ..., Q - 1; some entries lie outside.")
    for value, message in wrong:
        if np.array_equal(a, value):
            return CheckResult.wrong(message)
    n_bad = int(np.sum(a != right))
    return CheckResult.wrong(f"{n_bad} of {N} predictions differ from those read at the last real "
                             "step. Select step lengths[n] - 1 of row n, then take the argmax over "
                             "the classes.")


# ----------------------------------------------------------------------------
# Exercise: a row-normalised confusion matrix
# ----------------------------------------------------------------------------


def ch08_predictions() -> Tuple[np.ndarray, np.ndarray, int]:
    """
    The data of the confusion-matrix exercise (deterministic, unequal class sizes).

    Returns a tuple of:
    - y_true: Integer array of shape (K,), true classes in 0..Q-1
    - y_pred: Integer array of shape (K,), a classifier's predictions
    - Q: Number of classes (4)
    """
    rng = np.random.default_rng(20240809)
    Q = 4
    y_true = np.repeat(np.arange(Q), [30, 12, 20, 8])  # (K,), unequal class sizes
    y_pred = y_true.copy()
    flip = rng.random(y_true.size) < 0.35
    y_pred[flip] = rng.integers(0, Q, size=int(flip.sum()))
    y_pred[(y_true == 1) & (rng.random(y_true.size) < 0.4)] = 2  # class 1 is often taken for class 2
    perm = rng.permutation(y_true.size)
    return y_true[perm], y_pred[perm], Q


def check_ch08_confusion(answer: Any) -> CheckResult:
    """
    Check the row-normalised confusion matrix of :func:`ch08_predictions`.

    C[i, j] = (number of examples of true class i predicted as j) / (number of
    examples of true class i); every row sums to 1.

    Inputs:
    - answer: The learner's array of shape (Q, Q), or None

    Returns:
    - result: CheckResult. Diagnoses: counts not normalised; rows = predicted
      class (transposed); normalised by columns; normalised by the total;
      percentages.
    """
    y_true, y_pred, Q = ch08_predictions()
    counts = np.zeros((Q, Q))
    np.add.at(counts, (y_true, y_pred), 1)
    expected = counts / counts.sum(axis=1, keepdims=True)
    name = "C"
    candidates = (
        (counts, "Those are the raw counts. Divide every row by its sum, the number of examples "
                 "of that true class."),
        (counts.T, "Those are raw counts, and transposed: rows should be the true class."),
        (expected.T, "Your matrix is transposed: row i should be the true class i and column j the "
                     "predicted class j."),
        (counts / counts.sum(axis=0, keepdims=True),
         "You normalised the columns (each column sums to 1: the precision view). Normalise the rows, "
         "so that row i shows where the examples of true class i went."),
        (counts / counts.sum(), "You divided by the total number of examples. Divide each row by its "
                                "own sum instead."),
        (100 * expected, "Those are percentages; give fractions between 0 and 1."),
    )
    return check_array(answer, expected, name=name, atol=1e-9, rtol=1e-7, mistakes=candidates,
                       praise="Row i shows where the examples of true class i went; every row sums to 1.")
