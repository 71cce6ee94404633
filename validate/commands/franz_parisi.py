"""Franz-Parisi entropy around BCs: RS theory vs BP ([baldassi2018, Fig. 2 right], [baldassi2018, SM Sec. III]).

``python -m validate perceptron franz-parisi [--quick|--full] [--plot FILE] [--json] [--store FILE] [--seed S]``
(see :mod:`validate.commands._comparison`).
"""
from validate.commands._comparison import add_comparison_commands

COMMANDS = {
    "franz-parisi": ("perceptron.franz_parisi",
                     "Franz-Parisi entropy S(d) around BCs: RS theory vs BP and the gap claims "
                     "[baldassi2018, Fig. 2 right]"),
}


def add_commands(subparsers) -> None:
    add_comparison_commands(subparsers, "validate.perceptron.franz_parisi", COMMANDS,
                            full_help="N=1001, 20 instances (long)")
