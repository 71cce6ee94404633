"""Hopfield model, replica symmetric [amit1985], finite T and T = 0.

[manzan2021, slides 12-15] ("Many patterns"); derivation and corrections in
``docs/hopfield.md``. Spins ``v = +-1``, ``H = -(1/2N) sum_{i!=j} sum_mu xi^mu_i xi^mu_j v_i v_j``,
``M = alpha N`` random +-1 patterns, one condensed pattern with overlap ``m``.

Saddle-point equations (docs/hopfield.md Eqs. H2-H4; the slide's tanh
argument ``beta sqrt(alpha r) z + m`` lacks a factor ``beta`` on ``m``)::

    m = int Dz tanh(beta (m + sqrt(alpha r) z))
    q = int Dz tanh^2(beta (m + sqrt(alpha r) z))
    r = q / (1 - beta (1 - q))^2

Free energy per spin (H1)::

    f = alpha/2 + m^2/2 + alpha/(2 beta) [ln(1 - beta(1-q)) - beta q/(1 - beta(1-q))]
        + alpha beta r (1-q)/2 - (1/beta) int Dz ln 2cosh(beta (m + sqrt(alpha r) z))

``T = 0`` (H5)-(H7): ``m = erf(m / sqrt(2 alpha r))``, ``C = sqrt(2/(pi alpha r)) exp(-m^2/(2 alpha r))``,
``r = (1 - C)^-2``; with ``y = m / sqrt(2 alpha r)``: ``y (sqrt(2 alpha) + 2/sqrt(pi) e^{-y^2}) = erf(y)``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from scipy.special import erf

from theory.core import (
    ComputationError,
    Record,
    check_real,
    converge,
    errors_field,
    log2cosh,
    normal_rule,
    replace_with_accuracy,
    solve_to_accuracy,
)

__all__ = [
    "HopfieldRS",
    "solve_hopfield",
    "solve_hopfield_T0",
    "hopfield_free_energy",
    "hopfield_free_energy_T0",
    "hopfield_capacity",
    "hopfield_retrieval_temperature",
    "hopfield_glass_temperature",
    "hopfield_alpha_global",
    "HopfieldCapacity",
]

_ORDER = 48


def _rule(order: int):
    return normal_rule(order, "legendre", zmax=9.0, panels=8)


@dataclass(frozen=True, kw_only=True)
class HopfieldRS(Record):
    """RS saddle point of the Hopfield model (``C = beta (1 - q)``; at ``T = 0`` the limit).

    ``errors``: the error estimate of ``m``, ``q``, ``r``, ``C``, ``f`` (finite ``T``, ``error=True``):
    the difference between the saddle points at two quadrature orders
    (:func:`theory.core.solve_to_accuracy`) plus the residual propagated; ``order`` the order used.
    """

    alpha: float
    T: float
    m: float
    q: float
    r: float
    C: float
    f: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""
    order: int = -1
    errors: dict = errors_field()


_HOPFIELD_FIELDS = ("m", "q", "r", "C", "f")


def hopfield_free_energy(alpha: float, T: float, m: float, q: float, r: float, order: int = _ORDER) -> float:
    """AGS RS free energy per spin at ``T > 0`` (docs/hopfield.md Eq. H1), any (m, q, r).

    Examples
    --------
    >>> a, T = 0.1, 2.0   # paramagnet m = q = r = 0: f = alpha/2 + alpha T/2 ln(1 - 1/T) - T ln 2
    >>> f_para = a / 2 + a * T / 2 * math.log(1 - 1 / T) - T * math.log(2)
    >>> abs(hopfield_free_energy(a, T, 0.0, 0.0, 0.0) - f_para) < 1e-12
    True
    """
    beta = 1.0 / T
    rule = _rule(order)
    D = 1.0 - beta * (1.0 - q)
    if D <= 0:
        return math.nan
    x = beta * (m + math.sqrt(alpha * r) * rule.nodes)
    ent = float(rule.expect(log2cosh(x)))
    return (alpha / 2 + m * m / 2 + alpha / (2 * beta) * (math.log(D) - beta * q / D)
            + alpha * beta * r * (1 - q) / 2 - ent / beta)


def hopfield_free_energy_T0(alpha: float, m: float, r: float, C: float) -> float:
    """Ground-state energy per spin, ``T -> 0`` of (H1) with ``beta (1-q) -> C`` (Eq. H8).

    Examples
    --------
    >>> s = solve_hopfield_T0(1e-6)   # alpha -> 0: one stored pattern, e = -m^2/2 = -1/2
    >>> round(float(hopfield_free_energy_T0(1e-6, s.m, s.r, s.C)), 6)
    -0.5
    """
    s = math.sqrt(alpha * r)
    # E|m + s z| = m erf(m/(s sqrt2)) + 2 s G(m/s)
    Eabs = m * erf(m / (s * math.sqrt(2))) + 2 * s * math.exp(-m * m / (2 * s * s)) / math.sqrt(2 * math.pi)
    return alpha / 2 + m * m / 2 - alpha / (2 * (1 - C)) + alpha * r * C / 2 - Eabs


def solve_hopfield(alpha: float, T: float, init: dict | HopfieldRS | None = None, *, tol: float = 1e-11,
          order: int = _ORDER, retrieval: bool = True, error: bool = True, quad_rtol: float = 1e-7,
          max_order: int = 192) -> HopfieldRS:
    """RS saddle point at temperature ``T`` (``T = 0`` dispatches to :func:`solve_hopfield_T0`).

    Parameters
    ----------
    alpha
        Load ``M/N`` (> 0).
    T
        Temperature (>= 0).
    init
        Warm start (dict with m, q, r or a previous result).
    retrieval
        Start from ``m = 1`` (retrieval branch) or from ``m = 0`` (spin-glass/paramagnet).
    error, quad_rtol, max_order
        Estimate the error of every field (``errors``) from the saddle points at ``order // 2`` and
        ``order``, doubling the order up to ``max_order`` while an estimate exceeds ``quad_rtol``
        relative (``converged=False`` if it stays above); ``error=False``: one solve.

    Returns
    -------
    HopfieldRS
        ``m, q, r, C``, the free energy ``f`` and the solver diagnostics; ``converged=False`` also
        when a bound (``0 <= q <= 1``, ``|m| <= 1``, ``r >= 0``) is violated.

    Examples
    --------
    >>> r = solve_hopfield(1e-8, 0.5)   # alpha -> 0: the Curie-Weiss magnet, m = tanh(m / T)
    >>> r.converged, abs(r.m - math.tanh(r.m / 0.5)) < 1e-6, abs(r.m - 0.957504) < 1e-6
    (True, True, True)
    >>> abs(solve_hopfield(0.05, 2.0).m) < 1e-9   # above T_g = 1 + sqrt(alpha): paramagnet, even from m = 1
    True
    """
    alpha = check_real("alpha", alpha, gt=0)
    T = check_real("T", T, ge=0)
    if T == 0:
        return solve_hopfield_T0(alpha, init=init, retrieval=retrieval)
    if not error:
        return _solve_hopfield_at_order(alpha, T, init, tol, order, retrieval)
    ref = solve_to_accuracy(lambda o, warm: _solve_hopfield_at_order(alpha, T, warm if warm is not None else init,
                                                                     tol, o, retrieval),
                            order, fields=_HOPFIELD_FIELDS, max_order=max(order, max_order), rtol=quad_rtol,
                            atol=1e-3 * quad_rtol)
    return replace_with_accuracy(ref.result, ref, {"q": (0.0, 1.0), "m": (-1.0, 1.0), "r": (0.0, None)})


def _solve_hopfield_at_order(alpha: float, T: float, init, tol: float, order: int, retrieval: bool) -> HopfieldRS:
    beta = 1.0 / T
    rule = _rule(order)
    sq_a = math.sqrt(alpha)

    def update(x):
        m, r = x["m"], x["r"]
        t = np.tanh(beta * (m + sq_a * math.sqrt(max(r, 0.0)) * rule.nodes))
        m_new = float(rule.expect(t))
        q_new = float(rule.expect(t * t))
        D = 1.0 - beta * (1.0 - q_new)
        r_new = q_new / D**2 if D > 0 else math.inf
        return {"m": m_new, "q": q_new, "r": r_new}

    if isinstance(init, HopfieldRS):
        init = {"m": init.m, "q": init.q, "r": init.r}
    x0 = dict(init) if init else ({"m": 1.0, "q": 1.0, "r": 1.0} if retrieval else {"m": 0.0, "q": 0.5, "r": 1.0})
    res = converge(update, x0, tol=tol, damping=0.3, maxiter=20000, method="iterate", stall_window=2000)
    m, q, r = res["m"], res["q"], res["r"]
    f = hopfield_free_energy(alpha, T, m, q, r, order) if res.converged else math.nan
    return HopfieldRS(alpha=alpha, T=T, m=m, q=q, r=r, C=beta * (1 - q), f=f, converged=res.converged,
                      residual=res.residual, iterations=res.iterations, message=res.message, order=order)


def _alpha_of_y(y: float) -> float:
    """Load at which ``y = m/sqrt(2 alpha r)`` solves the T = 0 equations (Eq. H7)."""
    return ((erf(y) - 2 * y * math.exp(-y * y) / math.sqrt(math.pi)) / y) ** 2 / 2


def solve_hopfield_T0(alpha: float, init: Mapping[str, float] | HopfieldRS | None = None, *, retrieval: bool = True,
                      tol: float = 1e-13) -> HopfieldRS:
    """Zero-temperature RS solution (Eqs. H5-H7); ``converged=False`` above ``alpha_c``.

    The retrieval solution is the largest root ``y`` of
    ``y (sqrt(2 alpha) + 2/sqrt(pi) e^{-y^2}) = erf(y)`` (bracketed, Brent);
    ``retrieval=False`` returns the spin-glass solution ``m = 0``.

    Examples
    --------
    >>> solve_hopfield_T0(1e-3).m   # small load: perfect retrieval
    1.0
    >>> solve_hopfield_T0(0.2).message
    'no retrieval solution: alpha = 0.2 > alpha_c = 0.137906'
    >>> g = solve_hopfield_T0(0.1, retrieval=False)   # spin glass: sqrt(r) = 1 + sqrt(2 / (pi alpha))
    >>> g.m, abs(math.sqrt(g.r) - (1 + math.sqrt(2 / (math.pi * 0.1)))) < 1e-12
    (0.0, True)
    """
    alpha = check_real("alpha", alpha, gt=0)
    if retrieval:
        ac, yc = _alpha_c_y()
        if alpha > ac:
            return HopfieldRS.failure(f"no retrieval solution: alpha = {alpha} > alpha_c = {ac:.6f}", alpha=alpha,
                                      T=0.0, q=1.0, residual=math.inf, iterations=0)
        g = lambda y: _alpha_of_y(y) - alpha  # decreasing for y > yc
        hi = yc
        while g(hi) > 0:
            hi *= 2
        y = scipy.optimize.brentq(g, yc, hi, xtol=tol) if alpha < ac else yc
        m = float(erf(y))
        C = 2 * y * math.exp(-y * y) / (math.sqrt(math.pi) * m)
        r = (1 - C) ** -2
    else:
        # m = 0: C = sqrt(2/(pi alpha r)), r = (1-C)^-2 -> sqrt(r) = 1 + sqrt(2/(pi alpha))
        m = 0.0
        sr = 1 + math.sqrt(2 / (math.pi * alpha))
        r = sr * sr
        C = math.sqrt(2 / (math.pi * alpha * r))
    f = hopfield_free_energy_T0(alpha, m, r, C)
    # residual of the three equations, as an independent check
    s = math.sqrt(2 * alpha * r)
    res = max(abs(m - erf(m / s)), abs(C - math.sqrt(2 / (math.pi * alpha * r)) * math.exp(-m * m / s**2)),
              abs(r - (1 - C) ** -2) / r)
    ok = res < 1e-9
    return HopfieldRS(alpha=alpha, T=0.0, m=m, q=1.0, r=r, C=C, f=f, converged=ok, residual=res, iterations=0,
                      message="converged" if ok else "residual too large")


_AC_CACHE: list = []


def _alpha_c_y() -> tuple[float, float]:
    if not _AC_CACHE:
        opt = scipy.optimize.minimize_scalar(lambda y: -_alpha_of_y(y), bounds=(0.5, 3.0), method="bounded",
                                             options={"xatol": 1e-12})
        _AC_CACHE.append((-float(opt.fun), float(opt.x)))
    return _AC_CACHE[0]


@dataclass(frozen=True, kw_only=True)
class HopfieldCapacity(Record):
    """Retrieval capacity: largest load with a retrieval solution, and ``m`` there.

    ``errors``: the error estimate of ``alpha_c`` (``T`` for :func:`hopfield_retrieval_temperature`) and
    ``m_c``. At ``T = 0``: the maximiser's tolerance in ``y`` (``alpha_c`` is stationary there: half the
    curvature times its square). At ``T > 0``: the final bisection bracket, and for ``m_c`` the
    square-root singularity of ``m`` at the fold, ``m(x_c - w) - m_c ~ c sqrt(w)``, bounded by
    ``2.42 |m(x) - m(x - w)|`` from one more solve a bracket width ``w`` inside.
    """

    alpha_c: float
    m_c: float
    T: float
    converged: bool = True
    message: str = ""
    errors: dict = errors_field()


def _fold_m_error(solve_m, x: float, w: float) -> float:
    """Error of ``m`` at ``x``, within ``w`` of a fold where ``m - m_c ~ c sqrt(x_c - x)`` (see HopfieldCapacity)."""
    m0, m1 = solve_m(x), solve_m(x - w)
    if not (math.isfinite(m0) and math.isfinite(m1)):
        return math.inf
    return (1.0 + math.sqrt(2.0)) * abs(m1 - m0) + 1e-9


def hopfield_capacity(T: float = 0.0, *, tol: float = 1e-6) -> HopfieldCapacity:
    """Retrieval capacity ``alpha_c(T)`` [amit1985] (0.138 at T = 0).

    At ``T = 0``: maximum over ``y`` of ``alpha(y)`` (Eq. H7). At ``T > 0``: bisection
    in ``alpha`` on the existence of a retrieval solution (inverse of :func:`hopfield_retrieval_temperature`).

    Examples
    --------
    >>> c = hopfield_capacity()   # AGS: alpha_c = 0.138, m = 0.967 there
    >>> round(c.alpha_c, 3), round(c.m_c, 3)
    (0.138, 0.967)
    """
    T = check_real("T", T, ge=0, lt=1)
    if T == 0:
        ac, yc = _alpha_c_y()
        e_y = 2.0 * (1.5e-8 * abs(yc) + 1e-12)   # the bounded minimisation's final tolerance in y
        h = 1e-4
        curv = abs(_alpha_of_y(yc + h) - 2.0 * ac + _alpha_of_y(yc - h)) / (h * h)
        errs = {"alpha_c": float(0.5 * curv * e_y**2 + 1e-15),
                "m_c": 2.0 / math.sqrt(math.pi) * math.exp(-yc * yc) * e_y}
        return HopfieldCapacity(alpha_c=ac, m_c=float(erf(yc)), T=0.0, errors=errs)
    lo, hi = 1e-6, _alpha_c_y()[0]
    if not _has_retrieval(lo, T):
        raise ComputationError(f"no retrieval solution even at alpha = {lo} and T = {T}")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _has_retrieval(mid, T) else (lo, mid)
    s = solve_hopfield(lo, T, error=False)
    w = hi - lo

    def m_at(a):
        r = solve_hopfield(a, T, tol=1e-10, error=False)
        return r.m if r.converged and r.m > 1e-4 else math.nan

    errs = {"alpha_c": w, "m_c": _fold_m_error(m_at, lo, w) if lo - w > 0 else math.inf}
    return HopfieldCapacity(alpha_c=lo, m_c=s.m, T=T, converged=s.converged, message=s.message, errors=errs)


def _has_retrieval(alpha: float, T: float, m_min: float = 1e-4) -> bool:
    s = solve_hopfield(alpha, T, tol=1e-10, error=False)
    return bool(s.converged and s.m > m_min)


def hopfield_retrieval_temperature(alpha: float, *, tol: float = 1e-5) -> HopfieldCapacity:
    """Retrieval line ``T_M(alpha)``: highest T with a retrieval (``m > 0``) solution.

    Bisection in T on the existence of the retrieval branch (damped iteration from m = 1).
    AGS 1985: ``T_M -> 1`` as ``alpha -> 0``, ``T_M ~ 1 - 1.95 sqrt(alpha)``, ``T_M(alpha_c) = 0``.
    Returned as a :class:`HopfieldCapacity` with ``alpha_c = alpha`` and ``T = T_M``.

    Examples
    --------
    >>> t = hopfield_retrieval_temperature(0.01, tol=1e-2)   # AGS: T_M ~ 1 - 1.95 sqrt(0.01) = 0.805
    >>> t.converged, abs(t.T - 0.805) < 0.02
    (True, True)
    >>> hopfield_retrieval_temperature(0.2).converged   # above alpha_c(T = 0)
    False
    """
    alpha = check_real("alpha", alpha, gt=0)
    ac = _alpha_c_y()[0]
    if alpha >= ac:
        return HopfieldCapacity.failure(f"alpha = {alpha} >= alpha_c(T=0) = {ac:.6f}: no retrieval", alpha_c=alpha,
                                        T=0.0)
    lo, hi = 0.0, 1.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        ok = _has_retrieval(alpha, mid) if mid > 0 else True
        lo, hi = (mid, hi) if ok else (lo, mid)
    s = solve_hopfield(alpha, lo, error=False) if lo > 0 else solve_hopfield_T0(alpha)
    w = hi - lo

    def m_at(t):
        r = solve_hopfield(alpha, t, tol=1e-10, error=False) if t > 0 else solve_hopfield_T0(alpha)
        return r.m if r.converged and r.m > 1e-4 else math.nan

    errs = {"T": w, "m_c": _fold_m_error(m_at, lo, w) if lo - w >= 0 else math.inf}
    return HopfieldCapacity(alpha_c=alpha, m_c=s.m, T=lo, converged=s.converged, message=s.message, errors=errs)


def hopfield_glass_temperature(alpha: float) -> float:
    """Spin-glass transition ``T_g = 1 + sqrt(alpha)`` (AGS; paramagnet q = 0 unstable, docs Eq. H9).

    Examples
    --------
    >>> hopfield_glass_temperature(0.25), hopfield_glass_temperature(0.0)   # alpha = 0: the Curie-Weiss T_c
    (1.5, 1.0)
    """
    alpha = check_real("alpha", alpha, ge=0)
    return 1.0 + math.sqrt(alpha)


def hopfield_alpha_global() -> float:
    """Load below which retrieval is the global minimum at T = 0: ``e_retrieval(alpha) = e_glass(alpha)``.

    Crossing of (H8) on the two branches (:func:`solve_hopfield_T0` with ``retrieval`` True/False);
    AGS PRA 32, 1007 (1985): about 0.051.

    Examples
    --------
    >>> a = hopfield_alpha_global()
    >>> abs(a - 0.051) < 0.001, bool(abs(solve_hopfield_T0(a).f - solve_hopfield_T0(a, retrieval=False).f) < 1e-9)
    (True, True)
    """
    def d(a: float) -> float:
        return solve_hopfield_T0(a).f - solve_hopfield_T0(a, retrieval=False).f

    return float(scipy.optimize.brentq(d, 0.01, _alpha_c_y()[0] * 0.999, xtol=1e-12))
