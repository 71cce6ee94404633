"""Energy (training error) of the binarized configuration ``sign(m)`` of the stochastic perceptron.

Source: [baldassi2018, SM Eq. 21-30] ([baldassi2018, SM Sec. II]);
[baldassi2018, Eq. 9] and [baldassi2018, Fig. 2 left]. Derivation: ``docs/stochastic_perceptron_rs.md``.

At the RS saddle point ``(q0, qhat0, qhat1)`` of [baldassi2018, SM Eq. 15]:

    p       = int Dz < sign(m) m >_z          [baldassi2018, SM Eq. 28] (the printed hat-q_* is qhat1)
    p_tilde = int Dz < sign(m) >_z < m >_z    [baldassi2018, SM Eq. 29] (the printed z_0 is z)
    E       = int Dz < H( A(z, u) / sigma ) >_{u | z}        [baldassi2018, SM Eq. 30]
    A       = (p_tilde / sqrt(q0)) z + ((p - p_tilde) / sqrt(q* - q0)) u
    sigma^2 = 1 - p_tilde^2 / q0 - (p - p_tilde)^2 / (q* - q0)

where ``< . >_z`` is the site measure ``exp(a m^2 + b m)`` on [-1, 1]
(``a = (qhat1 - qhat0)/2``, ``b = sqrt(qhat0) z``) and ``< . >_{u|z}`` the
posterior ``Du H^beta(-(sqrt(q0) z + sqrt(q* - q0) u)/sqrt(1 - q*)) / Z_E``.
``sigma = 0`` (the binary-control case) is a step ``Theta(-A)``.

Site averages with ``sign(m)`` are split at ``m = 0``: on each half the
integral is mapped to [-1, 1] and done by
:func:`theory.core.quadrature.interval_moments` (the graded rule of
``interval_log_integral``, compiled), so
no rule ever straddles the jump of ``sign``.
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
    check_real,
    errors_field,
    interval_moments,
    legendre_nodes,
    replace_with_accuracy,
    solve_to_accuracy,
    span,
)
from theory.perceptron._rs_numerics import DEFAULT_ORDER, T_KINK, bc_kernel, check_order, e_rule, s_rule
from theory.perceptron.rs import RSResult, solve_rs

__all__ = ["BCEnergyResult", "bc_energy", "bc_energy_at", "bc_energy_curve", "bc_overlaps"]


def _half_terms(a: float, b: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """``log int_0^1 dm exp(a m^2 + b m)`` and ``<m>`` on [0, 1], via ``m = (1 + t)/2``, t in [-1, 1]."""
    A = 0.25 * a
    B = 0.5 * (a + b)
    # one compiled pass (same graded rule as interval_log_integral / interval_mean)
    logI, mom = interval_moments(np.full_like(B, A), B, kmax=1, order=order)
    logZ = math.log(0.5) + 0.25 * a + 0.5 * b + logI
    return logZ, 0.5 * (1.0 + mom[0])


def bc_overlaps(qhat0: float, qhat1: float, order: int = DEFAULT_ORDER) -> tuple[float, float]:
    """``(p, p_tilde)`` [baldassi2018, SM Eq. 28-29] at the conjugate parameters ``(qhat0, qhat1)``.

    Parameters
    ----------
    qhat0, qhat1
        Conjugate RS order parameters (``qhat0 >= 0``).
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    tuple of float
        ``p = int Dz <sign(m) m>`` and ``p_tilde = int Dz <sign(m)> <m>``.

    Examples
    --------
    >>> p, pt = bc_overlaps(0.0, 0.0)   # uniform m on [-1, 1]: p = <|m|> = 1/2, p_tilde = 0
    >>> round(p, 12), round(pt, 12)
    (0.5, 0.0)
    """
    z, w = s_rule(qhat0, qhat1, order)
    a = 0.5 * (qhat1 - qhat0)
    b = math.sqrt(max(qhat0, 0.0)) * z
    lp, mp_ = _half_terms(a, b, order)   # m in [0, 1]
    lm, mm_ = _half_terms(a, -b, order)  # m in [-1, 0], as m' = -m in [0, 1]
    top = np.maximum(lp, lm)
    wp = np.exp(lp - top)
    wm = np.exp(lm - top)
    Zs = wp + wm
    wp, wm = wp / Zs, wm / Zs
    abs_m = wp * mp_ + wm * mm_
    mean_m = wp * mp_ - wm * mm_
    sign_m = wp - wm
    return float(w @ abs_m), float(w @ (sign_m * mean_m))


def bc_energy_at(q0: float, qstar: float, beta: float, p: float, p_tilde: float,
                 order: int = DEFAULT_ORDER) -> tuple[float, float]:
    """``(E, sigma^2)`` [baldassi2018, SM Eq. 30] at given order parameters and overlaps.

    Parameters
    ----------
    q0, qstar, beta
        RS overlap, squared norm and inverse temperature.
    p, p_tilde
        Overlaps of :func:`bc_overlaps`.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    tuple of float
        The energy ``E`` and the variance ``sigma^2`` of the binarized-configuration field.

    Examples
    --------
    >>> E, var = bc_energy_at(0.3, 0.7, 0.0, 0.5, 0.0)   # beta = 0, p_tilde = 0: E = 1/2
    >>> round(E, 10)
    0.5
    """
    D = qstar - q0
    if q0 > 0.0:
        cz = p_tilde / math.sqrt(q0)
        var = 1.0 - p_tilde**2 / q0 - (p - p_tilde) ** 2 / D
    else:
        cz = 0.0
        var = 1.0 - p**2 / D
    cu = (p - p_tilde) / math.sqrt(D)
    if var < -1e-9:
        raise ComputationError(f"negative variance sigma^2 = {var:.3g} of the BC field (p={p}, p_tilde={p_tilde}, "
                               f"q0={q0}, q*={qstar}): the overlaps are inconsistent")
    sigma = math.sqrt(max(var, 0.0))
    z, w = e_rule(q0, qstar, order)
    glx, glw = legendre_nodes(order)
    vals = bc_kernel(z, math.sqrt(q0), math.sqrt(D), math.sqrt(1.0 - qstar), float(beta), cz, cu, sigma,
                     glx, glw, T_KINK)
    E = float(w @ vals)
    if not math.isfinite(E):
        raise ComputationError(f"non-finite BC energy at q0={q0}, q*={qstar}, beta={beta}")
    return E, var


@dataclass(frozen=True, kw_only=True)
class BCEnergyResult(Record, OrderParameters):
    """Energy of the binarized configuration [baldassi2018, SM Eq. 28-30] at an RS saddle point.

    ``error`` is ``|E(order) - E(order // 2)|`` at fixed order parameters; ``errors`` the error
    estimate of every reported field from the whole computation (saddle point included) at two
    quadrature orders (:func:`theory.core.solve_to_accuracy`), ``order`` the order reached.
    """

    alpha: float
    beta: float
    qstar: float
    p: float
    p_tilde: float
    E: float
    sigma2: float
    q0: float
    qhat0: float
    qhat1: float
    phi: float
    converged: bool
    residual: float
    error: float
    message: str = ""
    order: int = -1
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q0", "qhat0", "qhat1")


_BC_FIELDS = ("p", "p_tilde", "E", "sigma2", "q0", "qhat0", "qhat1", "phi")


def bc_energy(alpha: float, beta: float, qstar: float, *, init: Mapping[str, float] | RSResult | None = None,
              tol: float = 1e-10, order: int = DEFAULT_ORDER, error: bool = True, quad_rtol: float = 1e-6,
              max_order: int = 128) -> BCEnergyResult:
    """``p``, ``p_tilde`` and ``E`` [baldassi2018, SM Eq. 28-30] at ``(alpha, beta, q*)``.

    Solves the RS saddle point [baldassi2018, SM Eq. 15] first (:func:`theory.perceptron.rs.solve_rs`).

    Parameters
    ----------
    alpha, beta, qstar
        Load, inverse temperature, squared norm.
    init
        Warm start of the saddle point.
    tol, order
        Saddle-point tolerance and quadrature order.
    error, quad_rtol, max_order
        Estimate the error of every field (``errors``) from two orders, doubling the order up to
        ``max_order`` while an estimate exceeds ``quad_rtol`` relative; ``error=False``: one order.

    Returns
    -------
    BCEnergyResult
        ``error = |E(order) - E(order // 2)|``; ``converged=False`` with the reason on failure,
        when an error estimate stays above its tolerance, or when a bound (``0 <= E <= 1``,
        ``|p| <= 1``, ``sigma2 >= 0``, ``0 <= q0 <= q*``) is violated.

    Examples
    --------
    >>> r = bc_energy(0.55, 2.0, 0.7, order=8)
    >>> r.converged, 0.0 < r.E < 0.5
    (True, True)
    """
    order = check_order(order)

    def solve(o, warm):
        rs = solve_rs(alpha, beta, qstar, init=warm if warm is not None else init, tol=tol, order=o, error=False)
        known = dict(alpha=rs.alpha, beta=rs.beta, qstar=rs.qstar, q0=rs.q0, qhat0=rs.qhat0, qhat1=rs.qhat1,
                     phi=rs.phi, residual=rs.residual, order=o)
        if not rs.converged:
            return BCEnergyResult.failure("RS saddle point: " + rs.message, **known)
        try:
            p, pt = bc_overlaps(rs.qhat0, rs.qhat1, o)
            E, var = bc_energy_at(rs.q0, rs.qstar, rs.beta, p, pt, o)
            lo = max(4, o // 2)
            p2, pt2 = bc_overlaps(rs.qhat0, rs.qhat1, lo)
            E2, _ = bc_energy_at(rs.q0, rs.qstar, rs.beta, p2, pt2, lo)
        except ComputationError as exc:
            return BCEnergyResult.failure(str(exc), **known)
        return BCEnergyResult(p=p, p_tilde=pt, E=E, sigma2=var, converged=True, error=abs(E - E2), message="",
                              **known)

    if not error:
        return solve(order, None)
    ref = solve_to_accuracy(solve, order, fields=_BC_FIELDS, max_order=max(order, check_order(max_order)),
                            rtol=quad_rtol, atol=1e-3 * quad_rtol)
    bounds = {"E": (0.0, 1.0), "p": (-1.0, 1.0), "sigma2": (0.0, None), "q0": (0.0, qstar)}
    return replace_with_accuracy(ref.result, ref, bounds)


def bc_energy_curve(alpha: float, beta: float, qstars: Sequence[float], *,
                    init: Mapping[str, float] | RSResult | None = None, tol: float = 1e-10,
                    order: int = DEFAULT_ORDER) -> Curve:
    """``E(q*)`` [baldassi2018, SM Eq. 30] along ``qstars`` with continuation.

    The curve of [baldassi2018, Fig. 2] (left; alpha = 0.55, beta = 20).

    Parameters
    ----------
    alpha, beta
        Load and inverse temperature.
    qstars
        Squared norms of the stochastic perceptron's weights, in (0, 1); one point each.
    init, tol, order
        Warm start of the first point (an :class:`RSResult` or ``{q0, qhat0, qhat1}``),
        tolerance, quadrature order.

    Returns
    -------
    Curve
        One :class:`BCEnergyResult` per ``q*`` (``p``, ``p_tilde``, ``E`` and the RS point);
        each point starts from the previous one.

    Examples
    --------
    >>> c = bc_energy_curve(0.55, 2.0, [0.6, 0.7], order=8)
    >>> [p.converged for p in c.points]
    [True, True]
    """
    check_real("alpha", alpha, ge=0.0)
    path = [{"qstar": float(q)} for q in qstars]
    # warm start with the whole result (it carries q*, so solve_rs can move it to the new q*)
    return span(lambda prm, x: bc_energy(alpha, beta, prm["qstar"], init=x, tol=tol, order=order), path, init,
                warm=lambda r: r)
