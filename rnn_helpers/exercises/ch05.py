"""Exercise checkers for chapter 5, *Long short-term memory (LSTM)*.

Every checker computes the expected answer itself (from hidden test inputs
or from :func:`ch05_backward_case`) and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` that says *which gate* or *which
term* is wrong (blocks read in another library's order, a sigmoid where the
tanh belongs, the missing path through h_t, TensorFlow 1's run-time forget
bias ...) without printing the solution; an answer that is still ``None`` is
"not yet solved".

=========================================  ==========================================
check_ch05_lstm_step(fn)                    one LSTM step forward, gate order i, f, g, o
check_ch05_dprev_c(answer)                  dL/dc_{t-1} from the case of ch05_backward_case()
check_ch05_tf1_to_torch(fn)                 TensorFlow 1 LSTMCell weights -> torch.nn.LSTM's
check_ch05_param_count(answer, D, H)        number of parameters of torch.nn.LSTM(D, H)
=========================================  ==========================================

The module is longer than about 400 lines because the LSTM step has many
ways to go wrong that deserve their own message: every one of the 23 wrong
gate orders, a sigmoid/tanh mix-up per gate, the 1997 cell, a coupled input
gate, and a probe that moves one gate's bias at a time to name the block
that responds wrongly.
"""

from __future__ import annotations

import itertools
from typing import Dict

import numpy as np

from rnn_helpers.argcheck import check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_array, call_on_copies, call_safely, check_array, check_integer,
    no_function, same, tolerances,
)
from rnn_helpers.numpy_rnn.activations import sigmoid
from rnn_helpers.numpy_rnn.layout import GATE_NAMES, GATE_ORDERS, GATES

__all__ = [
    "ch05_backward_case",
    "check_ch05_lstm_step",
    "check_ch05_dprev_c",
    "check_ch05_tf1_to_torch",
    "check_ch05_param_count",
]

_ATOL, _RTOL = 1e-10, 1e-8  # for a float64 answer; see feedback.tolerances for float32
_SHAPES = "x is (N, D) and Wx is (D, 4H), prev_h is (N, H) and Wh is (H, 4H)"


def _block(k: int) -> str:
    """'columns H:2H' style name of gate block k."""
    lo = "0" if k == 0 else ("H" if k == 1 else f"{k}H")
    hi = "H" if k == 0 else f"{k + 1}H"
    return f"{lo}:{hi}"


# ----------------------------------------------------------------------------
# 1. one LSTM step forward
# ----------------------------------------------------------------------------


def _step_cases():
    """Hidden inputs: (x, prev_h, prev_c, Wx, Wh, b), N = 3, D = 4, H = 5, and a second size."""
    rng = np.random.default_rng(1997)
    cases = []
    for N, D, H in ((3, 4, 5), (2, 3, 2)):
        x = rng.standard_normal((N, D))
        prev_h = rng.uniform(-0.9, 0.9, (N, H))
        prev_c = rng.standard_normal((N, H))
        Wx = rng.standard_normal((D, 4 * H)) / np.sqrt(D)
        Wh = rng.standard_normal((H, 4 * H)) / np.sqrt(H)
        b = 0.5 * rng.standard_normal(4 * H)
        cases.append((x, prev_h, prev_c, Wx, Wh, b))
    return cases


_ACT = {"sigmoid": sigmoid, "tanh": np.tanh}


def _lstm_variant(x, prev_h, prev_c, Wx, Wh, b, order=GATES, acts=None, cell="ok", out="ok",
                  bias=True):
    """The LSTM step with a chosen mistake.

    - bias: False drops b from the pre-activation.
    - order: the gate the learner takes each column block for.
    - acts: {gate: "sigmoid" or "tanh"} overrides.
    - cell: "ok", "no_forget", "no_input", "coupled".
    - out: "ok", "no_tanh", "prev_c", "tanh_outside".
    """
    H = Wh.shape[0]
    a = x @ Wx + prev_h @ Wh + (b if bias else 0.0)  # (N, 4H)
    pre = {gate: a[:, k * H:(k + 1) * H] for k, gate in enumerate(order)}
    act = {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"}
    act.update(acts or {})
    v = {gate: _ACT[act[gate]](pre[gate]) for gate in GATES}
    i, f, g, o = v["i"], v["f"], v["g"], v["o"]
    if cell == "no_forget":
        c = prev_c + i * g
    elif cell == "no_input":
        c = f * prev_c + g
    elif cell == "coupled":
        c = f * prev_c + (1 - f) * g
    else:
        c = f * prev_c + i * g
    if out == "no_tanh":
        h = o * c
    elif out == "prev_c":
        h = o * np.tanh(prev_c)
    elif out == "tanh_outside":
        h = np.tanh(o * c)
    else:
        h = o * np.tanh(c)
    return h, c


def _order_message(order) -> str:
    order = tuple(order)
    if order == GATE_ORDERS["tf1"]:
        return ("You read the column blocks in TensorFlow 1's order i, j, f, o (j is the "
                "candidate g). This course and PyTorch use i, f, g, o: columns H:2H are the "
                "forget gate and 2H:3H the candidate g.")
    if order == GATE_ORDERS["onnx"]:
        return ("You read the column blocks in ONNX's order i, o, f, c. This course and "
                "PyTorch use i, f, g, o.")
    wrong = [k for k in range(4) if order[k] != GATES[k]]
    if len(wrong) == 2:
        a, b = (GATES[k] for k in wrong)
        return (f"The blocks of the {GATE_NAMES[a]} and the {GATE_NAMES[b]} are swapped: "
                f"columns {_block(wrong[0])} belong to {a} and {_block(wrong[1])} to {b} "
                "(order i, f, g, o).")
    parts = [f"columns {_block(k)} as {order[k]} (they are {GATES[k]})" for k in wrong]
    return ("The gate order is mixed up: your code reads " + "; ".join(parts)
            + ". The order is i, f, g, o, as in torch.nn.LSTM.")


def _step_variants():
    """(kwargs of _lstm_variant, message) for the mistakes the checker recognises."""
    out = []
    names = {"i": "input gate i", "f": "forget gate f", "o": "output gate o"}
    out.append((dict(bias=False),
                "The bias b is missing: the pre-activation of all four blocks is "
                "a = x @ Wx + prev_h @ Wh + b."))
    out.append((dict(acts={"g": "sigmoid"}),
                "The candidate g uses a sigmoid. It is the value written into the cell and must "
                "be able to be negative: g = tanh(a_g), columns 2H:3H."))
    for gate in ("i", "f", "o"):
        out.append((dict(acts={gate: "tanh"}),
                    f"The {names[gate]} uses tanh. A gate is a sigmoid, a number between 0 and "
                    f"1 that scales what passes; only the candidate g uses tanh."))
    out.append((dict(acts={"i": "tanh", "f": "tanh", "o": "tanh", "g": "sigmoid"}),
                "The activations are swapped: the gates i, f, o use a sigmoid and the candidate g "
                "a tanh."))
    out.append((dict(cell="no_forget"),
                "next_c ignores the forget gate: c_t = c_{t-1} + i ⊙ g is the original 1997 LSTM "
                "(a constant error carousel of weight 1). The forget gate of Gers et al. (2000) "
                "scales the old cell: c_t = f ⊙ c_{t-1} + i ⊙ g."))
    out.append((dict(cell="no_input"),
                "next_c adds the candidate g without the input gate: it should be f ⊙ c_{t-1} + "
                "i ⊙ g."))
    out.append((dict(cell="coupled"),
                "You coupled the input gate to the forget gate, (1 − f) ⊙ g. That is a real "
                "variant (CIFG), but torch.nn.LSTM has a separate input gate: use i ⊙ g."))
    out.append((dict(out="no_tanh"),
                "next_c is right, but next_h = o ⊙ c misses the tanh: h_t = o ⊙ tanh(c_t)."))
    out.append((dict(out="prev_c"),
                "next_h uses the old cell state. h_t = o ⊙ tanh(c_t) uses the new one, next_c."))
    out.append((dict(out="tanh_outside"),
                "next_h applies tanh after the output gate; the gate scales tanh(c_t): "
                "h_t = o ⊙ tanh(c_t)."))
    for order in itertools.permutations(GATES):
        if order != GATES:
            out.append((dict(order=order), _order_message(order)))
    return out


def _probe(fn, case, k: int, delta: float = 0.7):
    """Change of (learner, reference) outputs when the bias of block k moves by delta."""
    x, prev_h, prev_c, Wx, Wh, b = case
    H = Wh.shape[0]
    b2 = b.copy()
    b2[k * H:(k + 1) * H] += delta
    ref0, ref1 = _lstm_variant(*case), _lstm_variant(x, prev_h, prev_c, Wx, Wh, b2)
    got0, bad0 = call_safely(fn, *(a.copy() for a in case))
    got1, bad1 = call_safely(fn, x.copy(), prev_h.copy(), prev_c.copy(), Wx.copy(), Wh.copy(), b2)
    if bad0 is not None or bad1 is not None:
        return None
    try:
        g0 = [as_array(v) for v in got0]
        g1 = [as_array(v) for v in got1]
        return [g1[j] - g0[j] for j in range(2)], [ref1[j] - ref0[j] for j in range(2)]
    except (TypeError, IndexError):
        return None


def check_ch05_lstm_step(fn) -> CheckResult:
    """
    Check a learner's LSTM step ``fn(x, prev_h, prev_c, Wx, Wh, b) -> (next_h, next_c)``.

    The gate blocks of the 4H columns are i, f, g, o (PyTorch's order);
    x (N, D), prev_h and prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,).

    Inputs:
    - fn: the learner's function, or None (not yet solved).

    Returns:
    - result: CheckResult. Recognises every other gate order (naming
      TensorFlow 1's and ONNX's), a swapped pair of gates, a sigmoid/tanh
      mix-up per gate, the missing forget gate (the 1997 cell), the missing
      input gate, a coupled input gate, h without tanh or from the old cell,
      outputs returned as (next_c, next_h), a dropped bias b, wrong shapes,
      inputs modified in place; otherwise it probes each gate block and names
      the one whose effect on the outputs is wrong. A float32 answer passes at
      float32 precision, like everywhere in the course.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for case in _step_cases():
        x, prev_h, prev_c, Wx, Wh, b = case
        N, H = prev_h.shape
        out, failure = call_on_copies(fn, case, ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
                                      "return next_h, next_c", shapes=_SHAPES)
        if failure is not None:
            return failure
        if isinstance(out, (tuple, list)) and len(out) > 0 and all(v is None for v in out):
            return CheckResult.unsolved(
                message="Your function returned only None values: compute next_h and next_c.")
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            arr = as_array(out)
            shape = None if arr is None else arr.shape
            return CheckResult.wrong(
                f"Return two arrays, `next_h, next_c` (a tuple); got a "
                f"{type(out).__name__}{'' if shape is None else f' of shape {shape}'}.")
        atol, rtol = tolerances(out, _ATOL, _RTOL)

        def close(a, b):
            return same(a, b, atol=atol, rtol=rtol)

        h, c = (as_array(v) for v in out)
        for name, v in (("next_h", h), ("next_c", c)):
            if v is None:
                return CheckResult.wrong(f"`{name}` is not an array of numbers.")
            if v.shape != (N, H):
                msg = f"`{name}` has shape {v.shape}; (N, H) = ({N}, {H}) is expected."
                if v.shape == (N, 4 * H):
                    msg += " That is the width of all four gates: cut a into blocks of H columns."
                return CheckResult.wrong(msg)
            if not np.all(np.isfinite(v)):
                return CheckResult.wrong(f"`{name}` contains NaN or infinite values.")
        ref_h, ref_c = _lstm_variant(*case)
        if close(h, ref_h) and close(c, ref_c):
            continue
        if close(h, ref_c) and close(c, ref_h):
            return CheckResult.wrong("The values are right but returned in the wrong order: return "
                                     "`next_h, next_c` (hidden state first, as the signature says).")
        for kwargs, message in _step_variants():
            vh, vc = _lstm_variant(*case, **kwargs)
            if close(h, vh) and close(c, vc):
                return CheckResult.wrong(message)
        # not a known mistake: probe the gates one block at a time
        c_ok, h_ok = close(c, ref_c), close(h, ref_h)
        if c_ok and not h_ok:
            probe = _probe(fn, case, 3)
            if probe is not None and not close(probe[0][0], probe[1][0]):
                return CheckResult.wrong("next_c is right, so i, f and g are right; next_h is not, and it "
                                         "reacts wrongly to the output-gate columns 3H:4H. Check "
                                         "o = sigmoid(a[:, 3H:4H]) and next_h = o ⊙ tanh(next_c).")
            return CheckResult.wrong("next_c is right, but next_h is not: it should be "
                                     "o ⊙ tanh(next_c) with o = sigmoid(a[:, 3H:4H]).")
        suspects = []
        for k, gate in enumerate(GATES[:3]):
            probe = _probe(fn, case, k)
            if probe is None:
                break
            if not close(probe[0][1], probe[1][1]):
                suspects.append(f"{GATE_NAMES[gate]} (columns {_block(k)})")
        msg = "next_c is not right."
        if suspects:
            msg += (" Moving the bias of one gate at a time, your next_c responds wrongly to: "
                    + ", ".join(suspects) + ". Check those gates and c_t = f ⊙ c_{t-1} + i ⊙ g.")
        else:
            msg += " Check a = x @ Wx + prev_h @ Wh + b and c_t = f ⊙ c_{t-1} + i ⊙ g."
        return CheckResult.wrong(msg)
    return CheckResult.correct("Both next_h and next_c match an LSTM with gate order i, f, g, o on the "
                               "hidden test inputs.")


# ----------------------------------------------------------------------------
# 2. the gradient reaching c_{t-1}
# ----------------------------------------------------------------------------


def ch05_backward_case() -> Dict[str, np.ndarray]:
    """The arrays of the dc_{t-1} exercise (always the same numbers).

    Returns:
    - dict with "dnext_h", "dnext_c" (upstream gradients of h_t and c_t from
      later steps), the gates "i", "f", "g", "o", and "prev_c", "next_c";
      each of shape (2, 3).
    """
    rng = np.random.default_rng(2000)
    N, H = 2, 3
    a = rng.standard_normal((N, 4 * H))
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H] + 1.0), sigmoid(a[:, 3 * H:])
    g = np.tanh(a[:, 2 * H:3 * H])
    prev_c = rng.standard_normal((N, H))
    next_c = f * prev_c + i * g
    return {"dnext_h": rng.standard_normal((N, H)), "dnext_c": rng.standard_normal((N, H)),
            "i": i, "f": f, "g": g, "o": o, "prev_c": prev_c, "next_c": next_c}


def check_ch05_dprev_c(answer) -> CheckResult:
    """
    Check dL/dc_{t-1} for the arrays of :func:`ch05_backward_case`.

    Inputs:
    - answer: array (2, 3), or None.

    Returns:
    - result: CheckResult. Recognises the missing path through h_t, a
      missing factor f, f applied to only one of the two paths, 1 − c² in
      place of 1 − tanh²(c), tanh(c) in place of its derivative, a missing o,
      i in place of f, f (1 − f) in place of f, and a flipped sign.
    """
    C = ch05_backward_case()
    dh, dc, f, o, i, c = C["dnext_h"], C["dnext_c"], C["f"], C["o"], C["i"], C["next_c"]
    tc = np.tanh(c)
    through_h = dh * o * (1 - tc ** 2)
    expected = (dc + through_h) * f
    hints = [
        (dc * f, "Only the carousel term is there; the path through h_t is missing. c_t also "
                 "feeds h_t = o_t ⊙ tanh(c_t), so the gradient of c_t is "
                 "dnext_c + dnext_h ⊙ o_t ⊙ (1 − tanh²(c_t)), and that whole sum is "
                 "multiplied by f_t."),
        (dc + through_h, "That is the total gradient of c_t. One step further back, "
                         "c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t gives ∂c_t/∂c_{t-1} = f_t: multiply "
                         "by f."),
        (dc * f + through_h, "f_t must multiply the whole gradient of c_t, including the part "
                             "that arrives through h_t."),
        (dc + through_h * f, "f_t must multiply the whole gradient of c_t, including dnext_c."),
        ((dc + dh * o * (1 - c ** 2)) * f, "tanh'(c) is 1 − tanh(c)², not 1 − c²: use "
                                           "np.tanh(next_c)."),
        ((dc + dh * o * tc) * f, "The path through h_t needs the derivative of tanh, "
                                 "1 − tanh²(c_t), not tanh(c_t) itself."),
        ((dc + dh * (1 - tc ** 2)) * f, "The output gate is missing: h_t = o_t ⊙ tanh(c_t), so "
                                        "∂h_t/∂c_t = o_t ⊙ (1 − tanh²(c_t))."),
        ((dc + through_h) * i, "∂c_t/∂c_{t-1} is the forget gate f_t, not the input gate."),
        ((dc + through_h) * f * (1 - f), "Multiply by f_t itself. f_t (1 − f_t) is the sigmoid's "
                                         "derivative, which belongs to the gradient of the forget "
                                         "gate's pre-activation, not to the path c_t → c_{t-1}."),
        (dc * f + dh * f, "The path through h_t needs the factors o_t ⊙ (1 − tanh²(c_t))."),
    ]
    return check_array(answer, expected, name="dprev_c", atol=_ATOL, rtol=_RTOL, mistakes=hints,
                       praise="That is dL/dc_{t-1} = (dnext_c + dnext_h ⊙ o ⊙ (1 − tanh²(c_t))) "
                              "⊙ f_t.")


# ----------------------------------------------------------------------------
# 3. TensorFlow 1 -> PyTorch
# ----------------------------------------------------------------------------


def _tf1_case():
    """Hidden TF1 variables: kernel (D + H, 4H), bias (4H,), D = 3, H = 2, forget_bias 1."""
    rng = np.random.default_rng(2015)
    D, H = 3, 2
    kernel = np.round(rng.standard_normal((D + H, 4 * H)), 3)
    bias = np.round(0.1 * rng.standard_normal(4 * H), 3)
    return kernel, bias, D, 1.0


def _match_blocks(W: np.ndarray, ref_blocks, atol: float, rtol: float) -> list:
    """For each of the 4 row blocks of W (4H, n), the index of the equal reference block or None."""
    H = W.shape[0] // 4
    found = []
    for k in range(4):
        blk = W[k * H:(k + 1) * H]
        found.append(next((j for j, r in enumerate(ref_blocks) if same(blk, r, atol=atol, rtol=rtol)),
                          None))
    return found


_TF1 = ("i", "j", "f", "o")  # TF1's names of its blocks
_TORCH = ("i", "f", "g", "o")


def _mapping_message(name: str, found: list) -> str:
    """Explain which TF1 block sits in which PyTorch block."""
    want = (0, 2, 1, 3)  # PyTorch block k holds TF1 block want[k]
    if found == [0, 1, 2, 3]:
        return (f"`{name}` keeps TensorFlow 1's block order i, j, f, o. PyTorch's is i, f, g, o "
                "(g is TF1's j): swap the two middle blocks.")
    parts = []
    for k, j in enumerate(found):
        if j != want[k]:
            have = "no TF1 block" if j is None else f"TF1's {_TF1[j]}"
            parts.append(f"rows {_block(k)} (PyTorch's {_TORCH[k]}) hold {have}")
    return (f"The gate blocks of `{name}` are in the wrong places: " + "; ".join(parts)
            + ". TF1's order is i, j, f, o; PyTorch's is i, f, g, o with g = j.")


def check_ch05_tf1_to_torch(fn) -> CheckResult:
    """
    Check ``fn(kernel, bias, input_size, forget_bias) -> (weight_ih, weight_hh, bias_ih)``.

    ``kernel`` (D + H, 4H) and ``bias`` (4H,) are a TensorFlow 1 ``LSTMCell``'s
    variables (blocks i, j, f, o; rows [x; h]; ``forget_bias`` added at run
    time). The result must load into ``torch.nn.LSTM(D, H)`` as
    ``weight_ih_l0`` (4H, D), ``weight_hh_l0`` (4H, H) and ``bias_ih_l0`` (4H,)
    with ``bias_hh_l0 = 0`` (a 4-tuple with ``bias_hh`` is also accepted:
    the biases are summed).

    Returns:
    - result: CheckResult. Recognises untransposed weights, the x and h rows
      swapped, the TF1 block order kept, any other misplaced block (named),
      the missing run-time forget bias, the forget bias added to the
      wrong block, forget_bias in both bias_ih and bias_hh (torch sums them,
      so the forget gate sees it twice), and the whole bias in both vectors.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    kernel, bias, D, fb = _tf1_case()
    H = kernel.shape[1] // 4
    out, failure = call_on_copies(fn, (kernel, bias, D, fb), ("kernel", "bias", "input_size", "forget_bias"),
                                  "return weight_ih, weight_hh, bias_ih")
    if failure is not None:
        return failure
    if isinstance(out, (tuple, list)) and len(out) > 0 and all(v is None for v in out):
        return CheckResult.unsolved(message="Your function returned only None values: compute "
                                            "weight_ih, weight_hh and bias_ih.")
    if not isinstance(out, (tuple, list)) or len(out) not in (3, 4):
        return CheckResult.wrong("Return a tuple `(weight_ih, weight_hh, bias_ih)` (or with `bias_hh` "
                                 "as a fourth entry).")
    atol, rtol = tolerances(out, _ATOL, _RTOL)

    def close(a, b):
        return same(a, b, atol=atol, rtol=rtol)

    arrays = [as_array(v) for v in out]
    if any(v is None for v in arrays):
        return CheckResult.wrong("Every entry of the returned tuple should be an array of numbers.")
    w_ih, w_hh, b = arrays[0], arrays[1], arrays[2]
    b_parts = None
    if len(arrays) == 4:
        if arrays[3].shape != b.shape:
            return CheckResult.wrong(
                f"`bias_hh` has shape {arrays[3].shape}, `bias_ih` {b.shape}; both are (4H,).")
        b_parts = (b, arrays[3])
        b = b + arrays[3]
    # shapes
    want = {"weight_ih": (4 * H, D), "weight_hh": (4 * H, H), "bias": (4 * H,)}
    got = {"weight_ih": w_ih.shape, "weight_hh": w_hh.shape, "bias": b.shape}
    if got["weight_ih"] == (D, 4 * H) or got["weight_hh"] == (H, 4 * H):
        return CheckResult.wrong(
            "The weights are not transposed. TensorFlow computes [x, h] @ kernel with "
            "kernel (D + H, 4H); torch.nn.LSTM stores weight_ih_l0 as (4H, D) and "
            "weight_hh_l0 as (4H, H) and computes x @ W.T.")
    if got["weight_ih"] == (4 * H, H) and got["weight_hh"] == (4 * H, D):
        return CheckResult.wrong("weight_ih and weight_hh are swapped: the first D = input_size rows of "
                                 "the TF1 kernel multiply x, the last H rows multiply h.")
    for name in want:
        if got[name] != want[name]:
            return CheckResult.wrong(f"`{name}` has shape {got[name]}, but torch.nn.LSTM needs "
                                     f"{want[name]}: (4H, D) for weight_ih, (4H, H) for weight_hh.")
    tf_x = [kernel[:D, j * H:(j + 1) * H].T for j in range(4)]  # (H, D) each
    tf_h = [kernel[D:, j * H:(j + 1) * H].T for j in range(4)]  # (H, H) each
    for name, W, blocks in (("weight_ih", w_ih, tf_x), ("weight_hh", w_hh, tf_h)):
        found = _match_blocks(W, blocks, atol, rtol)
        if found != [0, 2, 1, 3]:
            if all(j is None for j in found):
                other = tf_h if name == "weight_ih" else tf_x
                if D == H or _match_blocks(W, other, atol, rtol) == [None] * 4:
                    return CheckResult.wrong(
                        f"No block of `{name}` matches a block of the TF1 kernel. Take "
                        "rows [:input_size] of the kernel for weight_ih and the rest for "
                        "weight_hh, transpose, and reorder the gate blocks.")
            return CheckResult.wrong(_mapping_message(name, found))
    tf_b = [bias[j * H:(j + 1) * H] for j in range(4)]
    ok = [tf_b[0], tf_b[2] + fb, tf_b[1], tf_b[3]]

    def block(v, k):
        return v[k * H:(k + 1) * H]

    if all(close(block(b, k), ok[k]) for k in range(4)):
        return CheckResult.correct(
            "The weights, the gate order and the run-time forget bias all carry over: "
            "torch.nn.LSTM with these parameters computes what the TF1 cell computed.")
    others_ok = all(close(block(b, k), ok[k]) for k in (0, 2, 3))
    if others_ok and close(block(b, 1), tf_b[2]):
        return CheckResult.wrong(
            "The weights are right, but the forget gate's bias is missing the TF1 cell's "
            "forget_bias. TF1 adds it at run time, sigmoid(f + forget_bias), so it is not "
            "in the stored bias; PyTorch has no such argument, so add it to the f block.")
    if others_ok and close(block(b, 1), tf_b[2] + 2 * fb):
        if b_parts is not None and all(np.all(block(part, 1) != 0) for part in b_parts):
            return CheckResult.wrong(
                "forget_bias is counted twice: you added it to the forget block of both bias_ih "
                "and bias_hh. torch.nn.LSTM adds the two vectors, so the forget gate sees "
                "forget_bias twice. Add it to one of them only.")
        return CheckResult.wrong("forget_bias is added twice to the forget block; once is enough.")
    if b_parts is not None and all(close(block(b, k), 2 * ok[k]) for k in range(4)):
        return CheckResult.wrong(
            "The bias is counted twice: bias_ih and bias_hh both hold it, and torch.nn.LSTM adds "
            "the two vectors. Put it in bias_ih and set bias_hh to zero.")
    for k in (0, 2, 3):
        if close(block(b, 1), tf_b[2]) and close(block(b, k), ok[k] + fb):
            return CheckResult.wrong(f"forget_bias was added to rows {_block(k)} (PyTorch's {_TORCH[k]}), "
                                     "but it belongs to the forget gate, rows H:2H.")
    tf_order = [np.concatenate([tf_b[0], tf_b[1], tf_b[2] + extra, tf_b[3]]) for extra in (0.0, fb)]
    tf_order.append(np.concatenate([tf_b[0], tf_b[1] + fb, tf_b[2], tf_b[3]]))
    if any(close(b, v) for v in tf_order):
        return CheckResult.wrong(
            "The weights are right, but `bias` keeps TensorFlow 1's block order i, j, f, o. "
            "Reorder it like the weights (i, f, g, o) and add forget_bias to the f block.")
    return CheckResult.wrong("The weights are right; the bias is not. Reorder it like the weights' "
                             "blocks and add forget_bias to the forget gate's block.")


# ----------------------------------------------------------------------------
# 4. parameter count
# ----------------------------------------------------------------------------


def check_ch05_param_count(answer, D: int, H: int) -> CheckResult:
    """
    Check the number of parameters of ``torch.nn.LSTM(D, H)`` (one layer).

    Inputs:
    - answer: integer, or None.
    - D, H: input and hidden sizes.

    Returns:
    - result: CheckResult. Recognises one bias vector instead of PyTorch's
      two, no biases, one block instead of four, three blocks (a GRU's
      count), and the weights of x and h counted with the same size.
    """
    D, H = check_int("D", D, minimum=1), check_int("H", H, minimum=1)
    expected = 4 * (D * H + H * H + 2 * H)
    hints = {
        4 * (D * H + H * H + H): ("You counted one bias vector per gate. torch.nn.LSTM keeps two, "
                                  "bias_ih_l0 and bias_hh_l0 (only their sum matters, but both are "
                                  "parameters)."),
        4 * (D * H + H * H): "The biases are missing: bias_ih_l0 and bias_hh_l0, 4H entries each.",
        D * H + H * H + 2 * H: ("That is one block. An LSTM has four: the gates i, f, o and the "
                                "candidate g, each with its own weights and biases."),
        3 * (D * H + H * H + 2 * H): ("That is a GRU's count (three blocks r, z, n). The LSTM has "
                                      "four blocks, i, f, g, o."),
        4 * (D * D + H * H + 2 * H): "weight_ih_l0 has 4H × D entries: H rows per gate, D columns.",
        4 * (2 * D * H + 2 * H): "weight_hh_l0 is 4H × H, so it contributes 4H² entries.",
    }
    return check_integer(answer, expected, name="n_params", mistakes=hints.items(),
                         praise="4 (DH + H² + 2H): four blocks, each with its input weights, recurrent "
                                "weights and two bias vectors.")
