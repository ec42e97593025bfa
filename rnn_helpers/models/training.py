"""One small training loop for every chapter: budgets, clipping, NaN guard, seeds.

The loop is deliberately plain (read it top to bottom in a minute):

1. draw a batch, 2. compute the loss, 3. stop with a clear error if the loss
is NaN or infinite, 4. backpropagate, 5. measure the gradient norm, clip it
(by norm or by value) if asked, stop if it is not finite, 6. take an
optimiser step, 7. stop when the step budget, the time budget or a target
loss is reached.

Example::

    from rnn_helpers.models.training import train, set_seed
    set_seed(0)
    result = train(model, batch_fn, loss_fn, max_steps=500, max_seconds=20,
                   lr=1e-2, clip_norm=1.0)
    result.losses[-1], result.stopped        # e.g. (0.031, "steps")

``batch_fn(step, rng)`` returns one batch (any object); ``loss_fn(model,
batch)`` returns a scalar tensor. ``rng`` is a seeded ``numpy.random.Generator``,
so the data stream is reproducible too.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np
import torch

from rnn_helpers.argcheck import check_float, check_int


class NonFiniteError(FloatingPointError):
    """Training produced a NaN or infinite loss or gradient."""


def set_seed(seed: int) -> np.random.Generator:
    """Seed Python, NumPy and torch; return a fresh NumPy Generator.

    Inputs:
    - seed: non-negative integer.

    Returns:
    - numpy.random.Generator seeded with ``seed``.
    """
    check_int("seed", seed, 0)
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    torch.manual_seed(int(seed))
    return np.random.default_rng(int(seed))


@dataclass
class TrainResult:
    """What a run did.

    - losses: list of S floats, the training loss at every step.
    - grad_norms: list of S floats, global gradient norm *before* clipping.
    - evals: list of (step, value) pairs from ``eval_fn``.
    - steps: number of optimiser steps taken (S).
    - seconds: wall time of the loop.
    - stopped: why it stopped: "steps", "time" or "target".
    """

    losses: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)
    evals: list = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    stopped: str = ""

    @property
    def final_loss(self) -> float:
        """Mean loss over the last 10 % of steps (at least one)."""
        if not self.losses:
            return float("nan")
        k = max(1, len(self.losses) // 10)
        return float(np.mean(self.losses[-k:]))


def _global_grad_norm(params) -> float:
    norms = [p.grad.detach().norm() for p in params if p.grad is not None]
    if not norms:
        return 0.0
    return float(torch.linalg.vector_norm(torch.stack(norms)))


def train(
    model: torch.nn.Module,
    batch_fn: Callable[[int, np.random.Generator], Any],
    loss_fn: Callable[[torch.nn.Module, Any], torch.Tensor],
    *,
    max_steps: int = 1000,
    max_seconds: float = 30.0,
    lr: float = 1e-2,
    optimizer: Optional[torch.optim.Optimizer] = None,
    clip_norm: Optional[float] = None,
    clip_value: Optional[float] = None,
    target_loss: Optional[float] = None,
    eval_fn: Optional[Callable[[torch.nn.Module], float]] = None,
    eval_every: int = 100,
    seed: int = 0,
    progress: bool = False,
) -> TrainResult:
    """Train ``model`` until a step budget, a time budget or a target loss.

    Inputs:
    - model: torch.nn.Module with trainable parameters.
    - batch_fn: ``batch_fn(step, rng) -> batch``.
    - loss_fn: ``loss_fn(model, batch) -> scalar tensor``.
    - max_steps: at most this many optimiser steps (> 0).
    - max_seconds: stop after this much wall time (> 0); checked every step.
    - lr: learning rate of the default optimiser (Adam), ignored if ``optimizer`` is given.
    - optimizer: a torch optimiser over ``model``'s parameters (optional).
    - clip_norm: rescale the global gradient to at most this norm (optional).
    - clip_value: clamp each gradient entry to [-clip_value, clip_value] (optional).
    - target_loss: stop once the mean loss of the last 20 steps is at or below it.
    - eval_fn: ``eval_fn(model) -> float``, run under ``torch.no_grad`` every
      ``eval_every`` steps and at the end (model in eval mode meanwhile).
    - seed: seeds torch, NumPy and the ``rng`` handed to ``batch_fn``.
    - progress: show a tqdm progress bar.

    Returns:
    - TrainResult.

    Raises:
    - ValueError for bad arguments; NonFiniteError (a FloatingPointError) when
      the loss or the gradient becomes NaN or infinite, naming the step.
    """
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model: expected a torch.nn.Module, got {type(model).__name__}")
    if not callable(batch_fn) or not callable(loss_fn):
        raise ValueError("batch_fn and loss_fn must be callables")
    check_int("max_steps", max_steps, 1)
    check_float("max_seconds", max_seconds, positive=True, finite=False)
    for name, v in (("clip_norm", clip_norm), ("clip_value", clip_value), ("lr", lr)):
        if v is not None:
            check_float(name, v, positive=True)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no trainable parameters")

    rng = set_seed(seed)
    opt = optimizer if optimizer is not None else torch.optim.Adam(params, lr=lr)
    result = TrainResult()
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max_steps, desc="training", leave=False)
    start = time.perf_counter()
    model.train()
    try:
        for step in range(max_steps):
            batch = batch_fn(step, rng)
            loss = loss_fn(model, batch)
            if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
                raise ValueError("loss_fn must return a scalar tensor")
            value = float(loss.detach())
            if not math.isfinite(value):
                last = f"{result.losses[-1]:.4g}" if result.losses else "none yet"
                raise NonFiniteError(
                    f"loss became {value} at step {step} (last finite loss: {last}); "
                    "lower the learning rate, clip gradients (clip_norm=1.0) or check the data"
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = _global_grad_norm(params)
            if not math.isfinite(norm):
                raise NonFiniteError(
                    f"gradient norm became {norm} at step {step} (loss {value:.4g}); "
                    "clip gradients (clip_norm=1.0) or lower the learning rate"
                )
            if clip_value is not None:
                torch.nn.utils.clip_grad_value_(params, clip_value)
            if clip_norm is not None:
                torch.nn.utils.clip_grad_norm_(params, clip_norm)
            opt.step()
            result.losses.append(value)
            result.grad_norms.append(norm)
            result.steps = step + 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{value:.4f}")
            if eval_fn is not None and (step + 1) % eval_every == 0:
                result.evals.append((step + 1, _evaluate(model, eval_fn)))
            if target_loss is not None and len(result.losses) >= 20 \
                    and np.mean(result.losses[-20:]) <= target_loss:
                result.stopped = "target"
                break
            if time.perf_counter() - start >= max_seconds:
                result.stopped = "time"
                break
        else:
            result.stopped = "steps"
    finally:
        if bar is not None:
            bar.close()
        model.eval()
    if eval_fn is not None and (not result.evals or result.evals[-1][0] != result.steps):
        result.evals.append((result.steps, _evaluate(model, eval_fn)))
    result.seconds = time.perf_counter() - start
    return result


def _evaluate(model, eval_fn) -> float:
    was_training = model.training
    model.eval()
    with torch.no_grad():
        value = float(eval_fn(model))
    model.train(was_training)
    return value
