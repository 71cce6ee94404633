"""Contrastive divergence (CD-k) and persistent CD (PCD-k) for binary RBMs: the baselines of
[liu2018, Table 1] (CD-1, CD-10, PCD-1, PCD-10).

The log-likelihood gradient of an RBM is
``d log p(v)/dW = <v p(h|v)>_data - <v h>_model``; CD-k [hinton2002]
estimates the model term with a k-step block-Gibbs chain started at the data
batch, PCD-k [tieleman2008] with chains that persist across updates. The
paper used the Theano deep-learning tutorial's code: plain SGD, learning
rate 0.1, batch 20, no weight decay (the defaults of
:func:`simulate.boltzmann.training.train_cd`); with Adam it trains with the
optimizer settings of VPF instead. The training loop is
:func:`simulate.boltzmann.training.train_boltzmann`; this module holds the epoch step.
"""
from __future__ import annotations

import numpy as np

from simulate.boltzmann.gibbs import block_gibbs
from simulate.boltzmann.machines import BoltzmannMachine, rbm_layers, single_blas_thread, up_prob
from simulate.core import Adam

__all__ = ["cd_gradient", "cd_epoch"]


def cd_gradient(model: BoltzmannMachine, v0: np.ndarray, k: int, rng: np.random.Generator,
                chain: np.ndarray | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """CD-k [hinton2002] (``chain=None``) or PCD-k [tieleman2008] estimate of the gradient of the
    *negative* mean log-likelihood.

    Parameters
    ----------
    model : BoltzmannMachine
        An RBM.
    v0 : (B, n) array of 0/1
        The data batch (positive phase, with ``p(h | v0)``).
    k : int
        Block-Gibbs steps of the negative chains.
    rng : numpy.random.Generator
        Source of the Gibbs samples.
    chain : (B', n) array, optional
        Persistent chain states (PCD); ``None`` starts the chains at ``v0`` (CD).

    Returns
    -------
    (grads, v_k)
        The gradient ``[dW, db_visible, db_hidden]`` in the order of ``model.params()`` and the
        final visible state of the negative chains (the new persistent state for PCD).

    Examples
    --------
    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((4, 2), seed=0)
    >>> g, vk = cd_gradient(m, np.ones((3, 4)), 1, np.random.default_rng(0))
    >>> [a.shape for a in g], vk.shape
    ([(4, 2), (4,), (2,)], (3, 4))
    """
    B = len(v0)
    ph0 = up_prob(model, 1, v0)
    v, _ = block_gibbs(model.W[0], *rbm_layers(model), v0 if chain is None else chain, sweeps=k, seed=rng,
                       engine="numpy")
    phk = up_prob(model, 1, v)
    Bn = len(v)
    gW = v.T @ phk / Bn - v0.T @ ph0 / B
    ga = v.mean(axis=0) - v0.mean(axis=0)
    gc = phk.mean(axis=0) - ph0.mean(axis=0)
    return [gW, ga, gc], v


def cd_epoch(model: BoltzmannMachine, x: np.ndarray, opt: Adam | None, rng: np.random.Generator, *, k: int = 1,
             batch: int = 20, lr: float = 0.1, weight_decay: float = 0.0,
             chain: np.ndarray | None = None) -> np.ndarray | None:
    """One epoch of CD-k / PCD-k updates on shuffled mini-batches of ``x`` (in place).

    The L2 penalty ``weight_decay sum w^2`` adds ``2 weight_decay W`` to the weight gradient; the update
    is Adam (``opt``) or plain SGD with step ``lr`` (``opt=None``). With persistent chains ``chain``
    (PCD [tieleman2008]) returns their new state, else ``None``.

    Examples
    --------
    >>> import numpy as np
    >>> from simulate.boltzmann.machines import init_boltzmann_machine
    >>> m = init_boltzmann_machine((4, 2), seed=0)
    >>> cd_epoch(m, np.ones((10, 4)), None, np.random.default_rng(0), batch=5) is None
    True
    """
    order = rng.permutation(len(x))
    with single_blas_thread():  # mini-batch products: threads only add overhead
        for a in range(0, len(x), batch):
            v0 = x[order[a:a + batch]]
            grads, vk = cd_gradient(model, v0, k, rng, chain)
            if chain is not None:
                chain = vk
            if weight_decay:
                grads[0] = grads[0] + 2 * weight_decay * model.W[0]
            if opt is not None:
                opt.step(grads)
            else:
                for p, g in zip(model.params(), grads):
                    p -= lr * g
    return chain
