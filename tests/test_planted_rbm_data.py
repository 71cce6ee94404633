"""Planted receptive fields and block Gibbs sampling of [huang2020, Eq. 1]."""
import math

import numpy as np
import pytest

from simulate.variational_rbm import (
    integrated_autocorrelation,
    planted_data,
    planted_exact_distribution,
    planted_fields,
    sample_planted_rbm,
)


@pytest.mark.parametrize("N,P,c", [(100, 3, 0.0), (100, 2, 0.3), (64, 5, 0.25), (40, 2, 1.0)])
def test_fields_have_exact_pairwise_overlap(N, P, c):
    xi = planted_fields(N, P, c, seed=1)
    assert xi.dtype == np.int8 and set(np.unique(xi)) <= {-1, 1}
    Q = xi.T.astype(int) @ xi / N
    np.testing.assert_allclose(Q, c + (1 - c) * np.eye(P), atol=1e-12)


def test_fields_reject_impossible_overlap():
    with pytest.raises(ValueError, match="multiple of 4"):
        planted_fields(102, 3, 0.0)
    with pytest.raises(ValueError, match="c"):
        planted_fields(100, 2, -0.2)


def test_gibbs_matches_exact_distribution():
    # N = 10, P = 2, beta = 1.2: <X_mu^2> and <X_1 X_2> vs enumeration of [huang2020, Eq. 1]. Kept samples are
    # nearly independent (interval from the autocorrelation), so the s.e. is std/sqrt(M); 4 s.e. tolerance.
    N, P, beta = 10, 2, 1.2
    xi = planted_fields(N, P, 0.2, seed=3)
    sig, diag = sample_planted_rbm(xi, 20000, beta, seed=4)
    X = sig.astype(float) @ xi / math.sqrt(N)
    S, p = planted_exact_distribution(xi, beta)
    Xe = S @ xi / math.sqrt(N)
    for f in (lambda X: X[:, 0] ** 2, lambda X: X[:, 1] ** 2, lambda X: X[:, 0] * X[:, 1], lambda X: X[:, 0] ** 4):
        exact = float(p @ f(Xe))
        v = f(X)
        se = v.std() / math.sqrt(len(v)) * math.sqrt(2 * max(diag["tau_pilot"] / diag["interval"], 0.5))
        assert abs(v.mean() - exact) < 4 * se + 1e-12, (v.mean(), exact, se)
    # uniform marginal single-site distribution by the sigma -> -sigma symmetry
    assert abs(sig.mean()) < 4 / math.sqrt(sig.size)


def test_interval_from_autocorrelation_gives_decorrelated_samples():
    d = planted_data(100, 3, 3.0, beta=1.0, c=0.0, seed=0)
    assert d.interval >= 2 * d.tau_pilot
    # lag-1 autocorrelation of X^2 over the M = 300 kept samples: ~ N(0, 1/M); 4/sqrt(M) bound per unit,
    # maximum over 3 units.
    assert abs(d.kept_lag1_autocorr) < 4 / math.sqrt(d.M)


def test_autocorrelation_time_of_ar1():
    # AR(1) with coefficient a has tau_int = 1/2 + a/(1-a)
    rng = np.random.default_rng(0)
    a, n = 0.8, 200000
    x = np.empty(n)
    x[0] = 0
    e = rng.standard_normal(n)
    for t in range(1, n):
        x[t] = a * x[t - 1] + e[t]
    assert integrated_autocorrelation(x) == pytest.approx(0.5 + a / (1 - a), rel=0.1)


def test_reproducible():
    a = planted_data(40, 2, 1.0, seed=11)
    b = planted_data(40, 2, 1.0, seed=11)
    np.testing.assert_array_equal(a.sigma, b.sigma)
    np.testing.assert_array_equal(a.xi, b.xi)


def test_cli_planted_and_variational(tmp_path, capsys):
    import json

    from theory.core.cli import main_with_groups

    groups = {"rbm": ["simulate.commands.rbm"]}
    out = tmp_path / "d.npz"
    assert main_with_groups("sim", "", groups, ["rbm", "planted", "--N", "40", "--P", "2", "--alpha", "2",
                                                 "--out", str(out), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["M"] == 80 and rec["N"] == 40
    z = np.load(out)
    assert z["sigma"].shape == (80, 40) and z["xi"].shape == (40, 2)
    traj = tmp_path / "t.npz"
    assert main_with_groups("sim", "", groups, ["rbm", "variational", "--data", str(out), "--steps", "3", "--B1", "4",
                                                 "--B2", "4", "--json", "--save-trajectory", str(traj)]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["steps"] == 3 and rec["converged"] is True
    assert np.load(traj)["Q_best"].shape == (3, 2)
    # bad input -> exit code 2 with the parameter named
    assert main_with_groups("sim", "", groups, ["rbm", "planted", "--N", "42", "--P", "3"]) == 2
    assert "multiple of 4" in capsys.readouterr().err
