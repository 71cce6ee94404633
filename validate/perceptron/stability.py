"""RS stability of the stochastic perceptron: the critical line beta_c(q*) over its whole window.

Source: [baldassi2018, SM Eq. 16-20] and [baldassi2018, SM Fig. 1] (``beta_c(q*)`` for alpha = 0.5, 0.55,
0.6 "in a small q* window"), and the claim of [baldassi2018, SM Sec. I] that beta = 20, the inverse
temperature of the main text at alpha = 0.55, is "where the RS results are supposedly correct".
Theory: :func:`theory.perceptron.rs_stability` (margin ``alpha gamma_E gamma_S``),
:func:`theory.perceptron.beta_c` (first crossing of margin = 1 along beta) and
:func:`theory.perceptron.solve_zero_temperature` (margin and freezing scale chi at beta = infinity).

What one alpha's line contains (:func:`stability_line_point`, one resumable sweep point per alpha):

* the **lower end** ``q*_lo`` of the window: the margin is not monotone in beta (it peaks at beta ~ 50-90
  and decreases towards its beta = infinity limit), so the unstable region closes at the fold where
  ``max_beta margin(beta; q*) = 1``; beta_c stays *finite* there (the two branches meet);
* the **re-entrant branch** ``beta_c2(q*)`` (second crossing, RS stable again above it) for
  ``q*_lo < q* < q*_0``, which diverges at ``q*_0``, where the beta = infinity margin reaches 1;
* the **lower branch** ``beta_c(q*)`` on a grid from ``q*_lo`` towards 1, its minimum and location;
* the **upper end**: beta_c grows with the freezing scale ``chi(q*)`` of the zero-temperature solution,
  which is finite for every q* < 1 (docs/stochastic_perceptron_rs.md, Sec. 10), so beta_c is finite on the
  whole of ``(q*_lo, 1)``; reported as ``q*_hi(beta_max)``, the q* where beta_c reaches the largest beta
  computed, and the slope of ``log beta_c`` against ``log chi``.

The report rows check the paper's claim (margin at beta = 20 below 1 at every q* the BC-energy and
Franz-Parisi sections use, alpha = 0.55), the minimum of beta_c at alpha = 0.55 against the value read
off [baldassi2018, SM Fig. 1], and that beta_c decreases with alpha.

1RSB static transition (:func:`kauzmann_point`, :func:`continuous_transition_point`): beta_K(q*) at alpha =
0.55 drawn next to beta_c(q*), with rows: beta_K = beta_c where the transition is continuous (q* = 0.8: the x = 1
broken branch joins RS at the AT line), beta_K *measured* with its root tolerance where it is discontinuous
(quick: q* = 0.88, 0.9; full: 0.85-0.92), beta_K < beta_c, and the claim rows ``beta_K > 20`` (docs/
stochastic_perceptron_1rsb.md, Sec. 7 and "The report's answer to the paper's beta = 20 claim"). Quick cost:
about 28 s of CPU more.

Adding a curve: append to ``data["lines"]`` a dict
``{"label", "alpha", "qstar", "beta", "style"}`` (drawn by the figure as is) and, for the claim table,
call :func:`bound_row` with the bound's name and value at each claim q*.

Finite N (:func:`gibbs_overlap_point`): real replicas of the Gibbs measure of [baldassi2018, SM Eq. 1]
(:func:`simulate.perceptron.stochastic_perceptron_metropolis`) at alpha = 0.55, q* = 0.855, below and above
beta_c: the two-replica overlap against the RS q0 where RS is stable and the chain has stopped drifting,
otherwise reported as measured (docs/rs_stability.md, Sec. 4, explains why these sizes cannot locate the AT
line).

Cost: quick mode (quadrature order 8, beta <= 2000, 6 grid points; 6 sampler runs of 6000 sweeps at N = 101)
about 25-30 s of CPU in 4+6 sweep points (inline with 3000 sweeps: 20.5 s user CPU, measured at load average
20), i.e. ~15 s wall on 2 idle cores; full mode (order 12,
beta <= 1e4, 30 grid points: 9 min of CPU; sampler at N = 101 and 201, 8 instances, 2e4 sweeps: about an
hour of CPU). Derivation and numbers: docs/rs_stability.md.
"""
from __future__ import annotations

import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison
from validate.store import ResultStore
from validate.sweep import run_sweep

__all__ = ["stability_line_point", "margin_line_point", "gibbs_overlap_point", "bound_row", "claim_qstars",
           "kauzmann_point", "continuous_transition_point", "compare_rs_stability",
           "SETTINGS", "ALPHAS", "CLAIM_ALPHA", "CLAIM_BETA"]

ALPHAS = (0.5, 0.55, 0.6)  # [baldassi2018, SM Fig. 1]
CLAIM_ALPHA, CLAIM_BETA = 0.55, 20.0  # main text of [baldassi2018] and [baldassi2018, SM Sec. I]
FP_QSTARS = (0.7, 0.8, 0.9)  # q* of the Franz-Parisi section (validate.perceptron.franz_parisi), beta = 20
CHECK_QSTARS = (0.8, 0.85, 0.9, 0.95)  # common q* of the "decreasing in alpha" rows
# Value read off [baldassi2018, SM Fig. 1] (quoted in issue 20): the alpha = 0.55 curve falls to ~23 at
# q* ~ 0.80-0.85. The figure has no digits: reading tolerance 2 in beta and 0.02 in q*, fixed before computing.
PUBLISHED_BETA_C_MIN, PUBLISHED_BETA_C_MIN_TOL = 23.0, 2.0
PUBLISHED_QSTAR_MIN_RANGE, PUBLISHED_QSTAR_MIN_TOL = (0.80, 0.85), 0.02
SETTINGS = {
    "quick": {"order": 8, "beta_max": 2000.0, "n_grid": 6, "n_upper": 2, "bc_count": 8,
              "kauzmann": {"qstars": (0.88, 0.9), "beta_hi": 30.0, "order": 8, "tol": 1e-8, "xtol": 1e-4},
              "mc": {"sizes": (101,), "betas": (5.0, 40.0), "instances": 3, "n_sweeps": 6000, "n_replicas": 4}},
    "full": {"order": 12, "beta_max": 1.0e4, "n_grid": 30, "n_upper": 8, "bc_count": 24,
             "kauzmann": {"qstars": (0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.92), "beta_hi": 40.0, "order": 12,
                          "tol": 1e-9, "xtol": 1e-5},
             "mc": {"sizes": (101, 201), "betas": (5.0, 15.0, 23.0, 40.0), "instances": 8, "n_sweeps": 20000,
                    "n_replicas": 4}},
}
# finite-N Gibbs sampling of [baldassi2018, SM Eq. 1] (simulate.perceptron.stochastic_perceptron_metropolis):
# q* at the minimum of beta_c (alpha = 0.55), so that beta = 40 is well above beta_c ~ 22.9
MC_QSTAR, MC_THETA = 0.855, 0.5
MC_ABS_TOL = 0.03  # finite N = 101: O(1/N) shift of <q12> and sample-to-sample spread (fixed before measuring)
# 1RSB static transition beta_K(q*) (theory.perceptron.kauzmann_beta, docs/stochastic_perceptron_1rsb.md, Sec. 7):
# continuous transition (beta_K = beta_c) checked at CONTINUOUS_QSTAR by following the x = 1 broken branch down
# from 1.15 beta_c on a grid of ratio CONTINUOUS_RATIO; beta_K where the transition is discontinuous (q* >= 0.85)
CONTINUOUS_QSTAR, CONTINUOUS_RATIO = 0.8, 0.97


# --------------------------------------------------------------------------- theory helpers


def _margin(alpha, beta, qstar, init, order):
    """``(margin, StabilityResult)``; ComputationError when the RS saddle point fails."""
    from theory.core import ComputationError
    from theory.perceptron import rs_stability

    r = rs_stability(alpha, float(beta), float(qstar), init=init, order=order)
    if not r.converged:
        raise ComputationError(f"RS saddle point failed at alpha={alpha}, beta={beta:.6g}, q*={qstar:.6g}: "
                               f"{r.message}")
    return r.margin, r


def _peak_margin(alpha, qstar, order, beta0=20.0, ratio=1.25, beta_cap=2000.0):
    """``(max_beta margin, beta at the max, warm start there)``: geometric scan up from ``beta0`` while the
    margin grows, then bounded Brent on log beta inside the last three scan points."""
    from scipy.optimize import minimize_scalar

    b, init = beta0, None
    m, r = _margin(alpha, b, qstar, init, order)
    hist = [(b, m, r)]
    while b < beta_cap:
        b *= ratio
        m, r = _margin(alpha, b, qstar, hist[-1][2].values, order)
        hist.append((b, m, r))
        if m < hist[-2][1]:
            break
    k = int(np.argmax([h[1] for h in hist]))
    if k in (0, len(hist) - 1):  # monotone on the scan: the maximum is at an end
        return hist[k][1], hist[k][0], hist[k][2]
    cache = {"x": hist[k][2].values}

    def neg(lb):
        mm, rr = _margin(alpha, math.exp(lb), qstar, cache["x"], order)
        cache["x"] = rr.values
        return -mm

    res = minimize_scalar(neg, bounds=(math.log(hist[k - 1][0]), math.log(hist[k + 1][0])), method="bounded",
                          options={"xatol": 1e-4})
    bb = math.exp(res.x)
    mm, rr = _margin(alpha, bb, qstar, cache["x"], order)
    return mm, bb, rr


def _bc(alpha, qstar, order, beta_max, beta_start=10.0, init=None):
    from theory.perceptron import beta_c

    return beta_c(alpha, float(qstar), beta_start=beta_start, beta_max=beta_max, init=init, order=order,
                  ratio=1.25, xtol=1e-7)


def _second_crossing(alpha, qstar, order, beta_max):
    """``beta_c2``: the margin falls back below 1 above its peak (re-entrant RS stability); NaN with a
    message when it does not below ``beta_max``."""
    from scipy.optimize import brentq

    mpk, b, r = _peak_margin(alpha, qstar, order)
    if mpk <= 1.0:
        return math.nan, f"peak margin {mpk:.4g} <= 1 at q*={qstar:.5g}"
    lo, x = b, r.values
    while True:
        hi = lo * 1.25
        if hi > beta_max:
            return math.nan, f"margin still > 1 at beta={lo:.4g} (q*={qstar:.5g}, beta_max={beta_max:g})"
        m, r = _margin(alpha, hi, qstar, x, order)
        if m < 1.0:
            break
        lo, x = hi, r.values
    cache = {"x": x}

    def f(bb):
        mm, rr = _margin(alpha, bb, qstar, cache["x"], order)
        cache["x"] = rr.values
        return mm - 1.0

    return float(brentq(f, lo, hi, xtol=1e-7 * lo, rtol=1e-12)), ""


def _zero_temperature_qstar0(alpha, order):
    """``q*_0``: the beta = infinity margin reaches 1 (stable below)."""
    from scipy.optimize import brentq

    from theory.perceptron import solve_zero_temperature

    return float(brentq(lambda q: solve_zero_temperature(alpha, q, order=order).margin - 1.0, 0.7, 0.9,
                        xtol=1e-9))


# --------------------------------------------------------------------------- sweep points


def stability_line_point(alpha: float, n_grid: int, n_upper: int, beta_max: float, order: int,
                         check_qstars: list) -> dict:
    """The whole RS stability line at one load (one resumable sweep point).

    Computes ``q*_0`` (beta = infinity margin = 1), the fold ``q*_lo`` (``max_beta margin = 1``) and the beta
    there, the lower branch ``beta_c(q*)`` on ``n_grid`` points uniform in ``log(1 - q*)`` from the fold to
    q* = 0.99 (stopping where beta_c exceeds ``beta_max``), the re-entrant branch ``beta_c2`` on ``n_upper``
    points between fold and ``q*_0``, the minimum of beta_c, the q* where beta_c = ``beta_max`` and the
    zero-temperature freezing scale chi on the grid [baldassi2018, SM Eq. 16], [baldassi2018, SM Fig. 1].

    Parameters
    ----------
    alpha
        Load.
    n_grid, n_upper
        Grid sizes of the lower and re-entrant branches.
    beta_max
        Largest inverse temperature computed.
    order
        Quadrature order of the RS saddle points.
    check_qstars
        q* where beta_c is also reported (rows comparing the loads).

    Returns
    -------
    dict
        Lists and numbers of the line, ``messages`` for points that failed or have no crossing.

    Examples
    --------
    >>> d = stability_line_point(0.55, n_grid=2, n_upper=1, beta_max=200.0, order=8, check_qstars=[])
    >>> 0.75 < d["qstar_lo"] < d["qstar_0"] < 0.82, 20 < d["beta_c_min"] < 26
    (True, True)
    """
    from scipy.optimize import brentq, minimize_scalar

    from theory.core import ComputationError
    from theory.perceptron import solve_zero_temperature

    t0 = time.time()
    msgs = []
    q0 = _zero_temperature_qstar0(alpha, order)
    # fold: the unstable region's lower end; the peak margin increases with q*
    peaks = {}

    def f_peak(q):
        m, b, _ = _peak_margin(alpha, q, order)
        peaks[q] = b
        return m - 1.0

    q_lo = float(brentq(f_peak, 0.7, q0, xtol=1e-5))
    beta_lo = peaks[q_lo] if q_lo in peaks else _peak_margin(alpha, q_lo, order)[1]
    # lower branch
    grid_q = [float(q) for q in 1.0 - (1.0 - q_lo) * (0.01 / (1.0 - q_lo)) ** np.linspace(0.0, 1.0, n_grid + 1)]
    grid_q = grid_q[1:]
    bq, bb = [q_lo], [beta_lo]
    prev, q_last_finite, q_first_none = None, q_lo, math.nan
    for q in grid_q:
        start = 10.0 if prev is None else 0.8 * prev.beta_c
        r = _bc(alpha, q, order, beta_max, beta_start=start, init=None if prev is None else prev.values)
        if not r.converged:
            msgs.append(f"q*={q:.5g}: {r.message}")
            if "no crossing" in r.message:
                q_first_none = q
                break
            continue
        bq.append(q)
        bb.append(r.beta_c)
        prev, q_last_finite = r, q
    # minimum of beta_c (U-shaped between the fold and q* -> 1)
    cache = {"init": None}

    def bc_at(q):
        r = _bc(alpha, q, order, beta_max, init=cache["init"])
        if not r.converged:
            raise ComputationError(r.message)
        cache["init"] = r.values
        return r.beta_c

    res = minimize_scalar(bc_at, bounds=(0.8, 0.92), method="bounded", options={"xatol": 1e-4})
    q_min, b_min = float(res.x), float(bc_at(float(res.x)))
    k = int(np.searchsorted(bq, q_min))  # the minimum is a point of the drawn curve too
    bq.insert(k, q_min)
    bb.insert(k, b_min)
    # upper end: q* where beta_c = beta_max, from margin(beta_max, q*) = 1 between the last finite grid point
    # and the first point without a crossing (the line beta = beta_max crosses the stability line there)
    q_hi = math.nan
    if math.isfinite(q_first_none) and prev is not None:
        x, b = prev.values, prev.beta_c
        try:
            while b < beta_max:
                b = min(beta_max, b * 1.25)
                _, r = _margin(alpha, b, q_last_finite, x, order)
                x = r.values
            hcache = {"x": x}

            def g(q):
                mm, rr = _margin(alpha, beta_max, q, hcache["x"], order)
                hcache["x"] = rr.values
                return mm - 1.0

            q_hi = float(brentq(g, q_last_finite, q_first_none, xtol=1e-7))
        except (ComputationError, ValueError) as exc:
            msgs.append(f"upper end at beta_max={beta_max:g}: {exc}")
    # re-entrant branch
    uq, ub = [q_lo], [beta_lo]
    for s in np.linspace(0.0, 0.8, n_upper + 1)[1:]:
        q = q_lo + s * (q0 - q_lo)
        b2, why = _second_crossing(alpha, q, order, beta_max)
        if why:
            msgs.append("beta_c2: " + why)
        else:
            uq.append(float(q))
            ub.append(b2)
    chi = [solve_zero_temperature(alpha, q, order=order).chi for q in bq]
    sel = [i for i, q in enumerate(bq) if q >= 0.93]
    nu = (float(np.polyfit(np.log([chi[i] for i in sel]), np.log([bb[i] for i in sel]), 1)[0])
          if len(sel) >= 2 else math.nan)
    checks = {}
    for q in check_qstars:
        r = _bc(alpha, q, order, beta_max)
        checks[str(q)] = r.beta_c if r.converged else math.nan
        if not r.converged:
            msgs.append(f"check q*={q}: {r.message}")
    return {"alpha": alpha, "qstar_0": q0, "qstar_lo": q_lo, "beta_lo": beta_lo, "qstar": bq, "beta_c": bb,
            "qstar_upper": uq, "beta_c2": ub, "qstar_min": q_min, "beta_c_min": b_min, "qstar_hi": q_hi,
            "beta_max": beta_max, "chi": chi, "nu_chi": nu, "check": checks, "messages": msgs,
            "seconds": time.time() - t0}


def margin_line_point(alpha: float, beta: float, qstars: list, order: int, beta_max: float) -> dict:
    """RS margin ``alpha gamma_E gamma_S`` at fixed beta along ``qstars`` (continuation in q*), with beta_c at
    each q* (NaN and a message where the margin never reaches 1 below ``beta_max``) [baldassi2018, SM Eq. 16].

    Parameters
    ----------
    alpha, beta
        Load and inverse temperature.
    qstars
        Squared norms (any order; computed in increasing order).
    order
        Quadrature order.
    beta_max
        End of the beta_c scan.

    Returns
    -------
    dict
        ``qstar``, ``margin``, ``converged``, ``beta_c``, ``messages`` in the order of ``qstars``.

    Examples
    --------
    >>> d = margin_line_point(0.55, 20.0, [0.3, 0.86], order=8, beta_max=100.0)
    >>> [m < 1 for m in d["margin"]], d["beta_c"][1] > 20.0
    ([True, True], True)
    """
    from theory.perceptron import rs_stability

    qs = sorted(float(q) for q in qstars)
    out, x = {}, None
    for q in qs:
        r = rs_stability(alpha, beta, q, init=x, order=order)
        if r.converged:
            x = r.values
        # beta_c above beta when the margin there is below 1 (the margin grows with beta up to its peak)
        b = _bc(alpha, q, order, beta_max, beta_start=beta, init=x) if r.converged and r.margin < 1.0 else \
            _bc(alpha, q, order, beta_max)
        out[q] = (r.margin if r.converged else math.nan, bool(r.converged), b.beta_c if b.converged else math.nan,
                  "" if b.converged else b.message)
    order_in = [float(q) for q in qstars]
    return {"qstar": order_in, "margin": [out[q][0] for q in order_in], "converged": [out[q][1] for q in order_in],
            "beta_c": [out[q][2] for q in order_in], "messages": [out[q][3] for q in order_in]}


def gibbs_overlap_point(N: int, alpha: float, qstar: float, beta: float, n_sweeps: int, n_replicas: int,
                        theta_max: float, seed: int) -> dict:
    """Real replicas of the Gibbs measure of [baldassi2018, SM Eq. 1] on one random instance: the pair-averaged
    overlap ``q12`` and ``L / M`` by quarters of the run, their second-half means, and ``N Var(q_ab)`` over the
    second half (:func:`simulate.perceptron.stochastic_perceptron_metropolis`).

    Parameters
    ----------
    N, alpha
        Size and load of the random-label instance (seeded by ``seed``).
    qstar, beta
        Squared norm and inverse temperature of the measure.
    n_sweeps, n_replicas, theta_max
        Sampler settings.
    seed
        Instance seed; the chain uses ``seed + 7919``.

    Returns
    -------
    dict

    Examples
    --------
    >>> d = gibbs_overlap_point(51, 0.55, 0.5, 0.0, 200, 2, 0.5, seed=0)
    >>> abs(d["q12"]) < 0.2, len(d["q12_quarters"])
    (True, 4)
    """
    from simulate.perceptron import generate_instance, stochastic_perceptron_metropolis

    inst = generate_instance(N, alpha, seed=seed)
    r = stochastic_perceptron_metropolis(inst, qstar, beta, seed + 7919, n_sweeps=n_sweeps, n_replicas=n_replicas,
                                         theta_max=theta_max)
    q = r.overlaps.mean(axis=1)
    half = n_sweeps // 2
    return {"q12": float(q[half:].mean()), "q12_quarters": [float(x.mean()) for x in np.array_split(q, 4)],
            "L": float(r.log_likelihood[half:].mean()),
            "L_quarters": [float(x.mean()) for x in np.array_split(r.log_likelihood, 4)],
            "nvar": float(N * r.overlaps[half:].var(axis=0).mean()), "acceptance": r.acceptance}


def _mc_rows(cfg, store, seed):
    """Rows and data of the finite-N measurement (see docs/rs_stability.md, Sec. 4)."""
    from theory.perceptron import rs_stability

    mc = cfg["mc"]
    pts = [dict(N=N, alpha=CLAIM_ALPHA, qstar=MC_QSTAR, beta=b, n_sweeps=mc["n_sweeps"],
                n_replicas=mc["n_replicas"], theta_max=MC_THETA) for N in mc["sizes"] for b in mc["betas"]]
    table = run_sweep(gibbs_overlap_point, pts, task="perceptron.rs_stability.gibbs",
                      seeds=range(seed, seed + mc["instances"]), store=store)
    rows, data = [], []
    for p in pts:
        recs = [r for r in table.rows if r["N"] == p["N"] and r["beta"] == p["beta"]]
        th = rs_stability(CLAIM_ALPHA, p["beta"], MC_QSTAR, order=cfg["order"])
        q = np.array([r["q12"] for r in recs])
        qq = np.array([r["q12_quarters"] for r in recs])
        drift = qq[:, 3] - qq[:, 2]
        m, se, n = float(q.mean()), float(q.std(ddof=1) / math.sqrt(len(q))) if len(q) > 1 else math.nan, len(q)
        dm, dse = float(drift.mean()), float(drift.std(ddof=1) / math.sqrt(len(q))) if len(q) > 1 else math.nan
        equil = math.isfinite(dse) and abs(dm) <= 3 * dse
        tag = f"N={p['N']}, beta={p['beta']:g} (RS margin {th.margin:.2f}, {'stable' if th.margin < 1 else 'unstable'})"
        if th.margin < 1 and equil:
            rows.append(Row(quantity=f"two-replica overlap q12, {tag}", theory=th.q0, sim_mean=m, sim_se=se, n=n,
                            n_se=3, abs_tol=MC_ABS_TOL,
                            note=f"RS q0; pair-rotation Metropolis, {p['n_sweeps']} sweeps x {p['n_replicas']} "
                                 "replicas "
                                 f"(second half), drift of the last quarter {dm:+.4f} +- {dse:.4f}; abs. tol. "
                                 f"{MC_ABS_TOL}: finite N"))
        else:
            why = ("RS unstable here: no theory value to compare with" if th.margin >= 1 else
                   "not equilibrated: the last quarter still drifts")
            rows.append(Row(quantity=f"two-replica overlap q12, {tag}", sim_mean=m, sim_se=se, n=n,
                            note=f"{why}; RS q0 = {th.q0:.4f}; drift of the last quarter {dm:+.4f} +- {dse:.4f}"))
        rows.append(Row(quantity=f"N Var(q_ab) within runs, {tag}",
                        sim_mean=float(np.mean([r["nvar"] for r in recs])),
                        sim_se=float(np.std([r["nvar"] for r in recs], ddof=1) / math.sqrt(n)) if n > 1 else math.nan,
                        n=n, note="spin-glass susceptibility proxy; grows without bound with N only where replica "
                                  "symmetry is broken (needs equilibrium and several N)"))
        data.append({**{k: p[k] for k in ("N", "beta")}, "q12": m, "q12_se": se, "q0_rs": th.q0, "margin": th.margin,
                     "drift": dm, "drift_se": dse, "quarters": qq.mean(axis=0).tolist(),
                     "acceptance": float(np.mean([r["acceptance"] for r in recs]))})
    bq, x, q0s = [float(b) for b in np.geomspace(2.0, 60.0, 16)], None, []
    for b in bq:
        r = rs_stability(CLAIM_ALPHA, b, MC_QSTAR, init=x, order=cfg["order"])
        x = r.values if r.converged else None
        q0s.append(r.q0 if r.converged else math.nan)
    return rows, {"points": data, "beta": bq, "q0_rs": q0s}


def claim_qstars(mode: str) -> list[float]:
    """The q* at which the report's alpha = 0.55, beta = 20 sections use the RS theory: the fixed-norm GD
    schedule of the BC-energy section ([baldassi2018, Fig. 2 left]) and the Franz-Parisi q* ([baldassi2018, SM
    Fig. 2]), sorted.

    Examples
    --------
    >>> qs = claim_qstars("quick")
    >>> qs[0], qs[-1], 0.8 in qs
    (0.3, 0.99, True)
    """
    from simulate.perceptron import default_qstar_schedule

    sched = [round(float(q), 6) for q in default_qstar_schedule(0.3, 0.99, SETTINGS[mode]["bc_count"])]
    return sorted(set(sched) | set(FP_QSTARS))


def bound_row(bound: str, qstar: float, value: float, beta: float = CLAIM_BETA, *, note: str = "",
              source: str = "[baldassi2018, SM Sec. I]: beta = 20 'where the RS results are supposedly correct'"
              ) -> Row:
    """Claim-table row: is ``beta`` below the bound (``beta_c``, or later ``beta_K``) at this q*?

    ``value`` is the bound at ``qstar``; ``inf`` means no bound (RS stable at every beta computed). The
    verdict is ``agrees`` iff ``beta < value``; ``not comparable`` when the bound is NaN (failed).

    Examples
    --------
    >>> bound_row("beta_c", 0.86, 22.9).verdict, bound_row("beta_c", 0.86, 17.0).verdict
    ('agrees', 'disagrees')
    >>> bound_row("beta_c", 0.3, float("inf")).verdict
    'agrees'
    """
    q = f"{bound}(q*={qstar:g}) > beta = {beta:g}"
    if math.isnan(value):
        return Row(quantity=q, note=note or "bound not computed", verdict="not comparable", tolerance=f"> {beta:g}")
    return Row(quantity=q, theory=value, source=source, note=note, tolerance=f"{bound} > {beta:g}",
               verdict="agrees" if value > beta else "disagrees")


def kauzmann_point(alpha: float, qstar: float, beta_hi: float, order: int, tol: float, xtol: float,
                   beta_max: float) -> dict:
    """The 1RSB static transition ``beta_K(q*)`` (``Sigma(x = 1)`` of the broken branch crosses 0) and the RS
    stability line ``beta_c(q*)`` at the same quadrature order (one resumable sweep point)
    (:func:`theory.perceptron.kauzmann_beta`, :func:`theory.perceptron.beta_c`).

    The x = 1 branch is followed down from ``beta_hi`` (well above beta_K: below beta_K an unstable broken
    branch coexists, docs/stochastic_perceptron_1rsb.md, Sec. 7) to ``beta_lo = beta_hi / 3``.

    Parameters
    ----------
    alpha, qstar
        Load and squared norm.
    beta_hi
        Start of the downward scan of the x = 1 branch.
    order, tol
        Quadrature order and solver tolerance of the 1RSB and RS saddle points.
    xtol
        Relative tolerance of the root beta_K.
    beta_max
        End of the beta_c scan.

    Returns
    -------
    dict
        ``beta_K``, ``gap`` (``q1 - q0`` at beta_K), ``converged``, ``message``, ``beta_K_error`` (the root
        tolerance), ``beta_c``, ``seconds``.

    Examples
    --------
    >>> d = kauzmann_point(0.55, 0.88, beta_hi=30.0, order=8, tol=1e-8, xtol=1e-3, beta_max=200.0)
    >>> d["converged"], 19.5 < d["beta_K"] < 20.0 < d["beta_c"]   # beyond beta_K at beta = 20, RS still stable
    (True, True)
    """
    from theory.perceptron import kauzmann_beta

    t0 = time.time()
    r = kauzmann_beta(alpha, float(qstar), beta_hi=beta_hi, beta_lo=beta_hi / 3.0, tol=tol, order=order, xtol=xtol)
    bc = _bc(alpha, qstar, order, beta_max)
    return {"alpha": alpha, "qstar": float(qstar), "beta_K": r.beta_K, "gap": r.gap, "converged": bool(r.converged),
            "message": r.message, "beta_K_error": xtol * r.beta_K if r.converged else math.nan,
            "beta_c": bc.beta_c if bc.converged else math.nan, "seconds": time.time() - t0}


def continuous_transition_point(alpha: float, qstar: float, order: int, tol: float, ratio: float,
                                beta_max: float) -> dict:
    """Where the transition is continuous, beta_K = beta_c: the broken x = 1 branch, followed down in beta
    from ``1.15 beta_c`` on a geometric grid (``ratio``), keeps ``Sigma(1) < 0`` and joins RS (``q1 = q0``)
    at the AT line (one resumable sweep point) [baldassi2018, SM Eq. 16],
    :func:`theory.perceptron.solve_rsb`.

    Parameters
    ----------
    alpha, qstar
        Load and squared norm.
    order, tol
        Quadrature order and solver tolerance.
    ratio
        Grid ratio of the downward scan (< 1).
    beta_max
        End of the beta_c scan.

    Returns
    -------
    dict
        ``beta_c``, the scan ``beta``, ``gap``, ``complexity`` (to the first point on RS), ``beta_broken``
        (lowest beta with ``q1 > q0``), ``beta_rs`` (first beta on RS below it), ``messages``.

    Examples
    --------
    >>> d = continuous_transition_point(0.55, 0.8, order=8, tol=1e-8, ratio=0.9, beta_max=200.0)
    >>> d["beta_rs"] <= d["beta_c"] <= d["beta_broken"], max(d["complexity"][:-1]) < 0
    (True, True)
    """
    from theory.perceptron import solve_rsb

    bc = _bc(alpha, qstar, order, beta_max)
    out = {"alpha": alpha, "qstar": float(qstar), "beta_c": bc.beta_c if bc.converged else math.nan, "beta": [],
           "gap": [], "complexity": [], "beta_broken": math.nan, "beta_rs": math.nan, "messages": []}
    if not bc.converged:
        out["messages"].append(f"beta_c: {bc.message}")
        return out
    b, init = 1.15 * bc.beta_c, None  # default start of solve_rsb: RS with q1 half-way to q*
    while b > 0.5 * bc.beta_c:
        r = solve_rsb(alpha, b, qstar, 1.0, init=init, tol=tol, order=order, error=False)
        if not r.converged:
            out["messages"].append(f"beta={b:.5g}: {r.message}")
            break
        out["beta"].append(b)
        out["gap"].append(r.gap)
        out["complexity"].append(r.complexity)
        if r.gap < 1e-6 * qstar:
            out["beta_rs"] = b
            break
        out["beta_broken"], init = b, r
        b *= ratio
    return out


# --------------------------------------------------------------------------- comparison


def _check(quantity, value, ok, tolerance, source="", note="", published=math.nan):
    if not math.isfinite(value):
        return Row(quantity=quantity, published=published, source=source, note=note or "theory point failed",
                   verdict="not comparable", tolerance=tolerance)
    return Row(quantity=quantity, theory=value, published=published, source=source, note=note,
               tolerance=tolerance, verdict="agrees" if ok else "disagrees")


@comparison("perceptron.rs_stability", "RS stability of the stochastic perceptron [baldassi2018, SM Fig. 1]",
            "Stochastic perceptron", order=5)
def compare_rs_stability(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """beta_c(q*) for alpha = 0.5, 0.55, 0.6 over the whole window where it is finite, and the paper's claim
    that beta = 20 lies in the RS-stable region at alpha = 0.55 (theory only; no random numbers: ``seed``
    is unused)."""
    t0 = time.time()
    cfg = SETTINGS[mode]
    lines = run_sweep(stability_line_point,
                      [dict(alpha=a, n_grid=cfg["n_grid"], n_upper=cfg["n_upper"], beta_max=cfg["beta_max"],
                            order=cfg["order"], check_qstars=list(CHECK_QSTARS)) for a in ALPHAS],
                      task="perceptron.rs_stability.line", store=store)
    qs = claim_qstars(mode)
    claim = run_sweep(margin_line_point, [dict(alpha=CLAIM_ALPHA, beta=CLAIM_BETA, qstars=qs, order=cfg["order"],
                                               beta_max=cfg["beta_max"])],
                      task="perceptron.rs_stability.claim", store=store).rows[0]
    by_alpha = {float(r["alpha"]): r for r in lines.rows}
    rows = []
    # the paper's claim, q* by q*
    for q, m, ok, b, why in zip(claim["qstar"], claim["margin"], claim["converged"], claim["beta_c"],
                                claim["messages"]):
        bound = b if math.isfinite(b) else (math.inf if "no crossing" in why else math.nan)
        note = (f"margin alpha gamma_E gamma_S at beta = 20: {m:.4f}" if ok else "RS at beta = 20 failed")
        if bound == math.inf:
            note += f"; RS locally stable at every beta <= {cfg['beta_max']:g}"
        rows.append(bound_row("beta_c", q, bound, note=note))
    # minimum of beta_c at alpha = 0.55 against the figure
    d = by_alpha[CLAIM_ALPHA]
    fig_src = "[baldassi2018, SM Fig. 1] (read off the figure, as quoted in issue 20)"
    rows.append(_check("min over q* of beta_c, alpha=0.55", d["beta_c_min"],
                       abs(d["beta_c_min"] - PUBLISHED_BETA_C_MIN) <= PUBLISHED_BETA_C_MIN_TOL,
                       f"{PUBLISHED_BETA_C_MIN_TOL:g} abs. (figure reading)", fig_src, published=PUBLISHED_BETA_C_MIN,
                       note=f"at q* = {d['qstar_min']:.4f}"))
    lo, hi = PUBLISHED_QSTAR_MIN_RANGE
    rows.append(_check("q* of the minimum of beta_c, alpha=0.55", d["qstar_min"],
                       lo - PUBLISHED_QSTAR_MIN_TOL <= d["qstar_min"] <= hi + PUBLISHED_QSTAR_MIN_TOL,
                       f"in [{lo:g}, {hi:g}] +- {PUBLISHED_QSTAR_MIN_TOL:g} (figure reading)", fig_src,
                       published=0.5 * (lo + hi)))
    rows.append(_check("min beta_c(alpha=0.55) > beta = 20 (the claim at its tightest)", d["beta_c_min"],
                       d["beta_c_min"] > CLAIM_BETA, "> 20", "[baldassi2018, SM Sec. I]",
                       note=f"margin at beta = 20 peaks at {max(claim['margin']):.3f} on the claim grid"))
    # decreasing in alpha ([baldassi2018, SM Sec. I]: "decreasing with alpha")
    for q in CHECK_QSTARS:
        v = [by_alpha[a]["check"][str(q)] for a in ALPHAS]
        ok = all(math.isfinite(x) for x in v) and v[0] > v[1] > v[2]
        rows.append(_check(f"beta_c(q*={q:g}) decreasing in alpha", v[1], ok, "strictly decreasing",
                           "[baldassi2018, SM Sec. I] ('decreasing with alpha'), [baldassi2018, SM Fig. 1]",
                           note="alpha = 0.5, 0.55, 0.6: " + ", ".join(f"{x:.3f}" for x in v)))
    # the window ends: consistency of the finite-beta and beta = infinity computations
    for a in ALPHAS:
        d = by_alpha[a]
        rows.append(_check(f"window lower end q*_lo (fold) < q*_0 (beta = inf margin = 1), alpha={a:g}",
                           d["qstar_lo"], d["qstar_lo"] < d["qstar_0"], "q*_lo < q*_0",
                           note=f"q*_lo = {d['qstar_lo']:.4f} at beta = {d['beta_lo']:.1f}; "
                                f"q*_0 = {d['qstar_0']:.4f}; beta_c finite at the fold"))
    krows, kdata = _kauzmann_rows(cfg, store) if "kauzmann" in cfg else ([], {"points": [], "continuous": None,
                                                                             "beyond": [], "verdict": ""})
    rows.extend(krows)
    mc_rows, mc_data = _mc_rows(cfg, store, seed)
    rows.extend(mc_rows)
    lines_plot = []
    styles = {0.5: "C0", 0.55: "C1", 0.6: "C2"}
    for a in ALPHAS:
        d = by_alpha[a]
        lines_plot.append({"label": f"beta_c, alpha={a:g}", "alpha": a, "qstar": d["qstar"], "beta": d["beta_c"],
                           "style": {"color": styles[a], "ls": "-", "marker": "."}})
        lines_plot.append({"label": f"beta_c2 (re-entrant), alpha={a:g}", "alpha": a, "qstar": d["qstar_upper"],
                           "beta": d["beta_c2"], "style": {"color": styles[a], "ls": "--", "marker": "."}})
    kq = [p["qstar"] for p in kdata["points"] if p["converged"]]
    if kq:
        lines_plot.append({"label": f"beta_K (1RSB static), alpha={CLAIM_ALPHA:g}", "alpha": CLAIM_ALPHA,
                           "qstar": kq, "beta": [p["beta_K"] for p in kdata["points"] if p["converged"]],
                           "style": {"color": "k", "ls": ":", "marker": "s"}})
    data = {"lines": lines_plot, "alphas": list(ALPHAS), "claim": dict(claim), "kauzmann": kdata,
            "window": {str(a): {k: by_alpha[a][k] for k in ("qstar_lo", "beta_lo", "qstar_0", "qstar_hi",
                                                             "beta_max", "qstar_min", "beta_c_min", "nu_chi")}
                       for a in ALPHAS},
            "check": {str(a): by_alpha[a]["check"] for a in ALPHAS}, "gibbs": mc_data,
            "chi": {str(a): {"qstar": by_alpha[a]["qstar"], "chi": by_alpha[a]["chi"],
                             "beta_c": by_alpha[a]["beta_c"]} for a in ALPHAS}}
    msgs = [f"alpha={a:g}: {m}" for a in ALPHAS for m in by_alpha[a]["messages"] if "no crossing" not in m]
    w = data["window"]
    notes = ("Window where beta_c is finite, per alpha: lower end q*_lo (a fold: the unstable region closes at "
             "finite beta), upper end beyond reach (beta_c follows the zero-temperature freezing scale chi(q*), "
             "finite for q* < 1). " + "; ".join(
                 f"alpha={a:g}: q*_lo={w[str(a)]['qstar_lo']:.4f} (beta={w[str(a)]['beta_lo']:.1f}), "
                 f"q*_0={w[str(a)]['qstar_0']:.4f}, beta_c={w[str(a)]['beta_max']:g} at "
                 f"q*={w[str(a)]['qstar_hi']:.4f}, min beta_c={w[str(a)]['beta_c_min']:.3f} at "
                 f"q*={w[str(a)]['qstar_min']:.4f}, d log beta_c / d log chi={w[str(a)]['nu_chi']:.2f}"
                 for a in ALPHAS)
             + f". Quadrature order {cfg['order']}; beta <= {cfg['beta_max']:g}. Finite N: real replicas of the "
               f"Gibbs measure of [baldassi2018, SM Eq. 1] at alpha = {CLAIM_ALPHA}, q* = {MC_QSTAR} (beta_c ~ 22.9); "
               "they check the sampler against RS where it is stable and equilibrated, but cannot locate the AT "
               "line at the sizes and times this machine affords (docs/rs_stability.md, Sec. 4)."
             + (" " + kdata["verdict"] if kdata["verdict"] else "")
             + ("" if not msgs else " Messages: " + "; ".join(msgs)))
    return Comparison(key="perceptron.rs_stability", title="RS stability beta_c(q*) [baldassi2018, SM Fig. 1]",
                      rows=tuple(rows), data=data, wall_time=time.time() - t0, figure=_figure(data),
                      command=f"python -m validate report --only perceptron.rs_stability --{mode}", notes=notes)


def _kauzmann_rows(cfg, store):
    """Rows and data of the 1RSB static transition beta_K(q*) at alpha = 0.55 next to beta_c(q*)."""
    k = cfg["kauzmann"]
    pts = run_sweep(kauzmann_point, [dict(alpha=CLAIM_ALPHA, qstar=q, beta_hi=k["beta_hi"], order=k["order"],
                                          tol=k["tol"], xtol=k["xtol"], beta_max=cfg["beta_max"])
                                     for q in k["qstars"]], task="perceptron.rs_stability.kauzmann", store=store).rows
    cont = run_sweep(continuous_transition_point, [dict(alpha=CLAIM_ALPHA, qstar=CONTINUOUS_QSTAR, order=k["order"],
                                                        tol=k["tol"], ratio=CONTINUOUS_RATIO,
                                                        beta_max=cfg["beta_max"])],
                     task="perceptron.rs_stability.continuous", store=store).rows[0]
    src = "theory.perceptron.kauzmann_beta (docs/stochastic_perceptron_1rsb.md, Sec. 5, 7)"
    rows = []
    # continuous transition: beta_K = beta_c, checked by the x = 1 branch joining RS at the AT line
    bc, lo, hi = cont["beta_c"], cont["beta_rs"], cont["beta_broken"]
    sig = cont["complexity"][:-1] if math.isfinite(lo) else cont["complexity"]
    ok = math.isfinite(bc) and math.isfinite(lo) and math.isfinite(hi) and lo <= bc <= hi and bool(sig) and \
        max(sig) < 0
    rows.append(_check(f"x = 1 branch joins RS at beta_c (beta_K = beta_c, continuous), q*={CONTINUOUS_QSTAR:g}",
                       bc, ok, "beta_c in [last beta on RS, lowest broken beta], Sigma(1) < 0 on the branch",
                       src, note=f"x = 1 branch followed down from 1.15 beta_c (ratio {CONTINUOUS_RATIO:g}): broken "
                                 f"down to beta = {hi:.3f} (gap {min(cont['gap'][:len(sig)], default=math.nan):.2g}), "
                                 f"RS at {lo:.3f}; max Sigma(1) on the branch "
                                 f"{max(sig) if sig else math.nan:.2e}" + "".join("; " + m for m in cont["messages"])))
    rows.append(bound_row("beta_K", CONTINUOUS_QSTAR, bc if ok else math.nan,
                          note="continuous transition: beta_K = beta_c (row above)"))
    beyond = []
    for p in pts:
        q, bk, err = p["qstar"], p["beta_K"], p["beta_K_error"]
        if not p["converged"]:
            rows.append(bound_row("beta_K", q, math.nan, note=f"beta_K not found: {p['message']}"))
            continue
        rows.append(Row(quantity=f"beta_K(q*={q:g}) (discontinuous 1RSB transition, alpha={CLAIM_ALPHA:g})",
                        theory=bk, source=src, verdict="measured", tolerance=f"+- {err:.1g} (root tolerance)",
                        note=f"Sigma(x = 1) = 0 on the broken x = 1 branch followed down from beta = {k['beta_hi']:g}; "
                             f"gap q1 - q0 = {p['gap']:.4f} there; quadrature order {k['order']}"))
        rows.append(_check(f"beta_K(q*={q:g}) < beta_c (static transition before the AT line)", bk,
                           math.isfinite(p["beta_c"]) and bk < p["beta_c"], "beta_K < beta_c", src,
                           note=f"beta_c = {p['beta_c']:.4f}: RS locally stable but not the equilibrium for "
                                f"beta_K < beta < beta_c"))
        rows.append(bound_row("beta_K", q, bk, note=f"beta_c = {p['beta_c']:.4f}; beta_K +- {err:.1g}"))
        if bk < CLAIM_BETA:
            beyond.append(q)
    done = [p["qstar"] for p in pts if p["converged"]]
    verdict = ("1RSB static transition at alpha = 0.55: beta_K = beta_c (continuous) at q* = "
               f"{CONTINUOUS_QSTAR:g}; beta_K computed at q* = {', '.join(f'{q:g}' for q in done) or 'none'}. "
               + (f"beta = 20 exceeds beta_K at q* = {', '.join(f'{q:g}' for q in beyond)}: there the RS solution is "
                  "still locally stable but no longer the equilibrium (the paper's claim fails for the "
                  "thermodynamics, docs/stochastic_perceptron_1rsb.md, Sec. 7)." if beyond else
                  "beta = 20 lies below beta_K at every q* computed."))
    return rows, {"points": [dict(p) for p in pts], "continuous": dict(cont), "beyond": beyond, "verdict": verdict}


def _figure(data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 3.8))
    ax, ax2, ax3 = fig.subplots(1, 3)
    for ln in data["lines"]:
        if len(ln["qstar"]):
            ax.plot(ln["qstar"], ln["beta"], label=ln["label"], ms=3, **ln["style"])
    for k, a in enumerate(data["alphas"]):
        w = data["window"][str(a)]
        ax.axvline(w["qstar_0"], color=f"C{k}", ls=":", lw=0.8)
        ax.plot([w["qstar_lo"]], [w["beta_lo"]], "o", color=f"C{k}", ms=4)
    ax.axhline(CLAIM_BETA, color="k", lw=0.8, ls="-.", label="beta = 20 (paper)")
    for q in data["claim"]["qstar"]:
        ax.axvline(q, ymax=0.04, color="k", lw=0.8)
    ax.set_yscale("log")
    ax.set_xlabel("q*")
    ax.set_ylabel("beta_c (RS unstable above the solid, below the dashed line)")
    ax.set_title("RS stability line (dotted: q*_0, beta = inf)", fontsize=8)
    ax.legend(fontsize=6)
    c = data["claim"]
    ax2.plot(c["qstar"], c["margin"], "o-", color="C1", label=f"alpha={CLAIM_ALPHA:g}, beta={CLAIM_BETA:g}")
    ax2.axhline(1.0, color="r", lw=0.8, label="instability")
    ax2.set_xlabel("q* (BC-energy and Franz-Parisi sections)")
    ax2.set_ylabel("margin alpha gamma_E gamma_S")
    ax2.set_ylim(0, 1.1)
    ax2.legend(fontsize=7)
    g = data["gibbs"]
    ax3.plot(g["beta"], g["q0_rs"], "k-", label=f"RS q0 (alpha={CLAIM_ALPHA:g}, q*={MC_QSTAR:g})")
    for k, N in enumerate(sorted({p["N"] for p in g["points"]})):
        pts = [p for p in g["points"] if p["N"] == N]
        ax3.errorbar([p["beta"] for p in pts], [p["q12"] for p in pts], yerr=[p["q12_se"] for p in pts], fmt="o",
                     color=f"C{k + 3}", capsize=2, label=f"two-replica q12, N={N}")
    bc = data["window"][str(CLAIM_ALPHA)]["beta_c_min"]
    ax3.axvline(bc, color="r", lw=0.8, ls="--", label=f"beta_c = {bc:.1f}")
    ax3.set_xlim(0, max(g["beta"]) * 1.02)
    ax3.set_xlabel("beta")
    ax3.set_ylabel("overlap")
    ax3.set_title("finite N: chains not equilibrated at beta >= 15 (docs/rs_stability.md)", fontsize=8)
    ax3.legend(fontsize=7)
    fig.tight_layout()
    return fig
