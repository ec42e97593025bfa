"""rnn_helpers.models.forecasting: baselines and error measures against independent computations."""

import math

import numpy as np
import pytest

from rnn_helpers.data.series import load_sunspots
from rnn_helpers.models import forecasting as fc


def walk(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return 100.0 + np.cumsum(rng.standard_normal(n))


def ar2(n=400, seed=1):
    rng = np.random.default_rng(seed)
    y = np.zeros(n)
    for t in range(2, n):
        y[t] = 2.0 + 1.3 * y[t - 1] - 0.6 * y[t - 2] + rng.standard_normal()
    return y


# --- baselines ---------------------------------------------------------------------


def test_naive_and_seasonal_naive():
    y = np.arange(30.0) ** 1.5
    idx = np.array([12, 20])
    nv = fc.naive_forecast(y, idx, 4)
    assert nv.shape == (2, 4) and np.all(nv == y[idx - 1][:, None])
    sn = fc.seasonal_naive_forecast(y, idx, 7, period=5)
    for i, t in enumerate(idx):
        for h in range(1, 8):
            k = math.ceil(h / 5)
            assert sn[i, h - 1] == y[t - 1 + h - 5 * k]
    # a perfectly periodic series is forecast exactly by the seasonal naive method
    periodic = np.tile([3.0, 1.0, 4.0, 1.0, 5.0], 8)
    idx = np.arange(5, 30)
    f = fc.seasonal_naive_forecast(periodic, idx, 9, period=5)
    assert np.array_equal(f, periodic[idx[:, None] + np.arange(9)])
    with pytest.raises(ValueError, match="target_index"):
        fc.seasonal_naive_forecast(periodic, np.array([3]), 2, period=5)


def test_drift_forecast():
    y = 2.0 + 0.5 * np.arange(20.0)  # a straight line is forecast exactly
    idx = np.array([5, 10])
    f = fc.drift_forecast(y, idx, 3)
    assert np.allclose(f, y[idx[:, None] + np.arange(3)])


def test_fit_ar_matches_statsmodels_autoreg():
    from statsmodels.tsa.ar_model import AutoReg

    y = ar2()
    for p in (1, 2, 5):
        ours = fc.fit_ar(y, p)
        theirs = AutoReg(y, lags=p, trend="c").fit().params
        assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-10)
    _, spots = load_sunspots()
    assert np.allclose(fc.fit_ar(spots[:221], 9), AutoReg(spots[:221], lags=9, trend="c").fit().params,
                       rtol=1e-9, atol=1e-9)


def test_ar_forecast_matches_statsmodels_predict():
    from statsmodels.tsa.ar_model import AutoReg

    y = ar2()
    n_train = 300
    res = AutoReg(y[:n_train], lags=2, trend="c").fit()
    ours = fc.ar_forecast(y, np.array([n_train]), fc.fit_ar(y[:n_train], 2), horizon=8)[0]
    theirs = res.predict(start=n_train, end=n_train + 7)  # dynamic out-of-sample forecasts
    assert np.allclose(ours, theirs, rtol=1e-10)
    # one-step forecasts inside the sample equal the fitted values
    idx = np.arange(2, n_train)
    assert np.allclose(fc.ar_forecast(y, idx, res.params, 1)[:, 0], res.fittedvalues, rtol=1e-10)


def test_ar_direct_horizon_one_equals_least_squares_and_recovers_ar1():
    rng = np.random.default_rng(3)
    y = np.zeros(5000)
    for t in range(1, 5000):
        y[t] = 1.0 + 0.7 * y[t - 1] + 0.1 * rng.standard_normal()
    coefs = fc.fit_ar_direct(y, 1, 4)  # (2, 4)
    assert coefs.shape == (2, 4)
    # the direct h-step regression of an AR(1) estimates phi^h
    assert np.allclose(coefs[1], 0.7 ** np.arange(1, 5), atol=0.02)
    idx = np.arange(10, 20)
    assert np.allclose(fc.ar_direct_forecast(y, idx, coefs), fc.ar_design(y, idx, 1) @ coefs)


def test_select_ar_order_picks_the_true_order_region():
    y = ar2(600)
    p, scores = fc.select_ar_order(y, 400, 600, 6)
    assert scores.shape == (6,) and p >= 2 and scores[0] > scores[1]


def test_ma_weights():
    psi = fc.ma_weights(np.array([0.0, 0.5]), 5)  # AR(1): psi_j = phi^j
    assert np.allclose(psi, 0.5 ** np.arange(5))
    from statsmodels.tsa.arima_process import arma2ma

    coef = np.array([1.0, 1.3, -0.6])
    assert np.allclose(fc.ma_weights(coef, 10), arma2ma([1, -1.3, 0.6], [1], lags=10))


def test_ar_validation():
    with pytest.raises(ValueError, match="p"):
        fc.fit_ar(np.arange(5.0), 3)
    with pytest.raises(ValueError, match="coef"):
        fc.ar_forecast(np.arange(10.0), np.array([5]), np.array([1.0]))
    with pytest.raises(ValueError, match="target_index"):
        fc.ar_forecast(np.arange(10.0), np.array([1]), np.array([0.0, 1.0, 0.5]))
    with pytest.raises(ValueError, match="target_index"):
        fc.ar_forecast(np.arange(10.0), np.array([[5]]), np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="coefs"):
        fc.ar_direct_forecast(np.arange(10.0), np.array([5]), np.ones(3))


# --- error measures ----------------------------------------------------------------


def test_mae_rmse_mase():
    y = np.array([1.0, 2.0, 4.0])
    f = np.array([2.0, 2.0, 1.0])
    assert fc.mae(y, f) == pytest.approx(4 / 3)
    assert fc.rmse(y, f) == pytest.approx(math.sqrt(10 / 3))
    train = np.array([0.0, 1.0, 3.0, 2.0])  # naive errors 1, 2, 1
    assert fc.naive_scale(train) == pytest.approx(4 / 3)
    assert fc.mase(y, f, train) == pytest.approx(1.0)
    assert fc.naive_scale(np.array([0.0, 5.0, 1.0, 6.0]), period=2) == pytest.approx(1.0)
    yy, ff = np.ones((4, 3)), np.zeros((4, 3))
    assert fc.mae(yy, ff, axis=0).shape == (3,)
    assert np.allclose(fc.mase(yy, ff, train, axis=0), 0.75)
    with pytest.raises(ValueError, match="y_pred"):
        fc.mae(y, f[:2])
    with pytest.raises(ValueError, match="undefined"):
        fc.naive_scale(np.ones(5))


def test_mase_of_in_sample_naive_is_one():
    y = walk(200)
    idx = np.arange(1, 200)
    assert fc.mase(y[idx], fc.naive_forecast(y, idx)[:, 0], y) == pytest.approx(1.0)
