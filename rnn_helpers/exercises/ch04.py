"""Exercise checkers for chapter 4, *Vanishing and exploding gradients*.

Every checker computes the expected answer itself and returns a
:class:`rnn_helpers.exercises.feedback.CheckResult` with a specific diagnosis (the
spectral radius used where the largest singular value belongs, the sigmoid's
1/4 forgotten, a transposed Jacobian, value clipping where norm clipping was
asked for ...) that never prints the solution, and "not yet solved" when the
answer is still ``None``.

======================================  =========================================
check_ch04_bound(answer, W_hh, act, k)   the bound (γ σ_max(W_hh))^k
check_ch04_step_jacobian(fn)             dh_k/dh_{k-1} = diag(tanh'(a_k)) W_hh, batched
check_ch04_clip_grad_norm(fn)            global norm clipping of a list of gradients
======================================  =========================================
"""

from __future__ import annotations

from typing import List

import numpy as np

from rnn_helpers import argcheck
from rnn_helpers.argcheck import check_int
from rnn_helpers.exercises.feedback import (
    CheckResult, as_array, call_on_copies, check_array, check_scalar, no_function, same, tolerances,
)
from rnn_helpers.numpy_rnn.activations import sigmoid
from rnn_helpers.gradient_flow.clipping import clip_grad_norm
from rnn_helpers.gradient_flow.elman import get_activation

__all__ = [
    "check_ch04_bound",
    "check_ch04_step_jacobian",
    "check_ch04_clip_grad_norm",
]


# ----------------------------------------------------------------------------
# 1. the bound (γ σ_max)^k
# ----------------------------------------------------------------------------


def check_ch04_bound(answer, W_hh, activation: str, k: int) -> CheckResult:
    """
    Check the upper bound (γ σ_max(W_hh))^k on ||dh_T/dh_{T-k}||.

    Inputs:
    - answer: the learner's number, or None
    - W_hh: (H, H) recurrent matrix of the exercise
    - activation: "tanh", "relu", "sigmoid" or "identity" (gives γ = sup |f'|)
    - k: the distance T - t, a positive integer

    Returns:
    - result: CheckResult. Besides the generic scalar diagnoses it recognises
      the spectral radius in place of σ_max, γ = 1 for a sigmoid, the
      Frobenius norm, σ_max squared, γ outside the power, and an exponent off
      by one.
    """
    k = check_int("k", k, minimum=1)
    name = "bound"
    W = argcheck.as_float_array("W_hh", W_hh, ndim=2).astype(np.float64)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W_hh: expected a square matrix (H, H), got shape {W.shape}")
    act = get_activation(activation)
    gamma = act.gamma
    sigma = float(np.linalg.norm(W, 2))
    rho = float(np.max(np.abs(np.linalg.eigvals(W))))
    fro = float(np.linalg.norm(W, "fro"))
    expected = (gamma * sigma) ** k
    hints = [
        ((gamma * rho) ** k, (
            "You used the spectral radius (the largest |eigenvalue|). The bound needs the "
            "largest singular value σ_max = ‖W_hh‖₂ (np.linalg.norm(W, 2)), which is larger "
            "for this non-symmetric matrix: ‖W v‖ can exceed |λ| ‖v‖.")),
        ((gamma * fro) ** k, (
            "You used the Frobenius norm. It is also an upper bound, but a looser one; "
            "the bound of the chapter uses the spectral norm σ_max = ‖W_hh‖₂.")),
        ((gamma * sigma ** 2) ** k, (
            "σ_max appears squared. σ_max² is the largest eigenvalue of W_hhᵀW_hh: "
            "take its square root.")),
        (gamma * sigma ** k,
         "γ appears once per step: raise the product γ·σ_max to the power k."),
        ((gamma * sigma) ** (k - 1), (
            "The exponent is off by one. dh_T/dh_t is a product of T − t = k one-step "
            "Jacobians.")),
        ((gamma * sigma) ** (k + 1), (
            "The exponent is off by one. dh_T/dh_t is a product of T − t = k one-step "
            "Jacobians.")),
    ]
    if gamma != 1.0:
        hints.insert(0, (sigma ** k, (
            f"γ is missing (or taken as 1). For the {act.name} γ = sup |f'(a)| is smaller "
            "than 1: find the largest value of its derivative.")))
        hints.insert(1, (rho ** k, (
            "Two slips: γ is missing, and you used the spectral radius instead of the "
            "largest singular value σ_max.")))
    return check_scalar(answer, expected, name=name, atol=0.0, rtol=1e-6, mistakes=hints,
                        praise="That is the bound (γ σ_max)^k.")


# ----------------------------------------------------------------------------
# 2. the one-step Jacobian
# ----------------------------------------------------------------------------


def _jacobian_cases():
    """Hidden test inputs: pre-activations a (N, H) and W_hh (H, H), two sizes."""
    rng = np.random.default_rng(404)
    cases = []
    for N, H in ((3, 4), (2, 5)):
        a = rng.standard_normal((N, H))  # (N, H)
        W = rng.standard_normal((H, H)) / np.sqrt(H)  # (H, H), not symmetric
        cases.append((a, W))
    return cases


def _jacobian_mistakes(a, W):
    """(J, diagnosis) of the typical slips in the batched one-step Jacobian, for one hidden case."""
    d = 1.0 - np.tanh(a) ** 2  # (N, H)
    expected = d[:, :, None] * W[None]  # (N, H, H)
    sig = sigmoid(a)
    return (
        (np.broadcast_to(W, expected.shape),
         "J equals W_hh for every example: the derivative of tanh, diag(1 − tanh(a)²), is missing."),
        (d[:, :, None] * W.T[None],
         "W_hh is transposed. In the column convention entry (i, j) is ∂h_{k,i}/∂h_{k-1,j} "
         "= tanh'(a_i) · W_hh[i, j]."),
        (W[None] * d[:, None, :],
         "The derivative scales the columns of W_hh, i.e. you computed W_hh diag(tanh'(a)). "
         "It must scale the rows: diag(tanh'(a)) W_hh, since unit i of h_k passes through "
         "tanh'(a_i)."),
        (np.tanh(a)[:, :, None] * W[None],
         "You used tanh(a) where its derivative belongs: tanh'(a) = 1 − tanh(a)²."),
        ((1.0 - a ** 2)[:, :, None] * W[None],
         "1 − a² is the derivative written with h = tanh(a); here `a` is the pre-activation, "
         "so use 1 − tanh(a)²."),
        ((sig * (1 - sig))[:, :, None] * W[None],
         "That is the sigmoid's derivative; this cell uses tanh, with tanh'(a) = 1 − tanh(a)²."),
        (-expected, "Every entry has the wrong sign: tanh'(a) = 1 − tanh(a)² is positive."),
    )


def check_ch04_step_jacobian(fn) -> CheckResult:
    """
    Check a learner's batched one-step Jacobian of the tanh RNN.

    The function must return J with J[n] = dh_k/dh_{k-1} = diag(1 - tanh(a_k)^2) W_hh
    for every example n, i.e. J[n, i, j] = (1 - tanh(a[n, i])^2) W_hh[i, j].

    Inputs:
    - fn: callable fn(a, W_hh) -> J with a (N, H) pre-activations, W_hh (H, H)
      in the equations' layout, and J (N, H, H). None means not yet solved.

    Returns:
    - result: CheckResult. Recognises a missing derivative, W_hh transposed,
      the derivative scaling columns instead of rows, tanh(a) or 1 - a^2 or the
      sigmoid's derivative in place of tanh', a missing batch axis and a
      vector (N, H) instead of a matrix per example.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for a, W in _jacobian_cases():
        N, H = a.shape
        d = 1.0 - np.tanh(a) ** 2  # (N, H)
        expected = d[:, :, None] * W[None]  # (N, H, H)
        out, failure = call_on_copies(fn, (a, W), ("a", "W_hh"), "return J",
                                      shapes="a is (N, H) and W_hh is (H, H)")
        if failure is not None:
            return failure
        got = as_array(out)
        if got is not None and got.shape == (N, H):
            return CheckResult.wrong(
                "The result has shape (N, H): one vector per example. The Jacobian dh_k/dh_{k-1} "
                "is an H × H matrix per example, so J should have shape (N, H, H).")
        result = check_array(out, expected, name="J", atol=1e-10, rtol=1e-8,
                             mistakes=lambda: _jacobian_mistakes(a, W))
        if not result.passed:
            return result
    return CheckResult.correct("Your Jacobian matches diag(tanh'(a_k)) W_hh on the hidden test inputs.")


# ----------------------------------------------------------------------------
# 3. norm clipping
# ----------------------------------------------------------------------------


def _clip_cases():
    """Hidden cases: (grads, max_norm, kind) with kind 'large', 'small' or 'zero'."""
    rng = np.random.default_rng(2013)
    large = [rng.standard_normal((3, 4)) * 6.0, rng.standard_normal(4) * 0.5,
             rng.standard_normal((2, 3)) * 0.05]
    small = [0.02 * rng.standard_normal((3, 4)), 0.02 * rng.standard_normal(4)]
    zero = [np.zeros((2, 2)), np.zeros(3)]
    return [(large, 2.0, "large"), (small, 2.0, "small"), (zero, 1.0, "zero")]


def _flat(arrays: List[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])


def check_ch04_clip_grad_norm(fn) -> CheckResult:
    """
    Check a learner's global norm clipping, as in ``torch.nn.utils.clip_grad_norm_``.

    fn(grads, max_norm) must return a list of new arrays of the same shapes:
    all arrays multiplied by one factor min(1, max_norm / ‖g‖), where ‖g‖ is
    the Euclidean norm of all entries of all arrays together. PyTorch's
    factor max_norm / (‖g‖ + 1e-6) is accepted too, so a solution that calls
    ``torch.nn.utils.clip_grad_norm_`` passes.

    Inputs:
    - fn: callable fn(grads, max_norm) -> list of arrays; None means not yet solved.

    Returns:
    - result: CheckResult. Recognises value clipping (direction changed),
      any other change of direction, clipping each array on its own, the
      largest entry used as the size, small gradients scaled up, a wrong final
      norm, NaN for an all-zero gradient and inputs modified in place.
    """
    bad = no_function(fn)
    if bad is not None:
        return bad
    for grads, max_norm, kind in _clip_cases():
        out, failure = call_on_copies(fn, (grads, max_norm), ("grads", "max_norm"), "return clipped")
        if failure is not None:
            if kind == "zero" and failure.status == "error":
                return CheckResult.error(failure.message + " An all-zero gradient has norm 0: divide by "
                                         "the norm only when it exceeds max_norm.")
            return failure
        if isinstance(out, np.ndarray) and out.dtype != object:
            return CheckResult.wrong("Return a list with one array per gradient (the same shapes as the "
                                     "inputs), not a single array.")
        try:
            items = list(out)
        except TypeError:
            return CheckResult.wrong(f"A list of arrays is expected, but got a {type(out).__name__}.")
        got = [as_array(o) for o in items]
        if len(got) != len(grads):
            return CheckResult.wrong(f"{len(got)} arrays came back for {len(grads)} gradients: return "
                                     "one clipped array per input array.")
        for i, (o, g) in enumerate(zip(got, grads)):
            if o is None or o.shape != g.shape:
                shape = None if o is None else o.shape
                return CheckResult.wrong(
                    f"Array {i} of the result has shape {shape}, but its gradient has shape "
                    f"{g.shape}. Scale each array; do not reshape or concatenate.")
        atol, rtol = tolerances(items, 1e-10, 1e-8)
        flat_out, flat_in = _flat(got), _flat(grads)
        expected = _flat(clip_grad_norm(grads, max_norm))
        # torch.nn.utils.clip_grad_norm_ divides by (norm + 1e-6): just as right
        with_eps = flat_in * min(1.0, max_norm / (float(np.linalg.norm(flat_in)) + 1e-6))
        if not np.all(np.isfinite(flat_out)):
            if kind == "zero":
                return CheckResult.wrong("An all-zero gradient came back as NaN or inf: you divided by "
                                         "its norm, 0. Only rescale when the norm exceeds max_norm.")
            return CheckResult.wrong("The result contains NaN or inf entries.")
        if same(flat_out, expected, atol=atol, rtol=rtol) or same(flat_out, with_eps, atol=atol, rtol=rtol):
            continue
        norm_in = float(np.linalg.norm(flat_in))
        norm_out = float(np.linalg.norm(flat_out))
        if kind == "small":
            if np.isclose(norm_out, max_norm, rtol=1e-6):
                return CheckResult.wrong("A gradient that was already shorter than max_norm was scaled *up* "
                                         "to max_norm. Norm clipping leaves such gradients untouched: the "
                                         "factor is min(1, max_norm / ‖g‖).")
            return CheckResult.wrong("A gradient shorter than max_norm was changed. Norm clipping leaves it "
                                     "exactly as it is.")
        if kind == "zero":
            return CheckResult.wrong("An all-zero gradient must come back as zeros.")
        value_clipped = _flat([np.clip(g, -max_norm, max_norm) for g in grads])
        per_array = _flat([g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads])
        by_max = flat_in * (max_norm / np.max(np.abs(flat_in)))
        cos = float(flat_out @ flat_in) / max(norm_out * norm_in, 1e-300)
        if same(flat_out, value_clipped, atol=atol, rtol=rtol):
            return CheckResult.wrong(
                "That is value clipping: each entry clamped to [−max_norm, max_norm]. It changes "
                f"the direction of the gradient (the cosine with the original is {cos:.3f}, not 1). "
                "Norm clipping multiplies every entry by one common factor.")
        if same(flat_out, per_array, atol=atol, rtol=rtol):
            return CheckResult.wrong(
                "You clipped each array on its own. Norm clipping uses one global norm over all "
                "arrays together (as torch.nn.utils.clip_grad_norm_ does), so every array is "
                "scaled by the same factor and the direction of the full gradient is kept.")
        if same(flat_out, by_max, atol=atol, rtol=rtol):
            return CheckResult.wrong("You measured the size of the gradient by its largest entry. Use the "
                                     "Euclidean norm of all entries of all arrays: sqrt(sum of squares).")
        if cos < 1 - 1e-9:
            return CheckResult.wrong(f"The clipped gradient points in another direction than the original "
                                     f"(cosine {cos:.3f}). Scale all entries by the same positive factor.")
        if norm_out > max_norm * (1 + 1e-6):
            return CheckResult.wrong("The direction is right, but the result is still longer than max_norm.")
        return CheckResult.wrong("The direction is right, but the length is not: after clipping a long "
                                 "gradient its norm should be exactly max_norm.")
    return CheckResult.correct("Long gradients are rescaled to max_norm with their direction kept, and short "
                               "ones are left alone.")
