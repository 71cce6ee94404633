"""Binary perceptron with stochastic synapses: GD family and on-line rules (seed 004).

``python -m simulate perceptron gd|gd-fixed-norm|cp|cp-s|rule43|perceptron
--N 1001 --alpha 0.55 --seed 0 [--teacher] [--json] [--save-trajectory FILE]``
prints the final state (solved, epochs, training error of sign(m), q*, and the
generalization accuracy 1 - arccos(rho)/pi when ``--teacher``). Not finding a
solution is a result, not an error: the exit code is 0 either way (2 for bad
input).
"""
from __future__ import annotations

import argparse
import csv
import json
from functools import partial

import numpy as np

from theory.core.cli import add_output_options, emit
from theory.core.results import to_jsonable

COMMANDS = {
    "gd": "gradient ascent on L(m), main Eq. 6-7 (clipped m, or --variant field)",
    "gd-fixed-norm": "GD at fixed |m|^2 = q* N along a q* schedule (main Fig. 2 left)",
    "cp": "clipped perceptron, SM Eq. 44 with h = sign(m).x",
    "cp-s": "stochastic clipped perceptron, SM Eq. 44 with h = W.x, W ~ Q_m",
    "rule43": "weighted stochastic perceptron rule, SM Eq. 43 (sign corrected)",
    "perceptron": "plain perceptron rule on m (expected to fail, SM Sec. VI)",
}


def add_commands(subparsers) -> None:
    for name, text in COMMANDS.items():
        p = subparsers.add_parser(name, help=text, description=text)
        p.add_argument("--N", type=int, default=1001, help="number of synapses, odd (default 1001)")
        p.add_argument("--alpha", type=float, default=0.55, help="load M/N > 0 (default 0.55)")
        p.add_argument("--seed", type=int, default=0, help="seed of the instance and of the algorithm (default 0)")
        p.add_argument("--teacher", action="store_true", help="teacher-student labels (default: y = 1)")
        p.add_argument("--eta", type=float, default=None, help="learning rate (default: the paper's)")
        if name == "gd-fixed-norm":
            p.add_argument("--q-start", type=float, default=0.3)
            p.add_argument("--q-stop", type=float, default=0.99)
            p.add_argument("--q-count", type=int, default=24)
            p.add_argument("--tol", type=float, default=1e-4, help="equilibration: max |dm| per step")
            p.add_argument("--max-steps", type=int, default=500, help="step cap per q* stage")
        else:
            p.add_argument("--max-epochs", type=int, default=2000 if name != "gd" else 1000)
        if name == "gd":
            p.add_argument("--variant", choices=["clip", "field"], default="clip")
            p.add_argument("--batch-size", type=int, default=None, help="mini-batch size (default: full batch)")
        p.add_argument("--save-trajectory", metavar="FILE", help="per-epoch (per-stage) record, CSV or .json")
        add_output_options(p, plot=False)
        p.set_defaults(func=partial(_run, name))


def _run(name: str, args: argparse.Namespace) -> int:
    from simulate.perceptron.instances import generate_instance

    inst = generate_instance(args.N, args.alpha, seed=args.seed, teacher=args.teacher)
    if name == "gd":
        from simulate.perceptron.gd import gd

        r = gd(inst, eta=0.1 if args.eta is None else args.eta, max_epochs=args.max_epochs, seed=args.seed,
               variant=args.variant, batch_size=args.batch_size)
        traj = r.trajectory
    elif name == "gd-fixed-norm":
        from simulate.perceptron.gd import default_schedule, fixed_norm_gd

        r = fixed_norm_gd(inst, default_schedule(args.q_start, args.q_stop, args.q_count),
                          eta=0.1 if args.eta is None else args.eta, tol=args.tol, max_steps=args.max_steps,
                          seed=args.seed)
        traj = r.stages
    else:
        from simulate.perceptron.rules import run_rule

        r = run_rule(inst, name, eta=args.eta, max_epochs=args.max_epochs, seed=args.seed)
        traj = r.trajectory
    summary = {"algorithm": name, "seed": args.seed, **r.to_dict()}
    if summary.get("generalization") is None:
        summary.pop("generalization", None)
    if args.save_trajectory:
        _save(args.save_trajectory, traj)
    emit(args, summary)
    return 0


def _save(path: str, traj: dict) -> None:
    cols = list(traj)
    if path.endswith(".json"):
        with open(path, "w") as fh:
            json.dump(to_jsonable({k: np.asarray(v) for k, v in traj.items()}), fh)
        return
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for row in zip(*(np.asarray(traj[c]).tolist() for c in cols)):
            w.writerow(row)
