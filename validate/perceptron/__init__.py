"""Comparisons of the binary-perceptron simulations with theory and with [baldassi2018].

Importing the package registers nine report sections (``perceptron.capacity``, ``perceptron.bc_energy``,
``perceptron.gd_finite_size``,
``perceptron.rule43``, ``perceptron.binary_control``, ``perceptron.teacher_student``,
``perceptron.franz_parisi``, ``perceptron.rs_stability``, ``perceptron.rsb_vs_rs``), each a
``compare_*(mode, store, seed) -> Comparison``. Their simulation
points run the learning methods through :func:`simulate.perceptron.solve_perceptron` with the paper's
presets (:data:`simulate.perceptron.PERCEPTRON_PRESETS`).
"""
from validate.perceptron.capacity import compare_bc_energy, compare_gd_capacity
from validate.perceptron.finite_size import compare_gd_finite_size
from validate.perceptron.flatness import compare_binary_control, compare_teacher_student
from validate.perceptron.franz_parisi import compare_franz_parisi
from validate.perceptron.rsb import compare_rsb_vs_rs
from validate.perceptron.rule43 import compare_rule43_capacity
from validate.perceptron.stability import compare_rs_stability

__all__ = ["compare_gd_capacity", "compare_bc_energy", "compare_rule43_capacity", "compare_binary_control",
           "compare_teacher_student", "compare_franz_parisi", "compare_rs_stability",
           "compare_gd_finite_size", "compare_rsb_vs_rs"]
