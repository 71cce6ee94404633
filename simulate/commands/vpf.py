"""Variational probability flow: train an RBM or a DBM (optionally with intra-layer weights)."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from theory.core import check_int
from theory.core.cli import add_output_options, emit, write_output

DATA_HELP = "mnist | fashion | digits | path to an IDX image file"


def load_training(data: str, split_seed: int = 0):
    """Binarised (threshold 0.5) training part of the fixed 80/10/10 split of ``data``.

    MNIST/Fashion: the 10,000 t10k images present on this machine (the paper trained on
    the 60,000 training images, which are not available here).
    """
    from simulate.core import binarize_images, load_dataset

    try:
        ds = load_dataset(data, part="test") if data in ("mnist", "fashion") else load_dataset(data)
    except FileNotFoundError as exc:
        raise ValueError(f"--data {data}: {exc}") from exc
    train, _, _ = ds.split((0.8, 0.1, 0.1), seed=split_seed)
    return binarize_images(train.images).astype(np.float64), ds


def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(s) for s in str(text).split(","))
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated positive integers (got {text!r})") from None
    for s in sizes:
        check_int("--hidden", s, ge=1)
    return sizes


def training_estimate(args: argparse.Namespace) -> list[tuple[float, str]]:
    """Up-front memory estimate of a Boltzmann-machine training command (options checked, named)."""
    from simulate.core import dataset_shape
    from theory.core import check_real

    sizes = parse_sizes(args.hidden)
    check_int("--epochs", args.epochs, ge=1, le=1_000_000)
    batch = check_int("--batch", args.batch, ge=1)
    check_real("--lr", args.lr, gt=0.0)
    check_real("--weight-decay", args.weight_decay, ge=0.0)
    if getattr(args, "k", None) is not None:
        check_int("--k", args.k, ge=1, le=100_000)
    try:
        n, N = dataset_shape(args.data, "test") if args.data in ("mnist", "fashion") else dataset_shape(args.data)
    except (FileNotFoundError, ValueError) as exc:
        raise ValueError(f"--data {args.data}: {exc}") from None
    layers = (N, *sizes)
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    if getattr(args, "intra", False):
        weights += sum(h * h for h in sizes)
    return [(24.0 * n * N, f"--data {args.data} ({n} images of {N} pixels, float64 copies)"),
            (48.0 * weights, f"--hidden {args.hidden} with {N} visible units ({weights:.4g} weights: parameters, "
                             "gradients, Adam moments, float64)"),
            (64.0 * min(batch, n) * sum(layers), f"--batch {batch} (activations of {sum(layers):.4g} units)"),
            (48.0 * n * sum(sizes), f"--hidden {args.hidden} (hidden activations of all {n} images, float64 "
                                    "copies, measured in tests/test_bad_inputs.py)")]


def add_training_options(p: argparse.ArgumentParser, hidden_default: str, epochs: int) -> None:
    p.add_argument("--hidden", default=hidden_default,
                   help=f"hidden layer sizes, comma-separated (default {hidden_default})")
    p.add_argument("--data", default="digits", help=DATA_HELP + " (default digits)")
    p.add_argument("--epochs", type=int, default=epochs, help=f"training epochs (default {epochs})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--split-seed", type=int, default=0, help="seed of the fixed train/valid/test split (default 0)")
    p.add_argument("--save", metavar="MODEL.npz", help="save the trained model (.npz, no pickle)")


def _last(values) -> float:
    return values[-1] if values else float("nan")


def emit_training(args: argparse.Namespace, r, ds, n_train: int, **fields) -> int:
    """Print a Boltzmann-machine training run (its recorded config, the last value of every history,
    ``fields``), save it with ``--save`` when it converged, and return the exit code (1 if it did not)."""
    from simulate.boltzmann import save_trained_model

    out = {"method": r.method, "config": r.config.to_dict(), "sizes": list(r.sizes), "data": ds.name,
           "n_train": n_train, **fields, "rho": _last(r.rho), "w2": _last(r.w2),
           "mean_activation": _last(r.mean_activation), "wall_time": r.wall_time, "converged": r.converged,
           "message": r.message}
    if args.save and r.converged:
        out["saved"] = write_output(args.save, lambda path: save_trained_model(r, path, data=ds.name), "--save")
    emit(args, out)
    return 0 if r.converged else 1


def _progress(args):
    if getattr(args, "json", False) or getattr(args, "quiet", False):
        return None
    return lambda e, model: print(f"epoch {e + 1}/{args.epochs}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from simulate.boltzmann import train_vpf

    sizes = parse_sizes(args.hidden)
    if args.command == "rbm" and len(sizes) != 1:
        raise ValueError(f"rbm takes one hidden layer size (got --hidden {args.hidden}); use 'vpf dbm'")
    if args.command == "rbm" and args.intra:
        raise ValueError("--intra needs a DBM: use 'vpf dbm --intra' (intra-layer weights make it a DBM2)")
    x, ds = load_training(args.data, args.split_seed)
    r = train_vpf(x, sizes, intra=args.intra, epochs=args.epochs, batch=args.batch, lr=args.lr,
                  weight_decay=args.weight_decay, seed=args.seed, callback=_progress(args))
    return emit_training(args, r, ds, len(x), kind=r.kind, epochs=len(r.loss), final_loss=_last(r.loss),
                         loss_history=list(r.loss), rho_history=list(r.rho), w2_history=list(r.w2))


def add_commands(subparsers) -> None:
    for name, hidden, help_ in [("rbm", "196", "RBM (exact hidden conditional)"),
                                ("dbm", "196,196,64", "DBM, bottom-up E-step, all layers together")]:
        p = subparsers.add_parser(name, help=f"train a {help_} with VPF [liu2018, Alg. 1]")
        add_training_options(p, hidden, 50)
        p.add_argument("--intra", action="store_true",
                       help="intra-layer weights in the hidden layers (DBM2, [liu2018, Eq. 5])")
        p.add_argument("--batch", type=int, default=40, help="mini-batch size (default 40)")
        p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
        p.add_argument("--weight-decay", type=float, default=1e-4, help="lambda of lambda*sum w^2 (default 1e-4)")
        add_output_options(p, plot=False)
        p.set_defaults(func=_run, command=name, estimate=training_estimate, outputs={"save": "npz"})
