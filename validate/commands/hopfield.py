"""Hopfield retrieval dynamics against the AGS replica-symmetric theory."""
from __future__ import annotations

import argparse
import json
import sys

from theory.core.results import format_table, to_jsonable

KEYS = ("hopfield_T0", "hopfield_T")
MODULE = "validate.hopfield"


def add_command(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=__doc__.splitlines()[0], description=__doc__)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes (default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="large sizes")
    p.set_defaults(mode="quick", func=lambda a: run(a, MODULE, KEYS))
    p.add_argument("--plot", metavar="PREFIX", help="save figures as PREFIX_<key>.png")
    p.add_argument("--store", metavar="FILE", help="SQLite result store (resumable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")


def run(args: argparse.Namespace, module: str, keys) -> int:
    import importlib

    importlib.import_module(module)
    from validate.compare import REGISTRY

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore

        store = ResultStore(args.store)
    comps = [REGISTRY[k]["fn"](mode=args.mode, store=store, seed=args.seed) for k in keys]
    if args.plot:
        for c in comps:
            if c.figure is not None:
                c.figure.savefig(f"{args.plot}_{c.key}.png", dpi=120)
    if args.json:
        json.dump(to_jsonable([c.to_dict() for c in comps]), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        cols = ["quantity", "theory", "sim_mean", "sim_se", "n", "published", "verdict", "tolerance"]
        for c in comps:
            print(c.title)
            print(format_table([r.to_dict() for r in c.rows], cols))
            print(c.notes, "\n")
    return 1 if any(c.counts().get("disagrees") for c in comps) else 0
