"""Franz-Parisi entropy of binary solutions around a binarized reference [baldassi2018, SM Eq. 31-39].

``python -m theory perceptron franz-parisi --alpha 0.55 --beta 20 --qstar 0.9 --d 0:0.3:61
--reference stochastic|binary|spherical [--json|--csv FILE|--plot FILE]``

A range in ``d`` is computed by continuation from the maximum of ``S(d)``
(:func:`theory.perceptron.franz_parisi.franz_parisi_curve`); every point reports ``converged``,
``residual``, ``iterations`` and the quadrature ``error`` (a single ``d`` is reached by
continuation too). ``d = 0`` is the exact limit (0 for the binary reference, ``-inf``
otherwise); below the end ``d_c`` of the RS branch (``Q0 -> 1``) ``S = -inf`` (stochastic,
spherical references; see ``docs/franz_parisi.md``). Exit code 1 if a point failed.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

from theory.core.cli import add_output_options, add_scan_option, emit

COLUMNS = ["reference", "alpha", "beta", "qstar", "d", "d_reached", "S", "converged", "phat", "Q0", "s0", "s1",
           "residual", "iterations", "error", "message"]


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("franz-parisi", help="Franz-Parisi entropy S(d) around BCs [baldassi2018, SM Eq. 31-39]",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--alpha", type=float, default=0.55, help="load M/N (default 0.55)")
    p.add_argument("--beta", type=float, default=20.0,
                   help="inverse temperature of the stochastic reference (default 20)")
    p.add_argument("--qstar", type=float, default=0.9, help="squared norm q* of the stochastic reference (default 0.9)")
    add_scan_option(p, "d", default="0.1", help="Hamming distance per site, number or START:STOP:COUNT")
    p.add_argument("--reference", default="stochastic", choices=["stochastic", "binary", "spherical"])
    p.add_argument("--order", type=int, default=8, help="Gauss-Legendre nodes per panel (default 8)")
    p.add_argument("--tol", type=float, default=1e-10, help="residual tolerance (default 1e-10)")
    p.add_argument("--max-work", type=float, default=None,
                   help="deterministic cap of the continuation in work units (energetic-table nodes summed over "
                        "map evaluations; default 2e7, a few minutes): a request whose up-front estimate exceeds "
                        "it is refused (exit 2, with the estimate); a point not reached within it fails (exit 1) "
                        "with the distance reached (d_reached); the same answer on every machine")
    p.add_argument("--budget", type=float, default=900.0,
                   help="wall-clock safety net in seconds (default 900; machine- and load-dependent, a last "
                        "resort behind --max-work): a point not reached in time fails, flagged as such")
    add_output_options(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from theory.core import check_int, check_real
    from theory.perceptron import franz_parisi_curve, franz_parisi_reference

    alpha = check_real("--alpha", args.alpha, gt=0.0, lt=0.833)
    check_real("--tol", args.tol, gt=0.0, lt=1.0)
    check_int("--order", args.order, ge=2, le=128)
    ds = np.atleast_1d(np.asarray(args.d, dtype=float))
    for x in ds:
        check_real("--d", float(x), ge=0.0, lt=1.0)
    if getattr(args, "plot", None) and not isinstance(args.d, np.ndarray):
        # refused before the (possibly long) continuation, not after it
        raise ValueError(f"--plot needs a range in --d (START:STOP:COUNT); got the single --d {float(ds[0]):g}")
    if args.reference == "stochastic":
        check_real("--beta", args.beta, gt=0.0, le=1e4)
        check_real("--qstar", args.qstar, gt=0.0, lt=1.0)
    from theory.perceptron.franz_parisi.solver import FP_MAX_WORK, FP_SECONDS_PER_WORK, franz_parisi_work_estimate

    max_work = FP_MAX_WORK if args.max_work is None else check_real("--max-work", args.max_work, gt=0.0, le=1e12)
    budget = check_real("--budget", args.budget, gt=0.0)
    work = franz_parisi_work_estimate(ds, order=args.order)
    if work > max_work:
        why = (f"--d {float(ds[ds > 0].min()) if (ds > 0).any() else 0.0:g} needs an estimated {work:.3g} work "
               f"units of continuation (about {work * FP_SECONDS_PER_WORK:.0f} s on one core), above --max-work "
               f"{max_work:.3g}")
        if args.reference == "stochastic":
            raise ValueError(f"{why}: raise --max-work to at least {work:.3g} (and --budget to at least "
                             f"{3 * work * FP_SECONDS_PER_WORK:.0f} s) or ask for a larger d")
        # the binary and spherical branches end at a finite d_c (located on the way; no continuation below it):
        # the estimate, which assumes the branch reaches d, is only an upper bound there
        print(f"warning: {why} if the RS branch reached it; the {args.reference} branch ends at a finite d_c "
              f"first, and the continuation stops there or at --max-work", file=sys.stderr)
    ref = franz_parisi_reference(args.reference, alpha, args.beta, args.qstar)
    if isinstance(args.d, np.ndarray):
        curve = franz_parisi_curve(ref, ds, tol=args.tol, order=args.order, budget=budget, max_work=max_work)
        rows = []
        for pt in curve.points:
            if pt.result is not None:
                row = pt.result.flat()
                row["converged"] = pt.converged
                row["message"] = pt.message or row.get("message", "")
            else:
                row = {"reference": ref.kind, "alpha": alpha, "beta": ref.beta, "qstar": ref.qstar,
                       "d": pt.params["d"], "S": float("nan"), "converged": False, "message": pt.message}
            rows.append(row)
        emit(args, rows, columns=None if args.json else COLUMNS, x="d", y=["S"])
        ok = all(r["converged"] for r in rows)
    else:
        # one distance: also by continuation from the maximum (a cold solve far from it can
        # fail, and only the continuation locates the end of the RS branch, d_c)
        pt = franz_parisi_curve(ref, ds, tol=args.tol, order=args.order, budget=budget,
                                max_work=max_work).points[0]
        if pt.result is None:
            print(f"error: {pt.message}", file=sys.stderr)
            return 1
        res = pt.result if pt.converged == pt.result.converged else dataclasses.replace(
            pt.result, converged=pt.converged, message=pt.message or pt.result.message)
        emit(args, res, columns=None if args.json else COLUMNS)
        ok = res.converged
    if not ok:
        if not args.json:
            print("warning: some points did not converge (see 'converged' and 'message')", file=sys.stderr)
        return 1
    return 0
