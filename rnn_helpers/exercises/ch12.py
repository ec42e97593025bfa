"""Exercise checkers for chapter 12, *State-space models, linear attention and the new LSTMs*.

Every checker calls the learner's function on hidden inputs, computes the
expected answer itself (with :mod:`rnn_helpers.numpy_rnn.ssm` and
:mod:`rnn_helpers.numpy_rnn.linear_attention`) and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` that names the mistake
(Euler or bilinear instead of the zero-order hold, Bbar not divided by A,
the kernel off by one step or reversed, the state read before it is
written, the normaliser forgotten, the forget gate used without its log
sigmoid ...) without printing the solution; ``None`` means "not yet solved".

=========================================  ===============================================
check_ch12_zoh(fn)                         fn(A, B, dt) -> (Abar, Bbar), diagonal ZOH
check_ch12_kernel(fn)                      fn(Abar, Bbar, C, L) -> K (D, L)
check_ch12_linear_attention_step(fn)       fn(S, z, q, k, v) -> (y, S, z), one step
check_ch12_mlstm_gates(fn)                 fn(i_pre, f_pre, m_prev) -> (m, i', f')
=========================================  ===============================================

The module is long (about 450 lines) because each checker carries its own
catalogue of typical slips, one computed variant and message per slip.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from rnn_helpers.exercises.feedback import (
    CheckResult, call_on_copies, check_array, no_function, read_array, same, tolerances,
)
from rnn_helpers.numpy_rnn import ssm
from rnn_helpers.numpy_rnn.linear_attention import elu_feature_map, log_sigmoid

__all__ = [
    "check_ch12_zoh",
    "check_ch12_kernel",
    "check_ch12_linear_attention_step",
    "check_ch12_mlstm_gates",
]


def _read_complex(answer: Any, name: str) -> Tuple[Optional[np.ndarray], Optional[CheckResult]]:
    """A complex128 array from a learner's answer (real answers allowed), or the feedback why not."""
    if answer is None or answer is Ellipsis:
        return None, CheckResult.unsolved(name)
    if hasattr(answer, "detach") and hasattr(answer, "cpu"):  # torch.Tensor
        answer = answer.detach().cpu().numpy()
    try:
        a = np.asarray(answer)
    except (TypeError, ValueError):
        return None, CheckResult.wrong(f"`{name}` could not be read as an array of numbers.")
    if a.dtype.kind not in "biufc":
        return None, CheckResult.wrong(f"`{name}` should be an array of numbers, not {a.dtype}.")
    return a.astype(np.complex128), None


def _pair(out: Any, names: Tuple[str, ...]) -> Tuple[Optional[tuple], Optional[CheckResult]]:
    """The learner's tuple of len(names) arrays, or the feedback why it is not one."""
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        return None, CheckResult.wrong(
            f"Your function should return a tuple of {len(names)} arrays, "
            f"`({', '.join(names)})`; it returned a {type(out).__name__}"
            + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "") + ".")
    return tuple(out), None


# ----------------------------------------------------------------------------
# Exercise: the zero-order hold
# ----------------------------------------------------------------------------


def _zoh_cases():
    rng = np.random.default_rng(20241201)
    cases = []
    A = np.concatenate([ssm.s4d_lin_init(4), -rng.uniform(0.2, 2, 3) + 1j * rng.uniform(-6, 6, 3)])
    B = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    cases.append((A, B, 0.3))
    A2 = -rng.uniform(0.5, 3.0, (2, 5)) + 1j * rng.uniform(-4, 4, (2, 5))  # (D, S)
    B2 = rng.standard_normal((2, 5)) + 0j
    cases.append((A2, B2, np.array([[0.05], [0.8]])))  # one step per channel
    return cases


def _zoh_slips(A, B, dt) -> List[Tuple[Tuple[np.ndarray, np.ndarray], str]]:
    dA = dt * A
    exact_A = np.exp(dA)
    exact_B = np.expm1(dA) / A * B
    bil_A, bil_B = ssm.bilinear(A, B, dt)
    return [
        ((1 + dA, dt * B), (
            "This is the forward-Euler step, Abar = 1 + dt A and Bbar = dt B: a first-order "
            "approximation. The zero-order hold integrates the ODE exactly over the step: "
            "Abar = exp(dt A).")),
        ((exact_A, dt * B), (
            "Abar is right, but Bbar = dt B is only the Euler approximation (Mamba uses it as a "
            "shortcut). The exact hold integrates exp(tau A) B over the step: "
            "Bbar = (exp(dt A) - 1) / A * B.")),
        ((bil_A, bil_B), (
            "This is the bilinear (Tustin) transform that S4 used. The exercise asks for the "
            "zero-order hold: Abar = exp(dt A).")),
        ((exact_A, np.expm1(dA) * B), (
            "Bbar is missing the division by A: the integral of exp(tau A) from 0 to dt is "
            "(exp(dt A) - 1) / A.")),
        ((exact_A, np.expm1(dA) / dA * B), (
            "Bbar is too small by the factor dt: you divided by dt A instead of A. The integral of "
            "exp(tau A) over a step of length dt is (exp(dt A) - 1) / A, which tends to dt, not 1, "
            "as A -> 0.")),
        ((np.exp(A), np.expm1(A) / A * B), (
            "The step size dt is missing: discretising with step dt means Abar = exp(dt A).")),
        ((np.exp(-dA), -np.expm1(-dA) / A * B), (
            "The sign of the exponent is flipped: the solution of x' = A x is exp(t A) x(0), so "
            "Abar = exp(dt A) (a decay when Re A < 0).")),
        ((np.exp(dt * A.real) + 0j, np.expm1(dt * A.real) / A.real * B), (
            "The imaginary part of A has been dropped (only Re A is used). Keep A complex: its "
            "imaginary part makes the state rotate, which is what gives S4D its oscillating kernels.")),
        ((exact_B, exact_A), "The two results are swapped: return `(Abar, Bbar)` in this order."),
    ]


def check_ch12_zoh(fn: Any) -> CheckResult:
    """
    Check a learner's zero-order hold for a diagonal continuous-time SSM.

    fn(A, B, dt) must return (Abar, Bbar) = (exp(dt A), (exp(dt A) - 1) / A * B),
    elementwise, for complex A and B of one shape and dt broadcastable to it.

    Inputs:
    - fn: the learner's function, or None

    Returns:
    - result: CheckResult. Diagnoses: forward Euler, Mamba's Bbar = dt B,
      bilinear, Bbar not divided by A, divided by dt A, dt forgotten, sign
      flipped, imaginary part dropped, results swapped, not a pair, shapes.
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    for A, B, dt in _zoh_cases():
        out, failure = call_on_copies(fn, (A, B, dt), ("A", "B", "dt"), "return Abar, Bbar")
        if failure is not None:
            return failure
        pair, failure = _pair(out, ("Abar", "Bbar"))
        if failure is not None:
            return failure
        got = []
        for value, name in zip(pair, ("Abar", "Bbar")):
            arr, failure = _read_complex(value, name)
            if failure is not None:
                return failure
            got.append(arr)
        want = ssm.zoh(A, B, dt)
        for arr, w, name in zip(got, want, ("Abar", "Bbar")):
            if arr.shape != w.shape:
                return check_array(np.abs(arr), np.abs(w), name)
        atol, rtol = tolerances(out, 1e-10, 1e-8)

        def match(pair_):
            return all(np.allclose(a, w, atol=atol, rtol=rtol) for a, w in zip(got, pair_))

        if match(want):
            continue
        for pair_, message in _zoh_slips(A, B, dt):
            if match(pair_):
                return CheckResult.wrong(message)
        if all(np.allclose(a, w, atol=1e-6, rtol=1e-4) for a, w in zip(got, want)):
            return CheckResult.close(
                "Abar and Bbar are close but not within the tolerance: is part of your computation "
                "in float32 (a torch tensor made from a Python float, for instance)? Use float64.")
        if np.allclose(got[0], want[0], atol=atol, rtol=rtol):
            return CheckResult.wrong(
                "Abar is right, Bbar is not. Bbar = (exp(dt A) - 1) / A * B, elementwise.")
        if np.allclose(got[1], want[1], atol=atol, rtol=rtol):
            return CheckResult.wrong("Bbar is right, Abar is not. Abar = exp(dt A), elementwise.")
        return CheckResult.wrong(
            "Neither Abar nor Bbar is right. Solve x' = A x + B u over one step with u held "
            "constant: x(t + dt) = exp(dt A) x(t) + (integral of exp(tau A) d tau) B u.")
    return CheckResult.correct(
        "Your zero-order hold matches exp(dt A) and (exp(dt A) - 1) / A B on the hidden inputs.")


# ----------------------------------------------------------------------------
# Exercise: the convolution kernel
# ----------------------------------------------------------------------------


def _kernel_case():
    rng = np.random.default_rng(20241202)
    D, S = 3, 4
    A = np.tile(ssm.s4d_lin_init(S), (D, 1))
    B = rng.standard_normal((D, S)) + 1j * rng.standard_normal((D, S))
    C = rng.standard_normal((D, S)) + 1j * rng.standard_normal((D, S))
    Abar, Bbar = ssm.zoh(A, B, np.array([[0.1], [0.3], [0.7]]))
    return Abar, Bbar, C, 9


def _kernel_slips(Abar, Bbar, C, L):
    k = np.arange(L)
    pw = Abar[:, :, None] ** k  # (D, S, L)
    full = np.einsum("ds,dsl->dl", C * Bbar, pw)  # complex
    return [
        (np.einsum("ds,dsl->dl", C * Bbar, Abar[:, :, None] ** (k + 1)).real, (
            "The kernel is shifted by one step: K_0 must be C Bbar (the power Abar^0 = 1), so that "
            "an input reaches the output in the same step. Use the powers 0, 1, ..., L-1.")),
        (full.real[:, ::-1], (
            "The kernel is reversed in time: K_k multiplies the input k steps back, so K_0 = Re(C Bbar) "
            "comes first and the powers of Abar grow along the row.")),
        (np.abs(full), (
            "You took the modulus |...|; the output of the SSM is the real part, K_k = Re(sum_s ...).")),
        (full.imag, "That is the imaginary part; the kernel is the real part, Re(sum_s C_s Abar_s^k Bbar_s)."),
        (np.einsum("ds,dsl->dl", C, pw).real, "Bbar is missing: every term is C_s Abar_s^k Bbar_s."),
        (np.einsum("ds,dsl->dl", Bbar, pw).real, "C is missing: every term is C_s Abar_s^k Bbar_s."),
        (np.einsum("ds,dsl->dl", C * Bbar, Abar[:, :, None] * k).real, (
            "You multiplied Abar by k instead of raising it to the power k: Abar**k.")),
    ]


def check_ch12_kernel(fn: Any) -> CheckResult:
    """
    Check a learner's S4D convolution kernel.

    fn(Abar, Bbar, C, L) must return K of shape (D, L) with
    K[d, k] = Re(sum_s C[d, s] Abar[d, s]**k Bbar[d, s]), k = 0..L-1.

    Inputs:
    - fn: the learner's function, or None

    Returns:
    - result: CheckResult. Diagnoses: shifted by one step, reversed, modulus
      or imaginary part instead of the real part, complex result, Bbar or C
      missing, k * Abar instead of Abar**k, shapes (transposed...).
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    Abar, Bbar, C, L = _kernel_case()
    out, failure = call_on_copies(fn, (Abar, Bbar, C, L), ("Abar", "Bbar", "C", "L"), "return K")
    if failure is not None:
        return failure
    expected = ssm.ssm_kernel(Abar, Bbar, C, L)  # (D, L)
    arr, failure = _read_complex(out, "K")
    if failure is not None:
        return failure
    if np.any(arr.imag != 0):
        if arr.shape == expected.shape and np.allclose(arr.real, expected, atol=1e-10):
            return CheckResult.wrong(
                "`K` is complex. Its real part is right: return the real part (`.real`), the output "
                "of the SSM is real.")
        return CheckResult.wrong("`K` is complex; the kernel is the real part of the sum.")
    a = arr.real
    if a.shape == expected.shape and np.all(np.isfinite(a)):
        atol, rtol = tolerances(out, 1e-10, 1e-8)
        if same(a, expected, atol, rtol):
            return CheckResult.correct(
                "Your kernel is the impulse response of the recurrence: K_k = Re(C Abar^k Bbar).")
        for value, message in _kernel_slips(Abar, Bbar, C, L):
            if same(a, value, atol, rtol):
                return CheckResult.wrong(message)
    return check_array(a, expected, "K", atol=1e-10, rtol=1e-8)


# ----------------------------------------------------------------------------
# Exercise: one step of causal linear attention
# ----------------------------------------------------------------------------


def _attention_case():
    rng = np.random.default_rng(20241203)
    N, dk, dv = 3, 4, 2
    S = np.abs(rng.standard_normal((N, dk, dv))) * 2  # an earlier state
    z = np.abs(rng.standard_normal((N, dk))) * 3 + 0.5
    q, k = rng.standard_normal((N, dk)), rng.standard_normal((N, dk))
    v = rng.standard_normal((N, dv))
    return S, z, q, k, v


def _attention_step(S, z, q, k, v, phi_q=True, phi_k=True, phi_v=False, read_before=False,
                    normalise=True, norm_with_q=True):
    fq = elu_feature_map(q) if phi_q else q
    fk = elu_feature_map(k) if phi_k else k
    vv = elu_feature_map(v) if phi_v else v
    S_new = S + fk[:, :, None] * vv[:, None, :]
    z_new = z + fk
    S_read, z_read = (S, z) if read_before else (S_new, z_new)
    y = np.einsum("nk,nkv->nv", fq, S_read)
    if normalise:
        y = y / (np.einsum("nk,nk->n", fq if norm_with_q else np.ones_like(fq), z_read)[:, None])
    return y, S_new, z_new


def check_ch12_linear_attention_step(fn: Any) -> CheckResult:
    """
    Check one step of causal linear attention in its recurrent form.

    fn(S, z, q, k, v) with S (N, d_k, d_v), z (N, d_k), q, k (N, d_k),
    v (N, d_v) must return (y, S_new, z_new): S_new = S + phi(k) v^T,
    z_new = z + phi(k), y = phi(q)^T S_new / (phi(q) . z_new), phi = elu + 1.

    Inputs:
    - fn: the learner's function, or None

    Returns:
    - result: CheckResult. Diagnoses: the state read before the update (the
      current token left out), the normaliser forgotten or computed without
      phi(q), phi missing on q or k or applied to v, outer product transposed,
      z not updated, inputs changed in place, not a triple, shapes.
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    S, z, q, k, v = _attention_case()
    out, failure = call_on_copies(fn, (S, z, q, k, v), ("S", "z", "q", "k", "v"), "return y, S, z")
    if failure is not None:
        return failure
    triple, failure = _pair(out, ("y", "S", "z"))
    if failure is not None:
        return failure
    want = _attention_step(S, z, q, k, v)
    arrays = []
    for value, w, name in zip(triple, want, ("y", "S", "z")):
        a, failure = read_array(value, name)
        if failure is not None:
            return failure
        if a.shape != w.shape:
            if name == "S" and a.shape == (w.shape[0], w.shape[2], w.shape[1]):
                return CheckResult.wrong(
                    "`S` has shape (N, d_v, d_k): the outer product is transposed. The state is "
                    "phi(k) v^T, of shape (d_k, d_v), so that phi(q)^T S has d_v entries.")
            return check_array(a, w, name)
        arrays.append(a)
    y, S_new, z_new = arrays
    atol, rtol = tolerances(out, 1e-10, 1e-8)
    ok = [same(a, w, atol, rtol) for a, w in zip(arrays, want)]
    if all(ok):
        return CheckResult.correct(
            "One step of the matrix-state RNN: write phi(k) v^T, then read with phi(q).")
    variants = [
        (dict(read_before=True), (
            "You read the state before adding the current token: y_t must include s = t (causal "
            "attention lets a position attend to itself). Update S and z first, then read.")),
        (dict(normalise=False), (
            "The normaliser is missing: divide phi(q)^T S by phi(q) . z, the sum of the "
            "similarities, so that y is a weighted average of the values.")),
        (dict(norm_with_q=False), (
            "The normaliser must be phi(q) . z (the similarities of q with every key so far), "
            "not the sum of the entries of z.")),
        (dict(phi_q=False), "phi is missing on the query: use phi(q) = elu(q) + 1 in both the numerator and the normaliser."),
        (dict(phi_k=False), "phi is missing on the key: the state accumulates phi(k) v^T and z accumulates phi(k)."),
        (dict(phi_q=False, phi_k=False), "phi is missing: linear attention compares phi(q) and phi(k), with phi = elu + 1 > 0."),
        (dict(phi_v=True), "phi is applied to v as well; the values enter unchanged, only queries and keys are mapped."),
    ]
    for kwargs, message in variants:
        alt = _attention_step(S, z, q, k, v, **kwargs)
        if all(same(a, w, atol, rtol) for a, w in zip(arrays, alt)):
            return CheckResult.wrong(message)
    if ok[0] and not ok[1]:
        return CheckResult.wrong("`y` is right but the returned state `S` is not: return S + phi(k) v^T.")
    if not ok[2]:
        if same(z_new, z, atol, rtol):
            return CheckResult.wrong("`z` is not updated: z_new = z + phi(k).")
        return check_array(z_new, want[2], "z")
    if not ok[1]:
        return check_array(S_new, want[1], "S")
    return check_array(y, want[0], "y")


# ----------------------------------------------------------------------------
# Exercise: the mLSTM stabiliser
# ----------------------------------------------------------------------------


def _gates_case():
    rng = np.random.default_rng(20241204)
    i_pre = np.array([3.0, -2.0, 40.0, 0.5, 900.0]) + rng.standard_normal(5) * 0.1
    f_pre = np.array([1.0, 4.0, -1.0, -3.0, 2.0]) + rng.standard_normal(5) * 0.1
    m_prev = np.array([2.5, 0.0, 10.0, 5.0, 1.0])
    return i_pre, f_pre, m_prev


def _gates(i_pre, f_pre, m_prev, log_f=None, with_m_prev=True):
    lf = log_sigmoid(f_pre) if log_f is None else log_f
    mp = m_prev if with_m_prev else 0.0
    m = np.maximum(lf + mp, i_pre)
    return m, np.exp(i_pre - m), np.exp(lf + mp - m)


def check_ch12_mlstm_gates(fn: Any) -> CheckResult:
    """
    Check one step of the mLSTM stabiliser.

    fn(i_pre, f_pre, m_prev), arrays of shape (N,), must return (m, i_gate,
    f_gate) with m = max(log sigmoid(f_pre) + m_prev, i_pre),
    i_gate = exp(i_pre - m), f_gate = exp(log sigmoid(f_pre) + m_prev - m).

    Inputs:
    - fn: the learner's function, or None

    Returns:
    - result: CheckResult. Diagnoses: f_pre used as log f (an exponential
      forget gate), log of the sigmoid overflowing, m_prev left out, the
      unstabilised gates, the max missing, results in the wrong order, NaN.
    """
    failure = no_function(fn)
    if failure is not None:
        return failure
    i_pre, f_pre, m_prev = _gates_case()
    out, failure = call_on_copies(fn, (i_pre, f_pre, m_prev), ("i_pre", "f_pre", "m_prev"),
                                  "return m, i_gate, f_gate")
    if failure is not None:
        return failure
    triple, failure = _pair(out, ("m", "i_gate", "f_gate"))
    if failure is not None:
        return failure
    arrays = []
    want = _gates(i_pre, f_pre, m_prev)
    for value, w, name in zip(triple, want, ("m", "i_gate", "f_gate")):
        a, failure = read_array(value, name)
        if failure is not None:
            return failure
        if a.shape != w.shape:
            return check_array(a, w, name)
        arrays.append(a)
    if not all(np.all(np.isfinite(a)) for a in arrays):
        return CheckResult.wrong(
            "Your gates contain inf or NaN: one input gate pre-activation is 900, and exp(900) "
            "overflows. That is what the stabiliser is for: subtract m before taking exp.")
    atol, rtol = tolerances(out, 1e-10, 1e-8)

    def match(triple_):
        return all(same(a, w, atol, rtol) for a, w in zip(arrays, triple_))

    if match(want):
        return CheckResult.correct("m_t carries the scale; both stabilised gates are at most 1.")
    if match(_gates(i_pre, f_pre, m_prev, log_f=f_pre)):
        return CheckResult.wrong(
            "You used f_pre itself as log f, i.e. an exponential forget gate f = exp(f_pre). This "
            "exercise uses the sigmoid forget gate, so log f = log sigmoid(f_pre) = -log(1 + exp(-f_pre)).")
    if match(_gates(i_pre, f_pre, m_prev, with_m_prev=False)):
        return CheckResult.wrong(
            "m_prev is missing: the forget gate carries the old scale along, "
            "m = max(log f + m_prev, i_pre) and f_gate = exp(log f + m_prev - m).")
    lf = log_sigmoid(f_pre)
    if match((i_pre, np.exp(i_pre - i_pre), np.exp(lf + m_prev - i_pre))):
        return CheckResult.wrong(
            "m must be the larger of log f + m_prev and i_pre (np.maximum); with m = i_pre alone "
            "the forget gate can exceed 1 and overflow.")
    if match((want[0], want[2], want[1])) or match((want[1], want[2], want[0])) or \
            match((want[0], want[1], want[2])[::-1]):
        return CheckResult.wrong("The values are right but in the wrong order: return `(m, i_gate, f_gate)`.")
    for a, w, name in zip(arrays, want, ("m", "i_gate", "f_gate")):
        if not same(a, w, atol, rtol):
            return check_array(a, w, name, atol=1e-10, rtol=1e-8)
    return check_array(arrays[0], want[0], "m")  # pragma: no cover - all matched above
