"""Chapter 7's experiment: a character-level LSTM against a Kneser-Ney n-gram.

Data: Python's help topics (``pydoc_data``, shipped with CPython under the
PSF License), deduplicated and split into train / validation / test blocks
(:func:`rnn_helpers.data.corpus.load_corpus`).

Protocol (the same for every budget):

1. The n-gram baseline: interpolated Kneser-Ney (:class:`rnn_helpers.models.ngram.KneserNey`),
   its order chosen on the validation blocks.
2. The neural model: embedding -> one LSTM (or GRU) layer -> linear layer
   (:class:`CharLM`), trained with :func:`rnn_helpers.models.training.train` on
   random (N, T) windows of the training blocks (truncated BPTT), Adam, norm
   clipping, a cosine learning-rate decay over the step budget
   (:class:`CosineAdam`), a step budget and a time budget. The validation loss is measured
   every ``eval_every`` steps; the parameters with the best validation loss
   are kept (early stopping).
3. Both models, and their mixture p = lam p_rnn + (1 - lam) p_ngram with lam
   chosen on validation, are scored once on the test blocks: mean negative
   log-likelihood of characters 2..L of every block given all earlier ones of
   that block, in nats, bits per character and perplexity.

``run(seconds, seed)`` returns the JSON-able metrics, ``summary(metrics)``
the LSTM against the n-gram; the command line is
``python -m rnn_helpers.experiments language_model --seconds 300``. The chapter calls
:func:`experiment` with its own, short, step budget.

Why one module of about 430 lines: it is chapter 7's experiment end to end
(model, schedule, n-gram selection, mixture, evaluation, sample), read top to
bottom next to the chapter; the shared parts live in
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
from rnn_helpers.data.corpus import CharCorpus, load_corpus, window_batch_fn
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
    "CosineAdam",
    "lm_loss",
    "target_log_probs",
    "heldout_nll",
    "fit_ngram",
    "mixture_nll",
    "mixture_log_probs",
    "best_mixture",
    "Experiment",
    "experiment",
    "run",
    "summary",
]

#: Budgets of at least this many seconds train the larger model of :func:`config_for`.
LARGE_BUDGET = 120.0


@dataclass(frozen=True)
class Config:
    """Settings of the neural model and its training (defaults: the chapter's)."""

    cell: str = "lstm"  # "lstm" or "gru"
    embed: int = 32  # embedding size E
    hidden: int = 128  # hidden size H
    N: int = 32  # windows per batch
    T: int = 64  # window length (BPTT truncation)
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
    Character language model: embedding, one recurrent layer, linear read-out.

    o_t = W_hq h_t + b_q with h_t from an LSTM or GRU reading the embedded
    characters x_1 .. x_t; softmax(o_t) is the distribution of x_{t+1}.

    Inputs:
    - V: Integer vocabulary size
    - embed: Integer embedding size E
    - hidden: Integer hidden size H
    - cell: "lstm" or "gru"
    """

    def __init__(self, V: int, embed: int = 32, hidden: int = 128, cell: str = "lstm"):
        super().__init__()
        check_choice("cell", cell, ("lstm", "gru"))
        for name, v in (("V", V), ("embed", embed), ("hidden", hidden)):
            check_int(name, v, 1)
        self.V, self.cell = int(V), cell
        self.embedding = torch.nn.Embedding(V, embed)
        rnn = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
        self.rnn = rnn(embed, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, V)

    def forward(self, x: torch.Tensor, state: Any = None):
        """
        Inputs:
        - x: int64 tensor of shape (N, T), character ids
        - state: None (zeros) or the state returned by a previous call

        Returns a tuple of:
        - logits: Tensor of shape (N, T, V)
        - state: the recurrent state after the last step (h_n, or (h_n, c_n))
        """
        if x.ndim != 2 or x.dtype != torch.int64:
            raise ValueError(f"x: expected an int64 tensor of shape (N, T), got shape "
                             f"{tuple(x.shape)} and dtype {x.dtype}")
        h, state = self.rnn(self.embedding(x), state)  # (N, T, H)
        return self.head(h), state  # (N, T, V)


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


def target_log_probs(model: CharLM, blocks: Any, chunk: int = 1024) -> np.ndarray:
    """
    log p(x_t | x_1 .. x_{t-1}) for t = 2..L of every block, reading each block from its start.

    The blocks are read in chunks of ``chunk`` steps, carrying the state, so
    the result equals one pass over the whole block.

    Inputs:
    - model: CharLM
    - blocks: Integer array of shape (B, L), L >= 2
    - chunk: Integer number of steps per forward call

    Returns:
    - logp: float64 array of shape (B, L - 1)
    """
    blocks = np.asarray(blocks)
    if blocks.ndim != 2 or blocks.shape[1] < 2 or not np.issubdtype(blocks.dtype, np.integer):
        raise ValueError(f"blocks: expected an integer array of shape (B, L) with L >= 2, got "
                         f"shape {blocks.shape}")
    x = torch.from_numpy(blocks[:, :-1].astype(np.int64))  # (B, L - 1)
    y = torch.from_numpy(blocks[:, 1:].astype(np.int64))  # (B, L - 1)
    was_training = model.training
    model.eval()
    out, state = [], None
    with torch.no_grad():
        for s in range(0, x.shape[1], chunk):
            logits, state = model(x[:, s:s + chunk], state)  # (B, c, V)
            logp = torch.log_softmax(logits.double(), dim=-1)
            out.append(logp.gather(-1, y[:, s:s + chunk, None])[..., 0])  # (B, c)
    model.train(was_training)
    return torch.cat(out, dim=1).numpy()


def heldout_nll(model: CharLM, blocks: Any) -> float:
    """Mean negative log-likelihood in nats of characters 2..L of every block."""
    return float(-target_log_probs(model, blocks).mean())


def fit_ngram(corpus: CharCorpus, max_order: int = 9):
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
    valid_nll = np.array([model.nll(corpus.valid, n) for n in range(1, max_order + 1)])
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


def _scores(nats: float) -> dict:
    return {"nats": round(float(nats), 4), "bpc": round(bits_per_char(nats), 4),
            "perplexity": round(perplexity(nats), 4)}


def experiment(seconds: float, seed: int = 0, max_steps: Optional[int] = None,
               config: Optional[Config] = None, eval_every: Optional[int] = None,
               progress: bool = False, corpus: Optional[CharCorpus] = None) -> Experiment:
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

    ngram, order, ngram_valid = fit_ngram(corpus)

    set_seed(seed)
    model = CharLM(corpus.V, config.embed, config.hidden, config.cell)
    optimizer = CosineAdam(model.parameters(), config.lr, int(max_steps), config.lr_final)
    result, best_step = train_best(
        model, window_batch_fn(corpus.train, config.N, config.T), lm_loss,
        lambda m: heldout_nll(m, corpus.valid), max_steps=int(max_steps),
        max_seconds=float(seconds), optimizer=optimizer, clip_norm=config.clip_norm,
        eval_every=int(eval_every), seed=seed, higher_is_better=False, progress=progress)

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
