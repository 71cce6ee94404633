"""RBMs with binary synapses: planted data and variational mean-field learning [huang2020]."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from theory.core import check_int
from theory.core.cli import emit


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("planted", help="sample data from a planted RBM [huang2020, Eq. 1] by block Gibbs sampling",
                       description="Planted binary receptive fields with pairwise overlap c and M = alpha N samples.")
    _planted_options(p)
    p.add_argument("--interval", type=int, default=None,
                   help="sweeps between kept samples (default: from autocorrelation)")
    p.add_argument("--out", metavar="FILE.npz", help="write sigma (M, N) int8, xi (N, P) int8 and the parameters")
    p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    p.set_defaults(func=_run_planted)

    v = sub.add_parser("variational",
                       help="variational mean-field learning ([huang2020, Eq. 8] / [huang2020, SM Eq. S6]) on data",
                       description="Gradient ascent on the approximate lower bound with message passing E-steps.")
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", metavar="FILE|NAME",
                     help="an .npz from 'rbm planted', an IDX image file, or digits|mnist|fashion (binarised to ±1)")
    src.add_argument("--planted", action="store_true", help="generate planted data with --N --P --alpha --beta --c")
    _planted_options(v)
    v.add_argument("--hidden", type=int, default=None, help="hidden units to learn (default: --P)")
    v.add_argument("--n-samples", type=int, default=None, help="use the first n images of --data")
    v.add_argument("--steps", type=int, default=200)
    v.add_argument("--eta", type=float, default=None,
                   help="learning rate (default 0.1 for planted data, 2/M for images: the gradient sums over the M "
                        "images and the mean-image mode of ±1 images grows by ~1 + 0.6 eta M per step)")
    v.add_argument("--B1", type=int, default=100, help="MC draws for the data term (default 100)")
    v.add_argument("--B2", type=int, default=100, help="MC draws for the partition function (default 100)")
    v.add_argument("--estimator", choices=["paper", "reparam"], default="paper")
    v.add_argument("--train-seed", type=int, default=1, help="seed of the learning (default 1)")
    v.add_argument("--save-trajectory", metavar="FILE.npz", help="write KL, LB, overlaps per step and final lambda")
    v.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    v.set_defaults(func=_run_variational)


def _planted_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--N", type=int, default=100, help="visible units (default 100)")
    p.add_argument("--P", type=int, default=3, help="planted hidden units (default 3)")
    p.add_argument("--alpha", type=float, default=5.0, help="M / N (default 5)")
    p.add_argument("--beta", type=float, default=1.0, help="inverse temperature (default 1)")
    p.add_argument("--c", type=float, default=0.0, help="pairwise overlap of planted fields (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the planted model and data (default 0)")


def _run_planted(args: argparse.Namespace) -> int:
    from simulate.variational_rbm import planted_data

    d = planted_data(args.N, args.P, args.alpha, args.beta, args.c, seed=args.seed, interval=args.interval)
    if args.out:
        np.savez_compressed(args.out, sigma=d.sigma, xi=d.xi, beta=d.beta, c=d.c, interval=d.interval)
    emit(args, d)
    return 0


def _load_data(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray | None, float, bool]:
    """(sigma, planted xi or None, beta, whether the data are images) from --data or --planted."""
    from simulate.core import binarize_images, load_dataset
    from simulate.variational_rbm import planted_data

    if args.planted:
        d = planted_data(args.N, args.P, args.alpha, args.beta, args.c, seed=args.seed)
        return d.sigma, d.xi, args.beta, False
    path = Path(args.data)
    if path.suffix == ".npz":
        if not path.exists():
            raise ValueError(f"--data file not found: {path}")
        z = np.load(path)
        if "sigma" not in z:
            raise ValueError(f"{path}: no 'sigma' array (expected an .npz written by 'rbm planted --out')")
        return z["sigma"], (z["xi"] if "xi" in z else None), args.beta, False
    ds = load_dataset(args.data)
    sig = binarize_images(ds.images, spins=True)
    if args.n_samples is not None:
        n = check_int("n-samples", args.n_samples, ge=1, le=len(sig))
        sig = sig[:n]
    return sig, None, args.beta, True


def _run_variational(args: argparse.Namespace) -> int:
    from simulate.variational_rbm import train_variational_rbm

    sigma, xi, beta, images = _load_data(args)
    P = args.hidden if args.hidden is not None else (xi.shape[1] if xi is not None else args.P)
    eta = args.eta if args.eta is not None else (2.0 / len(sigma) if images else 0.1)
    r = train_variational_rbm(sigma, P, beta=beta, steps=args.steps, eta=eta, B1=args.B1, B2=args.B2,
              estimator=args.estimator, seed=args.train_seed, xi=xi)
    if args.save_trajectory:
        np.savez_compressed(args.save_trajectory, KL=r.KL, LB=r.LB, Q_identity=r.Q_identity, Q_best=r.Q_best,
                            lam=r.lam)
    emit(args, r.summary())
    if not r.converged and not args.json:
        print(f"warning: {r.message}", file=sys.stderr)
    return 0 if r.converged else 1
