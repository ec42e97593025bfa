"""Input checks shared by the ``rnn_helpers`` modules.

Every public function of the package validates its arguments with these
helpers, so that a wrong shape or dtype fails *early* with a message that
names the argument and the expected shape, for example::

    ValueError: Wh: expected shape (H, H) = (5, 5), got (5, 4)
    ValueError: x: expected a 3-D array of shape (N, T, D), got shape (2, 3)

The helpers are generic (no knowledge of RNNs), so any module can use them.
(The module is about 450 lines, most of them docstrings: the one home of
every argument check of the package.)
Scalar arguments (sizes, seeds, learning rates, fractions, option names) are
checked by :func:`check_int`, :func:`check_float`, :func:`check_choice`,
:func:`check_bool`, :func:`check_rng` and :func:`check_float_dtype`; like the
array checks they raise ``ValueError`` (never ``TypeError``), naming the
argument and what was expected::

    ValueError: hidden_size: expected a positive integer, got 4.0
    ValueError: val_fraction: expected a number in (0, 1), got 1.5
    ValueError: cell: expected one of 'rnn', 'lstm', 'gru', got 'tanh'

Dtype rule of the package
-------------------------
Only real floating arrays of dtype ``float32`` or ``float64`` are accepted;
integer, boolean, complex, ``float16`` and ``longdouble`` arrays raise
``ValueError`` (convert explicitly, e.g. ``x.astype(np.float32)``).  When the
arguments of one call mix ``float32`` and ``float64``, the computation runs in
their NumPy result type (``float64``) -- see :func:`common_float_dtype`.
All-``float32`` inputs therefore give ``float32`` outputs: nothing is upcast
behind your back.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Iterable, Optional, Sequence

import numpy as np

__all__ = [
    "SUPPORTED_FLOAT_DTYPES",
    "as_float_array",
    "check_shape",
    "check_ndim",
    "common_float_dtype",
    "format_shape",
    "check_int",
    "check_float",
    "check_choice",
    "check_bool",
    "check_rng",
    "check_float_dtype",
]

#: The floating dtypes the numerical helpers accept.
SUPPORTED_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def format_shape(shape: Sequence[Any]) -> str:
    """Format a shape tuple the way Python prints it: ``(2, 3)``, ``(5,)``, ``()``.

    Inputs:
    - shape: sequence of ints (or strings / None for free dimensions).

    Returns:
    - a string such as ``"(2, 3)"``; a 1-tuple keeps its trailing comma.
    """
    items = ["?" if s is None else str(s) for s in shape]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _letters_tuple(letters: Optional[str], ndim: int) -> Optional[tuple]:
    """Split a letters string such as ``"N, T, D"``, ``"(N, T, D)"`` or ``"NTD"``."""
    if letters is None:
        return None
    text = letters.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    if "," in text:
        parts = tuple(p.strip() for p in text.split(",") if p.strip())
    elif " " in text.strip():
        parts = tuple(text.split())
    else:
        parts = tuple(text)
    if len(parts) != ndim:
        raise ValueError(
            f"letters {letters!r} must name {ndim} dimension(s), got {len(parts)}"
        )
    return parts


def as_float_array(
    name: str,
    a: Any,
    ndim: Optional[int] = None,
    shape_hint: Optional[str] = None,
) -> np.ndarray:
    """Return ``a`` as a float32/float64 NumPy array, checking dtype and rank.

    The array is not copied when it already is an ``ndarray`` of a supported
    dtype (``np.asarray`` semantics). Lists of Python floats become float64.

    Inputs:
    - name: the argument's name, used in error messages (e.g. ``"x"``).
    - a: array-like.
    - ndim: required number of dimensions, or None for any.
    - shape_hint: the expected shape in letters for messages, e.g. ``"(N, T, D)"``.

    Returns:
    - arr: np.ndarray of dtype float32 or float64, of rank ``ndim``.

    Raises:
    - ValueError: wrong dtype (integer, bool, complex, float16, ...) or wrong rank.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    try:
        arr = np.asarray(a)
    except Exception as exc:  # e.g. a torch tensor that requires grad
        raise ValueError(
            f"{name}: cannot convert {type(a).__name__} to a NumPy array ({exc})"
        ) from exc
    if arr.dtype not in SUPPORTED_FLOAT_DTYPES:
        what = f" of shape {format_shape(_shape_hint_tuple(shape_hint))}" if shape_hint else ""
        raise ValueError(
            f"{name}: expected a float32 or float64 array{what}, got dtype {arr.dtype}"
            + (
                "; convert it first, e.g. with .astype(np.float64)"
                if arr.dtype.kind in "biuf"
                else ""
            )
        )
    if ndim is not None:
        check_ndim(name, arr, ndim, shape_hint)
    return arr


def _shape_hint_tuple(shape_hint: Optional[str]) -> tuple:
    """``"(N, T, D)"`` -> ``("N", "T", "D")`` (for messages only)."""
    if not shape_hint:
        return ()
    text = shape_hint.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]
    return tuple(p.strip() for p in text.split(",") if p.strip())


def check_ndim(
    name: str, a: np.ndarray, ndim: int, shape_hint: Optional[str] = None
) -> None:
    """Raise ``ValueError`` unless ``a.ndim == ndim``.

    Inputs:
    - name: argument name for the message.
    - a: np.ndarray.
    - ndim: required rank.
    - shape_hint: expected shape in letters, e.g. ``"(N, D)"`` (optional).

    Message example: ``x: expected a 3-D array of shape (N, T, D), got shape (2, 3)``.
    """
    if a.ndim != ndim:
        hint = f" of shape {format_shape(_shape_hint_tuple(shape_hint))}" if shape_hint else ""
        raise ValueError(
            f"{name}: expected a {ndim}-D array{hint}, got shape {format_shape(a.shape)}"
        )


def check_shape(
    name: str,
    a: np.ndarray,
    expected: Sequence[Optional[int]],
    letters: Optional[str] = None,
    context: Optional[str] = None,
) -> None:
    """Raise ``ValueError`` unless ``a.shape`` matches ``expected``.

    Inputs:
    - name: argument name for the message, e.g. ``"Wh"``.
    - a: np.ndarray (anything with ``.shape``).
    - expected: tuple of ints, with None for a free dimension, e.g. ``(5, 5)``
      or ``(None, 7)``.
    - letters: the dimensions' letters, e.g. ``"H, H"``, ``"(D, 4H)"`` or
      ``"NTD"`` (one character per dimension when there are no separators).
    - context: optional extra explanation appended to the message, e.g.
      ``"D = 4 from x.shape[-1], H = 5 from Wh.shape[0]"``.

    Message example: ``Wh: expected shape (H, H) = (5, 5), got (5, 4)``; a free
    dimension is shown by its letter: ``(N, T, D) = (N, T, 4)``.
    """
    expected = tuple(expected)
    shape = tuple(a.shape)
    letter_tuple = _letters_tuple(letters, len(expected))
    ok = len(shape) == len(expected) and all(
        e is None or int(e) == s for e, s in zip(expected, shape)
    )
    if ok:
        return
    if letter_tuple is None:
        want = format_shape(expected)
    else:
        filled = [l if e is None else int(e) for l, e in zip(letter_tuple, expected)]
        want = f"{format_shape(letter_tuple)} = {format_shape(filled)}"
    msg = f"{name}: expected shape {want}, got {format_shape(shape)}"
    if context:
        msg += f" ({context})"
    raise ValueError(msg)


def common_float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The dtype a computation on ``arrays`` runs in: their NumPy result type.

    All float32 -> float32; any float64 -> float64. Arrays are expected to be
    validated already by :func:`as_float_array`.

    Inputs:
    - *arrays: one or more np.ndarray of dtype float32/float64 (None entries
      are skipped).

    Returns:
    - np.dtype (float32 or float64).
    """
    present = [a for a in arrays if a is not None]
    if not present:
        raise ValueError("common_float_dtype needs at least one array")
    return np.result_type(*present)


# ----------------------------------------------------------------------------
# scalar arguments
# ----------------------------------------------------------------------------


def _suffix(detail: Optional[str]) -> str:
    return f" ({detail})" if detail else ""


def _int_wanted(minimum: Optional[int], maximum: Optional[int]) -> str:
    """``"a positive integer"``, ``"an integer in [1, 9]"``, ... for messages."""
    if maximum is not None:
        low = "-inf" if minimum is None else str(minimum)
        return f"an integer in [{low}, {maximum}]"
    if minimum is None:
        return "an integer"
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    return f"an integer >= {minimum}"


def check_int(
    name: str,
    value: Any,
    minimum: Optional[int] = None,
    maximum: Optional[int] = None,
    detail: Optional[str] = None,
) -> int:
    """Return ``value`` as a Python int, checking type and range.

    Python and NumPy integers are accepted; ``bool``, floats (even ``4.0``),
    strings and arrays are not.

    Inputs:
    - name: the argument's name, used in the message (e.g. ``"hidden_size"``).
    - value: the value to check.
    - minimum: smallest allowed value (inclusive), or None for no bound.
    - maximum: largest allowed value (inclusive), or None for no bound.
    - detail: optional explanation appended to the expectation, e.g.
      ``"the vocabulary size"``.

    Returns:
    - int(value).

    Raises:
    - ValueError: ``value`` is not an integer or lies outside the range;
      the message reads e.g.
      ``H: expected a positive integer, got 0``.
    """
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, Integral)
    if ok:
        ok = (minimum is None or value >= minimum) and (
            maximum is None or value <= maximum
        )
    if not ok:
        raise ValueError(
            f"{name}: expected {_int_wanted(minimum, maximum)}"
            f"{_suffix(detail)}, got {value!r}"
        )
    return int(value)


def _float_wanted(
    minimum: Optional[float],
    maximum: Optional[float],
    positive: bool,
    exclusive: bool,
    finite: bool,
) -> str:
    """``"a positive finite number"``, ``"a number in (0, 1)"``, ..."""
    fin = "finite " if finite else ""
    if positive and minimum is None and maximum is None:
        return f"a positive {fin}number"
    if minimum is not None and maximum is not None:
        left, right = ("(", ")") if exclusive else ("[", "]")
        return f"a number in {left}{minimum:g}, {maximum:g}{right}"
    parts = []
    if positive:
        parts.append("> 0")
    if minimum is not None:
        parts.append(f"{'>' if exclusive else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<' if exclusive else '<='} {maximum:g}")
    return f"a {fin}number" + (" " + " and ".join(parts) if parts else "")


def check_float(
    name: str,
    value: Any,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    *,
    positive: bool = False,
    exclusive: bool = False,
    finite: bool = True,
    detail: Optional[str] = None,
) -> float:
    """Return ``value`` as a Python float, checking type and range.

    Python and NumPy reals (ints included) are accepted; ``bool``, strings,
    complex numbers and arrays are not.

    Inputs:
    - name: the argument's name, used in the message (e.g. ``"lr"``).
    - value: the value to check.
    - minimum, maximum: bounds, or None for no bound.
    - positive: require ``value > 0``.
    - exclusive: the bounds themselves are not allowed (an open interval,
      e.g. a fraction in (0, 1)).
    - finite: reject NaN and +-inf (default True).
    - detail: optional explanation appended to the expectation.

    Returns:
    - float(value).

    Raises:
    - ValueError: e.g. ``val_fraction: expected a number in (0, 1), got 1.5``.
    """
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, Real)
    if ok:
        v = float(value)
        if math.isnan(v):
            ok = False
        elif finite and math.isinf(v):
            ok = False
        elif positive and not v > 0:
            ok = False
        elif minimum is not None and (v <= minimum if exclusive else v < minimum):
            ok = False
        elif maximum is not None and (v >= maximum if exclusive else v > maximum):
            ok = False
    if not ok:
        wanted = _float_wanted(minimum, maximum, positive, exclusive, finite)
        raise ValueError(f"{name}: expected {wanted}{_suffix(detail)}, got {value!r}")
    return float(value)


def _same_choice(a: Any, b: Any) -> bool:
    """``a == b`` as a plain bool; ``True`` never equals ``1`` here."""
    if isinstance(a, (bool, np.bool_)) != isinstance(b, (bool, np.bool_)):
        return False
    try:
        return bool(a == b)
    except Exception:  # e.g. an array compared with a string
        return False


def check_choice(
    name: str, value: Any, choices: Iterable[Any], *, casefold: bool = False
) -> Any:
    """Return ``value`` if it is one of ``choices``.

    Inputs:
    - name: the argument's name, used in the message (e.g. ``"cell"``).
    - value: the value to check.
    - choices: the allowed values (strings, ints, ...), in the order the
      message lists them.
    - casefold: compare strings case-insensitively and return the lower-case
      value (choices are then expected in lower case).

    Returns:
    - value (lower-cased when ``casefold`` and it is a string).

    Raises:
    - ValueError: e.g. ``cell: expected one of 'rnn', 'lstm', 'gru', got 'tanh'``.
    """
    options = list(choices)
    key = value.lower() if casefold and isinstance(value, str) else value
    hit = any(_same_choice(key, c) for c in options)
    if not hit:
        listed = ", ".join(repr(c) for c in options)
        raise ValueError(f"{name}: expected one of {listed}, got {value!r}")
    return key


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (NumPy bools too).

    Raises:
    - ValueError: e.g. ``bidirectional: expected True or False, got 1``.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_rng(name: str, rng: Any) -> np.random.Generator:
    """Return ``rng`` if it is a ``numpy.random.Generator``.

    Raises:
    - ValueError: e.g. ``rng: expected a numpy.random.Generator (e.g.
      np.random.default_rng(0)), got int``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"{name}: expected a numpy.random.Generator "
            f"(e.g. np.random.default_rng(0)), got {type(rng).__name__}"
        )
    return rng


def check_float_dtype(name: str, dtype: Any) -> np.dtype:
    """Return ``np.dtype(dtype)`` if it is float32 or float64.

    Raises:
    - ValueError: e.g. ``dtype: expected float32 or float64, got int64``.
    """
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise ValueError(
            f"{name}: expected float32 or float64, got {dtype!r}"
        ) from exc
    if dt not in SUPPORTED_FLOAT_DTYPES:
        raise ValueError(f"{name}: expected float32 or float64, got {dt}")
    return dt
