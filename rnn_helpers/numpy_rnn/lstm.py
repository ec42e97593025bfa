"""LSTM in NumPy: forward and backward (BPTT), PyTorch gate order i, f, g, o.

Equations, for a batch of N rows (batch-first arrays, sigma = logistic):

    a_t = x_t Wx + h_{t-1} Wh + b                      (N, 4H), blocks i|f|g|o
    i_t = sigma(a_i)   f_t = sigma(a_f)   g_t = tanh(a_g)   o_t = sigma(a_o)
    c_t = f_t * c_{t-1} + i_t * g_t                    (N, H)
    h_t = o_t * tanh(c_t)                              (N, H)

``Wx`` (D, 4H) and ``Wh`` (H, 4H) are the transposes of PyTorch's
``weight_ih_l0`` and ``weight_hh_l0``; ``b`` (4H,) is ``bias_ih_l0 +
bias_hh_l0``.  Column block k*H:(k+1)*H of Wx, Wh, b belongs to gate k of
(i, f, g, o), which is the order ``torch.nn.LSTM`` uses.

Step functions and sequence functions as in :mod:`rnn_helpers.numpy_rnn`
(dtypes, caches); the gradient-flow cells of chapter 5 run these steps too.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from rnn_helpers.numpy_rnn._common import cached, check_cell_args, check_upstream, get_cache
from rnn_helpers.numpy_rnn._docs import sequence_backward_doc, sequence_forward_doc
from rnn_helpers.numpy_rnn.activations import sigmoid

__all__ = ["lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward"]


def lstm_step_forward(
    x: np.ndarray, prev_h: np.ndarray, prev_c: np.ndarray, Wx: np.ndarray, Wh: np.ndarray,
    b: np.ndarray,
) -> Tuple[np.ndarray, np.ndarray, Dict[str, Any]]:
    """One time step of an LSTM.

    Inputs:
    - x: input data, of shape (N, D).
    - prev_h: previous hidden state, of shape (N, H).
    - prev_c: previous cell state, of shape (N, H).
    - Wx: input-to-hidden weights, of shape (D, 4H), gate blocks i, f, g, o.
    - Wh: hidden-to-hidden weights, of shape (H, 4H).
    - b: biases, of shape (4H,).

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H).
    - next_c: next cell state, of shape (N, H).
    - cache: values needed by :func:`lstm_step_backward`.
    """
    x, (prev_h, prev_c), Wx, Wh, (b,), dtype = check_cell_args(
        x, [("prev_h", prev_h), ("prev_c", prev_c)], Wx, Wh, [("b", b)], gates=4, sequence=False
    )
    H = Wh.shape[0]
    a = x @ Wx + prev_h @ Wh + b  # (N, 4H)
    i = sigmoid(a[:, 0 * H : 1 * H])  # (N, H) input gate
    f = sigmoid(a[:, 1 * H : 2 * H])  # (N, H) forget gate
    g = np.tanh(a[:, 2 * H : 3 * H])  # (N, H) candidate cell
    o = sigmoid(a[:, 3 * H : 4 * H])  # (N, H) output gate
    next_c = f * prev_c + i * g  # (N, H)
    tanh_c = np.tanh(next_c)  # (N, H)
    next_h = o * tanh_c  # (N, H)
    cache = {"kind": "lstm_step_forward", "x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx,
             "Wh": Wh, "i": i, "f": f, "g": g, "o": o, "tanh_c": tanh_c}
    return next_h, next_c, cache


def lstm_step_backward(
    dnext_h: np.ndarray, dnext_c: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one LSTM time step.

    Inputs:
    - dnext_h: gradient of the loss w.r.t. next_h, of shape (N, H).
    - dnext_c: gradient of the loss w.r.t. next_c, of shape (N, H).
    - cache: cache object from :func:`lstm_step_forward`.

    Returns a tuple of:
    - dx: gradient of input data, of shape (N, D).
    - dprev_h: gradient of previous hidden state, of shape (N, H).
    - dprev_c: gradient of previous cell state, of shape (N, H).
    - dWx: gradient of input-to-hidden weights, of shape (D, 4H).
    - dWh: gradient of hidden-to-hidden weights, of shape (H, 4H).
    - db: gradient of biases, of shape (4H,).
    """
    cache = get_cache(cache, "lstm_step_forward")
    tanh_c = cache["tanh_c"]
    dnext_h, dtype = check_upstream("dnext_h", dnext_h, tanh_c.shape, "N, H", tanh_c.dtype)
    dnext_c, dtype = check_upstream("dnext_c", dnext_c, tanh_c.shape, "N, H", dtype)
    x, prev_h, prev_c, Wx, Wh, i, f, g, o, tanh_c = (
        cached(cache, k, dtype)
        for k in ("x", "prev_h", "prev_c", "Wx", "Wh", "i", "f", "g", "o", "tanh_c")
    )

    do = dnext_h * tanh_c  # (N, H)
    dc = dnext_c + dnext_h * o * (1 - tanh_c * tanh_c)  # (N, H) total gradient of next_c
    di = dc * g  # (N, H)
    df = dc * prev_c  # (N, H)
    dg = dc * i  # (N, H)
    dprev_c = dc * f  # (N, H)
    da = np.concatenate(  # (N, 4H) gradient of the pre-activations, blocks i|f|g|o
        [
            di * i * (1 - i),  # sigma'(a) = sigma(a) (1 - sigma(a))
            df * f * (1 - f),
            dg * (1 - g * g),  # tanh'(a) = 1 - tanh(a)^2
            do * o * (1 - o),
        ],
        axis=1,
    )
    dx = da @ Wx.T  # (N, D)
    dprev_h = da @ Wh.T  # (N, H)
    dWx = x.T @ da  # (D, 4H)
    dWh = prev_h.T @ da  # (H, 4H)
    db = da.sum(axis=0)  # (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db


@sequence_forward_doc("lstm_step_forward", "lstm_backward", "Wx (D, 4H), Wh (H, 4H), b (4H,)",
                      extra="\n    - c0: initial cell state, of shape (N, H); None means zeros.")
def lstm_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray,
    c0: Optional[np.ndarray] = None,
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """Run an LSTM over a whole sequence (batch-first).

    Equals the output of ``torch.nn.LSTM(D, H, batch_first=True)`` (not
    ``(h_n, c_n)``) when given the module's weights via ``params_from_torch``.

    Implementation notes (the step functions show the plain version):

    - the input projection of all T steps is one GEMM (a column of ones
      appended to x carries the bias); the loop only adds ``h_{t-1} Wh``
      (one (N, H) x (H, 4H) GEMM per step);
    - the loop works on time-major buffers, so each step's arrays are
      contiguous;
    - all four gates cost one ``exp`` per step: the columns of Wx, Wh, b are
      scaled by -1 (i, f, o) and -2 (g) -- exact in floating point -- so that
      ``1 / (1 + exp(.))`` gives sigma(a) for i, f, o and sigma(2 a_g) for g,
      and ``tanh(a_g) = 2 sigma(2 a_g) - 1`` (accurate to a few ulp of 1 in
      absolute terms, like the rest of the cell).
    """
    states = [("h0", h0)] if c0 is None else [("h0", h0), ("c0", c0)]
    x, states, Wx, Wh, (b,), dtype = check_cell_args(
        x, states, Wx, Wh, [("b", b)], gates=4, sequence=True
    )
    N, T, D = x.shape
    H = Wh.shape[0]

    scale = np.full(4 * H, -1, dtype=dtype)  # (4H,) exp(-a) for i, f, o ...
    scale[2 * H : 3 * H] = -2  # ... and exp(-2 a) for g
    # time-major inputs with a column of ones, so that the bias rides in the GEMM
    x1 = np.empty((T, N, D + 1), dtype=dtype)  # (T, N, D+1)
    x1[:, :, :D] = x.transpose(1, 0, 2)
    x1[:, :, D] = 1
    x1_flat = x1.reshape(T * N, D + 1)  # (T*N, D+1)
    Wxb = np.empty((D + 1, 4 * H), dtype=dtype)  # (D+1, 4H) = [Wx; b], scaled
    Wxb[:D] = Wx
    Wxb[D] = b
    Wxb *= scale
    # input projection of all time steps in one GEMM; this buffer holds the
    # scaled pre-activations, then the gates i | f | g | o
    s_all = (x1_flat @ Wxb).reshape(T, N, 4 * H)  # (T, N, 4H)
    Wh_s = Wh * scale  # (H, 4H)
    hs = np.empty((T + 1, N, H), dtype=dtype)  # hs[t + 1] = h_t, hs[0] = h0
    cs = np.empty((T + 1, N, H), dtype=dtype)  # cs[t + 1] = c_t, cs[0] = c0
    tcs = np.empty((T, N, H), dtype=dtype)  # tanh(c_t)
    hs[0] = states[0]
    cs[0] = 0 if c0 is None else states[1]
    tmp4 = np.empty((N, 4 * H), dtype=dtype)
    tmp = np.empty((N, H), dtype=dtype)
    with np.errstate(over="ignore", under="ignore"):  # exp -> inf gives the right limit
        for t in range(T):
            s = s_all[t]  # (N, 4H)
            np.matmul(hs[t], Wh_s, out=tmp4)
            s += tmp4
            np.exp(s, out=s)
            s += 1
            np.reciprocal(s, out=s)  # i | f | sigma(2 a_g) | o
            i, f, g, o = s[:, 0:H], s[:, H : 2 * H], s[:, 2 * H : 3 * H], s[:, 3 * H :]
            g *= 2
            g -= 1  # tanh(a_g) = 2 sigma(2 a_g) - 1
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)  # f * c_{t-1}
            np.multiply(i, g, out=tmp)  # i * g
            c += tmp
            np.tanh(c, out=tcs[t])
            np.multiply(o, tcs[t], out=hs[t + 1])  # h_t = o * tanh(c_t)

    h = np.ascontiguousarray(hs[1:].transpose(1, 0, 2))  # (N, T, H)
    cache = {"kind": "lstm_forward", "x1": x1, "Wx": Wx, "Wh": Wh, "s_all": s_all, "hs": hs,
             "cs": cs, "tcs": tcs}
    return h, cache


@sequence_backward_doc("lstm_forward", "dWx (D, 4H), dWh (H, 4H), db (4H,)")
def lstm_backward(
    dh: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for an LSTM.

    With G_t the total gradient of h_t and E_t that of c_t (zero after the
    last step), and da_t that of the pre-activations a_t (blocks i|f|g|o):

        G_t  = dh_t + da_{t+1} Wh^T
        E_t  = G_t o_t (1 - tanh(c_t)^2) + E_{t+1} f_{t+1}
        da_t = [E_t g_t i_t (1 - i_t),  E_t c_{t-1} f_t (1 - f_t),
                E_t i_t (1 - g_t^2),    G_t tanh(c_t) o_t (1 - o_t)]

    The factors that depend only on the forward pass are computed for all
    time steps at once before the loop; the loop does a handful of small
    in-place operations and one (N, 4H) x (4H, H) GEMM per step.  After the
    loop, one GEMM over all time steps gives [dWx; db], one gives dWh and
    one gives dx.
    """
    cache = get_cache(cache, "lstm_forward")
    T, N, H = cache["tcs"].shape
    dh, dtype = check_upstream("dh", dh, (N, T, H), "N, T, H", cache["tcs"].dtype)
    x1, Wx, Wh, s_all, hs, cs, tcs = (
        cached(cache, k, dtype) for k in ("x1", "Wx", "Wh", "s_all", "hs", "cs", "tcs")
    )
    D = x1.shape[2] - 1
    i, f = s_all[:, :, 0:H], s_all[:, :, H : 2 * H]  # (T, N, H)
    g, o = s_all[:, :, 2 * H : 3 * H], s_all[:, :, 3 * H :]  # (T, N, H)
    h = hs[1:]  # (T, N, H)
    dh_tm = dh.transpose(1, 0, 2)  # (T, N, H) view

    # local factors for all time steps at once. Each block of da first holds
    # the factor that the loop multiplies by E_t (i, f, g) or G_t (o).
    da = np.empty((T, N, 4 * H), dtype=dtype)  # (T, N, 4H)
    da_i, da_f = da[:, :, 0:H], da[:, :, H : 2 * H]
    da_g, da_o = da[:, :, 2 * H : 3 * H], da[:, :, 3 * H :]
    np.subtract(1, i, out=da_i)
    da_i *= i
    da_i *= g  # g i (1 - i)
    np.subtract(1, f, out=da_f)
    da_f *= f
    da_f *= cs[:-1]  # c_{t-1} f (1 - f)
    np.multiply(g, g, out=da_g)
    np.subtract(1, da_g, out=da_g)
    da_g *= i  # i (1 - g^2)
    np.subtract(1, o, out=da_o)
    da_o *= h  # tanh(c) o (1 - o) = h (1 - o)
    p = np.multiply(h, tcs)  # (T, N, H)
    np.subtract(o, p, out=p)  # o (1 - tanh(c)^2) = o - h tanh(c)

    WhT = Wh.T  # (4H, H)
    da4 = da.reshape(T, N, 4, H)  # (T, N, 4, H) view, gate blocks on axis 2
    dh_next = np.zeros((N, H), dtype=dtype)  # gradient reaching h_t from step t + 1
    dc_next = np.zeros((N, H), dtype=dtype)  # E_{t+1} * f_{t+1}
    dh_t = np.empty((N, H), dtype=dtype)
    dc_t = np.empty((N, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        np.add(dh_tm[t], dh_next, out=dh_t)  # G_t, total gradient of h_t
        np.multiply(dh_t, p[t], out=dc_t)
        dc_t += dc_next  # E_t, total gradient of c_t
        da_ifg = da4[t, :, 0:3]  # (N, 3, H)
        np.multiply(da_ifg, dc_t[:, None, :], out=da_ifg)  # da_i, da_f, da_g
        da4[t, :, 3] *= dh_t  # da_o
        np.multiply(dc_t, f[t], out=dc_next)
        np.matmul(da[t], WhT, out=dh_next)  # (N, 4H) x (4H, H)

    da_flat = da.reshape(T * N, 4 * H)  # (T*N, 4H)
    dWxb = x1.reshape(T * N, D + 1).T @ da_flat  # (D+1, 4H) = [dWx; db]
    dWx = dWxb[:D]  # (D, 4H)
    db = dWxb[D].copy()  # (4H,)
    dWh = hs[:-1].reshape(T * N, H).T @ da_flat  # (H, 4H); rows are h_{t-1}
    dx = (da_flat @ Wx.T).reshape(T, N, D)  # (T, N, D)
    dx = np.ascontiguousarray(dx.transpose(1, 0, 2))  # (N, T, D)
    return dx, dh_next, dWx, dWh, db
