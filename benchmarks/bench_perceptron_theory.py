"""Benchmark of the stochastic-perceptron RS theory (issue 3).

Run: ``python benchmarks/bench_perceptron_theory.py [--quick]``.

Timed: one RS saddle point at tol 1e-10 (cold and warm start), a 50-point
E(q*) curve (alpha=0.55, beta=20) and a 30-point beta_c(q*) curve
(alpha=0.55). Baseline measured in the same run: the same fixed-point map
(G_S with its moments <m>, <m^2>, <m^4>, and G_E with d_h log Z_E) evaluated
by nested ``scipy.integrate.quad`` at the accuracy of our rules (1e-10), once;
the baseline time of a solve is that time multiplied by the number of map
evaluations our solver used. Ratios are printed; nothing is asserted.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

from theory.bc_energy import bc_energy_curve
from theory.core.special import GH, logH
from theory.stochastic_perceptron import beta_c, energetic_terms, entropic_terms, solve_rs


def quad_map(alpha, beta, qstar, q0, qhat0, qhat1, eps=1e-10):
    """The fixed-point map by nested adaptive quad (baseline)."""
    a = 0.5 * (qhat1 - qhat0)
    sq = math.sqrt(qhat0)
    dz = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

    def site(z):
        b = sq * z
        top = abs(b) + max(a, 0.0)
        f = lambda m, k: m**k * math.exp(a * m * m + b * m - top)
        Z = quad(f, -1, 1, args=(0,), epsabs=0, epsrel=eps, limit=200)[0]
        return [math.log(Z) + top] + [quad(f, -1, 1, args=(k,), epsabs=1e-14, epsrel=eps, limit=200)[0] / Z
                                      for k in (1, 2, 4)]

    S = [quad(lambda z: dz(z) * site(z)[i], -10, 10, epsabs=eps, limit=200)[0] for i in range(4)]
    sD, s, sq0 = math.sqrt(qstar - q0), math.sqrt(1 - qstar), math.sqrt(q0)

    def inner(z):
        h = sq0 * z
        psi = lambda u: -0.5 * u * u + beta * float(logH(-(h + sD * u) / s)) - 0.5 * math.log(2 * math.pi)
        um = minimize_scalar(lambda u: -psi(u), bracket=(0.0, max(-h / sD, 0.0) + 1.0)).x
        m = psi(um)
        Z = quad(lambda u: math.exp(psi(u) - m), um - 12, um + 12, points=[-h / sD], epsabs=0, epsrel=eps, limit=200)[0]
        d1 = quad(lambda u: math.exp(psi(u) - m) * float(GH(-(h + sD * u) / s)), um - 12, um + 12,
                  points=[-h / sD], epsabs=0, epsrel=eps, limit=200)[0] / Z * beta / s
        return math.log(Z) + m, d1

    GE = quad(lambda z: dz(z) * inner(z)[0], -10, 10, epsabs=eps, limit=200)[0]
    d1sq = quad(lambda z: dz(z) * inner(z)[1] ** 2, -10, 10, epsabs=eps, limit=200)[0]
    return S, GE, alpha * d1sq


def timeit(f, repeat=1):
    t = time.perf_counter()
    for _ in range(repeat):
        out = f()
    return (time.perf_counter() - t) / repeat, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10-point curves instead of 50 / 30")
    args = ap.parse_args()
    alpha, beta, qstar = 0.55, 20.0, 0.7
    solve_rs(alpha, beta, qstar)  # compile / warm caches
    t_cold, r = timeit(lambda: solve_rs(alpha, beta, qstar, error=False))
    t_warm, rw = timeit(lambda: solve_rs(alpha, beta, qstar + 1e-3, init=r, error=False), repeat=3)
    t_eval, _ = timeit(lambda: (entropic_terms(r.qhat0, r.qhat1, with_G=False), energetic_terms(r.q0, qstar, beta)),
                       repeat=5)
    print(f"one RS saddle point (alpha={alpha}, beta={beta}, q*={qstar}, tol 1e-10):")
    print(f"  cold start {t_cold * 1e3:8.1f} ms ({r.iterations} map evaluations in the Newton stage)")
    print(f"  warm start {t_warm * 1e3:8.1f} ms ({rw.iterations} map evaluations)")
    print(f"  one map evaluation {t_eval * 1e3:8.2f} ms")
    t_quad, (S, GE, qh0) = timeit(lambda: quad_map(alpha, beta, qstar, r.q0, r.qhat0, r.qhat1))
    E = energetic_terms(r.q0, qstar, beta)
    print(f"baseline: one map evaluation by nested scipy quad: {t_quad * 1e3:8.1f} ms "
          f"(agreement: |G_E| diff {abs(GE - E['G_E']):.1e}, qhat0 diff {abs(qh0 - r.qhat0):.1e})")
    print(f"  ratio per map evaluation: {t_quad / t_eval:8.1f}x")
    print(f"  estimated nested-quad warm solve ({rw.iterations} evals): {t_quad * rw.iterations:8.2f} s, "
          f"ratio {t_quad * rw.iterations / t_warm:8.1f}x")
    n_e = 10 if args.quick else 50
    qs = np.linspace(0.3, 0.99, n_e)
    t_curve, c = timeit(lambda: bc_energy_curve(alpha, beta, qs))
    print(f"{n_e}-point E(q*) curve: {t_curve:8.2f} s ({t_curve / n_e * 1e3:.0f} ms/point, failed {len(c.failed)})")
    n_b = 6 if args.quick else 30
    qb = np.linspace(0.8, 0.99, n_b)
    t0 = time.perf_counter()
    prev = None
    fails = 0
    for q in qb:
        res = beta_c(alpha, float(q), beta_start=max(1.0, 0.5 * prev.beta_c) if prev is not None else 1.0,
                     init=prev if prev is not None else None)
        if res.converged:
            prev = res
        else:
            fails += 1
    t_bc = time.perf_counter() - t0
    print(f"{n_b}-point beta_c(q*) curve (q* in [0.8, 0.99]): {t_bc:8.2f} s ({t_bc / n_b:.2f} s/point, "
          f"failed {fails})")


if __name__ == "__main__":
    main()
