"""Energy of the binarized configuration ([baldassi2018, SM Sec. II], [baldassi2018, SM Eq. 28-30];
[baldassi2018, Fig. 2 left])."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from theory.core import H, logH
from theory.perceptron import bc_energy, bc_energy_at, bc_energy_curve, solve_rs
from theory.perceptron import bc_overlaps as overlaps


def test_beta_zero_is_one_half():
    # beta = 0: m is independent of the patterns, P(sum sign(m) x < 0) = 1/2 exactly
    r = bc_energy(0.55, 0.0, 0.6)
    assert r.converged and r.E == pytest.approx(0.5, abs=1e-12)


def _site(a, b, g):
    f = lambda m: math.exp(a * m * m + b * m - abs(b) - max(a, 0.0))
    Z = quad(f, -1, 0, epsrel=1e-13)[0] + quad(f, 0, 1, epsrel=1e-13)[0]
    return (quad(lambda m: g(m) * f(m), -1, 0, epsrel=1e-13)[0]
            + quad(lambda m: g(m) * f(m), 0, 1, epsrel=1e-13)[0]) / Z


@pytest.mark.parametrize("qhat0,qhat1", [(13.7, 32.2), (45.5, 44.6)])
def test_overlaps_against_nested_quad(qhat0, qhat1):
    a = 0.5 * (qhat1 - qhat0)
    dz = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    p_ref = 2 * quad(lambda z: dz(z) * _site(a, math.sqrt(qhat0) * z, abs), 0, 10, epsabs=1e-13, limit=200)[0]
    pt_ref = 2 * quad(lambda z: dz(z) * _site(a, math.sqrt(qhat0) * z, np.sign)
                      * _site(a, math.sqrt(qhat0) * z, lambda m: m),
                      0, 10, epsabs=1e-13, limit=200)[0]
    p, pt = overlaps(qhat0, qhat1)
    assert p == pytest.approx(p_ref, abs=1e-10)
    assert pt == pytest.approx(pt_ref, abs=1e-10)


def test_E_against_nested_quad():
    """[baldassi2018, SM Eq. 30] by adaptive scipy quad (independent of the kink-adapted rules)."""
    alpha, beta, qstar = 0.55, 20.0, 0.8
    rs = solve_rs(alpha, beta, qstar)
    p, pt = overlaps(rs.qhat0, rs.qhat1)
    E, var = bc_energy_at(rs.q0, qstar, beta, p, pt)
    q0, D, s = rs.q0, qstar - rs.q0, math.sqrt(1 - qstar)
    sig = math.sqrt(var)

    def inner(z):
        h = math.sqrt(q0) * z
        psi = lambda u: -0.5 * u * u + beta * float(logH(-(h + math.sqrt(D) * u) / s))
        us = np.linspace(-12, 12 + abs(h) / math.sqrt(D), 4001)
        um = us[np.argmax([psi(u) for u in us])]
        m = psi(um)
        A = lambda u: (pt / math.sqrt(q0)) * z + ((p - pt) / math.sqrt(D)) * u
        pts = [um, -h / math.sqrt(D), -(pt / math.sqrt(q0)) * z * math.sqrt(D) / (p - pt)]
        pts = [x for x in pts if um - 12 < x < um + 12]
        num = quad(lambda u: math.exp(psi(u) - m) * float(H(A(u) / sig)), um - 12, um + 12, points=pts, limit=400,
                   epsabs=0, epsrel=1e-12)[0]
        den = quad(lambda u: math.exp(psi(u) - m), um - 12, um + 12, points=pts, limit=400, epsabs=0, epsrel=1e-12)[0]
        return num / den

    ref = quad(lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi) * inner(z), -10, 10, points=[-2, 0, 2],
               limit=200, epsabs=1e-12)[0]
    assert E == pytest.approx(ref, abs=1e-9)


def test_order_convergence():
    rs = solve_rs(0.55, 20.0, 0.8)
    vals = {}
    for o in (6, 12, 24):
        p, pt = overlaps(rs.qhat0, rs.qhat1, o)
        vals[o] = bc_energy_at(rs.q0, 0.8, 20.0, p, pt, o)[0]
    assert abs(vals[12] - vals[24]) < 1e-10
    assert abs(vals[12] - vals[24]) < abs(vals[6] - vals[24])


def test_fig2_left_monotone_decreasing():
    """[baldassi2018, Fig. 2 left] (alpha = 0.55, beta = 20): E decreases with q* and falls towards 0."""
    qs = np.linspace(0.4, 0.96, 8)
    c = bc_energy_curve(0.55, 20.0, qs)
    assert not c.failed
    E = c.column("E")
    assert np.all(np.diff(E) < 0)
    assert E[0] > 0.05 and E[-1] < 1e-5
    # the BC field variance stays a variance
    assert np.all(c.column("sigma2") > 0)
