"""Convert LSTM weights between the gate orders of different libraries.

An LSTM computes its four gate pre-activations with one matrix product and
then cuts the result into four blocks of H columns (or rows). Which block
belongs to which gate is a *convention* of each library, and loading weights
with the wrong convention gives a network that runs without error and
computes nonsense. The conventions, with the course's letters i (input gate),
f (forget gate), g (candidate cell, also called c or j) and o (output gate):

==========  ============  ===========================================================
name        block order   used by
==========  ============  ===========================================================
"pytorch"   i, f, g, o    ``torch.nn.LSTM``/``LSTMCell``, cuDNN, Keras / ``tf.keras``
                          (``i, f, c, o``), and this course's ``rnn_helpers.numpy_rnn``
"tf1"       i, g, f, o    TensorFlow 1 ``tf.nn.rnn_cell.LSTMCell`` / ``BasicLSTMCell``
                          (``i, j, f, o``, with j the "new input"); these cells add
                          ``forget_bias`` (default 1.0) to f *at run time*, so it is
                          not stored in the bias variable
"onnx"      i, o, f, g    the ONNX ``LSTM`` operator (``i, o, f, c``)
==========  ============  ===========================================================

Aliases: "torch", "cudnn", "keras" mean "pytorch"; "tensorflow1" means "tf1".

Layouts (where the 4H axis is):

- the course's layout, ``Wx`` (D, 4H), ``Wh`` (H, 4H), ``b`` (4H,): the gate
  axis is the *last* one (``axis=-1``, the default). Keras stores its
  ``kernel``, ``recurrent_kernel`` and ``bias`` in exactly this layout and order;
- PyTorch's layout, ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H),
  ``bias_ih_l0``/``bias_hh_l0`` (4H,): the gate axis is the *first* one
  (``axis=0``); ONNX's ``W`` (1, 4H, D) and ``R`` (1, 4H, H) use ``axis=1``.

Every function returns new arrays (NumPy, the input's float dtype) and never
modifies its inputs. Example::

    from rnn_helpers.numpy_rnn.layout import from_tf1, reorder_gates
    Wx, Wh, b = from_tf1(kernel, bias, input_size=D)       # TF1 -> course/PyTorch order
    W_onnx_order = reorder_gates(Wx, "pytorch", "onnx")      # gate axis last
    w_ih_tf1 = reorder_gates(weight_ih, "pytorch", "tf1", axis=0)  # PyTorch layout
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

__all__ = [
    "GATES",
    "GATE_ORDERS",
    "ALIASES",
    "GATE_NAMES",
    "gate_order",
    "gate_permutation",
    "split_gates",
    "merge_gates",
    "reorder_gates",
    "convert_lstm_params",
    "ours_from_torch_layout",
    "torch_layout_from_ours",
    "load_into_torch",
    "from_tf1",
    "to_tf1",
    "from_onnx",
    "to_onnx",
    "from_keras",
]

#: The four gates, in the course's (PyTorch's) order.
GATES: Tuple[str, ...] = ("i", "f", "g", "o")

#: Block order of each convention, in the course's letters.
GATE_ORDERS: Dict[str, Tuple[str, ...]] = {
    "pytorch": ("i", "f", "g", "o"),
    "tf1": ("i", "g", "f", "o"),
    "onnx": ("i", "o", "f", "g"),
}

#: Other names accepted for the conventions above.
ALIASES: Dict[str, str] = {
    "torch": "pytorch",
    "cudnn": "pytorch",
    "keras": "pytorch",
    "tensorflow1": "tf1",
}

#: Readable names of the gates.
GATE_NAMES: Dict[str, str] = {
    "i": "input gate",
    "f": "forget gate",
    "g": "candidate cell (g, also called c or j)",
    "o": "output gate",
}


def gate_order(order: Any) -> Tuple[str, ...]:
    """The block order of a convention, e.g. ``gate_order("tf1") == ("i", "g", "f", "o")``.

    Inputs:
    - order: a convention name ("pytorch", "tf1", "onnx" or an alias), or a
      sequence of the four letters "i", "f", "g", "o" in some order (a string
      such as "ifgo" works too; "c" and "j" are read as "g").

    Returns:
    - tuple of four distinct letters.
    """
    if isinstance(order, str):
        key = order.lower()
        key = ALIASES.get(key, key)
        if key in GATE_ORDERS:
            return GATE_ORDERS[key]
        letters = tuple(key)
    else:
        try:
            letters = tuple(str(v).lower() for v in order)
        except TypeError:
            letters = ()
    letters = tuple("g" if v in ("c", "j") else v for v in letters)
    if sorted(letters) != sorted(GATES):
        names = sorted(GATE_ORDERS) + sorted(ALIASES)
        raise ValueError(
            f"order: expected one of {names} or the four letters i, f, g, o in some order, "
            f"got {order!r}"
        )
    return letters


def gate_permutation(src: Any, dst: Any) -> Tuple[int, ...]:
    """Which source block goes to each destination block.

    Inputs:
    - src, dst: conventions (see :func:`gate_order`).

    Returns:
    - perm: tuple of 4 ints; block k of the result is block ``perm[k]`` of
      the source. E.g. ``gate_permutation("pytorch", "tf1") == (0, 2, 1, 3)``.
    """
    s, d = gate_order(src), gate_order(dst)
    return tuple(s.index(gate) for gate in d)


def _as_array(name: str, a: Any) -> np.ndarray:
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # a torch tensor
        a = a.detach().cpu().numpy()
    a = np.asarray(a)
    if a.dtype.kind != "f":
        raise ValueError(f"{name}: expected a float array, got dtype {a.dtype}")
    return a


def _gate_axis(name: str, a: np.ndarray, axis: int) -> Tuple[int, int]:
    """Normalise ``axis`` and return (axis, H); the axis length must be 4H."""
    if a.ndim == 0:
        raise ValueError(f"{name}: expected an array with a gate axis of length 4H, got a scalar")
    if not -a.ndim <= axis < a.ndim:
        raise ValueError(f"axis: {axis} is out of range for {name} of shape {a.shape}")
    axis = axis % a.ndim
    n = a.shape[axis]
    if n == 0 or n % 4:
        raise ValueError(
            f"{name}: axis {axis} has length {n}, which is not 4H for a positive H "
            f"(shape {a.shape}); pass the axis that holds the four gate blocks"
        )
    return axis, n // 4


def split_gates(a: Any, order: Any = "pytorch", axis: int = -1) -> Dict[str, np.ndarray]:
    """Cut an array into its four gate blocks.

    Inputs:
    - a: array whose ``axis`` has length 4H, e.g. Wx (D, 4H) with axis=-1
      or weight_ih (4H, D) with axis=0.
    - order: the convention ``a`` is stored in.
    - axis: the gate axis.

    Returns:
    - dict mapping "i", "f", "g", "o" to copies of their blocks (length H
      along ``axis``).
    """
    a = _as_array("a", a)
    letters = gate_order(order)
    axis, H = _gate_axis("a", a, axis)
    blocks = np.split(a, 4, axis=axis)
    return {gate: block.copy() for gate, block in zip(letters, blocks)}


def merge_gates(blocks: Dict[str, Any], order: Any = "pytorch", axis: int = -1) -> np.ndarray:
    """Concatenate four gate blocks in a convention's order (inverse of :func:`split_gates`).

    Inputs:
    - blocks: dict with keys "i", "f", "g", "o" (arrays of equal shape).
    - order: the convention to write.
    - axis: the gate axis of the result.

    Returns:
    - array with a gate axis of length 4H.
    """
    missing = [g for g in GATES if g not in blocks]
    if missing:
        raise ValueError(f"blocks: missing the block(s) {missing}; expected keys i, f, g, o")
    arrays = [_as_array(f"blocks[{g!r}]", blocks[g]) for g in gate_order(order)]
    shapes = {arr.shape for arr in arrays}
    if len(shapes) != 1:
        raise ValueError(f"blocks: expected four blocks of one shape, got {sorted(shapes)}")
    return np.concatenate(arrays, axis=axis)


def reorder_gates(a: Any, src: Any, dst: Any, axis: int = -1) -> np.ndarray:
    """Rewrite an array from one gate order to another.

    Inputs:
    - a: array with a gate axis of length 4H (weights or a bias).
    - src: the convention ``a`` is stored in.
    - dst: the convention wanted.
    - axis: the gate axis: -1 (default) for the course's and Keras's layout
      (D, 4H), (H, 4H), (4H,); 0 for PyTorch's (4H, D), (4H, H), (4H,).

    Returns:
    - new array of the same shape and dtype, blocks permuted.
    """
    a = _as_array("a", a)
    axis, H = _gate_axis("a", a, axis)
    perm = gate_permutation(src, dst)
    index = np.concatenate([np.arange(k * H, (k + 1) * H) for k in perm])  # (4H,)
    return np.take(a, index, axis=axis)


def convert_lstm_params(
    Wx: Any, Wh: Any, b: Any, src: Any, dst: Any
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reorder a parameter set in the course's layout from one convention to another.

    Inputs:
    - Wx: (D, 4H), Wh: (H, 4H), b: (4H,), gate blocks in order ``src``.
    - src, dst: conventions.

    Returns:
    - (Wx, Wh, b) with blocks in order ``dst``.
    """
    Wx, Wh, b = _check_ours(Wx, Wh, b)
    return (reorder_gates(Wx, src, dst), reorder_gates(Wh, src, dst), reorder_gates(b, src, dst))


def _check_ours(Wx: Any, Wh: Any, b: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    Wx, Wh, b = _as_array("Wx", Wx), _as_array("Wh", Wh), _as_array("b", b)
    if Wh.ndim != 2 or Wh.shape[1] != 4 * Wh.shape[0] or Wh.shape[0] == 0:
        raise ValueError(f"Wh: expected shape (H, 4H), got {Wh.shape}")
    H = Wh.shape[0]
    if Wx.ndim != 2 or Wx.shape[1] != 4 * H:
        raise ValueError(f"Wx: expected shape (D, 4H) = (D, {4 * H}), got {Wx.shape}")
    if b.shape != (4 * H,):
        raise ValueError(f"b: expected shape (4H,) = ({4 * H},), got {b.shape}")
    return Wx, Wh, b


def ours_from_torch_layout(
    weight_ih: Any, weight_hh: Any, bias_ih: Optional[Any] = None, bias_hh: Optional[Any] = None
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's layout (4H, D), (4H, H), (4H,) x 2 -> the course's (D, 4H), (H, 4H), (4H,).

    The gate order is not changed (both are i, f, g, o). For a module, this
    is what ``rnn_helpers.numpy_rnn.params_from_torch`` does.

    Inputs:
    - weight_ih: (4H, D); weight_hh: (4H, H); bias_ih, bias_hh: (4H,) or None (zeros).

    Returns:
    - Wx = weight_ih.T (D, 4H), Wh = weight_hh.T (H, 4H), b = bias_ih + bias_hh (4H,).
    """
    w_ih, w_hh = _as_array("weight_ih", weight_ih), _as_array("weight_hh", weight_hh)
    if w_hh.ndim != 2 or w_hh.shape[0] != 4 * w_hh.shape[1] or w_hh.shape[1] == 0:
        raise ValueError(f"weight_hh: expected shape (4H, H), got {w_hh.shape}")
    G = w_hh.shape[0]
    if w_ih.ndim != 2 or w_ih.shape[0] != G:
        raise ValueError(f"weight_ih: expected shape (4H, D) = ({G}, D), got {w_ih.shape}")
    b = np.zeros(G, dtype=np.result_type(w_ih, w_hh))
    for name, v in (("bias_ih", bias_ih), ("bias_hh", bias_hh)):
        if v is not None:
            v = _as_array(name, v)
            if v.shape != (G,):
                raise ValueError(f"{name}: expected shape (4H,) = ({G},), got {v.shape}")
            b = b + v
    return w_ih.T.copy(), w_hh.T.copy(), b


def torch_layout_from_ours(
    Wx: Any, Wh: Any, b: Any
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The course's layout -> PyTorch's ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

    The whole bias goes into ``bias_ih``; ``bias_hh`` is zero (only their sum
    matters in an LSTM).

    Inputs:
    - Wx (D, 4H), Wh (H, 4H), b (4H,).

    Returns:
    - weight_ih (4H, D), weight_hh (4H, H), bias_ih (4H,), bias_hh (4H,) zeros.
    """
    Wx, Wh, b = _check_ours(Wx, Wh, b)
    return Wx.T.copy(), Wh.T.copy(), b.copy(), np.zeros_like(b)


def load_into_torch(module: Any, Wx: Any, Wh: Any, b: Any) -> Any:
    """Copy course-layout parameters (order i, f, g, o) into a torch LSTM, in place.

    Inputs:
    - module: a single-layer, unidirectional ``torch.nn.LSTM`` without
      projection, or a ``torch.nn.LSTMCell``, with matching sizes and biases.
    - Wx (D, 4H), Wh (H, 4H), b (4H,).

    Returns:
    - the module (its weights overwritten; ``bias_hh`` set to zero).
    """
    import torch

    if isinstance(module, torch.nn.LSTM):
        if module.num_layers != 1 or module.bidirectional or getattr(module, "proj_size", 0):
            raise ValueError("module: expected a single-layer, unidirectional LSTM without projection")
        suffix = "_l0"
    elif isinstance(module, torch.nn.LSTMCell):
        suffix = ""
    else:
        raise TypeError(f"module: expected a torch.nn.LSTM or LSTMCell, got {type(module).__name__}")
    if not module.bias:
        raise ValueError("module: expected an LSTM with biases (bias=True)")
    w_ih, w_hh, b_ih, b_hh = torch_layout_from_ours(Wx, Wh, b)
    targets = {"weight_ih": w_ih, "weight_hh": w_hh, "bias_ih": b_ih, "bias_hh": b_hh}
    with torch.no_grad():
        for name, value in targets.items():
            p = getattr(module, name + suffix)
            if tuple(p.shape) != value.shape:
                raise ValueError(
                    f"{name}{suffix}: the module has shape {tuple(p.shape)}, the parameters "
                    f"give {value.shape}"
                )
            p.copy_(torch.as_tensor(value, dtype=p.dtype))
    return module


def from_tf1(
    kernel: Any, bias: Any, input_size: int, forget_bias: float = 1.0
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TensorFlow 1 ``LSTMCell``/``BasicLSTMCell`` variables -> course layout, PyTorch order.

    TF1 computes ``[x, h] @ kernel + bias``, splits it into ``i, j, f, o`` and
    uses ``sigmoid(f + forget_bias)``: the forget bias it applies is the
    stored one *plus* the constructor's ``forget_bias`` (default 1.0). The
    result therefore adds ``forget_bias`` to the f block of the bias.

    Inputs:
    - kernel: (D + H, 4H), rows 0..D-1 multiply x, rows D.. multiply h.
    - bias: (4H,).
    - input_size: D.
    - forget_bias: the cell's ``forget_bias`` argument (1.0 unless changed).

    Returns:
    - Wx (D, 4H), Wh (H, 4H), b (4H,), blocks i, f, g, o: ready for
      ``rnn_helpers.numpy_rnn.lstm_forward`` or :func:`load_into_torch`.
    """
    kernel, bias = _as_array("kernel", kernel), _as_array("bias", bias)
    if kernel.ndim != 2 or kernel.shape[1] % 4 or kernel.shape[1] == 0:
        raise ValueError(f"kernel: expected shape (D + H, 4H), got {kernel.shape}")
    H = kernel.shape[1] // 4
    D = int(input_size)
    if D < 1 or kernel.shape[0] != D + H:
        raise ValueError(
            f"kernel: expected shape (D + H, 4H) = ({D} + {H}, {4 * H}) for input_size = {D}, "
            f"got {kernel.shape}"
        )
    if bias.shape != (4 * H,):
        raise ValueError(f"bias: expected shape (4H,) = ({4 * H},), got {bias.shape}")
    Wx = reorder_gates(kernel[:D], "tf1", "pytorch")  # (D, 4H)
    Wh = reorder_gates(kernel[D:], "tf1", "pytorch")  # (H, 4H)
    b = reorder_gates(bias, "tf1", "pytorch")  # (4H,)
    b[H : 2 * H] += forget_bias  # the run-time forget bias becomes part of b_f
    return Wx, Wh, b


def to_tf1(
    Wx: Any, Wh: Any, b: Any, forget_bias: float = 1.0
) -> Tuple[np.ndarray, np.ndarray]:
    """Course layout (order i, f, g, o) -> TF1 ``kernel`` (D + H, 4H) and ``bias`` (4H,).

    The inverse of :func:`from_tf1`: ``forget_bias`` is subtracted from the f
    block, because the TF1 cell adds it back at run time.

    Returns:
    - kernel (D + H, 4H) and bias (4H,), blocks i, j, f, o.
    """
    Wx, Wh, b = _check_ours(Wx, Wh, b)
    H = Wh.shape[0]
    b = b.copy()
    b[H : 2 * H] -= forget_bias
    kernel = reorder_gates(np.concatenate([Wx, Wh], axis=0), "pytorch", "tf1")
    return kernel, reorder_gates(b, "pytorch", "tf1")


def _drop_direction_axis(name: str, a: np.ndarray, ndim: int) -> np.ndarray:
    if a.ndim == ndim + 1:
        if a.shape[0] != 1:
            raise ValueError(
                f"{name}: only forward (num_directions = 1) LSTMs are supported, got shape {a.shape}"
            )
        return a[0]
    if a.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim} or {ndim + 1} dimensions, got shape {a.shape}")
    return a


def from_onnx(W: Any, R: Any, B: Optional[Any] = None) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ONNX ``LSTM`` inputs W, R, B -> course layout, PyTorch order.

    ONNX computes ``Xt W^T + Ht-1 R^T + Wb + Rb`` with blocks i, o, f, c.
    (Peepholes ``P`` have no counterpart in ``torch.nn.LSTM`` and are not
    handled.)

    Inputs:
    - W: (1, 4H, D) or (4H, D).
    - R: (1, 4H, H) or (4H, H).
    - B: (1, 8H) or (8H,), the concatenation [Wb, Rb]; None means zeros.

    Returns:
    - Wx (D, 4H), Wh (H, 4H), b = Wb + Rb (4H,), blocks i, f, g, o.
    """
    W = _drop_direction_axis("W", _as_array("W", W), 2)
    R = _drop_direction_axis("R", _as_array("R", R), 2)
    if R.shape[0] != 4 * R.shape[1] or R.shape[1] == 0:
        raise ValueError(f"R: expected shape (4H, H), got {R.shape}")
    H = R.shape[1]
    if W.shape[0] != 4 * H:
        raise ValueError(f"W: expected shape (4H, D) = ({4 * H}, D), got {W.shape}")
    if B is None:
        b = np.zeros(4 * H, dtype=np.result_type(W, R))
    else:
        B = _drop_direction_axis("B", _as_array("B", B), 1)
        if B.shape != (8 * H,):
            raise ValueError(f"B: expected shape (8H,) = ({8 * H},), got {B.shape}")
        b = B[: 4 * H] + B[4 * H :]
    return (reorder_gates(W.T, "onnx", "pytorch"), reorder_gates(R.T, "onnx", "pytorch"),
            reorder_gates(b, "onnx", "pytorch"))


def to_onnx(Wx: Any, Wh: Any, b: Any) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Course layout (order i, f, g, o) -> ONNX ``W`` (1, 4H, D), ``R`` (1, 4H, H), ``B`` (1, 8H).

    The whole bias goes into ``Wb``; ``Rb`` is zero.
    """
    Wx, Wh, b = _check_ours(Wx, Wh, b)
    W = reorder_gates(Wx, "pytorch", "onnx").T[None]  # (1, 4H, D)
    R = reorder_gates(Wh, "pytorch", "onnx").T[None]  # (1, 4H, H)
    B = np.concatenate([reorder_gates(b, "pytorch", "onnx"), np.zeros_like(b)])[None]  # (1, 8H)
    return np.ascontiguousarray(W), np.ascontiguousarray(R), B


def from_keras(kernel: Any, recurrent_kernel: Any, bias: Optional[Any] = None
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keras ``LSTM`` weights -> course layout. Nothing moves: Keras stores
    ``kernel`` (D, 4H), ``recurrent_kernel`` (H, 4H) and ``bias`` (4H,) in
    the order i, f, c, o, which *is* the course's layout and order; this
    function only checks the shapes and copies.

    Returns:
    - Wx (D, 4H), Wh (H, 4H), b (4H,) (zeros if ``bias`` is None).
    """
    Wh = _as_array("recurrent_kernel", recurrent_kernel)
    b = np.zeros(Wh.shape[-1], dtype=Wh.dtype) if bias is None else bias
    Wx, Wh, b = _check_ours(kernel, Wh, b)
    return Wx.copy(), Wh.copy(), b.copy()

