"""Figures: the kernel-free explorers, the drawings and the per-chapter figures.

- :mod:`~rnn_helpers.viz.explorer`           ``Explorer``: a figure with sliders, live in JupyterLab, precomputed frames on the website (``assets/explorer.js``).
- :mod:`~rnn_helpers.viz.diagrams`           drawings of unrolled networks and input/output patterns.
- :mod:`~rnn_helpers.viz.computation_graph`  the BPTT computation graph of chapter 3.
- :mod:`~rnn_helpers.viz.latch`              chapter 1's one-unit latch explorer.
- :mod:`~rnn_helpers.viz.gradients`          chapter 4's gradient-norm and clipping-cliff explorers.

Only this sub-package (and the exercises and experiments on top) imports matplotlib, plotly or ipywidgets.
"""
