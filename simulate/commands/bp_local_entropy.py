"""Single-sample Franz-Parisi entropy by BP around a reference [baldassi2018, SM Sec. III].

``python -m simulate perceptron bp-local-entropy --N 1001 --alpha 0.55 --reference gd|teacher|sa
[--qstar 0.9] --d 0.01:0.2:10 --seed 0 [--json|--csv FILE|--plot FILE]``

References: ``gd`` = sign(m) after fixed-norm GD up to ``q*`` (the green curves of
[baldassi2018, SM Fig. 2]), ``teacher`` = a planted teacher (the instance is labelled by it), ``sa`` =
a simulated-annealing solution. Exit code 1 if BP or the search in the coupling failed
at some point.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from theory.core.cli import add_output_options, add_scan_option, emit

COLUMNS = ["reference", "N", "M", "d", "S", "lam", "p", "converged", "iterations", "delta", "ref_errors", "message"]


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("bp-local-entropy", help="BP entropy of solutions at distance d from a reference",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--N", type=int, default=1001, help="number of synapses (odd, default 1001)")
    p.add_argument("--alpha", type=float, default=0.55, help="load M/N (default 0.55)")
    p.add_argument("--reference", default="gd", choices=["gd", "teacher", "sa"])
    p.add_argument("--qstar", type=float, default=0.9, help="final q* of the fixed-norm GD schedule (gd only)")
    add_scan_option(p, "d", default="0.05", help="distance per site, number or START:STOP:COUNT")
    p.add_argument("--seed", type=int, default=0, help="instance / algorithm seed (default 0)")
    add_output_options(p)
    p.set_defaults(func=_run, estimate=_estimate)


def _estimate(args: argparse.Namespace) -> list[tuple[float, str]]:
    from simulate.commands.perceptron import pattern_memory

    return pattern_memory(args, "bpr")  # BP messages (M, N) float64, as BP+R


def _run(args: argparse.Namespace) -> int:
    from simulate.perceptron import bp_local_entropy_curve, make_local_entropy_reference

    S, sigma, info = make_local_entropy_reference(args.N, args.alpha, args.reference, seed=args.seed, qstar=args.qstar)
    ds = np.atleast_1d(np.asarray(args.d, dtype=float))
    rows = []
    for r in bp_local_entropy_curve(S, sigma, ds, seed=args.seed):
        row = r.to_dict()
        row.update(reference=args.reference, ref_errors=info["errors"])
        rows.append(row)
    emit(args, rows if isinstance(args.d, np.ndarray) else rows[0], columns=None if args.json else COLUMNS,
         x="d", y=["S"])
    if not all(r["converged"] for r in rows):
        if not args.json:
            print("warning: some points did not converge (see 'converged' and 'message')", file=sys.stderr)
        return 1
    return 0
