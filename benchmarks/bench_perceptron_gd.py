"""Benchmark: one full-batch GD epoch on the stochastic perceptron [baldassi2018, Eq. 6-7].

At N = 10001, alpha = 0.55 (M = 5501) it times, in the same run:

* the numba epoch of :mod:`simulate.perceptron.gd` (two streaming passes over
  the int8 pattern matrix);
* (a) a straightforward numpy float64 implementation of the same epoch
  (float64 copy of X, ``X @ m``, ``X.T @ c``), checked to give the same update;
* (b) the memory-traffic floor: streaming the int8 matrix twice (a numba
  byte-sum over every entry, two passes);

and prints both ratios; then GD to a solution (eta = 0.1) at the same size.
Run: ``python benchmarks/bench_perceptron_gd.py [--repeat R] [--seeds S]``.
"""
from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from _timing import best
from scipy.special import log_ndtr

from simulate.perceptron import generate_instance
from simulate.perceptron.gd import SIGMA2_FLOOR, GDWorkspace, gd_step, gradient_ascent
from theory.core import GH


@numba.njit(cache=True)
def _stream(X):
    s = 0
    M, N = X.shape
    for mu in range(M):
        row = X[mu]
        for i in range(N):
            s += row[i]
    return s


def numpy_epoch(Xf, y, m, eta):
    """Reference epoch in plain numpy float64 (same formulas as [baldassi2018, Eq. 6-7])."""
    sigma = np.sqrt(max(np.sum((1 - m) * (1 + m)), SIGMA2_FLOOR))
    hbar = Xf @ m
    u = -y * hbar / sigma
    L = np.sum(log_ndtr(-u))
    g = GH(u)
    grad = Xf.T @ (g * y / sigma) + m * np.sum(g * y * hbar) / sigma**3
    return np.clip(m + eta * grad, -1, 1), L


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=10001)
    ap.add_argument("--alpha", type=float, default=0.55)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3, help="instances for the time-to-solution measurement")
    a = ap.parse_args()
    print(f"numba threads available: {numba.config.NUMBA_NUM_THREADS}; kernels are single-threaded")
    inst = generate_instance(a.N, a.alpha, seed=0)
    N, M = inst.N, inst.M
    print(f"N = {N}, M = {M}, pattern matrix {inst.X.nbytes / 1e6:.1f} MB (int8)")
    rng = np.random.default_rng(1)
    m0 = np.clip(rng.normal(0, 0.3, N), -1, 1)
    wk = GDWorkspace(M, N)
    h = np.zeros(N)

    def ours():
        m = m0.copy()
        gd_step(inst.X, inst.y, wk.all_rows, m, h, 0.1, False, SIGMA2_FLOOR, wk.hbar, wk.b, wk.c, wk.w,
              wk.grad, False)
        return m

    Xf = inst.X.astype(np.float64)
    yf = inst.y.astype(np.float64)
    ours()
    _stream(inst.X)
    m_ours = ours()
    m_np, _ = numpy_epoch(Xf, yf, m0, 0.1)
    print(f"max |m_numba - m_numpy| after one epoch: {np.max(np.abs(m_ours - m_np)):.2e}")
    t_ours = best(ours, a.repeat)
    t_np = best(lambda: numpy_epoch(Xf, yf, m0, 0.1), a.repeat)
    t_floor = best(lambda: (_stream(inst.X), _stream(inst.X)), a.repeat)
    print("times are best-of-repeat process CPU times")
    print(f"numba GD epoch      : {t_ours * 1e3:8.2f} ms")
    print(f"numpy float64 epoch : {t_np * 1e3:8.2f} ms   ratio numpy/numba = {t_np / t_ours:.2f}")
    print(f"stream int8 X twice : {t_floor * 1e3:8.2f} ms   ratio numba/floor = {t_ours / t_floor:.2f}")
    for s in range(a.seeds):
        inst_s = generate_instance(a.N, a.alpha, seed=100 + s)
        t, c = time.perf_counter(), time.process_time()
        r = gradient_ascent(inst_s, eta=0.1, max_epochs=2000, seed=s)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        print(f"GD to solution, instance {s}: solved={r.solved} epochs={r.epochs} q*={r.qstar:.3f} "
              f"CPU {dc:.2f} s, wall {dt:.2f} s ({dc / max(r.epochs, 1) * 1e3:.1f} ms CPU/epoch)")


if __name__ == "__main__":
    main()
