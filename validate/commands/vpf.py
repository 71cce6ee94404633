"""Variational probability flow vs CD/PCD and the tables of [liu2018]: reconstruction, Parzen, compositional.

``python -m validate vpf reconstruction|parzen|compositional|likelihood [--quick|--full] [--plot FILE] [--json]``
(see :mod:`validate.commands._comparison`).
"""
from validate.commands._comparison import add_comparison_commands

COMMANDS = {
    "reconstruction": ("vpf_reconstruction", "L1 reconstruction error of corrupted digits [liu2018, Table 1]"),
    "parzen": ("vpf_parzen", "Parzen-window log-likelihood of generated samples [liu2018, Table 2]"),
    "compositional": ("vpf_compositional", "participation ratio, weight sparsity and L*p of trained RBMs"),
    "likelihood": ("vpf_likelihood", "exact log-likelihood of small RBMs: VPF vs CD-1 at equal updates"),
}


def add_commands(subparsers) -> None:
    add_comparison_commands(subparsers, "validate.boltzmann.vpf", COMMANDS,
                            quick_help="8x8 digits, small models (default)",
                            full_help="MNIST (10,000 shared images, 80/10/10 split), paper sizes")
