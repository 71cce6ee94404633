"""Variational learning of RBMs with binary synapses ([huang2020, Eq. 5-8], [huang2020, SM App. B Eq. S1-S6])."""
import itertools
import math

import numpy as np
import pytest

from simulate.variational_rbm import (
    draw_normal_fields,
    equivalent_rbm_exact,
    lower_bound_and_gradient,
    planted_data,
    planted_fields,
    planted_overlaps,
    train_variational_rbm,
    variational_kl,
)


def test_kl_against_direct_sum():
    # KL(q||p) = sum over all 2^(N P) weight configurations of q ln(q/p), for N P = 6
    rng = np.random.default_rng(0)
    lam = rng.uniform(-0.95, 0.95, (3, 2))
    m = rng.uniform(-0.6, 0.6, (3, 2))
    total = 0.0
    for xi in itertools.product((-1, 1), repeat=6):
        xi = np.array(xi).reshape(3, 2)
        q = np.prod((1 + lam * xi) / 2)
        p = np.prod((1 + m * xi) / 2)
        total += q * math.log(q / p)
    assert variational_kl(lam, m) == pytest.approx(total, rel=1e-12)
    # limits: q = prior -> 0; deterministic q, uniform prior -> N P ln 2
    assert variational_kl(m, m) == pytest.approx(0.0, abs=1e-14)
    assert variational_kl(np.ones((3, 2)), 0.0) == pytest.approx(6 * math.log(2), rel=1e-14)


def _setup(N=14, P=2, M=25, B=6, seed=0):
    rng = np.random.default_rng(seed)
    sigma = rng.choice([-1, 1], size=(M, N)).astype(np.int8)
    lam = rng.uniform(-0.8, 0.8, (N, P))
    m = rng.uniform(-0.3, 0.3, (N, P))
    z1 = rng.standard_normal((B, P))
    z2 = rng.standard_normal((B, P))
    return sigma, lam, m, z1, z2


def test_gradient_matches_finite_differences_with_samples_fixed():
    # reparam estimator = exact derivative of the fixed-sample LB estimate: Reg and D terms to FD accuracy;
    # the Eq term is the stationary derivative of the Bethe ln Z (O(N^-3) relative, see test_rbm_message_passing).
    sigma, lam, m, z1, z2 = _setup()
    est = lower_bound_and_gradient(sigma, lam, z1, z2, m=m, estimator="reparam", bp_tol=1e-13)
    h = 1e-5
    fd_all = np.zeros_like(lam)
    for i in range(lam.shape[0]):
        for mu in range(lam.shape[1]):
            lp, lm = lam.copy(), lam.copy()
            lp[i, mu] += h
            lm[i, mu] -= h
            ep = lower_bound_and_gradient(sigma, lp, z1, z2, m=m, estimator="reparam", bp_tol=1e-13)
            em = lower_bound_and_gradient(sigma, lm, z1, z2, m=m, estimator="reparam", bp_tol=1e-13)
            fd_all[i, mu] = (ep.LB - em.LB) / (2 * h)
            fd_reg_data = (-(ep.KL - em.KL) + ep.data_term - em.data_term) / (2 * h)
            assert fd_reg_data == pytest.approx(est.grad_reg[i, mu] + est.grad_data[i, mu], abs=1e-6)
    scale = np.abs(est.grad).max()
    assert np.abs(fd_all - est.grad).max() < 3e-3 * scale


def test_paper_and_reparam_estimators_agree_in_expectation():
    # Stein's lemma: E[z tanh(g + b z)] = b E[1 - tanh^2]. The two D terms differ by
    # -lambda_{i mu} d_mu / N with d_mu = (1/B1) sum_{a,s} [beta^2 (1 - t^2) - beta z t / Xi_mu], whose mean is 0;
    # tolerance 4 standard errors computed from the per-draw values.
    sigma, lam, m, _, _ = _setup(N=12, M=10)
    N = 12
    rng = np.random.default_rng(1)
    z = rng.standard_normal((20000, 2))
    a = lower_bound_and_gradient(sigma, lam, z, z[:2], estimator="paper").grad_data
    b = lower_bound_and_gradient(sigma, lam, z, z[:2], estimator="reparam").grad_data
    d_code = (a - b) / (-lam / N)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / N)
    G = sigma.astype(float) @ lam / math.sqrt(N)
    for mu in range(2):
        t = np.tanh(G[:, mu][:, None] + Xi[mu] * z[:, mu][None, :])  # (M, B1), beta = 1
        per_draw = np.sum((1 - t ** 2) - z[:, mu][None, :] * t / Xi[mu], axis=0)
        np.testing.assert_allclose(d_code[:, mu], per_draw.mean(), rtol=1e-9)  # code computes this sum
        assert abs(per_draw.mean()) < 4 * per_draw.std() / math.sqrt(len(per_draw))


def test_eq_term_matches_exact_gradient_of_log_partition():
    # Delta^Eq / M = (1/B2) sum_s d ln Z_eq^s / d lambda; compare with enumeration at N = 12 (O(1/N))
    sigma, lam, m, z1, z2 = _setup(N=12, M=5, B=4)
    est = lower_bound_and_gradient(sigma, lam, z1, z2, m=m)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / 12)
    exact = np.mean([equivalent_rbm_exact(lam, Xi * z, 1.0, z).grad_logZ for z in z2], axis=0)
    assert np.abs(est.grad_eq / 5 - exact).max() < 0.1 * np.abs(exact).max()


def test_overlaps_identity_and_permutation():
    xi = planted_fields(40, 3, 0.0, seed=0).astype(float)
    lam = np.stack([-0.5 * xi[:, 2], 0.3 * xi[:, 0], 0.2 * xi[:, 1]], axis=1)
    qi, qb, perm = planted_overlaps(lam, xi)
    np.testing.assert_allclose(qi, 0.0, atol=1e-12)  # orthogonal fields, wrong order
    np.testing.assert_allclose(qb, 1.0)
    np.testing.assert_array_equal(perm, [2, 0, 1])


@pytest.fixture(scope="module")
def learned():
    # N = 100, P = 2, c = 0, beta = 1: alpha = 8 is far above alpha_thr = 1, alpha = 0.5 below
    out = {}
    for alpha in (8.0, 0.5):
        d = planted_data(100, 2, alpha, beta=1.0, c=0.0, seed=5)
        out[alpha] = (d, train_variational_rbm(d.sigma, 2, beta=1.0, steps=150, eta=0.1, B1=40, B2=40, seed=1, xi=d.xi))
    return out


def test_learning_above_threshold_recovers_planted_fields(learned):
    d, r = learned[8.0]
    assert r.converged
    assert r.final_overlap > 0.9
    assert r.KL[-1] > 10 * r.KL[0]  # the posterior leaves the uniform prior
    assert r.LB[-1] > r.LB[0]


def test_learning_below_threshold_stays_near_random_guess(learned):
    d, r = learned[0.5]
    # random signs: |Q| ~ |N(0, 1/N)|, best-of-2 matching mean ~ 0.1; 0.3 is 3 sigma above for N = 100
    assert r.final_overlap < 0.3
    assert np.abs(r.lam).mean() < 0.1  # random-guess phase lambda ~ 0


def test_reproducible_under_seed():
    d = planted_data(30, 2, 2.0, seed=3)
    a = train_variational_rbm(d.sigma, 2, steps=5, B1=6, B2=6, seed=9, xi=d.xi)
    b = train_variational_rbm(d.sigma, 2, steps=5, B1=6, B2=6, seed=9, xi=d.xi)
    np.testing.assert_array_equal(a.lam, b.lam)
    np.testing.assert_array_equal(a.LB, b.LB)


def test_bad_input():
    s = np.ones((4, 5))
    with pytest.raises(ValueError, match="P"):
        train_variational_rbm(s, 0)
    with pytest.raises(ValueError, match="eta"):
        train_variational_rbm(s, 2, eta=-1)
    with pytest.raises(ValueError, match="sigma"):
        train_variational_rbm(np.zeros((4, 5)), 2)
    with pytest.raises(ValueError, match="estimator"):
        train_variational_rbm(s, 2, estimator="bogus")


def test_antithetic_pair_kernel_equals_direct_sums():
    # closed-form pair sums (tanh x+ + tanh x- = sinh 2g / D, ...) vs the direct per-draw sums, incl. a
    # saturated column (|lambda| = 0.999), products of D over short blocks, and the overflow fallback (huge beta)
    from simulate.variational_rbm.learning import data_term_kernel, data_term_kernel_pairs, weight_spread

    rng = np.random.default_rng(0)
    # (N, M, P, B, beta): typical; draws split into log blocks (large 2 beta Xi z); overflow fallback
    for N, M, P, B, beta in ((100, 40, 4, 30, 1.3), (60, 12, 3, 40, 12.0), (20, 10, 2, 8, 400.0)):
        s = rng.choice([-1.0, 1.0], (M, N))
        lam = rng.uniform(-0.5, 0.5, (N, P))
        lam[:, 0] = 0.999 * np.sign(lam[:, 0])
        z = draw_normal_fields(rng, B, P, antithetic=True)
        G = s @ lam / math.sqrt(N)
        Xi = weight_spread(lam)
        out = []
        for f, zz in ((data_term_kernel, z), (data_term_kernel_pairs, np.ascontiguousarray(z[:B // 2]))):
            T, a, b = np.empty((M, P)), np.empty(P), np.empty(P)
            out.append((f(G, Xi, zz, beta, T, a, b), T, a, b))
        # rounding: each of the M B summed terms (|tanh|, sech^2 <= 1, |z tanh| ~ 3, ln cosh ~ |x|) carries ~1e-16;
        # sums of cancelling terms (sech^2 of saturated units) can be much smaller than their terms
        for x, y in zip(out[0], out[1]):
            x, y = np.asarray(x), np.asarray(y)
            assert np.max(np.abs(x - y)) <= 1e-13 * np.max(np.abs(x)) + 1e-15 * M * B


def test_antithetic_partition_draws_use_the_spin_flip_symmetry_exactly():
    # P_eq(-sigma; H) = P_eq(sigma; -H): the draw -z has messages -m, the same C, z mhat and ln Z, so one
    # message-passing run per antithetic pair gives the same LB and gradient as running both (to rounding)
    rng = np.random.default_rng(2)
    sigma = rng.choice([-1, 1], size=(30, 80)).astype(np.int8)
    lam = rng.uniform(-0.9, 0.9, (80, 3))
    z = draw_normal_fields(rng, 10, 3, antithetic=True)
    # cold starts, so that both runs iterate the same maps from the same start (warm starts differ in order)
    a = lower_bound_and_gradient(sigma, lam, z, z, symmetric=True, warm_start=False)
    b = lower_bound_and_gradient(sigma, lam, z, z, symmetric=False, warm_start=False)
    assert a.LB == pytest.approx(b.LB, rel=1e-13)
    np.testing.assert_allclose(a.grad_eq, b.grad_eq, rtol=0, atol=1e-12 * np.abs(b.grad_eq).max())


@pytest.mark.parametrize("N", [12, 300])
def test_fused_learning_observables_equal_message_passing(N):
    # the learning kernel's ln Z (variance terms cancelled analytically) and sum_s C, sum_s z mhat equal the
    # public message_passing observables draw by draw (N = 12: libm branch, N = 300: series branch)
    from simulate.variational_rbm import rbm_message_passing

    rng = np.random.default_rng(N)
    P, M = 3, 4
    sigma = rng.choice([-1, 1], size=(M, N)).astype(np.int8)
    lam = rng.uniform(-0.95, 0.95, (N, P))
    z2 = rng.standard_normal((3, P))
    est = lower_bound_and_gradient(sigma, lam, z2, z2, bp_tol=1e-13)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / N)
    rs = [rbm_message_passing(lam, Xi * z, 1.0, tol=1e-13) for z in z2]
    assert est.logZ_mean == pytest.approx(np.mean([r.logZ for r in rs]), rel=1e-12)
    C = np.mean([r.C for r in rs], axis=0)
    Zm = np.mean([z * r.mhat for z, r in zip(z2, rs)], axis=0)
    sq = math.sqrt(N)
    g_eq = M / sq * (C - lam * (Zm / (sq * Xi))[None, :])
    np.testing.assert_allclose(est.grad_eq, g_eq, rtol=0, atol=1e-11 * np.abs(g_eq).max())


def test_warm_start_reaches_the_same_fixed_point():
    # warm start (messages of the previous draw) vs cold start (m = 0): same LB and gradient to the BP tolerance
    rng = np.random.default_rng(3)
    sigma = rng.choice([-1, 1], size=(40, 120)).astype(np.int8)
    lam = np.clip(0.7 * np.sign(rng.standard_normal((120, 1))) + rng.normal(0, 0.2, (120, 4)), -0.99, 0.99)
    z = draw_normal_fields(rng, 12, 4, antithetic=False)
    a = lower_bound_and_gradient(sigma, lam, z, z, bp_tol=1e-12, warm_start=True)
    b = lower_bound_and_gradient(sigma, lam, z, z, bp_tol=1e-12, warm_start=False)
    assert a.bp_failures == b.bp_failures == 0
    assert a.LB == pytest.approx(b.LB, rel=1e-12)
    np.testing.assert_allclose(a.grad, b.grad, rtol=0, atol=1e-10 * np.abs(b.grad).max())


def test_cli_default_learning_rate_is_2_over_M_for_images(capsys):
    # images: eta = 2/M (stable on the mean-image mode, docs Sec. 11); planted data keep eta = 0.1
    import json

    from theory.core.cli import main_with_groups

    code = main_with_groups("python -m simulate", "", {"rbm": ["simulate.commands.rbm"]},
                            ["rbm", "variational", "--data", "digits", "--n-samples", "50", "--hidden", "2",
                             "--steps", "2", "--B1", "4", "--B2", "4", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eta"] == pytest.approx(2 / 50) and out["M"] == 50
