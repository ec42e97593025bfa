"""minGRU and minLSTM (Feng et al. 2024) as ``torch.nn.Module`` s, trained with a scan.

Their gates and candidates depend on x_t only, so the recurrence is linear
in the state, ``h_t = a_t * h_{t-1} + b_t``, with all a_t and b_t computed
by one ``Linear`` over the whole sequence. ``mode="scan"`` then computes
the states by the Hillis-Steele doubling scan (:func:`linear_recurrence_scan`:
ceil(log2 T) levels of tensor operations, no Python loop over T; autograd
differentiates through it); ``mode="sequential"`` steps through time, for
checking. Both modes give the same outputs and gradients up to rounding.

minGRU:  z = sigmoid(x W_z + b_z),  h~ = x W_h + b_h,
         h_t = (1 - z_t) * h_{t-1} + z_t * h~_t
minLSTM: f = sigmoid(x W_f + b_f),  i = sigmoid(x W_i + b_i),  h~ = x W_h + b_h,
         h_t = f_t / (f_t + i_t) * h_{t-1} + i_t / (f_t + i_t) * h~_t

Like the course's ``RNN``/``GRU`` modules they are single-layer and
batch-first: ``forward(x, hx=None)`` takes x (N, T, D) and h_0 (1, N, H)
and returns ``output, h_n`` with output (N, T, H) and h_n (1, N, H), so
they drop in wherever ``torch.nn.GRU`` was used. The parameters are one
``torch.nn.Linear`` (``self.linear``: weight (kH, D), bias (kH,), k = 2 or 3,
blocks in the order above), initialised as ``torch.nn.Linear`` does.
:meth:`numpy_params` returns them in the layout of
:mod:`rnn_helpers.numpy_rnn.minimal` (``Wx`` (D, kH), ``b`` (kH,)).
"""

from __future__ import annotations

from typing import Optional, Tuple

import numpy as np
import torch
from torch import nn

from rnn_helpers.argcheck import check_int
from rnn_helpers.torch_rnn._base import ChoiceAttribute

__all__ = ["linear_recurrence_scan", "linear_recurrence_loop", "MinGRU", "MinLSTM", "MODES"]

#: The modes of :class:`MinGRU` and :class:`MinLSTM`.
MODES = ("scan", "sequential")


def _check_recurrence(a: torch.Tensor, b: torch.Tensor, h0: Optional[torch.Tensor]):
    for name, v in (("a", a), ("b", b)):
        if not isinstance(v, torch.Tensor) or v.dim() != 3:
            shape = tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__
            raise ValueError(f"{name}: expected a tensor of shape (N, T, H), got {shape}")
    if b.shape != a.shape:
        raise ValueError(f"b: expected shape (N, T, H) = {tuple(a.shape)} (the shape of a), got {tuple(b.shape)}")
    if a.shape[1] < 1:
        raise ValueError(f"a: expected at least one time step (T >= 1), got shape {tuple(a.shape)}")
    if h0 is not None and (not isinstance(h0, torch.Tensor) or tuple(h0.shape) != (a.shape[0], a.shape[2])):
        shape = tuple(h0.shape) if isinstance(h0, torch.Tensor) else type(h0).__name__
        raise ValueError(f"h0: expected shape (N, H) = ({a.shape[0]}, {a.shape[2]}), got {shape}")


def linear_recurrence_scan(a: torch.Tensor, b: torch.Tensor, h0: Optional[torch.Tensor] = None) -> torch.Tensor:
    """h_t = a_t * h_{t-1} + b_t by the Hillis-Steele doubling scan, differentiable.

    h0 is folded into the first step (b_1 <- a_1 h0 + b_1); then level k
    combines every position t >= 2**k with position t - 2**k,
    (A, B)_t <- (A_{t-s} A_t, A_t B_{t-s} + B_t), for ceil(log2 T) levels.

    Inputs:
    - a: coefficients, tensor of shape (N, T, H)
    - b: inputs, tensor of shape (N, T, H)
    - h0: initial state, tensor of shape (N, H), or None for zeros

    Returns:
    - h: states h_1..h_T, tensor of shape (N, T, H)
    """
    _check_recurrence(a, b, h0)
    T = a.shape[1]
    if h0 is not None:
        b = torch.cat([(a[:, 0] * h0 + b[:, 0]).unsqueeze(1), b[:, 1:]], dim=1)  # (N, T, H)
    A, B = a, b
    shift = 1
    while shift < T:
        B = torch.cat([B[:, :shift], A[:, shift:] * B[:, :-shift] + B[:, shift:]], dim=1)
        if 2 * shift < T:  # the last level needs no A
            A = torch.cat([A[:, :shift], A[:, :-shift] * A[:, shift:]], dim=1)
        shift *= 2
    return B


def linear_recurrence_loop(a: torch.Tensor, b: torch.Tensor, h0: Optional[torch.Tensor] = None) -> torch.Tensor:
    """h_t = a_t * h_{t-1} + b_t one step after another (the reference).

    Inputs and returns as :func:`linear_recurrence_scan`.
    """
    _check_recurrence(a, b, h0)
    h = torch.zeros_like(a[:, 0]) if h0 is None else h0  # (N, H)
    hs = []
    # unbind, not a[:, t]: the backward of indexing writes a full-size (N, T, H)
    # gradient at every step, which would make the loop's backward O(T^2)
    for a_t, b_t in zip(a.unbind(1), b.unbind(1)):
        h = a_t * h + b_t  # (N, H)
        hs.append(h)
    return torch.stack(hs, dim=1)  # (N, T, H)


class _Minimal(nn.Module):
    """Shared parts: one Linear for all gate blocks, input checks, the two modes."""

    _blocks = 2
    mode = ChoiceAttribute(MODES, '"scan" (parallel over time) or "sequential" (one step after another).')

    def __init__(self, input_size: int, hidden_size: int, mode: str = "scan",
                 batch_first: bool = True, dtype=None, device=None):
        super().__init__()
        input_size = check_int("input_size", input_size, minimum=1)
        hidden_size = check_int("hidden_size", hidden_size, minimum=1)
        if batch_first is not True:
            raise ValueError("batch_first: only batch-first inputs (N, T, D) are supported")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.mode = mode  # checked by the property setter
        self.linear = nn.Linear(input_size, self._blocks * hidden_size, dtype=dtype, device=device)


    @property
    def batch_first(self) -> bool:
        return True

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, mode={self.mode!r}"

    def numpy_params(self) -> Tuple[np.ndarray, np.ndarray]:
        """(Wx (D, kH), b (kH,)) as NumPy arrays, for :mod:`rnn_helpers.numpy_rnn.minimal`."""
        return (self.linear.weight.detach().cpu().numpy().T.copy(),
                self.linear.bias.detach().cpu().numpy().copy())

    def coefficients(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """a_t and b_t of every step: x (N, T, D) -> two tensors (N, T, H)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, hx: Optional[torch.Tensor] = None):
        """
        Run the layer over a whole sequence.

        Inputs:
        - x: input sequence, tensor of shape (N, T, D)
        - hx: initial state h_0, tensor of shape (1, N, H), or None for zeros

        Returns a tuple of:
        - output: states h_1..h_T, tensor of shape (N, T, H)
        - h_n: the last state h_T, tensor of shape (1, N, H)
        """
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[-1] != self.input_size:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x: expected shape (N, T, D) with D = {self.input_size}, got {shape}")
        if x.shape[1] < 1:
            raise ValueError(f"x: expected at least one time step (T >= 1), got shape {tuple(x.shape)}")
        N, H = x.shape[0], self.hidden_size
        h0 = None
        if hx is not None:
            if not isinstance(hx, torch.Tensor) or tuple(hx.shape) != (1, N, H):
                shape = tuple(hx.shape) if isinstance(hx, torch.Tensor) else type(hx).__name__
                raise ValueError(f"hx: expected shape (1, N, H) = (1, {N}, {H}), got {shape}")
            h0 = hx[0]  # (N, H)
        a, b = self.coefficients(x)  # (N, T, H) each, every step at once
        scan = linear_recurrence_scan if self.mode == "scan" else linear_recurrence_loop
        output = scan(a, b, h0)  # (N, T, H)
        return output, output[:, -1].unsqueeze(0)  # (N, T, H), (1, N, H)


class MinGRU(_Minimal):
    """
    minGRU (Feng et al. 2024): a GRU whose update gate and candidate see x_t only.

        z_t  = sigmoid(x_t W_z^T + b_z)            (N, H)
        h~_t = x_t W_h^T + b_h                     (N, H), no tanh
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t

    Constructor inputs: input_size (D), hidden_size (H), mode="scan" or
    "sequential", batch_first=True (the only layout), dtype, device.
    Parameters: ``linear.weight`` (2H, D), ``linear.bias`` (2H,), blocks z, h~.
    """

    _blocks = 2

    def coefficients(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """a_t = 1 - z_t and b_t = z_t * h~_t: x (N, T, D) -> two tensors (N, T, H)."""
        k, cand = self.linear(x).chunk(2, dim=-1)  # (N, T, H) each
        z = torch.sigmoid(k)
        return 1 - z, z * cand


class MinLSTM(_Minimal):
    """
    minLSTM (Feng et al. 2024): forget and input gates that see x_t only,
    normalised to sum to one, no output gate and no separate cell state.

        f_t  = sigmoid(x_t W_f^T + b_f),  i_t = sigmoid(x_t W_i^T + b_i)
        h~_t = x_t W_h^T + b_h
        h_t  = f_t / (f_t + i_t) * h_{t-1} + i_t / (f_t + i_t) * h~_t

    Constructor inputs as :class:`MinGRU`. Parameters: ``linear.weight``
    (3H, D), ``linear.bias`` (3H,), blocks f, i, h~.
    """

    _blocks = 3

    def coefficients(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """a_t = f'_t and b_t = i'_t * h~_t: x (N, T, D) -> two tensors (N, T, H)."""
        kf, ki, cand = self.linear(x).chunk(3, dim=-1)  # (N, T, H) each
        f, i = torch.sigmoid(kf), torch.sigmoid(ki)
        total = f + i
        return f / total, i / total * cand
