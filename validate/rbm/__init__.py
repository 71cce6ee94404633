"""Samplers of the Hopfield model [amit1985] and of random ReLU-RBMs [tubiana2017] against the replica
theory: ``compare_hopfield_*`` (``python -m validate hopfield``) and ``compare_rrbm_*``
(``python -m validate rrbm``), registered in the report when this package is imported.
"""
from validate.rbm.hopfield import compare_hopfield_T, compare_hopfield_T0
from validate.rbm.relu_rbm import compare_rrbm_compositional, compare_rrbm_glass, compare_rrbm_hopfield

__all__ = ["compare_hopfield_T0", "compare_hopfield_T", "compare_rrbm_hopfield", "compare_rrbm_compositional",
           "compare_rrbm_glass"]
