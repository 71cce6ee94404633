"""Stochastic binary perceptron: GD capacity and energy of the binarized configuration (seed 004).

``python -m validate perceptron capacity|bc-energy [--quick|--full] [--plot FILE] [--json]
[--store FILE] [--seed S]`` runs the comparison, prints its table (or JSON) and
optionally saves its figure. Exit code 0 when it ran (disagreements are in the
table), 2 for bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial

from theory.core.results import format_table, to_jsonable

COMMANDS = {
    "capacity": ("capacity", "success probability of GD vs alpha; alpha_GD vs the paper's 0.63 (main Fig. 1 right)"),
    "bc-energy": ("bc_energy", "fixed-norm GD training error of sign(m) vs q* against RS theory (main Fig. 2 left)"),
}


def add_commands(subparsers) -> None:
    for name, (fn, text) in COMMANDS.items():
        p = subparsers.add_parser(name, help=text, description=text)
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes (default)")
        mode.add_argument("--full", dest="mode", action="store_const", const="full", help="the paper's sizes (long)")
        p.set_defaults(mode="quick")
        p.add_argument("--plot", metavar="FILE", help="save the figure (PNG/PDF/SVG by extension)")
        p.add_argument("--json", action="store_true", help="print the comparison as JSON on stdout")
        p.add_argument("--store", metavar="FILE", default=None, help="SQLite result store (resumable)")
        p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
        p.set_defaults(func=partial(_run, fn))


def _run(fn_name: str, args: argparse.Namespace) -> int:
    import validate.perceptron as vp

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore

        store = ResultStore(args.store)
    try:
        comp = getattr(vp, fn_name)(mode=args.mode, store=store, seed=args.seed)
    finally:
        if store is not None:
            store.close()
    if args.plot and comp.figure is not None:
        comp.figure.savefig(args.plot, dpi=120)
    if args.json:
        json.dump(to_jsonable(comp.to_dict()), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(comp.title)
        cols = ["quantity", "theory", "sim_mean", "sim_se", "n", "published", "tolerance", "deviation_se", "verdict"]
        print(format_table([r.to_dict() for r in comp.rows], cols))
        print(f"\n{comp.notes}\n({comp.wall_time:.1f} s)")
    return 0
