"""Benchmark: one full-batch GD epoch on the stochastic perceptron [baldassi2018, Eq. 6-7].

At N = 10001, alpha = 0.55 (M = 5501) it times, in the same run:

* the numba epoch of :mod:`simulate.perceptron.gd` (two streaming passes over
  the int8 pattern matrix);
* the same epoch on the bit-packed patterns (``pack_instance``; byte tables of partial
  sums forward, byte histograms backward, popcount for the BC fields), checked to give
  the same update to rounding;
* (a) a straightforward numpy float64 implementation of the same epoch
  (float64 copy of X, ``X @ m``, ``X.T @ c``), checked to give the same update;
* (b) the memory-traffic floor: streaming the int8 matrix twice (a numba
  byte-sum over every entry, two passes);

and prints the ratios; then GD to a solution (eta = 0.1) at the same size on the
packed instance. ``--json`` prints one JSON object instead: ``epoch_s`` (packed epoch),
``int8_epoch_s``, ``int8_floor_s``, ``numpy_s`` and their ratios, all measured in this run.
Targets (issue 22): packed epoch below the int8 floor (aim 0.5x) and >= 10x faster than numpy.
Run: ``python benchmarks/bench_perceptron_gd.py [--repeat R] [--seeds S] [--json]``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numba
import numpy as np
from _timing import best, stream_int8
from scipy.special import log_ndtr

from simulate.perceptron import generate_instance, pack_instance
from simulate.perceptron.gd import SIGMA2_FLOOR, GDWorkspace, gd_step, gradient_ascent
from theory.core import GH


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
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    a = ap.parse_args()
    say = (lambda *x: print(*x, file=sys.stderr)) if a.json else print
    say(f"numba threads available: {numba.config.NUMBA_NUM_THREADS}; kernels are single-threaded")
    inst = generate_instance(a.N, a.alpha, seed=0)
    pinst = pack_instance(inst)
    N, M = inst.N, inst.M
    say(f"N = {N}, M = {M}, pattern matrix {inst.X.nbytes / 1e6:.1f} MB (int8), "
        f"{pinst.bits.nbytes / 1e6:.2f} MB packed")
    rng = np.random.default_rng(1)
    m0 = np.clip(rng.normal(0, 0.3, N), -1, 1)
    wk = GDWorkspace(M, N)
    wkp = GDWorkspace(M, N, pinst)
    h = np.zeros(N)

    def ours():
        m = m0.copy()
        gd_step(inst.X, inst.y, wk.all_rows, m, h, 0.1, False, SIGMA2_FLOOR, wk.hbar, wk.b, wk.c, wk.w,
              wk.grad, False)
        return m

    def packed():
        m = m0.copy()
        wkp.step(wkp.all_rows, m, h, 0.1, False, False)
        return m

    Xf = inst.X.astype(np.float64)
    yf = inst.y.astype(np.float64)
    ours()
    packed()
    stream_int8(inst.X)
    m_ours = ours()
    m_packed = packed()
    m_np, _ = numpy_epoch(Xf, yf, m0, 0.1)
    dev_int8 = float(np.max(np.abs(m_ours - m_np)))
    dev_packed = float(np.max(np.abs(m_packed - m_ours)))
    say(f"max |m_numba - m_numpy| after one epoch: {dev_int8:.2e}; max |m_packed - m_numba|: {dev_packed:.2e}")
    t_ours = best(ours, a.repeat)
    t_packed = best(packed, a.repeat)
    t_np = best(lambda: numpy_epoch(Xf, yf, m0, 0.1), a.repeat)
    t_floor = best(lambda: (stream_int8(inst.X), stream_int8(inst.X)), a.repeat)
    say("times are best-of-repeat process CPU times")
    say(f"packed GD epoch     : {t_packed * 1e3:8.2f} ms   ratio packed/floor = {t_packed / t_floor:.2f}, "
        f"numpy/packed = {t_np / t_packed:.1f}")
    say(f"numba GD epoch int8 : {t_ours * 1e3:8.2f} ms")
    say(f"numpy float64 epoch : {t_np * 1e3:8.2f} ms   ratio numpy/numba = {t_np / t_ours:.2f}")
    say(f"stream int8 X twice : {t_floor * 1e3:8.2f} ms   ratio numba/floor = {t_ours / t_floor:.2f}")
    runs = []
    for s in range(a.seeds):
        inst_s = generate_instance(a.N, a.alpha, seed=100 + s, packed=True)
        t, c = time.perf_counter(), time.process_time()
        r = gradient_ascent(inst_s, eta=0.1, max_epochs=2000, seed=s)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        runs.append(dict(seed=100 + s, solved=r.solved, epochs=r.epochs, cpu_s=dc, wall_s=dt,
                         cpu_per_epoch_s=dc / max(r.epochs, 1)))
        say(f"GD to solution (packed), instance {s}: solved={r.solved} epochs={r.epochs} q*={r.qstar:.3f} "
            f"CPU {dc:.2f} s, wall {dt:.2f} s ({dc / max(r.epochs, 1) * 1e3:.1f} ms CPU/epoch)")
    if a.json:
        json.dump(dict(N=N, M=M, alpha=inst.alpha, repeat=a.repeat, epoch_s=t_packed, int8_epoch_s=t_ours,
                       int8_floor_s=t_floor, numpy_s=t_np, packed_over_int8_floor=t_packed / t_floor,
                       numpy_over_packed=t_np / t_packed, int8_over_int8_floor=t_ours / t_floor,
                       int8_over_packed=t_ours / t_packed, max_dm_packed_vs_int8=dev_packed,
                       max_dm_int8_vs_numpy=dev_int8, packed_bytes=int(pinst.bits.nbytes),
                       int8_bytes=int(inst.X.nbytes), to_solution=runs), sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
