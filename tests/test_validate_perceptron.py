"""Tests of the GD-capacity and BC-energy comparisons (validate/perceptron/capacity.py, [baldassi2018])."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import validate.perceptron.capacity as vp
from theory.core.cli import main_with_groups
from validate.store import ResultStore
from validate.sweep import options, run_sweep


def test_fit_alpha_gd_recovers_a_known_threshold():
    # synthetic outcomes from P(alpha) = 1/(1 + exp((alpha - 0.63)/0.02)), 200 instances per alpha
    rng = np.random.default_rng(0)
    alphas = np.linspace(0.55, 0.71, 9)
    p = 1 / (1 + np.exp((alphas - 0.63) / 0.02))
    solved = [rng.random(200) < pi for pi in p]
    est, se = vp.fit_alpha_gd(alphas, solved, n_boot=100)
    assert 0 < se < 0.01
    assert abs(est - 0.63) < 4 * se


def test_points_are_resumable_through_the_store(tmp_path):
    pts = [dict(N=101, alpha=0.4, max_epochs=200)]
    with ResultStore(tmp_path / "s.sqlite") as st, options(workers=1, progress=False):
        a = run_sweep(vp.gd_point, pts, task="t", seeds=range(3), store=st)
        b = run_sweep(vp.gd_point, pts, task="t", seeds=range(3), store=st)
    assert a.n_computed == 3 and b.n_cached == 3
    assert np.array_equal(a.column("epochs"), b.column("epochs"))
    # easy instances: every run solves (N = 101, alpha = 0.4 is far below alpha_GD)
    assert a.column("solved").all() and np.all(a.column("train_error") == 0)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(vp.CAPACITY_SETTINGS, "quick",
                        {"sizes": {201: 6}, "alphas": [0.3, 1.0], "max_epochs": 300})
    monkeypatch.setitem(vp.BC_SETTINGS, "quick",
                        {"N": 201, "seeds": 4, "count": 5, "max_steps": 60, "tol": 1e-3, "gd_seeds": 2})
    monkeypatch.setattr(vp, "bc_theory", lambda q: (None, "disabled in this test"))


def test_capacity_comparison_end_to_end(tiny, tmp_path):
    with ResultStore(tmp_path / "s.sqlite") as st, options(workers=1, progress=False):
        c = vp.compare_gd_capacity("quick", store=st, seed=0)
    d = c.data["sizes"][201]
    # GD solves every easy instance (alpha = 0.3); at alpha = 1.0 > alpha_c(KM) = 0.83 solutions
    # almost surely do not exist, so no run may succeed
    assert d["P"] == [1.0, 0.0]
    assert 0.3 < d["alpha_gd"] < 1.0
    assert {r.quantity for r in c.rows} >= {"alpha_GD (P=1/2), N=201", "P(success) at alpha=0.3, N=201"}
    assert c.data["alpha_c_theory"] == pytest.approx(0.833, abs=0.005)
    assert c.figure is not None


def test_bc_energy_comparison_end_to_end(tiny):
    with options(workers=1, progress=False):
        c = vp.compare_bc_energy("quick", store=None, seed=0)
    rows = {r.quantity: r for r in c.rows}
    # without theory: the qualitative shape of [baldassi2018, Fig. 2 left] (E drops to ~0 as q* -> 1)
    assert rows["E(q* <= 0.5) - E(q* >= 0.97) > 0 (decreasing)"].verdict == "agrees"
    assert rows["E(q* >= 0.97), fixed-norm GD"].sim_mean <= 0.01
    assert "No theory curve" in c.notes
    assert c.data["E_mean"][0] > c.data["E_mean"][-1]


def test_cli_json_and_plot(tiny, tmp_path, capsys):
    plot = tmp_path / "cap.png"
    with options(workers=1, progress=False):
        code = main_with_groups("python -m validate", "", {"perceptron": ["validate.commands.perceptron"]},
                                ["perceptron", "capacity", "--quick", "--json", "--plot", str(plot)])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["key"] == "perceptron.capacity" and plot.stat().st_size > 1000
    code = main_with_groups("python -m validate", "", {"perceptron": ["validate.commands.perceptron"]},
                            ["perceptron", "capacity", "--seed", "-1"])
    assert code == 2


@pytest.mark.slow
def test_quick_capacity_matches_paper():
    """Quick mode at N = 1001: alpha_GD within 0.03 (+3 s.e.) of the paper's ~0.63."""
    c = vp.compare_gd_capacity("quick")
    r = [r for r in c.rows if r.quantity.startswith("alpha_GD (P=1/2)")][0]
    assert r.verdict == "agrees", r


@pytest.mark.slow
def test_quick_bc_energy_against_theory():
    c = vp.compare_bc_energy("quick")
    assert "Theory: theory.perceptron.binarized_energy" in c.notes
    assert all(r.verdict == "agrees" for r in c.rows), [(r.quantity, r.verdict) for r in c.rows]


def test_fit_level_shifts_by_the_logit():
    """``level=0.9`` returns alpha_1/2 - w log 9 for outcomes drawn from a known logistic curve."""
    rng = np.random.default_rng(1)
    alphas = np.linspace(0.3, 0.6, 7)
    a0, w = 0.5, 0.03
    p = 1 / (1 + np.exp((alphas - a0) / w))
    solved = [rng.random(400) < pi for pi in p]
    est, se = vp.fit_alpha_gd(alphas, solved, n_boot=100, level=0.9)
    assert 0 < se < 0.02
    assert abs(est - (a0 - w * math.log(9))) < 4 * se
    with pytest.raises(ValueError, match="level"):
        vp.fit_alpha_gd(alphas, solved, level=1.0)


def test_flipped_runs_counts_final_errors_above_one_half_per_load():
    """A BC erring on more than half of random labels is the flipped phase of GD's sign-flip
    cycle (the full run: 0.9985 at N = 1001, alpha = 0.68); 1/2 itself and below are not."""
    alpha = [0.64, 0.68, 0.68, 0.68, 0.7, 0.7]
    err = [0.99984, 0.9985, 0.00147, 0.5, 0.4, 0.99857]
    assert vp.flipped_runs(alpha, err) == {0.64: 1, 0.68: 1, 0.7: 1}
    assert vp.flipped_runs(alpha, np.zeros(6)) == {}


def test_fit_of_completely_separated_outcomes_is_the_bracket():
    """All solved up to 0.4, none from 0.45 on (the full rule-43 run at N = 10001): the logistic
    MLE does not exist and every bootstrap sample is the data itself (s.e. 0 before the fix), so
    the threshold is the bracket's midpoint with the s.e. of a uniform over it, at any level."""
    alphas = [0.5, 0.3, 0.4, 0.45]  # unsorted on purpose
    solved = [np.zeros(10), np.ones(10), np.ones(10), np.zeros(10)]
    for level in (0.5, 0.9):
        est, se = vp.fit_alpha_gd(alphas, solved, level=level)
        assert est == pytest.approx(0.425) and se == pytest.approx(0.05 / math.sqrt(12))
    # one failure at 0.4 breaks the separation: back to the fit, inside the grid, finite s.e.
    solved[2] = np.r_[np.ones(9), 0.0]
    est, se = vp.fit_alpha_gd(alphas, solved, level=0.5)
    assert 0.4 < est < 0.45 and 0 < se < 0.05


def test_rule43_comparison_end_to_end(monkeypatch, tmp_path, capsys):
    """Rule [baldassi2018, SM Eq. 43] ([baldassi2018, SM Fig. 4]) at a tiny size: easy loads are always solved,
    alpha = 1.2 (beyond the Krauth-Mezard capacity 0.83) never; the fitted loads fall in between; the CLI runs."""
    import validate.perceptron.rule43 as r43

    monkeypatch.setitem(r43.SETTINGS, "quick", {"sizes": {101: 4}, "eta_factor": {101: 1e-2},
                                                 "alphas": [0.2, 0.3, 1.2], "max_epochs": 300})
    with ResultStore(tmp_path / "s.sqlite") as st, options(workers=1, progress=False):
        c = r43.compare_rule43_capacity("quick", store=st, seed=0)
    d = c.data["sizes"][101]
    assert d["P"] == [1.0, 1.0, 0.0]
    # completely separated outcomes: both loads are the bracket (0.3, 1.2), not a fit
    assert d["alpha_90"] == d["alpha_50"] == pytest.approx(0.75)
    assert d["alpha_90_se"] == pytest.approx(0.9 / math.sqrt(12))
    rows = {r.quantity: r for r in c.rows}
    assert rows["P(success) at alpha=0.3, N=101"].sim_mean == 1.0
    assert rows["alpha_GD - alpha_1/2(rule 43) > 0, N=101"].verdict in ("agrees", "disagrees")
    with options(workers=1, progress=False):
        code = main_with_groups("python -m validate", "", {"perceptron": ["validate.commands.perceptron"]},
                                ["perceptron", "rule43", "--quick", "--json", "--store", str(tmp_path / "s.sqlite")])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["key"] == "perceptron.rule43"
