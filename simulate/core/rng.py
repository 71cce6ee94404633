"""Random-number plumbing: every stochastic routine takes a seed or a Generator.

Numba kernels draw from numba's own per-thread Mersenne Twister, which is
seeded from the caller's :class:`numpy.random.Generator` through
:func:`seed_numba`, so the same seed gives the same numbers in Python and in
compiled kernels alike.
"""
from __future__ import annotations

import numba
import numpy as np

__all__ = ["as_generator", "seed_numba", "SeedLike"]

SeedLike = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a Generator: passes Generators through, builds one from an int/SeedSequence.

    ``None`` is refused on purpose: results must be reproducible, so callers
    choose a seed.

    Examples
    --------
    >>> g = as_generator(0)
    >>> as_generator(g) is g
    True
    >>> as_generator(7).integers(100, size=3).tolist() == as_generator(7).integers(100, size=3).tolist()
    True
    >>> as_generator(None)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an integer >= 0 or a numpy.random.Generator (got None)
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise ValueError("seed must be an integer >= 0 or a numpy.random.Generator (got None)")
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0 or a numpy.random.Generator (got {seed!r})")
    return np.random.default_rng(int(seed))


@numba.njit(cache=True)
def _numba_seed(s: int) -> None:
    np.random.seed(s)  # noqa: NPY002 inside njit this seeds numba's own generator


def seed_numba(rng: np.random.Generator) -> int:
    """Seed numba's generator from ``rng`` (advances ``rng``); returns the seed used.

    Examples
    --------
    Same generator state, same seed (so compiled kernels draw the same numbers):

    >>> seed_numba(as_generator(3)) == seed_numba(as_generator(3))
    True
    >>> 0 <= seed_numba(as_generator(3)) < 2**31 - 1
    True
    """
    s = int(rng.integers(0, 2**31 - 1))
    _numba_seed(s)
    return s
