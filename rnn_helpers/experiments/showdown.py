"""The long-range showdown: RNN vs LSTM vs GRU on the adding (or copy) task.

Each run trains one ``torch.nn`` recurrent layer (``RNN`` with tanh, ``LSTM``
or ``GRU``, PyTorch's default initialisation) with a small read-out on fresh
batches of a task from :mod:`rnn_helpers.data.tasks`, for a fixed *step budget*
(plus a wall-clock safety net), and measures the error on one fixed held-out
batch every ``eval_every`` steps. The results come back as a tidy table, one
row per (model, T): final held-out error, success, steps, seconds.

Tasks
-----
``"adding"`` (Hochreiter & Schmidhuber 1997; the variant of Le et al. 2015):
two features per step, a value in [0, 1) and a marker; the target, read
after step T, is the sum of the two marked values. The error is the mean
squared error; predicting the constant 1 scores 1/6 (about 0.167), the
baseline. A run *succeeds* when its held-out MSE ends below ``threshold``
(0.05 by default), well below the baseline. ``T`` is the sequence length.

``"copy"`` (the layout of Arjovsky et al. 2016): ``copy_length`` symbols, a
delay of ``T`` blank steps (the last one a "go" marker), then the symbols
must be written back in order. The error is the fraction of wrong symbols
on the answer steps; guessing scores 1 - 1/V. Success: error below
``threshold`` (0.1 by default).

Runs may stop early once the mean training loss of the last 20 steps is at
or below ``target_loss`` (by default 0.01 for adding, 0.05 for copy): the
``steps`` column then says how quickly a model learned the task.

Example::

    from rnn_helpers.experiments.showdown import run_showdown
    result = run_showdown(lengths=(10, 30, 60), max_steps=800)
    result.to_frame()          # pandas DataFrame (pandas imported lazily)
    print(result.to_markdown())

Command line (the same defaults)::

    python -m rnn_helpers.experiments.showdown --lengths 10 30 60 --max-steps 800

The stored multi-seed grid of chapter 6 (:data:`GRID_CONFIG`: every cell
over ten seeds, the adding and the copy task, the LSTM with forget bias 1 and
the equal-parameter-count sizes) is run by::

    python -m rnn_helpers.experiments.showdown --seeds 10 --jobs 1

which writes ``results/showdown/showdown.json`` (configuration, every run
with its held-out curve, the summary: success rate with a Wilson interval,
median steps to success with a bootstrap interval), ``runs.jsonl`` (every
run's training losses) and ``showdown.log``; an interrupted grid resumes from
``partial.jsonl``, and a grid extended by new cells reruns only those (the
stored runs whose recipe is unchanged are reused). :func:`load_grid` reads it
back.

``run(seconds, seed)``, the contract of every experiment (see
:mod:`rnn_helpers.experiments.protocol`), runs the adding-problem showdown
at T = 10, 30, 60 with a step budget proportional to ``seconds``;
``python -m rnn_helpers.experiments showdown --seconds 60`` prints its
metrics as JSON.

Why one module of about 950 lines: the showdown's model, its runs, their
tidy result table, the gradient-reach measurement and two command lines are
one experiment of chapter 6; splitting them would scatter what the chapter
reads as one protocol.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.argcheck import check_choice, check_float, check_int
from rnn_helpers.data import tasks
from rnn_helpers.experiments.protocol import results_dir as protocol_results_dir
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread, run_log
from rnn_helpers.models.training import train

__all__ = [
    "CELLS",
    "TASKS",
    "Reader",
    "make_model",
    "RunResult",
    "ShowdownResult",
    "run_one",
    "run_showdown",
    "run",
    "summary",
    "state_gradient_norms",
    "main",
    "VARIANTS",
    "VARIANT_NAMES",
    "GRID_CONFIG",
    "grid_recipe",
    "grid_run",
    "run_grid",
    "summarise_grid",
    "write_grid",
    "load_grid",
    "results_dir",
    "wilson_interval",
    "median_interval",
    "first_success_step",
]

#: The recurrent layers of the showdown.
CELLS = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}

#: Display names used in tables and legends.
NAMES = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}

#: Per task: default success threshold, default early-stopping target, what the error is.
TASKS = {
    "adding": {"threshold": 0.05, "target_loss": 0.01, "error": "held-out MSE"},
    "copy": {"threshold": 0.1, "target_loss": 0.05, "error": "held-out symbol error rate"},
}


# ----------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------


class Reader(torch.nn.Module):
    """A one-layer ``torch.nn`` RNN/LSTM/GRU with a linear read-out.

    ``per_step=False`` (adding problem): one output read from the last state,
    ``forward(x) -> (N,)`` for ``out_size == 1``. ``per_step=True`` (copy
    task): scores at every step, ``forward(x) -> (N, T, out_size)``.

    Inputs of the constructor:
    - cell: "rnn" (tanh), "lstm" or "gru".
    - D: input size.
    - H: hidden size.
    - out_size: outputs per read-out (1 for a regression, V for V classes).
    - per_step: read out every step (True) or only the last one (False).
    - forget_bias: LSTM only; None keeps PyTorch's initial biases, a number
      sets the forget gate's total bias b_ih[f] + b_hh[f] to it (b_hh[f] = 0).
    """

    def __init__(self, cell: str, D: int, H: int, out_size: int = 1, per_step: bool = False,
                 forget_bias: Optional[float] = None):
        super().__init__()
        self.cell = check_choice("cell", cell, CELLS, casefold=True)
        self.rnn = CELLS[self.cell](D, H, batch_first=True)
        if forget_bias is not None:
            if self.cell != "lstm":
                raise ValueError(f"forget_bias: only an LSTM has a forget gate, got cell={cell!r}")
            with torch.no_grad():  # b_f = b_ih[f] + b_hh[f] = forget_bias exactly (blocks i, f, g, o)
                self.rnn.bias_ih_l0[H : 2 * H] = float(forget_bias)
                self.rnn.bias_hh_l0[H : 2 * H] = 0.0
        self.head = torch.nn.Linear(H, out_size)
        self.per_step = bool(per_step)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, T, D) -> (N,) [last step, out_size 1], (N, out_size) or (N, T, out_size)."""
        out, _ = self.rnn(x)  # (N, T, H)
        if self.per_step:
            return self.head(out)  # (N, T, out_size)
        y = self.head(out[:, -1])  # (N, out_size)
        return y.squeeze(-1) if y.shape[-1] == 1 else y


def make_model(cell: str, task: str = "adding", H: int = 32, *, n_symbols: int = 8, seed: int = 0,
               forget_bias: Optional[float] = None) -> Reader:
    """A freshly initialised :class:`Reader` for ``task`` (torch seeded with ``seed`` first).

    Inputs:
    - cell: "rnn", "lstm" or "gru".
    - task: "adding" (D = 2, one output from the last state) or "copy"
      (D = V + 2, V scores per step).
    - H: hidden size.
    - n_symbols: V, the copy task's number of data symbols.
    - seed: torch seed for the initialisation.
    - forget_bias: LSTM only, see :class:`Reader` (None: PyTorch's biases).

    Returns:
    - model: a float32 :class:`Reader`.
    """
    task = check_choice("task", task, TASKS)
    H = check_int("H", H, 1)
    seed = check_int("seed", seed, 0)
    torch.manual_seed(seed)
    if task == "adding":
        return Reader(cell, 2, H, forget_bias=forget_bias)
    V = check_int("n_symbols", n_symbols, 2)
    return Reader(cell, V + 2, H, out_size=V, per_step=True, forget_bias=forget_bias)


# ----------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------


@dataclass
class RunResult:
    """One training run.

    - model: "rnn", "lstm" or "gru"; T: the sequence length (adding) or delay (copy).
    - error: held-out error at the end; baseline: the memoryless baseline's error.
    - success: error < threshold; steps: optimiser steps taken; seconds: wall time.
    - stopped: "steps", "target" or "time" (why training stopped).
    - curve: list of (step, held-out error), starting at step 0 (before training).
    - losses: training loss at every step; n_params: trainable parameters.
    - net: the trained :class:`Reader` (not part of the table).
    """

    model: str
    T: int
    error: float
    baseline: float
    success: bool
    steps: int
    seconds: float
    stopped: str
    curve: List[Tuple[int, float]] = field(default_factory=list)
    losses: List[float] = field(default_factory=list)
    n_params: int = 0
    net: Optional[torch.nn.Module] = field(default=None, repr=False)

    def row(self) -> Dict[str, Any]:
        """The tidy-table row: model, T, error, success, steps, seconds."""
        return {
            "model": NAMES[self.model],
            "T": self.T,
            "error": self.error,
            "success": self.success,
            "steps": self.steps,
            "seconds": self.seconds,
        }


@dataclass
class ShowdownResult:
    """All runs of a showdown, with helpers to tabulate them.

    - runs: list of :class:`RunResult`, in the order (T, model).
    - task: "adding" or "copy"; threshold: the success threshold.
    - settings: the arguments the runs used (for the record).
    """

    runs: List[RunResult]
    task: str
    threshold: float
    settings: Dict[str, Any] = field(default_factory=dict)

    def rows(self) -> List[Dict[str, Any]]:
        """One dict per run: model, T, error, success, steps, seconds."""
        return [r.row() for r in self.runs]

    def to_frame(self):
        """The table as a pandas DataFrame (pandas is imported only here)."""
        import pandas as pd

        return pd.DataFrame(self.rows(), columns=["model", "T", "error", "success", "steps", "seconds"])

    def to_markdown(self, digits: int = 3) -> str:
        """The table as GitHub/MyST markdown, without any extra dependency."""
        lines = [
            f"| model | T | {TASKS[self.task]['error']} | success | steps | seconds |",
            "| --- | ---: | ---: | :---: | ---: | ---: |",
        ]
        for r in self.runs:
            lines.append(
                f"| {NAMES[r.model]} | {r.T} | {r.error:.{digits}f} | {'yes' if r.success else 'no'} "
                f"| {r.steps} | {r.seconds:.1f} |"
            )
        return "\n".join(lines)

    def get(self, model: str, T: int) -> RunResult:
        """The run of ``model`` at length ``T`` (KeyError if there is none)."""
        for r in self.runs:
            if r.model == model and r.T == T:
                return r
        raise KeyError(f"no run for model={model!r}, T={T!r}")

    @property
    def lengths(self) -> List[int]:
        """The lengths T, ascending."""
        return sorted({r.T for r in self.runs})

    @property
    def models(self) -> List[str]:
        """The models, in the order they were run."""
        return list(dict.fromkeys(r.model for r in self.runs))

    def shortest_failure(self, model: str) -> Optional[int]:
        """The shortest T at which ``model`` failed, or None if it succeeded everywhere."""
        failed = [r.T for r in self.runs if r.model == model and not r.success]
        return min(failed) if failed else None

    def longest_success(self, model: str) -> Optional[int]:
        """The longest T at which ``model`` succeeded, or None if it never did."""
        ok = [r.T for r in self.runs if r.model == model and r.success]
        return max(ok) if ok else None

    @property
    def seconds(self) -> float:
        """Total training time of all runs."""
        return float(sum(r.seconds for r in self.runs))


# ----------------------------------------------------------------------------
# running
# ----------------------------------------------------------------------------


def _task_data(task: str, T: int, copy_length: int, n_symbols: int):
    """(task function, its keyword arguments) for a length T."""
    if task == "adding":
        return tasks.adding_problem, {"T": T}
    return tasks.copy_task, {"length": copy_length, "delay": T, "n_symbols": n_symbols}


def _loss_fn(task: str):
    if task == "adding":

        def loss(model, batch):
            x, y = batch
            return F.mse_loss(model(x), y)

    else:

        def loss(model, batch):
            x, y = batch
            scores = model(x)  # (N, T, V)
            return F.cross_entropy(scores.reshape(-1, scores.shape[-1]), y.reshape(-1),
                                   ignore_index=tasks.IGNORE_INDEX)

    return loss


def _error_fn(task: str, x_val: torch.Tensor, y_val: torch.Tensor):
    """eval_fn(model) -> the held-out error of the task."""
    if task == "adding":
        return lambda model: float(F.mse_loss(model(x_val), y_val))
    answer = y_val != tasks.IGNORE_INDEX  # (n, T) steps that carry a target

    def error(model):
        pred = model(x_val).argmax(dim=-1)  # (n, T)
        return float((pred[answer] != y_val[answer]).float().mean())

    return error


def _baseline(task: str, y_val: torch.Tensor, n_symbols: int) -> float:
    """The memoryless baseline's held-out error: predict 1 (adding) or guess (copy)."""
    if task == "adding":
        return float(((y_val - 1.0) ** 2).mean())
    return 1.0 - 1.0 / n_symbols


def run_one(
    cell: str,
    T: int,
    *,
    task: str = "adding",
    H: int = 32,
    batch_size: int = 32,
    max_steps: int = 800,
    lr: float = 1e-2,
    clip_norm: Optional[float] = 1.0,
    target_loss: Any = "auto",
    threshold: Optional[float] = None,
    n_eval: int = 1000,
    eval_every: int = 50,
    eval_seed: int = 12345,
    seed: int = 0,
    max_seconds: float = 60.0,
    copy_length: int = 5,
    n_symbols: int = 8,
    forget_bias: Optional[float] = None,
) -> RunResult:
    """Train one model on one length and measure it on a fixed held-out batch.

    Inputs:
    - cell: "rnn" (tanh), "lstm" or "gru".
    - T: sequence length (adding) or delay (copy), an integer >= 2 (adding) or >= 1.
    - task: "adding" or "copy".
    - H: hidden size.
    - batch_size: sequences per training step (fresh ones every step).
    - max_steps: the step budget.
    - lr: Adam's learning rate.
    - clip_norm: global gradient-norm clipping threshold, or None.
    - target_loss: stop once the mean training loss of the last 20 steps is at or
      below it; "auto" for the task's default (``TASKS``), None to never stop early.
    - threshold: success threshold on the held-out error (None: the task's default).
    - n_eval: size of the held-out batch, drawn from ``eval_seed`` (the same for
      every model at a given T).
    - eval_every: measure the held-out error every this many steps.
    - seed: seeds the initialisation and the stream of training batches.
    - max_seconds: wall-clock safety net per run (the step budget is the real limit).
    - copy_length, n_symbols: the copy task's S and V.
    - forget_bias: LSTM only, the forget gate's initial total bias (None: PyTorch's).

    Returns:
    - RunResult.
    """
    cell = check_choice("cell", cell, CELLS, casefold=True)
    task = check_choice("task", task, TASKS)
    T = check_int("T", T, 2 if task == "adding" else 1)
    H = check_int("H", H, 1)
    batch_size = check_int("batch_size", batch_size, 1)
    max_steps = check_int("max_steps", max_steps, 1)
    n_eval = check_int("n_eval", n_eval, 1)
    eval_every = check_int("eval_every", eval_every, 1)
    eval_seed = check_int("eval_seed", eval_seed, 0)
    seed = check_int("seed", seed, 0)
    copy_length = check_int("copy_length", copy_length, 1)
    n_symbols = check_int("n_symbols", n_symbols, 2)
    lr = check_float("lr", lr, positive=True)
    max_seconds = check_float("max_seconds", max_seconds, positive=True)
    if clip_norm is not None:
        clip_norm = check_float("clip_norm", clip_norm, positive=True)
    if threshold is None:
        threshold = TASKS[task]["threshold"]
    threshold = check_float("threshold", threshold, positive=True)
    if isinstance(target_loss, str):
        if target_loss != "auto":
            raise ValueError(f"target_loss: expected a positive number, None or 'auto', got {target_loss!r}")
        target_loss = TASKS[task]["target_loss"]
    elif target_loss is not None:
        target_loss = check_float("target_loss", target_loss, positive=True)

    fn, kwargs = _task_data(task, T, copy_length, n_symbols)
    x_val, y_val = tasks.fixed_batch(fn, n_eval, seed=eval_seed, **kwargs)
    model = make_model(cell, task, H, n_symbols=n_symbols, seed=seed, forget_bias=forget_bias)
    error_fn = _error_fn(task, x_val, y_val)
    with torch.no_grad():
        model.eval()
        curve = [(0, float(error_fn(model)))]
    result = train(
        model,
        tasks.make_batch_fn(fn, batch_size, **kwargs),
        _loss_fn(task),
        max_steps=max_steps,
        max_seconds=max_seconds,
        lr=lr,
        clip_norm=clip_norm,
        target_loss=target_loss,
        eval_fn=error_fn,
        eval_every=eval_every,
        seed=seed,
    )
    curve.extend((int(s), float(e)) for s, e in result.evals)
    error = curve[-1][1]
    return RunResult(
        model=cell,
        T=T,
        error=error,
        baseline=_baseline(task, y_val, n_symbols),
        success=bool(error < threshold),
        steps=result.steps,
        seconds=result.seconds,
        stopped=result.stopped,
        curve=curve,
        losses=list(result.losses),
        n_params=sum(p.numel() for p in model.rnn.parameters()),
        net=model,
    )


def run_showdown(
    cells: Sequence[str] = ("rnn", "lstm", "gru"),
    lengths: Sequence[int] = (10, 30, 60),
    *,
    task: str = "adding",
    threshold: Optional[float] = None,
    **kwargs: Any,
) -> ShowdownResult:
    """Run every model at every length (see :func:`run_one` for the keyword arguments).

    Inputs:
    - cells: models to compare, e.g. ("rnn", "lstm", "gru").
    - lengths: sequence lengths T (adding) or delays (copy), e.g. (10, 30, 60).
    - task: "adding" or "copy".
    - threshold: success threshold (None: the task's default).
    - kwargs: passed to :func:`run_one` (H, batch_size, max_steps, lr, ...).

    Returns:
    - ShowdownResult with one run per (T, model), T ascending.
    """
    cells = [check_choice("cell", c, CELLS, casefold=True) for c in cells]
    if not cells:
        raise ValueError("cells: expected at least one of 'rnn', 'lstm', 'gru'")
    lengths = list(lengths)
    if not lengths:
        raise ValueError("lengths: expected at least one sequence length")
    task = check_choice("task", task, TASKS)
    if threshold is None:
        threshold = TASKS[task]["threshold"]
    runs = [
        run_one(cell, T, task=task, threshold=threshold, **kwargs)
        for T in sorted(lengths)
        for cell in cells
    ]
    settings = {"cells": tuple(cells), "lengths": tuple(sorted(lengths)), "task": task, **kwargs}
    return ShowdownResult(runs=runs, task=task, threshold=float(threshold), settings=settings)


#: Training steps per second of budget in :func:`run`, over all its runs
#: (a quiet CPU core takes a few milliseconds per step of these models).
STEPS_PER_SECOND = 120
#: The lengths of :func:`run`'s showdown.
RUN_LENGTHS = (10, 30, 60)


def run(seconds: float, seed: int = 0) -> dict:
    """
    The adding-problem showdown of RNN, LSTM and GRU at T = 10, 30, 60, within a budget.

    Each of the nine runs gets STEPS_PER_SECOND * seconds / 9 steps (at
    least 1; early stopping on the training loss as in :func:`run_one`) and
    a safety net of three times its share of the wall time.

    Inputs:
    - seconds: Positive float, the time budget of all runs together
    - seed: Non-negative integer, seeds the initialisations and the batches

    Returns:
    - dict with "rows" (model, T, error, success, steps, seconds per run),
      "baseline" (the memoryless held-out MSE per T), "task", "threshold",
      "max_steps", "seconds" and "seed"
    """
    seconds, seed = check_budget(seconds, seed)
    n_runs = len(CELLS) * len(RUN_LENGTHS)
    steps = max(1, int(round(STEPS_PER_SECOND * seconds / n_runs)))
    with one_thread():
        result = run_showdown(tuple(CELLS), RUN_LENGTHS, max_steps=steps,
                              max_seconds=3.0 * seconds / n_runs, seed=seed)
    baseline = {str(T): result.get("rnn", T).baseline for T in result.lengths}
    return {"task": result.task, "threshold": result.threshold, "rows": result.rows(),
            "baseline": baseline, "max_steps": steps, "seconds": seconds, "seed": seed}


def summary(metrics: dict) -> dict:
    """
    The comparison of :func:`run`'s metrics in one line: GRU against RNN at the longest T.

    Inputs:
    - metrics: dict returned by :func:`run`

    Returns:
    - dict from :func:`rnn_helpers.experiments.protocol.comparison`, with the
      LSTM's error and the memoryless baseline's
    """
    T = max(row["T"] for row in metrics["rows"])
    error = {row["model"]: row["error"] for row in metrics["rows"] if row["T"] == T}
    return comparison(f"held-out MSE, adding problem, T = {T}", "lower", NAMES["gru"],
                      error[NAMES["gru"]], NAMES["rnn"], error[NAMES["rnn"]],
                      lstm=error[NAMES["lstm"]], memoryless=metrics["baseline"][str(T)],
                      seeds=1)


# ----------------------------------------------------------------------------
# how far back the gradient reaches
# ----------------------------------------------------------------------------


def state_gradient_norms(model: Reader, x: torch.Tensor) -> np.ndarray:
    """Mean norm of the gradient of the prediction with respect to every state.

    For a :class:`Reader` with one output read from the last state (the adding
    problem), the prediction y_n of sequence n depends on the state s_t after
    every step t; this returns mean_n ||d y_n / d s_t|| for t = 1..T, where s_t
    is h_t (RNN, GRU) or (h_t, c_t) stacked (LSTM). Small values far from the
    end mean that the gradient vanishes on its way back. The model is run one
    step at a time (the same numbers as one call) so that every state is a
    node of the graph; parameters receive no gradient.

    Inputs:
    - model: a :class:`Reader` with ``per_step=False`` and one output.
    - x: inputs, a float tensor of shape (N, T, D).

    Returns:
    - norms: np.ndarray of shape (T,); norms[t - 1] belongs to the state after step t.
    """
    if not isinstance(model, Reader) or model.per_step or model.head.out_features != 1:
        raise ValueError("model: expected a Reader with one output read from the last state")
    if not isinstance(x, torch.Tensor) or x.ndim != 3 or x.shape[1] < 1 or x.shape[2] != model.rnn.input_size:
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(
            f"x: expected a tensor of shape (N, T, D) with T >= 1 and D = {model.rnn.input_size}, got {shape}"
        )
    was_training = model.training
    model.eval()
    flags = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        N, H = x.shape[0], model.rnn.hidden_size
        with torch.enable_grad():
            # a zero initial state that requires grad puts every later state into the graph
            h0 = torch.zeros(1, N, H, dtype=x.dtype, requires_grad=True)  # (1, N, H)
            state = (h0, torch.zeros_like(h0).requires_grad_(True)) if model.cell == "lstm" else h0
            states = []
            for t in range(x.shape[1]):
                _, state = model.rnn(x[:, t : t + 1], state)  # (1, N, H) or a pair of them
                states.append(state if isinstance(state, tuple) else (state,))
            y = model.head(states[-1][0][0]).sum()  # read out from h_T, summed over the batch
            grads = torch.autograd.grad(y, [u for parts in states for u in parts], allow_unused=True)
    finally:
        for p, flag in zip(model.parameters(), flags):
            p.requires_grad_(flag)
        model.train(was_training)
    k = len(states[0])  # 1, or 2 for the LSTM's (h, c)
    norms = []
    for t, parts in enumerate(states):
        g = [gr[0] if gr is not None else torch.zeros_like(u[0])  # c_T does not reach y: zero
             for gr, u in zip(grads[k * t : k * (t + 1)], parts)]
        norms.append(float(torch.cat(g, dim=-1).norm(dim=-1).mean()))  # mean over N of ||(N, kH)||
    return np.array(norms)


# ----------------------------------------------------------------------------
# the multi-seed grid (stored under results/showdown)
# ----------------------------------------------------------------------------

#: The grid's models: name -> (cell, H, forget_bias). The equal-budget sizes
#: are those at which count_parameters(cell, 2, H) comes nearest the GRU's
#: with H = 32 (3,456): RNN H = 57 (3,477), LSTM H = 27 (3,348).
VARIANTS = {
    "rnn": ("rnn", 32, None),
    "lstm": ("lstm", 32, None),
    "gru": ("gru", 32, None),
    "lstm_fb1": ("lstm", 32, 1.0),
    "rnn_h57": ("rnn", 57, None),
    "lstm_h27": ("lstm", 27, None),
}

#: Display names of the grid's models.
VARIANT_NAMES = {
    "rnn": "RNN (tanh), H = 32",
    "lstm": "LSTM, H = 32",
    "gru": "GRU, H = 32",
    "lstm_fb1": "LSTM, H = 32, forget bias 1",
    "rnn_h57": "RNN (tanh), H = 57",
    "lstm_h27": "LSTM, H = 27",
}

#: The stored grid: seeds, the recipe of every run (chapter 6's), the
#: per-task changes to it, and the cells (task, model, T). 10 seeds per cell.
#: The adding problem at T = 10, 30 and 60 for the three cells at H = 32, and
#: the variants (forget bias 1, the equal-parameter sizes) at T = 30 only
#: (the grid has to fit a shared machine: one run at T = 60 takes about 5 s
#: of CPU time, at T = 30 about 2.5 s, a copy run up to 12 s).
#: The copy task at delay 5 with a budget of 2000 steps instead of 800: at
#: 800 steps the GRU's held-out symbol error was still falling in every run
#: (2 of 10 seeds below the threshold, the others at 0.14-0.24), so the
#: shorter budget measured when a run was cut off rather than which cell can
#: hold five symbols.
GRID_CONFIG = {
    "seeds": list(range(10)),
    "recipe": {"batch_size": 32, "max_steps": 800, "lr": 1e-2, "clip_norm": 1.0,
               "n_eval": 1000, "eval_every": 50, "max_seconds": 600.0,
               "copy_length": 5, "n_symbols": 8},
    "task_recipes": {"copy": {"max_steps": 2000}},
    "cells": ([["adding", m, T] for T in (10, 30, 60) for m in ("rnn", "lstm", "gru")]
              + [["adding", m, 30] for m in ("lstm_fb1", "rnn_h57", "lstm_h27")]
              + [["copy", m, 5] for m in ("rnn", "lstm", "gru")]),
}


def grid_recipe(task: str, config: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The keyword arguments of :func:`run_one` for the grid's cells of ``task``.

    Inputs:
    - task: "adding" or "copy".
    - config: a grid configuration (default :data:`GRID_CONFIG`): its
      ``recipe``, updated by ``task_recipes[task]`` where there is one.

    Returns:
    - recipe: dict.
    """
    task = check_choice("task", task, TASKS)
    config = GRID_CONFIG if config is None else config
    return {**config["recipe"], **config.get("task_recipes", {}).get(task, {})}


def results_dir() -> Path:
    """``results/showdown`` (see :func:`rnn_helpers.experiments.protocol.results_dir`)."""
    return protocol_results_dir("showdown")


def first_success_step(curve: Sequence[Sequence[float]], threshold: float) -> Optional[int]:
    """The first evaluation step whose held-out error is below ``threshold`` (None if none).

    Inputs:
    - curve: list of (step, held-out error) pairs, steps ascending.
    - threshold: the success threshold.

    Returns:
    - step: int or None.
    """
    for step, error in curve:
        if error < threshold:
            return int(step)
    return None


def grid_run(task: str, variant: str, T: int, seed: int, recipe: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """One run of the grid as a JSON-able record (with its curve and training losses).

    Inputs:
    - task: "adding" or "copy"; variant: a key of :data:`VARIANTS`.
    - T: length (adding) or delay (copy); seed: the run's seed.
    - recipe: keyword arguments of :func:`run_one` (default
      :func:`grid_recipe` of ``task``).

    Returns:
    - record: task, model, cell, H, forget_bias, T, seed, error, baseline,
      success, steps, stopped, step_success (first evaluation below the
      threshold), seconds (wall), cpu_seconds, n_params, curve, losses.
    """
    variant = check_choice("variant", variant, VARIANTS)
    cell, H, forget_bias = VARIANTS[variant]
    recipe = dict(grid_recipe(task) if recipe is None else recipe)
    cpu = time.process_time()
    r = run_one(cell, T, task=task, H=H, seed=seed, forget_bias=forget_bias, **recipe)
    threshold = TASKS[task]["threshold"]
    return {
        "task": task, "model": variant, "cell": cell, "H": H, "forget_bias": forget_bias,
        "T": int(T), "seed": int(seed), "error": r.error, "baseline": r.baseline,
        "success": r.success, "steps": r.steps, "stopped": r.stopped,
        "step_success": first_success_step(r.curve, threshold) if r.success else None,
        "seconds": r.seconds, "cpu_seconds": time.process_time() - cpu,
        "n_params": r.n_params, "curve": [[int(a), float(b)] for a, b in r.curve],
        "losses": [float(f"{v:.5g}") for v in r.losses],
    }


def _grid_worker(args):
    torch.set_num_threads(1)
    return grid_run(*args)


def wilson_interval(k: int, n: int, z: float = 1.96) -> Tuple[float, float]:
    """The Wilson score interval of a success rate k / n (95 % for z = 1.96).

    Inputs:
    - k: successes, 0 <= k <= n; n: trials, n >= 1; z: the normal quantile.

    Returns:
    - (low, high): floats in [0, 1].
    """
    k, n = check_int("k", k, 0), check_int("n", n, 1)
    if k > n:
        raise ValueError(f"k: expected at most n = {n}, got {k}")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def median_interval(values: Sequence[float], n_boot: int = 2000, seed: int = 0,
                    level: float = 0.95) -> Tuple[float, float]:
    """A percentile-bootstrap interval of the median of ``values``.

    Inputs:
    - values: at least one number; n_boot: resamples; seed: their seed; level: coverage.

    Returns:
    - (low, high): floats.
    """
    v = np.asarray(values, dtype=float)  # (n,)
    if v.ndim != 1 or v.size < 1:
        raise ValueError("values: expected a non-empty 1-d sequence of numbers")
    rng = np.random.default_rng(seed)
    meds = np.median(v[rng.integers(0, v.size, size=(n_boot, v.size))], axis=1)  # (n_boot,)
    a = (1 - level) / 2
    return float(np.quantile(meds, a)), float(np.quantile(meds, 1 - a))


def summarise_grid(runs: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One row per (task, model, T): success rate with a Wilson interval, and
    the median first step below the threshold over the successful seeds, with a
    bootstrap interval (None without successes).

    Inputs:
    - runs: records of :func:`grid_run`.

    Returns:
    - rows: dicts task, model, T, n, successes, rate, rate_low, rate_high,
      median_steps, steps_low, steps_high, median_error, n_params; in the order
      the cells first appear.
    """
    cells: Dict[Tuple[str, str, int], List[Dict[str, Any]]] = {}
    for r in runs:
        cells.setdefault((r["task"], r["model"], r["T"]), []).append(r)
    rows = []
    for (task, model, T), rs in cells.items():
        k, n = sum(r["success"] for r in rs), len(rs)
        lo, hi = wilson_interval(k, n)
        steps = [r["step_success"] for r in rs if r["success"]]
        med = float(np.median(steps)) if steps else None
        s_lo, s_hi = median_interval(steps) if steps else (None, None)
        rows.append({"task": task, "model": model, "T": T, "n": n, "successes": int(k),
                     "rate": k / n, "rate_low": lo, "rate_high": hi, "median_steps": med,
                     "steps_low": s_lo, "steps_high": s_hi,
                     "median_error": float(np.median([r["error"] for r in rs])),
                     "n_params": rs[0]["n_params"]})
    return rows


def run_grid(cells: Sequence[Sequence[Any]], seeds: Sequence[int], *, jobs: int = 1,
             recipe: Optional[Dict[str, Any]] = None,
             task_recipes: Optional[Dict[str, Dict[str, Any]]] = None, log=print,
             partial: Optional[Path] = None) -> Dict[str, Any]:
    """Run every (task, model, T) cell for every seed.

    Inputs:
    - cells: list of [task, model, T]; seeds: list of seeds.
    - jobs: worker processes (one torch thread each).
    - recipe: keyword arguments of :func:`run_one` (default ``GRID_CONFIG["recipe"]``).
    - task_recipes: per task, the entries of ``recipe`` it changes (default
      ``GRID_CONFIG["task_recipes"]`` when ``recipe`` is None, else none).
    - log: called with one line of text per finished run.
    - partial: a JSON-lines file; every finished run is appended to it, and
      runs already in it (same task, model, T, seed and recipe) are not rerun,
      so an interrupted grid resumes where it stopped.

    Returns:
    - data: {"config": {seeds, recipe, task_recipes, cells}, "runs": records in the order
      (cell, seed), "summary": :func:`summarise_grid`, "cpu_seconds",
      "wall_seconds"}.
    """
    if task_recipes is None:
        task_recipes = GRID_CONFIG["task_recipes"] if recipe is None else {}
    recipe = dict(GRID_CONFIG["recipe"] if recipe is None else recipe)
    task_recipes = {str(t): dict(v) for t, v in task_recipes.items()}
    config = {"seeds": [int(s) for s in seeds], "recipe": recipe, "task_recipes": task_recipes,
              "cells": [[str(t), str(m), int(T)] for t, m, T in cells]}
    todo = [(str(t), str(m), int(T), int(s), grid_recipe(t, config))
            for t, m, T in cells for s in seeds]
    start = time.perf_counter()
    done: Dict[Tuple[str, str, int, int], Dict[str, Any]] = {}
    if partial is not None and Path(partial).exists():
        for text in Path(partial).read_text().splitlines():
            rec = json.loads(text)
            if rec["task"] in TASKS and rec.get("recipe") == grid_recipe(rec["task"], config):
                done[rec["task"], rec["model"], rec["T"], rec["seed"]] = rec
    left = [a for a in todo if a[:4] not in done]

    def finished(rec):
        done[rec["task"], rec["model"], rec["T"], rec["seed"]] = rec
        log(_log_line(rec))
        if partial is not None:
            with open(partial, "a") as f:
                rec_recipe = grid_recipe(rec["task"], config)
                f.write(json.dumps({**rec, "recipe": rec_recipe}, sort_keys=True) + "\n")

    if jobs > 1 and left:
        import multiprocessing as mp

        with mp.get_context("spawn").Pool(jobs) as pool:
            for rec in pool.imap_unordered(_grid_worker, left):
                finished(rec)
    else:
        for args in left:
            finished(_grid_worker(args))
    runs = [{k: v for k, v in done[a[:4]].items() if k != "recipe"} for a in todo]
    return {"config": config, "runs": runs, "summary": summarise_grid(runs),
            "cpu_seconds": float(sum(r["cpu_seconds"] for r in runs)),
            "wall_seconds": time.perf_counter() - start}


def _log_line(r: Dict[str, Any]) -> str:
    return (f"{r['task']} {r['model']} T={r['T']} seed={r['seed']}: error {r['error']:.4f} "
            f"success {r['success']} steps {r['steps']} ({r['stopped']}) "
            f"cpu {r['cpu_seconds']:.1f} s")


def write_grid(data: Dict[str, Any], directory: Optional[Path] = None) -> Path:
    """Store a grid: ``showdown.json`` (config, runs without losses, summary) and
    ``runs.jsonl`` (one line per run with its training losses, the per-run log).

    Inputs:
    - data: what :func:`run_grid` returned; directory: default :func:`results_dir`.

    Returns:
    - path of showdown.json.
    """
    out = Path(directory or results_dir())
    out.mkdir(parents=True, exist_ok=True)
    slim = {**data, "runs": [{k: v for k, v in r.items() if k != "losses"} for r in data["runs"]]}
    path = out / "showdown.json"
    path.write_text(json.dumps(slim, indent=1, sort_keys=True) + "\n")
    with open(out / "runs.jsonl", "w") as f:
        for r in data["runs"]:
            f.write(json.dumps(r, sort_keys=True) + "\n")
    return path


def load_grid(directory: Optional[Path] = None) -> Dict[str, Any]:
    """Read the stored grid's ``showdown.json`` (FileNotFoundError with the command to make it).

    Inputs:
    - directory: default :func:`results_dir`.

    Returns:
    - data: as written by :func:`write_grid`.
    """
    path = Path(directory or results_dir()) / "showdown.json"
    if not path.exists():
        raise FileNotFoundError(
            "showdown.json not found in results/showdown; run "
            "`python -m rnn_helpers.experiments.showdown --seeds 10` first")
    return json.loads(path.read_text())


# ----------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point: run a showdown and print its table as markdown."""
    p = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments.showdown",
        description="Train RNN, LSTM and GRU on a long-range task at several lengths.",
    )
    p.add_argument("--task", choices=sorted(TASKS), default="adding")
    p.add_argument("--cells", nargs="+", choices=sorted(CELLS), default=["rnn", "lstm", "gru"])
    p.add_argument("--lengths", nargs="+", type=int, default=[10, 30, 60])
    p.add_argument("--hidden", type=int, default=32, help="hidden size H")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-steps", type=int, default=800, help="step budget per run")
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--no-early-stop", action="store_true", help="always use the whole step budget")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-seconds", type=float, default=600.0, help="safety net per run")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--seeds", type=int, default=None,
                   help="run the stored multi-seed grid (GRID_CONFIG) with seeds 0..SEEDS-1 "
                        "and write results/showdown (the other options are then ignored)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes for --seeds")
    p.add_argument("--out", type=Path, default=None, help="output folder for --seeds")
    args = p.parse_args(argv)
    if args.seeds is not None:
        if args.seeds < 1:
            p.error("--seeds must be a positive integer")
        return _main_grid(args.seeds, args.jobs, args.out, argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    result = run_showdown(
        args.cells,
        args.lengths,
        task=args.task,
        H=args.hidden,
        batch_size=args.batch_size,
        max_steps=args.max_steps,
        lr=args.lr,
        target_loss=None if args.no_early_stop else "auto",
        seed=args.seed,
        max_seconds=args.max_seconds,
    )
    print(result.to_markdown())
    print(f"\nsuccess: {TASKS[args.task]['error']} < {result.threshold:g}; "
          f"total {time.perf_counter() - start:.1f} s")
    return 0


def _stored_as_partial(out: Path) -> int:
    """Start ``partial.jsonl`` from a stored grid (``showdown.json`` + ``runs.jsonl``).

    Each stored run goes in with the recipe its grid recorded for its task, so
    :func:`run_grid` reuses it only where that recipe is still the current one
    (a grid extended by new cells reruns only those). Nothing happens when a
    ``partial.jsonl`` exists (an interrupted run resumes from it) or nothing is
    stored. Returns the number of runs written.
    """
    partial, runs, summary = out / "partial.jsonl", out / "runs.jsonl", out / "showdown.json"
    if partial.exists() or not (runs.exists() and summary.exists()):
        return 0
    config = json.loads(summary.read_text())["config"]
    lines = []
    for text in runs.read_text().splitlines():
        rec = json.loads(text)
        lines.append(json.dumps({**rec, "recipe": grid_recipe(rec["task"], config)}, sort_keys=True))
    partial.write_text("".join(line + "\n" for line in lines))
    return len(lines)


def _main_grid(n_seeds: int, jobs: int, out: Optional[Path], argv) -> int:
    out = Path(out or results_dir())
    out.mkdir(parents=True, exist_ok=True)
    with run_log(out / "showdown.log") as log:
        log(f"start: {' '.join(sys.argv[1:] if argv is None else argv)}")
        reused = _stored_as_partial(out)
        if reused:
            log(f"reusing {reused} stored runs of {out.name}/runs.jsonl whose recipe is unchanged")
        data = run_grid(GRID_CONFIG["cells"], list(range(n_seeds)), jobs=max(1, jobs), log=log,
                        partial=out / "partial.jsonl")
        path = write_grid(data, out)
        (out / "partial.jsonl").unlink()
        log(f"{len(data['runs'])} runs, {data['cpu_seconds']:.0f} s CPU, "
            f"{data['wall_seconds']:.0f} s wall -> {path.name}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
