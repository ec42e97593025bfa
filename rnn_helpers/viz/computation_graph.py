"""The unrolled computational graph of an RNN, with forward and backward arrows.

:func:`draw_bptt_graph` draws the graph that backpropagation through time
differentiates: inputs x_t (blue), hidden states h_t (orange), outputs o_t
(green) and per-step losses l_t (purple), joined by the *forward* arrows that
compute values (dark grey) and, running the other way, the *backward* arrows
that carry gradients (red). Options show one loss's gradient paths only,
and the cuts of truncated BPTT, where the forward arrow survives but the
backward one is removed (``h.detach()`` in PyTorch).

Every arrow and cut is a matplotlib artist with a ``gid`` ("forward",
"backward", "backward-faded", "cut"), so tests and notebooks can count them.
Nothing is shown or saved; importing this module has no side effects. The
boxes, arrows and colours are the drawing primitives of
:mod:`rnn_helpers.viz.diagrams`.
"""

from __future__ import annotations

from typing import Iterable, Optional

from matplotlib.lines import Line2D

from rnn_helpers.viz.diagrams import COLORS, arrow, box, new_axes

__all__ = ["GRAPH_COLORS", "draw_bptt_graph"]

#: Colours of the loss nodes and of the two kinds of arrow.
GRAPH_COLORS = {
    "loss": COLORS["loss"],
    "forward": COLORS["arrow"],
    "backward": "#dc2626",
    "cut": "#6b7280",
}

_W, _H = 0.8, 0.6  # box width and height (data units)
_OFF = 0.13  # sideways offset separating a forward arrow from its backward twin


def _box(ax, x, y, text, kind, gid):
    box(ax, x, y, text, kind, w=_W, h=_H, gid=gid)


def _arrow(ax, start, end, color, gid, alpha=1.0, lw=1.5):
    return arrow(ax, start, end, color=color, gid=gid, alpha=alpha,
                 linewidth=lw, mutation_scale=13)


def draw_bptt_graph(
    T: int = 4,
    *,
    ax=None,
    backward: bool = True,
    source: Optional[int] = None,
    cuts: Iterable[int] = (),
    weight_labels: bool = True,
    grad_labels: bool = True,
    title: Optional[str] = None,
):
    """
    Draw an RNN unrolled over T steps with forward and backward (gradient) arrows.

    Columns are time steps t = 1..T, preceded by the initial state h_0. Rows,
    bottom to top: x_t, h_t, o_t, l_t; the total loss is L = l_1 + ... + l_T.
    Forward arrows: x_t -> h_t, h_{t-1} -> h_t, h_t -> o_t, o_t -> l_t. Backward
    arrows run against them: l_t -> o_t, o_t -> h_t and h_t -> h_{t-1}, the
    paths along which dL/dh_t is assembled.

    Inputs:
    - T: Integer number of steps, 1 <= T <= 10
    - ax: Matplotlib Axes to draw into, or None for a new figure
    - backward: If True, draw the backward arrows
    - source: None to draw the gradients of every loss l_t; an integer
      1 <= source <= T to draw only the paths from l_source back to h_0 (or to
      the first cut before it), other backward arrows faded
    - cuts: Integers c with 1 <= c < T; a cut after step c removes the
      backward arrow h_{c+1} -> h_c (truncated BPTT). The forward arrow stays:
      the state is still carried forward, only the gradient stops
    - weight_labels: If True, label forward arrows with their weight matrix
      and backward arrows with the transposed matrix they multiply by
    - grad_labels: If True, write dL/dh_t in red under every hidden state
      (with ``source``, dl_source/dh_t on the highlighted path only)
    - title: Optional title string

    Returns a tuple of:
    - fig: The matplotlib Figure
    - ax: The Axes holding the drawing (axis lines hidden)
    """
    if isinstance(T, bool) or not isinstance(T, int) or not 1 <= T <= 10:
        raise ValueError(f"T: expected an int between 1 and 10, got {T!r}")
    cuts = sorted(set(cuts))
    for c in cuts:
        if isinstance(c, bool) or not isinstance(c, int) or not 1 <= c < T:
            raise ValueError(f"cuts: expected integers c with 1 <= c < T = {T}, got {c!r}")
    if source is not None and (
        isinstance(source, bool) or not isinstance(source, int) or not 1 <= source <= T
    ):
        raise ValueError(f"source: expected None or an int between 1 and T = {T}, got {source!r}")

    step = 2.4
    y_x, y_h, y_o, y_l = 0.0, 1.9, 3.7, 5.3
    width = step * (T + 1)
    fig, ax = new_axes(ax, figsize=(0.6 * width + 1.2, 4.9))
    fwd, bwd = GRAPH_COLORS["forward"], GRAPH_COLORS["backward"]

    # which backward arrows lie on a highlighted path
    if source is None:
        first_on_path = 0
    else:
        earlier = [c for c in cuts if c < source]
        first_on_path = max(earlier) if earlier else 0  # h index where the path stops

    def on_path_vertical(t):
        return source is None or t == source

    def on_path_horizontal(t):  # the arrow h_t -> h_{t-1}
        if source is None:
            return True
        return first_on_path < t <= source

    def wlabel(x, y, text, color, ha="center", fontsize=9):
        if weight_labels:
            ax.text(x, y, text, ha=ha, va="center", fontsize=fontsize, color=color, zorder=3)

    xs = [step * t for t in range(T + 1)]  # column centres; xs[0] holds h_0
    _box(ax, xs[0], y_h, r"$h_0$", "muted", gid="node-h0")
    for t in range(1, T + 1):
        xc = xs[t]
        _box(ax, xc, y_x, rf"$x_{{{t}}}$", "input", gid="node-x")
        _box(ax, xc, y_h, rf"$h_{{{t}}}$", "hidden", gid="node-h")
        _box(ax, xc, y_o, rf"$o_{{{t}}}$", "output", gid="node-o")
        _box(ax, xc, y_l, rf"$l_{{{t}}}$", "loss", gid="node-l")

        # forward: bottom to top on the left of the column, and h_{t-1} -> h_t
        _arrow(ax, (xc, y_x + _H / 2), (xc, y_h - _H / 2), fwd, "forward")
        _arrow(ax, (xc - _OFF, y_h + _H / 2), (xc - _OFF, y_o - _H / 2), fwd, "forward")
        _arrow(ax, (xc - _OFF, y_o + _H / 2), (xc - _OFF, y_l - _H / 2), fwd, "forward")
        _arrow(ax, (xs[t - 1] + _W / 2, y_h + _OFF), (xc - _W / 2, y_h + _OFF), fwd, "forward")
        wlabel(xc - 0.2, (y_x + y_h) / 2, r"$W_{xh}$", fwd, ha="right")
        wlabel(xc - _OFF - 0.08, (y_h + y_o) / 2, r"$W_{hq}$", fwd, ha="right")
        shift = -0.35 if (t - 1) in cuts else 0.0  # keep the label off a cut line
        wlabel((xs[t - 1] + xc) / 2 + shift, y_h + _OFF + 0.25, r"$W_{hh}$", fwd)

        if not backward:
            continue
        # backward: top to bottom on the right of the column, and h_t -> h_{t-1}
        vert = on_path_vertical(t)
        gid, alpha = ("backward", 1.0) if vert else ("backward-faded", 0.18)
        _arrow(ax, (xc + _OFF, y_l - _H / 2), (xc + _OFF, y_o + _H / 2), bwd, gid, alpha)
        _arrow(ax, (xc + _OFF, y_o - _H / 2), (xc + _OFF, y_h + _H / 2), bwd, gid, alpha)
        if vert:
            wlabel(xc + _OFF + 0.06, (y_h + y_o) / 2,
                   rf"$W_{{hq}}^{{\top}}\partial l_{{{t}}}/\partial o_{{{t}}}$", bwd, ha="left",
                   fontsize=8)
        if (t - 1) in cuts:
            continue  # the backward arrow h_t -> h_{t-1} is cut
        horiz = on_path_horizontal(t)
        gid, alpha = ("backward", 1.0) if horiz else ("backward-faded", 0.18)
        _arrow(ax, (xc - _W / 2, y_h - _OFF), (xs[t - 1] + _W / 2, y_h - _OFF), bwd, gid, alpha)
        if horiz:
            wlabel((xs[t - 1] + xc) / 2, y_h - _OFF - 0.3, rf"$W_{{hh}}^{{\top}}\delta_{{{t}}}$", bwd)

    if backward and grad_labels:
        for t in range(1, T + 1):
            if source is None:
                text = rf"$\partial L/\partial h_{{{t}}}$"
            elif first_on_path < t <= source:
                text = rf"$\partial l_{{{source}}}/\partial h_{{{t}}}$"
            else:
                continue
            # attached to the node h_t by a short leader from its lower right
            # corner, well clear of the x_t -> h_t edge (the gradient belongs
            # to the state, not to that edge)
            x_lab, y_lab = xs[t] + _W / 2 + 0.08, y_h - _H / 2 - 0.42
            leader = Line2D([xs[t] + _W / 2 - 0.04, x_lab + 0.02],
                            [y_h - _H / 2 + 0.02, y_lab + 0.12], color=bwd, lw=0.8,
                            zorder=3)
            leader.set_gid("grad-label-leader")
            ax.add_line(leader)
            ax.text(x_lab, y_lab, text, ha="left", va="center",
                    fontsize=9, color=bwd, zorder=3, gid="grad-label")

    for c in cuts:
        xcut = (xs[c] + xs[c + 1]) / 2
        line = Line2D([xcut, xcut], [y_x - 0.45, y_l + 0.45], color=GRAPH_COLORS["cut"],
                      linestyle=(0, (5, 3)), linewidth=1.6, zorder=0)
        line.set_gid("cut")
        ax.add_line(line)
        ax.text(xcut, y_l + 0.6, "detach", ha="center", va="bottom", fontsize=9,
                color=GRAPH_COLORS["cut"], style="italic")
        if backward:
            ax.text(xcut, y_h - _OFF, "\u2715", ha="center", va="center", fontsize=12,
                    color=bwd, zorder=3)

    # time axis and the total loss
    y_time = y_x - 0.8
    arrow(ax, (xs[1] - 0.6, y_time), (xs[T] + 0.7, y_time), color=fwd,
          linewidth=1.2, mutation_scale=13, gid="time")
    ax.text(xs[T] + 0.8, y_time, "time", ha="left", va="center", fontsize=10)
    terms = " + ".join(rf"l_{{{t}}}" for t in range(1, T + 1)) if T <= 5 else r"l_1 + \dots + l_T"
    ax.text((xs[1] + xs[T]) / 2, y_l + (1.25 if cuts else 0.75), rf"$L = {terms}$",
            ha="center", va="center", fontsize=11, color=GRAPH_COLORS["loss"][1])

    handles = [Line2D([], [], color=fwd, lw=1.5, label="forward: computes values")]
    if backward:
        handles.append(Line2D([], [], color=bwd, lw=1.5, label="backward: carries gradients"))
    if cuts:
        handles.append(Line2D([], [], color=GRAPH_COLORS["cut"], lw=1.5, ls=(0, (5, 3)),
                              label="truncation: no gradient crosses"))
    ax.legend(handles=handles, loc="upper center", fontsize=9, frameon=False,
              bbox_to_anchor=(0.5, 0.0), ncol=len(handles))

    top = y_l + (1.6 if cuts else 1.1)
    ax.set_xlim(xs[0] - 0.7, xs[T] + 1.5)
    ax.set_ylim(y_time - 0.4, top)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return fig, ax
