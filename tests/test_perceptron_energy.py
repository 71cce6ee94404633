"""Energy around a configuration, [baldassi2018, SM Eq. 45-46] ([baldassi2018, SM Sec. VII])."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulate.perceptron import (
    average_energy_around,
    average_energy_profile,
    generate_instance,
    make_instance,
    training_error,
)


def test_E_at_zero_distance_is_training_error():
    inst = generate_instance(301, 0.6, 1)
    rng = np.random.default_rng(0)
    for _ in range(3):
        W = rng.choice([-1, 1], size=inst.N)
        e, se = average_energy_around(W, inst, 0.0, 0, n_samples=5)
        assert e == training_error(W, inst)
        assert se == 0.0


def test_full_flip_is_the_opposite_configuration():
    """d=1 flips every weight: W' = -W, misclassified exactly where W was right (N odd)."""
    inst = generate_instance(101, 0.5, 2)
    W = np.random.default_rng(1).choice([-1, 1], size=inst.N)
    e, se = average_energy_around(W, inst, 1.0, 0, n_samples=3)
    assert e == pytest.approx(1.0 - training_error(W, inst), abs=1e-15)


def test_monte_carlo_matches_exact_average_over_all_flip_sets():
    """[baldassi2018, SM Eq. 46] is the uniform average over the C(N, k) configurations at distance k:
    exact enumeration for N=11, k=1..4 versus 4000 Monte Carlo draws (4 s.e.)."""
    rng = np.random.default_rng(3)
    X = rng.choice([-1, 1], size=(9, 11))
    y = rng.choice([-1, 1], size=9)
    inst = make_instance(X, y)
    W = rng.choice([-1, 1], size=11)
    ks = [1, 2, 3, 4]
    prof = average_energy_profile(W, inst, np.array(ks) / 11, 7, n_samples=4000)
    assert list(prof.flips) == ks
    for j, k in enumerate(ks):
        errs = []
        for flips in itertools.combinations(range(11), k):
            Wp = W.copy()
            Wp[list(flips)] *= -1
            errs.append(training_error(Wp, inst))
        exact = float(np.mean(errs))
        assert abs(prof.energy[j] - exact) <= 4 * prof.energy_se[j], (k, prof.energy[j], exact)
        assert prof.energy_se[j] > 0


def test_energy_grows_from_a_teacher():
    """Around the teacher (a solution) Ê(d) starts at 0 and increases with d; at d=1/2 W' is
    uncorrelated with the teacher and Ê -> 1/2 (4 s.e.)."""
    inst = generate_instance(401, 0.4, 0, teacher=True)
    prof = average_energy_profile(inst.teacher, inst, [0.0, 0.01, 0.05, 0.5], 1, n_samples=400)
    assert prof.energy[0] == 0.0
    assert 0 < prof.energy[1] < prof.energy[2] < prof.energy[3]
    assert abs(prof.energy[3] - 0.5) < 4 * prof.energy_se[3] + 0.5 / inst.N


def test_reproducible():
    inst = generate_instance(201, 0.4, 0)
    W = np.ones(201)
    a = average_energy_profile(W, inst, [0.1, 0.2], 5, n_samples=50)
    b = average_energy_profile(W, inst, [0.1, 0.2], 5, n_samples=50)
    assert np.array_equal(a.energy, b.energy)


@pytest.mark.parametrize("d, W, n, name", [
    (-0.1, None, 10, "d"), (1.5, None, 10, "d"), (0.1, np.ones(5), 10, "W"), (0.1, None, 0, "n_samples"),
    (0.1, 2 * np.ones(101), 10, "W"),
])
def test_bad_input(d, W, n, name):
    inst = generate_instance(101, 0.4, 0)
    W = np.ones(101) if W is None else W
    with pytest.raises(ValueError, match=name):
        average_energy_around(W, inst, d, 0, n_samples=n)
