"""Causal linear attention and xLSTM's mLSTM: RNNs with a matrix-valued state.

Causal softmax attention compares each query with every earlier key, so its
cost per step grows with t. Replace the similarity exp(q.k) by a product of
features phi(q).phi(k) (Katharopoulos et al. 2020) and the sum over the past
collapses into a running d_k x d_v matrix,

    S_t = S_{t-1} + phi(k_t) v_t^T,   z_t = z_{t-1} + phi(k_t),
    y_t = S_t^T phi(q_t) / (z_t . phi(q_t)),

an RNN whose state is a matrix. The mLSTM of xLSTM (Beck et al. 2024) is the
same memory with a forget gate, an exponential input gate, a normaliser
bounded below by 1 and a stabiliser m_t that keeps exp() from overflowing:

==============================================  ============================
elu_feature_map(x)                              phi(x) = elu(x) + 1 > 0
causal_softmax_attention(q, k, v)               the reference of chapter 10
linear_attention_parallel(q, k, v)              the masked (T, T) form
linear_attention_recurrent(q, k, v)             the matrix-state RNN
mlstm_recurrent(q, k, v, i_pre, f_pre)          mLSTM, one step at a time
                                                (stabilised or not)
mlstm_parallel(q, k, v, i_pre, f_pre)           mLSTM, the (T, T) form
mlstm_log_gates(i_pre, f_pre)                   log D, the gate matrix
==============================================  ============================

Shapes: q, k (N, T, d_k); v (N, T, d_v); gate pre-activations i_pre, f_pre
(N, T); outputs (N, T, d_v). Several heads are several rows of N. Arrays
follow :mod:`rnn_helpers.argcheck` (float32/float64, ValueError naming the
argument). The state layout follows the xLSTM code: C and S are
(d_k, d_v), the outer product k v^T, read out with q^T C.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_shape

__all__ = [
    "elu_feature_map",
    "identity_feature_map",
    "causal_softmax_attention",
    "linear_attention_parallel",
    "linear_attention_recurrent",
    "log_sigmoid",
    "mlstm_log_gates",
    "mlstm_recurrent",
    "mlstm_parallel",
]


def elu_feature_map(x: Any) -> np.ndarray:
    """phi(x) = elu(x) + 1: x + 1 for x > 0, exp(x) otherwise; always > 0.

    Inputs:
    - x: array of any shape

    Returns:
    - phi: array of the same shape and dtype, every entry > 0
    """
    x = np.asarray(x)
    return np.where(x > 0, x + 1.0, np.exp(np.minimum(x, 0.0))).astype(x.dtype)


def identity_feature_map(x: Any) -> np.ndarray:
    """phi(x) = x (unnormalised linear attention, as in the mLSTM)."""
    return np.asarray(x)


def _qkv(q, k, v):
    q = as_float_array("q", q, 3, "(N, T, d_k)")
    N, T, dk = q.shape
    k = as_float_array("k", k, 3, "(N, T, d_k)")
    check_shape("k", k, (N, T, dk), "N, T, d_k", context="from q")
    v = as_float_array("v", v, 3, "(N, T, d_v)")
    check_shape("v", v, (N, T, None), "N, T, d_v", context="N, T from q")
    return q, k, v


def causal_softmax_attention(q: Any, k: Any, v: Any,
                             scale: Optional[float] = None) -> np.ndarray:
    """Causal softmax attention, softmax(q k^T * scale + mask) v.

    Inputs:
    - q, k: arrays of shape (N, T, d_k); v: array of shape (N, T, d_v)
    - scale: None for 1 / sqrt(d_k), or a number

    Returns:
    - y: array of shape (N, T, d_v); row t averages v_1..v_t
    """
    q, k, v = _qkv(q, k, v)
    T, dk = q.shape[1], q.shape[2]
    scale = 1.0 / np.sqrt(dk) if scale is None else float(scale)
    scores = q @ k.transpose(0, 2, 1) * scale  # (N, T, T)
    mask = np.tril(np.ones((T, T), dtype=bool))
    scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w = w / w.sum(axis=-1, keepdims=True)  # (N, T, T), rows sum to 1
    return w @ v  # (N, T, d_v)


def linear_attention_parallel(q: Any, k: Any, v: Any,
                              feature_map: Callable = elu_feature_map,
                              normalise: bool = True) -> np.ndarray:
    """Causal linear attention in its parallel (masked matrix) form.

        A = (phi(Q) phi(K)^T) * mask,   y = A V / (A 1)   (row by row).

    Inputs:
    - q, k: arrays of shape (N, T, d_k); v: array of shape (N, T, d_v)
    - feature_map: phi, applied elementwise (default elu + 1)
    - normalise: if False, return A V without the division

    Returns:
    - y: array of shape (N, T, d_v)
    """
    q, k, v = _qkv(q, k, v)
    T = q.shape[1]
    fq, fk = feature_map(q), feature_map(k)  # (N, T, d_k)
    A = fq @ fk.transpose(0, 2, 1)  # (N, T, T)
    A = A * np.tril(np.ones((T, T), dtype=A.dtype))  # causal mask
    num = A @ v  # (N, T, d_v)
    if not normalise:
        return num
    return num / A.sum(axis=-1, keepdims=True)  # (N, T, d_v)


def linear_attention_recurrent(q: Any, k: Any, v: Any,
                               feature_map: Callable = elu_feature_map,
                               normalise: bool = True, state: Any = None
                               ) -> Tuple[np.ndarray, Tuple[np.ndarray, np.ndarray]]:
    """Causal linear attention as an RNN with a matrix-valued state.

        S_t = S_{t-1} + phi(k_t) v_t^T,   z_t = z_{t-1} + phi(k_t),
        y_t = phi(q_t)^T S_t / (phi(q_t)^T z_t).

    Inputs:
    - q, k: arrays of shape (N, T, d_k); v: array of shape (N, T, d_v)
    - feature_map: phi (default elu + 1)
    - normalise: if False, y_t = phi(q_t)^T S_t
    - state: None (zeros) or a tuple (S0 (N, d_k, d_v), z0 (N, d_k))

    Returns a tuple of:
    - y: array of shape (N, T, d_v)
    - (S, z): the final state, arrays of shape (N, d_k, d_v) and (N, d_k)
    """
    q, k, v = _qkv(q, k, v)
    N, T, dk = q.shape
    dv = v.shape[2]
    fq, fk = feature_map(q), feature_map(k)  # (N, T, d_k)
    dtype = np.result_type(fq, fk, v)
    if state is None:
        S = np.zeros((N, dk, dv), dtype)
        z = np.zeros((N, dk), dtype)
    else:
        S = as_float_array("state[0]", state[0], 3, "(N, d_k, d_v)").copy()
        check_shape("state[0]", S, (N, dk, dv), "N, d_k, d_v")
        z = as_float_array("state[1]", state[1], 2, "(N, d_k)").copy()
        check_shape("state[1]", z, (N, dk), "N, d_k")
    y = np.empty((N, T, dv), dtype)
    for t in range(T):
        S = S + fk[:, t, :, None] * v[:, t, None, :]  # (N, d_k, d_v)
        z = z + fk[:, t]  # (N, d_k)
        num = np.einsum("nk,nkv->nv", fq[:, t], S)  # (N, d_v)
        if normalise:
            num = num / np.einsum("nk,nk->n", fq[:, t], z)[:, None]
        y[:, t] = num
    return y, (S, z)


# ----------------------------------------------------------------------------
# mLSTM (Beck et al. 2024)
# ----------------------------------------------------------------------------


def log_sigmoid(x: Any) -> np.ndarray:
    """log(sigmoid(x)) = -softplus(-x), without overflow.

    Inputs:
    - x: array of any shape

    Returns:
    - y: array of the same shape, y < 0
    """
    return -np.logaddexp(0.0, -np.asarray(x))


def _gates(i_pre, f_pre, N, T):
    i_pre = as_float_array("i_pre", i_pre, 2, "(N, T)")
    check_shape("i_pre", i_pre, (N, T), "N, T", context="from q")
    f_pre = as_float_array("f_pre", f_pre, 2, "(N, T)")
    check_shape("f_pre", f_pre, (N, T), "N, T", context="from q")
    return i_pre, f_pre


def mlstm_recurrent(q: Any, k: Any, v: Any, i_pre: Any, f_pre: Any,
                    stabilise: bool = True, state: Any = None
                    ) -> Tuple[np.ndarray, Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The mLSTM memory, one step at a time.

    With input gate i_t = exp(i_pre_t), forget gate f_t = sigmoid(f_pre_t) and
    keys scaled by 1 / sqrt(d_k),

        C_t = f_t C_{t-1} + i_t k_t v_t^T,   n_t = f_t n_{t-1} + i_t k_t,
        h~_t = C_t^T q_t / max(|n_t . q_t|, 1).

    Stabilised (the default), the states are kept divided by exp(m_t), with

        m_t = max(log f_t + m_{t-1}, i_pre_t),
        i'_t = exp(i_pre_t - m_t),   f'_t = exp(log f_t + m_{t-1} - m_t),

    and the lower bound 1 becomes exp(-m_t): the output is the same, but no
    exp() of a large number is ever taken. (The output gate o_t of the full
    cell multiplies h~_t afterwards.)

    Inputs:
    - q, k: arrays of shape (N, T, d_k); v: array of shape (N, T, d_v)
    - i_pre, f_pre: gate pre-activations, arrays of shape (N, T)
    - stabilise: bool, as above
    - state: None (C0 = 0, n0 = 0, m0 = 0) or a tuple (C0 (N, d_k, d_v),
      n0 (N, d_k), m0 (N,)); with stabilise=False, m0 is ignored

    Returns a tuple of:
    - h: array of shape (N, T, d_v), the h~_t
    - (C, n, m): the final state, shapes (N, d_k, d_v), (N, d_k), (N,)
    """
    q, k, v = _qkv(q, k, v)
    N, T, dk = q.shape
    dv = v.shape[2]
    i_pre, f_pre = _gates(i_pre, f_pre, N, T)
    dtype = np.result_type(q, k, v, i_pre, f_pre)
    k = k / np.sqrt(dk)
    log_f = log_sigmoid(f_pre)  # (N, T)
    if state is None:
        C = np.zeros((N, dk, dv), dtype)
        n = np.zeros((N, dk), dtype)
        m = np.zeros(N, dtype)
    else:
        C = as_float_array("state[0]", state[0], 3, "(N, d_k, d_v)").copy()
        check_shape("state[0]", C, (N, dk, dv), "N, d_k, d_v")
        n = as_float_array("state[1]", state[1], 2, "(N, d_k)").copy()
        check_shape("state[1]", n, (N, dk), "N, d_k")
        m = as_float_array("state[2]", state[2], 1, "(N,)").copy()
        check_shape("state[2]", m, (N,), "N")
    h = np.empty((N, T, dv), dtype)
    for t in range(T):
        if stabilise:
            m_new = np.maximum(log_f[:, t] + m, i_pre[:, t])  # (N,)
            f_gate = np.exp(log_f[:, t] + m - m_new)  # (N,) f'_t <= 1
            i_gate = np.exp(i_pre[:, t] - m_new)  # (N,) i'_t <= 1
            floor = np.exp(-m_new)  # (N,) the bound 1, rescaled
            m = m_new
        else:
            f_gate = np.exp(log_f[:, t])
            i_gate = np.exp(i_pre[:, t])  # may overflow: that is the point
            floor = np.ones(N, dtype)
        C = f_gate[:, None, None] * C \
            + i_gate[:, None, None] * (k[:, t, :, None] * v[:, t, None, :])
        n = f_gate[:, None] * n + i_gate[:, None] * k[:, t]  # (N, d_k)
        num = np.einsum("nk,nkv->nv", q[:, t], C)  # (N, d_v)
        den = np.maximum(np.abs(np.einsum("nk,nk->n", q[:, t], n)), floor)
        h[:, t] = num / den[:, None]
    return h, (C, n, m)


def mlstm_log_gates(i_pre: Any, f_pre: Any) -> np.ndarray:
    """log D: the log weight of input s in the memory at time t.

        log D[t, s] = sum_{r=s+1}^{t} log sigmoid(f_pre_r) + i_pre_s  (s <= t),

    and -inf above the diagonal.

    Inputs:
    - i_pre, f_pre: arrays of shape (N, T)

    Returns:
    - log_D: array of shape (N, T, T)
    """
    i_pre = as_float_array("i_pre", i_pre, 2, "(N, T)")
    f_pre = as_float_array("f_pre", f_pre, 2, "(N, T)")
    check_shape("f_pre", f_pre, i_pre.shape, "N, T", context="from i_pre")
    T = i_pre.shape[1]
    cum = np.cumsum(log_sigmoid(f_pre), axis=1)  # (N, T): F_t = sum_{r<=t}
    log_D = cum[:, :, None] - cum[:, None, :] + i_pre[:, None, :]  # (N, T, T)
    mask = np.tril(np.ones((T, T), dtype=bool))
    return np.where(mask, log_D, -np.inf)


def mlstm_parallel(q: Any, k: Any, v: Any, i_pre: Any, f_pre: Any
                   ) -> np.ndarray:
    """The mLSTM memory in its parallel form, stabilised row by row.

        D' = exp(log D - m),  m_t = max_s log D[t, s],
        A = (q k^T / sqrt(d_k)) * D',
        h~ = A v / max(|A 1|, exp(-m))   (row by row).

    Equal to :func:`mlstm_recurrent` from a zero state.

    Inputs:
    - q, k: arrays of shape (N, T, d_k); v: array of shape (N, T, d_v)
    - i_pre, f_pre: arrays of shape (N, T)

    Returns:
    - h: array of shape (N, T, d_v)
    """
    q, k, v = _qkv(q, k, v)
    N, T, dk = q.shape
    i_pre, f_pre = _gates(i_pre, f_pre, N, T)
    log_D = mlstm_log_gates(i_pre, f_pre)  # (N, T, T)
    m = log_D.max(axis=-1, keepdims=True)  # (N, T, 1), finite (diagonal)
    Dmat = np.exp(log_D - m)  # (N, T, T), entries in [0, 1]
    A = (q @ k.transpose(0, 2, 1)) / np.sqrt(dk) * Dmat  # (N, T, T)
    den = np.maximum(np.abs(A.sum(axis=-1, keepdims=True)), np.exp(-m))
    return (A / den) @ v  # (N, T, d_v)
