"""A from-scratch Elman RNN (tanh) as a ``torch.nn.Module``, equal to ``torch.nn.RNN``."""

import torch
from torch import nn

from ._base import _linear, _RecurrentBase


class RNN(_RecurrentBase):
    """
    Single-layer, unidirectional, batch-first Elman RNN with tanh:

        h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)

    Parameters (named like torch.nn.RNN's):
    - weight_ih_l0: (H, D)      - weight_hh_l0: (H, H)
    - bias_ih_l0: (H,)          - bias_hh_l0: (H,)      (None if bias=False)

    In the course notation (book/notation.md) the equations' W_xh (H, D) is
    weight_ih_l0 and W_hh (H, H) is weight_hh_l0; the batch-first arrays of
    rnn_helpers.numpy_rnn are their transposes, Wx = weight_ih_l0.T and
    Wh = weight_hh_l0.T; and b_h = bias_ih_l0 + bias_hh_l0.
    """

    _gates = 1
    _torch_class = nn.RNN

    def _step(self, xw_t, state):
        """h_t from xw_t = x_t W_ih^T + b_ih, (N, H), and state = (h_{t-1},)."""
        (h,) = state  # (N, H)
        hw = _linear(h, self.weight_hh_l0, self.bias_hh_l0)  # (N, H)
        return (torch.tanh(xw_t + hw),)  # (N, H)
