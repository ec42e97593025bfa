"""Models beyond the cells, and how they are trained.

- :mod:`~rnn_helpers.models.training`     one seeded training loop: step/time budgets, clipping, NaN/inf guard.
- :mod:`~rnn_helpers.models.ngram`        interpolated Kneser–Ney character n-grams; bits per character.
- :mod:`~rnn_helpers.models.sampling`     temperature softmax and text generation.
- :mod:`~rnn_helpers.models.seq2seq`      encoder–decoder with additive attention; exact-match metrics.
- :mod:`~rnn_helpers.models.forecasting`  naive, seasonal, drift and AR forecasting baselines; MAE, RMSE, MASE.

Nothing here imports plotting or widget libraries.
"""
