"""Variational mean-field learning of RBMs with binary synapses.

Seed 000 (Huang, "Variational mean-field theory for training RBMs with binary
synapses"): main text Eq. (4)-(8), Supplementary Appendix B Eq. (S1)-(S6).
Derivations, and where they differ from the printed text: ``docs/variational_rbm.md``.

Variational distribution ``q_lambda(xi) = prod_{i mu} (1 + lambda_{i mu} xi_i^mu)/2``,
prior with means ``m_{i mu}``. With Monte Carlo draws ``z^s_mu`` (``B1`` for the
data term, ``B2`` for the partition function) the approximate lower bound is
(Eq. 5-7)::

    LB = -KL(q || prior)
         + (1/B1) sum_{a, mu, s} ln cosh(beta G^a_mu + beta Xi_mu z^s_mu)
         - (M/B2) sum_s ln Z_eq^s,

``G^a_mu = lambda_mu . sigma^a / sqrt(N)``, ``Xi_mu^2 = sum_i (1 - lambda_{i mu}^2)/N``,
and ``ln Z_eq^s`` is the Bethe log-partition function of the equivalent RBM
(``simulate.rbm_message_passing``). The gradient (Eq. 8 / S6) is
``Delta = Delta^Reg + Delta^D - Delta^Eq``.

``estimator`` selects how the ``z``-dependence through ``Xi_mu`` is handled in
``Delta^D``: ``"paper"`` uses the printed Stein form
``-beta^2 lambda/(N B1) sum (1 - tanh^2)`` (equal in expectation), and
``"reparam"`` the exact derivative of the fixed-sample estimate
``-beta lambda/(N Xi B1) sum z tanh``; only the latter matches finite
differences of the LB estimate with the samples held fixed (tested).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

import numba
import numpy as np

from simulate.rbm_message_passing import HERMITE_ORDER, bp_kernel, bp_observables
from simulate.rng import SeedLike, as_generator
from theory.core.params import check_array, check_choice, check_int, check_real
from theory.core.quadrature import normal_rule
from theory.core.results import Record
from theory.core.solver import ComputationError
from theory.core.special import logcosh

__all__ = ["kl_divergence", "draw_z", "Estimate", "lb_and_gradient", "overlaps", "TrainResult", "train"]


def kl_divergence(lam: np.ndarray, m: np.ndarray | float = 0.0) -> float:
    """``KL(q_lambda || P)`` of two factorised binary distributions (seed 000, Eq. 6).

    ``sum_{x=±1} sum_{i mu} z ln(z / y)`` with ``z = (1 + lambda x)/2``,
    ``y = (1 + m x)/2`` and ``0 ln 0 = 0``. Infinite if ``q`` puts mass where
    the prior has none.
    """
    lam = np.asarray(lam, dtype=float)
    m = np.broadcast_to(np.asarray(m, dtype=float), lam.shape)
    total = 0.0
    for x in (1.0, -1.0):
        zz = 0.5 * (1.0 + lam * x)
        yy = 0.5 * (1.0 + m * x)
        pos = zz > 0
        with np.errstate(divide="ignore"):
            total += float(np.sum(zz[pos] * (np.log(zz[pos]) - np.log(yy[pos]))))
    return total


def _reg_gradient(lam: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``Delta^Reg = sum_x (x/2)(ln((1 + x m)/(1 + x lambda)) - 1) = atanh(m) - atanh(lambda)`` (Eq. S1)."""
    return np.arctanh(m) - np.arctanh(lam)


def draw_z(rng: np.random.Generator, B: int, P: int, antithetic: bool) -> np.ndarray:
    """``B`` standard normal draws per hidden unit; with ``antithetic`` the second half is ``-`` the first."""
    if antithetic:
        h = rng.standard_normal(((B + 1) // 2, P))
        return np.concatenate([h, -h])[:B]
    return rng.standard_normal((B, P))


@numba.njit(cache=True)
def _data_kernel(G, Xi, z1, beta, T, S_sech, S_zt):
    """Sums over data ``a`` and draws ``s`` of the data term (Eq. 7 and S2).

    Fills ``T[a, mu] = sum_s tanh(beta G^a_mu + beta Xi_mu z^s_mu)``,
    ``S_sech[mu] = sum_{a,s} (1 - tanh^2)``, ``S_zt[mu] = sum_{a,s} z tanh``;
    returns ``sum_{a, mu, s} ln cosh(.)``.
    """
    M, P = G.shape
    B1 = z1.shape[0]
    L = 0.0
    for mu in range(P):
        S_sech[mu] = 0.0
        S_zt[mu] = 0.0
    for a in range(M):
        for mu in range(P):
            g = beta * G[a, mu]
            bx = beta * Xi[mu]
            acc = 0.0
            acc_s = 0.0
            acc_z = 0.0
            for s in range(B1):
                x = g + bx * z1[s, mu]
                t = math.tanh(x)
                acc += t
                acc_s += 1.0 - t * t
                acc_z += z1[s, mu] * t
                L += logcosh(x)
            T[a, mu] = acc
            S_sech[mu] += acc_s
            S_zt[mu] += acc_z
    return L


@numba.njit(cache=True)
def _data_kernel_pairs(G, Xi, zh, beta, T, S_sech, S_zt):
    """Same sums as ``_data_kernel`` for antithetic draws ``(z, -z)``, ``zh`` = the first half.

    With ``x± = g ± b z``, ``c = cosh 2g``, ``d = cosh 2bz`` and ``D = cosh x+ cosh x- = (c + d)/2``:
    ``tanh x+ + tanh x- = sinh 2g / D``, ``sech^2 x+ + sech^2 x- = (1 + c d) / D^2``,
    ``z (tanh x+ - tanh x-) = z sinh 2bz / D``, ``ln cosh x+ + ln cosh x- = ln D``;
    the transcendental functions of ``g`` and of ``bz`` are evaluated once per
    ``(a, mu)`` and once per ``(mu, s)``, and only one ``log`` per pair remains.
    Falls back to the direct formulas where ``cosh`` could overflow (``2|x| > 600``).
    """
    M, P = G.shape
    H2 = zh.shape[0]
    C2 = np.empty((H2, P))
    S2 = np.empty((H2, P))
    big = np.zeros(P, dtype=np.bool_)
    for mu in range(P):
        S_sech[mu] = 0.0
        S_zt[mu] = 0.0
        for s in range(H2):
            y = 2.0 * beta * Xi[mu] * zh[s, mu]
            if abs(y) > 600.0:
                big[mu] = True
            C2[s, mu] = math.cosh(y)
            S2[s, mu] = math.sinh(y)
    L = 0.0
    for a in range(M):
        for mu in range(P):
            g = beta * G[a, mu]
            if big[mu] or abs(2.0 * g) > 600.0:
                bx = beta * Xi[mu]
                acc = 0.0
                for s in range(H2):
                    for sgn in (1.0, -1.0):
                        z = sgn * zh[s, mu]
                        t = math.tanh(g + bx * z)
                        acc += t
                        S_sech[mu] += 1.0 - t * t
                        S_zt[mu] += z * t
                        L += logcosh(g + bx * z)
                T[a, mu] = acc
                continue
            c = math.cosh(2.0 * g)
            sh = math.sinh(2.0 * g)
            acc = 0.0
            acc_s = 0.0
            acc_z = 0.0
            for s in range(H2):
                D = 0.5 * (c + C2[s, mu])
                iD = 1.0 / D
                acc += sh * iD
                acc_s += (1.0 + c * C2[s, mu]) * iD * iD
                acc_z += zh[s, mu] * S2[s, mu] * iD
                L += math.log(D)
            T[a, mu] = acc
            S_sech[mu] += acc_s
            S_zt[mu] += acc_z
    return L


def _is_antithetic(z: np.ndarray) -> bool:
    B = z.shape[0]
    return B % 2 == 0 and B > 0 and np.array_equal(z[B // 2:], -z[:B // 2])


@numba.njit(cache=True)
def _model_kernel(lam, Xi, z2, beta, tol, max_iter, damping, zq, wq, Csum, Zm):
    """Message passing for every draw ``s`` (Supp. A, Eq. S3-S4; Supp. B, Eq. S4).

    Accumulates ``Csum[i, mu] = sum_s C^s_{i mu}`` and ``Zm[mu] = sum_s z^s_mu mhat^s_mu``.
    Returns ``(sum_s ln Z^s, number of non-converged draws, max residual, max sweeps)``.
    """
    N, P = lam.shape
    B2 = z2.shape[0]
    sq = math.sqrt(N)
    tw = np.empty((N, P))
    for i in range(N):
        for mu in range(P):
            tw[i, mu] = math.tanh(beta * lam[i, mu] / sq)
    mcav = np.zeros((N, P))
    u = np.zeros((N, P))
    m = np.zeros(N)
    mhat = np.zeros(P)
    A = np.zeros(P)
    C = np.zeros((N, P))
    H = np.zeros(P)
    for i in range(N):
        for mu in range(P):
            Csum[i, mu] = 0.0
    for mu in range(P):
        Zm[mu] = 0.0
    lnZ = 0.0
    bad = 0
    worst = 0.0
    most = 0
    for s in range(B2):
        for mu in range(P):
            H[mu] = Xi[mu] * z2[s, mu]
        mcav[:, :] = 0.0
        it, err = bp_kernel(lam, tw, H, beta, tol, max_iter, damping, mcav, u)
        if not err < tol:
            bad += 1
        if err > worst:
            worst = err
        if it > most:
            most = it
        lz, _ = bp_observables(lam, H, beta, mcav, u, zq, wq, False, m, mhat, A, C, True, False)
        lnZ += lz
        for i in range(N):
            for mu in range(P):
                Csum[i, mu] += C[i, mu]
        for mu in range(P):
            Zm[mu] += z2[s, mu] * mhat[mu]
    return lnZ, bad, worst, most


@dataclass(frozen=True)
class Estimate(Record):
    """LB (Eq. 5-7) at ``lambda`` and its gradient (Eq. 8 / S6), with the BP diagnostics."""

    LB: float
    KL: float
    data_term: float
    logZ_mean: float
    grad: np.ndarray = field(repr=False)
    grad_reg: np.ndarray = field(repr=False)
    grad_data: np.ndarray = field(repr=False)
    grad_eq: np.ndarray = field(repr=False)
    bp_failures: int
    bp_residual: float
    bp_sweeps: int


def _xi(lam: np.ndarray) -> np.ndarray:
    N = lam.shape[0]
    return np.sqrt(np.maximum(np.sum(1.0 - lam * lam, axis=0) / N, 0.0))


def lb_and_gradient(sigma: np.ndarray, lam: np.ndarray, z1: np.ndarray, z2: np.ndarray, *, beta: float = 1.0,
                    m: np.ndarray | float = 0.0, estimator: str = "paper", bp_tol: float = 1e-8,
                    bp_max_iter: int = 200, damping: float = 0.0) -> Estimate:
    """Monte Carlo estimate of the lower bound and its gradient at fixed draws ``z1`` (B1, P), ``z2`` (B2, P).

    Parameters
    ----------
    sigma
        Data, shape (M, N), entries ±1 (int8 is fine).
    lam
        Variational means, shape (N, P), ``|lambda| < 1`` (``Xi_mu > 0`` needed).
    z1, z2
        Standard normal draws for the data term and the partition function.
    beta
        Inverse temperature.
    m
        Prior means (scalar or (N, P)), ``|m| < 1``.
    estimator
        ``"paper"`` (Stein form of Eq. S2) or ``"reparam"`` (exact derivative of the estimate).

    Returns
    -------
    Estimate
        ``grad = grad_reg + grad_data - grad_eq`` (Eq. 8).
    """
    sigma = np.asarray(sigma)
    M, N = sigma.shape
    P = lam.shape[1]
    m = np.broadcast_to(np.asarray(m, dtype=float), lam.shape)
    sq = math.sqrt(N)
    Xi = _xi(lam)
    if np.any(Xi <= 0):
        raise ValueError(f"lam must not have a column with all |lambda| = 1 (Xi_mu = 0 for mu = {np.flatnonzero(Xi <= 0)})")
    sig = sigma.astype(np.float64)
    G = sig @ lam / sq
    B1, B2 = z1.shape[0], z2.shape[0]
    T = np.empty((M, P))
    S_sech = np.empty(P)
    S_zt = np.empty(P)
    L = _data_sums(G, Xi, z1, beta, T, S_sech, S_zt)
    g_data = beta / (B1 * sq) * (sig.T @ T)
    if estimator == "paper":
        g_data -= beta * beta * lam * (S_sech / (N * B1))[None, :]
    else:
        g_data -= beta * lam * (S_zt / (N * B1 * Xi))[None, :]
    rule = normal_rule(HERMITE_ORDER, "hermite")
    Csum = np.empty((N, P))
    Zm = np.empty(P)
    lnZ, bad, worst, most = _model_kernel(np.ascontiguousarray(lam), Xi, np.ascontiguousarray(z2), beta, bp_tol,
                                          bp_max_iter, damping, np.asarray(rule.nodes), np.asarray(rule.weights),
                                          Csum, Zm)
    g_eq = M * beta / (sq * B2) * (Csum - lam * (Zm / (sq * Xi))[None, :])
    g_reg = _reg_gradient(lam, m)
    KL = kl_divergence(lam, m)
    data_term = L / B1
    LB = -KL + data_term - M * lnZ / B2
    return Estimate(float(LB), float(KL), float(data_term), float(lnZ / B2), g_reg + g_data - g_eq, g_reg, g_data,
                    g_eq, int(bad), float(worst), int(most))


def _data_sums(G, Xi, z1, beta, T, S_sech, S_zt) -> float:
    """Dispatch to the antithetic-pair kernel when ``z1 = (h, -h)``, else the direct one."""
    if _is_antithetic(z1):
        return _data_kernel_pairs(G, Xi, np.ascontiguousarray(z1[:z1.shape[0] // 2]), beta, T, S_sech, S_zt)
    return _data_kernel(G, Xi, np.ascontiguousarray(z1), beta, T, S_sech, S_zt)


def _data_term(sig: np.ndarray, lam: np.ndarray, z1: np.ndarray, beta: float) -> float:
    """``(1/B1) sum_{a, mu, s} ln cosh(beta G^a_mu + beta Xi_mu z^s_mu)`` (Eq. 7, first term)."""
    M, P = sig.shape[0], lam.shape[1]
    G = sig @ lam / math.sqrt(lam.shape[0])
    L = _data_sums(G, _xi(lam), z1, beta, np.empty((M, P)), np.empty(P), np.empty(P))
    return L / z1.shape[0]


def overlaps(lam: np.ndarray, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlaps ``Q^mu = sign(lambda_mu) . xi^mu / N`` (seed 000, main text after Eq. 8).

    Returns ``(Q_identity (P,), Q_best (P,), perm)``: the signed overlaps with
    the planted fields in the given order, and the absolute overlaps after the
    best permutation (and sign) of hidden units, ``perm[mu]`` being the planted
    field matched to learned unit ``mu`` (Hungarian algorithm on ``|Q|``).
    """
    from scipy.optimize import linear_sum_assignment

    N = lam.shape[0]
    Q = np.sign(lam).T @ np.asarray(xi, dtype=float) / N  # (P_learned, P_planted)
    rows, cols = linear_sum_assignment(-np.abs(Q))
    perm = np.full(lam.shape[1], -1)
    perm[rows] = cols
    best = np.abs(Q[rows, cols])
    k = min(Q.shape)
    return np.diag(Q)[:k].copy(), best, perm


@dataclass(frozen=True)
class TrainResult(Record):
    """Trajectory of variational learning (per step: KL, LB, overlaps) and the final ``lambda``.

    ``KL[t]``, ``LB[t]`` are evaluated at ``lambda_t`` (before update ``t+1``),
    ``Q_identity[t]``, ``Q_best[t]`` at ``lambda_{t+1}`` (after the update), so
    that ``Q_best[-1]`` is the overlap after ``steps`` updates.
    """

    N: int
    P: int
    M: int
    beta: float
    steps: int
    eta: float
    B1: int
    B2: int
    seed: int | None
    KL: np.ndarray = field(repr=False)
    LB: np.ndarray = field(repr=False)
    Q_identity: np.ndarray = field(repr=False)
    Q_best: np.ndarray = field(repr=False)
    lam: np.ndarray = field(repr=False)
    LB_test: np.ndarray = field(repr=False)
    final_overlap: float
    final_overlap_identity: float
    final_KL: float
    final_LB: float
    bp_failures: int
    converged: bool
    wall_time: float
    message: str = ""

    def summary(self) -> dict:
        """Scalars only (for tables and the sweep store)."""
        return {k: v for k, v in self.to_dict().items() if not isinstance(v, np.ndarray)}


def train(sigma, P: int, *, beta: float = 1.0, steps: int = 200, eta: float = 0.01, B1: int = 100, B2: int = 100,
          seed: SeedLike = 0, m: np.ndarray | float = 0.0, init_scale: float = 0.01, clip: float = 1e-3,
          estimator: str = "paper", antithetic: bool = True, common: bool = True, xi=None, bp_tol: float = 1e-8,
          bp_max_iter: int = 200, damping: float = 0.0, lam0=None, sigma_test=None,
          callback: Callable[[int, np.ndarray, Estimate], None] | None = None) -> TrainResult:
    """Variational learning by gradient ascent on the approximate lower bound (seed 000, Eq. 8 / S6).

    Each step draws fresh ``z`` (``B1`` and ``B2`` per hidden unit), runs the
    E-step (message passing for every ``B2`` draw), and updates
    ``lambda <- clip(lambda + eta Delta, -(1 - clip), 1 - clip)``. The decoded
    weights are ``sign(lambda)``.

    Parameters
    ----------
    sigma
        Data (M, N) of ±1.
    P
        Number of hidden units.
    beta, m
        Inverse temperature; prior means (default 0, uniform prior).
    steps, eta
        Number of updates, learning rate.
    B1, B2
        Monte Carlo draws for the data and partition-function terms.
    seed
        Seed or Generator (initial ``lambda`` and all draws).
    init_scale
        ``lambda_0`` uniform in ``[-init_scale, init_scale]`` (``lambda = 0`` is a
        stationary point, see the doc).
    clip
        ``|lambda| <= 1 - clip`` keeps ``atanh(lambda)`` (Eq. S1) and ``1/Xi`` finite.
    estimator
        ``"paper"`` or ``"reparam"`` (see the module docstring).
    antithetic
        Draw ``z`` in antithetic pairs ``(z, -z)`` (variance reduction).
    common
        Reuse the first ``B2`` data-term draws for the partition function
        (common random numbers, needs ``B2 <= B1``): the ``O(M/sqrt(B))``
        fluctuations of the two terms of Eq. (7) then cancel to leading order.
    xi
        Planted fields (N, P0) of ±1: overlaps tracked when given.
    sigma_test
        Held-out data (M', N): ``LB_test[t]`` is Eq. (5)-(7) on these data at
        ``lambda_t`` with the same draws (the ``ln Z`` term is data independent).

    Returns
    -------
    TrainResult
        ``converged`` is False (with a message) if any cavity iteration failed
        to reach ``bp_tol``. Raises :class:`ComputationError` on non-finite values.
    """
    sigma = check_array("sigma", sigma, ndim=2)
    if sigma.size == 0 or not np.all(np.abs(sigma) == 1):
        raise ValueError("sigma must be a non-empty (M, N) array of ±1")
    M, N = sigma.shape
    P = check_int("P", P, ge=1)
    beta = check_real("beta", beta, gt=0)
    steps = check_int("steps", steps, ge=0)
    eta = check_real("eta", eta, gt=0)
    B1 = check_int("B1", B1, ge=1)
    B2 = check_int("B2", B2, ge=1)
    init_scale = check_real("init_scale", init_scale, ge=0, le=1)
    clip = check_real("clip", clip, gt=0, lt=1)
    check_choice("estimator", estimator, {"paper", "reparam"})
    m_arr = np.broadcast_to(np.asarray(m, dtype=float), (N, P))
    if np.any(np.abs(m_arr) >= 1) or not np.all(np.isfinite(m_arr)):
        raise ValueError("m (prior means) must lie in (-1, 1)")
    if xi is not None:
        xi = check_array("xi", xi, ndim=2)
        if xi.shape[0] != N or not np.all(np.abs(xi) == 1):
            raise ValueError(f"xi must be an (N={N}, P0) array of ±1 (got shape {xi.shape})")
    rng = as_generator(seed)
    seed_rec = seed if isinstance(seed, (int, np.integer)) else None
    if lam0 is None:
        lam = rng.uniform(-init_scale, init_scale, size=(N, P))
    else:
        lam = check_array("lam0", lam0, shape=(N, P), dtype=float).copy()
        np.clip(lam, -(1 - clip), 1 - clip, out=lam)
    sig = np.ascontiguousarray(sigma, dtype=np.int8)
    if sigma_test is not None:
        sigma_test = check_array("sigma_test", sigma_test, ndim=2)
        if sigma_test.shape[1] != N or not np.all(np.abs(sigma_test) == 1):
            raise ValueError(f"sigma_test must be an (M', N={N}) array of ±1 (got shape {sigma_test.shape})")
        sig_test = sigma_test.astype(np.float64)
    LBt = np.full(steps, np.nan)
    t0 = time.perf_counter()
    KL = np.empty(steps)
    LB = np.empty(steps)
    P0 = xi.shape[1] if xi is not None else 0
    k = min(P, P0)
    Qi = np.full((steps, k), np.nan)
    Qb = np.full((steps, k), np.nan)
    fails = 0
    for t in range(steps):
        z1 = draw_z(rng, B1, P, antithetic)
        z2 = z1[:B2] if common and B2 <= B1 else draw_z(rng, B2, P, antithetic)
        est = lb_and_gradient(sig, lam, z1, z2, beta=beta, m=m_arr, estimator=estimator, bp_tol=bp_tol,
                              bp_max_iter=bp_max_iter, damping=damping)
        fails += est.bp_failures
        if not (math.isfinite(est.LB) and np.all(np.isfinite(est.grad))):
            raise ComputationError(f"non-finite lower bound or gradient at step {t} (LB = {est.LB})")
        KL[t] = est.KL
        LB[t] = est.LB
        if sigma_test is not None:
            LBt[t] = -est.KL + _data_term(sig_test, lam, z1, beta) - sig_test.shape[0] * est.logZ_mean
        lam = np.clip(lam + eta * est.grad, -(1 - clip), 1 - clip)
        if xi is not None:
            qi, qb, _ = overlaps(lam, xi)
            Qi[t] = qi
            Qb[t] = qb
        if callback is not None:
            callback(t, lam, est)
    fo = float(np.mean(Qb[-1])) if steps and xi is not None else math.nan
    fi = float(np.mean(np.abs(Qi[-1]))) if steps and xi is not None else math.nan
    conv = fails == 0
    msg = "" if conv else f"{fails} of {steps * B2} cavity iterations did not reach tol {bp_tol:g} in {bp_max_iter} sweeps"
    return TrainResult(N, P, M, beta, steps, eta, B1, B2, seed_rec, KL, LB, Qi, Qb, lam, LBt, fo, fi,
                       float(KL[-1]) if steps else math.nan, float(LB[-1]) if steps else math.nan,
                       int(fails), conv, time.perf_counter() - t0, msg)
