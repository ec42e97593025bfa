"""What every experiment shares: the ``run(seconds, seed)`` contract and its tools.

Every module registered in :data:`rnn_helpers.experiments.EXPERIMENTS`
defines

- ``run(seconds: float, seed: int = 0) -> dict``: train within ``seconds``
  of wall time (and a step budget derived from it, so that a run is
  reproducible), evaluate on held-out data, return JSON-able metrics;
- ``summary(metrics: dict) -> dict``: the one comparison the experiment is
  about, built with :func:`comparison` (fields ``metric``, ``model``,
  ``baseline``), printed by ``python -m rnn_helpers.experiments NAME --json``.

The helpers here keep those modules short and alike:

- :func:`check_budget`: the arguments of ``run``, checked once.
- :func:`one_thread`: torch on one CPU thread inside a block. The models are
  small; one thread is fastest on a busy machine and makes runs repeatable.
- :func:`train_best`: :func:`rnn_helpers.models.training.train`, keeping the
  weights with the best validation score (early stopping by checkpoint).
- :func:`comparison`: the summary's format.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from rnn_helpers.argcheck import check_choice, check_float, check_int
from rnn_helpers.models.training import TrainResult, train

__all__ = ["check_budget", "one_thread", "train_best", "comparison"]


def check_budget(seconds: Any, seed: Any = 0) -> Tuple[float, int]:
    """
    Check the two arguments of every ``run``.

    Inputs:
    - seconds: Positive finite number, the wall-time budget
    - seed: Non-negative integer

    Returns a tuple of:
    - seconds: Float
    - seed: Int

    Raises:
    - ValueError naming ``seconds`` or ``seed``
    """
    return (check_float("seconds", seconds, positive=True),
            check_int("seed", seed, 0))


@contextlib.contextmanager
def one_thread():
    """
    Run torch on one CPU thread inside the block, then restore the thread count.

    Small models run fastest on one thread (on a busy 2-core machine two
    threads can be many times slower), and one thread gives the same
    floating-point reductions on every run.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def train_best(model: torch.nn.Module, batch_fn: Callable, loss_fn: Callable,
               val_fn: Callable[[torch.nn.Module], float], *, max_steps: int,
               max_seconds: float, lr: float = 1e-2, weight_decay: float = 0.0,
               clip_norm: Optional[float] = 1.0, eval_every: int = 100, seed: int = 0,
               optimizer: Optional[torch.optim.Optimizer] = None,
               higher_is_better: bool = True,
               progress: bool = False) -> Tuple[TrainResult, int]:
    """
    :func:`rnn_helpers.models.training.train`, keeping the weights with the best validation score.

    ``val_fn`` is evaluated every ``eval_every`` steps and at the end; the
    weights of the best evaluation (the first of equal scores) are copied and
    loaded back into ``model`` when training stops.

    Inputs:
    - model, batch_fn, loss_fn: as for ``train``
    - val_fn: ``val_fn(model) -> float``, the validation score
    - max_steps, max_seconds, clip_norm, eval_every, seed, progress: as for ``train``
    - lr, weight_decay: AdamW's settings (ignored if ``optimizer`` is given)
    - optimizer: Optional torch optimiser (default: AdamW)
    - higher_is_better: True for an accuracy, False for a loss

    Returns a tuple of:
    - result: TrainResult; result.evals holds (step, validation score) pairs
    - best_step: Integer, the step whose weights ``model`` now holds
    """
    sign = 1.0 if higher_is_better else -1.0
    best = {"score": -np.inf, "state": None}

    def eval_fn(m):
        score = float(val_fn(m))
        if sign * score > best["score"]:  # strictly better: the first of equal scores wins
            best.update(score=sign * score, state=copy.deepcopy(m.state_dict()))
        return score

    if optimizer is None:
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    result = train(model, batch_fn, loss_fn, max_steps=max_steps, max_seconds=max_seconds,
                   optimizer=optimizer, clip_norm=clip_norm, eval_fn=eval_fn,
                   eval_every=eval_every, seed=seed, progress=progress)
    if best["state"] is not None:
        model.load_state_dict(best["state"])
    scores = [sign * v for _, v in result.evals]
    best_step = result.evals[int(np.argmax(scores))][0] if scores else result.steps
    return result, int(best_step)


def comparison(metric: str, better: str, model: str, model_value: float, baseline: str,
               baseline_value: float, difference_ci95: Optional[Sequence[float]] = None,
               **extra: Any) -> Dict[str, Any]:
    """
    The summary of an experiment: one held-out metric of the model and of its baseline.

    Inputs:
    - metric: What is measured, e.g. "test accuracy" or "test bits per character"
    - better: "higher" or "lower", which direction is better
    - model, baseline: Their names
    - model_value, baseline_value: Floats, their held-out metric
    - difference_ci95: Optional (low, high), a 95 % interval of
      model_value - baseline_value
    - extra: Further JSON-able fields (e.g. "seeds": 1)

    Returns:
    - summary: dict with "metric", "better", "model" and "baseline" (each
      {"name", "value"}), "difference" (model - baseline),
      "difference_ci95" (list or None) and the extra fields
    """
    better = check_choice("better", better, ("higher", "lower"))
    mv, bv = float(model_value), float(baseline_value)
    ci = None if difference_ci95 is None else [float(v) for v in difference_ci95]
    return {"metric": str(metric), "better": better,
            "model": {"name": str(model), "value": mv},
            "baseline": {"name": str(baseline), "value": bv},
            "difference": mv - bv, "difference_ci95": ci, **extra}


def results_dir(name: str) -> Path:
    """The folder ``results/<name>`` where an experiment's stored runs live.

    It is looked for beside the package (an editable install or a clone),
    then below the working directory and its parent (a notebook executed
    from ``chapters/`` or from a copy of it); the first that exists wins.
    When none exists the folder beside the package is returned, so that a
    command storing a new run writes it there.

    Inputs:
    - name: the experiment's folder name, e.g. "showdown".

    Returns:
    - a ``pathlib.Path`` (which may not exist yet).
    """
    name = str(name)
    candidates = [Path(__file__).resolve().parents[2], Path.cwd(), Path.cwd().parent]
    for root in candidates:
        if (root / "results" / name).is_dir():
            return root / "results" / name
    return candidates[0] / "results" / name

