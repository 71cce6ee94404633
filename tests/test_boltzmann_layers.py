"""Layer types and the one block-Gibbs sampler against independent references: numerical quadrature of each
unit's conditional, and exact enumeration of small RBMs (chi-square of the histogram of the discrete layer,
moments of the other layer within a stated number of standard errors)."""
import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import chi2

from simulate.boltzmann import BinaryLayer, GaussianLayer, ReLULayer, SpinLayer, block_gibbs

THETA = np.array([0.3, -0.4])
GAMMA = np.array([1.0, 1.7])


def _unit_density(layer, k, I, beta):
    """Unnormalised conditional density / mass of unit k and its support, straight from the energy."""
    def w(x):
        e = -layer.theta[k] * x + (0.5 * layer.gamma[k] * x * x if hasattr(layer, "gamma") else 0.0)
        return math.exp(-beta * (e - I * x))
    if isinstance(layer, BinaryLayer):
        return w, [0.0, 1.0]
    if isinstance(layer, SpinLayer):
        return w, [-1.0, 1.0]
    return w, ((0.0, np.inf) if isinstance(layer, ReLULayer) else (-np.inf, np.inf))


@pytest.mark.parametrize("make", [lambda: BinaryLayer(2, theta=THETA), lambda: SpinLayer(2, theta=THETA),
                                  lambda: ReLULayer(2, theta=THETA, gamma=GAMMA),
                                  lambda: GaussianLayer(2, theta=THETA, gamma=GAMMA)],
                         ids=["binary", "spin", "relu", "gaussian"])
@pytest.mark.parametrize("beta", [0.7, 2.0])
def test_layer_moments_and_log_partition_against_quadrature(make, beta):
    layer = make()
    I = np.array([0.9, -2.5])
    m, v, lz = layer.mean(I, beta), layer.var(I, beta), layer.log_partition(I, beta)
    for k in range(2):
        w, supp = _unit_density(layer, k, I[k], beta)
        if isinstance(supp, list):
            Z = sum(w(x) for x in supp)
            m1 = sum(x * w(x) for x in supp) / Z
            m2 = sum(x * x * w(x) for x in supp) / Z
        else:
            Z = quad(w, *supp, epsabs=0, epsrel=1e-12)[0]
            m1 = quad(lambda x, w=w: x * w(x), *supp, epsabs=0, epsrel=1e-12)[0] / Z
            m2 = quad(lambda x, w=w: x * x * w(x), *supp, epsabs=0, epsrel=1e-12)[0] / Z
        assert lz[k] == pytest.approx(math.log(Z), rel=1e-9, abs=1e-10)
        assert m[k] == pytest.approx(m1, rel=1e-8, abs=1e-10)
        assert v[k] == pytest.approx(m2 - m1 * m1, rel=1e-7, abs=1e-10)


# --------------------------------------------------------------------------- sampler vs exact enumeration

NV, NH = 4, 2
PAIRS = {
    "binary-binary": (lambda: BinaryLayer(NV, theta=[0.2, -0.5, 0.1, 0.4]), lambda: BinaryLayer(NH, theta=[-0.3, 0.6])),
    "spin-spin": (lambda: SpinLayer(NV, theta=[0.2, -0.1, 0.0, 0.3]), lambda: SpinLayer(NH)),
    "binary-relu": (lambda: BinaryLayer(NV, theta=[0.2, -0.5, 0.1, 0.4]), lambda: ReLULayer(NH, theta=[-0.2, 0.3])),
    "spin-gaussian": (lambda: SpinLayer(NV), lambda: GaussianLayer(NH, theta=[0.1, -0.2], gamma=[1.5, 2.0])),
    "relu-spin": (lambda: ReLULayer(NV, theta=[0.1, -0.3, 0.2, 0.0], gamma=[1.0, 1.2, 0.8, 1.0]),
                  lambda: SpinLayer(NH)),
    "gaussian-binary": (lambda: GaussianLayer(NV, gamma=2.0), lambda: BinaryLayer(NH, theta=[0.4, -0.4])),
}
W0 = np.array([[0.8, -0.6], [0.5, 0.9], [-0.7, 0.4], [0.3, -0.5]])


def _discrete(layer):
    return isinstance(layer, (BinaryLayer, SpinLayer))


def _exact(W, vis, hid, beta, scale):
    """Exact law of the discrete layer (enumerated) and the first two moments of the other one."""
    enum_visible = _discrete(vis)
    d, c = (vis, hid) if enum_visible else (hid, vis)
    S = np.array(list(itertools.product(d.states(), repeat=d.n)))
    I = scale * (S @ W if enum_visible else S @ W.T)
    logp = -beta * d.energy(S) + c.log_partition(I, beta).sum(axis=1)
    p = np.exp(logp - logp.max())
    p /= p.sum()
    m1 = p @ c.mean(I, beta)
    m2 = p @ (c.var(I, beta) + c.mean(I, beta) ** 2)
    return enum_visible, S, p, m1, m2


@pytest.mark.parametrize("engine", ["numba", "numpy"])
@pytest.mark.parametrize("pair", list(PAIRS))
def test_block_gibbs_samples_the_exact_distribution(pair, engine):
    vis, hid = PAIRS[pair][0](), PAIRS[pair][1]()
    beta, scale, B = 1.3, 0.9, 6000
    enum_visible, S, p, m1, m2 = _exact(W0, vis, hid, beta, scale)
    rng = np.random.default_rng(11)
    v0 = np.abs(rng.standard_normal((B, NV))) if not _discrete(vis) else vis.states()[rng.integers(0, 2, (B, NV))]
    v, h = block_gibbs(W0, vis, hid, v0, sweeps=25, beta=beta, scale=scale, seed=12, engine=engine)
    disc, cont = (v, h) if enum_visible else (h, v)
    # chi-square of the histogram of the enumerated layer (independent chains)
    idx = [int(np.flatnonzero(np.all(S == row, axis=1))[0]) for row in disc]
    counts = np.bincount(idx, minlength=len(S))
    expected = B * p
    stat = float(((counts - expected) ** 2 / expected).sum())
    assert chi2.sf(stat, len(S) - 1) > 1e-4, (stat, counts, expected)
    # first and second moments of the other layer within 5 standard errors
    se1 = np.sqrt((m2 - m1 ** 2) / B)
    assert np.all(np.abs(cont.mean(axis=0) - m1) <= 5 * se1 + 1e-12), (cont.mean(axis=0), m1, se1)
    q = cont ** 2
    assert np.all(np.abs(q.mean(axis=0) - m2) <= 5 * q.std(axis=0) / math.sqrt(B) + 1e-12)
    if isinstance(hid, ReLULayer) or isinstance(vis, ReLULayer):
        assert np.all((h if isinstance(hid, ReLULayer) else v) >= 0)


def test_block_gibbs_one_chain_annealed_and_reproducible():
    vis, hid = BinaryLayer(NV), ReLULayer(NH)
    a = block_gibbs(W0, vis, hid, np.zeros(NV), betas=np.geomspace(0.5, 5, 20), seed=3)
    b = block_gibbs(W0, vis, hid, np.zeros(NV), betas=np.geomspace(0.5, 5, 20), seed=3)
    assert a[0].shape == (NV,) and a[1].shape == (NH,)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="layer sizes"):
        block_gibbs(W0, BinaryLayer(3), hid, np.zeros(3))
    with pytest.raises(ValueError, match="betas"):
        block_gibbs(W0, vis, hid, np.zeros(NV), betas=[1.0, -1.0])
