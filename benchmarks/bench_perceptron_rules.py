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

Bit-packed patterns (issue 22), in the same run:

* CP ([baldassi2018, SM Eq. 44]) epoch, int8 kernel (:func:`online_rule_epoch`) against the packed
  kernel (:func:`packed_cp_epoch`, popcount fields, sign words rewritten on the update) at N = 1001
  and 10001, alpha = 0.4 and 0.6, from two states: the initial ``m`` (half the patterns are errors)
  and ``m`` after 20 CP epochs (fewer updates: the field dominates); checked bit-identical; with the
  int8 streaming floor (one numba pass summing every byte of X) at each size;
* CP-S epoch (int8 kernel) split into its parts: the sampling alone (N xoroshiro128+ uniforms
  compared with ``(1 + m_i)/2`` per pattern, no pattern read) and the deterministic field of the same
  size (the CP epoch, int8 and packed): what packing could at most remove.

``--json`` prints one JSON object on stdout (the text goes to stderr): ``rule43`` (the times above),
``cp`` (one entry per N, alpha, state: ``int8_s``, ``packed_s``, ``int8_over_packed``,
``packed_over_int8_floor``, ``int8_floor_s``, ``updates``), ``cps`` (``epoch_s``, ``sampling_s``,
``sampling_fraction``, ``cp_int8_s``, ``cp_packed_s``, ``best_packed_cps_over_cps``, and the CP-S
epoch on a packed instance, :func:`unpacked_rule_epoch`: ``unpacked_s``, ``unpacked_over_int8``).
Run: ``python benchmarks/bench_perceptron_rules.py [--repeat R] [--json] [--skip-rule43]``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys

import numba
import numpy as np
from _timing import best, stream_int8

from simulate.core import new_fast_stream, next_double, seed_numba
from simulate.perceptron import generate_instance, pack_instance
from simulate.perceptron.rules import (
    OnlineRule,
    online_rule_epoch,
    packed_cp_epoch,
    unpacked_rule_epoch,
    weighted_rule_update,
)


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


def row_major_words(P: np.ndarray) -> np.ndarray:
    """Row-major words (M, nw) of the chunk-major packed patterns ``P`` (nc, M, 4) of a packed instance."""
    return np.ascontiguousarray(P.transpose(1, 0, 2)).reshape(P.shape[1], -1)


def pack_signs(m: np.ndarray, nw: int) -> np.ndarray:
    """The packed sign words (nw,) of ``m``: bit ``i % 64`` of word ``i // 64`` set iff ``m_i >= 0``."""
    by = np.packbits(m >= 0, bitorder="little")
    out = np.zeros(nw, dtype=np.uint64)
    out.view(np.uint8)[:by.size] = by
    return out



@numba.njit(cache=True)
def _sampling_only(m, M, state):
    """The sampling of a CP-S epoch alone: per pattern N uniforms compared with (1 + m_i)/2, no pattern read."""
    c = 0
    for _ in range(M):
        for i in range(m.size):
            c += next_double(state) < 0.5 * (1.0 + m[i])
    return c


def bench_rule43(N: int, repeat: int, say) -> dict:
    alpha = 0.55
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
                 repeat)
    t_mt = best(lambda: _mt_epoch(inst.X, inst.y, order, m0.copy(), eta, sigma), repeat)
    t_floor = best(lambda: online_rule_epoch(inst.X, inst.y, order, m0.copy(), eta, OnlineRule.PERCEPTRON, sigma,
                                             state),
                   repeat)
    per = 1e9 / (N * inst.M)
    say(f"rule-43 epoch, N = {N}, M = {inst.M} (CPU time, best of {repeat})")
    say(f"  xoroshiro128+ inside the sum : {t_new:8.3f} s  ({t_new * per:.2f} ns per pattern-synapse)")
    say(f"  (a) Mersenne Twister + array : {t_mt:8.3f} s  ratio a/new = {t_mt / t_new:.2f}")
    say(f"  (b) no sampling (floor)      : {t_floor:8.3f} s  ratio new/b = {t_new / t_floor:.2f}")
    # [baldassi2018, SM Fig. 4] at N = 10001: loads 0.3..0.6, epoch cost ~ alpha; loads >= 0.5 run the 2000-epoch cap
    alphas = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    epochs = [2000 if a >= 0.5 else 500 for a in alphas]  # rough: solved loads stop far earlier
    cost = sum(10 * e * t_new * a / alpha for a, e in zip(alphas, epochs))
    say(f"projected [baldassi2018, SM Fig. 4] run at N = {N} (10 instances x 7 loads, upper bound): "
        f"{cost / 3600:.1f} CPU-h "
        f"(baseline {cost * t_mt / t_new / 3600:.1f} CPU-h)")
    return dict(N=N, M=inst.M, epoch_s=t_new, mersenne_twister_s=t_mt, no_sampling_s=t_floor,
                mt_over_new=t_mt / t_new, new_over_no_sampling=t_new / t_floor, projected_fig4_cpu_h=cost / 3600)


def bench_cp(N: int, alpha: float, repeat: int, say, warm_epochs: int = 20) -> list[dict]:
    """CP epoch int8 vs packed (from the initial m and after ``warm_epochs`` CP epochs), and the int8 floor."""
    inst = generate_instance(N, alpha, seed=0)
    R = row_major_words(pack_instance(inst).bits)
    nw = R.shape[1]
    rng = np.random.default_rng(1)
    eta, cp = 2e-3, int(OnlineRule.CP)
    state = new_fast_stream(rng)
    m_init = np.clip(rng.normal(0.0, 1.0 / math.sqrt(N), N), -1.0, 1.0)
    m_warm = m_init.copy()
    for _ in range(warm_epochs):
        packed_cp_epoch(R, inst.y, rng.permutation(inst.M).astype(np.int64), m_warm, eta, pack_signs(m_warm, nw), N)
    order = rng.permutation(inst.M).astype(np.int64)
    stream_int8(inst.X)
    t_floor = best(lambda: stream_int8(inst.X), repeat)
    out = []
    for label, m0 in (("initial m", m_init), (f"after {warm_epochs} epochs", m_warm)):
        a, b = m0.copy(), m0.copy()
        u8 = online_rule_epoch(inst.X, inst.y, order, a, eta, cp, 1.0, state)
        up = packed_cp_epoch(R, inst.y, order, b, eta, pack_signs(b, nw), N)
        if up != u8 or not np.array_equal(a, b):
            raise AssertionError(f"packed CP epoch differs from the int8 epoch at N = {N}, alpha = {alpha}")
        t8 = best(lambda m0=m0: online_rule_epoch(inst.X, inst.y, order, m0.copy(), eta, cp, 1.0, state), repeat)
        tp = best(lambda m0=m0: packed_cp_epoch(R, inst.y, order, m0.copy(), eta, pack_signs(m0, nw), N), repeat)
        say(f"CP epoch N = {N:6d}, alpha = {alpha}, {label:18s} ({u8:5d} updates of {inst.M}): "
            f"int8 {t8 * 1e3:8.3f} ms, packed {tp * 1e3:7.3f} ms, int8/packed = {t8 / tp:5.1f}, "
            f"packed/int8 floor = {tp / t_floor:.2f} (floor {t_floor * 1e3:.3f} ms; m identical)")
        out.append(dict(N=N, M=inst.M, alpha=alpha, state=label, updates=u8, int8_s=t8, packed_s=tp,
                        int8_floor_s=t_floor, int8_over_packed=t8 / tp, packed_over_int8_floor=tp / t_floor,
                        int8_over_int8_floor=t8 / t_floor, identical=True))
    return out


def bench_cps(N: int, alpha: float, repeat: int, say) -> dict:
    """CP-S epoch (int8) against its sampling alone and the deterministic CP field of the same size."""
    inst = generate_instance(N, alpha, seed=0)
    R = row_major_words(pack_instance(inst).bits)
    nw = R.shape[1]
    rng = np.random.default_rng(2)
    m0 = np.clip(rng.normal(0.0, 0.3, N), -1.0, 1.0)  # a mid-run m (q* ~ 0.1)
    order = rng.permutation(inst.M).astype(np.int64)
    state = new_fast_stream(rng)
    cps, cp = int(OnlineRule.CP_S), int(OnlineRule.CP)
    online_rule_epoch(inst.X, inst.y, order[:2], m0.copy(), 2e-3, cps, 1.0, state)
    _sampling_only(m0, 2, state)
    t_cps = best(lambda: online_rule_epoch(inst.X, inst.y, order, m0.copy(), 2e-3, cps, 1.0, state), repeat)
    t_samp = best(lambda: _sampling_only(m0, inst.M, state), repeat)
    t_cp8 = best(lambda: online_rule_epoch(inst.X, inst.y, order, m0.copy(), 2e-3, cp, 1.0, state), repeat)
    t_cpp = best(lambda: packed_cp_epoch(R, inst.y, order, m0.copy(), 2e-3, pack_signs(m0, nw), N), repeat)
    unpacked_rule_epoch(R, inst.y, order[:2], m0.copy(), 2e-3, cps, 1.0, state, N)
    t_unp = best(lambda: unpacked_rule_epoch(R, inst.y, order, m0.copy(), 2e-3, cps, 1.0, state, N), repeat)
    bound = t_samp / t_cps  # a packed CP-S epoch still samples N uniforms per pattern
    say(f"CP-S epoch N = {N}, alpha = {alpha}: {t_cps * 1e3:.2f} ms; sampling alone {t_samp * 1e3:.2f} ms "
        f"({100 * t_samp / t_cps:.0f} %); CP epoch from the same m: int8 {t_cp8 * 1e3:.2f} ms, "
        f"packed {t_cpp * 1e3:.2f} ms; a packed CP-S epoch costs at least {100 * bound:.0f} % of the int8 one; "
        f"on a packed instance (one row unpacked at a time) {t_unp * 1e3:.2f} ms ({t_unp / t_cps:.2f}x)")
    return dict(N=N, M=inst.M, alpha=alpha, epoch_s=t_cps, sampling_s=t_samp, sampling_fraction=t_samp / t_cps,
                cp_int8_s=t_cp8, cp_packed_s=t_cpp, best_packed_cps_over_cps=bound, unpacked_s=t_unp,
                unpacked_over_int8=t_unp / t_cps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--N", type=int, default=10001, help="size of the rule-43 and CP-S measurements")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ap.add_argument("--skip-rule43", action="store_true", help="only the CP / CP-S measurements")
    args = ap.parse_args()
    say = (lambda *x: print(*x, file=sys.stderr)) if args.json else print
    res = {"repeat": args.repeat}
    if not args.skip_rule43:
        res["rule43"] = bench_rule43(args.N, args.repeat, say)
    say(f"bit-packed patterns (CPU time, best of {max(args.repeat, 5)})")
    res["cp"] = [e for N in (1001, 10001) for alpha in (0.4, 0.6)
                 for e in bench_cp(N, alpha, max(args.repeat, 5), say)]
    res["cps"] = bench_cps(args.N, 0.55, args.repeat, say)
    if args.json:
        json.dump(res, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
