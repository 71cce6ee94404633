"""Numerics shared by the RS theory of the stochastic perceptron (private to :mod:`theory.perceptron`).

One home for what :mod:`theory.perceptron.rs`, :mod:`theory.perceptron.stability`,
:mod:`theory.perceptron.binarized_energy`, :mod:`theory.perceptron.binary_control` and
:mod:`theory.perceptron.zero_temperature` all use ([baldassi2018, SM Eq. 12-15];
derivation in ``docs/stochastic_perceptron_rs.md``):

* the numba kernel of the energetic term ``G_E`` [baldassi2018, SM Eq. 14]: for every outer
  node ``z`` the inner ``u`` rule is centred on the mode of the log-concave posterior
  ``exp(-u^2/2) H^beta(x(u))`` and split at the kink of ``H^beta`` (:func:`u_edges`,
  :func:`energetic_kernel`), and the posterior average of the binarized-configuration
  field [baldassi2018, SM Eq. 30] on the same rule (:func:`bc_kernel`);
* the outer ``Dz`` rules of the two terms (:func:`e_rule`, :func:`s_rule`);
* argument checks (:func:`check_order`, :func:`validate_rs_args`), warm starts
  (:func:`as_rs_init`) and the large-``beta`` scaling of the frozen branch
  (:func:`rescale_large_beta`).

Everything here takes and returns plain floats and arrays.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numba
import numpy as np

from theory.core import GH, H, check_int, check_real, dz_rule, logG, logH

__all__ = [
    "DEFAULT_ORDER",
    "T_KINK",
    "as_rs_init",
    "bc_kernel",
    "check_order",
    "e_rule",
    "energetic_kernel",
    "n_edges_max",
    "rescale_large_beta",
    "s_rule",
    "u_edges",
    "u_panel_nodes",
    "validate_rs_args",
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
# breakpoints of the inner rule around a step of width sigma (bc_kernel): t in units of sigma
T_KINK = np.array([-6.0, -3.0, -1.5, -0.5, 0.5, 1.5, 3.0, 6.0])


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
def n_edges_max(n_extra):
    """Number of edges :func:`u_edges` writes (an exact count: its buffer and the kernels' buffers use it)."""
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
def u_edges(h, sD, s, beta, extra_c, extra_w, extra_T):
    """Panel edges of the inner ``u`` rule for one outer node (see module docstring)."""
    um, wm = _posterior_mode(h, sD, s, beta)
    lo = _window_edge(h, sD, s, beta, um, -1.0)
    hi = _window_edge(h, sD, s, beta, um, 1.0)
    c = s / sD
    u0 = -h / sD
    sb = 1.0 / math.sqrt(max(beta, 1.0))
    n = n_edges_max(extra_T.size if extra_w > 0.0 else 0)
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
        raise ValueError("u_edges: edge count does not match n_edges_max")
    e = e[:k]
    for i in range(k):
        e[i] = min(max(e[i], lo), hi)
    return np.sort(e)


@numba.njit(cache=True, inline="always")
def u_panel_nodes(e, glx, logw, U, LW):
    """Gauss-Legendre nodes in ``u`` on the panels between the sorted edges ``e``.

    Writes the nodes into ``U`` and the logs of their quadrature weights
    (``log(half width) + log w_j``, without the Gaussian density) into ``LW``;
    panels of width ``<= 2e-300`` are skipped. Returns the number of nodes written.
    """
    k = 0
    for p in range(e.size - 1):
        half = 0.5 * (e[p + 1] - e[p])
        if half <= 1e-300:
            continue
        mid = 0.5 * (e[p + 1] + e[p])
        lhalf = math.log(half)
        for j in range(glx.size):
            U[k] = mid + half * glx[j]
            LW[k] = lhalf + logw[j]
            k += 1
    return k


@numba.njit(cache=True)
def energetic_kernel(z, sq0, sD, s, beta, glx, glw):
    """Per outer node: log Z_E, d_h log Z_E, d_h^2 log Z_E (two forms), <log H>, log Z_E - beta <log H>.

    d2 = Cov(u, g')/sqrt(D) (Stein form) and d2b = <g''> + Var(g'), with
    ``g = beta log H(x)``, ``x = -(h + sqrt(D) u)/sqrt(1-q*)``. The last row is minus the
    Kullback-Leibler divergence of the posterior of ``u`` from ``Du``, summed node by node in
    the posterior's own normalisation: the energetic part of the entropy without the
    cancellation of ``G_E - beta <log H>`` (both ``~ beta``) at large ``alpha beta``.
    """
    nz = z.size
    out = np.empty((6, nz))
    empty = np.empty(0)
    no = glx.size
    logw = np.log(glw)
    # every slot below index k is written before it is read; the bound is exact
    nmax = (n_edges_max(0) - 1) * no
    L = np.empty(nmax)
    U = np.empty(nmax)
    X = np.empty(nmax)
    Gp = np.empty(nmax)
    Lh = np.empty(nmax)
    for i in range(nz):
        h = sq0 * z[i]
        e = u_edges(h, sD, s, beta, 0.0, 0.0, empty)
        if (e.size - 1) * no > nmax:
            raise ValueError("energetic_kernel: more u nodes than the buffers hold")
        k = u_panel_nodes(e, glx, logw, U, L)
        mx = -np.inf
        for j in range(k):
            u = U[j]
            x = -(h + sD * u) / s
            lh = logH(x)
            X[j] = x
            Lh[j] = lh
            # G/H from the logs: one erfc per node instead of two (relative error ~1e-16 |log G|)
            Gp[j] = math.exp(logG(x) - lh)
            v = L[j] - 0.5 * u * u - _LOG_SQRT2PI + beta * lh
            L[j] = v
            if v > mx:
                mx = v
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
        # -KL(posterior || Du) = sum_j p_j (log Z - beta log H_j), term by term (each O(1))
        skl = 0.0
        lz = mx + math.log(S)
        for j in range(k):
            skl += L[j] * (lz - beta * Lh[j])
        out[5, i] = skl / S
    return out



@numba.njit(cache=True)
def bc_kernel(z, sq0, sD, s, beta, cz, cu, sigma, glx, glw, T):
    """Per outer node: posterior average of ``H(A/sigma)``, ``A = cz z + cu u`` (step if sigma == 0).

    One pass over the u nodes (log weights and values kept in buffers whose
    size is the exact edge count of :func:`u_edges`,
    checked), then a log-sum-exp normalisation.
    """
    nz = z.size
    out = np.empty(nz)
    no = glx.size
    logw = np.log(glw)
    nmax = (n_edges_max(T.size) - 1) * no
    L = np.empty(nmax)
    U = np.empty(nmax)
    V = np.empty(nmax)
    for i in range(nz):
        h = sq0 * z[i]
        if cu != 0.0:
            uc = -cz * z[i] / cu
            wk = sigma / abs(cu)
        else:
            uc = 0.0
            wk = 0.0
        e = u_edges(h, sD, s, beta, uc, wk, T)
        if (e.size - 1) * no > nmax:
            raise ValueError("bc_kernel: more u nodes than the buffers hold")
        k = u_panel_nodes(e, glx, logw, U, L)
        out[i] = tilted_step_average(U, L, V, k, h, sD, s, beta, cz * z[i], cu, sigma)
    return out


@numba.njit(cache=True)
def tilted_step_average(U, L, V, k, h, sD, s, beta, A0, cu, sigma):
    """``E_u[H((A0 + cu u) / sigma)]`` under the tilted measure ``Du H^beta(-(h + sD u) / s)``.

    The inner average of the BC-energy kernels (RS ``bc_kernel`` and its 1RSB form): ``U`` and
    ``L`` hold the first ``k`` nodes and log-weights of the ``u`` rule (``L`` is overwritten by
    the log of the tilted weights, ``V`` is a work buffer); ``sigma = 0`` is the step function
    (``1/2`` at ``A = 0``).
    """
    mx = -np.inf
    for j in range(k):
        u = U[j]
        v = L[j] - 0.5 * u * u + beta * logH(-(h + sD * u) / s)
        L[j] = v
        if v > mx:
            mx = v
        A = A0 + cu * u
        if sigma > 0.0:
            V[j] = H(A / sigma)
        elif A < 0.0:
            V[j] = 1.0
        elif A == 0.0:
            V[j] = 0.5
        else:
            V[j] = 0.0
    S = 0.0
    SE = 0.0
    for j in range(k):
        pj = math.exp(L[j] - mx)
        S += pj
        SE += pj * V[j]
    return SE / S


@numba.njit(cache=True)
def prox_log_h(h, chi, s):
    """Proximal point of ``log H`` (the zero-temperature energetic kernels, RS and 1RSB).

    For each ``h``: ``y*`` solving ``y - h = (chi/s) GH(-y/s)``, ``log H(-y*/s)`` and ``kappa``.

    ``f(y) = y - h - (chi/s) GH(-y/s)`` is increasing (``f' = 1 + kappa >= 1``),
    negative at ``y = h`` and non-negative at ``y = h + (chi/s) GH(-h/s)``:
    safeguarded Newton in that bracket, to ``1e-15`` relative.
    """
    n = h.size
    out = np.empty((3, n))
    c = chi / s
    for i in range(n):
        lo = h[i]
        hi = h[i] + c * GH(-h[i] / s)
        y = hi
        for _ in range(200):
            x = -y / s
            g = GH(x)
            f = y - h[i] - c * g
            if f > 0.0:
                hi = y
            else:
                lo = y
            df = 1.0 + (c / s) * g * (g - x)
            yn = y - f / df
            if not (lo <= yn <= hi):
                yn = 0.5 * (lo + hi)
            if abs(yn - y) <= 1e-15 * (1.0 + abs(y)) or hi - lo <= 1e-15 * (1.0 + abs(y)):
                y = yn
                break
            y = yn
        x = -y / s
        g = GH(x)
        out[0, i] = y
        out[1, i] = logH(x)
        out[2, i] = (chi / (s * s)) * g * (g - x)
    return out


# ---------------------------------------------------------------------------
# outer rules, checks, warm starts
# ---------------------------------------------------------------------------
def check_order(order: int) -> int:
    return check_int("order", order, ge=4, le=128)


def e_rule(q0: float, qstar: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    D = qstar - q0
    s2 = 1.0 - qstar
    if q0 <= 0.0:
        return dz_rule(order)
    scale = math.sqrt(D + s2) / math.sqrt(q0)
    return dz_rule(order, _Z_BREAKS * scale, panels=4)


_B_GEOM = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
_B_EDGE = np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])


def s_rule(qhat0: float, qhat1: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Dz rule for G_S: breaks in ``b = sqrt(qhat0) z`` on a geometric grid and around
    ``b = 2|a|`` where the interior maximum of ``a m^2 + b m`` (a < 0) reaches the boundary m = 1."""
    if qhat0 <= 0.0:
        return dz_rule(order)
    a = 0.5 * abs(qhat1 - qhat0)
    bb = np.concatenate([_B_GEOM, 2.0 * a + math.sqrt(2.0 * a + 1.0) * _B_EDGE])
    bb = np.concatenate([bb, -bb]) / math.sqrt(qhat0)
    return dz_rule(order, bb)



def validate_rs_args(alpha, beta, qstar, tol, order):
    alpha = check_real("alpha", alpha, ge=0.0)
    beta = check_real("beta", beta, ge=0.0, le=1e4)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    tol = check_real("tol", tol, gt=0.0, lt=1.0)
    order = check_order(order)
    return alpha, beta, qstar, tol, order


def as_rs_init(init) -> dict[str, float] | None:
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


def rescale_large_beta(x: Mapping[str, float], qstar: float, k: float) -> dict[str, float]:
    """Move RS order parameters ``q0, qhat0, qhat1`` from ``beta`` to ``k beta`` on the frozen branch.

    At large ``beta`` the frozen RS solution has ``beta (q* - q0)``, ``qhat0 / beta^2`` and
    ``(qhat1 - qhat0) / beta`` tending to constants (``docs/stochastic_perceptron_rs.md``,
    Sec. 9-10; the limit is :mod:`theory.perceptron.zero_temperature`), which this
    warm start keeps fixed.
    """
    qh0 = x["qhat0"] * k * k
    return {"q0": qstar - (qstar - x["q0"]) / k, "qhat0": qh0, "qhat1": qh0 + (x["qhat1"] - x["qhat0"]) * k}
