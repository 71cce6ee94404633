"""Variational probability flow (VPF): training RBMs, DBMs and DBMs with intra-layer
connections, and generating confabulations.

Source: [liu2018, Alg. 1] (training), [liu2018, Alg. 2] (generation), [liu2018, Eq. 1-2]
(MPF updates), [liu2018, Eq. 5] (intra-layer Gibbs), [liu2018, Sec. "Experiments"] (Adam lr 1e-3,
betas 0.9/0.999, weight decay 1e-4, batch 40).

[liu2018, Alg. 1]: every epoch, an E-step over the *whole* data set samples one
hidden configuration per data point from ``q(h | x)``
(:func:`simulate.boltzmann.machines.bottom_up`: exact for an RBM; bottom-up with the
top-down input zeroed, layer by layer, for a DBM; plus asynchronous Gibbs
sweeps for intra-layer weights); then the M-step runs MPF updates
(:func:`simulate.boltzmann.mpf.mpf_layered_flow`) on shuffled mini-batches of the completed
states with Adam. All layers are trained together, without pre-training.
"""
from __future__ import annotations

import math

import numpy as np

from simulate.boltzmann.gibbs import block_gibbs
from simulate.boltzmann.machines import (
    BoltzmannMachine,
    async_gibbs,
    bernoulli,
    binary_states,
    bottom_up,
    down_prob,
    rbm_layers,
    single_blas_thread,
    up_prob,
)
from simulate.boltzmann.mpf import mpf_layered_flow
from simulate.core import Adam, SeedLike, as_generator
from theory.core import check_array, check_choice, check_int

__all__ = ["vpf_epoch", "generate_confabulations", "vpf_top_prior", "mean_hidden_activation", "exact_vpf_gradient"]


def mean_hidden_activation(model: BoltzmannMachine, x: np.ndarray) -> np.ndarray:
    """Mean over the data of ``p(h_1j = 1 | x)`` for every first-layer hidden unit [liu2018, Fig. 3b].

    Examples
    --------
    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((3, 2), scale=0.0)
    >>> m.b[1][:] = [0.0, np.log(3.0)]
    >>> mean_hidden_activation(m, np.ones((5, 3))).round(6).tolist()
    [0.5, 0.75]
    """
    return up_prob(model, 1, np.asarray(x, dtype=np.float64)).mean(axis=0)


def vpf_epoch(model: BoltzmannMachine, x: np.ndarray, opt: Adam, rng: np.random.Generator, *,
              batch: int = 40, weight_decay: float = 1e-4, intra_sweeps: int = 1) -> float:
    """One epoch of [liu2018, Alg. 1]: E-step on all of ``x``, then M-step on shuffled mini-batches.

    Returns the mean MPF objective over the mini-batches.

    Examples
    --------
    At zero parameters every flow term is 1, so the first objective is the number of units:

    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((3, 2), scale=0.0)
    >>> x = (np.random.default_rng(0).random((10, 3)) < 0.5).astype(float)
    >>> K = vpf_epoch(m, x, Adam(m.params()), np.random.default_rng(1), batch=10, weight_decay=0.0)
    >>> round(K, 6), bool(np.abs(m.W[0]).max() > 0)
    (5.0, True)
    """
    H = bottom_up(model, x, rng, intra_sweeps=intra_sweeps)       # E-step (lines 4-10)
    order = rng.permutation(len(x))
    total, nb = 0.0, 0
    # mini-batch products (40 x 784 x 196) are too small for multi-threaded BLAS: threads
    # only add synchronisation cost (10x slower on a loaded 2-core machine), so use one
    with single_blas_thread():
        for a in range(0, len(x), batch):                         # M-step (lines 11-14)
            idx = order[a:a + batch]
            K, grads = mpf_layered_flow(model, [h[idx] for h in H], weight_decay)
            opt.step(grads)
            total += K
            nb += 1
    return total / nb


def vpf_top_prior(model: BoltzmannMachine, x: np.ndarray) -> np.ndarray:
    """Mean bottom-up activation of the top layer over the data (the "P" prior of [liu2018, Table 2]):
    the layer-by-layer mean-field pass ``mu_k = sigmoid(mu_{k-1} W + b_k)`` averaged over x.

    Examples
    --------
    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((3, 2, 2), scale=0.0)
    >>> m.b[2][:] = np.log(3.0)
    >>> vpf_top_prior(m, np.ones((4, 3))).round(6).tolist()
    [0.75, 0.75]
    """
    mu = np.asarray(x, dtype=np.float64)
    for k in range(1, len(model.sizes)):
        mu = up_prob(model, k, mu)
    return mu.mean(axis=0)


def generate_confabulations(model: BoltzmannMachine, n: int, *, init: str = "R", r: int = 5,
                            prior: np.ndarray | None = None,
             intra_sweeps: int = 1, seed: SeedLike = 0) -> np.ndarray:
    """Confabulations from a trained BM [liu2018, Alg. 2].

    ``h_l`` starts as fair coin flips (``init="R"``) or Bernoulli draws from
    ``prior`` (``init="P"``, see :func:`vpf_top_prior`). For ``i = l .. 1``, ``r``
    alternations ``h_{i-1} ~ p(h_{i-1} | h_i)``, ``h_i ~ p(h_i | h_{i-1})``
    (each pair of layers treated as an RBM, as printed; with intra-layer
    weights, ``h_i`` then gets asynchronous Gibbs sweeps of [liu2018, Eq. 5]). Returns
    the Bernoulli probabilities of ``h_0`` given ``h_1`` (greyscale), shape ``(n, n_0)``.

    Examples
    --------
    With zero weights the visible probabilities are ``sigmoid(b_0)`` whatever the hidden states; the same
    seed gives the same confabulations:

    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((3, 2), scale=0.0)
    >>> m.b[0][:] = np.log(3.0)
    >>> generate_confabulations(m, 2, r=1, seed=0).round(6).tolist()
    [[0.75, 0.75, 0.75], [0.75, 0.75, 0.75]]
    >>> m = init_boltzmann_machine((3, 2), seed=1, scale=1.0)
    >>> bool(np.array_equal(generate_confabulations(m, 2, seed=3), generate_confabulations(m, 2, seed=3)))
    True
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
            raise ValueError("init='P' needs prior= (the mean bottom-up activation of the top layer, vpf_top_prior())")
        prior = check_array("prior", prior, shape=(model.sizes[L],), dtype=float)
        h = bernoulli(np.broadcast_to(prior, (n, model.sizes[L])), rng)
    with single_blas_thread():
        for i in range(L, 0, -1):
            # the pair (h_i, h_{i-1}) as an RBM whose "visible" layer is h_i: a sweep samples h_{i-1}, then h_i
            upper, lower = rbm_layers(model, i - 1)[::-1]
            for _ in range(r if model.U[i] is not None else 1):
                h, below = block_gibbs(model.W[i - 1].T, upper, lower, h, sweeps=1 if model.U[i] is not None else r,
                                       seed=rng, engine="numpy")
                if model.U[i] is not None:
                    h = async_gibbs(h, below @ model.W[i - 1] + model.b[i], model.U[i], rng, intra_sweeps)
            if i > 1:
                h = below  # the final h_{i-1} starts the next pair of layers
        return down_prob(model, 0, h)  # p(h_0 | h_1), h = final h_1


def exact_vpf_gradient(model: BoltzmannMachine, p_data: np.ndarray, q_model: BoltzmannMachine | None = None,
                       weight_decay: float = 0.0) -> tuple[float, list[np.ndarray]]:
    """Population VPF objective and gradient of a tiny RBM by exact enumeration.

    ``S(theta) = sum_x p_data(x) sum_h q(h | x) K(x, h; theta)`` with the E-step
    distribution ``q(h | x) = p(h | x; theta_q)`` of ``q_model`` (default: ``model`` itself,
    the E-step at the current parameters; [liu2018, Eq. 3-4] and [liu2018, Alg. 1] with the
    sampling average replaced by its expectation). ``p_data`` is a distribution over the
    ``2^n_visible`` states in the order of :func:`simulate.boltzmann.machines.binary_states`. The
    gradient is evaluated with :func:`simulate.boltzmann.mpf.mpf_layered_flow` on all complete states
    ``(x, h)`` weighted by ``p_data(x) q(h | x)``. At most 16 visible + hidden units.

    If ``p_data`` is the marginal of an RBM ``theta_0`` and ``q_model = model = theta_0``,
    the complete states are distributed as the joint ``p(x, h; theta_0)`` and, MPF being
    consistent, the gradient vanishes: ``theta_0`` is a fixed point of VPF, as it is of
    maximum likelihood.

    Examples
    --------
    An RBM is a fixed point of VPF for data drawn from itself (the gradient vanishes):

    >>> import numpy as np
    >>> from simulate.boltzmann.machines import exact_rbm, init_boltzmann_machine
    >>> m = init_boltzmann_machine((3, 2), seed=1, scale=0.5)
    >>> K, grads = exact_vpf_gradient(m, exact_rbm(m).p)
    >>> max(float(np.abs(g).max()) for g in grads) < 1e-12
    True
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
    V, Hs = binary_states(nv), binary_states(nh)
    ph = up_prob(q_model, 1, V)                                              # (2^nv, nh)
    qh = np.prod(np.where(Hs[None, :, :] == 1, ph[:, None, :], 1 - ph[:, None, :]), axis=2)  # (2^nv, 2^nh)
    X = np.repeat(V, len(Hs), axis=0)
    Hc = np.tile(Hs, (len(V), 1))
    return mpf_layered_flow(model, [X, Hc], weight_decay, weights=(p_data[:, None] * qh).ravel())
