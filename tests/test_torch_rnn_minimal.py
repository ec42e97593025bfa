"""rnn_helpers.torch_rnn.minimal: the torch scan equals a loop (values and
gradients), MinGRU/MinLSTM equal the NumPy cells, scan mode equals sequential
mode in outputs and gradients."""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn.minimal import mingru_forward, minlstm_forward
from rnn_helpers.numpy_rnn.scan import linear_recurrence
from rnn_helpers.torch_rnn.minimal import (
    MinGRU,
    MinLSTM,
    linear_recurrence_loop,
    linear_recurrence_scan,
)

SHAPES = [(1, 1, 1), (2, 1, 3), (2, 2, 2), (3, 5, 2), (2, 8, 3), (1, 13, 2), (2, 33, 3), (1, 100, 2)]
MODULES = {"mingru": (MinGRU, mingru_forward), "minlstm": (MinLSTM, minlstm_forward)}


def leaves(N, T, H, seed=0):
    g = torch.Generator().manual_seed(seed)
    a = torch.empty(N, T, H, dtype=torch.float64).uniform_(-1.1, 1.1, generator=g)
    b = torch.randn(N, T, H, dtype=torch.float64, generator=g)
    h0 = torch.randn(N, H, dtype=torch.float64, generator=g)
    return [v.requires_grad_() for v in (a, b, h0)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("with_h0", [True, False])
def test_scan_equals_loop_values_and_gradients(shape, with_h0):
    a, b, h0 = leaves(*shape)
    h0_arg = h0 if with_h0 else None
    h_scan = linear_recurrence_scan(a, b, h0_arg)
    h_loop = linear_recurrence_loop(a, b, h0_arg)
    ref = linear_recurrence(a.detach().numpy(), b.detach().numpy(),
                            h0.detach().numpy() if with_h0 else np.zeros((shape[0], shape[2])))
    assert torch.allclose(h_scan, h_loop, rtol=0, atol=1e-12)
    np.testing.assert_allclose(h_scan.detach().numpy(), ref, rtol=0, atol=1e-12)
    dh = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    inputs = [a, b, h0] if with_h0 else [a, b]
    # without h0 and with T = 1, a is not used at all by the scan (h_1 = b_1)
    g_scan = torch.autograd.grad(h_scan, inputs, dh, allow_unused=True)
    g_loop = torch.autograd.grad(h_loop, inputs, dh)
    for u, v, leaf in zip(g_scan, g_loop, inputs):
        u = torch.zeros_like(leaf) if u is None else u
        assert torch.allclose(u, v, rtol=0, atol=1e-12)


def test_torch_scan_gradcheck():
    a, b, h0 = leaves(2, 6, 2, seed=3)
    assert torch.autograd.gradcheck(linear_recurrence_scan, (a, b, h0))


def test_torch_scan_validates():
    a, b, h0 = leaves(2, 4, 3)
    with pytest.raises(ValueError, match="^b: expected shape"):
        linear_recurrence_scan(a, b[:, :3], h0)
    with pytest.raises(ValueError, match="^h0: expected shape"):
        linear_recurrence_scan(a, b, h0[:, :2])
    with pytest.raises(ValueError, match="^a: expected a tensor"):
        linear_recurrence_scan(a[0], b, h0)


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("N, T, D, H", [(1, 1, 1, 1), (2, 7, 3, 4), (3, 16, 2, 5), (2, 45, 4, 3)])
def test_module_modes_agree_and_match_numpy(name, N, T, D, H):
    cls, np_forward = MODULES[name]
    torch.manual_seed(0)
    m = cls(D, H, dtype=torch.float64)
    x = torch.randn(N, T, D, dtype=torch.float64, requires_grad=True)
    hx = torch.randn(1, N, H, dtype=torch.float64, requires_grad=True)
    results = {}
    for mode in ("scan", "sequential"):
        m.mode = mode
        m.zero_grad()
        x.grad = hx.grad = None
        out, h_n = m(x, hx)
        assert out.shape == (N, T, H) and h_n.shape == (1, N, H)
        assert torch.equal(h_n[0], out[:, -1])
        (out * torch.linspace(-1, 1, H, dtype=torch.float64)).sum().backward()
        results[mode] = (out.detach().clone(), x.grad.clone(), hx.grad.clone(),
                         m.linear.weight.grad.clone(), m.linear.bias.grad.clone())
    for u, v in zip(results["scan"], results["sequential"]):
        assert torch.allclose(u, v, rtol=1e-12, atol=1e-12)
    Wx, b = m.numpy_params()
    ref = np_forward(x.detach().numpy(), hx[0].detach().numpy(), Wx, b, mode="sequential")
    np.testing.assert_allclose(results["scan"][0].numpy(), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_module_defaults_and_checks(cls):
    m = cls(3, 4)
    assert m.mode == "scan" and m.batch_first
    assert sum(p.numel() for p in m.parameters()) == cls._blocks * 4 * (3 + 1)
    out, h_n = m(torch.randn(2, 5, 3))  # zero initial state, float32
    assert out.dtype == torch.float32
    x = torch.randn(2, 5, 3)
    assert torch.equal(m(x, torch.zeros(1, 2, 4))[0], m(x)[0])  # None means zeros
    with pytest.raises(ValueError, match="^x: expected shape"):
        m(torch.randn(2, 5, 2))
    with pytest.raises(ValueError, match="^hx: expected shape"):
        m(torch.randn(2, 5, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="^mode"):
        cls(3, 4, mode="parallel")
    with pytest.raises(ValueError, match="batch_first"):
        cls(3, 4, batch_first=False)
    with pytest.raises(ValueError, match="hidden_size"):
        cls(3, 0)


def test_gates_see_only_the_input():
    """Changing h_{t-1} changes h_t only through a_t * h_{t-1}: the gates do not move."""
    torch.manual_seed(1)
    m = MinGRU(2, 3, dtype=torch.float64)
    x = torch.randn(4, 1, 2, dtype=torch.float64)
    h_a, h_b = torch.zeros(1, 4, 3, dtype=torch.float64), torch.ones(1, 4, 3, dtype=torch.float64)
    a, _ = m.coefficients(x)
    diff = m(x, h_b)[0] - m(x, h_a)[0]
    assert torch.allclose(diff[:, 0], a[:, 0], atol=1e-14)


def test_mode_is_checked_on_every_assignment():
    m = MinGRU(3, 4)
    m.mode = "sequential"
    assert m.mode == "sequential"
    with pytest.raises(ValueError, match="^mode: expected one of 'scan', 'sequential', got 'loop'"):
        m.mode = "loop"
    assert m.mode == "sequential"  # a refused value leaves the mode as it was
    assert "mode" not in dict(m.named_parameters()) and "_mode" not in m.state_dict()
