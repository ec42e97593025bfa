"""Matplotlib drawings of recurrent networks for the course's figures.

Every ``draw_*`` function draws into new (or given) axes and returns
``(fig, ax)`` (or ``(fig, axes)`` for several panels). Nothing is shown or
saved: the notebook displays the figure. Importing this module has no side
effects.

The drawings share one visual language: inputs are blue boxes at the bottom,
hidden states orange boxes in the middle, outputs green boxes at the top;
arrows carry the name of the weight matrix they apply.

Drawing primitives (one set, also used by
:mod:`rnn_helpers.viz.computation_graph`); each adds one artist to ``ax``,
tags it with a ``gid`` so tests can count it, and returns it:

- :data:`COLORS`: face and edge colours of the kinds of node, and the arrows'.
- :func:`box`: a rounded box with a label; :func:`circle`: a pointwise
  operation; :func:`arrow`: an arrow, optionally labelled; :func:`line`: a
  polyline; :func:`label`: a text; :func:`new_axes`, :func:`finish`.

Drawings:

- :func:`draw_unrolled_rnn`: the folded cell with its loop, and the same cell
  unrolled over T steps with shared weights.
- :func:`draw_io_patterns`: one-to-one, one-to-many, many-to-one and the
  aligned and unaligned many-to-many patterns.
- :func:`draw_fixed_window`: a feed-forward net that sees only the last k
  inputs of a sequence.
- :func:`draw_lstm_cell`: one LSTM step, the cell-state line and four gates.

The primitives and the drawings are one module of about 500 lines on
purpose: every figure is built from the same few documented primitives, so
that a change of the visual language is made in one place.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Patch

__all__ = [
    "COLORS",
    "box",
    "circle",
    "arrow",
    "line",
    "label",
    "new_axes",
    "finish",
    "draw_unrolled_rnn",
    "draw_io_patterns",
    "draw_fixed_window",
    "draw_lstm_cell",
    "draw_gru_cell",
]

#: Face and edge colours of the kinds of node, and the colour of arrows.
COLORS = {
    "input": ("#dbeafe", "#1d4ed8"),
    "hidden": ("#fde68a", "#b45309"),
    "output": ("#dcfce7", "#15803d"),
    "loss": ("#ede9fe", "#6d28d9"),
    "muted": ("#f3f4f6", "#9ca3af"),
    "marker": ("#fee2e2", "#b91c1c"),
    "frame": ("#fafafa", "#d1d5db"),
    "arrow": "#374151",
}

_BOX_W, _BOX_H = 0.8, 0.6


def new_axes(ax=None, figsize=None):
    """
    The figure and axes to draw into.

    Inputs:
    - ax: Matplotlib Axes, or None for a new figure
    - figsize: (width, height) in inches of a new figure

    Returns a tuple of:
    - fig: The matplotlib Figure
    - ax: The Axes
    """
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax


def box(ax, x, y, text, kind, *, w=_BOX_W, h=_BOX_H, fontsize=12, gid=None,
        rounding=0.12, linewidth=1.6, zorder=2):
    """
    Draw a rounded box centred at (x, y) with ``text`` inside.

    Inputs:
    - ax: Matplotlib Axes
    - x, y: Floats, the centre in data coordinates
    - text: String (may be empty) written in the box
    - kind: A key of :data:`COLORS` (its face and edge colours)
    - w, h: Floats, width and height in data units
    - fontsize: Float, the text's size in points
    - gid: String tag of the patch (default: ``kind``)
    - rounding: Float, radius of the rounded corners in data units
    - linewidth: Float, width of the edge in points
    - zorder: Float, drawing order (the text goes one above)

    Returns:
    - patch: The FancyBboxPatch
    """
    face, edge = COLORS[kind]
    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h,
        boxstyle=f"round,pad=0.02,rounding_size={rounding}",
        facecolor=face, edgecolor=edge, linewidth=linewidth, zorder=zorder,
    )
    patch.set_gid(kind if gid is None else gid)
    ax.add_patch(patch)
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize,
                zorder=zorder + 1)
    return patch


def circle(ax, x, y, text, *, radius=0.24, fontsize=13, gid="op", zorder=3):
    """
    Draw a pointwise operation: a white circle at (x, y) with ``text`` in it.

    Inputs:
    - ax: Matplotlib Axes
    - x, y: Floats, the centre in data coordinates
    - text: String, the operation (e.g. "×", "+")
    - radius: Float, in data units
    - fontsize: Float, in points
    - gid: String tag of the patch
    - zorder: Float, drawing order (the text goes one above)

    Returns:
    - patch: The Circle
    """
    patch = Circle((x, y), radius, facecolor="white", edgecolor=COLORS["arrow"],
                   linewidth=1.4, zorder=zorder)
    patch.set_gid(gid)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize,
            zorder=zorder + 1)
    return patch


def arrow(ax, start, end, *, label=None, label_offset=(0.0, 0.0), color=None,
          connectionstyle="arc3", linestyle="-", fontsize=10, gid="arrow",
          linewidth=1.4, mutation_scale=14, alpha=1.0, zorder=1):
    """
    Draw an arrow from ``start`` to ``end`` (data coordinates).

    Inputs:
    - ax: Matplotlib Axes
    - start, end: (x, y) pairs of floats
    - label: Optional string written at the middle of the arrow
    - label_offset: (dx, dy) shift of the label in data units
    - color: Colour of the arrow and its label (default: ``COLORS["arrow"]``)
    - connectionstyle, linestyle: As for matplotlib's FancyArrowPatch
    - fontsize: Float, the label's size in points
    - gid: String tag of the patch
    - linewidth, mutation_scale, alpha, zorder: As for FancyArrowPatch

    Returns:
    - patch: The FancyArrowPatch
    """
    color = color or COLORS["arrow"]
    patch = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=mutation_scale,
        linewidth=linewidth, color=color, connectionstyle=connectionstyle,
        linestyle=linestyle, alpha=alpha, shrinkA=0, shrinkB=0, zorder=zorder,
    )
    patch.set_gid(gid)
    ax.add_patch(patch)
    if label:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize,
                color=color, zorder=zorder + 2)
    return patch


def line(ax, points, *, color=None, linewidth=1.5, gid="line", zorder=1):
    """
    Draw a polyline through ``points`` (no arrow head).

    Inputs:
    - ax: Matplotlib Axes
    - points: Sequence of (x, y) pairs, at least two
    - color: Colour (default: ``COLORS["arrow"]``)
    - linewidth: Float, in points
    - gid: String tag of the line
    - zorder: Float, drawing order

    Returns:
    - line: The Line2D
    """
    xs, ys = zip(*points)
    (artist,) = ax.plot(xs, ys, color=color or COLORS["arrow"], lw=linewidth,
                        zorder=zorder, solid_capstyle="round")
    artist.set_gid(gid)
    return artist


def label(ax, x, y, text, *, fontsize=10, color="black", ha="center",
          va="center", **kwargs):
    """
    Write ``text`` at (x, y) in data coordinates.

    Inputs:
    - ax: Matplotlib Axes
    - x, y: Floats
    - text: String
    - fontsize: Float, in points
    - color: Colour of the text
    - ha, va: Horizontal and vertical alignment
    - kwargs: Further keyword arguments of ``Axes.text`` (style, zorder, ...)

    Returns:
    - text: The matplotlib Text
    """
    return ax.text(x, y, text, ha=ha, va=va, fontsize=fontsize, color=color,
                   **kwargs)


def finish(ax, xlim, ylim):
    """Set the limits, an equal aspect ratio and hide the axis lines."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_unrolled_rnn(T=4, *, ax=None, folded=True, outputs=True, initial_state=True,
                      weight_labels=True, title=None):
    """
    Draw a recurrent cell folded (with its loop) and unrolled over T steps.

    Inputs:
    - T: Integer number of time steps to unroll, 1 <= T <= 12
    - ax: Matplotlib Axes to draw into, or None for a new figure
    - folded: If True, draw the folded cell with its self-loop and an '=' sign
      to the left of the unrolled network
    - outputs: If True, draw the outputs o_t and the matrix W_hq
    - initial_state: If True, draw the initial state h_0
    - weight_labels: If True, label every arrow with its weight matrix
    - title: Optional title string

    Returns a tuple of:
    - fig: The matplotlib Figure
    - ax: The Axes holding the drawing (axis lines are hidden: a diagram has no axes)
    """
    if not isinstance(T, int) or not 1 <= T <= 12:
        raise ValueError(f"T: expected an int between 1 and 12, got {T!r}")
    step = 1.7
    y_x, y_h, y_o = 0.0, 1.6, 3.2
    x0 = 0.0
    width = (3.2 if folded else 0.0) + (step if initial_state else 0.0) + step * T
    fig, ax = new_axes(ax, figsize=(1.15 * width + 0.8, 4.2 if outputs else 3.1))
    lab = (lambda s: s) if weight_labels else (lambda s: None)

    if folded:
        box(ax, x0, y_x, r"$x_t$", "input")
        box(ax, x0, y_h, r"$h_t$", "hidden")
        arrow(ax, (x0, y_x + _BOX_H / 2), (x0, y_h - _BOX_H / 2),
               label=lab(r"$W_{xh}$"), label_offset=(-0.38, 0))
        if outputs:
            box(ax, x0, y_o, r"$o_t$", "output")
            arrow(ax, (x0, y_h + _BOX_H / 2), (x0, y_o - _BOX_H / 2),
                   label=lab(r"$W_{hq}$"), label_offset=(-0.38, 0))
        # the loop: leave h_t on the right, come back on the right, a delay of one step
        arrow(ax, (x0 + _BOX_W / 2, y_h + 0.16), (x0 + _BOX_W / 2, y_h - 0.16),
               connectionstyle="arc,angleA=0,angleB=0,armA=40,armB=40,rad=8", gid="loop")
        if weight_labels:
            ax.text(x0 + 1.3, y_h, r"$W_{hh}$", ha="left", va="center",
                    fontsize=10, color=COLORS["arrow"])
        ax.text(x0 + 2.25, y_h, "=", ha="center", va="center", fontsize=24)
        x0 += 3.2

    prev = None
    if initial_state:
        box(ax, x0, y_h, r"$h_0$", "muted")
        prev = (x0, y_h)
        x0 += step
    for t in range(1, T + 1):
        xc = x0 + (t - 1) * step
        box(ax, xc, y_x, rf"$x_{{{t}}}$", "input")
        box(ax, xc, y_h, rf"$h_{{{t}}}$", "hidden")
        arrow(ax, (xc, y_x + _BOX_H / 2), (xc, y_h - _BOX_H / 2),
               label=lab(r"$W_{xh}$"), label_offset=(-0.38, 0), fontsize=9)
        if outputs:
            box(ax, xc, y_o, rf"$o_{{{t}}}$", "output")
            arrow(ax, (xc, y_h + _BOX_H / 2), (xc, y_o - _BOX_H / 2),
                   label=lab(r"$W_{hq}$"), label_offset=(-0.38, 0), fontsize=9)
        if prev is not None:
            arrow(ax, (prev[0] + _BOX_W / 2, y_h), (xc - _BOX_W / 2, y_h),
                   label=lab(r"$W_{hh}$"), label_offset=(0, 0.22), fontsize=9)
        prev = (xc, y_h)
    x_end = x0 + (T - 1) * step
    # time axis under the unrolled part
    y_time = y_x - 0.75
    arrow(ax, (x0 - 0.5, y_time), (x_end + 0.6, y_time), gid="time")
    ax.text(x_end + 0.7, y_time, "time", ha="left", va="center", fontsize=10)
    if weight_labels:
        ax.text((x0 + x_end) / 2, y_time - 0.4,
                "the same weights at every step", ha="center", va="center",
                fontsize=10, style="italic")
    top = (y_o if outputs else y_h) + 0.7
    finish(ax, (-0.9, x_end + 1.5), (y_time - 0.7, top))
    if title:
        ax.set_title(title)
    return fig, ax


_PATTERNS = (
    # name, inputs per column, outputs per column, example application
    ("one-to-one", (1,), (1,), "image classification\n(no recurrence)"),
    ("one-to-many", (1, 0, 0, 0), (1, 1, 1, 1), "image captioning,\nmusic generation"),
    ("many-to-one", (1, 1, 1, 1), (0, 0, 0, 1), "sentiment analysis,\nname \u2192 language"),
    ("many-to-many, aligned", (1, 1, 1, 1), (1, 1, 1, 1),
     "tagging words, labelling\nframes, language modelling"),
    ("many-to-many, unaligned", (1, 1, 1, 0, 0, 0), (0, 0, 0, 1, 1, 1),
     "translation\n(encoder\u2013decoder)"),
)


def _draw_pattern(ax, inputs, outputs, title, application, *, step=1.1):
    """Draw one input/output pattern into `ax` (hidden states in every column)."""
    y_x, y_h, y_o = 0.0, 1.2, 2.4
    n = len(inputs)
    prev = None
    for i in range(n):
        xc = i * step
        box(ax, xc, y_h, "", "hidden", w=0.6, h=0.45)
        if inputs[i]:
            box(ax, xc, y_x, "", "input", w=0.6, h=0.45)
            arrow(ax, (xc, y_x + 0.225), (xc, y_h - 0.225))
        if outputs[i]:
            box(ax, xc, y_o, "", "output", w=0.6, h=0.45)
            arrow(ax, (xc, y_h + 0.225), (xc, y_o - 0.225))
        if prev is not None:
            arrow(ax, (prev + 0.3, y_h), (xc - 0.3, y_h))
        prev = xc
    # in generation the previous output is usually fed back into the next step
    if title == "one-to-many":
        for i in range(1, n):
            arrow(ax, ((i - 1) * step + 0.3, y_o - 0.1), (i * step - 0.3, y_h + 0.12),
                   color=COLORS["muted"][1], linestyle="--", gid="feedback")
    ax.set_title(title, fontsize=11)
    ax.text((n - 1) * step / 2, -0.45, application, ha="center", va="top", fontsize=9)
    finish(ax, (-0.55, (n - 1) * step + 0.55), (-1.25, 2.75))


def draw_io_patterns(*, figsize=None):
    """
    Draw the five input/output patterns of recurrent networks, two rows of panels.

    Row one: one-to-one, one-to-many, many-to-one. Row two: many-to-many with
    aligned inputs and outputs, and many-to-many unaligned (an encoder reads
    the whole input before a decoder writes the output). Each panel names an
    application under it. All panels use the same scale, so a box has the same
    size everywhere.

    Inputs:
    - figsize: Optional (width, height) in inches

    Returns a tuple of:
    - fig: The matplotlib Figure
    - axes: List of the 5 Axes, in the order above; each Axes title is the pattern's name
    """
    step = 1.1
    unit = 0.62  # inches per data unit
    panel_h = 4.0  # data units: from -1.25 to 2.75
    gap_x, gap_y, margin = 0.55, 0.35, 0.15  # inches
    rows = (_PATTERNS[:3], _PATTERNS[3:])
    widths = [[((len(p[1]) - 1) * step + 1.1) * unit for p in row] for row in rows]
    fig_w = max(sum(w) + gap_x * (len(w) - 1) for w in widths) + 2 * margin
    fig_h = 2 * panel_h * unit + gap_y + 2 * margin + 0.35
    if figsize is None:
        figsize = (fig_w, fig_h)
    fig = plt.figure(figsize=figsize)
    axes = []
    for r, (row, row_widths) in enumerate(zip(rows, widths)):
        row_w = sum(row_widths) + gap_x * (len(row_widths) - 1)
        left = (fig_w - row_w) / 2
        bottom = margin + 0.35 + (1 - r) * (panel_h * unit + gap_y)
        for (title, inputs, outputs, application), w in zip(row, row_widths):
            ax = fig.add_axes([left / fig_w, bottom / fig_h, w / fig_w, panel_h * unit / fig_h])
            _draw_pattern(ax, inputs, outputs, title, application, step=step)
            axes.append(ax)
            left += w + gap_x
    handles = [
        Patch(facecolor=COLORS[k][0], edgecolor=COLORS[k][1], label=label)
        for k, label in (("input", "input $x_t$"), ("hidden", "hidden state $h_t$"),
                         ("output", "output $o_t$"))
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False, fontsize=10)
    return fig, axes


def draw_fixed_window(T=10, k=3, *, marker=2, ax=None):
    """
    Draw a fixed-window feed-forward network reading the last k of T inputs.

    Inputs:
    - T: Integer sequence length, 2 <= T <= 20
    - k: Integer window length, 1 <= k <= T
    - marker: Integer position (1-based) to highlight as the informative input,
      or None for no highlight
    - ax: Matplotlib Axes to draw into, or None for a new figure

    Returns a tuple of:
    - fig: The matplotlib Figure
    - ax: The Axes holding the drawing
    """
    if not isinstance(T, int) or not 2 <= T <= 20:
        raise ValueError(f"T: expected an int between 2 and 20, got {T!r}")
    if not isinstance(k, int) or not 1 <= k <= T:
        raise ValueError(f"k: expected an int between 1 and T={T}, got {k!r}")
    step = 0.9
    fig, ax = new_axes(ax, figsize=(0.62 * (T * step + 1.6), 3.2))
    first = T - k + 1
    for t in range(1, T + 1):
        xc = (t - 1) * step
        kind = "marker" if t == marker else ("input" if t >= first else "muted")
        box(ax, xc, 0.0, rf"$x_{{{t}}}$", kind, w=0.7, h=0.55, fontsize=10)
        if t == marker:
            ax.text(xc, -0.62, "marker", ha="center", va="center", fontsize=9,
                    color=COLORS["marker"][1])
    left, right = (first - 1) * step - 0.45, (T - 1) * step + 0.45
    window = FancyBboxPatch((left, -0.42), right - left, 0.84,
                            boxstyle="round,pad=0.02,rounding_size=0.1",
                            fill=False, edgecolor="#b45309", linestyle="--", linewidth=1.4)
    window.set_gid("window")
    ax.add_patch(window)
    xm = (left + right) / 2
    box(ax, xm, 1.6, "MLP", "hidden", w=1.2, h=0.6, fontsize=11)
    arrow(ax, (xm, 0.45), (xm, 1.3))
    box(ax, xm, 2.7, r"$\hat y$", "output", w=0.7, h=0.55, fontsize=11)
    arrow(ax, (xm, 1.9), (xm, 2.42))
    ax.text(left - 0.2, 0.75, f"window of k = {k}", ha="right", va="center", fontsize=10, color="#b45309")
    finish(ax, (-0.6, (T - 1) * step + 0.6), (-0.95, 3.15))
    return fig, ax


#: Colour of the LSTM's cell-state line (the constant error carousel).
_CELL_COLOR = "#b45309"


# Pieces of the gated-cell drawings (draw_lstm_cell, draw_gru_cell): one
# frame, the state line along the top, the row of gate boxes, the upward
# output branch and the key below, drawn on the same grid.

def _cell_frame(ax):
    """The rounded frame around a cell drawing (gid "frame")."""
    box(ax, 4.25, 1.775, "", "frame", w=7.4, h=4.25, rounding=0.3,
        linewidth=1.2, zorder=0, gid="frame")


def _state_line(ax, name, add_x, gid):
    """
    The thick state line along the top of a cell drawing, at y = 3.3.

    The old state enters on the left, is scaled at x = 2.5 (a "×" circle),
    receives a sum at x = add_x (a "+" circle) and leaves on the right.

    Inputs:
    - ax: Matplotlib Axes
    - name: TeX letter of the state: "c" (LSTM) or "h" (GRU)
    - add_x: x position of the "+" circle, between 2.5 and 8.2
    - gid: gid of the three line segments
    """
    color = _CELL_COLOR
    label(ax, 0.0, 3.3, f"${name}_{{t-1}}$", fontsize=14)
    label(ax, 8.55, 3.3, f"${name}_t$", fontsize=14)
    line(ax, [(0.35, 3.3), (2.26, 3.3)], color=color, linewidth=3, gid=gid)
    line(ax, [(2.74, 3.3), (round(add_x - 0.24, 2), 3.3)], color=color,
         linewidth=3, gid=gid)
    arrow(ax, (round(add_x + 0.24, 2), 3.3), (8.2, 3.3), color=color,
          linewidth=3, zorder=2, gid=gid)
    circle(ax, 2.5, 3.3, "×")
    circle(ax, add_x, 3.3, "+")


def _gate_row(ax, gates):
    """
    Gate boxes at y = 1.2 (gid "gate"), each fed from the line at y = 0.2.

    Inputs:
    - ax: Matplotlib Axes
    - gates: Sequence of (x, text, kind) triples, kind a key of COLORS
    """
    for gx, text, kind in gates:
        box(ax, gx, 1.2, text, kind, w=0.8, h=0.75, zorder=3, gid="gate")
        arrow(ax, (gx, 0.2), (gx, 0.82), linewidth=1.5, zorder=2)


def _output_branch(ax, x, y0):
    """h_t leaving upwards at x from height y0, labelled "h_t (output)"."""
    line(ax, [(x, y0), (x, 4.4)])
    arrow(ax, (x, 4.3), (x, 4.55), linewidth=1.5, zorder=2)
    label(ax, x, 4.75, "$h_t$ (output)", fontsize=11, va="baseline")


def _cell_key(ax, ops):
    """The key under a cell drawing (ops: its elementwise symbols), and the limits."""
    label(ax, 6.0, -0.95,
          f"σ: sigmoid gate, values in (0, 1)    {ops}: elementwise",
          fontsize=9, color="#4b5563", va="baseline")
    finish(ax, (-0.5, 9.0), (-1.3, 5.1))


def draw_lstm_cell(*, ax=None, figsize=(8.5, 5.6)):
    """
    Draw one LSTM step: the cell-state line on top, the four gates below.

    The cell state runs left to right: c_{t-1} is scaled by the forget gate,
    the product of the input gate and the candidate is added, and c_t leaves
    on the right ("constant error carousel"). The gates f_t, i_t, g_t, o_t
    (boxes, sigma or tanh) all read h_{t-1} and x_t; h_t = o_t * tanh(c_t)
    leaves on the right and upwards. Pointwise operations are circles.

    Inputs:
    - ax: Matplotlib Axes to draw into, or None for a new figure
    - figsize: (width, height) in inches of a new figure

    Returns a tuple of:
    - fig: The matplotlib Figure
    - ax: The Axes holding the drawing (axis lines hidden). The gates are
      patches with gid "gate", the operations gid "op", the cell-state line
      segments gid "cell-state"
    """
    fig, ax = new_axes(ax, figsize=figsize)
    cell = _CELL_COLOR
    _cell_frame(ax)
    # the cell state: c_{t-1} -> (x f_t) -> (+ i_t g_t) -> c_t
    _state_line(ax, "c", 4.5, "cell-state")
    label(ax, 3.5, 3.7, "constant error carousel", fontsize=9, color=cell,
          style="italic", va="baseline")
    # the gates, all fed by h_{t-1} and x_t
    label(ax, 0.0, 0.2, "$h_{t-1}$", fontsize=14)
    label(ax, 1.3, -0.95, "$x_t$", fontsize=14)
    line(ax, [(0.35, 0.2), (5.8, 0.2)])
    line(ax, [(1.3, -0.7), (1.3, 0.2)])
    gates = [(2.5, "$f_t$\n$\\sigma$", "marker"),
             (3.6, "$i_t$\n$\\sigma$", "marker"),
             (4.7, "$g_t$\ntanh", "input"),
             (5.8, "$o_t$\n$\\sigma$", "marker")]
    _gate_row(ax, gates)
    arrow(ax, (2.5, 1.58), (2.5, 3.06), linewidth=1.5, zorder=2)  # f_t * c
    circle(ax, 4.15, 2.35, "×")  # i_t * g_t ...
    line(ax, [(3.6, 1.58), (3.6, 2.35), (3.91, 2.35)])
    line(ax, [(4.7, 1.58), (4.7, 2.35), (4.39, 2.35)])
    arrow(ax, (4.15, 2.59), (4.42, 3.07), linewidth=1.5, zorder=2)  # ... + c
    # h_t = o_t * tanh(c_t)
    line(ax, [(6.9, 3.3), (6.9, 2.45)], color=cell, linewidth=2)
    box(ax, 6.9, 2.15, "tanh", "input", w=0.75, h=0.5, zorder=3)
    circle(ax, 6.9, 1.2, "×")
    arrow(ax, (6.9, 1.9), (6.9, 1.46), linewidth=1.5, zorder=2)
    arrow(ax, (6.2, 1.2), (6.66, 1.2), linewidth=1.5, zorder=2)
    arrow(ax, (7.14, 1.2), (8.2, 1.2), linewidth=1.5, zorder=2)
    label(ax, 8.55, 1.2, "$h_t$", fontsize=14)
    _output_branch(ax, 7.6, 1.2)
    _cell_key(ax, "×, +")
    return fig, ax


def draw_gru_cell(*, ax=None, figsize=(8.5, 5.6)):
    """
    Draw one GRU step (PyTorch's reset-after form), with the primitives of
    :func:`draw_lstm_cell`.

    The state runs along the top: h_{t-1} is scaled by the update gate z_t,
    (1 - z_t) n_t is added, and h_t leaves on the right and upwards. The gates
    z_t and r_t (sigmoid boxes) and the candidate n_t (tanh) all read h_{t-1}
    and x_t; the reset gate scales the candidate's recurrent part,
    r_t * (W_hn h_{t-1} + b_hn). Pointwise operations are circles.

    Inputs and returns as for :func:`draw_lstm_cell` (ax and figsize; a
    tuple fig, ax), except that the state line's segments have gid "state".
    """
    fig, ax = new_axes(ax, figsize=figsize)
    state = _CELL_COLOR
    _cell_frame(ax)
    # the state: h_{t-1} -> (x z_t) -> (+ (1 - z_t) n_t) -> h_t
    _state_line(ax, "h", 4.9, "state")
    label(ax, 3.7, 3.7, "identity path where $z_t \\approx 1$", fontsize=9,
          color=state, style="italic", va="baseline")
    # h_{t-1} also feeds the gates, from below
    line(ax, [(0.9, 3.3), (0.9, 0.2), (4.9, 0.2)])
    label(ax, 1.5, -0.95, "$x_t$", fontsize=14)
    line(ax, [(1.5, -0.7), (1.5, 0.2)])
    gates = [(2.5, "$z_t$\n$\\sigma$", "marker"),
             (3.6, "$r_t$\n$\\sigma$", "marker"),
             (4.9, "$n_t$\ntanh", "input")]
    _gate_row(ax, gates)
    # the reset gate scales the candidate's recurrent part
    arrow(ax, (4.0, 1.2), (4.5, 1.2), linewidth=1.5, zorder=2)
    label(ax, 6.3, 0.55, "$r_t \\odot (W_{hn}h_{t-1} + b_{hn})$",
          fontsize=9, color="#4b5563")
    # z_t * h_{t-1}, and (1 - z_t) * n_t
    arrow(ax, (2.5, 1.58), (2.5, 3.06), linewidth=1.5, zorder=2)
    circle(ax, 3.6, 2.35, "1−")
    line(ax, [(2.5, 2.35), (3.36, 2.35)])
    circle(ax, 4.9, 2.35, "×")
    line(ax, [(3.84, 2.35), (4.66, 2.35)])
    arrow(ax, (4.9, 1.58), (4.9, 2.11), linewidth=1.5, zorder=2)
    arrow(ax, (4.9, 2.59), (4.9, 3.06), linewidth=1.5, zorder=2)
    # h_t is also the output
    _output_branch(ax, 7.2, 3.3)
    _cell_key(ax, "×, +, 1−")
    return fig, ax
