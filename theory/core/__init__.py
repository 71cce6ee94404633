"""Shared numerics of the replica theories: special functions, quadrature, saddle-point solvers, records, checks.

Examples
--------
>>> from theory.core import H, dz_rule, converge
>>> z, w = dz_rule(16)
>>> round(float(w @ H(z)), 12)   # E[H(z)] = 1/2
0.5
"""
from theory.core.accuracy import (
    OrderRefinement,
    bound_violations,
    errors_field,
    field_errors,
    replace_with_accuracy,
    residual_sensitivity,
    solve_to_accuracy,
)
from theory.core.params import check_array, check_choice, check_int, check_real
from theory.core.quadrature import (
    QuadRule,
    dz_rule,
    gauss_expect,
    gauss_expect2,
    hermite_nodes,
    interval_log_integral,
    interval_mean,
    interval_moments,
    legendre_nodes,
    normal_rule,
    panel_rule,
)
from theory.core.results import OrderParameters, Record, format_table, to_jsonable
from theory.core.solver import (
    ComputationError,
    ConvergenceError,
    Curve,
    CurvePoint,
    NewtonResult,
    SolverResult,
    converge,
    newton,
    span,
)
from theory.core.special import GH, G, H, H_pow, K, erfcx, log2cosh, logcosh, logG, logH

__all__ = [
    "GH",
    "ComputationError",
    "ConvergenceError",
    "Curve",
    "CurvePoint",
    "G",
    "H",
    "H_pow",
    "K",
    "NewtonResult",
    "OrderRefinement",
    "OrderParameters",
    "QuadRule",
    "Record",
    "SolverResult",
    "bound_violations",
    "check_array",
    "check_choice",
    "check_int",
    "check_real",
    "converge",
    "dz_rule",
    "erfcx",
    "errors_field",
    "field_errors",
    "format_table",
    "gauss_expect",
    "gauss_expect2",
    "hermite_nodes",
    "interval_log_integral",
    "interval_mean",
    "interval_moments",
    "legendre_nodes",
    "log2cosh",
    "logG",
    "logH",
    "logcosh",
    "newton",
    "normal_rule",
    "panel_rule",
    "replace_with_accuracy",
    "residual_sensitivity",
    "solve_to_accuracy",
    "span",
    "to_jsonable",
]
