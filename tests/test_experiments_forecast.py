"""rnn_helpers.experiments.forecast: a tiny, fast run of the chapter 9 experiments."""

import json

import numpy as np
import pytest
import torch

from rnn_helpers.data import series
from rnn_helpers.experiments import forecast, metrics


def test_gru_forecaster_shapes_and_recursion():
    torch.manual_seed(0)
    model = forecast.GRUForecaster(hidden_size=4)
    out = model(torch.zeros(3, 5, 1))
    assert out.shape == (3, 1)
    z = np.linspace(-1, 1, 30)
    idx = np.array([5, 10, 29])
    f = forecast.recursive_forecast(model, z, idx, T=5, horizon=3)
    assert f.shape == (3, 3)
    # step 1 is the model on the window; step 2 feeds step 1 back as the newest input
    with torch.no_grad():
        w = torch.as_tensor(z[idx[:, None] + np.arange(-5, 0)][:, :, None], dtype=torch.float32)
        first = model(w)[:, 0].double().numpy()
        w2 = torch.cat([w[:, 1:], torch.as_tensor(first, dtype=torch.float32)[:, None, None]], dim=1)
        second = model(w2)[:, 0].double().numpy()
    assert np.allclose(f[:, 0], first) and np.allclose(f[:, 1], second)
    with pytest.raises(ValueError, match="target_index"):
        forecast.recursive_forecast(model, z, np.array([2]), T=5, horizon=1)


def test_fit_forecaster_learns_a_sine_and_keeps_best_validation_weights():
    z = np.sin(np.arange(200) * 2 * np.pi / 12)
    x_tr, y_tr, _ = series.make_windows(z, 12, 1, stop=150)
    x_va, y_va, _ = series.make_windows(z, 12, 1, start=150)
    model, result, best_step = forecast.fit_forecaster(
        x_tr, y_tr, x_va, y_va, hidden_size=8, max_steps=150, max_seconds=30, lr=1e-2, seed=0)
    assert result.steps == 150 and result.stopped == "steps"
    vals = dict(result.evals)
    assert best_step in vals and vals[best_step] == min(vals.values())
    with torch.no_grad():
        kept = float(torch.mean((model(torch.as_tensor(x_va, dtype=torch.float32)).double()
                                 - torch.as_tensor(y_va)) ** 2))
    assert kept == pytest.approx(vals[best_step], rel=1e-4)
    assert kept < 0.05  # far below the variance 0.5 of a sine
    with pytest.raises(ValueError, match="x_train"):
        forecast.fit_forecaster(x_tr[:, :, 0], y_tr, x_va, y_va)
    with pytest.raises(ValueError, match="y_train"):
        forecast.fit_forecaster(x_tr, y_tr[:, 0], x_va, y_va)


def test_sunspots_experiment_tiny():
    res = forecast.sunspots_experiment(seconds=5, n_seeds=2, max_steps=30, hidden_size=4)
    m = forecast.metrics(res)
    json.dumps(m)  # JSON-able
    assert set(m["one_step"]) == {"naive", "seasonal naive", "AR recursive", "AR direct", "GRU"}
    assert m["n_train"] == 221 and m["n_val"] == 44 and m["n_test"] == 44
    assert m["n_one_step"] == 44 and m["n_multi_step"] == 44 - 11 + 1
    assert m["ar_order"] == 9  # chosen on validation, as in the literature
    assert m["gru"]["steps"] == 30 and len(m["gru_seeds"]) == 2
    assert m["gru_seeds"][0]["val_mse"] <= m["gru_seeds"][1]["val_mse"]
    for model, row in m["one_step"].items():
        assert np.isfinite(row["mae"]) and row["rmse"] >= row["mae"] > 0
        assert row["mase"] == pytest.approx(row["mae"] / m["mase_scale"])
        assert len(m["mae_by_horizon"][model]) == 11
    # the baselines do not depend on the network: fixed, reproducible numbers
    assert m["one_step"]["AR recursive"]["mae"] < m["one_step"]["naive"]["mae"]
    assert m["multi_step"]["seasonal naive"]["mae"] < m["multi_step"]["naive"]["mae"]
    assert set(m["dm_one_step"]) == {"naive", "seasonal naive", "AR recursive", "AR direct"}
    # the small-sample test: DM * sqrt((n - 1) / n) at h = 1, t_{n-1}, n = 44
    for name, dm in m["dm_one_step"].items():
        hln = m["dm_one_step_hln"][name]
        assert hln["stat"] == pytest.approx(dm["stat"] * np.sqrt(43 / 44), rel=1e-12)
        assert hln["p_value"] >= dm["p_value"]
        low, high = hln["mae_difference_ci95"]
        diff = m["one_step"]["GRU"]["mae"] - m["one_step"][name]["mae"]
        assert low < diff < high and (low > 0 or high < 0) == (hln["p_value"] < 0.05)
        multi = m["dm_multi_step_hln"][name]
        assert len(multi["stat"]) == len(multi["p_value"]) == 11
        assert multi["stat"][0] == pytest.approx(
            metrics.diebold_mariano(res.multi_true[:, 0] - res.multi["GRU"][:, 0],
                                    res.multi_true[:, 0] - res.multi[name][:, 0],
                                    small_sample=True)[0])


def test_goog_experiment_and_leak_tiny():
    res = forecast.goog_experiment(seconds=5, max_steps=20, hidden_size=4)
    m = forecast.metrics(res)
    json.dumps(m)
    assert set(m["one_step"]) == {"naive", "drift", "AR on returns", "GRU on returns"}
    assert m["horizon"] == 10 and m["test_period"][1] == "2008-10-14"
    # the naive forecast is the price of the previous day
    assert np.allclose(res.one_step["naive"], res.series[res.one_step_index - 1])
    leak = forecast.smoothing_leak()
    assert leak["centred"] < 0.7 * leak["naive"]  # the look-ahead "beats" the random walk
    assert abs(leak["trailing"] - leak["naive"]) < 0.05 * leak["naive"]


def test_summary_compares_each_gru_with_its_fixed_baseline():
    m = {name: forecast.metrics(experiment(seconds=5, max_steps=10, hidden_size=4))
         for name, experiment in (("sunspots", forecast.sunspots_experiment),
                                  ("goog", forecast.goog_experiment))}
    s = forecast.summary(m)
    assert s["model"]["value"] == m["sunspots"]["one_step"]["GRU"]["mae"]
    assert s["baseline"] == {"name": "AR recursive",
                             "value": m["sunspots"]["one_step"]["AR recursive"]["mae"]}
    assert s["dm_p_value"] == m["sunspots"]["dm_one_step_hln"]["AR recursive"]["p_value"]
    assert s["goog"]["baseline"]["name"] == "naive" and s["goog"]["model"]["name"] == "GRU on returns"


def test_run_validates_and_is_reproducible(monkeypatch):
    with pytest.raises(ValueError, match="seconds"):
        forecast.run(0)
    monkeypatch.setattr(forecast, "STEPS_PER_SECOND", 5)
    monkeypatch.setattr(forecast, "RUN_SEEDS", 1)
    a = forecast.run(4, seed=1)
    b = forecast.run(4, seed=1)
    assert set(a) == {"sunspots", "goog", "smoothing_leak", "seconds", "seed"}
    json.dumps(a)
    assert a["sunspots"]["one_step"] == b["sunspots"]["one_step"]
    assert a["goog"]["multi_step"] == b["goog"]["multi_step"]


def test_sunspots_experiment_is_deterministic_and_steps_decide(monkeypatch):
    # the notebook's experiment function twice with a tiny budget: identical
    # numbers, and every GRU trained exactly its step budget (the time budget
    # is a safety cap that raises, it never decides the number of steps)
    monkeypatch.setattr(forecast, "STEPS_PER_SECOND", 10)
    a, b = (forecast.sunspots_experiment(seconds=4.0, seed=0, n_seeds=2) for _ in range(2))
    ma, mb = forecast.metrics(a), forecast.metrics(b)
    assert ma["one_step"] == mb["one_step"] and ma["multi_step"] == mb["multi_step"]
    assert ma["dm_one_step_hln"] == mb["dm_one_step_hln"]
    assert a.best_step == b.best_step
    assert a.train.steps == b.train.steps == 20 and a.train.stopped == "steps"
