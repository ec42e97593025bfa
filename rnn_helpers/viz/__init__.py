"""Figures: the kernel-free explorers, the drawings and the per-chapter figures.

- :mod:`~rnn_helpers.viz.explorer`           ``Explorer``: a figure with sliders, live in JupyterLab, precomputed frames on the website (``assets/explorer.js``).
- :mod:`~rnn_helpers.viz.static_png`         an explorer's default frame (plotly JSON) drawn with matplotlib into a PNG, for the PDF edition.
- :mod:`~rnn_helpers.viz.diagrams`           the drawing primitives; unrolled networks, input/output patterns, the LSTM cell.
- :mod:`~rnn_helpers.viz.panels`             ``label_panel``: a matplotlib panel's axis labels and left-aligned title.
- :mod:`~rnn_helpers.viz.computation_graph`  the BPTT computation graph of chapter 3.
- :mod:`~rnn_helpers.viz.temperature`        chapter 7's next-character distribution against temperature.
- :mod:`~rnn_helpers.viz.latch`              chapter 1's one-unit latch explorer.
- :mod:`~rnn_helpers.viz.gradients`          chapter 4's gradient-norm and clipping-cliff explorers.
- :mod:`~rnn_helpers.viz.gates`              chapter 5's heatmap of an LSTM's gates over the characters of a text.
- :mod:`~rnn_helpers.viz.classification`     chapter 8's padding, training, confusion and digits figures.
- :mod:`~rnn_helpers.viz.scan`               chapter 11's explorer of the levels of a parallel prefix scan.

Only this sub-package (and the exercises and experiments on top) imports matplotlib, plotly or ipywidgets.
"""
