"""Benchmark of the stochastic-perceptron RS theory (issue 3).

Run from the repository root: ``python benchmarks/bench_perceptron_theory.py [--quick]``.

Timed: one RS saddle point at tol 1e-10 (cold and warm start), a 50-point
E(q*) curve (alpha=0.55, beta=20, q* in [0.3, 0.99]) and a 30-point beta_c(q*)
curve (alpha=0.55, q* in [0.78, 0.97], warm starts along q*). Baseline measured
in the same run: the fixed-point map of [baldassi2018, SM Eq. 15] (G_S with the moments <m>,
<m^2>, <m^4>, and G_E with d_h log Z_E) evaluated by nested
``scipy.integrate.quad`` at the accuracy of our rules (1e-10), once; the
baseline time of a solve or curve is that time multiplied by the number of
order-12 map evaluations our code made (counted), plus for the E curve the
nested-quad time of p, p_tilde and E ([baldassi2018, SM Eq. 28-30], measured once at q* = 0.8)
times the number of E evaluations. This is a lower bound on the baseline: it
leaves out the Jacobian integrals, the cheaper order-6 cold-start evaluations,
the order//2 error estimates and the stability integrals. Ratios are printed; nothing is asserted.

Measured (2026-11-23 11:44 UTC, full run, 22 s; shared 2-core machine at load
average 5.5-6 from other jobs, so wall times are 2-2.5x the CPU times, and
the CPU times themselves vary by ~1.5x between runs):

* one saddle point (alpha=0.55, beta=20, q*=0.7, tol 1e-10): warm start 36 ms
  wall / 15 ms CPU (3 map evaluations, Newton with the analytic Jacobian;
  hybrid Powell without it needs 15-25 from the same start), cold start 95 ms
  wall / 38-53 ms CPU (order-6 bracketing of the reduced 1-d map, then 3
  Newton evaluations); one map evaluation 7.9 ms wall / 3.8 ms CPU; nested
  quad 1963 ms: 248x per evaluation, 164x per warm solve (session 1: 140 ms
  warm / 183 ms cold, 21-24 evaluations).
* 50-point E(q*) curve (beta=20, q* in [0.3, 0.99]): 3.6 s, 72 ms/point, 0
  failed, 221 order-12 map evaluations + 50 E evaluations; baseline (nested
  quad of the map, and of p, p_tilde, E: 1327 ms, agreeing to 8e-15) 500 s,
  138x.
* 30-point beta_c(q*) curve (q* in [0.78, 0.97], warm starts along q* at the
  previous beta_c, grid ratio 1.1): 9.7 s, 0.32 s/point, 0 failed, 1074
  order-12 map evaluations, beta_c from 22.9 to 299.3; baseline 2109 s, 218x
  (session 1: 3.4 s/point).

Cold start after the reduced 1-d Newton (12:20 UTC, load 4.8): 12.6 ms wall /
12.3 ms CPU = 3.8 map evaluations' worth (3 order-6 G_E + 8 order-6 G_S, then 2
order-12 map evaluations), against 34.2 ms CPU for the session-1 bracketing
start in the same run (2.8x); 75-point grid of cold starts: median 15.6 ms,
max 29.1 ms CPU, 81% within 20 ms, 1.66x faster in total than the bracketing.
The same-run ratio "cold start / one map evaluation" is the number that does
not depend on the load (3.8 in runs at load 4.8 and 5.4). Numbers below are
from before that change.

A second full run at 11:50 (load 4.5, after the natural-monotonicity change):
warm 36 ms wall / 20 ms CPU, cold 86 ms / 42 ms CPU, one evaluation 5.9 ms CPU
(CPU times are inflated by contention too), E curve 3.1 s (188x), beta_c curve
10.2 s (244x). The 20 ms target was met (at 11:50) by the warm solve in CPU time (15-20
ms; the wall time here is inflated by the other jobs), not by the cold start
(about 2x over). The same
run with the session-1 code (first run today, load ~2): cold 381 ms, warm 253
ms wall, 21-24 map evaluations.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import theory.perceptron.rs as sp  # noqa: E402
from theory.core import GH, logH  # noqa: E402
from theory.perceptron import (  # noqa: E402
    bc_energy_curve,  # noqa: E402
    beta_c,
    energetic_terms,
    entropic_terms,
    solve_rs,
)


def dz(z):
    """The standard Gaussian density."""
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def site_weight(qhat0, qhat1, z):
    """``(top, w)``: the site weight ``w(m) = exp(a m^2 + b m - top)`` on [-1, 1] at the field
    ``b = sqrt(qhat0) z``, ``a = (qhat1 - qhat0)/2``, scaled by ``exp(-top)`` (``top`` bounds the exponent)."""
    a = 0.5 * (qhat1 - qhat0)
    b = math.sqrt(qhat0) * z
    top = abs(b) + max(a, 0.0)
    return top, lambda m: math.exp(a * m * m + b * m - top)


def quad_map(alpha, beta, qstar, q0, qhat0, qhat1, eps=1e-10):
    """The fixed-point map by nested adaptive quad (baseline)."""

    def site(z):
        top, wm = site_weight(qhat0, qhat1, z)
        f = lambda m, k: m**k * wm(m)
        Z = quad(f, -1, 1, args=(0,), epsabs=0, epsrel=eps, limit=200)[0]
        return [math.log(Z) + top] + [quad(f, -1, 1, args=(k,), epsabs=1e-14, epsrel=eps, limit=200)[0] / Z
                                      for k in (1, 2, 4)]

    S = [quad(lambda z, i=i: dz(z) * site(z)[i], -10, 10, epsabs=eps, limit=200)[0] for i in range(4)]
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


def quad_bc_energy(beta, qstar, q0, qhat0, qhat1, eps=1e-10):
    """p, p_tilde [baldassi2018, SM Eq. 28-29] and E [baldassi2018, SM Eq. 30] by nested adaptive quad (baseline of
    the E curve)."""
    from theory.core import H

    def site(z):
        _, f = site_weight(qhat0, qhat1, z)
        Zm = quad(f, -1, 0, epsabs=0, epsrel=eps)[0]
        Zp = quad(f, 0, 1, epsabs=0, epsrel=eps)[0]
        mp_ = quad(lambda m: m * f(m), 0, 1, epsabs=0, epsrel=eps)[0]
        mm_ = quad(lambda m: m * f(m), -1, 0, epsabs=0, epsrel=eps)[0]
        Z = Zm + Zp
        return (mp_ - mm_) / Z, (Zp - Zm) / Z * (mp_ + mm_) / Z

    p = quad(lambda z: dz(z) * site(z)[0], -10, 10, epsabs=eps, limit=200)[0]
    pt = quad(lambda z: dz(z) * site(z)[1], -10, 10, epsabs=eps, limit=200)[0]
    D, s = qstar - q0, math.sqrt(1 - qstar)
    sig = math.sqrt(max(1 - pt * pt / q0 - (p - pt) ** 2 / D, 0.0))

    def inner(z):
        h = math.sqrt(q0) * z
        psi = lambda u: -0.5 * u * u + beta * float(logH(-(h + math.sqrt(D) * u) / s))
        um = minimize_scalar(lambda u: -psi(u), bracket=(0.0, max(-h / math.sqrt(D), 0.0) + 1.0)).x
        m = psi(um)
        A = lambda u: (pt / math.sqrt(q0)) * z + ((p - pt) / math.sqrt(D)) * u
        num = quad(lambda u: math.exp(psi(u) - m) * float(H(A(u) / sig)), um - 12, um + 12,
                   points=[-h / math.sqrt(D)], limit=200, epsabs=0, epsrel=eps)[0]
        den = quad(lambda u: math.exp(psi(u) - m), um - 12, um + 12, points=[-h / math.sqrt(D)], limit=200,
                   epsabs=0, epsrel=eps)[0]
        return num / den

    return p, pt, quad(lambda z: dz(z) * inner(z), -10, 10, epsabs=eps, limit=200)[0]


def timeit(f, repeat=1):
    t = time.perf_counter()
    for _ in range(repeat):
        out = f()
    return (time.perf_counter() - t) / repeat, out


def cputime(f, repeat=1):
    """CPU time of this process per call (less sensitive than wall time to other jobs on the machine)."""
    t = time.process_time()
    for _ in range(repeat):
        f()
    return (time.process_time() - t) / repeat


def count_order6(f):
    """Numbers of order-6 ``energetic_terms`` and ``entropic_terms`` calls made by ``f()`` (the cold start)."""
    n = [0, 0]
    oe, os_ = sp.energetic_terms, sp.entropic_terms

    def ce(q0, qstar, beta, order=sp.DEFAULT_ORDER):
        n[0] += order < sp.DEFAULT_ORDER
        return oe(q0, qstar, beta, order)

    def cs(qhat0, qhat1, order=sp.DEFAULT_ORDER, **kw):
        n[1] += order < sp.DEFAULT_ORDER
        return os_(qhat0, qhat1, order, **kw)
    sp.energetic_terms, sp.entropic_terms = ce, cs
    try:
        f()
    finally:
        sp.energetic_terms, sp.entropic_terms = oe, os_
    return n


class EvalCounter:
    """Counts order >= 12 calls of ``energetic_terms`` (one per map evaluation) and of
    ``bc_energy_at`` (one per E) made through the modules."""

    def __init__(self):
        import theory.perceptron.binarized_energy as be
        self.n = 0
        self.n_E = 0
        self._be = be
        self._orig = sp.energetic_terms
        self._orig_E = be.bc_energy_at

    def __enter__(self):
        def counted(q0, qstar, beta, order=sp.DEFAULT_ORDER):
            if order >= sp.DEFAULT_ORDER:
                self.n += 1
            return self._orig(q0, qstar, beta, order)

        def counted_E(q0, qstar, beta, p, pt, order=sp.DEFAULT_ORDER):
            if order >= sp.DEFAULT_ORDER:
                self.n_E += 1
            return self._orig_E(q0, qstar, beta, p, pt, order)
        sp.energetic_terms = counted
        self._be.bc_energy_at = counted_E
        return self

    def __exit__(self, *exc):
        sp.energetic_terms = self._orig
        self._be.bc_energy_at = self._orig_E


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="10-point curves instead of 50 / 30")
    args = ap.parse_args()
    alpha, beta, qstar = 0.55, 20.0, 0.7
    solve_rs(alpha, beta, qstar)  # compile / warm caches
    t_cold, r = timeit(lambda: solve_rs(alpha, beta, qstar, error=False), repeat=3)
    t_warm, rw = timeit(lambda: solve_rs(alpha, beta, qstar + 1e-3, init=r, error=False), repeat=5)
    t_eval, _ = timeit(lambda: (entropic_terms(r.qhat0, r.qhat1, jac=True), energetic_terms(r.q0, qstar, beta)),
                       repeat=10)
    c_cold = cputime(lambda: solve_rs(alpha, beta, qstar, error=False), repeat=10)
    # the session-1 cold start in the same run: order-6 bracketing of the reduced map, then the same Newton
    c_brak = cputime(lambda: solve_rs(alpha, beta, qstar, init=sp._bracket_init(alpha, beta, qstar), error=False),
                     repeat=10)
    n6 = count_order6(lambda: solve_rs(alpha, beta, qstar, error=False))
    c_warm = cputime(lambda: solve_rs(alpha, beta, qstar + 1e-3, init=r, error=False), repeat=5)
    c_eval = cputime(lambda: (entropic_terms(r.qhat0, r.qhat1, jac=True), energetic_terms(r.q0, qstar, beta)),
                     repeat=10)
    print(f"one RS saddle point (alpha={alpha}, beta={beta}, q*={qstar}, tol 1e-10): wall (CPU) time")
    print(f"  cold start {t_cold * 1e3:8.1f} ms ({c_cold * 1e3:.1f} ms CPU; reduced 1-d Newton: {n6[0]} order-6 G_E "
          f"and {n6[1]} G_S evaluations, then {r.iterations} order-12 map evaluations)")
    print(f"  cold start / one map evaluation (CPU, load-independent measure): {c_cold / c_eval:.2f} evaluations")
    print(f"  cold start with the order-6 bracketing of session 1 instead (same run): {c_brak * 1e3:.1f} ms CPU, "
          f"ratio {c_brak / c_cold:.2f}x")
    print(f"  warm start {t_warm * 1e3:8.1f} ms ({c_warm * 1e3:.1f} ms CPU; {rw.iterations} map evaluations, "
          f"start 1e-3 away in q*)")
    print(f"  one map evaluation (with the Jacobian) {t_eval * 1e3:8.2f} ms ({c_eval * 1e3:.2f} ms CPU)")
    t_quad, (S, GE, qh0) = timeit(lambda: quad_map(alpha, beta, qstar, r.q0, r.qhat0, r.qhat1))
    E = energetic_terms(r.q0, qstar, beta)
    print(f"baseline: one map evaluation by nested scipy quad: {t_quad * 1e3:8.1f} ms "
          f"(agreement: |G_E| diff {abs(GE - E.G_E):.1e}, qhat0 diff {abs(qh0 - r.qhat0):.1e})")
    print(f"  ratio per map evaluation: {t_quad / t_eval:8.1f}x")
    print(f"  nested-quad warm solve ({rw.iterations} evals): {t_quad * rw.iterations:8.2f} s, "
          f"ratio {t_quad * rw.iterations / t_warm:8.1f}x; with the finite-difference hybrid solver of "
          f"theory.core.solver (measured below) the baseline would need more evaluations")
    h = sp.converge(sp._fixed_point_map(alpha, beta, qstar + 1e-3, sp.DEFAULT_ORDER), r.values, tol=1e-10,
                    method="hybr")
    print(f"  nested-quad cold solve (the {r.iterations} order-12 evaluations only): {t_quad * r.iterations:8.2f} s, "
          f"ratio {t_quad * r.iterations / t_cold:8.1f}x")
    print(f"  (hybrid Powell without the Jacobian from the same warm start: {h.iterations} map evaluations)")
    grid = [(a_, b_, q_) for a_ in (0.3, 0.55, 0.8) for b_ in (0.5, 5.0, 20.0, 50.0, 200.0)
            for q_ in (0.05, 0.3, 0.7, 0.95, 0.99)]
    if args.quick:
        grid = grid[::5]
    tg = []
    for g in grid:
        tg.append(cputime(lambda g=g: solve_rs(*g, error=False)))
    tb = sum(cputime(lambda g=g: solve_rs(*g, init=sp._bracket_init(*g), error=False)) for g in grid)
    tg = np.array(tg)
    print(f"cold starts on {len(grid)} points (alpha in 0.3..0.8, beta in 0.5..200, q* in 0.05..0.99), CPU: "
          f"median {np.median(tg) * 1e3:.1f} ms, max {tg.max() * 1e3:.1f} ms, {np.mean(tg <= 0.02) * 100:.0f}% "
          f"<= 20 ms; bracketing start: total ratio {tb / tg.sum():.2f}x")
    print(f"  (in units of one map evaluation: median {np.median(tg) / c_eval:.2f}, max {tg.max() / c_eval:.2f})")
    n_e = 10 if args.quick else 50
    qs = np.linspace(0.3, 0.99, n_e)
    with EvalCounter() as ce:
        t_curve, c = timeit(lambda: bc_energy_curve(alpha, beta, qs))
    print(f"{n_e}-point E(q*) curve (alpha={alpha}, beta={beta}, q* in [0.3, 0.99]): {t_curve:8.2f} s "
          f"({t_curve / n_e * 1e3:.0f} ms/point, failed {len(c.failed)}, {ce.n} order-12 map evaluations)")
    from theory.perceptron import bc_energy
    rb = bc_energy(alpha, beta, 0.8)
    t_qE, (p_q, pt_q, E_q) = timeit(lambda: quad_bc_energy(beta, 0.8, rb.q0, rb.qhat0, rb.qhat1))
    print(f"  baseline: p, p_tilde, E by nested quad at q*=0.8: {t_qE * 1e3:8.1f} ms (agreement: E diff "
          f"{abs(E_q - rb.E):.1e}, p diff {abs(p_q - rb.p):.1e})")
    base = ce.n * t_quad + ce.n_E * t_qE
    print(f"  baseline (nested quad x {ce.n} map evaluations + {ce.n_E} E evaluations): {base:8.1f} s, "
          f"ratio {base / t_curve:8.1f}x")
    n_b = 6 if args.quick else 30
    qb = np.linspace(0.78, 0.97, n_b)
    prev = None
    fails = []
    vals = []
    with EvalCounter() as cb:
        t0 = time.perf_counter()
        for q in qb:
            ok = prev is not None
            res = beta_c(alpha, float(q), beta_start=prev.beta_c if ok else 1.0, init=prev if ok else None,
                         ratio=1.1 if ok else 1.25)
            if res.converged:
                prev = res
                vals.append(res.beta_c)
            else:
                fails.append((float(q), res.message))
        t_bc = time.perf_counter() - t0
    print(f"{n_b}-point beta_c(q*) curve (alpha={alpha}, q* in [0.78, 0.97]): {t_bc:8.2f} s "
          f"({t_bc / n_b:.2f} s/point, failed {len(fails)}, {cb.n} order-12 map evaluations; "
          f"beta_c from {min(vals):.2f} to {max(vals):.2f})" if vals else f"beta_c: all failed {fails}")
    print(f"  baseline (nested quad x evaluations): {cb.n * t_quad:8.1f} s, ratio {cb.n * t_quad / t_bc:8.1f}x")
    for q, m in fails:
        print(f"  q*={q:.4f}: {m}")


if __name__ == "__main__":
    main()
