"""rnn_helpers.gradient_flow.clipping: clipping rules and the loss cliff of a one-unit RNN.

PyTorch is the oracle: torch.nn.utils.clip_grad_norm_ for the clipping,
autograd for the cliff's gradient.
"""

import numpy as np
import pytest
import torch

from rnn_helpers.gradient_flow import clipping


# ---------------------------------------------------------------- clipping
def test_norm_clipping_keeps_direction_and_leaves_short_vectors_alone():
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])  # norms 5, 0.5, 0
    c = clipping.clip_by_norm(g, 1.0)
    np.testing.assert_allclose(c[0], [0.6, 0.8])
    np.testing.assert_array_equal(c[1:], g[1:])
    v = clipping.clip_by_value(g, 1.0)
    np.testing.assert_array_equal(v[0], [1.0, 1.0])  # direction changed: 45 degrees
    with pytest.raises(ValueError, match="threshold"):
        clipping.clip_by_norm(g, 0.0)
    with pytest.raises(ValueError, match="threshold"):
        clipping.clip_by_value(g, -1.0)


def test_clip_grad_norm_equals_torch():
    rng = np.random.default_rng(7)
    for scale in (10.0, 0.01):
        grads = [scale * rng.standard_normal((3, 4)), scale * rng.standard_normal(5)]
        params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_norm_(params, 2.0)
        ours = clipping.clip_grad_norm(grads, 2.0)
        for o, p in zip(ours, params):  # torch divides by (norm + 1e-6)
            np.testing.assert_allclose(o, p.grad.numpy(), rtol=1e-6)
        for p, g in zip(params, grads):
            p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_value_(params, 0.5)
        for g, p in zip(grads, params):
            np.testing.assert_array_equal(clipping.clip_by_value(g, 0.5), p.grad.numpy())
    with pytest.raises(ValueError, match="max_norm"):
        clipping.clip_grad_norm([np.ones(2)], 0)


# ---------------------------------------------------------------- the cliff
def test_cliff_gradient_equals_autograd():
    rng = np.random.default_rng(8)
    w = rng.uniform(0, 14, 20)
    b = rng.uniform(-8, 3, 20)
    L, G = clipping.cliff_loss_and_grad(w, b)
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    x = torch.full_like(wt, clipping.CLIFF_X0)
    for _ in range(clipping.CLIFF_T):
        x = wt * torch.sigmoid(x) + bt
    loss = (x - clipping.CLIFF_TARGET) ** 2
    loss.sum().backward()
    np.testing.assert_allclose(L, loss.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(G[:, 0], wt.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(G[:, 1], bt.grad.numpy(), rtol=1e-8, atol=1e-10)
    for i in range(5):  # the fast scalar path gives the same numbers
        np.testing.assert_allclose(clipping.cliff_gradient(np.array([w[i], b[i]])), G[i], rtol=1e-9)
    np.testing.assert_allclose(clipping.cliff_gradient(np.stack([w, b], -1)), G)


def test_cliff_wall_marks_the_jump_of_the_final_state():
    w = np.array([2.0, 3.5, 6.0, 9.0])
    wall = clipping.cliff_wall(w)
    assert np.isnan(wall[:2]).all()  # w < 4: one stable state, no cliff
    for wi, bi in zip(w[2:], wall[2:]):
        below, above = clipping.cliff_forward(wi, bi - 0.01)[0], clipping.cliff_forward(wi, bi + 0.01)[0]
        assert above - below > 1.0
    # on the wall the gradient is huge: find the wall by bisection (it is thinner than any grid)
    for wi, bi in zip(w[2:], wall[2:]):
        lo, hi = bi - 0.01, bi + 0.01
        level = 0.5 * (clipping.cliff_forward(wi, lo)[0] + clipping.cliff_forward(wi, hi)[0])
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if clipping.cliff_forward(wi, mid)[0] < level else (lo, mid)
        assert np.linalg.norm(clipping.cliff_gradient(np.array([wi, lo]))) > 1e4


def test_gradient_descent_clipping_bounds_every_step():
    lr, c, steps = 0.01, 10.0, 120
    plain = clipping.gradient_descent(clipping.cliff_gradient, (8.0, -2.0), lr, steps)
    normed = clipping.gradient_descent(clipping.cliff_gradient, (8.0, -2.0), lr, steps, "norm", c)
    valued = clipping.gradient_descent(clipping.cliff_gradient, (8.0, -2.0), lr, steps, "value", c)
    step = lambda p: np.linalg.norm(np.diff(p, axis=0), axis=1)  # noqa: E731
    assert plain.shape == normed.shape == (steps + 1, 2)
    assert step(plain).max() > 10 * lr * c  # the unclipped run hits the wall and is thrown
    assert step(normed).max() <= lr * c * (1 + 1e-12)
    assert step(valued).max() <= lr * c * np.sqrt(2) * (1 + 1e-12)
    with pytest.raises(ValueError, match="clip"):
        clipping.gradient_descent(clipping.cliff_gradient, (8.0, -2.0), lr, 3, "l1", 1.0)
    with pytest.raises(ValueError, match="threshold"):
        clipping.gradient_descent(clipping.cliff_gradient, (8.0, -2.0), lr, 3, "norm")


def test_gradient_descent_stops_at_non_finite_values():
    path = clipping.gradient_descent(lambda th: np.array([np.inf]), [0.0], 0.1, 4)
    assert path[0, 0] == 0.0 and np.isnan(path[1:]).all()
