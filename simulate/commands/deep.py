"""Deep networks with stochastic binary synapses [baldassi2018, SM Sec. V]: train and evaluate."""
from __future__ import annotations

import argparse
import math
import sys

from theory.core.cli import emit, write_output
from theory.core.params import check_int, check_real

DATA_HELP = "mnist | fashion | digits | directory holding train-/t10k- IDX files"
#: names of simulate.deep.DEEP_PRESETS (kept here so that building the parser imports no numerics)
PRESET_NAMES = ("stochastic", "stochastic+dropout", "bnn", "relu")
#: option -> value when neither the command line nor a preset sets it
_TRAIN_DEFAULTS = {"method": "stochastic", "epochs": 10, "batch": 100, "lr": None, "lr_decay": 1.0, "dropout": 0.0,
                   "input_dropout": 0.0, "polarize_epochs": 0, "polarize_gain": 1.0}


def resolve_preset(args: argparse.Namespace) -> argparse.Namespace:
    """Fill the training options of ``deep train`` not given on the command line: from ``--preset`` first
    (:data:`simulate.deep.DEEP_PRESETS`), then from the built-in defaults. Idempotent."""
    preset = None
    if getattr(args, "preset", None) is not None:
        from simulate.deep import DEEP_PRESETS

        preset = DEEP_PRESETS[args.preset].train_options()
    unset = set()
    for key, default in _TRAIN_DEFAULTS.items():
        if getattr(args, key, None) is None:
            setattr(args, key, preset[key] if preset is not None else default)
            unset.add(key)
    if preset is not None and "polarize_epochs" in unset:
        args.polarize_epochs = max(0, min(args.polarize_epochs, args.epochs))   # a shorter run polarizes throughout
    return args


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"801,801,801"`` -> ``(801, 801, 801)``; an empty string means no hidden layer."""
    if str(text).strip() == "":
        return ()
    try:
        sizes = tuple(int(s) for s in str(text).split(","))
    except ValueError:
        raise ValueError(f"--hidden must be comma-separated positive integers (got {text!r})") from None
    for s in sizes:
        check_int("--hidden", s, ge=1, le=100_000)
    return sizes


def _train_estimate(args: argparse.Namespace) -> list[tuple[float, str]]:
    """Up-front memory of ``deep train``: the images (float64 while read, float32 kept), the parameters
    with their gradients and Adam moments (float32), and the activations of a batch and of the test set."""
    from simulate.core import dataset_shape

    resolve_preset(args)
    hidden = parse_hidden(args.hidden)
    batch = check_int("--batch", args.batch, ge=1)
    try:
        if args.data in ("mnist", "fashion"):
            n_tr, N = dataset_shape(args.data, "train")
            n_te = dataset_shape(args.data, "test")[0]
        elif args.data == "digits":
            n_tr, N = dataset_shape("digits")
            n_te = 0
        else:
            return []   # a directory of IDX files: load_deep_data checks it
    except FileNotFoundError as exc:
        raise ValueError(f"--data {args.data}: {exc}") from None
    layers = (N, *hidden, 10)
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    n = n_tr + n_te
    # per-term factors set from tracemalloc peaks (digits, hidden 256 and 801,801,801: the estimate is 1.4-1.8
    # times the measured peak, tests/test_bad_inputs.py)
    return [(16.0 * n * N, f"--data {args.data} ({n} images of {N} pixels)"),
            (80.0 * weights, f"--hidden {args.hidden} ({weights:.4g} weights: parameters, gradients, Adam "
                             "moments and temporaries)"),
            (8.0 * sum(layers) * (12 * batch + 3 * max(n_te, n_tr // 2)),
             f"--batch {batch} and the evaluation (activations of {sum(layers):.4g} units)")]


class _Progress:
    """A bar over the mini-batches of each epoch (stderr, only on a terminal) and one line per epoch."""

    def __init__(self, args, epochs: int):
        self.epochs = epochs
        self.bar = None
        self.tty = sys.stderr.isatty()

    def batch(self, epoch: int, i: int, n: int) -> None:
        if not self.tty:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=n, desc=f"epoch {epoch + 1}/{self.epochs}", file=sys.stderr, leave=False)
        self.bar.update()

    def epoch(self, e: int, row: dict) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        err = row["test_error"]
        mf = row["test_error_mean_field"]
        extra = f"  mean-field {100 * mf:.2f} %" if math.isfinite(mf) else ""
        print(f"epoch {e + 1}/{self.epochs}  loss {row['loss']:.4f}  test error {100 * err:.2f} %{extra}  "
              f"({row['seconds']:.1f} s + {row['eval_seconds']:.1f} s eval)", file=sys.stderr, flush=True)


def _train(args: argparse.Namespace) -> int:
    from simulate.deep import check_model_output_path, load_deep_data, save_deep_model, train_deep_network

    resolve_preset(args)
    hidden = parse_hidden(args.hidden)
    epochs = check_int("--epochs", args.epochs, ge=1, le=100_000)
    batch = check_int("--batch", args.batch, ge=1)
    lr = check_real("--lr", args.lr, gt=0.0, le=10.0) if args.lr is not None else None
    check_real("--lr-decay", args.lr_decay, gt=0.0, le=1.0)
    check_real("--dropout", args.dropout, ge=0.0, lt=1.0)
    check_real("--input-dropout", args.input_dropout, ge=0.0, lt=1.0)
    check_real("--init-scale", args.init_scale, ge=0.0, le=10.0)
    check_int("--seed", args.seed, ge=0)
    check_int("--polarize-epochs", args.polarize_epochs, ge=0, le=epochs)
    check_real("--polarize-gain", args.polarize_gain, ge=1.0, le=1e3)
    if args.polarize_epochs and args.method != "stochastic":
        raise ValueError(f"--polarize-epochs applies to --method stochastic only (got --method {args.method})")
    if args.n_train is not None:
        check_int("--n-train", args.n_train, ge=1)
    if args.n_test is not None:
        check_int("--n-test", args.n_test, ge=1)
    if args.save:
        check_model_output_path(args.save, "--save")
    data = load_deep_data(args.data, encoding=args.input, n_train=args.n_train, n_test=args.n_test,
                          split_seed=args.split_seed)
    if batch > data.n_train:
        raise ValueError(f"--batch must be <= the number of training images {data.n_train} (got {batch})")
    progress = None if args.quiet else _Progress(args, epochs)   # stderr: --json keeps stdout clean anyway
    run = train_deep_network(data, hidden, method=args.method, epochs=epochs, batch=batch, lr=lr,
                             lr_decay=args.lr_decay, seed=args.seed, dropout=args.dropout,
                             input_dropout=args.input_dropout, init_scale=args.init_scale,
                             polarize_epochs=args.polarize_epochs, polarize_gain=args.polarize_gain,
                             eval_train=not args.no_train_eval, callback=progress and progress.epoch,
                             batch_callback=progress and progress.batch)
    out = run.to_dict()
    out["preset"] = args.preset
    if args.save and run.converged:
        meta = {k: out[k] for k in ("data", "epochs", "batch", "lr", "lr_decay", "seed", "dropout", "input_dropout",
                                    "polarize_epochs", "polarize_gain",
                                    "test_error", "test_error_binarized", "test_error_mean_field")}
        out["saved"] = write_output(args.save, lambda path: save_deep_model(run.network, path, encoding=data.encoding,
                                                                            meta=meta), "--save")
    emit(args, out, columns=["method", "data", "epochs", "train_error", "test_error", "test_error_binarized",
                             "test_error_mean_field", "seconds_per_epoch", "converged"])
    return 0 if run.converged else 1


def _evaluate(args: argparse.Namespace) -> int:
    from simulate.deep import evaluate_deep_network, load_deep_data, load_deep_model

    if args.n_test is not None:
        check_int("--n-test", args.n_test, ge=1)
    net, info = load_deep_model(args.load)
    data = load_deep_data(args.data, encoding=info["encoding"], n_test=args.n_test, split_seed=args.split_seed,
                          with_train=args.train)
    if data.n_features != net.sizes[0]:
        raise ValueError(f"--data {args.data}: images have {data.n_features} pixels but the model in {args.load} "
                         f"takes {net.sizes[0]} inputs")
    n_out = net.sizes[-1]
    if (n_out == 1 and data.n_classes != 2) or (n_out > 1 and data.n_classes > n_out):
        raise ValueError(f"--data {args.data}: {data.n_classes} classes but the model in {args.load} has "
                         f"{n_out} outputs")
    y_test = data.y_test if n_out > 1 else 2 * data.y_test - 1
    te = evaluate_deep_network(net, data.x_test, y_test)
    out = {"method": info["method"], "sizes": list(info["sizes"]), "encoding": info["encoding"], "data": data.name,
           "n_test": data.n_test, "test_error": te["error"], "test_error_binarized": te["error_binarized"],
           "test_error_mean_field": te["error_mean_field"], "model": str(args.load)}
    if args.train:
        y_train = data.y_train if n_out > 1 else 2 * data.y_train - 1
        tr = evaluate_deep_network(net, data.x_train, y_train)
        out.update(n_train=data.n_train, train_error=tr["error"], train_error_binarized=tr["error_binarized"],
                   train_error_mean_field=tr["error_mean_field"])
    emit(args, out)
    return 0


def add_commands(subparsers) -> None:
    """Add ``train`` and ``evaluate`` to the ``deep`` group of ``python -m simulate``."""
    p = subparsers.add_parser("train", help="train a deep network: stochastic binary (SM Sec. V), bnn or relu",
                              description=__doc__)
    p.add_argument("--data", default="digits", help=DATA_HELP + " (default digits)")
    p.add_argument("--hidden", default="801,801,801", help="hidden layer widths, comma-separated "
                   "(default 801,801,801: the paper's network)")
    p.add_argument("--preset", choices=sorted(PRESET_NAMES), default=None,
                   help="start from the paper's MNIST settings of one run of [baldassi2018, SM Sec. V] "
                        "(simulate.deep.DEEP_PRESETS: method, lr, schedule, dropout, polarization, epochs, "
                        "batch); options given explicitly override it")
    p.add_argument("--method", default=None, choices=["stochastic", "bnn", "relu"],
                   help="stochastic binary synapses (mean field), binarized net with STE + batch norm "
                        "[hubara2016], or continuous ReLU net (default stochastic)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (default 10)")
    p.add_argument("--batch", type=int, default=None, help="mini-batch size (default 100)")
    p.add_argument("--lr", type=float, default=None,
                   help="Adam learning rate (default: the paper's, 1e-2 stochastic, 1e-3 bnn and relu)")
    p.add_argument("--lr-decay", type=float, default=None, help="learning-rate factor per epoch (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of initialisation, batches, dropout (default 0)")
    p.add_argument("--dropout", type=float, default=None, help="dropout probability on hidden units (default 0)")
    p.add_argument("--input-dropout", type=float, default=None, help="dropout probability on input pixels "
                   "(default 0)")
    p.add_argument("--input", default="real", choices=["real", "binary", "spin"],
                   help="input pixels: real in [0,1], binarized 0/1 or -1/+1 (default real)")
    p.add_argument("--init-scale", type=float, default=1.0, help="stochastic: std of the initial fields h, "
                   "m = tanh h (default 1)")
    p.add_argument("--polarize-epochs", type=int, default=None,
                   help="stochastic: over the last K epochs the gain of m = tanh(gain h) grows geometrically to "
                        "--polarize-gain, polarizing the means towards sign(m) (default 0: off)")
    p.add_argument("--polarize-gain", type=float, default=None, help="final gain of the polarization (default 1)")
    p.add_argument("--n-train", type=int, default=None, help="use a random subset of the training images")
    p.add_argument("--n-test", type=int, default=None, help="use a random subset of the test images")
    p.add_argument("--split-seed", type=int, default=0, help="seed of subsets and of the digits split (default 0)")
    p.add_argument("--no-train-eval", action="store_true", help="train error only after the last epoch")
    p.add_argument("--save", metavar="MODEL.npz", help="save the trained model (.npz, no pickle)")
    p.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines on stderr")
    p.set_defaults(func=_train, estimate=_train_estimate, outputs={"save": "npz"})

    q = subparsers.add_parser("evaluate", help="recompute the errors of a saved model")
    q.add_argument("--load", required=True, metavar="MODEL.npz", help="model file written by 'deep train --save'")
    q.add_argument("--data", default="digits", help=DATA_HELP + " (default digits)")
    q.add_argument("--n-test", type=int, default=None, help="use a random subset of the test images")
    q.add_argument("--split-seed", type=int, default=0, help="seed of subsets and of the digits split (default 0)")
    q.add_argument("--train", action="store_true", help="also the training-set errors")
    q.add_argument("--json", action="store_true", help="print JSON on stdout and nothing else")
    q.set_defaults(func=_evaluate, outputs={})
