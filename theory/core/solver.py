"""Saddle-point solver framework: one damped ``converge`` loop and one warm-started ``span``.

A model supplies a *fixed-point map* ``update(x: dict[str, float]) -> dict[str, float]``
over named order parameters (each update derived from one term of the free
entropy). :func:`converge` iterates it with adaptive damping (or hands the
residual ``update(x) - x`` to a root finder: hybrid Powell ``"hybr"`` or ``"anderson"``) and returns a
frozen :class:`SolverResult`; it never returns a silent wrong number:

* non-finite iterates, oscillation/stagnation and the iteration cap are
  detected and reported in ``converged``/``message``;
* ``strict=True`` raises :class:`ConvergenceError` carrying the last iterate
  and the residual history.

:func:`newton` is the same solve for a model that can also supply the Jacobian
of its equations analytically (damped Newton with a natural-monotonicity line
search, box constraints kept by a fraction-to-boundary rule).

:func:`span` continues a solution along a path of external parameters
(warm start, automatic step halving on failure) and records failed points with
their diagnostics instead of dropping them.

The residual is ``max_i |F_i(x) - x_i| / max(1, |x_i|)`` (absolute for order
parameters of order one, relative for large conjugate parameters).
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.optimize

from theory.core.results import Record, to_jsonable

METHODS = ("iterate", "hybr", "anderson", "auto")

__all__ = [
    "METHODS",
    "ComputationError",
    "ConvergenceError",
    "SolverResult",
    "converge",
    "newton",
    "NewtonResult",
    "span",
    "Curve",
    "CurvePoint",
]


class ComputationError(RuntimeError):
    """A computation could not produce a trustworthy number."""


class ConvergenceError(ComputationError):
    """Raised by ``converge(..., strict=True)`` when the iteration fails.

    Attributes
    ----------
    result : SolverResult
        The full (non-converged) result, with the last iterate.
    last : dict
        The last iterate by name.
    residuals : tuple of float
        Residual history.
    """

    def __init__(self, message: str, result: SolverResult):
        super().__init__(message)
        self.result = result
        self.last = dict(result.values)
        self.residuals = result.history


@dataclass(frozen=True, kw_only=True)
class SolverResult(Record):
    """Outcome of a saddle-point solve."""

    values: dict[str, float]
    residual: float
    iterations: int
    converged: bool
    wall_time: float
    method: str
    message: str = ""
    history: tuple[float, ...] = field(default=(), repr=False, metadata={"internal": True})

    def __getitem__(self, name: str) -> float:
        return self.values[name]

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["values"] = dict(self.values)
        return d

    def flat(self) -> dict[str, Any]:
        """Order parameters at the top level, plus the diagnostics."""
        d = {k: v for k, v in self.to_dict().items() if k != "values"}
        return {**self.values, **d}


def _residual(x: np.ndarray, fx: np.ndarray) -> float:
    return float(np.max(np.abs(fx - x) / np.maximum(1.0, np.abs(x)))) if x.size else 0.0


def converge(
    update: Callable[[dict[str, float]], Mapping[str, float]],
    init: Mapping[str, float],
    *,
    tol: float = 1e-10,
    maxiter: int = 2000,
    damping: float = 0.0,
    adaptive: bool = True,
    method: str = "iterate",
    strict: bool = False,
    max_damping: float = 0.995,
    stall_window: int = 200,
) -> SolverResult:
    """Solve ``x = update(x)`` for named order parameters.

    Parameters
    ----------
    update
        Fixed-point map over the order parameters (a dict in, a dict with the
        same keys out).
    init
        Starting point by name.
    tol
        Tolerance on the residual (see module docstring).
    maxiter
        Iteration cap (function evaluations for the root finders).
    damping
        Initial damping ``d``: ``x <- d x + (1 - d) update(x)``.
    adaptive
        Increase the damping when the residual grows, relax it back while it
        shrinks.
    method
        ``"iterate"`` (damped iteration), ``"hybr"`` (``scipy.optimize.root``,
        hybrid Powell with a finite-difference Jacobian on the residual),
        ``"anderson"``, or ``"auto"``: damped iteration, polished by ``"hybr"``
        from the last iterate if it stalls. (The analytic-Jacobian Newton method
        is :func:`newton`; ``"newton"`` is not a method of ``converge``.)
    strict
        Raise :class:`ConvergenceError` instead of returning a non-converged result.
    max_damping
        Upper bound of the adaptive damping.
    stall_window
        Iterations without a 10 % improvement of the best residual after which
        the damped iteration stops (oscillation or stagnation).

    Returns
    -------
    SolverResult
        Last iterate by name, residual, iterations, ``converged`` and ``message``.

    Examples
    --------
    >>> import math
    >>> r = converge(lambda x: {"x": math.cos(x["x"])}, {"x": 1.0}, tol=1e-12)
    >>> r.converged, round(r["x"], 10)
    (True, 0.7390851332)
    >>> converge(lambda x: {"x": math.cos(x["x"])}, {"x": 1.0}, method="hybr").converged
    True
    """
    if method == "newton":
        raise ValueError("converge: method 'newton' is now called 'hybr' (scipy hybrid Powell on the residual); "
                         "the analytic-Jacobian Newton method is theory.core.solver.newton")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(repr(m) for m in METHODS)} (got {method!r})")
    if not (0.0 <= damping < 1.0):
        raise ValueError(f"damping must be in [0, 1) (got {damping!r})")
    if not (tol > 0):
        raise ValueError(f"tol must be > 0 (got {tol!r})")
    names = list(init)
    x0 = np.array([float(init[k]) for k in names])
    if not np.all(np.isfinite(x0)):
        raise ValueError(f"init must be finite (got {dict(init)!r})")
    t0 = time.perf_counter()

    def F(x: np.ndarray) -> np.ndarray:
        out = update(dict(zip(names, map(float, x))))
        return np.array([float(out[k]) for k in names])

    if method == "iterate":
        res = _iterate(F, x0, names, tol, maxiter, damping, adaptive, max_damping, stall_window)
    elif method in ("hybr", "anderson"):
        res = _root(F, x0, names, tol, maxiter, method)
    else:
        res = _iterate(F, x0, names, tol, maxiter, damping, adaptive, max_damping, stall_window)
        if not res.converged:
            polished = _root(F, np.array([res.values[k] for k in names]), names, tol, maxiter, "hybr")
            res = dataclasses.replace(
                polished,
                iterations=res.iterations + polished.iterations,
                history=res.history + polished.history,
                message=("iteration: " + res.message + "; hybr: " + polished.message),
            )
    res = dataclasses.replace(res, wall_time=time.perf_counter() - t0, method=method)
    if strict and not res.converged:
        raise ConvergenceError(f"saddle point not converged ({res.message}); last iterate {res.values}", res)
    return res


def _iterate(F, x, names, tol, maxiter, damping, adaptive, max_damping, stall_window) -> SolverResult:
    d0 = d = damping
    history: list[float] = []
    best = np.inf
    best_at = 0
    message = f"iteration cap {maxiter} reached"
    converged = False
    it = 0
    for it in range(1, maxiter + 1):
        try:
            fx = F(x)
        except (FloatingPointError, ZeroDivisionError, OverflowError) as exc:
            message = f"update raised {type(exc).__name__} at iteration {it}: {exc}"
            break
        if not np.all(np.isfinite(fx)):
            bad = [n for n, v in zip(names, fx) if not np.isfinite(v)]
            message = f"non-finite update of {bad} at iteration {it}"
            break
        r = _residual(x, fx)
        history.append(r)
        if r < tol:
            x = fx
            converged = True
            message = "converged"
            break
        if adaptive and len(history) > 1:
            if r > history[-2]:
                d = min(max_damping, 1.0 - 0.5 * (1.0 - d))
            else:
                d = max(d0, d - 0.05 * (d - d0) - 1e-3) if d > d0 else d0
        if r < 0.9 * best:
            best, best_at = r, it
        elif it - best_at > stall_window:
            message = (f"stalled: residual {r:.3g} has not improved on {best:.3g} for {stall_window} iterations "
                       "(oscillation?)")
            break
        x = d * x + (1.0 - d) * fx
    r = history[-1] if history else np.inf
    return SolverResult(values=dict(zip(names, map(float, x))), residual=float(r), iterations=it, converged=converged,
                        wall_time=0.0, method="iterate", message=message, history=tuple(history))


def _root(F, x0, names, tol, maxiter, method) -> SolverResult:
    history: list[float] = []

    def G(x):
        fx = F(x)
        if not np.all(np.isfinite(fx)):
            return np.full_like(x, 1e10)
        history.append(_residual(x, fx))
        return (fx - x) / np.maximum(1.0, np.abs(x))

    try:
        if method == "anderson":
            sol = scipy.optimize.root(G, x0, method="anderson", options={"maxiter": maxiter, "fatol": tol * 1e-2})
        else:
            sol = scipy.optimize.root(G, x0, method="hybr", options={"maxfev": maxiter, "xtol": 1e-14})
        x = sol.x
        msg = str(sol.message)
    except (FloatingPointError, ValueError, np.linalg.LinAlgError) as exc:
        x, msg = x0, f"{type(exc).__name__}: {exc}"
    fx = F(x)
    finite = np.all(np.isfinite(fx))
    r = _residual(x, fx) if finite else np.inf
    converged = bool(finite and r < tol)
    return SolverResult(
        values=dict(zip(names, map(float, x))), residual=float(r), iterations=len(history), converged=converged,
        wall_time=0.0, method=method, message="converged" if converged else f"root finder did not reach tol: {msg}",
        history=tuple(history),
    )


# ---------------------------------------------------------------------------
# continuation
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class NewtonResult(Record):
    """Outcome of :func:`newton`: last iterate, its residual, evaluations used, the
    payload ``aux`` that ``fun`` returned at the last iterate (``None`` if it failed)."""

    x: np.ndarray = field(metadata={"internal": True})
    residual: float
    iterations: int
    converged: bool
    message: str
    aux: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})


def newton(
    fun: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, Any]],
    x0: Sequence[float],
    *,
    lower: Sequence[float] | None = None,
    upper: Sequence[float] | None = None,
    tol: float = 1e-10,
    maxiter: int = 30,
    max_halvings: int = 12,
    boundary_fraction: float = 0.9,
) -> NewtonResult:
    """Damped Newton for equations ``R(x) = 0`` whose Jacobian the model computes itself.

    ``fun(x)`` returns ``(R, J, G, aux)``: the equations ``R`` and their Jacobian
    ``J = dR/dx`` (the Newton step solves ``J d = -R``); the fixed-point residual
    ``G = F(x) - x`` of the model's map, used for the convergence test
    ``max_i |G_i| / max(1, |x_i|) < tol`` (the measure of :func:`converge`) and
    for the merit ``sum (G_i / s_i)^2`` with the scales ``s = max(1, |x0|)`` of
    the starting point (with the scales of the current iterate, running off to
    infinity would look like progress); and any payload ``aux`` (integrals the
    caller wants at the solution). ``fun`` may raise :class:`ComputationError`
    for a point where it cannot compute: a trial step there is rejected.

    Each step is shortened so that every component stays inside ``(lower,
    upper)`` (at most ``boundary_fraction`` of the way to a bound), then halved
    up to ``max_halvings`` times until the merit decreases or the natural
    monotonicity test holds (Deuflhard: the simplified correction
    ``J(x)^-1 R(x + t d)`` is shorter, in the scales ``s``, than ``(1 - t/2)``
    times the step; affine invariant, so a badly scaled equation cannot reject a
    good step). ``maxiter`` caps the evaluations of ``fun``. Never raises on
    failure: the result says ``converged=False`` and why.

    Examples
    --------
    >>> def fun(x):   # R(x) = x^2 - 2; Newton map F(x) = x - R/R', so G = F(x) - x = -R/R'
    ...     R, J = x**2 - 2.0, np.array([[2.0 * x[0]]])
    ...     return R, J, -R / (2.0 * x), None
    >>> r = newton(fun, [1.0], lower=[0.0])
    >>> r.converged, round(float(r.x[0]), 8)   # sqrt(2)
    (True, 1.41421356)
    """
    x = np.array(x0, dtype=float)
    n = x.size
    lo = np.full(n, -np.inf) if lower is None else np.asarray(lower, dtype=float)
    hi = np.full(n, np.inf) if upper is None else np.asarray(upper, dtype=float)
    evals = 0

    def evaluate(y):
        nonlocal evals
        evals += 1
        R, J, G, aux = fun(y)
        return np.asarray(R, dtype=float), np.asarray(J, dtype=float), np.asarray(G, dtype=float), aux

    def measure(y, G):
        return float(np.max(np.abs(G) / np.maximum(1.0, np.abs(y))))

    try:
        R, J, G, aux = evaluate(x)
    except ComputationError as exc:
        return NewtonResult(x=x, residual=np.inf, iterations=evals, converged=False,
                            message=str(exc), aux=None)
    scale = np.maximum(1.0, np.abs(x))
    merit = float(np.sum((G / scale) ** 2))
    res = measure(x, G)
    while True:
        if not np.isfinite(res):
            return NewtonResult(x=x, residual=res, iterations=evals, converged=False,
                                message="non-finite residual", aux=aux)
        if res < tol:
            return NewtonResult(x=x, residual=res, iterations=evals, converged=True,
                                message="converged", aux=aux)
        if evals >= maxiter:
            return NewtonResult(x=x, residual=res, iterations=evals, converged=False,
                                message=f"Newton evaluation cap {maxiter} reached", aux=aux)
        try:
            d = np.linalg.solve(J, -R)
        except np.linalg.LinAlgError:
            return NewtonResult(x=x, residual=res, iterations=evals, converged=False,
                                message="singular Jacobian", aux=aux)
        t = 1.0
        for k in range(n):
            if d[k] < 0 and np.isfinite(lo[k]) and x[k] + t * d[k] <= lo[k]:
                t = boundary_fraction * (x[k] - lo[k]) / -d[k]
            if d[k] > 0 and np.isfinite(hi[k]) and x[k] + t * d[k] >= hi[k]:
                t = boundary_fraction * (hi[k] - x[k]) / d[k]
        accepted = False
        for _ in range(max_halvings + 1):
            y = x + t * d
            try:
                R1, J1, G1, aux1 = evaluate(y)
                m1 = float(np.sum((G1 / scale) ** 2))
                dbar = np.linalg.solve(J, -R1)
                natural = float(np.sum((dbar / scale) ** 2)) < (1.0 - 0.5 * t) ** 2 * float(np.sum((d / scale) ** 2))
                r1 = measure(y, G1)
            except (ComputationError, np.linalg.LinAlgError):
                m1, natural, r1 = np.inf, False, np.inf
            if m1 < merit or natural or r1 < tol:
                accepted = True
                break
            t *= 0.5
            if evals >= maxiter:
                break
        if not accepted:
            return NewtonResult(x=x, residual=res, iterations=evals, converged=False,
                                message="Newton line search failed (no decrease of the residual)", aux=aux)
        x, R, J, G, aux, merit, res = y, R1, J1, G1, aux1, m1, r1


@dataclass(frozen=True, kw_only=True)
class CurvePoint(Record):
    """One point of a continuation: the external parameters and the solve there."""

    params: dict[str, Any]
    result: Any | None
    converged: bool
    message: str = ""
    halvings: int = 0

    def flat(self) -> dict[str, Any]:
        row = dict(self.params)
        if self.result is not None:
            row.update(self.result.flat() if hasattr(self.result, "flat") else to_jsonable(self.result))
        row["converged"] = self.converged
        row["message"] = self.message
        row["halvings"] = self.halvings
        return row


@dataclass(frozen=True, kw_only=True)
class Curve(Record):
    """A solution followed along a parameter path."""

    points: tuple[CurvePoint, ...]

    @property
    def failed(self) -> list[CurvePoint]:
        return [p for p in self.points if not p.converged]

    def to_records(self) -> list[dict[str, Any]]:
        return [p.flat() for p in self.points]

    def to_dict(self) -> dict[str, Any]:
        return {"points": self.to_records(), "n_failed": len(self.failed)}

    def column(self, name: str) -> np.ndarray:
        return np.array([r.get(name, np.nan) for r in self.to_records()], dtype=float)


def _interp(p: Mapping[str, Any], q: Mapping[str, Any], t: float) -> dict[str, Any]:
    out = {}
    for k in q:
        a, b = p.get(k, q[k]), q[k]
        numeric = isinstance(a, (int, float, np.number)) and isinstance(b, (int, float, np.number))
        if numeric and not isinstance(b, bool):
            out[k] = float(a) + t * (float(b) - float(a))
        else:
            out[k] = b
    return out


def _is_converged(res: Any) -> bool:
    return res is not None and bool(getattr(res, "converged", True))


def span(
    solve: Callable[[dict[str, Any], Any], Any],
    path: Sequence[Mapping[str, Any]],
    init: Any = None,
    *,
    max_halvings: int = 4,
    warm: Callable[[Any], Any] | None = None,
    progress: bool = False,
) -> Curve:
    """Follow a solution along ``path`` with warm starts and step halving.

    Parameters
    ----------
    solve
        ``solve(params, init) -> result`` where ``result`` has a ``converged``
        flag (e.g. :class:`SolverResult` or a model's result record); ``init`` is
        ``None`` or whatever ``warm(previous_result)`` returns. It may raise
        :class:`ComputationError` (recorded as a failure); ``ValueError`` (bad
        input) propagates.
    path
        External parameters at each point, e.g. ``[{"beta": b} for b in betas]``.
    init
        Warm start for the first point.
    max_halvings
        On failure, retry by approaching the point from the last success in
        ``2**k`` sub-steps, ``k = 1..max_halvings``.
    warm
        Extracts the warm start from a result (default: ``result.values`` if
        present, else the result itself).

    Returns
    -------
    Curve
        One :class:`CurvePoint` per point of ``path``, failed points included.

    Examples
    --------
    >>> def solve(p, init):   # fixed point of x = c + x/2, i.e. x = 2c
    ...     return converge(lambda x: {"x": p["c"] + 0.5 * x["x"]}, init or {"x": 0.0}, tol=1e-12)
    >>> curve = span(solve, [{"c": c} for c in (0.0, 1.0, 2.0)])
    >>> [round(float(x), 9) for x in curve.column("x")], curve.failed
    ([0.0, 2.0, 4.0], [])
    """
    if warm is None:
        def warm(res):
            return getattr(res, "values", res)

    points: list[CurvePoint] = []
    last_ok: dict[str, Any] | None = None
    x = init
    iterator = path
    if progress:
        from tqdm import tqdm
        iterator = tqdm(path, desc="continuation", leave=False)
    for p in iterator:
        p = dict(p)
        res, msg = _attempt(solve, p, x)
        halvings = 0
        if not _is_converged(res) and last_ok is not None:
            for k in range(1, max_halvings + 1):
                halvings = k
                y = x
                n_sub = 2**k
                ok = True
                for j in range(1, n_sub + 1):
                    sub = _interp(last_ok, p, j / n_sub)
                    r, m = _attempt(solve, sub, y)
                    if not _is_converged(r):
                        ok = False
                        res, msg = r, f"failed at sub-step {j}/{n_sub}: {m}"
                        break
                    y = warm(r)
                    res, msg = r, m
                if ok:
                    break
        conv = _is_converged(res)
        if conv:
            x = warm(res)
            last_ok = p
        elif not msg:
            msg = getattr(res, "message", "not converged")
        points.append(CurvePoint(params=p, result=res, converged=conv, message="" if conv else msg, halvings=halvings))
    return Curve(points=tuple(points))


def _attempt(solve, p, x):
    try:
        res = solve(p, x)
    except ComputationError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    except (FloatingPointError, ZeroDivisionError, OverflowError, np.linalg.LinAlgError) as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return res, getattr(res, "message", "")
