"""A plotly figure, as plain JSON, drawn once more with matplotlib into a PNG.

An :class:`~rnn_helpers.viz.explorer.Explorer` carries a static image of its
default frame (the same traces and layout its website script draws) for the
outputs that cannot run a script: the LaTeX/PDF edition and any front end
without widgets. Only the parts of plotly's figure format that the course's
explorers use are drawn: ``scatter`` (lines, markers, ``fill="tonexty"``
bands, ``None`` gaps), ``bar``, ``heatmap`` and ``contour`` traces; linear,
log and category axes with titles, fixed or reversed ranges; subplots placed
by their axis domains; subplot titles (paper annotations); a legend; the
title. Anything else is skipped, never guessed.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np

#: plotly's default colour sequence (used when neither trace nor template sets one)
PLOTLY_COLORWAY = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A",
                   "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52"]
_DASH = {"dash": (0, (5, 3)), "dot": (0, (1, 2)), "dashdot": (0, (5, 2, 1, 2)),
         "longdash": (0, (8, 3)), "solid": "-"}
_TAG = re.compile(r"<(sub|sup)>(.*?)</\1>", re.DOTALL)


def plain_text(text: Any) -> str:
    """Plotly's label markup as matplotlib text.

    Inputs:
    - text: a label, possibly with ``<sub>``/``<sup>``/``<br>`` markup, or a
      plotly title dict ``{"text": ...}`` or None.

    Returns:
    - str: subscripts and superscripts as mathtext (``h<sub>t</sub>`` ->
      ``$h_{t}$``), ``<br>`` as a line break, other tags removed.
    """
    if isinstance(text, dict):
        text = text.get("text")
    if not text:
        return ""
    text = str(text).replace("$", r"\$")

    def script(m):
        mark = "_" if m.group(1) == "sub" else "^"
        body = m.group(2).replace(" ", r"\ ")
        return f"${{}}{mark}{{\\mathregular{{{body}}}}}$"

    text = _TAG.sub(script, text)
    text = re.sub(r"<br\s*/?>", "\n", text)
    return re.sub(r"<[^>]+>", "", text)


def _array(values) -> np.ndarray:
    """A plotly data array (lists with None gaps) as float, NaN for None."""
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _cmap(colorscale, name: str):
    from matplotlib.colors import LinearSegmentedColormap

    if isinstance(colorscale, list) and colorscale and isinstance(colorscale[0], list):
        stops = [(float(s), c) for s, c in colorscale]
        return LinearSegmentedColormap.from_list(name, stops)
    return "viridis"


def _color(value, default):
    """A plotly colour string (hex, name, ``rgb(...)``/``rgba(...)``) for matplotlib."""
    if not isinstance(value, str):
        return default
    m = re.fullmatch(r"rgba?\(([^)]*)\)", value.replace(" ", ""))
    if m:
        parts = [float(p) for p in m.group(1).split(",")]
        rgb = [p / 255 for p in parts[:3]]
        return tuple(rgb + ([parts[3]] if len(parts) > 3 else []))
    return value


def _axis_keys(ref: str, prefix: str) -> str:
    """``"x2"`` -> ``"xaxis2"``; ``None``/``"x"`` -> ``"xaxis"``."""
    ref = ref or prefix
    return prefix + "axis" + ref[len(prefix):]


def _draw_trace(ax, trace: dict, color, previous: dict | None, categories: dict):
    kind = trace.get("type") or "scatter"
    name = trace.get("name")
    show = trace.get("showlegend", True) is not False and bool(name)
    label = plain_text(name) if show else None
    if kind in ("scatter", "scattergl"):
        y = trace.get("y")
        if y is None:
            return
        x = trace.get("x", list(range(len(y))))
        if any(isinstance(v, str) for v in x):
            x = [categories.setdefault(v, len(categories)) for v in x]
        x, y = _array(x), _array(y)
        mode = trace.get("mode", "lines")
        line = trace.get("line") or {}
        lc = _color(line.get("color"), color)
        if trace.get("fill") == "tonexty" and previous is not None:
            fc = _color(trace.get("fillcolor"), lc)
            ax.fill_between(x, previous["y"], y, color=fc, alpha=0.25 if
                            trace.get("fillcolor") is None else None, lw=0, label=label)
            label = None
        width = line.get("width", 2)
        if "lines" in mode and width:
            ax.plot(x, y, color=lc, lw=0.75 * float(width),
                    ls=_DASH.get(line.get("dash"), "-"), label=label)
            label = None
        if "markers" in mode:
            marker = trace.get("marker") or {}
            mc = marker.get("color", lc)
            mc = [_color(c, color) for c in mc] if isinstance(mc, list) else _color(mc, color)
            size = float(marker.get("size", 6))
            edge = _color((marker.get("line") or {}).get("color"), "none")
            ax.scatter(x, y, s=(0.75 * size) ** 2, c=mc, edgecolors=edge,
                       linewidths=0.5, zorder=3, label=label)
        return {"y": y}
    if kind == "bar":
        x, y = trace.get("x"), trace.get("y")
        if x is None or y is None:
            return
        pos = [categories.setdefault(v, len(categories)) for v in x]
        mc = (trace.get("marker") or {}).get("color", color)
        mc = [_color(c, color) for c in mc] if isinstance(mc, list) else _color(mc, color)
        ax.bar(pos, _array(y), color=mc, label=label, width=0.8)
        return {"y": _array(y)}
    if kind in ("heatmap", "contour"):
        z = np.array([[np.nan if v is None else v for v in row] for row in trace["z"]],
                     dtype=float)
        ny, nx = z.shape
        x = _array(trace.get("x", list(range(nx))))
        y = _array(trace.get("y", list(range(ny))))
        cmap = _cmap(trace.get("colorscale"), f"{kind}-scale")
        vmin, vmax = trace.get("zmin"), trace.get("zmax")
        if kind == "heatmap":
            ax.pcolormesh(x, y, z, cmap=cmap, vmin=vmin, vmax=vmax, shading="nearest",
                          edgecolors="white" if trace.get("xgap") else "none",
                          linewidth=0.5 if trace.get("xgap") else 0)
        else:
            levels = (trace.get("contours") or {})
            n = int(trace.get("ncontours", 15))
            if {"start", "end", "size"} <= set(levels):
                n = np.arange(levels["start"], levels["end"] + levels["size"] / 2,
                              levels["size"])
            ax.contourf(x, y, z, levels=n, cmap=cmap, vmin=vmin, vmax=vmax)
        return None
    return None


def _apply_axis(ax, which: str, axis: dict, categories: dict):
    set_label = ax.set_xlabel if which == "x" else ax.set_ylabel
    set_scale = ax.set_xscale if which == "x" else ax.set_yscale
    set_lim = ax.set_xlim if which == "x" else ax.set_ylim
    set_label(plain_text(axis.get("title")), fontsize=8)
    log = axis.get("type") == "log"
    if log:
        set_scale("log")
    rng = axis.get("range")
    if rng and len(rng) == 2 and None not in rng and axis.get("autorange") not in (True,):
        lo, hi = (10 ** float(v) for v in rng) if log else (float(v) for v in rng)
        set_lim(lo, hi)
    elif axis.get("autorange") == "reversed":
        (ax.invert_xaxis if which == "x" else ax.invert_yaxis)()
    if categories and which == "x":
        names = sorted(categories, key=categories.get)
        ax.set_xticks(range(len(names)), [plain_text(n) for n in names])


def figure_png(fig: dict, *, width: int | None = None, height: int | None = None,
               dpi: int = 100, colorway=None) -> bytes:
    """
    Draw a plotly figure (plain JSON) with matplotlib and encode it as PNG.

    Inputs:
    - fig: dict with "data" (list of trace dicts) and "layout" (dict), as in
      :meth:`Explorer.frames`; typed arrays already decoded to lists.
    - width, height: figure size in CSS pixels, as plotly's layout gives it
      (default: the layout's, else 700 x 450).
    - dpi: 100 gives a PNG of width x height pixels; 200 one twice as
      sharp (2 width x 2 height) with the same layout.
    - colorway: colours for traces without one (default: the layout's or
      plotly's).

    Returns:
    - bytes of a PNG image, (width x height) * dpi / 100 pixels, in 8-bit
      palette colour.
    """
    # a bare Figure (Agg canvas), not pyplot: switching the backend here would
    # turn off the notebook's inline figures for every later cell
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    if not isinstance(fig, dict) or not isinstance(fig.get("data"), list):
        raise ValueError("fig must be a dict with a 'data' list of traces")  # noqa: TRY004 (the course raises ValueError)
    layout = fig.get("layout") or {}
    width = int(layout.get("width") or 700) if width is None else int(width)
    height = int(layout.get("height") or 450) if height is None else int(height)
    if width <= 0 or height <= 0 or dpi <= 0:
        raise ValueError(f"width, height and dpi must be positive, got {width}, {height}, {dpi}")
    colorway = list(colorway or layout.get("colorway") or PLOTLY_COLORWAY)
    figure = Figure(figsize=(width / 100, height / 100), dpi=dpi)
    FigureCanvasAgg(figure)
    try:
        margin = layout.get("margin") or {}
        left = margin.get("l", 70) / width
        right = 1 - margin.get("r", 30) / width
        bottom = margin.get("b", 55) / height
        top = 1 - margin.get("t", 55) / height
        axes: dict = {}
        categories: dict = {}

        def axes_for(trace):
            xk = _axis_keys(trace.get("xaxis"), "x")
            yk = _axis_keys(trace.get("yaxis"), "y")
            if (xk, yk) not in axes:
                xd = (layout.get(xk) or {}).get("domain", [0, 1])
                yd = (layout.get(yk) or {}).get("domain", [0, 1])
                box = [left + xd[0] * (right - left), bottom + yd[0] * (top - bottom),
                       (xd[1] - xd[0]) * (right - left), (yd[1] - yd[0]) * (top - bottom)]
                ax = figure.add_axes(box)
                ax.tick_params(labelsize=7)
                axes[(xk, yk)] = ax
                categories[(xk, yk)] = {}
            return (xk, yk)

        previous = {}
        for i, trace in enumerate(fig["data"]):
            if not isinstance(trace, dict) or trace.get("visible") is False:
                continue
            key = axes_for(trace)
            drawn = _draw_trace(axes[key], trace, colorway[i % len(colorway)],
                                previous.get(key), categories[key])
            if drawn is not None:
                previous[key] = drawn
        if not axes:  # a figure without traces still gets its axes
            axes_for({})
        for (xk, yk), ax in axes.items():
            _apply_axis(ax, "x", layout.get(xk) or {}, categories[(xk, yk)])
            _apply_axis(ax, "y", layout.get(yk) or {}, {})
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
        first = next(iter(axes.values()))
        handles, labels = [], []
        for ax in axes.values():
            h, lab = ax.get_legend_handles_labels()
            handles += h
            labels += lab
        if handles and layout.get("showlegend", True) is not False:
            first.legend(handles, labels, fontsize=7, frameon=False, loc="best")
        for note in layout.get("annotations") or []:
            if note.get("xref") == "paper" and note.get("yref") == "paper" and note.get("text"):
                figure.text(left + float(note.get("x", 0.5)) * (right - left),
                            bottom + float(note.get("y", 1)) * (top - bottom),
                            plain_text(note["text"]), ha="center", va="bottom", fontsize=8)
        title = plain_text(layout.get("title"))
        if title:
            figure.suptitle(title, fontsize=9)
        buf = io.BytesIO()
        figure.savefig(buf, format="png", dpi=dpi)
    finally:
        figure.clear()
    # a palette of 128 colours keeps the image small (a few tens of KB)
    image = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(out, format="png",
                                                                    optimize=True)
    return out.getvalue()


def png_size(data: bytes) -> tuple:
    """(width, height) in pixels of a PNG, read from its header.

    Raises ValueError when ``data`` is not a PNG.
    """
    if not isinstance(data, (bytes, bytearray)) or data[:8] != b"\x89PNG\r\n\x1a\n" \
            or data[12:16] != b"IHDR":
        raise ValueError("data must be the bytes of a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


__all__ = ["PLOTLY_COLORWAY", "figure_png", "plain_text", "png_size"]
