"""Hopfield retrieval dynamics (simulate.boltzmann.hopfield_mc) against the AGS RS theory (theory.rbm.hopfield).

* ``hopfield_T0`` - zero-temperature asynchronous dynamics started at a stored pattern:
  final overlap versus alpha against the RS retrieval ``m(alpha)``; the drop near
  ``alpha_c = 0.138`` (finite-size rounding) is shown, not graded.
* ``hopfield_T`` - Glauber dynamics at ``T = 0.2``: time-averaged overlap in the retrieval
  state against the RS ``m(alpha, T)``.
"""
from __future__ import annotations

import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison, mean_se
from validate.store import ResultStore
from validate.sweep import grid, run_sweep

SECTION = "Hopfield model (Amit-Gutfreund-Sompolinsky)"
SIZES = {
    "quick": dict(N=800, seeds=4, alphas=[0.03, 0.06, 0.09, 0.11, 0.13, 0.15, 0.18], T=0.2,
                  alphas_T=[0.02, 0.05, 0.08], burn=30, measure=60),
    "full": dict(N=4000, seeds=10, alphas=[0.02, 0.04, 0.06, 0.08, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.2],
                 T=0.2, alphas_T=[0.02, 0.04, 0.06, 0.08, 0.1], burn=100, measure=200),
}
#: below this load the RS m is graded; above it finite-size rounding is expected (no verdict)
GRADED_BELOW = 0.115


def hopfield_point(N: int, alpha: float, T: float, burn: int = 50, measure: int = 100, seed: int = 0) -> dict:
    """One realisation: patterns, start at pattern 0, dynamics; the overlap (top-level for run_sweep)."""
    from simulate.boltzmann import hopfield_retrieve

    r = hopfield_retrieve(N, alpha, T, seed=seed, burn=burn, measure=measure, max_sweeps=500)
    return r.to_dict()


def _figure(x_th, y_th, xs, means, ses, xlabel, title, extra=None):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3.6))
    ax = fig.subplots()
    ax.plot(x_th, y_th, "-", label="RS theory")
    ax.errorbar(xs, means, yerr=ses, fmt="o", ms=4, capsize=2, label="Monte Carlo")
    if extra:
        extra(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("overlap m")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


@comparison("hopfield_T0", "Hopfield T=0 retrieval: overlap vs alpha (AGS)", SECTION)
def compare_hopfield_T0(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Zero-temperature asynchronous retrieval from a stored pattern against the RS theory of [amit1985]: the final
    overlap ``m(alpha)`` of :func:`simulate.boltzmann.hopfield_retrieve` against
    ``theory.rbm.hopfield.solve_hopfield_T0``, and the computed ``alpha_c`` against the published 0.138; loads above
    ``GRADED_BELOW`` (finite-size rounding of the RS jump) are shown, not graded.
    """
    from theory.rbm import hopfield as th

    t0 = time.time()
    S = SIZES[mode]
    pts = grid(N=S["N"], alpha=S["alphas"], T=0.0)
    tab = run_sweep(hopfield_point, pts, task="hopfield_T0", seeds=range(seed, seed + S["seeds"]), store=store,
                    workers=1 if mode == "quick" else None)
    recs = tab.to_records()
    cap = th.hopfield_capacity()
    rows = [Row(quantity="alpha_c (T=0), RS theory vs published", sim_mean=cap.alpha_c, published=0.138,
                source="Amit, Gutfreund, Sompolinsky PRL 55, 1530 (1985)", abs_tol=1e-3,
                note="computed value in the sim column; no simulation")]
    xs, means, ses = [], [], []
    for a in S["alphas"]:
        m, se, n = mean_se([r["m_final"] for r in recs if r["alpha"] == a])
        xs.append(a)
        means.append(m)
        ses.append(se)
        s = th.solve_hopfield_T0(a)
        if a < GRADED_BELOW:
            rows.append(Row(quantity=f"m(alpha={a:g}), N={S['N']}", theory=s.m, sim_mean=m, sim_se=se, n=n, n_se=4,
                            abs_tol=0.005, note="fixed point of the dynamics vs RS equilibrium; 0.005 allowance"))
        else:
            rows.append(Row(quantity=f"m(alpha={a:g}), N={S['N']}", theory=s.m if s.converged else math.nan, sim_mean=m,
                            sim_se=se, n=n, verdict="measured",
                            note="near/above alpha_c: finite-size rounding of the RS jump (shown, not graded)"))
    al = np.linspace(0.005, cap.alpha_c, 200)
    mt = [th.solve_hopfield_T0(a).m for a in al]

    def extra(ax):
        ax.axvline(cap.alpha_c, color="gray", ls=":", label=f"alpha_c = {cap.alpha_c:.4f}")
    fig = _figure(al, mt, xs, means, ses, "alpha = M/N", f"T = 0 asynchronous dynamics, N = {S['N']}", extra)
    data = {"theory": {"alpha": al.tolist(), "m": mt}, "sim": {"alpha": xs, "m": means, "se": ses}}
    return Comparison(key="hopfield_T0", title="Hopfield T=0 retrieval: overlap vs alpha (AGS)", rows=tuple(rows),
                      data=data, command=f"python -m validate hopfield --{mode}", wall_time=time.time() - t0,
                      notes="Zero-temperature asynchronous dynamics from a stored pattern; RS m(alpha) from "
                            "m = erf(m/sqrt(2 alpha r)). The sharp RS drop at alpha_c is rounded at finite N.",
                      figure=fig)


@comparison("hopfield_T", "Hopfield finite T: Glauber retrieval overlap vs alpha (AGS)", SECTION)
def compare_hopfield_T(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Glauber (heat-bath) dynamics at ``T = SIZES[mode]["T"]``: the time-averaged overlap in the retrieval state versus
    alpha against the RS ``m(alpha, T)`` of [amit1985] (``theory.rbm.hopfield.solve_hopfield``); the notes give the
    retrieval line ``T_M(0.05)``.
    """
    from theory.rbm import hopfield as th

    t0 = time.time()
    S = SIZES[mode]
    T = S["T"]
    pts = grid(N=S["N"], alpha=S["alphas_T"], T=T, burn=S["burn"], measure=S["measure"])
    tab = run_sweep(hopfield_point, pts, task="hopfield_T", seeds=range(seed, seed + S["seeds"]), store=store,
                    workers=1 if mode == "quick" else None)
    recs = tab.to_records()
    rows, xs, means, ses = [], [], [], []
    for a in S["alphas_T"]:
        m, se, n = mean_se([r["m_mean"] for r in recs if r["alpha"] == a])
        xs.append(a)
        means.append(m)
        ses.append(se)
        s = th.solve_hopfield(a, T)
        rows.append(Row(quantity=f"<m>(alpha={a:g}, T={T:g}), N={S['N']}", theory=s.m, sim_mean=m, sim_se=se, n=n,
                        n_se=4, abs_tol=0.005, note="time average in the retrieval state; 0.005 finite-N allowance"))
    tm = th.hopfield_retrieval_temperature(0.05, tol=1e-4)
    al = np.linspace(0.002, max(S["alphas_T"]) * 1.3, 60)
    mt = [th.solve_hopfield(a, T).m for a in al]
    fig = _figure(al, mt, xs, means, ses, "alpha = M/N", f"Glauber dynamics, T = {T}, N = {S['N']}")
    data = {"theory": {"alpha": al.tolist(), "m": mt}, "sim": {"alpha": xs, "m": means, "se": ses},
            "T_M(0.05)": tm.T}
    return Comparison(key="hopfield_T", title="Hopfield finite T: Glauber retrieval overlap vs alpha (AGS)",
                      rows=tuple(rows), data=data,
                      command=f"python -m validate hopfield --{mode}", wall_time=time.time() - t0,
                      notes=f"Retrieval line T_M(0.05) = {tm.T:.4f} "
                      "(theory.rbm.hopfield.hopfield_retrieval_temperature).",
                      figure=fig)
