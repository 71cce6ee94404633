"""Metropolis sampling of the Gibbs measure of the stochastic perceptron, with real replicas.

Source: [baldassi2018, SM Eq. 1-2]: the control variables ``m in [-1, 1]^N`` on the sphere
``sum_i m_i^2 = q* N`` with weight ``exp(beta L(m))``,
``L(m) = sum_mu log H(-y^mu sum_i m_i x_i^mu / sqrt(N (1 - q*)))``.

Move: pick two sites ``i != j`` uniformly and rotate ``(m_i, m_j)`` by an angle uniform in
``[-theta_max, theta_max]``. The rotation keeps ``sum m^2`` exactly and maps the surface measure of the
sphere onto itself, and the proposal is symmetric, so the Metropolis rule (reject a move leaving the box,
accept with ``min(1, exp(beta dL))``) satisfies detailed balance with respect to the measure of
[baldassi2018, SM Eq. 1]. A proposal costs ``M`` evaluations of ``log H`` (the fields
``h^mu = y^mu m.x^mu / sqrt(N(1-q*))`` are updated incrementally and recomputed from scratch after every
sweep). ``R`` independent replicas run on the same instance; after every sweep the overlaps
``q_ab = m^a.m^b / N`` of all pairs and the mean log-likelihood per pattern are recorded: the overlap
distribution of two real replicas is what replica symmetry (or its breaking) is a statement about.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from simulate.core import SeedLike, as_generator, seed_numba
from simulate.perceptron.instances import PerceptronInstance
from simulate.perceptron.sa import signed_patterns_transposed
from theory.core import Record, check_int, check_real, logH

__all__ = ["StochasticGibbsResult", "stochastic_perceptron_metropolis", "stochastic_metropolis_kernel"]


@dataclass(frozen=True, kw_only=True)
class StochasticGibbsResult(Record):
    """Replicas of the Metropolis chain of [baldassi2018, SM Eq. 1] on one instance.

    Attributes
    ----------
    q_star, beta : float
        Squared norm and inverse temperature of the measure.
    N, M, n_replicas, n_sweeps : int
        Size, number of patterns, replicas and sweeps (``N`` proposals per replica each).
    theta_max : float
        Largest rotation angle of a proposal.
    acceptance : float
        Fraction of accepted proposals (moves leaving the box count as rejected).
    norm_error : float
        Largest ``|sum m^2 / N - q*|`` at the end (rounding only).
    overlaps : ndarray, shape (n_sweeps, n_pairs)
        ``q_ab`` after every sweep, pairs ``(0,1), (0,2), ..., (1,2), ...``.
    log_likelihood : ndarray, shape (n_sweeps,)
        ``L(m) / M`` after every sweep, averaged over the replicas.
    m : ndarray, shape (n_replicas, N)
        Final configurations.
    """

    q_star: float
    beta: float
    N: int
    M: int
    n_replicas: int
    n_sweeps: int
    theta_max: float
    acceptance: float
    norm_error: float
    overlaps: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    log_likelihood: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    m: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})


@numba.njit(cache=True)
def _fields(ST, m, scale):
    R, N = m.shape
    M = ST.shape[1]
    h = np.zeros((R, M))
    for r in range(R):
        for i in range(N):
            w = m[r, i] * scale
            for mu in range(M):
                h[r, mu] += w * ST[i, mu]
    return h


@numba.njit(cache=True)
def stochastic_metropolis_kernel(ST: np.ndarray, m: np.ndarray, scale: float, beta: float, theta_max: float,
                                 q_trace: np.ndarray, L_trace: np.ndarray) -> tuple[int, int]:
    """Sweeps of pair-rotation Metropolis on every replica (rows of ``m``, updated in place).

    ``ST[i, mu] = y^mu x_i^mu`` (int8, shape (N, M)), ``scale = 1 / sqrt(N (1 - q*))``. Runs
    ``len(L_trace)`` sweeps and writes the pair overlaps and the mean log-likelihood per pattern after each
    into ``q_trace`` and ``L_trace``. Returns ``(accepted, proposed)``. Seeded by
    :func:`simulate.core.seed_numba`.

    Examples
    --------
    >>> import numpy as np
    >>> ST = np.ones((4, 2), dtype=np.int8)
    >>> m = np.full((2, 4), 0.5)
    >>> q, L = np.zeros((3, 1)), np.zeros(3)
    >>> acc, prop = stochastic_metropolis_kernel(ST, m, 1.0, 0.0, 0.3, q, L)
    >>> prop, bool(np.allclose((m ** 2).sum(axis=1), 1.0))
    (24, True)
    """
    R, N = m.shape
    M = ST.shape[1]
    h = _fields(ST, m, scale)
    lh = np.empty((R, M))
    for r in range(R):
        for mu in range(M):
            lh[r, mu] = logH(-h[r, mu])
    hn = np.empty(M)
    ln = np.empty(M)
    acc = 0
    prop = 0
    for t in range(L_trace.shape[0]):
        for r in range(R):
            for _ in range(N):
                i = np.random.randint(N)  # noqa: NPY002 (numba stream, seeded by seed_numba)
                j = np.random.randint(N - 1)  # noqa: NPY002 (numba stream)
                if j >= i:
                    j += 1
                th = theta_max * (2.0 * np.random.random() - 1.0)  # noqa: NPY002 (numba stream)
                c = math.cos(th)
                s = math.sin(th)
                mi = m[r, i]
                mj = m[r, j]
                ni = c * mi - s * mj
                nj = s * mi + c * mj
                prop += 1
                if abs(ni) > 1.0 or abs(nj) > 1.0:
                    continue
                di = (ni - mi) * scale
                dj = (nj - mj) * scale
                dL = 0.0
                for mu in range(M):
                    x = h[r, mu] + di * ST[i, mu] + dj * ST[j, mu]
                    hn[mu] = x
                    ln[mu] = logH(-x)
                    dL += ln[mu] - lh[r, mu]
                if beta * dL >= 0.0 or np.random.random() < math.exp(beta * dL):  # noqa: NPY002 (numba stream)
                    m[r, i] = ni
                    m[r, j] = nj
                    for mu in range(M):
                        h[r, mu] = hn[mu]
                        lh[r, mu] = ln[mu]
                    acc += 1
        # no drift of the incremental fields
        h = _fields(ST, m, scale)
        Lsum = 0.0
        for r in range(R):
            for mu in range(M):
                lh[r, mu] = logH(-h[r, mu])
                Lsum += lh[r, mu]
        L_trace[t] = Lsum / (R * M)
        k = 0
        for a in range(R):
            for b in range(a + 1, R):
                q = 0.0
                for i in range(N):
                    q += m[a, i] * m[b, i]
                q_trace[t, k] = q / N
                k += 1
    return acc, prop


def stochastic_perceptron_metropolis(inst: PerceptronInstance, q_star: float, beta: float, seed: SeedLike, *,
                                     n_sweeps: int = 1000, n_replicas: int = 2,
                                     theta_max: float = 0.5) -> StochasticGibbsResult:
    """Independent replicas sampling ``exp(beta L(m))`` on ``sum m^2 = q* N``, ``|m_i| <= 1``
    [baldassi2018, SM Eq. 1-2].

    Every replica starts from its own ``m_i = +-sqrt(q*)`` (random signs: inside the box, on the sphere).

    Parameters
    ----------
    inst
        Training set.
    q_star
        Squared norm, ``0 < q* < 1``.
    beta
        Inverse temperature (>= 0).
    seed
        Randomness (initial signs, proposals).
    n_sweeps
        Sweeps of ``N`` proposals per replica; every sweep is recorded.
    n_replicas
        Number of replicas (>= 2).
    theta_max
        Largest rotation angle of a proposal (radians, in ``(0, pi]``).

    Returns
    -------
    StochasticGibbsResult

    Examples
    --------
    At beta = 0 the replicas are independent uniform points of the sphere inside the box: their overlap
    has mean 0 and variance ``~ q*^2 / N``.

    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(101, 0.55, seed=0)
    >>> r = stochastic_perceptron_metropolis(inst, 0.5, 0.0, seed=1, n_sweeps=400)
    >>> q = r.overlaps[100:, 0]
    >>> bool(abs(q.mean()) < 0.05), bool(0.5 < 101 * q.var() / 0.5 ** 2 < 2.0), r.norm_error < 1e-12
    (True, True, True)
    """
    if not isinstance(inst, PerceptronInstance) or inst.X is None:
        raise ValueError("inst must be an unpacked simulate.perceptron.instances.PerceptronInstance")
    q_star = check_real("q_star", q_star, gt=0.0, lt=1.0)
    beta = check_real("beta", beta, ge=0.0)
    n_sweeps = check_int("n_sweeps", n_sweeps, ge=1)
    n_replicas = check_int("n_replicas", n_replicas, ge=2)
    theta_max = check_real("theta_max", theta_max, gt=0.0, le=math.pi)
    rng = as_generator(seed)
    N, M = inst.N, inst.M
    m = math.sqrt(q_star) * (2.0 * rng.integers(0, 2, size=(n_replicas, N)) - 1.0)
    q_trace = np.zeros((n_sweeps, n_replicas * (n_replicas - 1) // 2))
    L_trace = np.zeros(n_sweeps)
    seed_numba(rng)
    acc, prop = stochastic_metropolis_kernel(signed_patterns_transposed(inst), m, 1.0 / math.sqrt(N * (1.0 - q_star)),
                                             beta, theta_max, q_trace, L_trace)
    norm_error = float(np.max(np.abs((m ** 2).sum(axis=1) / N - q_star)))
    return StochasticGibbsResult(q_star=q_star, beta=beta, N=N, M=M, n_replicas=n_replicas, n_sweeps=n_sweeps,
                                 theta_max=theta_max, acceptance=acc / prop, norm_error=norm_error,
                                 overlaps=q_trace, log_likelihood=L_trace, m=m)
