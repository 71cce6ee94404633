"""Tests of theory.perceptron.franz_parisi.solver ([baldassi2018, SM Sec. III]; derivation in
docs/franz_parisi.md).

Cheap checks use the binary and spherical references (their node sets are small);
the stochastic reference (q* in {0.7, 0.8, 0.9}, beta = 20) is checked at a few
points, the full curves are ``slow``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from theory.core import log2cosh, normal_rule
from theory.perceptron import gardner_energetic
from theory.perceptron.franz_parisi import solver as fp

ALPHA = 0.55


@pytest.fixture(scope="module")
def bref():
    return fp.franz_parisi_reference("binary", ALPHA)


@pytest.fixture(scope="module")
def sref():
    return fp.franz_parisi_reference("spherical", ALPHA)


@pytest.fixture(scope="module")
def bmax(bref):
    return fp.franz_parisi_max(bref)


H_FD = 2e-4
D_CURVE = [0.002, 0.005, 0.05, 0.1, 0.15 - H_FD, 0.15, 0.15 + H_FD, 0.3]


@pytest.fixture(scope="module")
def bcurve(bref):
    """The binary-reference curve at the distances the tests need (one continuation)."""
    c = fp.franz_parisi_curve(bref, D_CURVE)
    return {p.params["d"]: p.result for p in c.points if p.converged}


# ---------------------------------------------------------------------------
# the references
# ---------------------------------------------------------------------------
def _fd(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_binary_rs_is_stationary_and_vanishes_near_capacity():
    """The reference state comes from theory.perceptron.references (one implementation).

    Gardner-Derrida: phi(q, qh) stationary (finite differences); phi -> 0 at alpha_c ~ 0.833
    (Krauth-Mezard/Gardner-Derrida zero-entropy point 0.8331; 1e-3 in phi ~ 1e-2 in alpha)."""
    r = fp.binary_rs(ALPHA)
    z, w = normal_rule(48, "legendre", panels=16)

    def phi(q, qh):
        return (-0.5 * qh * (1 - q) + float(w @ log2cosh(math.sqrt(qh) * z))
                + ALPHA * gardner_energetic(q, 48)[0])

    assert abs(_fd(lambda q: phi(q, r.qhat0), r.q0)) < 1e-7
    assert abs(_fd(lambda qh: phi(r.q0, qh), r.qhat0)) < 1e-7
    assert phi(r.q0, r.qhat0) == pytest.approx(r.phi, abs=1e-10)
    p1, p2 = fp.binary_rs(0.82).phi, fp.binary_rs(0.83).phi
    alpha_c = 0.83 + p2 * 0.01 / (p1 - p2)  # secant extrapolation to phi = 0
    assert 0 < p2 < p1
    assert alpha_c == pytest.approx(0.833, abs=2e-3)


def test_spherical_rs_is_stationary():
    r = fp.spherical_rs(ALPHA)

    def phi(q):
        return 0.5 * math.log(1 - q) + q / (2 * (1 - q)) + ALPHA * gardner_energetic(q, 48)[0]

    assert abs(_fd(phi, r.q0)) < 1e-7
    # the site measure reproduces the norm: <m^2> = q* = 1 and <m>^2 = q0
    from theory.perceptron.franz_parisi._grids import grids_cached

    g = grids_cached(r, 8)
    assert float(np.sum(g.ew * g.em ** 2)) == pytest.approx(1.0, abs=1e-9)
    wz = g.ew.sum(1)
    mean_m = (g.ew * g.em).sum(1) / wz
    assert float(wz @ mean_m ** 2) == pytest.approx(r.q0, abs=1e-9)


# ---------------------------------------------------------------------------
# Franz-Parisi saddle point
# ---------------------------------------------------------------------------
def test_maximum_equals_entropy_of_all_binary_solutions(bref, sref, bmax):
    """max_d S(d) = (1/N) log(# binary solutions) = Gardner-Derrida entropy, for any reference."""
    phi = fp.binary_rs(ALPHA).phi
    assert bmax.converged and bmax.S == pytest.approx(phi, abs=1e-7)
    # binary reference: the typical distance is (1 - q_GD)/2
    assert bmax.d == pytest.approx((1 - bref.q0) / 2, abs=1e-7)
    smax = fp.franz_parisi_max(sref)
    assert smax.converged and smax.S == pytest.approx(phi, abs=1e-7)


@pytest.mark.parametrize("d", [0.1, 0.3])
def test_stationarity_finite_differences(bref, bcurve, d):
    """Every first derivative of the functional [baldassi2018, SM Eq. 32] vanishes at the solution."""
    r = bcurve[d]
    x = {k: getattr(r, k) for k in ("Q0", "Qhat0", "s0", "shat0", "s1", "shat1", "phat")}
    S0 = fp.fp_functional(bref, r.p, x)
    assert S0 == pytest.approx(r.S, abs=1e-12)
    for k in x:
        h = 1e-5 * max(1.0, abs(x[k]))

        def f(v, k=k):
            y = dict(x)
            y[k] = v
            return fp.fp_functional(bref, r.p, y)

        g = _fd(f, x[k], h)
        assert abs(g) < 1e-6, (k, g)
    # and it is not trivially flat: the derivative in p is -phat
    assert _fd(lambda p: fp.fp_functional(bref, p, x), r.p) == pytest.approx(-r.phat, abs=1e-8)


def test_dS_dd_is_2_phat(bcurve):
    """Envelope theorem: dS/dp = -phat, i.e. dS/dd = 2 phat (a check on the whole curve, not one point)."""
    r0, rp, rm = bcurve[0.15], bcurve[0.15 + H_FD], bcurve[0.15 - H_FD]
    assert (rp.S - rm.S) / (2 * H_FD) == pytest.approx(2 * r0.phat, rel=1e-5)


def test_quadrature_order_convergence(bref, bcurve):
    r8 = bcurve[0.1]
    r12 = fp.solve_franz_parisi(bref, 0.1, init=r8, order=12)
    assert abs(r8.S - r12.S) < 2e-5
    assert r8.error < 1e-4


def test_alpha_to_zero_limit():
    """alpha -> 0: every configuration is a solution, S(d) -> -d log d - (1-d) log(1-d).
    At alpha = 0.01 the energetic correction is O(alpha): |S - H2(d)| < alpha."""
    ref = fp.franz_parisi_reference("binary", 0.01)
    c = fp.franz_parisi_curve(ref, [0.05, 0.2, 0.45])
    for pt in c.points:
        r, d = pt.result, pt.params["d"]
        assert pt.converged, pt.message
        h2 = float(fp.binary_entropy_d(d))
        assert r.S <= h2 + 1e-9
        assert abs(r.S - h2) < 0.01


def test_binary_reference_is_isolated(bref, bcurve):
    """Typical binary solutions are isolated (Huang-Kabashima; [baldassi2018, Fig. 2 right]):
    S < 0 in a gap of small d, S > 0 beyond it; S(0) = 0 exactly (the reference itself)."""
    near, far = bcurve[0.005], bcurve[0.05]
    assert near.S < 0 < far.S
    assert fp.solve_franz_parisi(bref, 0.0).S == 0.0


@pytest.mark.slow
def test_spherical_reference_has_gap_and_branch_end(sref):
    """Binarized spherical solutions: S(d) < 0 near d = 0 (the BC is not a solution), > 0 at the max.
    The RS branch ends at d_c = 0.0592 (Q0 -> 1, S -> -inf): below it S = -inf (docs/franz_parisi.md)."""
    c = fp.franz_parisi_curve(sref, [0.0, 0.03, 0.05, 0.075, 0.1])
    assert all(p.converged for p in c.points), [p.message for p in c.points]
    S = [p.result.S for p in c.points]
    assert S[0] == S[1] == S[2] == -math.inf
    assert S[3] < 0 < S[4]
    assert c.points[1].result.d_c == pytest.approx(0.05916, abs=1e-4)


def test_curve_is_increasing_up_to_the_maximum(bcurve, bmax):
    S = [bcurve[d].S for d in D_CURVE]
    assert all(a < b for a, b in zip(S, S[1:]))  # all d in D_CURVE are below d_max ~ 0.32
    assert S[-1] < bmax.S


def test_unresolved_quadrature_is_flagged(bref, bcurve, monkeypatch):
    """A point whose quadrature error estimate exceeds QUAD_TOL max(1, |S|) is not reported as converged."""
    r = fp.solve_franz_parisi(bref, 0.1, init=bcurve[0.1])
    assert r.converged and 0 < r.error
    monkeypatch.setattr(fp, "QUAD_TOL", 0.5 * r.error)
    r = fp.solve_franz_parisi(bref, 0.1, init=bcurve[0.1])
    assert not r.converged and "quadrature" in r.message


def test_small_d_order_convergence(bref, bcurve):
    """Near Q0 -> 1 (d = 0.002, 1 - Q0 = 0.005: session 1's Gauss-Hermite eta rule was off by
    1e-3 here and flagged d = 5e-4) the graded eta rule is resolved: orders 8 and 12 agree."""
    r8 = bcurve[0.002]
    assert r8.converged and r8.tau < 0.01
    r12 = fp.solve_franz_parisi(bref, 0.002, init=r8, order=12)
    assert r12.converged
    assert abs(r8.S - r12.S) < 1e-7 and r8.error < 1e-7
    assert r8.S < 0  # the binary reference is isolated (gap)


@pytest.fixture(scope="module")
def send(sref):
    """Two saddle points near the end of the spherical-reference branch and the end point."""
    c = fp.franz_parisi_curve(sref, [0.064, 0.066])
    r64, r66 = (p.result for p in c.points)
    return r64, r66, fp.branch_end(sref, r64)


def test_spherical_branch_end_is_converged_in_order(sref, send):
    """The Q0 -> 1 limit equations (theory.perceptron.franz_parisi.endpoint): d_c independent of the order."""
    from theory.perceptron.franz_parisi import franz_parisi_endpoint

    r64, r66, e = send
    assert e.converged and 0.05 < e.d_c < 0.064
    for order in (12, 16):
        assert franz_parisi_endpoint(sref, fp.scaled_state(r64), order=order).d_c == pytest.approx(e.d_c, abs=1e-9)


def test_spherical_branch_end_is_stationary_with_phi_zero(sref, send):
    """Phi = 0 and every first derivative of Phi vanishes at the end point (finite differences)."""
    from theory.perceptron.franz_parisi.endpoint import endpoint_functional

    e = send[2]
    x = {"K": e.K, "a0": e.a0, "a1": e.a1, "pt": e.pt, "s0": e.s0, "s1": e.s1, "p": 1 - 2 * e.d_c}
    assert abs(endpoint_functional(sref, x)) < 1e-10
    for k in ("K", "a0", "a1", "pt", "s0", "s1"):
        def f(v, k=k):
            y = dict(x)
            y[k] = v
            return endpoint_functional(sref, y)
        assert abs(_fd(f, x[k], 1e-6)) < 1e-6, k
    # not trivially flat: dPhi/dp = -pt
    assert _fd(lambda p: endpoint_functional(sref, {**x, "p": p}), x["p"], 1e-6) == pytest.approx(-e.pt, abs=1e-7)


def test_finite_tau_branch_runs_into_the_end_point(send):
    """1 - Q0 of the finite-tau saddle points extrapolates (linearly, from d = 0.066 and 0.064)
    to zero within 2e-3 of d_c (the curve bends towards it), and the scaled conjugates approach
    the end-point values (K = Qhat0 tau^2 moves towards K(d_c) as d decreases)."""
    r64, r66, e = send
    slope = (r66.tau - r64.tau) / (r66.d - r64.d)
    assert r64.d - r64.tau / slope == pytest.approx(e.d_c, abs=2e-3)
    K64, K66 = (fp.scaled_state(r)["K"] for r in (r64, r66))
    assert abs(K64 - e.K) < abs(K66 - e.K)
    assert r64.S < r66.S < 0
    # franz_parisi_curve records d_c and the log(1 - Q0) coefficient c of the end point on the branch points
    assert r66.d_c == pytest.approx(e.d_c, abs=1e-10)
    assert r66.log_coefficient == pytest.approx(e.log_coefficient, rel=1e-8) and e.log_coefficient > 0.07


def test_stochastic_reference_max_and_point():
    """Stochastic reference (alpha=0.55, beta=20, q*=0.9): the maximum is again the
    Gardner-Derrida entropy and S(0.05) > 0 (dense region, no gap: [baldassi2018, Fig. 2 right])."""
    ref = fp.franz_parisi_reference("stochastic", ALPHA, 20.0, 0.9)
    mx = fp.franz_parisi_max(ref)
    assert mx.converged and mx.S == pytest.approx(fp.binary_rs(ALPHA).phi, abs=1e-6)
    r = fp.solve_franz_parisi(ref, 0.05, init=mx, method="hybr")
    assert r.converged and r.S > 0 and r.error < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("qstar,gap", [(0.9, False), (0.7, True)])
def test_stochastic_gap_claims(qstar, gap):
    """[baldassi2018, SM Sec. III]: the q*=0.9 curve reaches the origin with S >= 0; q*=0.7 has a gap."""
    ref = fp.franz_parisi_reference("stochastic", ALPHA, 20.0, qstar)
    d = np.array([0.002, 0.005, 0.01, 0.02, 0.05])
    c = fp.franz_parisi_curve(ref, d)
    S = np.array([p.result.S if p.converged else np.nan for p in c.points])
    assert not np.any(np.isnan(S)), [p.message for p in c.points]
    assert (S[0] < 0) == gap
    if gap:
        # q* = 0.7: the branch ends (Q0 -> 1, S -> -inf) at d_c = 0.00445, between 0.002 and 0.005
        assert S[0] == -math.inf and np.isfinite(S[1]) and S[1] < 0 < S[2]
        assert 0.002 < c.points[0].result.d_c < 0.005
    else:
        assert np.all(np.isfinite(S)) and np.all(S > 0)


# ---------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------
def test_bad_input_rejected(bref):
    with pytest.raises(ValueError, match="d must be"):
        fp.solve_franz_parisi(bref, 1.2)
    with pytest.raises(ValueError, match="d must be"):
        fp.solve_franz_parisi(bref, -0.1)
    with pytest.raises(ValueError, match="reference must be"):
        fp.franz_parisi_reference("ternary", ALPHA)
    with pytest.raises(ValueError, match="alpha"):
        fp.binary_rs(0.9)
    with pytest.raises(ValueError, match="qstar"):
        fp.franz_parisi_entropy(ALPHA, 20.0, 1.5, 0.1)
    with pytest.raises(ValueError, match="method"):
        fp.solve_franz_parisi(bref, 0.1, method="magic")
    with pytest.raises(ValueError, match="ref must be"):
        fp.solve_franz_parisi("binary", 0.1)
