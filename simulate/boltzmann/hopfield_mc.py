"""Hopfield-network retrieval dynamics: zero-temperature and Glauber (heat-bath) Monte Carlo.

Model ([manzan2021, slide 12]): ``H(v) = -(1/2N) sum_{i != j} sum_mu xi^mu_i xi^mu_j v_i v_j``,
``v_i = +-1``, ``M = alpha N`` random +-1 patterns (int8). Local field
``h_i = (1/N) sum_mu xi^mu_i m_mu - (M/N) v_i`` with ``m_mu = sum_j xi^mu_j v_j``
(the self-coupling removed); the overlaps ``m_mu`` are updated in O(M) per flip.

* ``T = 0``: asynchronous sequential updates ``v_i <- sign(h_i)`` (random order each
  sweep) until no spin flips (a fixed point) or ``max_sweeps``.
* ``T > 0``: heat-bath updates ``P(v_i = +1) = 1/(1 + exp(-2 h_i / T))``; after
  ``burn`` sweeps the overlap with the condensed pattern is averaged over ``measure`` sweeps.

Neither imports the theory: compare with ``theory.rbm.hopfield`` in ``validate/rbm/hopfield.py``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from simulate.core import SeedLike, as_generator, seed_numba
from theory.core import Record, check_array, check_int, check_real

__all__ = ["hopfield_patterns", "hopfield_energy", "HopfieldRetrievalResult", "hopfield_retrieve", "hopfield_chain"]


def hopfield_patterns(N: int, M: int, seed: SeedLike) -> np.ndarray:
    """``M x N`` int8 matrix of i.i.d. +-1 patterns.

    Examples
    --------
    >>> import numpy as np
    >>> xi = hopfield_patterns(10, 2, seed=0)
    >>> xi.shape, xi.dtype.name, bool(np.all(np.abs(xi) == 1))
    ((2, 10), 'int8', True)
    """
    N = check_int("N", N, ge=1)
    M = check_int("M", M, ge=1)
    rng = as_generator(seed)
    return (2 * rng.integers(0, 2, size=(M, N), dtype=np.int8) - 1).astype(np.int8)


def hopfield_energy(xi: np.ndarray, v: np.ndarray) -> float:
    """``H(v)`` per spin (diagonal excluded).

    Examples
    --------
    A single stored pattern has ``H = -(N - 1)/(2N)`` per spin:

    >>> xi = hopfield_patterns(4, 1, seed=0)
    >>> hopfield_energy(xi, xi[0])
    -0.375
    """
    N = v.size
    m = xi.astype(np.float64) @ v.astype(np.float64)
    return float(-(np.sum(m * m) - xi.shape[0] * N) / (2 * N * N))


@numba.njit(cache=True)
def _sweep(xi, v, m, beta, order):
    """One sweep over ``order``; beta = inf -> zero-temperature. Returns the number of flips."""
    M, N = xi.shape
    flips = 0
    for k in range(N):
        i = order[k]
        hi = 0.0
        for mu in range(M):
            hi += xi[mu, i] * m[mu]
        hi = hi / N - (M / N) * v[i]
        if math.isinf(beta):
            new = 1 if hi > 0 else (-1 if hi < 0 else v[i])
        else:
            p = 1.0 / (1.0 + math.exp(-2.0 * beta * hi))
            new = 1 if np.random.random() < p else -1  # noqa: NPY002 numba's generator, seeded by seed_numba
        if new != v[i]:
            for mu in range(M):
                m[mu] += 2 * new * xi[mu, i]
            v[i] = new
            flips += 1
    return flips


@numba.njit(cache=True)
def _run(xi, v, beta, max_sweeps, burn, measure, target):
    M, N = xi.shape
    m = np.zeros(M)
    for mu in range(M):
        s = 0.0
        for j in range(N):
            s += xi[mu, j] * v[j]
        m[mu] = s
    sweeps = 0
    acc = 0.0
    acc2 = 0.0
    nacc = 0
    fixed = False
    order = np.arange(N)
    total = max_sweeps if math.isinf(beta) else burn + measure
    for t in range(total):
        np.random.shuffle(order)  # noqa: NPY002 numba's generator inside njit, seeded by seed_numba
        flips = _sweep(xi, v, m, beta, order)
        sweeps += 1
        if math.isinf(beta):
            if flips == 0:
                fixed = True
                break
        elif t >= burn:
            x = m[target] / N
            acc += x
            acc2 += x * x
            nacc += 1
    return sweeps, fixed, acc, acc2, nacc


@dataclass(frozen=True, kw_only=True)
class HopfieldRetrievalResult(Record):
    """Outcome of retrieval dynamics started at (a noisy copy of) pattern ``target``.

    Attributes
    ----------
    N, M, T
        Spins, patterns, temperature.
    m_final : float
        Overlap with the target pattern in the final state.
    m_mean, m_sq_mean : float
        Time averages of the overlap and of its square over the measured sweeps (``T > 0``); for ``T = 0``
        ``m_final`` and its square.
    energy : float
        :func:`hopfield_energy` of the final state.
    sweeps : int
        Sweeps run.
    fixed_point, converged : bool
        A fixed point was reached (``T = 0``); the run is valid (fixed point at ``T = 0``, all sweeps at ``T > 0``).
    """

    N: int
    M: int
    T: float
    m_final: float
    m_mean: float
    m_sq_mean: float
    energy: float
    sweeps: int
    fixed_point: bool
    converged: bool


def hopfield_chain(xi: np.ndarray, v0: np.ndarray, T: float, *, seed: SeedLike, max_sweeps: int = 200, burn: int = 50,
              measure: int = 100, target: int = 0) -> tuple[HopfieldRetrievalResult, np.ndarray]:
    """Run the dynamics on given patterns from ``v0``; returns the result and the final state.

    ``converged`` means: reached a fixed point (T = 0) or completed the requested sweeps (T > 0).

    Examples
    --------
    A single stored pattern is a fixed point of the zero-temperature dynamics:

    >>> xi = hopfield_patterns(20, 1, seed=0)
    >>> res, v = hopfield_chain(xi, xi[0], 0.0, seed=0)
    >>> res.m_final, res.fixed_point, res.sweeps
    (1.0, True, 1)
    """
    xi = check_array("xi", xi, ndim=2).astype(np.int8)
    M, N = xi.shape
    v = check_array("v0", v0, shape=(N,)).astype(np.int8).copy()
    if not np.all(np.abs(v) == 1):
        raise ValueError("v0 must contain only +-1")
    T = check_real("T", T, ge=0)
    max_sweeps = check_int("max_sweeps", max_sweeps, ge=1)
    burn = check_int("burn", burn, ge=0)
    measure = check_int("measure", measure, ge=1)
    target = check_int("target", target, ge=0, le=M - 1)
    seed_numba(as_generator(seed))
    beta = math.inf if T == 0 else 1.0 / T
    sweeps, fixed, acc, acc2, n = _run(xi, v, beta, max_sweeps, burn, measure, target)
    mf = float(xi[target].astype(np.float64) @ v) / N
    if T == 0:
        mean, sq = mf, mf * mf
    else:
        mean, sq = acc / n, acc2 / n
    res = HopfieldRetrievalResult(N=N, M=M, T=T, m_final=mf, m_mean=mean, m_sq_mean=sq, energy=hopfield_energy(xi, v),
                                  sweeps=int(sweeps), fixed_point=bool(fixed),
                                  converged=bool(fixed) if T == 0 else True)
    return res, v


def hopfield_retrieve(N: int, alpha: float, T: float, *, seed: SeedLike, flip: float = 0.0, max_sweeps: int = 200,
             burn: int = 50, measure: int = 100) -> HopfieldRetrievalResult:
    """Draw ``M = round(alpha N)`` patterns, start at pattern 0 with a fraction ``flip`` of spins flipped, run.

    Parameters
    ----------
    N
        Number of spins.
    alpha
        Load ``M/N``.
    T
        Temperature (0: asynchronous zero-temperature dynamics to a fixed point).
    seed
        Seed or Generator (patterns, initial noise and the dynamics).
    flip
        Fraction of initially flipped spins (0 <= flip < 0.5).

    Examples
    --------
    At low load (alpha -> 0) and T = 0 a noisy pattern is retrieved exactly (m = 1):

    >>> r = hopfield_retrieve(100, 0.02, 0.0, seed=0, flip=0.1)
    >>> r.M, r.m_final, r.fixed_point
    (2, 1.0, True)
    """
    N = check_int("N", N, ge=2)
    alpha = check_real("alpha", alpha, gt=0)
    flip = check_real("flip", flip, ge=0, lt=0.5)
    rng = as_generator(seed)
    M = max(1, int(round(alpha * N)))
    xi = hopfield_patterns(N, M, rng)
    v0 = xi[0].copy()
    nflip = int(round(flip * N))
    if nflip:
        idx = rng.choice(N, nflip, replace=False)
        v0[idx] = -v0[idx]
    res, _ = hopfield_chain(xi, v0, T, seed=rng, max_sweeps=max_sweeps, burn=burn, measure=measure)
    return res
