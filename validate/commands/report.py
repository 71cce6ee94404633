"""Run every theory-versus-simulation comparison and write the report."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from theory.core import to_jsonable


def add_command(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=__doc__.splitlines()[0], description=__doc__)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="small sizes that still show each effect (default; minutes)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full",
                      help="the papers' sizes (hours; resumable through the store)")
    p.set_defaults(mode="quick")
    p.add_argument("--out", default="report", help="output directory (default: report)")
    p.add_argument("--store", default=None, help="SQLite result store (default: OUT/store.sqlite)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, e.g. tcp://127.0.0.1:8786 (needs the 'distributed' extra)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--only", action="append", metavar="KEY", help="run only comparisons whose key starts with KEY")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run, outputs={"out": "dir"})


def _run(args: argparse.Namespace) -> int:
    from validate.report import run_report
    from validate.store import check_store_path

    if args.seed < 0:
        raise ValueError(f"--seed must be an integer >= 0 (got {args.seed})")
    if args.scheduler is not None:
        _check_scheduler(args.scheduler)
    if args.store is not None:
        check_store_path(args.store, "--store")
    elif Path(args.out, "store.sqlite").exists():
        check_store_path(Path(args.out, "store.sqlite"), "--out (its store.sqlite)")
    rep = run_report(args.mode, args.out, store=args.store, scheduler=args.scheduler, seed=args.seed,
                     only=args.only, progress=False if args.quiet else None)
    if args.json:
        json.dump(to_jsonable(rep.to_dict()), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        c = rep.counts()
        print(f"report written to {args.out}/index.html and {args.out}/report.md")
        print(f"{c['agrees']} agree, {c['disagrees']} disagree, {c['measured']} measured, "
              f"{c['not comparable']} not comparable, "
              f"{c['errors']} errors, {c['missing']} missing; {rep.wall_time:.0f} s")
        for s in rep.sections:
            if s.status != "ok":
                print(f"  {s.status}: {s.key}: {s.error.strip().splitlines()[-1] if s.error else ''}", file=sys.stderr)
    return 1 if rep.counts()["errors"] else 0


def _check_scheduler(address: str, timeout: float = 3.0) -> None:
    """Refuse a Dask scheduler address that is malformed or where nothing listens, before any work."""
    import re
    import socket

    m = re.fullmatch(r"(?:tcp://)?\[?([^\[\]/]+?)\]?:(\d{1,5})", address.strip())
    if m is None:
        raise ValueError(f"--scheduler must be an address like tcp://HOST:PORT (got {address!r})")
    host, port = m.group(1), int(m.group(2))
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        raise ValueError(f"--scheduler {address}: no scheduler reachable at {host}:{port} within {timeout:g} s "
                         f"({exc.strerror or exc})") from None
