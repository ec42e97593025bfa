"""rnn_helpers.viz.latch: chapter 1's one-unit RNN explorer."""

import numpy as np
import pytest

from rnn_helpers.viz.latch import (B_VALUES, W_HH_VALUES, latch_explorer, latch_figure,
                                        latch_inputs, latch_states)


def test_states_follow_the_recurrence():
    w_hh, w_xh, T = 1.25, 2.0, 40
    x = latch_inputs(T)[:, :, 0]  # (M, T)
    h = np.zeros(x.shape[0])
    expected = []
    for t in range(T):
        h = np.tanh(w_xh * x[:, t] + w_hh * h)
        expected.append(h)
    np.testing.assert_allclose(latch_states(w_hh, w_xh, T), np.stack(expected, 1), atol=1e-14)


def test_inputs_validate_marker_positions():
    with pytest.raises(ValueError, match="markers"):
        latch_inputs(10, markers=(11,))


def test_figure_and_explorer():
    fig = latch_figure(2.0, 4.0)
    assert len(fig.data) == 3
    assert fig.layout.xaxis.title.text == "time step t"
    assert fig.layout.yaxis.title.text == "hidden state h<sub>t</sub>"
    ex = latch_explorer()
    assert ex.n_frames == len(W_HH_VALUES) * len(B_VALUES) and 2.0 in W_HH_VALUES
    assert len(ex.static_html()) < 600_000


def test_bias_enters_the_recurrence():
    w_hh, w_xh, b, T = 2.0, 4.0, 0.25, 40
    x = latch_inputs(T)[:, :, 0]  # (M, T)
    h = np.zeros(x.shape[0])
    for t in range(T):
        h = np.tanh(w_xh * x[:, t] + w_hh * h + b)
    np.testing.assert_allclose(latch_states(w_hh, w_xh, T, b=b)[:, -1], h,
                               atol=1e-14)
    # a positive bias makes the latch switch on without a marker
    assert latch_states(2.0, 4.0, 50, b=0.25)[0, -1] > 0.9
    assert abs(latch_states(2.0, 4.0, 50, b=0.0)[0, -1]) == 0.0
