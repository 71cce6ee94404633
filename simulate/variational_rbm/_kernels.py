"""Compiled kernels shared by the cavity iteration (:mod:`simulate.variational_rbm.message_passing`)
and variational learning (:mod:`simulate.variational_rbm.learning`): the sweeps of [huang2020, SM Eq. S3]
on the equivalent RBM and the overflow-free softplus. Private to the family.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from theory.core.special import SERIES_MAX, atanh_small, tanh_series, tanh_small

__all__ = ["FASTMATH", "PRODUCT_MAX", "softplus", "row_fast", "row_libm", "cavity_sweeps", "fast_path"]

#: fast-math flags of the sweep kernels: reassociation (vectorised sums over hidden units) and FMA contraction;
#: no finite-math or approximate-function flags, so NaN/inf still propagate and are detected
FASTMATH = {"reassoc", "contract", "nsz"}


@numba.njit(cache=True)
def softplus(x: float) -> float:
    """``log(1 + e^x)`` without overflow."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


#: fast path only if ``P max|W| <= PRODUCT_MAX``: then ``|U_i| <= PRODUCT_MAX`` and ``e^{+-2 U_i}`` cannot overflow
PRODUCT_MAX = 300.0


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def row_fast(W, tw, TA, mrow, rrow):
    """``r_mu = e^{2 u_{mu->i}}`` for one visible unit ``i`` (into ``rrow``); returns
    ``Pi_i = e^{2 U_i} = prod_mu r_mu``.

    With ``tanh a = (TA - td)/(1 - TA td)`` (``td = tanh(W m_{i->mu})``, Taylor series) and ``tanh u =
    tanh a tanh w`` [huang2020, SM Eq. S3b]: ``r = (1 + tanh u)/(1 - tanh u) = (q + p)/(q - p)``, ``q = 1 - TA td``,
    ``p = (TA - td) tanh w``: one division, no ``atanh``, and a product instead of a sum of logs.
    """
    prod = 1.0
    for mu in range(W.shape[0]):
        td = tanh_series(W[mu] * mrow[mu])
        q = 1.0 - TA[mu] * td
        p = (TA[mu] - td) * tw[mu]
        r = (q + p) / (q - p)
        rrow[mu] = r
        prod *= r
    return prod


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def row_libm(W, tw, TA, mrow, trow):
    """``tanh u_{mu->i}`` for one visible unit (into ``trow``); returns ``U_i = sum_mu u_{mu->i}`` (any ``W``)."""
    acc = 0.0
    for mu in range(W.shape[0]):
        td = tanh_small(W[mu] * mrow[mu])
        t = (TA[mu] - td) / (1.0 - TA[mu] * td) * tw[mu]
        trow[mu] = t
        acc += atanh_small(t)
    return acc


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def cavity_sweeps(W, tw, bH, tol, max_iter, damping, fast, mcav, bchi):
    """Iterate [huang2020, SM Eq. S3] in place on ``mcav`` (N, P), from its current content.

    ``W = beta lam / sqrt(N)``, ``tw = tanh(W)``, ``bH = beta H``. Parallel (Jacobi) sweeps, each one pass
    over the edges row by row: the cavity biases of row ``i`` from ``beta chi_mu`` of the previous sweep, then
    ``m_{i->mu} = tanh(U_i - u_{mu->i})`` while ``beta chi_mu = sum_i W m_{i->mu}`` of the next sweep is
    accumulated. Only ``N + P`` libm calls per sweep remain:

    * ``fast`` (requires ``max|W| <= SERIES_MAX`` and ``P max|W| <= PRODUCT_MAX``, see ``fast_path``):
      ``m = (Pi_i - r)/(Pi_i + r)`` with ``r = e^{2u}``, ``Pi_i = e^{2U_i}`` (``row_fast``); branch-free,
      vectorised;
    * otherwise ``m = (tanh U_i - tanh u)/(1 - tanh U_i tanh u)`` (``row_libm``, libm beyond the series range).

    ``bchi`` holds ``beta chi_mu`` of the final messages on return. Returns ``(sweeps, last max |delta m|)``
    (``inf`` if a message became NaN); converged iff the latter is < tol.
    """
    N, P = W.shape
    TA = np.empty(P)
    nxt = np.empty(P)
    row = np.empty(P)
    dmax = np.empty(P)
    for mu in range(P):
        acc = 0.0
        for i in range(N):
            acc += W[i, mu] * mcav[i, mu]
        bchi[mu] = acc
    err = np.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned after the loop)
        for mu in range(P):
            TA[mu] = math.tanh(bchi[mu] + bH[mu])
            nxt[mu] = 0.0
            dmax[mu] = 0.0
        for i in range(N):
            mrow = mcav[i]
            Wrow = W[i]
            if fast:
                Pi = row_fast(Wrow, tw[i], TA, mrow, row)
                for mu in range(P):
                    new = (Pi - row[mu]) / (Pi + row[mu])
                    # per-column maxima: an elementwise max vectorises, a scalar max reduction does not
                    dmax[mu] = max(dmax[mu], abs(new - mrow[mu]))
                    v = damping * mrow[mu] + (1.0 - damping) * new
                    mrow[mu] = v
                    nxt[mu] += Wrow[mu] * v
            else:
                Ti = math.tanh(row_libm(Wrow, tw[i], TA, mrow, row))
                for mu in range(P):
                    t = row[mu]
                    new = (Ti - t) / (1.0 - Ti * t)  # |t| <= tanh(max |W|) < 1
                    dmax[mu] = max(dmax[mu], abs(new - mrow[mu]))
                    v = damping * mrow[mu] + (1.0 - damping) * new
                    mrow[mu] = v
                    nxt[mu] += Wrow[mu] * v
        err = 0.0
        for mu in range(P):
            bchi[mu] = nxt[mu]
            if not math.isfinite(nxt[mu]):  # a NaN message (max() would skip it)
                err = np.inf
            elif dmax[mu] > err:
                err = dmax[mu]
        if err < tol:
            break
    return it, err


def fast_path(W: np.ndarray) -> bool:
    """Whether ``cavity_sweeps`` may take the vectorised path for ``W = beta lam / sqrt(N)`` (N, P).

    Needs ``max|W| <= SERIES_MAX`` (Taylor series of ``tanh``) and ``P max|W| <= PRODUCT_MAX`` (no overflow of
    ``e^{2U}``); true for MNIST (``N = 784``) and the planted models at ``N >= 45`` with ``beta = 1``.
    """
    if W.size == 0:
        return True
    big = float(np.max(np.abs(W)))
    return big <= SERIES_MAX and W.shape[1] * big <= PRODUCT_MAX
