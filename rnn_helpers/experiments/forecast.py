"""Chapter 9: a small GRU forecaster against naive and autoregressive baselines.

Two experiments on real data that ships with installed packages, each with a
chronological train / validation / test split:

- :func:`sunspots_experiment`: yearly sunspot numbers 1700-2008
  (``statsmodels.datasets.sunspots``, public domain). Training 1700-1920,
  validation 1921-1964, test 1965-2008. Models: naive, seasonal naive
  (11-year cycle), AR(p) recursive and direct (p chosen on validation), and a
  GRU that reads 12 years and forecasts the next one; its forecasts are fed
  back for longer horizons (recursive, like the AR).
- :func:`goog_experiment`: Google's daily closing prices 2004-2008 (matplotlib
  sample data). Models forecast the log price through the daily log returns:
  naive (random walk), drift, AR(p) on returns, and a GRU on returns.
- :func:`smoothing_leak`: how a centred moving average (which looks ahead)
  makes an AR model appear to beat the random walk.

``run(seconds, seed)`` runs them all and returns JSON-able metrics,
``summary(metrics)`` each GRU against its baseline;
``python -m rnn_helpers.experiments forecast --seconds 300`` prints them. The
notebook of chapter 9 calls the same functions with a shorter budget. The
series come from :mod:`rnn_helpers.data.series`, the baselines and error
measures from :mod:`rnn_helpers.models.forecasting`, the Diebold-Mariano
test from :mod:`rnn_helpers.experiments.metrics`.

The training step budget is proportional to ``seconds`` (``STEPS_PER_SECOND``
steps per second of budget), and every GRU trains exactly its step budget:
the wall time never decides a result, so two runs with the same seed give the
same numbers on a quiet or a loaded machine (one torch thread, the same
reductions). The time limit is only a safety cap (``SAFETY_FACTOR`` times the
GRU's share of the budget plus 60 s) that raises when hit.

Why one module of about 580 lines: it holds chapter 9's two experiments and
the neural forecaster they share, each an end-to-end protocol (split, scale,
fit, forecast, score) that the chapter reads in order; the series, the
baselines and the comparisons are already elsewhere (see above).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

import numpy as np
import torch

from rnn_helpers.data import series
from rnn_helpers.data.sequences import load_goog_close
from rnn_helpers.experiments.metrics import diebold_mariano, mae_difference_interval
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread, train_best
from rnn_helpers.models import forecasting as fc
from rnn_helpers.models.training import TrainResult, set_seed

__all__ = [
    "GRUForecaster",
    "recursive_forecast",
    "fit_forecaster",
    "ForecastResult",
    "sunspots_experiment",
    "goog_split",
    "goog_experiment",
    "smoothing_leak",
    "metrics",
    "run",
    "summary",
]

#: training steps per second of budget (a quiet 2-core laptop takes ~3-6 ms per step here)
STEPS_PER_SECOND = 60
#: safety cap per GRU: SAFETY_FACTOR * its share of the budget + 60 s; hitting it raises
SAFETY_FACTOR = 20.0
#: GRUs trained per experiment in ``run`` (the best on validation is kept; the spread is reported)
RUN_SEEDS = 3
#: share of the budget for the sunspot model (the rest goes to the stock-price model)
SUNSPOT_SHARE = 0.6

SUNSPOT_VAL_YEAR, SUNSPOT_TEST_YEAR = 1921, 1965
SUNSPOT_WINDOW, SUNSPOT_HORIZON, SUNSPOT_MAX_P = 12, 11, 20
GOOG_WINDOW, GOOG_HORIZON, GOOG_MAX_P = 20, 10, 10
GOOG_VAL_FRACTION, GOOG_TEST_FRACTION = 0.6, 0.8


class GRUForecaster(torch.nn.Module):
    """
    A one-layer GRU that reads a window of T values and forecasts the next one.

    x (N, T, 1) -> GRU -> last hidden state h_T (N, hidden) -> linear -> (N, 1).
    Longer horizons come from :func:`recursive_forecast`, which feeds each
    forecast back as the newest input, exactly as the recursive AR does.
    """

    def __init__(self, hidden_size: int = 16):
        super().__init__()
        self.gru = torch.nn.GRU(1, hidden_size, batch_first=True)
        self.head = torch.nn.Linear(hidden_size, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, T, 1) -> one-step forecasts (N, 1)."""
        out, _ = self.gru(x)  # (N, T, hidden)
        return self.head(out[:, -1])  # (N, 1)


def recursive_forecast(model: torch.nn.Module, z: np.ndarray, target_index: np.ndarray,
                       T: int, horizon: int) -> np.ndarray:
    """
    Multi-step forecasts of a one-step model by feeding its forecasts back.

    Inputs:
    - model: maps (N, T, 1) windows to (N, 1) one-step forecasts
    - z: Array of shape (n,), the (scaled) series the model reads
    - target_index: Integer array of shape (N,), first unseen index t of each forecast, t >= T
    - T: Integer window length
    - horizon: Integer K

    Returns:
    - forecast: Array of shape (N, K), in the units of z
    """
    idx = np.asarray(target_index, dtype=np.int64)
    if idx.ndim != 1 or (idx.size and (idx.min() < T or idx.max() > z.shape[0])):
        raise ValueError(f"target_index: expected a 1-D array of indices in [T, n] = [{T}, {z.shape[0]}]")
    window = z[idx[:, None] + np.arange(-T, 0)[None, :]]  # (N, T)
    out = np.empty((idx.shape[0], horizon))
    with torch.no_grad(), one_thread():
        for h in range(horizon):  # sequential in the horizon, vectorised over N
            step = model(torch.as_tensor(window[:, :, None], dtype=torch.float32))[:, 0].double().numpy()
            out[:, h] = step  # (N,)
            window = np.concatenate([window[:, 1:], step[:, None]], axis=1)  # (N, T)
    return out


def fit_forecaster(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    hidden_size: int = 16,
    max_steps: int = 400,
    max_seconds: float = 30.0,
    batch_size: Optional[int] = None,
    lr: float = 5e-3,
    weight_decay: float = 0.0,
    eval_every: int = 25,
    seed: int = 0,
    progress: bool = False,
):
    """
    Train a :class:`GRUForecaster` with MSE, keeping the weights of the best validation step.

    Inputs:
    - x_train: Array of shape (N, T, 1), scaled inputs; y_train: (N, 1) scaled next values
    - x_val: Array of shape (M, T, 1); y_val: (M, 1), for early stopping only
    - hidden_size: Integer width of the GRU
    - max_steps, max_seconds: the step budget and the safety-net time budget
    - batch_size: Integer minibatch size, or None for the full training set
    - lr, weight_decay: Adam(W) settings
    - eval_every: Integer, validate every this many steps
    - seed: Integer seed (initialisation and minibatches)
    - progress: Boolean, show a tqdm bar

    Returns a tuple of:
    - model: GRUForecaster in eval mode, with the best validation weights
    - result: rnn_helpers.models.training.TrainResult (evals hold the validation MSE)
    - best_step: Integer step of the kept weights
    """
    x_tr = torch.as_tensor(np.asarray(x_train), dtype=torch.float32)
    y_tr = torch.as_tensor(np.asarray(y_train), dtype=torch.float32)
    x_va = torch.as_tensor(np.asarray(x_val), dtype=torch.float32)
    y_va = torch.as_tensor(np.asarray(y_val), dtype=torch.float32)
    if x_tr.ndim != 3 or x_tr.shape[2] != 1:
        raise ValueError(f"x_train: expected shape (N, T, 1), got {tuple(x_tr.shape)}")
    if y_tr.shape != (x_tr.shape[0], 1):
        raise ValueError(f"y_train: expected shape (N, 1) = ({x_tr.shape[0]}, 1), got {tuple(y_tr.shape)}")
    if x_va.ndim != 3 or x_va.shape[2] != 1 or y_va.shape != (x_va.shape[0], 1):
        raise ValueError(
            f"x_val, y_val: expected shapes (M, T, 1) and (M, 1), got {tuple(x_va.shape)} and {tuple(y_va.shape)}"
        )
    set_seed(seed)
    model = GRUForecaster(hidden_size)
    n = x_tr.shape[0]

    def batch_fn(step, rng):
        if batch_size is None or batch_size >= n:
            return x_tr, y_tr
        idx = torch.as_tensor(rng.choice(n, size=batch_size, replace=False))
        return x_tr[idx], y_tr[idx]

    def loss_fn(m, batch):
        x, y = batch
        return torch.mean((m(x) - y) ** 2)

    def val_fn(m):
        return float(torch.mean((m(x_va) - y_va) ** 2))

    with one_thread():
        result, best_step = train_best(model, batch_fn, loss_fn, val_fn, max_steps=max_steps,
                                       max_seconds=max_seconds, lr=lr, weight_decay=weight_decay,
                                       clip_norm=1.0, eval_every=eval_every, seed=seed, higher_is_better=False,
                                       progress=progress)
    model.eval()
    return model, result, best_step


@dataclass
class ForecastResult:
    """
    Everything one experiment produced (arrays in the units of the data).

    - name: "sunspots" or "goog"
    - times: Array (n,), years or dates of the series; series: Array (n,), the data
    - val_start, test_start: Integer indices of the split
    - one_step_index: Integer array (N1,), target index of every test value;
      one_step_true: (N1,); one_step: dict model -> (N1,) forecasts
    - multi_index: Integer array (N,), target index t of every test forecast
      whose K targets all lie in the test period; multi_true: (N, K);
      multi: dict model -> (N, K) forecasts
    - scale: Float, in-sample naive MAE of the training period (MASE denominator)
    - ar_order: Integer p chosen on validation; ar_val_mae: Array (max_p,)
    - train: TrainResult of the kept GRU; best_step: Integer; hidden_size: Integer
    - seeds: list of dicts, one per GRU trained (seed, best validation MSE,
      test one-step and multi-step MAE): the spread says how much of a
      difference between models is luck of the initialisation
    - extra: dict of experiment-specific values; extra["model_name"] names the GRU's entry
    """

    name: str
    times: np.ndarray
    series: np.ndarray
    val_start: int
    test_start: int
    one_step_index: np.ndarray
    one_step_true: np.ndarray
    one_step: Dict[str, np.ndarray]
    multi_index: np.ndarray
    multi_true: np.ndarray
    multi: Dict[str, np.ndarray]
    scale: float
    ar_order: int
    ar_val_mae: np.ndarray
    train: TrainResult
    best_step: int
    hidden_size: int
    seeds: list = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)


def _budget(seconds: float) -> int:
    return max(20, int(round(STEPS_PER_SECOND * seconds)))


def _fit_seeds(z, T, val_start, test_start, *, n_seeds, seed, seconds, max_steps, hidden_size,
               batch_size, lr, weight_decay, progress):
    """Train n_seeds GRUs on one-step windows of z; return them sorted by validation MSE."""
    x_tr, y_tr, _ = series.make_windows(z, T, 1, stop=val_start)  # targets in the training period
    x_va, y_va, _ = series.make_windows(z, T, 1, start=val_start, stop=test_start)
    per_seed = seconds / n_seeds
    steps = max_steps if max_steps is not None else _budget(per_seed)
    fits = []
    for k in range(n_seeds):
        model, result, best_step = fit_forecaster(
            x_tr, y_tr, x_va, y_va, hidden_size=hidden_size, max_steps=steps,
            max_seconds=SAFETY_FACTOR * per_seed + 60.0, batch_size=batch_size, lr=lr,
            weight_decay=weight_decay, seed=seed + k, progress=progress)
        if result.steps < steps:  # the cap never decides a result: it raises
            raise RuntimeError(
                f"seed {seed + k}: the wall-time safety cap stopped training after "
                f"{result.steps} of {steps} steps; the result would depend on the "
                "machine's load, so none is returned")
        best_val = min(v for _, v in result.evals)
        fits.append((best_val, seed + k, model, result, best_step))
    return sorted(fits, key=lambda f: f[0])


def sunspots_experiment(seconds: float = 20.0, seed: int = 0, n_seeds: int = 3, hidden_size: int = 16,
                        max_steps: Optional[int] = None, progress: bool = False) -> ForecastResult:
    """
    Forecast the yearly sunspot number 1 to 11 years ahead on 1965-2008.

    Inputs:
    - seconds: Float time budget for all GRUs together (sets the step budget)
    - seed: Integer seed of the first GRU; the others use seed + 1, ...
    - n_seeds: Integer number of GRUs trained; the one with the best validation
      error is kept (model selection on the validation period, never the test)
    - hidden_size: Integer GRU width
    - max_steps: Integer step budget per GRU, or None for STEPS_PER_SECOND * seconds / n_seeds
    - progress: Boolean, show a progress bar

    Returns:
    - ForecastResult; models "naive", "seasonal naive", "AR recursive",
      "AR direct", "GRU". All models are fitted on 1700-1920 only; the
      validation years 1921-1964 choose the AR order and the GRU's seed and
      training step; the test years 1965-2008 are used once, at the end.
    """
    years, y = series.load_sunspots()
    n = y.shape[0]
    val_start = int(np.searchsorted(years, SUNSPOT_VAL_YEAR))
    test_start = int(np.searchsorted(years, SUNSPOT_TEST_YEAR))
    train_part, _, _ = series.chronological_split(n, val_start, test_start)
    T, K = SUNSPOT_WINDOW, SUNSPOT_HORIZON

    p, val_mae = fc.select_ar_order(y, val_start, test_start, SUNSPOT_MAX_P)
    coef = fc.fit_ar(y[train_part], p)
    coefs_direct = fc.fit_ar_direct(y[train_part], p, K)

    scaler = series.fit_scaler(y[train_part])  # training period only
    z = scaler.transform(y)  # (n,)
    fits = _fit_seeds(z, T, val_start, test_start, n_seeds=n_seeds, seed=seed, seconds=seconds,
                      max_steps=max_steps, hidden_size=hidden_size, batch_size=None, lr=5e-3,
                      weight_decay=1e-3, progress=progress)

    _, _, idx1 = series.make_windows(y, T, 1, start=test_start)  # every test year
    _, _, idxK = series.make_windows(y, T, K, start=test_start)  # origins with all K targets in the test
    true1, trueK = y[idx1], y[idxK[:, None] + np.arange(K)]  # (N1,), (N, K)

    def gru(model, idx, horizon):
        return scaler.inverse(recursive_forecast(model, z, idx, T, horizon))

    seeds = [{"seed": int(sd), "val_mse": float(v),
              "test_one_step_mae": fc.mae(true1, gru(m, idx1, 1)[:, 0]),
              "test_multi_step_mae": fc.mae(trueK, gru(m, idxK, K))} for v, sd, m, _, _ in fits]
    _, _, model, result, best_step = fits[0]
    one = {
        "naive": fc.naive_forecast(y, idx1, 1)[:, 0],
        "seasonal naive": fc.seasonal_naive_forecast(y, idx1, 1, series.SUNSPOT_PERIOD)[:, 0],
        "AR recursive": fc.ar_forecast(y, idx1, coef, 1)[:, 0],
        "AR direct": fc.ar_direct_forecast(y, idx1, coefs_direct)[:, 0],
        "GRU": gru(model, idx1, 1)[:, 0],
    }
    multi = {
        "naive": fc.naive_forecast(y, idxK, K),
        "seasonal naive": fc.seasonal_naive_forecast(y, idxK, K, series.SUNSPOT_PERIOD),
        "AR recursive": fc.ar_forecast(y, idxK, coef, K),
        "AR direct": fc.ar_direct_forecast(y, idxK, coefs_direct),
        "GRU": gru(model, idxK, K),
    }
    return ForecastResult(
        name="sunspots", times=years, series=y, val_start=val_start, test_start=test_start,
        one_step_index=idx1, one_step_true=true1, one_step=one,
        multi_index=idxK, multi_true=trueK, multi=multi,
        scale=fc.naive_scale(y[train_part]), ar_order=p, ar_val_mae=val_mae,
        train=result, best_step=best_step, hidden_size=hidden_size, seeds=seeds,
        extra={"ar_coef": coef, "ar_direct_coefs": coefs_direct, "scaler": scaler, "model": model,
               "model_name": "GRU", "window": T, "horizon": K},
    )


def goog_split(n: int):
    """The (val_start, test_start) indices of the price series: 60 % / 20 % / 20 %."""
    return int(GOOG_VAL_FRACTION * n), int(GOOG_TEST_FRACTION * n)


def goog_experiment(seconds: float = 6.0, seed: int = 0, n_seeds: int = 1, hidden_size: int = 16,
                    max_steps: Optional[int] = None, progress: bool = False) -> ForecastResult:
    """
    Forecast Google's closing price 1 to 10 trading days ahead on its last 20 %.

    Every model forecasts the log price l_t = log p_t through the daily log
    returns r_t = l_t - l_{t-1}: naive (r = 0: tomorrow's price is today's),
    drift (the average past change continues), AR(p) fitted on the training
    returns (p chosen on validation, recursive), and a GRU that reads the last
    20 scaled returns and forecasts the next one (recursive beyond one day).
    Errors are in US dollars. Split: first 60 % of the days for training,
    next 20 % for validation, last 20 % for the test.

    Inputs: as :func:`sunspots_experiment`.

    Returns:
    - ForecastResult with models "naive", "drift", "AR on returns", "GRU on returns".
    """
    dates, price = load_goog_close()
    n = price.shape[0]
    logp = np.log(price)  # (n,)
    r = series.log_returns(price)  # (n - 1,), r[j] = logp[j + 1] - logp[j]
    val_start, test_start = goog_split(n)
    T, K = GOOG_WINDOW, GOOG_HORIZON
    # the return r[j] ends on day j + 1: price index t <-> return index t - 1
    r_val, r_test = val_start - 1, test_start - 1

    p, val_mae = fc.select_ar_order(r, r_val, r_test, GOOG_MAX_P)
    coef = fc.fit_ar(r[:r_val], p)
    scaler = series.fit_scaler(r[:r_val])  # training returns only
    z = scaler.transform(r)  # (n - 1,)
    fits = _fit_seeds(z, T, r_val, r_test, n_seeds=n_seeds, seed=seed, seconds=seconds,
                      max_steps=max_steps, hidden_size=hidden_size, batch_size=128, lr=3e-3,
                      weight_decay=1e-3, progress=progress)

    def paths(return_forecast, idx):  # (N, K) log returns -> (N, K) prices
        return np.exp(logp[idx - 1][:, None] + np.cumsum(return_forecast, axis=1))

    def gru(model, ridx, horizon):
        return paths(scaler.inverse(recursive_forecast(model, z, ridx, T, horizon)), ridx + 1)

    _, _, ridx1 = series.make_windows(r, T, 1, start=r_test)
    _, _, ridxK = series.make_windows(r, T, K, start=r_test)
    idx1, idxK = ridx1 + 1, ridxK + 1  # price index of the first target
    true1, trueK = price[idx1], price[idxK[:, None] + np.arange(K)]
    seeds = [{"seed": int(sd), "val_mse": float(v),
              "test_one_step_mae": fc.mae(true1, gru(m, ridx1, 1)[:, 0]),
              "test_multi_step_mae": fc.mae(trueK, gru(m, ridxK, K))} for v, sd, m, _, _ in fits]
    _, _, model, result, best_step = fits[0]
    forecasts = {}
    for label, idx, ridx, horizon in (("one", idx1, ridx1, 1), ("multi", idxK, ridxK, K)):
        forecasts[label] = {
            "naive": np.exp(fc.naive_forecast(logp, idx, horizon)),
            "drift": np.exp(fc.drift_forecast(logp, idx, horizon)),
            "AR on returns": paths(fc.ar_forecast(r, ridx, coef, horizon), idx),
            "GRU on returns": gru(model, ridx, horizon),
        }
    one = {k: v[:, 0] for k, v in forecasts["one"].items()}
    return ForecastResult(
        name="goog", times=dates, series=price, val_start=val_start, test_start=test_start,
        one_step_index=idx1, one_step_true=true1, one_step=one,
        multi_index=idxK, multi_true=trueK, multi=forecasts["multi"],
        scale=fc.naive_scale(price[:val_start]), ar_order=p, ar_val_mae=val_mae,
        train=result, best_step=best_step, hidden_size=hidden_size, seeds=seeds,
        extra={"ar_coef": coef, "scaler": scaler, "model": model, "model_name": "GRU on returns",
               "window": T, "horizon": K, "returns": r},
    )


def smoothing_leak(width: int = 5, p: int = 5) -> Dict[str, float]:
    """
    Measure the look-ahead leak of smoothing the full price series first.

    An AR-type regression predicts tomorrow's log price from the last p
    *smoothed* log prices and today's log price, fitted on the first 80 % of
    days and scored on the last 20 %. With a trailing moving average the
    inputs hold only the past; with a centred one, the smoothed value of
    today already averages tomorrow's price.

    Inputs:
    - width: Integer odd width of the moving average
    - p: Integer number of smoothed lags

    Returns:
    - dict with the test MAE in dollars of "naive", "trailing" and "centred",
      and "n_test", the number of test days scored (the same for all three).
    """
    _, price = load_goog_close()
    logp = np.log(price)
    n = logp.shape[0]
    _, test_start = goog_split(n)
    k = (width - 1) // 2
    first = p + width  # every smoothed lag exists for both filters
    train_idx = np.arange(first, test_start)
    test_idx = np.arange(test_start, n - k)  # the centred filter is undefined at the very end
    out = {"naive": fc.mae(price[test_idx], price[test_idx - 1]), "n_test": int(test_idx.shape[0])}
    for name, centred in (("trailing", False), ("centred", True)):
        s = series.moving_average(logp, width, centred=centred)

        def design(idx):  # [1, l_{t-1}, s_{t-1}, ..., s_{t-p}] for target index t
            lags = s[idx[:, None] - np.arange(1, p + 1)[None, :]]  # (N, p)
            return np.concatenate([np.ones((idx.shape[0], 1)), logp[idx - 1][:, None], lags], axis=1)

        beta, *_ = np.linalg.lstsq(design(train_idx), logp[train_idx], rcond=None)
        out[name] = fc.mae(price[test_idx], np.exp(design(test_idx) @ beta))
    return out


def _errors(res: ForecastResult) -> Dict[str, Any]:
    out: Dict[str, Any] = {"one_step": {}, "multi_step": {}, "mae_by_horizon": {}, "dm_one_step": {},
                           "dm_one_step_hln": {}, "dm_multi_step_hln": {}}
    for name, f in res.one_step.items():
        out["one_step"][name] = {
            "mae": fc.mae(res.one_step_true, f),
            "rmse": fc.rmse(res.one_step_true, f),
            "mase": fc.mae(res.one_step_true, f) / res.scale,
        }
    for name, f in res.multi.items():
        out["multi_step"][name] = {
            "mae": fc.mae(res.multi_true, f),
            "rmse": fc.rmse(res.multi_true, f),
            "mase": fc.mae(res.multi_true, f) / res.scale,
        }
        out["mae_by_horizon"][name] = [float(v) for v in fc.mae(res.multi_true, f, axis=0)]
    neural = res.extra["model_name"]
    e_model = res.one_step_true - res.one_step[neural]  # (N1,)
    E_model = res.multi_true - res.multi[neural]  # (N, K)
    K = E_model.shape[1]
    for name, f in res.one_step.items():
        if name == neural:
            continue
        e_base = res.one_step_true - f  # (N1,)
        stat, p_value = diebold_mariano(e_model, e_base)
        out["dm_one_step"][name] = {"stat": stat, "p_value": p_value}
        stat, p_value = diebold_mariano(e_model, e_base, small_sample=True)
        out["dm_one_step_hln"][name] = {"stat": stat, "p_value": p_value,
                                        "mae_difference_ci95": list(mae_difference_interval(
                                            e_model, e_base))}
        E_base = res.multi_true - res.multi[name]  # (N, K)
        tests = [diebold_mariano(E_model[:, k], E_base[:, k], horizon=k + 1, small_sample=True)
                 for k in range(K)]
        out["dm_multi_step_hln"][name] = {"stat": [t[0] for t in tests],
                                          "p_value": [t[1] for t in tests]}
    return out


def metrics(res: ForecastResult) -> Dict[str, Any]:
    """
    The JSON-able summary of one experiment.

    Returns a dict with "one_step" and "multi_step" (model -> mae, rmse, mase;
    multi-step values averaged over the horizons 1..K), "mae_by_horizon"
    (model -> list of K floats), "dm_one_step" (baseline -> Diebold-Mariano
    statistic and p-value of the GRU's one-step absolute errors against that
    baseline's; negative: the GRU is more accurate), "dm_one_step_hln" (the
    same with the Harvey-Leybourne-Newbold correction and Student's t with
    n - 1 degrees of freedom, and the matching 95 % interval of the GRU's MAE
    minus the baseline's), "dm_multi_step_hln" (baseline -> lists of K
    corrected statistics and p-values, one per horizon k, with lag k - 1
    autocovariances), the split sizes, the AR
    order, the GRU's training record (steps, seconds, stopped, best_step,
    hidden_size) and "gru_seeds" (every GRU trained, with its test errors).
    """
    out = _errors(res)
    K = res.multi_true.shape[1]
    t = res.times
    out.update({
        "horizon": int(K),
        "n_train": int(res.val_start),
        "n_val": int(res.test_start - res.val_start),
        "n_test": int(res.series.shape[0] - res.test_start),
        "test_period": [str(t[res.test_start]), str(t[-1])],
        "n_one_step": int(res.one_step_true.shape[0]),
        "n_multi_step": int(res.multi_true.shape[0]),
        "mase_scale": float(res.scale),
        "ar_order": int(res.ar_order),
        "gru": {
            "hidden_size": int(res.hidden_size),
            "steps": int(res.train.steps),
            "seconds": float(res.train.seconds),
            "stopped": res.train.stopped,
            "best_step": int(res.best_step),
            "final_train_mse": float(res.train.final_loss),
            "best_val_mse": float(min(v for _, v in res.train.evals)),
        },
        "gru_seeds": res.seeds,
    })
    return out


def run(seconds: float, seed: int = 0) -> dict:
    """
    Run both forecasting experiments and the leakage check; return JSON-able metrics.

    Inputs:
    - seconds: Float total training budget (split between the two GRUs)
    - seed: Integer seed

    Returns:
    - dict with keys "sunspots", "goog" (see :func:`metrics`), "smoothing_leak",
      "seconds", "seed".
    """
    seconds, seed = check_budget(seconds, seed)
    with one_thread():
        sun = sunspots_experiment(seconds=SUNSPOT_SHARE * seconds, seed=seed, n_seeds=RUN_SEEDS)
        goog = goog_experiment(seconds=(1 - SUNSPOT_SHARE) * seconds, seed=seed,
                               n_seeds=RUN_SEEDS)
    return {
        "sunspots": metrics(sun),
        "goog": metrics(goog),
        "smoothing_leak": smoothing_leak(),
        "seconds": float(seconds),
        "seed": int(seed),
    }


#: The baseline each series' GRU is compared with in :func:`summary`, fixed
#: before looking at the test period: the AR chosen on validation for the
#: sunspots, the random walk for the stock price.
SUMMARY_BASELINES = {"sunspots": ("GRU", "AR recursive"), "goog": ("GRU on returns", "naive")}


def summary(metrics: dict) -> dict:
    """
    The comparison of :func:`run`'s metrics in one line: one-step test MAE, GRU against its baseline.

    The sunspots are the main comparison; the stock price follows under
    "goog" in the same format. The interval of the MAE difference and the
    p-value are those of the corrected Diebold-Mariano test (44 test years:
    a small sample).

    Inputs:
    - metrics: dict returned by :func:`run`

    Returns:
    - dict from :func:`rnn_helpers.experiments.protocol.comparison`, with
      "dm_p_value" and "goog"
    """
    out = {}
    for name, (model, base) in SUMMARY_BASELINES.items():
        m = metrics[name]
        dm = m["dm_one_step_hln"][base]
        out[name] = comparison(f"{name} test MAE, one step ahead", "lower", model,
                               m["one_step"][model]["mae"], base, m["one_step"][base]["mae"],
                               dm["mae_difference_ci95"], dm_p_value=dm["p_value"],
                               n_test=m["n_one_step"], seeds=1)
    return {**out["sunspots"], "goog": out["goog"]}
