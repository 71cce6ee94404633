"""``python -m validate``: theory against simulation, published numbers, the report."""
import sys

from theory.core.cli import main_with_groups

GROUPS = {
    "report": ["validate.commands.report"],
    "perceptron": [
        "validate.commands.perceptron",
        "validate.commands.perceptron_flatness",
        "validate.commands.franz_parisi",
    ],
    "rbm": ["validate.commands.rbm"],
    "vpf": ["validate.commands.vpf"],
    "hopfield": ["validate.commands.hopfield"],
    "rrbm": ["validate.commands.rrbm"],
}

if __name__ == "__main__":
    sys.exit(main_with_groups("python -m validate", __doc__, GROUPS))
