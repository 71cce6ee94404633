"""On-line perceptron-like rules for the control variables ``m`` of the stochastic perceptron.

Source: seed 004 (Baldassi et al.), SM Sec. VI, Eq. (43)-(44) and the text
after them; protocol of SM Sec. VII (``eta = 2e-3`` for CP and CP-S) and SM
Fig. 4 (``eta = 1e-2 sigma`` for rule 43 at N = 1001, 2000 epochs).

Each epoch presents the ``M`` patterns once, in a fresh random order; for
pattern ``mu`` a field ``h^mu`` is formed and ``m`` is updated:

* ``cp``   (Eq. 44, deterministic): ``h = sum_i sign(m_i) x_i``;
  ``m <- clip(m + eta Theta(-y h) y x)``;
* ``cp-s`` (Eq. 44, stochastic): as ``cp`` with ``h = sum_i W_i x_i``,
  ``W_i ~ Q_m`` (main Eq. 4) drawn afresh for every presentation;
* ``rule43`` (Eq. 43, sign corrected, see ``docs/perceptron_algorithms.md``):
  ``h = W . x`` with ``W ~ Q_m``, ``sigma = sqrt(N/2)``,
  ``m_i <- clip(m_i + eta GH(-y h/sigma) (y x_i/sigma + y h m_i/sigma^3))``;
* ``perceptron`` (the plain rule on ``m``, text after Eq. 44):
  ``h = sum_i m_i x_i``; ``m <- clip(m + eta Theta(-y h) y x)``.

``Theta(x) = 1`` for ``x >= 0`` (as in SM Sec. VI): a zero field counts as an
error. The samples ``W ~ Q_m`` come from a xoroshiro128+ stream
(:mod:`simulate.core.fast_rng`) seeded once per run from the caller's generator:
the sampling was 80 % of the run time with numba's Mersenne Twister. The run stops at the end of the first epoch whose binarized
configuration ``sign(m)`` solves the training set, or at the epoch cap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np

from simulate.perceptron.gd import log_likelihood
from simulate.perceptron.instances import (
    Instance,
    binarize,
    generalization_accuracy,
    n_errors,
)
from simulate.core.fast_rng import new_state, next_double
from simulate.core.rng import SeedLike, as_generator
from theory.core.params import check_choice, check_int, check_real
from theory.core.results import Record
from theory.core.special import GH

__all__ = ["RULES", "DEFAULT_ETA", "RuleResult", "run_rule", "cp", "cp_s", "rule43", "plain_perceptron"]

RULES = ("cp", "cp-s", "rule43", "perceptron")
_CODE = {"cp": 0, "cp-s": 1, "rule43": 2, "perceptron": 3}


def DEFAULT_ETA(rule: str, N: int) -> float:
    """Learning rates of the paper: 2e-3 for CP/CP-S/perceptron (SM Sec. VII), 1e-2 sqrt(N/2) for rule 43 (SM Fig. 4)."""
    return 1e-2 * math.sqrt(0.5 * N) if rule == "rule43" else 2e-3


@numba.njit(cache=True)
def _field_Q(m, row, state):
    """``h = sum_i W_i x_i`` with ``W ~ Q_m`` (main Eq. 4), ``P(W_i = +1) = (1 + m_i)/2``: one
    uniform of the xoroshiro128+ stream ``state`` per ``i`` in order, drawn inside the sum."""
    h = 0.0
    for i in range(m.size):
        x = np.float64(row[i])
        h += x if next_double(state) < 0.5 * (1.0 + m[i]) else -x
    return h


@numba.njit(cache=True)
def _online_epoch(X, y, order, m, eta, rule, sigma, state):
    """One pass over ``order``; returns the number of updates made (errors seen for CP-type rules)."""
    N = m.size
    n_upd = 0
    for k in range(order.size):
        mu = order[k]
        row = X[mu]
        ymu = np.float64(y[mu])
        h = 0.0
        if rule == 0:
            for i in range(N):
                h += (1.0 if m[i] >= 0.0 else -1.0) * row[i]
        elif rule == 3:
            for i in range(N):
                h += m[i] * row[i]
        else:
            h = _field_Q(m, row, state)
        if rule == 2:
            g = GH(-ymu * h / sigma)
            a = eta * g * ymu / sigma
            bb = eta * g * ymu * h / (sigma * sigma * sigma)
            for i in range(N):
                v = m[i] + a * row[i] + bb * m[i]
                m[i] = 1.0 if v > 1.0 else (-1.0 if v < -1.0 else v)
            n_upd += 1
        elif ymu * h <= 0.0:
            a = eta * ymu
            for i in range(N):
                v = m[i] + a * row[i]
                m[i] = 1.0 if v > 1.0 else (-1.0 if v < -1.0 else v)
            n_upd += 1
    return n_upd


@dataclass(frozen=True)
class RuleResult(Record):
    """Final state of an on-line rule run, with the per-epoch trajectory.

    ``trajectory``: arrays ``epoch``, ``train_error`` (of ``sign(m^t)``),
    ``qstar`` (``|m^t|^2/N``), ``L`` (main Eq. 6, if recorded) and ``updates``
    (number of pattern updates in the epoch that led to this state).
    """

    algorithm: str
    N: int
    M: int
    alpha: float
    eta: float
    solved: bool
    epochs: int
    train_error: float
    qstar: float
    generalization: float | None
    m: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    W: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    trajectory: dict = field(repr=False, compare=False, metadata={"internal": True})


def run_rule(
    inst: Instance,
    rule: str,
    *,
    eta: float | None = None,
    max_epochs: int = 2000,
    seed: SeedLike = 0,
    record_L: bool = False,
) -> RuleResult:
    """Run one of :data:`RULES` (SM Eq. 43-44) until ``sign(m)`` solves ``inst`` or ``max_epochs``.

    Parameters
    ----------
    inst : Instance
    rule : {"cp", "cp-s", "rule43", "perceptron"}
    eta : float, optional
        Learning rate (default :func:`DEFAULT_ETA`).
    max_epochs : int
        Epoch cap (>= 1); the paper uses 2000.
    seed : int or Generator
        Initialisation ``m^0 ~ N(0, 1/N)``, then the state of the
        xoroshiro128+ stream of the samples ``W ~ Q_m``
        (:func:`simulate.core.fast_rng.new_state`), then one presentation order
        per epoch.
    record_L : bool
        Also record ``L(m^t)`` of main Eq. (6) every epoch (one more pass).
    """
    rule = check_choice("rule", rule, RULES)
    N, M = inst.N, inst.M
    eta = DEFAULT_ETA(rule, N) if eta is None else check_real("eta", eta, gt=0)
    max_epochs = check_int("max_epochs", max_epochs, ge=1)
    rng = as_generator(seed)
    m = np.clip(rng.normal(0.0, 1.0 / math.sqrt(N), size=N), -1.0, 1.0)
    state = new_state(rng)
    sigma = math.sqrt(0.5 * N)
    traj = {k: [] for k in ("epoch", "train_error", "qstar", "L", "updates")}
    upd = 0
    t = 0
    while True:
        nerr = n_errors(binarize(m), inst)
        traj["epoch"].append(t)
        traj["train_error"].append(nerr / M)
        traj["qstar"].append(float(np.dot(m, m)) / N)
        traj["L"].append(log_likelihood(m, inst) if record_L else math.nan)
        traj["updates"].append(upd)
        if nerr == 0 or t >= max_epochs:
            break
        order = rng.permutation(M).astype(np.int64)
        upd = _online_epoch(inst.X, inst.y, order, m, eta, _CODE[rule], sigma, state)
        t += 1
    W = binarize(m)
    return RuleResult(
        algorithm=rule, N=N, M=M, alpha=inst.alpha, eta=eta, solved=nerr == 0, epochs=t,
        train_error=nerr / M, qstar=float(np.dot(m, m)) / N,
        generalization=generalization_accuracy(W, inst) if inst.has_teacher else None,
        m=m, W=W, trajectory={k: np.array(v) for k, v in traj.items() if not (k == "L" and not record_L)},
    )


def cp(inst: Instance, **kw) -> RuleResult:
    """Clipped perceptron, SM Eq. (44) with ``h = sum_i sign(m_i) x_i``."""
    return run_rule(inst, "cp", **kw)


def cp_s(inst: Instance, **kw) -> RuleResult:
    """Stochastic clipped perceptron CP-S, SM Eq. (44) with ``h = W . x``, ``W ~ Q_m``."""
    return run_rule(inst, "cp-s", **kw)


def rule43(inst: Instance, **kw) -> RuleResult:
    """Weighted stochastic perceptron rule, SM Eq. (43) (sign corrected)."""
    return run_rule(inst, "rule43", **kw)


def plain_perceptron(inst: Instance, **kw) -> RuleResult:
    """Ordinary perceptron rule on ``m`` (SM text after Eq. 44): expected to fail."""
    return run_rule(inst, "perceptron", **kw)
