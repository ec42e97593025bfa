"""Figures a reader can move: live in JupyterLab, kernel-free on the website.

One mechanism, one plotting function, two front ends
------------------------------------------------------
An :class:`Explorer` wraps a *figure function* ``figure_fn(**params) ->
plotly.graph_objects.Figure`` and a list of :class:`Control` s, each with a
finite grid of values. The same ``figure_fn`` draws both front ends, so they
can never disagree:

- **JupyterLab (live)**: :meth:`Explorer.widget` builds ipywidgets
  (``SelectionSlider`` for numbers, ``Dropdown`` for labels) and redraws the
  figure in an ``Output`` when a control moves, calling ``figure_fn`` with the
  kernel.
- **Website (static)**: :meth:`Explorer.static_html` calls ``figure_fn`` once
  for every combination of control values *at build time* and writes the
  traces into the page as JSON, next to plain HTML ``<input type="range">``
  and ``<select>`` controls. A small script shipped with the site
  (``assets/explorer.js``, served once from ``_vendor/``, never inlined) swaps
  the precomputed traces in with ``Plotly.react`` when a control moves.

Displaying an explorer (the last expression of a cell) gives Jupyter a MIME
bundle with both: the widget view, which JupyterLab prefers, and the static
HTML, which the book build prefers (``nb_mime_priority_overrides`` in
``_config.yml``). The build's Sphinx extension (``book/_ext/offline_site.py``)
loads plotly.js and ``explorer.js`` on the pages that hold an explorer.

Example::

    def figure(rho, act):
        ...                       # compute, then return a go.Figure
    Explorer(figure, [Control("rho", [0.5, 0.9, 1.1], label="spectral radius"),
                      Control("act", ["tanh", "relu"], label="activation")],
             title="Gradient norm", alt="Line plot of ...")

Keep grids small: the page stores ``prod(len(values))`` frames (the
constructor refuses more than ``max_frames``, 400 by default).

Axes that hold still: ``yrange="shared"`` gives every frame the same y-range,
computed over all frames (so no curve leaves the axes and moving a slider
does not rescale the plot); ``yrange=(lo, hi)`` fixes it by hand. Labels may
write subscripts and superscripts the way the text does, ``w_hh``,
``h_{t-1}``, ``x^2``: a single letter (Latin or Greek) followed by ``_`` or
``^`` is shown as w<sub>hh</sub> on both front ends.

Reopening a saved notebook without a kernel: JupyterLab's widget renderer
(jupyterlab_widgets 3) shows "Error displaying widget: model not found" for
a widget view whose model was not saved, and it does not fall back to the
other MIME types of the output. So the live view is built to survive it:
the widget holds only the controls, and the figure is a plain output of the
cell (a plotly figure, saved with the notebook) that the controls redraw in
place. Without a kernel the figure stays as it was last drawn.

Why one module of over 400 lines: the live and the static front ends must
draw from the same figure function and the same control grid, and the MIME
bundle that carries both is one object; keeping them together keeps them
from drifting apart.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

EXPLORER_JS = Path(__file__).with_name("assets") / "explorer.js"
STATIC_MIME = "text/html"


@dataclass(frozen=True)
class Control:
    """One parameter of an explorer and the grid of values it can take.

    Inputs:
    - name: keyword argument of the figure function it feeds.
    - values: sequence of K >= 1 values (all numbers -> a slider; otherwise a
      drop-down of their ``str``).
    - label: text shown next to the control (default: ``name``).
    - default: initial value; must be one of ``values`` (default: the middle one).
    - fmt: format spec for displaying numeric values, e.g. ``".2f"``.
    """

    name: str
    values: Sequence[Any]
    label: str | None = None
    default: Any = None
    fmt: str = "g"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"Control name must be a Python identifier, got {self.name!r}")
        values = list(self.values)
        if not values:
            raise ValueError(f"Control {self.name!r}: values must not be empty")
        if len(set(map(repr, values))) != len(values):
            raise ValueError(f"Control {self.name!r}: values must be distinct, got {values}")
        object.__setattr__(self, "values", tuple(values))
        if self.default is None:
            object.__setattr__(self, "default", values[len(values) // 2])
        elif not any(_same(self.default, v) for v in values):
            raise ValueError(
                f"Control {self.name!r}: default {self.default!r} is not one of its values {values}"
            )

    @property
    def numeric(self) -> bool:
        """True when every value is a real number (the control is a slider)."""
        return all(isinstance(v, (int, float, np.integer, np.floating))
                   and not isinstance(v, bool) for v in self.values)

    @property
    def default_index(self) -> int:
        return next(i for i, v in enumerate(self.values) if _same(self.default, v))

    def format(self, value) -> str:
        """How a value is shown to the reader."""
        return format(value, self.fmt) if self.numeric else str(value)


_SCRIPT = re.compile(r"(?<![\w])([A-Za-z\u0391-\u03a9\u03b1-\u03c9])([_^])"
                     r"(\{[^{}]*\}|[A-Za-z0-9\u03b1-\u03c9]+)")


def label_html(text: str) -> str:
    """A label as HTML: escaped, with math-style sub- and superscripts.

    Inputs:
    - text: plain label, e.g. ``"recurrent weight w_hh"`` or ``"h_{t-1}"``.

    Returns:
    - str of HTML in which only ``<sub>``/``<sup>`` are markup, e.g.
      ``"recurrent weight w<sub>hh</sub>"``. A name such as ``seq_len``
      (more than one letter before ``_``) is left as it is.
    """
    def repl(m):
        tag = "sub" if m.group(2) == "_" else "sup"
        body = m.group(3)
        if body.startswith("{"):
            body = body[1:-1]
        return f"{m.group(1)}<{tag}>{body}</{tag}>"

    return _SCRIPT.sub(repl, html.escape(text, quote=False))


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b or (repr(a) == repr(b))


def _round_floats(obj, digits: int):
    """Round every float in nested JSON-like data to ``digits`` significant digits."""
    if isinstance(obj, float):
        if not math.isfinite(obj) or obj == 0.0:
            return obj if math.isfinite(obj) else None
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: _round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round_floats(v, digits) for v in obj]
    return obj


def _figure_json(fig, digits: int) -> dict:
    """A plotly figure as plain JSON (lists, not base64 typed arrays)."""
    import plotly.io as pio

    data = json.loads(pio.to_json(fig, validate=False, engine="json"))
    data = _decode_typed_arrays(data)
    return _round_floats(data, digits)


def _decode_typed_arrays(obj):
    """Turn plotly's ``{"dtype": ..., "bdata": ...}`` arrays back into lists."""
    if isinstance(obj, dict):
        if set(obj) >= {"dtype", "bdata"}:
            import base64

            arr = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"]))
            if "shape" in obj:
                shape = [int(s) for s in str(obj["shape"]).split(",")]
                arr = arr.reshape(shape)
            return arr.tolist()
        return {k: _decode_typed_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_decode_typed_arrays(v) for v in obj]
    return obj


_Y_TRACE_TYPES = {None, "scatter", "scattergl", "bar"}


def _numbers(values) -> list:
    """The finite real numbers in a (possibly nested) list."""
    out = []
    for v in values if isinstance(values, (list, tuple)) else [values]:
        if isinstance(v, (list, tuple)):
            out.extend(_numbers(v))
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out.append(float(v))
    return out


def shared_yranges(frames: Sequence[dict], pad: float = 0.05) -> dict:
    """One y-range per y-axis that holds every curve of every frame.

    Inputs:
    - frames: sequence of plotly figure dicts ({"data": [...], "layout": {...}}).
    - pad: fraction of the data span added above and below.

    Returns:
    - dict mapping a layout axis key ("yaxis", "yaxis2", ...) to [lo, hi] in
      the axis' own units (log10 of the data for ``type="log"`` axes).
    """
    spans: dict[str, list] = {}
    log_axes = set()
    for frame in frames:
        layout = frame.get("layout", {})
        for trace in frame.get("data", []):
            if trace.get("type") not in _Y_TRACE_TYPES or "y" not in trace:
                continue
            ref = trace.get("yaxis") or "y"
            key = "yaxis" + ref[1:]
            ys = _numbers(trace["y"])
            if (layout.get(key) or {}).get("type") == "log":
                log_axes.add(key)
                ys = [math.log10(y) for y in ys if y > 0]
            if ys:
                lo, hi = spans.get(key, (math.inf, -math.inf))
                spans[key] = [min(lo, min(ys)), max(hi, max(ys))]
    ranges = {}
    for key, (lo, hi) in spans.items():
        span = hi - lo
        margin = pad * span if span > 0 else (abs(hi) * pad or (0.5 if key in log_axes else 1.0))
        ranges[key] = [lo - margin, hi + margin]
    return ranges


def _check_yrange(yrange):
    if yrange is None or yrange == "shared":
        return yrange
    try:
        lo, hi = (float(v) for v in yrange)
    except (TypeError, ValueError):
        raise ValueError(f'yrange must be None, "shared" or (lo, hi), got {yrange!r}') from None
    if not lo < hi:
        raise ValueError(f"yrange must have lo < hi, got {yrange!r}")
    return (lo, hi)


class Explorer:
    """A figure with controls; see the module docstring.

    Inputs:
    - figure_fn: callable ``figure_fn(**params) -> plotly.graph_objects.Figure``,
      one keyword per control. It must be a pure function of its arguments.
    - controls: sequence of :class:`Control` (at least one).
    - title: short text shown above the controls (optional).
    - alt: text alternative describing what the figure shows (required: it is
      the accessible description on the website).
    - max_frames: refuse grids with more combinations than this.
    - digits: significant digits kept in the precomputed frames.
    - yrange: None (each frame as ``figure_fn`` draws it), ``"shared"`` (one
      y-range per axis, over all frames: curves never leave the axes and the
      axes hold still), or ``(lo, hi)`` for the first y-axis.
    """

    def __init__(self, figure_fn: Callable[..., Any], controls: Sequence[Control], *,
                 alt: str, title: str | None = None, max_frames: int = 400,
                 digits: int = 5, yrange=None):
        if not callable(figure_fn):
            raise ValueError("figure_fn must be callable")
        controls = list(controls)
        if not controls or not all(isinstance(c, Control) for c in controls):
            raise ValueError("controls must be a non-empty sequence of Control")
        names = [c.name for c in controls]
        if len(set(names)) != len(names):
            raise ValueError(f"control names must be distinct, got {names}")
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError("alt must be a non-empty description of the figure")
        n_frames = math.prod(len(c.values) for c in controls)
        if n_frames > max_frames:
            raise ValueError(
                f"{n_frames} combinations of control values exceed max_frames={max_frames}; "
                "use coarser grids"
            )
        self.figure_fn = figure_fn
        self.controls = controls
        self.title = title
        self.alt = alt
        self.digits = digits
        self.n_frames = n_frames
        self.yrange = _check_yrange(yrange)
        self._frames = None
        self._png = None

    # ------------------------------------------------------------------ shared
    def defaults(self) -> dict:
        """The parameters the figure opens with."""
        return {c.name: c.default for c in self.controls}

    def figure(self, **params):
        """The figure for ``params`` (missing ones take their defaults), with
        the explorer's y-range applied."""
        unknown = set(params) - {c.name for c in self.controls}
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}")
        full = {**self.defaults(), **params}
        fig = self.figure_fn(**full)
        for key, rng in self.yranges().items():
            fig.update_layout({key: {"range": list(rng), "autorange": False}})
        return fig

    def yranges(self) -> dict:
        """Layout axis key -> [lo, hi] that every frame gets ({} for yrange=None)."""
        if self.yrange is None:
            return {}
        if self.yrange == "shared":
            return shared_yranges(list(self._raw_frames().values()))
        return {"yaxis": list(self.yrange)}

    # ------------------------------------------------------------------ static
    def _raw_frames(self) -> dict:
        """Every combination's figure as JSON, computed once (figure_fn is pure)."""
        if self._frames is None:
            frames = {}
            grids = [range(len(c.values)) for c in self.controls]
            for idx in itertools.product(*grids):
                params = {c.name: c.values[i] for c, i in zip(self.controls, idx)}
                fig = self.figure_fn(**params)
                frames["|".join(map(str, idx))] = _figure_json(fig, self.digits)
            self._frames = frames
        return self._frames

    def frames(self) -> dict:
        """Every combination's traces and layout, keyed ``"i|j|..."`` by value index.

        Returns:
        - dict mapping key -> {"data": [...], "layout": {...}} (fresh copies,
          with the explorer's y-range applied).
        """
        frames = json.loads(json.dumps(self._raw_frames()))
        ranges = self.yranges()
        for frame in frames.values():
            layout = frame.setdefault("layout", {})
            for key, rng in ranges.items():
                axis = layout.setdefault(key, {})
                axis["range"] = [float(f"{v:.{self.digits}g}") for v in rng]
                axis["autorange"] = False
        return frames

    def _frames_and_template(self) -> tuple:
        """Frames with the (large, repeated) layout template stored once."""
        frames = self.frames()
        template = None
        for frame in frames.values():
            t = frame.get("layout", {}).pop("template", None)
            if template is None:
                template = t
        return frames, template

    def spec(self) -> dict:
        """Everything the browser runtime needs, as JSON-able data."""
        frames, template = self._frames_and_template()
        return {
            "version": 1,
            "title": self.title,
            "controls": [
                {
                    "name": c.name,
                    "label": c.label or c.name,
                    "label_html": label_html(c.label or c.name),
                    "kind": "slider" if c.numeric else "select",
                    "labels": [c.format(v) for v in c.values],
                    "default": c.default_index,
                }
                for c in self.controls
            ],
            "template": template,
            "frames": frames,
        }

    def default_frame(self) -> dict:
        """The frame the explorer opens with: traces and layout, template included."""
        frames = self.frames()
        key = "|".join(str(c.default_index) for c in self.controls)
        frame = frames[key]
        template = next((f["layout"]["template"] for f in frames.values()
                         if "template" in f.get("layout", {})), None)
        if template is not None:
            frame["layout"]["template"] = template
        return frame

    def static_png(self, dpi: int = 100) -> bytes:
        """A PNG of the default frame, drawn with matplotlib from the same JSON
        the website's script draws (:mod:`~rnn_helpers.viz.static_png`).

        Inputs:
        - dpi: 100 gives the layout's size in pixels (default 700 x 450).

        Returns:
        - bytes of a PNG (a few tens of KB), cached after the first call.
        """
        if self._png is None or self._png[0] != dpi:
            from .static_png import figure_png

            frame = self.default_frame()
            layout = frame.get("layout", {})
            colorway = ((layout.get("template") or {}).get("layout") or {}).get("colorway")
            self._png = (dpi, figure_png(frame, dpi=dpi, colorway=colorway))
        return self._png[1]

    def static_bundle(self) -> dict:
        """The explorer without a kernel: static HTML for the website, the
        default frame as ``image/png`` (the PDF edition, front ends without
        widgets) and ``text/plain``."""
        import base64

        return {STATIC_MIME: self.static_html(),
                "image/png": base64.b64encode(self.static_png()).decode("ascii"),
                "text/plain": f"<Explorer: {self.alt}>"}

    def static_html(self) -> str:
        """Self-contained HTML (no script of its own) for the kernel-free website."""
        payload = json.dumps(self.spec(), separators=(",", ":"), allow_nan=False)
        # the id follows the content: a rebuilt page keeps its explorers' ids
        uid = "rnnx-" + hashlib.sha1(payload.encode()).hexdigest()[:10]
        payload = payload.replace("</", "<\\/")  # keep the JSON inside its <script>
        title = f'<p class="rnn-explorer-title">{html.escape(self.title)}</p>' if self.title else ""
        return (
            f'<div class="rnn-explorer" id="{uid}" role="figure" '
            f'aria-label="{html.escape(self.alt, quote=True)}">'
            f"{title}"
            '<div class="rnn-explorer-controls"></div>'
            '<div class="rnn-explorer-plot" style="width:100%;min-height:360px"></div>'
            f'<noscript>{html.escape(self.alt)}</noscript>'
            f'<script type="application/json" class="rnn-explorer-spec">{payload}</script>'
            "</div>"
        )

    # -------------------------------------------------------------------- live
    def controls_widget(self, on_change: Callable[[dict], None]):
        """The controls as ipywidgets (needs a front end for widgets).

        Inputs:
        - on_change: called with the full parameter dict whenever a control moves.

        Returns:
        - ipywidgets.VBox: the title (if any) and one labelled control per
          parameter; each slider is 320 px wide, its label on its own line.
        """
        import ipywidgets as widgets

        inputs = {}
        boxes = []
        for c in self.controls:
            common = dict(options=[(c.format(v), v) for v in c.values], value=c.default,
                          layout=widgets.Layout(width="320px"))
            if c.numeric:
                inputs[c.name] = widgets.SelectionSlider(continuous_update=True, **common)
            else:
                inputs[c.name] = widgets.Dropdown(**common)
            label = widgets.HTML(label_html(c.label or c.name))
            boxes.append(widgets.VBox([label, inputs[c.name]],
                                      layout=widgets.Layout(margin="0 1.5em 0.5em 0")))

        def changed(_change=None):
            on_change({name: w.value for name, w in inputs.items()})

        for w in inputs.values():
            w.observe(changed, names="value")
        children = [widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        row = widgets.HBox(boxes, layout=widgets.Layout(flex_flow="row wrap"))
        box = widgets.VBox(children + [row])
        box.inputs = inputs
        return box

    def widget(self):
        """Live ipywidgets version in one widget (needs a running kernel).

        Returns:
        - ipywidgets.VBox holding the controls and an Output with the figure.
        """
        import ipywidgets as widgets
        from IPython.display import display

        out = widgets.Output()

        def redraw(params):
            with out:
                out.clear_output(wait=True)
                display(self.figure(**params))

        box = self.controls_widget(redraw)
        redraw(self.defaults())
        return widgets.VBox([box, out])

    def figure_bundle(self, **params) -> dict:
        """The figure as a plain output: plotly JSON for JupyterLab, nothing on the site.

        Returns:
        - MIME bundle with ``application/vnd.plotly.v1+json`` (JupyterLab's
          plotly renderer draws it, also from a saved notebook without a
          kernel), a ``text/html`` placeholder that the book build shows
          instead (it hides it: the site draws the explorer's static view),
          an empty ``text/markdown`` (an HTML comment) that the PDF edition
          takes, so that its only picture of the explorer is the controls
          output's ``image/png``, and ``text/plain``.
        """
        import plotly.io as pio

        fig = json.loads(pio.to_json(self.figure(**params), validate=False, engine="json"))
        fig["config"] = {"displaylogo": False, "responsive": True}
        return {
            "application/vnd.plotly.v1+json": fig,
            "text/html": '<div class="rnn-explorer-live-figure" hidden></div>',
            "text/markdown": "<!-- the explorer's live figure (JupyterLab) -->",
            "text/plain": f"<figure: {self.alt}>",
        }

    def live_outputs(self) -> tuple:
        """The two outputs a notebook cell shows, and how they are linked.

        Returns:
        - (controls_bundle, figure_bundle, controls): the first output's MIME
          bundle (widget view of the controls + the static HTML the site
          shows + text), the second's (:meth:`figure_bundle` for the
          defaults) and the controls widget. Raises ImportError without
          ipywidgets.
        """
        holder = {}

        def redraw(params):
            handle = holder.get("handle")
            if handle is not None:
                handle.update(self.figure_bundle(**params), raw=True)

        controls = self.controls_widget(redraw)
        live = controls._repr_mimebundle_()
        if isinstance(live, tuple):
            live = live[0]
        bundle = self.static_bundle()
        bundle.update({k: v for k, v in live.items() if k != "text/plain"})
        controls.holder = holder
        return bundle, self.figure_bundle(), controls

    def _ipython_display_(self):
        from IPython.display import display

        try:
            bundle, figure, controls = self.live_outputs()
        except ImportError:  # no ipywidgets: the static view is all there is
            display(self._repr_mimebundle_(), raw=True)
            return
        display(bundle, raw=True)
        controls.holder["handle"] = display(figure, raw=True, display_id=True)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.static_bundle()

    def __repr__(self) -> str:
        names = ", ".join(f"{c.name}[{len(c.values)}]" for c in self.controls)
        return f"Explorer({names}; {self.n_frames} frames)"
