"""Random ReLU-RBMs: Gibbs sampling against the zero-temperature RS theory (Tubiana-Monasson).

``python -m validate rrbm [--quick|--full] [--plot FILE] [--json] [--store FILE]``; with
``--plot F.png`` the figures go to ``F_<key>.png``.
"""
from validate.commands._comparison import add_comparison_group


def add_command(sub, name: str) -> None:
    add_comparison_group(sub, name, "validate.rbm.relu_rbm", ("rrbm_hopfield", "rrbm_compositional", "rrbm_glass"),
                         __doc__)
