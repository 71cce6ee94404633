"""Franz-Parisi entropy of binary perceptron solutions around a binarized reference [baldassi2018, SM Eq. 31-39].

``S(d)`` counts the binary solutions at Hamming distance ``d`` from the binarized
configuration of a reference system (stochastic, binary or spherical perceptron);
the RS branch ends where ``Q0 -> 1`` (:func:`franz_parisi_endpoint`). Derivation and
corrections of the printed equations: ``docs/franz_parisi.md``.

Examples
--------
>>> from theory.perceptron.franz_parisi import franz_parisi_reference, franz_parisi_max
>>> ref = franz_parisi_reference("binary", 0.5)
>>> mx = franz_parisi_max(ref)
>>> mx.converged, abs(mx.S - ref.phi) < 1e-6   # the maximum of S is the entropy of all solutions
(True, True)
"""
from theory.perceptron.franz_parisi.endpoint import EndpointResult, franz_parisi_endpoint
from theory.perceptron.franz_parisi.solver import (
    FPResult,
    ReferenceState,
    franz_parisi_curve,
    franz_parisi_entropy,
    franz_parisi_max,
    franz_parisi_reference,
    franz_parisi_work_estimate,
    solve_franz_parisi,
)

__all__ = [
    "EndpointResult",
    "FPResult",
    "ReferenceState",
    "franz_parisi_curve",
    "franz_parisi_endpoint",
    "franz_parisi_entropy",
    "franz_parisi_max",
    "franz_parisi_reference",
    "franz_parisi_work_estimate",
    "solve_franz_parisi",
]
