"""End point of the RS Franz-Parisi branch: the limit ``Q0 -> 1`` (``tau = 1 - Q0 -> 0``).

Source: [baldassi2018, SM Eq. 32-38] (corrected, ``docs/franz_parisi.md``,
section "Where the RS branch ends"). As ``tau -> 0`` the conjugates diverge as
``Qhat0 = K/tau^2``, ``shat0 = a0/tau``, ``shat1 = a1/tau``, ``phat = pt/tau`` and

    S = Phi/tau + O(log tau),
    Phi = -K/2 + a0 s0 - a1 s1 - pt p + E_S - (alpha/2) C,
    E_S = int Dz < E_eta |mu + gamma eta| >_{m|z},   mu = (a1 - a0) m + pt sign(m) + a0 z/sqrt(qhat0),
          gamma = sqrt(K - a0^2/qhat0),   E|mu + gamma eta| = 2 gamma G(mu/gamma) + mu (1 - 2 H(mu/gamma)),
    C   = < E_eta [x^2 Theta(-x)] >_{z0, z1},  x = A z0 + B z1 + sigma eta,  sigma^2 = 1 - A^2 - B^2,
          E[x^2 Theta(-x)] = (mu_E^2 + sigma^2) H(mu_E/sigma) - mu_E sigma G(mu_E/sigma)

(``log 2cosh(h/tau) -> |h|/tau`` and ``log H(-x/sqrt(tau)) -> -x^2 Theta(-x)/(2 tau)``).
Stationarity of ``S`` in ``tau`` with ``S ~ Phi/tau`` forces ``Phi = 0``: the branch reaches
``Q0 = 1`` only at the distance ``d_c`` where the stationary value of ``Phi`` vanishes,
and ``S -> -inf`` there (the analogue of ``q -> 1`` of the binary perceptron's RS solution
at ``alpha = 4/pi``). Below ``d_c`` the RS saddle point does not exist. This module
solves the seven equations (``Phi`` stationary in ``K, a0, a1, pt, s0, s1`` and ``Phi = 0``)
for ``(K, a0, a1, pt, s0, s1, p_c)``.

The next orders (``docs/franz_parisi.md``, "The log tau term") come from the energetic term
alone, ``log H(-x/sqrt(tau)) = -x^2/(2 tau) + (1/2) log tau - log(|x| sqrt(2 pi)) + o(1)`` for
``x < 0`` plus a boundary layer ``|x| ~ sqrt(tau)``:

    S = Phi/tau + c log tau + R0 + R1 sqrt(tau) + O(tau log tau),
    c  = (alpha/2) P(x < 0),        P(x < 0) = < H(mu_E/sigma) >_{z0, z1},   mu_E = A z0 + B z1,
    R1 = alpha p_x(0) I_g,           p_x(0) = < G(mu_E/sigma) >_{z0, z1} / sigma,
    I_g = int du [log H(-u) + Theta(-u) (u^2/2 + log(|u| sqrt(2 pi)))] = -2.30141591327...

(the entropic term's correction is ``O(tau)``, the trace terms are exact). Along the branch
(stationary in ``tau``: ``Phi/tau = c + R1 sqrt(tau)/2``) ``S = c log tau + const + (3/2) R1 sqrt(tau)``,
``dS/dlog tau = c + (3/4) R1 sqrt(tau) + O(tau log tau)``: ``c > 0`` is what makes ``S -> -inf``
at ``d_c``; :class:`EndpointResult` reports ``c`` and ``R1``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numba

from theory.core import ComputationError, G, H, Record, converge
from theory.perceptron.franz_parisi._grids import grids_cached

__all__ = ["I_G", "EndpointResult", "EndpointTerms", "endpoint_functional", "endpoint_terms", "franz_parisi_endpoint"]

_VARS = ("K", "a0", "a1", "pt", "s0", "s1", "p")
# int du [log H(-u) - f(u)], f(u) = -(u^2/2 + log(|u| sqrt(2 pi))) Theta(-u): the boundary layer |x| ~ sqrt(tau)
# of the energetic term (mpmath, 40 digits; tests/test_franz_parisi_logcoef.py recomputes it)
I_G = -2.3014159132725170


@numba.njit(cache=True)
def _ent_kernel(z, m, w, a0, a1, pt, sq, gam):
    """E_S and its derivative sums: <|.|>, <G(mu/gamma)>, <m s>, <z s>, <sign(m) s>, s = 1 - 2H(mu/gamma)."""
    ES = 0.0
    EG = 0.0
    Ems = 0.0
    Ezs = 0.0
    Ess = 0.0
    for i in range(z.shape[0]):
        for k in range(m.shape[1]):
            wk = w[i, k]
            if wk == 0.0:
                continue
            mk = m[i, k]
            sg = 1.0 if mk > 0.0 else (-1.0 if mk < 0.0 else 0.0)
            mu = (a1 - a0) * mk + pt * sg + a0 * z[i] / sq
            r = mu / gam
            g = G(r)
            s = 1.0 - 2.0 * H(r)
            ES += wk * (2.0 * gam * g + mu * s)
            EG += wk * g
            Ems += wk * mk * s
            Ezs += wk * z[i] * s
            Ess += wk * sg * s
    return ES, EG, Ems, Ezs, Ess


@numba.njit(cache=True)
def _en_kernel(z0, z1, w, A, B, sig):
    """C = <E[x^2 Theta(-x)]> and the sums <z0 D>, <z1 D>, <H(mu/sigma)>, <G(mu/sigma)>,
    D = dE[x^2 Theta(-x)]/dmu (``<H> = P(x < 0)``, ``<G>/sigma`` = density of ``x`` at 0)."""
    C = 0.0
    Ez0 = 0.0
    Ez1 = 0.0
    EH = 0.0
    EG = 0.0
    for i in range(z0.shape[0]):
        for k in range(z1.shape[1]):
            wk = w[i, k]
            if wk == 0.0:
                continue
            mu = A * z0[i] + B * z1[i, k]
            r = mu / sig
            h = H(r)
            g = G(r)
            C += wk * ((mu * mu + sig * sig) * h - mu * sig * g)
            D = 2.0 * (mu * h - sig * g)
            Ez0 += wk * z0[i] * D
            Ez1 += wk * z1[i, k] * D
            EH += wk * h
            EG += wk * g
    return C, Ez0, Ez1, EH, EG


@dataclass(frozen=True, kw_only=True)
class EndpointTerms(Record):
    """The two terms of ``Phi`` at the end of the branch and their derivatives (module docstring).

    ``E_S``, ``C``: entropic and energetic terms; ``dK, da0, da1, dpt``: derivatives of
    ``E_S``; ``dCs0, dCs1``: derivatives of ``C``; ``P = P(x < 0)`` and ``px0`` the
    density of ``x`` at 0 (the ``log tau`` and ``sqrt(tau)`` coefficients).
    """

    E_S: float
    C: float
    dK: float
    da0: float
    da1: float
    dpt: float
    dCs0: float
    dCs1: float
    P: float
    px0: float


def endpoint_terms(ref: Any, x: Mapping[str, float], order: int) -> EndpointTerms:
    """Terms of the end-point functional ``Phi`` [baldassi2018, SM Eq. 32-38] (``tau -> 0``, module docstring).

    Parameters
    ----------
    ref
        Reference state (:func:`theory.perceptron.franz_parisi.solver.franz_parisi_reference`).
    x
        ``K, a0, a1, pt, s0, s1`` (scaled conjugates and overlaps).
    order
        Quadrature order.

    Returns
    -------
    EndpointTerms

    Examples
    --------
    >>> from theory.perceptron.franz_parisi.solver import franz_parisi_reference
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> T = endpoint_terms(ref, {"K": 1.0, "a0": 0.0, "a1": 0.0, "pt": 0.0, "s0": 0.0, "s1": 0.0}, 8)
    >>> round(T.P, 8)   # A = B = 0: x = eta, P(x < 0) = 1/2
    0.5
    """
    g = grids_cached(ref, order)
    K, a0, a1, pt, s0, s1 = (x[k] for k in _VARS[:6])
    qh0 = ref.qhat0
    sq = math.sqrt(qh0)
    gam2 = K - a0 * a0 / qh0
    if not gam2 > 0.0:
        raise ComputationError(f"endpoint: K - a0^2/qhat0 = {gam2:.3g} <= 0 (K={K:.6g}, a0={a0:.6g})")
    gam = math.sqrt(gam2)
    A = s0 / math.sqrt(ref.q0)
    B = (s1 - s0) / g.sqD
    sig2 = 1.0 - A * A - B * B
    if not sig2 > 0.0:
        raise ComputationError(f"endpoint: 1 - A^2 - B^2 = {sig2:.3g} <= 0 (s0={s0:.6g}, s1={s1:.6g})")
    sig = math.sqrt(sig2)
    ES, EG, Ems, Ezs, Ess = _ent_kernel(g.ez, g.em, g.ew, a0, a1, pt, sq, gam)
    C, Ez0, Ez1, EH, EGe = _en_kernel(g.gz0, g.gz1, g.gw, A, B, sig)
    dA = Ez0 - 2.0 * A * EH
    dB = Ez1 - 2.0 * B * EH
    return EndpointTerms(
        E_S=ES, C=C,
        dK=EG / gam,                                   # dE_S/dK
        da0=-Ems + Ezs / sq - 2.0 * a0 / (qh0 * gam) * EG,  # dE_S/da0
        da1=Ems,                                       # dE_S/da1
        dpt=Ess,                                       # dE_S/dpt
        dCs0=dA / math.sqrt(ref.q0) - dB / g.sqD,
        dCs1=dB / g.sqD,
        P=EH,                                          # P(x < 0)
        px0=EGe / sig,                                 # density of x at 0
    )


def endpoint_functional(ref, x: Mapping[str, float], order: int = 8) -> float:
    """``Phi`` (module docstring) at arbitrary arguments ``K, a0, a1, pt, s0, s1, p``.

    Parameters
    ----------
    ref
        Reference state.
    x
        ``K, a0, a1, pt, s0, s1, p``.
    order
        Quadrature order.

    Returns
    -------
    float
        The end-point functional ``Phi``; ``Phi = 0`` at a stationary point marks ``d_c``.

    Examples
    --------
    >>> from theory.perceptron.franz_parisi.solver import franz_parisi_reference
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> x = {"K": 1.0, "a0": 0.0, "a1": 0.0, "pt": 0.0, "s0": 0.0, "s1": 0.0, "p": 0.0}
    >>> exact = -0.5 + math.sqrt(2 / math.pi) - 0.5 * 0.5 * 0.5   # -K/2 + E|eta| - (alpha/2) E[eta^2 Theta(-eta)]
    >>> abs(endpoint_functional(ref, x) - exact) < 1e-10
    True
    """
    T = endpoint_terms(ref, x, order)
    return (-0.5 * x["K"] + x["a0"] * x["s0"] - x["a1"] * x["s1"] - x["pt"] * x["p"] + T.E_S
            - 0.5 * ref.alpha * T.C)


@dataclass(frozen=True, kw_only=True)
class EndpointResult(Record):
    """Where the RS Franz-Parisi branch reaches ``Q0 = 1``: ``d_c`` and the scaled conjugates.

    ``violated_fraction`` = ``P(x < 0)``, the fraction of patterns whose end-point field
    ``x = A z0 + B z1 + sigma eta`` is negative (they are satisfied only on the scale
    ``sqrt(tau)``); ``log_coefficient`` = ``c = (alpha/2) P(x < 0)``, the coefficient of
    ``log tau`` in ``S`` near ``d_c``; ``sqrt_coefficient`` = ``R1 = alpha p_x(0) I_G``, that of
    ``sqrt(tau)`` (module docstring; ``docs/franz_parisi.md``, "The log tau term";
    [baldassi2018, SM Eq. 32-38]). ``c > 0`` means ``S -> -inf`` as ``d -> d_c+``. NaN when the solve failed.
    """

    reference: str
    alpha: float
    beta: float
    qstar: float
    d_c: float
    K: float
    a0: float
    a1: float
    pt: float
    s0: float
    s1: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""
    violated_fraction: float = math.nan
    log_coefficient: float = math.nan
    sqrt_coefficient: float = math.nan


def franz_parisi_endpoint(ref: Any, init: Mapping[str, float], *, tol: float = 1e-11, order: int = 8,
                          maxiter: int = 400) -> EndpointResult:
    """Solve the ``tau -> 0`` equations (module docstring) for ``d_c``.

    Parameters
    ----------
    ref
        Reference state (:func:`theory.perceptron.franz_parisi.solver.franz_parisi_reference`).
    init
        Start ``K, a0, a1, pt, s0, s1, p`` -- e.g. from a finite-``tau`` saddle point near the
        end of the branch, ``K = Qhat0 tau^2, a0 = shat0 tau, a1 = shat1 tau, pt = phat tau``
        (:func:`theory.perceptron.franz_parisi.solver.scaled_state`).
    tol, order, maxiter
        Tolerance, quadrature order and evaluation cap of the hybrid Powell solve.

    Returns
    -------
    EndpointResult
        ``converged=False`` with the reason when the solve failed.

    Examples
    --------
    >>> from theory.perceptron.franz_parisi.solver import franz_parisi_reference
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> x = {"K": 1.0, "a0": 0.0, "a1": 0.0, "pt": 0.0, "s0": 0.0, "s1": 0.0, "p": 0.0}
    >>> franz_parisi_endpoint(ref, x, maxiter=3).reference
    'binary'
    """
    x0 = {k: float(init[k]) for k in _VARS}
    a = ref.alpha

    def update(x):
        T = endpoint_terms(ref, x, order)
        phi = (-0.5 * x["K"] + x["a0"] * x["s0"] - x["a1"] * x["s1"] - x["pt"] * x["p"] + T.E_S
               - 0.5 * a * T.C)
        return {"K": 2.0 * x["K"] * T.dK,        # fixed point: dE_S/dK = 1/2
                "a0": 0.5 * a * T.dCs0, "a1": -0.5 * a * T.dCs1,
                "pt": x["pt"] + (x["p"] - T.dpt),  # fixed point: dE_S/dpt = p
                "s0": -T.da0, "s1": T.da1,
                "p": x["p"] + phi}                  # fixed point: Phi = 0

    known = dict(reference=ref.kind, alpha=ref.alpha, beta=ref.beta, qstar=ref.qstar)
    try:
        res = converge(update, x0, tol=tol, method="hybr", maxiter=maxiter)
    except ComputationError as exc:
        return EndpointResult.failure(str(exc), residual=math.inf, iterations=0, **known)
    v = res.values
    P = px0 = math.nan
    converged, message = bool(res.converged), res.message
    try:
        T = endpoint_terms(ref, v, order)
        P, px0 = T.P, T.px0
    except ComputationError as exc:
        converged, message = False, f"{message}; log coefficient: {exc}"
    return EndpointResult(d_c=0.5 * (1.0 - v["p"]), K=v["K"], a0=v["a0"], a1=v["a1"], pt=v["pt"], s0=v["s0"],
                          s1=v["s1"], converged=converged, residual=float(res.residual), iterations=int(res.iterations),
                          message=message, violated_fraction=P, log_coefficient=0.5 * a * P,
                          sqrt_coefficient=a * px0 * I_G, **known)
