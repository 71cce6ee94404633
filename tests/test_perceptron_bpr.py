"""BP with reinforcement for the binary perceptron (Braunstein & Zecchina 2006; [baldassi2018, SM Sec. VII])."""
from __future__ import annotations

import numpy as np
import pytest

from simulate.perceptron import bp_factor_messages, generate_instance, n_errors, run_bp_reinforcement


def _exact_u(s, m):
    """Exact factor message for the constraint Theta(sum_j s_j W_j), W_j independent with
    means m_j (no Gaussian approximation): distribution of the cavity sum by convolution."""
    N = len(s)
    out = np.zeros(N)
    k = np.arange(-N, N + 1)
    for i in range(N):
        p = np.zeros(2 * N + 1)
        p[N] = 1.0
        for j in range(N):
            if j == i:
                continue
            pp = (1 + s[j] * m[j]) / 2
            q = np.zeros_like(p)
            q[1:] += pp * p[:-1]
            q[:-1] += (1 - pp) * p[1:]
            p = q
        out[i] = 0.5 * np.log(p[k + s[i] > 0].sum() / p[k - s[i] > 0].sum())
    return out


def test_gaussian_factor_messages_converge_to_exact_ones():
    """The cavity-field Gaussian approximation (docs/bp_reinforcement.md, Eq. B2) differs from the
    exact message by O(1/N) relative (the +-1 shift of Eq. B2 is the continuity correction, so the
    O(1/sqrt N) Edgeworth term cancels). Check: relative error < 1/N at N=51 and N=201, and it
    shrinks by a factor between 2.5 and 6.5 when N grows 4x (1/N scaling: 4)."""
    rng = np.random.default_rng(0)
    errs = []
    for N in (51, 201):
        s = rng.choice([-1, 1], size=N).astype(np.int8)
        m = np.clip(rng.uniform(-0.5, 0.5, size=N) + 0.05 * s, -0.99, 0.99)
        u = bp_factor_messages(s[None, :], m[None, :])[0]
        ue = _exact_u(s, m)
        rel = np.max(np.abs(u - ue) / np.abs(ue))
        assert rel < 1.0 / N
        errs.append(rel)
    assert 2.5 < errs[0] / errs[1] < 6.5


def test_bpr_solves_alpha_06_small_n():
    """N=201, alpha=0.6 (below the BP+R algorithmic threshold ~0.74): all of 3 instances solved
    with the paper's schedule rate 1e-3; the returned W is checked independently."""
    for seed in range(3):
        inst = generate_instance(201, 0.6, seed)
        r = run_bp_reinforcement(inst, seed, rate=1e-3)
        assert r.solved and r.converged and not r.nonfinite
        assert n_errors(r.W, inst) == 0


@pytest.mark.slow
def test_bpr_solves_alpha_06_at_N1001_in_most_instances():
    """Issue 4: BP+R solves alpha=0.6 at N=1001 in most instances; we require >= 8 of 10
    with the paper's rate 1e-3 (~100 s each on one core). Measured: 10/10 (seeds 0-9), 832-1099 sweeps."""
    solved = 0
    for seed in range(10):
        inst = generate_instance(1001, 0.6, seed)
        r = run_bp_reinforcement(inst, seed, rate=1e-3)
        solved += int(r.solved and n_errors(r.W, inst) == 0)
    assert solved >= 8, solved


def test_bpr_fails_honestly_above_capacity():
    inst = generate_instance(101, 1.5, 0)
    r = run_bp_reinforcement(inst, 0, rate=1e-2, max_iter=100)
    assert not r.solved and not r.converged
    assert r.errors == n_errors(r.W, inst) > 0
    assert "no solution" in r.message or "non-finite" in r.message


@pytest.mark.slow
def test_teacher_student_generalization_near_paper():
    """N=1001, alpha=0.4 teacher-student, one instance: [baldassi2018, SM Table I] BP+R accuracy 0.657(2) over
    40 samples, i.e. per-instance spread ~0.013; we require |acc - 0.657| < 0.045 (~3.5 spreads).
    Uses rate 1e-2 (10x faster schedule than the paper) to stay within the test budget."""
    inst = generate_instance(1001, 0.4, 1, teacher=True)
    r = run_bp_reinforcement(inst, 1, rate=1e-2)
    assert r.solved
    assert abs(r.generalization - 0.657) < 0.045


def test_reproducible():
    inst = generate_instance(201, 0.5, 0)
    a = run_bp_reinforcement(inst, 4, rate=1e-2)
    b = run_bp_reinforcement(inst, 4, rate=1e-2)
    assert np.array_equal(a.W, b.W) and a.iterations == b.iterations
    assert np.array_equal(a.trace_errors, b.trace_errors)


@pytest.mark.parametrize("kw, name", [
    (dict(rate=1.0), "rate"), (dict(rate=-0.1), "rate"), (dict(r0=1.0), "r0"), (dict(damping=1.0), "damping"),
    (dict(max_iter=0), "max_iter"), (dict(init_scale=-1.0), "init_scale"),
])
def test_bad_input(kw, name):
    inst = generate_instance(101, 0.5, 0)
    with pytest.raises(ValueError, match=name):
        run_bp_reinforcement(inst, 0, **kw)


def test_factor_messages_bad_input():
    with pytest.raises(ValueError, match="mcav"):
        bp_factor_messages(np.ones((2, 5)), np.full((2, 5), 1.5))
    with pytest.raises(ValueError, match="mcav"):
        bp_factor_messages(np.ones((2, 5)), np.zeros((2, 4)))
