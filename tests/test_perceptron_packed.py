"""Bit-packed patterns (issue 22): packed instances equal the dense ones of the same seed, the packed GD
kernels give the int8 kernels' numbers to rounding, the packed CP kernel gives the int8 kernel's numbers
bit for bit (and the on-line rules run on packed instances), the packed generator's memory stays
bounded, and the ``patience`` stopping rule of GD / the on-line rules."""
from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest

from simulate.core import new_fast_stream
from simulate.perceptron import (
    dense_patterns,
    fixed_norm_gd,
    generate_instance,
    gradient_ascent,
    make_instance,
    n_errors,
    pack_instance,
    run_online_rule,
    solve_perceptron,
    stabilities,
    stochastic_log_likelihood,
    stochastic_log_likelihood_gradient,
)
from simulate.perceptron._bitpatterns import (
    SIGN_TABLE,
    draw_packed_patterns,
    n_words,
    pack_signs,
    packed_backward,
    packed_binary_fields,
    packed_forward,
)
from simulate.perceptron.gd import GDWorkspace
from simulate.perceptron.rules import OnlineRule, online_rule_epoch, packed_cp_epoch, unpacked_rule_epoch

CASES = [(11, 0.5, 0, True), (65, 2.0, 4, True), (999, 0.7, 1, False), (1001, 0.6, 3, True), (3, 1.0, 5, True),
         (129, 1.3, 7, False)]


# --------------------------------------------------------------------------- generation


@pytest.mark.parametrize("N,alpha,seed,teacher", CASES)
def test_packed_instance_equals_dense_instance(N, alpha, seed, teacher):
    d = generate_instance(N, alpha, seed=seed, teacher=teacher)
    p = generate_instance(N, alpha, seed=seed, teacher=teacher, packed=True)
    assert p.packed and p.X is None and not d.packed
    assert (p.N, p.M, p.alpha, p.seed) == (d.N, d.M, d.alpha, d.seed)
    assert np.array_equal(dense_patterns(p), d.X)
    assert np.array_equal(p.y, d.y)  # labels from the packed fields of the teacher
    if teacher:
        assert np.array_equal(p.teacher, d.teacher)  # the generator was consumed exactly as the dense call
    assert np.array_equal(pack_instance(d).bits, p.bits)


@pytest.mark.parametrize("block_rows", [1, 4, 8, 12, 100])
def test_block_size_does_not_change_the_patterns(block_rows):
    # blocks of R rows with R N a multiple of 4 draw whole 32-bit words; any R >= 4 (a multiple of 4) works
    d = generate_instance(101, 37 / 101, seed=9)
    rng = np.random.default_rng(9)
    P = draw_packed_patterns(rng, 37, 101, block_rows)
    assert np.array_equal(P, pack_instance(d).bits)
    # the generator state after the draw is the dense one's: the next draw agrees
    rd = np.random.default_rng(9)
    rd.integers(0, 2, size=(37, 101), dtype=np.int8)
    assert np.array_equal(rng.integers(0, 1 << 30, size=5), rd.integers(0, 1 << 30, size=5))


def test_packed_layout_and_padding():
    X = np.array([[1] * 64 + [-1] + [1], [-1] * 65 + [1]], dtype=np.int8)[:, :65]
    inst = make_instance(X)
    P = pack_instance(inst).bits
    # 65 inputs: 2 words, padded to one chunk of CHUNK_WORDS = 4; chunk-major (chunk, row, word)
    assert P.dtype == np.uint64 and P.shape == (1, 2, 4) and n_words(65) == 4
    assert int(P[0, 0, 0]) == (1 << 64) - 1 and int(P[0, 0, 1]) == 0  # x_64 = -1; padding bits 0
    assert not P[0, 1].any() and not P[0, 0, 2:].any()
    X2 = np.where(np.random.default_rng(0).random((3, 700)) < 0.5, 1, -1).astype(np.int8)
    P2 = pack_instance(make_instance(np.hstack([X2, X2[:, :1]]))).bits  # N = 701: 11 words -> 3 chunks
    assert P2.shape == (3, 3, 4)
    i = 300  # input 300 = bit 44 of word 4 = chunk 1, word 0
    assert all(((int(P2[1, r, 0]) >> 44) & 1) == (X2[r, i] > 0) for r in range(3))


def test_packed_generation_is_reproducible():
    a = generate_instance(301, 0.8, seed=11, teacher=True, packed=True)
    b = generate_instance(301, 0.8, seed=11, teacher=True, packed=True)
    assert np.array_equal(a.bits, b.bits) and np.array_equal(a.y, b.y)
    c = generate_instance(301, 0.8, seed=12, teacher=True, packed=True)
    assert not np.array_equal(a.bits, c.bits)


def test_packed_generator_memory_is_bounded():
    # the packed generator never holds the int8 matrix: peak = packed array + O(block N) scratch
    N, alpha = 20001, 0.5
    tracemalloc.start()
    inst = generate_instance(N, alpha, seed=0, packed=True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    dense_bytes = inst.M * N
    assert inst.bits.nbytes <= dense_bytes / 8 + 8 * 4 * inst.M  # rows padded to whole chunks of 4 words
    assert peak < inst.bits.nbytes + 4 * 256 * N + 2**20, (peak, inst.bits.nbytes, dense_bytes)
    assert peak < 0.25 * dense_bytes


# --------------------------------------------------------------------------- kernels


def test_binary_fields_and_error_counts_match_dense():
    d = generate_instance(777, 0.9, seed=2, teacher=True)
    p = pack_instance(d)
    rng = np.random.default_rng(0)
    for _ in range(3):
        W = np.where(rng.random(777) < 0.5, 1, -1).astype(np.int8)
        assert np.array_equal(stabilities(W, p), stabilities(W, d))
        assert n_errors(W, p) == n_errors(W, d)
        ref = d.X.astype(np.int64) @ W.astype(np.int64)  # independent integer matrix product
        assert np.array_equal(packed_binary_fields(p.bits, pack_signs(W), 777), ref)


@pytest.mark.parametrize("N,alpha", [(1001, 0.55), (333, 1.7), (65, 0.5)])
def test_forward_and_backward_kernels_match_float_products(N, alpha):
    d = generate_instance(N, alpha, seed=5)
    p = pack_instance(d)
    rng = np.random.default_rng(1)
    m = rng.uniform(-1, 1, N)
    m[::7] = np.sign(m[::7])  # some saturated synapses
    Xf = d.X.astype(np.float64)
    wk = GDWorkspace(d.M, N, p)
    rows = rng.permutation(d.M)[: max(1, d.M // 2)].astype(np.int64)  # a mini-batch, unordered
    w = np.where(m >= 0, 1.0, -1.0)
    from simulate.perceptron.gd import _sign_bits

    _sign_bits(m, wk.wbits)
    hbar, b = np.empty(rows.size), np.empty(rows.size)
    packed_forward(p.bits, rows, m, wk.wbits, N, wk.T, hbar, b)
    np.testing.assert_allclose(hbar, Xf[rows] @ m, rtol=0, atol=1e-12 * math.sqrt(N) * 10)
    assert np.array_equal(b, Xf[rows] @ w)  # integers: exact
    c = rng.normal(size=rows.size)
    grad = np.empty(N)
    packed_backward(p.bits, rows, c, m, 0.37, N, wk.T, SIGN_TABLE, grad)
    np.testing.assert_allclose(grad, Xf[rows].T @ c + 0.37 * m, rtol=0, atol=1e-11 * math.sqrt(rows.size))


def test_log_likelihood_and_gradient_match_dense():
    d = generate_instance(501, 0.6, seed=8)
    p = pack_instance(d)
    m = np.random.default_rng(3).uniform(-0.9, 0.9, 501)
    assert stochastic_log_likelihood(m, p) == pytest.approx(stochastic_log_likelihood(m, d), rel=1e-13)
    np.testing.assert_allclose(stochastic_log_likelihood_gradient(m, p), stochastic_log_likelihood_gradient(m, d),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(variant="field"), dict(batch_size=64), dict(eta=0.3)])
def test_gd_trajectories_match_dense(kw):
    d = generate_instance(1001, 0.62, seed=6)
    p = pack_instance(d)
    rd = gradient_ascent(d, max_epochs=15, seed=2, **kw)
    rp = gradient_ascent(p, max_epochs=15, seed=2, **kw)
    assert rd.epochs == rp.epochs
    np.testing.assert_array_equal(rd.trajectory["train_error"], rp.trajectory["train_error"])
    np.testing.assert_allclose(rp.trajectory["L"], rd.trajectory["L"], rtol=1e-11)
    np.testing.assert_allclose(rp.m, rd.m, rtol=0, atol=1e-9)


def test_gd_to_solution_and_fixed_norm_match_dense():
    d = generate_instance(1001, 0.4, seed=1, teacher=True)
    p = generate_instance(1001, 0.4, seed=1, teacher=True, packed=True)
    rd, rp = gradient_ascent(d, seed=3), gradient_ascent(p, seed=3)
    assert rd.solved and rp.solved and rd.epochs == rp.epochs and np.array_equal(rd.W, rp.W)
    assert rp.generalization == rd.generalization
    fd = fixed_norm_gd(d, [0.3, 0.6, 0.9], seed=0)
    fp = fixed_norm_gd(p, [0.3, 0.6, 0.9], seed=0)
    np.testing.assert_array_equal(fd.stages["steps"], fp.stages["steps"])
    np.testing.assert_allclose(fp.m, fd.m, atol=1e-9)


def test_solve_perceptron_runs_packed_gd_and_refuses_dense_only_methods():
    d = generate_instance(301, 0.5, seed=4)
    p = pack_instance(d)
    rd, rp = solve_perceptron(d, "gd", seed=1), solve_perceptron(p, "gd", seed=1)
    assert rd.hyperparameters == rp.hyperparameters and rd.n_iter == rp.n_iter and rd.solved == rp.solved
    again = gradient_ascent(p, **rp.hyperparameters)
    assert np.array_equal(again.m, rp.m)  # same packed kernel, same seed: bit-identical
    with pytest.raises(ValueError, match="int8 pattern matrix"):
        solve_perceptron(p, "sa", seed=1)


# --------------------------------------------------------------------------- on-line rules


def _rows(P):
    """Row-major words of chunk-major ``P``, restated independently of ``row_major_words``."""
    nc, M, cw = P.shape
    return np.stack([np.concatenate([P[c, mu] for c in range(nc)]) for mu in range(M)])


@pytest.mark.parametrize("N,alpha,seed,eta", [(51, 0.8, 0, 2e-3), (127, 1.0, 1, 0.05), (129, 0.6, 2, 2e-3),
                                              (301, 0.5, 3, 0.2), (1001, 0.6, 4, 2e-3)])
def test_packed_cp_epoch_is_the_int8_epoch_bit_for_bit(N, alpha, seed, eta):
    # several epochs from the same m: identical m (==, not allclose), update counts and sign words; eta = 0.05 and
    # 0.2 drive m onto the clip bounds +-1 (and through zero), 127/129 put N just below/above a word boundary
    inst = generate_instance(N, alpha, seed=seed, teacher=seed % 2 == 1)
    R = _rows(pack_instance(inst).bits)
    rng = np.random.default_rng(seed)
    m_ref = np.clip(rng.normal(0.0, 1.0 / math.sqrt(N), N), -1.0, 1.0)
    m = m_ref.copy()
    wbits = pack_signs(m)
    state = new_fast_stream(rng)  # unused by CP
    updates = 0
    for _ in range(6):
        order = rng.permutation(inst.M).astype(np.int64)
        u_ref = online_rule_epoch(inst.X, inst.y, order, m_ref, eta, int(OnlineRule.CP), 1.0, state)
        u = packed_cp_epoch(R, inst.y, order, m, eta, wbits, N)
        assert u == u_ref and np.array_equal(m, m_ref)
        assert np.array_equal(wbits, pack_signs(m))  # the kernel kept the sign words in step with m
        updates += u
    assert updates > 0
    if eta >= 0.05:
        assert np.any(np.abs(m) == 1.0)  # the clip was exercised


def _int8_run(inst, rule, seed, eta, max_epochs):
    """run_online_rule restated with the int8 kernel and dense error counts (same generator consumption)."""
    rng = np.random.default_rng(seed)
    N, M = inst.N, inst.M
    m = np.clip(rng.normal(0.0, 1.0 / math.sqrt(N), size=N), -1.0, 1.0)
    state = new_fast_stream(rng)
    errors = []
    for t in range(max_epochs + 1):
        errors.append(n_errors(np.where(m >= 0, 1, -1), inst))
        if errors[-1] == 0 or t == max_epochs:
            break
        order = rng.permutation(M).astype(np.int64)
        online_rule_epoch(inst.X, inst.y, order, m, eta, int(OnlineRule.from_name(rule)), math.sqrt(0.5 * N), state)
    return m, np.array(errors) / M


@pytest.mark.parametrize("N,alpha,seed", [(51, 0.5, 0), (301, 0.6, 1), (1001, 0.4, 2), (1001, 0.6, 5)])
def test_run_online_rule_cp_default_path_is_the_int8_run(N, alpha, seed):
    # the default path (dense instance, rule "cp") runs the packed kernel: same m and trajectory as the int8 kernel
    inst = generate_instance(N, alpha, seed=seed)
    r = run_online_rule(inst, "cp", seed=seed + 10, max_epochs=60)
    m, err = _int8_run(inst, "cp", seed + 10, 2e-3, 60)
    assert np.array_equal(r.m, m)
    np.testing.assert_array_equal(r.trajectory["train_error"], err)
    assert r.epochs == err.size - 1 and r.trajectory["updates"][1] > 0


@pytest.mark.parametrize("rule", ["cp", "cp-s", "rule43", "perceptron"])
def test_every_rule_runs_on_a_packed_instance_with_the_dense_numbers(rule):
    d = generate_instance(129, 0.6, seed=6, teacher=True)
    p = generate_instance(129, 0.6, seed=6, teacher=True, packed=True)
    assert p.X is None
    rd = run_online_rule(d, rule, seed=3, max_epochs=40, record_L=True)
    rp = run_online_rule(p, rule, seed=3, max_epochs=40, record_L=True)
    assert np.array_equal(rp.m, rd.m) and rp.epochs == rd.epochs and rp.solved == rd.solved
    for k in ("train_error", "qstar", "updates"):
        np.testing.assert_array_equal(rp.trajectory[k], rd.trajectory[k])
    np.testing.assert_allclose(rp.trajectory["L"], rd.trajectory["L"], rtol=1e-11)  # packed GD kernel: rounding
    assert rp.generalization == rd.generalization
    if rule != "cp":  # the int8 kernel's numbers, for the stochastic rules through the same xoroshiro128+ draws
        m, err = _int8_run(d, rule, 3, rd.eta, 40)
        assert np.array_equal(rp.m, m)


def test_unpacked_rule_epoch_unpacks_the_rows():
    # a pattern with one +1 at each position shows the unpacked row: the plain rule with eta moves m by eta y x
    N = 131
    X = -np.ones((3, N), dtype=np.int8)
    X[0, [0, 63, 64, 130]] = 1
    X[1, ::2] = 1
    X[2, 127:] = 1
    inst = make_instance(X)
    R = _rows(pack_instance(inst).bits)
    m = np.zeros(N)
    u = unpacked_rule_epoch(R, inst.y, np.array([0, 1, 2], dtype=np.int64), m, 1.0, int(OnlineRule.PERCEPTRON),
                            1.0, new_fast_stream(np.random.default_rng(0)), N)
    assert u == 1  # m = 0: zero field, an error; afterwards m = x^0 classifies x^1 and x^2 (fields 3 and 121)
    np.testing.assert_array_equal(m, X[0].astype(float))


# --------------------------------------------------------------------------- stopping rule


def _stop_epoch(err: np.ndarray, patience: int) -> int | None:
    """Independent restatement of the rule on a full trajectory: first t with t - argmin_{s<=t} err_s >= K."""
    for t in range(err.size):
        if err[t] == 0:
            return None
        if t - int(np.argmin(err[: t + 1])) >= patience:
            return t
    return None


@pytest.mark.parametrize("method", ["gd", "rule43"])
def test_patience_rule_stops_where_the_full_trajectory_says(method):
    # runs with and without the rule are identical up to the stop: the stopped run is a prefix
    inst = generate_instance(301, 0.85, seed=3)
    full = solve_perceptron(inst, method, seed=5, max_epochs=300)
    cut = solve_perceptron(inst, method, seed=5, max_epochs=300, patience=25)
    t_stop = _stop_epoch(full.history["train_error"], 25)
    assert t_stop is not None and cut.details.stopped_early and cut.n_iter == t_stop
    np.testing.assert_array_equal(cut.history["train_error"], full.history["train_error"][: t_stop + 1])
    assert "stopped early" in cut.message and cut.hyperparameters["patience"] == 25
    backend = gradient_ascent if method == "gd" else (lambda i, **h: run_online_rule(i, "rule43", **h))
    again = backend(inst, **cut.hyperparameters)
    assert again.epochs == cut.n_iter and np.array_equal(again.m, cut.m)


def test_patience_rule_keeps_a_solving_run():
    inst = generate_instance(301, 0.4, seed=2)
    a = gradient_ascent(inst, seed=1)
    b = gradient_ascent(inst, seed=1, patience=a.epochs + 1)
    assert a.solved and b.solved and not b.stopped_early and np.array_equal(a.m, b.m)


def test_patience_rule_keeps_the_success_probability():
    # same seeds with and without the rule at loads around alpha_GD(N = 301) (P = 1, 0.25, 0 when written): a stop
    # can only turn a success into a failure, so the success probabilities differ by (lost successes)/n;
    # require it within one s.e. (about 8 s in all)
    K, n = 200, 16
    saved, total = 0, 0
    for alpha in (0.6, 0.68, 0.76):
        P, lost = [], 0
        for s in range(n):
            inst = generate_instance(301, alpha, seed=s)
            full = gradient_ascent(inst, seed=s + 7919, max_epochs=1000, record=True)
            cut = gradient_ascent(inst, seed=s + 7919, max_epochs=1000, patience=K)
            P.append(full.solved)
            lost += int(full.solved and not cut.solved)
            saved += full.epochs - cut.epochs
            total += full.epochs
        p = np.mean(P)
        se = math.sqrt(max(p * (1 - p), 1.0 / n) / n)
        assert lost / n <= se, (alpha, lost, se)
    assert saved > 0.2 * total  # the rule does save work above the threshold
