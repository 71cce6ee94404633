"""Reference curves that frame the stochastic-perceptron plots.

* Gardner capacity of the spherical perceptron (Gardner 1988, Eq. for the
  zero-volume limit q -> 1): ``alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2``,
  ``alpha_c(0) = 2``.
* RS entropy of the solutions of the binary (Ising) perceptron (Gardner &
  Derrida 1988; Krauth & Mezard 1989), the ``beta = inf`` / hard-constraint
  analogue of SM Eq. (12) of seed 004 with ``m = sigma in {-1, 1}``:

      s(alpha) = extr_{q, qhat} -qhat (1 - q)/2 + int Dz log 2cosh(sqrt(qhat) z)
                 + alpha int Dz log H(-sqrt(q/(1-q)) z)

  with ``q = int Dz tanh^2(sqrt(qhat) z)`` and
  ``qhat = alpha/(1-q) int Dz GH(-sqrt(q/(1-q)) z)^2``. Its zero gives the
  Krauth-Mezard capacity ``alpha_c ~ 0.833`` (the entropy of the RS solution
  vanishes there; the 1RSB frozen solution gives the same threshold).
* RS (Gardner 1988) log-volume of the solutions of the spherical perceptron at
  zero margin, ``|m|^2 = N``:

      s(alpha) = extr_q 1/2 log(1 - q) + q/(2(1-q)) + alpha int Dz log H(-sqrt(q/(1-q)) z)

  stationary at ``q/(1-q) = alpha int Dz GH(-sqrt(q/(1-q)) z)^2``; ``q -> 1`` at
  ``alpha_c = 2``.

These are also the reference systems of the Franz-Parisi calculation
(:mod:`theory.perceptron.franz_parisi.solver`, seed 004 SM Eq. 39).

Derivation: ``docs/stochastic_perceptron_rs.md``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from scipy.optimize import brentq

from theory.core.params import check_real, check_int
from theory.core.quadrature import normal_rule
from theory.core.results import Record
from theory.core.solver import ComputationError, converge
from theory.core.special import GH, log2cosh, logH

__all__ = ["gardner_capacity", "gardner_energetic", "BinaryEntropyResult", "binary_entropy", "BinaryCapacityResult",
           "binary_capacity", "SphericalEntropyResult", "spherical_entropy"]


def gardner_capacity(kappa: float = 0.0, *, order: int = 16) -> float:
    """Gardner capacity ``alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2`` of the spherical perceptron.

    The integrand is a polynomial on each side of ``t = -kappa``; the composite
    Gauss-Legendre rule with a panel edge at ``-kappa`` integrates it exactly up
    to the truncation ``|t| <= 10`` of the Gaussian (relative error < 1e-20).
    """
    from theory.core.quadrature import dz_rule

    kappa = check_real("kappa", kappa, gt=-8.0, lt=8.0)
    z, w = dz_rule(check_int("order", order, ge=4), [-kappa])
    integrand = np.where(z > -kappa, (z + kappa) ** 2, 0.0)
    return float(1.0 / (w @ integrand))


@dataclass(frozen=True)
class BinaryEntropyResult(Record):
    """RS entropy of binary perceptron solutions at load ``alpha`` (Gardner-Derrida)."""

    alpha: float
    entropy: float
    q: float
    qhat: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""

    @property
    def values(self) -> dict[str, float]:
        return {"q": self.q, "qhat": self.qhat}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def gardner_energetic(q: float, order: int = 32) -> tuple[float, float]:
    """Gardner's energetic term at zero margin and its ``q``-derivative factor.

    Returns ``(int Dz log H(-sqrt(q/(1-q)) z), int Dz GH(-sqrt(q/(1-q)) z)^2)``
    (composite Gauss-Legendre, 16 panels on ``|z| <= 10``).
    """
    rule = normal_rule(order, "legendre", zmax=10.0, panels=16)
    y = -math.sqrt(q / (1.0 - q)) * rule.nodes
    return float(rule.weights @ logH(y)), float(rule.weights @ GH(y) ** 2)


def _terms(q: float, qhat: float, alpha: float, order: int) -> dict[str, float]:
    rule = normal_rule(order, "legendre", zmax=10.0, panels=16)
    z, w = rule.nodes, rule.weights
    kap = math.sqrt(q / (1.0 - q))
    t = np.tanh(math.sqrt(qhat) * z)
    gh = GH(-kap * z)
    return {
        "q": float(w @ (t * t)),
        "qhat": float(alpha / (1.0 - q) * (w @ (gh * gh))),
        "G_S": float(w @ log2cosh(math.sqrt(qhat) * z)),
        "G_E": float(w @ logH(-kap * z)),
    }


def binary_entropy(alpha: float, *, init: Mapping[str, float] | BinaryEntropyResult | None = None,
                   tol: float = 1e-12, order: int = 32) -> BinaryEntropyResult:
    """RS entropy of binary perceptron solutions (Gardner-Derrida / Krauth-Mezard), see module docstring."""
    alpha = check_real("alpha", alpha, gt=0.0, le=5.0)
    order = check_int("order", order, ge=8)
    if init is None:
        x0 = {"q": 0.5, "qhat": 1.0}
    elif isinstance(init, Mapping):
        x0 = {"q": float(init["q"]), "qhat": float(init["qhat"])}
    else:
        x0 = dict(init.values)

    def update(x):
        q = min(max(x["q"], 1e-12), 1.0 - 1e-12)
        T = _terms(q, max(x["qhat"], 0.0), alpha, order)
        return {"q": T["q"], "qhat": T["qhat"]}

    res = converge(update, x0, tol=tol, method="newton", maxiter=500)
    if not res.converged:
        res = converge(update, x0, tol=tol, method="auto", damping=0.5, maxiter=2000)
    q, qhat = res.values["q"], res.values["qhat"]
    ok = res.converged and 0.0 < q < 1.0 and qhat >= 0.0
    if not (0.0 < q < 1.0 and qhat >= 0.0):
        return BinaryEntropyResult(alpha, math.nan, q, qhat, False, res.residual, res.iterations,
                                   f"solution outside the domain: {res.message}")
    T = _terms(q, qhat, alpha, order)
    s = -0.5 * qhat * (1.0 - q) + T["G_S"] + alpha * T["G_E"]
    return BinaryEntropyResult(alpha, float(s), q, qhat, bool(ok), float(res.residual), int(res.iterations),
                               res.message)


@dataclass(frozen=True)
class BinaryCapacityResult(Record):
    """Krauth-Mezard capacity: the zero of the RS entropy of binary solutions."""

    alpha_c: float
    q: float
    converged: bool
    message: str = ""


def binary_capacity(*, tol: float = 1e-10, order: int = 32) -> BinaryCapacityResult:
    """``alpha_c`` with ``s(alpha_c) = 0`` (Brent's method on [0.7, 0.95], warm-started saddle points)."""
    state: dict[str, Any] = {"x": None}

    def s(alpha):
        r = binary_entropy(alpha, init=state["x"], order=order)
        if not r.converged:
            raise ComputationError(f"binary-perceptron saddle point failed at alpha={alpha}: {r.message}")
        state["x"] = r
        return r.entropy

    try:
        a = brentq(s, 0.7, 0.95, xtol=tol, rtol=1e-14)
    except ComputationError as exc:
        return BinaryCapacityResult(math.nan, math.nan, False, str(exc))
    r = binary_entropy(a, init=state["x"], order=order)
    return BinaryCapacityResult(float(a), r.q, r.converged, "")


@dataclass(frozen=True)
class SphericalEntropyResult(Record):
    """RS log-volume (per site) of the spherical perceptron's solutions at load ``alpha`` (Gardner 1988)."""

    alpha: float
    entropy: float
    q: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""

    @property
    def values(self) -> dict[str, float]:
        return {"q": self.q}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def spherical_entropy(alpha: float, *, init: Mapping[str, float] | SphericalEntropyResult | None = None,
                      tol: float = 1e-12, order: int = 32) -> SphericalEntropyResult:
    """RS (Gardner) solution of the spherical perceptron at zero margin, see module docstring.

    ``entropy`` is ``1/N log`` of the fraction of the sphere ``|m|^2 = N`` that
    classifies all patterns; ``q`` the overlap of two solutions.
    """
    alpha = check_real("alpha", alpha, gt=0.0, lt=2.0)
    order = check_int("order", order, ge=8)
    if init is None:
        x0 = {"q": min(0.5 * alpha, 0.9)}
    elif isinstance(init, Mapping):
        x0 = {"q": float(init["q"])}
    else:
        x0 = dict(init.values)

    def update(x):
        q = min(max(x["q"], 1e-12), 1.0 - 1e-12)
        r = alpha * gardner_energetic(q, order)[1]  # = q/(1-q) at the fixed point
        return {"q": r / (1.0 + r)}

    res = converge(update, x0, tol=tol, damping=0.3, method="auto")
    q = res.values["q"]
    if not 0.0 < q < 1.0:
        return SphericalEntropyResult(alpha, math.nan, q, False, res.residual, res.iterations,
                                      f"solution outside the domain 0 < q < 1: {res.message}")
    s = 0.5 * math.log(1.0 - q) + q / (2.0 * (1.0 - q)) + alpha * gardner_energetic(q, order)[0]
    return SphericalEntropyResult(alpha, float(s), q, bool(res.converged), float(res.residual),
                                  int(res.iterations), res.message)
