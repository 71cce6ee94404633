"""Epoch time of the deep networks of [baldassi2018, SM Sec. V] against the GEMM floor.

The floor is the time of the matrix products one training step needs -- the same shapes and
dtype, timed alone in the same process: per layer, the forward products (``stochastic``: the mean
``A M^T`` and the variance ``A^2 (M^2)^T`` or ``X^2 (1 - M^2)^T``; ``bnn``/``relu``: one) and the
backward ones (weight gradient(s) and, above the first layer, input gradient(s)). The ratio
``step / floor`` is the overhead of everything else (elementwise work, Adam, batch gathering).

    python benchmarks/bench_deep.py [--method stochastic|bnn|relu|all] [--batch 100] [--steps 30] [--json]

Target (issue 19): a training epoch of the paper's network (784-801-801-801-10, MNIST's 60,000
images) within 2x the floor.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def gemm_shapes(method: str, sizes, batch: int):
    """``(m, k, n)`` of every product ``(m x k) @ (k x n)`` in one training step."""
    out = []
    for l, (i, o) in enumerate(zip(sizes[:-1], sizes[1:])):
        n_fwd = 2 if method == "stochastic" else 1
        out += [(batch, i, o)] * n_fwd                 # forward: A M^T (and the variance product)
        out += [(o, batch, i)] * n_fwd                 # weight gradients: g^T A (and g_s2^T A^2)
        if l > 0:
            out += [(batch, o, i)] * n_fwd             # input gradients: g M (and g_s2 M^2)
    return out


class _Floor:
    """The step's GEMMs with preallocated operands and outputs."""

    def __init__(self, shapes, dtype):
        rng = np.random.default_rng(0)
        self.mats = [(rng.standard_normal((m, k)).astype(dtype), rng.standard_normal((k, n)).astype(dtype))
                     for m, k, n in shapes]
        self.outs = [np.empty((m, n), dtype) for m, _, n in shapes]

    def __call__(self) -> float:
        t0 = time.perf_counter()
        for (a, b), c in zip(self.mats, self.outs):
            np.matmul(a, b, out=c)
        return time.perf_counter() - t0


class _Steps:
    """Training steps (loss, hand-derived gradients, Adam, projection) on random MNIST-shaped batches."""

    def __init__(self, method: str, sizes, batch: int, n_batches: int = 20, seed: int = 0):
        from simulate.core import Adam
        from simulate.deep import make_deep_network

        self.rng = np.random.default_rng(seed)
        self.x = self.rng.random((batch * n_batches, sizes[0]), dtype=np.float32)
        self.y = self.rng.integers(0, sizes[-1], batch * n_batches)
        self.net = make_deep_network(method, sizes, seed=seed)
        self.opt = Adam(self.net.params, lr=1e-3)
        self.batch, self.n_batches, self.k = batch, n_batches, 0

    def __call__(self) -> float:
        s = self.k % self.n_batches
        self.k += 1
        t0 = time.perf_counter()
        idx = np.arange(s * self.batch, (s + 1) * self.batch)
        _, grads = self.net.loss_and_gradients(self.x[idx], self.y[idx], rng=self.rng)
        self.opt.step(grads)
        self.net.after_step()
        return time.perf_counter() - t0


def measure(method: str, sizes, batch: int, repeats: int) -> tuple[float, float]:
    """Median step time and median floor time, measured alternately (same machine load for both)."""
    steps, floor = _Steps(method, sizes, batch), _Floor(gemm_shapes(method, sizes, batch), np.float32)
    for _ in range(3):
        steps(), floor()
    ts, tf = [], []
    for _ in range(repeats):
        ts.append(steps())
        tf.append(floor())
    return float(np.median(ts)), float(np.median(tf))


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info

        return sum(i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas") or None
    except ImportError:
        return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", default="all", choices=["stochastic", "bnn", "relu", "all"])
    p.add_argument("--hidden", default="801,801,801")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--steps", type=int, default=30, help="training steps timed, each followed by the floor (median)")
    p.add_argument("--n-train", type=int, default=60000, help="images per epoch (MNIST: 60000)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.batch < 2 or args.steps < 1 or args.n_train < args.batch:
        print("bench_deep: --batch must be >= 2, --steps >= 1 and --n-train >= --batch", file=sys.stderr)
        return 2
    try:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    except ValueError:
        print(f"bench_deep: --hidden must be comma-separated integers (got {args.hidden!r})", file=sys.stderr)
        return 2
    sizes = (784, *hidden, 10)
    methods = ["stochastic", "bnn", "relu"] if args.method == "all" else [args.method]
    rows = []
    for method in methods:
        step, floor = measure(method, sizes, args.batch, args.steps)
        batches = -(-args.n_train // args.batch)
        rows.append({"method": method, "blas_threads": _blas_threads(), "sizes": list(sizes), "batch": args.batch,
                     "dtype": "float32",
                     "step_seconds": step, "gemm_floor_seconds": floor, "ratio_to_floor": step / floor,
                     "epoch_seconds": step * batches, "epoch_floor_seconds": floor * batches,
                     "gflops_floor": 2e-9 * sum(m * k * n for m, k, n in gemm_shapes(method, sizes, args.batch))
                     / floor})
    if args.json:
        json.dump(rows, sys.stdout)
        sys.stdout.write("\n")
    else:
        for r in rows:
            print(f"{r['method']:>10}: step {1e3 * r['step_seconds']:.2f} ms, GEMM floor "
                  f"{1e3 * r['gemm_floor_seconds']:.2f} ms ({r['gflops_floor']:.0f} GFLOP/s), ratio "
                  f"{r['ratio_to_floor']:.2f}; epoch ~{r['epoch_seconds']:.1f} s "
                  f"(floor {r['epoch_floor_seconds']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
