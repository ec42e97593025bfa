"""Tests of rnn_helpers.data.sequences: the small offline data of chapter 1."""

import numpy as np
import pytest

from rnn_helpers.data.sequences import (
    encode_chars,
    load_goog_close,
    load_stdlib_text,
    marker_sequences,
    pluck,
    window_predict,
)


def test_stdlib_text():
    text = load_stdlib_text("while")
    assert "while" in text and len(text) > 200
    with pytest.raises(ValueError, match="topic"):
        load_stdlib_text("no such topic")


def test_goog_close():
    dates, close = load_goog_close()
    assert dates.shape == close.shape == (1047,)
    assert dates.dtype == np.dtype("datetime64[D]")
    assert str(dates[0]) == "2004-08-19"
    assert np.all(np.diff(dates.astype(np.int64)) > 0)
    assert np.all(close > 0)


def test_pluck_is_deterministic_and_normalised():
    y = pluck(220.0, 0.25, 8000, seed=3)
    assert y.shape == (2000,)
    assert np.max(np.abs(y)) == pytest.approx(1.0)
    np.testing.assert_array_equal(y, pluck(220.0, 0.25, 8000, seed=3))
    assert not np.array_equal(y, pluck(220.0, 0.25, 8000, seed=4))


def test_pluck_follows_its_recurrence():
    decay, sr, f = 0.99, 8000, 400.0
    P = int(round(sr / f))
    y = pluck(f, 0.1, sr, decay=decay, seed=0)
    scale = np.max(np.abs(y))  # the output is normalised, the recurrence is linear
    n = np.arange(P + 1, len(y))
    np.testing.assert_allclose(y[n], decay * 0.5 * (y[n - P] + y[n - P - 1]), atol=1e-12 * scale)


def test_encode_chars_round_trip():
    ids, vocab = encode_chars("hello")
    assert vocab == ["e", "h", "l", "o"]
    assert ids.tolist() == [1, 0, 2, 2, 3]
    assert "".join(vocab[i] for i in ids) == "hello"


def test_marker_sequences_are_balanced():
    x, y = marker_sequences(20000, 25, seed=1)
    assert x.shape == (20000, 25, 1) and y.shape == (20000,)
    assert set(np.unique(x)) <= {0.0, 1.0}
    np.testing.assert_array_equal(y, x.max(axis=(1, 2)))
    assert abs(y.mean() - 0.5) < 0.02


def test_window_predict_matches_the_closed_form():
    T = 20
    x, y = marker_sequences(40000, T, seed=2)
    for k in (0, 5, 10, 20):
        acc = np.mean(window_predict(x, k) == y)
        assert abs(acc - (1.5 - 0.5 ** (k / T))) < 0.01
    assert np.mean(window_predict(x, T) == y) == 1.0
    with pytest.raises(ValueError, match="k"):
        window_predict(x, T + 1)
