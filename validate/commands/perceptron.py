"""Stochastic binary perceptron: GD capacity and energy of the binarized configuration [baldassi2018].

``python -m validate perceptron capacity|bc-energy|rule43|finite-size|rsb-vs-rs [--quick|--full] [--plot FILE] [--json]
[--store FILE] [--seed S]`` (see :mod:`validate.commands._comparison`).
"""
from validate.commands._comparison import add_comparison_commands

COMMANDS = {
    "capacity": ("perceptron.capacity",
                 "success probability of GD vs alpha; alpha_GD vs the paper's 0.63 [baldassi2018, Fig. 1 right]"),
    "bc-energy": ("perceptron.bc_energy",
                  "fixed-norm GD training error of sign(m) vs q* against RS theory [baldassi2018, Fig. 2 left]"),
}
RULE43_COMMANDS = {
    "rule43": ("perceptron.rule43",
               "success probability of the stochastic rule [baldassi2018, SM Eq. 43] vs alpha; 'up to ~0.45' "
               "[baldassi2018, SM Fig. 4]"),
}

FINITE_SIZE_COMMANDS = {
    "finite-size": ("perceptron.gd_finite_size",
                    "GD success probability vs alpha at several N, alpha_GD(N) and its N -> infinity "
                    "extrapolation (bit-packed instances) [baldassi2018, Fig. 1 right]"),
}

RSB_COMMANDS = {
    "rsb-vs-rs": ("perceptron.rsb_vs_rs",
                  "phi and the BC energy of RS at beta = 20 against 1RSB (equilibrium x) at beta = 50, 100 "
                  "[baldassi2018, SM Sec. I]"),
}


def add_commands(subparsers) -> None:
    add_comparison_commands(subparsers, "validate.perceptron.capacity", COMMANDS)
    add_comparison_commands(subparsers, "validate.perceptron.rule43", RULE43_COMMANDS)
    add_comparison_commands(subparsers, "validate.perceptron.finite_size", FINITE_SIZE_COMMANDS)
    add_comparison_commands(subparsers, "validate.perceptron.rsb", RSB_COMMANDS)
