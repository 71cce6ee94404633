"""Variational mean-field learning of RBMs with binary synapses.

[huang2020, Eq. 4-8] and [huang2020, SM App. B Eq. S1-S6].
Derivations, and where they differ from the printed text: ``docs/variational_rbm.md``.

Variational distribution ``q_lambda(xi) = prod_{i mu} (1 + lambda_{i mu} xi_i^mu)/2``,
prior with means ``m_{i mu}``. With Monte Carlo draws ``z^s_mu`` (``B1`` for the
data term, ``B2`` for the partition function) the approximate lower bound is
[huang2020, Eq. 5-7]::

    LB = -KL(q || prior)
         + (1/B1) sum_{a, mu, s} ln cosh(beta G^a_mu + beta Xi_mu z^s_mu)
         - (M/B2) sum_s ln Z_eq^s,

``G^a_mu = lambda_mu . sigma^a / sqrt(N)``, ``Xi_mu^2 = sum_i (1 - lambda_{i mu}^2)/N``,
and ``ln Z_eq^s`` is the Bethe log-partition function of the equivalent RBM
(``simulate.variational_rbm.message_passing``). The gradient ([huang2020, Eq. 8] / [huang2020, SM Eq. S6]) is
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
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator
from simulate.variational_rbm._kernels import FASTMATH, cavity_sweeps, fast_path, softplus
from theory.core import ComputationError, Record, check_array, check_choice, check_int, check_real
from theory.core.special import atanh_small, log1p_small, logcosh, logcosh_small, tanh_series, tanh_small

__all__ = ["variational_kl", "draw_normal_fields", "LowerBoundEstimate", "lower_bound_and_gradient", "planted_overlaps",
           "VariationalTrainResult", "train_variational_rbm", "data_term_kernel", "data_term_kernel_pairs",
           "weight_spread"]


def variational_kl(lam: np.ndarray, m: np.ndarray | float = 0.0) -> float:
    """``KL(q_lambda || P)`` of two factorised binary distributions [huang2020, Eq. 6].

    ``sum_{x=±1} sum_{i mu} z ln(z / y)`` with ``z = (1 + lambda x)/2``,
    ``y = (1 + m x)/2`` and ``0 ln 0 = 0``. Infinite if ``q`` puts mass where
    the prior has none.

    Examples
    --------
    Zero when ``q`` equals the prior; ``ln 2`` per synapse for a deterministic ``q`` against the uniform prior:

    >>> import numpy as np
    >>> variational_kl(np.full((2, 2), 0.3), 0.3), round(variational_kl(np.ones((1, 1))), 6)
    (0.0, 0.693147)
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
    """``Delta^Reg = sum_x (x/2)(ln((1 + x m)/(1 + x lambda)) - 1) = atanh(m) - atanh(lambda)``.

    [huang2020, SM App. B Eq. S1].
    """
    return np.arctanh(m) - np.arctanh(lam)


def draw_normal_fields(rng: np.random.Generator, B: int, P: int, antithetic: bool) -> np.ndarray:
    """``B`` standard normal draws per hidden unit; with ``antithetic`` the second half is ``-`` the first.

    Examples
    --------
    >>> import numpy as np
    >>> z = draw_normal_fields(np.random.default_rng(0), 4, 2, antithetic=True)
    >>> z.shape, bool(np.array_equal(z[2:], -z[:2]))
    ((4, 2), True)
    """
    if antithetic:
        h = rng.standard_normal(((B + 1) // 2, P))
        return np.concatenate([h, -h])[:B]
    return rng.standard_normal((B, P))


@numba.njit(cache=True)
def data_term_kernel(G, Xi, z1, beta, T, S_sech, S_zt):
    """Sums over data ``a`` and draws ``s`` of the data term ([huang2020, Eq. 7] and [huang2020, SM App. B Eq. S2]).

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


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def data_term_kernel_pairs(G, Xi, zh, beta, T, S_sech, S_zt):
    """Same sums as ``data_term_kernel`` for antithetic draws ``(z, -z)``, ``zh`` = the first half.

    With ``x± = g ± b z``, ``c = cosh 2g``, ``d = cosh 2bz`` and ``D = cosh x+ cosh x- = (c + d)/2``:
    ``tanh x+ + tanh x- = sinh 2g / D``, ``sech^2 x+ + sech^2 x- = (1 + c d) / D^2``,
    ``z (tanh x+ - tanh x-) = z sinh 2bz / D``, ``ln cosh x+ + ln cosh x- = ln D``;
    the transcendental functions of ``g`` and of ``bz`` are evaluated once per
    ``(a, mu)`` and once per ``(mu, s)``. The logarithms are taken of products over blocks of draws,
    ``sum_s ln D_s = sum_blocks [ln prod_s (D_s / D_max) + n ln D_max]`` with ``D_max = (c + max_s d_s)/2``
    and blocks short enough (``D_s / D_max >= 2/(1 + max d)``) that no product underflows, so the loop over
    draws is branch-free and vectorises. Falls back to the direct formulas where ``cosh`` could overflow
    (``2|x| > 600``).
    """
    M, P = G.shape
    H2 = zh.shape[0]
    C2 = np.empty((P, H2))  # (mu, s): contiguous in s for the inner loop
    ZS2 = np.empty((P, H2))
    cmax = np.ones(P)
    block = np.empty(P, dtype=np.int64)
    big = np.zeros(P, dtype=np.bool_)
    for mu in range(P):
        S_sech[mu] = 0.0
        S_zt[mu] = 0.0
        for s in range(H2):
            y = 2.0 * beta * Xi[mu] * zh[s, mu]
            if abs(y) > 600.0:
                big[mu] = True
            C2[mu, s] = math.cosh(y)
            ZS2[mu, s] = zh[s, mu] * math.sinh(y)
            cmax[mu] = max(cmax[mu], C2[mu, s])
        ell = math.log(0.5 * (1.0 + cmax[mu])) if not big[mu] else 1.0
        block[mu] = max(1, min(H2, int(600.0 / ell))) if ell > 0.0 else H2
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
            Dmax = 0.5 * (c + cmax[mu])
            iDmax = 1.0 / Dmax
            lDmax = math.log(Dmax)
            crow = C2[mu]
            zrow = ZS2[mu]
            acc = 0.0
            acc_s = 0.0
            acc_z = 0.0
            for s0 in range(0, H2, block[mu]):
                s1 = min(H2, s0 + block[mu])
                prod = 1.0
                for s in range(s0, s1):
                    D = 0.5 * (c + crow[s])
                    iD = 1.0 / D
                    acc += iD
                    acc_s += (1.0 + c * crow[s]) * iD * iD
                    acc_z += zrow[s] * iD
                    prod *= D * iDmax
                L += math.log(prod) + (s1 - s0) * lDmax
            T[a, mu] = sh * acc
            S_sech[mu] += acc_s
            S_zt[mu] += acc_z
    return L


def _is_antithetic(z: np.ndarray) -> bool:
    B = z.shape[0]
    return B % 2 == 0 and B > 0 and np.array_equal(z[B // 2:], -z[:B // 2])


@numba.njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _learn_observables(W, tw, bchi, bH, mcav, fast, weight, Csum):
    """Bethe ``ln Z`` (printed form of [huang2020, SM Eq. S4]) of one draw, and ``Csum += weight * C``.

    Belief estimator of [huang2020, SM App. B Eq. S4].

    With ``a_{i mu} = A_mu - d``, ``A_mu = beta chi_mu + beta H_mu``, ``d = W m_{i->mu}``, the Gaussian
    variance terms of ``sum_i F_i - (N - 1) sum_mu F_mu`` cancel exactly (``sum_i Lambda^2_{mu->i} =
    (N - 1) Lambda^2_mu``), leaving (derivation in ``docs/variational_rbm.md``, Sec. 6)::

        ln Z = sum_mu ln cosh A_mu + sum_i softplus(-2 U_i) + sum_{i mu} ln cosh w
               + sum_{i mu} [ln cosh d + ln((1 - tanh A tanh d)(1 + tanh a tanh w))],

    the ``ln cosh w`` sum (independent of the draw) left to the caller, and
    ``C = (tanh w + m tanh a)/(1 + m tanh a tanh w)``. On the ``fast`` path (see ``cavity_sweeps``) the per-edge
    logarithms are products per row, ``cosh d = (1 - tanh^2 d)^{-1/2}`` and ``e^{-2U_i} = 1/prod_mu r_mu``,
    so a row costs three ``log`` calls and the edge loop vectorises.
    """
    N, P = W.shape
    TA = np.empty(P)
    L = 0.0
    for mu in range(P):
        A = bchi[mu] + bH[mu]
        TA[mu] = math.tanh(A)
        L += logcosh(A)
    for i in range(N):
        mrow = mcav[i]
        Wrow = W[i]
        twrow = tw[i]
        crow = Csum[i]
        if fast:
            pr = 1.0  # prod e^{2u}
            pqp = 1.0  # prod (1 - TA td)(1 + ta tw)
            pc = 1.0  # prod (1 - td^2) = prod cosh^-2 d
            for mu in range(P):
                mc = mrow[mu]
                td = tanh_series(Wrow[mu] * mc)
                q = 1.0 - TA[mu] * td
                P1 = TA[mu] - td  # q tanh a
                p = P1 * twrow[mu]
                pr *= (q + p) / (q - p)
                pqp *= q + p
                pc *= 1.0 - td * td
                crow[mu] += weight * (twrow[mu] * q + mc * P1) / (q + mc * p)
            L += math.log(pqp) - 0.5 * math.log(pc) + math.log1p(1.0 / pr)
        else:
            U = 0.0
            acc = 0.0
            for mu in range(P):
                mc = mrow[mu]
                d = Wrow[mu] * mc
                td = tanh_small(d)
                ta = (TA[mu] - td) / (1.0 - TA[mu] * td)
                t = ta * twrow[mu]
                U += atanh_small(t)
                acc += logcosh_small(d) + log1p_small(t - TA[mu] * td * (1.0 + t))
                crow[mu] += weight * (twrow[mu] + mc * ta) / (1.0 + mc * t)
            L += acc + softplus(-2.0 * U)
    return L


@numba.njit(cache=True)
def _model_kernel(W, tw, bXi, z2, ndraws, weight, tol, max_iter, damping, fast, warm, Csum, Zm):
    """Message passing for draws ``s < ndraws`` ([huang2020, SM Eq. S3-S4]; [huang2020, SM App. B Eq. S4]), each counted
    ``weight`` times.

    ``W = beta lam / sqrt(N)``, ``tw = tanh(W)``, ``bXi = beta Xi``. Accumulates ``Csum[i, mu] = sum_s C^s_{i mu}``
    and ``Zm[mu] = sum_s z^s_mu mhat^s_mu``. With antithetic draws ``(z, -z)`` the caller passes the first half
    and ``weight = 2``: the equivalent RBM at ``-H`` is the image of the one at ``H`` under ``sigma -> -sigma``,
    so its messages are exactly ``-m``, ``C`` and ``z mhat`` are unchanged and ``ln Z`` is equal (tested).
    Each draw starts from ``m_{i->mu} = 0``, or with ``warm`` from the converged messages of the previous draw
    (from 0 again after a draw that did not converge); the fixed point is the same to ``tol``. Returns
    ``(sum_s ln Z^s, non-converged draws, max residual, max sweeps)``.
    """
    N, P = W.shape
    lcw = 0.0
    for i in range(N):
        for mu in range(P):
            lcw += logcosh(W[i, mu])
    mcav = np.empty((N, P))
    bchi = np.empty(P)
    bH = np.empty(P)
    Csum[:, :] = 0.0
    Zm[:] = 0.0
    lnZ = 0.0
    bad = 0
    worst = 0.0
    most = 0
    err = 0.0
    for s in range(ndraws):
        for mu in range(P):
            bH[mu] = bXi[mu] * z2[s, mu]
        if s == 0 or not warm or not err < tol:
            mcav[:, :] = 0.0
        it, err = cavity_sweeps(W, tw, bH, tol, max_iter, damping, fast, mcav, bchi)
        if not err < tol:
            bad += weight
        worst = max(worst, err)
        most = max(most, it)
        lnZ += weight * (_learn_observables(W, tw, bchi, bH, mcav, fast, float(weight), Csum) + lcw)
        for mu in range(P):
            Zm[mu] += weight * z2[s, mu] * math.tanh(bchi[mu] + bH[mu])
    return lnZ, bad, worst, most


@dataclass(frozen=True, kw_only=True)
class LowerBoundEstimate(Record):
    """LB [huang2020, Eq. 5-7] at ``lambda`` and its gradient ([huang2020, Eq. 8] / [huang2020, SM Eq. S6]), with the BP
    diagnostics."""

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


def weight_spread(lam: np.ndarray) -> np.ndarray:
    N = lam.shape[0]
    return np.sqrt(np.maximum(np.sum(1.0 - lam * lam, axis=0) / N, 0.0))


def lower_bound_and_gradient(sigma: np.ndarray, lam: np.ndarray, z1: np.ndarray, z2: np.ndarray, *, beta: float = 1.0,
                    m: np.ndarray | float = 0.0, estimator: str = "paper", bp_tol: float = 1e-8,
                    bp_max_iter: int = 200, damping: float = 0.0, symmetric: bool = True,
                    warm_start: bool = True) -> LowerBoundEstimate:
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
        ``"paper"`` (Stein form of [huang2020, SM App. B Eq. S2]) or ``"reparam"`` (exact derivative of the estimate).
    bp_tol, bp_max_iter, damping
        Cavity iteration: stop when ``max |delta m_{i->mu}| < bp_tol``; at most ``bp_max_iter`` sweeps.
    symmetric
        If ``z2`` consists of antithetic pairs ``(z, -z)``, run message passing for the first half only and
        count each draw twice (exact symmetry ``sigma -> -sigma``, see ``_model_kernel``).
    warm_start
        Start the cavity iteration of each draw from the converged messages of the previous draw (same fixed
        point to ``bp_tol``; on MNIST after the mean-image mode is learned 2 sweeps instead of 5).

    Returns
    -------
    LowerBoundEstimate
        ``grad = grad_reg + grad_data - grad_eq`` [huang2020, Eq. 8].

    Examples
    --------
    At ``lambda = 0`` (a stationary point) with common antithetic draws the bound is the log-likelihood of
    the uniform distribution, ``LB = -M N ln 2``:

    >>> import numpy as np
    >>> from simulate.variational_rbm.planted import planted_data
    >>> d = planted_data(8, 2, 0.5, seed=0, interval=1)
    >>> z = draw_normal_fields(np.random.default_rng(0), 4, 2, antithetic=True)
    >>> est = lower_bound_and_gradient(d.sigma, np.zeros((8, 2)), z, z)
    >>> bool(abs(est.LB + d.M * 8 * np.log(2.0)) < 1e-9), float(np.abs(est.grad).max()), est.KL
    (True, 0.0, 0.0)
    """
    sigma = np.asarray(sigma)
    M, N = sigma.shape
    P = lam.shape[1]
    m = np.broadcast_to(np.asarray(m, dtype=float), lam.shape)
    sq = math.sqrt(N)
    Xi = weight_spread(lam)
    if np.any(Xi <= 0):
        raise ValueError("lam must not have a column with all |lambda| = 1 "
                         f"(Xi_mu = 0 for mu = {np.flatnonzero(Xi <= 0)})")
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
    W = np.ascontiguousarray(beta * lam / sq)
    paired = symmetric and _is_antithetic(z2)
    nd = B2 // 2 if paired else B2
    Csum = np.empty((N, P))
    Zm = np.empty(P)
    lnZ, bad, worst, most = _model_kernel(W, np.tanh(W), beta * Xi, np.ascontiguousarray(z2[:nd]), nd,
                                          2 if paired else 1, bp_tol, bp_max_iter, damping, fast_path(W), warm_start,
                                          Csum, Zm)
    g_eq = M * beta / (sq * B2) * (Csum - lam * (Zm / (sq * Xi))[None, :])
    g_reg = _reg_gradient(lam, m)
    KL = variational_kl(lam, m)
    data_term = L / B1
    LB = -KL + data_term - M * lnZ / B2
    return LowerBoundEstimate(LB=float(LB), KL=float(KL), data_term=float(data_term), logZ_mean=float(lnZ / B2),
                              grad=g_reg + g_data - g_eq, grad_reg=g_reg, grad_data=g_data, grad_eq=g_eq,
                              bp_failures=int(bad), bp_residual=float(worst), bp_sweeps=int(most))


def _data_sums(G, Xi, z1, beta, T, S_sech, S_zt) -> float:
    """Dispatch to the antithetic-pair kernel when ``z1 = (h, -h)``, else the direct one."""
    if _is_antithetic(z1):
        return data_term_kernel_pairs(G, Xi, np.ascontiguousarray(z1[:z1.shape[0] // 2]), beta, T, S_sech, S_zt)
    return data_term_kernel(G, Xi, np.ascontiguousarray(z1), beta, T, S_sech, S_zt)


def _data_term(sig: np.ndarray, lam: np.ndarray, z1: np.ndarray, beta: float) -> float:
    """``(1/B1) sum_{a, mu, s} ln cosh(beta G^a_mu + beta Xi_mu z^s_mu)`` ([huang2020, Eq. 7], first term)."""
    M, P = sig.shape[0], lam.shape[1]
    G = sig @ lam / math.sqrt(lam.shape[0])
    L = _data_sums(G, weight_spread(lam), z1, beta, np.empty((M, P)), np.empty(P), np.empty(P))
    return L / z1.shape[0]


def planted_overlaps(lam: np.ndarray, xi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overlaps ``Q^mu = sign(lambda_mu) . xi^mu / N`` (text after [huang2020, Eq. 8]).

    Returns ``(Q_identity (P,), Q_best (P,), perm)``: the signed overlaps with
    the planted fields in the given order, and the absolute overlaps after the
    best permutation (and sign) of hidden units, ``perm[mu]`` being the planted
    field matched to learned unit ``mu`` (Hungarian algorithm on ``|Q|``).

    Examples
    --------
    Learned units equal to the planted fields, but in swapped order:

    >>> from simulate.variational_rbm.planted import planted_fields
    >>> xi = planted_fields(8, 2, seed=0)
    >>> q_id, q_best, perm = planted_overlaps(0.5 * xi[:, ::-1], xi)
    >>> q_id.tolist(), q_best.tolist(), perm.tolist()
    ([0.0, 0.0], [1.0, 1.0], [1, 0])
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


@dataclass(frozen=True, kw_only=True)
class VariationalTrainResult(Record):
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


def train_variational_rbm(sigma: npt.ArrayLike, P: int, *, beta: float = 1.0, steps: int = 200, eta: float = 0.01,
          B1: int = 100, B2: int = 100, seed: SeedLike = 0, m: np.ndarray | float = 0.0, init_scale: float = 0.01,
          clip: float = 1e-3, estimator: str = "paper", antithetic: bool = True, common: bool = True,
          xi: npt.ArrayLike | None = None, bp_tol: float = 1e-6, bp_max_iter: int = 200, damping: float = 0.0,
          lam0: npt.ArrayLike | None = None, sigma_test: npt.ArrayLike | None = None,
          callback: Callable[[int, np.ndarray, LowerBoundEstimate], None] | None = None) -> VariationalTrainResult:
    """Variational learning by gradient ascent on the approximate lower bound
    ([huang2020, Eq. 8] / [huang2020, SM Eq. S6]).

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
        ``|lambda| <= 1 - clip`` keeps ``atanh(lambda)`` [huang2020, SM App. B Eq. S1] and ``1/Xi`` finite.
    estimator
        ``"paper"`` or ``"reparam"`` (see the module docstring).
    antithetic
        Draw ``z`` in antithetic pairs ``(z, -z)`` (variance reduction).
    common
        Reuse the first ``B2`` data-term draws for the partition function
        (common random numbers, needs ``B2 <= B1``): the ``O(M/sqrt(B))``
        fluctuations of the two terms of [huang2020, Eq. 7] then cancel to leading order.
    xi
        Planted fields (N, P0) of ±1: overlaps tracked when given.
    bp_tol, bp_max_iter, damping
        Cavity iteration of the E-step. ``bp_tol = 1e-6``: the change of the gradient between ``1e-6`` and
        ``1e-12`` is below ``1e-6`` of its Monte Carlo standard error at ``B = 100`` (MNIST and planted
        states, docs/variational_rbm.md Sec. 12), so convergence error is negligible against the MC error
        for any practical ``B``.
    sigma_test
        Held-out data (M', N): ``LB_test[t]`` is [huang2020, Eq. 5-7] on these data at
        ``lambda_t`` with the same draws (the ``ln Z`` term is data independent).

    Returns
    -------
    VariationalTrainResult
        ``converged`` is False (with a message) if any cavity iteration failed
        to reach ``bp_tol``. Raises :class:`ComputationError` on non-finite values.

    Examples
    --------
    >>> import numpy as np
    >>> from simulate.variational_rbm.planted import planted_data
    >>> d = planted_data(16, 2, 1.0, seed=0, interval=2)
    >>> r = train_variational_rbm(d.sigma, 2, steps=3, B1=4, B2=4, seed=1, xi=d.xi)
    >>> r.KL.shape, r.Q_best.shape, r.converged, bool(np.all(np.abs(r.lam) <= 1 - 1e-3))
    ((3,), (3, 2), True, True)
    >>> r2 = train_variational_rbm(d.sigma, 2, steps=3, B1=4, B2=4, seed=1, xi=d.xi)
    >>> bool(np.array_equal(r.lam, r2.lam))               # the same seed gives the same run
    True
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
        z1 = draw_normal_fields(rng, B1, P, antithetic)
        z2 = z1[:B2] if common and B2 <= B1 else draw_normal_fields(rng, B2, P, antithetic)
        est = lower_bound_and_gradient(sig, lam, z1, z2, beta=beta, m=m_arr, estimator=estimator, bp_tol=bp_tol,
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
            qi, qb, _ = planted_overlaps(lam, xi)
            Qi[t] = qi
            Qb[t] = qb
        if callback is not None:
            callback(t, lam, est)
    fo = float(np.mean(Qb[-1])) if steps and xi is not None else math.nan
    fi = float(np.mean(np.abs(Qi[-1]))) if steps and xi is not None else math.nan
    conv = fails == 0
    msg = "" if conv else (f"{fails} of {steps * B2} cavity iterations did not reach tol {bp_tol:g} "
                           f"in {bp_max_iter} sweeps")
    return VariationalTrainResult(
        N=N, P=P, M=M, beta=beta, steps=steps, eta=eta, B1=B1, B2=B2, seed=seed_rec, KL=KL, LB=LB, Q_identity=Qi,
        Q_best=Qb, lam=lam, LB_test=LBt, final_overlap=fo, final_overlap_identity=fi,
        final_KL=float(KL[-1]) if steps else math.nan, final_LB=float(LB[-1]) if steps else math.nan,
        bp_failures=int(fails), converged=conv, wall_time=time.perf_counter() - t0, message=msg)
