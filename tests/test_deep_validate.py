"""The report section "Deep stochastic binary networks (SM Sec. V)" on a reduced configuration."""
import numpy as np
import pytest

from simulate.deep import DEEP_PRESETS, load_deep_data, train_deep_network
from validate.compare import REGISTRY
from validate.deep import networks
from validate.sweep import options


def test_comparison_registered_and_consistent_with_direct_runs(monkeypatch):
    assert REGISTRY["deep_networks"]["section"] == "Deep stochastic binary networks (SM Sec. V)"
    tiny = dict(networks.DEEP_MODES["quick"], hidden=(16,), seeds=(0, 1),
                epochs={v: 2 for v in networks.DEEP_MODES["quick"]["epochs"]})
    monkeypatch.setitem(networks.DEEP_MODES, "quick", tiny)
    with options(workers=1, progress=False):
        c = networks.compare_deep_networks("quick")
    assert len(c.rows) == 5 and all(r.verdict for r in c.rows)
    from matplotlib.figure import Figure
    assert isinstance(c.figure, Figure)
    # the table's mean equals the mean of the same runs made directly
    d = load_deep_data("digits")
    relu = DEEP_PRESETS["relu"]
    errs = [train_deep_network(d, (16,), method="relu", epochs=2, batch=50, lr=relu.lr, lr_decay=relu.lr_decay,
                               seed=s, eval_train=False).test_error for s in (0, 1)]
    assert c.data["test_error"]["relu"][0] == pytest.approx(np.mean(errs))
    assert len(c.data["curves"]["stochastic"]) == 2


def test_bad_mode_refused():
    with pytest.raises(ValueError, match="mode must be one of"):
        networks.compare_deep_networks("medium")


def test_full_mode_runs_the_presets():
    """Full mode trains the paper's network with each preset's epochs, batch and schedule."""
    full = networks.DEEP_MODES["full"]
    assert full["data"] == "mnist" and tuple(full["hidden"]) == (801, 801, 801) and len(full["seeds"]) >= 3
    for v, p in DEEP_PRESETS.items():
        assert full["epochs"][v] == p.epochs
        assert networks.PAPER_TEST_ERRORS[v] == p.paper_test_error
    # the paper's stated values [baldassi2018, SM Sec. V]
    assert networks.PAPER_TEST_ERRORS == {"stochastic": 0.017, "bnn": 0.017, "relu": 0.014,
                                          "stochastic+dropout": 0.013}
    assert DEEP_PRESETS["stochastic"].lr == 1e-2 and DEEP_PRESETS["bnn"].lr == 1e-3
    assert DEEP_PRESETS["stochastic+dropout"].dropout > 0 and DEEP_PRESETS["stochastic+dropout"].input_dropout > 0
