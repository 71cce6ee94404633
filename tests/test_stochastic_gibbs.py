"""Metropolis sampler of the stochastic-perceptron Gibbs measure [baldassi2018, SM Eq. 1-2]
(simulate.perceptron.stochastic_gibbs).

Reference: at N = 5 the measure is sampled independently by rejection (uniform points of the sphere
sum m^2 = q* N, kept when inside the box) with importance weights exp(beta L(m)); the chain's averages must
agree within 4 combined standard errors (batch means for the chain).
"""
import math

import numpy as np
import pytest

from simulate.perceptron import generate_instance, stochastic_perceptron_metropolis
from theory.core import logH

N, ALPHA, QSTAR = 5, 0.6, 0.5


def _reference(inst, beta, n=400_000, seed=0):
    """Importance-weighted average of L/M over rejection samples of sphere-in-box, with its s.e."""
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((n, N))
    m = g / np.linalg.norm(g, axis=1, keepdims=True) * math.sqrt(QSTAR * N)
    m = m[np.all(np.abs(m) <= 1.0, axis=1)]
    S = (inst.X * inst.y[:, None]).astype(float)
    L = logH(-(m @ S.T) / math.sqrt(N * (1 - QSTAR))).sum(axis=1) / inst.M
    w = np.exp(beta * inst.M * (L - L.max()))
    w /= w.sum()
    ess = 1.0 / np.sum(w ** 2)
    mean = float(np.sum(w * L))
    return {"L": (mean, float(math.sqrt(np.sum(w * (L - mean) ** 2) / ess)))}


def _chain(inst, beta, seed=1, n_sweeps=40_000):
    r = stochastic_perceptron_metropolis(inst, QSTAR, beta, seed, n_sweeps=n_sweeps, n_replicas=2, theta_max=1.0)
    assert r.norm_error < 1e-10
    return r


def _batch(x, k=20):
    b = np.array([c.mean() for c in np.array_split(np.asarray(x)[len(x) // 10:], k)])
    return float(b.mean()), float(b.std(ddof=1) / math.sqrt(k))


@pytest.mark.parametrize("beta", [0.0, 4.0])
def test_log_likelihood_matches_weighted_rejection_sampling(beta):
    inst = generate_instance(N, ALPHA, seed=3)
    ref = _reference(inst, beta)
    r = _chain(inst, beta)
    m, se = _batch(r.log_likelihood)
    rm, rse = ref["L"]
    assert abs(m - rm) < 4 * math.hypot(se, rse), (m, se, rm, rse)


def test_overlap_second_moment_matches_rejection_sampling():
    """At beta = 0 two replicas are independent: E[q12^2] = sum_ij E[m_i m_j]^2 / N^2. Reflecting one
    coordinate keeps the measure (E[m_i m_j] = 0, i != j) and the norm constraint with the permutation
    symmetry gives E[m_i^2] = q*, so E[q12^2] = q*^2 / N exactly."""
    inst = generate_instance(N, ALPHA, seed=3)
    r = _chain(inst, 0.0)
    m, se = _batch(r.overlaps[:, 0] ** 2)
    assert abs(m - QSTAR ** 2 / N) < 4 * se, (m, se, QSTAR ** 2 / N)


def test_rejects_bad_input():
    inst = generate_instance(N, ALPHA, seed=3)
    with pytest.raises(ValueError, match="q_star"):
        stochastic_perceptron_metropolis(inst, 1.0, 1.0, 0)
    with pytest.raises(ValueError, match="n_replicas"):
        stochastic_perceptron_metropolis(inst, 0.5, 1.0, 0, n_replicas=1)
