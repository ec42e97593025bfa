"""Finite-difference gradient checks (the CS231n way).

Two functions:

- :func:`numerical_gradient` -- centred differences of ``sum(f(x) * df)``
  with respect to an array ``x``; compare it with an analytic backward pass
  that received the upstream gradient ``df``.
- :func:`rel_error` -- the maximum elementwise relative error between two
  arrays, ``max |a - b| / max(1e-8, |a| + |b|)``.

Typical use, for a function ``f`` of ``x`` whose backward gives ``dx``::

    dout = rng.standard_normal(f(x).shape)
    dx_num = numerical_gradient(lambda x: f(x), x, dout)
    assert rel_error(dx, dx_num) < 1e-7

Use float64: with float32 the differences drown in rounding error.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from rnn_helpers.argcheck import SUPPORTED_FLOAT_DTYPES, format_shape

__all__ = ["numerical_gradient", "rel_error"]


def numerical_gradient(
    f: Callable[[np.ndarray], Any],
    x: np.ndarray,
    df: Any,
    h: float = 1e-5,
) -> np.ndarray:
    """Centred-difference gradient of ``sum(f(x) * df)`` with respect to ``x``.

    Each element of ``x`` is perturbed *in place* by +h and -h (so ``f`` may
    be a closure that reads ``x`` or other arrays sharing its memory) and is
    restored afterwards, also when ``f`` raises.

    Inputs:
    - f: function of one array returning an array (or scalar) of the shape of df.
    - x: np.ndarray of dtype float32 or float64, any shape, writeable.
    - df: upstream gradient, array-like of the shape of ``f(x)``.
    - h: step size, a positive finite float.

    Returns:
    - grad: np.ndarray of the shape and dtype of ``x``; element ``k`` is
      ``sum((f(x + h e_k) - f(x - h e_k)) * df) / (2 h)``.

    Raises:
    - TypeError: f is not callable or x is not a NumPy array.
    - ValueError: x has an unsupported dtype or is read-only, h is not a
      positive finite number, or f(x) and df differ in shape.
    """
    if not callable(f):
        raise TypeError(f"f: expected a callable, got {type(f).__name__}")
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"x: expected a NumPy array (it is perturbed in place), got {type(x).__name__}"
        )
    if x.dtype not in SUPPORTED_FLOAT_DTYPES:
        raise ValueError(f"x: expected a float32 or float64 array, got dtype {x.dtype}")
    if not x.flags.writeable:
        raise ValueError("x: must be writeable (it is perturbed in place)")
    try:
        h = float(h)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"h: expected a positive float, got {h!r}") from exc
    if not np.isfinite(h) or h <= 0:
        raise ValueError(f"h: expected a positive finite float, got {h!r}")
    df = np.asarray(df)
    if df.dtype.kind not in "fiub":
        raise ValueError(f"df: expected a real numeric array, got dtype {df.dtype}")
    df = df.astype(np.float64, copy=False)

    def evaluate() -> np.ndarray:
        out = np.array(f(x), dtype=np.float64)  # a copy, in float64
        if out.shape != df.shape:
            raise ValueError(
                f"df: expected the shape of f(x) = {format_shape(out.shape)}, "
                f"got {format_shape(df.shape)}"
            )
        return out

    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        ix = it.multi_index
        old = x[ix].copy()
        try:
            x[ix] = old + h
            pos = evaluate()
            x[ix] = old - h
            neg = evaluate()
        finally:
            x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def rel_error(a: Any, b: Any) -> float:
    """Maximum elementwise relative error, ``max |a-b| / max(1e-8, |a|+|b|)``.

    Inputs:
    - a, b: real array-likes (or scalars) of the same shape.

    Returns:
    - a Python float; 0.0 for two empty arrays; nan if either holds a nan.

    Raises:
    - ValueError: the shapes differ or an input is not real-valued.
    """
    a = np.asarray(a)
    b = np.asarray(b)
    for name, v in (("a", a), ("b", b)):
        if v.dtype.kind not in "fiub":
            raise ValueError(f"{name}: expected a real numeric array, got dtype {v.dtype}")
    if a.shape != b.shape:
        raise ValueError(
            f"b: expected the shape of a = {format_shape(a.shape)}, got {format_shape(b.shape)}"
        )
    if a.size == 0:
        return 0.0
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    err = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(err))
