"""Tests of rnn_helpers.exercises.ch12: right answers pass, each typical slip gets its diagnosis."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch12 import (
    check_ch12_kernel,
    check_ch12_linear_attention_step,
    check_ch12_mlstm_gates,
    check_ch12_zoh,
)
from rnn_helpers.numpy_rnn import ssm
from rnn_helpers.numpy_rnn.linear_attention import elu_feature_map


def not_done(*args):
    raise NotImplementedError


# ---------------------------------------------------------------- zero-order hold


def make_zoh(kind="right"):
    def fn(A, B, dt):
        dA = dt * A
        if kind == "euler":
            return 1 + dA, dt * B
        if kind == "mamba":
            return np.exp(dA), dt * B
        if kind == "bilinear":
            return (1 + dA / 2) / (1 - dA / 2), dt * B / (1 - dA / 2)
        if kind == "no_div":
            return np.exp(dA), (np.exp(dA) - 1) * B
        if kind == "div_dA":
            return np.exp(dA), (np.exp(dA) - 1) / dA * B
        if kind == "no_dt":
            return np.exp(A), (np.exp(A) - 1) / A * B
        if kind == "sign":
            return np.exp(-dA), (1 - np.exp(-dA)) / A * B
        if kind == "real":
            return np.exp(dt * A.real), (np.exp(dt * A.real) - 1) / A.real * B
        if kind == "swap":
            return (np.exp(dA) - 1) / A * B, np.exp(dA)
        if kind == "bad_B":
            return np.exp(dA), 2 * B
        if kind == "bad_A":
            return np.exp(dA) * 0.5, (np.exp(dA) - 1) / A * B
        if kind == "both":
            return A, B
        if kind == "one":
            return np.exp(dA)
        if kind == "inplace":
            A *= dt
            return np.exp(A), np.expm1(A) / A * dt * B
        return np.exp(dA), (np.exp(dA) - 1) / A * B
    return fn


def test_zoh_right_answers():
    assert_feedback(check_ch12_zoh(make_zoh()), "correct")
    assert_feedback(check_ch12_zoh(ssm.zoh), "correct")

    def torch_zoh(A, B, dt):
        A_t, B_t = torch.from_numpy(A), torch.from_numpy(B)
        dA = torch.as_tensor(dt, dtype=torch.float64) * A_t
        return torch.exp(dA), torch.expm1(dA) / A_t * B_t

    assert_feedback(check_ch12_zoh(torch_zoh), "correct")

    def torch_zoh_float32_dt(A, B, dt):
        A_t, B_t = torch.from_numpy(A), torch.from_numpy(B)
        dA = torch.as_tensor(dt, dtype=torch.float32) * A_t
        return torch.exp(dA), torch.expm1(dA) / A_t * B_t

    assert_feedback(check_ch12_zoh(torch_zoh_float32_dt), "close", "float32")


@pytest.mark.parametrize("kind, fragment", [
    ("euler", "forward-euler"),
    ("mamba", "mamba"),
    ("bilinear", "bilinear"),
    ("no_div", "division by a"),
    ("div_dA", "too small by the factor dt"),
    ("no_dt", "step size dt is missing"),
    ("sign", "sign of the exponent"),
    ("real", "imaginary part of a has been dropped"),
    ("swap", "swapped"),
    ("bad_B", "abar is right, bbar is not"),
    ("bad_A", "bbar is right, abar is not"),
    ("both", "neither abar nor bbar"),
    ("one", "tuple of 2 arrays"),
    ("inplace", "in place"),
])
def test_zoh_diagnoses(kind, fragment):
    assert_feedback(check_ch12_zoh(make_zoh(kind)), "wrong", fragment)


def test_zoh_unsolved_and_errors():
    assert_feedback(check_ch12_zoh(None), "unsolved")
    assert_feedback(check_ch12_zoh(not_done), "unsolved", "NotImplementedError")
    assert_feedback(check_ch12_zoh(lambda A, B, dt: None), "unsolved", "returned None")
    assert_feedback(check_ch12_zoh(lambda A, B, dt: (None, None)), "unsolved")
    assert_feedback(check_ch12_zoh(lambda A, B, dt: (A @ np.ones((2, 2)), B)), "error", "ValueError")
    assert_feedback(check_ch12_zoh(3), "wrong", "function is expected")
    assert_feedback(check_ch12_zoh(lambda A, B, dt: (np.exp(dt * A)[:2], B)), "wrong", "shape")
    assert_feedback(check_ch12_zoh(lambda A, B, dt: ("a", "b")), "wrong", "numbers")


# ---------------------------------------------------------------- the kernel


def make_kernel(kind="right"):
    def fn(Abar, Bbar, C, L):
        k = np.arange(L)
        if kind == "loop":
            K = np.zeros((Abar.shape[0], L))
            for d in range(Abar.shape[0]):
                for j in range(L):
                    K[d, j] = np.sum(C[d] * Abar[d] ** j * Bbar[d]).real
            return K
        pw = Abar[:, :, None] ** (k + 1 if kind == "shift" else k)
        if kind == "times":
            pw = Abar[:, :, None] * k
        CB = C * Bbar
        if kind == "no_B":
            CB = C
        if kind == "no_C":
            CB = Bbar
        full = np.einsum("ds,dsl->dl", CB, pw)
        return {"right": full.real, "shift": full.real, "times": full.real, "no_B": full.real,
                "no_C": full.real, "reverse": full.real[:, ::-1], "abs": np.abs(full),
                "imag": full.imag, "complex": full, "transposed": full.real.T,
                "float32": full.real.astype(np.float32), "twice": 2 * full.real}[kind]
    return fn


def test_kernel_right_answers():
    assert_feedback(check_ch12_kernel(make_kernel()), "correct")
    assert_feedback(check_ch12_kernel(make_kernel("loop")), "correct")
    assert_feedback(check_ch12_kernel(make_kernel("float32")), "correct")
    assert_feedback(check_ch12_kernel(ssm.ssm_kernel), "correct")
    assert_feedback(check_ch12_kernel(ssm.ssm_kernel_by_recurrence), "correct")


@pytest.mark.parametrize("kind, status, fragment", [
    ("shift", "wrong", "shifted by one step"),
    ("reverse", "wrong", "reversed in time"),
    ("abs", "wrong", "modulus"),
    ("imag", "wrong", "imaginary part"),
    ("complex", "wrong", "real part is right"),
    ("no_B", "wrong", "bbar is missing"),
    ("no_C", "wrong", "c is missing"),
    ("times", "wrong", "power k"),
    ("transposed", "wrong", "transposed"),
    ("twice", "wrong", "same factor"),
])
def test_kernel_diagnoses(kind, status, fragment):
    assert_feedback(check_ch12_kernel(make_kernel(kind)), status, fragment)


def test_kernel_unsolved_and_errors():
    assert_feedback(check_ch12_kernel(None), "unsolved")
    assert_feedback(check_ch12_kernel(not_done), "unsolved")
    assert_feedback(check_ch12_kernel(lambda *a: 1 / 0), "error", "ZeroDivisionError")
    assert_feedback(check_ch12_kernel(lambda *a: "K"), "wrong", "numbers")


# ---------------------------------------------------------------- linear attention step


def make_step(read_before=False, normalise=True, norm_with_q=True, phi_q=True, phi_k=True,
              phi_v=False, transposed=False, no_z=False, bad_S=False, inplace=False, pair=False,
              as_torch=False):
    def fn(S, z, q, k, v):
        fq = elu_feature_map(q) if phi_q else q
        fk = elu_feature_map(k) if phi_k else k
        vv = elu_feature_map(v) if phi_v else v
        outer = fk[:, :, None] * vv[:, None, :]
        if transposed:
            outer = vv[:, :, None] * fk[:, None, :]
            S = S.transpose(0, 2, 1)
        if inplace:
            S += outer
            S_new = S
        else:
            S_new = S + outer
        z_new = z if no_z else z + fk
        S_read, z_read = (S, z) if read_before else (S_new, z_new)
        if transposed:
            y = np.einsum("nk,nvk->nv", fq, S_read)
        else:
            y = np.einsum("nk,nkv->nv", fq, S_read)
        if normalise:
            y = y / np.einsum("nk,nk->n", fq if norm_with_q else np.ones_like(fq), z_read)[:, None]
        if bad_S:
            S_new = S_new * 2
        if pair:
            return y, S_new
        if as_torch:
            return torch.from_numpy(y).float(), torch.from_numpy(S_new).float(), torch.from_numpy(z_new).float()
        return y, S_new, z_new
    return fn


def test_attention_step_right_answers():
    assert_feedback(check_ch12_linear_attention_step(make_step()), "correct")
    assert_feedback(check_ch12_linear_attention_step(make_step(as_torch=True)), "correct")


@pytest.mark.parametrize("kwargs, fragment", [
    ({"read_before": True}, "before adding the current token"),
    ({"normalise": False}, "normaliser is missing"),
    ({"norm_with_q": False}, "not the sum of the entries of z"),
    ({"phi_q": False}, "missing on the query"),
    ({"phi_k": False}, "missing on the key"),
    ({"phi_q": False, "phi_k": False}, "phi is missing"),
    ({"phi_v": True}, "applied to v"),
    ({"transposed": True}, "transposed"),
    ({"no_z": True}, "z` is not updated"),
    ({"bad_S": True}, "returned state `s` is not"),
    ({"inplace": True}, "in place"),
    ({"pair": True}, "tuple of 3 arrays"),
])
def test_attention_step_diagnoses(kwargs, fragment):
    assert_feedback(check_ch12_linear_attention_step(make_step(**kwargs)), "wrong", fragment)


def test_attention_step_unsolved_and_errors():
    assert_feedback(check_ch12_linear_attention_step(None), "unsolved")
    assert_feedback(check_ch12_linear_attention_step(not_done), "unsolved")
    assert_feedback(check_ch12_linear_attention_step(lambda S, z, q, k, v: (q @ v, S, z)), "error", "ValueError")
    assert_feedback(check_ch12_linear_attention_step(lambda S, z, q, k, v: (None, S, z)), "unsolved")


# ---------------------------------------------------------------- mLSTM gates


def logsig(x):
    return -np.logaddexp(0, -x)


def make_gates(kind="right"):
    def fn(i_pre, f_pre, m_prev):
        lf = {"exp_forget": f_pre}.get(kind, logsig(f_pre))
        if kind == "naive_log":
            lf = np.log(1 / (1 + np.exp(-f_pre)))
        mp = 0.0 if kind == "no_m_prev" else m_prev
        m = i_pre if kind == "no_max" else np.maximum(lf + mp, i_pre)
        if kind == "unstabilised":
            return m, np.exp(i_pre), np.exp(lf)
        i_gate, f_gate = np.exp(i_pre - m), np.exp(lf + mp - m)
        if kind == "order":
            return m, f_gate, i_gate
        if kind == "bad_m":
            return m + 1, i_gate, f_gate
        if kind == "bad_f":
            return m, i_gate, f_gate * 0.5
        return m, i_gate, f_gate
    return fn


def test_gates_right_answers():
    assert_feedback(check_ch12_mlstm_gates(make_gates()), "correct")
    assert_feedback(check_ch12_mlstm_gates(make_gates("naive_log")), "correct")  # log(sigmoid) is fine here


@pytest.mark.parametrize("kind, fragment", [
    ("exp_forget", "exponential forget gate"),
    ("no_m_prev", "m_prev is missing"),
    ("no_max", "np.maximum"),
    ("unstabilised", "overflows"),
    ("order", "wrong order"),
    ("bad_m", "`m`"),
    ("bad_f", "`f_gate`"),
])
def test_gates_diagnoses(kind, fragment):
    assert_feedback(check_ch12_mlstm_gates(make_gates(kind)), "wrong", fragment)


def test_gates_unsolved_and_errors():
    assert_feedback(check_ch12_mlstm_gates(None), "unsolved")
    assert_feedback(check_ch12_mlstm_gates(not_done), "unsolved")
    assert_feedback(check_ch12_mlstm_gates(lambda i, f, m: (m,)), "wrong", "tuple of 3")
    assert_feedback(check_ch12_mlstm_gates(lambda i, f, m: (m[:2], i, f)), "wrong", "shape")


def test_messages_do_not_leak_expected_values():
    # the wrong-answer messages never contain the numbers of the expected answer
    from rnn_helpers.exercises import ch12

    A, B, dt = ch12._zoh_cases()[0]
    Abar, Bbar = ssm.zoh(A, B, dt)
    for kind in ("euler", "mamba", "bad_B", "both"):
        msg = check_ch12_zoh(make_zoh(kind)).message
        for value in np.abs(np.concatenate([Abar, Bbar]))[:3]:
            assert f"{value:.3f}" not in msg
    i_pre, f_pre, m_prev = ch12._gates_case()
    m = np.maximum(logsig(f_pre) + m_prev, i_pre)
    for kind in ("bad_m", "bad_f", "no_max"):
        msg = check_ch12_mlstm_gates(make_gates(kind)).message
        assert not any(f"{v:.2f}" in msg for v in m)
