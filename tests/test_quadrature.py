"""Quadrature rules against mpmath, convergence in order, peaked interval integrals."""
import mpmath as mp
import numpy as np
import pytest
from conftest import mpmath_precision  # noqa: E402

from theory.core import (
    gauss_expect,
    gauss_expect2,
    interval_log_integral,
    interval_mean,
    interval_moments,
    logH,
    normal_rule,
)

_precision = mpmath_precision(30)


@pytest.mark.parametrize("kind", ["hermite", "legendre"])
def test_gaussian_moments(kind):
    for k, exact in [(0, 1.0), (2, 1.0), (4, 3.0), (6, 15.0)]:
        assert gauss_expect(lambda z, k=k: z**k, order=40, kind=kind) == pytest.approx(exact, rel=1e-12)
    assert abs(gauss_expect(lambda z: z**3, kind=kind)) < 1e-13


def test_against_mpmath_smooth_and_kinked():
    ref = mp.quad(lambda z: mp.npdf(z) * mp.log(mp.erfc((2 * z + 0.3) / mp.sqrt(2)) / 2), [-mp.inf, 0, mp.inf])
    val = gauss_expect(lambda z: logH(2 * z + 0.3), order=64, kind="legendre")
    assert val == pytest.approx(float(ref), rel=1e-12)
    # a kink: |z| (exact sqrt(2/pi)); the composite rule with a breakpoint-free grid still converges
    v, err = gauss_expect(np.abs, order=64, kind="legendre", error=True)
    assert v == pytest.approx(np.sqrt(2 / np.pi), rel=1e-12)
    assert err < 1e-10


def test_steep_integrand_H_power_converges_with_order():
    beta = 50.0
    ref = mp.quad(lambda u: mp.npdf(u) * (mp.erfc(-(0.7 * u + 0.2) / mp.sqrt(2) / 0.1) / 2) ** beta,
                  [-mp.inf, -0.2 / 0.7 - 1, -0.2 / 0.7, -0.2 / 0.7 + 1, mp.inf])
    f = lambda u: np.exp(beta * logH(-(0.7 * u + 0.2) / 0.1))
    errs = [abs(gauss_expect(f, order=n, kind="legendre", panels=16) - float(ref)) for n in (8, 16, 32, 64)]
    assert errs[-1] < 1e-12 * float(ref)
    assert errs[0] > errs[-1]


def test_nested_expectation_and_error_estimate():
    # E[(z+u)^2 exp(z u / 4)] has a closed form via mpmath 2-d quad
    f = lambda z, u: (z + u) ** 2 * np.exp(z * u / 4)
    ref = mp.quad(lambda z, u: mp.npdf(z) * mp.npdf(u) * (z + u) ** 2 * mp.exp(z * u / 4), [-12, 12], [-12, 12])
    v, err = gauss_expect2(f, order=48, error=True)
    assert v == pytest.approx(float(ref), rel=1e-11)
    assert err < 1e-8


def test_vectorised_over_parameters():
    a = np.array([0.5, 1.0, 2.0])
    v = gauss_expect(lambda z: np.cos(np.outer(z, a)), order=60, kind="hermite")
    np.testing.assert_allclose(v, np.exp(-a**2 / 2), rtol=1e-13)


@pytest.mark.parametrize("a,b", [(200.0, 50.0), (200.0, -50.0), (-200.0, 50.0), (-200.0, -50.0),
                                 (0.0, 0.0), (3.0, 1.0), (-1000.0, 10.0), (0.0, 500.0), (-0.5, 0.3)])
def test_interval_log_integral_vs_mpmath(a, b):
    pts = [-1, 1]
    if a < 0 and -1 < -b / (2 * a) < 1:
        pts = [-1, -b / (2 * a), 1]
    ref = mp.log(mp.quad(lambda m: mp.exp(a * m * m + b * m), pts))
    v, err = interval_log_integral(a, b, order=24, error=True)
    assert abs(v - float(ref)) <= 1e-10 * max(1.0, abs(float(ref)))
    assert err < 1e-9


def test_interval_with_factor_and_mean_vs_mpmath():
    a, b = -20.0, 7.0
    Z = mp.quad(lambda m: mp.exp(a * m * m + b * m), [-1, b / (-2 * a), 1])
    M1 = mp.quad(lambda m: m * mp.exp(a * m * m + b * m), [-1, b / (-2 * a), 1]) / Z
    M2 = mp.quad(lambda m: m * m * mp.exp(a * m * m + b * m), [-1, b / (-2 * a), 1]) / Z
    assert interval_mean(a, b, lambda m: m) == pytest.approx(float(M1), rel=1e-12)
    assert interval_mean(a, b, lambda m: m * m) == pytest.approx(float(M2), rel=1e-12)
    lf = interval_log_integral(a, b, lambda m: m * m)
    assert lf == pytest.approx(float(mp.log(M2 * Z)), rel=1e-12)
    lf2 = interval_log_integral(a, b, lambda m: 2 * np.log1p(m * m), log_f=True)
    ref = mp.log(mp.quad(lambda m: (1 + m * m) ** 2 * mp.exp(a * m * m + b * m), [-1, b / (-2 * a), 1]))
    assert lf2 == pytest.approx(float(ref), rel=1e-10)


def test_interval_vectorised_matches_scalar():
    b = np.linspace(-60, 60, 7)
    v = interval_log_integral(-3.0, b)
    for bi, vi in zip(b, v):
        assert vi == interval_log_integral(-3.0, bi)


def test_interval_order_convergence_peaked():
    errs = [abs(interval_log_integral(200.0, 50.0, order=n) - interval_log_integral(200.0, 50.0, order=40))
            for n in (4, 8, 16)]
    assert errs[0] > errs[1] > errs[2] or errs[2] < 1e-14


def test_bad_input():
    with pytest.raises(ValueError, match="order"):
        normal_rule(1)
    with pytest.raises(ValueError, match="kind"):
        normal_rule(10, kind="simpson")
    with pytest.raises(ValueError, match="finite"):
        interval_log_integral(np.nan, 1.0)
    with pytest.raises(ValueError, match="not positive"):
        interval_log_integral(0.0, 0.0, lambda m: m)


@pytest.mark.parametrize("a,b", [(200.0, 50.0), (-200.0, -50.0), (-20.0, 7.0), (0.0, 0.0), (3.0, 1.0), (-1000.0, 10.0)])
def test_interval_moments_kernel_matches_mpmath(a, b):
    pts = [-1, -b / (2 * a), 1] if a < 0 and -1 < -b / (2 * a) < 1 else [-1, 1]
    Z = mp.quad(lambda m: mp.exp(a * m * m + b * m), pts)
    logZ, mom = interval_moments(a, b, kmax=4, order=24)
    assert abs(logZ - float(mp.log(Z))) <= 1e-10 * max(1.0, abs(float(mp.log(Z))))
    for k in range(1, 5):
        ref = mp.quad(lambda m, k=k: m**k * mp.exp(a * m * m + b * m), pts) / Z
        assert mom[k - 1] == pytest.approx(float(ref), rel=1e-10, abs=1e-14)


def test_interval_moments_vectorised_equals_general_path():
    b = np.linspace(-30, 30, 41)
    logZ, mom = interval_moments(np.full_like(b, -3.0), b, kmax=2)
    np.testing.assert_allclose(logZ, interval_log_integral(-3.0, b), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(mom[1], interval_mean(-3.0, b, lambda m: m * m), rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError, match="kmax"):
        interval_moments(0.0, 0.0, kmax=0)


@pytest.mark.parametrize("garbage", [np.nan, 7.0, -3.0, 1e300])
def test_interval_moments_kernel_reads_no_uninitialised_memory(monkeypatch, garbage):
    """Regression: the kernel once sized its edge buffer 4 slots too large and read
    whatever ``np.empty`` left there (harmless zeros on one machine, NaN on CI).
    Run the pure-Python body with ``np.empty`` filled with garbage: every output
    must stay finite and equal the compiled kernel's."""
    from theory.core import quadrature as qd

    a = np.array([-40.0, -3.0, 0.0, 0.7, 25.0])
    b = np.array([3.0, -1.0, 0.0, 12.0, -5.0])
    x, w = qd._legendre(16)
    ref = qd._moments_kernel(a, b, 3, x, w, qd._GRADING)
    real_empty = np.empty

    def poisoned(shape, dtype=float):
        out = real_empty(shape, dtype=dtype)
        if np.issubdtype(np.dtype(dtype), np.floating):
            out.fill(garbage)
        return out

    monkeypatch.setattr(np, "empty", poisoned)
    edges = np.empty(5 + 6 * qd._GRADING.size)
    qd._graded_edges_one.py_func(-3.0, -1.0, qd._GRADING, edges)
    assert np.all(np.isfinite(edges))
    logZ, mom = qd._moments_kernel.py_func(a, b, 3, x, w, qd._GRADING)
    assert np.all(np.isfinite(logZ)) and np.all(np.isfinite(mom))
    np.testing.assert_allclose(logZ, ref[0], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(mom, ref[1], rtol=1e-12, atol=1e-14)


def test_dz_rule_breakpoints_resolve_a_kink():
    """``dz_rule`` (16 nodes per panel) integrates Dz moments to ~1e-13; a kink at ``t`` is
    integrated exactly only when ``t`` is a breakpoint (E|z - t| in closed form)."""
    from theory.core import dz_rule

    z, w = dz_rule(16)
    assert abs(w.sum() - 1.0) < 1e-14 and abs(w @ z**2 - 1.0) < 1e-13 and abs(w @ z**4 - 3.0) < 1e-12
    t = 0.3137
    exact = 2.0 * float(mp.npdf(t)) + t * (2.0 * float(mp.ncdf(t)) - 1.0)  # E|z - t|, z ~ N(0, 1)
    zb, wb = dz_rule(16, [t])
    assert abs(wb @ np.abs(zb - t) - exact) < 1e-13
    assert abs(w @ np.abs(z - t) - exact) > 1e-8  # without the break the kink costs digits
