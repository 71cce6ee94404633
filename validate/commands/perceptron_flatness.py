"""Binary perceptron: binary control [baldassi2018, SM Fig. 3] and flatness/generalization of solutions
([baldassi2018, SM Fig. 5], [baldassi2018, SM Table I]).

``python -m validate perceptron binary-control|teacher-student [--quick|--full]
[--plot FILE] [--json] [--store FILE] [--seed S]`` (see :mod:`validate.commands._comparison`).
"""
from validate.commands._comparison import add_comparison_commands

COMMANDS = {
    "binary-control": ("perceptron.binary_control",
                       "Metropolis on binary control [baldassi2018, SM Eq. 40] vs RS E(q*), alpha=0.55, beta=15 "
                       "[baldassi2018, SM Fig. 3]"),
    "teacher-student": ("perceptron.teacher_student",
                        "accuracy and E(W,d) of SA, CP, CP-S, GD, BP+R solutions vs [baldassi2018, SM Table I] and "
                        "[baldassi2018, SM Fig. 5]"),
}


def add_commands(subparsers) -> None:
    add_comparison_commands(subparsers, "validate.perceptron.flatness", COMMANDS)
