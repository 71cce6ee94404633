"""Contrastive divergence baselines: train an RBM with CD-k or PCD-k."""
from __future__ import annotations

import argparse

from simulate.commands.vpf import add_training_options, emit_training, load_training, parse_sizes, training_estimate
from theory.core.cli import add_output_options


def _run(args: argparse.Namespace) -> int:
    from simulate.boltzmann import train_cd

    sizes = parse_sizes(args.hidden)
    if len(sizes) != 1:
        raise ValueError(f"cd rbm takes one hidden layer size (got --hidden {args.hidden})")
    x, ds = load_training(args.data, args.split_seed)
    r = train_cd(x, sizes[0], k=args.k, persistent=args.persistent, epochs=args.epochs, batch=args.batch,
                 lr=args.lr, optimizer=args.optimizer, weight_decay=args.weight_decay, seed=args.seed)
    return emit_training(args, r, ds, len(x), epochs=len(r.rho), recon_error=r.recon_error[-1] if r.recon_error
                         else float("nan"), recon_error_history=list(r.recon_error))


def add_commands(subparsers) -> None:
    p = subparsers.add_parser("rbm", help="train an RBM with CD-k / PCD-k (the baselines of [liu2018, Table 1])")
    add_training_options(p, "196", 15)
    p.add_argument("--k", type=int, default=1, help="Gibbs steps per update (default 1)")
    p.add_argument("--persistent", action="store_true", help="persistent chains (PCD)")
    p.add_argument("--batch", type=int, default=20, help="mini-batch size (default 20, Theano tutorial)")
    p.add_argument("--lr", type=float, default=0.1, help="learning rate (default 0.1, SGD)")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"], help="sgd (default) or adam")
    p.add_argument("--weight-decay", type=float, default=0.0, help="lambda of lambda*sum w^2 (default 0)")
    add_output_options(p, plot=False)
    p.set_defaults(func=_run, command="rbm", estimate=training_estimate, outputs={"save": "npz"})
