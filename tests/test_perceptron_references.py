"""Reference curves: Gardner capacity and the Gardner-Derrida / Krauth-Mezard binary perceptron."""
from __future__ import annotations

import math

import mpmath as mp
import pytest

from theory.perceptron import (
    binary_capacity,
    binary_entropy,
    gardner_capacity,
    gardner_energetic,
    spherical_entropy,
)


def test_gardner_capacity_zero_margin():
    # Gardner (1988): alpha_c(0) = 1 / int_0^inf Dt t^2 = 2
    assert gardner_capacity() == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize("kappa", [-0.5, 0.5, 1.0, 2.0])
def test_gardner_capacity_margin_closed_form(kappa):
    # int_{-k}^inf Dt (t+k)^2 = (1 + k^2) H(-k) + k G(k), evaluated with mpmath
    mp.mp.dps = 30
    k = mp.mpf(kappa)
    Hm = mp.erfc(-k / mp.sqrt(2)) / 2
    G = mp.exp(-k * k / 2) / mp.sqrt(2 * mp.pi)
    assert gardner_capacity(kappa) == pytest.approx(float(1 / ((1 + k * k) * Hm + k * G)), rel=1e-12)


def test_krauth_mezard_capacity():
    # Krauth & Mezard (1989): alpha_c = 0.833 (zero of the RS entropy of binary solutions)
    r = binary_capacity()
    assert r.converged
    assert r.alpha_c == pytest.approx(0.833, abs=1e-3)
    assert abs(binary_entropy(r.alpha_c).entropy) < 1e-9


def test_binary_entropy_small_alpha_annealed():
    # alpha -> 0: q, qhat = O(alpha) and s = (1 - alpha) log 2 + O(alpha^2) (annealed bound)
    for alpha in (0.01, 0.02):
        s = binary_entropy(alpha).entropy
        assert abs(s - (1 - alpha) * math.log(2)) < 2 * alpha**2
    # and the quenched entropy lies below the annealed one at finite alpha
    assert binary_entropy(0.5).entropy < 0.5 * math.log(2)


def test_binary_entropy_stationary():
    from theory.perceptron import binary_perceptron_terms as _terms
    alpha = 0.6
    r = binary_entropy(alpha)

    def s(q, qhat):
        T = _terms(q, qhat, alpha, 32)
        return -0.5 * qhat * (1 - q) + T.G_S + alpha * T.G_E

    assert s(r.q, r.qhat) == pytest.approx(r.entropy, abs=1e-14)
    h = 1e-5
    assert abs((s(r.q + h, r.qhat) - s(r.q - h, r.qhat)) / (2 * h)) < 1e-7
    assert abs((s(r.q, r.qhat + h) - s(r.q, r.qhat - h)) / (2 * h)) < 1e-7


@pytest.mark.parametrize("kw", [{"alpha": -1.0}, {"alpha": 0.0}, {"alpha": float("inf")}])
def test_bad_input(kw):
    with pytest.raises(ValueError, match="alpha"):
        binary_entropy(**kw)
    with pytest.raises(ValueError, match="kappa"):
        gardner_capacity(float("nan"))


def test_spherical_entropy_stationary_and_small_alpha():
    """Gardner's spherical log-volume: stationary in q (finite differences); alpha -> 0: the
    annealed value alpha log(1/2) + O(alpha^2) (each pattern halves the sphere)."""
    alpha = 0.55
    r = spherical_entropy(alpha)
    assert r.converged

    def s(q):
        return 0.5 * math.log(1 - q) + q / (2 * (1 - q)) + alpha * gardner_energetic(q, 48)[0]

    assert s(r.q) == pytest.approx(r.entropy, abs=1e-10)
    h = 1e-5
    assert abs((s(r.q + h) - s(r.q - h)) / (2 * h)) < 1e-7
    for a in (0.01, 0.02):
        assert abs(spherical_entropy(a).entropy + a * math.log(2)) < 2 * a**2


def test_spherical_entropy_q_to_one_at_gardner_capacity():
    """q -> 1 as alpha -> alpha_c = 2 (Gardner 1988): 1 - q = O(alpha_c - alpha); the entropy
    decreases in alpha."""
    r1, r2 = spherical_entropy(1.9), spherical_entropy(1.95)
    assert r1.converged and r2.converged
    assert r2.q > r1.q > 0.8
    # linear extrapolation of 1 - q to zero lands at alpha_c = 2
    a_c = 1.95 + (1 - r2.q) * 0.05 / (r2.q - r1.q)
    assert a_c == pytest.approx(2.0, abs=0.02)
    assert r2.entropy < r1.entropy < spherical_entropy(0.5).entropy
    with pytest.raises(ValueError, match="alpha"):
        spherical_entropy(2.5)
