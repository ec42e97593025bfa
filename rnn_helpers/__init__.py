"""rnn_helpers: the code behind the course *Recurrent Neural Networks*.

Import the sub-package or module you need; nothing heavy is imported here.
The package is layered, and a module imports only from its own layer or
below (``tests/test_package_layout.py`` enforces it):

Helpers

- :mod:`rnn_helpers.argcheck`       argument checks: ``ValueError`` naming the argument and the expected shape.
- :mod:`rnn_helpers.gradcheck`      ``numerical_gradient`` (centred differences) and ``rel_error`` (contract).

Cells and data

- :mod:`rnn_helpers.numpy_rnn`      RNN, LSTM, GRU forward/backward in NumPy, stacked and bidirectional
  (``deep_forward``), weight layouts (``params_from_torch``, gate orders, parameter counts), GRU
  variants, activations, losses, embeddings; Part IV's linear recurrences: the parallel scan,
  minGRU/minLSTM, diagonal SSMs (LRU, S4D, selective scan), linear attention and the mLSTM (contract).
- :mod:`rnn_helpers.torch_rnn`      the same cells as ``torch.nn.Module`` s with ``from_torch``; minGRU/minLSTM
  and a selective SSM trained with a scan (contract).
- :mod:`rnn_helpers.data`           offline data: small real sequences, long-range tasks, the character corpus,
  names, dates, time series; padding and packing.

Models and analysis

- :mod:`rnn_helpers.models`         the training loop, Kneser–Ney n-grams, sampling, seq2seq with attention,
  forecasting baselines and error measures.
- :mod:`rnn_helpers.gradient_flow`  Jacobian products, gradient norms and bounds through time; clipping and the cliff.

Figures

- :mod:`rnn_helpers.viz`            the kernel-free ``Explorer``, diagrams, and the chapters' figures and explorers.

What the chapters call

- :mod:`rnn_helpers.notebook`       ``setup(seed)`` opens every chapter; ``glue(key, value)`` stores numbers for the prose.
- :mod:`rnn_helpers.exercises`      the feedback core and one checker module per chapter.
- :mod:`rnn_helpers.experiments`    ``python -m rnn_helpers.experiments NAME --seconds S [--seed K] [--json]``:
  the applications, the showdown, the Part IV experiments and ``bench``; stored runs under ``results/``.

Each sub-package's ``__init__`` lists its modules.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
