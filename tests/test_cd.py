"""CD-k / PCD-k on a tiny RBM against exact enumeration: the exact CD-1 expectation, the exact
log-likelihood gradient (CD with a long chain, PCD's persistent chains), learning, seeds."""
import numpy as np
import pytest
from scipy.special import expit as sigmoid

from simulate.boltzmann import binary_states, cd_gradient, exact_rbm, init_boltzmann_machine, train_cd

NV, NH = 4, 3


def _model(seed=0, scale=0.8):
    rng = np.random.default_rng(seed)
    m = init_boltzmann_machine((NV, NH), seed=rng, scale=scale)
    m.b[0][:] = rng.normal(0, scale, NV)
    m.b[1][:] = rng.normal(0, scale, NH)
    return m


def _data():
    return binary_states(NV)[[1, 6, 11, 15]]


def _per_row_terms(m, v0, vk):
    """Per-row contributions to the MC gradient (for standard errors)."""
    ph0, phk = sigmoid(v0 @ m.W[0] + m.b[1]), sigmoid(vk @ m.W[0] + m.b[1])
    return np.hstack([(vk[:, :, None] * phk[:, None, :] - v0[:, :, None] * ph0[:, None, :]).reshape(len(v0), -1),
                      vk - v0, phk - ph0])


def _flat(g):
    return np.concatenate([x.ravel() for x in g])


def test_cd1_matches_exact_cd1_expectation():
    """E[CD-1 estimate] = sum_h p(h|v0) sum_v1 p(v1|h) [v1 p(h|v1)] - data term, by enumeration;
    the MC estimate over 200,000 chains agrees within 4.5 s.e. per component."""
    m = _model()
    data = _data()
    Hs, Vs = binary_states(NH), binary_states(NV)
    neg = np.zeros(NV * NH + NV + NH)
    pos = np.zeros_like(neg)
    for v0 in data:
        ph = sigmoid(v0 @ m.W[0] + m.b[1])
        p_h = np.prod(np.where(Hs == 1, ph, 1 - ph), axis=1)
        for h, w in zip(Hs, p_h):
            pv = sigmoid(m.W[0] @ h + m.b[0])
            p_v = np.prod(np.where(Vs == 1, pv, 1 - pv), axis=1)
            phv = sigmoid(Vs @ m.W[0] + m.b[1])
            neg += w * np.concatenate([(p_v[:, None, None] * Vs[:, :, None] * phv[:, None, :]).sum(0).ravel(),
                                       p_v @ Vs, p_v @ phv]) / len(data)
        pos += np.concatenate([np.outer(v0, ph).ravel(), v0, ph]) / len(data)
    exact = neg - pos
    v0 = np.repeat(data, 50_000, axis=0)
    g, vk = cd_gradient(m, v0, 1, np.random.default_rng(1))
    terms = _per_row_terms(m, v0, vk)
    se = terms.std(axis=0, ddof=1) / np.sqrt(len(v0))
    np.testing.assert_allclose(_flat(g), terms.mean(axis=0), atol=1e-12)
    assert np.all(np.abs(_flat(g) - exact) <= 4.5 * se + 1e-12)


def test_long_chain_cd_gives_exact_loglik_gradient():
    """CD-k with k = 25 on this well-mixing tiny RBM estimates the exact gradient of the
    negative log-likelihood (model moments by enumeration) within 4.5 s.e."""
    m = _model()
    data = _data()
    ex = exact_rbm(m)
    ph = sigmoid(data @ m.W[0] + m.b[1])
    exact = np.concatenate([(ex.vh - data.T @ ph / len(data)).ravel(), ex.v - data.mean(0), ex.h - ph.mean(0)])
    v0 = np.repeat(data, 12_500, axis=0)
    g, vk = cd_gradient(m, v0, 25, np.random.default_rng(2))
    se = _per_row_terms(m, v0, vk).std(axis=0, ddof=1) / np.sqrt(len(v0))
    assert np.all(np.abs(_flat(g) - exact) <= 4.5 * se)
    # CD-1 is biased for this model: it differs from the exact gradient by many s.e. somewhere
    g1, vk1 = cd_gradient(m, v0, 1, np.random.default_rng(3))
    se1 = _per_row_terms(m, v0, vk1).std(axis=0, ddof=1) / np.sqrt(len(v0))
    assert np.max(np.abs(_flat(g1) - exact) / se1) > 6


def test_pcd_chains_reach_the_model_distribution():
    """Persistent chains updated by 40 PCD-1 calls at fixed parameters sample p(v):
    state frequencies of 40,000 chains within 4.5 s.e. of the exact probabilities."""
    m = _model(scale=0.6)
    ex = exact_rbm(m)
    rng = np.random.default_rng(4)
    chain = np.zeros((40_000, NV))
    v0 = np.repeat(_data(), 10, axis=0)
    for _ in range(40):
        _, chain = cd_gradient(m, v0, 1, rng, chain=chain)
    codes = (chain * 2 ** np.arange(NV)).sum(axis=1).astype(int)
    freq = np.bincount(codes, minlength=2 ** NV) / len(chain)
    se = np.sqrt(ex.p * (1 - ex.p) / len(chain))
    assert np.all(np.abs(freq - ex.p) <= 4.5 * se)


@pytest.mark.parametrize("k,persistent", [(1, False), (5, True)])
def test_training_increases_exact_loglik(k, persistent):
    data = np.repeat(_data(), 25, axis=0)
    r0 = train_cd(data, NH, k=k, persistent=persistent, epochs=1, lr=1e-9, seed=0)
    r = train_cd(data, NH, k=k, persistent=persistent, epochs=300, lr=0.1, batch=10, seed=0)
    ll = lambda model: exact_rbm(model).loglik(model, _data()).mean()
    # uniform over 16 states: -log 16 = -2.77; a perfect fit of the 4 data states: -log 4 = -1.39
    assert ll(r0.model) == pytest.approx(-np.log(16), abs=0.05)
    assert ll(r.model) > -1.8   # within 0.4 nats of the best possible -log 4
    assert r.converged


def test_reproducible_under_seed():
    x = (np.random.default_rng(0).random((60, 8)) < 0.5).astype(float)
    a = train_cd(x, 4, k=2, persistent=True, epochs=2, seed=7)
    b = train_cd(x, 4, k=2, persistent=True, epochs=2, seed=7)
    c = train_cd(x, 4, k=2, persistent=True, epochs=2, seed=8)
    np.testing.assert_array_equal(a.model.W[0], b.model.W[0])
    assert not np.array_equal(a.model.W[0], c.model.W[0])


def test_bad_input():
    x = np.zeros((4, 3))
    with pytest.raises(ValueError, match="k must be"):
        train_cd(x, 2, k=0)
    with pytest.raises(ValueError, match="optimizer"):
        train_cd(x, 2, optimizer="rmsprop")
    with pytest.raises(ValueError, match="binary"):
        train_cd(x + 0.5, 2)


# --------------------------------------------------------------------------- the shared training loop


def _minimal_cd(x, nh, k, epochs, batch, lr, wd, seed, persistent):
    """CD-k / PCD-k written out from [hinton2002] / [tieleman2008] with plain numpy: init N(0, 0.01^2), then per
    epoch a permutation and, per mini-batch, k block-Gibbs steps and an SGD step; the same draws in the same order
    as documented for train_boltzmann (weights, PCD chains, then per epoch the permutation and the Gibbs uniforms)."""
    rng = np.random.default_rng(seed)
    W = 0.01 * rng.standard_normal((x.shape[1], nh))
    b, c = np.zeros(x.shape[1]), np.zeros(nh)
    chain = x[rng.integers(0, len(x), batch)].copy() if persistent else None
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for a in range(0, len(x), batch):
            v0 = x[order[a:a + batch]]
            v = v0 if chain is None else chain
            for _ in range(k):
                ph = sigmoid(v @ W + c)
                h = (rng.random(ph.shape) < ph).astype(float)
                pv = sigmoid(h @ W.T + b)
                v = (rng.random(pv.shape) < pv).astype(float)
            if persistent:
                chain = v
            ph0, phk = sigmoid(v0 @ W + c), sigmoid(v @ W + c)
            gW = v.T @ phk / len(v) - v0.T @ ph0 / len(v0) + 2 * wd * W
            gb, gc = v.mean(0) - v0.mean(0), phk.mean(0) - ph0.mean(0)
            W, b, c = W - lr * gW, b - lr * gb, c - lr * gc
    return W, b, c


@pytest.mark.parametrize("persistent", [False, True])
def test_shared_training_loop_reproduces_an_independent_cd_implementation(persistent):
    from simulate.boltzmann import BoltzmannTrainConfig, train_boltzmann

    x = (np.random.default_rng(3).random((57, 7)) < 0.35).astype(float)
    cfg = BoltzmannTrainConfig(method="pcd" if persistent else "cd", hidden=4, k=2, epochs=3, batch=10, lr=0.2,
                               weight_decay=0.01)
    r = train_boltzmann(x, cfg, seed=21)
    W, b, c = _minimal_cd(x, 4, 2, 3, 10, 0.2, 0.01, 21, persistent)
    np.testing.assert_allclose(r.model.W[0], W, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.model.b[0], b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.model.b[1], c, rtol=1e-12, atol=1e-14)
    assert r.config == cfg and r.config.weight_decay == 0.01 and r.config.init_scale == 0.01 and r.seed == 21


def test_every_trainer_accepts_a_starting_model_and_leaves_it_unchanged():
    from simulate.boltzmann import BoltzmannTrainConfig, train_boltzmann, train_cd, train_vpf

    x = (np.random.default_rng(4).random((40, 6)) < 0.4).astype(float)
    m0 = init_boltzmann_machine((6, 3), seed=1, scale=0.3)
    W0 = m0.W[0].copy()
    for r in (train_cd(x, 3, init=m0, epochs=1), train_cd(x, (3,), persistent=True, init=m0, epochs=1),
              train_vpf(x, (3,), init=m0, epochs=1),
              train_boltzmann(x, BoltzmannTrainConfig(method="cd", hidden=(3,), lr=1e-12, epochs=1), init=m0)):
        assert r.converged and r.sizes == (6, 3)
    np.testing.assert_array_equal(m0.W[0], W0)
    # a tiny learning rate keeps the trained model at the starting one: the loop started from init, not afresh
    np.testing.assert_allclose(r.model.W[0], W0, atol=1e-9)
    with pytest.raises(ValueError, match="init has sizes"):
        train_cd(x, 4, init=m0)
