"""Franz-Parisi entropy around BCs: RS theory vs BP (seed 004, main Fig. 2 right, SM Sec. III).

``python -m validate perceptron franz-parisi [--quick|--full] [--plot FILE] [--json] [--store FILE] [--seed S]``
prints the comparison table (theory vs BP rows and the paper's gap claims). Exit code 0
when it ran (disagreements are in the table), 2 for bad input.
"""
from __future__ import annotations

import argparse
import json
import sys

from theory.core.results import format_table, to_jsonable


def add_commands(subparsers) -> None:
    text = "Franz-Parisi entropy S(d) around BCs: RS theory vs BP and the gap claims (main Fig. 2 right)"
    p = subparsers.add_parser("franz-parisi", help=text, description=text)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes (default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="N=1001, 20 instances (long)")
    p.set_defaults(mode="quick")
    p.add_argument("--plot", metavar="FILE", help="save the figure (PNG/PDF/SVG by extension)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON on stdout")
    p.add_argument("--store", metavar="FILE", default=None, help="SQLite result store (resumable)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from validate.franz_parisi import franz_parisi_comparison

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore

        store = ResultStore(args.store)
    try:
        comp = franz_parisi_comparison(mode=args.mode, store=store, seed=args.seed)
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
        cols = ["quantity", "theory", "sim_mean", "sim_se", "n", "tolerance", "deviation_se", "verdict"]
        print(format_table([r.to_dict() for r in comp.rows], cols))
        print(f"\n{comp.notes}\n({comp.wall_time:.1f} s)")
    return 0
