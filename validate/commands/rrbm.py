"""Random ReLU-RBMs: Gibbs sampling against the zero-temperature RS theory (Tubiana-Monasson)."""
from __future__ import annotations

import argparse

from validate.commands.hopfield import run

KEYS = ("rrbm_hopfield", "rrbm_compositional", "rrbm_glass")
MODULE = "validate.rrbm"


def add_command(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=__doc__.splitlines()[0], description=__doc__)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="small sizes (default)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="large sizes")
    p.set_defaults(mode="quick", func=lambda a: run(a, MODULE, KEYS))
    p.add_argument("--plot", metavar="PREFIX", help="save figures as PREFIX_<key>.png")
    p.add_argument("--store", metavar="FILE", help="SQLite result store (resumable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
