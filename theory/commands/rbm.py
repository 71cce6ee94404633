"""Random ReLU-RBMs (Tubiana-Monasson) and planted-RBM learning thresholds."""
from __future__ import annotations

from theory.core import check_int
from theory.core.cli import add_output_options, add_scan_option, handler
from theory.rbm import RRBMSolution, l_star, planted_learning_threshold, solve_compositional, solve_relu_rbm


def _relu(alpha, p, theta, g, L, init=None):
    L = check_int("L", L, ge=1)
    return solve_relu_rbm(alpha, p, theta, g, L, init=init if isinstance(init, RRBMSolution) else None)


def _compositional(alpha, theta, g, l=None, l_max=40.0):
    if l is None:
        return l_star(alpha, theta, g, l_max=l_max)
    return solve_compositional(alpha, theta, g, l)


def _threshold(beta, c, P=2):
    return planted_learning_threshold(beta, c, check_int("P", P, ge=1))


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("relu", help="zero-T RS saddle point of the homogeneous R-RBM [manzan2021, slides 23-27]")
    add_scan_option(p, "alpha", required=True, help="M/N")
    add_scan_option(p, "p", required=True, help="weight sparsity")
    add_scan_option(p, "theta", default=0.0, help="hidden ReLU threshold")
    add_scan_option(p, "g", default=0.0, help="visible field")
    add_scan_option(p, "L", default=1.0, help="number of strongly active hidden units")
    add_output_options(p)
    p.set_defaults(func=handler(_relu, ["alpha", "p", "theta", "g", "L"], y=["m", "q", "r", "f"],
                                limits={"L": dict(ge=1, le=100_000, integer=True), "p": dict(gt=0.0, le=1.0),
                                        "alpha": dict(gt=0.0)}))

    p = subparsers.add_parser("compositional",
                              help="p -> 0 rescaled theory: optimal l* (L ~ l*/p), or the solution at given --l")
    add_scan_option(p, "alpha", required=True, help="M/N")
    add_scan_option(p, "theta", required=True, help="rescaled threshold theta~ = theta/sqrt(p)")
    add_scan_option(p, "g", default=0.0, help="rescaled visible field g~ = g/p")
    add_scan_option(p, "l", default=None, help="solve at this l instead of optimising")
    add_scan_option(p, "l_max", default=40.0, help="upper end of the l search")
    add_output_options(p)
    p.set_defaults(func=handler(_compositional, ["alpha", "theta", "g", "l", "l_max"], y=["l_star", "m"],
                                limits={"l": dict(ge=0.0, le=1e6), "l_max": dict(gt=0.0, le=1e6),
                                        "alpha": dict(gt=0.0)}))

    p = subparsers.add_parser("threshold", help="planted-RBM learning threshold alpha_thr(beta, c)")
    add_scan_option(p, "beta", default=1.0, help="inverse temperature")
    add_scan_option(p, "c", default=0.0, help="overlap of the planted receptive fields")
    add_scan_option(p, "P", default=2.0, help="number of hidden units")
    add_output_options(p)
    p.set_defaults(func=handler(_threshold, ["beta", "c", "P"], y=["alpha_thr"],
                                limits={"P": dict(ge=1, le=16, integer=True)}))
