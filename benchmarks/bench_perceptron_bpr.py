"""Benchmark: one BP+R sweep (simulate.perceptron.bp_reinforcement, numba) vs a straightforward numpy sweep.

Run: ``python benchmarks/bench_perceptron_bpr.py [--N 1001] [--alpha 0.6] [--repeat 5]``.
Both implementations start from the same messages; the script checks that they
produce the same factor messages and fields (max abs difference printed) and
prints the best-of-``repeat`` wall time of each and their ratio. The numpy
baseline is vectorised over the (M, N) message matrices and uses the same
``theory.core.special.logH`` ufunc, so the ratio measures loop fusion and
memory traffic, not a different special-function implementation.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import best

from simulate.perceptron import generate_instance
from simulate.perceptron.bp_reinforcement import V_FLOOR, bpr_init_messages, bpr_sweep
from theory.core import logH


def numpy_sweep(S, mcav, u, h, r):
    """Same sweep as ``bpr_sweep`` (docs/bp_reinforcement.md Eq. B1-B4) in plain numpy."""
    Sf = S.astype(float)
    omega = (Sf * mcav).sum(axis=1, keepdims=True)
    V = (1.0 - mcav**2).sum(axis=1, keepdims=True)
    om = omega - Sf * mcav
    v = np.maximum(V - (1.0 - mcav**2), V_FLOOR)
    sv = np.sqrt(v)
    unew = 0.5 * (logH(-(om + Sf) / sv) - logH(-(om - Sf) / sv))
    d = float(np.max(np.abs(unew - u)))
    u[:] = unew
    h[:] = r * h + u.sum(axis=0)
    mcav[:] = np.tanh(h[None, :] - u)
    return d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=1001)
    ap.add_argument("--alpha", type=float, default=0.6)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    inst = generate_instance(args.N, args.alpha, 0)
    S = np.ascontiguousarray(inst.X * inst.y[:, None], dtype=np.int8)
    rng = np.random.default_rng(0)
    m0, u0, h0 = bpr_init_messages(inst, rng, 0.5)
    # a few sweeps to reach generic (non-initial) messages, then copy the state
    for _ in range(3):
        bpr_sweep(S, m0, u0, h0, 0.3)
    state = lambda: (m0.copy(), u0.copy(), h0.copy())  # noqa: E731

    a = state()
    b = state()
    bpr_sweep(S, *a, 0.5)
    numpy_sweep(S, *b, 0.5)
    diff_u = float(np.max(np.abs(a[1] - b[1])))
    diff_h = float(np.max(np.abs(a[2] - b[2])))

    def run_numba():
        st = state()
        bpr_sweep(S, *st, 0.5)

    def run_numpy():
        st = state()
        numpy_sweep(S, *st, 0.5)

    t_copy = best(state, args.repeat, clock=time.perf_counter)
    t_nb = best(run_numba, args.repeat, clock=time.perf_counter) - t_copy
    t_np = best(run_numpy, args.repeat, clock=time.perf_counter) - t_copy
    edges = inst.M * inst.N
    print(f"BP+R sweep, N={inst.N}, M={inst.M} ({edges} edges), best of {args.repeat}")
    print(f"  agreement: max|du| = {diff_u:.2e}, max|dh| = {diff_h:.2e}")
    print(f"  numba kernel : {t_nb * 1e3:9.2f} ms  ({t_nb / edges * 1e9:6.1f} ns/edge)")
    print(f"  numpy        : {t_np * 1e3:9.2f} ms  ({t_np / edges * 1e9:6.1f} ns/edge)")
    print(f"  ratio numpy/numba = {t_np / t_nb:.2f}")


if __name__ == "__main__":
    main()
