"""beta -> infinity limit of the 1RSB theory of the stochastic binary perceptron at fixed q*.

Derivation: ``docs/stochastic_perceptron_1rsb.md``, Sec. 10 (the 1RSB free entropy of
:mod:`theory.perceptron.rsb`, [baldassi2018, SM Eq. 5-8] with the Parisi ansatz, at large beta).
With the frozen-1RSB scaling

    x = y / beta,   beta (q* - q1) -> chi,   qhat0 / beta^2 -> R0,   qhat1 / beta^2 -> R,
    (qhat1 - qhatd) / beta -> A   (q0 < q* stays finite)

the 1RSB free entropy per beta tends to

    phi_inf(y) = 1/2 [q* A - chi R + y q0 R0 - y q* R]
                 + (1/y) int Dz0 log int Dz1 exp(y S(sqrt(R0) z0 + sqrt(R - R0) z1))
                 + (alpha/y) int Dz0 log int Dz1 exp(y M(sqrt(q0) z0 + sqrt(q* - q0) z1)),

``S(zeta) = max_{|m|<=1} [-A m^2/2 + zeta m]`` (maximiser ``m* = clip(zeta/A, -1, 1)``) and
``M(h) = max_v [log H(-v/s) - (v - h)^2/(2 chi)]`` (Moreau envelope of log H, ``s = sqrt(1 - q*)``).
Stationarity (``E1`` the z1 average tilted by ``exp(y S)`` or ``exp(y M)``):

    q* = int E1 m*^2,   q0 = int (E1 m*)^2,   chi = int E1 1[|zeta| < A] / A,
    R0 = alpha int (E1 M')^2,   R = alpha int E1 M'^2,   M' = (v* - h)/chi,

and the equilibrium ``y`` solves ``d phi_inf / dy = 0``. The complexity of the limit is
``Sigma(y) = -y^2 dphi_inf/dy`` and the energy (mean log-likelihood times alpha) of the states
selected by ``y`` is ``e(y) = alpha int E1 log H(-v*/s) = phi_inf + y dphi_inf/dy``. The energy of the
binarized configuration [baldassi2018, SM Eq. 30] tends to

    E = int Dz0 E1 H([a0 z0 + a1 z1 + (c/chi)(v* - h)] / sqrt(1 - a0^2 - a1^2)),
    a0 = p_tilde0 / sqrt(q0),  a1 = (p - p_tilde0) / sqrt(q* - q0),  c = lim beta (p - p_tilde1) = 2 rho(0),

``p = int E1 |m*|``, ``p_tilde0 = int Dz0 E1[sign zeta] E1[m*]``, ``rho(0)`` the density of ``zeta`` at 0.
At ``q0 = q*``
(or ``y -> 0``) the functional is the RS zero-temperature one of
:mod:`theory.perceptron.zero_temperature`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
from scipy.optimize import brentq

from theory.core import (
    ComputationError,
    H,
    Record,
    check_int,
    check_real,
    converge,
    dz_rule,
    errors_field,
    replace_with_accuracy,
    solve_to_accuracy,
)
from theory.core.quadrature import panel_rule
from theory.perceptron._rs_numerics import DEFAULT_ORDER, prox_log_h

__all__ = ["RSBZeroTemperatureResult", "RSBZeroTemperatureTerms", "rsb_zero_temperature_free_energy",
           "rsb_zero_temperature_terms", "solve_rsb_zero_temperature"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------
# the two inner functions: Moreau envelope of log H, clipped box maximum
# ---------------------------------------------------------------------------
@numba.njit(cache=True)
def _moreau_kernel(h, chi, s):
    """``M(h)``, ``M'(h) = (v* - h)/chi``, ``M''(h) = -kappa/((1 + kappa) chi)`` and ``log H(-v*/s)``.

    ``v*`` the proximal point of ``log H`` (:func:`theory.perceptron._rs_numerics.prox_log_h`, the
    same solve as the RS zero-temperature limit).
    """
    p = prox_log_h(h, chi, s)
    n = h.size
    out = np.empty((4, n))
    for i in range(n):
        lh = p[1, i]
        kap = p[2, i]
        d = p[0, i] - h[i]
        out[0, i] = lh - d * d / (2.0 * chi)
        out[1, i] = d / chi
        out[2, i] = -kap / ((1.0 + kap) * chi)
        out[3, i] = lh
    return out


def _moreau(h: np.ndarray, chi: float, s: float) -> np.ndarray:
    flat = np.ascontiguousarray(h, dtype=float).reshape(-1)
    out = _moreau_kernel(flat, float(chi), float(s))
    if not np.all(np.isfinite(out)):
        raise ComputationError(f"non-finite Moreau envelope at chi={chi}")
    return out.reshape((4,) + np.shape(h))


def _box(zeta: np.ndarray, A: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``S(zeta)``, ``m* = clip(zeta/A, -1, 1)`` and ``1[|zeta| < A]``."""
    az = np.abs(zeta)
    inside = az < A
    S = np.where(inside, zeta * zeta / (2.0 * A), az - 0.5 * A)
    return S, np.clip(zeta / A, -1.0, 1.0), inside.astype(float)


def _tilt(logw: np.ndarray, yl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``log int Dz1 e^{y l}`` and the normalised tilted weights."""
    L = logw + yl
    mx = L.max(axis=1, keepdims=True)
    e = np.exp(L - mx)
    tot = e.sum(axis=1, keepdims=True)
    return (mx + np.log(tot))[:, 0], e / tot


def _gauss_log_weights(z1: np.ndarray, w1: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(w1) - 0.5 * z1 * z1 - _LOG_SQRT_2PI


# ---------------------------------------------------------------------------
# the two terms
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RSBZeroTemperatureTerms(Record):
    """Both nested terms of the limiting 1RSB functional and the integrals of its equations.

    Attributes
    ----------
    Phi_S, Phi_E
        ``(1/y) int Dz0 log int Dz1 e^{y S}`` and the same with ``M`` (module docstring).
    m2, m1sq, inside
        ``int E1 m*^2``, ``int (E1 m*)^2``, ``int E1 1[|zeta| < A] / A``.
    S_mean, M_mean
        ``int E1 S`` and ``int E1 M`` (for ``dphi/dy``).
    R0_new, R_new
        ``alpha int (E1 M')^2`` and ``alpha int E1 M'^2``.
    loglik
        ``int E1 log H(-v*/s)`` (mean log-likelihood per pattern of the states selected by ``y``).
    """

    Phi_S: float
    Phi_E: float
    m2: float
    m1sq: float
    inside: float
    S_mean: float
    M_mean: float
    R0_new: float
    R_new: float
    loglik: float


def _entropic_inner(zeta0: np.ndarray, sig: float, A: float, y: float, order: int) -> tuple[np.ndarray, ...]:
    """The tilted z1 level of the entropic term at the outer fields ``zeta0`` (rule: docs Sec. 10)."""
    span_ = y * sig + 11.0
    npan = int(math.ceil(2.0 * span_))
    base = np.linspace(-span_, span_, npan + 1)
    kinks = np.stack([(A - zeta0) / sig, (-A - zeta0) / sig, -zeta0 / sig], axis=1)   # S'' jumps; |m*|, sign kink
    kinks = np.clip(kinks, -span_, span_)
    edges = np.sort(np.concatenate([np.broadcast_to(base, (zeta0.size, base.size)), kinks], axis=1), axis=1)
    z1, w1 = panel_rule(edges, order)
    zeta = zeta0[:, None] + sig * z1
    S, m, ins = _box(zeta, A)
    logK, p = _tilt(_gauss_log_weights(z1, w1), y * S)
    return zeta, S, m, ins, logK, p


def _entropic(R0: float, R: float, A: float, y: float, order: int) -> dict[str, float]:
    if not (R0 > 0.0 and R >= R0 and A > 0.0):
        raise ComputationError(f"entropic limit outside its domain (R0={R0}, R={R}, A={A})")
    sig = math.sqrt(R - R0)
    sr0 = math.sqrt(R0)
    t0 = A / sr0
    sw = max(sig / sr0, 1e-3)
    z0, w0 = dz_rule(order, np.concatenate([t0 + sw * np.arange(-3, 4), -t0 - sw * np.arange(-3, 4)]))
    zeta0 = sr0 * z0
    if sig < 1e-14:
        S, m, ins = _box(zeta0, A)
        bc = dict(p=float(w0 @ np.abs(m)), pt0=float(w0 @ np.abs(m)), rho0=1.0 / math.sqrt(2.0 * math.pi * R0))
        return dict(Phi_S=float(w0 @ S), m2=float(w0 @ (m * m)), m1sq=float(w0 @ (m * m)),
                    inside=float(w0 @ ins) / A, S_mean=float(w0 @ S), bc=bc)
    zeta, S, m, ins, logK, p = _entropic_inner(zeta0, sig, A, y, order)
    Em = (p * m).sum(1)
    # BC statistics (docs Sec. 10): p = int E1 |m*|, p_tilde0 = int E1 sign(zeta) E1 m*, and the density of zeta
    # at 0 under the tilted measure (S(0) = 0): int dz1 phi(z1) phi(z0*) / (K(z0*) sqrt(R0)), z0* = -sig z1 / sqrt(R0)
    z1r, w1r = dz_rule(order)
    zs = -sig * z1r / sr0
    logKs = _entropic_inner(sr0 * zs, sig, A, y, order)[4]
    rho0 = float(w1r @ np.exp(-0.5 * zs * zs - _LOG_SQRT_2PI - logKs)) / sr0
    bc = dict(p=float(w0 @ (p * np.abs(m)).sum(1)), pt0=float(w0 @ ((p * np.sign(zeta)).sum(1) * Em)), rho0=rho0)
    return dict(Phi_S=float(w0 @ logK) / y, m2=float(w0 @ (p * m * m).sum(1)), m1sq=float(w0 @ Em ** 2),
                inside=float(w0 @ (p * ins).sum(1)) / A, S_mean=float(w0 @ (p * S).sum(1)), bc=bc)


def _energetic(q0: float, chi: float, qstar: float, y: float, alpha: float, order: int) -> dict[str, float]:
    if not (0.0 < q0 <= qstar and chi > 0.0):
        raise ComputationError(f"energetic limit outside its domain (q0={q0}, chi={chi})")
    s = math.sqrt(1.0 - qstar)
    sq0 = math.sqrt(q0)
    sig = math.sqrt(max(qstar - q0, 0.0))
    z0, w0 = dz_rule(order, np.array([-6.0, -3.0, -1.5, -0.5, 0.0, 0.5, 1.5, 3.0, 6.0]) * max(s / sq0, 0.05))
    h0 = sq0 * z0
    if sig < 1e-14:
        M, dM, _, lh = _moreau(h0, chi, s)
        nodes = dict(w0=w0, z0=z0, z1=np.zeros((z0.size, 1)), p=np.ones((z0.size, 1)), disp=chi * dM[:, None])
        return dict(Phi_E=float(w0 @ M), M_mean=float(w0 @ M), R0_new=alpha * float(w0 @ (dM * dM)),
                    R_new=alpha * float(w0 @ (dM * dM)), loglik=float(w0 @ lh), nodes=nodes)
    # mode of -z1^2/2 + y M(h0 + sig z1) (concave): in [0, y sig M'(h0)]; safeguarded Newton
    _, d0, _, _ = _moreau(h0, chi, s)
    lo = np.zeros_like(h0)
    hi = y * sig * d0
    z = 0.5 * (lo + hi)
    for _ in range(100):
        _, d1, d2, _ = _moreau(h0 + sig * z, chi, s)
        g = -z + y * sig * d1
        lo = np.where(g > 0, z, lo)
        hi = np.where(g > 0, hi, z)
        zn = z - g / (-1.0 + y * sig * sig * d2)
        zn = np.where((zn > lo) & (zn < hi), zn, 0.5 * (lo + hi))
        done = np.max(np.abs(zn - z)) < 1e-12 * (1.0 + np.max(np.abs(z)))
        z = zn
        if done:
            break
    _, _, d2, _ = _moreau(h0 + sig * z, chi, s)
    r = 1.0 / np.sqrt(1.0 - y * sig * sig * d2)
    rel = np.concatenate([np.arange(-8.0, 8.5, 1.0)[None, :] * r[:, None],
                          np.broadcast_to(np.array([-11.0, -9.0, -7.0, -5.0, -3.0, 3.0, 5.0, 7.0, 9.0, 11.0]),
                                          (z.size, 10))], axis=1)
    edges = np.sort(z[:, None] + rel, axis=1)
    z1, w1 = panel_rule(edges, order)
    M, dM, _, lh = _moreau(h0[:, None] + sig * z1, chi, s)
    logK, p = _tilt(_gauss_log_weights(z1, w1), y * M)
    EdM = (p * dM).sum(1)
    return dict(Phi_E=float(w0 @ logK) / y, M_mean=float(w0 @ (p * M).sum(1)),
                R0_new=alpha * float(w0 @ EdM ** 2), R_new=alpha * float(w0 @ (p * dM * dM).sum(1)),
                loglik=float(w0 @ (p * lh).sum(1)), nodes=dict(w0=w0, z0=z0, z1=z1, p=p, disp=chi * dM))


def rsb_zero_temperature_terms(q0: float, chi: float, R0: float, R: float, A: float, *, alpha: float,
                               qstar: float, y: float, order: int = DEFAULT_ORDER) -> RSBZeroTemperatureTerms:
    """The two nested terms of the limiting 1RSB functional at given order parameters (module docstring).

    Parameters
    ----------
    q0, chi
        Inter-state overlap (``0 < q0 <= q*``) and ``lim beta (q* - q1)`` (> 0).
    R0, R, A
        ``lim qhat0 / beta^2``, ``lim qhat1 / beta^2`` (``R >= R0 > 0``), ``lim (qhat1 - qhatd) / beta`` (> 0).
    alpha, qstar, y
        Load, squared norm, ``y = lim beta x`` (> 0).
    order
        Gauss-Legendre nodes per panel of every rule.

    Returns
    -------
    RSBZeroTemperatureTerms

    Examples
    --------
    >>> T = rsb_zero_temperature_terms(0.7, 0.5, 0.05, 0.06, 0.05, alpha=0.55, qstar=0.8, y=20.0, order=8)
    >>> T0 = rsb_zero_temperature_terms(0.7, 0.5, 0.05, 0.06, 0.05, alpha=0.55, qstar=0.8, y=1e-6, order=8)
    >>> T.Phi_S > T0.Phi_S   # (1/y) log E e^{y S} grows with y (Jensen)
    True
    """
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    y = check_real("y", y, gt=0.0)
    order = check_int("order", order, ge=4, le=128)
    S = {k: v for k, v in _entropic(R0, R, A, y, order).items() if k != "bc"}
    E = {k: v for k, v in _energetic(q0, chi, qstar, y, alpha, order).items() if k != "nodes"}
    return RSBZeroTemperatureTerms(**S, **E)


def rsb_zero_temperature_free_energy(q0: float, chi: float, R0: float, R: float, A: float, *, alpha: float,
                                     qstar: float, y: float, order: int = DEFAULT_ORDER) -> float:
    """The limiting 1RSB free entropy per beta ``phi_inf`` at any order parameters (module docstring).

    Parameters
    ----------
    q0, chi, R0, R, A, alpha, qstar, y, order
        As :func:`rsb_zero_temperature_terms`.

    Returns
    -------
    float
        ``1/2 [q* A - chi R + y q0 R0 - y q* R] + Phi_S + alpha Phi_E``.

    Examples
    --------
    >>> from theory.perceptron import solve_zero_temperature
    >>> z = solve_zero_temperature(0.55, 0.8, order=8, error=False)
    >>> f = rsb_zero_temperature_free_energy(0.8, z.chi, z.R_hat, z.R_hat, -z.A_hat, alpha=0.55, qstar=0.8,
    ...                                      y=5.0, order=8)
    >>> abs(f - z.phi0) < 1e-10   # q0 = q*: the RS zero-temperature functional
    True
    """
    T = rsb_zero_temperature_terms(q0, chi, R0, R, A, alpha=alpha, qstar=qstar, y=y, order=order)
    return 0.5 * (qstar * A - chi * R + y * q0 * R0 - y * qstar * R) + T.Phi_S + alpha * T.Phi_E


# ---------------------------------------------------------------------------
# the saddle point
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RSBZeroTemperatureResult(Record):
    """beta -> infinity limit of the 1RSB saddle point at fixed q* (docs Sec. 10 of the 1RSB page).

    ``y = lim beta x``, ``chi = lim beta (q* - q1)``, ``R0 = lim qhat0/beta^2``, ``R = lim qhat1/beta^2``,
    ``A = lim (qhat1 - qhatd)/beta``; ``phi_inf = lim phi/beta``; ``energy = alpha loglik`` (the
    energy of the selected states, ``phi_inf + y dphi_dy``); ``complexity = -y^2 dphi_dy``;
    ``dphi_dy`` is 0 at the equilibrium ``y``. ``p`` and ``E``: the limits of the BC overlap
    ``p = int E1 <|m|>`` and of the energy of the binarized configuration (``bc_energy_rsb``, docs Sec. 9-10).
    ``errors``: every field's estimate from two orders (:func:`theory.core.solve_to_accuracy`; at a fixed
    ``y`` also ``dphi_dy``, ``complexity`` and ``p``); ``error`` that of ``phi_inf`` (without the
    estimate, ``error=False``: NaN).
    """

    alpha: float
    qstar: float
    y: float
    q0: float
    chi: float
    R0: float
    R: float
    A: float
    phi_inf: float
    energy: float
    loglik: float
    dphi_dy: float
    complexity: float
    p: float
    E: float
    converged: bool
    residual: float
    error: float
    order: int
    y_equilibrium: bool = False
    message: str = ""
    errors: dict = errors_field()


_FIELDS = ("q0", "chi", "R0", "R", "A", "phi_inf", "energy", "loglik", "y", "E")
#: the fields estimated at a fixed y (y itself is exact there)
_FIELDS_AT_Y = ("q0", "chi", "R0", "R", "A", "phi_inf", "energy", "loglik", "dphi_dy", "complexity", "p", "E")


def _solve_A(R0: float, R: float, qstar: float, y: float, order: int, A0: float) -> tuple[float, dict]:
    def f(la: float) -> float:
        return math.log(_entropic(R0, R, math.exp(la), y, order)["m2"] / qstar)

    lo = hi = math.log(A0)
    flo = f(lo)
    if flo > 0:
        for _ in range(80):
            hi = lo + 0.5
            fhi = f(hi)
            if fhi < 0:
                break
            lo = hi
        else:
            raise ComputationError("norm equation: no upper bracket for A")
    else:
        for _ in range(80):
            lo = hi - 0.5
            if f(lo) > 0:
                break
            hi = lo
        else:
            raise ComputationError("norm equation: no lower bracket for A")
    la = brentq(f, lo, hi, xtol=1e-15, rtol=1e-15, maxiter=200)
    A = math.exp(la)
    return A, _entropic(R0, R, A, y, order)


def _fixed_point(alpha, qstar, y, order, init, tol, maxiter):
    state = {"A": float(init.get("A", 0.1))}
    last = {}

    def update(v: dict[str, float]) -> dict[str, float]:
        q0 = min(max(v["q0"], 1e-6), qstar)
        chi = max(v["chi"], 1e-8)
        E = _energetic(q0, chi, qstar, y, alpha, order)
        A, S = _solve_A(E["R0_new"], E["R_new"], qstar, y, order, state["A"])
        state["A"] = A
        last.update(q0=q0, chi=chi, R0=E["R0_new"], R=E["R_new"], A=A, E=E, S=S)
        return {"q0": S["m1sq"], "chi": S["inside"]}

    res = converge(update, {"q0": init["q0"], "chi": init["chi"]}, tol=tol, maxiter=maxiter, method="hybr")
    if not res.converged:
        res2 = converge(update, {"q0": init["q0"], "chi": init["chi"]}, tol=tol, maxiter=maxiter, method="auto")
        if res2.converged or res2.residual < res.residual:
            res = res2
    update(dict(res.values))
    return res, last


def _bc_energy(qstar: float, q0: float, chi: float, bc: dict, nodes: dict) -> tuple[float, float]:
    """Limit of [baldassi2018, SM Eq. 30] under 1RSB (docs Sec. 10): ``E = int Dz0 E1 H(lambda / sigma_E)``,
    ``lambda = a0 z0 + a1 z1 + (c / chi)(v* - h)``, ``a0 = p_tilde0 / sqrt(q0)``,
    ``a1 = (p - p_tilde0) / sqrt(q* - q0)``,
    ``c = lim beta (p - p_tilde1) = 2 rho(0)``, ``sigma_E^2 = 1 - a0^2 - a1^2``."""
    p, pt0, c = bc["p"], bc["pt0"], 2.0 * bc["rho0"]
    a0 = pt0 / math.sqrt(q0)
    a1 = (p - pt0) / math.sqrt(qstar - q0) if qstar - q0 > 1e-14 else 0.0
    var = 1.0 - a0 * a0 - a1 * a1
    if not var > 0.0:
        raise ComputationError(f"limiting BC field variance {var:.3g} <= 0")
    lam = a0 * nodes["z0"][:, None] + a1 * nodes["z1"] + (c / chi) * nodes["disp"]
    return p, float(nodes["w0"] @ (nodes["p"] * H(lam / math.sqrt(var))).sum(1))


def _assemble(alpha, qstar, y, order, res, last, err) -> RSBZeroTemperatureResult:
    q0, chi, R0, R, A, E, S = (last[k] for k in ("q0", "chi", "R0", "R", "A", "E", "S"))
    phi = 0.5 * (qstar * A - chi * R + y * q0 * R0 - y * qstar * R) + S["Phi_S"] + alpha * E["Phi_E"]
    dphi_dy = (0.5 * (q0 * R0 - qstar * R) + (S["S_mean"] - S["Phi_S"]) / y
               + alpha * (E["M_mean"] - E["Phi_E"]) / y)
    p, bc_E = _bc_energy(qstar, q0, chi, S["bc"], E["nodes"])
    vals = (q0, chi, R0, R, A, phi, dphi_dy, p, bc_E)
    if not all(math.isfinite(v) for v in vals):
        raise ComputationError(f"non-finite limiting 1RSB solution {vals}")
    return RSBZeroTemperatureResult(alpha=alpha, qstar=qstar, y=y, q0=q0, chi=chi, R0=R0, R=R, A=A, phi_inf=phi,
                                    energy=alpha * E["loglik"], loglik=E["loglik"], dphi_dy=dphi_dy,
                                    complexity=-y * y * dphi_dy, p=p, E=bc_E, converged=bool(res.converged),
                                    residual=float(res.residual), error=err, order=order,
                                    message="converged" if res.converged else res.message)


def _at_y(alpha, qstar, y, order, init, tol, maxiter) -> RSBZeroTemperatureResult:
    res, last = _fixed_point(alpha, qstar, y, order, init, tol, maxiter)
    return _assemble(alpha, qstar, y, order, res, last, math.nan)


def _default_init(qstar: float) -> dict[str, float]:
    return {"q0": 0.85 * qstar, "chi": 1.0, "A": 0.1}


def solve_rsb_zero_temperature(alpha: float, qstar: float, y: float | None = None, *,
                               init: dict[str, float] | RSBZeroTemperatureResult | None = None,
                               tol: float = 1e-11, order: int = DEFAULT_ORDER, maxiter: int = 200,
                               error: bool = True, y_bracket: tuple[float, float] = (10.0, 400.0),
                               quad_rtol: float = 1e-6, max_order: int = 64) -> RSBZeroTemperatureResult:
    """beta -> infinity limit of the 1RSB saddle point at ``(alpha, q*)`` (docs, Sec. 10 of the 1RSB page).

    Parameters
    ----------
    alpha, qstar
        Load (> 0) and squared norm in (0, 1).
    y
        ``lim beta x`` (> 0); ``None``: the equilibrium ``y`` (``dphi_inf/dy = 0``, Brent's method in
        ``y_bracket``).
    init
        Start ``{"q0", "chi", "A"}`` or a previous result; default ``q0 = 0.85 q*``, ``chi = 1``
        (a start off ``q0 = q*``, where the RS zero-temperature solution is a fixed point for every ``y``).
    tol
        Residual tolerance of the map ``(q0, chi) -> (q0', chi')`` (:func:`theory.core.solver.converge`).
    order, maxiter
        Gauss-Legendre nodes per panel; evaluation cap of the solver.
    error
        Estimate the ``errors`` of every field from two orders (:func:`theory.core.solve_to_accuracy`:
        twice the difference to the solve at ``order // 2`` plus the residual, doubling the order up to
        ``max_order`` while an estimate exceeds ``quad_rtol`` relative, absolute for ``dphi_dy`` and the
        ``complexity`` at a fixed ``y``, which vanish at the equilibrium ``y``); ``error`` is that of ``phi_inf``.
    y_bracket
        Search interval of the equilibrium ``y``.
    quad_rtol, max_order
        See ``error``.

    Returns
    -------
    RSBZeroTemperatureResult
        ``converged=False`` with a message on failure (no bracket, solver failure, non-finite values).

    Examples
    --------
    >>> r = solve_rsb_zero_temperature(0.55, 0.9, 25.0, order=8, error=False)
    >>> r.converged, r.q0 < 0.85, r.energy <= r.phi_inf + 25.0 * r.dphi_dy + 1e-9
    (True, True, True)
    """
    alpha = check_real("alpha", alpha, gt=0.0)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    order = check_int("order", order, ge=4, le=128)
    start = _default_init(qstar)
    if isinstance(init, RSBZeroTemperatureResult):
        start = {"q0": init.q0, "chi": init.chi, "A": init.A}
    elif init is not None:
        start.update({k: float(v) for k, v in init.items()})
    try:
        bounds = {"chi": (0.0, None), "R0": (0.0, None), "A": (0.0, None), "energy": (None, 0.0),
                  "q0": (0.0, qstar)}
        if y is not None:
            y = check_real("y", y, gt=0.0)
            if not error:
                return _at_y(alpha, qstar, y, order, start, tol, maxiter)

            def solve_y(o, warm):
                init_o = start if warm is None else {"q0": warm.q0, "chi": warm.chi, "A": warm.A}
                return _at_y(alpha, qstar, y, o, init_o, tol, maxiter)

            # dphi_dy and the complexity vanish at the equilibrium y: absolute tolerance quad_rtol
            ref = solve_to_accuracy(solve_y, order, fields=_FIELDS_AT_Y, max_order=max(order, max_order),
                                    rtol=quad_rtol, atol=1e-3 * quad_rtol,
                                    tolerances=dict.fromkeys(("dphi_dy", "complexity"), quad_rtol))
        else:
            if not error:
                return _equilibrium(alpha, qstar, order, start, tol, maxiter, y_bracket)
            ref = solve_to_accuracy(lambda o, warm: _equilibrium(alpha, qstar, o, start, tol, maxiter, y_bracket),
                                    order, fields=_FIELDS, max_order=max(order, max_order), rtol=quad_rtol,
                                    atol=1e-3 * quad_rtol)
        out = replace_with_accuracy(ref.result, ref, bounds)
        return RSBZeroTemperatureResult(**{**out.to_dict(), "error": out.errors.get("phi_inf", math.nan)})
    except ComputationError as exc:
        return RSBZeroTemperatureResult.failure(str(exc), alpha=alpha, qstar=qstar, order=order,
                                                y_equilibrium=y is None, residual=math.inf)


def _equilibrium(alpha, qstar, order, start, tol, maxiter, y_bracket) -> RSBZeroTemperatureResult:
    state = {"init": dict(start)}
    cache: dict[float, RSBZeroTemperatureResult] = {}

    def at(yy: float) -> RSBZeroTemperatureResult:
        if yy not in cache:
            r = _at_y(alpha, qstar, yy, order, state["init"], tol, maxiter)
            if not r.converged:
                raise ComputationError(f"limiting 1RSB saddle point failed at y={yy:.6g}: {r.message}")
            if qstar - r.q0 < 1e-7 * qstar:
                raise _Collapsed(r)
            state["init"] = {"q0": r.q0, "chi": r.chi, "A": r.A}
            cache[yy] = r
        return cache[yy]

    ylo, yhi = (float(v) for v in y_bracket)
    try:
        return _equilibrium_search(at, ylo, yhi)
    except _Collapsed as c:
        msg = (f"no broken solution reached (q0 = q* at y = {c.result.y:.6g}): the RS zero-temperature solution, "
               "whose functional does not depend on y")
        return RSBZeroTemperatureResult(**{**c.result.to_dict(), "y_equilibrium": True, "message": msg})


class _Collapsed(ComputationError):
    def __init__(self, result: RSBZeroTemperatureResult) -> None:
        super().__init__("collapsed to q0 = q*")
        self.result = result


def _equilibrium_search(at, ylo: float, yhi: float) -> RSBZeroTemperatureResult:
    # walk up from the low end until dphi/dy changes sign (the complexity -y^2 dphi/dy goes from + to -)
    ya = ylo
    ra = at(ya)
    yb = ya
    while True:
        yb = min(yhi, yb * 1.5)
        rb = at(yb)
        if (rb.dphi_dy > 0) != (ra.dphi_dy > 0):
            break
        if yb >= yhi:
            raise ComputationError(f"no zero of dphi_inf/dy in y in [{ylo}, {yhi}]")
        ya, ra = yb, rb
    ys = brentq(lambda yy: at(yy).dphi_dy, ya, yb, xtol=1e-10, rtol=1e-12)
    r = at(ys)
    return RSBZeroTemperatureResult(**{**r.to_dict(), "y_equilibrium": True})
