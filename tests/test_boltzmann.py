"""Layered Boltzmann machines: energy/field consistency, conditionals and the [liu2018, Eq. 5] Gibbs
sampler against exact enumeration, sparsity measures in known limits, .npz save/load."""

import numpy as np
import pytest
from scipy.special import logsumexp

from simulate.boltzmann import (
    MODEL_FORMAT_VERSION,
    BoltzmannMachine,
    async_gibbs,
    binary_states,
    boltzmann_energy,
    boltzmann_fields,
    bottom_up,
    corruption_mask,
    exact_rbm,
    init_boltzmann_machine,
    load_boltzmann_machine,
    reconstruct_corrupted,
    save_boltzmann_machine,
    squared_weight,
    up_prob,
    weight_sparsity,
)


def _random(sizes, intra, seed=0, scale=0.6):
    rng = np.random.default_rng(seed)
    m = init_boltzmann_machine(sizes, intra=intra, seed=rng, scale=scale)
    for b in m.b:
        b[:] = rng.normal(0, scale, b.shape)
    for k, u in enumerate(m.U):
        if u is not None:
            a = np.triu(rng.normal(0, scale, u.shape), 1)
            m.U[k] = a + a.T
    return m


def test_single_flip_energy_difference_is_the_field():
    """E(h with unit j of layer k flipped) - E(h) = -(1 - 2 h_kj) z_kj for every unit."""
    m = _random((5, 4, 3), True)
    rng = np.random.default_rng(1)
    H = [(rng.random((6, s)) < 0.5).astype(float) for s in m.sizes]
    E, Z = boltzmann_energy(m, H), boltzmann_fields(m, H)
    for k, s in enumerate(m.sizes):
        for j in range(s):
            F = [h.copy() for h in H]
            F[k][:, j] = 1 - F[k][:, j]
            np.testing.assert_allclose(boltzmann_energy(m, F) - E, -(1 - 2 * H[k][:, j]) * Z[k][:, j], atol=1e-12)


def test_rbm_hidden_conditional_by_enumeration():
    m = _random((3, 2), False)
    V, Hs = binary_states(3), binary_states(2)
    v = V[5]
    logw = np.array([-boltzmann_energy(m, [v[None], h[None]])[0] for h in Hs])
    p = np.exp(logw - logsumexp(logw))
    np.testing.assert_allclose(up_prob(m, 1, v[None])[0], p @ Hs, rtol=1e-12)


def test_exact_rbm_partition_function_by_joint_enumeration():
    m = _random((4, 3), False)
    joint = [-boltzmann_energy(m, [v[None], h[None]])[0] for v in binary_states(4) for h in binary_states(3)]
    ex = exact_rbm(m)
    assert ex.logZ == pytest.approx(logsumexp(joint), rel=1e-12)
    assert ex.p.sum() == pytest.approx(1.0)


def test_async_gibbs_samples_the_layer_conditional():
    """[liu2018, Eq. 5] sweeps leave p(h) ∝ exp(h.ext + h U h / 2) invariant; after 30 sweeps the
    empirical distribution of 40,000 chains over the 8 states matches it within 4 s.e."""
    rng = np.random.default_rng(2)
    a = np.triu(rng.normal(0, 1.0, (3, 3)), 1)
    U = a + a.T
    ext = np.array([0.3, -0.8, 0.5])
    N = 40_000
    h = async_gibbs(np.zeros((N, 3)), np.broadcast_to(ext, (N, 3)), U, rng, sweeps=30)
    S = binary_states(3)
    logq = S @ ext + 0.5 * np.einsum("bi,ij,bj->b", S, U, S)
    p = np.exp(logq - logsumexp(logq))
    codes = (h * np.array([1, 2, 4])).sum(axis=1).astype(int)
    freq = np.bincount(codes, minlength=8) / N
    se = np.sqrt(p * (1 - p) / N)
    assert np.all(np.abs(freq - p) <= 4 * se)


def test_bottom_up_rbm_is_exact_conditional():
    m = _random((6, 5), False)
    x = np.tile((np.random.default_rng(3).random(6) < 0.5).astype(float), (20_000, 1))
    H = bottom_up(m, x, np.random.default_rng(4), chunk=3000)
    p = up_prob(m, 1, x[:1])[0]
    se = np.sqrt(p * (1 - p) / len(x))
    assert np.all(np.abs(H[1].mean(axis=0) - p) <= 4 * se)
    assert H[0] is not None and np.array_equal(H[0], x)


def test_sparsity_measures_known_limits():
    W = np.zeros((10, 4))
    W[np.arange(4), np.arange(4)] = [1.0, -2.0, 3.0, 0.5]      # one nonzero weight per hidden unit
    assert weight_sparsity(W) == pytest.approx(1 / 10)
    assert weight_sparsity(np.full((10, 4), -0.3)) == pytest.approx(1.0)   # all equal magnitude
    assert squared_weight(np.full((10, 4), 0.5)) == pytest.approx(10 * 0.25)


def test_corruption_mask():
    m = corruption_mask(28, "top").reshape(28, 28)
    assert m[:12].all() and not m[12:].any()
    m = corruption_mask(28, "right").reshape(28, 28)
    assert m[:, 16:].all() and not m[:, :16].any()
    assert corruption_mask(8, "left").sum() == 3 * 8
    with pytest.raises(ValueError, match="pattern"):
        corruption_mask(8, "middle")


def test_reconstruct_keeps_clamped_pixels():
    m = _random((16, 5), False)
    x = (np.random.default_rng(5).random((50, 16)) < 0.5).astype(float)
    mask = corruption_mask(4, "top", 2)
    xh, l1 = reconstruct_corrupted(m, x, mask, 3, seed=1)
    np.testing.assert_array_equal(xh[:, ~mask], x[:, ~mask])
    np.testing.assert_allclose(l1, np.abs(xh - x)[:, mask].sum(axis=1))


@pytest.mark.parametrize("sizes,intra", [((6, 4), False), ((6, 4, 3), True)])
def test_save_load_roundtrip(tmp_path, sizes, intra):
    m = _random(sizes, intra)
    path = save_boltzmann_machine(m, tmp_path / "m.npz", method="vpf", epochs=3)
    m2, meta = load_boltzmann_machine(path)
    assert m2.sizes == m.sizes and m2.kind == m.kind
    for a, b in zip(m.params(), m2.params()):
        np.testing.assert_array_equal(a, b)
    assert meta == {"method": "vpf", "epochs": 3}


def _write(path, **arrays):
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def test_malformed_files_rejected(tmp_path):
    m = _random((4, 3), False)
    good = {"version": np.array(MODEL_FORMAT_VERSION), "kind": np.array("rbm"), "sizes": np.array([4, 3]),
            "W0": m.W[0], "b0": m.b[0], "b1": m.b[1]}
    cases = {
        "garbage": None,
        "noversion": {k: v for k, v in good.items() if k != "version"},
        "version": {**good, "version": np.array(99)},
        "missing": {k: v for k, v in good.items() if k != "W0"},
        "shape": {**good, "W0": np.zeros((3, 3))},
        "nan": {**good, "b1": np.array([0.0, np.nan, 0.0])},
        "pickle": {**good, "W0": np.array([{"a": 1}], dtype=object)},
        "kind": {**good, "kind": np.array("dbm")},
        "extra": {**good, "X": np.zeros(2)},
    }
    msgs = {"garbage": "not a readable", "noversion": "version", "version": "unsupported model format version 99",
            "missing": "W0", "shape": "shape", "nan": "NaN", "pickle": "malformed", "kind": "kind",
            "extra": "unexpected"}
    for name, arrays in cases.items():
        p = tmp_path / f"{name}.npz"
        if arrays is None:
            p.write_bytes(b"PK\x03\x04 this is not a zip file")
        else:
            _write(p, **arrays)
        with pytest.raises(ValueError, match=msgs[name]) as ei:
            load_boltzmann_machine(p)
        assert str(p) in str(ei.value)
    with pytest.raises(FileNotFoundError):
        load_boltzmann_machine(tmp_path / "absent.npz")


def test_bad_model_input():
    with pytest.raises(ValueError, match="sizes"):
        init_boltzmann_machine((5,))
    with pytest.raises(ValueError, match="sizes\\[1\\]"):
        init_boltzmann_machine((5, 0))
    with pytest.raises(ValueError, match="symmetric"):
        BoltzmannMachine((2, 2), [np.zeros((2, 2))], [np.zeros(2), np.zeros(2)], [None, np.array([[0, 1.0], [2.0, 0]])])


def _copy_rbm(n, gain=30.0):
    """An RBM whose block-Gibbs transition copies the image almost surely: h_j = v_j and
    v_i = h_i with probability sigmoid(gain/2) = 1 - 3e-7 (W = gain I, biases -gain/2)."""
    m = init_boltzmann_machine((n, n), seed=0, scale=0.0)
    m.W[0][:] = gain * np.eye(n)
    m.b[0][:] = -gain / 2
    m.b[1][:] = -gain / 2
    return m


def test_reconstruct_fill_options_known_limit():
    """With a copying RBM the reconstruction of the corrupted pixels is their initial fill:
    'zero' gives an L1 error equal to the ink erased, 'mean' with fill 0.9 (> 1/2, so
    h = 1 almost surely) the blank pixels in the mask, 'random' about half of the mask."""
    from simulate.boltzmann import RECONSTRUCT_INITS

    assert set(RECONSTRUCT_INITS) == {"random", "zero", "mean"}
    rng = np.random.default_rng(3)
    x = (rng.random((400, 16)) < 0.3).astype(float)
    mask = corruption_mask(4, "top", 2)
    m = _copy_rbm(16)
    ink = x[:, mask].sum(axis=1)
    _, l1 = reconstruct_corrupted(m, x, mask, 2, seed=1, init="zero")
    np.testing.assert_allclose(l1, ink, atol=1e-4)
    _, l1 = reconstruct_corrupted(m, x, mask, 2, seed=1, init="mean", fill=np.full(16, 0.9))
    np.testing.assert_allclose(l1, mask.sum() - ink, atol=1e-4)
    _, l1 = reconstruct_corrupted(m, x, mask, 2, seed=1, init="random")
    # each corrupted pixel is wrong with probability 1/2: mean 4, s.e. sqrt(8 * 1/4 / 400)
    assert l1.mean() == pytest.approx(mask.sum() / 2, abs=4 * np.sqrt(mask.sum() / 4 / len(x)))
    # unclamped: the copy keeps the uncorrupted pixels too, so the error is the same
    xh, l1u = reconstruct_corrupted(m, x, mask, 3, seed=1, init="zero", clamp=False)
    np.testing.assert_allclose(l1u, ink, atol=1e-4)
    np.testing.assert_allclose(xh[:, ~mask], x[:, ~mask], atol=1e-5)
    with pytest.raises(ValueError, match="fill"):
        reconstruct_corrupted(m, x, mask, 2, init="mean")
    with pytest.raises(ValueError, match="init"):
        reconstruct_corrupted(m, x, mask, 2, init="ones")


def test_rbm_log_partition_and_pseudo_loglik_by_enumeration():
    """log Z by summing over the smaller layer (hidden or visible) equals the joint-state
    sum; the pseudo-log-likelihood equals sum_i log p(x_i | x_-i) from the exact p(x)."""
    from simulate.boltzmann import pseudo_loglik, rbm_log_partition, rbm_loglik

    for sizes in [(6, 3), (3, 6)]:
        m = _random(sizes, False, seed=4, scale=1.0)
        V, Hs = binary_states(sizes[0]), binary_states(sizes[1])
        joint = [-boltzmann_energy(m, [v[None], h[None]])[0] for v in V for h in Hs]
        assert rbm_log_partition(m) == pytest.approx(logsumexp(joint), rel=1e-13)
        ll = rbm_loglik(m, V)
        assert np.exp(ll).sum() == pytest.approx(1.0, rel=1e-12)
        p = dict(zip(map(tuple, V.astype(int)), np.exp(ll)))
        pl = []
        for v in V.astype(int):
            t = 0.0
            for i in range(len(v)):
                w = v.copy()
                w[i] = 1 - w[i]
                t += np.log(p[tuple(v)] / (p[tuple(v)] + p[tuple(w)]))
            pl.append(t)
        np.testing.assert_allclose(pseudo_loglik(m, V), pl, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="22"):
        rbm_log_partition(init_boltzmann_machine((30, 30)))
