"""rnn_helpers.viz.explorer: one figure function, a live and a static front end."""

import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from rnn_helpers.viz.explorer import (EXPLORER_JS, Control, Explorer, label_html,
                                      shared_yranges)


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


def _sliders(controls_box):
    row = controls_box.children[-1]  # after the title
    return [vbox.children[1] for vbox in row.children]


def test_live_widget_uses_the_same_grid():
    import ipywidgets as widgets

    box = make().widget()
    sliders = _sliders(box.children[0])
    assert isinstance(sliders[0], widgets.SelectionSlider)
    assert list(sliders[0].options) == [("0.5", 0.5), ("1", 1.0), ("2", 2.0)]
    assert isinstance(sliders[1], widgets.Dropdown)
    # sliders are wide and their labels sit on their own line, not beside them
    assert sliders[0].layout.width == "320px" and sliders[0].description == ""
    sliders[0].value = 2.0  # redraw must not raise


def _displayed_outputs(explorer):
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as cap:
        explorer._ipython_display_()
    return [o.data for o in cap.outputs]


def test_notebook_cell_shows_controls_and_a_plain_figure():
    """A saved notebook reopened without a kernel still shows the figure:
    JupyterLab cannot draw a widget whose model is gone (and does not fall
    back to the bundle's other MIME types), so the figure is its own output."""
    outputs = _displayed_outputs(make())
    assert len(outputs) == 2
    controls, figure = outputs
    assert "application/vnd.jupyter.widget-view+json" in controls
    assert "rnn-explorer" in controls["text/html"]  # what the website shows
    assert "application/vnd.jupyter.widget-view+json" not in figure
    fig = figure["application/vnd.plotly.v1+json"]
    y = fig["data"][0]["y"]
    y = y if isinstance(y, list) else np.frombuffer(
        __import__("base64").b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    np.testing.assert_allclose(y, line(1.0, "identity").data[0].y)  # the defaults
    assert "hidden" in figure["text/html"]  # the website draws no second figure


def test_moving_a_control_updates_the_figure_output_in_place():
    ex = make()
    _, _, controls = ex.live_outputs()
    updates = []

    class Handle:
        def update(self, obj, raw=False):
            updates.append(obj)

    controls.holder["handle"] = Handle()
    controls.inputs["w"].value = 2.0
    y = updates[-1]["application/vnd.plotly.v1+json"]["data"][0]["y"]
    y = y if isinstance(y, list) else np.frombuffer(
        __import__("base64").b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    np.testing.assert_allclose(y, line(2.0, "identity").data[0].y)


def test_repr_mimebundle_is_the_static_view():
    bundle = make()._repr_mimebundle_()
    assert "rnn-explorer" in bundle["text/html"]
    assert "application/vnd.jupyter.widget-view+json" not in bundle


@pytest.mark.parametrize("text, expected", [
    ("recurrent weight w_hh", "recurrent weight w<sub>hh</sub>"),
    ("h_{t-1}", "h<sub>t-1</sub>"),
    ("spectral radius \u03c1 of W_hh", "spectral radius \u03c1 of W<sub>hh</sub>"),
    ("x^2", "x<sup>2</sup>"),
    ("seq_len", "seq_len"),
    ("a < b_t", "a &lt; b<sub>t</sub>"),
])
def test_label_html_writes_subscripts_and_escapes(text, expected):
    assert label_html(text) == expected


def test_spec_carries_label_html():
    ex = Explorer(line, [Control("w", [0.5, 1.0], label="weight w_hh")], alt="x")
    c = _spec(ex.static_html())["controls"][0]
    assert c["label"] == "weight w_hh" and c["label_html"] == "weight w<sub>hh</sub>"


def test_shared_yrange_holds_every_curve_of_every_frame():
    ex = Explorer(line, [Control("w", [0.5, 1.0, 2.0]), Control("act", ["identity", "tanh"])],
                  alt="x", yrange="shared")
    frames = ex.frames()
    ranges = {tuple(f["layout"]["yaxis"]["range"]) for f in frames.values()}
    assert len(ranges) == 1, "every frame must have the same y-range"
    lo, hi = ranges.pop()
    all_y = np.concatenate([np.asarray(line(w, a).data[0].y, float)
                            for w in (0.5, 1.0, 2.0) for a in ("identity", "tanh")])
    assert lo < all_y.min() and hi > all_y.max()  # 0 .. 8 plus a margin
    assert hi - lo < 1.2 * (all_y.max() - all_y.min())
    assert all(f["layout"]["yaxis"]["autorange"] is False for f in frames.values())
    # the live figure gets the same range
    assert tuple(ex.figure(w=0.5).layout.yaxis.range) == pytest.approx((lo, hi), rel=1e-4)


def test_shared_yrange_on_a_log_axis_is_in_decades():
    def fig(k):
        f = go.Figure(go.Scatter(x=[0, 1, 2], y=[1.0, 10.0 ** k, 100.0]))
        f.update_yaxes(type="log")
        return f

    ranges = shared_yranges([json.loads(fig(k).to_json()) for k in (-3, 1)])
    lo, hi = ranges["yaxis"]
    assert lo < -3 < 2 < hi and hi - lo < 6


@pytest.mark.parametrize("bad", ["auto", (1.0, 0.0), (1.0,), 3])
def test_yrange_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="yrange"):
        Explorer(line, [Control("w", [1.0])], alt="x", yrange=bad)


def test_runtime_ships_with_the_package():
    js = EXPLORER_JS.read_text()
    assert "Plotly.react" in js and "rnn-explorer" in js
    # plotly.min.js is loaded by the runtime, after MathJax's typesetting
    assert "plotly.min.js" in js
    assert "startup.promise" in js


def _decoded_png(bundle):
    import base64
    import io

    from PIL import Image

    data = base64.b64decode(bundle["image/png"])
    return data, Image.open(io.BytesIO(data)).convert("RGB")


def test_bundle_carries_a_png_of_the_default_frame():
    """The PDF edition and front ends without widgets show this image."""
    from rnn_helpers.viz.static_png import png_size

    def red_line(w):
        t = np.arange(5)
        fig = go.Figure(go.Scatter(x=t, y=w * t, mode="lines", line={"color": "#ff0000"}))
        fig.update_layout(width=500, height=300, yaxis={"range": [0, 8]},
                          margin={"l": 40, "r": 10, "t": 10, "b": 40})
        return fig

    ex = Explorer(red_line, [Control("w", [0.5, 1.0, 2.0], default=2.0)], alt="a red line")
    for bundle in (ex._repr_mimebundle_(), ex.live_outputs()[0]):
        data, image = _decoded_png(bundle)
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and png_size(data) == (500, 300)
        assert image.size == (500, 300) and len(data) <= 60_000
    # the default frame (w = 2) is drawn: the line reaches the top right of
    # the axes (y = 8 at t = 4), which the w = 1 frame does not
    arr = np.asarray(image).astype(int)
    red = (arr[..., 0] > 200) & (arr[..., 1] < 80) & (arr[..., 2] < 80)
    rows, cols = np.nonzero(red)
    assert red.sum() > 100
    assert rows.min() < 0.15 * 300 and cols.max() > 0.9 * 500
    assert ex.default_frame() == ex.frames()["2"] | {"layout": ex.default_frame()["layout"]}
    # the live figure output adds no second picture to the PDF edition
    figure = ex.live_outputs()[1]
    assert "image/png" not in figure and figure["text/markdown"].startswith("<!--")


def test_every_course_explorer_has_a_small_png():
    from rnn_helpers.viz.latch import latch_explorer
    from rnn_helpers.viz.scan import scan_explorer
    from rnn_helpers.viz.static_png import png_size

    for ex in (latch_explorer(), scan_explorer("blelloch", T=8)):
        data, image = _decoded_png(ex._repr_mimebundle_())
        width, height = png_size(data)
        layout = ex.default_frame()["layout"]
        assert (width, height) == (layout.get("width", 700), layout.get("height", 450))
        assert len(data) <= 60_000
        assert len(np.unique(np.asarray(image).reshape(-1, 3), axis=0)) > 3  # not blank


def test_lab_saves_widget_state_in_this_environment():
    """``make setup`` turns on jupyterlab_widgets' saveState for this
    environment: a saved, run notebook keeps its explorers' controls."""
    import sys
    from pathlib import Path

    path = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert path.exists(), f"{path} is missing: run make setup"
    settings = json.loads(path.read_text())
    assert settings["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(600)
def test_a_reopened_notebook_shows_the_explorer_without_its_kernel():
    """scripts/check_lab_reopen.py in a real JupyterLab and Chromium: live,
    saved, kernel shut down, reopened: controls and figure, no model-not-found."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip("playwright")
    if not Path("/usr/bin/chromium").exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    script = Path(__file__).resolve().parent.parent / "scripts" / "check_lab_reopen.py"
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=540)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "0 'Error displaying widget' line(s)" in out.stdout, out.stdout
