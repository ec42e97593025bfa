"""Time the NumPy cells against ``torch.nn`` on the CPU: forward + backward.

Run::

    python -m rnn_helpers.experiments bench --seconds 30    # JSON, within ~30 s
    python -m rnn_helpers.experiments.bench                 # table
    python -m rnn_helpers.experiments.bench --repeats 60    # more timed runs
    python -m rnn_helpers.experiments.bench --json          # machine-readable

``run(seconds, seed)`` is the contract of every experiment (see
:mod:`rnn_helpers.experiments.protocol`): it sizes the number of timed runs
to the budget; ``summary(metrics)`` puts NumPy against ``torch.nn``.

For each of RNN, LSTM and GRU, one measurement is a full forward and
backward pass over a batch-first sequence:

- NumPy: ``*_forward`` then ``*_backward`` with an upstream gradient on
  every h_t (dx, dh0 and all parameter gradients are computed).
- torch: ``out, _ = module(x)`` then ``out.backward(dout)``, with
  ``x.requires_grad_()`` so that dx is computed too; autograd on (no
  ``torch.no_grad``).  Resetting the gradients happens outside the timer.

Both sides run in the same process, in the same dtype (float32 by default),
with the libraries' default thread counts (nothing is set here).  The table
reports the median (and the minimum) of the timed runs and the ratio of the
medians, numpy / torch: below 1 means NumPy is faster.

Measuring honestly on a small machine
-------------------------------------
After a call, OpenBLAS (NumPy) and OpenMP (torch) keep their worker threads
spinning for a while; on two cores that slows the *other* library down.  So
the two sides never alternate call by call: they run in blocks, each after
a short pause and its own warm-up, and ``--rounds`` alternating blocks are
pooled.  Other programs running at the same time distort any timing; the
header shows the load average, and a warning is printed when it is high.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from rnn_helpers.argcheck import check_choice, check_float, check_int
from rnn_helpers.experiments.protocol import check_budget, comparison
from rnn_helpers.numpy_rnn import (
    gru_backward,
    gru_forward,
    lstm_backward,
    lstm_forward,
    params_from_torch,
    rnn_backward,
    rnn_forward,
)

__all__ = ["bench_cell", "bench_cells", "format_table", "run", "summary", "main"]

_CELLS = {
    "RNN": (rnn_forward, rnn_backward),
    "LSTM": (lstm_forward, lstm_backward),
    "GRU": (gru_forward, gru_backward),
}


def _load_average() -> Optional[float]:
    """The 1-minute load average, or None where the OS does not report it."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover - e.g. Windows
        return None


def bench_cell(
    cell: str,
    N: int = 32,
    T: int = 64,
    D: int = 64,
    H: int = 128,
    dtype: str = "float32",
    repeats: int = 30,
    warmup: int = 3,
    rounds: int = 3,
    pause: float = 0.3,
    seed: int = 0,
    seconds: Optional[float] = None,
) -> Dict[str, object]:
    """Benchmark one cell type, NumPy vs torch, forward + backward.

    Inputs:
    - cell: "RNN", "LSTM" or "GRU".
    - N, T, D, H: batch size, time steps, input features, hidden units.
    - dtype: "float32" or "float64" (both sides).
    - repeats: timed runs per side in total (split evenly over the rounds).
    - warmup: untimed runs before each block.
    - rounds: number of alternating (NumPy block, torch block) rounds.
    - pause: seconds to sleep before each block (lets idle threads park).
    - seed: seed for the module's weights and the data.
    - seconds: optional time budget; when given, one step of each side is
      timed first and ``repeats`` is replaced by as many timed runs as fit
      in the budget (at least one per block; when even ``warmup`` + 1 runs
      per block do not fit, the warm-up is shortened, then the rounds).

    Returns:
    - dict with "cell", the sizes, "dtype", "repeats", "warmup" and
      "rounds" (as actually used), "numpy_ms" and
      "torch_ms" (medians), "numpy_min_ms", "torch_min_ms" and
      "ratio" = numpy_ms / torch_ms.
    """
    import torch

    check_choice("cell", cell, _CELLS)
    check_choice("dtype", dtype, ("float32", "float64"))
    for name, value in (("N", N), ("T", T), ("D", D), ("H", H)):
        check_int(name, value, 1)
    repeats = check_int("repeats", repeats, 1)
    rounds = check_int("rounds", rounds, 1)
    warmup = check_int("warmup", warmup, 0)
    pause = check_float("pause", pause, 0.0)
    seed = check_int("seed", seed, 0)
    if seconds is not None:
        seconds = check_float("seconds", seconds, positive=True)
    tdtype = torch.float32 if dtype == "float32" else torch.float64
    forward, backward = _CELLS[cell]

    torch.manual_seed(seed)
    module = getattr(torch.nn, cell)(D, H, batch_first=True).to(tdtype)
    params = params_from_torch(module)
    gen = torch.Generator().manual_seed(seed + 1)
    x_t = torch.randn(N, T, D, generator=gen, dtype=tdtype).requires_grad_()
    dout_t = torch.randn(N, T, H, generator=gen, dtype=tdtype)
    x = x_t.detach().numpy().copy()  # (N, T, D)
    h0 = np.zeros((N, H), dtype=dtype)  # torch's default initial state
    dout = dout_t.numpy().copy()  # (N, T, H)

    def numpy_step() -> float:
        t0 = time.perf_counter()
        _, cache = forward(x, h0, *params)
        backward(dout, cache)
        return time.perf_counter() - t0

    def torch_step() -> float:
        module.zero_grad(set_to_none=True)  # outside the timer
        x_t.grad = None
        t0 = time.perf_counter()
        out, _ = module(x_t)
        out.backward(dout_t)
        return time.perf_counter() - t0

    per_block = -(-repeats // rounds)  # ceil
    if seconds is not None:  # time one step of each side, then fill the budget
        step_time = numpy_step() + torch_step()
        rounds = max(1, min(rounds, int(seconds / step_time) - 1))  # then fewer rounds
        per_round = seconds / rounds - 2 * pause  # the block pauses are part of the budget
        fit = max(1, int(per_round / step_time))  # (numpy, torch) step pairs per round
        warmup = min(warmup, fit - 1)  # a tight budget shortens the warm-up,
        per_block = fit - warmup
    times: Dict[str, List[float]] = {"numpy": [], "torch": []}
    sides: Sequence[tuple[str, Callable[[], float]]] = (
        ("numpy", numpy_step),
        ("torch", torch_step),
    )
    for _ in range(rounds):
        for side, step in sides:
            time.sleep(pause)
            for _ in range(warmup):
                step()
            times[side].extend(step() for _ in range(per_block))

    numpy_ms = 1e3 * statistics.median(times["numpy"])
    torch_ms = 1e3 * statistics.median(times["torch"])
    return {
        "cell": cell,
        "N": N,
        "T": T,
        "D": D,
        "H": H,
        "dtype": dtype,
        "repeats": per_block * rounds,
        "warmup": warmup,
        "rounds": rounds,
        "numpy_ms": numpy_ms,
        "torch_ms": torch_ms,
        "numpy_min_ms": 1e3 * min(times["numpy"]),
        "torch_min_ms": 1e3 * min(times["torch"]),
        "ratio": numpy_ms / torch_ms,
    }


def bench_cells(cells: Sequence[str] = ("RNN", "LSTM", "GRU"), **settings) -> List[Dict[str, object]]:
    """
    :func:`bench_cell` for each cell with the same settings.

    Inputs:
    - cells: cell names, e.g. ("RNN", "LSTM", "GRU").
    - settings: keyword arguments of :func:`bench_cell` (N, T, D, H, dtype, repeats, ...).

    Returns:
    - list of the result dicts, one per cell.
    """
    return [bench_cell(c, **settings) for c in cells]


def run(seconds: float, seed: int = 0) -> dict:
    """
    Time RNN, LSTM and GRU within about ``seconds`` of wall time, on the default sizes.

    The budget is split evenly over the three cells. Budgets of 3 s and
    more use three alternating rounds of three warm-up runs each and pauses
    of at most 0.3 s; shorter ones a single round without warm-up (the first,
    calibrating step of each side warms up).

    Inputs:
    - seconds: Positive float, the time budget
    - seed: Non-negative integer, seeds the weights and the data

    Returns:
    - dict with "results" (the :func:`bench_cell` dicts), "meta" (versions,
      thread counts, load averages before and after), "seconds" and "seed"
    """
    import torch

    seconds, seed = check_budget(seconds, seed)
    cells = tuple(_CELLS)
    long = seconds >= 3.0
    rounds, warmup = (3, 3) if long else (1, 0)
    per_cell = seconds / len(cells)
    pause = min(0.3, 0.05 * per_cell / rounds)  # at most 10 % of the budget asleep
    load = _load_average()
    results = bench_cells(cells, seconds=per_cell, rounds=rounds, warmup=warmup, pause=pause,
                          seed=seed)
    return {"results": results, "meta": _meta(torch, load, _load_average()),
            "seconds": seconds, "seed": seed}


def summary(metrics: dict) -> dict:
    """
    The comparison of :func:`run`'s metrics in one line: NumPy against ``torch.nn``.

    Inputs:
    - metrics: dict returned by :func:`run`

    Returns:
    - dict from :func:`rnn_helpers.experiments.protocol.comparison`: the sum
      of the three cells' median times, and the ratio per cell
    """
    results = metrics["results"]
    return comparison("forward + backward ms, sum of the RNN, LSTM and GRU medians", "lower",
                      "NumPy (rnn_helpers.numpy_rnn)", sum(r["numpy_ms"] for r in results),
                      "torch.nn", sum(r["torch_ms"] for r in results),
                      ratio={r["cell"]: r["ratio"] for r in results})


def _meta(torch, load_before: Optional[float], load_after: Optional[float]) -> Dict[str, object]:
    """Versions, thread counts and the load averages around a benchmark."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
    }


def format_table(results: Sequence[Dict[str, object]], load: Optional[float] = None) -> str:
    """The results as a small text table (one row per cell)."""
    r0 = results[0]
    head = (
        f"forward + backward, {r0['dtype']}, N={r0['N']} T={r0['T']} D={r0['D']} "
        f"H={r0['H']}, median of {r0['repeats']} runs per side"
    )
    if load is not None:
        head += f", load average {load:.2f}"
    lines = [
        head,
        f"{'cell':<6}{'numpy ms':>10}{'torch ms':>10}{'numpy/torch':>13}"
        f"{'min numpy':>11}{'min torch':>11}",
    ]
    for r in results:
        lines.append(
            f"{r['cell']:<6}{r['numpy_ms']:>10.2f}{r['torch_ms']:>10.2f}{r['ratio']:>13.2f}"
            f"{r['numpy_min_ms']:>11.2f}{r['torch_min_ms']:>11.2f}"
        )
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments.bench",
        description="NumPy RNN/LSTM/GRU forward+backward vs torch.nn on the CPU.",
    )
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per side (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per block (default 3)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating numpy/torch blocks (default 3)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--cells", nargs="+", default=["RNN", "LSTM", "GRU"], choices=list(_CELLS))
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("-N", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("-T", type=int, default=64, help="time steps (default 64)")
    parser.add_argument("-D", type=int, default=64, help="input features (default 64)")
    parser.add_argument("-H", type=int, default=128, help="hidden units (default 128)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--repeats and --rounds must be >= 1, --warmup >= 0")
    if min(args.N, args.T, args.D, args.H) < 1:
        parser.error("-N, -T, -D and -H must be >= 1")

    import torch

    load = _load_average()
    results = bench_cells(
        args.cells, N=args.N, T=args.T, D=args.D, H=args.H, dtype=args.dtype,
        repeats=args.repeats, warmup=args.warmup, rounds=args.rounds,
    )
    if args.json:
        meta = _meta(torch, load, _load_average())
        print(json.dumps({"meta": meta, "results": results}, indent=2))
    else:
        print(format_table(results, load))
        # (the load after the run counts this benchmark itself, so only the one before)
        if load is not None and load > 0.5 * (os.cpu_count() or 1):
            print(
                f"warning: load average {load:.2f} on {os.cpu_count()} CPUs; other programs "
                "are running and the timings are unreliable",
                file=sys.stderr,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
