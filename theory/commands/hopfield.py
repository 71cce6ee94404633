"""Hopfield model (replica-symmetric theory [amit1985]): capacity, retrieval solution, retrieval line."""
from __future__ import annotations

import math

from theory.core import check_real
from theory.core.cli import add_output_options, add_scan_option, handler
from theory.rbm import (
    HopfieldCapacity,
    HopfieldRS,
    RRBMSolution,
    hopfield_capacity,
    hopfield_retrieval_temperature,
    solve_hopfield,
    solve_threshold_hopfield,
    threshold_hopfield_capacity,
)


def _capacity(T: float, theta: float | None = None):
    if theta is None:
        return hopfield_capacity(T)
    if T != 0:
        raise ValueError(f"T must be 0 with --theta (threshold-Hopfield theory is zero-temperature; got {T})")
    theta = check_real("theta", theta)
    ac = threshold_hopfield_capacity(theta)
    s = solve_threshold_hopfield(ac * (1 - 1e-6), theta)
    return HopfieldCapacity(alpha_c=ac, m_c=2 * s.m if s.converged else math.nan, T=0.0, converged=True,
                            message="threshold-Hopfield (R-RBM p = L = 1, g = -alpha B/2); m reported as 2 m_RBM")


def _retrieval(alpha: float, T: float, theta: float | None = None, init=None):
    if theta is None:
        return solve_hopfield(alpha, T, init=init if isinstance(init, HopfieldRS) else None)
    if T != 0:
        raise ValueError(f"T must be 0 with --theta (got {T})")
    return solve_threshold_hopfield(alpha, theta, init=init if isinstance(init, RRBMSolution) else None)


def _line(alpha: float):
    return hopfield_retrieval_temperature(alpha)


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("capacity", help="retrieval capacity alpha_c(T) [amit1985] (0.138 at T = 0); "
                                               "--theta: threshold network")
    add_scan_option(p, "T", default=0.0, help="temperature")
    add_scan_option(p, "theta", default=None,
                    help="hidden ReLU threshold (threshold-Hopfield, [manzan2021, slide 28]; T = 0 only)")
    add_output_options(p)
    p.set_defaults(func=handler(_capacity, ["T", "theta"], y=["alpha_c", "m_c"]))

    p = subparsers.add_parser("retrieval", help="RS saddle point (m, q, r) at load alpha and temperature T")
    add_scan_option(p, "alpha", required=True, help="load M/N")
    add_scan_option(p, "T", default=0.0, help="temperature")
    add_scan_option(p, "theta", default=None, help="hidden ReLU threshold (threshold-Hopfield R-RBM; T = 0 only)")
    add_output_options(p)
    p.set_defaults(func=handler(_retrieval, ["alpha", "T", "theta"], y=["m", "r"]))

    p = subparsers.add_parser("line", help="retrieval line T_M(alpha): highest T with a retrieval solution")
    add_scan_option(p, "alpha", required=True, help="load M/N")
    add_output_options(p)
    p.set_defaults(func=handler(_line, ["alpha"], y=["T", "m_c"]))
