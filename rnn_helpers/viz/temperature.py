"""The next-character distribution against temperature: figure and explorer.

Chapter 7's explorer. A language model's logits for the next character are
shown as a bar chart at one temperature (:func:`temperature_figure`, a
plotly figure), or with a temperature slider and, for several contexts, a
drop-down (:func:`temperature_explorer`, a kernel-free
:class:`rnn_helpers.viz.explorer.Explorer`). The softmax itself is
:func:`rnn_helpers.models.sampling.softmax_with_temperature`.

- :data:`TEMPERATURES`: the temperatures offered by the slider.
- :func:`char_label`: a visible label for a space, newline or tab.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.models.sampling import as_logits, entropy_bits, softmax_with_temperature
from rnn_helpers.viz.explorer import Control, Explorer

__all__ = [
    "TEMPERATURES",
    "char_label",
    "temperature_figure",
    "temperature_explorer",
]

#: The temperatures offered by the explorer's slider.
TEMPERATURES = (0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0, 10.0)


def char_label(ch: str) -> str:
    """A visible label for a character: '␣' for a space, '⏎' for a newline."""
    return {" ": "\u2423", "\n": "\u23ce", "\t": "\u21e5"}.get(ch, ch)


def _to_logits_table(probs_or_logits: Any, V: int) -> np.ndarray:
    """(C, V) logits from probabilities (rows summing to 1) or logits."""
    arr = as_logits("probs_or_logits", probs_or_logits)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != V:
        raise ValueError(f"probs_or_logits: expected shape (V,) or (C, V) with V = {V}, got "
                         f"{np.shape(probs_or_logits)}")
    is_probs = np.all(arr >= 0) and np.allclose(arr.sum(axis=1), 1.0, atol=1e-6)
    if is_probs:
        with np.errstate(divide="ignore"):
            arr = np.log(arr)
    return arr


def temperature_figure(probs_or_logits: Any, vocab: Sequence[str], temperature: float = 1.0,
                       context: int = 0, top: int = 12, labels: Optional[Sequence[str]] = None):
    """
    Bar chart of the next-character distribution at one temperature.

    The bars are the ``top`` most likely characters at temperature 1 (in that
    order, so they do not jump when the temperature moves) plus one bar for
    all other characters together; an outline shows the distribution at
    temperature 1 for reference. The title gives the entropy in bits.

    Inputs:
    - probs_or_logits: Array (V,) or (C, V): logits, or probabilities (rows
      that are non-negative and sum to 1 are read as probabilities)
    - vocab: Sequence of the V characters
    - temperature: Float > 0
    - context: Integer row of probs_or_logits to show
    - top: Integer number of characters shown individually (at most V)
    - labels: Optional sequence of C strings naming the contexts (for the title)

    Returns:
    - fig: plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    V = len(vocab)
    table = _to_logits_table(probs_or_logits, V)  # (C, V)
    check_int("context", context, 0, table.shape[0] - 1)
    check_int("top", top, 1)
    top = min(int(top), V)
    logits = table[context]  # (V,)
    p1 = softmax_with_temperature(logits, 1.0)  # (V,)
    pt = softmax_with_temperature(logits, temperature)  # (V,)
    order = np.argsort(-p1, kind="stable")[:top]
    names = [char_label(vocab[i]) for i in order]
    rest = top < V
    if rest:
        names.append("other")
    y1 = np.append(p1[order], 1.0 - p1[order].sum()) if rest else p1[order]
    yt = np.append(pt[order], 1.0 - pt[order].sum()) if rest else pt[order]
    y1, yt = np.clip(y1, 0.0, 1.0), np.clip(yt, 0.0, 1.0)
    fig = go.Figure()
    fig.add_trace(go.Bar(x=names, y=yt, name=f"temperature {temperature:g}",
                         marker=dict(color="#1f77b4")))
    fig.add_trace(go.Scatter(x=names, y=y1, name="temperature 1", mode="markers",
                             marker=dict(symbol="line-ew-open", size=22, color="#d62728",
                                         line=dict(width=2.5))))
    where = ""
    if labels is not None:
        shown = "".join(char_label(ch) if ch in "\n\t" else ch for ch in str(labels[context]))
        where = f" after \u201c{shown}\u201d"
    fig.update_layout(
        title=dict(text=f"next character{where}: entropy {float(entropy_bits(pt)):.2f} bits "
                        f"(at temperature 1: {float(entropy_bits(p1)):.2f})", font=dict(size=13)),
        xaxis=dict(title=dict(text="next character"), type="category"),
        yaxis=dict(title=dict(text="probability"), range=[0, 1.02]),
        height=360, margin=dict(l=60, r=10, t=40, b=50), bargap=0.25,
        legend=dict(orientation="h", yanchor="bottom", y=0.9, x=0.55),
        template="simple_white",
    )
    return fig


def temperature_explorer(probs_or_logits: Any, vocab: Sequence[str],
                         labels: Optional[Sequence[str]] = None,
                         temperatures: Sequence[float] = TEMPERATURES, top: int = 12) -> Explorer:
    """
    An :class:`~rnn_helpers.viz.explorer.Explorer` of the next-character
    distribution: a temperature slider and, for several contexts, a drop-down.

    Inputs:
    - probs_or_logits: Array (V,) or (C, V), as in :func:`temperature_figure`
    - vocab: Sequence of the V characters
    - labels: Sequence of C context names (required when C > 1); shown in the
      drop-down, e.g. the prompt that produced each row
    - temperatures: Sequence of positive temperatures for the slider (default
      :data:`TEMPERATURES`; 1.0 is the default position if present)
    - top: Integer number of characters shown individually

    Returns:
    - explorer: Explorer with len(temperatures) * C frames
    """
    V = len(vocab)
    table = _to_logits_table(probs_or_logits, V)  # (C, V)
    C = table.shape[0]
    temps = [float(t) for t in temperatures]
    if not temps or any(not (np.isfinite(t) and t > 0) for t in temps):
        raise ValueError(f"temperatures: expected positive numbers, got {temperatures!r}")
    if labels is None:
        if C > 1:
            raise ValueError(f"labels: expected {C} context names for {C} rows")
        labels = None
    elif len(labels) != C:
        raise ValueError(f"labels: expected {C} names, got {len(labels)}")
    label_list = None if labels is None else [str(s) for s in labels]

    def figure(temperature, context=None):
        row = 0 if context is None else label_list.index(context)
        return temperature_figure(table, vocab, temperature, row, top, label_list)

    controls = [Control("temperature", temps, label="temperature",
                        default=1.0 if 1.0 in temps else None, fmt="g")]
    if label_list is not None and C > 1:
        controls.append(Control("context", label_list, label="context", default=label_list[0]))
        fig_fn = figure
    else:
        def fig_fn(temperature):
            return figure(temperature)
    return Explorer(
        fig_fn, controls,
        title="Next-character distribution against temperature",
        alt=("Bar chart of the probabilities of the most likely next characters at the chosen "
             "temperature, with markers at their temperature-1 values; a slider sets the "
             "temperature" + (" and a drop-down the context." if C > 1 else ".")),
    )
