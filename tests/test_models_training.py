"""rnn_helpers.models.training: budgets, clipping, NaN guard, reproducibility."""

import math

import numpy as np
import pytest
import torch

from rnn_helpers.models.training import NonFiniteError, TrainResult, set_seed, train


def regression_problem():
    w_true = torch.tensor([[2.0], [-3.0]])

    def batch_fn(step, rng):
        x = torch.as_tensor(rng.normal(size=(16, 2)), dtype=torch.float32)
        return x, x @ w_true

    def loss_fn(model, batch):
        x, y = batch
        return torch.mean((model(x) - y) ** 2)

    return batch_fn, loss_fn


def test_learns_and_stops_on_steps():
    set_seed(0)
    model = torch.nn.Linear(2, 1)
    batch_fn, loss_fn = regression_problem()
    res = train(model, batch_fn, loss_fn, max_steps=300, lr=0.05, seed=0)
    assert isinstance(res, TrainResult)
    assert res.stopped == "steps" and res.steps == 300 and len(res.losses) == 300
    assert res.final_loss < 1e-3 < res.losses[0]


def test_runs_are_reproducible():
    out = []
    for _ in range(2):
        set_seed(1)
        model = torch.nn.Linear(2, 1)
        batch_fn, loss_fn = regression_problem()
        out.append(train(model, batch_fn, loss_fn, max_steps=50, seed=3).losses)
    assert out[0] == out[1]


def test_target_and_time_budgets():
    set_seed(0)
    batch_fn, loss_fn = regression_problem()
    res = train(torch.nn.Linear(2, 1), batch_fn, loss_fn, max_steps=5000, lr=0.05, target_loss=1e-2)
    assert res.stopped == "target" and res.steps < 5000
    res = train(torch.nn.Linear(2, 1), batch_fn, loss_fn, max_steps=10**7, max_seconds=0.2)
    assert res.stopped == "time" and res.seconds < 2


def test_clip_norm_bounds_the_update():
    set_seed(0)
    model = torch.nn.Linear(2, 1)
    before = [p.detach().clone() for p in model.parameters()]
    batch_fn, loss_fn = regression_problem()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    res = train(model, batch_fn, loss_fn, max_steps=1, optimizer=opt, clip_norm=0.01)
    step = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert res.grad_norms[0] > 0.01  # measured before clipping
    assert float(step) == pytest.approx(0.01, rel=1e-4)


def test_nan_loss_is_reported_clearly():
    def batch_fn(step, rng):
        return torch.tensor([[float("nan"), 0.0]]) if step == 3 else torch.ones(1, 2)

    def loss_fn(model, batch):
        return model(batch).sum()

    with pytest.raises(NonFiniteError, match=r"loss became nan at step 3"):
        train(torch.nn.Linear(2, 1), batch_fn, loss_fn, max_steps=10)


def test_eval_fn_is_called_and_final():
    set_seed(0)
    batch_fn, loss_fn = regression_problem()
    calls = []
    res = train(torch.nn.Linear(2, 1), batch_fn, loss_fn, max_steps=25, eval_every=10,
                eval_fn=lambda m: calls.append(m.training) or 1.0)
    assert [s for s, _ in res.evals] == [10, 20, 25]
    assert calls == [False, False, False]


@pytest.mark.parametrize("kwargs, match", [
    (dict(max_steps=0), "max_steps"),
    (dict(max_seconds=0), "max_seconds"),
    (dict(clip_norm=-1.0), "clip_norm"),
    (dict(lr=float("nan")), "lr"),
])
def test_bad_arguments(kwargs, match):
    batch_fn, loss_fn = regression_problem()
    with pytest.raises(ValueError, match=match):
        train(torch.nn.Linear(2, 1), batch_fn, loss_fn, **kwargs)


def test_set_seed_validates():
    with pytest.raises(ValueError, match="seed"):
        set_seed(-1)
    a = set_seed(5).normal(size=3)
    b = set_seed(5).normal(size=3)
    assert np.array_equal(a, b) and not math.isnan(a[0])
