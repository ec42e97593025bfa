"""State-space models in NumPy: the LRU, S4D and a minimal selective scan.

Three linear recurrences with a *diagonal* state matrix, each computed in
two (or three) ways that must agree:

==================================  ========================================
lru_lambda(nu_log, theta_log)       LRU eigenvalues exp(-e^nu + i e^theta),
                                    inside the unit circle by construction
lru_init(H, D, rng, ...)            the LRU's ring initialisation
lru_forward(x, params, method)      y = Re(h C) + x * D_skip, h_t = lam * h_{t-1}
                                    + gamma * (x_t B); "loop" or "scan"
diagonal_recurrence(lam, u, h0)     the loop h_t = lam * h_{t-1} + u_t
                                    (complex allowed; the reference)
s4d_lin_init(S), s4d_real_init(S)   S4D's initial state matrices
zoh(A, B, dt), bilinear(A, B, dt)   discretisations of x' = A x + B u
ssm_kernel(Abar, Bbar, C, L)        K_k = Re(sum_s C_s Abar_s^k Bbar_s),
                                    in closed form (Vandermonde)
ssm_kernel_by_recurrence(...)       the same kernel as an impulse response
ssm_recurrent(u, Abar, Bbar, C)     the recurrent view, a loop over time
causal_convolution(u, K, method)    the convolution view, by FFT or directly
selective_parameters(x, ...)        Mamba's input-dependent Delta_t, B_t, C_t
selective_scan(x, delta, A, B, C)   the selective SSM; "loop" or "scan"
ssm_mixing_matrix(delta, A, B, C)   the (T, T) matrix M with y = M x: the
                                    third form; Toeplitz exactly when LTI
==================================  ========================================

Letters: N batch, T time, D channels (input features), S state size per
channel (S4D, Mamba), H state size of the LRU. Arrays are batch-first.

An S4D layer and the selective SSM act on each of the D channels separately
(a "single-input single-output" system per channel): channel d has its own
diagonal A[d] of S entries. The LRU mixes channels through B (D, H) and
C (H, D), with one complex diagonal of H eigenvalues. Complex arrays are
accepted where the docstring says so; everything else follows
:mod:`rnn_helpers.argcheck` (float32/float64, ValueError naming the argument).

References: Orvieto et al. (2023) for the LRU; Gu, Goel & Re (2022) for S4
and Gu, Gupta, Goel & Re (2022) for S4D; Gu & Dao (2023) for the selective
scan (Mamba).

The module is long (about 650 lines) on purpose: the three models are one
family, chapter 12 reads them side by side, and they share the argument
checks, the discretisation and the recurrence helpers.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_ndim, check_shape
from rnn_helpers.numpy_rnn.scan import linear_recurrence_scan

__all__ = [
    "lru_lambda",
    "lru_init",
    "lru_forward",
    "diagonal_recurrence",
    "s4d_lin_init",
    "s4d_real_init",
    "zoh",
    "bilinear",
    "ssm_kernel",
    "ssm_kernel_by_recurrence",
    "ssm_recurrent",
    "causal_convolution",
    "softplus",
    "selective_parameters",
    "selective_scan",
    "ssm_mixing_matrix",
    "METHODS",
]

#: The two ways of computing a recurrence: the loop and the parallel scan.
METHODS = ("loop", "scan")

_COMPLEX = (np.dtype(np.complex64), np.dtype(np.complex128))


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------


def _array(name: str, a: Any, ndim: Optional[int], hint: str,
           complex_ok: bool = False) -> np.ndarray:
    """A float (or, if allowed, complex) array of rank ``ndim``."""
    if complex_ok and np.iscomplexobj(a):
        arr = np.asarray(a)
        if arr.dtype not in _COMPLEX:
            raise ValueError(
                f"{name}: expected complex64 or complex128, got {arr.dtype}")
        if ndim is not None:
            check_ndim(name, arr, ndim, hint)
        return arr
    return as_float_array(name, a, ndim, hint)


def _method(method: Any) -> str:
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    return method


def softplus(x: Any) -> np.ndarray:
    """log(1 + exp(x)), computed without overflow.

    Inputs:
    - x: array of any shape

    Returns:
    - y: array of the same shape, y > 0
    """
    x = np.asarray(x)
    return np.logaddexp(0.0, x).astype(np.result_type(x, np.float32))


# ----------------------------------------------------------------------------
# the LRU (Orvieto et al. 2023)
# ----------------------------------------------------------------------------


def lru_lambda(nu_log: Any, theta_log: Any) -> np.ndarray:
    """The LRU's eigenvalues, lam = exp(-exp(nu_log) + i exp(theta_log)).

    Their modulus is |lam| = exp(-exp(nu_log)), which lies in (0, 1) for
    every real nu_log: the recurrence is stable by construction, whatever
    gradient descent does to the parameters.

    Inputs:
    - nu_log: array of shape (H,), log of the decay rate nu = -log|lam|
    - theta_log: array of shape (H,), log of the phase theta = arg(lam)

    Returns:
    - lam: complex array of shape (H,)
    """
    nu_log = as_float_array("nu_log", nu_log, 1, "(H,)")
    theta_log = as_float_array("theta_log", theta_log, 1, "(H,)")
    check_shape("theta_log", theta_log, nu_log.shape, "H",
                context="H from nu_log")
    return np.exp(-np.exp(nu_log.astype(np.float64))
                  + 1j * np.exp(theta_log.astype(np.float64)))


def lru_init(H: int, D: int, rng: np.random.Generator, r_min: float = 0.0,
             r_max: float = 1.0, max_phase: float = 2 * np.pi
             ) -> Dict[str, np.ndarray]:
    """The LRU's initialisation: eigenvalues uniform on a ring.

    The eigenvalues are drawn uniformly (by area) on the ring
    r_min <= |lam| <= r_max with phases uniform in [0, max_phase], and the
    input normalisation is gamma = sqrt(1 - |lam|^2), so that a white-noise
    input gives a state of the same variance whatever |lam| is. B and C are
    complex Gaussian (Glorot-like scales, as in Orvieto et al. 2023, app. A).

    Inputs:
    - H: number of eigenvalues (state size), integer >= 1
    - D: input and output size, integer >= 1
    - rng: np.random.Generator
    - r_min, r_max: radii of the ring, 0 <= r_min < r_max <= 1
    - max_phase: largest phase, > 0

    Returns a dict of arrays:
    - nu_log, theta_log, gamma_log: float64 arrays of shape (H,)
    - B: complex array of shape (D, H); C: complex array of shape (H, D)
    - D_skip: float64 array of shape (D,)
    """
    if not (0.0 <= r_min < r_max <= 1.0):
        raise ValueError(
            f"r_min, r_max: expected 0 <= r_min < r_max <= 1, got {r_min}, {r_max}")
    if not max_phase > 0:
        raise ValueError(f"max_phase: expected > 0, got {max_phase}")
    u1, u2 = rng.random(H), rng.random(H)
    r2 = u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2  # |lam|^2, uniform by area
    r2 = np.clip(r2, 1e-12, 1 - 1e-12)
    nu_log = np.log(-0.5 * np.log(r2))  # (H,)
    theta_log = np.log(np.maximum(max_phase * u2, 1e-12))  # (H,)
    gamma_log = 0.5 * np.log(1.0 - r2)  # log sqrt(1 - |lam|^2)
    B = (rng.standard_normal((D, H)) + 1j * rng.standard_normal((D, H))) \
        / np.sqrt(2 * D)  # (D, H)
    C = (rng.standard_normal((H, D)) + 1j * rng.standard_normal((H, D))) \
        / np.sqrt(H)  # (H, D)
    D_skip = rng.standard_normal(D)  # (D,)
    return {"nu_log": nu_log, "theta_log": theta_log, "gamma_log": gamma_log,
            "B": B, "C": C, "D_skip": D_skip}


def diagonal_recurrence(lam: Any, u: Any, h0: Any = None) -> np.ndarray:
    """The loop h_t = lam_t * h_{t-1} + u_t (the reference; complex allowed).

    Inputs:
    - lam: array of shape (H,) (the same at every step) or (N, T, H);
      real or complex
    - u: array of shape (N, T, H), real or complex
    - h0: None (zeros) or array of shape (N, H)

    Returns:
    - h: array of shape (N, T, H), h[:, t - 1] is h_t; complex if lam or u is
    """
    u = _array("u", u, 3, "(N, T, H)", complex_ok=True)
    N, T, H = u.shape
    lam = _array("lam", lam, None, "(H,) or (N, T, H)", complex_ok=True)
    if lam.shape not in ((H,), (N, T, H)):
        raise ValueError(
            f"lam: expected shape (H,) = ({H},) or (N, T, H) = {(N, T, H)}, "
            f"got {lam.shape}")
    dtype = np.result_type(lam, u)
    prev = np.zeros((N, H), dtype) if h0 is None else \
        _array("h0", h0, 2, "(N, H)", complex_ok=True).astype(dtype)
    if prev.shape != (N, H):
        check_shape("h0", prev, (N, H), "N, H")
    lam_t = np.broadcast_to(lam, (N, T, H))
    h = np.empty((N, T, H), dtype)
    for t in range(T):
        prev = lam_t[:, t] * prev + u[:, t]  # (N, H)
        h[:, t] = prev
    return h


def _rotated_scan(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """h_t = lam * h_{t-1} + u_t, h_0 = 0, for a constant complex lam, by real scans.

    With lam = r e^{i theta}, g_t = e^{-i theta t} h_t obeys the real-
    coefficient recurrence g_t = r g_{t-1} + e^{-i theta t} u_t, whose real
    and imaginary parts are two scans of :func:`linear_recurrence_scan`.
    """
    N, T, H = u.shape
    r, theta = np.abs(lam), np.angle(lam)  # (H,)
    t = np.arange(1, T + 1)[:, None]  # (T, 1)
    rot = np.exp(-1j * theta * t)  # (T, H)
    w = u * rot  # (N, T, H)
    a = np.broadcast_to(r, (N, T, H))
    h0 = np.zeros((N, H))
    g = linear_recurrence_scan(a, w.real, h0) \
        + 1j * linear_recurrence_scan(a, w.imag, h0)  # (N, T, H)
    return g / rot


def lru_forward(x: Any, params: Dict[str, Any], method: str = "loop"
                ) -> Tuple[np.ndarray, np.ndarray]:
    """The LRU layer: a complex diagonal linear recurrence and a real read-out.

        h_t = lam * h_{t-1} + gamma * (x_t B),   h_0 = 0,
        y_t = Re(h_t C) + D_skip * x_t,

    with lam = :func:`lru_lambda` (nu_log, theta_log), gamma = exp(gamma_log).

    Inputs:
    - x: array of shape (N, T, D)
    - params: dict with nu_log, theta_log, gamma_log (H,), B (D, H),
      C (H, D) (complex allowed) and D_skip (D,), e.g. from :func:`lru_init`
    - method: "loop" (:func:`diagonal_recurrence`) or "scan" (two real
      parallel scans of :func:`linear_recurrence_scan` after a rotation)

    Returns a tuple of:
    - y: float64 array of shape (N, T, D)
    - h: complex array of shape (N, T, H), the states
    """
    method = _method(method)
    x = as_float_array("x", x, 3, "(N, T, D)")
    N, T, D = x.shape
    lam = lru_lambda(params["nu_log"], params["theta_log"])  # (H,)
    H = lam.shape[0]
    gamma = np.exp(as_float_array("gamma_log", params["gamma_log"], 1, "(H,)"))
    check_shape("gamma_log", gamma, (H,), "H", context="H from nu_log")
    B = _array("B", params["B"], 2, "(D, H)", complex_ok=True)
    check_shape("B", B, (D, H), "D, H", context="D from x, H from nu_log")
    C = _array("C", params["C"], 2, "(H, D)", complex_ok=True)
    check_shape("C", C, (H, D), "H, D", context="D from x, H from nu_log")
    D_skip = as_float_array("D_skip", params["D_skip"], 1, "(D,)")
    check_shape("D_skip", D_skip, (D,), "D", context="D from x")
    u = gamma * (x @ B)  # (N, T, H)
    if method == "loop":
        h = diagonal_recurrence(lam, u)
    else:
        h = _rotated_scan(lam, u.astype(np.complex128))
    y = (h @ C).real + D_skip * x  # (N, T, D)
    return y, h


# ----------------------------------------------------------------------------
# S4D: a continuous-time diagonal SSM, discretised
# ----------------------------------------------------------------------------


def s4d_lin_init(S: int) -> np.ndarray:
    """S4D-Lin: A_n = -1/2 + i pi n, n = 0..S-1 (Gu, Gupta, Goel & Re 2022).

    Inputs:
    - S: state size, integer >= 1

    Returns:
    - A: complex array of shape (S,), every real part -1/2
    """
    return -0.5 + 1j * np.pi * np.arange(S)


def s4d_real_init(S: int) -> np.ndarray:
    """S4D-Real: A_n = -(n + 1), n = 0..S-1; Mamba's initial A.

    Inputs:
    - S: state size, integer >= 1

    Returns:
    - A: float64 array of shape (S,)
    """
    return -(np.arange(S) + 1.0)


def zoh(A: Any, B: Any, dt: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Zero-order hold: the exact discretisation for an input held constant.

    For x'(t) = A x(t) + B u(t) with diagonal A and u constant on each step
    of length dt,

        Abar = exp(dt A),   Bbar = (exp(dt A) - 1) / A * B,

    elementwise (Bbar -> dt B where A -> 0).

    Inputs:
    - A: array (real or complex) of any shape, the diagonal of A
    - B: array broadcastable with A (real or complex)
    - dt: positive step(s), broadcastable with A

    Returns a tuple of:
    - Abar: array of the broadcast shape
    - Bbar: array of the broadcast shape
    """
    A = _array("A", A, None, "(..., S)", complex_ok=True)
    B = _array("B", B, None, "(..., S)", complex_ok=True)
    dt = np.asarray(dt, dtype=np.float64)
    if np.any(dt <= 0):
        raise ValueError("dt: expected positive step sizes")
    dA = dt * A
    Abar = np.exp(dA)
    small = np.abs(A) < 1e-12
    safe_A = np.where(small, 1.0, A)
    factor = np.where(small, dt, np.expm1(dA) / safe_A)  # (exp(dt A) - 1) / A
    return Abar, factor * B


def bilinear(A: Any, B: Any, dt: Any) -> Tuple[np.ndarray, np.ndarray]:
    """The bilinear (Tustin) discretisation used by S4 (Gu, Goel & Re 2022).

        Abar = (1 + dt A / 2) / (1 - dt A / 2),   Bbar = dt B / (1 - dt A / 2).

    Inputs and returns: as :func:`zoh`.
    """
    A = _array("A", A, None, "(..., S)", complex_ok=True)
    B = _array("B", B, None, "(..., S)", complex_ok=True)
    dt = np.asarray(dt, dtype=np.float64)
    if np.any(dt <= 0):
        raise ValueError("dt: expected positive step sizes")
    den = 1.0 - dt * A / 2
    return (1.0 + dt * A / 2) / den, dt * B / den


def _kernel_args(Abar, Bbar, C):
    Abar = _array("Abar", Abar, 2, "(D, S)", complex_ok=True)
    D, S = Abar.shape
    Bbar = _array("Bbar", Bbar, 2, "(D, S)", complex_ok=True)
    check_shape("Bbar", Bbar, (D, S), "D, S", context="from Abar")
    C = _array("C", C, 2, "(D, S)", complex_ok=True)
    check_shape("C", C, (D, S), "D, S", context="from Abar")
    return Abar, Bbar, C


def ssm_kernel(Abar: Any, Bbar: Any, C: Any, L: int) -> np.ndarray:
    """The convolution kernel of a discrete diagonal SSM, in closed form.

        K_k = Re( sum_s C_s Abar_s^k Bbar_s ),   k = 0..L-1,

    one kernel per channel: the powers Abar^k form a Vandermonde matrix.

    Inputs:
    - Abar, Bbar, C: arrays of shape (D, S), real or complex
    - L: kernel length, integer >= 1

    Returns:
    - K: float64 array of shape (D, L)
    """
    Abar, Bbar, C = _kernel_args(Abar, Bbar, C)
    if not isinstance(L, (int, np.integer)) or L < 1:
        raise ValueError(f"L: expected an integer >= 1, got {L!r}")
    k = np.arange(L)
    Ac = Abar.astype(np.complex128)
    zero = Ac == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        # Abar^k = exp(k log Abar): a Vandermonde matrix, (D, S, L); far
        # faster than complex ** for long kernels
        powers = np.exp(np.log(np.where(zero, 1.0, Ac))[:, :, None] * k)
    powers = np.where(zero[:, :, None], (k == 0).astype(float), powers)
    return np.einsum("ds,dsl->dl", C * Bbar, powers).real  # (D, L)


def ssm_kernel_by_recurrence(Abar: Any, Bbar: Any, C: Any, L: int
                             ) -> np.ndarray:
    """The same kernel as the response of the recurrence to a unit impulse.

    Feed u_0 = 1, u_1 = u_2 = ... = 0: then h_k = Abar^k Bbar and y_k = K_k.

    Inputs and returns: as :func:`ssm_kernel`.
    """
    Abar, Bbar, C = _kernel_args(Abar, Bbar, C)
    if not isinstance(L, (int, np.integer)) or L < 1:
        raise ValueError(f"L: expected an integer >= 1, got {L!r}")
    D = Abar.shape[0]
    u = np.zeros((1, L, D))
    u[:, 0] = 1.0
    y, _ = ssm_recurrent(u, Abar, Bbar, C)
    return y[0].T  # (D, L)


def ssm_recurrent(u: Any, Abar: Any, Bbar: Any, C: Any, D_skip: Any = None,
                  h0: Any = None) -> Tuple[np.ndarray, np.ndarray]:
    """The recurrent view of a discrete diagonal SSM, one channel per column.

        h_t = Abar * h_{t-1} + Bbar * u_t,   y_t = Re(sum_s C_s h_t,s) + D u_t

    for every channel d separately (Abar[d], Bbar[d], C[d] of S entries).

    Inputs:
    - u: array of shape (N, T, D)
    - Abar, Bbar, C: arrays of shape (D, S), real or complex
    - D_skip: None (no skip term) or array of shape (D,)
    - h0: None (zeros) or array of shape (N, D, S)

    Returns a tuple of:
    - y: float64 array of shape (N, T, D)
    - h: array of shape (N, T, D, S), the states
    """
    u = as_float_array("u", u, 3, "(N, T, D)")
    N, T, D = u.shape
    Abar, Bbar, C = _kernel_args(Abar, Bbar, C)
    check_shape("Abar", Abar, (D, None), "D, S", context="D from u")
    S = Abar.shape[1]
    dtype = np.result_type(Abar, Bbar, C, u)
    prev = np.zeros((N, D, S), dtype) if h0 is None else \
        _array("h0", h0, 3, "(N, D, S)", complex_ok=True).astype(dtype)
    check_shape("h0", prev, (N, D, S), "N, D, S")
    h = np.empty((N, T, D, S), dtype)
    for t in range(T):
        prev = Abar * prev + Bbar * u[:, t, :, None]  # (N, D, S)
        h[:, t] = prev
    y = np.einsum("ds,ntds->ntd", C, h).real  # (N, T, D)
    if D_skip is not None:
        D_skip = as_float_array("D_skip", D_skip, 1, "(D,)")
        check_shape("D_skip", D_skip, (D,), "D", context="D from u")
        y = y + D_skip * u
    return y, h


def causal_convolution(u: Any, K: Any, method: str = "fft") -> np.ndarray:
    """The convolution view: y_t = sum_{k=0}^{t} K_k u_{t-k}, per channel.

    Inputs:
    - u: array of shape (N, T, D)
    - K: array of shape (D, L) with L >= T (only K[:, :T] is used)
    - method: "fft" (zero-padded FFT, O(T log T)) or "direct" (the lower-
      triangular Toeplitz matrix of K times u, O(T^2))

    Returns:
    - y: float64 array of shape (N, T, D)
    """
    u = as_float_array("u", u, 3, "(N, T, D)")
    N, T, D = u.shape
    K = as_float_array("K", K, 2, "(D, L)")
    check_shape("K", K, (D, None), "D, L", context="D from u")
    if K.shape[1] < T:
        raise ValueError(f"K: expected at least T = {T} taps, got {K.shape[1]}")
    K = K[:, :T]
    if method == "fft":
        n = 2 * T  # zero padding turns the circular convolution into a linear one
        Uf = np.fft.rfft(u, n=n, axis=1)  # (N, n//2 + 1, D)
        Kf = np.fft.rfft(K.T, n=n, axis=0)  # (n//2 + 1, D)
        return np.fft.irfft(Uf * Kf, n=n, axis=1)[:, :T]  # (N, T, D)
    if method == "direct":
        lag = np.arange(T)[:, None] - np.arange(T)[None, :]  # (T, T): t - s
        Toe = np.where(lag >= 0, K[:, np.clip(lag, 0, None)], 0.0)  # (D, T, T)
        return np.einsum("dts,nsd->ntd", Toe, u)
    raise ValueError(f"method: expected 'fft' or 'direct', got {method!r}")


# ----------------------------------------------------------------------------
# the selective scan (Gu & Dao 2023)
# ----------------------------------------------------------------------------


def selective_parameters(x: Any, W_delta: Any, b_delta: Any, W_B: Any,
                         W_C: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mamba's input-dependent step size and matrices.

        Delta_t = softplus(x_t W_delta + b_delta),  B_t = x_t W_B,  C_t = x_t W_C.

    (Mamba factors W_delta into a low-rank product; one matrix is enough here.)

    Inputs:
    - x: array of shape (N, T, D)
    - W_delta: array of shape (D, D); b_delta: array of shape (D,)
    - W_B, W_C: arrays of shape (D, S)

    Returns a tuple of:
    - delta: array of shape (N, T, D), every entry > 0
    - B, C: arrays of shape (N, T, S)
    """
    x = as_float_array("x", x, 3, "(N, T, D)")
    D = x.shape[2]
    W_delta = as_float_array("W_delta", W_delta, 2, "(D, D)")
    check_shape("W_delta", W_delta, (D, D), "D, D", context="D from x")
    b_delta = as_float_array("b_delta", b_delta, 1, "(D,)")
    check_shape("b_delta", b_delta, (D,), "D", context="D from x")
    W_B = as_float_array("W_B", W_B, 2, "(D, S)")
    check_shape("W_B", W_B, (D, None), "D, S", context="D from x")
    W_C = as_float_array("W_C", W_C, 2, "(D, S)")
    check_shape("W_C", W_C, W_B.shape, "D, S", context="from W_B")
    delta = softplus(x @ W_delta + b_delta)  # (N, T, D)
    return delta, x @ W_B, x @ W_C  # (N, T, D), (N, T, S), (N, T, S)


def _selective_args(x, delta, A, B, C):
    x = as_float_array("x", x, 3, "(N, T, D)")
    N, T, D = x.shape
    delta = as_float_array("delta", delta, 3, "(N, T, D)")
    check_shape("delta", delta, (N, T, D), "N, T, D", context="from x")
    if np.any(delta <= 0):
        raise ValueError("delta: expected positive step sizes")
    A = as_float_array("A", A, 2, "(D, S)")
    check_shape("A", A, (D, None), "D, S", context="D from x")
    S = A.shape[1]
    B = as_float_array("B", B, None, "(N, T, S) or (D, S)")
    C = as_float_array("C", C, None, "(N, T, S) or (D, S)")
    for name, M in (("B", B), ("C", C)):
        if M.shape not in ((N, T, S), (D, S)):
            raise ValueError(
                f"{name}: expected shape (N, T, S) = {(N, T, S)} (selective) or "
                f"(D, S) = {(D, S)} (time-invariant), got {M.shape}")
    return x, delta, A, B, C


def _discretise(delta, A, B, b_rule):
    """Abar (N, T, D, S) and Bbar (N, T, D, S) from Delta, A and B."""
    dA = delta[..., None] * A  # (N, T, D, S)
    Abar = np.exp(dA)
    Bx = B[:, :, None, :] if B.ndim == 3 else B  # (N, T, 1, S) or (D, S)
    if b_rule == "euler":
        Bbar = delta[..., None] * Bx  # Mamba's simplification: Delta B
    elif b_rule == "zoh":
        Bbar = np.expm1(dA) / A * Bx  # (exp(Delta A) - 1) / A B
    else:
        raise ValueError(f"b_rule: expected 'euler' or 'zoh', got {b_rule!r}")
    return Abar, np.broadcast_to(Bbar, Abar.shape)


def _readout(h, C, x, D_skip):
    if C.ndim == 3:
        y = np.einsum("ntds,nts->ntd", h, C)  # (N, T, D)
    else:
        y = np.einsum("ntds,ds->ntd", h, C)
    if D_skip is not None:
        D_skip = as_float_array("D_skip", D_skip, 1, "(D,)")
        check_shape("D_skip", D_skip, (x.shape[2],), "D", context="D from x")
        y = y + D_skip * x
    return y


def selective_scan(x: Any, delta: Any, A: Any, B: Any, C: Any,
                   D_skip: Any = None, h0: Any = None, method: str = "scan",
                   b_rule: str = "euler") -> Tuple[np.ndarray, np.ndarray]:
    """The selective SSM: a diagonal recurrence whose coefficients depend on x.

    For every channel d and state index s,

        h_t = exp(Delta_t A) * h_{t-1} + Bbar_t x_t,    y_t = C_t h_t + D x_t,

    with Bbar_t = Delta_t B_t ("euler", Mamba's choice) or
    (exp(Delta_t A) - 1) / A B_t ("zoh"). Pass B, C of shape (D, S) and a
    delta that is the same at every step to get a time-invariant SSM.

    Inputs:
    - x: array of shape (N, T, D)
    - delta: positive array of shape (N, T, D)
    - A: array of shape (D, S), negative entries for a stable system
    - B, C: arrays of shape (N, T, S) (selective) or (D, S) (time-invariant)
    - D_skip: None or array of shape (D,)
    - h0: None (zeros) or array of shape (N, D, S)
    - method: "loop" (a Python loop over t, the reference) or "scan" (the
      parallel prefix scan :func:`linear_recurrence_scan` over all D*S
      recurrences at once)
    - b_rule: "euler" or "zoh", as above

    Returns a tuple of:
    - y: array of shape (N, T, D)
    - h: array of shape (N, T, D, S), the states
    """
    method = _method(method)
    x, delta, A, B, C = _selective_args(x, delta, A, B, C)
    N, T, D = x.shape
    S = A.shape[1]
    Abar, Bbar = _discretise(delta, A, B, b_rule)  # (N, T, D, S) each
    bx = Bbar * x[..., None]  # (N, T, D, S)
    if h0 is None:
        h0 = np.zeros((N, D, S), dtype=bx.dtype)
    else:
        h0 = as_float_array("h0", h0, 3, "(N, D, S)")
        check_shape("h0", h0, (N, D, S), "N, D, S", context="from x and A")
    if method == "loop":
        h = np.empty_like(bx)
        prev = h0
        for t in range(T):
            prev = Abar[:, t] * prev + bx[:, t]  # (N, D, S)
            h[:, t] = prev
    else:
        h = linear_recurrence_scan(
            Abar.reshape(N, T, D * S), bx.reshape(N, T, D * S),
            h0.reshape(N, D * S)).reshape(N, T, D, S)  # (N, T, D, S)
    return _readout(h, C, x, D_skip), h


def ssm_mixing_matrix(delta: Any, A: Any, B: Any, C: Any,
                      b_rule: str = "euler") -> np.ndarray:
    """The matrix M with y_t = sum_s M[t, s] x_s of a (selective) SSM.

        M[t, s] = sum_k C_t,k exp(sum_{r=s+1}^{t} Delta_r A_k) Bbar_s,k

    for s <= t and 0 above the diagonal, per channel. For a time-invariant
    SSM M[t, s] = K_{t-s} (a Toeplitz matrix: the convolution view); for a
    selective one it is not. Memory O(N D T^2 S): for small examples.

    Inputs:
    - delta: positive array of shape (N, T, D)
    - A: array of shape (D, S)
    - B, C: arrays of shape (N, T, S) or (D, S)
    - b_rule: "euler" or "zoh", as in :func:`selective_scan`

    Returns:
    - M: array of shape (N, D, T, T), lower triangular in the last two axes
    """
    delta = as_float_array("delta", delta, 3, "(N, T, D)")
    _, delta, A, B, C = _selective_args(np.zeros(delta.shape), delta, A, B, C)
    N, T, D = delta.shape
    _, Bbar = _discretise(delta, A, B, b_rule)  # (N, T, D, S)
    cum = np.cumsum(delta[..., None] * A, axis=1)  # (N, T, D, S)
    gap = cum[:, :, None] - cum[:, None, :]  # (N, T, T, D, S): t, s
    causal = (np.arange(T)[:, None] >= np.arange(T)[None, :])  # (T, T)
    decay = np.where(causal[None, :, :, None, None],
                     np.exp(np.where(causal[None, :, :, None, None], gap, 0.0)),
                     0.0)  # (N, T, T, D, S)
    Ct = C[:, :, None, None, :] if C.ndim == 3 else C  # (N, T, 1, 1, S)
    M = (Ct * decay * Bbar[:, None]).sum(-1)  # (N, T, T, D)
    return M.transpose(0, 3, 1, 2)  # (N, D, T, T)
