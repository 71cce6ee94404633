"""Hopfield retrieval dynamics against the AGS replica-symmetric theory.

``python -m validate hopfield [--quick|--full] [--plot FILE] [--json] [--store FILE]``: both
comparisons (T = 0 and finite T); with ``--plot F.png`` the figures go to ``F_<key>.png``.
"""
from validate.commands._comparison import add_comparison_group


def add_command(sub, name: str) -> None:
    add_comparison_group(sub, name, "validate.rbm.hopfield", ("hopfield_T0", "hopfield_T"), __doc__)
