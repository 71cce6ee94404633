"""The RS-stability section of the report ([baldassi2018, SM Fig. 1]): validate.perceptron.stability.

The comparison runs once on a tiny grid (module fixture, inline, into a store); every number it reports is
recomputed here independently from :func:`theory.perceptron.rs_stability` (the margin alpha gamma_E gamma_S
scanned in beta, with its own bisection) or :func:`theory.perceptron.solve_zero_temperature`, and the claim
rows' verdicts are checked against the margin at beta = 20.
"""
import math

import numpy as np
import pytest

from theory.perceptron import rs_stability, solve_zero_temperature
from validate.perceptron import stability as stab
from validate.store import ResultStore
from validate.sweep import options

TINY = {"order": 8, "beta_max": 300.0, "n_grid": 2, "n_upper": 2, "bc_count": 3,
        "mc": {"sizes": (51,), "betas": (5.0, 40.0), "instances": 2, "n_sweeps": 600, "n_replicas": 2}}


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    saved = dict(stab.SETTINGS["quick"])
    stab.SETTINGS["quick"].clear()
    stab.SETTINGS["quick"].update(TINY)
    mp = pytest.MonkeyPatch()
    mp.setattr(stab, "CHECK_QSTARS", (0.85,))  # one common q* for the "decreasing in alpha" row
    try:
        with ResultStore(tmp_path_factory.mktemp("stab") / "s.sqlite") as st, options(workers=1, progress=False):
            c = stab.compare_rs_stability("quick", store=st)
            again = stab.compare_rs_stability("quick", store=st)  # every point loaded from the store
    finally:
        mp.undo()
        stab.SETTINGS["quick"].clear()
        stab.SETTINGS["quick"].update(saved)
    assert [r.theory for r in again.rows] == [r.theory for r in c.rows]
    return c


def _margin_scan(alpha, qstar, betas):
    """Margins along ``betas`` by continuation (independent of the module's helpers)."""
    out, x = [], None
    for b in betas:
        r = rs_stability(alpha, float(b), qstar, init=x, order=8)
        assert r.converged, r.message
        x = r.values
        out.append(r.margin)
    return np.array(out)


def _bisect_crossing(alpha, qstar, lo, hi, rising=True, tol=1e-7):
    """beta where the margin crosses 1 between lo and hi, by plain bisection on rs_stability."""
    m = lambda b: rs_stability(alpha, b, qstar, order=8).margin - 1.0  # noqa: E731
    flo = m(lo)
    assert (flo < 0) == rising and (m(hi) > 0) == rising
    while hi - lo > tol * lo:
        mid = 0.5 * (lo + hi)
        if (m(mid) < 0) == (flo < 0):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def test_beta_c_equals_independent_bisection(comp):
    """beta_c(alpha=0.55, q*=0.85) of the report = bisection of margin(beta) - 1 on [10, 40]."""
    ours = comp.data["check"]["0.55"]["0.85"]
    ref = _bisect_crossing(0.55, 0.85, 10.0, 40.0)
    assert abs(ours - ref) < 1e-5 * ref
    # and the paper's "decreasing with alpha" row there recomputed
    row = next(r for r in comp.rows if r.quantity == "beta_c(q*=0.85) decreasing in alpha")
    v = [comp.data["check"][str(a)]["0.85"] for a in stab.ALPHAS]
    assert row.verdict == ("agrees" if v[0] > v[1] > v[2] else "disagrees")


def test_claim_rows_follow_the_margin_at_beta_20(comp):
    """Each claim row says 'agrees' iff the independently computed margin at beta = 20 is below 1."""
    claim = [r for r in comp.rows if r.quantity.startswith("beta_c(q*=") and r.quantity.endswith("> beta = 20")]
    qs = comp.data["claim"]["qstar"]
    assert len(claim) == len(qs) and set(stab.FP_QSTARS) <= set(qs) and (min(qs), max(qs)) == (0.3, 0.99)
    for q, row in zip(qs, claim):
        m = rs_stability(0.55, 20.0, q, order=8).margin
        assert row.verdict == ("agrees" if m < 1.0 else "disagrees"), (q, m, row)
        assert f"{m:.4f}" in row.note
        if math.isfinite(row.theory):  # a finite beta_c: the margin crosses 1 there
            assert abs(rs_stability(0.55, row.theory, q, order=8).margin - 1.0) < 1e-6


def test_window_lower_end_is_a_fold(comp):
    """At q*_lo the margin touches 1 at beta_lo (its maximum over beta); just below, it stays under 1 on a
    beta scan; just above, it exceeds 1."""
    w = comp.data["window"]["0.55"]
    q, b = w["qstar_lo"], w["beta_lo"]
    assert abs(rs_stability(0.55, b, q, order=8).margin - 1.0) < 1e-4
    betas = np.geomspace(20.0, 300.0, 30)
    assert _margin_scan(0.55, q - 0.005, betas).max() < 1.0
    assert _margin_scan(0.55, q + 0.005, betas).max() > 1.0
    around = _margin_scan(0.55, q, [0.9 * b, b, 1.1 * b])
    assert around[1] >= around[0] and around[1] >= around[2]


def test_reentrant_branch_and_zero_temperature_end(comp):
    """beta_c2: the margin falls back through 1; q*_0: the beta = infinity margin is 1 there."""
    ln = next(x for x in comp.data["lines"] if x["label"].startswith("beta_c2") and x["alpha"] == 0.55)
    q2, b2 = ln["qstar"][-1], ln["beta"][-1]
    assert q2 > comp.data["window"]["0.55"]["qstar_lo"]
    m = _margin_scan(0.55, q2, np.geomspace(20.0, 1.05 * b2, 40))
    assert m[-1] < 1.0 < m.max()
    assert abs(rs_stability(0.55, b2, q2, order=8).margin - 1.0) < 1e-6
    for a in stab.ALPHAS:
        q0 = comp.data["window"][str(a)]["qstar_0"]
        assert abs(solve_zero_temperature(a, q0, order=8).margin - 1.0) < 1e-6
        assert solve_zero_temperature(a, q0 - 0.01, order=8).margin < 1.0 < solve_zero_temperature(a, q0 + 0.01,
                                                                                                        order=8).margin


def test_minimum_and_upper_end(comp):
    """beta_c at q*_min +- 0.01 (independent bisections) is above the reported minimum; at q*_hi the margin
    at beta_max is 1."""
    w = comp.data["window"]["0.55"]
    bmin, qmin = w["beta_c_min"], w["qstar_min"]
    for q in (qmin - 0.01, qmin + 0.01):
        assert _bisect_crossing(0.55, q, 10.0, 60.0) > bmin
    assert abs(_bisect_crossing(0.55, qmin, 10.0, 60.0) - bmin) < 1e-5 * bmin
    if math.isfinite(w["qstar_hi"]):
        x = None
        for b in np.geomspace(bmin, w["beta_max"], 25):
            x = rs_stability(0.55, float(b), w["qstar_hi"], init=x, order=8).values
        r = rs_stability(0.55, w["beta_max"], w["qstar_hi"], init=x, order=8)
        assert r.converged and abs(r.margin - 1.0) < 1e-5


def test_published_rows_and_figure(comp):
    r = next(r for r in comp.rows if r.quantity.startswith("min over q* of beta_c"))
    ok = abs(r.theory - stab.PUBLISHED_BETA_C_MIN) <= stab.PUBLISHED_BETA_C_MIN_TOL
    assert r.verdict == ("agrees" if ok else "disagrees") and r.published == stab.PUBLISHED_BETA_C_MIN
    assert comp.figure is not None and len(comp.figure.axes) == 3
    assert all(r.verdict in ("agrees", "disagrees", "measured", "not comparable") for r in comp.rows)


def test_finite_n_rows(comp):
    """The Gibbs-sampling rows: a theory value (RS q0, recomputed by solve_rs) only where RS is stable
    (independent margin < 1); above beta_c the overlap is reported as measured."""
    from theory.perceptron import solve_rs

    g = {(d["N"], d["beta"]): d for d in comp.data["gibbs"]["points"]}
    assert set(g) == {(51, 5.0), (51, 40.0)}
    for (n, beta), d in g.items():
        row = next(r for r in comp.rows if r.quantity.startswith(f"two-replica overlap q12, N={n}, beta={beta:g} "))
        margin = rs_stability(0.55, beta, stab.MC_QSTAR, order=8).margin
        assert (margin < 1.0) == (beta == 5.0)
        if margin >= 1.0:
            assert row.verdict == "measured" and math.isnan(row.theory)
        elif math.isfinite(row.theory):
            assert abs(row.theory - solve_rs(0.55, beta, stab.MC_QSTAR, order=8).q0) < 1e-8
            ok = abs(row.sim_mean - row.theory) <= max(3 * row.sim_se, stab.MC_ABS_TOL)
            assert row.verdict == ("agrees" if ok else "disagrees")
        assert 0.0 < d["q12"] < stab.MC_QSTAR and 0.0 < d["acceptance"] < 1.0
