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
check_ch08_padded_accuracy(acc)        accuracy read at each sequence's last real step
ch08_predictions()                     the data of the confusion-matrix exercise
check_ch08_confusion(C)                row-normalised confusion matrix
=====================================  ==========================================
"""

from __future__ import annotations

import math
from typing import Any, Tuple

import numpy as np

from rnn_helpers.exercises.feedback import CheckResult, as_float_array, call_safely, check_array, check_scalar
from rnn_helpers.exercises._common import _correct, _wrong

__all__ = [
    "check_ch08_length_mask",
    "ch08_padded_logits",
    "check_ch08_padded_accuracy",
    "ch08_predictions",
    "check_ch08_confusion",
]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, atol=1e-9, rtol=1e-7))


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
    if fn is None or fn is Ellipsis:
        return CheckResult.unsolved(message="No function yet. Write `make_mask`, then pass the function "
                                            "itself (without calling it) to the checker.")
    if not callable(fn):
        return _wrong(f"A function is expected, but got a {type(fn).__name__}.")
    for lengths, T in _mask_cases():
        expected = _mask(lengths, T)
        N = len(lengths)
        out, failure = call_safely(fn, lengths.copy(), T)
        if failure is not None:
            return failure
        if out is None:
            return CheckResult.unsolved(message="Your function returned None. End it with `return mask`.")
        a, problem = as_float_array(out)
        if problem is not None:
            return _wrong(f"`mask` should be an array of truth values, but {problem}.")
        if a.shape == (T, N):
            return _wrong(f"`mask` has shape {a.shape}: it is transposed. One row per sequence, one column "
                          "per step: shape (N, T).")
        if a.shape == (N, int(lengths.max())) and T != lengths.max():
            return _wrong(f"`mask` has shape {a.shape}, but the batch has T = {T} steps. Use the T you are "
                          "given: a batch may be padded beyond its longest sequence.")
        if a.shape != (N, T):
            return _wrong(f"`mask` has shape {a.shape}, but shape (N, T) = ({N}, {T}) is expected.")
        if not np.all((a == 0) | (a == 1)):
            return _wrong("`mask` should hold truth values (True/False or 1/0) only.")
        a = a.astype(bool)
        if np.array_equal(a, expected):
            continue
        t = np.arange(T)[None, :]
        candidates = (
            (t <= lengths[:, None], "Off by one: your mask marks one step too many. Steps are counted from "
                                    "0, so a sequence of length L occupies steps 0, ..., L - 1."),
            (t < lengths[:, None] - 1, "Off by one: your mask misses the last real step of every sequence. "
                                       "A sequence of length L occupies steps 0, ..., L - 1."),
            (~expected, "Your mask is inverted: it is True at the padding. It should be True at the real steps."),
            (t >= T - lengths[:, None], "Your mask puts the real steps at the end of each row, as if the "
                                        "padding came first. Here the padding comes after the sequence."),
        )
        for value, message in candidates:
            if np.array_equal(a, value):
                return _wrong(message)
        bad = int(np.sum(a != expected))
        return _wrong(f"{bad} of {a.size} entries of `mask` are wrong on a hidden test case. Compare the "
                      "step index t with each length.")
    return _correct("Your mask is True exactly at the real steps, for hidden batches of several shapes.")


# ----------------------------------------------------------------------------
# Exercise: accuracy from per-step logits of a padded batch
# ----------------------------------------------------------------------------

_N, _T, _Q = 10, 8, 10  # N == Q on purpose: an argmax over the wrong axis still gives N numbers


def ch08_padded_logits() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    The data of the padded-accuracy exercise (deterministic).

    A classifier that produces logits at every step (the output layer applied
    to all states of a GRU run over a padded batch, without packing) for
    N = 10 sequences, T = 8 steps, Q = 10 classes. At the padded steps the
    logits drift towards classes that have nothing to do with the sequence,
    as they would in a network that keeps reading padding.

    Returns a tuple of:
    - logits: Array of shape (N, T, Q), float64
    - lengths: Integer array of shape (N,), the real length of every sequence
    - labels: Integer array of shape (N,), the true class of every sequence
    """
    rng = np.random.default_rng(19)  # chosen so that every diagnosed mistake gives a different accuracy
    lengths = rng.integers(1, _T + 1, size=_N)  # (N,)
    lengths[0] = _T
    labels = rng.permutation(_Q)[:_N]  # (N,)
    logits = rng.normal(0.0, 1.0, size=(_N, _T, _Q))  # (N, T, Q)
    hits = rng.random(_N) < 0.7
    for n in range(_N):
        target = labels[n] if hits[n] else (labels[n] + 3) % _Q
        logits[n, lengths[n] - 1, target] += 4.0  # the prediction at the last real step
        for t in range(lengths[n], _T):
            logits[n, t, (3 * t) % _Q] += 3.0  # padded steps drift elsewhere
    return logits, lengths, labels


def _accuracy_candidates():
    logits, lengths, labels = ch08_padded_logits()
    N, T, Q = logits.shape
    rows = np.arange(N)
    last = logits[rows, lengths - 1]  # (N, Q)
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    expected = float(np.mean(last.argmax(axis=-1) == labels))
    wrong = [
        (float(np.mean(logits[:, -1].argmax(axis=-1) == labels)),
         "You read the prediction at the last column of the padded batch, which for every shorter sequence "
         "is a padded step. Read it at step lengths[n] - 1 of each sequence."),
        (float(np.mean(last.argmax(axis=0) == labels)),
         "Your argmax runs over the batch axis. The prediction of sequence n is the class with the largest "
         "logit in row n: argmax over the last axis (the Q classes)."),
        (float(np.mean(logits[rows, np.minimum(lengths, T - 1)].argmax(axis=-1) == labels)),
         "Off by one: step lengths[n] is the first padded step (or the last column). The last real step "
         "is lengths[n] - 1."),
        (float(np.mean(logits.mean(axis=1).argmax(axis=-1) == labels)),
         "You averaged the logits over all T steps, padding included. Read the prediction at each "
         "sequence's last real step."),
        (float(np.mean((logits * real[..., None]).sum(axis=1).argmax(axis=-1) == labels)),
         "You pooled the logits over the real steps. The exercise asks for the prediction at the last "
         "real step of each sequence."),
        (float(np.mean(logits.argmax(axis=-1) == labels[:, None])),
         "You scored every step of the padded batch as a prediction. Only one prediction per sequence "
         "counts: the one at its last real step."),
        (float((logits.argmax(axis=-1) == labels[:, None])[real].mean()),
         "You scored every real step as a prediction. Only one prediction per sequence counts: the one "
         "at its last real step."),
        (1.0 - expected, "That is the error rate (the fraction of wrong predictions); the accuracy is the "
                         "fraction of right ones."),
    ]
    return expected, wrong


def check_ch08_padded_accuracy(answer: Any) -> CheckResult:
    """
    Check the accuracy of the predictions read at each sequence's last real step.

    Uses :func:`ch08_padded_logits`: predicted class of sequence n =
    argmax over classes of logits[n, lengths[n] - 1]; accuracy = fraction of
    sequences whose prediction equals labels[n].

    Inputs:
    - answer: The learner's accuracy, a number in [0, 1], or None

    Returns:
    - result: CheckResult. Diagnoses: read at the padded last column; argmax
      over the batch axis; off by one step; logits averaged over all steps or
      over the real steps; every step scored; error rate; a percentage.
    """
    expected, wrong = _accuracy_candidates()
    name = "acc"
    if answer is not None and not isinstance(answer, (str, bytes, bool, np.bool_)):
        a, problem = as_float_array(answer)
        if problem is None and a.size == 1 and np.isfinite(a).all():
            v = float(a.reshape(()))
            if not math.isclose(v, expected, abs_tol=1e-6):
                for value, message in wrong:
                    if value is not None and math.isclose(v, value, abs_tol=1e-6):
                        return _wrong(message)
        elif problem is None and a.ndim == 1 and a.size > 1:
            return _wrong(f"`{name}` has {a.size} entries; a single number, the mean over the "
                          "sequences, is expected.")
    result = check_scalar(answer, expected, name=name, atol=1e-6, rtol=1e-6)
    if result.passed:
        return _correct("One prediction per sequence, read at its last real step, with the argmax over "
                        "the classes.")
    return result


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
    if answer is not None:
        a, problem = as_float_array(answer)
        if problem is None and a.shape == (Q, Q) and np.isfinite(a).all() and not _same(a, expected):
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
            for value, message in candidates:
                if _same(a, value):
                    return _wrong(message)
    result = check_array(answer, expected, name=name, atol=1e-9, rtol=1e-7)
    if result.passed:
        return _correct("Row i shows where the examples of true class i went; every row sums to 1.")
    return result
