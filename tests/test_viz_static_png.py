"""rnn_helpers.viz.static_png: plotly JSON drawn with matplotlib into a PNG."""

import io

import numpy as np
import pytest
from PIL import Image

from rnn_helpers.viz.static_png import figure_png, plain_text, png_size


def _rgb(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _mask(arr, rgb, tol=60):
    return (np.abs(arr - np.array(rgb)).sum(axis=-1) < tol)


def test_size_and_format():
    fig = {"data": [{"type": "scatter", "x": [0, 1], "y": [0, 1]}], "layout": {}}
    data = figure_png(fig)
    assert png_size(data) == (700, 450)  # plotly's default size
    assert png_size(figure_png(fig, width=300, height=200)) == (300, 200)
    assert png_size(figure_png(fig, width=600, height=400, dpi=200)) == (1200, 800)


def test_a_line_is_drawn_where_its_data_are():
    # a blue line from the bottom left to the top right of the axes, the
    # axes filling the image except a fixed margin
    fig = {"data": [{"type": "scatter", "mode": "lines", "x": [0, 10], "y": [0, 10],
                     "line": {"color": "rgb(0, 0, 255)", "width": 4}}],
           "layout": {"width": 400, "height": 400, "margin": {"l": 40, "r": 40, "t": 40, "b": 40},
                      "xaxis": {"range": [0, 10]}, "yaxis": {"range": [0, 10]}}}
    arr = _rgb(figure_png(fig))
    rows, cols = np.nonzero(_mask(arr, (0, 0, 255)))
    assert len(rows) > 200
    # pixel rows grow downwards: y = x is a line of slope -1 in pixels
    assert np.corrcoef(rows, cols)[0, 1] < -0.99
    assert cols.min() == pytest.approx(40, abs=4) and cols.max() == pytest.approx(360, abs=4)


def test_a_reversed_or_log_range_and_a_gap():
    base = {"width": 300, "height": 300, "margin": {"l": 30, "r": 30, "t": 30, "b": 30}}
    # reversed y-range: the point at y = 0 is at the top
    fig = {"data": [{"type": "scatter", "mode": "markers", "x": [5], "y": [0],
                     "marker": {"color": "#00ff00", "size": 12}}],
           "layout": {**base, "xaxis": {"range": [0, 10]}, "yaxis": {"range": [10, 0]}}}
    rows, _ = np.nonzero(_mask(_rgb(figure_png(fig)), (0, 255, 0)))
    assert rows.mean() < 60
    # log axis: the range is in decades (plotly's convention): 10 is mid-way in 1..100
    fig = {"data": [{"type": "scatter", "mode": "markers", "x": [5], "y": [10],
                     "marker": {"color": "#00ff00", "size": 12}}],
           "layout": {**base, "xaxis": {"range": [0, 10]},
                      "yaxis": {"type": "log", "range": [0, 2]}}}
    rows, _ = np.nonzero(_mask(_rgb(figure_png(fig)), (0, 255, 0)))
    assert rows.mean() == pytest.approx(150, abs=8)
    # None splits a line into two pieces: nothing is drawn across the gap
    fig = {"data": [{"type": "scatter", "mode": "lines", "x": [0, 4, None, 6, 10],
                     "y": [5, 5, None, 5, 5], "line": {"color": "#ff0000", "width": 4}}],
           "layout": {**base, "xaxis": {"range": [0, 10]}, "yaxis": {"range": [0, 10]}}}
    _, cols = np.nonzero(_mask(_rgb(figure_png(fig)), (255, 0, 0)))
    assert not ((cols > 30 + 0.45 * 240) & (cols < 30 + 0.55 * 240)).any()


def test_heatmap_bar_and_subplots():
    fig = {"data": [{"type": "bar", "x": ["a", "b"], "y": [1, 2],
                     "marker": {"color": "#ff0000"}},
                    {"type": "heatmap", "z": [[0, 1], [1, 0]], "zmin": 0, "zmax": 1,
                     "colorscale": [[0, "#000000"], [1, "#0000ff"]],
                     "xaxis": "x2", "yaxis": "y2"}],
           "layout": {"width": 400, "height": 400, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                      "xaxis": {"domain": [0, 1]}, "yaxis": {"domain": [0.55, 1]},
                      "xaxis2": {"domain": [0, 1], "anchor": "y2"},
                      "yaxis2": {"domain": [0, 0.45], "anchor": "x2"}}}
    arr = _rgb(figure_png(fig))
    red_rows, _ = np.nonzero(_mask(arr, (255, 0, 0)))
    blue_rows, _ = np.nonzero(_mask(arr, (0, 0, 255)))
    assert red_rows.max() < 0.46 * 400  # the bars in the top panel
    assert blue_rows.min() > 0.54 * 400  # the heatmap in the bottom one


def test_plain_text():
    assert plain_text("hidden state h<sub>t</sub>") == "hidden state h${}_{\\mathregular{t}}$"
    assert plain_text({"text": "x<sup>2</sup>"}) == "x${}^{\\mathregular{2}}$"
    assert plain_text("a<br>b <b>c</b> $5") == "a\nb c \\$5"
    assert plain_text(None) == ""


def test_bad_input():
    with pytest.raises(ValueError, match="fig"):
        figure_png({"layout": {}})
    with pytest.raises(ValueError, match="positive"):
        figure_png({"data": []}, width=0)
    with pytest.raises(ValueError, match="PNG"):
        png_size(b"GIF89a" + bytes(30))
