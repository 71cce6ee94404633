"""Comparisons of variational RBM learning (validate/variational_rbm/learning.py) at tiny sizes."""
import math

import numpy as np
import pytest
from scipy.stats import binom

import validate.variational_rbm.learning as V
from theory.core.cli import main_with_groups
from validate.store import ResultStore

TINY = dict(N=40, steps=30, B=6, alphas=[0.5, 4.0], seeds=1, cs=[0.0, 0.5],
            traj=dict(N=40, P=2, M=320, B=8, steps=40), mnist=dict(P=2, M=30, B=4, steps=2))


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(V.SIZES, "quick", TINY)


def test_thresholds_from_theory_match_published():
    thr0, src = V.alpha_threshold(1.0, 0.0, 2)
    thr3, _ = V.alpha_threshold(1.0, 0.3, 2)
    assert thr0 == pytest.approx(1.0, abs=1e-9)
    assert thr3 == pytest.approx(0.596, abs=5e-4)  # published to 3 digits
    assert V.alpha_threshold(1.0, 0.0, 3)[0] == pytest.approx(1.0, abs=1e-9)  # c = 0: independent of P


def test_random_guess_level_for_one_field():
    # P = 1: E|Q| = E|2 Bin(N, 1/2) - N| / N exactly; MC with n = 4000: s.e. ~ 0.1/sqrt(4000), 4 s.e.
    N = 60
    k = np.arange(N + 1)
    exact = float(np.sum(binom.pmf(k, N, 0.5) * np.abs(2 * k - N)) / N)
    assert V.random_guess_overlap(N, 1) == pytest.approx(exact, abs=4 * 0.08 / math.sqrt(4000))


def test_crossing_interpolation():
    a = np.array([0.5, 1.0, 2.0, 4.0])
    y = np.array([0.1, 0.2, 0.6, 0.9])
    assert V._crossing(a, y, 0.4) == pytest.approx(1.5)
    assert math.isnan(V._crossing(a, y, 0.95))


def test_trajectory_learns_and_resumes_from_store(tiny, tmp_path):
    # alpha = 8 (far above alpha_thr = 1) at N = 40: overlap well above the random-guess level, KL grows;
    # a second run loads the realisation from the store and gives the same rows.
    store = ResultStore(str(tmp_path / "s.sqlite"))
    c1 = V.compare_rbm_trajectory("quick", store=store, seed=0)
    q = c1.data["Q_best"][-1]
    assert np.mean(q) > V.random_guess_overlap(40, 2) + 0.3
    assert c1.rows[1].sim_mean > 0  # KL growth
    c2 = V.compare_rbm_trajectory("quick", store=store, seed=0)
    assert [r.sim_mean for r in c1.rows] == [r.sim_mean for r in c2.rows]
    assert c1.figure is not None


def test_cli_runs_mnist_comparison(tiny, tmp_path, capsys):
    out = tmp_path / "m.png"
    code = main_with_groups("python -m validate", "", {"rbm": ["validate.commands.rbm"]},
                            ["rbm", "mnist", "--quick", "--plot", str(out)])
    assert code == 0
    assert out.stat().st_size > 1000
    text = capsys.readouterr().out
    assert "KL per parameter" in text


def test_threshold_comparison_order_parameter_grows_above_threshold(monkeypatch):
    # alpha = 4 is far above alpha_thr (1 and 0.596), alpha = 0.5 is below (c = 0) or at it (c = 0.3):
    # the variational order parameter q = <lambda^2> must be larger above, for every configuration
    from validate.sweep import options

    monkeypatch.setitem(V.SIZES, "quick", dict(TINY, steps=120, cs=[0.0]))
    with options(workers=1):  # inline: a process pool costs more than these 7 tiny realisations
        c = V.compare_rbm_threshold("quick", store=None, seed=0)
    for key, cur in c.data["curves"].items():
        assert cur["q"][1] > cur["q"][0] + 0.05, key
    names = [r.quantity for r in c.rows]
    assert any("onset alpha of q" in n for n in names) and any("onset ratio" in n for n in names)


def test_best_matching_by_permutations_equals_hungarian():
    # the vectorised search over all P! assignments (P <= 6) and the Hungarian algorithm agree sample by sample
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(0)
    Q = rng.uniform(0, 1, (50, 4, 4))
    want = [Q[k][linear_sum_assignment(-Q[k])].mean() for k in range(50)]
    np.testing.assert_allclose(V._best_matching_means(Q), want, rtol=1e-14)
