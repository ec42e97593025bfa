"""Chapter 8: 8x8 handwritten digits read row by row, against logistic regression on the pixels.

Data: ``sklearn.datasets.load_digits`` (ships with scikit-learn, BSD licence):
1797 images of 8x8 pixels with 17 grey levels (0..16), a copy of the test
part of the UCI "Optical Recognition of Handwritten Digits" data (Alpaydin
and Kaynak, 1998). Pixels are divided by 16. The split is stratified,
60/20/20 (train/validation/test), with
:func:`rnn_helpers.data.names.stratified_split`.

The RNN reads an image as a sequence of T = 8 rows of D = 8 pixels (the
"sequential MNIST" idea on a data set that needs no download), keeps the
state after the last row and classifies it with a linear layer and a softmax
(:class:`RowReader`). All sequences have the same length, so no padding is
involved. Baseline: multinomial logistic regression on the 64 pixels, its C
chosen on the validation part.

A second experiment trains the same network with a squared error between the
softmax output and the one-hot target (a recipe found in many tutorials)
instead of cross-entropy, with Adam and with SGD with momentum, for the
same number of steps, each loss at its own learning rate:
``python -m rnn_helpers.experiments.digits losses`` (:func:`tune_losses`)
tunes the rate of every loss and optimiser on validation over LR_GRID with
the seeds TUNING_SEEDS, compares the losses at the tuned rates and stores
``results/digits/loss_tuning.json``; :data:`TUNED_LR` holds its choice.

``run(seconds, seed)`` returns the metrics, ``summary(metrics)`` the RNN
against logistic regression;
``python -m rnn_helpers.experiments digits --seconds 300``.
``python -m rnn_helpers.experiments.digits`` stores the test accuracy of the
LSTM and the three pixel baselines (logistic regression, RBF-SVM, 1-NN) on
the stratified splits of seeds ``SPLIT_SEEDS`` in ``results/digits/splits.json``.

Why one module of over 400 lines: the split, the reader, its training, the
baselines over repeated splits and the loss comparison are one experiment on
one data set and share its split and budgets.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.argcheck import check_choice, check_int
from rnn_helpers.data.names import stratified_split
from rnn_helpers.experiments.metrics import accuracy, confusion_matrix, macro_f1, paired_bootstrap
from rnn_helpers.experiments.protocol import results_dir as protocol_results_dir
from rnn_helpers.experiments.protocol import (
    best_on_validation,
    check_budget,
    comparison,
    one_thread,
    require_step_budget,
    run_log,
    train_best,
)
from rnn_helpers.models.training import set_seed

__all__ = [
    "STEPS_PER_SECOND",
    "SAFETY_FACTOR",
    "MODEL_DEFAULTS",
    "DigitsTask",
    "prepare",
    "RowReader",
    "softmax_mse",
    "train_reader",
    "predict",
    "fit_logistic",
    "fit_svm",
    "fit_nearest_neighbour",
    "accuracy_over_splits",
    "SPLIT_STEPS",
    "COMPARISON_LR",
    "LR_GRID",
    "TUNING_SEEDS",
    "COMPARISON_STEPS",
    "TUNED_LR",
    "compare_losses",
    "tune_losses",
    "experiment",
    "run",
    "summary",
    "results_dir",
]

#: Step budget per second: about half of what one quiet CPU core manages.
STEPS_PER_SECOND = 100
#: The wall-time safety cap of a training is SAFETY_FACTOR times its share of
#: ``seconds`` plus 60 s; hitting it raises RuntimeError: the step budget, never
#: the clock, ends a run, so a result does not depend on the machine's load.
SAFETY_FACTOR = 10.0
#: The network and optimiser of the main model.
MODEL_DEFAULTS: Dict[str, Any] = dict(
    cell="lstm", hidden=64, batch=64, lr=1e-2, momentum=0.9, clip_norm=1.0, eval_every=50,
)
#: One shared learning rate per optimiser (the untuned default of SGD in :func:`train_reader`).
COMPARISON_LR = {"adam": 1e-2, "sgd": 0.1}
#: The loss comparison's learning-rate grids per optimiser, its seeds and its step budget
#: (``python -m rnn_helpers.experiments.digits losses`` stores results/digits/loss_tuning.json).
LR_GRID: Dict[str, Tuple[float, ...]] = {
    "sgd": (0.03, 0.1, 0.3, 1.0, 3.0, 10.0), "adam": (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)}
TUNING_SEEDS: Tuple[int, ...] = (0, 1, 2)
COMPARISON_STEPS = 125
#: The rate of each loss and optimiser chosen on validation by :func:`tune_losses`
#: (mean over TUNING_SEEDS of the best validation accuracy); a test checks the stored run agrees.
TUNED_LR: Dict[str, float] = {"ce/adam": 3e-2, "mse/adam": 3e-2, "ce/sgd": 1.0, "mse/sgd": 1.0}


@dataclass
class DigitsTask:
    """
    Attributes:
    - images: Array of shape (M, 8, 8), float32 in [0, 1]
    - labels: Integer array of shape (M,), the digit 0..9
    - train, val, test: Sorted index arrays
    """

    images: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def prepare(seed: int = 0, fractions: Sequence[float] = (0.6, 0.2, 0.2)) -> DigitsTask:
    """
    Load ``load_digits`` (offline), scale pixels to [0, 1], split per class.

    Inputs:
    - seed: Non-negative integer for the split
    - fractions: Train/validation/test proportions

    Returns:
    - task: DigitsTask with 1797 images
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)  # (M, 8, 8)
    labels = digits.target.astype(np.int64)  # (M,)
    train_idx, val_idx, test_idx = stratified_split(labels, fractions, seed=seed)
    return DigitsTask(images, labels, train_idx, val_idx, test_idx)


class RowReader(torch.nn.Module):
    """
    Many-to-one RNN over the rows of an image: x (N, T, D) -> logits (N, Q).

    Inputs of the constructor:
    - D: Pixels per row (input size); Q: number of classes
    - hidden: Hidden size H
    - cell: "lstm", "gru" or "rnn"
    - read: "rows" (x[:, t] is row t) or "columns" (the image transposed first)
    """

    def __init__(self, D: int = 8, Q: int = 10, *, hidden: int = 64, cell: str = "lstm", read: str = "rows"):
        super().__init__()
        cells = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}
        check_choice("cell", cell, cells)
        self.read = check_choice("read", read, ("rows", "columns"))
        self.rnn = cells[cell](D, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, Q)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 3:
            raise ValueError(f"x: expected shape (N, T, D), got {tuple(x.shape)}")
        if self.read == "columns":
            x = x.transpose(1, 2)  # (N, D, T): column j becomes step j
        out, _ = self.rnn(x)  # (N, T, H)
        return self.head(out[:, -1])  # (N, Q): every image has all T rows, no padding


def softmax_mse(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """
    Squared error between softmax(logits) and the one-hot targets, summed over classes, mean over the batch.

    Inputs:
    - logits: Tensor of shape (N, Q)
    - y: LongTensor of shape (N,)

    Returns:
    - loss: Scalar tensor
    """
    p = torch.softmax(logits, dim=-1)  # (N, Q)
    onehot = F.one_hot(y, logits.shape[-1]).to(p.dtype)  # (N, Q)
    return ((p - onehot) ** 2).sum(dim=-1).mean()


def predict(model: torch.nn.Module, task: DigitsTask, idx: np.ndarray) -> np.ndarray:
    """Predicted digits for the images at ``idx`` (shape (K,)) -> integer array (K,)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(task.images[np.asarray(idx)])).argmax(dim=-1).numpy()
    model.train(was_training)
    return pred


def train_reader(task: DigitsTask, *, steps: int, seconds: float, seed: int = 0, loss: str = "ce",
                 optimizer: str = "adam", lr: Optional[float] = None, **overrides):
    """
    Train a :class:`RowReader`; keep the checkpoint with the best validation accuracy.

    Inputs:
    - task: DigitsTask
    - steps: Step budget (it alone ends a training)
    - seconds: Wall-time safety cap; hitting it raises RuntimeError
    - seed: Seeds initialisation and batches
    - loss: "ce" (cross-entropy on the logits) or "mse" (:func:`softmax_mse`)
    - optimizer: "adam" or "sgd" (with momentum MODEL_DEFAULTS["momentum"])
    - lr: Learning rate (default: MODEL_DEFAULTS["lr"] for Adam, COMPARISON_LR["sgd"] for SGD)
    - overrides: Keys of MODEL_DEFAULTS to change, and read="columns"

    Returns a tuple of:
    - model: RowReader in eval mode
    - result: TrainResult (result.evals: validation accuracy every eval_every steps)
    - best_step: Integer
    """
    cfg = {**MODEL_DEFAULTS, **overrides}
    unknown = set(cfg) - set(MODEL_DEFAULTS) - {"read"}
    if unknown:
        raise ValueError(f"overrides: unknown settings {sorted(unknown)}")
    check_choice("loss", loss, ("ce", "mse"))
    check_choice("optimizer", optimizer, ("adam", "sgd"))
    set_seed(seed)
    model = RowReader(task.images.shape[2], 10, hidden=cfg["hidden"], cell=cfg["cell"],
                      read=cfg.get("read", "rows"))
    if lr is None:
        lr = cfg["lr"] if optimizer == "adam" else COMPARISON_LR["sgd"]
    opt = (torch.optim.Adam(model.parameters(), lr=lr) if optimizer == "adam"
           else torch.optim.SGD(model.parameters(), lr=lr, momentum=cfg["momentum"]))
    images, labels = torch.from_numpy(task.images), torch.from_numpy(task.labels)
    B = cfg["batch"]

    def batch_fn(step, rng):
        idx = torch.from_numpy(rng.choice(task.train, size=B, replace=False))
        return images[idx], labels[idx]  # (B, 8, 8), (B,)

    def loss_fn(m, batch):
        x, y = batch
        logits = m(x)  # (B, 10)
        return F.cross_entropy(logits, y) if loss == "ce" else softmax_mse(logits, y)

    def val_fn(m):
        return accuracy(task.labels[task.val], predict(m, task, task.val))

    result, best_step = train_best(model, batch_fn, loss_fn, val_fn, max_steps=steps, max_seconds=seconds,
                                   lr=lr, optimizer=opt, clip_norm=cfg["clip_norm"],
                                   eval_every=cfg["eval_every"], seed=seed)
    require_step_budget(result, seconds)
    model.eval()
    return model, result, best_step


def _fit_on_pixels(task: DigitsTask, make, Cs: Sequence[float]):
    """Fit ``make(C)`` on the flattened training pixels for every C; keep the best on validation."""
    flat = task.images.reshape(len(task.images), -1)  # (M, 64)

    def fit_score(C):
        model = make(C).fit(flat[task.train], task.labels[task.train])
        return model, accuracy(task.labels[task.val], model.predict(flat[task.val]))

    return best_on_validation([float(c) for c in Cs], fit_score)


def fit_logistic(task: DigitsTask, Cs: Sequence[float] = (0.1, 1.0, 10.0)):
    """
    Multinomial logistic regression on the 64 pixels, C chosen on the validation part.

    Returns a tuple of:
    - model: Fitted sklearn LogisticRegression (predict on arrays of shape (K, 64))
    - C: The chosen C
    - val_accuracy: Its validation accuracy
    """
    from sklearn.linear_model import LogisticRegression

    return _fit_on_pixels(task, lambda C: LogisticRegression(C=C, solver="newton-cg", max_iter=1000), Cs)


def fit_svm(task: DigitsTask, Cs: Sequence[float] = (1.0, 10.0, 100.0)):
    """
    An RBF-kernel support vector machine on the 64 pixels, C chosen on validation.

    The kernel width is scikit-learn's ``gamma="scale"`` (1 / (64 * pixel variance)).

    Returns a tuple of:
    - model: Fitted sklearn SVC (predict on arrays of shape (K, 64))
    - C: The chosen C
    - val_accuracy: Its validation accuracy
    """
    from sklearn.svm import SVC

    return _fit_on_pixels(task, lambda C: SVC(C=C, kernel="rbf", gamma="scale"), Cs)


def fit_nearest_neighbour(task: DigitsTask):
    """
    The 1-nearest-neighbour classifier (Euclidean distance on the 64 pixels), fitted on ``task.train``.

    Nothing is tuned. A test image whose nearest training image is almost a
    copy of it (the same writer, for instance) is classified right almost by
    construction, so 1-NN measures how close the test part is to the training
    part as much as how hard the task is.

    Returns a tuple of:
    - model: Fitted sklearn KNeighborsClassifier(n_neighbors=1)
    - val_accuracy: Its validation accuracy
    """
    from sklearn.neighbors import KNeighborsClassifier

    flat = task.images.reshape(len(task.images), -1)  # (M, 64)
    model = KNeighborsClassifier(n_neighbors=1).fit(flat[task.train], task.labels[task.train])
    return model, accuracy(task.labels[task.val], model.predict(flat[task.val]))


#: The seeds of the stored repeated-split table (``results/digits/splits.json``).
SPLIT_SEEDS: Tuple[int, ...] = tuple(range(10))
#: The LSTM's step budget on every split: chapter 8's (its DIGITS_STEPS).
SPLIT_STEPS = 500


def accuracy_over_splits(seeds: Sequence[int] = SPLIT_SEEDS,
                         lstm_steps: int = SPLIT_STEPS) -> Dict[str, list]:
    """
    Test accuracy of the LSTM and the three pixel baselines on repeated stratified splits.

    Every seed draws a new stratified 60/20/20 split (:func:`prepare`); on
    each, every model is trained on its training part, chosen on its
    validation part (the baselines' C, the LSTM's best checkpoint) and
    scored on its test part. The LSTM is :func:`train_reader` with the split's
    seed and ``lstm_steps`` steps, as chapter 8 trains it on split 0.

    Inputs:
    - seeds: Sequence of S non-negative integers
    - lstm_steps: Non-negative integer; 0 leaves the LSTM out

    Returns:
    - accuracies: dict "logistic", "svm", "1nn" (and "lstm") -> list of S test accuracies
    """
    lstm_steps = check_int("lstm_steps", lstm_steps, 0)
    out: Dict[str, list] = {"logistic": [], "svm": [], "1nn": []}
    if lstm_steps:
        out["lstm"] = []
    for seed in seeds:
        task = prepare(int(seed))
        x_test = task.images[task.test].reshape(len(task.test), -1)  # (K, 64)
        y_test = task.labels[task.test]
        out["logistic"].append(accuracy(y_test, fit_logistic(task)[0].predict(x_test)))
        out["svm"].append(accuracy(y_test, fit_svm(task)[0].predict(x_test)))
        out["1nn"].append(accuracy(y_test, fit_nearest_neighbour(task)[0].predict(x_test)))
        if lstm_steps:
            cap = SAFETY_FACTOR * lstm_steps / STEPS_PER_SECOND + 60.0
            model = train_reader(task, steps=lstm_steps, seconds=cap, seed=int(seed))[0]
            out["lstm"].append(accuracy(y_test, predict(model, task, task.test)))
    return out


def compare_losses(task: DigitsTask, *, steps: int, seconds: float, seed: int = 0,
                   eval_every: Optional[int] = None,
                   lrs: Optional[Dict[str, float]] = None) -> Dict[str, Dict[str, Any]]:
    """
    Train the same RowReader with cross-entropy and with softmax + squared error, with Adam and SGD.

    Inputs:
    - task: DigitsTask
    - steps: Step budget of each of the four runs; seconds: wall-time safety cap of each
    - seed: The same seed (same initial weights, same batches) for all four
    - eval_every: Steps between validation evaluations (default: max(5, steps // 10))
    - lrs: dict "ce/adam", "mse/adam", "ce/sgd", "mse/sgd" -> learning rate
      (default :data:`TUNED_LR`, each loss's rate tuned on validation)

    Returns:
    - runs: dict "ce/adam", "mse/adam", "ce/sgd", "mse/sgd" -> dict with
      "steps" (list), "val_accuracy" (list, one per evaluation, *before*
      checkpoint selection), "best_val_accuracy", "test_accuracy" (of the
      best validation checkpoint), "test_correct" (list of K booleans) and "lr"
    """
    if eval_every is None:
        eval_every = max(5, steps // 10)
    lrs = dict(TUNED_LR if lrs is None else lrs)
    runs = {}
    for opt in ("adam", "sgd"):
        for loss in ("ce", "mse"):
            key = f"{loss}/{opt}"
            model, result, _ = train_reader(task, steps=steps, seconds=seconds, seed=seed, loss=loss,
                                            optimizer=opt, lr=lrs[key], eval_every=eval_every)
            correct = predict(model, task, task.test) == task.labels[task.test]  # (K,)
            runs[key] = {
                "steps": [int(s) for s, _ in result.evals],
                "val_accuracy": [float(v) for _, v in result.evals],
                "best_val_accuracy": max(float(v) for _, v in result.evals),
                "test_accuracy": float(correct.mean()),
                "test_correct": [bool(c) for c in correct],
                "lr": float(lrs[key]),
            }
    return runs


def tune_losses(*, steps: int = COMPARISON_STEPS, seeds: Sequence[int] = TUNING_SEEDS,
                grid: Optional[Dict[str, Sequence[float]]] = None, log=print) -> Dict[str, Any]:
    """
    Tune each loss's learning rate on validation, then compare the losses at their tuned rates.

    On the split of seed 0, every (optimiser, loss, learning rate) of the
    grid is trained with every seed for ``steps`` steps (best validation
    checkpoint kept). For each optimiser and loss the rate with the highest
    mean validation accuracy over the seeds is chosen; at the chosen rates
    the test accuracies are compared: per seed, as a mean with a Student-t
    95 % interval of the per-seed difference (cross-entropy minus squared
    error), and with a 95 % paired bootstrap interval over the test images
    of the seed-averaged difference.

    Inputs:
    - steps: Step budget of every run
    - seeds: Seeds (initialisation and batches)
    - grid: dict "sgd", "adam" -> learning rates (default :data:`LR_GRID`)
    - log: Function called with one progress line per run

    Returns:
    - table: JSON-able dict with "config", "grid_results" (one row per run),
      "tuned_lr" (key "loss/opt" -> rate), "at_tuned" (key -> test and
      validation accuracy per seed, the validation curves) and "comparison"
      (per optimiser: mean test accuracies, difference, both intervals)
    """
    import json

    from scipy import stats

    grid = {k: tuple(float(v) for v in vs) for k, vs in (LR_GRID if grid is None else grid).items()}
    task = prepare(0)
    cap = SAFETY_FACTOR * steps / STEPS_PER_SECOND + 60.0
    eval_every = max(5, steps // 10)
    rows, kept = [], {}
    for opt, lrs in grid.items():
        for loss in ("ce", "mse"):
            for lr in lrs:
                for seed in seeds:
                    model, result, _ = train_reader(task, steps=steps, seconds=cap, seed=int(seed), loss=loss,
                                                    optimizer=opt, lr=lr, eval_every=eval_every)
                    correct = predict(model, task, task.test) == task.labels[task.test]  # (K,)
                    row = {"optimizer": opt, "loss": loss, "lr": lr, "seed": int(seed),
                           "best_val_accuracy": max(float(v) for _, v in result.evals),
                           "test_accuracy": float(correct.mean())}
                    rows.append(row)
                    kept[(opt, loss, lr, int(seed))] = (result.evals, correct)
                    log(json.dumps(row))
    tuned, at_tuned = {}, {}
    for opt, lrs in grid.items():
        for loss in ("ce", "mse"):
            means = [np.mean([r["best_val_accuracy"] for r in rows
                              if (r["optimizer"], r["loss"], r["lr"]) == (opt, loss, lr)]) for lr in lrs]
            lr = lrs[int(np.argmax(means))]  # the first of equal means
            key = f"{loss}/{opt}"
            tuned[key] = lr
            picked = [kept[(opt, loss, lr, int(s))] for s in seeds]
            at_tuned[key] = {
                "lr": lr, "seeds": [int(s) for s in seeds],
                "val_mean_by_lr": [float(m) for m in means],
                "test_accuracy": [float(c.mean()) for _, c in picked],
                "best_val_accuracy": [max(float(v) for _, v in ev) for ev, _ in picked],
                "curves": [[[int(st), float(v)] for st, v in ev] for ev, _ in picked],
                "_correct": np.mean([c for _, c in picked], axis=0),  # (K,)
            }
    comparison_ = {}
    for opt in grid:
        ce, mse = at_tuned[f"ce/{opt}"], at_tuned[f"mse/{opt}"]
        d = np.array(ce["test_accuracy"]) - np.array(mse["test_accuracy"])  # (S,)
        half = (stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)) if d.size > 1 else 0.0
        comparison_[opt] = {
            "ce_test_mean": float(np.mean(ce["test_accuracy"])),
            "mse_test_mean": float(np.mean(mse["test_accuracy"])),
            "difference": float(d.mean()),
            "difference_seed_t_ci95": [float(d.mean() - half), float(d.mean() + half)],
            "difference_bootstrap_ci95": list(paired_bootstrap(ce["_correct"], mse["_correct"], seed=0)),
        }
    for v in at_tuned.values():
        del v["_correct"]
    config = {"steps": int(steps), "seeds": [int(s) for s in seeds], "data_seed": 0,
              "grid": {k: list(v) for k, v in grid.items()}, "eval_every": eval_every,
              "model_defaults": dict(MODEL_DEFAULTS)}
    return {"config": config, "grid_results": rows, "tuned_lr": tuned, "at_tuned": at_tuned,
            "comparison": comparison_}


def experiment(seconds: float, seed: int = 0, steps: Optional[int] = None,
               comparison_steps: Optional[int] = None,
               task: Optional[DigitsTask] = None,
               comparison_lrs: Optional[Dict[str, float]] = None) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """
    Train the row-reading RNN and the baseline; compare the two losses.

    Half of ``seconds`` goes to the main model, an eighth to each of the four
    runs of the loss comparison; these shares set the step budgets
    (STEPS_PER_SECOND per second). The wall-time safety caps are SAFETY_FACTOR
    times the shares plus 60 s and raise RuntimeError when hit, so the result
    depends on the steps only, never on the machine's load.

    Inputs:
    - seconds: Nominal total budget of the training runs (> 0)
    - seed: Non-negative integer
    - steps: Step budget of the main model (default STEPS_PER_SECOND * seconds / 2)
    - comparison_steps: Step budget of each comparison run (default STEPS_PER_SECOND * seconds / 8)
    - task: A prepared DigitsTask (default prepare(seed))
    - comparison_lrs: Learning rates of the loss comparison (default :data:`TUNED_LR`)

    Returns a tuple of:
    - metrics: JSON-able dict (see :func:`run`)
    - artefacts: dict with "model", "task", "result", "logistic", "pred_rnn", "pred_logistic"
    """
    seconds, seed = check_budget(seconds, seed)
    start = time.perf_counter()
    task = task if task is not None else prepare(seed)
    steps = int(steps) if steps is not None else max(1, int(round(STEPS_PER_SECOND * seconds / 2)))
    if comparison_steps is None:
        comparison_steps = max(1, int(round(STEPS_PER_SECOND * seconds / 8)))
    y_test = task.labels[task.test]

    model, result, best_step = train_reader(task, steps=steps, seconds=SAFETY_FACTOR * seconds / 2 + 60.0,
                                             seed=seed)
    pred_rnn = predict(model, task, task.test)
    logistic, C, val_lr = fit_logistic(task)
    pred_lr = logistic.predict(task.images[task.test].reshape(len(task.test), -1))
    low, high = paired_bootstrap(pred_rnn == y_test, pred_lr == y_test, seed=seed)
    x_test = task.images[task.test].reshape(len(task.test), -1)  # (K, 64)
    svm, C_svm, val_svm = fit_svm(task)
    pred_svm = svm.predict(x_test)
    knn, val_knn = fit_nearest_neighbour(task)
    pred_knn = knn.predict(x_test)
    runs = compare_losses(task, steps=int(comparison_steps),
                          seconds=SAFETY_FACTOR * seconds / 8 + 60.0, seed=seed, lrs=comparison_lrs)

    metrics = {
        "task": "load_digits 8x8 images, read row by row (T=8, D=8)",
        "n_train": int(len(task.train)), "n_val": int(len(task.val)), "n_test": int(len(task.test)),
        "rnn": {
            "model": f"{MODEL_DEFAULTS['cell'].upper()}, H={MODEL_DEFAULTS['hidden']}, last state -> linear",
            "test_accuracy": accuracy(y_test, pred_rnn),
            "test_macro_f1": macro_f1(y_test, pred_rnn, 10),
            "val_accuracy": max(v for _, v in result.evals) if result.evals else float("nan"),
            "steps": result.steps, "best_step": best_step, "stopped": result.stopped,
            "final_train_loss": result.final_loss,
            "n_params": int(sum(p.numel() for p in model.parameters())),
        },
        "baseline_logistic_regression": {
            "model": "logistic regression on the 64 pixels",
            "test_accuracy": accuracy(y_test, pred_lr), "test_macro_f1": macro_f1(y_test, pred_lr, 10),
            "val_accuracy": val_lr, "C": C, "n_params": int(logistic.coef_.size + logistic.intercept_.size),
        },
        "baseline_rbf_svm": {
            "model": "RBF-kernel SVM on the 64 pixels",
            "test_accuracy": accuracy(y_test, pred_svm), "test_macro_f1": macro_f1(y_test, pred_svm, 10),
            "val_accuracy": val_svm, "C": C_svm, "n_support": int(svm.support_.size),
        },
        "baseline_1nn": {
            "model": "1-nearest neighbour on the 64 pixels",
            "test_accuracy": accuracy(y_test, pred_knn), "test_macro_f1": macro_f1(y_test, pred_knn, 10),
            "val_accuracy": val_knn,
        },
        "rnn_minus_logistic_ci95": [low, high],
        "loss_comparison": runs,
        "confusion_matrix_rnn": confusion_matrix(y_test, pred_rnn, 10).tolist(),
        "seed": seed,
    }
    artefacts = {"seconds_total": round(time.perf_counter() - start, 2),
                 "model": model, "task": task, "result": result, "logistic": logistic,
                 "pred_rnn": pred_rnn, "pred_logistic": pred_lr, "svm": svm, "pred_svm": pred_svm,
                 "nearest_neighbour": knn, "pred_1nn": pred_knn}
    return metrics, artefacts


def run(seconds: float, seed: int = 0) -> dict:
    """
    Train and evaluate (see :func:`experiment`) on one CPU thread; return JSON-able metrics.

    Inputs:
    - seconds: Total time budget; half of it trains the main model, an
      eighth each run of the loss comparison (step budgets STEPS_PER_SECOND
      times those shares)
    - seed: Non-negative integer (split, initialisation, batches)

    Returns:
    - metrics: dict with the test accuracy and macro-F1 of the RNN and of the
      logistic-regression baseline, a 95 % paired bootstrap interval of their
      difference, the RNN's confusion matrix, and the loss comparison
      (validation curves and test accuracy of cross-entropy vs softmax +
      squared error, with Adam and with SGD)
    """
    with one_thread():
        return experiment(seconds, seed)[0]


def summary(metrics: dict) -> dict:
    """:func:`run`'s ``metrics`` in one line: test accuracy of the RNN and logistic regression."""
    rnn, base = metrics["rnn"], metrics["baseline_logistic_regression"]
    return comparison("test accuracy", "higher", rnn["model"], rnn["test_accuracy"], base["model"],
                      base["test_accuracy"], metrics["rnn_minus_logistic_ci95"], seeds=1)


def results_dir():
    """``results/digits`` (see :func:`rnn_helpers.experiments.protocol.results_dir`)."""
    return protocol_results_dir("digits")


def _main(argv: Optional[Sequence[str]] = None) -> None:
    """
    ``python -m rnn_helpers.experiments.digits [splits|losses] [--out results/digits]``.

    ``splits`` (the default) stores the LSTM and the pixel baselines over
    repeated splits (:func:`accuracy_over_splits`, ``splits.json``);
    ``losses`` the learning-rate tuning and comparison of :func:`tune_losses`,
    with its log in ``loss_tuning.log``.
    """
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Store chapter 8's digits runs.")
    parser.add_argument("what", nargs="?", default="splits", choices=("splits", "losses"))
    parser.add_argument("--out", default="results/digits", help="output directory")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.what == "losses":
        header = "python -m rnn_helpers.experiments.digits losses (one torch thread)"
        with run_log(out / "loss_tuning.log", header, timestamps=False) as log, one_thread():
            table = tune_losses(log=log)
            (out / "loss_tuning.json").write_text(json.dumps(table, indent=1) + "\n")
            log(json.dumps({"tuned_lr": table["tuned_lr"], "comparison": table["comparison"]}))
        return
    header = "python -m rnn_helpers.experiments.digits splits (one torch thread)"
    with run_log(out / "splits.log", header, timestamps=False) as log, one_thread():
        start = time.perf_counter()
        table = {"config": {"seeds": list(SPLIT_SEEDS), "fractions": [0.6, 0.2, 0.2],
                            "lstm_steps": SPLIT_STEPS},
                 "test_accuracy": accuracy_over_splits(SPLIT_SEEDS, SPLIT_STEPS)}
        (out / "splits.json").write_text(json.dumps(table, indent=1) + "\n")
        log(json.dumps(table["test_accuracy"]))
        log(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    _main()
