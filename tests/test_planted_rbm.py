"""Planted-RBM learning threshold: published values and an independent Hessian computation."""
import itertools
import math

import numpy as np
import pytest

from theory.rbm import planted_alpha_threshold, planted_hidden_correlation, planted_learning_threshold


def test_published_thresholds():
    # [huang2020, Fig. 2b] caption: alpha_thr = 1 (c = 0) and 0.596 (c = 0.3) at beta = 1
    assert abs(planted_alpha_threshold(1.0, 0.0) - 1.0) < 1e-3
    assert abs(planted_alpha_threshold(1.0, 0.3) - 0.596) < 1e-3


def test_c0_is_beta_minus4_for_any_P():
    # Huang JSTAT 2017 / Barra et al. 2017: alpha_c = beta^-4, independent of P at c = 0
    for P in (1, 2, 3, 5):
        for beta in (0.7, 1.0, 1.6):
            assert planted_alpha_threshold(beta, 0.0, P) == pytest.approx(beta**-4, rel=1e-12)


def _hessian(fun, n, h=1e-3):
    Hm = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            def f(si, sj, i=i, j=j):
                x = np.zeros(n)
                x[i] += si * h
                x[j] += sj * h
                return fun(x)
            Hm[i, j] = (f(1, 1) - f(1, -1) - f(-1, 1) + f(-1, -1)) / (4 * h * h)
    return Hm


@pytest.mark.parametrize("beta,c,P", [(1.0, 0.3, 2), (1.3, 0.2, 2), (0.8, -0.4, 2), (1.0, 0.25, 3)])
def test_threshold_equals_hessian_instability(beta, c, P):
    """Independent route: Hessians of the replica free entropy at R = 0, by enumeration.

    Energetic term per sample (one posterior replica b with q_b = 0, the truth 0):
    E(R) = log sum_{tau_b, tau_0} w_0(tau_0) exp(beta^2 tau_b^T R tau_0) / 2^P.
    Entropic term: rate function of R = xi_b xi_0^T / N whose Hessian is the inverse of the
    Hessian of Lambda(Rhat) = log E exp(sum Rhat_{mu nu} xi_b^mu xi_0^nu) (per site).
    Instability: alpha * lambda_max(Hess_Lambda Hess_E) = 1.
    """
    taus = np.array(list(itertools.product((-1.0, 1.0), repeat=P)))
    e0 = beta**2 * c * 0.5 * (taus.sum(1) ** 2 - P)
    w0 = np.exp(e0) / np.exp(e0).sum()
    # planted xi_0 site distribution with pairwise correlation c: weight prop. to exp(J sum xi xi),
    # J tuned so that <xi^1 xi^2> = c
    from scipy.optimize import brentq

    def corr(J):
        e = J * 0.5 * (taus.sum(1) ** 2 - P)
        p = np.exp(e) / np.exp(e).sum()
        return float(np.sum(p * taus[:, 0] * taus[:, 1]))

    J = brentq(lambda J: corr(J) - c, -5, 5)
    e = J * 0.5 * (taus.sum(1) ** 2 - P)
    p0 = np.exp(e) / np.exp(e).sum()
    pb = np.full(len(taus), 1.0 / len(taus))

    def energetic(x):
        R = x.reshape(P, P)
        s = np.einsum("am,mn,bn->ab", taus, R, taus)
        return math.log(np.sum(pb[:, None] * w0[None, :] * np.exp(beta**2 * s)))

    def cumulant(x):
        R = x.reshape(P, P)
        s = np.einsum("am,mn,bn->ab", taus, R, taus)
        return math.log(np.sum(pb[:, None] * p0[None, :] * np.exp(s)))

    HE = _hessian(energetic, P * P)
    HL = _hessian(cumulant, P * P)
    lam = np.max(np.linalg.eigvals(HL @ HE).real)
    assert planted_alpha_threshold(beta, c, P) == pytest.approx(1.0 / lam, rel=1e-5)


def test_hidden_correlation_enumeration_matches_tanh():
    # P = 2 closed form vs. the enumeration used for P > 2 (evaluated via P = 3 marginal check)
    for J in (0.1, 0.5, -0.3):
        taus = np.array(list(itertools.product((-1.0, 1.0), repeat=2)))
        w = np.exp(J * taus[:, 0] * taus[:, 1])
        assert planted_hidden_correlation(1.0, J, 2) == pytest.approx(np.sum(w * taus[:, 0] * taus[:, 1]) / w.sum())


def test_threshold_decreases_with_c_and_mode():
    r = planted_learning_threshold(1.0, 0.3)
    assert r.mode == "sum" and r.alpha_sg == 1.0 and r.alpha_thr < r.alpha_sg
    a = [planted_alpha_threshold(1.0, c) for c in np.linspace(0, 0.9, 10)]
    assert np.all(np.diff(a) < 0)
    assert planted_alpha_threshold(1.0, -0.3) == pytest.approx(planted_alpha_threshold(1.0, 0.3))


@pytest.mark.parametrize("kw", [dict(beta=0.0, c=0.1), dict(beta=1.0, c=1.0), dict(beta=1.0, c=-0.6, P=3),
                                dict(beta=float("nan"), c=0.0), dict(beta=1.0, c=0.0, P=0)])
def test_bad_input(kw):
    with pytest.raises(ValueError):
        planted_learning_threshold(**kw)


def test_cli_threshold_json(capsys):
    import json

    from theory.__main__ import GROUPS
    from theory.core.cli import main_with_groups

    code = main_with_groups("python -m theory", "", GROUPS, ["rbm", "threshold", "--beta", "1", "--c", "0.3", "--json"])
    assert code == 0 and abs(json.loads(capsys.readouterr().out)["alpha_thr"] - 0.596) < 1e-3
    code = main_with_groups("python -m theory", "", GROUPS, ["rbm", "threshold", "--beta", "-1", "--json"])
    assert code == 2 and "beta" in capsys.readouterr().err
