"""Forecasting baselines for chapter 9, and the error measures that score them.

Everything here is NumPy. The series (loading, splits, scaling, windows)
come from :mod:`rnn_helpers.data.series`, whose conventions hold here: a
forecast made at the origin ``t - 1`` has the targets ``y[t], ...,
y[t + K - 1]``, functions take ``target_index`` (N,) holding each ``t``, and
row ``i`` uses only ``y[:t_i]``. The error measures stay here because
:func:`select_ar_order` scores the AR orders with them; the Diebold-Mariano
test is in :mod:`rnn_helpers.experiments.metrics`, the neural forecaster in
:mod:`rnn_helpers.experiments.forecast`.

Contents:

=====================================  =========================================
:func:`naive_forecast`                 tomorrow = today
:func:`seasonal_naive_forecast`        the value one period ago
:func:`drift_forecast`                 the last value plus the average past change
:func:`fit_ar`, :func:`ar_forecast`    AR(p) by least squares, recursive forecasts
:func:`fit_ar_direct`,                 one least-squares fit per horizon
:func:`ar_direct_forecast`
:func:`select_ar_order`                the order p with the best validation error
:func:`ma_weights`                     psi-weights of an AR(p): h-step error variance
:func:`mae`, :func:`rmse`, :func:`mase`, :func:`naive_scale`   error measures
=====================================  =========================================
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_int
from rnn_helpers.data.series import as_series

__all__ = [
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
]


def _target_index(y: np.ndarray, target_index: Any, need: int) -> np.ndarray:
    """Validate target_index (N,): each t needs `need` past values, targets may run past the end."""
    idx = np.asarray(target_index)
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise ValueError(
            f"target_index: expected a 1-D integer array of shape (N,), got {idx.dtype} of shape {idx.shape}")
    idx = idx.astype(np.int64)
    if idx.size and (idx.min() < need or idx.max() > y.shape[0]):
        raise ValueError(
            f"target_index: every t must satisfy {need} <= t <= n = {y.shape[0]} "
            f"(a forecast needs {need} past values), got range [{idx.min()}, {idx.max()}]"
        )
    return idx


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
    y = as_series("series", series)
    K = check_int("horizon", horizon, 1)
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
    y = as_series("series", series)
    K = check_int("horizon", horizon, 1)
    m = check_int("period", period, 1)
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
    y = as_series("series", series)
    K = check_int("horizon", horizon, 1)
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
    y = as_series("series", series)
    p = check_int("p", p, 1)
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
    y = as_series("y_train", y_train)
    p = check_int("p", p, 1)
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
    K = check_int("horizon", horizon, 1)
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
    y = as_series("y_train", y_train)
    p = check_int("p", p, 1)
    K = check_int("horizon", horizon, 1)
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
    y = as_series("series", series)
    max_p = check_int("max_p", max_p, 1)
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
    K = check_int("horizon", horizon, 1)
    phi = coef[1:]
    psi = np.zeros(K)
    psi[0] = 1.0
    for j in range(1, K):
        k = min(j, phi.shape[0])
        psi[j] = phi[:k] @ psi[j - 1::-1][:k]  # sum_i phi_i psi_{j-i}
    return psi


# ----------------------------------------------------------------------------
# error measures
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
    y = as_series("y_train", y_train)
    m = check_int("period", period, 1)
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
