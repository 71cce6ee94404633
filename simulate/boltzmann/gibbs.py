"""One block-Gibbs sampler for restricted Boltzmann machines over the layer types of
:mod:`simulate.boltzmann.layers`.

The joint distribution at inverse temperature ``beta`` is
``p(v, h) ∝ exp(-beta [E_v(v) + E_h(h) - scale v^T W h])`` with ``W`` of shape ``(n_v, n_h)``;
a sweep samples ``h ~ p(h | v)`` (input ``I_h = scale v W``) and then ``v ~ p(v | h)``
(input ``I_v = scale W h``), every unit from its layer's conditional. It is the sampler of

* the planted RBM of [huang2020, Eq. 1] (spin visible and hidden units, ``scale = 1/sqrt(N)``;
  :func:`simulate.variational_rbm.planted.sample_planted_rbm`),
* the ReLU RBM of [tubiana2017] (binary visible, ReLU hidden, annealed ``beta``;
  :func:`simulate.boltzmann.relu_rbm.relu_rbm_gibbs`),
* the binary RBM / DBM chains of [liu2018] and CD [hinton2002]
  (:func:`simulate.boltzmann.machines.rbm_gibbs_chain`, :func:`simulate.boltzmann.vpf.generate_confabulations`,
  :func:`simulate.boltzmann.cd.cd_gradient`).

Two engines: ``"numba"`` (a compiled sweep, :func:`gibbs_sweep`, one chain at a time, numba's generator
seeded from ``seed``; the kernels of the planted and ReLU samplers call the same sweep) and ``"numpy"``
(all chains at once with matrix products and the ``numpy.random.Generator`` ``seed``: fast for many chains
of large layers, and the stream of the binary-RBM chains of [liu2018]).
"""
from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from simulate.boltzmann.layers import KIND_BINARY, KIND_RELU, KIND_SPIN, Layer
from simulate.core import SeedLike, as_generator, seed_numba
from theory.core import check_array, check_choice, check_real

__all__ = ["block_gibbs", "gibbs_sweep", "sample_layer", "sample_unit", "truncated_normal_positive"]


@numba.njit(cache=True)
def truncated_normal_positive(mu: float, sigma: float) -> float:
    """A sample of ``N(mu, sigma^2)`` conditioned on ``> 0``: normal rejection, or Robert's exponential
    rejection when the truncation point ``-mu/sigma`` is in the right tail (``>= 0.5``).

    The kernels draw from numba's generator (seeded by :func:`simulate.core.rng.seed_numba`), hence the
    legacy ``np.random`` calls (``noqa: NPY002``)."""
    a = -mu / sigma
    if a < 0.5:
        while True:
            z = np.random.standard_normal()  # noqa: NPY002
            if z > a:
                return mu + sigma * z
    lam = 0.5 * (a + math.sqrt(a * a + 4.0))
    while True:
        z = a - math.log(1.0 - np.random.random()) / lam  # noqa: NPY002
        if np.random.random() <= math.exp(-0.5 * (z - lam) ** 2):  # noqa: NPY002
            return mu + sigma * z


@numba.njit(cache=True)
def sample_unit(kind: int, theta: float, gamma: float, inputs: float, beta: float) -> float:
    """One unit from its conditional given its input (layer ``kind``, see :mod:`simulate.boltzmann.layers`)."""
    if kind == KIND_BINARY:
        x = beta * (theta + inputs)
        p = 1.0 / (1.0 + math.exp(-x)) if x > -700.0 else 0.0
        return 1.0 if np.random.random() < p else 0.0  # noqa: NPY002
    if kind == KIND_SPIN:
        p = 0.5 * (1.0 + math.tanh(beta * (theta + inputs)))
        return 1.0 if np.random.random() < p else -1.0  # noqa: NPY002
    loc = (theta + inputs) / gamma
    s = 1.0 / math.sqrt(beta * gamma)
    if kind == KIND_RELU:
        return truncated_normal_positive(loc, s)
    return loc + s * np.random.standard_normal()  # noqa: NPY002


@numba.njit(cache=True)
def sample_layer(A, x, scale, kind, theta, gamma, beta, out):
    """Every unit ``j`` of a layer from its conditional given the input ``scale sum_i A[j, i] x_i`` (into ``out``);
    zero states of ``x`` are skipped in the sums (sparse binary layers)."""
    for j in range(A.shape[0]):
        acc = 0.0
        row = A[j]
        for i in range(x.size):
            if x[i] != 0.0:
                acc += row[i] * x[i]
        out[j] = sample_unit(kind, theta[j], gamma[j], acc * scale, beta)


@numba.njit(cache=True)
def gibbs_sweep(W, Wt, scale, vkind, vtheta, vgamma, hkind, htheta, hgamma, beta, v, h):
    """One block-Gibbs sweep of one chain in place: ``h ~ p(h | v)`` then ``v ~ p(v | h)``.

    ``W`` (n_v, n_h) and its C-contiguous transpose ``Wt``; inputs ``scale sum_i W_i mu v_i`` and
    ``scale sum_mu W_i mu h_mu``.

    Examples
    --------
    Strong fields switch the binary visible units on and the hidden ones off:

    >>> import numpy as np
    >>> from simulate.boltzmann.layers import BinaryLayer
    >>> vk, vt, vg = BinaryLayer(3, theta=50.0).params()
    >>> hk, ht, hg = BinaryLayer(2, theta=-50.0).params()
    >>> W = np.zeros((3, 2))
    >>> v, h = np.zeros(3), np.ones(2)
    >>> gibbs_sweep(W, np.ascontiguousarray(W.T), 1.0, vk, vt, vg, hk, ht, hg, 1.0, v, h)
    >>> v.tolist(), h.tolist()
    ([1.0, 1.0, 1.0], [0.0, 0.0])
    """
    sample_layer(Wt, v, scale, hkind, htheta, hgamma, beta, h)
    sample_layer(W, h, scale, vkind, vtheta, vgamma, beta, v)


@numba.njit(cache=True)
def _chains_kernel(W, Wt, scale, vkind, vtheta, vgamma, hkind, htheta, hgamma, betas, V, H):
    for c in range(V.shape[0]):
        for t in range(betas.size):
            gibbs_sweep(W, Wt, scale, vkind, vtheta, vgamma, hkind, htheta, hgamma, betas[t], V[c], H[c])


def block_gibbs(W: np.ndarray, visible: Layer, hidden: Layer, v0: np.ndarray, *, sweeps: int = 1,
                beta: float = 1.0, betas: npt.ArrayLike | None = None, scale: float = 1.0, seed: SeedLike = 0,
                engine: str = "numba") -> tuple[np.ndarray, np.ndarray]:
    """Block-Gibbs sweeps ``v -> h -> v`` of an RBM with any layer types, from the visible states ``v0``.

    Parameters
    ----------
    W : (n_v, n_h) array
        Weights; the coupling is ``scale v^T W h``.
    visible, hidden : layers of :mod:`simulate.boltzmann.layers`
        Unit types and fields of the two layers.
    v0 : (B, n_v) or (n_v,) array
        Initial visible states, one chain per row.
    sweeps, beta : int, float
        ``sweeps`` sweeps at inverse temperature ``beta`` ...
    betas : sequence of float, optional
        ... or one sweep per entry of ``betas`` (an annealing schedule [tubiana2017]).
    scale : float
        Weight scale (``1/sqrt(N)`` for the planted model [huang2020, Eq. 1]).
    seed : int or numpy.random.Generator
        Randomness (``"numba"``: seeds numba's generator from it).
    engine : ``"numba"`` or ``"numpy"``
        Compiled per-chain sweeps, or all chains at once with matrix products.

    Returns
    -------
    (v, h)
        The final visible and hidden states, shapes ``(B, n_v)`` and ``(B, n_h)`` (``B`` omitted for a 1-D ``v0``).

    Examples
    --------
    >>> import numpy as np
    >>> from simulate.boltzmann.layers import BinaryLayer, ReLULayer
    >>> W = np.ones((3, 2))
    >>> v, h = block_gibbs(W, BinaryLayer(3), ReLULayer(2), np.zeros((4, 3)), sweeps=5, seed=0)
    >>> v.shape, h.shape, bool(np.all(h >= 0))
    ((4, 3), (4, 2), True)
    """
    W = check_array("W", W, ndim=2, dtype=np.float64)
    nv, nh = W.shape
    if visible.n != nv or hidden.n != nh:
        raise ValueError(f"layer sizes ({visible.n}, {hidden.n}) do not match W of shape {W.shape}")
    check_choice("engine", engine, {"numba", "numpy"})
    scale = check_real("scale", scale)
    if betas is None:
        betas = np.full(int(sweeps), check_real("beta", beta, gt=0))
    betas = check_array("betas", np.atleast_1d(np.asarray(betas, dtype=np.float64)), ndim=1)
    if np.any(betas <= 0):
        raise ValueError("betas must all be > 0")
    single = np.ndim(v0) == 1
    V = np.array(np.atleast_2d(v0), dtype=np.float64, order="C")
    if V.shape[1] != nv:
        raise ValueError(f"v0 must have {nv} columns (got shape {np.shape(v0)})")
    rng = as_generator(seed)
    H = np.zeros((len(V), nh))
    if engine == "numpy":
        for b in betas:
            H = hidden.sample(scale * (V @ W), b, rng)
            V = visible.sample(scale * (H @ W.T), b, rng)
    else:
        seed_numba(rng)
        _chains_kernel(W, np.ascontiguousarray(W.T), scale, *visible.params(), *hidden.params(), betas, V, H)
    return (V[0], H[0]) if single else (V, H)
