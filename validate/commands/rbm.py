"""RBM with binary synapses: variational learning against the thresholds and the paper's Fig. 2."""
from __future__ import annotations

import argparse
import json
import sys

from theory.core.results import format_table, to_jsonable

KEYS = {"trajectory": "rbm_trajectory", "threshold": "rbm_threshold", "mnist": "rbm_mnist"}


def add_commands(sub: argparse._SubParsersAction) -> None:
    for name, key in KEYS.items():
        p = sub.add_parser(name, help=f"comparison {key} (seed 000, Fig. 2)")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes (default)")
        mode.add_argument("--full", dest="mode", action="store_const", const="full", help="the paper's sizes")
        p.set_defaults(mode="quick", key=key, func=_run)
        p.add_argument("--plot", metavar="FILE", help="save the figure (PNG/PDF/SVG)")
        p.add_argument("--store", metavar="FILE", help="SQLite result store (resumable)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")


def _run(args: argparse.Namespace) -> int:
    import validate.rbm_variational  # noqa: F401  (registers the comparisons)
    from validate.compare import REGISTRY

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore

        store = ResultStore(args.store)
    comp = REGISTRY[args.key]["fn"](mode=args.mode, store=store, seed=args.seed)
    if args.plot and comp.figure is not None:
        comp.figure.savefig(args.plot, dpi=120)
    if args.json:
        json.dump(to_jsonable(comp.to_dict()), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(comp.title)
        cols = ["quantity", "theory", "sim_mean", "sim_se", "n", "published", "verdict", "tolerance"]
        print(format_table([r.to_dict() for r in comp.rows], cols))
        print(comp.notes)
    return 1 if comp.counts().get("disagrees") else 0
