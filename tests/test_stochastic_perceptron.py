"""Tests of the RS theory of the stochastic binary perceptron [baldassi2018, SM Sec. I].

Every check can fail: finite-difference stationarity, convergence in the
quadrature order, mpmath evaluations of G_S and G_E, the beta -> 0 and
q* -> 0 limits derived in docs/stochastic_perceptron_rs.md, and input checks.
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from theory.perceptron import (
    beta_c,
    energetic_terms,
    entropic_terms,
    rs_curve,
    rs_free_entropy,
    rs_stability,
    solve_rs,
)
from theory.perceptron import energetic_term as G_E
from theory.perceptron import entropic_term as G_S

POINTS = [(0.55, 20.0, 0.7), (0.6, 50.0, 0.95)]


@pytest.fixture(scope="module")
def solutions():
    return {p: solve_rs(*p, tol=1e-11) for p in POINTS}


# ---------------------------------------------------------------------------
# stationarity: the returned point is a saddle point of [baldassi2018, SM Eq. 12]
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("p", POINTS)
def test_stationarity_finite_differences(solutions, p):
    r = solutions[p]
    assert r.converged and r.residual < 1e-11
    alpha, beta, qstar = p
    x = {"q0": r.q0, "qhat0": r.qhat0, "qhat1": r.qhat1}

    def phi(**kw):
        y = {**x, **kw}
        return rs_free_entropy(y["q0"], y["qhat0"], y["qhat1"], alpha=alpha, beta=beta, qstar=qstar)

    assert phi() == pytest.approx(r.phi, abs=1e-13)
    # Richardson-extrapolated central differences, steps 1e-4 and 5e-5 (relative for
    # the conjugates): truncation O(h^4) < 1e-10 here (the third derivative in q0 is
    # ~1e3, so plain central differences would leave 1e-5), rounding ~ 1e-16 |phi| / h.
    # At the saddle the derivatives are bounded by residual * max(1, |x|) ~ 1e-9.
    for name in x:
        def D(h, name=name):
            return (phi(**{name: x[name] + h}) - phi(**{name: x[name] - h})) / (2 * h)
        h = 1e-4 * max(1.0, abs(x[name]))
        d = (4 * D(h / 2) - D(h)) / 3
        assert abs(d) < 1e-8, (name, d)
    # and the functional is *not* flat in a generic direction (the test can fail)
    h = 1e-2
    assert abs(phi(q0=x["q0"] + h) - phi(q0=x["q0"] - h)) > 1e-6


def test_saddle_equations_hold(solutions):
    """[baldassi2018, SM Eq. 15] term by term: q0 = int <m>^2, qhat0 = -2 alpha dG_E/dq0, q* = int <m^2>."""
    for (alpha, beta, qstar), r in solutions.items():
        S = entropic_terms(r.qhat0, r.qhat1, 16)
        E = energetic_terms(r.q0, qstar, beta, 16)
        assert S.q0 == pytest.approx(r.q0, abs=1e-9)
        assert S.m2 == pytest.approx(qstar, abs=1e-9)
        assert -2 * alpha * E.dG_E_dq0 == pytest.approx(r.qhat0, rel=1e-9)


def test_dphi_dbeta_is_alpha_loglik():
    """d phi / d beta = alpha <log H> (envelope theorem): checks ``loglik`` independently."""
    alpha, beta, qstar = 0.55, 10.0, 0.8
    r = solve_rs(alpha, beta, qstar)
    h = 1e-3
    rp = solve_rs(alpha, beta + h, qstar, init=r)
    rm = solve_rs(alpha, beta - h, qstar, init=r)
    d = (rp.phi - rm.phi) / (2 * h)
    assert d == pytest.approx(alpha * r.loglik, rel=1e-6)
    assert r.entropy == pytest.approx(r.phi - alpha * beta * r.loglik)
    assert r.phi == pytest.approx(r.phi_S + r.phi_E)


# ---------------------------------------------------------------------------
# quadrature-order convergence
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("alpha,beta,qstar", [(0.55, 20.0, 0.7), (0.6, 50.0, 0.99), (0.55, 100.0, 0.9)])
def test_order_convergence(alpha, beta, qstar):
    r = solve_rs(alpha, beta, qstar, order=12, error=False)
    ref_S = entropic_terms(r.qhat0, r.qhat1, 32)
    ref_E = energetic_terms(r.q0, qstar, beta, 32)
    errs = []
    for o in (6, 12):
        S = entropic_terms(r.qhat0, r.qhat1, o)
        E = energetic_terms(r.q0, qstar, beta, o)
        errs.append(max(abs(S.G_S - ref_S.G_S), abs(E.G_E - ref_E.G_E),
                        abs(E.gamma_E / ref_E.gamma_E - 1), abs(S.gamma_S / ref_S.gamma_S - 1)))
    assert errs[1] < 1e-9
    assert errs[1] < errs[0]
    # the two forms of d^2 log Z_E (Stein covariance vs <g''> + Var g') agree
    assert ref_E.gamma_E_alt == pytest.approx(ref_E.gamma_E, rel=1e-9)


def test_error_estimate_bounds_true_error():
    r = solve_rs(0.55, 20.0, 0.9)
    ref = solve_rs(0.55, 20.0, 0.9, order=24, init=r, error=False)
    assert abs(r.phi - ref.phi) <= max(r.error, 1e-13)
    assert r.error < 1e-6


# ---------------------------------------------------------------------------
# mpmath spot checks of G_S and G_E
# ---------------------------------------------------------------------------
def _mp_G_S(qhat0, qhat1):
    """G_S with the inner integral in closed form (erf / erfi), outer mpmath quadrature."""
    mp.mp.dps = 30
    a = mp.mpf(qhat1 - qhat0) / 2
    sq = mp.sqrt(qhat0)

    def logZ(z):
        b = sq * z
        c = mp.sqrt(abs(a))
        m0 = -b / (2 * a)
        pre = -b * b / (4 * a) + mp.log(mp.sqrt(mp.pi) / (2 * c))
        if a < 0:
            return pre + mp.log(mp.erf(c * (1 - m0)) - mp.erf(c * (-1 - m0)))
        return pre + mp.log(mp.erfi(c * (1 - m0)) - mp.erfi(c * (-1 - m0)))

    dz = lambda z: mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)
    # even in z; breakpoints at the scales 1/sqrt(qhat0) and 2|a|/sqrt(qhat0)
    pts = sorted({0, 1 / sq, 2 * abs(a) / sq, 3, 6, 12})
    return 2 * mp.quad(lambda z: dz(z) * logZ(z), [p for p in pts if p <= 12])


def _mp_logH(x):
    return mp.log(mp.erfc(x / mp.sqrt(2)) / 2)


def _mp_logZE(h, q0, qstar, beta):
    sD = mp.sqrt(qstar - q0)
    s = mp.sqrt(1 - qstar)
    u0 = -h / sD
    c = s / sD
    f = lambda u: mp.exp(-u * u / 2 + beta * _mp_logH(-(h + sD * u) / s)) / mp.sqrt(2 * mp.pi)
    # posterior mode (log-concave posterior: psi'(0) > 0, psi' decreasing), bracketed
    dpsi = lambda u: (-u + beta * (sD / s) * mp.exp(-((h + sD * u) / s) ** 2 / 2 - _mp_logH(-(h + sD * u) / s))
                      / mp.sqrt(2 * mp.pi))
    um = mp.findroot(dpsi, (mp.mpf(0), max(u0, 0) + 60), solver="illinois")
    lo, hi = um - 12, um + 12
    inner = [p for p in (um, u0, u0 + 3 * c, u0 - c / 3) if lo < p < hi]
    pts = [lo] + sorted(inner) + [hi]
    # the inner quadrature needs 30 digits: at dps 15 (20) this integral was off by 1.4e-6 (8e-9)
    # relative at z = -3.5 (q0 = 0.8, q* = 0.95, beta = 20), far in the posterior's steep side,
    # which made the slow G_E check fail by 4.5e-10 (scipy nested quad and our rule agree to 1e-14)
    with mp.workdps(max(mp.mp.dps, 30)):
        return +mp.log(mp.quad(f, pts))


def _mp_G_E(q0, qstar, beta, zs=None):
    sq0 = mp.sqrt(q0)
    dz = lambda z: mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)
    return mp.quad(lambda z: dz(z) * _mp_logZE(sq0 * z, q0, qstar, beta), [-10, -4, -2, -1, 0, 1, 2, 4, 10])


@pytest.mark.parametrize("qhat0,qhat1", [(2.0, -1.0), (40.0, 45.0), (11.4, 49.9)])
def test_G_S_against_mpmath(qhat0, qhat1):
    ref = float(_mp_G_S(qhat0, qhat1))
    assert G_S(qhat0, qhat1) == pytest.approx(ref, abs=1e-10)


def test_logZE_inner_integral_against_mpmath():
    """The inner u-integral (the steep H^beta step) at beta = 20, q* = 0.95 against mpmath."""
    from theory.core import legendre_nodes
    from theory.perceptron._rs_numerics import energetic_kernel as _energetic_kernel
    mp.mp.dps = 20
    q0, qstar, beta = 0.8, 0.95, 20.0
    zs = np.array([-2.5, -0.7, 0.0, 0.4, 1.9])
    glx, glw = legendre_nodes(12)
    out = _energetic_kernel(zs, math.sqrt(q0), math.sqrt(qstar - q0), math.sqrt(1 - qstar), beta, glx, glw)
    for z, v in zip(zs, out[0]):
        ref = float(_mp_logZE(mp.sqrt(q0) * z, q0, qstar, beta))
        assert v == pytest.approx(ref, abs=1e-11, rel=1e-12)
    # d/dh log Z_E by a mpmath finite difference (step 1e-6, dps 20 -> error ~1e-11)
    h0 = math.sqrt(q0) * 0.4
    hh = mp.mpf("1e-6")
    d_ref = (_mp_logZE(h0 + hh, q0, qstar, beta) - _mp_logZE(h0 - hh, q0, qstar, beta)) / (2 * hh)
    assert out[1, 3] == pytest.approx(float(d_ref), rel=1e-8)


def _quad_G_E(q0, qstar, beta):
    """Nested adaptive scipy quad (independent of the project's rules), rel 1e-13 inner."""
    from scipy.integrate import quad

    from theory.core import logH
    sD, s = math.sqrt(qstar - q0), math.sqrt(1 - qstar)

    def logZ(z):
        h = math.sqrt(q0) * z
        psi = lambda u: -0.5 * u * u + beta * float(logH(-(h + sD * u) / s))
        from scipy.optimize import minimize_scalar
        um = minimize_scalar(lambda u: -psi(u), bracket=(0.0, max(-h / sD, 0.0) + 1.0)).x
        m = psi(um)
        v = quad(lambda u: math.exp(psi(u) - m), um - 12, um + 12, points=[um, -h / sD], limit=400,
                 epsabs=0, epsrel=1e-13)[0]
        return m + math.log(v) - 0.5 * math.log(2 * math.pi)

    g = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi) * logZ(z)
    return quad(g, -10, 10, points=[-2, -1, 0, 1, 2], limit=400, epsabs=1e-13, epsrel=1e-13)[0]


@pytest.mark.parametrize("q0,qstar,beta", [(0.3, 0.6, 2.0), (0.8, 0.95, 20.0)])
def test_G_E_against_nested_quad(q0, qstar, beta):
    assert G_E(q0, qstar, beta) == pytest.approx(_quad_G_E(q0, qstar, beta), abs=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("q0,qstar,beta", [(0.3, 0.6, 2.0), (0.8, 0.95, 20.0)])
def test_G_E_against_mpmath(q0, qstar, beta):
    """Full nested mpmath evaluation (about 5 minutes per point: the inner integrals at 30 digits)."""
    mp.mp.dps = 15
    ref = float(_mp_G_E(q0, qstar, beta))
    assert G_E(q0, qstar, beta) == pytest.approx(ref, abs=1e-10)


# ---------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------
def _phi_beta0(qstar):
    """beta = 0: phi = min_qhat1 [-q* qhat1/2 + log int_{-1}^1 exp(qhat1 m^2/2) dm] (q0 = qhat0 = 0)."""
    mp.mp.dps = 25
    Z = lambda q1: mp.quad(lambda m: mp.exp(q1 * m * m / 2), [-1, 0, 1])
    M2 = lambda q1: mp.quad(lambda m: m * m * mp.exp(q1 * m * m / 2), [-1, 0, 1]) / Z(q1)
    q1 = mp.findroot(lambda q1: M2(q1) - qstar, -1 / qstar + 3 if qstar < 0.3 else 1.0)
    return float(-qstar * q1 / 2 + mp.log(Z(q1)))


@pytest.mark.parametrize("qstar", [0.2, 0.6, 0.9])
def test_beta_zero_limit(qstar):
    r = solve_rs(0.7, 0.0, qstar)
    assert r.converged and r.q0 == 0.0 and r.qhat0 == 0.0
    assert r.phi == pytest.approx(_phi_beta0(qstar), abs=1e-10)


def test_small_beta_first_order():
    """phi(beta) = phi(0) + alpha beta int Du log H(-sqrt(q*/(1-q*)) u) + O(beta^2)."""
    alpha, qstar = 0.7, 0.6
    mp.mp.dps = 20
    k = mp.sqrt(qstar / (1 - qstar))
    l0 = float(mp.quad(lambda u: mp.exp(-u * u / 2) / mp.sqrt(2 * mp.pi) * _mp_logH(-k * u), [-mp.inf, 0, mp.inf]))
    p0 = _phi_beta0(qstar)
    for beta in (1e-3, 2e-3):
        r = solve_rs(alpha, beta, qstar)
        slope = (r.phi - p0) / beta
        # second order: |d^2 phi/dbeta^2| = alpha Var-like term < alpha * O(1); tolerance 2 beta
        assert slope == pytest.approx(alpha * l0, abs=2 * beta)
    assert r.loglik == pytest.approx(l0, abs=1e-2)


def test_small_qstar_limit():
    """q* -> 0: phi = 1/2 log(2 pi e q*) - alpha beta log 2 + O(alpha (beta + beta^2) q*)."""
    alpha, beta = 0.5, 2.0
    for qstar in (1e-3, 1e-4):
        r = solve_rs(alpha, beta, qstar)
        assert r.converged
        lead = 0.5 * math.log(2 * math.pi * math.e * qstar) - alpha * beta * math.log(2)
        assert abs(r.phi - lead) < 5 * alpha * (beta + beta**2) * qstar
        assert r.q0 < 2 * qstar


# ---------------------------------------------------------------------------
# diagnostics and input checks
# ---------------------------------------------------------------------------
def test_nonconvergence_is_reported():
    r = solve_rs(0.55, 20.0, 0.7, maxiter=2, method="iterate")
    assert not r.converged and r.message
    from theory.core import ConvergenceError
    with pytest.raises(ConvergenceError):
        solve_rs(0.55, 20.0, 0.7, maxiter=2, method="iterate", strict=True)


@pytest.mark.parametrize("kw,name", [
    ({"alpha": -0.1}, "alpha"), ({"beta": -1.0}, "beta"), ({"qstar": 1.0}, "qstar"),
    ({"qstar": 0.0}, "qstar"), ({"beta": float("nan")}, "beta"), ({"alpha": "x"}, "alpha"),
])
def test_bad_input(kw, name):
    args = {"alpha": 0.5, "beta": 1.0, "qstar": 0.5, **kw}
    with pytest.raises(ValueError, match=name):
        solve_rs(args["alpha"], args["beta"], args["qstar"])


def test_bad_order_and_init():
    with pytest.raises(ValueError, match="order"):
        solve_rs(0.5, 1.0, 0.5, order=2)
    with pytest.raises(ValueError, match="init"):
        solve_rs(0.5, 1.0, 0.5, init=3.0)


def test_continuation_curve():
    qs = np.array([0.6, 0.65, 0.7])
    c = rs_curve(0.55, 20.0, qs)
    assert not c.failed
    q0 = c.column("q0")
    # q0 < q* and increasing with q* along the branch; the middle point equals a cold solve
    assert np.all(q0 < qs) and np.all(np.diff(q0) > 0)
    assert q0[1] == pytest.approx(solve_rs(0.55, 20.0, 0.65, error=False).q0, abs=1e-9)


# ---------------------------------------------------------------------------
# stability and beta_c ([baldassi2018, SM Eq. 16-20], [baldassi2018, SM Fig. 1])
# ---------------------------------------------------------------------------
def test_stability_margin_and_gammas():
    st = rs_stability(0.55, 10.0, 0.8)
    assert st.converged
    assert st.margin == pytest.approx(0.55 * st.gamma_E * st.gamma_S, rel=1e-14)
    # gamma_S <= int Dz Var(m)^2 <= (q*)^2 bound and gamma_E > 0
    assert 0 < st.gamma_S < 0.8**2 and st.gamma_E > 0 and st.stable == (st.margin < 1)
    assert st.error < 1e-6


def test_beta_c_finite_decreasing_in_alpha():
    """[baldassi2018, SM Fig. 1]: beta_c finite and decreasing in alpha (here at q* = 0.9); margin = 1 at beta_c."""
    bc = {a: beta_c(a, 0.9, beta_start=15.0, xtol=1e-5) for a in (0.5, 0.55, 0.6)}
    assert all(r.converged and math.isfinite(r.beta_c) for r in bc.values())
    assert bc[0.5].beta_c > bc[0.55].beta_c > bc[0.6].beta_c
    st = rs_stability(0.55, bc[0.55].beta_c, 0.9, init=bc[0.55].values)
    assert st.margin == pytest.approx(1.0, abs=1e-4)


def test_beta_c_reports_no_crossing():
    r = beta_c(0.55, 0.3, beta_start=10.0, beta_max=40.0)
    assert not r.converged and math.isnan(r.beta_c) and "no crossing" in r.message


# ---------------------------------------------------------------------------
# analytic Jacobian of [baldassi2018, SM Eq. 15] (Newton solve) and the inner-rule buffers
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("qhat0,qhat1", [(40.16, 42.82), (2.0, -1.0), (300.0, 420.0)])
def test_entropic_jacobian_against_finite_differences(qhat0, qhat1):
    """dq0/dqhat0 (Stein form), dq0/dqhat1, dm2/dqhat0 and chi = dm2/dqhat1 vs central differences.

    Order 16 so that the rule error (< 1e-13) is far below the FD truncation
    error h^2 f''' ~ 1e-9 (h = 1e-5 relative); tolerance 1e-7 relative.
    """
    S = entropic_terms(qhat0, qhat1, 16, jac=True)
    for var, keys in (("qhat0", ("dq0_dqhat0", "dm2_dqhat0")), ("qhat1", ("dq0_dqhat1", "chi"))):
        h = 1e-5 * max(1.0, abs(qhat0 if var == "qhat0" else qhat1))
        kp = {"qhat0": qhat0, "qhat1": qhat1}
        km = dict(kp)
        kp[var] += h
        km[var] -= h
        Sp, Sm = entropic_terms(kp["qhat0"], kp["qhat1"], 16), entropic_terms(km["qhat0"], km["qhat1"], 16)
        for key, what in zip(keys, ("q0", "m2")):
            fd = (getattr(Sp, what) - getattr(Sm, what)) / (2 * h)
            assert getattr(S, key) == pytest.approx(fd, rel=1e-7, abs=1e-12), (var, key)


@pytest.mark.parametrize("q0,qstar,beta", [(0.59, 0.7, 20.0), (0.5, 0.99, 50.0), (0.2, 0.5, 2.0)])
def test_energetic_second_derivative_against_finite_differences(q0, qstar, beta):
    """d^2 G_E/dq0^2 = -1/2 int Dz [(F'')^2 - 2 F'^2 F''] (derived in the docs) vs d/dq0 of dG_E/dq0."""
    E = energetic_terms(q0, qstar, beta, 16)
    h = 1e-5 * q0
    fd = (energetic_terms(q0 + h, qstar, beta, 16).dG_E_dq0
          - energetic_terms(q0 - h, qstar, beta, 16).dG_E_dq0) / (2 * h)
    assert E.d2G_E_dq0 == pytest.approx(fd, rel=1e-6)


def test_newton_jacobian_converges_quadratically_from_warm_start():
    """A warm start 1e-2 away in q* needs at most 5 map evaluations (measured residuals
    0.12, 7e-3, 1.6e-4, 1.3e-7, 3e-14: quadratic at the end), against ~20 for the hybrid
    method without the Jacobian, and lands on the same saddle point as a cold solve."""
    r = solve_rs(0.55, 20.0, 0.7, error=False)
    w = solve_rs(0.55, 20.0, 0.71, init=r, error=False)
    c = solve_rs(0.55, 20.0, 0.71, error=False)
    assert w.converged and w.method == "newton-jacobian" and w.iterations <= 5
    assert w.q0 == pytest.approx(c.q0, abs=1e-10) and w.qhat1 == pytest.approx(c.qhat1, rel=1e-9)
    # the hybrid method without the Jacobian (fallback path) agrees
    from theory.core import converge
    from theory.perceptron.rs import _fixed_point_map
    h = converge(_fixed_point_map(0.55, 20.0, 0.71, 12), r.values, tol=1e-11, method="hybr")
    assert h.converged and h["q0"] == pytest.approx(w.q0, abs=1e-10) and h.iterations > w.iterations


def test_u_edges_write_every_slot():
    """The inner-rule edges: exactly _n_edges_max of them (the kernels size their buffers by it),
    finite and sorted, for the plain rule and with the extra kink edges of the BC energy."""
    from theory.perceptron._rs_numerics import T_KINK as _T_KINK
    from theory.perceptron._rs_numerics import n_edges_max as _n_edges_max
    from theory.perceptron._rs_numerics import u_edges as _u_edges
    for h, beta, xc, xw in [(0.3, 20.0, 0.0, 0.0), (-2.0, 500.0, 1.3, 0.2), (1.5, 0.5, -4.0, 3.0)]:
        e = _u_edges(h, 0.3, 0.5, beta, xc, xw, _T_KINK)
        n = _n_edges_max(_T_KINK.size if xw > 0 else 0)
        assert e.size == n and np.all(np.isfinite(e)) and np.all(np.diff(e) >= 0)


@pytest.mark.parametrize("alpha,beta,qstar,order", [(0.6, 1000.0, 0.9, 12), (0.55, 1e4, 0.7, 24)])
def test_cold_start_at_very_large_beta(alpha, beta, qstar, order):
    """Cold solves at beta = 1e3, 1e4 (qhat0 ~ 3e4, 6e6; dqhat0/dq0 ~ 1e7), where a residual-based
    line search rejected good Newton steps (the natural monotonicity test accepts them): the
    returned point satisfies [baldassi2018, SM Eq. 15] term by term at a higher order (32), and the large-beta
    scaling of docs Sec. 10 holds (beta (q* - q0) of order chi(q*), qhat0 / beta^2 of order R_hat).
    At beta = 1e4 the default order 12 leaves 1.3e-7 in the site moments (measured against
    orders 24 and 32, which agree to 1e-12), hence order 24 there."""
    r = solve_rs(alpha, beta, qstar, order=order, error=False)
    assert r.converged and r.method == "newton-jacobian"
    S = entropic_terms(r.qhat0, r.qhat1, 32)
    E = energetic_terms(r.q0, qstar, beta, 32)
    assert S.q0 == pytest.approx(r.q0, abs=1e-9)
    assert S.m2 == pytest.approx(qstar, abs=1e-9)
    assert -2 * alpha * E.dG_E_dq0 == pytest.approx(r.qhat0, rel=1e-8)
    from theory.perceptron import solve_zero_temperature
    z = solve_zero_temperature(alpha, qstar)
    assert 0.5 < beta * (qstar - r.q0) / z.chi < 1.5 and 0.5 < r.qhat0 / beta**2 / z.R_hat < 2.0


GRID_ALPHA = (0.3, 0.55, 0.8)
GRID_BETA = (0.5, 5.0, 20.0, 50.0, 200.0)
GRID_QSTAR = (0.05, 0.3, 0.7, 0.95, 0.99)


@pytest.mark.parametrize("alpha", GRID_ALPHA)
def test_cold_start_reduced_newton_matches_bracketing(alpha):
    """The cold start (safeguarded Newton on the reduced 1-d map, _reduced_newton) reaches, on the
    whole grid beta in {0.5 .. 200} x q* in {0.05 .. 0.99}, the saddle point that the bracketing
    start of session 1 (_bracket_init: first sign change of the reduced map from q0 -> 0, then
    Brent) leads to, to 1e-9; the fast path is taken (no fallback) and the polish needs at most
    5 order-12 map evaluations (at tol 1e-12). Both solves are independent Newton runs from different starts, so
    agreement to 1e-9 (10x the tolerance 1e-10 of the residual, divided by a Jacobian of order 1)
    checks that they converge to the same root, i.e. that the reduced Newton picks the branch
    connected to beta -> 0. Both at tol 1e-12: at tol 1e-10 the ill-conditioned qhat0 equation
    (dqhat0/dq0 ~ 1e4 at beta = 200) leaves a relative 1.1e-9 between two converged solves.
    Measured: the reduced Newton needs 2-9 order-6 evaluations of the reduced map."""
    from theory.perceptron.rs import _bracket_init, _reduced_newton
    for beta in GRID_BETA:
        for qstar in GRID_QSTAR:
            x = _reduced_newton(alpha, beta, qstar)
            assert x is not None, (alpha, beta, qstar)
            c = solve_rs(alpha, beta, qstar, tol=1e-12, error=False)
            b = solve_rs(alpha, beta, qstar, init=_bracket_init(alpha, beta, qstar), tol=1e-12, error=False)
            where = (alpha, beta, qstar)
            assert c.converged and b.converged and c.method == "newton-jacobian", where
            assert c.iterations <= 5, (where, c.iterations)
            assert c.q0 == pytest.approx(b.q0, abs=1e-9), where
            assert c.qhat0 == pytest.approx(b.qhat0, rel=1e-9, abs=1e-9), where
            assert c.qhat1 == pytest.approx(b.qhat1, rel=1e-9, abs=1e-9), where
