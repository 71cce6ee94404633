"""Hopfield model (AGS replica-symmetric theory): capacity, retrieval solution, retrieval line."""
from __future__ import annotations

import math

from theory.rbm import hopfield

from theory.rbm import relu_rbm
from theory.core.cli import add_output_options, add_scan_option, handler
from theory.core.params import check_real


def _capacity(T: float, theta: float | None = None):
    if theta is None:
        return hopfield.alpha_c(T)
    if T != 0:
        raise ValueError(f"T must be 0 with --theta (threshold-Hopfield theory is zero-temperature; got {T})")
    theta = check_real("theta", theta)
    ac = relu_rbm.threshold_hopfield_capacity(theta)
    s = relu_rbm.solve_threshold_hopfield(ac * (1 - 1e-6), theta)
    return hopfield.Capacity(ac, 2 * s.m if s.converged else math.nan, 0.0, True,
                             "threshold-Hopfield (R-RBM p = L = 1, g = -alpha B/2); m reported as 2 m_RBM")


def _retrieval(alpha: float, T: float, theta: float | None = None, init=None):
    if theta is None:
        return hopfield.solve(alpha, T, init=init if isinstance(init, hopfield.HopfieldRS) else None)
    if T != 0:
        raise ValueError(f"T must be 0 with --theta (got {T})")
    return relu_rbm.solve_threshold_hopfield(alpha, theta, init=init if isinstance(init, relu_rbm.RRBMSolution) else None)


def _line(alpha: float):
    return hopfield.retrieval_temperature(alpha)


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("capacity", help="retrieval capacity alpha_c(T) (AGS: 0.138 at T = 0); --theta: threshold network")
    add_scan_option(p, "T", default=0.0, help="temperature")
    add_scan_option(p, "theta", default=None, help="hidden ReLU threshold (threshold-Hopfield, slide 28; T = 0 only)")
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
