"""One training loop for layered Boltzmann machines: VPF, CD-k and PCD-k.

Every method runs the same loop (:func:`train_boltzmann`): initialise (or copy a
starting model ``init``), set up the method's state, then per epoch one call of the
method's epoch step, a finiteness check and the same per-epoch diagnostics
(one-step reconstruction error, weight sparsity ``rho`` and squared weight ``w2`` of
``W[0]`` [liu2018, Sec. "Restricted Boltzmann Machines"], mean hidden activation).
The hyperparameters are one frozen record, :class:`BoltzmannTrainConfig`, kept in the
result, so that a run (and a model saved with :func:`save_trained_model`) describes itself.

Methods:

* ``"vpf"``: variational probability flow [liu2018, Alg. 1], E-step
  :func:`simulate.boltzmann.machines.bottom_up` then MPF M-step [liu2018, Eq. 1-2] with
  Adam [kingma2015] (:func:`simulate.boltzmann.vpf.vpf_epoch`);
* ``"cd"``: contrastive divergence CD-k [hinton2002];
* ``"pcd"``: persistent CD, PCD-k [tieleman2008] (:func:`simulate.boltzmann.cd.cd_epoch`).

MPF on a fully observed model is a deterministic convex fit
(:func:`simulate.boltzmann.mpf.fit_mpf_visible`), not a mini-batch trainer; on a layered
model it needs hidden states, which is VPF.
"""
from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from simulate.boltzmann.cd import cd_epoch
from simulate.boltzmann.machines import (
    BoltzmannMachine,
    down_prob,
    init_boltzmann_machine,
    save_boltzmann_machine,
    squared_weight,
    up_prob,
    weight_sparsity,
)
from simulate.boltzmann.vpf import vpf_epoch
from simulate.core import Adam, SeedLike, as_generator
from theory.core import ComputationError, Record, check_array, check_choice, check_int, check_real

__all__ = ["BoltzmannTrainConfig", "BoltzmannTrainResult", "train_boltzmann", "train_vpf", "train_cd",
           "save_trained_model", "TRAIN_METHODS"]

#: the methods of :func:`train_boltzmann` and their defaults (the papers' settings): VPF
#: [liu2018, Sec. "Experiments"] Adam lr 1e-3, batch 40, weight decay 1e-4; CD/PCD the Theano tutorial used by
#: [liu2018, Table 1]: plain SGD, lr 0.1, batch 20, no weight decay
TRAIN_METHODS = {
    "vpf": {"epochs": 50, "batch": 40, "lr": 1e-3, "optimizer": "adam", "weight_decay": 1e-4},
    "cd": {"epochs": 15, "batch": 20, "lr": 0.1, "optimizer": "sgd", "weight_decay": 0.0},
    "pcd": {"epochs": 15, "batch": 20, "lr": 0.1, "optimizer": "sgd", "weight_decay": 0.0},
}


def _hidden_sizes(hidden) -> tuple[int, ...]:
    """Hidden layer sizes as a tuple (an int is one layer)."""
    if isinstance(hidden, (int, np.integer)):
        hidden = (hidden,)
    hidden = tuple(check_int("hidden", h, ge=1) for h in hidden)
    if not hidden:
        raise ValueError("hidden must list at least one hidden layer size (got ())")
    return hidden


@dataclass(frozen=True, kw_only=True)
class BoltzmannTrainConfig(Record):
    """Every hyperparameter of a training run of :func:`train_boltzmann`.

    ``None`` (the default of ``epochs``, ``batch``, ``lr``, ``optimizer``, ``weight_decay``) takes the
    method's default from :data:`TRAIN_METHODS`; the record holds the resolved values. ``hidden`` is
    a tuple of hidden layer sizes (an int is normalised to a one-tuple). ``k`` (Gibbs steps) is used by
    CD/PCD, ``intra`` and ``intra_sweeps`` (intra-layer weights sampled with [liu2018, Eq. 5]) by VPF.

    Examples
    --------
    >>> c = BoltzmannTrainConfig(method="pcd", hidden=64, k=10)
    >>> c.hidden, c.lr, c.batch, c.optimizer, c.persistent
    ((64,), 0.1, 20, 'sgd', True)
    """

    method: str = "vpf"
    hidden: tuple[int, ...] = (196,)
    epochs: int | None = None
    batch: int | None = None
    lr: float | None = None
    optimizer: str | None = None
    weight_decay: float | None = None
    init_scale: float = 0.01
    k: int = 1
    intra: bool = False
    intra_sweeps: int = 1

    def __post_init__(self):
        check_choice("method", self.method, set(TRAIN_METHODS))
        resolved = {name: value if getattr(self, name) is None else getattr(self, name)
                    for name, value in TRAIN_METHODS[self.method].items()}
        resolved.update(
            hidden=_hidden_sizes(self.hidden), epochs=check_int("epochs", resolved["epochs"], ge=1),
            batch=check_int("batch", resolved["batch"], ge=1), lr=check_real("lr", resolved["lr"], gt=0),
            weight_decay=check_real("weight_decay", resolved["weight_decay"], ge=0),
            init_scale=check_real("init_scale", self.init_scale, ge=0), k=check_int("k", self.k, ge=1),
            intra_sweeps=check_int("intra_sweeps", self.intra_sweeps, ge=1), intra=bool(self.intra))
        check_choice("optimizer", resolved["optimizer"], {"sgd", "adam"})
        if self.intra and self.method != "vpf":
            raise ValueError(f"intra-layer weights are trained by VPF only (got method {self.method!r})")
        if self.method != "vpf" and len(resolved["hidden"]) != 1:
            raise ValueError(f"{self.method} trains an RBM: one hidden layer size (got hidden {resolved['hidden']})")
        for name, value in resolved.items():
            object.__setattr__(self, name, value)

    @property
    def persistent(self) -> bool:
        """Persistent chains (PCD)."""
        return self.method == "pcd"

    @property
    def label(self) -> str:
        """``"VPF"``, ``"CD-k"`` or ``"PCD-k"`` (the names of [liu2018, Table 1])."""
        return "VPF" if self.method == "vpf" else f"{self.method.upper()}-{self.k}"

    def to_json(self) -> str:
        """The config as a JSON object (stored in saved models)."""
        return json.dumps({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_json(cls, text: str) -> BoltzmannTrainConfig:
        """Inverse of :meth:`to_json`.

        Examples
        --------
        >>> c = BoltzmannTrainConfig(method="cd", hidden=(8,), k=3)
        >>> BoltzmannTrainConfig.from_json(c.to_json()) == c
        True
        """
        d = json.loads(text)
        d["hidden"] = tuple(d["hidden"])
        return cls(**d)


@dataclass(frozen=True, kw_only=True)
class BoltzmannTrainResult(Record):
    """A training run of :func:`train_boltzmann`: its config, per-epoch history and the trained model.

    ``loss[e]`` is the mean training objective over the mini-batches of epoch ``e`` (VPF: the MPF
    objective ``K`` with weight decay [liu2018, Eq. 1-2]; empty for CD/PCD, which optimise no
    computable objective); ``recon_error[e]`` the one-step mean-field reconstruction error
    ``mean (x - p(v | p(h | x)))^2``; ``rho[e]``, ``w2[e]`` the weight sparsity and squared weight
    of ``W[0]``; ``mean_activation[e]`` the mean of ``p(h_1 = 1 | x)`` over the data. ``converged``
    is False (and ``message`` says why) if the parameters became non-finite or exploded (``|parameter| >
    PARAM_LIMIT``, the loop stops there), or if every hidden unit of the first layer ended dead (``p(h = 1 | x)``
    saturated at the same 0 or 1 for every data vector): a diverged run.
    """

    config: BoltzmannTrainConfig
    method: str
    kind: str
    sizes: tuple[int, ...]
    seed: int | None
    loss: tuple[float, ...]
    recon_error: tuple[float, ...]
    rho: tuple[float, ...]
    w2: tuple[float, ...]
    mean_activation: tuple[float, ...]
    wall_time: float
    converged: bool = True
    message: str = ""
    model: BoltzmannMachine | None = field(default=None, repr=False, compare=False, metadata={"internal": True})


def _check_data(x: np.ndarray) -> np.ndarray:
    x = check_array("x", x, ndim=2, dtype=np.float64)
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("x must be binary (0/1): binarize the images first (simulate.core.data.binarize)")
    return np.ascontiguousarray(x)


def _start_model(x: np.ndarray, config: BoltzmannTrainConfig, init: BoltzmannMachine | None,
                 rng: np.random.Generator) -> BoltzmannMachine:
    """A fresh model (weights ``N(0, init_scale^2)``, [liu2018, Alg. 1 line 2]) or a copy of ``init``."""
    if init is None:
        return init_boltzmann_machine((x.shape[1], *config.hidden), intra=config.intra, seed=rng,
                                      scale=config.init_scale)
    if init.sizes != (x.shape[1], *config.hidden):
        raise ValueError(f"init has sizes {init.sizes} but x and config.hidden give {(x.shape[1], *config.hidden)}")
    if init.intra and not config.intra:
        raise ValueError("init has intra-layer weights: set config.intra=True (VPF)")
    return init.copy()


def _epoch_step(x: np.ndarray, config: BoltzmannTrainConfig, rng: np.random.Generator
                ) -> Callable[[BoltzmannMachine, object], float]:
    """The method's epoch step ``step(model, opt) -> objective`` (NaN if none), with its state (PCD chains)."""
    if config.method == "vpf":
        return lambda model, opt: vpf_epoch(model, x, opt, rng, batch=config.batch, weight_decay=config.weight_decay,
                                            intra_sweeps=config.intra_sweeps)
    state = {"chain": x[rng.integers(0, len(x), config.batch)].copy() if config.persistent else None}

    def step(model, opt):
        state["chain"] = cd_epoch(model, x, opt, rng, k=config.k, batch=config.batch, lr=config.lr,
                                  weight_decay=config.weight_decay, chain=state["chain"])
        return math.nan
    return step


PARAM_LIMIT = 1e4  # |parameter| beyond this: a diverged run (a field of 1e4 saturates every logistic unit)
DEAD_TOL = 1e-9  # a hidden unit with p(h = 1 | x) within this of the same 0 or 1 for every data vector is dead


def _dead_hidden_units(model: BoltzmannMachine, x: np.ndarray, lr: float) -> str:
    """A message if every unit of the first hidden layer is dead (the same saturated state for all data), else ''."""
    ph = np.asarray(up_prob(model, 1, x), dtype=np.float64)
    lo, hi = ph.min(axis=0), ph.max(axis=0)
    dead = (hi < DEAD_TOL) | (lo > 1.0 - DEAD_TOL)
    if ph.shape[1] > 0 and bool(np.all(dead)):
        return (f"training diverged: all {ph.shape[1]} hidden units are dead (p(h = 1 | x) saturated at 0 or 1 "
                f"for every data vector, |W|^2 = {squared_weight(model.W[0]):.3g}; lower the learning rate "
                f"lr = {lr:g})")
    return ""


def train_boltzmann(x: np.ndarray, config: BoltzmannTrainConfig | None = None, *,
                    init: BoltzmannMachine | None = None, seed: SeedLike = 0,
                    callback: Callable[[int, BoltzmannMachine], None] | None = None) -> BoltzmannTrainResult:
    """Train a Boltzmann machine on binary data with VPF, CD-k or PCD-k (one loop for all).

    Parameters
    ----------
    x : (N, n_0) array of 0/1
        Training data (binarised images).
    config : BoltzmannTrainConfig
        Method and hyperparameters (default: VPF with the paper's settings, one layer of 196).
    init : BoltzmannMachine, optional
        Starting model (copied, not modified); default a new one drawn from ``seed``.
    seed : int or numpy.random.Generator
        Seeds the initial weights, the PCD chains, the E-step / Gibbs samples and the batch order.
    callback : callable, optional
        ``callback(epoch, model)`` after each epoch (learning curves, snapshots).

    Returns
    -------
    BoltzmannTrainResult
        Its ``config`` and ``seed`` describe the run; ``model`` is the trained machine.

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(float)
    >>> r = train_boltzmann(x, BoltzmannTrainConfig(method="cd", hidden=3, epochs=2), seed=1)
    >>> r.method, r.sizes, len(r.recon_error), r.converged
    ('CD-1', (6, 3), 2, True)
    """
    config = BoltzmannTrainConfig() if config is None else config
    x = _check_data(x)
    rng = as_generator(seed)
    model = _start_model(x, config, init, rng)
    opt = Adam(model.params(), lr=config.lr) if config.optimizer == "adam" else None
    step = _epoch_step(x, config, rng)
    hist = {"loss": [], "rec": [], "rho": [], "w2": [], "act": []}
    ok, msg = True, ""
    t0 = time.perf_counter()
    for e in range(config.epochs):
        try:
            K = step(model, opt)
        except ComputationError as exc:
            ok, msg = False, f"epoch {e}: {exc}"
            break
        if not ((math.isnan(K) or math.isfinite(K)) and model.is_finite()):
            ok, msg = False, f"epoch {e}: parameters became non-finite"
            break
        big = max(float(np.max(np.abs(p))) for p in model.params())
        if big > PARAM_LIMIT:
            ok, msg = False, (f"epoch {e}: training diverged: the largest |parameter| is {big:.3g} > {PARAM_LIMIT:g} "
                              f"(exploding parameters; lower the learning rate lr = {config.lr:g})")
            break
        if not math.isnan(K):
            hist["loss"].append(K)
        ph = up_prob(model, 1, x)
        hist["rec"].append(float(np.mean((x - down_prob(model, 0, ph)) ** 2)))
        hist["rho"].append(weight_sparsity(model.W[0]))
        hist["w2"].append(squared_weight(model.W[0]))
        # the two summation orders of the former train_vpf / train_cd, so that their numbers stay bit-identical
        hist["act"].append(float(ph.mean(axis=0).mean() if config.method == "vpf" else ph.mean()))
        if callback is not None:
            callback(e, model)
    if ok:
        dead = _dead_hidden_units(model, x, config.lr)
        if dead:
            ok, msg = False, dead
    return BoltzmannTrainResult(
        config=config, method=config.label, kind=model.kind, sizes=model.sizes,
        seed=int(seed) if isinstance(seed, (int, np.integer)) else None, loss=tuple(hist["loss"]),
        recon_error=tuple(hist["rec"]), rho=tuple(hist["rho"]), w2=tuple(hist["w2"]),
        mean_activation=tuple(hist["act"]), wall_time=time.perf_counter() - t0, converged=ok, message=msg,
        model=model)


def train_vpf(x: np.ndarray, hidden: int | Sequence[int] = (196,), *, init: BoltzmannMachine | None = None,
              seed: SeedLike = 0, callback: Callable[[int, BoltzmannMachine], None] | None = None,
              **hyper) -> BoltzmannTrainResult:
    """Train a BM with VPF [liu2018, Alg. 1]: :func:`train_boltzmann` with ``method="vpf"``.

    ``hidden`` lists the hidden layer sizes (``(196,)`` an RBM, ``(196, 196, 64)`` the paper's DBM);
    ``hyper`` are the other fields of :class:`BoltzmannTrainConfig` (``intra``, ``epochs``, ``batch``,
    ``lr``, ``weight_decay``, ``intra_sweeps``, ``init_scale``).

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(float)
    >>> r = train_vpf(x, (4, 2), epochs=2, seed=0)
    >>> r.kind, r.config.weight_decay, len(r.loss)
    ('dbm', 0.0001, 2)
    """
    return train_boltzmann(x, BoltzmannTrainConfig(method="vpf", hidden=hidden, **hyper), init=init, seed=seed,
                           callback=callback)


def train_cd(x: np.ndarray, hidden: int | Sequence[int] = 196, *, persistent: bool = False,
             init: BoltzmannMachine | None = None, seed: SeedLike = 0,
             callback: Callable[[int, BoltzmannMachine], None] | None = None, **hyper) -> BoltzmannTrainResult:
    """Train an RBM with CD-k [hinton2002] or PCD-k [tieleman2008]: :func:`train_boltzmann` with
    ``method="cd"`` or ``"pcd"``.

    ``hidden`` is the hidden layer size (int or one-tuple); ``hyper`` the other fields of
    :class:`BoltzmannTrainConfig` (``k``, ``epochs``, ``batch``, ``lr``, ``optimizer``,
    ``weight_decay``, ``init_scale``).

    Examples
    --------
    >>> import numpy as np
    >>> x = (np.random.default_rng(0).random((40, 6)) < 0.5).astype(float)
    >>> train_cd(x, 3, k=10, persistent=True, epochs=1, seed=0).method
    'PCD-10'
    """
    config = BoltzmannTrainConfig(method="pcd" if persistent else "cd", hidden=hidden, **hyper)
    return train_boltzmann(x, config, init=init, seed=seed, callback=callback)


def save_trained_model(result: BoltzmannTrainResult, path: str | os.PathLike, **meta) -> Path:
    """Save ``result.model`` with its full config (``meta["config"]``, JSON), method, seed and the
    number of epochs run; extra scalar ``meta`` (e.g. ``data="digits"``) is stored too.

    :func:`simulate.boltzmann.machines.load_boltzmann_machine` returns the config as ``meta["config"]`` (a JSON
    string: :meth:`BoltzmannTrainConfig.from_json`).

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from simulate.boltzmann.machines import load_boltzmann_machine
    >>> x = (np.random.default_rng(0).random((20, 4)) < 0.5).astype(float)
    >>> r = train_cd(x, 2, epochs=1)
    >>> path = save_trained_model(r, os.path.join(tempfile.mkdtemp(), "m.npz"))
    >>> BoltzmannTrainConfig.from_json(load_boltzmann_machine(path)[1]["config"]) == r.config
    True
    """
    if result.model is None:
        raise ValueError("the result holds no model")
    return save_boltzmann_machine(result.model, path, config=result.config.to_json(), method=result.config.method,
                      seed=-1 if result.seed is None else result.seed, epochs=len(result.rho), **meta)

