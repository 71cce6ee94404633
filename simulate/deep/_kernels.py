"""Fused elementwise kernels over parameter-sized arrays (private to :mod:`simulate.deep`).

With mini-batches of ~100 rows a pass over an ``801 x 801`` float32 matrix costs about as much
as one of the step's GEMMs, so the parameter-sized work is fused into single passes
(``benchmarks/bench_deep.py`` measures the effect). ``tanh`` stays with numpy (SIMD); the
kernels do the arithmetic that follows it.
"""
from __future__ import annotations

import numba


@numba.njit(cache=True, fastmath=True)
def square_rows(m, m2, om2, rowsum, want_om2):  # pragma: no cover - compiled
    """``m2 = m^2``; ``om2 = 1 - m^2`` if ``want_om2``; ``rowsum_i = sum_j (1 - m_ij^2)``."""
    n, k = m.shape
    for i in range(n):
        s = 0.0
        for j in range(k):
            t = m[i, j] * m[i, j]
            m2[i, j] = t
            if want_om2:
                om2[i, j] = 1.0 - t
            s += 1.0 - t
        rowsum[i] = s


@numba.njit(cache=True, fastmath=True)
def field_gradient(g1, g2, m, m2, tiny):  # pragma: no cover - compiled
    """In place ``g1 <- (g1 - 2 m g2) (1 - m^2)``: ``dL/dh`` from ``dL/dmu``/``dL/ds2`` products, ``m = tanh h``;
    entries below ``tiny`` in magnitude are set to 0 (see :func:`flush_tiny`)."""
    n, k = g1.shape
    for i in range(n):
        for j in range(k):
            v = (g1[i, j] - 2.0 * m[i, j] * g2[i, j]) * (1.0 - m2[i, j])
            g1[i, j] = v if abs(v) >= tiny else 0.0


@numba.njit(cache=True)
def flush_tiny(x, tiny):  # pragma: no cover - compiled
    """In place: entries of ``x`` below ``tiny`` in magnitude become 0. Subnormal floats (below
    ``finfo.tiny``) reach the backward pass once the units saturate (``exp(-z^2/2)`` underflows for
    ``|z| > 13`` in float32, softmax probabilities for confident outputs) and make a float32 GEMM about
    100x slower (measured: 0.17 s against 1.2 ms for a 100 x 801 by 801 x 801 product); ``tiny`` is
    ``2^24`` times ``finfo.tiny``, far below anything that changes a sum of normal numbers."""
    xf = x.reshape(-1)
    for i in range(xf.size):
        if abs(xf[i]) < tiny:
            xf[i] = 0.0


@numba.njit(cache=True, fastmath=True)
def sign_into(w, out):  # pragma: no cover - compiled
    """``out = +1`` where ``w >= 0``, else ``-1``."""
    wf, of = w.reshape(-1), out.reshape(-1)
    for i in range(wf.size):
        of[i] = 1.0 if wf[i] >= 0 else -1.0
