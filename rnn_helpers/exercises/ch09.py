"""Exercise checkers for chapter 9, *Time-series forecasting*.

Every checker computes the expected answer itself and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult`: a specific diagnosis (a scaler
fitted on the whole series, a target that sits inside its own window, MASE
scaled by the test period's naive error ...) that never prints the solution,
and "not yet solved" while the answer is still ``None``.

=========================================  ======================================
check_ch09_windows(fn)                     scaled training windows without leakage
ch09_mase_data()                           the data of the MASE exercise
check_ch09_mase(answer)                    MASE of a forecast on a test period
check_ch09_ar1_variance(answer, phi, ...)  k-step forecast error variance of an AR(1)
=========================================  ======================================
"""

from __future__ import annotations

import math
from typing import Any, Tuple

import numpy as np

from rnn_helpers.argcheck import check_float, check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_array, call_on_copies, check_scalar, no_function, same,
    tolerances,
)

__all__ = [
    "check_ch09_windows",
    "ch09_mase_data",
    "check_ch09_mase",
    "check_ch09_ar1_variance",
]


# ----------------------------------------------------------------------------
# Exercise: scaled training windows
# ----------------------------------------------------------------------------


def _window_cases():
    """Hidden series: trending and seasonal, so the training and full statistics differ."""
    rng = np.random.default_rng(20240909)
    cases = []
    for n, n_train, T in ((40, 28, 5), (23, 15, 3)):
        t = np.arange(n)
        y = 10.0 + 0.5 * t + 3.0 * np.sin(2 * np.pi * t / 7) + rng.standard_normal(n)
        cases.append((y, T, n_train))
    return cases


def _windows(z: np.ndarray, T: int, first: int, last: int, lag: int = 0):
    """Windows z[t-T:t] with targets z[t + lag] for t = first..last (inclusive)."""
    t = np.arange(first, last + 1)
    x = z[t[:, None] + np.arange(-T, 0)[None, :]][:, :, None]  # (N, T, 1)
    return x, z[t + lag]  # (N, T, 1), (N,)


def check_ch09_windows(fn: Any) -> CheckResult:
    """
    Check a learner's ``scaled_windows(series, T, n_train) -> (x, y)``.

    The function must standardise the series with the mean and standard
    deviation of the training period series[:n_train] only, then return every
    window whose target lies in the training period: for t = T, ..., n_train - 1,
    x[i] = z[t-T:t] as an array of shape (N, T, 1) and y[i] = z[t], shape (N,)
    (an (N, 1) array is accepted).

    Inputs:
    - fn: Callable fn(series, T, n_train) -> (x, y), or None (not yet solved)

    Returns:
    - result: CheckResult. Diagnoses: scaler fitted on the whole series
      (leakage), no scaling, target equal to the last input (off by one) or
      one step too late, windows whose targets lie after the training period
      (leakage), a first or last window missing, inputs in reverse order,
      missing feature axis, time-major layout, input changed in place.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for series, T, n_train in _window_cases():
        n = series.shape[0]
        train = series[:n_train]
        mean, std = train.mean(), train.std()
        z = (series - mean) / std
        x_exp, y_exp = _windows(z, T, T, n_train - 1)
        N = x_exp.shape[0]
        out, failure = call_on_copies(fn, (series, T, n_train), ("series", "T", "n_train"), "return x, y")
        if failure is not None:
            return failure
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            return CheckResult.wrong(
                "The function should return a pair `(x, y)`: the windows and their targets.")
        if out[0] is None and out[1] is None:
            return CheckResult.unsolved(
                message="Your function returned (None, None). Compute `x` and `y`, then return them.")
        atol, rtol = tolerances(out, 1e-9, 1e-7)
        x, y = as_array(out[0]), as_array(out[1])
        if x is None or y is None:
            return CheckResult.wrong("`x` and `y` should be arrays of numbers.")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if x.ndim == 2 and x.shape == (N, T):
            return CheckResult.wrong(
                "`x` has shape (N, T): the feature axis is missing. A recurrent layer reads (N, T, D) "
                "with D = 1 here; add it with `x[:, :, None]`."
            )
        if x.ndim == 3 and x.shape == (T, N, 1) and T != N:
            return CheckResult.wrong("`x` is time-major (T, N, 1). The course is batch-first: (N, T, 1).")
        if x.ndim != 3 or x.shape[1:] != (T, 1):
            return CheckResult.wrong(
                f"`x` has shape {x.shape}; shape (N, T, 1) is expected, one window per row.")
        if y.ndim != 1 or y.shape[0] != x.shape[0]:
            return CheckResult.wrong(
                f"`y` has shape {y.shape}; it should hold one target per window, shape (N,).")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            return CheckResult.wrong(
                "`x` or `y` contains NaN or inf. Did you divide by a zero standard deviation?")
        # which scaling did the learner use? (ddof = 1 is accepted too)
        scalings = {
            "train": z,
            "train_ddof1": (series - mean) / train.std(ddof=1),
            "full": (series - series.mean()) / series.std(),
            "full_ddof1": (series - series.mean()) / series.std(ddof=1),
            "none": series,
        }
        diagnosis = None
        for key, zz in scalings.items():
            variants = [
                ("ok", _windows(zz, T, T, n_train - 1)),
                ("last_input", _windows(zz, T, T, n_train - 1, lag=-1)),
                ("last_input", _windows(zz, T, T + 1, n_train, lag=-1)),
                ("too_late", _windows(zz, T, T, n_train - 2, lag=1)),
                ("beyond", _windows(zz, T, T, n - 1)),
                ("drop_last", _windows(zz, T, T, n_train - 2)),
                ("drop_first", _windows(zz, T, T + 1, n_train - 1)),
                ("reversed", (_windows(zz, T, T, n_train - 1)[0][:, ::-1], _windows(zz, T, T, n_train - 1)[1])),
            ]
            for kind, (xv, yv) in variants:
                if same(x, xv, atol=atol, rtol=rtol) and same(y, yv, atol=atol, rtol=rtol):
                    diagnosis = (key, kind)
                    break
            if diagnosis is not None:
                break
        if diagnosis is None:
            return CheckResult.wrong(
                "The windows do not match. Check on a short series such as np.arange(10.0) that "
                "x[0, :, 0] holds the T values just before y[0], and that you standardised with "
                "the training period's mean and standard deviation."
            )
        scaling, kind = diagnosis
        if kind == "ok" and scaling.startswith("train"):
            continue
        if kind == "last_input":
            return CheckResult.wrong(
                "Each target equals the last value of its own window (off by one): the model could "
                "just copy its input. The target of the window series[t-T:t] is series[t], the first "
                "value the window does not contain."
            )
        if kind == "too_late":
            return CheckResult.wrong(
                "Each target lies one step too late: after the window series[t-T:t] comes series[t], "
                "not series[t+1]."
            )
        if kind == "beyond":
            return CheckResult.wrong(
                "Some windows have targets after the training period (t >= n_train): that is "
                "leakage, the model would be trained on the values it is later scored on. Keep "
                "only windows whose target index t is below n_train."
            )
        if kind == "drop_last":
            return CheckResult.wrong(
                "One window is missing at the end: the last training target is t = n_train - 1.")
        if kind == "drop_first":
            return CheckResult.wrong(
                "One window is missing at the start: the first window is series[0:T], target series[T].")
        if kind == "reversed":
            return CheckResult.wrong(
                "The inputs of each window are in reverse time order; keep the oldest value first.")
        if scaling.startswith("full"):
            return CheckResult.wrong(
                "The windows are right, but the mean and standard deviation come from the whole "
                "series, including the later periods: that is leakage. Fit the scaler on "
                "series[:n_train] only, then apply those two numbers to the series."
            )
        return CheckResult.wrong(
            "The windows are right, but not standardised. Subtract the training mean, divide by "
            "the training standard deviation.")
    return CheckResult.correct(
        "Standardised with the training period only, every target right after its window, "
        "and no window reaches into the later periods."
    )


# ----------------------------------------------------------------------------
# Exercise: MASE
# ----------------------------------------------------------------------------


def ch09_mase_data() -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    The data of the MASE exercise (deterministic, generated in code).

    A random walk with drift; the test period is calmer than the training
    period, so its naive errors are smaller.

    Returns a tuple of:
    - y_train: Array of shape (60,), the training period
    - y_test: Array of shape (12,), the test period that follows it
    - forecast: Array of shape (12,), one forecast per test value
    """
    rng = np.random.default_rng(20240910)
    steps = np.concatenate([2.0 * rng.standard_normal(60), 0.7 * rng.standard_normal(12)]) + 0.3
    y = 50.0 + np.cumsum(steps)
    y_train, y_test = y[:60], y[60:]
    forecast = y_test + 1.2 * rng.standard_normal(12) + 0.4
    return y_train, y_test, forecast


def check_ch09_mase(answer: Any) -> CheckResult:
    """
    Check the MASE of the forecast of :func:`ch09_mase_data` on its test period.

    MASE = mean |y_test - forecast| / mean |y_train[t] - y_train[t-1]|: the
    scale is the in-sample one-step naive MAE of the *training* period.

    Inputs:
    - answer: The learner's MASE (a float), or None

    Returns:
    - result: CheckResult. Diagnoses: scaled by the test period's naive error
      (with or without the step into the test period), the plain MAE, RMSE
      instead of MAE, the ratio upside down, a percentage, differences
      without absolute values, the naive error of the whole series.
    """
    y_train, y_test, forecast = ch09_mase_data()
    err = np.abs(y_test - forecast)
    scale = float(np.mean(np.abs(np.diff(y_train))))
    expected = float(err.mean() / scale)
    name = "mase"
    def mistakes():
        test_scale = float(np.mean(np.abs(np.diff(y_test))))
        bridge_scale = float(np.mean(np.abs(np.diff(np.concatenate([y_train[-1:], y_test])))))
        full_scale = float(np.mean(np.abs(np.diff(np.concatenate([y_train, y_test])))))
        rmse = float(np.sqrt(np.mean((y_test - forecast) ** 2)))
        wrongs = (
            (err.mean() / test_scale,
             "You scaled by the naive error of the test period. MASE uses the in-sample naive "
             "error of the training period, a number known before the test, so that every model "
             "and every test period is measured with the same yardstick."),
            (err.mean() / bridge_scale,
             "You scaled by the naive error over the test period (starting from the last training "
             "value). Use the one-step naive error within the training period instead."),
            (err.mean() / full_scale,
             "You scaled by the naive error of the whole series. Use the training period only."),
            (err.mean(),
             "That is the plain MAE. Divide it by the scale: the training period's one-step naive MAE."),
            (rmse / scale, "The numerator is the RMSE. MASE divides the mean *absolute* error by the scale."),
            (scale / err.mean(), "The ratio is upside down: forecast MAE on top, naive scale below."),
            (100 * expected, "That looks like a percentage. MASE is a plain ratio "
                             "(1 means as good as the in-sample naive forecast)."),
            (err.mean() / abs(float(np.mean(np.diff(y_train)))),
             "The scale is the mean of the *absolute* one-step changes; you averaged the signed "
             "changes, which mostly cancel."),
        )
        return wrongs
    return check_scalar(answer, expected, name=name, atol=1e-9, rtol=1e-6, mistakes=mistakes,
                        praise="The forecast MAE over the training period's in-sample naive MAE.")


# ----------------------------------------------------------------------------
# Exercise: error variance of a k-step AR(1) forecast
# ----------------------------------------------------------------------------


def check_ch09_ar1_variance(answer: Any, phi: float, sigma: float, k: int) -> CheckResult:
    """
    Check the variance of the k-step forecast error of a known AR(1).

    For y_t = c + phi y_{t-1} + e_t with Var(e_t) = sigma^2, the error of the
    recursive k-step forecast is sum_{j<k} phi^j e_{t+k-j}, with variance
    sigma^2 (1 - phi^(2k)) / (1 - phi^2).

    Inputs:
    - answer: The learner's variance (a float), or None
    - phi: Float AR coefficient, |phi| < 1 and phi != 0
    - sigma: Float standard deviation of the shocks, > 0
    - k: Integer horizon >= 2

    Returns:
    - result: CheckResult. Diagnoses: the random-walk formula k sigma^2, the
      unconditional variance, the last term alone, one term too many, a
      missing square on phi, a standard deviation instead of a variance,
      a missing sigma^2.
    """
    phi = check_float("phi", phi, minimum=-1.0, maximum=1.0, exclusive=True)
    if phi == 0:
        raise ValueError("phi: expected a nonzero number in (-1, 1), got 0")
    sigma = check_float("sigma", sigma, positive=True)
    k = check_int("k", k, minimum=2)
    s2 = sigma ** 2
    expected = s2 * (1 - phi ** (2 * k)) / (1 - phi ** 2)
    name = "variance"
    def mistakes():
        wrongs = (
            (k * s2, "That is the random walk's k sigma^2 (phi = 1). With |phi| < 1 each older shock "
                     "is damped by a power of phi."),
            (s2 / (1 - phi ** 2), "That is the unconditional variance of the series, the limit for "
                                  "k -> infinity. Sum only the k shocks that arrive after the origin."),
            (s2 * phi ** (2 * (k - 1)), "That is the contribution of one shock only. The error is a sum "
                                        "of k shocks; their variances add up."),
            (s2 * (1 - phi ** (2 * (k + 1))) / (1 - phi ** 2),
             "One term too many: the shocks e_{t+1}, ..., e_{t+k} are k terms, with powers "
             "phi^0 ... phi^(k-1)."),
            (s2 * (1 - phi ** (2 * (k - 1))) / (1 - phi ** 2),
             "One term too few: the shocks e_{t+1}, ..., e_{t+k} are k terms, with powers "
             "phi^0 ... phi^(k-1)."),
            (s2 * (1 - phi ** k) / (1 - phi),
             "The powers of phi must be squared: Var(phi^j e) = phi^(2j) sigma^2."),
            (math.sqrt(expected), "That is a standard deviation; the exercise asks for the variance."),
            (expected / s2, "The factor sigma^2 is missing."),
        )
        return wrongs
    return check_scalar(answer, expected, name=name, atol=1e-12, rtol=1e-6, mistakes=mistakes,
                        praise="k shocks, each damped by a power of phi, with variances that add up.")
