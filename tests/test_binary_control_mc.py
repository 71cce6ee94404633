"""Metropolis on binary control variables, [baldassi2018, SM Eq. 40] ([baldassi2018, SM Sec. IV],
[baldassi2018, SM Fig. 3])."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import special, stats

from simulate.perceptron import (
    binary_control_log_likelihood,
    binary_control_metropolis,
    binary_control_scan,
    binary_control_table,
    generate_instance,
    make_instance,
)


def _L_direct(sigma, X, y, q):
    """[baldassi2018, SM Eq. 40] transcribed with scipy: log H(x) = log_ndtr(-x), sum_i x_i^2 = N."""
    h = y * (X @ sigma)
    return float(np.sum(special.log_ndtr(np.sqrt(q / (1 - q)) * h / np.sqrt(np.sum(X**2, axis=1)))))


def test_log_likelihood_against_scipy_transcription():
    inst = generate_instance(101, 0.5, 2)
    rng = np.random.default_rng(0)
    for q in (0.1, 0.5, 0.9, 0.999):
        s = rng.choice([-1, 1], size=inst.N)
        ref = _L_direct(s.astype(float), inst.X.astype(float), inst.y.astype(float), q)
        assert binary_control_log_likelihood(s, inst, q) == pytest.approx(ref, rel=1e-12)


def test_table_far_tail_is_finite_and_matches_mpmath():
    import mpmath

    N = 1001
    q = 0.999
    tab = binary_control_table(N, q)
    c = math.sqrt(q / (1 - q))
    for D in (-N, -501, -1, 1, N):
        x = -c * D / math.sqrt(N)
        ref = -float(mpmath.log(mpmath.erfc(x / mpmath.sqrt(2)) / 2))
        assert tab[D + N] == pytest.approx(ref, rel=1e-12)


def test_metropolis_matches_exact_boltzmann_of_eq40():
    """P(sigma) ~ exp(beta L(sigma)) checked by exact enumeration (N=5, M=4, q*=0.5, beta=0.5).

    8000 independent chains of 30 sweeps (uniform random start), final states
    histogrammed; all expected counts >= 5; Pearson chi-square not rejected at
    1e-3 and every state within 4.5 binomial s.e.
    """
    rng0 = np.random.default_rng(4)
    X = rng0.choice([-1, 1], size=(4, 5))
    y = rng0.choice([-1, 1], size=4)
    inst = make_instance(X, y)
    q, beta = 0.5, 0.5
    states = np.array(list(itertools.product([-1, 1], repeat=5)), dtype=float)
    logw = np.array([beta * _L_direct(s, X.astype(float), y.astype(float), q) for s in states])
    p = np.exp(logw - logw.max())
    p /= p.sum()
    K = 8000
    assert K * p.min() >= 5 and p.max() / p.min() > 10
    rng = np.random.default_rng(5)
    counts = np.zeros(len(states))
    for _ in range(K):
        r = binary_control_metropolis(inst, q, beta, rng, n_equil=29, n_measure=1)
        counts[int("".join("1" if v > 0 else "0" for v in r.sigma), 2)] += 1
    chi2, pval = stats.chisquare(counts, K * p)
    assert pval > 1e-3, (chi2, pval)
    assert np.all(np.abs(counts - K * p) <= 4.5 * np.sqrt(K * p * (1 - p)))


def test_beta_zero_gives_random_sigma():
    """beta=0: uniform sigma, so each pattern is misclassified with probability 1/2 (odd N).

    Mean over 400 sweeps (consecutive sweeps are nearly independent at beta=0);
    tolerance 4 batch-mean standard errors.
    """
    inst = generate_instance(201, 0.5, 3)
    r = binary_control_metropolis(inst, 0.5, 0.0, 1, n_equil=10, n_measure=400)
    assert r.acceptance == 1.0
    assert abs(r.train_error - 0.5) <= 4 * r.train_error_se
    assert r.train_error_se < 0.01


def test_large_beta_and_q_reduce_training_error():
    """Energy of the clipped center decreases with q* along the scan [baldassi2018, SM Fig. 3] and reaches
    almost zero at q*=0.95 for alpha=0.3 (well below alpha_c, where solutions abound)."""
    inst = generate_instance(301, 0.3, 0)
    res = binary_control_scan(inst, [0.2, 0.6, 0.95], 15.0, 0, n_equil=100, n_measure=100)
    e = [r.train_error for r in res]
    assert e[0] > e[1] > e[2]
    assert e[2] < 0.01
    assert e[0] < 0.5 - 10 * res[0].train_error_se  # far better than random


def test_reproducible():
    inst = generate_instance(101, 0.5, 0)
    a = binary_control_metropolis(inst, 0.7, 15, 3, n_equil=20, n_measure=20)
    b = binary_control_metropolis(inst, 0.7, 15, 3, n_equil=20, n_measure=20)
    assert np.array_equal(a.sigma, b.sigma) and a.train_error == b.train_error


@pytest.mark.parametrize("kw, name", [
    (dict(q_star=1.0), "q_star"), (dict(q_star=0.0), "q_star"), (dict(beta=-1.0), "beta"),
    (dict(n_measure=0), "n_measure"), (dict(sigma0=np.ones(3)), "sigma0"),
])
def test_bad_input(kw, name):
    inst = generate_instance(101, 0.5, 0)
    args = dict(q_star=0.5, beta=15.0)
    args.update({k: v for k, v in kw.items() if k in args})
    extra = {k: v for k, v in kw.items() if k not in args}
    with pytest.raises(ValueError, match=name):
        binary_control_metropolis(inst, args["q_star"], args["beta"], 0, **extra)
