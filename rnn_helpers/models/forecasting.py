"""Time-series forecasting for chapter 9: data, windows, baselines, metrics.

Everything here is NumPy; the neural forecaster lives in
:mod:`rnn_helpers.experiments.forecast`. Conventions:

- A series is a 1-D float array ``y`` of length ``n``, indexed from 0.
- A forecast is made at an **origin**: the last observed index ``t - 1``.
  Its targets are ``y[t], ..., y[t + K - 1]`` for the horizons
  ``k = 1, ..., K`` (K, not H: the course keeps H for the hidden size).
  Functions take ``target_index``, an integer array of
  shape (N,) holding the ``t`` of each forecast, so ``y[t]`` is the first
  value the forecaster has *not* seen.
- Every forecast of a row uses only ``y[:t]``.

Contents:

=====================================  =========================================
:func:`load_sunspots`                  yearly sunspot numbers 1700-2008 (statsmodels)
:func:`chronological_split`            train / validation / test boundaries in time
:class:`Scaler`, :func:`fit_scaler`    standardisation fitted on one period only
:func:`make_windows`                   (N, T, 1) inputs and (N, K) targets
:func:`naive_forecast`                 tomorrow = today
:func:`seasonal_naive_forecast`        the value one period ago
:func:`drift_forecast`                 the last value plus the average past change
:func:`fit_ar`, :func:`ar_forecast`    AR(p) by least squares, recursive forecasts
:func:`fit_ar_direct`,                 one least-squares fit per horizon
:func:`ar_direct_forecast`
:func:`select_ar_order`                the order p with the best validation error
:func:`ma_weights`                     psi-weights of an AR(p): h-step error variance
:func:`mae`, :func:`rmse`, :func:`mase`, :func:`naive_scale`   error measures
:func:`acf`, :func:`log_returns`       autocorrelation, daily log returns
:func:`moving_average`                 trailing (causal) or centred (leaky) smoothing
:func:`diebold_mariano`                is one forecast significantly more accurate?
=====================================  =========================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array

__all__ = [
    "load_sunspots",
    "chronological_split",
    "Scaler",
    "fit_scaler",
    "make_windows",
    "naive_forecast",
    "seasonal_naive_forecast",
    "drift_forecast",
    "ar_design",
    "fit_ar",
    "ar_forecast",
    "fit_ar_direct",
    "ar_direct_forecast",
    "select_ar_order",
    "ma_weights",
    "mae",
    "rmse",
    "naive_scale",
    "mase",
    "acf",
    "log_returns",
    "moving_average",
    "diebold_mariano",
]

#: Length of the sunspot cycle in years, used as the seasonal-naive period.
SUNSPOT_PERIOD = 11


# ----------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------


def _series(name: str, y: Any, min_length: int = 1) -> np.ndarray:
    """A finite 1-D float array of length >= min_length (ValueError otherwise)."""
    arr = np.asarray(y)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    arr = as_float_array(name, arr, ndim=1, shape_hint="(n,)")
    if arr.shape[0] < min_length:
        raise ValueError(f"{name}: expected a series of length >= {min_length}, got length {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: the series contains NaN or inf")
    return arr


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return int(value)


def _target_index(y: np.ndarray, target_index: Any, need: int, horizon: int = 1) -> np.ndarray:
    """Validate target_index (N,): each t needs `need` past values, targets may run past the end."""
    idx = np.asarray(target_index)
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise ValueError(
            f"target_index: expected a 1-D integer array of shape (N,), got {idx.dtype} of shape {idx.shape}"
        )
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < need or idx.max() > y.shape[0]):
        raise ValueError(
            f"target_index: every t must satisfy {need} <= t <= n = {y.shape[0]} "
            f"(a forecast needs {need} past values), got range [{idx.min()}, {idx.max()}]"
        )
    return idx


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------


def load_sunspots() -> Tuple[np.ndarray, np.ndarray]:
    """
    Return the yearly sunspot numbers 1700-2008 that ship with statsmodels.

    The series is ``statsmodels.datasets.sunspots`` (yearly means of the
    sunspot number, from the US National Geophysical Data Center, NOAA;
    public domain). It is the series on which Yule (1927) fitted the first
    autoregressive model.

    Returns a tuple of:
    - years: Integer array of shape (309,), 1700 ... 2008
    - spots: Array of shape (309,), float64, the yearly sunspot number
    """
    from statsmodels.datasets import sunspots

    data = sunspots.load_pandas().data
    years = data["YEAR"].to_numpy().astype(np.int64)
    spots = data["SUNACTIVITY"].to_numpy(dtype=np.float64)
    return years, spots


def chronological_split(n: int, val_start: int, test_start: int) -> Tuple[slice, slice, slice]:
    """
    Split indices 0..n-1 into a training, a validation and a test period, in time order.

    Inputs:
    - n: Integer length of the series
    - val_start: Integer index of the first validation value
    - test_start: Integer index of the first test value

    Returns a tuple of slices (train, val, test): [0, val_start),
    [val_start, test_start), [test_start, n). Nothing is shuffled: every
    validation value comes after every training value, every test value
    after every validation value.
    """
    n = _positive_int("n", n)
    for name, v in (("val_start", val_start), ("test_start", test_start)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name}: expected an integer index, got {v!r}")
    if not 0 < val_start < test_start < n:
        raise ValueError(
            f"val_start, test_start: expected 0 < val_start < test_start < n = {n}, "
            f"got val_start = {val_start}, test_start = {test_start}"
        )
    return slice(0, int(val_start)), slice(int(val_start), int(test_start)), slice(int(test_start), n)


@dataclass(frozen=True)
class Scaler:
    """
    Standardisation z = (y - mean) / std with *fixed* statistics.

    Fit it with :func:`fit_scaler` on the training period only, then apply
    the same two numbers to every period.
    """

    mean: float
    std: float

    def transform(self, y: Any) -> np.ndarray:
        """y (any shape) -> z = (y - mean) / std, same shape."""
        return (np.asarray(y, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: Any) -> np.ndarray:
        """z (any shape) -> y = z * std + mean, same shape."""
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def fit_scaler(y_train: Any) -> Scaler:
    """
    Fit a :class:`Scaler` on the training period.

    Inputs:
    - y_train: Array of shape (n_train,), the training period only

    Returns:
    - scaler: Scaler with the mean and (population, ddof = 0) standard deviation
    """
    y = _series("y_train", y_train, min_length=2)
    std = float(y.std())
    if not std > 0:
        raise ValueError("y_train: the training period is constant (standard deviation 0)")
    return Scaler(float(y.mean()), std)


def make_windows(
    series: Any,
    T: int,
    horizon: int = 1,
    start: Optional[int] = None,
    stop: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Cut a series into input windows and the values that follow them.

    Window i has target index t = target_index[i]: its inputs are the T values
    series[t - T], ..., series[t - 1] and its targets the `horizon` values
    series[t], ..., series[t + horizon - 1]. All windows whose targets lie
    entirely in [start, stop) are returned, in time order; their inputs may
    reach back before `start` (the past is known when the forecast is made).

    Inputs:
    - series: Array of shape (n,)
    - T: Integer window length (number of past values fed to the model)
    - horizon: Integer number of future values per window (K)
    - start: Integer, first index a target may have (default 0)
    - stop: Integer, one past the last index a target may have (default n)

    Returns a tuple of:
    - x: Array of shape (N, T, 1), batch-first inputs with D = 1 feature
    - y: Array of shape (N, K), the targets
    - target_index: Integer array of shape (N,), the t of each window
    """
    y = _series("series", series)
    n = y.shape[0]
    T = _positive_int("T", T)
    K = _positive_int("horizon", horizon)
    start = 0 if start is None else start
    stop = n if stop is None else stop
    if not 0 <= start <= stop <= n:
        raise ValueError(f"start, stop: expected 0 <= start <= stop <= n = {n}, got start = {start}, stop = {stop}")
    first = max(int(start), T)
    last = int(stop) - K  # the largest t whose targets end before stop
    if last < first:
        raise ValueError(
            f"T, horizon: no window of T = {T} inputs and {K} targets fits with targets in "
            f"[{start}, {stop}) of a series of length {n}"
        )
    target_index = np.arange(first, last + 1)  # (N,)
    x = y[target_index[:, None] + np.arange(-T, 0)[None, :]]  # (N, T)
    targets = y[target_index[:, None] + np.arange(K)[None, :]]  # (N, K)
    return x[:, :, None], targets, target_index  # (N, T, 1), (N, K), (N,)


# ----------------------------------------------------------------------------
# baselines
# ----------------------------------------------------------------------------


def naive_forecast(series: Any, target_index: Any, horizon: int = 1) -> np.ndarray:
    """
    The naive forecast: every future value equals the last observed one.

    Inputs:
    - series: Array of shape (n,)
    - target_index: Integer array of shape (N,), the first unseen index t of each forecast
    - horizon: Integer K

    Returns:
    - forecast: Array of shape (N, K), forecast[i, h - 1] = series[t_i - 1]
    """
    y = _series("series", series)
    K = _positive_int("horizon", horizon)
    idx = _target_index(y, target_index, need=1)
    return np.repeat(y[idx - 1][:, None], K, axis=1)  # (N, K)


def seasonal_naive_forecast(series: Any, target_index: Any, horizon: int, period: int) -> np.ndarray:
    """
    The seasonal naive forecast: the value one period (m steps) earlier.

    For the value h steps after the origin t - 1 it returns
    series[t - 1 + h - m * ceil(h / m)], the most recent observed value at
    the same phase of the cycle (Hyndman & Athanasopoulos 2021, section 5.2).

    Inputs:
    - series: Array of shape (n,)
    - target_index: Integer array of shape (N,), the first unseen index t of each forecast
    - horizon: Integer K
    - period: Integer m, the length of the cycle in steps

    Returns:
    - forecast: Array of shape (N, K)
    """
    y = _series("series", series)
    K = _positive_int("horizon", horizon)
    m = _positive_int("period", period)
    idx = _target_index(y, target_index, need=m)
    h = np.arange(1, K + 1)  # (K,)
    back = m * np.ceil(h / m).astype(np.int64)  # (K,) whole periods to step back
    return y[idx[:, None] - 1 + h[None, :] - back[None, :]]  # (N, K)


def drift_forecast(series: Any, target_index: Any, horizon: int = 1) -> np.ndarray:
    """
    The drift forecast: the last value plus h times the average past change.

    forecast[i, h - 1] = y[t-1] + h * (y[t-1] - y[0]) / (t - 1), the straight
    line through the first and the last observation.

    Inputs:
    - series: Array of shape (n,)
    - target_index: Integer array of shape (N,), t >= 2
    - horizon: Integer K

    Returns:
    - forecast: Array of shape (N, K)
    """
    y = _series("series", series)
    K = _positive_int("horizon", horizon)
    idx = _target_index(y, target_index, need=2)
    slope = (y[idx - 1] - y[0]) / (idx - 1)  # (N,)
    return y[idx - 1][:, None] + slope[:, None] * np.arange(1, K + 1)[None, :]  # (N, K)


def ar_design(series: Any, target_index: Any, p: int) -> np.ndarray:
    """
    The regressors of an AR(p) model with intercept for the given targets.

    Inputs:
    - series: Array of shape (n,)
    - target_index: Integer array of shape (N,), each t >= p
    - p: Integer order

    Returns:
    - A: Array of shape (N, p + 1), row i = [1, y[t-1], y[t-2], ..., y[t-p]]
    """
    y = _series("series", series)
    p = _positive_int("p", p)
    idx = _target_index(y, target_index, need=p)
    lags = y[idx[:, None] - np.arange(1, p + 1)[None, :]]  # (N, p), newest first
    return np.concatenate([np.ones((idx.shape[0], 1)), lags], axis=1)  # (N, p + 1)


def fit_ar(y_train: Any, p: int) -> np.ndarray:
    """
    Fit y_t = c + phi_1 y_{t-1} + ... + phi_p y_{t-p} + e_t by least squares.

    Conditional least squares on the training period: one equation for every
    t = p, ..., n_train - 1, solved with ``numpy.linalg.lstsq`` (the same
    estimate as ``statsmodels.tsa.ar_model.AutoReg(y_train, lags=p, trend="c")``).

    Inputs:
    - y_train: Array of shape (n_train,), the training period only
    - p: Integer order, n_train > 2 p + 1

    Returns:
    - coef: Array of shape (p + 1,), [c, phi_1, ..., phi_p]
    """
    y = _series("y_train", y_train)
    p = _positive_int("p", p)
    if y.shape[0] <= 2 * p + 1:
        raise ValueError(f"p: an AR({p}) needs more than {2 * p + 1} training values, got {y.shape[0]}")
    idx = np.arange(p, y.shape[0])
    A = ar_design(y, idx, p)  # (n_train - p, p + 1)
    coef, *_ = np.linalg.lstsq(A, y[idx], rcond=None)
    return coef  # (p + 1,)


def ar_forecast(series: Any, target_index: Any, coef: Any, horizon: int = 1) -> np.ndarray:
    """
    Recursive (iterated) multi-step forecasts of an AR(p) model.

    The one-step forecast is fed back as if it were an observation:
    yhat_{t} = c + sum_j phi_j y_{t-j}, then yhat_{t+1} uses yhat_t, and so on.

    Inputs:
    - series: Array of shape (n,), observed values (only y[:t] is used for row t)
    - target_index: Integer array of shape (N,), each t >= p
    - coef: Array of shape (p + 1,) from :func:`fit_ar`
    - horizon: Integer K

    Returns:
    - forecast: Array of shape (N, K)
    """
    coef = as_float_array("coef", coef, ndim=1, shape_hint="(p + 1,)")
    if coef.shape[0] < 2:
        raise ValueError(f"coef: expected shape (p + 1,) with p >= 1, got {coef.shape}")
    p = coef.shape[0] - 1
    K = _positive_int("horizon", horizon)
    history = ar_design(series, target_index, p)[:, 1:]  # (N, p), newest first
    out = np.empty((history.shape[0], K))
    for h in range(K):  # sequential in the horizon, vectorised over the N forecasts
        step = coef[0] + history @ coef[1:]  # (N,)
        out[:, h] = step
        history = np.concatenate([step[:, None], history[:, :-1]], axis=1)  # (N, p)
    return out


def fit_ar_direct(y_train: Any, p: int, horizon: int) -> np.ndarray:
    """
    Direct multi-step AR: one least-squares regression per horizon.

    For each h = 1..K fit y_{t+h-1} = c_h + sum_j phi_{h,j} y_{t-j}, on the
    training rows t = p .. n_train - K (the same rows for every h).

    Inputs:
    - y_train: Array of shape (n_train,)
    - p: Integer order
    - horizon: Integer K

    Returns:
    - coefs: Array of shape (p + 1, K); column h - 1 holds [c_h, phi_h1, ..., phi_hp]
    """
    y = _series("y_train", y_train)
    p = _positive_int("p", p)
    K = _positive_int("horizon", horizon)
    idx = np.arange(p, y.shape[0] - K + 1)
    if idx.shape[0] <= p + 1:
        raise ValueError(f"p, horizon: too few training rows ({idx.shape[0]}) for p = {p}, K = {K}")
    A = ar_design(y, idx, p)  # (R, p + 1)
    Y = y[idx[:, None] + np.arange(K)[None, :]]  # (R, K)
    coefs, *_ = np.linalg.lstsq(A, Y, rcond=None)
    return coefs  # (p + 1, K)


def ar_direct_forecast(series: Any, target_index: Any, coefs: Any) -> np.ndarray:
    """
    Direct multi-step forecasts from :func:`fit_ar_direct`: no value is fed back.

    Inputs:
    - series: Array of shape (n,)
    - target_index: Integer array of shape (N,)
    - coefs: Array of shape (p + 1, K)

    Returns:
    - forecast: Array of shape (N, K)
    """
    coefs = as_float_array("coefs", coefs, ndim=2, shape_hint="(p + 1, K)")
    if coefs.shape[0] < 2:
        raise ValueError(f"coefs: expected shape (p + 1, K) with p >= 1, got {coefs.shape}")
    return ar_design(series, target_index, coefs.shape[0] - 1) @ coefs  # (N, K)


def select_ar_order(series: Any, val_start: int, val_stop: int, max_p: int) -> Tuple[int, np.ndarray]:
    """
    Choose the AR order by the one-step MAE on a validation period.

    Each AR(p), p = 1..max_p, is fitted on series[:val_start] and scored on
    the one-step forecasts of the targets in [val_start, val_stop).

    Inputs:
    - series: Array of shape (n,)
    - val_start: Integer, first validation index (end of the training period)
    - val_stop: Integer, one past the last validation index
    - max_p: Integer largest order tried

    Returns a tuple of:
    - best_p: Integer order with the smallest validation MAE
    - val_mae: Array of shape (max_p,), the validation MAE of p = 1..max_p
    """
    y = _series("series", series)
    max_p = _positive_int("max_p", max_p)
    if not max_p < val_start < val_stop <= y.shape[0]:
        raise ValueError(
            f"val_start, val_stop: expected max_p = {max_p} < val_start < val_stop <= n = {y.shape[0]}, "
            f"got {val_start}, {val_stop}"
        )
    idx = np.arange(val_start, val_stop)
    scores = np.empty(max_p)
    for p in range(1, max_p + 1):
        coef = fit_ar(y[:val_start], p)
        scores[p - 1] = mae(y[idx], ar_forecast(y, idx, coef, 1)[:, 0])
    return int(np.argmin(scores)) + 1, scores


def ma_weights(coef: Any, horizon: int) -> np.ndarray:
    """
    The first K psi-weights of an AR(p): the h-step forecast error variance.

    Writing the AR(p) as y_t = mu + sum_j psi_j e_{t-j} (psi_0 = 1,
    psi_j = sum_i phi_i psi_{j-i}), the error of the recursive h-step
    forecast with known coefficients is sum_{j<h} psi_j e_{t+h-1-j}, with
    variance sigma^2 * sum_{j<h} psi_j^2.

    Inputs:
    - coef: Array of shape (p + 1,), [c, phi_1, ..., phi_p]
    - horizon: Integer K

    Returns:
    - psi: Array of shape (K,), psi_0 ... psi_{K-1}
    """
    coef = as_float_array("coef", coef, ndim=1, shape_hint="(p + 1,)")
    if coef.shape[0] < 2:
        raise ValueError(f"coef: expected shape (p + 1,) with p >= 1, got {coef.shape}")
    K = _positive_int("horizon", horizon)
    phi = coef[1:]
    psi = np.zeros(K)
    psi[0] = 1.0
    for j in range(1, K):
        k = min(j, phi.shape[0])
        psi[j] = phi[:k] @ psi[j - 1::-1][:k]  # sum_i phi_i psi_{j-i}
    return psi


# ----------------------------------------------------------------------------
# metrics
# ----------------------------------------------------------------------------


def _pair(y_true: Any, y_pred: Any) -> Tuple[np.ndarray, np.ndarray]:
    a = np.asarray(y_true, dtype=np.float64)
    b = np.asarray(y_pred, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"y_pred: expected the shape of y_true {a.shape}, got {b.shape}")
    if a.size == 0:
        raise ValueError("y_true: expected at least one value, got an empty array")
    return a, b


def mae(y_true: Any, y_pred: Any, axis: Optional[int] = None):
    """
    Mean absolute error.

    Inputs:
    - y_true, y_pred: Arrays of the same shape, e.g. (N,) or (N, K)
    - axis: None for one number; 0 for one MAE per horizon of an (N, K) array

    Returns:
    - Float, or array of shape (K,) when axis=0
    """
    a, b = _pair(y_true, y_pred)
    out = np.mean(np.abs(a - b), axis=axis)
    return float(out) if axis is None else out


def rmse(y_true: Any, y_pred: Any, axis: Optional[int] = None):
    """
    Root mean squared error (same inputs and outputs as :func:`mae`).
    """
    a, b = _pair(y_true, y_pred)
    out = np.sqrt(np.mean((a - b) ** 2, axis=axis))
    return float(out) if axis is None else out


def naive_scale(y_train: Any, period: int = 1) -> float:
    """
    The in-sample MAE of the (seasonal) naive forecast on the training period.

    scale = 1 / (n - m) * sum_{t=m}^{n-1} |y_t - y_{t-m}|, the denominator of MASE.

    Inputs:
    - y_train: Array of shape (n_train,), the training period only
    - period: Integer m (1 for the ordinary naive forecast)

    Returns:
    - scale: Float > 0
    """
    y = _series("y_train", y_train)
    m = _positive_int("period", period)
    if y.shape[0] <= m:
        raise ValueError(f"y_train: expected more than period = {m} values, got {y.shape[0]}")
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    if not scale > 0:
        raise ValueError("y_train: the naive forecast is perfect in sample; MASE is undefined")
    return scale


def mase(y_true: Any, y_pred: Any, y_train: Any, period: int = 1, axis: Optional[int] = None):
    """
    Mean absolute scaled error (Hyndman & Koehler 2006).

    MASE = MAE of the forecasts / in-sample MAE of the one-step (seasonal)
    naive forecast on the *training* period. Below 1: better on average than
    the naive method was on the data the model was fitted on.

    Inputs:
    - y_true, y_pred: Arrays of the same shape, (N,) or (N, K)
    - y_train: Array of shape (n_train,), the training period
    - period: Integer m of the scaling naive forecast (1: non-seasonal)
    - axis: None or 0, as in :func:`mae`

    Returns:
    - Float, or array of shape (K,) when axis=0
    """
    return mae(y_true, y_pred, axis=axis) / naive_scale(y_train, period)


def acf(x: Any, nlags: int) -> np.ndarray:
    """
    Sample autocorrelation r_0 = 1, r_1, ..., r_nlags.

    r_k = sum_{t} (x_t - mean)(x_{t+k} - mean) / sum_t (x_t - mean)^2, the
    estimator of ``statsmodels.tsa.stattools.acf`` (adjusted=False). For
    white noise, each r_k (k >= 1) is roughly normal with standard deviation
    1 / sqrt(n), so 95 % of them fall inside +-1.96 / sqrt(n).

    Inputs:
    - x: Array of shape (n,)
    - nlags: Integer largest lag, < n

    Returns:
    - r: Array of shape (nlags + 1,)
    """
    x = _series("x", x, min_length=2)
    nlags = _positive_int("nlags", nlags)
    if nlags >= x.shape[0]:
        raise ValueError(f"nlags: expected fewer than n = {x.shape[0]} lags, got {nlags}")
    d = x - x.mean()
    denom = float(d @ d)
    if not denom > 0:
        raise ValueError("x: constant series, autocorrelation undefined")
    return np.array([1.0] + [float(d[:-k] @ d[k:]) / denom for k in range(1, nlags + 1)])


def log_returns(prices: Any) -> np.ndarray:
    """
    Daily log returns r_t = log p_t - log p_{t-1}.

    Inputs:
    - prices: Array of shape (n,), positive

    Returns:
    - r: Array of shape (n - 1,); r[i] is the return from day i to day i + 1
    """
    p = _series("prices", prices, min_length=2)
    if np.any(p <= 0):
        raise ValueError("prices: expected positive prices")
    return np.diff(np.log(p))


def moving_average(series: Any, width: int, centred: bool = False) -> np.ndarray:
    """
    Smooth a series with a moving average of `width` values.

    - trailing (centred=False): s[t] = mean(y[t-width+1 .. t]), NaN for the
      first width - 1 entries; uses only the past, safe for forecasting.
    - centred (centred=True, odd width): s[t] = mean(y[t-k .. t+k]) with
      k = (width - 1) / 2, NaN for the first and last k entries. It uses k
      *future* values: as a forecasting input it leaks the targets.

    Inputs:
    - series: Array of shape (n,)
    - width: Integer number of values averaged (odd if centred)
    - centred: Boolean

    Returns:
    - s: Array of shape (n,)
    """
    y = _series("series", series)
    w = _positive_int("width", width)
    if w > y.shape[0]:
        raise ValueError(f"width: expected at most n = {y.shape[0]}, got {w}")
    if centred and w % 2 == 0:
        raise ValueError(f"width: a centred moving average needs an odd width, got {w}")
    c = np.concatenate([[0.0], np.cumsum(y)])
    means = (c[w:] - c[:-w]) / w  # (n - w + 1,), mean of y[j : j + w]
    out = np.full(y.shape[0], np.nan)
    if centred:
        k = (w - 1) // 2
        out[k:y.shape[0] - k] = means
    else:
        out[w - 1:] = means
    return out


def diebold_mariano(errors_a: Any, errors_b: Any, horizon: int = 1) -> Tuple[float, float]:
    """
    Diebold-Mariano test of equal accuracy for two forecasts of the same targets.

    With the loss differential d_t = |a_t| - |b_t| (absolute errors), the
    statistic is mean(d) / sqrt(V / n), where V is the variance of d plus
    twice its first horizon - 1 autocovariances (h-step errors overlap, so
    they are correlated up to lag h - 1). Under equal accuracy it is roughly
    standard normal. Negative: forecast a is more accurate.

    Inputs:
    - errors_a, errors_b: Arrays of shape (n,), forecast errors (truth minus forecast)
    - horizon: Integer h of the forecasts

    Returns a tuple of:
    - stat: Float, the DM statistic
    - p_value: Float, two-sided, from the standard normal distribution
    """
    a = _series("errors_a", errors_a, min_length=3)
    b = _series("errors_b", errors_b, min_length=3)
    if a.shape != b.shape:
        raise ValueError(f"errors_b: expected the shape of errors_a {a.shape}, got {b.shape}")
    h = _positive_int("horizon", horizon)
    d = np.abs(a) - np.abs(b)  # (n,)
    n = d.shape[0]
    dc = d - d.mean()
    var = float(dc @ dc) / n
    for k in range(1, min(h, n)):
        var += 2.0 * float(dc[:-k] @ dc[k:]) / n
    if not var > 0:
        return 0.0, 1.0
    stat = float(d.mean() / np.sqrt(var / n))
    p_value = float(math.erfc(abs(stat) / math.sqrt(2.0)))
    return stat, p_value
