"""Numerics of the 1RSB theory of the stochastic perceptron (private to :mod:`theory.perceptron`).

Derivation: ``docs/stochastic_perceptron_1rsb.md``. Both terms of the 1RSB free entropy have
the nested form

    G = (1/x) int Dz0 log int Dz1 exp(x l(y0 + sig z1)),   y0 = c0 z0,

where ``l`` is a function of one variable only: ``l = log Z_E(h; q* - q1)`` for the energetic
term (``c0 = sqrt(q0)``, ``sig = sqrt(q1 - q0)``) and ``l = log int dm exp(a m^2 + b m)`` for the
entropic one (``c0 = sqrt(qhat0)``, ``sig = sqrt(qhat1 - qhat0)``). So ``l`` and the site
functions that the saddle point needs are tabulated once per evaluation on a 1-d grid
(piecewise Chebyshev interpolation, ``CHEB_N`` first-kind nodes per panel, barycentric
evaluation: :func:`cheb_table_nodes`, :func:`cheb_eval`), and the two Gaussian levels are
integrated by :func:`nested_level` with composite Gauss-Legendre rules:

* the ``z1`` rule of the energetic term is centred, for every ``z0``, on the mode of the
  log-concave tilted weight ``exp(-z1^2/2 + x l)`` (``l`` is concave in ``h``) and covers
  ``mode +- 9.5`` (below ``exp(-45)`` of the maximum beyond), with panels graded by the
  local curvature width;
* the entropic ``l`` is convex, ``|dl/db| <= 1``, so the tilted weight lives in
  ``|z1| <= x sig + 10``; that window is cut into panels of width <= 1.5 with extra edges
  where ``b = +-2|a|`` (the interior maximiser of ``a m^2 + b m`` reaches ``m = +-1``).

Outputs per ``z0``: ``A = log int Dz1 exp(x l)``, the tilted averages ``E1[V_k]`` of every
tabulated function and ``E1[V_1^2]``.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from theory.perceptron._rs_numerics import n_edges_max, tilted_step_average, u_edges, u_panel_nodes

__all__ = ["CHEB_N", "bc_node_kernel", "cheb_eval", "cheb_table_nodes", "nested_level", "nested_nodes"]

CHEB_N = 16
_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
_EWIN = 9.5  # half window of the energetic z1 rule around the mode
_EGRADE = np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])
_SPAN = 10.0  # entropic z1 window |z1| <= x sig + _SPAN
_SBREAK = np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])


def cheb_table_nodes(edges: np.ndarray, n: int = CHEB_N) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes of a piecewise Chebyshev table on the panels ``edges``.

    Returns ``(y, t, bw)``: the nodes (shape ``(P * n,)``, panel-major), the reference
    first-kind Chebyshev points ``t_j = cos((2j+1) pi / (2n))`` and their barycentric weights.
    """
    j = np.arange(n)
    t = np.cos((2 * j + 1) * np.pi / (2 * n))
    bw = (-1.0) ** j * np.sin((2 * j + 1) * np.pi / (2 * n))
    mid = 0.5 * (edges[1:] + edges[:-1])
    half = 0.5 * (edges[1:] - edges[:-1])
    return (mid[:, None] + half[:, None] * t[None, :]).ravel(), t, bw


@numba.njit(cache=True)
def cheb_eval(edges, t, bw, V, parity, y, out):
    """Evaluate every tabulated function at ``y`` into ``out`` (``V`` has shape ``(nf, P, n)``).

    ``parity[k] = 0``: table on the whole line, ``y`` clamped to it. ``parity[k] = +-1``: the
    table covers ``y >= 0`` only and the function is even (+1) or odd (-1).
    """
    nf = V.shape[0]
    P = edges.size - 1
    n = t.size
    sym = parity[0] != 0
    yy = abs(y) if sym else y
    if yy < edges[0]:
        yy = edges[0]
    if yy > edges[P]:
        yy = edges[P]
    lo = 0
    hi = P
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if edges[mid] <= yy:
            lo = mid
        else:
            hi = mid
    k = lo
    tt = (2.0 * yy - edges[k] - edges[k + 1]) / (edges[k + 1] - edges[k])
    hit = -1
    for j in range(n):
        if tt == t[j]:
            hit = j
    if hit >= 0:
        for f in range(nf):
            out[f] = V[f, k, hit]
    else:
        den = 0.0
        for f in range(nf):
            out[f] = 0.0
        for j in range(n):
            c = bw[j] / (tt - t[j])
            den += c
            for f in range(nf):
                out[f] += c * V[f, k, j]
        for f in range(nf):
            out[f] /= den
    if sym and y < 0.0:
        for f in range(nf):
            if parity[f] < 0:
                out[f] = -out[f]


@numba.njit(cache=True)
def _panel_nodes(e, glx, glw, Z, LW):
    k = 0
    for p in range(e.size - 1):
        half = 0.5 * (e[p + 1] - e[p])
        if half <= 1e-300:
            continue
        mid = 0.5 * (e[p + 1] + e[p])
        for j in range(glx.size):
            z = mid + half * glx[j]
            Z[k] = z
            LW[k] = math.log(half * glw[j]) - 0.5 * z * z - _LOG_SQRT2PI
            k += 1
    return k


@numba.njit(cache=True)
def _z1_edges(y0, x, sig, edges, t, bw, V, parity, concave, brk, e, vals):
    """Panel edges (sorted) of the ``z1`` rule for one outer node (see the module docstring)."""
    ne = e.size
    if concave:
        # mode of -z^2/2 + x V0(y0 + sig z): psi' = -z + x sig V1 (decreasing), psi'(0) >= 0
        lo = 0.0
        hi = 1.0
        for _ in range(80):
            cheb_eval(edges, t, bw, V, parity, y0 + sig * hi, vals)
            if -hi + x * sig * vals[1] <= 0.0:
                break
            lo = hi
            hi *= 2.0
        z = 0.5 * (lo + hi)
        curv = 1.0
        for _ in range(100):
            cheb_eval(edges, t, bw, V, parity, y0 + sig * z, vals)
            d1 = -z + x * sig * vals[1]
            curv = 1.0 - x * sig * sig * vals[2]
            if curv < 1.0:
                curv = 1.0
            if d1 > 0.0:
                lo = z
            else:
                hi = z
            zn = z + d1 / curv
            if not (lo < zn < hi):
                zn = 0.5 * (lo + hi)
            if abs(zn - z) <= 1e-12 * (1.0 + abs(z)):
                z = zn
                break
            z = zn
        wm = 1.0 / math.sqrt(curv)
        k = 0
        for j in range(9):
            e[k] = z - _EWIN + 2.0 * _EWIN * j / 8.0
            k += 1
        for g in _EGRADE:
            e[k] = min(max(z + wm * g, z - _EWIN), z + _EWIN)
            k += 1
    else:
        L = x * sig + _SPAN
        nu = ne - 2 * brk.size
        k = 0
        for j in range(nu):
            e[k] = -L + 2.0 * L * j / (nu - 1)
            k += 1
        for j in range(brk.size):
            e[k] = min(max((brk[j] - y0) / sig, -L), L)
            k += 1
            e[k] = min(max((-brk[j] - y0) / sig, -L), L)
            k += 1
    return np.sort(e)


@numba.njit(cache=True)
def _n_z1_edges(x, sig, concave, brk):
    if concave:
        return 9 + _EGRADE.size
    return 2 + int(math.ceil(2.0 * (x * sig + _SPAN) / 1.5)) + 2 * brk.size


@numba.njit(cache=True)
def nested_nodes(c0, z0, x, sig, edges, t, bw, V, parity, concave, brk, glx, glw):
    """The ``z1`` nodes and normalised tilted weights of :func:`nested_level`, for every ``z0``.

    Returns ``(Z1, W, n)``: arrays of shape ``(nz0, nmax)`` (rows padded with zero weights) and the
    number of nodes per row; ``sum_j W[i, j] f(z0_i, Z1[i, j])`` is ``E1[f]`` at ``z0_i`` for any ``f``
    (observables that depend on ``z0`` and ``z1`` separately). ``sig > 0`` required.
    """
    nf = V.shape[0]
    nz = z0.size
    vals = np.empty(nf)
    ne = _n_z1_edges(x, sig, concave, brk)
    e = np.empty(ne)
    nmax = (ne - 1) * glx.size
    Z1 = np.zeros((nz, nmax))
    W = np.zeros((nz, nmax))
    cnt = np.zeros(nz, dtype=np.int64)
    Z = np.empty(nmax)
    LW = np.empty(nmax)
    for i in range(nz):
        y0 = c0 * z0[i]
        es = _z1_edges(y0, x, sig, edges, t, bw, V, parity, concave, brk, e, vals)
        m = _panel_nodes(es, glx, glw, Z, LW)
        mx = -np.inf
        for j in range(m):
            cheb_eval(edges, t, bw, V, parity, y0 + sig * Z[j], vals)
            LW[j] += x * vals[0]
            if LW[j] > mx:
                mx = LW[j]
        S = 0.0
        for j in range(m):
            W[i, j] = math.exp(LW[j] - mx)
            S += W[i, j]
            Z1[i, j] = Z[j]
        for j in range(m):
            W[i, j] /= S
        cnt[i] = m
    return Z1, W, cnt


@numba.njit(cache=True)
def nested_level(c0, z0, x, sig, edges, t, bw, V, parity, concave, brk, glx, glw):
    """Inner Gaussian level of a nested 1RSB integral, for every outer node ``z0``.

    Returns ``out`` of shape ``(nf + 2, nz0)``: ``out[0] = log int Dz1 exp(x V_0)``,
    ``out[1 + k] = E1[V_k]`` (tilted average), ``out[nf + 1] = E1[V_1^2]``, where the
    functions are evaluated at ``y = c0 z0 + sig z1``. ``concave``: ``V_0`` is concave with
    derivative ``V_1 >= 0`` and second derivative ``V_2`` (energetic term; mode-centred rule);
    otherwise the symmetric window with the extra ``y`` breakpoints ``brk`` (entropic term).
    """
    nf = V.shape[0]
    nz = z0.size
    out = np.empty((nf + 2, nz))
    vals = np.empty(nf)
    ne = _n_z1_edges(x, sig, concave, brk)
    e = np.empty(ne)
    nmax = (ne - 1) * glx.size
    Z = np.empty(nmax)
    LW = np.empty(nmax)
    F = np.empty((nf, nmax))
    for i in range(nz):
        y0 = c0 * z0[i]
        if sig <= 0.0:
            cheb_eval(edges, t, bw, V, parity, y0, vals)
            out[0, i] = x * vals[0]
            for f in range(nf):
                out[1 + f, i] = vals[f]
            out[nf + 1, i] = vals[1] * vals[1]
            continue
        es = _z1_edges(y0, x, sig, edges, t, bw, V, parity, concave, brk, e, vals)
        m = _panel_nodes(es, glx, glw, Z, LW)
        mx = -np.inf
        for j in range(m):
            cheb_eval(edges, t, bw, V, parity, y0 + sig * Z[j], vals)
            for f in range(nf):
                F[f, j] = vals[f]
            v = LW[j] + x * vals[0]
            LW[j] = v
            if v > mx:
                mx = v
        S = 0.0
        for f in range(nf + 1):
            out[1 + f, i] = 0.0
        for j in range(m):
            p = math.exp(LW[j] - mx)
            S += p
            for f in range(nf):
                out[1 + f, i] += p * F[f, j]
            out[nf + 1, i] += p * F[1, j] * F[1, j]
        out[0, i] = mx + math.log(S)
        for f in range(nf + 1):
            out[1 + f, i] /= S
    return out


@numba.njit(cache=True)
def bc_node_kernel(h, Az, sD, s, beta, cu, sigma, glx, glw, T):
    """Per node: the posterior average of ``H((Az + cu u)/sigma)`` under ``Du H^beta(-(h + sD u)/s)``.

    The 1RSB form of the BC-energy kernel of :mod:`theory.perceptron._rs_numerics` (``bc_kernel``),
    with the ``u``-independent part ``Az`` given per node (it depends on ``z0`` and ``z1`` separately,
    not only through ``h``); the same ``u`` rule (:func:`u_edges`) with extra panels around the kink
    ``Az + cu u = 0``.
    """
    n = h.size
    out = np.empty(n)
    no = glx.size
    logw = np.log(glw)
    nmax = (n_edges_max(T.size) - 1) * no
    L = np.empty(nmax)
    U = np.empty(nmax)
    Vv = np.empty(nmax)
    for i in range(n):
        if cu != 0.0:
            uc = -Az[i] / cu
            wk = sigma / abs(cu)
        else:
            uc = 0.0
            wk = 0.0
        e = u_edges(h[i], sD, s, beta, uc, wk, T)
        k = u_panel_nodes(e, glx, logw, U, L)
        out[i] = tilted_step_average(U, L, Vv, k, h[i], sD, s, beta, Az[i], cu, sigma)
    return out
