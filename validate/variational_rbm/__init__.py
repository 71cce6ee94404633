"""Variational learning of RBMs with binary synapses against [huang2020, Fig. 2]: planted-RBM
trajectories and thresholds, MNIST receptive fields (``python -m validate rbm trajectory|threshold|mnist``;
the three ``compare_rbm_*`` sections of the report).
"""
from validate.variational_rbm.learning import compare_rbm_mnist, compare_rbm_threshold, compare_rbm_trajectory

__all__ = ["compare_rbm_threshold", "compare_rbm_trajectory", "compare_rbm_mnist"]
