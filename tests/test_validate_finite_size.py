"""Tests of the finite-size scaling comparison of GD's capacity (validate/perceptron/finite_size.py, issue 22)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import validate.perceptron.finite_size as fs
from simulate.perceptron import generate_instance, gradient_ascent
from validate import sweep
from validate.store import ResultStore


def test_extrapolation_recovers_the_limit_within_its_standard_error():
    # synthetic alpha_GD(N) = 0.62 + 0.8 / sqrt(N) + noise of the stated s.e.: the fitted alpha_inf must be
    # within 3 of its own s.e. in most replicas and the s.e. must match the scatter of the estimates
    rng = np.random.default_rng(0)
    N = np.array([1001, 3001, 10001, 30001, 100001])
    se = np.array([0.002, 0.003, 0.004, 0.006, 0.01])
    est, ses = [], []
    for _ in range(400):
        f = fs.extrapolate_alpha_gd(N, 0.62 + 0.8 / np.sqrt(N) + se * rng.normal(size=N.size), se)
        est.append(f["alpha_inf"])
        ses.append(f["alpha_inf_se"])
    est = np.array(est)
    assert abs(est.mean() - 0.62) < 3 * est.std() / math.sqrt(est.size)
    assert np.median(ses) == pytest.approx(est.std(), rel=0.2)  # chi2 inflation only adds when chi2 > dof


def test_extrapolation_needs_two_sizes():
    f = fs.extrapolate_alpha_gd([1001], [0.65], [0.01])
    assert math.isnan(f["alpha_inf"]) and math.isnan(f["alpha_inf_se"])


def test_post_hoc_patience_matches_a_run_with_the_rule():
    inst = generate_instance(201, 0.85, seed=1)
    full = gradient_ascent(inst, seed=2, max_epochs=400)
    cut = gradient_ascent(inst, seed=2, max_epochs=400, patience=30)
    assert fs.patience_stop_epoch(full.trajectory["train_error"], 30) == cut.epochs and cut.stopped_early


def test_comparison_end_to_end_at_toy_sizes(monkeypatch, tmp_path):
    monkeypatch.setitem(fs.SETTINGS, "quick", {"sizes": {51: 3, 101: 3}, "alphas": [0.4, 0.7, 1.0],
                                               "max_epochs": 150, "patience": {51: None, 101: 40}})
    with ResultStore(tmp_path / "s.sqlite") as st, sweep.options(workers=1, progress=False):
        c = fs.compare_gd_finite_size("quick", store=st, seed=0)
    assert [r.quantity for r in c.rows][:2] == ["alpha_GD (P=1/2), N=51", "P lost by patience 200, N=51 (all loads)"]
    d = c.data["sizes"]
    assert d[51]["P"][0] == 1.0 and d[101]["P"][-1] == 0.0  # easy and impossible loads
    assert math.isfinite(c.data["extrapolation"]["alpha_inf"]) and c.figure is not None
    assert all(r.verdict in {"agrees", "disagrees", "measured", "not comparable"} for r in c.rows)
