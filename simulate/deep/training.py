"""Training and evaluation of the deep networks of [baldassi2018, SM Sec. V] and their baselines.

:func:`train_deep_network` runs Adam [kingma2015, Alg. 1] on mini-batches and records, per epoch,
the train and test errors of the predictors each method has:

* ``stochastic``: the binarized network ``sign(m)`` with sign units (the paper's predictor) and the
  mean-field predictor (argmax of ``z``);
* ``bnn``: the deployed binarized network of [hubara2016] (batch norm with running statistics);
* ``relu``: the continuous network.
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from simulate.core import Adam
from simulate.core.rng import SeedLike, as_generator
from simulate.deep._common import METHODS, check_labels, error_rate
from simulate.deep.baselines import BinarizedSTENetwork, ReluNetwork
from simulate.deep.model_io import DeepNetwork
from simulate.deep.stochastic import StochasticBinaryNetwork
from theory.core.params import check_choice, check_int, check_real
from theory.core.results import Record

__all__ = ["DeepData", "DeepRun", "load_deep_data", "make_deep_network", "train_deep_network",
           "evaluate_deep_network", "estimate_training_memory", "INPUT_ENCODINGS", "DEEP_METHODS",
           "PAPER_HIDDEN"]

INPUT_ENCODINGS = ("real", "binary", "spin")
DEEP_METHODS = METHODS
#: the paper's architecture: three hidden layers of width 801 [baldassi2018, SM Sec. V]
PAPER_HIDDEN = (801, 801, 801)
#: largest layer width accepted (a sanity bound, far above any network of the paper)
MAX_WIDTH = 100_000


@dataclass(frozen=True, kw_only=True)
class DeepData(Record):
    """Train and test images (rows, float32) and integer labels.

    ``encoding``: ``real`` (pixels in [0, 1]), ``binary`` (pixels > 0.5 as 0/1) or ``spin`` (as -1/+1).
    """

    name: str
    encoding: str
    n_train: int
    n_test: int
    n_features: int
    n_classes: int
    x_train: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    y_train: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    x_test: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})
    y_test: np.ndarray = field(repr=False, compare=False, metadata={"internal": True})


def _encode(images: np.ndarray, encoding: str) -> np.ndarray:
    if encoding == "real":
        return np.ascontiguousarray(images, dtype=np.float32)
    b = (np.asarray(images) > 0.5).astype(np.float32)
    return b if encoding == "binary" else 2.0 * b - 1.0


def _idx_dir_parts(path: Path):
    from simulate.core.data import load_dataset

    def find(prefix):
        for ext in (".gz", ""):
            p = path / f"{prefix}-images-idx3-ubyte{ext}"
            if p.exists():
                return p
        raise ValueError(f"--data {path}: no {prefix}-images-idx3-ubyte[.gz] in the directory")
    return load_dataset(str(find("train"))), load_dataset(str(find("t10k")))


def load_deep_data(data: str = "digits", *, encoding: str = "real", n_train: int | None = None,
                   n_test: int | None = None, split_seed: int = 0, with_train: bool = True) -> DeepData:
    """Load a classification data set with its train/test split.

    Parameters
    ----------
    data : str
        ``mnist`` or ``fashion`` (the 60,000 train and 10,000 test images), ``digits`` (sklearn 8x8:
        a fixed 80/20 split by ``split_seed``), or a directory with ``train-`` and ``t10k-`` IDX files.
    encoding : {"real", "binary", "spin"}
        Input pixels: real in [0, 1], thresholded at 0.5 to 0/1, or to -1/+1.
    n_train, n_test : int, optional
        Keep only the first rows of a fixed random permutation (by ``split_seed``) of each part.
    split_seed : int
    with_train : bool
        False: leave the training part empty (evaluation only; MNIST's is not even read).

    Returns
    -------
    DeepData

    Examples
    --------
    >>> d = load_deep_data("digits", n_train=100)
    >>> d.n_train, d.n_test, d.n_features, d.n_classes
    (100, 359, 64, 10)
    """
    from simulate.core.data import load_dataset

    check_choice("encoding", encoding, INPUT_ENCODINGS)
    if n_train is not None:
        n_train = check_int("n_train", n_train, ge=1)
    if n_test is not None:
        n_test = check_int("n_test", n_test, ge=1)
    try:
        if data == "digits":
            train, test = load_dataset("digits").split((0.8, 0.2), seed=split_seed)
        elif data in ("mnist", "fashion"):
            test = load_dataset(data, part="test")
            train = load_dataset(data, part="train") if with_train else test
        elif Path(data).is_dir():
            train, test = _idx_dir_parts(Path(data))
        else:
            raise ValueError(f"--data must be mnist, fashion, digits or a directory of IDX files (got {data!r})")
    except FileNotFoundError as exc:
        raise ValueError(f"--data {data}: {exc}") from exc
    rng = np.random.default_rng(split_seed)
    parts = []
    for ds, n, name in ((train, n_train, "n_train"), (test, n_test, "n_test")):
        if n is not None and n > len(ds) and (name == "n_test" or with_train):
            raise ValueError(f"{name} (--{name.replace('_', '-')}) must be <= {len(ds)}, the number of "
                             f"{name[2:]} images of {data} (got {n})")
        idx = np.arange(len(ds))
        if n is not None and n < len(ds):
            idx = np.sort(rng.permutation(len(ds))[:n])
        parts.append((_encode(ds.images[idx], encoding), ds.labels[idx].astype(np.int64)))
    (xtr, ytr), (xte, yte) = parts
    if not with_train:
        xtr, ytr = xtr[:0], ytr[:0]
    if (ytr < 0).any() or (yte < 0).any():
        raise ValueError(f"--data {data}: labels are missing (no labels IDX file beside the images)")
    n_classes = int(max(ytr.max(initial=0), yte.max(initial=0))) + 1
    return DeepData(name=str(data), encoding=encoding, n_train=len(ytr), n_test=len(yte), n_features=xtr.shape[1],
                    n_classes=n_classes, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)


def make_deep_network(method: str, sizes: Sequence[int], *, seed: SeedLike, dtype: npt.DTypeLike = np.float32,
                      dropout: float = 0.0, input_dropout: float = 0.0, init_scale: float = 1.0) -> DeepNetwork:
    """Build the network of a training ``method`` (``stochastic``, ``bnn`` or ``relu``).

    Examples
    --------
    >>> make_deep_network("bnn", (64, 32, 10), seed=0).method
    'bnn'
    """
    check_choice("method", method, METHODS)
    if method == "stochastic":
        return StochasticBinaryNetwork(sizes, seed=seed, dtype=dtype, dropout=dropout, input_dropout=input_dropout,
                                       init_scale=init_scale)
    cls = BinarizedSTENetwork if method == "bnn" else ReluNetwork
    return cls(sizes, seed=seed, dtype=dtype, dropout=dropout, input_dropout=input_dropout)


def estimate_training_memory(sizes: Sequence[int], batch: int, n_train: int, n_test: int, method: str) -> int:
    """Bytes needed by training (float32): parameters with Adam moments, batch activations, data.

    Examples
    --------
    >>> estimate_training_memory((784, 801, 801, 801, 10), 100, 60000, 10000, "stochastic") < 2**30
    True
    """
    n_par = sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))
    widths = sum(sizes)
    per_param = 6 if method == "stochastic" else 5       # params, 2 Adam moments, Adam scratch, grads, m/sign copy
    act_rows = max(batch, 4096)                          # evaluation runs in chunks of 4096 rows
    return 4 * (per_param * n_par + 12 * act_rows * widths + (n_train + n_test) * sizes[0])


def evaluate_deep_network(net: DeepNetwork, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Error rates of the predictors of a trained network on ``(x, y)``.

    Returns
    -------
    dict
        ``error`` (the method's deployed predictor: binarized for ``stochastic`` and ``bnn``,
        continuous for ``relu``), ``error_binarized`` and ``error_mean_field`` (NaN when the method
        has no such predictor).

    Examples
    --------
    >>> import numpy as np
    >>> net = make_deep_network("stochastic", (3, 2), seed=0)
    >>> sorted(evaluate_deep_network(net, np.ones((4, 3)), np.array([0, 1, 0, 1])))
    ['error', 'error_binarized', 'error_mean_field']
    """
    y = check_labels(y, net.sizes[-1], len(x))
    out = {"error_binarized": math.nan, "error_mean_field": math.nan}
    if net.method == "stochastic":
        out["error_binarized"] = error_rate(net.predict_binarized(x), y)
        out["error_mean_field"] = error_rate(net.predict_mean_field(x), y)
        out["error"] = out["error_binarized"]
    elif net.method == "bnn":
        out["error_binarized"] = error_rate(net.predict_binarized(x), y)
        out["error"] = out["error_binarized"]
    else:
        out["error"] = error_rate(net.predict_continuous(x), y)
    return out


@dataclass(frozen=True, kw_only=True)
class DeepRun(Record):
    """A training run: final errors, timing and the per-epoch history.

    Every error is on the whole set with the parameters at the end of the epoch (NaN where the
    method has no such predictor: see :func:`evaluate_deep_network`). ``seconds_per_epoch`` is training time only
    (evaluation excluded); ``eval_seconds`` the evaluation time per epoch.
    ``history`` holds lists indexed by epoch: ``loss`` (mean mini-batch loss), ``train_error``,
    ``test_error``, ``train_error_binarized``, ``test_error_binarized``, ``test_error_mean_field``,
    ``train_error_mean_field``, ``seconds``.
    """

    method: str
    data: str
    sizes: tuple
    n_train: int
    n_test: int
    encoding: str
    epochs: int
    batch: int
    lr: float
    lr_decay: float
    seed: int
    dropout: float
    input_dropout: float
    polarize_epochs: int
    polarize_gain: float
    train_error: float
    test_error: float
    train_error_binarized: float
    test_error_binarized: float
    train_error_mean_field: float
    test_error_mean_field: float
    final_loss: float
    seconds_per_epoch: float
    eval_seconds: float
    wall_time: float
    converged: bool
    message: str = ""
    history: dict = field(default_factory=dict, repr=False, compare=False)
    network: Any = field(default=None, repr=False, compare=False, metadata={"internal": True})


def _validate_run(data: DeepData, hidden, method, epochs, batch, lr, lr_decay, dropout, input_dropout):
    check_choice("method", method, METHODS)
    hidden = tuple(check_int(f"hidden[{i}]", h, ge=1, le=MAX_WIDTH) for i, h in enumerate(hidden))
    epochs = check_int("epochs", epochs, ge=1)
    batch = check_int("batch", batch, ge=1, le=data.n_train)
    lr = check_real("lr", lr, gt=0.0, le=10.0)
    lr_decay = check_real("lr_decay", lr_decay, gt=0.0, le=1.0)
    check_real("dropout", dropout, ge=0.0, lt=1.0)
    check_real("input_dropout", input_dropout, ge=0.0, lt=1.0)
    if method == "bnn" and batch < 2:
        raise ValueError("batch must be >= 2 for bnn (batch normalization needs batch statistics)")
    if method != "stochastic" and data.n_classes < 2:
        raise ValueError(f"method {method} needs at least 2 classes")
    sizes = (data.n_features, *hidden, data.n_classes)
    need = estimate_training_memory(sizes, batch, data.n_train, data.n_test, method)
    try:
        avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        avail = None
    if avail is not None and need > avail:
        raise ValueError(f"hidden={hidden} with batch={batch} needs about {need / 2**30:.1f} GiB, more than the "
                         f"{avail / 2**30:.1f} GiB available")
    return sizes, epochs, batch, lr, lr_decay


def train_deep_network(data: DeepData, hidden: Sequence[int] = PAPER_HIDDEN, *, method: str = "stochastic",
                       epochs: int = 10,
                       batch: int = 100, lr: float | None = None, lr_decay: float = 1.0, seed: SeedLike = 0,
                       dropout: float = 0.0, input_dropout: float = 0.0, init_scale: float = 1.0,
                       polarize_epochs: int = 0, polarize_gain: float = 1.0, eval_train: bool = True,
                       callback: Callable[[int, dict], None] | None = None,
                       batch_callback: Callable[[int, int, int], None] | None = None) -> DeepRun:
    """Train a deep network with Adam on mini-batches and evaluate it after every epoch.

    Parameters
    ----------
    data : DeepData
        From :func:`load_deep_data`.
    hidden : sequence of int
        Hidden-layer widths (the paper: ``(801, 801, 801)``).
    method : {"stochastic", "bnn", "relu"}
        The stochastic binary network [baldassi2018, SM Sec. V], the STE + batch-norm binarized
        network [hubara2016], or the continuous ReLU network.
    epochs, batch : int
    lr : float, optional
        Adam step size; default the paper's: ``1e-2`` (stochastic), ``1e-3`` (bnn, relu).
    lr_decay : float
        Multiplies the learning rate after every epoch (1 = constant).
    seed : int or Generator
        Initialisation, mini-batch order and dropout masks (same seed: same numbers).
    dropout, input_dropout : float
        Inverted dropout on hidden and input units.
    init_scale : float
        ``stochastic`` only: std of the initial fields ``h`` (``m = tanh h``).
    polarize_epochs, polarize_gain : int, float
        ``stochastic`` only: over the last ``polarize_epochs`` epochs the gain of ``m = tanh(gain h)``
        grows geometrically from 1 to ``polarize_gain`` (epoch ``k`` of the window uses
        ``polarize_gain ** (k / polarize_epochs)``), so that training goes on while the synaptic means
        polarize towards the binarized network ``sign(m)`` that is evaluated (docs/deep_networks.md).
    eval_train : bool
        Evaluate the whole training set after every epoch (else only after the last one).
    callback : callable, optional
        ``callback(epoch, row)`` after each epoch, ``row`` the history entries of that epoch.
    batch_callback : callable, optional
        ``batch_callback(epoch, batch_index, n_batches)`` after each mini-batch (progress bars).

    Returns
    -------
    DeepRun
        ``converged`` is False (with a message) if the loss became non-finite.

    Examples
    --------
    >>> d = load_deep_data("digits", n_train=300, n_test=100)
    >>> r = train_deep_network(d, (32,), epochs=2, batch=50, seed=0)
    >>> r.epochs, 0.0 <= r.test_error_binarized <= 1.0
    (2, True)
    """
    if lr is None:
        lr = 1e-2 if method == "stochastic" else 1e-3
    sizes, epochs, batch, lr, lr_decay = _validate_run(data, hidden, method, epochs, batch, lr, lr_decay, dropout,
                                                       input_dropout)
    polarize_epochs = check_int("polarize_epochs", polarize_epochs, ge=0, le=epochs)
    polarize_gain = check_real("polarize_gain", polarize_gain, ge=1.0, le=1e3)
    if polarize_epochs and method != "stochastic":
        raise ValueError(f"polarize_epochs applies to method 'stochastic' only (got method {method!r})")
    seed_value = int(seed) if isinstance(seed, (int, np.integer)) else -1
    rng = as_generator(seed)
    net = make_deep_network(method, sizes, seed=rng, dropout=dropout, input_dropout=input_dropout,
                            init_scale=init_scale)
    opt = Adam(net.params, lr=lr)
    n = data.n_train
    keys = ("loss", "train_error", "test_error", "train_error_binarized", "test_error_binarized",
            "train_error_mean_field", "test_error_mean_field", "seconds", "eval_seconds")
    hist: dict[str, list] = {k: [] for k in keys}
    t_start = time.perf_counter()
    train_seconds = 0.0
    message, converged = "", True
    x, y = data.x_train, data.y_train
    n_batches = -(-n // batch)
    for epoch in range(epochs):
        k = epoch - (epochs - polarize_epochs) + 1
        if polarize_epochs and k >= 1:
            net.gain = float(polarize_gain ** (k / polarize_epochs))
        t0 = time.perf_counter()
        perm = rng.permutation(n)
        losses = 0.0
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            xb, yb = x[idx], y[idx]
            loss, grads = net.loss_and_gradients(xb, yb, rng=rng)
            if not math.isfinite(loss):
                converged, message = False, f"non-finite loss at epoch {epoch + 1}"
                break
            opt.step(grads)
            net.after_step()
            losses += loss * len(idx)
            if batch_callback is not None:
                batch_callback(epoch, start // batch, n_batches)
        sec = time.perf_counter() - t0
        train_seconds += sec
        if not converged:
            break
        t1 = time.perf_counter()
        te = evaluate_deep_network(net, data.x_test, data.y_test)
        tr = evaluate_deep_network(net, x, y) if (eval_train or epoch == epochs - 1) else \
            {"error": math.nan, "error_binarized": math.nan, "error_mean_field": math.nan}
        row = {"loss": losses / n, "train_error": tr["error"], "test_error": te["error"],
               "train_error_binarized": tr["error_binarized"], "test_error_binarized": te["error_binarized"],
               "train_error_mean_field": tr["error_mean_field"], "test_error_mean_field": te["error_mean_field"],
               "seconds": sec, "eval_seconds": time.perf_counter() - t1}
        for k in keys:
            hist[k].append(row[k])
        if callback is not None:
            callback(epoch, row)
        opt.lr *= lr_decay
    done = len(hist["loss"])
    last = {k: (v[-1] if v else math.nan) for k, v in hist.items()}
    common = dict(method=method, data=data.name, sizes=sizes, n_train=data.n_train, n_test=data.n_test,
                  encoding=data.encoding, epochs=done, batch=batch, lr=lr, lr_decay=lr_decay, seed=seed_value,
                  dropout=float(dropout), input_dropout=float(input_dropout), polarize_epochs=polarize_epochs,
                  polarize_gain=float(polarize_gain), history=hist, network=net,
                  wall_time=time.perf_counter() - t_start,
                  seconds_per_epoch=train_seconds / max(done, 1),
                  eval_seconds=float(np.mean(hist["eval_seconds"])) if done else math.nan)
    if not converged:
        return DeepRun.failure(message, **common)
    return DeepRun(train_error=last["train_error"], test_error=last["test_error"],
                   train_error_binarized=last["train_error_binarized"],
                   test_error_binarized=last["test_error_binarized"],
                   train_error_mean_field=last["train_error_mean_field"],
                   test_error_mean_field=last["test_error_mean_field"], final_loss=last["loss"],
                   converged=True, message="", **common)
