"""The elementwise activations and the softmax of the package, in NumPy.

Every module that needs a sigmoid, a softmax or a log-softmax imports it from
here (``rnn_helpers.numpy_rnn.sigmoid`` is the public name of the first):

====================  ======================================================
sigmoid(a)            1 / (1 + exp(-a)), a new array, dtype-preserving
sigmoid_inplace(a)    the same, overwriting ``a`` (the cells' fast loops)
sigmoid_derivative    sigma'(a) = sigma(a) (1 - sigma(a))
tanh_derivative       tanh'(a) = 1 - tanh(a)^2
softmax(o, axis)      max-shifted softmax along one axis
log_softmax(o, axis)  max-shifted log-softmax along one axis
====================  ======================================================

Float32 inputs give float32 results; other real inputs are computed in
float64 (the softmaxes accept float32/float64 arrays only and raise
``ValueError`` otherwise, see :mod:`rnn_helpers.argcheck`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_helpers.argcheck import as_float_array

__all__ = [
    "sigmoid",
    "sigmoid_inplace",
    "sigmoid_derivative",
    "tanh_derivative",
    "softmax",
    "log_softmax",
]


def sigmoid(a: Any) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-a)), elementwise, dtype-preserving.

    Inputs:
    - a: array-like of any shape (non-float input is computed in float64).

    Returns:
    - s: new array of the same shape as ``a`` (same dtype if floating),
      values in [0, 1].

    ``exp(-a)`` overflows to ``inf`` for very negative ``a``; then
    ``1 / (1 + inf) = 0`` is the correctly rounded answer, so the overflow
    warning is silenced.
    """
    a = np.asarray(a)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    out = np.negative(a, out=np.empty_like(a))  # an array even for 0-d input
    with np.errstate(over="ignore", under="ignore"):
        return sigmoid_inplace(out, negated=True)


def sigmoid_inplace(a: np.ndarray, negated: bool = False) -> np.ndarray:
    """Overwrite ``a`` with ``sigmoid(a)`` in place (no temporaries) and return it.

    The caller should be inside ``np.errstate(over="ignore", under="ignore")``
    (the sequence loops enter it once, not once per step).

    Inputs:
    - a: float array (may be a strided view); overwritten.
    - negated: True when ``a`` already holds ``-a`` (saves one ufunc call).

    Returns:
    - a (the same object), now holding 1 / (1 + exp(-a)).
    """
    if not negated:
        np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)
    return a


def sigmoid_derivative(a: Any) -> np.ndarray:
    """sigma'(a) = sigma(a) (1 - sigma(a)), elementwise; at most 1/4.

    Inputs:
    - a: array-like of any shape.

    Returns:
    - new array of the shape of ``a``.
    """
    s = sigmoid(a)
    return s * (1.0 - s)


def tanh_derivative(a: Any) -> np.ndarray:
    """tanh'(a) = 1 - tanh(a)^2, elementwise; at most 1.

    Inputs:
    - a: array-like of any shape.

    Returns:
    - new array of the shape of ``a``.
    """
    return 1.0 - np.tanh(a) ** 2


def _shift(o: Any, axis: int) -> np.ndarray:
    """``o - max(o)`` along ``axis`` (all entries <= 0), for both softmaxes.

    +inf or NaN maxima have no meaningful softmax; they are replaced by 0 so
    that the arithmetic stays quiet and the result shows the NaN/inf.
    """
    o = as_float_array("o", o)
    if o.ndim == 0:
        raise ValueError(
            "o: expected an array with at least one axis (the classes), got a scalar"
        )
    m = np.max(o, axis=axis, keepdims=True)  # (..., 1, ...)
    if not np.all(np.isfinite(m)):
        m = np.where(np.isfinite(m), m, 0.0).astype(o.dtype)
    return o - m  # (..., V, ...)


def log_softmax(o: Any, axis: int = -1) -> np.ndarray:
    """
    Numerically stable log-softmax along one axis.

    log softmax(o)_k = o_k - m - log(sum_j exp(o_j - m)) with m = max_j o_j,
    so no exp ever overflows and the largest term of the sum is exactly 1.

    Inputs:
    - o: Logits, float array of any shape (..., V, ...)
    - axis: Integer axis holding the V classes (default: the last)

    Returns:
    - logp: Array of the same shape and dtype as o; exp(logp) sums to 1 along axis
    """
    shifted = _shift(o, axis)  # (..., V, ...), all entries <= 0
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax(o: Any, axis: int = -1) -> np.ndarray:
    """
    Numerically stable softmax along one axis.

    Inputs:
    - o: Logits, float array of any shape (..., V, ...)
    - axis: Integer axis holding the V classes (default: the last)

    Returns:
    - p: Array of the same shape and dtype as o, entries in [0, 1] summing to 1 along axis
    """
    e = np.exp(_shift(o, axis))  # (..., V, ...), the largest entry is exactly 1
    return e / np.sum(e, axis=axis, keepdims=True)
