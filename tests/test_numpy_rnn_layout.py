"""rnn_helpers.numpy_rnn.layout: permutations, round trips, and numerical equivalence.

Each foreign convention is checked against an independent implementation of
that library's equations written here from its documentation (TensorFlow 1's
LSTMCell with its run-time forget bias, the ONNX LSTM operator), and against
torch.nn.LSTM itself.
"""

import itertools

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn import layout as go
from rnn_helpers.numpy_rnn import lstm_forward, params_from_torch

ORDERS = ("pytorch", "tf1", "onnx")


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def random_params(D=3, H=4, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((D, 4 * H)).astype(dtype),
            rng.standard_normal((H, 4 * H)).astype(dtype),
            rng.standard_normal(4 * H).astype(dtype))


def tagged(H=2, n=3):
    """(n, 4H) array whose entries say which gate block they are in (0..3)."""
    return np.repeat(np.arange(4.0), H)[None].repeat(n, 0)


# ---------------------------------------------------------------- conventions
def test_known_orders_and_aliases():
    assert go.gate_order("pytorch") == ("i", "f", "g", "o")
    assert go.gate_order("torch") == go.gate_order("cudnn") == go.gate_order("keras") == go.GATES
    assert go.gate_order("tf1") == ("i", "g", "f", "o")
    assert go.gate_order("TensorFlow1") == go.gate_order("tf1")
    assert go.gate_order("onnx") == ("i", "o", "f", "g")
    assert go.gate_order("iofc") == go.gate_order("onnx")  # c is read as g
    assert go.gate_order("ijfo") == go.gate_order("tf1")  # j is read as g
    assert go.gate_order(["f", "i", "g", "o"]) == ("f", "i", "g", "o")
    for bad in ("keras2", "ifg", "iffo", 3, None):
        with pytest.raises(ValueError, match="order"):
            go.gate_order(bad)


def test_permutations():
    assert go.gate_permutation("pytorch", "tf1") == (0, 2, 1, 3)
    assert go.gate_permutation("pytorch", "onnx") == (0, 3, 1, 2)
    assert go.gate_permutation("onnx", "pytorch") == (0, 2, 3, 1)
    for a, b in itertools.product(ORDERS, repeat=2):
        p, q = go.gate_permutation(a, b), go.gate_permutation(b, a)
        assert tuple(p[q[k]] for k in range(4)) == (0, 1, 2, 3)


@pytest.mark.parametrize("src, dst", list(itertools.product(ORDERS, repeat=2)))
def test_reorder_moves_each_block_to_its_gate(src, dst):
    H = 2
    a = tagged(H)  # block k holds the value k
    out = go.reorder_gates(a, src, dst)
    gates_src, gates_dst = go.gate_order(src), go.gate_order(dst)
    for k, gate in enumerate(gates_dst):
        assert np.all(out[:, k * H:(k + 1) * H] == gates_src.index(gate))
    # the PyTorch layout: gate axis first
    out0 = go.reorder_gates(a.T, src, dst, axis=0)
    np.testing.assert_array_equal(out0, out.T)


@pytest.mark.parametrize("a, b, c", list(itertools.permutations(ORDERS, 3)))
def test_round_trips_and_composition(a, b, c):
    rng = np.random.default_rng(1)
    W = rng.standard_normal((5, 12))
    np.testing.assert_array_equal(go.reorder_gates(go.reorder_gates(W, a, b), b, a), W)
    np.testing.assert_array_equal(go.reorder_gates(go.reorder_gates(W, a, b), b, c),
                                  go.reorder_gates(W, a, c))
    np.testing.assert_array_equal(go.reorder_gates(W, a, a), W)


def test_split_merge_and_inputs_untouched():
    W = np.arange(24.0).reshape(2, 12)
    before = W.copy()
    blocks = go.split_gates(W, "tf1")
    assert set(blocks) == set(go.GATES) and blocks["g"].shape == (2, 3)
    np.testing.assert_array_equal(blocks["g"], W[:, 3:6])  # TF1's second block is j = g
    np.testing.assert_array_equal(go.merge_gates(blocks, "tf1"), W)
    np.testing.assert_array_equal(go.merge_gates(blocks, "pytorch"), go.reorder_gates(W, "tf1", "pytorch"))
    blocks["g"][:] = -1
    np.testing.assert_array_equal(W, before)  # split returns copies
    assert go.reorder_gates(W.astype(np.float32), "tf1", "onnx").dtype == np.float32


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="4H"):
        go.reorder_gates(np.zeros((3, 10)), "tf1", "pytorch")
    with pytest.raises(ValueError, match="axis"):
        go.reorder_gates(np.zeros((3, 8)), "tf1", "pytorch", axis=2)
    with pytest.raises(ValueError, match="float"):
        go.reorder_gates(np.zeros((3, 8), dtype=int), "tf1", "pytorch")
    with pytest.raises(ValueError, match="missing"):
        go.merge_gates({"i": np.zeros(2)}, "pytorch")
    with pytest.raises(ValueError, match="Wx"):
        go.convert_lstm_params(np.zeros((3, 12)), np.zeros((2, 8)), np.zeros(8), "tf1", "onnx")
    with pytest.raises(ValueError, match="kernel"):
        go.from_tf1(np.zeros((6, 8)), np.zeros(8), input_size=3)
    with pytest.raises(ValueError, match="num_directions"):
        go.from_onnx(np.zeros((2, 8, 3)), np.zeros((2, 8, 2)))
    with pytest.raises(TypeError, match="LSTM"):
        go.load_into_torch(torch.nn.GRU(3, 2), *random_params(3, 2))


# ---------------------------------------------------------------- torch layout
def test_torch_layout_round_trip_equals_params_from_torch():
    torch.manual_seed(0)
    m = torch.nn.LSTM(3, 4, batch_first=True).double()
    Wx, Wh, b = go.ours_from_torch_layout(m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0)
    for ours, ref in zip((Wx, Wh, b), params_from_torch(m)):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=0)
    fresh = go.load_into_torch(torch.nn.LSTM(3, 4, batch_first=True).double(), Wx, Wh, b)
    assert float(fresh.bias_hh_l0.detach().abs().max()) == 0.0
    for ours, ref in zip(params_from_torch(fresh), (Wx, Wh, b)):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-15)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    np.testing.assert_allclose(fresh(x)[0].detach().numpy(), m(x)[0].detach().numpy(), atol=1e-14)
    cell = go.load_into_torch(torch.nn.LSTMCell(3, 4).double(), Wx, Wh, b)
    np.testing.assert_allclose(cell.weight_ih.detach().numpy(), Wx.T)


# ---------------------------------------------------------------- TensorFlow 1
def tf1_lstm(x, kernel, bias, forget_bias, H):
    """TensorFlow 1's LSTMCell (no peepholes), as its source computes it, over a sequence."""
    N, T, _ = x.shape
    h, c = np.zeros((N, H)), np.zeros((N, H))
    out = []
    for t in range(T):
        gates = np.concatenate([x[:, t], h], axis=1) @ kernel + bias
        i, j, f, o = np.split(gates, 4, axis=1)
        c = c * sigmoid(f + forget_bias) + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
        out.append(h)
    return np.stack(out, axis=1)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 2.5])
def test_tf1_conversion_is_numerically_equivalent(forget_bias):
    rng = np.random.default_rng(2)
    N, T, D, H = 3, 6, 4, 5
    kernel = rng.standard_normal((D + H, 4 * H)) / 2
    bias = rng.standard_normal(4 * H) / 2
    x = rng.standard_normal((N, T, D))
    ref = tf1_lstm(x, kernel, bias, forget_bias, H)
    Wx, Wh, b = go.from_tf1(kernel, bias, D, forget_bias)
    h, _ = lstm_forward(x, np.zeros((N, H)), Wx, Wh, b)
    np.testing.assert_allclose(h, ref, atol=1e-13)
    m = go.load_into_torch(torch.nn.LSTM(D, H, batch_first=True).double(), Wx, Wh, b)
    np.testing.assert_allclose(m(torch.tensor(x))[0].detach().numpy(), ref, atol=1e-13)
    # the round trip gives back TF1's variables
    k2, b2 = go.to_tf1(Wx, Wh, b, forget_bias)
    np.testing.assert_allclose(k2, kernel, atol=1e-15)
    np.testing.assert_allclose(b2, bias, atol=1e-15)
    # forgetting the run-time forget bias is a real error (unless it is 0)
    Wx0, Wh0, b0 = go.from_tf1(kernel, bias, D, 0.0)
    h0, _ = lstm_forward(x, np.zeros((N, H)), Wx0, Wh0, b0)
    assert (np.abs(h0 - ref).max() > 1e-3) == (forget_bias != 0.0)


def test_tf1_without_reordering_gives_a_different_network():
    rng = np.random.default_rng(3)
    D, H = 2, 3
    kernel, bias = rng.standard_normal((D + H, 4 * H)), rng.standard_normal(4 * H)
    x = rng.standard_normal((2, 5, D))
    ref = tf1_lstm(x, kernel, bias, 1.0, H)
    naive_b = bias.copy()
    naive_b[2 * H:3 * H] += 1.0  # TF's f position, but no reordering
    h, _ = lstm_forward(x, np.zeros((2, H)), kernel[:D], kernel[D:], naive_b)
    assert np.abs(h - ref).max() > 0.05


# ---------------------------------------------------------------- ONNX
def onnx_lstm(x, W, R, B, H):
    """The ONNX LSTM operator (forward, default activations, no peepholes), batch-first."""
    Wi, Wo, Wf, Wc = np.split(W[0], 4)
    Ri, Ro, Rf, Rc = np.split(R[0], 4)
    Wb, Rb = np.split(B[0], 2)
    Wbi, Wbo, Wbf, Wbc = np.split(Wb, 4)
    Rbi, Rbo, Rbf, Rbc = np.split(Rb, 4)
    N, T, _ = x.shape
    h, c = np.zeros((N, H)), np.zeros((N, H))
    out = []
    for t in range(T):
        X = x[:, t]
        it = sigmoid(X @ Wi.T + h @ Ri.T + Wbi + Rbi)
        ft = sigmoid(X @ Wf.T + h @ Rf.T + Wbf + Rbf)
        ct = np.tanh(X @ Wc.T + h @ Rc.T + Wbc + Rbc)
        c = ft * c + it * ct
        ot = sigmoid(X @ Wo.T + h @ Ro.T + Wbo + Rbo)
        h = ot * np.tanh(c)
        out.append(h)
    return np.stack(out, axis=1)


def test_onnx_conversion_is_numerically_equivalent_both_ways():
    rng = np.random.default_rng(4)
    N, T, D, H = 2, 7, 3, 4
    W = rng.standard_normal((1, 4 * H, D)) / 2
    R = rng.standard_normal((1, 4 * H, H)) / 2
    B = rng.standard_normal((1, 8 * H)) / 2
    x = rng.standard_normal((N, T, D))
    ref = onnx_lstm(x, W, R, B, H)
    Wx, Wh, b = go.from_onnx(W, R, B)
    h, _ = lstm_forward(x, np.zeros((N, H)), Wx, Wh, b)
    np.testing.assert_allclose(h, ref, atol=1e-13)
    # without the direction axis, and without B
    Wx2, Wh2, b2 = go.from_onnx(W[0], R[0], B[0])
    np.testing.assert_array_equal(Wx2, Wx)
    assert np.all(go.from_onnx(W, R)[2] == 0)
    # and back: the exported network computes the same
    W3, R3, B3 = go.to_onnx(Wx, Wh, b)
    assert W3.shape == (1, 4 * H, D) and R3.shape == (1, 4 * H, H) and B3.shape == (1, 8 * H)
    np.testing.assert_allclose(onnx_lstm(x, W3, R3, B3, H), ref, atol=1e-13)
    np.testing.assert_allclose(W3, W, atol=0)


def test_keras_is_the_course_layout():
    Wx, Wh, b = random_params()
    out = go.from_keras(Wx, Wh, b)
    for a, e in zip(out, (Wx, Wh, b)):
        np.testing.assert_array_equal(a, e)
        assert a is not e
    assert np.all(go.from_keras(Wx, Wh)[2] == 0)


def test_convert_lstm_params_round_trip_and_float32():
    Wx, Wh, b = random_params(dtype=np.float32)
    there = go.convert_lstm_params(Wx, Wh, b, "pytorch", "onnx")
    back = go.convert_lstm_params(*there, "onnx", "pytorch")
    for a, e in zip(back, (Wx, Wh, b)):
        np.testing.assert_array_equal(a, e)
        assert a.dtype == np.float32
