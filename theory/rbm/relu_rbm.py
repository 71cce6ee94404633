"""Random ReLU-RBM (R-RBM) ensemble at zero temperature, homogeneous RS free energy.

[tubiana2017], as summarised in [manzan2021, slides 21-28]. Derivation and the corrections to the printed
formulas are in
``docs/relu_rbm.md``. Visible ``v_i in {0,1}`` with potential ``U_v(v) = -g v``;
hidden ReLU ``U(h) = h^2/2 + theta h``, ``h >= 0``; ``M = alpha N`` hidden units;
weights ``w = +-1/sqrt(N)`` with probability ``p/2`` each, else 0. Ansatz: ``L``
hidden units strongly active, ``h = m sqrt(N)``; ``W = sqrt(N) sum_{mu<=L} w_{i mu}``.

Ground-state free energy (docs/relu_rbm.md Eq. R1; [manzan2021, slide 27] with the sign of
the ``H^(1)`` argument and of the ``H^(2)`` term corrected)::

    f = L m^2/2 + alpha (r C + B q)/2 - sqrt(alpha p r) < H1(-x_W) >_W
        - alpha p q H2(theta_h) / (2 (1 - C)),
    x_W = (g + m W + alpha B/2) / sqrt(alpha p r),   theta_h = theta / sqrt(p q),

with ``Hk(x) = int_x^inf Dz (z - x)^k``. Its stationary point (R2)-(R6)::

    m = <W H0(-x_W)>_W / L         q = <H0(-x_W)>_W
    C = sqrt(p/(alpha r)) <G(x_W)>_W
    r = p q H2(theta_h) / (1 - C)^2    B = p H0(theta_h) / (1 - C)
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.optimize

from theory.core import G, H, Record, check_int, check_real, converge, errors_field, residual_sensitivity

__all__ = ["H0", "H1", "H2", "weight_distribution", "RRBMSolution", "relu_rbm_free_energy", "solve_relu_rbm",
           "threshold_hopfield_capacity", "solve_threshold_hopfield"]


_XMAX = 1e6  # theory.core.special H/G return NaN for |x| >~ 1e100 and inf; clip (exact to double precision)


def _c(x):
    return np.clip(np.asarray(x, dtype=float), -_XMAX, _XMAX)


def Gc(x):
    """Standard normal density, safe for infinite arguments."""
    return G(_c(x))


def H0(x):
    """``int_x^inf Dz`` = ``H(x)`` (safe for infinite arguments)."""
    return H(_c(x))


def H1(x):
    """``int_x^inf Dz (z - x) = G(x) - x H(x)`` (docs/relu_rbm.md Eq. R0)."""
    x = _c(x)
    return G(x) - x * H(x)


def H2(x):
    """``int_x^inf Dz (z - x)^2 = (1 + x^2) H(x) - x G(x)`` (docs/relu_rbm.md Eq. R0)."""
    x = _c(x)
    return np.where(x > 1e3, 0.0, (1 + x * x) * H(x) - x * G(x))


def weight_distribution(L: int, p: float, cutoff: float = 1e-18) -> tuple[np.ndarray, np.ndarray]:
    """Exact law of ``W = sum_{mu=1}^{L} xi_mu``, ``xi = +-1`` w.p. ``p/2`` each, 0 w.p. ``1-p``.

    Returns ``(values, probabilities)`` (probabilities below ``cutoff`` dropped,
    then renormalised; the dropped mass is below ``L * cutoff``).
    """
    L = check_int("L", L, ge=1, le=100000)
    p = check_real("p", p, gt=0, le=1)
    # repeated squaring of the generating polynomial (p/2) x^-1 + (1-p) + (p/2) x
    base = np.array([p / 2, 1 - p, p / 2])
    out = np.array([1.0])
    n = L
    while n:
        if n & 1:
            out = np.convolve(out, base)
        n >>= 1
        if n:
            base = np.convolve(base, base)
            base[base < cutoff * 1e-3] = 0.0
    w = np.arange(len(out)) - (len(out) - 1) // 2
    keep = out > cutoff
    return w[keep].astype(float), out[keep] / out[keep].sum()


@dataclass(frozen=True, kw_only=True)
class RRBMSolution(Record):
    """Zero-temperature RS saddle point of the homogeneous R-RBM.

    ``errors``: the error estimate of ``m``, ``q``, ``r``, ``B``, ``C``, ``f``: the distance to the
    fixed point (Aitken's estimate from two more map applications, at least 10 x the residual)
    propagated into every field (:func:`theory.core.residual_sensitivity`); the sums over the weight
    distribution are exact up to its cutoff, no quadrature order.
    """

    alpha: float
    p: float
    theta: float
    g: float
    L: float
    m: float
    q: float
    r: float
    B: float
    C: float
    f: float
    converged: bool
    residual: float
    iterations: int
    message: str = ""
    errors: dict = errors_field()


def _visible(Wv, Pw, g, m, B, alpha, p, r):
    s = math.sqrt(alpha * p * r)
    x = (g + m * Wv + alpha * B / 2) / s
    return x, s


def relu_rbm_free_energy(alpha: float, p: float, theta: float, g: float, L: int, m: float, r: float, B: float,
                         q: float, C: float, W: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """``f(L, m, r, B, q, C)`` of Eq. R1 at any point (for stationarity checks).

    Examples
    --------
    >>> s = solve_relu_rbm(0.05, 0.5, 0.2, -0.1, 2)   # f is stationary at the saddle point
    >>> x = {k: getattr(s, k) for k in ("m", "r", "B", "q", "C")}
    >>> def f(k, h):
    ...     return relu_rbm_free_energy(0.05, 0.5, 0.2, -0.1, 2, **{**x, k: x[k] + h})
    >>> s.converged, f("m", 0.0) == s.f, all(abs(f(k, 1e-5) - f(k, -1e-5)) < 1e-13 for k in x)
    (True, True, True)
    """
    Wv, Pw = W if W is not None else weight_distribution(int(L), p)
    x, s = _visible(Wv, Pw, g, m, B, alpha, p, r)
    th = theta / math.sqrt(p * q)
    # s H1(-x) = E[(a + s z)_+] = a H0(-x) + s G(x), a = s x: no cancellation as s -> 0
    a = g + m * Wv + alpha * B / 2
    return float(L * m * m / 2 + alpha * (r * C + B * q) / 2 - np.dot(Pw, a * H0(-x) + s * Gc(x))
                 - alpha * p * q * H2(th) / (2 * (1 - C)))


def _update(alpha, p, theta, g, L, Wv, Pw, tie_g=False):
    """Fixed-point map in ``(m, s, B)``, ``s = sqrt(alpha p r)`` (docs/relu_rbm.md Eq. R7).

    Eliminating ``C = p <G(x)>/s`` from (R5)-(R6): ``s = p <G(x)> + p sqrt(alpha q H2(theta_h))``,
    ``B = H0(theta_h) s / sqrt(alpha q H2(theta_h))``; ``C < 1`` then holds automatically.
    ``tie_g``: ``g = -alpha B / 2`` (threshold-Hopfield reduction, [manzan2021, slide 28]).
    """
    def update(z):
        m, B = z["m"], z["B"]
        s = max(z["s"], 1e-300)
        gg = -alpha * B / 2 if tie_g else g
        x = (gg + m * Wv + alpha * B / 2) / s
        h0 = H0(-x)
        q = max(float(np.dot(Pw, h0)), 1e-300)
        th = theta / math.sqrt(p * q)
        root = max(math.sqrt(alpha * q * max(float(H2(th)), 1e-300)), 1e-300)
        s_new = p * float(np.dot(Pw, Gc(x))) + p * root
        return {"m": float(np.dot(Pw, Wv * h0)) / L, "s": s_new, "B": float(H0(th)) * s_new / root}
    return update


def _finish(alpha, p, theta, g, L, Wv, Pw, res) -> RRBMSolution:
    v = res.values
    m, s, B = v["m"], v["s"], v["B"]
    if not (s > 0):
        return RRBMSolution.failure("s <= 0: " + res.message, alpha=alpha, p=p, theta=theta, g=g, L=float(L), m=m,
                                    B=B, residual=res.residual, iterations=res.iterations)
    x = (g + m * Wv + alpha * B / 2) / s
    q = float(np.dot(Pw, H0(-x)))
    C = p * float(np.dot(Pw, Gc(x))) / s
    r = s * s / (alpha * p)
    ok = bool(res.converged and 0 < q <= 1 and C < 1 and r > 0)
    f = relu_rbm_free_energy(alpha, p, theta, g, L, m, r, B, q, C, (Wv, Pw)) if ok else math.nan
    msg = res.message if (ok or not res.converged) else f"unphysical fixed point (q = {q:.3g})"
    errors: dict[str, float] = {}
    if ok:
        def evaluate(y):
            xs = (g + y["m"] * Wv + alpha * y["B"] / 2) / y["s"]
            qy = float(np.dot(Pw, H0(-xs)))
            Cy = p * float(np.dot(Pw, Gc(xs))) / y["s"]
            ry = y["s"] ** 2 / (alpha * p)
            fy = relu_rbm_free_energy(alpha, p, theta, g, L, y["m"], ry, y["B"], qy, Cy, (Wv, Pw))
            return {"q": qy, "C": Cy, "r": ry, "f": fy}

        # distance to the fixed point by Aitken's estimate from two more map applications,
        # |F(x) - x| / (1 - L) with the contraction L = |F(F(x)) - F(x)| / |F(x) - x| (an iteration that
        # stopped at a residual converges on slowly when L is near 1; floor: 10 x the residual)
        x0 = {"m": m, "s": s, "B": B}
        dist = {k: 10.0 * max(float(res.residual), 1e-15) * max(1.0, abs(v)) for k, v in x0.items()}
        try:
            F = _update(alpha, p, theta, g, L, Wv, Pw)
            x1 = F(x0)
            x2 = F(x1)
            for k in x0:
                d1, d2 = abs(x1[k] - x0[k]), abs(x2[k] - x1[k])
                Lk = min(d2 / d1, 0.999) if d1 > 0.0 else 0.0
                dist[k] = max(dist[k], 2.0 * d1 / (1.0 - Lk))
        except (ArithmeticError, ValueError):
            pass
        e = residual_sensitivity(evaluate, x0, 1.0, scale=dist, amplification=1.0)
        errors = {k: e[k] for k in ("m", "q", "r", "B", "C", "f")}
    return RRBMSolution(alpha=alpha, p=p, theta=theta, g=g, L=float(L), m=m, q=q, r=r, B=B, C=C, f=f, converged=ok,
                        residual=res.residual, iterations=res.iterations, message=msg, errors=errors)


def solve_relu_rbm(alpha: float, p: float, theta: float, g: float, L: int,
                   init: Mapping[str, float] | RRBMSolution | None = None, *,
                   tol: float = 1e-11, W: tuple[np.ndarray, np.ndarray] | None = None) -> RRBMSolution:
    """Solve the zero-temperature saddle-point equations (R2)-(R6) for given (alpha, p, theta, g, L).

    Parameters
    ----------
    alpha
        ``M/N`` (> 0).
    p
        Weight sparsity (0 < p <= 1).
    theta
        ReLU threshold of the hidden units (real).
    g
        Field on the {0,1} visible units (real).
    L
        Number of strongly activated hidden units (integer >= 1).
    init
        Warm start (dict with m, s, B or an :class:`RRBMSolution`). Without it the
        solve starts from the noise-free condensed state with ``s = sqrt(alpha p r)``
        in ``{1e-3, 0.1, 1} p`` and returns the converged solution of lowest ``f``.

    Returns
    -------
    RRBMSolution
        Order parameters, the free energy ``f`` and the solver diagnostics.

    Examples
    --------
    >>> t = solve_threshold_hopfield(0.05, 0.0)   # p = 1, L = 1 and g = -alpha B / 2: the threshold Hopfield net
    >>> s = solve_relu_rbm(0.05, 1.0, 0.0, t.g, 1)
    >>> s.converged, abs(s.m - t.m) < 1e-9, abs(s.f - t.f) < 1e-12
    (True, True, True)
    """
    alpha = check_real("alpha", alpha, gt=0)
    p = check_real("p", p, gt=0, le=1)
    theta = check_real("theta", theta)
    g = check_real("g", g)
    L = check_int("L", L, ge=1, le=100000)
    Wv, Pw = W if W is not None else weight_distribution(L, p)
    if isinstance(init, RRBMSolution):
        init = {"m": init.m, "s": math.sqrt(alpha * p * init.r), "B": init.B}
    m0 = float(np.dot(Pw, np.maximum(Wv, 0))) / L
    starts = [dict(init)] if init else [{"m": m0, "s": f * p, "B": f * p} for f in (1e-3, 1e-1, 1.0)]
    best = None
    for x0 in starts:
        res = converge(_update(alpha, p, theta, g, L, Wv, Pw), x0, tol=tol, damping=0.3, maxiter=5000,
                       method="auto", stall_window=500)
        sol = _finish(alpha, p, theta, g, L, Wv, Pw, res)
        if best is None or (sol.converged and (not best.converged or sol.f < best.f)):
            best = sol
    return best


# ---------------------------------------------------------------------------
# Hopfield network with threshold ([manzan2021, slide 28]): p = 1, L = 1, g = -alpha B / 2
# ---------------------------------------------------------------------------
def solve_threshold_hopfield(alpha: float, theta: float, init: Mapping[str, float] | RRBMSolution | None = None, *,
                             tol: float = 1e-12) -> RRBMSolution:
    """R-RBM at ``p = 1``, ``L = 1`` with ``g = -alpha B/2`` ([manzan2021, slide 28]; docs/relu_rbm.md (R8)).

    Then ``W = +-1`` and ``m = erf(m/sqrt(2 alpha r))/2``, ``q = 1/2``,
    ``C = exp(-m^2/(2 alpha r))/sqrt(2 pi alpha r)``, ``r = H2(sqrt2 theta)/(2 (1-C)^2)``.
    Solved as the general system (R2)-(R6) with ``g`` tied to ``B`` at each step.

    Examples
    --------
    >>> from scipy.special import erf
    >>> t = solve_threshold_hopfield(0.05, 0.0)
    >>> t.converged, t.q, bool(abs(t.m - erf(t.m / math.sqrt(2 * t.alpha * t.r)) / 2) < 1e-12)
    (True, 0.5, True)
    >>> solve_threshold_hopfield(0.2, 0.0).message   # above the capacity 0.138
    'no retrieval solution (m = 0)'
    """
    alpha = check_real("alpha", alpha, gt=0)
    theta = check_real("theta", theta)
    Wv, Pw = np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    if isinstance(init, RRBMSolution):
        init = {"m": init.m, "s": math.sqrt(alpha * init.r), "B": init.B}
    x0 = dict(init) if init else {"m": 0.5, "s": math.sqrt(alpha * float(H2(math.sqrt(2) * theta)) / 2), "B": 1.0}
    res = converge(_update(alpha, 1.0, theta, 0.0, 1, Wv, Pw, tie_g=True), x0, tol=tol, damping=0.3,
                   maxiter=5000, method="auto", stall_window=500)
    sol = _finish(alpha, 1.0, theta, -alpha * res.values["B"] / 2, 1, Wv, Pw, res)
    if sol.converged and sol.m < 1e-6:
        return dataclasses.replace(sol, converged=False, message="no retrieval solution (m = 0)")
    return sol


def threshold_hopfield_capacity(theta: float) -> float:
    """Capacity of the threshold-Hopfield network: largest alpha with a retrieval solution.

    With ``y = m/sqrt(2 alpha r)`` the equations of :func:`solve_threshold_hopfield` give
    ``alpha(y) = (m (1 - C))^2 / (y^2 H2(sqrt2 theta))``, ``m = erf(y)/2``,
    ``C = y e^{-y^2}/(m sqrt(pi))`` (docs/relu_rbm.md Eq. R9); the capacity is its maximum.
    Equals ``alpha_c^Hopfield / (2 H2(sqrt2 theta))``; 0.138 at ``theta = 0``.

    Examples
    --------
    >>> from theory.rbm.hopfield import hopfield_capacity
    >>> ac = hopfield_capacity().alpha_c
    >>> abs(threshold_hopfield_capacity(0.0) - ac) < 1e-9   # H2(0) = 1/2
    True
    >>> abs(threshold_hopfield_capacity(0.5) * 2 * float(H2(math.sqrt(2) * 0.5)) - ac) < 1e-9
    True
    """
    theta = check_real("theta", theta)
    h2 = float(H2(math.sqrt(2) * theta))
    from scipy.special import erf

    def a(y):
        m = erf(y) / 2
        C = y * math.exp(-y * y) / (m * math.sqrt(math.pi))
        return (m * (1 - C)) ** 2 / (y * y * h2)

    opt = scipy.optimize.minimize_scalar(lambda y: -a(y), bounds=(0.5, 3.0), method="bounded",
                                         options={"xatol": 1e-12})
    return float(-opt.fun)
