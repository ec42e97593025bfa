"""The two published GRU variants and the two update-gate conventions.

The GRU of Cho et al. (2014) applies the reset gate *before* the hidden
matrix product; ``torch.nn.GRU`` (and cuDNN) apply it *after* it. With
batch-first rows, sigma the logistic function, and the course's layout
(``Wx`` (D, 3H), ``Wh`` (H, 3H), ``bx``, ``bh`` (3H,), column blocks r | z | n,
exactly as :mod:`rnn_helpers.numpy_rnn` and ``params_from_torch``)::

    r_t = sigma(x_t Wx_r + bx_r + h_{t-1} Wh_r + bh_r)                 reset gate
    z_t = sigma(x_t Wx_z + bx_z + h_{t-1} Wh_z + bh_z)                 update gate
    n_t = tanh(x_t Wx_n + bx_n + (r_t * h_{t-1}) Wh_n + bh_n)          reset BEFORE (Cho et al. 2014)
    n_t = tanh(x_t Wx_n + bx_n + r_t * (h_{t-1} Wh_n + bh_n))          reset AFTER (torch.nn.GRU)
    h_t = z_t * h_{t-1} + (1 - z_t) * n_t                              z weighs the old state

The reset-after variant lives in :mod:`rnn_helpers.numpy_rnn` (``gru_*``);
this module adds the reset-before variant with the same signatures and the
same parameter layout, so that one set of weights runs through both:

=========================================  ===========================================
gru_cho_step_forward / _step_backward       one step, reset before the product
gru_cho_forward / gru_cho_backward          a whole sequence (BPTT)
gru_step_variant(..., reset, z_weighs)      forward of any of the four combinations
flip_update_gate(Wx, Wh, bx, bh)            parameters for the z <-> 1 - z convention
=========================================  ===========================================

In the reset-before variant ``bx_n`` and ``bh_n`` are simply added, so only
their sum matters (as for all biases of the RNN and the LSTM); in the
reset-after variant ``bh_n`` is multiplied by ``r_t`` and is a parameter of
its own.

The update-gate convention: Cho et al. (2014), PyTorch, Keras and *Dive into
Deep Learning* write ``h_t = z h_{t-1} + (1 - z) n`` (z keeps the old state,
``z_weighs="old"``); Chung et al. (2014) write ``h_t = (1 - z) h_{t-1} + z n``
(``z_weighs="new"``). Because ``sigma(-a) = 1 - sigma(a)``, negating the
update gate's weights and biases turns one into the other exactly:
:func:`flip_update_gate`.

Dtypes, shape checks and caches as in :mod:`rnn_helpers.numpy_rnn`.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

import numpy as np

from rnn_helpers.numpy_rnn._common import cached, check_upstream, get_cache
from rnn_helpers.numpy_rnn._docs import sequence_backward_doc, sequence_forward_doc
from rnn_helpers.numpy_rnn.activations import sigmoid_inplace
from rnn_helpers.numpy_rnn.gru import _check_gru, _gru_step, _gru_step_backward
from rnn_helpers.argcheck import as_float_array, check_shape

# count_parameters lives in rnn_helpers.numpy_rnn.layout; the name stays
# importable from here, where chapter 6 first met it.
from rnn_helpers.numpy_rnn.layout import count_parameters  # noqa: F401

__all__ = [
    "gru_cho_step_forward",
    "gru_cho_step_backward",
    "gru_cho_forward",
    "gru_cho_backward",
    "gru_step_variant",
    "flip_update_gate",
]


# ----------------------------------------------------------------------------
# reset before the product (Cho et al. 2014): one step
# ----------------------------------------------------------------------------


def gru_cho_step_forward(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray,
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """One time step of the GRU of Cho et al. (2014): reset gate before the product.

    n = tanh(x Wx_n + bx_n + (r * prev_h) Wh_n + bh_n), h = z prev_h + (1 - z) n;
    the gates r and z are those of :func:`rnn_helpers.numpy_rnn.gru_step_forward`
    (the same code computes them).

    Inputs:
    - x, prev_h, Wx, Wh, bx, bh: as for ``gru_step_forward``: (N, D), (N, H),
      (D, 3H), (H, 3H), (3H,), (3H,), gate blocks r, z, n.

    Returns a tuple (next_h, cache): the next hidden state (N, H) and what
    :func:`gru_cho_step_backward` needs.
    """
    return _gru_step(x, prev_h, Wx, Wh, bx, bh, reset="before")


def gru_cho_step_backward(dnext_h: np.ndarray, cache: Dict[str, Any]) -> Tuple[np.ndarray, ...]:
    """Backward pass of one step of the reset-before GRU.

    With g = dnext_h and s = r * prev_h:

        dan = g (1 - z)(1 - n^2)               candidate pre-activation
        daz = g (prev_h - n) z (1 - z)
        ds  = dan Wh_n^T
        dar = ds * prev_h * r (1 - r)
        dprev_h = g z + ds * r + [dar, daz] Wh_{r,z}^T

    Inputs:
    - dnext_h: gradient of the loss w.r.t. next_h, of shape (N, H).
    - cache: cache object from :func:`gru_cho_step_forward`.

    Returns a tuple of:
    - dx, dprev_h, dWx, dWh, dbx, dbh: as for
      ``rnn_helpers.numpy_rnn.gru_step_backward``; dbh equals dbx (in this
      variant every hidden bias is simply added to an input bias).
    """
    return _gru_step_backward(dnext_h, cache, reset="before")


# ----------------------------------------------------------------------------
# reset before the product: a whole sequence
# ----------------------------------------------------------------------------


@sequence_forward_doc("gru_cho_step_forward", "gru_cho_backward",
                      "Wx (D, 3H), Wh (H, 3H), bx (3H,), bh (3H,)")
def gru_cho_forward(
    x: np.ndarray, h0: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray,
) -> Tuple[np.ndarray, Dict[str, Any]]:
    """Run the reset-before GRU (Cho et al. 2014) over a whole sequence (batch-first).

    Gives the same numbers as calling :func:`gru_cho_step_forward` step by step;
    the input products of all steps are one matrix product.
    """
    x, h0, Wx, Wh, bx, bh, dtype = _check_gru(x, "h0", h0, Wx, Wh, bx, bh)
    N, T, D = x.shape
    H = Wh.shape[0]
    Wh_rz, Wh_n = Wh[:, : 2 * H], Wh[:, 2 * H :]  # (H, 2H), (H, H)

    # every bias is additive in this variant: fold both into the input projection
    gates = (x.reshape(N * T, D) @ Wx).reshape(N, T, 3, H)  # (N, T, 3, H) blocks r|z|n
    gates += (bx + bh).reshape(3, H)
    hs = np.empty((N, T + 1, H), dtype=dtype)  # hs[:, t + 1] = h_t, hs[:, 0] = h0
    hs[:, 0] = h0
    ss = np.empty((N, T, H), dtype=dtype)  # r_t * h_{t-1}
    with np.errstate(over="ignore", under="ignore"):  # exp(-a) -> inf is fine in the sigmoid
        for t in range(T):
            a = gates[:, t]  # (N, 3, H), becomes r, z, n
            a[:, 0:2] += (hs[:, t] @ Wh_rz).reshape(N, 2, H)
            sigmoid_inplace(a[:, 0:2])  # r, z
            np.multiply(a[:, 0], hs[:, t], out=ss[:, t])  # s = r * h_{t-1}
            a[:, 2] += ss[:, t] @ Wh_n  # reset BEFORE the product
            np.tanh(a[:, 2], out=a[:, 2])  # n
            h_t = hs[:, t + 1]
            np.subtract(hs[:, t], a[:, 2], out=h_t)  # h_t = n + z (h_{t-1} - n)
            h_t *= a[:, 1]
            h_t += a[:, 2]

    h = hs[:, 1:].copy()  # (N, T, H)
    cache = {"kind": "gru_cho_forward", "x": x, "Wx": Wx, "Wh": Wh, "gates": gates, "hs": hs, "ss": ss}
    return h, cache


@sequence_backward_doc("gru_cho_forward", "dWx (D, 3H), dWh (H, 3H), dbx (3H,), dbh (3H,)")
def gru_cho_backward(
    dh: np.ndarray, cache: Dict[str, Any]
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Backpropagation through time for the reset-before GRU.

    With g_t the total gradient of h_t (upstream dh_t plus what flows back
    from step t + 1), the step rule of :func:`gru_cho_step_backward` applies
    at every t, and g_{t-1} = dh_{t-1} + dprev_h. The gradients are those of
    :func:`rnn_helpers.numpy_rnn.gru_backward`; dbh equals dbx.
    """
    cache = get_cache(cache, "gru_cho_forward")
    N, T, H = cache["ss"].shape
    dh, dtype = check_upstream("dh", dh, (N, T, H), "N, T, H", cache["ss"].dtype)
    x, Wx, Wh, gates, hs, ss = (cached(cache, k, dtype) for k in ("x", "Wx", "Wh", "gates", "hs", "ss"))
    D = x.shape[2]
    r, z, n = gates[:, :, 0], gates[:, :, 1], gates[:, :, 2]  # (N, T, H) each
    Wh_rzT, Wh_nT = Wh[:, : 2 * H].T, Wh[:, 2 * H :].T  # (2H, H), (H, H)

    da = np.empty((N, T, 3, H), dtype=dtype)  # gradients of the pre-activations r|z|n
    g_next = np.zeros((N, H), dtype=dtype)  # gradient reaching h_t from step t + 1
    for t in range(T - 1, -1, -1):
        g = dh[:, t] + g_next  # (N, H) total gradient of h_t
        h_prev, r_t, z_t, n_t = hs[:, t], r[:, t], z[:, t], n[:, t]
        dan = g * (1 - z_t) * (1 - n_t * n_t)  # (N, H)
        ds = dan @ Wh_nT  # (N, H)
        da[:, t, 0] = ds * h_prev * r_t * (1 - r_t)  # dar
        da[:, t, 1] = g * (h_prev - n_t) * z_t * (1 - z_t)  # daz
        da[:, t, 2] = dan
        g_next = g * z_t + ds * r_t + da[:, t, 0:2].reshape(N, 2 * H) @ Wh_rzT  # (N, H)

    da_flat = da.reshape(N * T, 3 * H)  # (N*T, 3H)
    dx = (da_flat @ Wx.T).reshape(N, T, D)  # (N, T, D)
    dWx = x.reshape(N * T, D).T @ da_flat  # (D, 3H)
    dWh_rz = hs[:, :-1].reshape(N * T, H).T @ da_flat[:, : 2 * H]  # (H, 2H); rows are h_{t-1}
    dWh_n = ss.reshape(N * T, H).T @ da_flat[:, 2 * H :]  # (H, H); rows are r_t * h_{t-1}
    dWh = np.concatenate([dWh_rz, dWh_n], axis=1)  # (H, 3H)
    db = da_flat.sum(axis=0)  # (3H,)
    return dx, g_next, dWx, dWh, db, db.copy()


# ----------------------------------------------------------------------------
# any of the four combinations (forward only), and the z <-> 1 - z flip
# ----------------------------------------------------------------------------


def gru_step_variant(
    x: np.ndarray, prev_h: np.ndarray, Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray,
    bh: np.ndarray, *, reset: str = "after", z_weighs: str = "old",
) -> np.ndarray:
    """One GRU step in any published combination of reset placement and z convention.

    ``reset="after", z_weighs="old"`` is ``torch.nn.GRU``;
    ``reset="before", z_weighs="old"`` is Cho et al. (2014) and *Dive into Deep
    Learning*; ``reset="before", z_weighs="new"`` is Chung et al. (2014).

    Inputs:
    - x, prev_h, Wx, Wh, bx, bh: as for ``gru_step_forward``: (N, D), (N, H),
      (D, 3H), (H, 3H), (3H,), (3H,), gate blocks r, z, n.
    - reset: "after" (r * (h Wh_n + bh_n)) or "before" ((r * h) Wh_n + bh_n).
    - z_weighs: "old" (h = z h_prev + (1 - z) n) or "new" (h = (1 - z) h_prev + z n).

    Returns:
    - next_h: next hidden state, of shape (N, H).
    """
    return _gru_step(x, prev_h, Wx, Wh, bx, bh, reset=reset, z_weighs=z_weighs)[0]


def flip_update_gate(
    Wx: np.ndarray, Wh: np.ndarray, bx: np.ndarray, bh: np.ndarray
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parameters of the same GRU in the other update-gate convention.

    Negates the z block of both weight matrices and both bias vectors. Since
    sigma(-a) = 1 - sigma(a), the new gate is exactly 1 - z, so a GRU written
    with ``z_weighs="new"`` and the returned parameters computes what the
    original parameters compute with ``z_weighs="old"`` (and vice versa; the
    map is its own inverse). The r and n blocks are untouched.

    Inputs:
    - Wx: input-to-hidden weights, of shape (D, 3H), gate blocks r, z, n.
    - Wh: hidden-to-hidden weights, of shape (H, 3H).
    - bx: input biases, of shape (3H,).
    - bh: hidden biases, of shape (3H,).

    Returns a tuple (new arrays, same shapes and dtypes):
    - Wx, Wh, bx, bh with the z block negated.
    """
    Wh = as_float_array("Wh", Wh, 2, "(H, 3H)")
    H = Wh.shape[0]
    check_shape("Wh", Wh, (H, 3 * H), "H, 3H", f"H = {H} from Wh.shape[0]")
    Wx = as_float_array("Wx", Wx, 2, "(D, 3H)")
    check_shape("Wx", Wx, (None, 3 * H), "D, 3H", f"H = {H} from Wh.shape[0]")
    bx = as_float_array("bx", bx, 1, "(3H,)")
    check_shape("bx", bx, (3 * H,), "(3H,)", f"H = {H} from Wh.shape[0]")
    bh = as_float_array("bh", bh, 1, "(3H,)")
    check_shape("bh", bh, (3 * H,), "(3H,)", f"H = {H} from Wh.shape[0]")
    out = [a.copy() for a in (Wx, Wh, bx, bh)]
    for a in out:
        a[..., H : 2 * H] *= -1  # the z block (columns of Wx, Wh; entries of bx, bh)
    return tuple(out)
