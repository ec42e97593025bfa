"""Selective copying: a time-invariant SSM against a selective one (and a GRU).

The task (after Gu & Dao 2023, Section 3.1): a sequence of ``L`` positions
holds ``n_tokens`` data symbols (out of ``n_symbols``) at random positions,
the other positions hold a noise token; then come ``n_tokens`` query tokens
(one per answer position), and at the k-th query the model must output the
k-th data symbol. Because the gaps between the symbols change from sequence
to sequence, a model has to decide *by content* what to keep and what to
skip. A linear time-invariant (LTI) layer is a fixed convolution: it weighs
each position by its distance from the end, whatever it holds.

Token ids: 0 noise, 1..V data symbols, V+1..V+M the M query tokens.
Targets: the data symbols minus 1, in 0..V-1 (chance 1/V).

Models (:data:`MODELS`), all with the same embedding, one residual block
(LayerNorm, sequence layer times a SiLU gate, LayerNorm, MLP) and read-out:

- ``"lti"``: :class:`rnn_helpers.torch_rnn.ssm.SelectiveSSM` with
  ``selective="none"`` (Delta, B, C constants: an S4D-Real-like LTI SSM);
- ``"selective"``: the same layer with ``selective="all"`` (Delta_t, B_t,
  C_t computed from x_t: Mamba's S6);
- ``"gru"``: ``torch.nn.GRU`` in place of the SSM (a gated, nonlinear,
  sequential RNN; the baseline of chapter 6).

A run *succeeds* when its per-symbol accuracy on a held-out test set of
``n_test`` sequences reaches ``threshold``. Every run is seeded: the same
seed, configuration and machine give the same numbers.

The module (about 400 lines) keeps the task, the models, the runs and the
command together, so that the stored file and the notebook's rerun cannot
drift apart. Command line (stores ``results.json`` and ``log.txt`` under
``results/selective/`` of the repository)::

    python -m rnn_helpers.experiments.selective            # the stored run
    python -m rnn_helpers.experiments.selective --seeds 2 --max-steps 200 --out /tmp/x
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnn_helpers.experiments.protocol import results_dir
from rnn_helpers.experiments.showdown import wilson_interval  # one home, re-exported
from rnn_helpers.models.training import train
from rnn_helpers.torch_rnn.ssm import SelectiveSSM

__all__ = [
    "DEFAULTS",
    "MODELS",
    "NAMES",
    "RESULTS_DIR",
    "selective_copy_batch",
    "CopyNet",
    "make_model",
    "run_one",
    "run_all",
    "summarise",
    "wilson_interval",
    "load_results",
    "main",
]

#: The models of the experiment, in table order.
MODELS = ("lti", "selective", "gru")

#: Display names for tables and legends.
NAMES = {"lti": "LTI SSM (S4D-like)", "delta": "SSM, selective Delta only",
         "selective": "selective SSM (S6)", "gru": "GRU"}

#: The configuration of the stored run (the command's defaults).
DEFAULTS: Dict[str, Any] = {
    "L": 24,  # positions that hold the data symbols and the noise
    "n_tokens": 4,  # data symbols to copy (M)
    "n_symbols": 8,  # alphabet of the data symbols (V)
    "d_model": 16,  # channels D
    "d_state": 8,  # states per channel S (the GRU has d_model units)
    "batch": 32,
    "lr": 1e-2,
    "clip_norm": 1.0,
    "max_steps": 2000,
    "target_loss": 0.02,  # early stop: mean training loss of 20 steps
    "eval_every": 100,
    "n_eval": 256,  # held-out sequences for the learning curve
    "n_test": 1000,  # held-out sequences for the final accuracy
    "threshold": 0.9,  # success: test accuracy at least this
    "seeds": 10,
    "models": list(MODELS),
}

#: Where the command stores its results by default: results/selective beside
#: the package (load_results also finds a copy below the working directory).
RESULTS_DIR = Path(__file__).resolve().parents[2] / "results" / "selective"

_EVAL_SEED, _TEST_SEED = 10_000, 20_000


# ----------------------------------------------------------------------------
# the task
# ----------------------------------------------------------------------------


def selective_copy_batch(N: int, L: int, n_tokens: int, n_symbols: int,
                         rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """A batch of the selective-copy task.

    Inputs:
    - N: batch size, integer >= 1
    - L: positions of the data region, integer >= n_tokens
    - n_tokens: M, data symbols per sequence, integer >= 1
    - n_symbols: V, size of the data alphabet, integer >= 2
    - rng: np.random.Generator (the only source of randomness)

    Returns a tuple of:
    - tokens: int64 array of shape (N, L + M): 0 noise, 1..V data symbols at
      M random positions of the first L, then the query tokens V+1..V+M
    - targets: int64 array of shape (N, M), the data symbols in order, minus 1
    """
    for name, v, low in (("N", N, 1), ("n_tokens", n_tokens, 1), ("n_symbols", n_symbols, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{name}: expected an integer >= {low}, got {v!r}")
    if isinstance(L, bool) or not isinstance(L, (int, np.integer)) or L < n_tokens:
        raise ValueError(f"L: expected an integer >= n_tokens = {n_tokens}, got {L!r}")
    M, V = int(n_tokens), int(n_symbols)
    pos = np.sort(np.argsort(rng.random((N, L)), axis=1)[:, :M], axis=1)  # (N, M)
    sym = rng.integers(1, V + 1, size=(N, M))  # (N, M)
    tokens = np.zeros((N, L + M), dtype=np.int64)
    np.put_along_axis(tokens, pos, sym, axis=1)
    tokens[:, L:] = V + 1 + np.arange(M)  # the query tokens
    return tokens, (sym - 1).astype(np.int64)


# ----------------------------------------------------------------------------
# the models
# ----------------------------------------------------------------------------


class _GRULayer(nn.Module):
    def __init__(self, D: int):
        super().__init__()
        self.rnn = nn.GRU(D, D, batch_first=True)

    def forward(self, x):
        return self.rnn(x)[0]


class CopyNet(nn.Module):
    """Embedding, one residual block around a sequence layer, read-out.

    Inputs of the constructor:
    - kind: "lti", "delta", "selective" or "gru"
    - vocab: number of token ids (V + M + 1)
    - n_out: number of classes (V)
    - d_model, d_state: D and S

    forward(tokens): tokens (N, T) int64 -> logits (N, T, n_out).
    """

    def __init__(self, kind: str, vocab: int, n_out: int, d_model: int, d_state: int):
        super().__init__()
        if kind not in NAMES:
            raise ValueError(f"kind: expected one of {sorted(NAMES)}, got {kind!r}")
        self.kind = kind
        D = d_model
        self.embed = nn.Embedding(vocab, D)
        self.norm1 = nn.LayerNorm(D)
        if kind == "gru":
            self.mixer = _GRULayer(D)
        else:
            sel = {"lti": "none", "delta": "delta", "selective": "all"}[kind]
            self.mixer = SelectiveSSM(D, d_state, selective=sel)
        self.gate = nn.Linear(D, D)
        self.norm2 = nn.LayerNorm(D)
        self.mlp = nn.Sequential(nn.Linear(D, 2 * D), nn.GELU(), nn.Linear(2 * D, D))
        self.head = nn.Linear(D, n_out)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.embed(tokens)  # (N, T, D)
        u = self.norm1(x)
        x = x + self.mixer(u) * F.silu(self.gate(u))  # (N, T, D)
        x = x + self.mlp(self.norm2(x))
        return self.head(x)  # (N, T, V)


def make_model(kind: str, seed: int = 0, **config) -> CopyNet:
    """A freshly initialised :class:`CopyNet` (torch seeded with ``seed`` first).

    Inputs:
    - kind: "lti", "delta", "selective" or "gru"
    - seed: integer >= 0
    - config: overrides of :data:`DEFAULTS` (n_tokens, n_symbols, d_model, d_state)

    Returns:
    - model: a float32 CopyNet
    """
    cfg = {**DEFAULTS, **config}
    torch.manual_seed(seed)
    V, M = cfg["n_symbols"], cfg["n_tokens"]
    return CopyNet(kind, V + M + 1, V, cfg["d_model"], cfg["d_state"])


def _accuracy(model: nn.Module, tokens: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-symbol correctness, bool array (N, M)."""
    M = targets.shape[1]
    with torch.no_grad():
        pred = model(torch.from_numpy(tokens))[:, -M:].argmax(-1).numpy()  # (N, M)
    return pred == targets


# ----------------------------------------------------------------------------
# runs
# ----------------------------------------------------------------------------


def run_one(kind: str, seed: int = 0, **config) -> Dict[str, Any]:
    """Train one model with one seed; evaluate it on the held-out test set.

    Inputs:
    - kind: "lti", "delta", "selective" or "gru"
    - seed: integer >= 0 (model initialisation and training batches)
    - config: overrides of :data:`DEFAULTS`

    Returns a dict (JSON-able):
    - model, seed, steps, stopped ("steps" or "target"), final_loss
    - accuracy: per-symbol test accuracy; exact: fraction of test sequences
      copied without error; per_position: accuracy of each answer position
    - success: accuracy >= threshold
    - curve: list of [step, held-out accuracy] pairs
    - cpu_seconds, wall_seconds, n_params
    """
    cfg = {**DEFAULTS, **config}
    L, M, V = cfg["L"], cfg["n_tokens"], cfg["n_symbols"]
    model = make_model(kind, seed, **cfg)
    ev_tok, ev_tgt = selective_copy_batch(cfg["n_eval"], L, M, V, np.random.default_rng(_EVAL_SEED))
    te_tok, te_tgt = selective_copy_batch(cfg["n_test"], L, M, V, np.random.default_rng(_TEST_SEED))

    def batch_fn(step, rng):
        tok, tgt = selective_copy_batch(cfg["batch"], L, M, V, rng)
        return torch.from_numpy(tok), torch.from_numpy(tgt)

    def loss_fn(net, batch):
        tok, tgt = batch
        logits = net(tok)[:, -M:]  # (N, M, V)
        return F.cross_entropy(logits.reshape(-1, V), tgt.reshape(-1))

    def eval_fn(net):
        return float(_accuracy(net, ev_tok, ev_tgt).mean())

    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = train(model, batch_fn, loss_fn, max_steps=cfg["max_steps"], max_seconds=math.inf,
                   lr=cfg["lr"], clip_norm=cfg["clip_norm"], target_loss=cfg["target_loss"],
                   eval_fn=eval_fn, eval_every=cfg["eval_every"], seed=seed)
    correct = _accuracy(model, te_tok, te_tgt)  # (n_test, M)
    accuracy = float(correct.mean())
    return {
        "model": kind,
        "seed": int(seed),
        "steps": int(result.steps),
        "stopped": result.stopped,
        "final_loss": float(np.mean(result.losses[-20:])),
        "accuracy": accuracy,
        "exact": float(correct.all(axis=1).mean()),
        "per_position": [float(a) for a in correct.mean(axis=0)],
        "success": bool(accuracy >= cfg["threshold"]),
        "curve": [[int(s), float(a)] for s, a in result.evals],
        "cpu_seconds": time.process_time() - cpu0,
        "wall_seconds": time.perf_counter() - wall0,
        "n_params": int(sum(p.numel() for p in model.parameters())),
    }


def summarise(runs: Sequence[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """Per model: runs, successes, rate, its Wilson 95 % interval, accuracies.

    Inputs:
    - runs: list of dicts from :func:`run_one`

    Returns:
    - summary: dict model -> {n, successes, rate, low, high, mean_accuracy,
      min_accuracy, max_accuracy, mean_exact, mean_steps, cpu_seconds}
    """
    out: Dict[str, Dict[str, Any]] = {}
    for kind in dict.fromkeys(r["model"] for r in runs):
        rs = [r for r in runs if r["model"] == kind]
        k = sum(r["success"] for r in rs)
        low, high = wilson_interval(k, len(rs))
        acc = [r["accuracy"] for r in rs]
        out[kind] = {"n": len(rs), "successes": k, "rate": k / len(rs), "low": low, "high": high,
                     "mean_accuracy": float(np.mean(acc)), "min_accuracy": float(np.min(acc)),
                     "max_accuracy": float(np.max(acc)),
                     "mean_exact": float(np.mean([r["exact"] for r in rs])),
                     "mean_steps": float(np.mean([r["steps"] for r in rs])),
                     "cpu_seconds": float(sum(r["cpu_seconds"] for r in rs))}
    return out


def run_all(seeds: int = DEFAULTS["seeds"], models: Sequence[str] = MODELS,
            log=None, **config) -> Dict[str, Any]:
    """Every model with seeds 0..seeds-1, on one thread.

    Inputs:
    - seeds: number of seeds, integer >= 1
    - models: model kinds
    - log: None or a callable taking one line of text (progress)
    - config: overrides of :data:`DEFAULTS`

    Returns a dict (JSON-able): config, runs, summary, environment.
    """
    cfg = {**DEFAULTS, **config, "seeds": int(seeds), "models": list(models)}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    runs = []
    try:
        for kind in models:
            for seed in range(seeds):
                r = run_one(kind, seed, **cfg)
                runs.append(r)
                if log is not None:
                    log(f"{kind:10s} seed {seed}: accuracy {r['accuracy']:.3f} "
                        f"exact {r['exact']:.3f} steps {r['steps']} ({r['stopped']}) "
                        f"cpu {r['cpu_seconds']:.1f} s")
    finally:
        torch.set_num_threads(threads)
    return {"config": cfg, "runs": runs, "summary": summarise(runs),
            "environment": {"torch": torch.__version__, "numpy": np.__version__,
                            "python": platform.python_version(), "threads": 1}}


def load_results(path: Optional[Path] = None) -> Dict[str, Any]:
    """The stored results (``results/selective/results.json`` by default).

    Inputs:
    - path: None (the folder of :func:`rnn_helpers.experiments.protocol.results_dir`
      for "selective") or the path of a results.json

    Returns:
    - results: the dict :func:`run_all` returned when the command ran
    """
    path = results_dir("selective") / "results.json" if path is None else Path(path)
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main(argv: Optional[List[str]] = None) -> int:
    """The command line: run, print a table, store JSON and a log."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments.selective",
        description="Selective copying: LTI SSM vs selective SSM vs GRU over seeds.")
    parser.add_argument("--seeds", type=int, default=DEFAULTS["seeds"])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=sorted(NAMES))
    parser.add_argument("--max-steps", type=int, default=DEFAULTS["max_steps"])
    parser.add_argument("--out", type=Path, default=RESULTS_DIR,
                        help="folder for results.json and log.txt (default results/selective)")
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.max_steps < 1:
        parser.error("--seeds and --max-steps must be positive")
    args.out.mkdir(parents=True, exist_ok=True)
    lines: List[str] = []

    def log(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    start = time.perf_counter()
    results = run_all(args.seeds, args.models, log=log, max_steps=args.max_steps)
    for kind, s in results["summary"].items():
        log(f"{NAMES[kind]:22s} success {s['successes']}/{s['n']} "
            f"(95% CI {s['low']:.2f}-{s['high']:.2f}), mean accuracy {s['mean_accuracy']:.3f}, "
            f"cpu {s['cpu_seconds']:.0f} s")
    log(f"total wall time {time.perf_counter() - start:.0f} s")
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (args.out / "log.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
