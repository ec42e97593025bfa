"""Chapter 11's long runs: minGRU and minLSTM on the long-range tasks, and their cost.

Two experiments, each stored as JSON under ``results/minimal/`` (with a log)
by the command below and read by the chapter:

``tasks``
    minGRU and minLSTM (:mod:`rnn_helpers.torch_rnn.minimal`, trained with the
    parallel scan) against chapter 6's cells (``torch.nn`` RNN, LSTM, GRU) on
    the adding problem and the copy task, several seeds each. Everything but
    the recurrent layer comes from :mod:`rnn_helpers.experiments.showdown`:
    the tasks and their held-out sets, the success thresholds, the read-out
    (:class:`~rnn_helpers.experiments.showdown.Reader`) and the training
    recipe (the defaults of :func:`~rnn_helpers.experiments.showdown.run_one`:
    Adam 1e-2, batches of 32 fresh sequences, norm clipping at 1, at most 800
    steps, early stop at the task's target loss). The chapter 6 cells run
    through ``showdown.run_one`` itself.

``ch6``
    The two minimal cells on the settings and seeds of chapter 6's stored
    multi-seed grid (``results/showdown``, :data:`showdown.GRID_CONFIG`), with
    the same recipe, so that the chapter can set them beside chapter 6's
    stored numbers.

``timing``
    CPU time of one training step (forward, loss, backward, Adam step) on
    the adding problem, per sequence, against the sequence length T, for
    minGRU with the scan, the same minGRU stepping through time,
    ``torch.nn.GRU`` and the course's from-scratch
    :class:`rnn_helpers.torch_rnn.GRU`, in one process, with one torch thread
    (``--threads`` tries others). The clock is the process's CPU time: on a
    shared machine the wall time mostly measures how long the process waited
    for a core, while with one thread its CPU time is what the step costs
    (and what the wall time would be on an idle machine). The wall times are
    stored too.

Command line (the defaults are the stored runs)::

    python -m rnn_helpers.experiments.minimal all          # both: about 10 min of CPU time
    python -m rnn_helpers.experiments.minimal tasks --seeds 0 1
    python -m rnn_helpers.experiments.minimal timing --lengths 64 256 1024

``python -m rnn_helpers.experiments minimal --seconds S`` (the experiments
CLI) calls :func:`run`: one minGRU run on the adding problem.

One module of about 600 lines: both experiments, their stored
configurations, the statistics the chapter reports (Wilson intervals,
slopes) and the command line belong together, since the tests check that
the stored JSON files were written by exactly these defaults.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.data import tasks
from rnn_helpers.experiments import showdown
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread, run_log
from rnn_helpers.experiments.showdown import wilson_interval  # one home, re-exported
from rnn_helpers.models.training import train
from rnn_helpers.torch_rnn import GRU as CourseGRU
from rnn_helpers.torch_rnn.minimal import MinGRU, MinLSTM

__all__ = [
    "MINIMAL_CELLS",
    "NAMES",
    "RECIPE",
    "RECIPE_KEYS",
    "TASKS_CONFIG",
    "CH6_CONFIG",
    "TIMING_CONFIG",
    "TIMING_MODELS",
    "MinimalReader",
    "make_model",
    "run_one",
    "run_tasks",
    "summarise",
    "wilson_interval",
    "time_training_step",
    "run_timing",
    "fit_slope",
    "results_dir",
    "load_results",
    "STEPS_PER_SECOND",
    "run",
    "summary",
    "build_parser",
    "main",
]

#: The minimal cells (torch modules trained with the scan).
MINIMAL_CELLS = {"mingru": MinGRU, "minlstm": MinLSTM}

#: Display names of every model of the chapter.
NAMES = {**showdown.NAMES, "mingru": "minGRU", "minlstm": "minLSTM"}

#: The parameters of showdown.run_one that make up chapter 6's recipe. Its
#: other keyword arguments (task, seed, and options such as forget_bias whose
#: default None leaves chapter 6's set-up unchanged) are not part of it.
RECIPE_KEYS = ("H", "batch_size", "max_steps", "lr", "clip_norm", "target_loss", "threshold",
               "n_eval", "eval_every", "eval_seed", "max_seconds", "copy_length", "n_symbols")

#: The training recipe: the defaults of showdown.run_one (chapter 6), read from its signature.
RECIPE = {name: inspect.signature(showdown.run_one).parameters[name].default for name in RECIPE_KEYS}

#: The stored task runs (the command's defaults).
TASKS_CONFIG: Dict[str, Any] = {
    "cells": ["rnn", "lstm", "gru", "mingru", "minlstm"],
    "settings": [["adding", 60], ["adding", 200], ["copy", 10]],
    "seeds": [0, 1, 2, 3, 4],
    "threads": 1,
    "recipe": {**RECIPE, "max_seconds": 600.0},
}

def _grid_settings() -> List[List[Any]]:
    """The (task, T) pairs of chapter 6's stored grid (showdown.GRID_CONFIG), in its order."""
    seen: List[List[Any]] = []
    for task, _, T in showdown.GRID_CONFIG["cells"]:
        if [task, T] not in seen:
            seen.append([task, T])
    return seen


#: The minimal cells on the settings and seeds of chapter 6's stored grid
#: (``results/showdown``), with the same recipe: the chapter reads chapter 6's
#: numbers from that grid and these runs beside them.
CH6_CONFIG: Dict[str, Any] = {
    "cells": ["mingru", "minlstm"],
    "settings": _grid_settings(),
    "seeds": list(showdown.GRID_CONFIG["seeds"]),
    "threads": 1,
    "recipe": dict(TASKS_CONFIG["recipe"]),
    "task_recipes": {k: dict(v) for k, v in showdown.GRID_CONFIG.get("task_recipes", {}).items()},
}

#: The models of the timing experiment.
TIMING_MODELS = {
    "mingru_scan": "minGRU, parallel scan",
    "mingru_sequential": "minGRU, step by step",
    "nn_gru": "torch.nn.GRU",
    "course_gru": "course GRU (torch_rnn)",
}

#: The stored timing runs (the command's defaults). One torch thread: on a
#: shared 2-core machine a second thread mostly measures the other programs
#: (``--threads 1 2`` compares; the first thread count times every model, the
#: others only ``thread_models``). Each time is the process's CPU time of the
#: fastest of the timed steps (the least disturbed by other programs). Sequences longer than
#: ``long_T`` are timed ``long_repeats`` times without a warm-up (their steps
#: take seconds, so start-up costs are negligible), the models in
#: ``once_models`` only once (the course GRU's long steps take minutes).
TIMING_CONFIG: Dict[str, Any] = {
    "lengths": [64, 128, 256, 512, 1024, 2048, 4096],
    "models": list(TIMING_MODELS),
    "threads": [1],
    "thread_models": ["mingru_scan", "nn_gru"],
    "N": 16,
    "H": 32,
    "repeats": 3,
    "warmup": 1,
    "long_T": 1024,
    "long_repeats": 2,
    "once_models": ["course_gru"],
}


# ----------------------------------------------------------------------------
# models
# ----------------------------------------------------------------------------


class MinimalReader(showdown.Reader):
    """showdown's :class:`~rnn_helpers.experiments.showdown.Reader` with a minimal cell.

    Same read-out and the same ``forward`` (inherited): the last state for the
    adding problem, every step for the copy task.

    Inputs of the constructor:
    - cell: "mingru" or "minlstm".
    - D: input size; H: hidden size; out_size: outputs per read-out.
    - per_step: read out every step (True) or only the last one (False).
    - mode: "scan" (parallel over time) or "sequential".
    """

    def __init__(self, cell: str, D: int, H: int, out_size: int = 1,
                 per_step: bool = False, mode: str = "scan"):
        torch.nn.Module.__init__(self)  # not Reader.__init__: it knows only torch.nn cells
        if cell not in MINIMAL_CELLS:
            raise ValueError(f"cell: expected 'mingru' or 'minlstm', got {cell!r}")
        self.cell = cell
        self.rnn = MINIMAL_CELLS[cell](D, H, mode=mode)
        self.head = torch.nn.Linear(H, out_size)
        self.per_step = bool(per_step)


def make_model(cell: str, task: str = "adding", H: int = 32, *, n_symbols: int = 8,
               seed: int = 0, mode: str = "scan") -> torch.nn.Module:
    """A freshly initialised reader for ``task``: a minimal cell or one of showdown's.

    Inputs:
    - cell: "mingru", "minlstm", or showdown's "rnn", "lstm", "gru".
    - task: "adding" (D = 2, one output) or "copy" (D = V + 2, V scores per step).
    - H: hidden size; n_symbols: the copy task's V; seed: torch seed.
    - mode: the minimal cells' mode ("scan" or "sequential").

    Returns:
    - model: a float32 reader.
    """
    if cell not in MINIMAL_CELLS:
        return showdown.make_model(cell, task, H, n_symbols=n_symbols, seed=seed)
    if task not in showdown.TASKS:
        raise ValueError(f"task: expected 'adding' or 'copy', got {task!r}")
    torch.manual_seed(seed)
    if task == "adding":
        return MinimalReader(cell, 2, H, mode=mode)
    return MinimalReader(cell, n_symbols + 2, H, out_size=n_symbols, per_step=True, mode=mode)


# ----------------------------------------------------------------------------
# one run, many runs
# ----------------------------------------------------------------------------


def run_one(cell: str, T: int, *, task: str = "adding", seed: int = 0, **kwargs: Any) -> Dict[str, Any]:
    """Train one model on one task with chapter 6's recipe; return a JSON-able record.

    The chapter 6 cells run through :func:`showdown.run_one` unchanged. The
    minimal cells run the same recipe with showdown's task helpers (held-out
    batch, loss, error, baseline) and :func:`rnn_helpers.models.training.train`.

    Inputs:
    - cell: "mingru", "minlstm", "rnn", "lstm" or "gru".
    - T: sequence length (adding) or delay (copy).
    - task: "adding" or "copy"; seed: seeds the initialisation and the data stream.
    - kwargs: overrides of :data:`RECIPE` (H, batch_size, max_steps, lr, ...).

    Returns:
    - dict with cell, task, T, seed, error (held-out, at the end), baseline,
      success, steps, seconds, stopped and curve (list of [step, error]).
    """
    unknown = set(kwargs) - set(RECIPE)
    if unknown:
        raise ValueError(f"unknown recipe argument(s) {sorted(unknown)}; known: {sorted(RECIPE)}")
    recipe = {**RECIPE, **kwargs}
    if cell not in MINIMAL_CELLS:
        r = showdown.run_one(cell, T, task=task, seed=seed, **recipe)
        return _record(cell, task, T, seed, r.error, r.baseline, r.success, r.steps,
                       r.seconds, r.stopped, r.curve)
    if task not in showdown.TASKS:
        raise ValueError(f"task: expected 'adding' or 'copy', got {task!r}")
    threshold = recipe["threshold"] or showdown.TASKS[task]["threshold"]
    target = recipe["target_loss"]
    if target == "auto":
        target = showdown.TASKS[task]["target_loss"]
    fn, task_kwargs = showdown._task_data(task, T, recipe["copy_length"], recipe["n_symbols"])
    x_val, y_val = tasks.fixed_batch(fn, recipe["n_eval"], seed=recipe["eval_seed"], **task_kwargs)
    model = make_model(cell, task, recipe["H"], n_symbols=recipe["n_symbols"], seed=seed)
    error_fn = showdown._error_fn(task, x_val, y_val)
    with torch.no_grad():
        model.eval()
        curve = [(0, float(error_fn(model)))]
    result = train(
        model,
        tasks.make_batch_fn(fn, recipe["batch_size"], **task_kwargs),
        showdown._loss_fn(task),
        max_steps=recipe["max_steps"],
        max_seconds=recipe["max_seconds"],
        lr=recipe["lr"],
        clip_norm=recipe["clip_norm"],
        target_loss=target,
        eval_fn=error_fn,
        eval_every=recipe["eval_every"],
        seed=seed,
    )
    curve.extend((int(s), float(e)) for s, e in result.evals)
    error = curve[-1][1]
    return _record(cell, task, T, seed, error, showdown._baseline(task, y_val, recipe["n_symbols"]),
                   error < threshold, result.steps, result.seconds, result.stopped, curve)


def _record(cell, task, T, seed, error, baseline, success, steps, seconds, stopped, curve) -> Dict[str, Any]:
    return {
        "cell": cell, "task": task, "T": int(T), "seed": int(seed),
        "error": float(error), "baseline": float(baseline), "success": bool(success),
        "steps": int(steps), "seconds": float(seconds), "stopped": str(stopped),
        "curve": [[int(s), float(e)] for s, e in curve],
    }


def _log(log: Optional[Callable[[str], None]], text: str) -> None:
    if log is not None:
        log(text)


def run_tasks(cells: Sequence[str] = tuple(TASKS_CONFIG["cells"]),
              settings: Sequence[Sequence[Any]] = tuple(map(tuple, TASKS_CONFIG["settings"])),
              seeds: Sequence[int] = tuple(TASKS_CONFIG["seeds"]),
              *, threads: int = TASKS_CONFIG["threads"],
              log: Optional[Callable[[str], None]] = None,
              task_recipes: Optional[Dict[str, Dict[str, Any]]] = None,
              **recipe: Any) -> Dict[str, Any]:
    """Every cell on every (task, T) with every seed.

    Inputs:
    - cells: models to run (see :func:`run_one`).
    - settings: (task, T) pairs, e.g. (("adding", 60), ("copy", 10)).
    - seeds: the seeds.
    - threads: torch CPU threads (1 makes runs reproducible bit for bit).
    - log: optional callable receiving one line of text per run.
    - task_recipes: optional, per task, the entries of the recipe it changes
      (as chapter 6's grid gives the copy task a larger step budget).
    - recipe: overrides of :data:`RECIPE` (default: ``TASKS_CONFIG["recipe"]``).

    Returns:
    - dict with "config" (the arguments), "runs" (one :func:`run_one` record
      each), "summary" (:func:`summarise`), "cpu_seconds" and "wall_seconds".
    """
    recipe = {**TASKS_CONFIG["recipe"], **recipe}
    settings = [[str(task), int(T)] for task, T in settings]
    config = {"cells": list(cells), "settings": settings, "seeds": [int(s) for s in seeds],
              "threads": int(threads), "recipe": recipe}
    task_recipes = {str(k): dict(v) for k, v in (task_recipes or {}).items()}
    if task_recipes:
        config["task_recipes"] = task_recipes
    old_threads = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    runs = []
    try:
        for task, T in settings:
            for seed in config["seeds"]:
                for cell in cells:
                    record = run_one(cell, T, task=task, seed=seed,
                                     **{**recipe, **task_recipes.get(task, {})})
                    runs.append(record)
                    _log(log, f"{task} T={T} seed={seed} {NAMES[cell]}: error {record['error']:.4f} "
                              f"success {record['success']} steps {record['steps']} "
                              f"({record['seconds']:.1f} s)")
    finally:
        torch.set_num_threads(old_threads)
    return {"config": config, "runs": runs, "summary": summarise(runs),
            "cpu_seconds": time.process_time() - cpu0, "wall_seconds": time.perf_counter() - wall0}


def summarise(runs: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One row per (task, T, cell): success rate with its Wilson interval, error statistics.

    Inputs:
    - runs: records of :func:`run_one`.

    Returns:
    - list of dicts with task, T, cell, n, successes, rate, low, high,
      median_error, mean_error, median_steps, mean_seconds; in the order
      in which the (task, T, cell) combinations first appear.
    """
    groups: Dict[Tuple[str, int, str], List[Dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["task"], r["T"], r["cell"]), []).append(r)
    rows = []
    for (task, T, cell), group in groups.items():
        k, n = sum(r["success"] for r in group), len(group)
        low, high = wilson_interval(k, n)
        errors = [r["error"] for r in group]
        rows.append({
            "task": task, "T": T, "cell": cell, "n": n, "successes": k, "rate": k / n,
            "low": low, "high": high, "median_error": float(np.median(errors)),
            "mean_error": float(np.mean(errors)),
            "median_steps": float(np.median([r["steps"] for r in group])),
            "mean_seconds": float(np.mean([r["seconds"] for r in group])),
        })
    return rows


# ----------------------------------------------------------------------------
# timing
# ----------------------------------------------------------------------------


def _timing_model(name: str, H: int) -> torch.nn.Module:
    torch.manual_seed(0)
    if name == "mingru_scan":
        return MinimalReader("mingru", 2, H, mode="scan")
    if name == "mingru_sequential":
        return MinimalReader("mingru", 2, H, mode="sequential")
    reader = showdown.make_model("gru", "adding", H, seed=0)  # torch.nn.GRU with the read-out
    if name == "course_gru":
        reader.rnn = CourseGRU.from_torch(reader.rnn)  # same weights, from-scratch module
    elif name != "nn_gru":
        raise ValueError(f"model: expected one of {sorted(TIMING_MODELS)}, got {name!r}")
    return reader


def time_training_step(name: str, T: int, *, N: int = 16, H: int = 32,
                       repeats: int = 3, warmup: int = 1) -> Dict[str, Any]:
    """CPU time of one training step on the adding problem, in the current thread setting.

    One step: zero the gradients, forward, MSE loss, backward, Adam step, on
    a fixed batch of N sequences of length T. The clock is
    ``time.process_time`` (the CPU time of all the process's threads), which
    waiting for a busy core does not inflate; the wall time is recorded too.

    Inputs:
    - name: a key of :data:`TIMING_MODELS`.
    - T: sequence length; N: batch size; H: hidden size.
    - repeats: timed steps (the fastest is reported: the one least disturbed
      by other programs); warmup: untimed steps first.

    Returns:
    - dict with model, T, N, H, threads, seconds (CPU time of the fastest
      step), median (the median step's CPU time), per_sequence (seconds / N),
      all (CPU time of every timed step) and wall (wall time of every timed
      step).
    """
    model = _timing_model(name, H)
    x, y = tasks.fixed_batch(tasks.adding_problem, N, seed=1, T=T)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> Tuple[float, float]:
        c0, t0 = time.process_time(), time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return time.process_time() - c0, time.perf_counter() - t0

    for _ in range(warmup):
        step()
    measured = [step() for _ in range(repeats)]
    times = [cpu for cpu, _ in measured]
    best = min(times)
    return {"model": name, "T": int(T), "N": int(N), "H": int(H),
            "threads": torch.get_num_threads(), "seconds": best,
            "median": statistics.median(times), "per_sequence": best / N, "all": times,
            "wall": [wall for _, wall in measured]}


def _load_average() -> Optional[float]:
    try:
        return float(os.getloadavg()[0])
    except (AttributeError, OSError):  # pragma: no cover
        return None


def run_timing(lengths: Sequence[int] = tuple(TIMING_CONFIG["lengths"]),
               models: Sequence[str] = tuple(TIMING_CONFIG["models"]),
               threads: Sequence[int] = tuple(TIMING_CONFIG["threads"]),
               *, thread_models: Sequence[str] = tuple(TIMING_CONFIG["thread_models"]),
               N: int = TIMING_CONFIG["N"], H: int = TIMING_CONFIG["H"],
               repeats: int = TIMING_CONFIG["repeats"], warmup: int = TIMING_CONFIG["warmup"],
               long_T: int = TIMING_CONFIG["long_T"],
               long_repeats: int = TIMING_CONFIG["long_repeats"],
               once_models: Sequence[str] = tuple(TIMING_CONFIG["once_models"]),
               log: Optional[Callable[[str], None]] = None) -> Dict[str, Any]:
    """Time every model at every length and thread count, in one process.

    Inputs:
    - lengths: sequence lengths T; models: keys of :data:`TIMING_MODELS`;
      threads: torch thread counts; the first times every model, the others
      only the models that are also in ``thread_models``.
    - N, H, repeats, warmup: see :func:`time_training_step`.
    - long_T, long_repeats, once_models: for T > long_T, ``long_repeats``
      timed steps (one for the models in ``once_models``) and no warm-up.
    - log: optional callable receiving one line per measurement.

    Returns:
    - dict with "config", "rows" (one :func:`time_training_step` dict each),
      "slopes" ({threads: {model: slope of log time vs log T for T >= 256}}),
      "meta" (versions, CPU count, load averages), "cpu_seconds", "wall_seconds".
    """
    for m in models:
        if m not in TIMING_MODELS:
            raise ValueError(f"models: expected keys of {sorted(TIMING_MODELS)}, got {m!r}")
    config = {"lengths": [int(t) for t in lengths], "models": list(models),
              "threads": [int(k) for k in threads], "thread_models": list(thread_models),
              "N": int(N), "H": int(H), "repeats": int(repeats), "warmup": int(warmup),
              "long_T": int(long_T), "long_repeats": int(long_repeats),
              "once_models": list(once_models)}
    old_threads = torch.get_num_threads()
    load_before = _load_average()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    rows = []
    try:
        for i, k in enumerate(config["threads"]):
            torch.set_num_threads(k)
            these = [m for m in config["models"] if i == 0 or m in config["thread_models"]]
            for T in config["lengths"]:
                long = T > long_T
                for m in these:
                    reps = (1 if m in config["once_models"] else long_repeats) if long else repeats
                    row = time_training_step(m, T, N=N, H=H, repeats=reps,
                                             warmup=0 if long else warmup)
                    rows.append(row)
                    _log(log, f"threads={k} T={T} {TIMING_MODELS[m]}: {1e3 * row['seconds']:.1f} ms "
                              f"CPU per step ({1e3 * min(row['wall']):.1f} ms wall), "
                              f"{1e6 * row['per_sequence']:.0f} us per sequence")
    finally:
        torch.set_num_threads(old_threads)
    slopes: Dict[str, Dict[str, Optional[float]]] = {}
    for k in config["threads"]:
        slopes[str(k)] = {}
        for m in config["models"]:
            pts = [(r["T"], r["seconds"]) for r in rows if r["model"] == m and r["threads"] == k]
            if pts:
                slopes[str(k)][m] = fit_slope(*zip(*pts))
    meta = {"python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
            "cpu_count": os.cpu_count(), "load_average_before": load_before,
            "load_average_after": _load_average()}
    return {"config": config, "rows": rows, "slopes": slopes, "meta": meta,
            "cpu_seconds": time.process_time() - cpu0, "wall_seconds": time.perf_counter() - wall0}


def fit_slope(lengths: Sequence[int], seconds: Sequence[float], min_T: int = 256) -> Optional[float]:
    """Least-squares slope of log(seconds) against log(T), over T >= min_T.

    A slope of 1 means time proportional to T; 0 means independent of T.

    Inputs:
    - lengths: sequence lengths T; seconds: the times, same length.
    - min_T: leave out shorter sequences (fixed overheads dominate there).

    Returns:
    - slope (float), or None with fewer than two points.
    """
    pts = [(t, s) for t, s in zip(lengths, seconds) if t >= min_T and s > 0]
    if len(pts) < 2:
        return None
    lx, ly = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(lx, ly, 1)[0])


# ----------------------------------------------------------------------------
# stored results
# ----------------------------------------------------------------------------


def results_dir() -> Path:
    """``results/minimal`` of the repository: beside the package (an editable
    install), else below the working directory or its parent (a notebook run
    from ``chapters/``); the first of these that exists."""
    candidates = [Path(__file__).resolve().parents[2], Path.cwd(), Path.cwd().parent]
    for root in candidates:
        if (root / "results" / "minimal").is_dir():
            return root / "results" / "minimal"
    return candidates[0] / "results" / "minimal"


def load_results(name: str, directory: Optional[Path] = None) -> Dict[str, Any]:
    """Read a stored experiment: ``name`` is "tasks", "ch6" or "timing".

    Inputs:
    - name: "tasks", "ch6" (the minimal cells on chapter 6's grid) or "timing".
    - directory: where the JSON files are (default :func:`results_dir`).

    Returns:
    - the dict that :func:`run_tasks` or :func:`run_timing` returned.
    """
    if name not in ("tasks", "ch6", "timing"):
        raise ValueError(f"name: expected 'tasks', 'ch6' or 'timing', got {name!r}")
    path = Path(directory or results_dir()) / f"{name}.json"
    if not path.exists():
        raise FileNotFoundError(
            f"{path.name} not found in results/minimal; run "
            f"`python -m rnn_helpers.experiments.minimal {name}` first"
        )
    return json.loads(path.read_text())


# ----------------------------------------------------------------------------
# command lines
# ----------------------------------------------------------------------------


#: Training steps per second of budget in :func:`run` (one thread, about the
#: speed of a minGRU step at T = 60 on a laptop core).
STEPS_PER_SECOND = 40


def run(seconds: float, seed: int = 0) -> dict:
    """
    For ``python -m rnn_helpers.experiments minimal``: minGRU on the adding problem, T = 60.

    One run of chapter 6's recipe with a step budget of STEPS_PER_SECOND *
    seconds (at most the recipe's 800 steps; reproducible) and a safety net
    of three times ``seconds`` of wall time, on one torch thread.

    Inputs:
    - seconds: Positive float, the time budget
    - seed: Non-negative integer

    Returns:
    - dict with model, task, T, error (held-out MSE), baseline (the
      memoryless MSE), success, steps, max_steps, seconds and seed
    """
    seconds, seed = check_budget(seconds, seed)
    steps = int(min(RECIPE["max_steps"], max(1, round(STEPS_PER_SECOND * seconds))))
    with one_thread():
        record = run_one("mingru", 60, task="adding", seed=seed, max_steps=steps,
                         max_seconds=3.0 * seconds)
    return {"model": "minGRU", "task": "adding", "T": 60, "error": record["error"],
            "baseline": record["baseline"], "success": record["success"],
            "steps": record["steps"], "max_steps": steps, "seconds": record["seconds"],
            "seed": seed}


def summary(metrics: dict) -> dict:
    """
    The comparison of :func:`run`: minGRU's held-out MSE against the memoryless baseline.

    Inputs:
    - metrics: The dict :func:`run` returned

    Returns:
    - dict from :func:`rnn_helpers.experiments.protocol.comparison`
    """
    return comparison("held-out MSE, adding problem T = 60", "lower", "minGRU (parallel scan)",
                      metrics["error"], "memoryless (predict the mean)", metrics["baseline"],
                      steps=metrics["steps"], success=metrics["success"])


def _write(directory: Path, name: str, data: Dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return path


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser; its defaults are :data:`TASKS_CONFIG` and :data:`TIMING_CONFIG`."""
    p = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments.minimal",
        description=("Chapter 11: minGRU/minLSTM vs RNN/LSTM/GRU on the adding and copy tasks "
                     "(tasks), and training time per sequence against T (timing). Results go "
                     "to OUT/tasks.json, OUT/timing.json and a log OUT/minimal.log."),
    )
    p.add_argument("part", choices=["tasks", "ch6", "timing", "all"],
                   help="which experiment to run (ch6: the minimal cells on chapter 6's stored grid)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: results/minimal)")
    p.add_argument("--cells", nargs="+", default=TASKS_CONFIG["cells"], choices=sorted(NAMES))
    p.add_argument("--settings", nargs="+", default=[f"{t}:{T}" for t, T in TASKS_CONFIG["settings"]],
                   help="task:T pairs (default: %(default)s)")
    p.add_argument("--seeds", nargs="+", type=int, default=TASKS_CONFIG["seeds"])
    p.add_argument("--max-steps", type=int, default=TASKS_CONFIG["recipe"]["max_steps"],
                   help="step budget per run (default %(default)s, chapter 6's)")
    p.add_argument("--lengths", nargs="+", type=int, default=TIMING_CONFIG["lengths"])
    p.add_argument("--models", nargs="+", default=TIMING_CONFIG["models"], choices=list(TIMING_MODELS))
    p.add_argument("--threads", nargs="+", type=int, default=TIMING_CONFIG["threads"],
                   help="torch thread counts for the timing (default %(default)s); the first "
                        "times every model, the others only minGRU with the scan and torch.nn.GRU")
    p.add_argument("--repeats", type=int, default=TIMING_CONFIG["repeats"])
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    p = build_parser()
    args = p.parse_args(argv)
    settings = []
    for item in args.settings:
        task, _, T = item.partition(":")
        if task not in showdown.TASKS or not T.isdigit():
            p.error(f"--settings: expected task:T with task 'adding' or 'copy', got {item!r}")
        settings.append((task, int(T)))
    out = args.out or results_dir()
    out.mkdir(parents=True, exist_ok=True)
    with run_log(out / "minimal.log") as log:
        log(f"start: {' '.join(sys.argv[1:] if argv is None else argv)}")
        if args.part in ("tasks", "all"):
            recipe = {"max_steps": args.max_steps} if args.max_steps != RECIPE["max_steps"] else {}
            data = run_tasks(args.cells, settings, args.seeds, log=log, **recipe)
            path = _write(out, "tasks", data)
            log(f"tasks: {len(data['runs'])} runs, {data['cpu_seconds']:.0f} s CPU, "
                f"{data['wall_seconds']:.0f} s wall -> {path.name}")
        if args.part in ("ch6", "all"):
            recipe = {"max_steps": args.max_steps} if args.max_steps != RECIPE["max_steps"] else {}
            data = run_tasks(CH6_CONFIG["cells"], CH6_CONFIG["settings"], CH6_CONFIG["seeds"],
                             log=log, task_recipes=CH6_CONFIG["task_recipes"], **recipe)
            path = _write(out, "ch6", data)
            log(f"ch6: {len(data['runs'])} runs, {data['cpu_seconds']:.0f} s CPU -> {path.name}")
        if args.part in ("timing", "all"):
            data = run_timing(args.lengths, args.models, args.threads, repeats=args.repeats, log=log)
            path = _write(out, "timing", data)
            log(f"timing: slopes {data['slopes']}, {data['cpu_seconds']:.0f} s CPU -> {path.name}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
