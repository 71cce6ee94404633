"""Tests of the perceptron instance generator and error measures [baldassi2018, Eq. 2]."""
from __future__ import annotations

import math

import numpy as np
import pytest

from simulate.perceptron import (
    generalization_accuracy,
    generate_instance,
    holdout_accuracy,
    make_instance,
    n_errors,
    sign_binarize,
    stabilities,
    teacher_overlap,
    training_error,
)


def test_reproducible_and_seed_dependent():
    a = generate_instance(101, 0.5, seed=3, teacher=True)
    b = generate_instance(101, 0.5, seed=3, teacher=True)
    c = generate_instance(101, 0.5, seed=4, teacher=True)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y) and np.array_equal(a.teacher, b.teacher)
    assert not np.array_equal(a.X, c.X)
    # a Generator works too, and gives the same draw as the integer seed
    d = generate_instance(101, 0.5, seed=np.random.default_rng(3), teacher=True)
    assert np.array_equal(a.X, d.X)


def test_layout_and_statistics():
    inst = generate_instance(1001, 0.55, seed=0)
    assert inst.M == round(0.55 * 1001) and inst.alpha == inst.M / 1001
    assert inst.X.dtype == np.int8 and inst.X.flags.c_contiguous and inst.X.shape == (inst.M, 1001)
    assert set(np.unique(inst.X)) == {-1, 1}
    assert np.all(inst.y == 1) and inst.teacher is None
    # entries are fair coins: the mean of M*N = 551k +-1 entries has s.e. 1/sqrt(551k) = 1.35e-3
    n = inst.X.size
    assert abs(inst.X.mean()) < 5 / math.sqrt(n)
    # independent columns: the mean pairwise correlation of two fixed columns is 0 within 5 s.e.
    c = (inst.X[:, 0].astype(float) * inst.X[:, 1]).mean()
    assert abs(c) < 5 / math.sqrt(inst.M)


def test_training_error_against_float_reference():
    inst = generate_instance(301, 0.7, seed=11, teacher=True)
    rng = np.random.default_rng(5)
    for _ in range(5):
        W = rng.choice([-1, 1], size=301)
        ref = np.mean(inst.y * (inst.X.astype(float) @ W) < 0)
        assert training_error(W, inst) == ref
        assert n_errors(W, inst) == int(round(ref * inst.M))
        assert np.array_equal(stabilities(W, inst), inst.y * (inst.X.astype(np.int64) @ W))
    # the teacher classifies its own training set perfectly; its negation gets everything wrong
    assert training_error(inst.teacher, inst) == 0.0
    assert training_error(-inst.teacher, inst) == 1.0


def test_random_weights_have_error_one_half():
    # random-label problem: for W independent of X each pattern is misclassified with prob. 1/2
    inst = generate_instance(1001, 2.0, seed=1)
    W = np.random.default_rng(9).choice([-1, 1], size=1001)
    e = training_error(W, inst)
    assert abs(e - 0.5) < 5 * 0.5 / math.sqrt(inst.M)


def test_binarize_convention():
    assert np.array_equal(sign_binarize([-0.3, 0.0, 1e-300, -1e-300]), np.array([-1, 1, 1, -1], dtype=np.int8))


@pytest.mark.parametrize("k", [0, 100, 300])
def test_generalization_formula_against_holdout(k):
    # student = teacher with k flipped synapses: rho = 1 - 2k/N exactly
    N = 1001
    inst = generate_instance(N, 0.4, seed=2, teacher=True)
    W = inst.teacher.copy()
    W[:k] *= -1
    assert teacher_overlap(W, inst) == pytest.approx(1 - 2 * k / N, abs=1e-15)
    g = generalization_accuracy(W, inst)
    assert g == pytest.approx(1 - math.acos(1 - 2 * k / N) / math.pi, abs=1e-15)
    n_test = 20000
    h = holdout_accuracy(W, inst, n_test, seed=7)
    se = math.sqrt(max(g * (1 - g), 1e-12) / n_test)
    # 4 s.e. statistical tolerance; the Gaussian (CLT) formula has O(1/N) corrections, far below it
    assert abs(h - g) <= 4 * se + 1e-12


def test_bad_input_raises_clearly():
    with pytest.raises(ValueError, match="alpha"):
        generate_instance(101, 0.0, seed=0)
    with pytest.raises(ValueError, match="alpha"):
        generate_instance(101, -0.5, seed=0)
    with pytest.raises(ValueError, match="N must be odd"):
        generate_instance(100, 0.5, seed=0)
    with pytest.raises(ValueError, match="seed"):
        generate_instance(101, 0.5, seed=-1)
    with pytest.raises(ValueError, match="at least one pattern"):
        generate_instance(11, 0.01, seed=0)
    inst = generate_instance(101, 0.5, seed=0)
    with pytest.raises(ValueError, match=r"W must have shape \(101\)"):
        training_error(np.ones(100), inst)
    with pytest.raises(ValueError, match="W must have entries"):
        training_error(np.zeros(101), inst)
    with pytest.raises(ValueError, match="no teacher"):
        generalization_accuracy(np.ones(101), inst)
    with pytest.raises(ValueError, match="X must be a 2-d"):
        make_instance(np.ones(5))
    with pytest.raises(ValueError, match="must be odd"):
        make_instance(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"y must have shape \(3\)"):
        make_instance(np.ones((3, 5)), y=np.ones(4))
    with pytest.raises(ValueError, match="X must have entries"):
        make_instance(np.zeros((3, 5)))


def test_make_instance_roundtrip():
    inst = generate_instance(51, 0.6, seed=1, teacher=True)
    again = make_instance(inst.X.astype(float), inst.y, inst.teacher)
    assert np.array_equal(again.X, inst.X) and again.X.dtype == np.int8 and again.M == inst.M
    assert training_error(inst.teacher, again) == 0.0
