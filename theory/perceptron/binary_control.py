"""Stochastic perceptron with binary control variables ``m_i = sqrt(q*) sigma_i`` (Ising version).

Source: [baldassi2018, SM Eq. 40] ([baldassi2018, SM Sec. IV])
and [baldassi2018, SM Fig. 3] (alpha = 0.55, beta = 15). The paper only states that the
analysis "can be easily adapted"; the RS equations below are derived in
``docs/stochastic_perceptron_rs.md`` (Sec. "Binary control").

Gibbs weight ``exp(beta L(sigma))`` with
``L(sigma) = sum_mu log H(-sqrt(q*/(1-q*)) sum_i sigma_i x_i^mu / sqrt(N))`` [baldassi2018, SM Eq. 40].
With ``q_ab = q* Q_ab`` the energetic term is exactly ``G_E(q0; q*, beta)``
of [baldassi2018, SM Eq. 14]; the entropic term is the Ising one, and the diagonal
multiplier ``qhat1`` drops out (the norm is fixed by ``sigma^2 = 1``):

    phi = extr_{q0, qhat0} -qhat0 (q* - q0)/2 + int Dz log 2cosh(sqrt(qhat0 q*) z) + alpha G_E(q0)
    q0    = q* int Dz tanh^2(sqrt(qhat0 q*) z)
    qhat0 = -2 alpha dG_E/dq0

The energy of the clipped centre ``sign(m) = sigma`` is [baldassi2018, SM Eq. 30] with
``p = sqrt(q*)``, ``p_tilde = q0/sqrt(q*)``, for which ``sigma_E^2 = 0``:

    E = int Dz < Theta(-(sqrt(q0) z + sqrt(q* - q0) u)) >_{u|z}.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from theory.core import (
    ComputationError,
    Curve,
    OrderParameters,
    Record,
    check_choice,
    converge,
    dz_rule,
    errors_field,
    legendre_nodes,
    log2cosh,
    replace_with_accuracy,
    solve_to_accuracy,
    span,
)
from theory.perceptron._rs_numerics import DEFAULT_ORDER, T_KINK, bc_kernel, check_order, e_rule, validate_rs_args
from theory.perceptron.rs import energetic_terms

__all__ = ["BinaryControlRSResult", "IsingTerms", "binary_control_curve", "clipped_energy", "ising_terms",
           "solve_binary_control"]


@dataclass(frozen=True, kw_only=True)
class IsingTerms(Record):
    """Ising entropic term of the binary-control model and its overlap (module docstring).

    Attributes
    ----------
    G_S
        ``int Dz log 2cosh(sqrt(qhat0 q*) z)``.
    q0
        ``q* int Dz tanh^2(sqrt(qhat0 q*) z)``.
    """

    G_S: float
    q0: float


def ising_terms(qhat0: float, qstar: float, order: int = DEFAULT_ORDER) -> IsingTerms:
    """Ising entropic term ``int Dz log 2cosh(sqrt(qhat0 q*) z)`` and ``q0 = q* int Dz tanh^2``.

    The entropic side of the binary-control model [baldassi2018, SM Eq. 40] (module docstring).

    Parameters
    ----------
    qhat0
        Conjugate of ``q0`` (>= 0).
    qstar
        Squared norm ``q*``.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    IsingTerms

    Examples
    --------
    >>> T = ising_terms(0.0, 0.5)   # no field: G_S = log 2, q0 = 0
    >>> round(T.G_S, 12), T.q0
    (0.69314718056, 0.0)
    """
    c = math.sqrt(max(qhat0, 0.0) * qstar)
    z, w = dz_rule(order, np.array([-4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0]) / max(c, 1e-300))
    t = np.tanh(c * z)
    return IsingTerms(G_S=float(w @ log2cosh(c * z)), q0=float(qstar * (w @ (t * t))))


def clipped_energy(q0: float, qstar: float, beta: float, order: int = DEFAULT_ORDER) -> float:
    """Training error of ``sigma``: [baldassi2018, SM Eq. 30] at ``sigma_E = 0`` (module docstring;
    [baldassi2018, SM Fig. 3]).

    Parameters
    ----------
    q0, qstar, beta
        RS overlap, squared norm and inverse temperature.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float
        The training error ``E`` of the clipped centre ``sigma`` (fraction of
        misclassified patterns, in [0, 1]).

    Examples
    --------
    >>> round(clipped_energy(0.3, 0.7, 0.0), 10)   # beta = 0: a random sign, E = 1/2
    0.5
    """
    z, w = e_rule(q0, qstar, order)
    glx, glw = legendre_nodes(order)
    sq = math.sqrt(qstar)
    vals = bc_kernel(z, math.sqrt(q0), math.sqrt(qstar - q0), math.sqrt(1.0 - qstar), float(beta),
                     math.sqrt(q0) / sq, math.sqrt(qstar - q0) / sq, 0.0, glx, glw, T_KINK)
    E = float(w @ vals)
    if not math.isfinite(E):
        raise ComputationError(f"non-finite clipped-centre energy at q0={q0}, q*={qstar}, beta={beta}")
    return E


@dataclass(frozen=True, kw_only=True)
class BinaryControlRSResult(Record, OrderParameters):
    """RS saddle point of the binary-control model and the energy ``E`` of ``sigma``.

    ``loglik`` is the mean log-likelihood per pattern, ``entropy = phi - alpha beta loglik``
    (between 0 and log 2, computed as ``-qhat0 (q* - q0)/2 + G_S + alpha entropy_E`` without the
    cancellation of two terms ``~ alpha beta``); ``error`` = ``|E(order) - E(order // 2)|`` at fixed
    order parameters; ``errors`` the error estimate of every reported field from the whole solve at
    two quadrature orders (:func:`theory.core.solve_to_accuracy`), ``order`` the order reached.
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
    order: int = -1
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q0", "qhat0")


_BINARY_CONTROL_FIELDS = ("q0", "qhat0", "phi", "E", "loglik", "entropy")


def solve_binary_control(alpha: float, beta: float, qstar: float, *,
                         init: Mapping[str, float] | BinaryControlRSResult | None = None, tol: float = 1e-10,
                         order: int = DEFAULT_ORDER, method: str = "hybr", maxiter: int = 400, error: bool = True,
                         quad_rtol: float = 1e-6, max_order: int = 128) -> BinaryControlRSResult:
    """RS saddle point of the binary-control stochastic perceptron and ``E`` of the clipped centre.

    The model of [baldassi2018, SM Eq. 40] (module docstring): ``q0`` from the Ising
    entropic term, ``qhat0 = -2 alpha dG_E/dq0`` [baldassi2018, SM Eq. 15], energy
    [baldassi2018, SM Eq. 30] at ``sigma_E = 0``.

    Parameters
    ----------
    alpha, beta, qstar
        Load, inverse temperature, squared norm ``q*`` of ``m = sqrt(q*) sigma``.
    init
        Warm start (dict with ``q0``, ``qhat0`` or a previous result).
    tol, order, maxiter
        Tolerance, quadrature order, evaluation cap.
    method
        Method of :func:`theory.core.solver.converge`: ``"hybr"`` (default; falls back to
        damped ``"auto"`` if it fails), ``"iterate"`` or ``"auto"``.
    error, quad_rtol, max_order
        Estimate the error of every field (``errors``) from two orders, doubling the order up to
        ``max_order`` while an estimate exceeds ``quad_rtol`` relative; ``error=False``: one order.

    Returns
    -------
    BinaryControlRSResult
        ``converged=False`` when the solve failed, an error estimate stays above its tolerance,
        or a bound is violated (``0 <= E <= 1``, ``0 <= entropy <= log 2``, ``loglik <= 0``,
        ``0 <= q0 <= q*``, ``qhat0 >= 0``).

    Examples
    --------
    >>> r = solve_binary_control(0.55, 2.0, 0.7, order=8)
    >>> r.converged, 0.0 < r.E < 0.5
    (True, True)
    """
    alpha, beta, qstar, tol, order = validate_rs_args(alpha, beta, qstar, tol, order)
    check_choice("method", method, {"hybr", "iterate", "auto"})

    def solve(o, warm):
        return _solve_binary_control_at_order(alpha, beta, qstar, warm if warm is not None else init, tol, o, method,
                                              maxiter)

    if not error:
        return solve(order, None)
    ref = solve_to_accuracy(solve, order, fields=_BINARY_CONTROL_FIELDS, max_order=max(order, check_order(max_order)),
                            rtol=quad_rtol, atol=1e-3 * quad_rtol)
    bounds = {"E": (0.0, 1.0), "entropy": (0.0, math.log(2.0) * (1 + 1e-12)), "loglik": (None, 0.0),
              "q0": (0.0, qstar), "qhat0": (0.0, None)}
    return replace_with_accuracy(ref.result, ref, bounds)


def _solve_binary_control_at_order(alpha, beta, qstar, init, tol, order, method, maxiter) -> BinaryControlRSResult:
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
        return {"q0": ising_terms(qhat0, qstar, order).q0, "qhat0": -2.0 * alpha * E.dG_E_dq0}

    try:
        if alpha == 0.0 or beta == 0.0:
            q0, qhat0 = 0.0, 0.0
            res = None
        else:
            res = converge(update, x0, tol=tol, method=method, maxiter=maxiter)
            if not res.converged and method == "hybr":
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
        return BinaryControlRSResult.failure(str(exc), alpha=alpha, beta=beta, qstar=qstar, residual=math.inf,
                                             iterations=0, order=order)
    phi = -0.5 * qhat0 * (qstar - q0) + S.G_S + alpha * Et.G_E
    resid = 0.0 if res is None else res.residual
    iters = 0 if res is None else res.iterations
    msg = "converged" if res is None else res.message
    return BinaryControlRSResult(alpha=alpha, beta=beta, qstar=qstar, q0=q0, qhat0=qhat0, phi=phi, E=E,
                                 loglik=Et.loglik, entropy=-0.5 * qhat0 * (qstar - q0) + S.G_S + alpha * Et.entropy_E,
                                 converged=bool(ok), residual=float(resid), iterations=int(iters), error=abs(E - E2),
                                 message=msg, order=order)


def binary_control_curve(alpha: float, beta: float, qstars: Sequence[float], *,
                         init: Mapping[str, float] | BinaryControlRSResult | None = None, tol: float = 1e-10,
                         order: int = DEFAULT_ORDER) -> Curve:
    """``E(q*)`` of the clipped centre [baldassi2018, SM Eq. 30, 40] with continuation.

    The curve of [baldassi2018, SM Fig. 3] (alpha = 0.55, beta = 15).

    Parameters
    ----------
    alpha, beta
        Load and inverse temperature.
    qstars
        Squared norms of the continuous centre ``m`` (``sigma = sign(m)``), in (0, 1).
    init, tol, order
        Warm start of the first point (``{q0, qhat0}``), tolerance, quadrature order.

    Returns
    -------
    Curve
        One :class:`BinaryControlRSResult` per ``q*`` (the energy ``E`` of ``sigma`` and the
        RS point of the binary-control model).

    Examples
    --------
    >>> c = binary_control_curve(0.55, 2.0, [0.6, 0.7], order=8)
    >>> [p.converged for p in c.points]
    [True, True]
    """
    path = [{"qstar": float(q)} for q in qstars]
    return span(lambda p, x: solve_binary_control(alpha, beta, p["qstar"], init=x, tol=tol, order=order), path, init)
