"""One variational learning step (seed 000, Eq. 8 / S6): numba kernels vs a straightforward numpy version.

    python benchmarks/bench_rbm_variational.py            # N=784 (MNIST), P=100, M=1000, B1=B2=500
    python benchmarks/bench_rbm_variational.py --B 50     # fewer Monte Carlo draws (faster)

Both implementations compute the same LB estimate and gradient from the same
draws (belief estimator, printed Stein form of the data term); the script
prints the two timings, their ratio and the largest differences.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from simulate.data import binarize, load
from simulate.rbm_variational import draw_z, kl_divergence, lb_and_gradient
from theory.core.special import logcosh


def numpy_step(sig, lam, z1, z2, beta=1.0, tol=1e-8, max_iter=200):
    """The same step written with numpy array operations (loops over draws only)."""
    M, N = sig.shape
    P = lam.shape[1]
    sq = math.sqrt(N)
    sig = sig.astype(float)
    Xi = np.sqrt(np.sum(1 - lam ** 2, axis=0) / N)
    G = sig @ lam / sq
    B1, B2 = len(z1), len(z2)
    T = np.zeros((M, P))
    S = np.zeros(P)
    L = 0.0
    for s in range(B1):
        x = beta * G + beta * Xi * z1[s]
        t = np.tanh(x)
        T += t
        S += (1 - t * t).sum(axis=0)
        L += logcosh(x).sum()
    g_data = beta / (B1 * sq) * (sig.T @ T) - beta ** 2 * lam * S / (N * B1)
    tw = np.tanh(beta * lam / sq)
    Csum = np.zeros((N, P))
    Zm = np.zeros(P)
    lnZ = 0.0
    for s in range(B2):
        H = Xi * z2[s]
        mc = np.zeros((N, P))
        for _ in range(max_iter):
            chi = (lam * mc).sum(axis=0) / sq
            a = beta * (chi - lam * mc / sq) + beta * H
            u = np.arctanh(np.tanh(a) * tw)
            U = u.sum(axis=1)
            new = np.tanh(U[:, None] - u)
            err = np.abs(new - mc).max()
            mc = new
            if err < tol:
                break
        chi = (lam * mc).sum(axis=0) / sq
        Lam2 = (lam ** 2 * (1 - mc ** 2)).sum(axis=0) / N
        a = beta * (chi - lam * mc / sq) + beta * H
        L2 = Lam2 - lam ** 2 * (1 - mc ** 2) / N
        Fi = (0.5 * beta ** 2 * L2 + logcosh(a + beta * lam / sq)).sum() + np.logaddexp(0, -2 * U).sum()
        Fmu = (0.5 * beta ** 2 * Lam2 + logcosh(beta * chi + beta * H)).sum()
        lnZ += Fi - (N - 1) * Fmu
        mhat = np.tanh(beta * chi + beta * H)
        ta = np.tanh(a)
        pp, pm = (1 + mc) / 2, (1 - mc) / 2
        Csum += (pp * (ta + tw) - pm * (ta - tw)) / (pp * (1 + ta * tw) + pm * (1 - ta * tw))
        Zm += z2[s] * mhat
    g_eq = M * beta / (sq * B2) * (Csum - lam * Zm / (sq * Xi))
    KL = kl_divergence(lam)
    return -KL + L / B1 - M * lnZ / B2, -np.arctanh(lam) + g_data - g_eq


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N-images", type=int, default=1000, dest="M")
    ap.add_argument("--P", type=int, default=100)
    ap.add_argument("--B", type=int, default=500, help="B1 = B2")
    args = ap.parse_args()
    try:
        images = load("mnist").images
    except FileNotFoundError:
        images = load("digits").images
    sig = binarize(images[:args.M], spins=True)
    rng = np.random.default_rng(0)
    N = sig.shape[1]
    lam = rng.uniform(-0.3, 0.3, (N, args.P))
    z = draw_z(rng, args.B, args.P, antithetic=True)
    lb_and_gradient(sig[:5], lam[:, :2], z[:2, :2], z[:2, :2])  # compile (cached on disk)
    t0 = time.perf_counter()
    est = lb_and_gradient(sig, lam, z, z)
    t_nb = time.perf_counter() - t0
    t0 = time.perf_counter()
    LB_np, g_np = numpy_step(sig, lam, z, z)
    t_np = time.perf_counter() - t0
    print(f"one step: N={N}, P={args.P}, M={len(sig)}, B1=B2={args.B}, BP sweeps <= {est.bp_sweeps}")
    print(f"  numba : {t_nb:8.2f} s")
    print(f"  numpy : {t_np:8.2f} s")
    print(f"  ratio : {t_np / t_nb:8.1f} x (target >= 10)")
    print(f"  max |grad diff| / max |grad| = {np.abs(est.grad - g_np).max() / np.abs(g_np).max():.2e}, "
          f"|LB diff| / |LB| = {abs(est.LB - LB_np) / abs(LB_np):.2e}")


if __name__ == "__main__":
    main()
