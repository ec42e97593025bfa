"""Private helpers shared by the NumPy cells: argument checks and caches."""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Tuple

import numpy as np

from rnn_helpers.argcheck import (
    as_float_array,
    check_shape,
    common_float_dtype,
)

# The cells' activations live in rnn_helpers.numpy_rnn.activations; these two
# names stay importable from here for modules written before it existed.
from rnn_helpers.numpy_rnn.activations import sigmoid, sigmoid_inplace  # noqa: F401


def check_cell_args(
    x: Any,
    states: Sequence[Tuple[str, Any]],
    Wx: Any,
    Wh: Any,
    biases: Sequence[Tuple[str, Any]],
    gates: int,
    sequence: bool,
) -> Tuple[np.ndarray, List[np.ndarray], np.ndarray, np.ndarray, List[np.ndarray], np.dtype]:
    """Validate and convert the arguments of a cell's forward function.

    Dimensions are read as: N from ``x.shape[0]``, D from ``x.shape[-1]``,
    H from ``Wh.shape[0]``; every other argument is checked against them.

    Inputs:
    - x: input, (N, D) for a step or (N, T, D) for a sequence.
    - states: [(name, array (N, H)), ...], e.g. [("h0", h0)].
    - Wx: (D, gates*H).
    - Wh: (H, gates*H).
    - biases: [(name, array (gates*H,)), ...].
    - gates: 1 (RNN), 3 (GRU) or 4 (LSTM).
    - sequence: True for the (N, T, D) sequence functions.

    Returns:
    - x, states, Wx, Wh, biases: validated arrays, all cast to ``dtype``.
    - dtype: the common float dtype (see rnn_helpers.argcheck).
    """
    kH = "H" if gates == 1 else f"{gates}H"
    if sequence:
        x = as_float_array("x", x, 3, "(N, T, D)")
    else:
        x = as_float_array("x", x, 2, "(N, D)")
    Wh = as_float_array("Wh", Wh, 2, f"(H, {kH})")
    Wx = as_float_array("Wx", Wx, 2, f"(D, {kH})")
    N, D = x.shape[0], x.shape[-1]
    H = Wh.shape[0]
    ctx = f"D = {D} from x.shape[-1], H = {H} from Wh.shape[0]"
    check_shape("Wh", Wh, (H, gates * H), f"H, {kH}", f"H = {H} from Wh.shape[0]")
    check_shape("Wx", Wx, (D, gates * H), f"D, {kH}", ctx)
    out_biases = []
    for name, b in biases:
        b = as_float_array(name, b, 1, f"({kH},)")
        check_shape(name, b, (gates * H,), f"({kH},)", f"H = {H} from Wh.shape[0]")
        out_biases.append(b)
    out_states = []
    for name, s in states:
        s = as_float_array(name, s, 2, "(N, H)")
        check_shape(
            name, s, (N, H), "N, H", f"N = {N} from x.shape[0], H = {H} from Wh.shape[0]"
        )
        out_states.append(s)
    dtype = common_float_dtype(x, Wx, Wh, *out_biases, *out_states)
    x = x.astype(dtype, copy=False)
    Wx = Wx.astype(dtype, copy=False)
    Wh = Wh.astype(dtype, copy=False)
    out_biases = [b.astype(dtype, copy=False) for b in out_biases]
    out_states = [s.astype(dtype, copy=False) for s in out_states]
    return x, out_states, Wx, Wh, out_biases, dtype


def check_upstream(
    name: str, d: Any, shape: Tuple[int, ...], letters: str, dtype: np.dtype
) -> Tuple[np.ndarray, np.dtype]:
    """Validate an upstream gradient against the forward output's shape.

    Inputs:
    - name: argument name, e.g. ``"dh"``.
    - d: the upstream gradient, array-like.
    - shape: the expected shape, e.g. (N, T, H).
    - letters: its letters, e.g. ``"N, T, H"``.
    - dtype: the forward pass's dtype (of the cache).

    Returns:
    - d: validated array, cast to the returned dtype.
    - dtype: result type of the cache dtype and ``d``'s dtype.
    """
    d = as_float_array(name, d, len(shape), f"({letters})")
    check_shape(name, d, shape, letters, "the shape of the forward output")
    dtype = np.result_type(dtype, d.dtype)
    return d.astype(dtype, copy=False), dtype


def get_cache(cache: Any, kind: str) -> Dict[str, Any]:
    """Check that ``cache`` was produced by the forward function ``kind``.

    Inputs:
    - cache: the object returned by a forward function.
    - kind: the forward function's name, e.g. ``"lstm_forward"``.

    Returns:
    - the cache dict.
    """
    if not isinstance(cache, dict) or cache.get("kind") != kind:
        got = cache.get("kind") if isinstance(cache, dict) else type(cache).__name__
        raise ValueError(f"cache: expected the cache returned by {kind}, got {got!r}")
    return cache


def cached(cache: Dict[str, Any], key: str, dtype: np.dtype) -> np.ndarray:
    """Return ``cache[key]`` in ``dtype`` (a no-op unless dtypes were mixed)."""
    return cache[key].astype(dtype, copy=False)

