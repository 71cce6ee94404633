"""validate.boltzmann.vpf: participation ratio (simulate.boltzmann) in known limits, rows and single vectors; the
sweep points against chance and simple baselines, a tiny comparison run end to end and resumed from the store."""
import math

import numpy as np
import pytest

import validate.boltzmann.vpf as V
from simulate.boltzmann import participation_ratio
from validate.compare import REGISTRY
from validate.sweep import options


def test_participation_ratio_limits():
    h = np.zeros((2, 50))
    h[0, :7] = 1.0
    h[1, :] = 0.3
    np.testing.assert_allclose(participation_ratio(h), [7.0, 50.0])
    # [manzan2021, slide 18]: L units of size m sqrt(N), N - L weak ones of size sqrt(r) x -> PR_3 -> L
    rng = np.random.default_rng(0)
    N, L = 10_000, 5
    g = np.sqrt(0.5) * np.abs(rng.standard_normal(N))
    g[:L] = 0.8 * np.sqrt(N)
    assert participation_ratio(g) == pytest.approx(L, rel=0.01)
    assert participation_ratio(np.zeros(4)) == 0.0


def test_reconstruction_point_beats_chance():
    """CD-1 RBM(32) after 3 epochs on 8x8 digits, 20 clamped transitions: chance (coin flips on
    24 corrupted pixels) is 12; the per-image L1 s.e. over 179 test digits is ~0.2."""
    out = V.reconstruction_point("digits", "cd-1", 32, 3, 0.1, 20, seed=0)
    assert out["converged"]
    for pat in V.PATTERNS:
        assert out[pat + "_n_corrupted"] == 24
        assert out[pat] < 12 - 3.0


def test_parzen_point_beats_flat_samples():
    """Samples of a (briefly) trained RBM score higher than the same number of flat
    p = 0.5 'samples' scored with their best width."""
    from validate.boltzmann.parzen import parzen_score, select_sigma

    out = V.parzen_point("digits", "RBM", [32], False, 3, 3e-3, 300, seed=0)
    _, xv, xt, _ = V.split_data("digits", grey=True)   # the Parzen protocol scores greyscale images
    flat = np.full((300, 64), 0.5)
    s, _ = select_sigma(xv, flat)
    base = parzen_score(xt, flat, s)
    assert out["converged"]
    assert out["ll_R"] > base.mean + 5 * out["se_R"]
    assert math.isfinite(out["ll_P"])


def test_comparisons_registered():
    assert {"vpf_reconstruction", "vpf_parzen", "vpf_compositional", "vpf_likelihood"} <= set(REGISTRY)
    with pytest.raises(ValueError, match="mode"):
        V.compare_vpf_reconstruction(mode="huge")


def test_tiny_reconstruction_comparison_resumes_from_store(tmp_path, monkeypatch):
    from validate.store import ResultStore

    tiny = dict(V.MODES["quick"], hidden=16, vpf_epochs=2, cd_epochs=1, cd_steps=5, seeds=(0, 1))
    monkeypatch.setitem(V.MODES, "quick", tiny)
    with ResultStore(tmp_path / "s.sqlite") as store, options(workers=1, progress=False):
        a = V.compare_vpf_reconstruction("quick", store=store, seed=0)
        n = store.count("vpf.reconstruction")
        b = V.compare_vpf_reconstruction("quick", store=store, seed=0)
    assert n == len(V.METHODS) * 2
    assert [r.sim_mean for r in a.rows] == [r.sim_mean for r in b.rows]
    vpf_top = next(r for r in a.rows if r.quantity == "L1 top, VPF")
    assert vpf_top.n == 2 and vpf_top.sim_mean < 12   # below chance even after 2 epochs
    ranks = [r for r in a.rows if r.quantity.startswith("rank of VPF")]
    assert len(ranks) == 4 and all(r.published in (1.0, 2.0) for r in ranks)
    # model-free baselines (24 corrupted pixels): erasing errs on the ink only (digits are
    # < 50% ink), the training means on at most half of the pixels on average
    triv = V.trivial_reconstruction("digits")
    for pat in V.PATTERNS:
        assert 0 < triv[pat]["erase"] < 12 and 0 < triv[pat]["marginal"] < 12
        assert any(r.quantity == f"L1 {pat}, model-free baseline 'erase'" for r in a.rows)
    assert a.figure is not None


def test_independent_pixel_baseline_equals_exact_rbm_loglik():
    """The independent-pixel log-likelihood (closed form) equals the exact log-likelihood of
    an RBM with zero weights and visible biases logit(m), computed by enumerating 2^8 hidden
    states: two independent code paths (closed form vs rbm_log_partition)."""
    from simulate.boltzmann import init_boltzmann_machine, rbm_loglik

    x, _, xt, _ = V.split_data("digits")
    m = (x.sum(axis=0) + 1.0) / (len(x) + 2.0)
    rbm = init_boltzmann_machine((64, 8), scale=0.0)
    rbm.b[0][:] = np.log(m / (1 - m))
    assert V._independent_loglik("digits") == pytest.approx(rbm_loglik(rbm, xt).mean(), rel=1e-12)


def test_tiny_likelihood_comparison(tmp_path, monkeypatch):
    """RBM(8) on 8x8 digits, 10 epochs at Adam lr 1e-2: VPF's exact test log-likelihood rises
    over training and ends above the independent-pixel model (the floor for a model that
    uses its hidden units) by more than 3 s.e. of the per-image mean (~0.3 nats over 179 images)."""
    tiny = dict(V.MODES["quick"], ll_hidden=8, ll_epochs=10, ll_lr=1e-2, ll_checkpoints=(1, 10), ll_seeds=(0, 1))
    monkeypatch.setitem(V.MODES, "quick", tiny)
    with options(workers=1, progress=False):
        c = V.compare_vpf_likelihood("quick", store=None, seed=0)
    curves = np.array(c.data["vpf"])           # (seeds, checkpoints, [epoch, train, test])
    assert np.all(curves[:, -1, 2] > curves[:, 0, 2])
    assert np.all(curves[:, -1, 2] > c.data["independent"] + 1.0)
    row = next(r for r in c.rows if r.quantity.startswith("VPF beats"))
    assert row.verdict == "agrees"
