"""A diagonal state-space layer in torch: time-invariant (S4D-like) or selective (Mamba).

One module, three settings of ``selective``, so that an experiment can change
*only* whether the SSM's parameters depend on the input:

==============  ===========================================================
"none"          Delta, B, C learned constants: a linear time-invariant (LTI)
                SSM, S4D-Real with ZOH for A (a convolution in disguise)
"delta"         Delta_t = softplus(x_t W_delta + b) depends on the input;
                B, C constant
"all"           Delta_t, B_t = x_t W_B, C_t = x_t W_C all depend on the
                input: the selective SSM of Gu & Dao (2023)
==============  ===========================================================

For every channel d (of D) and state index s (of S)::

    h_t = exp(Delta_t A) * h_{t-1} + Delta_t B_t x_t,   y_t = C_t . h_t + D x_t,

with A = -exp(A_log) < 0 (S4D-Real initialisation A = -(1, 2, ..., S)) and
Delta initialised log-uniformly in [dt_min, dt_max], as in Mamba. The D*S
recurrences are computed by the Hillis-Steele scan of
:func:`rnn_helpers.torch_rnn.minimal.linear_recurrence_scan` (``method="scan"``)
or by a loop (``method="loop"``), and autograd differentiates either.
:meth:`SelectiveSSM.numpy_params` returns arrays for
:func:`rnn_helpers.numpy_rnn.ssm.selective_scan`, which computes the same y.
"""

from __future__ import annotations

import math
from typing import Dict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnn_helpers.argcheck import check_choice, check_int
from rnn_helpers.torch_rnn._base import ChoiceAttribute
from rnn_helpers.torch_rnn.minimal import linear_recurrence_loop, linear_recurrence_scan

__all__ = ["SelectiveSSM", "SELECTIVE", "METHODS"]

#: What depends on the input, from nothing (LTI) to everything (Mamba's S6).
SELECTIVE = ("none", "delta", "all")

#: How the recurrence is computed.
METHODS = ("scan", "loop")


def _inverse_softplus(y: torch.Tensor) -> torch.Tensor:
    return y + torch.log(-torch.expm1(-y))


class SelectiveSSM(nn.Module):
    """A diagonal SSM layer over D channels with S states each.

    Inputs of the constructor:
    - d_model: D, integer >= 1
    - d_state: S, integer >= 1
    - selective: "none", "delta" or "all" (see the module docstring)
    - dt_min, dt_max: range of the initial step sizes Delta
    - method: "scan" or "loop"
    - dtype: None or a torch floating dtype

    Parameters: A_log (D, S), D_skip (D,); for selective "none": dt_bias
    (D,), B (D, S), C (D, S); "delta": W_delta (Linear D -> D, its bias
    holds the initial Delta), B, C; "all": W_delta, W_B and W_C (Linear
    D -> S, no bias).

    forward(x): x (N, T, D) -> y (N, T, D).
    """

    method = ChoiceAttribute(METHODS, '"scan" (parallel over time) or "loop" (one step after another).')

    def __init__(self, d_model: int, d_state: int, selective: str = "all",
                 dt_min: float = 1e-3, dt_max: float = 1e-1,
                 method: str = "scan", dtype=None):
        super().__init__()
        d_model = check_int("d_model", d_model, minimum=1)
        d_state = check_int("d_state", d_state, minimum=1)
        check_choice("selective", selective, SELECTIVE)
        if not 0 < dt_min < dt_max:
            raise ValueError(f"dt_min, dt_max: expected 0 < dt_min < dt_max, got {dt_min}, {dt_max}")
        self.d_model, self.d_state, self.selective = d_model, d_state, selective
        self.method = method
        D, S = d_model, d_state
        kw = {"dtype": dtype}
        A = torch.arange(1, S + 1, **kw).repeat(D, 1)  # (D, S): 1..S
        self.A_log = nn.Parameter(torch.log(A))
        self.D_skip = nn.Parameter(torch.ones(D, **kw))
        u = torch.rand(D, **kw)
        dt = torch.exp(u * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        if selective == "none":
            self.dt_bias = nn.Parameter(_inverse_softplus(dt))  # (D,)
        else:
            self.W_delta = nn.Linear(D, D, **kw)
            with torch.no_grad():
                self.W_delta.bias.copy_(_inverse_softplus(dt))
        if selective == "all":
            self.W_B = nn.Linear(D, S, bias=False, **kw)
            self.W_C = nn.Linear(D, S, bias=False, **kw)
        else:
            self.B = nn.Parameter(torch.randn(D, S, **kw) / math.sqrt(S))
            self.C = nn.Parameter(torch.randn(D, S, **kw) / math.sqrt(S))

    def parameters_of(self, x: torch.Tensor):
        """Delta (N, T, D), B and C ((N, T, S) or (D, S)) for the input x (N, T, D)."""
        if self.selective == "none":
            delta = F.softplus(self.dt_bias).expand(x.shape)  # (N, T, D)
        else:
            delta = F.softplus(self.W_delta(x))  # (N, T, D)
        if self.selective == "all":
            return delta, self.W_B(x), self.W_C(x)  # (N, T, S) each
        return delta, self.B, self.C

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[2] != self.d_model:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x: expected a tensor of shape (N, T, D) with D = {self.d_model}, got {shape}")
        N, T, D = x.shape
        S = self.d_state
        A = -torch.exp(self.A_log)  # (D, S)
        delta, B, C = self.parameters_of(x)
        Abar = torch.exp(delta[..., None] * A)  # (N, T, D, S)
        Bx = B[:, :, None, :] if B.dim() == 3 else B  # (N, T, 1, S) or (D, S)
        bx = delta[..., None] * Bx * x[..., None]  # (N, T, D, S)
        run = linear_recurrence_scan if self.method == "scan" else linear_recurrence_loop
        h = run(Abar.reshape(N, T, D * S), bx.reshape(N, T, D * S)).reshape(N, T, D, S)
        Cx = C[:, :, None, :] if C.dim() == 3 else C  # (N, T, 1, S) or (D, S)
        return (h * Cx).sum(-1) + self.D_skip * x  # (N, T, D)

    def numpy_params(self) -> Dict[str, np.ndarray]:
        """The weights for :mod:`rnn_helpers.numpy_rnn.ssm`, as float64 arrays.

        Returns a dict with A (D, S) = -exp(A_log), D_skip (D,), and either
        dt_bias (D,), B (D, S), C (D, S) or W_delta (D, D), b_delta (D,), and
        B, C (D, S) or W_B, W_C (D, S), in the course's x @ W layout.
        """
        out = {"A": -torch.exp(self.A_log).detach().double().numpy(),
               "D_skip": self.D_skip.detach().double().numpy()}
        if self.selective == "none":
            out["dt_bias"] = self.dt_bias.detach().double().numpy()
        else:
            out["W_delta"] = self.W_delta.weight.detach().double().numpy().T
            out["b_delta"] = self.W_delta.bias.detach().double().numpy()
        if self.selective == "all":
            out["W_B"] = self.W_B.weight.detach().double().numpy().T
            out["W_C"] = self.W_C.weight.detach().double().numpy().T
        else:
            out["B"] = self.B.detach().double().numpy()
            out["C"] = self.C.detach().double().numpy()
        return out
