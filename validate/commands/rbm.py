"""RBM with binary synapses: variational learning against the thresholds and [huang2020, Fig. 2].

``python -m validate rbm trajectory|threshold|mnist [--quick|--full] [--plot FILE] [--json] [--store FILE]``
(see :mod:`validate.commands._comparison`).
"""
from validate.commands._comparison import add_comparison_commands

COMMANDS = {
    "trajectory": ("rbm_trajectory", "overlap, KL and LB trajectories, permutation effect [huang2020, Fig. 2a]"),
    "threshold": ("rbm_threshold", "overlap at step 200 vs alpha against alpha_thr [huang2020, Fig. 2b, 2c]"),
    "mnist": ("rbm_mnist", "MNIST: KL and LB per parameter on train/test, receptive fields [huang2020, Fig. 2d]"),
}


def add_commands(subparsers) -> None:
    add_comparison_commands(subparsers, "validate.variational_rbm.learning", COMMANDS)
