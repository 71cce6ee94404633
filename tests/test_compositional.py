"""Compositional phase (p -> 0): Skellam law, stationarity, on-shell free energy, p -> 0 limit, l*."""
import math

import numpy as np
import pytest

from theory.rbm import compositional as c
from theory.rbm import relu_rbm as R


@pytest.mark.parametrize("l", [0.3, 2.0, 15.0])
def test_skellam_normalised_and_moments(l):
    w, P = c.skellam(l)
    assert P.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.dot(P, w) == pytest.approx(0.0, abs=1e-14)
    assert np.dot(P, w * w) == pytest.approx(l, rel=1e-12)  # Var of Poisson(l/2) - Poisson(l/2)


def test_skellam_matches_sum_of_sparse_weights_simulation():
    # W = sum of l/p weights, each +-1 w.p. p/2 (0 otherwise): chi-square test against e^-l I_w(l)
    l, p, n = 2.0, 0.01, 200_000
    rng = np.random.default_rng(1)
    L = int(l / p)
    k = rng.binomial(L, p, size=n)            # number of non-zero weights
    plus = rng.binomial(k, 0.5)
    W = 2 * plus - k
    w, P = c.skellam(l)
    sel = P * n > 20
    obs = np.array([(W == wi).sum() for wi in w[sel]])
    exp_ = P[sel] * n
    # finite p = 0.01 gives O(p) relative corrections: compare with the exact law of the finite
    # sum too; the Skellam law must be within chi2 tolerance of both at this n
    chi2 = np.sum((obs - exp_) ** 2 / exp_)
    assert chi2 < sel.sum() + 6 * math.sqrt(2 * sel.sum())
    wf, Pf = R.weight_distribution(L, p)
    d = dict(zip(wf, Pf))
    assert max(abs(d[wi] - Pi) for wi, Pi in zip(w[sel], P[sel])) < 3 * p * P.max()


def _grad(f, x, h=1e-7):
    """Central differences of ``f(*x)`` in each argument (step ``h``)."""
    steps = h * np.eye(len(x))
    return np.array([(f(*(np.asarray(x) + e)) - f(*(np.asarray(x) - e))) / (2 * h) for e in steps])


@pytest.mark.parametrize("alpha,theta,g,l", [(0.1, 1.0, -0.1, 3.0), (0.1, 1.5, 0.1, 3.0), (0.1, 1.0, 0.0, 0.0)])
def test_rescaled_free_energy_stationary_and_onshell(alpha, theta, g, l):
    s = c.solve_compositional(alpha, theta, g, l, branch="retrieval" if l > 0 else "glass")
    assert s.converged, s.message
    W = c.skellam(l)
    fn = lambda m, r, B, q, C: c.compositional_free_energy(alpha, theta, g, l, m, r, B, q, C, W)
    gr = _grad(fn, [s.m, s.r, s.B, s.q, s.C])
    assert np.max(np.abs(gr)) < 1e-6
    # the two on-shell forms (docs (R17)); the second is the expression of [manzan2021, slide 31]
    assert s.f_onshell == pytest.approx(s.f, abs=1e-10)
    th = theta / math.sqrt(s.q)
    slide = (-l * s.m**2 / 8 - alpha * (s.r * s.C + s.B * s.q) / 2 - g * s.q
             + alpha * math.sqrt(s.q) * theta * float(R.H1(th)) / (2 * (1 - s.C)))
    assert slide == pytest.approx(s.f, abs=1e-10)


@pytest.mark.parametrize("alpha,theta,g,l", [(0.1, 1.0, -0.1, 3.0), (0.1, 2.0, -0.2, 1.0)])
def test_general_rrbm_tends_to_rescaled_theory(alpha, theta, g, l):
    # relu_rbm at p -> 0 with L = l/p, theta = theta~ sqrt(p), g = g~ p (docs (R10)): O(p) convergence
    cs = c.solve_compositional(alpha, theta, g, l)
    assert cs.converged and cs.m > 0.1
    ref = np.array([cs.m, cs.q, cs.r, cs.B, cs.f])
    errs = []
    for p in (0.01, 0.001):
        s = R.solve_relu_rbm(alpha, p, theta * math.sqrt(p), g * p, int(round(l / p)),
                    init=dict(m=cs.m * p / 2, s=p * math.sqrt(alpha * cs.r), B=cs.B * p))
        assert s.converged
        got = np.array([2 * s.m / p, s.q, s.r / p, s.B / p, s.f / p])
        errs.append(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-6))
    assert np.max(errs[1]) < 5e-3
    assert np.all(errs[1] < 0.2 * errs[0] + 1e-9)   # error shrinks ~10x with p


def test_l_star_noise_free_limit():
    # at large theta~ the weak hidden units are silent (r~ -> 0) and f~(l) = -E[W+]^2/(2l) + |g~| P(W>0)
    # (visible unit on iff W >= 1): minimise this independently over l
    from scipy.optimize import minimize_scalar

    g = -0.2

    def f_nf(l):
        w, P = c.skellam(l)
        return -np.dot(P, np.maximum(w, 0)) ** 2 / (2 * l) - g * P[w > 0].sum()

    ref = minimize_scalar(f_nf, bounds=(0.01, 5), method="bounded", options={"xatol": 1e-8})
    res = c.l_star(0.1, 3.0, g, l_max=10.0, n_grid=21)
    assert res.compositional and res.converged
    assert res.l_star == pytest.approx(ref.x, abs=2e-3)
    assert res.f_star == pytest.approx(ref.fun, abs=1e-5)


def test_no_compositional_phase_at_small_threshold():
    res = c.l_star(0.1, 1.0, -0.1, l_max=10.0, n_grid=11)
    assert not res.compositional and res.l_star == 0.0 and res.f_star == res.f0
