"""rnn_helpers.numpy_rnn cells (tanh RNN, LSTM, GRU): PyTorch is the oracle,
finite differences the referee.

Every test that asks the same question of the three cells is written once and
parametrised over the cell kind; ``Kind`` hides what differs between them
(the LSTM's cell state, the GRU's two bias vectors). Tests of one cell's
peculiarities come at the end.
"""

import re
from dataclasses import dataclass
from typing import Callable, Tuple

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_oracle import TOL_BWD, TOL_FWD, make_torch_module, maxdiff, shapes
from rnn_helpers.gradcheck import numerical_gradient, rel_error
from rnn_helpers.numpy_rnn import (
    gru_backward,
    gru_forward,
    gru_step_backward,
    gru_step_forward,
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
    params_from_torch,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)


@dataclass(frozen=True)
class Kind:
    """One cell kind, seen through a common interface.

    - gates: number of H-sized blocks (1, 4, 3);
    - torch_class: the torch.nn sequence module;
    - forward(x, h0, params, c0) -> (h, cache); backward(dh, cache) -> grads;
    - step(x_t, state, params) -> (state, cache), state = (h,) or (h, c);
    - step_back(dstate, cache) -> (dx, dstate_prev, dparams), dstate like state;
    - grads: names of backward's outputs; seed: seed of the shape grid;
    - saturate: factor on x in the saturation test.
    """

    name: str
    gates: int
    torch_class: type
    forward: Callable
    backward: Callable
    step: Callable
    step_back: Callable
    grads: Tuple[str, ...]
    seed: int
    saturate: float

    @property
    def lstm(self) -> bool:
        return self.name == "lstm"

    def module(self, D, H, seed, cell=False, scale=None):
        return make_torch_module(self.name, D, H, seed, cell=cell, scale=scale)


def _rnn_step(x, state, params):
    h, cache = rnn_step_forward(x, state[0], *params)
    return (h,), cache


def _rnn_step_back(dstate, cache):
    dx, dh, *dparams = rnn_step_backward(dstate[0], cache)
    return dx, (dh,), dparams


def _lstm_step(x, state, params):
    h, c, cache = lstm_step_forward(x, state[0], state[1], *params)
    return (h, c), cache


def _lstm_step_back(dstate, cache):
    dx, dh, dc, *dparams = lstm_step_backward(dstate[0], dstate[1], cache)
    return dx, (dh, dc), dparams


def _gru_step(x, state, params):
    h, cache = gru_step_forward(x, state[0], *params)
    return (h,), cache


def _gru_step_back(dstate, cache):
    dx, dh, *dparams = gru_step_backward(dstate[0], cache)
    return dx, (dh,), dparams


KINDS = {
    "rnn": Kind("rnn", 1, torch.nn.RNN,
                lambda x, h0, p, c0=None: rnn_forward(x, h0, *p), rnn_backward,
                _rnn_step, _rnn_step_back, ("dx", "dh0", "dWx", "dWh", "db"), 2023, 1.0),
    "lstm": Kind("lstm", 4, torch.nn.LSTM,
                 lambda x, h0, p, c0=None: lstm_forward(x, h0, *p, c0=c0), lstm_backward,
                 _lstm_step, _lstm_step_back, ("dx", "dh0", "dWx", "dWh", "db"), 2024, 5.0),
    "gru": Kind("gru", 3, torch.nn.GRU,
                lambda x, h0, p, c0=None: gru_forward(x, h0, *p), gru_backward,
                _gru_step, _gru_step_back, ("dx", "dh0", "dWx", "dWh", "dbx", "dbh"), 2025, 5.0),
}
NAMES = list(KINDS)
SHAPES = {name: shapes(k.seed) for name, k in KINDS.items()}


def kinds_and_shapes(n=None):
    """(kind, N, T, D, H) for every kind and the first n shapes of its grid."""
    return [(name, *s) for name in NAMES for s in SHAPES[name][:n]]


def data(N, T, D, H, seed, dtype=np.float64):
    """x (N, T, D), h0 (N, H), c0 (N, H) and upstream gradients dh (N, T, H)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = rng.standard_normal((N, H)).astype(dtype)
    c0 = rng.standard_normal((N, H)).astype(dtype)
    dh = rng.standard_normal((N, T, H)).astype(dtype)
    return x, h0, c0, dh


def torch_sequence(kind, m, x, h0, c0, dh):
    """Output and gradients of the torch.nn module, in the NumPy layout.

    Returns (out, grads, bias_grads): grads holds dx, dh0, dWx, dWh (and dc0
    for the LSTM); bias_grads is (bias_ih.grad, bias_hh.grad).
    """
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    c0t = torch.tensor(c0[None], requires_grad=True)
    m.zero_grad()
    out, _ = m(xt, (h0t, c0t)) if kind.lstm else m(xt, h0t)
    out.backward(torch.tensor(dh))
    grads = {
        "dx": xt.grad.numpy(),
        "dh0": h0t.grad[0].numpy(),
        "dWx": m.weight_ih_l0.grad.numpy().T,
        "dWh": m.weight_hh_l0.grad.numpy().T,
    }
    if kind.lstm:
        grads["dc0"] = c0t.grad[0].numpy()
    return out.detach().numpy(), grads, (m.bias_ih_l0.grad.numpy(), m.bias_hh_l0.grad.numpy())


def assert_bias_grads(ours, torch_biases, tol):
    """One bias gradient (RNN, LSTM) equals both of torch's; two (GRU) equal them pairwise."""
    if len(ours) == 1:
        for want in torch_biases:  # both torch biases get the same gradient
            assert maxdiff(ours[0], want) <= tol
    else:
        for got, want in zip(ours, torch_biases):
            assert maxdiff(got, want) <= tol


def step_state(kind, h0, c0):
    return (h0, c0) if kind.lstm else (h0,)


# ---------------------------------------------------------------- forward


@pytest.mark.parametrize("kind,N,T,D,H", kinds_and_shapes())
def test_forward_equals_torch(kind, N, T, D, H):
    k = KINDS[kind]
    m = k.module(D, H, seed=N + 10 * T + 100 * D + 1000 * H)
    x, h0, c0, _ = data(N, T, D, H, seed=1)
    h, _ = k.forward(x, h0, params_from_torch(m), c0)
    state = (torch.tensor(h0[None]), torch.tensor(c0[None])) if k.lstm else torch.tensor(h0[None])
    out, final = m(torch.tensor(x), state)
    h_n = final[0] if k.lstm else final
    assert h.shape == (N, T, H) and h.dtype == np.float64
    assert maxdiff(h, out.detach().numpy()) <= TOL_FWD
    assert maxdiff(h[:, -1], h_n[0].detach().numpy()) <= TOL_FWD


@pytest.mark.parametrize("kind", NAMES)
def test_forward_zero_h0_matches_module_default(kind):
    k = KINDS[kind]
    N, T, D, H = 3, 4, 5, 6
    m = k.module(D, H, seed=3)
    x = data(N, T, D, H, seed=2)[0]
    h, _ = k.forward(x, np.zeros((N, H)), params_from_torch(m))  # c0 = None: zeros
    assert maxdiff(h, m(torch.tensor(x))[0].detach().numpy()) <= TOL_FWD


@pytest.mark.parametrize("kind,N,T,D,H", kinds_and_shapes(5))
def test_step_forward_equals_torch_cell(kind, N, T, D, H):
    k = KINDS[kind]
    cell = k.module(D, H, seed=7 + N, cell=True)
    x, h0, c0, _ = data(N, T, D, H, seed=3)
    state, _ = k.step(x[:, 0], step_state(k, h0, c0), params_from_torch(cell))
    if k.lstm:
        want = cell(torch.tensor(x[:, 0]), (torch.tensor(h0), torch.tensor(c0)))
    else:
        want = (cell(torch.tensor(x[:, 0]), torch.tensor(h0)),)
    assert state[0].shape == (N, H)
    for got, ref in zip(state, want):
        assert maxdiff(got, ref.detach().numpy()) <= TOL_FWD


@pytest.mark.filterwarnings("error")  # no overflow warning may escape
@pytest.mark.parametrize("kind", NAMES)
def test_saturated_units_equal_torch_without_warnings(kind):
    k = KINDS[kind]
    N, T, D, H = 3, 5, 4, 6
    m = k.module(D, H, seed=11, scale=30.0)  # pre-activations of order 100
    x, h0, c0, dh = data(N, T, D, H, seed=4)
    x *= k.saturate
    params = params_from_torch(m)
    for dtype in (np.float64, np.float32):
        f = lambda a: a.astype(dtype)  # noqa: E731
        h, cache = k.forward(f(x), f(h0), [f(p) for p in params], f(c0))
        grads = k.backward(f(dh), cache)
        assert all(np.all(np.isfinite(g)) for g in (h,) + grads)
    out, g, _ = torch_sequence(k, m, x, h0, c0, dh)
    h, cache = k.forward(x, h0, params, c0)
    assert maxdiff(h, out) <= TOL_FWD
    dx, _, _, dWh, *_ = k.backward(dh, cache)
    assert maxdiff(dx, g["dx"]) <= TOL_BWD
    # saturated gates: large dWh entries, so the gated cells' bound is relative
    tol = TOL_BWD if kind == "rnn" else 1e-8 * max(1.0, np.abs(g["dWh"]).max())
    assert maxdiff(dWh, g["dWh"]) <= tol


# ---------------------------------------------------------------- backward vs torch


@pytest.mark.parametrize("kind,N,T,D,H", kinds_and_shapes())
def test_backward_equals_torch_autograd(kind, N, T, D, H):
    k = KINDS[kind]
    m = k.module(D, H, seed=5 + N + T)
    x, h0, c0, dh = data(N, T, D, H, seed=6)
    out, g, biases = torch_sequence(k, m, x, h0, c0, dh)
    h, cache = k.forward(x, h0, params_from_torch(m), c0)
    dx, dh0, dWx, dWh, *db = k.backward(dh, cache)
    GH = k.gates * H
    assert maxdiff(h, out) <= TOL_FWD
    assert dx.shape == (N, T, D) and dh0.shape == (N, H)
    assert dWx.shape == (D, GH) and dWh.shape == (H, GH)
    assert all(b.shape == (GH,) for b in db)
    assert maxdiff(dx, g["dx"]) <= TOL_BWD
    assert maxdiff(dh0, g["dh0"]) <= TOL_BWD
    assert maxdiff(dWx, g["dWx"]) <= TOL_BWD
    assert maxdiff(dWh, g["dWh"]) <= TOL_BWD
    assert_bias_grads(db, biases, TOL_BWD)


@pytest.mark.parametrize("kind", NAMES)
@settings(max_examples=25, derandomize=True, deadline=None, database=None)
@given(
    N=st.integers(1, 4),
    T=st.integers(1, 5),
    D=st.integers(1, 6),
    H=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_forward_and_backward_equal_torch_for_generated_shapes(kind, N, T, D, H, seed):
    k = KINDS[kind]
    m = k.module(D, H, seed=seed)
    x, h0, c0, dh = data(N, T, D, H, seed=seed)
    out, g, biases = torch_sequence(k, m, x, h0, c0, dh)
    h, cache = k.forward(x, h0, params_from_torch(m), c0)
    assert maxdiff(h, out) <= TOL_FWD
    dx, dh0, dWx, dWh, *db = k.backward(dh, cache)
    for name, got in zip(("dx", "dh0", "dWx", "dWh"), (dx, dh0, dWx, dWh)):
        assert maxdiff(got, g[name]) <= TOL_BWD
    assert_bias_grads(db, biases, TOL_BWD)


@pytest.mark.parametrize("kind,N,T,D,H", kinds_and_shapes(5))
def test_step_backward_equals_torch_autograd(kind, N, T, D, H):
    k = KINDS[kind]
    cell = k.module(D, H, seed=9 + H, cell=True)
    x, h0, c0, _ = data(N, T, D, H, seed=7)
    rng = np.random.default_rng(8)
    dnext = tuple(rng.standard_normal((N, H)) for _ in step_state(k, h0, c0))
    xt = torch.tensor(x[:, 0], requires_grad=True)
    ht = torch.tensor(h0, requires_grad=True)
    ct = torch.tensor(c0, requires_grad=True)
    outs = cell(xt, (ht, ct)) if k.lstm else (cell(xt, ht),)
    sum((o * torch.tensor(d)).sum() for o, d in zip(outs, dnext)).backward()

    _, cache = k.step(x[:, 0], step_state(k, h0, c0), params_from_torch(cell))
    dx, dprev, (dWx, dWh, *db) = k.step_back(dnext, cache)
    assert maxdiff(dx, xt.grad.numpy()) <= TOL_BWD
    assert maxdiff(dprev[0], ht.grad.numpy()) <= TOL_BWD
    if k.lstm:
        assert maxdiff(dprev[1], ct.grad.numpy()) <= TOL_BWD
    assert maxdiff(dWx, cell.weight_ih.grad.numpy().T) <= TOL_BWD
    assert maxdiff(dWh, cell.weight_hh.grad.numpy().T) <= TOL_BWD
    assert_bias_grads(db, (cell.bias_ih.grad.numpy(), cell.bias_hh.grad.numpy()), TOL_BWD)


@pytest.mark.parametrize("kind", NAMES)
def test_sequence_equals_loop_of_steps(kind):
    """The fast sequence path and the readable step functions agree (BPTT by hand)."""
    k = KINDS[kind]
    N, T, D, H = 3, 5, 4, 6
    params = params_from_torch(k.module(D, H, seed=21))
    x, h0, c0, dh = data(N, T, D, H, seed=9)
    h_seq, cache = k.forward(x, h0, params, c0)
    grads_seq = k.backward(dh, cache)

    state, hs, caches = step_state(k, h0, c0), [], []
    for t in range(T):
        state, step_cache = k.step(x[:, t], state, params)
        hs.append(state[0])
        caches.append(step_cache)
    assert maxdiff(h_seq, np.stack(hs, axis=1)) <= 1e-14

    dx = np.zeros_like(x)
    acc = [np.zeros_like(p) for p in params]
    dnext = tuple(np.zeros((N, H)) for _ in state)
    for t in reversed(range(T)):
        upstream = (dh[:, t] + dnext[0],) + dnext[1:]  # dh_t plus what flows back
        dx[:, t], dnext, dparams = k.step_back(upstream, caches[t])
        for a, d in zip(acc, dparams):
            a += d
    for got, want in zip(grads_seq, (dx, dnext[0], *acc)):
        assert maxdiff(got, want) <= 1e-12


# ---------------------------------------------------------------- finite differences


@pytest.mark.parametrize("kind", NAMES)
def test_sequence_backward_passes_gradient_check(kind):
    # float64 centred differences are good to ~1e-10 absolute here, so the
    # 1e-7 bound on the relative error has about an order of magnitude of margin
    k = KINDS[kind]
    N, T, D, H = 2, 3, 4, 5
    params = params_from_torch(k.module(D, H, seed=2))
    x, h0, c0, dh = data(N, T, D, H, seed=2)
    _, cache = k.forward(x, h0, params, c0)
    grads = k.backward(dh, cache)
    for analytic, arr in zip(grads, (x, h0, *params)):
        numeric = numerical_gradient(lambda _: k.forward(x, h0, params, c0)[0], arr, dh)
        assert rel_error(analytic, numeric) < 1e-7


@pytest.mark.parametrize("kind", NAMES)
def test_step_backward_passes_gradient_check(kind):
    k = KINDS[kind]
    N, D, H = 3, 4, 5
    params = params_from_torch(k.module(D, H, seed=32, cell=True, scale=0.8))
    rng = np.random.default_rng(11)
    x = rng.standard_normal((N, D))
    state = tuple(rng.standard_normal((N, H)) for _ in range(2 if k.lstm else 1))
    dnext = rng.standard_normal((len(state), N, H))  # upstream of the new state
    _, cache = k.step(x, state, params)
    dx, dprev, dparams = k.step_back(tuple(dnext), cache)

    def fwd():
        return np.stack(k.step(x, state, params)[0])

    for analytic, arr in zip((dx, *dprev, *dparams), (x, *state, *params)):
        numeric = numerical_gradient(lambda _: fwd(), arr, dnext)
        assert rel_error(analytic, numeric) < 1e-7


# ---------------------------------------------------------------- dtypes


@pytest.mark.parametrize("kind", NAMES)
def test_float32_stays_float32_and_matches_float64(kind):
    k = KINDS[kind]
    N, T, D, H = 4, 6, 5, 7
    p64 = params_from_torch(k.module(D, H, seed=41))
    x, h0, c0, dh = data(N, T, D, H, seed=12)
    h64, cache64 = k.forward(x, h0, p64, c0)
    g64 = k.backward(dh, cache64)
    f = lambda a: a.astype(np.float32)  # noqa: E731
    p32 = [f(p) for p in p64]
    h32, cache32 = k.forward(f(x), f(h0), p32, f(c0))
    g32 = k.backward(f(dh), cache32)
    assert h32.dtype == np.float32
    assert all(g.dtype == np.float32 for g in g32)
    assert maxdiff(h32, h64) <= 1e-5
    for a, b in zip(g32, g64):
        assert maxdiff(a, b) <= 1e-5 * max(1.0, np.abs(b).max())

    state, step_cache = k.step(f(x[:, 0]), tuple(map(f, step_state(k, h0, c0))), p32)
    assert all(s.dtype == np.float32 for s in state)
    dx, dprev, dparams = k.step_back(tuple(f(dh[:, 0]) for _ in state), step_cache)
    assert all(g.dtype == np.float32 for g in (dx, *dprev, *dparams))


@pytest.mark.parametrize("kind", NAMES)
def test_float32_module_end_to_end(kind):
    k = KINDS[kind]
    N, T, D, H = 3, 4, 5, 6
    torch.manual_seed(0)
    m = k.torch_class(D, H, batch_first=True)  # float32
    params = params_from_torch(m)
    assert all(p.dtype == np.float32 for p in params)
    x = np.random.default_rng(0).standard_normal((N, T, D)).astype(np.float32)
    h, _ = k.forward(x, np.zeros((N, H), np.float32), params)
    assert h.dtype == np.float32
    assert maxdiff(h, m(torch.from_numpy(x))[0].detach().numpy()) <= 1e-5


@pytest.mark.parametrize("kind", NAMES)
def test_mixed_float_dtypes_run_in_result_type(kind):
    k = KINDS[kind]
    N, T, D, H = 2, 3, 4, 5
    params = params_from_torch(k.module(D, H, seed=1))
    x, h0, _, dh = data(N, T, D, H, seed=13)
    f32 = [p.astype(np.float32) for p in params]
    # float32 x, float64 rest
    h, cache = k.forward(x.astype(np.float32), h0, params)
    assert h.dtype == np.float64
    assert all(g.dtype == np.float64 for g in k.backward(dh, cache))
    # one float32 bias, float64 rest
    h, cache = k.forward(x, h0, [*params[:2], f32[2], *params[3:]])
    assert h.dtype == np.float64
    assert all(g.dtype == np.float64 for g in k.backward(dh, cache))
    # all float32, then a float64 upstream gradient promotes the backward pass
    h, cache = k.forward(x.astype(np.float32), h0.astype(np.float32), f32)
    assert h.dtype == np.float32
    assert all(g.dtype == np.float64 for g in k.backward(dh, cache))


@pytest.mark.parametrize("kind", NAMES)
def test_inputs_are_not_modified_and_lists_are_accepted(kind):
    k = KINDS[kind]
    N, T, D, H = 2, 3, 4, 5
    params = params_from_torch(k.module(D, H, seed=2))
    x, h0, c0, dh = data(N, T, D, H, seed=14)
    c0 = c0 if k.lstm else None
    args = (x, h0, *params, dh) + ((c0,) if k.lstm else ())
    before = [a.copy() for a in args]
    h, cache = k.forward(x, h0, params, c0)
    grads = k.backward(dh, cache)
    h[...] = 0  # the returned array is not the cache's storage
    assert all(np.array_equal(a, b) for a, b in zip(args, before))
    assert all(np.array_equal(a, b) for a, b in zip(grads, k.backward(dh, cache)))
    lists = (None if c0 is None else c0.tolist())
    h_list, cache_list = k.forward(x.tolist(), h0.tolist(), [p.tolist() for p in params], lists)
    assert np.array_equal(h_list, k.forward(x, h0, params, c0)[0])
    assert all(np.array_equal(a, b) for a, b in zip(k.backward(dh.tolist(), cache_list), grads))


@pytest.mark.parametrize("kind", NAMES)
def test_zero_length_sequence(kind):
    k = KINDS[kind]
    N, D, H = 2, 3, 4
    params = params_from_torch(k.module(D, H, seed=3))
    h, cache = k.forward(np.zeros((N, 0, D)), np.ones((N, H)), params)
    assert h.shape == (N, 0, H)
    dx, dh0, *dparams = k.backward(np.zeros((N, 0, H)), cache)
    assert dx.shape == (N, 0, D) and not dh0.any()
    assert all(not d.any() for d in dparams)


# ---------------------------------------------------------------- bad input

N_, T_, D_, H_ = 2, 3, 4, 5


def _good(kind):
    """Valid arguments of a forward call: x, h0 and the kind's parameters."""
    G = KINDS[kind].gates
    rng = np.random.default_rng(0)
    args = {
        "x": rng.standard_normal((N_, T_, D_)),
        "h0": rng.standard_normal((N_, H_)),
        "Wx": rng.standard_normal((D_, G * H_)),
        "Wh": rng.standard_normal((H_, G * H_)),
    }
    for name in ("bx", "bh") if kind == "gru" else ("b",):
        args[name] = rng.standard_normal(G * H_)
    return args


def _params(a):
    return [a[n] for n in ("Wx", "Wh", "b", "bx", "bh") if n in a]


BAD_FORWARD = {
    "rnn": [
        ("x", np.zeros((2, 3)), "x: expected a 3-D array of shape (N, T, D), got shape (2, 3)"),
        ("x", np.zeros((N_, T_, 3)), "Wx: expected shape (D, H) = (3, 5), got (4, 5)"),
        ("Wx", np.zeros((D_, 4)), "Wx: expected shape (D, H) = (4, 5), got (4, 4)"),
        ("Wh", np.zeros((H_, 4)), "Wh: expected shape (H, H) = (5, 5), got (5, 4)"),
        ("Wh", np.zeros(H_), "Wh: expected a 2-D array of shape (H, H), got shape (5,)"),
        ("b", np.zeros(H_ + 1), "b: expected shape (H,) = (5,), got (6,)"),
        ("h0", np.zeros((3, H_)), "h0: expected shape (N, H) = (2, 5), got (3, 5)"),
        ("h0", np.zeros((N_, 4)), "h0: expected shape (N, H) = (2, 5), got (2, 4)"),
        ("x", np.zeros((N_, T_, D_), dtype=np.int32),
         "x: expected a float32 or float64 array of shape (N, T, D), got dtype int32"),
        ("Wx", np.zeros((D_, H_), dtype=np.uint8),
         "Wx: expected a float32 or float64 array of shape (D, H), got dtype uint8"),
        ("b", np.zeros(H_, dtype=np.complex64),
         "b: expected a float32 or float64 array of shape (H,), got dtype complex64"),
    ],
    "lstm": [
        ("x", np.zeros((2, 3)), "x: expected a 3-D array of shape (N, T, D), got shape (2, 3)"),
        ("x", np.zeros((N_, T_, 3)), "Wx: expected shape (D, 4H) = (3, 20), got (4, 20)"),
        ("Wx", np.zeros((3, 4 * H_)), "Wx: expected shape (D, 4H) = (4, 20), got (3, 20)"),
        ("Wh", np.zeros((H_, 4 * H_ - 1)), "Wh: expected shape (H, 4H) = (5, 20), got (5, 19)"),
        ("Wh", np.zeros((H_, H_)), "Wh: expected shape (H, 4H) = (5, 20), got (5, 5)"),
        ("b", np.zeros(4 * H_ - 1), "b: expected shape (4H,) = (20,), got (19,)"),
        ("b", np.zeros((1, 4 * H_)), "b: expected a 1-D array of shape (4H,), got shape (1, 20)"),
        ("h0", np.zeros((3, H_)), "h0: expected shape (N, H) = (2, 5), got (3, 5)"),
        ("h0", np.zeros((1, N_, H_)),
         "h0: expected a 2-D array of shape (N, H), got shape (1, 2, 5)"),
        ("x", np.zeros((N_, T_, D_), dtype=np.int64),
         "x: expected a float32 or float64 array of shape (N, T, D), got dtype int64"),
        ("Wh", np.zeros((H_, 4 * H_), dtype=bool),
         "Wh: expected a float32 or float64 array of shape (H, 4H), got dtype bool"),
        ("b", np.zeros(4 * H_, dtype=np.complex128),
         "b: expected a float32 or float64 array of shape (4H,), got dtype complex128"),
        ("h0", np.zeros((N_, H_), dtype=np.float16),
         "h0: expected a float32 or float64 array of shape (N, H), got dtype float16"),
    ],
    "gru": [
        ("x", np.zeros((2, 3)), "x: expected a 3-D array of shape (N, T, D), got shape (2, 3)"),
        ("x", np.zeros((N_, T_, 3)), "Wx: expected shape (D, 3H) = (3, 15), got (4, 15)"),
        ("Wh", np.zeros((H_, 4 * H_)), "Wh: expected shape (H, 3H) = (5, 15), got (5, 20)"),
        ("Wx", np.zeros((D_, 3 * H_ + 1)), "Wx: expected shape (D, 3H) = (4, 15), got (4, 16)"),
        ("bx", np.zeros(3 * H_ - 1), "bx: expected shape (3H,) = (15,), got (14,)"),
        ("bh", np.zeros(H_), "bh: expected shape (3H,) = (15,), got (5,)"),
        ("h0", np.zeros((1, H_)), "h0: expected shape (N, H) = (2, 5), got (1, 5)"),
        ("x", np.zeros((N_, T_, D_), dtype=np.int64),
         "x: expected a float32 or float64 array of shape (N, T, D), got dtype int64"),
        ("bh", np.zeros(3 * H_, dtype=bool),
         "bh: expected a float32 or float64 array of shape (3H,), got dtype bool"),
    ],
}


@pytest.mark.parametrize(
    "kind,name,value,message",
    [(kind, *case) for kind in NAMES for case in BAD_FORWARD[kind]],
)
def test_forward_rejects_bad_input(kind, name, value, message):
    a = _good(kind)
    a[name] = value
    with pytest.raises(ValueError, match=re.escape(message)):
        KINDS[kind].forward(a["x"], a["h0"], _params(a))


def _bad_steps(kind):
    """(state, x, message) triples that every step forward must reject."""
    a = _good(kind)
    h, x_t = a["h0"], a["x"][:, 0]
    state = (h, h) if kind == "lstm" else (h,)
    cases = [
        (state, a["x"], "x: expected a 2-D array of shape (N, D), got shape (2, 3, 4)"),
        ((np.zeros((N_, 3)),) + state[1:], x_t, "prev_h: expected shape (N, H) = (2, 5), got (2, 3)"),
        ((h[:1],) + state[1:], x_t, "prev_h: expected shape (N, H) = (2, 5), got (1, 5)"),
        (state, object(), "x: expected a float32 or float64 array of shape (N, D), got dtype object"),
    ]
    if kind == "lstm":
        cases.append(((h, h[:1]), x_t, "prev_c: expected shape (N, H) = (2, 5), got (1, 5)"))
    return cases


@pytest.mark.parametrize("kind", NAMES)
def test_step_forward_rejects_bad_input(kind):
    k = KINDS[kind]
    params = _params(_good(kind))
    for state, x, message in _bad_steps(kind):
        with pytest.raises(ValueError, match=re.escape(message)):
            k.step(x, state, params)


@pytest.mark.parametrize("kind", NAMES)
def test_backward_rejects_bad_upstream_and_cache(kind):
    k = KINDS[kind]
    a = _good(kind)
    params = _params(a)
    _, cache = k.forward(a["x"], a["h0"], params)
    with pytest.raises(ValueError, match=re.escape("dh: expected shape (N, T, H) = (2, 3, 5), got (2, 4, 5)")):
        k.backward(np.zeros((N_, 4, H_)), cache)
    with pytest.raises(ValueError, match=re.escape("dh: expected shape (N, T, H) = (2, 3, 5), got (3, 2, 5)")):
        k.backward(np.zeros((T_, N_, H_)), cache)
    with pytest.raises(ValueError, match=re.escape("dh: expected a 3-D array of shape (N, T, H), got shape (2, 5)")):
        k.backward(np.zeros((N_, H_)), cache)
    with pytest.raises(ValueError, match=re.escape("dh: expected a float32 or float64 array")):
        k.backward(np.zeros((N_, T_, H_), dtype=np.int32), cache)
    with pytest.raises(ValueError, match=f"cache: expected the cache returned by {kind}_forward"):
        k.backward(np.zeros((N_, T_, H_)), None)
    other = "lstm" if kind != "lstm" else "rnn"
    with pytest.raises(ValueError, match=f"cache: expected the cache returned by {kind}_forward"):
        k.backward(np.zeros((N_, T_, H_)), {"kind": f"{other}_forward"})
    state, step_cache = k.step(a["x"][:, 0], step_state(k, a["h0"], a["h0"]), params)
    with pytest.raises(ValueError, match=f"cache: expected the cache returned by {kind}_forward"):
        k.backward(np.zeros((N_, T_, H_)), step_cache)
    good = tuple(np.zeros((N_, H_)) for _ in state)
    with pytest.raises(ValueError, match=re.escape("dnext_h: expected shape (N, H) = (2, 5), got (2, 4)")):
        k.step_back((np.zeros((N_, 4)),) + good[1:], step_cache)
    with pytest.raises(ValueError, match=re.escape("dnext_h: expected a float32 or float64 array")):
        k.step_back((np.zeros((N_, H_), dtype=int),) + good[1:], step_cache)
    with pytest.raises(ValueError, match=f"cache: expected the cache returned by {kind}_step_forward"):
        k.step_back(good, cache)
    if k.lstm:
        with pytest.raises(ValueError, match=re.escape("dnext_c: expected a 2-D array of shape (N, H), got shape (5,)")):
            k.step_back((good[0], np.zeros(H_)), step_cache)


# ---------------------------------------------------------------- one cell's peculiarities


def test_lstm_c0_none_means_zeros():
    k = KINDS["lstm"]
    N, T, D, H = 3, 4, 5, 6
    params = params_from_torch(k.module(D, H, seed=3))
    x = data(N, T, D, H, seed=2)[0]
    h, _ = lstm_forward(x, np.zeros((N, H)), *params)
    h_explicit, _ = lstm_forward(x, np.zeros((N, H)), *params, c0=np.zeros((N, H)))
    assert np.array_equal(h, h_explicit)


def test_lstm_forward_rejects_bad_c0():
    a = _good("lstm")
    with pytest.raises(ValueError, match=re.escape("c0: expected shape (N, H) = (2, 5), got (2, 4)")):
        lstm_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"], c0=np.zeros((N_, 4)))
    with pytest.raises(ValueError, match=re.escape("c0: expected a float32 or float64 array")):
        lstm_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["b"], c0=np.zeros((N_, H_), dtype=int))


def test_gru_reset_gate_acts_after_the_hidden_product():
    """bh_n sits inside r * (h Wh_n + bh_n): moving it into bx changes the output."""
    k = KINDS["gru"]
    N, T, D, H = 2, 3, 4, 5
    Wx, Wh, bx, bh = params_from_torch(k.module(D, H, seed=4, scale=1.0))
    x, h0, _, _ = data(N, T, D, H, seed=3)
    h, _ = gru_forward(x, h0, Wx, Wh, bx, bh)
    bx2, bh2 = bx.copy(), bh.copy()
    bx2[2 * H :] += bh2[2 * H :]
    bh2[2 * H :] = 0
    h_moved, _ = gru_forward(x, h0, Wx, Wh, bx2, bh2)
    assert maxdiff(h, h_moved) > 1e-3
    # whereas the r and z biases only ever appear as a sum
    bx3, bh3 = bx.copy(), bh.copy()
    bx3[: 2 * H] += bh3[: 2 * H]
    bh3[: 2 * H] = 0
    assert maxdiff(h, gru_forward(x, h0, Wx, Wh, bx3, bh3)[0]) <= 1e-14
