"""Stochastic binary perceptron: GD algorithmic capacity and the energy of the binarized configuration.

Source: [baldassi2018, Fig. 1 right] (success probability of
GD versus alpha; alpha_GD ~ 0.63, Krauth-Mezard alpha_c ~ 0.83, message
passing 0.6-0.74) and [baldassi2018, Fig. 2 left] (training error of sign(m) versus q*
at alpha = 0.55: RS theory at beta = 20, GD, fixed-norm GD).

Simulation points are top-level functions of (params, seed) returning dicts,
run through :func:`validate.sweep.run_sweep` (resumable with a store).
"""
from __future__ import annotations

import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison, mean_se
from validate.store import ResultStore
from validate.sweep import grid, run_sweep

__all__ = ["gd_point", "fixed_norm_point", "fit_alpha_gd", "flipped_runs", "success_stats", "compare_gd_capacity",
           "compare_bc_energy", "bc_theory"]

PUBLISHED_ALPHA_GD = 0.63  # text after [baldassi2018, Eq. 7] ("approximately"), [baldassi2018, Fig. 1 right]
PUBLISHED_ALPHA_C = 0.83  # Krauth-Mezard, main text of [baldassi2018]
MP_RANGE = (0.6, 0.74)  # message-passing algorithms, main text of [baldassi2018]

CAPACITY_SETTINGS = {
    "quick": {"sizes": {1001: 10}, "alphas": [0.55, 0.6, 0.65, 0.7, 0.75], "max_epochs": 1000},
    "full": {"sizes": {1001: 200, 10001: 20},
             "alphas": [0.5, 0.55, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.75], "max_epochs": 2000},
}
BC_SETTINGS = {
    "quick": {"N": 301, "seeds": 6, "count": 8, "max_steps": 100, "tol": 1e-3, "gd_seeds": 4},
    "full": {"N": 10001, "seeds": 20, "count": 24, "max_steps": 500, "tol": 1e-4, "gd_seeds": 20},
}
BC_ALPHA, BC_BETA = 0.55, 20.0


# --------------------------------------------------------------------------- simulation points


def gd_point(N: int, alpha: float, max_epochs: int, seed: int) -> dict:
    """One GD run [baldassi2018, Eq. 7] (paper preset eta = 0.1) on a fresh random-label instance.

    Returns solved, epochs, final training error and q*, and the q*/error trajectory.
    """
    from simulate.perceptron import generate_instance, solve_perceptron

    inst = generate_instance(N, alpha, seed=seed)
    run = solve_perceptron(inst, "gd", seed=seed + 7919, max_epochs=max_epochs)
    tr = run.history
    return {"solved": bool(run.solved), "epochs": int(run.n_iter), "train_error": float(run.train_error),
            "qstar": float(run.details.qstar), "traj_qstar": tr["qstar"].tolist(),
            "traj_error": tr["train_error"].tolist()}


def fixed_norm_point(N: int, alpha: float, schedule: list, tol: float, max_steps: int, seed: int) -> dict:
    """One fixed-norm GD run along ``schedule`` ([baldassi2018, Fig. 2 left], "GD variant"; paper preset eta = 0.1)."""
    from simulate.perceptron import generate_instance, solve_perceptron

    inst = generate_instance(N, alpha, seed=seed)
    run = solve_perceptron(inst, "gd-fixed-norm", seed=seed + 7919, schedule=schedule, tol=tol, max_steps=max_steps)
    s = run.history
    return {"qstar": s["qstar"].tolist(), "train_error": s["train_error"].tolist(),
            "equilibrated": [bool(x) for x in s["equilibrated"]], "steps": s["steps"].tolist()}


def _gd_eta() -> float:
    """GD learning rate of the paper's preset (for the notes)."""
    from simulate.perceptron import PERCEPTRON_PRESETS

    return PERCEPTRON_PRESETS["gd"]["eta"].value


# --------------------------------------------------------------------------- analysis


def _logistic_nll(theta, a, k, n):
    from scipy.special import expit

    a0, w = theta[0], math.exp(min(theta[1], 50.0))
    p = expit(-(a - a0) / w)
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -float(np.sum(k * np.log(p) + (n - k) * np.log(1 - p)))


def fit_alpha_gd(alphas, solved: list, *, n_boot: int = 200, seed: int = 0,
                 level: float = 0.5) -> tuple[float, float]:
    """alpha where the success probability is ``level`` (default 1/2): maximum-likelihood
    logistic fit ``P(alpha) = 1/(1 + exp((alpha - alpha_GD)/w))`` to per-instance
    outcomes, then ``alpha_GD - w logit(level)``; s.e. from a bootstrap over
    instances at each alpha.

    ``solved[j]`` is the array of 0/1 outcomes at ``alphas[j]``.

    When the outcomes are completely separated (every instance solved up to
    ``alphas[j]``, none from ``alphas[j+1]`` on) the maximum-likelihood width
    is zero and every bootstrap sample repeats the same data, so neither the
    fit nor its bootstrap s.e. means anything: the threshold is then only
    bracketed, and the bracket's midpoint is returned with the s.e. of a
    uniform distribution over it, ``(alphas[j+1] - alphas[j]) / sqrt(12)``.
    """
    from scipy.optimize import minimize

    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1) (got {level!r})")
    shift = math.log(level / (1.0 - level))

    a = np.asarray(alphas, dtype=float)
    frac = np.array([np.mean(s) for s in solved], dtype=float)
    order = np.argsort(a)
    f_sorted = frac[order]
    if np.all((f_sorted == 0.0) | (f_sorted == 1.0)) and np.all(np.diff(f_sorted) <= 0) \
            and f_sorted[0] == 1.0 and f_sorted[-1] == 0.0:
        j = int(np.argmax(f_sorted == 0.0))
        lo, hi = float(a[order][j - 1]), float(a[order][j])
        return 0.5 * (lo + hi), (hi - lo) / math.sqrt(12.0)

    def fit(k, n):
        frac = k / n
        a0 = float(np.interp(-0.5, -frac, a)) if frac.max() > 0.5 > frac.min() else float(a.mean())
        res = minimize(_logistic_nll, x0=[a0, math.log(0.02)], args=(a, k, n), method="Nelder-Mead",
                       options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000})
        return float(res.x[0]) - math.exp(min(res.x[1], 50.0)) * shift

    n = np.array([len(s) for s in solved], dtype=float)
    k = np.array([np.sum(s) for s in solved], dtype=float)
    est = fit(k, n)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        kb = np.array([np.sum(rng.choice(np.asarray(s), size=len(s))) for s in solved], dtype=float)
        if kb.max() == kb.min():
            continue
        boots.append(fit(kb, n))
    se = float(np.std(boots, ddof=1)) if len(boots) > 10 else math.nan
    return est, se


def success_stats(table, alphas) -> tuple[list, list, list]:
    """Per load of a success-probability sweep (rows with ``alpha``, ``solved``, ``train_error``):
    the 0/1 outcomes, ``mean_se`` of the success indicator and of the final training error."""
    al = table.column("alpha")
    sv = table.column("solved").astype(float)
    te = table.column("train_error").astype(float)
    solved = [sv[al == a] for a in alphas]
    return solved, [mean_se(s) for s in solved], [mean_se(te[al == a]) for a in alphas]


def bc_theory(qstars, alpha: float = BC_ALPHA, beta: float = BC_BETA):
    """RS energy of the BC [baldassi2018, SM Eq. 25] along ``qstars`` (:func:`theory.perceptron.bc_energy_curve`).

    Returns ``(q*, E)`` arrays of the converged points and a note naming the
    points that did not converge, or ``None`` and the reason when none did.
    """
    from theory.perceptron import bc_energy_curve

    curve = bc_energy_curve(alpha, beta, [float(q) for q in qstars])
    ok = np.array([p.converged for p in curve.points], dtype=bool)
    q, E = curve.column("qstar"), curve.column("E")
    keep = ok & np.isfinite(E)
    if not keep.any():
        return None, "theory.bc_energy_curve converged at no point"
    return (q[keep], E[keep]), ("" if keep.all() else f"theory not converged at q* = {q[~keep].tolist()}")


# --------------------------------------------------------------------------- comparisons


@comparison("perceptron.capacity", "GD algorithmic capacity of the binary perceptron [baldassi2018, Fig. 1 right]",
            "Stochastic perceptron", order=10)
def compare_gd_capacity(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Success probability of GD (eta = 0.1, epoch cap) versus alpha; alpha_GD from a logistic fit."""
    t0 = time.time()
    cfg = CAPACITY_SETTINGS[mode]
    rows, data, flip_notes = [], {"sizes": {}}, []
    for N, n_seeds in cfg["sizes"].items():
        table = run_sweep(gd_point, grid(N=N, alpha=cfg["alphas"], max_epochs=cfg["max_epochs"]),
                          task="perceptron.capacity.gd", seeds=range(seed, seed + n_seeds), store=store)
        solved, P, E = success_stats(table, cfg["alphas"])
        a_gd, a_se = fit_alpha_gd(cfg["alphas"], solved, seed=seed)
        flipped = flipped_runs(table.column("alpha"), table.column("train_error"))
        data["sizes"][N] = {"alpha": cfg["alphas"], "P": [p[0] for p in P], "P_se": [p[1] for p in P],
                            "n": [p[2] for p in P], "E": [e[0] for e in E], "alpha_gd": a_gd, "alpha_gd_se": a_se,
                            "flipped": flipped}
        if flipped:
            flip_notes.append(f"N={N}: {sum(flipped.values())} run(s) ended with training error > 1/2 at alpha "
                              f"{sorted(flipped)} (GD's sign-flip cycle at q* = 1, docs/perceptron_algorithms.md; "
                              f"kept in the mean final training error)")
        rows.append(Row(quantity=f"alpha_GD (P=1/2), N={N}", sim_mean=a_gd, sim_se=a_se,
                        n=int(sum(len(s) for s in solved)),
                        published=PUBLISHED_ALPHA_GD,
                        source="[baldassi2018], main text and [baldassi2018, Fig. 1 right]", n_se=3,
                        abs_tol=0.03,
                        note="abs. tol. 0.03: finite N, epoch cap and learning rate shift the threshold; the paper "
                             "gives 'approximately 0.63'"))
        lo = cfg["alphas"][0]
        rows.append(Row(quantity=f"P(success) at alpha={lo}, N={N}", sim_mean=P[0][0], sim_se=P[0][1], n=P[0][2],
                        published=1.0, source="[baldassi2018, Fig. 1 right] (P = 1 well below alpha_GD)", abs_tol=0.05))
    from theory.perceptron import binary_capacity

    km = binary_capacity()
    alpha_c = float(km.alpha_c) if km.converged else math.nan
    data["alpha_c_theory"] = alpha_c
    a_main = data["sizes"][max(cfg["sizes"])]
    rows.append(Row(quantity="alpha_GD inside the message-passing range [0.6, 0.74]", sim_mean=a_main["alpha_gd"],
                    sim_se=a_main["alpha_gd_se"], published=sum(MP_RANGE) / 2, abs_tol=(MP_RANGE[1] - MP_RANGE[0]) / 2,
                    source="[baldassi2018], main text (refs. 12, 22, 29)", n_se=0,
                    note=f"and below alpha_c(KM) = {alpha_c:.4f} (theory.perceptron.references)"))
    fig = _capacity_figure(data, alpha_c)
    return Comparison(key="perceptron.capacity", title="GD algorithmic capacity [baldassi2018, Fig. 1 right]",
                      rows=tuple(rows), data=data, command=f"python -m validate perceptron capacity --{mode}",
                      wall_time=time.time() - t0, figure=fig,
                      notes=f"GD of [baldassi2018, Eq. 7], eta = {_gd_eta():g}, m0 ~ N(0,1/N), "
                            f"cap {cfg['max_epochs']} epochs; "
                            f"sizes/instances {cfg['sizes']} (paper: N=1001 x 1000, N=10001 x 100)."
                            + "".join(f" {n}." for n in flip_notes))


def flipped_runs(alpha, train_error) -> dict[float, int]:
    """Runs per load whose final BC errs on more than half of the patterns.

    Random labels make any BC err on about half of them; a final error near 1
    means GD ended on the flipped phase of its period-2 sign-flip cycle
    (``m -> -m`` once every ``|m_i| = 1``, docs/perceptron_algorithms.md)."""
    alpha = np.asarray(alpha, dtype=float)
    bad = np.asarray(train_error, dtype=float) > 0.5
    return {float(a): int(np.sum(bad & (alpha == a))) for a in np.unique(alpha[bad])}


def _capacity_figure(data, alpha_c):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5))
    (ax, ax2) = fig.subplots(1, 2)
    for N, d in data["sizes"].items():
        ax.errorbar(d["alpha"], d["P"], yerr=d["P_se"], marker="o", capsize=2, label=f"GD, N={N}")
        ax2.plot(d["alpha"], d["E"], "o-", label=f"N={N}")
    ax.axvline(PUBLISHED_ALPHA_GD, color="k", ls="--", lw=1, label="paper alpha_GD ~ 0.63")
    ax.axvspan(*MP_RANGE, color="0.9", label="message passing")
    if math.isfinite(alpha_c):
        ax.axvline(alpha_c, color="r", lw=1, label=f"alpha_c KM = {alpha_c:.3f}")
    ax.set_xlabel("alpha")
    ax.set_ylabel("success probability")
    ax.legend(fontsize=7)
    ax2.set_xlabel("alpha")
    ax2.set_ylabel("final training error")
    fig.tight_layout()
    return fig


@comparison("perceptron.bc_energy", "Energy of the binarized configuration vs q* [baldassi2018, Fig. 2 left]",
            "Stochastic perceptron", order=11)
def compare_bc_energy(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Fixed-norm GD at alpha = 0.55 against the RS energy of the BC at beta = 20 [baldassi2018, SM Eq. 25]."""
    t0 = time.time()
    cfg = BC_SETTINGS[mode]
    from simulate.perceptron import default_qstar_schedule

    sched = [round(float(q), 6) for q in default_qstar_schedule(0.3, 0.99, cfg["count"])]
    table = run_sweep(fixed_norm_point,
                      [dict(N=cfg["N"], alpha=BC_ALPHA, schedule=sched, tol=cfg["tol"],
                            max_steps=cfg["max_steps"])],
                      task="perceptron.bc_energy.fixed_norm", seeds=range(seed, seed + cfg["seeds"]), store=store)
    E = np.array([r["train_error"] for r in table.rows], dtype=float)  # (seeds, stages)
    eq = np.array([r["equilibrated"] for r in table.rows], dtype=bool)
    stats = [mean_se(E[:, j]) for j in range(len(sched))]
    gd_table = run_sweep(gd_point, [dict(N=cfg["N"], alpha=BC_ALPHA, max_epochs=1000)],
                         task="perceptron.capacity.gd", seeds=range(seed, seed + cfg["gd_seeds"]), store=store)
    theory, why = bc_theory(sched)  # why: reason for a missing curve or for missing points
    rows = []
    if theory is not None:
        tq, tE = theory
        for j, q in enumerate(sched):
            hit = np.flatnonzero(np.abs(tq - q) < 1e-9)
            if hit.size:
                m, se, n = stats[j]
                rows.append(Row(quantity=f"E(q*={q:.3f})", theory=float(tE[hit[0]]), sim_mean=m, sim_se=se, n=n,
                                n_se=3, abs_tol=0.01,
                                note="abs. tol. 0.01: finite N; zero-temperature GD vs the beta=20 thermal average"))
    low = E[:, np.array(sched) <= 0.5].mean(axis=1)
    high = E[:, np.array(sched) >= 0.97].mean(axis=1)
    m, se, n = mean_se(high)
    rows.append(Row(quantity="E(q* >= 0.97), fixed-norm GD", sim_mean=m, sim_se=se, n=n, published=0.0,
                    source="[baldassi2018, Fig. 2 left] (BC becomes a solution as q* -> 1)", n_se=3, abs_tol=0.005))
    d, dse, dn = mean_se(low - high)
    rows.append(Row(quantity="E(q* <= 0.5) - E(q* >= 0.97) > 0 (decreasing)", sim_mean=d, sim_se=dse, n=dn,
                    source="[baldassi2018, Fig. 2 left] (shape)", tolerance="drop > 3 s.e.",
                    verdict="agrees" if math.isfinite(dse) and d > 3 * dse else "disagrees",
                    note="qualitative shape of [baldassi2018, Fig. 2 left]: verdict 'agrees' iff the drop exceeds "
                         "3 s.e."))
    data = {"qstar": sched, "E_mean": [s[0] for s in stats], "E_se": [s[1] for s in stats],
            "equilibrated_fraction": eq.mean(axis=0).tolist(),
            "gd_qstar": [r["traj_qstar"] for r in gd_table.rows], "gd_error": [r["traj_error"] for r in gd_table.rows],
            "theory_qstar": theory[0].tolist() if theory else [], "theory_E": theory[1].tolist() if theory else []}
    notes = (f"alpha = {BC_ALPHA}, N = {cfg['N']}, {cfg['seeds']} instances (paper: N = 10001, 20); schedule of "
             f"{len(sched)} q* values uniform in log(1-q*); eta = {_gd_eta():g}, tol {cfg['tol']}, "
             f"<= {cfg['max_steps']} steps "
             f"per stage. Fraction of stages equilibrated: {eq.mean():.2f}. ")
    notes += (f"Theory: theory.perceptron.binarized_energy (RS, beta = 20). {why}" if theory is not None else
              f"No theory curve ({why}): compared with the qualitative shape of the published figure only.")
    return Comparison(key="perceptron.bc_energy", title="Energy of the BC vs q* [baldassi2018, Fig. 2 left]",
                      rows=tuple(rows), data=data, command=f"python -m validate perceptron bc-energy --{mode}",
                      wall_time=time.time() - t0, figure=_bc_figure(data), notes=notes)


def _bc_figure(data):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.6))
    ax = fig.subplots()
    for k, (q, e) in enumerate(zip(data["gd_qstar"], data["gd_error"])):
        ax.plot(q, e, "-", color="0.7", lw=0.8, label="GD trajectories" if k == 0 else None)
    ax.errorbar(data["qstar"], data["E_mean"], yerr=data["E_se"], fmt="o", ms=3, capsize=2, label="fixed-norm GD")
    if data["theory_qstar"]:
        ax.plot(data["theory_qstar"], data["theory_E"], "r-", label=f"RS theory, beta={BC_BETA:g}")
    ax.set_xlabel("q*")
    ax.set_ylabel("E (training error of sign(m))")
    ax.set_xlim(0.25, 1.0)
    top = max([e + (s if np.isfinite(s) else 0) for e, s in zip(data["E_mean"], data["E_se"])] + data["theory_E"])
    ax.set_ylim(0, 1.6 * top if top > 0 else 0.2)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
