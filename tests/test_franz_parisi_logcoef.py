"""The ``log tau`` coefficient of the RS Franz-Parisi entropy near the end ``d_c`` of its branch.

``S = Phi/tau + c log tau + R0 + R1 sqrt(tau) + ...`` as ``tau = 1 - Q0 -> 0`` with
``c = (alpha/2) P(x < 0)`` and ``R1 = alpha p_x(0) I_G`` (``theory/perceptron/franz_parisi/endpoint.py``,
``docs/franz_parisi.md`` section "The log tau term"; [baldassi2018, SM Eq. 32-38]). Checks:

* ``P(x < 0)`` of the module against an independent scipy quadrature, ``I_G`` against mpmath;
* ``c`` is the coefficient of ``log tau`` of the *finite-tau* functional ([baldassi2018, SM Eq. 32], the
  production quadrature) evaluated along the end-point scaling ``Qhat0 = K/tau^2, ...`` at
  ``p = p_c`` (where ``Phi = 0``): ``dS/dlog tau -> c + R1 d sqrt(tau)/dlog tau``;
* the below-``d_c`` decision rests on the computed ``c``;
* (slow) along the RS branch itself, ``dS/dlog tau -> c`` with the ``(3/2) R1 sqrt(tau)`` correction.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import integrate, special

from theory.perceptron.franz_parisi import solver as fp
from theory.perceptron.franz_parisi.endpoint import I_G, franz_parisi_endpoint

ALPHA = 0.55
# end points rounded to 3 digits (docs/franz_parisi.md; the finite-tau branch runs into them:
# tests/test_franz_parisi.py::test_finite_tau_branch_runs_into_the_end_point); Newton from here
SPH_END = {"K": 0.0545, "a0": 0.0921, "a1": 0.170, "pt": 0.262, "s0": 0.290, "s1": 0.742, "p": 0.882}
BIN_END = {"K": 2.1e-5, "a0": 5.3e-4, "a1": 0.0121, "pt": 0.00278, "s0": 0.356, "s1": 0.9987, "p": 0.9987}


@pytest.fixture(scope="module")
def refs():
    """The two references whose branch ends are checked, by name."""
    return {name: fp.franz_parisi_reference(name, ALPHA) for name in ("spherical", "binary")}


@pytest.fixture(scope="module")
def sref(refs):
    return refs["spherical"]


@pytest.fixture(scope="module")
def ends(refs):
    """End points at orders 8 (production) and 16 (for the finite-tau functional at tau < 1e-5)."""
    out = {}
    for name, x0 in (("spherical", SPH_END), ("binary", BIN_END)):
        ref = refs[name]
        for order in (8, 16):
            e = franz_parisi_endpoint(ref, x0, order=order)
            assert e.converged, e.message
            out[name, order] = e
    return out


def _violated_fraction_scipy(ref, s0: float, s1: float) -> float:
    """P(x < 0) = int Dz0 [int_{u1 > 0} Dz1 H(mu_E/sigma)] / P(u1 > 0 | z0), by nested adaptive quadrature.

    Written from the definitions (u1 = sqrt(q0) z0 + sqrt(1-q0) z1, x = A z0 + B z1 + sigma eta,
    A = s0/sqrt(q0), B = (s1-s0)/sqrt(1-q0)) with scipy's Gaussian tail, not the module's nodes."""
    q0 = ref.q0
    A, B = s0 / math.sqrt(q0), (s1 - s0) / math.sqrt(1.0 - q0)
    sig = math.sqrt(1.0 - A * A - B * B)

    def inner(z0: float) -> float:
        t0 = -math.sqrt(q0) * z0 / math.sqrt(1.0 - q0)  # u1 > 0  <=>  z1 > t0
        v, _ = integrate.quad(lambda z1: math.exp(-0.5 * z1 * z1) * special.ndtr(-(A * z0 + B * z1) / sig),
                              t0, max(t0, 0.0) + 12.0, epsabs=1e-14, epsrel=1e-12, limit=200)
        return v * math.exp(-0.5 * z0 * z0 - special.log_ndtr(-t0)) / (2.0 * math.pi)

    P, err = integrate.quad(inner, -14.0, 14.0, epsabs=1e-13, epsrel=1e-12, limit=200)
    assert err < 1e-11
    return P


def test_boundary_layer_constant():
    """I_G = int du [log H(-u) + Theta(-u) (u^2/2 + log(|u| sqrt(2 pi)))] (mpmath, 40 digits;
    the tail u < -200 by its asymptotic series -1/u^2 + (5/2)/u^4)."""
    with mpmath.workdps(40):
        def g(u):
            lh = mpmath.log(mpmath.erfc(-u / mpmath.sqrt(2)) / 2)
            return lh if u > 0 else lh + u * u / 2 + mpmath.log(-u * mpmath.sqrt(2 * mpmath.pi))

        L = mpmath.mpf(200)
        val = mpmath.quad(g, [-L, -20, -5, -1, 0, 1, 5, 40]) - 1 / L + mpmath.mpf(5) / (6 * L ** 3)
    assert float(val) == pytest.approx(I_G, abs=1e-14)


@pytest.mark.parametrize("name", ["spherical", "binary"])
def test_violated_fraction_matches_independent_quadrature(refs, ends, name):
    """P(x < 0) of the module (its z0/z1 nodes) = nested scipy quadrature at the same (s0, s1): to 1e-11
    at order 16 (scipy's error estimate < 1e-11); at the production order 8 to 1e-12 (spherical) and
    2.3e-7 (binary: H(mu_E/sigma) bends on the scale sigma = 0.05, finer than the z1 panels; hence the
    tolerance 1e-6 there, which is also LOGCOEF_TOL). c = (alpha/2) P. Spherical end point: P = 0.28032,
    c = 0.077089 (independent of the order to 1e-12)."""
    ref = refs[name]
    for order, tol in ((8, 1e-11 if name == "spherical" else 1e-6), (16, 1e-11)):
        e = ends[name, order]
        assert e.log_coefficient == pytest.approx(0.5 * ALPHA * e.violated_fraction, rel=1e-15)
        assert e.violated_fraction == pytest.approx(_violated_fraction_scipy(ref, e.s0, e.s1), abs=tol)
    if name == "spherical":
        e8, e16 = ends[name, 8], ends[name, 16]
        assert e8.d_c == pytest.approx(0.0591614, abs=1e-7)
        assert e8.violated_fraction == pytest.approx(0.2803222, abs=1e-7)
        assert e8.log_coefficient == pytest.approx(e16.log_coefficient, abs=1e-12)
        assert e8.log_coefficient > 0.07


def test_binary_reference_log_coefficient_is_small_but_positive(ends):
    """Binary reference: the BC is a solution, yet c = 0.0059634 > 0 at its end point d_c = 0.000657
    (sigma = 0.051: the violated patterns sit within ~sigma of the margin). Orders 8 and 16 agree to
    1e-7 in c (the end point itself moves by 2.5e-8 in d_c): c is positive far beyond quadrature error."""
    e8, e16 = ends["binary", 8], ends["binary", 16]
    assert e8.d_c == pytest.approx(0.000657, abs=1e-6)
    assert abs(e8.log_coefficient - e16.log_coefficient) < 1e-7
    assert e16.log_coefficient == pytest.approx(0.0059634, abs=1e-6)
    assert e16.log_coefficient > 1e3 * fp.LOGCOEF_TOL


def _slopes(ref, e, taus, order):
    """dF/dlog tau of the finite-tau functional along Qhat0 = K/tau^2, shat = a/tau, phat = pt/tau at p = p_c,
    and the prediction c + R1 (sqrt tau2 - sqrt tau1)/(log tau2 - log tau1) (module docstring)."""
    F = []
    for tau in taus:
        x = {"Q0": 1.0 - tau, "Qhat0": e.K / tau ** 2, "s0": e.s0, "shat0": e.a0 / tau, "s1": e.s1,
             "shat1": e.a1 / tau, "phat": e.pt / tau}
        F.append(fp.fp_functional(ref, 1.0 - 2.0 * e.d_c, x, order))
    out = []
    for (t1, F1), (t2, F2) in zip(zip(taus, F), zip(taus[1:], F[1:])):
        dl = math.log(t2) - math.log(t1)
        out.append(((F2 - F1) / dl, e.log_coefficient + e.sqrt_coefficient * (math.sqrt(t2) - math.sqrt(t1)) / dl))
    return out


@pytest.mark.parametrize("name,taus,tol", [
    ("spherical", (1e-5, 10 ** -5.5, 1e-6), 5e-4),
    ("binary", (1e-6, 10 ** -6.5, 1e-7), 5e-3),
])
def test_c_is_the_log_tau_coefficient_of_the_functional(refs, ends, name, taus, tol):
    """The finite-tau functional ([baldassi2018, SM Eq. 32]; order 16, end point at order 16 so that Phi = 0 holds to
    ~1e-13 and does not leak as Phi/tau) along the end-point scaling at p = p_c has
    dS/dlog tau = c + R1 dsqrt(tau)/dlog tau + O(tau log tau). Measured |slope - prediction|/c:
    spherical 1.7e-4, 5.5e-5 (tol 5e-4); binary 2.9e-3, 1.0e-3 (tol 5e-3: its expansion needs
    sqrt(tau) << sigma = 0.05). Without the sqrt(tau) term the spherical (binary) slopes are 0.9-0.5%
    (4-2%) below c, so neither c nor R1 can be off by more than the tolerance; with c = 0 the slope
    would vanish."""
    ref = refs[name]
    e = ends[name, 16]
    sl = _slopes(ref, e, taus, 16)
    for slope, pred in sl:
        assert abs(slope - pred) < tol * e.log_coefficient, (slope, pred, e.log_coefficient)
    assert abs(sl[1][0] - sl[1][1]) < abs(sl[0][0] - sl[0][1])  # converging as tau -> 0
    assert abs(sl[1][0] - e.log_coefficient) > tol * e.log_coefficient  # the sqrt(tau) term is needed


# ---------------------------------------------------------------------------
# the below-d_c decision
# ---------------------------------------------------------------------------
def test_below_end_decision_rests_on_c(sref, refs):
    """S(d < d_c) = -inf (converged) iff c > LOGCOEF_TOL and the BC is not a solution; else a failed point
    (no RS value), never a silent NaN reported as converged."""
    r = fp._beyond_end(sref, 0.05, 0.0591614, 0.077, 8)
    assert r.converged and r.S == -math.inf and r.log_coefficient == 0.077 and "c = 0.077" in r.message
    for c in (0.0, 0.5 * fp.LOGCOEF_TOL, math.nan):
        r = fp._beyond_end(sref, 0.05, 0.0591614, c, 8)
        assert not r.converged and math.isnan(r.S), c
    # binary reference: c > 0, but S(0) = 0 (the BC is a solution): no RS value below d_c
    r = fp._beyond_end(refs["binary"], 0.0003, 0.000657, 0.0059634, 8)
    assert not r.converged and math.isnan(r.S) and "the BC is a solution" in r.message


# S on the spherical branch from the plain continuation (each point started from the previous one, before
# the end-point warm start existed; docs/franz_parisi.md, Check 2: -0.16212, -0.20604), and the order
# parameters at d = 0.062 (repr of the franz_parisi_curve result)
SPH_S_PLAIN = {0.062: -0.16212097665419756, 0.0605: -0.20603867631105555}
SPH_062 = {"Q0": 0.9746457088508024, "s0": 0.2971474534473627, "s1": 0.7406832313330283, "phat": 10.182535119555736}


def test_end_point_warm_start_gives_the_same_saddle_point(sref, ends):
    """solve_franz_parisi(..., end=e) starts from fp.endpoint_warm_start (the scaled state interpolated linearly in d
    towards the end point, tau = f tau_prev, f = (d - d_c)/(d_prev - d_c); docs/franz_parisi.md, "The log
    tau term"): at d = 0.0605 (tau = 0.0117) the same saddle point as the plain continuation from
    d = 0.062 (|Delta S| = 2.8e-13 measured; tolerance 1e-9 for the solver tolerance 1e-10), in 15 map
    evaluations instead of 706."""
    e = ends["spherical", 8]
    prev = fp.solve_franz_parisi(sref, 0.062, init=SPH_062)
    assert prev.converged and prev.S == pytest.approx(SPH_S_PLAIN[0.062], abs=1e-9)
    r = fp.solve_franz_parisi(sref, 0.0605, init=prev, end=e)
    assert r.converged and r.S == pytest.approx(SPH_S_PLAIN[0.0605], abs=1e-9)
    assert r.iterations < 100  # the warm start was used (from prev itself: 706)
    # the warm start itself
    x = fp.endpoint_warm_start(prev, e, 0.0605)
    f = (0.0605 - e.d_c) / (0.062 - e.d_c)
    tau = 1.0 - x["Q0"]
    assert tau == pytest.approx(f * prev.tau, rel=1e-12)
    assert x["phat"] * tau == pytest.approx(e.pt + f * (prev.phat * prev.tau - e.pt), rel=1e-12)
    assert x["Qhat0"] * tau ** 2 == pytest.approx(e.K + f * (prev.Qhat0 * prev.tau ** 2 - e.K), rel=1e-12)
    assert x["s1"] == pytest.approx(e.s1 + f * (prev.s1 - e.s1), rel=1e-12)
    assert abs(tau - r.tau) < 0.1 * r.tau  # tau ~ d - d_c is a good guess here
    same = fp.endpoint_warm_start(prev, e, prev.d)  # f = 1: the previous point itself
    assert all(same[k] == pytest.approx(v, rel=1e-12) for k, v in prev.values.items())
    for bad in (e.d_c, 0.5 * e.d_c, 0.063):
        with pytest.raises(ValueError, match="must lie in"):
            fp.endpoint_warm_start(prev, e, bad)


@pytest.mark.slow
def test_fp_curve_end_point_warm_start_reproduces_the_branch(sref, ends):
    """franz_parisi_curve uses the warm start once it has located d_c: the points agree with the plain continuation
    (|Delta S| = 4e-14, 2.8e-13 measured) and d = 0.0605 takes 15 map evaluations instead of 706
    (67-80 s wall on the loaded machine, hence slow)."""
    e = ends["spherical", 8]
    c = fp.franz_parisi_curve(sref, sorted(SPH_S_PLAIN))
    assert all(p.converged for p in c.points), [p.message for p in c.points]
    r = {p.params["d"]: p.result for p in c.points}
    for d, S in SPH_S_PLAIN.items():
        assert r[d].S == pytest.approx(S, abs=1e-9), d
        assert r[d].d_c == pytest.approx(e.d_c, abs=1e-10)
    assert r[0.0605].iterations < 100


def _branch(ref, end, ds, order: int = 8):
    """Saddle points at ``ds`` (decreasing towards d_c), continued from the maximum of S. Each point after
    the first is warm-started by solve_franz_parisi(..., end=end) from
    theory.perceptron.franz_parisi.solver.endpoint_warm_start (the
    scaled state interpolated linearly in d between the previous point and the end point, tau ~ d - d_c;
    the code path franz_parisi_curve uses once it has located d_c) -- a few Newton steps even at tau ~ 1e-4 (with the
    previous point as the start, solve_franz_parisi needs minutes there)."""
    prev = fp.franz_parisi_max(ref, order=order)
    out = []
    for d in ds:
        r = fp.solve_franz_parisi(ref, d, init=prev, order=order, end=end if out else None)
        assert r.converged and math.isfinite(r.S), (d, r.message)
        out.append(r)
        prev = r
    return out


@pytest.mark.slow
def test_branch_slope_approaches_c(sref, ends):
    """Along the RS branch itself (finite-tau saddle points at order 8): the finite-difference
    dS/dlog tau between consecutive d is c + (3/2) R1 dsqrt(tau)/dlog tau + O(tau log tau)
    (docs/franz_parisi.md, "The log tau term"). Measured residual / (tau_m |log tau_m|), tau_m the
    geometric mean of the pair: 0.46, 0.43, 0.41, 0.40, 0.33, 0.34 for tau_m = 8e-3 ... 9e-5;
    tolerance 1.0. Fitting c_fit + A tau_m |log tau_m| to the residual-corrected slopes of the last four
    pairs gives c_fit within 0.14% of c (tolerance 0.5%). The uncorrected slope/c rises 0.74 -> 0.95."""
    e = ends["spherical", 8]
    c, R1 = e.log_coefficient, e.sqrt_coefficient
    rs = _branch(sref, e, [0.1, 0.085, 0.075, 0.068, 0.064, 0.062, 0.0605, 0.0598, 0.0595, 0.0593, 0.0592,
                           0.05918, 0.05917])
    assert rs[-1].tau < 1e-4 and rs[-1].d_c == pytest.approx(e.d_c, abs=1e-12)
    assert rs[-1].log_coefficient == pytest.approx(c, rel=1e-9)
    near = rs[6:]  # tau < 0.012
    rows = []
    for a, b in zip(near, near[1:]):
        dl = math.log(b.tau) - math.log(a.tau)
        slope = (b.S - a.S) / dl
        pred = c + 1.5 * R1 * (math.sqrt(b.tau) - math.sqrt(a.tau)) / dl
        tm = math.sqrt(a.tau * b.tau)
        assert 0.0 < slope - pred < 1.0 * tm * abs(math.log(tm)), (a.d, b.d, slope, pred)
        rows.append((tm, slope, pred, slope - pred))
    res = [r[3] for r in rows]
    assert all(x > y for x, y in zip(res, res[1:]))  # converging
    assert 0.94 < rows[-1][1] / c < 1.0  # the uncorrected slope is approaching c from below
    X = np.array([[1.0, t * abs(math.log(t))] for t, *_ in rows[-4:]])
    y = np.array([slope - (pred - c) for _, slope, pred, _ in rows[-4:]])
    c_fit = np.linalg.lstsq(X, y, rcond=None)[0][0]
    assert c_fit == pytest.approx(c, rel=5e-3)
