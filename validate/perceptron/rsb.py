"""RS at beta = 20 against 1RSB at beta = 50, 100: the paper's claim that beta = 20 is close to beta = infinity.

Source: [baldassi2018, SM Sec. I] works at beta = 20 "where the RS results are supposedly correct and
quantitatively close to the beta = +infinity limit", and draws the RS energy of the binarized configuration
(BC) at beta = 20 against fixed-norm GD [baldassi2018, Fig. 2 left], [baldassi2018, SM Eq. 30].
Theory: :func:`theory.perceptron.solve_rsb` at the equilibrium Parisi parameter ``x*`` (complexity
``Sigma(x*) = 0``, or ``x* = 1`` when ``Sigma(1) >= 0``), :func:`theory.perceptron.bc_energy_rsb` (the BC energy
under the 1RSB measure), against :func:`theory.perceptron.solve_rs` and :func:`theory.perceptron.bc_energy`
(derivation and numbers: docs/stochastic_perceptron_1rsb.md, Sec. 5, 7, 9, and its section "The report's
answer to the paper's beta = 20 claim").

What one point contains (:func:`rsb_vs_rs_point`, one resumable sweep point per ``(q*, beta)``): the RS and
1RSB free entropies, mean log-likelihoods per pattern and BC energies at the same ``(alpha, beta, q*)``, the
equilibrium ``x*``, ``q0``, ``q1``, the complexity at ``x*`` and the RS limit of the 1RSB functional (``q1 = q0``).
The RS curves ``E(q*)`` at beta = 20, 50, 100 come from :func:`rs_energy_curve_point`. The fixed-norm GD
energies of the ``perceptron.bc_energy`` section are read from the store (task
``perceptron.bc_energy.fixed_norm``; never recomputed here): in a full report that section runs first and
stores them; in a report with ``--only perceptron.rsb_vs_rs`` and a fresh store they are absent and the
figure says so.

beta -> infinity (:func:`zero_temperature_point`, one point per q*): the RS limit
(:func:`theory.perceptron.solve_zero_temperature`) at every q* of the rows and at the q* = 0.30, 0.42 of the
fixed-norm GD finding of the BC section, and the 1RSB limit at the equilibrium ``y = lim beta x``
(:func:`theory.perceptron.solve_rsb_zero_temperature`) where the RS margin exceeds 1 (q* = 0.9 here); rows:
``E_BC(beta = inf) - E_RS(20)`` per q*, where RS is broken ``E_BC`` and ``phi / beta`` of 1RSB against RS at
infinity (checks: ``phi_inf(1RSB) <= phi_0(RS)``, ``Sigma(y*) = 0``), ``E_RS(inf) - E_RS(20)`` at q* = 0.30,
0.42, and, when the store holds them, the fixed-norm GD energies there graded against ``E_RS(inf)`` (GD
minimises the loss at fixed norm: the ground state, 3 s.e.). The figure adds the RS beta = inf curve and the
1RSB limit points.

Rows: the 1RSB - RS differences (``E_BC`` against RS at beta = 20 and at the same beta, ``phi`` at the same
beta) as ``measured`` with their quadrature error (``|value(order) - value(order / 2)|``, summed over the
terms: conservative); consistency checks that can fail: ``phi_1RSB(q1 = q0) = phi_RS``, ``phi_1RSB <= phi_RS``
(at the equilibrium ``x*`` phi is *minimised* over ``x``, and ``phi(x = 1) = phi_RS``: docs, Sec. 5), and
``0 < x* <= 1`` with ``Sigma(x*) = 0``.

Cost: quick mode (order 6, tol 1e-8, q* = 0.7, 0.8, 0.9 at beta = 50, 100): 38 s of CPU for the report run
with ``--only`` (62 s wall at load average 4), once (the points are stored: 3.4 s again); full mode (order
12, tol 1e-10, plus q* = 0.75, 0.85, 0.88, 0.95 for the E(q*) figure): a few minutes. The beta -> infinity
points add ~5 s of CPU in quick mode (the q* = 0.9 1RSB limit: equilibrium y at order 6, 3.6 s, then the
fixed-y solve with error estimates at orders 12 and 6; the RS limits and the RS beta = inf curve 0.6 s).
"""
from __future__ import annotations

import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison, mean_se
from validate.store import ResultStore
from validate.sweep import run_sweep

__all__ = ["rsb_vs_rs_point", "rs_energy_curve_point", "stored_fixed_norm_energies", "compare_rsb_vs_rs",
           "zero_temperature_point", "zero_temperature_curve_point", "RSB_SETTINGS", "RSB_ALPHA", "RS_CLAIM_BETA"]

RSB_ALPHA, RS_CLAIM_BETA = 0.55, 20.0  # [baldassi2018, SM Sec. I], [baldassi2018, Fig. 2 left]
CLAIM_QSTARS = (0.7, 0.8, 0.9)  # issue 20 (the q* of the Franz-Parisi section)
RSB_SETTINGS = {
    "quick": {"order": 6, "tol": 1e-8, "betas": (50.0, 100.0), "qstars": CLAIM_QSTARS, "extra_qstars": (),
              "curve": 24},
    "full": {"order": 12, "tol": 1e-10, "betas": (50.0, 100.0), "qstars": CLAIM_QSTARS,
             "extra_qstars": (0.75, 0.85, 0.88, 0.95), "curve": 60},
}
# phi_1RSB(q1 = q0) = phi_RS: both at order 12 (tests/test_perceptron_rsb.py: 1e-10 there), RS solved to 1e-12
RS_LIMIT_TOL, RS_LIMIT_ORDER = 1e-9, 12
RS_GAP = 1e-7  # q1 - q0 below RS_GAP * q*: the 1RSB solution is the RS one (no broken solution reached)
# beta -> infinity: the q* of the fixed-norm GD finding of the BC section (GD 0.02-0.03 below RS beta = 20 there)
GD_QSTARS = (0.30, 0.42)
ZT_ORDER = 12  # order of the beta -> infinity values (with their error estimates; the equilibrium y at cfg order)
ZT_SIGMA_TOL = 1e-6  # |Sigma(y*)| at the equilibrium y of the limit (the finite-beta criterion)
ZT_QUAD_RTOL = 1e-3  # relative tolerance of the limit's error estimates (order 12 vs 6: E_BC to ~4e-7 at q* = 0.9)
ZT_Y_BRACKET = (20.0, 400.0)  # search interval of y* = lim beta x (42.65 at q* = 0.9; y_c ~ 25-27 at q* = 0.9)


# --------------------------------------------------------------------------- sweep points


def rsb_vs_rs_point(alpha: float, qstar: float, beta: float, order: int, tol: float, with_rsb: bool = True) -> dict:
    """RS and 1RSB (equilibrium ``x``) at one ``(alpha, beta, q*)``: free entropy, mean log-likelihood per
    pattern and energy of the BC under each measure [baldassi2018, SM Eq. 15, 30].

    Parameters
    ----------
    alpha, qstar, beta
        Load, squared norm, inverse temperature.
    order, tol
        Quadrature order and solver tolerance of every saddle point.
    with_rsb
        ``False``: the RS quantities only (the 1RSB fields are NaN).

    Returns
    -------
    dict
        ``phi_rs``, ``phi_rsb``, ``loglik_rs``, ``loglik_rsb``, ``E_rs``, ``E_rsb`` and their ``*_error``;
        ``x``, ``q0``, ``q1``, ``gap``, ``complexity``, ``broken`` (``q1 > q0``), ``phi_rs_limit`` (the 1RSB
        functional at ``q1 = q0``, the RS order parameters and ``x*``, order 12) and ``phi_rs_limit_ref`` (RS
        at order 12), ``converged``, ``message``.

    Examples
    --------
    >>> d = rsb_vs_rs_point(0.55, 0.8, 40.0, order=6, tol=1e-8)
    >>> d["converged"], d["broken"], 0.5 < d["x"] < 0.8, d["phi_rsb"] < d["phi_rs"]   # beyond beta_c ~ 27
    (True, True, True, True)
    """
    from theory.perceptron import bc_energy, bc_energy_rsb, rsb_free_entropy, solve_rs, solve_rsb

    t0 = time.time()
    msgs = []
    rs = solve_rs(alpha, beta, qstar, tol=tol, order=order)
    ers = bc_energy(alpha, beta, qstar, tol=tol, order=order)
    if not with_rsb:
        return {"alpha": alpha, "qstar": qstar, "beta": beta, "phi_rs": rs.phi, "phi_rs_error": rs.error,
                "loglik_rs": rs.loglik, "E_rs": ers.E, "E_rs_error": ers.error, "q0_rs": rs.q0,
                "converged": bool(rs.converged and ers.converged),
                "message": "; ".join(m.message for m in (rs, ers) if not m.converged), "seconds": time.time() - t0}
    r = solve_rsb(alpha, beta, qstar, None, tol=tol, order=order, quad_rtol=1e-5)
    out = {"alpha": alpha, "qstar": qstar, "beta": beta, "phi_rs": rs.phi, "phi_rs_error": rs.error,
           "loglik_rs": rs.loglik, "E_rs": ers.E, "E_rs_error": ers.error, "phi_rsb": r.phi,
           "phi_rsb_error": r.error, "loglik_rsb": r.loglik, "x": r.x, "q0": r.q0, "q1": r.q1, "gap": r.gap,
           "complexity": r.complexity, "q0_rs": rs.q0, "broken": bool(r.converged and r.gap > RS_GAP * qstar),
           "E_rsb": math.nan, "E_rsb_error": math.nan, "phi_rs_limit": math.nan}
    for name, rec in (("RS", rs), ("BC energy (RS)", ers), ("1RSB", r)):
        if not rec.converged:
            msgs.append(f"{name}: {rec.message}")
        elif name == "1RSB" and rec.message and rec.message != "converged":
            msgs.append(f"1RSB: {rec.message}")
    # the RS limit of the 1RSB functional, at order RS_LIMIT_ORDER on both sides (the RS and 1RSB rules differ
    # by their quadrature errors, 1e-7 at order 6; 1e-10 at order 12: tests/test_perceptron_rsb.py)
    ref = solve_rs(alpha, beta, qstar, tol=1e-12, order=RS_LIMIT_ORDER, error=False)
    out["phi_rs_limit_ref"] = ref.phi
    if ref.converged:
        xx = r.x if math.isfinite(r.x) else 0.5
        out["phi_rs_limit"] = rsb_free_entropy(ref.q0, ref.q0, ref.qhat0, ref.qhat0, ref.qhat1, alpha=alpha,
                                               beta=beta, qstar=qstar, x=xx, order=RS_LIMIT_ORDER)
    if out["broken"]:
        e = bc_energy_rsb(r)
        if e.converged:
            out["E_rsb"], out["E_rsb_error"] = e.E, e.error
        else:
            msgs.append(f"BC energy (1RSB): {e.message}")
    elif r.converged:  # the equilibrium is RS: the 1RSB BC energy is the RS one
        out["E_rsb"], out["E_rsb_error"] = ers.E, ers.error
    out["converged"] = bool(rs.converged and ers.converged and r.converged and math.isfinite(out["E_rsb"]))
    out["message"] = "; ".join(msgs)
    out["seconds"] = time.time() - t0
    return out


def rs_energy_curve_point(alpha: float, beta: float, qstars: list, order: int) -> dict:
    """RS energy of the BC [baldassi2018, SM Eq. 30] along ``qstars`` (:func:`theory.perceptron.bc_energy_curve`).

    Parameters
    ----------
    alpha, beta
        Load and inverse temperature.
    qstars
        Squared norms (continuation in the given order).
    order
        Quadrature order.

    Returns
    -------
    dict
        ``qstar``, ``E``, ``converged`` in the order of ``qstars``.

    Examples
    --------
    >>> d = rs_energy_curve_point(0.55, 20.0, [0.5, 0.9], order=8)
    >>> all(d["converged"]), d["E"][0] > d["E"][1] > 0.0
    (True, True)
    """
    from theory.perceptron import bc_energy_curve

    c = bc_energy_curve(alpha, beta, [float(q) for q in qstars], order=order)
    return {"alpha": alpha, "beta": beta, "qstar": [float(q) for q in qstars],
            "E": [float(v) for v in c.column("E")], "converged": [bool(p.converged) for p in c.points]}


def zero_temperature_point(alpha: float, qstar: float, order: int) -> dict:
    """beta -> infinity at one ``(alpha, q*)``: the RS limit (:func:`theory.perceptron.solve_zero_temperature`),
    and, where its stability margin exceeds 1, the 1RSB limit at the equilibrium ``y = lim beta x``
    (:func:`theory.perceptron.solve_rsb_zero_temperature`; docs/stochastic_perceptron_1rsb.md, Sec. 10), plus the
    RS BC energy at beta = 20 at the same ``q*`` [baldassi2018, SM Eq. 30].

    The equilibrium ``y`` is searched at ``order`` (no error estimate), then the saddle point at that ``y`` is
    solved at order ``max(ZT_ORDER, order)`` with every field's error estimate (relative tolerance
    ``ZT_QUAD_RTOL``); the
    complexity there (``Sigma(y*)``, 0 at the exact equilibrium) is reported.

    Parameters
    ----------
    alpha, qstar
        Load and squared norm.
    order
        Quadrature order of the equilibrium-``y`` search.

    Returns
    -------
    dict
        ``phi0_rs``, ``E_rs_inf``, ``margin_rs`` (and ``*_error``); ``broken`` (a 1RSB limit with ``q0 < q*``
        reached), ``y``, ``q0``, ``phi_inf``, ``E_rsb_inf``, ``complexity`` (and errors; NaN where RS is
        stable); ``E_inf`` / ``E_inf_error`` (1RSB where broken, RS otherwise), ``phi_inf_eq`` likewise;
        ``E_rs20``, ``converged``, ``message``.

    Examples
    --------
    >>> d = zero_temperature_point(0.55, 0.8, order=6)   # RS stable at beta = inf (margin 0.93)
    >>> d["converged"], d["broken"], round(d["margin_rs"], 2), d["E_inf"] == d["E_rs_inf"] > d["E_rs20"]
    (True, False, 0.93, True)
    """
    from theory.perceptron import bc_energy, solve_rsb_zero_temperature, solve_zero_temperature

    t0 = time.time()
    hi = max(ZT_ORDER, order)
    z = solve_zero_temperature(alpha, qstar, order=hi)
    e20 = bc_energy(alpha, RS_CLAIM_BETA, qstar, order=hi)
    out = {"alpha": alpha, "qstar": qstar, "phi0_rs": z.phi0, "phi0_rs_error": z.errors.get("phi0", math.nan),
           "E_rs_inf": z.E, "E_rs_inf_error": z.errors.get("E", math.nan), "margin_rs": z.margin,
           "margin_rs_error": z.errors.get("margin", math.nan), "E_rs20": e20.E, "E_rs20_error": e20.error,
           "broken": False, "y": math.nan, "q0": math.nan, "phi_inf": math.nan, "phi_inf_error": math.nan,
           "E_rsb_inf": math.nan, "E_rsb_inf_error": math.nan, "complexity": math.nan}
    msgs = [f"{n}: {r.message}" for n, r in (("RS beta=inf", z), ("RS beta=20", e20)) if not r.converged]
    ok = bool(z.converged and e20.converged)
    if z.converged and not z.stable:
        r = solve_rsb_zero_temperature(alpha, qstar, order=order, error=False, y_bracket=ZT_Y_BRACKET)
        if r.converged and qstar - r.q0 > RS_GAP * qstar:
            rf = solve_rsb_zero_temperature(alpha, qstar, r.y, order=hi, init=r, quad_rtol=ZT_QUAD_RTOL)
            ok = ok and rf.converged
            if not rf.converged:
                msgs.append(f"1RSB beta=inf at y={r.y:.6g}: {rf.message}")
            out.update(broken=True, y=rf.y, q0=rf.q0, phi_inf=rf.phi_inf,
                       phi_inf_error=rf.errors.get("phi_inf", math.nan),
                       E_rsb_inf=rf.E, E_rsb_inf_error=rf.errors.get("E", math.nan), complexity=rf.complexity)
        elif r.converged:
            msgs.append(f"1RSB beta=inf: {r.message}")
        else:
            ok = False
            msgs.append(f"1RSB beta=inf: {r.message}")
    b = out["broken"]
    out["E_inf"] = out["E_rsb_inf"] if b else out["E_rs_inf"]
    out["E_inf_error"] = out["E_rsb_inf_error"] if b else out["E_rs_inf_error"]
    out["phi_inf_eq"] = out["phi_inf"] if b else out["phi0_rs"]
    out["converged"], out["message"], out["seconds"] = ok, "; ".join(msgs), time.time() - t0
    return out


def zero_temperature_curve_point(alpha: float, qstars: list, order: int) -> dict:
    """RS beta -> infinity BC energy along ``qstars`` (:func:`theory.perceptron.zero_temperature_curve`).

    Parameters
    ----------
    alpha
        Load.
    qstars
        Squared norms.
    order
        Quadrature order.

    Returns
    -------
    dict
        ``qstar``, ``E``, ``stable`` (RS stability margin below 1), ``converged``.

    Examples
    --------
    >>> d = zero_temperature_curve_point(0.55, [0.5, 0.9], order=8)
    >>> all(d["converged"]), d["E"][0] > d["E"][1] > 0.0, d["stable"]
    (True, True, [True, False])
    """
    from theory.perceptron import zero_temperature_curve

    c = zero_temperature_curve(alpha, [float(q) for q in qstars], order=order)
    return {"alpha": alpha, "qstar": [float(q) for q in qstars],
            "E": [float(p.result.E) if p.result is not None else math.nan for p in c.points],
            "stable": [bool(p.result.stable) if p.result is not None else False for p in c.points],
            "converged": [bool(p.converged) for p in c.points]}


def stored_fixed_norm_energies(store: ResultStore | None, alpha: float = RSB_ALPHA) -> dict | None:
    """Fixed-norm GD training errors of ``sign(m)`` stored by the ``perceptron.bc_energy`` section (task
    ``perceptron.bc_energy.fixed_norm``), averaged over instances at the largest N stored; ``None`` without
    a store or stored points.

    Parameters
    ----------
    store
        The report's store.
    alpha
        Load of the runs to use.

    Returns
    -------
    dict or None
        ``N``, ``n`` (instances), ``qstar``, ``E_mean``, ``E_se``.

    Examples
    --------
    >>> stored_fixed_norm_energies(None) is None
    True
    """
    if store is None:
        return None
    recs = [r for r in store.records("perceptron.bc_energy.fixed_norm")
            if abs(float(r.get("alpha", math.nan)) - alpha) < 1e-12 and isinstance(r.get("result"), dict)
            and "train_error" in r["result"]]
    if not recs:
        return None
    N = max(int(r["N"]) for r in recs)
    recs = [r for r in recs if int(r["N"]) == N]
    sched = max((tuple(r["result"]["qstar"]) for r in recs), key=lambda s: sum(1 for r in recs
                                                                              if tuple(r["result"]["qstar"]) == s))
    # one run per seed (the newest code version stored last in the store's ordering)
    by_seed = {r["seed"]: r for r in recs if tuple(r["result"]["qstar"]) == sched}
    E = np.array([by_seed[s]["result"]["train_error"] for s in sorted(by_seed, key=str)], dtype=float)
    stats = [mean_se(E[:, j]) for j in range(E.shape[1])]
    return {"N": N, "n": int(E.shape[0]), "qstar": [float(q) for q in sched], "E_mean": [s[0] for s in stats],
            "E_se": [s[1] for s in stats]}


# --------------------------------------------------------------------------- comparison


def _measured(quantity, value, err, note, source="theory.perceptron.solve_rsb, bc_energy_rsb (docs/"
                                                   "stochastic_perceptron_1rsb.md)"):
    if not math.isfinite(value):
        return Row(quantity=quantity, note=note or "theory point failed", verdict="not comparable",
                   tolerance="-", source=source)
    return Row(quantity=quantity, theory=value, verdict="measured", source=source, note=note,
               tolerance=f"+- {err:.1e} (quadrature, order vs order/2)" if math.isfinite(err) else "error n/a")


def _check(quantity, value, ok, tolerance, note="", source="docs/stochastic_perceptron_1rsb.md, Sec. 4-5"):
    if not math.isfinite(value):
        return Row(quantity=quantity, note=note or "theory point failed", verdict="not comparable",
                   tolerance=tolerance, source=source)
    return Row(quantity=quantity, theory=value, note=note, tolerance=tolerance, source=source,
               verdict="agrees" if ok else "disagrees")


def _err(*xs):
    return float(sum(abs(x) for x in xs)) if all(math.isfinite(x) for x in xs) else math.nan


def _curve_qstars(n: int, extra) -> list[float]:
    qs = 1.0 - 0.7 * (0.03 / 0.7) ** np.linspace(0.0, 1.0, n)  # 0.3 ... 0.97, uniform in log(1 - q*)
    return sorted({round(float(q), 6) for q in qs} | {float(q) for q in CLAIM_QSTARS} | {float(q) for q in extra})


@comparison("perceptron.rsb_vs_rs", "RS at beta = 20 against 1RSB at beta = 50, 100 [baldassi2018, SM Sec. I]",
            "Stochastic perceptron", order=12)
def compare_rsb_vs_rs(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """phi and the BC energy of RS at beta = 20 (the paper's working point) against 1RSB at the equilibrium
    x at beta = 50, 100, alpha = 0.55, q* = 0.7, 0.8, 0.9, with E(q*) of RS and 1RSB side by side (theory
    only; no random numbers: ``seed`` is unused)."""
    t0 = time.time()
    cfg = RSB_SETTINGS[mode]
    qs = list(cfg["qstars"]) + [q for q in cfg["extra_qstars"] if q not in cfg["qstars"]]
    pts = run_sweep(rsb_vs_rs_point, [dict(alpha=RSB_ALPHA, qstar=q, beta=b, order=cfg["order"], tol=cfg["tol"],
                                           with_rsb=b != RS_CLAIM_BETA)
                                      for q in qs for b in (RS_CLAIM_BETA, *cfg["betas"])
                                      if b != RS_CLAIM_BETA or q in cfg["qstars"]],
                    task="perceptron.rsb_vs_rs.point", store=store).rows
    # E(q*) of RS at beta = 20, 50, 100 (cheap) on a grid containing the 1RSB q*
    cq = _curve_qstars(cfg["curve"], cfg["extra_qstars"])
    curves = run_sweep(rs_energy_curve_point, [dict(alpha=RSB_ALPHA, beta=b, qstars=cq, order=max(8, cfg["order"]))
                                               for b in (RS_CLAIM_BETA, *cfg["betas"])],
                       task="perceptron.rsb_vs_rs.rs_curve", store=store).rows
    # beta -> infinity: RS limit at every q* of the rows and at the q* of the GD finding; 1RSB where RS is unstable
    zq = list(cfg["qstars"]) + [q for q in GD_QSTARS if q not in cfg["qstars"]]
    zpts = run_sweep(zero_temperature_point, [dict(alpha=RSB_ALPHA, qstar=q, order=cfg["order"]) for q in zq],
                     task="perceptron.rsb_vs_rs.zero_temperature", store=store).rows
    zcurve = run_sweep(zero_temperature_curve_point, [dict(alpha=RSB_ALPHA, qstars=cq, order=max(8, cfg["order"]))],
                       task="perceptron.rsb_vs_rs.rs_curve_inf", store=store).rows[0]
    zat = {round(p["qstar"], 6): p for p in zpts}
    at = {(round(p["qstar"], 6), p["beta"]): p for p in pts}
    rows = []
    for q in cfg["qstars"]:
        p20 = at[(round(q, 6), RS_CLAIM_BETA)]
        for b in cfg["betas"]:
            p = at[(round(q, 6), b)]
            tag = f"q*={q:g}, beta={b:g}"
            kind = (f"1RSB x* = {p['x']:.4f}, q0 = {p['q0']:.4f}, q1 = {p['q1']:.4f}" if p["broken"] else
                    "no broken solution: the equilibrium is RS")
            fail = "" if p["converged"] else f"; failed: {p['message']}"
            rows.append(_measured(f"E_BC: 1RSB(beta={b:g}) - RS(beta=20), q*={q:g}", p["E_rsb"] - p20["E_rs"],
                                  _err(p["E_rsb_error"], p20["E_rs_error"]),
                                  f"E_BC 1RSB(beta={b:g}) = {p['E_rsb']:.4e}, RS(beta=20) = {p20['E_rs']:.4e} "
                                  f"(ratio {p['E_rsb'] / p20['E_rs']:.3g}); {kind}{fail}"))
            rows.append(_measured(f"E_BC: 1RSB - RS at the same beta, {tag}", p["E_rsb"] - p["E_rs"],
                                  _err(p["E_rsb_error"], p["E_rs_error"]),
                                  f"E_BC RS(beta={b:g}) = {p['E_rs']:.4e}{fail}"))
            rows.append(_measured(f"phi: 1RSB - RS at the same beta, {tag}", p["phi_rsb"] - p["phi_rs"],
                                  _err(p["phi_rsb_error"], p["phi_rs_error"]),
                                  f"phi_1RSB = {p['phi_rsb']:.6f}, phi_RS = {p['phi_rs']:.6f}; phi_RS(beta=20) = "
                                  f"{p20['phi_rs']:.6f}; loglik per pattern 1RSB {p['loglik_rsb']:.5f}, RS(beta={b:g}) "
                                  f"{p['loglik_rs']:.5f}, RS(beta=20) {p20['loglik_rs']:.5f}{fail}"))
    gd = stored_fixed_norm_energies(store)
    rows += _zero_temperature_rows(cfg, at, zat, gd)
    for p in pts:
        tag = f"q*={p['qstar']:g}, beta={p['beta']:g}"
        if p["beta"] == RS_CLAIM_BETA:
            continue
        d = p["phi_rs_limit"] - p["phi_rs_limit_ref"]
        rows.append(_check(f"phi_1RSB(q1 = q0) = phi_RS, {tag}", d, abs(d) <= RS_LIMIT_TOL,
                           f"|diff| <= {RS_LIMIT_TOL:g}",
                           note=f"1RSB functional at the RS order parameters, x = {p['x']:.4f}, against solve_rs "
                                f"(both order {RS_LIMIT_ORDER})"))
        e = _err(p["phi_rsb_error"], p["phi_rs_error"])
        dp = p["phi_rsb"] - p["phi_rs"]
        rows.append(_check(f"phi_1RSB <= phi_RS at the equilibrium x, {tag}", dp,
                           p["converged"] and math.isfinite(e) and dp <= e,
                           "phi_1RSB - phi_RS <= quadrature error (phi minimised over x; phi(x = 1) = phi_RS)",
                           note=f"error {e:.1e}"))
        x, sig = p["x"], p["complexity"]
        ok = p["converged"] and 0.0 < x <= 1.0 and ((x < 1.0 and abs(sig) <= 1e-6) or (x == 1.0 and sig >= -1e-9))
        rows.append(_check(f"equilibrium x* in (0, 1] with Sigma(x*) = 0 (or x* = 1, Sigma(1) >= 0), {tag}", x, ok,
                           "0 < x* <= 1, |Sigma(x*)| <= 1e-6",
                           note=f"Sigma(x*) = {sig:.2e}; gap q1 - q0 = {p['gap']:.3e}" +
                                ("" if p["broken"] else " (RS)")))
    data = {"points": [dict(p) for p in pts], "curves": [dict(c) for c in curves], "gd": gd,
            "betas": list(cfg["betas"]), "alpha": RSB_ALPHA, "zero_temperature": [dict(p) for p in zpts],
            "curve_inf": dict(zcurve)}
    e20 = {p["qstar"]: p["E_rs"] for p in pts if p["beta"] == RS_CLAIM_BETA}
    summary = "; ".join(
        f"q*={p['qstar']:g}, beta={p['beta']:g}: E_1RSB = {p['E_rsb']:.3e} vs E_RS(20) = {e20[p['qstar']]:.3e}"
        + ("" if p["broken"] else " (RS)") for p in pts if p["beta"] != RS_CLAIM_BETA and p["qstar"] in e20)
    notes = (f"alpha = {RSB_ALPHA}; 1RSB at the equilibrium Parisi x (Sigma(x*) = 0), quadrature order "
             f"{cfg['order']}, tol {cfg['tol']:g}. {summary}. "
             + ("Fixed-norm GD from the store (perceptron.bc_energy section): "
                f"N = {gd['N']}, {gd['n']} instances." if gd else
                "Fixed-norm GD: not in the store (run the perceptron.bc_energy section first with the same store).")
             + " beta -> infinity (RS limit; 1RSB limit at the equilibrium y where the RS margin exceeds 1): "
             + "; ".join(f"q*={p['qstar']:g}: E_BC = {p['E_inf']:.3e}"
                         + (f" (1RSB, y* = {p['y']:.2f}; RS {p['E_rs_inf']:.3e})" if p["broken"] else
                            f" (RS, margin {p['margin_rs']:.3f})") for p in zpts) + ".")
    return Comparison(key="perceptron.rsb_vs_rs", title="RS at beta = 20 vs 1RSB at beta = 50, 100 "
                      "[baldassi2018, SM Sec. I]", rows=tuple(rows), data=data, wall_time=time.time() - t0,
                      figure=_figure(data), command=f"python -m validate perceptron rsb-vs-rs --{mode}", notes=notes)


def _zero_temperature_rows(cfg, at, zat, gd) -> list:
    """Rows of the beta -> infinity limit: against RS at beta = 20, 1RSB against RS at infinity where RS is broken,
    and the stored fixed-norm GD energies at the q* of the BC section's finding."""
    src = ("theory.perceptron.solve_zero_temperature, solve_rsb_zero_temperature (docs/stochastic_perceptron_1rsb.md, "
           "Sec. 10)")
    rows = []
    for q in cfg["qstars"]:
        z, p20 = zat[round(q, 6)], at[(round(q, 6), RS_CLAIM_BETA)]
        fail = "" if z["converged"] else f"; failed: {z['message']}"
        kind = (f"1RSB limit at y* = {z['y']:.3f}, q0 = {z['q0']:.4f} (RS limit {z['E_rs_inf']:.4e}, margin "
                f"{z['margin_rs']:.3f} > 1)" if z["broken"] else f"RS limit, margin {z['margin_rs']:.3f}"
                + (" > 1 but no broken 1RSB limit reached" if z["margin_rs"] > 1 else " < 1"))
        rows.append(_measured(f"E_BC: beta=inf - RS(beta=20), q*={q:g}", z["E_inf"] - p20["E_rs"],
                              _err(z["E_inf_error"], p20["E_rs_error"]),
                              f"E_BC(beta=inf) = {z['E_inf']:.4e}, RS(beta=20) = {p20['E_rs']:.4e} (ratio "
                              f"{z['E_inf'] / p20['E_rs']:.3g}); {kind}{fail}", source=src))
        if not z["broken"]:
            continue
        rows.append(_measured(f"E_BC: 1RSB - RS at beta=inf, q*={q:g}", z["E_rsb_inf"] - z["E_rs_inf"],
                              _err(z["E_rsb_inf_error"], z["E_rs_inf_error"]),
                              f"1RSB {z['E_rsb_inf']:.4e}, RS {z['E_rs_inf']:.4e}{fail}", source=src))
        e = _err(z["phi_inf_error"], z["phi0_rs_error"])
        dp = z["phi_inf"] - z["phi0_rs"]
        rows.append(_check(f"phi/beta: 1RSB <= RS at beta=inf (equilibrium y), q*={q:g}", dp,
                           z["converged"] and math.isfinite(e) and dp <= e,
                           "phi_inf(1RSB) - phi_0(RS) <= quadrature error (phi minimised over y)",
                           note=f"phi_inf = {z['phi_inf']:.8f}, phi_0(RS) = {z['phi0_rs']:.8f}, error {e:.1e}",
                           source=src))
        rows.append(_check(f"Sigma(y*) = 0 at beta=inf, q*={q:g}", z["complexity"],
                           z["converged"] and abs(z["complexity"]) <= ZT_SIGMA_TOL, f"|Sigma(y*)| <= {ZT_SIGMA_TOL:g}",
                           note=f"y* searched at order {cfg['order']}, Sigma evaluated at order >= {ZT_ORDER}",
                           source=src))
    for q in GD_QSTARS:
        z = zat[round(q, 6)]
        rows.append(_measured(f"E_BC: RS(beta=inf) - RS(beta=20), q*={q:g}", z["E_rs_inf"] - z["E_rs20"],
                              _err(z["E_rs_inf_error"], z["E_rs20_error"]),
                              f"RS(beta=inf) = {z['E_rs_inf']:.4e} (margin {z['margin_rs']:.3f}), RS(beta=20) = "
                              f"{z['E_rs20']:.4e}: the q* of the fixed-norm GD finding of the BC section", source=src))
        j = ([i for i, g in enumerate(gd["qstar"]) if abs(g - q) < 1e-6] if gd else [])
        if not j:
            continue
        m, se = gd["E_mean"][j[0]], gd["E_se"][j[0]]
        err = z["E_rs_inf_error"] if math.isfinite(z["E_rs_inf_error"]) else 0.0
        rows.append(Row(quantity=f"E_BC: fixed-norm GD (stored) vs RS(beta=inf), q*={q:g}", theory=z["E_rs_inf"],
                        sim_mean=m, sim_se=se, n=gd["n"], n_se=3.0, abs_tol=err, source=src,
                        note=f"N = {gd['N']}; GD - RS(beta=inf) = {m - z['E_rs_inf']:+.4f}, GD - RS(beta=20) = "
                             f"{m - z['E_rs20']:+.4f} (RS(beta=20) = {z['E_rs20']:.4e}); GD minimises the loss at "
                             "fixed norm, the beta -> infinity measure is its ground state"))
    return rows


def _figure(data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8))
    ax, ax2 = fig.subplots(1, 2)
    colors = {RS_CLAIM_BETA: "C3", **{b: f"C{k}" for k, b in enumerate(data["betas"])}}
    for c in data["curves"]:
        ok = [i for i, (g, e) in enumerate(zip(c["converged"], c["E"])) if g and e > 0]
        ax.plot([c["qstar"][i] for i in ok], [c["E"][i] for i in ok], "-" if c["beta"] == RS_CLAIM_BETA else "--",
                color=colors.get(c["beta"], "k"), lw=1.2, label=f"RS, beta={c['beta']:g}")
    for b in data["betas"]:
        pp = sorted((p for p in data["points"] if p["beta"] == b and p["converged"]), key=lambda p: p["qstar"])
        ax.plot([p["qstar"] for p in pp], [p["E_rsb"] for p in pp], "o-", color=colors[b], ms=5,
                label=f"1RSB (x*), beta={b:g}")
    ci = data.get("curve_inf")
    if ci:
        ok = [i for i, (g, e) in enumerate(zip(ci["converged"], ci["E"])) if g and e > 0]
        ax.plot([ci["qstar"][i] for i in ok], [ci["E"][i] for i in ok], ":", color="k", lw=1.4,
                label="RS, beta=inf")
    zb = sorted((p for p in data.get("zero_temperature", []) if p["broken"] and p["converged"]),
                key=lambda p: p["qstar"])
    if zb:
        ax.plot([p["qstar"] for p in zb], [p["E_rsb_inf"] for p in zb], "*", color="k", ms=9,
                label="1RSB (y*), beta=inf")
    gd = data["gd"]
    if gd:
        ok = [i for i, e in enumerate(gd["E_mean"]) if e > 0]
        ax.errorbar([gd["qstar"][i] for i in ok], [gd["E_mean"][i] for i in ok],
                    yerr=[gd["E_se"][i] if math.isfinite(gd["E_se"][i]) else 0.0 for i in ok], fmt="s", color="0.4",
                    ms=3, capsize=2, label=f"fixed-norm GD, N={gd['N']} (stored)")
    else:
        ax.set_title("fixed-norm GD: not in the store", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylim(1e-8, 0.3)
    ax.set_xlabel("q*")
    ax.set_ylabel("E (training error of the BC)")
    ax.legend(fontsize=7)
    for b in data["betas"]:
        pp = sorted((p for p in data["points"] if p["beta"] == b and p["converged"]), key=lambda p: p["qstar"])
        ax2.plot([p["qstar"] for p in pp], [p["phi_rs"] - p["phi_rsb"] for p in pp], "o-", color=colors[b],
                 label=f"phi_RS - phi_1RSB, beta={b:g}")
        ax2.plot([p["qstar"] for p in pp], [p["x"] * 0.1 for p in pp], "x:", color=colors[b],
                 label=f"x* / 10, beta={b:g}")
    ax2.set_xlabel("q*")
    ax2.set_ylabel("free-entropy gain of 1RSB; x*/10")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig
