"""Teacher-student (Gibbs / Bayes-optimal) learning by the binary (Ising) perceptron: RS theory at ``T = 0``.

A teacher ``W* in {-1, 1}^N`` labels ``M = alpha N`` inputs ``x`` (i.i.d. ``+-1`` or Gaussian)
by ``y = sign(W* . x)``; the student is a uniform sample from the version space (the
binary ``W`` that classify the ``M`` examples correctly). This is the posterior of the
matched Bayes problem (Rademacher prior, noiseless sign channel), so the RS saddle point
lies on the Nishimori line ``R = q``, ``Rhat = qhat`` ([gyorgyi1990]; [sompolinsky1990];
[engel2001, ch. 7]; [barbier2019]). Derivation: ``docs/teacher_student.md``.

The replicated version-space volume with overlaps ``q`` (two students) and ``R``
(student-teacher) gives the RS free entropy ``docs/teacher_student.md`` (TS3)

    s = extr  -qhat (1 - q)/2 - Rhat R + G_S(qhat, Rhat) + alpha G_E(q, R)
    G_S = int Dz log 2cosh(sqrt(qhat) z + Rhat)
    G_E = 2 int Dz H(-R z / sqrt(q - R^2)) log H(-sqrt(q/(1-q)) z)

with ``q = <tanh^2>``, ``R = <tanh>``, ``qhat = -2 alpha dG_E/dq``, ``Rhat = alpha dG_E/dR``
(:func:`solve_teacher_student_general`). On the Nishimori line ``docs/teacher_student.md`` (TS5)

    s(alpha) = extr_{q, qhat} -qhat (1 + q)/2 + int Dz log 2cosh(sqrt(qhat) z + qhat)
               + alpha 2 int Dt H(-k t) log H(-k t),   k = sqrt(q/(1-q))
    q = int Dz tanh(sqrt(qhat) z + qhat),   qhat = 2 alpha/(1-q) int Dz G(k z)^2 / H(-k z)

(:func:`solve_teacher_student`). ``s`` is the log-volume of the version space per synapse
(``s(0) = log 2``). Generalization accuracies (probability of labelling a new example
like the teacher): a typical student (Gibbs) ``1 - arccos(q)/pi``; the Bayes-optimal
predictor ``sign(<W> . x)`` ``1 - arccos(sqrt(q))/pi``; the clipped posterior mean
``sign(<W>)`` (MPM) ``1 - arccos(1 - 2 H(sqrt(qhat)))/pi``.

The poor-generalization branch (``q < 1``) exists up to its spinodal ``alpha_sp ~ 1.4926``;
its entropy vanishes at ``alpha_perfect ~ 1.2447`` (Gyorgyi's 1.245), beyond which the
perfect-generalization state (``q = 1``, ``s = 0``) is the equilibrium (a first-order
transition) (:func:`teacher_student_transition`).
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from theory.core import (
    GH,
    ComputationError,
    ConvergenceError,
    Curve,
    H,
    OrderParameters,
    Record,
    SolverResult,
    check_int,
    check_real,
    converge,
    dz_rule,
    errors_field,
    log2cosh,
    logG,
    logH,
    replace_with_accuracy,
    residual_sensitivity,
    solve_to_accuracy,
    span,
)

__all__ = ["TeacherStudentEnergeticTerms", "TeacherStudentEntropicTerms", "TeacherStudentGeneralResult",
           "TeacherStudentResult", "TeacherStudentTransition", "solve_teacher_student",
           "solve_teacher_student_general", "teacher_student_curve", "teacher_student_energetic",
           "teacher_student_entropic", "teacher_student_free_entropy", "teacher_student_transition"]

TS_DEFAULT_ORDER = 16   # Gauss-Legendre nodes per panel (8 panels on |z| <= 10 plus breakpoints)
_MAX_ORDER = 128
_STEPS = np.array([-4.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 4.0])
_Q_MAX = 1.0 - 1e-12


def _check_order(order: int) -> int:
    return check_int("order", order, ge=4, le=_MAX_ORDER)


def _rule(order: int, centre: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """``Dz`` rule with breakpoints at ``centre + width * {0, +-0.5, +-1, +-2, +-4}``."""
    return dz_rule(order, centre + width * _STEPS)


@dataclass(frozen=True, kw_only=True)
class TeacherStudentEntropicTerms(Record):
    """Entropic term ``G_S = int Dz log 2cosh(sqrt(qhat) z + Rhat)`` and its updates (module docstring).

    Attributes
    ----------
    G_S
        The entropic term.
    q
        ``int Dz tanh^2(sqrt(qhat) z + Rhat)`` (the student-student overlap update).
    R
        ``int Dz tanh(sqrt(qhat) z + Rhat)`` (the student-teacher overlap update).
    """

    G_S: float
    q: float
    R: float


def teacher_student_entropic(qhat: float, Rhat: float, order: int = TS_DEFAULT_ORDER) -> TeacherStudentEntropicTerms:
    """Entropic term of the teacher-student Ising perceptron and the overlaps it gives [gyorgyi1990].

    ``G_S = int Dz log 2cosh(sqrt(qhat) z + Rhat)``, ``q = <tanh^2>``, ``R = <tanh>``
    (``docs/teacher_student.md`` (TS3)); breakpoints of the rule at the zero of the field.

    Parameters
    ----------
    qhat, Rhat
        Conjugates of ``q`` (``>= 0``) and ``R``.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    TeacherStudentEntropicTerms

    Examples
    --------
    >>> T = teacher_student_entropic(0.0, 0.0)   # no field: G_S = log 2, q = R = 0
    >>> round(T.G_S, 12), T.q, T.R
    (0.69314718056, 0.0, 0.0)
    """
    c = math.sqrt(max(float(qhat), 0.0))
    z, w = _rule(order, -Rhat / max(c, 1e-300), 1.0 / max(c, 1e-300))
    x = c * z + Rhat
    t = np.tanh(x)
    return TeacherStudentEntropicTerms(G_S=float(w @ log2cosh(x)), q=float(w @ (t * t)), R=float(w @ t))


@dataclass(frozen=True, kw_only=True)
class TeacherStudentEnergeticTerms(Record):
    """Energetic term ``G_E(q, R) = 2 int Dz H(-a z) log H(-k z)`` and its partial derivatives.

    ``a = R / sqrt(q - R^2)``, ``k = sqrt(q / (1 - q))`` (module docstring).

    Attributes
    ----------
    G_E
        The energetic term (``-2 log 2 <= G_E <= 0``; the log-probability per pattern).
    dG_dq, dG_dR
        Partial derivatives at fixed ``R`` and at fixed ``q``.
    dg_dq
        ``d G_E(q, q)/dq`` along the Nishimori line ``R = q`` (``dG_dq + dG_dR`` there), from
        the closed form ``int Dz G(k z)^2 / H(-k z) / (1 - q)``; NaN off the line.
    """

    G_E: float
    dG_dq: float
    dG_dR: float
    dg_dq: float


def teacher_student_energetic(q: float, R: float | None = None,
                              order: int = TS_DEFAULT_ORDER) -> TeacherStudentEnergeticTerms:
    """Energetic term of the teacher-student Ising perceptron and its derivatives [gyorgyi1990; engel2001].

    ``G_E = 2 int Dz H(-a z) log H(-k z)`` (``docs/teacher_student.md`` (TS2));
    ``dG_E/da = 2k/(1+a^2) int Dz G(a z) GH(-k z)`` and ``dG_E/dk = 2 int Dz z H(-a z) GH(-k z)``
    (integration by parts, ``docs/teacher_student.md`` (TS4)).

    Parameters
    ----------
    q
        Student-student overlap, in [1e-100, 1).
    R
        Student-teacher overlap, ``R^2 < q``; ``None``: the Nishimori line ``R = q``.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    TeacherStudentEnergeticTerms

    Examples
    --------
    >>> T = teacher_student_energetic(1e-12)   # q -> 0: G_E = 2 (1/2) log(1/2) = -log 2, dg/dq = 1/pi
    >>> round(T.G_E, 9), round(T.dg_dq * math.pi, 9)
    (-0.693147181, 1.0)
    """
    on_line = R is None
    R = q if R is None else float(R)
    if not (1e-100 <= q < 1.0 and R * R < q):
        raise ComputationError(f"teacher_student_energetic: need 1e-100 <= q < 1 and R^2 < q (got q={q}, R={R})")
    k = math.sqrt(q / (1.0 - q))
    a = k if on_line else R / math.sqrt(q - R * R)
    z, w = dz_rule(order, np.concatenate([_STEPS / max(k, 1e-300), _STEPS / max(abs(a), 1e-300)]))
    lh = logH(-k * z)
    gh = GH(-k * z)
    Ha = H(-a * z)
    G_E = 2.0 * float(w @ (Ha * lh))
    dG_da = 2.0 * k / (1.0 + a * a) * float(w @ (np.exp(logG(a * z)) * gh))
    dG_dk = 2.0 * float(w @ (z * Ha * gh))
    dk_dq = 1.0 / (2.0 * k * (1.0 - q) ** 2)
    d = q * (1.0 - q) if on_line else q - R * R
    da_dq = -R / (2.0 * d ** 1.5)
    da_dR = q / d ** 1.5
    dg = float(w @ np.exp(2.0 * logG(k * z) - lh)) / (1.0 - q) if on_line else math.nan
    return TeacherStudentEnergeticTerms(G_E=G_E, dG_dq=dG_dk * dk_dq + dG_da * da_dq, dG_dR=dG_da * da_dR,
                                        dg_dq=dg)


def teacher_student_free_entropy(q: float, qhat: float, alpha: float, *, R: float | None = None,
                                 Rhat: float | None = None, order: int = TS_DEFAULT_ORDER) -> float:
    """RS free entropy (log version-space volume per synapse) at given order parameters [gyorgyi1990].

    ``-qhat (1 - q)/2 - Rhat R + G_S(qhat, Rhat) + alpha G_E(q, R)`` (``docs/teacher_student.md`` (TS3));
    ``R = q``, ``Rhat = qhat`` when omitted (the Nishimori line, ``docs/teacher_student.md`` (TS5)).
    Stationary in every argument at the saddle point.

    Parameters
    ----------
    q, qhat, alpha
        Overlap, its conjugate, load.
    R, Rhat
        Teacher overlap and its conjugate (default: ``q`` and ``qhat``).
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float

    Examples
    --------
    >>> round(teacher_student_free_entropy(1e-12, 0.0, 0.0), 12)   # alpha = 0: log 2
    0.69314718056
    """
    R = q if R is None else R
    Rhat = qhat if Rhat is None else Rhat
    S = teacher_student_entropic(qhat, Rhat, order)
    E = teacher_student_energetic(q, None if R == q else R, order)
    return -0.5 * qhat * (1.0 - q) - Rhat * R + S.G_S + alpha * E.G_E


@dataclass(frozen=True, kw_only=True)
class TeacherStudentResult(Record, OrderParameters):
    """RS saddle point of teacher-student learning on the Nishimori line (poor-generalization branch).

    ``entropy`` is the log-volume of the version space per synapse; ``overlap_*`` the normalized
    overlaps with the teacher and ``accuracy_* = 1 - arccos(overlap_*)/pi`` the generalization
    accuracies of a typical student (Gibbs), the Bayes-optimal predictor and the clipped
    posterior mean (MPM); ``map_slope`` the slope ``dF/dq < 1`` of the one-variable map
    ``q -> F(q)`` at the fixed point (1 at the spinodal; the solver residual is divided by
    ``1 - map_slope`` in the error estimates); ``equilibrium`` is ``"poor"`` while ``entropy > 0``, else ``"perfect"``
    (the state ``q = 1``, ``s = 0``); ``errors`` the error estimate of each field
    (:func:`theory.core.solve_to_accuracy`), ``order`` the quadrature order reached.
    """

    alpha: float
    q: float
    qhat: float
    entropy: float
    overlap_gibbs: float
    overlap_bayes: float
    overlap_mpm: float
    accuracy_gibbs: float
    accuracy_bayes: float
    accuracy_mpm: float
    equilibrium: str
    map_slope: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""
    order: int = -1
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q", "qhat")


_TS_FIELDS = ("q", "qhat", "entropy", "overlap_gibbs", "overlap_bayes", "overlap_mpm", "accuracy_gibbs",
              "accuracy_bayes", "accuracy_mpm")


def _nishimori_map(alpha: float, order: int):
    def update(x):
        q = min(max(x["q"], 1e-12), _Q_MAX)
        qhat = max(x["qhat"], 0.0)
        return {"q": teacher_student_entropic(qhat, qhat, order).R,
                "qhat": 2.0 * alpha * teacher_student_energetic(q, None, order).dg_dq}
    return update


def _qhat_of_q(q: float, order: int) -> float:
    """Inverse of ``qhat -> int Dz tanh(sqrt(qhat) z + qhat)`` (increasing from 0 to 1)."""
    hi = 1.0
    while teacher_student_entropic(hi, hi, order).R < q:
        hi *= 2.0
        if hi > 1e4:
            raise ComputationError(f"no qhat with overlap q = {q}")
    return brentq(lambda a: teacher_student_entropic(a, a, order).R - q, 0.0, hi, xtol=1e-15, rtol=1e-15)


def _alpha_of_q(q: float, order: int) -> float:
    """The load at which ``q`` is a fixed point of the Nishimori map (parametric form of the branches)."""
    return _qhat_of_q(q, order) / (2.0 * teacher_student_energetic(q, None, order).dg_dq)


@lru_cache(maxsize=32)
def _spinodal(order: int) -> tuple[float, float]:
    """``(q_sp, alpha_sp)``: the maximum of ``alpha(q)``, where the poor branch meets the unstable one."""
    r = minimize_scalar(lambda q: -_alpha_of_q(q, order), bounds=(0.5, 0.99), method="bounded",
                        options={"xatol": 1e-9})
    return float(r.x), float(-r.fun)


def _overlaps(q: float, qhat: float) -> dict[str, float]:
    rho = {"overlap_gibbs": q, "overlap_bayes": math.sqrt(q), "overlap_mpm": 1.0 - 2.0 * float(H(math.sqrt(qhat)))}
    acc = {"accuracy_" + k[8:]: 1.0 - math.acos(min(1.0, max(-1.0, v))) / math.pi for k, v in rho.items()}
    return {**rho, **acc}


def _fields_at_q(alpha: float, q: float, order: int) -> TeacherStudentResult:
    """The reported fields at overlap ``q`` with ``qhat = 2 alpha dg/dq`` (for the residual propagation)."""
    E = teacher_student_energetic(q, None, order)
    qhat = 2.0 * alpha * E.dg_dq
    s = -0.5 * qhat * (1.0 + q) + teacher_student_entropic(qhat, qhat, order).G_S + alpha * E.G_E
    return TeacherStudentResult(alpha=alpha, q=q, qhat=qhat, entropy=float(s), **_overlaps(q, qhat),
                                equilibrium="", map_slope=math.nan, converged=True, residual=0.0, iterations=0)


def _solve_at_order(alpha: float, init, tol: float, order: int) -> TeacherStudentResult:
    q_sp, a_sp = _spinodal(order)
    if alpha >= a_sp:
        res = SolverResult(values={"q": math.nan, "qhat": math.nan}, residual=math.inf, iterations=0,
                           converged=False, wall_time=0.0, method="iterate", message="beyond the spinodal")
        raise ConvergenceError(
            f"alpha = {alpha} is beyond the spinodal alpha_sp = {a_sp:.8f} (order {order}) of the "
            "poor-generalization RS branch: there the only RS solution is perfect generalization (q = 1)", res)
    update = _nishimori_map(alpha, order)

    def F(x):   # F(q) - q of the one-variable map
        qh = 2.0 * alpha * teacher_student_energetic(x, None, order).dg_dq
        return teacher_student_entropic(qh, qh, order).R - x

    x0 = {"q": 0.0, "qhat": 0.0} if init is None else {k: float(init[k]) for k in ("q", "qhat")}
    res = converge(update, x0, tol=tol, method="auto", maxiter=3000)
    q, qhat = res.values["q"], res.values["qhat"]
    iters, msg = res.iterations, res.message
    if not (res.converged and 0.0 < q < q_sp):
        # the poor fixed point is the only root of q - F(q) on (0, q_sp): bracketed solve
        try:
            q = brentq(F, 1e-12, q_sp, xtol=1e-15, rtol=1e-15)
        except (ValueError, ComputationError) as exc:
            return TeacherStudentResult.failure(f"no poor-branch root on (0, q_sp = {q_sp:.6g}): {exc}; {msg}",
                                                alpha=alpha, residual=math.inf, iterations=iters, order=order)
        qhat = update({"q": q, "qhat": 0.0})["qhat"]
        msg = f"bracketed solve on (0, q_sp) after the iteration ended at q = {res.values['q']:.6g}: {msg}"
        iters += 1
    if 0.0 < q < q_sp:   # Newton polish of the one-variable equation F(q) = q (the iteration slows near q_sp)
        for _ in range(4):
            f = F(q)
            h = 1e-7 * min(q, q_sp - q)
            step = f / ((F(q + h) - F(q - h)) / (2.0 * h))
            if not (math.isfinite(step) and 0.0 < q - step < q_sp):
                break
            q -= step
            if abs(step) < 1e-15:
                break
        qhat = update({"q": q, "qhat": 0.0})["qhat"]
    fx = update({"q": q, "qhat": qhat})
    resid = max(abs(fx["q"] - q), abs(fx["qhat"] - qhat) / max(1.0, abs(qhat)))
    s = teacher_student_free_entropy(q, qhat, alpha, order=order)
    dq = 1e-6 * min(q, q_sp - q)
    slope = (F(q + dq) - F(q - dq)) / (2.0 * dq) + 1.0
    ok = bool(resid < max(tol, 1e-14) * 10 and 0.0 < q < q_sp and slope < 1.0)
    return TeacherStudentResult(alpha=alpha, q=q, qhat=qhat, entropy=float(s), **_overlaps(q, qhat),
                                equilibrium="poor" if s > 0.0 else "perfect", map_slope=float(slope), converged=ok,
                                residual=float(resid), iterations=int(iters),
                                message=("converged" if msg == "converged" else f"converged ({msg})") if ok
                                else f"not converged: {msg}", order=order)


def solve_teacher_student(alpha: float, *, init: Mapping[str, float] | TeacherStudentResult | None = None,
                          tol: float = 1e-12, order: int = TS_DEFAULT_ORDER, error: bool = True,
                          quad_rtol: float = 1e-8, max_order: int = _MAX_ORDER) -> TeacherStudentResult:
    """RS saddle point of teacher-student learning by the Ising perceptron, poor-generalization branch.

    The Nishimori-line equations ``docs/teacher_student.md`` (TS5-TS6) ([gyorgyi1990];
    [sompolinsky1990]), iterated from ``q = 0`` (or ``init``; the iteration from ``q = 0`` is
    monotone and ends on the poor branch), polished by the hybrid method, with a bracketed
    fallback on ``(0, q_sp)``; accuracies ``docs/teacher_student.md`` (TS8-TS10).

    Parameters
    ----------
    alpha
        Load ``M/N``, ``0 < alpha < alpha_sp ~ 1.4926``.
    init
        Warm start (dict with ``q``, ``qhat`` or a previous result).
    tol, order
        Saddle-point tolerance and Gauss-Legendre nodes per panel.
    error, quad_rtol, max_order
        Estimate the error of every field from two quadrature orders, doubling the order up to
        ``max_order`` while an estimate exceeds ``quad_rtol`` relative; ``error=False``: one order.

    Returns
    -------
    TeacherStudentResult

    Raises
    ------
    ConvergenceError
        ``alpha`` at or beyond the spinodal of the poor branch (only ``q = 1`` is left).

    Examples
    --------
    >>> r = solve_teacher_student(0.4)
    >>> r.converged, round(r.q, 6), round(r.accuracy_gibbs, 4), round(r.accuracy_bayes, 4), r.equilibrium
    (True, 0.237484, 0.5763, 0.662, 'poor')
    """
    alpha = check_real("alpha", alpha, gt=0.0, le=10.0)
    tol = check_real("tol", tol, gt=0.0, lt=1e-3)
    order = _check_order(order)
    max_order = _check_order(max_order)
    quad_rtol = check_real("quad_rtol", quad_rtol, gt=0.0, lt=1.0)
    x0 = None if init is None else (dict(init) if isinstance(init, Mapping) else dict(init.values))

    def solve(o, warm):
        return _solve_at_order(alpha, warm.values if warm is not None else x0, tol, o)

    if not error:
        return solve(order, None)
    def propagate(r):   # the distance to the fixed point is ~ residual / (1 - map slope): moves q, then the rest
        def fields_at(x):
            return {f: getattr(_fields_at_q(alpha, x["q"], r.order), f) for f in _TS_FIELDS}
        amp = 10.0 / max(1.0 - r.map_slope, 1e-8)
        return residual_sensitivity(fields_at, {"q": r.q}, r.residual, scale={"q": 1.0}, amplification=amp)

    ref = solve_to_accuracy(solve, order, fields=_TS_FIELDS, max_order=max(order, max_order), rtol=quad_rtol,
                            atol=1e-2 * quad_rtol, propagate=propagate)
    bounds = {"q": (0.0, 1.0), "qhat": (0.0, None), "entropy": (None, math.log(2.0)),
              "accuracy_gibbs": (0.5, 1.0), "accuracy_bayes": (0.5, 1.0), "accuracy_mpm": (0.5, 1.0)}
    return replace_with_accuracy(ref.result, ref, bounds)


def teacher_student_curve(alphas: Sequence[float], *, init: Mapping[str, float] | TeacherStudentResult | None = None,
                          tol: float = 1e-12, order: int = TS_DEFAULT_ORDER) -> Curve:
    """The poor-generalization branch along ``alphas`` with warm starts (:func:`theory.core.span`).

    Points at or beyond the spinodal are kept as failed points with the reason [gyorgyi1990].

    Parameters
    ----------
    alphas
        Loads (increasing for the warm starts to help).
    init, tol, order
        Warm start of the first point, tolerance, quadrature order.

    Returns
    -------
    Curve
        One :class:`TeacherStudentResult` per load.

    Examples
    --------
    >>> c = teacher_student_curve([0.2, 0.4, 1.6])
    >>> [p.converged for p in c.points], round(float(c.column("accuracy_gibbs")[1]), 4)
    ([True, True, False], 0.5763)
    """
    path = [{"alpha": check_real("alphas", a, gt=0.0, le=10.0)} for a in alphas]
    return span(lambda p, x: solve_teacher_student(p["alpha"], init=x, tol=tol, order=order), path, init,
                max_halvings=1)


@dataclass(frozen=True, kw_only=True)
class TeacherStudentTransition(Record):
    """First-order transition to perfect generalization and spinodal of the poor branch [gyorgyi1990].

    ``alpha_perfect``: zero of the poor branch's entropy (``q_perfect`` there); ``alpha_spinodal``:
    end of the poor branch (``q_spinodal`` there); ``errors``: their error estimates.
    """

    alpha_perfect: float
    q_perfect: float
    alpha_spinodal: float
    q_spinodal: float
    converged: bool
    message: str = ""
    order: int = -1
    errors: dict = errors_field()


def _transition_at_order(order: int, tol: float) -> TeacherStudentTransition:
    q_sp, a_sp = _spinodal(order)
    state = {"x": None}

    def s(a):
        r = _solve_at_order(a, state["x"], 1e-13, order)
        state["x"] = r.values
        return r.entropy

    try:
        ap = brentq(s, 1.0, min(1.45, a_sp - 1e-6), xtol=tol, rtol=1e-15)
        qp = _solve_at_order(ap, state["x"], 1e-13, order).q
    except (ComputationError, ValueError) as exc:
        return TeacherStudentTransition.failure(str(exc), alpha_spinodal=a_sp, q_spinodal=q_sp, order=order)
    return TeacherStudentTransition(alpha_perfect=float(ap), q_perfect=float(qp), alpha_spinodal=a_sp,
                                    q_spinodal=q_sp, converged=True, message="converged", order=order)


def teacher_student_transition(*, order: int = TS_DEFAULT_ORDER, tol: float = 1e-11, quad_rtol: float = 1e-9,
                               max_order: int = _MAX_ORDER) -> TeacherStudentTransition:
    """``alpha_perfect`` (entropy of the poor branch = 0) and ``alpha_spinodal`` (end of the poor branch).

    ``alpha_perfect`` by Brent's method on the entropy ``docs/teacher_student.md`` (TS5)
    ([gyorgyi1990]: 1.245); ``alpha_spinodal`` as the maximum of the parametric branch
    ``alpha(q) = qhat(q) / (2 dg/dq)`` ``docs/teacher_student.md`` (TS11) ([barbier2019]:
    ``alpha_alg ~ 1.493``). Errors: twice the change between two quadrature orders plus the
    root/maximum tolerances.

    Parameters
    ----------
    order, quad_rtol, max_order
        Quadrature order, relative tolerance of the error estimates, maximum order.
    tol
        Tolerance of the root in ``alpha``.

    Returns
    -------
    TeacherStudentTransition

    Examples
    --------
    >>> t = teacher_student_transition()
    >>> t.converged, round(t.alpha_perfect, 3), round(t.alpha_spinodal, 3)
    (True, 1.245, 1.493)
    """
    order = _check_order(order)
    max_order = _check_order(max_order)
    tol = check_real("tol", tol, gt=0.0, lt=1e-3)
    quad_rtol = check_real("quad_rtol", quad_rtol, gt=0.0, lt=1.0)
    ref = solve_to_accuracy(lambda o, _w: _transition_at_order(o, tol), order,
                            fields=("alpha_perfect", "q_perfect", "alpha_spinodal", "q_spinodal"),
                            max_order=max(order, max_order), rtol=quad_rtol, atol=0.0,
                            residual=lambda r: 0.0,
                            tolerances={"q_spinodal": 1e-4})
    errs = dict(ref.errors)
    # root and maximiser tolerances: alpha_perfect to tol; q_sp to the bounded search's xatol (1e-9)
    # and alpha_sp to its second-order consequence
    errs["alpha_perfect"] += tol
    errs["q_spinodal"] += 1e-8
    errs["alpha_spinodal"] += 1e-14
    out = replace_with_accuracy(ref.result, ref)
    return dataclasses.replace(out, errors=errs)


@dataclass(frozen=True, kw_only=True)
class TeacherStudentGeneralResult(Record, OrderParameters):
    """RS saddle point of the four equations (``q``, ``R``, ``qhat``, ``Rhat``) without ``R = q`` imposed."""

    alpha: float
    q: float
    R: float
    qhat: float
    Rhat: float
    entropy: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""
    order: int = -1
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q", "R", "qhat", "Rhat")


def _general_at_order(alpha, x0, tol, order) -> TeacherStudentGeneralResult:
    def update(x):
        q = min(max(x["q"], 1e-12), _Q_MAX)
        R = min(max(x["R"], -math.sqrt(q) * (1 - 1e-9)), math.sqrt(q) * (1 - 1e-9))
        S = teacher_student_entropic(max(x["qhat"], 0.0), x["Rhat"], order)
        E = teacher_student_energetic(q, R, order)
        return {"q": S.q, "R": S.R, "qhat": -2.0 * alpha * E.dG_dq, "Rhat": alpha * E.dG_dR}

    try:
        res = converge(update, x0, tol=tol, method="hybr", maxiter=2000)
        if not res.converged:
            res = converge(update, x0, tol=tol, method="auto", damping=0.3, maxiter=4000)
        v = res.values
        ok = res.converged and 0.0 < v["q"] < 1.0 and v["R"] ** 2 < v["q"] and v["qhat"] >= 0.0
        s = teacher_student_free_entropy(v["q"], v["qhat"], alpha, R=v["R"], Rhat=v["Rhat"], order=order) \
            if ok else math.nan
    except ComputationError as exc:
        return TeacherStudentGeneralResult.failure(str(exc), alpha=alpha, order=order)
    if not ok:
        return TeacherStudentGeneralResult.failure(f"not converged or outside the domain: {res.message}",
                                                   alpha=alpha, residual=res.residual, iterations=res.iterations,
                                                   order=order, **v)
    return TeacherStudentGeneralResult(alpha=alpha, entropy=float(s), converged=True, residual=res.residual,
                                       iterations=res.iterations, message=res.message, order=order, **v)


def solve_teacher_student_general(alpha: float, *, init: Mapping[str, float] | None = None, tol: float = 1e-12,
                                  order: int = TS_DEFAULT_ORDER, error: bool = True,
                                  quad_rtol: float = 1e-9) -> TeacherStudentGeneralResult:
    """The four RS equations ``docs/teacher_student.md`` (TS4) without imposing the Nishimori line.

    ``q = <tanh^2>``, ``R = <tanh>`` (field ``sqrt(qhat) z + Rhat``), ``qhat = -2 alpha dG_E/dq``,
    ``Rhat = alpha dG_E/dR`` ([gyorgyi1990]; [engel2001, ch. 7]); the solution should satisfy
    ``R = q``, ``Rhat = qhat`` (Bayes-optimal learning), which is not built in.

    Parameters
    ----------
    alpha
        Load, in (0, 10].
    init
        Starting point ``{q, R, qhat, Rhat}`` (default off the Nishimori line:
        ``q = 0.3, R = 0.1, qhat = 0.1, Rhat = 0.4``).
    tol, order, error, quad_rtol
        As :func:`solve_teacher_student`.

    Returns
    -------
    TeacherStudentGeneralResult

    Examples
    --------
    >>> r = solve_teacher_student_general(0.4)
    >>> r.converged, abs(r.R - r.q) < 1e-9, abs(r.Rhat - r.qhat) < 1e-9
    (True, True, True)
    """
    alpha = check_real("alpha", alpha, gt=0.0, le=10.0)
    tol = check_real("tol", tol, gt=0.0, lt=1e-3)
    order = _check_order(order)
    quad_rtol = check_real("quad_rtol", quad_rtol, gt=0.0, lt=1.0)
    x0 = {"q": 0.3, "R": 0.1, "qhat": 0.1, "Rhat": 0.4} if init is None else \
        {k: float(init[k]) for k in ("q", "R", "qhat", "Rhat")}

    def solve(o, warm):
        return _general_at_order(alpha, warm.values if warm is not None else x0, tol, o)

    if not error:
        return solve(order, None)
    ref = solve_to_accuracy(solve, order, fields=("q", "R", "qhat", "Rhat", "entropy"), max_order=_MAX_ORDER,
                            rtol=quad_rtol, atol=1e-3 * quad_rtol)
    return replace_with_accuracy(ref.result, ref, {"q": (0.0, 1.0), "qhat": (0.0, None)})
