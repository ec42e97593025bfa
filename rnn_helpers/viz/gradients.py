"""Gradient-flow figures a reader can move (chapters 4 and 5).

Two layers, as :mod:`rnn_helpers.viz.explorer` asks:

- *figure functions*, pure: parameters in, ``plotly.graph_objects.Figure``
  out (:func:`gradient_norm_figure`, :func:`clipping_figure`,
  :func:`gated_flow_figure`). They compute with
  :mod:`rnn_helpers.gradient_flow` and draw; nothing else.
- *explorer factories* (:func:`gradient_norm_explorer`,
  :func:`clipping_explorer`, :func:`gated_flow_explorer`) that wrap a figure
  function and a small grid of control values in an
  :class:`~rnn_helpers.viz.explorer.Explorer`: live ipywidgets in
  JupyterLab, precomputed frames on the website.

The grids are deliberately coarse so that each explorer's static HTML stays
well under 600 KB.

Example::

    from rnn_helpers.viz.gradients import gradient_norm_explorer
    gradient_norm_explorer()          # last expression of a notebook cell

Why one module of just over 400 lines: the three explorers share one figure
layout (distance on the x-axis, log-scaled norms) and one grid policy; the
file is the gradient-flow figures of chapters 4 and 5 and nothing else.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from rnn_helpers.gradient_flow import clipping, gated
from rnn_helpers.gradient_flow import elman as gf
from rnn_helpers.viz.explorer import Control, Explorer

__all__ = [
    "RHO_VALUES",
    "EXPLORER_RHO_VALUES",
    "KIND_VALUES",
    "INPUT_SCALE_VALUES",
    "T_VALUES",
    "ACTIVATION_NAMES",
    "THRESHOLD_VALUES",
    "LR_VALUES",
    "CLIFF_START",
    "FORGET_BIAS_VALUES",
    "gradient_norm_figure",
    "clipping_figure",
    "gated_flow_figure",
    "gradient_norm_explorer",
    "clipping_explorer",
    "gated_flow_explorer",
]

#: Control grids of the explorers (kept small: every combination is a stored frame).
RHO_VALUES = (0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 4.0)
#: scales offered by the gradient-norm explorer (fewer: it has four controls)
EXPLORER_RHO_VALUES = (0.5, 0.9, 1.0, 1.25, 2.0)
#: kinds of W_hh offered by the gradient-norm explorer
KIND_VALUES = ("gaussian", "orthogonal", "identity")
#: standard deviations of each unit's input drive W_xh x_k
INPUT_SCALE_VALUES = (0.1, 1.0, 3.0)
T_VALUES = (50, 100, 200)
ACTIVATION_NAMES = ("tanh", "relu", "sigmoid", "identity")
THRESHOLD_VALUES = (1.0, 3.0, 10.0, 30.0, 100.0)
LR_VALUES = (0.005, 0.01, 0.02)
CLIFF_START = (8.0, -2.0)
FORGET_BIAS_VALUES = (-2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0)

_FONT = dict(size=13)
_COLORS = {"median": "#1f77b4", "band": "rgba(31, 119, 180, 0.18)", "bound": "#d62728",
           "rate": "#7f7f7f", "plain": "#ff7f0e", "clipped": "#ffffff", "start": "#000000",
           "wall": "#d62728", "rnn": "#7f7f7f", "gru": "#2ca02c", "lstm_h": "#1f77b4",
           "lstm_c": "#ff7f0e", "ref": "#d62728"}


def _go():
    import plotly.graph_objects as go

    return go


def _positive_or_none(values) -> list:
    """Finite positive floats as floats, anything else as None (a gap on a log axis)."""
    v = np.asarray(values, dtype=np.float64)
    return [float(a) if np.isfinite(a) and a > 0 else None for a in v]


def _distances(T: int, n_points: int):
    """
    About n_points evenly spaced distances 0..T, and where a trace puts them.

    Returns a tuple of:
    - k: Integer array of shape (P,), every stride-th distance from 0
    - even: dict(x0=0, dx=stride) for a trace, so that the stored frames hold
      no x arrays
    """
    stride = max(1, int(np.ceil(T / max(n_points - 1, 1))))
    return np.arange(0, T + 1, stride), dict(x0=0, dx=stride)


def _curve(values, even: dict, **props) -> dict:
    """A scatter trace of norms at the distances of :func:`_distances` (gaps where not positive)."""
    return dict(type="scatter", y=_positive_or_none(values), **props, **even)


def _distance_figure(data: list, title: str, T: int, y_title: str, y_range: Sequence[float],
                     height: int, bottom: int):
    """The plotly Figure of norm traces against the distance T - t, on a log y axis."""
    layout = dict(
        title=dict(text=title, font=dict(size=14)),
        xaxis=dict(title=dict(text="distance T − t (steps back from the loss)"), range=[0, T]),
        yaxis=dict(title=dict(text=y_title), type="log", range=list(y_range),
                   exponentformat="power"),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0),
        margin=dict(l=70, r=20, t=50, b=bottom), height=height, font=_FONT,
    )
    return _go().Figure(data=data, layout=layout)


# ----------------------------------------------------------------------------
# (a) gradient norm against distance
# ----------------------------------------------------------------------------


def gradient_norm_figure(rho: float = 1.0, T: int = 100, activation: str = "tanh", *,
                         kind: str = "gaussian", input_scale: float = 1.0,
                         H: int = 32, N: int = 32, seed: int = 0,
                         n_points: int = 26, y_range: Sequence[float] = (-30.0, 20.0)):
    """Measured ||dL/dh_{T-k}|| against the distance k, on a log axis.

    A random RNN (W_hh of the given kind, scaled to spectral radius ``rho``)
    reads N random sequences of length T; the loss reads h_T only, with
    ||dL/dh_T|| = 1 (see :func:`rnn_helpers.gradient_flow.elman.gradient_norm_profile`).

    Inputs:
    - rho: spectral radius of W_hh (for "orthogonal" and "identity" also its
      largest singular value).
    - T: sequence length.
    - activation: "tanh", "relu", "sigmoid" or "identity".
    - kind: W_hh "gaussian", "orthogonal" or "identity" (times rho).
    - input_scale: standard deviation of each unit's input drive W_xh x_k;
      a strong drive pushes saturating units into their flat parts.
    - H, N, seed: passed to ``gradient_norm_profile``.
    - n_points: about this many evenly spaced distances are drawn per curve
      (every ceil(T / (n_points - 1))-th step; keeps the frames small).
    - y_range: (low, high) of the y axis in powers of ten (fixed, so frames compare).

    Returns:
    - plotly Figure with five traces: the 10-90 % band over the sequences
      (two traces), the median, the bound (γ σ_max)^k and the linear rate ρ^k.
    """
    prof = gf.gradient_norm_profile(rho, activation, T, H=H, N=N, seed=seed,
                                    kind=kind, input_scale=input_scale)
    k, even = _distances(T, n_points)  # (P,) evenly spaced distances
    with np.errstate(over="ignore"):
        linear = prof.rho ** k.astype(np.float64)
    data = [
        _curve(prof.high[k], even, mode="lines", line=dict(width=0),
               hoverinfo="skip", showlegend=False, name="90th percentile"),
        _curve(prof.low[k], even, mode="lines", line=dict(width=0),
               fill="tonexty", fillcolor=_COLORS["band"], hoverinfo="skip",
               name="10-90 % of sequences"),
        _curve(prof.median[k], even, mode="lines+markers",
               marker=dict(size=4), line=dict(color=_COLORS["median"], width=2.5),
               name=f"measured ({activation}), median"),
        _curve(prof.bound[k], even, mode="lines",
               line=dict(color=_COLORS["bound"], dash="dash"), name="bound (γ σ<sub>max</sub>)<sup>k</sup>"),
        _curve(linear, even, mode="lines",
               line=dict(color=_COLORS["rate"], dash="dot"), name="ρ<sup>k</sup> (linear network)"),
    ]
    rate = prof.rate()
    verdict = "vanishing" if rate < 0.98 else ("exploding" if rate > 1.02 else "roughly flat")
    title = (f"{activation}, {kind} W<sub>hh</sub>, drive {input_scale:g}, ρ = {prof.rho:.2f}, "
             f"σ<sub>max</sub> = {prof.sigma_max:.2f}, "
             f"γσ<sub>max</sub> = {prof.gamma * prof.sigma_max:.2f}: × {rate:.3f} per step ({verdict})")
    return _distance_figure(data, title, T, "‖∂L/∂h<sub>t</sub>‖  (‖∂L/∂h<sub>T</sub>‖ = 1)",
                            y_range, height=470, bottom=110)


def gradient_norm_explorer(rho_values: Sequence[float] = EXPLORER_RHO_VALUES,
                           kinds: Sequence[str] = KIND_VALUES,
                           input_scales: Sequence[float] = INPUT_SCALE_VALUES,
                           activations: Sequence[str] = ACTIVATION_NAMES,
                           T: int = 100) -> Explorer:
    """Explorer (a): gradient norm against distance, with controls for the
    scale ρ and the kind of W_hh, the input drive and the activation.

    The sequence length is fixed (T = 100): a longer T only extends the same
    curves, while the kind of W_hh and the input drive change their shape.

    Returns:
    - Explorer over :func:`gradient_norm_figure`.
    """
    def figure(rho, kind, input_scale, activation):
        return gradient_norm_figure(rho, T, activation, kind=kind, input_scale=input_scale)

    return Explorer(
        figure,
        [Control("rho", list(rho_values), label="spectral radius ρ of W_hh",
                 default=1.0 if 1.0 in rho_values else None, fmt="g"),
         Control("kind", list(kinds), label="kind of W_hh",
                 default="gaussian" if "gaussian" in kinds else None),
         Control("input_scale", list(input_scales), label="input drive (std of W_xh x)",
                 default=1.0 if 1.0 in input_scales else None, fmt="g"),
         Control("activation", list(activations), label="activation f",
                 default="tanh" if "tanh" in activations else None)],
        title="How much gradient reaches step t? (log scale)",
        alt=("Line plot with a logarithmic y axis: the norm of the gradient of the loss with "
             "respect to the hidden state, against the number of steps back from the loss "
             f"(T = {T}), for a random RNN. Controls set the spectral radius and the kind "
             "(Gaussian, orthogonal or identity) of the recurrent matrix, the strength of "
             "the input drive and the activation. A dashed line shows the bound "
             "(gamma sigma_max)^k and a dotted line the rate rho^k of a linear network."),
    )


# ----------------------------------------------------------------------------
# (b) clipping on the loss cliff
# ----------------------------------------------------------------------------


def _thin_path(path: np.ndarray, min_step: float) -> np.ndarray:
    """Drop points closer than ``min_step`` to the last kept one (jumps always stay)."""
    ok = np.all(np.isfinite(path), axis=1)
    path = path[ok]
    if len(path) <= 2:
        return path
    keep = [0]
    for i in range(1, len(path) - 1):
        if np.linalg.norm(path[i] - path[keep[-1]]) >= min_step:
            keep.append(i)
    keep.append(len(path) - 1)
    return path[keep]


@lru_cache(maxsize=64)
def _cliff_path(start: tuple, lr: float, steps: int, clip, threshold) -> np.ndarray:
    """Gradient-descent path on the cliff (cached: the explorer redraws the
    unclipped path in every frame). Returns a read-only (steps+1, 2) array."""
    path = clipping.gradient_descent(clipping.cliff_gradient, start, lr, steps, clip=clip,
                               threshold=threshold)
    path.setflags(write=False)
    return path


@lru_cache(maxsize=8)
def _cliff_wall_line(w_range: tuple, b_range: tuple, n: int = 40) -> tuple:
    """(w, b) points of the cliff inside the window (cached; NaN-free lists)."""
    w = np.linspace(w_range[0], w_range[1], n)
    b = clipping.cliff_wall(w, b_range)
    ok = np.isfinite(b)
    return np.round(w[ok], 3).tolist(), np.round(b[ok], 3).tolist()


def clipping_figure(threshold: float = 10.0, method: str = "norm", lr: float = 0.01, *,
                    start: Sequence[float] = CLIFF_START, steps: int = 250,
                    w_range: Sequence[float] = (0.0, 14.0), b_range: Sequence[float] = (-8.0, 3.0),
                    grid: Sequence[int] = (36, 31)):
    """Gradient descent on the loss cliff, with and without clipping.

    The surface is log10 of the loss of the one-unit RNN
    x_t = w sigmoid(x_{t-1}) + b (:func:`rnn_helpers.gradient_flow.clipping.cliff_loss`),
    floored at 1e-3 for the colours.

    Inputs:
    - threshold: clipping threshold c.
    - method: "norm" (rescale g to norm c when ||g|| > c) or "value" (clamp
      each entry to [-c, c]).
    - lr: learning rate of both runs.
    - start: (w, b) where both runs start.
    - steps: number of gradient steps.
    - w_range, b_range: the window shown.
    - grid: (n_w, n_b) points of the drawn surface.

    Returns:
    - plotly Figure: a contour of log10 loss, the line of the cliff, the
      unclipped path, the clipped path and the start point. Each path's
      legend entry gives its longest step and its "late loss", the median
      loss over its last 50 steps.
    """
    go = _go()
    if method not in ("norm", "value"):
        raise ValueError(f"method: expected 'norm' or 'value', got {method!r}")
    w = np.linspace(w_range[0], w_range[1], grid[0])  # (n_w,)
    b = np.linspace(b_range[0], b_range[1], grid[1])  # (n_b,)
    L = clipping.cliff_loss(w[None, :], b[:, None])  # (n_b, n_w)
    z = np.round(np.log10(np.maximum(L, 1e-3)), 2)
    start = (float(start[0]), float(start[1]))
    paths = {"plain": _cliff_path(start, float(lr), int(steps), None, None),
             "clipped": _cliff_path(start, float(lr), int(steps), method, float(threshold))}
    labels = {"plain": "no clipping", "clipped": f"{method} clipping, c = {threshold:g}"}
    thin = 0.01 * (w_range[1] - w_range[0])

    data = [dict(type="contour", x=np.round(w, 3).tolist(), y=np.round(b, 3).tolist(),
                 z=z.tolist(), colorscale="Viridis", contours=dict(start=-3, end=2.5, size=0.25),
                 line=dict(width=0.3), colorbar=dict(title=dict(text="log10 loss")),
                 hovertemplate="w=%{x:.2f}<br>b=%{y:.2f}<br>log10 L=%{z}<extra></extra>",
                 name="loss")]
    wall_w, wall_b = _cliff_wall_line(tuple(map(float, w_range)), tuple(map(float, b_range)))
    data.append(dict(type="scatter", x=wall_w, y=wall_b, mode="lines", hoverinfo="skip",
                     line=dict(color=_COLORS["wall"], width=2, dash="dash"),
                     name="the cliff (x<sub>T</sub> jumps)"))
    for name, path in paths.items():
        finite = path[np.all(np.isfinite(path), axis=1)]
        late = float(np.median(clipping.cliff_loss(finite[-50:, 0], finite[-50:, 1])))  # last 50 steps
        longest = float(np.max(np.linalg.norm(np.diff(finite, axis=0), axis=1), initial=0.0))
        p = np.round(_thin_path(path, thin), 3)
        data.append(dict(type="scatter", x=p[:, 0].tolist(), y=p[:, 1].tolist(),
                         mode="lines+markers", marker=dict(size=4, color=_COLORS[name]),
                         line=dict(color=_COLORS[name], width=2),
                         name=f"{labels[name]}: longest step {longest:.2g}, late loss {late:.2g}"))
    data.append(dict(type="scatter", x=[start[0]], y=[start[1]], mode="markers",
                     marker=dict(size=11, color=_COLORS["start"], symbol="x"), name="start"))
    layout = dict(
        title=dict(text=f"{steps} steps of gradient descent, learning rate {lr:g}",
                   font=dict(size=14)),
        xaxis=dict(title=dict(text="recurrent weight w"), range=list(w_range)),
        yaxis=dict(title=dict(text="bias b"), range=list(b_range)),
        legend=dict(orientation="h", yanchor="top", y=-0.16, x=0,
                    bgcolor="rgba(200,200,200,0.6)"),
        margin=dict(l=60, r=20, t=50, b=100), height=500, font=_FONT,
    )
    return go.Figure(data=data, layout=layout)


def clipping_explorer(threshold_values: Sequence[float] = THRESHOLD_VALUES,
                      lr_values: Sequence[float] = LR_VALUES) -> Explorer:
    """Explorer (b): clipping on the loss cliff, with a slider for the threshold,
    a menu for norm or value clipping and a slider for the learning rate.

    Returns:
    - Explorer over :func:`clipping_figure`.
    """
    return Explorer(
        clipping_figure,
        [Control("threshold", list(threshold_values), label="clipping threshold c",
                 default=10.0 if 10.0 in threshold_values else None),
         Control("method", ["norm", "value"], label="clipping", default="norm"),
         Control("lr", list(lr_values), label="learning rate",
                 default=0.01 if 0.01 in lr_values else None)],
        title="Gradient descent on a loss cliff, with and without clipping",
        alt=("Contour plot of the log loss of a one-unit recurrent network over its weight w "
             "and bias b, with a sharp wall along a diagonal line. Two gradient-descent paths "
             "start at the same point: without clipping the path hits the wall and is thrown "
             "far away; with clipping it keeps small steps. Controls set the clipping threshold, "
             "norm or value clipping, and the learning rate."),
    )


# ----------------------------------------------------------------------------
# (c) gated cells next to the plain RNN (chapter 5)
# ----------------------------------------------------------------------------


def gated_flow_figure(forget_bias: float = 1.0, T: int = 100, *, H: int = 32, N: int = 32,
                      seed: int = 0, n_points: int = 26,
                      y_range: Sequence[float] = (-20.0, 0.5)):
    """Plotly figure: median ||dL/dh_{T-k}|| against k for RNN, GRU and LSTM.

    Inputs:
    - forget_bias: the LSTM's forget-gate bias b_f.
    - T: sequence length.
    - H, N, seed: passed to
      :func:`rnn_helpers.gradient_flow.gated.compare_gradient_flow`.
    - n_points: about this many evenly spaced distances per curve.
    - y_range: (low, high) of the log y axis in powers of ten (fixed, so frames compare).

    Returns:
    - plotly Figure with five traces: RNN, GRU, LSTM h, LSTM c, and the
      carousel's prediction f̄^k (mean forget gate to the power k).
    """
    cmp = gated.compare_gradient_flow(T, forget_bias, H=H, N=N, seed=seed)
    k, even = _distances(T, n_points)  # (P,) evenly spaced distances
    with np.errstate(under="ignore"):
        ref = cmp.forget_mean ** k.astype(np.float64)
    data = [
        _curve(cmp.rnn[k], even, mode="lines",
               line=dict(color=_COLORS["rnn"], width=2), name="RNN (tanh): ‖∂L/∂h<sub>t</sub>‖"),
        _curve(cmp.gru[k], even, mode="lines",
               line=dict(color=_COLORS["gru"], width=2), name="GRU: ‖∂L/∂h<sub>t</sub>‖"),
        _curve(cmp.lstm_h[k], even, mode="lines+markers",
               marker=dict(size=4), line=dict(color=_COLORS["lstm_h"], width=2.5),
               name="LSTM: ‖∂L/∂h<sub>t</sub>‖"),
        _curve(cmp.lstm_c[k], even, mode="lines",
               line=dict(color=_COLORS["lstm_c"], width=2, dash="dash"),
               name="LSTM: ‖∂L/∂c<sub>t</sub>‖ (cell state)"),
        _curve(ref, even, mode="lines",
               line=dict(color=_COLORS["ref"], width=1.5, dash="dot"),
               name="f̄<sup>k</sup> (mean forget gate to the k)"),
    ]
    d = min(50, T)
    at = cmp.at(d)
    title = (f"b<sub>f</sub> = {cmp.forget_bias:g}, mean forget gate {cmp.forget_mean:.2f}; "
             f"at distance {d}: LSTM {at['lstm_h']:.1e}, GRU {at['gru']:.1e}, "
             f"RNN {at['rnn']:.1e}")
    return _distance_figure(data, title, T, "median ‖∂L/∂h<sub>t</sub>‖  (‖∂L/∂h<sub>T</sub>‖ = 1)",
                            y_range, height=480, bottom=120)


def gated_flow_explorer(forget_biases: Sequence[float] = FORGET_BIAS_VALUES,
                        T_values: Sequence[int] = T_VALUES) -> Explorer:
    """Explorer: RNN, GRU and LSTM gradient flow, sliders for the LSTM's
    forget-gate bias and the sequence length.

    Returns:
    - Explorer over :func:`gated_flow_figure`.
    """
    forget_biases = [float(v) for v in forget_biases]
    T_values = [int(v) for v in T_values]
    return Explorer(
        gated_flow_figure,
        [Control("forget_bias", forget_biases, label="LSTM forget-gate bias b_f",
                 default=1.0 if 1.0 in forget_biases else None, fmt="g"),
         Control("T", T_values, label="sequence length T",
                 default=100 if 100 in T_values else None)],
        title="Gradient flow at initialisation: RNN, GRU and LSTM",
        alt=("Log-scale line plot of the median gradient norm against the distance from the "
             "loss for a tanh RNN, a GRU and an LSTM at PyTorch's default initialisation, with "
             "sliders for the LSTM's forget-gate bias and the sequence length. The RNN's curve "
             "falls fastest; the LSTM's hidden-state and cell-state curves fall at about the "
             "rate of the mean forget gate and flatten as the forget-gate bias grows."),
    )
