"""Gradient flow through time: Jacobian products, norms and bounds.

- :mod:`~rnn_helpers.gradient_flow.jacobians`  Jacobian products and gradient norms backwards through any cell (the cell interface).
- :mod:`~rnn_helpers.gradient_flow.elman`  the Elman cell, its activations and recurrent matrices, the bound (γσ)^k and the profiles of chapter 4.
- :mod:`~rnn_helpers.gradient_flow.clipping`  norm and value clipping, the loss cliff of a one-unit RNN and gradient descent on it (chapter 4).
- :mod:`~rnn_helpers.gradient_flow.gated`  the LSTM and GRU cells (built on ``numpy_rnn``'s step functions) and their comparison with the RNN (chapter 5).

Nothing here imports plotting or widget libraries; the figures are in
:mod:`rnn_helpers.viz.gradients`.
"""
