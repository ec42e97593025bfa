"""Synthetic sequence tasks whose dependency length you control.

Every task is generated deterministically from a ``numpy.random.Generator``
(the same generator state gives the same arrays), so experiments are
reproducible and nothing is downloaded. Each has a known *dependency
length*: how far back in time the information needed for a target lies.
That makes them the standard probes of what a recurrent network, and its
training algorithm, can learn over long spans.

=====================  =============================  ===================================
task                   arrays returned                dependency length
=====================  =============================  ===================================
:func:`delayed_recall`  x (n, T, V), y (n, T)          exactly ``lag`` steps
:func:`remember_first`  x (n, T, V), y (n,)            T - 1 steps
:func:`adding_problem`  x (n, T, 2), y (n,)            up to T - 1 steps
:func:`copy_task`       x (n, 2S + delay, V + 2),      S + delay steps
                        y (n, 2S + delay)
=====================  =============================  ===================================

Targets that do not exist (the first ``lag`` steps of the delayed recall,
the non-answer steps of the copy task) hold :data:`IGNORE_INDEX` (-100),
which ``torch.nn.functional.cross_entropy`` skips by default.

Batch generators for :func:`rnn_helpers.models.training.train` come from
:func:`make_batch_fn`, which returns ``batch_fn(step, rng) -> (x, y)`` as
torch tensors; :func:`fixed_batch` draws a held-out set from a seed of its own.

Example::

    from rnn_helpers.data import tasks
    x, y = tasks.delayed_recall(64, T=30, lag=5, rng=np.random.default_rng(0))
    batch_fn = tasks.make_batch_fn(tasks.delayed_recall, 64, T=30, lag=5)
    x_val, y_val = tasks.fixed_batch(tasks.delayed_recall, 512, seed=1, T=30, lag=5)
"""

from __future__ import annotations

from typing import Any, Callable, Tuple

import numpy as np

from rnn_helpers.argcheck import check_float_dtype, check_int, check_rng

__all__ = [
    "IGNORE_INDEX",
    "delayed_recall",
    "remember_first",
    "adding_problem",
    "copy_task",
    "make_batch_fn",
    "fixed_batch",
]

#: Target value of steps that carry no target (PyTorch's default ``ignore_index``).
IGNORE_INDEX = -100


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------


def _one_hot(tokens: np.ndarray, V: int, dtype: np.dtype) -> np.ndarray:
    """(...) integer tokens in [0, V) -> (..., V) one-hot array of ``dtype``."""
    return np.eye(V, dtype=dtype)[tokens]


# ----------------------------------------------------------------------------
# tasks
# ----------------------------------------------------------------------------


def delayed_recall(
    n: int,
    T: int,
    lag: int,
    rng: np.random.Generator,
    *,
    n_symbols: int = 4,
    dtype: Any = np.float32,
) -> Tuple[np.ndarray, np.ndarray]:
    """
    Delayed recall: at every step, output the symbol seen ``lag`` steps ago.

    Each sequence is a stream of T symbols drawn independently and uniformly
    from ``n_symbols`` classes, fed one-hot. The target at step t is the input
    symbol at step t - lag; the first ``lag`` steps have no target
    (:data:`IGNORE_INDEX`). Nothing in the recent inputs predicts the target,
    so a model must keep the last ``lag`` symbols in its state: the dependency
    length is exactly ``lag``, and chance accuracy is ``1 / n_symbols``.
    With ``lag = 0`` the task is the identity (a sanity check).

    Inputs:
    - n: Integer number of sequences, n >= 1
    - T: Integer sequence length, T > lag
    - lag: Integer delay, 0 <= lag < T
    - rng: numpy.random.Generator
    - n_symbols: Integer alphabet size V >= 2
    - dtype: float32 (default) or float64, the dtype of x

    Returns a tuple of:
    - x: One-hot inputs, of shape (n, T, V)
    - y: Integer targets (int64), of shape (n, T); y[:, t] = x[:, t - lag].argmax(-1)
      for t >= lag and IGNORE_INDEX before
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 1)
    lag = check_int("lag", lag, 0)
    if lag >= T:
        raise ValueError(f"lag: expected 0 <= lag < T = {T}, got {lag}")
    V = check_int("n_symbols", n_symbols, 2)
    dtype = check_float_dtype("dtype", dtype)
    rng = check_rng("rng", rng)
    tokens = rng.integers(0, V, size=(n, T))  # (n, T)
    y = np.full((n, T), IGNORE_INDEX, dtype=np.int64)  # (n, T)
    y[:, lag:] = tokens[:, : T - lag]
    return _one_hot(tokens, V, dtype), y


def remember_first(
    n: int,
    T: int,
    rng: np.random.Generator,
    *,
    n_symbols: int = 4,
    dtype: Any = np.float32,
) -> Tuple[np.ndarray, np.ndarray]:
    """
    Remember the first token: a many-to-one task over T - 1 distractors.

    Each sequence holds T symbols drawn independently and uniformly from
    ``n_symbols`` classes, fed one-hot; the single target, read after the last
    step, is the *first* symbol. The other T - 1 symbols are distractors, so
    the dependency length is T - 1; chance accuracy is ``1 / n_symbols``.

    Inputs:
    - n: Integer number of sequences, n >= 1
    - T: Integer sequence length, T >= 1
    - rng: numpy.random.Generator
    - n_symbols: Integer alphabet size V >= 2
    - dtype: float32 (default) or float64, the dtype of x

    Returns a tuple of:
    - x: One-hot inputs, of shape (n, T, V)
    - y: Integer targets (int64), of shape (n,); y = x[:, 0].argmax(-1)
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 1)
    V = check_int("n_symbols", n_symbols, 2)
    dtype = check_float_dtype("dtype", dtype)
    rng = check_rng("rng", rng)
    tokens = rng.integers(0, V, size=(n, T))  # (n, T)
    return _one_hot(tokens, V, dtype), tokens[:, 0].astype(np.int64)


def adding_problem(
    n: int, T: int, rng: np.random.Generator, *, dtype: Any = np.float32
) -> Tuple[np.ndarray, np.ndarray]:
    """
    The adding problem: add the two numbers that carry a marker.

    Every step has two features: a value drawn uniformly from [0, 1) and a
    marker that is 1 at exactly two steps and 0 elsewhere, one marked step in
    the first half ``[0, T // 2)`` and one in the second half ``[T // 2, T)``.
    The target, read after the last step, is the sum of the two marked
    values. This is the variant of Le et al. (2015) and later work; the
    original of Hochreiter & Schmidhuber (1997) used values in [-1, 1] and
    other marker positions. The first marked value may lie T - 1 steps
    before the end. Predicting the constant 1 (the mean of the target) gives
    a mean squared error of 1/6, the baseline to beat.

    Inputs:
    - n: Integer number of sequences, n >= 1
    - T: Integer sequence length, T >= 2
    - rng: numpy.random.Generator
    - dtype: float32 (default) or float64

    Returns a tuple of:
    - x: Inputs, of shape (n, T, 2); x[..., 0] are the values, x[..., 1] the markers
    - y: Targets, of shape (n,), dtype ``dtype``, in [0, 2)
    """
    n = check_int("n", n, 1)
    T = check_int("T", T, 2)
    dtype = check_float_dtype("dtype", dtype)
    rng = check_rng("rng", rng)
    half = T // 2
    values = rng.random((n, T))  # (n, T) in [0, 1)
    first = rng.integers(0, half, size=n)  # (n,)
    second = rng.integers(half, T, size=n)  # (n,)
    markers = np.zeros((n, T))  # (n, T)
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(dtype)  # (n, T, 2)
    y = (values[rows, first] + values[rows, second]).astype(dtype)  # (n,)
    return x, y


def copy_task(
    n: int,
    length: int,
    delay: int,
    rng: np.random.Generator,
    *,
    n_symbols: int = 8,
    dtype: Any = np.float32,
) -> Tuple[np.ndarray, np.ndarray]:
    """
    The copy task: read S symbols, wait, then write them back in order.

    With S = ``length``, a sequence has 2S + delay steps. Steps 0..S-1 show S
    data symbols drawn uniformly from ``n_symbols`` classes (ids 0..V-1);
    then come ``delay`` steps of the blank symbol (id V), the last of which is
    replaced by the "go" symbol (id V + 1); then S more blanks, during which
    the model must output the data symbols in their original order. Inputs
    are one-hot over V + 2 ids. Only the last S steps have targets; the others
    hold :data:`IGNORE_INDEX`. Every data symbol is recalled S + delay steps
    after it was shown. (Hochreiter & Schmidhuber 1997 introduced tasks of
    this kind; this layout follows the common later one of Arjovsky et al.
    2016, with the non-answer steps ignored instead of labelled blank.)

    Inputs:
    - n: Integer number of sequences, n >= 1
    - length: Integer S >= 1, number of symbols to copy
    - delay: Integer >= 1, steps between the data and the answer (the last is "go")
    - rng: numpy.random.Generator
    - n_symbols: Integer number of data classes V >= 2
    - dtype: float32 (default) or float64, the dtype of x

    Returns a tuple of:
    - x: One-hot inputs, of shape (n, 2S + delay, V + 2)
    - y: Integer targets (int64), of shape (n, 2S + delay); y[:, S + delay:]
      holds the data symbols, every other entry is IGNORE_INDEX
    """
    n = check_int("n", n, 1)
    S = check_int("length", length, 1)
    delay = check_int("delay", delay, 1)
    V = check_int("n_symbols", n_symbols, 2)
    dtype = check_float_dtype("dtype", dtype)
    rng = check_rng("rng", rng)
    total = 2 * S + delay
    data = rng.integers(0, V, size=(n, S))  # (n, S)
    tokens = np.full((n, total), V, dtype=np.int64)  # (n, 2S + delay), all blank
    tokens[:, :S] = data
    tokens[:, S + delay - 1] = V + 1  # the "go" symbol
    y = np.full((n, total), IGNORE_INDEX, dtype=np.int64)  # (n, 2S + delay)
    y[:, S + delay:] = data
    return _one_hot(tokens, V + 2, dtype), y


# ----------------------------------------------------------------------------
# batches for rnn_helpers.models.training.train
# ----------------------------------------------------------------------------


def _to_torch(x: np.ndarray, y: np.ndarray):
    import torch

    return torch.from_numpy(x), torch.from_numpy(y)


def make_batch_fn(
    task: Callable[..., Tuple[np.ndarray, np.ndarray]],
    n: int,
    *,
    as_torch: bool = True,
    **task_kwargs: Any,
) -> Callable[[int, np.random.Generator], Tuple[Any, Any]]:
    """
    Turn a task into a ``batch_fn(step, rng)`` for :func:`rnn_helpers.models.training.train`.

    Every call draws a fresh batch of ``n`` sequences from the ``rng`` that
    ``train`` hands over (seeded by ``train``'s ``seed``), so the stream of
    batches is reproducible. ``step`` is ignored.

    Inputs:
    - task: One of the task functions of this module (or any function with
      the signature ``task(n, ..., rng=rng, **task_kwargs) -> (x, y)``)
    - n: Integer batch size
    - as_torch: If True (default), return torch tensors (x float, y as the
      task's dtype: int64 class ids or float values); else NumPy arrays
    - task_kwargs: The task's other arguments, e.g. ``T=30, lag=5``

    Returns:
    - batch_fn: Callable ``batch_fn(step, rng) -> (x, y)`` with the shapes
      of ``task``
    """
    if not callable(task):
        raise ValueError(f"task: expected a task function, got {type(task).__name__}")
    n = check_int("n", n, 1)
    if "rng" in task_kwargs:
        raise ValueError("rng: do not pass rng to make_batch_fn; train() supplies it")
    task(1, rng=np.random.default_rng(0), **task_kwargs)  # fail now on bad arguments

    def batch_fn(step: int, rng: np.random.Generator):
        x, y = task(n, rng=rng, **task_kwargs)
        return _to_torch(x, y) if as_torch else (x, y)

    return batch_fn


def fixed_batch(
    task: Callable[..., Tuple[np.ndarray, np.ndarray]],
    n: int,
    seed: int,
    *,
    as_torch: bool = True,
    **task_kwargs: Any,
) -> Tuple[Any, Any]:
    """
    Draw one fixed set of ``n`` sequences from a seed of its own (e.g. a held-out set).

    Inputs:
    - task: A task function of this module
    - n: Integer number of sequences
    - seed: Non-negative integer seed; use one that differs from training's
    - as_torch: If True (default), return torch tensors; else NumPy arrays
    - task_kwargs: The task's other arguments

    Returns a tuple of:
    - x, y: As returned by ``task``
    """
    n = check_int("n", n, 1)
    seed = check_int("seed", seed, 0)
    x, y = task(n, rng=np.random.default_rng(seed), **task_kwargs)
    return _to_torch(x, y) if as_torch else (x, y)
