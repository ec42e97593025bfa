"""rnn_helpers.numpy_rnn.layout: params_from_torch, parameter counts, LSTM gate orders.

params_from_torch and count_parameters are checked against torch.nn modules;
each foreign gate convention against an independent implementation of that
library's equations written here from its documentation (TensorFlow 1's
LSTMCell with its run-time forget bias, the ONNX LSTM operator), and against
torch.nn.LSTM itself.
"""

import itertools
import re

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn import gru_forward, lstm_forward, params_from_torch, rnn_forward
from rnn_helpers.numpy_rnn import layout as go
from rnn_helpers.numpy_rnn.layout import count_parameters

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


# ---------------------------------------------------------------- params_from_torch
# sizes of the params_from_torch tests
D, H = 3, 5


def _np(t):
    return t.detach().numpy()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("cls,gates", [(torch.nn.RNN, 1), (torch.nn.LSTM, 4)])
def test_params_from_torch_rnn_and_lstm_layout(cls, gates, dtype):
    torch.manual_seed(0)
    m = cls(D, H, batch_first=True).to(dtype)
    params = params_from_torch(m)
    assert len(params) == 3
    Wx, Wh, b = params
    want_dtype = np.float32 if dtype == torch.float32 else np.float64
    assert all(p.dtype == want_dtype for p in params)
    assert Wx.shape == (D, gates * H) and Wh.shape == (H, gates * H) and b.shape == (gates * H,)
    assert np.array_equal(Wx, _np(m.weight_ih_l0).T)
    assert np.array_equal(Wh, _np(m.weight_hh_l0).T)
    assert np.array_equal(b, _np(m.bias_ih_l0) + _np(m.bias_hh_l0))
    assert all(p.flags.c_contiguous for p in params)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gru_layout_keeps_both_biases(dtype):
    torch.manual_seed(0)
    m = torch.nn.GRU(D, H, batch_first=True).to(dtype)
    params = params_from_torch(m)
    assert len(params) == 4
    Wx, Wh, bx, bh = params
    assert Wx.shape == (D, 3 * H) and Wh.shape == (H, 3 * H)
    assert np.array_equal(Wx, _np(m.weight_ih_l0).T)
    assert np.array_equal(Wh, _np(m.weight_hh_l0).T)
    assert np.array_equal(bx, _np(m.bias_ih_l0))
    assert np.array_equal(bh, _np(m.bias_hh_l0))
    assert all(p.dtype == (np.float32 if dtype == torch.float32 else np.float64) for p in params)


def test_lstm_gate_blocks_are_in_pytorch_order_ifgo():
    """Block k of Wx's columns is rows k*H:(k+1)*H of weight_ih_l0 (i, f, g, o)."""
    torch.manual_seed(1)
    m = torch.nn.LSTM(D, H)
    Wx, _, _ = params_from_torch(m)
    w = _np(m.weight_ih_l0)
    for k in range(4):
        assert np.array_equal(Wx[:, k * H : (k + 1) * H], w[k * H : (k + 1) * H].T)


@pytest.mark.parametrize(
    "cell_cls,seq_cls", [(torch.nn.RNNCell, torch.nn.RNN), (torch.nn.LSTMCell, torch.nn.LSTM), (torch.nn.GRUCell, torch.nn.GRU)]
)
def test_cells_use_the_same_layout(cell_cls, seq_cls):
    torch.manual_seed(2)
    cell = cell_cls(D, H).double()
    params = params_from_torch(cell)
    assert np.array_equal(params[0], _np(cell.weight_ih).T)
    assert np.array_equal(params[1], _np(cell.weight_hh).T)
    if cell_cls is torch.nn.GRUCell:
        assert np.array_equal(params[2], _np(cell.bias_ih)) and np.array_equal(params[3], _np(cell.bias_hh))
    else:
        assert np.array_equal(params[2], _np(cell.bias_ih) + _np(cell.bias_hh))
    seq = seq_cls(D, H).double()
    assert [p.shape for p in params] == [p.shape for p in params_from_torch(seq)]


@pytest.mark.parametrize("cls", [torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU, torch.nn.LSTMCell])
def test_bias_false_gives_zeros(cls):
    m = cls(D, H, bias=False)
    params = params_from_torch(m)
    for b in params[2:]:
        assert b.dtype == np.float32 and not b.any()
        assert b.shape == (params[0].shape[1],)


def test_returns_copies_not_views_of_the_module():
    m = torch.nn.LSTM(D, H)
    Wx, Wh, b = params_from_torch(m)
    before = _np(m.weight_ih_l0).copy()
    Wx[...] = 123.0
    Wh[...] = 123.0
    assert np.array_equal(_np(m.weight_ih_l0), before)
    with torch.no_grad():
        m.weight_hh_l0.zero_()
    assert (Wh == 123.0).all()


@pytest.mark.parametrize("batch_first", [True, False])
def test_contract_example_holds(batch_first):
    """rnn_forward(x, h0, *params_from_torch(m)) equals m(x)[0] (batch-first arrays)."""
    torch.manual_seed(3)
    N, T = 4, 6
    x = np.random.default_rng(0).standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    for cls, fwd in ((torch.nn.RNN, rnn_forward), (torch.nn.LSTM, lstm_forward), (torch.nn.GRU, gru_forward)):
        m = cls(D, H, batch_first=batch_first).double()
        xt = torch.tensor(x if batch_first else x.transpose(1, 0, 2))
        out = _np(m(xt)[0])
        if not batch_first:
            out = out.transpose(1, 0, 2)
        h, _ = fwd(x, h0, *params_from_torch(m))
        assert np.max(np.abs(h - out)) <= 1e-10


def test_parameters_that_require_grad_are_detached():
    m = torch.nn.GRU(D, H)
    assert all(p.requires_grad for p in m.parameters())
    params = params_from_torch(m)  # detached inside
    assert all(isinstance(p, np.ndarray) for p in params)


@pytest.mark.parametrize(
    "module,match",
    [
        (torch.nn.LSTM(D, H, proj_size=2), "LSTM without projection, got proj_size=2"),
        (torch.nn.RNN(D, H, nonlinearity="relu"), "nonlinearity='tanh'"),
        (torch.nn.RNNCell(D, H, nonlinearity="relu"), "nonlinearity='tanh'"),
        (torch.nn.LSTM(D, H).half(), "float32 or float64 parameters, got torch.float16"),
        (torch.nn.GRU(D, H).to(torch.bfloat16), "float32 or float64 parameters, got torch.bfloat16"),
    ],
)
def test_unsupported_configurations_raise_value_error(module, match):
    with pytest.raises(ValueError, match=match):
        params_from_torch(module)


@pytest.mark.parametrize("obj", [torch.nn.Linear(D, H), torch.nn.Sequential(torch.nn.LSTM(D, H)), {"weight_ih_l0": 1}, None])
def test_unsupported_types_raise_value_error(obj):
    with pytest.raises(ValueError, match="expected a torch.nn.RNN, LSTM, GRU, RNNCell, LSTMCell or GRUCell"):
        params_from_torch(obj)


# ---------------------------------------------------------------- parameter counts


@pytest.mark.parametrize("cell,cls", [("rnn", torch.nn.RNN), ("gru", torch.nn.GRU), ("lstm", torch.nn.LSTM)])
@pytest.mark.parametrize("D,H,L", [(1, 1, 1), (2, 32, 1), (27, 64, 2), (7, 5, 3)])
def test_count_parameters_equals_torch(cell, cls, D, H, L):
    m = cls(D, H, num_layers=L)
    assert count_parameters(cell, D, H, num_layers=L) == sum(p.numel() for p in m.parameters())
    m0 = cls(D, H, num_layers=L, bias=False)
    assert count_parameters(cell.upper(), D, H, biases=0, num_layers=L) == sum(p.numel() for p in m0.parameters())


def test_count_parameters_textbook_and_ratios():
    D, H = 10, 20
    assert count_parameters("rnn", D, H, biases=1) == H * D + H * H + H
    assert count_parameters("gru", D, H, biases=1) == 3 * (H * D + H * H + H)
    assert count_parameters("lstm", D, H) == 4 * count_parameters("rnn", D, H)
    assert count_parameters("gru", D, H) == 3 * count_parameters("rnn", D, H)


@pytest.mark.parametrize(
    "args,kwargs,message",
    [
        (("transformer", 2, 3), {}, "cell: expected one of 'rnn', 'gru', 'lstm', got 'transformer'"),
        (("gru", 0, 3), {}, "D: expected a positive integer, got 0"),
        (("gru", 2, 2.5), {}, "H: expected a positive integer, got 2.5"),
        (("gru", 2, True), {}, "H: expected a positive integer, got True"),
        (("gru", 2, 3), {"biases": 3}, "biases: expected one of 0, 1, 2, got 3"),
        (("gru", 2, 3), {"num_layers": 0}, "num_layers: expected a positive integer, got 0"),
    ],
)
def test_count_parameters_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        count_parameters(*args, **kwargs)


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


def block_sources(src, dst, H=2):
    """Which source block each destination block of reorder_gates comes from."""
    out = go.reorder_gates(tagged(H), src, dst)  # block k of the input holds the value k
    return tuple(int(out[0, k * H]) for k in range(4))


def test_permutations():
    assert block_sources("pytorch", "tf1") == (0, 2, 1, 3)
    assert block_sources("pytorch", "onnx") == (0, 3, 1, 2)
    assert block_sources("onnx", "pytorch") == (0, 2, 3, 1)
    for a, b in itertools.product(ORDERS, repeat=2):
        p, q = block_sources(a, b), block_sources(b, a)
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


def test_split_and_inputs_untouched():
    W = np.arange(24.0).reshape(2, 12)
    before = W.copy()
    blocks = go.split_gates(W, "tf1")
    assert set(blocks) == set(go.GATES) and blocks["g"].shape == (2, 3)
    np.testing.assert_array_equal(blocks["g"], W[:, 3:6])  # TF1's second block is j = g
    merged = {order: np.concatenate([blocks[g] for g in go.gate_order(order)], axis=-1)
              for order in ("tf1", "pytorch")}
    np.testing.assert_array_equal(merged["tf1"], W)
    np.testing.assert_array_equal(merged["pytorch"], go.reorder_gates(W, "tf1", "pytorch"))
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
    with pytest.raises(ValueError, match="4H"):
        go.split_gates(np.zeros((3, 10)), "pytorch")
    with pytest.raises(ValueError, match="Wx"):
        go.to_onnx(np.zeros((3, 12)), np.zeros((2, 8)), np.zeros(8))
    with pytest.raises(ValueError, match="kernel"):
        go.from_tf1(np.zeros((6, 8)), np.zeros(8), input_size=3)
    with pytest.raises(ValueError, match="num_directions"):
        go.from_onnx(np.zeros((2, 8, 3)), np.zeros((2, 8, 2)))
    with pytest.raises(ValueError, match="LSTM"):
        go.load_into_torch(torch.nn.GRU(3, 2), *random_params(3, 2))


# ---------------------------------------------------------------- torch layout
def test_torch_layout_round_trip_equals_params_from_torch():
    torch.manual_seed(0)
    m = torch.nn.LSTM(3, 4, batch_first=True).double()
    Wx, Wh, b = params_from_torch(m)
    by_hand = (m.weight_ih_l0.detach().numpy().T, m.weight_hh_l0.detach().numpy().T,
               (m.bias_ih_l0 + m.bias_hh_l0).detach().numpy())
    for ours, ref in zip((Wx, Wh, b), by_hand):
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
    # every block lands where its gate is: TF1's i, j, f, o -> the course's i, f, g, o
    tf1 = {gate: k for k, gate in enumerate("igfo")}
    cols = {g: slice(tf1[g] * H, (tf1[g] + 1) * H) for g in "ifgo"}
    np.testing.assert_array_equal(np.concatenate([Wx, Wh]),
                                  np.concatenate([kernel[:, cols[g]] for g in "ifgo"], axis=1))
    np.testing.assert_allclose(b, np.concatenate([bias[cols[g]] + forget_bias * (g == "f")
                                                  for g in "ifgo"]), atol=0)
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


def test_reorder_round_trip_keeps_float32():
    Wx, Wh, b = random_params(dtype=np.float32)
    there = [go.reorder_gates(a, "pytorch", "onnx") for a in (Wx, Wh, b)]
    back = [go.reorder_gates(a, "onnx", "pytorch") for a in there]
    for a, e in zip(back, (Wx, Wh, b)):
        np.testing.assert_array_equal(a, e)
        assert a.dtype == np.float32


@pytest.mark.parametrize(
    "module",
    [
        torch.nn.RNN(D, H, num_layers=2),
        torch.nn.LSTM(D, H, num_layers=3),
        torch.nn.GRU(D, H, bidirectional=True),
        torch.nn.LSTM(D, H, num_layers=2, bidirectional=True),
    ],
)
def test_stacked_and_bidirectional_modules_give_one_tuple_per_layer_and_direction(module):
    from rnn_helpers.numpy_rnn.deep import deep_params_from_torch

    params = params_from_torch(module)
    dirs = 2 if module.bidirectional else 1
    assert isinstance(params, list) and len(params) == module.num_layers * dirs
    for got, want in zip(params, deep_params_from_torch(module)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a, b)
    # layer 0 forward is the single-layer layout of weight_ih_l0 / weight_hh_l0
    np.testing.assert_array_equal(params[0][0], module.weight_ih_l0.detach().numpy().T)
    np.testing.assert_array_equal(params[0][1], module.weight_hh_l0.detach().numpy().T)
