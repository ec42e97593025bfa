"""Exercise checkers for chapter 3, *Backpropagation through time*.

Every checker computes the expected answer itself (from hidden or given
inputs) and returns a :class:`rnn_helpers.exercises.feedback.CheckResult` with a
specific diagnosis (a missing tanh' factor, a transposed weight, the
gradient of only one loss term, ...) that never prints the solution, and
"not yet solved" when the answer is still ``None``.

=======================================  ==========================================
check_ch03_step_backward(fn)             backward pass of one tanh-RNN step
ch03_tiny_rnn()                          the data of the dL/dh_0 exercise
check_ch03_dh0(dh0)                      dL/dh_0 of that tiny RNN
check_ch03_credit_fraction(f, k, lag)    share of targets that truncated BPTT can teach
=======================================  ==========================================
"""

from __future__ import annotations

from typing import Any, Dict

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_array, as_number, call_on_copies, check_array, check_scalar, join_names,
    near, no_function, rnn_step_case, same, tolerances,
)

__all__ = [
    "check_ch03_step_backward",
    "ch03_tiny_rnn",
    "check_ch03_dh0",
    "check_ch03_credit_fraction",
]

_NAMES = ("dx", "dprev_h", "dWx", "dWh", "db")


_ATOL, _RTOL = 1e-8, 1e-6


# ----------------------------------------------------------------------------
# Exercise: the backward pass of one time step
# ----------------------------------------------------------------------------


def _step_cases():
    """Hidden inputs: a case with N, D, H all different, and a square one (D == H)."""
    rng = np.random.default_rng(20240603)
    cases = []
    for N, D, H in ((3, 4, 5), (2, 3, 3)):
        x, prev_h, Wx, Wh, b = rnn_step_case(rng, N, D, H, w_scale=0.6, b_scale=0.3)
        dnext_h = rng.standard_normal((N, H))  # (N, H)
        cases.append((dnext_h, x, prev_h, Wx, Wh, b))
    return cases


def _grads_from_da(da, x, prev_h, Wx, Wh):
    """The five gradients of one step given dL/da (N, H): the correct formulas."""
    return {
        "dx": da @ Wx.T,  # (N, D)
        "dprev_h": da @ Wh.T,  # (N, H)
        "dWx": x.T @ da,  # (D, H)
        "dWh": prev_h.T @ da,  # (H, H)
        "db": da.sum(axis=0),  # (H,)
    }


_DA_MISTAKES = (
    (
        lambda g, h, p: g,
        "This is exactly what a missing tanh' factor does. The step is "
        "h = tanh(a): first turn dnext_h into the gradient of the pre-activation a by "
        "multiplying it elementwise by tanh'(a), then apply the matrix products to that.",
    ),
    (
        lambda g, h, p: g * (1 - h),
        "tanh'(a) is 1 - tanh(a)**2 = 1 - next_h**2; you used 1 - next_h (the square is missing).",
    ),
    (
        lambda g, h, p: g * (1 - np.tanh(h) ** 2),
        "tanh'(a) is 1 - next_h**2, because next_h already is tanh(a); you applied tanh a second time.",
    ),
    (
        lambda g, h, p: g * (h**2 - 1),
        "The tanh' factor has the wrong sign: it is 1 - next_h**2, which is positive.",
    ),
    (
        lambda g, h, p: g * (1 - p**2),
        "The tanh' factor must use this step's output next_h, not the previous state prev_h.",
    ),
)


def _output_mistakes(da, x, prev_h, next_h, Wx, Wh):
    """Per-output wrong formulas: (name, value, message); value None if it cannot be formed."""
    try:
        dx_untransposed = da @ Wx  # only possible when D == H
    except ValueError:
        dx_untransposed = None
    return (
        ("dx", dx_untransposed, "`dx` uses Wx where its transpose is needed: dx = da @ Wx.T."),
        ("dprev_h", da @ Wh, (
            "`dprev_h` uses Wh where its transpose is needed. The forward step multiplies "
            "prev_h @ Wh, so the gradient flows back through Wh.T."
        )),
        ("dWx", da.T @ x, "`dWx` is transposed: it must have the shape of Wx, (D, H)."),
        ("dWh", da.T @ prev_h, (
            "`dWh` is transposed: the forward product is prev_h @ Wh, so dWh = prev_h.T @ da."
        )),
        ("dWh", next_h.T @ da, (
            "`dWh` uses next_h. The weight Wh multiplies the *previous* state, so its gradient "
            "pairs da with prev_h."
        )),
        ("dWx", x.T @ da / x.shape[0], "`dWx` is divided by the batch size: sum over the batch instead."),
        ("db", da, "`db` still has a batch axis: sum da over the batch (axis 0) to get shape (H,)."),
        ("db", da.mean(axis=0), "`db` is a mean over the batch; the gradient of a shared bias is the sum."),
        ("db", da.sum(axis=1), "`db` is summed over the wrong axis: sum over the batch, axis 0."),
    )


def check_ch03_step_backward(fn: Any) -> CheckResult:
    """
    Check a learner's backward pass of one tanh-RNN step on hidden inputs.

    The forward step is next_h = tanh(x @ Wx + prev_h @ Wh + b). The function
    is called on two hidden cases (one with N, D, H all different, one with
    D == H, where a wrong transpose does not show in the shapes) and compared
    with :func:`rnn_helpers.numpy_rnn.rnn_step_backward`.

    Inputs:
    - fn: Callable fn(dnext_h, x, prev_h, next_h, Wx, Wh) -> (dx, dprev_h, dWx, dWh, db)
      with dnext_h (N, H), x (N, D), prev_h (N, H), next_h (N, H), Wx (D, H),
      Wh (H, H); returning dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H),
      db (H,). None means not yet solved.

    Returns:
    - result: CheckResult naming the outputs that are wrong and why. A missing
      or wrong tanh' factor is reported only when it explains all five
      outputs; otherwise each wrong output gets its own diagnosis (a
      transposed weight, the wrong state in dWh, a bias gradient not summed
      over the batch, or the generic array diagnoses such as a flipped sign).
      Inputs changed in place are reported too.
    """
    from rnn_helpers.numpy_rnn import rnn_step_backward, rnn_step_forward

    bad = no_function(fn)
    if bad is not None:
        return bad
    for dnext_h, x, prev_h, Wx, Wh, b in _step_cases():
        next_h, cache = rnn_step_forward(x, prev_h, Wx, Wh, b)  # (N, H)
        expected = dict(zip(_NAMES, rnn_step_backward(dnext_h, cache)))
        out, failure = call_on_copies(
            fn, (dnext_h, x, prev_h, next_h, Wx, Wh), ("dnext_h", "x", "prev_h", "next_h", "Wx", "Wh"),
            "return dx, dprev_h, dWx, dWh, db", shapes="da is (N, H), Wx is (D, H), Wh is (H, H)")
        if failure is not None:
            return failure
        if not isinstance(out, (tuple, list)) or len(out) != 5:
            got = f"a {type(out).__name__}" if not isinstance(out, (tuple, list)) else f"{len(out)} values"
            return CheckResult.wrong(
                f"Return the five gradients as a tuple (dx, dprev_h, dWx, dWh, db); got {got}.")
        if all(v is None or v is Ellipsis for v in out):
            return CheckResult.unsolved(
                message="The function returns None for every gradient: fill in its body.")
        atol, rtol = tolerances(out, _ATOL, _RTOL)
        answers = dict(zip(_NAMES, (as_array(v) for v in out)))

        results = {n: check_array(out[i], expected[n], name=n, atol=_ATOL, rtol=_RTOL)
                   for i, n in enumerate(_NAMES)}
        wrong = [n for n in _NAMES if not results[n].passed]
        if not wrong:
            continue
        right = [n for n in _NAMES if n not in wrong]
        head = f"{join_names(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong"
        head += f" ({join_names(right)} {'is' if len(right) == 1 else 'are'} right). " if right else ". "

        # 1. a wrong tanh' factor spoils every output: it must explain all five
        for make_da, message in _DA_MISTAKES:
            bad_grads = _grads_from_da(make_da(dnext_h, next_h, prev_h), x, prev_h, Wx, Wh)
            if all(same(answers[n], bad_grads[n], atol=atol, rtol=rtol) for n in _NAMES):
                return CheckResult.wrong(head + message)
        # 2. one formula per wrong output; each wrong output gets its own diagnosis
        da = dnext_h * (1 - next_h**2)  # (N, H)
        mistakes = _output_mistakes(da, x, prev_h, next_h, Wx, Wh)
        notes = []
        for n in wrong:
            known = [message for name, value, message in mistakes
                     if name == n and value is not None and same(answers[n], value, atol=atol, rtol=rtol)]
            notes.append(known[0] if known else f"About `{n}`: " + results[n].message)
        return CheckResult.wrong(head + " ".join(notes))
    return CheckResult.correct(
        "All five gradients match the reference on the hidden test inputs, including the tanh' factor."
    )


# ----------------------------------------------------------------------------
# Exercise: dL/dh_0 of a tiny RNN
# ----------------------------------------------------------------------------


def ch03_tiny_rnn() -> Dict[str, np.ndarray]:
    """
    The tiny RNN of the dL/dh_0 exercise (code layout, one sequence, float64).

    The network runs h_t = tanh(x_t @ Wx + h_{t-1} @ Wh + b) for t = 1, 2, 3
    and its loss is L = sum_t h_t . v, so dL/dh_t has the direct part v at
    every step.

    Returns a dict of fresh arrays:
    - x: Inputs, of shape (1, 3, 1)
    - h0: Initial state, of shape (1, 2)
    - Wx: (1, 2)    - Wh: (2, 2)    - b: (2,)
    - v: Read-out vector of the loss, of shape (2,)
    """
    return {
        "x": np.array([[[1.0], [-0.5], [2.0]]]),
        "h0": np.array([[0.5, -0.25]]),
        "Wx": np.array([[0.8, -0.6]]),
        "Wh": np.array([[0.5, -0.7], [0.9, 0.3]]),
        "b": np.array([0.1, -0.2]),
        "v": np.array([1.0, -2.0]),
    }


def _tiny_dh0(p, dh, tanh_prime=True, transpose=False):
    """dL/dh_0 (1, H) by the recursion, with switchable mistakes."""
    from rnn_helpers.numpy_rnn import rnn_forward

    h, cache = rnn_forward(p["x"], p["h0"], p["Wx"], p["Wh"], p["b"])  # (1, T, H)
    W = p["Wh"] if transpose else p["Wh"].T
    g = np.zeros_like(p["h0"])  # gradient arriving from step t + 1
    for t in range(h.shape[1] - 1, -1, -1):
        total = dh[:, t] + g  # (1, H)
        da = total * (1 - h[:, t] ** 2) if tanh_prime else total
        g = da @ W  # (1, H)
    return g


def _dh0_mistakes(p):
    """(dL/dh_0, diagnosis) of the typical slips on the tiny RNN ``p``."""
    T, H = p["x"].shape[1], p["h0"].shape[1]
    dh_all = np.broadcast_to(p["v"], (1, T, H)).copy()  # (1, T, H): dl_t/dh_t = v
    only_last = np.zeros_like(dh_all)
    only_last[:, -1] = p["v"]
    only_first = np.zeros_like(dh_all)
    only_first[:, 0] = p["v"]
    return (
        (_tiny_dh0(p, dh_all, tanh_prime=False),
         "The tanh' factor is missing: at every step multiply the total gradient of h_t by "
         "1 - h_t**2 before passing it back through Wh."),
        (_tiny_dh0(p, dh_all, transpose=True),
         "Wh is used the wrong way round. Forward is h_{t-1} @ Wh, so backward is da_t @ Wh.T."),
        (_tiny_dh0(p, dh_all, tanh_prime=False, transpose=True),
         "Two slips: the tanh' factor is missing and Wh is used without its transpose."),
        (_tiny_dh0(p, only_last),
         "That is the gradient of l_3 alone. L = l_1 + l_2 + l_3: add the direct gradient v "
         "at every step on the way back."),
        (_tiny_dh0(p, only_first),
         "That is the gradient of l_1 alone. The later losses reach h_0 too, through h_1."),
        (-_tiny_dh0(p, dh_all), "The sign is flipped."),
    )


def check_ch03_dh0(answer: Any) -> CheckResult:
    """
    Check dL/dh_0 for the tiny RNN of :func:`ch03_tiny_rnn`.

    Inputs:
    - answer: The learner's gradient, of shape (1, 2) (a (2,) vector is
      accepted too), or None

    Returns:
    - result: CheckResult. Diagnoses: a missing tanh' factor, Wh used without
      its transpose, only the last loss term l_3 or only the first l_1
      counted, the sign flipped, the generic array diagnoses otherwise.
    """
    p = ch03_tiny_rnn()
    T, H = p["x"].shape[1], p["h0"].shape[1]
    dh_all = np.broadcast_to(p["v"], (1, T, H)).copy()  # (1, T, H): dl_t/dh_t = v
    expected = _tiny_dh0(p, dh_all)  # (1, H)
    if answer is None or answer is Ellipsis:
        return check_array(answer, expected, name="dh0")
    atol, rtol = tolerances(answer, _ATOL, _RTOL)
    a = as_array(answer)
    if a is not None and a.shape == (H,):
        a = a[None]  # a plain vector is fine
    if a is None or a.shape != expected.shape:
        return check_array(answer if a is None else a, expected, name="dh0", atol=atol, rtol=rtol)
    return check_array(a, expected, name="dh0", atol=atol, rtol=rtol, mistakes=lambda: _dh0_mistakes(p),
                       praise="That is dL/dh_0: every loss term sent its gradient back through tanh' and Wh.")


# ----------------------------------------------------------------------------
# Exercise: what truncation can teach
# ----------------------------------------------------------------------------


def check_ch03_credit_fraction(answer: Any, k: int, lag: int) -> CheckResult:
    """
    Check the share of delayed-recall targets whose source lies in the same chunk.

    A long stream is split into chunks of k steps (truncated BPTT with
    k1 = k2 = k); the target at step t is the input at step t - lag. Only a
    target whose source is in its own chunk sends a gradient to that source.

    Inputs:
    - answer: The learner's fraction in [0, 1], or None
    - k: Integer chunk length >= 1
    - lag: Integer delay >= 0

    Returns:
    - result: CheckResult. Diagnoses: a negative value (for lag > k), the
      complementary fraction (targets cut off), an off-by-one, a percentage.
    """
    k, lag = check_int("k", k, minimum=1), check_int("lag", lag, minimum=0)
    expected = max(k - lag, 0) / k
    name = "fraction"
    value = as_number(answer)
    if value is not None and not near(value, expected):
        if value < 0:
            return CheckResult.wrong(
                f"`{name}` is negative. A share of targets lies between 0 and 1; "
                "what happens when the lag is longer than a chunk?"
            )
        if lag > 0 and near(value, min(lag, k) / k):
            return CheckResult.wrong(
                "That is the share of targets whose source lies in an *earlier* chunk: "
                "the ones truncation cannot teach. The question asks for the others."
            )
        if near(value, max(k - lag + 1, 0) / k) or near(value, max(k - lag - 1, 0) / k):
            return CheckResult.wrong(
                f"`{name}` is off by one step. Count the positions p = 0, ..., k-1 of a "
                "chunk for which p - lag is still inside the chunk."
            )
    return check_scalar(answer, expected, name=name, atol=1e-9, rtol=1e-6)
