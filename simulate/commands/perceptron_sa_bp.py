"""Binary perceptron: binary-control Monte Carlo and the energy around solutions ([baldassi2018]).

``python -m simulate perceptron mc-binary|energy-around --N 1001 --alpha 0.55 --seed 0
[--teacher] [--json]``. The instance and the algorithm use the same ``--seed``.
``mc-binary --q-star START:STOP:COUNT`` runs the protocol of [baldassi2018, SM Eq. 40]
([baldassi2018, SM Fig. 3], continuation in q*); ``energy-around --algorithm A --d START:STOP:COUNT``
prints Ê(W, d) of [baldassi2018, SM Eq. 45] around the solution found by ``A`` (a method
of :data:`simulate.perceptron.PERCEPTRON_SOLVERS` with the paper's presets, or the
teacher); exit code 1 when ``A`` found no solution, 2 for bad input. The solvers
themselves (``sa``, ``bpr``, ...) are the commands of :mod:`simulate.commands.perceptron`.
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

from theory.core.cli import add_output_options, add_scan_option, emit

ALGORITHMS = ("teacher", "sa", "bpr", "gd", "cp", "cp-s", "rule43", "perceptron")

COMMANDS = {
    "mc-binary": ("Metropolis on binary control variables, Hamiltonian -L(sigma) of [baldassi2018, SM Eq. 40] "
                  "([baldassi2018, SM Fig. 3])"),
    "energy-around": ("average energy E(W, d) around a solution, [baldassi2018, SM Eq. 45-46] "
                      "([baldassi2018, SM Fig. 5])"),
}


def _common(p: argparse.ArgumentParser, alpha: float) -> None:
    p.add_argument("--N", type=int, default=1001, help="number of synapses, odd (default 1001)")
    p.add_argument("--alpha", type=float, default=alpha, help=f"load M/N > 0 (default {alpha})")
    p.add_argument("--seed", type=int, default=0, help="seed of the instance and of the algorithm (default 0)")
    p.add_argument("--teacher", action="store_true", help="teacher-student labels (default: y = 1)")


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("mc-binary", help=COMMANDS["mc-binary"], description=COMMANDS["mc-binary"])
    _common(p, 0.55)
    add_scan_option(p, "q-star", default=0.7, help="q* in (0,1), or START:STOP:COUNT (continuation)")
    p.add_argument("--beta", type=float, default=15.0, help="inverse temperature (default 15)")
    p.add_argument("--n-equil", type=int, default=200, help="sweeps discarded per q* (default 200)")
    p.add_argument("--n-measure", type=int, default=200, help="sweeps averaged per q* (default 200)")
    add_output_options(p, plot=True)
    p.set_defaults(func=_mc, estimate=_estimate)

    p = subparsers.add_parser("energy-around", help=COMMANDS["energy-around"],
                              description=COMMANDS["energy-around"])
    _common(p, 0.4)
    p.add_argument("--algorithm", choices=ALGORITHMS, default="bpr",
                   help="where W comes from (teacher needs --teacher; default bpr)")
    add_scan_option(p, "d", default="0:0.1:11", help="distance(s) d (fraction of flipped weights)")
    p.add_argument("--n-samples", type=int, default=1000, help="Monte Carlo draws per d (paper: 1000)")
    add_output_options(p, plot=True)
    p.set_defaults(func=_energy, estimate=_estimate)


def _estimate(args) -> list[tuple[float, str]]:
    from simulate.commands.perceptron import pattern_memory

    return pattern_memory(args, getattr(args, "algorithm", ""))


def _instance(args):
    from simulate.perceptron import generate_instance

    return generate_instance(args.N, args.alpha, seed=args.seed, teacher=args.teacher)


def _mc(args) -> int:
    from simulate.perceptron import binary_control_scan

    q = np.atleast_1d(np.asarray(args.q_star, dtype=float))
    res = binary_control_scan(_instance(args), q, args.beta, args.seed, n_equil=args.n_equil,
                              n_measure=args.n_measure)
    rows = [r.to_dict() for r in res]
    emit(args, rows if q.size > 1 else rows[0], x="q_star", y=["train_error"])
    return 0


def solve_with(algorithm: str, inst, seed: int):
    """``(W, solved)`` from ``"teacher"`` or a method of the registry on ``inst``.

    Paper presets, [baldassi2018, SM Sec. VII].
    """
    if algorithm == "teacher":
        if inst.teacher is None:
            raise ValueError("--algorithm teacher needs --teacher")
        return inst.teacher.copy(), True
    from simulate.perceptron import solve_perceptron

    r = solve_perceptron(inst, algorithm, seed=seed)
    return np.asarray(r.W, dtype=np.int8), bool(r.solved)


def _energy(args) -> int:
    from simulate.perceptron import average_energy_profile

    inst = _instance(args)
    W, solved = solve_with(args.algorithm, inst, args.seed)
    d = np.atleast_1d(np.asarray(args.d, dtype=float))
    prof = average_energy_profile(W, inst, d, args.seed, n_samples=args.n_samples)
    rows = [{"algorithm": args.algorithm, "solved": solved, "d": float(x), "flips": int(k), "energy": float(e),
             "energy_se": float(s)} for x, k, e, s in zip(prof.d, prof.flips, prof.energy, prof.energy_se)]
    emit(args, rows if d.size > 1 else rows[0], x="d", y=["energy"])
    if not solved:
        print(f"warning: {args.algorithm} found no solution; E(W, d) is around its best configuration",
              file=sys.stderr)
        return 1
    return 0
