"""Validation of variational learning of RBMs with binary synapses against [huang2020, Fig. 2]:
``python -m validate rbm trajectory|threshold|mnist``.

Every comparison is a function ``compare_*(mode="quick", store=None, seed=0) -> Comparison``
registered (by importing this package) under its report key.
"""
from validate.variational_rbm.learning import compare_rbm_mnist, compare_rbm_threshold, compare_rbm_trajectory

__all__ = [
    "compare_rbm_threshold",
    "compare_rbm_trajectory",
    "compare_rbm_mnist",
]
