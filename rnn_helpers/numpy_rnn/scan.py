"""Linear recurrences ``h_t = a_t * h_{t-1} + b_t`` by a loop and by parallel scans.

A recurrence that is *linear in the state*, with elementwise coefficients,

    h_t = a_t * h_{t-1} + b_t,        t = 1..T,   h_0 given,

can be computed without stepping through time one step after another,
because composing two steps is again a step of the same form. Write a step
as the pair (a, b), the map h -> a h + b. Applying (a, b) first and then
(a', b') gives h -> a' (a h + b) + b' = (a a') h + (a' b + b'), so

    (a, b) o (a', b') = (a a', a' b + b')                         (combine)

and this operator is associative. Any associative operator can be
prefix-scanned in O(log T) parallel steps:

==============================  ==========================================
linear_recurrence(a, b, h0)     the sequential loop (the reference)
linear_recurrence_scan(...)     Hillis-Steele doubling scan: ceil(log2 T)
                                levels, O(T log T) combines
linear_recurrence_blelloch(..)  Blelloch's work-efficient scan: up-sweep
                                and down-sweep, O(T) combines
linear_recurrence_log(...)      log-space form (Heinsen 2023) for a > 0:
                                a cumulative sum and a log-cum-sum-exp
linear_recurrence_backward(..)  gradients of the recurrence: a reverse scan
combine(left, right)            the operator above, on arrays
hillis_steele_level(A, B, s)    one level of the doubling scan
scan_pattern(T, method)         which elements each position holds after
                                every level (for figures and explorers)
==============================  ==========================================

Shapes: a, b (N, T, H); h0 (N, H); h (N, T, H), h[:, t-1] is h_t. The only
Python loops run over the O(log T) levels of a scan, never over T.
Dtypes follow :mod:`rnn_helpers.argcheck`: float32 and float64 (mixed inputs
run in float64); other dtypes and wrong shapes raise ``ValueError`` naming
the argument.

The module is long (about 430 lines) because the loop, the three scans, the
backward pass and the combination pattern share one operator and one
argument check, and the tests and the chapter compare them with each other.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_shape, common_float_dtype
from rnn_helpers.numpy_rnn._docs import doc_section

__all__ = [
    "combine",
    "linear_recurrence",
    "linear_recurrence_scan",
    "hillis_steele_level",
    "linear_recurrence_blelloch",
    "linear_recurrence_log",
    "linear_recurrence_backward",
    "scan_pattern",
    "SCAN_METHODS",
]

#: The scan algorithms of :func:`scan_pattern`.
SCAN_METHODS = ("hillis_steele", "blelloch")


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------


#: The Inputs/Returns of the recurrences that take (a, b, h0) of any sign.
_RECURRENCE_DOC = """
    Inputs:
    - a: coefficients, array of shape (N, T, H)
    - b: inputs, array of shape (N, T, H)
    - h0: initial state, array of shape (N, H)

    Returns:
    - h: states h_1..h_T, array of shape (N, T, H)
"""


def _check_args(a: Any, b: Any, h0: Any, b_name: str = "b") -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a (N, T, H), b (N, T, H), h0 (N, H); cast to their common dtype."""
    a = as_float_array("a", a, 3, "(N, T, H)")
    N, T, H = a.shape
    if T < 1:
        raise ValueError(f"a: expected at least one time step (T >= 1), got shape {a.shape}")
    b = as_float_array(b_name, b, 3, "(N, T, H)")
    check_shape(b_name, b, (N, T, H), "N, T, H", context="the shape of a")
    h0 = as_float_array("h0", h0, 2, "(N, H)")
    check_shape("h0", h0, (N, H), "N, H", context="N and H from a.shape")
    dtype = common_float_dtype(a, b, h0)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False), h0.astype(dtype, copy=False)


# ----------------------------------------------------------------------------
# the operator and the loop
# ----------------------------------------------------------------------------


def combine(left: Tuple[Any, Any], right: Tuple[Any, Any]) -> Tuple[np.ndarray, np.ndarray]:
    """Compose two steps of the recurrence: first ``left``, then ``right``.

    With a step written as the pair (a, b), the map h -> a * h + b,

        (a, b) o (a', b') = (a * a', a' * b + b').

    The operator is associative but not commutative: ``left`` is the earlier
    step. The identity is (1, 0).

    Inputs:
    - left: pair (a, b) of arrays of one broadcastable shape S, the earlier step
    - right: pair (a', b') of arrays of shape S, the later step

    Returns a tuple of:
    - a_out: array of shape S, a * a'
    - b_out: array of shape S, a' * b + b'
    """
    (a1, b1), (a2, b2) = left, right
    return a1 * a2, a2 * b1 + b2


@doc_section(_RECURRENCE_DOC)
def linear_recurrence(a: Any, b: Any, h0: Any) -> np.ndarray:
    """The sequential loop: h_t = a_t * h_{t-1} + b_t for t = 1..T (the reference).
    """
    a, b, h0 = _check_args(a, b, h0)
    h = np.empty_like(b)  # (N, T, H)
    prev = h0  # (N, H)
    for t in range(a.shape[1]):
        prev = a[:, t] * prev + b[:, t]  # (N, H)
        h[:, t] = prev
    return h


# ----------------------------------------------------------------------------
# Hillis-Steele: the doubling scan
# ----------------------------------------------------------------------------


def hillis_steele_level(A: Any, B: Any, shift: int) -> Tuple[np.ndarray, np.ndarray]:
    """One level of the Hillis-Steele scan: every position t >= shift takes in t - shift.

    Position t holds the composition of a block of steps ending at t. One
    level composes it with the block held by position t - shift, which ends
    just before it begins (when every block has length ``shift``):

        (A_t, B_t) <- (A_{t-shift}, B_{t-shift}) o (A_t, B_t)
                    = (A_{t-shift} * A_t, A_t * B_{t-shift} + B_t),

    for t >= shift; positions t < shift are unchanged. Inputs are not
    modified.

    Inputs:
    - A: array of shape (N, T, H), the coefficient part of every position
    - B: array of shape (N, T, H), the offset part
    - shift: positive integer, the distance 2**k of level k

    Returns a tuple of:
    - A_new: array of shape (N, T, H)
    - B_new: array of shape (N, T, H)
    """
    A = np.asarray(A)
    B = np.asarray(B)
    if isinstance(shift, bool) or not isinstance(shift, (int, np.integer)) or shift < 1:
        raise ValueError(f"shift: expected a positive integer, got {shift!r}")
    if A.shape != B.shape or A.ndim != 3:
        raise ValueError(f"A, B: expected two arrays of one shape (N, T, H), got {A.shape} and {B.shape}")
    A_new, B_new = A.copy(), B.copy()
    if shift < A.shape[1]:
        a_new, b_new = combine((A[:, :-shift], B[:, :-shift]), (A[:, shift:], B[:, shift:]))
        A_new[:, shift:] = a_new  # (N, T - shift, H)
        B_new[:, shift:] = b_new  # (N, T - shift, H)
    return A_new, B_new


@doc_section(_RECURRENCE_DOC)
def linear_recurrence_scan(a: Any, b: Any, h0: Any) -> np.ndarray:
    """h_t = a_t * h_{t-1} + b_t by the Hillis-Steele doubling scan.

    Level k (k = 0, 1, ..., ceil(log2 T) - 1) combines every position t with
    position t - 2**k (:func:`hillis_steele_level`). After level k position
    t holds the composition of steps max(1, t - 2**(k+1) + 1)..t, so after
    the last level it holds (A_t, B_t), the composition of steps 1..t, and
    h_t = A_t * h0 + B_t. Depth ceil(log2 T) levels; work O(T log T)
    combines. Python loops only over the levels. The states equal
    :func:`linear_recurrence`'s up to floating-point rounding.
    """
    a, b, h0 = _check_args(a, b, h0)
    A, B = a, b  # (N, T, H) each; hillis_steele_level never writes into them
    shift = 1
    while shift < a.shape[1]:
        A, B = hillis_steele_level(A, B, shift)
        shift *= 2
    return A * h0[:, None, :] + B  # (N, T, H)


# ----------------------------------------------------------------------------
# Blelloch: the work-efficient scan
# ----------------------------------------------------------------------------


def _blelloch_exclusive(A: np.ndarray, B: np.ndarray) -> None:
    """In place: an exclusive scan along axis 1 of length 2**L (Blelloch 1990).

    Up-sweep (reduce): level d combines, for k = 2**(d+1) - 1, 2 * 2**(d+1) - 1,
    ..., position k - 2**d (earlier) into position k; the last position ends
    up with the composition of everything. Down-sweep: the last position is
    set to the identity (1, 0); level d, for the same k, passes the value
    of k (the prefix before k's subtree) to its left child k - 2**d and sets
    k to that prefix composed with the left child's old value.
    """
    P = A.shape[1]
    levels = P.bit_length() - 1  # P = 2**levels
    for d in range(levels):  # up-sweep
        k = np.arange(2 ** (d + 1) - 1, P, 2 ** (d + 1))
        left = k - 2**d
        A[:, k], B[:, k] = combine((A[:, left], B[:, left]), (A[:, k], B[:, k]))
    A[:, P - 1], B[:, P - 1] = 1, 0  # the identity
    for d in reversed(range(levels)):  # down-sweep
        k = np.arange(2 ** (d + 1) - 1, P, 2 ** (d + 1))
        left = k - 2**d
        tA, tB = A[:, left].copy(), B[:, left].copy()  # the left subtree's composition
        A[:, left], B[:, left] = A[:, k], B[:, k]  # the prefix before the parent's subtree
        A[:, k], B[:, k] = combine((A[:, k], B[:, k]), (tA, tB))


@doc_section(_RECURRENCE_DOC)
def linear_recurrence_blelloch(a: Any, b: Any, h0: Any) -> np.ndarray:
    """h_t = a_t * h_{t-1} + b_t by Blelloch's work-efficient scan.

    The T steps are padded with identity steps (a, b) = (1, 0) to P = 2**L
    >= T; an up-sweep and a down-sweep of L levels each give the *exclusive*
    prefix (steps 1..t-1) at every position; one more combine with step t
    makes it inclusive, and h_t = A_t * h0 + B_t. Depth 2L + 1 levels; work
    about 2P combines, against about T log2 T for the doubling scan.
    """
    a, b, h0 = _check_args(a, b, h0)
    N, T, H = a.shape
    P = 1 << (T - 1).bit_length()  # the next power of two >= T
    A = np.ones((N, P, H), dtype=a.dtype)  # (N, P, H), padded with the identity
    B = np.zeros((N, P, H), dtype=a.dtype)
    A[:, :T], B[:, :T] = a, b
    _blelloch_exclusive(A, B)
    A, B = combine((A[:, :T], B[:, :T]), (a, b))  # exclusive -> inclusive, (N, T, H)
    return A * h0[:, None, :] + B


# ----------------------------------------------------------------------------
# log space (Heinsen 2023)
# ----------------------------------------------------------------------------


def _log_positive_scan(log_a_star: np.ndarray, log_b: np.ndarray, log_h0: np.ndarray) -> np.ndarray:
    """log h_t = a*_t + logcumsumexp(log h0, log b_1 - a*_1, ..., log b_t - a*_t)."""
    terms = np.concatenate([log_h0[:, None, :], log_b - log_a_star], axis=1)  # (N, T + 1, H)
    lse = np.logaddexp.accumulate(terms, axis=1)[:, 1:]  # (N, T, H)
    return log_a_star + lse


def linear_recurrence_log(a: Any, b: Any, h0: Any) -> np.ndarray:
    """h_t = a_t * h_{t-1} + b_t in log space, for coefficients a_t > 0 (Heinsen 2023).

    Unrolled, h_t = A_t * (h0 + sum_{s <= t} b_s / A_s) with the cumulative
    product A_t = a_1 * ... * a_t. Computed like that it overflows: A_t
    underflows to 0 for long sequences and b_s / A_s becomes inf. In logs,
    with a*_t = log A_t = cumsum(log a) and positive b and h0,

        log h_t = a*_t + log(exp(log h0) + sum_{s <= t} exp(log b_s - a*_s)),

    a cumulative sum and a cumulative log-sum-exp, both computed without a
    Python loop (``np.cumsum``, ``np.logaddexp.accumulate``). Inputs b and
    h0 of any sign are split into positive and negative parts, each run as a
    recurrence of its own with the same a, and h = h(+) - h(-) by linearity.
    Precision: a*_t + (a logsumexp near -a*_t) cancels, so the relative
    error grows with |a*_t| * machine epsilon.

    Inputs:
    - a: coefficients, array of shape (N, T, H), every entry > 0
    - b: inputs, array of shape (N, T, H), any sign
    - h0: initial state, array of shape (N, H), any sign

    Returns:
    - h: states h_1..h_T, array of shape (N, T, H)
    """
    a, b, h0 = _check_args(a, b, h0)
    if not np.all(a > 0):
        raise ValueError("a: the log-space form needs every coefficient a_t > 0")
    log_a_star = np.cumsum(np.log(a), axis=1)  # (N, T, H)
    h = np.zeros_like(b)
    with np.errstate(divide="ignore"):  # log(0) = -inf: an absent part
        for sign in (1.0, -1.0):
            bp, h0p = np.maximum(sign * b, 0), np.maximum(sign * h0, 0)
            if not (bp.any() or h0p.any()):
                continue
            h += sign * np.exp(_log_positive_scan(log_a_star, np.log(bp), np.log(h0p)))
    return h


# ----------------------------------------------------------------------------
# the backward pass: a reverse scan
# ----------------------------------------------------------------------------


def linear_recurrence_backward(
    dh: Any, a: Any, h0: Any, h: Any
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a loss L through h = linear_recurrence(a, b, h0), by a reverse scan.

    With dh_t the upstream gradient dL/dh_t from outside the recurrence, the
    total gradient g_t reaching h_t also collects what flows back from
    h_{t+1} = a_{t+1} * h_t + b_{t+1}:

        g_T = dh_T,    g_t = dh_t + a_{t+1} * g_{t+1}   (t = T-1, ..., 1),

    a linear recurrence again, run backwards in time with the coefficients
    shifted by one step; it is computed by :func:`linear_recurrence_scan` on
    the time-reversed arrays. Then db_t = g_t, da_t = g_t * h_{t-1} (with h_0
    for t = 1) and dh0 = a_1 * g_1.

    Inputs:
    - dh: upstream gradients of every h_t, array of shape (N, T, H)
    - a: the forward pass's coefficients, array of shape (N, T, H)
    - h0: the forward pass's initial state, array of shape (N, H)
    - h: the forward pass's states, array of shape (N, T, H)

    Returns a tuple of:
    - da: array of shape (N, T, H)
    - db: array of shape (N, T, H)
    - dh0: array of shape (N, H)
    """
    a, dh, h0 = _check_args(a, dh, h0, b_name="dh")
    h = as_float_array("h", h, 3, "(N, T, H)")
    check_shape("h", h, a.shape, "N, T, H", context="the shape of a")
    h = h.astype(a.dtype, copy=False)
    a_next = np.zeros_like(a)  # (N, T, H): a_{t+1}, and 0 after the last step
    a_next[:, :-1] = a[:, 1:]
    zeros = np.zeros_like(h0)  # (N, H): no gradient arrives from beyond step T
    g = linear_recurrence_scan(a_next[:, ::-1], dh[:, ::-1], zeros)[:, ::-1]  # (N, T, H)
    h_prev = np.concatenate([h0[:, None, :], h[:, :-1]], axis=1)  # (N, T, H): h_{t-1}
    return g * h_prev, g.copy(), a[:, 0] * g[:, 0]


# ----------------------------------------------------------------------------
# the combination pattern, for figures
# ----------------------------------------------------------------------------


def _join(left: Tuple[int, int], right: Tuple[int, int]) -> Tuple[int, int]:
    """Compose two blocks of steps held as (first, last); (0, -1) is the empty block."""
    if left[1] < left[0]:
        return right
    if right[1] < right[0]:
        return left
    if left[1] + 1 != right[0]:
        raise AssertionError(f"blocks {left} and {right} are not adjacent")
    return (left[0], right[1])


def scan_pattern(T: int, method: str = "hillis_steele") -> List[Dict[str, Any]]:
    """What every position holds after each level of a scan over T steps.

    Runs the scan on *blocks* instead of numbers: element t starts as the
    block (t, t), and combining two adjacent blocks gives their union. Level
    0 is the input. For "blelloch" the length is padded to a power of two
    P; positions >= T are padding (identity) steps, and the levels are the
    up-sweep, the reset of the root, the down-sweep and the final inclusive
    combine.

    Inputs:
    - T: number of steps, an integer >= 1
    - method: "hillis_steele" or "blelloch"

    Returns:
    - levels: list of dicts, one per level (the input first), each with
      - "name": short description, e.g. "level 2: distance 4" or "up-sweep 1"
      - "pairs": list of (src, dst) positions combined at this level, dst <- src o dst
        (for the down-sweep: dst <- dst o src; see "swaps")
      - "swaps": list of (parent, left) positions whose values were exchanged
        (Blelloch's down-sweep), else empty
      - "cover": int array of shape (P, 2), the first and last step (0-based,
        inclusive) of the block each position holds; first > last means empty
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected an integer >= 1, got {T!r}")
    if method not in SCAN_METHODS:
        raise ValueError(f"method: expected one of {SCAN_METHODS}, got {method!r}")
    T = int(T)

    def snapshot(name, cover, pairs=(), swaps=()):
        return {"name": name, "pairs": list(pairs), "swaps": list(swaps),
                "cover": np.array(cover, dtype=int).reshape(-1, 2)}

    if method == "hillis_steele":
        cover = [(t, t) for t in range(T)]
        levels = [snapshot("input: step t alone", cover)]
        shift, k = 1, 0
        while shift < T:
            pairs = [(t - shift, t) for t in range(shift, T)]
            cover = [cover[t] if t < shift else _join(cover[t - shift], cover[t]) for t in range(T)]
            levels.append(snapshot(f"level {k + 1}: distance {shift}", cover, pairs))
            shift, k = 2 * shift, k + 1
        return levels

    P = 1 << (T - 1).bit_length()
    L = P.bit_length() - 1
    empty = (0, -1)
    cover = [(t, t) if t < T else empty for t in range(P)]
    levels = [snapshot("input (padded to a power of two)", cover)]
    for d in range(L):
        pairs = [(k - 2**d, k) for k in range(2 ** (d + 1) - 1, P, 2 ** (d + 1))]
        for src, dst in pairs:
            cover[dst] = _join(cover[src], cover[dst])
        levels.append(snapshot(f"up-sweep {d + 1}", cover, pairs))
    cover[P - 1] = empty
    levels.append(snapshot("root set to the identity", cover))
    for d in reversed(range(L)):
        pairs = [(k - 2**d, k) for k in range(2 ** (d + 1) - 1, P, 2 ** (d + 1))]
        for left, k in pairs:
            old_left = cover[left]
            cover[left] = cover[k]
            cover[k] = _join(cover[k], old_left)
        levels.append(snapshot(f"down-sweep {L - d}", cover, pairs, swaps=pairs))
    cover = [_join(cover[t], (t, t)) if t < T else cover[t] for t in range(P)]
    levels.append(snapshot("inclusive: combine with step t", cover, [(t, t) for t in range(T)]))
    return levels
