"""rnn_helpers: the code behind the course *Recurrent Neural Networks*.

Import the submodule you need; nothing heavy is imported here.

Cells, from scratch and verified against ``torch.nn``:

- :mod:`rnn_helpers.numpy_rnn`     RNN, LSTM, GRU forward/backward (BPTT) in NumPy; ``params_from_torch``.
- :mod:`rnn_helpers.torch_rnn`     the same cells as ``torch.nn.Module`` s with ``from_torch``.
- :mod:`rnn_helpers.numpy_rnn.gru_variants`  the GRU of Cho et al. (2014), z/1-z conventions, parameter counts.
- :mod:`rnn_helpers.numpy_rnn.layout`    LSTM weights between PyTorch, TensorFlow 1 and ONNX gate orders.
- :mod:`rnn_helpers.gradcheck`     finite-difference gradients and relative error.
- :mod:`rnn_helpers.numpy_rnn.losses`, :mod:`rnn_helpers.numpy_rnn.embeddings`  softmax, cross-entropy, MSE; one-hot and embeddings.

Gradient flow and figures:

- :mod:`rnn_helpers.gradient_flow.elman`, :mod:`rnn_helpers.gradient_flow.gated`  Jacobian products and gradient norms over time.
- :mod:`rnn_helpers.viz.explorer`   ``Explorer``: figures with sliders, live in JupyterLab, kernel-free on the website.
- :mod:`rnn_helpers.viz.gradients`, :mod:`rnn_helpers.viz.latch`, :mod:`rnn_helpers.viz.temperature`  the course's explorers.
- :mod:`rnn_helpers.viz.diagrams`, :mod:`rnn_helpers.viz.computation_graph`  drawings of unrolled networks.

Data, tasks and training:

- :mod:`rnn_helpers.data.sequences`, :mod:`rnn_helpers.data.tasks`  small real sequences; synthetic long-range tasks.
- :mod:`rnn_helpers.models.training`      one seeded training loop: budgets, clipping, NaN/inf guard.
- :mod:`rnn_helpers.models.sampling`      temperature softmax and text generation.
- :mod:`rnn_helpers.experiments.showdown`      RNN vs LSTM vs GRU on long-range tasks.
- :mod:`rnn_helpers.data.corpus`, :mod:`rnn_helpers.models.ngram`, :mod:`rnn_helpers.data.names`,
  :mod:`rnn_helpers.data.padding`, :mod:`rnn_helpers.models.forecasting`, :mod:`rnn_helpers.data.dates`,
  :mod:`rnn_helpers.models.seq2seq`      the application chapters.
- :mod:`rnn_helpers.experiments`          ``python -m rnn_helpers.experiments NAME --seconds S`` prints held-out metrics as JSON.

Notebooks:

- :mod:`rnn_helpers.notebook`        ``setup(seed)`` opens every chapter; ``glue(key, value)`` stores numbers for the prose.

Exercises:

- :mod:`rnn_helpers.exercises.feedback`      the feedback core; :mod:`rnn_helpers.exercises` one module per chapter.
- :mod:`rnn_helpers.experiments.bench`         ``python -m rnn_helpers.experiments.bench``: NumPy vs ``torch.nn`` timing.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
