"""Minimum probability flow (MPF) for Boltzmann machines with one-bit-flip connectivity.

Source: [liu2018, Sec. "Fully-Observed Boltzmann Machines"]: for data ``y^(k)``, ``k = 1..N``,

    K(theta) = eps/N sum_k K^(k),   K^(k) = sum_j delta_j^(k),
    alpha_j = 1/2 - y_j,   z_j = sum_{i != j} w_ij y_i + b_j,   delta_j = exp(alpha_j z_j),

with the negative gradients [liu2018, Eq. 1] ``Δb_i ∝ -alpha_i delta_i`` and [liu2018, Eq. 2]
``Δw_ij ∝ -y_j alpha_i delta_i - y_i alpha_j delta_j``. Here ``eps/N`` is
replaced by ``1/B`` (mean over a mini-batch of size B): a constant factor.
``K^(k)`` sums over *all* one-bit neighbours of ``y^(k)``, including those
that are themselves data points (see ``docs/vpf.md``: the paper's first
formula restricts to ``x not in D``; the all-neighbour sum is what [liu2018, Eq. 1-2]
differentiate, and it is still consistent — its population minimiser is the
true parameter).

:func:`mpf_flow` treats a fully observed BM with a dense symmetric ``W``;
:func:`mpf_layered_flow` the same objective on a layered
:class:`~simulate.boltzmann.machines.BoltzmannMachine` (RBM, DBM, intra-layer weights),
touching only the existing edges; :class:`simulate.core.Adam` is the optimizer of
[liu2018, Alg. 1 line 13].
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from simulate.boltzmann.machines import BoltzmannMachine, binary_states, boltzmann_fields
from theory.core import ComputationError, Record, check_array

__all__ = ["mpf_flow", "mpf_layered_flow", "fit_mpf_visible", "fit_ml_visible_exact", "VisibleBMFit",
           "visible_bm_logp"]


def _check_binary(name: str, Y: np.ndarray) -> np.ndarray:
    Y = check_array(name, Y, ndim=2, dtype=np.float64)
    if not np.all((Y == 0) | (Y == 1)):
        raise ValueError(f"{name} must contain only 0 and 1")
    return Y


def mpf_flow(W: np.ndarray, b: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None
         ) -> tuple[float, np.ndarray, np.ndarray]:
    """MPF objective and gradient of a fully observed BM [liu2018, Eq. 1-2].

    Parameters
    ----------
    W : (n, n) symmetric, zero diagonal
    b : (n,)
    Y : (B, n) data in {0, 1}
    weights : (B,), optional
        Non-negative weights of the rows (default: ``1/B`` each), e.g. an
        exact distribution over all states.

    Returns
    -------
    K, dK/dW (symmetric, zero diagonal: the derivative with respect to the
    shared edge weight ``w_ij = w_ji`` placed at both ``[i, j]`` and ``[j, i]``), dK/db.

    Examples
    --------
    At zero parameters every ``delta_j = 1``: ``K = n`` and ``dK/db = 1/2 - <y>``:

    >>> import numpy as np
    >>> Y = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    >>> K, gW, gb = mpf_flow(np.zeros((3, 3)), np.zeros(3), Y)
    >>> K, gb.tolist(), bool(np.allclose(gW, gW.T))
    (3.0, [0.0, 0.5, -0.5], True)
    """
    Y = np.asarray(Y, dtype=np.float64)
    q = np.full(len(Y), 1.0 / len(Y)) if weights is None else np.asarray(weights, dtype=np.float64)
    alpha = 0.5 - Y
    z = Y @ W + b  # w_jj = 0, so the i != j restriction is automatic
    delta = np.exp(alpha * z)
    K = float(q @ delta.sum(axis=1))
    G = alpha * delta * q[:, None]
    gb = G.sum(axis=0)
    gW = Y.T @ G
    gW = gW + gW.T
    np.fill_diagonal(gW, 0.0)
    if not (math.isfinite(K) and np.all(np.isfinite(gW))):
        raise ComputationError(f"MPF flow overflowed (K = {K}); the couplings are too large")
    return K, gW, gb


def mpf_layered_flow(model: BoltzmannMachine, H: Sequence[np.ndarray], weight_decay: float = 0.0,
                 weights: np.ndarray | None = None) -> tuple[float, list[np.ndarray]]:
    """MPF objective and gradients for a layered BM on complete states ``H = [h_0, ..., h_l]``.

    The M-step of VPF [liu2018, Alg. 1 line 12]: the same objective as
    :func:`mpf_flow` with ``W`` the block matrix of the layered graph, evaluated
    with one matrix product per edge block. With ``G_k = alpha_k delta_k``
    (mean over the batch):

        dK/db_k = <G_k>,   dK/dW_k = <h_k^T G_{k+1} + G_k^T h_{k+1}>,
        dK/dU_k = <h_k^T G_k + G_k^T h_k> (zero diagonal).

    ``weight_decay`` adds ``lambda sum w^2`` over the weights (not the biases),
    as in the paper's ``min L + lambda sum_ij w_ij^2``. ``weights`` (non-negative,
    one per row; default ``1/B`` each) replaces the batch mean by a weighted sum,
    e.g. an exact distribution over all complete states of a tiny model.
    Gradients are returned in the order of ``model.params()``.

    Examples
    --------
    The same objective as :func:`mpf_flow` on the block coupling matrix of the RBM:

    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((2, 2), seed=0, scale=0.5)
    >>> H = [np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])]
    >>> K, grads = mpf_layered_flow(m, H)
    >>> Wb = np.block([[np.zeros((2, 2)), m.W[0]], [m.W[0].T, np.zeros((2, 2))]])
    >>> abs(K - mpf_flow(Wb, np.concatenate(m.b), np.hstack(H))[0]) < 1e-12, len(grads)
    (True, 3)
    """
    Z = boltzmann_fields(model, H)
    B = H[0].shape[0]
    if weights is None:
        q = np.full(B, 1.0 / B)
    else:
        q = check_array("weights", weights, shape=(B,), dtype=np.float64)
        if np.any(q < 0):
            raise ValueError("weights must be non-negative")
    K = 0.0
    G = []
    for h, z in zip(H, Z):
        alpha = 0.5 - h
        delta = np.exp(alpha * z)
        K += float(q @ delta.sum(axis=1))
        G.append(alpha * delta * q[:, None])
    gW = [H[k].T @ G[k + 1] + G[k].T @ H[k + 1] for k in range(model.n_layers)]
    gb = [g.sum(axis=0) for g in G]
    gU = []
    for k, u in enumerate(model.U):
        if u is not None:
            g = H[k].T @ G[k]
            g = g + g.T
            np.fill_diagonal(g, 0.0)
            gU.append(g)
    if weight_decay:
        K += weight_decay * (sum(float((w ** 2).sum()) for w in model.W)
                             + sum(0.5 * float((u ** 2).sum()) for u in model.U if u is not None))
        gW = [g + 2 * weight_decay * w for g, w in zip(gW, model.W)]
        # each intra edge appears twice in U, hence the 1/2 above and 2*lambda*u here
        gU = [g + 2 * weight_decay * u for g, u in zip(gU, [u for u in model.U if u is not None])]
    if not math.isfinite(K):
        raise ComputationError(f"MPF flow overflowed (K = {K}); the weights have diverged")
    return K, [*gW, *gb, *gU]


# --------------------------------------------------------------------------- tiny fully observed models


def visible_bm_logp(W: np.ndarray, b: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``2^n`` states and their exact log-probabilities under the fully observed BM.

    Examples
    --------
    >>> import numpy as np
    >>> S, logp = visible_bm_logp(np.zeros((2, 2)), np.zeros(2), 2)
    >>> S.shape, np.exp(logp).round(6).tolist()
    ((4, 2), [0.25, 0.25, 0.25, 0.25])
    """
    S = binary_states(n)
    logq = 0.5 * np.einsum("bi,ij,bj->b", S, W, S) + S @ b
    return S, logq - logsumexp(logq)


def _unpack(theta: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    iu = np.triu_indices(n, 1)
    W = np.zeros((n, n))
    W[iu] = theta[: len(iu[0])]
    W = W + W.T
    return W, theta[len(iu[0]):]


@dataclass(frozen=True, kw_only=True)
class VisibleBMFit(Record):
    """Fitted fully observed BM: couplings ``W`` (symmetric), biases ``b``, optimizer diagnostics.

    Attributes
    ----------
    W, b : ndarray
        Couplings (n, n), symmetric with zero diagonal, and biases (n,).
    objective : float
        Final value of the minimised objective (MPF ``K`` or the negative mean log-likelihood).
    converged, iterations, message
        L-BFGS-B success flag, iteration count and message.
    """

    W: np.ndarray
    b: np.ndarray
    objective: float
    converged: bool
    iterations: int
    message: str


def fit_mpf_visible(Y: np.ndarray, weights: np.ndarray | None = None, tol: float = 1e-10) -> VisibleBMFit:
    """Minimise the (convex) MPF objective of a fully observed BM over all ``W``, ``b``
    (L-BFGS with the analytic gradient, [liu2018, Eq. 1-2]). ``weights`` as in :func:`mpf_flow`.

    Examples
    --------
    MPF is consistent: on the exact distribution of a BM it recovers the parameters:

    >>> import numpy as np
    >>> W0, b0 = np.array([[0.0, 0.5], [0.5, 0.0]]), np.array([-0.2, 0.3])
    >>> S, logp = visible_bm_logp(W0, b0, 2)
    >>> fit = fit_mpf_visible(S, weights=np.exp(logp))
    >>> fit.converged, bool(np.allclose(fit.W, W0, atol=1e-5) and np.allclose(fit.b, b0, atol=1e-5))
    (True, True)
    """
    Y = _check_binary("Y", Y)
    n = Y.shape[1]
    iu = np.triu_indices(n, 1)

    def f(theta):
        W, b = _unpack(theta, n)
        K, gW, gb = mpf_flow(W, b, Y, weights)
        return K, np.concatenate([gW[iu], gb])

    res = minimize(f, np.zeros(len(iu[0]) + n), jac=True, method="L-BFGS-B",
                   options={"gtol": tol, "ftol": 1e-15, "maxiter": 5000})
    return _fit_record(res, n)


def _fit_record(res, n: int) -> VisibleBMFit:
    W, b = _unpack(res.x, n)
    return VisibleBMFit(W=W, b=b, objective=float(res.fun), converged=bool(res.success), iterations=int(res.nit),
                        message=str(res.message))


def fit_ml_visible_exact(Y: np.ndarray, tol: float = 1e-10) -> VisibleBMFit:
    """Maximum likelihood for a fully observed BM with ``n <= 16`` units by exact enumeration:
    minimises ``-<log p(y)>_data``, gradient ``<model moments> - <data moments>``.

    Examples
    --------
    Two units have as many parameters as free state probabilities, so ML reproduces the empirical
    distribution: ``w = log(p_11 p_00 / (p_10 p_01)) = log 2`` here:

    >>> import numpy as np
    >>> Y = np.array([[1, 1], [1, 0], [0, 1], [0, 0], [1, 1]])
    >>> fit = fit_ml_visible_exact(Y)
    >>> round(float(fit.W[0, 1]), 4), round(float(np.log(2.0)), 4), bool(np.allclose(fit.b, 0.0, atol=1e-4))
    (0.6931, 0.6931, True)
    """
    Y = _check_binary("Y", Y)
    n = Y.shape[1]
    if n > 16:
        raise ValueError(f"fit_ml_exact enumerates 2^n states: n must be <= 16 (got {n})")
    iu = np.triu_indices(n, 1)
    C = Y.T @ Y / len(Y)
    m = Y.mean(axis=0)
    data = np.concatenate([C[iu], m])

    def f(theta):
        W, b = _unpack(theta, n)
        S, logp = visible_bm_logp(W, b, n)
        p = np.exp(logp)
        Cm = (S * p[:, None]).T @ S
        model = np.concatenate([Cm[iu], p @ S])
        nll = -(data[: len(iu[0])] @ theta[: len(iu[0])] + m @ theta[len(iu[0]):]) + float(
            logsumexp(0.5 * np.einsum("bi,ij,bj->b", S, W, S) + S @ b))
        return nll, model - data

    res = minimize(f, np.zeros(len(iu[0]) + n), jac=True, method="L-BFGS-B",
                   options={"gtol": tol, "ftol": 1e-15, "maxiter": 5000})
    return _fit_record(res, n)
