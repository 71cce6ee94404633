"""beta -> infinity limit of the stochastic-perceptron RS theory (docs/stochastic_perceptron_rs.md, Sec. 10).

Checks that can fail: the threshold and the proximal point against independent
evaluations (mpmath, scipy minimisation), convergence in the quadrature order,
and the finite-beta RS solution (solve_rs, stability, bc_energy) converging to
the zero-temperature values as beta grows, at q* = 0.4 where the finite-beta
solution freezes (q0 -> q*).
"""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from theory.core import logH
from theory.perceptron import bc_energy
from theory.perceptron import solve_rs_with_terms as _solve_rs_terms
from theory.perceptron import (
    zero_temperature_threshold as threshold,
)
from theory.perceptron._rs_numerics import prox_log_h as _prox_kernel
from theory.perceptron.zero_temperature import (
    prox_terms,
    solve_zero_temperature,
    zero_temperature_curve,
)


@pytest.mark.parametrize("qstar", [0.05, 0.4, 0.9, 0.999])
def test_threshold_against_mpmath(qstar):
    t = threshold(qstar)
    mp.mp.dps = 30
    dz = lambda z: mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)
    val = 2 * mp.quad(lambda z: dz(z) * (z / t) ** 2, [0, t]) + mp.erfc(t / mp.sqrt(2))
    assert float(val) == pytest.approx(qstar, abs=1e-13)


def test_prox_point_is_the_maximiser():
    """y* maximises log H(-y/s) - (y - h)^2 / (2 chi) (checked by scipy's bounded minimiser)."""
    chi, s = 2.5, 0.3
    hs = np.array([-3.0, -0.4, 0.0, 0.7, 2.5])
    y = _prox_kernel(hs, chi, s)[0]
    for h, yy in zip(hs, y):
        f = lambda v, h=h: -(float(logH(-v / s)) - (v - h) ** 2 / (2 * chi))
        ref = minimize_scalar(f, bounds=(h - 5, h + 50), method="bounded", options={"xatol": 1e-12}).x
        assert yy == pytest.approx(ref, abs=1e-6)
        assert f(yy) <= f(ref) + 1e-14


def test_order_convergence():
    a, b = solve_zero_temperature(0.55, 0.7, order=12), solve_zero_temperature(0.55, 0.7, order=24)
    for k in ("chi", "phi0", "margin", "E"):
        assert getattr(a, k) == pytest.approx(getattr(b, k), rel=1e-10), k
    assert a.error < 1e-9 and a.converged


def test_stationarity_identities():
    """phi0 = alpha loglik follows from the three saddle-point equations (docs Sec. 10): check
    the full extremised functional against alpha * loglik, with the entropic term
    int Dz max_m [...] computed independently by quadrature of the closed-form maximum."""
    r = solve_zero_temperature(0.55, 0.6)
    A, R, chi, t = -r.A_hat, r.R_hat, r.chi, r.t
    from scipy.integrate import quad
    dz = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    inner = lambda z: (R * z * z / (2 * A)) if abs(z) < t else (-A / 2 + math.sqrt(R) * abs(z))
    GS = quad(lambda z: dz(z) * inner(z), -12, 12, points=[-t, t], epsabs=1e-14, limit=200)[0]
    P = prox_terms(chi, 0.6, 16)
    s = math.sqrt(0.4)
    env = P.w @ (logH(-P.y / s) - (P.y - P.h) ** 2 / (2 * chi))
    phi = -(chi * R - 0.6 * A) / 2 + GS + 0.55 * env
    assert phi == pytest.approx(r.phi0, abs=1e-11)
    # and it is stationary in chi (the other two equations hold by construction of t, A, R)
    def phi_chi(c):
        Pc = prox_terms(c, 0.6, 16)
        e = Pc.w @ (logH(-Pc.y / s) - (Pc.y - Pc.h) ** 2 / (2 * c))
        return -(c * R) / 2 + 0.55 * e
    h = 1e-4 * chi
    assert abs((phi_chi(chi + h) - phi_chi(chi - h)) / (2 * h)) < 1e-8


@pytest.fixture(scope="module")
def beta_sequence():
    """Finite-beta RS at alpha = 0.55, q* = 0.4 for beta = 200, 400, 800 (continuation in beta)."""
    out = {}
    prev = None
    for b in (200.0, 400.0, 800.0):
        r, S, E = _solve_rs_terms(0.55, b, 0.4, init=prev, error=False)
        assert r.converged
        e = bc_energy(0.55, b, 0.4, init=r)
        q = 0.4
        out[b] = {"chi": b * (q - r.q0), "R_hat": r.qhat0 / b**2, "A_hat": (r.qhat1 - r.qhat0) / b,
                  "loglik": r.loglik, "margin": 0.55 * E.gamma_E * S.gamma_S, "E": e.E}
        prev = r
    return out


@pytest.mark.parametrize("key,hi,gain", [("chi", 0.55, 0.1), ("R_hat", 0.55, 0.1), ("loglik", 0.55, 0.1),
                                          ("A_hat", 0.7, 0.5)])
def test_finite_beta_converges_like_one_over_beta(beta_sequence, key, hi, gain):
    """Order parameters and the log-likelihood: the gap to the beta = inf value halves when beta
    doubles (measured ratios 0.51-0.52 for chi, R_hat, loglik; 0.66, 0.64, 0.62 for A_hat, which
    carries a slower, presumably log(beta)/beta, term), so one Richardson step 2 X(800) - X(400)
    removes the 1/beta term: it must land 10x (A_hat: 2x) closer than X(800)."""
    z = solve_zero_temperature(0.55, 0.4)
    inf = getattr(z, key)
    g = {b: abs(v[key] - inf) for b, v in beta_sequence.items()}
    assert 0.35 < g[800.0] / g[400.0] < hi and 0.35 < g[400.0] / g[200.0] < hi
    rich = 2 * beta_sequence[800.0][key] - beta_sequence[400.0][key]
    assert abs(rich - inf) < gain * g[800.0]


@pytest.mark.parametrize("key,tol", [("margin", 5e-3), ("E", 3e-4)])
def test_margin_and_bc_energy_limits(beta_sequence, key, tol):
    """The stability margin and the BC energy approach their beta = inf formulas monotonically
    (margin slowly, gap ~ beta^-0.4; E faster); gap at beta = 800 below tol."""
    z = solve_zero_temperature(0.55, 0.4)
    inf = getattr(z, key)
    g = [abs(beta_sequence[b][key] - inf) for b in (200.0, 400.0, 800.0)]
    assert g[0] > g[1] > g[2] and g[2] < tol


def test_limit_not_uniform_near_qstar_one():
    """chi = lim beta (q* - q0) explodes as q* -> 1 (the maximum of L is nearly degenerate there):
    the frozen regime needs beta >> chi, which is why the finite-beta branch does not freeze."""
    c = zero_temperature_curve(0.55, [0.4, 0.7, 0.9, 0.99])
    chi = c.column("chi")
    assert not c.failed and np.all(np.diff(chi) > 0) and chi[-1] > 1e5
    assert np.all(np.diff(c.column("loglik")) > 0)


@pytest.mark.parametrize("kw,name", [({"alpha": 0.0}, "alpha"), ({"qstar": 1.0}, "qstar"),
                                     ({"qstar": float("nan")}, "qstar"), ({"order": 2}, "order")])
def test_bad_input(kw, name):
    args = {"alpha": 0.55, "qstar": 0.5, **kw}
    with pytest.raises(ValueError, match=name):
        solve_zero_temperature(args["alpha"], args["qstar"], **({"order": kw["order"]} if "order" in kw else {}))
