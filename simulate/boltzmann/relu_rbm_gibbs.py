"""Block Gibbs sampling of random ReLU-RBMs with {0,1} visible units (Tubiana-Monasson ensemble).

Energy (seed 001, slides 3, 21): ``E(v, h) = -sum_{i mu} w_{i mu} v_i h_mu - g sum_i v_i
+ sum_mu (h_mu^2/2 + theta h_mu)``, ``v_i in {0,1}``, ``h_mu >= 0``, weights
``w = xi / sqrt(N)`` with ``xi = +-1`` w.p. ``p/2`` each, else 0 (stored int8, ``M x N``).
At inverse temperature ``beta`` the conditionals are

* ``h_mu | v``: Gaussian of mean ``I_mu - theta`` (``I_mu = sum_i w_{i mu} v_i``) and variance
  ``1/beta`` truncated to ``h >= 0`` (sampled by normal rejection, or Robert's exponential
  rejection when the truncation point is in the right tail);
* ``v_i | h``: Bernoulli of probability ``1/(1 + exp(-beta (g + sum_mu w_{i mu} h_mu)))``.

Observables (slide 19): the participation ratio ``PR_3(h) = (sum h^3)^2 / sum h^6``
estimates the number ``L`` of strongly activated hidden units; the strong ones carry
``h = m sqrt(N)``, the weak ones ``<h^2> = r``; ``q`` is the mean visible activity.
Does not import the theory; compared with ``theory.rbm.relu_rbm``/``theory.rbm.compositional`` in
``validate/rbm/relu_rbm.py``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from simulate.core.rng import as_generator, seed_numba
from theory.core.params import check_array, check_int, check_real
from theory.core.results import Record

__all__ = ["random_weights", "participation_ratio", "gibbs", "energy", "condensed_state", "RRBMSample", "sample_rrbm"]


def random_weights(N: int, M: int, p: float, seed) -> np.ndarray:
    """``M x N`` int8 matrix ``xi``: +-1 with probability ``p/2`` each, 0 otherwise."""
    N = check_int("N", N, ge=1)
    M = check_int("M", M, ge=1)
    p = check_real("p", p, gt=0, le=1)
    rng = as_generator(seed)
    u = rng.random((M, N))
    xi = np.zeros((M, N), dtype=np.int8)
    xi[u < p / 2] = 1
    xi[(u >= p / 2) & (u < p)] = -1
    return xi


def participation_ratio(h: np.ndarray, a: float = 3.0) -> float:
    """``PR_a(h) = (sum h^a)^2 / sum h^(2a)`` for ``h >= 0`` (slide 19); 0 if all ``h = 0``."""
    h = np.asarray(h, dtype=float)
    den = np.sum(h ** (2 * a))
    return float(np.sum(h**a) ** 2 / den) if den > 0 else 0.0


@numba.njit(cache=True)
def _trunc_normal_pos(mu: float, sigma: float) -> float:
    """Sample ``N(mu, sigma^2)`` conditioned on ``> 0``."""
    a = -mu / sigma
    if a < 0.5:
        while True:
            z = np.random.standard_normal()
            if z > a:
                return mu + sigma * z
    lam = 0.5 * (a + math.sqrt(a * a + 4.0))
    while True:
        z = a - math.log(1.0 - np.random.random()) / lam
        if np.random.random() <= math.exp(-0.5 * (z - lam) ** 2):
            return mu + sigma * z


@numba.njit(cache=True)
def _gibbs(xi, v, h, theta, g, betas, measure_from, acc):
    """Block Gibbs sweeps at inverse temperatures ``betas``; accumulates observables after ``measure_from``.

    acc[0] += q, acc[1] += PR_3, acc[2] += sum h^2 / M, acc[3] += count.
    """
    M, N = xi.shape
    sq = 1.0 / math.sqrt(N)
    I = np.zeros(M)
    F = np.zeros(N)
    for t in range(betas.size):
        beta = betas[t]
        sigma = 1.0 / math.sqrt(beta)
        for mu in range(M):
            s = 0.0
            for i in range(N):
                if xi[mu, i] != 0 and v[i] != 0:
                    s += xi[mu, i]
            I[mu] = s * sq
            h[mu] = _trunc_normal_pos(I[mu] - theta, sigma)
        for i in range(N):
            F[i] = g
        for mu in range(M):
            hm = h[mu] * sq
            for i in range(N):
                if xi[mu, i] != 0:
                    F[i] += xi[mu, i] * hm
        nv = 0
        for i in range(N):
            x = beta * F[i]
            pr = 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0
            v[i] = 1 if np.random.random() < pr else 0
            nv += v[i]
        if t >= measure_from:
            s3 = 0.0
            s6 = 0.0
            s2 = 0.0
            for mu in range(M):
                h3 = h[mu] ** 3
                s3 += h3
                s6 += h3 * h3
                s2 += h[mu] * h[mu]
            acc[0] += nv / N
            acc[1] += s3 * s3 / s6 if s6 > 0 else 0.0
            acc[2] += s2 / M
            acc[3] += 1.0


def gibbs(xi: np.ndarray, theta: float, g: float, betas, *, seed, v0=None, measure_from: int | None = None):
    """Run block Gibbs sweeps at the inverse temperatures ``betas`` (one per sweep).

    Returns ``(v, h, means)`` with ``means = {"q", "PR3", "h2"}`` averaged over the sweeps from
    ``measure_from`` (default: the last half).
    """
    xi = check_array("xi", xi, ndim=2).astype(np.int8)
    M, N = xi.shape
    theta = check_real("theta", theta)
    g = check_real("g", g)
    betas = check_array("betas", np.atleast_1d(np.asarray(betas, dtype=float)), ndim=1)
    if np.any(betas <= 0):
        raise ValueError("betas must all be > 0")
    rng = as_generator(seed)
    v = (rng.integers(0, 2, N).astype(np.int8) if v0 is None
         else check_array("v0", v0, shape=(N,)).astype(np.int8).copy())
    measure_from = betas.size // 2 if measure_from is None else check_int("measure_from", measure_from, ge=0,
                                                                            le=betas.size - 1)
    seed_numba(rng)
    h = np.zeros(M)
    acc = np.zeros(4)
    _gibbs(xi, v, h, theta, g, betas, measure_from, acc)
    n = acc[3]
    return v, h, {"q": acc[0] / n, "PR3": acc[1] / n, "h2": acc[2] / n}


@dataclass(frozen=True)
class RRBMSample(Record):
    """Observables of an annealed R-RBM sample (zero-temperature proxies at large beta)."""

    N: int
    M: int
    p: float
    theta: float
    g: float
    beta: float
    q: float
    L_hat: float
    Lp: float
    m: float
    r: float
    PR3_mean: float
    h2: float
    energy: float
    L_init: int
    sweeps: int
    converged: bool = True


def energy(xi: np.ndarray, v: np.ndarray, h: np.ndarray, theta: float, g: float) -> float:
    """``E(v, h) / N`` of the R-RBM (module docstring)."""
    N = v.size
    I = xi.astype(np.float64) @ v.astype(np.float64) / math.sqrt(N)
    return float((-np.dot(I, h) - g * v.sum() + np.sum(h * h / 2 + theta * h)) / N)


def condensed_state(xi: np.ndarray, L: int, seed) -> np.ndarray:
    """Visible state of the noise-free compositional ansatz: ``L`` random hidden units chosen,
    ``v_i = 1`` iff ``W_i = sum_{mu in S} xi_{mu i} > 0`` (docs/relu_rbm.md, section 4)."""
    rng = as_generator(seed)
    S = rng.choice(xi.shape[0], check_int("L", L, ge=1, le=xi.shape[0]), replace=False)
    return (xi[S].astype(np.int64).sum(axis=0) > 0).astype(np.int8)


def sample_rrbm(N: int, alpha: float, p: float, theta: float, g: float, *, seed, beta: float = 20.0,
                beta0: float = 1.0, anneal: int = 200, measure: int = 100, L_init: int = 0) -> RRBMSample:
    """Draw random sparse weights and sample the R-RBM at large ``beta``.

    ``L_init = 0``: random visible start, geometric anneal ``beta0 -> beta`` over ``anneal``
    sweeps. ``L_init > 0``: start from :func:`condensed_state` with ``L_init`` hidden units and
    quench at ``beta`` (``anneal`` sweeps of relaxation). Then ``measure`` sweeps at ``beta``.
    ``L_hat = PR_3(h)`` of the final configuration; ``m`` = mean of ``h/sqrt(N)`` over the
    ``round(L_hat)`` largest hidden units; ``r`` = mean ``h^2`` over the others; ``q`` and
    ``PR3_mean`` and ``h2`` (mean ``h^2`` over all hidden units) are averages over the
    ``measure`` sweeps; ``energy`` = ``E/N`` at the end.
    """
    N = check_int("N", N, ge=2)
    alpha = check_real("alpha", alpha, gt=0)
    beta = check_real("beta", beta, gt=0)
    beta0 = check_real("beta0", beta0, gt=0)
    anneal = check_int("anneal", anneal, ge=0)
    measure = check_int("measure", measure, ge=1)
    L_init = check_int("L_init", L_init, ge=0)
    rng = as_generator(seed)
    M = max(1, int(round(alpha * N)))
    xi = random_weights(N, M, p, rng)
    if L_init:
        v0 = condensed_state(xi, min(L_init, M), rng)
        betas = np.full(anneal + measure, beta)
    else:
        v0 = None
        betas = np.concatenate([np.geomspace(beta0, beta, anneal) if anneal else np.empty(0), np.full(measure, beta)])
    v, h, means = gibbs(xi, theta, g, betas, seed=rng, v0=v0, measure_from=anneal)
    L_hat = participation_ratio(h)
    k = int(round(L_hat))
    hs = np.sort(h)[::-1]
    m = float(hs[:k].mean() / math.sqrt(N)) if k > 0 else 0.0
    r = float(np.mean(hs[k:] ** 2)) if k < M else math.nan
    return RRBMSample(N, M, p, theta, g, beta, means["q"], L_hat, L_hat * p, m, r, means["PR3"], means["h2"],
                      energy(xi, v, h, theta, g), L_init, int(betas.size))
