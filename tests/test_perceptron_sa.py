"""Simulated annealing and the shared single-flip Metropolis kernel [baldassi2018, SM Sec. VII]."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

from simulate.core import seed_numba
from simulate.perceptron import generate_instance, make_instance, n_errors
from simulate.perceptron.sa import (
    metropolis_kernel,
    sa_energy_table,
    signed_patterns_transposed,
    signed_stabilities,
    simulated_annealing,
)


def _tiny_instance(N=5, M=4, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.choice([-1, 1], size=(M, N))
    y = rng.choice([-1, 1], size=M)
    return make_instance(X, y)


def _exact_boltzmann(inst, beta, energy_of):
    states = np.array(list(itertools.product([-1, 1], repeat=inst.N)), dtype=np.int8)
    E = np.array([energy_of(s) for s in states])
    w = np.exp(-beta * (E - E.min()))
    return states, w / w.sum()


def _code(W):
    # index of W in itertools.product([-1, 1], repeat=N) order (first site most significant)
    bits = (np.asarray(W) > 0).astype(int)
    return int("".join(map(str, bits)), 2)


def test_fixed_temperature_metropolis_matches_exact_boltzmann():
    """Kernel at fixed beta samples exp(-beta E), E = sum_mu Theta_1(-Delta/sqrt N) (exact enumeration).

    20000 independent chains (N=5, M=4) of 40 sweeps from uniform random starts
    (mixing time: a few sweeps), final states histogrammed. beta=1.5 keeps every
    expected count >= 5 (validity of Pearson's chi-square) while the
    distribution stays far from uniform (power). The chi-square must not be
    rejected at the 1e-3 level and every state lies within 4.5 binomial s.e.
    """
    inst = _tiny_instance()
    beta = 1.5
    S = (inst.X * inst.y[:, None]).astype(float)

    def energy(W):
        D = S @ W
        return np.maximum(0.0, -D).sum() / math.sqrt(inst.N)

    states, p = _exact_boltzmann(inst, beta, energy)
    K = 20000
    assert K * p.min() >= 5 and p.max() / p.min() > 10
    ST = signed_patterns_transposed(inst)
    table = sa_energy_table(inst.N, "linear")
    betas = np.full(40, beta)
    trace = np.zeros(40, dtype=np.int64)
    rng = np.random.default_rng(11)
    seed_numba(rng)
    counts = np.zeros(len(states))
    for _ in range(K):
        W = (2 * rng.integers(0, 2, size=inst.N) - 1).astype(np.int8)
        Delta = signed_stabilities(ST, W)
        metropolis_kernel(ST, W, Delta, table, betas, False, trace)
        assert np.array_equal(Delta, signed_stabilities(ST, W))  # incremental update is exact
        counts[_code(W)] += 1
    chi2, pval = stats.chisquare(counts, K * p)
    assert pval > 1e-3, (chi2, pval)
    se = np.sqrt(K * p * (1 - p))
    assert np.all(np.abs(counts - K * p) <= 4.5 * se)


def test_energy_tables_against_direct_formulas():
    N = 7
    D = np.arange(-N, N + 1)
    lin = sa_energy_table(N, "linear")
    cnt = sa_energy_table(N, "count")
    for k, d in enumerate(D):
        assert lin[k] == pytest.approx(max(0.0, -d / math.sqrt(N)), abs=1e-15)
        assert cnt[k] == (1.0 if d < 0 else 0.0)


@pytest.mark.parametrize("energy", ["linear", "count"])
def test_sa_reaches_zero_energy_at_small_alpha(energy):
    for seed in range(3):
        inst = generate_instance(301, 0.3, seed)
        r = simulated_annealing(inst, seed, energy=energy, max_sweeps=20000)
        assert r.solved and r.converged
        assert r.energy == 0.0
        assert n_errors(r.W, inst) == 0  # recomputed independently of the kernel


def test_sa_teacher_student_solution_and_generalization():
    """N=1001, alpha=0.4: SA finds a solution; its accuracy is low ([baldassi2018, SM Table I]: 0.578(3) over
    40 samples).

    One instance: the per-instance spread of the accuracy is ~0.02 (0.003 * sqrt 40),
    so we only ask for 0.53 < acc < 0.63 (about 2.5 spreads).
    """
    inst = generate_instance(1001, 0.4, 5, teacher=True)
    r = simulated_annealing(inst, 5)
    assert r.solved
    assert 0.53 < r.generalization < 0.63


def test_reproducible_under_seed():
    inst = generate_instance(201, 0.3, 1)
    a = simulated_annealing(inst, 7)
    b = simulated_annealing(inst, 7)
    c = simulated_annealing(inst, 8)
    assert np.array_equal(a.W, b.W) and a.sweeps == b.sweeps
    assert not np.array_equal(a.W, c.W)


def test_unsolved_run_says_so():
    inst = generate_instance(201, 1.2, 0)  # above capacity alpha_c ~ 0.83: no solution exists (typically)
    r = simulated_annealing(inst, 0, max_sweeps=50)
    assert not r.solved and not r.converged
    assert r.errors == n_errors(r.W, inst) > 0
    assert "no solution" in r.message


@pytest.mark.parametrize("kw, name", [
    (dict(beta0=-1.0), "beta0"), (dict(rate=1.0), "rate"), (dict(max_sweeps=0), "max_sweeps"),
    (dict(energy="quadratic"), "energy"), (dict(W0=np.ones(4)), "W0"), (dict(sweeps_per_step=0), "sweeps_per_step"),
])
def test_bad_input(kw, name):
    inst = generate_instance(101, 0.3, 0)
    with pytest.raises(ValueError, match=name):
        simulated_annealing(inst, 0, **kw)


def test_bad_seed_and_instance():
    with pytest.raises(ValueError, match="seed"):
        simulated_annealing(generate_instance(101, 0.3, 0), None)
    with pytest.raises(ValueError, match="inst"):
        simulated_annealing(np.ones((3, 5)), 0)
    with pytest.raises(ValueError, match="N"):
        generate_instance(100, 0.3, 0)


def test_cli_sa_bpr_energy(capsys):
    import json

    from simulate.__main__ import GROUPS
    from theory.core.cli import main_with_groups

    run = lambda *a: main_with_groups("python -m simulate", "", GROUPS, ["perceptron", *a])  # noqa: E731
    assert run("sa", "--N", "101", "--alpha", "0.3", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["solved"] is True and out["errors"] == 0 and out["N"] == 101
    assert run("sa", "--N", "100") == 2  # even N: bad input
    assert run("sa", "--N", "101", "--alpha", "1.5", "--max-sweeps", "5", "--json") == 1  # no solution: exit 1
    assert json.loads(capsys.readouterr().out)["solved"] is False
    assert run("bpr", "--N", "101", "--alpha", "0.3", "--rate", "0.01", "--json") == 0
    assert json.loads(capsys.readouterr().out)["solved"] is True
    assert run("energy-around", "--N", "101", "--teacher", "--algorithm", "teacher", "--d", "0", "--json") == 0
    assert json.loads(capsys.readouterr().out)["energy"] == 0.0  # the teacher classifies its own labels
    assert run("mc-binary", "--N", "101", "--q-star", "0.3:0.6:2", "--n-equil", "5", "--n-measure", "5",
               "--json") == 0
    assert [r["q_star"] for r in json.loads(capsys.readouterr().out)] == [0.3, 0.6]


def _one_call_reference(inst, seed, max_sweeps, **kw):
    """The pre-chunking algorithm: the whole schedule and a per-sweep trace in one kernel call."""
    from simulate.core import as_generator

    rng = as_generator(seed)
    W = (2 * rng.integers(0, 2, size=inst.N) - 1).astype(np.int8)
    ST = signed_patterns_transposed(inst)
    Delta = signed_stabilities(ST, W)
    table = sa_energy_table(inst.N, kw.get("energy", "linear"))
    betas = 10.0 * (1.0 + 5e-3) ** (np.arange(max_sweeps) // 5).astype(float)
    trace = np.full(max_sweeps, -1, dtype=np.int64)
    seed_numba(rng)
    done, acc, prop, nerr = metropolis_kernel(ST, W, Delta, table, betas, kw.get("stop_at_solution", True), trace)
    return W, done, acc / prop, nerr, trace[:done], betas[max(done - 1, 0)]


@pytest.mark.parametrize("alpha, chunk, kw", [(0.3, 3, {}), (1.0, 64, {}), (0.5, 100, {"stop_at_solution": False})])
def test_chunked_schedule_gives_the_same_run_as_one_call(monkeypatch, alpha, chunk, kw):
    """Chunks of the schedule (memory independent of max_sweeps) reproduce the one-call run exactly."""
    import simulate.perceptron.sa as sa

    inst = generate_instance(51, alpha, seed=2)
    W, done, acc, nerr, trace, beta_last = _one_call_reference(inst, 5, 700, **kw)
    monkeypatch.setattr(sa, "CHUNK_SWEEPS", chunk)
    monkeypatch.setattr(sa, "TRACE_LENGTH", 128)
    r = sa.simulated_annealing(inst, 5, max_sweeps=700, **kw)
    assert np.array_equal(r.W, W) and r.sweeps == done and r.errors == nerr
    assert r.acceptance == acc and r.beta_final == beta_last
    # the decimated trace: at most TRACE_LENGTH (+ the last sweep) entries, each equal to the full trace
    assert r.trace_sweeps.size <= 129 and r.trace_sweeps[-1] == done
    assert np.array_equal(r.trace_errors, trace[r.trace_sweeps - 1])
    if done <= 128:
        assert np.array_equal(r.trace_sweeps, np.arange(1, done + 1))


def test_sa_memory_does_not_grow_with_the_sweep_cap():
    """tracemalloc peak of 200 000 sweeps (no early stop) stays below 1 MB (the old schedule alone: 3.2 MB)."""
    import tracemalloc

    inst = generate_instance(11, 0.5, seed=0)
    simulated_annealing(inst, 0, max_sweeps=10, stop_at_solution=False)   # compile first
    peaks = []
    for cap in (1000, 200_000):
        tracemalloc.start()
        try:
            r = simulated_annealing(inst, 0, max_sweeps=cap, stop_at_solution=False)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert r.sweeps == cap
    assert peaks[1] < 1_000_000 and peaks[1] < 20 * peaks[0], peaks
