"""Error estimates of every reported number, automatic order refinement, physical bounds.

One mechanism for all theory results (issue 21): a model solves its saddle point at
quadrature order ``n`` with a callable ``solve(order, init) -> result``;
:func:`solve_to_accuracy` solves at a lower order ``low(n)`` and at ``n`` (warm-started),
estimates the error of *each* reported field as the difference between the two solves
plus the solver residual propagated (:func:`field_errors`), and raises the order
(doubling, up to ``max_order``) while an estimate exceeds its tolerance
``atol + rtol |value|``. If the maximum order does not resolve a field, or a solve
fails at every order, the outcome says so (``converged=False`` and a message naming
the field, its estimate and the tolerance). :func:`bound_violations` checks physical
bounds (an entropy below its ``alpha = 0`` value, ``0 <= E <= 1``, ``0 <= q <= q*``,
...) before a result may be called converged; a value outside a bound by more than its
error estimate is reported by name.

The estimate ``2 |X(n) - X(low(n))|`` bounds the error of ``X(n)`` when the quadrature
converges at least geometrically with a ratio below 2/3 between the two orders (the
Gauss rules of :mod:`theory.core.quadrature` converge exponentially in the order on
the smooth panels they are built for); ``tests/test_theory_properties.py`` checks it
against solves at higher orders over the valid parameter ranges.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from theory.core.results import Record

__all__ = ["OrderRefinement", "bound_violations", "errors_field", "field_errors", "replace_with_accuracy",
           "residual_sensitivity", "solve_to_accuracy"]

ERRORS_PREFIX = "err_"
SAFETY = 2.0  # the error estimate is SAFETY times the difference between two orders (plus the residual term)


def errors_field() -> Any:
    """The ``errors`` field of a result record: per-field error estimates by name (empty if not estimated).

    Flattened into ``err_<name>`` columns by :meth:`theory.core.results.Record.flat` (CSV, tables).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, kw_only=True)
    ... class R(Record):
    ...     phi: float
    ...     errors: dict = errors_field()
    >>> R(phi=1.0, errors={"phi": 1e-9}).flat()
    {'phi': 1.0, 'err_phi': 1e-09}
    """
    return field(default_factory=dict, compare=False, metadata={"flatten": ERRORS_PREFIX})


def _value(obj: Any, name: str) -> float:
    v = obj[name] if isinstance(obj, Mapping) else getattr(obj, name)
    return float(v)


def field_errors(result: Any, reference: Any, fields: Sequence[str], *, residual: float = 0.0,
                 safety: float = SAFETY) -> dict[str, float]:
    """Error estimate of each field: ``safety |result.f - reference.f| + residual * max(1, |result.f|)``.

    ``reference`` is the same solve at another quadrature order; ``residual`` the
    relative residual of the saddle-point solve (a first-order propagation: a relative
    perturbation of the order parameters of size ``residual`` moves a smooth function of
    them by about ``residual`` times its scale). ``safety`` (default :data:`SAFETY`) covers a
    convergence in the order that is not monotone (two orders agreeing by accident). A field
    that is not finite in either record has an infinite estimate, unless both are the same
    infinity (an exact limit).

    Examples
    --------
    >>> field_errors({"phi": 1.0, "q": 0.5}, {"phi": 1.0 + 1e-7, "q": 0.5}, ["phi", "q"])["phi"] < 2.1e-7
    True
    """
    out = {}
    for f in fields:
        a, b = _value(result, f), _value(reference, f)
        if math.isfinite(a) and math.isfinite(b):
            out[f] = safety * abs(a - b) + abs(float(residual)) * max(1.0, abs(a))
        elif a == b:  # the same infinity on both sides: an exact limit
            out[f] = 0.0
        else:
            out[f] = math.inf
    return out


def bound_violations(values: Any, bounds: Mapping[str, tuple[float | None, float | None]],
                     errors: Mapping[str, float] | None = None) -> list[str]:
    """The physical bounds that ``values`` violate by more than their error estimate, as messages.

    ``bounds[name] = (lower, upper)`` (``None``: no bound on that side). A value ``x``
    with error ``e`` violates ``lower`` if ``x + e < lower`` and ``upper`` if
    ``x - e > upper``; a NaN violates every bound.

    Examples
    --------
    >>> bound_violations({"E": 1.2, "q": 0.3}, {"E": (0.0, 1.0), "q": (0.0, 0.5)})
    ['E = 1.2 > 1 (upper bound of E)']
    >>> bound_violations({"E": 1.2}, {"E": (0.0, 1.0)}, {"E": 0.5})   # within its error estimate
    []
    """
    errors = errors or {}
    out = []
    for name, (lo, hi) in bounds.items():
        x = _value(values, name)
        e = float(errors.get(name, 0.0))
        e = e if math.isfinite(e) else 0.0
        if math.isnan(x):
            out.append(f"{name} is NaN")
            continue
        if lo is not None and x + e < lo:
            out.append(f"{name} = {x:.10g} < {lo:.10g} (lower bound of {name})")
        if hi is not None and x - e > hi:
            out.append(f"{name} = {x:.10g} > {hi:.10g} (upper bound of {name})")
    return out


@dataclass(frozen=True, kw_only=True)
class OrderRefinement(Record):
    """Outcome of :func:`solve_to_accuracy`.

    Attributes
    ----------
    result
        The solve at the final order (the model's own record; ``None`` if every solve failed).
    errors
        Error estimate of each checked field at the final order (``inf`` when the lower-order
        solve failed).
    order
        The final quadrature order.
    orders
        Every order solved, in sequence.
    converged
        The final solve converged and every estimate is within its tolerance.
    message
        Why not, naming the field, its estimate and the tolerance.
    """

    result: Any
    errors: dict
    order: int
    orders: tuple[int, ...]
    converged: bool
    message: str = ""


def _default_low(n: int) -> int:
    return max(4, n // 2)


def solve_to_accuracy(solve: Callable[[int, Any], Any], order: int, *, fields: Sequence[str], max_order: int,
                      rtol: float = 1e-6, atol: float = 1e-9, low: Callable[[int], int] = _default_low,
                      residual: Callable[[Any], float] | None = None,
                      tolerances: Mapping[str, float] | None = None,
                      propagate: Callable[[Any], Mapping[str, float]] | None = None) -> OrderRefinement:
    """Solve at rising quadrature orders until every field's error estimate is within tolerance.

    Parameters
    ----------
    solve
        ``solve(order, init) -> result`` with a ``converged`` attribute and the ``fields``;
        ``init`` is ``None`` or a converged result of another order (a warm start).
    order
        The requested (first) order ``n``; the error estimate compares it with ``low(n)``.
    fields
        Names of the reported quantities whose errors are estimated and checked.
    max_order
        The order is doubled (capped at ``max_order``) while an estimate exceeds its tolerance;
        a solve that fails is retried once at the doubled order (a rule too coarse for the
        integrand), a second failure ends the refinement.
    rtol, atol
        Tolerance of a field ``x``: ``atol + rtol * |x|``.
    low
        The comparison order of the first solve (default ``max(4, n // 2)``); after a
        refinement the previous order is the comparison.
    residual
        ``residual(result)``: the solver's relative residual, propagated into every estimate
        (:func:`field_errors`); default ``result.residual`` if present, else 0.
    tolerances
        Per-field absolute tolerances overriding ``atol + rtol |x|``.
    propagate
        ``propagate(result) -> {field: error}``: the model's own propagation of the solver
        residual into each field (e.g. :func:`residual_sensitivity`), used instead of the
        first-order ``residual * max(1, |x|)``; warm-started solves share their solver error,
        which the difference between two orders does not see.

    Returns
    -------
    OrderRefinement

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> from theory.core.quadrature import dz_rule
    >>> def solve(order, init):   # E[cos(3 z)] = exp(-9/2) by an order-n Gauss rule
    ...     z, w = dz_rule(order)
    ...     return SimpleNamespace(converged=True, residual=0.0, m=float(w @ np.cos(3 * z)))
    >>> out = solve_to_accuracy(solve, 4, fields=["m"], max_order=64, rtol=0.0, atol=1e-12)
    >>> out.converged, out.order > 4, abs(out.result.m - np.exp(-4.5)) <= out.errors["m"] <= 1e-12
    (True, True, True)
    """
    tolerances = tolerances or {}
    res_of = residual or (lambda r: float(getattr(r, "residual", 0.0)))
    n = int(order)
    orders: list[int] = []
    lo_n = low(n)
    prev = None
    failures = 0
    if lo_n < n:
        prev = solve(lo_n, None)
        orders.append(lo_n)
        if not getattr(prev, "converged", False):
            prev = None
    while True:
        cur = solve(n, prev)
        orders.append(n)
        ok = bool(getattr(cur, "converged", False))
        if ok and prev is not None:
            r = res_of(cur)
            if propagate is None:
                errs = field_errors(cur, prev, fields, residual=r if math.isfinite(r) else 0.0)
            else:
                errs = field_errors(cur, prev, fields)
                extra = propagate(cur)
                errs = {f: errs[f] + float(extra.get(f, 0.0)) for f in fields}
        else:
            errs = {f: math.inf for f in fields}
        bad = []
        if ok:
            for f in fields:
                x = _value(cur, f)
                tol = tolerances.get(f, atol + rtol * (abs(x) if math.isfinite(x) else 0.0))
                if not errs[f] <= tol:
                    bad.append((f, errs[f], tol))
        if ok and not bad:
            return OrderRefinement(result=cur, errors=errs, order=n, orders=tuple(orders), converged=True)
        failures += 0 if ok else 1
        if n >= max_order or failures > 1:
            if not ok:
                msg = (f"not converged at quadrature order {n} (orders tried {orders}): "
                       f"{getattr(cur, 'message', '')}")
            else:
                msg = "; ".join(f"quadrature error estimate of {f} = {e:.3g} exceeds its tolerance {t:.3g}"
                                for f, e, t in bad) + f" at the maximum order {n} (orders tried {orders})"
            return OrderRefinement(result=cur, errors=errs, order=n, orders=tuple(orders), converged=False,
                                   message=msg)
        prev = cur if ok else None
        n = min(2 * n, int(max_order))


def residual_sensitivity(evaluate: Callable[[Mapping[str, float]], Mapping[str, float]], x: Mapping[str, float],
                         residual: float, *, scale: Mapping[str, float] | None = None,
                         amplification: float = 10.0) -> dict[str, float]:
    """Propagate a saddle-point solver's residual into every reported field by one-sided differences.

    The solver stops at a relative residual ``residual`` (``max |F(x) - x| / max(1, |x|)``),
    so each order parameter ``x_k`` is known to about ``delta_k = amplification * residual * scale_k``
    (default scale ``max(1, |x_k|)``; ``amplification`` allows for the distance to the root being
    larger than the residual, ``|J^-1|`` times it, by up to a factor 10 by default). The fields
    are re-evaluated at ``x + delta_k e_k`` at the same quadrature order and
    ``sum_k |f(x + delta_k e_k) - f(x)|`` is returned per field (the order
    parameters themselves get ``delta_k``). This catches quantities that are not stationary in
    the order parameters and are very sensitive to them (an entropy at ``q0 -> q*``).

    Parameters
    ----------
    evaluate
        ``evaluate(x) -> {field: value}`` at fixed order parameters ``x``.
    x
        The solution.
    residual
        The solver's relative residual (a floor of 1e-15 is applied: rounding).
    scale
        Per-parameter scale of the perturbation (default ``max(1, |x_k|)``).

    Returns
    -------
    dict

    Examples
    --------
    >>> def ev(x):
    ...     return {"f": 1e6 * x["q"], "g": x["q"] ** 2}
    >>> e = residual_sensitivity(ev, {"q": 0.5}, 1e-10)
    >>> round(e["f"] / 1e-3, 6), e["q"]
    (1.0, 1e-09)
    """
    residual = max(float(residual), 1e-15) if math.isfinite(residual) else math.inf
    base = dict(evaluate(x))
    out = {f: 0.0 for f in base}
    for k, v in x.items():
        dk = amplification * residual * (scale[k] if scale and k in scale else max(1.0, abs(v)))
        out[k] = out.get(k, 0.0) + dk
        if not math.isfinite(dk):
            out = {f: math.inf for f in out}
            break
        y = dict(x)
        y[k] = v + dk
        try:
            ev = evaluate(y)
        except (ArithmeticError, ValueError) as exc:
            raise ValueError(f"residual_sensitivity: evaluation at a perturbed {k} failed: {exc}") from exc
        for f in base:
            d = abs(float(ev[f]) - float(base[f]))
            out[f] += d if math.isfinite(d) else math.inf
    return out


def replace_with_accuracy(result: Any, refinement: OrderRefinement, bounds: Mapping[str, tuple] | None = None,
                          **extra: Any) -> Any:
    """``result`` with its ``errors``, ``order``, and ``converged``/``message`` from the refinement and the bounds.

    Used by the models after :func:`solve_to_accuracy`; a violated bound or an unresolved
    field makes the result ``converged=False`` with the reason prepended to its message.

    Examples
    --------
    >>> @dataclass(frozen=True, kw_only=True)
    ... class R(Record):
    ...     E: float
    ...     order: int
    ...     converged: bool
    ...     message: str = ""
    ...     errors: dict = errors_field()
    >>> ref = OrderRefinement(result=None, errors={"E": 1e-9}, order=24, orders=(6, 12, 24), converged=True)
    >>> r = replace_with_accuracy(R(E=1.5, order=12, converged=True), ref, {"E": (0.0, 1.0)})
    >>> r.converged, r.order, r.message
    (False, 24, 'physical bound violated: E = 1.5 > 1 (upper bound of E)')
    """
    errs = dict(refinement.errors)
    msgs = [] if refinement.converged else [refinement.message]
    if bounds and getattr(result, "converged", False):
        viol = bound_violations(result, bounds, errs)
        if viol:
            msgs.append("physical bound violated: " + "; ".join(viol))
    conv = bool(getattr(result, "converged", False)) and not msgs
    old = getattr(result, "message", "")
    msg = "; ".join(msgs) + (f" (solver: {old})" if old else "") if msgs else old
    names = {f.name for f in dataclasses.fields(result)}
    if "order" in names:
        extra.setdefault("order", refinement.order)
    return dataclasses.replace(result, errors=errs, converged=conv, message=msg, **extra)
