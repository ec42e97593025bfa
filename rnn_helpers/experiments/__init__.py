"""The experiments of the course, runnable from the command line.

Every module named in :data:`EXPERIMENTS` defines the same contract (see
:mod:`rnn_helpers.experiments.protocol`): ``run(seconds, seed=0) -> dict``
loads its offline data, trains within ``seconds`` of wall time (and a step
budget derived from it), evaluates on held-out data and returns JSON-able
metrics; ``summary(metrics) -> dict`` names the one comparison the
experiment is about (fields ``metric``, ``model``, ``baseline``). The
notebooks call the same functions with a short budget; teachers can run
longer::

    python -m rnn_helpers.experiments language_model --seconds 300
    python -m rnn_helpers.experiments names --seconds 60 --seed 1 --json
    python -m rnn_helpers.experiments --list

Modules:

- :mod:`~rnn_helpers.experiments.protocol`  the contract's tools: budget checks, one torch
  thread, training that keeps the best validation checkpoint, the summary format.
- :mod:`~rnn_helpers.experiments.metrics`   accuracy, macro-F1, confusion matrix, paired and
  block bootstrap intervals, Diebold-Mariano (with the small-sample correction).
- one module per registered experiment: :mod:`~rnn_helpers.experiments.showdown`,
  :mod:`~rnn_helpers.experiments.language_model`, :mod:`~rnn_helpers.experiments.names`,
  :mod:`~rnn_helpers.experiments.digits`, :mod:`~rnn_helpers.experiments.forecast`,
  :mod:`~rnn_helpers.experiments.dates`, :mod:`~rnn_helpers.experiments.bench`,
  :mod:`~rnn_helpers.experiments.minimal` (chapter 11), :mod:`~rnn_helpers.experiments.gates` (chapter 5).
- Part IV's other commands, not in the registry (they have no baseline
  to summarise): :mod:`~rnn_helpers.experiments.scan_bench` (``make bench``)
  and :mod:`~rnn_helpers.experiments.selective` (chapter 12's stored
  selective-copy runs), each ``python -m rnn_helpers.experiments.<module>``.

Stored runs are written by each module's own command (also reachable as
``python -m rnn_helpers.experiments NAME --seeds ...``) under ``results/``.
"""

#: The registry: command-line name -> what the experiment compares.
EXPERIMENTS = {
    "showdown": "Chapter 6: RNN vs LSTM vs GRU on the adding problem (and copy task)",
    "gates": "Chapter 5: the small character LSTM whose gates the chapter reads, vs unigram",
    "language_model": "Chapter 7: character-level language model vs Kneser-Ney n-gram",
    "names": "Chapter 8: names -> language of origin vs character n-gram logistic regression",
    "digits": "Chapter 8: 8x8 digits read row by row vs logistic regression on the pixels",
    "forecast": "Chapter 9: time-series forecasting vs naive and autoregressive baselines",
    "dates": "Chapter 10: human-readable dates -> ISO, seq2seq with and without attention",
    "bench": "NumPy cells vs torch.nn: forward + backward timing",
    "minimal": "Chapter 11: minGRU trained with the parallel scan, adding problem T = 60",
}

#: The five applications of Part III (a held-out metric against a baseline).
APPLICATIONS = ("language_model", "names", "digits", "forecast", "dates")


def load(name: str):
    """
    The module of an experiment, imported on demand.

    Inputs:
    - name: A key of :data:`EXPERIMENTS`

    Returns:
    - module: with ``run(seconds, seed)`` and ``summary(metrics)``
    """
    import importlib

    from rnn_helpers.argcheck import check_choice

    check_choice("name", name, EXPERIMENTS)
    return importlib.import_module(f"{__name__}.{name}")
