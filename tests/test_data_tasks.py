"""Tests of rnn_helpers.data.tasks: shapes, dtypes, the defining property of each task, determinism."""

import numpy as np
import pytest
import torch

from rnn_helpers.data import tasks
from rnn_helpers.data.tasks import IGNORE_INDEX


def rng(seed=0):
    return np.random.default_rng(seed)


# --- delayed recall ------------------------------------------------------------


@pytest.mark.parametrize("T, lag, V", [(10, 3, 4), (5, 0, 2), (7, 6, 3)])
def test_delayed_recall_targets_are_the_lagged_inputs(T, lag, V):
    x, y = tasks.delayed_recall(6, T, lag, rng(), n_symbols=V)
    assert x.shape == (6, T, V) and x.dtype == np.float32
    assert y.shape == (6, T) and y.dtype == np.int64
    assert np.all(x.sum(-1) == 1)  # one-hot
    tokens = x.argmax(-1)
    assert np.all(y[:, :lag] == IGNORE_INDEX)
    assert np.array_equal(y[:, lag:], tokens[:, : T - lag])


def test_delayed_recall_is_uniform_and_float64_on_request():
    x, _ = tasks.delayed_recall(2000, 20, 2, rng(1), n_symbols=4, dtype=np.float64)
    assert x.dtype == np.float64
    freq = x.mean(axis=(0, 1))
    assert np.allclose(freq, 0.25, atol=0.01)


def test_delayed_recall_ignore_index_matches_torch_cross_entropy():
    x, y = tasks.delayed_recall(3, 6, 2, rng())
    logits = torch.randn(3, 6, 4)
    full = torch.nn.functional.cross_entropy(logits.reshape(-1, 4), torch.from_numpy(y).reshape(-1))
    kept = torch.nn.functional.cross_entropy(logits[:, 2:].reshape(-1, 4), torch.from_numpy(y[:, 2:]).reshape(-1))
    assert torch.allclose(full, kept)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(n=0, T=5, lag=1), "n:"),
        (dict(n=2, T=5, lag=5), "lag"),
        (dict(n=2, T=5, lag=-1), "lag"),
        (dict(n=2, T=5.0, lag=1), "T:"),
        (dict(n=2, T=5, lag=1, n_symbols=1), "n_symbols"),
        (dict(n=2, T=5, lag=1, dtype=np.int32), "dtype"),
    ],
)
def test_delayed_recall_rejects_bad_arguments(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        tasks.delayed_recall(rng=rng(), **kwargs)


def test_bad_rng_is_rejected_with_a_hint():
    with pytest.raises(ValueError, match="default_rng"):
        tasks.delayed_recall(2, 5, 1, 0)
    with pytest.raises(ValueError, match="rng"):
        tasks.adding_problem(2, 5, np.random.RandomState(0))


# --- remember the first token ----------------------------------------------------


def test_remember_first():
    x, y = tasks.remember_first(50, 12, rng(), n_symbols=3)
    assert x.shape == (50, 12, 3) and y.shape == (50,) and y.dtype == np.int64
    assert np.array_equal(y, x[:, 0].argmax(-1))
    # the later steps are independent distractors: they are not all equal to the first
    assert not np.all(x[:, 1:].argmax(-1) == y[:, None])


# --- adding problem ------------------------------------------------------------------


@pytest.mark.parametrize("T", [2, 3, 10, 51])
def test_adding_problem_marks_one_step_in_each_half(T):
    x, y = tasks.adding_problem(200, T, rng(T))
    assert x.shape == (200, T, 2) and y.shape == (200,) and x.dtype == y.dtype == np.float32
    values, markers = x[..., 0], x[..., 1]
    assert np.all((values >= 0) & (values < 1))
    assert np.all(markers.sum(1) == 2)
    half = T // 2
    assert np.all(markers[:, :half].sum(1) == 1) and np.all(markers[:, half:].sum(1) == 1)
    assert np.allclose(y, (values * markers).sum(1), atol=1e-6)


def test_adding_problem_baseline_is_one_sixth():
    _, y = tasks.adding_problem(100_000, 20, rng(3), dtype=np.float64)
    assert abs(np.mean((y - 1.0) ** 2) - 1 / 6) < 0.005


def test_adding_problem_needs_two_steps():
    with pytest.raises(ValueError, match="T:"):
        tasks.adding_problem(3, 1, rng())


# --- copy task -------------------------------------------------------------------------


def test_copy_task_layout():
    S, delay, V = 3, 4, 5
    x, y = tasks.copy_task(7, S, delay, rng(), n_symbols=V)
    total = 2 * S + delay
    assert x.shape == (7, total, V + 2) and y.shape == (7, total)
    tokens = x.argmax(-1)
    assert np.all(tokens[:, :S] < V)  # data
    assert np.all(tokens[:, S:S + delay - 1] == V)  # blanks
    assert np.all(tokens[:, S + delay - 1] == V + 1)  # go
    assert np.all(tokens[:, S + delay:] == V)  # blanks while answering
    assert np.all(y[:, :S + delay] == IGNORE_INDEX)
    assert np.array_equal(y[:, S + delay:], tokens[:, :S])


def test_copy_task_rejects_zero_delay():
    with pytest.raises(ValueError, match="delay"):
        tasks.copy_task(2, 3, 0, rng())


# --- determinism and batches ---------------------------------------------------------


@pytest.mark.parametrize(
    "task, kwargs",
    [
        (tasks.delayed_recall, dict(T=9, lag=2)),
        (tasks.remember_first, dict(T=9)),
        (tasks.adding_problem, dict(T=9)),
        (tasks.copy_task, dict(length=3, delay=2)),
    ],
)
def test_tasks_are_deterministic_given_the_generator(task, kwargs):
    a = task(4, rng=rng(5), **kwargs)
    b = task(4, rng=rng(5), **kwargs)
    c = task(4, rng=rng(6), **kwargs)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_make_batch_fn_works_with_train():
    from rnn_helpers.models.training import train

    batch_fn = tasks.make_batch_fn(tasks.delayed_recall, 8, T=6, lag=1, n_symbols=3)
    x, y = batch_fn(0, rng())
    assert isinstance(x, torch.Tensor) and x.shape == (8, 6, 3) and x.dtype == torch.float32
    assert y.dtype == torch.int64

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = torch.nn.RNN(3, 8, batch_first=True)
            self.out = torch.nn.Linear(8, 3)

        def forward(self, x):
            return self.out(self.rnn(x)[0])

    def loss_fn(model, batch):
        x, y = batch
        return torch.nn.functional.cross_entropy(model(x).reshape(-1, 3), y.reshape(-1))

    results = []
    for _ in range(2):
        torch.manual_seed(0)  # same initial weights; train() seeds the data stream
        results.append(train(Model(), batch_fn, loss_fn, max_steps=5, max_seconds=10, seed=1))
    assert results[0].steps == 5 and results[0].losses == results[1].losses


def test_make_batch_fn_numpy_and_bad_arguments():
    batch_fn = tasks.make_batch_fn(tasks.adding_problem, 4, as_torch=False, T=5)
    x, y = batch_fn(3, rng())
    assert isinstance(x, np.ndarray) and x.shape == (4, 5, 2) and y.shape == (4,)
    with pytest.raises(ValueError, match="lag"):
        tasks.make_batch_fn(tasks.delayed_recall, 4, T=5, lag=9)
    with pytest.raises(ValueError, match="rng"):
        tasks.make_batch_fn(tasks.adding_problem, 4, T=5, rng=rng())
    with pytest.raises(ValueError, match="task"):
        tasks.make_batch_fn("adding", 4)


def test_fixed_batch_is_reproducible():
    a = tasks.fixed_batch(tasks.copy_task, 5, seed=11, length=2, delay=3)
    b = tasks.fixed_batch(tasks.copy_task, 5, seed=11, length=2, delay=3)
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    x, _ = tasks.fixed_batch(tasks.remember_first, 5, seed=0, as_torch=False, T=4)
    assert isinstance(x, np.ndarray)
