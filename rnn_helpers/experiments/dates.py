"""Chapter 10: human-readable dates -> ISO 8601 with a GRU encoder-decoder, with and without attention.

The data come from :mod:`rnn_helpers.data.dates` (dates of 1950-2049 written
by Babel in 24 styles of six locales; no date shared between the splits).
Two models of :mod:`rnn_helpers.models.seq2seq` with the same encoder, decoder and
sizes are trained with teacher forcing and evaluated with greedy decoding on
the held-out test dates:

- ``plain``: the decoder sees the encoder's final state as its context at every step;
- ``attention``: the context is recomputed at every step by additive attention.

Two baselines put the numbers in perspective:

- ``mode``: the most common character at each position of the training
  targets, the same answer for every input;
- ``english_rules``: a hand-written parser that is correct for the nine
  English styles and gives up on the others (it scores exactly the share of
  English examples).

``run(seconds, seed)`` returns JSON-able metrics, ``summary(metrics)`` the
attention model against the plain one;
``python -m rnn_helpers.experiments dates --seconds 300`` prints them. The notebook
of chapter 10 calls :func:`experiment` (which ``run`` uses) with a short
budget, so it can also plot the curves and the attention weights.

Budgets: each model gets ``STEPS_PER_SECOND * seconds`` optimiser steps (the
same number for both, so both see the same number of examples), and always
exactly that many: the number of steps, never the wall time, decides a
result, so two runs with the same seed give the same numbers on a quiet or a
loaded machine (training runs on one torch thread, so the floating-point
reductions are the same too). The wall-time limit is only a safety cap
(``SAFETY_FACTOR * seconds + 60`` s by default, ``PLAIN_SHARE`` of it for the
plain model); a training that hits it raises instead of returning a shorter run.

Stored multi-seed runs (chapter 10's learning curves):
``python -m rnn_helpers.experiments.dates --seeds 5`` trains both models for
:data:`STORED_STEPS` steps on seeds 0-4 and writes one JSON file and one log
per seed under ``results/dates/`` (:func:`run_stored`, :func:`load_stored`, :func:`main`).

Why one module of about 650 lines: it is chapter 10's experiment end to end
(models, training, evaluation, both baselines, metrics, the stored multi-seed
runs), read top to bottom
next to the chapter; the shared parts live in
:mod:`~rnn_helpers.experiments.metrics` and :mod:`~rnn_helpers.experiments.protocol`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from rnn_helpers.argcheck import check_float, check_int
from rnn_helpers.data.dates import DatesData, EncodedDates, load_dates, style_name
from rnn_helpers.experiments.metrics import paired_bootstrap
from rnn_helpers.experiments.protocol import results_dir as protocol_results_dir
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread
from rnn_helpers.models.seq2seq import (
    Seq2Seq,
    char_accuracy,
    exact_match,
    sequence_loss,
    teacher_forcing_inputs,
    truncate_at_eos,
)
from rnn_helpers.models.training import TrainResult, set_seed, train

__all__ = [
    "STEPS_PER_SECOND",
    "SAFETY_FACTOR",
    "STORED_STEPS",
    "STORED_EVAL_EVERY",
    "stored_config",
    "run_stored",
    "load_stored",
    "steps_to_reach",
    "seed_interval",
    "results_dir",
    "main",
    "PLAIN_SHARE",
    "MODEL_CONFIG",
    "DatesExperiment",
    "make_model",
    "fit",
    "evaluate",
    "per_style_exact_match",
    "mode_baseline",
    "parse_english",
    "baselines",
    "experiment",
    "metrics",
    "run",
    "summary",
]

#: optimiser steps of each model per second of the total budget
STEPS_PER_SECOND = 10
#: share of the wall-time safety cap for the plain model (its steps are cheaper)
PLAIN_SHARE = 0.42
#: the safety cap is SAFETY_FACTOR * seconds + 60 s by default (it raises, never decides)
SAFETY_FACTOR = 20.0
#: the sizes shared by both models
MODEL_CONFIG = dict(emb_size=16, enc_hidden=32, dec_hidden=64)
BATCH_SIZE = 64
LEARNING_RATE = 1e-2
CLIP_NORM = 1.0
N_TRAIN, N_VAL, N_TEST = 20000, 1000, 2000
MAX_LEN = 12  # the ISO target has 10 characters and <eos>; one spare step
N_EVALS = 10  # validation points per learning curve
MODELS = ("plain", "attention")


@dataclass
class DatesExperiment:
    """
    Everything one run produced.

    - data: :class:`rnn_helpers.data.dates.DatesData`
    - models: dict "plain" / "attention" -> trained :class:`Seq2Seq` (eval mode)
    - results: dict "plain" / "attention" -> :class:`rnn_helpers.models.training.TrainResult`
      (``evals`` hold the validation exact match)
    - test: dict "plain" / "attention" -> dict of test metrics (:func:`evaluate`)
    - predictions: dict "plain" / "attention" -> int64 tensor (N_test, L), greedy outputs
    - baselines: dict from :func:`baselines`
    - steps: Integer step budget of each model
    - seconds: Float total budget
    - seed: Integer seed
    """

    data: DatesData
    models: Dict[str, Seq2Seq]
    results: Dict[str, TrainResult]
    test: Dict[str, Dict[str, float]]
    predictions: Dict[str, torch.Tensor]
    baselines: Dict[str, Dict[str, float]]
    steps: int
    seconds: float
    seed: int


def make_model(data: DatesData, attention: bool, seed: int = 0) -> Seq2Seq:
    """A :class:`Seq2Seq` of size :data:`MODEL_CONFIG` for ``data``, initialised from ``seed``."""
    torch.manual_seed(seed)
    return Seq2Seq(len(data.src_vocab), len(data.tgt_vocab), attention=attention, **MODEL_CONFIG)


def fit(
    model: Seq2Seq,
    train_set: EncodedDates,
    val_set: Optional[EncodedDates] = None,
    *,
    max_steps: int = 300,
    max_seconds: float = 60.0,
    batch_size: int = BATCH_SIZE,
    lr: float = LEARNING_RATE,
    eval_every: Optional[int] = None,
    seed: int = 0,
    progress: bool = False,
) -> TrainResult:
    """
    Train with teacher forcing on random minibatches; validate with greedy decoding.

    Inputs:
    - model: :class:`Seq2Seq`
    - train_set: :class:`EncodedDates` to draw minibatches from (with replacement)
    - val_set: optional :class:`EncodedDates`; its exact match is recorded in ``evals``
    - max_steps, max_seconds: the step budget and the wall-time safety net
    - batch_size, lr: minibatch size and Adam's learning rate (gradients clipped to norm 1)
    - eval_every: validate every this many steps (default: about :data:`N_EVALS` times per run)
    - seed: Integer seed of the minibatch stream
    - progress: Boolean, show a tqdm bar

    Returns:
    - result: :class:`rnn_helpers.models.training.TrainResult`
    """
    n = len(train_set)

    def batch_fn(step, rng):
        return train_set.subset(rng.integers(0, n, size=batch_size))  # (B, S), (B,), (B, T)

    def loss_fn(m, batch):
        logits, _ = m(batch.src, batch.src_len, teacher_forcing_inputs(batch.tgt))  # (B, T, V)
        return sequence_loss(logits, batch.tgt)

    eval_fn = None
    if val_set is not None:
        def eval_fn(m):
            pred, _ = m.greedy_decode(val_set.src, val_set.src_len, max_len=MAX_LEN)
            return exact_match(pred, val_set.tgt)

    if eval_every is None:
        eval_every = max(1, max_steps // N_EVALS)
    return train(model, batch_fn, loss_fn, max_steps=max_steps, max_seconds=max_seconds, lr=lr,
                 clip_norm=CLIP_NORM, eval_fn=eval_fn, eval_every=eval_every, seed=seed, progress=progress)


@torch.no_grad()
def evaluate(model: Seq2Seq, split: EncodedDates, max_len: int = MAX_LEN):
    """
    Held-out metrics of a model: greedy decoding, and the teacher-forced per-character accuracy.

    Inputs:
    - model: :class:`Seq2Seq`
    - split: :class:`EncodedDates`

    Returns a tuple of:
    - scores: dict with "exact_match" and "char_accuracy" (greedy decoding) and
      "teacher_forced_char_accuracy" (argmax at each position given the true prefix)
    - pred: int64 tensor of shape (N, L), the greedy outputs
    """
    model.eval()
    pred, _ = model.greedy_decode(split.src, split.src_len, max_len=max_len)  # (N, L)
    logits, _ = model(split.src, split.src_len, teacher_forcing_inputs(split.tgt))  # (N, T, V)
    scores = {
        "exact_match": exact_match(pred, split.tgt),
        "char_accuracy": char_accuracy(pred, split.tgt),
        "teacher_forced_char_accuracy": char_accuracy(logits.argmax(dim=-1), split.tgt),
    }
    return scores, pred


def _hits(pred, tgt) -> np.ndarray:
    """Boolean array (N,): output n equals target n up to its <eos>."""
    pred, tgt = truncate_at_eos(pred), truncate_at_eos(tgt)
    L = max(pred.shape[1], tgt.shape[1])
    pred = torch.nn.functional.pad(pred, (0, L - pred.shape[1]))
    tgt = torch.nn.functional.pad(tgt, (0, L - tgt.shape[1]))
    return (pred == tgt).all(dim=1).numpy()  # (N,)


def per_style_exact_match(pred, tgt, style: np.ndarray, n_styles: int) -> np.ndarray:
    """
    Exact match per style.

    Inputs:
    - pred: Integer tensor of shape (N, L1); tgt: Integer tensor of shape (N, L2)
    - style: Integer array of shape (N,), the style of each example
    - n_styles: Integer number of styles K

    Returns:
    - accuracy: Array of shape (K,) (NaN for a style without examples)
    """
    hit = _hits(pred, tgt).astype(np.float64)  # (N,)
    style = np.asarray(style)
    counts = np.bincount(style, minlength=n_styles).astype(np.float64)  # (K,)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(style, weights=hit, minlength=n_styles) / counts


# ----------------------------------------------------------------------------
# baselines
# ----------------------------------------------------------------------------


def mode_baseline(train_targets: Sequence[str]) -> str:
    """
    The most common character at each position of the training targets.

    Inputs:
    - train_targets: Sequence of ISO date strings of equal length

    Returns:
    - answer: String, the same prediction for every input
    """
    arr = np.array([list(t) for t in train_targets])  # (N, 10) characters
    out = []
    for col in arr.T:  # ten positions
        chars, counts = np.unique(col, return_counts=True)
        out.append(chars[np.argmax(counts)])
    return "".join(out)


_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
#: English month names as CLDR writes them: full, three letters, and British "Sept"
_MONTH_WORDS = {**{m: i + 1 for i, m in enumerate(_MONTHS_EN)},
                **{m[:3]: i + 1 for i, m in enumerate(_MONTHS_EN)}, "Sept": 9}
_WEEKDAY = re.compile(r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*, ")
_RULES = (
    (re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2})"), ("m", "d", "yy")),  # en_US short: 3/9/87
    (re.compile(r"(\d{2})/(\d{2})/(\d{4})"), ("d", "m", "y")),  # en_GB short: 09/03/1987
    (re.compile(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})"), ("month", "d", "y")),  # en_US: March 9, 1987
    (re.compile(r"(\d{1,2}) ([A-Z][a-z]+) (\d{4})"), ("d", "month", "y")),  # en_GB: 9 March 1987
)


def parse_english(text: str) -> Optional[str]:
    """
    A hand-written parser for the nine English styles; None for anything else.

    It strips an English weekday, then tries four regular expressions (US and
    British numeric dates, US and British dates with a month name). Two-digit
    years follow the data set's convention, 50-99 -> 19xx and 00-49 -> 20xx.

    Inputs:
    - text: String

    Returns:
    - iso: "YYYY-MM-DD", or None when no rule applies (or the date does not exist)
    """
    if not isinstance(text, str):
        raise ValueError(f"text: expected a string, got {type(text).__name__}")
    body = _WEEKDAY.sub("", text)
    for pattern, fields in _RULES:
        match = pattern.fullmatch(body)
        if match is None:
            continue
        parts = dict(zip(fields, match.groups()))
        if "month" in parts:
            if parts["month"] not in _MONTH_WORDS:
                return None
            month = _MONTH_WORDS[parts["month"]]
        else:
            month = int(parts["m"])
        if "yy" in parts:
            yy = int(parts["yy"])
            year = 1900 + yy if yy >= 50 else 2000 + yy
        else:
            year = int(parts["y"])
        try:
            return str(np.datetime64(f"{year:04d}-{month:02d}-{int(parts['d']):02d}", "D"))
        except ValueError:
            return None
    return None


def _string_scores(pred: List[str], target: List[str]) -> Dict[str, float]:
    """Exact match and per-character accuracy (+1 position for <eos>) of string predictions."""
    exact = np.mean([p == t for p, t in zip(pred, target)])
    hits = total = 0
    for p, t in zip(pred, target):
        total += len(t) + 1  # characters and <eos>
        hits += sum(a == b for a, b in zip(p, t)) + (len(p) == len(t))
    return {"exact_match": float(exact), "char_accuracy": hits / total}


def baselines(data: DatesData, split: str = "test") -> Dict[str, Dict[str, float]]:
    """
    Scores of the two baselines on one split.

    Returns:
    - dict "mode" and "english_rules" -> {"exact_match", "char_accuracy"}; "mode"
      also holds its "answer", "english_rules" its "coverage" (share of inputs it parses)
    """
    ex = data.split(split)
    answer = mode_baseline(data.train.target)
    mode = _string_scores([answer] * len(ex), ex.target)
    mode["answer"] = answer
    parsed = [parse_english(s) for s in ex.source]
    rules = _string_scores([p or "" for p in parsed], ex.target)
    rules["coverage"] = float(np.mean([p is not None for p in parsed]))
    return {"mode": mode, "english_rules": rules}


# ----------------------------------------------------------------------------
# the experiment
# ----------------------------------------------------------------------------


def experiment(seconds: float, seed: int = 0, max_seconds: Optional[float] = None,
               data: Optional[DatesData] = None, progress: bool = False,
               steps: Optional[int] = None, eval_every: Optional[int] = None) -> DatesExperiment:
    """
    Generate the data, train both models with the same step budget, evaluate on the test dates.

    Inputs:
    - seconds: Float total budget; each model gets round(STEPS_PER_SECOND * seconds)
      steps (at least 1)
    - seed: Integer seed (data, initialisation, minibatches)
    - max_seconds: Float wall-time safety cap for both trainings together (default
      ``SAFETY_FACTOR * seconds + 60``), split PLAIN_SHARE : 1 - PLAIN_SHARE. It never
      decides the result: a training that hits it raises RuntimeError, so every
      completed run trained exactly its step budget, whatever the machine's load
    - steps: Optional Integer step budget of each model (overrides ``seconds``)
    - eval_every: Optional Integer, validate every this many steps (default: about
      :data:`N_EVALS` points per curve)
    - data: Optional :class:`DatesData` already generated with
      ``load_dates(N_TRAIN, N_VAL, N_TEST, seed=seed)`` (saves generating it twice)
    - progress: Boolean, show tqdm bars

    Returns:
    - exp: :class:`DatesExperiment`
    """
    seconds, seed = check_budget(seconds, seed)
    if max_seconds is None:
        net = SAFETY_FACTOR * seconds + 60.0
    else:
        net = check_float("max_seconds", max_seconds, positive=True)
    set_seed(seed)
    if data is None:
        data = load_dates(N_TRAIN, N_VAL, N_TEST, seed=seed)
    elif not isinstance(data, DatesData):
        raise ValueError(f"data: expected a DatesData from load_dates, got {type(data).__name__}")
    train_set, val_set, test_set = data.encode("train"), data.encode("val"), data.encode("test")
    if steps is None:
        steps = max(1, int(round(STEPS_PER_SECOND * seconds)))
    else:
        steps = check_int("steps", steps, 1)
    nets = {"plain": PLAIN_SHARE * net, "attention": (1 - PLAIN_SHARE) * net}
    models, results, test, preds = {}, {}, {}, {}
    with one_thread():  # the same floating-point reductions on every run
        for name in MODELS:
            model = make_model(data, attention=(name == "attention"), seed=seed)
            results[name] = fit(model, train_set, val_set, max_steps=steps,
                                max_seconds=nets[name], eval_every=eval_every, seed=seed,
                                progress=progress)
            if results[name].steps < steps:
                raise RuntimeError(
                    f"{name}: the wall-time safety cap of {nets[name]:.0f} s stopped training "
                    f"after {results[name].steps} of {steps} steps; the result would depend on "
                    "the machine's load, so none is returned (pass a larger max_seconds)")
            test[name], preds[name] = evaluate(model, test_set)
            models[name] = model
    return DatesExperiment(data=data, models=models, results=results, test=test, predictions=preds,
                           baselines=baselines(data, "test"), steps=steps, seconds=float(seconds), seed=int(seed))


def metrics(exp: DatesExperiment) -> dict:
    """
    JSON-able summary of an experiment.

    Returns:
    - dict with, per model ("plain", "attention"): test "exact_match",
      "char_accuracy", "teacher_forced_char_accuracy", "per_style_exact_match",
      "parameters", "steps", "seconds", "stopped", "final_train_loss",
      "val_exact_match" (list of [step, value]); "baselines";
      "attention_minus_plain_ci95" (95 % paired bootstrap interval of the
      exact-match difference on the test dates); the sizes of the splits;
      the budget and the seed.
    """
    data = exp.data
    out = {"baselines": exp.baselines}
    tgt = data.encode("test").tgt
    for name in MODELS:
        res = exp.results[name]
        per_style = per_style_exact_match(exp.predictions[name], tgt, data.test.style, len(data.styles))
        out[name] = {
            **{k: float(v) for k, v in exp.test[name].items()},
            "per_style_exact_match": {style_name(s): float(a) for s, a in zip(data.styles, per_style)},
            "parameters": int(sum(p.numel() for p in exp.models[name].parameters())),
            "steps": int(res.steps),
            "seconds": float(res.seconds),
            "stopped": res.stopped,
            "final_train_loss": float(res.final_loss),
            "val_exact_match": [[int(s), float(v)] for s, v in res.evals],
        }
    hits = {name: _hits(exp.predictions[name], tgt) for name in MODELS}  # (N_test,) each
    out["attention_minus_plain_ci95"] = list(paired_bootstrap(hits["attention"], hits["plain"],
                                                              seed=exp.seed))
    out.update({
        "n_train": len(data.train), "n_val": len(data.val), "n_test": len(data.test),
        "n_styles": len(data.styles), "step_budget": int(exp.steps), "batch_size": BATCH_SIZE,
        "seconds": float(exp.seconds), "seed": int(exp.seed),
    })
    return out


def run(seconds: float, seed: int = 0) -> dict:
    """
    Train and evaluate both models; return JSON-able metrics (see :func:`metrics`).

    Inputs:
    - seconds: Float total training budget, split between the two models
    - seed: Integer seed
    """
    seconds, seed = check_budget(seconds, seed)
    start = time.perf_counter()
    with one_thread():
        out = metrics(experiment(seconds, seed=seed))
    out["wall_seconds"] = time.perf_counter() - start
    return out


def summary(metrics: dict) -> dict:
    """
    The comparison of :func:`run`'s metrics in one line: test exact match, attention against plain.

    The recurrent baseline is the plain encoder-decoder (same sizes, same
    steps); the hand-written English rules, the strongest non-neural
    baseline, follow under "english_rules".

    Inputs:
    - metrics: dict returned by :func:`run`

    Returns:
    - dict from :func:`rnn_helpers.experiments.protocol.comparison`
    """
    return comparison("test exact match", "higher", "GRU seq2seq with attention",
                      metrics["attention"]["exact_match"], "GRU seq2seq without attention",
                      metrics["plain"]["exact_match"], metrics["attention_minus_plain_ci95"],
                      english_rules=metrics["baselines"]["english_rules"]["exact_match"],
                      n_test=metrics["n_test"], seeds=1)


# ----------------------------------------------------------------------------
# stored multi-seed runs (chapter 10's learning curves)
# ----------------------------------------------------------------------------

#: optimiser steps of each model in the stored runs (3x the notebook's 200; chosen so five seeds fit a modest CPU budget)
STORED_STEPS = 600
#: validation every this many steps in the stored runs (30 points per curve)
STORED_EVAL_EVERY = 20
#: seeds of the stored runs
STORED_SEEDS = 5


def stored_config(steps: int = STORED_STEPS, eval_every: int = STORED_EVAL_EVERY) -> dict:
    """The configuration a stored run records (compared with the defaults by the tests)."""
    return {"steps": int(steps), "eval_every": int(eval_every), "batch_size": BATCH_SIZE,
            "lr": LEARNING_RATE, "clip_norm": CLIP_NORM, "model": dict(MODEL_CONFIG),
            "n_train": N_TRAIN, "n_val": N_VAL, "n_test": N_TEST}


def run_stored(seed: int, steps: int = STORED_STEPS, eval_every: int = STORED_EVAL_EVERY,
               max_seconds: float = 3600.0) -> dict:
    """
    One stored run: both models, ``steps`` steps each, validated every ``eval_every`` steps.

    Inputs:
    - seed: Integer seed (data, initialisation, minibatches)
    - steps, eval_every: Integers
    - max_seconds: Float safety cap (raises when hit)

    Returns:
    - dict: :func:`metrics` plus "config" (:func:`stored_config`) and "wall_seconds"
    """
    start = time.perf_counter()
    exp = experiment(steps / STEPS_PER_SECOND, seed=seed, max_seconds=max_seconds,
                     steps=steps, eval_every=eval_every)
    out = metrics(exp)
    out["config"] = stored_config(steps, eval_every)
    out["wall_seconds"] = time.perf_counter() - start
    return out


def results_dir():
    """``results/dates`` (see :func:`rnn_helpers.experiments.protocol.results_dir`)."""
    return protocol_results_dir("dates")


def load_stored(folder=None) -> List[dict]:
    """
    The stored runs, sorted by seed.

    Inputs:
    - folder: optional path of ``results/dates`` (holding ``seed_K.json``);
      default :func:`results_dir`

    Returns:
    - runs: list of dicts written by :func:`main`
    """
    import json
    from pathlib import Path

    folder = results_dir() if folder is None else Path(folder)
    files = sorted(Path(folder).glob("seed_*.json"))
    if not files:
        raise ValueError(f"folder: no seed_*.json in {folder}")
    runs = [json.loads(f.read_text()) for f in files]
    return sorted(runs, key=lambda r: r["seed"])


def steps_to_reach(curve: Sequence[Sequence[float]], level: float) -> Optional[int]:
    """
    The first validation step whose exact match is >= level.

    Inputs:
    - curve: Sequence of (step, value) pairs, in step order
    - level: Float in [0, 1]

    Returns:
    - step: Integer, or None when the curve never reaches ``level``
    """
    level = check_float("level", level, 0.0, 1.0)
    return next((int(s) for s, v in curve if v >= level), None)


def seed_interval(values: Sequence[float], n: int = 10000, seed: int = 0,
                  level: float = 0.95):
    """
    Mean over seeds with a percentile bootstrap interval (seeds resampled).

    With five seeds the interval is rough (it cannot be wider than the range
    of the values); it says how much the mean moves with the choice of seeds.

    Inputs:
    - values: Sequence of K >= 2 floats, one per seed
    - n: Integer number of bootstrap draws; seed: Integer; level: Float in (0, 1)

    Returns a tuple of:
    - mean, low, high: Floats
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.shape[0] < 2 or not np.all(np.isfinite(x)):
        raise ValueError(f"values: expected K >= 2 finite floats, got shape {x.shape}")
    level = check_float("level", level, 0.0, 1.0, exclusive=True)
    rng = np.random.default_rng(check_int("seed", seed, 0))
    means = x[rng.integers(0, len(x), size=(check_int("n", n, 1), len(x)))].mean(axis=1)  # (n,)
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(x.mean()), float(low), float(high)


def main(argv=None) -> int:
    """``python -m rnn_helpers.experiments.dates --seeds 5 [--steps N] [--out DIR]``."""
    import argparse
    import json
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="python -m rnn_helpers.experiments.dates",
                                     description="Chapter 10's stored multi-seed runs.")
    parser.add_argument("--seeds", type=int, default=STORED_SEEDS, help="seeds 0..K-1")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=STORED_STEPS)
    parser.add_argument("--eval-every", type=int, default=STORED_EVAL_EVERY)
    parser.add_argument("--out", default="results/dates")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        res = run_stored(seed, args.steps, args.eval_every)
        (out / f"seed_{seed}.json").write_text(json.dumps(res, indent=1, sort_keys=True) + "\n")
        lines = [f"seed {seed}: {args.steps} steps per model, wall {res['wall_seconds']:.1f} s"]
        for name in MODELS:
            m = res[name]
            lines.append(f"{name}: test exact match {m['exact_match']:.4f}, stopped on "
                         f"{m['stopped']}, {m['seconds']:.1f} s")
            lines += [f"  step {s:5d} validation exact match {v:.4f}"
                      for s, v in m["val_exact_match"]]
        (out / f"seed_{seed}.log").write_text("\n".join(lines) + "\n")
        print(lines[0], flush=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
