"""Tests of rnn_helpers.exercises.ch09: each diagnosis, the right answers, no leaks."""

import math

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch09 import (
    ch09_mase_data,
    check_ch09_ar1_variance,
    check_ch09_mase,
    check_ch09_windows,
)


# --- windows -----------------------------------------------------------------------------


def make(scale="train", lag=0, first_shift=0, last_shift=0, reverse=False, beyond=False,
         feature_axis=True, ddof=0, time_major=False, y_column=False):
    """A family of window functions, right by default, each option one classic mistake."""

    def fn(series, T, n_train):
        if scale == "train":
            z = (series - series[:n_train].mean()) / series[:n_train].std(ddof=ddof)
        elif scale == "full":
            z = (series - series.mean()) / series.std()
        else:
            z = series
        last = (len(series) - 1) if beyond else (n_train - 1 + last_shift)
        t = np.arange(T + first_shift, last + 1)
        x = z[t[:, None] + np.arange(-T, 0)]
        if reverse:
            x = x[:, ::-1]
        y = z[t + lag]
        if feature_axis:
            x = x[:, :, None]
        if time_major:
            x = np.transpose(x, (1, 0, 2))
        if y_column:
            y = y[:, None]
        return x, y

    return fn


def test_windows_correct_variants():
    assert_feedback(check_ch09_windows(make()), "correct", "training period only")
    assert_feedback(check_ch09_windows(make(ddof=1)), "correct")
    assert_feedback(check_ch09_windows(make(y_column=True)), "correct")

    def with_torch(series, T, n_train):
        x, y = make()(series, T, n_train)
        return torch.from_numpy(x), torch.from_numpy(y)

    assert_feedback(check_ch09_windows(with_torch), "correct")

    def in_float32(series, T, n_train):
        x, y = make()(series.astype(np.float32), T, n_train)
        return x, y

    assert_feedback(check_ch09_windows(in_float32), "correct")
    assert_feedback(check_ch09_windows(
        lambda s, T, n: make(scale="full")(s.astype(np.float32), T, n)), "wrong", "leakage")


@pytest.mark.parametrize("fn, fragment", [
    (make(scale="full"), "whole series"),
    (make(scale="none"), "not standardised"),
    (make(lag=-1), "last value of its own window"),
    (make(lag=-1, first_shift=1, last_shift=1), "last value of its own window"),
    (make(lag=1, last_shift=-1), "one step too late"),
    (make(beyond=True), "leakage"),
    (make(last_shift=-1), "missing at the end"),
    (make(first_shift=1), "missing at the start"),
    (make(reverse=True), "reverse time order"),
    (make(feature_axis=False), "feature axis"),
    (make(time_major=True), "time-major"),
    (lambda s, T, n: (np.zeros((4, T, 1)), np.zeros(4)), "do not match"),
    (lambda s, T, n: (np.zeros((4, T, 1)), np.zeros(3)), "one target per window"),
    (lambda s, T, n: np.zeros(3), "pair"),
])
def test_windows_diagnoses(fn, fragment):
    assert_feedback(check_ch09_windows(fn), "wrong", fragment)


def test_windows_unsolved_errors_and_in_place():
    assert_feedback(check_ch09_windows(None), "unsolved", "pass the function itself")
    assert_feedback(check_ch09_windows(lambda s, T, n: None), "unsolved", "returned None")
    assert_feedback(check_ch09_windows(lambda s, T, n: (None, None)), "unsolved", "(None, None)")
    assert_feedback(check_ch09_windows(3), "wrong", "function is expected")

    def stub(series, T, n_train):
        raise NotImplementedError

    assert_feedback(check_ch09_windows(stub), "unsolved", "NotImplementedError")

    def broken(series, T, n_train):
        return series[[1, 2]] @ np.ones(3)

    assert check_ch09_windows(broken).status == "error"

    def in_place(series, T, n_train):
        series -= series[:n_train].mean()
        return make()(series, T, n_train)

    assert_feedback(check_ch09_windows(in_place), "wrong", "in place")


# --- MASE --------------------------------------------------------------------------------


def mase_parts():
    y_train, y_test, f = ch09_mase_data()
    err = np.abs(y_test - f)
    scale = np.mean(np.abs(np.diff(y_train)))
    return y_train, y_test, f, err, scale


def test_mase_data_shapes_and_calmer_test_period():
    y_train, y_test, f = ch09_mase_data()
    assert y_train.shape == (60,) and y_test.shape == f.shape == (12,)
    assert np.mean(np.abs(np.diff(y_test))) < 0.7 * np.mean(np.abs(np.diff(y_train)))


def test_mase_correct_and_matches_package():
    from rnn_helpers.models import forecasting as fc

    y_train, y_test, f, err, scale = mase_parts()
    expected = err.mean() / scale
    assert expected == pytest.approx(fc.mase(y_test, f, y_train))
    assert_feedback(check_ch09_mase(expected), "correct")
    assert_feedback(check_ch09_mase(np.float32(expected)), "correct")  # float32 is precise enough
    assert_feedback(check_ch09_mase(round(expected, 2) + 0.002), "close")  # a rounded answer is flagged


def test_mase_diagnoses():
    y_train, y_test, f, err, scale = mase_parts()
    expected = err.mean() / scale
    cases = [
        (err.mean() / np.mean(np.abs(np.diff(y_test))), "naive error of the test period"),
        (err.mean() / np.mean(np.abs(np.diff(np.r_[y_train[-1], y_test]))), "last training value"),
        (err.mean() / np.mean(np.abs(np.diff(np.r_[y_train, y_test]))), "whole series"),
        (err.mean(), "plain MAE"),
        (np.sqrt(np.mean((y_test - f) ** 2)) / scale, "RMSE"),
        (scale / err.mean(), "upside down"),
        (100 * expected, "percentage"),
        (err.mean() / abs(np.mean(np.diff(y_train))), "absolute"),
    ]
    for value, fragment in cases:
        assert_feedback(check_ch09_mase(float(value)), "wrong", fragment, expected=expected)
    assert_feedback(check_ch09_mase(None), "unsolved")
    assert_feedback(check_ch09_mase("1.2"), "wrong")
    assert_feedback(check_ch09_mase(expected * 3.0), "wrong", "too large", expected=expected)


# --- AR(1) error variance -------------------------------------------------------------------


PHI, SIGMA, K = 0.8, 2.0, 5


def test_ar1_variance_correct_and_simulated():
    expected = SIGMA ** 2 * (1 - PHI ** (2 * K)) / (1 - PHI ** 2)
    assert_feedback(check_ch09_ar1_variance(expected, PHI, SIGMA, K), "correct")
    # Monte Carlo: the h-step error is a damped sum of the h new shocks
    rng = np.random.default_rng(0)
    e = SIGMA * rng.standard_normal((200_000, K))
    err = (e * PHI ** np.arange(K)[::-1]).sum(axis=1)
    assert err.var() == pytest.approx(expected, rel=0.02)


def test_ar1_variance_diagnoses():
    s2 = SIGMA ** 2
    expected = s2 * (1 - PHI ** (2 * K)) / (1 - PHI ** 2)
    cases = [
        (K * s2, "random walk"),
        (s2 / (1 - PHI ** 2), "unconditional"),
        (s2 * PHI ** (2 * (K - 1)), "one shock only"),
        (s2 * (1 - PHI ** (2 * (K + 1))) / (1 - PHI ** 2), "one term too many"),
        (s2 * (1 - PHI ** (2 * (K - 1))) / (1 - PHI ** 2), "one term too few"),
        (s2 * (1 - PHI ** K) / (1 - PHI), "squared"),
        (math.sqrt(expected), "standard deviation"),
        (expected / s2, "sigma^2 is missing"),
    ]
    values = [v for v, _ in cases] + [expected]
    assert len({round(v, 9) for v in values}) == len(values)  # every diagnosis is distinguishable
    for value, fragment in cases:
        assert_feedback(check_ch09_ar1_variance(value, PHI, SIGMA, K), "wrong", fragment, expected=expected)
    assert_feedback(check_ch09_ar1_variance(None, PHI, SIGMA, K), "unsolved")
    assert_feedback(check_ch09_ar1_variance(-expected, PHI, SIGMA, K), "wrong", "sign")


@pytest.mark.parametrize("phi, sigma, k, argument", [
    (1.0, 2.0, 5, "phi"), (0.0, 2.0, 5, "phi"), (0.8, 0.0, 5, "sigma"), (0.8, 2.0, 1, "k"),
])
def test_ar1_configuration_is_checked(phi, sigma, k, argument):
    with pytest.raises(ValueError, match=rf"^{argument}: expected"):
        check_ch09_ar1_variance(1.0, phi, sigma, k)
