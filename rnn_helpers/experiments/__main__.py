"""``python -m rnn_helpers.experiments NAME --seconds S [--seed K]``: train, print metrics as JSON."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from rnn_helpers.experiments import APPS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rnn_helpers.experiments",
        description="Train one of the course's applications and print its held-out metrics as JSON.",
    )
    parser.add_argument("name", nargs="?", choices=sorted(APPS), help="which application")
    parser.add_argument("--seconds", type=float, default=60.0, help="training time budget (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--list", action="store_true", help="list the applications and exit")
    args = parser.parse_args(argv)
    if args.list or args.name is None:
        for name, text in sorted(APPS.items()):
            print(f"{name:16s} {text}")
        return 0 if args.list else 2
    if not args.seconds > 0:
        parser.error("--seconds must be positive")
    module = importlib.import_module(f"rnn_helpers.experiments.{args.name}")
    metrics = module.run(seconds=args.seconds, seed=args.seed)
    json.dump(metrics, sys.stdout, indent=2, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
