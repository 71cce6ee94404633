"""Shared plumbing for ``python -m validate GROUP COMMAND``: run registered comparisons.

Every comparison command takes ``--quick`` (default) / ``--full``, ``--plot
FILE`` (with several comparisons: ``FILE`` stem + ``_<key>`` + suffix),
``--json``, ``--store FILE`` (resumable SQLite store) and ``--seed``. It prints
the comparison table(s) or JSON. Exit code 0 when the comparison ran — a
disagreement with theory or a published number is a finding shown in the
table, not a failure — 2 for bad input, 1 when a computation failed.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from theory.core import format_table, to_jsonable
from theory.core.cli import write_output

COLUMNS = ["quantity", "theory", "sim_mean", "sim_se", "n", "published", "deviation_se", "verdict", "tolerance"]


def add_options(p: argparse.ArgumentParser, quick_help: str = "small sizes (default)",
                full_help: str = "the paper's sizes (long)") -> None:
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help=quick_help)
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help=full_help)
    p.set_defaults(mode="quick")
    p.add_argument("--plot", metavar="FILE", help="save the figure (PNG/PDF/SVG by extension)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    p.add_argument("--store", metavar="FILE", default=None, help="SQLite result store (resumable)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")


def add_comparison_commands(subparsers, module: str, commands: dict[str, tuple[str, str]], **mode_help) -> None:
    """One leaf per comparison: ``commands`` maps a command name to (registry key, help)."""
    for name, (key, text) in commands.items():
        p = subparsers.add_parser(name, help=text, description=text)
        add_options(p, **mode_help)
        p.set_defaults(func=partial(run, module=module, keys=(key,)))


def add_comparison_group(sub, name: str, module: str, keys: Sequence[str], text: str, **mode_help) -> None:
    """A single-leaf group running several comparisons (``python -m validate hopfield``)."""
    p = sub.add_parser(name, help=text.splitlines()[0], description=text)
    add_options(p, **mode_help)
    p.set_defaults(func=partial(run, module=module, keys=tuple(keys)))


def _plot_path(path: str, key: str, many: bool) -> str:
    if not many:
        return path
    p = Path(path)
    return str(p.with_name(f"{p.stem}_{key.replace('.', '_')}{p.suffix or '.png'}"))


def run(args: argparse.Namespace, module: str, keys: Sequence[str]) -> int:
    """Run the registered comparisons ``keys`` of ``module`` and print them."""
    importlib.import_module(module)  # registers its comparisons
    from validate.compare import REGISTRY

    if args.seed < 0:
        raise ValueError(f"seed must be an integer >= 0 (got {args.seed})")
    store = None
    if args.store:
        from validate.store import ResultStore, check_store_path

        store = ResultStore(check_store_path(args.store, "--store"))
    try:
        comps = [REGISTRY[k]["fn"](mode=args.mode, store=store, seed=args.seed) for k in keys]
    except FileNotFoundError as exc:
        raise ValueError(f"data not available for --{args.mode}: {exc}") from exc
    finally:
        if store is not None:
            store.close()
    if args.plot:
        for c in comps:
            if c.figure is not None:
                write_output(_plot_path(args.plot, c.key, len(comps) > 1), partial(c.figure.savefig, dpi=120),
                             "--plot")
    if args.json:
        payload = comps[0].to_dict() if len(comps) == 1 else [c.to_dict() for c in comps]
        json.dump(to_jsonable(payload), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    for c in comps:
        print(c.title)
        print(format_table([r.to_dict() for r in c.rows], COLUMNS))
        if c.notes:
            print(c.notes)
        print(f"({c.wall_time:.1f} s)\n")
    return 0
