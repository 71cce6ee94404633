"""beta -> infinity limit of the RS theory of the stochastic binary perceptron (beyond the paper).

Source: [baldassi2018, SM Eq. 12-20] and [baldassi2018, SM Eq. 28-30] at
``beta -> infinity``; derivation in ``docs/stochastic_perceptron_rs.md``,
Sec. 10. With the scaling of the frozen branch

    q* - q0 = chi / beta,   qhat0 = beta^2 Rhat,   qhat1 - qhat0 = beta Ahat   (Ahat = -A < 0)

the RS free entropy per ``beta`` tends to

    phi_0 = extr_{chi, Rhat, A}  -(chi Rhat - q* A)/2 + int Dz max_{|m|<=1} [-A m^2/2 + sqrt(Rhat) z m]
                                 + alpha int Dz max_y [log H(-y/s) - (y - sqrt(q*) z)^2 / (2 chi)],

``s = sqrt(1 - q*)``: a clipped box maximiser ``m*(z) = clip(z / t, -1, 1)`` with
threshold ``t = A / sqrt(Rhat)``, and the Moreau envelope of ``log H`` whose
maximiser (the proximal point) solves ``y - h = (chi/s) GH(-y/s)``. The
stationarity conditions reduce to

    q*  = int Dz min(z^2/t^2, 1)                                 (fixes t from q* alone)
    (1 - 2H(t))^2 / t^2 = alpha int Dz (y* - h)^2,  h = sqrt(q*) z   (one equation for chi)
    A = (1 - 2H(t)) / chi,   Rhat = A^2 / t^2,

and ``phi_0 = alpha int Dz log H(-y*/s)``: the largest mean log-likelihood per
pattern (times alpha) on the sphere ``sum m^2 = q* N`` in the box. The limits of
the stability margin [baldassi2018, SM Eq. 16-20] and of the BC energy [baldassi2018, SM Eq. 28-30] are

    margin_0 = alpha int Dz [kappa / (1 + kappa)]^2 / (1 - 2H(t)),
               kappa = (chi/s^2) GH(x) (GH(x) - x),  x = -y*/s
    E_0 = int Dz H( [ (p/sqrt(q*)) z + c (y* - h)/chi ] / sqrt(1 - p^2/q*) ),
          p = int Dz min(|z|/t, 1),  c/chi = sqrt(2/pi) t / (1 - 2H(t)).

The last term of ``E_0`` is the limit of ``(p - p_tilde)/(q* - q0) (y - h)``
with ``beta (p - p_tilde) -> sqrt(2/pi)/sqrt(Rhat)``: the BC field keeps a
reaction term even at zero temperature.

This is the limit of the branch that freezes (``q0 -> q*``), which the finite-beta
solution of :func:`theory.perceptron.rs.solve_rs` follows for q* below
~0.9 at alpha ~ 0.55; for q* near 1 it follows a non-freezing branch instead
(see the docs), and the limit is not uniform in q*.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from theory.core import (
    ComputationError,
    Curve,
    H,
    Record,
    check_int,
    check_real,
    dz_rule,
    errors_field,
    logG,
    replace_with_accuracy,
    solve_to_accuracy,
    span,
)
from theory.perceptron._rs_numerics import DEFAULT_ORDER, prox_log_h

__all__ = ["ProxTerms", "ZeroTemperatureResult", "prox_terms", "solve_zero_temperature", "zero_temperature_curve",
           "zero_temperature_threshold"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


# ---------------------------------------------------------------------------
# entropic side: the clipped box maximiser
# ---------------------------------------------------------------------------
def _one_minus_qstar(t: float, order: int = 16) -> float:
    """``1 - int Dz min(z^2/t^2, 1) = int Dz max(0, 1 - z^2/t^2)`` (no cancellation), on the
    composite Legendre Dz rule with panel edges at the kinks ``z = +-t``."""
    z, w = dz_rule(order, (-t, t))
    return float(w @ np.maximum(0.0, 1.0 - (z / t) ** 2))


def zero_temperature_threshold(qstar: float) -> float:
    """Threshold ``t`` of the clipped maximiser ``m* = clip(z/t, -1, 1)``: ``int Dz m*^2 = q*``.

    ``int Dz min(z^2/t^2, 1)`` decreases from 1 (t -> 0) to 0 (t -> inf); the root is
    found by Brent's method in ``log t`` (``docs/stochastic_perceptron_rs.md``, Sec. 10).

    Parameters
    ----------
    qstar
        Squared norm, in (0, 1).

    Returns
    -------
    float
        The threshold ``t > 0`` with ``int Dz min(z^2/t^2, 1) = q*``.

    Examples
    --------
    >>> from theory.core.quadrature import dz_rule
    >>> t = zero_temperature_threshold(0.5)
    >>> z, w = dz_rule(32, (-t, t))
    >>> round(float(w @ np.minimum(z * z / t**2, 1.0)), 10)
    0.5
    """
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    f = lambda lt: _one_minus_qstar(math.exp(lt)) - (1.0 - qstar)
    lo, hi = -40.0, 40.0
    return math.exp(brentq(f, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=200))


def _box_terms(t: float) -> tuple[float, float]:
    """``P(|z| < t)`` and ``p = int Dz min(|z|/t, 1)`` (overlap of m* with its sign)."""
    inside = 1.0 - 2.0 * float(H(t))
    # int_{|z|<t} |z|/t Dz = 2 (G(0) - G(t)) / t
    g0 = math.exp(float(logG(0.0)))
    gt = math.exp(float(logG(t)))
    p = 2.0 * (g0 - gt) / t + 2.0 * float(H(t))
    return inside, p


# ---------------------------------------------------------------------------
# energetic side: the proximal point of log H
# ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProxTerms(Record):
    """Energetic integrals of the zero-temperature RS equations at ``chi`` (module docstring).

    Attributes
    ----------
    disp2
        ``int Dz (y* - h)^2``.
    loglik
        ``int Dz log H(-y*/s)``.
    stab
        ``int Dz [kappa/(1+kappa)]^2`` (the limit of ``gamma_E`` [baldassi2018, SM Eq. 17]).
    z, w, y, h
        The Dz rule and the node values of ``y*`` and ``h = sqrt(q*) z`` (for the BC energy).
    """

    disp2: float
    loglik: float
    stab: float
    z: np.ndarray
    w: np.ndarray
    y: np.ndarray
    h: np.ndarray


def prox_terms(chi: float, qstar: float, order: int = DEFAULT_ORDER) -> ProxTerms:
    """Energetic integrals of the zero-temperature RS equations at ``chi`` (module docstring).

    The Dz rule has panel edges at the scale ``s/sqrt(q*)`` of the kink of log H.

    Parameters
    ----------
    chi
        ``lim beta (q* - q0)`` (> 0).
    qstar
        Squared norm, in (0, 1).
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    ProxTerms

    Examples
    --------
    >>> P = prox_terms(1e-9, 0.5)   # chi -> 0: y* -> h, no displacement
    >>> P.disp2 < 1e-12
    True
    """
    s = math.sqrt(1.0 - qstar)
    sq = math.sqrt(qstar)
    scale = s / sq
    z, w = dz_rule(order, np.array([-6.0, -3.0, -1.5, -0.5, 0.0, 0.5, 1.5, 3.0, 6.0]) * max(scale, 0.05))
    h = sq * z
    out = prox_log_h(h, float(chi), s)
    if not np.all(np.isfinite(out)):
        raise ComputationError(f"non-finite proximal point at chi={chi}, qstar={qstar}")
    y, lh, kap = out
    d = y - h
    return ProxTerms(disp2=float(w @ (d * d)), loglik=float(w @ lh), stab=float(w @ (kap / (1.0 + kap)) ** 2),
                     z=z, w=w, y=y, h=h)


# ---------------------------------------------------------------------------
# the solution
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ZeroTemperatureResult(Record):
    """beta -> infinity limit of the RS saddle point (docs Sec. 10).

    ``chi = lim beta (q* - q0)``, ``R_hat = lim qhat0 / beta^2``,
    ``A_hat = lim (qhat1 - qhat0) / beta`` (negative), ``t`` the threshold of the
    clipped maximiser, ``phi0 = lim phi / beta = alpha loglik``, ``loglik`` the
    limit of the mean log-likelihood per pattern, ``margin`` the limit of
    ``alpha gamma_E gamma_S`` [baldassi2018, SM Eq. 16], ``p`` and ``E`` the limits of the BC
    overlap (``p = p_tilde``) and BC energy [baldassi2018, SM Eq. 28-30]. ``residual`` is the
    relative residual of the chi equation, ``error`` the change of ``phi0``
    between ``order`` and ``order // 2``; ``errors`` the error estimate of every reported field
    from the whole solve at two quadrature orders (:func:`theory.core.solve_to_accuracy`; ``order``
    is the order reached).
    """

    alpha: float
    qstar: float
    chi: float
    R_hat: float
    A_hat: float
    t: float
    phi0: float
    loglik: float
    margin: float
    stable: bool
    p: float
    E: float
    converged: bool
    residual: float
    error: float
    order: int
    message: str = ""
    errors: dict = errors_field()


_ZT_FIELDS = ("chi", "R_hat", "A_hat", "phi0", "loglik", "margin", "p", "E")


def _solve_chi(alpha: float, qstar: float, t: float, inside: float, order: int) -> tuple[float, ProxTerms]:
    """``chi`` from ``alpha int Dz (y* - h)^2 = (1 - 2H(t))^2 / t^2`` (increasing in chi)."""
    target = inside * inside / (t * t)
    f = lambda lc: math.log(alpha * prox_terms(math.exp(lc), qstar, order).disp2) - math.log(target)
    lo, hi = -2.0, 2.0
    for _ in range(100):
        if f(lo) < 0:
            break
        lo -= 4.0
    else:
        raise ComputationError("zero-temperature chi equation: no lower bracket")
    for _ in range(100):
        if f(hi) > 0:
            break
        hi += 4.0
    else:
        raise ComputationError("zero-temperature chi equation: no upper bracket")
    lc = brentq(f, lo, hi, xtol=1e-14, rtol=1e-15, maxiter=200)
    chi = math.exp(lc)
    return chi, prox_terms(chi, qstar, order)


def _bc_energy_limit(qstar: float, t: float, inside: float, p: float, P: ProxTerms) -> float:
    sigma2 = 1.0 - p * p / qstar
    if sigma2 <= 0.0:
        raise ComputationError(f"zero-temperature BC field variance {sigma2:.3g} <= 0 at q*={qstar}")
    c_over_chi = _SQRT_2_OVER_PI * t / inside
    arg = ((p / math.sqrt(qstar)) * P.z + c_over_chi * (P.y - P.h)) / math.sqrt(sigma2)
    return float(P.w @ H(arg))


def solve_zero_temperature(alpha: float, qstar: float, *, order: int = DEFAULT_ORDER, error: bool = True,
                           quad_rtol: float = 1e-6, max_order: int = 128) -> ZeroTemperatureResult:
    """Zero-temperature (beta -> infinity) RS solution at ``(alpha, q*)`` (docs Sec. 10).

    Parameters
    ----------
    alpha
        Load ``M/N`` (> 0).
    qstar
        Squared norm of the control variables, in (0, 1).
    order
        Gauss-Legendre nodes per panel of the Dz rule.
    error, quad_rtol, max_order
        Estimate the error of every field (``errors``) from two orders, doubling the order up to
        ``max_order`` while an estimate exceeds ``quad_rtol`` relative; ``error=False``: one order.

    Returns
    -------
    ZeroTemperatureResult
        ``converged=False`` with a message if a root could not be bracketed, a
        value is not finite, an error estimate stays above its tolerance or a bound
        (``chi, R_hat >= 0``, ``loglik, phi0 <= 0``, ``0 <= E <= 1``) is violated.

    Examples
    --------
    >>> r = solve_zero_temperature(0.55, 0.7, order=8)
    >>> r.converged, r.loglik < 0.0
    (True, True)
    """
    alpha = check_real("alpha", alpha, gt=0.0)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    order = check_int("order", order, ge=4, le=128)
    if not error:
        return _solve_zero_temperature_at_order(alpha, qstar, order)
    ref = solve_to_accuracy(lambda o, warm: _solve_zero_temperature_at_order(alpha, qstar, o), order,
                            fields=_ZT_FIELDS, max_order=max(order, check_int("max_order", max_order, ge=4, le=128)),
                            rtol=quad_rtol, atol=1e-3 * quad_rtol)
    bounds = {"chi": (0.0, None), "R_hat": (0.0, None), "loglik": (None, 0.0), "phi0": (None, 0.0), "E": (0.0, 1.0)}
    return replace_with_accuracy(ref.result, ref, bounds)


def _solve_zero_temperature_at_order(alpha: float, qstar: float, order: int) -> ZeroTemperatureResult:
    try:
        t = zero_temperature_threshold(qstar)
        inside, p = _box_terms(t)
        chi, P = _solve_chi(alpha, qstar, t, inside, order)
        A = inside / chi
        R = (A / t) ** 2
        phi0 = alpha * P.loglik
        margin = alpha * P.stab / inside
        E = _bc_energy_limit(qstar, t, inside, p, P)
        resid = abs(alpha * P.disp2 * t * t / (inside * inside) - 1.0)
        lo = max(4, order // 2)
        chi2, P2 = _solve_chi(alpha, qstar, t, inside, lo)
        err = abs(alpha * P2.loglik - phi0)
        vals = (chi, R, A, phi0, margin, E)
        if not all(math.isfinite(v) for v in vals):
            raise ComputationError(f"non-finite zero-temperature solution {vals}")
    except ComputationError as exc:
        return ZeroTemperatureResult.failure(str(exc), alpha=alpha, qstar=qstar, residual=math.inf, order=order)
    return ZeroTemperatureResult(alpha=alpha, qstar=qstar, chi=chi, R_hat=R, A_hat=-A, t=t, phi0=phi0,
                                 loglik=P.loglik, margin=margin, stable=bool(margin < 1.0), p=p, E=E,
                                 converged=bool(resid < 1e-10), residual=resid, error=err, order=order,
                                 message="converged" if resid < 1e-10 else f"chi equation residual {resid:.2g}")


def zero_temperature_curve(alpha: float, qstars: Sequence[float], *, order: int = DEFAULT_ORDER) -> Curve:
    """:func:`solve_zero_temperature` along ``qstars`` (no warm start needed: each point is a 1-d root).

    Parameters
    ----------
    alpha
        Load (> 0).
    qstars
        Squared norms, in (0, 1).
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    Curve

    Examples
    --------
    >>> c = zero_temperature_curve(0.55, [0.6, 0.7], order=8)
    >>> [p.converged for p in c.points]
    [True, True]
    """
    path = [{"qstar": float(q)} for q in qstars]
    return span(lambda prm, x: solve_zero_temperature(alpha, prm["qstar"], order=order), path, None)
