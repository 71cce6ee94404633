"""1RSB saddle point of the stochastic perceptron (theory/perceptron/rsb.py, docs/stochastic_perceptron_1rsb.md).

Independent checks: the RS limit q1 = q0 (against solve_rs), the x = 1 identity (Gaussian semigroup,
against the RS terms at q0), stationarity by finite differences in every variable, convergence in the
quadrature order, mpmath nested integrals where the inner functions have closed forms, and the bifurcation
of the broken branch at the RS stability line beta_c (against theory.perceptron.beta_c).
"""
from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest

from theory.__main__ import GROUPS
from theory.core import legendre_nodes
from theory.core.cli import main_with_groups
from theory.perceptron import (
    beta_c,
    energetic_terms,
    entropic_terms,
    kauzmann_beta,
    rsb_energetic_terms,
    rsb_entropic_terms,
    rsb_free_entropy,
    solve_rs,
    solve_rsb,
)
from theory.perceptron._rs_numerics import energetic_kernel
from theory.perceptron._rsb_numerics import CHEB_N, cheb_eval, cheb_table_nodes

ALPHA, QSTAR = 0.55, 0.8


@pytest.fixture(scope="module")
def broken():
    """A broken solution at (0.55, 40, 0.8), x = 0.5 (beyond beta_c ~ 27), tight tolerance."""
    r = solve_rsb(ALPHA, 40.0, QSTAR, 0.5, tol=1e-12)
    assert r.converged and r.gap > 0.01
    return r


def test_two_order_fixed_x_solve_matches_the_reduced_map_newton():
    """The fast fixed-x solve (Newton on (q0, q1 - q0, qhatd - qhat1) at order 6, Broyden at order 12) and the
    reference path (Newton on the reduced map with the norm constraint solved inside every evaluation) find the
    same saddle point from the same cold start, to the solver tolerance; the terms it returns are those at the
    returned order parameters (so the record is not re-evaluated) and satisfy the norm constraint."""
    from theory.perceptron.rsb import _solve_fixed_x_fast, _solve_fixed_x_reduced, _start_from_rs

    rs = solve_rs(ALPHA, 40.0, QSTAR, tol=1e-10, error=False)
    x0 = _start_from_rs(rs, QSTAR)
    fast = _solve_fixed_x_fast(ALPHA, 40.0, QSTAR, 0.5, x0, 1e-10, 12, 200)
    assert fast is not None
    vals, E, S, res = fast
    assert res.converged and res.method.startswith("newton-fd (order 6)")
    ref, rres = _solve_fixed_x_reduced(ALPHA, 40.0, QSTAR, 0.5, x0, 1e-10, 12, 200)
    assert rres.converged and ref["q1"] - ref["q0"] > 0.01
    for k in ("q0", "q1"):
        assert vals[k] == pytest.approx(ref[k], abs=1e-9), k
    for k in ("qhat0", "qhat1", "qhatd"):
        assert vals[k] == pytest.approx(ref[k], rel=1e-9), k
    E2 = rsb_energetic_terms(vals["q0"], vals["q1"], QSTAR, 40.0, 0.5)
    S2 = rsb_entropic_terms(vals["qhat0"], vals["qhat1"], vals["qhatd"], 0.5)
    assert E2.G_E == E.G_E and S2.G_S == S.G_S
    assert abs(S2.m2 - QSTAR) < 1e-10 and abs(S2.q0 - vals["q0"]) < 1e-10 and abs(S2.q1 - vals["q1"]) < 1e-10
    # the public solve goes through it: the same point
    r = solve_rsb(ALPHA, 40.0, QSTAR, 0.5, tol=1e-10, error=False)
    phi_ref = rsb_free_entropy(*(ref[k] for k in ("q0", "q1", "qhat0", "qhat1", "qhatd")), alpha=ALPHA, beta=40.0,
                               qstar=QSTAR, x=0.5)
    assert r.q1 == pytest.approx(ref["q1"], abs=1e-9) and r.phi == pytest.approx(phi_ref, abs=1e-11)


@pytest.mark.parametrize("alpha,beta,qstar", [(0.55, 5.0, 0.5), (0.55, 20.0, 0.8), (0.6, 50.0, 0.9),
                                              (0.4, 100.0, 0.7)])
def test_q1_equal_q0_is_rs(alpha, beta, qstar):
    rs = solve_rs(alpha, beta, qstar, tol=1e-12)
    for x in (0.3, 0.8):
        phi = rsb_free_entropy(rs.q0, rs.q0, rs.qhat0, rs.qhat0, rs.qhat1, alpha=alpha, beta=beta, qstar=qstar,
                               x=x)
        assert phi == pytest.approx(rs.phi, abs=1e-10)
        # the 1RSB updates reproduce the RS ones on the RS subspace
        S = rsb_entropic_terms(rs.qhat0, rs.qhat0, rs.qhat1, x)
        E = rsb_energetic_terms(rs.q0, rs.q0, qstar, beta, x)
        assert S.q0 == pytest.approx(rs.q0, abs=1e-9) and S.q1 == pytest.approx(rs.q0, abs=1e-9)
        assert S.m2 == pytest.approx(qstar, abs=1e-9)
        assert alpha * E.I0 == pytest.approx(rs.qhat0, rel=1e-8) and E.I1 == pytest.approx(E.I0, rel=1e-12)


def test_x_one_is_the_rs_functional_at_q0():
    """x = 1: int Dz1 Z(h0 + sqrt(q1-q0) z1)^1 is the RS Z at q0 (Gaussian semigroup), whatever q1."""
    E = rsb_energetic_terms(0.5, 0.7, 0.8, 30.0, 1.0)
    assert E.G_E == pytest.approx(energetic_terms(0.5, 0.8, 30.0).G_E, abs=1e-10)
    assert E.loglik == pytest.approx(energetic_terms(0.5, 0.8, 30.0).loglik, abs=1e-10)
    S = rsb_entropic_terms(4.0, 9.0, 6.0, 1.0)   # RS a' = (qhatd - qhat0)/2
    assert S.G_S == pytest.approx(entropic_terms(4.0, 6.0).G_S, abs=1e-10)
    assert S.m2 == pytest.approx(entropic_terms(4.0, 6.0).m2, abs=1e-10)


def test_rsb_at_x_one_matches_rs_phi_on_broken_branch():
    rs = solve_rs(ALPHA, 40.0, QSTAR, tol=1e-12)
    r = solve_rsb(ALPHA, 40.0, QSTAR, 1.0, tol=1e-11)
    assert r.converged and r.gap > 0.01          # broken, yet
    assert r.phi == pytest.approx(rs.phi, abs=1e-9)
    assert r.q0 == pytest.approx(rs.q0, abs=1e-7) and r.qhatd == pytest.approx(rs.qhat1, rel=1e-6)
    assert r.complexity == pytest.approx(-r.dphi_dx, abs=1e-15)


def test_stationarity_by_finite_differences(broken):
    r = broken
    v = dict(r.values)

    def phi(**kw):
        w = {**v, **kw}
        return rsb_free_entropy(w["q0"], w["q1"], w["qhat0"], w["qhat1"], w["qhatd"], alpha=ALPHA,
                                beta=kw.get("beta", 40.0), qstar=QSTAR, x=kw.get("x", 0.5))

    p0 = phi()
    assert p0 == pytest.approx(r.phi, abs=1e-12)
    for name, h in (("q0", 1e-5), ("q1", 1e-5), ("qhat0", 1e-3), ("qhat1", 1e-3), ("qhatd", 1e-3)):
        d = (phi(**{name: v[name] + h}) - phi(**{name: v[name] - h})) / (2 * h)
        # a non-stationary direction would have a derivative of order q or qhat ~ 1e-1-1e2 (the conjugate)
        scale = {"q0": v["qhat0"], "q1": v["qhat1"], "qhat0": 1.0, "qhat1": 1.0, "qhatd": 1.0}[name]
        assert abs(d) < 1e-6 * scale, (name, d)
    # the x and beta derivatives of the record, by finite differences at fixed order parameters
    h = 1e-4
    dx = (phi(x=0.5 + h) - phi(x=0.5 - h)) / (2 * h)
    assert r.dphi_dx == pytest.approx(dx, abs=1e-7)
    hb = 1e-3
    db = (phi(beta=40.0 + hb) - phi(beta=40.0 - hb)) / (2 * hb)
    assert r.dphi_dbeta == pytest.approx(db, rel=1e-7)


def test_convergence_in_quadrature_order(broken):
    v = broken.values
    vals = [rsb_free_entropy(v["q0"], v["q1"], v["qhat0"], v["qhat1"], v["qhatd"], alpha=ALPHA, beta=40.0,
                             qstar=QSTAR, x=0.5, order=o) for o in (8, 12, 20)]
    assert abs(vals[1] - vals[2]) < 1e-10
    assert abs(vals[0] - vals[2]) < 1e-7
    assert broken.error < 1e-5 and abs(vals[1] - vals[2]) <= broken.error


def test_chebyshev_table_reproduces_the_kernel():
    """The tabulated F = log Z_E, F' against direct kernel calls at off-node points (beta = 100, q* = 0.9)."""
    glx, glw = legendre_nodes(12)
    s, sD, beta = math.sqrt(0.1), math.sqrt(0.01), 100.0
    edges = np.linspace(-9.0, 9.0, 73)
    y, t, bw = cheb_table_nodes(edges)
    out = energetic_kernel(y, 1.0, sD, s, beta, glx, glw)
    V = np.ascontiguousarray(out[[0, 1, 2, 4]].reshape(4, edges.size - 1, CHEB_N))
    pts = np.random.default_rng(1).uniform(-8.9, 8.9, 200)
    ref = energetic_kernel(pts, 1.0, sD, s, beta, glx, glw)
    got = np.empty((pts.size, 4))
    buf = np.empty(4)
    for i, p in enumerate(pts):
        cheb_eval(edges, t, bw, V, np.zeros(4, dtype=np.int64), p, buf)
        got[i] = buf
    for k, row in ((0, 0), (1, 1)):
        assert np.max(np.abs(got[:, k] - ref[row]) / (1 + np.abs(ref[row]))) < 1e-11


def _Zs(b):
    return 2 * mpmath.sinh(b) / b if b != 0 else mpmath.mpf(2)


def test_inner_level_against_mpmath():
    """q0 = qhat0 = 0 leaves only the inner level: (1/x) log int Dz1 Z^x, with closed-form Z at beta = 1
    (Z_E(h) = H(-h / sqrt(q* - q1 + 1 - q*))) and a = 0 (Z_S(b) = 2 sinh(b) / b)."""
    mpmath.mp.dps = 20
    q1, qstar, x = 0.5, 0.7, 0.4
    sd = mpmath.sqrt(1 - q1)
    ref = mpmath.log(mpmath.quad(lambda z: mpmath.npdf(z) * mpmath.ncdf(math.sqrt(q1) * z / sd) ** x,
                                 [-14, 0, 14])) / x
    assert rsb_energetic_terms(0.0, q1, qstar, 1.0, x).G_E == pytest.approx(float(ref), abs=1e-12)
    qh1 = 5.0
    ref = mpmath.log(mpmath.quad(lambda z: mpmath.npdf(z) * _Zs(math.sqrt(qh1) * z) ** x, [-16, 0, 16])) / x
    assert rsb_entropic_terms(0.0, qh1, qh1, x).G_S == pytest.approx(float(ref), abs=1e-12)


@pytest.mark.slow
def test_nested_integrals_against_mpmath():
    """Both Gaussian levels of the energetic term: at beta = 1 the innermost integral is closed-form (minutes of
    mpmath; the entropic double integral is checked against nested scipy quad in benchmarks/bench_perceptron_rsb.py,
    and its inner level in test_inner_level_against_mpmath)."""
    mpmath.mp.dps = 15
    q0, q1, qstar, x = 0.3, 0.5, 0.7, 0.4
    E = rsb_energetic_terms(q0, q1, qstar, 1.0, x)
    sd = mpmath.sqrt(qstar - q1 + 1 - qstar)
    Dz = mpmath.npdf

    def inner_E(z0):
        return mpmath.quad(lambda z1: Dz(z1) * (mpmath.ncdf((math.sqrt(q0) * z0 + math.sqrt(q1 - q0) * z1) / sd))
                           ** x, [-12, 0, 12])

    GE = mpmath.quad(lambda z0: Dz(z0) * mpmath.log(inner_E(z0)), [-12, 0, 12]) / x
    assert E.G_E == pytest.approx(float(GE), abs=1e-11)


@pytest.mark.slow
def test_branch_bifurcates_from_rs_at_beta_c():
    """At fixed x = 0.5 the gap q1 - q0 of the broken branch vanishes linearly at beta_c (alpha gamma_E gamma_S
    = 1): the zero of the gap extrapolated from two points just above agrees with beta_c (27.00)."""
    bc = beta_c(ALPHA, QSTAR, beta_start=25.0, ratio=1.05)
    assert bc.converged
    r = solve_rsb(ALPHA, 30.0, QSTAR, 0.5, tol=1e-11, error=False)
    for b in (28.0, 27.3):
        r = solve_rsb(ALPHA, b, QSTAR, 0.5, init=r, tol=1e-11, error=False)
    ra = solve_rsb(ALPHA, 27.15, QSTAR, 0.5, init=r, tol=1e-11, error=False)
    assert r.converged and ra.converged and r.gap > ra.gap > 0
    root = ra.beta - ra.gap * (r.beta - ra.beta) / (r.gap - ra.gap)
    assert root == pytest.approx(bc.beta_c, abs=0.02)
    # the complexity at x = 0.5 vanishes with the gap (as gap^3 or faster)
    assert 0 < ra.complexity < r.complexity < 1e-7


def test_below_beta_c_a_broken_start_flows_back_to_rs():
    rs = solve_rs(ALPHA, 20.0, QSTAR, tol=1e-12)
    r = solve_rsb(ALPHA, 20.0, QSTAR, 0.5, tol=1e-10)   # default start: q1 half-way from q0 to q*
    assert r.converged
    assert r.gap < 1e-7 and r.q0 == pytest.approx(rs.q0, abs=1e-7)
    assert r.phi == pytest.approx(rs.phi, abs=1e-9)


def test_cli_rsb_json_and_bad_input(capsys):
    argv = ["perceptron", "rsb", "--alpha", "0.55", "--beta", "40", "--qstar", "0.8", "--x", "1", "--tol", "1e-9",
            "--order", "8", "--json"]
    code = main_with_groups("python -m theory", "", GROUPS, argv=argv)
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and d["converged"] is True
    assert {"q0", "q1", "qhat0", "qhat1", "qhatd", "phi", "complexity", "dphi_dbeta", "error"} <= set(d)
    assert d["complexity"] == pytest.approx(-d["dphi_dx"], abs=1e-15) and d["q1"] > d["q0"]
    code = main_with_groups("python -m theory", "", GROUPS, argv=["perceptron", "rsb", "--alpha", "0.55", "--beta",
                                                                  "40", "--qstar", "0.8", "--x", "1.5"])
    err = capsys.readouterr().err
    assert code == 2 and "x" in err


@pytest.mark.slow
def test_discontinuous_branch_below_beta_c_at_qstar_0_9():
    """q* = 0.9: RS is locally stable at beta = 25 < beta_c = 26.27, yet a broken x = 1 solution exists there with
    a finite gap, the RS free entropy (x = 1 identity) and a negative complexity: beyond the static transition."""
    from theory.perceptron import rs_stability

    r = solve_rsb(ALPHA, 40.0, 0.9, 1.0, tol=1e-10, error=False)
    for b in (35.0, 30.0, 27.0, 25.0):
        r = solve_rsb(ALPHA, b, 0.9, 1.0, init=r, tol=1e-10, error=False)
    st = rs_stability(ALPHA, 25.0, 0.9)
    assert st.stable and r.converged and r.gap > 0.1
    assert r.phi == pytest.approx(solve_rs(ALPHA, 25.0, 0.9).phi, abs=1e-9)
    assert r.complexity < -0.01


@pytest.mark.slow
def test_equilibrium_x_minimises_phi_where_the_complexity_vanishes():
    r1 = solve_rsb(ALPHA, 40.0, QSTAR, 1.0, order=8, tol=1e-9, error=False)
    assert r1.complexity < 0   # beyond beta_K: x* < 1
    r = solve_rsb(ALPHA, 40.0, QSTAR, None, init=r1, order=8, tol=1e-9, error=False)
    assert r.converged and r.x_equilibrium and 0.3 < r.x < 0.95
    assert abs(r.complexity) < 1e-9
    for dx in (-0.1, 0.1):
        other = solve_rsb(ALPHA, 40.0, QSTAR, r.x + dx, init=r, order=8, tol=1e-9, error=False)
        assert other.converged and other.phi > r.phi
        # Sigma(x) decreases through 0 at x*
        assert (other.complexity > 0) == (dx < 0)


def test_bc_energy_at_x_one_is_the_rs_energy():
    """x = 1: a single-replica observable of the 1RSB measure is the RS one, so E, p, p_tilde0 of the
    binarized configuration on a broken x = 1 solution equal bc_energy (an independent code path)."""
    from theory.perceptron import bc_energy, bc_energy_rsb

    r = solve_rsb(ALPHA, 40.0, QSTAR, 1.0, tol=1e-11, error=False)
    assert r.gap > 0.01
    e = bc_energy_rsb(r)
    ref = bc_energy(ALPHA, 40.0, QSTAR)
    assert e.converged and e.error < 1e-8
    assert e.E == pytest.approx(ref.E, rel=1e-7)
    assert e.p == pytest.approx(ref.p, abs=1e-9) and e.p_tilde0 == pytest.approx(ref.p_tilde, abs=1e-8)
    assert e.p_tilde0 < e.p_tilde1 < e.p   # the same-block overlap lies in between


@pytest.mark.parametrize("beta,qstar,x", [(40.0, 0.8, 0.5), (20.0, 0.7, 0.5)])
def test_rsb_errors_bound_every_field_against_a_higher_order(beta, qstar, x):
    """Every reported field carries an estimate that bounds its difference to an order-24 solve (issue 21)."""
    r = solve_rsb(0.55, beta, qstar, x, order=12)
    ref = solve_rsb(0.55, beta, qstar, x, order=24, error=False, init=r)
    assert r.converged and ref.converged
    fields = ("q0", "q1", "qhat0", "qhat1", "qhatd", "gap", "phi", "phi_S", "phi_E", "dphi_dx", "complexity",
              "dphi_dbeta", "loglik")
    assert set(fields) <= set(r.errors)
    for f in fields:
        assert abs(getattr(r, f) - getattr(ref, f)) <= r.errors[f], f
    assert r.error == r.errors["phi"]



@pytest.mark.slow
def test_kauzmann_near_the_tricritical_point_resolves_the_end_of_the_branch():
    """q* = 0.82: the x = 1 branch extends ~3 % below beta_c = 24.43 and Sigma(1) changes sign just above its end
    (independently: Sigma(1) < 0 at 0.99 beta_c and > 0 at 0.98 beta_c on the branch followed down in 1 % steps);
    the 0.9 grid of kauzmann_beta steps over that window, the bisection of the branch end finds it. q* = 0.8: the
    branch joins RS at beta_c with Sigma(1) < 0 (continuous)."""
    bc = beta_c(ALPHA, 0.82, beta_start=15.0, order=8).beta_c
    r = solve_rsb(ALPHA, 1.2 * bc, 0.82, 1.0, tol=1e-10, order=8, error=False)
    sig = {}
    for f in (1.1, 1.05, 1.02, 1.01, 1.0, 0.99, 0.98):
        r = solve_rsb(ALPHA, f * bc, 0.82, 1.0, init=r, tol=1e-10, order=8, error=False)
        assert r.converged and r.gap > 0.01, (f, r.gap)
        sig[f] = r.complexity
    assert sig[0.99] < 0 < sig[0.98]
    k = kauzmann_beta(ALPHA, 0.82, beta_hi=30.0, beta_lo=10.0, order=8, tol=1e-8, xtol=1e-5)
    assert k.converged and 0.98 * bc < k.beta_K < 0.99 * bc and k.gap > 0.01
    k8 = kauzmann_beta(ALPHA, 0.8, beta_hi=32.0, beta_lo=10.0, order=8, tol=1e-8, xtol=1e-5)
    assert not k8.converged and "continuous" in k8.message
