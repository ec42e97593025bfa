"""rnn_helpers.viz.scan: the scan explorer draws what scan_pattern says."""

import numpy as np
import pytest

from rnn_helpers.numpy_rnn.scan import scan_pattern
from rnn_helpers.viz.scan import coverage_matrix, scan_explorer, scan_figure


def test_coverage_matrix_marks_blocks_and_complete_prefixes():
    cover = np.array([[0, 0], [0, 1], [1, 2], [3, -1]])  # the last: empty (padding)
    grid = coverage_matrix(cover, 3)
    np.testing.assert_array_equal(grid, [[2, 0, 0], [2, 2, 0], [0, 1, 1], [0, 0, 0]])


@pytest.mark.parametrize("method", ["hillis_steele", "blelloch"])
def test_figure_follows_the_pattern(method):
    T = 12
    levels = scan_pattern(T, method)
    for k in (0, 1, len(levels) - 1):
        fig = scan_figure(k, method, T)
        names = [trace.name for trace in fig.data]
        assert names[:4] == ["keeps its value", "earlier levels", "this level", "positions"]
        current = fig.data[2]
        n_pairs = len(levels[k]["pairs"]) + len(levels[k]["swaps"]) if k else 0
        assert sum(v is None for v in current.x) == n_pairs
        heat = np.array(fig.data[4].z)
        np.testing.assert_array_equal(heat, coverage_matrix(levels[k]["cover"], T)[:T])
        assert fig.layout.xaxis.title.text == "position t"
    final = np.array(scan_figure(len(levels) - 1, method, T).data[4].z)
    np.testing.assert_array_equal(final, 2 * np.tril(np.ones((T, T))))  # every prefix complete
    first = np.array(scan_figure(0, method, T).data[4].z)
    np.testing.assert_array_equal(first[:, 0], [2] + [0] * (T - 1))  # only step 1 is a prefix


def test_level_beyond_the_last_shows_the_last():
    a = scan_figure(99, "hillis_steele", 8)
    b = scan_figure(3, "hillis_steele", 8)
    assert a.layout.annotations[0].text == b.layout.annotations[0].text


def test_explorer_size_and_arguments():
    ex = scan_explorer("hillis_steele", 16)
    assert ex.n_frames == 5 and ex.controls[0].values == (0, 1, 2, 3, 4)
    assert len(ex.static_html()) < 600_000
    assert scan_explorer("blelloch", 16).n_frames == 11
    with pytest.raises(ValueError, match="method"):
        scan_explorer("kogge_stone")
    with pytest.raises(ValueError, match="T"):
        scan_figure(1, "blelloch", 1)
