"""xoroshiro128+ streams for numba hot loops that draw one uniform per synapse.

Numba's ``np.random.random()`` (a Mersenne Twister behind a call) costs about
6 ns per draw on our machines, several times the multiply-add it feeds: in the
stochastic perceptron rules (CP-S, [baldassi2018, SM Eq. 43-44]) every pattern
presentation samples ``W ~ Q_m`` [baldassi2018, Eq. 4], ``N`` draws, and the sampling
was 80 % of the run time. xoroshiro128+ (Blackman & Vigna 2018, the 2016
shift constants a = 24, b = 16, c = 37) is four 64-bit operations per draw
and inlines into the loop.

Only the top 53 bits of each output are used (``(x >> 11) * 2**-53``, the
double in [0, 1)), the recommended use of "+" scramblers whose low bits are
weak. The state lives in a ``uint64[2]`` array owned by the caller, seeded
from the caller's :class:`numpy.random.Generator` by :func:`new_fast_stream`, so
the same seed gives the same numbers (``docs/architecture.md``, randomness).
The stream is not the one of :func:`simulate.core.rng.seed_numba`: kernels using
this module say so in their docstrings.
"""
from __future__ import annotations

import numba
import numpy as np

__all__ = ["new_fast_stream", "next_double", "fill_uniform", "reference_stream"]

_S11 = np.uint64(11)
_S16 = np.uint64(16)
_S24 = np.uint64(24)
_S40 = np.uint64(40)  # 64 - 24
_S37 = np.uint64(37)
_S27 = np.uint64(27)  # 64 - 37
_TWO_M53 = 1.0 / 9007199254740992.0


def new_fast_stream(rng: np.random.Generator) -> np.ndarray:
    """A fresh ``uint64[2]`` xoroshiro128+ state drawn from ``rng`` (advances it); never all zero.

    Examples
    --------
    >>> s = new_fast_stream(np.random.default_rng(0))
    >>> s.dtype, s.shape, bool(s.any())
    (dtype('uint64'), (2,), True)
    >>> bool((s == new_fast_stream(np.random.default_rng(0))).all())
    True
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (got {type(rng).__name__})")
    state = rng.integers(0, np.iinfo(np.uint64).max, size=2, dtype=np.uint64, endpoint=True)
    if state[0] == 0 and state[1] == 0:  # the one forbidden state (probability 2**-128)
        state[1] = np.uint64(0x9E3779B97F4A7C15)
    return state


@numba.njit(cache=True, inline="always")
def next_double(state: np.ndarray) -> float:
    """Next uniform in [0, 1) of the xoroshiro128+ stream in ``state`` (updated in place).

    Examples
    --------
    The compiled draws match the plain-Python transcription :func:`reference_stream`:

    >>> s = new_fast_stream(np.random.default_rng(0))
    >>> ref = reference_stream(s, 3)
    >>> [next_double(s) for _ in range(3)] == ref
    True
    """
    s0 = state[0]
    s1 = state[1]
    out = s0 + s1
    s1 ^= s0
    state[0] = ((s0 << _S24) | (s0 >> _S40)) ^ s1 ^ (s1 << _S16)
    state[1] = (s1 << _S37) | (s1 >> _S27)
    return np.float64(out >> _S11) * _TWO_M53


@numba.njit(cache=True)
def fill_uniform(state: np.ndarray, out: np.ndarray) -> None:
    """Fill ``out`` with consecutive draws of :func:`next_double` (the stream a kernel consumes).

    Examples
    --------
    >>> s = new_fast_stream(np.random.default_rng(0))
    >>> ref = reference_stream(s, 1000)
    >>> out = np.empty(1000)
    >>> fill_uniform(s, out)
    >>> out.tolist() == ref, bool(0.0 <= out.min() and out.max() < 1.0), bool(abs(out.mean() - 0.5) < 0.05)
    (True, True, True)
    """
    for i in range(out.size):
        out[i] = next_double(state)


def reference_stream(state: np.ndarray, n: int) -> list[float]:
    """The first ``n`` draws from ``state`` (not modified), in plain Python integers: an
    independent transcription of xoroshiro128+ that the tests hold the kernel to."""
    mask = (1 << 64) - 1
    s0, s1 = int(state[0]), int(state[1])
    out = []
    for _ in range(n):
        res = (s0 + s1) & mask
        s1 ^= s0
        s0 = (((s0 << 24) | (s0 >> 40)) & mask) ^ s1 ^ ((s1 << 16) & mask)
        s1 = ((s1 << 37) | (s1 >> 27)) & mask
        out.append((res >> 11) / 2.0**53)
    return out
