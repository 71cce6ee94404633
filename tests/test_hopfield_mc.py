"""Hopfield Monte Carlo: stationarity against exact enumeration, T = 0 fixed points, reproducibility."""
import itertools
import math

import numpy as np
import pytest

from simulate.boltzmann import hopfield_chain, hopfield_energy, hopfield_patterns, hopfield_retrieve


def _exact_m2(xi, T, target=0):
    N = xi.shape[1]
    states = np.array(list(itertools.product((-1, 1), repeat=N)), dtype=float)
    E = np.array([hopfield_energy(xi, s) * N for s in states])
    w = np.exp(-(E - E.min()) / T)
    w /= w.sum()
    m = states @ xi[target].astype(float) / N
    return float(np.sum(w * m * m)), float(np.sum(w * m))


@pytest.mark.parametrize("T", [0.5, 1.2])
def test_glauber_stationary_on_tiny_system(T):
    # N = 7 spins, M = 2 patterns: <m_0^2> of the chain vs exact Boltzmann average (2^7 states).
    # 24 independent chains, s.e. from their spread; tolerance 4 s.e.
    xi = hopfield_patterns(7, 2, seed=3)
    exact, _ = _exact_m2(xi, T)
    vals = []
    for s in range(24):
        rng = np.random.default_rng(100 + s)
        v0 = (2 * rng.integers(0, 2, 7) - 1).astype(np.int8)
        res, _ = hopfield_chain(xi, v0, T, seed=s, burn=200, measure=4000)
        vals.append(res.m_sq_mean)
    mean, se = np.mean(vals), np.std(vals, ddof=1) / math.sqrt(len(vals))
    assert abs(mean - exact) < 4 * se + 1e-12, (mean, se, exact)
    assert se < 0.01  # the check has power: a wrong stationary law would be visible


def test_zero_T_reaches_local_minimum_and_energy_decreases():
    N, M = 400, 60
    xi = hopfield_patterns(N, M, seed=5)
    rng = np.random.default_rng(0)
    v0 = (2 * rng.integers(0, 2, N) - 1).astype(np.int8)
    res, v = hopfield_chain(xi, v0, 0.0, seed=1, max_sweeps=500)
    assert res.fixed_point and res.converged
    h = (xi.T.astype(float) @ (xi.astype(float) @ v)) / N - (M / N) * v
    assert np.all(v * h >= 0)
    assert res.energy < hopfield_energy(xi, v0)


def test_retrieval_at_low_load_is_perfect_and_reproducible():
    a = hopfield_retrieve(500, 0.02, 0.0, seed=7, flip=0.1)
    b = hopfield_retrieve(500, 0.02, 0.0, seed=7, flip=0.1)
    assert a == b
    # alpha = 0.02: a pattern with 10% noise is a basin member; error rate H(1/sqrt(alpha)) ~ 1e-12
    assert a.m_final == 1.0


@pytest.mark.parametrize("kw,name", [(dict(N=1, alpha=0.1, T=0), "N"), (dict(N=10, alpha=-1, T=0), "alpha"),
                                     (dict(N=10, alpha=0.1, T=-1), "T"),
                                     (dict(N=10, alpha=0.1, T=0, flip=0.7), "flip")])
def test_bad_input(kw, name):
    with pytest.raises(ValueError, match=name):
        hopfield_retrieve(**kw, seed=0)
