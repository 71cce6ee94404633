"""One variational learning step ([huang2020, Eq. 8] / [huang2020, SM Eq. S6]): numba kernels vs a straightforward
numpy version.

    python benchmarks/bench_rbm_variational.py                 # N=784 (MNIST), P=100, M=1000, B1=B2=500
    python benchmarks/bench_rbm_variational.py --B 50          # fewer Monte Carlo draws (faster)
    python benchmarks/bench_rbm_variational.py --lam lam.npy   # a learned lambda (784, P) instead of random

Both sides compute the same LB estimate and gradient from the same draws with the same algorithm:
data term with the printed Stein form and the closed-form sums over antithetic pairs; E-step by parallel
cavity sweeps [huang2020, SM Eq. S3] per draw, stopped at ``max |delta m| < tol``, each draw warm-started from the
previous draw's messages, one message-passing run per antithetic pair (exact spin-flip symmetry);
belief estimator of ``C`` and the printed Bethe ``ln Z``.

* numba side: ``simulate.variational_rbm.learning.lower_bound_and_gradient`` (compiled kernels, one core):
  vectorised sweeps in the product form ``m = (Pi - r)/(Pi + r)`` with Taylor series for ``tanh`` of the small
  shifts, fused ``ln Z``/``C`` pass with per-row logarithms of products, blocked logarithms in the data kernel.
* numpy side: ``numpy_step`` below, whole-array numpy operations over the ``N P`` edges (``tanh``,
  ``arctanh``, ``logcosh`` per edge) and over the ``(M, P)`` data, Python loops over draws and sweeps only.

Printed: the wall and CPU time of one step for each side (fastest of ``--repeat``), the numba time without
the spin-flip pairing, the ratios, and the largest differences of gradient and LB between the two sides.
The machine is shared: compare ratios measured in the same run; CPU times are less affected by load.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from simulate.core import binarize_images, load_dataset
from simulate.variational_rbm import draw_normal_fields, lower_bound_and_gradient, variational_kl
from theory.core import logcosh


def numpy_step(sig, lam, z1, z2, beta=1.0, tol=1e-6, max_iter=200):
    """The same step written with numpy array operations (loops over draws and sweeps only).

    Same draws, same estimators (printed Stein form of the data term, belief estimator of ``C``), same
    Jacobi sweeps with the same stopping rule ``max |delta m| < tol`` and the same warm start (each draw from the
    converged messages of the previous one, from ``m = 0`` for the first), the same antithetic-pair
    closed forms in the data term and the same spin-flip symmetry (one message-passing run per pair
    ``(z, -z)``); transcendental functions are numpy's ``tanh``/``arctanh``/``logcosh`` on whole arrays.
    """
    M, N = sig.shape
    P = lam.shape[1]
    sq = math.sqrt(N)
    sig = sig.astype(float)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / N)
    G = sig @ lam / sq
    B1, B2 = len(z1), len(z2)
    assert B1 % 2 == 0 and np.array_equal(z1[B1 // 2:], -z1[:B1 // 2]), "antithetic draws expected"
    c, sh = np.cosh(2 * beta * G), np.sinh(2 * beta * G)  # (M, P)
    T = np.zeros((M, P))
    S = np.zeros(P)
    L = 0.0
    for s in range(B1 // 2):  # pair (z, -z): tanh x+ + tanh x- = sinh 2g / D, D = cosh x+ cosh x- = (c + d)/2
        y = 2 * beta * Xi * z1[s]
        D = 0.5 * (c + np.cosh(y))
        T += sh / D
        S += ((1 + c * np.cosh(y)) / D ** 2).sum(axis=0)
        L += np.log(D).sum()
    g_data = beta / (B1 * sq) * (sig.T @ T) - beta ** 2 * lam * S / (N * B1)
    W = beta * lam / sq
    tw = np.tanh(W)
    Csum = np.zeros((N, P))
    Zm = np.zeros(P)
    lnZ = 0.0
    paired = B2 % 2 == 0 and np.array_equal(z2[B2 // 2:], -z2[:B2 // 2])
    nd, wgt = (B2 // 2, 2) if paired else (B2, 1)
    sweeps = 0
    err = 0.0
    mc = np.zeros((N, P))
    for s in range(nd):
        bH = beta * Xi * z2[s]
        if not err < tol:  # previous draw did not converge: start from 0
            mc = np.zeros((N, P))
        for it in range(1, max_iter + 1):  # noqa: B007 `it` is read after the loop (sweeps used by this draw)
            a = (W * mc).sum(axis=0) + bH - W * mc
            u = np.arctanh(np.tanh(a) * tw)
            U = u.sum(axis=1)
            new = np.tanh(U[:, None] - u)
            err = np.abs(new - mc).max()
            mc = new
            if err < tol:
                break
        sweeps = max(sweeps, it)
        bchi = (W * mc).sum(axis=0)
        Lam2 = (W ** 2 * (1 - mc ** 2)).sum(axis=0)  # beta^2 Lambda_mu^2
        a = bchi + bH - W * mc
        u = np.arctanh(np.tanh(a) * tw)
        U = u.sum(axis=1)
        L2 = Lam2 - W ** 2 * (1 - mc ** 2)
        Fi = (0.5 * L2 + logcosh(a + W)).sum() + np.logaddexp(0, -2 * U).sum()
        Fmu = (0.5 * Lam2 + logcosh(bchi + bH)).sum()
        lnZ += wgt * (Fi - (N - 1) * Fmu)
        ta = np.tanh(a)
        Csum += wgt * (tw + mc * ta) / (1 + mc * ta * tw)
        Zm += wgt * z2[s] * np.tanh(bchi + bH)
    g_eq = M * beta / (sq * B2) * (Csum - lam * Zm / (sq * Xi))
    KL = variational_kl(lam)
    return -KL + L / B1 - M * lnZ / B2, -np.arctanh(lam) + g_data - g_eq, sweeps


def _timed(f, repeat):
    """Run ``f`` ``repeat`` times; (result, min wall s, min CPU s)."""
    best_w = best_c = math.inf
    out = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = f()
        best_w = min(best_w, time.perf_counter() - w0)
        best_c = min(best_c, time.process_time() - c0)
    return out, best_w, best_c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N-images", type=int, default=1000, dest="M")
    ap.add_argument("--P", type=int, default=100)
    ap.add_argument("--B", type=int, default=500, help="B1 = B2 (even: antithetic pairs)")
    ap.add_argument("--scale", type=float, default=0.3, help="lambda uniform in [-scale, scale] (default 0.3)")
    ap.add_argument("--tol", type=float, default=1e-6,
                    help="message-passing tolerance, both sides (default 1e-6, as in train)")
    ap.add_argument("--lam", metavar="FILE.npy", help="lambda (784, P) to use instead of the random one, e.g. saved "
                    "from a training run (python -m simulate rbm variational ... --save-trajectory)")
    ap.add_argument("--repeat", type=int, default=1, help="repetitions, the fastest is reported (default 1)")
    args = ap.parse_args()
    try:
        images = load_dataset("mnist").images
    except FileNotFoundError:
        images = load_dataset("digits").images
    sig = binarize_images(images[:args.M], spins=True)
    rng = np.random.default_rng(0)
    N = sig.shape[1]
    lam = rng.uniform(-args.scale, args.scale, (N, args.P))
    if args.lam:
        lam = np.load(args.lam)
        if lam.shape[0] != N:
            raise SystemExit(f"--lam: expected {N} rows, got shape {lam.shape}")
        args.P = lam.shape[1]
    z = draw_normal_fields(rng, args.B, args.P, antithetic=True)
    zc = draw_normal_fields(rng, 4, 2, antithetic=True)
    lower_bound_and_gradient(sig[:5], lam[:, :2], zc, zc)  # compile (cached on disk)
    lower_bound_and_gradient(sig[:5], lam[:, :2], zc, zc, symmetric=False)
    est, w_nb, c_nb = _timed(lambda: lower_bound_and_gradient(sig, lam, z, z, bp_tol=args.tol), args.repeat)
    _, w_ns, c_ns = _timed(lambda: lower_bound_and_gradient(sig, lam, z, z, bp_tol=args.tol, symmetric=False),
                           args.repeat)
    (LB_np, g_np, sw_np), w_np, c_np = _timed(lambda: numpy_step(sig, lam, z, z, tol=args.tol), args.repeat)
    state = f"lambda from {args.lam}" if args.lam else f"|lambda| <= {args.scale}"
    print(f"one step: N={N}, P={args.P}, M={len(sig)}, B1=B2={args.B}, {state}, tol={args.tol:g}, "
          f"BP sweeps <= {est.bp_sweeps} (numpy {sw_np})")
    print("                         wall s    CPU s")
    print(f"  numba               : {w_nb:8.2f} {c_nb:8.2f}")
    print(f"  numba, no spin flip : {w_ns:8.2f} {c_ns:8.2f}   (message passing for all B2 draws)")
    print(f"  numpy               : {w_np:8.2f} {c_np:8.2f}")
    print(f"  ratio numpy / numba : {w_np / w_nb:8.1f} {c_np / c_nb:8.1f}   (target >= 10)")
    print(f"  max |grad diff| / max |grad| = {np.abs(est.grad - g_np).max() / np.abs(g_np).max():.2e}, "
          f"|LB diff| / |LB| = {abs(est.LB - LB_np) / abs(LB_np):.2e}")


if __name__ == "__main__":
    main()
