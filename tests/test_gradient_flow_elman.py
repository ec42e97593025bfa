"""rnn_helpers.gradient_flow.elman and .jacobians: the Elman cell, Jacobian products, gradient norms.

PyTorch's autograd is the independent oracle for every derivative.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_helpers.gradient_flow import elman as gf
from rnn_helpers.gradient_flow import jacobians
from rnn_helpers.numpy_rnn import rnn_forward

TORCH_ACT = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
             "identity": lambda a: a}
ACTS = list(gf.ACTIVATIONS)


def small_cell(activation, H=5, D=3, rho=1.1, seed=0, kind="gaussian"):
    rng = np.random.default_rng(seed)
    cell = gf.ElmanCell.random(H, D, rng, rho=rho, kind=kind, activation=activation)
    cell.b = 0.1 * rng.standard_normal(H)
    return cell, rng


def torch_states(cell, x, h0, start=None):
    """Run the cell with torch ops; optionally restart from a leaf state at step `start`."""
    f = TORCH_ACT[cell.activation.name]
    W_xh, W_hh, b = (torch.tensor(a) for a in (cell.W_xh, cell.W_hh, cell.b))
    xt = torch.tensor(x)
    hs = [torch.tensor(h0)]
    for k in range(x.shape[1]):
        h = f(xt[:, k] @ W_xh.T + hs[-1] @ W_hh.T + b)
        hs.append(h)
    return hs


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize("name", ACTS)
def test_activation_derivative_matches_autograd_and_gamma_is_the_sup(name):
    act = gf.get_activation(name)
    a = np.linspace(-6, 6, 1001) + 1e-3  # avoid the ReLU kink at exactly 0
    at = torch.tensor(a, requires_grad=True)
    TORCH_ACT[name](at).sum().backward()
    np.testing.assert_allclose(act.fn(a), TORCH_ACT[name](torch.tensor(a)).numpy(), atol=1e-12)
    np.testing.assert_allclose(act.derivative(a), at.grad.numpy(), atol=1e-12)
    assert np.max(np.abs(act.derivative(a))) == pytest.approx(act.gamma, rel=1e-3)


def test_sigmoid_gamma_is_a_quarter_and_unknown_names_fail():
    assert gf.ACTIVATIONS["sigmoid"].gamma == 0.25 and gf.ACTIVATIONS["tanh"].gamma == 1.0
    with pytest.raises(ValueError, match="activation"):
        gf.get_activation("softplus")


# ---------------------------------------------------------------- matrices
def test_scale_to_spectral_radius_hits_the_target_and_keeps_the_direction():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((8, 8))
    for rho in (0.5, 1.0, 2.5):
        V = gf.scale_to_spectral_radius(W, rho)
        assert gf.spectral_radius(V) == pytest.approx(rho, rel=1e-10)
        np.testing.assert_allclose(V / np.linalg.norm(V), W / np.linalg.norm(W), atol=1e-12)
        assert gf.largest_singular_value(V) >= gf.spectral_radius(V) - 1e-12
    with pytest.raises(ValueError, match="square"):
        gf.scale_to_spectral_radius(np.ones((2, 3)), 1.0)
    with pytest.raises(ValueError, match="nilpotent"):
        gf.scale_to_spectral_radius(np.array([[0.0, 1.0], [0.0, 0.0]]), 1.0)
    with pytest.raises(ValueError, match="rho"):
        gf.scale_to_spectral_radius(W, -1.0)


def test_random_recurrent_matrix_kinds():
    rng = np.random.default_rng(2)
    Q = gf.random_recurrent_matrix(16, 0.9, "orthogonal", rng)
    np.testing.assert_allclose(Q.T @ Q, 0.81 * np.eye(16), atol=1e-12)
    assert gf.largest_singular_value(Q) == pytest.approx(0.9)
    assert gf.spectral_radius(Q) == pytest.approx(0.9)
    np.testing.assert_array_equal(gf.random_recurrent_matrix(4, 1.0, "identity"), np.eye(4))
    assert gf.spectral_radius(gf.random_recurrent_matrix(16, 1.3, "gaussian", rng)) == pytest.approx(1.3)
    U = gf.random_recurrent_matrix(25, kind="torch", rng=rng)
    assert np.abs(U).max() <= 0.2
    with pytest.raises(ValueError, match="kind"):
        gf.random_recurrent_matrix(4, 1.0, "xavier")


# ---------------------------------------------------------------- the cell
def test_elman_tanh_cell_equals_the_package_rnn_forward():
    cell, rng = small_cell("tanh")
    x = rng.standard_normal((4, 6, 3))
    h0 = rng.standard_normal((4, 5))
    trace = cell.run(x, h0)
    h_pkg, _ = rnn_forward(x, h0, cell.W_xh.T, cell.W_hh.T, cell.b)  # code layout: Wx = W_xh^T
    np.testing.assert_allclose(trace.states[:, 1:], h_pkg, atol=1e-13)
    np.testing.assert_array_equal(trace.states[:, 0], h0)
    assert trace.T == 6


@pytest.mark.parametrize("name", ACTS)
def test_cell_forward_equals_torch(name):
    cell, rng = small_cell(name)
    x = rng.standard_normal((3, 7, 3))
    h0 = rng.standard_normal((3, 5))
    hs = torch_states(cell, x, h0)
    np.testing.assert_allclose(cell.run(x, h0).states, torch.stack(hs, 1).numpy(), atol=1e-12)


def test_cell_rejects_bad_shapes():
    with pytest.raises(ValueError, match="W_hh"):
        gf.ElmanCell(np.zeros((3, 2)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="W_xh"):
        gf.ElmanCell(np.zeros((4, 2)), np.zeros((3, 3)))
    cell = gf.ElmanCell(np.zeros((3, 2)), np.eye(3))
    with pytest.raises(ValueError, match="x"):
        cell.run(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="h0"):
        cell.run(np.zeros((2, 5, 2)), np.zeros((3, 3)))


# ---------------------------------------------------------------- Jacobians vs autograd
@pytest.mark.parametrize("name", ACTS)
def test_jacobian_products_equal_autograd(name):
    """P[:, t] = dh_T/dh_t, checked against torch.autograd.functional.jacobian."""
    cell, rng = small_cell(name, rho=1.2)
    N, T = 2, 6
    x = rng.standard_normal((N, T, 3))
    h0 = rng.standard_normal((N, 5))
    P = jacobians.jacobian_products(cell, x, h0)  # (N, T+1, H, H)
    assert P.shape == (N, T + 1, 5, 5)
    np.testing.assert_array_equal(P[:, T], np.broadcast_to(np.eye(5), (N, 5, 5)))
    states = cell.run(x, h0).states
    f = TORCH_ACT[name]
    W_xh, W_hh, b = (torch.tensor(a) for a in (cell.W_xh, cell.W_hh, cell.b))
    for n in range(N):
        for t in range(T):
            def h_T(h_t, n=n, t=t):
                h = h_t
                for k in range(t, T):
                    h = f(torch.tensor(x[n, k]) @ W_xh.T + h @ W_hh.T + b)
                return h
            J = torch.autograd.functional.jacobian(h_T, torch.tensor(states[n, t]))
            np.testing.assert_allclose(P[n, t], J.numpy(), atol=1e-12, rtol=1e-10)


@pytest.mark.parametrize("name", ACTS)
def test_gradient_norms_equal_autograd_through_the_recurrence(name):
    cell, rng = small_cell(name, rho=0.9, seed=3)
    N, T = 4, 9
    x = rng.standard_normal((N, T, 3))
    h0 = rng.standard_normal((N, 5))
    u = rng.standard_normal((N, 5))
    f = TORCH_ACT[name]
    W_xh, W_hh, b = (torch.tensor(a) for a in (cell.W_xh, cell.W_hh, cell.b))
    h = torch.tensor(h0, requires_grad=True)  # a leaf, so every h_t has a gradient
    states = [h]
    for k in range(T):
        h = f(torch.tensor(x[:, k]) @ W_xh.T + h @ W_hh.T + b)
        h.retain_grad()
        states.append(h)
    (states[-1] * torch.tensor(u)).sum().backward()
    expected = np.stack([s.grad.norm(dim=1).numpy() for s in states], axis=1)  # (N, T+1)
    got = jacobians.gradient_norms(cell, x, h0, upstream=u)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-14)
    # and the same numbers from the explicit Jacobian products
    P = jacobians.jacobian_products(cell, x, h0)
    # dL/dh_t = (dh_T/dh_t)^T u: entry j is sum_i P[n, t, i, j] u[n, i]
    via_P = np.linalg.norm(np.einsum("ntij,ni->ntj", P, u), axis=-1)  # (N, T+1)
    np.testing.assert_allclose(via_P, expected, rtol=1e-10, atol=1e-14)


def test_default_upstream_is_a_unit_vector():
    cell, rng = small_cell("tanh")
    norms = jacobians.gradient_norms(cell, rng.standard_normal((2, 4, 3)))
    np.testing.assert_allclose(norms[:, -1], 1.0)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), rho=st.floats(0.2, 3.0),
       name=st.sampled_from(ACTS), T=st.integers(1, 12))
def test_measured_jacobian_norms_never_exceed_the_bound(seed, rho, name, T):
    cell, rng = small_cell(name, H=6, rho=rho, seed=seed)
    x = rng.standard_normal((3, T, 3))
    norms = jacobians.jacobian_product_norms(cell, x)  # (N, T+1), column t is distance T - t
    bound = gf.norm_bound(cell.W_hh, name, T - np.arange(T + 1))
    assert np.all(norms <= bound * (1 + 1e-9) + 1e-300)


def test_orthogonal_linear_network_preserves_gradient_norms_exactly():
    rng = np.random.default_rng(5)
    cell = gf.ElmanCell.random(12, 3, rng, rho=1.0, kind="orthogonal", activation="identity")
    norms = jacobians.gradient_norms(cell, rng.standard_normal((4, 50, 3)))
    np.testing.assert_allclose(norms, 1.0, rtol=1e-10)
    fro = jacobians.jacobian_product_norms(cell, rng.standard_normal((2, 5, 3)), ord="fro")
    np.testing.assert_allclose(fro, np.sqrt(12), rtol=1e-10)
    with pytest.raises(ValueError, match="ord"):
        jacobians.jacobian_product_norms(cell, rng.standard_normal((2, 5, 3)), ord=1)


# ---------------------------------------------------------------- profiles
def test_gradient_norm_profile_is_reproducible_and_shaped():
    p = gf.gradient_norm_profile(0.9, "tanh", T=30, H=8, N=5, seed=3)
    q = gf.gradient_norm_profile(0.9, "tanh", T=30, H=8, N=5, seed=3)
    np.testing.assert_array_equal(p.norms, q.norms)
    assert p.norms.shape == (5, 31) and p.median.shape == (31,)
    np.testing.assert_allclose(p.norms[:, 0], 1.0)  # ||dL/dh_T|| = 1
    assert np.all(p.low <= p.median) and np.all(p.median <= p.high)
    assert p.rho == pytest.approx(0.9) and p.gamma == 1.0 and p.activation == "tanh"
    assert p.eigenvalues.shape == (8,)
    with pytest.raises(ValueError, match="T"):
        gf.gradient_norm_profile(1.0, "tanh", T=0)
    with pytest.raises(ValueError, match="cell"):
        gf.gradient_norm_profile(1.0, "tanh", T=5, cell="lstm-not-registered")


@pytest.mark.parametrize("rho", [0.5, 1.0, 1.5])
def test_linear_rate_is_the_spectral_radius_and_sigmoid_is_worse_than_tanh(rho):
    lin = gf.gradient_norm_profile(rho, "identity", T=150, seed=0)
    assert lin.rate(k_min=50) == pytest.approx(rho, rel=0.02)
    tanh = gf.gradient_norm_profile(rho, "tanh", T=150, seed=0)
    sig = gf.gradient_norm_profile(rho, "sigmoid", T=150, seed=0)
    assert sig.rate() < tanh.rate() <= lin.rate() * 1.001


def test_register_cell_checks_the_interface():
    class Broken:
        pass

    with pytest.raises(ValueError, match="run"):
        gf.register_cell("broken", Broken)
    gf.register_cell("rnn-copy", gf.ElmanCell)
    try:
        cell = gf.make_cell("rnn-copy", 4, 2, np.random.default_rng(0), rho=0.5)
        assert isinstance(cell, gf.ElmanCell)
    finally:
        del gf.CELLS["rnn-copy"]


# ---------------------------------------------------------------- import direction
@pytest.mark.parametrize("package", ["gradient_flow", "numpy_rnn", "torch_rnn"])
def test_computations_import_no_plotting_widgets_or_viz(package):
    """The numerical sub-packages sit below the figures: no plotting, widget or viz imports."""
    import ast
    import pathlib

    import rnn_helpers

    forbidden = ("matplotlib", "plotly", "ipywidgets", "IPython", "rnn_helpers.viz",
                 "rnn_helpers.experiments", "rnn_helpers.exercises")
    root = pathlib.Path(rnn_helpers.__file__).parent / package
    found = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            found += [f"{path.name}: {n}" for n in names
                      if any(n == f or n.startswith(f + ".") for f in forbidden)]
    assert found == []
