"""Stochastic binary perceptron: RS theory, stability, energy of the binarized configuration, references."""
from __future__ import annotations

import argparse

from theory.core.cli import add_output_options, add_scan_option, handler
from theory.perceptron.rs import DEFAULT_ORDER

__all__ = ["add_commands"]


def _common(p: argparse.ArgumentParser, names: tuple[str, ...], tol: bool = True) -> None:
    helps = {
        "alpha": "load M/N",
        "beta": "inverse temperature",
        "qstar": "squared norm q* of the control variables, in (0, 1)",
    }
    for n in names:
        add_scan_option(p, n, help=helps[n], required=True)
    if tol:
        p.add_argument("--tol", type=float, default=1e-10, help="saddle-point tolerance (default 1e-10)")
        p.add_argument("--order", type=int, default=DEFAULT_ORDER,
                       help=f"Gauss-Legendre nodes per panel (default {DEFAULT_ORDER})")
    add_output_options(p)


def _rs(alpha, beta, qstar, tol, order, init=None):
    from theory.perceptron import solve_rs
    return solve_rs(alpha, beta, qstar, init=init, tol=tol, order=order)


def _stability(alpha, beta, qstar, tol, order, init=None):
    from theory.perceptron import rs_stability
    return rs_stability(alpha, beta, qstar, init=init if init is None or init.converged else None, tol=tol, order=order)


def _betac(alpha, qstar, tol, order, beta_max, init=None):
    from theory.perceptron import beta_c
    ok = init is not None and init.converged
    # along a q* range: start at the previous beta_c with a fine grid (the root moves little)
    return beta_c(alpha, qstar, tol=tol, order=order, beta_max=beta_max,
                  beta_start=min(init.beta_c, 0.5 * beta_max) if ok else 1.0, init=init if ok else None,
                  ratio=1.1 if ok else 1.25)


def _bc(alpha, beta, qstar, tol, order, init=None):
    from theory.perceptron import bc_energy
    return bc_energy(alpha, beta, qstar, init=init, tol=tol, order=order)


def _binary_control(alpha, beta, qstar, tol, order, init=None):
    from theory.perceptron import solve_binary_control
    return solve_binary_control(alpha, beta, qstar, init=init, tol=tol, order=order)


def _zero_temperature(alpha, qstar, order, init=None):
    from theory.perceptron import solve_zero_temperature
    return solve_zero_temperature(alpha, qstar, order=order)


def _binary_entropy(alpha, init=None):
    from theory.perceptron import binary_entropy
    return binary_entropy(alpha, init=init)


def _binary_capacity():
    from theory.perceptron import binary_capacity
    return binary_capacity()


def add_commands(subparsers) -> None:
    """Register ``rs``, ``stability``, ``betac``, ``bc-energy``, ``binary-control``, ``zero-temperature``,
    ``binary-entropy`` and ``binary-capacity`` under ``python -m theory perceptron``."""
    p = subparsers.add_parser("rs", help="RS saddle point and free entropy [baldassi2018, SM Eq. 12-15]")
    _common(p, ("alpha", "beta", "qstar"))
    p.set_defaults(func=handler(_rs, ["alpha", "beta", "qstar", "tol", "order"], y=["phi", "q0", "qhat0"]))

    p = subparsers.add_parser("stability",
                              help="RS local stability gamma_E, gamma_S, margin [baldassi2018, SM Eq. 16-20]")
    _common(p, ("alpha", "beta", "qstar"))
    p.set_defaults(func=handler(_stability, ["alpha", "beta", "qstar", "tol", "order"],
                                y=["margin", "gamma_E", "gamma_S"]))

    p = subparsers.add_parser("betac", help="beta_c(q*) where alpha gamma_E gamma_S = 1 [baldassi2018, SM Eq. 16]")
    _common(p, ("alpha", "qstar"))
    p.add_argument("--beta-max", dest="beta_max", type=float, default=500.0,
                   help="give up (converged=false) if the margin stays below 1 up to this beta (default 500)")
    p.set_defaults(func=handler(_betac, ["alpha", "qstar", "tol", "order", "beta_max"], y=["beta_c"]))

    p = subparsers.add_parser("bc-energy",
                              help="energy of the binarized configuration p, p_tilde, E [baldassi2018, SM Eq. 28-30]")
    _common(p, ("alpha", "beta", "qstar"))
    p.set_defaults(func=handler(_bc, ["alpha", "beta", "qstar", "tol", "order"], y=["E", "p", "p_tilde"]))

    p = subparsers.add_parser("binary-control",
                              help="binary control m = sqrt(q*) sigma: RS, energy of sigma [baldassi2018, SM Eq. 40]")
    _common(p, ("alpha", "beta", "qstar"))
    p.set_defaults(func=handler(_binary_control, ["alpha", "beta", "qstar", "tol", "order"], y=["E", "q0"]))

    p = subparsers.add_parser("zero-temperature",
                              help="beta -> infinity limit of rs/stability/bc-energy (chi, R_hat, A_hat, phi0 = "
                                   "lim phi/beta, margin, E); docs/stochastic_perceptron_rs.md Sec. 10")
    add_scan_option(p, "alpha", help="load M/N", required=True)
    add_scan_option(p, "qstar", help="squared norm q* of the control variables, in (0, 1)", required=True)
    p.add_argument("--order", type=int, default=DEFAULT_ORDER,
                   help=f"Gauss-Legendre nodes per panel (default {DEFAULT_ORDER})")
    add_output_options(p)
    p.set_defaults(func=handler(_zero_temperature, ["alpha", "qstar", "order"], y=["loglik", "E", "margin"]))

    p = subparsers.add_parser("binary-entropy", help="RS entropy of binary perceptron solutions (Gardner-Derrida)")
    add_scan_option(p, "alpha", help="load M/N", required=True)
    add_output_options(p)
    p.set_defaults(func=handler(_binary_entropy, ["alpha"], y=["entropy", "q"]))

    p = subparsers.add_parser("binary-capacity", help="Krauth-Mezard capacity: zero of the binary RS entropy")
    add_output_options(p, plot=False)
    p.set_defaults(func=handler(_binary_capacity, []))
