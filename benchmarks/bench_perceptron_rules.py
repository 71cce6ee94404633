"""Benchmark: one epoch of the stochastic on-line rules (CP-S, rule 43; [baldassi2018, SM Eq. 43-44]).

At N = 10001, alpha = 0.55 (M = 5501, the size of [baldassi2018, SM Fig. 4]) it times, in the same run:

* the epoch of :mod:`simulate.perceptron.rules` (``W ~ Q_m`` drawn from the
  xoroshiro128+ stream of :mod:`simulate.core.fast_rng` inside the field sum);
* (a) the baseline: the same epoch with ``W ~ Q_m`` drawn from numba's
  Mersenne Twister (``np.random.random()``) into an array, as before
  :mod:`simulate.core.fast_rng` existed;
* (b) the floor: the same epoch of the deterministic plain perceptron rule
  (no sampling), i.e. what the sampling adds on top of the two passes;

and prints the ratios, plus the projected cost of the [baldassi2018, SM Fig. 4] run at N = 10001
(10 instances x 7 loads; a load beyond the rule's capacity runs all 2000 epochs).
Run: ``python benchmarks/bench_perceptron_rules.py [--repeat R]``.
"""
from __future__ import annotations

import argparse
import math

import numba
import numpy as np
from _timing import best

from simulate.core import new_fast_stream, seed_numba
from simulate.perceptron import generate_instance
from simulate.perceptron.rules import OnlineRule, online_rule_epoch, weighted_rule_update


@numba.njit(cache=True)
def _mt_epoch(X, y, order, m, eta, sigma):
    """Rule-43 epoch with numba's Mersenne Twister and a W array (the baseline)."""
    N = m.size
    W = np.empty(N)
    for k in range(order.size):
        row = X[order[k]]
        ymu = np.float64(y[order[k]])
        for i in range(N):
            W[i] = 1.0 if np.random.random() < 0.5 * (1.0 + m[i]) else -1.0  # noqa: NPY002 (numba MT)
        h = 0.0
        for i in range(N):
            h += W[i] * row[i]
        weighted_rule_update(m, row, ymu, h, eta, sigma)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--N", type=int, default=10001)
    args = ap.parse_args()
    N, alpha = args.N, 0.55
    inst = generate_instance(N, alpha, seed=0)
    rng = np.random.default_rng(1)
    m0 = np.clip(rng.normal(0, 0.3, N), -1, 1)
    order = rng.permutation(inst.M).astype(np.int64)
    sigma, eta = math.sqrt(N / 2), 1e-3 * math.sqrt(N / 2)
    state = new_fast_stream(rng)
    seed_numba(rng)
    small = order[:2]
    online_rule_epoch(inst.X, inst.y, small, m0.copy(), eta, OnlineRule.RULE43, sigma, state)  # compile
    online_rule_epoch(inst.X, inst.y, small, m0.copy(), eta, OnlineRule.PERCEPTRON, sigma, state)
    _mt_epoch(inst.X, inst.y, small, m0.copy(), eta, sigma)
    t_new = best(lambda: online_rule_epoch(inst.X, inst.y, order, m0.copy(), eta, OnlineRule.RULE43, sigma, state),
                 args.repeat)
    t_mt = best(lambda: _mt_epoch(inst.X, inst.y, order, m0.copy(), eta, sigma), args.repeat)
    t_floor = best(lambda: online_rule_epoch(inst.X, inst.y, order, m0.copy(), eta, OnlineRule.PERCEPTRON, sigma,
                                             state),
                   args.repeat)
    per = 1e9 / (N * inst.M)
    print(f"rule-43 epoch, N = {N}, M = {inst.M} (CPU time, best of {args.repeat})")
    print(f"  xoroshiro128+ inside the sum : {t_new:8.3f} s  ({t_new * per:.2f} ns per pattern-synapse)")
    print(f"  (a) Mersenne Twister + array : {t_mt:8.3f} s  ratio a/new = {t_mt / t_new:.2f}")
    print(f"  (b) no sampling (floor)      : {t_floor:8.3f} s  ratio new/b = {t_new / t_floor:.2f}")
    # [baldassi2018, SM Fig. 4] at N = 10001: loads 0.3..0.6, epoch cost ~ alpha; loads >= 0.5 run the 2000-epoch cap
    alphas = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    epochs = [2000 if a >= 0.5 else 500 for a in alphas]  # rough: solved loads stop far earlier
    cost = sum(10 * e * t_new * a / alpha for a, e in zip(alphas, epochs))
    print(f"projected [baldassi2018, SM Fig. 4] run at N = {N} (10 instances x 7 loads, upper bound): "
          f"{cost / 3600:.1f} CPU-h "
          f"(baseline {cost * t_mt / t_new / 3600:.1f} CPU-h)")


if __name__ == "__main__":
    main()
