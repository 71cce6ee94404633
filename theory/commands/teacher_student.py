"""Teacher-student learning by the Ising perceptron: RS theory (``python -m theory perceptron teacher-student``).

Derivation: ``docs/teacher_student.md``; code: :mod:`theory.perceptron.teacher_student`.
"""
from __future__ import annotations

import argparse

from theory.core.cli import add_output_options, add_scan_option, emit, handler
from theory.perceptron.teacher_student import TS_DEFAULT_ORDER

__all__ = ["add_commands"]

_LIMITS = {"alpha": dict(gt=0.0, le=10.0), "tol": dict(gt=0.0, lt=1e-3),
           "order": dict(ge=4, le=128, integer=True)}


def _teacher_student(alpha, tol, order, init=None):
    from theory.core import ComputationError
    from theory.perceptron import solve_teacher_student
    try:
        return solve_teacher_student(alpha, init=init if init is not None and init.converged else None, tol=tol,
                                     order=order)
    except ComputationError as exc:   # beyond the spinodal: a failed point, reported (exit 1)
        from theory.perceptron import TeacherStudentResult
        return TeacherStudentResult.failure(str(exc), alpha=alpha, order=order)


def _run(args: argparse.Namespace) -> int:
    if args.transition:
        from theory.core.cli import check_limits
        from theory.perceptron import teacher_student_transition
        check_limits({"order": args.order}, {"order": _LIMITS["order"]})
        r = teacher_student_transition(order=args.order)
        emit(args, r)
        return 0 if r.converged else 1
    if args.alpha is None:
        raise ValueError("--alpha is required (or --transition)")
    return handler(_teacher_student, ["alpha", "tol", "order"], limits=_LIMITS,
                   y=["accuracy_gibbs", "accuracy_bayes", "accuracy_mpm"])(args)


def add_commands(subparsers) -> None:
    """Register ``teacher-student`` under ``python -m theory perceptron``."""
    p = subparsers.add_parser(
        "teacher-student",
        help="teacher-student RS theory of the Ising perceptron (Nishimori line): q, qhat, version-space entropy, "
             "Gibbs / Bayes / MPM generalization accuracies; --transition: alpha_perfect and alpha_spinodal "
             "(docs/teacher_student.md)")
    add_scan_option(p, "alpha", help="load M/N, in (0, 10] (the poor branch ends at alpha_sp ~ 1.4926)")
    p.add_argument("--transition", action="store_true",
                   help="print alpha_perfect (entropy 0, first-order transition) and alpha_spinodal instead")
    p.add_argument("--tol", type=float, default=1e-12, help="saddle-point tolerance (default 1e-12)")
    p.add_argument("--order", type=int, default=TS_DEFAULT_ORDER,
                   help=f"Gauss-Legendre nodes per panel (default {TS_DEFAULT_ORDER})")
    add_output_options(p)
    p.set_defaults(func=_run)
