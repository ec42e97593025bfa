"""Time series for chapter 9: loading, splitting in time, scaling, windows.

Everything here is NumPy (statsmodels only to read its bundled data). The
baselines and the error measures live in :mod:`rnn_helpers.models.forecasting`,
the neural forecaster in :mod:`rnn_helpers.experiments.forecast`. Conventions:

- A series is a 1-D float array ``y`` of length ``n``, indexed from 0.
- A forecast is made at an **origin**: the last observed index ``t - 1``.
  Its targets are ``y[t], ..., y[t + K - 1]`` for the horizons
  ``k = 1, ..., K`` (K, not H: the course keeps H for the hidden size).
  Functions take ``target_index``, an integer array of
  shape (N,) holding the ``t`` of each forecast, so ``y[t]`` is the first
  value the forecaster has *not* seen.
- Every forecast of a row uses only ``y[:t]``.

Contents:

- :func:`load_sunspots`: yearly sunspot numbers 1700-2008 (statsmodels)
- :func:`chronological_split`: train / validation / test boundaries in time
- :class:`Scaler`, :func:`fit_scaler`: standardisation fitted on one period
  only
- :func:`make_windows`: (N, T, 1) inputs and (N, K) targets
- :func:`log_returns`: daily log returns of a price series
- :func:`moving_average`: trailing (causal) or centred (leaky) smoothing
- :func:`acf`: sample autocorrelation
- :func:`as_series`: the argument check of every series here
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import as_float_array, check_int

__all__ = [
    "SUNSPOT_PERIOD",
    "as_series",
    "load_sunspots",
    "chronological_split",
    "Scaler",
    "fit_scaler",
    "make_windows",
    "log_returns",
    "moving_average",
    "acf",
]

#: Length of the sunspot cycle in years, used as the seasonal-naive period.
SUNSPOT_PERIOD = 11


def as_series(name: str, y: Any, min_length: int = 1) -> np.ndarray:
    """
    Check a series: a finite 1-D float array of length >= min_length.

    Inputs:
    - name: The argument's name, used in the messages
    - y: Array-like of shape (n,); integer arrays become float64
    - min_length: Integer, the shortest accepted length

    Returns:
    - arr: Array of shape (n,), float32 or float64

    Raises:
    - ValueError naming the argument: wrong rank or dtype, too short, NaN or inf
    """
    arr = np.asarray(y)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    arr = as_float_array(name, arr, ndim=1, shape_hint="(n,)")
    if arr.shape[0] < min_length:
        raise ValueError(f"{name}: expected a series of length >= {min_length}, got length {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: the series contains NaN or inf")
    return arr


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
    n = check_int("n", n, 1)
    for name, v in (("val_start", val_start), ("test_start", test_start)):
        check_int(name, v, detail="an index")
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
    y = as_series("y_train", y_train, min_length=2)
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
    y = as_series("series", series)
    n = y.shape[0]
    T = check_int("T", T, 1)
    K = check_int("horizon", horizon, 1)
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
# transformations and statistics of a series
# ----------------------------------------------------------------------------


def log_returns(prices: Any) -> np.ndarray:
    """
    Daily log returns r_t = log p_t - log p_{t-1}.

    Inputs:
    - prices: Array of shape (n,), positive

    Returns:
    - r: Array of shape (n - 1,); r[i] is the return from day i to day i + 1
    """
    p = as_series("prices", prices, min_length=2)
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
    y = as_series("series", series)
    w = check_int("width", width, 1)
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
    x = as_series("x", x, min_length=2)
    nlags = check_int("nlags", nlags, 1)
    if nlags >= x.shape[0]:
        raise ValueError(f"nlags: expected fewer than n = {x.shape[0]} lags, got {nlags}")
    d = x - x.mean()
    denom = float(d @ d)
    if not denom > 0:
        raise ValueError("x: constant series, autocorrelation undefined")
    return np.array([1.0] + [float(d[:-k] @ d[k:]) / denom for k in range(1, nlags + 1)])
