"""rnn_helpers.argcheck: dtype and shape checks with messages that name the argument."""

import re

import numpy as np
import pytest

from rnn_helpers.argcheck import (
    SUPPORTED_FLOAT_DTYPES,
    as_float_array,
    check_ndim,
    check_shape,
    common_float_dtype,
    format_shape,
)


@pytest.mark.parametrize(
    "shape,text", [((2, 3), "(2, 3)"), ((5,), "(5,)"), ((), "()"), (("N", "T", 4), "(N, T, 4)"), ((None, 3), "(?, 3)")]
)
def test_format_shape(shape, text):
    assert format_shape(shape) == text


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_as_float_array_keeps_float_arrays_without_copy(dtype):
    a = np.zeros((2, 3), dtype=dtype)
    out = as_float_array("x", a, 2, "(N, D)")
    assert out is a
    assert SUPPORTED_FLOAT_DTYPES == (np.dtype(np.float32), np.dtype(np.float64))


def test_as_float_array_converts_lists_and_scalars_to_float64():
    assert as_float_array("x", [[1.0, 2.0]], 2).dtype == np.float64
    assert as_float_array("s", 1.5).shape == ()


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint16, bool, np.complex128, np.float16, object])
def test_as_float_array_rejects_other_dtypes(dtype):
    a = np.zeros((2, 3), dtype=dtype)
    with pytest.raises(ValueError, match=re.escape(f"Wx: expected a float32 or float64 array of shape (D, H), got dtype {np.dtype(dtype)}")):
        as_float_array("Wx", a, 2, "(D, H)")


def test_as_float_array_rejects_integer_lists_with_a_hint():
    with pytest.raises(ValueError, match=r"x: expected a float32 or float64 array, got dtype int64; convert it first"):
        as_float_array("x", [1, 2, 3])


def test_as_float_array_checks_rank():
    with pytest.raises(ValueError, match=re.escape("x: expected a 3-D array of shape (N, T, D), got shape (2, 3)")):
        as_float_array("x", np.zeros((2, 3)), 3, "(N, T, D)")
    with pytest.raises(ValueError, match=re.escape("b: expected a 1-D array, got shape ()")):
        as_float_array("b", 1.0, 1)


def test_as_float_array_reports_unconvertible_objects():
    torch = pytest.importorskip("torch")
    t = torch.zeros(2, 3, requires_grad=True)  # np.asarray refuses tensors that need grad
    with pytest.raises(ValueError, match="x: cannot convert Tensor to a NumPy array"):
        as_float_array("x", t, 2)


def test_as_float_array_rejects_non_string_names():
    with pytest.raises(TypeError):
        as_float_array(3, np.zeros(2))


def test_check_ndim():
    check_ndim("h0", np.zeros((2, 3)), 2, "(N, H)")
    with pytest.raises(ValueError, match=re.escape("h0: expected a 2-D array of shape (N, H), got shape (2, 3, 4)")):
        check_ndim("h0", np.zeros((2, 3, 4)), 2, "(N, H)")


def test_check_shape_passes_and_allows_free_dimensions():
    check_shape("Wh", np.zeros((5, 5)), (5, 5), "H, H")
    check_shape("x", np.zeros((2, 3, 4)), (None, None, 4), "N, T, D")
    check_shape("x", np.zeros((2, 3, 4)), (2, 3, 4))


@pytest.mark.parametrize(
    "shape,expected,letters,message",
    [
        ((5, 4), (5, 5), "H, H", "Wh: expected shape (H, H) = (5, 5), got (5, 4)"),
        ((5, 4), (5, 5), "(H, H)", "Wh: expected shape (H, H) = (5, 5), got (5, 4)"),
        ((5, 4), (5, 5), "HH", "Wh: expected shape (H, H) = (5, 5), got (5, 4)"),
        ((5, 4), (5, 20), "H 4H", "Wh: expected shape (H, 4H) = (5, 20), got (5, 4)"),
        ((5, 4), (5, 5), None, "Wh: expected shape (5, 5), got (5, 4)"),
        ((2, 3, 5), (None, None, 4), "N, T, D", "Wh: expected shape (N, T, D) = (N, T, 4), got (2, 3, 5)"),
        ((7,), (8,), "(4H,)", "Wh: expected shape (4H,) = (8,), got (7,)"),
        ((5, 5, 1), (5, 5), "H, H", "Wh: expected shape (H, H) = (5, 5), got (5, 5, 1)"),
    ],
)
def test_check_shape_messages(shape, expected, letters, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_shape("Wh", np.zeros(shape), expected, letters)


def test_check_shape_appends_context():
    with pytest.raises(ValueError, match=re.escape("Wx: expected shape (D, H) = (3, 5), got (4, 5) (D = 3 from x.shape[-1])")):
        check_shape("Wx", np.zeros((4, 5)), (3, 5), "D, H", "D = 3 from x.shape[-1]")


def test_check_shape_rejects_letters_of_the_wrong_length():
    with pytest.raises(ValueError, match="must name 2 dimension"):
        check_shape("Wh", np.zeros((5, 4)), (5, 5), "N, T, D")


def test_common_float_dtype_is_the_result_type():
    f32, f64 = np.zeros(2, np.float32), np.zeros(2, np.float64)
    assert common_float_dtype(f32, f32) == np.float32
    assert common_float_dtype(f32, f64) == np.float64
    assert common_float_dtype(f32, None) == np.float32
    with pytest.raises(ValueError):
        common_float_dtype()


# ----------------------------------------------------------------------------
# scalar checks
# ----------------------------------------------------------------------------

from rnn_helpers.argcheck import (  # noqa: E402
    check_bool,
    check_choice,
    check_float,
    check_float_dtype,
    check_int,
    check_rng,
)


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3)])
def test_check_int_accepts_python_and_numpy_integers(value):
    out = check_int("n", value, 1)
    assert out == 3 and type(out) is int


@pytest.mark.parametrize(
    "value, minimum, maximum, message",
    [
        (0, 1, None, "H: expected a positive integer, got 0"),
        (4.0, 1, None, "H: expected a positive integer, got 4.0"),
        (True, 1, None, "H: expected a positive integer, got True"),
        ("3", None, None, "H: expected an integer, got '3'"),
        (-1, 0, None, "H: expected a non-negative integer, got -1"),
        (1, 2, None, "H: expected an integer >= 2, got 1"),
        (10, 1, 9, "H: expected an integer in [1, 9], got 10"),
    ],
)
def test_check_int_rejects_with_value_error(value, minimum, maximum, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_int("H", value, minimum, maximum)


def test_check_int_detail_is_in_the_message():
    with pytest.raises(ValueError, match=re.escape("a positive integer (the vocabulary size)")):
        check_int("V", 0, 1, detail="the vocabulary size")


@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.int64(2)])
def test_check_float_accepts_reals(value):
    out = check_float("lr", value, positive=True)
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize(
    "kwargs, value, message",
    [
        ({"positive": True}, 0.0, "lr: expected a positive finite number, got 0.0"),
        ({"positive": True}, float("inf"), "lr: expected a positive finite number, got inf"),
        ({"positive": True}, float("nan"), "lr: expected a positive finite number, got nan"),
        ({"positive": True}, True, "lr: expected a positive finite number, got True"),
        ({"positive": True}, "1", "lr: expected a positive finite number, got '1'"),
        ({"minimum": 0, "maximum": 1, "exclusive": True}, 1.0, "lr: expected a number in (0, 1), got 1.0"),
        ({"minimum": 0, "maximum": 1}, 1.5, "lr: expected a number in [0, 1], got 1.5"),
        ({"minimum": 0}, -0.5, "lr: expected a finite number >= 0, got -0.5"),
    ],
)
def test_check_float_rejects_with_value_error(kwargs, value, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        check_float("lr", value, **kwargs)


def test_check_float_bounds_are_inclusive_unless_exclusive():
    assert check_float("p", 0.0, 0, 1) == 0.0
    assert check_float("p", 1.0, 0, 1) == 1.0
    with pytest.raises(ValueError):
        check_float("p", 0.0, 0, 1, exclusive=True)
    assert check_float("t", float("inf"), 0, finite=False) == float("inf")


def test_check_choice():
    assert check_choice("cell", "gru", ("rnn", "lstm", "gru")) == "gru"
    assert check_choice("cell", "GRU", ("rnn", "lstm", "gru"), casefold=True) == "gru"
    assert check_choice("biases", 2, (0, 1, 2)) == 2
    with pytest.raises(ValueError, match=re.escape("cell: expected one of 'rnn', 'lstm', 'gru', got 'tanh'")):
        check_choice("cell", "tanh", ("rnn", "lstm", "gru"))
    with pytest.raises(ValueError, match=re.escape("biases: expected one of 0, 1, 2, got True")):
        check_choice("biases", True, (0, 1, 2))
    with pytest.raises(ValueError, match="cell: expected one of"):
        check_choice("cell", np.zeros(3), ("rnn",))
    with pytest.raises(ValueError, match="cell: expected one of"):
        check_choice("cell", ["rnn"], ("rnn",))


def test_check_bool_rng_and_dtype():
    assert check_bool("flag", np.bool_(True)) is True
    with pytest.raises(ValueError, match=re.escape("flag: expected True or False, got 1")):
        check_bool("flag", 1)
    rng = np.random.default_rng(0)
    assert check_rng("rng", rng) is rng
    with pytest.raises(ValueError, match="rng: expected a numpy.random.Generator"):
        check_rng("rng", 0)
    assert check_float_dtype("dtype", "float32") == np.float32
    with pytest.raises(ValueError, match="dtype: expected float32 or float64, got int64"):
        check_float_dtype("dtype", np.int64)
    with pytest.raises(ValueError, match="dtype: expected float32 or float64"):
        check_float_dtype("dtype", "no-such-dtype")
