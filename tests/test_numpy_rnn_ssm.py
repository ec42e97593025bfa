"""rnn_helpers.numpy_rnn.ssm: LRU, S4D and the selective scan, each against an independent reference.

References: plain Python loops over scalars, torch.linalg.matrix_exp (Van
Loan's block-matrix form of the zero-order hold), and equalities between
forms that are computed by different code (recurrence, closed-form kernel,
FFT convolution, Toeplitz product, mixing matrix, parallel scan).
"""

import numpy as np
import pytest
import torch

from rnn_helpers.numpy_rnn import ssm

SHAPES = [(1, 1, 1, 1), (2, 1, 3, 2), (2, 2, 3, 4), (3, 7, 2, 3), (2, 16, 3, 2), (1, 33, 2, 5)]


def scalar_loop(a, b, h0):
    """h_t = a_t h_{t-1} + b_t with Python scalars (no vectorisation at all)."""
    N, T = b.shape[:2]
    rest = b.shape[2:]
    h = np.zeros(b.shape, dtype=np.result_type(a, b))
    for idx in np.ndindex(*rest):
        for n in range(N):
            prev = complex(h0[(n,) + idx]) if np.iscomplexobj(h) else float(h0[(n,) + idx])
            for t in range(T):
                prev = a[(n, t) + idx] * prev + b[(n, t) + idx]
                h[(n, t) + idx] = prev
    return h


# ---------------------------------------------------------------- the LRU


def test_lru_lambda_is_inside_the_unit_circle_for_any_parameters():
    rng = np.random.default_rng(0)
    nu_log = rng.uniform(-12, 4, 200)
    theta_log = rng.uniform(-5, 3, 200)
    lam = ssm.lru_lambda(nu_log, theta_log)
    assert np.all(np.abs(lam) < 1) and np.all(np.abs(lam) > 0)
    np.testing.assert_allclose(np.abs(lam), np.exp(-np.exp(nu_log)), rtol=1e-12)
    np.testing.assert_allclose(np.angle(lam), np.angle(np.exp(1j * np.exp(theta_log))), atol=1e-12)


def test_lru_init_ring_and_normalisation():
    rng = np.random.default_rng(1)
    p = ssm.lru_init(4000, 3, rng, r_min=0.4, r_max=0.9, max_phase=np.pi / 5)
    r = np.abs(ssm.lru_lambda(p["nu_log"], p["theta_log"]))
    assert r.min() >= 0.4 - 1e-9 and r.max() <= 0.9 + 1e-9
    # uniform by area: |lam|^2 uniform on [r_min^2, r_max^2], so its mean is the midpoint
    assert abs(np.mean(r ** 2) - (0.4 ** 2 + 0.9 ** 2) / 2) < 0.01
    np.testing.assert_allclose(np.exp(p["gamma_log"]), np.sqrt(1 - r ** 2), rtol=1e-10)
    phase = np.exp(p["theta_log"])
    assert phase.min() >= 0 and phase.max() <= np.pi / 5
    assert p["B"].shape == (3, 4000) and p["C"].shape == (4000, 3) and p["D_skip"].shape == (3,)


def test_lru_normalisation_keeps_the_state_variance_of_white_noise():
    # E|h|^2 = gamma^2 E|u|^2 / (1 - |lam|^2) = E|u|^2 with gamma = sqrt(1 - |lam|^2)
    rng = np.random.default_rng(2)
    lam = np.array([0.5, 0.9, 0.99]) * np.exp(0.3j)
    gamma = np.sqrt(1 - np.abs(lam) ** 2)
    u = rng.standard_normal((400, 600, 3))
    h = ssm.diagonal_recurrence(lam, gamma * u)
    var = np.mean(np.abs(h[:, 300:]) ** 2, axis=(0, 1))
    np.testing.assert_allclose(var, 1.0, rtol=0.1)


@pytest.mark.parametrize("N, T, D, H", [(1, 1, 1, 1), (2, 5, 3, 4), (3, 16, 2, 6), (2, 37, 4, 3)])
def test_lru_forward_loop_scan_and_scalar_reference(N, T, D, H):
    rng = np.random.default_rng(N * 100 + T)
    p = ssm.lru_init(H, D, rng, r_min=0.3, r_max=0.999)
    x = rng.standard_normal((N, T, D))
    y_loop, h_loop = ssm.lru_forward(x, p, "loop")
    y_scan, h_scan = ssm.lru_forward(x, p, "scan")
    lam = ssm.lru_lambda(p["nu_log"], p["theta_log"])
    u = np.exp(p["gamma_log"]) * (x @ p["B"])
    h_ref = scalar_loop(np.broadcast_to(lam, (N, T, H)), u, np.zeros((N, H), complex))
    y_ref = (h_ref @ p["C"]).real + p["D_skip"] * x
    assert np.abs(h_loop - h_ref).max() < 1e-12
    assert np.abs(y_loop - y_ref).max() < 1e-12
    assert np.abs(y_scan - y_ref).max() < 1e-11
    assert np.abs(h_scan - h_ref).max() < 1e-11


def test_lru_and_diagonal_recurrence_reject_bad_shapes():
    rng = np.random.default_rng(3)
    p = ssm.lru_init(4, 3, rng)
    with pytest.raises(ValueError, match="x"):
        ssm.lru_forward(np.zeros((2, 3)), p)
    with pytest.raises(ValueError, match="B"):
        ssm.lru_forward(np.zeros((2, 5, 2)), p)
    with pytest.raises(ValueError, match="method"):
        ssm.lru_forward(np.zeros((2, 5, 3)), p, method="fast")
    with pytest.raises(ValueError, match="lam"):
        ssm.diagonal_recurrence(np.ones(3), np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="h0"):
        ssm.diagonal_recurrence(np.ones(4), np.zeros((2, 5, 4)), h0=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="theta_log"):
        ssm.lru_lambda(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="r_min"):
        ssm.lru_init(4, 3, rng, r_min=0.9, r_max=0.5)


def test_diagonal_recurrence_time_varying_and_h0():
    rng = np.random.default_rng(4)
    a = rng.uniform(-1, 1, (2, 9, 3)) + 1j * rng.uniform(-1, 1, (2, 9, 3))
    b = rng.standard_normal((2, 9, 3))
    h0 = rng.standard_normal((2, 3))
    np.testing.assert_allclose(ssm.diagonal_recurrence(a, b, h0), scalar_loop(a, b, h0.astype(complex)),
                               atol=1e-13)


# ---------------------------------------------------------------- discretisation


def van_loan_zoh(a, b, dt):
    """exp(dt [[a, b], [0, 0]]) = [[Abar, Bbar], [0, 1]] (torch's matrix exponential)."""
    M = torch.zeros(2, 2, dtype=torch.complex128)
    M[0, 0], M[0, 1] = complex(a), complex(b)
    E = torch.linalg.matrix_exp(dt * M)
    return E[0, 0].item(), E[0, 1].item()


def test_zoh_equals_the_block_matrix_exponential():
    rng = np.random.default_rng(5)
    A = np.concatenate([ssm.s4d_lin_init(4), -rng.uniform(0.1, 3, 3) + 1j * rng.uniform(-9, 9, 3)])
    B = rng.standard_normal(7) + 1j * rng.standard_normal(7)
    for dt in (1e-3, 0.05, 0.7):
        Abar, Bbar = ssm.zoh(A, B, dt)
        for a, b, ab, bb in zip(A, B, Abar, Bbar):
            ra, rb = van_loan_zoh(a, b, dt)
            assert abs(ab - ra) < 1e-12 and abs(bb - rb) < 1e-12


def test_zoh_real_and_zero_eigenvalue_limits():
    A = ssm.s4d_real_init(5)
    assert np.array_equal(A, -np.arange(1.0, 6.0))
    Abar, Bbar = ssm.zoh(A, np.ones(5), 0.1)
    np.testing.assert_allclose(Abar, np.exp(-0.1 * np.arange(1, 6)), rtol=1e-14)
    np.testing.assert_allclose(Bbar, (1 - np.exp(-0.1 * np.arange(1, 6))) / np.arange(1, 6), rtol=1e-12)
    Abar0, Bbar0 = ssm.zoh(np.zeros(2), np.array([2.0, 3.0]), 0.25)  # x' = B u: Bbar = dt B
    np.testing.assert_allclose(Abar0, 1.0)
    np.testing.assert_allclose(Bbar0, [0.5, 0.75])
    with pytest.raises(ValueError, match="dt"):
        ssm.zoh(A, np.ones(5), 0.0)


def test_bilinear_is_second_order_close_to_zoh():
    A = ssm.s4d_lin_init(3)
    errors = []
    for dt in (0.02, 0.01):
        za, zb = ssm.zoh(A, np.ones(3), dt)
        ba, bb = ssm.bilinear(A, np.ones(3), dt)
        errors.append(np.abs(za - ba).max())
    assert 6 < errors[0] / errors[1] < 10  # local error O(dt^3): halving dt divides it by 8
    a, b = ssm.bilinear(np.array([-2.0]), np.array([1.0]), 0.5)
    np.testing.assert_allclose(a, (1 - 0.5) / (1 + 0.5))
    np.testing.assert_allclose(b, 0.5 / (1 + 0.5))


# ---------------------------------------------------------------- recurrence = convolution


def s4d_setup(D, S, rng):
    A = np.tile(ssm.s4d_lin_init(S), (D, 1))  # (D, S)
    B = np.ones((D, S)) + 0j
    C = rng.standard_normal((D, S)) + 1j * rng.standard_normal((D, S))
    dt = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), D))[:, None]  # (D, 1)
    Abar, Bbar = ssm.zoh(A, B, dt)
    return Abar, Bbar, C


@pytest.mark.parametrize("N, T, D, S", SHAPES)
def test_kernel_closed_form_equals_impulse_response_and_scalar_powers(N, T, D, S):
    rng = np.random.default_rng(T * 10 + S)
    Abar, Bbar, C = s4d_setup(D, S, rng)
    K = ssm.ssm_kernel(Abar, Bbar, C, T)
    K_rec = ssm.ssm_kernel_by_recurrence(Abar, Bbar, C, T)
    K_ref = np.array([[sum(C[d, s] * Abar[d, s] ** k * Bbar[d, s] for s in range(S)).real
                       for k in range(T)] for d in range(D)])
    assert K.shape == (D, T)
    assert np.abs(K - K_ref).max() < 1e-12
    assert np.abs(K_rec - K_ref).max() < 1e-12


@pytest.mark.parametrize("N, T, D, S", SHAPES)
def test_recurrent_view_equals_both_convolutions_and_a_double_loop(N, T, D, S):
    rng = np.random.default_rng(T + 7 * S)
    Abar, Bbar, C = s4d_setup(D, S, rng)
    u = rng.standard_normal((N, T, D))
    Dskip = rng.standard_normal(D)
    y_rec, h = ssm.ssm_recurrent(u, Abar, Bbar, C, D_skip=Dskip)
    K = ssm.ssm_kernel(Abar, Bbar, C, T)
    y_ref = np.zeros((N, T, D))
    for n in range(N):
        for d in range(D):
            for t in range(T):
                y_ref[n, t, d] = sum(K[d, k] * u[n, t - k, d] for k in range(t + 1)) + Dskip[d] * u[n, t, d]
    assert h.shape == (N, T, D, S)
    assert np.abs(y_rec - y_ref).max() < 1e-12
    for method in ("fft", "direct"):
        y_conv = ssm.causal_convolution(u, K, method) + Dskip * u
        assert np.abs(y_conv - y_ref).max() < 1e-12, method


def test_convolution_and_recurrent_argument_checks():
    rng = np.random.default_rng(8)
    Abar, Bbar, C = s4d_setup(2, 3, rng)
    u = rng.standard_normal((2, 6, 2))
    K = ssm.ssm_kernel(Abar, Bbar, C, 6)
    with pytest.raises(ValueError, match="K"):
        ssm.causal_convolution(u, K[:, :4])
    with pytest.raises(ValueError, match="K"):
        ssm.causal_convolution(u, K[:1])
    with pytest.raises(ValueError, match="method"):
        ssm.causal_convolution(u, K, "overlap-add")
    with pytest.raises(ValueError, match="Bbar"):
        ssm.ssm_kernel(Abar, Bbar[:, :2], C, 5)
    with pytest.raises(ValueError, match="L"):
        ssm.ssm_kernel(Abar, Bbar, C, 0)
    with pytest.raises(ValueError, match="Abar"):
        ssm.ssm_recurrent(rng.standard_normal((2, 6, 3)), Abar, Bbar, C)
    with pytest.raises(ValueError, match="u"):
        ssm.ssm_recurrent(np.zeros((6, 2)), Abar, Bbar, C)


# ---------------------------------------------------------------- the selective scan


def selective_setup(N, T, D, S, rng):
    x = rng.standard_normal((N, T, D))
    A = -np.exp(rng.standard_normal((D, S)))
    delta, B, C = ssm.selective_parameters(
        x, rng.standard_normal((D, D)), rng.standard_normal(D) - 1,
        rng.standard_normal((D, S)), rng.standard_normal((D, S)))
    return x, delta, A, B, C


def selective_reference(x, delta, A, B, C, Dskip, b_rule="euler"):
    """The selective SSM written with scalar loops over n, d, s and t."""
    N, T, D = x.shape
    S = A.shape[1]
    y = np.zeros((N, T, D))
    for n in range(N):
        for d in range(D):
            for s in range(S):
                h = 0.0
                for t in range(T):
                    dA = delta[n, t, d] * A[d, s]
                    bb = delta[n, t, d] * B[n, t, s] if b_rule == "euler" else \
                        (np.exp(dA) - 1) / A[d, s] * B[n, t, s]
                    h = np.exp(dA) * h + bb * x[n, t, d]
                    y[n, t, d] += C[n, t, s] * h
            y[n, :, d] += Dskip[d] * x[n, :, d]
    return y


@pytest.mark.parametrize("N, T, D, S", SHAPES)
@pytest.mark.parametrize("b_rule", ["euler", "zoh"])
def test_selective_scan_loop_and_scan_equal_the_scalar_reference(N, T, D, S, b_rule):
    rng = np.random.default_rng(N + 3 * T + 11 * S)
    x, delta, A, B, C = selective_setup(N, T, D, S, rng)
    Dskip = rng.standard_normal(D)
    y_ref = selective_reference(x, delta, A, B, C, Dskip, b_rule)
    y_loop, h_loop = ssm.selective_scan(x, delta, A, B, C, Dskip, method="loop", b_rule=b_rule)
    y_scan, h_scan = ssm.selective_scan(x, delta, A, B, C, Dskip, method="scan", b_rule=b_rule)
    assert y_scan.shape == (N, T, D) and h_scan.shape == (N, T, D, S)
    assert np.abs(y_loop - y_ref).max() < 1e-11
    assert np.abs(y_scan - y_ref).max() < 1e-11
    assert np.abs(h_scan - h_loop).max() < 1e-12


def test_selective_scan_from_a_state_continues_a_sequence():
    rng = np.random.default_rng(9)
    x, delta, A, B, C = selective_setup(2, 12, 3, 4, rng)
    y_all, h_all = ssm.selective_scan(x, delta, A, B, C)
    y1, h1 = ssm.selective_scan(x[:, :5], delta[:, :5], A, B[:, :5], C[:, :5])
    y2, _ = ssm.selective_scan(x[:, 5:], delta[:, 5:], A, B[:, 5:], C[:, 5:], h0=h1[:, -1])
    assert np.abs(np.concatenate([y1, y2], 1) - y_all).max() < 1e-12


def test_selective_parameters_and_softplus():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 4, 3))
    W, b = rng.standard_normal((3, 3)), rng.standard_normal(3)
    WB, WC = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    delta, B, C = ssm.selective_parameters(x, W, b, WB, WC)
    ref = torch.nn.functional.softplus(torch.from_numpy(x @ W + b)).numpy()
    assert np.abs(delta - ref).max() < 1e-14 and np.all(delta > 0)
    assert np.array_equal(B, x @ WB) and np.array_equal(C, x @ WC)
    big = ssm.softplus(np.array([-800.0, 0.0, 800.0]))
    assert np.all(np.isfinite(big)) and abs(big[1] - np.log(2)) < 1e-15 and big[2] == 800.0


def test_time_invariant_selective_scan_is_the_s4d_convolution():
    rng = np.random.default_rng(11)
    N, T, D, S = 2, 19, 3, 4
    x = rng.standard_normal((N, T, D))
    A = ssm.s4d_real_init(S)[None].repeat(D, 0)  # (D, S)
    B, C = rng.standard_normal((D, S)), rng.standard_normal((D, S))
    dt = np.array([0.01, 0.1, 0.5])
    delta = np.broadcast_to(dt, (N, T, D)).copy()
    y_sel, _ = ssm.selective_scan(x, delta, A, B, C, b_rule="zoh")
    Abar, Bbar = ssm.zoh(A, B, dt[:, None])
    K = ssm.ssm_kernel(Abar, Bbar, C, T)
    assert np.abs(y_sel - ssm.causal_convolution(x, K)).max() < 1e-12


def test_mixing_matrix_is_the_third_form_and_toeplitz_exactly_when_lti():
    rng = np.random.default_rng(12)
    N, T, D, S = 2, 10, 3, 4
    x, delta, A, B, C = selective_setup(N, T, D, S, rng)
    Dskip = rng.standard_normal(D)
    M = ssm.ssm_mixing_matrix(delta, A, B, C)
    assert M.shape == (N, D, T, T)
    assert np.all(np.triu(M, 1) == 0)
    y_scan, _ = ssm.selective_scan(x, delta, A, B, C, Dskip)
    assert np.abs(np.einsum("ndts,nsd->ntd", M, x) + Dskip * x - y_scan).max() < 1e-12
    diag_spread = np.ptp(np.diagonal(M[0, 0], offset=-1))
    assert diag_spread > 1e-2  # selective: entries on one diagonal differ
    # time-invariant: every diagonal is constant and equals the kernel
    Bc, Cc = rng.standard_normal((D, S)), rng.standard_normal((D, S))
    dconst = np.broadcast_to(np.array([0.05, 0.2, 0.7]), (N, T, D)).copy()
    M_lti = ssm.ssm_mixing_matrix(dconst, A, Bc, Cc, b_rule="zoh")
    Abar, Bbar = ssm.zoh(A, Bc, dconst[0, 0][:, None])
    K = ssm.ssm_kernel(Abar, Bbar, Cc, T)
    lag = np.arange(T)[:, None] - np.arange(T)[None, :]
    for d in range(D):
        assert np.abs(M_lti[1, d][lag >= 0] - K[d][lag[lag >= 0]]).max() < 1e-13


def test_selective_scan_argument_checks():
    rng = np.random.default_rng(13)
    x, delta, A, B, C = selective_setup(2, 5, 3, 4, rng)
    with pytest.raises(ValueError, match="delta"):
        ssm.selective_scan(x, -delta, A, B, C)
    with pytest.raises(ValueError, match="delta"):
        ssm.selective_scan(x, delta[:, :4], A, B, C)
    with pytest.raises(ValueError, match="A"):
        ssm.selective_scan(x, delta, A[:2], B, C)
    with pytest.raises(ValueError, match="B"):
        ssm.selective_scan(x, delta, A, B[:, :, :3], C)
    with pytest.raises(ValueError, match="C"):
        ssm.selective_scan(x, delta, A, B, C[:, :4])
    with pytest.raises(ValueError, match="h0"):
        ssm.selective_scan(x, delta, A, B, C, h0=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="method"):
        ssm.selective_scan(x, delta, A, B, C, method="parallel")
    with pytest.raises(ValueError, match="b_rule"):
        ssm.selective_scan(x, delta, A, B, C, b_rule="rk4")
    with pytest.raises(ValueError, match="x"):
        ssm.selective_scan(x.astype(int), delta, A, B, C)


def test_float32_in_float32_out():
    rng = np.random.default_rng(14)
    x, delta, A, B, C = (a.astype(np.float32) for a in selective_setup(2, 6, 2, 3, rng))
    y, h = ssm.selective_scan(x, delta, A, B, C)
    assert y.dtype == np.float32 and h.dtype == np.float32
    y64, _ = ssm.selective_scan(*(a.astype(np.float64) for a in (x, delta, A, B, C)))
    assert np.abs(y - y64).max() < 1e-4
