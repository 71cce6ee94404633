"""RBMs with binary synapses: planted data and variational mean-field learning [huang2020]."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from theory.core import check_int
from theory.core.cli import emit, write_output


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("planted", help="sample data from a planted RBM [huang2020, Eq. 1] by block Gibbs sampling",
                       description="Planted binary receptive fields with pairwise overlap c and M = alpha N samples.")
    _planted_options(p)
    p.add_argument("--interval", type=int, default=None,
                   help="sweeps between kept samples (default: from autocorrelation)")
    p.add_argument("--out", metavar="FILE.npz", help="write sigma (M, N) int8, xi (N, P) int8 and the parameters")
    p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    p.set_defaults(func=_run_planted, outputs={"out": "npz"}, estimate=_planted_estimate)

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
    v.set_defaults(func=_run_variational, outputs={"save_trajectory": "npz"}, estimate=_variational_estimate)


def _planted_sizes(args: argparse.Namespace) -> tuple[int, int, int]:
    """``(N, P, M)`` of the planted options, each checked (the message names the option)."""
    from theory.core import check_real

    N = check_int("--N", args.N, ge=1)
    P = check_int("--P", args.P, ge=1)
    alpha = check_real("--alpha", args.alpha, gt=0.0)
    check_real("--beta", args.beta, ge=0.0)
    check_real("--c", args.c, ge=0.0, le=1.0)
    return N, P, max(1, round(alpha * N))


def _planted_estimate(args: argparse.Namespace) -> list[tuple[float, str]]:
    N, P, M = _planted_sizes(args)
    if args.interval is not None:
        check_int("--interval", args.interval, ge=1)
    return [(10.0 * M * N, f"--N {N} --alpha {args.alpha} (M = {M:.4g} samples of N spins: int8 and float64)"),
            (8.0 * N * P * 4, f"--N {N} --P {P} (planted fields)")]


def _variational_estimate(args: argparse.Namespace) -> list[tuple[float, str]]:
    from simulate.core import dataset_shape

    B1, B2 = check_int("--B1", args.B1, ge=1), check_int("--B2", args.B2, ge=1)
    check_int("--steps", args.steps, ge=1)
    if args.planted:
        N, P, M = _planted_sizes(args)
        what = f"--N {N} --alpha {args.alpha}"
    elif Path(args.data).suffix == ".npz":
        return []   # sized by the file itself, which is read before any allocation
    else:
        try:
            M, N = dataset_shape(args.data)
        except (FileNotFoundError, ValueError) as exc:
            raise ValueError(f"--data {args.data}: {exc}") from None
        P = check_int("--P", args.P, ge=1)
        what = f"--data {args.data} ({M} images of {N} pixels)"
    if args.hidden is not None:
        P = check_int("--hidden", args.hidden, ge=1)
    if args.n_samples is not None:
        M = min(M, check_int("--n-samples", args.n_samples, ge=1))
    return [(26.0 * M * N, what + ": the spins, int8 and float64 copies"),
            (8.0 * N * P * (12 + 2 * (B1 + B2)), f"--hidden {P} --B1 {B1} --B2 {B2} with N = {N} visible units "
                                                 "(weights, gradients and Monte Carlo draws)")]


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
        def write(path: str) -> None:
            with open(path, "wb") as fh:   # a file object: numpy writes exactly this name
                np.savez_compressed(fh, sigma=d.sigma, xi=d.xi, beta=d.beta, c=d.c, interval=d.interval)

        write_output(args.out, write, "--out")
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
        return (*_npz_data(path), args.beta, False)
    try:
        ds = load_dataset(args.data)
    except FileNotFoundError as exc:
        raise ValueError(f"--data {args.data}: {exc}") from None
    sig = binarize_images(ds.images, spins=True)
    if args.n_samples is not None:
        n = check_int("n-samples", args.n_samples, ge=1, le=len(sig))
        sig = sig[:n]
    return sig, None, args.beta, True


def _npz_data(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """``sigma`` (M, N) of +-1 spins and the optional planted ``xi`` (N, P) of +-1 from ``--data FILE.npz``."""
    from simulate.core import load_npz_arrays

    z = load_npz_arrays(path, "--data", ("sigma",), ("xi",))
    sigma, xi = z["sigma"], z.get("xi")
    if sigma.ndim != 2 or 0 in sigma.shape:
        raise ValueError(f"--data {path}: 'sigma' must be a non-empty 2-d array (samples, spins); got shape "
                         f"{sigma.shape}")
    if not np.all(np.abs(sigma) == 1):
        raise ValueError(f"--data {path}: 'sigma' must hold spins +-1 (as written by 'rbm planted --out')")
    if xi is not None:
        if xi.ndim != 2 or xi.shape[0] != sigma.shape[1] or xi.shape[1] == 0:
            raise ValueError(f"--data {path}: 'xi' must have shape ({sigma.shape[1]}, P >= 1) to match 'sigma' "
                             f"{sigma.shape}; got {xi.shape}")
        if not np.all(np.abs(xi) == 1):
            raise ValueError(f"--data {path}: 'xi' must hold +-1 entries")
        xi = xi.astype(np.int8)
    return sigma.astype(np.int8), xi


def _run_variational(args: argparse.Namespace) -> int:
    from simulate.variational_rbm import train_variational_rbm

    sigma, xi, beta, images = _load_data(args)
    P = args.hidden if args.hidden is not None else (xi.shape[1] if xi is not None else args.P)
    eta = args.eta if args.eta is not None else (2.0 / len(sigma) if images else 0.1)
    r = train_variational_rbm(sigma, P, beta=beta, steps=args.steps, eta=eta, B1=args.B1, B2=args.B2,
              estimator=args.estimator, seed=args.train_seed, xi=xi)
    if args.save_trajectory:
        def write(path: str) -> None:
            with open(path, "wb") as fh:
                np.savez_compressed(fh, KL=r.KL, LB=r.LB, Q_identity=r.Q_identity, Q_best=r.Q_best, lam=r.lam)

        write_output(args.save_trajectory, write, "--save-trajectory")
    emit(args, r.summary())
    if not r.converged and not args.json:
        print(f"warning: {r.message}", file=sys.stderr)
    return 0 if r.converged else 1
