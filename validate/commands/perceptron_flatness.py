"""Binary perceptron: binary control (SM Fig. 3) and flatness/generalization of solutions (SM Fig. 5, Table I).

``python -m validate perceptron binary-control|teacher-student [--quick|--full]
[--plot FILE] [--json] [--store FILE] [--seed S]`` runs the comparison, prints
its table (or JSON) and optionally saves its figure. Exit code 0 when it ran
(disagreements are in the table), 2 for bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial

from theory.core.results import format_table, to_jsonable

COMMANDS = {
    "binary-control": ("binary_control", "Metropolis on binary control (SM Eq. 40) vs RS E(q*), alpha=0.55, beta=15 "
                                         "(SM Fig. 3)"),
    "teacher-student": ("teacher_student", "accuracy and E(W,d) of SA, CP, CP-S, GD, BP+R solutions vs SM Table I "
                                           "and Fig. 5"),
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
    import validate.perceptron_flatness as vf

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore

        store = ResultStore(args.store)
    try:
        comp = getattr(vf, fn_name)(mode=args.mode, store=store, seed=args.seed)
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
