"""Stacked (multi-layer) and bidirectional RNN, LSTM and GRU in NumPy.

A stack of L layers feeds the hidden states of layer l, at every time step,
as the input sequence of layer l + 1.  A bidirectional layer runs two
independent cells over the same input, one forward in time and one on the
time-flipped input, and concatenates their states at each step:

    out_t^(l) = [h_t^(l, fwd) | h_t^(l, rev)]            (N, 2H)

so layer l + 1 reads input of width 2H, and the top layer's ``out`` is
(N, T, 2H).  The reverse cell's state at (original) time t has seen
x_t, ..., x_{T-1}: the future.  That is why a bidirectional network can
label or encode a given sequence but cannot generate one step by step.

This module adds no new cell: each layer and direction is one call of the
sequence functions :func:`rnn_forward` / :func:`gru_forward` (and their
backward), or, for the LSTM, a time loop over :func:`lstm_step_forward` /
:func:`lstm_step_backward`, because :func:`lstm_backward` neither accepts an
upstream gradient of the last cell state c_T nor returns that of c0, and
both are needed here (``dc_n`` in, ``dc0`` out).  The reverse direction is
the same function applied to ``x[:, ::-1]``; its outputs are flipped back.

Parameters come as a list with one tuple per layer and direction, in
PyTorch's order l0, l0_reverse, l1, l1_reverse, ... (see
:func:`deep_params_from_torch`), each tuple in the single-layer layout:

    "rnn":  (Wx, Wh, b)        Wx (D_l, H),  Wh (H, H),  b (H,)
    "lstm": (Wx, Wh, b)        Wx (D_l, 4H), Wh (H, 4H), b (4H,), gates i,f,g,o
    "gru":  (Wx, Wh, bx, bh)   Wx (D_l, 3H), Wh (H, 3H), bx, bh (3H,), r,z,n

with D_0 = D and D_l = dirs * H for l >= 1 (dirs = 2 if bidirectional,
else 1).  States have PyTorch's layout (L * dirs, N, H), row l * dirs + d
belonging to layer l, direction d (0 forward, 1 reverse).  With these
weights, ``deep_forward`` equals ``torch.nn.RNN/LSTM/GRU(...,
batch_first=True)`` in evaluation mode (no dropout between layers here).

Dtypes: float32 or float64; mixed inputs run in their NumPy result type.
Wrong shapes raise ValueError naming the argument and the expected shape.

Why one module of over 400 lines: forward, backward and the parameter layout
of stacks and directions share one cache format and one set of argument
checks; half of the length is the checks and their messages.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from rnn_helpers.argcheck import (
    as_float_array,
    check_bool,
    check_choice,
    check_shape,
    common_float_dtype,
    format_shape,
)
from rnn_helpers.numpy_rnn.gru import gru_backward, gru_forward
from rnn_helpers.numpy_rnn.lstm import lstm_step_backward, lstm_step_forward
from rnn_helpers.numpy_rnn.rnn import rnn_backward, rnn_forward

__all__ = ["deep_forward", "deep_backward", "deep_params_from_torch"]

CELLS = ("rnn", "lstm", "gru")
#: gate blocks per cell (columns of Wx are gates * H)
_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
#: names of the arrays in one parameter tuple
_NAMES = {
    "rnn": ("Wx", "Wh", "b"),
    "lstm": ("Wx", "Wh", "b"),
    "gru": ("Wx", "Wh", "bx", "bh"),
}

Params = Tuple[np.ndarray, ...]


# ----------------------------------------------------------------------------
# one layer, one direction (in its own time order)
# ----------------------------------------------------------------------------


def _run_forward(
    cell: str,
    x: np.ndarray,
    h0: np.ndarray,
    c0: Optional[np.ndarray],
    p: Params,
) -> Tuple[np.ndarray, Optional[np.ndarray], Any]:
    """One cell over one sequence, in the sequence's own time order.

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - x: input, of shape (N, T, D_l) (already time-flipped for a reverse run).
    - h0: initial hidden state, of shape (N, H).
    - c0: initial cell state, of shape (N, H) (LSTM only, else None).
    - p: the parameter tuple of this layer and direction.

    Returns a tuple of:
    - h: hidden states, of shape (N, T, H).
    - c_last: last cell state c_{T-1}, of shape (N, H) (LSTM), else None.
    - cache: what :func:`_run_backward` needs.
    """
    if cell == "rnn":
        h, cache = rnn_forward(x, h0, *p)  # (N, T, H)
        return h, None, cache
    if cell == "gru":
        h, cache = gru_forward(x, h0, *p)  # (N, T, H)
        return h, None, cache
    T = x.shape[1]
    hs = []
    steps = []
    h, c = h0, c0  # (N, H), (N, H)
    for t in range(T):
        h, c, step_cache = lstm_step_forward(x[:, t], h, c, *p)  # (N, H) x2
        hs.append(h)
        steps.append(step_cache)
    return np.stack(hs, axis=1), c, steps  # (N, T, H)


def _run_backward(
    cell: str,
    dh: np.ndarray,
    dc_last: Optional[np.ndarray],
    cache: Any,
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], Params]:
    """Backward pass of :func:`_run_forward`.

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - dh: upstream gradients of all hidden states, of shape (N, T, H) (in
      the run's own time order; that of h_n already added at the last step).
    - dc_last: upstream gradient of the last cell state, of shape (N, H),
      or None for zeros (LSTM only).
    - cache: the cache from :func:`_run_forward`.

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, T, D_l).
    - dh0: gradient of the initial hidden state, of shape (N, H).
    - dc0: gradient of the initial cell state, of shape (N, H) (LSTM),
      else None.
    - dp: gradients of the parameter tuple, same shapes as the tuple.
    """
    if cell == "rnn":
        dx, dh0, *dp = rnn_backward(dh, cache)
        return dx, dh0, None, tuple(dp)
    if cell == "gru":
        dx, dh0, *dp = gru_backward(dh, cache)
        return dx, dh0, None, tuple(dp)
    N, T, H = dh.shape
    dh_next = np.zeros((N, H), dtype=dh.dtype)  # reaches h_t from step t + 1
    dc = np.zeros((N, H), dtype=dh.dtype) if dc_last is None else dc_last
    dxs: List[np.ndarray] = [None] * T  # type: ignore[list-item]
    dp_sum: Optional[List[np.ndarray]] = None
    for t in range(T - 1, -1, -1):
        dx_t, dh_next, dc, *dp = lstm_step_backward(
            dh[:, t] + dh_next, dc, cache[t]
        )  # (N, D_l), (N, H), (N, H), dWx, dWh, db
        dxs[t] = dx_t
        if dp_sum is None:
            dp_sum = [g.copy() for g in dp]
        else:
            for acc, g in zip(dp_sum, dp):
                acc += g
    return np.stack(dxs, axis=1), dh_next, dc, tuple(dp_sum)  # (N, T, D_l)


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------


def _direction_name(k: int, dirs: int) -> str:
    """``"layer 1, reverse"`` for the k-th tuple of the parameter list."""
    layer, d = divmod(k, dirs)
    return f"layer {layer}" + (", reverse" if d else "")


def _check_params(
    cell: str, params: Any, dirs: int, D: int
) -> Tuple[List[List[np.ndarray]], int, int]:
    """Validate the parameter list; return it as arrays, L and H."""
    names = _NAMES[cell]
    if (
        isinstance(params, tuple)
        and len(params) == len(names)
        and all(isinstance(p, np.ndarray) for p in params)
    ):
        params = [params]  # one bare tuple: a single layer, one direction
    if not isinstance(params, (list, tuple)) or len(params) == 0:
        raise ValueError(
            "params: expected a non-empty list of parameter tuples, one per "
            "layer and direction (torch's order l0, l0_reverse, l1, ...), "
            f"got {type(params).__name__}"
            + (" of length 0" if isinstance(params, (list, tuple)) else "")
        )
    if len(params) % dirs:
        raise ValueError(
            f"params: expected layers*2 tuples for bidirectional=True "
            f"(l0, l0_reverse, l1, l1_reverse, ...), got {len(params)}, "
            "an odd number"
        )
    L = len(params) // dirs
    G = _GATES[cell]
    kH = "H" if G == 1 else f"{G}H"
    wanted = "(" + ", ".join(names) + ")"
    out = []
    H = None
    for k, p in enumerate(params):
        where = _direction_name(k, dirs)
        if not isinstance(p, (list, tuple)) or len(p) != len(names):
            got = (
                f"{len(p)} arrays"
                if isinstance(p, (list, tuple))
                else type(p).__name__
            )
            raise ValueError(
                f"params[{k}]: expected a tuple {wanted} for cell {cell!r} "
                f"({where}), got {got}"
            )
        arrays = []
        for j, (name, a) in enumerate(zip(names, p)):
            label = f"params[{k}][{j}] ({name} of {where})"
            if name == "Wx":
                a = as_float_array(label, a, 2, f"(D_l, {kH})")
            elif name == "Wh":
                a = as_float_array(label, a, 2, f"(H, {kH})")
            else:
                a = as_float_array(label, a, 1, f"({kH},)")
            arrays.append(a)
        if H is None:
            H = arrays[1].shape[0]
        ctx = f"H = {H} from params[0][1].shape[0]"
        layer = k // dirs
        d_in, d_let = (D, "D") if layer == 0 else (dirs * H, f"{dirs}H")
        if dirs == 1 and layer > 0:
            d_let = "H"
        x_ctx = (
            f"D = {D} from x.shape[-1], {ctx}"
            if layer == 0
            else f"input of layer {layer} = {dirs} direction(s) x H, {ctx}"
        )
        check_shape(
            f"params[{k}][0] (Wx of {where})",
            arrays[0],
            (d_in, G * H),
            f"{d_let}, {kH}",
            x_ctx,
        )
        check_shape(
            f"params[{k}][1] (Wh of {where})",
            arrays[1],
            (H, G * H),
            f"H, {kH}",
            ctx,
        )
        for j in range(2, len(names)):
            check_shape(
                f"params[{k}][{j}] ({names[j]} of {where})",
                arrays[j],
                (G * H,),
                f"({kH},)",
                ctx,
            )
        out.append(arrays)
    return out, L, int(H)


def _check_state(
    name: str, s: Any, shape: Tuple[int, int, int], ctx: str
) -> np.ndarray:
    """A state or state gradient of shape (layers*dirs, N, H)."""
    s = as_float_array(name, s, 3, "(layers*dirs, N, H)")
    check_shape(name, s, shape, "layers*dirs, N, H", ctx)
    return s


# ----------------------------------------------------------------------------
# public functions
# ----------------------------------------------------------------------------


def deep_forward(
    cell: str,
    x: np.ndarray,
    h0: Optional[np.ndarray],
    params: Sequence[Params],
    bidirectional: bool = False,
    c0: Optional[np.ndarray] = None,
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], Dict[str, Any]]:
    """Run a stacked, optionally bidirectional RNN/LSTM/GRU (batch-first).

    The number of layers is L = len(params) / dirs, with dirs = 2 if
    ``bidirectional`` else 1.  Equals ``torch.nn.RNN/LSTM/GRU(D, H,
    num_layers=L, bidirectional=..., batch_first=True)`` given the module's
    weights from :func:`deep_params_from_torch`.

    Inputs:
    - cell: "rnn" (tanh), "lstm" or "gru".
    - x: input data, of shape (N, T, D).
    - h0: initial hidden states, of shape (L * dirs, N, H); None means zeros.
    - params: list of L * dirs parameter tuples, torch's order l0,
      l0_reverse, l1, ...; tuple k holds (Wx, Wh, b) for "rnn"/"lstm" or
      (Wx, Wh, bx, bh) for "gru", with Wx of shape (D, gates*H) in layer 0
      and (dirs*H, gates*H) above, Wh (H, gates*H), biases (gates*H,).  A
      bare tuple is read as a one-element list (one layer, one direction).
    - bidirectional: True to add a reverse-time cell to every layer.
    - c0: initial cell states, of shape (L * dirs, N, H), LSTM only; None
      means zeros.

    Returns a tuple of:
    - out: hidden states of the top layer, of shape (N, T, dirs * H);
      out[:, t, :H] is the forward state at t, out[:, t, H:] the reverse
      state at t (which has read x_t ... x_{T-1}).
    - h_n: last hidden state of every layer and direction, of shape
      (L * dirs, N, H) (for the reverse direction: its state at t = 0).
    - c_n: last cell states, of shape (L * dirs, N, H), for "lstm"; None
      for "rnn" and "gru".
    - cache: values needed by :func:`deep_backward`.
    """
    cell = check_choice("cell", cell, CELLS)
    bidirectional = check_bool("bidirectional", bidirectional)
    dirs = 2 if bidirectional else 1
    x = as_float_array("x", x, 3, "(N, T, D)")
    N, T, D = x.shape
    if N < 1 or T < 1:
        raise ValueError(
            f"x: expected shape (N, T, D) with N >= 1 and T >= 1, "
            f"got {format_shape(x.shape)}"
        )
    plist, L, H = _check_params(cell, params, dirs, D)
    ctx = (
        f"layers*dirs = {L * dirs} from len(params) and "
        f"bidirectional={bidirectional}, N = {N} from x.shape[0], "
        f"H = {H} from params[0][1].shape[0]"
    )
    state_shape = (L * dirs, N, H)
    if h0 is not None:
        h0 = _check_state("h0", h0, state_shape, ctx)
    if c0 is not None:
        if cell != "lstm":
            raise ValueError(
                f"c0: expected None for cell {cell!r} (only the LSTM has a "
                f"cell state), got {type(c0).__name__}"
            )
        c0 = _check_state("c0", c0, state_shape, ctx)
    flat = [a for p in plist for a in p]
    dtype = common_float_dtype(x, h0, c0, *flat)
    x = x.astype(dtype, copy=False)
    plist = [tuple(a.astype(dtype, copy=False) for a in p) for p in plist]
    if h0 is None:
        h0 = np.zeros(state_shape, dtype=dtype)  # (L*dirs, N, H)
    h0 = h0.astype(dtype, copy=False)
    if cell == "lstm":
        if c0 is None:
            c0 = np.zeros(state_shape, dtype=dtype)  # (L*dirs, N, H)
        c0 = c0.astype(dtype, copy=False)

    h_n = np.empty(state_shape, dtype=dtype)  # (L*dirs, N, H)
    c_n = np.empty(state_shape, dtype=dtype) if cell == "lstm" else None
    runs = []
    layer_in = x  # (N, T, D_l)
    for layer in range(L):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            xs = layer_in if d == 0 else layer_in[:, ::-1]  # (N, T, D_l)
            h, c_last, run_cache = _run_forward(
                cell, xs, h0[k], None if c0 is None else c0[k], plist[k]
            )  # (N, T, H), (N, H) or None
            h_n[k] = h[:, -1]  # last step of this run's own time
            if c_n is not None:
                c_n[k] = c_last
            outs.append(h if d == 0 else h[:, ::-1])  # back to input time
            runs.append(run_cache)
        layer_in = outs[0] if dirs == 1 else np.concatenate(outs, axis=2)
        # layer_in: (N, T, dirs*H), the next layer's input
    out = np.ascontiguousarray(layer_in)  # (N, T, dirs*H)
    cache = {
        "kind": "deep_forward",
        "cell": cell,
        "layers": L,
        "dirs": dirs,
        "shape": (N, T, H),
        "dtype": dtype,
        "runs": runs,
    }
    return out, h_n, c_n, cache


def deep_backward(
    dout: np.ndarray,
    cache: Dict[str, Any],
    dh_n: Optional[np.ndarray] = None,
    dc_n: Optional[np.ndarray] = None,
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], List[Params]]:
    """Backpropagation through time through layers and directions.

    Layer by layer from the top: the gradient of a layer's output is split
    into its directions, the reverse half is time-flipped, each run's
    backward gives the gradient of its input, and the directions' input
    gradients add up to the gradient of the layer below's output.

    Inputs:
    - dout: upstream gradient of ``out``, of shape (N, T, dirs * H).
    - cache: the cache returned by :func:`deep_forward`.
    - dh_n: upstream gradient of ``h_n``, of shape (L * dirs, N, H), or
      None for zeros.
    - dc_n: upstream gradient of ``c_n``, of shape (L * dirs, N, H), or
      None for zeros; must be None for "rnn" and "gru".

    Returns a tuple of:
    - dx: gradient of the input, of shape (N, T, D).
    - dh0: gradient of the initial hidden states, of shape (L * dirs, N, H).
    - dc0: gradient of the initial cell states, of shape (L * dirs, N, H),
      for "lstm"; None for "rnn" and "gru".
    - dparams: list of gradient tuples parallel to ``params`` (one per layer
      and direction, each array of the shape of the parameter).
    """
    if not isinstance(cache, dict) or cache.get("kind") != "deep_forward":
        got = cache.get("kind") if isinstance(cache, dict) else type(cache).__name__
        raise ValueError(
            f"cache: expected the cache returned by deep_forward, got {got!r}"
        )
    cell, L, dirs = cache["cell"], cache["layers"], cache["dirs"]
    N, T, H = cache["shape"]
    ctx = "the shape of the forward output"
    dout = as_float_array("dout", dout, 3, "(N, T, dirs*H)")
    check_shape("dout", dout, (N, T, dirs * H), "N, T, dirs*H", ctx)
    state_shape = (L * dirs, N, H)
    if dh_n is not None:
        dh_n = _check_state("dh_n", dh_n, state_shape, "the shape of h_n")
    if dc_n is not None:
        if cell != "lstm":
            raise ValueError(
                f"dc_n: expected None for cell {cell!r} (c_n is None: only "
                f"the LSTM has a cell state), got {type(dc_n).__name__}"
            )
        dc_n = _check_state("dc_n", dc_n, state_shape, "the shape of c_n")
    dtype = common_float_dtype(
        np.empty(0, dtype=cache["dtype"]), dout, dh_n, dc_n
    )

    dh0 = np.empty(state_shape, dtype=dtype)  # (L*dirs, N, H)
    dc0 = np.empty(state_shape, dtype=dtype) if cell == "lstm" else None
    dparams: List[Params] = [()] * (L * dirs)
    d_above = dout.astype(dtype, copy=False)  # (N, T, dirs*H), this layer's
    for layer in range(L - 1, -1, -1):
        d_in = None  # (N, T, D_l), gradient of this layer's input
        for d in range(dirs):
            k = layer * dirs + d
            dh = d_above[:, :, d * H : (d + 1) * H]  # (N, T, H)
            if d == 1:
                dh = dh[:, ::-1]  # into the reverse run's time order
            dh = np.array(dh, dtype=dtype)  # a copy: h_n's gradient is added
            if dh_n is not None:
                dh[:, -1] += dh_n[k]  # h_n[k] is the run's last state
            dc_last = None if dc_n is None else dc_n[k].astype(dtype)
            dx_run, dh0[k], dc0_k, dparams[k] = _run_backward(
                cell, dh, dc_last, cache["runs"][k]
            )  # (N, T, D_l), (N, H), (N, H) or None, tuple
            if dc0 is not None:
                dc0[k] = dc0_k
            if d == 1:
                dx_run = dx_run[:, ::-1]  # back to input time
            d_in = dx_run if d_in is None else d_in + dx_run
        d_above = d_in
    dx = np.ascontiguousarray(d_above)  # (N, T, D)
    return dx, dh0, dc0, dparams


# ----------------------------------------------------------------------------
# weights from torch
# ----------------------------------------------------------------------------


def _to_numpy(t: Any) -> np.ndarray:
    """A detached, contiguous NumPy copy of a tensor (never shares memory)."""
    return np.ascontiguousarray(t.detach().cpu().numpy()).copy()


def deep_params_from_torch(module: Any) -> List[Params]:
    """Parameter list of a (multi-layer, bidirectional) ``torch.nn`` module.

    Works for any ``nn.RNN`` (tanh), ``nn.LSTM`` (without projection) or
    ``nn.GRU``, with any ``num_layers`` and ``bidirectional``; a
    single-layer unidirectional module gives a list of one tuple.
    ``bias=False`` modules get zero biases.  Dropout between layers is not
    a weight: ``deep_forward`` equals the module in evaluation mode.

    Inputs:
    - module: torch.nn.RNN / LSTM / GRU of dtype float32 or float64, with D
      input features, H hidden units, L layers, dirs directions.

    Returns:
    - params: list of L * dirs tuples in torch's order l0, l0_reverse, l1,
      l1_reverse, ...; tuple k = l * dirs + d holds NumPy copies in the
      module's dtype:
      RNN/LSTM: (Wx, Wh, b), Wx = weight_ih_l{l}{sfx}.T of shape
      (D_l, gates*H), Wh = weight_hh_l{l}{sfx}.T of shape (H, gates*H),
      b = bias_ih_l{l}{sfx} + bias_hh_l{l}{sfx} of shape (gates*H,);
      GRU: (Wx, Wh, bx, bh) with bx = bias_ih_l{l}{sfx}, bh =
      bias_hh_l{l}{sfx}, each (3H,).  Here sfx is "" or "_reverse", D_0 = D
      and D_l = dirs*H for l >= 1.

    Raises:
    - TypeError: ``module`` is not an nn.RNN, nn.LSTM or nn.GRU.
    - ValueError: proj_size > 0, nonlinearity 'relu', or a dtype other than
      float32/float64.
    """
    try:
        import torch
        import torch.nn as nn
    except ImportError as exc:  # pragma: no cover - torch is a dependency
        raise TypeError("deep_params_from_torch needs PyTorch installed") from exc
    if not isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        raise TypeError(
            "module: expected a torch.nn.RNN, LSTM or GRU, "
            f"got {type(module).__name__}"
        )
    if getattr(module, "proj_size", 0):
        raise ValueError(
            "module: expected an LSTM without projection, "
            f"got proj_size={module.proj_size}"
        )
    if isinstance(module, nn.RNN) and module.nonlinearity != "tanh":
        raise ValueError(
            "module: expected nonlinearity='tanh' (the NumPy RNN is tanh), "
            f"got {module.nonlinearity!r}"
        )
    suffixes = ("", "_reverse") if module.bidirectional else ("",)
    params: List[Params] = []
    for layer in range(module.num_layers):
        for sfx in suffixes:
            tag = f"_l{layer}{sfx}"
            w_ih = getattr(module, "weight_ih" + tag)  # (gates*H, D_l)
            w_hh = getattr(module, "weight_hh" + tag)  # (gates*H, H)
            if w_ih.dtype not in (torch.float32, torch.float64):
                raise ValueError(
                    "module: expected float32 or float64 parameters, got "
                    f"{w_ih.dtype}; call module.float() or module.double()"
                )
            Wx = _to_numpy(w_ih.T)  # (D_l, gates*H)
            Wh = _to_numpy(w_hh.T)  # (H, gates*H)
            if module.bias:
                bx = _to_numpy(getattr(module, "bias_ih" + tag))  # (gates*H,)
                bh = _to_numpy(getattr(module, "bias_hh" + tag))  # (gates*H,)
            else:
                bx = np.zeros(Wx.shape[1], dtype=Wx.dtype)
                bh = np.zeros(Wx.shape[1], dtype=Wx.dtype)
            if isinstance(module, nn.GRU):
                params.append((Wx, Wh, bx, bh))
            else:
                params.append((Wx, Wh, bx + bh))
    return params
