"""rnn_helpers.numpy_rnn.linear_attention: both forms of linear attention and of the mLSTM.

Independent references: explicit double sums over (t, s) in Python, torch's
scaled_dot_product_attention and ELU, and an unstabilised mLSTM in torch
float64 written from the paper's equations.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnn_helpers.numpy_rnn import linear_attention as la

SHAPES = [(1, 1, 1, 1), (2, 1, 3, 2), (2, 5, 4, 3), (3, 16, 2, 5), (1, 23, 6, 4)]


def qkv(N, T, dk, dv, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, dk)), rng.standard_normal((N, T, dk)), rng.standard_normal((N, T, dv))


def double_sum_linear_attention(q, k, v, phi):
    N, T, _ = q.shape
    y = np.zeros((N, T, v.shape[2]))
    for n in range(N):
        for t in range(T):
            w = [float(phi(q[n, t]) @ phi(k[n, s])) for s in range(t + 1)]
            y[n, t] = sum(wi * v[n, s] for s, wi in enumerate(w)) / sum(w)
    return y


def test_elu_feature_map_is_torch_elu_plus_one_and_positive():
    x = np.linspace(-30, 5, 301)
    ref = (F.elu(torch.from_numpy(x)) + 1).numpy()
    assert np.abs(la.elu_feature_map(x) - ref).max() < 1e-15
    assert np.all(la.elu_feature_map(x) > 0)


@pytest.mark.parametrize("N, T, dk, dv", SHAPES)
def test_linear_attention_parallel_recurrent_and_double_sum(N, T, dk, dv):
    q, k, v = qkv(N, T, dk, dv, seed=T * 7 + dk)
    y_par = la.linear_attention_parallel(q, k, v)
    y_rec, (S, z) = la.linear_attention_recurrent(q, k, v)
    y_ref = double_sum_linear_attention(q, k, v, la.elu_feature_map)
    assert y_par.shape == (N, T, dv) and S.shape == (N, dk, dv) and z.shape == (N, dk)
    assert np.abs(y_par - y_ref).max() < 1e-12
    assert np.abs(y_rec - y_ref).max() < 1e-12
    fk = la.elu_feature_map(k)
    assert np.abs(S - np.einsum("ntk,ntv->nkv", fk, v)).max() < 1e-12  # S_T = sum_t phi(k_t) v_t^T
    assert np.abs(z - fk.sum(1)).max() < 1e-12


def test_linear_attention_unnormalised_and_state_passing():
    q, k, v = qkv(2, 12, 3, 4, seed=1)
    a = la.linear_attention_parallel(q, k, v, la.identity_feature_map, normalise=False)
    b, _ = la.linear_attention_recurrent(q, k, v, la.identity_feature_map, normalise=False)
    ref = np.einsum("nts,nsv->ntv", np.tril(q @ k.transpose(0, 2, 1)), v)
    assert np.abs(a - ref).max() < 1e-12 and np.abs(b - ref).max() < 1e-12
    y_all, _ = la.linear_attention_recurrent(q, k, v)
    y1, state = la.linear_attention_recurrent(q[:, :5], k[:, :5], v[:, :5])
    y2, _ = la.linear_attention_recurrent(q[:, 5:], k[:, 5:], v[:, 5:], state=state)
    assert np.abs(np.concatenate([y1, y2], 1) - y_all).max() < 1e-12


def test_causal_softmax_attention_equals_torch():
    q, k, v = qkv(3, 9, 4, 5, seed=2)
    ref = F.scaled_dot_product_attention(*(torch.from_numpy(a) for a in (q, k, v)), is_causal=True)
    assert np.abs(la.causal_softmax_attention(q, k, v) - ref.numpy()).max() < 1e-12
    y = la.causal_softmax_attention(q, k, v)
    assert np.abs(y[:, 0] - v[:, 0]).max() < 1e-15  # the first step sees only itself


def test_linear_attention_argument_checks():
    q, k, v = qkv(2, 5, 3, 4, seed=3)
    with pytest.raises(ValueError, match="k"):
        la.linear_attention_parallel(q, k[:, :, :2], v)
    with pytest.raises(ValueError, match="v"):
        la.linear_attention_recurrent(q, k, v[:, :4])
    with pytest.raises(ValueError, match="q"):
        la.linear_attention_parallel(q[0], k, v)
    with pytest.raises(ValueError, match=r"state\[0\]"):
        la.linear_attention_recurrent(q, k, v, state=(np.zeros((2, 3, 3)), np.zeros((2, 3))))


# ---------------------------------------------------------------- mLSTM


def torch_mlstm_reference(q, k, v, i_pre, f_pre):
    """The unstabilised mLSTM from the equations, in torch float64 (small inputs only)."""
    q, k, v, i_pre, f_pre = (torch.from_numpy(a) for a in (q, k, v, i_pre, f_pre))
    N, T, dk = q.shape
    out = torch.zeros(N, T, v.shape[2], dtype=torch.float64)
    for n in range(N):
        C = torch.zeros(dk, v.shape[2], dtype=torch.float64)
        nn_ = torch.zeros(dk, dtype=torch.float64)
        for t in range(T):
            f, i = torch.sigmoid(f_pre[n, t]), torch.exp(i_pre[n, t])
            kt = k[n, t] / math.sqrt(dk)
            C = f * C + i * torch.outer(kt, v[n, t])
            nn_ = f * nn_ + i * kt
            out[n, t] = (q[n, t] @ C) / torch.clamp(torch.abs(q[n, t] @ nn_), min=1.0)
    return out.numpy()


def gates(N, T, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    return 2 * rng.standard_normal((N, T)) + shift, 2 * rng.standard_normal((N, T)) + 1.5


@pytest.mark.parametrize("N, T, dk, dv", SHAPES)
def test_mlstm_three_forms_equal_the_torch_reference(N, T, dk, dv):
    q, k, v = qkv(N, T, dk, dv, seed=T + 5 * dk)
    i_pre, f_pre = gates(N, T, seed=T)
    ref = torch_mlstm_reference(q, k, v, i_pre, f_pre)
    h_stab, (C, n, m) = la.mlstm_recurrent(q, k, v, i_pre, f_pre)
    h_raw, _ = la.mlstm_recurrent(q, k, v, i_pre, f_pre, stabilise=False)
    h_par = la.mlstm_parallel(q, k, v, i_pre, f_pre)
    assert h_stab.shape == (N, T, dv) and C.shape == (N, dk, dv) and n.shape == (N, dk) and m.shape == (N,)
    for h in (h_stab, h_raw, h_par):
        assert np.abs(h - ref).max() < 1e-11


def test_mlstm_stabiliser_prevents_overflow():
    q, k, v = qkv(2, 12, 4, 3, seed=4)
    i_pre, f_pre = gates(2, 12, seed=5, shift=750.0)  # exp(750) overflows float64
    with np.errstate(over="ignore", invalid="ignore"):
        h_raw, _ = la.mlstm_recurrent(q, k, v, i_pre, f_pre, stabilise=False)
    assert not np.all(np.isfinite(h_raw))
    h_stab, (C, n, m) = la.mlstm_recurrent(q, k, v, i_pre, f_pre)
    h_par = la.mlstm_parallel(q, k, v, i_pre, f_pre)
    assert np.all(np.isfinite(h_stab)) and np.all(np.isfinite(C))
    assert np.abs(h_stab - h_par).max() < 1e-10
    assert np.all(m >= 700)  # the stabiliser carries the scale
    # float32: exp(100) already overflows without the stabiliser
    q32, k32, v32 = (a.astype(np.float32) for a in (q, k, v))
    i32, f32 = (i_pre - 650).astype(np.float32), f_pre.astype(np.float32)
    h32, _ = la.mlstm_recurrent(q32, k32, v32, i32, f32)
    assert h32.dtype == np.float32 and np.all(np.isfinite(h32))


def test_mlstm_state_passing_and_log_gates():
    q, k, v = qkv(2, 10, 3, 3, seed=6)
    i_pre, f_pre = gates(2, 10, seed=7)
    h_all, _ = la.mlstm_recurrent(q, k, v, i_pre, f_pre)
    h1, state = la.mlstm_recurrent(q[:, :4], k[:, :4], v[:, :4], i_pre[:, :4], f_pre[:, :4])
    h2, _ = la.mlstm_recurrent(q[:, 4:], k[:, 4:], v[:, 4:], i_pre[:, 4:], f_pre[:, 4:], state=state)
    assert np.abs(np.concatenate([h1, h2], 1) - h_all).max() < 1e-12
    log_D = la.mlstm_log_gates(i_pre, f_pre)
    logsig = np.log(1 / (1 + np.exp(-f_pre)))
    for t in range(10):
        for s in range(10):
            want = logsig[:, s + 1:t + 1].sum(1) + i_pre[:, s] if s <= t else -np.inf
            assert np.allclose(log_D[:, t, s], want, atol=1e-12)


def test_mlstm_without_gates_is_linear_attention():
    # f = 1 (f_pre large), i = 1 (i_pre = 0), keys phi(k) sqrt(d_k), queries phi(q) scaled
    # so much that the bound max(|n.q|, 1) is inactive: linear attention with phi = elu + 1
    q, k, v = qkv(2, 9, 3, 4, seed=8)
    N, T, dk = q.shape
    phi_q, phi_k = la.elu_feature_map(q), la.elu_feature_map(k)
    h = la.mlstm_recurrent(1e6 * phi_q, math.sqrt(dk) * phi_k, v, np.zeros((N, T)),
                           np.full((N, T), 60.0))[0]
    assert np.abs(h - la.linear_attention_parallel(q, k, v)).max() < 1e-9


def test_mlstm_argument_checks():
    q, k, v = qkv(2, 5, 3, 4, seed=9)
    i_pre, f_pre = gates(2, 5, seed=10)
    with pytest.raises(ValueError, match="i_pre"):
        la.mlstm_recurrent(q, k, v, i_pre[:, :4], f_pre)
    with pytest.raises(ValueError, match="f_pre"):
        la.mlstm_parallel(q, k, v, i_pre, f_pre[None])
    with pytest.raises(ValueError, match=r"state\[2\]"):
        la.mlstm_recurrent(q, k, v, i_pre, f_pre, state=(np.zeros((2, 3, 4)), np.zeros((2, 3)), np.zeros(3)))
