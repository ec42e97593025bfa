"""rnn_helpers.torch_rnn.ssm.SelectiveSSM: scan = loop, = NumPy, gradients by finite differences."""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn import ssm
from rnn_helpers.torch_rnn.ssm import SELECTIVE, SelectiveSSM


def numpy_output(module, x):
    """The module's output recomputed by rnn_helpers.numpy_rnn.ssm.selective_scan."""
    p = module.numpy_params()
    if module.selective == "none":
        delta = np.broadcast_to(ssm.softplus(p["dt_bias"]), x.shape)
    else:
        delta = ssm.softplus(x @ p["W_delta"] + p["b_delta"])
    if module.selective == "all":
        B, C = x @ p["W_B"], x @ p["W_C"]
    else:
        B, C = p["B"], p["C"]
    return ssm.selective_scan(x, delta, p["A"], B, C, p["D_skip"], method="loop")[0]


@pytest.mark.parametrize("selective", SELECTIVE)
@pytest.mark.parametrize("N, T, D, S", [(1, 1, 2, 1), (2, 7, 3, 4), (3, 16, 4, 2), (2, 21, 2, 3)])
def test_scan_loop_and_numpy_agree(selective, N, T, D, S):
    torch.manual_seed(N + T + S)
    m = SelectiveSSM(D, S, selective, dtype=torch.float64)
    x = torch.randn(N, T, D, dtype=torch.float64, requires_grad=True)
    y_scan = m(x)
    g = torch.randn_like(y_scan)
    inputs = [x, *m.parameters()]
    grads_scan = torch.autograd.grad(y_scan, inputs, g, allow_unused=True)  # T = 1: A unused
    m.method = "loop"
    y_loop = m(x)
    grads_loop = torch.autograd.grad(y_loop, inputs, g, allow_unused=True)
    assert y_scan.shape == (N, T, D)
    assert (y_scan - y_loop).abs().max() < 1e-12
    for a, b, v in zip(grads_scan, grads_loop, inputs):
        a = torch.zeros_like(v) if a is None else a
        b = torch.zeros_like(v) if b is None else b
        assert (a - b).abs().max() < 1e-10
    assert np.abs(y_loop.detach().numpy() - numpy_output(m, x.detach().numpy())).max() < 1e-12


@pytest.mark.parametrize("selective", SELECTIVE)
def test_gradients_match_finite_differences(selective):
    torch.manual_seed(0)
    m = SelectiveSSM(3, 2, selective, dtype=torch.float64)
    x = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    # gradcheck on the input, then on each parameter through a functional call
    assert torch.autograd.gradcheck(m, (x,), eps=1e-6, atol=1e-7)
    for name, p in m.named_parameters():
        def g(v, name=name):
            return torch.func.functional_call(m, {name: v}, (x.detach(),))
        assert torch.autograd.gradcheck(g, (p.detach().clone().requires_grad_(),), eps=1e-6, atol=1e-7), name


def test_lti_setting_is_a_convolution_and_selective_is_not():
    torch.manual_seed(1)
    x = torch.randn(1, 12, 2, dtype=torch.float64)
    for selective, toeplitz in (("none", True), ("all", False)):
        m = SelectiveSSM(2, 3, selective, dtype=torch.float64)
        with torch.no_grad():
            delta, B, C = m.parameters_of(x)
        M = ssm.ssm_mixing_matrix(delta.detach().numpy(), -np.exp(m.A_log.detach().numpy()),
                                  B.detach().numpy(), C.detach().numpy())
        spread = max(np.ptp(np.diagonal(M[0, d], offset=-k)) for d in range(2) for k in range(11))
        assert (spread < 1e-12) == toeplitz


def test_initialisation_and_argument_checks():
    torch.manual_seed(2)
    m = SelectiveSSM(4, 3, "delta", dt_min=0.01, dt_max=0.05)
    dt = torch.nn.functional.softplus(m.W_delta.bias)
    assert torch.all(dt >= 0.01 - 1e-6) and torch.all(dt <= 0.05 + 1e-6)
    assert torch.equal(-torch.exp(m.A_log), -torch.arange(1.0, 4.0).repeat(4, 1))
    with pytest.raises(ValueError, match="selective"):
        SelectiveSSM(4, 3, "some")
    with pytest.raises(ValueError, match="d_state"):
        SelectiveSSM(4, 0)
    with pytest.raises(ValueError, match="method"):
        m.method = "fft"
    with pytest.raises(ValueError, match="x"):
        m(torch.zeros(2, 5, 3))
