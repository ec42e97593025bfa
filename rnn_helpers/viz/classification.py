"""Chapter 8's figures: padding drift, training curves, confusion matrix, digits read row by row.

Every function takes arrays (no experiment object), draws one matplotlib
figure and returns it; the notebook shows it. Percentages are drawn as
``100 * fraction``.

- :func:`padding_figure`: a padded batch and how far the last-column state drifts.
- :func:`training_figure`: training loss and validation accuracy of several seeds, with baselines.
- :func:`confusion_figure`: a row-normalised confusion matrix with its counts.
- :func:`digit_prefix_figure`: one digit as 8 steps and the accuracy of the read-out after each row.
- :func:`loss_curves_figure`: validation accuracy of several trainings against the step.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "padding_figure",
    "training_figure",
    "confusion_figure",
    "digit_prefix_figure",
    "loss_curves_figure",
]


def _panel_title(ax, text: str) -> None:
    ax.set_title(text, loc="left", fontsize=10)


def _references(ax, references: Dict[str, Tuple[float, str, str]]) -> None:
    """Horizontal lines: label -> (fraction, colour, line style)."""
    for label, (value, color, ls) in references.items():
        ax.axhline(100 * float(value), color=color, ls=ls, lw=1.2, label=label)


def padding_figure(ids: Any, lengths: Any, alphabet: str, n_pad: Any, rel_drift: Any, *,
                   rows: int = 12, max_pad: int = 16, min_names: int = 10):
    """
    (a) A padded batch as letters and dots; (b) relative drift of the last-column state.

    Inputs:
    - ids: Integer array of shape (N, T), character ids (0 = padding, id i is alphabet[i - 1])
    - lengths: Integer array of shape (N,)
    - alphabet: String of the V characters
    - n_pad: Integer array of shape (M,), padding steps each measured name read after it ended
    - rel_drift: Array of shape (M,), the relative drift of its last-column state
    - rows: Names of the batch shown in (a) (its first ``rows``, longest on top)
    - max_pad: Panel (b) shows names with at most this much padding
    - min_names: The median line uses padding amounts with at least this many names

    Returns:
    - fig: matplotlib Figure
    """
    import matplotlib.pyplot as plt

    ids, lengths = np.asarray(ids), np.asarray(lengths)
    n_pad, rel_drift = np.asarray(n_pad), np.asarray(rel_drift)
    if ids.ndim != 2 or lengths.shape != (ids.shape[0],):
        raise ValueError(f"lengths: expected shape ({ids.shape[0]},) for ids of shape (N, T), got {lengths.shape}")
    if n_pad.shape != rel_drift.shape or n_pad.ndim != 1:
        raise ValueError(f"rel_drift: expected shape {n_pad.shape} like n_pad, got {rel_drift.shape}")
    fig, (ax_b, ax_d) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True,
                                     gridspec_kw={"width_ratios": [1.25, 1]})
    show = np.argsort(lengths[:rows])[::-1]
    sub, T = ids[:rows][show], ids.shape[1]  # (rows, T)
    ax_b.imshow(sub > 0, cmap="Blues", vmin=-0.3, vmax=1.3, aspect="auto", interpolation="nearest")
    for r in range(len(show)):
        for t in range(T):
            ch = alphabet[sub[r, t] - 1] if sub[r, t] > 0 else "\u00b7"
            ax_b.text(t, r, {" ": "\u2423"}.get(ch, ch), ha="center", va="center", fontsize=7,
                      color="black" if sub[r, t] > 0 else "0.6")
    ax_b.set_xticks(range(0, T, 2), [str(t + 1) for t in range(0, T, 2)])
    ax_b.set_yticks(range(len(show)), [f"L={lengths[n]}" for n in show], fontsize=7)
    ax_b.set_xlabel("step $t$ (column of the padded batch)")
    _panel_title(ax_b, "(a) a padded batch: real steps (blue) and padding (\u00b7)")

    shown = n_pad <= max_pad
    jitter = np.random.default_rng(1).uniform(-0.25, 0.25, size=n_pad.size)
    ax_d.scatter((n_pad + jitter)[shown], 100 * rel_drift[shown], s=6, alpha=0.4, color="C3", label="one name")
    ks = [k for k in np.unique(n_pad[shown]) if np.sum(n_pad == k) >= min_names]
    ax_d.plot(ks, [100 * np.median(rel_drift[n_pad == k]) for k in ks], color="k", lw=2,
              label=f"median ({min_names} or more names)")
    ax_d.set_xlabel("padding steps read after the name ended, $T - L_n$")
    ax_d.set_ylabel(r"$\|h^{\mathrm{naive}}_T - h_{L_n}\| \,/\, \|h_{L_n}\|$ (%)")
    _panel_title(ax_d, "(b) how far the last-column state drifts")
    ax_d.legend(fontsize=8)
    return fig


def training_figure(losses: Sequence[Any], evals: Sequence[Any], *, log_q: float,
                    references: Optional[Dict[str, Tuple[float, str, str]]] = None,
                    best_steps: Optional[Sequence[int]] = None, smooth: int = 25,
                    model: str = "GRU"):
    """
    (a) Training loss (moving mean) and (b) validation accuracy of S seeds of one model.

    Inputs:
    - losses: S arrays of shape (steps,), the loss of each training batch
    - evals: S sequences of (step, validation accuracy) pairs
    - log_q: Float, the loss of a uniform guess (drawn as a dashed line)
    - references: label -> (validation accuracy, colour, line style), e.g. baselines
    - best_steps: Optional S integers, the kept checkpoint of each seed (marked)
    - smooth: Window of the moving mean (at most the shortest run)
    - model: Name in the legends

    Returns:
    - fig: matplotlib Figure
    """
    import matplotlib.pyplot as plt

    if len(losses) != len(evals) or len(losses) == 0:
        raise ValueError(f"evals: expected one sequence per seed like losses ({len(losses)}), got {len(evals)}")
    fig, (ax_l, ax_a) = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    smooth = max(1, min(int(smooth), min(len(loss) for loss in losses)))
    kernel = np.ones(smooth) / smooth
    for s, (loss, ev) in enumerate(zip(losses, evals)):
        loss = np.asarray(loss, dtype=float)
        label = f"{model}, {len(losses)} seeds" if s == 0 else None
        ax_l.plot(np.arange(smooth, loss.size + 1), np.convolve(loss, kernel, mode="valid"), color="C0",
                  lw=1.2, alpha=0.7, label=label)
        steps, acc = np.asarray(ev, dtype=float).T
        ax_a.plot(steps, 100 * acc, marker=".", color="C3", lw=1, alpha=0.8, label=label)
        if best_steps is not None:
            ax_a.plot([best_steps[s]], [100 * acc[list(steps).index(best_steps[s])]], "k|", ms=12,
                      label="kept checkpoint" if s == 0 else None)
    ax_l.axhline(log_q, color="gray", ls="--", lw=1, label=r"$\log Q$: uniform guess")
    ax_l.set_xlabel("training step")
    ax_l.set_ylabel(f"cross-entropy (nats), mean of {smooth} batches")
    _panel_title(ax_l, "(a) training loss")
    ax_l.legend(fontsize=8)
    _references(ax_a, references or {})
    ax_a.set_xlabel("training step")
    ax_a.set_ylabel("validation accuracy (%)")
    _panel_title(ax_a, "(b) validation accuracy")
    ax_a.legend(fontsize=8, loc="lower right")
    return fig


def confusion_figure(C: Any, class_names: Sequence[str], counts: Sequence[int]):
    """
    A row-normalised confusion matrix in percent, entries of 0.5 % or more written in.

    Inputs:
    - C: Array of shape (Q, Q), rows summing to 1 (row: true class, column: predicted)
    - class_names: Q names
    - counts: Q integers, the examples of each true class (shown with the row labels)

    Returns:
    - fig: matplotlib Figure
    """
    import matplotlib.pyplot as plt

    C = np.asarray(C, dtype=float)
    Q = len(class_names)
    if C.shape != (Q, Q) or len(counts) != Q:
        raise ValueError(f"C: expected shape ({Q}, {Q}) and {Q} counts, got {C.shape} and {len(counts)}")
    fig, ax = plt.subplots(figsize=(7.6, 6.6), constrained_layout=True)
    im = ax.imshow(100 * C, cmap="Blues", vmin=0, vmax=100)
    for i, j in zip(*np.nonzero(C >= 0.005)):
        ax.text(j, i, f"{100 * C[i, j]:.0f}", ha="center", va="center", fontsize=7,
                color="white" if C[i, j] > 0.5 else "black")
    ax.set_xticks(range(Q), list(class_names), rotation=45, ha="right")
    ax.set_yticks(range(Q), [f"{name} ({int(n)})" for name, n in zip(class_names, counts)])
    ax.set_xlabel("predicted language")
    ax.set_ylabel("true language (number of test names)")
    fig.colorbar(im, ax=ax, label="% of the true language's test names", shrink=0.8)
    return fig


def digit_prefix_figure(image: Any, label: int, prefix_accuracy: Any, *,
                        references: Optional[Dict[str, Tuple[float, str, str]]] = None):
    """
    (a) One image as T row vectors; (b) test accuracy of the read-out after each row.

    Inputs:
    - image: Array of shape (T, D), pixels in [0, 1]
    - label: Its digit
    - prefix_accuracy: Array of shape (T,), accuracy when the output layer reads the state after row t
    - references: label -> (accuracy, colour, line style), e.g. a baseline and chance

    Returns:
    - fig: matplotlib Figure
    """
    import matplotlib.pyplot as plt

    image, acc = np.asarray(image), np.asarray(prefix_accuracy, dtype=float)
    if image.ndim != 2 or acc.shape != (image.shape[0],):
        raise ValueError(f"prefix_accuracy: expected shape ({image.shape[0]},) for an image (T, D), got {acc.shape}")
    T, D = image.shape
    fig, (ax_img, ax_pre) = plt.subplots(1, 2, figsize=(10, 3.8), constrained_layout=True,
                                         gridspec_kw={"width_ratios": [1, 1.6]})
    ax_img.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    ax_img.set_yticks(range(T), [f"$x_{{{t + 1}}}$" for t in range(T)])
    ax_img.set_xticks(range(D), [str(j + 1) for j in range(D)])
    ax_img.set_xlabel(f"pixel $d$ within the row ($D = {D}$)")
    _panel_title(ax_img, f"(a) a test digit ({int(label)}) as {T} steps")
    ax_pre.plot(np.arange(1, T + 1), 100 * acc, marker="o", color="C0", label="LSTM, read out after row $t$")
    _references(ax_pre, references or {})
    ax_pre.set_xlabel("rows read, $t$")
    ax_pre.set_ylabel("test accuracy (%)")
    ax_pre.set_ylim(0, 102)
    _panel_title(ax_pre, "(b) the same read-out applied before the last row")
    ax_pre.legend(fontsize=8, loc="center left")
    return fig


def loss_curves_figure(curves: Dict[str, Sequence[Any]], styles: Dict[str, Tuple[str, str, str]], *,
                       title: str = "", chance: Optional[float] = None):
    """
    Validation accuracy against the step for several trainings, each over one or more seeds.

    Inputs:
    - curves: key -> sequence of S runs, each a sequence of (step, validation accuracy) pairs;
      the runs are drawn thin, their mean thick
    - styles: key -> (label, colour, line style)
    - title: Title of the axes
    - chance: Optional accuracy of guessing, drawn dotted

    Returns:
    - fig: matplotlib Figure
    """
    import matplotlib.pyplot as plt

    missing = set(curves) - set(styles)
    if missing:
        raise ValueError(f"styles: expected a style for every curve, missing {sorted(missing)}")
    fig, ax = plt.subplots(figsize=(7.8, 3.9), constrained_layout=True)
    for key, runs in curves.items():
        label, color, ls = styles[key]
        arr = np.asarray(runs, dtype=float)  # (S, E, 2)
        if arr.ndim != 3 or arr.shape[2] != 2:
            raise ValueError(f"curves[{key!r}]: expected shape (S, E, 2) of (step, accuracy) pairs, got {arr.shape}")
        for run in arr:
            ax.plot(run[:, 0], 100 * run[:, 1], color=color, ls=ls, lw=0.6, alpha=0.35)
        ax.plot(arr[0, :, 0], 100 * arr[:, :, 1].mean(axis=0), color=color, ls=ls, lw=2, marker=".",
                label=f"{label} (mean of {arr.shape[0]})")
    if chance is not None:
        ax.axhline(100 * chance, color="gray", ls=":", lw=1)
    ax.set_xlabel("training step")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_ylim(0, 100)
    _panel_title(ax, title)
    ax.legend(fontsize=8, loc="lower right")
    return fig
