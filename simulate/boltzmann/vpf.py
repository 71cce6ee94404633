"""Variational probability flow (VPF): training RBMs, DBMs and DBMs with intra-layer
connections, and generating confabulations.

Source: seed 002 (Liu, Quek & Lin), Algorithm 1 (training), Algorithm 2
(generation), Eq. 1-2 (MPF updates), Eq. 5 (intra-layer Gibbs), section
"Experiments" (Adam lr 1e-3, betas 0.9/0.999, weight decay 1e-4, batch 40).

Algorithm 1: every epoch, an E-step over the *whole* data set samples one
hidden configuration per data point from ``q(h | x)``
(:func:`simulate.boltzmann.machines.bottom_up`: exact for an RBM; bottom-up with the
top-down input zeroed, layer by layer, for a DBM; plus asynchronous Gibbs
sweeps for intra-layer weights); then the M-step runs MPF updates
(:func:`simulate.boltzmann.mpf.layered_flow`) on shuffled mini-batches of the completed
states with Adam. All layers are trained together, without pre-training.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from simulate.boltzmann.machines import (
    BoltzmannMachine,
    all_states,
    bernoulli,
    bottom_up,
    async_gibbs,
    down_prob,
    init_model,
    sigmoid,
    single_blas_thread,
    squared_weight,
    up_prob,
    weight_sparsity,
)
from simulate.boltzmann.mpf import Adam, layered_flow
from simulate.core.rng import SeedLike, as_generator
from theory.core.params import check_array, check_choice, check_int, check_real
from theory.core.results import Record
from theory.core.solver import ComputationError

__all__ = ["VPFResult", "train_vpf", "vpf_epoch", "generate", "top_prior", "mean_hidden_activation",
           "exact_vpf_gradient"]


@dataclass(frozen=True)
class VPFResult(Record):
    """A VPF training run: per-epoch history and the trained model.

    ``loss[e]`` is the mean MPF objective ``K`` over the mini-batches of epoch
    ``e`` (weight decay included); ``rho[e]``, ``w2[e]`` the weight sparsity
    and squared weight of ``W[0]`` after epoch ``e``; ``mean_activation[e]`` the
    mean of ``p(h_1 = 1 | x)`` over the data. ``converged`` is False (and
    ``message`` says why) if the parameters became non-finite.
    """

    kind: str
    sizes: tuple[int, ...]
    epochs: int
    batch: int
    lr: float
    weight_decay: float
    seed: int | None
    loss: tuple[float, ...]
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


def mean_hidden_activation(model: BoltzmannMachine, x: np.ndarray) -> np.ndarray:
    """Mean over the data of ``p(h_1j = 1 | x)`` for every first-layer hidden unit (Fig. 3b)."""
    return up_prob(model, 1, np.asarray(x, dtype=np.float64)).mean(axis=0)


def vpf_epoch(model: BoltzmannMachine, x: np.ndarray, opt: Adam, rng: np.random.Generator, *,
              batch: int = 40, weight_decay: float = 1e-4, intra_sweeps: int = 1) -> float:
    """One epoch of Algorithm 1: E-step on all of ``x``, then M-step on shuffled mini-batches.

    Returns the mean MPF objective over the mini-batches.
    """
    H = bottom_up(model, x, rng, intra_sweeps=intra_sweeps)       # E-step (lines 4-10)
    order = rng.permutation(len(x))
    total, nb = 0.0, 0
    # mini-batch products (40 x 784 x 196) are too small for multi-threaded BLAS: threads
    # only add synchronisation cost (10x slower on a loaded 2-core machine), so use one
    with single_blas_thread():
        for a in range(0, len(x), batch):                         # M-step (lines 11-14)
            idx = order[a:a + batch]
            K, grads = layered_flow(model, [h[idx] for h in H], weight_decay)
            opt.step(grads)
            total += K
            nb += 1
    return total / nb


def train_vpf(x: np.ndarray, hidden=(196,), *, intra: bool = False, epochs: int = 50, batch: int = 40,
              lr: float = 1e-3, weight_decay: float = 1e-4, intra_sweeps: int = 1, seed: SeedLike = 0,
              init_scale: float = 0.01, model: BoltzmannMachine | None = None,
              callback=None) -> VPFResult:
    """Train a BM with VPF (seed 002, Algorithm 1).

    Parameters
    ----------
    x : (N, n_0) array of 0/1
        Training data (binarised images).
    hidden : sequence of int
        Hidden layer sizes: ``(196,)`` an RBM, ``(196, 196, 64)`` the paper's DBM.
    intra : bool
        Intra-layer weights in every hidden layer (DBM2), sampled with Eq. 5.
    epochs, batch, lr, weight_decay
        Paper: batch 40, Adam lr 1e-3 (betas 0.9, 0.999), weight decay 1e-4.
    seed
        Seeds the initial weights, the E-step samples and the batch order.
    model
        Continue training this model instead of initialising a new one.
    callback
        ``callback(epoch, model)`` after each epoch (e.g. to save snapshots).
    """
    x = _check_data(x)
    epochs = check_int("epochs", epochs, ge=1)
    batch = check_int("batch", batch, ge=1)
    lr = check_real("lr", lr, gt=0)
    weight_decay = check_real("weight_decay", weight_decay, ge=0)
    intra_sweeps = check_int("intra_sweeps", intra_sweeps, ge=1)
    hidden = tuple(check_int("hidden", h, ge=1) for h in hidden)
    if not hidden:
        raise ValueError("hidden must list at least one hidden layer size (got ())")
    rng = as_generator(seed)
    if model is None:
        model = init_model((x.shape[1], *hidden), intra=intra, seed=rng, scale=init_scale)
    elif model.sizes[0] != x.shape[1]:
        raise ValueError(f"model has {model.sizes[0]} visible units but x has {x.shape[1]} columns")
    opt = Adam(model.params(), lr=lr)
    hist = {"loss": [], "rho": [], "w2": [], "act": []}
    t0 = time.perf_counter()
    ok, msg = True, ""
    for e in range(epochs):
        try:
            K = vpf_epoch(model, x, opt, rng, batch=batch, weight_decay=weight_decay, intra_sweeps=intra_sweeps)
        except ComputationError as exc:
            ok, msg = False, f"epoch {e}: {exc}"
            break
        if not (math.isfinite(K) and model.is_finite()):
            ok, msg = False, f"epoch {e}: parameters became non-finite"
            break
        hist["loss"].append(K)
        hist["rho"].append(weight_sparsity(model.W[0]))
        hist["w2"].append(squared_weight(model.W[0]))
        hist["act"].append(float(mean_hidden_activation(model, x).mean()))
        if callback is not None:
            callback(e, model)
    return VPFResult(model.kind, model.sizes, epochs, batch, lr, weight_decay,
                     seed if isinstance(seed, int) else None, tuple(hist["loss"]), tuple(hist["rho"]),
                     tuple(hist["w2"]), tuple(hist["act"]), time.perf_counter() - t0, ok, msg, model)


def top_prior(model: BoltzmannMachine, x: np.ndarray) -> np.ndarray:
    """Mean bottom-up activation of the top layer over the data (the "P" prior of Table 2):
    the layer-by-layer mean-field pass ``mu_k = sigmoid(mu_{k-1} W + b_k)`` averaged over x."""
    mu = np.asarray(x, dtype=np.float64)
    for k in range(1, len(model.sizes)):
        mu = up_prob(model, k, mu)
    return mu.mean(axis=0)


def generate(model: BoltzmannMachine, n: int, *, init: str = "R", r: int = 5, prior: np.ndarray | None = None,
             intra_sweeps: int = 1, seed: SeedLike = 0) -> np.ndarray:
    """Confabulations from a trained BM (seed 002, Algorithm 2).

    ``h_l`` starts as fair coin flips (``init="R"``) or Bernoulli draws from
    ``prior`` (``init="P"``, see :func:`top_prior`). For ``i = l .. 1``, ``r``
    alternations ``h_{i-1} ~ p(h_{i-1} | h_i)``, ``h_i ~ p(h_i | h_{i-1})``
    (each pair of layers treated as an RBM, as printed; with intra-layer
    weights, ``h_i`` then gets asynchronous Gibbs sweeps of Eq. 5). Returns
    the Bernoulli probabilities of ``h_0`` given ``h_1`` (greyscale), shape ``(n, n_0)``.
    """
    n = check_int("n", n, ge=1)
    r = check_int("r", r, ge=1)
    check_choice("init", init, {"R", "P"})
    rng = as_generator(seed)
    L = model.n_layers
    if init == "R":
        h = (rng.random((n, model.sizes[L])) < 0.5).astype(np.float64)
    else:
        if prior is None:
            raise ValueError("init='P' needs prior= (the mean bottom-up activation of the top layer, top_prior())")
        prior = check_array("prior", prior, shape=(model.sizes[L],), dtype=float)
        h = bernoulli(np.broadcast_to(prior, (n, model.sizes[L])), rng)
    with single_blas_thread():
        for i in range(L, 0, -1):
            for _ in range(r):
                below = bernoulli(down_prob(model, i - 1, h), rng)
                ext = below @ model.W[i - 1] + model.b[i]
                h = bernoulli(sigmoid(ext), rng)
                if model.U[i] is not None:
                    h = async_gibbs(h, ext, model.U[i], rng, intra_sweeps)
            if i > 1:
                h = below  # the final h_{i-1} starts the next pair of layers
        return down_prob(model, 0, h)  # p(h_0 | h_1), h = final h_1


def exact_vpf_gradient(model: BoltzmannMachine, p_data: np.ndarray, q_model: BoltzmannMachine | None = None,
                       weight_decay: float = 0.0) -> tuple[float, list[np.ndarray]]:
    """Population VPF objective and gradient of a tiny RBM by exact enumeration.

    ``S(theta) = sum_x p_data(x) sum_h q(h | x) K(x, h; theta)`` with the E-step
    distribution ``q(h | x) = p(h | x; theta_q)`` of ``q_model`` (default: ``model`` itself,
    the E-step at the current parameters; seed 002, Eq. 3-4 and Algorithm 1 with the
    sampling average replaced by its expectation). ``p_data`` is a distribution over the
    ``2^n_visible`` states in the order of :func:`simulate.boltzmann.machines.all_states`. The
    gradient is evaluated with :func:`simulate.boltzmann.mpf.layered_flow` on all complete states
    ``(x, h)`` weighted by ``p_data(x) q(h | x)``. At most 16 visible + hidden units.

    If ``p_data`` is the marginal of an RBM ``theta_0`` and ``q_model = model = theta_0``,
    the complete states are distributed as the joint ``p(x, h; theta_0)`` and, MPF being
    consistent, the gradient vanishes: ``theta_0`` is a fixed point of VPF, as it is of
    maximum likelihood.
    """
    if model.n_layers != 1 or model.intra:
        raise ValueError(f"exact_vpf_gradient needs an RBM (got a {model.kind} with sizes {model.sizes})")
    nv, nh = model.sizes
    if nv + nh > 16:
        raise ValueError(f"exact_vpf_gradient enumerates 2^(n_visible + n_hidden) states: at most 16 units "
                         f"(got sizes {model.sizes})")
    q_model = model if q_model is None else q_model
    if q_model.sizes != model.sizes:
        raise ValueError(f"q_model sizes {q_model.sizes} differ from model sizes {model.sizes}")
    p_data = check_array("p_data", p_data, shape=(2 ** nv,), dtype=np.float64)
    if np.any(p_data < 0) or not math.isclose(float(p_data.sum()), 1.0, rel_tol=1e-9):
        raise ValueError("p_data must be a probability distribution over the 2^n_visible states")
    V, Hs = all_states(nv), all_states(nh)
    ph = up_prob(q_model, 1, V)                                              # (2^nv, nh)
    qh = np.prod(np.where(Hs[None, :, :] == 1, ph[:, None, :], 1 - ph[:, None, :]), axis=2)  # (2^nv, 2^nh)
    X = np.repeat(V, len(Hs), axis=0)
    Hc = np.tile(Hs, (len(V), 1))
    return layered_flow(model, [X, Hc], weight_decay, weights=(p_data[:, None] * qh).ravel())
