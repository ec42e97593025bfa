"""rnn_helpers.viz.gradients: pure plotly figure functions and the two gradient-flow explorers."""

import itertools
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from rnn_helpers.gradient_flow import elman as gf
from rnn_helpers.gradient_flow import gated as gfl
from rnn_helpers.viz import gradients as widgets
from rnn_helpers.viz.explorer import Explorer

MAX_HTML = 600_000  # bytes of static HTML per explorer


def _spec(html):
    m = re.search(r'<script type="application/json" class="rnn-explorer-spec">(.*?)</script>', html, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def _axis_titles(fig):
    return fig.layout.xaxis.title.text, fig.layout.yaxis.title.text


@pytest.mark.parametrize("activation", widgets.ACTIVATION_NAMES)
def test_gradient_norm_figure_is_labelled_and_shows_the_measurement(activation):
    fig = widgets.gradient_norm_figure(1.1, 50, activation)
    assert isinstance(fig, go.Figure)
    x_title, y_title = _axis_titles(fig)
    assert "distance" in x_title and "∂L/∂h<sub>t</sub>" in y_title
    # symbols carry real subscripts (plotly draws <sub>), never "h_t" or "W_hh"
    texts = [fig.layout.title.text, y_title, *[t.name for t in fig.data]]
    assert not [t for t in texts if re.search(r"\b[A-Za-zσρ]_", t)], texts
    assert "W<sub>hh</sub>" in fig.layout.title.text
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.title.text.startswith(activation)
    names = [t.name for t in fig.data]
    assert any("median" in n for n in names) and any("bound" in n for n in names)
    prof = gf.gradient_norm_profile(1.1, activation, 50)
    median = next(t for t in fig.data if "median" in t.name)
    k = median.x0 + median.dx * np.arange(len(median.y))
    assert k[0] == 0 and k[-1] == 50
    expected = [v if np.isfinite(v) and v > 0 else None for v in prof.median[k.astype(int)]]
    got = list(median.y)
    assert [g is None for g in got] == [e is None for e in expected]
    np.testing.assert_allclose([g for g in got if g is not None],
                               [e for e in expected if e is not None], rtol=1e-12)


def test_gradient_norm_figure_is_pure():
    a = widgets.gradient_norm_figure(0.9, 25, "relu").to_json()
    b = widgets.gradient_norm_figure(0.9, 25, "relu").to_json()
    assert a == b


def test_gradient_norm_figure_bound_lies_above_the_measurement():
    for act in widgets.ACTIVATION_NAMES:
        fig = widgets.gradient_norm_figure(1.5, 100, act)
        traces = {t.name: t for t in fig.data}
        bound = np.array([np.inf if v is None else v for v in traces["bound (γ σ<sub>max</sub>)<sup>k</sup>"].y])
        high = traces["90th percentile"].y
        # the bound holds for every sequence, so also for the 90th percentile
        assert all(h is None or h <= b * (1 + 1e-9) for h, b in zip(high, bound))


def test_clipping_figure_is_labelled_and_clipping_bounds_the_steps():
    fig = widgets.clipping_figure(10.0, "norm", 0.01)
    assert isinstance(fig, go.Figure)
    x_title, y_title = _axis_titles(fig)
    assert "w" in x_title and "b" in y_title
    kinds = [t.type for t in fig.data]
    assert kinds[0] == "contour" and kinds.count("scatter") == 4
    names = [t.name for t in fig.data]
    assert any(n.startswith("no clipping") for n in names)
    assert any(n.startswith("norm clipping, c = 10") for n in names)
    assert any(n == "the cliff (x<sub>T</sub> jumps)" for n in names)
    # the unclipped run is thrown by the wall; the clipped one never steps further than lr * c
    plain = widgets._cliff_path(widgets.CLIFF_START, 0.01, 250, None, None)
    clipped = widgets._cliff_path(widgets.CLIFF_START, 0.01, 250, "norm", 10.0)
    steps = lambda p: np.linalg.norm(np.diff(p, axis=0), axis=1)  # noqa: E731
    assert steps(plain).max() > 10 and steps(clipped).max() <= 0.1 + 1e-12
    with pytest.raises(ValueError, match="method"):
        widgets.clipping_figure(10.0, "l2", 0.01)


def test_clipping_figure_value_method_and_purity():
    a = widgets.clipping_figure(3.0, "value", 0.02)
    b = widgets.clipping_figure(3.0, "value", 0.02)
    assert a.to_json() == b.to_json()
    assert any(t.name.startswith("value clipping, c = 3") for t in a.data)


@pytest.mark.parametrize("factory, figure_fn", [
    (widgets.gradient_norm_explorer, widgets.gradient_norm_figure),
    (widgets.clipping_explorer, widgets.clipping_figure),
])
def test_explorers_hold_every_frame_and_stay_small(factory, figure_fn):
    ex = factory()
    assert isinstance(ex, Explorer) and ex.alt
    html = ex.static_html()
    assert len(html.encode()) < MAX_HTML, len(html.encode())
    spec = _spec(html)
    sizes = [len(c.values) for c in ex.controls]
    assert ex.n_frames == int(np.prod(sizes)) == len(spec["frames"])
    assert set(spec["frames"]) == {"|".join(map(str, i))
                                   for i in itertools.product(*map(range, sizes))}
    # every frame is labelled, and one frame equals the live figure function
    for frame in spec["frames"].values():
        assert frame["layout"]["xaxis"]["title"]["text"]
        assert frame["layout"]["yaxis"]["title"]["text"]
    idx = [c.default_index for c in ex.controls]
    frame = spec["frames"]["|".join(map(str, idx))]
    live = figure_fn(**ex.defaults())
    assert len(frame["data"]) == len(live.data)
    assert frame["layout"]["title"]["text"] == live.layout.title.text


def test_gradient_explorer_controls():
    ex = widgets.gradient_norm_explorer()
    kinds = {c.name: c.numeric for c in ex.controls}
    assert kinds == {"rho": True, "kind": False, "input_scale": True,
                     "activation": False}
    assert ex.defaults() == {"rho": 1.0, "kind": "gaussian", "input_scale": 1.0,
                             "activation": "tanh"}
    assert set(widgets.ACTIVATION_NAMES) == set(gf.ACTIVATIONS)
    assert set(widgets.KIND_VALUES) == {"gaussian", "orthogonal", "identity"}


def test_gradient_figure_kind_and_input_scale_reach_the_profile():
    # issue 11: the two knobs that matter change the measured curve exactly
    # as gradient_norm_profile does
    for kind, scale in (("orthogonal", 1.0), ("orthogonal", 0.1),
                        ("identity", 3.0)):
        fig = widgets.gradient_norm_figure(1.0, 40, "tanh", kind=kind,
                                           input_scale=scale)
        prof = gf.gradient_norm_profile(1.0, "tanh", 40, kind=kind,
                                        input_scale=scale)
        median = [t for t in fig.data if t.name.startswith("measured")][0]
        stride = median.dx
        np.testing.assert_allclose(median.y, prof.median[::stride], rtol=1e-12)
        assert kind in fig.layout.title.text
    # a weak drive keeps tanh units near 0: far more gradient survives
    weak = gf.gradient_norm_profile(1.0, "tanh", 50, kind="orthogonal",
                                    input_scale=0.1).median[50]
    strong = gf.gradient_norm_profile(1.0, "tanh", 50, kind="orthogonal",
                                      input_scale=1.0).median[50]
    assert weak > 1e3 * strong


def test_clipping_explorer_controls():
    ex = widgets.clipping_explorer()
    assert [c.name for c in ex.controls] == ["threshold", "method", "lr"]
    assert ex.controls[1].values == ("norm", "value") and not ex.controls[1].numeric


# ---------------------------------------------------------------- (c) gated cells (chapter 5)
def test_gated_flow_figure_shows_the_measurement():
    fig = widgets.gated_flow_figure(2.0, 50)
    assert isinstance(fig, go.Figure)
    assert "distance" in fig.layout.xaxis.title.text and fig.layout.yaxis.type == "log"
    names = [t.name for t in fig.data]
    assert any(n.startswith("RNN") for n in names) and any(n.startswith("GRU") for n in names)
    assert any("∂L/∂c<sub>t</sub>" in n for n in names)
    assert not [n for n in names if re.search(r"\b[A-Za-z]_", n)], names
    cmp = gfl.compare_gradient_flow(50, 2.0)
    lstm = next(t for t in fig.data if t.name == "LSTM: ‖∂L/∂h<sub>t</sub>‖")
    k = (lstm.x0 + lstm.dx * np.arange(len(lstm.y))).astype(int)
    np.testing.assert_allclose(list(lstm.y), cmp.lstm_h[k], rtol=1e-12)
    assert "b<sub>f</sub> = 2" in fig.layout.title.text
    assert widgets.gated_flow_figure(2.0, 50).to_json() == fig.to_json()  # pure


def test_gated_flow_explorer_is_small_and_complete():
    ex = widgets.gated_flow_explorer()
    assert isinstance(ex, Explorer)
    assert ex.n_frames == len(widgets.FORGET_BIAS_VALUES) * len(widgets.T_VALUES)
    assert ex.defaults() == {"forget_bias": 1.0, "T": 100}
    html = ex.static_html()
    assert len(html.encode()) < MAX_HTML
    spec = _spec(html)
    assert len(spec["frames"]) == ex.n_frames
    assert [c["name"] for c in spec["controls"]] == ["forget_bias", "T"]
    assert "cdn" not in html.lower() and "http" not in html.lower()
