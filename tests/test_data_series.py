"""rnn_helpers.data.series: loading, splits, scaling, windows, returns, smoothing, ACF."""

import numpy as np
import pytest

from rnn_helpers.data import series


def walk(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return 100.0 + np.cumsum(rng.standard_normal(n))


def test_load_sunspots():
    years, spots = series.load_sunspots()
    assert years.shape == spots.shape == (309,)
    assert years[0] == 1700 and years[-1] == 2008 and np.all(np.diff(years) == 1)
    assert spots.dtype == np.float64 and np.all(spots >= 0)
    assert spots[years == 1957][0] == spots.max()  # the record cycle


def test_chronological_split():
    tr, va, te = series.chronological_split(10, 6, 8)
    idx = np.arange(10)
    assert list(idx[tr]) == list(range(6)) and list(idx[va]) == [6, 7] and list(idx[te]) == [8, 9]
    for bad in ((10, 0, 5), (10, 6, 6), (10, 6, 10), (10, 7, 3)):
        with pytest.raises(ValueError, match="val_start, test_start"):
            series.chronological_split(*bad)


def test_scaler_uses_training_statistics_only():
    y = np.arange(20.0)
    s = series.fit_scaler(y[:10])
    assert s.mean == pytest.approx(4.5) and s.std == pytest.approx(np.std(np.arange(10.0)))
    z = s.transform(y)
    assert np.allclose(s.inverse(z), y)
    assert z[:10].mean() == pytest.approx(0.0) and z[:10].std() == pytest.approx(1.0)
    assert z[10:].mean() > 2  # the later period is not re-centred
    with pytest.raises(ValueError, match="constant"):
        series.fit_scaler(np.ones(5))
    with pytest.raises(ValueError, match="y_train"):
        series.fit_scaler(np.ones((3, 2)))


def test_make_windows_alignment_and_shapes():
    y = np.arange(10.0)
    x, t, idx = series.make_windows(y, T=3, horizon=2)
    assert x.shape == (6, 3, 1) and t.shape == (6, 2) and idx.shape == (6,)
    assert list(idx) == [3, 4, 5, 6, 7, 8]
    assert np.array_equal(x[0, :, 0], [0, 1, 2]) and np.array_equal(t[0], [3, 4])
    assert np.array_equal(x[-1, :, 0], [5, 6, 7]) and np.array_equal(t[-1], [8, 9])
    # every target is the value right after its window
    assert np.array_equal(x[:, -1, 0] + 1, t[:, 0])


def test_make_windows_respects_the_period():
    y = np.arange(20.0)
    x, t, idx = series.make_windows(y, T=4, horizon=3, start=12, stop=17)
    assert idx.min() == 12 and idx.max() + 3 <= 17  # every target inside [start, stop)
    assert x[0, 0, 0] == 8  # inputs may reach back before start
    x, t, idx = series.make_windows(y, T=4, start=0, stop=10)
    assert idx.min() == 4 and t.max() == 9  # training windows never see index 10


def test_make_windows_matches_sliding_window_view():
    y = walk(50)
    T, H = 7, 3
    x, t, _ = series.make_windows(y, T, H)
    view = np.lib.stride_tricks.sliding_window_view(y, T + H)  # (n - T - H + 1, T + H)
    assert np.array_equal(x[:, :, 0], view[:, :T]) and np.array_equal(t, view[:, T:])


def test_make_windows_validation():
    y = np.arange(10.0)
    with pytest.raises(ValueError, match="series"):
        series.make_windows(np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="T"):
        series.make_windows(y, 0)
    with pytest.raises(ValueError, match="horizon"):
        series.make_windows(y, 2, horizon=0)
    with pytest.raises(ValueError, match="start, stop"):
        series.make_windows(y, 2, start=5, stop=4)
    with pytest.raises(ValueError, match="no window"):
        series.make_windows(y, 8, horizon=3)
    with pytest.raises(ValueError, match="NaN"):
        series.make_windows(np.array([1.0, np.nan, 3.0, 4.0]), 1)


def test_acf_matches_statsmodels():
    from statsmodels.tsa.stattools import acf as sm_acf

    x = np.diff(walk(300, seed=5))
    assert np.allclose(series.acf(x, 15), sm_acf(x, nlags=15, fft=False), atol=1e-12)
    with pytest.raises(ValueError, match="nlags"):
        series.acf(x, 400)


def test_log_returns_and_moving_average():
    p = np.array([100.0, 110.0, 99.0])
    assert np.allclose(series.log_returns(p), np.log([1.1, 0.9]))
    with pytest.raises(ValueError, match="positive"):
        series.log_returns(np.array([1.0, -1.0]))
    y = np.arange(10.0) ** 2
    tr = series.moving_average(y, 3)
    ce = series.moving_average(y, 3, centred=True)
    assert np.isnan(tr[:2]).all() and tr[2] == pytest.approx((0 + 1 + 4) / 3)
    assert np.isnan(ce[[0, -1]]).all() and ce[1] == pytest.approx((0 + 1 + 4) / 3)
    assert np.allclose(ce[1:-1], tr[2:])  # centred = trailing shifted back: it sees one step ahead
    with pytest.raises(ValueError, match="odd"):
        series.moving_average(y, 4, centred=True)


def test_as_series_checks_names_the_argument():
    assert series.as_series("y", [1, 2, 3]).dtype == np.float64  # integers become float64
    y32 = np.ones(4, dtype=np.float32)
    assert series.as_series("y", y32) is y32  # no copy, float32 kept
    for bad, message in ((np.ones((2, 2)), "y: expected a 1-D array"),
                         (np.array([True, False]), "y: expected a float32 or float64"),
                         (np.array([1.0, np.inf, 2.0]), "y: the series contains NaN or inf"),
                         (np.ones(2), "y: expected a series of length >= 3")):
        with pytest.raises(ValueError, match=message):
            series.as_series("y", bad, min_length=3)
