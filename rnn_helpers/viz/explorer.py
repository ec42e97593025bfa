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
"""

from __future__ import annotations

import html
import itertools
import json
import math
import uuid
from dataclasses import dataclass, field
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
    """

    def __init__(self, figure_fn: Callable[..., Any], controls: Sequence[Control], *,
                 alt: str, title: str | None = None, max_frames: int = 400,
                 digits: int = 5):
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

    # ------------------------------------------------------------------ shared
    def defaults(self) -> dict:
        """The parameters the figure opens with."""
        return {c.name: c.default for c in self.controls}

    def figure(self, **params):
        """The figure for ``params`` (missing ones take their defaults)."""
        unknown = set(params) - {c.name for c in self.controls}
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}")
        full = {**self.defaults(), **params}
        return self.figure_fn(**full)

    # ------------------------------------------------------------------ static
    def frames(self) -> dict:
        """Every combination's traces and layout, keyed ``"i|j|..."`` by value index.

        Returns:
        - dict mapping key -> {"data": [...], "layout": {...}}.
        """
        frames = {}
        grids = [range(len(c.values)) for c in self.controls]
        for idx in itertools.product(*grids):
            params = {c.name: c.values[i] for c, i in zip(self.controls, idx)}
            fig = self.figure_fn(**params)
            frames["|".join(map(str, idx))] = _figure_json(fig, self.digits)
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
                    "kind": "slider" if c.numeric else "select",
                    "labels": [c.format(v) for v in c.values],
                    "default": c.default_index,
                }
                for c in self.controls
            ],
            "template": template,
            "frames": frames,
        }

    def static_html(self) -> str:
        """Self-contained HTML (no script of its own) for the kernel-free website."""
        uid = "rnnx-" + uuid.uuid4().hex[:10]
        payload = json.dumps(self.spec(), separators=(",", ":"), allow_nan=False)
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
    def widget(self):
        """Live ipywidgets version (needs a running kernel).

        Returns:
        - ipywidgets.VBox holding the controls and an Output with the figure.
        """
        import ipywidgets as widgets
        from IPython.display import display

        inputs = {}
        for c in self.controls:
            common = dict(options=[(c.format(v), v) for v in c.values], value=c.default,
                          description=c.label or c.name,
                          style={"description_width": "initial"})
            if c.numeric:
                inputs[c.name] = widgets.SelectionSlider(continuous_update=True, **common)
            else:
                inputs[c.name] = widgets.Dropdown(**common)
        out = widgets.Output()

        def redraw(_change=None):
            params = {name: w.value for name, w in inputs.items()}
            with out:
                out.clear_output(wait=True)
                display(self.figure_fn(**params))

        for w in inputs.values():
            w.observe(redraw, names="value")
        redraw()
        children = [widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else []
        return widgets.VBox(children + [widgets.HBox(list(inputs.values())), out])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {STATIC_MIME: self.static_html(),
                  "text/plain": f"<Explorer: {self.alt}>"}
        try:
            w = self.widget()
        except Exception:  # no ipywidgets front end: the static view is enough
            return bundle
        live = w._repr_mimebundle_()
        if isinstance(live, tuple):
            live = live[0]
        bundle.update({k: v for k, v in live.items() if k != "text/plain"})
        return bundle

    def __repr__(self) -> str:
        names = ", ".join(f"{c.name}[{len(c.values)}]" for c in self.controls)
        return f"Explorer({names}; {self.n_frames} frames)"
