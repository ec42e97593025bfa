"""rnn_helpers.viz.explorer: one figure function, a live and a static front end."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from rnn_helpers.viz.explorer import EXPLORER_JS, Control, Explorer


def line(w, act="tanh"):
    t = np.arange(5)
    f = {"tanh": np.tanh, "identity": lambda v: v}[act]
    fig = go.Figure(go.Scatter(x=t, y=f(w * t), name="y"))
    fig.update_layout(xaxis_title="t", yaxis_title="y")
    return fig


def make():
    return Explorer(line, [Control("w", [0.5, 1.0, 2.0], label="weight"),
                           Control("act", ["tanh", "identity"])],
                    alt="A line whose slope the reader moves", title="Slope")


def _spec(html):
    m = re.search(r'<script type="application/json" class="rnn-explorer-spec">(.*?)</script>', html, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_control_defaults_and_kinds():
    c = Control("w", [0.1, 0.2, 0.3])
    assert c.default == 0.2 and c.default_index == 1 and c.numeric
    d = Control("act", ["tanh", "relu"], default="relu")
    assert not d.numeric and d.default_index == 1


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="1x", values=[1]), "identifier"),
    (dict(name="w", values=[]), "must not be empty"),
    (dict(name="w", values=[1, 1]), "distinct"),
    (dict(name="w", values=[1, 2], default=3), "not one of its values"),
])
def test_control_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Control(**kwargs)


def test_explorer_rejects_bad_input():
    with pytest.raises(ValueError, match="alt"):
        Explorer(line, [Control("w", [1.0])], alt="")
    with pytest.raises(ValueError, match="distinct"):
        Explorer(line, [Control("w", [1.0]), Control("w", [2.0])], alt="x")
    with pytest.raises(ValueError, match="max_frames"):
        Explorer(line, [Control("w", list(range(30))), Control("act", list("abcdefghijklmn"))],
                 alt="x")
    with pytest.raises(ValueError, match="unknown parameter"):
        make().figure(v=1)


def test_static_frames_equal_the_live_figure_function():
    ex = make()
    spec = _spec(ex.static_html())
    assert len(spec["frames"]) == 6
    assert [c["kind"] for c in spec["controls"]] == ["slider", "select"]
    assert spec["controls"][0]["labels"] == ["0.5", "1", "2"]
    for i, w in enumerate([0.5, 1.0, 2.0]):
        for j, act in enumerate(["tanh", "identity"]):
            y_static = spec["frames"][f"{i}|{j}"]["data"][0]["y"]
            y_live = list(line(w, act).data[0].y)
            np.testing.assert_allclose(y_static, y_live, rtol=1e-4)
    # the template is stored once, not per frame
    assert spec["template"] is not None
    assert all("template" not in f["layout"] for f in spec["frames"].values())


def test_static_html_is_safe_and_accessible():
    html = make().static_html()
    assert 'class="rnn-explorer"' in html and 'role="figure"' in html
    assert 'aria-label="A line whose slope the reader moves"' in html
    assert "<script>" not in html and "http" not in html  # runtime is shared, not inlined


def test_live_widget_uses_the_same_grid():
    import ipywidgets as widgets

    box = make().widget()
    sliders = [w for w in box.children[1].children]
    assert isinstance(sliders[0], widgets.SelectionSlider)
    assert list(sliders[0].options) == [("0.5", 0.5), ("1", 1.0), ("2", 2.0)]
    assert isinstance(sliders[1], widgets.Dropdown)
    sliders[0].value = 2.0  # redraw must not raise


def test_mimebundle_offers_both_views():
    bundle = make()._repr_mimebundle_()
    assert "text/html" in bundle and "rnn-explorer" in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_runtime_ships_with_the_package():
    js = EXPLORER_JS.read_text()
    assert "Plotly.react" in js and "rnn-explorer" in js
