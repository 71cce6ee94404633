"""Franz-Parisi entropy of binary perceptron solutions around a reference configuration.

Source: seed ``004_deaa60c1bff9cc41`` (Baldassi et al., "On the role of synaptic
stochasticity in training low-precision neural networks"), main text Eq. (10)-(11),
Fig. 2 right; Supplementary Material Sec. III, Eq. (31)-(39). The printed SM
Eq. (33)-(36) carry typesetting errors; the re-derivation (replicated partition
function, RS ansatz, both analytic continuations) and the list of corrections are
in ``docs/franz_parisi.md``. Symbols follow the SM.

``S(p)`` counts binary solutions ``W`` at overlap ``p = 1 - 2d`` with the binarized
reference ``sign(m)`` (SM Eq. 31). The RS result (SM Eq. 32, corrected):

    S(p) = extr  -1/2 Qh0 (1 - Q0) + sh0 s0 - sh1 s1 - ph p + G_S^FP + alpha G_E^FP

    G_S^FP = int Dz < int Deta log 2cosh((sh1 - sh0) m + ph sign(m) + sh0/sqrt(qh0) z
                                         + sqrt(Qh0 - sh0^2/qh0) eta) >_{m|z}
    G_E^FP = int Dz0 Dz1 w(z0, z1) int Deta log H(-(A z0 + B z1 + sqrt(b') eta) / sqrt(1 - Q0))
    A = s0/sqrt(q0),  B = (s1 - s0)/sqrt(q* - q0),  b' = Q0 - A^2 - B^2

where ``<.>_{m|z}`` is the single-site measure of the reference system (SM Eq. 13 for
the stochastic perceptron, the binary / spherical perceptron for SM Eq. 39) and
``w(z0, z1)`` the reference's energetic weight of the field of replica 1,
``u1 = sqrt(q0) z0 + sqrt(q* - q0) z1`` (``H^beta(-u1/sqrt(1-q*))`` for the
stochastic perceptron, ``Theta(u1)`` with ``q* = 1`` for the binary and the
spherical one), normalised at each ``z0``. This is SM Eq. (35) written in the
other (equivalent) orthogonal decomposition of the Gaussian fields, in which
``w`` does not depend on the Franz-Parisi order parameters.

Solver: the fixed-point map of SM Eq. (37)-(38) (``Qh0, sh0, sh1`` from the
energetic term, ``Q0, s0, s1`` from the entropic one, ``ph`` from the constraint
``dG_S/dph = p`` by safeguarded Newton at each step) iterated by
:func:`theory.core.solver.converge`; curves in ``d`` by :func:`theory.core.solver.span`
starting from the maximum of ``S`` (``ph = 0``), where ``S`` equals the entropy of
all binary solutions (Gardner-Derrida) -- a built-in consistency check.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np

from theory.core.params import check_choice, check_int, check_real
from theory.core.quadrature import dz_rule, hermite_nodes, legendre_nodes, panel_rule
from theory.core.results import Record
from theory.core.solver import ComputationError, Curve, CurvePoint, converge, span
from theory.core.special import H, logG, logH
from theory.perceptron.franz_parisi.endpoint import EndpointResult, fp_endpoint
from theory.perceptron.franz_parisi.kernels import energetic_sums, entropic_sums, phat_sums

__all__ = [
    "REFERENCES",
    "ReferenceState",
    "FPResult",
    "binary_rs",
    "spherical_rs",
    "reference_state",
    "fp_functional",
    "solve_fp",
    "fp_max",
    "franz_parisi",
    "fp_curve",
    "binary_entropy_d",
    "DEFAULT_ORDER",
    "scaled_state",
    "branch_end",
    "endpoint_warm_start",
]

REFERENCES = ("stochastic", "binary", "spherical")
DEFAULT_ORDER = 8
ZMAX = 10.0
_VARS = ("Q0", "s0", "s1", "phat")
QUAD_TOL = 1e-3  # a point whose quadrature error estimate exceeds QUAD_TOL * max(1, |S|) is not 'converged'


# ---------------------------------------------------------------------------
# quadrature helpers (node sets that do not depend on the FP order parameters)
# ---------------------------------------------------------------------------
_HALF = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.5, 7.5, 10.0, 13.5, 21.0])


def _halfline(t: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and *conditional* weights of ``Dz`` restricted to ``z > t`` (rows sum to 1).

    Panels graded from ``t`` on the decay scale ``1/max(1, t)`` of the truncated
    Gaussian; for ``t < -10`` the full rule on ``[-10.5, 10.5]`` is used.
    """
    t = np.asarray(t, dtype=float)
    lo = np.maximum(t, -10.5)
    scale = 1.0 / np.maximum(1.0, lo)
    edges = lo[:, None] + scale[:, None] * _HALF[None, :]
    z, w = panel_rule(edges, order)
    logw = np.log(w) + logG(z)
    logw -= logw.max(axis=1, keepdims=True)
    p = np.exp(logw)
    return z, p / p.sum(axis=1, keepdims=True)


# ---------------------------------------------------------------------------
# reference systems
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ReferenceState(Record):
    """RS order parameters of the reference system (the ``m``-replicas).

    ``kind``: ``"stochastic"`` (SM Eq. 12-15, from :mod:`theory.perceptron.rs`),
    ``"binary"`` (Gardner-Derrida, SM Eq. 39 with binary ``dnu``) or ``"spherical"``
    (Gardner, SM Eq. 39 with spherical ``dnu``). ``qstar`` is the squared norm
    (1 for binary and spherical), ``q0`` the overlap between two reference replicas,
    ``qhat0``/``qhat1`` the conjugates in the convention of SM Eq. (13)
    (site weight ``exp((qhat1 - qhat0) m^2/2 + sqrt(qhat0) z m)``), ``phi`` the
    reference free entropy.
    """

    kind: str
    alpha: float
    beta: float
    qstar: float
    q0: float
    qhat0: float
    qhat1: float
    phi: float
    converged: bool
    message: str = ""


def binary_rs(alpha: float, *, tol: float = 1e-12, order: int = 32) -> ReferenceState:
    """Reference state of the binary perceptron at zero errors (SM Eq. 39, binary ``dnu``).

    Order parameters from :func:`theory.perceptron.references.binary_entropy`
    (Gardner-Derrida RS solution; ``phi`` is the entropy of binary solutions, main text
    ref. [13], vanishing at ``alpha ~ 0.833``). For ``m = +-1`` the site weight has
    ``qhat1 = qhat0`` (``m^2 = 1``).
    """
    from theory.perceptron.references import binary_entropy

    alpha = check_real("alpha", alpha, gt=0.0, lt=0.833)
    r = binary_entropy(alpha, tol=tol, order=order)
    return ReferenceState("binary", alpha, math.inf, 1.0, r.q, r.qhat, r.qhat, r.entropy, r.converged, r.message)


def spherical_rs(alpha: float, *, tol: float = 1e-12, order: int = 32) -> ReferenceState:
    """Reference state of the spherical perceptron at zero errors (SM Eq. 39, spherical ``dnu``).

    Order parameters from :func:`theory.perceptron.references.spherical_entropy`
    (Gardner's RS solution, ``|m|^2 = N``). In the site convention of SM Eq. (13):
    ``qhat0 = q/(1-q)^2``, ``qhat1 = qhat0 - 1/(1-q)`` (so that ``m | z ~ N(sqrt(q) z, 1 - q)``).
    """
    from theory.perceptron.references import spherical_entropy

    alpha = check_real("alpha", alpha, gt=0.0, lt=2.0)
    r = spherical_entropy(alpha, tol=tol, order=order)
    q = r.q
    qh0 = q / (1.0 - q) ** 2
    return ReferenceState("spherical", alpha, math.inf, 1.0, q, qh0, qh0 - 1.0 / (1.0 - q), r.entropy,
                          r.converged, r.message)


def reference_state(reference: str, alpha: float, beta: float | None = None, qstar: float | None = None,
                    **kw) -> ReferenceState:
    """Reference order parameters for ``reference`` in :data:`REFERENCES`."""
    check_choice("reference", reference, set(REFERENCES))
    if reference == "binary":
        return binary_rs(alpha)
    if reference == "spherical":
        return spherical_rs(alpha)
    from theory.perceptron.rs import solve_rs

    beta = check_real("beta", beta, gt=0.0, le=1e4)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    r = solve_rs(alpha, beta, qstar, **kw)
    return ReferenceState("stochastic", r.alpha, r.beta, r.qstar, r.q0, r.qhat0, r.qhat1, r.phi,
                          bool(r.converged), r.message)


# ---------------------------------------------------------------------------
# node sets for the two terms
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grids:
    ez: np.ndarray   # (nz,) entropic z nodes
    em: np.ndarray   # (nz, nm) m nodes given z
    ew: np.ndarray   # (nz, nm) weights: Dz weight times the normalised m | z measure
    gz0: np.ndarray  # (n0,) energetic z0 nodes
    gz1: np.ndarray  # (n0, n1) z1 nodes given z0
    gw: np.ndarray   # (n0, n1) weights w(z0, z1) (Dz0 weight times normalised conditional)
    eta: np.ndarray
    weta: np.ndarray
    sqD: float       # sqrt(q* - q0)


_M_GRADE = np.array([0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
_X_BREAKS = np.array([-5.0, -4.0, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0])


def _stochastic_sites(ref: ReferenceState, order: int):
    """Site measure ``exp(a m^2 + b m)`` on [-1, 1] (SM Eq. 13), split at m = 0 (sign(m))."""
    a = 0.5 * (ref.qhat1 - ref.qhat0)
    sq = math.sqrt(max(ref.qhat0, 0.0))
    bb = np.concatenate([[1.0, 2.0, 4.0, 8.0, 16.0, 32.0], 2.0 * abs(a) + np.array([-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0])])
    z, wz = dz_rule(order, np.concatenate([bb, -bb]) / max(sq, 1e-3), panels=8)
    b = sq * z
    wp = 1.0 / np.maximum(1.0, np.abs(2.0 * a + b))
    wm = 1.0 / np.maximum(1.0, np.abs(-2.0 * a + b))
    edges = [np.full_like(z, -1.0), np.zeros_like(z), np.full_like(z, 1.0)]
    edges += [1.0 - wp * g for g in _M_GRADE] + [-1.0 + wm * g for g in _M_GRADE]
    E = np.sort(np.clip(np.stack(edges, axis=-1), -1.0, 1.0), axis=-1)
    m, wmn = panel_rule(E, order)
    with np.errstate(divide="ignore"):
        lw = np.log(wmn) + a * m * m + b[:, None] * m
    lw -= lw.max(axis=1, keepdims=True)
    p = np.exp(lw)
    return z, m, p / p.sum(axis=1, keepdims=True) * wz[:, None]


def _binary_sites(ref: ReferenceState, order: int):
    z, wz = dz_rule(order, panels=16)
    t = np.tanh(math.sqrt(ref.qhat0) * z)
    m = np.stack([np.ones_like(z), -np.ones_like(z)], axis=1)
    return z, m, np.stack([0.5 * (1 + t), 0.5 * (1 - t)], axis=1) * wz[:, None]


def _spherical_sites(ref: ReferenceState, order: int):
    q = ref.q0
    z, wz = dz_rule(order, panels=16)
    zeta0 = -math.sqrt(q) * z / math.sqrt(1.0 - q)  # m = 0
    up, wu = _halfline(zeta0, order)
    dn, wd = _halfline(-zeta0, order)
    zeta = np.concatenate([up, -dn], axis=1)
    w = np.concatenate([wu * H(zeta0)[:, None], wd * H(-zeta0)[:, None]], axis=1)
    m = math.sqrt(q) * z[:, None] + math.sqrt(1.0 - q) * zeta
    return z, m, w * wz[:, None]


def _energetic_nodes(ref: ReferenceState, order: int):
    q0, qs = ref.q0, ref.qstar
    sqD = math.sqrt(qs - q0)
    z0, w0 = dz_rule(order, panels=10)
    t = -math.sqrt(q0) * z0 / sqD  # u1 = 0
    if ref.kind == "stochastic":
        s = math.sqrt(1.0 - qs)
        # u1 = sqrt(q0) z0 + sqD z1 = -s x  ->  z1 = t - x s / sqD ; the step of H^beta sits at x in [-5, 3]
        brk = t[:, None] - _X_BREAKS[None, :] * s / sqD
        edges = np.sort(np.clip(np.concatenate([np.tile(np.linspace(-ZMAX, ZMAX, 9), (z0.size, 1)), brk], axis=1),
                                -ZMAX, ZMAX), axis=1)
        z1, w1 = panel_rule(edges, order)
        with np.errstate(divide="ignore"):
            lw = np.log(w1) + logG(z1) + ref.beta * logH(-(math.sqrt(q0) * z0[:, None] + sqD * z1) / s)
        lw -= lw.max(axis=1, keepdims=True)
        p = np.exp(lw)
        p /= p.sum(axis=1, keepdims=True)
    else:
        z1, p = _halfline(t, order)
    return z0, z1, p * w0[:, None], sqD


@lru_cache(maxsize=32)
def _grids_cached(ref: ReferenceState, order: int) -> _Grids:
    site = {"stochastic": _stochastic_sites, "binary": _binary_sites, "spherical": _spherical_sites}[ref.kind]
    ez, em, ew = site(ref, order)
    gz0, gz1, gw, sqD = _energetic_nodes(ref, order)
    eta, weta = hermite_nodes(2 * order)
    return _Grids(ez, em, ew, gz0, gz1, gw, eta, weta, sqD)


# ---------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------
def _drel(order: int) -> float:
    """Spacing of the interpolation tables of the inner eta averages, relative to their scale
    (:mod:`theory.perceptron.franz_parisi.kernels`); refined with the order so that the error estimate
    (order against 3 order/2) also sees the interpolation error."""
    return 0.16 / order


# ---------------------------------------------------------------------------
# the two terms and the functional
# ---------------------------------------------------------------------------
def _ent_args(ref: ReferenceState, Qh0: float, sh0: float, sh1: float):
    c2 = Qh0 - sh0 * sh0 / ref.qhat0
    if not c2 >= -1e-12:
        raise ComputationError(f"Qhat0 qhat0 - shat0^2 < 0 (Qhat0={Qh0:.6g}, shat0={sh0:.6g}, qhat0={ref.qhat0:.6g}): "
                               "no real Hubbard-Stratonovich decoupling")
    return sh1 - sh0, sh0 / math.sqrt(ref.qhat0), math.sqrt(max(c2, 0.0))


def entropic(ref: ReferenceState, Qh0: float, sh0: float, sh1: float, ph: float, order: int = DEFAULT_ORDER) -> dict:
    """``G_S^FP`` (SM Eq. 33-34, corrected) and its derivatives (SM Eq. 38)."""
    g = _grids_cached(ref, order)
    ds, e0, c = _ent_args(ref, Qh0, sh0, sh1)
    xl, wl = legendre_nodes(order)
    G, Emt, Ezt, Est, Et2 = entropic_sums(g.ez, g.em, g.ew, g.eta, g.weta, xl, wl, ds, ph, e0, c, _drel(order))
    dQh0 = 0.5 * Et2
    dsh1 = Emt
    dsh0 = -Emt + Ezt / math.sqrt(ref.qhat0) - sh0 / ref.qhat0 * Et2
    return {"G_S": G, "dQh0": dQh0, "dsh0": dsh0, "dsh1": dsh1, "dph": Est,
            "Q0": 1.0 - 2.0 * dQh0, "s0": -dsh0, "s1": dsh1, "p": Est}


def _AB(ref: ReferenceState, g: _Grids, Q0: float, s0: float, s1: float):
    A = s0 / math.sqrt(ref.q0)
    B = (s1 - s0) / g.sqD
    b = Q0 - A * A - B * B
    return A, B, b


def energetic(ref: ReferenceState, Q0: float, s0: float, s1: float, order: int = DEFAULT_ORDER) -> dict:
    """``G_E^FP`` (SM Eq. 35-36, corrected) and its derivatives (SM Eq. 37)."""
    if not 0.0 <= Q0 < 1.0:
        raise ComputationError(f"Q0 must be in [0, 1) (got {Q0!r})")
    g = _grids_cached(ref, order)
    A, B, b = _AB(ref, g, Q0, s0, s1)
    if not b >= -1e-12:
        raise ComputationError(f"non-positive covariance: Q0 - s0^2/q0 - (s1-s0)^2/(q*-q0) = {b:.3g} < 0 "
                               f"(Q0={Q0:.6g}, s0={s0:.6g}, s1={s1:.6g})")
    T = 1.0 - Q0
    xl, wl = legendre_nodes(order)
    G, Ez0, Ez1, Epp, Eg2 = energetic_sums(g.gz0, g.gz1, g.gw, g.eta, g.weta, xl, wl, A, B, math.sqrt(max(b, 0.0)), T,
                                           _drel(order))
    gA = Ez0 - A * Epp
    gB = Ez1 - B * Epp
    dQ0 = -Eg2 / (2.0 * T)
    ds0 = gA / math.sqrt(ref.q0) - gB / g.sqD
    ds1 = gB / g.sqD
    return {"G_E": G, "dQ0": dQ0, "ds0": ds0, "ds1": ds1}


def fp_functional(ref: ReferenceState, p: float, x: Mapping[str, float], order: int = DEFAULT_ORDER) -> float:
    """The RS Franz-Parisi functional of SM Eq. (32) at arbitrary order parameters.

    ``x`` holds ``Q0, Qhat0, s0, shat0, s1, shat1, phat``. At the saddle point it is
    ``S(p)``; tests differentiate it numerically to check stationarity.
    """
    S = entropic(ref, x["Qhat0"], x["shat0"], x["shat1"], x["phat"], order)
    E = energetic(ref, x["Q0"], x["s0"], x["s1"], order)
    return (-0.5 * x["Qhat0"] * (1.0 - x["Q0"]) + x["shat0"] * x["s0"] - x["shat1"] * x["s1"]
            - x["phat"] * p + S["G_S"] + ref.alpha * E["G_E"])


def binary_entropy_d(d):
    """``-d log d - (1-d) log(1-d)``: S(d) at alpha = 0 (all configurations are solutions)."""
    d = np.asarray(d, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -np.where(d > 0, d * np.log(d), 0.0) - np.where(d < 1, (1 - d) * np.log1p(-d), 0.0)
    return out[()] if out.ndim == 0 else out


# ---------------------------------------------------------------------------
# saddle point
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FPResult(Record):
    """Franz-Parisi saddle point at one distance ``d = (1 - p)/2`` (SM Eq. 32, 37-38).

    ``S`` is the entropy (per site) of binary solutions at distance ``d`` from the
    reference's binarized configuration. ``error`` = ``|S(order) - S(3 order/2)|``
    at the solution (quadrature error estimate of the reported value; points with
    ``error > QUAD_TOL max(1, |S|)`` are reported as not converged). ``d_c``: where
    the RS branch ends (``Q0 -> 1``) when it has been located (:func:`branch_end`), and
    ``log_coefficient`` the coefficient ``c`` of ``log(1 - Q0)`` in ``S`` there
    (``c > 0``: ``S -> -inf`` at ``d_c``); both NaN when the end was not located. For
    ``d < d_c`` the RS saddle point does not exist: the result is ``S = -inf`` with no
    order parameters, or a failed point (:func:`_beyond_end`).
    """

    reference: str
    alpha: float
    beta: float
    qstar: float
    d: float
    p: float
    S: float
    Q0: float
    Qhat0: float
    s0: float
    shat0: float
    s1: float
    shat1: float
    phat: float
    G_S: float
    G_E: float
    converged: bool
    residual: float
    iterations: int
    error: float
    order: int
    message: str = ""
    d_c: float = math.nan
    log_coefficient: float = math.nan

    @property
    def values(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in _VARS}

    @property
    def tau(self) -> float:
        """``1 - Q0``: the branch ends where it vanishes (:mod:`theory.perceptron.franz_parisi.endpoint`)."""
        return 1.0 - self.Q0

    def flat(self) -> dict[str, Any]:
        return self.to_dict()


def _phat_solve(ref, Qh0, sh0, sh1, p, ph, order, tol=1e-12) -> float:
    """``phat`` with ``dG_S/dphat = p`` (SM Eq. 38, last): safeguarded Newton (monotone in phat)."""
    g = _grids_cached(ref, order)
    ds, e0, c = _ent_args(ref, Qh0, sh0, sh1)
    xl, wl = legendre_nodes(order)
    drel = _drel(order)
    lo, hi = -math.inf, math.inf
    for _ in range(200):
        f, df = phat_sums(g.ez, g.em, g.ew, g.eta, g.weta, xl, wl, ds, ph, e0, c, drel)
        r = f - p
        if abs(r) < tol:
            return ph
        if r < 0:
            lo = ph
        else:
            hi = ph
        new = ph - r / df if df > 0 else math.nan
        if not (lo < new < hi):
            if math.isinf(lo):
                new = hi - max(1.0, abs(hi))
            elif math.isinf(hi):
                new = lo + max(1.0, abs(lo))
            else:
                new = 0.5 * (lo + hi)
        if hi - lo < 1e-14 * max(1.0, abs(ph)):
            return ph
        ph = new
    raise ComputationError(f"Newton for phat did not converge (p={p}, last phat={ph}, residual {r:.3g})")


def _hats(ref, Q0, s0, s1, order):
    E = energetic(ref, Q0, s0, s1, order)
    a = ref.alpha
    return -2.0 * a * E["dQ0"], -a * E["ds0"], a * E["ds1"]


def _fixed_point_map(ref: ReferenceState, p: float | None, order: int):
    """SM Eq. (37)-(38). ``p=None``: ``phat = 0`` fixed (the maximum of S), ``p`` is an output."""

    def update(x: Mapping[str, float]) -> dict[str, float]:
        Q0 = min(max(x["Q0"], 0.0), 1.0 - 1e-13)
        Qh0, sh0, sh1 = _hats(ref, Q0, x["s0"], x["s1"], order)
        ph = 0.0 if p is None else _phat_solve(ref, Qh0, sh0, sh1, p, x["phat"], order)
        S = entropic(ref, Qh0, sh0, sh1, ph, order)
        return {"Q0": S["Q0"], "s0": S["s0"], "s1": S["s1"], "phat": ph}

    return update


def _check_ref(ref: ReferenceState) -> ReferenceState:
    if not isinstance(ref, ReferenceState):
        raise ValueError(f"ref must be a ReferenceState (got {type(ref).__name__})")
    if not ref.converged:
        raise ComputationError(f"the reference ({ref.kind}) RS solution did not converge: {ref.message}")
    if ref.alpha <= 0.0:
        raise ValueError(f"alpha must be > 0 for the Franz-Parisi solver (got {ref.alpha}); at alpha = 0, "
                         "S(d) = binary_entropy_d(d)")
    return ref


def _result(ref, p, res_values, converged, residual, iterations, message, order, error=True) -> FPResult:
    v = dict(res_values)
    Q0 = min(max(v["Q0"], 0.0), 1.0 - 1e-13)
    Qh0, sh0, sh1 = _hats(ref, Q0, v["s0"], v["s1"], order)
    S_ = entropic(ref, Qh0, sh0, sh1, v["phat"], order)
    E_ = energetic(ref, Q0, v["s0"], v["s1"], order)
    if p is None:
        p = S_["p"]
    x = {"Q0": Q0, "Qhat0": Qh0, "s0": v["s0"], "shat0": sh0, "s1": v["s1"], "shat1": sh1, "phat": v["phat"]}
    S = (-0.5 * Qh0 * (1.0 - Q0) + sh0 * v["s0"] - sh1 * v["s1"] - v["phat"] * p + S_["G_S"] + ref.alpha * E_["G_E"])
    err = math.nan
    if error:
        try:
            err = abs(S - fp_functional(ref, p, x, order + max(2, order // 2)))
        except ComputationError:
            pass
    if not math.isfinite(S):
        converged, message = False, f"non-finite S ({S}); " + message
    elif math.isfinite(err) and err > QUAD_TOL * max(1.0, abs(S)):
        converged = False
        message = (f"quadrature not resolved: |S(order) - S(3 order/2)| = {err:.3g} > {QUAD_TOL:g} max(1, |S|) "
                   f"(raise order; typical near d -> 0 where Q0 -> 1); " + message)
    return FPResult(ref.kind, ref.alpha, ref.beta, ref.qstar, 0.5 * (1.0 - p), p, float(S), Q0, Qh0, v["s0"], sh0,
                    v["s1"], sh1, v["phat"], S_["G_S"], E_["G_E"], bool(converged), float(residual), int(iterations),
                    float(err), order, message)


def _init_for(ref: ReferenceState) -> dict[str, float]:
    """Cold start near the maximum: W-overlap of binary solutions, s0 = s1 = p0 q0 (a guess)."""
    qb = binary_rs(min(ref.alpha, 0.8)).q0
    s = 0.5 * ref.q0
    return {"Q0": qb, "s0": s, "s1": s, "phat": 0.0}


def fp_max(ref: ReferenceState, *, init: Mapping[str, float] | None = None, tol: float = 1e-10,
           order: int = DEFAULT_ORDER, maxiter: int = 2000, method: str = "auto") -> FPResult:
    """The maximum of ``S(d)`` over ``d`` (``phat = 0``): ``S`` there is the entropy of all binary
    solutions (Gardner-Derrida), ``d`` the typical distance of a solution from the reference's BC."""
    ref = _check_ref(ref)
    x0 = dict(init) if init is not None else _init_for(ref)
    x0["phat"] = 0.0
    try:
        res = converge(_fixed_point_map(ref, None, order), x0, tol=tol, damping=0.2, method=method, maxiter=maxiter)
    except ComputationError as exc:
        return _failed(ref, math.nan, order, str(exc))
    return _result(ref, None, res.values, res.converged, res.residual, res.iterations, res.message, order)


def _failed(ref, d, order, msg) -> FPResult:
    nan = math.nan
    return FPResult(ref.kind, ref.alpha, ref.beta, ref.qstar, d, 1 - 2 * d, nan, nan, nan, nan, nan, nan, nan, nan,
                    nan, nan, False, math.inf, 0, nan, order, msg)


def solve_fp(ref: ReferenceState, d: float, *, init: Mapping[str, float] | FPResult | None = None,
             tol: float = 1e-10, order: int = DEFAULT_ORDER, maxiter: int = 2000, method: str = "newton",
             damping: float = 0.2, end: EndpointResult | None = None) -> FPResult:
    """Franz-Parisi saddle point at distance ``d`` (SM Eq. 32, 37-38).

    Parameters
    ----------
    ref
        Reference state (:func:`reference_state`).
    d
        Hamming distance per site from the BC, ``0 <= d < 1`` (``p = 1 - 2d``). At
        ``d = 0`` the result is the exact limit: a single configuration, ``S = 0``
        if the BC is a solution (binary reference), ``-inf`` otherwise (the
        stochastic and spherical BCs have a finite training error, SM Eq. 30).
    init
        Warm start (``FPResult`` or dict with ``Q0, s0, s1, phat``); default: the
        maximum of ``S`` (:func:`fp_max`).
    method
        ``"newton"`` (default: hybrid Powell on the fixed-point residual, falling
        back to ``"auto"`` if it fails), ``"iterate"`` (damped iteration, as in
        the SM) or ``"auto"`` (iteration, then Newton polish if it stalls).
    end
        The end of the branch (:func:`branch_end`), optional. When given, ``init`` is a
        converged ``FPResult`` and ``end.d_c < d < init.d``, the solver starts from
        :func:`endpoint_warm_start` (the scaled state interpolated towards the end point,
        ``tau ~ d - d_c``; ``docs/franz_parisi.md``, "The log tau term") instead of from
        ``init`` itself -- the same saddle point in far fewer map evaluations near ``d_c``.
        If that start does not converge, the point is solved again from ``init``.

    Returns
    -------
    FPResult
        The saddle point; ``converged=False`` with the reason in ``message`` on failure
        (``S = nan``), ``S = -inf`` below the end of the branch (:func:`_beyond_end`).
    """
    ref = _check_ref(ref)
    d = check_real("d", d, ge=0.0, lt=1.0)
    check_choice("method", method, {"iterate", "auto", "newton"})
    order = check_int("order", order, ge=4, le=64)
    if d == 0.0:
        S = 0.0 if _bc_is_solution(ref) else -math.inf
        msg = ("exact limit d = 0: the BC itself" + (" (a solution)" if S == 0.0 else
               " is not a solution with finite probability, S -> -inf"))
        nan = math.nan
        return FPResult(ref.kind, ref.alpha, ref.beta, ref.qstar, 0.0, 1.0, S, 1.0, math.inf, nan, nan, nan, nan,
                        math.inf, nan, nan, True, 0.0, 0, 0.0, order, msg)
    if init is None:
        mx = fp_max(ref, tol=tol, order=order)
        if not mx.converged:
            return _failed(ref, d, order, f"could not find the maximum of S: {mx.message}")
        init = mx
    # (a Mapping has a .values method too: test for FPResult, not for the attribute)
    x0 = dict(init.values) if isinstance(init, FPResult) else {k: float(init[k]) for k in _VARS}
    p = 1.0 - 2.0 * d
    update = _fixed_point_map(ref, p, order)
    r = None
    if (end is not None and end.converged and isinstance(init, FPResult) and init.converged
            and math.isfinite(init.Qhat0) and end.d_c < d < init.d):
        # near the end of the branch: start from the scaled state interpolated towards the end point
        xe = endpoint_warm_start(init, end, d)
        try:
            res = converge(update, {k: xe[k] for k in _VARS}, tol=tol, damping=damping, method=method,
                           maxiter=maxiter)
            if res.converged:
                r = _result(ref, p, res.values, res.converged, res.residual, res.iterations, res.message, order)
        except ComputationError:
            r = None
        if r is not None and not r.converged:
            r = None  # e.g. unresolved quadrature: solve again from init (the plain warm start)
    if r is None:
        try:
            res = converge(update, x0, tol=tol, damping=damping, method=method, maxiter=maxiter)
        except ComputationError as exc:
            res = None
            err = str(exc)
        if method == "newton" and (res is None or not res.converged):
            # the SM's scheme: damped iteration (polished by Newton if it stalls)
            try:
                res = converge(update, x0, tol=tol, damping=damping, method="auto", maxiter=min(maxiter, 500))
            except ComputationError as exc:
                return _failed(ref, d, order, f"newton: {err if res is None else res.message}; iteration: {exc}")
        try:
            r = _result(ref, p, res.values, res.converged, res.residual, res.iterations, res.message, order)
        except ComputationError as exc:
            return _failed(ref, d, order, str(exc))
    if r.converged and r.tau < TAU_END:
        # near Q0 = 1: locate the end of the branch; a 'solution' below it is a quadrature artefact
        e = branch_end(ref, r, order=order)
        if e.converged and 0.0 < e.d_c < 0.5:
            if d < e.d_c:
                return _beyond_end(ref, d, e.d_c, e.log_coefficient, order)
            r = dataclasses.replace(r, d_c=e.d_c, log_coefficient=e.log_coefficient)
    return r


GEOM_STEP = 0.6  # continuation towards small d: successive distances differ by at most this factor
TAU_END = 0.05  # below this 1 - Q0 a saddle point is checked against the end of the branch (artefacts below it)
TAU_LOCATE = 0.2  # fp_curve locates the end of the branch once 1 - Q0 falls below this
LOGCOEF_TOL = 1e-6  # c = EndpointResult.log_coefficient above this: S -> -inf at d_c (c's quadrature error ~1e-7)


def scaled_state(r: FPResult) -> dict[str, float]:
    """Finite-``tau`` saddle point in the scaled variables of the ``Q0 -> 1`` limit
    (``K = Qhat0 tau^2, a0 = shat0 tau, a1 = shat1 tau, pt = phat tau``, plus ``s0, s1, p``)."""
    t = 1.0 - r.Q0
    return {"K": r.Qhat0 * t * t, "a0": r.shat0 * t, "a1": r.shat1 * t, "pt": r.phat * t, "s0": r.s0, "s1": r.s1,
            "p": r.p}


def branch_end(ref: ReferenceState, near: FPResult, *, order: int = DEFAULT_ORDER) -> EndpointResult:
    """``d_c`` where the RS branch reaches ``Q0 = 1`` (:func:`theory.perceptron.franz_parisi.endpoint.fp_endpoint`),
    started from a converged saddle point ``near`` the end (small ``1 - Q0``)."""
    return fp_endpoint(ref, scaled_state(near), order=order)


_SCALED = ("K", "a0", "a1", "pt", "s0", "s1")


def endpoint_warm_start(prev: FPResult, end: EndpointResult, d: float) -> dict[str, float]:
    """Warm start at ``d`` just above the end ``d_c`` of the branch, from the scaled end-point state.

    Near ``d_c`` the conjugates diverge (``Qhat0 = K/tau^2``, ``shat0 = a0/tau``, ``shat1 = a1/tau``,
    ``phat = pt/tau``, ``tau = 1 - Q0``) while the scaled variables ``K, a0, a1, pt, s0, s1`` tend to
    the end point (:class:`theory.perceptron.franz_parisi.endpoint.EndpointResult`) and ``tau ~ Phi(d)/c`` is
    roughly proportional to ``d - d_c`` (``docs/franz_parisi.md``, "Where the RS branch ends" and
    "The log tau term": ``Phi(d) ~ 2 pt (d - d_c)``). With ``f = (d - d_c)/(d_prev - d_c)`` the
    scaled state of ``prev`` (:func:`scaled_state`) is interpolated linearly in ``d`` towards the end
    point, ``x = x_end + f (x_prev - x_end)``, and ``tau = f tau_prev``; the result is mapped back to the
    unscaled order parameters. Far closer to the saddle point at ``d`` than ``prev`` itself when
    ``tau << tau_prev`` (a few Newton steps instead of hundreds).

    Parameters
    ----------
    prev
        A converged saddle point on the branch at ``prev.d > d`` (finite order parameters).
    end
        The converged end point of the same branch (:func:`branch_end`).
    d
        Target distance, ``end.d_c < d <= prev.d``.

    Returns
    -------
    dict
        ``Q0, s0, s1, phat`` (the solver's variables, :func:`solve_fp`) and the implied
        ``Qhat0, shat0, shat1``.

    Raises
    ------
    ValueError
        If ``d`` is not in ``(d_c, prev.d]``, or ``prev`` / ``end`` is not converged or not finite.
    """
    if not (end.converged and math.isfinite(end.d_c)):
        raise ValueError(f"end point not converged: {end.message}")
    if not (prev.converged and math.isfinite(prev.Qhat0) and 0.0 < prev.tau):
        raise ValueError(f"prev must be a converged saddle point with finite order parameters (d={prev.d})")
    if not end.d_c < d <= prev.d:
        raise ValueError(f"d = {d!r} must lie in (d_c, prev.d] = ({end.d_c!r}, {prev.d!r}]")
    f = (d - end.d_c) / (prev.d - end.d_c)
    xp = scaled_state(prev)
    x = {k: getattr(end, k) + f * (xp[k] - getattr(end, k)) for k in _SCALED}
    tau = f * prev.tau
    out = {"Q0": 1.0 - tau, "s0": x["s0"], "s1": x["s1"], "phat": x["pt"] / tau,
           "Qhat0": x["K"] / tau ** 2, "shat0": x["a0"] / tau, "shat1": x["a1"] / tau}
    bad = [k for k, v in out.items() if not math.isfinite(v)]
    if bad:
        raise ValueError(f"non-finite warm start {bad} (d={d}, d_c={end.d_c}, prev.d={prev.d})")
    return out


def _bc_is_solution(ref: ReferenceState) -> bool:
    """Whether the reference's BC is itself a solution (``S(d = 0) = 0``; else ``-inf``): only the
    binary reference at zero errors (stochastic at finite beta and binarized spherical solutions
    have a finite training error, SM Eq. 30)."""
    return ref.kind == "binary"


def _beyond_end(ref: ReferenceState, d: float, d_c: float, c: float, order: int) -> FPResult:
    """The result below the end ``d_c`` of the RS branch (no RS saddle point there).

    Near ``d_c``, ``S = c log(1 - Q0) + O(1)`` with the computed ``c = (alpha/2) P(x < 0)``
    (:class:`theory.perceptron.franz_parisi.endpoint.EndpointResult`, ``docs/franz_parisi.md``, "The log tau
    term"). ``S(d < d_c) = -inf`` (reported as converged) when ``c > LOGCOEF_TOL`` (``S -> -inf`` as
    ``d -> d_c+``) and the BC is not a solution (``S(0) = -inf``: stochastic at finite beta,
    binarized spherical), so that ``S = -inf`` at both ends of ``[0, d_c]``. Otherwise the RS
    ansatz gives no value below ``d_c`` (``converged=False``, ``S = nan``): ``c`` not positive
    (``S`` finite at ``d_c``), or the BC is a solution (binary reference: ``S(0) = 0``, although
    its ``c = 0.006 > 0`` too: there the ``log`` dominates only for ``1 - Q0 << sigma^2 = 2.6e-3``).
    """
    nan = math.nan
    c_str = f"c = {c:.4g}" if math.isfinite(c) else "c could not be computed"
    if not (c > LOGCOEF_TOL and not _bc_is_solution(ref)):
        why = ("the BC is a solution (S(0) = 0)" if _bc_is_solution(ref) else
               f"S stays finite at d_c ({c_str} <= {LOGCOEF_TOL:g})" if math.isfinite(c) else c_str)
        msg = (f"d = {d:g} < d_c = {d_c:.6g}: beyond the end of the RS branch (Q0 -> 1 at d_c, S ~ c log(1 - Q0), "
               f"{c_str}); no RS saddle point below d_c and no RS value, since {why} (RSB needed)")
        return FPResult(ref.kind, ref.alpha, ref.beta, ref.qstar, d, 1.0 - 2.0 * d, nan, 1.0, math.inf, nan, nan,
                        nan, nan, math.inf, nan, nan, False, math.inf, 0, nan, order, msg, d_c, c)
    msg = (f"d = {d:g} < d_c = {d_c:.6g}: beyond the end of the RS branch (Q0 -> 1 and S ~ c log(1 - Q0) -> -inf "
           f"at d_c, {c_str}; no RS saddle point here and S(0) = -inf: the RS entropy is -inf)")
    return FPResult(ref.kind, ref.alpha, ref.beta, ref.qstar, d, 1.0 - 2.0 * d, -math.inf, 1.0, math.inf, nan, nan,
                    nan, nan, math.inf, nan, nan, True, 0.0, 0, 0.0, order, msg, d_c, c)


def franz_parisi(alpha: float, beta: float, qstar: float, d: float, reference: str = "stochastic", *,
                 init: FPResult | None = None, tol: float = 1e-10, order: int = DEFAULT_ORDER) -> FPResult:
    """``S(d)`` for one reference and distance (the command-line entry point)."""
    alpha = check_real("alpha", alpha, gt=0.0, lt=0.833)
    check_choice("reference", reference, set(REFERENCES))
    ref = _ref_cached(reference, alpha, float(beta), float(qstar))
    if init is not None and not (isinstance(init, FPResult) and init.converged and math.isfinite(init.Qhat0)):
        init = None
    if init is None:  # by continuation from the maximum (locates the end of the branch too)
        pt = fp_curve(ref, [check_real("d", d, ge=0.0, lt=1.0)], tol=tol, order=order).points[0]
        if pt.result is None:
            return _failed(ref, float(d), order, pt.message)
        return pt.result if pt.converged == pt.result.converged else dataclasses.replace(
            pt.result, converged=pt.converged, message=pt.message or pt.result.message)
    return solve_fp(ref, d, init=init, tol=tol, order=order)


@lru_cache(maxsize=16)
def _ref_cached(reference: str, alpha: float, beta: float, qstar: float) -> ReferenceState:
    return reference_state(reference, alpha, beta, qstar)


def fp_curve(ref: ReferenceState, d: Sequence[float], *, tol: float = 1e-10, order: int = DEFAULT_ORDER,
             max_halvings: int = 2, method: str = "newton", max_step: float = 0.03) -> Curve:
    """``S(d)`` along ``d`` by continuation (:func:`theory.core.solver.span`).

    The path starts at the maximum of ``S`` (``phat = 0``) and is followed
    outwards in both directions, so every point is reached from a converged
    neighbour (intermediate points every ``max_step`` in ``d``, and in geometric
    steps ``GEOM_STEP`` towards ``d -> 0``); failed points are kept with their
    diagnostics. Points are returned in the order of ``d``. When ``1 - Q0`` becomes
    small (``< TAU_LOCATE``) on the way down, the end of the RS branch is located
    (:func:`branch_end`); points below it are reported as ``S = -inf`` or as failed (the RS
    saddle point does not exist there, :func:`_beyond_end`); ``d_c`` and the ``log(1 - Q0)``
    coefficient ``c`` are recorded on every point. Once the end is located, points between it and
    the previous point are started from :func:`endpoint_warm_start` (``solve_fp(..., end=...)``;
    ``docs/franz_parisi.md``, Cost: e.g. spherical d = 0.06 in 20 map evaluations instead of ~1100).
    """
    ref = _check_ref(ref)
    ds = np.asarray(d, dtype=float)
    for x in ds:
        check_real("d", x, ge=0.0, lt=1.0)
    mx = fp_max(ref, tol=tol, order=order)
    if not mx.converged:
        return Curve(tuple(CurvePoint({"d": float(x)}, None, False, f"maximum of S not found: {mx.message}")
                           for x in ds))

    end: dict[str, Any] = {"d_c": None, "c": math.nan, "tried_tau": math.inf, "point": None}

    def solve(params, init):
        d = params["d"]
        if end["d_c"] is not None and d < end["d_c"]:
            return _beyond_end(ref, d, end["d_c"], end["c"], order)
        if (init is not None and d < init.d and init.tau < TAU_LOCATE and end["point"] is None
                and init.tau < end["tried_tau"]):
            # approaching Q0 = 1: locate the end of the branch before solving below it (also when solve_fp
            # has already found d_c on its own below TAU_END: the warm start needs the end point's state)
            end["tried_tau"] = 0.5 * init.tau
            e = branch_end(ref, init, order=order)
            if e.converged and 0.0 < e.d_c < init.d:
                end["d_c"], end["c"], end["point"] = e.d_c, e.log_coefficient, e
                if d < e.d_c:
                    return _beyond_end(ref, d, e.d_c, e.log_coefficient, order)
        # once the end is located, points between it and init start from the scaled end-point state
        # (endpoint_warm_start; solve_fp falls back to init itself if that start fails)
        r = solve_fp(ref, d, init=init, tol=tol, order=order, method=method, end=end["point"])
        if math.isfinite(r.d_c):
            end["d_c"], end["c"] = r.d_c, r.log_coefficient
            if d < r.d_c and math.isfinite(r.S):
                return _beyond_end(ref, d, r.d_c, r.log_coefficient, order)
        return r

    order_idx = np.argsort(ds)
    below = [i for i in order_idx[::-1] if ds[i] <= mx.d]
    above = [i for i in order_idx if ds[i] > mx.d]
    points: dict[int, CurvePoint] = {}
    for idx in (below, above):
        # continuation path from the maximum, with intermediate points every <= max_step in d
        path, keep, last = [], [], mx.d
        for i in idx:
            n_sub = max(1, int(math.ceil(abs(ds[i] - last) / max_step - 1e-9)))
            for j in range(1, n_sub):
                path.append({"d": float(last + (ds[i] - last) * j / n_sub)})
                keep.append(None)
            if ds[i] > 0.0:
                # towards d -> 0 (Q0 -> 1) in geometric steps: 1 - Q0 shrinks in proportion to d
                x = last * GEOM_STEP
                while ds[i] < x * GEOM_STEP:
                    path.append({"d": float(x)})
                    keep.append(None)
                    x *= GEOM_STEP
            path.append({"d": float(ds[i])})
            keep.append(i)
            last = ds[i]
        c = span(solve, path, mx, max_halvings=max_halvings, warm=lambda r: (r if math.isfinite(r.Qhat0) else None))
        for i, pt in zip(keep, c.points):
            if i is not None:
                points[i] = pt
    if end["d_c"] is not None:  # record d_c and c on every point of the branch
        for i, pt in points.items():
            if pt.result is not None and math.isnan(pt.result.d_c):
                points[i] = dataclasses.replace(pt, result=dataclasses.replace(pt.result, d_c=end["d_c"],
                                                                                  log_coefficient=end["c"]))
    return Curve(tuple(points[i] for i in range(ds.size)))
