"""``python -m simulate``: learning algorithms and samplers from the command line."""
import sys

from theory.core.cli import main_with_groups

GROUPS = {
    "perceptron": [
        "simulate.commands.perceptron",
        "simulate.commands.perceptron_sa_bp",
        "simulate.commands.bp_local_entropy",
    ],
    "rbm": ["simulate.commands.rbm"],
    "vpf": ["simulate.commands.vpf"],
    "cd": ["simulate.commands.cd"],
    "hopfield": ["simulate.commands.hopfield"],
    "rrbm": ["simulate.commands.rrbm"],
    "deep": ["simulate.commands.deep"],
}

if __name__ == "__main__":
    sys.exit(main_with_groups("python -m simulate", __doc__, GROUPS))
