"""Tests of rnn_helpers.numpy_rnn.losses, with torch.nn.functional as the oracle."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_helpers.numpy_rnn.losses import (
    cross_entropy,
    cross_entropy_backward,
    mse,
    mse_backward,
)

RNG = np.random.default_rng(0)


def batch(N=3, T=5, V=7, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    logits = (3 * rng.standard_normal((N, T, V))).astype(dtype)  # (N, T, V)
    targets = rng.integers(0, V, size=(N, T))  # (N, T)
    lengths = rng.integers(1, T + 1, size=N)
    lengths[0] = T
    mask = np.arange(T)[None, :] < lengths[:, None]  # (N, T)
    return logits, targets, mask


# --- cross-entropy -----------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_cross_entropy_matches_torch_without_mask(dtype, tol):
    logits, targets, _ = batch(dtype=dtype)
    N, T, V = logits.shape
    lt = torch.from_numpy(logits).reshape(N * T, V)
    yt = torch.from_numpy(targets).reshape(N * T)
    for reduction in ("mean", "sum"):
        ours = cross_entropy(logits, targets, reduction=reduction)
        theirs = F.cross_entropy(lt, yt, reduction=reduction).item()
        assert isinstance(ours, float)
        assert abs(ours - theirs) <= tol * max(1.0, abs(theirs))
    per_step = cross_entropy(logits, targets, reduction="none")
    assert per_step.shape == (N, T) and per_step.dtype == dtype
    np.testing.assert_allclose(
        per_step, F.cross_entropy(lt, yt, reduction="none").reshape(N, T).numpy(), rtol=tol, atol=tol
    )


def test_cross_entropy_with_mask_equals_torch_ignore_index():
    logits, targets, mask = batch(N=4, T=6, V=5, seed=3)
    padded = np.where(mask, targets, -100)  # torch's default ignore_index
    theirs = F.cross_entropy(
        torch.from_numpy(logits).reshape(-1, 5), torch.from_numpy(padded).reshape(-1)
    ).item()
    assert abs(cross_entropy(logits, padded, mask) - theirs) < 1e-12
    # the mean is over real tokens: sum / count
    total = cross_entropy(logits, targets, mask, reduction="sum")
    assert abs(total / mask.sum() - theirs) < 1e-12
    assert np.all(cross_entropy(logits, targets, mask, reduction="none")[~mask] == 0)


def test_cross_entropy_ignores_garbage_at_padded_steps():
    logits, targets, mask = batch(N=3, T=5, V=4, seed=5)
    assert not mask.all()
    dirty = logits.copy()
    dirty[~mask] = np.nan
    dirty_targets = np.where(mask, targets, 999)  # out of range, but padded
    assert cross_entropy(dirty, dirty_targets, mask) == pytest.approx(cross_entropy(logits, targets, mask), abs=1e-14)
    g = cross_entropy_backward(dirty, dirty_targets, mask)
    assert np.all(np.isfinite(g)) and np.all(g[~mask] == 0)


def test_cross_entropy_accepts_2d_logits_and_bool_or_float_masks():
    logits = RNG.standard_normal((6, 3))
    targets = RNG.integers(0, 3, size=6)
    expected = F.cross_entropy(torch.from_numpy(logits), torch.from_numpy(targets)).item()
    assert cross_entropy(logits, targets) == pytest.approx(expected, abs=1e-12)
    m = np.array([1, 1, 0, 1, 0, 1], dtype=np.float64)
    assert cross_entropy(logits, targets, m) == pytest.approx(cross_entropy(logits, targets, m.astype(bool)))


def test_cross_entropy_of_uniform_logits_is_log_V():
    V = 11
    logits = np.zeros((2, 3, V))
    targets = RNG.integers(0, V, size=(2, 3))
    assert cross_entropy(logits, targets) == pytest.approx(np.log(V), abs=1e-14)


def test_cross_entropy_all_padding_mean_is_nan():
    logits, targets, _ = batch()
    assert np.isnan(cross_entropy(logits, targets, np.zeros(targets.shape, dtype=bool)))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_backward_matches_autograd(reduction):
    logits, targets, mask = batch(N=4, T=5, V=6, seed=7)
    lt = torch.tensor(logits, requires_grad=True)
    yt = torch.from_numpy(np.where(mask, targets, -100))
    F.cross_entropy(lt.reshape(-1, 6), yt.reshape(-1), reduction=reduction).backward()
    ours = cross_entropy_backward(logits, targets, mask, reduction=reduction)
    np.testing.assert_allclose(ours, lt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_cross_entropy_backward_matches_finite_differences():
    logits, targets, mask = batch(N=2, T=3, V=4, seed=11)
    g = cross_entropy_backward(logits, targets, mask)
    num = np.zeros_like(logits)
    h = 1e-6
    for idx in np.ndindex(*logits.shape):
        plus, minus = logits.copy(), logits.copy()
        plus[idx] += h
        minus[idx] -= h
        num[idx] = (cross_entropy(plus, targets, mask) - cross_entropy(minus, targets, mask)) / (2 * h)
    np.testing.assert_allclose(g, num, atol=1e-8)


def test_cross_entropy_validates_arguments():
    logits, targets, mask = batch(N=2, T=3, V=4)
    with pytest.raises(ValueError, match="targets: expected shape"):
        cross_entropy(logits, targets[:, :2])
    with pytest.raises(ValueError, match="integer"):
        cross_entropy(logits, targets.astype(float))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        cross_entropy(logits, np.full_like(targets, 4))
    with pytest.raises(ValueError, match="mask: expected shape"):
        cross_entropy(logits, targets, mask[:, :2])
    with pytest.raises(ValueError, match="mask: expected entries 0 or 1"):
        cross_entropy(logits, targets, 2 * mask.astype(int))
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy(logits, targets, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        cross_entropy_backward(logits, targets, reduction="none")
    with pytest.raises(ValueError, match="logits"):
        cross_entropy(logits[0, 0], targets[0, 0])


# --- mean squared error ------------------------------------------------------


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_mse_matches_torch(dtype, tol):
    pred = RNG.standard_normal((3, 4, 2)).astype(dtype)
    target = RNG.standard_normal((3, 4, 2)).astype(dtype)
    for reduction in ("mean", "sum"):
        theirs = F.mse_loss(torch.from_numpy(pred), torch.from_numpy(target), reduction=reduction).item()
        assert mse(pred, target, reduction=reduction) == pytest.approx(theirs, rel=tol)
    sq = mse(pred, target, reduction="none")
    assert sq.dtype == dtype and sq.shape == pred.shape


def test_mse_mask_over_time_broadcasts_over_features():
    pred = RNG.standard_normal((3, 5, 2))
    target = RNG.standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=bool)
    expected = ((pred - target) ** 2)[mask].mean()  # over real steps and all features
    assert mse(pred, target, mask) == pytest.approx(expected, abs=1e-14)
    assert mse(pred, target, np.broadcast_to(mask[..., None], pred.shape)) == pytest.approx(expected, abs=1e-14)
    dirty = pred.copy()
    dirty[~mask] = np.inf
    assert mse(dirty, target, mask) == pytest.approx(expected, abs=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_backward_matches_autograd(reduction):
    pred = RNG.standard_normal((2, 4, 3))
    target = RNG.standard_normal((2, 4, 3))
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=bool)
    pt = torch.tensor(pred, requires_grad=True)
    m = torch.from_numpy(mask)[..., None].to(torch.float64)
    sq = ((pt - torch.from_numpy(target)) ** 2) * m
    loss = sq.sum() / (m.sum() * 3) if reduction == "mean" else sq.sum()
    loss.backward()
    assert mse(pred, target, mask, reduction) == pytest.approx(loss.item(), abs=1e-13)
    np.testing.assert_allclose(mse_backward(pred, target, mask, reduction), pt.grad.numpy(), atol=1e-14)


def test_mse_validates_arguments():
    pred = np.zeros((2, 3, 1))
    with pytest.raises(ValueError, match="target"):
        mse(pred, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="mask"):
        mse(pred, pred, np.ones((2, 2)))
    with pytest.raises(ValueError, match="reduction"):
        mse(pred, pred, reduction="avg")
    with pytest.raises(ValueError, match="reduction"):
        mse_backward(pred, pred, reduction="none")
