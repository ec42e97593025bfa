"""Token inputs for recurrent networks: one-hot vectors and embeddings.

A token with id ``c`` from a vocabulary of ``V`` symbols enters a network in
one of two ways:

- as a **one-hot** vector ``e_c`` of length V (:func:`one_hot`); multiplying
  it by a weight matrix ``Wx`` (V, H) just selects row ``c`` of ``Wx``;
- through an **embedding** table ``E`` (V, D), whose row ``c`` is the input
  vector (:func:`embedding_forward`), with D usually much smaller than V.

The two are related exactly: ``one_hot(ids, V) @ E == E[ids]``, so an
embedding followed by an RNN's ``Wx`` (D, H) is a one-hot input with the
factorised weight ``E @ Wx`` (V, H) of rank at most D.

:func:`embedding_backward` scatters an upstream gradient back into the
rows of the table, adding up repeated ids, as ``torch.nn.Embedding`` does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_int, format_shape

__all__ = ["one_hot", "embedding_forward", "embedding_backward"]


def _check_ids(ids: Any, V: int) -> np.ndarray:
    """Return ``ids`` as an int64 array, checking integer dtype and range [0, V)."""
    try:
        a = np.asarray(ids)
    except Exception as exc:  # e.g. a tensor that requires grad
        raise ValueError(f"ids: cannot convert {type(ids).__name__} to a NumPy array ({exc})") from exc
    if a.dtype.kind not in "iu":
        raise ValueError(
            f"ids: expected integer token ids in [0, {V}), got dtype {a.dtype}"
            + ("; convert with .astype(np.int64)" if a.dtype.kind in "fb" else "")
        )
    if a.size and (a.min() < 0 or a.max() >= V):
        bad = a[(a < 0) | (a >= V)].ravel()[0]
        raise ValueError(f"ids: expected every id in [0, V) = [0, {V}), found {int(bad)}")
    return a.astype(np.int64, copy=False)


def one_hot(ids: Any, V: int, dtype: Any = np.float64) -> np.ndarray:
    """
    One-hot encode integer token ids.

    Inputs:
    - ids: Integer array of any shape, e.g. (N, T), with entries in [0, V)
    - V: Integer vocabulary size
    - dtype: float32 or float64 (default float64)

    Returns:
    - x: Array of shape ids.shape + (V,), e.g. (N, T, V): x[..., c] = 1 where ids == c, else 0
    """
    V = check_int("V", V, 1, detail="the vocabulary size")
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    a = _check_ids(ids, V)
    x = np.zeros(a.shape + (V,), dtype=dtype)  # (..., V)
    np.put_along_axis(x, a[..., None], 1.0, axis=-1)
    return x


def embedding_forward(ids: Any, E: Any) -> np.ndarray:
    """
    Look up the embedding vectors of token ids.

    Inputs:
    - ids: Integer array of any shape, e.g. (N, T), with entries in [0, V)
    - E: Embedding table of shape (V, D), float32 or float64

    Returns:
    - x: Array of shape ids.shape + (D,), e.g. (N, T, D): x[n, t] = E[ids[n, t]] (a copy)
    """
    E = as_float_array("E", E, 2, "(V, D)")
    a = _check_ids(ids, E.shape[0])
    return E[a]  # (..., D); fancy indexing copies


def embedding_backward(dx: Any, ids: Any, V: int) -> np.ndarray:
    """
    Gradient of :func:`embedding_forward` with respect to the table.

    Row c of the gradient is the sum of the upstream gradients of every
    position whose id is c (a token used twice gets both contributions);
    rows of ids that do not occur are zero.

    Inputs:
    - dx: Upstream gradient of shape ids.shape + (D,), e.g. (N, T, D)
    - ids: Integer array of shape (N, T) (any shape), as given to the forward pass
    - V: Integer vocabulary size

    Returns:
    - dE: Array of shape (V, D), the dtype of dx
    """
    V = check_int("V", V, 1, detail="the vocabulary size")
    a = _check_ids(ids, V)
    dx = as_float_array("dx", dx)
    if dx.shape[:-1] != a.shape or dx.ndim != a.ndim + 1:
        raise ValueError(
            f"dx: expected shape ids.shape + (D,) = {format_shape(a.shape + ('D',))}, "
            f"got {format_shape(dx.shape)}"
        )
    D = dx.shape[-1]
    dE = np.zeros((V, D), dtype=dx.dtype)  # (V, D)
    np.add.at(dE, a.reshape(-1), dx.reshape(-1, D))  # unbuffered: repeated ids add up
    return dE
