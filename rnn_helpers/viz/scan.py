"""Chapter 11's explorer: the levels of a parallel scan, one after another.

A scan over T steps combines blocks of steps with the associative operator
of :mod:`rnn_helpers.numpy_rnn.scan`. :func:`scan_figure` draws the state
after a given level (a pure function, used by both front ends):

- top: the data-flow network, one row per level and one column per
  position; a line from (s, level k - 1) to (t, level k) means that
  position t combined the block held by position s into its own at level
  k (the current level in colour, the earlier ones in grey);
- bottom: which steps every position holds after that level, a T x T grid
  (row t, column s filled when step s has been folded into position t);
  a row is complete when it holds steps 1..t, its prefix.

:func:`scan_explorer` wraps it in an :class:`~rnn_helpers.viz.explorer.Explorer`
with a slider over the levels, for the Hillis-Steele or the Blelloch scan.
The pattern itself comes from :func:`rnn_helpers.numpy_rnn.scan.scan_pattern`,
which the tests replay numerically against the loop.
"""

from __future__ import annotations

from typing import Any, List

import numpy as np

from rnn_helpers.numpy_rnn.scan import SCAN_METHODS, scan_pattern
from rnn_helpers.viz.explorer import Control, Explorer

__all__ = ["METHOD_NAMES", "coverage_matrix", "scan_figure", "scan_explorer"]

#: Display names of the scan methods.
METHOD_NAMES = {"hillis_steele": "Hillis–Steele", "blelloch": "Blelloch"}

_FONT = dict(size=13)
_COLORS = {"current": "#d62728", "earlier": "#9e9e9e", "through": "#e0e0e0",
           "done": "#2ca02c", "partial": "#1f77b4", "empty": "#ffffff", "pad": "#bdbdbd"}


def coverage_matrix(cover: np.ndarray, T: int) -> np.ndarray:
    """Which steps every position holds, as a grid.

    Inputs:
    - cover: int array of shape (P, 2), first and last step of each
      position's block (:func:`scan_pattern`); first > last means empty
    - T: number of real steps (P - T positions are padding)

    Returns:
    - grid: float array of shape (P, T): 0 = not held, 1 = held, 2 = held
      and the row is its complete prefix (steps 0..t for position t < T)
    """
    P = cover.shape[0]
    grid = np.zeros((P, T))
    steps = np.arange(T)
    for t, (first, last) in enumerate(cover):
        held = (steps >= first) & (steps <= last)
        complete = t < T and first == 0 and last == t
        grid[t, held] = 2.0 if complete else 1.0
    return grid


def _segments(pairs, y0: float, y1: float):
    """x and y lists for line segments (src, y0) -> (dst, y1), separated by None."""
    xs: List[Any] = []
    ys: List[Any] = []
    for src, dst in pairs:
        xs += [src + 1, dst + 1, None]
        ys += [y0, y1, None]
    return xs, ys


def scan_figure(level: int = 1, method: str = "hillis_steele", T: int = 16):
    """Plotly figure of a scan over T steps after ``level`` of its levels.

    Inputs:
    - level: 0 (the input) up to the number of levels; larger values show the last
    - method: "hillis_steele" or "blelloch"
    - T: number of steps, 2 <= T <= 64

    Returns:
    - plotly.graph_objects.Figure with two panels (network, coverage grid)
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if method not in SCAN_METHODS:
        raise ValueError(f"method: expected one of {SCAN_METHODS}, got {method!r}")
    if isinstance(T, bool) or not isinstance(T, (int, np.integer)) or not 2 <= T <= 64:
        raise ValueError(f"T: expected an integer in 2..64, got {T!r}")
    levels = scan_pattern(int(T), method)
    k = int(min(max(int(level), 0), len(levels) - 1))
    P = levels[0]["cover"].shape[0]
    n_levels = len(levels)

    cover = levels[k]["cover"]
    done = int(sum(1 for t in range(T) if cover[t][0] == 0 and cover[t][1] == t))
    fig = make_subplots(rows=2, cols=1, row_heights=[0.5, 0.5], vertical_spacing=0.15,
                        subplot_titles=(f"{METHOD_NAMES[method]}: {levels[k]['name']}",
                                        f"steps held by each position: {done} of {T} "
                                        "prefixes complete (green)"))
    # network: pass-through lines, earlier and current combinations
    through_x: List[Any] = []
    through_y: List[Any] = []
    earlier_x: List[Any] = []
    earlier_y: List[Any] = []
    for j in range(1, k + 1):
        for t in range(P):
            through_x += [t + 1, t + 1, None]
            through_y += [j - 1, j, None]
        if j < k:
            xs, ys = _segments(levels[j]["pairs"] + [(d, s) for s, d in levels[j]["swaps"]], j - 1, j)
            earlier_x += xs
            earlier_y += ys
    cur_pairs = levels[k]["pairs"] + [(d, s) for s, d in levels[k]["swaps"]] if k > 0 else []
    cur_x, cur_y = _segments(cur_pairs, k - 1, k)
    fig.add_trace(go.Scatter(x=through_x, y=through_y, mode="lines", hoverinfo="skip",
                             line=dict(color=_COLORS["through"], width=1), name="keeps its value"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=earlier_x, y=earlier_y, mode="lines", hoverinfo="skip",
                             line=dict(color=_COLORS["earlier"], width=1.5), name="earlier levels"),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=cur_x, y=cur_y, mode="lines", hoverinfo="skip",
                             line=dict(color=_COLORS["current"], width=2.5), name="this level"),
                  row=1, col=1)
    # nodes of the current level, coloured by what they hold
    colors, texts = [], []
    for t, (first, last) in enumerate(cover):
        if first > last:
            colors.append(_COLORS["pad"] if t >= T else _COLORS["empty"])
            texts.append(f"position {t + 1}: nothing (identity)")
        else:
            full = first == 0 and last == t
            colors.append(_COLORS["done"] if full else _COLORS["partial"])
            texts.append(f"position {t + 1}: steps {first + 1}..{last + 1}")
    fig.add_trace(go.Scatter(x=list(range(1, P + 1)), y=[k] * P, mode="markers", text=texts,
                             hovertemplate="%{text}<extra></extra>", name="positions",
                             marker=dict(size=9, color=colors, line=dict(color="#424242", width=1))),
                  row=1, col=1)
    # coverage grid
    grid = coverage_matrix(cover, int(T))[:T]  # (T, T); padding rows left out
    fig.add_trace(go.Heatmap(z=grid.tolist(), x=list(range(1, T + 1)), y=list(range(1, T + 1)),
                             zmin=0, zmax=2, showscale=False, xgap=1, ygap=1,
                             colorscale=[[0.0, "#f5f5f5"], [0.33, "#f5f5f5"], [0.34, _COLORS["partial"]],
                                         [0.66, _COLORS["partial"]], [0.67, _COLORS["done"]],
                                         [1.0, _COLORS["done"]]],
                             hovertemplate="position %{y}, step %{x}<extra></extra>"),
                  row=2, col=1)
    fig.update_xaxes(title_text="position t", range=[0.4, P + 0.6], dtick=1 if P <= 16 else 4,
                     row=1, col=1)
    fig.update_yaxes(title_text="level", range=[n_levels - 0.5, -0.5], dtick=1, row=1, col=1)
    fig.update_xaxes(title_text="step s (input)", dtick=1 if T <= 16 else 4, row=2, col=1)
    fig.update_yaxes(title_text="position t", autorange="reversed", dtick=1 if T <= 16 else 4,
                     row=2, col=1)
    fig.update_layout(
        height=720, margin=dict(l=60, r=20, t=60, b=50), font=_FONT, template="simple_white",
        legend=dict(orientation="h", yanchor="bottom", y=1.04, x=0),
    )
    return fig


def scan_explorer(method: str = "hillis_steele", T: int = 16) -> Explorer:
    """The explorer of chapter 11: a slider over the levels of one scan.

    Inputs:
    - method: "hillis_steele" or "blelloch"
    - T: number of steps, 2 <= T <= 64

    Returns:
    - Explorer with one slider, ``level`` (0 = the input).
    """
    if method not in SCAN_METHODS:
        raise ValueError(f"method: expected one of {SCAN_METHODS}, got {method!r}")
    n = len(scan_pattern(int(T), method))

    def figure(level: int) -> Any:
        return scan_figure(level, method, T)

    return Explorer(
        figure,
        [Control("level", list(range(n)), label="level of the scan", default=1, fmt="d")],
        title=f"The {METHOD_NAMES[method]} scan over T = {T} steps: move through its levels",
        alt=(f"Two panels for the {METHOD_NAMES[method]} scan over {T} steps. Top: a network with "
             "one row per level and one column per position; lines show which positions were "
             "combined at each level, the current level in red. Bottom: a grid whose row t "
             "marks the input steps that position t holds after the chosen level, green when "
             "the row holds its whole prefix 1..t. A slider chooses the level."),
    )
