"""Finite-size scaling of GD's algorithmic capacity alpha_GD(N) [baldassi2018, Fig. 1 right] (issue 22).

The full-mode capacity comparison (:mod:`validate.perceptron.capacity`) found
alpha_GD = 0.651 +- 0.001 at N = 1001 and 0.635 +- 0.003 at N = 10001: the threshold moves
down with N. Here the success probability of GD (eta = 0.1, the paper's preset; epoch cap)
is measured against alpha at several N on bit-packed instances (the same patterns as the
dense ones, 1 bit per entry: N = 100001 fits in memory), alpha_GD(N) is the P = 1/2 point of
the logistic fit of :func:`validate.perceptron.capacity.fit_alpha_gd`, and the extrapolation
to N -> infinity uses the form

    alpha_GD(N) = alpha_inf + b N^(-1/2),

fitted by weighted least squares (weights 1/s.e.^2; the s.e. of alpha_inf from the
covariance of the fit, inflated by sqrt(chi^2/dof) when that exceeds 1). The exponent 1/2 is
an assumption (the width of a sharp threshold of a random constraint problem usually scales
as N^(-1/2)); the fitted alpha_inf is compared with the message-passing range [0.6, 0.74]
and must lie below the Krauth-Mezard capacity alpha_c = 0.833.

Measured (docs/perceptron_algorithms.md, "Finite-size scaling"): alpha_GD(N) = 0.6513 +- 0.0012, 0.6380 +-
0.0012, 0.6331 +- 0.0025, 0.6216 +- 0.0034, 0.630 +- 0.006 (bracketed) at N = 1001, 3001, 10001, 30001, 100001
(200, 100, 40, 12, 4 instances per load); alpha_inf = 0.621 +- 0.003 (chi^2 4.4 for 3 dof).

Hopeless runs: at sizes with ``patience`` set the runs stop when their best training error
has not improved for that many epochs (``patience`` of :func:`simulate.perceptron.gradient_ascent`);
at the other sizes every run goes to the cap and the point also reports whether the rule
with ``CHECK_PATIENCE`` epochs would have stopped it before its solution (exact: a run with
the rule is a prefix of the run without it), so the table shows the success probability the
rule would lose, with its standard error.
"""
from __future__ import annotations

import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison, mean_se
from validate.perceptron.capacity import MP_RANGE, PUBLISHED_ALPHA_GD, fit_alpha_gd
from validate.store import ResultStore
from validate.sweep import grid, run_sweep

__all__ = ["gd_size_point", "patience_stop_epoch", "extrapolate_alpha_gd", "compare_gd_finite_size"]

#: the patience checked post hoc at the sizes that run without the rule
CHECK_PATIENCE = 200

SETTINGS = {
    "quick": {"sizes": {101: 16, 301: 16, 1001: 8}, "alphas": [0.55, 0.6, 0.65, 0.7, 0.75, 0.8],
              "max_epochs": 1000, "patience": {101: None, 301: None, 1001: 200}},
    "full": {"sizes": {1001: 200, 3001: 100, 10001: 40, 30001: 12, 100001: 4},
             "alphas": [0.56, 0.58, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7], "max_epochs": 2000,
             "patience": {1001: None, 3001: None, 10001: None, 30001: 200, 100001: 200}},
}
ALPHA_C_KM = 0.833  # Krauth-Mezard capacity of the binary perceptron, main text of [baldassi2018]


def patience_stop_epoch(train_error, patience: int) -> int | None:
    """First epoch at which the ``patience`` rule stops a run with this training-error trajectory
    (None if it reaches zero error or its end first).

    Examples
    --------
    >>> patience_stop_epoch([0.5, 0.4, 0.4, 0.4, 0.4], 3), patience_stop_epoch([0.5, 0.4, 0.4, 0.0], 3)
    (4, None)
    """
    best, t_best = math.inf, 0
    for t, e in enumerate(train_error):
        if e < best:
            best, t_best = e, t
        if e == 0:
            return None
        if t - t_best >= patience:
            return t
    return None


def gd_size_point(N: int, alpha: float, max_epochs: int, patience: int | None, seed: int) -> dict:
    """One GD run (paper preset eta = 0.1) on a fresh bit-packed random-label instance.

    Returns solved, epochs, final training error, whether the patience rule stopped the run,
    and (without the rule) whether the rule with ``CHECK_PATIENCE`` would have stopped it first.

    Examples
    --------
    >>> r = gd_size_point(101, 0.5, 200, None, seed=0)
    >>> r["solved"], r["stopped_early"], r["solved_with_check_patience"]
    (True, False, True)
    """
    from simulate.perceptron import generate_instance, solve_perceptron

    inst = generate_instance(N, alpha, seed=seed, packed=True)
    run = solve_perceptron(inst, "gd", seed=seed + 7919, max_epochs=max_epochs, patience=patience)
    stopped = bool(run.details.stopped_early)
    if patience is None:
        would_stop = patience_stop_epoch(run.history["train_error"], CHECK_PATIENCE)
        solved_k = bool(run.solved) and would_stop is None
    else:
        solved_k = bool(run.solved)
    return {"solved": bool(run.solved), "epochs": int(run.n_iter), "train_error": float(run.train_error),
            "stopped_early": stopped, "solved_with_check_patience": solved_k}


def extrapolate_alpha_gd(sizes, alpha_gd, se) -> dict:
    """Weighted least-squares fit ``alpha_GD(N) = alpha_inf + b N^(-1/2)``.

    Returns ``alpha_inf``, ``alpha_inf_se``, ``b``, ``b_se``, ``chi2``, ``dof`` (the s.e. inflated
    by ``sqrt(chi2/dof)`` when that exceeds 1; NaN with fewer than 2 sizes).

    Examples
    --------
    Exact data on the fitted form are recovered:

    >>> N = np.array([1001, 10001, 100001])
    >>> f = extrapolate_alpha_gd(N, 0.62 + 1.0 / np.sqrt(N), [0.01, 0.01, 0.01])
    >>> round(f["alpha_inf"], 10), round(f["b"], 10), f["dof"]
    (0.62, 1.0, 1)
    """
    x = 1.0 / np.sqrt(np.asarray(sizes, dtype=float))
    y = np.asarray(alpha_gd, dtype=float)
    s = np.maximum(np.asarray(se, dtype=float), 1e-4)
    ok = np.isfinite(y) & np.isfinite(s)
    x, y, s = x[ok], y[ok], s[ok]
    nan = {"alpha_inf": math.nan, "alpha_inf_se": math.nan, "b": math.nan, "b_se": math.nan, "chi2": math.nan,
           "dof": max(0, int(x.size) - 2)}
    if x.size < 2:
        return nan
    A = np.stack([np.ones_like(x), x], axis=1) / s[:, None]
    coef, *_ = np.linalg.lstsq(A, y / s, rcond=None)
    cov = np.linalg.inv(A.T @ A)
    chi2 = float(np.sum(((y - (coef[0] + coef[1] * x)) / s) ** 2))
    dof = int(x.size) - 2
    scale = math.sqrt(chi2 / dof) if dof > 0 and chi2 > dof else 1.0
    return {"alpha_inf": float(coef[0]), "alpha_inf_se": float(math.sqrt(cov[0, 0]) * scale), "b": float(coef[1]),
            "b_se": float(math.sqrt(cov[1, 1]) * scale), "chi2": chi2, "dof": dof}


@comparison("perceptron.gd_finite_size",
            "Finite-size scaling of GD's capacity alpha_GD(N) [baldassi2018, Fig. 1 right]", "Stochastic perceptron",
            order=12)
def compare_gd_finite_size(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Success probability of GD versus alpha at several N, alpha_GD(N) and its extrapolation to N -> infinity."""
    t0 = time.time()
    cfg = SETTINGS[mode]
    rows, data = [], {"sizes": {}}
    for N, n_seeds in cfg["sizes"].items():
        pat = cfg["patience"].get(N)
        table = run_sweep(gd_size_point, grid(N=N, alpha=cfg["alphas"], max_epochs=cfg["max_epochs"], patience=pat),
                          task="perceptron.gd_finite_size", seeds=range(seed, seed + n_seeds), store=store)
        al = np.asarray(table.column("alpha"), dtype=float)
        sv = np.asarray(table.column("solved"), dtype=float)
        sk = np.asarray(table.column("solved_with_check_patience"), dtype=float)
        ep = np.asarray(table.column("epochs"), dtype=float)
        solved = [sv[al == a] for a in cfg["alphas"]]
        P = [mean_se(s) for s in solved]
        a_gd, a_se = fit_alpha_gd(cfg["alphas"], solved, seed=seed)
        data["sizes"][N] = {"alpha": cfg["alphas"], "P": [p[0] for p in P], "P_se": [p[1] for p in P],
                            "n": [p[2] for p in P], "alpha_gd": a_gd, "alpha_gd_se": a_se, "patience": pat,
                            "mean_epochs": float(ep.mean())}
        rows.append(Row(quantity=f"alpha_GD (P=1/2), N={N}", sim_mean=a_gd, sim_se=a_se, n=int(sv.size),
                        note=f"{n_seeds} instances per load, cap {cfg['max_epochs']} epochs"
                             + (f", patience {pat}" if pat else "")))
        if pat is None:  # post-hoc: the success probability the rule would lose at this size
            lost = sv - sk
            p_lost, _, n = mean_se(lost)
            p_se = max(mean_se(s)[1] for s in solved)
            rows.append(Row(quantity=f"P lost by patience {CHECK_PATIENCE}, N={N} (all loads)", sim_mean=p_lost,
                            sim_se=p_se, n=n, theory=0.0, n_se=1.0,
                            note="same runs: the rule stops a run that is a prefix of the run without it; "
                                 "tolerance one s.e. of the largest-variance P(alpha)"))
    Ns = list(cfg["sizes"])
    ext = extrapolate_alpha_gd(Ns, [data["sizes"][N]["alpha_gd"] for N in Ns],
                               [data["sizes"][N]["alpha_gd_se"] for N in Ns])
    data["extrapolation"] = ext
    rows.append(Row(quantity="alpha_GD(N -> inf) [fit a + b N^-1/2] inside the message-passing range",
                    sim_mean=ext["alpha_inf"], sim_se=ext["alpha_inf_se"], published=sum(MP_RANGE) / 2,
                    abs_tol=(MP_RANGE[1] - MP_RANGE[0]) / 2, n_se=0,
                    source="[baldassi2018], main text (message passing 0.6-0.74)",
                    note=f"b = {ext['b']:.3g} +- {ext['b_se']:.2g}, chi2 = {ext['chi2']:.3g} for {ext['dof']} dof; "
                         f"paper's alpha_GD ~ {PUBLISHED_ALPHA_GD}, alpha_c(KM) = {ALPHA_C_KM}"))
    rows.append(Row(quantity="alpha_GD(N -> inf) below alpha_c(KM)", sim_mean=float(ext["alpha_inf"] < ALPHA_C_KM),
                    published=1.0, source="Krauth-Mezard alpha_c = 0.833, main text of [baldassi2018]", n_se=0))
    fig = _figure(data)
    return Comparison(key="perceptron.gd_finite_size",
                      title="Finite-size scaling of alpha_GD [baldassi2018, Fig. 1 right]",
                      rows=tuple(rows), data=data, command=f"python -m validate perceptron finite-size --{mode}",
                      wall_time=time.time() - t0, figure=fig,
                      notes=f"GD of [baldassi2018, Eq. 7] on bit-packed instances, eta = 0.1, cap {cfg['max_epochs']} "
                            f"epochs; sizes/instances per load {cfg['sizes']}; patience per size {cfg['patience']}; "
                            "extrapolation form alpha_inf + b N^(-1/2) (assumed exponent).")


def _figure(data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5))
    (ax, ax2) = fig.subplots(1, 2)
    for N, d in data["sizes"].items():
        ax.errorbar(d["alpha"], d["P"], yerr=d["P_se"], marker="o", capsize=2, label=f"N={N}")
    ax.axvspan(*MP_RANGE, color="0.9", label="message passing")
    ax.set_xlabel("alpha")
    ax.set_ylabel("GD success probability")
    ax.legend(fontsize=7)
    Ns = np.array(list(data["sizes"]), dtype=float)
    a = np.array([d["alpha_gd"] for d in data["sizes"].values()])
    s = np.array([d["alpha_gd_se"] for d in data["sizes"].values()])
    ax2.errorbar(Ns ** -0.5, a, yerr=s, fmt="o", capsize=2, label="alpha_GD(N)")
    ext = data["extrapolation"]
    if math.isfinite(ext["alpha_inf"]):
        xx = np.linspace(0, Ns.min() ** -0.5 * 1.05, 50)
        ax2.plot(xx, ext["alpha_inf"] + ext["b"] * xx, "k--", lw=1,
                 label=f"alpha_inf = {ext['alpha_inf']:.3f} +- {ext['alpha_inf_se']:.3f}")
    ax2.set_xlabel("N^(-1/2)")
    ax2.set_ylabel("alpha_GD")
    ax2.legend(fontsize=7)
    fig.tight_layout()
    return fig
