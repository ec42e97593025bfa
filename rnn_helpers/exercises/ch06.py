"""Exercise checkers for chapter 6, *Gated recurrent units (GRU)*.

Every checker computes the expected answer itself and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` with a specific diagnosis (second
bias forgotten, four gate blocks counted, reset gate applied before the
product, z and 1 - z swapped, ...) that never prints the solution, and "not
yet solved" when the answer is still ``None``.

=========================================  ==============================================
check_ch06_gru_param_count(n, D, H)        parameters of torch.nn.GRU(D, H)
check_ch06_gru_step(fn)                    one GRU step in the torch.nn.GRU convention
ch06_new_convention_params()               a GRU written with h = (1 - z) h + z n
check_ch06_flip_convention(params)         its parameters for torch.nn.GRU
=========================================  ==============================================

The module runs a little over 400 lines because both checkers name their
slips one by one: the GRU step's (reset placement, dropped biases, every
gate order) as variants of one parametrised step, and the convention flip's
(each partial negation of the z block).
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, call_on_copies, check_array, check_integer, join_names,
    no_function, read_array, same, tolerances,
)
from rnn_helpers.numpy_rnn.activations import sigmoid
from rnn_helpers.numpy_rnn.gru_variants import count_parameters, gru_step_variant

__all__ = [
    "check_ch06_gru_param_count",
    "check_ch06_gru_step",
    "ch06_new_convention_params",
    "check_ch06_flip_convention",
]


_ATOL, _RTOL = 1e-9, 1e-7  # for a float64 answer; see feedback.tolerances for float32
_GATE_NAMES = {"r": "reset gate", "z": "update gate", "n": "candidate"}


# ----------------------------------------------------------------------------
# Exercise: parameters of torch.nn.GRU
# ----------------------------------------------------------------------------


def check_ch06_gru_param_count(answer: Any, D: int, H: int) -> CheckResult:
    """
    Check the number of trainable parameters of ``torch.nn.GRU(D, H)``.

    The module has weight_ih_l0 (3H, D), weight_hh_l0 (3H, H), bias_ih_l0 and
    bias_hh_l0 (3H,) each: 3 (HD + H^2 + 2H).

    Inputs:
    - answer: The learner's count, or None
    - D: Integer input size
    - H: Integer hidden size

    Returns:
    - result: CheckResult. Diagnoses: one bias per gate (the equations' count),
      four gate blocks (an LSTM), two blocks (the candidate forgotten), the
      plain RNN's count, no biases, recurrent matrices of D columns, only the
      non-redundant biases counted.
    """
    D, H = check_int("D", D, minimum=1), check_int("H", H, minimum=1)
    name = "n_params"
    expected = count_parameters("gru", D, H)
    hints: Dict[int, str] = {}

    def add(count: int, message: str) -> None:
        if count != expected:
            hints.setdefault(count, message)

    add(count_parameters("gru", D, H, biases=1), (
        "That is the count of the equations, with one bias per gate. PyTorch (like cuDNN) keeps "
        "two bias vectors, bias_ih_l0 and bias_hh_l0, each with 3H entries; in the GRU the "
        "recurrent bias of the candidate block is not even redundant."
    ))
    add(3 * (H * D + H * H + 2 * H) - 2 * H, (
        "You counted only the biases that the reset-after GRU cannot do without (one per gate plus "
        "bh_n). The question asks what PyTorch stores: both bias vectors in full."
    ))
    add(count_parameters("lstm", D, H), (
        "That is an LSTM: four gate blocks (i, f, g, o). A GRU has three: the reset gate, the "
        "update gate and the candidate."
    ))
    add(count_parameters("lstm", D, H, biases=1), (
        "That is an LSTM with one bias per gate. A GRU has three gate blocks, not four, and "
        "PyTorch keeps two bias vectors."
    ))
    add(2 * (H * D + H * H + 2 * H), (
        "Two blocks: you counted the reset and update gates but not the candidate n, which has "
        "its own input and recurrent weights."
    ))
    add(count_parameters("rnn", D, H), "That is the plain RNN. A GRU stacks three blocks (r, z, n).")
    add(3 * (H * D + H * H), "The biases are missing: bias_ih_l0 and bias_hh_l0 have 3H entries each.")
    add(3 * (2 * H * D + 2 * H),
        "The recurrent matrices multiply h_{t-1}, which has H entries: they are H x H.")
    return check_integer(
        answer, expected, name=name, mistakes=hints.items(),
        hint="List weight_ih_l0, weight_hh_l0, bias_ih_l0 and bias_hh_l0 with their shapes, then "
             "add up the entries.",
        praise="Three gate blocks (r, z, n), each with an input matrix, a recurrent matrix and two "
               "bias vectors.")


# ----------------------------------------------------------------------------
# Exercise: one GRU step in the torch convention
# ----------------------------------------------------------------------------


def _step_cases() -> List[Tuple[np.ndarray, ...]]:
    """Hidden inputs: weights large enough that every slip changes the output."""
    rng = np.random.default_rng(20240606)
    cases = []
    for N, D, H in ((3, 4, 5), (2, 3, 3)):
        x = rng.standard_normal((N, D))  # (N, D)
        prev_h = np.tanh(2 * rng.standard_normal((N, H)))  # (N, H)
        Wx = rng.standard_normal((D, 3 * H))  # (D, 3H)
        Wh = rng.standard_normal((H, 3 * H))  # (H, 3H)
        bx = rng.standard_normal(3 * H)  # (3H,)
        bh = rng.standard_normal(3 * H) + 0.5  # (3H,), bh_n clearly nonzero
        cases.append((x, prev_h, Wx, Wh, bx, bh))
    return cases


def _gru_slip(x, prev_h, Wx, Wh, bx, bh, order="rzn", reset="after", z_old=True, use_bx=True,
              use_bh=True, r_on="h", act=np.tanh, use_r=True, use_z=True):
    """One GRU step with chosen mistakes (the defaults give torch.nn.GRU).

    - order: the gates the learner takes the three column blocks for, e.g. "rnz"
    - reset: "after" (r * (h Wh_n + bh_n)) or "before" ((r * h) Wh_n + bh_n)
    - r_on: what the reset gate scales: "h" (right), "x" (x Wx_n + bx_n
      instead), "both" (the whole sum) or "h_no_bias" (h Wh_n, with bh_n outside)
    - use_bx, use_bh: False drops that bias vector
    - act: the candidate's activation; use_r, use_z: False ignores that gate
    """
    H = Wh.shape[0]
    bx = bx if use_bx else np.zeros_like(bx)
    bh = bh if use_bh else np.zeros_like(bh)
    ax = x @ Wx + bx  # (N, 3H)
    ah = prev_h @ Wh + bh  # (N, 3H)
    col = {gate: slice(k * H, (k + 1) * H) for k, gate in enumerate(order)}
    r = sigmoid(ax[:, col["r"]] + ah[:, col["r"]]) if use_r else 1.0  # (N, H)
    z = sigmoid(ax[:, col["z"]] + ah[:, col["z"]])  # (N, H)
    xn, hn, n_cols = ax[:, col["n"]], ah[:, col["n"]], col["n"]  # (N, H) each
    if reset == "before":
        a_n = xn + (r * prev_h) @ Wh[:, n_cols] + bh[n_cols]
    elif r_on == "x":
        a_n = r * xn + hn
    elif r_on == "both":
        a_n = r * (xn + hn)
    elif r_on == "h_no_bias":
        a_n = xn + r * (prev_h @ Wh[:, n_cols]) + bh[n_cols]
    else:
        a_n = xn + r * hn
    n = act(a_n)
    if not use_z:
        return n
    return z * prev_h + (1 - z) * n if z_old else (1 - z) * prev_h + z * n


def _order_message(order: str) -> str:
    """Name the blocks that a learner reading the gates in ``order`` misplaced."""
    cols = ("[0, H)", "[H, 2H)", "[2H, 3H)")
    parts = [f"columns {cols[k]} as the {_GATE_NAMES[gate]}"
             for k, gate in enumerate(order) if gate != "rzn"[k]]
    return ("The gate blocks are read in the wrong order (" + ", ".join(order) + "): your code "
            "takes " + " and ".join(parts) + ". PyTorch stacks them as r, z, n: columns [0, H) "
            "are the reset gate, [H, 2H) the update gate, [2H, 3H) the candidate.")


def _step_slips() -> List[Tuple[Dict[str, Any], str]]:
    """Typical wrong versions of a torch-convention GRU step: (kwargs of _gru_slip, diagnosis)."""
    slips = [
        (dict(reset="before"), (
            "The reset gate is applied before the matrix product, tanh(... + (r * h) Wh_n + bh_n): "
            "that is the GRU of Cho et al. (2014). torch.nn.GRU multiplies r with the finished "
            "product and its bias, r * (h Wh_n + bh_n)."
        )),
        (dict(z_old=False), (
            "z and 1 - z are swapped. In torch.nn.GRU (and in Cho et al. 2014) z keeps the old "
            "state: h = z * h_prev + (1 - z) * n."
        )),
        (dict(reset="before", z_old=False), (
            "Two differences from torch.nn.GRU: the reset gate acts before the product (apply it to "
            "h Wh_n + bh_n instead) and z and 1 - z are swapped (z should weigh the old state)."
        )),
        (dict(r_on="h_no_bias"), (
            "bh_n is added outside the reset product. In torch.nn.GRU the reset gate multiplies "
            "h Wh_n + bh_n, bias included."
        )),
        (dict(r_on="x"), (
            "The reset gate scales the input part x Wx_n + bx_n. It belongs to the recurrent part: "
            "n = tanh(x Wx_n + bx_n + r * (h Wh_n + bh_n)), so that r decides how much of the old "
            "state enters the candidate."
        )),
        (dict(r_on="both"), (
            "The reset gate scales the whole sum, input part included. Only the recurrent part is "
            "reset: n = tanh(x Wx_n + bx_n + r * (h Wh_n + bh_n))."
        )),
        (dict(use_bx=False), "The input bias bx is missing: it adds to all three blocks."),
        (dict(use_bh=False), (
            "The recurrent bias bh is missing: it adds to all three blocks, and its candidate block "
            "bh_n sits inside the reset product."
        )),
        (dict(use_bx=False, use_bh=False), "Both bias vectors, bx and bh, are missing."),
        (dict(act=lambda a: a), "The tanh of the candidate n is missing."),
        (dict(act=sigmoid), "The candidate n uses tanh; the sigmoid belongs to the gates r and z."),
        (dict(use_r=False), "The reset gate is not used: the candidate must see r * (h Wh_n + bh_n)."),
        (dict(use_z=False), "The update gate is not used: h = z * h_prev + (1 - z) * n, not n alone."),
    ]
    for order in itertools.permutations("rzn"):
        if order != tuple("rzn"):
            slips.append((dict(order="".join(order)), _order_message("".join(order))))
    return slips


def check_ch06_gru_step(fn: Any) -> CheckResult:
    """
    Check a learner's GRU step in the torch.nn.GRU convention on hidden inputs.

    The function must compute, for a batch, r and z (sigmoid), the candidate
    n = tanh(x Wx_n + bx_n + r * (h Wh_n + bh_n)) and h = z * h + (1 - z) * n,
    with gate blocks r, z, n in the columns of Wx (D, 3H) and Wh (H, 3H).

    Inputs:
    - fn: Callable fn(x, prev_h, Wx, Wh, bx, bh) -> next_h with x (N, D), prev_h
      (N, H), Wx (D, 3H), Wh (H, 3H), bx and bh (3H,), next_h (N, H); a tuple
      (next_h, cache) is accepted too. None means not yet solved.

    Returns:
    - result: CheckResult. Recognises the reset gate applied before the product
      (Cho et al.'s variant), z and 1 - z swapped, both at once, bh_n outside
      the reset, the reset gate scaling the input part (or the whole sum), a
      dropped bx, bh or both, every wrong order of the gate blocks (named), a
      missing tanh, a sigmoid candidate, an unused reset or update gate, and
      inputs modified in place.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for case in _step_cases():
        expected = gru_step_variant(*case)  # (N, H), reset after, z keeps the old state
        out, failure = call_on_copies(fn, case, ("x", "prev_h", "Wx", "Wh", "bx", "bh"),
                                      "return next_h", shapes="x is (N, D), Wx is (D, 3H), Wh is (H, 3H)")
        if failure is not None:
            return failure
        if isinstance(out, tuple) and len(out) >= 1:
            out = out[0]
        result = check_array(out, expected, name="next_h", atol=_ATOL, rtol=_RTOL, mistakes=lambda: [
            (_gru_slip(*case, **kwargs), message) for kwargs, message in _step_slips()])
        if not result.passed:
            return result
    return CheckResult.correct("Your step matches torch.nn.GRU's equations on the hidden test inputs.")


# ----------------------------------------------------------------------------
# Exercise: from the z-weighs-the-candidate convention to torch's
# ----------------------------------------------------------------------------


def ch06_new_convention_params() -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """
    Parameters of a colleague's GRU written as h = (1 - z) h_prev + z n.

    Everything else is as in torch.nn.GRU (reset after the product, blocks r,
    z, n, the course's layout): D = 3, H = 4. Deterministic.

    Returns a tuple of float64 arrays:
    - Wx: (D, 3H) = (3, 12); Wh: (H, 3H) = (4, 12); bx, bh: (3H,) = (12,)
    """
    rng = np.random.default_rng(20240607)
    D, H = 3, 4
    return (
        0.8 * rng.standard_normal((D, 3 * H)),
        0.8 * rng.standard_normal((H, 3 * H)),
        0.5 * rng.standard_normal(3 * H) + 0.3,
        0.5 * rng.standard_normal(3 * H) - 0.2,
    )


def _as_param_tuple(answer: Any) -> Tuple[Optional[List[np.ndarray]], Optional[CheckResult]]:
    if answer is None or answer is Ellipsis:
        return None, CheckResult.unsolved(
            message="`params` is still `None`. Replace it with a tuple (Wx, Wh, bx, bh).")
    if isinstance(answer, (str, bytes, dict)) or not isinstance(answer, (tuple, list)):
        return None, CheckResult.wrong(
            f"`params` should be a tuple (Wx, Wh, bx, bh) of four arrays, not a {type(answer).__name__}."
        )
    if len(answer) != 4:
        return None, CheckResult.wrong(
            f"`params` should hold four arrays (Wx, Wh, bx, bh); it holds {len(answer)}.")
    arrays = []
    for name, item in zip(("Wx", "Wh", "bx", "bh"), answer):
        a, failure = read_array(item, name)
        if failure is not None:
            return None, failure
        arrays.append(a)
    return arrays, None


def check_ch06_flip_convention(answer: Any) -> CheckResult:
    """
    Check parameters that make torch.nn.GRU compute the colleague's GRU.

    The colleague's GRU (:func:`ch06_new_convention_params`) uses h = (1 - z)
    h_prev + z n; the answer must be parameters (Wx, Wh, bx, bh) in the same
    layout with which the torch convention, h = z h_prev + (1 - z) n, gives the
    same outputs on hidden inputs.

    Inputs:
    - answer: A tuple (Wx, Wh, bx, bh) of arrays (or tensors), or None

    Returns:
    - result: CheckResult. Diagnoses: unchanged parameters, the whole matrices
      negated instead of the z block, weights flipped but not the biases (or
      only one bias), the z block of only some of Wx, Wh, bx, bh negated
      (e.g. only the recurrent Wh and bh, named), the n block negated instead
      of z, 1 - W instead of -W, wrong shapes.
    """
    params = ch06_new_convention_params()
    arrays, failure = _as_param_tuple(answer)
    if failure is not None:
        return failure
    for name, a, want in zip(("Wx", "Wh", "bx", "bh"), arrays, params):
        if a.shape != want.shape:
            return CheckResult.wrong(
                f"`{name}` has shape {tuple(a.shape)}, but shape {tuple(want.shape)} is expected: "
                "only signs change, never shapes."
            )
        if not np.all(np.isfinite(a)):
            return CheckResult.wrong(f"`{name}` contains NaN or infinite entries.")
    H = params[1].shape[0]
    rng = np.random.default_rng(20240608)
    x = rng.standard_normal((6, params[0].shape[0]))  # (N, D)
    h = np.tanh(rng.standard_normal((6, H)))  # (N, H)
    target = gru_step_variant(x, h, *params, z_weighs="new")  # (N, H)
    got = gru_step_variant(x, h, *arrays, z_weighs="old")
    atol, rtol = tolerances(answer, 1e-10, 1e-8)
    p_atol, p_rtol = tolerances(answer, 1e-12, 1e-10)  # for comparing parameters
    if same(got, target, atol=atol, rtol=rtol):
        return CheckResult.correct(
            "With these parameters torch.nn.GRU computes exactly your colleague's GRU.")

    def negate(block: slice, which=(0, 1, 2, 3)):
        out = [p.copy() for p in params]
        for i in which:
            out[i][..., block] *= -1
        return out

    z_block, n_block = slice(H, 2 * H), slice(2 * H, 3 * H)
    slips = [
        ([p.copy() for p in params], (
            "These are the colleague's parameters unchanged. In their convention z weighs the "
            "candidate, in torch's it weighs the old state: the update gate must become 1 - z."
        )),
        ([-p for p in params], (
            "You negated every block. Only the update gate's block (columns H to 2H, entries H to 2H "
            "of the biases) should change: the reset gate and the candidate stay as they are."
        )),
        (negate(z_block, (0, 1)), (
            "The weights of the z block are negated but not its biases. 1 - sigma(a) = sigma(-a) needs "
            "the whole pre-activation negated, biases included."
        )),
        (negate(z_block, (0, 1, 2)), (
            "bh's z block is not negated. Both bias vectors add to the update gate's pre-activation."
        )),
        (negate(z_block, (0, 1, 3)), (
            "bx's z block is not negated. Both bias vectors add to the update gate's pre-activation."
        )),
        (negate(n_block),
         "You negated the candidate's block (columns 2H to 3H); the update gate is the middle one."),
        (negate(slice(0, H)),
         "You negated the reset gate's block (the first H columns); the update gate is the middle one."),
    ]
    # any other part of the four arrays negated in the z block, the rest left alone
    names = ("Wx", "Wh", "bx", "bh")
    for size in (1, 2, 3):
        for which in itertools.combinations(range(4), size):
            if which in ((0, 1), (0, 1, 2), (0, 1, 3)):
                continue
            done = join_names([names[i] for i in which])
            left = join_names([names[i] for i in range(4) if i not in which])
            slips.append((negate(z_block, which), (
                f"Only the z block of {done} is negated, not that of {left}. All four add to the "
                "update gate's pre-activation a, and 1 - sigma(a) = sigma(-a) needs all of a "
                "negated: the z block of Wx, Wh, bx and bh."
            )))
    one_minus = [p.copy() for p in params]
    for p in one_minus:
        p[..., z_block] = 1 - p[..., z_block]
    slips.append((one_minus, (
        "1 - W is not the way: the gate is a sigmoid of a weighted sum, and 1 - sigma(a) = sigma(-a). "
        "Negate the z block's weights and biases."
    )))
    for candidate, message in slips:
        if all(same(a, c, atol=p_atol, rtol=p_rtol) for a, c in zip(arrays, candidate)):
            return CheckResult.wrong(message)
    for name, a, want in zip(("Wx", "Wh", "bx", "bh"), arrays, params):
        for block, label in ((slice(0, H), "r"), (n_block, "n")):
            if not same(a[..., block], want[..., block], atol=p_atol, rtol=p_rtol):
                return CheckResult.wrong(
                    f"The {label} block of `{name}` has changed. Only the update gate's block "
                    "(columns or entries H to 2H) needs new values."
                )
    return CheckResult.wrong(
        "With these parameters torch.nn.GRU does not compute your colleague's GRU. Use "
        "1 - sigma(a) = sigma(-a) on the update gate's pre-activation."
    )
