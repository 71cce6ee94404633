"""Node sets shared by the Franz-Parisi saddle point and its end point (private to the family).

The quadrature of the entropic term (single-site measure of the reference system,
[baldassi2018, SM Eq. 13] for the stochastic perceptron, binary / spherical for
[baldassi2018, SM Eq. 39]) and of the energetic term (the reference's weight of the field of
replica 1, [baldassi2018, SM Eq. 35] in the decomposition of ``docs/franz_parisi.md``). Used by
:mod:`theory.perceptron.franz_parisi.solver` and :mod:`theory.perceptron.franz_parisi.endpoint`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from theory.core import H, dz_rule, hermite_nodes, logG, logH, panel_rule

if TYPE_CHECKING:
    from theory.perceptron.franz_parisi.solver import ReferenceState

__all__ = ["ZMAX", "Grids", "drel", "grids_cached", "halfline"]

ZMAX = 10.0


# ---------------------------------------------------------------------------
# quadrature helpers (node sets that do not depend on the FP order parameters)
# ---------------------------------------------------------------------------
_HALF = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.5, 7.5, 10.0, 13.5, 21.0])


def halfline(t: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and *conditional* weights of ``Dz`` restricted to ``z > t`` (rows sum to 1).

    Panels graded from ``t`` on the decay scale ``1/max(1, t)`` of the truncated
    Gaussian; for ``t < -10`` the full rule on ``[-10.5, 10.5]`` is used.
    """
    t = np.asarray(t, dtype=float)
    lo = np.maximum(t, -10.5)
    scale = 1.0 / np.maximum(1.0, lo)
    edges = lo[:, None] + scale[:, None] * _HALF[None, :]
    z, w = panel_rule(edges, order)
    logw = np.log(w) + logG(z)
    logw -= logw.max(axis=1, keepdims=True)
    p = np.exp(logw)
    return z, p / p.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------
# node sets for the two terms
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Grids:
    """Node sets of the two Franz-Parisi terms (they do not depend on the FP order parameters)."""

    ez: np.ndarray   # (nz,) entropic z nodes
    em: np.ndarray   # (nz, nm) m nodes given z
    ew: np.ndarray   # (nz, nm) weights: Dz weight times the normalised m | z measure
    gz0: np.ndarray  # (n0,) energetic z0 nodes
    gz1: np.ndarray  # (n0, n1) z1 nodes given z0
    gw: np.ndarray   # (n0, n1) weights w(z0, z1) (Dz0 weight times normalised conditional)
    eta: np.ndarray
    weta: np.ndarray
    sqD: float       # sqrt(q* - q0)


_M_GRADE = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
_X_BREAKS = np.array([-5.0, -4.0, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0])


def _stochastic_sites(ref: ReferenceState, order: int):
    """Site measure ``exp(a m^2 + b m)`` on [-1, 1] [baldassi2018, SM Eq. 13], split at m = 0 (sign(m))."""
    a = 0.5 * (ref.qhat1 - ref.qhat0)
    sq = math.sqrt(max(ref.qhat0, 0.0))
    bb = np.concatenate([[1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
                         2.0 * abs(a) + np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])])
    z, wz = dz_rule(order, np.concatenate([bb, -bb]) / max(sq, 1e-3), panels=8)
    b = sq * z
    wp = 1.0 / np.maximum(1.0, np.abs(2.0 * a + b))
    wm = 1.0 / np.maximum(1.0, np.abs(-2.0 * a + b))
    edges = [np.full_like(z, -1.0), np.zeros_like(z), np.full_like(z, 1.0)]
    edges += [1.0 - wp * g for g in _M_GRADE] + [-1.0 + wm * g for g in _M_GRADE]
    E = np.sort(np.clip(np.stack(edges, axis=-1), -1.0, 1.0), axis=-1)
    m, wmn = panel_rule(E, order)
    with np.errstate(divide="ignore"):
        lw = np.log(wmn) + a * m * m + b[:, None] * m
    lw -= lw.max(axis=1, keepdims=True)
    p = np.exp(lw)
    return z, m, p / p.sum(axis=1, keepdims=True) * wz[:, None]


def _binary_sites(ref: ReferenceState, order: int):
    z, wz = dz_rule(order, panels=16)
    t = np.tanh(math.sqrt(ref.qhat0) * z)
    m = np.stack([np.ones_like(z), -np.ones_like(z)], axis=1)
    return z, m, np.stack([0.5 * (1 + t), 0.5 * (1 - t)], axis=1) * wz[:, None]


def _spherical_sites(ref: ReferenceState, order: int):
    q = ref.q0
    z, wz = dz_rule(order, panels=16)
    zeta0 = -math.sqrt(q) * z / math.sqrt(1.0 - q)  # m = 0
    up, wu = halfline(zeta0, order)
    dn, wd = halfline(-zeta0, order)
    zeta = np.concatenate([up, -dn], axis=1)
    w = np.concatenate([wu * H(zeta0)[:, None], wd * H(-zeta0)[:, None]], axis=1)
    m = math.sqrt(q) * z[:, None] + math.sqrt(1.0 - q) * zeta
    return z, m, w * wz[:, None]


def _energetic_nodes(ref: ReferenceState, order: int):
    q0, qs = ref.q0, ref.qstar
    sqD = math.sqrt(qs - q0)
    z0, w0 = dz_rule(order, panels=10)
    t = -math.sqrt(q0) * z0 / sqD  # u1 = 0
    if ref.kind == "stochastic":
        s = math.sqrt(1.0 - qs)
        # u1 = sqrt(q0) z0 + sqD z1 = -s x  ->  z1 = t - x s / sqD ; the step of H^beta sits at x in [-5, 3]
        brk = t[:, None] - _X_BREAKS[None, :] * s / sqD
        edges = np.sort(np.clip(np.concatenate([np.tile(np.linspace(-ZMAX, ZMAX, 9), (z0.size, 1)), brk], axis=1),
                                -ZMAX, ZMAX), axis=1)
        z1, w1 = panel_rule(edges, order)
        with np.errstate(divide="ignore"):
            lw = np.log(w1) + logG(z1) + ref.beta * logH(-(math.sqrt(q0) * z0[:, None] + sqD * z1) / s)
        lw -= lw.max(axis=1, keepdims=True)
        p = np.exp(lw)
        p /= p.sum(axis=1, keepdims=True)
    else:
        z1, p = halfline(t, order)
    return z0, z1, p * w0[:, None], sqD


@lru_cache(maxsize=32)
def grids_cached(ref: ReferenceState, order: int) -> Grids:
    """The node sets for ``ref`` at ``order`` (cached: a reference state is hashable and frozen)."""
    site = {"stochastic": _stochastic_sites, "binary": _binary_sites, "spherical": _spherical_sites}[ref.kind]
    ez, em, ew = site(ref, order)
    gz0, gz1, gw, sqD = _energetic_nodes(ref, order)
    eta, weta = hermite_nodes(2 * order)
    return Grids(ez=ez, em=em, ew=ew, gz0=gz0, gz1=gz1, gw=gw, eta=eta, weta=weta, sqD=sqD)


def drel(order: int) -> float:
    """Spacing of the interpolation tables of the inner eta averages, relative to their scale
    (:mod:`theory.perceptron.franz_parisi.kernels`); refined with the order so that the error estimate
    (order against 3 order/2) also sees the interpolation error."""
    return 0.16 / order
