"""Franz-Parisi entropy of binary perceptron solutions around a reference configuration.

Source: [baldassi2018], [baldassi2018, Eq. 10-11], [baldassi2018, Fig. 2 right];
[baldassi2018, SM Sec. III], [baldassi2018, SM Eq. 31-39]. The printed
[baldassi2018, SM Eq. 33-36] carry typesetting errors; the re-derivation (replicated partition
function, RS ansatz, both analytic continuations) and the list of corrections are
in ``docs/franz_parisi.md``. Symbols follow the SM.

``S(p)`` counts binary solutions ``W`` at overlap ``p = 1 - 2d`` with the binarized
reference ``sign(m)`` [baldassi2018, SM Eq. 31]. The RS result ([baldassi2018, SM Eq. 32], corrected):

    S(p) = extr  -1/2 Qh0 (1 - Q0) + sh0 s0 - sh1 s1 - ph p + G_S^FP + alpha G_E^FP

    G_S^FP = int Dz < int Deta log 2cosh((sh1 - sh0) m + ph sign(m) + sh0/sqrt(qh0) z
                                         + sqrt(Qh0 - sh0^2/qh0) eta) >_{m|z}
    G_E^FP = int Dz0 Dz1 w(z0, z1) int Deta log H(-(A z0 + B z1 + sqrt(b') eta) / sqrt(1 - Q0))
    A = s0/sqrt(q0),  B = (s1 - s0)/sqrt(q* - q0),  b' = Q0 - A^2 - B^2

where ``<.>_{m|z}`` is the single-site measure of the reference system ([baldassi2018, SM Eq. 13] for
the stochastic perceptron, the binary / spherical perceptron for [baldassi2018, SM Eq. 39]) and
``w(z0, z1)`` the reference's energetic weight of the field of replica 1,
``u1 = sqrt(q0) z0 + sqrt(q* - q0) z1`` (``H^beta(-u1/sqrt(1-q*))`` for the
stochastic perceptron, ``Theta(u1)`` with ``q* = 1`` for the binary and the
spherical one), normalised at each ``z0``. This is [baldassi2018, SM Eq. 35] written in the
other (equivalent) orthogonal decomposition of the Gaussian fields, in which
``w`` does not depend on the Franz-Parisi order parameters.

Solver: the fixed-point map of [baldassi2018, SM Eq. 37-38] (``Qh0, sh0, sh1`` from the
energetic term, ``Q0, s0, s1`` from the entropic one, ``ph`` from the constraint
``dG_S/dph = p`` by safeguarded Newton at each step) iterated by
:func:`theory.core.solver.converge`; curves in ``d`` by :func:`theory.core.solver.span`
starting from the maximum of ``S`` (``ph = 0``), where ``S`` equals the entropy of
all binary solutions (Gardner-Derrida) -- a built-in consistency check.
"""
from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from theory.core import (
    ComputationError,
    Curve,
    CurvePoint,
    OrderParameters,
    Record,
    check_choice,
    check_int,
    check_real,
    converge,
    errors_field,
    legendre_nodes,
    span,
)
from theory.perceptron._records import RSPointFields
from theory.perceptron.franz_parisi._grids import Grids, drel, grids_cached
from theory.perceptron.franz_parisi.endpoint import EndpointResult, franz_parisi_endpoint
from theory.perceptron.franz_parisi.kernels import energetic_sums, entropic_sums, phat_sums

__all__ = [
    "DEFAULT_ORDER",
    "FPEnergeticTerms",
    "FPEntropicTerms",
    "FPResult",
    "REFERENCES",
    "ReferenceState",
    "binary_entropy_d",
    "binary_rs",
    "branch_end",
    "endpoint_warm_start",
    "fp_energetic_terms",
    "fp_entropic_terms",
    "fp_functional",
    "franz_parisi_curve",
    "franz_parisi_entropy",
    "franz_parisi_max",
    "franz_parisi_reference",
    "franz_parisi_work_estimate",
    "scaled_state",
    "solve_franz_parisi",
    "spherical_rs",
]

REFERENCES = ("stochastic", "binary", "spherical")
DEFAULT_ORDER = 8
_VARS = ("Q0", "s0", "s1", "phat")
# seconds of wall time after which franz_parisi_curve / franz_parisi_entropy stop, flagged: a last-resort safety
# net only (it depends on the machine and its load); the deterministic limit is FP_MAX_WORK
FP_BUDGET = 900.0
# deterministic cap of the continuation, in work units: one unit is one node of the energetic kernel's
# interpolation table in one map evaluation (the dominant cost); the same on every machine. Measured
# 0.8e-5 - 2e-5 s per unit on a loaded 2-core machine (FP_SECONDS_PER_WORK), so 2e7 units: a few minutes at most.
FP_MAX_WORK = 2e7
FP_SECONDS_PER_WORK = 1e-5
_TABLE_LIMIT = 2_000_000  # the energetic kernel refuses larger tables (kernels._NMAX_TABLE)
# the cost model of franz_parisi_work_estimate (measured on the stochastic reference, q* = 0.9, order 8):
# map evaluations per continuation point, and table nodes ~ FP_NODES_SCALE / sqrt(d) (>= FP_NODES_FLOOR) at order 8
FP_EVALS_PER_POINT = 22.0
FP_NODES_SCALE = 700.0
FP_NODES_FLOOR = 3000.0
QUAD_TOL = 1e-3  # a point whose quadrature error estimate exceeds QUAD_TOL * max(1, |S|) is not 'converged'


# ---------------------------------------------------------------------------
# reference systems
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ReferenceState(RSPointFields):
    """RS order parameters of the reference system (the ``m``-replicas).

    ``kind``: ``"stochastic"`` ([baldassi2018, SM Eq. 12-15], from :mod:`theory.perceptron.rs`),
    ``"binary"`` (Gardner-Derrida, [baldassi2018, SM Eq. 39] with binary ``dnu``) or ``"spherical"``
    (Gardner, [baldassi2018, SM Eq. 39] with spherical ``dnu``). ``qstar`` is the squared norm
    (1 for binary and spherical), ``q0`` the overlap between two reference replicas,
    ``qhat0``/``qhat1`` the conjugates in the convention of [baldassi2018, SM Eq. 13]
    (site weight ``exp((qhat1 - qhat0) m^2/2 + sqrt(qhat0) z m)``), ``phi`` the
    reference free entropy.
    """

    kind: str
    phi: float
    converged: bool
    message: str = ""


def binary_rs(alpha: float, *, tol: float = 1e-12, order: int = 32) -> ReferenceState:
    """Reference state of the binary perceptron at zero errors ([baldassi2018, SM Eq. 39], binary ``dnu``).

    Order parameters from :func:`theory.perceptron.references.binary_entropy`
    (Gardner-Derrida RS solution; ``phi`` is the entropy of binary solutions, ref. [13]
    of [baldassi2018], vanishing at ``alpha ~ 0.833``). For ``m = +-1`` the site weight has
    ``qhat1 = qhat0`` (``m^2 = 1``).
    """
    from theory.perceptron.references import binary_entropy

    alpha = check_real("alpha", alpha, gt=0.0, lt=0.833)
    r = binary_entropy(alpha, tol=tol, order=order)
    return ReferenceState(kind="binary", alpha=alpha, beta=math.inf, qstar=1.0, q0=r.q, qhat0=r.qhat, qhat1=r.qhat,
                          phi=r.entropy, converged=r.converged, message=r.message)


def spherical_rs(alpha: float, *, tol: float = 1e-12, order: int = 32) -> ReferenceState:
    """Reference state of the spherical perceptron at zero errors ([baldassi2018, SM Eq. 39], spherical ``dnu``).

    Order parameters from :func:`theory.perceptron.references.spherical_entropy`
    (Gardner's RS solution, ``|m|^2 = N``). In the site convention of [baldassi2018, SM Eq. 13]:
    ``qhat0 = q/(1-q)^2``, ``qhat1 = qhat0 - 1/(1-q)`` (so that ``m | z ~ N(sqrt(q) z, 1 - q)``).
    """
    from theory.perceptron.references import spherical_entropy

    alpha = check_real("alpha", alpha, gt=0.0, lt=2.0)
    r = spherical_entropy(alpha, tol=tol, order=order)
    q = r.q
    qh0 = q / (1.0 - q) ** 2
    return ReferenceState(kind="spherical", alpha=alpha, beta=math.inf, qstar=1.0, q0=q, qhat0=qh0,
                          qhat1=qh0 - 1.0 / (1.0 - q), phi=r.entropy, converged=r.converged, message=r.message)


def franz_parisi_reference(reference: str, alpha: float, beta: float | None = None, qstar: float | None = None,
                           **kw: Any) -> ReferenceState:
    """Reference order parameters for ``reference`` in :data:`REFERENCES` [baldassi2018, SM Eq. 39].

    Parameters
    ----------
    reference
        ``"stochastic"`` (the RS saddle point of :func:`theory.perceptron.rs.solve_rs`,
        [baldassi2018, SM Eq. 12-15]), ``"binary"`` or ``"spherical"`` (zero-error
        perceptrons, :mod:`theory.perceptron.references`).
    alpha
        Load.
    beta, qstar
        Inverse temperature and squared norm of the stochastic reference (ignored otherwise).
    **kw
        Passed to :func:`theory.perceptron.rs.solve_rs`.

    Returns
    -------
    ReferenceState

    Examples
    --------
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> ref.kind, ref.qstar, ref.converged
    ('binary', 1.0, True)
    """
    check_choice("reference", reference, set(REFERENCES))
    if reference == "binary":
        return binary_rs(alpha)
    if reference == "spherical":
        return spherical_rs(alpha)
    from theory.perceptron.rs import solve_rs

    beta = check_real("beta", beta, gt=0.0, le=1e4)
    qstar = check_real("qstar", qstar, gt=0.0, lt=1.0)
    r = solve_rs(alpha, beta, qstar, **kw)
    return ReferenceState(kind="stochastic", alpha=r.alpha, beta=r.beta, qstar=r.qstar, q0=r.q0, qhat0=r.qhat0,
                          qhat1=r.qhat1, phi=r.phi, converged=bool(r.converged), message=r.message)


# ---------------------------------------------------------------------------
# the two terms and the functional
# ---------------------------------------------------------------------------
def _ent_args(ref: ReferenceState, Qh0: float, sh0: float, sh1: float):
    c2 = Qh0 - sh0 * sh0 / ref.qhat0
    if not c2 >= -1e-12:
        raise ComputationError(f"Qhat0 qhat0 - shat0^2 < 0 (Qhat0={Qh0:.6g}, shat0={sh0:.6g}, qhat0={ref.qhat0:.6g}): "
                               "no real Hubbard-Stratonovich decoupling")
    return sh1 - sh0, sh0 / math.sqrt(ref.qhat0), math.sqrt(max(c2, 0.0))


@dataclass(frozen=True, kw_only=True)
class FPEntropicTerms(Record):
    """``G_S^FP`` [baldassi2018, SM Eq. 33-34] (corrected, ``docs/franz_parisi.md``) and its derivatives.

    ``dQh0``, ``dsh0``, ``dsh1``, ``dph``: derivatives of ``G_S^FP`` with respect to
    ``Qhat0, shat0, shat1, phat``; ``Q0, s0, s1, p``: the updates they give
    [baldassi2018, SM Eq. 38].
    """

    G_S: float
    dQh0: float
    dsh0: float
    dsh1: float
    dph: float
    Q0: float
    s0: float
    s1: float
    p: float


@dataclass(frozen=True, kw_only=True)
class FPEnergeticTerms(Record):
    """``G_E^FP`` [baldassi2018, SM Eq. 35-36] (corrected) and its derivatives in ``Q0, s0, s1``
    (the updates of the conjugates, [baldassi2018, SM Eq. 37])."""

    G_E: float
    dQ0: float
    ds0: float
    ds1: float


def fp_entropic_terms(ref: ReferenceState, Qh0: float, sh0: float, sh1: float, ph: float,
                      order: int = DEFAULT_ORDER) -> FPEntropicTerms:
    """``G_S^FP`` [baldassi2018, SM Eq. 33-34] (corrected) and its derivatives [baldassi2018, SM Eq. 38].

    Parameters
    ----------
    ref
        Reference state (:func:`franz_parisi_reference`).
    Qh0, sh0, sh1, ph
        Conjugates ``Qhat0, shat0, shat1, phat``.
    order
        Quadrature order.

    Returns
    -------
    FPEntropicTerms

    Examples
    --------
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> T = fp_entropic_terms(ref, 0.0, 0.0, 0.0, 0.0)   # no coupling: G_S^FP = log 2, Q0 = 0
    >>> round(T.G_S, 8), abs(T.Q0) < 1e-12
    (0.69314718, True)
    """
    g = grids_cached(ref, order)
    ds, e0, c = _ent_args(ref, Qh0, sh0, sh1)
    xl, wl = legendre_nodes(order)
    G, Emt, Ezt, Est, Et2 = entropic_sums(g.ez, g.em, g.ew, g.eta, g.weta, xl, wl, ds, ph, e0, c, drel(order))
    dQh0 = 0.5 * Et2
    dsh1 = Emt
    dsh0 = -Emt + Ezt / math.sqrt(ref.qhat0) - sh0 / ref.qhat0 * Et2
    return FPEntropicTerms(G_S=G, dQh0=dQh0, dsh0=dsh0, dsh1=dsh1, dph=Est, Q0=1.0 - 2.0 * dQh0, s0=-dsh0, s1=dsh1,
                           p=Est)


def _AB(ref: ReferenceState, g: Grids, Q0: float, s0: float, s1: float):
    A = s0 / math.sqrt(ref.q0)
    B = (s1 - s0) / g.sqD
    b = Q0 - A * A - B * B
    return A, B, b


def fp_energetic_terms(ref: ReferenceState, Q0: float, s0: float, s1: float,
                       order: int = DEFAULT_ORDER) -> FPEnergeticTerms:
    """``G_E^FP`` [baldassi2018, SM Eq. 35-36] (corrected) and its derivatives [baldassi2018, SM Eq. 37].

    Parameters
    ----------
    ref
        Reference state (:func:`franz_parisi_reference`).
    Q0, s0, s1
        Order parameters (``0 <= Q0 < 1``).
    order
        Quadrature order.

    Returns
    -------
    FPEnergeticTerms

    Examples
    --------
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> T = fp_energetic_terms(ref, 0.0, 0.0, 0.0)   # uncorrelated replica: G_E^FP = log H(0) = -log 2
    >>> round(T.G_E, 6)
    -0.693147
    """
    if not 0.0 <= Q0 < 1.0:
        raise ComputationError(f"Q0 must be in [0, 1) (got {Q0!r})")
    g = grids_cached(ref, order)
    A, B, b = _AB(ref, g, Q0, s0, s1)
    if not b >= -1e-12:
        raise ComputationError(f"non-positive covariance: Q0 - s0^2/q0 - (s1-s0)^2/(q*-q0) = {b:.3g} < 0 "
                               f"(Q0={Q0:.6g}, s0={s0:.6g}, s1={s1:.6g})")
    T = 1.0 - Q0
    xl, wl = legendre_nodes(order)
    G, Ez0, Ez1, Epp, Eg2 = energetic_sums(g.gz0, g.gz1, g.gw, g.eta, g.weta, xl, wl, A, B, math.sqrt(max(b, 0.0)), T,
                                           drel(order))
    gA = Ez0 - A * Epp
    gB = Ez1 - B * Epp
    dQ0 = -Eg2 / (2.0 * T)
    ds0 = gA / math.sqrt(ref.q0) - gB / g.sqD
    ds1 = gB / g.sqD
    return FPEnergeticTerms(G_E=G, dQ0=dQ0, ds0=ds0, ds1=ds1)


def fp_functional(ref: ReferenceState, p: float, x: Mapping[str, float], order: int = DEFAULT_ORDER) -> float:
    """The RS Franz-Parisi functional of [baldassi2018, SM Eq. 32] at arbitrary order parameters.

    ``x`` holds ``Q0, Qhat0, s0, shat0, s1, shat1, phat``. At the saddle point it is
    ``S(p)``; tests differentiate it numerically to check stationarity.
    """
    S = fp_entropic_terms(ref, x["Qhat0"], x["shat0"], x["shat1"], x["phat"], order)
    E = fp_energetic_terms(ref, x["Q0"], x["s0"], x["s1"], order)
    return (-0.5 * x["Qhat0"] * (1.0 - x["Q0"]) + x["shat0"] * x["s0"] - x["shat1"] * x["s1"]
            - x["phat"] * p + S.G_S + ref.alpha * E.G_E)


def binary_entropy_d(d):
    """``-d log d - (1-d) log(1-d)``: S(d) at alpha = 0 (all configurations are solutions)."""
    d = np.asarray(d, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -np.where(d > 0, d * np.log(d), 0.0) - np.where(d < 1, (1 - d) * np.log1p(-d), 0.0)
    return out[()] if out.ndim == 0 else out


# ---------------------------------------------------------------------------
# saddle point
# ---------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class FPResult(Record, OrderParameters):
    """Franz-Parisi saddle point at one distance ``d = (1 - p)/2`` [baldassi2018, SM Eq. 32, 37-38].

    ``S`` is the entropy (per site) of binary solutions at distance ``d`` from the
    reference's binarized configuration. ``error`` = ``|S(order) - S(3 order/2)|``
    at the solution (quadrature error estimate of the reported value; points with
    ``error > QUAD_TOL max(1, |S|)`` are reported as not converged). ``d_c``: where
    the RS branch ends (``Q0 -> 1``) when it has been located (:func:`branch_end`), and
    ``log_coefficient`` the coefficient ``c`` of ``log(1 - Q0)`` in ``S`` there
    (``c > 0``: ``S -> -inf`` at ``d_c``); both NaN when the end was not located. For
    ``d < d_c`` the RS saddle point does not exist: the result is ``S = -inf`` with no
    order parameters, or a failed point (:func:`_beyond_end`). ``d_reached``: the distance the
    continuation actually reached (``d`` itself when it did; the last converged continuation
    point when a point failed or the time budget ran out, and then ``S`` is NaN).
    ``errors``: the error estimate of the reported fields at the solution: ``S`` (``= error``), and
    ``Q0``, ``s0``, ``s1``, ``Qhat0``, ``shat0``, ``shat1`` as the change of their image under the
    fixed-point map [baldassi2018, SM Eq. 37-38] between ``order`` and ``3 order/2`` (``phat`` is
    fixed by the constraint; not estimated). Before a point is called converged, ``0 <= Q0 <= 1``
    and ``S <= binary_entropy_d(d)`` (the count of all configurations at distance ``d``) are checked.
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
    d_reached: float = math.nan
    errors: dict = errors_field()

    ORDER_PARAMETERS = _VARS

    @property
    def tau(self) -> float:
        """``1 - Q0``: the branch ends where it vanishes (:mod:`theory.perceptron.franz_parisi.endpoint`)."""
        return 1.0 - self.Q0


def _phat_solve(ref, Qh0, sh0, sh1, p, ph, order, tol=1e-12) -> float:
    """``phat`` with ``dG_S/dphat = p`` ([baldassi2018, SM Eq. 38], last): safeguarded Newton (monotone in phat)."""
    g = grids_cached(ref, order)
    ds, e0, c = _ent_args(ref, Qh0, sh0, sh1)
    xl, wl = legendre_nodes(order)
    dr = drel(order)
    lo, hi = -math.inf, math.inf
    for _ in range(200):
        f, df = phat_sums(g.ez, g.em, g.ew, g.eta, g.weta, xl, wl, ds, ph, e0, c, dr)
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
    E = fp_energetic_terms(ref, Q0, s0, s1, order)
    a = ref.alpha
    return -2.0 * a * E.dQ0, -a * E.ds0, a * E.ds1


def _fixed_point_map(ref: ReferenceState, p: float | None, order: int):
    """[baldassi2018, SM Eq. 37-38]. ``p=None``: ``phat = 0`` fixed (the maximum of S), ``p`` is an output."""

    def update(x: Mapping[str, float]) -> dict[str, float]:
        Q0 = min(max(x["Q0"], 0.0), 1.0 - 1e-13)
        Qh0, sh0, sh1 = _hats(ref, Q0, x["s0"], x["s1"], order)
        ph = 0.0 if p is None else _phat_solve(ref, Qh0, sh0, sh1, p, x["phat"], order)
        S = fp_entropic_terms(ref, Qh0, sh0, sh1, ph, order)
        return {"Q0": S.Q0, "s0": S.s0, "s1": S.s1, "phat": ph}

    return update


def _with_deadline(update, deadline: float | None):
    """``update`` that raises :class:`ComputationError` once ``time.monotonic()`` passes ``deadline``."""
    if deadline is None:
        return update

    def timed(x):
        if time.monotonic() > deadline:
            raise ComputationError("time budget exhausted during the saddle-point iteration (the wall-clock "
                                   "safety net: machine- and load-dependent)")
        return update(x)

    return timed


def _energetic_table_nodes(ref: ReferenceState, x: Mapping[str, float], order: int) -> int:
    """Nodes of the energetic kernel's interpolation table at ``x`` (its cost: the work unit of the cap)."""
    try:
        Q0 = min(max(float(x["Q0"]), 0.0), 1.0 - 1e-13)
        g = grids_cached(ref, order)
        A, B, b = _AB(ref, g, Q0, float(x["s0"]), float(x["s1"]))
        mu = (A * g.gz0[:, None] + B * g.gz1)[g.gw != 0.0]
        scale = max(math.sqrt(max(b, 0.0)), math.sqrt(1.0 - Q0))
        dh = drel(order) * 2.0 ** math.floor(math.log2(scale))
        n = int(math.ceil(float(mu.max()) / dh) - math.floor(float(mu.min()) / dh)) + 3
        # a table above the kernel's limit is refused before it is built: it costs the grid pass only
        return n if n <= _TABLE_LIMIT else int(mu.size)
    except (ArithmeticError, ValueError, KeyError):
        return 0


class _WorkMeter:
    """Deterministic work count of a continuation: raises once ``used`` passes ``cap`` (see :data:`FP_MAX_WORK`)."""

    def __init__(self, cap: float, estimate: float):
        self.cap, self.estimate, self.used, self.evaluations = float(cap), float(estimate), 0.0, 0

    def wrap(self, update, ref: ReferenceState, order: int):
        def counted(x):
            self.used += _energetic_table_nodes(ref, x, order)
            self.evaluations += 1
            if self.used > self.cap:
                raise ComputationError(
                    f"work cap of {self.cap:.3g} units exhausted ({self.evaluations} map evaluations; the up-front "
                    f"estimate for the requested d was {self.estimate:.3g}; raise max_work=, --max-work on the "
                    "command line)")
            return update(x)
        return counted


def franz_parisi_work_estimate(d: float | Sequence[float], *, order: int = DEFAULT_ORDER, max_step: float = 0.03,
                               d_start: float = 0.35) -> float:
    """Up-front estimate of the work (units of :data:`FP_MAX_WORK`) of reaching the distances ``d`` by continuation.

    The path of :func:`franz_parisi_curve` from ``d_start`` (the maximum of ``S``; 0.35 bounds it for
    the references of the paper) down to the smallest positive ``d``: linear steps of ``max_step``
    to ``d_start * GEOM_STEP``, then geometric steps ``GEOM_STEP``; each point costs about
    :data:`FP_EVALS_PER_POINT` map evaluations of ``(order / 8) max(FP_NODES_FLOOR,
    FP_NODES_SCALE / sqrt(d))`` table nodes (the table spacing follows ``sqrt(1 - Q0)``, and
    ``1 - Q0`` shrinks in proportion to ``d``). Measured on the stochastic reference (``q* = 0.9``):
    0.45 - 1.4 times the counted work for ``3e-5 <= d <= 0.2`` (e.g. ``d = 1e-4``: estimate 7.5e6, counted
    3.4e6; ``d = 3e-5``: 1.27e7 and 1.84e7). Distances above ``d_start``
    cost as many linear steps as they are away.

    Examples
    --------
    >>> franz_parisi_work_estimate(1e-6) > 10 * franz_parisi_work_estimate(1e-3)   # the hang of issue 21
    True
    >>> franz_parisi_work_estimate(1e-6) > FP_MAX_WORK > franz_parisi_work_estimate(1e-4)
    True
    """
    ds = np.atleast_1d(np.asarray(d, dtype=float))
    scale = order / 8.0

    def cost(x: float) -> float:
        return FP_EVALS_PER_POINT * scale * max(FP_NODES_FLOOR, FP_NODES_SCALE / math.sqrt(max(x, 1e-300)))

    total = 0.0
    hi = float(ds.max()) if ds.size else 0.0
    if hi > d_start:
        n = math.ceil((hi - d_start) / max_step)
        total += sum(cost(d_start + (hi - d_start) * j / n) for j in range(1, n + 1))
    pos = ds[ds > 0.0]
    if pos.size and float(pos.min()) < d_start:
        lo = float(pos.min())
        x = d_start
        while x - max_step > max(lo, d_start * GEOM_STEP):
            x -= max_step
            total += cost(x)
        while x * GEOM_STEP > lo:
            x *= GEOM_STEP
            total += cost(x)
        total += cost(lo)
    return total


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
    S_ = fp_entropic_terms(ref, Qh0, sh0, sh1, v["phat"], order)
    E_ = fp_energetic_terms(ref, Q0, v["s0"], v["s1"], order)
    if p is None:
        p = S_.p
    x = {"Q0": Q0, "Qhat0": Qh0, "s0": v["s0"], "shat0": sh0, "s1": v["s1"], "shat1": sh1, "phat": v["phat"]}
    S = (-0.5 * Qh0 * (1.0 - Q0) + sh0 * v["s0"] - sh1 * v["s1"] - v["phat"] * p + S_.G_S + ref.alpha * E_.G_E)
    err = math.nan
    errors: dict[str, float] = {}
    if error:
        hi = order + max(2, order // 2)
        try:
            err = abs(S - fp_functional(ref, p, x, hi))
            errors["S"] = err
            # order parameters: the change of their image under the map at the higher order
            Qh0b, sh0b, sh1b = _hats(ref, Q0, v["s0"], v["s1"], hi)
            Sb = fp_entropic_terms(ref, Qh0b, sh0b, sh1b, v["phat"], hi)
            errors.update({"Q0": abs(Sb.Q0 - S_.Q0), "s0": abs(Sb.s0 - S_.s0), "s1": abs(Sb.s1 - S_.s1),
                           "Qhat0": abs(Qh0b - Qh0), "shat0": abs(sh0b - sh0), "shat1": abs(sh1b - sh1)})
        except ComputationError:
            pass
    d_req = 0.5 * (1.0 - p)
    bound = float(binary_entropy_d(d_req))
    if converged and math.isfinite(S) and S - (err if math.isfinite(err) else 0.0) > bound + 1e-12:
        converged = False
        message = (f"physical bound violated: S = {S:.10g} > {bound:.10g} = binary_entropy_d(d) (upper bound of S, "
                   f"all configurations at distance d); " + message)
    if converged and not (0.0 <= v["Q0"] <= 1.0):
        converged = False
        message = f"physical bound violated: Q0 = {v['Q0']:.10g} outside [0, 1]; " + message
    if not math.isfinite(S):
        converged, message = False, f"non-finite S ({S}); " + message
    elif math.isfinite(err) and err > QUAD_TOL * max(1.0, abs(S)):
        converged = False
        message = (f"quadrature not resolved: |S(order) - S(3 order/2)| = {err:.3g} > {QUAD_TOL:g} max(1, |S|) "
                   f"(raise order; typical near d -> 0 where Q0 -> 1); " + message)
    return FPResult(reference=ref.kind, alpha=ref.alpha, beta=ref.beta, qstar=ref.qstar, d=0.5 * (1.0 - p), p=p,
                    S=float(S), Q0=Q0, Qhat0=Qh0, s0=v["s0"], shat0=sh0, s1=v["s1"], shat1=sh1, phat=v["phat"],
                    G_S=S_.G_S, G_E=E_.G_E, converged=bool(converged), residual=float(residual),
                    iterations=int(iterations), error=float(err), order=order, message=message, errors=errors)


def _init_for(ref: ReferenceState) -> dict[str, float]:
    """Cold start near the maximum: W-overlap of binary solutions, s0 = s1 = p0 q0 (a guess)."""
    qb = binary_rs(min(ref.alpha, 0.8)).q0
    s = 0.5 * ref.q0
    return {"Q0": qb, "s0": s, "s1": s, "phat": 0.0}


def franz_parisi_max(ref: ReferenceState, *, init: Mapping[str, float] | None = None, tol: float = 1e-10,
           order: int = DEFAULT_ORDER, maxiter: int = 2000, method: str = "auto") -> FPResult:
    """The maximum of ``S(d)`` over ``d`` (``phat = 0``): ``S`` there is the entropy of all binary
    solutions (Gardner-Derrida), ``d`` the typical distance of a solution from the reference's BC.

    Examples
    --------
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> mx = franz_parisi_max(ref)
    >>> mx.converged, mx.phat, abs(mx.S - ref.phi) < 1e-6   # S at its maximum: the entropy of all solutions
    (True, 0.0, True)
    """
    ref = _check_ref(ref)
    x0 = dict(init) if init is not None else _init_for(ref)
    x0["phat"] = 0.0
    try:
        res = converge(_fixed_point_map(ref, None, order), x0, tol=tol, damping=0.2, method=method, maxiter=maxiter)
    except ComputationError as exc:
        return _failed(ref, math.nan, order, str(exc))
    return _result(ref, None, res.values, res.converged, res.residual, res.iterations, res.message, order)


def _failed(ref, d, order, msg) -> FPResult:
    return FPResult.failure(msg, reference=ref.kind, alpha=ref.alpha, beta=ref.beta, qstar=ref.qstar, d=d, p=1 - 2 * d,
                            residual=math.inf, iterations=0, order=order)


def solve_franz_parisi(ref: ReferenceState, d: float, *, init: Mapping[str, float] | FPResult | None = None,
             tol: float = 1e-10, order: int = DEFAULT_ORDER, maxiter: int = 2000, method: str = "hybr",
             damping: float = 0.2, end: EndpointResult | None = None, deadline: float | None = None,
             meter: Any = None) -> FPResult:
    """Franz-Parisi saddle point at distance ``d`` [baldassi2018, SM Eq. 32, 37-38].

    Parameters
    ----------
    ref
        Reference state (:func:`franz_parisi_reference`).
    d
        Hamming distance per site from the BC, ``0 <= d < 1`` (``p = 1 - 2d``). At
        ``d = 0`` the result is the exact limit: a single configuration, ``S = 0``
        if the BC is a solution (binary reference), ``-inf`` otherwise (the
        stochastic and spherical BCs have a finite training error, [baldassi2018, SM Eq. 30]).
    init
        Warm start (``FPResult`` or dict with ``Q0, s0, s1, phat``); default: the
        maximum of ``S`` (:func:`franz_parisi_max`).
    method
        ``"hybr"`` (default: hybrid Powell on the fixed-point residual, falling
        back to ``"auto"`` if it fails), ``"iterate"`` (damped iteration, as in
        the SM) or ``"auto"`` (iteration, then Newton polish if it stalls).
    end
        The end of the branch (:func:`branch_end`), optional. When given, ``init`` is a
        converged ``FPResult`` and ``end.d_c < d < init.d``, the solver starts from
        :func:`endpoint_warm_start` (the scaled state interpolated towards the end point,
        ``tau ~ d - d_c``; ``docs/franz_parisi.md``, "The log tau term") instead of from
        ``init`` itself -- the same saddle point in far fewer map evaluations near ``d_c``.
        If that start does not converge, the point is solved again from ``init``.
    deadline
        ``time.monotonic()`` value after which the solve stops with a flagged failure (the map
        evaluation raises; :func:`franz_parisi_curve` sets it from its time budget).
    meter
        Internal: the deterministic work meter of :func:`franz_parisi_curve` (each map evaluation
        is counted and the solve stops, flagged, once the curve's ``max_work`` is used up).

    Returns
    -------
    FPResult
        The saddle point; ``converged=False`` with the reason in ``message`` on failure
        (``S = nan``), ``S = -inf`` below the end of the branch (:func:`_beyond_end`).

    Examples
    --------
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> solve_franz_parisi(ref, 0.0).S   # exact limit: the binary reference's BC is itself a solution
    0.0
    >>> mx = franz_parisi_max(ref)
    >>> r = solve_franz_parisi(ref, 0.3, init=mx)
    >>> r.converged, bool(r.S < mx.S), bool(r.S < binary_entropy_d(0.3))   # below the max and the count of all
    (True, True, True)
    """
    ref = _check_ref(ref)
    d = check_real("d", d, ge=0.0, lt=1.0)
    check_choice("method", method, {"iterate", "auto", "hybr"})
    order = check_int("order", order, ge=4, le=64)
    if d == 0.0:
        S = 0.0 if _bc_is_solution(ref) else -math.inf
        msg = ("exact limit d = 0: the BC itself" + (" (a solution)" if S == 0.0 else
               " is not a solution with finite probability, S -> -inf"))
        nan = math.nan
        return FPResult(reference=ref.kind, alpha=ref.alpha, beta=ref.beta, qstar=ref.qstar, d=0.0, p=1.0, S=S, Q0=1.0,
                        Qhat0=math.inf, s0=nan, shat0=nan, s1=nan, shat1=nan, phat=math.inf, G_S=nan, G_E=nan,
                        converged=True, residual=0.0, iterations=0, error=0.0, order=order, message=msg)
    if init is None:
        mx = franz_parisi_max(ref, tol=tol, order=order)
        if not mx.converged:
            return _failed(ref, d, order, f"could not find the maximum of S: {mx.message}")
        init = mx
    # (a Mapping has a .values method too: test for FPResult, not for the attribute)
    x0 = dict(init.values) if isinstance(init, FPResult) else {k: float(init[k]) for k in _VARS}
    p = 1.0 - 2.0 * d
    update = _with_deadline(_fixed_point_map(ref, p, order), deadline)
    if meter is not None:
        update = meter.wrap(update, ref, order)
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
        if method == "hybr" and (res is None or not res.converged):
            # the SM's scheme: damped iteration (polished by Newton if it stalls)
            try:
                res = converge(update, x0, tol=tol, damping=damping, method="auto", maxiter=min(maxiter, 500))
            except ComputationError as exc:
                return _failed(ref, d, order, f"hybr: {err if res is None else res.message}; iteration: {exc}")
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
TAU_LOCATE = 0.2  # franz_parisi_curve locates the end of the branch once 1 - Q0 falls below this
LOGCOEF_TOL = 1e-6  # c = EndpointResult.log_coefficient above this: S -> -inf at d_c (c's quadrature error ~1e-7)


def scaled_state(r: FPResult) -> dict[str, float]:
    """Finite-``tau`` saddle point in the scaled variables of the ``Q0 -> 1`` limit
    (``K = Qhat0 tau^2, a0 = shat0 tau, a1 = shat1 tau, pt = phat tau``, plus ``s0, s1, p``)."""
    t = 1.0 - r.Q0
    return {"K": r.Qhat0 * t * t, "a0": r.shat0 * t, "a1": r.shat1 * t, "pt": r.phat * t, "s0": r.s0, "s1": r.s1,
            "p": r.p}


def branch_end(ref: ReferenceState, near: FPResult, *, order: int = DEFAULT_ORDER) -> EndpointResult:
    """``d_c`` where the RS branch reaches ``Q0 = 1``, started from a converged saddle point ``near`` the end.

    Solved by :func:`theory.perceptron.franz_parisi.endpoint.franz_parisi_endpoint` from the
    scaled state of ``near`` (small ``1 - Q0``)."""
    return franz_parisi_endpoint(ref, scaled_state(near), order=order)


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
        ``Q0, s0, s1, phat`` (the solver's variables, :func:`solve_franz_parisi`) and the implied
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
    have a finite training error, [baldassi2018, SM Eq. 30])."""
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
        return FPResult(reference=ref.kind, alpha=ref.alpha, beta=ref.beta, qstar=ref.qstar, d=d, p=1.0 - 2.0 * d,
                        S=nan, Q0=1.0, Qhat0=math.inf, s0=nan, shat0=nan, s1=nan, shat1=nan, phat=math.inf, G_S=nan,
                        G_E=nan, converged=False, residual=math.inf, iterations=0, error=nan, order=order, message=msg,
                        d_c=d_c, log_coefficient=c)
    msg = (f"d = {d:g} < d_c = {d_c:.6g}: beyond the end of the RS branch (Q0 -> 1 and S ~ c log(1 - Q0) -> -inf "
           f"at d_c, {c_str}; no RS saddle point here and S(0) = -inf: the RS entropy is -inf)")
    return FPResult(reference=ref.kind, alpha=ref.alpha, beta=ref.beta, qstar=ref.qstar, d=d, p=1.0 - 2.0 * d,
                    S=-math.inf, Q0=1.0, Qhat0=math.inf, s0=nan, shat0=nan, s1=nan, shat1=nan, phat=math.inf, G_S=nan,
                    G_E=nan, converged=True, residual=0.0, iterations=0, error=0.0, order=order, message=msg, d_c=d_c,
                    log_coefficient=c)


def franz_parisi_entropy(alpha: float, beta: float, qstar: float, d: float, reference: str = "stochastic", *,
                 init: FPResult | None = None, tol: float = 1e-10, order: int = DEFAULT_ORDER,
                 budget: float = FP_BUDGET, max_work: float = FP_MAX_WORK) -> FPResult:
    """``S(d)`` for one reference and distance (the command-line entry point).

    At most ``max_work`` work units (deterministic, :func:`franz_parisi_curve`) and, as a last-resort
    safety net, ``budget`` seconds; a point not reached is a failed result with the requested ``d`` and
    the reached one (``d_reached``).

    Reached by continuation from the maximum of ``S`` (:func:`franz_parisi_curve`) unless a converged
    ``init`` is given; ``beta`` and ``qstar`` are used by the stochastic reference only.

    Examples
    --------
    >>> r = franz_parisi_entropy(0.5, 1.0, 0.5, 0.3, reference="binary")
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> r.converged, abs(r.S - solve_franz_parisi(ref, 0.3).S) < 1e-8   # the same saddle point
    (True, True)
    """
    alpha = check_real("alpha", alpha, gt=0.0, lt=0.833)
    check_choice("reference", reference, set(REFERENCES))
    ref = _ref_cached(reference, alpha, float(beta), float(qstar))
    if init is not None and not (isinstance(init, FPResult) and init.converged and math.isfinite(init.Qhat0)):
        init = None
    if init is None:  # by continuation from the maximum (locates the end of the branch too)
        pt = franz_parisi_curve(ref, [check_real("d", d, ge=0.0, lt=1.0)], tol=tol, order=order,
                                budget=budget, max_work=max_work).points[0]
        if pt.result is None:
            return _failed(ref, float(d), order, pt.message)
        return pt.result if pt.converged == pt.result.converged else dataclasses.replace(
            pt.result, converged=pt.converged, message=pt.message or pt.result.message)
    return solve_franz_parisi(ref, d, init=init, tol=tol, order=order)


@lru_cache(maxsize=16)
def _ref_cached(reference: str, alpha: float, beta: float, qstar: float) -> ReferenceState:
    return franz_parisi_reference(reference, alpha, beta, qstar)


def franz_parisi_curve(ref: ReferenceState, d: Sequence[float], *, tol: float = 1e-10, order: int = DEFAULT_ORDER,
             max_halvings: int = 2, method: str = "hybr", max_step: float = 0.03,
             budget: float = FP_BUDGET, max_work: float = FP_MAX_WORK) -> Curve:
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
    the previous point are started from :func:`endpoint_warm_start` (``solve_franz_parisi(..., end=...)``;
    ``docs/franz_parisi.md``, Cost: e.g. spherical d = 0.06 in 20 map evaluations instead of ~1100).

    The continuation gets at most ``max_work`` work units (:data:`FP_MAX_WORK`: the nodes of the
    energetic interpolation table summed over map evaluations, the dominant cost; near ``d -> 0``
    the table grows like ``1/sqrt(d)``): a deterministic cap, the same answer on every machine. A
    point not reached within it is a failed point saying so (``converged=False``, ``d_reached`` the
    last converged distance). :func:`franz_parisi_work_estimate` predicts the work up front (the
    command line refuses a request whose estimate exceeds ``--max-work``). ``budget`` seconds of
    wall time are a last-resort safety net only (machine- and load-dependent; its message says so).
    A failed point's result always carries the requested ``d`` and, separately, ``d_reached``.

    Examples
    --------
    >>> ref = franz_parisi_reference("binary", 0.5)
    >>> c = franz_parisi_curve(ref, [0.3, 0.2])   # both below the maximum of S (d = 0.339)
    >>> S = [p.result.S for p in c.points]
    >>> c.failed, bool(S[1] < S[0] < ref.phi)   # S grows towards its maximum, the entropy of all solutions
    ([], True)
    """
    ref = _check_ref(ref)
    ds = np.asarray(d, dtype=float)
    for x in ds:
        check_real("d", x, ge=0.0, lt=1.0)
    budget = check_real("budget", budget, gt=0.0)
    max_work = check_real("max_work", max_work, gt=0.0)
    deadline = time.monotonic() + budget
    reached = {"d": math.nan}
    mx = franz_parisi_max(ref, tol=tol, order=order)
    if not mx.converged:
        return Curve(points=tuple(CurvePoint(params={"d": float(x)}, result=None, converged=False,
                                             message=f"maximum of S not found: {mx.message}") for x in ds))

    end: dict[str, Any] = {"d_c": None, "c": math.nan, "tried_tau": math.inf, "point": None}
    meter = _WorkMeter(max_work, franz_parisi_work_estimate(ds, order=order, max_step=max_step, d_start=mx.d))

    def solve(params, init):
        d = params["d"]
        if time.monotonic() > deadline:
            raise ComputationError(f"time budget of {budget:g} s exhausted before d = {d:g} (the wall-clock safety "
                                   f"net: machine- and load-dependent; raise budget=, --budget on the command "
                                   f"line; the last converged continuation point was d = {reached['d']:.6g})")
        if meter.used > meter.cap:
            raise ComputationError(f"work cap of {meter.cap:.3g} units exhausted before d = {d:g} (estimate "
                                   f"{meter.estimate:.3g}; raise max_work=, --max-work on the command line; the "
                                   f"last converged continuation point was d = {reached['d']:.6g})")
        if end["d_c"] is not None and d < end["d_c"]:
            return _beyond_end(ref, d, end["d_c"], end["c"], order)
        if (init is not None and d < init.d and init.tau < TAU_LOCATE and end["point"] is None
                and init.tau < end["tried_tau"]):
            # approaching Q0 = 1: locate the end of the branch before solving below it (also when solve_franz_parisi
            # has already found d_c on its own below TAU_END: the warm start needs the end point's state)
            end["tried_tau"] = 0.5 * init.tau
            e = branch_end(ref, init, order=order)
            if e.converged and 0.0 < e.d_c < init.d:
                end["d_c"], end["c"], end["point"] = e.d_c, e.log_coefficient, e
                if d < e.d_c:
                    return _beyond_end(ref, d, e.d_c, e.log_coefficient, order)
        # once the end is located, points between it and init start from the scaled end-point state
        # (endpoint_warm_start; solve_franz_parisi falls back to init itself if that start fails)
        r = solve_franz_parisi(ref, d, init=init, tol=tol, order=order, method=method, end=end["point"],
                               deadline=deadline, meter=meter)
        if r.converged:
            reached["d"] = d
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
    return Curve(points=tuple(_at_requested(ref, float(ds[i]), points[i], order, reached["d"])
                              for i in range(ds.size)))


def _at_requested(ref: ReferenceState, d: float, pt: CurvePoint, order: int, reached: float) -> CurvePoint:
    """A curve point whose result carries the requested ``d`` and, separately, ``d_reached``.

    A point that failed at a continuation sub-step holds the result of that sub-step (another ``d``):
    it becomes a failure at the requested ``d`` with ``d_reached`` the sub-step's distance."""
    r = pt.result
    if r is None:  # the solve raised: a failure at the requested d, with the last converged distance
        return dataclasses.replace(pt, result=dataclasses.replace(_failed(ref, d, order, pt.message),
                                                                  d_reached=reached))
    if r.d == d or (math.isfinite(r.d) and abs(r.d - d) <= 1e-15 * max(1.0, d)):
        return dataclasses.replace(pt, result=dataclasses.replace(r, d_reached=d if pt.converged else r.d_reached))
    msg = (f"d = {d:g} not reached: the continuation stopped at d = {r.d:.6g} (S there {r.S:.6g}, "
           f"converged={r.converged}): {pt.message or r.message}")
    nan = math.nan
    out = dataclasses.replace(r, d=d, p=1.0 - 2.0 * d, d_reached=r.d if r.converged else nan, S=nan, G_S=nan,
                              G_E=nan, converged=False, message=msg, errors={})
    return dataclasses.replace(pt, result=out, converged=False, message=msg)
