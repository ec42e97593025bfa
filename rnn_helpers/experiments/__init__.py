"""The application chapters' experiments, runnable from the command line.

Each module ``rnn_helpers.experiments.<name>`` defines ``run(seconds, seed=0) -> dict``:
it loads its offline data, trains its model within ``seconds`` of wall time
(and a step budget), evaluates it and its baseline on held-out data, and
returns JSON-able metrics. The notebooks call the same ``run`` with a short
budget; teachers can train longer::

    python -m rnn_helpers.experiments language_model --seconds 300
    python -m rnn_helpers.experiments --list
"""

APPS = {
    "language_model": "Chapter 7: character-level language model vs n-gram baseline",
    "names": "Chapter 8: names -> language of origin vs bag-of-characters baseline",
    "digits": "Chapter 8: 8x8 digits read row by row",
    "forecast": "Chapter 9: time-series forecasting vs naive and linear baselines",
    "dates": "Chapter 10: human-readable dates -> ISO, seq2seq with and without attention",
}
