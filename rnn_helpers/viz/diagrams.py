"""Matplotlib drawings of recurrent networks for the course's figures.

Every function draws into new (or given) axes and returns ``(fig, ax)`` (or
``(fig, axes)`` for several panels). Nothing is shown or saved: the notebook
displays the figure. Importing this module has no side effects.

The drawings share one visual language: inputs are blue boxes at the bottom,
hidden states orange boxes in the middle, outputs green boxes at the top;
arrows carry the name of the weight matrix they apply.

Functions:

- :func:`draw_unrolled_rnn`: the folded cell with its loop, and the same cell
  unrolled over T steps with shared weights.
- :func:`draw_io_patterns`: one-to-one, one-to-many, many-to-one and the
  aligned and unaligned many-to-many patterns.
- :func:`draw_fixed_window`: a feed-forward net that sees only the last k
  inputs of a sequence.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

__all__ = ["COLORS", "draw_unrolled_rnn", "draw_io_patterns", "draw_fixed_window"]

#: Face and edge colours of the three kinds of node.
COLORS = {
    "input": ("#dbeafe", "#1d4ed8"),
    "hidden": ("#fde68a", "#b45309"),
    "output": ("#dcfce7", "#15803d"),
    "muted": ("#f3f4f6", "#9ca3af"),
    "marker": ("#fee2e2", "#b91c1c"),
    "arrow": "#374151",
}

_BOX_W, _BOX_H = 0.8, 0.6


def _new_axes(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax


def _box(ax, x, y, text, kind, *, w=_BOX_W, h=_BOX_H, fontsize=12):
    """Draw a rounded box centred at (x, y) with `text` inside; return the patch."""
    face, edge = COLORS[kind]
    patch = FancyBboxPatch(
        (x - w / 2, y - h / 2), w, h,
        boxstyle="round,pad=0.02,rounding_size=0.12",
        facecolor=face, edgecolor=edge, linewidth=1.6, zorder=2,
    )
    patch.set_gid(kind)
    ax.add_patch(patch)
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=3)
    return patch


def _arrow(ax, start, end, *, label=None, label_offset=(0.0, 0.0), color=None,
           connectionstyle="arc3", linestyle="-", fontsize=10, gid="arrow"):
    """Draw an arrow from `start` to `end` (data coordinates), optionally labelled."""
    arrow = FancyArrowPatch(
        start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.4,
        color=color or COLORS["arrow"], connectionstyle=connectionstyle,
        linestyle=linestyle, shrinkA=0, shrinkB=0, zorder=1,
    )
    arrow.set_gid(gid)
    ax.add_patch(arrow)
    if label:
        mx = (start[0] + end[0]) / 2 + label_offset[0]
        my = (start[1] + end[1]) / 2 + label_offset[1]
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize,
                color=color or COLORS["arrow"], zorder=3)
    return arrow


def _finish(ax, xlim, ylim):
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
    fig, ax = _new_axes(ax, figsize=(1.15 * width + 0.8, 4.2 if outputs else 3.1))
    lab = (lambda s: s) if weight_labels else (lambda s: None)

    if folded:
        _box(ax, x0, y_x, r"$x_t$", "input")
        _box(ax, x0, y_h, r"$h_t$", "hidden")
        _arrow(ax, (x0, y_x + _BOX_H / 2), (x0, y_h - _BOX_H / 2),
               label=lab(r"$W_{xh}$"), label_offset=(-0.38, 0))
        if outputs:
            _box(ax, x0, y_o, r"$o_t$", "output")
            _arrow(ax, (x0, y_h + _BOX_H / 2), (x0, y_o - _BOX_H / 2),
                   label=lab(r"$W_{hq}$"), label_offset=(-0.38, 0))
        # the loop: leave h_t on the right, come back on the right, a delay of one step
        _arrow(ax, (x0 + _BOX_W / 2, y_h + 0.16), (x0 + _BOX_W / 2, y_h - 0.16),
               connectionstyle="arc,angleA=0,angleB=0,armA=40,armB=40,rad=8", gid="loop")
        if weight_labels:
            ax.text(x0 + 1.3, y_h, r"$W_{hh}$", ha="left", va="center",
                    fontsize=10, color=COLORS["arrow"])
        ax.text(x0 + 2.25, y_h, "=", ha="center", va="center", fontsize=24)
        x0 += 3.2

    prev = None
    if initial_state:
        _box(ax, x0, y_h, r"$h_0$", "muted")
        prev = (x0, y_h)
        x0 += step
    for t in range(1, T + 1):
        xc = x0 + (t - 1) * step
        _box(ax, xc, y_x, rf"$x_{{{t}}}$", "input")
        _box(ax, xc, y_h, rf"$h_{{{t}}}$", "hidden")
        _arrow(ax, (xc, y_x + _BOX_H / 2), (xc, y_h - _BOX_H / 2),
               label=lab(r"$W_{xh}$"), label_offset=(-0.38, 0), fontsize=9)
        if outputs:
            _box(ax, xc, y_o, rf"$o_{{{t}}}$", "output")
            _arrow(ax, (xc, y_h + _BOX_H / 2), (xc, y_o - _BOX_H / 2),
                   label=lab(r"$W_{hq}$"), label_offset=(-0.38, 0), fontsize=9)
        if prev is not None:
            _arrow(ax, (prev[0] + _BOX_W / 2, y_h), (xc - _BOX_W / 2, y_h),
                   label=lab(r"$W_{hh}$"), label_offset=(0, 0.22), fontsize=9)
        prev = (xc, y_h)
    x_end = x0 + (T - 1) * step
    # time axis under the unrolled part
    y_time = y_x - 0.75
    _arrow(ax, (x0 - 0.5, y_time), (x_end + 0.6, y_time), gid="time")
    ax.text(x_end + 0.7, y_time, "time", ha="left", va="center", fontsize=10)
    if weight_labels:
        ax.text((x0 + x_end) / 2, y_time - 0.4,
                "the same weights at every step", ha="center", va="center",
                fontsize=10, style="italic")
    top = (y_o if outputs else y_h) + 0.7
    _finish(ax, (-0.9, x_end + 1.5), (y_time - 0.7, top))
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
        _box(ax, xc, y_h, "", "hidden", w=0.6, h=0.45)
        if inputs[i]:
            _box(ax, xc, y_x, "", "input", w=0.6, h=0.45)
            _arrow(ax, (xc, y_x + 0.225), (xc, y_h - 0.225))
        if outputs[i]:
            _box(ax, xc, y_o, "", "output", w=0.6, h=0.45)
            _arrow(ax, (xc, y_h + 0.225), (xc, y_o - 0.225))
        if prev is not None:
            _arrow(ax, (prev + 0.3, y_h), (xc - 0.3, y_h))
        prev = xc
    # in generation the previous output is usually fed back into the next step
    if title == "one-to-many":
        for i in range(1, n):
            _arrow(ax, ((i - 1) * step + 0.3, y_o - 0.1), (i * step - 0.3, y_h + 0.12),
                   color=COLORS["muted"][1], linestyle="--", gid="feedback")
    ax.set_title(title, fontsize=11)
    ax.text((n - 1) * step / 2, -0.45, application, ha="center", va="top", fontsize=9)
    _finish(ax, (-0.55, (n - 1) * step + 0.55), (-1.25, 2.75))


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
    fig, ax = _new_axes(ax, figsize=(0.62 * (T * step + 1.6), 3.2))
    first = T - k + 1
    for t in range(1, T + 1):
        xc = (t - 1) * step
        kind = "marker" if t == marker else ("input" if t >= first else "muted")
        _box(ax, xc, 0.0, rf"$x_{{{t}}}$", kind, w=0.7, h=0.55, fontsize=10)
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
    _box(ax, xm, 1.6, "MLP", "hidden", w=1.2, h=0.6, fontsize=11)
    _arrow(ax, (xm, 0.45), (xm, 1.3))
    _box(ax, xm, 2.7, r"$\hat y$", "output", w=0.7, h=0.55, fontsize=11)
    _arrow(ax, (xm, 1.9), (xm, 2.42))
    ax.text(left - 0.2, 0.75, f"window of k = {k}", ha="right", va="center", fontsize=10, color="#b45309")
    _finish(ax, (-0.6, (T - 1) * step + 0.6), (-0.95, 3.15))
    return fig, ax
