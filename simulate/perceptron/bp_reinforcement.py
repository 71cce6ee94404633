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
first ``W`` with zero training error (``stop="first_solution"``, the default) or, with
``stop="stable"``, once a solution ``sign(h)`` has not changed for ``patience`` sweeps.
Variants of the reinforcement (``docs/bp_reinforcement.md``, Sec. 8): ``"field"`` (above,
the default), ``"stochastic"`` ([braunstein2006]: with probability ``r_t = 1 - gamma_t`` per
variable and sweep the external field is reset to the current total field,
``h_i^{t+1} = sum_mu u_{mu->i}^{t+1} + h_ext_i``) and ``"cavity"`` (each cavity field
reinforced by its own previous value,
``h_{i->mu}^{t+1} = sum_{nu != mu} u_{nu->i}^{t+1} + r_t h_{i->mu}^t``). All log H values come from the shared
:func:`theory.core.special.logH` ufunc called inside the numba kernel.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator, new_fast_stream, next_double
from simulate.perceptron._bp_messages import V_FLOOR, factor_update, messages_from_fields, signed_patterns
from simulate.perceptron._outcome import BinaryOutcome, integer_seed, outcome_fields
from simulate.perceptron.instances import PerceptronInstance
from theory.core import check_array, check_choice, check_int, check_real

__all__ = ["BPRResult", "run_bp_reinforcement", "bp_factor_messages", "bpr_sweep", "bpr_init_messages", "V_FLOOR",
           "BPR_REINFORCEMENTS", "BPR_STOPS"]

#: reinforcement variants of :func:`run_bp_reinforcement` (kernel codes 0, 1, 2)
BPR_REINFORCEMENTS = ("field", "stochastic", "cavity")
#: stopping rules of :func:`run_bp_reinforcement` (kernel codes 0, 1)
BPR_STOPS = ("first_solution", "stable")

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
    first_solution : int
        Sweep at which ``sign(h)`` first had zero errors (-1 if never).
    reinforcement, stop : str
        The variant and the stopping rule used.
    trace_errors : int array
        Errors of ``sign(h)`` after each sweep.
    magnetizations : float array (N,)
        ``m_i = tanh(h_i)`` at the last sweep (the BP+R marginals; the centre-of-mass predictor
        is ``sign(m . x)``, :func:`simulate.perceptron.instances.linear_predictor_accuracy`).
    """

    converged: bool
    iterations: int
    errors: int
    r_final: float
    delta_u: float
    nonfinite: bool
    seed: int | None
    message: str
    first_solution: int = -1
    reinforcement: str = "field"
    stop: str = "first_solution"
    trace_errors: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    magnetizations: np.ndarray | None = field(default=None, repr=False, compare=False, metadata={"internal": True})


@numba.njit(cache=True)
def _fields_from(mcav, u, h, hnew):
    """``h <- hnew + sum_mu u`` (``hnew`` is overwritten) and ``m_{i->mu} = tanh(h_i - u_{mu->i})`` (Eq. B3)."""
    M, N = u.shape
    for mu in range(M):
        for i in range(N):
            hnew[i] += u[mu, i]
    for i in range(N):
        h[i] = hnew[i]
    for mu in range(M):
        for i in range(N):
            mcav[mu, i] = math.tanh(h[i] - u[mu, i])


@numba.njit(cache=True)
def _variable_update(S, mcav, u, h, r):
    """Eq. B3-B4: ``h <- sum_mu u + r h``; ``m_{i->mu} = tanh(h_i - u_{mu->i})``."""
    _fields_from(mcav, u, h, r * h)


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
def _stochastic_variable_update(S, mcav, u, h, hext, p, state):
    """Stochastic reinforcement [braunstein2006]: with probability ``p`` per variable the external field
    is reset to the current total field, ``h_ext_i <- h_i``; then ``h = sum_mu u + h_ext`` and
    ``m_{i->mu} = tanh(h_i - u_{mu->i})``."""
    for i in range(h.size):
        if next_double(state) < p:
            hext[i] = h[i]
    _fields_from(mcav, u, h, hext.copy())


@numba.njit(cache=True)
def _cavity_variable_update(S, mcav, u, h, hc, r):
    """Reinforcement of the cavity fields: ``h_{i->mu} <- sum_{nu != mu} u_{nu->i} + r h_{i->mu}``,
    ``m_{i->mu} = tanh(h_{i->mu})``; the total field ``h <- sum_mu u + r h`` as in Eq. B4."""
    M, N = S.shape
    hsum = np.zeros(N)
    for mu in range(M):
        for i in range(N):
            hsum[i] += u[mu, i]
    for i in range(N):
        h[i] = hsum[i] + r * h[i]
    for mu in range(M):
        for i in range(N):
            hc[mu, i] = hsum[i] - u[mu, i] + r * hc[mu, i]
            mcav[mu, i] = math.tanh(hc[mu, i])


@numba.njit(cache=True)
def _bpr_kernel(S, mcav, u, h, r0, rate, damping, max_iter, trace, mode, hext, hc, state, stop, patience, r_max):
    """Sweeps of BP+R; returns (iterations, errors_best, r, delta_u, nonfinite, best_h, first_solution).

    ``mode`` 0 field (Eq. B4), 1 stochastic, 2 cavity; ``stop`` 0: at the first ``sign(h)`` with zero
    errors; 1: once a solution ``sign(h)`` is unchanged for ``patience`` sweeps, or ``r >= r_max``
    after a solution. ``best_h`` is the field of the fewest errors seen (the latest such with ``stop`` 1).
    """
    M, N = S.shape
    r = r0
    best = M + 1
    best_h = h.copy()
    dmax = 0.0
    first = -1
    same = 0
    for t in range(max_iter):
        dmax = factor_update(S, mcav, u, damping)
        if not math.isfinite(dmax):
            return t + 1, best, r, dmax, True, best_h, first
        if mode == 0:
            _variable_update(S, mcav, u, h, r)
        elif mode == 1:
            _stochastic_variable_update(S, mcav, u, h, hext, r, state)
        else:
            _cavity_variable_update(S, mcav, u, h, hc, r)
        nerr = _errors_sign(S, h)
        trace[t] = nerr
        if stop == 0:
            if nerr < best:
                best = nerr
                best_h[:] = h
            if nerr == 0:
                return t + 1, 0, r, dmax, False, best_h, t + 1
        else:
            if nerr == 0:
                unchanged = first >= 0
                for i in range(N):
                    if not unchanged:
                        break
                    if (h[i] >= 0.0) != (best_h[i] >= 0.0):
                        unchanged = False
                same = same + 1 if unchanged else 0
                if first < 0:
                    first = t + 1
                best = 0
                best_h[:] = h
            else:
                same = 0
                if nerr < best:
                    best = nerr
                    best_h[:] = h
            if first >= 0 and (same >= patience or r >= r_max):
                return t + 1, best, r, dmax, False, best_h, first
        r = 1.0 - (1.0 - r) * (1.0 - rate)
    return max_iter, best, r, dmax, False, best_h, first


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
    reinforcement: str = "field",
    stop: str = "first_solution",
    patience: int = 50,
    r_max: float = 1.0 - 1e-6,
) -> BPRResult:
    """BP with reinforcement on the binary perceptron (Braunstein & Zecchina 2006; [baldassi2018, SM Sec. VII]).

    Parameters
    ----------
    inst : PerceptronInstance
        Training set.
    seed : int or numpy.random.Generator
        Randomness of the initial fields (and of the stochastic reinforcement).
    rate : float
        Reinforcement schedule ``1 - r_{t+1} = (1 - r_t)(1 - rate)``, ``0 <= rate < 1``
        ([baldassi2018, SM Sec. VII]: 1e-3). Sweep ``t = 0, 1, ...`` uses ``r_t`` (sweep 0 uses ``r0``).
    r0 : float
        Initial reinforcement, ``0 <= r0 < 1``.
    damping : float
        Damping of the factor messages, ``0 <= damping < 1``.
    max_iter : int
        Sweep cap.
    init_scale : float
        Standard deviation of the random initial fields (>= 0).
    reinforcement : str
        ``"field"`` (default, Eq. B4: ``h <- sum_mu u + r_t h``); ``"stochastic"`` ([braunstein2006]:
        with probability ``r_t = 1 - gamma_t`` per variable and sweep the external field is reset to
        the current total field, ``h <- sum_mu u + h_ext``); ``"cavity"`` (each cavity field
        ``h_{i->mu} <- sum_{nu != mu} u_{nu->i} + r_t h_{i->mu}``; ``docs/bp_reinforcement.md``, Sec. 8).
    stop : str
        ``"first_solution"`` (default, [baldassi2018, SM Sec. VII]) or ``"stable"``: after the first
        solution, go on until a solution ``sign(h)`` has been unchanged for ``patience`` sweeps, or
        ``r >= r_max``, or ``max_iter``.
    patience : int
        Sweeps of unchanged solution for ``stop="stable"`` (>= 1).
    r_max : float
        Reinforcement at which ``stop="stable"`` ends a solved run, ``0 < r_max <= 1``.

    Returns
    -------
    BPRResult
        ``solved=False`` with a message when no solution was found within
        ``max_iter`` sweeps or when messages became non-finite; ``W`` is then
        the ``sign(h)`` with fewest errors seen (with ``stop="stable"``, the last solution).
        ``magnetizations`` holds ``tanh(h)`` at the last sweep.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance, n_errors
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = run_bp_reinforcement(inst, seed=0)
    >>> r.solved, r.errors, n_errors(r.W, inst), r.message.startswith("solution found")
    (True, 0, 0, True)
    >>> s = run_bp_reinforcement(inst, seed=0, reinforcement="stochastic", stop="stable", patience=20)
    >>> s.solved, n_errors(s.W, inst), s.iterations >= s.first_solution + 20, s.magnetizations.shape
    (True, 0, True, (51,))
    """
    if not isinstance(inst, PerceptronInstance):
        raise ValueError(f"inst must be a simulate.perceptron.instances.PerceptronInstance (got {type(inst).__name__})")
    rate = check_real("rate", rate, ge=0, lt=1)
    r0 = check_real("r0", r0, ge=0, lt=1)
    damping = check_real("damping", damping, ge=0, lt=1)
    max_iter = check_int("max_iter", max_iter, ge=1)
    init_scale = check_real("init_scale", init_scale, ge=0)
    check_choice("reinforcement", reinforcement, BPR_REINFORCEMENTS)
    check_choice("stop", stop, BPR_STOPS)
    patience = check_int("patience", patience, ge=1)
    r_max = check_real("r_max", r_max, gt=0, le=1)
    int_seed = integer_seed(seed)
    rng = as_generator(seed)
    S = signed_patterns(inst.X, inst.y)
    mcav, u, h = bpr_init_messages(inst, rng, init_scale)
    mode = BPR_REINFORCEMENTS.index(reinforcement)
    # the stochastic stream is drawn after the initial fields, only when used (the default consumes nothing more)
    state = new_fast_stream(rng) if mode == 1 else np.ones(2, dtype=np.uint64)
    hext = np.zeros(inst.N)
    hc = np.repeat(h[None, :], inst.M, axis=0) if mode == 2 else np.zeros((1, 1))
    trace = np.full(max_iter, -1, dtype=np.int64)
    it, best, r, dmax, nonfinite, best_h, first = _bpr_kernel(
        S, mcav, u, h, r0, rate, damping, max_iter, trace, mode, hext, hc, state, BPR_STOPS.index(stop),
        patience, r_max)
    W = np.where(best_h >= 0, 1, -1).astype(np.int8)
    solved = best == 0
    if nonfinite:
        msg = f"messages became non-finite at sweep {it}"
    elif solved and stop == "stable":
        msg = f"solution found at sweep {first}, stopped at sweep {it} (r = {r:.6g})"
    elif solved:
        msg = f"solution found at sweep {it}"
    else:
        msg = f"no solution within {max_iter} sweeps (best {best} errors)"
    return BPRResult(
        converged=bool(solved), iterations=int(it), errors=int(best), r_final=float(r), delta_u=float(dmax),
        nonfinite=bool(nonfinite), seed=int_seed, message=msg, first_solution=int(first),
        reinforcement=reinforcement, stop=stop, trace_errors=trace[:it].copy(), magnetizations=np.tanh(h),
        **outcome_fields(W, inst, int(best)),
    )
