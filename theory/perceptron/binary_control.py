"""Stochastic perceptron with binary control variables ``m_i = sqrt(q*) sigma_i`` (Ising version).

Source: seed ``004_deaa60c1bff9cc41``, Supplementary Material Sec. IV, Eq. (40)
and SM Fig. 3 (alpha = 0.55, beta = 15). The paper only states that the
analysis "can be easily adapted"; the RS equations below are derived in
``docs/stochastic_perceptron_rs.md`` (Sec. "Binary control").

Gibbs weight ``exp(beta L(sigma))`` with
``L(sigma) = sum_mu log H(-sqrt(q*/(1-q*)) sum_i sigma_i x_i^mu / sqrt(N))`` (SM Eq. 40).
With ``q_ab = q* Q_ab`` the energetic term is exactly ``G_E(q0; q*, beta)``
of SM Eq. (14); the entropic term is the Ising one, and the diagonal
multiplier ``qhat1`` drops out (the norm is fixed by ``sigma^2 = 1``):

    phi = extr_{q0, qhat0} -qhat0 (q* - q0)/2 + int Dz log 2cosh(sqrt(qhat0 q*) z) + alpha G_E(q0)
    q0    = q* int Dz tanh^2(sqrt(qhat0 q*) z)
    qhat0 = -2 alpha dG_E/dq0

The energy of the clipped centre ``sign(m) = sigma`` is SM Eq. (30) with
``p = sqrt(q*)``, ``p_tilde = q0/sqrt(q*)``, for which ``sigma_E^2 = 0``:

    E = int Dz < Theta(-(sqrt(q0) z + sqrt(q* - q0) u)) >_{u|z}.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from theory.perceptron.bc_energy import _T_KINK, _bc_kernel
from theory.core.params import check_choice
from theory.core.quadrature import dz_rule, legendre_nodes
from theory.core.results import Record
from theory.core.solver import ComputationError, Curve, converge, span
from theory.core.special import log2cosh
from theory.perceptron.rs import (
    DEFAULT_ORDER,
    _e_rule,
    _validate,
    energetic_terms,
)

__all__ = ["BinaryControlResult", "ising_terms", "clipped_energy", "solve_binary_control", "binary_control_curve"]


def ising_terms(qhat0: float, qstar: float, order: int = DEFAULT_ORDER) -> dict[str, float]:
    """Ising entropic term ``int Dz log 2cosh(sqrt(qhat0 q*) z)`` and ``q*`` int Dz tanh^2."""
    c = math.sqrt(max(qhat0, 0.0) * qstar)
    z, w = dz_rule(order, np.array([-4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0]) / max(c, 1e-300))
    t = np.tanh(c * z)
    return {"G_S": float(w @ log2cosh(c * z)), "q0": float(qstar * (w @ (t * t)))}


def clipped_energy(q0: float, qstar: float, beta: float, order: int = DEFAULT_ORDER) -> float:
    """Training error of ``sigma`` (SM Fig. 3), SM Eq. (30) at ``sigma_E = 0`` (see module docstring)."""
    z, w = _e_rule(q0, qstar, order)
    glx, glw = legendre_nodes(order)
    sq = math.sqrt(qstar)
    vals = _bc_kernel(z, math.sqrt(q0), math.sqrt(qstar - q0), math.sqrt(1.0 - qstar), float(beta),
                      math.sqrt(q0) / sq, math.sqrt(qstar - q0) / sq, 0.0, glx, glw, _T_KINK)
    E = float(w @ vals)
    if not math.isfinite(E):
        raise ComputationError(f"non-finite clipped-centre energy at q0={q0}, q*={qstar}, beta={beta}")
    return E


@dataclass(frozen=True)
class BinaryControlResult(Record):
    """RS saddle point of the binary-control model and the energy ``E`` of ``sigma``.

    ``loglik`` is the mean log-likelihood per pattern, ``entropy = phi - alpha beta loglik``
    (between 0 and log 2); ``error`` = ``|E(order) - E(order // 2)|``.
    """

    alpha: float
    beta: float
    qstar: float
    q0: float
    qhat0: float
    phi: float
    E: float
    loglik: float
    entropy: float
    converged: bool
    residual: float
    iterations: int
    error: float
    message: str = ""

    @property
    def values(self) -> dict[str, float]:
        return {"q0": self.q0, "qhat0": self.qhat0}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def solve_binary_control(alpha: float, beta: float, qstar: float, *, init: Mapping[str, float] | None = None,
                         tol: float = 1e-10, order: int = DEFAULT_ORDER, method: str = "newton",
                         maxiter: int = 400) -> BinaryControlResult:
    """RS saddle point of the binary-control stochastic perceptron and ``E`` of the clipped centre."""
    alpha, beta, qstar, tol, order = _validate(alpha, beta, qstar, tol, order)
    check_choice("method", method, {"newton", "iterate", "auto"})
    nan = math.nan
    qmax = qstar * (1.0 - 1e-12)
    if init is None:
        x0 = {"q0": 0.5 * qstar, "qhat0": 1.0}
    else:
        v = init.values if hasattr(init, "values") and not isinstance(init, Mapping) else init
        x0 = {"q0": float(v["q0"]), "qhat0": float(v["qhat0"])}

    def update(x):
        q0 = min(max(x["q0"], 0.0), qmax)
        qhat0 = max(x["qhat0"], 0.0)
        E = energetic_terms(q0, qstar, beta, order)
        return {"q0": ising_terms(qhat0, qstar, order)["q0"], "qhat0": -2.0 * alpha * E["dG_E_dq0"]}

    try:
        if alpha == 0.0 or beta == 0.0:
            q0, qhat0 = 0.0, 0.0
            res = None
        else:
            res = converge(update, x0, tol=tol, method=method, maxiter=maxiter)
            if not res.converged and method == "newton":
                res2 = converge(update, x0, tol=tol, method="auto", damping=0.3, maxiter=maxiter)
                res = res2 if (res2.converged or res2.residual < res.residual) else res
            q0, qhat0 = res.values["q0"], res.values["qhat0"]
        ok = (res is None or res.converged) and 0.0 <= q0 < qstar and qhat0 >= 0.0
        q0c = min(max(q0, 0.0), qmax)
        S = ising_terms(qhat0, qstar, order)
        Et = energetic_terms(q0c, qstar, beta, order)
        E = clipped_energy(q0c, qstar, beta, order)
        E2 = clipped_energy(q0c, qstar, beta, max(4, order // 2))
    except ComputationError as exc:
        return BinaryControlResult(alpha, beta, qstar, nan, nan, nan, nan, nan, nan, False, math.inf, 0, nan, str(exc))
    phi = -0.5 * qhat0 * (qstar - q0) + S["G_S"] + alpha * Et["G_E"]
    resid = 0.0 if res is None else res.residual
    iters = 0 if res is None else res.iterations
    msg = "converged" if res is None else res.message
    return BinaryControlResult(alpha, beta, qstar, q0, qhat0, phi, E, Et["loglik"], phi - alpha * beta * Et["loglik"],
                               bool(ok), float(resid), int(iters), abs(E - E2), msg)


def binary_control_curve(alpha: float, beta: float, qstars: Sequence[float], *, init=None, tol: float = 1e-10,
                         order: int = DEFAULT_ORDER) -> Curve:
    """``E(q*)`` of the clipped centre with continuation (SM Fig. 3: alpha = 0.55, beta = 15)."""
    path = [{"qstar": float(q)} for q in qstars]
    return span(lambda p, x: solve_binary_control(alpha, beta, p["qstar"], init=x, tol=tol, order=order), path, init)
