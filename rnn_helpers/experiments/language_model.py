"""Chapter 7's experiment: a character-level LSTM against a Kneser-Ney n-gram.

Data: Python's help topics (``pydoc_data``, shipped with CPython under the
PSF License), deduplicated and split into train / validation / test blocks
(:func:`rnn_helpers.data.corpus.load_corpus`).

Protocol (the same for every budget):

1. The n-gram baseline: interpolated Kneser-Ney (:class:`rnn_helpers.models.ngram.KneserNey`),
   its order chosen on the validation blocks from 1..``NGRAM_MAX_ORDER``.
2. The neural model: embedding -> LSTM (or GRU) layers -> linear layer
   (:class:`CharLM`), trained with :func:`rnn_helpers.models.training.train`
   statefully (:func:`train_model`): N contiguous streams of the training
   text (:func:`rnn_helpers.data.corpus.stream_batch_fn`, sequential
   partitioning), the state carried from batch to batch and detached every
   T steps (:class:`StatefulLoss`), as the evaluation carries it; Adam, norm
   clipping, a cosine learning-rate decay over the step budget
   (:class:`CosineAdam`), a step budget and a time cap. The validation loss
   is measured every ``eval_every`` steps; the parameters with the best
   validation loss are kept (early stopping).
3. Both models, and their mixture p = lam p_rnn + (1 - lam) p_ngram with lam
   chosen on validation, are scored once on the test blocks: mean negative
   log-likelihood of characters 2..L of every block given all earlier ones of
   that block, in nats, bits per character and perplexity.

``run(seconds, seed)`` returns the JSON-able metrics, ``summary(metrics)``
the LSTM against the n-gram; the command line is
``python -m rnn_helpers.experiments language_model --seconds 300``. The chapter calls
:func:`experiment` with its own, short, step budget.

The stored checkpoint: ``python -m rnn_helpers.experiments language_model
--save`` (:func:`main`) trains :data:`CHECKPOINT_CONFIG` (two LSTM layers
with dropout, stateful) for :data:`CHECKPOINT_STEPS` steps on one thread
and writes ``results/language_model/checkpoint.{pt,json,log}``;
:func:`load_checkpoint` reads it back.

Why one module of about 650 lines: it is chapter 7's experiment end to end
(model, stateful training, schedule, n-gram selection, mixture, evaluation,
sample, the stored checkpoint), read top to bottom next to the chapter; the shared parts live in
:mod:`~rnn_helpers.experiments.metrics` and :mod:`~rnn_helpers.experiments.protocol`.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.argcheck import check_choice, check_float, check_int
from rnn_helpers.data.corpus import CharCorpus, load_corpus, stream_batch_fn, window_batch_fn
from rnn_helpers.experiments.metrics import block_bootstrap
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread, train_best
from rnn_helpers.models.ngram import KneserNey, bits_per_char, perplexity
from rnn_helpers.models.sampling import generate
from rnn_helpers.models.training import TrainResult, set_seed

__all__ = [
    "Config",
    "LARGE_BUDGET",
    "config_for",
    "CharLM",
    "detach_state",
    "StatefulLoss",
    "CosineAdam",
    "lm_loss",
    "target_log_probs",
    "heldout_nll",
    "NGRAM_MAX_ORDER",
    "fit_ngram",
    "mixture_nll",
    "mixture_log_probs",
    "best_mixture",
    "CHECKPOINT_CONFIG",
    "CHECKPOINT_STEPS",
    "CHECKPOINT_SEED",
    "CHECKPOINT_FILES",
    "save_checkpoint",
    "load_checkpoint",
    "main",
    "build_model",
    "train_model",
    "Experiment",
    "experiment",
    "run",
    "summary",
]

#: Budgets of at least this many seconds train the larger model of :func:`config_for`.
LARGE_BUDGET = 120.0


@dataclass(frozen=True)
class Config:
    """Settings of the neural model and its training (defaults: the short-budget model)."""

    cell: str = "lstm"  # "lstm" or "gru"
    embed: int = 32  # embedding size E
    hidden: int = 128  # hidden size H
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.0  # dropout on embeddings, between layers and before the read-out
    stateful: bool = True  # True: N contiguous streams, state carried; False: random windows
    N: int = 32  # streams (or random windows) per batch
    T: int = 64  # steps per batch k (BPTT truncation)
    lr: float = 2e-2  # Adam's peak learning rate
    lr_final: float = 0.1  # cosine decay to lr * lr_final at the step budget (1.0: constant)
    clip_norm: float = 1.0  # global gradient-norm clipping
    prompt: str = "The "  # start of the sample returned by run
    sample_chars: int = 240  # length of that sample
    sample_temperature: float = 0.7
    steps_per_second: float = 30.0  # training steps per second of budget (quiet 2-core CPU)


def config_for(seconds: float) -> Config:
    """
    The configuration for a time budget: the model grows with the budget.

    Below LARGE_BUDGET seconds: Config() (H = 128, learning rate 0.02, about
    30 steps per second). From LARGE_BUDGET on: H = 256 and learning rate
    0.01, about 12 steps per second; with a few thousand steps the larger
    model reaches a lower validation loss than the small one does in the same
    time.

    Inputs:
    - seconds: Float > 0

    Returns:
    - config: Config
    """
    if seconds < LARGE_BUDGET:
        return Config()
    return Config(hidden=256, lr=1e-2, steps_per_second=12.0)


class CharLM(torch.nn.Module):
    """
    Character language model: embedding, one or more recurrent layers, linear read-out.

    o_t = W_hq h_t + b_q with h_t from an LSTM or GRU (``layers`` stacked
    layers) reading the embedded characters x_1 .. x_t; softmax(o_t) is the
    distribution of x_{t+1}. With ``dropout`` > 0, dropout is applied to the
    embeddings, between the layers and before the read-out (training only).

    Inputs:
    - V: Integer vocabulary size
    - embed: Integer embedding size E
    - hidden: Integer hidden size H
    - cell: "lstm" or "gru"
    - layers: Integer number of stacked recurrent layers
    - dropout: Float in [0, 1), the dropout probability
    """

    def __init__(self, V: int, embed: int = 32, hidden: int = 128, cell: str = "lstm",
                 layers: int = 1, dropout: float = 0.0):
        super().__init__()
        check_choice("cell", cell, ("lstm", "gru"))
        for name, v in (("V", V), ("embed", embed), ("hidden", hidden), ("layers", layers)):
            check_int(name, v, 1)
        dropout = check_float("dropout", dropout, 0.0, 1.0)
        if dropout >= 1.0:
            raise ValueError(f"dropout: expected a float in [0, 1), got {dropout}")
        self.V, self.cell = int(V), cell
        self.embedding = torch.nn.Embedding(V, embed)
        rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = rnn(embed, hidden, num_layers=int(layers), batch_first=True,
                       dropout=dropout if layers > 1 else 0.0)
        self.drop = torch.nn.Dropout(dropout)
        self.head = torch.nn.Linear(hidden, V)

    def forward(self, x: torch.Tensor, state: Any = None):
        """
        Inputs:
        - x: int64 tensor of shape (N, T), character ids
        - state: None (zeros) or the state returned by a previous call

        Returns a tuple of:
        - logits: Tensor of shape (N, T, V)
        - state: the recurrent state after the last step (h_n, or (h_n, c_n)),
          each of shape (layers, N, H)
        """
        if x.ndim != 2 or x.dtype != torch.int64:
            raise ValueError(f"x: expected an int64 tensor of shape (N, T), got shape "
                             f"{tuple(x.shape)} and dtype {x.dtype}")
        h, state = self.rnn(self.drop(self.embedding(x)), state)  # (N, T, H)
        return self.head(self.drop(h)), state  # (N, T, V)


def detach_state(state: Any) -> Any:
    """The recurrent state cut from the graph (a tensor, a tuple of tensors, or None)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


class StatefulLoss:
    """
    The loss of stateful training: the state is carried from batch to batch and detached.

    Use with :func:`rnn_helpers.data.corpus.stream_batch_fn`: batch s + 1
    continues batch s row by row, so the final state of batch s is the right
    initial state of batch s + 1. It is detached after every batch (k steps),
    so gradients flow over at most k steps (truncated BPTT) while the forward
    pass sees the whole stream, as the evaluation does. A batch with
    ``reset`` True (a new epoch) starts from zeros.

    Call: ``loss_fn(model, (x, y, reset))`` with x, y int64 tensors of shape
    (N, k); returns the mean cross-entropy in nats (scalar tensor).
    """

    def __init__(self):
        self.state = None

    def __call__(self, model: "CharLM", batch) -> torch.Tensor:
        x, y, reset = batch
        if reset:
            self.state = None
        logits, state = model(x, self.state)  # (N, k, V)
        self.state = detach_state(state)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def lm_loss(model: CharLM, batch) -> torch.Tensor:
    """
    Mean cross-entropy (nats per character) of a batch of windows.

    Inputs:
    - model: CharLM
    - batch: tuple (x, y) of int64 tensors of shape (N, T)

    Returns:
    - loss: scalar tensor
    """
    x, y = batch
    logits, _ = model(x)  # (N, T, V)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def target_log_probs(model: CharLM, blocks: Any, chunk: int = 1024,
                     reset: bool = False) -> np.ndarray:
    """
    log p(x_t | x_1 .. x_{t-1}) for t = 2..L of every block, reading each block from its start.

    The blocks are read in chunks of ``chunk`` steps, carrying the state, so
    the result equals one pass over the whole block. With ``reset`` True
    the state starts at zero in every chunk instead: the model sees only
    the characters of the current chunk, as in training on zero-state
    windows of ``chunk`` characters.

    Inputs:
    - model: CharLM
    - blocks: Integer array of shape (B, L), L >= 2
    - chunk: Integer number of steps per forward call
    - reset: Boolean, start every chunk from the zero state

    Returns:
    - logp: float64 array of shape (B, L - 1)
    """
    blocks = np.asarray(blocks)
    if blocks.ndim != 2 or blocks.shape[1] < 2 or not np.issubdtype(blocks.dtype, np.integer):
        raise ValueError(f"blocks: expected an integer array of shape (B, L) with L >= 2, got "
                         f"shape {blocks.shape}")
    chunk = check_int("chunk", chunk, 1)
    x = torch.from_numpy(blocks[:, :-1].astype(np.int64))  # (B, L - 1)
    y = torch.from_numpy(blocks[:, 1:].astype(np.int64))  # (B, L - 1)
    was_training = model.training
    model.eval()
    out, state = [], None
    with torch.no_grad():
        for s in range(0, x.shape[1], chunk):
            logits, state = model(x[:, s:s + chunk], None if reset else state)  # (B, c, V)
            logp = torch.log_softmax(logits.double(), dim=-1)
            out.append(logp.gather(-1, y[:, s:s + chunk, None])[..., 0])  # (B, c)
    model.train(was_training)
    return torch.cat(out, dim=1).numpy()


def heldout_nll(model: CharLM, blocks: Any) -> float:
    """Mean negative log-likelihood in nats of characters 2..L of every block."""
    return float(-target_log_probs(model, blocks).mean())


#: The largest n-gram order of :func:`fit_ngram`'s grid (past the order chosen on validation).
NGRAM_MAX_ORDER = 24


def fit_ngram(corpus: CharCorpus, max_order: int = NGRAM_MAX_ORDER):
    """
    Fit Kneser-Ney models of orders 1..max_order and pick the order on validation.

    Inputs:
    - corpus: CharCorpus
    - max_order: Integer, the largest order tried

    Returns a tuple of:
    - model: KneserNey fitted up to max_order
    - best: Integer, the order with the lowest validation loss
    - valid_nll: Array of shape (max_order,), validation loss of orders 1..max_order (nats)
    """
    model = KneserNey(max_order, corpus.V).fit(corpus.train)
    valid_nll = model.nll_by_order(corpus.valid)  # (max_order,)
    return model, int(np.argmin(valid_nll)) + 1, valid_nll


def mixture_log_probs(logp_a: Any, logp_b: Any, lam: float) -> np.ndarray:
    """
    log(lam p_a + (1 - lam) p_b) at every position, from the two models' log-probabilities.

    Inputs:
    - logp_a, logp_b: Arrays of the same shape, log-probabilities of the same targets
    - lam: Float in [0, 1]

    Returns:
    - logp: float64 array of that shape
    """
    a, b = np.asarray(logp_a, dtype=np.float64), np.asarray(logp_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"logp_b: expected the shape of logp_a {a.shape}, got {b.shape}")
    lam = check_float("lam", lam, 0.0, 1.0)
    if lam == 0.0:
        return b
    if lam == 1.0:
        return a
    return np.logaddexp(np.log(lam) + a, np.log1p(-lam) + b)


def mixture_nll(logp_a: Any, logp_b: Any, lam: float) -> float:
    """
    Loss of the mixture lam p_a + (1 - lam) p_b, from the two models' log-probabilities.

    Inputs:
    - logp_a, logp_b: Arrays of the same shape, log-probabilities of the same targets
    - lam: Float in [0, 1]

    Returns:
    - loss: Float, mean negative log-likelihood in nats
    """
    return float(-mixture_log_probs(logp_a, logp_b, lam).mean())


def best_mixture(logp_a: Any, logp_b: Any, grid: int = 41):
    """The weight lam in linspace(0, 1, grid) with the lowest mixture loss, and that loss."""
    lams = np.linspace(0.0, 1.0, grid)
    losses = np.array([mixture_nll(logp_a, logp_b, lam) for lam in lams])
    i = int(np.argmin(losses))
    return float(lams[i]), float(losses[i])


class CosineAdam(torch.optim.Adam):
    """
    Adam whose learning rate follows a cosine from ``lr`` down to ``lr * final``.

    lr_s = lr * (final + (1 - final) * (1 + cos(pi * s / total)) / 2) at step s;
    after ``total`` steps it stays at ``lr * final``.

    Inputs:
    - params: iterable of parameters
    - lr: Float, the initial (peak) learning rate
    - total: Integer number of steps of the decay
    - final: Float in (0, 1], the final fraction of lr
    """

    def __init__(self, params, lr: float, total: int, final: float = 0.1):
        total = check_int("total", total, 1)
        final = check_float("final", final, positive=True, maximum=1.0)
        super().__init__(params, lr=lr)
        self.peak, self.total, self.final, self.t = float(lr), int(total), float(final), 0

    def step(self, closure=None):
        frac = min(self.t / self.total, 1.0)
        lr = self.peak * (self.final + (1.0 - self.final) * 0.5 * (1.0 + math.cos(math.pi * frac)))
        for group in self.param_groups:
            group["lr"] = lr
        self.t += 1
        return super().step(closure)


@dataclass
class Experiment:
    """Everything one run produced (the chapter plots from it)."""

    corpus: CharCorpus
    config: Config
    model: CharLM
    result: TrainResult
    ngram: KneserNey
    ngram_order: int
    ngram_valid_nll: np.ndarray  # (max_order,)
    metrics: dict = field(default_factory=dict)


def build_model(V: int, config: Config) -> CharLM:
    """The CharLM of a configuration (vocabulary size V)."""
    return CharLM(V, config.embed, config.hidden, config.cell, config.layers, config.dropout)


def train_model(corpus: CharCorpus, config: Config, max_steps: int, seconds: float,
                seed: int = 0, eval_every: int = 100, progress: bool = False):
    """
    Train the CharLM of ``config`` on the training blocks; keep the best validation weights.

    Stateful (``config.stateful``): N contiguous streams of the training
    blocks (:func:`rnn_helpers.data.corpus.stream_batch_fn`), the state
    carried from batch to batch and detached every T steps
    (:class:`StatefulLoss`). Otherwise: random zero-state windows
    (:func:`rnn_helpers.data.corpus.window_batch_fn`, :func:`lm_loss`).
    Adam with a cosine decay (:class:`CosineAdam`), norm clipping, the
    validation loss (nats, the state carried over each block) every
    ``eval_every`` steps.

    Inputs:
    - corpus: CharCorpus
    - config: Config
    - max_steps: Integer step budget
    - seconds: Float wall-time cap of the loop
    - seed, eval_every, progress: as for :func:`rnn_helpers.experiments.protocol.train_best`

    Returns a tuple of:
    - model: CharLM holding the weights of the best validation step (eval mode)
    - result: TrainResult; result.evals holds (step, validation nats)
    - best_step: Integer
    """
    set_seed(seed)
    model = build_model(corpus.V, config)
    optimizer = CosineAdam(model.parameters(), config.lr, int(max_steps), config.lr_final)
    if config.stateful:
        batch_fn, loss_fn = stream_batch_fn(corpus.train, config.N, config.T), StatefulLoss()
    else:
        batch_fn, loss_fn = window_batch_fn(corpus.train, config.N, config.T), lm_loss
    result, best_step = train_best(
        model, batch_fn, loss_fn, lambda m: heldout_nll(m, corpus.valid),
        max_steps=int(max_steps), max_seconds=float(seconds), optimizer=optimizer,
        clip_norm=config.clip_norm, eval_every=int(eval_every), seed=seed,
        higher_is_better=False, progress=progress)
    model.eval()
    return model, result, best_step


def _scores(nats: float) -> dict:
    return {"nats": round(float(nats), 4), "bpc": round(bits_per_char(nats), 4),
            "perplexity": round(perplexity(nats), 4)}


def experiment(seconds: float, seed: int = 0, max_steps: Optional[int] = None,
               config: Optional[Config] = None, eval_every: Optional[int] = None,
               progress: bool = False, corpus: Optional[CharCorpus] = None,
               ngram: Optional[tuple] = None, trained: Optional[tuple] = None) -> Experiment:
    """
    Train and evaluate the character model and the n-gram baseline.

    Inputs:
    - seconds: Float > 0, wall-time budget of the training loop
    - seed: Integer seed (initialisation, batches, sample)
    - max_steps: Integer step budget; default ``round(config.steps_per_second * seconds)``
    - config: Config (default: ``config_for(seconds)``)
    - eval_every: Integer steps between validation measurements (default:
      about 12 measurements per run, at least every 25 steps)
    - progress: Boolean, show a tqdm bar
    - corpus: CharCorpus (default: :func:`rnn_helpers.data.corpus.load_corpus`)
    - ngram: Optional tuple (model, order, valid_nll) returned by
      :func:`fit_ngram` on the same corpus (default: fitted here)
    - trained: Optional tuple (model, result, best_step) returned by
      :func:`train_model` on the same corpus with ``config`` (default:
      trained here); e.g. the winner of a grid

    Returns:
    - Experiment; ``.metrics`` is the dict that :func:`run` returns
    """
    seconds, seed = check_budget(seconds, seed)
    config = config or config_for(seconds)
    corpus = corpus or load_corpus()
    if max_steps is None:
        max_steps = max(1, int(round(config.steps_per_second * seconds)))
    if eval_every is None:
        eval_every = max(25, max_steps // 12)
    wall = time.perf_counter()

    ngram, order, ngram_valid = ngram if ngram is not None else fit_ngram(corpus)
    if trained is None:
        trained = train_model(corpus, config, int(max_steps), float(seconds), seed,
                              int(eval_every), progress)
    model, result, best_step = trained

    rnn_valid = target_log_probs(model, corpus.valid)  # (B_valid, L - 1)
    rnn_test = target_log_probs(model, corpus.test)  # (B_test, L - 1)
    ng_valid = ngram.log_probs(corpus.valid, order)[:, 1:]
    ng_test = ngram.log_probs(corpus.test, order)[:, 1:]
    lam, _ = best_mixture(rnn_valid, ng_valid)
    bits = {"rnn": -rnn_test / math.log(2.0), "ngram": -ng_test / math.log(2.0),  # (B_test, L - 1)
            "mixture": -mixture_log_probs(rnn_test, ng_test, lam) / math.log(2.0)}
    ci95 = {f"{a}_minus_{b}": [round(v, 4) for v in block_bootstrap(bits[a], bits[b], seed=seed)]
            for a, b in (("rnn", "ngram"), ("mixture", "ngram"), ("mixture", "rnn"))}

    prompt = corpus.encode(config.prompt)
    sample = corpus.decode(generate(model, prompt, config.sample_chars,
                                    config.sample_temperature, seed=seed)[0])

    metrics = {
        "data": {"source": corpus.source, **corpus.sizes(), "vocab": corpus.V},
        "config": asdict(config),
        "training": {"steps": result.steps, "max_steps": int(max_steps),
                     "seconds": round(result.seconds, 2), "stopped": result.stopped,
                     "best_step": int(best_step),
                     "final_train_nats": round(result.final_loss, 4),
                     "parameters": int(sum(p.numel() for p in model.parameters()))},
        "ngram": {"order": order, "valid": _scores(ngram_valid[order - 1]),
                  "test": _scores(-ng_test.mean())},
        "rnn": {"valid": _scores(-rnn_valid.mean()), "test": _scores(-rnn_test.mean())},
        "mixture": {"lambda_rnn": round(lam, 3),
                    "test": _scores(mixture_nll(rnn_test, ng_test, lam))},
        "rnn_beats_ngram_on_test": bool(-rnn_test.mean() < -ng_test.mean()),
        "test_bpc_difference_ci95": ci95,
        "sample": {"prompt": config.prompt, "temperature": config.sample_temperature,
                   "text": config.prompt + sample},
        "seed": int(seed),
        "wall_seconds": round(time.perf_counter() - wall, 2),
    }
    return Experiment(corpus, config, model, result, ngram, order, ngram_valid, metrics)


def run(seconds: float, seed: int = 0) -> dict:
    """
    Train for ``seconds`` (and a step budget proportional to it); return the metrics.

    The configuration is ``config_for(seconds)``: budgets of LARGE_BUDGET
    seconds or more train a larger model.

    Inputs:
    - seconds: Float > 0, training budget in seconds
    - seed: Integer seed

    Returns:
    - metrics: JSON-able dict: data sizes, configuration, training summary,
      validation and test loss (nats, bits per character, perplexity) of the
      n-gram baseline, the model and their mixture, 95 % block-bootstrap
      intervals of their test bpc differences (the test blocks resampled),
      and a short sample
    """
    with one_thread():
        return experiment(seconds, seed=seed).metrics


def summary(metrics: dict) -> dict:
    """
    The comparison of :func:`run`'s metrics in one line: test bits per character, LSTM against n-gram.

    Inputs:
    - metrics: dict returned by :func:`run`

    Returns:
    - dict from :func:`rnn_helpers.experiments.protocol.comparison`, with the
      95 % block-bootstrap interval of the difference and the mixture's bpc
    """
    cfg, ng = metrics["config"], metrics["ngram"]
    model = f"char-{cfg['cell'].upper()}, H={cfg['hidden']}"
    return comparison("test bits per character", "lower", model, metrics["rnn"]["test"]["bpc"],
                      f"{ng['order']}-gram Kneser-Ney", ng["test"]["bpc"],
                      metrics["test_bpc_difference_ci95"]["rnn_minus_ngram"],
                      mixture=metrics["mixture"]["test"]["bpc"], seeds=1)


#: The stored checkpoint's configuration: two LSTM layers with dropout, trained statefully.
CHECKPOINT_CONFIG = Config(embed=64, hidden=256, layers=2, dropout=0.1, stateful=True,
                           N=32, T=128, lr=4e-3, lr_final=0.05)
#: Its step budget (about 1,800 s on one thread of a busy 2-core machine), seed and
#: validation interval.
CHECKPOINT_STEPS = 600
CHECKPOINT_SEED = 0
CHECKPOINT_EVAL_EVERY = 50
#: Files of the stored checkpoint, in ``results/language_model/``.
CHECKPOINT_FILES = {"weights": "checkpoint.pt", "record": "checkpoint.json",
                    "log": "checkpoint.log"}


def save_checkpoint(folder: Any, model: CharLM, record: dict) -> None:
    """Write the weights (float16) and the JSON record of a checkpoint into ``folder``."""
    import json
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save(state, folder / CHECKPOINT_FILES["weights"])
    (folder / CHECKPOINT_FILES["record"]).write_text(
        json.dumps(record, indent=1, sort_keys=True) + "\n")


def load_checkpoint(folder: Any = None):
    """
    Load the stored checkpoint: the model (float32, eval mode) and its record.

    Inputs:
    - folder: the folder written by :func:`main` (default: ``results/language_model``)

    Returns a tuple of:
    - model: CharLM
    - record: dict, the JSON record (config, seed, steps, validation curve, ...)
    """
    import json
    from pathlib import Path

    from rnn_helpers.experiments.protocol import results_dir

    folder = Path(folder) if folder is not None else results_dir("language_model")
    record = json.loads((folder / CHECKPOINT_FILES["record"]).read_text())
    config = Config(**record["config"])
    model = build_model(record["vocab_size"], config)
    state = torch.load(folder / CHECKPOINT_FILES["weights"], map_location="cpu",
                       weights_only=True)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v
                           for k, v in state.items()})
    return model.eval(), record


def main(argv=None) -> int:
    """``python -m rnn_helpers.experiments language_model --save [DIR] [--steps S] [--seed K]``.

    Trains the checkpoint (:data:`CHECKPOINT_CONFIG`, statefully, on one
    torch thread) for a step budget and writes ``checkpoint.pt`` (float16
    weights of the best validation step), ``checkpoint.json`` (command,
    config, seed, steps, validation curve, seconds) and ``checkpoint.log``.
    """
    import argparse
    import json
    import sys
    from pathlib import Path

    from rnn_helpers.experiments.protocol import results_dir

    parser = argparse.ArgumentParser(prog="python -m rnn_helpers.experiments language_model",
                                     description="Chapter 7's stored checkpoint.")
    parser.add_argument("--save", nargs="?", const="", default=None, metavar="DIR",
                        help="train the checkpoint and write it to DIR "
                             "(default results/language_model)")
    parser.add_argument("--steps", type=int, default=CHECKPOINT_STEPS)
    parser.add_argument("--seed", type=int, default=CHECKPOINT_SEED)
    parser.add_argument("--eval-every", type=int, default=CHECKPOINT_EVAL_EVERY)
    parser.add_argument("--max-seconds", type=float, default=4 * 3600.0,
                        help="safety cap on the wall time (the budget is --steps)")
    args = parser.parse_args(argv)
    if args.save is None:
        parser.error("nothing to do: pass --save [DIR]")
    folder = Path(args.save) if args.save else results_dir("language_model")
    config = CHECKPOINT_CONFIG
    corpus = load_corpus()
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / CHECKPOINT_FILES["log"], "w")

    def say(text):
        print(text, file=log, flush=True)
        print(text, file=sys.stderr, flush=True)

    say(f"config {json.dumps(asdict(config), sort_keys=True)}")
    say(f"seed {args.seed}, {args.steps} steps, validation every {args.eval_every}, "
        f"torch {torch.__version__}, one thread")
    start = time.perf_counter()
    curve = []

    def valid_bpc(m):
        value = heldout_nll(m, corpus.valid)
        curve.append(value)
        say(f"step {len(curve) * args.eval_every:6d}  validation {bits_per_char(value):.4f} bpc  "
            f"{time.perf_counter() - start:8.1f} s")
        return value

    with one_thread():
        set_seed(args.seed)
        model = build_model(corpus.V, config)
        optimizer = CosineAdam(model.parameters(), config.lr, args.steps, config.lr_final)
        result, best_step = train_best(
            model, stream_batch_fn(corpus.train, config.N, config.T), StatefulLoss(),
            valid_bpc, max_steps=args.steps, max_seconds=args.max_seconds,
            optimizer=optimizer, clip_norm=config.clip_norm, eval_every=args.eval_every,
            seed=args.seed, higher_is_better=False)
        model.eval()
        seconds = time.perf_counter() - start
        record = {
            "command": "python -m rnn_helpers.experiments language_model --save"
                       + ("" if args.steps == CHECKPOINT_STEPS else f" --steps {args.steps}")
                       + ("" if args.seed == CHECKPOINT_SEED else f" --seed {args.seed}"),
            "config": asdict(config), "seed": int(args.seed), "max_steps": int(args.steps),
            "eval_every": int(args.eval_every), "steps": int(result.steps),
            "stopped": result.stopped, "best_step": int(best_step),
            "seconds": round(seconds, 1), "threads": 1, "torch": torch.__version__,
            "vocab_size": corpus.V, "vocab": "".join(corpus.vocab),
            "parameters": int(sum(p.numel() for p in model.parameters())),
            "valid_curve_bpc": [[int(s), round(bits_per_char(v), 4)] for s, v in result.evals],
            "train_loss_nats": [  # moving mean of the last 50 steps, every 50 steps
                [i + 1, round(float(np.mean(result.losses[max(0, i - 49):i + 1])), 4)]
                for i in range(49, result.steps, 50)],
        }
        save_checkpoint(folder, model, record)
        stored, _ = load_checkpoint(folder)
        record["valid_bpc_stored_float16"] = round(
            bits_per_char(heldout_nll(stored, corpus.valid)), 4)
        save_checkpoint(folder, model, record)
    say(f"stopped on {result.stopped} after {result.steps} steps, {seconds:.1f} s; best step "
        f"{best_step}; validation of the stored float16 weights "
        f"{record['valid_bpc_stored_float16']:.4f} bpc")
    log.close()
    return 0
