"""Replica-symmetric theory of the stochastic binary perceptron.

Source: seed ``004_deaa60c1bff9cc41`` (Baldassi et al., "On the role of
synaptic stochasticity in training low-precision neural networks"),
Supplementary Material Sec. I, Eq. (1)-(20). Derivation and the list of
differences from the printed equations: ``docs/stochastic_perceptron_rs.md``.

The model: control variables ``m in [-1, 1]^N`` with ``sum_i m_i^2 = q* N`` and
Gibbs weight ``exp(beta L(m))``, ``L(m) = sum_mu log H(-sum_i m_i x_i^mu / sqrt(N (1 - q*)))``
(SM Eq. 1-2). The RS free entropy (SM Eq. 12-14) is

    phi = extr_{q0, qhat0, qhat1} 1/2 (q0 qhat0 - q* qhat1) + G_S(qhat0, qhat1) + alpha G_E(q0)
    G_S = int Dz log int_{-1}^{1} dm exp(a m^2 + b m),   a = (qhat1 - qhat0)/2,  b = sqrt(qhat0) z
    G_E = int Dz log Z_E(h),   Z_E(h) = int Du H^beta(-(h + sqrt(q* - q0) u) / sqrt(1 - q*)),  h = sqrt(q0) z

Numerics (all in log domain):

* ``G_S`` and its moments: :func:`theory.core.quadrature.interval_moments`
  (graded Gauss-Legendre on [-1, 1], one compiled pass) on a composite Gauss-Legendre
  ``Dz`` rule with breakpoints at the scale ``1/sqrt(qhat0)``.
* ``G_E``: a numba kernel. For every outer node ``z`` the inner ``u`` domain is
  centred on the mode ``u*`` of the (log-concave) posterior
  ``exp(-u^2/2) H^beta(x(u))`` and split at the kink of ``H^beta`` (``x = 0`` and
  the step at ``x ~ -sqrt(2 log beta)``), then integrated by composite
  Gauss-Legendre in log-sum-exp form. ``H^beta = exp(beta logH)`` throughout.

The fixed-point map (SM Eq. 15) is
``q0 <- int Dz <m>^2``, ``qhat0 <- alpha int Dz (d_h log Z_E)^2`` and, for the
norm constraint ``q* = int Dz <m^2>``, a Newton step in ``qhat1``
(``d<m^2>/dqhat1 = (<m^4> - <m^2>^2)/2``). It is solved by Newton's method
with the analytic Jacobian (:func:`_newton_jacobian`: every entry is an
integral from the same kernel pass, 3-5 map evaluations from a warm start),
with :func:`theory.core.solver.converge` (hybrid Powell, damped iteration) as
the fallback. A cold start first solves the reduced 1-d map in ``q0`` at order 6
by a safeguarded Newton with the analytic derivative (:func:`_reduced_newton`),
after which the order-12 Newton needs 2-3 map evaluations. The beta -> infinity limit is in
:mod:`theory.perceptron.zero_temperature`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numba
import numpy as np
from scipy.optimize import brentq

from theory.core.params import check_int, check_real, check_choice
from theory.core.quadrature import dz_rule, interval_mean, interval_moments, legendre_nodes
from theory.core.results import Record
from theory.core.solver import ComputationError, ConvergenceError, Curve, SolverResult, converge, newton, span
from theory.core.special import GH, logG, logH

__all__ = [
    "RSResult",
    "StabilityResult",
    "BetaCResult",
    "G_S",
    "G_E",
    "entropic_terms",
    "energetic_terms",
    "rs_free_entropy",
    "solve_rs",
    "rs_curve",
    "stability",
    "beta_c",
    "dz_rule",
    "DEFAULT_ORDER",
]

DEFAULT_ORDER = 12
_UHALF = 9.0  # half-width of the u window around the posterior mode (log-concave, curvature <= -1)
_DROP = 42.0  # the u window is cut where the posterior falls below exp(-_DROP) (5.7e-19) of its maximum
_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)

# breakpoints of the inner rule, in units of the H^beta kink (t = y / sqrt(1-q*), y = h + sqrt(D) u)
_T_STEP = np.array([0.0, 1.0, 2.0, 3.0, 4.5, 6.5])
_T_DECAY = np.array([-0.5, -1.5, -4.0])  # times 1/sqrt(max(beta, 1))
_T_MODE = np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])
_N_UNIFORM = 4  # uniform panels on the window [u* - 9, u* + 9]
_Z_BREAKS = np.array([-6.0, -3.0, -1.5, -0.5, 0.5, 1.5, 3.0, 6.0])


# ---------------------------------------------------------------------------
# energetic kernel
# ---------------------------------------------------------------------------
@numba.njit(cache=True)
def _log_post(u, h, sD, s, beta):
    return -0.5 * u * u + beta * logH(-(h + sD * u) / s)


@numba.njit(cache=True)
def _posterior_mode(h, sD, s, beta):
    """Mode of ``exp(-u^2/2) H^beta(-(h + sD u)/s)`` (log-concave) and its curvature width."""
    r = sD / s
    # psi'(u) = -u + beta r GH(x), decreasing in u; psi'(0) > 0 so the mode is > 0
    lo = 0.0
    hi = 1.0
    while -hi + beta * r * GH(-(h + sD * hi) / s) > 0.0:
        lo = hi
        hi *= 2.0
        if hi > 1e12:
            break
    u = 0.5 * (lo + hi)
    for _ in range(200):
        x = -(h + sD * u) / s
        g = GH(x)
        d1 = -u + beta * r * g
        if d1 > 0.0:
            lo = u
        else:
            hi = u
        d2 = -1.0 - beta * r * r * g * (g - x)  # psi'' = -1 + beta r^2 K'(x), K' = GH (x - GH)
        un = u - d1 / d2
        if not (lo < un < hi):
            un = 0.5 * (lo + hi)
        if abs(un - u) <= 1e-13 * (1.0 + abs(u)):
            u = un
            break
        u = un
    x = -(h + sD * u) / s
    g = GH(x)
    curv = 1.0 + beta * r * r * g * (g - x)
    return u, 1.0 / math.sqrt(curv)


@numba.njit(cache=True)
def _n_edges_max(n_extra):
    """Number of edges :func:`_u_edges` writes (an exact count: its buffer and the kernels' buffers use it)."""
    return _N_UNIFORM + 1 + _T_MODE.size + _T_STEP.size + _T_DECAY.size + 1 + n_extra


@numba.njit(cache=True)
def _window_edge(h, sD, s, beta, um, side):
    """Point beyond which the posterior is below ``exp(-_DROP)`` times its maximum, on one side of the mode.

    ``psi(u) = -u^2/2 + beta log H(x(u))`` is concave (curvature <= -1), so
    ``psi(um +- _UHALF) <= psi(um) - _UHALF^2/2 < psi(um) - _DROP`` and Newton's
    method on ``psi(u) - psi(um) + _DROP`` started there approaches the root
    monotonically from outside: every iterate is a conservative edge.
    """
    target = _log_post(um, h, sD, s, beta) - _DROP
    u = um + side * _UHALF
    r = sD / s
    for _ in range(30):
        f = _log_post(u, h, sD, s, beta) - target
        if f > -1.0:  # within a factor e of the target level, still outside
            break
        d1 = -u + beta * r * GH(-(h + sD * u) / s)
        if side * d1 >= 0.0:
            break
        un = u - f / d1
        if side * (un - um) <= 0.0:
            break
        u = un
    return u


@numba.njit(cache=True)
def _u_edges(h, sD, s, beta, extra_c, extra_w, extra_T):
    """Panel edges of the inner ``u`` rule for one outer node (see module docstring)."""
    um, wm = _posterior_mode(h, sD, s, beta)
    lo = _window_edge(h, sD, s, beta, um, -1.0)
    hi = _window_edge(h, sD, s, beta, um, 1.0)
    c = s / sD
    u0 = -h / sD
    sb = 1.0 / math.sqrt(max(beta, 1.0))
    n = _n_edges_max(extra_T.size if extra_w > 0.0 else 0)
    e = np.empty(n)
    k = 0
    for i in range(_N_UNIFORM + 1):
        e[k] = lo + (hi - lo) * i / _N_UNIFORM
        k += 1
    for t in _T_MODE:
        e[k] = um + wm * t
        k += 1
    for t in _T_STEP:
        e[k] = u0 + c * t
        k += 1
    for t in _T_DECAY:
        e[k] = u0 + c * t * sb
        k += 1
    e[k] = extra_c
    k += 1
    if extra_w > 0.0:
        for t in extra_T:
            e[k] = extra_c + extra_w * t
            k += 1
    if k != n:
        raise ValueError("_u_edges: edge count does not match _n_edges_max")
    e = e[:k]
    for i in range(k):
        e[i] = min(max(e[i], lo), hi)
    return np.sort(e)


@numba.njit(cache=True)
def _energetic_kernel(z, sq0, sD, s, beta, glx, glw):
    """Per outer node: log Z_E, d_h log Z_E, d_h^2 log Z_E (two forms), <log H>.

    d2 = Cov(u, g')/sqrt(D) (Stein form) and d2b = <g''> + Var(g'), with
    ``g = beta log H(x)``, ``x = -(h + sqrt(D) u)/sqrt(1-q*)``.
    """
    nz = z.size
    out = np.empty((5, nz))
    empty = np.empty(0)
    no = glx.size
    logw = np.log(glw)
    # every slot below index k is written before it is read; the bound is exact
    nmax = (_n_edges_max(0) - 1) * no
    L = np.empty(nmax)
    U = np.empty(nmax)
    X = np.empty(nmax)
    Gp = np.empty(nmax)
    Lh = np.empty(nmax)
    for i in range(nz):
        h = sq0 * z[i]
        e = _u_edges(h, sD, s, beta, 0.0, 0.0, empty)
        if (e.size - 1) * no > nmax:
            raise ValueError("_energetic_kernel: more u nodes than the buffers hold")
        k = 0
        mx = -np.inf
        for p in range(e.size - 1):
            half = 0.5 * (e[p + 1] - e[p])
            if half <= 1e-300:
                continue
            mid = 0.5 * (e[p + 1] + e[p])
            lhalf = math.log(half)
            for j in range(no):
                u = mid + half * glx[j]
                x = -(h + sD * u) / s
                lh = logH(x)
                U[k] = u
                X[k] = x
                Lh[k] = lh
                # G/H from the logs: one erfc per node instead of two (relative error ~1e-16 |log G|)
                Gp[k] = math.exp(logG(x) - lh)
                v = lhalf + logw[j] - 0.5 * u * u - _LOG_SQRT2PI + beta * lh
                L[k] = v
                if v > mx:
                    mx = v
                k += 1
        S = 0.0
        su = 0.0
        sg = 0.0
        sl = 0.0
        for j in range(k):
            pj = math.exp(L[j] - mx)
            L[j] = pj
            S += pj
            su += pj * U[j]
            sg += pj * Gp[j]
            sl += pj * Lh[j]
        ub = su / S
        gb = sg / S
        cov = 0.0
        var = 0.0
        sg2 = 0.0
        for j in range(k):
            pj = L[j]
            gp = Gp[j]
            cov += pj * (U[j] - ub) * (gp - gb)
            var += pj * (gp - gb) * (gp - gb)
            sg2 += pj * gp * (X[j] - gp)
        out[0, i] = mx + math.log(S)
        out[1, i] = beta / s * gb
        out[2, i] = beta / s * cov / S / sD
        out[3, i] = beta / (s * s) * sg2 / S + (beta / s) ** 2 * var / S
        out[4, i] = sl / S
    return out


# ---------------------------------------------------------------------------
# the two terms of SM Eq. (12)
# ---------------------------------------------------------------------------
def _check_order(order: int) -> int:
    return check_int("order", order, ge=4, le=128)


def _e_rule(q0: float, qstar: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    D = qstar - q0
    s2 = 1.0 - qstar
    if q0 <= 0.0:
        return dz_rule(order)
    scale = math.sqrt(D + s2) / math.sqrt(q0)
    return dz_rule(order, _Z_BREAKS * scale, panels=4)


_B_GEOM = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
_B_EDGE = np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])


def _s_rule(qhat0: float, qhat1: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Dz rule for G_S: breaks in ``b = sqrt(qhat0) z`` on a geometric grid and around
    ``b = 2|a|`` where the interior maximum of ``a m^2 + b m`` (a < 0) reaches the boundary m = 1."""
    if qhat0 <= 0.0:
        return dz_rule(order)
    a = 0.5 * abs(qhat1 - qhat0)
    bb = np.concatenate([_B_GEOM, 2.0 * a + math.sqrt(2.0 * a + 1.0) * _B_EDGE])
    bb = np.concatenate([bb, -bb]) / math.sqrt(qhat0)
    return dz_rule(order, bb)


def energetic_terms(q0: float, qstar: float, beta: float, order: int = DEFAULT_ORDER) -> dict[str, float]:
    """``G_E`` (SM Eq. 14) and the integrals the saddle point and stability need.

    Returns a dict with

    * ``G_E`` = int Dz log Z_E;
    * ``dG_E_dq0`` = -1/2 int Dz (d_h log Z_E)^2 (so ``qhat0 = -2 alpha dG_E/dq0``, SM Eq. 15);
    * ``d2G_E_dq0`` = d^2 G_E / dq0^2 = -1/2 int Dz [(F'')^2 - 2 (F')^2 F''], ``F = log Z_E``
      (the Jacobian entry ``dqhat0/dq0`` of the Newton solve; derived in the docs, Sec. 3);
    * ``gamma_E`` = int Dz (d_h^2 log Z_E)^2 (SM Eq. 17, with the variance of
      u-hat written as ``-d_h^2 log Z_E``);
    * ``gamma_E_alt``: the same from the form ``<g''> + Var(g')`` (quadrature check);
    * ``loglik`` = int Dz <log H(x)> (mean log-likelihood per pattern, ``dG_E/dbeta``).
    """
    if not (0.0 <= q0 < qstar < 1.0):
        raise ValueError(f"energetic_terms needs 0 <= q0 < qstar < 1 (got q0={q0!r}, qstar={qstar!r})")
    z, w = _e_rule(q0, qstar, order)
    glx, glw = legendre_nodes(order)
    out = _energetic_kernel(z, math.sqrt(q0), math.sqrt(qstar - q0), math.sqrt(1.0 - qstar), float(beta), glx, glw)
    if not np.all(np.isfinite(out)):
        raise ComputationError(f"non-finite energetic integrand at q0={q0}, qstar={qstar}, beta={beta}")
    d1sq = out[1] ** 2
    return {
        "G_E": float(w @ out[0]),
        "dG_E_dq0": float(-0.5 * (w @ d1sq)),
        "d2G_E_dq0": float(-0.5 * (w @ (out[2] ** 2 - 2.0 * d1sq * out[2]))),
        "gamma_E": float(w @ out[2] ** 2),
        "gamma_E_alt": float(w @ out[3] ** 2),
        "loglik": float(w @ out[4]),
    }


def entropic_terms(qhat0: float, qhat1: float, order: int = DEFAULT_ORDER, *, with_G: bool = True,
                   jac: bool = False) -> dict[str, float]:
    """``G_S`` (SM Eq. 13) and the site averages (SM Eq. 20) the saddle point needs.

    Returns a dict with ``G_S``, ``q0`` = int Dz <m>^2, ``m2`` = int Dz <m^2>,
    ``chi`` = d m2 / d qhat1 = 1/2 int Dz (<m^4> - <m^2>^2), and
    ``gamma_S`` = int Dz (<m^2> - <m>^2)^2 (SM Eq. 18). The integrand is even
    in ``z`` (``b -> -b``, ``m -> -m``), so only the ``z >= 0`` half of the
    symmetric rule is evaluated. ``with_G=False`` skips ``G_S`` (the fixed-point
    map needs only the moments). ``jac=True`` adds the partial derivatives
    ``dq0_dqhat0``, ``dq0_dqhat1``, ``dm2_dqhat0`` (``dm2/dqhat1`` is ``chi``) for
    the Newton solve, from the same moments up to ``<m^4>``.
    """
    if not qhat0 >= 0.0:
        raise ValueError(f"qhat0 must be >= 0 (got {qhat0!r})")
    z, w = _s_rule(qhat0, qhat1, order)
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
    return res


def G_S(qhat0: float, qhat1: float, *, order: int = DEFAULT_ORDER) -> float:
    """Entropic term ``G_S(qhat0, qhat1)`` of SM Eq. (13)."""
    check_real("qhat0", qhat0, ge=0.0)
    check_real("qhat1", qhat1)
    return entropic_terms(float(qhat0), float(qhat1), _check_order(order))["G_S"]


def G_E(q0: float, qstar: float, beta: float, *, order: int = DEFAULT_ORDER) -> float:
    """Energetic term ``G_E(q0; q*, beta)`` of SM Eq. (14)."""
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    check_real("q0", q0, ge=0.0, lt=qstar)
    check_real("beta", beta, ge=0.0)
    return energetic_terms(float(q0), qstar, float(beta), _check_order(order))["G_E"]


def rs_free_entropy(q0: float, qhat0: float, qhat1: float, *, alpha: float, beta: float, qstar: float,
                    order: int = DEFAULT_ORDER) -> float:
    """The RS functional of SM Eq. (12) at arbitrary order parameters (not extremised)."""
    S = entropic_terms(qhat0, qhat1, order)
    E = energetic_terms(q0, qstar, beta, order)
    return 0.5 * (q0 * qhat0 - qstar * qhat1) + S["G_S"] + alpha * E["G_E"]


# ---------------------------------------------------------------------------
# saddle point
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RSResult(Record):
    """RS saddle point of the stochastic perceptron (SM Eq. 12-15).

    ``phi = phi_S + phi_E`` with the entropic part ``phi_S = (q0 qhat0 - q* qhat1)/2 + G_S``
    and the energetic part ``phi_E = alpha G_E``. ``loglik`` is the mean
    log-likelihood per pattern ``<L(m)>/M = dphi/dbeta / alpha``, and
    ``entropy = phi - alpha beta loglik`` the entropy of the Gibbs measure on
    the sphere ``sum m^2 = q* N`` in the box. ``error`` is ``|phi(order) - phi(order//2)|``
    at the solution.
    """

    alpha: float
    beta: float
    qstar: float
    q0: float
    qhat0: float
    qhat1: float
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

    @property
    def values(self) -> dict[str, float]:
        """Order parameters (warm start for a neighbouring solve)."""
        return {"q0": self.q0, "qhat0": self.qhat0, "qhat1": self.qhat1}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


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


def _qhat1_solve(qhat0: float, qstar: float, qhat1: float, order: int, tol: float = 1e-9) -> tuple[float, dict]:
    """``qhat1`` solving the norm constraint ``int Dz <m^2> = q*`` at fixed ``qhat0``.

    ``int Dz <m^2>`` increases with ``qhat1`` (its derivative is ``chi > 0``):
    safeguarded Newton inside an expanding bracket.
    """
    S = entropic_terms(qhat0, qhat1, order, with_G=False, jac=True)
    lo, hi = -math.inf, math.inf
    for _ in range(100):
        r = S["m2"] - qstar
        if abs(r) < tol:
            break
        if r < 0:
            lo = qhat1
        else:
            hi = qhat1
        # chi = Var(m^2)/2 can round to <= 0 when the site measure is nearly a point mass
        # (extreme trial qhat1): then only the bracket steps below are taken
        new = qhat1 - r / S["chi"] if S["chi"] > 0.0 else math.nan
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

    ``F``: ``qhat0 = -2 alpha dG_E/dq0`` (SM Eq. 15), ``qhat1`` from the norm
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
        qhat0 = -2.0 * alpha * E["dG_E_dq0"]
        guess = state["qhat1"] + state["slope"] * (qhat0 - state["qhat0"])
        qhat1, S = _qhat1_solve(qhat0, qstar, guess, order, tol=norm_tol)
        slope = -S["dm2_dqhat0"] / S["chi"] if S["chi"] > 0.0 else 0.0
        state.update(qhat1=qhat1, qhat0=qhat0, slope=slope)
        dF = (S["dq0_dqhat0"] + S["dq0_dqhat1"] * slope) * (-2.0 * alpha * E["d2G_E_dq0"])
        return S["q0"] - q0, dF - 1.0

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
        qhat0 = -2.0 * alpha * energetic_terms(q0, qstar, beta, lo_order)["dG_E_dq0"]
        # start the norm-constraint solve on the tangent dqhat1/dqhat0 = -M_0/M_1 = Q_1/chi
        guess = state["qhat1"] + state["slope"] * (qhat0 - state["qhat0"])
        # 1e-6 in <m^2> moves the root in q0 by ~1e-6, far below the 1e-3 bracket tolerance
        qhat1, S = _qhat1_solve(qhat0, qstar, guess, lo_order, tol=1e-6)
        state["qhat1"], state["qhat0"] = qhat1, qhat0
        state["slope"] = S["dq0_dqhat1"] / S["chi"] if S["chi"] > 0 else 0.0
        return S["q0"] - q0

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


def _validate(alpha, beta, qstar, tol, order):
    alpha = check_real("alpha", alpha, ge=0.0)
    beta = check_real("beta", beta, ge=0.0, le=1e4)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    tol = check_real("tol", tol, gt=0.0, lt=1.0)
    order = _check_order(order)
    return alpha, beta, qstar, tol, order


def _fixed_point_map(alpha: float, beta: float, qstar: float, order: int):
    qmax = qstar * (1.0 - 1e-12)

    def update(x: Mapping[str, float]) -> dict[str, float]:
        q0 = min(max(x["q0"], 0.0), qmax)
        qhat0 = max(x["qhat0"], 0.0)
        qhat1 = x["qhat1"]
        S = entropic_terms(qhat0, qhat1, order, with_G=False)
        if alpha > 0.0 and beta > 0.0:
            E = energetic_terms(q0, qstar, beta, order)
            qhat0_new = -2.0 * alpha * E["dG_E_dq0"]
        else:
            qhat0_new = 0.0
        if not S["chi"] > 0.0:
            raise ComputationError(f"degenerate site measure (d<m^2>/dqhat1 = {S['chi']!r}) at qhat0={qhat0}, "
                                   f"qhat1={qhat1}")
        step = (qstar - S["m2"]) / S["chi"]
        lim = max(5.0, abs(qhat1))
        step = max(-lim, min(lim, step))
        return {"q0": S["q0"], "qhat0": qhat0_new, "qhat1": qhat1 + step}

    return update


def _as_init(init) -> dict[str, float] | None:
    if init is None:
        return None
    if isinstance(init, Mapping):
        x = {k: float(init[k]) for k in ("q0", "qhat0", "qhat1")}
        if not all(math.isfinite(t) for t in x.values()):
            raise ValueError(f"init must have finite q0, qhat0, qhat1 (got {x})")
        return x
    if hasattr(init, "values"):
        v = init.values
        x = {k: float(v[k]) for k in ("q0", "qhat0", "qhat1")}
        # a failed result (NaN order parameters) carries no information: cold start
        return x if all(math.isfinite(t) for t in x.values()) else None
    raise ValueError(f"init must be None, a dict with q0, qhat0, qhat1 or an RSResult (got {type(init).__name__})")


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
        k = beta / float(b_old)
        q_old = float(init.qstar)
        x0 = {"q0": q_old - (q_old - x0["q0"]) / k, "qhat0": x0["qhat0"] * k * k,
              "qhat1": x0["qhat0"] * k * k + (x0["qhat1"] - x0["qhat0"]) * k}
    old = getattr(init, "qstar", None)
    if old is None or not math.isfinite(float(old)) or float(old) == qstar or x0["qhat0"] < 0.0:
        return x0
    try:
        qhat1, _ = _qhat1_solve(x0["qhat0"], qstar, x0["qhat1"], order, tol=1e-8)
    except ComputationError:
        return x0
    return {"q0": x0["q0"] * qstar / float(old), "qhat0": x0["qhat0"], "qhat1": qhat1}


@dataclass(frozen=True)
class _NewtonOutcome:
    values: dict
    residual: float
    iterations: int
    converged: bool
    message: str
    S: dict | None
    E: dict | None
    method: str = "newton-jacobian"


def _newton_jacobian(alpha: float, beta: float, qstar: float, order: int, x0: Mapping[str, float],
                     tol: float, maxiter: int) -> _NewtonOutcome:
    """Newton's method on SM Eq. (15) with the analytic Jacobian (one kernel pass per step).

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
        R = np.array([S["q0"] - y[0], -2.0 * alpha * E["dG_E_dq0"] - y[1], S["m2"] - qstar])
        J = np.array([[-1.0, S["dq0_dqhat0"], S["dq0_dqhat1"]],
                      [-2.0 * alpha * E["d2G_E_dq0"], -1.0, 0.0],
                      [0.0, S["dm2_dqhat0"], S["chi"]]])
        G = np.array([S["q0"] - y[0], -2.0 * alpha * E["dG_E_dq0"] - y[1], (qstar - S["m2"]) / S["chi"]])
        return R, J, G, (S, E)

    # q0 in (0, q*), qhat0 >= 0: the natural-monotonicity test matters here, since near
    # q0 -> q* the qhat0 equation is badly scaled (dqhat0/dq0 ~ 1e7 at beta = 1000) and the
    # residual can grow on a good step
    nr = newton(fun, x, lower=[0.0, 0.0, -np.inf], upper=[qstar, np.inf, np.inf], tol=tol, maxiter=maxiter)
    S, E = nr.aux if nr.aux is not None else (None, None)
    values = dict(zip(("q0", "qhat0", "qhat1"), map(float, nr.x))) if nr.aux is not None else {}
    return _NewtonOutcome(values, nr.residual, nr.iterations, nr.converged, nr.message, S, E)


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
) -> RSResult:
    """RS saddle point ``(q0, qhat0, qhat1)`` and free entropy (SM Eq. 12-15).

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
        ``"newton"`` (default: Newton with the analytic Jacobian, :func:`_newton_jacobian`;
        if it fails, the hybrid method of :func:`converge` from the same start, then from the
        bracketed cold start, then ``"auto"``), ``"iterate"`` or ``"auto"``.
    strict
        Raise :class:`~theory.core.solver.ConvergenceError` if not converged.
    error
        Also estimate the quadrature error ``|phi(order) - phi(order // 2)|``.

    Returns
    -------
    RSResult
    """
    return _solve_rs_terms(alpha, beta, qstar, init=init, tol=tol, order=order, method=method, maxiter=maxiter,
                           strict=strict, error=error)[0]


def _solve_rs_terms(alpha, beta, qstar, *, init=None, tol=1e-10, order=DEFAULT_ORDER, method="newton", maxiter=400,
                    strict=False, error=True) -> tuple[RSResult, dict | None, dict | None]:
    """:func:`solve_rs` that also returns the entropic and energetic integrals at the solution
    (``None`` when it failed), so that gamma_S, gamma_E need no second kernel pass."""
    alpha, beta, qstar, tol, order = _validate(alpha, beta, qstar, tol, order)
    check_choice("method", method, {"newton", "iterate", "auto"})
    x0 = _as_init(init)
    if x0 is None:
        init = None
        x0 = _default_init(alpha, beta, qstar)
    update = _fixed_point_map(alpha, beta, qstar, order)
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
            res = SolverResult(nt.values, nt.residual, nt.iterations, True, 0.0, nt.method, nt.message)
            cached = (nt.S, nt.E)
        elif alpha == 0.0 or beta == 0.0:
            # no energetic term: q0 = qhat0 = 0 exactly, only the norm constraint remains
            def update1(x):
                y = update({"q0": 0.0, "qhat0": 0.0, "qhat1": x["qhat1"]})
                return {"qhat1": y["qhat1"]}
            r1 = converge(update1, {"qhat1": x0["qhat1"]}, tol=tol, method=method, maxiter=maxiter)
            res = dataclasses.replace(r1, values={"q0": 0.0, "qhat0": 0.0, **r1.values})
        else:
            res = converge(update, x0, tol=tol, method=method, maxiter=maxiter)
            if nt is not None:
                res = dataclasses.replace(res, iterations=res.iterations + nt.iterations,
                                          message=f"{res.message} (after: {nt.message})")
        if not res.converged and method == "newton" and alpha > 0.0 and beta > 0.0:
            # a poor warm start: retry from the bracketed cold start, then damped iteration
            starts = ([_default_init(alpha, beta, qstar)] if init is not None else []) + [_bracket_init(alpha, beta, qstar)]
            for x1 in starts:
                res2 = converge(update, x1, tol=tol, method="newton", maxiter=maxiter)
                if res2.converged:
                    res = dataclasses.replace(res2, iterations=res.iterations + res2.iterations)
                    break
            if not res.converged:
                res2 = converge(update, x0, tol=tol, method="auto", maxiter=maxiter, damping=0.3)
                res = res2 if (res2.converged or res2.residual < res.residual) else res
    except ComputationError as exc:
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
    except ComputationError as exc:
        if strict:
            raise
        return _failed(alpha, beta, qstar, order, method, str(exc)), None, None
    phi_S = 0.5 * (q0 * qhat0 - qstar * qhat1) + S["G_S"]
    phi_E = alpha * E["G_E"]
    phi = phi_S + phi_E
    err = math.nan
    if error:
        lo = max(4, order // 2)
        err = abs(phi - rs_free_entropy(min(max(q0, 0.0), qstar * (1 - 1e-12)), max(qhat0, 0.0), qhat1,
                                        alpha=alpha, beta=beta, qstar=qstar, order=lo))
    out = RSResult(alpha, beta, qstar, q0, qhat0, qhat1, phi, phi_S, phi_E, E["loglik"],
                   phi - alpha * beta * E["loglik"], bool(ok), float(res.residual), int(res.iterations),
                   float(err), order, res.method, msg)
    if strict and not out.converged:
        raise ConvergenceError(f"RS saddle point not converged at alpha={alpha}, beta={beta}, qstar={qstar}: {msg}", res)
    return out, S, E


def _failed(alpha, beta, qstar, order, method, msg) -> RSResult:
    nan = math.nan
    return RSResult(alpha, beta, qstar, nan, nan, nan, nan, nan, nan, nan, nan, False, math.inf, 0, nan, order,
                    method, msg)


def rs_curve(alpha: float, beta: float | Sequence[float], qstar: float | Sequence[float], *,
             init=None, tol: float = 1e-10, order: int = DEFAULT_ORDER) -> Curve:
    """RS saddle points along a path in ``beta`` and/or ``q*`` (continuation with :func:`span`)."""
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


# ---------------------------------------------------------------------------
# local stability (SM Eq. 16-20)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StabilityResult(Record):
    """RS local stability: ``margin = alpha gamma_E gamma_S`` (SM Eq. 16); stable iff margin < 1."""

    alpha: float
    beta: float
    qstar: float
    q0: float
    qhat0: float
    qhat1: float
    gamma_E: float
    gamma_S: float
    margin: float
    stable: bool
    converged: bool
    residual: float
    error: float
    message: str = ""

    @property
    def values(self) -> dict[str, float]:
        return {"q0": self.q0, "qhat0": self.qhat0, "qhat1": self.qhat1}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def gammas(rs: RSResult, order: int | None = None) -> tuple[float, float, float]:
    """``(gamma_E, gamma_S, error)`` at a solved saddle point (SM Eq. 17-18).

    ``error`` is the change of the margin between ``order`` and ``order // 2``.
    """
    order = rs.order if order is None else _check_order(order)
    q0 = min(max(rs.q0, 0.0), rs.qstar * (1 - 1e-12))

    def at(o):
        E = energetic_terms(q0, rs.qstar, rs.beta, o)
        S = entropic_terms(max(rs.qhat0, 0.0), rs.qhat1, o)
        return E["gamma_E"], S["gamma_S"]

    gE, gS = at(order)
    gE2, gS2 = at(max(4, order // 2))
    return gE, gS, abs(rs.alpha * (gE * gS - gE2 * gS2))


def stability(alpha: float, beta: float, qstar: float, *, init=None, tol: float = 1e-10,
              order: int = DEFAULT_ORDER) -> StabilityResult:
    """RS stability at ``(alpha, beta, q*)``: ``gamma_E``, ``gamma_S``, margin (SM Eq. 16-20)."""
    rs = solve_rs(alpha, beta, qstar, init=init, tol=tol, order=order, error=False)
    if not rs.converged:
        nan = math.nan
        return StabilityResult(rs.alpha, rs.beta, rs.qstar, rs.q0, rs.qhat0, rs.qhat1, nan, nan, nan, False,
                               False, rs.residual, nan, rs.message)
    gE, gS, err = gammas(rs)
    margin = rs.alpha * gE * gS
    return StabilityResult(rs.alpha, rs.beta, rs.qstar, rs.q0, rs.qhat0, rs.qhat1, gE, gS, margin,
                           bool(margin < 1.0), True, rs.residual, err, "")


@dataclass(frozen=True)
class BetaCResult(Record):
    """``beta_c(alpha, q*)``: where the RS margin ``alpha gamma_E gamma_S`` reaches 1."""

    alpha: float
    qstar: float
    beta_c: float
    converged: bool
    q0: float = math.nan
    qhat0: float = math.nan
    qhat1: float = math.nan
    margin_error: float = math.nan
    message: str = ""

    @property
    def values(self) -> dict[str, float]:
        return {"q0": self.q0, "qhat0": self.qhat0, "qhat1": self.qhat1}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def beta_c(alpha: float, qstar: float, *, beta_start: float = 1.0, beta_max: float = 500.0,
           init=None, tol: float = 1e-10, order: int = DEFAULT_ORDER, xtol: float = 1e-6,
           ratio: float = 1.25) -> BetaCResult:
    """Critical inverse temperature of the RS solution (SM Fig. 1): ``alpha gamma_E gamma_S = 1``.

    The saddle point is continued along ``beta`` on a geometric grid (``ratio``,
    default 1.25) from ``beta_start`` until the margin exceeds 1, then the root is
    bracketed and found by Brent's method (relative ``xtol`` in ``beta``),
    each evaluation warm-started from the nearest solved point. If the margin
    at ``beta_start`` already exceeds 1, the grid goes downwards. Reports
    ``converged=False`` with the reason when a saddle point fails or no
    crossing is found below ``beta_max``. Along a curve in ``q*``, pass the
    previous point's result as ``init`` with ``beta_start`` at its ``beta_c`` and
    a small ``ratio`` (e.g. 1.1): the bracket is then found in one or two steps.
    """
    alpha = check_real("alpha", alpha, gt=0.0)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    beta_start = check_real("beta_start", beta_start, gt=0.0)
    beta_max = check_real("beta_max", beta_max, gt=beta_start, le=1e4)
    ratio = check_real("ratio", ratio, gt=1.0, le=4.0)
    order = _check_order(order)
    nan = math.nan

    def margin_at(b, x):
        if isinstance(x, RSResult) and x.converged:
            # large-beta scaling of the RS solution: qhat0 ~ beta^2, qhat1 - qhat0 ~ beta,
            # beta (q* - q0) ~ const (docs/stochastic_perceptron_rs.md, Sec. 9)
            k = b / x.beta
            qh0 = x.qhat0 * k * k
            x = {"q0": qstar - (qstar - x.q0) / k, "qhat0": qh0, "qhat1": qh0 + (x.qhat1 - x.qhat0) * k}
        rs, S, E = _solve_rs_terms(alpha, b, qstar, init=x, tol=tol, order=order, error=False)
        if not rs.converged:
            raise ComputationError(f"RS saddle point failed at beta={b:.6g}: {rs.message}")
        # gamma_E, gamma_S from the solve's own last kernel pass; the order//2 error
        # estimate only at the root
        return alpha * E["gamma_E"] * S["gamma_S"] - 1.0, rs, math.nan

    x = _as_init(init)
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
                return BetaCResult(alpha, qstar, nan, False, rs.q0, rs.qhat0, rs.qhat1, nan,
                                   f"no crossing of margin=1 {where} (largest margin {fmax + 1:.3g} at "
                                   f"beta={bmax:.4g}; margin {f + 1:.3g} at beta={b:.4g})")
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
        err = gammas(rsr)[2]
        return BetaCResult(alpha, qstar, float(root), True, rsr.q0, rsr.qhat0, rsr.qhat1, err, "")
    except ComputationError as exc:
        return BetaCResult(alpha, qstar, nan, False, message=str(exc))
