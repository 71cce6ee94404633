"""Planted RBMs with binary receptive fields and data by block Gibbs sampling.

[huang2020, Eq. 1] and the "Results" paragraph of [huang2020]:
``P(sigma | xi) ∝ prod_mu cosh(beta xi^mu . sigma / sqrt(N))`` with the ±1
hidden units marginalised out, binary fields ``xi^mu in {±1}^N`` with a
prescribed pairwise overlap ``c`` (``c = 0``: exactly orthogonal).

Fields (``planted_fields``): sites are split at random into a common block of
``c N`` sites where every field equals a random sign ``eta_i``, and ``2^k >= P``
equal blocks on which field ``mu`` is ``eta_i`` times entry ``(mu, block)`` of
a Sylvester-Hadamard matrix; rows of a Hadamard matrix are orthogonal, so
``xi^mu . xi^nu / N = c`` exactly for every pair (``N (1 - c)`` must be an
integer multiple of ``2^k``).

Sampling (``sample_planted_rbm``): the joint ``P(sigma, h) ∝ exp(beta sum_mu h_mu X_mu)``
is sampled by alternating ``h | sigma`` and ``sigma | h``; one sweep updates
both layers. The interval between kept samples is chosen from the integrated
autocorrelation time of the observables ``X_mu`` and ``X_mu^2`` measured on a
pilot run, and the autocorrelation of the kept samples is reported.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.boltzmann import SpinLayer, gibbs_sweep
from simulate.core import SeedLike, as_generator, seed_numba
from theory.core import Record, check_array, check_int, check_real

__all__ = ["planted_fields", "sample_planted_rbm", "PlantedData", "planted_data", "integrated_autocorrelation",
           "planted_exact_distribution"]


def _hadamard(k: int) -> np.ndarray:
    Hm = np.ones((1, 1), dtype=np.int8)
    for _ in range(k):
        Hm = np.block([[Hm, Hm], [Hm, -Hm]])
    return Hm


def planted_fields(N: int, P: int, c: float = 0.0, seed: SeedLike = 0) -> np.ndarray:
    """``P`` binary receptive fields (N, P) int8 with ``xi^mu . xi^nu / N = c`` exactly for ``mu != nu``.

    Raises ``ValueError`` if ``c N`` is not an integer or ``N (1 - c)`` is not
    divisible by the Hadamard order ``2^ceil(log2 P)``.

    Examples
    --------
    The overlap matrix is exactly ``1`` on the diagonal and ``c`` off it:

    >>> xi = planted_fields(8, 3, c=0.5, seed=0)
    >>> xi.shape, (xi.T.astype(int) @ xi / 8).tolist()
    ((8, 3), [[1.0, 0.5, 0.5], [0.5, 1.0, 0.5], [0.5, 0.5, 1.0]])
    """
    N = check_int("N", N, ge=1)
    P = check_int("P", P, ge=1)
    c = check_real("c", c, ge=0, le=1)
    rng = as_generator(seed)
    nc = round(c * N)
    if abs(nc - c * N) > 1e-9:
        raise ValueError(f"c * N must be an integer for an exact overlap c (got c = {c}, N = {N})")
    k = max(0, math.ceil(math.log2(P))) if P > 1 else 0
    order = 2 ** k
    rest = N - nc
    if rest % order:
        raise ValueError(f"N (1 - c) = {rest} must be a multiple of {order} for P = {P} exactly orthogonal blocks "
                         f"(got N = {N}, c = {c})")
    Hm = _hadamard(k)[:P]  # (P, order)
    block = np.concatenate([np.full(nc, -1), np.repeat(np.arange(order), rest // order)])
    block = block[rng.permutation(N)]
    eta = rng.choice(np.array([-1, 1], dtype=np.int8), size=N)
    xi = np.empty((N, P), dtype=np.int8)
    for mu in range(P):
        s = np.where(block < 0, 1, Hm[mu][np.maximum(block, 0)])
        xi[:, mu] = (eta * s).astype(np.int8)
    return xi


@numba.njit(cache=True)
def _planted_chain_kernel(W, Wt, scale, spin, beta, sigma, h, sweeps, every, out, obs):
    """Block-Gibbs sweeps (:func:`simulate.boltzmann.gibbs.gibbs_sweep`, spin layers) from ``sigma`` (in
    place); keeps every ``every``-th state in ``out``; ``obs[t, mu] = X_mu`` after sweep ``t``."""
    N, P = W.shape
    kept = 0
    for t in range(sweeps):
        gibbs_sweep(W, Wt, scale, spin[0], spin[1], spin[2], spin[0], spin[3], spin[4], beta, sigma, h)
        for mu in range(P):
            X = 0.0
            for i in range(N):
                X += Wt[mu, i] * sigma[i]
            obs[t, mu] = X * scale
        if every > 0 and (t + 1) % every == 0 and kept < out.shape[0]:
            for i in range(N):
                out[kept, i] = sigma[i]
            kept += 1
    return kept


def integrated_autocorrelation(x: np.ndarray, window_c: float = 6.0) -> float:
    """Integrated autocorrelation time ``tau = 1/2 + sum_{t>=1} rho(t)`` of a series (Sokal's window ``t <= c tau``).

    ``tau = 1/2`` for independent samples (the convention where the variance
    of the mean is ``2 tau var / n``).

    Examples
    --------
    ``tau = 1/2`` for a constant series and, within the noise, for independent samples:

    >>> import numpy as np
    >>> integrated_autocorrelation(np.ones(10))
    0.5
    >>> abs(integrated_autocorrelation(np.random.default_rng(0).standard_normal(10000)) - 0.5) < 0.05
    True
    """
    x = np.asarray(x, dtype=float)
    x = x - x.mean()
    n = x.size
    var = x.var()
    if n < 4 or var == 0:
        return 0.5
    f = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(f * np.conj(f))[:n] / (var * np.arange(n, 0, -1))
    tau = 0.5
    for t in range(1, n):
        tau += acf[t]
        if t >= window_c * tau:
            break
    return float(max(tau, 0.5))


def _lag_corr(x: np.ndarray, lag: int = 1) -> float:
    x = np.asarray(x, dtype=float) - np.mean(x)
    if x.size <= lag + 1 or x.var() == 0:
        return math.nan
    return float(np.mean(x[:-lag] * x[lag:]) / x.var())


@dataclass(frozen=True, kw_only=True)
class PlantedData(Record):
    """Samples of a planted RBM and the diagnostics of the sampler."""

    sigma: np.ndarray = field(repr=False)
    xi: np.ndarray = field(repr=False)
    N: int
    P: int
    M: int
    beta: float
    c: float
    interval: int
    burn_in: int
    tau_pilot: float
    kept_lag1_autocorr: float
    seed: int | None


def sample_planted_rbm(xi: npt.ArrayLike, M: int, beta: float = 1.0, *, seed: SeedLike = 0, interval: int | None = None,
                 burn_in: int | None = None, pilot: int = 2000, safety: float = 3.0) -> tuple[np.ndarray, dict]:
    """``M`` samples (M, N) int8 of ``P(sigma) ∝ prod_mu cosh(beta X_mu)`` by block Gibbs sampling [huang2020, Eq. 1].

    If ``interval`` is None it is set to ``ceil(safety * 2 tau)`` sweeps with
    ``tau`` the largest integrated autocorrelation time of ``X_mu``, ``X_mu^2``
    (``mu = 1..P``) on a pilot run of ``pilot`` sweeps (for an exponential
    decay the correlation at that lag is ``exp(-2 safety)`` ~ 0.0025);
    ``burn_in`` defaults to ``10 interval``. Returns the samples and the
    diagnostics (``interval``, ``burn_in``, ``tau_pilot``, the lag-1
    autocorrelation of ``X_mu^2`` of the kept samples).

    Examples
    --------
    >>> import numpy as np
    >>> xi = planted_fields(8, 2, seed=0)
    >>> s, diag = sample_planted_rbm(xi, 3, seed=0, interval=2, burn_in=0)
    >>> s.shape, bool(np.all(np.abs(s) == 1)), diag["interval"], diag["burn_in"]
    ((3, 8), True, 2, 0)
    """
    xi = check_array("xi", xi, ndim=2)
    if not np.all(np.abs(xi) == 1):
        raise ValueError("xi must contain only ±1")
    N, P = xi.shape
    M = check_int("M", M, ge=1)
    beta = check_real("beta", beta, gt=0)
    pilot = check_int("pilot", pilot, ge=10)
    rng = as_generator(seed)
    seed_numba(rng)
    xf = np.ascontiguousarray(xi, dtype=np.float64)
    sigma = rng.choice(np.array([-1, 1], dtype=np.int8), size=N).astype(np.float64)
    # the planted model [huang2020, Eq. 1] as an RBM with spin layers and zero fields, scale 1/sqrt(N)
    visible, hidden = SpinLayer(N), SpinLayer(P)
    spin = (visible.kind, visible.theta, visible.params()[2], hidden.theta, hidden.params()[2])
    h = np.zeros(P)

    def run(sweeps, every, out, obs):
        return _planted_chain_kernel(xf, np.ascontiguousarray(xf.T), 1.0 / math.sqrt(N), spin, beta, sigma, h,
                                     sweeps, every, out, obs)

    tau = math.nan
    if interval is None:
        obs = np.empty((pilot, P))
        run(pilot, 0, np.empty((0, N), dtype=np.int8), obs)
        half = obs[pilot // 5:]
        tau = max(max(integrated_autocorrelation(half[:, mu]), integrated_autocorrelation(half[:, mu] ** 2))
                  for mu in range(P))
        interval = int(math.ceil(safety * 2.0 * tau))
    interval = check_int("interval", interval, ge=1)
    burn_in = 10 * interval if burn_in is None else check_int("burn_in", burn_in, ge=0)
    if burn_in:
        run(burn_in, 0, np.empty((0, N), dtype=np.int8), np.empty((burn_in, P)))
    out = np.empty((M, N), dtype=np.int8)
    total = M * interval
    kept = run(total, interval, out, np.empty((total, P)))
    assert kept == M
    X = out.astype(float) @ xf / math.sqrt(N)
    ac = float(np.nanmax([_lag_corr(X[:, mu] ** 2) for mu in range(P)])) if M > 3 else math.nan
    return out, {"interval": interval, "burn_in": burn_in, "tau_pilot": tau, "kept_lag1_autocorr": ac}


def planted_data(N: int, P: int, alpha: float, beta: float = 1.0, c: float = 0.0, seed: SeedLike = 0,
                 interval: int | None = None) -> PlantedData:
    """Planted fields (``planted_fields``) and ``M = round(alpha N)`` Gibbs samples (``sample_planted_rbm``).

    Examples
    --------
    >>> d = planted_data(8, 2, 0.5, seed=0, interval=1)
    >>> d.M, d.sigma.shape, d.xi.shape, int(d.xi[:, 0] @ d.xi[:, 1])     # M = alpha N; orthogonal fields
    (4, (4, 8), (8, 2), 0)
    """
    alpha = check_real("alpha", alpha, gt=0)
    rng = as_generator(seed)
    xi = planted_fields(N, P, c, rng)
    M = max(1, int(round(alpha * N)))
    sig, d = sample_planted_rbm(xi, M, beta, seed=rng, interval=interval)
    return PlantedData(sigma=sig, xi=xi, N=N, P=P, M=M, beta=float(beta), c=float(c), **d,
                       seed=seed if isinstance(seed, (int, np.integer)) else None)


def planted_exact_distribution(xi: npt.ArrayLike, beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """All ``2^N`` states (rows) and their probabilities under [huang2020, Eq. 1] (N <= 20), for tests.

    Examples
    --------
    The probabilities sum to 1 and are symmetric under ``sigma -> -sigma`` (the reversed state order):

    >>> import numpy as np
    >>> S, p = planted_exact_distribution(planted_fields(8, 3, c=0.5, seed=0))
    >>> S.shape, round(float(p.sum()), 6), bool(np.allclose(p, p[::-1]))
    ((256, 8), 1.0, True)
    """
    xi = np.asarray(xi, dtype=float)
    N = xi.shape[0]
    if N > 20:
        raise ValueError(f"N must be <= 20 for enumeration (got {N})")
    idx = np.arange(2 ** N)
    sig = 1.0 - 2.0 * ((idx[:, None] >> np.arange(N)[None, :]) & 1)
    from theory.core import logcosh

    lw = logcosh(beta * sig @ xi / math.sqrt(N)).sum(axis=1)
    w = np.exp(lw - lw.max())
    return sig, w / w.sum()
