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

Stored runs (``results/names``), each written by this module's command:

- ``python -m rnn_helpers.experiments.names`` stores the table of
  :func:`ngram_baselines` (1-1 to 1-4-grams, seed 0) in ``ngram_baselines.json``;
- ``python -m rnn_helpers.experiments.names gru --jobs 4`` runs
  :func:`gru_runs`: GRU_STEPS steps with a cosine learning-rate decay, a
  sweep of hidden size and dropout chosen on validation (GRU_SWEEP), the
  chosen network with the seeds GRU_SEEDS, its float16 weights, the
  1-4-gram baseline's probabilities and the mixture of the two
  (:func:`mixture_comparison`) in ``gru_runs.json`` and ``gru_runs.log``.
  The notebook re-evaluates the stored weights (:func:`stored_log_probs`).

The metrics come from :mod:`rnn_helpers.experiments.metrics`, the thread,
checkpoint and budget handling from :mod:`rnn_helpers.experiments.protocol`.

Why one module of about 900 lines: it is chapter 8's names experiment end
to end (data, the network, its training, the baselines, the stored runs and
their mixture), read top to bottom next to the chapter; the stored runs
reuse the network, the training and the baselines above them, and the
shared parts live in the two modules named above.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.argcheck import check_choice, check_float
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
from rnn_helpers.experiments.protocol import (
    best_on_validation,
    check_budget,
    comparison,
    one_thread,
    require_step_budget,
    run_log,
    train_best,
)
from rnn_helpers.models.training import TrainResult, set_seed

__all__ = [
    "MAX_PER_LANGUAGE",
    "NGRAM14_FILE",
    "stored_ngram_log_probs",
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
    "GRU_STEPS",
    "GRU_LR_FINAL",
    "GRU_SWEEP",
    "SWEEP_SEED",
    "GRU_SEEDS",
    "BEST_NGRAM_RANGE",
    "class_log_probs",
    "save_weights",
    "load_classifier",
    "mixture_comparison",
    "gru_config",
    "stored_log_probs",
    "gru_runs",
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
    batch=64, lr=5e-3, lr_final=1.0, weight_decay=0.1, clip_norm=1.0, eval_every=100,
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
    return _in_batches(model, task, idx, batch_size,
                       lambda ids, lengths: model(ids, lengths, pooling).argmax(dim=-1))  # (K,)


def _in_batches(model: torch.nn.Module, task: NamesTask, idx: np.ndarray,
                batch_size: Optional[int], out: Callable) -> np.ndarray:
    """``out(ids, lengths)`` for the names at ``idx``, ``batch_size`` at a time
    (all at once if None), in eval mode without gradients; the model's mode
    is restored. Returns the outputs as one array, concatenated along axis 0."""
    idx = np.asarray(idx)
    batch_size = batch_size or len(idx)
    was_training = model.training
    model.eval()
    parts = []
    with torch.no_grad():
        for start in range(0, len(idx), batch_size):
            ids, lengths, _ = padded_batch(task, idx[start:start + batch_size])
            parts.append(out(ids, lengths).numpy())
    model.train(was_training)
    return np.concatenate(parts)


def train_classifier(task: NamesTask, *, steps: int, seconds: float, seed: int = 0,
                     **overrides) -> Tuple[NameClassifier, TrainResult, int]:
    """
    Train a :class:`NameClassifier` on ``task.train``; keep the best checkpoint on ``task.val``.

    Inputs:
    - task: NamesTask
    - steps: Step budget (it alone ends a training)
    - seconds: Wall-time safety cap; hitting it raises RuntimeError
    - seed: Seeds the initialisation and the batches
    - overrides: Keys of :data:`MODEL_DEFAULTS` to change (e.g. pooling="mean");
      lr_final < 1 decays AdamW's learning rate along a cosine from lr to
      lr * lr_final over the ``steps`` (1.0: constant)

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

    def loss_fn(m, batch):
        ids, lengths, y = batch
        return F.cross_entropy(m(ids, lengths), y)

    def val_fn(m):
        return accuracy(task.labels[task.val], predict(m, task, task.val))

    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], weight_decay=cfg["weight_decay"])
    final = check_float("lr_final", cfg["lr_final"], positive=True, maximum=1.0)

    def batch_fn(step, rng):
        if final < 1.0:  # cosine decay from lr to lr * lr_final over the step budget
            frac = min(step / max(steps - 1, 1), 1.0)
            for group in opt.param_groups:
                group["lr"] = cfg["lr"] * (final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * frac)))
        return padded_batch(task, rng.choice(task.train, size=B, replace=False))

    result, best_step = train_best(model, batch_fn, loss_fn, val_fn, max_steps=steps, max_seconds=seconds,
                                   optimizer=opt, clip_norm=cfg["clip_norm"],
                                   eval_every=cfg["eval_every"], seed=seed)
    require_step_budget(result, seconds)
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

    def fit_score(C):
        model = make_pipeline(
            CountVectorizer(analyzer="char_wb", ngram_range=tuple(ngram_range), lowercase=False),
            LogisticRegression(C=C, solver="newton-cg", max_iter=1000),
        )
        model.fit(train_names, task.labels[task.train])
        return model, accuracy(task.labels[task.val], model.predict(val_names))

    model, C, val = best_on_validation([float(c) for c in Cs], fit_score)
    return model, C, val


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
# the stored GRU runs: a sweep on validation, several seeds, a mixture
# ----------------------------------------------------------------------------

#: Step budget of every stored GRU run (``python -m rnn_helpers.experiments.names gru``),
#: with AdamW's learning rate decayed along a cosine to GRU_LR_FINAL * lr.
GRU_STEPS = 1500
GRU_LR_FINAL = 0.05
#: The sweep (seed SWEEP_SEED): hidden size per direction and dropout, chosen on validation.
GRU_SWEEP: Tuple[Dict[str, Any], ...] = tuple(
    {"hidden": h, "dropout": d} for h in (64, 128) for d in (0.2, 0.4))
SWEEP_SEED = 0
#: The seeds (initialisation and batches) of the chosen configuration; the split is always seed 0's.
GRU_SEEDS: Tuple[int, ...] = (0, 1, 2, 3, 4)
#: The wall-time safety cap of a stored run is STORED_RUN_CAP_FACTOR * steps /
#: STEPS_PER_SECOND + 600 s: generous, since the command runs on a loaded
#: machine for minutes (it only guards against a hung run).
STORED_RUN_CAP_FACTOR = 100.0
#: The n-gram range of the strongest cheap baseline (the 1-4-gram row of the n-gram table).
BEST_NGRAM_RANGE: Tuple[int, int] = (1, 4)
#: The stored log-probabilities of the 1-4-gram baseline on split 0 (:func:`gru_runs`).
NGRAM14_FILE = "ngram14_log_probs.npz"


def stored_ngram_log_probs(folder: Optional[Path] = None) -> Optional[Dict[str, np.ndarray]]:
    """
    The stored 1-4-gram baseline's class log-probabilities on split 0.

    Inputs:
    - folder: Folder of the stored run (default :func:`results_dir`)

    Returns:
    - dict "val" (Kv, Q) and "test" (K, Q), float64; None if not stored
    """
    path = (Path(folder) if folder is not None else results_dir()) / NGRAM14_FILE
    if not path.exists():
        return None
    stored = np.load(path)
    return {part: stored[part].astype(np.float64) for part in ("val", "test")}


def class_log_probs(model: torch.nn.Module, task: NamesTask, idx: np.ndarray,
                    batch_size: int = 512) -> np.ndarray:
    """
    Log-probabilities of the Q languages for the names at ``idx``.

    Inputs:
    - model: NameClassifier
    - task: NamesTask
    - idx: Index array of shape (K,)
    - batch_size: Names per forward pass

    Returns:
    - logp: float64 array of shape (K, Q), log-softmax of the logits
    """
    return _in_batches(model, task, idx, batch_size,
                       lambda ids, lengths: torch.log_softmax(model(ids, lengths).double(), dim=-1))


def save_weights(model: torch.nn.Module, path: Any) -> None:
    """Store ``model``'s weights in float16 (``torch.save`` of a dict of tensors) at ``path``."""
    torch.save({k: v.detach().to(torch.float16) for k, v in model.state_dict().items()}, Path(path))


def load_classifier(task: NamesTask, path: Any, **overrides) -> NameClassifier:
    """
    A :class:`NameClassifier` with the weights stored by :func:`save_weights`, in float32, eval mode.

    Inputs:
    - task: NamesTask (its alphabet and languages fix the sizes)
    - path: The stored weights
    - overrides: Keys of :data:`MODEL_DEFAULTS` the stored model was trained with (hidden, dropout, ...)
    """
    cfg = {**MODEL_DEFAULTS, **overrides}
    model = NameClassifier(len(task.alphabet), len(task.languages), embed=cfg["embed"],
                           hidden=cfg["hidden"], cell=cfg.get("cell", "gru"),
                           bidirectional=cfg["bidirectional"], pooling=cfg["pooling"],
                           dropout=cfg["dropout"])
    state = torch.load(Path(path), weights_only=True)
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})
    return model.eval()


def _t_interval(values: Sequence[float], level: float = 0.95) -> list:
    """Student-t interval of the mean of S >= 2 values (seeds)."""
    from scipy import stats

    v = np.asarray(values, dtype=np.float64)
    half = stats.t.ppf(0.5 + level / 2.0, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size)
    return [float(v.mean() - half), float(v.mean() + half)]


def mixture_comparison(y_val: Any, y_test: Any, logp_rnn_val: Any, logp_rnn_test: Any,
                       logp_base_val: Any, logp_base_test: Any, seed: int = 0) -> Dict[str, Any]:
    """
    The GRU, the n-gram baseline and their mixture on the test names, over S seeds of the GRU.

    The mixture is p = lam p_rnn + (1 - lam) p_base per name, as chapter 7
    mixes two language models; lam is chosen per seed on the validation
    names (lowest cross-entropy of the true language, grid of 41 values,
    :func:`rnn_helpers.experiments.language_model.best_mixture`).

    Inputs:
    - y_val: Integer array of shape (Kv,); y_test: (K,)
    - logp_rnn_val, logp_rnn_test: Arrays of shape (S, Kv, Q) and (S, K, Q), the GRU's log-probabilities
    - logp_base_val, logp_base_test: Arrays of shape (Kv, Q) and (K, Q), the baseline's
    - seed: Seed of the bootstrap

    Returns:
    - table: JSON-able dict with, for "rnn", "mixture" and "baseline", the
      test accuracy, test macro-F1 and validation accuracy per seed ("mixture"
      also its lam per seed; "baseline" one value each);
      the means over seeds with a Student-t 95 % interval over the seeds
      ("test_mean", "test_seed_ci95"); and 95 % paired bootstrap intervals
      over the test names of the seed-averaged differences
      "rnn_minus_baseline_ci95", "mixture_minus_baseline_ci95", "mixture_minus_rnn_ci95"
    """
    from rnn_helpers.experiments.language_model import best_mixture, mixture_log_probs

    y_val, y_test = np.asarray(y_val), np.asarray(y_test)
    rv, rt = np.asarray(logp_rnn_val, np.float64), np.asarray(logp_rnn_test, np.float64)
    bv, bt = np.asarray(logp_base_val, np.float64), np.asarray(logp_base_test, np.float64)
    if rv.ndim != 3 or rv.shape[1:] != bv.shape or rv.shape[1] != y_val.size:
        raise ValueError(f"logp_rnn_val: expected shape (S, {y_val.size}, Q) matching logp_base_val "
                         f"{bv.shape}, got {rv.shape}")
    if rt.ndim != 3 or rt.shape[1:] != bt.shape or rt.shape[1] != y_test.size or rt.shape[0] != rv.shape[0]:
        raise ValueError(f"logp_rnn_test: expected shape ({rv.shape[0]}, {y_test.size}, Q) matching "
                         f"logp_base_test {bt.shape}, got {rt.shape}")

    def true_class(logp, y):
        return logp[np.arange(y.size), y]  # (K,)

    hits = {"rnn": [], "mixture": []}
    out = {"rnn": {"test_accuracy": [], "test_macro_f1": [], "val_accuracy": []},
           "mixture": {"lambda_rnn": [], "test_accuracy": [], "test_macro_f1": [], "val_accuracy": []}}
    for s in range(rv.shape[0]):
        lam, _ = best_mixture(true_class(rv[s], y_val), true_class(bv, y_val))
        mix_val, mix_test = mixture_log_probs(rv[s], bv, lam), mixture_log_probs(rt[s], bt, lam)
        for key, val, test in (("rnn", rv[s], rt[s]), ("mixture", mix_val, mix_test)):
            hit = test.argmax(axis=1) == y_test  # (K,)
            hits[key].append(hit)
            out[key]["test_accuracy"].append(float(hit.mean()))
            out[key]["test_macro_f1"].append(macro_f1(y_test, test.argmax(axis=1), test.shape[1]))
            out[key]["val_accuracy"].append(accuracy(y_val, val.argmax(axis=1)))
        out["mixture"]["lambda_rnn"].append(float(lam))
    base_hit = bt.argmax(axis=1) == y_test
    out["baseline"] = {"test_accuracy": float(base_hit.mean()),
                       "test_macro_f1": macro_f1(y_test, bt.argmax(axis=1), bt.shape[1]),
                       "val_accuracy": accuracy(y_val, bv.argmax(axis=1))}
    for key in ("rnn", "mixture"):
        acc = out[key]["test_accuracy"]
        out[key]["test_mean"] = float(np.mean(acc))
        out[key]["test_seed_ci95"] = _t_interval(acc) if len(acc) > 1 else [acc[0], acc[0]]
    mean_hits = {k: np.mean(v, axis=0) for k, v in hits.items()}  # (K,): fraction of seeds right
    out["rnn_minus_baseline_ci95"] = list(paired_bootstrap(mean_hits["rnn"], base_hit, seed=seed))
    out["mixture_minus_baseline_ci95"] = list(paired_bootstrap(mean_hits["mixture"], base_hit, seed=seed))
    out["mixture_minus_rnn_ci95"] = list(paired_bootstrap(mean_hits["mixture"], mean_hits["rnn"], seed=seed))
    out["seeds"] = int(rv.shape[0])
    return out


def gru_config(table: Dict[str, Any]) -> Dict[str, Any]:
    """The overrides of :data:`MODEL_DEFAULTS` of the chosen configuration of a stored GRU table."""
    return {**table["chosen"], "lr_final": table["config"]["lr_final"]}


def stored_log_probs(task: NamesTask, folder: Any = None) -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    """
    Re-evaluate the stored GRU weights and read the stored baseline probabilities.

    Inputs:
    - task: NamesTask of seed 0 (the stored runs' split)
    - folder: Folder of the stored run (default :func:`results_dir`)

    Returns a tuple of:
    - table: The stored ``gru_runs.json``
    - logp: dict "rnn_val" (S, Kv, Q), "rnn_test" (S, K, Q), computed now from
      the stored weights; "base_val" (Kv, Q), "base_test" (K, Q), read from
      ``ngram14_log_probs.npz``
    """
    import json

    folder = Path(folder) if folder is not None else results_dir()
    table = json.loads((folder / "gru_runs.json").read_text())
    cfg = gru_config(table)
    models = [load_classifier(task, folder / run["weights"], **cfg) for run in table["runs"]]
    base = stored_ngram_log_probs(folder)
    logp = {"rnn_val": np.stack([class_log_probs(m, task, task.val) for m in models]),
            "rnn_test": np.stack([class_log_probs(m, task, task.test) for m in models]),
            "base_val": base["val"], "base_test": base["test"]}
    return table, logp


def _train_stored_run(cfg: Dict[str, Any], seed: int, steps: int) -> Dict[str, Any]:
    """One run of :func:`gru_runs` on one torch thread (a picklable job for a worker process)."""
    with one_thread():
        task = prepare(0)
        cap = STORED_RUN_CAP_FACTOR * steps / STEPS_PER_SECOND + 600.0
        model, result, best_step = train_classifier(task, steps=steps, seconds=cap, seed=seed,
                                                    lr_final=GRU_LR_FINAL, **cfg)
    return {"config": dict(cfg), "seed": int(seed), "state": model.state_dict(),
            "best_step": int(best_step), "steps": int(result.steps),
            "val_accuracy": max(v for _, v in result.evals),
            "evals": [[int(s), float(v)] for s, v in result.evals],
            "losses": [round(float(v), 4) for v in result.losses], "seconds": round(result.seconds, 1)}


def gru_runs(out: Any, *, steps: int = GRU_STEPS, sweep: Sequence[Dict[str, Any]] = GRU_SWEEP,
             seeds: Sequence[int] = GRU_SEEDS, jobs: int = 1, log=print) -> Dict[str, Any]:
    """
    The stored GRU experiment: sweep on validation, train the chosen configuration on several seeds.

    Every run trains for ``steps`` steps with the cosine schedule
    (lr_final = GRU_LR_FINAL) on the split of seed 0 and keeps its best
    validation checkpoint. The sweep's configurations are trained with seed
    SWEEP_SEED; the one with the highest validation accuracy is then trained
    with every seed of ``seeds`` (the sweep's run is reused for SWEEP_SEED).
    Weights are stored in float16 (``gru_seed<k>.pt``) and every metric is
    computed from the stored weights. The 1-4-gram baseline is fitted once
    (C chosen on validation among NGRAM_CS) and its log-probabilities stored
    in ``ngram14_log_probs.npz`` (float32); the mixture comes from
    :func:`mixture_comparison`. Each run is seeded and uses one thread, so
    ``jobs`` worker processes give the same numbers as one.

    Inputs:
    - out: Output folder
    - steps: Step budget of every run
    - sweep: Sequence of dicts of MODEL_DEFAULTS overrides
    - seeds: Seeds of the chosen configuration
    - jobs: Worker processes
    - log: Function called with one progress line at a time

    Returns:
    - table: The JSON-able dict written to ``out/gru_runs.json``
    """
    import json
    from concurrent.futures import ProcessPoolExecutor

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    task = prepare(0)

    def report(r):
        log(json.dumps({k: r[k] for k in ("config", "seed", "val_accuracy", "best_step", "seconds")}
                       | {"evals": [[s, round(v, 4)] for s, v in r["evals"]]}))
        return r

    def fit_baseline():
        base, C, val_base = fit_bag_of_characters(task, BEST_NGRAM_RANGE, NGRAM_CS)
        probs = {part: np.log(np.clip(base.predict_proba(task.names(getattr(task, part))), 1e-30, None))
                 for part in ("val", "test")}
        np.savez_compressed(out / NGRAM14_FILE,
                            **{k: v.astype(np.float32) for k, v in probs.items()})
        log(json.dumps({"baseline": list(BEST_NGRAM_RANGE), "C": C, "val_accuracy": val_base}))
        return C, val_base

    sweep_pairs = [(dict(c), SWEEP_SEED) for c in sweep]
    if jobs <= 1:
        swept = [report(_train_stored_run(c, s, steps)) for c, s in sweep_pairs]
        C, val_base = fit_baseline()
    with ProcessPoolExecutor(max_workers=max(int(jobs), 1)) as pool:
        if jobs > 1:  # the workers train the sweep while this process fits the baseline
            futures = [pool.submit(_train_stored_run, c, s, steps) for c, s in sweep_pairs]
            C, val_base = fit_baseline()
            swept = [report(f.result()) for f in futures]
        sweep_rows = [{**r["config"], "val_accuracy": r["val_accuracy"], "best_step": r["best_step"]}
                      for r in swept]
        chosen = dict(sweep[int(np.argmax([r["val_accuracy"] for r in sweep_rows]))])
        log(json.dumps({"chosen": chosen}))
        more_pairs = [(chosen, int(s)) for s in seeds if int(s) != SWEEP_SEED]
        if jobs > 1:
            more = [report(f.result()) for f in [pool.submit(_train_stored_run, c, s, steps)
                                                  for c, s in more_pairs]]
        else:
            more = [report(_train_stored_run(c, s, steps)) for c, s in more_pairs]
    reused = {SWEEP_SEED: swept[[r["config"] for r in swept].index(chosen)]}
    done = {**reused, **{r["seed"]: r for r in more}}

    runs = []
    for seed in seeds:
        r = done[int(seed)]
        name = f"gru_seed{int(seed)}.pt"
        model = NameClassifier(len(task.alphabet), len(task.languages), embed=MODEL_DEFAULTS["embed"],
                               hidden=chosen["hidden"], bidirectional=MODEL_DEFAULTS["bidirectional"],
                               pooling=MODEL_DEFAULTS["pooling"], dropout=chosen["dropout"])
        model.load_state_dict(r["state"])
        save_weights(model, out / name)
        runs.append({"seed": int(seed), "weights": name, "best_step": r["best_step"], "steps": r["steps"],
                     "evals": r["evals"], "losses": r["losses"]})

    table = {
        "config": {"steps": int(steps), "lr_final": GRU_LR_FINAL, "sweep": [dict(c) for c in sweep],
                   "sweep_seed": SWEEP_SEED, "seeds": [int(s) for s in seeds], "data_seed": 0,
                   "model_defaults": dict(MODEL_DEFAULTS),
                   "baseline": {"ngram_range": list(BEST_NGRAM_RANGE), "Cs": list(NGRAM_CS)}},
        "sweep": sweep_rows, "chosen": chosen, "runs": runs,
        "baseline": {"C": C, "val_accuracy": val_base},
    }
    models = [load_classifier(task, out / r["weights"], **chosen, lr_final=GRU_LR_FINAL) for r in runs]
    stored = stored_ngram_log_probs(out)
    comp = mixture_comparison(task.labels[task.val], task.labels[task.test],
                              np.stack([class_log_probs(m, task, task.val) for m in models]),
                              np.stack([class_log_probs(m, task, task.test) for m in models]),
                              stored["val"], stored["test"])
    for run, acc, val in zip(runs, comp["rnn"]["test_accuracy"], comp["rnn"]["val_accuracy"]):
        run.update(test_accuracy=acc, val_accuracy=val)
    table["comparison"] = comp
    table["seconds"] = round(time.perf_counter() - start, 1)
    (out / "gru_runs.json").write_text(json.dumps(table, indent=1) + "\n")
    log(json.dumps({"comparison": {k: comp[k] for k in ("rnn_minus_baseline_ci95", "mixture_minus_baseline_ci95")},
                    "rnn_test_mean": comp["rnn"]["test_mean"], "mixture_test_mean": comp["mixture"]["test_mean"],
                    "baseline_test": comp["baseline"]["test_accuracy"]}))
    return table


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
    stored = stored_ngram_log_probs() if seed == 0 else None  # stored for split 0 only
    if stored is not None and stored["test"].shape == (len(y_test), Q):  # the strongest baseline
        pred_ng = stored["test"].argmax(axis=1)  # (K,)
        low, high = paired_bootstrap(pred_rnn == y_test, pred_ng == y_test, seed=seed)
        metrics["baseline_ngrams_1_4"] = {
            "model": "logistic regression on 1-4-gram counts (stored, C chosen on validation)",
            "test_accuracy": accuracy(y_test, pred_ng),
            "test_macro_f1": macro_f1(y_test, pred_ng, Q),
        }
        metrics["rnn_minus_ngrams_1_4_ci95"] = [low, high]
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
      bootstrap interval of (RNN - bigram baseline) test accuracy (and, on
      split 0, the stored 1-4-gram baseline and the interval of RNN minus
      it); the RNN's
      test confusion matrix (rows: true language, columns: predicted); and
      the RNN's test accuracy when the padded batch is read without packing
    """
    with one_thread():
        return experiment(seconds, seed)[0]


def summary(metrics: dict) -> dict:
    """
    :func:`run`'s ``metrics`` in one line: test accuracy of the RNN and the strongest baseline.

    The baseline is chapter 8's, the stored 1-4-gram logistic regression,
    on the split it was fitted on (seed 0); on other splits it is the
    character + bigram regression fitted in the run. The single-character
    baseline and the majority class follow as "characters" and "majority"
    (test accuracy).
    """
    rnn = metrics["rnn"]
    if "baseline_ngrams_1_4" in metrics:
        base, ci = metrics["baseline_ngrams_1_4"], metrics["rnn_minus_ngrams_1_4_ci95"]
    else:
        base, ci = metrics["baseline_bag_of_bigrams"], metrics["rnn_minus_bigrams_ci95"]
    chars = metrics["baseline_bag_of_characters"]["test_accuracy"]
    return comparison("test accuracy", "higher", rnn["model"], rnn["test_accuracy"], base["model"],
                      base["test_accuracy"], ci, seeds=1,
                      characters=chars, majority=metrics["majority_class_accuracy"])


def results_dir():
    """``results/names`` (see :func:`rnn_helpers.experiments.protocol.results_dir`)."""
    return protocol_results_dir("names")


def _main(argv: Optional[Sequence[str]] = None) -> None:
    """
    ``python -m rnn_helpers.experiments.names [ngram|gru] [--out results/names]``.

    ``ngram`` (the default) stores the n-gram table of :func:`ngram_baselines`;
    ``gru`` the GRU sweep, seeds, weights and mixture of :func:`gru_runs`
    (about 25 minutes on one loaded CPU thread), with its log in ``gru_runs.log``.
    """
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Store chapter 8's names runs.")
    parser.add_argument("what", nargs="?", default="ngram", choices=("ngram", "gru"))
    parser.add_argument("--out", default="results/names", help="output directory")
    parser.add_argument("--seed", type=int, default=0, help="seed of the n-gram table")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes of the GRU runs")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.what == "gru":
        header = "python -m rnn_helpers.experiments.names gru (one torch thread)"
        with run_log(out / "gru_runs.log", header, timestamps=False) as log, one_thread():
            gru_runs(out, jobs=args.jobs, log=log)
        return
    with one_thread():
        table = ngram_baselines(seed=args.seed)
    (out / "ngram_baselines.json").write_text(json.dumps(table, indent=1) + "\n")
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    _main()
