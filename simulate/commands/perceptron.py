"""Binary perceptron with stochastic synapses: every learning method of the registry ([baldassi2018]).

``python -m simulate perceptron METHOD --N 1001 --alpha 0.55 --seed 0 [--teacher] [--json]
[--save-trajectory FILE] [--HYPERPARAMETER VALUE ...]`` with METHOD one of
``gd|gd-fixed-norm|cp|cp-s|rule43|perceptron|sa|bpr`` (the keys of
:data:`simulate.perceptron.PERCEPTRON_SOLVERS`; one option per hyperparameter of the
method, default: the paper's setting or the backend's default), or
``python -m simulate perceptron solve --method METHOD [--set NAME=VALUE ...]``.
Every command runs :func:`simulate.perceptron.solve_perceptron` and prints the run
(solved, iterations, training error of the binary configuration, the generalization
accuracy 1 - arccos(rho)/pi with ``--teacher``, the hyperparameters used) and the
backend's own diagnostics. Not finding a solution is a result, not an error: the exit
code is 0 either way, except for ``sa`` and ``bpr`` (1, as before the registry); 2 for
bad input.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from functools import partial

import numpy as np

from theory.core import to_jsonable
from theory.core.cli import add_output_options, emit, write_output

#: commands whose exit code is 1 when no solution was found (their historical behaviour)
EXIT_1_IF_UNSOLVED = ("sa", "bpr")
_CHOICES = {"variant": ("clip", "field"), "energy": ("linear", "count")}
_TYPES = {"float": float, "int": int, "str": str}


def _option_type(method: str, name: str):
    """The argparse type of a hyperparameter, from the backend's annotation (None: not a CLI option)."""
    from simulate.perceptron import PERCEPTRON_SOLVERS

    return _TYPES.get(PERCEPTRON_SOLVERS[method].annotations[name].split("|")[0].strip())


def _parse_set(method: str, items: list[str]) -> dict:
    out = {}
    for item in items:
        if "=" not in item:
            raise ValueError(f"--set takes NAME=VALUE (got {item!r})")
        name, value = item.split("=", 1)
        name = name.strip().replace("-", "_")
        if name == "schedule":
            out[name] = [float(x) for x in value.split(",")]
            continue
        typ = _option_type(method, name) if name in _hyperparameters(method) else None
        if typ is None:
            raise ValueError(f"{method}: --set {name}: not a settable hyperparameter (see --help)")
        try:
            out[name] = typ(value)
        except ValueError:
            raise ValueError(f"{method}: --set {name}={value}: {name} must be of type {typ.__name__}") from None
    return out


def _hyperparameters(method: str):
    from simulate.perceptron import PERCEPTRON_SOLVERS

    return PERCEPTRON_SOLVERS[method].hyperparameters


#: bytes per pattern entry (M x N) of a run, above the peaks measured with tracemalloc at N = 1001,
#: alpha = 2 (tests/test_bad_inputs.py): 1.1 gd, 2.3 cp/cp-s/rule43/perceptron, 3.0 sa (a transposed
#: signed copy), 18.0 bpr (float64 BP messages)
_BYTES_PER_ENTRY = {"bpr": 20.0, "sa": 4.0}
_DEFAULT_BYTES_PER_ENTRY = 3.0
#: on a packed instance these methods also hold a row-major copy of the packed words (simulate.perceptron.rules)
_ROW_MAJOR_METHODS = ("cp", "cp-s", "rule43", "perceptron")


def pattern_memory(args: argparse.Namespace, method: str = "") -> list[tuple[float, str]]:
    """Up-front memory estimate of a perceptron run on ``--N``, ``--alpha`` (checked first, naming the option)."""
    from theory.core import check_int, check_real

    N = check_int("--N", args.N, ge=1, odd=True)
    alpha = check_real("--alpha", args.alpha, gt=0.0)
    M = round(alpha * N)
    if M < 1:
        raise ValueError(f"--alpha {args.alpha} with --N {N} gives M = round(alpha N) = 0 patterns: need >= 1")
    if getattr(args, "packed", False):   # the on-line rules add a row-major copy of the packed words
        per = 0.25 if method in _ROW_MAJOR_METHODS else 0.125
    else:
        per = _BYTES_PER_ENTRY.get(method, _DEFAULT_BYTES_PER_ENTRY)
        if method == "bpr" and _parse_set(method, getattr(args, "set", [])).get("reinforcement") == "cavity":
            per += 8.0   # one more float64 message per edge (the reinforced cavity fields)
    out = [(float(M) * N * per, f"--N {N} --alpha {args.alpha} (M = {M:.4g} patterns of N synapses, "
                                f"{per:g} bytes per entry)")]
    if method == "sa":   # the schedule and the trace, one chunk of sweeps at a time: independent of --max-sweeps
        from simulate.perceptron.sa import CHUNK_SWEEPS, TRACE_LENGTH

        sweeps = _iteration_cap(args, method) or CHUNK_SWEEPS
        out.append((32.0 * min(sweeps, CHUNK_SWEEPS) + 48.0 * min(sweeps, TRACE_LENGTH),
                    f"the temperature schedule and error trace (at most {CHUNK_SWEEPS} sweeps at a time, "
                    f"{TRACE_LENGTH} trace entries)"))
    return out


#: pattern-entry updates per second assumed by the worst-case time estimate (a fast numba loop over int8)
_ENTRY_RATE = 1e9
#: the iteration cap of each method and the pattern passes (M x N entries) one iteration costs
_ITERATION_CAP = {"gd": ("max_epochs", 2.0), "cp": ("max_epochs", 2.0), "cp-s": ("max_epochs", 2.0),
                  "rule43": ("max_epochs", 2.0), "perceptron": ("max_epochs", 1.0), "sa": ("max_sweeps", 1.0),
                  "bpr": ("max_iter", 20.0), "gd-fixed-norm": ("max_steps", 2.0)}


def _iteration_cap(args: argparse.Namespace, method: str, hp: dict | None = None) -> float | None:
    """The value of ``method``'s iteration cap: the option (or ``--set``), else the paper preset or default."""
    from simulate.perceptron import PERCEPTRON_PRESETS, PERCEPTRON_SOLVERS

    if method not in _ITERATION_CAP or method not in PERCEPTRON_SOLVERS:
        return None
    name = _ITERATION_CAP[method][0]
    value = (hp or {}).get(name, getattr(args, name, None))
    if value is None:
        preset = PERCEPTRON_PRESETS.get(method, {}).get(name)
        value = preset.value if preset is not None else PERCEPTRON_SOLVERS[method].hyperparameters.get(name)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        return None
    return float(value)


def pattern_time(args: argparse.Namespace, method: str, hp: dict | None = None) -> tuple[float, str] | None:
    """Worst-case run time of ``method`` on ``--N``, ``--alpha``: its iteration cap (the option, or the
    paper preset / backend default) times the pattern passes per iteration, at :data:`_ENTRY_RATE`."""
    from simulate.perceptron import PERCEPTRON_SOLVERS

    if method not in _ITERATION_CAP or method not in PERCEPTRON_SOLVERS:
        return None
    name, passes = _ITERATION_CAP[method]
    value = _iteration_cap(args, method, hp)
    if value is None:
        return None   # the backend refuses it, naming the hyperparameter
    stages = getattr(args, "q_count", 1) if method == "gd-fixed-norm" else 1
    M = max(1, round(args.alpha * args.N))
    seconds = float(value) * stages * passes * M * args.N / _ENTRY_RATE
    return seconds, f"--{name.replace('_', '-')} {value:g} with --N {args.N} --alpha {args.alpha:g}"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--N", type=int, default=1001, help="number of synapses, odd (default 1001)")
    p.add_argument("--alpha", type=float, default=0.55, help="load M/N > 0 (default 0.55)")
    p.add_argument("--seed", type=int, default=0, help="seed of the instance and of the algorithm (default 0)")
    p.add_argument("--teacher", action="store_true", help="teacher-student labels (default: y = 1)")
    p.add_argument("--save-trajectory", metavar="FILE", help="per-iteration (per-stage) record, CSV or .json")
    add_output_options(p, plot=False)


def add_commands(subparsers) -> None:
    from simulate.perceptron import PERCEPTRON_PACKED_METHODS, PERCEPTRON_PRESETS, PERCEPTRON_SOLVERS

    for method, spec in PERCEPTRON_SOLVERS.items():
        p = subparsers.add_parser(method, help=spec.description, description=spec.description)
        _common(p)
        presets = PERCEPTRON_PRESETS.get(method, {})
        for name, default in spec.hyperparameters.items():
            typ = _option_type(method, name)
            if typ is None:
                continue
            paper = f"; paper: {presets[name].value!r} {presets[name].citation}" if name in presets else ""
            p.add_argument("--" + name.replace("_", "-"), type=typ, default=None, choices=_CHOICES.get(name),
                           help=f"default {default!r}{paper}")
        if "schedule" in spec.hyperparameters:
            p.add_argument("--q-start", type=float, default=0.3, help="first q* of the schedule (default 0.3)")
            p.add_argument("--q-stop", type=float, default=0.99, help="last q* of the schedule (default 0.99)")
            p.add_argument("--q-count", type=int, default=24, help="q* values, uniform in log(1-q*) (default 24)")
        if method in PERCEPTRON_PACKED_METHODS:
            p.add_argument("--packed", action="store_true", help="bit-packed patterns (N/8 bytes per pattern)")
        p.set_defaults(func=partial(_run_command, method), estimate=partial(_estimate, method),
                       time_estimate=partial(_time, method))
    p = subparsers.add_parser("solve", help="any registered method: --method NAME [--set NAME=VALUE ...]",
                              description="Run one method of simulate.perceptron.PERCEPTRON_SOLVERS.")
    _common(p)
    p.add_argument("--method", required=True, choices=list(PERCEPTRON_SOLVERS))
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="hyperparameter override (repeatable; schedule as q1,q2,...)")
    p.add_argument("--no-preset", action="store_true", help="use the backend's defaults, not the paper's settings")
    p.add_argument("--packed", action="store_true",
                   help=f"bit-packed patterns (methods {', '.join(PERCEPTRON_PACKED_METHODS)})")
    p.set_defaults(func=_run_solve, estimate=lambda args: pattern_memory(args, args.method),
                   time_estimate=lambda args: pattern_time(args, args.method, _parse_set(args.method, args.set)))


def _time(method: str, args: argparse.Namespace) -> tuple[float, str] | None:
    return pattern_time(args, method)


def _estimate(method: str, args: argparse.Namespace) -> list[tuple[float, str]]:
    return pattern_memory(args, method)


def _run_command(method: str, args: argparse.Namespace) -> int:
    hp = {name: getattr(args, name) for name in _hyperparameters(method)
          if getattr(args, name, None) is not None}
    if "schedule" in _hyperparameters(method):
        from simulate.perceptron import default_qstar_schedule

        hp["schedule"] = default_qstar_schedule(args.q_start, args.q_stop, args.q_count)
    return _solve_and_emit(args, method, hp, preset=True)


def _run_solve(args: argparse.Namespace) -> int:
    return _solve_and_emit(args, args.method, _parse_set(args.method, args.set), preset=not args.no_preset)


def _solve_and_emit(args: argparse.Namespace, method: str, hp: dict, *, preset: bool) -> int:
    from simulate.perceptron import generate_instance, solve_perceptron

    inst = generate_instance(args.N, args.alpha, seed=args.seed, teacher=args.teacher,
                             packed=getattr(args, "packed", False))
    run = solve_perceptron(inst, method, seed=args.seed, preset=preset, **hp)
    summary = {"algorithm": method, "seed": args.seed,
               **(run.details.to_dict() if run.details is not None else {}), **run.to_dict()}
    if summary.get("generalization") is None:
        summary.pop("generalization", None)
    if args.save_trajectory and run.history is not None:
        write_output(args.save_trajectory, lambda path: _save(path, run.history), "--save-trajectory")
    emit(args, summary)
    if not run.solved and method in EXIT_1_IF_UNSOLVED:
        print(f"no solution: {run.message}", file=sys.stderr)
        return 1
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
