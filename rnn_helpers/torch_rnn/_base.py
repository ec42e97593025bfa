"""Shared machinery of the from-scratch recurrent modules in ``torch_rnn``.

The base class owns what ``RNN``, ``LSTM`` and ``GRU`` have in common: the
four parameters (named exactly like a single-layer ``torch.nn`` module's),
their initialisation, input validation, the unbatched (2-D) case, the loop
over time in ``forward`` and ``from_torch``. Each subclass writes only its
own recurrence, one time step, in ``_step``. ``ChoiceAttribute`` is the
validated mode switch of the Part IV modules (``MinGRU.mode``,
``SelectiveSSM.method``).

Letters: N batch, T time, D input size, H hidden size, G number of gate
blocks (1 for RNN, 4 for LSTM, 3 for GRU).
"""

import math

import torch
from torch import nn

from rnn_helpers.argcheck import check_choice, check_int


class ChoiceAttribute:
    """
    An attribute that holds one of a fixed set of values (a mode switch).

    Assigning anything else raises ValueError naming the attribute and the
    allowed values (:func:`rnn_helpers.argcheck.check_choice`), in the
    constructor and later alike.

    Inputs:
    - choices: The allowed values, in the order the message lists them
    - doc: What the attribute means, shown by help()
    """

    def __init__(self, choices, doc: str):
        self.choices = tuple(choices)
        self.__doc__ = doc

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return obj.__dict__["_" + self.name]

    def __set__(self, obj, value) -> None:
        obj.__dict__["_" + self.name] = check_choice(self.name, value, self.choices)


def _linear(a, weight, bias):
    """
    Affine map a @ weight.T + bias, with bias optional.

    Inputs:
    - a: Tensor of shape (..., K)
    - weight: Tensor of shape (M, K)
    - bias: Tensor of shape (M,), or None for no bias

    Returns:
    - out: Tensor of shape (..., M)
    """
    out = a @ weight.T  # (..., M)
    if bias is not None:
        out = out + bias  # (..., M)
    return out


class _RecurrentBase(nn.Module):
    """
    Parameters, initialisation, validation and ``from_torch`` shared by the
    single-layer, unidirectional, batch-first recurrent modules.

    Constructor inputs: input_size (D), hidden_size (H), bias=True,
    dtype=None, device=None. ``forward(x, hx=None)`` takes x of shape
    (N, T, D) (or unbatched (T, D)) and the initial state (None for zeros)
    and returns (output (N, T, H), final state), like the ``torch.nn``
    counterpart with batch_first=True. ``X.from_torch(module)`` copies a
    ``torch.nn`` module's weights.

    Subclasses set ``_gates`` (number of H-sized gate blocks stacked in the
    weight matrices) and ``_torch_class`` (the ``torch.nn`` counterpart),
    and implement ``_step``; the LSTM also overrides ``_initial_state`` and
    ``_final_state`` for its (h, c) pair.
    """

    _gates = 1
    _torch_class = None

    def __init_subclass__(cls, **kwargs):
        # every module's docstring ends with the contract they share
        super().__init_subclass__(**kwargs)
        name, ref = cls.__name__, getattr(cls._torch_class, "__name__", "RNN")
        cls.__doc__ = (cls.__doc__ or "").rstrip() + f"""

    Constructor, ``forward(x, hx=None)`` and ``from_torch`` as for every module
    of :mod:`rnn_helpers.torch_rnn`: ``{name}(3, 5)(x)`` returns what
    ``torch.nn.{ref}(3, 5, batch_first=True)(x)`` returns.
    """

    def __init__(self, input_size, hidden_size, bias=True, dtype=None, device=None):
        """
        Create the parameters and initialise them like ``torch.nn``.

        Inputs:
        - input_size: Integer D, the size of each input vector x_t
        - hidden_size: Integer H, the size of the hidden state h_t
        - bias: If False, the module has no bias_ih_l0 / bias_hh_l0
          (both attributes are then None)
        - dtype: Floating-point dtype of the parameters (default: torch's default dtype)
        - device: Device of the parameters (default: torch's default device)
        """
        super().__init__()
        input_size = check_int("input_size", input_size, 1)
        hidden_size = check_int("hidden_size", hidden_size, 1)
        if dtype is not None and not dtype.is_floating_point:
            raise ValueError(f"dtype: expected a floating-point dtype, got {dtype}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bool(bias)
        factory = {"dtype": dtype, "device": device}
        GH = self._gates * hidden_size
        # Registration order matches torch.nn, so the same seed gives the same weights.
        self.weight_ih_l0 = nn.Parameter(torch.empty(GH, input_size, **factory))  # (GH, D)
        self.weight_hh_l0 = nn.Parameter(torch.empty(GH, hidden_size, **factory))  # (GH, H)
        if self.bias:
            self.bias_ih_l0 = nn.Parameter(torch.empty(GH, **factory))  # (GH,)
            self.bias_hh_l0 = nn.Parameter(torch.empty(GH, **factory))  # (GH,)
        else:
            self.register_parameter("bias_ih_l0", None)
            self.register_parameter("bias_hh_l0", None)
        self.reset_parameters()

    @property
    def batch_first(self):
        """Always True: inputs are (N, T, D) and outputs (N, T, H)."""
        return True

    def reset_parameters(self):
        """Draw every parameter from uniform(-1/sqrt(H), 1/sqrt(H)), as torch.nn does."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        return s + ", batch_first=True"

    # ------------------------------------------------------------------ #
    # Validation
    # ------------------------------------------------------------------ #
    def _check_input(self, x):
        """
        Validate the input sequence and give it a batch dimension.

        Inputs:
        - x: Tensor of shape (N, T, D), or (T, D) for one unbatched sequence

        Returns a tuple of:
        - x: Tensor of shape (N, T, D) (a view with N = 1 if x was unbatched)
        - batched: True if x was 3-D
        """
        D = self.input_size
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"x: expected a torch.Tensor, got {type(x).__name__}")
        shape = tuple(x.shape)
        if x.dim() not in (2, 3):
            raise ValueError(
                f"x: expected shape (N, T, D) or unbatched (T, D) with D = {D}, got {shape}"
            )
        if shape[-1] != D:
            expected = "(N, T, D)" if x.dim() == 3 else "(T, D)"
            raise ValueError(f"x: expected shape {expected} with D = input_size = {D}, got {shape}")
        if shape[-2] == 0:
            raise ValueError(f"x: expected at least one time step (T >= 1), got shape {shape}")
        if not x.is_floating_point():
            raise ValueError(f"x: expected a floating-point tensor, got dtype {x.dtype}")
        wdtype = self.weight_ih_l0.dtype
        if x.dtype != wdtype:
            raise ValueError(
                f"x: dtype {x.dtype} does not match the parameters' dtype {wdtype}; "
                f"convert the input with x.to({wdtype}) or the module with .to({x.dtype})"
            )
        batched = x.dim() == 3
        return (x if batched else x.unsqueeze(0)), batched  # (N, T, D)

    def _check_state(self, h, name, x, batched):
        """
        Validate one initial state (h0 or c0) and give it a batch dimension.

        Inputs:
        - h: Tensor of shape (1, N, H), or (1, H) when the input was unbatched;
          or None for zeros
        - name: Name used in error messages, e.g. "hx" or "hx[1] (c0)"
        - x: The (already batched) input, of shape (N, T, D)
        - batched: Whether the original input was 3-D

        Returns:
        - h: Tensor of shape (1, N, H)
        """
        N, H = x.shape[0], self.hidden_size
        if h is None:
            return x.new_zeros(1, N, H)  # (1, N, H)
        if not isinstance(h, torch.Tensor):
            raise ValueError(f"{name}: expected a torch.Tensor or None, got {type(h).__name__}")
        if batched:
            expected, symbols, note = (1, N, H), "(1, N, H)", ""
        else:
            expected, symbols, note = (1, H), "(1, H)", " for unbatched 2-D x"
        if tuple(h.shape) != expected:
            raise ValueError(
                f"{name}: expected shape {symbols} = {expected}{note}, got {tuple(h.shape)}"
            )
        if h.dtype != x.dtype:
            raise ValueError(f"{name}: expected dtype {x.dtype} (the dtype of x), got {h.dtype}")
        return h if batched else h.unsqueeze(1)  # (1, N, H)

    # ------------------------------------------------------------------ #
    # The recurrence
    # ------------------------------------------------------------------ #
    def forward(self, x, hx=None):
        """
        Run the cell over a whole sequence.

        Inputs:
        - x: Input sequence, of shape (N, T, D); or (T, D) for one unbatched sequence
        - hx: Initial state, None (default) for zeros. RNN and GRU: h_0 of
          shape (1, N, H), or (1, H) if x is unbatched. LSTM: a tuple
          (h_0, c_0) of two such tensors (None for either means zeros for it)

        Returns a tuple of:
        - output: Hidden states h_1..h_T, of shape (N, T, H); (T, H) if unbatched
        - final state: RNN and GRU: h_T, of shape (1, N, H); LSTM: the tuple
          (h_T, c_T), each of shape (1, N, H). (1, H) each if unbatched
        """
        x, batched = self._check_input(x)  # (N, T, D)
        state = self._initial_state(hx, x, batched)  # tuple of (N, H)
        # Input projection for all time steps at once; only the recurrence loops.
        xw = _linear(x, self.weight_ih_l0, self.bias_ih_l0)  # (N, T, GH)
        hs = []
        for t in range(x.shape[1]):
            state = self._step(xw[:, t], state)  # tuple of (N, H), h first
            hs.append(state[0])
        output = torch.stack(hs, dim=1)  # (N, T, H)
        finals = tuple(s.unsqueeze(0) for s in state)  # tuple of (1, N, H)
        output, finals = self._unbatch(output, finals, batched)
        return output, self._final_state(finals)

    def _initial_state(self, hx, x, batched):
        """
        Validate hx and return the initial state as a tuple of (N, H) tensors.

        Inputs:
        - hx: Tensor of shape (1, N, H), or (1, H) if unbatched; or None
        - x: The (already batched) input, of shape (N, T, D)
        - batched: Whether the original input was 3-D

        Returns:
        - state: Tuple (h_0,) with h_0 of shape (N, H)
        """
        return (self._check_state(hx, "hx", x, batched)[0],)  # (N, H)

    def _step(self, xw_t, state):
        """
        One time step of the recurrence (implemented by each subclass).

        Inputs:
        - xw_t: Input projection x_t W_ih^T + b_ih, of shape (N, GH)
        - state: Tuple of the previous states, each of shape (N, H), h first

        Returns:
        - state: Tuple of the new states, each of shape (N, H), h first
        """
        raise NotImplementedError

    @staticmethod
    def _final_state(finals):
        """What ``forward`` returns as its final state: h_n alone (RNN, GRU)."""
        return finals[0]

    @staticmethod
    def _unbatch(output, states, batched):
        """
        Undo the batch dimension added for an unbatched input.

        Inputs:
        - output: Tensor of shape (N, T, H)
        - states: Tuple of final states, each of shape (1, N, H)
        - batched: Whether the original input was 3-D

        Returns a tuple of:
        - output: (N, T, H), or (T, H) if unbatched
        - states: Tuple of tensors (1, N, H), or (1, H) each if unbatched
        """
        if batched:
            return output, states
        return output[0], tuple(s[:, 0] for s in states)  # (T, H), (1, H)

    # ------------------------------------------------------------------ #
    # Interoperability with torch.nn
    # ------------------------------------------------------------------ #
    @classmethod
    def from_torch(cls, module):
        """
        Build a module of this class holding a copy of a torch.nn module's weights.

        Our modules are always batch-first; the source module's batch_first
        may be either (it does not change the weights). The copy has the
        source's dtype, device, requires_grad flags and training mode, shares
        no storage with it, and does not consume the global random state.

        Inputs:
        - module: A single-layer, unidirectional torch.nn module of the
          matching class (torch.nn.RNN with nonlinearity='tanh' for RNN,
          torch.nn.LSTM with proj_size=0 for LSTM, torch.nn.GRU for GRU),
          with or without biases

        Returns:
        - ours: An instance of this class whose outputs and gradients equal
          module's (for batch-first data)

        Raises ValueError if module is of another class or configuration.
        """
        ref = cls._torch_class
        where = f"{cls.__name__}.from_torch"
        if not isinstance(module, ref):
            got = type(module)
            raise ValueError(
                f"{where}: expected a torch.nn.{ref.__name__}, "
                f"got {got.__module__}.{got.__qualname__}"
            )
        if module.num_layers != 1:
            raise ValueError(
                f"{where}: only num_layers=1 is supported, got num_layers={module.num_layers}"
            )
        if module.bidirectional:
            raise ValueError(
                f"{where}: only unidirectional modules are supported, got bidirectional=True"
            )
        if getattr(module, "proj_size", 0) > 0:
            raise ValueError(
                f"{where}: proj_size > 0 is not supported, got proj_size={module.proj_size}"
            )
        nonlinearity = getattr(module, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            raise ValueError(
                f"{where}: only nonlinearity='tanh' is supported, got nonlinearity={nonlinearity!r}"
            )
        w = module.weight_ih_l0
        # skip_init: build on the meta device, so no random numbers are drawn.
        ours = nn.utils.skip_init(
            cls,
            module.input_size,
            module.hidden_size,
            bias=module.bias,
            dtype=w.dtype,
            device=w.device,
        )
        with torch.no_grad():
            for name, p in ours.named_parameters():
                src = getattr(module, name)
                p.copy_(src)
                p.requires_grad_(src.requires_grad)
        ours.train(module.training)
        return ours
