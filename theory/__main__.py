"""``python -m theory``: replica-symmetric saddle points from the command line."""
import sys

from theory.core.cli import main_with_groups

GROUPS = {
    "perceptron": ["theory.commands.perceptron", "theory.commands.franz_parisi", "theory.commands.rsb",
                   "theory.commands.teacher_student"],
    "hopfield": ["theory.commands.hopfield"],
    "rbm": ["theory.commands.rbm"],
}

if __name__ == "__main__":
    sys.exit(main_with_groups("python -m theory", __doc__, GROUPS))
