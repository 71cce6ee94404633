"""Timing helper shared by the benchmark scripts (run as ``python benchmarks/bench_*.py``)."""
from __future__ import annotations

import time
from collections.abc import Callable

import numba


def best(f: Callable[[], object], repeat: int, clock: Callable[[], float] = time.process_time) -> float:
    """Best of ``repeat`` calls of ``f``, measured with ``clock`` (default: CPU time of this
    process, robust on a shared machine since the kernels are serial)."""
    ts = []
    for _ in range(repeat):
        t = clock()
        f()
        ts.append(clock() - t)
    return min(ts)


@numba.njit(cache=True)
def stream_int8(X):
    """The int8 streaming floor of the perceptron kernels: one pass summing every byte of ``X`` (M, N)."""
    s = 0
    M, N = X.shape
    for mu in range(M):
        row = X[mu]
        for i in range(N):
            s += row[i]
    return s
