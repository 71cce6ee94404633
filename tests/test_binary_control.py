"""Binary control variables m = sqrt(q*) sigma ([baldassi2018, SM Sec. IV], [baldassi2018, SM Eq. 40];
[baldassi2018, SM Fig. 3])."""
from __future__ import annotations

import math

import numpy as np
import pytest

from theory.perceptron import (
    binary_control_curve,
    binary_entropy,
    clipped_energy,
    energetic_terms,
    ising_terms,
    solve_binary_control,
)


def test_beta_zero():
    r = solve_binary_control(0.55, 0.0, 0.5)
    assert r.phi == pytest.approx(math.log(2), abs=1e-12)
    assert r.E == pytest.approx(0.5, abs=1e-12)


def test_stationarity():
    alpha, beta, qstar = 0.55, 15.0, 0.8
    r = solve_binary_control(alpha, beta, qstar)
    assert r.converged

    def phi(q0, qhat0):
        return (-0.5 * qhat0 * (qstar - q0) + ising_terms(qhat0, qstar).G_S
                + alpha * energetic_terms(q0, qstar, beta).G_E)

    assert phi(r.q0, r.qhat0) == pytest.approx(r.phi, abs=1e-13)
    for i, x in enumerate((r.q0, r.qhat0)):
        h = 1e-4 * max(1.0, x)

        def D(hh, i=i):
            a = [r.q0, r.qhat0]
            b = list(a)
            a[i] += hh
            b[i] -= hh
            return (phi(*a) - phi(*b)) / (2 * hh)

        assert abs((4 * D(h / 2) - D(h)) / 3) < 1e-8


def test_qstar_to_one_gives_gardner_derrida():
    """q* -> 1 at fixed beta: log H(-sqrt(q*/(1-q*)) lambda) becomes a hard constraint and phi
    tends to the RS entropy of binary solutions; the correction is O(sqrt(1 - q*))
    (observed ratio sqrt(10) per decade), removed by one Richardson step."""
    alpha, beta = 0.55, 15.0
    p1 = solve_binary_control(alpha, beta, 1 - 1e-3).phi
    p2 = solve_binary_control(alpha, beta, 1 - 1e-4).phi
    extrap = p2 + (p2 - p1) / (math.sqrt(10) - 1)
    s = binary_entropy(alpha).entropy
    assert abs(p2 - s) < 0.02
    assert extrap == pytest.approx(s, abs=2e-3)


def test_sm_fig3_energy_decreasing_and_order_converged():
    c = binary_control_curve(0.55, 15.0, np.linspace(0.4, 0.95, 6))
    assert not c.failed
    E = c.column("E")
    assert np.all(np.diff(E) < 0) and E[-1] < 1e-4
    q0 = c.column("q0")[3]
    qs = c.column("qstar")[3]
    e12, e24, e6 = (clipped_energy(q0, qs, 15.0, o) for o in (12, 24, 6))
    assert abs(e12 - e24) < 1e-10 and abs(e12 - e24) < abs(e6 - e24)


def test_bad_input():
    with pytest.raises(ValueError, match="qstar"):
        solve_binary_control(0.5, 1.0, 1.5)
    with pytest.raises(ValueError, match="beta"):
        solve_binary_control(0.5, -1.0, 0.5)
