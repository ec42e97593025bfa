"""``python -m rnn_helpers.experiments NAME [--seconds S] [--seed K] [--json]``.

Runs one experiment of :data:`rnn_helpers.experiments.EXPERIMENTS` and prints
its metrics as JSON; with ``--json`` a last line follows with the one-line
summary (``metric``, ``model``, ``baseline``, their difference and its
interval), for scripts that collect results.

Any other option goes to the experiment's own command, the one that writes
its stored runs under ``results/``: ``python -m rnn_helpers.experiments
showdown --seeds 10 --jobs 2`` is ``python -m rnn_helpers.experiments.showdown
--seeds 10 --jobs 2``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

from rnn_helpers.experiments import EXPERIMENTS, load


def main(argv=None) -> int:
    """Command-line entry point; returns the exit status (2 when no experiment is named)."""
    parser = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments",
        description="Run one of the course's experiments and print its held-out metrics as JSON.",
    )
    parser.add_argument("name", nargs="?", choices=list(EXPERIMENTS), help="which experiment")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="time budget in seconds (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--json", action="store_true",
                        help="also print a one-line JSON summary: metric, model, baseline")
    parser.add_argument("--list", action="store_true", help="list the experiments and exit")
    args, rest = parser.parse_known_args(argv)
    if rest:
        module = load(args.name) if args.name else None
        store = getattr(module, "main", None) or getattr(module, "_main", None)
        if store is None:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        return store(rest) or 0
    if args.list or args.name is None:
        for name, text in EXPERIMENTS.items():
            print(f"{name:16s} {text}")
        return 0 if args.list else 2
    if not (math.isfinite(args.seconds) and args.seconds > 0):
        parser.error("--seconds must be a positive number")
    if args.seed < 0:
        parser.error("--seed must be a non-negative integer")
    module = load(args.name)
    metrics = module.run(seconds=args.seconds, seed=args.seed)
    json.dump(metrics, sys.stdout, indent=2, sort_keys=True)
    print()
    if args.json:
        print(json.dumps({"experiment": args.name, **module.summary(metrics)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
