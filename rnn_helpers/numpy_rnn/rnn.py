"""Vanilla (Elman, tanh) RNN in NumPy: forward and backward (BPTT).

Equation, for a batch of N rows (batch-first arrays):

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)              x_t (N, D), h_t (N, H)

``Wx`` (D, H) and ``Wh`` (H, H) are the transposes of PyTorch's
``weight_ih_l0`` and ``weight_hh_l0``; ``b`` (H,) is ``bias_ih_l0 + bias_hh_l0``
(see :func:`rnn_helpers.numpy_rnn.params_from_torch`).

Step functions and sequence functions as in :mod:`rnn_helpers.numpy_rnn`
(dtypes, caches); the sequence functions do one GEMM for the input
projection of all time steps, in-place ufuncs in the time loop and one GEMM
per weight gradient after the loop.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

from rnn_helpers.numpy_rnn._common import cached, check_cell_args, check_upstream, get_cache
from rnn_helpers.numpy_rnn._docs import sequence_backward_doc, sequence_forward_doc

__all__ = ["rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward"]


def rnn_step_forward(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """One time step of a tanh RNN.

    Inputs:
    - x: input data, of shape (N, D).
    - prev_h: hidden state from the previous time step, of shape (N, H).
    - Wx: input-to-hidden weights, of shape (D, H).
    - Wh: hidden-to-hidden weights, of shape (H, H).
    - b: biases, of shape (H,).

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H).
    - cache: values needed by :func:`rnn_step_backward`.
    """
    x, (prev_h,), Wx, Wh, (b,), dtype = check_cell_args(
        x, [("prev_h", prev_h)], Wx, Wh, [("b", b)], gates=1, sequence=False
    )
    a = x @ Wx + prev_h @ Wh + b  # (N, H)
    next_h = np.tanh(a)  # (N, H)
    cache = {"kind": "rnn_step_forward", "x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh,
             "next_h": next_h}
    return next_h, cache


def rnn_step_backward(
    dnext_h: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one tanh-RNN time step.

    Inputs:
    - dnext_h: gradient of the loss w.r.t. next_h, of shape (N, H).
    - cache: cache object from :func:`rnn_step_forward`.

    Returns a tuple of:
    - dx: gradient w.r.t. x, of shape (N, D).
    - dprev_h: gradient w.r.t. prev_h, of shape (N, H).
    - dWx: gradient w.r.t. Wx, of shape (D, H).
    - dWh: gradient w.r.t. Wh, of shape (H, H).
    - db: gradient w.r.t. b, of shape (H,).
    """
    cache = get_cache(cache, "rnn_step_forward")
    next_h = cache["next_h"]
    dnext_h, dtype = check_upstream("dnext_h", dnext_h, next_h.shape, "N, H", next_h.dtype)
    x, prev_h = cached(cache, "x", dtype), cached(cache, "prev_h", dtype)
    Wx, Wh = cached(cache, "Wx", dtype), cached(cache, "Wh", dtype)
    next_h = next_h.astype(dtype, copy=False)

    da = dnext_h * (1 - next_h * next_h)  # (N, H)  tanh'(a) = 1 - tanh(a)^2
    dx = da @ Wx.T  # (N, D)
    dprev_h = da @ Wh.T  # (N, H)
    dWx = x.T @ da  # (D, H)
    dWh = prev_h.T @ da  # (H, H)
    db = da.sum(axis=0)  # (H,)
    return dx, dprev_h, dWx, dWh, db


@sequence_forward_doc("rnn_step_forward", "rnn_backward", "Wx (D, H), Wh (H, H), b (H,)")
def rnn_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """Run a tanh RNN over a whole sequence (batch-first).

    Equals ``torch.nn.RNN(D, H, batch_first=True)`` (output, not h_n) when
    given the module's weights via ``params_from_torch``.
    """
    x, (h0,), Wx, Wh, (b,), dtype = check_cell_args(
        x, [("h0", h0)], Wx, Wh, [("b", b)], gates=1, sequence=True
    )
    N, T, D = x.shape
    H = Wh.shape[0]

    # input projection of all time steps in one GEMM
    xa = (x.reshape(N * T, D) @ Wx).reshape(N, T, H)  # (N, T, H)
    xa += b
    hs = np.empty((N, T + 1, H), dtype=dtype)  # hs[:, 0] = h0, hs[:, t + 1] = h_t
    hs[:, 0] = h0
    tmp = np.empty((N, H), dtype=dtype)
    for t in range(T):
        np.matmul(hs[:, t], Wh, out=tmp)  # (N, H)
        h_t = hs[:, t + 1]
        np.add(xa[:, t], tmp, out=h_t)
        np.tanh(h_t, out=h_t)

    h = hs[:, 1:].copy()  # (N, T, H); a copy, so the caller cannot alter the cache
    cache = {"kind": "rnn_forward", "x": x, "hs": hs, "Wx": Wx, "Wh": Wh}
    return h, cache


@sequence_backward_doc("rnn_forward", "dWx (D, H), dWh (H, H), db (H,)")
def rnn_backward(
    dh: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for a tanh RNN.

    Recursion (g_t = total gradient w.r.t. h_t, g_T+1 := 0 at the end):

        g_t  = dh_t + da_{t+1} Wh^T
        da_t = g_t * (1 - h_t^2)                       tanh' included
    """
    cache = get_cache(cache, "rnn_forward")
    hs = cache["hs"]
    N, T1, H = hs.shape
    T = T1 - 1
    dh, dtype = check_upstream("dh", dh, (N, T, H), "N, T, H", hs.dtype)
    hs = hs.astype(dtype, copy=False)
    x, Wx, Wh = cached(cache, "x", dtype), cached(cache, "Wx", dtype), cached(cache, "Wh", dtype)
    D = x.shape[2]

    # local derivative tanh'(a_t) = 1 - h_t^2 for all steps at once
    da = np.multiply(hs[:, 1:], hs[:, 1:])  # (N, T, H)
    np.subtract(1, da, out=da)
    WhT = Wh.T  # (H, H)
    dh_next = np.zeros((N, H), dtype=dtype)  # gradient reaching h_t from step t + 1
    g = np.empty((N, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        np.add(dh[:, t], dh_next, out=g)  # total gradient of h_t
        da_t = da[:, t]  # (N, H)
        np.multiply(da_t, g, out=da_t)
        np.matmul(da_t, WhT, out=dh_next)

    da_flat = da.reshape(N * T, H)  # (N*T, H)
    dx = (da_flat @ Wx.T).reshape(N, T, D)  # (N, T, D)
    dWx = x.reshape(N * T, D).T @ da_flat  # (D, H)
    dWh = hs[:, :-1].reshape(N * T, H).T @ da_flat  # (H, H); rows are h_{t-1}
    db = da_flat.sum(axis=0)  # (H,)
    return dx, dh_next, dWx, dWh, db
