"""A from-scratch LSTM as a ``torch.nn.Module``, equal to ``torch.nn.LSTM``."""

import torch
from torch import nn

from ._base import _linear, _RecurrentBase


class LSTM(_RecurrentBase):
    """
    Single-layer, unidirectional, batch-first LSTM with PyTorch's gate order
    i, f, g, o:

        i_t = sigmoid(x_t W_ii^T + b_ii + h_{t-1} W_hi^T + b_hi)    input gate
        f_t = sigmoid(x_t W_if^T + b_if + h_{t-1} W_hf^T + b_hf)    forget gate
        g_t = tanh(   x_t W_ig^T + b_ig + h_{t-1} W_hg^T + b_hg)    candidate
        o_t = sigmoid(x_t W_io^T + b_io + h_{t-1} W_ho^T + b_ho)    output gate
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)

    Parameters (named like torch.nn.LSTM's; the four gate blocks are stacked
    along the first axis in the order i, f, g, o):
    - weight_ih_l0: (4H, D)     - weight_hh_l0: (4H, H)
    - bias_ih_l0: (4H,)         - bias_hh_l0: (4H,)     (None if bias=False)

    Its state is a pair: hx is an optional (h_0, c_0), each (1, N, H), and
    the final state is the pair (h_n, c_n).
    """

    _gates = 4
    _torch_class = nn.LSTM

    def _initial_state(self, hx, x, batched):
        """
        Validate hx = (h_0, c_0) and return the initial state.

        Inputs:
        - hx: Tuple (h_0, c_0), each of shape (1, N, H) or (1, H) if
          unbatched, either one None for zeros; or None for zeros
        - x: The (already batched) input, of shape (N, T, D)
        - batched: Whether the original input was 3-D

        Returns:
        - state: Tuple (h_0, c_0), each of shape (N, H)
        """
        if hx is None:
            h0 = c0 = None
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            h0, c0 = hx
        else:
            got = type(hx).__name__
            if isinstance(hx, (tuple, list)):
                got += f" of length {len(hx)}"
            raise ValueError(f"hx: expected a tuple (h0, c0) of two tensors, or None; got {got}")
        h = self._check_state(h0, "hx[0] (h0)", x, batched)[0]  # (N, H)
        c = self._check_state(c0, "hx[1] (c0)", x, batched)[0]  # (N, H)
        return h, c

    def _step(self, xw_t, state):
        """(h_t, c_t) from xw_t = x_t W_ih^T + b_ih, (N, 4H), and (h_{t-1}, c_{t-1})."""
        h, c = state  # (N, H) each
        gates = xw_t + _linear(h, self.weight_hh_l0, self.bias_hh_l0)  # (N, 4H)
        i, f, g, o = gates.chunk(4, dim=1)  # 4 x (N, H)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g  # (N, H)
        return o * torch.tanh(c), c  # (N, H) each

    @staticmethod
    def _final_state(finals):
        """What ``forward`` returns as its final state: the pair (h_n, c_n)."""
        return finals[0], finals[1]
