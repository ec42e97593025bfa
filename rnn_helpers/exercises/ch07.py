"""Exercise checkers for chapter 7, *Language modelling and text generation*.

Every checker computes the expected answer itself and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` with a specific diagnosis that never
prints the solution, and "not yet solved" when the answer is still ``None``.

==============================================  ==================================================
check_ch07_units(bpc, ppl, nats)                 bits per character and perplexity from a loss in nats
check_ch07_temperature_softmax(fn)               softmax(logits / tau), batched and stable
check_ch07_kn_bigram(answer)                     P(. | "r") of a Kneser-Ney bigram on "abracadabra"
check_ch07_param_count(answer, V, E, H, cell)    trainable parameters of the chapter's CharLM
==============================================  ==================================================
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rnn_helpers.argcheck import check_choice, check_float, check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_float_array, as_number, call_on_copies, check_array, check_integer,
    check_scalar, near, no_function, same, tolerances,
)
from rnn_helpers.numpy_rnn.activations import softmax

__all__ = [
    "KN_TEXT",
    "KN_DISCOUNT",
    "KN_CONTEXT",
    "check_ch07_units",
    "check_ch07_temperature_softmax",
    "check_ch07_kn_bigram",
    "check_ch07_param_count",
]

#: The training text, discount and context of the Kneser-Ney exercise.
KN_TEXT = "abracadabra"
KN_DISCOUNT = 0.75
KN_CONTEXT = "r"


# ----------------------------------------------------------------------------
# 1. units: nats -> bits per character and perplexity
# ----------------------------------------------------------------------------


def check_ch07_units(bpc: Any, ppl: Any, nats: float) -> CheckResult:
    """
    Check bits per character and perplexity computed from a mean loss in nats.

    Expected: bpc = nats / ln 2 and ppl = exp(nats) (= 2 ** bpc).

    Inputs:
    - bpc: the learner's bits per character, or None
    - ppl: the learner's per-character perplexity, or None
    - nats: Float, the mean cross-entropy (natural logarithm) given in the exercise

    Returns:
    - result: CheckResult. Recognises a loss left in nats, multiplying by ln 2
      instead of dividing, log base 10, perplexity and bpc swapped, 2 ** nats
      and e ** bpc (mixed bases), 10 ** nats, and exp(-nats).
    """
    nats = check_float("nats", nats, minimum=0.0)
    want_bpc, want_ppl = nats / math.log(2.0), math.exp(nats)
    if bpc is None and ppl is None:
        return CheckResult.unsolved(
            message="`bpc` and `ppl` are still `None`. Compute both from the loss in nats.")
    b, p = as_number(bpc), as_number(ppl)
    if b is not None and not near(b, want_bpc, atol=1e-12):
        hints = [
            (nats, "`bpc` equals the loss itself, which is in nats (natural logarithm). Convert "
                   "it to bits: log2 x = ln x / ln 2."),
            (nats * math.log(2.0), "`bpc` is the loss *multiplied* by ln 2. One bit is ln 2 ≈ 0.69 "
                                   "nats, so there are more bits than nats: divide by ln 2."),
            (nats / math.log(10.0), "`bpc` is the loss divided by ln 10: that converts nats to "
                                    "decimal digits (log base 10), not to bits. Use ln 2."),
            (want_ppl, "`bpc` holds the perplexity, exp(loss). Bits per character is a "
                       "logarithmic quantity: the loss in base 2."),
            (math.log2(nats) if nats > 0 else math.nan, "`bpc` is log2 of the loss. The loss is "
                                                        "already a logarithm: only change its base."),
        ]
        for value, message in hints:
            if near(b, value, atol=1e-12):  # near() never matches a NaN candidate
                return CheckResult.wrong(message)
    if p is not None and not near(p, want_ppl, atol=1e-12):
        hints = [
            (2.0 ** nats, "`ppl` is 2 raised to a loss in nats: the bases are mixed. Either "
                          "exp(loss in nats) or 2 ** (loss in bits)."),
            (math.exp(want_bpc), "`ppl` is e raised to the bits per character: the bases are "
                                 "mixed. Either exp(loss in nats) or 2 ** (loss in bits)."),
            (10.0 ** nats, "`ppl` is 10 raised to the loss. The loss uses natural logarithms, "
                           "so undo it with exp."),
            (math.exp(-nats), "`ppl` is exp(-loss), the geometric mean of the probabilities of "
                              "the correct characters. Perplexity is its inverse."),
            (want_bpc, "`ppl` holds the bits per character; perplexity is exp(loss)."),
            (nats, "`ppl` equals the loss. Perplexity is exp(loss): an 'effective number of "
                   "equally likely choices'."),
        ]
        for value, message in hints:
            if near(p, value, atol=1e-12):
                return CheckResult.wrong(message)
    result_b = check_scalar(bpc, want_bpc, name="bpc", atol=0.0, rtol=1e-6)
    if not result_b.passed:
        return result_b
    result_p = check_scalar(ppl, want_ppl, name="ppl", atol=0.0, rtol=1e-6)
    if not result_p.passed:
        return result_p
    return CheckResult.correct("Both conversions are right, and they agree: perplexity = 2 ** bpc.")


# ----------------------------------------------------------------------------
# 2. softmax with temperature
# ----------------------------------------------------------------------------


def _temperature_cases():
    """Hidden cases (logits (S, V), tau, kind).

    Moderate logits; logits in the hundreds (exp overflows without a shift);
    and rows of very different scales, where one maximum for the whole batch
    instead of one per row sends whole rows to exp(-1000) = 0 and 0 / 0.
    """
    rng = np.random.default_rng(707)
    small = 2.0 * rng.standard_normal((4, 7))  # (S, V)
    large = 600.0 + 40.0 * rng.standard_normal((3, 6))  # exp(large / tau) overflows
    mixed = np.stack([2.0 * rng.standard_normal(6),  # (3, 6): an ordinary row,
                      900.0 + 30.0 * rng.standard_normal(6),  # one in the hundreds,
                      -400.0 + 10.0 * rng.standard_normal(6)])  # and one far below zero
    return [(small, 0.5, "small"), (small[:3, :5] * 0.7, 2.5, "small"), (large, 0.8, "large"),
            (mixed, 1.0, "mixed")]


def _unnormalised(logits, tau, shift):
    """exp((logits - shift) / tau), with overflow and underflow left to happen."""
    with np.errstate(all="ignore"):
        return np.exp((logits - shift) / tau)


def check_ch07_temperature_softmax(fn) -> CheckResult:
    """
    Check a learner's softmax with temperature.

    ``fn(logits, tau)`` must return softmax(logits / tau) along the last axis
    for logits of shape (S, V) and a temperature tau > 0, without overflow for
    logits in the hundreds, and for rows of very different scales in one batch.

    Inputs:
    - fn: callable fn(logits, tau) -> probs of shape (S, V); None means not yet solved

    Returns:
    - result: CheckResult. Recognises dividing the probabilities instead of the
      logits (with and without renormalising), multiplying by tau, a missing
      normalisation, log-probabilities, the wrong axis, an overflow from a
      missing max-subtraction, one maximum for the whole batch instead of
      one per row, and inputs modified in place. A float32 answer passes at
      float32 precision (relative 4 eps32 |logits / tau| at least).
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for logits, tau, kind in _temperature_cases():
        out, failure = call_on_copies(fn, (logits, tau), ("logits", "tau"), "return probs")
        if failure is not None:
            return failure
        expected = softmax(logits / tau)  # (S, V)
        atol, rtol = tolerances(out, 1e-10, 1e-8)
        if (atol, rtol) != (1e-10, 1e-8):  # float32: rounding z = logits / tau moves p by ~eps |z|
            rtol = max(rtol, 4 * float(np.finfo(np.float32).eps) * float(np.abs(logits / tau).max()))
        got, problem = as_float_array(out)
        if problem is None and got.shape == expected.shape and not np.all(np.isfinite(got)):
            if kind == "large":
                return CheckResult.wrong(
                    "With logits in the hundreds your result contains NaN or inf: exp(600 / tau) "
                    "overflows. Subtract the largest logit of each row before exp; the "
                    "softmax does not change, and every exponent is then at most 0.")
            global_shift = _unnormalised(logits, tau, logits.max())
            with np.errstate(all="ignore"):
                global_shift = global_shift / global_shift.sum(axis=-1, keepdims=True)
            if kind == "mixed" and np.array_equal(np.isnan(got).any(axis=-1),
                                                  np.isnan(global_shift).any(axis=-1)):
                return CheckResult.wrong(
                    "Some rows come back as NaN: the rows whose logits lie far below the largest "
                    "logit of the whole batch. You subtracted one maximum for the whole batch, so "
                    "every exp in those rows underflows to 0 and the row becomes 0 / 0. Subtract "
                    "each row's own maximum (axis=-1, keepdims=True).")
            return check_array(out, expected, name="probs")
        result = check_array(out, expected, name="probs", atol=atol, rtol=rtol)
        if result.passed:
            continue
        if problem is not None or got.shape != expected.shape:
            return result
        p = softmax(logits)
        candidates = (
            (p, "The temperature has no effect on your result. Dividing the probabilities by "
                "tau and renormalising gives the same distribution back: divide the *logits* "
                "by tau, then apply the softmax."),
            (p / tau, "You divided the probabilities by tau. The rows no longer sum to 1, and "
                      "renormalising would only give back the original distribution: divide the "
                      "*logits* by tau, then apply the softmax."),
            (softmax(logits * tau), "You multiplied the logits by tau. A temperature divides "
                                    "them: low temperatures must sharpen the distribution."),
            (_unnormalised(logits, tau, logits.max(axis=-1, keepdims=True)),
             "The rows are not normalised: divide by the sum of each row."),
            (np.log(expected), "These are log-probabilities; return the probabilities."),
            (softmax(logits / tau, axis=0), "You normalised over the first axis (the rows of "
                                            "the batch). Each row is one distribution over the "
                                            "V characters: use the last axis."),
        )
        with np.errstate(divide="ignore"):
            for value, message in candidates:
                if np.all(np.isfinite(value)) and same(got, value, atol=atol, rtol=rtol):
                    return CheckResult.wrong(message)
        return result
    return CheckResult.correct("Your function matches softmax(logits / tau) on the hidden inputs, "
                               "including logits in the hundreds and rows of very different scales.")


# ----------------------------------------------------------------------------
# 3. a Kneser-Ney bigram by hand
# ----------------------------------------------------------------------------


#: Probabilities rounded to 4 decimals (as the chapter's solution prints them) pass.
_KN_ATOL = 1e-3


def _kn_expected():
    """P(w | KN_CONTEXT) for the interpolated KN bigram on KN_TEXT, and its pieces."""
    from rnn_helpers.data.corpus import build_vocab, encode
    from rnn_helpers.models.ngram import KneserNey

    vocab = build_vocab(KN_TEXT)
    ids = encode(KN_TEXT, vocab)
    model = KneserNey(2, len(vocab), discount=KN_DISCOUNT).fit(ids)
    ctx = encode(KN_CONTEXT, vocab)
    p = np.exp(model.next_log_probs(ctx))  # (V,)
    return vocab, ids, p


def check_ch07_kn_bigram(answer: Any) -> CheckResult:
    """
    Check the interpolated Kneser-Ney bigram distribution P(w | "r") on "abracadabra".

    The vocabulary is the sorted set of characters (a, b, c, d, r), the
    discount D = 0.75 at both orders, and the lowest order interpolates with
    the uniform distribution over the V = 5 characters.

    Inputs:
    - answer: array-like of shape (5,), P(w | "r") for w = a, b, c, d, r; or None

    Returns:
    - result: CheckResult. Recognises the maximum-likelihood estimate (no
      smoothing), dropping the lower order, raw unigram counts instead of
      continuation counts, a uniform lower order, undiscounted seen counts,
      and a distribution that does not sum to 1.
    """
    vocab, ids, expected = _kn_expected()
    V = len(vocab)
    if answer is None or answer is Ellipsis:
        return CheckResult.unsolved(message="`p_r` is still `None`. Replace it with the 5 probabilities.")
    got, problem = as_float_array(answer)
    if problem is None and got.shape == expected.shape and np.all(np.isfinite(got)) \
            and not same(got, expected, atol=_KN_ATOL, rtol=0.0):
        D = KN_DISCOUNT
        r = vocab.index(KN_CONTEXT)
        follow = np.bincount(ids[1:][ids[:-1] == r], minlength=V).astype(float)  # c(r, w)
        total, types = follow.sum(), np.count_nonzero(follow)
        raw_uni = np.bincount(ids, minlength=V) / ids.size
        pairs = {(int(a), int(b)) for a, b in zip(ids[:-1], ids[1:])}
        cont = np.bincount([b for _, b in pairs], minlength=V).astype(float)
        cont_uni = (np.maximum(cont - D, 0) + D * np.count_nonzero(cont) / V) / cont.sum()
        lam = D * types / total
        top = np.maximum(follow - D, 0) / total
        candidates = (
            (follow / total, "That is the maximum-likelihood estimate c(r, w) / c(r): every "
                             "character never seen after 'r' gets probability 0. Discount the "
                             "seen counts and give the freed mass to the lower order."),
            (top, "The interpolation term is missing: the mass D * N(r) / c(r) taken from the "
                  "seen bigram must go to the lower-order distribution. Your numbers sum to "
                  "less than 1."),
            (top + lam * raw_uni, "The lower order uses raw unigram frequencies. Kneser-Ney "
                                  "uses continuation counts: for each character, the number "
                                  "of *distinct* characters that precede it in the text."),
            (top + lam / V, "The lower order is uniform. Kneser-Ney's lower order is the "
                            "(discounted) continuation distribution, itself interpolated "
                            "with the uniform one."),
            (follow / total + lam * cont_uni, "The seen count is not discounted: use "
                                              "max(c(r, w) - D, 0) / c(r). Your numbers sum "
                                              "to more than 1."),
        )
        for value, message in candidates:
            if same(got, value, atol=_KN_ATOL, rtol=0.0):
                return CheckResult.wrong(message)
        if not math.isclose(float(got.sum()), 1.0, abs_tol=_KN_ATOL):
            return CheckResult.wrong(f"Your probabilities sum to {got.sum():.4f}, not 1. Interpolated "
                                     "Kneser-Ney is a proper distribution: check the weight of the "
                                     "lower order.")
    return check_array(answer, expected, name="p_r", atol=_KN_ATOL, rtol=0.0,
                       praise="That is the Kneser-Ney bigram distribution after 'r'; the characters "
                              "never seen after 'r' get their probability from the continuation counts.")


# ----------------------------------------------------------------------------
# 4. parameter count of CharLM
# ----------------------------------------------------------------------------


def check_ch07_param_count(answer: Any, V: int, E: int, H: int, cell: str = "lstm") -> CheckResult:
    """
    Check the number of trainable parameters of ``CharLM(V, E, H, cell)``.

    The model has an embedding (V x E), one ``torch.nn.LSTM`` (4 gate blocks)
    or ``torch.nn.GRU`` (3 blocks) layer with PyTorch's two bias vectors, and
    a linear read-out (H -> V, with bias).

    Inputs:
    - answer: the learner's count, or None
    - V, E, H: Integers: vocabulary, embedding and hidden sizes
    - cell: "lstm" or "gru"

    Returns:
    - result: CheckResult. Recognises a single bias per layer, the wrong
      number of gate blocks, a missing embedding, read-out or read-out bias,
      and an embedding counted as a one-hot input.
    """
    cell = check_choice("cell", cell, ("lstm", "gru"))
    V, E, H = (check_int(k, v, minimum=1) for k, v in (("V", V), ("E", E), ("H", H)))
    G = 4 if cell == "lstm" else 3
    emb, head = V * E, H * V + V

    def rec(g, biases=2, D=E):
        return g * H * (D + H) + biases * g * H

    expected = emb + rec(G) + head
    hints = {
        expected - G * H: (f"One bias vector per gate block is missing: PyTorch's {cell.upper()} "
                           "stores two, bias_ih_l0 and bias_hh_l0, each of size "
                           f"{G}H."),
        emb + rec(4 if G == 3 else 3) + head: ("The number of gate blocks is wrong: an LSTM has "
                                               "four (i, f, g, o), a GRU three (r, z, n)."),
        emb + rec(1) + head: ("That is the count of a plain RNN layer. Every gate block has "
                              "its own input and recurrent weights."),
        rec(G) + head: "The embedding table (V x E) is missing.",
        emb + rec(G): "The read-out layer (H -> V, weight and bias) is missing.",
        emb + rec(G) + H * V: "The read-out bias (V entries) is missing.",
        rec(G, D=V) + head: ("That counts a one-hot input of size V fed straight into the "
                             "recurrent layer. CharLM first looks the character up in an "
                             "embedding table and feeds E numbers."),
    }
    return check_integer(answer, expected, name="n_params", mistakes=hints.items(),
                         praise="You counted the embedding, every gate block with its two biases, and "
                                "the read-out.")
