"""Validation of the ReLU-RBM [tubiana2017] and Hopfield [amit1985] samplers against the replica theory
(``python -m validate rrbm``, ``python -m validate hopfield``).

Every comparison is a function ``compare_*(mode="quick", store=None, seed=0) -> Comparison``
registered (by importing this package) under its report key.
"""
from validate.rbm.hopfield import compare_hopfield_T, compare_hopfield_T0
from validate.rbm.relu_rbm import compare_rrbm_compositional, compare_rrbm_glass, compare_rrbm_hopfield

__all__ = [
    "compare_hopfield_T0",
    "compare_hopfield_T",
    "compare_rrbm_hopfield",
    "compare_rrbm_compositional",
    "compare_rrbm_glass",
]
