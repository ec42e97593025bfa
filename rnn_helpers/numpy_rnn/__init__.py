"""Recurrent cells in plain NumPy: forward and backward, equal to ``torch.nn``.

Pure functions with a ``cache`` handed from forward to backward (the CS231n
style).  Letters: N batch, T time, D input features, H hidden units; arrays
are batch-first, ``(N, T, D)``.

===================  =====================================================
RNN (tanh)           rnn_step_forward / rnn_step_backward,
                     rnn_forward / rnn_backward
LSTM (i, f, g, o)    lstm_step_forward / lstm_step_backward,
                     lstm_forward / lstm_backward
GRU (r, z, n)        gru_step_forward / gru_step_backward,
                     gru_forward / gru_backward
weights from torch   params_from_torch(module)  (numpy_rnn.layout)
===================  =====================================================

The step functions are the readable reference; the sequence functions are
the fast path and give the same numbers (tests check both against torch).

Dtypes: float32 and float64 work; all-float32 inputs give float32 outputs.
When float32 and float64 are mixed, the call runs in their NumPy result type
(float64).  Integer, bool, complex and float16 inputs raise ValueError.
Wrong shapes raise ValueError naming the argument and the expected shape.
Caches hold references to the inputs: do not modify them in place between
forward and backward.

Modules: ``rnn``, ``lstm``, ``gru`` (the cells), ``gru_variants`` (the
reset-before GRU and the z/1-z conventions, on the GRU step of ``gru``),
``layout`` (params_from_torch, gate orders, count_parameters),
``activations`` (sigmoid, softmax), ``losses``, ``embeddings``; the argument
checks shared by the cells are in ``_common``, the docstring sections they
share in ``_docs``. Part IV adds ``deep`` (stacked and bidirectional
cells), ``scan`` (linear recurrences by a loop and by parallel scans),
``minimal`` (minGRU, minLSTM), ``ssm`` (the LRU, S4D, a selective scan) and
``linear_attention`` (causal linear attention, the mLSTM).
"""

from rnn_helpers.numpy_rnn.activations import sigmoid
from rnn_helpers.numpy_rnn.layout import params_from_torch
from rnn_helpers.numpy_rnn.deep import deep_backward, deep_forward
from rnn_helpers.numpy_rnn.gru import (
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
)
from rnn_helpers.numpy_rnn.lstm import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)
from rnn_helpers.numpy_rnn.rnn import (
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from rnn_helpers.numpy_rnn.scan import linear_recurrence, linear_recurrence_scan

__all__ = [
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
    "params_from_torch",
    "sigmoid",
    "linear_recurrence",
    "linear_recurrence_scan",
    "deep_forward",
    "deep_backward",
]
