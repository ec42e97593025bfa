"""Data for the course: offline, real or generated deterministically.

- :mod:`~rnn_helpers.data.sequences`  small real sequences for chapter 1 (standard-library text, a price series, a plucked string).
- :mod:`~rnn_helpers.data.tasks`      synthetic long-range tasks (adding problem, copy task, delayed recall, remember-first).
- :mod:`~rnn_helpers.data.corpus`     the character corpus of chapter 7 (Python's ``pydoc_data`` topics), split into blocks.
- :mod:`~rnn_helpers.data.names`      Faker's per-locale name lists for chapter 8.
- :mod:`~rnn_helpers.data.dates`      human-readable dates and their ISO forms for chapter 10.
- :mod:`~rnn_helpers.data.series`     time series for chapter 9 (sunspots, a price series): chronological splits, scaling, windows.
- :mod:`~rnn_helpers.data.padding`    padding, length masks and packed sequences for batches of unequal length.

Nothing here imports plotting or widget libraries.
"""
