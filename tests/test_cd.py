"""CD-k / PCD-k on a tiny RBM against exact enumeration: the exact CD-1 expectation, the exact
log-likelihood gradient (CD with a long chain, PCD's persistent chains), learning, seeds."""
import numpy as np
import pytest

from simulate.boltzmann.machines import all_states, exact_rbm, init_model, sigmoid
from simulate.boltzmann.cd import cd_gradient, train_cd

NV, NH = 4, 3


def _model(seed=0, scale=0.8):
    rng = np.random.default_rng(seed)
    m = init_model((NV, NH), seed=rng, scale=scale)
    m.b[0][:] = rng.normal(0, scale, NV)
    m.b[1][:] = rng.normal(0, scale, NH)
    return m


def _data():
    return all_states(NV)[[1, 6, 11, 15]]


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
    Hs, Vs = all_states(NH), all_states(NV)
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
