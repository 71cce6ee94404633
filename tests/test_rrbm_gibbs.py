"""R-RBM Gibbs sampler: stationarity against exact enumeration, truncated-normal moments, PR_3."""
import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import truncnorm

from simulate.boltzmann import (
    participation_ratio,
    relu_rbm_condensed_state,
    relu_rbm_energy,
    relu_rbm_gibbs,
    relu_rbm_random_weights,
    sample_rrbm,
)
from simulate.boltzmann.gibbs import truncated_normal_positive
from simulate.core import seed_numba


def _exact(xi, theta, g, beta):
    """<q> and <mean_mu h_mu^2> by enumeration of v and 1-d quadrature over each h (independent of the sampler)."""
    M, N = xi.shape
    w = xi / math.sqrt(N)
    Z = 0.0
    q_acc = h2_acc = 0.0
    for v in itertools.product((0, 1), repeat=N):
        v = np.array(v, float)
        I = w @ v
        weight = math.exp(beta * g * v.sum())
        h2 = 0.0
        zs = []
        for mu in range(M):
            f = lambda h, k, I=I, mu=mu: h**k * math.exp(-beta * (h * h / 2 + theta * h - h * I[mu]))
            z0 = quad(f, 0, np.inf, args=(0,))[0]
            z2 = quad(f, 0, np.inf, args=(2,))[0]
            zs.append(z0)
            h2 += z2 / z0
        weight *= np.prod(zs)
        Z += weight
        q_acc += weight * v.mean()
        h2_acc += weight * h2 / M
    return q_acc / Z, h2_acc / Z


@pytest.mark.parametrize("beta,theta,g", [(2.0, 0.3, -0.2), (5.0, -0.2, -0.4)])
def test_gibbs_stationary_vs_enumeration(beta, theta, g):
    xi = np.array([[1, -1, 1, 0, 1], [0, 1, 1, -1, 1], [-1, 0, 1, 1, 0]], dtype=np.int8)
    q_ex, h2_ex = _exact(xi, theta, g, beta)
    qs, h2s = [], []
    for s in range(16):
        _, _, mm = relu_rbm_gibbs(xi, theta, g, np.full(6000, beta), seed=s, measure_from=500)
        qs.append(mm["q"])
        h2s.append(mm["h2"])
    # independent chains: s.e. from their spread; 4 s.e.
    for vals, ex in ((qs, q_ex), (h2s, h2_ex)):
        m, se = np.mean(vals), np.std(vals, ddof=1) / 4.0
        assert abs(m - ex) < 4 * se, (m, se, ex)
        assert se < 0.02 * max(abs(ex), 0.05)


@pytest.mark.parametrize("mu,sigma", [(0.4, 1.0), (-0.3, 0.5), (-3.0, 0.5)])
def test_truncated_normal_moments(mu, sigma):
    seed_numba(np.random.default_rng(1))
    x = np.array([truncated_normal_positive(mu, sigma) for _ in range(40000)])
    d = truncnorm((0 - mu) / sigma, np.inf, loc=mu, scale=sigma)
    assert x.min() > 0
    assert abs(x.mean() - d.mean()) < 5 * d.std() / math.sqrt(x.size)
    assert abs(x.var() - d.var()) < 6 * d.var() * math.sqrt(2 / x.size) * 2


def test_participation_ratio_known_values():
    assert participation_ratio([3.0, 0, 0, 0]) == pytest.approx(1.0)
    assert participation_ratio([2.0, 2.0, 2.0, 0.0]) == pytest.approx(3.0)
    assert participation_ratio(np.zeros(4)) == 0.0


def test_random_weights_sparsity():
    xi = relu_rbm_random_weights(2000, 100, 0.1, seed=0)
    frac = np.mean(xi != 0)
    assert abs(frac - 0.1) < 4 * math.sqrt(0.1 * 0.9 / xi.size)
    assert abs(np.mean(xi[xi != 0] == 1) - 0.5) < 4 * math.sqrt(0.25 / np.sum(xi != 0))


def test_condensed_state_is_stable_at_large_beta_single_hidden():
    # p = 1, L = 1 (threshold-Hopfield): starting from v = [xi_1 > 0] the strong hidden unit keeps
    # h ~ sqrt(N)/2 and the visible state stays ~ the pattern: q = m + theta/sqrt(N) = fraction of
    # +1 entries of the pattern, 1/2 +- 0.016 (N = 1000): tolerance 0.06 (> 3.5 sd)
    r = sample_rrbm(1000, 0.02, 1.0, 0.3, -0.01, seed=3, beta=100.0, anneal=20, measure=20, L_init=1)
    assert abs(r.L_hat - 1) < 0.05
    assert abs(r.q - 0.5) < 0.06
    assert abs(r.m - (r.q - 0.3 / math.sqrt(1000))) < 0.005


def test_energy_and_reproducibility():
    xi = relu_rbm_random_weights(50, 5, 0.5, seed=1)
    v = relu_rbm_condensed_state(xi, 2, seed=2)
    h = np.abs(np.random.default_rng(0).normal(size=5))
    w = xi / math.sqrt(50)
    e = (-(v @ w.T) @ h + 0.1 * v.sum() + np.sum(h * h / 2 - 0.2 * h)) / 50
    assert relu_rbm_energy(xi, v, h, -0.2, -0.1) == pytest.approx(e)
    a = sample_rrbm(100, 0.1, 0.2, 0.1, -0.01, seed=5, anneal=5, measure=5)
    b = sample_rrbm(100, 0.1, 0.2, 0.1, -0.01, seed=5, anneal=5, measure=5)
    assert a == b


def test_bad_input():
    with pytest.raises(ValueError, match="p"):
        relu_rbm_random_weights(10, 2, 0.0, seed=0)
    with pytest.raises(ValueError, match="betas"):
        relu_rbm_gibbs(relu_rbm_random_weights(10, 2, 0.5, seed=0), 0.0, 0.0, [1.0, -1.0], seed=0)
