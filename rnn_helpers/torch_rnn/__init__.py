"""
From-scratch recurrent modules built from ``nn.Parameter`` tensors and
elementwise operations (no ``torch.nn.RNN``/``LSTM``/``GRU`` inside):
``RNN`` (tanh), ``LSTM`` and ``GRU``.

Each is a single-layer, unidirectional, always batch-first ``torch.nn.Module``
whose parameters are named and shaped like the ``torch.nn`` counterpart's
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``) and whose
``forward(x, hx=None)`` returns what that counterpart returns with
``batch_first=True``. ``X.from_torch(module)`` copies a ``torch.nn`` module's
weights, after which outputs and gradients are equal.

Modules: ``rnn`` (``RNN``), ``lstm`` (``LSTM``), ``gru`` (``GRU``), built on
the shared time loop in ``_base``; ``minimal`` (``MinGRU``, ``MinLSTM``,
Feng et al. 2024, trained with a parallel scan over time); ``ssm`` (a
selective state-space layer for chapter 12's selective-copy task).

Example:

    >>> import torch
    >>> from rnn_helpers.torch_rnn import LSTM
    >>> ref = torch.nn.LSTM(3, 5, batch_first=True)
    >>> ours = LSTM.from_torch(ref)
    >>> x = torch.randn(2, 7, 3)                   # (N, T, D)
    >>> output, (h_n, c_n) = ours(x)               # (N, T, H), (1, N, H) each
    >>> torch.allclose(output, ref(x)[0], atol=1e-6)
    True
"""

from .gru import GRU
from .lstm import LSTM
from .minimal import MinGRU, MinLSTM
from .rnn import RNN

__all__ = ["RNN", "LSTM", "GRU", "MinGRU", "MinLSTM"]
