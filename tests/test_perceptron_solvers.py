"""The perceptron solver registry: every method through solve_perceptron against its backend called directly."""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulate.core import new_fast_stream
from simulate.perceptron import (
    PERCEPTRON_PRESETS,
    PERCEPTRON_SOLVERS,
    PerceptronRun,
    generalization_accuracy,
    generate_instance,
    n_errors,
    solve_perceptron,
)
from simulate.perceptron.rules import OnlineRule, online_rule_epoch

METHODS = list(PERCEPTRON_SOLVERS)
#: small, fast overrides per method (the registry must accept and record them)
FAST = {"gd": {"max_epochs": 300}, "gd-fixed-norm": {"schedule": [0.3, 0.6, 0.9], "max_steps": 30},
        "cp": {"max_epochs": 300}, "cp-s": {"max_epochs": 300}, "rule43": {"max_epochs": 300},
        "perceptron": {"max_epochs": 20}, "sa": {"max_sweeps": 2000}, "bpr": {"max_iter": 500}}


@pytest.fixture(scope="module")
def inst():
    return generate_instance(51, 0.3, seed=11, teacher=True)


def test_every_method_is_registered_and_fast_settings_cover_it():
    assert set(METHODS) == {"gd", "gd-fixed-norm", "cp", "cp-s", "rule43", "perceptron", "sa", "bpr"}
    assert set(FAST) == set(METHODS)
    for method, settings in PERCEPTRON_PRESETS.items():
        assert method in PERCEPTRON_SOLVERS
        for name, s in settings.items():
            assert name in PERCEPTRON_SOLVERS[method].hyperparameters
            assert s.citation.startswith("[baldassi2018, ")


@pytest.mark.parametrize("method", METHODS)
def test_run_describes_itself_and_repeats_the_backend(inst, method):
    spec = PERCEPTRON_SOLVERS[method]
    assert spec.description and spec.iter_unit in ("epochs", "sweeps", "stages")
    run = solve_perceptron(inst, method, seed=3, **FAST[method])
    assert isinstance(run, PerceptronRun) and run.method == method and run.iter_unit == spec.iter_unit
    # same fields for every method
    assert [f.name for f in dataclasses.fields(run)] == [f.name for f in dataclasses.fields(PerceptronRun)]
    # hyperparameters recorded = defaults, then preset, then overrides (+ seed); None resolved
    hp = dict(run.hyperparameters)
    assert hp.pop("seed") == 3
    assert set(hp) == set(spec.hyperparameters)
    expected = {**spec.hyperparameters,
                **{k: s.at(inst.N) for k, s in PERCEPTRON_PRESETS.get(method, {}).items()}, **FAST[method]}
    for k, v in expected.items():
        if v is not None:
            assert hp[k] == v, k
    # the summary is true of W (independent recount, exact teacher accuracy)
    W = np.asarray(run.W)
    assert W.shape == (inst.N,) and set(np.unique(W)) <= {-1, 1}
    assert run.train_error == n_errors(W, inst) / inst.M
    assert run.solved == (n_errors(W, inst) == 0)
    assert run.generalization == pytest.approx(generalization_accuracy(W, inst), abs=0)
    assert run.n_iter >= 0 and run.seconds >= 0 and run.message
    if run.m is not None:
        assert np.array_equal(W, np.where(run.m >= 0, 1, -1))
    # same seed -> identical run; the backend called directly with the recorded hyperparameters -> same W
    again = solve_perceptron(inst, method, seed=3, **FAST[method])
    assert np.array_equal(again.W, run.W) and again.n_iter == run.n_iter
    direct = spec.backend(inst, **run.hyperparameters)
    assert np.array_equal(direct.W, run.W) and direct.train_error == run.train_error


def test_generalization_is_none_without_teacher_for_every_method():
    plain = generate_instance(31, 0.2, seed=4)
    for method in METHODS:
        assert solve_perceptron(plain, method, seed=1, **FAST[method]).generalization is None


def test_unknown_method_and_hyperparameter():
    inst = generate_instance(31, 0.2, seed=4)
    with pytest.raises(ValueError, match="method must be one of"):
        solve_perceptron(inst, "adam", seed=0)
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        solve_perceptron(inst, "cp", seed=0, beta0=1.0)


def test_presets_are_the_papers_and_can_be_switched_off():
    inst = generate_instance(201, 0.3, seed=4)
    run = solve_perceptron(inst, "rule43", seed=0, max_epochs=2)
    # [baldassi2018, SM Fig. 4]
    assert run.hyperparameters["eta"] == pytest.approx(1e-2 * math.sqrt(201 / 2), rel=1e-15)
    off = solve_perceptron(inst, "gd", seed=0, preset=False, eta=0.05, max_epochs=2)
    assert off.hyperparameters["eta"] == 0.05


def test_failure_record_on_computation_error(monkeypatch):
    from theory.core import ComputationError

    def broken(inst, **kw):
        raise ComputationError("non-finite L")

    spec = dataclasses.replace(PERCEPTRON_SOLVERS["gd"], backend=broken)
    import simulate.perceptron.solvers as solvers

    monkeypatch.setattr(solvers, "_spec", lambda method: spec)
    run = solvers.solve_perceptron(generate_instance(31, 0.2, seed=4), "gd", seed=0)
    assert run.solved is False and "non-finite L" in run.message and math.isnan(run.train_error)
    assert run.generalization is None and run.W is None


def test_online_rule_codes_drive_the_kernel():
    """CP with one pattern misclassified by sign(m): the kernel applies the clipped update of
    [baldassi2018, SM Eq. 44]."""
    X = np.array([[1, -1, 1]], dtype=np.int8)
    y = np.array([1], dtype=np.int8)
    m = np.array([-0.5, 0.5, 0.1])  # sign(m).x = -1 - 1 + 1 = -1 < 0: an error
    n = online_rule_epoch(X, y, np.array([0]), m, 0.2, int(OnlineRule.CP), 1.0,
                          new_fast_stream(np.random.default_rng(0)))
    assert n == 1 and np.allclose(m, [-0.3, 0.3, 0.3])
    assert [r.rule_name for r in OnlineRule] == ["cp", "cp-s", "rule43", "perceptron"]
