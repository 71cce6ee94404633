"""Variational mean-field learning of RBMs with binary synapses [huang2020]: planted RBMs and their data
by block Gibbs sampling [huang2020, Eq. 1], the cavity iteration on the equivalent RBM [huang2020, SM Eq. S3-S4]
with exact enumeration for small systems, and learning by gradient ascent on the lower bound
[huang2020, Eq. 5-8].

Examples
--------
>>> from simulate.variational_rbm import planted_data, train_variational_rbm
>>> d = planted_data(32, 2, 1.0, seed=0, interval=2)
>>> r = train_variational_rbm(d.sigma, 2, steps=3, B1=4, B2=4, seed=1, xi=d.xi)
>>> r.KL.shape, r.converged
((3,), True)
"""
from simulate.variational_rbm.learning import (
    LowerBoundEstimate,
    VariationalTrainResult,
    draw_normal_fields,
    lower_bound_and_gradient,
    planted_overlaps,
    train_variational_rbm,
    variational_kl,
)
from simulate.variational_rbm.message_passing import (
    EquivalentRBMExact,
    RBMCavityResult,
    equivalent_rbm_exact,
    rbm_message_passing,
)
from simulate.variational_rbm.planted import (
    PlantedData,
    integrated_autocorrelation,
    planted_data,
    planted_exact_distribution,
    planted_fields,
    sample_planted_rbm,
)

__all__ = [
    "planted_fields", "sample_planted_rbm", "planted_data", "PlantedData", "planted_exact_distribution",
    "integrated_autocorrelation",
    "rbm_message_passing", "RBMCavityResult", "equivalent_rbm_exact", "EquivalentRBMExact",
    "train_variational_rbm", "VariationalTrainResult", "lower_bound_and_gradient", "LowerBoundEstimate",
    "variational_kl", "draw_normal_fields", "planted_overlaps",
]
