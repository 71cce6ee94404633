"""Simulated annealing (SA) for the binary perceptron, and the single-flip Metropolis kernel.

Source: [baldassi2018, SM Sec. VII]: SA on the Hamiltonian

    E(W) = sum_mu Theta_1(-y^mu sum_i W_i x_i^mu / sqrt N),   Theta_1(x) = x Theta(x),

over binary ``W in {-1,+1}^N`` with the inverse-temperature schedule
``beta_{t+1} = beta_t (1 + 5e-3)`` (one step of the schedule per sweep of N
proposed single flips in the paper's wording; here every ``sweeps_per_step``
sweeps, see :func:`simulated_annealing`), stopped as soon as a solution (``E = 0``) is found.
``energy="count"`` uses instead the error-counting Hamiltonian of [baldassi2018, Eq. 2],
``sum_mu Theta(-y^mu W . x^mu)`` (same zero-energy set).

Every energy used in this project's Metropolis samplers is a sum over patterns
of a function of the integer stability ``Delta^mu = y^mu sum_i W_i x_i^mu``
(an odd integer in ``[-N, N]`` for odd N): ``E(W) = sum_mu e(Delta^mu)``. The
kernel :func:`metropolis_kernel` therefore takes ``e`` as a lookup table
``table[Delta + N]`` and keeps the stabilities up to date incrementally: a flip
``W_i -> -W_i`` changes ``Delta^mu`` by ``-2 W_i s_i^mu`` (``s^mu = y^mu x^mu``),
so a proposal costs ``M`` table look-ups and no transcendental function. The
binary-control Monte Carlo (:mod:`simulate.perceptron.binary_control_mc`) reuses it with
``e(Delta) = -log H(-sqrt(q*/(1-q*)) Delta / sqrt N)`` [baldassi2018, SM Eq. 40].

Sites are proposed uniformly at random (``N`` proposals per sweep), so the
chain satisfies detailed balance with respect to ``exp(-beta E)`` at fixed
``beta`` (checked against exact enumeration in ``tests/test_perceptron_sa.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator, seed_numba
from simulate.perceptron._outcome import BinaryOutcome, integer_seed, outcome_fields
from simulate.perceptron.instances import PerceptronInstance, check_binary, n_errors
from theory.core import ComputationError, check_choice, check_int, check_real

__all__ = [
    "SAResult",
    "simulated_annealing",
    "sa_default_beta0",
    "sa_energy_table",
    "signed_patterns_transposed",
    "metropolis_kernel",
    "signed_stabilities",
]

ENERGIES = ("linear", "count")
#: sweeps per call of the Metropolis kernel: the schedule and the per-sweep trace are built one chunk at a
#: time, so the memory of a run does not grow with ``max_sweeps``
CHUNK_SWEEPS = 4096
#: most entries kept in :attr:`SAResult.trace_errors` (every sweep up to this many sweeps, then decimated)
TRACE_LENGTH = 8192


@dataclass(frozen=True, kw_only=True)
class SAResult(BinaryOutcome):
    """Outcome of one SA run (the fields of :class:`BinaryOutcome` and these).

    Attributes
    ----------
    converged : bool
        Same as ``solved`` (the CLI's failure flag): False means the sweep
        cap was hit first.
    sweeps : int
        Sweeps done (N proposals each).
    errors : int
        Misclassified patterns of the final ``W``.
    energy : float
        Final value of the annealed Hamiltonian.
    beta_final : float
        Inverse temperature of the last sweep.
    acceptance : float
        Fraction of accepted proposals.
    seed : int or None
        The integer seed (None for a Generator).
    message : str
        What happened.
    trace_errors : int array
        Errors at the end of the sweeps ``trace_sweeps``: every sweep of runs up to
        :data:`TRACE_LENGTH` sweeps; beyond, every ``2^k``-th sweep (the stride doubles to keep at
        most :data:`TRACE_LENGTH` entries) and always the last sweep.
    trace_sweeps : int array
        The (1-based) sweeps at which ``trace_errors`` was recorded.
    """

    converged: bool
    sweeps: int
    errors: int
    energy: float
    beta_final: float
    acceptance: float
    seed: int | None
    message: str
    trace_errors: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    trace_sweeps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False,
                                     compare=False, metadata={"internal": True})


def signed_patterns_transposed(inst: PerceptronInstance) -> np.ndarray:
    """``S[i, mu] = y^mu x_i^mu`` as a C-contiguous int8 (N, M) array (column access per flip)."""
    return np.ascontiguousarray((inst.X * inst.y[:, None]).T.astype(np.int8))


def signed_stabilities(ST: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Integer stabilities ``Delta^mu = sum_i W_i S[i, mu]`` (int64)."""
    return _stabilities(ST, W)


@numba.njit(cache=True)
def _stabilities(ST, W):
    N, M = ST.shape
    out = np.zeros(M, dtype=np.int64)
    for i in range(N):
        w = W[i]
        for mu in range(M):
            out[mu] += w * ST[i, mu]
    return out


def sa_energy_table(N: int, kind: str) -> np.ndarray:
    """Table ``e[Delta + N]`` of the per-pattern SA energy [baldassi2018, SM Sec. VII].

    ``kind="linear"``: ``Theta_1(-Delta/sqrt N) = max(0, -Delta)/sqrt N``;
    ``kind="count"``: ``Theta(-Delta)``.

    Examples
    --------
    >>> sa_energy_table(3, "count").tolist()
    [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    >>> bool(np.allclose(sa_energy_table(3, "linear") * math.sqrt(3), [3, 2, 1, 0, 0, 0, 0]))
    True
    """
    check_choice("energy", kind, ENERGIES)
    D = np.arange(-N, N + 1, dtype=float)
    if kind == "linear":
        return np.maximum(0.0, -D) / math.sqrt(N)
    return (D < 0).astype(float)


@numba.njit(cache=True)
def metropolis_kernel(ST, W, Delta, table, betas, stop_at_zero, trace):
    """Single-flip Metropolis sweeps on ``E(W) = sum_mu table[Delta^mu + N]`` (in place).

    Parameters
    ----------
    ST : int8 (N, M)
        Signed patterns ``s_i^mu = y^mu x_i^mu`` (transposed).
    W : int8 (N,)
        Configuration, updated in place.
    Delta : int64 (M,)
        Its stabilities, updated in place.
    table : float64 (2N+1,)
        Per-pattern energy at index ``Delta + N``.
    betas : float64 (n_sweeps,)
        Inverse temperature of each sweep.
    stop_at_zero : bool
        Stop as soon as no pattern has ``Delta < 0``.
    trace : int64 (n_sweeps,)
        Filled with the number of errors at the end of each sweep.

    Returns
    -------
    (sweeps_done, accepted, proposals, errors)

    Examples
    --------
    At ``beta = 0`` every proposal is accepted, and the stabilities stay in step with ``W``:

    >>> from simulate.core import as_generator
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> ST = signed_patterns_transposed(inst)
    >>> W = np.ones(51, dtype=np.int8)
    >>> Delta = signed_stabilities(ST, W)
    >>> _ = seed_numba(as_generator(0))
    >>> done, acc, prop, err = metropolis_kernel(ST, W, Delta, sa_energy_table(51, "count"), np.zeros(3), False,
    ...                                          np.zeros(3, dtype=np.int64))
    >>> done, acc == prop == 3 * 51, bool((Delta == signed_stabilities(ST, W)).all()), err == n_errors(W, inst)
    (3, True, True, True)
    """
    N, M = ST.shape
    nerr = 0
    for mu in range(M):
        if Delta[mu] < 0:
            nerr += 1
    accepted = 0
    proposals = 0
    n_sweeps = betas.shape[0]
    if stop_at_zero and nerr == 0:
        return 0, 0, 0, 0
    for t in range(n_sweeps):
        beta = betas[t]
        for _ in range(N):
            i = np.random.randint(0, N)  # noqa: NPY002 (numba stream, seeded by seed_numba)
            w2 = -2 * W[i]
            dE = 0.0
            for mu in range(M):
                d = Delta[mu]
                dE += table[d + w2 * ST[i, mu] + N] - table[d + N]
            proposals += 1
            if dE <= 0.0 or np.random.random() < math.exp(-beta * dE):  # noqa: NPY002 (numba stream)
                accepted += 1
                W[i] = -W[i]
                for mu in range(M):
                    d = Delta[mu]
                    dn = d + w2 * ST[i, mu]
                    if d < 0 and dn > 0:
                        nerr -= 1
                    elif d > 0 and dn < 0:
                        nerr += 1
                    Delta[mu] = dn
                if stop_at_zero and nerr == 0:
                    trace[t] = 0
                    return t + 1, accepted, proposals, 0
        trace[t] = nerr
    return n_sweeps, accepted, proposals, nerr


def sa_default_beta0(energy: str) -> float:
    """Initial inverse temperature of :func:`simulated_annealing` when none is given (ours, not the paper's).

    10 for the ``Theta_1`` energy of [baldassi2018, SM Sec. VII], 1 for the error count of
    [baldassi2018, Eq. 2]: see ``docs/bp_reinforcement.md`` Sec. 2 for the measured choice.

    Examples
    --------
    >>> sa_default_beta0("linear"), sa_default_beta0("count")
    (10.0, 1.0)
    """
    return 10.0 if check_choice("energy", energy, ENERGIES) == "linear" else 1.0


def simulated_annealing(
    inst: PerceptronInstance,
    seed: SeedLike,
    *,
    beta0: float | None = None,
    rate: float = 5e-3,
    sweeps_per_step: int = 5,
    max_sweeps: int = 20000,
    energy: str = "linear",
    W0: npt.ArrayLike | None = None,
    stop_at_solution: bool = True,
) -> SAResult:
    """Simulated annealing on the binary perceptron [baldassi2018, SM Sec. VII].

    Parameters
    ----------
    inst : PerceptronInstance
        Training set (:func:`simulate.perceptron.instances.generate_instance`).
    seed : int or numpy.random.Generator
        Randomness (initial ``W`` and the Metropolis draws).
    beta0 : float, optional
        Initial inverse temperature (> 0); default 10 for ``energy="linear"``
        and 1 for ``"count"``. The paper gives only the rate; the
        defaults ``beta0=10``, ``sweeps_per_step=5`` are ours: with one sweep
        per step from ``beta0 = 1`` the chain freezes with a few errors left at
        N=1001, alpha=0.4 (teacher), with these it finds a solution in ~1300
        sweeps.
    rate : float
        Schedule ``beta_{t+1} = beta_t (1 + rate)`` per sweep ([baldassi2018, SM Sec. VII]: 5e-3); 0
        gives fixed-temperature Metropolis.
    sweeps_per_step : int
        Sweeps at each temperature before ``beta`` is multiplied by
        ``1 + rate`` (not stated in the paper; default 5).
    max_sweeps : int
        Sweep cap (>= 1).
    energy : {"linear", "count"}
        ``Theta_1`` Hamiltonian of [baldassi2018, SM Sec. VII] or the error count of [baldassi2018, Eq. 2].
    W0 : array of +-1, optional
        Initial configuration (default uniform random).
    stop_at_solution : bool
        Stop at the first zero-error configuration (the protocol of [baldassi2018, SM Sec. VII]).

    Returns
    -------
    SAResult
        ``solved=False`` (and a message) when the cap was reached first.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = simulated_annealing(inst, seed=0)
    >>> r.solved, r.errors, r.energy, r.message, n_errors(r.W, inst)
    (True, 0, 0.0, 'solution found', 0)
    """
    if not isinstance(inst, PerceptronInstance):
        raise ValueError(f"inst must be a simulate.perceptron.instances.PerceptronInstance (got {type(inst).__name__})")
    beta0 = check_real("beta0", sa_default_beta0(energy) if beta0 is None else beta0, gt=0)
    rate = check_real("rate", rate, ge=0, lt=1)
    max_sweeps = check_int("max_sweeps", max_sweeps, ge=1)
    sweeps_per_step = check_int("sweeps_per_step", sweeps_per_step, ge=1)
    check_choice("energy", energy, ENERGIES)
    int_seed = integer_seed(seed)
    rng = as_generator(seed)
    N = inst.N
    if W0 is None:
        W = (2 * rng.integers(0, 2, size=N) - 1).astype(np.int8)
    else:
        W = check_binary("W0", W0, N).copy()
    ST = signed_patterns_transposed(inst)
    Delta = _stabilities(ST, W)
    table = sa_energy_table(N, energy)
    last_beta = beta0 * (1.0 + rate) ** float((max_sweeps - 1) // sweeps_per_step)
    if not math.isfinite(last_beta):
        raise ValueError(f"beta0 * (1 + rate)**max_sweeps overflows (beta0={beta0}, rate={rate}, "
                         f"max_sweeps={max_sweeps})")
    seed_numba(rng)
    # the schedule and the trace one chunk at a time (the numba stream continues across calls: the same
    # numbers as one call over the whole schedule)
    chunk = min(CHUNK_SWEEPS, max_sweeps)
    trace = np.full(chunk, -1, dtype=np.int64)
    kept_t, kept_e = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    stride = 1
    sweeps = acc = prop = 0
    nerr = n_errors(W, inst)
    beta_last = beta0
    stop = bool(stop_at_solution)
    while sweeps < max_sweeps and not (stop and nerr == 0):
        k = min(chunk, max_sweeps - sweeps)
        betas = beta0 * (1.0 + rate) ** ((sweeps + np.arange(k)) // sweeps_per_step).astype(float)
        done, a, pr, nerr = metropolis_kernel(ST, W, Delta, table, betas, stop, trace[:k])
        acc, prop = acc + a, prop + pr
        if done:
            beta_last = float(betas[done - 1])
            t = np.arange(sweeps + 1, sweeps + done + 1, dtype=np.int64)
            sel = t % stride == 0
            kept_t, kept_e = np.concatenate([kept_t, t[sel]]), np.concatenate([kept_e, trace[:done][sel]])
            while kept_t.size > TRACE_LENGTH:   # decimate: double the stride
                stride *= 2
                sel = kept_t % stride == 0
                kept_t, kept_e = kept_t[sel], kept_e[sel]
            if kept_t.size == 0 or kept_t[-1] != sweeps + done:   # the last sweep is always kept (provisionally)
                last_t, last_e = sweeps + done, int(trace[done - 1])
            else:
                last_t = 0
        sweeps += done
        if done < k:
            break
    if sweeps and (kept_t.size == 0 or kept_t[-1] != sweeps):
        kept_t, kept_e = np.append(kept_t, last_t), np.append(kept_e, last_e)
    if nerr != n_errors(W, inst):  # internal consistency of the incremental stabilities
        raise ComputationError("SA: incremental stabilities drifted from the recomputed ones")
    solved = nerr == 0
    E = float(table[Delta + N].sum())
    msg = "solution found" if solved else f"no solution within {max_sweeps} sweeps ({nerr} errors left)"
    return SAResult(
        converged=solved, sweeps=int(sweeps), errors=int(nerr), energy=E, beta_final=float(beta_last),
        acceptance=acc / prop if prop else math.nan, seed=int_seed, message=msg, trace_errors=kept_e,
        trace_sweeps=kept_t, **outcome_fields(W, inst, int(nerr)),
    )
