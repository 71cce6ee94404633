"""Stochastic binary perceptron: the 1RSB saddle point (``python -m theory perceptron rsb``).

Derivation: ``docs/stochastic_perceptron_1rsb.md``; code: :mod:`theory.perceptron.rsb`.
"""
from __future__ import annotations

from theory.core.cli import add_output_options, add_scan_option, handler
from theory.perceptron.rs import DEFAULT_ORDER

__all__ = ["add_commands"]


def _rsb(alpha, beta, qstar, x, tol, order, init=None):
    from theory.perceptron import solve_rsb
    ok = init is not None and init.converged and init.gap > 0.0
    # warm start only from a broken solution: a start on the RS subspace q1 = q0 stays there
    return solve_rsb(alpha, beta, qstar, x, init=init if ok else None, tol=tol, order=order)


def add_commands(subparsers) -> None:
    """Register ``rsb`` under ``python -m theory perceptron``."""
    p = subparsers.add_parser(
        "rsb", help="1RSB saddle point (q0, q1, qhat0, qhat1, qhatd), phi, complexity at fixed or equilibrium x "
                    "(docs/stochastic_perceptron_1rsb.md)")
    add_scan_option(p, "alpha", help="load M/N", required=True)
    add_scan_option(p, "beta", help="inverse temperature", required=True)
    add_scan_option(p, "qstar", help="squared norm q* of the control variables, in (0, 1)", required=True)
    add_scan_option(p, "x", help="Parisi block size in (0, 1]; omitted: the equilibrium x (complexity 0, "
                                 "or 1 if the complexity at x = 1 is >= 0)")
    p.add_argument("--tol", type=float, default=1e-10, help="saddle-point tolerance (default 1e-10)")
    p.add_argument("--order", type=int, default=DEFAULT_ORDER,
                   help=f"Gauss-Legendre nodes per panel (default {DEFAULT_ORDER})")
    add_output_options(p)
    p.set_defaults(func=handler(_rsb, ["alpha", "beta", "qstar", "x", "tol", "order"],
                                y=["phi", "gap", "complexity"]))
