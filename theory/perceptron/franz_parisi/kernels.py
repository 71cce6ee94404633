"""Compiled kernels of the Franz-Parisi functional ([baldassi2018, SM Eq. 33-38], corrected; ``docs/franz_parisi.md``).

Both terms of the functional are averages over two outer variables (``z, m`` for the
entropic term, ``z0, z1`` for the energetic one) of an inner Gaussian average over
``eta`` that depends on the outer variables only through one field:

* entropic: ``E_eta f(h + c eta)`` with ``f = log 2cosh, tanh, sech^2``, ``h = ds m + phat sign(m) + e0 z``;
* energetic: ``E_eta f(-(mu + sb eta)/sqrt(T))`` with ``f = log H, GH, ...``, ``mu = A z0 + B z1``.

So the inner average is tabulated once per call on a uniform grid of the field
(spacing at most ``drel * scale``, ``scale = max(1, c)`` resp. ``max(sb, sqrt T)``, the
scale on which the smoothed function varies; nodes on fixed multiples of the spacing) together with its
derivative, and the outer sums
use cubic Hermite interpolation. The table uses Gauss-Hermite in ``eta`` while the
inner integrand is smooth on the Gaussian's own scale (``c <= 1``, resp.
``sqrt T >= sb``) and otherwise a composite Gauss-Legendre rule graded geometrically
towards the point where the inner integrand bends (``eta* = -h/c`` on the width
``1/c``; ``eta* = -mu/sb`` on the width ``sqrt(T)/sb``). The graded rule is what
keeps the quadrature resolved as ``Q0 -> 1`` (``c -> inf``, ``T -> 0``) at the end
of the branch.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from theory.core import GH, log2cosh, logH

ZMAX = 10.0
_N_UNIFORM = 9      # uniform edges on [-ZMAX, ZMAX] of the graded rule
_N_GRADE = 48       # geometric edges on each side of the bend: width * 2^(k-2), k < _N_GRADE
_N_EDGES = _N_UNIFORM + 1 + 2 * _N_GRADE
_NMAX_TABLE = 2_000_000

__all__ = ["entropic_sums", "phat_sums", "energetic_sums", "graded_eta_rule"]


@numba.njit(cache=True)
def graded_eta_rule(center, width, x, w, nodes, weights):
    """Composite Gauss-Legendre rule for ``D eta`` on ``[-ZMAX, ZMAX]`` graded towards ``center``.

    Panel edges: 9 uniform ones and ``center +- width 2^(k-2)``; Gauss-Legendre nodes
    ``x, w`` (on [-1, 1]) in each panel, Gaussian density folded into the weights.
    Writes into ``nodes``/``weights`` (size ``>= (_N_EDGES - 1) * x.size``) and returns
    the number of nodes written; only those slots are meaningful.
    """
    edges = np.empty(_N_EDGES)
    k = 0
    for i in range(_N_UNIFORM):
        edges[k] = -ZMAX + 2.0 * ZMAX * i / (_N_UNIFORM - 1)
        k += 1
    edges[k] = center
    k += 1
    s = 0.25 * width
    for _ in range(_N_GRADE):
        edges[k] = center + s
        edges[k + 1] = center - s
        k += 2
        s *= 2.0
    for i in range(k):
        edges[i] = min(ZMAX, max(-ZMAX, edges[i]))
    edges.sort()
    n = 0
    c0 = 1.0 / math.sqrt(2.0 * math.pi)
    for p in range(_N_EDGES - 1):
        half = 0.5 * (edges[p + 1] - edges[p])
        if half <= 0.0:
            continue
        mid = 0.5 * (edges[p + 1] + edges[p])
        for q in range(x.size):
            e = mid + half * x[q]
            nodes[n] = e
            weights[n] = half * w[q] * c0 * math.exp(-0.5 * e * e)
            n += 1
    return n


@numba.njit(cache=True)
def _herm3(f, df, h0, dh, x):
    """Cubic Hermite interpolation of a table (values ``f``, derivatives ``df``) on ``h0 + j dh``."""
    u = (x - h0) / dh
    j = int(math.floor(u))
    if j < 0:
        j = 0
    elif j > f.size - 2:
        j = f.size - 2
    t = u - j
    t2 = t * t
    t3 = t2 * t
    return ((2.0 * t3 - 3.0 * t2 + 1.0) * f[j] + (t3 - 2.0 * t2 + t) * dh * df[j]
            + (-2.0 * t3 + 3.0 * t2) * f[j + 1] + (t3 - t2) * dh * df[j + 1])


@numba.njit(cache=True)
def _grid(lo, hi, scale, drel):
    """Table grid ``h0 + j dh`` covering ``[lo, hi]``.

    The spacing is ``drel * scale`` rounded down to ``drel`` times a power of two and the
    nodes are integer multiples of it, so that the interpolant is a smooth function of
    the order parameters (the grid does not slide with them; it only changes where the
    scale crosses a power of two). Otherwise the interpolation error would add
    parameter noise of order 1e-9 that spoils the finite-difference Jacobians of the
    root finder.
    """
    dh = drel * 2.0 ** math.floor(math.log2(scale))
    j0 = math.floor(lo / dh) - 1.0
    n = int(math.ceil(hi / dh) - j0) + 2
    if n > _NMAX_TABLE:
        raise ValueError("Franz-Parisi kernel: interpolation table too large (field range / scale)")
    return j0 * dh, dh, n


# ---------------------------------------------------------------------------
# entropic term: E_eta f(h + c eta), f = log 2cosh, tanh, sech^2, -2 tanh sech^2
# ---------------------------------------------------------------------------
@numba.njit(cache=True)
def _ent_table(h0, dh, n, c, eta, weta, xl, wl):
    F0 = np.empty(n)
    F1 = np.empty(n)
    F2 = np.empty(n)
    F3 = np.empty(n)
    graded = c > 1.0
    nodes = np.empty((_N_EDGES - 1) * xl.size)
    wts = np.empty((_N_EDGES - 1) * xl.size)
    for j in range(n):
        h = h0 + j * dh
        if graded:
            ne = graded_eta_rule(-h / c, 1.0 / c, xl, wl, nodes, wts)
        else:
            ne = eta.size
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for k in range(ne):
            if graded:
                e, we = nodes[k], wts[k]
            else:
                e, we = eta[k], weta[k]
            y = h + c * e
            th = math.tanh(y)
            s2 = 1.0 - th * th
            a0 += we * log2cosh(y)
            a1 += we * th
            a2 += we * s2
            a3 += we * (-2.0 * th * s2)
        F0[j] = a0
        F1[j] = a1
        F2[j] = a2
        F3[j] = a3
    return F0, F1, F2, F3


@numba.njit(cache=True)
def _h_range(z, m, w, ds, ph, e0):
    lo = np.inf
    hi = -np.inf
    for i in range(z.shape[0]):
        for k in range(m.shape[1]):
            if w[i, k] == 0.0:
                continue
            mk = m[i, k]
            sg = 1.0 if mk > 0.0 else (-1.0 if mk < 0.0 else 0.0)
            h = ds * mk + ph * sg + e0 * z[i]
            lo = min(lo, h)
            hi = max(hi, h)
    return lo, hi


@numba.njit(cache=True)
def entropic_sums(z, m, w, eta, weta, xl, wl, ds, ph, e0, c, drel):
    """Sums of [baldassi2018, SM Eq. 33-34]: ``G``, ``<m t>``, ``<z t>``, ``<sign(m) t>``, ``<1 - tanh^2>``
    (``t = <tanh>_eta``) over the site nodes ``z, m`` with weights ``w``."""
    lo, hi = _h_range(z, m, w, ds, ph, e0)
    h0, dh, n = _grid(lo, hi, max(1.0, c), drel)
    F0, F1, F2, F3 = _ent_table(h0, dh, n, c, eta, weta, xl, wl)
    G = 0.0
    Emt = 0.0
    Ezt = 0.0
    Est = 0.0
    Et2 = 0.0
    for i in range(z.shape[0]):
        zi = z[i]
        for k in range(m.shape[1]):
            wk = w[i, k]
            if wk == 0.0:
                continue
            mk = m[i, k]
            sg = 1.0 if mk > 0.0 else (-1.0 if mk < 0.0 else 0.0)
            h = ds * mk + ph * sg + e0 * zi
            g = _herm3(F0, F1, h0, dh, h)
            t1 = _herm3(F1, F2, h0, dh, h)
            t2 = _herm3(F2, F3, h0, dh, h)
            G += wk * g
            Emt += wk * mk * t1
            Ezt += wk * zi * t1
            Est += wk * sg * t1
            Et2 += wk * t2
    return G, Emt, Ezt, Est, Et2


@numba.njit(cache=True)
def phat_sums(z, m, w, eta, weta, xl, wl, ds, ph, e0, c, drel):
    """``<sign(m) <tanh>>`` and its derivative in ``phat``, ``<sign(m)^2 <1 - tanh^2>>``."""
    lo, hi = _h_range(z, m, w, ds, ph, e0)
    h0, dh, n = _grid(lo, hi, max(1.0, c), drel)
    F0, F1, F2, F3 = _ent_table(h0, dh, n, c, eta, weta, xl, wl)
    Est = 0.0
    Ed = 0.0
    for i in range(z.shape[0]):
        zi = z[i]
        for k in range(m.shape[1]):
            wk = w[i, k]
            if wk == 0.0:
                continue
            mk = m[i, k]
            sg = 1.0 if mk > 0.0 else (-1.0 if mk < 0.0 else 0.0)
            h = ds * mk + ph * sg + e0 * zi
            Est += wk * sg * _herm3(F1, F2, h0, dh, h)
            Ed += wk * sg * sg * _herm3(F2, F3, h0, dh, h)
    return Est, Ed


# ---------------------------------------------------------------------------
# energetic term: E_eta f(y), y = -(mu + sb eta)/sqrt(T), f = log H, GH, ...
# ---------------------------------------------------------------------------
@numba.njit(cache=True)
def _en_table(m0, dm, n, sb, sT, eta, weta, xl, wl):
    T0 = np.empty(n)
    T1 = np.empty(n)
    T2 = np.empty(n)
    T3 = np.empty(n)
    T4 = np.empty(n)
    T5 = np.empty(n)
    graded = sT < sb
    nodes = np.empty((_N_EDGES - 1) * xl.size)
    wts = np.empty((_N_EDGES - 1) * xl.size)
    for j in range(n):
        mu = m0 + j * dm
        if graded:
            ne = graded_eta_rule(-mu / sb, sT / sb, xl, wl, nodes, wts)
        else:
            ne = eta.size
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        a4 = 0.0
        a5 = 0.0
        for k in range(ne):
            if graded:
                e, we = nodes[k], wts[k]
            else:
                e, we = eta[k], weta[k]
            y = -(mu + sb * e) / sT
            gh = GH(y)
            d = gh * (gh - y)          # dGH/dy
            a0 += we * logH(y)
            a1 += we * gh
            a2 += we * (y * gh - gh * gh)
            a3 += we * (gh + (y - 2.0 * gh) * d)
            a4 += we * gh * gh
            a5 += we * (-2.0 * gh * d)
        T0[j] = a0
        T1[j] = a1
        T2[j] = a2
        T3[j] = a3
        T4[j] = a4
        T5[j] = a5
    return T0, T1, T2, T3, T4, T5


@numba.njit(cache=True)
def energetic_sums(z0, z1, w, eta, weta, xl, wl, A, B, sb, T, drel):
    """Sums of the energetic term: ``G``, ``<z0 phi'>``, ``<z1 phi'>``, ``<phi''>``, ``<GH^2>``,
    ``phi(x) = log H(-x/sqrt(T))`` averaged over ``x = mu + sb eta``, ``mu = A z0 + B z1``."""
    sT = math.sqrt(T)
    lo = np.inf
    hi = -np.inf
    for i in range(z0.shape[0]):
        for k in range(z1.shape[1]):
            if w[i, k] == 0.0:
                continue
            mu = A * z0[i] + B * z1[i, k]
            lo = min(lo, mu)
            hi = max(hi, mu)
    m0, dm, n = _grid(lo, hi, max(sb, sT), drel)
    T0, T1, T2, T3, T4, T5 = _en_table(m0, dm, n, sb, sT, eta, weta, xl, wl)
    # derivatives in mu: dy/dmu = -1/sT
    D1 = T1 / sT
    D2 = T2 / sT
    D3 = -T3 / sT
    D5 = T5 / sT
    G = 0.0
    Ez0 = 0.0
    Ez1 = 0.0
    Epp = 0.0
    Eg2 = 0.0
    for i in range(z0.shape[0]):
        for k in range(z1.shape[1]):
            wk = w[i, k]
            if wk == 0.0:
                continue
            mu = A * z0[i] + B * z1[i, k]
            g = _herm3(T0, D1, m0, dm, mu)
            d1 = _herm3(T1, D2, m0, dm, mu)
            d2 = _herm3(T2, D3, m0, dm, mu)
            g2 = _herm3(T4, D5, m0, dm, mu)
            G += wk * g
            Ez0 += wk * z0[i] * d1
            Ez1 += wk * z1[i, k] * d1
            Epp += wk * d2
            Eg2 += wk * g2
    return G, Ez0 / sT, Ez1 / sT, Epp / T, Eg2
