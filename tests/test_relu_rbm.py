"""R-RBM zero-temperature RS theory: H^(k) against mpmath, stationarity, the threshold-Hopfield reduction."""
import math

import mpmath as mp
import numpy as np
import pytest

from theory.rbm import hopfield
from theory.rbm import relu_rbm as R


@pytest.mark.parametrize("x", [-4.0, -1.3, 0.0, 0.7, 2.5, 5.0])
def test_Hk_against_mpmath(x):
    for k, fn in ((0, R.H0), (1, R.H1), (2, R.H2)):
        ref = mp.quad(lambda z, k=k: (z - x) ** k * mp.npdf(z), [x, mp.inf])
        assert abs(float(fn(x)) - float(ref)) <= 1e-13 * max(1.0, abs(float(ref))) + 1e-15


def test_H2_identity_H0():
    # H2(t) + t H1(t) = H0(t), used in the B equation (docs/relu_rbm.md (R5))
    t = np.linspace(-5, 5, 41)
    assert np.allclose(R.H2(t) + t * R.H1(t), R.H0(t), atol=1e-13)


def test_weight_distribution_exact():
    # L = 3, p = 0.4: P(W = 3) = (p/2)^3, P(W = 0) = (1-p)^3 + 6 (p/2)^2 (1-p)
    w, P = R.weight_distribution(3, 0.4)
    d = dict(zip(w, P))
    assert d[3.0] == pytest.approx(0.2**3)
    assert d[0.0] == pytest.approx(0.6**3 + 6 * 0.2**2 * 0.6)
    assert P.sum() == pytest.approx(1.0)
    w, P = R.weight_distribution(500, 0.02)
    assert np.dot(P, w) == pytest.approx(0.0, abs=1e-12)
    assert np.dot(P, w * w) == pytest.approx(500 * 0.02, rel=1e-10)


def _grad(f, x, h=1e-6):
    """Central differences of ``f(*x)`` in each argument (step ``h``)."""
    steps = h * np.eye(len(x))
    return np.array([(f(*(np.asarray(x) + e)) - f(*(np.asarray(x) - e))) / (2 * h) for e in steps])


@pytest.mark.parametrize("alpha,p,theta,g,L,init", [
    (0.1, 0.1, 0.15, -0.01, 10, None), (0.05, 0.3, 0.5, 0.0, 3, None), (0.2, 1.0, 0.3, -0.1, 1, None),
    # condensed branch (m > 0) near the compositional regime, started from its noise-free state
    (0.1, 0.1, 1.5 * 0.1**0.5, 0.01, 30, dict(m=0.022, s=0.0022, B=0.0028)),
    (0.1, 1.0, 0.5, -0.2, 1, dict(m=0.5, s=0.1, B=0.5))])
def test_free_energy_stationary(alpha, p, theta, g, L, init):
    s = R.solve_relu_rbm(alpha, p, theta, g, L, init=init)
    assert s.converged, s.message
    if init is not None:
        assert s.m > 1e-3
    W = R.weight_distribution(L, p)
    fn = lambda m, r, B, q, C: R.relu_rbm_free_energy(alpha, p, theta, g, L, m, r, B, q, C, W)
    x = [s.m, s.r, s.B, s.q, s.C]
    scale = np.maximum(np.abs(x), 1e-3)
    gr = _grad(fn, x, h=1e-7)
    assert np.max(np.abs(gr) * scale) < 1e-6
    # moving off the saddle point gives a non-zero gradient (the test can fail)
    x2 = list(x)
    x2[3] *= 1.1
    assert np.max(np.abs(_grad(fn, x2, h=1e-7))) > 1e-5


def test_threshold_hopfield_reduces_to_hopfield_at_theta0():
    # [manzan2021, slide 28]: with g = -alpha B/2, L = p = 1 the R-RBM is the T = 0 Hopfield model with
    # m_H = 2 m, r_H = 4 r, C_H = C (docs/relu_rbm.md (R8)); independent solvers
    for alpha in (0.05, 0.1, 0.13):
        s = R.solve_threshold_hopfield(alpha, 0.0)
        h = hopfield.solve_hopfield_T0(alpha)
        assert s.converged and s.q == pytest.approx(0.5, abs=1e-12)
        assert 2 * s.m == pytest.approx(h.m, abs=1e-9)
        assert 4 * s.r == pytest.approx(h.r, rel=1e-8)
        assert s.C == pytest.approx(h.C, abs=1e-9)
    assert R.threshold_hopfield_capacity(0.0) == pytest.approx(hopfield.hopfield_capacity().alpha_c, rel=1e-8)


@pytest.mark.parametrize("theta", [0.3, 0.8])
def test_threshold_raises_capacity(theta):
    # capacity alpha_c(theta) = alpha_c^H / (2 H2(sqrt2 theta)) (docs (R9)); check against the
    # general solver: retrieval exists just below and disappears just above
    ac = R.threshold_hopfield_capacity(theta)
    assert ac == pytest.approx(hopfield.hopfield_capacity().alpha_c / (2 * float(R.H2(math.sqrt(2) * theta))), rel=1e-7)
    assert ac > hopfield.hopfield_capacity().alpha_c
    assert R.solve_threshold_hopfield(ac * 0.99, theta).converged
    assert not R.solve_threshold_hopfield(ac * 1.02, theta).converged


@pytest.mark.parametrize("kw,name", [(dict(alpha=0, p=0.1, theta=0, g=0, L=1), "alpha"),
                                     (dict(alpha=0.1, p=1.5, theta=0, g=0, L=1), "p"),
                                     (dict(alpha=0.1, p=0.1, theta=0, g=0, L=0), "L")])
def test_bad_input(kw, name):
    with pytest.raises(ValueError, match=name):
        R.solve_relu_rbm(**kw)
