"""Docstring sections that several NumPy functions share, written once.

The cells' sequence functions take and return the same things (x, h0 and the
parameters; h and a cache; dh and a cache; dx, dh0 and the parameters'
gradients). Their Inputs/Returns sections are written here and appended to
each docstring by a decorator, so that a change reaches all of them and
help() still shows each docstring in full.
"""

from __future__ import annotations


def doc_section(text: str):
    """
    Decorator: end a function's docstring with a section that several
    functions share, written once (for example the Inputs and Returns of the
    cells' sequence functions, which take and return the same things).
    help() and the API pages show the whole docstring.

    Inputs:
    - text: The section, indented by four spaces like a docstring body

    Returns:
    - add: Decorator that appends text to the docstring of the function it
      decorates and returns that function
    """

    def add(fn):
        fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n\n" + text.strip("\n") + "\n    "
        return fn

    return add


_SEQUENCE_FORWARD = """
    Inputs:
    - x: input data, of shape (N, T, D).
    - h0: initial hidden state, of shape (N, H).
    - {params}: the parameters, as for
      :func:`{step}`.{extra}

    Returns a tuple of:
    - h: hidden states for all time steps, of shape (N, T, H).
    - cache: values needed by :func:`{backward}`.
"""

_SEQUENCE_BACKWARD = """
    Inputs:
    - dh: upstream gradients of all hidden states h_1..h_T, of shape (N, T, H).
    - cache: cache object from :func:`{forward}`.

    Returns a tuple of:
    - dx: gradient of input data, of shape (N, T, D).
    - dh0: gradient of initial hidden state, of shape (N, H).
    - {params}: gradients of the parameters.
"""


def sequence_forward_doc(step: str, backward: str, params: str, extra: str = ""):
    """
    The Inputs/Returns section of a cell's sequence forward function.

    Inputs:
    - step: Name of the cell's step function (which documents the parameters)
    - backward: Name of the matching backward function
    - params: The parameters with their shapes, "Wx (D, H), Wh (H, H), b (H,)"
    - extra: More input lines, each starting with "\\n    - "

    Returns:
    - add: Decorator, as :func:`doc_section`
    """
    return doc_section(_SEQUENCE_FORWARD.format(step=step, backward=backward, params=params,
                                                extra=extra))


def sequence_backward_doc(forward: str, params: str):
    """
    The Inputs/Returns section of a cell's sequence backward function.

    Inputs:
    - forward: Name of the matching forward function
    - params: The parameters' gradients with their shapes, "dWx (D, H), ..."

    Returns:
    - add: Decorator, as :func:`doc_section`
    """
    return doc_section(_SEQUENCE_BACKWARD.format(forward=forward, params=params))
