"""Batches of sequences of different lengths: padding, masks, pooling, packing.

A batch of N sequences with lengths L_1, ..., L_N becomes one rectangular
array of shape (N, T_max) by *padding* the shorter ones with a dummy id at
the end. A recurrent network then runs over the padding too, unless it is
told not to. Everything here keeps the padding out of the answer:

==========================  ===============================================
:func:`pad_sequences`        list of N integer sequences -> (N, T_max) ids and (N,) lengths
:func:`length_mask`          (N,) lengths -> (N, T) boolean mask, True at real steps
:func:`masked_mean`          mean of the states over the real steps, (N, T, H) -> (N, H)
:func:`last_state`           the state at each sequence's own last step, (N, T, H) -> (N, H)
:func:`run_packed`           run a ``torch.nn`` RNN/GRU/LSTM with ``pack_padded_sequence``
==========================  ===============================================

:func:`length_mask`, :func:`masked_mean` and :func:`last_state` accept NumPy
arrays or torch tensors and return the same kind (torch results keep their
gradients). Padding goes at the *end* of each sequence (post-padding), the
layout ``pack_padded_sequence`` expects.

Example::

    ids, lengths = pad_sequences([[3, 1, 4], [1, 5], [9]])   # (3, 3), (3,)
    mask = length_mask(lengths)                                # (3, 3) bool
    out, last = run_packed(gru, emb(torch.from_numpy(ids)), lengths)
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_helpers.argcheck import check_int

__all__ = ["pad_sequences", "length_mask", "masked_mean", "last_state", "run_packed"]


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------


def _is_torch(a: Any) -> bool:
    return isinstance(a, torch.Tensor)


def _int_vector(a: Any, name: str, letter: str, what: str, empty: str,
                integral_floats: bool = False) -> np.ndarray:
    """
    A non-empty 1-D int64 NumPy array from a list, array or tensor, or ValueError.

    Inputs:
    - a: The value
    - name: Its name in the messages, e.g. "lengths" or "seqs[2]"
    - letter: The letter of its size in the messages, "N" or "L"
    - what: What its entries are, e.g. "lengths" or "ids"
    - empty: What the message asks for when a is empty
    - integral_floats: Accept floats with integer values (2.0) too

    Returns:
    - arr: Integer array of shape (letter,), int64
    """
    if _is_torch(a):
        a = a.detach().cpu().numpy()
    arr = np.asarray(a)
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of shape ({letter},), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: expected {empty}, got an empty array")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        integral = (integral_floats and np.issubdtype(arr.dtype, np.floating)
                    and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
        if not integral:
            raise ValueError(f"{name}: expected integer {what} of shape ({letter},), got dtype {arr.dtype}")
    return arr.astype(np.int64)


def _lengths_array(lengths: Any, name: str = "lengths") -> np.ndarray:
    """(N,) int64 NumPy array of positive lengths from a list, array or tensor."""
    arr = _int_vector(lengths, name, "N", "lengths", "at least one sequence (N >= 1)",
                      integral_floats=True)
    if np.any(arr < 1):
        raise ValueError(f"{name}: every length must be at least 1, got minimum {int(arr.min())}")
    return arr


# ----------------------------------------------------------------------------
# padding and masks
# ----------------------------------------------------------------------------


def pad_sequences(seqs: Sequence[Any], pad_value: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """
    Pad N integer sequences of different lengths at the end into one array.

    Inputs:
    - seqs: Sequence of N >= 1 one-dimensional integer sequences (lists,
      arrays or tensors), each of length >= 1
    - pad_value: Integer written after the end of each shorter sequence

    Returns a tuple of:
    - padded: Integer array of shape (N, T_max), int64; row n holds seqs[n]
      followed by T_max - L_n copies of pad_value
    - lengths: Integer array of shape (N,), int64, the true lengths L_n
    """
    if isinstance(seqs, (str, bytes)) or not hasattr(seqs, "__len__"):
        raise ValueError(f"seqs: expected a list of N integer sequences, got {type(seqs).__name__}")
    if len(seqs) == 0:
        raise ValueError("seqs: expected at least one sequence (N >= 1), got an empty list")
    check_int("pad_value", pad_value)
    rows = []
    for n, s in enumerate(seqs):
        rows.append(_int_vector(s, f"seqs[{n}]", "L", "ids", "at least one element (L >= 1)"))
    lengths = np.array([len(r) for r in rows], dtype=np.int64)  # (N,)
    padded = np.full((len(rows), int(lengths.max())), pad_value, dtype=np.int64)  # (N, T_max)
    for n, r in enumerate(rows):
        padded[n, : len(r)] = r
    return padded, lengths


def length_mask(lengths: Any, T: Optional[int] = None):
    """
    Boolean mask of the real (not padded) steps of a post-padded batch.

    mask[n, t] is True exactly when t < lengths[n] (steps counted from 0).

    Inputs:
    - lengths: Integer array or tensor of shape (N,), each >= 1
    - T: Integer number of steps of the padded batch (default: max(lengths));
      must be >= max(lengths)

    Returns:
    - mask: Boolean array of shape (N, T); a torch.BoolTensor if lengths is a
      tensor (on the same device), else a NumPy array
    """
    arr = _lengths_array(lengths)
    T_max = int(arr.max())
    if T is None:
        T = T_max
    check_int("T", T, detail="the number of steps")
    if T < T_max:
        raise ValueError(f"T: expected at least max(lengths) = {T_max} steps, got {T}")
    if _is_torch(lengths):
        steps = torch.arange(int(T), device=lengths.device)  # (T,)
        return steps[None, :] < lengths.to(torch.int64)[:, None]  # (N, T)
    return np.arange(int(T))[None, :] < arr[:, None]  # (N, T)


def _check_states(h: Any, name: str = "h"):
    if not (_is_torch(h) or isinstance(h, np.ndarray)):
        h = np.asarray(h, dtype=np.float64)
    if h.ndim != 3:
        raise ValueError(f"{name}: expected a 3-D array of shape (N, T, H), got shape {tuple(h.shape)}")
    return h


def masked_mean(h: Any, mask: Any):
    """
    Mean of the states over each sequence's real steps (mean pooling).

    pooled[n] = sum_t mask[n, t] h[n, t] / sum_t mask[n, t]: the padded steps
    get weight zero, whatever values they hold (even NaN).

    Inputs:
    - h: States, array or tensor of shape (N, T, H)
    - mask: Boolean (or 0/1) array or tensor of shape (N, T), True at real
      steps; every row needs at least one True

    Returns:
    - pooled: Array or tensor (the kind of h) of shape (N, H)
    """
    h = _check_states(h)
    N, T, _ = h.shape
    if _is_torch(h):
        m = mask if _is_torch(mask) else torch.as_tensor(np.asarray(mask))
        m = m.to(h.device)
    else:
        m = mask.detach().cpu().numpy() if _is_torch(mask) else np.asarray(mask)
    if tuple(m.shape) != (N, T):
        raise ValueError(f"mask: expected shape (N, T) = ({N}, {T}), got {tuple(m.shape)}")
    if _is_torch(h):
        m = m.to(torch.bool)
        counts = m.sum(dim=1)  # (N,)
        if bool((counts == 0).any()):
            raise ValueError("mask: every sequence needs at least one real step (a True in each row)")
        summed = torch.where(m[:, :, None], h, torch.zeros((), dtype=h.dtype, device=h.device)).sum(dim=1)
        return summed / counts[:, None].to(h.dtype)  # (N, H)
    m = m.astype(bool)
    counts = m.sum(axis=1)  # (N,)
    if np.any(counts == 0):
        raise ValueError("mask: every sequence needs at least one real step (a True in each row)")
    summed = np.where(m[:, :, None], h, 0).sum(axis=1)  # (N, H)
    return summed / counts[:, None]


def last_state(h: Any, lengths: Any):
    """
    The state after each sequence's own last real step (last-state pooling).

    last[n] = h[n, lengths[n] - 1], gathered for the whole batch at once.

    Inputs:
    - h: States, array or tensor of shape (N, T, H)
    - lengths: Integer array or tensor of shape (N,), 1 <= lengths[n] <= T

    Returns:
    - last: Array or tensor (the kind of h) of shape (N, H)
    """
    h = _check_states(h)
    N, T, _ = h.shape
    arr = _lengths_array(lengths)
    if arr.shape != (N,):
        raise ValueError(f"lengths: expected shape (N,) = ({N},), got {arr.shape}")
    if arr.max() > T:
        raise ValueError(f"lengths: every length must be at most T = {T}, got {int(arr.max())}")
    if _is_torch(h):
        idx = torch.from_numpy(arr - 1).to(h.device)  # (N,)
        return h[torch.arange(N, device=h.device), idx]  # (N, H)
    return h[np.arange(N), arr - 1]  # (N, H)


# ----------------------------------------------------------------------------
# packing
# ----------------------------------------------------------------------------


def run_packed(rnn: torch.nn.Module, x: torch.Tensor, lengths: Any, h0: Any = None):
    """
    Run a batch-first ``torch.nn`` RNN, GRU or LSTM on padded input, skipping the padding.

    The batch is packed with ``pack_padded_sequence(..., enforce_sorted=False)``
    (no sorting needed by the caller), run, and unpacked with
    ``pad_packed_sequence``. Each sequence is processed for exactly its own
    number of steps, so the final states are the ones each sequence would
    give if it were run alone, and the padded steps cost nothing.

    Inputs:
    - rnn: torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM with batch_first=True
      (any num_layers; bidirectional allowed)
    - x: Tensor of shape (N, T, D), the padded inputs (D = rnn.input_size)
    - lengths: Integer array, list or tensor of shape (N,), 1 <= lengths[n] <= T
    - h0: Optional initial state as the module expects it: a tensor of shape
      (num_layers * num_directions, N, H), for an LSTM a tuple (h0, c0)

    Returns a tuple of:
    - out: Tensor of shape (N, T, num_directions * H), the top layer's states;
      exactly zero at padded steps
    - last: Tensor of shape (N, num_directions * H), the top layer's final
      state of each sequence: for a unidirectional network the state after
      step lengths[n]; for a bidirectional one the forward state after step
      lengths[n] concatenated with the backward state after reading back to step 1
    """
    if not isinstance(rnn, torch.nn.RNNBase):
        raise ValueError(f"rnn: expected a torch.nn.RNN, GRU or LSTM, got {type(rnn).__name__}")
    if not rnn.batch_first:
        raise ValueError("rnn: expected batch_first=True, so that x has shape (N, T, D)")
    if not _is_torch(x) or x.ndim != 3:
        shape = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
        raise ValueError(f"x: expected a tensor of shape (N, T, D), got {shape}")
    N, T, D = x.shape
    if D != rnn.input_size:
        raise ValueError(
            f"x: expected shape (N, T, D) with D = rnn.input_size = {rnn.input_size}, got {tuple(x.shape)}"
        )
    arr = _lengths_array(lengths)
    if arr.shape != (N,):
        raise ValueError(f"lengths: expected shape (N,) = ({N},), got {arr.shape}")
    if arr.max() > T:
        raise ValueError(f"lengths: every length must be at most T = {T}, got {int(arr.max())}")
    packed = pack_padded_sequence(x, torch.from_numpy(arr), batch_first=True, enforce_sorted=False)
    packed_out, h_n = rnn(packed) if h0 is None else rnn(packed, h0)
    out, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=T)  # (N, T, dirs * H)
    if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
        h_n = h_n[0]
    # h_n: (num_layers * dirs, N, H), already back in the caller's batch order
    if rnn.bidirectional:
        last = torch.cat([h_n[-2], h_n[-1]], dim=-1)  # (N, 2H): forward, backward of the top layer
    else:
        last = h_n[-1]  # (N, H)
    return out, last
