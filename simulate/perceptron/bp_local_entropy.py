"""Single-sample Franz-Parisi entropy: BP for the binary perceptron coupled to a reference.

Source: [baldassi2018, SM Sec. III] (last paragraph, "single sample
version", [baldassi2018, SM Fig. 2] green curves) and [baldassi2018, Eq. 10]. For one instance (signed
patterns ``s^mu = y^mu x^mu``) and a reference ``sigma in {-1,+1}^N`` (a BC), the
measure ``prod_mu Theta(sum_i s_i^mu W_i) exp(lam sum_i sigma_i W_i)`` is treated by
belief propagation in the Gaussian (dense-graph) approximation of the factor
messages (as in :mod:`simulate.perceptron.bp_reinforcement`):

    u_{mu->i} = 1/2 [log H(-(w_{mu->i} + s_i^mu)/sqrt(V_{mu->i})) - log H(-(w_{mu->i} - s_i^mu)/sqrt(V_{mu->i}))]
    h_i = lam sigma_i + sum_mu u_{mu->i},   m_{i->mu} = tanh(h_i - u_{mu->i})

with ``w_{mu->i} = sum_{j != i} s_j^mu m_{j->mu}``, ``V_{mu->i} = sum_{j != i} (1 - m_{j->mu}^2)``.
The Bethe free entropy (the normalisations of the factor messages cancel) is

    F(lam) = sum_mu log H(-w_mu/sqrt(V_mu)) + sum_i log 2cosh h_i
             - sum_{i,mu} [log 2cosh h_i - log 2cosh(h_i - u_{mu->i})]

and the Legendre transform to fixed overlap ``p = (1/N) sum_i sigma_i tanh h_i``,
``S(d) = F/N - lam p`` with ``d = (1 - p)/2``, is the Bethe entropy of solutions at
Hamming distance ``d`` from ``sigma``. ``exact_solution_counts`` enumerates tiny instances
(Gray code) for the tests.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from simulate.core import SeedLike, as_generator
from simulate.perceptron._bp_messages import V_FLOOR, cavity_sums, factor_update, messages_from_fields, signed_patterns
from theory.core import Record, check_array, check_int, check_real, log2cosh, logH

__all__ = ["BPEntropy", "bp_entropy_at_coupling", "bp_entropy_at_distance", "bp_local_entropy_curve",
           "make_local_entropy_reference", "exact_solution_counts", "exact_local_entropy", "signed_patterns"]


@dataclass(frozen=True, kw_only=True)
class BPEntropy(Record):
    """Bethe entropy of solutions around a reference at one coupling ``lam``.

    ``phi = F/N`` (Bethe free entropy per site at coupling ``lam``), ``p`` the
    overlap with the reference, ``d = (1-p)/2``, ``S = phi - lam p``. ``converged``:
    the largest change of a cavity magnetization fell below ``tol``; ``delta`` is
    that change at the last sweep.
    """

    N: int
    M: int
    lam: float
    d: float
    p: float
    S: float
    phi: float
    converged: bool
    iterations: int
    delta: float
    message: str = ""


@numba.njit(cache=True)
def _bp_kernel(S, sigma, lam, mcav, u, h, damping, tol, max_iter):
    M, N = S.shape
    delta = math.inf
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (returned after the loop)
        factor_update(S, mcav, u, damping)  # Gaussian cavity-field messages, shared with BP+R
        for i in range(N):
            h[i] = lam * sigma[i]
        for mu in range(M):
            for i in range(N):
                h[i] += u[mu, i]
        delta = 0.0
        for mu in range(M):
            for i in range(N):
                new = math.tanh(h[i] - u[mu, i])
                dd = abs(new - mcav[mu, i])
                if dd > delta or dd != dd:
                    delta = dd if dd == dd else math.inf
                mcav[mu, i] = new
        if not math.isfinite(delta):
            break
        if delta < tol:
            break
    return it, delta


@numba.njit(cache=True)
def _bethe(S, mcav, u, h):
    M, N = S.shape
    F = 0.0
    for mu in range(M):
        w, V = cavity_sums(S, mcav, mu)
        if V < V_FLOOR:
            V = V_FLOOR
        F += logH(-w / math.sqrt(V))
    for i in range(N):
        F += log2cosh(h[i])
        for mu in range(M):
            F -= log2cosh(h[i]) - log2cosh(h[i] - u[mu, i])
    return F


def _check(S, sigma):
    S = np.ascontiguousarray(check_array("S", S, ndim=2), dtype=np.int8)
    if not np.all(np.abs(S) == 1):
        raise ValueError("S (signed patterns) must have entries in {-1, +1}")
    sigma = check_array("reference", sigma, shape=(S.shape[1],))
    if not np.all(np.abs(sigma) == 1):
        raise ValueError("reference must have entries in {-1, +1}")
    return S, np.ascontiguousarray(sigma, dtype=np.float64)


def bp_entropy_at_coupling(S: npt.ArrayLike, reference: npt.ArrayLike, lam: float, *, seed: SeedLike = 0,
                           init: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, damping: float = 0.5,
                           tol: float = 1e-8, max_iter: int = 2000) -> tuple[BPEntropy, tuple]:
    """Bethe entropy of solutions around ``reference`` at coupling ``lam`` (Legendre form).

    Parameters
    ----------
    S
        Signed patterns ``y^mu x^mu`` (M, N), entries +-1 (see :func:`signed_patterns`).
    reference
        Reference configuration ``sigma`` (N,), entries +-1 (e.g. a BC ``sign(m)``).
    lam
        Coupling to the reference (conjugate of the overlap, ``phat`` of [baldassi2018, SM Eq. 32]).
    seed
        Seeds the small random initial cavity fields (reproducible).
    init
        Messages ``(mcav, u, h)`` of a previous call (warm start; copied).

    Returns
    -------
    (BPEntropy, messages)

    Examples
    --------
    >>> S, sigma, info = make_local_entropy_reference(21, 0.3, "teacher", seed=0)
    >>> r, msgs = bp_entropy_at_coupling(S, sigma, 0.0, seed=0)
    >>> r.converged, abs(r.S - (r.phi - r.lam * r.p)) < 1e-12, abs(r.d - (1 - r.p) / 2) < 1e-12
    (True, True, True)
    >>> r2, _ = bp_entropy_at_coupling(S, sigma, 0.5, seed=0, init=msgs)  # warm start; a pull towards sigma
    >>> r2.converged, r2.d < r.d
    (True, True)
    """
    S, sigma = _check(S, reference)
    lam = check_real("lam", lam, ge=-50.0, le=50.0)
    damping = check_real("damping", damping, ge=0.0, lt=1.0)
    tol = check_real("tol", tol, gt=0.0)
    max_iter = check_int("max_iter", max_iter, ge=1)
    M, N = S.shape
    if init is None:
        rng = as_generator(seed)
        mcav, u, h = messages_from_fields(lam * sigma + 0.1 * rng.standard_normal(N), M)
    else:
        mcav, u, h = (np.array(a, dtype=float, copy=True) for a in init)
    it, delta = _bp_kernel(S, sigma, float(lam), mcav, u, h, float(damping), float(tol), int(max_iter))
    finite = bool(np.all(np.isfinite(h)))
    F = _bethe(S, mcav, u, h) if finite else math.nan
    p = float(np.mean(sigma * np.tanh(h))) if finite else math.nan
    phi = F / N
    Sd = phi - lam * p
    conv = bool(finite and delta < tol and math.isfinite(Sd))
    msg = "converged" if conv else ("non-finite messages" if not finite else
                                    f"not converged: delta={delta:.3g} after {it} sweeps")
    rec = BPEntropy(N=N, M=M, lam=float(lam), d=0.5 * (1 - p), p=p, S=float(Sd), phi=float(phi), converged=conv,
                    iterations=int(it), delta=float(delta), message=msg)
    return rec, (mcav, u, h)


def bp_entropy_at_distance(S: npt.ArrayLike, reference: npt.ArrayLike, d: float, *, seed: SeedLike = 0,
                           lam0: float = 0.0, damping: float = 0.5, tol: float = 1e-8, max_iter: int = 2000,
                           dtol: float = 1e-4) -> BPEntropy:
    """Bethe entropy at a prescribed distance ``d`` (``lam`` found by secant/bisection on ``p(lam)``).

    ``p(lam)`` is increasing; the bracket is expanded from ``lam0``. The result's
    ``d`` is the distance actually reached (within ``dtol``); ``converged`` is False
    if BP or the root search failed.

    Examples
    --------
    >>> S, sigma, info = make_local_entropy_reference(21, 0.3, "teacher", seed=0)
    >>> r = bp_entropy_at_distance(S, sigma, 0.2, seed=0)
    >>> r.converged, abs(r.d - 0.2) < 1e-3, r.lam > 0
    (True, True, True)
    """
    d = check_real("d", d, gt=0.0, lt=1.0)
    target = 1.0 - 2.0 * d
    cache = {}

    def run(lam, init):
        r, msgs = bp_entropy_at_coupling(S, reference, lam, seed=seed, init=init, damping=damping, tol=tol,
                                         max_iter=max_iter)
        cache[lam] = (r, msgs)
        return r, msgs

    r, msgs = run(lam0, None)
    lo = hi = None
    lam = lam0
    for _ in range(60):
        if not r.converged:
            return BPEntropy(**{**r.to_dict(), "message": f"BP failed at lam={lam:.4g}: {r.message}"})
        if abs(r.p - target) < 2 * dtol:
            return r
        if r.p < target:
            lo = (lam, r.p)
        else:
            hi = (lam, r.p)
        if lo is not None and hi is not None:
            new = lo[0] + (target - lo[1]) * (hi[0] - lo[0]) / (hi[1] - lo[1])
            if not (min(lo[0], hi[0]) < new < max(lo[0], hi[0])):
                new = 0.5 * (lo[0] + hi[0])
        else:
            new = lam + (0.5 if r.p < target else -0.5) * max(1.0, abs(lam))
        lam = float(np.clip(new, -50, 50))
        r, msgs = run(lam, msgs)
    return BPEntropy(**{**r.to_dict(), "converged": False, "message": f"root search in lam did not reach d={d}"})


@numba.njit(cache=True)
def _enumerate(S, sigma):
    """counts[k] = number of solutions at Hamming distance k from sigma (Gray-code enumeration)."""
    M, N = S.shape
    W = np.ones(N, dtype=np.int64)
    f = np.zeros(M, dtype=np.int64)
    for mu in range(M):
        for i in range(N):
            f[mu] += S[mu, i]
    k = 0
    for i in range(N):
        if sigma[i] != 1:
            k += 1
    counts = np.zeros(N + 1, dtype=np.int64)
    total = 1 << N
    for c in range(total):
        if c > 0:
            # flip the bit that changes in the Gray code: lowest set bit of c
            j = 0
            while not (c >> j) & 1:
                j += 1
            for mu in range(M):
                f[mu] -= 2 * S[mu, j] * W[j]
            W[j] = -W[j]
            if W[j] == sigma[j]:
                k -= 1
            else:
                k += 1
        ok = True
        for mu in range(M):
            if f[mu] <= 0:
                ok = False
                break
        if ok:
            counts[k] += 1
    return counts


def exact_solution_counts(S: npt.ArrayLike, reference: npt.ArrayLike) -> np.ndarray:
    """Number of solutions at each Hamming distance ``k = 0..N`` from ``reference`` (N <= 26).

    Examples
    --------
    >>> S, sigma, info = make_local_entropy_reference(21, 0.3, "teacher", seed=0)
    >>> c = exact_solution_counts(S, sigma)
    >>> c.size, int(c[0])  # distances 0..N; the reference (a teacher) is the one solution at k = 0
    (22, 1)
    """
    S, sigma = _check(S, reference)
    if S.shape[1] > 26:
        raise ValueError(f"exact enumeration needs N <= 26 (got N={S.shape[1]})")
    return _enumerate(S, sigma.astype(np.int64))


def exact_local_entropy(counts: np.ndarray, lam: float) -> tuple[float, float]:
    """Exact ``(phi, p)`` of the coupled measure from ``counts``: ``phi = (1/N) log sum_k c_k e^{lam (N - 2k)}``.

    Examples
    --------
    One solution at distance 0 of N = 2 sites: ``phi = lam N / N``, ``p = 1``; at ``lam = 0``
    ``phi`` is the log of the number of solutions over N:

    >>> exact_local_entropy([1, 0, 0], 2.0)
    (2.0, 1.0)
    >>> phi, p = exact_local_entropy([1, 4, 6, 4, 1], 0.0)
    >>> abs(phi - math.log(16) / 4) < 1e-12, abs(p) < 1e-12
    (True, True)
    """
    c = np.asarray(counts, dtype=float)
    N = c.size - 1
    k = np.arange(N + 1)
    with np.errstate(divide="ignore"):
        lw = np.log(c) + lam * (N - 2 * k)
    mx = lw.max()
    w = np.exp(lw - mx)
    Z = w.sum()
    return float((mx + math.log(Z)) / N), float(np.sum(w * (N - 2 * k)) / Z / N)


def bp_local_entropy_curve(S: npt.ArrayLike, reference: npt.ArrayLike, d: npt.ArrayLike, *, seed: SeedLike = 0,
                           **kw) -> list[BPEntropy]:
    """:func:`bp_entropy_at_distance` along ``d`` (in the given order), warm-starting the coupling.

    Examples
    --------
    >>> S, sigma, info = make_local_entropy_reference(21, 0.3, "teacher", seed=0)
    >>> curve = bp_local_entropy_curve(S, sigma, [0.3, 0.2, 0.1], seed=0)
    >>> [round(r.d, 3) for r in curve], all(r.converged for r in curve), curve[0].S > curve[1].S > curve[2].S
    ([0.3, 0.2, 0.1], True, True)
    """
    out = []
    lam = 0.0
    for x in np.atleast_1d(np.asarray(d, dtype=float)):
        r = bp_entropy_at_distance(S, reference, float(x), seed=seed, lam0=lam, **kw)
        if r.converged:
            lam = r.lam
        out.append(r)
    return out


def make_local_entropy_reference(N: int, alpha: float, kind: str, *, seed: SeedLike = 0,
                                 qstar: float = 0.9) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """An instance and a reference configuration: ``(S, sigma, info)``.

    ``kind``: ``"gd"`` -- the BC ``sign(m)`` after fixed-norm GD along a ``q*`` schedule
    ending at ``qstar`` ([baldassi2018, SM Sec. III], :func:`simulate.perceptron.gd.fixed_norm_gd`);
    ``"teacher"`` -- a planted teacher (labels ``y = sign(W^T . x)``);
    ``"sa"`` -- a simulated-annealing solution (:mod:`simulate.perceptron.sa`).
    ``info["errors"]`` is the number of patterns the reference violates.

    Examples
    --------
    >>> S, sigma, info = make_local_entropy_reference(21, 0.3, "teacher", seed=0)
    >>> S.shape, info  # a teacher violates no pattern
    ((6, 21), {'errors': 0, 'N': 21, 'M': 6})
    """
    from theory.core import check_choice

    check_choice("reference", kind, {"gd", "teacher", "sa"})
    from simulate.perceptron.instances import generate_instance

    rng = as_generator(seed)
    inst = generate_instance(N, alpha, rng, teacher=(kind == "teacher"))
    S = signed_patterns(inst.X, inst.y)
    if kind == "teacher":
        sigma = inst.teacher.astype(np.int64)
    elif kind == "gd":
        from simulate.perceptron.gd import default_qstar_schedule, fixed_norm_gd

        qstar = check_real("qstar", qstar, gt=0.3, lt=1.0)
        res = fixed_norm_gd(inst, default_qstar_schedule(0.3, qstar, 12), seed=rng)
        sigma = np.where(np.asarray(res.m) >= 0, 1, -1)
    else:
        from simulate.perceptron.sa import simulated_annealing

        sigma = np.asarray(simulated_annealing(inst, rng).W, dtype=np.int64)
    errors = int(np.sum(S.astype(np.int64) @ sigma <= 0))
    return S, sigma, {"errors": errors, "N": inst.N, "M": inst.M}
