"""rnn_helpers.numpy_rnn.deep: stacked and bidirectional cells.

PyTorch is the oracle (float64 ``torch.nn`` modules with ``num_layers`` and
``bidirectional``, autograd for every gradient); finite differences the
referee on one tiny case.
"""

import numpy as np
import pytest
import torch

from rnn_oracle import TOL_BWD, TOL_FWD, maxdiff
from rnn_helpers.gradcheck import numerical_gradient, rel_error
from rnn_helpers.numpy_rnn import deep_backward, deep_forward
from rnn_helpers.numpy_rnn.deep import deep_params_from_torch

MODULES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
CELLS = list(MODULES)
# (N, T, D, H): a generic case (D != H) and the N = 1, T = 1 edges
SHAPES = [(3, 5, 4, 3), (1, 4, 2, 3), (2, 1, 3, 2), (1, 1, 2, 2)]


def make_module(cell, D, H, L, bidirectional, seed, dtype=torch.float64):
    torch.manual_seed(seed)
    return MODULES[cell](
        D, H, num_layers=L, bidirectional=bidirectional, batch_first=True, dtype=dtype
    )


def make_data(cell, N, T, D, H, L, dirs, seed):
    """x, h0, c0 (None unless LSTM) and upstream dout, dh_n, dc_n."""
    rng = np.random.default_rng(seed)
    S = (L * dirs, N, H)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal(S)
    c0 = rng.standard_normal(S) if cell == "lstm" else None
    dout = rng.standard_normal((N, T, dirs * H))
    dh_n = rng.standard_normal(S)
    dc_n = rng.standard_normal(S) if cell == "lstm" else None
    return x, h0, c0, dout, dh_n, dc_n


def torch_run(m, cell, x, h0, c0, dout, dh_n, dc_n):
    """torch's out, h_n, c_n and autograd gradients of
    sum(out*dout) + sum(h_n*dh_n) + sum(c_n*dc_n)."""
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True)
    m.zero_grad()
    if cell == "lstm":
        c0t = torch.tensor(c0, requires_grad=True)
        out, (h_n, c_n) = m(xt, (h0t, c0t))
        loss = (c_n * torch.tensor(dc_n)).sum()
    else:
        out, h_n = m(xt, h0t)
        c_n, loss = None, 0.0
    loss = loss + (out * torch.tensor(dout)).sum() + (h_n * torch.tensor(dh_n)).sum()
    loss.backward()
    return {
        "out": out.detach().numpy(),
        "h_n": h_n.detach().numpy(),
        "c_n": None if c_n is None else c_n.detach().numpy(),
        "dx": xt.grad.numpy(),
        "dh0": h0t.grad.numpy(),
        "dc0": c0t.grad.numpy() if cell == "lstm" else None,
    }


def torch_param_grads(m, cell):
    """Autograd gradients of the module's weights in the NumPy layout, one
    tuple per layer and direction in torch's order."""
    sfxs = ("", "_reverse") if m.bidirectional else ("",)
    grads = []
    for layer in range(m.num_layers):
        for sfx in sfxs:
            g = {n: getattr(m, f"{n}_l{layer}{sfx}").grad.numpy() for n in
                 ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
            Wx, Wh = g["weight_ih"].T, g["weight_hh"].T
            if cell == "gru":
                grads.append((Wx, Wh, g["bias_ih"], g["bias_hh"]))
            else:
                # the two biases only appear as a sum: equal gradients
                assert maxdiff(g["bias_ih"], g["bias_hh"]) <= TOL_BWD
                grads.append((Wx, Wh, g["bias_ih"]))
    return grads


# ---------------------------------------------------------------- parity with torch


@pytest.mark.parametrize("N,T,D,H", SHAPES)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("cell", CELLS)
def test_forward_and_backward_equal_torch(cell, L, bidirectional, N, T, D, H):
    dirs = 2 if bidirectional else 1
    seed = 7 * L + 3 * dirs + N + 10 * T + 100 * D + 1000 * H
    m = make_module(cell, D, H, L, bidirectional, seed)
    x, h0, c0, dout, dh_n, dc_n = make_data(cell, N, T, D, H, L, dirs, seed)
    want = torch_run(m, cell, x, h0, c0, dout, dh_n, dc_n)
    params = deep_params_from_torch(m)

    out, h_n, c_n, cache = deep_forward(cell, x, h0, params, bidirectional, c0)
    assert out.shape == (N, T, dirs * H) and h_n.shape == (L * dirs, N, H)
    assert maxdiff(out, want["out"]) <= TOL_FWD
    assert maxdiff(h_n, want["h_n"]) <= TOL_FWD
    if cell == "lstm":
        assert c_n.shape == (L * dirs, N, H)
        assert maxdiff(c_n, want["c_n"]) <= TOL_FWD
    else:
        assert c_n is None

    dx, dh0, dc0, dparams = deep_backward(dout, cache, dh_n, dc_n)
    assert maxdiff(dx, want["dx"]) <= TOL_BWD
    assert maxdiff(dh0, want["dh0"]) <= TOL_BWD
    if cell == "lstm":
        assert maxdiff(dc0, want["dc0"]) <= TOL_BWD
    else:
        assert dc0 is None
    want_p = torch_param_grads(m, cell)
    assert len(dparams) == len(params) == L * dirs
    for k, (got, exp, p) in enumerate(zip(dparams, want_p, params)):
        assert len(got) == len(exp) == len(p), k
        for g, e, a in zip(got, exp, p):
            assert g.shape == a.shape, k
            assert maxdiff(g, e) <= TOL_BWD, k


@pytest.mark.parametrize("cell", CELLS)
def test_defaults_are_zeros_and_match_torch_without_state(cell):
    """h0 = c0 = None is torch's default zero state; dh_n = dc_n = None is a
    zero upstream gradient."""
    N, T, D, H, L = 2, 4, 3, 3, 2
    m = make_module(cell, D, H, L, True, seed=5)
    params = deep_params_from_torch(m)
    x = np.random.default_rng(5).standard_normal((N, T, D))
    out_t = m(torch.tensor(x))[0].detach().numpy()
    out, _, _, cache = deep_forward(cell, x, None, params, True)
    assert maxdiff(out, out_t) <= TOL_FWD
    zeros = np.zeros((2 * L, N, H))
    out0, _, _, cache0 = deep_forward(
        cell, x, zeros, params, True, zeros if cell == "lstm" else None
    )
    assert np.array_equal(out0, out)
    dout = np.random.default_rng(6).standard_normal(out.shape)
    got = deep_backward(dout, cache)
    want = deep_backward(dout, cache0, zeros, zeros if cell == "lstm" else None)
    for g, w in zip(got[:3], want[:3]):
        if w is None:
            assert g is None
        else:
            assert np.array_equal(g, w)


def test_reverse_half_reads_the_future():
    """out[:, t, H:] of a bidirectional layer depends only on x_t ... x_{T-1}
    (the reason it cannot generate): changing x_{T-1} moves the reverse state
    at t = 0 but leaves the forward state at t = T-2 unchanged."""
    N, T, D, H = 2, 5, 3, 4
    m = make_module("gru", D, H, 1, True, seed=3)
    params = deep_params_from_torch(m)
    x = np.random.default_rng(3).standard_normal((N, T, D))
    out = deep_forward("gru", x, None, params, True)[0]
    x2 = x.copy()
    x2[:, -1] += 1.0
    out2 = deep_forward("gru", x2, None, params, True)[0]
    assert np.array_equal(out2[:, : T - 1, :H], out[:, : T - 1, :H])
    assert maxdiff(out2[:, 0, H:], out[:, 0, H:]) > 1e-3


# ---------------------------------------------------------------- finite differences


@pytest.mark.parametrize("cell", CELLS)
def test_gradients_equal_finite_differences(cell):
    """Tiny case, 2 layers, bidirectional: dx, dh0, dc0 and one weight of
    layer 1 reverse against centred differences of the weighted sum of
    out, h_n and c_n."""
    N, T, D, H, L = 2, 3, 2, 2, 2
    m = make_module(cell, D, H, L, True, seed=11)
    params = [list(p) for p in deep_params_from_torch(m)]
    x, h0, c0, dout, dh_n, dc_n = make_data(cell, N, T, D, H, L, 2, 12)
    lstm = cell == "lstm"

    def f(_):
        out, h_n, c_n, _ = deep_forward(cell, x, h0, params, True, c0)
        parts = [out.ravel(), h_n.ravel()] + ([c_n.ravel()] if lstm else [])
        return np.concatenate(parts)

    df = np.concatenate(
        [dout.ravel(), dh_n.ravel()] + ([dc_n.ravel()] if lstm else [])
    )
    cache = deep_forward(cell, x, h0, params, True, c0)[3]
    dx, dh0, dc0, dparams = deep_backward(dout, cache, dh_n, dc_n)
    checks = [(x, dx), (h0, dh0), (params[3][1], dparams[3][1])]
    if lstm:
        checks.append((c0, dc0))
    for arr, analytic in checks:
        num = numerical_gradient(f, arr, df)
        assert rel_error(analytic, num) < 1e-7


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("cell", CELLS)
def test_float32_stays_float32_and_is_close(cell):
    N, T, D, H, L = 2, 4, 3, 3, 2
    m = make_module(cell, D, H, L, True, seed=21)
    p64 = deep_params_from_torch(m)
    p32 = deep_params_from_torch(m.float())
    assert all(a.dtype == np.float32 for p in p32 for a in p)
    x, h0, c0, dout, dh_n, dc_n = make_data(cell, N, T, D, H, L, 2, 21)

    def f32(a):
        return None if a is None else a.astype(np.float32)

    r64 = deep_forward(cell, x, h0, p64, True, c0)
    r32 = deep_forward(cell, f32(x), f32(h0), p32, True, f32(c0))
    for a64, a32 in zip(r64[:3], r32[:3]):
        if a64 is None:
            assert a32 is None
            continue
        assert a32.dtype == np.float32
        assert maxdiff(a32, a64) < 1e-5
    g64 = deep_backward(dout, r64[3], dh_n, dc_n)
    g32 = deep_backward(f32(dout), r32[3], f32(dh_n), f32(dc_n))
    for a64, a32 in zip(g64[:3], g32[:3]):
        if a64 is None:
            assert a32 is None
            continue
        assert a32.dtype == np.float32
        assert maxdiff(a32, a64) < 1e-4
    for t64, t32 in zip(g64[3], g32[3]):
        for a64, a32 in zip(t64, t32):
            assert a32.dtype == np.float32
            assert maxdiff(a32, a64) < 1e-4


# ---------------------------------------------------------------- params_from_torch


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("L,bidirectional", [(1, False), (1, True), (3, False), (2, True)])
def test_params_one_tuple_per_layer_and_direction_in_torch_order(cell, L, bidirectional):
    D, H = 3, 4
    m = make_module(cell, D, H, L, bidirectional, seed=1)
    params = deep_params_from_torch(m)
    sfxs = ("", "_reverse") if bidirectional else ("",)
    order = [(layer, sfx) for layer in range(L) for sfx in sfxs]
    assert isinstance(params, list) and len(params) == len(order)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    dirs = len(sfxs)
    for p, (layer, sfx) in zip(params, order):
        t = {n: getattr(m, f"{n}_l{layer}{sfx}").detach().numpy() for n in
             ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        assert np.array_equal(p[0], t["weight_ih"].T)
        assert np.array_equal(p[1], t["weight_hh"].T)
        assert p[0].shape == (D if layer == 0 else dirs * H, G * H)
        if cell == "gru":
            assert len(p) == 4
            assert np.array_equal(p[2], t["bias_ih"])
            assert np.array_equal(p[3], t["bias_hh"])
        else:
            assert len(p) == 3
            assert np.array_equal(p[2], t["bias_ih"] + t["bias_hh"])
        assert all(a.flags.c_contiguous and a.dtype == np.float64 for a in p)
    # copies, not views of the module's memory
    params[0][0][...] = 0
    assert np.abs(m.weight_ih_l0.detach().numpy()).max() > 0


def test_params_without_bias_are_zeros():
    m = torch.nn.LSTM(3, 2, num_layers=2, bias=False, dtype=torch.float64)
    params = deep_params_from_torch(m)
    assert len(params) == 2
    assert all(np.array_equal(p[2], np.zeros(8)) for p in params)


@pytest.mark.parametrize(
    "module,error,match",
    [
        (torch.nn.RNN(3, 2, num_layers=2, nonlinearity="relu"), ValueError,
         "nonlinearity='tanh'"),
        (torch.nn.LSTM(3, 4, num_layers=2, proj_size=2), ValueError, "proj_size=2"),
        (torch.nn.GRU(3, 2, num_layers=2).half(), ValueError, "float32 or float64"),
        (torch.nn.GRUCell(3, 2), TypeError, "module: expected a torch.nn.RNN"),
    ],
)
def test_params_unsupported_modules(module, error, match):
    with pytest.raises(error, match=match):
        deep_params_from_torch(module)


def test_bare_tuple_is_one_layer_one_direction():
    m = make_module("rnn", 3, 4, 1, False, seed=2)
    params = deep_params_from_torch(m)
    x = np.random.default_rng(2).standard_normal((2, 3, 3))
    a = deep_forward("rnn", x, None, params)
    b = deep_forward("rnn", x, None, params[0])
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


# ---------------------------------------------------------------- bad input


N0, T0, D0, H0 = 2, 3, 4, 5


def _setup(cell="lstm", L=2, bidirectional=True):
    dirs = 2 if bidirectional else 1
    m = make_module(cell, D0, H0, L, bidirectional, seed=0)
    params = deep_params_from_torch(m)
    x = np.zeros((N0, T0, D0))
    h0 = np.zeros((L * dirs, N0, H0))
    return params, x, h0


def _swap(params, k, j, shape):
    out = [list(p) for p in params]
    out[k][j] = np.zeros(shape)
    return out


@pytest.mark.parametrize(
    "case,match",
    [
        ("cell", r"cell: expected one of 'rnn', 'lstm', 'gru', got 'tanh'"),
        ("bidirectional", r"bidirectional: expected True or False, got 1"),
        ("x_ndim", r"x: expected a 3-D array of shape \(N, T, D\), got shape \(2, 4\)"),
        ("x_int", r"x: expected a float32 or float64 array"),
        ("x_empty", r"x: expected shape \(N, T, D\) with N >= 1 and T >= 1"),
        ("params_odd", r"params: expected layers\*2 tuples for bidirectional=True"),
        ("params_empty", r"params: expected a non-empty list"),
        ("params_tuple_len", (r"params\[1\]: expected a tuple \(Wx, Wh, b\) for cell 'lstm' "
         r"\(layer 0, reverse\), got 4 arrays")),
        ("params_Wx0", (r"params\[0\]\[0\] \(Wx of layer 0\): expected shape \(D, 4H\) = "
         r"\(4, 20\), got \(3, 20\)")),
        ("params_Wx1", (r"params\[3\]\[0\] \(Wx of layer 1, reverse\): expected shape "
         r"\(2H, 4H\) = \(10, 20\), got \(5, 20\)")),
        ("params_Wh", (r"params\[2\]\[1\] \(Wh of layer 1\): expected shape \(H, 4H\) = "
         r"\(5, 20\), got \(5, 16\)")),
        ("params_b", (r"params\[1\]\[2\] \(b of layer 0, reverse\): expected shape "
         r"\(4H,\) = \(20,\), got \(15,\)")),
        ("h0", r"h0: expected shape \(layers\*dirs, N, H\) = \(4, 2, 5\), got \(2, 2, 5\)"),
        ("h0_ndim", r"h0: expected a 3-D array of shape \(layers\*dirs, N, H\)"),
        ("c0", r"c0: expected shape \(layers\*dirs, N, H\) = \(4, 2, 5\), got \(4, 3, 5\)"),
        ("c0_gru", r"c0: expected None for cell 'gru'"),
    ],
)
def test_forward_bad_input_names_the_argument(case, match):
    params, x, h0 = _setup()
    kwargs = {
        "cell": "lstm", "x": x, "h0": h0, "params": params,
        "bidirectional": True, "c0": None,
    }
    if case == "cell":
        kwargs["cell"] = "tanh"
    elif case == "bidirectional":
        kwargs["bidirectional"] = 1
    elif case == "x_ndim":
        kwargs["x"] = np.zeros((2, 4))
    elif case == "x_int":
        kwargs["x"] = np.zeros((N0, T0, D0), dtype=int)
    elif case == "x_empty":
        kwargs["x"] = np.zeros((N0, 0, D0))
    elif case == "params_odd":
        kwargs["params"] = params[:3]
    elif case == "params_empty":
        kwargs["params"] = []
    elif case == "params_tuple_len":
        kwargs["params"] = [params[0], params[1] + (params[1][2],)] + params[2:]
    elif case == "params_Wx0":
        kwargs["params"] = _swap(params, 0, 0, (3, 20))
    elif case == "params_Wx1":
        kwargs["params"] = _swap(params, 3, 0, (5, 20))
    elif case == "params_Wh":
        kwargs["params"] = _swap(params, 2, 1, (5, 16))
    elif case == "params_b":
        kwargs["params"] = _swap(params, 1, 2, (15,))
    elif case == "h0":
        kwargs["h0"] = h0[:2]
    elif case == "h0_ndim":
        kwargs["h0"] = h0[0]
    elif case == "c0":
        kwargs["c0"] = np.zeros((4, 3, 5))
    elif case == "c0_gru":
        gparams, _, _ = _setup("gru")
        kwargs.update(cell="gru", params=gparams, c0=np.zeros_like(h0))
    with pytest.raises(ValueError, match=match):
        deep_forward(**kwargs)


@pytest.mark.parametrize(
    "cell,case,match",
    [
        ("lstm", "dout", (r"dout: expected shape \(N, T, dirs\*H\) = \(2, 3, 10\), "
         r"got \(2, 3, 5\)")),
        ("lstm", "dh_n", (r"dh_n: expected shape \(layers\*dirs, N, H\) = \(4, 2, 5\), "
         r"got \(2, 2, 5\)")),
        ("lstm", "dc_n", (r"dc_n: expected shape \(layers\*dirs, N, H\) = \(4, 2, 5\), "
         r"got \(4, 2, 4\)")),
        ("rnn", "dc_n_rnn", r"dc_n: expected None for cell 'rnn'"),
        ("lstm", "cache", r"cache: expected the cache returned by deep_forward"),
    ],
)
def test_backward_bad_input_names_the_argument(cell, case, match):
    params, x, h0 = _setup(cell)
    out, h_n, _, cache = deep_forward(cell, x, h0, params, True)
    kwargs = {"dout": np.zeros_like(out), "cache": cache, "dh_n": None, "dc_n": None}
    if case == "dout":
        kwargs["dout"] = out[:, :, :H0]
    elif case == "dh_n":
        kwargs["dh_n"] = h_n[:2]
    elif case == "dc_n":
        kwargs["dc_n"] = np.zeros((4, 2, 4))
    elif case == "dc_n_rnn":
        kwargs["dc_n"] = np.zeros_like(h_n)
    elif case == "cache":
        kwargs["cache"] = {"kind": "lstm_forward"}
    with pytest.raises(ValueError, match=match):
        deep_backward(**kwargs)
