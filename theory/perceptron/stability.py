"""Local stability of the RS solution of the stochastic perceptron and its critical temperature.

Source: [baldassi2018, SM Eq. 16-20]: the RS saddle point of
:mod:`theory.perceptron.rs` is locally stable iff ``alpha gamma_E gamma_S < 1`` with
``gamma_E = int Dz (d_h^2 log Z_E)^2`` [baldassi2018, SM Eq. 17] and
``gamma_S = int Dz (<m^2> - <m>^2)^2`` [baldassi2018, SM Eq. 18];
:func:`beta_c` is where the margin reaches 1 (the curve of [baldassi2018, SM Fig. 1]).
Derivation: ``docs/stochastic_perceptron_rs.md``.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy.optimize import brentq

from theory.core import (
    ComputationError,
    OrderParameters,
    Record,
    bound_violations,
    check_real,
    errors_field,
    replace_with_accuracy,
    solve_to_accuracy,
)
from theory.core.accuracy import SAFETY
from theory.perceptron._records import RSPointFields
from theory.perceptron._rs_numerics import DEFAULT_ORDER, as_rs_init, check_order, rescale_large_beta
from theory.perceptron.rs import RSResult, energetic_terms, entropic_terms, solve_rs, solve_rs_with_terms

__all__ = ["BetaCResult", "StabilityResult", "beta_c", "rs_stability", "stability_gammas"]


@dataclass(frozen=True, kw_only=True)
class StabilityResult(RSPointFields, OrderParameters):
    """RS local stability: ``margin = alpha gamma_E gamma_S`` [baldassi2018, SM Eq. 16]; stable iff margin < 1.

    ``error``: the change of the margin between ``order`` and ``order // 2`` at fixed order
    parameters; ``errors``: the error estimate of every reported field (``gamma_E``, ``gamma_S``,
    ``margin``, ``q0``, ``qhat0``, ``qhat1``) from the whole computation at two quadrature orders
    (:func:`theory.core.solve_to_accuracy`, the order doubled while an estimate is too large);
    ``order``: the quadrature order of the reported numbers.
    """

    gamma_E: float
    gamma_S: float
    margin: float
    stable: bool
    converged: bool
    residual: float
    error: float
    message: str = ""
    order: int = -1
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q0", "qhat0", "qhat1")


def stability_gammas(rs: RSResult, order: int | None = None) -> tuple[float, float, float]:
    """``(gamma_E, gamma_S, error)`` at a solved saddle point [baldassi2018, SM Eq. 17-18].

    Parameters
    ----------
    rs
        A converged :class:`theory.perceptron.rs.RSResult`.
    order
        Quadrature order (default: the order of ``rs``).

    Returns
    -------
    tuple of float
        ``gamma_E``, ``gamma_S`` and ``error``, the change of the margin
        ``alpha gamma_E gamma_S`` between ``order`` and ``order // 2``.

    Examples
    --------
    >>> from theory.perceptron.rs import solve_rs
    >>> gE, gS, err = stability_gammas(solve_rs(0.55, 2.0, 0.7, order=8, error=False))
    >>> gE > 0.0 and gS > 0.0
    True
    """
    order = rs.order if order is None else check_order(order)
    q0 = min(max(rs.q0, 0.0), rs.qstar * (1 - 1e-12))

    def at(o):
        E = energetic_terms(q0, rs.qstar, rs.beta, o)
        S = entropic_terms(max(rs.qhat0, 0.0), rs.qhat1, o)
        return E.gamma_E, S.gamma_S

    gE, gS = at(order)
    gE2, gS2 = at(max(4, order // 2))
    return gE, gS, abs(rs.alpha * (gE * gS - gE2 * gS2))


def rs_stability(alpha: float, beta: float, qstar: float, *, init: Mapping[str, float] | RSResult | None = None,
                 tol: float = 1e-10, order: int = DEFAULT_ORDER, error: bool = True,
                 quad_rtol: float = 1e-6, max_order: int = 128) -> StabilityResult:
    """RS local stability at ``(alpha, beta, q*)``: ``gamma_E``, ``gamma_S``, margin [baldassi2018, SM Eq. 16-20].

    Parameters
    ----------
    alpha, beta, qstar
        Load, inverse temperature, squared norm (as :func:`theory.perceptron.rs.solve_rs`).
    init
        Warm start of the saddle point.
    tol, order
        Saddle-point tolerance and quadrature order.
    error, quad_rtol, max_order
        Estimate the error of every field (``errors``) from solves at two orders, doubling the
        order up to ``max_order`` while an estimate exceeds ``quad_rtol`` relative
        (:func:`theory.core.solve_to_accuracy`); ``error=False``: one solve at ``order``.

    Returns
    -------
    StabilityResult
        ``stable`` iff ``margin = alpha gamma_E gamma_S < 1``; ``converged=False`` when the
        saddle point failed, an error estimate stays above its tolerance or a bound
        (``gamma_E, gamma_S >= 0``, ``0 <= q0 <= q*``) is violated.

    Examples
    --------
    >>> r = rs_stability(0.55, 2.0, 0.7, order=8)
    >>> r.converged, r.stable
    (True, True)
    """
    def solve(o, warm):
        rs = solve_rs(alpha, beta, qstar, init=warm if warm is not None else init, tol=tol, order=o, error=False)
        known = dict(alpha=rs.alpha, beta=rs.beta, qstar=rs.qstar, q0=rs.q0, qhat0=rs.qhat0, qhat1=rs.qhat1,
                     residual=rs.residual, order=o)
        if not rs.converged:
            return StabilityResult.failure(rs.message, stable=False, **known)
        gE, gS, err = stability_gammas(rs)
        margin = rs.alpha * gE * gS
        return StabilityResult(gamma_E=gE, gamma_S=gS, margin=margin, stable=bool(margin < 1.0), converged=True,
                               error=err, message="", **known)

    order = check_order(order)
    if not error:
        return solve(order, None)
    ref = solve_to_accuracy(solve, order, fields=("gamma_E", "gamma_S", "margin", "q0", "qhat0", "qhat1"),
                            max_order=max(order, check_order(max_order)), rtol=quad_rtol, atol=1e-3 * quad_rtol)
    bounds = {"gamma_E": (0.0, None), "gamma_S": (0.0, None), "q0": (0.0, qstar)}
    return replace_with_accuracy(ref.result, ref, bounds)


@dataclass(frozen=True, kw_only=True)
class BetaCResult(Record, OrderParameters):
    """``beta_c(alpha, q*)``: where the RS margin ``alpha gamma_E gamma_S`` reaches 1 [baldassi2018, SM Eq. 16].

    ``margin_error``: the change of the margin at the root between ``order`` and ``order // 2`` at
    fixed order parameters; ``errors``: the error estimate of ``beta_c``, ``q0``, ``qhat0``, ``qhat1``
    (see :func:`beta_c`); ``order``: the quadrature order of the reported numbers.
    """

    alpha: float
    qstar: float
    beta_c: float
    converged: bool
    q0: float = math.nan
    qhat0: float = math.nan
    qhat1: float = math.nan
    margin_error: float = math.nan
    message: str = ""
    order: int = -1
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q0", "qhat0", "qhat1")


_BETA_C_FIELDS = ("beta_c", "q0", "qhat0", "qhat1")


def _beta_c_errors(alpha: float, qstar: float, root: float, rsr: RSResult, *, tol: float, order: int,
                   xtol: float) -> dict[str, float]:
    """Error estimates of a root ``beta_c`` found at quadrature ``order`` and of its order parameters.

    The margin of the saddle point re-solved at ``order // 2`` (``2 order`` if that is below 4) differs from 1
    by ``dm``; divided by the slope ``d margin / d beta`` (one-sided difference at ``order``) this is
    the shift of the root between the two orders, plus the Newton step ``|margin - 1| / slope`` to
    the root at this order (the root finder's residual), both times :data:`theory.core.accuracy.SAFETY`.
    The order parameters get their own change between the two orders plus ``|d x / d beta|`` times
    the error of ``beta_c``. ``xtol`` only sets the finite-difference step of the slope.
    """
    low = order // 2 if order // 2 >= 4 else 2 * order
    rs_lo, S_lo, E_lo = solve_rs_with_terms(alpha, root, qstar, init=rsr, tol=tol, order=low, error=False)
    h = max(1e-4 * root, 10.0 * xtol * root)
    rs_h, S_h, E_h = solve_rs_with_terms(alpha, root + h, qstar, init=rsr, tol=tol, order=order, error=False)
    rs_0, S_0, E_0 = solve_rs_with_terms(alpha, root, qstar, init=rsr, tol=tol, order=order, error=False)
    if not (rs_lo.converged and rs_h.converged and rs_0.converged):
        return {f: math.inf for f in _BETA_C_FIELDS}
    m0 = alpha * E_0.gamma_E * S_0.gamma_S
    slope = (alpha * E_h.gamma_E * S_h.gamma_S - m0) / h
    dm = abs(alpha * E_lo.gamma_E * S_lo.gamma_S - m0)
    if not (math.isfinite(slope) and slope != 0.0):
        return {f: math.inf for f in _BETA_C_FIELDS}
    # |m0 - 1| / slope: the Newton step to the root at this order (the root finder's own error,
    # within xtol); the saddle-point tolerance moves the margin by about 10 tol
    e_beta = SAFETY * (dm + abs(m0 - 1.0) + 10.0 * tol) / abs(slope) + 1e-13 * root
    out = {"beta_c": e_beta}
    for k in ("q0", "qhat0", "qhat1"):
        x0 = getattr(rs_0, k)
        dxdb = (getattr(rs_h, k) - x0) / h
        out[k] = SAFETY * abs(getattr(rs_lo, k) - x0) + abs(dxdb) * e_beta + 10.0 * tol * max(1.0, abs(x0))
    return out


def beta_c(alpha: float, qstar: float, *, beta_start: float = 1.0, beta_max: float = 500.0,
           init: Mapping[str, float] | RSResult | None = None, tol: float = 1e-10, order: int = DEFAULT_ORDER,
           xtol: float = 1e-6,
           ratio: float = 1.25, error: bool = True, quad_rtol: float = 1e-6, max_order: int = 128) -> BetaCResult:
    """Critical inverse temperature of the RS solution: ``alpha gamma_E gamma_S = 1`` [baldassi2018, SM Eq. 16].


    The saddle point is continued along ``beta`` on a geometric grid (``ratio``,
    default 1.25) from ``beta_start`` until the margin exceeds 1, then the root is
    bracketed and found by Brent's method (relative ``xtol`` in ``beta``),
    each evaluation warm-started from the nearest solved point. If the margin
    at ``beta_start`` already exceeds 1, the grid goes downwards. Reports
    ``converged=False`` with the reason when a saddle point fails or no
    crossing is found below ``beta_max``. Along a curve in ``q*``, pass the
    previous point's result as ``init`` with ``beta_start`` at its ``beta_c`` and
    a small ``ratio`` (e.g. 1.1): the bracket is then found in one or two steps
    (the curve of [baldassi2018, SM Fig. 1]).

    Parameters
    ----------
    alpha, qstar
        Load (> 0) and squared norm, in (0, 1).
    beta_start, beta_max, ratio
        Start, end and ratio of the geometric scan in ``beta``.
    init
        Warm start of the first saddle point.
    tol, order
        Saddle-point tolerance and quadrature order.
    xtol
        Relative tolerance of the root in ``beta``.
    error, quad_rtol, max_order
        Estimate the error of ``beta_c`` and of the order parameters (``errors``): the root's
        shift between ``order`` and ``order // 2`` (the margin's change over its slope in
        ``beta``) plus the root tolerance; while the estimate of ``beta_c`` exceeds
        ``quad_rtol * beta_c`` the order is doubled (up to ``max_order``) and the root re-found in a
        narrow bracket around the previous one. Physical bounds: ``beta_start``/``beta_max`` bracket,
        ``0 <= q0 <= q*``, ``qhat1 >= 0``. ``error=False``: one root at ``order``, no estimate.

    Returns
    -------
    BetaCResult

    Examples
    --------
    >>> r = beta_c(0.55, 0.5, order=8, beta_max=5.0)   # RS stays stable up to beta = 5 here
    >>> r.converged, "no crossing" in r.message
    (False, True)
    >>> r = beta_c(0.6, 0.9, order=8, beta_start=15.0)   # with its error estimate vs a higher order
    >>> ref = beta_c(0.6, 0.9, order=32, beta_start=15.0, error=False, xtol=1e-10)
    >>> r.converged, abs(r.beta_c - ref.beta_c) <= r.errors["beta_c"] <= 1e-6 * r.beta_c
    (True, True)
    """
    alpha = check_real("alpha", alpha, gt=0.0)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    beta_start = check_real("beta_start", beta_start, gt=0.0)
    beta_max = check_real("beta_max", beta_max, gt=beta_start, le=1e4)
    ratio = check_real("ratio", ratio, gt=1.0, le=4.0)
    order = check_order(order)

    def margin_at(b, x):
        if isinstance(x, RSResult) and x.converged:
            # large-beta scaling of the RS solution (docs/stochastic_perceptron_rs.md, Sec. 9)
            x = rescale_large_beta(x.values, qstar, b / x.beta)
        rs, S, E = solve_rs_with_terms(alpha, b, qstar, init=x, tol=tol, order=order, error=False)
        if not rs.converged:
            raise ComputationError(f"RS saddle point failed at beta={b:.6g}: {rs.message}")
        # gamma_E, gamma_S from the solve's own last kernel pass; the order//2 error
        # estimate only at the root
        return alpha * E.gamma_E * S.gamma_S - 1.0, rs, math.nan

    x = as_rs_init(init)
    try:
        b = beta_start
        f, rs, _ = margin_at(b, x)
        x = rs
        ratio = ratio if f < 0 else 1.0 / ratio
        fmax, bmax = f, b
        while True:
            bn = b * ratio
            if bn > beta_max or bn < 1e-3:
                where = (f"below beta_max={beta_max}: RS locally stable on the whole scan" if ratio > 1
                         else "above beta=1e-3")
                return BetaCResult.failure(f"no crossing of margin=1 {where} (largest margin {fmax + 1:.3g} at "
                                           f"beta={bmax:.4g}; margin {f + 1:.3g} at beta={b:.4g})",
                                           alpha=alpha, qstar=qstar, q0=rs.q0, qhat0=rs.qhat0, qhat1=rs.qhat1)
            fn, rsn, _ = margin_at(bn, x)
            if fn > fmax:
                fmax, bmax = fn, bn
            if (fn < 0) != (f < 0):
                break
            b, f, x, rs = bn, fn, rsn, rsn
        lo, hi = (b, bn) if b < bn else (bn, b)
        cache = {"x": rs}

        def g(bb):
            val, r, _ = margin_at(bb, cache["x"])
            cache["x"] = r
            return val

        root = brentq(g, lo, hi, xtol=xtol * lo, rtol=1e-12, maxiter=100)
        _, rsr, _ = margin_at(root, cache["x"])
        err = stability_gammas(rsr)[2]
        out = BetaCResult(alpha=alpha, qstar=qstar, beta_c=float(root), converged=True, q0=rsr.q0, qhat0=rsr.qhat0,
                          qhat1=rsr.qhat1, margin_error=err, message="", order=order)
    except ComputationError as exc:
        return BetaCResult.failure(str(exc), alpha=alpha, qstar=qstar, order=order)
    if not error:
        return out
    errs = _beta_c_errors(alpha, qstar, out.beta_c, rsr, tol=tol, order=order, xtol=xtol)
    if not errs["beta_c"] <= quad_rtol * out.beta_c and 2 * order <= check_order(max_order):
        # refine: the root at the doubled order, in a narrow bracket around this one
        step = 1.0 + min(max(4.0 * errs["beta_c"] / out.beta_c, 1e-3), 0.2) if math.isfinite(errs["beta_c"]) else 1.1
        finer = beta_c(alpha, qstar, beta_start=out.beta_c / step, beta_max=max(beta_max, out.beta_c * step**3),
                       init=rsr, tol=tol, order=2 * order, xtol=xtol, ratio=step, error=True, quad_rtol=quad_rtol,
                       max_order=max_order)
        if finer.converged or math.isfinite(finer.beta_c):
            return finer
    msgs = []
    if not errs["beta_c"] <= quad_rtol * out.beta_c:
        msgs.append(f"error estimate of beta_c = {errs['beta_c']:.3g} exceeds its tolerance "
                    f"{quad_rtol * out.beta_c:.3g} at the maximum order {order}")
    viol = bound_violations(out, {"beta_c": (1e-3, beta_max),
                                  "q0": (0.0, qstar), "qhat1": (0.0, None)}, errs)
    if viol:
        msgs.append("physical bound violated: " + "; ".join(viol))
    return dataclasses.replace(out, errors=errs, converged=not msgs, message="; ".join(msgs))
