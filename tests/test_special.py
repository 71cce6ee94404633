"""Gaussian tail functions against mpmath (50 digits) over |x| <= 40."""
import math

import mpmath as mp
import numba
import numpy as np
import pytest
from conftest import mpmath_precision  # noqa: E402
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.core import GH, G, H, H_pow, K, erfcx, log2cosh, logcosh, logH

_precision = mpmath_precision(50)
XS = np.linspace(-40.0, 40.0, 801)


def _H(x):
    return mp.erfc(mp.mpf(x) / mp.sqrt(2)) / 2


def _logH(x):
    return mp.log(_H(x)) if x > 0 else mp.log1p(-_H(-x))


def _rel(a, b):
    b = float(b)
    return abs(a - b) / abs(b) if b != 0 else abs(a)


def _check(fn, ref, xs=XS, tol=1e-14, floor=1e-300):
    worst = 0.0
    for x in xs:
        r = ref(x)
        if abs(r) < floor:  # below the normal float range: relative error meaningless
            continue
        worst = max(worst, _rel(fn(x), r))
    assert worst < tol, worst


def test_H_relative_accuracy():
    _check(H, _H)


def test_logH_relative_accuracy_both_tails():
    _check(logH, _logH)
    assert np.all(np.isfinite(logH(np.array([-1e3, 40.0, 1e3, 1e6]))))


def test_K_is_derivative_of_logH_without_cancellation():
    _check(K, lambda x: -mp.npdf(x) / _H(x))
    # K(x) = d logH/dx by central differences at moderate x
    x = np.linspace(-5, 30, 36)
    h = 1e-5
    fd = (logH(x + h) - logH(x - h)) / (2 * h)
    np.testing.assert_allclose(K(x), fd, rtol=1e-8)
    np.testing.assert_allclose(GH(x), -K(x), rtol=0)


def test_G_and_erfcx():
    _check(G, mp.npdf)
    _check(erfcx, lambda t: mp.exp(mp.mpf(t) ** 2) * mp.erfc(t), xs=np.linspace(-5, 40, 451), tol=2e-14)


def test_logcosh():
    x = np.array([-800.0, -3.0, 0.0, 1e-8, 2.5, 800.0])
    np.testing.assert_allclose(logcosh(x), [float(mp.log(mp.cosh(v))) for v in x], rtol=1e-15, atol=1e-300)
    np.testing.assert_allclose(log2cosh(x), [float(mp.log(2 * mp.cosh(v))) for v in x], rtol=1e-15)


def test_H_pow_never_underflows_in_log_domain():
    # H(30)^50 underflows but its log is finite and right
    val = H_pow(30.0, 50.0)
    assert val == 0.0
    assert math.isclose(50 * logH(30.0), float(50 * _logH(30.0)), rel_tol=1e-14)
    np.testing.assert_allclose(H_pow(np.array([0.0, 1.0]), 2.0), [0.25, float(_H(1.0)) ** 2], rtol=1e-15)


def test_ufuncs_usable_inside_numba():
    @numba.njit
    def f(x):
        return logH(x) + K(x) + H(x) + GH(x)

    for x in (-3.0, 0.5, 35.0):
        assert f(x) == pytest.approx(logH(x) + K(x) + H(x) + GH(x), rel=1e-15)


@settings(max_examples=200, deadline=None)
@given(st.floats(-40, 40))
def test_symmetry_H_plus_H_minus_is_one(x):
    assert H(x) + H(-x) == pytest.approx(1.0, abs=2e-16)
    assert K(x) <= 0.0


def test_extreme_arguments_give_the_correctly_rounded_limits():
    x = np.array([-np.inf, -1e200, -1e100, -50.0, 50.0, 1e100, 1e200, np.inf])
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(H(x), [1, 1, 1, 1, 0, 0, 0, 0])
        np.testing.assert_array_equal(G(x), 0.0)
        np.testing.assert_allclose(GH(x[4:7]), [50.019984, 1e100, 1e200], rtol=1e-7)
        np.testing.assert_allclose(logH(x[5:6]), [-5e199], rtol=1e-15)
        assert logH(np.inf) == -np.inf and K(np.inf) == -np.inf and logH(-np.inf) == 0.0
        np.testing.assert_allclose(erfcx(1e100), 1 / (1e100 * np.sqrt(np.pi)), rtol=1e-15)


def test_small_argument_series_against_mpmath():
    # branch-free Taylor polynomials on their stated ranges and the *_small versions (series inside, libm
    # outside) against 50-digit mpmath: truncation < 4e-17 relative, evaluation a few ulp -> 1e-15 relative
    from theory.core.special import (
        ATANH_SERIES_MAX,
        SERIES_MAX,
        atanh_series,
        atanh_small,
        log1p_series,
        log1p_small,
        logcosh_series,
        logcosh_small,
        tanh_series,
        tanh_small,
    )

    def grid(lo, hi):
        return np.concatenate([np.linspace(lo, hi, 1501), [1e-300, -1e-200, 3e-9, -7e-5, lo, hi]])

    cases = [
        (tanh_series, mp.tanh, grid(-SERIES_MAX, SERIES_MAX)),
        (logcosh_series, lambda v: mp.log(mp.cosh(v)), grid(-SERIES_MAX, SERIES_MAX)),
        (atanh_series, mp.atanh, grid(-ATANH_SERIES_MAX, ATANH_SERIES_MAX)),
        (log1p_series, mp.log1p, grid(-0.4, 0.66)),
        (tanh_small, mp.tanh, grid(-3.0, 3.0)),
        (logcosh_small, lambda v: mp.log(mp.cosh(v)), grid(-30.0, 30.0)),
        (atanh_small, mp.atanh, grid(-0.999, 0.999)),
        (log1p_small, mp.log1p, grid(-0.9, 5.0)),
    ]
    for fn, ref, xs in cases:
        worst = max(_rel(fn(float(x)), ref(mp.mpf(float(x)))) for x in xs if x != 0.0)
        assert worst < 1e-15, (fn.__name__, worst)
        assert fn(0.0) == 0.0
    # the series really are series: outside their range they are visibly wrong (the *_small switch is needed)
    assert _rel(tanh_series(1.0), mp.tanh(1.0)) > 1e-6
    assert _rel(atanh_series(0.9), mp.atanh(0.9)) > 1e-3


def test_small_argument_series_inline_in_numba():
    from theory.core.special import atanh_series, tanh_series

    @numba.njit
    def f(a):
        acc = 0.0
        for v in a:
            acc += atanh_series(tanh_series(v))
        return acc

    a = np.linspace(-0.1, 0.1, 101) + 0.01
    assert f(a) == pytest.approx(float(np.sum(a)), rel=1e-14)
