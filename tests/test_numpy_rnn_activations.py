"""rnn_helpers.numpy_rnn.activations: the package's one sigmoid and one softmax.

torch is the oracle for the values, finite differences for the derivatives.
"""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn.activations import (
    log_softmax,
    sigmoid,
    sigmoid_derivative,
    softmax,
    tanh_derivative,
)

RNG = np.random.default_rng(0)


# --- softmax / log_softmax ---------------------------------------------------


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-6)])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax_match_torch(dtype, tol, axis):
    o = (4 * RNG.standard_normal((3, 4, 5))).astype(dtype)
    p, logp = softmax(o, axis=axis), log_softmax(o, axis=axis)
    assert p.dtype == dtype and logp.dtype == dtype and p.shape == o.shape
    t = torch.from_numpy(o)
    np.testing.assert_allclose(p, torch.softmax(t, dim=axis).numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(logp, torch.log_softmax(t, dim=axis).numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=tol)


def test_log_softmax_is_stable_for_huge_logits():
    o = np.array([[1000.0, 0.0, -1000.0], [-5e4, -5e4 + 2.0, -5e4 + 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        logp = log_softmax(o)
        p = softmax(o)
    np.testing.assert_allclose(logp, torch.log_softmax(torch.from_numpy(o), dim=-1).numpy(), atol=1e-12)
    assert np.all(np.isfinite(logp)) and logp[0, 0] == 0.0
    np.testing.assert_allclose(p.sum(axis=-1), 1.0)


def test_softmax_is_shift_invariant():
    o = RNG.standard_normal((4, 6))
    np.testing.assert_allclose(softmax(o), softmax(o + 123.456), atol=1e-12)


def test_softmax_rejects_bad_input():
    with pytest.raises(ValueError, match="o"):
        softmax(np.array(1.0))
    with pytest.raises(ValueError, match="float32 or float64"):
        softmax(np.arange(3))



# --- sigmoid and the derivatives ------------------------------------------------


def test_sigmoid_helper_is_stable_and_dtype_preserving():
    a = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with np.errstate(all="raise"):
        s = sigmoid(a)
    assert s[0] == 0.0 and s[2] == 0.5 and s[4] == 1.0
    assert np.allclose(s, torch.sigmoid(torch.tensor(a)).numpy(), rtol=1e-15, atol=0)
    assert sigmoid(a.astype(np.float32)).dtype == np.float32
    assert sigmoid([0, 1]).dtype == np.float64


def test_one_softmax_and_one_sigmoid_in_the_package():
    """losses, numpy_rnn and gradient_flow use the functions of activations."""
    from rnn_helpers import numpy_rnn
    from rnn_helpers.gradient_flow import elman
    from rnn_helpers.numpy_rnn import activations, losses as losses_module

    assert losses_module.softmax is activations.softmax
    assert losses_module.log_softmax is activations.log_softmax
    assert numpy_rnn.sigmoid is activations.sigmoid
    assert elman.ACTIVATIONS["sigmoid"].fn is activations.sigmoid
    assert elman.ACTIVATIONS["sigmoid"].derivative is activations.sigmoid_derivative
    assert elman.ACTIVATIONS["tanh"].derivative is activations.tanh_derivative


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_derivatives_match_finite_differences(dtype):
    a = np.linspace(-6, 6, 25)
    eps = 1e-6
    fd_sig = (sigmoid(a + eps) - sigmoid(a - eps)) / (2 * eps)
    fd_tanh = (np.tanh(a + eps) - np.tanh(a - eps)) / (2 * eps)
    np.testing.assert_allclose(sigmoid_derivative(a), fd_sig, atol=1e-9)
    np.testing.assert_allclose(tanh_derivative(a), fd_tanh, atol=1e-9)
    assert sigmoid(a.astype(dtype)).dtype == dtype
    assert np.max(sigmoid_derivative(a)) <= 0.25 and np.max(tanh_derivative(a)) <= 1.0
