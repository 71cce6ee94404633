"""Compositional phase of random ReLU-RBMs: the ``p -> 0`` rescaled theory and ``l*``.

[tubiana2017]; [manzan2021, slides 29-31 and 36];
derivation and corrections in ``docs/relu_rbm.md`` (section "Compositional
phase"). Scalings (R10): ``L = l/p``, ``theta = theta~ sqrt(p)``, ``g = g~ p``,
``m = m~ p/2``, ``r = r~ p``, ``B = B~ p``, ``f = f~ p``, ``q`` and ``C`` unscaled
(the slide's ``q = q~ p`` is a typo: ``q`` stays O(1)). ``W`` becomes Skellam:
``P(W = w) = e^{-l} I_w(l)`` ([manzan2021, slide 36]). With ``M = m~/(2 sqrt(alpha r~))``,
``theta_v = -(g~ + alpha B~/2)/sqrt(alpha r~)``, ``theta_h = theta~/sqrt(q)``,
``x_W = M W - theta_v`` ([manzan2021, slide 31]; docs Eqs. R11-R15)::

    m~ = (2/l) <W H0(-x_W)>      q = <H0(-x_W)>      C = <G(x_W)> / sqrt(alpha r~)
    r~ = q H2(theta_h)/(1-C)^2   B~ = H0(theta_h)/(1-C)

Rescaled free energy (R16) and its on-shell forms (R17, [manzan2021, slide 31])::

    f~ = l m~^2/8 + alpha (r~ C + B~ q)/2 - sqrt(alpha r~) <H1(-x_W)> - alpha q H2(theta_h)/(2(1-C))
       = -l m~^2/8 - g~ q - alpha r~/2
       = -l m~^2/8 - alpha (r~ C + B~ q)/2 - g~ q + alpha sqrt(q) theta~ H1(theta_h)/(2(1-C)).

``l*`` minimises ``f~(l)`` over ``l >= 0`` (a ground state minimises over the
number of condensed hidden units); the compositional phase is where ``l* > 0``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from scipy.special import ive

from theory.core import Record, check_real, converge
from theory.rbm.relu_rbm import H0, H2, Gc

__all__ = ["CompositionalSolution", "LStar", "compositional_free_energy", "compositional_phase_diagram", "l_star",
           "skellam", "solve_compositional"]


def skellam(l: float, tail: float = 1e-17) -> tuple[np.ndarray, np.ndarray]:
    """``P(W = w) = e^{-l} I_w(l)`` on the integers with total mass ``>= 1 - tail`` ([manzan2021, slide 36]).

    Law of the difference of two independent Poisson(l/2) variables: the ``p -> 0``
    limit of a sum of ``l/p`` weights ``+-1`` w.p. ``p/2`` each (docs/relu_rbm.md (R10)).
    """
    l = check_real("l", l, ge=0)
    if l == 0:
        return np.array([0.0]), np.array([1.0])
    wmax = int(10 + l + 12 * math.sqrt(l))
    w = np.arange(-wmax, wmax + 1)
    P = ive(np.abs(w), l)  # I_w(l) e^{-l}; I_{-w} = I_w
    keep = P > tail * 1e-3
    return w[keep].astype(float), P[keep]


@dataclass(frozen=True, kw_only=True)
class CompositionalSolution(Record):
    """Saddle point of the rescaled (p -> 0) equations at given l."""

    alpha: float
    theta: float
    g: float
    l: float
    m: float
    q: float
    r: float
    B: float
    C: float
    f: float
    f_onshell: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""


def _x(W, m, r, B, alpha, g):
    s = math.sqrt(alpha * r)
    return (m * W / 2 + g + alpha * B / 2) / s, s


def compositional_free_energy(alpha: float, theta: float, g: float, l: float, m: float, r: float, B: float, q: float,
                              C: float, W: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Rescaled free energy ``f~`` of Eq. R16 at any point.

    Examples
    --------
    >>> s = solve_compositional(0.1, 1.0, -0.1, 3.0)   # at the saddle point (R16) equals its on-shell form (R17)
    >>> f = compositional_free_energy(0.1, 1.0, -0.1, 3.0, s.m, s.r, s.B, s.q, s.C)
    >>> abs(f - (-3.0 * s.m**2 / 8 + 0.1 * s.q - 0.1 * s.r / 2)) < 1e-10
    True
    """
    Wv, Pw = W if W is not None else skellam(l)
    x, s = _x(Wv, m, r, B, alpha, g)
    th = theta / math.sqrt(q)
    a = m * Wv / 2 + g + alpha * B / 2  # s H1(-x) = a H0(-x) + s G(x), stable as s -> 0
    return float(l * m * m / 8 + alpha * (r * C + B * q) / 2 - np.dot(Pw, a * H0(-x) + s * Gc(x))
                 - alpha * q * H2(th) / (2 * (1 - C)))


def _update(alpha, theta, g, l, Wv, Pw, fix_m0=False):
    """Fixed-point map in ``(m~, s, B~)`` with ``s = sqrt(alpha r~)`` (docs/relu_rbm.md (R18)).

    Eliminating ``C = <G(x)>/s`` from (R14)-(R15) gives the equivalent, manifestly
    stable form ``s = <Gc(x)> + sqrt(alpha q H2(theta_h))``, ``B~ = H0(theta_h) s / sqrt(alpha q H2)``,
    in which ``C < 1`` holds automatically.
    """
    def update(z):
        m = 0.0 if fix_m0 else z["m"]
        s = max(z["s"], 1e-300)
        B = z["B"]
        x = (m * Wv / 2 + g + alpha * B / 2) / s
        h0 = H0(-x)
        q = max(float(np.dot(Pw, h0)), 1e-300)
        Gm = float(np.dot(Pw, Gc(x)))
        th = theta / math.sqrt(q)
        root = max(math.sqrt(alpha * q * max(float(H2(th)), 1e-300)), 1e-300)
        s_new = Gm + root
        return {"m": 0.0 if fix_m0 else 2 * float(np.dot(Pw, Wv * h0)) / l,
                "s": s_new, "B": float(H0(th)) * s_new / root}
    return update


def _observables(alpha, g, Wv, Pw, m, s, B):
    x = (m * Wv / 2 + g + alpha * B / 2) / s
    return float(np.dot(Pw, H0(-x))), float(np.dot(Pw, Gc(x))) / s


def solve_compositional(alpha: float, theta: float, g: float, l: float,
                        init: Mapping[str, float] | CompositionalSolution | None = None, *, tol: float = 1e-11,
          branch: str = "retrieval") -> CompositionalSolution:
    """Solve (R11)-(R15) at given ``(alpha, theta~, g~, l)``.

    ``branch="retrieval"`` starts from the noise-free condensed state (``m~`` of the
    state where a visible unit is on iff ``W > 0``, ``r~`` small); ``branch="glass"``
    solves the non-condensed state ``m~ = 0`` (independent of ``l``).
    ``converged=False`` if the solve fails or lands on an unphysical point (``C >= 1``, ``q = 0``).

    Examples
    --------
    >>> s = solve_compositional(0.1, 1.0, -0.1, 3.0)
    >>> s.converged, bool(s.m > 0), abs(s.f - s.f_onshell) < 1e-10   # (R16) = (R17) on shell
    (True, True, True)
    >>> a, b = (solve_compositional(0.1, 1.0, -0.1, l, branch="glass") for l in (3.0, 0.0))
    >>> a.m, abs(a.f - b.f) < 1e-12   # the glass branch does not depend on l
    (0.0, True)
    """
    alpha = check_real("alpha", alpha, gt=0)
    theta = check_real("theta", theta)
    g = check_real("g", g)
    l = check_real("l", l, ge=0)
    if branch not in ("retrieval", "glass"):
        raise ValueError(f"branch must be 'retrieval' or 'glass' (got {branch!r})")
    glass = branch == "glass" or l == 0
    Wv, Pw = skellam(l)
    if isinstance(init, CompositionalSolution):
        init = {"m": init.m, "s": math.sqrt(alpha * init.r), "B": init.B}
    if init:
        x0 = dict(init)
    elif glass:
        x0 = {"m": 0.0, "s": 1.0, "B": 1.0}
    else:
        x0 = {"m": 2 * float(np.dot(Pw, np.maximum(Wv, 0))) / l, "s": 0.05, "B": 0.1}
    upd = _update(alpha, theta, g, l, Wv, Pw, fix_m0=glass)
    res = converge(upd, x0, tol=tol, damping=0.3, maxiter=5000, method="auto", stall_window=500)
    v = res.values
    q, C = _observables(alpha, g, Wv, Pw, v["m"], v["s"], v["B"]) if v["s"] > 0 else (math.nan, math.nan)
    r = v["s"] ** 2 / alpha
    ok = bool(res.converged and C < 1 and 0 < q <= 1 and r > 0)
    if ok:
        f = compositional_free_energy(alpha, theta, g, l, v["m"], r, v["B"], q, C, (Wv, Pw))
        f_on = -l * v["m"] ** 2 / 8 - g * q - alpha * r / 2
    else:
        f = f_on = math.nan
    msg = res.message if (ok or not res.converged) else "unphysical fixed point"
    return CompositionalSolution(alpha=alpha, theta=theta, g=g, l=l, m=v["m"], q=q, r=r, B=v["B"], C=C, f=f,
                                 f_onshell=f_on, converged=ok, residual=res.residual, iterations=res.iterations,
                                 message=msg)


@dataclass(frozen=True, kw_only=True)
class LStar(Record):
    """Optimal number (rescaled) of strongly active hidden units."""

    alpha: float
    theta: float
    g: float
    l_star: float
    f_star: float
    f0: float
    m: float
    q: float
    r: float
    compositional: bool
    converged: bool
    message: str = ""


def l_star(alpha: float, theta: float, g: float, *, l_max: float = 40.0, n_grid: int = 41,
           init: Mapping[str, float] | CompositionalSolution | None = None) -> LStar:
    """``l* = argmin_l f~(l)`` ([manzan2021, slides 30-31]): ``L ~ l*/p`` strongly active hidden units.

    Scans ``l`` on a grid in ``(0, l_max]`` with warm starts, refines the best bracket with
    a bounded scalar minimisation, and compares with the non-condensed state ``l = 0``
    (``f0``) and the all-silent state ``v = 0`` (``f~ = 0``). ``compositional`` is True when
    ``f~(l*) < min(f0, 0)``; otherwise ``l_star = 0`` and ``f_star = min(f0, 0)``.
    ``converged=False`` if the grid minimum is at ``l_max`` (l* not bracketed) or solves failed.

    Examples
    --------
    >>> r = l_star(0.1, 3.0, -0.2, l_max=5.0, n_grid=6)
    >>> r.compositional, r.converged
    (True, True)
    >>> def f_noise_free(l):   # large theta~: r~ -> 0, a visible unit is on iff W >= 1
    ...     w, P = skellam(l)
    ...     return -np.dot(P, np.maximum(w, 0)) ** 2 / (2 * l) + 0.2 * P[w > 0].sum()
    >>> bool(abs(r.f_star - f_noise_free(r.l_star)) < 1e-5)
    True
    """
    alpha = check_real("alpha", alpha, gt=0)
    theta = check_real("theta", theta)
    g = check_real("g", g)
    l_max = check_real("l_max", l_max, gt=0)
    s0 = solve_compositional(alpha, theta, g, 0.0)
    f0 = s0.f if s0.converged else math.inf
    ls = np.linspace(l_max / (n_grid - 1), l_max, n_grid - 1)

    def condensed(l, init):
        s = solve_compositional(alpha, theta, g, float(l), init=init)
        if not (s.converged and s.m > 1e-6) and init is not None:
            s = solve_compositional(alpha, theta, g, float(l))
        return s, (s.f if s.converged and s.m > 1e-6 else math.inf)

    fs, sols, prev = [], [], None
    for l in ls:
        sol, fl = condensed(l, prev)
        sols.append(sol)
        fs.append(fl)
        prev = sol if np.isfinite(fl) else prev
    fs = np.array(fs)
    msg, conv = "", bool(s0.converged)
    if not np.isfinite(fs).any():
        return LStar(alpha=alpha, theta=theta, g=g, l_star=0.0, f_star=min(f0, 0.0), f0=f0, m=0.0, q=s0.q, r=s0.r,
                     compositional=False, converged=conv,
                     message="no condensed (m > 0) solution on the l grid" + ("" if conv else "; glass: " + s0.message))
    i = int(np.argmin(fs))
    if i == len(ls) - 1:
        conv, msg = False, f"minimum at l_max = {l_max}: l* not bracketed"
        best_l, best, fbest = float(ls[i]), sols[i], fs[i]
    else:
        a = float(ls[i - 1]) if i > 0 else 1e-6
        b = float(ls[i + 1])
        cache: dict = {}

        def fl(l):
            cache[l] = condensed(l, sols[i])
            return cache[l][1]

        opt = scipy.optimize.minimize_scalar(fl, bounds=(a, b), method="bounded", options={"xatol": 1e-6})
        best_l = float(opt.x)
        best, fbest = cache[opt.x] if opt.x in cache else condensed(best_l, sols[i])
        if not fbest <= fs[i]:
            best_l, best, fbest = float(ls[i]), sols[i], fs[i]
    # the all-silent state v = 0, h = 0 (q = 0) has f~ = 0 and competes too
    comp = bool(fbest < min(f0, 0.0) - 1e-12)
    if comp:
        return LStar(alpha=alpha, theta=theta, g=g, l_star=best_l, f_star=fbest, f0=f0, m=best.m, q=best.q, r=best.r,
                     compositional=True, converged=conv, message=msg or best.message)
    return LStar(alpha=alpha, theta=theta, g=g, l_star=0.0, f_star=min(f0, 0.0), f0=f0, m=0.0,
                 q=s0.q if f0 < 0 else 0.0, r=s0.r if f0 < 0 else 0.0, compositional=False, converged=conv,
                 message=msg or f"condensed branch (best l = {best_l:.4g}, f = {fbest:.6g}) above the "
                                f"non-condensed state (f0 = {f0:.6g}) or the silent state (f = 0)")


def compositional_phase_diagram(alphas: Sequence[float] | np.ndarray, thetas: Sequence[float] | np.ndarray, g: float,
                                **kw) -> list[LStar]:
    """``l*`` on the grid ``alphas x thetas`` at fixed ``g~`` (the phase diagram of [manzan2021, slide 31]).

    Examples
    --------
    >>> d = compositional_phase_diagram([0.1], [1.0, 3.0], -0.2, l_max=5.0, n_grid=6)   # rows: alpha, then theta
    >>> [(x.theta, x.compositional) for x in d]   # compositional only at the larger threshold
    [(1.0, False), (3.0, True)]
    """
    return [l_star(float(a), float(t), g, **kw) for a in alphas for t in thetas]
