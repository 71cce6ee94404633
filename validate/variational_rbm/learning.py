"""Variational mean-field learning of RBMs with binary synapses vs the learning thresholds
[huang2020, Fig. 2].

* ``rbm_trajectory`` - [huang2020, Fig. 2a]: N = 100, P = 3, c = 0, M = 500, beta = 1: overlap
  trajectories (identity and best permutation), KL and LB - LB_0.
* ``rbm_threshold`` - [huang2020, Fig. 2b, 2c]: mean overlap after the last step versus
  alpha = M/N for c = 0 (P = 2, 3) and c = 0.3 (P = 2), against
  ``theory.rbm.planted.alpha_threshold`` (published 1 and 0.596), and versus c.
* ``rbm_mnist`` - [huang2020, Fig. 2d]: MNIST, KL and LB per parameter on training and
  test images, receptive fields.

Simulation realisations go through :func:`validate.sweep.run_sweep`.
"""
from __future__ import annotations

import functools
import itertools
import math
import time

import numpy as np

from validate.compare import Comparison, Row, comparison, mean_se
from validate.store import ResultStore
from validate.sweep import grid, run_sweep

SECTION = "RBM with binary synapses (variational mean-field)"
SOURCE = "[huang2020, Fig. 2]"

SIZES = {
    "quick": dict(N=100, steps=200, B=40, alphas=[0.3, 0.45, 0.6, 0.75, 0.9, 1.1, 1.5, 2.0, 4.0], seeds=4,
                  cs=[0.0, 0.3, 0.6],
                  traj=dict(N=100, P=3, M=500, B=1000, steps=200), mnist=dict(P=16, M=200, B=20, steps=40)),
    "full": dict(N=100, steps=200, B=1000, alphas=[0.3, 0.45, 0.6, 0.75, 0.9, 1.1, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0],
                 seeds=10,
                 cs=[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
                 traj=dict(N=100, P=3, M=500, B=1000, steps=200), mnist=dict(P=100, M=1000, B=500, steps=100)),
}
ETA = 0.1
#: MNIST learning rate times M: the gradient is a sum over the M images, and on the mean-image mode of ±1 MNIST
#: (second-moment eigenvalue ~ 0.6 N) lambda grows by a factor ~ 1 + eta M 0.6 per step; eta = 0.1 (planted
#: setting) gives a factor ~ 60 at M = 1000, an unstable first step (docs/variational_rbm.md, Sec. 11)
ETA_MNIST_TIMES_M = 2.0
#: onset of learning: the mean overlap passes r0 + ONSET_FRACTION (1 - r0), r0 the random-guess level
ONSET_FRACTION = 0.25
#: onset of the variational order parameter q = <lambda^2> (0 in the random-guess phase lambda = 0)
Q_LEVEL = 0.05
#: bootstrap resamples (over realisations) for the standard error of the onset ratio
N_BOOT = 400


def alpha_threshold(beta: float, c: float, P: int = 2) -> tuple[float, str]:
    """Theory threshold :func:`theory.rbm.planted_alpha_threshold` and where it comes from."""
    from theory.rbm import planted_alpha_threshold

    return float(planted_alpha_threshold(beta, c, P)), "theory.rbm.planted_alpha_threshold"


def planted_point(N: int, P: int, alpha: float, c: float, beta: float, steps: int, eta: float, B: int,
                  seed: int) -> dict:
    """One realisation: planted model + data (seed), variational learning; final overlaps, KL, LB."""
    from simulate.variational_rbm import planted_data, train_variational_rbm

    d = planted_data(N, P, alpha, beta, c, seed=seed)
    r = train_variational_rbm(d.sigma, P, beta=beta, steps=steps, eta=eta, B1=B, B2=B, seed=seed + 10_000, xi=d.xi)
    return {"overlap": r.final_overlap, "overlap_identity": r.final_overlap_identity, "KL": r.final_KL,
            "q": float(np.mean(r.lam ** 2)), "converged": r.converged, "bp_failures": r.bp_failures,
            "interval": d.interval}


@functools.lru_cache(maxsize=64)
def random_guess_overlap(N: int, P: int, n: int = 4000, seed: int = 0) -> float:
    """Expected best-matching overlap of random sign vectors with P planted fields (finite-N random-guess level).

    ``|Q_{mu nu}| = |2 Bin(N, 1/2) - N| / N`` i.i.d.; the best assignment maximises the mean matched ``|Q|``
    (all ``P!`` permutations at once for ``P <= 6``, the Hungarian algorithm beyond). Cached.
    """
    rng = np.random.default_rng(seed)
    Q = np.abs(rng.binomial(N, 0.5, size=(n, P, P)) * 2 - N) / N
    return float(np.mean(_best_matching_means(Q)))


def _best_matching_means(Q: np.ndarray) -> np.ndarray:
    """For each ``Q[k]`` (P x P), the largest mean of ``Q[k, mu, perm[mu]]`` over permutations ``perm``."""
    n, P, _ = Q.shape
    if P <= 6:
        rows = np.arange(P)
        return np.max([Q[:, rows, list(perm)].mean(axis=1) for perm in itertools.permutations(range(P))], axis=0)
    from scipy.optimize import linear_sum_assignment

    out = np.empty(n)
    for k in range(n):
        r, c = linear_sum_assignment(-Q[k])
        out[k] = Q[k, r, c].mean()
    return out


def _crossing(alphas: np.ndarray, y: np.ndarray, level: float) -> float:
    """First alpha where the (increasing) curve y crosses ``level`` (linear interpolation); NaN if it never does."""
    for k in range(1, len(alphas)):
        if y[k - 1] < level <= y[k]:
            return float(alphas[k - 1] + (level - y[k - 1]) * (alphas[k] - alphas[k - 1]) / (y[k] - y[k - 1]))
    return math.nan


@comparison("rbm_threshold", "Planted RBM: overlap vs alpha and c ([huang2020, Fig. 2b, 2c]) vs learning thresholds",
            SECTION, order=1)
def compare_rbm_threshold(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Planted RBMs [huang2020, Eq. 1] learned by gradient ascent on the lower bound [huang2020, Eq. 8]: the overlap
    with the planted fields versus alpha for ``(c, P)`` in ``(0, 2), (0, 3), (0.3, 2)``, against the random-guess level
    below threshold and the learning thresholds of [huang2020, Fig. 2b, 2c] (onset of learning).
    """
    t0 = time.perf_counter()
    S = SIZES[mode]
    N, steps, B = S["N"], S["steps"], S["B"]
    seeds = [seed + k for k in range(S["seeds"])]
    configs = [(0.0, 2), (0.0, 3), (0.3, 2)]
    points = [p for c, P in configs
              for p in grid(N=N, P=P, alpha=S["alphas"], c=c, beta=1.0, steps=steps, eta=ETA, B=B)]
    table = run_sweep(planted_point, points, task="rbm_threshold", seeds=seeds, store=store)
    rows, curves, qon = [], {}, {}
    alphas = np.array(S["alphas"], float)
    for c, P in configs:
        thr, thr_src = alpha_threshold(1.0, c, P)
        r0 = random_guess_overlap(N, P)
        per = {key: np.array([[r[key] for r in table.rows if r["P"] == P and r["c"] == c and r["alpha"] == a]
                              for a in S["alphas"]]) for key in ("overlap", "q")}  # (alphas, seeds)
        ms = per["overlap"].mean(axis=1)
        ses = per["overlap"].std(axis=1, ddof=1) / math.sqrt(len(seeds)) if len(seeds) > 1 else np.full(len(ms), np.nan)
        curves[(c, P)] = (ms, ses, thr, r0, per["q"].mean(axis=1))
        below = [k for k, a in enumerate(S["alphas"]) if a <= 0.5 * thr]
        if below:
            k = below[-1]
            m_, se_, n_ = mean_se(per["overlap"][k].tolist())
            rows.append(Row(quantity=f"overlap, c={c:g}, P={P}, alpha={S['alphas'][k]:g} (random-guess phase)",
                            theory=r0, sim_mean=m_, sim_se=se_, n=n_, abs_tol=0.25,
                            note=f"theory: random-guess level of |Q| at N={N} (0 as N -> inf); alpha <= alpha_thr/2; "
                                 "the finite-M Hebbian signal lifts it at N = 100 (tolerance 0.25)"))
        level = r0 + ONSET_FRACTION * (1.0 - r0)
        a_on = _crossing(alphas, ms, level)
        pub = {0.0: 1.0, 0.3: 0.596}.get(c, math.nan)
        rows.append(Row(quantity=f"onset alpha (overlap a quarter of the way from random guess to 1), c={c:g}, P={P}",
                        theory=thr, sim_mean=a_on, n=len(seeds), published=pub,
                        source="[huang2020, Fig. 2b] (Huang 2017; Hou, Wong, Huang 2019)", abs_tol=thr,
                        tolerance=f"within alpha_thr (finite N={N}: the sign-decoded overlap rises slowly over a "
                                  f"range of alpha ~ alpha_thr; {steps} steps)",
                        note=f"threshold from {thr_src}"))
        qon[(c, P)] = _crossing(alphas, per["q"].mean(axis=1), Q_LEVEL)
        rows.append(Row(quantity=f"onset alpha of q = <lambda^2> (crossing {Q_LEVEL:g}), c={c:g}, P={P}", theory=thr,
                        sim_mean=qon[(c, P)], n=len(seeds), published=pub, abs_tol=0.6 * thr,
                        tolerance="within 0.6 alpha_thr",
                        note="q = 0 in the random-guess phase; the naive mean-field variational dynamics breaks the "
                             "symmetry below the Bayes threshold (c = 0: onset 0.77 at N = 100 and lower at N = 200), "
                             "so this is not an estimator of alpha_thr (docs/variational_rbm.md, Sec. 13)"))
    # the ratio of the c = 0.3 and c = 0 onsets (P = 2) cancels the common finite-N / variational shift
    if (0.0, 2) in qon and (0.3, 2) in qon:
        t3, t0_ = alpha_threshold(1.0, 0.3, 2)[0], alpha_threshold(1.0, 0.0, 2)[0]
        q3 = np.array([[r["q"] for r in table.rows if r["P"] == 2 and r["c"] == 0.3 and r["alpha"] == a]
                       for a in S["alphas"]])
        q0 = np.array([[r["q"] for r in table.rows if r["P"] == 2 and r["c"] == 0.0 and r["alpha"] == a]
                       for a in S["alphas"]])
        rng = np.random.default_rng(seed)
        boot = []
        for _ in range(N_BOOT):
            k3 = rng.integers(0, q3.shape[1], q3.shape)
            k0 = rng.integers(0, q0.shape[1], q0.shape)
            b3 = _crossing(alphas, np.take_along_axis(q3, k3, 1).mean(axis=1), Q_LEVEL)
            b0 = _crossing(alphas, np.take_along_axis(q0, k0, 1).mean(axis=1), Q_LEVEL)
            boot.append(b3 / b0)
        boot = np.array(boot)
        boot = boot[np.isfinite(boot)]
        rows.append(Row(quantity="onset ratio alpha_on(c=0.3) / alpha_on(c=0), P=2, from q = <lambda^2>",
                        theory=t3 / t0_, sim_mean=qon[(0.3, 2)] / qon[(0.0, 2)],
                        sim_se=float(boot.std()) if boot.size > 2 else math.nan,
                        n=len(seeds), published=0.596, source="[huang2020, Fig. 2b]: 0.596 / 1", n_se=2.0,
                        tolerance="2 bootstrap s.e. (resampling realisations)",
                        note="meant to cancel the common shift of both onsets; at the full settings (B = 1000, 10 "
                             "realisations) the ratio was 0.80, i.e. not reproduced "
                             "(docs/variational_rbm.md, Sec. 13)"))
    # [huang2020, Fig. 2c]: overlap vs c at P = 2, M = 500 (alpha = 500 / N)
    alpha_c = 500.0 / N
    cpts = grid(N=N, P=2, alpha=alpha_c, c=S["cs"], beta=1.0, steps=steps, eta=ETA, B=B)
    ctab = run_sweep(planted_point, cpts, task="rbm_threshold_c", seeds=seeds, store=store)
    cm, cse = [], []
    for c in S["cs"]:
        m_, se_, n_ = mean_se([r["overlap"] for r in ctab.rows if r["c"] == c])
        cm.append(m_)
        cse.append(se_)
        thr, _ = alpha_threshold(1.0, c, 2)
        rows.append(Row(quantity=f"overlap vs c: c={c:g}, P=2, M=500", sim_mean=m_, sim_se=se_, n=n_,
                        note=f"alpha = {alpha_c:g} vs alpha_thr = {thr:.3g}; paper: robust (high) for all c, "
                             "no number given"))
    fig = _threshold_figure(S["alphas"], curves, S["cs"], cm, cse, N)
    data = {"alphas": S["alphas"], "curves": {f"c={c},P={P}": {"mean": v[0].tolist(), "se": v[1].tolist(),
                                                               "alpha_thr": v[2], "random_guess": v[3]}
                                              for (c, P), v in curves.items()},
            "cs": S["cs"], "overlap_vs_c": cm, "overlap_vs_c_se": cse}
    for (c, P), v in curves.items():
        data["curves"][f"c={c},P={P}"]["q"] = v[4].tolist()
    return Comparison(key="rbm_threshold", title="Planted RBM: overlap vs alpha and c ([huang2020, Fig. 2b, 2c])",
                      rows=tuple(rows), data=data,
                      command=f"python -m validate rbm threshold --{mode}", wall_time=time.perf_counter() - t0,
                      notes=f"N={N}, {steps} steps, B1=B2={B}, eta={ETA}, {len(seeds)} realisations; error bars s.e.",
                      figure=fig)


def _threshold_figure(alphas, curves, cs, cm, cse, N):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 3.6))
    (ax, qx, bx) = fig.subplots(1, 3)
    for k, ((c, P), (m_, se_, thr, _r0, q_)) in enumerate(curves.items()):
        col = f"C{k}"
        ax.errorbar(alphas, m_, yerr=np.nan_to_num(se_), fmt="o-", color=col, label=f"c={c:g}, P={P}")
        ax.axvline(thr, color=col, ls="--", lw=1)
        qx.plot(alphas, q_, "o-", color=col, label=f"c={c:g}, P={P}")
        qx.axvline(thr, color=col, ls="--", lw=1)
    ax.axhline(list(curves.values())[0][3], color="gray", ls=":", lw=1, label=f"random guess, N={N}")
    ax.set_xlabel(r"$\alpha = M/N$")
    ax.set_ylabel("mean overlap (best permutation)")
    ax.set_title(r"(b) dashed: $\alpha_{thr}$")
    ax.legend(fontsize=7)
    qx.axhline(Q_LEVEL, color="gray", ls=":", lw=1, label="onset level")
    qx.set_xlabel(r"$\alpha = M/N$")
    qx.set_ylabel(r"$q = \langle\lambda^2\rangle$")
    qx.set_title("(b') variational order parameter")
    qx.legend(fontsize=7)
    bx.errorbar(cs, cm, yerr=np.nan_to_num(cse), fmt="s-")
    bx.set_xlabel("c")
    bx.set_ylabel("mean overlap")
    bx.set_title("(c) P=2, M=500")
    bx.set_ylim(0, 1.05)
    fig.tight_layout()
    return fig


def trajectory_point(N: int, P: int, M: int, c: float, beta: float, steps: int, eta: float, B: int, seed: int) -> dict:
    """[huang2020, Fig. 2a] run: per-step overlaps (identity, best), KL, LB."""
    from simulate.variational_rbm import planted_data, train_variational_rbm

    d = planted_data(N, P, M / N, beta, c, seed=seed)
    r = train_variational_rbm(d.sigma, P, beta=beta, steps=steps, eta=eta, B1=B, B2=B, seed=seed + 10_000, xi=d.xi)
    return {"Q_identity": r.Q_identity.tolist(), "Q_best": r.Q_best.tolist(), "KL": r.KL.tolist(),
            "LB": r.LB.tolist(), "overlap": r.final_overlap, "converged": r.converged}


@comparison("rbm_trajectory", "Planted RBM, P=3: learning trajectories [huang2020, Fig. 2a]", SECTION, order=0)
def compare_rbm_trajectory(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """One learning trajectory of a planted RBM with ``P = 3`` [huang2020, Fig. 2a]: the final overlap (best permutation
    and sign) against full recovery, the growth of the KL term and of the lower bound [huang2020, Eq. 5-7], and the
    change of the overlaps under a permutation of the hidden units.
    """
    t0 = time.perf_counter()
    T = SIZES[mode]["traj"]
    pt = dict(N=T["N"], P=T["P"], M=T["M"], c=0.0, beta=1.0, steps=T["steps"], eta=ETA, B=T["B"])
    table = run_sweep(trajectory_point, [pt], task="rbm_trajectory", seeds=[seed], store=store, workers=1)
    r = table.rows[0]
    Qi, Qb = np.array(r["Q_identity"]), np.array(r["Q_best"])
    KL, LB = np.array(r["KL"]), np.array(r["LB"])
    mid = min(len(Qb) - 1, 50 * len(Qb) // 200)
    gap_mid = float(Qb[mid].mean() - np.abs(Qi[mid]).mean())
    gap = float(Qb[-1].mean() - np.abs(Qi[-1]).mean())
    rows = (
        Row(quantity="final overlap (best permutation and sign), alpha = 5", sim_mean=float(Qb[-1].mean()), n=1,
            published=1.0, source="[huang2020, Fig. 2a]: ground truth recovered", abs_tol=0.15,
            tolerance="within 0.15 of full recovery (one realisation, N = 100)"),
        Row(quantity="KL(q||prior) growth, final - initial", sim_mean=float(KL[-1] - KL[0]), n=1,
            note="paper: KL grows and saturates (no number given)"),
        Row(quantity="LB - LB_0 at the last step", sim_mean=float(LB[-1] - LB[0]), n=1,
            note="paper: the approximate lower bound grows"),
        Row(quantity=f"permutation effect at step {mid + 1}: mean Q_best - mean |Q_identity|", sim_mean=gap_mid, n=1,
            note="[huang2020, Fig. 2a]: overlaps change under a permutation at an intermediate step (50th)"),
        Row(quantity="permutation effect at the last step: mean Q_best - mean |Q_identity|", sim_mean=gap, n=1,
            note="> 0 when hidden units learned the planted fields in another order"),
    )
    fig = _trajectory_figure(Qi, Qb, KL, LB, mid)
    return Comparison(key="rbm_trajectory", title="Planted RBM, P=3: learning trajectories [huang2020, Fig. 2a]",
                      rows=rows,
                      data={"Q_identity": Qi.tolist(), "Q_best": Qb.tolist(), "KL": KL.tolist(), "LB": LB.tolist(),
                            **pt},
                      command=f"python -m validate rbm trajectory --{mode}", wall_time=time.perf_counter() - t0,
                      notes=f"N={pt['N']}, P={pt['P']}, M={pt['M']}, B1=B2={pt['B']}, eta={ETA}", figure=fig)


def _trajectory_figure(Qi, Qb, KL, LB, mid):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.6))
    (ax, bx) = fig.subplots(1, 2)
    t = np.arange(1, len(Qb) + 1)
    for mu in range(Qi.shape[1]):
        ax.plot(t, Qi[:, mu], lw=1, label=rf"$Q^{mu + 1}$ (identity)")
    ax.plot(t, Qb.mean(axis=1), "k-", lw=2, label="best permutation, mean |Q|")
    ax.axvline(mid + 1, color="gray", ls=":")
    ax.set_xlabel("learning step")
    ax.set_ylabel("overlap")
    ax.legend(fontsize=7)
    ax.set_title("(a) overlaps")
    bx.plot(t, KL, label="KL(q||prior)")
    bx.plot(t, LB - LB[0], label=r"LB - LB$_0$")
    bx.set_xlabel("learning step")
    bx.legend(fontsize=7)
    bx.set_title("(a, inset) KL and LB")
    fig.tight_layout()
    return fig


def mnist_point(P: int, M: int, B: int, steps: int, eta: float, data: str, seed: int) -> dict:
    """[huang2020, Fig. 2d] run on the first M (train) and next M (test) images of the shared MNIST test file
    (``data="mnist"``; ``"digits"`` where MNIST is absent: the caller chooses, and the data set with its content
    hash is part of the stored point's key).

    Besides the trajectories, two diagnostics of the learned ``lambda``: the mean ``|cos|`` between each
    unit's field and the mean training image, and the participation ratio ``(sum s^2)^2 / sum s^4`` of the
    singular values ``s`` of ``lambda`` (1: all units on one mode; P: P orthogonal fields of equal weight).
    """
    from simulate.core import binarize_images, load_dataset
    from simulate.variational_rbm import train_variational_rbm

    d = load_dataset(data, "test")
    name = data
    s = binarize_images(d.images, spins=True)
    perm = np.random.default_rng(seed).permutation(len(s))
    tr, te = s[perm[:M]], s[perm[M:2 * M]]
    r = train_variational_rbm(tr, P, beta=1.0, steps=steps, eta=eta, B1=B, B2=B, seed=seed + 10_000, sigma_test=te)
    npar = tr.shape[1] * P
    mean = tr.mean(axis=0)
    cos = np.abs(mean @ r.lam) / (np.linalg.norm(mean) * np.linalg.norm(r.lam, axis=0))
    sv = np.linalg.svd(r.lam, compute_uv=False)
    return {"dataset": name, "side": d.side, "KL": (r.KL / npar).tolist(), "LB": (r.LB / npar).tolist(),
            "LB_test": (r.LB_test / npar).tolist(), "lam": r.lam.tolist(), "converged": r.converged,
            "cos_mean_image": float(np.mean(cos)), "participation": float(np.sum(sv ** 2) ** 2 / np.sum(sv ** 4))}


@comparison("rbm_mnist", "Variational RBM on MNIST: KL and LB per parameter, receptive fields [huang2020, Fig. 2d]",
            SECTION, order=2)
def compare_rbm_mnist(mode: str = "quick", store: ResultStore | None = None, seed: int = 0) -> Comparison:
    """Variational learning on MNIST (the 8x8 digits without it) [huang2020, Fig. 2d]: the KL term and the lower bound
    per parameter [huang2020, Eq. 5-7] on training and test images along the trajectory, and diagnostics of the learned
    receptive fields (cosine with the mean image, participation ratio of the singular values).
    """
    t0 = time.perf_counter()
    S = SIZES[mode]["mnist"]
    from simulate.core import dataset_fingerprint

    try:
        data, fingerprint = "mnist", dataset_fingerprint("mnist", "test")
    except FileNotFoundError:
        data, fingerprint = "digits", dataset_fingerprint("digits")
    pt = dict(P=S["P"], M=S["M"], B=S["B"], steps=S["steps"], eta=ETA_MNIST_TIMES_M / S["M"], data=data)
    table = run_sweep(mnist_point, [pt], task="rbm_mnist", seeds=[seed], store=store, workers=1,
                      data_versions=[fingerprint])
    r = table.rows[0]
    KL, LB, LBt = np.array(r["KL"]), np.array(r["LB"]), np.array(r["LB_test"])
    lam = np.array(r["lam"])
    rows = (
        Row(quantity="KL per parameter, last step", sim_mean=float(KL[-1]), n=1,
            note=f"upper limit ln 2 = {math.log(2):.4f}; paper: KL grows until a biased weight distribution"),
        Row(quantity="LB - LB_0 per parameter, training, last step", sim_mean=float(LB[-1] - LB[0]), n=1,
            note="paper: increases until saturation"),
        Row(quantity="LB - LB_0 per parameter, test, last step", sim_mean=float(LBt[-1] - LBt[0]), n=1,
            note="paper: increases until saturation (unseen images)"),
        Row(quantity="mean |cos(lambda_mu, mean training image)|", sim_mean=r["cos_mean_image"], n=1,
            note="~1: the hidden units learn the (±) mean-image mode, the dominant mode of the uncentred "
                 "second moment of ±1 images, which this bias-free, spin-flip-symmetric model can only "
                 "represent with many units (docs/variational_rbm.md, Sec. 11)"),
        Row(quantity="participation ratio of the singular values of lambda", sim_mean=r["participation"], n=1,
            note=f"1 = all units on one mode, {pt['P']} = distinct orthogonal fields"),
    )
    fig = _mnist_figure(KL, LB, LBt, lam, int(r["side"]))
    title = "Variational RBM on MNIST [huang2020, Fig. 2d]" if data == "mnist" else \
        "Variational RBM on the 8x8 digits (MNIST absent) [huang2020, Fig. 2d]"
    return Comparison(key="rbm_mnist", title=title, rows=rows,
                      data={"KL": KL.tolist(), "LB": LB.tolist(), "LB_test": LBt.tolist(), "dataset": r["dataset"],
                            **pt},
                      command=f"python -m validate rbm mnist --{mode}", wall_time=time.perf_counter() - t0,
                      notes=f"{r['dataset']}: {pt['M']} train / {pt['M']} test images from the t10k file "
                            f"(only the test set is shared), P={pt['P']}, B1=B2={pt['B']}, "
                            f"eta={pt['eta']:.3g} (= {ETA_MNIST_TIMES_M:g}/M)", figure=fig)


def _mnist_figure(KL, LB, LBt, lam, side):
    from matplotlib.figure import Figure

    P = lam.shape[1]
    ncol = int(math.ceil(math.sqrt(P)))
    nrow = int(math.ceil(P / ncol))
    fig = Figure(figsize=(10, 4))
    ax = fig.add_subplot(1, 2, 1)
    t = np.arange(1, len(KL) + 1)
    ax.plot(t, KL, label="KL / parameter")
    ax.plot(t, LB - LB[0], label=r"(LB - LB$_0$) / parameter, train")
    ax.plot(t, LBt - LBt[0], "--", label=r"(LB - LB$_0$) / parameter, test")
    ax.set_xlabel("learning step")
    ax.legend(fontsize=7)
    ax.set_title("(d)")
    img = np.ones((nrow * (side + 1), ncol * (side + 1))) * np.nan
    for mu in range(P):
        r, c = divmod(mu, ncol)
        img[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = lam[:, mu].reshape(side, side)
    bx = fig.add_subplot(1, 2, 2)
    im = bx.imshow(img, cmap="RdBu_r", vmin=-1, vmax=1)
    bx.set_axis_off()
    bx.set_title(r"receptive fields $\lambda_{i\mu}$")
    fig.colorbar(im, ax=bx, fraction=0.04)
    fig.tight_layout()
    return fig
