"""Sampling text from a language model, and the temperature explorer.

A language model gives logits o (one score per character) for the next
character. Sampling with temperature tau draws from

    p_tau(k) = exp(o_k / tau) / sum_j exp(o_j / tau),

the softmax of the *logits* divided by tau. tau = 1 is the model's own
distribution; tau -> 0 puts all mass on the largest logit (greedy decoding,
``temperature=0`` here); tau -> infinity tends to the uniform distribution.
Dividing the *probabilities* by tau changes nothing after normalisation;
raising them to the power 1/tau is the same as dividing the logits.

- :func:`softmax_with_temperature`: the formula above, stable (max-shifted).
- :func:`sample_from_logits`: one seeded draw per row.
- :func:`generate`: continue a prompt with a torch character model or an
  n-gram model (:class:`rnn_helpers.models.ngram.KneserNey`).
- :func:`entropy_bits`: entropy of a distribution, in bits.
- :func:`temperature_figure`, :func:`temperature_explorer`: the next-character
  distribution against temperature as a plotly figure and as a kernel-free
  :class:`rnn_helpers.viz.explorer.Explorer`.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from rnn_helpers.viz.explorer import Control, Explorer

__all__ = [
    "TEMPERATURES",
    "softmax_with_temperature",
    "sample_from_logits",
    "entropy_bits",
    "generate",
    "char_label",
    "temperature_figure",
    "temperature_explorer",
]

#: The temperatures offered by the explorer's slider.
TEMPERATURES = (0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0, 10.0)


def _as_logits(name: str, logits: Any) -> np.ndarray:
    if hasattr(logits, "detach") and hasattr(logits, "cpu"):  # torch.Tensor
        logits = logits.detach().cpu().numpy()
    arr = np.asarray(logits)
    if arr.ndim == 0 or arr.shape[-1] < 1 or not np.issubdtype(arr.dtype, np.number) \
            or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected a real array of shape (..., V), got shape {arr.shape} "
                         f"and dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name}: entries must not be NaN or +inf (-inf means probability 0)")
    if np.any(np.all(arr == -np.inf, axis=-1)):
        raise ValueError(f"{name}: every row needs at least one finite entry")
    return arr


def _check_temperature(temperature: Any) -> float:
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer,
                                                                     np.floating)):
        raise ValueError(f"temperature: expected a number >= 0, got {temperature!r}")
    t = float(temperature)
    if not (np.isfinite(t) and t >= 0):
        raise ValueError(f"temperature: expected a finite number >= 0, got {temperature!r}")
    return t


def softmax_with_temperature(logits: Any, temperature: float = 1.0) -> np.ndarray:
    """
    Softmax of logits divided by a temperature, along the last axis.

    Inputs:
    - logits: Real array of shape (..., V) (NumPy or torch); -inf means probability 0
    - temperature: Float >= 0; 0 gives the greedy one-hot distribution (ties
      share the mass equally)

    Returns:
    - probs: float64 array of shape (..., V), rows summing to 1
    """
    o = _as_logits("logits", logits)
    t = _check_temperature(temperature)
    m = np.max(o, axis=-1, keepdims=True)  # (..., 1)
    if t == 0.0:
        top = (o == m).astype(np.float64)  # (..., V)
        return top / top.sum(axis=-1, keepdims=True)
    z = (o - m) / t  # (..., V), every entry <= 0: no overflow
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample_from_logits(logits: Any, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """
    Draw one index per row from softmax(logits / temperature).

    Inputs:
    - logits: Real array of shape (S, V) (or (V,))
    - temperature: Float >= 0 (0: argmax, the first one on ties)
    - rng: numpy.random.Generator

    Returns:
    - ids: int64 array of shape (S,) (or a 0-d array for 1-D input)
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    o = _as_logits("logits", logits)
    if _check_temperature(temperature) == 0.0:
        return np.argmax(o, axis=-1).astype(np.int64)
    p = softmax_with_temperature(o, temperature)  # (..., V)
    flat = p.reshape(-1, p.shape[-1])  # (S, V)
    u = rng.random((flat.shape[0], 1))  # (S, 1)
    cdf = np.cumsum(flat, axis=-1)  # (S, V)
    ids = np.minimum((cdf <= u * cdf[:, -1:]).sum(axis=-1), flat.shape[1] - 1)  # first k with cdf_k > u
    return ids.reshape(p.shape[:-1]).astype(np.int64)


def entropy_bits(probs: Any) -> np.ndarray:
    """
    Entropy -sum p log2 p of each distribution along the last axis.

    Inputs:
    - probs: Array of shape (..., V), non-negative rows summing to 1

    Returns:
    - H: Array of shape (...), in bits (0 for a one-hot row, log2 V for uniform)
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 0 or np.any(p < 0) or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError("probs: expected non-negative rows of shape (..., V) summing to 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=-1)


def generate(model: Any, prompt_ids: Any, length: int, temperature: float = 1.0,
             seed: int = 0, n_samples: int = 1) -> np.ndarray:
    """
    Continue a prompt by sampling one character at a time.

    Two kinds of model are accepted:

    - a ``torch.nn.Module`` called as ``model(x, state) -> (logits, state)``
      with x of shape (S, L) (int64 ids) and logits (S, L, V); the prompt is
      read once and then one character per call, carrying the state;
    - any object with ``next_logits(contexts) -> (S, V)`` taking the whole
      history (S, L) so far, e.g. :class:`rnn_helpers.models.ngram.KneserNey`.

    Inputs:
    - model: see above
    - prompt_ids: Integer array of shape (P,), P >= 1
    - length: Integer number of characters to generate (>= 1)
    - temperature: Float >= 0 (0: greedy)
    - seed: Integer seed of the sampling (the same seed gives the same text)
    - n_samples: Integer S, independent continuations drawn in one batch

    Returns:
    - ids: int64 array of shape (S, length), the generated characters only
    """
    prompt = np.asarray(prompt_ids)
    if prompt.ndim != 1 or prompt.size < 1 or not np.issubdtype(prompt.dtype, np.integer):
        raise ValueError(f"prompt_ids: expected a non-empty 1-D integer array of shape (P,), got "
                         f"shape {prompt.shape}")
    for name, v in (("length", length), ("n_samples", n_samples)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name}: expected a positive integer, got {v!r}")
    _check_temperature(temperature)
    rng = np.random.default_rng(seed)
    history = np.repeat(prompt[None, :].astype(np.int64), n_samples, axis=0)  # (S, P)
    out = np.empty((n_samples, length), dtype=np.int64)  # (S, length)
    try:
        import torch
        is_torch = isinstance(model, torch.nn.Module)
    except ImportError:  # pragma: no cover - torch is a dependency
        is_torch = False
    if is_torch:
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                logits, state = model(torch.from_numpy(history), None)  # (S, P, V)
                for i in range(length):
                    nxt = sample_from_logits(logits[:, -1].double().numpy(), temperature, rng)  # (S,)
                    out[:, i] = nxt
                    logits, state = model(torch.from_numpy(nxt[:, None]), state)  # (S, 1, V)
        finally:
            model.train(was_training)
        return out
    if not hasattr(model, "next_logits"):
        raise ValueError("model: expected a torch.nn.Module or an object with next_logits(contexts)")
    for i in range(length):
        logits = np.asarray(model.next_logits(history))  # (S, V)
        nxt = sample_from_logits(logits, temperature, rng)  # (S,)
        out[:, i] = nxt
        history = np.concatenate([history, nxt[:, None]], axis=1)  # (S, P + i + 1)
    return out


# ----------------------------------------------------------------------------
# The temperature explorer
# ----------------------------------------------------------------------------

def char_label(ch: str) -> str:
    """A visible label for a character: '␣' for a space, '⏎' for a newline."""
    return {" ": "\u2423", "\n": "\u23ce", "\t": "\u21e5"}.get(ch, ch)


def _to_logits_table(probs_or_logits: Any, V: int) -> np.ndarray:
    """(C, V) logits from probabilities (rows summing to 1) or logits."""
    arr = _as_logits("probs_or_logits", probs_or_logits)
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
    if not isinstance(context, (int, np.integer)) or not 0 <= context < table.shape[0]:
        raise ValueError(f"context: expected an integer in [0, {table.shape[0]}), got {context!r}")
    if not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top: expected a positive integer, got {top!r}")
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
