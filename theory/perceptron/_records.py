"""Field sets shared by the result records of the perceptron family.

Bases for ``@dataclass(frozen=True, kw_only=True)`` records: a subclass lists only
its own fields, which follow the base's (``dataclasses`` puts inherited fields first).
"""
from __future__ import annotations

from dataclasses import dataclass

from theory.core import Record

__all__ = ["RSPointFields"]


@dataclass(frozen=True, kw_only=True)
class RSPointFields(Record):
    """A point ``(alpha, beta, q*)`` of the stochastic perceptron's phase diagram and its RS
    order parameters ``q0, qhat0, qhat1`` in the convention of [baldassi2018, SM Eq. 12-15].

    ``alpha`` is the load, ``beta`` the inverse temperature, ``qstar`` the squared norm,
    ``q0`` the overlap between two replicas and ``qhat0``, ``qhat1`` the conjugates.
    """

    alpha: float
    beta: float
    qstar: float
    q0: float
    qhat0: float
    qhat1: float
