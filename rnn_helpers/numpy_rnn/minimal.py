"""minGRU and minLSTM (Feng et al. 2024) in NumPy: sequentially and by a scan.

Drop h_{t-1} from the gates and the candidate of a GRU or an LSTM, and the
recurrence becomes linear in the state, h_t = a_t * h_{t-1} + b_t, with
coefficients computed from the inputs alone. Then the whole sequence of
coefficients is computed at once and the states follow from a parallel scan
(:mod:`rnn_helpers.numpy_rnn.scan`).

minGRU (blocks z | h~ in the columns of Wx)::

    z_t  = sigmoid(x_t Wx_z + b_z)                 update gate     (N, H)
    h~_t = x_t Wx_h + b_h                          candidate       (N, H)
    h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t        a_t = 1 - z_t, b_t = z_t * h~_t

minLSTM (blocks f | i | h~)::

    f_t  = sigmoid(x_t Wx_f + b_f),  i_t = sigmoid(x_t Wx_i + b_i)
    f'_t = f_t / (f_t + i_t),        i'_t = i_t / (f_t + i_t)
    h~_t = x_t Wx_h + b_h
    h_t  = f'_t * h_{t-1} + i'_t * h~_t            a_t = f'_t, b_t = i'_t * h~_t

Here z weighs the *candidate*, as in Feng et al. (the opposite of
``torch.nn.GRU``, where z weighs the old state), and the candidate has no
tanh. Letters: N batch, T time, D input, H hidden. Layout as in the rest of
the package: ``x @ Wx + b``.

====================================  ===================================
mingru_step_forward(x, h, Wx, b)      one step, (N, D) -> (N, H)
mingru_coefficients(x, Wx, b)         a, b of every step, (N, T, H) each
mingru_forward(x, h0, Wx, b, mode)    all states, "sequential" or "scan"
minlstm_...                           the same for the minLSTM
count_parameters(cell, D, H)          2H(D + 1) or 3H(D + 1)
====================================  ===================================
"""

from __future__ import annotations

from typing import Any, Callable, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_shape, common_float_dtype
from rnn_helpers.numpy_rnn._docs import doc_section
from rnn_helpers.numpy_rnn.activations import sigmoid
from rnn_helpers.numpy_rnn.scan import (
    linear_recurrence,
    linear_recurrence_blelloch,
    linear_recurrence_scan,
)

__all__ = [
    "MODES",
    "mingru_step_forward",
    "mingru_coefficients",
    "mingru_forward",
    "minlstm_step_forward",
    "minlstm_coefficients",
    "minlstm_forward",
    "count_parameters",
]

#: How :func:`mingru_forward` / :func:`minlstm_forward` compute the states.
MODES = ("sequential", "loop", "scan", "blelloch")

_BLOCKS = {"mingru": 2, "minlstm": 3}


#: The Inputs/Returns of the step functions (k blocks of H columns in Wx).
_STEP_DOC = """
    Inputs:
    - x: input of this step, array of shape (N, D)
    - prev_h: previous state, array of shape (N, H)
    - Wx: input weights, array of shape (D, {k}H), column blocks {blocks}
    - b: biases, array of shape ({k}H,)

    Returns:
    - next_h: array of shape (N, H)
"""


def _check_params(x: Any, Wx: Any, b: Any, blocks: int, x_ndim: int):
    """Validate x (N, [T,] D), Wx (D, kH), b (kH,); return them in one dtype and H."""
    hint = "(N, T, D)" if x_ndim == 3 else "(N, D)"
    x = as_float_array("x", x, x_ndim, hint)
    D = x.shape[-1]
    Wx = as_float_array("Wx", Wx, 2, f"(D, {blocks}H)")
    if Wx.shape[1] % blocks or Wx.shape[1] == 0:
        raise ValueError(
            f"Wx: expected shape (D, {blocks}H) with {blocks} blocks of H columns, got {Wx.shape}"
        )
    H = Wx.shape[1] // blocks
    check_shape("Wx", Wx, (D, blocks * H), f"D, {blocks}H", context="D from x.shape[-1]")
    b = as_float_array("b", b, 1, f"({blocks}H,)")
    check_shape("b", b, (blocks * H,), f"({blocks}H,)", context=f"H = {H} from Wx")
    dtype = common_float_dtype(x, Wx, b)
    return x.astype(dtype, copy=False), Wx.astype(dtype, copy=False), b.astype(dtype, copy=False), H


def _check_h(name: str, h: Any, N: int, H: int, dtype) -> np.ndarray:
    h = as_float_array(name, h, 2, "(N, H)")
    check_shape(name, h, (N, H), "N, H", context="N from x, H from Wx")
    return h.astype(np.result_type(h, dtype), copy=False)


def _step_preactivations(x: Any, prev_h: Any, Wx: Any, b: Any, blocks: int):
    """Validate one step's arguments; return prev_h, x Wx + b of shape (N, blocks H), and H."""
    x, Wx, b, H = _check_params(x, Wx, b, blocks, 2)
    prev_h = _check_h("prev_h", prev_h, x.shape[0], H, x.dtype)
    return prev_h, x @ Wx + b, H


def mingru_coefficients(x: Any, Wx: Any, b: Any) -> Tuple[np.ndarray, np.ndarray]:
    """The minGRU's recurrence coefficients for every step (no state needed).

    Inputs:
    - x: inputs, array of shape (N, T, D) (or (N, D) for one step)
    - Wx: input weights, array of shape (D, 2H), column blocks z | h~
    - b: biases, array of shape (2H,)

    Returns a tuple of:
    - a: 1 - z_t, array of shape (N, T, H) (or (N, H))
    - b_t: z_t * h~_t, array of the same shape
    """
    x, Wx, b, H = _check_params(x, Wx, b, 2, np.ndim(x) if np.ndim(x) in (2, 3) else 3)
    pre = x @ Wx + b  # (N, T, 2H)
    z = sigmoid(pre[..., :H])  # (N, T, H) update gate
    cand = pre[..., H:]  # (N, T, H) candidate h~, no tanh
    return 1 - z, z * cand


@doc_section(_STEP_DOC.format(k=2, blocks="z | h~"))
def mingru_step_forward(x: Any, prev_h: Any, Wx: Any, b: Any) -> np.ndarray:
    """One minGRU step: h_t = (1 - z_t) * h_{t-1} + z_t * h~_t."""
    prev_h, pre, H = _step_preactivations(x, prev_h, Wx, b, 2)  # pre (N, 2H)
    z = sigmoid(pre[:, :H])  # (N, H)
    return (1 - z) * prev_h + z * pre[:, H:]


def minlstm_coefficients(x: Any, Wx: Any, b: Any) -> Tuple[np.ndarray, np.ndarray]:
    """The minLSTM's recurrence coefficients for every step (no state needed).

    Inputs:
    - x: inputs, array of shape (N, T, D) (or (N, D) for one step)
    - Wx: input weights, array of shape (D, 3H), column blocks f | i | h~
    - b: biases, array of shape (3H,)

    Returns a tuple of:
    - a: f'_t = f_t / (f_t + i_t), array of shape (N, T, H) (or (N, H))
    - b_t: i'_t * h~_t with i'_t = i_t / (f_t + i_t), array of the same shape
    """
    x, Wx, b, H = _check_params(x, Wx, b, 3, np.ndim(x) if np.ndim(x) in (2, 3) else 3)
    pre = x @ Wx + b  # (N, T, 3H)
    f = sigmoid(pre[..., :H])  # (N, T, H) forget gate
    i = sigmoid(pre[..., H:2 * H])  # (N, T, H) input gate
    cand = pre[..., 2 * H:]  # (N, T, H) candidate, no tanh
    total = f + i  # (N, T, H), in (0, 2)
    return f / total, (i / total) * cand


@doc_section(_STEP_DOC.format(k=3, blocks="f | i | h~"))
def minlstm_step_forward(x: Any, prev_h: Any, Wx: Any, b: Any) -> np.ndarray:
    """One minLSTM step: h_t = f'_t * h_{t-1} + i'_t * h~_t with normalised gates."""
    prev_h, pre, H = _step_preactivations(x, prev_h, Wx, b, 3)  # pre (N, 3H)
    f = sigmoid(pre[:, :H])  # (N, H)
    i = sigmoid(pre[:, H:2 * H])  # (N, H)
    return (f * prev_h + i * pre[:, 2 * H:]) / (f + i)


_SCANS = {"loop": linear_recurrence, "scan": linear_recurrence_scan,
          "blelloch": linear_recurrence_blelloch}


def _forward(step: Callable, coefficients: Callable, blocks: int,
             x: Any, h0: Any, Wx: Any, b: Any, mode: str) -> np.ndarray:
    if mode not in MODES:
        raise ValueError(f"mode: expected one of {MODES}, got {mode!r}")
    x, Wx, b, H = _check_params(x, Wx, b, blocks, 3)
    N, T, _ = x.shape
    if T < 1:
        raise ValueError(f"x: expected at least one time step (T >= 1), got shape {x.shape}")
    h0 = _check_h("h0", h0, N, H, x.dtype)
    if mode == "sequential":  # the cell as an RNN: one step after another
        h = np.empty((N, T, H), dtype=np.result_type(x, h0))
        prev = h0
        for t in range(T):
            prev = step(x[:, t], prev, Wx, b)  # (N, H)
            h[:, t] = prev
        return h
    a, bt = coefficients(x, Wx, b)  # (N, T, H) each, all steps at once
    return _SCANS[mode](a, bt, h0)


def mingru_forward(x: Any, h0: Any, Wx: Any, b: Any, mode: str = "scan") -> np.ndarray:
    """All states of a minGRU layer.

    Inputs:
    - x: inputs, array of shape (N, T, D)
    - h0: initial state, array of shape (N, H)
    - Wx: input weights, array of shape (D, 2H), column blocks z | h~
    - b: biases, array of shape (2H,)
    - mode: "sequential" (one :func:`mingru_step_forward` per step), "loop"
      (coefficients at once, then the loop of the linear recurrence), "scan"
      (coefficients at once, then the Hillis-Steele scan) or "blelloch"

    Returns:
    - h: states h_1..h_T, array of shape (N, T, H); every mode gives the same
      values up to rounding
    """
    return _forward(mingru_step_forward, mingru_coefficients, 2, x, h0, Wx, b, mode)


def minlstm_forward(x: Any, h0: Any, Wx: Any, b: Any, mode: str = "scan") -> np.ndarray:
    """All states of a minLSTM layer.

    Inputs:
    - x: inputs, array of shape (N, T, D)
    - h0: initial state, array of shape (N, H)
    - Wx: input weights, array of shape (D, 3H), column blocks f | i | h~
    - b: biases, array of shape (3H,)
    - mode: "sequential", "loop", "scan" or "blelloch" (see :func:`mingru_forward`)

    Returns:
    - h: states h_1..h_T, array of shape (N, T, H)
    """
    return _forward(minlstm_step_forward, minlstm_coefficients, 3, x, h0, Wx, b, mode)


def count_parameters(cell: str, D: int, H: int) -> int:
    """Trainable parameters of one minimal layer: blocks * H * (D + 1).

    Inputs:
    - cell: "mingru" (2 blocks: z, h~) or "minlstm" (3 blocks: f, i, h~)
    - D, H: input and hidden sizes, positive integers

    Returns:
    - n: integer, the entries of Wx (D, kH) and b (kH,)
    """
    if cell not in _BLOCKS:
        raise ValueError(f"cell: expected 'mingru' or 'minlstm', got {cell!r}")
    for name, v in (("D", D), ("H", H)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")
    return int(_BLOCKS[cell] * H * (D + 1))
