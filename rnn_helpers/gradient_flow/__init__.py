"""Gradient flow through time: Jacobian products, norms and bounds.

- :mod:`~rnn_helpers.gradient_flow.elman`  the Elman cell's Jacobians, spectral radius and singular-value bounds, clipping and the cliff of chapter 4.
- :mod:`~rnn_helpers.gradient_flow.gated`  the same measurements for LSTM and GRU cells (chapter 5).

Nothing here imports plotting or widget libraries.
"""
