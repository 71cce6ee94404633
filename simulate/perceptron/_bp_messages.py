"""Gaussian (dense-graph) BP messages of the binary perceptron, shared by BP+R and the BP local entropy.

Private to :mod:`simulate.perceptron`: used by :mod:`simulate.perceptron.bp_reinforcement`
and :mod:`simulate.perceptron.bp_local_entropy`. With signed patterns ``s_i^mu = y^mu x_i^mu``
and cavity magnetizations ``m_{i->mu}`` (derivation in ``docs/bp_reinforcement.md``,
[braunstein2006, Eq. 4]):

* cavity field of pattern ``mu``: mean ``omega_mu = sum_i s_i^mu m_{i->mu}`` and variance
  ``V_mu = sum_i (1 - m_{i->mu}^2)`` (central limit), :func:`cavity_sums`;
* factor message ``u_{mu->i} = 1/2 [log H(-(omega_{mu->i} + s_i)/sqrt V_{mu->i})
  - log H(-(omega_{mu->i} - s_i)/sqrt V_{mu->i})]`` with the sums excluding ``i``,
  :func:`factor_update`.
"""
from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from theory.core import check_array, logH

__all__ = ["V_FLOOR", "cavity_sums", "factor_update", "signed_patterns", "messages_from_fields"]

V_FLOOR = 1e-12  # floor on the cavity variance when all other messages are polarised


@numba.njit(cache=True)
def cavity_sums(S, mcav, mu):
    """``(omega_mu, V_mu)``: mean and variance of the cavity field of pattern ``mu`` over all ``i``."""
    N = S.shape[1]
    omega = 0.0
    V = 0.0
    for i in range(N):
        mm = mcav[mu, i]
        omega += S[mu, i] * mm
        V += 1.0 - mm * mm
    return omega, V


@numba.njit(cache=True)
def factor_update(S, mcav, u, damping):
    """Factor messages ``u_{mu->i}`` for every edge (in place, damped); returns the largest change.

    ``damping * u_old + (1 - damping) * u_new``; a NaN change is reported as ``inf``.
    """
    M, N = S.shape
    dmax = 0.0
    for mu in range(M):
        omega, V = cavity_sums(S, mcav, mu)
        for i in range(N):
            mm = mcav[mu, i]
            s = S[mu, i]
            om = omega - s * mm
            v = V - (1.0 - mm * mm)
            if v < V_FLOOR:
                v = V_FLOOR
            sv = math.sqrt(v)
            new = 0.5 * (logH(-(om + s) / sv) - logH(-(om - s) / sv))
            new = damping * u[mu, i] + (1.0 - damping) * new
            d = abs(new - u[mu, i])
            if d > dmax or d != d:
                dmax = d if d == d else math.inf
            u[mu, i] = new
    return dmax


def signed_patterns(X: npt.ArrayLike, y: npt.ArrayLike | None = None) -> np.ndarray:
    """``s^mu = y^mu x^mu`` as a C-contiguous int8 (M, N) array (entries must be +-1).

    Examples
    --------
    >>> signed_patterns([[1, -1], [1, 1]], [1, -1]).tolist()
    [[1, -1], [-1, -1]]
    """
    X = check_array("X", X, ndim=2)
    if not np.all(np.abs(X) == 1):
        raise ValueError("X must have entries in {-1, +1}")
    if y is not None:
        y = check_array("y", y, shape=(X.shape[0],))
        if not np.all(np.abs(y) == 1):
            raise ValueError("y must have entries in {-1, +1}")
        X = X * y[:, None]
    return np.ascontiguousarray(X, dtype=np.int8)


def messages_from_fields(h: np.ndarray, M: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Initial messages from fields ``h``: ``(mcav, u, h)`` with ``m_{i->mu} = tanh h_i``, ``u = 0``."""
    mcav = np.repeat(np.tanh(h)[None, :], M, axis=0)
    return mcav, np.zeros((M, h.size)), h
