"""One-step replica-symmetry-broken (1RSB) theory of the stochastic binary perceptron.

Derivation: ``docs/stochastic_perceptron_1rsb.md`` (the replicated free entropy
[baldassi2018, SM Eq. 5-8] with the Parisi 1RSB ansatz; the RS case is
[baldassi2018, SM Eq. 12-15]). With ``q_ab = q1`` inside blocks of ``x`` replicas,
``q0`` across blocks, ``q_aa = q*``, conjugates ``qhat1``, ``qhat0`` and the diagonal
multiplier ``qhatd`` (the RS ``qhat1`` of :mod:`theory.perceptron.rs`),

    phi(x) = 1/2 [x q0 qhat0 + (1 - x) q1 qhat1 - q* qhatd] + G_S + alpha G_E
    G_S = (1/x) int Dz0 log int Dz1 Z_S(b)^x,   Z_S(b) = int_{-1}^{1} dm exp(a m^2 + b m),
          a = (qhatd - qhat1)/2,  b = sqrt(qhat0) z0 + sqrt(qhat1 - qhat0) z1
    G_E = (1/x) int Dz0 log int Dz1 Z_E(h)^x,   Z_E(h) = int Du H^beta(-(h + sqrt(q* - q1) u)/sqrt(1 - q*)),
          h = sqrt(q0) z0 + sqrt(q1 - q0) z1

The GASP-style records :class:`RSBEntropicTerms` and :class:`RSBEnergeticTerms` hold each
term with the integrals its saddle-point updates need; :func:`solve_rsb` solves the
saddle point at fixed ``x`` or at the equilibrium ``x`` (``dphi/dx = 0``), with the
complexity ``Sigma(x) = -x^2 dphi/dx`` (log-number of states per synapse); :func:`kauzmann_beta`
finds the static transition (``Sigma(1) = 0``) and :func:`bc_energy_rsb` the energy of the binarized
configuration under the 1RSB measure. Numerics: :mod:`theory.perceptron._rsb_numerics`.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from theory.core import (
    ComputationError,
    Curve,
    OrderParameters,
    Record,
    SolverResult,
    bound_violations,
    check_real,
    converge,
    errors_field,
    interval_moments,
    legendre_nodes,
    newton,
    replace_with_accuracy,
    solve_to_accuracy,
    span,
)
from theory.perceptron._rs_numerics import DEFAULT_ORDER, T_KINK, check_order, e_rule, energetic_kernel, s_rule
from theory.perceptron._rsb_numerics import CHEB_N, bc_node_kernel, cheb_table_nodes, nested_level, nested_nodes
from theory.perceptron.rs import RSResult, solve_rs

__all__ = [
    "KauzmannResult",
    "RSBEnergyResult",
    "RSBEnergeticTerms",
    "RSBEntropicTerms",
    "RSBResult",
    "bc_energy_rsb",
    "kauzmann_beta",
    "rsb_beta_continuation",
    "rsb_complexity",
    "rsb_energetic_terms",
    "rsb_entropic_terms",
    "rsb_free_entropy",
    "solve_rsb",
]

_NAMES = ("q0", "q1", "qhat0", "qhat1", "qhatd")
_GRADE = np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])
_PARITY_E = np.zeros(4, dtype=np.int64)
_PARITY_S = np.array([1, -1, 1, 1], dtype=np.int64)


# ---------------------------------------------------------------------------
# the two terms
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RSBEnergeticTerms(Record):
    """The 1RSB energetic term ``G_E`` (docs, Sec. 2) and the integrals derived from it.

    Attributes
    ----------
    G_E
        ``(1/x) int Dz0 log int Dz1 Z_E^x``.
    dG_E_dx
        Partial derivative in ``x`` at fixed order parameters.
    I0
        ``int Dz0 (E1[F'])^2`` with ``F = log Z_E``, ``F' = d_h F``: ``qhat0 = alpha I0``.
    I1
        ``int Dz0 E1[F'^2]``: ``qhat1 = alpha I1``.
    loglik
        ``int Dz0 E1[<log H>]``: ``dG_E/dbeta``, the mean log-likelihood per pattern.
    """

    G_E: float
    dG_E_dx: float
    I0: float
    I1: float
    loglik: float


def _check_terms_args(x: float, order: int) -> tuple[float, int]:
    return check_real("x", x, gt=0.0, le=1.0), check_order(order)


def rsb_energetic_terms(q0: float, q1: float, qstar: float, beta: float, x: float,
                        order: int = DEFAULT_ORDER) -> RSBEnergeticTerms:
    """1RSB energetic term ``G_E`` and the integrals of its saddle-point updates (docs, Sec. 2-3).

    ``F(h) = log Z_E(h; q* - q1)`` is tabulated once (piecewise Chebyshev, the RS energetic
    kernel at the table nodes) and the two Gaussian levels are integrated by
    :func:`theory.perceptron._rsb_numerics.nested_level`.

    Parameters
    ----------
    q0, q1
        Overlaps across and inside blocks, ``0 <= q0 <= q1 < q*``.
    qstar
        Squared norm, in (0, 1).
    beta
        Inverse temperature (>= 0).
    x
        Parisi block size, in (0, 1].
    order
        Gauss-Legendre nodes per panel of the ``z0``, ``z1`` and ``u`` rules.

    Returns
    -------
    RSBEnergeticTerms

    Examples
    --------
    >>> from theory.perceptron.rs import energetic_terms
    >>> E = rsb_energetic_terms(0.3, 0.5, 0.7, 5.0, 1.0)   # x = 1: the RS term at q0 (docs, Sec. 4)
    >>> abs(E.G_E - energetic_terms(0.3, 0.7, 5.0).G_E) < 1e-10
    True
    """
    x, order = _check_terms_args(x, order)
    if not (0.0 <= q0 <= q1 < qstar < 1.0):
        raise ValueError(f"rsb_energetic_terms needs 0 <= q0 <= q1 < qstar < 1 (got {q0!r}, {q1!r}, {qstar!r})")
    s = math.sqrt(1.0 - qstar)
    sig = math.sqrt(q1 - q0)
    glx, glw = legendre_nodes(order)
    ext = 10.0 * math.sqrt(q0) + 10.0 * sig
    lo, hi = -ext - 1.0, ext + 4.0
    width = min(0.5, 0.8 * s)
    P = int(math.ceil((hi - lo) / width))
    edges = np.linspace(lo, hi, P + 1)
    y, t, bw = cheb_table_nodes(edges)
    out = energetic_kernel(y, 1.0, math.sqrt(qstar - q1), s, float(beta), glx, glw)
    V = np.ascontiguousarray(out[[0, 1, 2, 4]].reshape(4, P, CHEB_N))
    z0, w0 = e_rule(q0, qstar, order)
    lev = nested_level(math.sqrt(q0), z0, x, sig, edges, t, bw, V, _PARITY_E, True, np.empty(0), glx, glw)
    if not np.all(np.isfinite(lev)):
        raise ComputationError(f"non-finite 1RSB energetic integrand at q0={q0}, q1={q1}, beta={beta}, x={x}")
    G = float(w0 @ lev[0]) / x
    return RSBEnergeticTerms(G_E=G, dG_E_dx=(float(w0 @ lev[1]) - G) / x, I0=float(w0 @ lev[2] ** 2),
                             I1=float(w0 @ lev[5]), loglik=float(w0 @ lev[4]))


@dataclass(frozen=True, kw_only=True)
class RSBEntropicTerms(Record):
    """The 1RSB entropic term ``G_S`` (docs, Sec. 2) and the site averages of its updates.

    Attributes
    ----------
    G_S
        ``(1/x) int Dz0 log int Dz1 Z_S^x``.
    dG_S_dx
        Partial derivative in ``x``.
    q0, q1
        ``int Dz0 (E1<m>)^2`` and ``int Dz0 E1[<m>^2]``.
    m2
        ``int Dz0 E1[<m^2>]`` (the norm constraint sets it to ``q*``).
    chi
        ``1/2 int Dz0 (E1<m^4> - (E1<m^2>)^2) > 0``, the scale of the Newton step in ``qhatd``.
    """

    G_S: float
    dG_S_dx: float
    q0: float
    q1: float
    m2: float
    chi: float


def rsb_entropic_terms(qhat0: float, qhat1: float, qhatd: float, x: float,
                       order: int = DEFAULT_ORDER) -> RSBEntropicTerms:
    """1RSB entropic term ``G_S`` and the site averages of its saddle-point updates (docs, Sec. 2-3).

    ``log Z_S(b)`` and ``<m>, <m^2>, <m^4>`` (even/odd in ``b``) are tabulated on ``b >= 0``
    (piecewise Chebyshev, :func:`theory.core.interval_moments` at the nodes); the
    integrand is even in ``z0``, so only ``z0 >= 0`` is evaluated.

    Parameters
    ----------
    qhat0, qhat1, qhatd
        Conjugates, ``0 <= qhat0 <= qhat1``; ``qhatd`` any sign.
    x
        Parisi block size, in (0, 1].
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    RSBEntropicTerms

    Examples
    --------
    >>> from theory.perceptron.rs import entropic_terms
    >>> S = rsb_entropic_terms(1.0, 1.0, 0.5, 0.4)   # qhat1 = qhat0: the RS term
    >>> abs(S.G_S - entropic_terms(1.0, 0.5).G_S) < 1e-10
    True
    """
    x, order = _check_terms_args(x, order)
    if not (0.0 <= qhat0 <= qhat1):
        raise ValueError(f"rsb_entropic_terms needs 0 <= qhat0 <= qhat1 (got {qhat0!r}, {qhat1!r})")
    a = 0.5 * (qhatd - qhat1)
    c0 = math.sqrt(qhat0)
    sig = math.sqrt(qhat1 - qhat0)
    glx, glw = legendre_nodes(order)
    bmax = 10.0 * c0 + sig * (x * sig + 10.0) + 1.0
    b1 = min(bmax, 2.0 * abs(a) + 30.0)
    e = list(np.linspace(0.0, b1, max(1, int(math.ceil(b1))) + 1))
    while e[-1] < bmax:
        e.append(e[-1] * 1.15)
    edges = np.array(e)
    P = edges.size - 1
    y, t, bw = cheb_table_nodes(edges)
    logZ, mom = interval_moments(np.full_like(y, a), y, kmax=4, order=order)
    V = np.ascontiguousarray(np.stack([logZ, mom[0], mom[1], mom[3]]).reshape(4, P, CHEB_N))
    z, w = s_rule(qhat0, qhat0 + (qhatd - qhat1), order)
    keep = z >= 0.0
    w = np.where(z > 0.0, 2.0 * w, w)[keep]
    z = np.ascontiguousarray(z[keep])
    brk = 2.0 * abs(a) + math.sqrt(2.0 * abs(a) + 1.0) * _GRADE
    lev = nested_level(c0, z, x, sig, edges, t, bw, V, _PARITY_S, False, brk, glx, glw)
    if not np.all(np.isfinite(lev)):
        raise ComputationError(f"non-finite 1RSB entropic integrand at qhat0={qhat0}, qhat1={qhat1}, "
                               f"qhatd={qhatd}, x={x}")
    G = float(w @ lev[0]) / x
    return RSBEntropicTerms(G_S=G, dG_S_dx=(float(w @ lev[1]) - G) / x, q0=float(w @ lev[2] ** 2),
                            q1=float(w @ lev[5]), m2=float(w @ lev[3]),
                            chi=0.5 * float(w @ (lev[4] - lev[3] ** 2)))


def rsb_free_entropy(q0: float, q1: float, qhat0: float, qhat1: float, qhatd: float, *, alpha: float, beta: float,
                     qstar: float, x: float, order: int = DEFAULT_ORDER) -> float:
    """The 1RSB functional ``phi(x)`` at arbitrary order parameters (not extremised; docs, Eq. (1RSB)).

    Parameters
    ----------
    q0, q1, qhat0, qhat1, qhatd
        Order parameters (``0 <= q0 <= q1 < q*``, ``0 <= qhat0 <= qhat1``).
    alpha, beta, qstar
        Load, inverse temperature, squared norm.
    x
        Parisi block size, in (0, 1].
    order
        Gauss-Legendre nodes per panel.

    Returns
    -------
    float
        ``1/2 [x q0 qhat0 + (1-x) q1 qhat1 - q* qhatd] + G_S + alpha G_E``.

    Examples
    --------
    >>> from theory.perceptron.rs import rs_free_entropy
    >>> a = rsb_free_entropy(0.3, 0.3, 1.0, 1.0, -0.5, alpha=0.5, beta=3.0, qstar=0.7, x=0.5)
    >>> abs(a - rs_free_entropy(0.3, 1.0, -0.5, alpha=0.5, beta=3.0, qstar=0.7)) < 1e-10
    True
    """
    S = rsb_entropic_terms(qhat0, qhat1, qhatd, x, order)
    E = rsb_energetic_terms(q0, q1, qstar, beta, x, order)
    return 0.5 * (x * q0 * qhat0 + (1.0 - x) * q1 * qhat1 - qstar * qhatd) + S.G_S + alpha * E.G_E


# ---------------------------------------------------------------------------
# saddle point
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RSBResult(Record, OrderParameters):
    """1RSB saddle point of the stochastic perceptron (docs/stochastic_perceptron_1rsb.md).

    ``phi = phi_S + phi_E`` (``phi_E = alpha G_E``); ``dphi_dx`` the derivative in the Parisi
    parameter, ``complexity = -x^2 dphi_dx`` (the log-number of states per synapse of the
    states selected by ``x``); ``dphi_dbeta = alpha loglik``; ``gap = q1 - q0`` (0 on the RS
    solution); ``error = |phi(order) - phi(order // 2)|`` at the solution of ``order``;
    ``errors`` the error estimate of every reported field (``phi``, ``phi_S``, ``phi_E``,
    ``dphi_dx``, ``complexity``, ``dphi_dbeta``, ``loglik``, ``gap`` and the order parameters):
    the saddle point solved again at ``order // 2`` at the same ``x``
    (:func:`theory.core.solve_to_accuracy`), twice the difference plus the residual
    propagated; an equilibrium ``x`` is held fixed in that comparison. ``x_equilibrium`` is
    true when ``x`` was fixed by ``complexity = 0`` (or set to 1 because ``complexity(1) >= 0``).
    """

    alpha: float
    beta: float
    qstar: float
    x: float
    q0: float
    q1: float
    qhat0: float
    qhat1: float
    qhatd: float
    gap: float
    phi: float
    phi_S: float
    phi_E: float
    dphi_dx: float
    complexity: float
    dphi_dbeta: float
    loglik: float
    converged: bool
    residual: float
    iterations: int
    error: float
    order: int
    x_equilibrium: bool = False
    message: str = ""
    errors: dict = errors_field()

    ORDER_PARAMETERS = _NAMES


def _as_init(init) -> dict[str, float] | None:
    if init is None:
        return None
    if isinstance(init, RSBResult):
        v = init.values
    elif isinstance(init, Mapping):
        v = {k: float(init[k]) for k in _NAMES}
    else:
        raise ValueError(f"init must be None, a dict with {', '.join(_NAMES)} or an RSBResult "
                         f"(got {type(init).__name__})")
    return v if all(math.isfinite(float(t)) for t in v.values()) else None


def _start_from_rs(rs: RSResult, qstar: float, frac: float = 0.5) -> dict[str, float]:
    """A start with ``q1 > q0``: ``q1`` a fraction ``frac`` of the way from the RS ``q0`` to ``q*``."""
    q1 = rs.q0 + frac * (qstar - rs.q0)
    return {"q0": rs.q0, "q1": q1, "qhat0": rs.qhat0, "qhat1": rs.qhat0 * (1.0 + 4.0 * frac) + frac,
            "qhatd": rs.qhat1 + 2.0 * frac * (rs.qhat0 + 1.0)}


def _qhatd_solve(qhat0: float, qhat1: float, qhatd: float, qstar: float, x: float, order: int,
                 tol: float = 1e-13) -> tuple[float, RSBEntropicTerms]:
    """``qhatd`` solving the norm constraint ``int Dz0 E1<m^2> = q*`` at fixed ``qhat0, qhat1``.

    ``m2`` increases with ``qhatd``; Newton with the slope ``chi`` (a close upper bound of the
    exact derivative), then secant steps, inside an expanding bracket.
    """
    S = rsb_entropic_terms(qhat0, qhat1, qhatd, x, order)
    lo, hi = -math.inf, math.inf
    prev = None
    for _ in range(60):
        r = S.m2 - qstar
        if abs(r) < tol:
            return qhatd, S
        if r < 0:
            lo = qhatd
        else:
            hi = qhatd
        slope = S.chi
        if prev is not None and prev[0] != qhatd and (r - prev[1]) / (qhatd - prev[0]) > 0.0:
            slope = (r - prev[1]) / (qhatd - prev[0])
        new = qhatd - r / slope if slope > 0.0 else math.nan
        if not (lo < new < hi):
            if math.isinf(lo):
                new = hi - max(5.0, abs(hi))
            elif math.isinf(hi):
                new = lo + max(5.0, abs(lo))
            else:
                new = 0.5 * (lo + hi)
        prev = (qhatd, r)
        qhatd = new
        S = rsb_entropic_terms(qhat0, qhat1, qhatd, x, order)
    raise ComputationError(f"norm constraint not solved at qhat0={qhat0}, qhat1={qhat1} (|m2 - q*| = {abs(r):.3g})")


def _reduced_map(alpha, beta, qstar, x, order, qhatd0):
    """The reduced map ``(q0, q1 - q0) -> (q0', q1' - q0')``: conjugates from the energetic
    updates, ``qhatd`` from the norm constraint, overlaps from the entropic ones (docs, Sec. 3)."""
    qmax = qstar * (1.0 - 1e-10)
    state = {"qhatd": qhatd0, "last": None}

    def update(v: Mapping[str, float]) -> dict[str, float]:
        q0 = min(max(v["q0"], 0.0), qmax)
        q1 = min(max(q0 + v["dq"], q0), qmax)
        E = rsb_energetic_terms(q0, q1, qstar, beta, x, order)
        qh0 = alpha * E.I0
        qh1 = max(alpha * E.I1, qh0)
        qhd, S = _qhatd_solve(qh0, qh1, state["qhatd"], qstar, x, order)
        state["qhatd"] = qhd
        state["last"] = {"q0": q0, "q1": q1, "qhat0": qh0, "qhat1": qh1, "qhatd": qhd}
        return {"q0": S.q0, "dq": S.q1 - S.q0}

    return update, state


class _NormMap:
    """The saddle point as three equations in ``y = (q0, q1 - q0, w)``, ``w = qhatd - qhat1`` (docs, Sec. 3):
    ``R = (q0' - q0, (q1' - q0') - (q1 - q0), m2 - q*)``, where the conjugates ``qhat0, qhat1`` come
    from the energetic updates at ``(q0, q1)``, ``qhatd = qhat1 + w``, and ``q0', q1', m2`` from the
    entropic ones at ``(qhat0, qhat1, qhatd)``: one energetic and one entropic term per evaluation (the
    reduced map of :func:`_reduced_map` solves the norm constraint inside, 4-6 entropic terms per
    evaluation). ``w`` (twice the quadratic coefficient of the site weight ``exp(a m^2 + b m)``) rather
    than ``qhatd``: at fixed ``qhatd`` a step in the overlaps moves ``qhat1``, hence ``a``, and ``m2``
    is stiff in ``a``. The forward-difference Jacobian costs 3 energetic and 4 entropic terms (``w``
    moves the entropic term only). ``last`` keeps the order parameters and both terms of the last
    evaluation."""

    def __init__(self, alpha, beta, qstar, x, order):
        self.alpha, self.beta, self.qstar, self.x, self.order = alpha, beta, qstar, x, order
        self.qmax = qstar * (1.0 - 1e-10)
        self.evals = 0
        self.last = None

    def energetic(self, y):
        """``(q0, q1, qhat0, qhat1, E)`` at the overlaps of ``y`` (clipped to ``0 <= q0 <= q1 < q*``)."""
        q0 = min(max(float(y[0]), 0.0), self.qmax)
        q1 = min(max(q0 + float(y[1]), q0), self.qmax)
        self.evals += 1
        E = rsb_energetic_terms(q0, q1, self.qstar, self.beta, self.x, self.order)
        qh0 = self.alpha * E.I0
        return q0, q1, qh0, max(self.alpha * E.I1, qh0), E

    def __call__(self, y, energetic=None):
        q0, q1, qh0, qh1, E = self.energetic(y) if energetic is None else energetic
        qhd = qh1 + float(y[2])
        S = rsb_entropic_terms(qh0, qh1, qhd, self.x, self.order)
        self.last = ({"q0": q0, "q1": q1, "qhat0": qh0, "qhat1": qh1, "qhatd": qhd}, E, S,
                     (q0, q1, qh0, qh1, E))
        return np.array([S.q0 - float(y[0]), (S.q1 - S.q0) - float(y[1]), S.m2 - self.qstar])

    def jacobian(self, y, R):
        """``R = R(y)`` just evaluated; forward differences (steps ``1e-6`` relative)."""
        keep = self.last
        J = np.empty((3, 3))
        for i in range(3):
            h = 1e-6 * max(abs(float(y[i])), 1e-3 if i < 2 else 1.0)
            yy = np.array(y, dtype=float)
            yy[i] += h
            J[:, i] = (self(yy, energetic=keep[3] if i == 2 else None) - R) / h
        self.last = keep
        return J


def _measure(R: np.ndarray) -> float:
    """Convergence measure of :class:`_NormMap`: the reduced map's ``max |F(x) - x|`` (the overlaps are below 1)
    and the norm constraint's ``|m2 - q*|``."""
    return float(np.max(np.abs(R)))


def _newton_norm_map(m: _NormMap, y0, tol, maxiter):
    """Damped Newton (:func:`theory.core.newton`) on :class:`_NormMap` with its forward-difference Jacobian.
    Returns ``(NewtonResult, J at the last iterate)``."""
    def fun(y):
        R = m(y)
        J = m.jacobian(y, R)
        return R, J, R, (J, m.last)

    qs = m.qstar
    nt = newton(fun, y0, lower=[0.0, 0.0, -np.inf], upper=[qs, qs, np.inf], tol=tol, maxiter=maxiter)
    if nt.aux is not None:
        m.last = nt.aux[1]
    return nt


def _broyden_norm_map(m: _NormMap, y, J, tol, maxiter):
    """Quasi-Newton refinement from a close start ``y`` with an approximate Jacobian ``J`` (that of a lower
    order): Broyden's update, one evaluation per step; ``None`` unless every step shrinks the residual 4-fold."""
    y = np.array(y, dtype=float)
    J = np.array(J, dtype=float)
    R = m(y)
    last = m.last
    for it in range(maxiter):
        r = _measure(R)
        if not np.isfinite(r):
            return None
        if r < tol:
            m.last = last
            return y, r, it + 1
        try:
            d = np.linalg.solve(J, -R)
        except np.linalg.LinAlgError:
            return None
        yn = y + d
        if yn[0] < 0.0 or yn[1] < 0.0 or yn[0] + yn[1] > m.qstar:
            return None
        Rn = m(yn)
        if not _measure(Rn) < 0.25 * r:
            return None
        J += np.outer(Rn - R - J @ d, d) / float(d @ d)
        y, R, last = yn, Rn, m.last
    return None


def _solve_fixed_x_fast(alpha, beta, qstar, x, x0, tol, order, maxiter):
    """Cold and warm solves at fixed ``x``: Newton on :class:`_NormMap` at the low order ``max(6, order // 2)``,
    then Broyden refinement at ``order`` from its solution and Jacobian (2-3 evaluations). ``None`` when it
    fails or falls onto the RS subspace from a broken start (the caller then runs :func:`_solve_fixed_x_reduced`,
    which tries the hybrid method there)."""
    low = max(6, order // 2)
    ml = _NormMap(alpha, beta, qstar, x, low)
    try:
        # w of the start from the norm constraint, from the start's own qhatd - qhat1
        q0, q1, qh0, qh1, _ = ml.energetic([x0["q0"], max(x0["q1"] - x0["q0"], 0.0)])
        qhd, _ = _qhatd_solve(qh0, qh1, qh1 + x0["qhatd"] - x0["qhat1"], qstar, x, low, tol=1e-10)
        nt = _newton_norm_map(ml, [q0, q1 - q0, qhd - qh1], max(tol, 1e-9) if low < order else tol,
                              max(3, min(maxiter, 15)))
    except ComputationError:
        return None
    if not nt.converged or nt.x[1] < 1e-8 * qstar:
        return None
    if low == order:
        vals, E, S, _ = ml.last
        return vals, E, S, SolverResult(values={"q0": vals["q0"], "dq": vals["q1"] - vals["q0"]}, residual=nt.residual,
                                        iterations=ml.evals, converged=True, wall_time=0.0, method="newton-fd",
                                        message=nt.message)
    mh = _NormMap(alpha, beta, qstar, x, order)
    try:
        out = _broyden_norm_map(mh, nt.x, nt.aux[0], tol, 6)
        if out is None:   # Newton at the full order from the low-order solution
            nh = _newton_norm_map(mh, nt.x, tol, max(3, min(maxiter, 8)))
            out = (nh.x, nh.residual, nh.iterations) if nh.converged else None
    except ComputationError:
        out = None
    if out is None or out[0][1] < 1e-8 * qstar:
        return None
    res = out[1]
    vals, E, S, _ = mh.last
    return vals, E, S, SolverResult(values={"q0": vals["q0"], "dq": vals["q1"] - vals["q0"]}, residual=res,
                                    iterations=ml.evals + mh.evals, converged=True, wall_time=0.0,
                                    method=f"newton-fd (order {low}) + broyden", message="converged")


def _solve_fixed_x(alpha, beta, qstar, x, x0, tol, order, maxiter):
    """Fixed-``x`` saddle point: :func:`_solve_fixed_x_fast`, else :func:`_solve_fixed_x_reduced`.

    Returns ``(values, E, S, SolverResult)`` with the energetic and entropic terms at the values
    (``None`` when the caller must recompute them)."""
    fast = _solve_fixed_x_fast(alpha, beta, qstar, x, x0, tol, order, maxiter)
    if fast is not None:
        return fast
    vals, res = _solve_fixed_x_reduced(alpha, beta, qstar, x, x0, tol, order, maxiter)
    return vals, None, None, res


def _solve_fixed_x_reduced(alpha, beta, qstar, x, x0, tol, order, maxiter):
    """Newton on the reduced map with a forward-difference Jacobian (3 map evaluations per step),
    then hybrid Powell (:func:`theory.core.solver.converge`) if it fails."""
    v0 = {"q0": x0["q0"], "dq": max(x0["q1"] - x0["q0"], 0.0)}
    upd, state = _reduced_map(alpha, beta, qstar, x, order, x0["qhatd"])

    def F(y):
        out = upd({"q0": y[0], "dq": y[1]})
        return np.array([out["q0"], out["dq"]])

    def fun(y):
        f0 = F(y)
        keep = dict(state)
        J = np.empty((2, 2))
        for i in range(2):
            h = 1e-6 * max(abs(y[i]), 1e-3)
            yy = y.copy()
            yy[i] += h
            J[:, i] = (F(yy) - f0) / h
        state.update(keep)
        G = f0 - y
        return G, J - np.eye(2), G, None

    nt = newton(fun, [v0["q0"], v0["dq"]], lower=[0.0, 0.0], upper=[qstar, qstar], tol=tol,
                maxiter=max(3, min(maxiter, 45)))
    collapsed = nt.converged and nt.x[1] < 1e-8 * qstar < 1e-4 * v0["dq"]
    if nt.converged and not collapsed:
        res = SolverResult(values={"q0": float(nt.x[0]), "dq": float(nt.x[1])}, residual=nt.residual,
                           iterations=nt.iterations * 3, converged=True, wall_time=0.0, method="newton-fd",
                           message=nt.message)
    else:
        # Newton failed, or fell from a broken start onto the RS subspace (which is always a solution):
        # hybrid Powell from the same start, keeping Newton's RS answer if hybr finds nothing else
        state["qhatd"] = x0["qhatd"]
        res = converge(upd, v0, tol=tol, method="hybr", maxiter=maxiter)
        if collapsed and not (res.converged and res.values["dq"] > 1e-8 * qstar):
            res = SolverResult(values={"q0": float(nt.x[0]), "dq": float(nt.x[1])}, residual=nt.residual,
                               iterations=nt.iterations * 3 + res.iterations, converged=True, wall_time=0.0,
                               method="newton-fd", message=nt.message)
        elif not res.converged:
            res2 = converge(upd, v0, tol=tol, method="auto", maxiter=maxiter, damping=0.3)
            if res2.converged or res2.residual < res.residual:
                res = res2
    upd(res.values)  # the conjugates at the returned point
    return state["last"], res


def _evaluate(alpha, beta, qstar, x, vals, order, error, E=None, S=None) -> dict[str, float]:
    if S is None:
        S = rsb_entropic_terms(vals["qhat0"], vals["qhat1"], vals["qhatd"], x, order)
    if E is None:
        E = rsb_energetic_terms(vals["q0"], vals["q1"], qstar, beta, x, order)
    q0, q1, qh0, qh1, qhd = (vals[k] for k in _NAMES)
    phi_S = 0.5 * (x * q0 * qh0 + (1.0 - x) * q1 * qh1 - qstar * qhd) + S.G_S
    phi_E = alpha * E.G_E
    dphi_dx = 0.5 * (q0 * qh0 - q1 * qh1) + S.dG_S_dx + alpha * E.dG_E_dx
    err = math.nan
    if error:
        err = abs(phi_S + phi_E - rsb_free_entropy(q0, q1, qh0, qh1, qhd, alpha=alpha, beta=beta, qstar=qstar, x=x,
                                                   order=max(4, order // 2)))
    return {"phi": phi_S + phi_E, "phi_S": phi_S, "phi_E": phi_E, "dphi_dx": dphi_dx,
            "complexity": -x * x * dphi_dx, "dphi_dbeta": alpha * E.loglik, "loglik": E.loglik, "error": err}


def _validate(alpha, beta, qstar, tol, order):
    alpha = check_real("alpha", alpha, gt=0.0)
    beta = check_real("beta", beta, gt=0.0, le=1e4)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    tol = check_real("tol", tol, gt=0.0, lt=1.0)
    return alpha, beta, qstar, tol, check_order(order)


#: the fields whose error is estimated (every reported number of the saddle point)
_RSB_FIELDS = _NAMES + ("gap", "phi", "phi_S", "phi_E", "dphi_dx", "complexity", "dphi_dbeta", "loglik")


#: the fields that vanish at the solutions of interest (dphi/dx and the complexity at the equilibrium x, the gap
#: on the RS branch): their absolute tolerance is ``quad_rtol`` (phi is of order one; the equilibrium criterion
#: is |Sigma| <= 1e-6)
_NEAR_ZERO_FIELDS = ("dphi_dx", "complexity", "gap")


def _rsb_bounds(qstar: float) -> dict[str, tuple[float | None, float | None]]:
    return {"q0": (0.0, qstar), "q1": (0.0, qstar), "gap": (0.0, None), "qhat0": (0.0, None),
            "loglik": (None, 0.0), "phi_E": (None, 0.0)}


def _solve_at_x(alpha, beta, qstar, x, init, tol, order, maxiter, error, quad_rtol=1e-6) -> RSBResult:
    if not error:
        r = _solve_at_x_once(alpha, beta, qstar, x, init, tol, order, maxiter, False)
        viol = bound_violations(r, _rsb_bounds(qstar)) if r.converged else []
        if viol:
            r = dataclasses.replace(r, converged=False, message="physical bound violated: " + "; ".join(viol))
        return r

    def solve(n, warm):
        return _solve_at_x_once(alpha, beta, qstar, x, warm if warm is not None else init, tol, n, maxiter, False)

    ref = solve_to_accuracy(solve, order, fields=_RSB_FIELDS, max_order=max(order, min(32, 2 * order)),
                            rtol=quad_rtol, atol=1e-7, tolerances=dict.fromkeys(_NEAR_ZERO_FIELDS, quad_rtol))
    out = replace_with_accuracy(ref.result, ref, _rsb_bounds(qstar))
    return dataclasses.replace(out, error=float(ref.errors.get("phi", math.nan)))


def _solve_at_x_once(alpha, beta, qstar, x, init, tol, order, maxiter, error) -> RSBResult:
    known = dict(alpha=alpha, beta=beta, qstar=qstar, x=x, order=order)
    try:
        x0 = _as_init(init)
        if x0 is None:
            rs = solve_rs(alpha, beta, qstar, tol=tol, order=order, error=False)
            if not rs.converged:
                return RSBResult.failure(f"RS start failed: {rs.message}", **known)
            x0 = _start_from_rs(rs, qstar)
        vals, E, S, res = _solve_fixed_x(alpha, beta, qstar, x, x0, tol, order, maxiter)
        ev = _evaluate(alpha, beta, qstar, x, vals, order, error, E, S)
    except ComputationError as exc:
        return RSBResult.failure(str(exc), **known)
    return RSBResult(**known, **vals, gap=vals["q1"] - vals["q0"], **ev, converged=bool(res.converged),
                     residual=float(res.residual), iterations=int(res.iterations), message=res.message)


def solve_rsb(alpha: float, beta: float, qstar: float, x: float | None = None, *,
              init: Mapping[str, float] | RSBResult | None = None, tol: float = 1e-10,
              order: int = DEFAULT_ORDER, maxiter: int = 200, error: bool = True,
              x_min: float = 0.02, quad_rtol: float = 1e-6) -> RSBResult:
    """1RSB saddle point ``(q0, q1, qhat0, qhat1, qhatd)`` at fixed or equilibrium ``x`` (docs, Sec. 3-5).

    Parameters
    ----------
    alpha, beta, qstar
        Load (> 0), inverse temperature (> 0), squared norm in (0, 1).
    x
        Parisi block size in (0, 1]; ``None``: the equilibrium ``x``, where the complexity
        ``-x^2 dphi/dx`` vanishes (``x = 1`` if it is still >= 0 there).
    init
        Warm start (dict or :class:`RSBResult`); default: the RS solution with ``q1`` half-way
        to ``q*`` (a start off the RS subspace ``q1 = q0``, which is itself a solution).
    tol
        Residual tolerance of the reduced map ``(q0, q1 - q0)`` (``max |F(x) - x| / max(1, |x|)``,
        the measure of :func:`theory.core.solver.converge`).
    order
        Gauss-Legendre nodes per panel of every rule.
    maxiter
        Evaluation cap.
    error
        Also estimate the error of every reported field (``errors``, ``error = errors["phi"]``):
        the saddle point solved again at ``order // 2`` at the same ``x``; while an estimate
        exceeds ``1e-7 + quad_rtol |value|`` (``quad_rtol`` for ``dphi_dx``, ``complexity`` and
        ``gap``, which vanish at the solutions of interest) the order is doubled once (up to 32), and if that does not
        resolve it the result is ``converged=False``, as it is for a violated bound
        (``0 <= q0 <= q1 <= q*``, ``qhat0 >= 0``, ``loglik <= 0``).
    x_min
        Lower end of the search for the equilibrium ``x``.
    quad_rtol
        Relative quadrature tolerance of the reported fields (with ``error=True``).

    Returns
    -------
    RSBResult
        ``converged=False`` with the reason in ``message`` on failure. The solution may be
        the RS one (``gap = 0``) when no broken solution is reachable from ``init``.

    Examples
    --------
    >>> r = solve_rsb(0.55, 40.0, 0.8, 0.5, order=8, error=False, tol=1e-8)
    >>> r.converged, r.gap > 1e-3    # beyond beta_c ~ 27: a broken solution
    (True, True)
    """
    alpha, beta, qstar, tol, order = _validate(alpha, beta, qstar, tol, order)
    quad_rtol = check_real("quad_rtol", quad_rtol, gt=0.0, lt=1.0)
    if x is not None:
        x = check_real("x", x, gt=0.0, le=1.0)
        return _solve_at_x(alpha, beta, qstar, x, init, tol, order, maxiter, error, quad_rtol)
    x_min = check_real("x_min", x_min, gt=0.0, lt=1.0)
    x_init = float(init.x) if isinstance(init, RSBResult) and math.isfinite(init.x) else 1.0
    cache: dict[float, RSBResult] = {}
    state = {"init": init}

    def at(xx: float) -> RSBResult:
        if xx not in cache:
            r = _solve_at_x(alpha, beta, qstar, xx, state["init"], tol, order, maxiter, False)
            if not r.converged:
                raise ComputationError(f"1RSB saddle point failed at x={xx:.6g}: {r.message}")
            state["init"] = r
            cache[xx] = r
        return cache[xx]

    try:
        r1 = at(1.0) if x_init >= 1.0 else at(x_init)
        if x_init < 1.0:
            # warm start near the previous equilibrium: bracket from there
            ra, xa = r1, x_init
            step = 0.05
            xb = min(1.0, xa + step) if ra.dphi_dx < 0 else max(x_min, xa - step)
            rb = at(xb)
            while (rb.dphi_dx < 0) == (ra.dphi_dx < 0):
                if xb >= 1.0 and rb.dphi_dx < 0:
                    return _finish(alpha, beta, qstar, 1.0, rb, tol, order, maxiter, error, "complexity(1) >= 0",
                                   quad_rtol=quad_rtol)
                if xb <= x_min:
                    raise ComputationError(f"no zero of dphi/dx above x_min={x_min}")
                step *= 2.0
                ra, xa = rb, xb
                xb = min(1.0, xa + step) if ra.dphi_dx < 0 else max(x_min, xa - step)
                rb = at(xb)
            lo, hi = sorted((xa, xb))
        else:
            if r1.gap < 1e-7 * qstar:
                return _finish(alpha, beta, qstar, 1.0, r1, tol, order, maxiter, error,
                               "no broken solution at x = 1 (q1 = q0): RS", quad_rtol=quad_rtol)
            if r1.dphi_dx <= 0.0:
                return _finish(alpha, beta, qstar, 1.0, r1, tol, order, maxiter, error, "complexity(1) >= 0",
                               quad_rtol=quad_rtol)
            hi, xa = 1.0, 1.0
            lo = 0.9
            while at(lo).dphi_dx > 0.0:
                if lo <= x_min:
                    raise ComputationError(f"no zero of dphi/dx above x_min={x_min}")
                hi = lo
                lo = max(x_min, lo - 0.15)
        xs = brentq(lambda xx: at(xx).dphi_dx, lo, hi, xtol=1e-9, rtol=1e-10)
        near = min(cache, key=lambda k: abs(k - xs))
        return _finish(alpha, beta, qstar, xs, cache[near], tol, order, maxiter, error, "", quad_rtol=quad_rtol)
    except ComputationError as exc:
        return RSBResult.failure(str(exc), alpha=alpha, beta=beta, qstar=qstar, order=order, x_equilibrium=True)


def _finish(alpha, beta, qstar, x, init, tol, order, maxiter, error, note, quad_rtol=1e-6) -> RSBResult:
    r = _solve_at_x(alpha, beta, qstar, x, init, tol, order, maxiter, error, quad_rtol)
    msg = "; ".join(t for t in (r.message, note) if t)
    return RSBResult(**{**r.to_dict(), "x_equilibrium": True, "message": msg})


def rsb_complexity(alpha: float, beta: float, qstar: float, x: float = 1.0, *,
                   init: Mapping[str, float] | RSBResult | None = None, tol: float = 1e-10,
                   order: int = DEFAULT_ORDER) -> RSBResult:
    """Complexity ``Sigma(x) = -x^2 dphi/dx`` of the 1RSB solution at fixed ``x`` (docs, Sec. 5).

    At ``x = 1`` the RS order parameters are exact (docs, Sec. 4) and ``Sigma(1)`` is the
    log-number of the states that dominate the RS (paramagnetic) measure; ``Sigma(1) < 0``
    on a broken branch means the RS free entropy is not the equilibrium one (beyond the
    static transition ``beta_K``). When the solve falls back to ``q1 = q0`` there is no
    broken solution and the complexity is 0.

    Parameters
    ----------
    alpha, beta, qstar, x
        As :func:`solve_rsb` (``x`` fixed).
    init, tol, order
        As :func:`solve_rsb`.

    Returns
    -------
    RSBResult
        The saddle point; the complexity is its ``complexity`` field.

    Examples
    --------
    >>> r = rsb_complexity(0.55, 40.0, 0.8, order=8, tol=1e-8)
    >>> r.converged and abs(r.complexity + r.dphi_dx) < 1e-14   # x = 1: Sigma = -dphi/dx
    True
    """
    return solve_rsb(alpha, beta, qstar, x, init=init, tol=tol, order=order, error=False)


def rsb_beta_continuation(alpha: float, beta: float | Sequence[float], qstar: float, x: float | None = None, *,
                          init: Mapping[str, float] | RSBResult | None = None, tol: float = 1e-10,
                          order: int = DEFAULT_ORDER) -> Curve:
    """1RSB saddle points along a path in ``beta`` (warm-started :func:`theory.core.solver.span`).

    Parameters
    ----------
    alpha, qstar
        Load and squared norm.
    beta
        A number or a sequence of inverse temperatures (ordered along the path).
    x
        Fixed Parisi parameter, or ``None`` for the equilibrium ``x`` at every point.
    init, tol, order
        As :func:`solve_rsb` (``init`` warm-starts the first point).

    Returns
    -------
    Curve
        One point per ``beta``; failures kept.

    Examples
    --------
    >>> c = rsb_beta_continuation(0.55, [40.0, 44.0], 0.8, 0.5, order=8, tol=1e-8)
    >>> [p.converged for p in c.points], bool(c.column("gap")[1] > c.column("gap")[0])
    ([True, True], True)
    """
    betas = [float(b) for b in np.atleast_1d(np.asarray(beta, dtype=float))]

    def solve(p, x0):
        return solve_rsb(alpha, p["beta"], qstar, x, init=x0, tol=tol, order=order, error=False)

    return span(solve, [{"beta": b} for b in betas], init, warm=lambda r: r)


@dataclass(frozen=True, kw_only=True)
class KauzmannResult(Record):
    """Static (Kauzmann) transition ``beta_K(alpha, q*)``: the complexity at ``x = 1`` vanishes (docs, Sec. 5)."""

    alpha: float
    qstar: float
    beta_K: float
    gap: float
    converged: bool
    message: str = ""


def kauzmann_beta(alpha: float, qstar: float, *, beta_hi: float = 60.0, beta_lo: float = 5.0,
                  init: Mapping[str, float] | RSBResult | None = None, tol: float = 1e-9,
                  order: int = DEFAULT_ORDER, xtol: float = 1e-4) -> KauzmannResult:
    """``beta_K``: where ``Sigma(x = 1)`` of the broken 1RSB branch crosses 0 (docs, Sec. 5).

    The branch at ``x = 1`` is followed downwards in ``beta`` from ``beta_hi`` (where it
    must exist, ``Sigma(1) < 0``; without ``init`` it is searched from the RS solution with ``q1``
    0.5, 0.9 and 0.97 of the way to ``q*``) on a geometric grid (ratio 0.9) until ``Sigma(1)`` changes
    sign, then the root is found by Brent's method with warm starts. When a grid step lands on RS,
    the lower end of the branch is bisected (relative 1e-4 in ``beta``, warm starts from its lowest
    broken point): near the tricritical point the branch ends a few per cent below ``beta_c`` and
    ``Sigma(1)`` changes sign just above that end (q* = 0.82: ``beta_K`` = 0.985 ``beta_c``, which a 0.9
    grid steps over). If the branch collapses onto RS (``q1 = q0``) with ``Sigma(1) < 0`` to its end, the
    transition is continuous (at the AT line) and the result says so (``converged=False``). Below ``beta_K``
    a second, unstable broken solution (smaller ``q1``, larger complexity) coexists with the
    physical one (docs, Sec. 7): start well above ``beta_K`` (e.g. ``beta_hi`` >= 1.5 ``beta_K``),
    where a cold start finds the physical branch, and follow it down.

    Parameters
    ----------
    alpha, qstar
        Load and squared norm.
    beta_hi, beta_lo
        Start and lower end of the scan.
    init
        Warm start at ``beta_hi``.
    tol, order
        As :func:`solve_rsb`.
    xtol
        Relative tolerance of the root.

    Returns
    -------
    KauzmannResult

    Examples
    --------
    >>> r = kauzmann_beta(0.55, 0.8, beta_hi=45.0, beta_lo=38.0, order=8, tol=1e-8)
    >>> r.converged, "no sign change" in r.message   # q* = 0.8: Sigma(1) < 0 on the whole range
    (False, True)
    """
    alpha = check_real("alpha", alpha, gt=0.0)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    beta_hi = check_real("beta_hi", beta_hi, gt=0.0, le=1e4)
    beta_lo = check_real("beta_lo", beta_lo, gt=0.0, lt=beta_hi)
    state = {"x": init}

    def sig(b):
        r = solve_rsb(alpha, b, qstar, 1.0, init=state["x"], tol=tol, order=order, error=False)
        if not r.converged:
            raise ComputationError(f"1RSB (x = 1) failed at beta={b:.6g}: {r.message}")
        if r.gap < 1e-6 * qstar:
            raise _Collapsed(b)
        state["x"] = r
        return r

    try:
        b = beta_hi
        r = None
        if init is None:
            # the RS subspace attracts starts close to it: try starts with q1 further towards q*
            rs = solve_rs(alpha, b, qstar, tol=tol, order=order, error=False)
            for frac in (0.5, 0.9, 0.97):
                state["x"] = _start_from_rs(rs, qstar, frac)
                try:
                    r = sig(b)
                    break
                except _Collapsed:
                    continue
            if r is None:
                return KauzmannResult.failure(f"no broken x = 1 solution found at beta_hi={beta_hi} (starts with q1 "
                                              "0.5, 0.9, 0.97 of the way from q0 to q*): no sign change",
                                              alpha=alpha, qstar=qstar)
        else:
            r = sig(b)
        if r.complexity > 0.0:
            return KauzmannResult.failure(f"Sigma(1) = {r.complexity:.3g} > 0 at beta_hi={beta_hi}: "
                                          "no sign change (raise beta_hi)", alpha=alpha, qstar=qstar)
        while True:
            bn = b * 0.9
            if bn < beta_lo:
                return KauzmannResult.failure(f"no sign change of Sigma(1) above beta_lo={beta_lo}", alpha=alpha,
                                              qstar=qstar)
            try:
                rn = sig(bn)
            except _Collapsed:
                # the branch ends between bn and b; near the tricritical point it ends just below beta_c, and
                # Sigma(1) may change sign in between (q* = 0.82: at 0.985 beta_c, the end at ~0.97 beta_c):
                # bisect for the end of the branch, warm-started from its lowest broken point
                bn, rn, b, r = _branch_end(sig, bn, b, r, state, tol_rel=1e-4)
            if rn.complexity > 0.0:
                break
            b, r = bn, rn
        root = brentq(lambda bb: sig(bb).complexity, bn, b, xtol=xtol * bn)
        rr = sig(root)
        return KauzmannResult(alpha=alpha, qstar=qstar, beta_K=float(root), gap=rr.gap, converged=True)
    except _Collapsed as exc:
        return KauzmannResult.failure(f"the x = 1 branch joins RS (q1 = q0) at beta ~ {exc.beta:.4g} before "
                                      "Sigma(1) changes sign: no sign change (continuous transition)",
                                      alpha=alpha, qstar=qstar)
    except ComputationError as exc:
        return KauzmannResult.failure(str(exc), alpha=alpha, qstar=qstar)


class _Collapsed(ComputationError):
    def __init__(self, beta: float):
        super().__init__(f"collapsed to RS at beta={beta}")
        self.beta = beta


def _branch_end(sig, b_rs, b, r, state, tol_rel):
    """Bisection (in ``log beta``) for the lower end of the broken ``x = 1`` branch between ``b_rs`` (RS) and
    ``b`` (broken, ``Sigma(1) < 0``), each trial warm-started from the lowest broken point found. Returns
    ``(beta, result, b, r)`` with ``result.complexity > 0`` at ``beta`` (a sign change between ``beta`` and
    ``b``), or raises :class:`_Collapsed` when the branch ends with ``Sigma(1) < 0`` (continuous transition)."""
    while b / b_rs - 1.0 > tol_rel:
        mid = math.sqrt(b * b_rs)
        try:
            rm = sig(mid)
        except ComputationError:  # collapsed onto RS, or no solution reached (past the end of the branch)
            b_rs = mid
            state["x"] = r
            continue
        if rm.complexity > 0.0:
            return mid, rm, b, r
        b, r = mid, rm
    raise _Collapsed(b_rs)


# ---------------------------------------------------------------------------
# energy of the binarized configuration under 1RSB
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RSBEnergyResult(Record):
    """Energy of the binarized configuration ``sign(m)`` under the 1RSB measure (docs, Sec. 9).

    ``p = int Dz0 E1<|m|>`` (overlap of ``sign(m^1)`` with ``m^1``), ``p_tilde1`` / ``p_tilde0`` its
    overlaps with another replica of the same / another block, ``E`` the fraction of patterns the
    binarized configuration misclassifies (the 1RSB form of [baldassi2018, SM Eq. 30]).
    """

    alpha: float
    beta: float
    qstar: float
    x: float
    p: float
    p_tilde1: float
    p_tilde0: float
    sigma_E: float
    E: float
    error: float
    converged: bool
    message: str = ""


def _half_moments(a: float, b: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """``log int_0^1 dm exp(a m^2 + b m)`` and ``<m>`` on [0, 1] (``m = (1 + t)/2``, t in [-1, 1])."""
    logI, mom = interval_moments(np.full_like(b, 0.25 * a), 0.5 * (a + b), kmax=1, order=order)
    return math.log(0.5) + 0.25 * a + 0.5 * b + logI, 0.5 * (1.0 + mom[0])


def _bc_energy_rsb(r: RSBResult, order: int) -> tuple[float, ...]:
    x, qstar, beta = r.x, r.qstar, r.beta
    glx, glw = legendre_nodes(order)
    # --- entropic side: p, p_tilde1, p_tilde0 from the tilted z1 nodes of G_S
    a = 0.5 * (r.qhatd - r.qhat1)
    c0, sig = math.sqrt(r.qhat0), math.sqrt(r.qhat1 - r.qhat0)
    bmax = 10.0 * c0 + sig * (x * sig + 10.0) + 1.0
    b1 = min(bmax, 2.0 * abs(a) + 30.0)
    e = list(np.linspace(0.0, b1, max(1, int(math.ceil(b1))) + 1))
    while e[-1] < bmax:
        e.append(e[-1] * 1.15)
    edges = np.array(e)
    y, t, bw = cheb_table_nodes(edges)
    logZ, mom = interval_moments(np.full_like(y, a), y, kmax=1, order=order)
    V = np.ascontiguousarray(np.stack([logZ, mom[0]]).reshape(2, edges.size - 1, CHEB_N))
    z, w = s_rule(r.qhat0, r.qhat0 + (r.qhatd - r.qhat1), order)
    keep = z >= 0.0
    w = np.where(z > 0.0, 2.0 * w, w)[keep]
    z = np.ascontiguousarray(z[keep])
    brk = 2.0 * abs(a) + math.sqrt(2.0 * abs(a) + 1.0) * _GRADE
    Z1, W, _ = nested_nodes(c0, z, x, sig, edges, t, bw, V, np.array([1, -1], dtype=np.int64), False, brk, glx,
                            glw)
    b = c0 * z[:, None] + sig * Z1
    lp, mp_ = _half_moments(a, b.ravel(), order)
    lm, mm_ = _half_moments(a, -b.ravel(), order)
    top = np.maximum(lp, lm)
    wp, wm = np.exp(lp - top), np.exp(lm - top)
    wp, wm = wp / (wp + wm), wm / (wp + wm)
    abs_m = (wp * mp_ + wm * mm_).reshape(b.shape)
    mean_m = (wp * mp_ - wm * mm_).reshape(b.shape)
    sign_m = (wp - wm).reshape(b.shape)
    p = float(w @ np.sum(W * abs_m, axis=1))
    pt1 = float(w @ np.sum(W * sign_m * mean_m, axis=1))
    pt0 = float(w @ (np.sum(W * sign_m, axis=1) * np.sum(W * mean_m, axis=1)))
    # --- energetic side: lambda = a0 z0 + a1 z1 + a2 xi + sigma eta (covariances p, p_tilde1, p_tilde0)
    q0, q1 = r.q0, r.q1
    a0 = pt0 / math.sqrt(q0)
    a1 = (pt1 - pt0) / math.sqrt(q1 - q0)
    a2 = (p - pt1) / math.sqrt(qstar - q1)
    s2 = 1.0 - a0 * a0 - a1 * a1 - a2 * a2
    sigE = math.sqrt(max(s2, 0.0))
    s = math.sqrt(1.0 - qstar)
    sg = math.sqrt(q1 - q0)
    ext = 10.0 * math.sqrt(q0) + 10.0 * sg
    lo, hi = -ext - 1.0, ext + 4.0
    P = int(math.ceil((hi - lo) / min(0.5, 0.8 * s)))
    edges = np.linspace(lo, hi, P + 1)
    y, t, bw = cheb_table_nodes(edges)
    out = energetic_kernel(y, 1.0, math.sqrt(qstar - q1), s, float(beta), glx, glw)
    V = np.ascontiguousarray(out[[0, 1, 2]].reshape(3, P, CHEB_N))
    z0, w0 = e_rule(q0, qstar, order)
    Z1, W, _ = nested_nodes(math.sqrt(q0), z0, x, sg, edges, t, bw, V, np.zeros(3, dtype=np.int64), True,
                            np.empty(0), glx, glw)
    h = math.sqrt(q0) * z0[:, None] + sg * Z1
    Az = a0 * z0[:, None] + a1 * Z1
    vals = bc_node_kernel(h.ravel(), Az.ravel(), math.sqrt(qstar - q1), s, float(beta), a2, sigE, glx, glw,
                          T_KINK).reshape(h.shape)
    E = float(w0 @ np.sum(W * vals, axis=1))
    return p, pt1, pt0, sigE, E, s2


def bc_energy_rsb(solution: RSBResult, *, order: int | None = None) -> RSBEnergyResult:
    """Energy of the binarized configuration under the 1RSB measure at a solved saddle point (docs, Sec. 9).

    The BC field ``lambda = sum_i sign(m_i^1) x_i / sqrt(N)`` has variance 1 and covariances ``p``,
    ``p_tilde1``, ``p_tilde0`` with the fields of replica 1, of another replica of its block and of
    a replica of another block, so ``lambda = a0 z0 + a1 z1 + a2 xi + sigma_E eta`` and
    ``E = int Dz0 E1[<H((a0 z0 + a1 z1 + a2 xi)/sigma_E)>_xi]`` (the 1RSB form of
    [baldassi2018, SM Eq. 30]); ``error`` is ``|E(order) - E(order // 2)|``.

    Parameters
    ----------
    solution
        A converged :class:`RSBResult` with ``q1 > q0`` (for an RS solution use
        :func:`theory.perceptron.bc_energy`).
    order
        Quadrature order (default: that of the solution).

    Returns
    -------
    RSBEnergyResult

    Examples
    --------
    >>> r = solve_rsb(0.55, 40.0, 0.8, 0.5, order=8, tol=1e-8, error=False)
    >>> e = bc_energy_rsb(r)
    >>> e.converged and 0.0 < e.E < 0.5 and e.p_tilde0 < e.p_tilde1 < e.p
    True
    """
    if not isinstance(solution, RSBResult):
        raise ValueError(f"solution must be an RSBResult (got {type(solution).__name__})")
    order = solution.order if order is None else check_order(order)
    known = dict(alpha=solution.alpha, beta=solution.beta, qstar=solution.qstar, x=solution.x)
    if not solution.converged:
        return RSBEnergyResult.failure(f"the saddle point did not converge: {solution.message}", **known)
    if not solution.gap > 1e-9:
        return RSBEnergyResult.failure("RS solution (q1 = q0): use theory.perceptron.bc_energy", **known)
    try:
        p, pt1, pt0, sigE, E, s2 = _bc_energy_rsb(solution, order)
        err = abs(E - _bc_energy_rsb(solution, max(4, order // 2))[4])
    except ComputationError as exc:
        return RSBEnergyResult.failure(str(exc), **known)
    ok = s2 > -1e-10 and math.isfinite(E)
    return RSBEnergyResult(**known, p=p, p_tilde1=pt1, p_tilde0=pt0, sigma_E=sigE, E=E, error=err, converged=ok,
                           message="" if ok else f"negative BC-field variance {s2:.3g}")
