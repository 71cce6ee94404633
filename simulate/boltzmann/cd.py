"""Contrastive divergence (CD-k) and persistent CD (PCD-k) for binary RBMs: the baselines of
seed 002 (Liu, Quek & Lin), Table 1 (CD-1, CD-10, PCD-1, PCD-10).

The log-likelihood gradient of an RBM is
``d log p(v)/dW = <v p(h|v)>_data - <v h>_model``; CD-k (Hinton 2002)
estimates the model term with a k-step block-Gibbs chain started at the data
batch, PCD-k (Tieleman 2008) with chains that persist across updates. The
paper used the Theano deep-learning tutorial's code: plain SGD, learning
rate 0.1, batch 20, no weight decay — the defaults here. ``optimizer="adam"``
trains with the same optimizer settings as VPF instead.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from simulate.boltzmann.machines import (
    BoltzmannMachine, bernoulli, down_prob, init_model, single_blas_thread, squared_weight, up_prob, weight_sparsity,
)
from simulate.boltzmann.mpf import Adam
from simulate.core.rng import SeedLike, as_generator
from theory.core.params import check_array, check_choice, check_int, check_real
from theory.core.results import Record

__all__ = ["cd_gradient", "train_cd", "CDResult"]


def cd_gradient(model: BoltzmannMachine, v0: np.ndarray, k: int, rng: np.random.Generator,
                chain: np.ndarray | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """CD-k (``chain=None``) or PCD-k estimate of the gradient of the *negative* mean log-likelihood.

    Returns ``([dW, db_visible, db_hidden], v_k)``: the gradient in the order
    of ``model.params()`` and the final visible state of the negative chains
    (the new persistent state for PCD).
    Positive phase uses ``p(h | v0)``; negative phase ``v_k`` and ``p(h | v_k)``.
    """
    B = len(v0)
    ph0 = up_prob(model, 1, v0)
    v = v0 if chain is None else chain
    for _ in range(k):
        h = bernoulli(up_prob(model, 1, v), rng)
        v = bernoulli(down_prob(model, 0, h), rng)
    phk = up_prob(model, 1, v)
    Bn = len(v)
    gW = v.T @ phk / Bn - v0.T @ ph0 / B
    ga = v.mean(axis=0) - v0.mean(axis=0)
    gc = phk.mean(axis=0) - ph0.mean(axis=0)
    return [gW, ga, gc], v


@dataclass(frozen=True)
class CDResult(Record):
    """A CD/PCD training run: per-epoch one-step reconstruction error, rho, w2, mean activation."""

    method: str
    sizes: tuple[int, ...]
    k: int
    persistent: bool
    epochs: int
    batch: int
    lr: float
    optimizer: str
    seed: int | None
    recon_error: tuple[float, ...]
    rho: tuple[float, ...]
    w2: tuple[float, ...]
    mean_activation: tuple[float, ...]
    wall_time: float
    converged: bool = True
    message: str = ""
    model: BoltzmannMachine | None = field(default=None, repr=False, compare=False, metadata={"internal": True})


def train_cd(x: np.ndarray, hidden: int = 196, *, k: int = 1, persistent: bool = False, epochs: int = 15,
             batch: int = 20, lr: float = 0.1, optimizer: str = "sgd", weight_decay: float = 0.0,
             seed: SeedLike = 0, init_scale: float = 0.01, callback=None) -> CDResult:
    """Train an RBM with CD-k or PCD-k.

    Parameters
    ----------
    x : (N, n) 0/1 data
    hidden : number of hidden units
    k : Gibbs steps per update (1 or 10 in Table 1)
    persistent : PCD (chains, one per batch row, started from random data rows) instead of CD
    lr, batch, optimizer : SGD with lr 0.1 and batch 20 (Theano tutorial) or ``"adam"``
    weight_decay : L2 penalty ``lambda sum w^2`` (0 in the tutorial)
    callback : ``callback(epoch, model)`` after each epoch (learning curves)
    """
    x = check_array("x", x, ndim=2, dtype=np.float64)
    if not np.all((x == 0) | (x == 1)):
        raise ValueError("x must be binary (0/1): binarize the images first")
    hidden = check_int("hidden", hidden, ge=1)
    k = check_int("k", k, ge=1)
    epochs = check_int("epochs", epochs, ge=1)
    batch = check_int("batch", batch, ge=1)
    lr = check_real("lr", lr, gt=0)
    weight_decay = check_real("weight_decay", weight_decay, ge=0)
    check_choice("optimizer", optimizer, {"sgd", "adam"})
    rng = as_generator(seed)
    model = init_model((x.shape[1], hidden), seed=rng, scale=init_scale)
    opt = Adam(model.params(), lr=lr) if optimizer == "adam" else None
    chain = x[rng.integers(0, len(x), batch)].copy() if persistent else None
    hist = {"rec": [], "rho": [], "w2": [], "act": []}
    ok, msg = True, ""
    t0 = time.perf_counter()
    for e in range(epochs):
        order = rng.permutation(len(x))
        with single_blas_thread():  # mini-batch products: threads only add overhead
            for a in range(0, len(x), batch):
                v0 = x[order[a:a + batch]]
                grads, vk = cd_gradient(model, v0, k, rng, chain)
                if persistent:
                    chain = vk
                if weight_decay:
                    grads[0] = grads[0] + 2 * weight_decay * model.W[0]
                if opt is not None:
                    opt.step(grads)
                else:
                    for p, g in zip(model.params(), grads):
                        p -= lr * g
        if not model.is_finite():
            ok, msg = False, f"epoch {e}: parameters became non-finite"
            break
        ph = up_prob(model, 1, x)
        hist["rec"].append(float(np.mean((x - down_prob(model, 0, ph)) ** 2)))
        hist["rho"].append(weight_sparsity(model.W[0]))
        hist["w2"].append(squared_weight(model.W[0]))
        hist["act"].append(float(ph.mean()))
        if callback is not None:
            callback(e, model)
    name = ("PCD" if persistent else "CD") + f"-{k}"
    return CDResult(name, model.sizes, k, persistent, epochs, batch, lr, optimizer,
                    seed if isinstance(seed, int) else None, tuple(hist["rec"]), tuple(hist["rho"]),
                    tuple(hist["w2"]), tuple(hist["act"]), time.perf_counter() - t0, ok, msg, model)
