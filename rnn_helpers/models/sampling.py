"""Sampling text from a language model.

A language model gives logits o (one score per character) for the next
character. Sampling with temperature tau draws from

    p_tau(k) = exp(o_k / tau) / sum_j exp(o_j / tau),

the softmax of the *logits* divided by tau. tau = 1 is the model's own
distribution; tau -> 0 puts all mass on the largest logit (greedy decoding,
``temperature=0`` here); tau -> infinity tends to the uniform distribution.
Dividing the *probabilities* by tau changes nothing after normalisation;
raising them to the power 1/tau is the same as dividing the logits.

- :func:`softmax_with_temperature`: the formula above, stable (max-shifted).
- :func:`sample_from_logits`: one seeded draw per row.
- :func:`generate`: continue a prompt with a torch character model or an
  n-gram model (:class:`rnn_helpers.models.ngram.KneserNey`).
- :func:`entropy_bits`: entropy of a distribution, in bits.

The figure and explorer of the next-character distribution against
temperature live in :mod:`rnn_helpers.viz.temperature` (this module imports
no plotting library).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnn_helpers.argcheck import check_float, check_int, check_rng

__all__ = [
    "as_logits",
    "softmax_with_temperature",
    "sample_from_logits",
    "entropy_bits",
    "generate",
]


def as_logits(name: str, logits: Any) -> np.ndarray:
    """
    Validate logits and return them as a float64 NumPy array.

    Inputs:
    - name: String, the argument's name for the error message
    - logits: Real array of shape (..., V) (NumPy or torch); -inf means
      probability 0, NaN and +inf are rejected

    Returns:
    - logits: float64 array of shape (..., V)
    """
    if hasattr(logits, "detach") and hasattr(logits, "cpu"):  # torch.Tensor
        logits = logits.detach().cpu().numpy()
    arr = np.asarray(logits)
    if arr.ndim == 0 or arr.shape[-1] < 1 or not np.issubdtype(arr.dtype, np.number) \
            or np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name}: expected a real array of shape (..., V), got shape {arr.shape} "
                         f"and dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.any(np.isnan(arr)) or np.any(arr == np.inf):
        raise ValueError(f"{name}: entries must not be NaN or +inf (-inf means probability 0)")
    if np.any(np.all(arr == -np.inf, axis=-1)):
        raise ValueError(f"{name}: every row needs at least one finite entry")
    return arr


def softmax_with_temperature(logits: Any, temperature: float = 1.0) -> np.ndarray:
    """
    Softmax of logits divided by a temperature, along the last axis.

    Inputs:
    - logits: Real array of shape (..., V) (NumPy or torch); -inf means probability 0
    - temperature: Float >= 0; 0 gives the greedy one-hot distribution (ties
      share the mass equally)

    Returns:
    - probs: float64 array of shape (..., V), rows summing to 1
    """
    o = as_logits("logits", logits)
    t = check_float("temperature", temperature, 0)
    m = np.max(o, axis=-1, keepdims=True)  # (..., 1)
    if t == 0.0:
        top = (o == m).astype(np.float64)  # (..., V)
        return top / top.sum(axis=-1, keepdims=True)
    z = (o - m) / t  # (..., V), every entry <= 0: no overflow
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample_from_logits(logits: Any, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """
    Draw one index per row from softmax(logits / temperature).

    Inputs:
    - logits: Real array of shape (S, V) (or (V,))
    - temperature: Float >= 0 (0: argmax, the first one on ties)
    - rng: numpy.random.Generator

    Returns:
    - ids: int64 array of shape (S,) (or a 0-d array for 1-D input)
    """
    check_rng("rng", rng)
    o = as_logits("logits", logits)
    if check_float("temperature", temperature, 0) == 0.0:
        return np.argmax(o, axis=-1).astype(np.int64)
    p = softmax_with_temperature(o, temperature)  # (..., V)
    flat = p.reshape(-1, p.shape[-1])  # (S, V)
    u = rng.random((flat.shape[0], 1))  # (S, 1)
    cdf = np.cumsum(flat, axis=-1)  # (S, V)
    ids = np.minimum((cdf <= u * cdf[:, -1:]).sum(axis=-1), flat.shape[1] - 1)  # first k with cdf_k > u
    return ids.reshape(p.shape[:-1]).astype(np.int64)


def entropy_bits(probs: Any) -> np.ndarray:
    """
    Entropy -sum p log2 p of each distribution along the last axis.

    Inputs:
    - probs: Array of shape (..., V), non-negative rows summing to 1

    Returns:
    - H: Array of shape (...), in bits (0 for a one-hot row, log2 V for uniform)
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 0 or np.any(p < 0) or not np.allclose(p.sum(axis=-1), 1.0, atol=1e-6):
        raise ValueError("probs: expected non-negative rows of shape (..., V) summing to 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=-1)


def generate(model: Any, prompt_ids: Any, length: int, temperature: float = 1.0,
             seed: int = 0, n_samples: int = 1) -> np.ndarray:
    """
    Continue a prompt by sampling one character at a time.

    Two kinds of model are accepted:

    - a ``torch.nn.Module`` called as ``model(x, state) -> (logits, state)``
      with x of shape (S, L) (int64 ids) and logits (S, L, V); the prompt is
      read once and then one character per call, carrying the state;
    - any object with ``next_logits(contexts) -> (S, V)`` taking the whole
      history (S, L) so far, e.g. :class:`rnn_helpers.models.ngram.KneserNey`.

    Inputs:
    - model: see above
    - prompt_ids: Integer array of shape (P,), P >= 1
    - length: Integer number of characters to generate (>= 1)
    - temperature: Float >= 0 (0: greedy)
    - seed: Integer seed of the sampling (the same seed gives the same text)
    - n_samples: Integer S, independent continuations drawn in one batch

    Returns:
    - ids: int64 array of shape (S, length), the generated characters only
    """
    prompt = np.asarray(prompt_ids)
    if prompt.ndim != 1 or prompt.size < 1 or not np.issubdtype(prompt.dtype, np.integer):
        raise ValueError(f"prompt_ids: expected a non-empty 1-D integer array of shape (P,), got "
                         f"shape {prompt.shape}")
    check_int("length", length, 1)
    check_int("n_samples", n_samples, 1)
    check_float("temperature", temperature, 0)
    rng = np.random.default_rng(seed)
    history = np.repeat(prompt[None, :].astype(np.int64), n_samples, axis=0)  # (S, P)
    out = np.empty((n_samples, length), dtype=np.int64)  # (S, length)
    try:
        import torch
        is_torch = isinstance(model, torch.nn.Module)
    except ImportError:  # pragma: no cover - torch is a dependency
        is_torch = False
    if is_torch:
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                logits, state = model(torch.from_numpy(history), None)  # (S, P, V)
                for i in range(length):
                    nxt = sample_from_logits(logits[:, -1].double().numpy(), temperature, rng)  # (S,)
                    out[:, i] = nxt
                    logits, state = model(torch.from_numpy(nxt[:, None]), state)  # (S, 1, V)
        finally:
            model.train(was_training)
        return out
    if not hasattr(model, "next_logits"):
        raise ValueError("model: expected a torch.nn.Module or an object with next_logits(contexts)")
    for i in range(length):
        logits = np.asarray(model.next_logits(history))  # (S, V)
        nxt = sample_from_logits(logits, temperature, rng)  # (S,)
        out[:, i] = nxt
        history = np.concatenate([history, nxt[:, None]], axis=1)  # (S, P + i + 1)
    return out
