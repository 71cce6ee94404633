"""Benchmark of the 1RSB saddle point of the stochastic perceptron (issue 20).

Run from the repository root: ``python benchmarks/bench_perceptron_rsb.py [--quick] [--json]``.

Timed (CPU time of this process, best of ``--repeat``): one 1RSB saddle point at tol 1e-8
(alpha = 0.55, beta = 40, q* = 0.8, x = 0.5), cold (from the RS solution) and warm (from the
solution at beta = 41); one evaluation of phi (both nested terms); a 30-point beta continuation
(beta from 40 down to 28, x = 0.5). Baseline measured in the same run: phi at the solution by
nested ``scipy.integrate.quad`` (entropic term: two Gaussian levels around the closed-form box
integral by ``quad``; energetic term: two Gaussian levels around the ``u`` integral of ``H^beta``, three
nested ``quad`` calls), at ``epsabs = 1e-10``; the values are compared. ``--quick`` leaves out the
energetic nested quad and times a 10-point continuation. Ratios are printed; nothing is asserted.

Measured (2026-12-07 ~22:50 UTC, full run, shared 2-core machine at load average 2-3; CPU times), after the
two-order fixed-x solve (Newton on (q0, q1 - q0, qhatd - qhat1) at order 6, Broyden refinement at order 12):
cold solve 0.42 s, warm 0.27 s (14 energetic-term evaluations over both orders), one phi evaluation 35 ms;
nested quad of phi 12.8 s (entropic 0.92 s, energetic 11.8 s; differences 3.6e-15 and 2.8e-14): 367x per
evaluation, 47x per warm solve; 30-point continuation 6.3 s, no failure. Before (2026-12-07 ~20:15 UTC,
load 10-20; Newton on the reduced map, norm constraint solved inside every map evaluation): cold 1.43 s,
warm 0.82 s (9 reduced-map evaluations), continuation 20.1 s.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import integrate, optimize
from scipy.special import log_ndtr

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best  # noqa: E402

from theory.perceptron import (  # noqa: E402
    rsb_beta_continuation,
    rsb_energetic_terms,
    rsb_entropic_terms,
    rsb_free_entropy,
    solve_rsb,
)

ALPHA, BETA, QSTAR, X = 0.55, 40.0, 0.8, 0.5
EPS = 1e-10


def _dz(f, lo=-10.0, hi=10.0):
    return integrate.quad(lambda z: math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) * f(z), lo, hi, epsabs=EPS,
                          epsrel=EPS, limit=200)[0]


def quad_entropic(qh0, qh1, qhd, x):
    a = 0.5 * (qhd - qh1)

    def Z(b):
        # box integral, scaled by its maximum exponent to avoid overflow
        mx = max(a + b, a - b, 0.0 if a >= 0 else max(a + b, a - b, -b * b / (4 * a) if abs(b) < -2 * a else -1e300))
        val = integrate.quad(lambda m: math.exp(a * m * m + b * m - mx), -1.0, 1.0, epsabs=1e-13, epsrel=1e-13,
                             limit=200)[0]
        return math.log(val) + mx

    s0, s1 = math.sqrt(qh0), math.sqrt(qh1 - qh0)

    def outer(z0):
        b0 = s0 * z0
        ref = Z(b0)
        inner = _dz(lambda z1: math.exp(x * (Z(b0 + s1 * z1) - ref)), -10.0 - x * s1, 10.0 + x * s1)
        return x * ref + math.log(inner)

    return 2.0 * integrate.quad(lambda z0: math.exp(-0.5 * z0 * z0) / math.sqrt(2 * math.pi) * outer(z0), 0.0, 10.0,
                                epsabs=EPS, epsrel=EPS, limit=200)[0] / x


def _mode(psi, lo, hi):
    return optimize.minimize_scalar(lambda t: -psi(t), bounds=(lo, hi), method="bounded",
                                    options={"xatol": 1e-10}).x


def quad_energetic(q0, q1, qstar, beta, x):
    s, sD = math.sqrt(1 - qstar), math.sqrt(qstar - q1)
    s0, s1 = math.sqrt(q0), math.sqrt(q1 - q0)

    def F(h):
        # log int Du H^beta(-(h + sD u)/s), on a window around the mode of the (log-concave) posterior
        psi = lambda u: -0.5 * u * u + beta * float(log_ndtr((h + sD * u) / s))  # noqa: E731
        um = _mode(psi, -15.0, 15.0 + 3.0 * abs(h) / sD)
        pm = psi(um)
        val = integrate.quad(lambda u: math.exp(psi(u) - pm), um - 12.0, um + 12.0, points=[um - 2, um, um + 2],
                             epsabs=1e-14, epsrel=1e-12, limit=200)[0]
        return math.log(val / math.sqrt(2 * math.pi)) + pm

    def outer(z0):
        h0 = s0 * z0
        # the tilted z1 weight exp(-z1^2/2 + x F) is log-concave: a window around its mode
        psi = lambda z1: -0.5 * z1 * z1 + x * F(h0 + s1 * z1)  # noqa: E731
        zm = _mode(psi, -12.0, 12.0 + 3.0 * abs(h0) / max(s1, 1e-3))
        pm = psi(zm)
        inner = integrate.quad(lambda z1: math.exp(psi(z1) - pm), zm - 10.0, zm + 10.0, points=[zm],
                               epsabs=1e-13, epsrel=1e-11, limit=200)[0]
        return pm + math.log(inner / math.sqrt(2 * math.pi))

    return _dz(outer) / x


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    out: dict = {"alpha": ALPHA, "beta": BETA, "qstar": QSTAR, "x": X}
    r = solve_rsb(ALPHA, BETA, QSTAR, X, tol=1e-8, error=False)   # compile and warm the caches
    r41 = solve_rsb(ALPHA, BETA + 1.0, QSTAR, X, init=r, tol=1e-8, error=False)
    out["cold_s"] = best(lambda: solve_rsb(ALPHA, BETA, QSTAR, X, tol=1e-8, error=False), args.repeat)
    out["warm_s"] = best(lambda: solve_rsb(ALPHA, BETA, QSTAR, X, init=r41, tol=1e-8, error=False), args.repeat)
    out["iterations_warm"] = solve_rsb(ALPHA, BETA, QSTAR, X, init=r41, tol=1e-8, error=False).iterations
    v = r.values
    out["phi_eval_s"] = best(lambda: rsb_free_entropy(*v.values(), alpha=ALPHA, beta=BETA, qstar=QSTAR, x=X),
                             args.repeat)
    out["gap"], out["phi"], out["error"] = r.gap, r.phi, solve_rsb(ALPHA, BETA, QSTAR, X, init=r, tol=1e-8).error
    t = time.process_time()
    GS = quad_entropic(v["qhat0"], v["qhat1"], v["qhatd"], X)
    out["quad_entropic_s"] = time.process_time() - t
    out["entropic_diff"] = abs(GS - rsb_entropic_terms(v["qhat0"], v["qhat1"], v["qhatd"], X).G_S)
    if not args.quick:
        t = time.process_time()
        GE = quad_energetic(v["q0"], v["q1"], QSTAR, BETA, X)
        out["quad_energetic_s"] = time.process_time() - t
        out["energetic_diff"] = abs(GE - rsb_energetic_terms(v["q0"], v["q1"], QSTAR, BETA, X).G_E)
        out["quad_phi_s"] = out["quad_entropic_s"] + out["quad_energetic_s"]
        out["ratio_quad_phi_vs_eval"] = out["quad_phi_s"] / out["phi_eval_s"]
        out["ratio_quad_phi_vs_warm_solve"] = out["quad_phi_s"] / out["warm_s"]
    n = 10 if args.quick else 30
    betas = np.linspace(BETA, 28.0, n)
    t = time.process_time()
    c = rsb_beta_continuation(ALPHA, betas, QSTAR, X, init=r, tol=1e-8)
    out[f"continuation_{n}_s"] = time.process_time() - t
    out["continuation_failed"] = len(c.failed)
    out["continuation_gap_last"] = float(c.column("gap")[-1])
    if args.json:
        print(json.dumps(out))
    else:
        for k, val in out.items():
            print(f"{k:32s} {val}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
