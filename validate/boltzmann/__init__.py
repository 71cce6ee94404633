"""Validation of the Boltzmann-machine library against [liu2018]: VPF vs CD/PCD reconstruction, Parzen
log-likelihood, compositional statistics and exact likelihoods (``python -m validate vpf ...``).

Every comparison is a function ``compare_*(mode="quick", store=None, seed=0) -> Comparison``
registered (by importing this package) under its report key.
"""
from validate.boltzmann.parzen import ParzenResult, parzen_loglik, parzen_score, select_sigma
from validate.boltzmann.vpf import (
    compare_vpf_compositional,
    compare_vpf_likelihood,
    compare_vpf_parzen,
    compare_vpf_reconstruction,
    split_data,
)

__all__ = [
    "ParzenResult",
    "parzen_loglik",
    "parzen_score",
    "select_sigma",
    "split_data",
    "compare_vpf_reconstruction",
    "compare_vpf_parzen",
    "compare_vpf_compositional",
    "compare_vpf_likelihood",
]
