"""How gradients flow backwards through time: pure computations, no plotting.

Chapter 4 (vanishing and exploding gradients) is built on these functions;
the figures live in :mod:`rnn_helpers.viz.gradients`.

Conventions
-----------
The equations use column vectors, as in the rest of the course::

    a_k = W_xh x_k + W_hh h_{k-1} + b_h,      h_k = f(a_k)

so ``W_hh`` here is the (H, H) matrix *of the equations* (PyTorch's
``weight_hh_l0``; the package's ``Wh`` is its transpose). Jacobians use the
numerator layout: entry (i, j) of dh_k/dh_{k-1} is d h_{k,i} / d h_{k-1,j}, so

    dh_k/dh_{k-1} = diag(f'(a_k)) W_hh,
    dh_T/dh_t     = dh_T/dh_{T-1} ... dh_{t+1}/dh_t.

Arrays are batch-first: inputs ``x`` have shape (N, T, D) and the states
h_0..h_T are stored as (N, T+1, H). Everything is vectorised over the batch;
only time is a Python loop, as the recurrence demands.

Cells
-----
The functions that walk backwards in time (:func:`jacobian_products`,
:func:`gradient_norms`) take any *cell* object with

- ``state_size`` (int S),
- ``run(x, h0) -> Trace`` (the forward pass, keeping what backward needs),
- ``jacobian(trace, k) -> (N, S, S)``: d s_k / d s_{k-1},
- ``vjp(trace, k, g) -> (N, S)``: ``g`` (N, S) times that Jacobian,

and :data:`CELLS` maps a name to a cell class with a ``random`` constructor.
The Elman cell is registered as ``"rnn"``; the LSTM and GRU chapters can
register their cells (whose state may be ``(h, c)`` stacked into one
vector) with :func:`register_cell` and reuse everything below.

The loss cliff
--------------
:func:`cliff_loss` is a one-unit RNN ``x_t = w sigmoid(x_{t-1}) + b`` run for
T = 50 steps from x_0 = 0.5, with loss ``(x_T - 0.7)^2``, the kind of model
Pascanu, Mikolov & Bengio (2013) use to picture the error surface. Where the
unit becomes bistable the final state jumps from one stable state to the
other as (w, b) move, and the loss has a "cliff": a wall of very high
curvature next to a valley. :func:`gradient_descent` runs plain, norm-clipped
or value-clipped gradient descent on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np

from rnn_helpers.numpy_rnn.activations import (
    sigmoid,
    sigmoid_derivative,
    tanh_derivative,
)

__all__ = [
    "Activation",
    "ACTIVATIONS",
    "get_activation",
    "spectral_radius",
    "largest_singular_value",
    "scale_to_spectral_radius",
    "random_recurrent_matrix",
    "Trace",
    "ElmanCell",
    "CELLS",
    "register_cell",
    "make_cell",
    "jacobian_products",
    "jacobian_product_norms",
    "gradient_norms",
    "norm_bound",
    "GradientProfile",
    "gradient_norm_profile",
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
# Activations
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Activation:
    """An elementwise activation f with its derivative.

    Attributes:
    - name: "tanh", "relu", "sigmoid" or "identity".
    - fn: f, elementwise on arrays of any shape.
    - derivative: f', elementwise (at 0 the ReLU's derivative is taken as 0).
    - gamma: sup |f'(a)| over all a: the constant of the bound (γσ)^k.
    - latex: the name as LaTeX, for plot labels.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    gamma: float
    latex: str


ACTIVATIONS: Dict[str, Activation] = {
    "tanh": Activation("tanh", np.tanh, tanh_derivative, 1.0, r"\tanh"),
    "relu": Activation("relu", lambda a: np.maximum(a, 0.0),
                       lambda a: (np.asarray(a) > 0).astype(np.float64), 1.0, r"\mathrm{ReLU}"),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative, 0.25, r"\sigma"),
    "identity": Activation("identity", lambda a: np.asarray(a, dtype=np.float64) * 1.0,
                           lambda a: np.ones_like(np.asarray(a, dtype=np.float64)), 1.0,
                           r"\mathrm{id}"),
}


def get_activation(activation) -> Activation:
    """Look up an activation by name (or pass an :class:`Activation` through).

    Inputs:
    - activation: one of ``ACTIVATIONS`` ("tanh", "relu", "sigmoid",
      "identity") or an Activation.

    Returns:
    - Activation.
    """
    if isinstance(activation, Activation):
        return activation
    try:
        return ACTIVATIONS[activation]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}"
        ) from None


# ----------------------------------------------------------------------------
# Recurrent matrices
# ----------------------------------------------------------------------------


def _square(W, name="W") -> np.ndarray:
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ValueError(f"{name}: expected a square matrix of shape (H, H), got shape {W.shape}")
    return W


def spectral_radius(W) -> float:
    """Largest absolute eigenvalue of a square matrix.

    Inputs:
    - W: array of shape (H, H).

    Returns:
    - rho: float, max |λ_i(W)|.
    """
    return float(np.max(np.abs(np.linalg.eigvals(_square(W)))))


def largest_singular_value(W) -> float:
    """Spectral norm σ_max(W) = max ||W v|| over unit vectors v.

    Inputs:
    - W: array of shape (H, H).

    Returns:
    - sigma: float; always >= spectral_radius(W), with equality for normal matrices.
    """
    return float(np.linalg.norm(_square(W), ord=2))


def scale_to_spectral_radius(W, rho: float) -> np.ndarray:
    """Rescale W so that its spectral radius is exactly ``rho``.

    Inputs:
    - W: array of shape (H, H) with a nonzero eigenvalue.
    - rho: target spectral radius, >= 0.

    Returns:
    - W_scaled: new array of shape (H, H), ``W * rho / spectral_radius(W)``.
      (Eigenvalues scale with W, so the direction of each is kept.)
    """
    W = _square(W)
    if not (np.isfinite(rho) and rho >= 0):
        raise ValueError(f"rho: expected a finite number >= 0, got {rho!r}")
    current = spectral_radius(W)
    if current == 0.0:
        raise ValueError("W: all eigenvalues are zero (nilpotent); it cannot be rescaled")
    return W * (rho / current)


def random_recurrent_matrix(H: int, rho: float = 1.0, kind: str = "gaussian",
                            rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """A random (H, H) recurrent matrix of a given kind and scale.

    Inputs:
    - H: hidden size.
    - rho: scale. For "gaussian" the spectral radius; for "orthogonal" and
      "identity" the matrix is rho times an orthogonal matrix / the identity,
      so rho is both its spectral radius and its largest singular value.
    - kind: "gaussian" (i.i.d. normal entries, rescaled to spectral radius
      rho), "orthogonal" (Haar-random orthogonal, times rho), "identity"
      (rho * I, as in the IRNN of Le et al. 2015) or "torch" (PyTorch's
      default U(-1/sqrt(H), 1/sqrt(H)); rho is ignored).
    - rng: numpy Generator (default: a fresh one seeded with 0).

    Returns:
    - W_hh: array of shape (H, H), float64.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    if kind == "gaussian":
        return scale_to_spectral_radius(rng.standard_normal((H, H)), rho)
    if kind == "orthogonal":
        Q, R = np.linalg.qr(rng.standard_normal((H, H)))
        Q = Q * np.sign(np.diag(R))  # the sign fix makes Q Haar-distributed
        return rho * Q
    if kind == "identity":
        return rho * np.eye(H)
    if kind == "torch":
        bound = 1.0 / np.sqrt(H)
        return rng.uniform(-bound, bound, size=(H, H))
    raise ValueError(f"kind: expected 'gaussian', 'orthogonal', 'identity' or 'torch', got {kind!r}")


# ----------------------------------------------------------------------------
# Cells and their state Jacobians
# ----------------------------------------------------------------------------


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


class ElmanCell:
    """The plain RNN cell h_k = f(W_xh x_k + W_hh h_{k-1} + b_h).

    Constructor inputs:
    - W_xh: (H, D) input weights (the equations' layout).
    - W_hh: (H, H) recurrent weights (the equations' layout, torch's weight_hh_l0).
    - b: (H,) bias, or None for zeros.
    - activation: name of f ("tanh", "relu", "sigmoid", "identity").
    """

    name = "rnn"

    def __init__(self, W_xh, W_hh, b=None, activation="tanh"):
        self.W_hh = _square(W_hh, "W_hh")
        H = self.W_hh.shape[0]
        self.W_xh = np.asarray(W_xh, dtype=np.float64)
        if self.W_xh.ndim != 2 or self.W_xh.shape[0] != H:
            raise ValueError(f"W_xh: expected shape (H, D) with H = {H}, got {self.W_xh.shape}")
        self.b = np.zeros(H) if b is None else np.asarray(b, dtype=np.float64)
        if self.b.shape != (H,):
            raise ValueError(f"b: expected shape (H,) = ({H},), got {self.b.shape}")
        self.activation = get_activation(activation)

    @property
    def state_size(self) -> int:
        return self.W_hh.shape[0]

    @classmethod
    def random(cls, H: int, D: int, rng: np.random.Generator, *, rho: float = 1.0,
               kind: str = "gaussian", activation: str = "tanh",
               input_scale: float = 1.0) -> "ElmanCell":
        """A cell with a random W_hh (see :func:`random_recurrent_matrix`),
        W_xh with i.i.d. N(0, input_scale^2 / D) entries and zero bias."""
        W_hh = random_recurrent_matrix(H, rho, kind, rng)
        W_xh = input_scale * rng.standard_normal((H, D)) / np.sqrt(D)
        return cls(W_xh, W_hh, None, activation)

    def run(self, x, h0=None) -> Trace:
        """Forward pass.

        Inputs:
        - x: (N, T, D) inputs.
        - h0: (N, H) initial states, or None for zeros.

        Returns:
        - Trace with states (N, T+1, H) and cache {"a": (N, T, H)}.
        """
        x = _as_sequence(x, self.W_xh.shape[1])
        N, T, _ = x.shape
        H = self.state_size
        h = np.zeros((N, H)) if h0 is None else np.asarray(h0, dtype=np.float64)
        if h.shape != (N, H):
            raise ValueError(f"h0: expected shape (N, H) = ({N}, {H}), got {h.shape}")
        xin = x @ self.W_xh.T + self.b  # (N, T, H): input part of every step at once
        states = np.empty((N, T + 1, H))
        pre = np.empty((N, T, H))
        states[:, 0] = h
        f = self.activation.fn
        with np.errstate(over="ignore", invalid="ignore"):
            for k in range(T):
                pre[:, k] = xin[:, k] + h @ self.W_hh.T  # (N, H): a_{k+1}
                h = f(pre[:, k])
                states[:, k + 1] = h
        return Trace(states, {"a": pre})

    def _slopes(self, trace: Trace) -> np.ndarray:
        """f'(a_k) for every step, computed once per trace: (N, T, H)."""
        if "fprime" not in trace.cache:
            trace.cache["fprime"] = self.activation.derivative(trace.cache["a"])
        return trace.cache["fprime"]

    def jacobian(self, trace: Trace, k: int) -> np.ndarray:
        """dh_k/dh_{k-1} = diag(f'(a_k)) W_hh for k = 1..T, shape (N, H, H)."""
        d = self._slopes(trace)[:, k - 1]  # (N, H)
        return d[:, :, None] * self.W_hh[None]  # (N, H, H): row i scaled by f'(a_k)_i

    def vjp(self, trace: Trace, k: int, g: np.ndarray) -> np.ndarray:
        """g^T dh_k/dh_{k-1} for a batch of row vectors g (N, H) -> (N, H)."""
        return (g * self._slopes(trace)[:, k - 1]) @ self.W_hh


#: name -> cell class (each with ``random(H, D, rng, **kwargs)``)
CELLS: Dict[str, type] = {"rnn": ElmanCell}


def register_cell(name: str, cls: type) -> None:
    """Make a cell class available to :func:`make_cell` and the profiles.

    Inputs:
    - name: short name such as "lstm".
    - cls: class with ``state_size``, ``run``, ``jacobian``, ``vjp`` and a
      classmethod ``random(H, D, rng, **kwargs)``.
    """
    for attr in ("run", "jacobian", "vjp", "random"):
        if not hasattr(cls, attr):
            raise ValueError(f"cell class {cls!r} has no {attr!r}")
    CELLS[name] = cls


def make_cell(name: str, H: int, D: int, rng: np.random.Generator, **kwargs):
    """A random cell of a registered kind, e.g. ``make_cell("rnn", 32, 4, rng, rho=0.9)``."""
    try:
        cls = CELLS[name]
    except KeyError:
        raise ValueError(f"cell: expected one of {sorted(CELLS)}, got {name!r}") from None
    return cls.random(H, D, rng, **kwargs)


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


def norm_bound(W_hh, activation, k) -> np.ndarray:
    """The upper bound (γ σ_max(W_hh))^k on ||dh_T/dh_{T-k}||.

    Inputs:
    - W_hh: (H, H) recurrent matrix.
    - activation: name or Activation (γ = sup |f'|).
    - k: distance(s), int or array of ints >= 0.

    Returns:
    - bound: float array of the shape of k.
    """
    gamma = get_activation(activation).gamma
    with np.errstate(over="ignore"):
        return (gamma * largest_singular_value(W_hh)) ** np.asarray(k, dtype=np.float64)


@dataclass
class GradientProfile:
    """Measured gradient norms against distance for one random network.

    - distance: (T+1,) ints k = 0..T (k = T - t).
    - norms: (N, T+1) ||dL/dh_{T-k}|| for every example, by distance, with ||dL/dh_T|| = 1.
    - median: (T+1,) median over the N examples.
    - low, high: (T+1,) 10th and 90th percentiles over the examples.
    - bound: (T+1,) (γ σ_max)^k.
    - rho, sigma_max, gamma: spectral radius and largest singular value of
      W_hh, and sup |f'|.
    - activation: the activation's name.
    - eigenvalues: (H,) complex eigenvalues of W_hh.
    """

    distance: np.ndarray
    norms: np.ndarray
    median: np.ndarray
    low: np.ndarray
    high: np.ndarray
    bound: np.ndarray
    rho: float
    sigma_max: float
    gamma: float
    activation: str
    eigenvalues: np.ndarray

    def rate(self, k_min: Optional[int] = None) -> float:
        """Average growth factor per step of the median norm, fitted from k_min to T.

        Returns exp(slope) of a least-squares line through log(median) against
        k over the finite, positive values (nan if fewer than two); below 1
        means vanishing, above 1 exploding.
        """
        k_min = len(self.distance) // 4 if k_min is None else k_min
        k = self.distance[k_min:]
        y = self.median[k_min:]
        ok = np.isfinite(y) & (y > 0)
        if ok.sum() < 2:
            return float("nan")
        slope = np.polyfit(k[ok], np.log(y[ok]), 1)[0]
        return float(np.exp(slope))


def gradient_norm_profile(rho: float = 1.0, activation: str = "tanh", T: int = 100, *,
                          H: int = 32, D: int = 4, N: int = 32, kind: str = "gaussian",
                          input_scale: float = 1.0, seed: int = 0,
                          cell: str = "rnn") -> GradientProfile:
    """Build a random RNN, run it on random inputs and measure ||dL/dh_t|| against T - t.

    The loss reads only h_T, L = <u, h_T> with a random unit vector u per
    example, so ||dL/dh_T|| = 1 and the curve shows how much of that unit
    gradient reaches each earlier state.

    Inputs:
    - rho: scale of W_hh (spectral radius; see :func:`random_recurrent_matrix`).
    - activation: "tanh", "relu", "sigmoid" or "identity".
    - T: sequence length (>= 1).
    - H, D, N: hidden size, input size, number of sequences.
    - kind: kind of W_hh ("gaussian", "orthogonal", "identity", "torch").
    - input_scale: standard deviation of each unit's input drive W_xh x_k.
    - seed: seeds the weights, the inputs and u (same seed, same W_hh
      direction for every rho and activation, so curves are comparable).
    - cell: registered cell name (default "rnn").

    Returns:
    - GradientProfile.
    """
    if not (isinstance(T, (int, np.integer)) and T >= 1):
        raise ValueError(f"T: expected a positive integer, got {T!r}")
    rng = np.random.default_rng(seed)
    c = make_cell(cell, H, D, rng, rho=rho, kind=kind, activation=activation,
                  input_scale=input_scale)
    x = rng.standard_normal((N, T, D))  # (N, T, D)
    u = rng.standard_normal((N, c.state_size))
    u /= np.linalg.norm(u, axis=1, keepdims=True)  # (N, S) unit vectors
    norms = gradient_norms(c, x, None, upstream=u)[:, ::-1]  # (N, T+1), by distance
    with np.errstate(invalid="ignore"):
        # an overflowed norm counts as infinitely large (a NaN percentile is a gap in a plot)
        low, median, high = np.percentile(np.where(np.isnan(norms), np.inf, norms),
                                          [10, 50, 90], axis=0)
    W = c.W_hh
    act = get_activation(activation)
    distance = np.arange(T + 1)
    eigenvalues = np.linalg.eigvals(W)
    return GradientProfile(distance=distance, norms=norms, median=median, low=low, high=high,
                           bound=norm_bound(W, act, distance), rho=float(np.max(np.abs(eigenvalues))),
                           sigma_max=largest_singular_value(W), gamma=act.gamma,
                           activation=act.name, eigenvalues=eigenvalues)


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
    if not threshold > 0:
        raise ValueError(f"threshold: expected a positive number, got {threshold!r}")
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
    if not threshold > 0:
        raise ValueError(f"threshold: expected a positive number, got {threshold!r}")
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
    if not max_norm > 0:
        raise ValueError(f"max_norm: expected a positive number, got {max_norm!r}")
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
    if clip not in (None, "none", "norm", "value"):
        raise ValueError(f"clip: expected None, 'norm' or 'value', got {clip!r}")
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
