"""Variational probability flow vs CD/PCD and seed 002's tables: reconstruction, Parzen, compositional."""
from __future__ import annotations

import argparse
import json
import sys

from theory.core.results import format_table, to_jsonable

KEYS = {"reconstruction": "vpf_reconstruction", "parzen": "vpf_parzen", "compositional": "vpf_compositional"}


def add_commands(subparsers) -> None:
    for name, key in KEYS.items():
        p = subparsers.add_parser(name, help=f"{name} comparison (seed 002)")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                          help="8x8 digits, small models (default)")
        mode.add_argument("--full", dest="mode", action="store_const", const="full",
                          help="MNIST (10,000 shared images, 80/10/10 split), paper sizes")
        p.add_argument("--plot", metavar="FILE", help="save the figure (PNG/PDF/SVG by extension)")
        p.add_argument("--store", metavar="FILE", help="SQLite result store (resumable)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
        p.set_defaults(mode="quick", func=run, key=key)


def run(args: argparse.Namespace) -> int:
    import validate.vpf  # noqa: F401  (registers the comparisons)
    from validate.compare import REGISTRY

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore

        store = ResultStore(args.store)
    try:
        c = REGISTRY[args.key]["fn"](mode=args.mode, store=store, seed=args.seed)
    except FileNotFoundError as exc:
        raise ValueError(f"data not available for --{args.mode}: {exc}") from exc
    finally:
        if store is not None:
            store.close()
    if args.plot and c.figure is not None:
        c.figure.savefig(args.plot, dpi=120)
    if args.json:
        json.dump(to_jsonable(c.to_dict()), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        cols = ["quantity", "sim_mean", "sim_se", "n", "published", "verdict", "tolerance"]
        print(c.title)
        print(format_table([r.to_dict() for r in c.rows], cols))
        print(c.notes)
        print(f"wall time {c.wall_time:.1f} s")
    return 1 if c.counts().get("disagrees") else 0
