"""Exercise checkers for chapter 11, *The parallel scan and minimal gated RNNs*.

Every checker computes the expected answer itself, on hidden inputs, and
returns a :class:`rnn_helpers.exercises.feedback.CheckResult` with a specific
diagnosis that never prints the solution; ``None`` (or a stub that raises
``NotImplementedError``) is reported as "not yet solved". The module is
about 400 lines long because each checker carries the typical wrong answers
it recognises, written out as code.

=============================================  =========================================
check_ch11_combine(fn)                         the operator (a, b) o (a', b')
check_ch11_hillis_steele_level(fn)             one level of the doubling scan
check_ch11_reverse_gradient(fn)                the backward recurrence g_t
check_ch11_scan_work(n, T)                     combines done by Hillis-Steele
=============================================  =========================================
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from rnn_helpers.exercises.feedback import (
    CheckResult,
    as_float_array,
    as_integer,
    call_on_copies,
    check_array,
    no_function,
    same,
)
from rnn_helpers.numpy_rnn.scan import combine, hillis_steele_level

__all__ = [
    "check_ch11_combine",
    "check_ch11_hillis_steele_level",
    "check_ch11_reverse_gradient",
    "check_ch11_scan_work",
    "hillis_steele_work",
]


def _pair(out: Any, what: str, names: Tuple[str, str]) -> Tuple[Optional[List[np.ndarray]], Optional[CheckResult]]:
    """Read a learner's (first, second) pair of arrays, or say why not."""
    if not isinstance(out, (tuple, list)):
        return None, CheckResult.wrong(
            f"Your function should return a pair {what}, not a {type(out).__name__}."
        )
    if len(out) != 2:
        return None, CheckResult.wrong(
            f"Your function should return two arrays {what}; it returned {len(out)}."
        )
    missing = [f"`{n}`" for n, item in zip(names, out) if item is None]
    if missing:
        return None, CheckResult.unsolved(
            message=f"Your function returns None for {' or '.join(missing)}: fill in its body.")
    arrays = []
    for name, item in zip(names, out):
        a, problem = as_float_array(item)
        if problem is not None:
            return None, CheckResult.wrong(f"`{name}` should be an array of numbers, but {problem}.")
        arrays.append(a)
    return arrays, None


def _match(got: List[np.ndarray], slips, atol=1e-10, rtol=1e-8) -> Optional[CheckResult]:
    """The message of the first slip whose (first, second) equals ``got``, else None."""
    for (u, v), message in slips:
        if same(got[0], u, atol, rtol) and same(got[1], v, atol, rtol):
            return CheckResult.wrong(message)
    return None


def _check_pair(fn, args, arg_names, names, want, slips) -> Optional[CheckResult]:
    """
    Run a learner's function on one hidden case whose answer is a pair of arrays.

    Inputs:
    - fn: The learner's function
    - args, arg_names: Its arguments (passed as copies) and their names
    - names: The names of the two returned arrays, e.g. ("a_out", "b_out")
    - want: The expected pair
    - slips: Callable returning [((first, second), message), ...], the typical
      wrong answers; called only when the answer is not right

    Returns:
    - failure: None if the answer equals want, else the CheckResult to report
      (an error, a malformed answer, a recognised slip, or check_array's)
    """
    out, failure = call_on_copies(fn, args, arg_names, f"return {names[0]}, {names[1]}")
    if failure is not None:
        return failure
    got, failure = _pair(out, f"({names[0]}, {names[1]})", names)
    if failure is not None:
        return failure
    if same(got[0], want[0], 1e-10, 1e-8) and same(got[1], want[1], 1e-10, 1e-8):
        return None
    slip = _match(got, slips())
    if slip is not None:
        return slip
    for name, g, w in zip(names, got, want):
        result = check_array(g, w, name=name, atol=1e-10, rtol=1e-8)
        if not result.passed:
            return result
    return None


# ----------------------------------------------------------------------------
# Exercise: the combine operator
# ----------------------------------------------------------------------------


def _combine_cases():
    rng = np.random.default_rng(20241101)
    cases = []
    for shape in ((5,), (2, 3, 4)):
        a1, a2 = rng.uniform(-1.5, 1.5, shape), rng.uniform(-1.5, 1.5, shape)
        b1, b2 = rng.standard_normal(shape), rng.standard_normal(shape)
        cases.append(((a1, b1), (a2, b2)))
    return cases


def _combine_slips(left, right):
    """Typical wrong compositions of two steps, with a diagnosis each."""
    (a1, b1), (a2, b2) = left, right
    return [
        ((a1 * a2, a1 * b2 + b1), (
            "You composed the steps in the wrong order: that is `right` applied first and "
            "`left` second. The earlier step's offset b passes through the later step, "
            "so it is multiplied by the later coefficient a'."
        )),
        ((a1 * a2, b1 + b2), (
            "The offset part forgets that the earlier offset b passes through the later "
            "step: apply h -> a' h + b' to a h + b and expand."
        )),
        ((a1 * a2, a1 * b1 + b2), (
            "The earlier offset b is multiplied by its own coefficient a. It must be "
            "multiplied by the coefficient of the step it passes through, a'."
        )),
        ((a1 + a2, a2 * b1 + b2), (
            "The offset part is right, but coefficients compose by multiplication: "
            "two steps scale h by a and then by a'."
        )),
        ((a2 * b1 + b2, a1 * a2), "The two outputs are swapped: return (coefficient, offset)."),
    ]


def check_ch11_combine(fn: Any) -> CheckResult:
    """
    Check a learner's operator ``combine(left, right) -> (a, b)``.

    ``left = (a, b)`` is the earlier step h -> a h + b and ``right = (a', b')``
    the later one; the answer must be their composition (a a', a' b + b').

    Inputs:
    - fn: Callable fn(left, right) -> (a_out, b_out), arrays of the inputs'
      shape; None means not yet solved

    Returns:
    - result: CheckResult. Recognises the steps composed in the wrong order,
      the earlier offset not multiplied by a', multiplied by its own a,
      coefficients added instead of multiplied, the two outputs swapped, and
      inputs changed in place.
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    for left, right in _combine_cases():
        failure = _check_pair(fn, [list(left), list(right)], ["left", "right"], ("a_out", "b_out"),
                              combine(left, right), lambda: _combine_slips(left, right))
        if failure is not None:
            return failure
    return CheckResult.correct(
        "Your operator composes two steps correctly (and so it is associative: try it)."
    )


# ----------------------------------------------------------------------------
# Exercise: one Hillis-Steele level
# ----------------------------------------------------------------------------


def _level_cases():
    rng = np.random.default_rng(20241102)
    cases = []
    for (N, T, H), shift in (((2, 11, 3), 2), ((1, 9, 2), 4), ((3, 6, 2), 1), ((1, 5, 2), 8)):
        A = rng.uniform(-1.2, 1.2, (N, T, H))
        B = rng.standard_normal((N, T, H))
        cases.append((A, B, shift))
    return cases


def _level_slips(A, B, shift):
    """Typical wrong versions of one level, with a diagnosis each."""
    T = A.shape[1]
    slips = []
    # wrap-around with np.roll: positions t < shift get partners from the end
    rA, rB = np.roll(A, shift, axis=1), np.roll(B, shift, axis=1)
    slips.append(((rA * A, A * rB + B), (
        "Positions t < shift have no partner t - shift, so they must stay as they are. "
        "np.roll wraps around and combines them with steps from the end of the sequence."
    )))
    if shift < T:
        wA, wB = A.copy(), B.copy()
        wA[:, shift:] = A[:, shift:] * A[:, :-shift]
        wB[:, shift:] = A[:, :-shift] * B[:, shift:] + B[:, :-shift]
        slips.append(((wA, wB), (
            "The block held by position t - shift is the earlier one: compose "
            "(A[t - shift], B[t - shift]) o (A[t], B[t]), so B[t - shift] is multiplied by A[t]."
        )))
        sA, sB = A.copy(), B.copy()
        for t in range(shift, T):  # in place, reading values already overwritten
            sA[:, t], sB[:, t] = combine((sA[:, t - shift], sB[:, t - shift]), (sA[:, t], sB[:, t]))
        slips.append(((sA, sB), (
            "You updated the arrays in place while reading from them: position t then "
            "combines with a value that this level has already changed. Compute every "
            "position from the previous level's arrays (copy first, or use slices)."
        )))
        nA, nB = A.copy(), B.copy()
        nB[:, shift:] = A[:, shift:] * B[:, :-shift] + B[:, shift:]
        slips.append(((nA, nB), (
            "B is updated but A is not: the combined block's coefficient is "
            "A[t - shift] * A[t], and the next levels need it."
        )))
        if 2 * shift < T:
            dA, dB = A.copy(), B.copy()
            d = 2 * shift
            dA[:, d:], dB[:, d:] = combine((A[:, :-d], B[:, :-d]), (A[:, d:], B[:, d:]))
            slips.append(((dA, dB), "You combined with position t - 2 * shift; the partner is t - shift."))
    if shift > 1:
        oA, oB = A.copy(), B.copy()
        s = shift - 1
        oA[:, s:], oB[:, s:] = combine((A[:, :-s], B[:, :-s]), (A[:, s:], B[:, s:]))
        slips.append(((oA, oB), "Off by one: you combined with position t - shift + 1 instead of t - shift."))
    return slips


def check_ch11_hillis_steele_level(fn: Any) -> CheckResult:
    """
    Check a learner's ``level(A, B, shift) -> (A_new, B_new)``.

    For t >= shift, (A_new, B_new)[:, t] = (A, B)[:, t - shift] o (A, B)[:, t];
    positions t < shift are unchanged; the inputs are not modified.

    Inputs:
    - fn: Callable fn(A, B, shift) -> (A_new, B_new) with A, B (N, T, H);
      None means not yet solved

    Returns:
    - result: CheckResult. Recognises wrap-around (np.roll), the composition
      in the wrong order, in-place updates that read overwritten values, A
      not updated, the partner t - 2 shift or t - shift + 1, and inputs
      changed in place.
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    for A, B, shift in _level_cases():
        failure = _check_pair(fn, [A, B, shift], ["A", "B", "shift"], ("A_new", "B_new"),
                              hillis_steele_level(A, B, shift), lambda: _level_slips(A, B, shift))
        if failure is not None:
            return failure
    return CheckResult.correct(
        "Your level combines every position with the one `shift` steps earlier and leaves "
        "the first `shift` positions alone, on every hidden test (including shift >= T)."
    )


# ----------------------------------------------------------------------------
# Exercise: the backward recurrence
# ----------------------------------------------------------------------------


def _gradient(dh: np.ndarray, a: np.ndarray, shifted: bool = True, forward: bool = False) -> np.ndarray:
    """g_t = dh_t + a_{t+1} g_{t+1} (and the slips: a_t instead, or run forwards)."""
    N, T, H = dh.shape
    g = np.zeros_like(dh)
    if forward:
        prev = np.zeros((N, H))
        for t in range(T):
            coef = a[:, t] if not shifted else (a[:, t - 1] if t > 0 else np.zeros((N, H)))
            prev = dh[:, t] + coef * prev
            g[:, t] = prev
        return g
    nxt = np.zeros((N, H))
    for t in reversed(range(T)):
        if shifted:
            coef = a[:, t + 1] if t + 1 < T else np.zeros((N, H))
        else:
            coef = a[:, t]
        nxt = dh[:, t] + coef * nxt
        g[:, t] = nxt
    return g


def check_ch11_reverse_gradient(fn: Any) -> CheckResult:
    """
    Check a learner's ``total_gradient(dh, a) -> g`` for h_t = a_t h_{t-1} + b_t.

    g_T = dh_T and g_t = dh_t + a_{t+1} g_{t+1}: the total gradient reaching
    h_t, with dh the upstream gradient of every h_t.

    Inputs:
    - fn: Callable fn(dh, a) -> g with dh, a and g of shape (N, T, H); None
      means not yet solved

    Returns:
    - result: CheckResult. Recognises a_t used instead of a_{t+1}, the
      recurrence run forwards in time, the upstream term dh_t dropped, only
      dh returned, and inputs changed in place.
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    rng = np.random.default_rng(20241103)
    for shape in ((2, 7, 3), (1, 1, 2), (3, 12, 2)):
        dh = rng.standard_normal(shape)
        a = rng.uniform(-1.2, 1.2, shape)
        out, failure = call_on_copies(fn, [dh, a], ["dh", "a"], "return g")
        if failure is not None:
            return failure
        want = _gradient(dh, a)
        got, problem = as_float_array(out)
        if problem is None and same(got, want, 1e-10, 1e-8):
            continue
        if problem is None and got.shape == want.shape:
            g_nodh = np.zeros_like(dh)
            g_nodh[:, -1] = dh[:, -1]
            for t in reversed(range(shape[1] - 1)):
                g_nodh[:, t] = a[:, t + 1] * g_nodh[:, t + 1]
            slips = [
                (_gradient(dh, a, shifted=False), (
                    "You multiplied g_{t+1} by a_t. The gradient reaches h_t from "
                    "h_{t+1} = a_{t+1} h_t + b_{t+1}, so the factor is a_{t+1}: the "
                    "coefficients are shifted by one step."
                )),
                (_gradient(dh, a, forward=True), (
                    "The recurrence runs forwards in time. Gradients flow from the end: start "
                    "at g_T = dh_T and go back to t = 1."
                )),
                (_gradient(dh, a, shifted=False, forward=True), (
                    "Two slips: the recurrence runs forwards (it must start at t = T) and uses "
                    "a_t instead of a_{t+1}."
                )),
                (g_nodh, (
                    "Only the last step's upstream gradient enters. Every h_t also receives "
                    "its own dh_t from outside the recurrence: g_t = dh_t + a_{t+1} g_{t+1}."
                )),
            ]
            if shape[1] > 1:
                slips.append((dh, "You returned dh unchanged: the gradient that flows back "
                                  "from h_{t+1} through a_{t+1} is missing."))
            for value, message in slips:
                if same(got, value, 1e-10, 1e-8):
                    return CheckResult.wrong(message)
        result = check_array(out, want, name="g", atol=1e-10, rtol=1e-8)
        if not result.passed:
            return result
    return CheckResult.correct(
        "Your total gradients follow g_t = dh_t + a_{t+1} g_{t+1}: a linear recurrence, "
        "run backwards in time, which a scan computes too."
    )


# ----------------------------------------------------------------------------
# Exercise: how much work the doubling scan does
# ----------------------------------------------------------------------------


def hillis_steele_work(T: int) -> int:
    """Combines done by the Hillis-Steele scan over T steps: sum over levels of (T - 2**k)."""
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 1:
        raise ValueError(f"T: expected an integer >= 1, got {T!r}")
    total, shift = 0, 1
    while shift < T:
        total += T - shift
        shift *= 2
    return total


def check_ch11_scan_work(answer: Any, T: int) -> CheckResult:
    """
    Check the number of combine operations of the Hillis-Steele scan over T steps.

    Inputs:
    - answer: the learner's count, or None
    - T: the number of steps, an integer >= 2

    Returns:
    - result: CheckResult. Recognises T log2 T, T ceil(log2 T), ceil(log2 T)
      (the depth), T - 1 (the loop), 2 (T - 1) (Blelloch's order of work) and a
      count that includes the positions t < 2**k.
    """
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or T < 2:
        raise ValueError(f"T: expected an integer >= 2, got {T!r}")
    value, failure = as_integer(answer, "n_combines")
    if failure is not None:
        return failure
    expected = hillis_steele_work(int(T))
    if value == expected:
        return CheckResult.correct(
            "Level k combines every position t >= 2**k once, T - 2**k combines, summed over "
            "the ceil(log2 T) levels."
        )
    L = int(np.ceil(np.log2(T)))
    hints = {
        L: "That is the number of levels (the depth). Each level combines many positions at once: count those.",
        T - 1: "That is the work of the sequential loop. The scan does more work, in fewer levels.",
        L * T: ("That counts T combines at every level. At level k the first 2**k positions "
                "have no partner and do nothing."),
        int(round(T * np.log2(T))): ("T log2 T is the order of magnitude; the exact count "
                                     "leaves out the first 2**k positions at level k."),
        2 * (T - 1): "About 2 (T - 1) is the work of Blelloch's scan, not of the doubling scan.",
    }
    hints.pop(expected, None)
    if value in hints:
        return CheckResult.wrong(hints[value])
    return CheckResult.wrong(
        f"`n_combines` is too {'large' if value > expected else 'small'}. Write down how many "
        "positions take part at level k = 0, 1, 2, ... and add them up."
    )
