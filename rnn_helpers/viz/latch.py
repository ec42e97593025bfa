"""Chapter 1's explorer: a one-unit RNN whose weights the reader moves.

The state follows ``h_t = tanh(w_xh * x_t + w_hh * h_{t-1})`` with ``h_0 = 0``
on three fixed input sequences of length T (no marker, a marker early, a
marker late). :func:`latch_figure` draws it for given weights (a pure
function, used by both front ends); :func:`latch_explorer` wraps it in an
:class:`rnn_helpers.viz.explorer.Explorer` (live sliders in JupyterLab,
precomputed frames on the website).
"""

from __future__ import annotations

import numpy as np

from rnn_helpers.viz.explorer import Control, Explorer
from rnn_helpers.numpy_rnn import rnn_forward

#: recurrent weights offered by the slider (includes the chapter's latch, 2.0)
W_HH_VALUES = tuple(np.round(np.arange(-1.5, 3.01, 0.25), 2).tolist())
#: input weights offered by the slider
W_XH_VALUES = (0.5, 1.0, 2.0, 4.0)
MARKERS = (None, 5, 35)


def latch_inputs(T: int = 50, markers=MARKERS) -> np.ndarray:
    """Input sequences with at most one marker each.

    Inputs:
    - T: sequence length (> max marker position).
    - markers: sequence of M marker positions (1-based) or None for no marker.

    Returns:
    - x: array of shape (M, T, 1), 1.0 at each marker, 0.0 elsewhere.
    """
    x = np.zeros((len(markers), T, 1))  # (M, T, 1)
    for i, t in enumerate(markers):
        if t is not None:
            if not 1 <= t <= T:
                raise ValueError(f"markers: position {t} outside 1..{T}")
            x[i, t - 1, 0] = 1.0
    return x


def latch_states(w_hh: float, w_xh: float, T: int = 50, markers=MARKERS) -> np.ndarray:
    """Hidden states of the one-unit RNN, computed with ``rnn_forward``.

    Returns:
    - h: array of shape (M, T), the state of each sequence at each step.
    """
    x = latch_inputs(T, markers)  # (M, T, 1)
    h0 = np.zeros((x.shape[0], 1))  # (M, 1)
    h, _ = rnn_forward(x, h0, np.array([[float(w_xh)]]), np.array([[float(w_hh)]]), np.zeros(1))
    return h[:, :, 0]  # (M, T)


def latch_figure(w_hh: float = 2.0, w_xh: float = 4.0, T: int = 50):
    """Plotly figure of h_t against t for the three input sequences."""
    import plotly.graph_objects as go

    h = latch_states(w_hh, w_xh, T)
    t = np.arange(1, T + 1)
    names = ["no marker", "marker at step 5", "marker at step 35"]
    colors = ["#7f7f7f", "#1f77b4", "#2ca02c"]
    fig = go.Figure()
    for row, name, color in zip(h, names, colors):
        fig.add_trace(go.Scatter(x=t, y=row, mode="lines+markers", name=name,
                                 line=dict(color=color, width=2), marker=dict(size=4)))
    fig.update_layout(
        xaxis=dict(title=dict(text="time step t"), range=[0.5, T + 0.5]),
        yaxis=dict(title=dict(text="hidden state h_t"), range=[-1.05, 1.05]),
        height=340, margin=dict(l=60, r=10, t=10, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        template="simple_white",
    )
    return fig


def latch_explorer() -> Explorer:
    """The explorer shown in chapter 1: sliders for w_hh and w_xh."""
    return Explorer(
        latch_figure,
        [Control("w_hh", W_HH_VALUES, label="recurrent weight w_hh", default=2.0, fmt=".2f"),
         Control("w_xh", W_XH_VALUES, label="input weight w_xh", default=4.0, fmt="g")],
        title="A one-unit RNN: move the weights",
        alt=("Line plot of the hidden state h_t against time step t for three input "
             "sequences (no marker, a marker at step 5, a marker at step 35); sliders "
             "set the recurrent weight w_hh and the input weight w_xh."),
    )
