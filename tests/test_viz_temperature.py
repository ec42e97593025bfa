"""Tests of rnn_helpers.viz.temperature: the next-character figure and explorer."""

import numpy as np
import pytest

from rnn_helpers.models.sampling import softmax_with_temperature
from rnn_helpers.viz.temperature import (
    TEMPERATURES,
    char_label,
    temperature_explorer,
    temperature_figure,
)

LOGITS = np.array([[2.0, 1.0, 0.5, -1.0, 0.0], [0.0, 3.0, 3.0, -2.0, 1.0]])

VOCAB = ["\n", " ", "a", "b", "c"]


def test_figure_bars_and_reference():
    fig = temperature_figure(LOGITS, VOCAB, temperature=0.5, context=0, top=3, labels=["x\ny", "z"])
    bars, ref = fig.data
    assert list(bars.x) == ["\u23ce", "\u2423", "a", "other"]  # ordered by probability at 1
    assert [char_label(VOCAB[i]) for i in (0, 1)] == ["\u23ce", "\u2423"]
    np.testing.assert_allclose(sum(bars.y), 1.0)
    p = softmax_with_temperature(LOGITS[0], 0.5)
    np.testing.assert_allclose(bars.y[:3], p[[0, 1, 2]])
    np.testing.assert_allclose(ref.y[:3], softmax_with_temperature(LOGITS[0], 1.0)[[0, 1, 2]])
    assert "\u23ce" in fig.layout.title.text and "bits" in fig.layout.title.text
    # probabilities and logits give the same picture
    probs = softmax_with_temperature(LOGITS, 1.0)
    np.testing.assert_allclose(temperature_figure(probs, VOCAB, 2.0).data[0].y,
                               temperature_figure(LOGITS, VOCAB, 2.0).data[0].y, rtol=1e-10)


def test_explorer_is_small():
    ex = temperature_explorer(LOGITS, VOCAB, labels=["first", "second"], top=4)
    assert ex.n_frames == len(TEMPERATURES) * 2
    assert ex.defaults()["temperature"] == 1.0
    assert len(ex.static_html()) < 300_000
    single = temperature_explorer(LOGITS[0], VOCAB, temperatures=(0.5, 1.0, 2.0))
    assert single.n_frames == 3 and len(single.figure(temperature=2.0).data) == 2


def test_figure_and_explorer_validate():
    with pytest.raises(ValueError, match=r"probs_or_logits: expected shape \(V,\) or \(C, V\)"):
        temperature_figure(LOGITS, VOCAB[:3])
    with pytest.raises(ValueError, match="context"):
        temperature_figure(LOGITS, VOCAB, context=5)
    with pytest.raises(ValueError, match="top"):
        temperature_figure(LOGITS, VOCAB, top=0)
    with pytest.raises(ValueError, match="labels"):
        temperature_explorer(LOGITS, VOCAB)
    with pytest.raises(ValueError, match="labels"):
        temperature_explorer(LOGITS, VOCAB, labels=["one"])
    with pytest.raises(ValueError, match="temperatures"):
        temperature_explorer(LOGITS[0], VOCAB, temperatures=(0.0, 1.0))


def test_temperatures_sorted_and_include_one():
    assert list(TEMPERATURES) == sorted(TEMPERATURES) and 1.0 in TEMPERATURES
    assert all(t > 0 for t in TEMPERATURES)
    assert char_label("\t") == "\u21e5" and char_label("a") == "a"
