"""Binary perceptron: simulated annealing, BP+R, binary-control Monte Carlo, energy around solutions (seed 004).

``python -m simulate perceptron sa|bpr|mc-binary|energy-around --N 1001
--alpha 0.55 --seed 0 [--teacher] [--json]``. The instance and the algorithm
use the same ``--seed``. ``sa`` and ``bpr`` exit with code 1 when no solution
was found (the record says so: ``solved=false`` and a message), 2 for bad
input. ``mc-binary --q-star START:STOP:COUNT`` runs the SM Fig. 3 protocol
(continuation in q*); ``energy-around --algorithm A --d START:STOP:COUNT``
prints Ê(W, d) of SM Eq. 45-46 around the solution found by ``A``.
"""
from __future__ import annotations

import argparse
import sys
from functools import partial

import numpy as np

from theory.core.cli import add_output_options, add_scan_option, emit

ALGORITHMS = ("teacher", "sa", "bpr", "gd", "cp", "cp-s")

COMMANDS = {
    "sa": "simulated annealing on sum_mu Theta_1(-y W.x/sqrt N), SM Sec. VII",
    "bpr": "belief propagation with reinforcement (Braunstein-Zecchina 2006), SM Sec. VII",
    "mc-binary": "Metropolis on binary control variables, Hamiltonian -L(sigma) of SM Eq. 40 (Fig. 3)",
    "energy-around": "average energy E(W, d) around a solution, SM Eq. 45-46 (Fig. 5)",
}


def _common(p: argparse.ArgumentParser, alpha: float) -> None:
    p.add_argument("--N", type=int, default=1001, help="number of synapses, odd (default 1001)")
    p.add_argument("--alpha", type=float, default=alpha, help=f"load M/N > 0 (default {alpha})")
    p.add_argument("--seed", type=int, default=0, help="seed of the instance and of the algorithm (default 0)")
    p.add_argument("--teacher", action="store_true", help="teacher-student labels (default: y = 1)")


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("sa", help=COMMANDS["sa"], description=COMMANDS["sa"])
    _common(p, 0.55)
    p.add_argument("--energy", choices=["linear", "count"], default="linear",
                   help="Theta_1 (SM Sec. VII, default) or error count (main Eq. 2)")
    p.add_argument("--beta0", type=float, default=None, help="initial beta (default 10 linear, 1 count)")
    p.add_argument("--rate", type=float, default=5e-3, help="beta <- beta (1 + rate) (default 5e-3)")
    p.add_argument("--sweeps-per-step", type=int, default=5, help="sweeps per temperature (default 5)")
    p.add_argument("--max-sweeps", type=int, default=20000)
    add_output_options(p, plot=False)
    p.set_defaults(func=_sa)

    p = subparsers.add_parser("bpr", help=COMMANDS["bpr"], description=COMMANDS["bpr"])
    _common(p, 0.55)
    p.add_argument("--rate", type=float, default=1e-3, help="1 - r <- (1 - r)(1 - rate) (default 1e-3)")
    p.add_argument("--damping", type=float, default=0.0)
    p.add_argument("--max-iter", type=int, default=5000)
    add_output_options(p, plot=False)
    p.set_defaults(func=_bpr)

    p = subparsers.add_parser("mc-binary", help=COMMANDS["mc-binary"], description=COMMANDS["mc-binary"])
    _common(p, 0.55)
    add_scan_option(p, "q-star", default=0.7, help="q* in (0,1), or START:STOP:COUNT (continuation)")
    p.add_argument("--beta", type=float, default=15.0, help="inverse temperature (default 15)")
    p.add_argument("--n-equil", type=int, default=200, help="sweeps discarded per q* (default 200)")
    p.add_argument("--n-measure", type=int, default=200, help="sweeps averaged per q* (default 200)")
    add_output_options(p, plot=True)
    p.set_defaults(func=_mc)

    p = subparsers.add_parser("energy-around", help=COMMANDS["energy-around"],
                              description=COMMANDS["energy-around"])
    _common(p, 0.4)
    p.add_argument("--algorithm", choices=ALGORITHMS, default="bpr",
                   help="where W comes from (teacher needs --teacher; default bpr)")
    add_scan_option(p, "d", default="0:0.1:11", help="distance(s) d (fraction of flipped weights)")
    p.add_argument("--n-samples", type=int, default=1000, help="Monte Carlo draws per d (paper: 1000)")
    add_output_options(p, plot=True)
    p.set_defaults(func=_energy)


def _instance(args):
    from simulate.perceptron.instances import generate_instance

    return generate_instance(args.N, args.alpha, seed=args.seed, teacher=args.teacher)


def _finish(args, r, extra) -> int:
    d = {"algorithm": extra, "seed": args.seed, **r.to_dict()}
    if d.get("gen_accuracy") is not None and not args.teacher:
        d.pop("gen_accuracy")
    emit(args, d)
    if not r.solved:
        print(f"no solution: {r.message}", file=sys.stderr)
        return 1
    return 0


def _sa(args) -> int:
    from simulate.perceptron.sa import simulated_annealing

    r = simulated_annealing(_instance(args), args.seed, beta0=args.beta0, rate=args.rate,
                            sweeps_per_step=args.sweeps_per_step, max_sweeps=args.max_sweeps, energy=args.energy)
    return _finish(args, r, "sa")


def _bpr(args) -> int:
    from simulate.perceptron.bp_reinforcement import bp_reinforcement

    r = bp_reinforcement(_instance(args), args.seed, rate=args.rate, damping=args.damping, max_iter=args.max_iter)
    return _finish(args, r, "bpr")


def _mc(args) -> int:
    from simulate.perceptron.binary_control_mc import binary_control_scan

    q = np.atleast_1d(np.asarray(args.q_star, dtype=float))
    res = binary_control_scan(_instance(args), q, args.beta, args.seed, n_equil=args.n_equil,
                              n_measure=args.n_measure)
    rows = [r.to_dict() for r in res]
    emit(args, rows if q.size > 1 else rows[0], x="q_star", y=["train_error"])
    return 0


def solve_with(algorithm: str, inst, seed: int):
    """``(W, solved)`` from one of :data:`ALGORITHMS` on ``inst`` (paper settings of SM Sec. VII)."""
    if algorithm == "teacher":
        if inst.teacher is None:
            raise ValueError("--algorithm teacher needs --teacher")
        return inst.teacher.copy(), True
    if algorithm == "sa":
        from simulate.perceptron.sa import simulated_annealing

        r = simulated_annealing(inst, seed)
    elif algorithm == "bpr":
        from simulate.perceptron.bp_reinforcement import bp_reinforcement

        r = bp_reinforcement(inst, seed)
    elif algorithm == "gd":
        from simulate.perceptron.gd import gd

        r = gd(inst, eta=0.1, seed=seed, record=False)
    elif algorithm in ("cp", "cp-s"):
        from simulate.perceptron.rules import run_rule

        r = run_rule(inst, algorithm, seed=seed)
    else:
        raise ValueError(f"algorithm must be one of {list(ALGORITHMS)} (got {algorithm!r})")
    return np.asarray(r.W, dtype=np.int8), bool(r.solved)


def _energy(args) -> int:
    from simulate.perceptron.energy import energy_profile

    inst = _instance(args)
    W, solved = solve_with(args.algorithm, inst, args.seed)
    d = np.atleast_1d(np.asarray(args.d, dtype=float))
    prof = energy_profile(W, inst, d, args.seed, n_samples=args.n_samples)
    rows = [{"algorithm": args.algorithm, "solved": solved, "d": float(x), "flips": int(k), "energy": float(e),
             "energy_se": float(s)} for x, k, e, s in zip(prof.d, prof.flips, prof.energy, prof.energy_se)]
    emit(args, rows if d.size > 1 else rows[0], x="d", y=["energy"])
    if not solved:
        print(f"warning: {args.algorithm} found no solution; E(W, d) is around its best configuration",
              file=sys.stderr)
        return 1
    return 0
