"""Benchmark of chapter 11: the parallel scan against the loop, minGRU against torch.nn.GRU.

Run::

    python -m rnn_helpers.experiments.scan_bench            # table of ratios
    python -m rnn_helpers.experiments.scan_bench --json

Two measurements, in one process, at T in {256, 1024, 4096}:

- NumPy: :func:`~rnn_helpers.numpy_rnn.scan.linear_recurrence_scan` (the
  Hillis-Steele scan) and :func:`~rnn_helpers.numpy_rnn.scan.linear_recurrence_blelloch`
  against the loop :func:`~rnn_helpers.numpy_rnn.scan.linear_recurrence`, for
  a single unit of a single sequence (N = H = 1: the loop's per-step
  overhead dominates) and for a batch (N = 16, H = 64: the arithmetic
  dominates). Ratio scan / loop: below 1 means the scan is faster.
- torch: forward + backward of :class:`~rnn_helpers.torch_rnn.minimal.MinGRU`
  (scan mode) against ``torch.nn.GRU`` of the same size (N = 16, D = 2,
  H = 32, batch-first, upstream gradient on every output), on one torch
  thread by default (``--threads``: on a shared 2-core machine a second
  thread mostly measures the other programs). Ratio minGRU / GRU.

Each time is the median of ``repeats`` runs after one warm-up run. Other
programs running at the same time distort the numbers; the load average is
printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from rnn_helpers.numpy_rnn.scan import (
    linear_recurrence,
    linear_recurrence_blelloch,
    linear_recurrence_scan,
)

__all__ = ["LENGTHS", "median_time", "bench_numpy_scan", "bench_mingru_vs_gru", "run",
           "format_table", "main"]

#: The sequence lengths of ``make bench``.
LENGTHS = (256, 1024, 4096)


def median_time(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds, after ``warmup`` untimed calls.

    Inputs:
    - fn: callable without arguments; repeats: timed calls (>= 1); warmup: untimed calls.

    Returns:
    - seconds (float).
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f"repeats >= 1 and warmup >= 0 expected, got {repeats}, {warmup}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_numpy_scan(T: int, N: int = 1, H: int = 1, repeats: int = 5, seed: int = 0) -> Dict[str, float]:
    """Loop vs Hillis-Steele vs Blelloch for h_t = a_t * h_{t-1} + b_t in NumPy (float64).

    Inputs:
    - T, N, H: sequence length, batch size, units; repeats: timed runs; seed: data seed.

    Returns:
    - dict with T, N, H, loop_ms, scan_ms, blelloch_ms, scan_ratio
      (scan / loop), blelloch_ratio (blelloch / loop) and max_diff (largest
      |scan - loop|, a check that both computed the same thing).
    """
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.5, 1.0, (N, T, H))  # (N, T, H)
    b = rng.standard_normal((N, T, H))  # (N, T, H)
    h0 = np.zeros((N, H))
    loop = median_time(lambda: linear_recurrence(a, b, h0), repeats)
    scan = median_time(lambda: linear_recurrence_scan(a, b, h0), repeats)
    blelloch = median_time(lambda: linear_recurrence_blelloch(a, b, h0), repeats)
    diff = float(np.abs(linear_recurrence_scan(a, b, h0) - linear_recurrence(a, b, h0)).max())
    return {"T": T, "N": N, "H": H, "loop_ms": 1e3 * loop, "scan_ms": 1e3 * scan,
            "blelloch_ms": 1e3 * blelloch, "scan_ratio": scan / loop,
            "blelloch_ratio": blelloch / loop, "max_diff": diff}


def bench_mingru_vs_gru(T: int, N: int = 16, D: int = 2, H: int = 32, repeats: int = 5,
                        seed: int = 0) -> Dict[str, float]:
    """Forward + backward of MinGRU (scan) against torch.nn.GRU, float32, on the CPU.

    Inputs:
    - T, N, D, H: sizes; repeats: timed runs; seed: torch seed.

    Returns:
    - dict with T, N, D, H, threads, mingru_ms, gru_ms and ratio (mingru / gru).
    """
    import torch

    from rnn_helpers.torch_rnn.minimal import MinGRU

    torch.manual_seed(seed)
    mingru = MinGRU(D, H, mode="scan")
    gru = torch.nn.GRU(D, H, batch_first=True)
    x = torch.randn(N, T, D, requires_grad=True)
    dout = torch.randn(N, T, H)

    def fwd_bwd(module) -> Callable[[], None]:
        def step() -> None:
            module.zero_grad(set_to_none=True)
            x.grad = None
            out, _ = module(x)
            out.backward(dout)
        return step

    t_min = median_time(fwd_bwd(mingru), repeats)
    t_gru = median_time(fwd_bwd(gru), repeats)
    return {"T": T, "N": N, "D": D, "H": H, "threads": torch.get_num_threads(),
            "mingru_ms": 1e3 * t_min, "gru_ms": 1e3 * t_gru, "ratio": t_min / t_gru}


def run(lengths: Sequence[int] = LENGTHS, repeats: int = 5,
        threads: Optional[int] = 1) -> Dict[str, List[Dict[str, float]]]:
    """Both benchmarks at every length.

    Inputs:
    - lengths: the T values; repeats: timed runs per measurement.
    - threads: torch threads for the torch part (None: leave torch's setting).

    Returns:
    - dict with "numpy" (bench_numpy_scan rows for N = H = 1 and for N = 16,
      H = 64) and "torch" (bench_mingru_vs_gru rows).
    """
    import torch

    numpy_rows = [bench_numpy_scan(T, N, H, repeats) for N, H in ((1, 1), (16, 64)) for T in lengths]
    old = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(int(threads))
    try:
        torch_rows = [bench_mingru_vs_gru(T, repeats=repeats) for T in lengths]
    finally:
        torch.set_num_threads(old)
    return {"numpy": numpy_rows, "torch": torch_rows}


def format_table(results: Dict[str, List[Dict[str, float]]], load: Optional[float] = None) -> str:
    """The results as two small text tables of times and ratios."""
    lines = ["h_t = a_t h_{t-1} + b_t in NumPy (float64): scan / loop time, median"
             + (f"; load average {load:.2f}" if load is not None else ""),
             f"{'N':>3}{'H':>4}{'T':>6}{'loop ms':>10}{'scan ms':>10}{'scan/loop':>11}"
             f"{'Blelloch ms':>13}{'Blelloch/loop':>15}"]
    for r in results["numpy"]:
        lines.append(f"{r['N']:>3}{r['H']:>4}{r['T']:>6}{r['loop_ms']:>10.2f}{r['scan_ms']:>10.2f}"
                     f"{r['scan_ratio']:>11.2f}{r['blelloch_ms']:>13.2f}{r['blelloch_ratio']:>15.2f}")
    t0 = results["torch"][0]
    lines += ["", f"forward + backward, float32, N={t0['N']} D={t0['D']} H={t0['H']}, "
                  f"{t0['threads']} torch thread(s): minGRU (scan) / torch.nn.GRU",
              f"{'T':>6}{'minGRU ms':>11}{'GRU ms':>10}{'minGRU/GRU':>12}"]
    for r in results["torch"]:
        lines.append(f"{r['T']:>6}{r['mingru_ms']:>11.2f}{r['gru_ms']:>10.2f}{r['ratio']:>12.2f}")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command-line entry point (``make bench``); returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments.scan_bench",
        description="Parallel scan vs loop (NumPy) and minGRU vs torch.nn.GRU (torch), as ratios.",
    )
    parser.add_argument("--lengths", nargs="+", type=int, default=list(LENGTHS))
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (default 5)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads for minGRU vs GRU (default 1; 0: torch's default)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    if args.repeats < 1 or min(args.lengths) < 1 or args.threads < 0:
        parser.error("--repeats and --lengths must be >= 1, --threads >= 0")
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # pragma: no cover
        load = None
    results = run(args.lengths, args.repeats, args.threads or None)
    if args.json:
        print(json.dumps({"load_average": load, **results}, indent=2))
    else:
        print(format_table(results, load))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
