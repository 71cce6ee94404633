"""Fields and helpers shared by the result records of the perceptron solvers (private to the family).

Every solver of :mod:`simulate.perceptron` ends with a binary configuration ``W``
and reports the same summary of it: the instance size, whether ``W`` solves the
training set, its training error ``H(W)/M`` [baldassi2018, Eq. 2] and, in the
teacher-student scenario, the generalization accuracy ``1 - arccos(rho)/pi``
(``None`` without a teacher: one convention for every solver).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulate.perceptron.instances import PerceptronInstance, generalization_accuracy
from theory.core import Record

__all__ = ["BinaryOutcome", "ContinuousOutcome", "outcome_fields", "integer_seed"]


@dataclass(frozen=True, kw_only=True)
class BinaryOutcome(Record):
    """Base of the solver records: the binary configuration ``W`` and its summary.

    Attributes
    ----------
    N, M, alpha : int, int, float
        Size, number of patterns and load of the instance.
    solved : bool
        ``W`` classifies every training pattern correctly.
    train_error : float
        Fraction of misclassified training patterns [baldassi2018, Eq. 2].
    generalization : float or None
        ``1 - arccos(W . W^T / N)/pi`` with the teacher; None without a teacher.
    W : int8 array (N,)
        The configuration.
    """

    N: int
    M: int
    alpha: float
    solved: bool
    train_error: float
    generalization: float | None
    W: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})


@dataclass(frozen=True, kw_only=True)
class ContinuousOutcome(BinaryOutcome):
    """Base of the records of solvers that evolve continuous control variables ``m in [-1, 1]^N``
    (GD, the on-line rules) epoch by epoch; ``W = sign(m)``.

    Attributes
    ----------
    algorithm : str
        Method name (with its variant).
    eta : float
        Learning rate used.
    epochs : int
        Epochs run.
    qstar : float
        ``|m|^2 / N`` at the end.
    m : float array (N,)
        The final control variables.
    trajectory : dict of arrays
        One entry per evaluated epoch (``epoch``, ``train_error``, ``qstar``, ...).
    """

    algorithm: str
    eta: float
    epochs: int
    qstar: float
    m: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    trajectory: dict = field(repr=False, compare=False, metadata={"internal": True})


def outcome_fields(W: np.ndarray, inst: PerceptronInstance, n_err: int) -> dict:
    """The :class:`BinaryOutcome` fields of configuration ``W`` making ``n_err`` errors on ``inst``."""
    return dict(N=inst.N, M=inst.M, alpha=inst.alpha, solved=bool(n_err == 0), train_error=n_err / inst.M,
                generalization=generalization_accuracy(W, inst) if inst.has_teacher else None, W=W)


def integer_seed(seed) -> int | None:
    """``seed`` as an int when it is an integer (for the record), None for a Generator."""
    return int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
