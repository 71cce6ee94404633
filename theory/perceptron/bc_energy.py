"""Energy (training error) of the binarized configuration ``sign(m)`` of the stochastic perceptron.

Source: seed ``004_deaa60c1bff9cc41``, Supplementary Material Sec. II, Eq. (21)-(30);
main text Eq. (9) and Fig. 2 (left). Derivation: ``docs/stochastic_perceptron_rs.md``.

At the RS saddle point ``(q0, qhat0, qhat1)`` of SM Eq. (15):

    p       = int Dz < sign(m) m >_z                         (SM Eq. 28; the printed hat-q_* is qhat1)
    p_tilde = int Dz < sign(m) >_z < m >_z                   (SM Eq. 29; the printed z_0 is z)
    E       = int Dz < H( A(z, u) / sigma ) >_{u | z}        (SM Eq. 30)
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
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numba
import numpy as np

from theory.core.params import check_real
from theory.core.quadrature import interval_moments, legendre_nodes
from theory.core.results import Record
from theory.core.solver import ComputationError, Curve, span
from theory.core.special import H, logH
from theory.perceptron.rs import (
    DEFAULT_ORDER,
    RSResult,
    _check_order,
    _e_rule,
    _s_rule,
    _n_edges_max,
    _u_edges,
    solve_rs,
)

__all__ = ["BCEnergyResult", "overlaps", "bc_energy_at", "bc_energy", "bc_energy_curve"]

_T_KINK = np.array([-6.0, -3.0, -1.5, -0.5, 0.5, 1.5, 3.0, 6.0])


def _half_terms(a: float, b: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """``log int_0^1 dm exp(a m^2 + b m)`` and ``<m>`` on [0, 1], via ``m = (1 + t)/2``, t in [-1, 1]."""
    A = 0.25 * a
    B = 0.5 * (a + b)
    # one compiled pass (same graded rule as interval_log_integral / interval_mean)
    logI, mom = interval_moments(np.full_like(B, A), B, kmax=1, order=order)
    logZ = math.log(0.5) + 0.25 * a + 0.5 * b + logI
    return logZ, 0.5 * (1.0 + mom[0])


def overlaps(qhat0: float, qhat1: float, order: int = DEFAULT_ORDER) -> tuple[float, float]:
    """``(p, p_tilde)`` of SM Eq. (28)-(29) at the conjugate parameters ``(qhat0, qhat1)``."""
    z, w = _s_rule(qhat0, qhat1, order)
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


@numba.njit(cache=True)
def _bc_kernel(z, sq0, sD, s, beta, cz, cu, sigma, glx, glw, T):
    """Per outer node: posterior average of ``H(A/sigma)``, ``A = cz z + cu u`` (step if sigma == 0).

    One pass over the u nodes (log weights and values kept in buffers whose
    size is the exact edge count of :func:`theory.perceptron.rs._u_edges`,
    checked), then a log-sum-exp normalisation.
    """
    nz = z.size
    out = np.empty(nz)
    no = glx.size
    logw = np.log(glw)
    nmax = (_n_edges_max(T.size) - 1) * no
    L = np.empty(nmax)
    V = np.empty(nmax)
    for i in range(nz):
        h = sq0 * z[i]
        if cu != 0.0:
            uc = -cz * z[i] / cu
            wk = sigma / abs(cu)
        else:
            uc = 0.0
            wk = 0.0
        e = _u_edges(h, sD, s, beta, uc, wk, T)
        if (e.size - 1) * no > nmax:
            raise ValueError("_bc_kernel: more u nodes than the buffers hold")
        mx = -np.inf
        k = 0
        for p in range(e.size - 1):
            half = 0.5 * (e[p + 1] - e[p])
            if half <= 1e-300:
                continue
            mid = 0.5 * (e[p + 1] + e[p])
            lhalf = math.log(half)
            for j in range(no):
                u = mid + half * glx[j]
                v = lhalf + logw[j] - 0.5 * u * u + beta * logH(-(h + sD * u) / s)
                L[k] = v
                if v > mx:
                    mx = v
                A = cz * z[i] + cu * u
                if sigma > 0.0:
                    V[k] = H(A / sigma)
                elif A < 0.0:
                    V[k] = 1.0
                elif A == 0.0:
                    V[k] = 0.5
                else:
                    V[k] = 0.0
                k += 1
        S = 0.0
        SE = 0.0
        for j in range(k):
            pj = math.exp(L[j] - mx)
            S += pj
            SE += pj * V[j]
        out[i] = SE / S
    return out


def bc_energy_at(q0: float, qstar: float, beta: float, p: float, p_tilde: float,
                 order: int = DEFAULT_ORDER) -> tuple[float, float]:
    """``(E, sigma^2)`` of SM Eq. (30) at given order parameters and overlaps."""
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
    z, w = _e_rule(q0, qstar, order)
    glx, glw = legendre_nodes(order)
    vals = _bc_kernel(z, math.sqrt(q0), math.sqrt(D), math.sqrt(1.0 - qstar), float(beta), cz, cu, sigma,
                      glx, glw, _T_KINK)
    E = float(w @ vals)
    if not math.isfinite(E):
        raise ComputationError(f"non-finite BC energy at q0={q0}, q*={qstar}, beta={beta}")
    return E, var


@dataclass(frozen=True)
class BCEnergyResult(Record):
    """Energy of the binarized configuration (SM Eq. 28-30) at an RS saddle point.

    ``error`` is ``|E(order) - E(order // 2)|`` at fixed order parameters.
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

    @property
    def values(self) -> dict[str, float]:
        return {"q0": self.q0, "qhat0": self.qhat0, "qhat1": self.qhat1}

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def bc_energy(alpha: float, beta: float, qstar: float, *, init: Mapping[str, float] | RSResult | None = None,
              tol: float = 1e-10, order: int = DEFAULT_ORDER) -> BCEnergyResult:
    """``p``, ``p_tilde`` and ``E`` (SM Eq. 28-30) at ``(alpha, beta, q*)``; solves SM Eq. (15) first."""
    order = _check_order(order)
    rs = solve_rs(alpha, beta, qstar, init=init, tol=tol, order=order, error=False)
    nan = math.nan
    if not rs.converged:
        return BCEnergyResult(rs.alpha, rs.beta, rs.qstar, nan, nan, nan, nan, rs.q0, rs.qhat0, rs.qhat1, rs.phi,
                              False, rs.residual, nan, "RS saddle point: " + rs.message)
    try:
        p, pt = overlaps(rs.qhat0, rs.qhat1, order)
        E, var = bc_energy_at(rs.q0, rs.qstar, rs.beta, p, pt, order)
        lo = max(4, order // 2)
        p2, pt2 = overlaps(rs.qhat0, rs.qhat1, lo)
        E2, _ = bc_energy_at(rs.q0, rs.qstar, rs.beta, p2, pt2, lo)
    except ComputationError as exc:
        return BCEnergyResult(rs.alpha, rs.beta, rs.qstar, nan, nan, nan, nan, rs.q0, rs.qhat0, rs.qhat1, rs.phi,
                              False, rs.residual, nan, str(exc))
    return BCEnergyResult(rs.alpha, rs.beta, rs.qstar, p, pt, E, var, rs.q0, rs.qhat0, rs.qhat1, rs.phi, True,
                          rs.residual, abs(E - E2), "")


def bc_energy_curve(alpha: float, beta: float, qstars: Sequence[float], *, init=None, tol: float = 1e-10,
                    order: int = DEFAULT_ORDER) -> Curve:
    """``E(q*)`` along ``qstars`` with continuation (main-text Fig. 2 left: alpha = 0.55, beta = 20)."""
    check_real("alpha", alpha, ge=0.0)
    path = [{"qstar": float(q)} for q in qstars]
    # warm start with the whole result (it carries q*, so solve_rs can move it to the new q*)
    return span(lambda prm, x: bc_energy(alpha, beta, prm["qstar"], init=x, tol=tol, order=order), path, init,
                warm=lambda r: r)
