"""Average energy around a configuration, Ê(W, d), and generalization in the teacher-student scenario.

Source: [baldassi2018, SM Sec. VII], [baldassi2018, SM Eq. 45-46]:

    Ê(W, d) = E_{W'|W,d} (1/M) sum_mu Theta(-y^mu sum_i W'_i x_i^mu),

where ``E_{W'|W,d}`` is the uniform average over the configurations ``W'`` at
overlap ``sum_i W_i W'_i = N (1 - 2d)`` with ``W``, i.e. at Hamming distance
``dN``. ([baldassi2018, SM Eq. 46] as printed uses the Kronecker delta of ``N(1-2d) - W.W'``: for
it to be satisfiable ``dN`` must be an integer; we use ``k = round(d N)``
flips, and report the ``d = k/N`` actually used.) It is estimated by Monte
Carlo exactly as in the paper: draw ``k`` distinct sites uniformly, flip
them, count errors; ``n_samples`` draws (paper: 10^3). With the stabilities
``Delta^mu`` of ``W`` precomputed, a draw costs ``k M`` integer operations:
``Delta'^mu = Delta^mu - 2 sum_{i in flips} W_i s_i^mu``.

The generalization accuracy of a binary student in the teacher-student
scenario is the exact large-N expression ``1 - arccos(rho)/pi``,
``rho = W . W^T / N`` (:func:`simulate.perceptron.instances.generalization_accuracy`),
or a hold-out estimate (:func:`simulate.perceptron.instances.holdout_accuracy`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator, seed_numba
from simulate.perceptron.instances import (
    PerceptronInstance,
    check_binary,
)
from simulate.perceptron.sa import signed_patterns_transposed, signed_stabilities
from theory.core import Record, check_array, check_int, check_real

__all__ = ["EnergyAround", "average_energy_around", "average_energy_profile"]


@dataclass(frozen=True, kw_only=True)
class EnergyAround(Record):
    """Ê(W, d) on a grid of distances [baldassi2018, SM Eq. 45-46].

    Attributes
    ----------
    d : float array
        Distances actually used, ``k/N`` with ``k = round(d N)``.
    flips : int array
        ``k`` for each distance.
    energy : float array
        Monte Carlo estimate of Ê(W, d) (mean training error of ``W'``).
    energy_se : float array
        Its standard error (sample std / sqrt(n_samples); 0 at ``k = 0``,
        where the estimate is exact).
    n_samples : int
        Draws per distance.
    """

    N: int
    M: int
    n_samples: int
    d: np.ndarray
    flips: np.ndarray
    energy: np.ndarray
    energy_se: np.ndarray


@numba.njit(cache=True)
def _energy_samples(ST, W, Delta, k, n_samples, out):
    """``out[s]`` = errors of ``W`` with ``k`` distinct random sites flipped (partial Fisher-Yates)."""
    N, M = ST.shape
    perm = np.arange(N)
    D = np.empty(M, dtype=np.int64)
    for s in range(n_samples):
        for mu in range(M):
            D[mu] = Delta[mu]
        for j in range(k):
            r = j + np.random.randint(0, N - j)  # noqa: NPY002 (numba stream, seeded by seed_numba)
            tmp = perm[j]
            perm[j] = perm[r]
            perm[r] = tmp
            i = perm[j]
            w2 = -2 * W[i]
            for mu in range(M):
                D[mu] += w2 * ST[i, mu]
        nerr = 0
        for mu in range(M):
            if D[mu] < 0:
                nerr += 1
        out[s] = nerr


def average_energy_profile(W: npt.ArrayLike, inst: PerceptronInstance, d: npt.ArrayLike, seed: SeedLike,
                           n_samples: int = 1000) -> EnergyAround:
    """Ê(W, d) of [baldassi2018, SM Eq. 45-46] for every ``d`` in a grid, by Monte Carlo over random flips.

    Parameters
    ----------
    W : array of +-1, shape (N,)
        Reference configuration.
    inst : PerceptronInstance
        Training set.
    d : float or 1-d array
        Distances in ``[0, 1]`` (fraction of flipped weights).
    seed : int or numpy.random.Generator
        Randomness of the flips.
    n_samples : int
        Monte Carlo draws per distance (paper: 1000).

    Examples
    --------
    At ``d = 0`` the estimate is exact (``W`` itself, a solution here); ``k = round(d N)``:

    >>> from simulate.perceptron.instances import generate_instance
    >>> from simulate.perceptron.sa import simulated_annealing
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> W = simulated_annealing(inst, seed=0).W
    >>> e = average_energy_profile(W, inst, [0.0, 0.5], seed=0, n_samples=50)
    >>> e.flips.tolist(), float(e.energy[0]), float(e.energy_se[0]), bool(0.0 < e.energy[1] < 1.0)
    ([0, 26], 0.0, 0.0, True)
    """
    if not isinstance(inst, PerceptronInstance):
        raise ValueError(f"inst must be a simulate.perceptron.instances.PerceptronInstance (got {type(inst).__name__})")
    W = check_binary("W", W, inst.N)
    d = np.atleast_1d(check_array("d", d, dtype=float))
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"d must be a number or a non-empty 1-d array (got shape {d.shape})")
    for x in d:
        check_real("d", float(x), ge=0, le=1)
    n_samples = check_int("n_samples", n_samples, ge=1)
    rng = as_generator(seed)
    N, M = inst.N, inst.M
    ST = signed_patterns_transposed(inst)
    Delta = signed_stabilities(ST, W)
    flips = np.rint(d * N).astype(np.int64)
    E = np.empty(d.size)
    se = np.empty(d.size)
    out = np.empty(n_samples, dtype=np.int64)
    for j, k in enumerate(flips):
        seed_numba(rng)
        _energy_samples(ST, W, Delta, int(k), n_samples, out)
        # integer sums: the mean is a correctly rounded rational, the variance exactly 0 when all agree
        s1 = int(out.sum())
        s2 = int((out.astype(np.int64) ** 2).sum())
        E[j] = s1 / (n_samples * M)
        if n_samples > 1:
            var_num = n_samples * s2 - s1 * s1  # n(n-1) * sample variance of the counts
            se[j] = math.sqrt(var_num / (n_samples * (n_samples - 1))) / M / math.sqrt(n_samples)
        else:
            se[j] = math.nan
    return EnergyAround(N=N, M=M, n_samples=n_samples, d=flips / N, flips=flips, energy=E, energy_se=se)


def average_energy_around(W: npt.ArrayLike, inst: PerceptronInstance, d: float, seed: SeedLike,
                          n_samples: int = 1000) -> tuple[float, float]:
    """Ê(W, d) at one distance: ``(estimate, standard error)`` [baldassi2018, SM Eq. 45-46].

    Examples
    --------
    Flipping every weight (``d = 1``) gives ``-W``, which violates every pattern a solution satisfies:

    >>> from simulate.perceptron.instances import generate_instance
    >>> from simulate.perceptron.sa import simulated_annealing
    >>> inst = generate_instance(51, 0.3, seed=0)
    >>> W = simulated_annealing(inst, seed=0).W
    >>> [average_energy_around(W, inst, d, seed=0, n_samples=10) for d in (0.0, 1.0)]
    [(0.0, 0.0), (1.0, 0.0)]
    """
    r = average_energy_profile(W, inst, [d], seed, n_samples)
    return float(r.energy[0]), float(r.energy_se[0])
