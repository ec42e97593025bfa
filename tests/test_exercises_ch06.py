"""Tests of rnn_helpers.exercises.ch06: each diagnosis, the right answers, no leaks."""

import numpy as np
import pytest
import torch

from feedback import assert_feedback
from rnn_helpers.exercises.ch06 import (
    ch06_new_convention_params,
    check_ch06_flip_convention,
    check_ch06_gru_param_count,
    check_ch06_gru_step,
)
from rnn_helpers.numpy_rnn.gru_variants import flip_update_gate
from rnn_helpers.numpy_rnn import gru_step_forward


# ---------------------------------------------------------------- parameter count
D, H = 10, 32
RIGHT = 3 * (H * D + H * H + 2 * H)


def test_param_count_correct_forms_and_unsolved():
    assert RIGHT == sum(p.numel() for p in torch.nn.GRU(D, H).parameters())
    assert_feedback(check_ch06_gru_param_count(RIGHT, D, H), "correct", "two bias vectors")
    assert_feedback(check_ch06_gru_param_count(float(RIGHT), D, H), "correct")
    assert_feedback(check_ch06_gru_param_count(np.int64(RIGHT), D, H), "correct")
    assert_feedback(check_ch06_gru_param_count(torch.tensor(RIGHT), D, H), "correct")
    assert_feedback(check_ch06_gru_param_count(None, D, H), "unsolved")
    assert_feedback(check_ch06_gru_param_count(RIGHT + 0.5, D, H), "wrong", "whole number")
    assert_feedback(check_ch06_gru_param_count("3456", D, H), "wrong")


@pytest.mark.parametrize("answer, fragment", [
    (3 * (H * D + H * H + H), "two bias vectors"),
    (3 * (H * D + H * H + 2 * H) - 2 * H, "both bias vectors in full"),
    (4 * (H * D + H * H + 2 * H), "lstm"),
    (4 * (H * D + H * H + H), "three gate blocks"),
    (2 * (H * D + H * H + 2 * H), "candidate"),
    (H * D + H * H + 2 * H, "plain rnn"),
    (3 * (H * D + H * H), "biases are missing"),
    (3 * (2 * H * D + 2 * H), "h x h"),
    (RIGHT + 7, "too large"),
    (RIGHT - 7, "too small"),
])
def test_param_count_diagnoses(answer, fragment):
    assert_feedback(check_ch06_gru_param_count(answer, D, H), "wrong", fragment, expected=RIGHT)


# ---------------------------------------------------------------- one GRU step


def sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def make_step(reset="after", z_old=True, bias_inside=True, order="rzn", act=np.tanh,
              use_r=True, use_z=True, mutate=False, ret_tuple=False):
    def fn(x, prev_h, Wx, Wh, bx, bh):
        Hh = Wh.shape[0]
        ax, ah = x @ Wx + bx, prev_h @ Wh + bh
        ir, iz = (0, 1) if order == "rzn" else (1, 0)
        r = sig(ax[:, ir * Hh:(ir + 1) * Hh] + ah[:, ir * Hh:(ir + 1) * Hh])
        z = sig(ax[:, iz * Hh:(iz + 1) * Hh] + ah[:, iz * Hh:(iz + 1) * Hh])
        if not use_r:
            r = np.ones_like(r)
        if reset == "after":
            hn = ah[:, 2 * Hh:] if bias_inside else prev_h @ Wh[:, 2 * Hh:]
            a_n = ax[:, 2 * Hh:] + r * hn + (0 if bias_inside else bh[2 * Hh:])
        else:
            a_n = ax[:, 2 * Hh:] + (r * prev_h) @ Wh[:, 2 * Hh:] + bh[2 * Hh:]
        n = act(a_n)
        if mutate:
            Wx *= 2
        if not use_z:
            out = n
        elif z_old:
            out = z * prev_h + (1 - z) * n
        else:
            out = (1 - z) * prev_h + z * n
        return (out, {}) if ret_tuple else out
    return fn


def test_step_correct_numpy_torch_and_package():
    assert_feedback(check_ch06_gru_step(make_step()), "correct")
    assert_feedback(check_ch06_gru_step(make_step(ret_tuple=True)), "correct")
    assert_feedback(check_ch06_gru_step(gru_step_forward), "correct")

    def torch_version(x, prev_h, Wx, Wh, bx, bh):
        cell = torch.nn.GRUCell(Wx.shape[0], Wh.shape[0]).double()
        with torch.no_grad():
            cell.weight_ih.copy_(torch.from_numpy(Wx.T))
            cell.weight_hh.copy_(torch.from_numpy(Wh.T))
            cell.bias_ih.copy_(torch.from_numpy(bx))
            cell.bias_hh.copy_(torch.from_numpy(bh))
            return cell(torch.from_numpy(x), torch.from_numpy(prev_h))

    assert_feedback(check_ch06_gru_step(torch_version), "correct")


@pytest.mark.parametrize("kwargs, fragment", [
    ({"reset": "before"}, "before the matrix product"),
    ({"z_old": False}, "z and 1 - z are swapped"),
    ({"reset": "before", "z_old": False}, "two differences"),
    ({"bias_inside": False}, "bh_n is added outside"),
    ({"order": "zrn"}, "wrong order"),
    ({"act": lambda a: a}, "tanh of the candidate"),
    ({"act": sig}, "sigmoid belongs to the gates"),
    ({"use_r": False}, "reset gate is not used"),
    ({"use_z": False}, "update gate is not used"),
    ({"mutate": True}, "in place"),
])
def test_step_diagnoses(kwargs, fragment):
    assert_feedback(check_ch06_gru_step(make_step(**kwargs)), "wrong", fragment)


def test_step_unsolved_errors_and_generic_wrong():
    assert_feedback(check_ch06_gru_step(None), "unsolved")
    assert_feedback(check_ch06_gru_step(lambda *a: None), "unsolved", "returned None")

    def not_done(*args):
        raise NotImplementedError

    assert_feedback(check_ch06_gru_step(not_done), "unsolved", "NotImplementedError")
    assert_feedback(check_ch06_gru_step(lambda x, h, *r: x @ h), "error", "ValueError")
    assert_feedback(check_ch06_gru_step(42), "wrong", "function is expected")
    assert_feedback(check_ch06_gru_step(lambda x, h, *r: h.T), "wrong", "shape")
    assert_feedback(check_ch06_gru_step(lambda x, h, *r: 0.5 * h), "wrong")


# ---------------------------------------------------------------- the z <-> 1 - z flip
PARAMS = ch06_new_convention_params()
HH = PARAMS[1].shape[0]


def flipped_blocks(block, which=(0, 1, 2, 3)):
    out = [p.copy() for p in PARAMS]
    for i in which:
        out[i][..., block] *= -1
    return tuple(out)


def test_flip_correct_forms():
    right = flip_update_gate(*PARAMS)
    assert_feedback(check_ch06_flip_convention(right), "correct")
    assert_feedback(check_ch06_flip_convention(list(right)), "correct")
    assert_feedback(check_ch06_flip_convention(tuple(torch.from_numpy(p) for p in right)), "correct")
    # folding both z biases into one vector computes the same GRU: accepted
    Wx, Wh, bx, bh = (p.copy() for p in right)
    bx[HH:2 * HH] += bh[HH:2 * HH]
    bh[HH:2 * HH] = 0
    assert_feedback(check_ch06_flip_convention((Wx, Wh, bx, bh)), "correct")


@pytest.mark.parametrize("answer, fragment", [
    (PARAMS, "unchanged"),
    (tuple(-p for p in PARAMS), "negated every block"),
    (flipped_blocks(slice(HH, 2 * HH), (0, 1)), "not its biases"),
    (flipped_blocks(slice(HH, 2 * HH), (0, 1, 2)), "bh's z block"),
    (flipped_blocks(slice(HH, 2 * HH), (0, 1, 3)), "bx's z block"),
    (flipped_blocks(slice(2 * HH, 3 * HH)), "candidate's block"),
    (flipped_blocks(slice(0, HH)), "reset gate's block"),
])
def test_flip_diagnoses(answer, fragment):
    assert_feedback(check_ch06_flip_convention(answer), "wrong", fragment)


def test_flip_one_minus_and_other_blocks():
    one_minus = [p.copy() for p in PARAMS]
    for p in one_minus:
        p[..., HH:2 * HH] = 1 - p[..., HH:2 * HH]
    assert_feedback(check_ch06_flip_convention(tuple(one_minus)), "wrong", "1 - w is not the way")
    right = [p.copy() for p in flip_update_gate(*PARAMS)]
    right[0][:, 2 * HH] += 0.3  # one entry of the candidate block of Wx
    assert_feedback(check_ch06_flip_convention(tuple(right)), "wrong", "n block of `wx`")
    right = [p.copy() for p in flip_update_gate(*PARAMS)]
    right[2][HH] += 0.3  # one entry of bx's z block
    assert_feedback(check_ch06_flip_convention(tuple(right)), "wrong", "does not compute")


def test_flip_shapes_types_and_unsolved():
    assert_feedback(check_ch06_flip_convention(None), "unsolved")
    assert_feedback(check_ch06_flip_convention("params"), "wrong", "tuple")
    assert_feedback(check_ch06_flip_convention(PARAMS[:3]), "wrong", "four arrays")
    bad = list(flip_update_gate(*PARAMS))
    bad[0] = bad[0].T
    assert_feedback(check_ch06_flip_convention(tuple(bad)), "wrong", "shape", "only signs change")
    bad = list(flip_update_gate(*PARAMS))
    bad[3] = "bias"
    assert_feedback(check_ch06_flip_convention(tuple(bad)), "wrong", "`bh` should be an array")
    bad = list(flip_update_gate(*PARAMS))
    bad[2] = bad[2] * np.nan
    assert_feedback(check_ch06_flip_convention(tuple(bad)), "wrong", "nan")


def slip_step(order="rzn", r_on="h", use_bx=True, use_bh=True, dtype=np.float64):
    """A learner's GRU step written from scratch with the mistakes of issue 11."""
    def fn(x, prev_h, Wx, Wh, bx, bh):
        x, prev_h, Wx, Wh, bx, bh = (v.astype(dtype) for v in (x, prev_h, Wx, Wh, bx, bh))
        Hh = Wh.shape[0]
        bx = bx if use_bx else 0 * bx
        bh = bh if use_bh else 0 * bh
        blocks = {g: slice(k * Hh, (k + 1) * Hh) for k, g in enumerate(order)}
        ax, ah = x @ Wx + bx, prev_h @ Wh + bh
        r = sig(ax[:, blocks["r"]] + ah[:, blocks["r"]])
        z = sig(ax[:, blocks["z"]] + ah[:, blocks["z"]])
        xn, hn = ax[:, blocks["n"]], ah[:, blocks["n"]]
        a_n = {"h": xn + r * hn, "x": r * xn + hn, "both": r * (xn + hn)}[r_on]
        return z * prev_h + (1 - z) * np.tanh(a_n)
    return fn


@pytest.mark.parametrize("order, fragments", [
    ("rnz", ("order (r, n, z)", "columns [H, 2H) as the candidate", "[2H, 3H) as the update gate")),
    ("zrn", ("order (z, r, n)", "columns [0, H) as the update gate")),
    ("nzr", ("order (n, z, r)",)),
    ("znr", ("order (z, n, r)",)),
    ("nrz", ("order (n, r, z)",)),
])
def test_step_every_gate_order_is_named(order, fragments):
    assert_feedback(check_ch06_gru_step(slip_step(order=order)), "wrong", *fragments)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(r_on="x"), "scales the input part"),
    (dict(r_on="both"), "scales the whole sum"),
    (dict(use_bx=False), "input bias bx is missing"),
    (dict(use_bh=False), "recurrent bias bh is missing"),
    (dict(use_bx=False, use_bh=False), "both bias vectors"),
])
def test_step_reset_placement_and_dropped_biases(kwargs, fragment):
    assert_feedback(check_ch06_gru_step(slip_step(**kwargs)), "wrong", fragment)


def test_step_float32_passes_and_float32_slips_are_diagnosed():
    assert_feedback(check_ch06_gru_step(slip_step(dtype=np.float32)), "correct")
    assert_feedback(check_ch06_gru_step(slip_step(order="rnz", dtype=np.float32)), "wrong",
                    "order (r, n, z)")


@pytest.mark.parametrize("which, done, left", [
    ((1, 3), "`Wh` and `bh`", "`Wx` and `bx`"),
    ((1,), "`Wh`", "`Wx`, `bx` and `bh`"),
    ((3,), "`bh`", "`Wx`, `Wh` and `bx`"),
    ((0, 2), "`Wx` and `bx`", "`Wh` and `bh`"),
    ((0,), "`Wx`", "`Wh`, `bx` and `bh`"),
    ((1, 2, 3), "`Wh`, `bx` and `bh`", "`Wx`"),
])
def test_flip_only_some_arrays_is_named(which, done, left):
    """Issue 11: flipping only Wh/bh (or any other subset) gets a specific diagnosis."""
    result = check_ch06_flip_convention(flipped_blocks(slice(HH, 2 * HH), which))
    assert_feedback(result, "wrong", f"only the z block of {done} is negated", f"not that of {left}")


def test_flip_float32_passes():
    right = flip_update_gate(*PARAMS)
    assert_feedback(check_ch06_flip_convention(tuple(p.astype(np.float32) for p in right)), "correct")
    assert_feedback(check_ch06_flip_convention(tuple(p.astype(np.float32) for p in PARAMS)),
                    "wrong", "unchanged")


def test_param_count_configuration_is_checked():
    with pytest.raises(ValueError, match=r"^D: expected a positive integer"):
        check_ch06_gru_param_count(10, -3, 4)
