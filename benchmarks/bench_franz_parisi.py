"""Benchmark: three stochastic-reference Franz-Parisi curves (alpha=0.55, beta=20, q* = 0.7, 0.8, 0.9).

``python benchmarks/bench_franz_parisi.py [--points 60] [--order 8]``

Prints the CPU and wall time of each 60-point curve (d from 0 to 0.3, continuation from
the maximum of S) and their ratio to a baseline measured in the same run: one saddle
point at d = 0.1 started from the maximum (the unit of work of a curve). Target from the
issue: all three curves under a minute on one core.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from theory.perceptron.franz_parisi import (
    franz_parisi_curve,
    franz_parisi_max,
    franz_parisi_reference,
    solve_franz_parisi,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--order", type=int, default=8)
    args = ap.parse_args()
    refs = {q: franz_parisi_reference("stochastic", 0.55, 20.0, q) for q in (0.7, 0.8, 0.9)}
    # warm-up (numba compile, node sets)
    mx = franz_parisi_max(refs[0.9], order=args.order)
    t0, c0 = time.perf_counter(), time.process_time()
    solve_franz_parisi(refs[0.9], 0.1, init=mx, order=args.order)
    base_wall, base_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"baseline: one saddle point (q*=0.9, d=0.1, warm start): cpu {base_cpu:.2f} s, wall {base_wall:.2f} s")
    d = np.linspace(0.0, 0.3, args.points)
    tot_cpu = tot_wall = 0.0
    for q, ref in refs.items():
        t0, c0 = time.perf_counter(), time.process_time()
        c = franz_parisi_curve(ref, d, order=args.order)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        tot_cpu += cpu
        tot_wall += wall
        nfail = len(c.failed)
        print(f"q*={q}: {args.points} points, cpu {cpu:.1f} s (x{cpu / base_cpu:.1f} baseline), wall {wall:.1f} s, "
              f"failed points {nfail}")
    print(f"total: cpu {tot_cpu:.1f} s, wall {tot_wall:.1f} s (target < 60 s); "
          f"per point {tot_cpu / (3 * args.points):.2f} s cpu = x{tot_cpu / (3 * args.points) / base_cpu:.2f} baseline")


if __name__ == "__main__":
    main()
