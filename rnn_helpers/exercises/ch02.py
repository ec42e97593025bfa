"""Exercise checkers for chapter 2, *The RNN forward pass*.

Every checker computes the expected answer itself and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult`: a specific diagnosis of what is
wrong (softmax over the wrong axis, padding counted in the mean, one bias too
few, blocks in the wrong time order ...) that never prints the solution, and
"not yet solved" when the answer is still ``None``.

=====================================  ==========================================
check_ch02_output_probs(fn)            output layer + softmax for a batch (N, T, H)
check_ch02_torch_rnn_params(n, D, H)   parameters of torch.nn.RNN(D, H, num_layers)
ch02_padded_batch()                    the data of the padded cross-entropy exercise
check_ch02_masked_cross_entropy(loss)  mean cross-entropy over the real tokens
check_ch02_linear_cell_matrix(M, ...)  the i2h/i2o cell without tanh as one matrix
=====================================  ==========================================
"""

from __future__ import annotations

import math
from typing import Any, Dict, Tuple

import numpy as np

from rnn_helpers import argcheck
from rnn_helpers.argcheck import check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_array, call_on_copies, check_array, check_integer,
    check_scalar, no_function, same, tolerances,
)
from rnn_helpers.numpy_rnn.activations import log_softmax, softmax
from rnn_helpers.numpy_rnn.losses import cross_entropy

__all__ = [
    "check_ch02_output_probs",
    "check_ch02_torch_rnn_params",
    "ch02_padded_batch",
    "check_ch02_masked_cross_entropy",
    "check_ch02_linear_cell_matrix",
]


_ATOL, _RTOL = 1e-8, 1e-6  # the tolerances of the candidate mistakes


# ----------------------------------------------------------------------------
# Exercise: output layer and softmax for a batch
# ----------------------------------------------------------------------------


def _output_cases():
    """Hidden inputs: a square case (H == Q), an ordinary one, one with huge scores."""
    rng = np.random.default_rng(20240602)
    cases = []
    for N, T, H, Q, scale in ((3, 2, 4, 4, 1.0), (2, 3, 4, 5, 1.0), (2, 4, 3, 6, 400.0)):
        h = np.tanh(rng.standard_normal((N, T, H)))  # (N, T, H), like real hidden states
        Wq = scale * rng.standard_normal((H, Q))  # (H, Q)
        bq = rng.standard_normal(Q)  # (Q,)
        cases.append((h, Wq, bq))
    return cases


def check_ch02_output_probs(fn: Any) -> CheckResult:
    """
    Check a learner's output layer followed by a softmax over the classes.

    The function must compute probs = softmax(h @ Wq + bq) over the last axis
    for every example and step at once. It is called on three hidden cases,
    the last with scores in the hundreds, where exp() overflows unless the
    maximum is subtracted first.

    Inputs:
    - fn: Callable fn(h, Wq, bq) -> probs with h (N, T, H), Wq (H, Q), bq (Q,)
      and probs (N, T, Q); or None (not yet solved)

    Returns:
    - result: CheckResult. Diagnoses, besides the generic array ones: raw scores
      returned (no softmax), log-probabilities returned, softmax over the time or
      batch axis, missing bias, transposed Wq, overflow for large scores, inputs
      changed in place.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for i, (h, Wq, bq) in enumerate(_output_cases()):
        scores = h @ Wq + bq  # (N, T, Q)
        expected = softmax(scores, axis=-1)  # (N, T, Q)
        out, failure = call_on_copies(fn, (h, Wq, bq), ("h", "Wq", "bq"), "return probs",
                                      shapes="h is (N, T, H) and Wq is (H, Q)")
        if failure is not None:
            return failure
        atol, rtol = tolerances(out, _ATOL, _RTOL)
        a = as_array(out)
        if a is not None and a.shape == expected.shape:
            huge = i == 2
            if huge and not np.all(np.isfinite(a)):
                return CheckResult.wrong(
                    "With large scores (in the hundreds) your softmax returns NaN or inf: exp() overflows. "
                    "Subtract the maximum score of each row before exponentiating; "
                    "the result does not change."
                )
            if np.all(np.isfinite(a)) and not same(a, expected, atol=atol, rtol=rtol):
                last_axis = "it must run over the classes (the last axis)."
                candidates = [
                    (scores, "These are the raw scores h @ Wq + bq. Apply the softmax over the classes."),
                    (log_softmax(scores, axis=-1),
                     "These are log-probabilities (log-softmax). Return probabilities."),
                    (softmax(scores, axis=1), "The softmax runs over the time axis; " + last_axis),
                    (softmax(scores, axis=0), "The softmax runs over the batch axis; " + last_axis),
                    (softmax(h @ Wq, axis=-1), "The output bias bq is missing."),
                ]
                if Wq.shape[0] == Wq.shape[1]:
                    candidates.append((
                        softmax(h @ Wq.T + bq, axis=-1),
                        "Wq is used transposed: in the row convention it is h @ Wq, with Wq of shape (H, Q).",
                    ))
                for value, message in candidates:
                    if same(a, value, atol=atol, rtol=rtol):
                        return CheckResult.wrong(message)
                sums = a.sum(axis=-1)
                if not np.allclose(sums, 1.0, atol=max(atol, 1e-6)):
                    return CheckResult.wrong(
                        "The entries along the last axis do not sum to 1, "
                        "so they are not probabilities over the classes."
                    )
        result = check_array(out, expected, name="probs", atol=1e-10, rtol=1e-7)
        if not result.passed:
            return result
    return CheckResult.correct(
        "Your output layer and softmax match the reference, also for very large scores.")


# ----------------------------------------------------------------------------
# Exercise: parameters of torch.nn.RNN
# ----------------------------------------------------------------------------


def check_ch02_torch_rnn_params(answer: Any, D: int, H: int, num_layers: int = 1) -> CheckResult:
    """
    Check the number of parameters of ``torch.nn.RNN(D, H, num_layers=L)``.

    Layer 1 has weight_ih_l0 (H, D), weight_hh_l0 (H, H), bias_ih_l0 and
    bias_hh_l0 (H,) each; every further layer reads the H-dimensional hidden
    states of the layer below, so its weight_ih has shape (H, H).

    Inputs:
    - answer: The learner's count, or None
    - D: Integer input size
    - H: Integer hidden size
    - num_layers: Integer number of stacked layers L >= 1

    Returns:
    - result: CheckResult
    """
    D, H = check_int("D", D, minimum=1), check_int("H", H, minimum=1)
    num_layers = check_int("num_layers", num_layers, minimum=1)
    name = "n_params"
    first = H * D + H * H + 2 * H
    later = H * H + H * H + 2 * H
    expected = first + (num_layers - 1) * later
    L = num_layers
    hints: Dict[int, str] = {}
    if L > 1:
        hints[L * first] = (
            "Only the first layer reads the input x (D features); the layers above read "
            "the hidden states of the layer below, H features."
        )
        hints[first] = (
            "That is one layer. With num_layers stacked layers, each layer above the first "
            "has its own weights."
        )
        hints[first - H] = "That is one layer, and with one bias vector only."
        hints[expected - L * H] = (
            "PyTorch keeps two bias vectors per layer, bias_ih and bias_hh; you counted one per layer."
        )
        hints[L * (first - H)] = (
            "Two mistakes: the upper layers read H features, not D, and PyTorch keeps "
            "two bias vectors per layer."
        )
    else:
        hints[expected - H] = (
            "PyTorch keeps two bias vectors, bias_ih_l0 and bias_hh_l0; you counted one (the equations' b_h)."
        )
    hints.setdefault(expected - H * H, "A recurrent matrix weight_hh (H, H) is missing.")
    hints.setdefault(expected - 2 * H, "The bias vectors are missing: two of H entries per layer.")
    return check_integer(answer, expected, name=name, mistakes=hints.items(), praise=(
        "Two weight matrices and two bias vectors per layer, and the upper layers read H features."))


# ----------------------------------------------------------------------------
# Exercise: cross-entropy of a padded batch
# ----------------------------------------------------------------------------

_PAD = 0  # the id of the padding token in the exercise's vocabulary


def ch02_padded_batch() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    The data of the padded cross-entropy exercise (deterministic).

    Three sequences of lengths 6, 4 and 2 over a vocabulary of V = 5 tokens,
    padded to T = 6 with the padding id 0 (which also gets scores, as in a
    real model).

    Returns a tuple of:
    - logits: Array of shape (N, T, V) = (3, 6, 5), float64, the model's scores
    - targets: Integer array of shape (N, T), the next-token ids; 0 at padded steps
    - lengths: Integer array of shape (N,), the number of real steps of each sequence
    """
    rng = np.random.default_rng(20240603)
    N, T, V = 3, 6, 5
    lengths = np.array([6, 4, 2])
    logits = 2.0 * rng.standard_normal((N, T, V))  # (N, T, V)
    targets = rng.integers(1, V, size=(N, T))  # (N, T), real ids are 1..V-1
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    targets = np.where(real, targets, _PAD)
    logits[~real, _PAD] += 3.0  # a model soon learns that padding follows padding
    return logits, targets, lengths


def check_ch02_masked_cross_entropy(answer: Any) -> CheckResult:
    """
    Check the mean cross-entropy over the real tokens of :func:`ch02_padded_batch`.

    Inputs:
    - answer: The learner's loss (a float, in nats), or None

    Returns:
    - result: CheckResult. Diagnoses: padded steps included; divided by N*T
      instead of the number of real tokens; sum instead of mean; mean of
      per-sequence means; bits instead of nats; raw scores without the
      log-sum-exp; softmax over the time axis; sign.
    """
    logits, targets, lengths = ch02_padded_batch()
    N, T, V = logits.shape
    real = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    per = cross_entropy(logits, targets, real, reduction="none")  # (N, T), 0 at padding
    expected = float(per.sum() / real.sum())
    name = "loss"
    def mistakes():
        all_steps = cross_entropy(logits, targets)
        raw = -np.take_along_axis(logits, targets[..., None], axis=-1)[..., 0]  # (N, T)
        logp_time = log_softmax(logits, axis=1)  # normalised over the wrong axis
        time_axis = -np.take_along_axis(logp_time, targets[..., None], axis=-1)[..., 0]  # (N, T)
        n_real = real.sum()
        wrongs = (
            (all_steps,
             "The padded steps are included. Average only over the real tokens: padding is not data."),
            (per.sum() / (N * T),
             "You summed over the real tokens but divided by N * T, which counts the padded steps too. "
             "Divide by the number of real tokens."),
            (per.sum(),
             "That is the sum over the real tokens; the exercise asks for the mean per real token."),
            (float(np.mean(per.sum(axis=1) / lengths)),
             "That is the mean of the per-sequence means, which gives a short sequence's tokens more "
             "weight. Average over all real tokens at once."),
            (expected / math.log(2),
             "That is the loss in bits (log base 2). Use the natural logarithm (nats), as torch does."),
            (float((raw * real).sum() / n_real),
             "You used the raw score of the target. Normalise first: use log-softmax "
             "(the log-sum-exp of all scores)."),
            (float((time_axis * real).sum() / n_real),
             "The softmax normalises over the time axis; it must normalise over the V classes "
             "(the last axis)."),
        )
        return wrongs
    return check_scalar(answer, expected, name=name, atol=1e-9, rtol=1e-6, mistakes=mistakes,
                        praise="The mean cross-entropy over the real tokens, in nats.")


# ----------------------------------------------------------------------------
# Exercise: the linear i2h/i2o cell as one matrix
# ----------------------------------------------------------------------------


def _split_cell(W_i2h: np.ndarray, W_i2o: np.ndarray):
    """(A, B, C, F) from the i2h (H, D+H) and i2o (Q, D+H) weights, cat order (input, hidden)."""
    H = W_i2h.shape[0]
    D = W_i2h.shape[1] - H
    B, A = W_i2h[:, :D], W_i2h[:, D:]  # (H, D), (H, H)
    C, F = W_i2o[:, :D], W_i2o[:, D:]  # (Q, D), (Q, H)
    return A, B, C, F, D, H


def _cell_blocks(A, B, C, F, T, readout="previous"):
    """The blocks [M_1, ..., M_T] of o_T = sum_t M_t x_t (h_0 = 0, no biases)."""
    blocks = []
    for t in range(1, T + 1):
        if readout == "previous":  # o_T = C x_T + F h_{T-1}
            block = C.copy() if t == T else F @ np.linalg.matrix_power(A, T - 1 - t) @ B
        else:  # an Elman readout o_T = F h_T
            block = F @ np.linalg.matrix_power(A, T - t) @ B
        blocks.append(block)
    return blocks


def check_ch02_linear_cell_matrix(answer: Any, W_i2h: Any, W_i2o: Any, T: int) -> CheckResult:
    """
    Check the matrix M with o_T = M @ concat(x_1, ..., x_T) for the linear i2h/i2o cell.

    The cell is hidden = i2h(cat(x_t, h_{t-1})), output = i2o(cat(x_t, h_{t-1}))
    with no nonlinearity, zero biases and h_0 = 0. Writing
    W_i2h = [B | A] and W_i2o = [C | F] (input columns first), M is the row
    of blocks [F A^{T-2} B, ..., F A B, F B, C].

    Inputs:
    - answer: The learner's M, array of shape (Q, T*D), or None
    - W_i2h: Array of shape (H, D+H), the i2h weight (as torch stores it)
    - W_i2o: Array of shape (Q, D+H), the i2o weight
    - T: Integer number of steps, T >= 2

    Returns:
    - result: CheckResult. Diagnoses: time blocks in reverse order; the output
      read from h_T (an Elman readout) instead of cat(x_T, h_{T-1}); the direct
      term C missing; the concatenated weights split the wrong way round.
    """
    T = check_int("T", T, minimum=2)
    W_i2h = argcheck.as_float_array("W_i2h", W_i2h, ndim=2).astype(np.float64)
    W_i2o = argcheck.as_float_array("W_i2o", W_i2o, ndim=2).astype(np.float64)
    if W_i2o.shape[1] != W_i2h.shape[1] or W_i2h.shape[1] <= W_i2h.shape[0]:
        raise ValueError(f"W_i2o: expected shape (Q, D + H) with W_i2h (H, D + H), got {W_i2o.shape} "
                         f"and W_i2h {W_i2h.shape}")
    A, B, C, F, D, H = _split_cell(W_i2h, W_i2o)
    blocks = _cell_blocks(A, B, C, F, T)
    expected = np.concatenate(blocks, axis=1)  # (Q, T*D)
    name = "M"
    elman = np.concatenate(_cell_blocks(A, B, C, F, T, readout="new"), axis=1)
    no_direct = np.concatenate(blocks[:-1] + [np.zeros_like(C)], axis=1)
    candidates = [
        (np.concatenate(blocks[::-1], axis=1),
         "The blocks are in reverse time order: the first D columns must multiply x_1, "
         "the last D columns x_T."),
        (elman,
         "That is the matrix of an output read from the new state h_T. The i2o layer reads "
         "cat(x_T, h_{T-1}): the last input enters directly, through the input columns of W_i2o."),
        (no_direct, "The direct path from x_T to the output is missing: i2o sees the current input too."),
    ]
    if D == H:  # a wrong split is only shape-compatible when D == H
        # hidden columns taken first: A' = first block, B' = second, C' = second, F' = first
        swapped = np.concatenate(
            _cell_blocks(W_i2h[:, :H], W_i2h[:, H:], W_i2o[:, H:], W_i2o[:, :H], T), axis=1
        )
        candidates.append((
            swapped,
            "The concatenated weights are split the wrong way round: cat(input, hidden) "
            "puts the D input columns first.",
        ))
    return check_array(answer, expected, name=name, atol=1e-10, rtol=1e-8, mistakes=candidates,
                       praise="Every output of the linear cell is this one matrix times the stacked inputs: "
                              "the cell is a linear map.")
