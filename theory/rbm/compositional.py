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

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from scipy.special import ive

from theory.core import Record, bound_violations, check_real, converge, errors_field, residual_sensitivity
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
    """Saddle point of the rescaled (p -> 0) equations at given l.

    ``errors``: the error estimate of ``m``, ``q``, ``r``, ``B``, ``C``, ``f``: the distance to the
    fixed point (Aitken's estimate from two more map applications, floor 10 x the residual)
    propagated into every field (:func:`theory.core.residual_sensitivity`); the Skellam sums are
    truncated at a tail mass of 1e-17 and carry no quadrature error.
    """

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
    errors: dict = errors_field()


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
    errors: dict[str, float] = {}
    if ok:
        errors = _solution_errors(alpha, theta, g, l, Wv, Pw, upd, v, res.residual, glass)
        viol = bound_violations({"q": q, "C": C, "r": r}, {"q": (0.0, 1.0), "C": (None, 1.0), "r": (0.0, None)},
                                errors)
        if viol:
            ok, msg, f, f_on = False, "physical bound violated: " + "; ".join(viol), math.nan, math.nan
    return CompositionalSolution(alpha=alpha, theta=theta, g=g, l=l, m=v["m"], q=q, r=r, B=v["B"], C=C, f=f,
                                 f_onshell=f_on, converged=ok, residual=res.residual, iterations=res.iterations,
                                 message=msg, errors=errors)


def _solution_errors(alpha, theta, g, l, Wv, Pw, upd, v, residual, glass) -> dict[str, float]:
    """Errors of every field from the distance to the fixed point (as :func:`theory.rbm.solve_relu_rbm`)."""
    def evaluate(y):
        s = y["s"]
        qy, Cy = _observables(alpha, g, Wv, Pw, y["m"], s, y["B"])
        ry = s * s / alpha
        return {"q": qy, "C": Cy, "r": ry,
                "f": compositional_free_energy(alpha, theta, g, l, y["m"], ry, y["B"], qy, Cy, (Wv, Pw))}

    x0 = {k: float(v[k]) for k in ("m", "s", "B")}
    dist = {k: 10.0 * max(float(residual), 1e-15) * max(1.0, abs(x)) for k, x in x0.items()}
    if glass:
        dist["m"] = 0.0  # m~ = 0 exactly on the glass branch
    try:
        x1 = upd(x0)
        x2 = upd(x1)
        for k in x0:
            d1, d2 = abs(x1[k] - x0[k]), abs(x2[k] - x1[k])
            Lk = min(d2 / d1, 0.999) if d1 > 0.0 else 0.0
            dist[k] = max(dist[k], 2.0 * d1 / (1.0 - Lk))
        e = residual_sensitivity(evaluate, x0, 1.0, scale=dist, amplification=1.0)
    except (ArithmeticError, ValueError):
        return {k: math.inf for k in ("m", "q", "r", "B", "C", "f")}
    vals = {"m": x0["m"], "B": x0["B"], **evaluate(x0)}
    # plus rounding: the sums over W and the special functions, a few hundred ulp of the scale
    return {k: e[k] + 1e-13 * max(1.0, abs(vals[k])) * (k != "m" or not glass) for k in ("m", "q", "r", "B", "C", "f")}


@dataclass(frozen=True, kw_only=True)
class LStar(Record):
    """Optimal number (rescaled) of strongly active hidden units.

    ``errors``: the error estimate of ``l_star``, ``f_star``, ``f0``, ``m``, ``q``, ``r`` (see :func:`l_star`).
    """

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
    errors: dict = errors_field()


def _l_star_errors(alpha, theta, g, l, best, xatol) -> dict[str, float]:
    """Errors of a minimiser ``l`` of ``f~(l)`` and of the fields there.

    The bounded minimisation stops within ``2 (sqrt(eps) l + xatol)``; a free energy known to
    ``e_f`` only locates the minimum to ``sqrt(4 e_f / f'')`` (the set where ``f - f* < e_f``). The
    curvature ``f''`` and the slopes ``d x / d l`` come from central differences of re-solved saddle
    points; ``f_star`` adds ``f'' e_l^2 / 2`` (the reported point is above the true minimum by that).
    """
    h = max(1e-3 * l, 1e-4)
    sm, sp = (solve_compositional(alpha, theta, g, max(l + d, 1e-9), init=best) for d in (-h, h))
    names = ("l_star", "f_star", "m", "q", "r")
    if not (sm.converged and sp.converged and sm.m > 1e-6 and sp.m > 1e-6):
        return {k: math.inf for k in names}
    lo = max(l - h, 1e-9)
    curv = (sp.f - 2.0 * best.f + sm.f) / (h * (l + h - lo) / 2.0 + (l - lo) * h / 2.0) if l > h else math.nan
    e_f = best.errors.get("f", math.inf) + 1e-15 * max(1.0, abs(best.f))
    e_l = 2.0 * (1.5e-8 * abs(l) + xatol)
    e_l += math.sqrt(4.0 * e_f / curv) if curv > 0 else 2.0 * h
    out = {"l_star": e_l, "f_star": e_f + 0.5 * abs(curv if math.isfinite(curv) else 0.0) * e_l**2
           + (0.0 if curv > 0 else abs(sp.f - sm.f) / (2 * h) * e_l)}
    for k in ("m", "q", "r"):
        out[k] = best.errors.get(k, math.inf) + abs(getattr(sp, k) - getattr(sm, k)) / (l + h - lo) * e_l
    return out


def l_star(alpha: float, theta: float, g: float, *, l_max: float = 40.0, n_grid: int = 41,
           init: Mapping[str, float] | CompositionalSolution | None = None, xatol: float = 1e-6) -> LStar:
    """``l* = argmin_l f~(l)`` ([manzan2021, slides 30-31]): ``L ~ l*/p`` strongly active hidden units.

    Scans ``l`` on a grid in ``(0, l_max]`` with warm starts, refines the best bracket with
    a bounded scalar minimisation, and compares with the non-condensed state ``l = 0``
    (``f0``) and the all-silent state ``v = 0`` (``f~ = 0``). ``compositional`` is True when
    ``f~(l*) < min(f0, 0)``; otherwise ``l_star = 0`` and ``f_star = min(f0, 0)``.
    ``converged=False`` if the grid minimum is at ``l_max`` (l* not bracketed) or solves failed.
    ``xatol``: absolute tolerance of the minimisation in ``l``. ``errors`` bounds each reported
    field: the minimiser's tolerance, the location of the minimum of an ``f~`` known to its
    error estimate, and the saddle points' own errors propagated along ``l``; the physical bounds
    ``0 <= q <= 1``, ``r >= 0``, ``f_star <= min(f0, 0)`` are checked.

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
    >>> tight = l_star(0.1, 3.0, -0.2, l_max=5.0, n_grid=6, xatol=1e-11)
    >>> bool(abs(r.l_star - tight.l_star) <= r.errors["l_star"] < 1e-4)
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

        opt = scipy.optimize.minimize_scalar(fl, bounds=(a, b), method="bounded", options={"xatol": xatol})
        best_l = float(opt.x)
        best, fbest = cache[opt.x] if opt.x in cache else condensed(best_l, sols[i])
        if not fbest <= fs[i]:
            best_l, best, fbest = float(ls[i]), sols[i], fs[i]
    # the all-silent state v = 0, h = 0 (q = 0) has f~ = 0 and competes too
    comp = bool(fbest < min(f0, 0.0) - 1e-12)
    e0 = s0.errors.get("f", math.inf) if s0.converged else math.inf
    if comp:
        errs = _l_star_errors(alpha, theta, g, best_l, best, xatol)
        errs["f0"] = e0
        out = LStar(alpha=alpha, theta=theta, g=g, l_star=best_l, f_star=fbest, f0=f0, m=best.m, q=best.q, r=best.r,
                    compositional=True, converged=conv, message=msg or best.message, errors=errs)
    else:
        glass = f0 < 0
        errs = {"l_star": 0.0, "f_star": e0 if glass else 0.0, "f0": e0, "m": 0.0,
                "q": s0.errors.get("q", math.inf) if glass else 0.0,
                "r": s0.errors.get("r", math.inf) if glass else 0.0}
        out = LStar(alpha=alpha, theta=theta, g=g, l_star=0.0, f_star=min(f0, 0.0), f0=f0, m=0.0,
                    q=s0.q if glass else 0.0, r=s0.r if glass else 0.0, compositional=False, converged=conv,
                    message=msg or f"condensed branch (best l = {best_l:.4g}, f = {fbest:.6g}) above the "
                                   f"non-condensed state (f0 = {f0:.6g}) or the silent state (f = 0)", errors=errs)
    if out.converged:
        viol = bound_violations(out, {"q": (0.0, 1.0), "r": (0.0, None), "f_star": (None, min(f0, 0.0)),
                                      "l_star": (0.0, l_max)}, errs)
        bad = [k for k, v in errs.items() if not math.isfinite(v)]
        if viol or bad:
            why = (["physical bound violated: " + "; ".join(viol)] if viol else []) + (
                [f"no error estimate for {', '.join(bad)} (a neighbouring saddle point failed)"] if bad else [])
            out = dataclasses.replace(out, converged=False, message="; ".join(why + [out.message]))
    return out


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
