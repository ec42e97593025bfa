"""rnn_helpers.gradient_flow.gated: LSTM and GRU cells for the gradient-flow tools.

PyTorch is the oracle: the cells' forward passes equal torch.nn.LSTM/GRU,
their Jacobians equal torch.autograd.functional.jacobian, and the node
gradients equal what autograd leaves in .grad of every h_t and c_t.
"""

import numpy as np
import pytest
import torch

from rnn_helpers.gradient_flow import gated as gfl
from rnn_helpers.gradient_flow import elman as gf
from rnn_helpers.gradient_flow import jacobians
from rnn_helpers.numpy_rnn import gru_forward, lstm_forward

def lstm_case(H=4, D=3, N=3, T=6, seed=0, forget_bias=1.0):
    rng = np.random.default_rng(seed)
    cell = gfl.LSTMFlowCell.random(H, D, rng, forget_bias=forget_bias)
    cell.W_h = cell.W_h * 3  # larger weights: gates away from 1/2, a sharper test
    x = rng.standard_normal((N, T, D))
    s0 = 0.5 * rng.standard_normal((N, 2 * H))
    return cell, x, s0


def gru_case(H=4, D=3, N=3, T=6, seed=0):
    rng = np.random.default_rng(seed)
    cell = gfl.GRUFlowCell.random(H, D, rng)
    cell.W_h = cell.W_h * 3
    x = rng.standard_normal((N, T, D))
    h0 = 0.5 * rng.standard_normal((N, H))
    return cell, x, h0


def torch_lstm_cell(cell):
    m = torch.nn.LSTMCell(cell.W_x.shape[1], cell.H).double()
    with torch.no_grad():
        m.weight_ih.copy_(torch.tensor(cell.W_x))
        m.weight_hh.copy_(torch.tensor(cell.W_h))
        m.bias_ih.copy_(torch.tensor(cell.b))
        m.bias_hh.zero_()
    return m


def torch_gru_cell(cell):
    m = torch.nn.GRUCell(cell.W_x.shape[1], cell.H).double()
    with torch.no_grad():
        m.weight_ih.copy_(torch.tensor(cell.W_x))
        m.weight_hh.copy_(torch.tensor(cell.W_h))
        m.bias_ih.copy_(torch.tensor(cell.b_x))
        m.bias_hh.copy_(torch.tensor(cell.b_h))
    return m


# ---------------------------------------------------------------- forward passes
def test_lstm_forward_equals_numpy_rnn_and_torch():
    cell, x, s0 = lstm_case()
    H = cell.H
    trace = cell.run(x, s0)
    assert trace.states.shape == (3, 7, 2 * H) and trace.T == 6
    h, _ = lstm_forward(x, s0[:, :H], cell.W_x.T, cell.W_h.T, cell.b, c0=s0[:, H:])
    np.testing.assert_allclose(trace.states[:, 1:, :H], h, atol=1e-14)
    m = torch.nn.LSTM(3, H, batch_first=True).double()
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.tensor(cell.W_x))
        m.weight_hh_l0.copy_(torch.tensor(cell.W_h))
        m.bias_ih_l0.copy_(torch.tensor(cell.b))
        m.bias_hh_l0.zero_()
    out, (hn, cn) = m(torch.tensor(x), (torch.tensor(s0[None, :, :H]), torch.tensor(s0[None, :, H:])))
    np.testing.assert_allclose(trace.states[:, 1:, :H], out.detach().numpy(), atol=1e-14)
    np.testing.assert_allclose(trace.states[:, -1, H:], cn[0].detach().numpy(), atol=1e-14)
    back = gfl.LSTMFlowCell.from_torch(m)
    np.testing.assert_allclose(back.W_h, cell.W_h)
    np.testing.assert_allclose(back.b, cell.b)


def test_gru_forward_equals_numpy_rnn_and_torch():
    cell, x, h0 = gru_case()
    trace = cell.run(x, h0)
    h, _ = gru_forward(x, h0, cell.W_x.T, cell.W_h.T, cell.b_x, cell.b_h)
    np.testing.assert_allclose(trace.states[:, 1:], h, atol=1e-14)
    m = torch.nn.GRU(3, cell.H, batch_first=True).double()
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.tensor(cell.W_x))
        m.weight_hh_l0.copy_(torch.tensor(cell.W_h))
        m.bias_ih_l0.copy_(torch.tensor(cell.b_x))
        m.bias_hh_l0.copy_(torch.tensor(cell.b_h))
    out, _ = m(torch.tensor(x), torch.tensor(h0[None]))
    np.testing.assert_allclose(trace.states[:, 1:], out.detach().numpy(), atol=1e-14)
    back = gfl.GRUFlowCell.from_torch(m)
    np.testing.assert_allclose(back.b_h, cell.b_h)


# ---------------------------------------------------------------- Jacobians
def test_lstm_jacobian_and_vjp_equal_autograd():
    cell, x, s0 = lstm_case()
    H = cell.H
    m = torch_lstm_cell(cell)
    trace = cell.run(x, s0)
    rng = np.random.default_rng(5)
    for k in range(1, trace.T + 1):
        J = cell.jacobian(trace, k)  # (N, 2H, 2H)
        for n in range(x.shape[0]):
            xt = torch.tensor(x[n:n + 1, k - 1])

            def step(s):
                h, c = m(xt, (s[None, :H], s[None, H:]))
                return torch.cat([h[0], c[0]])

            ref = torch.autograd.functional.jacobian(step, torch.tensor(trace.states[n, k - 1]))
            np.testing.assert_allclose(J[n], ref.numpy(), atol=1e-13)
        g = rng.standard_normal((x.shape[0], 2 * H))
        np.testing.assert_allclose(cell.vjp(trace, k, g), np.einsum("na,nab->nb", g, J), atol=1e-13)
    # the carousel block is exactly diag(f)
    np.testing.assert_allclose(np.diagonal(J[:, H:, H:], axis1=1, axis2=2), trace.cache["f"][:, -1])


def test_gru_jacobian_and_vjp_equal_autograd():
    cell, x, h0 = gru_case()
    m = torch_gru_cell(cell)
    trace = cell.run(x, h0)
    rng = np.random.default_rng(6)
    for k in range(1, trace.T + 1):
        J = cell.jacobian(trace, k)
        for n in range(x.shape[0]):
            xt = torch.tensor(x[n:n + 1, k - 1])
            ref = torch.autograd.functional.jacobian(lambda h: m(xt, h[None])[0],
                                                     torch.tensor(trace.states[n, k - 1]))
            np.testing.assert_allclose(J[n], ref.numpy(), atol=1e-13)
        g = rng.standard_normal((x.shape[0], cell.H))
        np.testing.assert_allclose(cell.vjp(trace, k, g), np.einsum("na,nab->nb", g, J), atol=1e-13)


def test_cells_work_with_the_chapter_4_tools_after_registering():
    names = gfl.register_gated_cells()
    assert names == ("lstm", "gru") and gfl.register_gated_cells() == names
    assert gf.CELLS["lstm"] is gfl.LSTMFlowCell and gf.CELLS["gru"] is gfl.GRUFlowCell
    rng = np.random.default_rng(0)
    lstm = gf.make_cell("lstm", 4, 3, rng, forget_bias=2.0)
    assert np.all(lstm.forget_bias == 2.0)
    x = rng.standard_normal((2, 5, 3))
    P = jacobians.jacobian_products(lstm, x)  # (N, T+1, 2H, 2H)
    tr = lstm.run(x)
    np.testing.assert_allclose(P[:, 3], lstm.jacobian(tr, 5) @ lstm.jacobian(tr, 4), atol=1e-14)
    u = np.zeros((2, 8))
    u[:, :4] = 1.0
    norms = gf.gradient_norms(lstm, x, upstream=u)
    dh, dc = gfl.lstm_node_gradients(lstm, x, u[:, :4])
    # gradient_norms walks the state gradient [dL/dh_t, dL/dc_t with h_t held]
    f = tr.cache["f"]
    np.testing.assert_allclose(norms[:, 4], np.linalg.norm(np.concatenate(
        [dh[:, 4], (dc[:, 5] * f[:, 4])], axis=1), axis=1), atol=1e-14)
    gru = gf.make_cell("gru", 4, 3, rng)
    assert gf.gradient_norms(gru, x).shape == (2, 6)


# ---------------------------------------------------------------- node gradients
def test_lstm_node_gradients_equal_autograd():
    cell, x, s0 = lstm_case(T=8)
    H = cell.H
    m = torch_lstm_cell(cell)
    u = np.random.default_rng(7).standard_normal((x.shape[0], H))
    dh, dc = gfl.lstm_node_gradients(cell, x, u, s0)
    # autograd: .grad of every h_t and c_t; in LSTMCell's graph h_t = o * tanh(c_t) is
    # computed from c_t, so c_t.grad is the node gradient (both uses of c_t)
    h = torch.tensor(s0[:, :H], requires_grad=True)
    c = torch.tensor(s0[:, H:], requires_grad=True)
    hs, cs = [h], [c]
    for t in range(x.shape[1]):
        h, c = m(torch.tensor(x[:, t]), (h, c))
        h.retain_grad()
        c.retain_grad()
        hs.append(h)
        cs.append(c)
    (hs[-1] * torch.tensor(u)).sum().backward()
    for t in range(x.shape[1] + 1):
        np.testing.assert_allclose(dh[:, t], hs[t].grad.numpy(), atol=1e-13)
        np.testing.assert_allclose(dc[:, t], cs[t].grad.numpy(), atol=1e-13)


def test_node_gradients_follow_the_carousel_recursion():
    """dc_{t-1} = dc_t * f_t + dh_{t-1} * o_{t-1} * tanh'(c_{t-1}), as in the chapter."""
    cell, x, s0 = lstm_case(T=7)
    u = np.ones((x.shape[0], cell.H))
    dh, dc = gfl.lstm_node_gradients(cell, x, u, s0)
    tr = cell.run(x, s0)
    f, o, tc = tr.cache["f"], tr.cache["o"], tr.cache["tanh_c"]
    for t in range(2, 8):
        rhs = dc[:, t] * f[:, t - 1] + dh[:, t - 1] * o[:, t - 2] * (1 - tc[:, t - 2] ** 2)
        np.testing.assert_allclose(dc[:, t - 1], rhs, atol=1e-14)


# ---------------------------------------------------------------- the comparison
def test_compare_gradient_flow_and_the_forget_bias():
    profiles = {b: gfl.compare_gradient_flow(60, b, N=16) for b in (0.0, 1.0, 2.0, 3.0)}
    p0 = profiles[0.0]
    assert p0.distance.shape == (61,) and p0.rnn[0] == pytest.approx(1.0)
    assert p0.lstm_h[0] == pytest.approx(1.0)
    # the baselines do not depend on the LSTM's forget bias
    np.testing.assert_array_equal(profiles[3.0].rnn, p0.rnn)
    np.testing.assert_array_equal(profiles[3.0].gru, p0.gru)
    # a larger forget bias opens the carousel: monotone at distance 50, by orders of magnitude
    at50 = [profiles[b].at(50)["lstm_h"] for b in (0.0, 1.0, 2.0, 3.0)]
    assert all(b > 10 * a for a, b in zip(at50, at50[1:3]))
    assert at50[3] > at50[2]
    means = [profiles[b].forget_mean for b in (0.0, 1.0, 2.0, 3.0)]
    assert means == sorted(means) and abs(means[0] - 0.5) < 0.02
    # the RNN at PyTorch's initialisation vanishes faster than the LSTM with b_f = 1
    assert profiles[1.0].at(50)["lstm_h"] > 1e3 * p0.at(50)["rnn"]
    # the cell-state gradient decays per step by more than the mean forget gate (the carousel
    # alone) would let it: the other paths add to it; a larger bias gives a slower decay
    rates = [np.exp(np.polyfit(np.arange(20, 61), np.log(profiles[b].lstm_c[20:]), 1)[0])
             for b in (0.0, 1.0, 2.0)]
    assert all(m - 0.02 < r < 1 for r, m in zip(rates, means)) and rates == sorted(rates)
    # reproducible; the arrays returned are copies
    again = gfl.compare_gradient_flow(60, 1.0, N=16)
    np.testing.assert_array_equal(again.lstm_h, profiles[1.0].lstm_h)
    again.rnn[:] = 0
    assert gfl.compare_gradient_flow(60, 1.0, N=16).rnn[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="T"):
        gfl.compare_gradient_flow(0)


def test_random_cells_depend_on_forget_bias_only_through_b_f():
    a = gfl.LSTMFlowCell.random(5, 2, np.random.default_rng(1), forget_bias=0.0)
    b = gfl.LSTMFlowCell.random(5, 2, np.random.default_rng(1), forget_bias=4.0)
    np.testing.assert_array_equal(a.W_h, b.W_h)
    np.testing.assert_array_equal(a.b[:5], b.b[:5])
    assert np.all(b.forget_bias == 4.0)
    keep = gfl.LSTMFlowCell.random(5, 2, np.random.default_rng(1))
    assert np.all(np.abs(keep.forget_bias) <= 2 / np.sqrt(5))


def test_shape_errors():
    with pytest.raises(ValueError, match="W_h"):
        gfl.LSTMFlowCell(np.zeros((8, 3)), np.zeros((8, 3)))
    with pytest.raises(ValueError, match="W_x"):
        gfl.LSTMFlowCell(np.zeros((7, 3)), np.zeros((8, 2)))
    with pytest.raises(ValueError, match="x"):
        gfl.LSTMFlowCell.random(2, 3, np.random.default_rng(0)).run(np.zeros((1, 4, 2)))
    with pytest.raises(ValueError, match="s0"):
        gfl.LSTMFlowCell.random(2, 3, np.random.default_rng(0)).run(np.zeros((1, 4, 3)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="k"):
        c = gfl.GRUFlowCell.random(2, 3, np.random.default_rng(0))
        c.jacobian(c.run(np.zeros((1, 4, 3))), 5)


# ---------------------------------------------------------------- built on numpy_rnn
def test_flow_cells_run_the_numpy_rnn_step_functions():
    """Forward = lstm/gru_step_forward step by step; vjp = the step backward (bit for bit)."""
    from rnn_helpers.numpy_rnn import (gru_step_backward, gru_step_forward, lstm_step_backward,
                                       lstm_step_forward)

    cell, x, s0 = lstm_case()
    H = cell.H
    trace = cell.run(x, s0)
    h, c = s0[:, :H], s0[:, H:]
    for t in range(x.shape[1]):
        h, c, step = lstm_step_forward(x[:, t], h, c, cell.W_x.T, cell.W_h.T, cell.b)
    assert np.array_equal(trace.states[:, -1], np.concatenate([h, c], axis=1))
    g = np.random.default_rng(5).standard_normal((3, 2 * H))
    _, dh, dc, _, _, _ = lstm_step_backward(g[:, :H], g[:, H:], step)
    assert np.array_equal(cell.vjp(trace, trace.T, g), np.concatenate([dh, dc], axis=1))

    cell, x, h0 = gru_case()
    trace = cell.run(x, h0)
    h = h0
    for t in range(x.shape[1]):
        h, step = gru_step_forward(x[:, t], h, cell.W_x.T, cell.W_h.T, cell.b_x, cell.b_h)
    assert np.array_equal(trace.states[:, -1], h)
    g = np.random.default_rng(6).standard_normal((3, cell.H))
    assert np.array_equal(cell.vjp(trace, trace.T, g), gru_step_backward(g, step)[1])


@pytest.mark.parametrize("forget_bias", [0.0, 2.0])
def test_carousel_paths_match_autograd_with_the_gate_paths_cut(forget_bias):
    # oracle: torch autograd of the same LSTM, (a) all paths, (b) gates
    # computed from detached h and f detached, so only c -> c remains
    T, H, D, N = 12, 5, 3, 4
    paths = gfl.carousel_paths(T, forget_bias, H=H, D=D, N=N, seed=3,
                               burn_in=4)
    x, u, warm = gfl._inputs(T, D, N, H, 3, 1.0, 4)
    cell = gfl.LSTMFlowCell.random(H, D, np.random.default_rng([3, 4]),
                                   forget_bias=forget_bias)
    s0 = gfl._warm_state(cell, warm)
    Wx, Wh, b = (torch.tensor(a) for a in (cell.W_x, cell.W_h, cell.b))
    norms = {}
    for cut in (False, True):
        h = torch.tensor(s0[:, :H])
        c = torch.tensor(s0[:, H:], requires_grad=True)
        cs = []
        for t in range(T):
            h_in = h.detach() if cut else h
            a = torch.tensor(x[:, t]) @ Wx.T + h_in @ Wh.T + b
            i, f, g, o = a.split(H, dim=1)
            i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)
            g = torch.tanh(g)
            c = (f.detach() if cut else f) * c + i * g
            c.retain_grad()
            cs.append(c)
            h = o * torch.tanh(c)
        (h * torch.tensor(u)).sum().backward()
        n = np.stack([cs[t].grad.norm(dim=1).numpy() for t in range(T)], 1)
        norms[cut] = np.median(n, axis=0)[::-1]  # distance 0 .. T-1
    np.testing.assert_allclose(paths.total[:T], norms[False], rtol=1e-10)
    np.testing.assert_allclose(paths.carousel[:T], norms[True], rtol=1e-10)
    assert paths.ratio(0) == pytest.approx(1.0)


def test_carousel_dominates_only_with_a_large_forget_bias():
    small = gfl.carousel_paths(60, 0.0, N=8)
    large = gfl.carousel_paths(60, 3.0, N=8)
    assert small.ratio(50) > 100 * large.ratio(50)
    with pytest.raises(ValueError, match="T"):
        gfl.carousel_paths(0, 1.0)
