"""The ``--full`` code paths of the comparisons that only the full report reaches.

Each comparison branches on its mode (published numbers compared only at the
papers' sizes, MNIST instead of the 8x8 digits, extra rows and panels); those
branches would otherwise first run hours into a full report. Here each one runs
with ``mode="full"`` and its full settings shrunk to toy sizes (the shapes of
the settings kept), and must return a complete Comparison: every row has a
verdict, the figure exists, the numbers are finite where the row says they are
compared. The verdicts themselves are not checked: toy sizes cannot reproduce
the papers.
"""
from __future__ import annotations

import math

import pytest

from validate import sweep
from validate.compare import Comparison
from validate.store import ResultStore

VERDICTS = {"agrees", "disagrees", "measured", "not comparable"}


def _shrink(monkeypatch, key: str) -> None:
    """Toy-size full settings for comparison ``key``."""
    if key == "perceptron.bc_energy":
        import validate.perceptron.capacity as m

        monkeypatch.setitem(m.BC_SETTINGS, "full", dict(m.BC_SETTINGS["full"], N=151, seeds=3, count=6, max_steps=30,
                                                        gd_seeds=2))
    elif key == "perceptron.teacher_student":
        import validate.perceptron.flatness as m

        monkeypatch.setitem(m.TS_SETTINGS, "full", dict(m.TS_SETTINGS["full"], N=151, seeds=3, d=[0.0, 0.01, 0.03],
                                                        n_samples=100))
    elif key == "perceptron.franz_parisi":
        import validate.perceptron.franz_parisi as m

        monkeypatch.setitem(m.SETTINGS, "full", dict(m.SETTINGS["full"], N=151, instances=2, d_theory=(0.005, 0.1),
                                                     d_bp=(0.05, 0.1)))
    elif key == "perceptron.rule43":
        import validate.perceptron.rule43 as m

        monkeypatch.setitem(m.SETTINGS, "full", dict(m.SETTINGS["full"], sizes={151: 3, 201: 2},
                                                     eta_factor={151: 1e-2, 201: 1e-3}, max_epochs=30,
                                                     alpha_max={201: 0.45}))
    elif key == "perceptron.rs_stability":
        import validate.perceptron.stability as m

        monkeypatch.setitem(m.SETTINGS, "full", dict(
            m.SETTINGS["full"], order=8, beta_max=300.0, n_grid=2, n_upper=1, bc_count=3,
            kauzmann={"qstars": (0.88,), "beta_hi": 30.0, "order": 6, "tol": 1e-8, "xtol": 1e-3},
            mc={"sizes": (51,), "betas": (5.0,), "instances": 2, "n_sweeps": 300, "n_replicas": 2}))
        # one stability line (~10 s each, whatever the grid sizes), so no "decreasing in alpha" rows
        monkeypatch.setattr(m, "ALPHAS", (m.CLAIM_ALPHA,))
        monkeypatch.setattr(m, "CHECK_QSTARS", ())
    elif key == "perceptron.gd_finite_size":
        import validate.perceptron.finite_size as m

        monkeypatch.setitem(m.SETTINGS, "full", dict(m.SETTINGS["full"], sizes={51: 2, 101: 2},
                                                     alphas=[0.55, 0.65, 0.75], max_epochs=50,
                                                     patience={51: None, 101: 20}))
    elif key == "perceptron.rsb_vs_rs":
        import validate.perceptron.rsb as m

        # q* = 0.7, 0.8 at beta = 40 (0.8 broken at finite beta; both RS at beta = inf) plus one extra q* of the
        # full E(q*) figure
        monkeypatch.setitem(m.RSB_SETTINGS, "full", dict(m.RSB_SETTINGS["full"], order=6, tol=1e-8, betas=(40.0,),
                                                         qstars=(0.7, 0.8), extra_qstars=(0.75,), curve=4))
    elif key.startswith("vpf_"):
        import validate.boltzmann.vpf as m
        from simulate.core import mnist_dir

        if not any(mnist_dir().glob("t10k-images*")):
            pytest.skip(f"MNIST test set not found in {mnist_dir()} (set MNIST_DIR)")
        monkeypatch.setitem(m.MODES, "full", dict(m.MODES["full"], hidden=16, dbm=(16, 16, 8), vpf_epochs=1,
                                                  cd_epochs=1, cd_steps=3, n_samples=50, comp_hidden=(8, 16),
                                                  seeds=(0, 1), parzen_seeds=(0, 1), ll_hidden=6, ll_epochs=2,
                                                  ll_checkpoints=(1, 2)))
    else:
        raise KeyError(key)


@pytest.mark.parametrize("key", ["perceptron.bc_energy", "perceptron.teacher_student",
                                 # the theory curves next to the end of the RS branch (d = 0.005) take minutes
                                 pytest.param("perceptron.franz_parisi", marks=pytest.mark.slow),
                                 "perceptron.rule43",
                                 # one stability line, the beta_K point and the continuous check: ~30 s even shrunk
                                 pytest.param("perceptron.rs_stability", marks=pytest.mark.slow),
                                 "perceptron.gd_finite_size",
                                 "perceptron.rsb_vs_rs", "vpf_reconstruction", "vpf_parzen", "vpf_compositional",
                                 "vpf_likelihood"])
def test_full_mode_branch_runs(key, monkeypatch, tmp_path):
    import importlib

    from validate.report_modules import MODULES

    for name in MODULES:
        importlib.import_module(name)
    from validate.compare import REGISTRY

    _shrink(monkeypatch, key)
    with ResultStore(tmp_path / "s.sqlite") as st, sweep.options(workers=1, progress=False):
        comp = REGISTRY[key]["fn"](mode="full", store=st, seed=0)
    assert isinstance(comp, Comparison) and comp.rows and comp.figure is not None
    assert "--full" in comp.command
    if key == "perceptron.rule43":  # the per-size load cap of the full grid
        from validate.perceptron.rule43 import SETTINGS

        assert comp.data["sizes"][151]["alpha"] == SETTINGS["full"]["alphas"]
        assert comp.data["sizes"][201]["alpha"] == [a for a in SETTINGS["full"]["alphas"] if a <= 0.45] != []
    for r in comp.rows:
        assert r.verdict in VERDICTS, (r.quantity, r.verdict)
        if r.verdict in ("agrees", "disagrees", "measured"):  # a compared or measured row has a simulation mean
            assert not (math.isnan(r.theory) and math.isnan(r.sim_mean)), r.quantity
    import matplotlib.pyplot as plt

    plt.close(comp.figure)
