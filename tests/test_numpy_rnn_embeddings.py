"""Tests of rnn_helpers.numpy_rnn.embeddings, with torch.nn.functional as the oracle."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_helpers.numpy_rnn.embeddings import embedding_backward, embedding_forward, one_hot

RNG = np.random.default_rng(0)


def test_one_hot_matches_torch():
    ids = RNG.integers(0, 6, size=(3, 4))
    x = one_hot(ids, 6)
    assert x.shape == (3, 4, 6) and x.dtype == np.float64
    np.testing.assert_array_equal(x, F.one_hot(torch.from_numpy(ids), 6).numpy())
    assert one_hot(ids, 6, dtype=np.float32).dtype == np.float32


def test_one_hot_times_weight_is_a_row_lookup():
    ids = RNG.integers(0, 9, size=(2, 5))
    W = RNG.standard_normal((9, 4))  # (V, H)
    np.testing.assert_array_equal(one_hot(ids, 9) @ W, W[ids])  # exact: one term is nonzero


def test_embedding_forward_matches_torch_and_copies():
    E = RNG.standard_normal((10, 3))
    ids = RNG.integers(0, 10, size=(4, 6))
    x = embedding_forward(ids, E)
    np.testing.assert_array_equal(x, F.embedding(torch.from_numpy(ids), torch.from_numpy(E)).numpy())
    np.testing.assert_array_equal(x, one_hot(ids, 10) @ E)
    x[0, 0] = 123.0
    assert not np.any(E == 123.0)  # a copy, not a view


def test_embedding_backward_matches_autograd_with_repeated_ids():
    E = RNG.standard_normal((5, 3))
    ids = np.array([[0, 1, 1, 4], [4, 4, 0, 2]])  # repeats; id 3 unused
    dx = RNG.standard_normal((2, 4, 3))
    Et = torch.tensor(E, requires_grad=True)
    (F.embedding(torch.from_numpy(ids), Et) * torch.from_numpy(dx)).sum().backward()
    dE = embedding_backward(dx, ids, 5)
    np.testing.assert_allclose(dE, Et.grad.numpy(), atol=1e-14)
    assert np.all(dE[3] == 0)


def test_embedding_backward_equals_one_hot_transpose_product():
    ids = RNG.integers(0, 7, size=(3, 5))
    dx = RNG.standard_normal((3, 5, 2))
    X = one_hot(ids, 7).reshape(-1, 7)  # (N*T, V)
    np.testing.assert_allclose(embedding_backward(dx, ids, 7), X.T @ dx.reshape(-1, 2), atol=1e-14)


def test_validation_errors():
    with pytest.raises(ValueError, match=r"ids: expected every id in \[0, V\)"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="ids: expected every id"):
        one_hot(np.array([-1]), 3)
    with pytest.raises(ValueError, match="integer"):
        one_hot(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="V"):
        one_hot(np.array([0]), 0)
    with pytest.raises(ValueError, match="dtype"):
        one_hot(np.array([0]), 2, dtype=np.int64)
    with pytest.raises(ValueError, match=r"E: expected a 2-D array of shape \(V, D\)"):
        embedding_forward(np.array([0]), np.zeros(3))
    with pytest.raises(ValueError, match="dx: expected shape"):
        embedding_backward(np.zeros((2, 3)), np.zeros((2, 4), dtype=int), 5)
