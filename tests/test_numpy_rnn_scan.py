"""rnn_helpers.numpy_rnn.scan: every scan equals a plain loop (values and
gradients), the backward pass equals torch autograd and finite differences,
the operator is associative, and the scan patterns are what the algorithms do."""

import numpy as np
import pytest
import torch

from rnn_helpers.gradcheck import numerical_gradient, rel_error
from rnn_helpers.numpy_rnn import linear_recurrence as exported_loop
from rnn_helpers.numpy_rnn import linear_recurrence_scan as exported_scan
from rnn_helpers.numpy_rnn.scan import (
    SCAN_METHODS,
    combine,
    hillis_steele_level,
    linear_recurrence,
    linear_recurrence_backward,
    linear_recurrence_blelloch,
    linear_recurrence_log,
    linear_recurrence_scan,
    scan_pattern,
)

# (N, T, H): T = 1, powers of two and lengths that are not
SHAPES = [(1, 1, 1), (2, 1, 3), (1, 2, 2), (3, 3, 2), (2, 5, 4), (1, 7, 3),
          (2, 8, 2), (2, 13, 3), (1, 16, 1), (3, 31, 2), (2, 100, 3)]
SCANS = [linear_recurrence_scan, linear_recurrence_blelloch]


def plain_loop(a, b, h0):
    """An independent oracle: Python loops over every element."""
    N, T, H = a.shape
    h = np.zeros((N, T, H))
    for n in range(N):
        for k in range(H):
            prev = h0[n, k]
            for t in range(T):
                prev = a[n, t, k] * prev + b[n, t, k]
                h[n, t, k] = prev
    return h


def make(N, T, H, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    low = 0.05 if positive else -1.1
    a = rng.uniform(low, 1.1, (N, T, H))  # some |a| > 1 too
    b = rng.standard_normal((N, T, H))
    h0 = rng.standard_normal((N, H))
    return a, b, h0


def torch_grads(a, b, h0, dh):
    """Gradients of sum(h * dh) by torch autograd through a plain loop."""
    at, bt, h0t = (torch.tensor(v, requires_grad=True) for v in (a, b, h0))
    prev, hs = h0t, []
    for t in range(a.shape[1]):
        prev = at[:, t] * prev + bt[:, t]
        hs.append(prev)
    torch.stack(hs, dim=1).backward(torch.tensor(dh))
    return at.grad.numpy(), bt.grad.numpy(), h0t.grad.numpy()


@pytest.mark.parametrize("shape", SHAPES)
def test_loop_matches_plain_python(shape):
    a, b, h0 = make(*shape)
    np.testing.assert_allclose(linear_recurrence(a, b, h0), plain_loop(a, b, h0), rtol=0, atol=1e-13)


@pytest.mark.parametrize("scan", SCANS)
@pytest.mark.parametrize("shape", SHAPES)
def test_scans_equal_the_loop(scan, shape):
    a, b, h0 = make(*shape, seed=1)
    ref = plain_loop(a, b, h0)
    got = scan(a, b, h0)
    assert got.shape == ref.shape and got.dtype == np.float64
    scale = max(1.0, np.abs(ref).max())
    assert np.abs(got - ref).max() <= 1e-12 * scale


@pytest.mark.parametrize("shape", SHAPES)
def test_log_space_equals_the_loop_for_positive_a(shape):
    a, b, h0 = make(*shape, seed=2, positive=True)
    ref = plain_loop(a, b, h0)
    got = linear_recurrence_log(a, b, h0)
    assert np.abs(got - ref).max() <= 1e-11 * max(1.0, np.abs(ref).max())
    # positive b and h0 take a single pass (no negative part)
    got_pos = linear_recurrence_log(a, np.abs(b), np.abs(h0))
    np.testing.assert_allclose(got_pos, plain_loop(a, np.abs(b), np.abs(h0)), rtol=1e-11)


def test_log_space_survives_where_the_closed_form_overflows():
    rng = np.random.default_rng(3)
    N, T, H = 2, 2000, 3
    a = rng.uniform(0.3, 0.9, (N, T, H))  # the cumulative product underflows
    b = rng.uniform(0.1, 1.0, (N, T, H))
    h0 = np.ones((N, H))
    A = np.cumprod(a, axis=1)
    with np.errstate(all="ignore"):
        closed = A * (h0[:, None] + np.cumsum(b / A, axis=1))
    assert not np.all(np.isfinite(closed))  # the naive closed form breaks down
    ref = linear_recurrence(a, b, h0)
    got = linear_recurrence_log(a, b, h0)
    assert np.all(np.isfinite(got))
    assert np.abs(got - ref).max() / np.abs(ref).max() < 1e-10


def test_log_space_rejects_non_positive_a():
    a, b, h0 = make(1, 4, 2, positive=True)
    a[0, 2, 1] = 0.0
    with pytest.raises(ValueError, match="a:.*> 0"):
        linear_recurrence_log(a, b, h0)


@pytest.mark.parametrize("scan", SCANS)
def test_float32_stays_float32_and_mixed_runs_in_float64(scan):
    a, b, h0 = make(2, 9, 3)
    out = scan(a.astype(np.float32), b.astype(np.float32), h0.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, linear_recurrence(a, b, h0), atol=1e-5)
    assert scan(a.astype(np.float32), b, h0).dtype == np.float64


def test_exports_are_the_module_functions():
    assert exported_loop is linear_recurrence and exported_scan is linear_recurrence_scan


@pytest.mark.parametrize("fn", [linear_recurrence, linear_recurrence_scan,
                                linear_recurrence_blelloch, linear_recurrence_log])
def test_bad_shapes_and_dtypes_name_the_argument(fn):
    a, b, h0 = make(2, 5, 3, positive=True)
    with pytest.raises(ValueError, match=r"^a: expected a 3-D array"):
        fn(a[0], b, h0)
    with pytest.raises(ValueError, match=r"^b: expected shape \(N, T, H\) = \(2, 5, 3\)"):
        fn(a, b[:, :4], h0)
    with pytest.raises(ValueError, match=r"^h0: expected shape \(N, H\) = \(2, 3\)"):
        fn(a, b, h0[:, :2])
    with pytest.raises(ValueError, match=r"^a: expected a float32 or float64"):
        fn(a.astype(int), b, h0)
    with pytest.raises(ValueError, match=r"^a: expected at least one time step"):
        fn(a[:, :0], b[:, :0], h0)


# ----------------------------------------------------------------- the operator


def test_combine_is_associative_not_commutative_with_identity():
    rng = np.random.default_rng(4)
    x, y, z = [(rng.standard_normal(5), rng.standard_normal(5)) for _ in range(3)]
    left = combine(combine(x, y), z)
    right = combine(x, combine(y, z))
    for u, v in zip(left, right):
        np.testing.assert_allclose(u, v, rtol=1e-13, atol=1e-14)
    xy, yx = combine(x, y), combine(y, x)
    assert np.abs(xy[1] - yx[1]).max() > 1e-3
    one = (np.ones(5), np.zeros(5))
    for u, v in zip(combine(one, x), x):
        np.testing.assert_array_equal(u, v)
    for u, v in zip(combine(x, one), x):
        np.testing.assert_array_equal(u, v)
    # the composed step is the two steps applied in turn
    h = rng.standard_normal(5)
    np.testing.assert_allclose(xy[0] * h + xy[1], y[0] * (x[0] * h + x[1]) + y[1], rtol=1e-13)


def test_hillis_steele_level_combines_with_t_minus_shift_only():
    rng = np.random.default_rng(5)
    A, B = rng.standard_normal((2, 6, 2)), rng.standard_normal((2, 6, 2))
    A0, B0 = A.copy(), B.copy()
    An, Bn = hillis_steele_level(A, B, 2)
    np.testing.assert_array_equal(A, A0)  # inputs untouched
    np.testing.assert_array_equal(An[:, :2], A[:, :2])
    np.testing.assert_array_equal(Bn[:, :2], B[:, :2])
    for t in range(2, 6):
        np.testing.assert_allclose(An[:, t], A[:, t - 2] * A[:, t])
        np.testing.assert_allclose(Bn[:, t], A[:, t] * B[:, t - 2] + B[:, t])
    same = hillis_steele_level(A, B, 8)  # a shift beyond T changes nothing
    np.testing.assert_array_equal(same[0], A)
    with pytest.raises(ValueError, match="shift"):
        hillis_steele_level(A, B, 0)


# ----------------------------------------------------------------- backward


@pytest.mark.parametrize("shape", SHAPES)
def test_backward_equals_torch_autograd(shape):
    a, b, h0 = make(*shape, seed=6)
    dh = np.random.default_rng(7).standard_normal(a.shape)
    h = linear_recurrence_scan(a, b, h0)
    ours = linear_recurrence_backward(dh, a, h0, h)
    for g, ref in zip(ours, torch_grads(a, b, h0, dh)):
        assert g.shape == ref.shape
        assert np.abs(g - ref).max() <= 1e-12 * max(1.0, np.abs(ref).max())


@pytest.mark.parametrize("shape", [(1, 1, 2), (2, 3, 2), (2, 6, 3), (1, 9, 2)])
def test_backward_equals_finite_differences(shape):
    a, b, h0 = make(*shape, seed=8)
    dh = np.random.default_rng(9).standard_normal(a.shape)
    da, db, dh0 = linear_recurrence_backward(dh, a, h0, linear_recurrence(a, b, h0))
    assert rel_error(da, numerical_gradient(lambda _: linear_recurrence(a, b, h0), a, dh)) < 1e-8
    assert rel_error(db, numerical_gradient(lambda _: linear_recurrence(a, b, h0), b, dh)) < 1e-8
    assert rel_error(dh0, numerical_gradient(lambda _: linear_recurrence(a, b, h0), h0, dh)) < 1e-8


def test_backward_validates_its_arguments():
    a, b, h0 = make(2, 4, 3)
    h = linear_recurrence(a, b, h0)
    with pytest.raises(ValueError, match=r"^dh: expected shape"):
        linear_recurrence_backward(h[:, :3], a, h0, h)
    with pytest.raises(ValueError, match=r"^h: expected shape"):
        linear_recurrence_backward(h, a, h0, h[:, :3])


# ----------------------------------------------------------------- patterns


@pytest.mark.parametrize("T", [1, 2, 3, 5, 8, 13, 16])
def test_hillis_steele_pattern(T):
    levels = scan_pattern(T, "hillis_steele")
    assert len(levels) == 1 + int(np.ceil(np.log2(T))) if T > 1 else len(levels) == 1
    np.testing.assert_array_equal(levels[0]["cover"], np.stack([np.arange(T)] * 2, 1))
    np.testing.assert_array_equal(levels[-1]["cover"][:, 0], 0)  # every prefix is complete
    np.testing.assert_array_equal(levels[-1]["cover"][:, 1], np.arange(T))
    for k, level in enumerate(levels[1:]):
        shift = 2**k
        assert level["pairs"] == [(t - shift, t) for t in range(shift, T)]
        first = np.maximum(0, np.arange(T) - 2 ** (k + 1) + 1)
        np.testing.assert_array_equal(level["cover"][:, 0], first)
    work = sum(len(level["pairs"]) for level in levels)
    assert work == sum(T - 2**k for k in range(len(levels) - 1))


@pytest.mark.parametrize("T", [1, 2, 3, 5, 8, 13, 16])
def test_blelloch_pattern_ends_with_every_prefix(T):
    levels = scan_pattern(T, "blelloch")
    P = 1 << (T - 1).bit_length()
    L = P.bit_length() - 1
    assert len(levels) == 2 * L + 3
    final = levels[-1]["cover"][:T]
    np.testing.assert_array_equal(final[:, 0], 0)
    np.testing.assert_array_equal(final[:, 1], np.arange(T))
    up = sum(len(lv["pairs"]) for lv in levels[1:L + 1])
    down = sum(len(lv["pairs"]) for lv in levels[L + 2:2 * L + 2])
    assert up == down == P - 1  # work-efficient: 2 (P - 1) combines plus T


@pytest.mark.parametrize("method", SCAN_METHODS)
def test_pattern_replayed_numerically_gives_the_recurrence(method):
    """Follow the pattern's pairs with the numeric operator: the states come out."""
    T = 11
    a, b, h0 = make(1, T, 2, seed=10)
    levels = scan_pattern(T, method)
    P = len(levels[0]["cover"])
    A = np.ones((P, 2))
    B = np.zeros((P, 2))
    A[:T], B[:T] = a[0], b[0]
    for level in levels[1:]:
        if level["name"].startswith("root"):
            A[P - 1], B[P - 1] = 1.0, 0.0
        elif level["swaps"]:
            for left, k in level["pairs"]:
                old = (A[left].copy(), B[left].copy())
                A[left], B[left] = A[k].copy(), B[k].copy()
                A[k], B[k] = combine((A[k], B[k]), old)
        elif level["name"].startswith("inclusive"):
            A[:T], B[:T] = combine((A[:T], B[:T]), (a[0], b[0]))
        else:
            newA, newB = A.copy(), B.copy()
            for src, dst in level["pairs"]:
                newA[dst], newB[dst] = combine((A[src], B[src]), (A[dst], B[dst]))
            A, B = newA, newB
    np.testing.assert_allclose(A[:T] * h0[0] + B[:T], linear_recurrence(a, b, h0)[0], atol=1e-12)


def test_pattern_arguments():
    with pytest.raises(ValueError, match="T"):
        scan_pattern(0)
    with pytest.raises(ValueError, match="method"):
        scan_pattern(4, "kogge")
