"""Labelling one panel of a chapter's matplotlib figure, the course's way.

A panel of a figure has labelled axes (with units) and a title that starts
with the panel's letter and sits on the left, "(a) parameters, H = 64", so
that the caption can refer to it. :func:`label_panel` writes the three in
one call; legends, limits and ticks stay with the cell that draws the panel.
"""

from __future__ import annotations

from typing import Any, Optional

__all__ = ["label_panel"]


def label_panel(ax: Any, title: str, xlabel: str, ylabel: Optional[str] = None,
                **title_kw: Any) -> Any:
    """
    Label one panel: the x (and y) axis label and a left-aligned title.

    Inputs:
    - ax: The matplotlib Axes of the panel
    - title: Its title, e.g. "(a) parameters, $H = 64$"
    - xlabel: The x axis label, with units where there are any
    - ylabel: The y axis label, or None to leave the y axis unlabelled (for
      example when its tick labels name the rows)
    - title_kw: More keyword arguments of ``ax.set_title`` (e.g. fontsize)

    Returns:
    - ax: The same Axes, for chaining
    """
    for name, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str) and not (name == "ylabel" and text is None):
            raise ValueError(f"{name}: expected a string, got {type(text).__name__}")
    if "loc" in title_kw:
        raise ValueError("loc: a panel's title is always on the left; do not pass loc")
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", **title_kw)
    return ax
