"""Replica theory of the stochastic binary perceptron [baldassi2018] and its reference systems.

* RS saddle point, free entropy and curves (:mod:`theory.perceptron.rs`, [baldassi2018, SM Eq. 12-15]);
* local stability and ``beta_c`` (:mod:`theory.perceptron.stability`, [baldassi2018, SM Eq. 16-20]);
* energy of the binarized configuration (:mod:`theory.perceptron.binarized_energy`, [baldassi2018, SM Eq. 28-30]);
* binary control variables (:mod:`theory.perceptron.binary_control`, [baldassi2018, SM Eq. 40]);
* the 1RSB saddle point, complexity and static transition (:mod:`theory.perceptron.rsb`);
* the ``beta -> infinity`` limit (:mod:`theory.perceptron.zero_temperature`; 1RSB:
  :mod:`theory.perceptron.rsb_zero_temperature`);
* Gardner / Krauth-Mezard references (:mod:`theory.perceptron.references`, [gardner1988], [krauth1989]);
* the Franz-Parisi entropy (:mod:`theory.perceptron.franz_parisi`, [baldassi2018, SM Eq. 31-39]);
* teacher-student (Gibbs / Bayes-optimal) learning of an Ising teacher, RS on the Nishimori line
  (:mod:`theory.perceptron.teacher_student`, [gyorgyi1990]).

Examples
--------
>>> from theory.perceptron import solve_rs, rs_stability
>>> r = solve_rs(0.55, 2.0, 0.7, order=8)
>>> r.converged and rs_stability(0.55, 2.0, 0.7, init=r, order=8).stable
True
"""
from theory.perceptron.binarized_energy import BCEnergyResult, bc_energy, bc_energy_at, bc_energy_curve, bc_overlaps
from theory.perceptron.binary_control import (
    BinaryControlRSResult,
    IsingTerms,
    binary_control_curve,
    clipped_energy,
    ising_terms,
    solve_binary_control,
)
from theory.perceptron.franz_parisi import (
    EndpointResult,
    FPResult,
    ReferenceState,
    franz_parisi_curve,
    franz_parisi_endpoint,
    franz_parisi_entropy,
    franz_parisi_max,
    franz_parisi_reference,
    solve_franz_parisi,
)
from theory.perceptron.references import (
    BinaryCapacityResult,
    BinaryEntropyResult,
    BinaryPerceptronTerms,
    SphericalEntropyResult,
    binary_capacity,
    binary_entropy,
    binary_perceptron_terms,
    gardner_capacity,
    gardner_energetic,
    spherical_entropy,
)
from theory.perceptron.rs import (
    EnergeticTerms,
    EntropicTerms,
    RSResult,
    energetic_term,
    energetic_terms,
    entropic_term,
    entropic_terms,
    rs_curve,
    rs_entropy_bound,
    rs_free_entropy,
    solve_rs,
    solve_rs_with_terms,
)
from theory.perceptron.rsb import (
    KauzmannResult,
    RSBEnergeticTerms,
    RSBEnergyResult,
    RSBEntropicTerms,
    RSBResult,
    bc_energy_rsb,
    kauzmann_beta,
    rsb_beta_continuation,
    rsb_complexity,
    rsb_energetic_terms,
    rsb_entropic_terms,
    rsb_free_entropy,
    solve_rsb,
)
from theory.perceptron.rsb_zero_temperature import (
    RSBZeroTemperatureResult,
    RSBZeroTemperatureTerms,
    rsb_zero_temperature_free_energy,
    rsb_zero_temperature_terms,
    solve_rsb_zero_temperature,
)
from theory.perceptron.stability import BetaCResult, StabilityResult, beta_c, rs_stability, stability_gammas
from theory.perceptron.teacher_student import (
    TeacherStudentEnergeticTerms,
    TeacherStudentEntropicTerms,
    TeacherStudentGeneralResult,
    TeacherStudentResult,
    TeacherStudentTransition,
    solve_teacher_student,
    solve_teacher_student_general,
    teacher_student_curve,
    teacher_student_energetic,
    teacher_student_entropic,
    teacher_student_free_entropy,
    teacher_student_transition,
)
from theory.perceptron.zero_temperature import (
    ProxTerms,
    ZeroTemperatureResult,
    prox_terms,
    solve_zero_temperature,
    zero_temperature_curve,
    zero_temperature_threshold,
)

__all__ = [
    "BCEnergyResult",
    "BetaCResult",
    "BinaryCapacityResult",
    "BinaryControlRSResult",
    "BinaryEntropyResult",
    "BinaryPerceptronTerms",
    "EndpointResult",
    "EnergeticTerms",
    "EntropicTerms",
    "FPResult",
    "IsingTerms",
    "KauzmannResult",
    "ProxTerms",
    "RSBEnergeticTerms",
    "RSBEnergyResult",
    "RSBEntropicTerms",
    "RSBResult",
    "RSBZeroTemperatureResult",
    "RSBZeroTemperatureTerms",
    "RSResult",
    "ReferenceState",
    "SphericalEntropyResult",
    "StabilityResult",
    "TeacherStudentEnergeticTerms",
    "TeacherStudentEntropicTerms",
    "TeacherStudentGeneralResult",
    "TeacherStudentResult",
    "TeacherStudentTransition",
    "ZeroTemperatureResult",
    "bc_energy",
    "bc_energy_at",
    "bc_energy_curve",
    "bc_energy_rsb",
    "bc_overlaps",
    "beta_c",
    "binary_capacity",
    "binary_control_curve",
    "binary_entropy",
    "binary_perceptron_terms",
    "clipped_energy",
    "energetic_term",
    "energetic_terms",
    "entropic_term",
    "entropic_terms",
    "franz_parisi_curve",
    "franz_parisi_endpoint",
    "franz_parisi_entropy",
    "franz_parisi_max",
    "franz_parisi_reference",
    "gardner_capacity",
    "gardner_energetic",
    "ising_terms",
    "kauzmann_beta",
    "prox_terms",
    "rs_curve",
    "rs_entropy_bound",
    "rs_free_entropy",
    "rs_stability",
    "rsb_beta_continuation",
    "rsb_complexity",
    "rsb_energetic_terms",
    "rsb_entropic_terms",
    "rsb_free_entropy",
    "rsb_zero_temperature_free_energy",
    "rsb_zero_temperature_terms",
    "solve_binary_control",
    "solve_franz_parisi",
    "solve_rs",
    "solve_rs_with_terms",
    "solve_rsb",
    "solve_rsb_zero_temperature",
    "solve_teacher_student",
    "solve_teacher_student_general",
    "solve_zero_temperature",
    "spherical_entropy",
    "stability_gammas",
    "teacher_student_curve",
    "teacher_student_energetic",
    "teacher_student_entropic",
    "teacher_student_free_entropy",
    "teacher_student_transition",
    "zero_temperature_curve",
    "zero_temperature_threshold",
]
