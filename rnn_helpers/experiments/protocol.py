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
- :func:`require_step_budget`: a training stopped by its wall-time safety
  cap raises instead of returning a shorter, load-dependent run.
- :func:`best_on_validation`: fit candidate models, keep the one with the
  best validation score.
- :func:`comparison`: the summary's format.
- :func:`run_log`: the log file of a stored run, each line also printed.
"""

from __future__ import annotations

import contextlib
import copy
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch

from rnn_helpers.argcheck import check_choice, check_float, check_int
from rnn_helpers.models.training import TrainResult, train

__all__ = ["check_budget", "one_thread", "train_best", "require_step_budget",
           "best_on_validation", "comparison", "results_dir", "run_log"]


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


@contextlib.contextmanager
def run_log(path: Any, first_line: Optional[str] = None, timestamps: bool = True):
    """
    The log of a command that stores runs: each line is printed and written.

    Inputs:
    - path: the log file (its folder must exist).
    - first_line: if given, the file is started afresh with this line;
      otherwise lines are appended to what it holds.
    - timestamps: prefix each line with the local date and time.

    Yields:
    - log(text): prints ``text`` and appends it to the file at once (a long
      run's log can be read while it runs).
    """
    path = Path(path)
    if first_line is not None:
        path.write_text(str(first_line) + "\n")
    with path.open("a") as file:

        def log(text: Any) -> None:
            line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}" if timestamps else str(text)
            print(line, flush=True)
            file.write(line + "\n")
            file.flush()

        yield log


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


def require_step_budget(result: TrainResult, seconds: float) -> TrainResult:
    """
    Raise when the wall-time safety cap, not the step budget, ended a training.

    A run cut short by the clock depends on the machine's load; none is
    returned, so every stored or quoted result comes from its full step budget.

    Inputs:
    - result: TrainResult of :func:`train_best` or ``train``
    - seconds: Float, the safety cap that training was given

    Returns:
    - result, unchanged, when it stopped for another reason

    Raises:
    - RuntimeError naming the cap and the steps done
    """
    if result.stopped == "time":
        raise RuntimeError(
            f"the wall-time safety cap of {seconds:.0f} s stopped training after {result.steps} "
            "steps; a shorter run would depend on the machine's load, so none is "
            "returned (pass a larger seconds)")
    return result


def best_on_validation(candidates: Sequence[Any], fit_score: Callable[[Any], Tuple[Any, float]]
                       ) -> Tuple[Any, Any, float]:
    """
    Fit one model per candidate setting; keep the one with the highest validation score.

    Inputs:
    - candidates: Sequence of settings (e.g. regularisation strengths C)
    - fit_score: ``fit_score(setting) -> (fitted model, validation score)``

    Returns a tuple of:
    - model: The fitted model of the best setting (the first of equal scores)
    - setting: That setting
    - score: Float, its validation score
    """
    if len(candidates) == 0:
        raise ValueError("candidates: expected at least one setting, got none")
    best = None
    for setting in candidates:
        model, score = fit_score(setting)
        if best is None or float(score) > best[2]:
            best = (model, setting, float(score))
    return best


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

