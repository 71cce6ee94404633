"""One VPF epoch of RBM(196) on the 10,000 MNIST images vs one epoch of scikit-learn's
BernoulliRBM (PCD-1) with the same hidden size on the same data, in the same run.

Run: ``python benchmarks/bench_vpf.py [--repeats 3]``. Prints the best-of-repeats wall
time of each and the ratios (sklearn with its default BLAS threads and with one thread)
(target: VPF / sklearn <= 1). Falls back to the 8x8 digits tiled to 10,000 rows if MNIST is absent.
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--hidden", type=int, default=196)
    ap.add_argument("--sklearn-batch", type=int, default=10, help="BernoulliRBM batch_size (its default 10)")
    args = ap.parse_args()

    from sklearn.neural_network import BernoulliRBM

    from simulate.boltzmann import init_boltzmann_machine, vpf_epoch
    from simulate.core import Adam, binarize_images, load_dataset

    try:
        ds = load_dataset("mnist", part="test")
    except FileNotFoundError:
        ds = load_dataset("digits")
        ds = type(ds)("digits-tiled", np.tile(ds.images, (6, 1))[:10_000], np.zeros(10_000, int), 8)
    x = binarize_images(ds.images).astype(np.float64)
    print(f"data: {ds.name}, {x.shape[0]} images x {x.shape[1]} pixels; hidden {args.hidden}")

    # warm-up (numba compile of nothing on the RBM path, BLAS threads, page faults)
    model = init_boltzmann_machine((x.shape[1], args.hidden), seed=0)
    vpf_epoch(model, x[:400], Adam(model.params()), np.random.default_rng(0))  # numba compile of Adam

    from threadpoolctl import threadpool_limits

    t_vpf, t_sk, t_sk1 = [], [], []
    for r in range(args.repeats):
        model = init_boltzmann_machine((x.shape[1], args.hidden), seed=r)
        opt = Adam(model.params(), lr=1e-3)
        t0 = time.perf_counter()
        vpf_epoch(model, x, opt, np.random.default_rng(r), batch=40, weight_decay=1e-4)
        t_vpf.append(time.perf_counter() - t0)

        rbm = BernoulliRBM(n_components=args.hidden, n_iter=1, batch_size=args.sklearn_batch, random_state=r)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rbm.fit(x)
        t_sk.append(time.perf_counter() - t0)

        # the same with one BLAS thread (VPF's M-step runs single-threaded: a like-for-like baseline)
        rbm = BernoulliRBM(n_components=args.hidden, n_iter=1, batch_size=args.sklearn_batch, random_state=r)
        t0 = time.perf_counter()
        with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
            warnings.simplefilter("ignore")
            rbm.fit(x)
        t_sk1.append(time.perf_counter() - t0)
    a, b, c = min(t_vpf), min(t_sk), min(t_sk1)
    print(f"VPF epoch (batch 40, Adam)          : best {a:.3f} s  (all {', '.join(f'{t:.3f}' for t in t_vpf)})")
    print(f"sklearn BernoulliRBM epoch (batch {args.sklearn_batch}): best {b:.3f} s  "
          f"(all {', '.join(f'{t:.3f}' for t in t_sk)})")
    print(f"sklearn BernoulliRBM epoch, 1 BLAS thread: best {c:.3f} s  (all {', '.join(f'{t:.3f}' for t in t_sk1)})")
    print(f"ratio VPF / sklearn = {a / b:.3f}  ({'meets' if a <= b else 'misses'} the target <= 1)")
    print(f"ratio VPF / sklearn (1 BLAS thread) = {a / c:.3f}  ({'meets' if a <= c else 'misses'} the target <= 1)")


if __name__ == "__main__":
    main()
