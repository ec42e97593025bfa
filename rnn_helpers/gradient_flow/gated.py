"""Gradient flow through gated cells: LSTM and GRU next to the plain RNN.

Chapter 4 measured how ``||dL/dh_t||`` shrinks with the distance ``T - t``
in a plain RNN, with the cell interface of :mod:`rnn_helpers.gradient_flow.elman`
(``state_size``, ``run``, ``jacobian``, ``vjp``, ``random``). This module
adds the two gated cells in that interface, so every tool of chapter 4
(``jacobian_products``, ``gradient_norms``, ``make_cell``) works on them:

- :class:`LSTMFlowCell`, state ``s_t = [h_t, c_t]`` (2H numbers), with a
  ``forget_bias`` argument in :meth:`LSTMFlowCell.random`;
- :class:`GRUFlowCell`, state ``h_t``, in PyTorch's convention (reset gate
  applied after the recurrent product, blocks r, z, n).

Both are built on the cells of :mod:`rnn_helpers.numpy_rnn`: the forward
pass runs ``lstm_step_forward`` / ``gru_step_forward`` at every step, and the
vector-Jacobian product of step k is that step's ``lstm_step_backward`` /
``gru_step_backward``. Only the Jacobian matrices are new code here.
(The module is about 540 lines: the two cells with their hand-derived
Jacobians, the LSTM's node gradients and the chapter's comparison, which
chapter 5 uses together.)

:func:`register_gated_cells` adds them to ``gradient_flow.CELLS`` as
"lstm" and "gru" (an explicit call: importing this module changes nothing).

Conventions, as in :mod:`rnn_helpers.gradient_flow.elman`: the weights are in the
*equations'* layout, which is PyTorch's (``W_x`` (4H, D) or (3H, D),
``W_h`` (4H, H) or (3H, H)), gate blocks i, f, g, o (LSTM) and r, z, n (GRU);
arrays are batch-first; Jacobians use the numerator layout,
``J[n, a, b] = d s_{k,a} / d s_{k-1,b}``.

Node gradients of the LSTM
--------------------------
For an LSTM the chapter plots two curves: ``||dL/dh_t||`` and
``||dL/dc_t||``, both as *node gradients* of the unrolled graph (the sum over
every path from the node to the loss). ``h_t`` feeds only the next step's
gates, so its node gradient is the h part of the state gradient. ``c_t``
feeds ``c_{t+1}`` *and* ``h_t = o_t * tanh(c_t)``, so its node gradient is
``e_t = dL/dc_t = (state part) + dL/dh_t * o_t * (1 - tanh(c_t)^2)``, the
quantity ``dc`` of ``rnn_helpers.numpy_rnn.lstm_step_backward``, whose
recursion ``e_{t-1} = e_t * f_t + ...`` is the constant error carousel.

The comparison
--------------
:func:`compare_gradient_flow` builds the three cells with PyTorch's default
initialisation (every weight and bias uniform in ``[-1/sqrt(H), 1/sqrt(H)]``,
the LSTM's forget-gate bias set to ``forget_bias``), feeds them the same
random inputs and reports the median norms against distance. The figure
and the kernel-free explorer that draw it are
:func:`rnn_helpers.viz.gradients.gated_flow_figure` and
:func:`rnn_helpers.viz.gradients.gated_flow_explorer` (nothing here plots).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Sequence, Tuple

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.gradient_flow import elman as gf
from rnn_helpers.gradient_flow.jacobians import (
    Trace,
    _as_sequence,
    _initial_state,
    gradient_norms,
)
from rnn_helpers.numpy_rnn import (
    gru_step_backward,
    gru_step_forward,
    lstm_step_backward,
    lstm_step_forward,
    params_from_torch,
)

__all__ = [
    "LSTMFlowCell",
    "GRUFlowCell",
    "torch_default_rnn_cell",
    "register_gated_cells",
    "lstm_node_gradients",
    "FlowComparison",
    "compare_gradient_flow",
    "CarouselPaths",
    "carousel_paths",
]


def _matrix(name: str, a, rows: Optional[int] = None, cols: Optional[int] = None) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or (rows is not None and a.shape[0] != rows) or (cols is not None and a.shape[1] != cols):
        want = f"({'?' if rows is None else rows}, {'?' if cols is None else cols})"
        raise ValueError(f"{name}: expected shape {want}, got {a.shape}")
    return a


def _vector(name: str, a, n: int) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.shape != (n,):
        raise ValueError(f"{name}: expected shape ({n},), got {a.shape}")
    return a


def _stack_steps(steps: list, keys: Sequence[str], N: int, H: int) -> dict:
    """The cache of a trace: every key's per-step (N, H) arrays stacked to (N, T, H),
    and the step caches themselves under "steps"."""
    cache = {k: (np.stack([st[k] for st in steps], axis=1) if steps else np.empty((N, 0, H)))
             for k in keys}
    cache["steps"] = steps
    return cache


def _step_cache(trace: Trace, k: int) -> dict:
    """The step cache of step k = 1..T (what the step backward functions take)."""
    if not 1 <= k <= trace.T:
        raise ValueError(f"k: expected a step 1..T = 1..{trace.T}, got {k}")
    return trace.cache["steps"][k - 1]


def _torch_uniform(rng: np.random.Generator, shape, H: int) -> np.ndarray:
    """PyTorch's default recurrent-layer initialisation: U(-1/sqrt(H), 1/sqrt(H))."""
    k = 1.0 / np.sqrt(H)
    return rng.uniform(-k, k, size=shape)


class _GatedFlowCell:
    """What the LSTM and GRU flow cells share: the weights' checks and layout,
    and the forward pass over a sequence, one ``numpy_rnn`` step at a time.

    Subclasses set ``_gates`` (4 or 3 blocks of H rows), ``_keys`` (the step
    cache arrays a trace keeps as (N, T, H)) and ``_state`` (the name and
    letters of the initial state), and implement ``_forward``.
    """

    _gates = 0
    _keys: Tuple[str, ...] = ()
    _state = ("s0", "S")

    def _set_weights(self, W_x, W_h) -> int:
        """Check and store W_x (G H, D) and W_h (G H, H); return H."""
        G = self._gates
        self.W_h = _matrix("W_h", W_h)
        H = self.W_h.shape[1]
        if self.W_h.shape[0] != G * H:
            raise ValueError(f"W_h: expected shape ({G}H, H), got {self.W_h.shape}")
        self.W_x = _matrix("W_x", W_x, rows=G * H)
        return H

    @property
    def H(self) -> int:
        return self.W_h.shape[1]

    def run(self, x, s0=None) -> Trace:
        """Forward pass, one ``rnn_helpers.numpy_rnn`` step function call per step.

        Inputs:
        - x: (N, T, D) inputs.
        - s0: (N, S) initial state (S = state_size), or None for zeros.

        Returns:
        - Trace with states (N, T+1, S), the cache arrays of ``_keys``, each
          (N, T, H), and "steps", the T step caches that :meth:`vjp` hands
          to the step backward function.
        """
        x = _as_sequence(x, self.W_x.shape[1])
        N, T, _ = x.shape
        S = self.state_size
        s = _initial_state(self._state[0], s0, N, S, self._state[1])
        Wx, Wh = self.W_x.T, self.W_h.T  # (D, G H), (H, G H): the NumPy cells' layout
        states = np.empty((N, T + 1, S))
        states[:, 0] = s
        steps = []
        for t in range(T):
            s, step = self._forward(x[:, t], s, Wx, Wh)  # (N, S)
            steps.append(step)
            states[:, t + 1] = s
        return Trace(states, _stack_steps(steps, self._keys, N, self.H))


# ----------------------------------------------------------------------------
# LSTM
# ----------------------------------------------------------------------------


class LSTMFlowCell(_GatedFlowCell):
    """The LSTM as a gradient-flow cell with state s_t = [h_t, c_t] of size 2H.

    Equations (gate blocks i, f, g, o of the 4H rows)::

        a_t = W_x x_t + W_h h_{t-1} + b
        i, f, o = sigma(a_i), sigma(a_f), sigma(a_o);   g = tanh(a_g)
        c_t = f * c_{t-1} + i * g;    h_t = o * tanh(c_t)

    Constructor inputs:
    - W_x: (4H, D) input weights (PyTorch's ``weight_ih_l0``).
    - W_h: (4H, H) recurrent weights (``weight_hh_l0``).
    - b: (4H,) bias (``bias_ih_l0 + bias_hh_l0``), or None for zeros.

    ``run(x, s0)`` takes s0 = [h_0, c_0] (N, 2H) and returns a Trace with
    states (N, T+1, 2H) = [h_t, c_t] and cache "i", "f", "g", "o", "tanh_c",
    each (N, T, H).
    """

    name = "lstm"
    _gates = 4
    _keys = ("i", "f", "g", "o", "tanh_c")
    _state = ("s0", "2H")

    def __init__(self, W_x, W_h, b=None):
        H = self._set_weights(W_x, W_h)
        self.b = np.zeros(4 * H) if b is None else _vector("b", b, 4 * H)

    @property
    def state_size(self) -> int:
        return 2 * self.H

    @property
    def forget_bias(self) -> np.ndarray:
        """(H,) the forget-gate block of b."""
        return self.b[self.H : 2 * self.H]

    @classmethod
    def random(cls, H: int, D: int, rng: np.random.Generator, *,
               forget_bias: Optional[float] = None) -> "LSTMFlowCell":
        """PyTorch's default initialisation, optionally with a fixed forget-gate bias.

        Every entry of W_x, W_h and of the two bias vectors PyTorch keeps is
        drawn from U(-1/sqrt(H), 1/sqrt(H)) (b is their sum). With
        ``forget_bias`` set, the forget block of b is that constant (as after
        ``bias_ih_l0[H:2H] = forget_bias; bias_hh_l0[H:2H] = 0``). The draws
        do not depend on ``forget_bias``, so cells built from the same
        generator state differ only in b_f.

        Inputs:
        - H, D: hidden and input sizes.
        - rng: numpy Generator.
        - forget_bias: None (keep the random bias) or a number.

        Returns:
        - LSTMFlowCell.
        """
        W_x = _torch_uniform(rng, (4 * H, D), H)
        W_h = _torch_uniform(rng, (4 * H, H), H)
        b = _torch_uniform(rng, 4 * H, H) + _torch_uniform(rng, 4 * H, H)
        if forget_bias is not None:
            b[H : 2 * H] = float(forget_bias)
        return cls(W_x, W_h, b)

    @classmethod
    def from_torch(cls, module) -> "LSTMFlowCell":
        """The cell of a single-layer ``torch.nn.LSTM`` or ``LSTMCell`` (weights copied)."""
        Wx, Wh, b = params_from_torch(module)
        return cls(Wx.T, Wh.T, b)

    def _forward(self, x_t, s, Wx, Wh):
        """One step, ``lstm_step_forward``: (N, 2H) state [h, c] -> next state, cache."""
        H = self.H
        h, c, step = lstm_step_forward(x_t, s[:, :H], s[:, H:], Wx, Wh, self.b)  # (N, H) each
        return np.concatenate([h, c], axis=1), step

    def _step(self, trace: Trace, k: int):
        _step_cache(trace, k)  # checks k
        H = self.H
        C = trace.cache
        i, f, g, o, tc = (C[name][:, k - 1] for name in ("i", "f", "g", "o", "tanh_c"))
        c_prev = trace.states[:, k - 1, H:]  # (N, H)
        return i, f, g, o, tc, c_prev

    def jacobian(self, trace: Trace, k: int) -> np.ndarray:
        """d s_k / d s_{k-1} for k = 1..T: (N, 2H, 2H), blocks [[dh/dh, dh/dc], [dc/dh, dc/dc]]."""
        H = self.H
        i, f, g, o, tc, c_prev = self._step(trace, k)
        Wi, Wf, Wg, Wo = (self.W_h[j * H : (j + 1) * H] for j in range(4))  # (H, H) each
        dc_dh = ((c_prev * f * (1 - f))[:, :, None] * Wf
                 + (g * i * (1 - i))[:, :, None] * Wi
                 + (i * (1 - g * g))[:, :, None] * Wg)  # (N, H, H)
        slope = o * (1 - tc * tc)  # (N, H): dh_k/dc_k
        dh_dh = (tc * o * (1 - o))[:, :, None] * Wo + slope[:, :, None] * dc_dh
        N = f.shape[0]
        J = np.zeros((N, 2 * H, 2 * H))
        diag = np.arange(H)
        J[:, :H, :H] = dh_dh
        J[:, diag, H + diag] = slope * f  # dh_k/dc_{k-1} = diag(o tanh'(c) f)
        J[:, H:, :H] = dc_dh
        J[:, H + diag, H + diag] = f  # dc_k/dc_{k-1} = diag(f): the carousel
        return J

    def vjp(self, trace: Trace, k: int, g_state: np.ndarray) -> np.ndarray:
        """Row vectors times the Jacobian: (N, 2H) state gradient at k -> at k-1.

        This is ``lstm_step_backward`` of step k with upstream gradients
        (dL/dh_k, dL/dc_k) = g_state; its (dprev_h, dprev_c) is the result.
        """
        H = self.H
        step = _step_cache(trace, k)
        _, dh, dc, _, _, _ = lstm_step_backward(g_state[:, :H], g_state[:, H:], step)
        return np.concatenate([dh, dc], axis=1)  # (N, 2H)


# ----------------------------------------------------------------------------
# GRU
# ----------------------------------------------------------------------------


class GRUFlowCell(_GatedFlowCell):
    """The GRU of ``torch.nn.GRU`` as a gradient-flow cell (state h_t, size H).

    Equations (gate blocks r, z, n of the 3H rows)::

        r = sigma(W_xr x + b_xr + W_hr h + b_hr)
        z = sigma(W_xz x + b_xz + W_hz h + b_hz)
        n = tanh(W_xn x + b_xn + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Constructor inputs:
    - W_x: (3H, D) (``weight_ih_l0``); W_h: (3H, H) (``weight_hh_l0``);
    - b_x, b_h: (3H,) (``bias_ih_l0``, ``bias_hh_l0``), or None for zeros.

    ``run(x, h0)`` takes h0 (N, H) and returns a Trace with states
    (N, T+1, H) and cache "r", "z", "n", "hn" (= W_hn h_{t-1} + b_hn), each
    (N, T, H).
    """

    name = "gru"
    _gates = 3
    _keys = ("r", "z", "n", "hn")
    _state = ("h0", "H")

    def __init__(self, W_x, W_h, b_x=None, b_h=None):
        H = self._set_weights(W_x, W_h)
        self.b_x = np.zeros(3 * H) if b_x is None else _vector("b_x", b_x, 3 * H)
        self.b_h = np.zeros(3 * H) if b_h is None else _vector("b_h", b_h, 3 * H)

    @property
    def state_size(self) -> int:
        return self.H

    @classmethod
    def random(cls, H: int, D: int, rng: np.random.Generator) -> "GRUFlowCell":
        """PyTorch's default initialisation, U(-1/sqrt(H), 1/sqrt(H)) for every entry."""
        return cls(_torch_uniform(rng, (3 * H, D), H), _torch_uniform(rng, (3 * H, H), H),
                   _torch_uniform(rng, 3 * H, H), _torch_uniform(rng, 3 * H, H))

    @classmethod
    def from_torch(cls, module) -> "GRUFlowCell":
        """The cell of a single-layer ``torch.nn.GRU`` or ``GRUCell`` (weights copied)."""
        Wx, Wh, bx, bh = params_from_torch(module)
        return cls(Wx.T, Wh.T, bx, bh)

    def _forward(self, x_t, h, Wx, Wh):
        """One step, ``gru_step_forward``: (N, H) -> next state, cache."""
        return gru_step_forward(x_t, h, Wx, Wh, self.b_x, self.b_h)

    def _step(self, trace: Trace, k: int):
        _step_cache(trace, k)  # checks k
        C = trace.cache
        return (C["r"][:, k - 1], C["z"][:, k - 1], C["n"][:, k - 1], C["hn"][:, k - 1],
                trace.states[:, k - 1])

    def jacobian(self, trace: Trace, k: int) -> np.ndarray:
        """dh_k/dh_{k-1}: (N, H, H)."""
        H = self.H
        r, z, n, hn, h_prev = self._step(trace, k)
        Wr, Wz, Wn = (self.W_h[j * H : (j + 1) * H] for j in range(3))
        dn = (1 - z) * (1 - n * n)  # (N, H): dh/d(pre-activation of n)
        J = ((h_prev - n) * z * (1 - z))[:, :, None] * Wz \
            + dn[:, :, None] * (r[:, :, None] * Wn + (hn * r * (1 - r))[:, :, None] * Wr)
        J[:, np.arange(H), np.arange(H)] += z  # the direct path z * h_{k-1}
        return J

    def vjp(self, trace: Trace, k: int, g: np.ndarray) -> np.ndarray:
        """(N, H) gradient of h_k -> of h_{k-1}: ``gru_step_backward``'s dprev_h."""
        return gru_step_backward(g, _step_cache(trace, k))[1]


# ----------------------------------------------------------------------------
# the plain RNN with PyTorch's initialisation, and the registry
# ----------------------------------------------------------------------------


def torch_default_rnn_cell(H: int, D: int, rng: np.random.Generator) -> gf.ElmanCell:
    """A tanh :class:`~rnn_helpers.gradient_flow.elman.ElmanCell` initialised like ``torch.nn.RNN``.

    W_xh (H, D), W_hh (H, H) and both bias vectors uniform in
    [-1/sqrt(H), 1/sqrt(H)] (b_h is the sum of the two).
    """
    W_xh = _torch_uniform(rng, (H, D), H)
    W_hh = _torch_uniform(rng, (H, H), H)
    b = _torch_uniform(rng, H, H) + _torch_uniform(rng, H, H)
    return gf.ElmanCell(W_xh, W_hh, b, "tanh")


def register_gated_cells() -> Tuple[str, str]:
    """Add "lstm" and "gru" to ``gradient_flow.CELLS`` (idempotent).

    Afterwards ``gradient_flow.make_cell("lstm", H, D, rng, forget_bias=1.0)``
    builds an :class:`LSTMFlowCell`.

    Returns:
    - the names registered, ("lstm", "gru").
    """
    gf.register_cell("lstm", LSTMFlowCell)
    gf.register_cell("gru", GRUFlowCell)
    return ("lstm", "gru")


def lstm_node_gradients(cell: LSTMFlowCell, x, upstream, s0=None,
                        trace: Optional[Trace] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Node gradients dL/dh_t and dL/dc_t of an LSTM for a loss L = sum_n <u_n, h_T>.

    Inputs:
    - cell: LSTMFlowCell.
    - x: (N, T, D) inputs; s0: (N, 2H) initial state or None.
    - upstream: u, (N, H) or (H,): dL/dh_T.
    - trace: a Trace from ``cell.run(x, s0)`` to reuse (optional).

    Returns a tuple of:
    - dh: (N, T+1, H), dh[:, t] = dL/dh_t (dh[:, T] = u).
    - dc: (N, T+1, H), dc[:, t] = dL/dc_t summed over both of c_t's uses
      (c_{t+1} and h_t); for t = 0 only c_1 uses c_0.
    """
    trace = cell.run(x, s0) if trace is None else trace
    H, T = cell.H, trace.T
    N = trace.states.shape[0]
    u = np.broadcast_to(np.asarray(upstream, dtype=np.float64), (N, H))
    g = np.zeros((N, 2 * H))
    g[:, :H] = u
    grads = np.empty((N, T + 1, 2 * H))  # state gradients [dL/dh_t, dL/dc_t with h_t held]
    grads[:, T] = g
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for k in range(T, 0, -1):
            g = cell.vjp(trace, k, g)
            grads[:, k - 1] = g
        dh = grads[:, :, :H].copy()
        dc = grads[:, :, H:].copy()
        o, tc = trace.cache["o"], trace.cache["tanh_c"]  # (N, T, H): steps 1..T
        dc[:, 1:] += dh[:, 1:] * o * (1 - tc * tc)  # add the path c_t -> h_t
    return dh, dc


# ----------------------------------------------------------------------------
# the comparison
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowComparison:
    """Median gradient norms against the distance k = T - t, for three cells.

    - distance: (T+1,) k = 0..T.
    - rnn, gru: (T+1,) median over the sequences of ||dL/dh_{T-k}||.
    - lstm_h, lstm_c: (T+1,) the LSTM's ||dL/dh_{T-k}|| and ||dL/dc_{T-k}||.
    - forget_mean: mean forget-gate value of the LSTM over sequences, units and steps.
    - forget_bias: the LSTM's forget-gate bias.
    - T, H, N: sequence length, hidden size, number of sequences.
    """

    distance: np.ndarray
    rnn: np.ndarray
    gru: np.ndarray
    lstm_h: np.ndarray
    lstm_c: np.ndarray
    forget_mean: float
    forget_bias: float
    T: int
    H: int
    N: int

    def at(self, k: int) -> dict:
        """The four medians at distance k, as a dict of floats."""
        return {name: float(getattr(self, name)[k]) for name in ("rnn", "gru", "lstm_h", "lstm_c")}


def _inputs(T: int, D: int, N: int, H: int, seed: int, input_scale: float, burn_in: int):
    rng = np.random.default_rng([seed, 1])  # inputs and read-out: independent of the weights
    x = input_scale * rng.standard_normal((N, T, D))  # (N, T, D)
    u = rng.standard_normal((N, H))
    u /= np.linalg.norm(u, axis=1, keepdims=True)  # (N, H) unit vectors: L = sum_n u_n . h_T
    warm = input_scale * rng.standard_normal((N, burn_in, D))  # (N, B, D) warm-up inputs
    return x, u, warm


def _warm_state(cell, warm: np.ndarray) -> Optional[np.ndarray]:
    """The state after running ``cell`` on the warm-up inputs from zeros (None if none)."""
    if warm.shape[1] == 0:
        return None
    return cell.run(warm).states[:, -1]


def _median_by_distance(norms: np.ndarray) -> np.ndarray:
    """(N, T+1) norms indexed by t -> (T+1,) medians indexed by distance T - t."""
    with np.errstate(invalid="ignore"):
        return np.median(np.where(np.isnan(norms), np.inf, norms), axis=0)[::-1].copy()


@lru_cache(maxsize=32)
def _baselines(T: int, H: int, D: int, N: int, seed: int, input_scale: float, burn_in: int):
    """RNN and GRU medians (they do not depend on the forget bias): cached, read-only."""
    x, u, warm = _inputs(T, D, N, H, seed, input_scale, burn_in)
    out = []
    for k, make in enumerate((torch_default_rnn_cell, GRUFlowCell.random)):
        cell = make(H, D, np.random.default_rng([seed, 2 + k]))
        s0 = _warm_state(cell, warm)
        med = _median_by_distance(gradient_norms(cell, x, s0, upstream=u))
        med.setflags(write=False)
        out.append(med)
    return tuple(out)


def compare_gradient_flow(T: int = 100, forget_bias: Optional[float] = 1.0, *, H: int = 32,
                          D: int = 4, N: int = 32, seed: int = 0,
                          input_scale: float = 1.0, burn_in: int = 50) -> FlowComparison:
    """Measure ||dL/dh_t|| against distance for a tanh RNN, a GRU and an LSTM.

    All three cells have PyTorch's default initialisation (drawn with NumPy
    from ``seed``); the LSTM's forget-gate bias is set to ``forget_bias``
    (None keeps PyTorch's random one). They read the same N sequences of
    standard normal inputs (times ``input_scale``), starting from the state
    each cell reaches after ``burn_in`` steps of other random inputs (so the
    curves show the effect of the distance, not of the start of the
    sequence), and the loss L = <u, h_T> reads the last hidden state with a
    random unit vector u per sequence, so ||dL/dh_T|| = 1.

    Inputs:
    - T: sequence length (>= 1).
    - forget_bias: the LSTM's b_f (a number or None).
    - H, D, N: hidden size, input size, number of sequences.
    - seed: seeds weights, inputs and u. Only b_f changes with forget_bias.
    - input_scale: standard deviation of the inputs.
    - burn_in: warm-up steps before the measured sequence (0: start from zeros).

    Returns:
    - FlowComparison.
    """
    T = check_int("T", T, 1)
    H, D, N, seed, burn_in = int(H), int(D), int(N), int(seed), int(burn_in)
    rnn, gru = _baselines(T, H, D, N, seed, float(input_scale), burn_in)
    x, u, warm = _inputs(T, D, N, H, seed, float(input_scale), burn_in)
    cell = LSTMFlowCell.random(H, D, np.random.default_rng([seed, 4]), forget_bias=forget_bias)
    trace = cell.run(x, _warm_state(cell, warm))
    dh, dc = lstm_node_gradients(cell, x, u, trace=trace)
    return FlowComparison(
        distance=np.arange(T + 1), rnn=rnn.copy(), gru=gru.copy(),
        lstm_h=_median_by_distance(np.linalg.norm(dh, axis=2)),
        lstm_c=_median_by_distance(np.linalg.norm(dc, axis=2)),
        forget_mean=float(trace.cache["f"].mean()),
        forget_bias=float("nan") if forget_bias is None else float(forget_bias),
        T=T, H=H, N=N)


@dataclass(frozen=True)
class CarouselPaths:
    """The LSTM's dL/dc_t split into the carousel alone and everything else.

    - distance: (T+1,) k = T - t.
    - total: (T+1,) median over sequences of ||dL/dc_{T-k}|| (all paths).
    - carousel: (T+1,) median of ||dL/dc_T * prod_{j=T-k+1}^{T} f_j||, the
      gradient that travels only along c (eq-ch05-carousel).
    - forget_bias: the LSTM's b_f.
    """

    distance: np.ndarray
    total: np.ndarray
    carousel: np.ndarray
    forget_bias: float

    def ratio(self, k: int) -> float:
        """total / carousel at distance k (1: the carousel carries it all)."""
        return float(self.total[k] / self.carousel[k])


def carousel_paths(T: int = 100, forget_bias: Optional[float] = 1.0, *,
                   H: int = 32, D: int = 4, N: int = 32, seed: int = 0,
                   input_scale: float = 1.0, burn_in: int = 50) -> CarouselPaths:
    """Measure the carousel's share of the LSTM's cell-state gradient.

    Same cell, inputs and loss as ``compare_gradient_flow`` (same arguments).
    The total dL/dc_t sums every path from the loss to c_t; the carousel
    path alone is dL/dc_T multiplied elementwise by the forget gates of
    steps t+1..T. Their difference is what the paths through h_{t} and the
    gates (c -> h -> gates of the next step -> c) carry.

    Returns:
    - CarouselPaths, medians over the N sequences against the distance.
    """
    T = check_int("T", T, 1)
    H, D, N, seed, burn_in = int(H), int(D), int(N), int(seed), int(burn_in)
    x, u, warm = _inputs(T, D, N, H, seed, float(input_scale), burn_in)
    cell = LSTMFlowCell.random(H, D, np.random.default_rng([seed, 4]), forget_bias=forget_bias)
    trace = cell.run(x, _warm_state(cell, warm))
    _, dc = lstm_node_gradients(cell, x, u, trace=trace)  # (N, T+1, H)
    f = trace.cache["f"]  # (N, T, H): f of step t+1 at index t
    carousel = np.empty_like(dc)
    carousel[:, T] = dc[:, T]
    with np.errstate(under="ignore"):
        for t in range(T - 1, -1, -1):
            carousel[:, t] = carousel[:, t + 1] * f[:, t]
    return CarouselPaths(
        distance=np.arange(T + 1),
        total=_median_by_distance(np.linalg.norm(dc, axis=2)),
        carousel=_median_by_distance(np.linalg.norm(carousel, axis=2)),
        forget_bias=float("nan") if forget_bias is None else float(forget_bias))
