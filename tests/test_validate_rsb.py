"""The 1RSB sections of the report: ``perceptron.rsb_vs_rs`` (validate.perceptron.rsb) and the beta_K rows of
``perceptron.rs_stability`` (validate.perceptron.stability).

The comparison runs on a tiny grid; every number it reports is recomputed here independently, directly from
:func:`theory.perceptron.solve_rsb`, :func:`theory.perceptron.bc_energy_rsb`, :func:`theory.perceptron.solve_rs`,
:func:`theory.perceptron.bc_energy`, :func:`theory.perceptron.kauzmann_beta` and :func:`theory.perceptron.beta_c`.
"""
import math

import numpy as np
import pytest

from theory.perceptron import (
    bc_energy,
    bc_energy_rsb,
    beta_c,
    kauzmann_beta,
    solve_rs,
    solve_rsb,
)
from validate.perceptron import rsb as rsbv
from validate.perceptron import stability as stab
from validate.store import ResultStore
from validate.sweep import options

ORDER, TOL = 6, 1e-8
TINY = {"order": ORDER, "tol": TOL, "betas": (40.0,), "qstars": (0.7, 0.8), "extra_qstars": (), "curve": 4}


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setitem(rsbv.RSB_SETTINGS, "quick", TINY)
    try:
        with ResultStore(tmp_path_factory.mktemp("rsb") / "s.sqlite") as st, options(workers=1, progress=False):
            c = rsbv.compare_rsb_vs_rs("quick", store=st)
            again = rsbv.compare_rsb_vs_rs("quick", store=st)  # every point loaded from the store
    finally:
        mp.undo()
    assert [r.theory for r in again.rows] == [r.theory for r in c.rows]
    return c


def _row(comp, quantity):
    hits = [r for r in comp.rows if r.quantity == quantity]
    assert len(hits) == 1, (quantity, [r.quantity for r in comp.rows])
    return hits[0]


def test_rows_equal_independent_recomputation(comp):
    e20 = bc_energy(0.55, 20.0, 0.8, tol=TOL, order=ORDER)
    r = solve_rsb(0.55, 40.0, 0.8, None, tol=TOL, order=ORDER)
    assert r.converged and r.gap > 1e-3 and 0 < r.x < 1  # beyond beta_c ~ 27: broken
    e = bc_energy_rsb(r)
    rs = solve_rs(0.55, 40.0, 0.8, tol=TOL, order=ORDER)
    ers = bc_energy(0.55, 40.0, 0.8, tol=TOL, order=ORDER)
    row = _row(comp, "E_BC: 1RSB(beta=40) - RS(beta=20), q*=0.8")
    assert row.verdict == "measured" and row.theory == pytest.approx(e.E - e20.E, abs=1e-9)
    row = _row(comp, "E_BC: 1RSB - RS at the same beta, q*=0.8, beta=40")
    assert row.theory == pytest.approx(e.E - ers.E, abs=1e-9)
    assert row.theory > 0  # the BC of one 1RSB state is worse than the RS estimate (docs, Sec. 9)
    row = _row(comp, "phi: 1RSB - RS at the same beta, q*=0.8, beta=40")
    assert row.theory == pytest.approx(r.phi - rs.phi, abs=1e-9)
    assert _row(comp, "equilibrium x* in (0, 1] with Sigma(x*) = 0 (or x* = 1, Sigma(1) >= 0), q*=0.8, "
                      "beta=40").theory == pytest.approx(r.x, abs=1e-7)


def test_rs_equilibrium_where_no_broken_solution(comp):
    """q* = 0.7: no broken solution (docs, Sec. 7): the 1RSB rows are the RS values, differences vanish."""
    r = solve_rsb(0.55, 40.0, 0.7, None, tol=TOL, order=ORDER)
    assert r.converged and r.gap < 1e-7 * 0.7
    assert abs(_row(comp, "E_BC: 1RSB - RS at the same beta, q*=0.7, beta=40").theory) < 1e-12
    assert abs(_row(comp, "phi: 1RSB - RS at the same beta, q*=0.7, beta=40").theory) < 1e-6
    e20 = bc_energy(0.55, 20.0, 0.7, tol=TOL, order=ORDER)
    e40 = bc_energy(0.55, 40.0, 0.7, tol=TOL, order=ORDER)
    assert _row(comp, "E_BC: 1RSB(beta=40) - RS(beta=20), q*=0.7").theory == pytest.approx(e40.E - e20.E, abs=1e-9)


def test_consistency_checks_agree(comp):
    checks = [r for r in comp.rows if r.verdict not in ("measured",)]
    assert len(checks) == 3 * 2  # three checks per (q*, beta) point
    assert all(r.verdict == "agrees" for r in checks), [(r.quantity, r.theory, r.note) for r in checks
                                                       if r.verdict != "agrees"]
    # the phi <= phi_RS check can fail: it compares a real difference, here clearly negative at q* = 0.8
    assert _row(comp, "phi_1RSB <= phi_RS at the equilibrium x, q*=0.8, beta=40").theory < -1e-5


def test_rs_curve_and_figure(comp):
    c20 = [c for c in comp.data["curves"] if c["beta"] == 20.0][0]
    k = c20["qstar"].index(0.8)
    assert c20["E"][k] == pytest.approx(bc_energy(0.55, 20.0, 0.8, order=8).E, rel=1e-8)
    assert comp.figure is not None and comp.data["gd"] is None  # no fixed-norm GD in this store


def test_beta_infinity_rows_equal_independent_recomputation(comp):
    """beta -> infinity rows (issue 20): at q* = 0.7, 0.8 RS is stable at beta = inf (margins 0.56, 0.93), so the
    limit is the RS one, recomputed here by solve_zero_temperature; the GD q* rows compare RS at inf and at 20."""
    from theory.perceptron import solve_zero_temperature

    for q in (0.7, 0.8):
        z = solve_zero_temperature(0.55, q, order=12)
        e20 = bc_energy(0.55, 20.0, q, tol=TOL, order=ORDER)
        assert z.stable
        row = _row(comp, f"E_BC: beta=inf - RS(beta=20), q*={q:g}")
        assert row.verdict == "measured" and row.theory == pytest.approx(z.E - e20.E, abs=1e-9)
        assert "RS limit" in row.note
    for q in rsbv.GD_QSTARS:
        z = solve_zero_temperature(0.55, q, order=12)
        e20 = bc_energy(0.55, 20.0, q, order=12)
        row = _row(comp, f"E_BC: RS(beta=inf) - RS(beta=20), q*={q:g}")
        assert row.theory == pytest.approx(z.E - e20.E, abs=1e-9)
        # the BC section's finding: fixed-norm GD 0.02-0.03 below RS(beta = 20) at these q*; RS(inf) lies below too
        assert row.theory < -0.01
    assert comp.data["curve_inf"]["E"][comp.data["curve_inf"]["qstar"].index(0.8)] == pytest.approx(
        solve_zero_temperature(0.55, 0.8, order=8, error=False).E, rel=1e-9)


def test_beta_infinity_gd_rows_from_a_store(comp):
    """With stored fixed-norm GD energies at q* = 0.30 and 0.42 the section adds one graded row per q*: GD against
    the RS beta -> infinity BC energy (GD minimises the loss at fixed norm: its ground state)."""
    zat = {round(p["qstar"], 6): p for p in comp.data["zero_temperature"]}
    at = {(round(p["qstar"], 6), p["beta"]): p for p in comp.data["points"]}
    e_inf = zat[0.3]["E_rs_inf"]
    gd = {"N": 1001, "n": 4, "qstar": [0.3, 0.42, 0.6], "E_mean": [e_inf + 0.001, zat[0.42]["E_rs_inf"] + 0.05, 0.0],
          "E_se": [0.002, 0.001, 0.0]}
    rows = {r.quantity: r for r in rsbv._zero_temperature_rows(TINY, at, zat, gd)}
    r30 = rows["E_BC: fixed-norm GD (stored) vs RS(beta=inf), q*=0.3"]
    assert r30.theory == e_inf and r30.sim_mean == gd["E_mean"][0] and r30.n == 4
    assert r30.verdict == "agrees"   # 0.001 < 3 s.e.
    assert rows["E_BC: fixed-norm GD (stored) vs RS(beta=inf), q*=0.42"].verdict == "disagrees"  # 0.05 > 3 s.e.
    assert not any("GD" in r.quantity for r in rsbv._zero_temperature_rows(TINY, at, zat, None))


@pytest.mark.slow
def test_beta_infinity_1rsb_point_where_rs_is_broken():
    """q* = 0.9: RS unstable at beta = inf (margin 2.11); the point carries the 1RSB limit at the equilibrium y,
    recomputed independently at order 12 (equilibrium y searched at order 12 here, at 6 in the point)."""
    from theory.perceptron import solve_rsb_zero_temperature, solve_zero_temperature

    d = rsbv.zero_temperature_point(0.55, 0.9, order=6)
    assert d["converged"] and d["broken"] and d["margin_rs"] > 1
    ref = solve_rsb_zero_temperature(0.55, 0.9, order=12, error=False)
    assert ref.converged and d["y"] == pytest.approx(ref.y, rel=1e-6)
    assert abs(d["E_rsb_inf"] - ref.E) <= d["E_rsb_inf_error"] and d["E_inf"] == d["E_rsb_inf"]
    assert abs(d["phi_inf"] - ref.phi_inf) <= d["phi_inf_error"] + 1e-12
    assert d["phi_inf"] < solve_zero_temperature(0.55, 0.9).phi0 and abs(d["complexity"]) < rsbv.ZT_SIGMA_TOL
    rows = {r.quantity: r for r in rsbv._zero_temperature_rows(
        {**TINY, "qstars": (0.9,)}, {(0.9, 20.0): {"E_rs": 3.3e-5, "E_rs_error": 0.0}},
        {0.9: d, **{q: rsbv.zero_temperature_point(0.55, q, order=6) for q in rsbv.GD_QSTARS}}, None)}
    assert rows["phi/beta: 1RSB <= RS at beta=inf (equilibrium y), q*=0.9"].verdict == "agrees"
    assert rows["Sigma(y*) = 0 at beta=inf, q*=0.9"].verdict == "agrees"
    assert rows["E_BC: 1RSB - RS at beta=inf, q*=0.9"].theory > 0   # one 1RSB state's BC is worse


def test_stored_fixed_norm_energies_reads_the_bc_section(tmp_path):
    rng = np.random.default_rng(3)
    sched = [0.3, 0.6, 0.9]
    errs = rng.uniform(0, 0.1, size=(3, 3))
    with ResultStore(tmp_path / "s.sqlite") as st:
        for s in range(3):
            st.put("perceptron.bc_energy.fixed_norm", {"N": 101, "alpha": 0.55, "schedule": sched, "tol": 1e-3,
                                                       "max_steps": 10}, s, "v1",
                   {"qstar": sched, "train_error": errs[s].tolist(), "equilibrated": [True] * 3,
                    "steps": [1, 1, 1]}, 0.1)
        st.put("perceptron.bc_energy.fixed_norm", {"N": 51, "alpha": 0.55, "schedule": sched, "tol": 1e-3,
                                                   "max_steps": 10}, 0, "v1",
               {"qstar": sched, "train_error": [1.0, 1.0, 1.0], "equilibrated": [True] * 3, "steps": [1] * 3}, 0.1)
        gd = rsbv.stored_fixed_norm_energies(st)
    assert gd["N"] == 101 and gd["n"] == 3 and gd["qstar"] == sched  # the largest N only
    assert np.allclose(gd["E_mean"], errs.mean(axis=0), atol=1e-15)
    assert np.allclose(gd["E_se"], errs.std(axis=0, ddof=1) / math.sqrt(3), rtol=1e-12)


# --------------------------------------------------------------------------- beta_K in the stability section

STAB_TINY = {"order": 8, "beta_max": 300.0, "n_grid": 2, "n_upper": 1, "bc_count": 3,
             "mc": {"sizes": (51,), "betas": (5.0,), "instances": 2, "n_sweeps": 300, "n_replicas": 2},
             "kauzmann": {"qstars": (0.88,), "beta_hi": 30.0, "order": 8, "tol": 1e-8, "xtol": 1e-4}}


@pytest.mark.slow
def test_stability_section_beta_k_rows(tmp_path):
    saved = dict(stab.SETTINGS["quick"])
    stab.SETTINGS["quick"].clear()
    stab.SETTINGS["quick"].update(STAB_TINY)
    mp = pytest.MonkeyPatch()
    mp.setattr(stab, "CHECK_QSTARS", (0.85,))
    try:
        with ResultStore(tmp_path / "s.sqlite") as st, options(workers=1, progress=False):
            c = stab.compare_rs_stability("quick", store=st)
    finally:
        mp.undo()
        stab.SETTINGS["quick"].clear()
        stab.SETTINGS["quick"].update(saved)
    rows = {r.quantity: r for r in c.rows}
    k = kauzmann_beta(0.55, 0.88, beta_hi=30.0, beta_lo=10.0, order=8, tol=1e-8, xtol=1e-4)
    assert k.converged
    m = rows["beta_K(q*=0.88) (discontinuous 1RSB transition, alpha=0.55)"]
    assert m.verdict == "measured" and m.theory == pytest.approx(k.beta_K, rel=1e-6)
    # the paper's beta = 20 lies beyond beta_K at q* = 0.88 (docs/stochastic_perceptron_1rsb.md, Sec. 7)
    assert rows["beta_K(q*=0.88) > beta = 20"].verdict == ("disagrees" if k.beta_K < 20 else "agrees")
    bc88 = beta_c(0.55, 0.88, beta_start=10.0, beta_max=300.0, order=8, ratio=1.25, xtol=1e-7)
    assert rows["beta_K(q*=0.88) < beta_c (static transition before the AT line)"].verdict == \
        ("agrees" if k.beta_K < bc88.beta_c else "disagrees")
    assert 0.88 in c.data["kauzmann"]["beyond"] and "0.88" in c.notes
    # continuous transition at q* = 0.8: the x = 1 branch joins RS at beta_c
    bc80 = beta_c(0.55, 0.8, beta_start=10.0, beta_max=300.0, order=8, ratio=1.25, xtol=1e-7).beta_c
    cont = c.data["kauzmann"]["continuous"]
    assert cont["beta_rs"] <= bc80 <= cont["beta_broken"] and cont["beta_broken"] / cont["beta_rs"] < 1.04
    r = rows["x = 1 branch joins RS at beta_c (beta_K = beta_c, continuous), q*=0.8"]
    assert r.verdict == "agrees" and r.theory == pytest.approx(bc80, rel=1e-6)
    # the figure carries the beta_K curve
    assert any(ln["label"].startswith("beta_K") and ln["qstar"] == [0.88] for ln in c.data["lines"])
