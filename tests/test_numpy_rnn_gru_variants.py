"""rnn_helpers.numpy_rnn.gru_variants: the reset-before GRU against torch autograd and finite
differences, and the z <-> 1 - z flip (parameter counts: tests/test_numpy_rnn_layout.py)."""

import re

import numpy as np
import pytest
import torch

from rnn_helpers.gradcheck import numerical_gradient, rel_error
from rnn_helpers.numpy_rnn.gru_variants import (
    flip_update_gate,
    gru_cho_backward,
    gru_cho_forward,
    gru_cho_step_backward,
    gru_cho_step_forward,
    gru_step_variant,
)
from rnn_helpers.numpy_rnn import gru_forward, gru_step_forward, params_from_torch

SHAPES = [(1, 1, 3, 4), (1, 5, 2, 3), (4, 1, 5, 2), (2, 3, 4, 4), (3, 6, 7, 5)]
TOL_FWD = 1e-10
TOL_BWD = 1e-9


def maxdiff(a, b):
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) if np.size(a) else 0.0


def make_params(D, H, seed, scale=None):
    """Parameters of a seeded float64 torch.nn.GRU, in the NumPy layout."""
    torch.manual_seed(seed)
    m = torch.nn.GRU(D, H, batch_first=True).double()
    if scale is not None:
        with torch.no_grad():
            for p in m.parameters():
                p.uniform_(-scale, scale)
    return params_from_torch(m)


def data(N, T, D, H, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))


def torch_cho(x, h0, Wx, Wh, bx, bh):
    """An independent oracle: the Cho et al. (2014) equations written with torch ops."""
    H = Wh.shape[0]
    h, outs = h0, []
    for t in range(x.shape[1]):
        gx = x[:, t] @ Wx + bx
        r = torch.sigmoid(gx[:, :H] + h @ Wh[:, :H] + bh[:H])
        z = torch.sigmoid(gx[:, H : 2 * H] + h @ Wh[:, H : 2 * H] + bh[H : 2 * H])
        n = torch.tanh(gx[:, 2 * H :] + (r * h) @ Wh[:, 2 * H :] + bh[2 * H :])
        h = z * h + (1 - z) * n
        outs.append(h)
    return torch.stack(outs, dim=1)


def torch_grads(x, h0, params, dh):
    leaves = [torch.tensor(a, requires_grad=True) for a in (x, h0, *params)]
    out = torch_cho(*leaves)
    out.backward(torch.tensor(dh))
    return out.detach().numpy(), [leaf.grad.numpy() for leaf in leaves]


# ---------------------------------------------------------------- forward


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_forward_equals_torch_implementation(N, T, D, H):
    params = make_params(D, H, seed=N + 10 * T + 100 * D)
    x, h0, _ = data(N, T, D, H, seed=1)
    h, _ = gru_cho_forward(x, h0, *params)
    assert h.shape == (N, T, H) and h.dtype == np.float64
    want = torch_cho(*(torch.tensor(a) for a in (x, h0, *params))).numpy()
    assert maxdiff(h, want) <= TOL_FWD


def test_step_forward_equals_sequence_and_variant():
    N, T, D, H = 3, 1, 4, 5
    params = make_params(D, H, seed=3, scale=1.0)
    x, h0, _ = data(N, T, D, H, seed=2)
    next_h, _ = gru_cho_step_forward(x[:, 0], h0, *params)
    h, _ = gru_cho_forward(x, h0, *params)
    assert maxdiff(next_h, h[:, 0]) <= 1e-14
    assert maxdiff(next_h, gru_step_variant(x[:, 0], h0, *params, reset="before")) <= 1e-14


def test_variants_differ_only_through_the_reset_placement():
    N, T, D, H = 4, 6, 3, 5
    params = make_params(D, H, seed=4, scale=1.0)
    x, h0, _ = data(N, T, D, H, seed=3)
    h_cho, _ = gru_cho_forward(x, h0, *params)
    h_torch, _ = gru_forward(x, h0, *params)
    assert maxdiff(h_cho, h_torch) > 1e-3
    # with the reset gate forced open (r = 1) and bh_n = 0 they coincide
    Wx, Wh, bx, bh = (p.copy() for p in params)
    Wx[:, :H] = 0
    Wh[:, :H] = 0
    bx[:H], bh[:H] = 1e3, 0  # sigma(1000) = 1
    bx[2 * H :] += bh[2 * H :]
    bh[2 * H :] = 0
    assert maxdiff(gru_cho_forward(x, h0, Wx, Wh, bx, bh)[0], gru_forward(x, h0, Wx, Wh, bx, bh)[0]) <= 1e-14


def test_step_variant_after_old_is_torch_grucell():
    N, D, H = 3, 4, 6
    torch.manual_seed(5)
    cell = torch.nn.GRUCell(D, H).double()
    rng = np.random.default_rng(4)
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    want = cell(torch.tensor(x), torch.tensor(h)).detach().numpy()
    got = gru_step_variant(x, h, *params_from_torch(cell))
    assert maxdiff(got, want) <= TOL_FWD
    assert maxdiff(got, gru_step_forward(x, h, *params_from_torch(cell))[0]) <= 1e-14


# ---------------------------------------------------------------- backward


@pytest.mark.parametrize("N,T,D,H", SHAPES)
def test_backward_equals_torch_autograd(N, T, D, H):
    params = make_params(D, H, seed=5 + N + T, scale=0.8)
    x, h0, dh = data(N, T, D, H, seed=6)
    out, want = torch_grads(x, h0, params, dh)
    h, cache = gru_cho_forward(x, h0, *params)
    grads = gru_cho_backward(dh, cache)
    assert maxdiff(h, out) <= TOL_FWD
    shapes = [(N, T, D), (N, H), (D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,)]
    for g, w, shape in zip(grads, want, shapes):
        assert g.shape == shape
        assert maxdiff(g, w) <= TOL_BWD


def test_step_backward_equals_torch_autograd():
    N, D, H = 3, 4, 5
    params = make_params(D, H, seed=9, scale=0.9)
    rng = np.random.default_rng(8)
    x, h0, dnext = rng.standard_normal((N, 1, D)), rng.standard_normal((N, H)), rng.standard_normal((N, 1, H))
    _, want = torch_grads(x, h0, params, dnext)
    _, cache = gru_cho_step_forward(x[:, 0], h0, *params)
    dx, dprev_h, *dparams = gru_cho_step_backward(dnext[:, 0], cache)
    assert maxdiff(dx, want[0][:, 0]) <= TOL_BWD
    assert maxdiff(dprev_h, want[1]) <= TOL_BWD
    for g, w in zip(dparams, want[2:]):
        assert maxdiff(g, w) <= TOL_BWD


def test_sequence_equals_loop_of_steps():
    N, T, D, H = 3, 5, 4, 6
    params = make_params(D, H, seed=21)
    x, h0, dh = data(N, T, D, H, seed=9)
    h_seq, cache = gru_cho_forward(x, h0, *params)
    grads_seq = gru_cho_backward(dh, cache)
    hs, caches, h = [], [], h0
    for t in range(T):
        h, c = gru_cho_step_forward(x[:, t], h, *params)
        hs.append(h)
        caches.append(c)
    assert maxdiff(h_seq, np.stack(hs, axis=1)) <= 1e-14
    dx = np.zeros_like(x)
    acc = [np.zeros_like(p) for p in params]
    g_next = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], g_next, *dparams = gru_cho_step_backward(dh[:, t] + g_next, caches[t])
        for a, d in zip(acc, dparams):
            a += d
    for got, want in zip(grads_seq, (dx, g_next, *acc)):
        assert maxdiff(got, want) <= 1e-12


def test_sequence_backward_passes_gradient_check():
    N, T, D, H = 2, 3, 4, 5
    params = make_params(D, H, seed=2, scale=0.9)
    x, h0, dh = data(N, T, D, H, seed=2)
    _, cache = gru_cho_forward(x, h0, *params)
    grads = gru_cho_backward(dh, cache)
    for analytic, arr in zip(grads, (x, h0, *params)):
        numeric = numerical_gradient(lambda _: gru_cho_forward(x, h0, *params)[0], arr, dh)
        assert rel_error(analytic, numeric) < 1e-7


def test_step_backward_passes_gradient_check():
    N, D, H = 3, 4, 5
    params = make_params(D, H, seed=32, scale=0.8)
    rng = np.random.default_rng(11)
    x, prev_h, dnext_h = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    _, cache = gru_cho_step_forward(x, prev_h, *params)
    grads = gru_cho_step_backward(dnext_h, cache)
    for analytic, arr in zip(grads, (x, prev_h, *params)):
        numeric = numerical_gradient(lambda _: gru_cho_step_forward(x, prev_h, *params)[0], arr, dnext_h)
        assert rel_error(analytic, numeric) < 1e-7


@pytest.mark.filterwarnings("error")
def test_saturated_gates_stay_finite_in_both_dtypes():
    N, T, D, H = 3, 5, 4, 6
    params = make_params(D, H, seed=11, scale=30.0)
    x, h0, dh = data(N, T, D, H, seed=4)
    for dtype in (np.float64, np.float32):
        f = lambda a: (5 * a).astype(dtype) if a is x else a.astype(dtype)  # noqa: E731
        h, cache = gru_cho_forward(f(x), f(h0), *map(f, params))
        grads = gru_cho_backward(f(dh), cache)
        assert h.dtype == dtype and all(g.dtype == dtype for g in grads)
        assert all(np.all(np.isfinite(g)) for g in (h, *grads))


def test_float32_matches_float64_and_inputs_unchanged():
    N, T, D, H = 4, 6, 5, 7
    p64 = make_params(D, H, seed=41)
    x, h0, dh = data(N, T, D, H, seed=12)
    before = [a.copy() for a in (x, h0, *p64, dh)]
    h64, c64 = gru_cho_forward(x, h0, *p64)
    g64 = gru_cho_backward(dh, c64)
    assert all(np.array_equal(a, b) for a, b in zip((x, h0, *p64, dh), before))
    f = lambda a: a.astype(np.float32)  # noqa: E731
    h32, c32 = gru_cho_forward(f(x), f(h0), *map(f, p64))
    g32 = gru_cho_backward(f(dh), c32)
    assert maxdiff(h32, h64) <= 1e-5
    for a, b in zip(g32, g64):
        assert a.dtype == np.float32
        assert maxdiff(a, b) <= 1e-5 * max(1.0, np.abs(b).max())


def test_zero_length_sequence():
    N, D, H = 2, 3, 4
    params = make_params(D, H, seed=3)
    h, cache = gru_cho_forward(np.zeros((N, 0, D)), np.ones((N, H)), *params)
    assert h.shape == (N, 0, H)
    dx, dh0, dWx, dWh, dbx, dbh = gru_cho_backward(np.zeros((N, 0, H)), cache)
    assert dx.shape == (N, 0, D) and not dh0.any() and not dWh.any() and not dbh.any()


# ---------------------------------------------------------------- z <-> 1 - z


@pytest.mark.parametrize("reset", ["after", "before"])
def test_flip_update_gate_swaps_the_conventions_exactly(reset):
    N, D, H = 4, 3, 5
    params = make_params(D, H, seed=13, scale=1.0)
    rng = np.random.default_rng(14)
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    flipped = flip_update_gate(*params)
    old = gru_step_variant(x, h, *params, reset=reset, z_weighs="old")
    new = gru_step_variant(x, h, *flipped, reset=reset, z_weighs="new")
    assert maxdiff(old, new) <= 1e-15
    # without the flip the two conventions differ
    assert maxdiff(old, gru_step_variant(x, h, *params, reset=reset, z_weighs="new")) > 1e-2
    # the flip is its own inverse and leaves the r and n blocks alone
    back = flip_update_gate(*flipped)
    assert all(np.array_equal(a, b) for a, b in zip(back, params))
    for a, b in zip(flipped, params):
        assert np.array_equal(a[..., :H], b[..., :H]) and np.array_equal(a[..., 2 * H :], b[..., 2 * H :])
        assert np.array_equal(a[..., H : 2 * H], -b[..., H : 2 * H])


def test_flip_update_gate_returns_copies_and_validates():
    Wx, Wh, bx, bh = make_params(2, 3, seed=1)
    copies = [a.copy() for a in (Wx, Wh, bx, bh)]
    flip_update_gate(Wx, Wh, bx, bh)
    assert all(np.array_equal(a, b) for a, b in zip((Wx, Wh, bx, bh), copies))
    with pytest.raises(ValueError, match=re.escape("Wh: expected shape (H, 3H) = (3, 9), got (3, 12)")):
        flip_update_gate(Wx, np.zeros((3, 12)), bx, bh)
    with pytest.raises(ValueError, match=re.escape("bh: expected shape (3H,) = (9,), got (3,)")):
        flip_update_gate(Wx, Wh, bx, np.zeros(3))
    with pytest.raises(ValueError, match=re.escape("Wx: expected shape (D, 3H) = (D, 9), got (2, 8)")):
        flip_update_gate(np.zeros((2, 8)), Wh, bx, bh)


# ---------------------------------------------------------------- bad input


def _good():
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((2, 3, 4)),
        "h0": rng.standard_normal((2, 5)),
        "Wx": rng.standard_normal((4, 15)),
        "Wh": rng.standard_normal((5, 15)),
        "bx": rng.standard_normal(15),
        "bh": rng.standard_normal(15),
    }


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("x", np.zeros((2, 3)), "x: expected a 3-D array of shape (N, T, D), got shape (2, 3)"),
        ("Wh", np.zeros((5, 20)), "Wh: expected shape (H, 3H) = (5, 15), got (5, 20)"),
        ("Wx", np.zeros((3, 15)), "Wx: expected shape (D, 3H) = (4, 15), got (3, 15)"),
        ("bx", np.zeros(14), "bx: expected shape (3H,) = (15,), got (14,)"),
        ("h0", np.zeros((1, 5)), "h0: expected shape (N, H) = (2, 5), got (1, 5)"),
        ("x", np.zeros((2, 3, 4), dtype=np.int64), "x: expected a float32 or float64 array"),
    ],
)
def test_forward_rejects_bad_input(name, value, message):
    a = _good()
    a[name] = value
    with pytest.raises(ValueError, match=re.escape(message)):
        gru_cho_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"])


def test_step_functions_reject_bad_input():
    a = _good()
    with pytest.raises(ValueError, match=re.escape("prev_h: expected shape (N, H) = (2, 5), got (2, 3)")):
        gru_cho_step_forward(a["x"][:, 0], np.zeros((2, 3)), a["Wx"], a["Wh"], a["bx"], a["bh"])
    with pytest.raises(ValueError, match=re.escape("x: expected a 2-D array of shape (N, D)")):
        gru_step_variant(a["x"], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"])
    with pytest.raises(ValueError, match=re.escape("reset: expected one of 'after', 'before', got 'middle'")):
        gru_step_variant(a["x"][:, 0], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"], reset="middle")
    with pytest.raises(ValueError, match=re.escape("z_weighs: expected one of 'old', 'new', got 'z'")):
        gru_step_variant(a["x"][:, 0], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"], z_weighs="z")


def test_backward_rejects_bad_upstream_and_cache():
    a = _good()
    _, cache = gru_cho_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"])
    with pytest.raises(ValueError, match=re.escape("dh: expected shape (N, T, H) = (2, 3, 5), got (3, 2, 5)")):
        gru_cho_backward(np.zeros((3, 2, 5)), cache)
    with pytest.raises(ValueError, match="cache: expected the cache returned by gru_cho_forward"):
        gru_cho_backward(np.zeros((2, 3, 5)), gru_forward(a["x"], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"])[1])
    _, step_cache = gru_cho_step_forward(a["x"][:, 0], a["h0"], a["Wx"], a["Wh"], a["bx"], a["bh"])
    with pytest.raises(ValueError, match=re.escape("dnext_h: expected shape (N, H) = (2, 5), got (2, 4)")):
        gru_cho_step_backward(np.zeros((2, 4)), step_cache)


# ---------------------------------------------------------------- one GRU step


def test_variants_are_the_step_functions_of_numpy_rnn():
    """gru_step_variant, gru_cho_step_* and gru_step_forward run one piece of code:
    the same inputs give bit-identical results."""
    N, D, H = 3, 4, 5
    params = make_params(D, H, seed=21, scale=1.0)
    x, h0, dh = data(N, 1, D, H, seed=22)
    x, dh = x[:, 0], dh[:, 0]
    after, cache_after = gru_step_forward(x, h0, *params)
    before, cache_before = gru_cho_step_forward(x, h0, *params)
    assert np.array_equal(gru_step_variant(x, h0, *params), after)
    assert np.array_equal(gru_step_variant(x, h0, *params, reset="before"), before)
    # the gates are shared; only the candidate differs
    assert np.array_equal(cache_after["r"], cache_before["r"])
    assert np.array_equal(cache_after["z"], cache_before["z"])
    assert not np.allclose(cache_after["n"], cache_before["n"])
    # the "new" convention reuses r, z and n and only blends the other way
    z, n = cache_after["z"], cache_after["n"]
    assert np.array_equal(gru_step_variant(x, h0, *params, z_weighs="new"), (1 - z) * h0 + z * n)
