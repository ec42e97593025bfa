"""Gate values over the characters of a text: chapter 5's heatmap.

:func:`gate_heatmap` draws rows of per-character values (an LSTM unit's input,
forget and output gates in [0, 1], its cell state on a signed scale) as
coloured cells under the characters they belong to, the way colah's and
Karpathy's essays show an LSTM reading text. Long passages wrap into several
panels of ``chars_per_line`` characters. The values come from
:func:`rnn_helpers.experiments.gates.gate_trace`.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.viz.temperature import char_label

__all__ = ["KINDS", "gate_heatmap"]

#: Row kinds: colour map and value range.
KINDS = {
    "gate": {"cmap": "viridis", "vmin": 0.0, "vmax": 1.0},
    "state": {"cmap": "RdBu_r", "vmin": -1.0, "vmax": 1.0},
}


def gate_heatmap(text: str, values: Any, labels: Sequence[str], kinds: Optional[Sequence[str]] = None,
                 *, chars_per_line: int = 40, width: float = 7.0, title: Optional[str] = None):
    """A heatmap of R rows of per-character values under the characters of ``text``.

    Inputs:
    - text: the passage, a string of L >= 1 characters.
    - values: array of shape (R, L), one row per quantity (e.g. unit 12's f_t).
    - labels: R strings, the row labels (drawn at the left).
    - kinds: R entries of :data:`KINDS`, "gate" (colour range [0, 1]) or
      "state" (signed, [-1, 1]: pass tanh(c) or a scaled cell state);
      default all "gate".
    - chars_per_line: characters per panel; the passage wraps into
      ceil(L / chars_per_line) panels stacked vertically.
    - width: figure width in inches.
    - title: optional figure title.

    Returns:
    - fig: a matplotlib Figure with a colour bar for each kind used.
    """
    import matplotlib.pyplot as plt

    if not isinstance(text, str) or not text:
        raise ValueError("text: expected a non-empty string")
    L = len(text)
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] != L or v.shape[0] < 1:
        raise ValueError(f"values: expected an array of shape (R, L) with R >= 1 and L = len(text) "
                         f"= {L}, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("values: expected finite numbers")
    R = v.shape[0]
    labels = list(labels)
    if len(labels) != R or not all(isinstance(s, str) for s in labels):
        raise ValueError(f"labels: expected {R} strings (one per row of values), got {len(labels)}")
    kinds = ["gate"] * R if kinds is None else list(kinds)
    if len(kinds) != R or any(k not in KINDS for k in kinds):
        raise ValueError(f"kinds: expected {R} entries, each one of {sorted(KINDS)}, got {kinds!r}")
    chars_per_line = check_int("chars_per_line", chars_per_line, 1)
    n_panels = -(-L // chars_per_line)
    row_h = 0.2  # inches per row
    fig, axes = plt.subplots(n_panels, 1, figsize=(width, n_panels * (R * row_h + 0.45) + 0.5),
                             squeeze=False, constrained_layout=True)
    images = {}
    for p in range(n_panels):
        ax = axes[p, 0]
        lo, hi = p * chars_per_line, min(L, (p + 1) * chars_per_line)
        for r in range(R):
            spec = KINDS[kinds[r]]
            row = np.ma.masked_all((1, chars_per_line))
            row[0, : hi - lo] = v[r, lo:hi]
            images[kinds[r]] = ax.imshow(row, cmap=spec["cmap"], vmin=spec["vmin"], vmax=spec["vmax"],
                                         aspect="auto", extent=(-0.5, chars_per_line - 0.5, r + 0.5, r - 0.5),
                                         interpolation="nearest")
        ax.set_xlim(-0.5, chars_per_line - 0.5)
        ax.set_ylim(R - 0.5, -0.5)
        ax.set_yticks(range(R), labels, fontsize=7)
        ax.set_xticks(range(hi - lo), [char_label(c) for c in text[lo:hi]], fontsize=7,
                      fontfamily="monospace")
        ax.tick_params(axis="x", length=0, pad=2)
        ax.tick_params(axis="y", length=0)
        for r in range(1, R):
            ax.axhline(r - 0.5, color="white", lw=0.5)
        for s in ax.spines.values():
            s.set_visible(False)
    names = {"gate": "gate value", "state": "state (signed)"}
    for kind, im in images.items():
        cb = fig.colorbar(im, ax=axes[:, 0].tolist(), fraction=0.025, pad=0.01)
        cb.set_label(names[kind], fontsize=7)
        cb.ax.tick_params(labelsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    return fig
