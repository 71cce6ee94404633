"""Metropolis Monte Carlo on binary control variables (stochastic perceptron with binary control).

Source: [baldassi2018, SM Sec. IV], [baldassi2018, SM Eq. 40] and
[baldassi2018, SM Fig. 3]. The control variables are ``m_i = sqrt(q*) sigma_i`` with
``sigma_i in {-1, +1}``; since ``sum_i (x_i^mu)^2 = N`` for ``x in {-1,+1}^N``
the log-likelihood of [baldassi2018, SM Eq. 40] is

    L(sigma) = sum_mu log H(-sqrt(q*/(1-q*)) Delta^mu / sqrt N),   Delta^mu = y^mu sum_i sigma_i x_i^mu,

and the chain samples ``P(sigma) ~ exp(beta L(sigma))`` (Hamiltonian
``-L(sigma)`` at inverse temperature ``beta``; [baldassi2018, SM Fig. 3] uses ``beta = 15``). The
observable of [baldassi2018, SM Fig. 3] is the training error of the "clipped center"
``sign(m) = sigma``, ``E = (1/M) sum_mu Theta(-Delta^mu)``.

The per-pattern energy ``-log H(-c Delta / sqrt N)`` depends on ``sigma`` only
through the odd integer ``Delta`` in ``[-N, N]``: it is tabulated once with the
shared :func:`theory.core.special.logH` and the sampling uses the single-flip
kernel :func:`simulate.perceptron.sa.metropolis_kernel` (uniform random site,
Metropolis acceptance; detailed balance checked against exact enumeration in
``tests/test_binary_control_mc.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator, seed_numba
from simulate.perceptron.instances import PerceptronInstance, check_binary
from simulate.perceptron.sa import metropolis_kernel, signed_patterns_transposed, signed_stabilities
from theory.core import Record, check_array, check_int, check_real, logH

__all__ = ["BinaryControlResult", "binary_control_table", "binary_control_log_likelihood", "binary_control_metropolis",
           "binary_control_scan"]


@dataclass(frozen=True, kw_only=True)
class BinaryControlResult(Record):
    """One Metropolis run at fixed ``(q*, beta)``.

    Attributes
    ----------
    q_star, beta : float
        Parameters of [baldassi2018, SM Eq. 40] and the inverse temperature.
    train_error : float
        Mean over the ``n_measure`` measurement sweeps of the training error
        of ``sigma`` (the energy of the clipped center, [baldassi2018, SM Fig. 3]).
    train_error_se : float
        Its standard error from 10 batch means (NaN if fewer than 10 sweeps).
    train_error_final : float
        Training error of the final ``sigma``.
    log_likelihood : float
        ``L(sigma)`` of [baldassi2018, SM Eq. 40] at the final ``sigma``.
    acceptance : float
        Fraction of accepted proposals.
    sigma : int8 array (N,)
        Final configuration.
    """

    q_star: float
    beta: float
    N: int
    M: int
    n_equil: int
    n_measure: int
    train_error: float
    train_error_se: float
    train_error_final: float
    log_likelihood: float
    acceptance: float
    sigma: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})


def binary_control_table(N: int, q_star: float) -> np.ndarray:
    """``e[Delta + N] = -log H(-sqrt(q*/(1-q*)) Delta / sqrt N)`` ([baldassi2018, SM Eq. 40], one pattern).

    Examples
    --------
    At ``q* = 1/2`` (``c = 1``) the entry at ``Delta = 0`` is ``-log H(0) = log 2``; the energy
    decreases with ``Delta``:

    >>> t = binary_control_table(3, 0.5)
    >>> bool(abs(t[3] - math.log(2)) < 1e-12), bool(np.all(np.diff(t) < 0))
    (True, True)
    """
    N = check_int("N", N, ge=1)
    q_star = check_real("q_star", q_star, gt=0, lt=1)
    c = math.sqrt(q_star / (1.0 - q_star))
    D = np.arange(-N, N + 1, dtype=float)
    return -logH(-c * D / math.sqrt(N))


def binary_control_log_likelihood(sigma: npt.ArrayLike, inst: PerceptronInstance, q_star: float) -> float:
    """``L(sigma)`` of [baldassi2018, SM Eq. 40] for binary control ``sigma`` on the instance.

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> from simulate.perceptron.instances import stabilities
    >>> sigma = np.ones(51, dtype=np.int8)
    >>> L = binary_control_log_likelihood(sigma, inst, 0.5)
    >>> bool(np.isclose(L, -binary_control_table(51, 0.5)[stabilities(sigma, inst) + 51].sum())), L < 0
    (True, True)
    """
    sigma = check_binary("sigma", sigma, inst.N)
    table = binary_control_table(inst.N, q_star)
    Delta = signed_stabilities(signed_patterns_transposed(inst), sigma)
    return float(-table[Delta + inst.N].sum())


def _run(inst, ST, sigma, q_star, beta, n_equil, n_measure, rng):
    N, M = inst.N, inst.M
    table = binary_control_table(N, q_star)
    Delta = signed_stabilities(ST, sigma)
    n = n_equil + n_measure
    betas = np.full(n, beta)
    trace = np.zeros(n, dtype=np.int64)
    seed_numba(rng)
    _, acc, prop, nerr = metropolis_kernel(ST, sigma, Delta, table, betas, False, trace)
    meas = trace[n_equil:] / M
    mean = float(meas.mean())
    se = math.nan
    if n_measure >= 10:
        batches = np.array_split(meas, 10)
        bm = np.array([b.mean() for b in batches])
        se = float(bm.std(ddof=1) / math.sqrt(len(bm)))
    L = float(-table[Delta + N].sum())
    if not math.isfinite(L):
        raise ValueError(f"log-likelihood is not finite at q_star={q_star} (table overflow)")
    return BinaryControlResult(
        q_star=q_star, beta=beta, N=N, M=M, n_equil=n_equil, n_measure=n_measure, train_error=mean,
        train_error_se=se, train_error_final=nerr / M, log_likelihood=L,
        acceptance=acc / prop if prop else math.nan, sigma=sigma,
    )


def _checks(inst, q_star, beta, n_equil, n_measure):
    if not isinstance(inst, PerceptronInstance):
        raise ValueError(f"inst must be a simulate.perceptron.instances.PerceptronInstance (got {type(inst).__name__})")
    q_star = check_real("q_star", q_star, gt=0, lt=1)
    beta = check_real("beta", beta, ge=0)
    n_equil = check_int("n_equil", n_equil, ge=0)
    n_measure = check_int("n_measure", n_measure, ge=1)
    return q_star, beta, n_equil, n_measure


def binary_control_metropolis(
    inst: PerceptronInstance,
    q_star: float,
    beta: float,
    seed: SeedLike,
    *,
    n_equil: int = 200,
    n_measure: int = 200,
    sigma0: npt.ArrayLike | None = None,
) -> BinaryControlResult:
    """Metropolis sampling of ``exp(beta L(sigma))``, [baldassi2018, SM Eq. 40], at fixed ``q*``.

    Parameters
    ----------
    inst : PerceptronInstance
        Training set.
    q_star : float
        Squared norm of the control, ``0 < q* < 1``.
    beta : float
        Inverse temperature (>= 0; [baldassi2018, SM Fig. 3]: 15).
    seed : int or numpy.random.Generator
        Randomness (initial ``sigma`` if not given, Metropolis draws).
    n_equil, n_measure : int
        Sweeps (N proposals each) discarded, then averaged over.
    sigma0 : array of +-1, optional
        Initial configuration (default uniform random).

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> r = binary_control_metropolis(inst, 0.5, 15.0, seed=0, n_equil=20, n_measure=20)
    >>> r.q_star, r.beta, r.N, r.M, 0.0 <= r.train_error <= 1.0
    (0.5, 15.0, 51, 15, True)
    >>> bool(np.isclose(r.log_likelihood, binary_control_log_likelihood(r.sigma, inst, 0.5)))
    True
    """
    q_star, beta, n_equil, n_measure = _checks(inst, q_star, beta, n_equil, n_measure)
    rng = as_generator(seed)
    if sigma0 is None:
        sigma = (2 * rng.integers(0, 2, size=inst.N) - 1).astype(np.int8)
    else:
        sigma = check_binary("sigma0", sigma0, inst.N).copy()
    return _run(inst, signed_patterns_transposed(inst), sigma, q_star, beta, n_equil, n_measure, rng)


def binary_control_scan(
    inst: PerceptronInstance,
    q_values: npt.ArrayLike,
    beta: float,
    seed: SeedLike,
    *,
    n_equil: int = 200,
    n_measure: int = 200,
) -> list[BinaryControlResult]:
    """Metropolis runs along increasing ``q*`` with warm starts (the protocol of [baldassi2018, SM Fig. 3]).

    The chain starts from a uniform random ``sigma`` at the first ``q*`` and
    each later value starts from the previous final ``sigma`` (continuation in
    ``q*``, like the ``q*`` schedules of the main text of [baldassi2018]).

    Examples
    --------
    >>> from simulate.perceptron.instances import generate_instance
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> rs = binary_control_scan(inst, [0.3, 0.6, 0.9], 15.0, seed=0, n_equil=10, n_measure=10)
    >>> [r.q_star for r in rs], all(r.n_measure == 10 for r in rs)
    ([0.3, 0.6, 0.9], True)
    """
    q_values = check_array("q_values", q_values, ndim=1, dtype=float)
    if q_values.size == 0:
        raise ValueError("q_values must not be empty")
    for q in q_values:
        _checks(inst, q, beta, n_equil, n_measure)
    rng = as_generator(seed)
    ST = signed_patterns_transposed(inst)
    sigma = (2 * rng.integers(0, 2, size=inst.N) - 1).astype(np.int8)
    out = []
    for q in q_values:
        r = _run(inst, ST, sigma.copy(), float(q), float(beta), n_equil, n_measure, rng)
        sigma = r.sigma
        out.append(r)
    return out
