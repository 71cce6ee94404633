"""Tests of simulate.perceptron.bp_local_entropy: BP Bethe entropy around a reference vs exact enumeration."""
from __future__ import annotations

import math

import numpy as np
import pytest

from simulate.perceptron import bp_local_entropy as bp


def _instance(N, M, seed):
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 1], dtype=np.int8), size=(M, N))


def _a_solution(S, seed):
    """A uniformly random solution, by rejection over an exact list (tiny N)."""
    rng = np.random.default_rng(seed)
    N = S.shape[1]
    for _ in range(100000):
        W = rng.choice([-1, 1], size=N)
        if np.all(S @ W > 0):
            return W
    raise RuntimeError("no solution found")


def test_exact_counts_by_brute_force():
    """Gray-code enumeration against a direct loop over all configurations (N = 11)."""
    S = _instance(11, 3, 0)
    sigma = _a_solution(S, 1)
    c = bp.exact_solution_counts(S, sigma)
    brute = np.zeros(12, dtype=int)
    for code in range(2 ** 11):
        W = np.array([1 if (code >> i) & 1 else -1 for i in range(11)])
        if np.all(S @ W > 0):
            brute[np.sum(W != sigma)] += 1
    assert np.array_equal(c, brute)
    assert c[0] == 1  # the reference is a solution


def test_no_patterns_gives_binary_entropy():
    """M = 0 limit (here one pattern made irrelevant is not possible, so use lam only):
    with a single pattern BP at lam = 0 is exact: F = N log 2 + log(1/2) (N odd)."""
    N = 21
    S = _instance(N, 1, 3)
    r, _ = bp.bp_entropy_at_coupling(S, np.ones(N), 0.0)
    assert r.converged
    assert r.phi * N == pytest.approx(N * math.log(2) + math.log(0.5), abs=1e-9)


def test_legendre_transform_at_weak_constraint():
    """One pattern, N large: the constraint is irrelevant to O(1/N) and S(d) -> H2(d);
    with N = 401 the difference per site is O(1/N) (bound 5/N)."""
    N = 401
    S = _instance(N, 1, 4)
    sigma = np.where(S[0] > 0, 1, -1)  # a solution
    for lam in (0.3, 1.0):
        r, _ = bp.bp_entropy_at_coupling(S, sigma, lam)
        h2 = -r.d * math.log(r.d) - (1 - r.d) * math.log(1 - r.d)
        assert r.converged and abs(r.S - h2) < 5.0 / N


@pytest.mark.parametrize("N,M,seed", [(21, 4, 0), (23, 5, 1), (25, 5, 2)])
def test_bp_against_exact_enumeration(N, M, seed):
    """Bethe (Gaussian-approximation) free entropy and overlap vs exact enumeration.

    The Gaussian approximation of the factor messages has O(1/sqrt(N)) relative
    corrections on each of the M factors, i.e. O(alpha/sqrt(N)) per site: at
    alpha ~ 0.2, N ~ 23 about 0.04; the tolerances are 0.03 in phi and 0.05 in p.
    A wrong sign or a missing term in the Bethe formula gives errors of order
    alpha log 2 ~ 0.15 or more.
    """
    S = _instance(N, M, seed)
    sigma = _a_solution(S, seed + 10)
    counts = bp.exact_solution_counts(S, sigma)
    for lam in (0.0, 0.4, 0.8):
        r, _ = bp.bp_entropy_at_coupling(S, sigma, lam)
        phi, p = bp.exact_local_entropy(counts, lam)
        assert r.converged, r.message
        assert abs(r.phi - phi) < 0.03, (lam, r.phi, phi)
        assert abs(r.p - p) < 0.05, (lam, r.p, p)
    # the entropy at fixed distance, exact Legendre form at the same coupling
    lam = 0.4
    r, _ = bp.bp_entropy_at_coupling(S, sigma, lam)
    phi, p = bp.exact_local_entropy(counts, lam)
    assert abs(r.S - (phi - lam * p)) < 0.04


def test_entropy_at_distance_hits_target_and_is_reproducible():
    X = _instance(201, 40, 5)
    sigma = np.where(np.random.default_rng(6).random(201) < 0.5, 1, -1)  # planted teacher
    S = (X * np.sign(X @ sigma)[:, None]).astype(np.int8)
    assert np.all(S @ sigma > 0)
    r1 = bp.bp_entropy_at_distance(S, sigma, 0.1, seed=3)
    r2 = bp.bp_entropy_at_distance(S, sigma, 0.1, seed=3)
    assert r1.converged and abs(r1.d - 0.1) < 2e-4
    assert r1.S == r2.S
    assert 0 < r1.S < -0.1 * math.log(0.1) - 0.9 * math.log(0.9)  # below the count of all configurations


def test_bad_input():
    S = _instance(11, 3, 0)
    with pytest.raises(ValueError, match="reference"):
        bp.bp_entropy_at_coupling(S, np.ones(10), 0.1)
    with pytest.raises(ValueError, match="reference"):
        bp.bp_entropy_at_coupling(S, np.zeros(11), 0.1)
    with pytest.raises(ValueError, match="lam"):
        bp.bp_entropy_at_coupling(S, np.ones(11), math.nan)
    with pytest.raises(ValueError, match="d must be"):
        bp.bp_entropy_at_distance(S, np.ones(11), 0.0)
    with pytest.raises(ValueError, match="N <= 26"):
        bp.exact_solution_counts(_instance(27, 2, 0), np.ones(27))
