"""Cavity iteration on the equivalent RBM ([huang2020], Supplementary Appendices A and B) against exact
enumeration."""
import math

import numpy as np
import pytest

from simulate.variational_rbm import equivalent_rbm_exact, rbm_message_passing


def _instance(N, P, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    lam = rng.uniform(-scale, scale, (N, P))
    z = rng.standard_normal(P)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / N)
    return lam, z, Xi * z


def test_zero_coupling_is_exact():
    # lambda = 0: Z = 2^N prod_mu cosh(beta H_mu), m = 0, mhat = tanh(beta H), C = 0 (exact, any estimator)
    N, P, beta = 10, 3, 1.3
    H = np.array([0.4, -1.2, 2.0])
    for est in ("belief", "paper"):
        r = rbm_message_passing(np.zeros((N, P)), H, beta, estimator=est)
        assert r.converged
        assert r.logZ == pytest.approx(N * math.log(2) + np.sum(np.log(np.cosh(beta * H))), abs=1e-12)
        np.testing.assert_allclose(r.m, 0, atol=1e-15)
        np.testing.assert_allclose(r.mhat, np.tanh(beta * H), atol=1e-12)
        np.testing.assert_allclose(r.C, 0, atol=1e-15)


def test_single_hidden_unit_is_exact_for_belief_estimator():
    # P = 1: P(sigma) ∝ cosh(beta rho + beta H) is a mixture of two product measures; exactly
    # m_i = tanh(beta H) tanh(w_i), mhat = tanh(beta H), C_i = tanh(w_i) (w_i = beta lam_i / sqrt N).
    N, beta = 12, 1.0
    lam, z, H = _instance(N, 1, 3)
    w = beta * lam[:, 0] / math.sqrt(N)
    r = rbm_message_passing(lam, H, beta)
    ex = equivalent_rbm_exact(lam, H, beta)
    np.testing.assert_allclose(r.m, np.tanh(beta * H[0]) * np.tanh(w), atol=1e-13)
    np.testing.assert_allclose(ex.m, r.m, atol=1e-12)
    np.testing.assert_allclose(r.mhat, np.tanh(beta * H), atol=1e-13)
    np.testing.assert_allclose(r.C[:, 0], np.tanh(w), atol=1e-13)
    np.testing.assert_allclose(ex.C[:, 0], r.C[:, 0], atol=1e-12)
    # log Z: exact is ln cosh(beta H) + sum ln 2cosh(w); the CLT replaces ln cosh(w) by w^2/2 -> O(1/N) error
    assert abs(r.logZ - ex.logZ) < np.sum(w ** 4) / 12 * 1.5 + 1e-12


@pytest.mark.parametrize("N", [8, 16])
def test_against_enumeration_within_order_one_over_N(N):
    # Errors of the cavity approximation on this dense graph are O(1/N) for m, mhat, C and O(P/N) for ln Z;
    # the tolerances are c/N with c = 0.3 (observed ~ 0.02-0.2 at N = 8..16 over 4 instances).
    P, beta = 3, 1.0
    errs = []
    for seed in range(4):
        lam, z, H = _instance(N, P, 100 + seed)
        r = rbm_message_passing(lam, H, beta)
        ex = equivalent_rbm_exact(lam, H, beta)
        assert r.converged
        errs.append([np.abs(r.m - ex.m).max(), np.abs(r.mhat - ex.mhat).max(), np.abs(r.C - ex.C).max(),
                     np.abs(r.A - ex.A).max(), abs(r.logZ - ex.logZ)])
    e = np.max(errs, axis=0)
    assert e[0] < 0.3 / N and e[1] < 0.3 / N and e[2] < 0.5 / N and e[3] < 0.3 / N
    assert e[4] < 0.3 * P / N


def test_belief_estimator_more_accurate_than_printed_S4():
    # the printed [huang2020, SM App. B Eq. S4b-S4c] agree to O(1/N) but the factor-belief averages are closer to
    # enumeration
    N, P = 12, 3
    eb, ep = [], []
    for seed in range(4):
        lam, z, H = _instance(N, P, 200 + seed)
        ex = equivalent_rbm_exact(lam, H, 1.0)
        b = rbm_message_passing(lam, H, 1.0, estimator="belief")
        p = rbm_message_passing(lam, H, 1.0, estimator="paper")
        eb.append(np.abs(b.C - ex.C).max())
        ep.append(np.abs(p.C - ex.C).max())
        assert np.abs(p.C - ex.C).max() < 1.0 / N
    assert np.mean(eb) < np.mean(ep)


def test_errors_shrink_with_weaker_coupling():
    # naive mean-field limit: couplings lam -> eps lam, errors vanish (as eps^2 or faster)
    N, P = 12, 3
    lam, z, H = _instance(N, P, 7)
    e = []
    for eps in (1.0, 0.25):
        r = rbm_message_passing(eps * lam, H, 1.0)
        ex = equivalent_rbm_exact(eps * lam, H, 1.0)
        e.append(abs(r.logZ - ex.logZ) + np.abs(r.C - ex.C).max())
    assert e[1] < e[0] / 8


def test_gradient_of_logZ_is_stationary_derivative():
    # At the fixed point, d lnZ / d lambda (finite differences, BP re-converged, H = Xi(lambda) z)
    # equals beta C / sqrt N - beta lambda z mhat / (N Xi) [huang2020, SM App. B Eq. S3] to O(N^-3).
    N, P, beta = 12, 2, 1.0
    lam, z, _ = _instance(N, P, 2, scale=0.9)

    def H(l):
        return np.sqrt(np.sum(1 - l ** 2, axis=0) / N) * z

    r = rbm_message_passing(lam, H(lam), beta)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / N)
    g = beta * r.C / math.sqrt(N) - beta * lam * (z * r.mhat / (N * Xi))[None, :]
    h = 1e-5
    fd = np.zeros_like(lam)
    for i in range(N):
        for mu in range(P):
            lp, lm = lam.copy(), lam.copy()
            lp[i, mu] += h
            lm[i, mu] -= h
            fd[i, mu] = (rbm_message_passing(lp, H(lp), beta, tol=1e-13).logZ
                         - rbm_message_passing(lm, H(lm), beta, tol=1e-13).logZ) / (2 * h)
    assert np.abs(fd - g).max() < 2e-3 * np.abs(g).max()
    # and both are close to the exact gradient of ln Z_eq (O(1/N))
    ex = equivalent_rbm_exact(lam, H(lam), beta, z)
    assert np.abs(g - ex.grad_logZ).max() < 0.5 / N * np.abs(ex.grad_logZ).max() * 5


def test_nonconvergence_is_reported():
    lam, z, H = _instance(16, 3, 5)
    r = rbm_message_passing(lam, H, 1.0, max_iter=1, tol=1e-14)
    assert not r.converged and "did not converge" in r.message


def test_bad_input():
    with pytest.raises(ValueError, match="lam"):
        rbm_message_passing(np.full((3, 2), 1.5), np.zeros(2))
    with pytest.raises(ValueError, match="H"):
        rbm_message_passing(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="beta"):
        rbm_message_passing(np.zeros((3, 2)), np.zeros(2), beta=-1)


def test_series_and_libm_branches_of_the_sweep_agree():
    # the vectorisable branch (Taylor series, valid for |W| <= SERIES_MAX) and the libm branch iterate the same
    # map: same sweeps, messages equal to rounding (1e-13 absolute on |m| <= 1)
    from simulate.variational_rbm.message_passing import cavity_sweeps

    rng = np.random.default_rng(4)
    N, P, beta = 200, 7, 1.0
    lam = rng.uniform(-1, 1, (N, P))
    W = beta * lam / math.sqrt(N)
    bH = beta * rng.standard_normal(P)
    out = []
    for series in (True, False):
        m, bchi = np.zeros((N, P)), np.empty(P)
        it, err = cavity_sweeps(W, np.tanh(W), bH, 1e-12, 200, 0.0, series, m, bchi)
        out.append((it, m, bchi))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[0][1], out[1][1], atol=1e-13, rtol=0)
    np.testing.assert_allclose(out[0][2], out[1][2], atol=1e-12, rtol=0)
