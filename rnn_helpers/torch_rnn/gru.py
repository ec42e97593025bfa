"""A from-scratch GRU as a ``torch.nn.Module``, equal to ``torch.nn.GRU``."""

import torch
from torch import nn

from ._base import _linear, _RecurrentBase


class GRU(_RecurrentBase):
    """
    Single-layer, unidirectional, batch-first GRU in PyTorch's (and cuDNN's)
    variant: gate order r, z, n, and the reset gate applied AFTER the hidden
    matrix product:

        r_t = sigmoid(x_t W_ir^T + b_ir + h_{t-1} W_hr^T + b_hr)        reset gate
        z_t = sigmoid(x_t W_iz^T + b_iz + h_{t-1} W_hz^T + b_hz)        update gate
        n_t = tanh(x_t W_in^T + b_in + r_t * (h_{t-1} W_hn^T + b_hn))   candidate
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}

    (Cho et al. 2014 apply r_t to h_{t-1} before the product; that variant
    is not what torch.nn.GRU computes.)

    Parameters (named like torch.nn.GRU's; the three gate blocks are stacked
    along the first axis in the order r, z, n):
    - weight_ih_l0: (3H, D)     - weight_hh_l0: (3H, H)
    - bias_ih_l0: (3H,)         - bias_hh_l0: (3H,)     (None if bias=False)
    """

    _gates = 3
    _torch_class = nn.GRU

    def _step(self, xw_t, state):
        """h_t from xw_t = x_t W_ih^T + b_ih, (N, 3H), and state = (h_{t-1},)."""
        (h,) = state  # (N, H)
        xw_r, xw_z, xw_n = xw_t.chunk(3, dim=1)  # 3 x (N, H)
        hw = _linear(h, self.weight_hh_l0, self.bias_hh_l0)  # (N, 3H), includes b_hh
        hw_r, hw_z, hw_n = hw.chunk(3, dim=1)  # 3 x (N, H)
        r = torch.sigmoid(xw_r + hw_r)  # (N, H)
        z = torch.sigmoid(xw_z + hw_z)  # (N, H)
        n = torch.tanh(xw_n + r * hw_n)  # (N, H): reset applied after the product
        return ((1 - z) * n + z * h,)  # (N, H)
