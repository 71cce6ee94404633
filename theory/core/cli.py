"""Shared command-line plumbing for ``python -m theory|simulate|validate``.

Conventions (the same for every subcommand):

* ``--json``: the machine-readable result on stdout and nothing else (a JSON
  object for one point, a list of objects for a range);
* otherwise a readable table on stdout; progress and messages on stderr;
* any numeric option declared with :func:`add_scan_option` takes either a
  number or a range ``START:STOP:COUNT`` (inclusive, like ``numpy.linspace``);
  ranges are computed in order with warm starts (continuation) and can be
  written with ``--csv FILE`` and drawn with ``--plot FILE``;
* exit code 2 for bad input (``ValueError``), 1 for a failed computation
  (:class:`~theory.core.solver.ComputationError`, or any point of a range that
  did not converge), 0 otherwise.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import inspect
import itertools
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from theory.core.results import format_table, to_jsonable
from theory.core.solver import ComputationError

__all__ = [
    "parse_scan",
    "add_scan_option",
    "add_output_options",
    "run_scan",
    "emit",
    "main_with_groups",
    "handler",
]


def parse_scan(text: str) -> float | np.ndarray:
    """``"0.5"`` -> 0.5; ``"0.1:0.9:9"`` -> ``numpy.linspace(0.1, 0.9, 9)``."""
    if isinstance(text, (int, float)):
        return float(text)
    parts = str(text).split(":")
    try:
        if len(parts) == 1:
            return float(parts[0])
        if len(parts) == 3:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
            if count < 1:
                raise ValueError
            return np.linspace(start, stop, count)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected a number or START:STOP:COUNT (got {text!r})")


def add_scan_option(parser: argparse.ArgumentParser, name: str, default=None, help: str = "",
                    required: bool = False) -> None:
    """A numeric option that also accepts ``START:STOP:COUNT``."""
    parser.add_argument(
        f"--{name}", type=parse_scan, default=default, required=required and default is None,
        metavar="X|START:STOP:COUNT", help=help + (f" (default {default})" if default is not None else ""),
    )


def add_output_options(parser: argparse.ArgumentParser, plot: bool = True) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    parser.add_argument("--csv", metavar="FILE", help="write the table as CSV")
    if plot:
        parser.add_argument("--plot", metavar="FILE", help="draw the curve (PNG/PDF/SVG by extension)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _records(result: Any) -> list[dict[str, Any]]:
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict):
        params, res = result
        return [{**params, **r} for r in _records(res)]
    if isinstance(result, list):
        return [r for x in result for r in _records(x)]
    if hasattr(result, "to_records"):
        return result.to_records()
    if hasattr(result, "flat"):
        return [result.flat()]
    if hasattr(result, "to_dict"):
        return [result.to_dict()]
    return [dict(result)]


def emit(args: argparse.Namespace, result: Any, columns: Sequence[str] | None = None,
         x: str | None = None, y: Sequence[str] = ()) -> None:
    """Print ``result`` as JSON or a table, and write ``--csv``/``--plot`` if asked."""
    many = isinstance(result, list) or hasattr(result, "to_records")
    rows = _records(result)
    if getattr(args, "json", False):
        payload = rows if many else rows[0]
        json.dump(to_jsonable(payload), sys.stdout, allow_nan=False, indent=None)
        sys.stdout.write("\n")
    else:
        shown = [{k: v for k, v in r.items() if not isinstance(v, (list, dict, np.ndarray))} for r in rows]
        print(format_table(shown, list(columns) if columns else None))
    if getattr(args, "csv", None):
        write_csv(args.csv, rows)
    if getattr(args, "plot", None):
        if x is None or not y:
            raise ValueError("--plot needs a range (START:STOP:COUNT) on one numeric option")
        plot_rows(args.plot, rows, x, y)


def write_csv(path: str, rows: list[dict[str, Any]]) -> None:
    cols = list(dict.fromkeys(k for r in rows for k in r if not isinstance(r[k], (list, dict, np.ndarray))))
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow(to_jsonable({k: r.get(k, "") for k in cols}))


def plot_rows(path: str, rows: list[dict[str, Any]], x: str, y: Sequence[str]) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2 * len(y), 3.4))
    axes = fig.subplots(1, len(y), squeeze=False)
    xs = np.array([float(r.get(x, np.nan)) for r in rows])
    conv = np.array([bool(r.get("converged", True)) for r in rows])
    for ax, col in zip(axes[0], y):
        ys = np.array([float(r[col]) if isinstance(r.get(col), (int, float, np.number)) else np.nan for r in rows])
        ax.plot(xs[conv], ys[conv], "-", lw=1.5)
        if (~conv).any():
            ax.plot(xs[~conv], np.where(np.isfinite(ys[~conv]), ys[~conv], np.nan), "rx", label="not converged")
            ax.legend()
        ax.set_xlabel(x)
        ax.set_ylabel(col)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def run_scan(
    compute: Callable[..., Any],
    params: dict[str, Any],
    *,
    quiet: bool = False,
) -> tuple[Any, str | None]:
    """Evaluate ``compute(**params)`` at a point or over the Cartesian product of ranges.

    If ``compute`` accepts an ``init`` keyword, the previous point's result is
    passed as a warm start (continuation along the scan). Returns the single
    result (no range) or the list of ``(ranged_params, result)`` pairs, and the
    name of the ranged parameter (the first one, used as the x axis of plots).
    """
    ranged = [k for k, v in params.items() if isinstance(v, np.ndarray)]
    if not ranged:
        return compute(**params), None
    takes_init = "init" in inspect.signature(compute).parameters
    grids = [params[k] for k in ranged]
    combos = list(itertools.product(*grids))
    results = []
    prev = None
    bar = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm
        bar = tqdm(total=len(combos), file=sys.stderr, leave=False)
    for combo in combos:
        p = dict(params)
        p.update({k: float(v) for k, v in zip(ranged, combo)})
        kw = {"init": prev} if takes_init and prev is not None and getattr(prev, "converged", True) else {}
        r = compute(**p, **kw)
        results.append(({k: p[k] for k in ranged}, r))
        prev = r
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return results, ranged[0]


def _exit_code(result: Any) -> int:
    items = result if isinstance(result, list) else [result]
    items = [r[1] if isinstance(r, tuple) else r for r in items]
    return 0 if all(getattr(r, "converged", True) for r in items) else 1


def _import_command_module(name: str):
    """Import a command module listed in the groups; a missing module is an error naming it."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise ImportError(f"command module {name!r} listed in the command groups does not exist",
                              name=name) from exc
        raise


def main_with_groups(prog: str, description: str, groups: dict[str, Sequence[str]],
                     argv: Sequence[str] | None = None) -> int:
    """Build and run ``prog GROUP COMMAND [options]``.

    ``groups`` maps a group name (``perceptron``, ``rbm``...) to command
    modules; each module defines ``add_commands(subparsers)`` adding leaf
    commands that set ``func=handler(args) -> int | None`` (a group may also be
    a single leaf: a module with ``add_command(subparsers, name)``).

    Raises
    ------
    ImportError
        When a listed command module does not exist (raised while the parser is
        built, naming the module): a command is never dropped silently.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="group", metavar="GROUP")
    for group, modules in groups.items():
        mods = [_import_command_module(n) for n in modules]
        if not mods:
            continue
        if len(mods) == 1 and hasattr(mods[0], "add_command"):
            mods[0].add_command(sub, group)
            continue
        doc = (mods[0].__doc__ or "").strip().splitlines()
        gp = sub.add_parser(group, help=doc[0] if doc else group, description=doc[0] if doc else None)
        gsub = gp.add_subparsers(dest="command", metavar="COMMAND")
        gp.set_defaults(func=None, _parser=gp)
        for m in mods:
            m.add_commands(gsub)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        getattr(args, "_parser", parser).print_help(sys.stderr)
        return 2
    try:
        code = args.func(args)
    except ValueError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except ComputationError as exc:
        print(f"{prog}: computation failed: {exc}", file=sys.stderr)
        return 1
    return int(code or 0)


def handler(compute: Callable[..., Any], param_names: Sequence[str], *, columns: Sequence[str] | None = None,
            y: Sequence[str] = ()) -> Callable[[argparse.Namespace], int]:
    """Standard leaf handler: collect ``param_names`` from args, scan, emit.

    Exit code 1 if any computed point reports ``converged=False``.
    """
    def run(args: argparse.Namespace) -> int:
        params = {k: getattr(args, k) for k in param_names}
        result, x = run_scan(compute, params, quiet=getattr(args, "quiet", False))
        emit(args, result, columns=columns, x=x, y=y)
        code = _exit_code(result)
        if code and not getattr(args, "json", False):
            print("warning: some points did not converge (see 'converged' and 'message')", file=sys.stderr)
        return code

    return run
