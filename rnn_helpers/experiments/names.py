"""Chapter 8: which language does a name come from? A GRU against a bag-of-characters baseline.

Data: :func:`rnn_helpers.data.names.load_names` (Faker's per-locale name
lists, MIT licence; 12 languages written in the Latin alphabet, names in
several lists removed, folded to lower-case ASCII, at most
``MAX_PER_LANGUAGE`` names per language), split 70/15/15 per language with
:func:`rnn_helpers.data.names.stratified_split`.

Models, both fitted on the training part only and tuned on the validation part:

- the baseline: multinomial logistic regression (L2-regularised, scikit-learn)
  on the counts of single characters ("bag of characters") and, as a second,
  stronger baseline, on the counts of characters and character bigrams, with
  the name's start and end marked (``CountVectorizer(analyzer="char_wb")``);
  its regularisation strength C is chosen on the validation part;
- the RNN: character embedding -> bidirectional GRU run with
  ``pack_padded_sequence`` -> the final state of each direction -> linear layer
  (:class:`NameClassifier`), trained with cross-entropy by
  :func:`rnn_helpers.models.training.train`; the checkpoint with the best validation
  accuracy is kept.

``run(seconds, seed)`` returns held-out accuracy and macro-F1 of both, the
RNN's confusion matrix, and what happens when the same network reads the
padded batch without packing; ``summary(metrics)`` the RNN against the
bigram baseline. ``python -m rnn_helpers.experiments names --seconds 300``.
``python -m rnn_helpers.experiments.names`` stores the table of
:func:`ngram_baselines` (1-1 to 1-4-grams, seed 0; about four CPU minutes on
a loaded machine) in ``results/names/ngram_baselines.json``.
The metrics come from :mod:`rnn_helpers.experiments.metrics`, the thread and
checkpoint handling from :mod:`rnn_helpers.experiments.protocol`.

Why one module of about 440 lines: it is chapter 8's names experiment end to
end (data, the network, its training, the baselines, the metrics), read top
to bottom next to the chapter; the shared parts live in the two modules
named above.
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.argcheck import check_choice
from rnn_helpers.data.names import (
    ASCII_ALPHABET,
    NamesData,
    encode_names,
    load_names,
    stratified_split,
)
from rnn_helpers.data.padding import length_mask, masked_mean, pad_sequences, run_packed
from rnn_helpers.experiments.metrics import accuracy, confusion_matrix, macro_f1, paired_bootstrap
from rnn_helpers.experiments.protocol import results_dir as protocol_results_dir
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread, train_best
from rnn_helpers.models.training import TrainResult, set_seed

__all__ = [
    "MAX_PER_LANGUAGE",
    "STEPS_PER_SECOND",
    "SAFETY_FACTOR",
    "MODEL_DEFAULTS",
    "NamesTask",
    "prepare",
    "padded_batch",
    "NameClassifier",
    "predict",
    "train_classifier",
    "fit_bag_of_characters",
    "NGRAM_RANGES",
    "NGRAM_CS",
    "ngram_baselines",
    "experiment",
    "run",
    "summary",
    "results_dir",
]

#: Cap on the names per language (Polish alone has almost 4000).
MAX_PER_LANGUAGE = 1000
#: Step budget per second of ``seconds``: about half of what one quiet CPU
#: core manages. The step budget, never the clock, ends a run, so a result
#: does not depend on the machine's load.
STEPS_PER_SECOND = 50
#: The wall-time safety cap is SAFETY_FACTOR * seconds + 60 s; a training
#: that hits it raises RuntimeError instead of returning a shorter run.
SAFETY_FACTOR = 10.0
#: The network and optimiser used by :func:`run`.
MODEL_DEFAULTS: Dict[str, Any] = dict(
    embed=32, hidden=64, bidirectional=True, pooling="last", dropout=0.3,
    batch=64, lr=5e-3, weight_decay=0.1, clip_norm=1.0, eval_every=100,
)


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------


@dataclass
class NamesTask:
    """
    The names data, encoded and split.

    Attributes:
    - data: NamesData (names, labels, languages, counts report)
    - ids: Integer array of shape (M, T_max), the padded character ids (0 = padding)
    - lengths: Integer array of shape (M,), the length of every name
    - labels: Integer array of shape (M,), the language of every name
    - train, val, test: Sorted index arrays of the three parts
    - alphabet: String of the V characters; character alphabet[i] has id i + 1
    """

    data: NamesData
    ids: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    alphabet: str

    @property
    def languages(self) -> Tuple[str, ...]:
        return self.data.languages

    def names(self, idx: np.ndarray) -> list:
        """The names at the indices ``idx`` (array of shape (K,)), as a list of K strings."""
        return [self.data.names[i] for i in np.asarray(idx)]


def prepare(seed: int = 0, *, max_per_language: Optional[int] = MAX_PER_LANGUAGE,
            ascii_fold: bool = True, fractions: Sequence[float] = (0.7, 0.15, 0.15)) -> NamesTask:
    """
    Load, encode, pad and split the names data (deterministic for a given seed).

    Inputs:
    - seed: Non-negative integer for the cap's subset and the split
    - max_per_language: Cap on names per language (None: keep all)
    - ascii_fold: Fold names to lower-case ASCII (True) or keep diacritics
    - fractions: Train/validation/test proportions

    Returns:
    - task: NamesTask
    """
    data = load_names(ascii_fold=ascii_fold, max_per_language=max_per_language, seed=seed)
    alphabet = ASCII_ALPHABET if ascii_fold else "".join(sorted(set("".join(data.names))))
    ids, lengths = pad_sequences(encode_names(data.names, alphabet))  # (M, T_max), (M,)
    train_idx, val_idx, test_idx = stratified_split(data.labels, fractions, seed=seed)
    return NamesTask(data, ids, lengths, data.labels, train_idx, val_idx, test_idx, alphabet)


# ----------------------------------------------------------------------------
# the RNN
# ----------------------------------------------------------------------------


class NameClassifier(torch.nn.Module):
    """
    Many-to-one character RNN: embedding -> GRU/LSTM/RNN -> pooling -> linear.

    Inputs of the constructor:
    - vocab_size: Integer V, number of characters (ids 1..V; id 0 is padding)
    - num_classes: Integer Q
    - embed: Embedding size E
    - hidden: Hidden size H of each direction
    - cell: "gru", "lstm" or "rnn"
    - bidirectional: Run a second GRU from the end of the name to its start
    - pooling: How the states become one vector z:
      "last" - the final state of each sequence, computed with packing
      (bidirectional: forward state after the last character and backward
      state after the first, concatenated); "mean" - the mean of the top
      layer's states over the real steps (masked); "naive" - the state at the
      last column of the padded batch, run without packing (wrong for every
      name shorter than the batch: kept to measure the mistake)
    - dropout: Dropout probability on the embeddings and on z

    forward(ids, lengths): ids LongTensor (N, T), lengths (N,) -> logits (N, Q)
    """

    def __init__(self, vocab_size: int, num_classes: int, *, embed: int = 32, hidden: int = 64,
                 cell: str = "gru", bidirectional: bool = False, pooling: str = "last",
                 dropout: float = 0.0):
        super().__init__()
        cells = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}
        check_choice("cell", cell, cells)
        self.pooling = check_choice("pooling", pooling, ("last", "mean", "naive"))
        self.emb = torch.nn.Embedding(vocab_size + 1, embed, padding_idx=0)
        self.rnn = cells[cell](embed, hidden, batch_first=True, bidirectional=bidirectional)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden * (2 if bidirectional else 1), num_classes)

    def features(self, ids: torch.Tensor, lengths: Any, pooling: Optional[str] = None) -> torch.Tensor:
        """The pooled vector z, shape (N, dirs * H); ``pooling`` overrides the model's."""
        pooling = pooling or self.pooling
        x = self.drop(self.emb(ids))  # (N, T, E)
        if pooling == "naive":
            out, _ = self.rnn(x)  # (N, T, dirs*H): padding read as if it were data
            return out[:, -1]  # (N, dirs*H)
        out, last = run_packed(self.rnn, x, lengths)  # (N, T, dirs*H), (N, dirs*H)
        if pooling == "mean":
            lengths_t = torch.as_tensor(np.asarray(lengths), device=ids.device)
            return masked_mean(out, length_mask(lengths_t, ids.shape[1]))
        return last

    def forward(self, ids: torch.Tensor, lengths: Any, pooling: Optional[str] = None) -> torch.Tensor:
        return self.head(self.drop(self.features(ids, lengths, pooling)))  # (N, Q)


def padded_batch(task: NamesTask, idx: np.ndarray):
    """
    The names at ``idx`` as one padded batch, trimmed to its longest name.

    Inputs:
    - task: NamesTask
    - idx: Index array of shape (K,)

    Returns a tuple of:
    - ids: LongTensor of shape (K, T), T = the longest length among them; 0 is padding
    - lengths: Integer array of shape (K,)
    - labels: LongTensor of shape (K,)
    """
    lengths = task.lengths[idx]
    T = int(lengths.max())
    return torch.from_numpy(task.ids[idx, :T]), lengths, torch.from_numpy(task.labels[idx])


def predict(model: torch.nn.Module, task: NamesTask, idx: np.ndarray, pooling: Optional[str] = None,
            batch_size: Optional[int] = None) -> np.ndarray:
    """
    Class predictions (argmax of the logits) for the names at ``idx``.

    Inputs:
    - model: NameClassifier
    - task: NamesTask
    - idx: Index array of shape (K,)
    - pooling: Optional override of the model's pooling (e.g. "naive")
    - batch_size: Names per forward pass (default: all at once, padded to the longest)

    Returns:
    - pred: Integer array of shape (K,)
    """
    idx = np.asarray(idx)
    batch_size = batch_size or len(idx)
    was_training = model.training
    model.eval()
    preds = []
    with torch.no_grad():
        for start in range(0, len(idx), batch_size):
            ids, lengths, _ = padded_batch(task, idx[start:start + batch_size])
            preds.append(model(ids, lengths, pooling).argmax(dim=-1).numpy())  # (K,)
    model.train(was_training)
    return np.concatenate(preds)


def train_classifier(task: NamesTask, *, steps: int, seconds: float, seed: int = 0,
                     **overrides) -> Tuple[NameClassifier, TrainResult, int]:
    """
    Train a :class:`NameClassifier` on ``task.train``; keep the best checkpoint on ``task.val``.

    Inputs:
    - task: NamesTask
    - steps: Step budget (it alone ends a training)
    - seconds: Wall-time safety cap; hitting it raises RuntimeError
    - seed: Seeds the initialisation and the batches
    - overrides: Keys of :data:`MODEL_DEFAULTS` to change (e.g. pooling="mean")

    Returns a tuple of:
    - model: The trained NameClassifier (in eval mode, best validation weights)
    - result: TrainResult
    - best_step: Integer
    """
    cfg = {**MODEL_DEFAULTS, **overrides}
    unknown = set(cfg) - set(MODEL_DEFAULTS) - {"cell"}
    if unknown:
        raise ValueError(f"overrides: unknown settings {sorted(unknown)}")
    set_seed(seed)
    model = NameClassifier(len(task.alphabet), len(task.languages), embed=cfg["embed"],
                           hidden=cfg["hidden"], cell=cfg.get("cell", "gru"),
                           bidirectional=cfg["bidirectional"], pooling=cfg["pooling"],
                           dropout=cfg["dropout"])
    B = cfg["batch"]

    def batch_fn(step, rng):
        return padded_batch(task, rng.choice(task.train, size=B, replace=False))

    def loss_fn(m, batch):
        ids, lengths, y = batch
        return F.cross_entropy(m(ids, lengths), y)

    def val_fn(m):
        return accuracy(task.labels[task.val], predict(m, task, task.val))

    result, best_step = train_best(model, batch_fn, loss_fn, val_fn, max_steps=steps, max_seconds=seconds,
                                   lr=cfg["lr"], weight_decay=cfg["weight_decay"],
                                   clip_norm=cfg["clip_norm"], eval_every=cfg["eval_every"], seed=seed)
    if result.stopped == "time":
        raise RuntimeError(
            f"the wall-time safety cap of {seconds:.0f} s stopped training after {result.steps} "
            f"of {steps} steps; a shorter run would depend on the machine's load, so none is "
            "returned (pass a larger seconds)")
    model.eval()
    return model, result, best_step


# ----------------------------------------------------------------------------
# the baseline
# ----------------------------------------------------------------------------


def fit_bag_of_characters(task: NamesTask, ngram_range: Tuple[int, int] = (1, 1),
                          Cs: Sequence[float] = (0.3, 1.0, 3.0)):
    """
    Multinomial logistic regression on character (n-gram) counts, C chosen on validation.

    Features: ``CountVectorizer(analyzer="char_wb", ngram_range=ngram_range)``,
    which counts the character n-grams of each word padded with a space on
    both sides, so bigrams such as " k" and "i " mark a name's first and last
    letters. ngram_range=(1, 1) is the pure bag of characters. The solver is
    Newton-CG (a few Newton steps on these sparse counts: much faster than
    L-BFGS here, same optimum).

    Inputs:
    - task: NamesTask
    - ngram_range: (min_n, max_n)
    - Cs: Inverse L2 regularisation strengths to try

    Returns a tuple of:
    - model: Fitted scikit-learn Pipeline (vectoriser + LogisticRegression); predict(list of names)
    - C: The chosen C
    - val_accuracy: Its validation accuracy
    """
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    train_names = task.names(task.train)
    val_names = task.names(task.val)
    best = None
    for C in Cs:
        model = make_pipeline(
            CountVectorizer(analyzer="char_wb", ngram_range=tuple(ngram_range), lowercase=False),
            LogisticRegression(C=C, solver="newton-cg", max_iter=1000),
        )
        model.fit(train_names, task.labels[task.train])
        acc = accuracy(task.labels[task.val], model.predict(val_names))
        if best is None or acc > best[2]:
            best = (model, float(C), acc)
    return best


#: The n-gram ranges and the Cs of the stored baseline table
#: (``results/names/ngram_baselines.json``, ``python -m rnn_helpers.experiments.names``).
NGRAM_RANGES: Tuple[Tuple[int, int], ...] = ((1, 1), (1, 2), (1, 3), (1, 4))
NGRAM_CS: Tuple[float, ...] = (0.3, 1.0, 3.0)


def ngram_baselines(seed: int = 0, ngram_ranges: Sequence[Tuple[int, int]] = NGRAM_RANGES,
                    Cs: Sequence[float] = NGRAM_CS) -> Dict[str, Any]:
    """
    Logistic regression on ``char_wb`` n-gram counts for several n-gram ranges, C chosen on validation.

    The 1-4-gram fit takes about a minute on a loaded CPU, too long for the
    notebook: the table is stored and the notebook refits the 1-2-gram row
    live to check it.

    Inputs:
    - seed: Non-negative integer (the data's cap subset and split, as :func:`prepare`)
    - ngram_ranges: Sequence of (min_n, max_n)
    - Cs: Inverse regularisation strengths tried for every range

    Returns:
    - table: JSON-able dict with "config" (seed, ngram_ranges, Cs, max_per_language)
      and "results": "min_n-max_n" -> dict with C, val_accuracy, test_accuracy,
      test_macro_f1, n_features, seconds
    """
    task = prepare(seed)
    Q = len(task.languages)
    y_test = task.labels[task.test]
    results = {}
    for lo, hi in ngram_ranges:
        start = time.perf_counter()
        model, C, val = fit_bag_of_characters(task, (int(lo), int(hi)), Cs)
        pred = model.predict(task.names(task.test))
        results[f"{int(lo)}-{int(hi)}"] = {
            "C": C, "val_accuracy": val, "test_accuracy": accuracy(y_test, pred),
            "test_macro_f1": macro_f1(y_test, pred, Q),
            "n_features": int(model[-1].coef_.shape[1]),
            "seconds": round(time.perf_counter() - start, 1),
        }
    config = {"seed": int(seed), "ngram_ranges": [[int(a), int(b)] for a, b in ngram_ranges],
              "Cs": [float(c) for c in Cs], "max_per_language": MAX_PER_LANGUAGE}
    return {"config": config, "results": results}


# ----------------------------------------------------------------------------
# the experiment
# ----------------------------------------------------------------------------


def experiment(seconds: float, seed: int = 0, steps: Optional[int] = None,
               task: Optional[NamesTask] = None) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """
    Train the RNN and the baselines, evaluate them on the held-out test names.

    Inputs:
    - seconds: Nominal budget (> 0): the step budget defaults to
      STEPS_PER_SECOND * seconds; the wall-time safety cap is
      SAFETY_FACTOR * seconds + 60 s and raises RuntimeError when hit, so the
      result depends on the steps only, never on the machine's load
    - seed: Non-negative integer
    - steps: Step budget (default: STEPS_PER_SECOND * seconds)
    - task: A prepared NamesTask (default: prepare(seed))

    Returns a tuple of:
    - metrics: JSON-able dict (see :func:`run`)
    - artefacts: dict with the trained "model", the "task", the baselines
      "bag1" and "bag2" (fitted pipelines) and the test predictions "pred_rnn", "pred_bag2"
    """
    seconds, seed = check_budget(seconds, seed)
    start = time.perf_counter()
    steps = int(steps) if steps is not None else max(1, int(round(STEPS_PER_SECOND * seconds)))
    task = task if task is not None else prepare(seed)
    Q = len(task.languages)
    y_test = task.labels[task.test]

    model, result, best_step = train_classifier(task, steps=steps, seconds=SAFETY_FACTOR * seconds + 60.0,
                                                seed=seed)
    pred_rnn = predict(model, task, task.test)
    pred_naive = predict(model, task, task.test, pooling="naive")

    bag1, C1, val1 = fit_bag_of_characters(task, (1, 1))
    bag2, C2, val2 = fit_bag_of_characters(task, (1, 2))
    test_names = task.names(task.test)
    pred_bag1, pred_bag2 = bag1.predict(test_names), bag2.predict(test_names)
    majority = int(np.bincount(task.labels[task.train], minlength=Q).argmax())
    low, high = paired_bootstrap(pred_rnn == y_test, pred_bag2 == y_test, seed=seed)

    metrics = {
        "task": "names -> language (Faker name lists)",
        "languages": list(task.languages),
        "n_train": int(len(task.train)), "n_val": int(len(task.val)), "n_test": int(len(task.test)),
        "n_shared_removed": int(task.data.n_shared),
        "faker_version": task.data.faker_version,
        "rnn": {
            "model": "bidirectional GRU" if MODEL_DEFAULTS["bidirectional"] else "GRU",
            "test_accuracy": accuracy(y_test, pred_rnn),
            "test_macro_f1": macro_f1(y_test, pred_rnn, Q),
            "val_accuracy": max(v for _, v in result.evals) if result.evals else float("nan"),
            "test_accuracy_without_packing": accuracy(y_test, pred_naive),
            "steps": result.steps, "best_step": best_step, "stopped": result.stopped,
            "final_train_loss": result.final_loss,
            "n_params": int(sum(p.numel() for p in model.parameters())),
        },
        "baseline_bag_of_characters": {
            "model": "logistic regression on character counts",
            "test_accuracy": accuracy(y_test, pred_bag1), "test_macro_f1": macro_f1(y_test, pred_bag1, Q),
            "val_accuracy": val1, "C": C1,
        },
        "baseline_bag_of_bigrams": {
            "model": "logistic regression on character + bigram counts",
            "test_accuracy": accuracy(y_test, pred_bag2), "test_macro_f1": macro_f1(y_test, pred_bag2, Q),
            "val_accuracy": val2, "C": C2,
        },
        "majority_class_accuracy": accuracy(y_test, np.full_like(y_test, majority)),
        "rnn_minus_bigrams_ci95": [low, high],
        "confusion_matrix_rnn": confusion_matrix(y_test, pred_rnn, Q).tolist(),
        "seed": seed,
    }
    artefacts = {"seconds_total": round(time.perf_counter() - start, 2),
                 "model": model, "task": task, "result": result, "bag1": bag1, "bag2": bag2,
                 "pred_rnn": pred_rnn, "pred_bag1": pred_bag1, "pred_bag2": pred_bag2,
                 "pred_naive": pred_naive}
    return metrics, artefacts


def run(seconds: float, seed: int = 0) -> dict:
    """
    Train and evaluate (see :func:`experiment`) on one CPU thread; return JSON-able metrics.

    Inputs:
    - seconds: Time budget of the RNN training; the step budget is
      STEPS_PER_SECOND * seconds
    - seed: Non-negative integer

    Returns:
    - metrics: dict with, per model, held-out test accuracy, macro-F1 and
      validation accuracy; the majority-class accuracy; a 95 % paired
      bootstrap interval of (RNN - bigram baseline) test accuracy; the RNN's
      test confusion matrix (rows: true language, columns: predicted); and
      the RNN's test accuracy when the padded batch is read without packing
    """
    with one_thread():
        return experiment(seconds, seed)[0]


def summary(metrics: dict) -> dict:
    """
    :func:`run`'s ``metrics`` in one line: test accuracy of the RNN and the bigram baseline.

    The single-character baseline and the majority class follow as
    "characters" and "majority" (test accuracy).
    """
    rnn, base = metrics["rnn"], metrics["baseline_bag_of_bigrams"]
    chars = metrics["baseline_bag_of_characters"]["test_accuracy"]
    return comparison("test accuracy", "higher", rnn["model"], rnn["test_accuracy"], base["model"],
                      base["test_accuracy"], metrics["rnn_minus_bigrams_ci95"], seeds=1,
                      characters=chars, majority=metrics["majority_class_accuracy"])


def results_dir():
    """``results/names`` (see :func:`rnn_helpers.experiments.protocol.results_dir`)."""
    return protocol_results_dir("names")


def _main(argv: Optional[Sequence[str]] = None) -> None:
    """``python -m rnn_helpers.experiments.names [--out results/names]``: store the n-gram table."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Store chapter 8's n-gram baseline table.")
    parser.add_argument("--out", default="results/names", help="output directory")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with one_thread():
        table = ngram_baselines(seed=args.seed)
    (out / "ngram_baselines.json").write_text(json.dumps(table, indent=1) + "\n")
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    _main()
