"""Weight layouts: PyTorch's and the course's arrays, LSTM gate orders, counts.

One module for every question of the form "which number goes where":

- **PyTorch -> NumPy**: :func:`params_from_torch` copies a ``torch.nn``
  RNN / LSTM / GRU (or cell) into the arrays of :mod:`rnn_helpers.numpy_rnn`
  (public there as ``rnn_helpers.numpy_rnn.params_from_torch``);
  :func:`load_into_torch` and :func:`torch_layout_from_ours` go back for the
  LSTM.
- **Parameter counts**: :func:`count_parameters` of a (stacked) RNN, GRU or
  LSTM, as ``torch.nn`` reports them or as the textbook equations count them.
- **LSTM gate orders**: which block of the 4H axis is which gate in
  PyTorch, TensorFlow 1, ONNX and Keras (:func:`gate_order`,
  :func:`split_gates`, :func:`reorder_gates`, :func:`from_tf1`,
  :func:`from_onnx`, :func:`to_onnx`, :func:`from_keras`).

PyTorch stores ``weight_ih_l0`` as (G H, D) and computes ``x W^T``; the NumPy
cells use ``x Wx`` with ``Wx`` (D, G H), so ``Wx = weight_ih_l0.T`` and
``Wh = weight_hh_l0.T`` (G = 1, 4, 3 gate blocks for RNN, LSTM, GRU). For the
RNN and the LSTM the two bias vectors only ever appear as a sum, so ``b =
bias_ih_l0 + bias_hh_l0``; the GRU keeps them apart because ``bias_hh_l0``'s
n block is multiplied by the reset gate.

Gate orders of the LSTM, with the course's letters i (input gate), f (forget
gate), g (candidate cell, also called c or j) and o (output gate). Loading
weights with the wrong convention gives a network that runs without error and
computes nonsense:

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
The gate axis is the *last* one in the course's (and Keras's) layout, ``Wx``
(D, 4H), ``Wh`` (H, 4H), ``b`` (4H,), and the *first* one in PyTorch's,
``weight_ih_l0`` (4H, D) (``axis=0``); ONNX's ``W`` (1, 4H, D) uses ``axis=1``.

Every function returns new arrays and never modifies its inputs; torch is
imported only by the functions that need it. Example::

    from rnn_helpers.numpy_rnn.layout import from_tf1, reorder_gates
    Wx, Wh, b = from_tf1(kernel, bias, input_size=D)  # TF1 -> course order
    w_ih_tf1 = reorder_gates(weight_ih, "pytorch", "tf1", axis=0)

(The module is a little over 400 lines because it holds the three layout
questions in one place; every function is short.)
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import check_choice, check_int

__all__ = [
    "params_from_torch",
    "torch_layout_from_ours",
    "load_into_torch",
    "GATE_BLOCKS",
    "count_parameters",
    "GATES",
    "GATE_ORDERS",
    "GATE_NAMES",
    "gate_order",
    "split_gates",
    "reorder_gates",
    "from_tf1",
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

# Other names accepted for the conventions above.
_ALIASES: Dict[str, str] = {
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


# ----------------------------------------------------------------------------
# PyTorch <-> the course's arrays
# ----------------------------------------------------------------------------


def _to_numpy(t: Any) -> np.ndarray:
    """A detached, contiguous NumPy copy of a tensor (never shares memory)."""
    return np.ascontiguousarray(t.detach().cpu().numpy()).copy()


def params_from_torch(module: Any):
    """NumPy parameters of a ``torch.nn`` RNN, LSTM or GRU (or cell).

    Supported modules: ``nn.RNN`` (tanh), ``nn.LSTM`` (no projection),
    ``nn.GRU`` with any ``num_layers`` and ``bidirectional``, and the cells
    ``nn.RNNCell`` (tanh), ``nn.LSTMCell``, ``nn.GRUCell``.  ``bias=False``
    modules are fine: their biases are returned as zeros.  ``batch_first``
    does not change the weights; the sequence functions of this package are
    batch-first, so compare them with a ``batch_first=True`` module (or
    transpose the time-major input yourself).

    Inputs:
    - module: a torch.nn.RNN / LSTM / GRU / RNNCell / LSTMCell / GRUCell with
      H hidden units and D input features, of dtype float32 or float64.

    Returns, for a single-layer unidirectional module or a cell, a tuple of
    NumPy arrays in the module's dtype (copies); for ``num_layers > 1`` or
    ``bidirectional=True`` a list of such tuples, one per layer and
    direction in torch's order l0, l0_reverse, l1, ... (layer l >= 1 has
    Wx of shape (dirs*H, gates*H)), the ``params`` of
    :func:`rnn_helpers.numpy_rnn.deep.deep_forward`:
    - RNN(Cell): (Wx, Wh, b) with Wx (D, H), Wh (H, H), b (H,).
    - LSTM(Cell): (Wx, Wh, b) with Wx (D, 4H), Wh (H, 4H), b (4H,),
      gate blocks i, f, g, o.
    - GRU(Cell): (Wx, Wh, bx, bh) with Wx (D, 3H), Wh (H, 3H), bx (3H,),
      bh (3H,), gate blocks r, z, n.
    Here Wx == weight_ih_l0.T, Wh == weight_hh_l0.T, b == bias_ih_l0 +
    bias_hh_l0, bx == bias_ih_l0, bh == bias_hh_l0 (``weight_ih`` etc. for a cell).

    Raises:
    - ValueError: ``module`` is not one of the supported torch.nn classes;
      proj_size > 0, the relu nonlinearity, or a dtype other than
      float32/float64.
    """
    import torch
    import torch.nn as nn

    if isinstance(module, (nn.RNN, nn.LSTM, nn.GRU)):
        if module.num_layers != 1 or module.bidirectional:
            # one tuple per layer and direction, torch's order l0, l0_reverse, l1, ...
            from rnn_helpers.numpy_rnn.deep import deep_params_from_torch

            return deep_params_from_torch(module)
        if getattr(module, "proj_size", 0):
            raise ValueError(
                f"module: expected an LSTM without projection, got proj_size={module.proj_size}"
            )
        suffix = "_l0"
    elif isinstance(module, (nn.RNNCell, nn.LSTMCell, nn.GRUCell)):
        suffix = ""
    else:
        raise ValueError(
            "module: expected a torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell, "
            f"got {type(module).__name__}"
        )

    if isinstance(module, (nn.RNN, nn.RNNCell)) and module.nonlinearity != "tanh":
        raise ValueError(
            f"module: expected nonlinearity='tanh' (the NumPy RNN is tanh), "
            f"got {module.nonlinearity!r}"
        )

    w_ih = getattr(module, "weight_ih" + suffix)  # (gates*H, D)
    w_hh = getattr(module, "weight_hh" + suffix)  # (gates*H, H)
    if w_ih.dtype not in (torch.float32, torch.float64):
        raise ValueError(
            f"module: expected float32 or float64 parameters, got {w_ih.dtype}; "
            "call module.float() or module.double() first"
        )
    Wx = _to_numpy(w_ih.T)  # (D, gates*H)
    Wh = _to_numpy(w_hh.T)  # (H, gates*H)
    dtype = Wx.dtype
    G = Wx.shape[1]
    if module.bias:
        bx = _to_numpy(getattr(module, "bias_ih" + suffix))  # (gates*H,)
        bh = _to_numpy(getattr(module, "bias_hh" + suffix))  # (gates*H,)
    else:
        bx = np.zeros(G, dtype=dtype)
        bh = np.zeros(G, dtype=dtype)

    if isinstance(module, (nn.GRU, nn.GRUCell)):
        return Wx, Wh, bx, bh
    return Wx, Wh, bx + bh


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
        raise ValueError(f"module: expected a torch.nn.LSTM or LSTMCell, got {type(module).__name__}")
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


# ----------------------------------------------------------------------------
# parameter counts
# ----------------------------------------------------------------------------


#: Number of gate blocks (stacked weight matrices) per cell.
GATE_BLOCKS: Dict[str, int] = {"rnn": 1, "gru": 3, "lstm": 4}


def count_parameters(cell: str, D: int, H: int, *, biases: int = 2, num_layers: int = 1) -> int:
    """Number of trainable parameters of a (stacked) RNN, GRU or LSTM layer.

    A cell with G gate blocks (RNN 1, GRU 3, LSTM 4) has, per layer, an
    input matrix (G H, D_in), a recurrent matrix (G H, H) and ``biases`` bias
    vectors of G H entries: G (H D_in + H^2 + biases H). Layer 1 reads the
    input (D_in = D), every further layer the H states below (D_in = H).

    With ``biases=2`` (the default) this is what ``torch.nn.RNN``, ``GRU`` and
    ``LSTM`` report (``sum(p.numel() for p in m.parameters())``), since PyTorch
    follows cuDNN's layout with an input and a recurrent bias. ``biases=1`` is
    the count of the textbook equations, with one bias per gate; ``biases=0``
    is ``bias=False``.

    Inputs:
    - cell: "rnn", "gru" or "lstm" (case-insensitive).
    - D: input size, a positive integer.
    - H: hidden size, a positive integer.
    - biases: 0, 1 or 2 bias vectors per gate block.
    - num_layers: number of stacked layers, a positive integer.

    Returns:
    - n: the number of parameters, a Python int.
    """
    cell = check_choice("cell", cell, tuple(GATE_BLOCKS), casefold=True)
    D = check_int("D", D, 1)
    H = check_int("H", H, 1)
    L = check_int("num_layers", num_layers, 1)
    biases = int(check_choice("biases", biases, (0, 1, 2)))
    G = GATE_BLOCKS[cell]
    total = 0
    for layer in range(L):
        D_in = D if layer == 0 else H
        total += G * (H * D_in + H * H + biases * H)
    return total


# ----------------------------------------------------------------------------
# LSTM gate orders
# ----------------------------------------------------------------------------


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
        key = _ALIASES.get(key, key)
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
        names = sorted(GATE_ORDERS) + sorted(_ALIASES)
        raise ValueError(
            f"order: expected one of {names} or the four letters i, f, g, o in some order, "
            f"got {order!r}"
        )
    return letters


def _permutation(src: Any, dst: Any) -> Tuple[int, ...]:
    """Block k of the result is block ``perm[k]`` of the source, e.g.
    ``_permutation("pytorch", "tf1") == (0, 2, 1, 3)``."""
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
    perm = _permutation(src, dst)
    index = np.concatenate([np.arange(k * H, (k + 1) * H) for k in perm])  # (4H,)
    return np.take(a, index, axis=axis)


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

