"""MPF [liu2018, Eq. 1-2]: gradients vs finite differences and a literal transcription of the
printed formulas, layered = dense objective, consistency with maximum likelihood on a tiny model."""
import numpy as np
import pytest

from simulate.boltzmann import (
    fit_ml_visible_exact,
    fit_mpf_visible,
    init_boltzmann_machine,
    mpf_flow,
    mpf_layered_flow,
    visible_bm_logp,
)
from simulate.core import Adam

rng0 = np.random.default_rng(1)


def _random_bm(n, rng, scale=0.7):
    W = rng.normal(0, scale, (n, n))
    W = np.triu(W, 1)
    return W + W.T, rng.normal(0, scale, n)


def _literal(W, b, y):
    """K^(k) and [liu2018, Eq. 1-2] written with explicit loops, exactly as printed."""
    n = len(y)
    alpha = [0.5 - y[j] for j in range(n)]
    z = [sum(W[i, j] * y[i] for i in range(n) if i != j) + b[j] for j in range(n)]
    delta = [np.exp(alpha[j] * z[j]) for j in range(n)]
    gb = np.array([alpha[i] * delta[i] for i in range(n)])           # -Δb [liu2018, Eq. 1]
    gW = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                gW[i, j] = y[j] * alpha[i] * delta[i] + y[i] * alpha[j] * delta[j]  # -Δw [liu2018, Eq. 2]
    return sum(delta), gW, gb


def test_flow_matches_printed_equations():
    W, b = _random_bm(6, rng0)
    Y = (rng0.random((5, 6)) < 0.5).astype(float)
    K, gW, gb = mpf_flow(W, b, Y)
    parts = [_literal(W, b, y) for y in Y]
    assert K == pytest.approx(np.mean([p[0] for p in parts]), rel=1e-12)
    np.testing.assert_allclose(gW, np.mean([p[1] for p in parts], axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, np.mean([p[2] for p in parts], axis=0), rtol=1e-12)


def test_flow_gradient_finite_differences():
    n = 5
    W, b = _random_bm(n, rng0)
    Y = (rng0.random((30, n)) < 0.4).astype(float)
    K, gW, gb = mpf_flow(W, b, Y)
    h = 1e-6
    for i in range(n):
        for j in range(i + 1, n):
            Wp, Wm = W.copy(), W.copy()
            Wp[i, j] += h
            Wp[j, i] += h
            Wm[i, j] -= h
            Wm[j, i] -= h
            fd = (mpf_flow(Wp, b, Y)[0] - mpf_flow(Wm, b, Y)[0]) / (2 * h)
            assert gW[i, j] == pytest.approx(fd, rel=1e-6, abs=1e-9)
        bp, bm = b.copy(), b.copy()
        bp[i] += h
        bm[i] -= h
        assert gb[i] == pytest.approx((mpf_flow(W, bp, Y)[0] - mpf_flow(W, bm, Y)[0]) / (2 * h), rel=1e-6, abs=1e-9)


def _dense(model):
    """Block matrix of a layered model as a fully observed BM."""
    off = np.cumsum((0,) + model.sizes)
    n = off[-1]
    W = np.zeros((n, n))
    for k, w in enumerate(model.W):
        W[off[k]:off[k + 1], off[k + 1]:off[k + 2]] = w
        W[off[k + 1]:off[k + 2], off[k]:off[k + 1]] = w.T
    for k, u in enumerate(model.U):
        if u is not None:
            W[off[k]:off[k + 1], off[k]:off[k + 1]] = u
    return W, np.concatenate(model.b), off


def _random_layered(sizes, intra, rng):
    m = init_boltzmann_machine(sizes, intra=intra, seed=rng, scale=0.5)
    for b in m.b:
        b[:] = rng.normal(0, 0.5, b.shape)
    for k, u in enumerate(m.U):
        if u is not None:
            a = np.triu(rng.normal(0, 0.5, u.shape), 1)
            m.U[k] = a + a.T
    return m


@pytest.mark.parametrize("sizes,intra", [((6, 4), False), ((5, 4, 3), False), ((5, 4, 3), True)])
def test_layered_flow_equals_dense_flow(sizes, intra):
    rng = np.random.default_rng(2)
    m = _random_layered(sizes, intra, rng)
    H = [(rng.random((7, s)) < 0.5).astype(float) for s in sizes]
    K, grads = mpf_layered_flow(m, H)
    W, b, off = _dense(m)
    Kd, gW, gb = mpf_flow(W, b, np.hstack(H))
    assert K == pytest.approx(Kd, rel=1e-12)
    L = len(sizes) - 1
    for k in range(L):
        np.testing.assert_allclose(grads[k], gW[off[k]:off[k + 1], off[k + 1]:off[k + 2]], rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(np.concatenate(grads[L:2 * L + 1]), gb, rtol=1e-11, atol=1e-13)
    for g, k in zip(grads[2 * L + 1:], [k for k, u in enumerate(m.U) if u is not None]):
        np.testing.assert_allclose(g, gW[off[k]:off[k + 1], off[k]:off[k + 1]], rtol=1e-11, atol=1e-13)


def test_layered_flow_weights_equal_repeated_rows():
    """Row weights w are the batch mean over a batch in which row b appears n_b times
    (w_b = n_b / sum n): the weighted form used for exact enumeration of tiny models."""
    rng = np.random.default_rng(4)
    m = _random_layered((5, 4, 3), True, rng)
    H = [(rng.random((6, s)) < 0.5).astype(float) for s in m.sizes]
    n = np.array([1, 3, 2, 1, 4, 1])
    K, g = mpf_layered_flow(m, H, 0.1, weights=n / n.sum())
    Kr, gr = mpf_layered_flow(m, [np.repeat(h, n, axis=0) for h in H], 0.1)
    assert K == pytest.approx(Kr, rel=1e-12)
    for a, b in zip(g, gr):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)
    with pytest.raises(ValueError, match="weights"):
        mpf_layered_flow(m, H, weights=-np.ones(6))


def test_layered_flow_weight_decay_finite_differences():
    rng = np.random.default_rng(3)
    m = _random_layered((4, 3, 3), True, rng)
    H = [(rng.random((9, s)) < 0.5).astype(float) for s in m.sizes]
    lam = 0.3
    _, grads = mpf_layered_flow(m, H, lam)
    h = 1e-6
    # one entry of W[1], one of b[2], one intra edge of U[1] (both copies moved together)
    for p_idx, idx in [(1, (2, 1)), (4, (0,)), (5, (0, 2))]:
        p = m.params()[p_idx]
        def K_at(d, p=p, idx=idx, p_idx=p_idx):
            p[idx] += d
            if p_idx == 5:
                p[idx[::-1]] += d
            val = mpf_layered_flow(m, H, lam)[0]
            p[idx] -= d
            if p_idx == 5:
                p[idx[::-1]] -= d
            return val
        fd = (K_at(h) - K_at(-h)) / (2 * h)
        assert grads[p_idx][idx] == pytest.approx(fd, rel=1e-6)


def test_mpf_population_minimiser_is_true_parameter():
    """With the exact model distribution as data (weights over all 2^n states), the
    all-neighbour MPF objective is minimised at the true parameters (docs/vpf.md, §2)."""
    n = 4
    W0, b0 = _random_bm(n, np.random.default_rng(4), scale=0.8)
    S, logp = visible_bm_logp(W0, b0, n)
    fit = fit_mpf_visible(S, weights=np.exp(logp))
    assert fit.converged
    np.testing.assert_allclose(fit.W, W0, atol=1e-5)
    np.testing.assert_allclose(fit.b, b0, atol=1e-5)


def test_mpf_matches_ml_with_enough_data():
    """Both estimators are consistent: on N samples their difference is O(N^-1/2). The
    tolerance is 6 standard errors of the ML estimator from the exact Fisher information
    (MPF's asymptotic variance is somewhat larger: the difference is allowed 6 s.e. + 6 s.e.)."""
    n, N = 4, 200_000
    rng = np.random.default_rng(5)
    W0, b0 = _random_bm(n, rng, scale=0.8)
    S, logp = visible_bm_logp(W0, b0, n)
    Y = S[rng.choice(len(S), size=N, p=np.exp(logp))]
    U, counts = np.unique(Y, axis=0, return_counts=True)
    mpf, ml = fit_mpf_visible(U, weights=counts / N), fit_ml_visible_exact(Y)  # MPF is a sum over rows: group repeats
    assert mpf.converged and ml.converged
    iu = np.triu_indices(n, 1)
    T = np.hstack([(S[:, :, None] * S[:, None, :])[:, iu[0], iu[1]], S])   # sufficient statistics
    p = np.exp(logp)
    F = (T * p[:, None]).T @ T - np.outer(p @ T, p @ T)
    se = np.sqrt(np.diag(np.linalg.inv(F)) / N)
    th = lambda f: np.concatenate([f.W[iu], f.b])
    th0 = np.concatenate([W0[iu], b0])
    assert np.all(np.abs(th(ml) - th0) <= 6 * se)
    assert np.all(np.abs(th(mpf) - th0) <= 12 * se)
    assert np.all(np.abs(th(mpf) - th(ml)) <= 12 * se)
    assert np.max(np.abs(th(mpf) - th(ml))) < 0.05


def test_adam_first_step_is_lr_times_sign():
    """Kingma & Ba: the bias-corrected first step is lr * g/|g| (up to eps)."""
    p = [np.array([1.0, -2.0, 3.0])]
    opt = Adam(p, lr=1e-3)
    opt.step([np.array([0.5, -3.0, 1e-3])])
    np.testing.assert_allclose(p[0], [1.0 - 1e-3, -2.0 + 1e-3, 3.0 - 1e-3 * 1e-3 / (1e-3 + 1e-8)], rtol=1e-9)
    with pytest.raises(ValueError, match="lr"):
        Adam(p, lr=-1)


def test_bad_input():
    with pytest.raises(ValueError, match="0 and 1"):
        fit_mpf_visible(np.array([[0.0, 0.5]]))
