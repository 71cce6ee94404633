"""Hopfield RS theory: AGS capacity, stationarity of the free energy, limits, quadrature convergence."""
import math

import mpmath as mp
import numpy as np
import pytest

from theory.rbm import hopfield as h


def test_alpha_c_T0_published():
    # Amit, Gutfreund, Sompolinsky PRL 55, 1530 (1985): alpha_c ~ 0.138, m_c ~ 0.967
    cap = h.hopfield_capacity(0.0)
    assert abs(cap.alpha_c - 0.138) < 1e-3
    assert abs(cap.m_c - 0.967) < 2e-3


def test_alpha_c_is_the_edge_of_existence():
    ac = h.hopfield_capacity().alpha_c
    assert h.solve_hopfield_T0(ac * (1 - 1e-6)).converged
    below = h.solve_hopfield_T0(ac * 0.999)
    assert below.converged and below.m > 0.95
    assert not h.solve_hopfield_T0(ac * 1.001).converged


def test_T0_equations_against_mpmath():
    s = h.solve_hopfield_T0(0.1)
    a, m, r, C = mp.mpf(0.1), mp.mpf(s.m), mp.mpf(s.r), mp.mpf(s.C)
    assert abs(m - mp.erf(m / mp.sqrt(2 * a * r))) < 1e-12
    assert abs(C - mp.sqrt(2 / (mp.pi * a * r)) * mp.exp(-m**2 / (2 * a * r))) < 1e-12
    assert abs(r - (1 - C) ** -2) < 1e-11


def _grad(f, x, h_=1e-5):
    """Central differences of ``f(*x)`` in each argument (step ``h_``)."""
    steps = h_ * np.eye(len(x))
    return np.array([(f(*(np.asarray(x) + e)) - f(*(np.asarray(x) - e))) / (2 * h_) for e in steps])


@pytest.mark.parametrize("alpha,T", [(0.05, 0.3), (0.1, 0.1), (0.02, 0.6)])
def test_free_energy_stationary_at_solution(alpha, T):
    s = h.solve_hopfield(alpha, T)
    assert s.converged and s.m > 0.3
    g = _grad(lambda m, q, r: h.hopfield_free_energy(alpha, T, m, q, r, order=96), [s.m, s.q, s.r])
    assert np.max(np.abs(g)) < 1e-6
    # and it is not stationary away from it (the test can fail)
    g2 = _grad(lambda m, q, r: h.hopfield_free_energy(alpha, T, m, q, r, order=96), [s.m * 0.9, s.q, s.r])
    assert np.max(np.abs(g2)) > 1e-3


def test_T0_free_energy_stationary_and_limit_of_finite_T():
    alpha = 0.1
    s = h.solve_hopfield_T0(alpha)
    g = _grad(lambda m, r, C: h.hopfield_free_energy_T0(alpha, m, r, C), [s.m, s.r, s.C])
    assert np.max(np.abs(g)) < 1e-7
    # f(T) -> f(0) linearly (f = e - T s): extrapolate from T = 0.02, 0.01
    f1, f2 = h.solve_hopfield(alpha, 0.02).f, h.solve_hopfield(alpha, 0.01).f
    assert abs((2 * f2 - f1) - s.f) < 2e-5


def test_quadrature_order_convergence():
    a = h.solve_hopfield(0.08, 0.2, order=24)
    b = h.solve_hopfield(0.08, 0.2, order=96)
    assert abs(a.m - b.m) < 1e-9 and abs(a.r - b.r) < 1e-8


def test_alpha_to_zero_curie_weiss():
    # alpha -> 0: m = tanh(beta m) ([manzan2021, slide 13]); at T = 0.5 m = 0.957504
    s = h.solve_hopfield(1e-8, 0.5)
    m = float(mp.findroot(lambda x: x - mp.tanh(2 * x), 0.9))
    assert abs(s.m - m) < 1e-4


def test_retrieval_line_small_alpha_AGS():
    # AGS 1985: T_M(alpha) ~ 1 - 1.95 sqrt(alpha) for small alpha; O(alpha) corrections ~1e-3 at 1e-3
    tm = h.hopfield_retrieval_temperature(0.001, tol=1e-4).T
    assert abs(tm - (1 - 1.95 * math.sqrt(0.001))) < 3e-3


def test_retrieval_line_endpoint_and_monotone():
    ac = h.hopfield_capacity().alpha_c
    t1 = h.hopfield_retrieval_temperature(0.12, tol=2e-3).T
    t2 = h.hopfield_retrieval_temperature(0.135, tol=2e-3).T
    assert 0 < t2 < t1 < 0.5
    assert not h.hopfield_retrieval_temperature(ac * 1.01).converged


def test_glass_temperature_is_paramagnet_instability():
    # linearise q -> <tanh^2(beta sqrt(alpha r) z)> ~ beta^2 alpha r, r = q/(1-beta)^2 at q -> 0:
    # q' = alpha beta^2 q / (1-beta)^2 -> unstable at beta (1 + sqrt(alpha)) = 1
    alpha = 0.04
    Tg = h.hopfield_glass_temperature(alpha)
    for T, grows in ((Tg * 0.98, True), (Tg * 1.02, False)):
        beta = 1 / T
        q = 1e-8
        qn = alpha * beta**2 * q / (1 - beta) ** 2
        assert (qn > q) == grows


@pytest.mark.parametrize("kw", [dict(alpha=-0.1, T=0.1), dict(alpha=0.1, T=-1.0), dict(alpha=float("inf"), T=0.1)])
def test_bad_input(kw):
    with pytest.raises(ValueError, match="alpha|T"):
        h.solve_hopfield(**kw)


def test_cli_capacity_and_retrieval(capsys):
    import json

    from theory.__main__ import GROUPS
    from theory.core.cli import main_with_groups

    def run(*a):
        code = main_with_groups("python -m theory", "", GROUPS, ["hopfield", *a, "--json"])
        return code, capsys.readouterr().out

    code, out = run("capacity")
    assert code == 0 and abs(json.loads(out)["alpha_c"] - 0.138) < 1e-3
    code, out = run("retrieval", "--alpha", "0.2")          # above alpha_c: no retrieval -> exit 1
    assert code == 1 and json.loads(out)["converged"] is False
    code, out = run("capacity", "--theta", "0.5")           # a threshold raises the capacity
    assert code == 0 and json.loads(out)["alpha_c"] > 0.3
    code, _ = run("retrieval", "--alpha", "-0.1")
    assert code == 2


def test_retrieval_global_minimum_load_AGS():
    # AGS PRA 32, 1007 (1985): retrieval states are global minima for alpha < 0.051 (quoted to 2 digits);
    # crossing of the T = 0 energies (H8) of the retrieval and spin-glass branches
    a = h.hopfield_alpha_global()
    assert abs(a - 0.051) < 2e-3
    assert h.solve_hopfield_T0(a * 0.9).f < h.solve_hopfield_T0(a * 0.9, retrieval=False).f
