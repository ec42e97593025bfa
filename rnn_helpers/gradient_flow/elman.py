"""The plain (Elman) RNN's gradient flow: the measurements of chapter 4.

- activations with their derivatives and the constant gamma = sup |f'|;
- recurrent matrices: spectral radius, largest singular value, random
  matrices of a given kind and scale;
- :class:`ElmanCell`, the cell h_k = f(W_xh x_k + W_hh h_{k-1} + b_h) in the
  cell interface of :mod:`rnn_helpers.gradient_flow.jacobians` (whose
  functions walk backwards through any cell), and the registry of cells by
  name (:data:`CELLS`, :func:`register_cell`, :func:`make_cell`);
- the bound (gamma sigma_max)^k and :func:`gradient_norm_profile`, which
  measures ||dL/dh_t|| against the distance T - t for a random network.

Clipping and the loss cliff are in :mod:`rnn_helpers.gradient_flow.clipping`,
the figures in :mod:`rnn_helpers.viz.gradients`. (About 450 lines, half of
them docstrings: the chapter's measurements of one cell kind belong
together.)

The equations use column vectors, as in the rest of the course::

    a_k = W_xh x_k + W_hh h_{k-1} + b_h,      h_k = f(a_k)

so ``W_hh`` here is the (H, H) matrix *of the equations* (PyTorch's
``weight_hh_l0``; the package's ``Wh`` is its transpose), and in the
numerator layout of the Jacobians

    dh_k/dh_{k-1} = diag(f'(a_k)) W_hh,
    dh_T/dh_t     = dh_T/dh_{T-1} ... dh_{t+1}/dh_t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.gradient_flow.jacobians import (
    Trace,
    _as_sequence,
    _initial_state,
    gradient_norms,
)
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
    "ElmanCell",
    "CELLS",
    "register_cell",
    "make_cell",
    "norm_bound",
    "GradientProfile",
    "gradient_norm_profile",
]

# Transitional: rnn_helpers.exercises.ch04 still imports clip_grad_norm from
# here; its home is rnn_helpers.gradient_flow.clipping. Remove this line once
# that import is updated.
from rnn_helpers.gradient_flow.clipping import clip_grad_norm  # noqa: E402,F401


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
        h = _initial_state("h0", h0, N, H, "H")
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
    T = check_int("T", T, 1)
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


