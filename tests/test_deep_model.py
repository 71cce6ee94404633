"""The stochastic binary network of [baldassi2018, SM Sec. V]: gradients, mean field, binarized pass, limits."""
import math

import numpy as np
import pytest
from scipy.special import log_ndtr, ndtr

from simulate.deep.baselines import BinarizedSTENetwork, ReluNetwork
from simulate.deep.stochastic import (
    SOFTMAX_SCALE,
    StochasticBinaryNetwork,
    mean_field_activation,
    preactivation_moments,
)


def _flat_fd_check(net, x, y, rng_seed=None, n_probe=12, eps=1e-6, seed=0):
    """Central finite differences of the loss w.r.t. random entries of every parameter block."""
    loss0, grads = net.loss_and_gradients(x, y, rng=rng_seed)
    assert math.isfinite(loss0)
    pick = np.random.default_rng(seed)
    checked = 0
    for p, g in zip(net.params, grads):
        assert g.shape == p.shape
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for k in pick.choice(flat.size, size=min(n_probe, flat.size), replace=False):
            old = flat[k]
            flat[k] = old + eps
            lp, _ = net.loss_and_gradients(x, y, rng=rng_seed)
            flat[k] = old - eps
            lm, _ = net.loss_and_gradients(x, y, rng=rng_seed)
            flat[k] = old
            fd = (lp - lm) / (2 * eps)
            assert abs(fd - gflat[k]) <= 1e-6 + 1e-5 * abs(fd), (p.shape, k, fd, gflat[k])
            checked += 1
    return checked


@pytest.mark.parametrize("sizes,encoding", [((7, 6, 5, 4), "real"), ((7, 5, 1), "spin"), ((6, 3), "real")])
def test_stochastic_gradients_match_finite_differences(sizes, encoding):
    rng = np.random.default_rng(1)
    net = StochasticBinaryNetwork(sizes, seed=2, dtype=np.float64)
    for b in net.b:
        b[:] = rng.normal(0, 0.5, b.shape)
    x = rng.random((9, sizes[0]))
    if encoding == "spin":
        x = np.where(x > 0.5, 1.0, -1.0)
    y = rng.choice([-1, 1], 9) if sizes[-1] == 1 else rng.integers(0, sizes[-1], 9)
    assert _flat_fd_check(net, x, y) > 0


def test_stochastic_gradients_with_dropout_match_finite_differences():
    rng = np.random.default_rng(3)
    net = StochasticBinaryNetwork((8, 6, 6, 3), seed=4, dtype=np.float64, dropout=0.3, input_dropout=0.2)
    x, y = rng.random((10, 8)), rng.integers(0, 3, 10)
    # the same integer seed gives the same masks at every evaluation
    _flat_fd_check(net, x, y, rng_seed=11)
    la, _ = net.loss_and_gradients(x, y, rng=11)
    lb, _ = net.loss_and_gradients(x, y, rng=12)
    assert la != lb          # the masks do act


def test_baseline_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    x, y = rng.random((12, 6)), rng.integers(0, 3, 12)
    relu = ReluNetwork((6, 5, 4, 3), seed=0, dtype=np.float64)
    _flat_fd_check(relu, x, y)
    # the output layer's gamma/beta gradients are exact (the STE only enters below the last sign unit)
    bnn = BinarizedSTENetwork((6, 5, 3), seed=0, dtype=np.float64)
    loss0, grads = bnn.loss_and_gradients(x, y)
    for blk in (4, 5):
        p, g = bnn.params[blk], grads[blk]
        for k in range(p.size):
            old = p[k]
            p[k] = old + 1e-6
            lp = bnn.loss_and_gradients(x, y)[0]
            p[k] = old - 1e-6
            lm = bnn.loss_and_gradients(x, y)[0]
            p[k] = old
            assert abs((lp - lm) / 2e-6 - g[k]) < 1e-6
    # the last layer's weight gradient is the exact derivative w.r.t. the binary weights sign(w)
    from simulate.deep._common import sign_pm
    V = sign_pm(bnn.w[1])
    for i, j in [(0, 0), (2, 4), (1, 3)]:
        Vp, Vm = V.copy(), V.copy()
        Vp[i, j] += 1e-6
        Vm[i, j] -= 1e-6
        fd = (_bnn_loss_last_weights(bnn, x, y, Vp) - _bnn_loss_last_weights(bnn, x, y, Vm)) / 2e-6
        assert abs(fd - grads[3][i, j]) < 1e-6


def _bnn_loss_last_weights(bnn, x, y, V):
    """Training-mode loss of a 2-layer BNN, written out directly, with real last-layer weights V."""
    from simulate.deep._common import sign_pm, softmax_cross_entropy

    s0 = x @ sign_pm(bnn.w[0]).T
    t = sign_pm((s0 - s0.mean(0)) / np.sqrt(s0.var(0) + 1e-4) * bnn.gamma[0] + bnn.beta[0])
    s = t @ V.T
    yl = (s - s.mean(0)) / np.sqrt(s.var(0) + 1e-4) * bnn.gamma[1] + bnn.beta[1]
    return softmax_cross_entropy(yl, y)[0]


@pytest.mark.parametrize("first_layer", [True, False])
def test_mean_field_layer_matches_monte_carlo(first_layer):
    """Sample W ~ Q_m (and tau ~ independent +-1 with means a) on a wide layer."""
    rng = np.random.default_rng(7)
    n_in, n_out, S = 1500, 6, 2000
    m = np.tanh(rng.normal(0, 1.0, (n_out, n_in)))
    b = rng.normal(0, 3.0, n_out)
    if first_layer:
        a = rng.random(n_in)                     # real pixels: deterministic inputs
    else:
        a = np.tanh(rng.normal(0, 1.0, n_in))   # +-1 units with means a
    mu, s2 = preactivation_moments(a[None, :], m, b, deterministic=first_layer)
    z, act, _ = mean_field_activation(mu, s2)
    hs = np.empty((S, n_out))
    for s in range(S):
        W = np.where(rng.random((n_out, n_in)) < (1 + m) / 2, 1.0, -1.0)
        tau = a if first_layer else np.where(rng.random(n_in) < (1 + a) / 2, 1.0, -1.0)
        hs[s] = W @ tau + b
    # the first two moments are exact (no approximation): within sampling error
    mean_se = hs.std(0) / math.sqrt(S)
    assert np.all(np.abs(hs.mean(0) - mu[0]) < 4.5 * mean_se)
    var_se = hs.var(0) * math.sqrt(2.0 / (S - 1))
    assert np.all(np.abs(hs.var(0) - s2[0]) < 4.5 * var_se)
    # the activation mean 2H(-mu/sigma) - 1 (central limit theorem): sampling error + CLT error
    emp = np.where(hs >= 0, 1.0, -1.0).mean(0)
    se = np.sqrt(np.maximum(1 - emp ** 2, 1e-3) / S)
    assert np.all(np.abs(emp - act[0]) < 4.5 * se + 0.01), (emp, act[0])
    assert np.ptp(act[0]) > 0.3   # the units are not all saturated: the test has power
    # the printed formula (no square root) would fail
    wrong = 2 * ndtr(mu[0] / s2[0]) - 1
    assert np.any(np.abs(emp - wrong) > 4.5 * se + 0.01)


def test_two_layer_mean_field_against_sampling_the_network():
    """Whole network, sampled: the factorized approximation of the hidden layer's output."""
    rng = np.random.default_rng(8)
    net = StochasticBinaryNetwork((800, 800, 3), seed=9, dtype=np.float64)
    x = rng.random((1, 800))
    z = net.output_fields(x)[0]
    act = 2 * ndtr(z) - 1
    S = 1500
    ms = net.m
    outs = np.empty((S, 3))
    for s in range(S):
        t = x[0]
        for m, b in zip(ms, net.b):
            W = np.where(rng.random(m.shape) < (1 + m) / 2, 1.0, -1.0)
            t = np.where(W @ t + b >= 0, 1.0, -1.0)
        outs[s] = t
    emp = outs.mean(0)
    se = np.sqrt(np.maximum(1 - emp ** 2, 1e-3) / S)
    assert np.all(np.abs(emp - act) < 4.5 * se + 0.02), (emp, act)


def test_binarized_forward_matches_direct_loop():
    rng = np.random.default_rng(10)
    sizes = (9, 7, 5, 4)
    net = StochasticBinaryNetwork(sizes, seed=3, dtype=np.float64)
    for b in net.b:
        b[:] = rng.integers(-2, 3, b.shape)      # integer biases: ties sign(0) occur and must give +1
    net.b[0][0] = 0.0
    x = np.where(rng.random((40, 9)) > 0.5, 1.0, -1.0)
    got = net.binarized_output_fields(x)
    ms = net.m
    for r in range(len(x)):
        t = list(x[r])
        for l in range(len(ms)):
            nxt = []
            for i in range(ms[l].shape[0]):
                f = net.b[l][i]
                for j in range(len(t)):
                    f += (1.0 if ms[l][i, j] >= 0 else -1.0) * t[j]
                nxt.append(f)
            t = nxt if l == len(ms) - 1 else [1.0 if f >= 0 else -1.0 for f in nxt]
        assert np.allclose(got[r], t)
    assert np.array_equal(net.predict_binarized(x), np.argmax(got, axis=1))


def test_no_hidden_layer_reduces_to_stochastic_perceptron():
    """One output, no hidden layer, b = 0: the loss is -(1/M) L(m) of [baldassi2018, Eq. 6]."""
    from simulate.perceptron import generate_instance, stochastic_log_likelihood_gradient

    inst = generate_instance(41, 0.5, seed=3)
    X, y = inst.X.astype(np.float64), inst.y.astype(np.int64)
    net = StochasticBinaryNetwork((inst.N, 1), seed=5, dtype=np.float64)
    m = net.m[0][0]
    # Eq. 6 computed here independently: H(u) = Phi(-u)
    u = -y * (X @ m) / np.sqrt(((1 - m ** 2) * X ** 2).sum(axis=1))
    L = log_ndtr(-u).sum()
    loss, grads = net.loss_and_gradients(X, y)
    assert loss == pytest.approx(-L / inst.M, rel=1e-12)
    g_m = grads[0][0] / (1 - m ** 2)          # dL/dh = (1 - m^2) dL/dm
    ref = stochastic_log_likelihood_gradient(m, inst)   # d L / dm (ascent, unnormalised)
    assert np.allclose(g_m, -ref / inst.M, rtol=1e-9, atol=1e-12)
    # and the bias gradient is the derivative of Eq. 6 with a threshold, by finite differences
    assert abs(grads[1][0]) > 0


def test_softmax_approximation_against_sampled_argmax():
    """The approximated softmax P(k) = softmax(beta z)_k against the exact probability that the k-th of
    independent Gaussian output fields N(mu_k, sigma_k^2) is the largest, for sigma_k within +-10 %
    of each other (the output units see the same inputs). Stated error (docs/deep_networks.md):
    at most 0.15 in any class probability; beta = pi/sqrt(6) beats nearby scales."""
    rng = np.random.default_rng(12)
    S = 100_000
    worst = {SOFTMAX_SCALE: 0.0, 1.0: 0.0, 1.7: 0.0}
    for _ in range(12):
        mu = rng.normal(0, rng.choice([0.5, 1.0, 2.0, 4.0]), 10)
        sd = 2.0 * rng.uniform(0.9, 1.1, 10)
        h = mu + sd * rng.standard_normal((S, 10))
        exact = np.bincount(h.argmax(1), minlength=10) / S
        for beta in worst:
            e = np.exp(beta * (mu / sd - (mu / sd).max()))
            worst[beta] = max(worst[beta], np.max(np.abs(e / e.sum() - exact)))
    assert worst[SOFTMAX_SCALE] < 0.15
    assert worst[SOFTMAX_SCALE] < min(worst[1.0], worst[1.7])


def test_seed_reproduces_bit_for_bit():
    from simulate.deep.training import load_deep_data, train_deep_network

    d = load_deep_data("digits", n_train=200, n_test=50)
    for method, kw in (("stochastic", {"dropout": 0.2, "input_dropout": 0.1}), ("bnn", {}), ("relu", {})):
        r1 = train_deep_network(d, (16,), method=method, epochs=2, batch=20, seed=5, **kw)
        r2 = train_deep_network(d, (16,), method=method, epochs=2, batch=20, seed=5, **kw)
        r3 = train_deep_network(d, (16,), method=method, epochs=2, batch=20, seed=6, **kw)
        for p, q in zip(r1.network.params, r2.network.params):
            assert np.array_equal(p, q)
        assert r1.history["loss"] == r2.history["loss"]
        assert not all(np.array_equal(p, q) for p, q in zip(r1.network.params, r3.network.params))


@pytest.mark.parametrize("gain", [0.5, 3.0])
def test_stochastic_gradients_with_gain_match_finite_differences(gain):
    """``m = tanh(gain h)`` (polarization schedule): one more factor ``gain`` in ``dL/dh``, by finite differences."""
    rng = np.random.default_rng(5)
    net = StochasticBinaryNetwork((7, 5, 4), seed=6, dtype=np.float64)
    net.gain = gain
    x, y = rng.random((9, 7)), rng.integers(0, 4, 9)
    assert _flat_fd_check(net, x, y) > 0
    np.testing.assert_allclose(net.m[0], np.tanh(gain * net.h[0]))
    # the binarized network does not see the gain: sign(tanh(gain h)) = sign(h)
    pred = net.predict_binarized(x)
    net.gain = 1.0
    np.testing.assert_array_equal(pred, net.predict_binarized(x))


def test_no_subnormal_numbers_reach_the_gemms_or_adam():
    """Saturated units (polarized means, confident outputs) make ``exp(-z^2/2)`` and softmax tails underflow to
    subnormal floats, which slow a float32 GEMM ~100x: the backward pass and Adam flush them to 0."""
    from simulate.core import Adam

    rng = np.random.default_rng(7)
    net = StochasticBinaryNetwork((64, 32, 32, 10), seed=8, init_scale=3.0)
    net.gain = 20.0                                   # nearly deterministic synapses: |z| >> 13 in float32
    x = rng.random((50, 64)).astype(np.float32)
    y = rng.integers(0, 10, 50)
    tiny = np.finfo(np.float32).tiny

    def subnormal(a):
        return int(np.count_nonzero((a != 0) & (np.abs(a) < tiny)))

    loss, grads = net.loss_and_gradients(x, y)
    assert math.isfinite(loss)
    assert sum(subnormal(g) for g in grads) == 0
    assert any(np.count_nonzero(g) for g in grads)    # not everything flushed: the bias gradients survive
    p = [np.ones(1000, np.float32)]
    opt = Adam(p, lr=1e-2)
    opt.step([np.full(1000, 1e-3, np.float32)])
    for _ in range(1500):                             # vanished gradient: the moments decay to 0, not subnormal
        opt.step([np.zeros(1000, np.float32)])
    assert subnormal(opt.m[0]) == 0 and subnormal(opt.v[0]) == 0
