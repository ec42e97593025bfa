"""Checkers for the exercises of chapter 1 (sequences and recurrence).

Built on the feedback core :mod:`rnn_helpers.exercises.feedback`.
"""

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_integer, call_on_copies, check_array,
    check_scalar, check_shape, no_function, rnn_step_case,
)
from rnn_helpers.numpy_rnn.activations import sigmoid

__all__ = [
    "check_ch01_param_count",
    "check_ch01_rnn_step",
    "check_ch01_output_shape",
    "check_ch01_window_accuracy",
]


def check_ch01_param_count(answer, D, H, Q=None):
    """
    Check the number of trainable parameters of an Elman RNN layer.

    The layer has W_xh (H, D), W_hh (H, H) and one bias b_h (H,); with an
    output layer of size Q it also has W_hq (Q, H) and b_q (Q,).

    Inputs:
    - answer: The learner's count, or None
    - D: Integer input size
    - H: Integer hidden size
    - Q: Integer output size, or None for the recurrent layer alone

    Returns:
    - result: CheckResult. Names a missing part (W_xh, W_hh, b_h, the output
      layer, W_hq, b_q) or PyTorch's second bias; when two parts have the
      same size (e.g. D = Q makes W_xh and W_hq equally large) it names both
      candidates instead of guessing one.
    """
    D, H = check_int("D", D, minimum=1), check_int("H", H, minimum=1)
    Q = None if Q is None else check_int("Q", Q, minimum=1)
    name = "n_params"
    value, result = as_integer(answer, name)
    if result is not None:
        return result
    rec = H * D + H * H + H
    out = 0 if Q is None else Q * H + Q
    expected = rec + out
    if value == expected:
        return CheckResult.correct("You counted every weight matrix and bias vector.")
    # (count that the mistake gives, the missing part, the message)
    parts = [
        (expected - H, "b_h", "One bias vector is missing: b_h has H entries."),
        (expected - H * H, "W_hh", "The recurrent matrix W_hh is missing: it maps h_{t-1} (H) to H units."),
        (expected - H * D, "W_xh", "The input matrix W_xh is missing: it maps x_t (D) to H units."),
    ]
    if Q is not None:
        parts += [
            (rec, "the output layer", "The output layer (W_hq and b_q) is missing."),
            (expected - Q * H, "W_hq", "The output matrix W_hq is missing: it maps h_t (H) to Q outputs."),
            (expected - Q, "b_q", "The output bias b_q is missing."),
        ]
    missing = [(what, message) for count, what, message in parts if count == value]
    if len(missing) == 1:
        return CheckResult.wrong(missing[0][1])
    if len(missing) > 1:
        names = " or ".join(what for what, _ in missing)
        return CheckResult.wrong(
            f"One part is missing: {names}. With these sizes they have the same number of "
            "entries, so list every matrix and bias with its shape to find which one.")
    if value == expected + H:
        return CheckResult.wrong(
            "That is PyTorch's count, which stores two bias vectors (bias_ih_l0 and bias_hh_l0). "
            "The equations have a single b_h.")
    return CheckResult.wrong(
        f"`{name}` is too {'large' if value > expected else 'small'}. List every weight matrix "
        "and bias vector with its shape, then add up the entries. The sequence length T does not appear."
    )


def _ch01_step_cases():
    """Hidden test inputs for check_ch01_rnn_step: two cases of different sizes."""
    rng = np.random.default_rng(20240601)
    cases = []
    for N, D, H in ((3, 4, 5), (1, 2, 3)):
        cases.append(rnn_step_case(rng, N, D, H, w_scale=0.5, b_scale=0.5))
    return cases


_ATOL, _RTOL = 1e-8, 1e-6


def _step_mistakes(x, prev_h, Wx, Wh, b):
    """(next_h, diagnosis) of the typical slips in a tanh RNN step, on one hidden case."""
    pre = x @ Wx + prev_h @ Wh + b  # (N, H)
    return (
        (pre, "`next_h` equals the pre-activation: the tanh is missing."),
        (np.tanh(x @ Wx + prev_h @ Wh), "The bias b is missing inside the tanh."),
        (np.tanh(x @ Wx + b), (
            "`next_h` does not depend on prev_h: this is a feed-forward layer with no memory. "
            "Add the recurrent term prev_h @ Wh."
        )),
        (np.tanh(prev_h @ Wh + b), "`next_h` does not depend on the input x: add x @ Wx."),
        (sigmoid(pre), "That is a sigmoid; the Elman cell uses tanh."),
        (np.maximum(pre, 0.0), "That is a ReLU; the Elman cell of this chapter uses tanh."),
        (np.tanh(x @ Wx + prev_h @ Wh.T + b), (
            "Wh is used transposed. In the row convention of the code it is prev_h @ Wh."
        )),
        (np.tanh(x @ Wx) + np.tanh(prev_h @ Wh) + b, (
            "The tanh must be applied once, to the whole sum x @ Wx + prev_h @ Wh + b."
        )),
    )


def check_ch01_rnn_step(fn):
    """
    Check a learner's tanh RNN step function on hidden test inputs.

    The function must compute next_h = tanh(x @ Wx + prev_h @ Wh + b) for a
    whole batch at once. It is compared with
    ``rnn_helpers.numpy_rnn.rnn_step_forward`` on two cases of different sizes.

    Inputs:
    - fn: Callable fn(x, prev_h, Wx, Wh, b) -> next_h with x (N, D),
      prev_h (N, H), Wx (D, H), Wh (H, H), b (H,) and next_h (N, H). Returning
      a tuple (next_h, cache) is accepted too. None means not yet solved.

    Returns:
    - result: CheckResult. Besides the generic array diagnoses it recognises
      a missing tanh, a missing bias, an ignored prev_h or x, sigmoid or ReLU
      instead of tanh, a transposed Wh and inputs modified in place.
    """
    from rnn_helpers.numpy_rnn import rnn_step_forward

    bad = no_function(fn)
    if bad is not None:
        return bad
    for x, prev_h, Wx, Wh, b in _ch01_step_cases():
        expected, _ = rnn_step_forward(x, prev_h, Wx, Wh, b)  # (N, H)
        out, failure = call_on_copies(fn, (x, prev_h, Wx, Wh, b), ("x", "prev_h", "Wx", "Wh", "b"),
                                      "return next_h", shapes="x is (N, D) and Wx is (D, H)")
        if failure is not None:
            return failure
        if isinstance(out, tuple) and len(out) >= 1:
            out = out[0]
        result = check_array(out, expected, name="next_h", atol=_ATOL, rtol=_RTOL,
                             mistakes=lambda: _step_mistakes(x, prev_h, Wx, Wh, b))
        if not result.passed:
            return result
    return CheckResult.correct("Your step function matches the reference on the hidden test inputs.")


def check_ch01_output_shape(answer, N, T, D, H):
    """
    Check the shape of the hidden states returned by ``rnn_forward``.

    Inputs:
    - answer: The learner's shape (tuple of ints or torch.Size), or None
    - N, T, D, H: Integers: batch size, sequence length, input size, hidden size

    Returns:
    - result: CheckResult
    """
    N, T, D, H = (check_int(k, v, minimum=1) for k, v in (("N", N), ("T", T), ("D", D), ("H", H)))
    name = "h_shape"
    expected = (N, T, H)
    if isinstance(answer, (tuple, list)) and len(set((N, T, D, H))) == 4:
        got = tuple(answer)
        if got == (T, N, H):
            return CheckResult.wrong("That is the time-major layout. The course's arrays are batch-first.")
        if got == (N, H):
            return CheckResult.wrong(
                "That is the shape of the last hidden state only; rnn_forward returns every h_t.")
        if got == (N, T, D):
            return CheckResult.wrong("That is the input's shape. The hidden states have H features, not D.")
    return check_shape(answer, expected, name=name)


def check_ch01_window_accuracy(answer, T, k):
    """
    Check the best accuracy of a length-k window on the 'was there a marker?' task.

    Each of the T positions of a sequence holds a marker independently with
    probability p, chosen so that half of all sequences contain at least one
    marker; the label says whether the sequence contains a marker. A model
    sees only the last k positions.

    Inputs:
    - answer: The learner's accuracy, a fraction in [0, 1], or None
    - T: Integer sequence length
    - k: Integer window length, 0 <= k <= T

    Returns:
    - result: CheckResult
    """
    T = check_int("T", T, minimum=1)
    k = check_int("k", k, minimum=0, maximum=T)
    name = "best_accuracy"
    expected = 1.5 - 0.5 ** (k / T)
    not_linear = ("The accuracy is not linear in k. Work with the probability that a stretch of "
                  "positions holds no marker.")
    mistakes = (
        (1 - 0.5 ** (k / T), "That is the probability that the window contains a marker. The rule is "
                             "also right when no marker occurred anywhere."),
        (k / T, not_linear),
        (0.5 + 0.5 * k / T, not_linear),
    )
    return check_scalar(answer, expected, name=name, atol=1e-9, rtol=1e-6, mistakes=mistakes)
