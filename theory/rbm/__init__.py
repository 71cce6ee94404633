"""Replica theory of Boltzmann machines: Hopfield, random ReLU-RBMs, compositional phase, planted RBMs.

* Hopfield model, RS at finite and zero temperature (:mod:`theory.rbm.hopfield`, [amit1985]);
* random ReLU-RBM ensemble at zero temperature (:mod:`theory.rbm.relu_rbm`, [tubiana2017]);
* its ``p -> 0`` compositional phase and ``l*`` (:mod:`theory.rbm.compositional`, [tubiana2017]);
* the learning threshold of planted RBMs (:mod:`theory.rbm.planted`, [huang2020]).

Examples
--------
>>> from theory.rbm import hopfield_capacity, planted_alpha_threshold
>>> round(hopfield_capacity().alpha_c, 3), round(planted_alpha_threshold(1.0, 0.3), 3)
(0.138, 0.596)
"""
from theory.rbm.compositional import (
    CompositionalSolution,
    LStar,
    compositional_free_energy,
    compositional_phase_diagram,
    l_star,
    solve_compositional,
)
from theory.rbm.hopfield import (
    HopfieldCapacity,
    HopfieldRS,
    hopfield_alpha_global,
    hopfield_capacity,
    hopfield_free_energy,
    hopfield_free_energy_T0,
    hopfield_glass_temperature,
    hopfield_retrieval_temperature,
    solve_hopfield,
    solve_hopfield_T0,
)
from theory.rbm.planted import (
    PlantedThresholdResult,
    planted_alpha_threshold,
    planted_hidden_correlation,
    planted_learning_threshold,
)
from theory.rbm.relu_rbm import (
    RRBMSolution,
    relu_rbm_free_energy,
    solve_relu_rbm,
    solve_threshold_hopfield,
    threshold_hopfield_capacity,
)

__all__ = [
    "CompositionalSolution",
    "HopfieldCapacity",
    "HopfieldRS",
    "LStar",
    "PlantedThresholdResult",
    "RRBMSolution",
    "compositional_free_energy",
    "compositional_phase_diagram",
    "hopfield_alpha_global",
    "hopfield_capacity",
    "hopfield_free_energy",
    "hopfield_free_energy_T0",
    "hopfield_glass_temperature",
    "hopfield_retrieval_temperature",
    "l_star",
    "planted_alpha_threshold",
    "planted_hidden_correlation",
    "planted_learning_threshold",
    "relu_rbm_free_energy",
    "solve_compositional",
    "solve_hopfield",
    "solve_hopfield_T0",
    "solve_relu_rbm",
    "solve_threshold_hopfield",
    "threshold_hopfield_capacity",
]
