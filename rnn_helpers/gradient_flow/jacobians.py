"""Jacobian products and gradient norms through time, for any recurrent cell.

The functions here walk backwards through an unrolled sequence; they know
nothing about a particular cell. A *cell* is any object with

- ``state_size`` (int S),
- ``run(x, h0) -> Trace`` (the forward pass, keeping what backward needs),
- ``jacobian(trace, k) -> (N, S, S)``: d s_k / d s_{k-1},
- ``vjp(trace, k, g) -> (N, S)``: ``g`` (N, S) times that Jacobian,

such as :class:`rnn_helpers.gradient_flow.elman.ElmanCell` (chapter 4) and
the LSTM and GRU cells of :mod:`rnn_helpers.gradient_flow.gated` (chapter 5).

Conventions: arrays are batch-first, inputs ``x`` (N, T, D), states
s_0..s_T stored as (N, T+1, S); Jacobians use the numerator layout, entry
(i, j) of ds_k/ds_{k-1} is d s_{k,i} / d s_{k-1,j}, and

    ds_T/ds_t = ds_T/ds_{T-1} ... ds_{t+1}/ds_t.

Everything is vectorised over the batch; only time is a Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy as np

__all__ = [
    "Trace",
    "jacobian_products",
    "jacobian_product_norms",
    "gradient_norms",
]


@dataclass
class Trace:
    """What a cell's forward pass keeps for the backward walk.

    - states: (N, T+1, S), s_0 .. s_T.
    - cache: dict of cell-specific arrays (for the Elman cell, "a": (N, T, H),
      the pre-activations a_1 .. a_T, and, once needed, "fprime": f'(a)).
    """

    states: np.ndarray
    cache: Dict[str, Any] = field(default_factory=dict)

    @property
    def T(self) -> int:
        return self.states.shape[1] - 1


def _as_sequence(x, D: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != D:
        raise ValueError(f"x: expected shape (N, T, D) with D = {D}, got {x.shape}")
    return x


def _initial_state(name: str, s0, N: int, S: int, letters: str = "S") -> np.ndarray:
    """The (N, S) initial state, zeros for None, as a float64 array."""
    s = np.zeros((N, S)) if s0 is None else np.asarray(s0, dtype=np.float64)
    if s.shape != (N, S):
        raise ValueError(f"{name}: expected shape (N, {letters}) = ({N}, {S}), got {s.shape}")
    return s


def jacobian_products(cell, x, h0=None, trace: Optional[Trace] = None) -> np.ndarray:
    """Every Jacobian product dh_T/dh_t, t = 0..T.

    Inputs:
    - cell: a cell object (see the module docstring).
    - x: (N, T, D) inputs.
    - h0: (N, S) initial state or None.
    - trace: a Trace from ``cell.run(x, h0)`` to reuse (optional).

    Returns:
    - P: (N, T+1, S, S) with P[:, t] = dh_T/dh_t = J_T J_{T-1} ... J_{t+1}
      (P[:, T] is the identity).
    """
    trace = cell.run(x, h0) if trace is None else trace
    N, T = trace.states.shape[0], trace.T
    S = cell.state_size
    P = np.empty((N, T + 1, S, S))
    P[:, T] = np.eye(S)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T - 1, -1, -1):
            P[:, t] = P[:, t + 1] @ cell.jacobian(trace, t + 1)  # (N, S, S)
    return P


def jacobian_product_norms(cell, x, h0=None, ord=2) -> np.ndarray:
    """Matrix norms ||dh_T/dh_t|| for t = 0..T.

    Inputs:
    - cell, x, h0: as for :func:`jacobian_products`.
    - ord: 2 (spectral norm, the default) or "fro".

    Returns:
    - norms: (N, T+1); entry [n, t] belongs to distance T - t.
    """
    P = jacobian_products(cell, x, h0)
    N, T1, S, _ = P.shape
    flat = P.reshape(N * T1, S, S)
    if ord == 2:
        out = np.full(N * T1, np.inf)
        ok = np.all(np.isfinite(flat), axis=(1, 2))
        out[ok] = np.linalg.norm(flat[ok], ord=2, axis=(1, 2))
    elif ord == "fro":
        out = np.linalg.norm(flat, ord="fro", axis=(1, 2))
    else:
        raise ValueError(f"ord: expected 2 or 'fro', got {ord!r}")
    return out.reshape(N, T1)


def gradient_norms(cell, x, h0=None, upstream=None, trace: Optional[Trace] = None) -> np.ndarray:
    """||dL/dh_t|| for t = 0..T when the loss reads only the last state.

    The loss is L = <u, h_T> for an upstream gradient u, so
    dL/dh_t = (dh_T/dh_t)^T u, computed backwards with one vector-Jacobian
    product per step (no H x H products are formed).

    Inputs:
    - cell, x, h0: as for :func:`jacobian_products`.
    - upstream: u, (N, S) or (S,); default: the unit vector (1, ..., 1)/sqrt(S).
    - trace: a Trace from ``cell.run(x, h0)`` to reuse (optional).

    Returns:
    - norms: (N, T+1); entry [n, t] is ||dL/dh_t|| of example n, so
      norms[:, T] = ||u|| and column T - k is distance k.
    """
    trace = cell.run(x, h0) if trace is None else trace
    N, T = trace.states.shape[0], trace.T
    S = cell.state_size
    if upstream is None:
        g = np.full((N, S), 1.0 / np.sqrt(S))
    else:
        g = np.broadcast_to(np.asarray(upstream, dtype=np.float64), (N, S)).copy()
    norms = np.empty((N, T + 1))
    norms[:, T] = np.linalg.norm(g, axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(T - 1, -1, -1):
            g = cell.vjp(trace, t + 1, g)  # (N, S): dL/dh_t
            norms[:, t] = np.linalg.norm(g, axis=1)
    return norms
