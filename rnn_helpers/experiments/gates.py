"""Chapter 5's gates on natural text: a small character LSTM, stored.

Chapter 5 reads the gates of a trained LSTM on held-out text, as
colah's and Karpathy's essays do. Training that LSTM takes longer than a
notebook may, so this command trains it once and stores it:

    python -m rnn_helpers.experiments gates --save

Data: chapter 7's corpus, Python's help topics
(:func:`rnn_helpers.data.corpus.load_corpus`, train / validation / test
blocks). Model: chapter 7's :class:`~rnn_helpers.experiments.language_model.CharLM`
(embedding, one ``torch.nn.LSTM`` layer, linear read-out), small
(:data:`GATES_CONFIG`), trained for a fixed number of steps on random
windows of the training blocks (Adam, norm clipping, one torch thread,
seeded): the run is decided by its step budget, never by the clock.

Stored under ``results/gates/``: ``gates.npz`` (the weights, float32, a
state dict), ``gates.json`` (the configuration, the vocabulary, the
validation curve in bits per character, the unigram baseline, steps and CPU
time) and ``gates.log``. :func:`load_gates` reads them back into a model.

:func:`gate_trace` runs text through the stored LSTM with the course's NumPy
step (:func:`rnn_helpers.numpy_rnn.lstm_step_forward`, float64) and returns
the gate values i, f, o, the candidate g and the states c, h at every
character; :func:`text_features` and :func:`unit_correlations` give the
rule by which the chapter picks the units it shows.

``run(seconds, seed)`` is the experiments' contract (a step budget of
``STEPS_PER_SECOND * seconds``, at most the stored budget), ``summary`` the
LSTM's validation bits per character against the unigram model's.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from rnn_helpers.argcheck import check_int
from rnn_helpers.data.corpus import CharCorpus, load_corpus, window_batch_fn
from rnn_helpers.experiments.language_model import CharLM
from rnn_helpers.experiments.protocol import check_budget, comparison, one_thread, run_log
from rnn_helpers.experiments.protocol import results_dir as protocol_results_dir
from rnn_helpers.models.training import train

__all__ = [
    "GATES_CONFIG",
    "STEPS_PER_SECOND",
    "results_dir",
    "make_model",
    "validation_windows",
    "bits_per_char",
    "unigram_bits",
    "train_gates",
    "save_gates",
    "load_gates",
    "gate_trace",
    "text_features",
    "unit_correlations",
    "run",
    "summary",
    "main",
]

#: The stored run: model size, training recipe and the validation set.
GATES_CONFIG: Dict[str, Any] = {
    "embed": 16,
    "hidden": 64,
    "batch_size": 32,
    "window": 100,
    "max_steps": 6000,
    "lr": 5e-3,
    "clip_norm": 1.0,
    "eval_every": 500,
    "val_windows": 64,
    "val_length": 256,
    "val_seed": 1234,
    "seed": 0,
    "threads": 1,
}

#: Steps per second of the time budget in :func:`run` (a rough rate on one thread).
STEPS_PER_SECOND = 40


def results_dir() -> Path:
    """``results/gates`` (see :func:`rnn_helpers.experiments.protocol.results_dir`)."""
    return protocol_results_dir("gates")


def make_model(V: int, config: Optional[Dict[str, Any]] = None) -> CharLM:
    """A fresh one-layer LSTM :class:`CharLM` of the configured size (torch seeded first).

    Inputs:
    - V: vocabulary size.
    - config: default :data:`GATES_CONFIG` (uses embed, hidden, seed).

    Returns:
    - model: float32 CharLM with an ``torch.nn.LSTM`` of ``hidden`` units.
    """
    cfg = GATES_CONFIG if config is None else config
    torch.manual_seed(int(cfg["seed"]))
    return CharLM(check_int("V", V, 2), embed=cfg["embed"], hidden=cfg["hidden"], cell="lstm")


def validation_windows(corpus: CharCorpus, config: Optional[Dict[str, Any]] = None
                       ) -> Tuple[torch.Tensor, torch.Tensor]:
    """The fixed validation windows: inputs and next-character targets.

    Inputs:
    - corpus: the CharCorpus; config: default :data:`GATES_CONFIG`.

    Returns:
    - x, y: int64 tensors of shape (val_windows, val_length).
    """
    from rnn_helpers.data.corpus import random_windows

    cfg = GATES_CONFIG if config is None else config
    rng = np.random.default_rng(cfg["val_seed"])
    x, y = random_windows(corpus.valid, cfg["val_windows"], cfg["val_length"], rng)
    return torch.from_numpy(x), torch.from_numpy(y)


def bits_per_char(model: CharLM, x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean cross-entropy of ``model`` on (x, y) in bits per character (from zero states).

    Inputs:
    - model: a CharLM; x, y: int64 tensors of shape (N, T).

    Returns:
    - bits: float.
    """
    with torch.no_grad():
        logits, _ = model(x)  # (N, T, V)
        nats = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    return float(nats) / float(np.log(2.0))


def unigram_bits(corpus: CharCorpus, y: torch.Tensor) -> float:
    """Bits per character of the unigram model (training frequencies, add-one) on targets y.

    Inputs:
    - corpus: the CharCorpus; y: int64 tensor of target ids, any shape.

    Returns:
    - bits: float.
    """
    counts = np.bincount(corpus.train.ravel(), minlength=corpus.V) + 1.0  # (V,)
    logp = np.log2(counts / counts.sum())  # (V,)
    return float(-logp[y.numpy().ravel()].mean())


def train_gates(config: Optional[Dict[str, Any]] = None, *, max_steps: Optional[int] = None,
                corpus: Optional[CharCorpus] = None, log=print) -> Tuple[CharLM, Dict[str, Any]]:
    """Train the LSTM of :data:`GATES_CONFIG` (or ``max_steps`` of it) on one torch thread.

    Inputs:
    - config: default :data:`GATES_CONFIG`.
    - max_steps: override of the step budget (the contract's ``run``).
    - corpus: default :func:`load_corpus`.
    - log: called with a line of text at every evaluation.

    Returns:
    - model: the trained CharLM (eval mode).
    - record: JSON-able dict: config, vocab, steps, curve (step, validation
      bits per character), val_bits, unigram_bits, n_params, cpu_seconds,
      seconds, torch version.
    """
    cfg = dict(GATES_CONFIG if config is None else config)
    steps = cfg["max_steps"] if max_steps is None else check_int("max_steps", max_steps, 1)
    corpus = load_corpus() if corpus is None else corpus
    x_val, y_val = validation_windows(corpus, cfg)
    model = make_model(corpus.V, cfg)

    def loss_fn(m, batch):
        x, y = batch
        logits, _ = m(x)  # (N, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))

    def eval_fn(m):
        bits = bits_per_char(m, x_val, y_val)
        log(f"validation: {bits:.4f} bits per character")
        return bits

    cpu = time.process_time()
    with one_thread():
        result = train(model, window_batch_fn(corpus.train, cfg["batch_size"], cfg["window"]),
                       loss_fn, max_steps=steps, max_seconds=float("inf"), lr=cfg["lr"],
                       clip_norm=cfg["clip_norm"], eval_fn=eval_fn, eval_every=cfg["eval_every"],
                       seed=cfg["seed"])
        model.eval()
        curve = [[int(s), float(v)] for s, v in result.evals]
        val_bits = bits_per_char(model, x_val, y_val)
    record = {
        "config": cfg, "vocab": "".join(corpus.vocab), "steps": result.steps,
        "stopped": result.stopped, "curve": curve, "val_bits": val_bits,
        "unigram_bits": unigram_bits(corpus, y_val),
        "train_loss_last100": float(np.mean(result.losses[-100:])) / float(np.log(2.0)),
        "n_params": int(sum(p.numel() for p in model.parameters())),
        "cpu_seconds": time.process_time() - cpu, "seconds": result.seconds,
        "torch": torch.__version__,
    }
    return model, record


def save_gates(model: CharLM, record: Dict[str, Any], directory: Optional[Path] = None) -> Path:
    """Store ``gates.npz`` (float32 weights) and ``gates.json``; returns the JSON's path.

    Inputs:
    - model, record: what :func:`train_gates` returned; directory: default :func:`results_dir`.
    """
    out = Path(directory or results_dir())
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    np.savez_compressed(out / "gates.npz", **state)
    path = out / "gates.json"
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path


def load_gates(directory: Optional[Path] = None) -> Tuple[CharLM, Dict[str, Any]]:
    """The stored LSTM and its record (FileNotFoundError with the command that makes them).

    Inputs:
    - directory: default :func:`results_dir`.

    Returns:
    - model: CharLM in eval mode with the stored weights.
    - record: the stored ``gates.json``.
    """
    out = Path(directory or results_dir())
    if not (out / "gates.json").exists() or not (out / "gates.npz").exists():
        raise FileNotFoundError("gates.json / gates.npz not found in results/gates; run "
                                "`python -m rnn_helpers.experiments gates --save` first")
    record = json.loads((out / "gates.json").read_text())
    model = make_model(len(record["vocab"]), record["config"])
    with np.load(out / "gates.npz") as z:
        model.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files})
    return model.eval(), record


def gate_trace(model: CharLM, ids: Any) -> Dict[str, np.ndarray]:
    """Run one character sequence through the model's LSTM with the course's NumPy step.

    Inputs:
    - model: a one-layer LSTM CharLM.
    - ids: integer array of shape (L,), character ids, L >= 1.

    Returns:
    - trace: dict of float64 arrays of shape (L, H): "i", "f", "o" (gates),
      "g" (candidate), "c" (cell state) and "h" (hidden state) at every
      character, from zero initial states.
    """
    from rnn_helpers import numpy_rnn as nr

    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"ids: expected a 1-d integer array of shape (L,) with L >= 1, "
                         f"got shape {ids.shape} and dtype {ids.dtype}")
    if model.cell != "lstm" or model.rnn.num_layers != 1:
        raise ValueError("model: expected a CharLM with one LSTM layer")
    if ids.min() < 0 or ids.max() >= model.V:
        raise ValueError(f"ids: expected ids in [0, {model.V}), got {ids.min()}..{ids.max()}")
    Wx, Wh, b = (np.asarray(p, dtype=np.float64) for p in nr.params_from_torch(model.rnn))
    emb = model.embedding.weight.detach().double().numpy()[ids]  # (L, E)
    H = Wh.shape[0]
    h, c = np.zeros((1, H)), np.zeros((1, H))
    out = {k: np.empty((ids.size, H)) for k in ("i", "f", "o", "g", "c", "h")}
    for t in range(ids.size):
        h, c, cache = nr.lstm_step_forward(emb[t : t + 1], h, c, Wx, Wh, b)  # (1, H) each
        for k in ("i", "f", "o", "g"):
            out[k][t] = cache[k][0]
        out["c"][t], out["h"][t] = c[0], h[0]
    return out


def text_features(text: str) -> Dict[str, np.ndarray]:
    """Per-character features of ``text``, for picking units by a stated rule.

    Inputs:
    - text: a string of L >= 1 characters.

    Returns:
    - features: dict of float arrays of shape (L,):
      "in_parentheses" (1 inside an unclosed "(", the brackets themselves
      included), "line_position" (characters since the last newline).
    """
    if not isinstance(text, str) or not text:
        raise ValueError("text: expected a non-empty string")
    depth, pos = 0, 0
    inside, position = np.zeros(len(text)), np.zeros(len(text))
    for t, ch in enumerate(text):
        if ch == "(":
            depth += 1
        inside[t] = float(depth > 0)
        if ch == ")":
            depth = max(0, depth - 1)
        position[t] = pos
        pos = 0 if ch == "\n" else pos + 1
    return {"in_parentheses": inside, "line_position": position}


def unit_correlations(values: Any, feature: Any) -> np.ndarray:
    """Pearson correlation of every unit's values with a feature over time.

    Inputs:
    - values: array of shape (L, H), e.g. the cell states of :func:`gate_trace`.
    - feature: array of shape (L,).

    Returns:
    - r: float array of shape (H,); 0 where a unit or the feature is constant.
    """
    v = np.asarray(values, dtype=np.float64)
    f = np.asarray(feature, dtype=np.float64)
    if v.ndim != 2 or f.shape != (v.shape[0],) or v.shape[0] < 2:
        raise ValueError(f"values, feature: expected shapes (L, H) and (L,) with L >= 2, "
                         f"got {v.shape} and {f.shape}")
    vc, fc = v - v.mean(axis=0), f - f.mean()  # (L, H), (L,)
    denom = np.sqrt((vc ** 2).sum(axis=0) * (fc ** 2).sum())  # (H,)
    num = fc @ vc  # (H,)
    return np.divide(num, denom, out=np.zeros_like(num), where=denom > 0)


def run(seconds: float, seed: int = 0) -> dict:
    """The experiments' contract: train with ``STEPS_PER_SECOND * seconds`` steps (at most the
    stored budget) and return validation bits per character against the unigram model.

    Inputs:
    - seconds: positive float; seed: non-negative integer (the model's and the batches' seed).

    Returns:
    - dict: val_bits, unigram_bits, steps, max_steps, seconds, seed.
    """
    seconds, seed = check_budget(seconds, seed)
    steps = int(min(GATES_CONFIG["max_steps"], max(1, round(STEPS_PER_SECOND * seconds))))
    _, rec = train_gates({**GATES_CONFIG, "seed": seed}, max_steps=steps, log=lambda s: None)
    return {"val_bits": rec["val_bits"], "unigram_bits": rec["unigram_bits"],
            "steps": rec["steps"], "max_steps": steps, "seconds": rec["seconds"], "seed": seed}


def summary(metrics: dict) -> dict:
    """The comparison of :func:`run`: the LSTM's validation bits per character against the unigram's."""
    return comparison("validation bits per character", "lower", "LSTM (gates of chapter 5)",
                      metrics["val_bits"], "unigram (training frequencies)",
                      metrics["unigram_bits"], steps=metrics["steps"])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m rnn_helpers.experiments gates --save``: train and store the LSTM."""
    p = argparse.ArgumentParser(prog="python -m rnn_helpers.experiments.gates",
                                description="Train chapter 5's small character LSTM and store it "
                                            "under results/gates.")
    p.add_argument("--save", action="store_true", help="train with GATES_CONFIG and store the run")
    p.add_argument("--out", type=Path, default=None, help="output folder (default results/gates)")
    args = p.parse_args(argv)
    if not args.save:
        p.error("nothing to do: pass --save (or use `python -m rnn_helpers.experiments gates "
                "--seconds S` for a short run that prints its metrics)")
    out = Path(args.out or results_dir())
    out.mkdir(parents=True, exist_ok=True)
    with run_log(out / "gates.log") as log:
        log(f"start: {' '.join(sys.argv[1:] if argv is None else argv)}")
        model, record = train_gates(log=log)
        path = save_gates(model, record, out)
        log(f"{record['steps']} steps, validation {record['val_bits']:.3f} bits per character "
            f"(unigram {record['unigram_bits']:.3f}), {record['cpu_seconds']:.0f} s CPU -> {path.name}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
