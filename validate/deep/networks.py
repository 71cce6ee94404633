"""Deep stochastic binary networks against their baselines and [baldassi2018, SM Sec. V]'s MNIST numbers.

The paper trains a 784-801-801-801-10 network on MNIST and reports the test error of the
binarized network ``sign(m)`` (~1.7 %, Adam 1e-2), of its STE + batch-norm binarized network
[hubara2016] (about the same, Adam 1e-3), of a ReLU network with continuous weights (~1.4 %) and of
the stochastic network trained with dropout on the input and hidden layers (~1.3 %).

* ``quick``: the 8x8 digits (fixed 80/20 split), a 64-128-128-10 network, a few seconds; no
  published value: the rows check that every method learns (test error far below the 90 % of
  chance) and the ordering of the paper (continuous ReLU at least as good as the binarized nets).
* ``full``: the paper's network on the 60,000/10,000 MNIST split, 3 seeds per method.

Tolerance in full mode: ``max(3 s.e. over seeds, 0.3 percentage points)``. The paper's values are
single runs rounded to 0.1 pp ("~1.7 %"); one test error on 10,000 images at 1.7 % has a binomial
standard deviation of 0.13 pp, and the paper leaves the batch size, number of epochs and schedule
unstated, so a difference below about twice that (0.3 pp) is not a disagreement.

Every training run is one point of :func:`validate.sweep.run_sweep` (resumable through the store).
"""
from __future__ import annotations

import math
import time

import numpy as np

from simulate.deep import DEEP_PRESETS, PAPER_HIDDEN
from validate.compare import Comparison, Row, comparison, mean_se
from validate.store import ResultStore
from validate.sweep import run_sweep

__all__ = ["compare_deep_networks", "deep_training_point", "PAPER_TEST_ERRORS", "DEEP_MODES"]

SECTION = "Deep stochastic binary networks (SM Sec. V)"
TITLE = "Deep stochastic binary networks vs STE/batch-norm and ReLU baselines [baldassi2018, SM Sec. V]"

#: [baldassi2018, SM Sec. V]: MNIST test errors of the 3 x 801 network
PAPER_TEST_ERRORS = {v: p.paper_test_error for v, p in DEEP_PRESETS.items()}

#: settings shared by the two modes: everything of :data:`simulate.deep.DEEP_PRESETS` but the epochs and batch
_TRAIN_KEYS = ("lr", "lr_decay", "dropout", "input_dropout", "polarize_epochs", "polarize_gain")

DEEP_MODES = {
    # 8x8 digits: the presets' settings (rates, decays, dropout, polarization window) with 30 epochs and batch 50
    "quick": dict(data="digits", hidden=(128, 128), batch=50, seeds=(0, 1, 2), n_train=None, n_test=None,
                  epochs={v: 30 for v in DEEP_PRESETS}),
    # the paper's network, the presets' epochs and batch; measured (docs/deep_networks.md, Sec. 14): 23-26 s
    # (stochastic), 12 s (bnn), 11 s (relu) per epoch on one core; two sweep workers: 70 min for the 12 runs
    "full": dict(data="mnist", hidden=PAPER_HIDDEN, batch=None, seeds=(0, 1, 2), n_train=None, n_test=None,
                 epochs={v: p.epochs for v, p in DEEP_PRESETS.items()}),
}


def deep_training_point(data: str, variant: str, method: str, hidden: list, epochs: int, batch: int, lr: float,
                        dropout: float, input_dropout: float, lr_decay: float = 1.0, polarize_epochs: int = 0,
                        polarize_gain: float = 1.0, n_train: int | None = None, n_test: int | None = None,
                        blas_threads: int | None = 1, seed: int = 0) -> dict:
    """Train one network and return its final errors, per-epoch test errors and timing.

    ``variant`` labels the run (a key of :data:`simulate.deep.DEEP_PRESETS`); every setting that
    changes the numbers is an argument, so the store keys the run by its values, not by the preset's name.
    ``blas_threads`` caps the BLAS threads of this run (``None``: no cap). The sweep runs points in
    parallel processes, one per core, so one thread each is the default; a lone run of the paper's
    network may use all cores.

    Examples
    --------
    >>> r = deep_training_point("digits", "relu", "relu", [16], 1, 50, 1e-3, 0.0, 0.0, n_train=200, n_test=100)
    >>> sorted(r)[:3]
    ['converged', 'epochs', 'history_test_error']
    """
    from threadpoolctl import threadpool_limits

    from simulate.deep import load_deep_data, train_deep_network

    d = load_deep_data(data, n_train=n_train, n_test=n_test)
    with threadpool_limits(limits=blas_threads, user_api="blas"):
        r = train_deep_network(d, tuple(hidden), method=method, epochs=epochs, batch=batch, lr=lr,
                               lr_decay=lr_decay, seed=seed, dropout=dropout, input_dropout=input_dropout,
                               polarize_epochs=polarize_epochs, polarize_gain=polarize_gain, eval_train=False)
    h = r.history
    return {"converged": r.converged, "epochs": r.epochs, "test_error": r.test_error,
            "train_error": r.train_error, "test_error_mean_field": r.test_error_mean_field,
            "seconds_per_epoch": r.seconds_per_epoch,
            "history_test_error": [float(v) for v in h["test_error"]],
            "history_test_error_mean_field": [float(v) for v in h["test_error_mean_field"]]}


def _check_mode(mode: str) -> dict:
    if mode not in DEEP_MODES:
        raise ValueError(f"mode must be one of {sorted(DEEP_MODES)} (got {mode!r})")
    return DEEP_MODES[mode]


@comparison("deep_networks", TITLE, SECTION, order=1)
def compare_deep_networks(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Test errors of the binarized stochastic network and of its baselines [baldassi2018, SM Sec. V].

    Trains the stochastic-synapse network (read out as ``sign(m)`` with sign units), the
    straight-through binarized network with batch normalization [hubara2016] and the continuous
    ReLU network on the same architecture, over several seeds, and tabulates their final test errors
    against the paper's 1.7 %, ~1.7 % and 1.4 % (1.3 % with dropout), with the learning curves.
    """
    cfg = _check_mode(mode)
    t0 = time.perf_counter()
    full = mode == "full"
    points = [dict(data=cfg["data"], variant=v, method=p.method, hidden=list(cfg["hidden"]), epochs=cfg["epochs"][v],
                   batch=cfg["batch"] or p.batch, n_train=cfg["n_train"], n_test=cfg["n_test"],
                   **{k: getattr(p, k) for k in _TRAIN_KEYS})
              for v, p in DEEP_PRESETS.items()]
    for pt in points:   # a run shorter than the polarization window polarizes over all of it
        pt["polarize_epochs"] = min(pt["polarize_epochs"], pt["epochs"])
    seeds = [seed + s for s in cfg["seeds"]]
    recs = run_sweep(deep_training_point, points, task="deep.networks", seeds=seeds, store=store).to_records()
    res, mean_field, curves, spe = {}, {}, {}, {}
    for v in DEEP_PRESETS:
        rv = [r for r in recs if r.get("variant") == v and r.get("converged")]
        res[v] = mean_se([r["test_error"] for r in rv])
        mean_field[v] = mean_se([r["test_error_mean_field"] for r in rv])
        spe[v] = float(np.mean([r["seconds_per_epoch"] for r in rv])) if rv else math.nan
        hist = [r["history_test_error"] for r in rv]
        n_ep = min((len(x) for x in hist), default=0)
        curves[v] = np.mean([x[:n_ep] for x in hist], axis=0).tolist() if hist else []
    rows = []
    what = {"stochastic": "binarized network sign(m), stochastic-synapse training",
            "bnn": "binarized network, STE + batch norm [hubara2016]",
            "relu": "continuous weights, ReLU units",
            "stochastic+dropout": "binarized network sign(m), stochastic training with dropout ("
                                  f"{DEEP_PRESETS['stochastic+dropout'].input_dropout:g} input, "
                                  f"{DEEP_PRESETS['stochastic+dropout'].dropout:g} hidden)"}
    what = {v: w + (", polarized" if DEEP_PRESETS[v].polarize_epochs else "") for v, w in what.items()}
    for v in DEEP_PRESETS:
        mu, se, n = res[v]
        if full:
            rows.append(Row(quantity=f"MNIST test error: {what[v]}", sim_mean=mu, sim_se=se, n=n,
                            published=PAPER_TEST_ERRORS[v], source="[baldassi2018, SM Sec. V]", abs_tol=0.003,
                            n_se=3.0, tolerance="3 s.e. or 0.3 pp",
                            note=f"{cfg['epochs'][v]} epochs, {spe[v]:.1f} s/epoch; s.e. over seeds"))
        else:
            rows.append(Row(quantity=f"digits test error: {what[v]}", sim_mean=mu, sim_se=se, n=n, published=0.0,
                            abs_tol=0.10, tolerance="below 10 % (chance 90 %)",
                            note="8x8 digits: no published value; learning check"))
    # the paper's ordering: the continuous ReLU network is at least as good as the binarized ones
    if all(math.isfinite(res[v][0]) for v in ("relu", "stochastic", "bnn")):
        gap = min(res["stochastic"][0], res["bnn"][0]) - res["relu"][0]
        se_gap = math.sqrt(np.nansum([res[v][1] ** 2 for v in ("relu", "stochastic")]))
        rows.append(Row(quantity="best binarized minus ReLU test error (paper: +0.3 pp)", sim_mean=gap,
                        sim_se=se_gap if se_gap > 0 else math.nan, n=len(seeds),
                        published=0.003 if full else math.nan, source="[baldassi2018, SM Sec. V]" if full else "",
                        abs_tol=0.004 if full else 0.0, tolerance="3 s.e. or 0.4 pp" if full else "",
                        note="ordering of the paper: binary constraints cost a few tenths of a percent"
                        + ("" if full else " (digits: informative only)")))
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    fig = Figure(figsize=(10.0, 3.6))
    ax1, ax2 = fig.subplots(1, 2)
    for v, ys in curves.items():
        if ys:
            ax1.plot(np.arange(1, len(ys) + 1), 100 * np.asarray(ys), "-o", ms=3, label=v)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("test error (%)")
    ax1.set_yscale("log")
    ax1.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax1.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if round(v, 6) in (2, 3, 5) else ""))
    ax1.set_title(f"{cfg['data']}, hidden {cfg['hidden']} (mean over {len(seeds)} seeds)")
    ax1.legend(fontsize=7)
    names = list(DEEP_PRESETS)
    ax2.bar(range(len(names)), [100 * res[v][0] for v in names], yerr=[100 * np.nan_to_num(res[v][1]) for v in names],
            color="tab:blue", label="here")
    if full:
        ax2.plot(range(len(names)), [100 * PAPER_TEST_ERRORS[v] for v in names], "k_", ms=20, mew=2,
                 label="[baldassi2018, SM Sec. V]")
    ax2.set_xticks(range(len(names)), names, rotation=15, fontsize=7)
    ax2.set_ylabel("final test error (%)")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    settings = "; ".join(f"{v}: lr {p.lr:g} x{p.lr_decay:g}/epoch" + (f", dropout {p.input_dropout:g}/{p.dropout:g}"
                                                                       if p.dropout or p.input_dropout else "")
                         + (f", polarization {p.polarize_epochs} epochs to gain {p.polarize_gain:g}"
                            if p.polarize_epochs else "") + f", {cfg['epochs'][v]} epochs"
                         for v, p in DEEP_PRESETS.items())
    notes = (f"{cfg['data']} ({'60,000 train / 10,000 test' if full else 'fixed 80/20 split'}), hidden "
             f"{cfg['hidden']}, batch {cfg['batch'] or DEEP_PRESETS['stochastic'].batch}, Adam ({settings}; "
             f"simulate.deep.DEEP_PRESETS); {len(seeds)} seeds, s.e. over seeds. Binarized predictors: weights "
             f"sign(m) (stochastic) or sign(w) with batch-norm thresholds (bnn), sign units. Seconds per epoch: "
             + ", ".join(f"{v} {spe[v]:.2f}" for v in names) + ". Derivation: docs/deep_networks.md.")
    data = {"test_error": {v: list(res[v]) for v in names},
            "test_error_mean_field": {v: list(mean_field[v]) for v in names}, "curves": curves,
            "seconds_per_epoch": spe, "paper": PAPER_TEST_ERRORS}
    return Comparison(key="deep_networks", title=TITLE, rows=tuple(rows), data=data,
                      command=f"python -m validate report --{mode} (section: {SECTION})",
                      wall_time=time.perf_counter() - t0, notes=notes, figure=fig)
