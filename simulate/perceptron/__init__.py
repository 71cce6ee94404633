"""The binary perceptron with low-precision (stochastic) synapses: instances and learning algorithms.

Sources: [baldassi2018] (GD on the stochastic perceptron, on-line rules, SA, energy around
solutions, binary control, single-sample Franz-Parisi entropy) and [braunstein2006] (BP+R).
One interface runs every learning method: :func:`solve_perceptron` dispatches through
:data:`PERCEPTRON_SOLVERS` (backends, hyperparameters with defaults, descriptions),
applies the paper's settings of :data:`PERCEPTRON_PRESETS` and returns a
:class:`PerceptronRun` (same fields for every method). The backends stay callable directly.

Examples
--------
>>> from simulate.perceptron import generate_instance, solve_perceptron
>>> inst = generate_instance(51, 0.3, seed=0, teacher=True)
>>> run = solve_perceptron(inst, "bpr", seed=1)
>>> run.solved, run.iter_unit, 0.5 < run.generalization <= 1.0
(True, 'sweeps', True)
"""
from simulate.perceptron.binary_control_mc import (
    BinaryControlResult,
    binary_control_log_likelihood,
    binary_control_metropolis,
    binary_control_scan,
    binary_control_table,
)
from simulate.perceptron.bp_local_entropy import (
    BPEntropy,
    bp_entropy_at_coupling,
    bp_entropy_at_distance,
    bp_local_entropy_curve,
    exact_local_entropy,
    exact_solution_counts,
    make_local_entropy_reference,
    signed_patterns,
)
from simulate.perceptron.bp_reinforcement import BPRResult, bp_factor_messages, bpr_sweep, run_bp_reinforcement
from simulate.perceptron.energy import EnergyAround, average_energy_around, average_energy_profile
from simulate.perceptron.gd import (
    FixedNormResult,
    GDResult,
    default_qstar_schedule,
    fixed_norm_gd,
    gradient_ascent,
    project_norm,
    stochastic_log_likelihood,
    stochastic_log_likelihood_gradient,
)
from simulate.perceptron.instances import (
    PerceptronInstance,
    dense_patterns,
    generalization_accuracy,
    generate_instance,
    holdout_accuracy,
    linear_predictor_accuracy,
    make_instance,
    n_errors,
    pack_instance,
    sign_binarize,
    stabilities,
    teacher_overlap,
    training_error,
)
from simulate.perceptron.rules import (
    ONLINE_RULES,
    OnlineRule,
    OnlineRuleResult,
    clipped_perceptron,
    default_rule_eta,
    plain_perceptron,
    run_online_rule,
    stochastic_clipped_perceptron,
    weighted_stochastic_perceptron,
)
from simulate.perceptron.sa import SAResult, metropolis_kernel, sa_energy_table, simulated_annealing
from simulate.perceptron.solvers import (
    PERCEPTRON_PACKED_METHODS,
    PERCEPTRON_PRESETS,
    PERCEPTRON_SOLVERS,
    PaperSetting,
    PerceptronRun,
    PerceptronSolverSpec,
    perceptron_methods,
    solve_perceptron,
)
from simulate.perceptron.stochastic_gibbs import (
    StochasticGibbsResult,
    stochastic_metropolis_kernel,
    stochastic_perceptron_metropolis,
)

__all__ = [
    # instances and error measures
    "PerceptronInstance", "generate_instance", "make_instance", "sign_binarize", "stabilities", "n_errors",
    "training_error", "teacher_overlap", "generalization_accuracy", "linear_predictor_accuracy", "holdout_accuracy",
    "pack_instance", "dense_patterns",
    # one interface to the learning methods
    "PERCEPTRON_SOLVERS", "PERCEPTRON_PRESETS", "PERCEPTRON_PACKED_METHODS", "PerceptronSolverSpec", "PaperSetting",
    "PerceptronRun",
    "solve_perceptron", "perceptron_methods",
    # backends
    "gradient_ascent", "GDResult", "fixed_norm_gd", "FixedNormResult", "default_qstar_schedule", "project_norm",
    "stochastic_log_likelihood", "stochastic_log_likelihood_gradient",
    "ONLINE_RULES", "OnlineRule", "OnlineRuleResult", "run_online_rule", "default_rule_eta", "clipped_perceptron",
    "stochastic_clipped_perceptron", "weighted_stochastic_perceptron", "plain_perceptron",
    "simulated_annealing", "SAResult", "sa_energy_table", "metropolis_kernel",
    "run_bp_reinforcement", "BPRResult", "bp_factor_messages", "bpr_sweep",
    # energy around solutions, binary control, BP local entropy
    "EnergyAround", "average_energy_profile", "average_energy_around",
    "BinaryControlResult", "binary_control_metropolis", "binary_control_scan", "binary_control_table",
    "binary_control_log_likelihood",
    "StochasticGibbsResult", "stochastic_perceptron_metropolis", "stochastic_metropolis_kernel",
    "BPEntropy", "bp_entropy_at_coupling", "bp_entropy_at_distance", "bp_local_entropy_curve", "exact_solution_counts",
    "exact_local_entropy", "make_local_entropy_reference", "signed_patterns",
]
