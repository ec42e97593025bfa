"""Chapter 1's explorer: a one-unit RNN whose weights the reader moves.

The state follows ``h_t = tanh(w_xh * x_t + w_hh * h_{t-1} + b)`` with
``h_0 = 0``
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
#: input weights accepted by :func:`latch_states` (the explorer fixes 4.0)
W_XH_VALUES = (0.5, 1.0, 2.0, 4.0)
#: biases offered by the explorer's second slider: a bias tilts the map
#: h -> tanh(w_hh h + b), so that with enough of it the state leaves zero
#: without a marker (a false alarm) or a marker no longer latches
B_VALUES = (-0.5, -0.25, 0.0, 0.25, 0.5)
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


def latch_states(w_hh: float, w_xh: float = 4.0, T: int = 50, markers=MARKERS,
                 b: float = 0.0) -> np.ndarray:
    """Hidden states of the one-unit RNN, computed with ``rnn_forward``.

    Inputs:
    - w_hh: recurrent weight (scalar).
    - w_xh: input weight (scalar).
    - T: sequence length.
    - markers: M marker positions (1-based) or None, as in latch_inputs.
    - b: bias (scalar).

    Returns:
    - h: array of shape (M, T), the state of each sequence at each step.
    """
    x = latch_inputs(T, markers)  # (M, T, 1)
    h0 = np.zeros((x.shape[0], 1))  # (M, 1)
    h, _ = rnn_forward(x, h0, np.array([[float(w_xh)]]), np.array([[float(w_hh)]]),
                       np.array([float(b)]))
    return h[:, :, 0]  # (M, T)


def latch_figure(w_hh: float = 2.0, b: float = 0.0, T: int = 50,
                 w_xh: float = 4.0):
    """Plotly figure of h_t against t for the three input sequences."""
    import plotly.graph_objects as go

    h = latch_states(w_hh, w_xh, T, b=b)
    t = np.arange(1, T + 1)
    names = ["no marker", "marker at step 5", "marker at step 35"]
    colors = ["#7f7f7f", "#1f77b4", "#2ca02c"]
    fig = go.Figure()
    for row, name, color in zip(h, names, colors):
        fig.add_trace(go.Scatter(x=t, y=row, mode="lines+markers", name=name,
                                 line=dict(color=color, width=2), marker=dict(size=4)))
    fig.update_layout(
        xaxis=dict(title=dict(text="time step t"), range=[0.5, T + 0.5]),
        yaxis=dict(title=dict(text="hidden state h<sub>t</sub>"), range=[-1.05, 1.05]),
        height=340, margin=dict(l=60, r=10, t=10, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        template="simple_white",
    )
    return fig


def latch_explorer() -> Explorer:
    """The explorer shown in chapter 1: sliders for w_hh and the bias b.

    The input weight stays at 4.0: any value large enough to push the state
    past the unstable point behaves the same, so a slider for it shows
    nothing new, while the bias decides whether the latch is robust.
    """
    return Explorer(
        latch_figure,
        [Control("w_hh", W_HH_VALUES, label="recurrent weight w_hh", default=2.0, fmt=".2f"),
         Control("b", B_VALUES, label="bias b", default=0.0, fmt="+.2f")],
        title="A one-unit RNN: move the weights",
        alt=("Line plot of the hidden state h_t against time step t for three input "
             "sequences (no marker, a marker at step 5, a marker at step 35); sliders "
             "set the recurrent weight w_hh and the bias b (input weight 4)."),
    )
