"""Belief propagation with reinforcement (BP+R) for the binary perceptron.

Sources: Braunstein & Zecchina, PRL 96, 030201 (2006) (the algorithm); [baldassi2018, SM Sec. VII]
(the reinforcement schedule ``1 - r_{t+1} = (1 - r_t)(1 - 1e-3)`` used for [baldassi2018, SM Fig. 5]
and [baldassi2018, SM Table I]). The
message-passing equations are derived from the cavity method in
``docs/bp_reinforcement.md``; the equation numbers below refer to that file.

Messages, for pattern ``mu`` and synapse ``i`` with ``s_i^mu = y^mu x_i^mu``:

* ``m_{i->mu} = tanh(h_i - u_{mu->i})``  (cavity magnetization, Eq. B3);
* cavity field of pattern ``mu`` without ``i``: mean
  ``omega_{mu->i} = sum_{j != i} s_j^mu m_{j->mu}`` and variance
  ``V_{mu->i} = sum_{j != i} (1 - m_{j->mu}^2)`` (central limit, Eq. B1);
* ``u_{mu->i} = (1/2) [log H(-(omega + s_i)/sqrt V) - log H(-(omega - s_i)/sqrt V)]``
  (Eq. B2; the field that constraint ``Theta(Delta^mu)`` sends to ``W_i``);
* total field with reinforcement ``h_i^{t+1} = sum_mu u_{mu->i}^{t+1} + r_t h_i^t``
  (Eq. B4), ``1 - r_{t+1} = (1 - r_t)(1 - rate)``.

After every sweep the candidate ``W = sign(h)`` is tested; the run stops at the
first ``W`` with zero training error. All log H values come from the shared
:func:`theory.core.special.logH` ufunc called inside the numba kernel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator
from simulate.perceptron._bp_messages import V_FLOOR, factor_update, messages_from_fields, signed_patterns
from simulate.perceptron._outcome import BinaryOutcome, integer_seed, outcome_fields
from simulate.perceptron.instances import PerceptronInstance
from theory.core import check_array, check_int, check_real

__all__ = ["BPRResult", "run_bp_reinforcement", "bp_factor_messages", "bpr_sweep", "bpr_init_messages", "V_FLOOR"]

@dataclass(frozen=True, kw_only=True)
class BPRResult(BinaryOutcome):
    """Outcome of one BP+R run (the fields of :class:`BinaryOutcome` and these).

    ``W`` is the ``sign(h)`` with fewest errors seen, ``solved`` says that it
    classifies every pattern correctly.

    Attributes
    ----------
    converged : bool
        Same as ``solved`` (BP+R is a solver; its messages are not expected to
        reach a fixed point once ``r`` is close to 1).
    iterations : int
        Sweeps done.
    errors : int
        Errors of the returned ``W``.
    r_final : float
        Reinforcement at the last sweep.
    delta_u : float
        Largest change of a factor message in the last sweep.
    nonfinite : bool
        A message became NaN/inf (the run is then stopped and reported).
    seed : int or None
        The integer seed (None for a Generator).
    message : str
        What happened.
    trace_errors : int array
        Errors of ``sign(h)`` after each sweep.
    """

    converged: bool
    iterations: int
    errors: int
    r_final: float
    delta_u: float
    nonfinite: bool
    seed: int | None
    message: str
    trace_errors: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})


@numba.njit(cache=True)
def _variable_update(S, mcav, u, h, r):
    """Eq. B3-B4: ``h <- sum_mu u + r h``; ``m_{i->mu} = tanh(h_i - u_{mu->i})``."""
    M, N = S.shape
    hnew = r * h
    for mu in range(M):
        for i in range(N):
            hnew[i] += u[mu, i]
    for i in range(N):
        h[i] = hnew[i]
    for mu in range(M):
        for i in range(N):
            mcav[mu, i] = math.tanh(h[i] - u[mu, i])


@numba.njit(cache=True)
def _errors_sign(S, h):
    M, N = S.shape
    nerr = 0
    for mu in range(M):
        d = 0
        for i in range(N):
            w = 1 if h[i] >= 0.0 else -1
            d += S[mu, i] * w
        if d < 0:
            nerr += 1
    return nerr


@numba.njit(cache=True)
def _bpr_kernel(S, mcav, u, h, r0, rate, damping, max_iter, trace):
    """Sweeps of BP+R until ``sign(h)`` is a solution or ``max_iter``; returns
    (iterations, errors_best, r, delta_u, nonfinite, best_h)."""
    r = r0
    best = S.shape[0] + 1
    best_h = h.copy()
    dmax = 0.0
    for t in range(max_iter):
        dmax = factor_update(S, mcav, u, damping)
        if not math.isfinite(dmax):
            return t + 1, best, r, dmax, True, best_h
        _variable_update(S, mcav, u, h, r)
        nerr = _errors_sign(S, h)
        trace[t] = nerr
        if nerr < best:
            best = nerr
            best_h[:] = h
        if nerr == 0:
            return t + 1, 0, r, dmax, False, best_h
        r = 1.0 - (1.0 - r) * (1.0 - rate)
    return max_iter, best, r, dmax, False, best_h


def bpr_init_messages(inst: PerceptronInstance, rng: np.random.Generator, scale: float = 0.1):
    """Initial messages: ``u = 0``, ``h_i = scale z_i`` (``z`` standard normal), ``m_{i->mu} = tanh h_i``."""
    return messages_from_fields(scale * rng.standard_normal(inst.N), inst.M)


def bp_factor_messages(S: npt.ArrayLike, mcav: npt.ArrayLike) -> np.ndarray:
    """Gaussian-approximation factor messages ``u_{mu->i}`` (Eq. B1-B2) for given cavity magnetizations.

    Parameters
    ----------
    S : int array (M, N)
        Signed patterns ``s_i^mu = y^mu x_i^mu`` in {-1, +1}.
    mcav : float array (M, N)
        Cavity magnetizations ``m_{i->mu}`` in (-1, 1).

    Examples
    --------
    At ``m_{i->mu} = 0`` the cavity field has mean 0 and variance ``N - 1``, so
    ``u_{mu->i} = s_i^mu / 2 [log H(-1/sqrt(N-1)) - log H(1/sqrt(N-1))]``:

    >>> from theory.core import logH
    >>> S = signed_patterns([[1, -1, 1, 1, -1], [-1, -1, 1, -1, 1]])
    >>> u = bp_factor_messages(S, np.zeros(S.shape))
    >>> bool(np.allclose(u, S * 0.5 * (logH(-0.5) - logH(0.5))))
    True
    """
    S = np.ascontiguousarray(check_array("S", S, ndim=2), dtype=np.int8)
    mcav = np.ascontiguousarray(check_array("mcav", mcav, shape=S.shape, dtype=float))
    if np.any(np.abs(mcav) > 1):
        raise ValueError("mcav must have entries in [-1, 1]")
    u = np.zeros(S.shape)
    factor_update(S, mcav, u, 0.0)
    return u


def bpr_sweep(S: np.ndarray, mcav: np.ndarray, u: np.ndarray, h: np.ndarray, r: float, damping: float = 0.0) -> float:
    """One BP+R sweep in place (factor then variable update); returns the largest change of ``u``.

    Examples
    --------
    After the sweep ``h = sum_mu u`` (``r = 0``) and ``m_{i->mu} = tanh(h_i - u_{mu->i})`` (Eq. B3-B4):

    >>> from simulate.perceptron._bp_messages import messages_from_fields
    >>> S = signed_patterns([[1, -1, 1, 1, -1], [-1, -1, 1, -1, 1]])
    >>> mcav, u, h = messages_from_fields(np.full(5, 0.1), 2)
    >>> d = bpr_sweep(S, mcav, u, h, 0.0)
    >>> d > 0, bool(np.allclose(h, u.sum(axis=0))), bool(np.allclose(mcav, np.tanh(h - u)))
    (True, True, True)
    """
    d = factor_update(S, mcav, u, damping)
    _variable_update(S, mcav, u, h, r)
    return d


def run_bp_reinforcement(
    inst: PerceptronInstance,
    seed: SeedLike,
    *,
    rate: float = 1e-3,
    r0: float = 0.0,
    damping: float = 0.0,
    max_iter: int = 5000,
    init_scale: float = 0.1,
) -> BPRResult:
    """BP with reinforcement on the binary perceptron (Braunstein & Zecchina 2006; [baldassi2018, SM Sec. VII]).

    Parameters
    ----------
    inst : PerceptronInstance
        Training set.
    seed : int or numpy.random.Generator
        Randomness of the initial fields (the sweeps are deterministic).
    rate : float
        Reinforcement schedule ``1 - r_{t+1} = (1 - r_t)(1 - rate)``, ``0 <= rate < 1``
        ([baldassi2018, SM Sec. VII]: 1e-3).
    r0 : float
        Initial reinforcement, ``0 <= r0 < 1``.
    damping : float
        Damping of the factor messages, ``0 <= damping < 1``.
    max_iter : int
        Sweep cap.
    init_scale : float
        Standard deviation of the random initial fields (>= 0).

    Returns
    -------
    BPRResult
        ``solved=False`` with a message when no solution was found within
        ``max_iter`` sweeps or when messages became non-finite; ``W`` is then
        the ``sign(h)`` with fewest errors seen.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance, n_errors
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = run_bp_reinforcement(inst, seed=0)
    >>> r.solved, r.errors, n_errors(r.W, inst), r.message.startswith("solution found")
    (True, 0, 0, True)
    """
    if not isinstance(inst, PerceptronInstance):
        raise ValueError(f"inst must be a simulate.perceptron.instances.PerceptronInstance (got {type(inst).__name__})")
    rate = check_real("rate", rate, ge=0, lt=1)
    r0 = check_real("r0", r0, ge=0, lt=1)
    damping = check_real("damping", damping, ge=0, lt=1)
    max_iter = check_int("max_iter", max_iter, ge=1)
    init_scale = check_real("init_scale", init_scale, ge=0)
    int_seed = integer_seed(seed)
    rng = as_generator(seed)
    S = signed_patterns(inst.X, inst.y)
    mcav, u, h = bpr_init_messages(inst, rng, init_scale)
    trace = np.full(max_iter, -1, dtype=np.int64)
    it, best, r, dmax, nonfinite, best_h = _bpr_kernel(S, mcav, u, h, r0, rate, damping, max_iter, trace)
    W = np.where(best_h >= 0, 1, -1).astype(np.int8)
    solved = best == 0
    if nonfinite:
        msg = f"messages became non-finite at sweep {it}"
    elif solved:
        msg = f"solution found at sweep {it}"
    else:
        msg = f"no solution within {max_iter} sweeps (best {best} errors)"
    return BPRResult(
        converged=bool(solved), iterations=int(it), errors=int(best), r_final=float(r), delta_u=float(dmax),
        nonfinite=bool(nonfinite), seed=int_seed, message=msg, trace_errors=trace[:it].copy(),
        **outcome_fields(W, inst, int(best)),
    )
