"""Gradient clipping, and the loss cliff of a one-unit RNN (chapter 4).

- :func:`clip_by_norm`, :func:`clip_by_value`, :func:`clip_grad_norm`: the
  two clipping rules, the last one like ``torch.nn.utils.clip_grad_norm_``.
- The loss cliff: :func:`cliff_loss` is a one-unit RNN
  ``x_t = w sigmoid(x_{t-1}) + b`` run for T = 50 steps from x_0 = 0.5, with
  loss ``(x_T - 0.7)^2``, the kind of model Pascanu, Mikolov & Bengio (2013)
  use to picture the error surface. Where the unit becomes bistable the
  final state jumps from one stable state to the other as (w, b) move, and
  the loss has a "cliff": a wall of very high curvature next to a valley.
  :func:`gradient_descent` runs plain, norm-clipped or value-clipped
  gradient descent on it.

Pure computations; the figures live in :mod:`rnn_helpers.viz.gradients`.
"""

from __future__ import annotations

import math
from typing import Callable, Optional, Sequence

import numpy as np

from rnn_helpers.argcheck import check_choice, check_float
from rnn_helpers.numpy_rnn.activations import sigmoid

__all__ = [
    "clip_by_norm",
    "clip_by_value",
    "clip_grad_norm",
    "CLIFF_T",
    "CLIFF_X0",
    "CLIFF_TARGET",
    "cliff_forward",
    "cliff_loss",
    "cliff_loss_and_grad",
    "cliff_gradient",
    "cliff_wall",
    "gradient_descent",
]


# ----------------------------------------------------------------------------
# Clipping
# ----------------------------------------------------------------------------


def clip_by_norm(g, threshold: float) -> np.ndarray:
    """Norm clipping (Pascanu et al. 2013): rescale g to norm ``threshold`` if it is longer.

    Inputs:
    - g: (..., P) gradient vector(s); the norm is taken over the last axis.
    - threshold: positive number.

    Returns:
    - clipped: new array of the shape of g; same direction as g, norm
      min(||g||, threshold). Vectors not longer than the threshold are unchanged.
    """
    threshold = check_float("threshold", threshold, positive=True, finite=False)
    g = np.asarray(g, dtype=np.float64)
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(norm > threshold, threshold / norm, 1.0)
    return g * scale


def clip_by_value(g, threshold: float) -> np.ndarray:
    """Value (element-wise) clipping: clamp every entry to [-threshold, threshold].

    The result generally points in another direction than g.

    Inputs:
    - g: array of any shape.
    - threshold: positive number.

    Returns:
    - clipped: new array of the shape of g.
    """
    threshold = check_float("threshold", threshold, positive=True, finite=False)
    return np.clip(np.asarray(g, dtype=np.float64), -threshold, threshold)


def clip_grad_norm(grads: Sequence[np.ndarray], max_norm: float) -> list:
    """Global norm clipping of several gradient arrays, like ``torch.nn.utils.clip_grad_norm_``.

    The norm is that of all entries of all arrays together; every array is
    scaled by the same factor min(1, max_norm / norm), so the direction of
    the full gradient is kept.

    Inputs:
    - grads: sequence of arrays of any shapes.
    - max_norm: positive number.

    Returns:
    - list of new arrays of the same shapes.
    """
    max_norm = check_float("max_norm", max_norm, positive=True, finite=False)
    arrays = [np.asarray(g, dtype=np.float64) for g in grads]
    total = float(np.sqrt(sum(float(np.sum(a * a)) for a in arrays)))
    scale = max_norm / total if total > max_norm else 1.0
    return [a * scale for a in arrays]


# ----------------------------------------------------------------------------
# The loss cliff of a one-unit RNN
# ----------------------------------------------------------------------------

#: Defaults of the one-unit cliff model x_t = w * sigmoid(x_{t-1}) + b.
CLIFF_T, CLIFF_X0, CLIFF_TARGET = 50, 0.5, 0.7


def cliff_forward(w, b, T: int = CLIFF_T, x0: float = CLIFF_X0):
    """Run x_t = w * sigmoid(x_{t-1}) + b for T steps, for arrays of (w, b) at once.

    This is the one-unit case of the parametrisation Pascanu et al. (2013)
    analyse, x_t = W_rec sigma(x_{t-1}) + W_in u_t + b, with no input.

    Inputs:
    - w, b: arrays broadcastable to a common shape G (e.g. a grid).
    - T: number of steps.
    - x0: initial state.

    Returns a tuple of:
    - x_T: (G) final states.
    - dx_dw, dx_db: (G) their derivatives, by forward-mode differentiation:
      dx_t/dθ = ∂x_t/∂θ + w sigma'(x_{t-1}) dx_{t-1}/dθ, with ∂x_t/∂w = sigma(x_{t-1})
      and ∂x_t/∂b = 1.
    """
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    x = np.full(w.shape, float(x0))
    dw = np.zeros(w.shape)
    db = np.zeros(w.shape)
    for _ in range(T):
        s = sigmoid(x)
        slope = w * s * (1.0 - s)  # dx_t/dx_{t-1}
        dw, db = s + slope * dw, 1.0 + slope * db
        x = w * s + b
    return x, dw, db


def cliff_loss(w, b, T: int = CLIFF_T, x0: float = CLIFF_X0,
               target: float = CLIFF_TARGET) -> np.ndarray:
    """Loss (x_T - target)^2 of the one-unit RNN, for arrays of (w, b).

    Returns:
    - L: array of the broadcast shape of w and b.
    """
    x, _, _ = cliff_forward(w, b, T, x0)
    return (x - target) ** 2


def cliff_gradient(theta, T: int = CLIFF_T, x0: float = CLIFF_X0,
                   target: float = CLIFF_TARGET) -> np.ndarray:
    """Gradient [dL/dw, dL/db] of the cliff loss at theta = (w, b).

    Same numbers as :func:`cliff_loss_and_grad`, with a fast scalar path for
    one point (the inner loop of :func:`gradient_descent`).

    Inputs:
    - theta: (2,) or (..., 2) parameters (w, b).

    Returns:
    - grad: array of the shape of theta.
    """
    theta = np.asarray(theta, dtype=np.float64)
    if theta.shape != (2,):
        return cliff_loss_and_grad(theta[..., 0], theta[..., 1], T, x0, target)[1]
    w, b = float(theta[0]), float(theta[1])
    x, dw, db = float(x0), 0.0, 0.0
    for _ in range(T):
        s = 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0
        slope = w * s * (1.0 - s)
        dw, db = s + slope * dw, 1.0 + slope * db
        x = w * s + b
    r = 2.0 * (x - target)
    return np.array([r * dw, r * db])


def cliff_loss_and_grad(w, b, T: int = CLIFF_T, x0: float = CLIFF_X0,
                        target: float = CLIFF_TARGET):
    """Loss and its gradient (dL/dw, dL/db), vectorised over arrays of (w, b).

    Returns a tuple of:
    - L: (G) losses.
    - grad: (G, 2) gradients [dL/dw, dL/db].
    """
    x, dw, db = cliff_forward(w, b, T, x0)
    r = 2.0 * (x - target)
    return (x - target) ** 2, np.stack([r * dw, r * db], axis=-1)


def cliff_wall(w, b_range=(-8.0, 3.0), n_b: int = 2001, min_jump: float = 1.0,
               T: int = CLIFF_T, x0: float = CLIFF_X0) -> np.ndarray:
    """Where the cliff is: for each w, the bias b at which x_T jumps.

    Scans b on a fine grid and returns the midpoint of the largest jump of
    x_T between neighbouring grid points, if that jump exceeds ``min_jump``
    (otherwise NaN: for small w the unit has one stable state and no cliff).

    Inputs:
    - w: (W,) recurrent weights.
    - b_range: (low, high) interval of b scanned.
    - n_b: grid points in b (the resolution of the answer).
    - min_jump: smallest jump of x_T that counts as a cliff.
    - T, x0: as for :func:`cliff_forward`.

    Returns:
    - b_wall: (W,) array, NaN where there is no jump in the interval.
    """
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))  # (W,)
    b = np.linspace(b_range[0], b_range[1], n_b)  # (n_b,)
    x, _, _ = cliff_forward(w[:, None], b[None, :], T, x0)  # (W, n_b)
    jumps = np.abs(np.diff(x, axis=1))  # (W, n_b - 1)
    i = np.argmax(jumps, axis=1)  # (W,)
    mid = 0.5 * (b[i] + b[i + 1])
    return np.where(jumps[np.arange(len(w)), i] > min_jump, mid, np.nan)


def gradient_descent(grad_fn: Callable[[np.ndarray], np.ndarray], start, lr: float,
                     steps: int, clip: Optional[str] = None,
                     threshold: Optional[float] = None) -> np.ndarray:
    """Plain gradient descent with optional clipping; returns the whole path.

    Inputs:
    - grad_fn: maps a parameter vector (P,) to its gradient (P,).
    - start: (P,) starting point.
    - lr: learning rate.
    - steps: number of steps.
    - clip: None, "norm" (:func:`clip_by_norm`) or "value" (:func:`clip_by_value`).
    - threshold: the clipping threshold (needed when clip is set).

    Returns:
    - path: (steps+1, P) parameters after 0..steps steps. A path that
      becomes non-finite stops there; the remaining rows are NaN.
    """
    check_choice("clip", clip, (None, "none", "norm", "value"))
    if clip in ("norm", "value") and threshold is None:
        raise ValueError("threshold: needed when clip is 'norm' or 'value'")
    theta = np.asarray(start, dtype=np.float64).copy()
    path = np.full((steps + 1, theta.size), np.nan)
    path[0] = theta
    for i in range(steps):
        g = np.asarray(grad_fn(theta), dtype=np.float64)
        if clip == "norm":
            g = clip_by_norm(g, threshold)
        elif clip == "value":
            g = clip_by_value(g, threshold)
        theta = theta - lr * g
        if not np.all(np.isfinite(theta)):
            break
        path[i + 1] = theta
    return path
