"""Exercise checkers for chapter 10, *Sequence to sequence*.

Every checker computes the expected answer itself from the inputs that the
matching ``ch10_*`` function hands out, and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` with a specific diagnosis (targets
not shifted, shifted the wrong way, `<sos>` missing, softmax over the batch
axis, tanh missing, padding attended to, padding counted as correct ...)
that never prints the solution; ``None`` means "not yet solved".

=========================================  ===============================================
ch10_target_batch()                        padded targets (N, T) for the teacher-forcing exercise
check_ch10_decoder_inputs(dec_in)          `<sos>` y_1 .. y_{T-1}, the decoder's inputs
ch10_attention_inputs()                    s_prev, h, W_a, U_a, v, mask of the attention exercise
check_ch10_attention_weights(alpha)        additive attention weights (N, S)
ch10_metric_batch()                        predictions and targets of the metrics exercise
check_ch10_accuracies(exact, per_char)     exact match and per-character accuracy
=========================================  ===============================================
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from rnn_helpers.exercises.feedback import (
    CheckResult, check_array, check_scalar, read_array, same, tolerances,
)
from rnn_helpers.numpy_rnn.activations import softmax

__all__ = [
    "ch10_target_batch",
    "check_ch10_decoder_inputs",
    "ch10_attention_inputs",
    "check_ch10_attention_weights",
    "ch10_metric_batch",
    "check_ch10_accuracies",
]

PAD_ID, SOS_ID, EOS_ID = 0, 1, 2


# ----------------------------------------------------------------------------
# Exercise: decoder inputs for teacher forcing
# ----------------------------------------------------------------------------


def ch10_target_batch() -> np.ndarray:
    """
    Three padded target sequences, as the decoder must predict them.

    Ids: 0 `<pad>`, 1 `<sos>`, 2 `<eos>`, 3.. characters. Row n holds its
    characters, then `<eos>`, then `<pad>`.

    Returns:
    - tgt: int64 array of shape (3, 6)
    """
    return np.array([
        [7, 4, 9, 5, 6, EOS_ID],
        [8, 3, 10, EOS_ID, PAD_ID, PAD_ID],
        [5, 5, EOS_ID, PAD_ID, PAD_ID, PAD_ID],
    ], dtype=np.int64)


def check_ch10_decoder_inputs(dec_in: Any, tgt: Optional[np.ndarray] = None) -> CheckResult:
    """
    Check the decoder's inputs under teacher forcing for the targets of :func:`ch10_target_batch`.

    Inputs:
    - dec_in: The learner's array or tensor, expected shape (N, T) = (3, 6); or None
    - tgt: Optional targets (default: :func:`ch10_target_batch`)

    Returns:
    - result: CheckResult. Diagnoses: not shifted; shifted the wrong way;
      `<sos>` missing or replaced; one column too many (`<sos>` prepended without
      dropping the last column) or too few; the rest not the targets.
    """
    tgt = ch10_target_batch() if tgt is None else np.asarray(tgt)
    N, T = tgt.shape
    a, failure = read_array(dec_in, "dec_in")
    if failure is not None:
        return failure
    if not np.all(np.isfinite(a)) or not np.all(a == np.round(a)):
        return CheckResult.wrong("`dec_in` should hold integer token ids (no fractions, NaN or inf).")
    sos_col = np.full((N, 1), SOS_ID)
    expected = np.concatenate([sos_col, tgt[:, :-1]], axis=1)  # (N, T)
    if a.shape == (N, T + 1):
        if np.array_equal(a, np.concatenate([sos_col, tgt], axis=1)):
            return CheckResult.wrong(
                "`dec_in` has one column too many: you put `<sos>` in front of the whole target. "
                "The decoder needs one input per target position, so drop the targets' last column: "
                "it is `<eos>` or `<pad>`, and nothing comes after it to predict."
            )
        return CheckResult.wrong(
            f"`dec_in` has shape {a.shape}; it needs one input per target position, shape {(N, T)}.")
    if a.shape == (N, T - 1):
        return CheckResult.wrong(
            f"`dec_in` has shape {a.shape}, one column short: the decoder reads one input for each "
            f"of the T = {T} targets it predicts, starting with `<sos>`."
        )
    if a.shape == (T, N):
        return CheckResult.wrong(f"`dec_in` looks transposed: keep it batch-first, shape (N, T) = {(N, T)}.")
    if a.shape != (N, T):
        return CheckResult.wrong(f"`dec_in` has shape {a.shape}, but shape (N, T) = {(N, T)} is expected.")
    if np.array_equal(a, expected):
        return CheckResult.correct("Each decoder input is the previous target, starting from `<sos>`.")
    if np.array_equal(a, tgt):
        return CheckResult.wrong(
            "`dec_in` equals the targets: nothing is shifted. At step t the decoder would be shown "
            "the very token it must predict, and it would learn to copy its input."
        )
    left = np.concatenate([tgt[:, 1:], np.full((N, 1), PAD_ID)], axis=1)
    if np.array_equal(a[:, :-1], tgt[:, 1:]) or np.array_equal(a, left):
        return CheckResult.wrong(
            "`dec_in` is shifted the wrong way (to the left): at step t the input must be the "
            "previous token y_{t-1}, not the next one y_{t+1}."
        )
    if np.array_equal(a[:, 1:], expected[:, 1:]):
        first = a[:, 0]
        if np.all(first == PAD_ID):
            what = "`<pad>` (id 0)"
        elif np.all(first == EOS_ID):
            what = "`<eos>` (id 2)"
        elif np.array_equal(first, tgt[:, 0]):
            what = "the first target y_1"
        else:
            what = "something other than `<sos>`"
        return CheckResult.wrong(
            f"The shift is right, but the first column holds {what}. Every row must start "
            f"with the start token `<sos>` (id {SOS_ID}), the input that stands for y_0."
        )
    if np.all(a[:, 0] == SOS_ID):
        # an eos that became padding is harmless: the loss ignores the position it feeds
        eos_to_pad = expected.copy()
        eos_to_pad[eos_to_pad == EOS_ID] = PAD_ID
        if np.array_equal(a, eos_to_pad):
            return CheckResult.correct(
                "This works: you replaced `<eos>` by `<pad>` in the inputs. Those positions predict "
                "`<pad>`, which the loss ignores, so training is unchanged."
            )
        if np.array_equal(a[:, 1:], tgt[:, 1:]):
            return CheckResult.wrong(
                "`<sos>` comes first, but then the inputs skip y_1: after `<sos>` come y_1, y_2, ...")
    n_bad = int(np.sum(a != expected))
    return CheckResult.wrong(f"{n_bad} of {a.size} ids differ. Row n should read `<sos>`, y_1, ..., y_(T-1).")


# ----------------------------------------------------------------------------
# Exercise: additive attention weights
# ----------------------------------------------------------------------------


def ch10_attention_inputs() -> Dict[str, np.ndarray]:
    """
    The inputs of the attention exercise (float64).

    Returns a dict of:
    - s_prev: (N, Hd) = (2, 3), the decoder states s_{t-1}
    - h: (N, S, C) = (2, 5, 4), the annotations
    - W_a: (A, Hd) = (6, 3); U_a: (A, C) = (6, 4); v: (A,) = (6,)
    - mask: boolean (N, S), True at real source positions (the second source has length 3)
    """
    rng = np.random.default_rng(20241010)
    N, S, C, Hd, A = 2, 5, 4, 3, 6
    return {
        "s_prev": rng.standard_normal((N, Hd)),
        "h": rng.standard_normal((N, S, C)),
        "W_a": rng.standard_normal((A, Hd)),
        "U_a": rng.standard_normal((A, C)),
        "v": rng.standard_normal(A),
        "mask": np.arange(S)[None, :] < np.array([5, 3])[:, None],
    }


def _softmax(e: np.ndarray, axis: int) -> np.ndarray:
    """The package's softmax; a slice that is -inf everywhere gives NaN, quietly."""
    with np.errstate(invalid="ignore"):
        return softmax(e, axis=axis)


def _attention_variants(inp: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    s, h, W_a, U_a, v, mask = (inp[k] for k in ("s_prev", "h", "W_a", "U_a", "v", "mask"))
    pre = (s @ W_a.T)[:, None, :] + h @ U_a.T  # (N, S, A)
    e = np.tanh(pre) @ v  # (N, S)
    e_masked = np.where(mask, e, -np.inf)
    e_notanh = np.where(mask, pre @ v, -np.inf)
    right = _softmax(e_masked, axis=1)
    zeroed = _softmax(e, axis=1) * mask
    return {
        "right": right,
        "batch_axis": np.nan_to_num(_softmax(e_masked, axis=0)),
        "batch_axis_no_mask": _softmax(e, axis=0),
        "no_tanh": _softmax(e_notanh, axis=1),
        "no_mask": _softmax(e, axis=1),
        "zeroed_after": zeroed,
        "scores": e,
        "scores_masked": np.where(mask, e, 0.0),
        "no_query": _softmax(np.where(mask, np.tanh(h @ U_a.T) @ v, -np.inf), axis=1),
    }


def check_ch10_attention_weights(alpha: Any) -> CheckResult:
    """
    Check additive attention weights for the inputs of :func:`ch10_attention_inputs`.

    alpha[n, s] = softmax over s of v^T tanh(W_a s_prev[n] + U_a h[n, s]), with the
    padded positions (mask False) left out of the softmax.

    Inputs:
    - alpha: The learner's array or tensor, expected shape (N, S) = (2, 5); or None

    Returns:
    - result: CheckResult. Diagnoses: transposed; softmax over the batch axis;
      tanh missing; padding not masked; masked by zeroing after the softmax;
      raw scores; the decoder state left out; rows not summing to 1.
    """
    inp = ch10_attention_inputs()
    var = _attention_variants(inp)
    a, failure = read_array(alpha, "alpha")
    if failure is not None:
        return failure
    expected = var["right"]
    N, S = expected.shape
    if a.shape == (S, N):
        return CheckResult.wrong(
            "`alpha` has shape (S, N): one row per source position. Keep it batch-first, "
            "one row of S weights per example, shape (N, S)."
        )
    if a.shape == (N, S, 1) or a.shape == (1, N, S):
        return CheckResult.wrong("`alpha` has an extra axis of size 1; squeeze it to shape (N, S).")
    if a.shape != (N, S):
        return check_array(a, expected, "alpha")
    if not np.all(np.isfinite(a)):
        return CheckResult.wrong(
            "`alpha` contains NaN or inf. If you masked with -inf, apply the softmax along the "
            "source axis so that every row still has real positions to normalise over."
        )

    atol, rtol = tolerances(alpha, 1e-9, 1e-6)

    def matches(x):
        return same(a, x, atol=atol, rtol=rtol)

    if matches(expected):
        return CheckResult.correct("Each row is a probability distribution over the real source positions.")
    if matches(var["batch_axis"]) or matches(var["batch_axis_no_mask"]):
        return CheckResult.wrong(
            "The softmax runs over the batch axis (axis 0): each *column* sums to 1. The weights of "
            "one example must sum to 1 over its source positions, the softmax over axis 1."
        )
    if matches(var["no_tanh"]):
        return CheckResult.wrong(
            "The tanh is missing: the score is v^T tanh(W_a s + U_a h_s). Without it the score is "
            "linear in s and h_s, and the layer is no longer a small neural network."
        )
    if matches(var["no_mask"]):
        return CheckResult.wrong(
            "The padded positions of the second example receive weight. Set their scores to -inf "
            "before the softmax (mask False), so the weights over the real positions sum to 1."
        )
    if matches(var["zeroed_after"]):
        return CheckResult.wrong(
            "You zeroed the padded positions after the softmax, so the second row no longer sums to 1. "
            "Mask the scores (with -inf) before the softmax instead."
        )
    if matches(var["scores"]) or matches(var["scores_masked"]):
        return CheckResult.wrong(
            "These are the scores e_{t,s}; the weights are their softmax over the source positions.")
    if matches(var["no_query"]):
        return CheckResult.wrong(
            "The decoder state is missing: W_a s_prev must be added to every U_a h_s before the tanh. "
            "Without it the weights would be the same at every decoder step."
        )
    sums = a.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        return CheckResult.wrong(
            "The rows of `alpha` do not sum to 1: apply a softmax over the source axis (axis 1).")
    if np.any(np.abs(a[~inp["mask"]]) > 1e-9):
        return CheckResult.wrong("Padded positions (mask False) must get weight 0.")
    return check_array(a, expected, "alpha")


# ----------------------------------------------------------------------------
# Exercise: exact match and per-character accuracy
# ----------------------------------------------------------------------------


def ch10_metric_batch() -> Tuple[np.ndarray, np.ndarray]:
    """
    Greedy predictions and targets for the metrics exercise (ids: 0 `<pad>`, 2 `<eos>`).

    Returns a tuple of:
    - pred: int64 array of shape (5, 7), greedy outputs: tokens, `<eos>`, then anything
    - tgt: int64 array of shape (5, 7), targets: tokens, `<eos>`, then `<pad>`
    """
    P, E = PAD_ID, EOS_ID
    tgt = np.array([
        [3, 4, 5, 6, E, P, P],
        [7, 8, 9, 3, 4, E, P],
        [5, 5, E, P, P, P, P],
        [9, 8, 7, E, P, P, P],
        [4, 6, 8, 3, 5, 7, E],
    ], dtype=np.int64)
    pred = np.array([
        [3, 4, 5, 6, E, P, P],  # right
        [7, 8, 9, 3, 4, E, 6],  # right; a token after `<eos>` that must be ignored
        [5, 6, E, P, P, P, P],  # one character wrong
        [9, 8, 7, 7, 7, 7, 7],  # never writes `<eos>`
        [4, 6, 8, E, P, P, P],  # stops too early
    ], dtype=np.int64)
    return pred, tgt


def _metric_variants() -> Dict[str, float]:
    pred, tgt = ch10_metric_batch()
    eos_seen = np.cumsum(pred == EOS_ID, axis=1) - (pred == EOS_ID)
    clean = np.where(eos_seen > 0, PAD_ID, pred)  # after the first `<eos>`: `<pad>`
    real = tgt != PAD_ID
    chars = real & (tgt != EOS_ID)
    hit = clean == tgt
    return {
        "exact": float(np.mean(np.all(clean == tgt, axis=1))),
        "exact_raw": float(np.mean(np.all(pred == tgt, axis=1))),
        "per_char": float((hit & real).sum() / real.sum()),
        "per_char_with_pad": float(hit.mean()),
        "per_char_no_eos": float((hit & chars).sum() / chars.sum()),
        "per_char_row_mean": float(np.mean((hit & real).sum(axis=1) / real.sum(axis=1))),
        "per_char_raw_with_pad": float((pred == tgt).mean()),
    }


def check_ch10_accuracies(exact: Any, per_char: Any) -> CheckResult:
    """
    Check the exact match and the per-character accuracy of :func:`ch10_metric_batch`.

    Exact match: the fraction of rows whose prediction equals the target up to
    and including `<eos>` (what follows a row's first `<eos>` is ignored).
    Per-character accuracy: over all real target positions (characters and
    `<eos>`, not `<pad>`), the fraction where the prediction holds the same id.

    Inputs:
    - exact: The learner's number in [0, 1], or None
    - per_char: The learner's number in [0, 1], or None

    Returns:
    - result: CheckResult on both numbers. Diagnoses: tokens after `<eos>`
      compared; padding counted; `<eos>` left out; rows averaged first; percentages.
    """
    if (exact is None or exact is Ellipsis) and (per_char is None or per_char is Ellipsis):
        return CheckResult.unsolved(
            message="`exact` and `per_char` are still `None`. Compute them and run the cell again.")
    v = _metric_variants()
    notes, ok = [], True
    r_exact = check_scalar(exact, v["exact"], "exact", atol=1e-9, rtol=1e-9)
    if r_exact.passed:
        notes.append("`exact` is right.")
    else:
        ok = False
        if r_exact.status == "unsolved":
            notes.append("`exact` is still `None`.")
        elif check_scalar(exact, v["exact_raw"], "exact", atol=1e-9, rtol=1e-9).passed:
            notes.append(
                "`exact` also compares what a row writes after its first `<eos>`. Decoding stops there: "
                "replace everything after the first `<eos>` by `<pad>` (or cut it off) before comparing."
            )
        else:
            notes.append(r_exact.message)
    r_char = check_scalar(per_char, v["per_char"], "per_char", atol=1e-9, rtol=1e-9)
    if r_char.passed:
        notes.append("`per_char` is right.")
    else:
        ok = False

        def is_(key):
            return check_scalar(per_char, v[key], "per_char", atol=1e-9, rtol=1e-9).passed

        if r_char.status == "unsolved":
            notes.append("`per_char` is still `None`.")
        elif is_("per_char_with_pad") or is_("per_char_raw_with_pad"):
            notes.append(
                "`per_char` counts the `<pad>` positions of the targets: a model gets them 'right' for free. "
                "Average over the real target positions only (characters and `<eos>`)."
            )
        elif is_("per_char_no_eos"):
            notes.append(
                "`per_char` leaves out the `<eos>` positions. Writing `<eos>` at the right time is part of "
                "the answer (one row never stops, one stops too early): count those positions too."
            )
        elif is_("per_char_row_mean"):
            notes.append(
                "`per_char` averages each row first and then the rows, which weights a character of a "
                "short row more. Pool all real positions of the batch into one ratio."
            )
        else:
            notes.append(r_char.message)
    message = " ".join(notes)
    return CheckResult.correct(message) if ok else CheckResult.wrong(message)
