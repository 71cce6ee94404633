"""Block Gibbs sampling of random ReLU-RBMs with {0,1} visible units (Tubiana-Monasson ensemble).

Energy ([manzan2021, slides 3, 21]): ``E(v, h) = -sum_{i mu} w_{i mu} v_i h_mu - g sum_i v_i
+ sum_mu (h_mu^2/2 + theta h_mu)``, ``v_i in {0,1}``, ``h_mu >= 0``, weights
``w = xi / sqrt(N)`` with ``xi = +-1`` w.p. ``p/2`` each, else 0 (stored int8, ``M x N``).
At inverse temperature ``beta`` the conditionals are

* ``h_mu | v``: Gaussian of mean ``I_mu - theta`` (``I_mu = sum_i w_{i mu} v_i``) and variance
  ``1/beta`` truncated to ``h >= 0`` (sampled by normal rejection, or Robert's exponential
  rejection when the truncation point is in the right tail);
* ``v_i | h``: Bernoulli of probability ``1/(1 + exp(-beta (g + sum_mu w_{i mu} h_mu)))``.

Observables ([manzan2021, slide 19]): the participation ratio ``PR_3(h) = (sum h^3)^2 / sum h^6``
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
import numpy.typing as npt

from simulate.boltzmann.gibbs import gibbs_sweep
from simulate.boltzmann.layers import BinaryLayer, ReLULayer
from simulate.core import SeedLike, as_generator, seed_numba
from theory.core import Record, check_array, check_int, check_real

__all__ = ["relu_rbm_random_weights", "participation_ratio", "relu_rbm_gibbs", "relu_rbm_energy",
           "relu_rbm_condensed_state", "relu_rbm_layers", "RRBMSample", "sample_rrbm"]


def relu_rbm_random_weights(N: int, M: int, p: float, seed: SeedLike) -> np.ndarray:
    """``M x N`` int8 matrix ``xi``: +-1 with probability ``p/2`` each, 0 otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> xi = relu_rbm_random_weights(100, 3, 1.0, seed=0)     # p = 1: no zero entries
    >>> xi.shape, xi.dtype.name, bool(np.all(np.abs(xi) == 1))
    ((3, 100), 'int8', True)
    """
    N = check_int("N", N, ge=1)
    M = check_int("M", M, ge=1)
    p = check_real("p", p, gt=0, le=1)
    rng = as_generator(seed)
    u = rng.random((M, N))
    xi = np.zeros((M, N), dtype=np.int8)
    xi[u < p / 2] = 1
    xi[(u >= p / 2) & (u < p)] = -1
    return xi


def participation_ratio(h: np.ndarray, a: float = 3.0) -> float | np.ndarray:
    """Participation ratio ``PR_a(h) = (sum_mu |h_mu|^a)^2 / sum_mu |h_mu|^(2a)`` [manzan2021, slide 18-19].

    The number ``L`` of strongly active hidden units for ``a = 3`` [tubiana2017]; 0 where every
    ``h_mu = 0``. A float for one configuration (1-d ``h``), an array of one value per row otherwise.

    Examples
    --------
    >>> participation_ratio([1.0, 1.0, 0.0, 0.0])
    2.0
    >>> participation_ratio([[1.0, 0.0], [0.0, 0.0]]).tolist()
    [1.0, 0.0]
    """
    h = np.abs(np.asarray(h, dtype=np.float64))
    num = (h ** a).sum(axis=-1) ** 2
    den = (h ** (2 * a)).sum(axis=-1)
    out = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return float(out) if out.ndim == 0 else out


@numba.njit(cache=True)
def _annealed_kernel(W, Wt, scale, vlayer, hlayer, betas, measure_from, v, h, acc):
    """Block-Gibbs sweeps (:func:`simulate.boltzmann.gibbs.gibbs_sweep`) at inverse temperatures ``betas``;
    accumulates observables after ``measure_from``: acc[0] += q, acc[1] += PR_3, acc[2] += sum h^2 / M,
    acc[3] += count."""
    N, M = W.shape
    for t in range(betas.size):
        gibbs_sweep(W, Wt, scale, vlayer[0], vlayer[1], vlayer[2], hlayer[0], hlayer[1], hlayer[2], betas[t], v, h)
        if t >= measure_from:
            s3 = 0.0
            s6 = 0.0
            s2 = 0.0
            for mu in range(M):
                h3 = h[mu] ** 3
                s3 += h3
                s6 += h3 * h3
                s2 += h[mu] * h[mu]
            acc[0] += v.sum() / N
            acc[1] += s3 * s3 / s6 if s6 > 0 else 0.0
            acc[2] += s2 / M
            acc[3] += 1.0


def relu_rbm_layers(M: int, N: int, theta: float, g: float) -> tuple[BinaryLayer, ReLULayer]:
    """The R-RBM as layers: binary visible units with field ``g``, ReLU hidden units with threshold
    ``theta`` (``e(h) = h^2/2 + theta h``, i.e. the ReLU layer's field is ``-theta``) [tubiana2017]."""
    return BinaryLayer(N, theta=g), ReLULayer(M, theta=-theta)


def relu_rbm_gibbs(xi: np.ndarray, theta: float, g: float, betas: npt.ArrayLike, *, seed: SeedLike,
                   v0: npt.ArrayLike | None = None,
                   measure_from: int | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Run block Gibbs sweeps at the inverse temperatures ``betas`` (one per sweep).

    Returns ``(v, h, means)`` with ``means = {"q", "PR3", "h2"}`` averaged over the sweeps from
    ``measure_from`` (default: the last half).

    Examples
    --------
    A strongly negative visible field switches every visible unit off (``q = 0``):

    >>> xi = relu_rbm_random_weights(20, 3, 0.5, seed=0)
    >>> v, h, means = relu_rbm_gibbs(xi, 0.5, -50.0, [5.0] * 4, seed=0)
    >>> int(v.sum()), float(means["q"]), bool((h >= 0).all())
    (0, 0.0, True)
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
    visible, hidden = relu_rbm_layers(M, N, theta, g)
    W = np.ascontiguousarray(xi.T, dtype=np.float64)
    vf = v.astype(np.float64)
    _annealed_kernel(W, np.ascontiguousarray(xi, dtype=np.float64), 1.0 / math.sqrt(N), visible.params(),
                     hidden.params(), betas, measure_from, vf, h, acc)
    v = vf.astype(np.int8)
    n = acc[3]
    return v, h, {"q": acc[0] / n, "PR3": acc[1] / n, "h2": acc[2] / n}


@dataclass(frozen=True, kw_only=True)
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


def relu_rbm_energy(xi: np.ndarray, v: np.ndarray, h: np.ndarray, theta: float, g: float) -> float:
    """``E(v, h) / N`` of the R-RBM (module docstring).

    Examples
    --------
    With the hidden units off ``E/N = -g q``:

    >>> import numpy as np
    >>> xi = relu_rbm_random_weights(10, 3, 0.5, seed=0)
    >>> relu_rbm_energy(xi, np.ones(10), np.zeros(3), 0.5, 0.2)
    -0.2
    """
    N = v.size
    I = xi.astype(np.float64) @ v.astype(np.float64) / math.sqrt(N)
    return float((-np.dot(I, h) - g * v.sum() + np.sum(h * h / 2 + theta * h)) / N)


def relu_rbm_condensed_state(xi: np.ndarray, L: int, seed: SeedLike) -> np.ndarray:
    """Visible state of the noise-free compositional ansatz: ``L`` random hidden units chosen,
    ``v_i = 1`` iff ``W_i = sum_{mu in S} xi_{mu i} > 0`` (docs/relu_rbm.md, section 4).

    Examples
    --------
    With ``L = 1`` the state is the positive part of one weight row:

    >>> import numpy as np
    >>> xi = relu_rbm_random_weights(10, 3, 0.5, seed=0)
    >>> v = relu_rbm_condensed_state(xi, 1, seed=0)
    >>> any(np.array_equal(v, (row > 0).astype(np.int8)) for row in xi)
    True
    """
    rng = as_generator(seed)
    S = rng.choice(xi.shape[0], check_int("L", L, ge=1, le=xi.shape[0]), replace=False)
    return (xi[S].astype(np.int64).sum(axis=0) > 0).astype(np.int8)


def sample_rrbm(N: int, alpha: float, p: float, theta: float, g: float, *, seed: SeedLike, beta: float = 20.0,
                beta0: float = 1.0, anneal: int = 200, measure: int = 100, L_init: int = 0) -> RRBMSample:
    """Draw random sparse weights and sample the R-RBM at large ``beta``.

    ``L_init = 0``: random visible start, geometric anneal ``beta0 -> beta`` over ``anneal``
    sweeps. ``L_init > 0``: start from :func:`relu_rbm_condensed_state` with ``L_init`` hidden units and
    quench at ``beta`` (``anneal`` sweeps of relaxation). Then ``measure`` sweeps at ``beta``.
    ``L_hat = PR_3(h)`` of the final configuration; ``m`` = mean of ``h/sqrt(N)`` over the
    ``round(L_hat)`` largest hidden units; ``r`` = mean ``h^2`` over the others; ``q`` and
    ``PR3_mean`` and ``h2`` (mean ``h^2`` over all hidden units) are averages over the
    ``measure`` sweeps; ``relu_rbm_energy`` = ``E/N`` at the end.

    Examples
    --------
    >>> s = sample_rrbm(20, 0.2, 0.5, 0.5, 0.0, seed=0, anneal=10, measure=5)
    >>> s.M, s.sweeps, bool(0.0 <= s.q <= 1.0), s == sample_rrbm(20, 0.2, 0.5, 0.5, 0.0, seed=0, anneal=10, measure=5)
    (4, 15, True, True)
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
    xi = relu_rbm_random_weights(N, M, p, rng)
    if L_init:
        v0 = relu_rbm_condensed_state(xi, min(L_init, M), rng)
        betas = np.full(anneal + measure, beta)
    else:
        v0 = None
        betas = np.concatenate([np.geomspace(beta0, beta, anneal) if anneal else np.empty(0), np.full(measure, beta)])
    v, h, means = relu_rbm_gibbs(xi, theta, g, betas, seed=rng, v0=v0, measure_from=anneal)
    L_hat = participation_ratio(h)
    k = int(round(L_hat))
    hs = np.sort(h)[::-1]
    m = float(hs[:k].mean() / math.sqrt(N)) if k > 0 else 0.0
    r = float(np.mean(hs[k:] ** 2)) if k < M else math.nan
    return RRBMSample(N=N, M=M, p=p, theta=theta, g=g, beta=beta, q=means["q"], L_hat=L_hat, Lp=L_hat * p, m=m, r=r,
                      PR3_mean=means["PR3"], h2=means["h2"], energy=relu_rbm_energy(xi, v, h, theta, g),
                      L_init=L_init, sweeps=int(betas.size))
