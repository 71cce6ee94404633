"""Reference curves that frame the stochastic-perceptron plots.

* Gardner capacity of the spherical perceptron ([gardner1988], the zero-volume
  limit q -> 1): ``alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2``,
  ``alpha_c(0) = 2``.
* RS entropy of the solutions of the binary (Ising) perceptron ([gardner1988];
  [krauth1989]), the ``beta = inf`` / hard-constraint analogue of
  [baldassi2018, SM Eq. 12] with ``m = sigma in {-1, 1}``:

      s(alpha) = extr_{q, qhat} -qhat (1 - q)/2 + int Dz log 2cosh(sqrt(qhat) z)
                 + alpha int Dz log H(-sqrt(q/(1-q)) z)

  with ``q = int Dz tanh^2(sqrt(qhat) z)`` and
  ``qhat = alpha/(1-q) int Dz GH(-sqrt(q/(1-q)) z)^2``. Its zero gives the
  Krauth-Mezard capacity ``alpha_c ~ 0.833`` (the entropy of the RS solution
  vanishes there; the 1RSB frozen solution gives the same threshold).
* RS ([gardner1988]) log-volume of the solutions of the spherical perceptron at
  zero margin, ``|m|^2 = N``:

      s(alpha) = extr_q 1/2 log(1 - q) + q/(2(1-q)) + alpha int Dz log H(-sqrt(q/(1-q)) z)

  stationary at ``q/(1-q) = alpha int Dz GH(-sqrt(q/(1-q)) z)^2``; ``q -> 1`` at
  ``alpha_c = 2``.

These are also the reference systems of the Franz-Parisi calculation
(:mod:`theory.perceptron.franz_parisi.solver`, [baldassi2018, SM Eq. 39]).

Derivation: ``docs/stochastic_perceptron_rs.md``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from theory.core import (
    GH,
    ComputationError,
    OrderParameters,
    Record,
    check_int,
    check_real,
    converge,
    dz_rule,
    log2cosh,
    logH,
    normal_rule,
)

__all__ = ["BinaryCapacityResult", "BinaryEntropyResult", "BinaryPerceptronTerms", "SphericalEntropyResult",
           "binary_capacity", "binary_entropy", "binary_perceptron_terms", "gardner_capacity", "gardner_energetic",
           "spherical_entropy"]


def gardner_capacity(kappa: float = 0.0, *, order: int = 16) -> float:
    """Gardner capacity ``alpha_c(kappa) = 1 / int_{-kappa}^inf Dt (t + kappa)^2`` of the spherical perceptron.

    The integrand is a polynomial on each side of ``t = -kappa``; the composite
    Gauss-Legendre rule with a panel edge at ``-kappa`` integrates it exactly up
    to the truncation ``|t| <= 10`` of the Gaussian (relative error < 1e-20) [gardner1988].

    Parameters
    ----------
    kappa
        Margin, ``|kappa| < 8``.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float
        The critical load ``alpha_c(kappa)`` of the spherical perceptron [gardner1988].

    Examples
    --------
    >>> round(gardner_capacity(0.0), 12)
    2.0
    """
    kappa = check_real("kappa", kappa, gt=-8.0, lt=8.0)
    z, w = dz_rule(check_int("order", order, ge=4), [-kappa])
    integrand = np.where(z > -kappa, (z + kappa) ** 2, 0.0)
    return float(1.0 / (w @ integrand))


@dataclass(frozen=True, kw_only=True)
class BinaryEntropyResult(Record, OrderParameters):
    """RS entropy of binary perceptron solutions at load ``alpha`` [gardner1988]."""

    alpha: float
    entropy: float
    q: float
    qhat: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""

    ORDER_PARAMETERS = ("q", "qhat")


def gardner_energetic(q: float, order: int = 32) -> tuple[float, float]:
    """Gardner's energetic term at zero margin and its ``q``-derivative factor.

    Returns ``(int Dz log H(-sqrt(q/(1-q)) z), int Dz GH(-sqrt(q/(1-q)) z)^2)``
    (composite Gauss-Legendre, 16 panels on ``|z| <= 10``) [gardner1988].

    Parameters
    ----------
    q
        Overlap of two solutions, in (0, 1).
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    tuple of float

    Examples
    --------
    >>> G, g2 = gardner_energetic(1e-12)   # q -> 0: log H(0) = -log 2
    >>> round(G, 6)
    -0.693147
    """
    rule = normal_rule(order, "legendre", zmax=10.0, panels=16)
    y = -math.sqrt(q / (1.0 - q)) * rule.nodes
    return float(rule.weights @ logH(y)), float(rule.weights @ GH(y) ** 2)


@dataclass(frozen=True, kw_only=True)
class BinaryPerceptronTerms(Record):
    """Terms of the RS entropy of binary perceptron solutions (module docstring) [gardner1988].

    ``q``, ``qhat``: the right-hand sides of the two saddle-point equations;
    ``G_S = int Dz log 2cosh(sqrt(qhat) z)``, ``G_E = int Dz log H(-sqrt(q/(1-q)) z)``.
    """

    q: float
    qhat: float
    G_S: float
    G_E: float


def binary_perceptron_terms(q: float, qhat: float, alpha: float, order: int = 32) -> BinaryPerceptronTerms:
    """Entropic and energetic terms of the binary perceptron's RS entropy and their updates [gardner1988].

    Parameters
    ----------
    q, qhat
        Order parameters (``0 < q < 1``, ``qhat >= 0``).
    alpha
        Load.
    order
        Gauss-Legendre nodes per panel (16 panels on ``|z| <= 10``).

    Returns
    -------
    BinaryPerceptronTerms

    Examples
    --------
    >>> T = binary_perceptron_terms(1e-12, 0.0, 0.5)   # q, qhat -> 0: G_S = log 2, G_E = -log 2
    >>> round(T.G_S, 12), round(T.G_E, 6)
    (0.69314718056, -0.693147)
    """
    rule = normal_rule(order, "legendre", zmax=10.0, panels=16)
    z, w = rule.nodes, rule.weights
    kap = math.sqrt(q / (1.0 - q))
    t = np.tanh(math.sqrt(qhat) * z)
    gh = GH(-kap * z)
    return BinaryPerceptronTerms(
        q=float(w @ (t * t)),
        qhat=float(alpha / (1.0 - q) * (w @ (gh * gh))),
        G_S=float(w @ log2cosh(math.sqrt(qhat) * z)),
        G_E=float(w @ logH(-kap * z)),
    )


def binary_entropy(alpha: float, *, init: Mapping[str, float] | BinaryEntropyResult | None = None,
                   tol: float = 1e-12, order: int = 32) -> BinaryEntropyResult:
    """RS entropy of binary perceptron solutions [gardner1988; krauth1989], see module docstring.

    Parameters
    ----------
    alpha
        Load, in (0, 5].
    init
        Warm start (dict with ``q``, ``qhat`` or a previous result).
    tol, order
        Tolerance and Gauss-Legendre nodes per panel.

    Returns
    -------
    BinaryEntropyResult
        The entropy of binary solutions, the overlap ``q`` and its conjugate ``qhat``;
        not converged (with the reason) when the iteration failed.

    Examples
    --------
    >>> r = binary_entropy(0.5)
    >>> r.converged, 0.0 < r.entropy < math.log(2)
    (True, True)
    """
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
        T = binary_perceptron_terms(q, max(x["qhat"], 0.0), alpha, order)
        return {"q": T.q, "qhat": T.qhat}

    res = converge(update, x0, tol=tol, method="hybr", maxiter=500)
    if not res.converged:
        res = converge(update, x0, tol=tol, method="auto", damping=0.5, maxiter=2000)
    q, qhat = res.values["q"], res.values["qhat"]
    ok = res.converged and 0.0 < q < 1.0 and qhat >= 0.0
    if not (0.0 < q < 1.0 and qhat >= 0.0):
        return BinaryEntropyResult.failure(f"solution outside the domain: {res.message}", alpha=alpha, q=q, qhat=qhat,
                                           residual=res.residual, iterations=res.iterations)
    T = binary_perceptron_terms(q, qhat, alpha, order)
    s = -0.5 * qhat * (1.0 - q) + T.G_S + alpha * T.G_E
    return BinaryEntropyResult(alpha=alpha, entropy=float(s), q=q, qhat=qhat, converged=bool(ok),
                               residual=float(res.residual), iterations=int(res.iterations), message=res.message)


@dataclass(frozen=True, kw_only=True)
class BinaryCapacityResult(Record):
    """Krauth-Mezard capacity [krauth1989]: the zero of the RS entropy of binary solutions."""

    alpha_c: float
    q: float
    converged: bool
    message: str = ""


def binary_capacity(*, tol: float = 1e-10, order: int = 32) -> BinaryCapacityResult:
    """``alpha_c`` with ``s(alpha_c) = 0`` [krauth1989] (Brent's method on [0.7, 0.95], warm-started saddle points).

    Parameters
    ----------
    tol
        Tolerance on ``alpha_c``.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    BinaryCapacityResult

    Examples
    --------
    >>> r = binary_capacity(tol=1e-6)
    >>> r.converged, round(r.alpha_c, 3)
    (True, 0.833)
    """
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
        return BinaryCapacityResult.failure(str(exc))
    r = binary_entropy(a, init=state["x"], order=order)
    return BinaryCapacityResult(alpha_c=float(a), q=r.q, converged=r.converged, message="")


@dataclass(frozen=True, kw_only=True)
class SphericalEntropyResult(Record, OrderParameters):
    """RS log-volume (per site) of the spherical perceptron's solutions at load ``alpha`` [gardner1988]."""

    alpha: float
    entropy: float
    q: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""

    ORDER_PARAMETERS = ("q",)


def spherical_entropy(alpha: float, *, init: Mapping[str, float] | SphericalEntropyResult | None = None,
                      tol: float = 1e-12, order: int = 32) -> SphericalEntropyResult:
    """RS (Gardner) solution of the spherical perceptron at zero margin, see module docstring.

    ``entropy`` is ``1/N log`` of the fraction of the sphere ``|m|^2 = N`` that
    classifies all patterns; ``q`` the overlap of two solutions [gardner1988].

    Parameters
    ----------
    alpha
        Load, in (0, 2).
    init
        Warm start (dict with ``q`` or a previous result).
    tol, order
        Tolerance and Gauss-Legendre nodes per panel.

    Returns
    -------
    SphericalEntropyResult
        The log-volume of the solutions and the overlap ``q`` (``entropy -> -inf`` as
        ``alpha -> 2``).

    Examples
    --------
    >>> r = spherical_entropy(1.0)
    >>> r.converged, r.entropy < 0.0
    (True, True)
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
        return SphericalEntropyResult.failure(f"solution outside the domain 0 < q < 1: {res.message}", alpha=alpha,
                                              q=q, residual=res.residual, iterations=res.iterations)
    s = 0.5 * math.log(1.0 - q) + q / (2.0 * (1.0 - q)) + alpha * gardner_energetic(q, order)[0]
    return SphericalEntropyResult(alpha=alpha, entropy=float(s), q=q, converged=bool(res.converged),
                                  residual=float(res.residual), iterations=int(res.iterations), message=res.message)
