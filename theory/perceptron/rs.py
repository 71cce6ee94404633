"""Replica-symmetric theory of the stochastic binary perceptron.

Source: [baldassi2018, SM Eq. 1-20] ([baldassi2018, SM Sec. I]). Derivation and
the list of differences from the printed equations: ``docs/stochastic_perceptron_rs.md``.
The free entropy is written GASP-style as interaction + entropic + alpha * energetic
term, each term a small record (:class:`EntropicTerms`, :class:`EnergeticTerms`) from
which one group of updates is derived.

The model: control variables ``m in [-1, 1]^N`` with ``sum_i m_i^2 = q* N`` and
Gibbs weight ``exp(beta L(m))``, ``L(m) = sum_mu log H(-sum_i m_i x_i^mu / sqrt(N (1 - q*)))``
[baldassi2018, SM Eq. 1-2]. The RS free entropy [baldassi2018, SM Eq. 12-14] is

    phi = extr_{q0, qhat0, qhat1} 1/2 (q0 qhat0 - q* qhat1) + G_S(qhat0, qhat1) + alpha G_E(q0)
    G_S = int Dz log int_{-1}^{1} dm exp(a m^2 + b m),   a = (qhat1 - qhat0)/2,  b = sqrt(qhat0) z
    G_E = int Dz log Z_E(h),   Z_E(h) = int Du H^beta(-(h + sqrt(q* - q0) u) / sqrt(1 - q*)),  h = sqrt(q0) z

Numerics (all in log domain):

* ``G_S`` and its moments: :func:`theory.core.quadrature.interval_moments`
  (graded Gauss-Legendre on [-1, 1], one compiled pass) on a composite Gauss-Legendre
  ``Dz`` rule with breakpoints at the scale ``1/sqrt(qhat0)``.
* ``G_E``: a numba kernel (:mod:`theory.perceptron._rs_numerics`). For every outer node ``z`` the inner ``u`` domain is
  centred on the mode ``u*`` of the (log-concave) posterior
  ``exp(-u^2/2) H^beta(x(u))`` and split at the kink of ``H^beta`` (``x = 0`` and
  the step at ``x ~ -sqrt(2 log beta)``), then integrated by composite
  Gauss-Legendre in log-sum-exp form. ``H^beta = exp(beta logH)`` throughout.

The fixed-point map [baldassi2018, SM Eq. 15] is
``q0 <- int Dz <m>^2``, ``qhat0 <- alpha int Dz (d_h log Z_E)^2`` and, for the
norm constraint ``q* = int Dz <m^2>``, a Newton step in ``qhat1``
(``d<m^2>/dqhat1 = (<m^4> - <m^2>^2)/2``). It is solved by Newton's method
with the analytic Jacobian (:func:`theory.core.solver.newton`: every entry is an
integral from the same kernel pass, 3-5 map evaluations from a warm start),
with :func:`theory.core.solver.converge` (``"hybr"``: hybrid Powell, damped iteration) as
the fallback. A cold start first solves the reduced 1-d map in ``q0`` at order 6
by a safeguarded Newton with the analytic derivative (:func:`_reduced_newton`),
after which the order-12 Newton needs 2-3 map evaluations. Local stability and ``beta_c`` are in
:mod:`theory.perceptron.stability`, the beta -> infinity limit in
:mod:`theory.perceptron.zero_temperature`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq

from theory.core import (
    ComputationError,
    ConvergenceError,
    Curve,
    OrderParameters,
    Record,
    SolverResult,
    bound_violations,
    check_choice,
    check_int,
    check_real,
    converge,
    errors_field,
    interval_mean,
    interval_moments,
    legendre_nodes,
    newton,
    replace_with_accuracy,
    residual_sensitivity,
    solve_to_accuracy,
    span,
)
from theory.perceptron._records import RSPointFields
from theory.perceptron._rs_numerics import (
    DEFAULT_ORDER,
    as_rs_init,
    check_order,
    e_rule,
    energetic_kernel,
    rescale_large_beta,
    s_rule,
    validate_rs_args,
)

__all__ = [
    "DEFAULT_ORDER",
    "EnergeticTerms",
    "EntropicTerms",
    "RSResult",
    "energetic_term",
    "energetic_terms",
    "entropic_term",
    "entropic_terms",
    "rs_curve",
    "rs_entropy_bound",
    "rs_free_entropy",
    "solve_rs",
    "solve_rs_with_terms",
]


# ---------------------------------------------------------------------------
# the two terms of [baldassi2018, SM Eq. 12]
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class EnergeticTerms(Record):
    """The energetic term ``G_E`` [baldassi2018, SM Eq. 14] and the integrals derived from it.

    Attributes
    ----------
    G_E
        ``int Dz log Z_E``.
    dG_E_dq0
        ``-1/2 int Dz (d_h log Z_E)^2``: ``qhat0 = -2 alpha dG_E/dq0`` [baldassi2018, SM Eq. 15].
    d2G_E_dq0
        ``d^2 G_E / dq0^2 = -1/2 int Dz [(F'')^2 - 2 (F')^2 F'']``, ``F = log Z_E`` (the
        Jacobian entry ``dqhat0/dq0`` of the Newton solve; docs, Sec. 3).
    gamma_E
        ``int Dz (d_h^2 log Z_E)^2`` [baldassi2018, SM Eq. 17], with the variance of
        u-hat written as ``-d_h^2 log Z_E``.
    gamma_E_alt
        The same from the form ``<g''> + Var(g')`` (a quadrature check).
    loglik
        ``int Dz <log H(x)>``: mean log-likelihood per pattern, ``dG_E/dbeta``.
    entropy_E
        ``G_E - beta loglik = -int Dz KL(posterior of u || Du)`` (``<= 0``), the energetic
        term's part of the entropy, integrated node by node in the posterior's normalisation
        (no cancellation between ``G_E`` and ``beta loglik``, which grow like ``beta``).
    """

    G_E: float
    dG_E_dq0: float
    d2G_E_dq0: float
    gamma_E: float
    gamma_E_alt: float
    loglik: float
    entropy_E: float = math.nan


def energetic_terms(q0: float, qstar: float, beta: float, order: int = DEFAULT_ORDER) -> EnergeticTerms:
    """``G_E`` [baldassi2018, SM Eq. 14] and the integrals the saddle point and stability need.

    Parameters
    ----------
    q0
        Overlap between replicas, ``0 <= q0 < qstar``.
    qstar
        Squared norm ``q*`` of the control variables, in (0, 1).
    beta
        Inverse temperature (>= 0).
    order
        Gauss-Legendre nodes per panel of the ``z`` and ``u`` rules.

    Returns
    -------
    EnergeticTerms

    Examples
    --------
    >>> E = energetic_terms(0.3, 0.7, 2.0)
    >>> E.dG_E_dq0 < 0.0 < E.gamma_E
    True
    """
    if not (0.0 <= q0 < qstar < 1.0):
        raise ValueError(f"energetic_terms needs 0 <= q0 < qstar < 1 (got q0={q0!r}, qstar={qstar!r})")
    z, w = e_rule(q0, qstar, order)
    glx, glw = legendre_nodes(order)
    out = energetic_kernel(z, math.sqrt(q0), math.sqrt(qstar - q0), math.sqrt(1.0 - qstar), float(beta), glx, glw)
    if not np.all(np.isfinite(out)):
        raise ComputationError(f"non-finite energetic integrand at q0={q0}, qstar={qstar}, beta={beta}")
    d1sq = out[1] ** 2
    return EnergeticTerms(
        G_E=float(w @ out[0]),
        dG_E_dq0=float(-0.5 * (w @ d1sq)),
        d2G_E_dq0=float(-0.5 * (w @ (out[2] ** 2 - 2.0 * d1sq * out[2]))),
        gamma_E=float(w @ out[2] ** 2),
        gamma_E_alt=float(w @ out[3] ** 2),
        loglik=float(w @ out[4]),
        entropy_E=float(w @ out[5]),
    )


@dataclass(frozen=True, kw_only=True)
class EntropicTerms(Record):
    """The entropic term ``G_S`` [baldassi2018, SM Eq. 13] and the site averages [baldassi2018, SM Eq. 20].

    Attributes
    ----------
    G_S
        ``int Dz log int_{-1}^{1} dm exp(a m^2 + b m)`` (0 when not computed, ``with_G=False``).
    q0
        ``int Dz <m>^2``.
    m2
        ``int Dz <m^2>``.
    chi
        ``d m2 / d qhat1 = 1/2 int Dz (<m^4> - <m^2>^2)``.
    gamma_S
        ``int Dz (<m^2> - <m>^2)^2`` [baldassi2018, SM Eq. 18].
    dq0_dqhat0, dq0_dqhat1, dm2_dqhat0
        Partial derivatives for the Newton solve (``jac=True``; NaN otherwise).
    """

    G_S: float
    q0: float
    m2: float
    chi: float
    gamma_S: float
    dq0_dqhat0: float = math.nan
    dq0_dqhat1: float = math.nan
    dm2_dqhat0: float = math.nan


def entropic_terms(qhat0: float, qhat1: float, order: int = DEFAULT_ORDER, *, with_G: bool = True,
                   jac: bool = False) -> EntropicTerms:
    """``G_S`` [baldassi2018, SM Eq. 13] and the site averages [baldassi2018, SM Eq. 20] the saddle point needs.

    The integrand is even in ``z`` (``b -> -b``, ``m -> -m``), so only the ``z >= 0``
    half of the symmetric rule is evaluated.

    Parameters
    ----------
    qhat0, qhat1
        Conjugate order parameters (``qhat0 >= 0``); the site weight is
        ``exp((qhat1 - qhat0) m^2 / 2 + sqrt(qhat0) z m)`` on [-1, 1].
    order
        Gauss-Legendre nodes per panel.
    with_G
        ``False`` skips ``G_S`` (the fixed-point map needs only the moments).
    jac
        Also compute ``dq0_dqhat0``, ``dq0_dqhat1``, ``dm2_dqhat0`` (``dm2/dqhat1`` is
        ``chi``) from the same moments up to ``<m^4>``.

    Returns
    -------
    EntropicTerms

    Examples
    --------
    >>> S = entropic_terms(0.0, 0.0)   # uniform m on [-1, 1]: <m^2> = 1/3
    >>> round(S.m2, 12), round(S.q0, 12)
    (0.333333333333, 0.0)
    """
    if not qhat0 >= 0.0:
        raise ValueError(f"qhat0 must be >= 0 (got {qhat0!r})")
    z, w = s_rule(qhat0, qhat1, order)
    keep = z >= 0.0
    w = np.where(z > 0.0, 2.0 * w, w)[keep]
    z = z[keep]
    a = 0.5 * (qhat1 - qhat0)
    b = math.sqrt(qhat0) * z
    logZ, mom = interval_moments(np.full_like(b, a), b, kmax=4, order=order)
    m1, m2, m4 = mom[0], mom[1], mom[3]
    G = float(w @ logZ) if with_G else 0.0
    var = np.maximum(m2 - m1 * m1, 0.0)
    res = {
        "G_S": G,
        "q0": float(w @ (m1 * m1)),
        "m2": float(w @ m2),
        "chi": float(0.5 * (w @ (m4 - m2 * m2))),
        "gamma_S": float(w @ (var * var)),
    }
    if jac:
        # derivatives of q0 = int <m>^2 and m2 = int <m^2> (docs, Sec. 3 "Newton"):
        # d/da <m^k> = <m^(k+2)> - <m^k><m^2>, d/db <m^k> = <m^(k+1)> - <m^k><m>, a = (qhat1-qhat0)/2,
        # and d/dqhat0 int Dz g(sqrt(qhat0) z) = 1/2 int Dz d_b^2 g (Stein's lemma).
        m3 = mom[2]
        k3 = m3 - 3.0 * m1 * m2 + 2.0 * m1 ** 3
        q1 = float(w @ (m1 * (m3 - m1 * m2)))
        res["dq0_dqhat1"] = q1
        res["dq0_dqhat0"] = -q1 + float(w @ (var * var + m1 * k3))
        res["dm2_dqhat0"] = -q1
    if not all(np.isfinite(v) for v in res.values()):
        raise ComputationError(f"non-finite entropic term at qhat0={qhat0}, qhat1={qhat1}")
    return EntropicTerms(**res)


def entropic_term(qhat0: float, qhat1: float, *, order: int = DEFAULT_ORDER) -> float:
    """Entropic term ``G_S(qhat0, qhat1)`` [baldassi2018, SM Eq. 13].

    Parameters
    ----------
    qhat0, qhat1
        Conjugate order parameters, ``qhat0 >= 0``.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float
        The entropic term ``G_S`` [baldassi2018, SM Eq. 13].

    Examples
    --------
    >>> round(entropic_term(0.0, 0.0), 12)   # log of the length of [-1, 1]
    0.69314718056
    """
    check_real("qhat0", qhat0, ge=0.0)
    check_real("qhat1", qhat1)
    return entropic_terms(float(qhat0), float(qhat1), check_order(order)).G_S


def energetic_term(q0: float, qstar: float, beta: float, *, order: int = DEFAULT_ORDER) -> float:
    """Energetic term ``G_E(q0; q*, beta)`` [baldassi2018, SM Eq. 14].

    Parameters
    ----------
    q0
        Overlap, ``0 <= q0 < qstar``.
    qstar
        Squared norm, in (0, 1).
    beta
        Inverse temperature (>= 0).
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float
        The energetic term ``G_E = int Dz log Z_E`` [baldassi2018, SM Eq. 14].

    Examples
    --------
    >>> abs(energetic_term(0.3, 0.7, 0.0)) < 1e-14   # beta = 0: Z_E = 1
    True
    """
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    check_real("q0", q0, ge=0.0, lt=qstar)
    check_real("beta", beta, ge=0.0)
    return energetic_terms(float(q0), qstar, float(beta), check_order(order)).G_E


def rs_free_entropy(q0: float, qhat0: float, qhat1: float, *, alpha: float, beta: float, qstar: float,
                    order: int = DEFAULT_ORDER) -> float:
    """The RS functional [baldassi2018, SM Eq. 12] at arbitrary order parameters (not extremised).

    ``phi = (q0 qhat0 - q* qhat1)/2 + G_S(qhat0, qhat1) + alpha G_E(q0)``.

    Parameters
    ----------
    q0, qhat0, qhat1
        Order parameters (``0 <= q0 < qstar``, ``qhat0 >= 0``).
    alpha, beta, qstar
        Load, inverse temperature, squared norm.
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float
        The free entropy ``phi`` of the RS functional at these order parameters
        [baldassi2018, SM Eq. 12].

    Examples
    --------
    >>> round(rs_free_entropy(0.0, 0.0, 0.0, alpha=0.5, beta=1.0, qstar=0.5), 10) == round(
    ...     entropic_term(0.0, 0.0) + 0.5 * energetic_term(0.0, 0.5, 1.0), 10)
    True
    """
    S = entropic_terms(qhat0, qhat1, order)
    E = energetic_terms(q0, qstar, beta, order)
    return 0.5 * (q0 * qhat0 - qstar * qhat1) + S.G_S + alpha * E.G_E


# ---------------------------------------------------------------------------
# saddle point
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RSResult(RSPointFields, OrderParameters):
    """RS saddle point of the stochastic perceptron [baldassi2018, SM Eq. 12-15].

    ``phi = phi_S + phi_E`` with the entropic part ``phi_S = (q0 qhat0 - q* qhat1)/2 + G_S``
    and the energetic part ``phi_E = alpha G_E``. ``loglik`` is the mean
    log-likelihood per pattern ``<L(m)>/M = dphi/dbeta / alpha``, and
    ``entropy = phi - alpha beta loglik`` the entropy of the Gibbs measure on
    the sphere ``sum m^2 = q* N`` in the box, computed as ``phi_S + alpha entropy_E``
    (:class:`EnergeticTerms`) without the cancellation of ``phi - alpha beta loglik``.
    ``errors`` holds the error estimate of every reported field (``phi``, ``phi_S``, ``phi_E``,
    ``loglik``, ``entropy``, ``q0``, ``qhat0``, ``qhat1``): the difference between the saddle
    points solved at ``order`` and at the previous order (:func:`theory.core.solve_to_accuracy`),
    plus the residual propagated; ``error`` is ``errors["phi"]`` (with ``error=False``:
    ``|phi(order) - phi(order//2)|`` was not computed, NaN, and ``errors`` is empty).
    ``order`` is the order of the reported solve (raised from the requested one when an
    estimate exceeded its tolerance).
    """

    phi: float
    phi_S: float
    phi_E: float
    loglik: float
    entropy: float
    converged: bool
    residual: float
    iterations: int
    error: float
    order: int
    method: str = ""
    message: str = ""
    errors: dict = errors_field()

    ORDER_PARAMETERS = ("q0", "qhat0", "qhat1")


@lru_cache(maxsize=512)
def _qhat1_at_qhat0_zero(qstar: float) -> float:
    """``qhat1`` with ``<m^2> = q*`` under ``exp(qhat1 m^2 / 2)`` on [-1, 1] (the alpha=0 / beta=0 solution)."""

    def f(q1):
        return float(interval_mean(0.5 * q1, 0.0, lambda m: m * m, order=16)) - qstar

    lo, hi = -10.0, 10.0
    while f(lo) > 0:
        lo *= 2.0
    while f(hi) < 0:
        hi *= 2.0
    return brentq(f, lo, hi, xtol=1e-14, rtol=1e-14)


def _qhat1_solve(qhat0: float, qstar: float, qhat1: float, order: int,
                 tol: float = 1e-9) -> tuple[float, EntropicTerms]:
    """``qhat1`` solving the norm constraint ``int Dz <m^2> = q*`` at fixed ``qhat0``.

    ``int Dz <m^2>`` increases with ``qhat1`` (its derivative is ``chi > 0``):
    safeguarded Newton inside an expanding bracket.
    """
    S = entropic_terms(qhat0, qhat1, order, with_G=False, jac=True)
    lo, hi = -math.inf, math.inf
    for _ in range(100):
        r = S.m2 - qstar
        if abs(r) < tol:
            break
        if r < 0:
            lo = qhat1
        else:
            hi = qhat1
        # chi = Var(m^2)/2 can round to <= 0 when the site measure is nearly a point mass
        # (extreme trial qhat1): then only the bracket steps below are taken
        new = qhat1 - r / S.chi if S.chi > 0.0 else math.nan
        if not (lo < new < hi):
            if math.isinf(lo):
                new = hi - max(10.0, 2.0 * abs(hi))
            elif math.isinf(hi):
                new = lo + max(10.0, 2.0 * abs(lo))
            else:
                new = 0.5 * (lo + hi)
        qhat1 = new
        S = entropic_terms(qhat0, qhat1, order, with_G=False, jac=True)
    return qhat1, S


_Y_JUMP = 10.0


def _y_start(alpha: float, beta: float, qstar: float) -> float:
    """Start of :func:`_reduced_newton` in the logit ``log(q0 / (q* - q0))``."""
    return 0.7 * math.log(alpha * beta)


def _reduced_newton(alpha: float, beta: float, qstar: float, order: int = 6, xtol: float = 1e-6,
                    maxeval: int = 14, norm_tol: float = 1e-8) -> dict[str, float] | None:
    """Cold start: safeguarded Newton on the reduced 1-d map ``f(q0) = F(q0) - q0`` at low order.

    ``F``: ``qhat0 = -2 alpha dG_E/dq0`` [baldassi2018, SM Eq. 15], ``qhat1`` from the norm
    constraint ``int Dz <m^2> = q*`` (:func:`_qhat1_solve`), then ``int Dz <m>^2``.
    Its derivative comes from the integrals of the same pass (docs, Sec. 3):
    ``dF/dq0 = (dq0/dqhat0 + dq0/dqhat1 dqhat1/dqhat0) dqhat0/dq0`` with
    ``dqhat1/dqhat0 = -(dm2/dqhat0)/chi`` (implicit function of the norm
    constraint) and ``dqhat0/dq0 = -2 alpha d2G_E/dq0``. Newton runs in the
    logit ``y = log(q0 / (q* - q0))`` (the root approaches q* like 1/beta at
    large beta) inside the bracket ``f(0+) > 0 > f(q*)``, which every
    evaluation narrows; a step leaving the bracket or uphill is replaced by
    bisection (in ``y``). The start ``q0 / (q* - q0) = (alpha beta)^0.7`` is a
    heuristic interpolating the small-beta (``q0 ~ alpha beta``) and frozen
    (``q* - q0 ~ 1/beta``) regimes. Returns ``None`` when it has not
    converged to ``xtol * q*`` in ``maxeval`` evaluations (the caller then
    brackets, :func:`_bracket_init`).
    """
    # first norm-constraint guess: the site shape a = (qhat1 - qhat0)/2 of the qhat0 = 0 solution kept
    state = {"qhat1": _qhat1_at_qhat0_zero(qstar), "qhat0": 0.0, "slope": 1.0}

    def reduced(q0):
        E = energetic_terms(q0, qstar, beta, order)
        qhat0 = -2.0 * alpha * E.dG_E_dq0
        guess = state["qhat1"] + state["slope"] * (qhat0 - state["qhat0"])
        qhat1, S = _qhat1_solve(qhat0, qstar, guess, order, tol=norm_tol)
        slope = -S.dm2_dqhat0 / S.chi if S.chi > 0.0 else 0.0
        state.update(qhat1=qhat1, qhat0=qhat0, slope=slope)
        dF = (S.dq0_dqhat0 + S.dq0_dqhat1 * slope) * (-2.0 * alpha * E.d2G_E_dq0)
        return S.q0 - q0, dF - 1.0

    ylo, yhi = -math.inf, math.inf  # f > 0 at ylo, f < 0 at yhi (in the logit)
    y = _y_start(alpha, beta, qstar)
    try:
        for _ in range(maxeval):
            q0 = qstar / (1.0 + math.exp(-y))
            if not 0.0 < q0 < qstar:
                return None
            f, df = reduced(q0)
            if not (math.isfinite(f) and math.isfinite(df)):
                return None
            if f > 0.0:
                ylo = max(ylo, y)
            else:
                yhi = min(yhi, y)
            dq = q0 * (qstar - q0) / qstar  # dq0/dy
            g = df * dq
            yn = y - f / g if g < 0.0 else math.nan
            if ylo < yn < yhi:
                if abs(yn - y) * dq < xtol * qstar:
                    return {"q0": qstar / (1.0 + math.exp(-yn)), "qhat0": state["qhat0"], "qhat1": state["qhat1"]}
            else:
                yn = 0.5 * (max(ylo, y - _Y_JUMP) + min(yhi, y + _Y_JUMP))
            y = yn
    except (ComputationError, OverflowError, ZeroDivisionError):
        return None
    return None


def _default_init(alpha: float, beta: float, qstar: float) -> dict[str, float]:
    """Cold start: :func:`_reduced_newton`, or the bracketing of :func:`_bracket_init` if that fails."""
    if alpha == 0.0 or beta == 0.0:
        return {"q0": 0.0, "qhat0": 0.0, "qhat1": _qhat1_at_qhat0_zero(qstar)}
    x = _reduced_newton(alpha, beta, qstar)
    return x if x is not None else _bracket_init(alpha, beta, qstar)


def _bracket_init(alpha: float, beta: float, qstar: float) -> dict[str, float]:
    """Cold start: the 1-d reduced problem ``q0 = F(q0)`` bracketed on (0, q*) at low order.

    ``F``: ``qhat0 = -2 alpha dG_E/dq0``, then ``qhat1`` from the norm
    constraint, then ``int Dz <m>^2``. ``F(0+) > 0`` and ``F(q*) < q*``, so the
    bracket always holds; Brent's method to 1e-3 gives a start from which the
    full Newton solve converges in a few steps.
    """
    q1 = _qhat1_at_qhat0_zero(qstar)
    if alpha == 0.0 or beta == 0.0:
        return {"q0": 0.0, "qhat0": 0.0, "qhat1": q1}
    lo_order = 6
    state = {"qhat1": q1, "qhat0": 0.0, "slope": 0.0}

    def resid(q0):
        qhat0 = -2.0 * alpha * energetic_terms(q0, qstar, beta, lo_order).dG_E_dq0
        # start the norm-constraint solve on the tangent dqhat1/dqhat0 = -M_0/M_1 = Q_1/chi
        guess = state["qhat1"] + state["slope"] * (qhat0 - state["qhat0"])
        # 1e-6 in <m^2> moves the root in q0 by ~1e-6, far below the 1e-3 bracket tolerance
        qhat1, S = _qhat1_solve(qhat0, qstar, guess, lo_order, tol=1e-6)
        state["qhat1"], state["qhat0"] = qhat1, qhat0
        state["slope"] = S.dq0_dqhat1 / S.chi if S.chi > 0 else 0.0
        return S.q0 - q0

    try:
        # the first sign change from the q0 -> 0 side: the branch continuously
        # connected to beta -> 0 (a second branch with q0 -> q* can exist at large beta)
        a, fa = 1e-9 * qstar, resid(1e-9 * qstar)
        b = None
        for t in (0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995, 1.0 - 1e-6):
            fb = resid(t * qstar)
            if (fb < 0) != (fa < 0):
                b = t * qstar
                break
            a, fa = t * qstar, fb
        if b is None:
            raise ValueError("no bracket")
        # a rough root suffices: the analytic-Jacobian Newton of solve_rs converges
        # quadratically from within ~1e-3 (measured: 3 steps to a residual < 1e-12)
        q0 = brentq(resid, a, b, xtol=1e-3 * qstar, maxiter=60)
        resid(q0)
    except (ValueError, RuntimeError, ComputationError):
        return {"q0": 0.3 * qstar, "qhat0": 0.5 * alpha * beta / (1.0 + beta), "qhat1": q1}
    return {"q0": q0, "qhat0": state["qhat0"], "qhat1": state["qhat1"]}


def _fixed_point_map(alpha: float, beta: float, qstar: float, order: int):
    qmax = qstar * (1.0 - 1e-12)

    def update(x: Mapping[str, float]) -> dict[str, float]:
        q0 = min(max(x["q0"], 0.0), qmax)
        qhat0 = max(x["qhat0"], 0.0)
        qhat1 = x["qhat1"]
        S = entropic_terms(qhat0, qhat1, order, with_G=False)
        if alpha > 0.0 and beta > 0.0:
            E = energetic_terms(q0, qstar, beta, order)
            qhat0_new = -2.0 * alpha * E.dG_E_dq0
        else:
            qhat0_new = 0.0
        if not S.chi > 0.0:
            raise ComputationError(f"degenerate site measure (d<m^2>/dqhat1 = {S.chi!r}) at qhat0={qhat0}, "
                                   f"qhat1={qhat1}")
        step = (qstar - S.m2) / S.chi
        lim = max(5.0, abs(qhat1))
        step = max(-lim, min(lim, step))
        return {"q0": S.q0, "qhat0": qhat0_new, "qhat1": qhat1 + step}

    return update


def _predict(init, x0: dict[str, float], beta: float, qstar: float, order: int) -> dict[str, float]:
    """Warm start moved to the new ``(beta, q*)`` when ``init`` is a result at another point.

    A change of ``beta`` (both >= 5, ``q0 > 0.8 q*``) uses the large-beta scaling.
    ``q0`` keeps its ratio to ``q*`` and ``qhat1`` is re-solved from the norm
    constraint at the old ``qhat0`` (entropic integrals only, about 1 ms each):
    the norm multiplier is the order parameter that moves most with ``q*``.
    """
    b_old = getattr(init, "beta", None)
    if (b_old is not None and math.isfinite(float(b_old)) and float(b_old) >= 5.0 and beta >= 5.0
            and float(b_old) != beta and x0["q0"] > 0.8 * float(getattr(init, "qstar", qstar))):
        # frozen branch at large beta: beta (q* - q0), qhat0 / beta^2, (qhat1 - qhat0) / beta tend to
        # constants (docs Sec. 10)
        x0 = rescale_large_beta(x0, float(init.qstar), beta / float(b_old))
    old = getattr(init, "qstar", None)
    if old is None or not math.isfinite(float(old)) or float(old) == qstar or x0["qhat0"] < 0.0:
        return x0
    try:
        qhat1, _ = _qhat1_solve(x0["qhat0"], qstar, x0["qhat1"], order, tol=1e-8)
    except ComputationError:
        return x0
    return {"q0": x0["q0"] * qstar / float(old), "qhat0": x0["qhat0"], "qhat1": qhat1}


QUAD_RTOL = 1e-6  # relative quadrature tolerance of every reported RS field (solve_rs, error=True)
MAX_ORDER = 128  # highest order the refinement of solve_rs may reach
_RS_FIELDS = ("phi", "phi_S", "phi_E", "loglik", "entropy", "q0", "qhat0", "qhat1")


@dataclass(frozen=True, kw_only=True)
class _NewtonOutcome:
    values: dict
    residual: float
    iterations: int
    converged: bool
    message: str
    S: EntropicTerms | None
    E: EnergeticTerms | None
    method: str = "newton-jacobian"


def _newton_jacobian(alpha: float, beta: float, qstar: float, order: int, x0: Mapping[str, float],
                     tol: float, maxiter: int) -> _NewtonOutcome:
    """Newton's method on [baldassi2018, SM Eq. 15] with the analytic Jacobian (one kernel pass per step).

    Unknowns ``x = (q0, qhat0, qhat1)``; equations ``R1 = int <m>^2 - q0``,
    ``R2 = -2 alpha dG_E/dq0 - qhat0``, ``R3 = int <m^2> - q*``. Every entry of
    the Jacobian is an integral computed in the same pass as the map
    (:func:`entropic_terms` with ``jac=True``, ``d2G_E_dq0`` of
    :func:`energetic_terms`), so a step costs one map evaluation and near the
    root the convergence is quadratic (2-4 evaluations from a warm start,
    against 20-25 for the finite-difference hybrid method of
    :func:`theory.core.solver.converge`). The damped step, the domain
    ``0 < q0 < q*``, ``qhat0 >= 0`` and the natural-monotonicity line search
    are those of the shared :func:`theory.core.solver.newton`. Convergence:
    ``max |F(x) - x| / max(1, |x|) < tol`` for the fixed-point map, the same
    measure as :func:`converge`; the returned ``S``/``E`` are the integrals at
    the returned point.
    """
    x = np.array([float(x0["q0"]), max(float(x0["qhat0"]), 0.0), float(x0["qhat1"])])
    x[0] = min(max(x[0], 1e-12 * qstar), qstar * (1.0 - 1e-12))

    def fun(y):
        S = entropic_terms(y[1], y[2], order, jac=True)
        E = energetic_terms(y[0], qstar, beta, order)
        R = np.array([S.q0 - y[0], -2.0 * alpha * E.dG_E_dq0 - y[1], S.m2 - qstar])
        J = np.array([[-1.0, S.dq0_dqhat0, S.dq0_dqhat1],
                      [-2.0 * alpha * E.d2G_E_dq0, -1.0, 0.0],
                      [0.0, S.dm2_dqhat0, S.chi]])
        if not S.chi > 0.0:  # a degenerate site measure (a far trial point): a failed evaluation, not a crash
            raise ComputationError(f"degenerate site measure (d<m^2>/dqhat1 = {S.chi!r}) at qhat0={y[1]}, "
                                   f"qhat1={y[2]}")
        G = np.array([S.q0 - y[0], -2.0 * alpha * E.dG_E_dq0 - y[1], (qstar - S.m2) / S.chi])
        return R, J, G, (S, E)

    # q0 in (0, q*), qhat0 >= 0: the natural-monotonicity test matters here, since near
    # q0 -> q* the qhat0 equation is badly scaled (dqhat0/dq0 ~ 1e7 at beta = 1000) and the
    # residual can grow on a good step
    nr = newton(fun, x, lower=[0.0, 0.0, -np.inf], upper=[qstar, np.inf, np.inf], tol=tol, maxiter=maxiter)
    S, E = nr.aux if nr.aux is not None else (None, None)
    values = dict(zip(("q0", "qhat0", "qhat1"), map(float, nr.x))) if nr.aux is not None else {}
    return _NewtonOutcome(values=values, residual=nr.residual, iterations=nr.iterations, converged=nr.converged,
                          message=nr.message, S=S, E=E)


def solve_rs(
    alpha: float,
    beta: float,
    qstar: float,
    *,
    init: Mapping[str, float] | RSResult | None = None,
    tol: float = 1e-10,
    order: int = DEFAULT_ORDER,
    method: str = "newton",
    maxiter: int = 400,
    strict: bool = False,
    error: bool = True,
    quad_rtol: float = QUAD_RTOL,
    max_order: int = MAX_ORDER,
) -> RSResult:
    """RS saddle point ``(q0, qhat0, qhat1)`` and free entropy [baldassi2018, SM Eq. 12-15].

    Parameters
    ----------
    alpha
        Load ``M/N`` (>= 0).
    beta
        Inverse temperature (0 <= beta <= 1e4).
    qstar
        Squared norm ``q*`` of the control variables, in (0, 1).
    init
        Warm start (dict or :class:`RSResult`); default: the ``alpha=0`` solution.
    tol
        Residual tolerance of :func:`theory.core.solver.converge`.
    order
        Gauss-Legendre nodes per panel of every rule (z, u, m).
    method
        ``"newton"`` (default: Newton with the analytic Jacobian, :func:`theory.core.solver.newton`;
        if it fails, the hybrid Powell method ``"hybr"`` of :func:`~theory.core.solver.converge`
        from the same start, then from the bracketed cold start, then ``"auto"``), ``"iterate"``
        or ``"auto"`` (the methods of :func:`~theory.core.solver.converge`).
    maxiter
        Evaluation cap of the iterative solvers.
    strict
        Raise :class:`~theory.core.solver.ConvergenceError` if not converged.
    error
        Also estimate the quadrature error of every reported field (``errors``): the saddle point
        is solved at ``order // 2`` and ``order``, and the order doubled (up to ``max_order``)
        while an estimate exceeds ``quad_rtol * max(1e-3, |value|)``
        (:func:`theory.core.solve_to_accuracy`); unresolved at ``max_order``: ``converged=False``.
    quad_rtol
        Relative quadrature tolerance of the reported fields (with ``error=True``).
    max_order
        Highest order the refinement may reach (``order <= max_order <= 128``).

    Returns
    -------
    RSResult
        ``converged=False`` with the reason in ``message`` when the solve failed, when a
        quadrature error estimate stays above its tolerance, or when a physical bound is
        violated (``0 <= q0 < q*``, ``qhat0 >= 0``, ``loglik <= 0``, ``phi_E <= 0``, ``phi`` and
        ``entropy`` at most the ``alpha = 0`` entropy :func:`rs_entropy_bound`).

    Examples
    --------
    >>> r = solve_rs(0.55, 2.0, 0.7, order=8, error=False)
    >>> r.converged, 0.0 < r.q0 < 0.7
    (True, True)
    """
    return solve_rs_with_terms(alpha, beta, qstar, init=init, tol=tol, order=order, method=method, maxiter=maxiter,
                               strict=strict, error=error, quad_rtol=quad_rtol, max_order=max_order)[0]


def solve_rs_with_terms(alpha: float, beta: float, qstar: float, *,
                        init: Mapping[str, float] | RSResult | None = None, tol: float = 1e-10,
                        order: int = DEFAULT_ORDER, method: str = "newton", maxiter: int = 400, strict: bool = False,
                        error: bool = True, quad_rtol: float = QUAD_RTOL, max_order: int = MAX_ORDER,
                        ) -> tuple[RSResult, EntropicTerms | None, EnergeticTerms | None]:
    """:func:`solve_rs` that also returns the entropic and energetic terms at the solution.

    The terms are ``None`` when the solve failed; with them ``gamma_S``, ``gamma_E``
    [baldassi2018, SM Eq. 17-18] need no second kernel pass (:func:`theory.perceptron.stability.beta_c`).
    Parameters and returns as :func:`solve_rs`, plus the two term records.

    Examples
    --------
    >>> r, S, E = solve_rs_with_terms(0.55, 2.0, 0.7, order=8, error=False)
    >>> abs(S.q0 - r.q0) < 1e-8
    True
    """
    alpha, beta, qstar, tol, order = validate_rs_args(alpha, beta, qstar, tol, order)
    check_choice("method", method, {"newton", "iterate", "auto"})
    quad_rtol = check_real("quad_rtol", quad_rtol, gt=0.0, lt=1.0)
    max_order = check_int("max_order", max_order, ge=order, le=128)
    bounds = _rs_bounds(alpha, beta, qstar)
    if not error:
        out, S, E = _solve_rs_at_order(alpha, beta, qstar, init, tol, order, method, maxiter, strict)
        viol = bound_violations(out, bounds) if out.converged else []
        if viol:
            out = dataclasses.replace(out, converged=False, message="physical bound violated: " + "; ".join(viol))
            S = E = None
        if strict and not out.converged:
            raise ConvergenceError(f"RS saddle point not converged at alpha={alpha}, beta={beta}, qstar={qstar}: "
                                   f"{out.message}", _as_solver_result(out))
        return out, S, E
    terms: dict[int, tuple] = {}

    def solve(n, warm):
        r, S_, E_ = _solve_rs_at_order(alpha, beta, qstar, warm if warm is not None else init, tol, n, method,
                                       maxiter, False)
        terms[n] = (S_, E_)
        return r

    def propagate(r):
        # the solver's residual moved into every field at the same order (entropy and loglik are not
        # stationary in q0, qhat0, qhat1: at q0 -> q* they are very sensitive to them)
        # for the order parameters two passes: the second perturbs each by its first-pass error (the
        # chain q0 -> qhat0 -> qhat1 of the map) and the larger is kept; the thermodynamic fields take
        # the first pass (a second one would count the curvature of the stationary phi at a large step)
        ev = _rs_fields(alpha, beta, qstar, r.order)
        e1 = residual_sensitivity(ev, r.values, r.residual)
        res = max(float(r.residual), 1e-15)
        e2 = residual_sensitivity(ev, r.values, res, scale={k: e1[k] / (10.0 * res) for k in r.values})
        return {f: max(e1[f], e2[f]) if f in r.values else e1[f] for f in e1}

    ref = solve_to_accuracy(solve, order, fields=_RS_FIELDS, max_order=max_order, rtol=quad_rtol,
                            atol=1e-3 * quad_rtol, propagate=propagate)
    out = replace_with_accuracy(ref.result, ref, bounds)
    out = dataclasses.replace(out, error=float(ref.errors.get("phi", math.nan)))
    S, E = terms[ref.order] if out.converged else (None, None)
    if strict and not out.converged:
        raise ConvergenceError(f"RS saddle point not converged at alpha={alpha}, beta={beta}, qstar={qstar}: "
                               f"{out.message}", _as_solver_result(out))
    return out, S, E


@lru_cache(maxsize=512)
def rs_entropy_bound(qstar: float) -> float:
    """The ``alpha = 0`` entropy at ``q*``: the upper bound of the RS ``entropy`` and ``phi`` at every ``alpha, beta``.

    The uniform measure on the sphere ``sum m^2 = q* N`` in the box maximises the
    entropy; its value is the ``alpha = 0`` free entropy [baldassi2018, SM Eq. 12-13]
    ``G_S(0, qhat1) - q* qhat1 / 2`` with ``<m^2> = q*`` under ``exp(qhat1 m^2 / 2)``.

    Parameters
    ----------
    qstar
        Squared norm, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(rs_entropy_bound(1.0 / 3.0), 12)   # q* = 1/3: the uniform measure on the box, log 2
    0.69314718056
    >>> rs_entropy_bound(0.7) < rs_entropy_bound(1.0 / 3.0)
    True
    """
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    q1 = _qhat1_at_qhat0_zero(qstar)
    return float(entropic_terms(0.0, q1, 32).G_S - 0.5 * qstar * q1)


def _as_solver_result(r: RSResult) -> SolverResult:
    return SolverResult(values=r.values, residual=r.residual, iterations=max(r.iterations, 0), converged=False,
                        wall_time=0.0, method=r.method, message=r.message)


def _rs_fields(alpha: float, beta: float, qstar: float, order: int):
    """The reported fields of :class:`RSResult` at given order parameters (no solve): for
    :func:`theory.core.residual_sensitivity`."""

    def evaluate(x):
        q0 = min(max(x["q0"], 0.0), qstar * (1 - 1e-15))
        S = entropic_terms(max(x["qhat0"], 0.0), x["qhat1"], order)
        E = energetic_terms(q0, qstar, beta, order)
        phi_S = 0.5 * (q0 * x["qhat0"] - qstar * x["qhat1"]) + S.G_S
        phi_E = alpha * E.G_E
        # the order parameters through one application of the map [baldassi2018, SM Eq. 15]: a perturbed q0
        # moves qhat0 = -2 alpha dG_E/dq0 (steep as q0 -> q*), a perturbed qhat0 moves q0 = int <m>^2
        return {"phi": phi_S + phi_E, "phi_S": phi_S, "phi_E": phi_E, "loglik": E.loglik,
                "entropy": phi_S + alpha * E.entropy_E if beta > 0.0 else phi_S + phi_E,
                "q0": S.q0, "qhat0": -2.0 * alpha * E.dG_E_dq0,
                "qhat1": x["qhat1"] + ((qstar - S.m2) / S.chi if S.chi > 0.0 else math.inf)}

    return evaluate


def _rs_bounds(alpha: float, beta: float, qstar: float) -> dict[str, tuple[float | None, float | None]]:
    s0 = rs_entropy_bound(qstar)
    # a small slack for the rounding of the bound itself
    s0 += 1e-12 * max(1.0, abs(s0))
    return {"q0": (0.0, qstar), "qhat0": (0.0, None), "loglik": (None, 0.0), "phi_E": (None, 0.0),
            "entropy": (None, s0), "phi": (None, s0)}


def _solve_rs_at_order(alpha: float, beta: float, qstar: float, init, tol: float, order: int, method: str,
                       maxiter: int, strict: bool) -> tuple[RSResult, EntropicTerms | None, EnergeticTerms | None]:
    """The RS saddle point at one quadrature order (the body of :func:`solve_rs_with_terms`)."""
    x0 = as_rs_init(init)
    if x0 is None:
        init = None
        x0 = _default_init(alpha, beta, qstar)
    update = _fixed_point_map(alpha, beta, qstar, order)
    # the method of converge: "newton" here is the analytic-Jacobian Newton, whose fallback is hybrid Powell
    fallback = "hybr" if method == "newton" else method
    cached = None  # (S, E) at the solution when the analytic-Jacobian Newton produced it
    try:
        nt = None
        if method == "newton" and alpha > 0.0 and beta > 0.0:
            xs = _predict(init, x0, beta, qstar, order)
            # quadratic convergence needs < 10 evaluations from inside the basin: cap a warm attempt at 12
            nt = _newton_jacobian(alpha, beta, qstar, order, xs, tol, min(maxiter, 12 if init is not None else 30))
            # a warm start outside Newton's basin: the cold start is cheaper than the finite-difference
            # fallbacks below; a cold start from the reduced Newton that fails: the bracketed one
            retries = ([_default_init] if init is not None else []) + [_bracket_init]
            for start in retries:
                if nt.converged:
                    break
                nt2 = _newton_jacobian(alpha, beta, qstar, order, start(alpha, beta, qstar), tol, min(maxiter, 30))
                nt = dataclasses.replace(nt2, iterations=nt.iterations + nt2.iterations)
        if nt is not None and nt.converged:
            res = SolverResult(values=nt.values, residual=nt.residual, iterations=nt.iterations, converged=True,
                               wall_time=0.0, method=nt.method, message=nt.message)
            cached = (nt.S, nt.E)
        elif alpha == 0.0 or beta == 0.0:
            # no energetic term: q0 = qhat0 = 0 exactly, only the norm constraint remains
            def update1(x):
                y = update({"q0": 0.0, "qhat0": 0.0, "qhat1": x["qhat1"]})
                return {"qhat1": y["qhat1"]}
            r1 = converge(update1, {"qhat1": x0["qhat1"]}, tol=tol, method=fallback, maxiter=maxiter)
            res = dataclasses.replace(r1, values={"q0": 0.0, "qhat0": 0.0, **r1.values})
        else:
            res = converge(update, x0, tol=tol, method=fallback, maxiter=maxiter)
            if nt is not None:
                res = dataclasses.replace(res, iterations=res.iterations + nt.iterations,
                                          message=f"{res.message} (after: {nt.message})")
        if not res.converged and method == "newton" and alpha > 0.0 and beta > 0.0:
            # a poor warm start: retry from the bracketed cold start, then damped iteration
            starts = (([_default_init(alpha, beta, qstar)] if init is not None else [])
                      + [_bracket_init(alpha, beta, qstar)])
            for x1 in starts:
                res2 = converge(update, x1, tol=tol, method="hybr", maxiter=maxiter)
                if res2.converged:
                    res = dataclasses.replace(res2, iterations=res.iterations + res2.iterations)
                    break
            if not res.converged:
                res2 = converge(update, x0, tol=tol, method="auto", maxiter=maxiter, damping=0.3)
                res = res2 if (res2.converged or res2.residual < res.residual) else res
    except (ComputationError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError) as exc:
        if strict:
            raise
        return _failed(alpha, beta, qstar, order, method, str(exc)), None, None
    v = res.values
    q0, qhat0, qhat1 = v["q0"], v["qhat0"], v["qhat1"]
    ok = res.converged and 0.0 <= q0 < qstar and qhat0 >= 0.0
    msg = res.message if ok or not res.converged else f"solution outside the domain: {v}"
    try:
        if cached is not None:
            S, E = cached
        else:
            S = entropic_terms(max(qhat0, 0.0), qhat1, order)
            E = energetic_terms(min(max(q0, 0.0), qstar * (1 - 1e-12)), qstar, beta, order)
    except (ComputationError, ZeroDivisionError, FloatingPointError, np.linalg.LinAlgError) as exc:
        if strict:
            raise
        return _failed(alpha, beta, qstar, order, method, str(exc)), None, None
    phi_S = 0.5 * (q0 * qhat0 - qstar * qhat1) + S.G_S
    phi_E = alpha * E.G_E
    phi = phi_S + phi_E
    err = math.nan
    # entropy = phi - alpha beta loglik, without the cancellation of two terms ~ alpha beta (issue 21)
    entropy = phi_S + alpha * E.entropy_E if beta > 0.0 else phi
    out = RSResult(alpha=alpha, beta=beta, qstar=qstar, q0=q0, qhat0=qhat0, qhat1=qhat1, phi=phi, phi_S=phi_S,
                   phi_E=phi_E, loglik=E.loglik, entropy=entropy, converged=bool(ok),
                   residual=float(res.residual), iterations=int(res.iterations), error=float(err), order=order,
                   method=res.method, message=msg)
    if strict and not out.converged:
        raise ConvergenceError(f"RS saddle point not converged at alpha={alpha}, beta={beta}, qstar={qstar}: {msg}",
                               res)
    return out, S, E


def _failed(alpha, beta, qstar, order, method, msg) -> RSResult:
    return RSResult.failure(msg, alpha=alpha, beta=beta, qstar=qstar, residual=math.inf, iterations=0, order=order,
                            method=method)


def rs_curve(alpha: float, beta: float | Sequence[float], qstar: float | Sequence[float], *,
             init: Mapping[str, float] | RSResult | None = None, tol: float = 1e-10,
             order: int = DEFAULT_ORDER) -> Curve:
    """RS saddle points [baldassi2018, SM Eq. 12-15] along a path in ``beta`` and/or ``q*``.

    Continuation with :func:`theory.core.solver.span` (warm starts, step halving on failure).

    Parameters
    ----------
    alpha
        Load ``M/N``.
    beta, qstar
        A number or a sequence each (broadcast against each other).
    init
        Warm start of the first point.
    tol, order
        As :func:`solve_rs`.

    Returns
    -------
    Curve
        One :class:`theory.core.solver.CurvePoint` per point, failures kept.

    Examples
    --------
    >>> c = rs_curve(0.55, [1.0, 2.0], 0.7, order=8)
    >>> [p.converged for p in c.points]
    [True, True]
    """
    betas = np.atleast_1d(np.asarray(beta, dtype=float))
    qs = np.atleast_1d(np.asarray(qstar, dtype=float))
    n = max(betas.size, qs.size)
    betas = np.broadcast_to(betas, (n,))
    qs = np.broadcast_to(qs, (n,))
    path = [{"beta": float(b), "qstar": float(q)} for b, q in zip(betas, qs)]

    def solve(p, x):
        return solve_rs(alpha, p["beta"], p["qstar"], init=x, tol=tol, order=order)

    # warm start with the whole result, so that solve_rs can move it to the new q* (_predict)
    return span(solve, path, init, warm=lambda r: r)
