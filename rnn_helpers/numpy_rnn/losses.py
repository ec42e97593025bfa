"""Losses over time for sequence models, in NumPy (forward and gradient).

An aligned many-to-many RNN produces one output per step: logits ``o`` of
shape (N, T, V) for tokens, or values of shape (N, T, Q) for a time series.
The loss of the whole batch combines the per-step losses, skipping the
padded steps of shorter sequences through an optional ``mask``:

- :func:`softmax`, :func:`log_softmax`: numerically stable (max-shifted),
  float32 and float64, any number of leading axes (defined in
  :mod:`rnn_helpers.numpy_rnn.activations`, importable from here too).
- :func:`cross_entropy` / :func:`cross_entropy_backward`: the negative log
  probability of the target token, per step; the mean over the real
  (unmasked) tokens by default. Equals ``torch.nn.functional.cross_entropy``
  on logits (with ``ignore_index`` playing the role of the mask).
- :func:`mse` / :func:`mse_backward`: squared error per entry, the mean over
  the real entries by default. Equals ``torch.nn.functional.mse_loss``.

Reductions (``reduction=``):

- ``"mean"``: sum over the real steps divided by their number (for MSE:
  divided by the number of real entries, i.e. real steps times features);
- ``"sum"``: the plain sum over the real steps;
- ``"none"``: the per-step losses (for MSE: per entry), zero where masked.

A mask is 1 (or True) for a real step and 0 for padding. Masked steps never
influence the loss or its gradient, whatever values their logits or
predictions hold (even ``inf`` or ``nan``).

Dtypes: float32 and float64 logits work and give results of the same dtype
(mixed inputs run in their NumPy result type). Targets of the cross-entropy
are integer class ids. Wrong shapes or dtypes raise ``ValueError`` naming the
argument and the expected shape.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_choice, format_shape
from rnn_helpers.numpy_rnn.activations import log_softmax, softmax

__all__ = [
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_backward",
    "mse",
    "mse_backward",
]

_REDUCTIONS = ("mean", "sum", "none")
_GRADIENT_REDUCTIONS = ("mean", "sum")  # the gradient of a scalar loss


# ----------------------------------------------------------------------------
# argument checks and reductions
# ----------------------------------------------------------------------------


def _reduce(per: np.ndarray, real: np.ndarray, reduction: str):
    """Per-step (or per-entry) losses -> what ``reduction`` asks for.

    Inputs:
    - per: losses, 0 where masked, e.g. (N, T) or (N, T, Q).
    - real: bool array of per's shape (or broadcastable), True = real.
    - reduction: "mean", "sum" or "none".

    Returns:
    - per itself ("none"), or a float: the sum, or the sum over the real
      entries divided by their number (nan if there are none).
    """
    if reduction == "none":
        return per
    total = per.sum(dtype=np.float64)
    if reduction == "sum":
        return float(total)
    count = int(real.sum())
    return float(total / count) if count else float("nan")


def _reduce_gradient(d: np.ndarray, real: np.ndarray, reduction: str) -> np.ndarray:
    """Divide the gradient ``d`` in place by the number of real entries for "mean"."""
    if reduction == "mean":
        count = int(real.sum())
        if count:
            d /= count
    return d


def _letters(lead_shape: Tuple[int, ...]) -> str:
    """Letters of a targets/mask shape for messages: "(N,)", "(N, T)" or "(N, T, ...)"."""
    names = ["N", "T"] + ["..."] * max(0, len(lead_shape) - 2)
    names = names[: len(lead_shape)]
    if len(names) == 1:
        return "(N,)"
    return "(" + ", ".join(names) + ")"


def _check_mask(mask: Any, shape: Tuple[int, ...], letters: str) -> Optional[np.ndarray]:
    """Return the mask as a bool array of ``shape``, or None for no mask."""
    if mask is None:
        return None
    try:
        m = np.asarray(mask)
    except Exception as exc:  # e.g. a tensor that requires grad
        raise ValueError(f"mask: cannot convert {type(mask).__name__} to a NumPy array ({exc})") from exc
    if m.dtype.kind not in "biuf":
        raise ValueError(f"mask: expected 0/1 or boolean entries, got dtype {m.dtype}")
    if m.shape != tuple(shape):
        raise ValueError(
            f"mask: expected shape ({letters}) = {format_shape(shape)}, got {format_shape(m.shape)}"
        )
    if m.dtype.kind != "b":
        if not np.all((m == 0) | (m == 1)):
            raise ValueError("mask: expected entries 0 or 1 (1 = real step, 0 = padding)")
        m = m != 0
    return m


def _check_targets(targets: Any, lead_shape: Tuple[int, ...], V: int) -> np.ndarray:
    """Return integer targets of shape ``lead_shape`` (range checked later)."""
    try:
        y = np.asarray(targets)
    except Exception as exc:
        raise ValueError(f"targets: cannot convert {type(targets).__name__} to a NumPy array ({exc})") from exc
    if y.dtype.kind not in "iu":
        raise ValueError(
            f"targets: expected integer class ids in [0, {V}), got dtype {y.dtype}"
            + ("; convert with .astype(np.int64)" if y.dtype.kind == "f" else "")
        )
    if y.shape != tuple(lead_shape):
        raise ValueError(
            f"targets: expected shape {_letters(lead_shape)} = {format_shape(lead_shape)} "
            f"(the logits' shape without the class axis), got {format_shape(y.shape)}"
        )
    return y.astype(np.int64, copy=False)


def _prepare_ce(logits: Any, targets: Any, mask: Any):
    o = as_float_array("logits", logits)
    if o.ndim < 2:
        raise ValueError(
            f"logits: expected shape (N, V) or (N, T, V) with the classes last, got {format_shape(o.shape)}"
        )
    lead, V = o.shape[:-1], o.shape[-1]
    y = _check_targets(targets, lead, V)
    m = _check_mask(mask, lead, _letters(lead)[1:-1])
    real = np.ones(lead, dtype=bool) if m is None else m
    bad = real & ((y < 0) | (y >= V))
    if np.any(bad):
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"targets: every id of a real step must lie in [0, {V}); targets{list(first)} = {int(y[first])}"
        )
    return o, y, m, real


# ----------------------------------------------------------------------------
# cross-entropy
# ----------------------------------------------------------------------------


def cross_entropy(logits: Any, targets: Any, mask: Any = None, reduction: str = "mean"):
    """
    Cross-entropy of the target tokens under softmax(logits), over time.

    Per step: l[n, t] = -log softmax(logits[n, t])[targets[n, t]].

    Inputs:
    - logits: Array of shape (N, T, V) (or (N, V), or any (..., V)): unnormalised scores
    - targets: Integer array of shape (N, T) (the logits' shape without V), ids in [0, V)
    - mask: None, or array of shape (N, T): 1/True for real steps, 0/False for padding;
      the targets of padded steps may hold any integer (e.g. -100)
    - reduction: "mean" (over real steps, default), "sum", or "none"

    Returns:
    - loss: A float (for "mean" and "sum"; nan for "mean" if no step is real), or an
      array of shape (N, T) of per-step losses, 0 at padded steps (for "none")
    """
    check_choice("reduction", reduction, _REDUCTIONS)
    o, y, m, real = _prepare_ce(logits, targets, mask)
    if m is not None:
        o = np.where(real[..., None], o, 0.0).astype(o.dtype)  # padded logits cannot poison the sum
    logp = log_softmax(o, axis=-1)  # (N, T, V)
    y_safe = np.where(real, y, 0)  # (N, T)
    per_step = -np.take_along_axis(logp, y_safe[..., None], axis=-1)[..., 0]  # (N, T)
    per_step = np.where(real, per_step, 0.0).astype(logp.dtype)
    return _reduce(per_step, real, reduction)


def cross_entropy_backward(logits: Any, targets: Any, mask: Any = None, reduction: str = "mean") -> np.ndarray:
    """
    Gradient of :func:`cross_entropy` with respect to the logits.

    d l[n, t] / d logits[n, t] = softmax(logits[n, t]) - onehot(targets[n, t]);
    masked steps get a zero gradient, and "mean" divides by the number of real steps.

    Inputs:
    - logits, targets, mask: As for :func:`cross_entropy`
    - reduction: "mean" or "sum" (the gradient of a scalar loss)

    Returns:
    - dlogits: Array of the same shape and dtype as logits
    """
    check_choice("reduction", reduction, _GRADIENT_REDUCTIONS)
    o, y, m, real = _prepare_ce(logits, targets, mask)
    if m is not None:
        o = np.where(real[..., None], o, 0.0).astype(o.dtype)
    p = softmax(o, axis=-1)  # (N, T, V)
    y_safe = np.where(real, y, 0)
    np.put_along_axis(p, y_safe[..., None], np.take_along_axis(p, y_safe[..., None], axis=-1) - 1, axis=-1)
    p *= real[..., None]  # (N, T, V): no gradient at padded steps
    return _reduce_gradient(p, real, reduction)


# ----------------------------------------------------------------------------
# mean squared error
# ----------------------------------------------------------------------------


def _prepare_mse(pred: Any, target: Any, mask: Any):
    p = as_float_array("pred", pred)
    t = as_float_array("target", target)
    if p.shape != t.shape:
        raise ValueError(
            f"target: expected the shape of pred, {format_shape(p.shape)}, got {format_shape(t.shape)}"
        )
    if p.ndim == 0:
        raise ValueError("pred: expected an array such as (N, T, Q), got a scalar")
    m = None
    if mask is not None:
        shape = np.shape(mask)
        if shape == p.shape:
            m = _check_mask(mask, p.shape, "same as pred")
        else:
            m = _check_mask(mask, p.shape[:-1], "N, T" if p.ndim == 3 else "pred.shape[:-1]")[..., None]
    real = np.ones(p.shape, dtype=bool) if m is None else np.broadcast_to(m, p.shape)
    return p, t, real


def mse(pred: Any, target: Any, mask: Any = None, reduction: str = "mean"):
    """
    Squared error over time: for values (a time series), not for classes.

    Inputs:
    - pred: Array of shape (N, T, Q) (or any shape): the predicted values
    - target: Array of the same shape as pred
    - mask: None, or an array of shape (N, T) (pred.shape without the last axis,
      broadcast over the Q features) or of pred's full shape: 1 = real, 0 = padding
    - reduction: "mean" (over the real entries, default), "sum", or "none"

    Returns:
    - loss: A float (for "mean" and "sum"; nan for "mean" if nothing is real), or an
      array of pred's shape of squared errors, 0 at padded entries (for "none")
    """
    check_choice("reduction", reduction, _REDUCTIONS)
    p, t, real = _prepare_mse(pred, target, mask)
    dtype = np.result_type(p, t)
    diff = np.where(real, p.astype(dtype) - t.astype(dtype), 0.0).astype(dtype)  # (N, T, Q)
    sq = diff * diff
    return _reduce(sq, real, reduction)


def mse_backward(pred: Any, target: Any, mask: Any = None, reduction: str = "mean") -> np.ndarray:
    """
    Gradient of :func:`mse` with respect to the predictions.

    Inputs:
    - pred, target, mask: As for :func:`mse`
    - reduction: "mean" or "sum"

    Returns:
    - dpred: Array of pred's shape: 2 (pred - target) at real entries, 0 at padded
      ones, divided by the number of real entries for "mean"
    """
    check_choice("reduction", reduction, _GRADIENT_REDUCTIONS)
    p, t, real = _prepare_mse(pred, target, mask)
    dtype = np.result_type(p, t)
    d = np.where(real, 2 * (p.astype(dtype) - t.astype(dtype)), 0.0).astype(dtype)
    return _reduce_gradient(d, real, reduction)
