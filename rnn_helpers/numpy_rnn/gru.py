"""GRU in NumPy: forward and backward (BPTT), exactly as ``torch.nn.GRU``.

Equations, for a batch of N rows (batch-first arrays, sigma = logistic);
the reset gate acts AFTER the hidden matrix product (the cuDNN / PyTorch
variant; Cho et al. 2014 apply it before):

    r_t = sigma(x_t Wx_r + bx_r + h_{t-1} Wh_r + bh_r)       reset gate
    z_t = sigma(x_t Wx_z + bx_z + h_{t-1} Wh_z + bh_z)       update gate
    n_t = tanh(x_t Wx_n + bx_n + r_t * (h_{t-1} Wh_n + bh_n))  candidate
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}

``Wx`` (D, 3H) and ``Wh`` (H, 3H) are the transposes of PyTorch's
``weight_ih_l0`` and ``weight_hh_l0``, with column blocks r | z | n;
``bx = bias_ih_l0`` and ``bh = bias_hh_l0`` stay separate because
``bh_n`` sits inside the reset product.

Step functions and sequence functions as in :mod:`rnn_helpers.numpy_rnn`
(dtypes, caches). The step is written once, for both reset placements
(``_gru_step``); :mod:`rnn_helpers.numpy_rnn.gru_variants` builds the
reset-before GRU of Cho et al. (2014) on it.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

from rnn_helpers.argcheck import check_choice
from rnn_helpers.numpy_rnn._common import cached, check_cell_args, check_upstream, get_cache
from rnn_helpers.numpy_rnn._docs import sequence_backward_doc, sequence_forward_doc
from rnn_helpers.numpy_rnn.activations import sigmoid, sigmoid_inplace

__all__ = ["gru_step_forward", "gru_step_backward", "gru_forward", "gru_backward"]


def gru_step_forward(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray,
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """One time step of a GRU (reset gate applied after the hidden product).

    Inputs:
    - x: input data, of shape (N, D).
    - prev_h: previous hidden state, of shape (N, H).
    - Wx: input-to-hidden weights, of shape (D, 3H), gate blocks r, z, n.
    - Wh: hidden-to-hidden weights, of shape (H, 3H).
    - bx: input biases, of shape (3H,).
    - bh: hidden biases, of shape (3H,).

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H).
    - cache: values needed by :func:`gru_step_backward`.
    """
    return _gru_step(x, prev_h, Wx, Wh, bx, bh, reset="after")


def gru_step_backward(
    dnext_h: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of one GRU time step.

    Inputs:
    - dnext_h: gradient of the loss w.r.t. next_h, of shape (N, H).
    - cache: cache object from :func:`gru_step_forward`.

    Returns a tuple of:
    - dx: gradient of input data, of shape (N, D).
    - dprev_h: gradient of previous hidden state, of shape (N, H).
    - dWx: gradient of input-to-hidden weights, of shape (D, 3H).
    - dWh: gradient of hidden-to-hidden weights, of shape (H, 3H).
    - dbx: gradient of input biases, of shape (3H,).
    - dbh: gradient of hidden biases, of shape (3H,).
    """
    return _gru_step_backward(dnext_h, cache, reset="after")


# ----------------------------------------------------------------------------
# the step of both published variants (used by gru_variants and gradient_flow)
# ----------------------------------------------------------------------------

def _check_gru(x, state_name, h, Wx, Wh, bx, bh):
    """check_cell_args for a GRU: x (N, D) with state "prev_h", or (N, T, D)
    with state "h0"; returns x, h, Wx, Wh, bx, bh (validated) and the dtype."""
    x, (h,), Wx, Wh, (bx, bh), dtype = check_cell_args(
        x, [(state_name, h)], Wx, Wh, [("bx", bx), ("bh", bh)], gates=3,
        sequence=state_name == "h0",
    )
    return x, h, Wx, Wh, bx, bh, dtype


# Where the reset gate acts: "after" the hidden product (torch.nn.GRU) or
# "before" it (Cho et al. 2014); which state z weighs: "old" or "new".
_RESETS = ("after", "before")
_Z_WEIGHS = ("old", "new")
_STEP_KIND = {"after": "gru_step_forward", "before": "gru_cho_step_forward"}


def _gru_step(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray, *, reset: str = "after", z_weighs: str = "old",
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """One GRU step in any published combination of reset placement and z convention.

    The gates are the same in every variant; only the candidate n (where
    the reset gate acts) and the blend (which state z weighs) differ::

        r, z = sigma(x Wx_r + h Wh_r + b_r), sigma(x Wx_z + h Wh_z + b_z)
        n = tanh(x Wx_n + bx_n + r * (h Wh_n + bh_n))      reset="after"
        n = tanh(x Wx_n + bx_n + (r * h) Wh_n + bh_n)      reset="before"
        h' = z h + (1 - z) n   (z_weighs="old"),   (1 - z) h + z n   ("new")

    with b_r = bx_r + bh_r, b_z = bx_z + bh_z. :func:`gru_step_forward` is
    ``reset="after"``; ``rnn_helpers.numpy_rnn.gru_variants`` builds the
    reset-before variant and the other z convention on this function.

    Inputs:
    - x, prev_h, Wx, Wh, bx, bh: as for :func:`gru_step_forward`.
    - reset: "after" or "before".
    - z_weighs: "old" or "new".

    Returns a tuple of:
    - next_h: next hidden state, of shape (N, H).
    - cache: values needed by :func:`_gru_step_backward` (z_weighs="old" only).
    """
    check_choice("reset", reset, _RESETS)
    check_choice("z_weighs", z_weighs, _Z_WEIGHS)
    x, prev_h, Wx, Wh, bx, bh, dtype = _check_gru(x, "prev_h", prev_h, Wx, Wh, bx, bh)
    H = Wh.shape[0]
    ax = x @ Wx + bx  # (N, 3H): input parts of all three blocks
    a_rz = ax[:, : 2 * H] + prev_h @ Wh[:, : 2 * H] + bh[: 2 * H]  # (N, 2H)
    r = sigmoid(a_rz[:, :H])  # (N, H) reset gate
    z = sigmoid(a_rz[:, H:])  # (N, H) update gate
    cache = {"kind": _STEP_KIND[reset], "x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh,
             "r": r, "z": z}
    if reset == "after":
        hn = prev_h @ Wh[:, 2 * H :] + bh[2 * H :]  # (N, H) h Wh_n + bh_n
        n = np.tanh(ax[:, 2 * H :] + r * hn)  # (N, H) candidate
        cache["hn"] = hn
    else:
        s = r * prev_h  # (N, H) the reset state, BEFORE the product
        n = np.tanh(ax[:, 2 * H :] + s @ Wh[:, 2 * H :] + bh[2 * H :])  # (N, H) candidate
        cache["s"] = s
    cache["n"] = n
    if z_weighs == "old":
        next_h = (1 - z) * n + z * prev_h  # (N, H)
    else:
        next_h = (1 - z) * prev_h + z * n  # (N, H); no backward for this convention
    return next_h, cache


def _gru_step_backward(
    dnext_h: np.ndarray, cache: Dict[str, Any], *, reset: str = "after"
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`_gru_step` (z_weighs="old") for either reset placement.

    With g = dnext_h, both variants share

        dan = g (1 - z)(1 - n^2)            candidate pre-activation
        daz = g (h - n) z (1 - z)

    and differ in the reset gate's path: after the product, with
    hn = h Wh_n + bh_n, dar = dan hn r (1 - r) and the hidden product sees
    [dar, daz, dan r]; before it, with ds = dan Wh_n^T the gradient of
    s = r h, dar = ds h r (1 - r) and dprev_h gains ds r.

    Inputs:
    - dnext_h: gradient of the loss w.r.t. next_h, of shape (N, H).
    - cache: cache object from :func:`_gru_step` with the same ``reset``.
    - reset: "after" or "before".

    Returns a tuple of:
    - dx, dprev_h, dWx, dWh, dbx, dbh: as for :func:`gru_step_backward`
      (for reset="before", dbh equals dbx: every hidden bias is simply added
      to an input bias).
    """
    check_choice("reset", reset, _RESETS)
    cache = get_cache(cache, _STEP_KIND[reset])
    n = cache["n"]
    dnext_h, dtype = check_upstream("dnext_h", dnext_h, n.shape, "N, H", n.dtype)
    x, prev_h, Wx, Wh, r, z, n = (
        cached(cache, k, dtype) for k in ("x", "prev_h", "Wx", "Wh", "r", "z", "n")
    )
    H = Wh.shape[0]

    dan = dnext_h * (1 - z) * (1 - n * n)  # (N, H) gradient of the candidate's pre-activation
    daz = dnext_h * (prev_h - n) * z * (1 - z)  # (N, H)
    if reset == "after":
        dar = dan * cached(cache, "hn", dtype) * r * (1 - r)  # (N, H)
        dax = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H) of x Wx + bx
        dah = np.concatenate([dar, daz, dan * r], axis=1)  # (N, 3H) of h Wh + bh
        dprev_h = dah @ Wh.T + dnext_h * z  # (N, H)
        dWh = prev_h.T @ dah  # (H, 3H)
        dbh = dah.sum(axis=0)  # (3H,)
    else:
        ds = dan @ Wh[:, 2 * H :].T  # (N, H) gradient of s = r * prev_h
        dar = ds * prev_h * r * (1 - r)  # (N, H)
        dax = np.concatenate([dar, daz, dan], axis=1)  # (N, 3H): every pre-activation
        dprev_h = dnext_h * z + ds * r + dax[:, : 2 * H] @ Wh[:, : 2 * H].T  # (N, H)
        s = cached(cache, "s", dtype)
        dWh = np.concatenate([prev_h.T @ dax[:, : 2 * H], s.T @ dan], axis=1)  # (H, 3H)
        dbh = dax.sum(axis=0)  # (3H,)
    dx = dax @ Wx.T  # (N, D)
    dWx = x.T @ dax  # (D, 3H)
    dbx = dax.sum(axis=0)  # (3H,)
    return dx, dprev_h, dWx, dWh, dbx, dbh


# ----------------------------------------------------------------------------
# a whole sequence (the fast path)
# ----------------------------------------------------------------------------


@sequence_forward_doc("gru_step_forward", "gru_backward", "Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)")
def gru_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray,
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """Run a GRU over a whole sequence (batch-first).

    Equals the output of ``torch.nn.GRU(D, H, batch_first=True)`` when given
    the module's weights via ``params_from_torch``.
    """
    x, h0, Wx, Wh, bx, bh, dtype = _check_gru(x, "h0", h0, Wx, Wh, bx, bh)
    N, T, D = x.shape
    H = Wh.shape[0]
    bh3 = bh.reshape(3, H)

    # input projection of all time steps in one GEMM; the buffer then holds
    # the pre-activations and, after the loop, the gates r, z, n
    gates = (x.reshape(N * T, D) @ Wx).reshape(N, T, 3, H)  # (N, T, 3, H) blocks r|z|n
    gates += bx.reshape(3, H)
    gates[:, :, 0:2] += bh3[0:2]  # bh_r, bh_z simply add; bh_n sits inside r * (...)
    hs = np.empty((N, T + 1, H), dtype=dtype)  # hs[:, t + 1] = h_t, hs[:, 0] = h0
    hs[:, 0] = h0
    hns = np.empty((N, T, H), dtype=dtype)  # h_{t-1} Wh_n + bh_n
    tmp3 = np.empty((N, 3, H), dtype=dtype)
    tmp3_2d = tmp3.reshape(N, 3 * H)  # (N, 3H) view for the GEMM output
    tmp = np.empty((N, H), dtype=dtype)
    with np.errstate(over="ignore", under="ignore"):  # exp(-a) -> inf is fine in the sigmoid
        for t in range(T):
            a = gates[:, t]  # (N, 3, H)
            np.matmul(hs[:, t], Wh, out=tmp3_2d)  # (N, 3H)
            a[:, 0:2] += tmp3[:, 0:2]
            sigmoid_inplace(a[:, 0:2])  # r, z
            hn = hns[:, t]
            np.add(tmp3[:, 2], bh3[2], out=hn)
            np.multiply(a[:, 0], hn, out=tmp)  # r * (h Wh_n + bh_n)
            a[:, 2] += tmp
            np.tanh(a[:, 2], out=a[:, 2])  # n
            h_t = hs[:, t + 1]
            np.subtract(hs[:, t], a[:, 2], out=h_t)  # h_t = n + z * (h_{t-1} - n)
            h_t *= a[:, 1]
            h_t += a[:, 2]

    h = hs[:, 1:].copy()  # (N, T, H)
    cache = {"kind": "gru_forward", "x": x, "Wx": Wx, "Wh": Wh, "gates": gates, "hs": hs,
             "hns": hns}
    return h, cache


@sequence_backward_doc("gru_forward", "dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,)")
def gru_backward(
    dh: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for a GRU.

    With g_t the total gradient of h_t (and hn_t = h_{t-1} Wh_n + bh_n):

        dan_t = g_t (1 - z_t)(1 - n_t^2)          candidate pre-activation
        daz_t = g_t (h_{t-1} - n_t) z_t (1 - z_t)
        dar_t = dan_t hn_t r_t (1 - r_t)
        g_{t-1} = dh_{t-1} + [dar, daz, dan * r]_t Wh^T + g_t z_t
    """
    cache = get_cache(cache, "gru_forward")
    N, T, H = cache["hns"].shape
    dh, dtype = check_upstream("dh", dh, (N, T, H), "N, T, H", cache["hns"].dtype)
    x, Wx, Wh, gates, hs, hns = (
        cached(cache, k, dtype) for k in ("x", "Wx", "Wh", "gates", "hs", "hns")
    )
    D = x.shape[2]
    r, z, n = gates[:, :, 0], gates[:, :, 1], gates[:, :, 2]  # (N, T, H)

    # local factors of the forward pass, for all time steps at once; the
    # blocks of dax first hold the factor that multiplies g_t (z, n) or dan_t (r)
    dax = np.empty((N, T, 3, H), dtype=dtype)  # (N, T, 3, H) grads of x Wx + bx
    np.subtract(1, r, out=dax[:, :, 0])
    dax[:, :, 0] *= r
    dax[:, :, 0] *= hns  # hn r (1 - r)               multiplies dan_t
    np.subtract(1, z, out=dax[:, :, 1])
    dax[:, :, 1] *= z
    kz = np.subtract(hs[:, :-1], n)  # (N, T, H)
    dax[:, :, 1] *= kz  # (h_{t-1} - n) z (1 - z)   multiplies g_t
    np.multiply(n, n, out=dax[:, :, 2])
    np.subtract(1, dax[:, :, 2], out=dax[:, :, 2])
    np.subtract(1, z, out=kz)
    dax[:, :, 2] *= kz  # (1 - z)(1 - n^2)          multiplies g_t
    dah = np.empty((N, T, 3, H), dtype=dtype)  # (N, T, 3, H) grads of h Wh + bh

    WhT = Wh.T  # (3H, H)
    dh_next = np.zeros((N, H), dtype=dtype)  # gradient reaching h_t from step t + 1
    gt = np.empty((N, H), dtype=dtype)
    tmp = np.empty((N, H), dtype=dtype)
    for t in range(T - 1, -1, -1):
        np.add(dh[:, t], dh_next, out=gt)  # g_t
        ax_t, ah_t = dax[:, t], dah[:, t]  # (N, 3, H)
        np.multiply(ax_t[:, 1:3], gt[:, None, :], out=ax_t[:, 1:3])  # daz, dan
        np.multiply(ax_t[:, 0], ax_t[:, 2], out=ax_t[:, 0])  # dar
        np.multiply(ax_t[:, 2], r[:, t], out=ah_t[:, 2])  # dan * r
        ah_t[:, 0:2] = ax_t[:, 0:2]
        np.matmul(ah_t.reshape(N, 3 * H), WhT, out=dh_next)  # (N, H)
        np.multiply(gt, z[:, t], out=tmp)
        dh_next += tmp

    dax_flat = dax.reshape(N * T, 3 * H)  # (N*T, 3H)
    dah_flat = dah.reshape(N * T, 3 * H)  # (N*T, 3H)
    dx = (dax_flat @ Wx.T).reshape(N, T, D)  # (N, T, D)
    dWx = x.reshape(N * T, D).T @ dax_flat  # (D, 3H)
    dWh = hs[:, :-1].reshape(N * T, H).T @ dah_flat  # (H, 3H); rows are h_{t-1}
    dbx = dax_flat.sum(axis=0)  # (3H,)
    dbh = dah_flat.sum(axis=0)  # (3H,)
    return dx, dh_next, dWx, dWh, dbx, dbh
