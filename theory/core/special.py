"""Gaussian tail functions in a form that is safe in the far tails.

Conventions (used throughout the project):

* ``G(x) = exp(-x**2/2) / sqrt(2*pi)``, the standard normal density;
* ``H(x) = int_x^inf Dz = erfc(x/sqrt(2)) / 2``, the Gaussian tail;
* ``logH(x) = log H(x)``, finite for every finite ``x`` (no underflow to -inf);
* ``K(x) = d log H / dx = -G(x)/H(x)`` (negative; ``K(x) ~ -x`` for large ``x``);
* ``GH(x) = G(x)/H(x) = -K(x)``.

Every function is a numba ``vectorize``d ufunc: it accepts numpy arrays from
Python and can be called on scalars inside ``numba.njit`` kernels, so the
theory code and the simulation kernels share one implementation.

For ``x > 0`` the scaled complementary error function
``erfcx(t) = exp(t**2) erfc(t)`` carries the tail: for ``t < 5`` it is formed as
``exp(t*t) * erfc(t)`` (relative error below 3e-15) and beyond by the
continued fraction ``erfcx(t) = 1/sqrt(pi) / (t + (1/2)/(t + 1/(t + (3/2)/(t + ...))))``
evaluated with the modified Lentz algorithm. Accuracy against mpmath is tested
to 1e-14 relative on ``|x| <= 40`` (``tests/test_special.py``).
"""
from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["H", "logH", "K", "GH", "G", "logG", "erfcx", "log2cosh", "logcosh", "H_pow", "SERIES_MAX",
           "ATANH_SERIES_MAX", "tanh_series", "logcosh_series", "atanh_series", "log1p_series", "tanh_small",
           "atanh_small", "logcosh_small",
           "log1p_small"]

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT2PI = 0.5 * math.log(2.0 * math.pi)
_INV_SQRTPI = 1.0 / math.sqrt(math.pi)
_SIG = ["float64(float64)"]
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp splitting constant


@numba.njit(cache=True)
def _erfcx_cf(t: float) -> float:
    """erfcx(t) for t >= 5 by the Laplace continued fraction (modified Lentz)."""
    if t > 1e8:  # erfcx(t) = 1/(t sqrt(pi)) (1 - 1/(2t^2) + ...): exact to rounding here
        return _INV_SQRTPI / t
    tiny = 1e-300
    f = t
    C = t
    D = 0.0
    for k in range(1, 200):
        a = 0.5 * k
        D = t + a * D
        if abs(D) < tiny:
            D = tiny
        C = t + a / C
        if abs(C) < tiny:
            C = tiny
        D = 1.0 / D
        delta = C * D
        f *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return _INV_SQRTPI / f


@numba.vectorize(_SIG, cache=True)
def erfcx(t):
    """Scaled complementary error function ``exp(t^2) erfc(t)``."""
    if t < 5.0:
        if t < -26.0:
            return math.inf
        return math.exp(t * t) * math.erfc(t)
    return _erfcx_cf(t)


@numba.njit(cache=True)
def _exp_neg_half_sq(x: float) -> float:
    """``exp(-x^2/2)`` with the rounding error of ``x*x`` compensated (Dekker)."""
    p = x * x
    c = _SPLIT * x
    xh = c - (c - x)
    xl = x - xh
    e = ((xh * xh - p) + 2.0 * xh * xl) + xl * xl
    return math.exp(-0.5 * p) * (1.0 - 0.5 * e)


@numba.vectorize(_SIG, cache=True)
def G(x):
    """Standard normal density ``exp(-x^2/2)/sqrt(2 pi)``."""
    if abs(x) > 40.0:  # exp(-800) underflows: 0 is the correctly rounded value
        return 0.0
    return _exp_neg_half_sq(x) / _SQRT2PI


@numba.vectorize(_SIG, cache=True)
def logG(x):
    """Log of the standard normal density."""
    return -0.5 * x * x - _LOG_SQRT2PI


# 1/sqrt(2) as an unevaluated sum hi + lo (lo from a 40-digit value), so that
# t = x/sqrt(2) can be carried to twice working precision: the rounding of t
# alone would cost a relative error ~ x^2 * 1e-16 in H(x) at large x.
_ISQ2_HI = 0.7071067811865476
_ISQ2_LO = -4.833646656726457e-17


@numba.njit(cache=True)
def _scaled_arg(x: float) -> tuple[float, float]:
    """Return (t, d) with t + d = x/sqrt(2) to about 1e-32 relative (Dekker product)."""
    t = x * _ISQ2_HI
    c = _SPLIT * x
    xh = c - (c - x)
    xl = x - xh
    c = _SPLIT * _ISQ2_HI
    yh = c - (c - _ISQ2_HI)
    yl = _ISQ2_HI - yh
    err = ((xh * yh - t) + xh * yl + xl * yh) + xl * yl
    return t, err + x * _ISQ2_LO


@numba.vectorize(_SIG, cache=True)
def H(x):
    """Gaussian tail ``H(x) = erfc(x/sqrt 2)/2``, 1e-14 relative up to underflow (x ~ 38.4)."""
    if x < 1.0:
        return 0.5 * math.erfc(x / _SQRT2)
    if x > 40.0:  # H(40) ~ 4e-350 is below the smallest subnormal
        return 0.0
    t, d = _scaled_arg(x)
    e = math.erfc(t)
    # erfc(t + d) = erfc(t) - d * 2/sqrt(pi) exp(-t^2) + O(d^2)
    return 0.5 * e * (1.0 - d * 2.0 * _INV_SQRTPI / erfcx(t))


@numba.vectorize(_SIG, cache=True)
def logH(x):
    """``log H(x)``, accurate in both tails (never -inf for finite x)."""
    if x < 0.0:
        return math.log1p(-H(-x))
    if x < 30.0:
        return math.log(H(x))
    t = x / _SQRT2
    return -t * t + math.log(0.5 * _erfcx_cf(t))


@numba.vectorize(_SIG, cache=True)
def GH(x):
    """``G(x)/H(x) = -K(x)``, without cancellation (``~ x`` for large x)."""
    if x < 0.0:
        return G(x) / H(x)
    t = x / _SQRT2
    if t < 5.0:
        return math.sqrt(2.0 / math.pi) / (math.exp(t * t) * math.erfc(t))
    return math.sqrt(2.0 / math.pi) / _erfcx_cf(t)


@numba.vectorize(_SIG, cache=True)
def K(x):
    """``K(x) = d log H(x) / dx = -G(x)/H(x)``."""
    return -GH(x)


@numba.vectorize(_SIG, cache=True)
def log2cosh(x):
    """``log(2 cosh x)`` without overflow."""
    a = abs(x)
    return a + math.log1p(math.exp(-2.0 * a))


@numba.vectorize(_SIG, cache=True)
def logcosh(x):
    """``log cosh x`` without overflow or cancellation near 0."""
    a = abs(x)
    if a < 1.0:
        s = math.sinh(0.5 * a)
        return math.log1p(2.0 * s * s)
    return a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)


def H_pow(x: np.ndarray | float, beta: float) -> np.ndarray:
    """``H(x)**beta`` formed as ``exp(beta * log H(x))`` (the only safe way).

    Examples
    --------
    >>> float(H_pow(0.0, 2.0))   # H(0) = 1/2
    0.25
    >>> import math
    >>> x = 5.0   # H(-x)**beta = (1 - H(x))**beta -> exp(-beta H(x)) at large beta
    >>> abs(float(H_pow(-x, 1e6)) - math.exp(-1e6 * float(H(x)))) < 1e-6
    True
    """
    return np.exp(beta * logH(np.asarray(x, dtype=float)))


# ---------------------------------------------------------------------------
# Small-argument series (plain ``numba.njit`` functions, for compiled kernels)
# ---------------------------------------------------------------------------
# Branch-free Taylor polynomials: inside a kernel loop they compile to straight-line
# arithmetic that LLVM can vectorise (libm calls cannot be), which is what makes the
# message-passing sweeps of ``simulate.variational_rbm.message_passing`` fast. The truncation
# error on the stated range is below 4e-17 relative (the next Taylor term, checked
# against mpmath in ``tests/test_special.py``); evaluation adds a few ulp.
# Outside the range the ``*_series`` functions are NOT accurate; the ``*_small``
# functions switch to libm there.

#: ``tanh_series``, ``logcosh_series`` are accurate for ``|x| <= SERIES_MAX``
SERIES_MAX = 0.15
#: ``atanh_series`` is accurate for ``|x| <= ATANH_SERIES_MAX``
ATANH_SERIES_MAX = 0.25


@numba.njit(cache=True, inline="always")
def tanh_series(x: float) -> float:
    """``tanh x`` by its Taylor polynomial to ``x^17`` (accurate for ``|x| <= SERIES_MAX``, no branch)."""
    x2 = x * x
    return x * (1.0 + x2 * (-0.3333333333333333 + x2 * (0.13333333333333333
            + x2 * (-0.05396825396825397 + x2 * (0.021869488536155203
            + x2 * (-0.008863235529902197 + x2 * (0.003592128036572481
            + x2 * (-0.0014558343870513183 + x2 * (0.000590027440945586)))))))))


@numba.njit(cache=True, inline="always")
def logcosh_series(x: float) -> float:
    """``log cosh x`` by its Taylor polynomial to ``x^16`` (accurate for ``|x| <= SERIES_MAX``, no branch)."""
    x2 = x * x
    return x2 * (0.5 + x2 * (-0.08333333333333333 + x2 * (0.022222222222222223
            + x2 * (-0.006746031746031746 + x2 * (0.0021869488536155205
            + x2 * (-0.0007386029608251831 + x2 * (0.0002565805740408915
            + x2 * (-9.09896491907074e-05))))))))


@numba.njit(cache=True, inline="always")
def atanh_series(x: float) -> float:
    """``atanh x = sum_k x^(2k+1)/(2k+1)`` to ``x^27`` (accurate for ``|x| <= ATANH_SERIES_MAX``, no branch)."""
    x2 = x * x
    return x * (1.0 + x2 * (0.3333333333333333 + x2 * (0.2 + x2 * (0.14285714285714285
            + x2 * (0.1111111111111111 + x2 * (0.09090909090909091 + x2 * (0.07692307692307693
            + x2 * (0.06666666666666667 + x2 * (0.058823529411764705 + x2 * (0.05263157894736842
            + x2 * (0.047619047619047616 + x2 * (0.043478260869565216 + x2 * (0.04
            + x2 * (0.037037037037037035))))))))))))))


@numba.njit(cache=True, inline="always")
def log1p_series(y: float) -> float:
    """``log(1 + y) = 2 atanh(y / (2 + y))``, accurate for ``-0.4 <= y <= 0.66`` (one division, no branch)."""
    return 2.0 * atanh_series(y / (2.0 + y))


@numba.njit(cache=True)
def tanh_small(x: float) -> float:
    """``tanh x``: the series for ``|x| <= SERIES_MAX``, libm beyond."""
    if abs(x) <= SERIES_MAX:
        return tanh_series(x)
    return math.tanh(x)


@numba.njit(cache=True)
def atanh_small(x: float) -> float:
    """``atanh x`` for ``|x| < 1``: the series for ``|x| <= ATANH_SERIES_MAX``,
    ``sign(x) log1p(2|x|/(1-|x|))/2`` beyond."""
    if abs(x) <= ATANH_SERIES_MAX:
        return atanh_series(x)
    a = abs(x)
    return math.copysign(0.5 * math.log1p(2.0 * a / (1.0 - a)), x)


@numba.njit(cache=True)
def logcosh_small(x: float) -> float:
    """``log cosh x``: the series for ``|x| <= SERIES_MAX``, the ``logcosh`` ufunc beyond."""
    if abs(x) <= SERIES_MAX:
        return logcosh_series(x)
    return logcosh(x)


@numba.njit(cache=True)
def log1p_small(y: float) -> float:
    """``log(1 + y)`` for ``y > -1``: the series for ``-0.4 <= y <= 0.66``, libm beyond."""
    if -0.4 <= y <= 0.66:
        return log1p_series(y)
    return math.log1p(y)
