"""Random ReLU-RBMs: Gibbs sampling (simulate.boltzmann.relu_rbm) against the zero-T RS theory.

* ``rrbm_hopfield`` - the R-RBM at ``p = 1`` with one condensed hidden unit and
  ``g = -alpha B/2`` (the threshold-Hopfield network of [manzan2021, slide 28]): ``m``, ``q``,
  ``r`` at large ``beta`` against ``theory.rbm.relu_rbm.solve_threshold_hopfield``.
* ``rrbm_glass`` - sparse weights at small threshold (``theta~ = 0.5``, ``g~ = -0.2``), where the
  theory predicts the non-condensed (glass) state: annealed Gibbs sampling from random starts;
  ``q`` and ``<h^2>/p`` against the RS glass solution, ``E/(Np)`` reported (annealing gives an
  upper bound on the ground-state energy).
* ``rrbm_compositional`` - sparse weights, compositional regime (``alpha = 0.1``,
  ``theta~ = 2``, ``g~ = -0.2``, where ``theory.rbm.compositional.l_star`` gives ``l* = 0.505``):
  the sampler started in the condensed state with ``L = round(l*/p)`` hidden units, for
  decreasing ``p`` at fixed ``pN``: ``PR_3``, ``m~ = 2m/p`` and ``q`` against the finite-``p``
  theory (``theory.rbm.relu_rbm``) and its ``p -> 0`` limit.

Finite-size: the strong hidden units carry ``h = m sqrt(N) - theta`` (ReLU shift), so the
simulated ``m`` is compared as ``h/sqrt(N) + theta/sqrt(N)``; the remaining corrections are
``O(1/sqrt(pN))`` (stated in each row's note).
"""
from __future__ import annotations

import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison, mean_se
from validate.store import ResultStore
from validate.sweep import run_sweep

SECTION = "Random ReLU-RBMs (Tubiana-Monasson)"
SIZES = {
    "quick": dict(N=1000, alphas=[0.1], thetas=[0.0, 0.5, 1.0], seeds=6, beta=200.0,
                  ps=[0.2, 0.1], pN=400, cseeds=3, gps=[0.2, 0.1], gseeds=3, anneal=300),
    "full": dict(N=4000, alphas=[0.05, 0.1], thetas=[0.0, 0.5, 1.0], seeds=10, beta=500.0,
                 ps=[0.2, 0.1, 0.05, 0.025], pN=1000, cseeds=8, gps=[0.2, 0.1, 0.05], gseeds=8, anneal=1000),
}
COMP = dict(alpha=0.1, theta=2.0, g=-0.2)
GLASS = dict(alpha=0.1, theta=0.5, g=-0.2)


def rrbm_point(N: int, alpha: float, p: float, theta: float, g: float, beta: float, L_init: int,
               anneal: int = 30, measure: int = 30, seed: int = 0) -> dict:
    """One realisation of the sampler started in the condensed state (top-level for run_sweep)."""
    from simulate.boltzmann import sample_rrbm

    r = sample_rrbm(N, alpha, p, theta, g, seed=seed, beta=beta, anneal=anneal, measure=measure, L_init=L_init)
    d = r.to_dict()
    d["m_corr"] = r.m + theta / math.sqrt(N)  # undo the ReLU shift h = I - theta of the strong units
    return d


@comparison("rrbm_hopfield", "R-RBM, p=1, one condensed unit (threshold Hopfield): m, q, r", SECTION)
def compare_rrbm_hopfield(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """R-RBM with ``p = 1`` started from one condensed hidden unit (the threshold Hopfield model) [tubiana2017]: ``m``,
    ``q`` and ``r`` of :func:`simulate.boltzmann.sample_rrbm` against ``theory.rbm.relu_rbm.solve_threshold_hopfield``
    for every alpha and threshold theta of ``SIZES[mode]`` (thermal allowance ``2/beta`` on ``r``).
    """
    from theory.rbm import relu_rbm

    t0 = time.time()
    S = SIZES[mode]
    pts, theo = [], {}
    for a in S["alphas"]:
        for th in S["thetas"]:
            s = relu_rbm.solve_threshold_hopfield(a, th)
            theo[(a, th)] = s
            pts.append(dict(N=S["N"], alpha=a, p=1.0, theta=th, g=s.g, beta=S["beta"], L_init=1))
    tab = run_sweep(rrbm_point, pts, task="rrbm_hopfield", seeds=range(seed, seed + S["seeds"]), store=store,
                    workers=1 if mode == "quick" else None)
    recs = tab.to_records()
    rows, data = [], []
    for (a, th), s in theo.items():
        sel = [r for r in recs if r["alpha"] == a and r["theta"] == th]
        for name, key, ref, tol in (("m", "m_corr", s.m, 0.0), ("q", "q", s.q, 0.0),
                                    ("r", "r", s.r, 2.0 / S["beta"])):
            m, se, n = mean_se([r[key] for r in sel])
            rows.append(Row(quantity=f"{name}(alpha={a:g}, theta={th:g}), N={S['N']}", theory=ref, sim_mean=m,
                            sim_se=se, n=n, n_se=4, abs_tol=tol,
                            note="theory.rbm.relu_rbm.solve_threshold_hopfield; " +
                                 ("thermal allowance 2/beta" if name == "r" else "m = h/sqrt(N) + theta/sqrt(N)")))
            data.append({"alpha": a, "theta": th, "quantity": name, "theory": ref, "sim": m, "se": se})
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 3.4))
    axes = fig.subplots(1, 2)
    tt = np.linspace(0, 1.2, 40)
    for a in S["alphas"]:
        rt = [relu_rbm.solve_threshold_hopfield(a, float(t)).r for t in tt]
        axes[0].plot(tt, rt, "-", label=f"theory r, alpha={a:g}")
        pts_ = [d for d in data if d["alpha"] == a and d["quantity"] == "r"]
        axes[0].errorbar([d["theta"] for d in pts_], [d["sim"] for d in pts_], [d["se"] for d in pts_], fmt="o")
    axes[0].set_xlabel("theta")
    axes[0].set_ylabel("r (weak hidden units)")
    axes[0].legend(fontsize=7)
    th_c = np.linspace(0, 1.2, 40)
    axes[1].plot(th_c, [relu_rbm.threshold_hopfield_capacity(float(t)) for t in th_c], "-")
    axes[1].set_xlabel("theta")
    axes[1].set_ylabel("capacity alpha_c(theta)")
    axes[1].set_title("threshold raises the capacity [manzan2021, slide 28]", fontsize=8)
    fig.tight_layout()
    return Comparison(key="rrbm_hopfield", title="R-RBM, p=1, one condensed unit (threshold Hopfield): m, q, r",
                      rows=tuple(rows), data={"points": data}, command=f"python -m validate rrbm --{mode}",
                      wall_time=time.time() - t0,
                      notes="Block Gibbs at large beta from v = [xi_1 > 0]; r = mean h^2 of the non-condensed "
                            "hidden units (its seed-to-seed spread includes the finite-M sampling of the weak units).",
                      figure=fig)


@comparison("rrbm_compositional", "R-RBM compositional phase: PR_3, m~, q as p decreases", SECTION)
def compare_rrbm_compositional(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Compositional phase of the R-RBM [tubiana2017] as the weight sparsity ``p`` decreases: ``m~``, ``q`` and ``L p``
    of Gibbs samples started with ``L = l*/p`` condensed hidden units against the finite-``p`` replica solution
    (``theory.rbm.relu_rbm.solve_relu_rbm``) and the compositional theory (``theory.rbm.compositional``).
    """
    from theory.rbm import compositional, relu_rbm

    t0 = time.time()
    S = SIZES[mode]
    a, tht, gt = COMP["alpha"], COMP["theta"], COMP["g"]
    ls = compositional.l_star(a, tht, gt, l_max=10.0, n_grid=21)
    pts, theo = [], {}
    for p in S["ps"]:
        N = int(round(S["pN"] / p))
        L = max(1, int(round(ls.l_star / p)))
        cs = compositional.solve_compositional(a, tht, gt, L * p)
        fin = relu_rbm.solve_relu_rbm(a, p, tht * math.sqrt(p), gt * p, L,
                             init=dict(m=cs.m * p / 2, s=p * math.sqrt(a * cs.r), B=cs.B * p))
        theo[p] = (L, cs, fin)
        pts.append(dict(N=N, alpha=a, p=p, theta=tht * math.sqrt(p), g=gt * p, beta=S["beta"] * 10 / p, L_init=L))
    tab = run_sweep(rrbm_point, pts, task="rrbm_compositional", seeds=range(seed, seed + S["cseeds"]), store=store,
                    workers=1 if mode == "quick" else None)
    recs = tab.to_records()
    rows, data = [], []
    fs = 1.0 / math.sqrt(S["pN"])
    for p, (L, cs, fin) in theo.items():
        sel = [r for r in recs if r["p"] == p]
        mt, mse, n = mean_se([2 * r["m_corr"] / p for r in sel])
        q, qse, _ = mean_se([r["q"] for r in sel])
        lp, lse, _ = mean_se([r["Lp"] for r in sel])
        note = f"finite-p theory (relu_rbm, L={L}); O(1/sqrt(pN)) = {fs:.3f} relative allowance"
        rows.append(Row(quantity=f"m~ (p={p:g}, L={L})", theory=fin.m * 2 / p, sim_mean=mt, sim_se=mse, n=n, n_se=4,
                        abs_tol=2 * fs * abs(fin.m * 2 / p), note=note))
        rows.append(Row(quantity=f"q (p={p:g}, L={L})", theory=fin.q, sim_mean=q, sim_se=qse, n=n, n_se=4,
                        abs_tol=2 * fs * fin.q, note=note))
        rows.append(Row(quantity=f"PR_3 * p (p={p:g})", theory=L * p, sim_mean=lp, sim_se=lse, n=n, n_se=4,
                        abs_tol=0.1 * L * p,
                        note="started with L = round(l*/p) condensed units: checks that the state is stable, "
                             "not that the dynamics finds l* (see docs/relu_rbm.md)"))
        data.append({"p": p, "L": L, "m_sim": mt, "m_se": mse, "q_sim": q, "q_se": qse, "Lp": lp,
                     "m_fin": fin.m * 2 / p, "q_fin": fin.q, "m_p0": cs.m, "q_p0": cs.q})
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.3))
    axes = fig.subplots(1, 3)
    P = [d["p"] for d in data]
    for ax, k, lab in ((axes[0], "m", "m~ = 2m/p"), (axes[1], "q", "q")):
        ax.plot(P, [d[f"{k}_fin"] for d in data], "s-", label="finite-p theory")
        ax.plot(P, [d[f"{k}_p0"] for d in data], "--", label="p -> 0 theory at l = Lp")
        ax.errorbar(P, [d[f"{k}_sim"] for d in data], [d[f"{k}_se"] for d in data], fmt="o", label="Gibbs MC")
        ax.set_xscale("log")
        ax.set_xlabel("p")
        ax.set_ylabel(lab)
        ax.legend(fontsize=7)
    axes[2].plot(P, [d["Lp"] for d in data], "o", label="PR_3 * p (MC)")
    axes[2].axhline(ls.l_star, color="k", ls=":", label=f"l* = {ls.l_star:.3f}")
    axes[2].set_xscale("log")
    axes[2].set_xlabel("p")
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    return Comparison(key="rrbm_compositional", title="R-RBM compositional phase: PR_3, m~, q as p decreases",
                      rows=tuple(rows),
                      data={"points": data, "l_star": ls.l_star, "f_star": ls.f_star, "f_glass": ls.f0},
                      command=f"python -m validate rrbm --{mode}", wall_time=time.time() - t0,
                      notes=f"alpha = {a}, theta~ = {tht}, g~ = {gt}: l* = {ls.l_star:.4f} "
                            f"(f~* = {ls.f_star:.5f} < f~_glass = {ls.f0:.5f}); pN = {S['pN']} fixed, "
                            "beta = {:g}/p.".format(S["beta"] * 10),
                      figure=fig)


def rrbm_anneal_point(N: int, alpha: float, p: float, theta: float, g: float, beta: float, beta0: float,
                      anneal: int, measure: int = 50, seed: int = 0) -> dict:
    """One annealed realisation from a random start (top-level for run_sweep)."""
    from simulate.boltzmann import sample_rrbm

    return sample_rrbm(N, alpha, p, theta, g, seed=seed, beta=beta, beta0=beta0, anneal=anneal,
                       measure=measure).to_dict()


@comparison("rrbm_glass", "R-RBM at small threshold: annealed Gibbs vs the RS glass state", SECTION)
def compare_rrbm_glass(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """R-RBM at small threshold: annealed Gibbs sampling against the replica-symmetric glass state (``m~ = 0``,
    ``theory.rbm.compositional.solve_compositional`` with ``L = 0``) [tubiana2017]: ``q`` and ``<h^2>/p`` graded, the
    energy ``E/(N p)`` shown (annealing bounds the ground state from above).
    """
    from theory.rbm import compositional

    t0 = time.time()
    S = SIZES[mode]
    a, tht, gt = GLASS["alpha"], GLASS["theta"], GLASS["g"]
    glass = compositional.solve_compositional(a, tht, gt, 0.0)
    lsr = compositional.l_star(a, tht, gt, l_max=6.0, n_grid=13)
    pts = [dict(N=int(round(S["pN"] / p)), alpha=a, p=p, theta=tht * math.sqrt(p), g=gt * p, beta=2000.0 / p,
                beta0=5.0 / p, anneal=S["anneal"]) for p in S["gps"]]
    tab = run_sweep(rrbm_anneal_point, pts, task="rrbm_glass", seeds=range(seed, seed + S["gseeds"]), store=store,
                    workers=1 if mode == "quick" else None)
    recs = tab.to_records()
    fs = 1.0 / math.sqrt(S["pN"])
    rows, data = [], []
    for p in S["gps"]:
        sel = [r for r in recs if r["p"] == p]
        q, qse, n = mean_se([r["q"] for r in sel])
        h2, hse, _ = mean_se([r["h2"] / p for r in sel])
        e, ese, _ = mean_se([r["energy"] / p for r in sel])
        note = f"RS glass (m~ = 0); O(1/sqrt(pN)) = {fs:.3f} relative allowance"
        rows.append(Row(quantity=f"q (p={p:g})", theory=glass.q, sim_mean=q, sim_se=qse, n=n, n_se=4,
                        abs_tol=2 * fs * glass.q, note=note))
        rows.append(Row(quantity=f"<h^2>/p (p={p:g})", theory=glass.r, sim_mean=h2, sim_se=hse, n=n, n_se=4,
                        abs_tol=2 * fs * glass.r, note=note + "; r~ of the RS glass = mean h^2 / p"))
        rows.append(Row(quantity=f"E/(N p) (p={p:g})", theory=glass.f, sim_mean=e, sim_se=ese, n=n,
                        verdict="measured",
                        note="annealing: an upper bound on the ground-state energy (shown, not graded)"))
        data.append({"p": p, "q": q, "q_se": qse, "h2": h2, "h2_se": hse, "E": e, "E_se": ese})
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.3))
    axes = fig.subplots(1, 3)
    P = [d["p"] for d in data]
    for ax, k, ref, lab in ((axes[0], "q", glass.q, "q"), (axes[1], "h2", glass.r, "<h^2>/p"),
                            (axes[2], "E", glass.f, "E/(Np)")):
        ax.errorbar(P, [d[k] for d in data], [d[k + "_se"] for d in data], fmt="o", label="annealed Gibbs")
        ax.axhline(ref, color="k", ls="--", label="RS glass")
        ax.set_xscale("log")
        ax.set_xlabel("p")
        ax.set_ylabel(lab)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return Comparison(key="rrbm_glass", title="R-RBM at small threshold: annealed Gibbs vs the RS glass state",
                      rows=tuple(rows), data={"points": data, "glass": glass.to_dict(), "l_star": lsr.to_dict()},
                      command=f"python -m validate rrbm --{mode}", wall_time=time.time() - t0,
                      notes=f"alpha = {a}, theta~ = {tht}, g~ = {gt}: theory says no compositional phase "
                            f"(best condensed f~ above the glass f~0 = {glass.f:.5f}); random starts, geometric "
                            f"anneal beta = 5/p -> 2000/p over {S['anneal']} sweeps, pN = {S['pN']}.",
                      figure=fig)
