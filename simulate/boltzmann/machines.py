"""Layered Boltzmann machines with binary {0, 1} units at temperature 1: energies,
conditionals, Gibbs sampling, exact enumeration for tiny models, ``.npz`` save/load.

Source: [liu2018, Sec. "Boltzmann Machines"]: ``p(x) ∝ exp(-Energy(x))`` with
``Energy(x) = -sum_{ij in E} w_ij x_i x_j - sum_i b_i x_i``; the RBM conditional
([liu2018, Sec. "VPF for Multilayer Networks"], unnumbered equation
``p(h_j = 1 | x) = sigmoid(sum_i w_ij x_i + b_j)``) and the intra-layer
asynchronous Gibbs update [liu2018, Eq. 5].

A :class:`BoltzmannMachine` has layers ``h_0`` (visible), ``h_1 .. h_l``
(hidden) of sizes ``sizes``; inter-layer weights ``W[k]`` of shape
``(sizes[k], sizes[k+1])`` couple layers ``k`` and ``k+1``; optional
intra-layer weights ``U[k]`` (symmetric, zero diagonal) couple the units of a
hidden layer ``k >= 1`` (the DBM2 of the paper). With ``U[k]`` the energy is

    Energy(h) = - sum_k b_k.h_k - sum_k h_k W_k h_{k+1} - 1/2 sum_k h_k U_k h_k,

so that every edge is counted once, as in the paper. The total input
("field") of unit ``j`` of layer ``k`` is

    z_kj = b_kj + (h_{k-1} W_{k-1})_j + (W_k h_{k+1})_j + (h_k U_k)_j,

and ``p(h_kj = 1 | rest) = sigmoid(z_kj)``.

States are float64 arrays of 0.0/1.0 with one sample per row (BLAS-friendly).
"""
from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numba
import numpy as np
import numpy.typing as npt
from scipy.special import expit, logsumexp

from simulate.boltzmann.gibbs import block_gibbs
from simulate.boltzmann.layers import BinaryLayer
from simulate.core import SeedLike, as_generator
from theory.core import check_array, check_int, check_real

__all__ = [
    "BoltzmannMachine",
    "init_boltzmann_machine",
    "sigmoid",
    "bernoulli",
    "single_blas_thread",
    "boltzmann_energy",
    "boltzmann_fields",
    "up_prob",
    "down_prob",
    "bottom_up",
    "async_gibbs",
    "rbm_gibbs_chain",
    "rbm_layers",
    "reconstruct_corrupted",
    "corruption_mask",
    "RECONSTRUCT_INITS",
    "free_energy_rbm",
    "exact_rbm",
    "ExactRBM",
    "rbm_log_partition",
    "rbm_loglik",
    "pseudo_loglik",
    "weight_sparsity",
    "squared_weight",
    "save_boltzmann_machine",
    "load_boltzmann_machine",
    "MODEL_FORMAT_VERSION",
]

#: version written into every saved model; bumped when the layout changes
MODEL_FORMAT_VERSION = 1

sigmoid = expit


@dataclass
class BoltzmannMachine:
    """Parameters of a layered Boltzmann machine (mutable: training updates them in place).

    Attributes
    ----------
    sizes : tuple of int
        Layer sizes ``(n_0, n_1, ..., n_l)``; ``n_0`` visible units.
    W : list of ndarray
        ``W[k]`` of shape ``(n_k, n_{k+1})``, weights between layers k and k+1.
    b : list of ndarray
        ``b[k]`` of shape ``(n_k,)``, biases of layer k.
    U : list of (ndarray or None)
        ``U[k]`` of shape ``(n_k, n_k)``, symmetric with zero diagonal: the
        intra-layer weights of hidden layer ``k`` (DBM2); ``None`` if absent.
        ``U[0]`` is always ``None`` (no visible-visible couplings).
    """

    sizes: tuple[int, ...]
    W: list[np.ndarray]
    b: list[np.ndarray]
    U: list[np.ndarray | None] = field(default_factory=list)

    def __post_init__(self):
        self.sizes = tuple(int(s) for s in self.sizes)
        if not self.U:
            self.U = [None] * len(self.sizes)
        if len(self.W) != len(self.sizes) - 1 or len(self.b) != len(self.sizes) or len(self.U) != len(self.sizes):
            raise ValueError(f"model with sizes {self.sizes} needs {len(self.sizes) - 1} weight matrices, "
                             f"{len(self.sizes)} bias vectors and {len(self.sizes)} intra-layer entries")
        for k, w in enumerate(self.W):
            if w.shape != (self.sizes[k], self.sizes[k + 1]):
                raise ValueError(f"W[{k}] must have shape {(self.sizes[k], self.sizes[k + 1])} (got {w.shape})")
        for k, bk in enumerate(self.b):
            if bk.shape != (self.sizes[k],):
                raise ValueError(f"b[{k}] must have shape {(self.sizes[k],)} (got {bk.shape})")
        if self.U[0] is not None:
            raise ValueError("U[0] must be None: the visible layer has no intra-layer connections")
        for k, u in enumerate(self.U):
            if u is not None:
                if u.shape != (self.sizes[k], self.sizes[k]):
                    raise ValueError(f"U[{k}] must have shape {(self.sizes[k], self.sizes[k])} (got {u.shape})")
                if not (np.allclose(u, u.T) and np.all(np.diag(u) == 0)):
                    raise ValueError(f"U[{k}] must be symmetric with a zero diagonal")

    @property
    def n_layers(self) -> int:
        """Number of hidden layers ``l``."""
        return len(self.sizes) - 1

    @property
    def intra(self) -> bool:
        return any(u is not None for u in self.U)

    @property
    def kind(self) -> str:
        """``"rbm"``, ``"dbm"`` (no intra-layer weights) or ``"dbm2"`` (with them)."""
        if self.intra:
            return "dbm2"
        return "rbm" if self.n_layers == 1 else "dbm"

    def params(self) -> list[np.ndarray]:
        """Parameter arrays in the fixed order ``W..., b..., U (present ones)...``."""
        return [*self.W, *self.b, *[u for u in self.U if u is not None]]

    def copy(self) -> BoltzmannMachine:
        return BoltzmannMachine(self.sizes, [w.copy() for w in self.W], [x.copy() for x in self.b],
                                [None if u is None else u.copy() for u in self.U])

    def is_finite(self) -> bool:
        return all(np.all(np.isfinite(p)) for p in self.params())


def init_boltzmann_machine(sizes: Iterable[int], *, intra: bool = False, seed: SeedLike = 0, scale: float = 0.01,
               visible_bias: np.ndarray | None = None) -> BoltzmannMachine:
    """Random initialisation [liu2018, Alg. 1 line 2]: weights ``N(0, scale^2)``, zero biases.

    ``visible_bias`` (e.g. ``log(m / (1 - m))`` of the data means) is optional;
    intra-layer weights, if requested, start at zero.

    Examples
    --------
    >>> m = init_boltzmann_machine((4, 3, 2), intra=True, seed=0)
    >>> m.kind, [w.shape for w in m.W], float(abs(m.U[1]).max()), float(abs(m.b[2]).max())
    ('dbm2', [(4, 3), (3, 2)], 0.0, 0.0)
    """
    sizes = tuple(check_int(f"sizes[{i}]", s, ge=1) for i, s in enumerate(sizes))
    if len(sizes) < 2:
        raise ValueError(f"sizes must list the visible and at least one hidden layer (got {sizes})")
    scale = check_real("scale", scale, ge=0)
    rng = as_generator(seed)
    W = [scale * rng.standard_normal((sizes[k], sizes[k + 1])) for k in range(len(sizes) - 1)]
    b = [np.zeros(s) for s in sizes]
    if visible_bias is not None:
        b[0] = check_array("visible_bias", visible_bias, shape=(sizes[0],), dtype=float).copy()
    U = [None] + [np.zeros((s, s)) if intra else None for s in sizes[1:]]
    return BoltzmannMachine(sizes, W, b, U)


def single_blas_thread():
    """Context limiting BLAS to one thread: the products here (a mini-batch or a few hundred
    rows times a few hundred units) are too small for threads, which only add
    synchronisation cost (10-30x slower on a loaded 2-core machine). No-op without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def bernoulli(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0/1 float samples with success probabilities ``p`` (vectorised)."""
    return (rng.random(p.shape) < p).astype(np.float64)


def _states(model: BoltzmannMachine, H) -> list[np.ndarray]:
    if len(H) != len(model.sizes):
        raise ValueError(f"states must list {len(model.sizes)} layers (got {len(H)})")
    out = []
    for k, h in enumerate(H):
        h = np.asarray(h, dtype=np.float64)
        if h.ndim != 2 or h.shape[1] != model.sizes[k]:
            raise ValueError(f"states[{k}] must have shape (batch, {model.sizes[k]}) (got {h.shape})")
        out.append(h)
    return out


def boltzmann_fields(model: BoltzmannMachine, H: Sequence[npt.ArrayLike]) -> list[np.ndarray]:
    """Total inputs ``z_k`` of every unit of every layer (module docstring), shape ``(B, n_k)``.

    Examples
    --------
    The fields of an RBM's hidden layer give its exact conditional (:func:`up_prob`):

    >>> import numpy as np
    >>> m = init_boltzmann_machine((3, 2), seed=0, scale=0.5)
    >>> x, h = np.array([[1.0, 0.0, 1.0]]), np.array([[1.0, 0.0]])
    >>> Z = boltzmann_fields(m, [x, h])
    >>> [z.shape for z in Z], bool(np.allclose(sigmoid(Z[1]), up_prob(m, 1, x)))
    ([(1, 3), (1, 2)], True)
    """
    H = _states(model, H)
    Z = []
    for k in range(len(H)):
        z = np.broadcast_to(model.b[k], H[k].shape).copy()
        if k > 0:
            z += H[k - 1] @ model.W[k - 1]
        if k < model.n_layers:
            z += H[k + 1] @ model.W[k].T
        if model.U[k] is not None:
            z += H[k] @ model.U[k]
        Z.append(z)
    return Z


def boltzmann_energy(model: BoltzmannMachine, H: Sequence[npt.ArrayLike]) -> np.ndarray:
    """``Energy(h)`` per row ([liu2018, Sec. "Boltzmann Machines"], T = 1).

    Examples
    --------
    Summing ``exp(-Energy)`` over the hidden states of an RBM gives the free energy ``F(v)``:

    >>> import numpy as np
    >>> from scipy.special import logsumexp
    >>> m = init_boltzmann_machine((3, 2), seed=0, scale=0.5)
    >>> x = np.array([[1.0, 0.0, 1.0]])
    >>> E = boltzmann_energy(m, [np.repeat(x, 4, axis=0), binary_states(2)])
    >>> bool(abs(-logsumexp(-E) - free_energy_rbm(m, x)[0]) < 1e-12)
    True
    """
    H = _states(model, H)
    E = np.zeros(H[0].shape[0])
    for k in range(len(H)):
        E -= H[k] @ model.b[k]
        if k < model.n_layers:
            E -= np.einsum("bi,bi->b", H[k] @ model.W[k], H[k + 1])
        if model.U[k] is not None:
            E -= 0.5 * np.einsum("bi,bi->b", H[k] @ model.U[k], H[k])
    return E


def up_prob(model: BoltzmannMachine, k: int, h_below: np.ndarray) -> np.ndarray:
    """``sigmoid(h_{k-1} W_{k-1} + b_k)``: layer k given the layer below only (inputs from
    above and within zeroed; exact for an RBM's hidden layer).

    Examples
    --------
    >>> import numpy as np
    >>> m = init_boltzmann_machine((3, 2), scale=0.0)
    >>> m.b[1][:] = [0.0, np.log(3.0)]
    >>> up_prob(m, 1, np.ones((1, 3))).round(6).tolist()
    [[0.5, 0.75]]
    """
    return sigmoid(h_below @ model.W[k - 1] + model.b[k])


def down_prob(model: BoltzmannMachine, k: int, h_above: np.ndarray) -> np.ndarray:
    """``sigmoid(W_k h_{k+1} + b_k)``: layer k given the layer above only.

    Examples
    --------
    >>> import numpy as np
    >>> m = init_boltzmann_machine((2, 3), scale=0.0)
    >>> m.b[0][:] = [np.log(3.0), -np.log(3.0)]
    >>> down_prob(m, 0, np.ones((1, 3))).round(6).tolist()
    [[0.75, 0.25]]
    """
    return sigmoid(h_above @ model.W[k].T + model.b[k])


@numba.njit(cache=True)
def _async_gibbs_kernel(h, f, U, u, sweeps):
    """Sequential Gibbs over the units of one layer, fixed order j = 0..n-1 [liu2018, Eq. 5].

    ``f`` holds the current total fields (updated incrementally when a unit
    flips); ``u`` uniforms of shape (sweeps, N, n).
    """
    N, n = h.shape
    for s in range(N):
        for t in range(sweeps):
            for j in range(n):
                p = 1.0 / (1.0 + np.exp(-f[s, j]))
                new = 1.0 if u[t, s, j] < p else 0.0
                d = new - h[s, j]
                if d != 0.0:
                    h[s, j] = new
                    for m in range(n):
                        f[s, m] += U[j, m] * d


def async_gibbs(h: np.ndarray, external: np.ndarray, U: np.ndarray, rng: np.random.Generator,
                sweeps: int = 1) -> np.ndarray:
    """Asynchronous Gibbs updates of one layer with intra-layer weights ``U`` [liu2018, Eq. 5].

    ``p_j = sigmoid(sum_{k != j} U_kj h_k + external_j)``, units updated one by
    one in the fixed order ``j = 0, 1, ...``; ``external`` is the input from
    the other layers plus the bias. Returns the updated copy of ``h``.

    Examples
    --------
    A strong external field turns every unit on, whatever ``U``:

    >>> import numpy as np
    >>> U = np.array([[0.0, -1.0], [-1.0, 0.0]])
    >>> async_gibbs(np.zeros((2, 2)), np.full((2, 2), 50.0), U, np.random.default_rng(0)).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    h = np.array(h, dtype=np.float64, order="C")
    f = np.ascontiguousarray(external + h @ U, dtype=np.float64)
    u = rng.random((sweeps, *h.shape))
    _async_gibbs_kernel(h, f, np.ascontiguousarray(U, dtype=np.float64), u, int(sweeps))
    return h


def bottom_up(model: BoltzmannMachine, x: np.ndarray, rng: np.random.Generator, *,
              intra_sweeps: int = 1, chunk: int = 4096) -> list[np.ndarray]:
    """Approximate posterior sample ``h ~ q(h | x)`` [liu2018, Alg. 1 lines 4-9].

    Layer by layer, ``h_k`` is sampled from ``sigmoid(h_{k-1} W_{k-1} + b_k)``
    with the inputs from ``h_{k+1}`` zeroed (exact for an RBM); with
    intra-layer weights each layer then gets ``intra_sweeps`` asynchronous
    Gibbs sweeps of [liu2018, Eq. 5] (inputs from below fixed, from above zeroed).
    Vectorised over the rows of ``x``; processed in chunks to bound memory.

    Examples
    --------
    >>> import numpy as np
    >>> m = init_boltzmann_machine((3, 2, 2), scale=0.0)
    >>> m.b[1][:], m.b[2][:] = 50.0, -50.0        # h_1 surely on, h_2 surely off
    >>> H = bottom_up(m, np.ones((1, 3)), np.random.default_rng(0))
    >>> [h.tolist() for h in H]
    [[[1.0, 1.0, 1.0]], [[1.0, 1.0]], [[0.0, 0.0]]]
    """
    x = np.asarray(x, dtype=np.float64)
    H = [x] + [np.empty((len(x), s)) for s in model.sizes[1:]]
    for a in range(0, len(x), chunk):
        sl = slice(a, a + chunk)
        below = x[sl]
        for k in range(1, len(model.sizes)):
            ext = below @ model.W[k - 1] + model.b[k]
            h = bernoulli(sigmoid(ext), rng)
            if model.U[k] is not None:
                h = async_gibbs(h, ext, model.U[k], rng, intra_sweeps)
            H[k][sl] = h
            below = h
    return H


def rbm_layers(model: BoltzmannMachine, k: int = 0) -> tuple[BinaryLayer, BinaryLayer]:
    """Layers ``k`` and ``k + 1`` of the machine as the binary layers of :mod:`simulate.boltzmann.layers`."""
    return BinaryLayer(model.sizes[k], theta=model.b[k]), BinaryLayer(model.sizes[k + 1], theta=model.b[k + 1])


def rbm_gibbs_chain(model: BoltzmannMachine, v: np.ndarray, k: int, rng: np.random.Generator,
                    clamp: np.ndarray | None = None, v_clamped: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """``k`` block-Gibbs transitions ``v -> h -> v`` of an RBM (no intra-layer weights), by
    :func:`simulate.boltzmann.gibbs.block_gibbs` (numpy engine, all rows at once).

    With a boolean ``clamp`` mask (same shape as ``v``), the masked visible
    units are reset to ``v_clamped`` after every transition. Returns the final
    visible sample and the visible probabilities ``p(v | h)`` of the last transition.

    Examples
    --------
    >>> import numpy as np
    >>> m = init_boltzmann_machine((4, 2), seed=0)
    >>> v, pv = rbm_gibbs_chain(m, np.zeros((3, 4)), 2, np.random.default_rng(0))
    >>> v.shape, bool(np.all((pv > 0) & (pv < 1)))
    ((3, 4), True)
    """
    if model.n_layers != 1 or model.intra:
        raise ValueError(f"rbm_gibbs_chain needs an RBM (got a {model.kind} with sizes {model.sizes})")
    visible, hidden = rbm_layers(model)
    v = np.array(v, dtype=np.float64)
    pv = v.copy()
    if clamp is None:  # one call for all k transitions
        v, h = block_gibbs(model.W[0], visible, hidden, v, sweeps=k, seed=rng, engine="numpy")
        return v, (visible.mean(h @ model.W[0].T) if k else pv)
    for _ in range(k):
        v, h = block_gibbs(model.W[0], visible, hidden, v, sweeps=1, seed=rng, engine="numpy")
        pv = visible.mean(h @ model.W[0].T)
        v[clamp] = v_clamped[clamp]
        pv[clamp] = v_clamped[clamp]
    return v, pv


def corruption_mask(side: int, pattern: str, n: int | None = None) -> np.ndarray:
    """Boolean mask (side*side,) of the corrupted pixels: the first/last ``n`` rows
    (``"top"``/``"bottom"``) or columns (``"left"``/``"right"``); [liu2018, Table 1] uses
    ``n = 12`` of 28, the default ``round(12 * side / 28)``.

    Examples
    --------
    >>> corruption_mask(3, "left", 1).reshape(3, 3).astype(int).tolist()
    [[1, 0, 0], [1, 0, 0], [1, 0, 0]]
    >>> int(corruption_mask(28, "top").sum())          # 12 of the 28 rows, as in [liu2018, Table 1]
    336
    """
    side = check_int("side", side, ge=2)
    n = round(12 * side / 28) if n is None else check_int("n", n, ge=1, le=side)
    m = np.zeros((side, side), dtype=bool)
    if pattern == "top":
        m[:n, :] = True
    elif pattern == "bottom":
        m[side - n:, :] = True
    elif pattern == "left":
        m[:, :n] = True
    elif pattern == "right":
        m[:, side - n:] = True
    else:
        raise ValueError(f"pattern must be one of ['bottom', 'left', 'right', 'top'] (got {pattern!r})")
    return m.ravel()


#: how :func:`reconstruct_corrupted` fills the corrupted pixels before the first transition
RECONSTRUCT_INITS = ("random", "zero", "mean")


def reconstruct_corrupted(model: BoltzmannMachine, x: np.ndarray, mask: np.ndarray, steps: int,
                seed: SeedLike = 0, *, init: str = "random", fill: np.ndarray | None = None,
                clamp: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Reconstruct corrupted pixels [liu2018, Sec. "Image Reconstruction with RBMs"].

    The pixels in ``mask`` are first filled according to ``init`` (the paper does not
    say how; see ``docs/vpf.md`` Section 5):

    * ``"random"``: fair coin flips (session 1's reading of "randomly corrupted");
    * ``"zero"``: 0 (background), i.e. the corrupted rows/columns erased;
    * ``"mean"``: the real-valued ``fill`` (e.g. the training pixel means), used as a
      mean-field input for the first hidden sample.

    Then ``steps`` block-Gibbs transitions ``v -> h -> v`` are run, with the uncorrupted
    pixels reset to their true values after every transition if ``clamp`` (default;
    without clamping the chain may drift away from the uncorrupted part as well).
    Returns ``(x_hat, l1)``: ``x_hat`` are the visible probabilities of the last
    transition (clamped pixels exact) and ``l1 = ||x - x_hat||_1`` per image over all
    pixels, which equals the expected Hamming distance of a binary reconstruction
    sampled from ``x_hat``.

    Examples
    --------
    With zero weights every corrupted pixel is reconstructed as ``sigmoid(0) = 1/2``; the others stay clamped:

    >>> import numpy as np
    >>> m = init_boltzmann_machine((4, 3), scale=0.0)
    >>> x_hat, l1 = reconstruct_corrupted(m, np.ones((2, 4)), corruption_mask(2, "top", 1), steps=2)
    >>> x_hat.tolist(), l1.tolist()
    ([[0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 1.0, 1.0]], [1.0, 1.0])
    """
    rng = as_generator(seed)
    steps = check_int("steps", steps, ge=1)
    if init not in RECONSTRUCT_INITS:
        raise ValueError(f"init must be one of {list(RECONSTRUCT_INITS)} (got {init!r})")
    x = np.asarray(x, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (x.shape[1],):
        raise ValueError(f"mask must have shape ({x.shape[1]},) (got {mask.shape})")
    v0 = x.copy()
    if init == "random":
        v0[:, mask] = (rng.random((len(x), int(mask.sum()))) < 0.5)
    elif init == "zero":
        v0[:, mask] = 0.0
    else:
        if fill is None:
            raise ValueError("init='mean' needs fill= (per-pixel values in [0, 1], e.g. the training means)")
        fill = check_array("fill", fill, shape=(x.shape[1],), dtype=float)
        if np.any((fill < 0) | (fill > 1)):
            raise ValueError("fill must lie in [0, 1]")
        v0[:, mask] = fill[mask]
    cl = np.broadcast_to(~mask, x.shape) if clamp else None
    with single_blas_thread():
        _, pv = rbm_gibbs_chain(model, v0, steps, rng, clamp=cl, v_clamped=x)
    return pv, np.abs(x - pv).sum(axis=1)


def free_energy_rbm(model: BoltzmannMachine, v: np.ndarray) -> np.ndarray:
    """``F(v) = -b.v - sum_j log(1 + exp(c_j + (vW)_j))`` so that ``p(v) ∝ exp(-F(v))``.

    Examples
    --------
    With zero weights and biases ``F(v) = -n_h log 2``:

    >>> import numpy as np
    >>> m = init_boltzmann_machine((3, 2), scale=0.0)
    >>> round(float(free_energy_rbm(m, np.ones((1, 3)))[0]), 6), round(-2 * float(np.log(2.0)), 6)
    (-1.386294, -1.386294)
    """
    v = np.asarray(v, dtype=np.float64)
    return -(v @ model.b[0]) - np.logaddexp(0.0, v @ model.W[0] + model.b[1]).sum(axis=1)


def binary_states(n: int) -> np.ndarray:
    """All ``2^n`` binary vectors as float rows (n <= 22).

    Examples
    --------
    >>> binary_states(2).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    n = check_int("n", n, ge=1, le=22)
    idx = np.arange(2 ** n)[:, None]
    return ((idx >> np.arange(n)[None, :]) & 1).astype(np.float64)


@dataclass(frozen=True, kw_only=True)
class ExactRBM:
    """Exact quantities of a tiny RBM by enumerating the visible states (:func:`exact_rbm`).

    Attributes
    ----------
    logZ : float
        Log partition function.
    states : ndarray
        The ``2^n_v`` visible states, one per row (order of :func:`binary_states`).
    p : ndarray
        Their probabilities ``p(v)``.
    vh, v, h : ndarray
        Model moments ``<v_i h_j>`` (n_v, n_h), ``<v_i>`` (n_v,), ``<h_j>`` (n_h,).
    """

    logZ: float
    states: np.ndarray
    p: np.ndarray
    vh: np.ndarray
    v: np.ndarray
    h: np.ndarray

    def loglik(self, model: BoltzmannMachine, x: np.ndarray) -> np.ndarray:
        return -free_energy_rbm(model, x) - self.logZ


def exact_rbm(model: BoltzmannMachine) -> ExactRBM:
    """Partition function and model moments ``<v_i h_j>``, ``<v_i>``, ``<h_j>`` of an RBM with
    at most 22 visible units, by enumeration (for tests of CD/PCD).

    Examples
    --------
    >>> m = init_boltzmann_machine((3, 2), seed=0, scale=0.5)
    >>> e = exact_rbm(m)
    >>> round(float(e.p.sum()), 6), e.states.shape, abs(e.logZ - rbm_log_partition(m)) < 1e-12
    (1.0, (8, 3), True)
    """
    if model.n_layers != 1 or model.intra:
        raise ValueError("exact_rbm needs an RBM")
    S = binary_states(model.sizes[0])
    logp = -free_energy_rbm(model, S)
    logZ = float(logsumexp(logp))
    p = np.exp(logp - logZ)
    ph = sigmoid(S @ model.W[0] + model.b[1])
    return ExactRBM(logZ=logZ, states=S, p=p, vh=(S * p[:, None]).T @ ph, v=p @ S, h=p @ ph)


def rbm_log_partition(model: BoltzmannMachine, chunk: int = 4096) -> float:
    """Exact ``log Z`` of an RBM, summing over the states of its *smaller* layer (at most 22 units).

    Over the hidden states, ``Z = sum_h exp(b_1.h) prod_i (1 + exp(b_0i + (W h)_i))``
    (visible units summed out); over the visible states, ``Z = sum_v exp(-F(v))``. Lets the
    exact log-likelihood of an RBM with 784 visible and up to 22 hidden units be computed
    (no AIS), in chunks of ``chunk`` states so that memory stays bounded.

    Examples
    --------
    Zero parameters give ``log Z = (n_v + n_h) log 2``; both enumeration branches agree:

    >>> import numpy as np
    >>> round(rbm_log_partition(init_boltzmann_machine((3, 2), scale=0.0)) / float(np.log(2.0)), 6)
    5.0
    >>> m = init_boltzmann_machine((2, 3), seed=0, scale=0.5)    # sums over the 2^2 visible states
    >>> abs(rbm_log_partition(m) - exact_rbm(m).logZ) < 1e-12
    True
    """
    if model.n_layers != 1 or model.intra:
        raise ValueError(f"rbm_log_partition needs an RBM (got a {model.kind} with sizes {model.sizes})")
    nv, nh = model.sizes
    if min(nv, nh) > 22:
        raise ValueError(f"rbm_log_partition enumerates 2^min(n_visible, n_hidden) states: the smaller "
                         f"layer must have <= 22 units (got sizes {model.sizes})")
    parts = []
    if nh <= nv:
        S = binary_states(nh)
        for a in range(0, len(S), chunk):
            h = S[a:a + chunk]
            parts.append(h @ model.b[1] + np.logaddexp(0.0, h @ model.W[0].T + model.b[0]).sum(axis=1))
    else:
        S = binary_states(nv)
        for a in range(0, len(S), chunk):
            parts.append(-free_energy_rbm(model, S[a:a + chunk]))
    return float(logsumexp(np.concatenate(parts)))


def rbm_loglik(model: BoltzmannMachine, x: np.ndarray, logZ: float | None = None) -> np.ndarray:
    """Exact ``log p(x) = -F(x) - log Z`` per row (:func:`rbm_log_partition`).

    Examples
    --------
    The likelihoods of all visible states sum to 1:

    >>> import numpy as np
    >>> m = init_boltzmann_machine((3, 2), seed=0, scale=0.5)
    >>> round(float(np.exp(rbm_loglik(m, binary_states(3))).sum()), 6)
    1.0
    """
    logZ = rbm_log_partition(model) if logZ is None else logZ
    return -free_energy_rbm(model, x) - logZ


def pseudo_loglik(model: BoltzmannMachine, x: np.ndarray) -> np.ndarray:
    """Exact pseudo-log-likelihood ``sum_i log p(x_i | x_-i)`` per row of an RBM (all units,
    no sampling): ``log p(x_i | x_-i) = -log(1 + exp(F(x) - F(x with bit i flipped)))``.

    Examples
    --------
    With zero parameters every conditional is 1/2, so the pseudo-log-likelihood is ``-n_v log 2``:

    >>> import numpy as np
    >>> m = init_boltzmann_machine((3, 2), scale=0.0)
    >>> round(float(pseudo_loglik(m, np.array([[1.0, 0.0, 1.0]]))[0] / np.log(2.0)), 6)
    -3.0
    """
    x = np.asarray(x, dtype=np.float64)
    if model.n_layers != 1 or model.intra:
        raise ValueError(f"pseudo_loglik needs an RBM (got a {model.kind} with sizes {model.sizes})")
    F0 = free_energy_rbm(model, x)
    a = x @ model.W[0] + model.b[1]
    out = np.zeros(len(x))
    for i in range(x.shape[1]):
        s = 1.0 - 2.0 * x[:, i]  # +1: bit i turns on
        Fi = -(x @ model.b[0] + s * model.b[0][i]) - np.logaddexp(0.0, a + s[:, None] * model.W[0][i]).sum(axis=1)
        out -= np.logaddexp(0.0, F0 - Fi)
    return out


def weight_sparsity(W: np.ndarray) -> float:
    """``rho = 1/(|x||h|) sum_j (sum_i w_ij^2)^2 / sum_i w_ij^4``
    ([liu2018, Sec. "Restricted Boltzmann Machines"]; Tubiana & Monasson's ``p``).

    Examples
    --------
    Dense columns give ``rho = 1``, one non-zero weight per hidden unit gives ``1/|x|``:

    >>> import numpy as np
    >>> weight_sparsity(np.ones((4, 2))), weight_sparsity(np.eye(4)[:, :2])
    (1.0, 0.25)
    """
    W = np.asarray(W, dtype=np.float64)
    w2 = (W ** 2).sum(axis=0)
    w4 = (W ** 4).sum(axis=0)
    ok = w4 > 0
    return float(np.sum(w2[ok] ** 2 / w4[ok]) / W.size)


def squared_weight(W: np.ndarray) -> float:
    """``w^2 = 1/|h| sum_ij w_ij^2`` [liu2018, Sec. "Restricted Boltzmann Machines"].

    Examples
    --------
    >>> import numpy as np
    >>> squared_weight(np.ones((4, 2)))
    4.0
    """
    W = np.asarray(W, dtype=np.float64)
    return float((W ** 2).sum() / W.shape[1])


# --------------------------------------------------------------------------- save / load


def save_boltzmann_machine(model: BoltzmannMachine, path: str | os.PathLike, **meta) -> Path:
    """Write the model to ``.npz`` (no pickled objects) with ``version`` and ``kind`` fields.

    Extra scalar/string metadata (``method="vpf"``, ``epochs=50``...) is stored as ``meta_<name>``.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> m = init_boltzmann_machine((4, 3), seed=0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     m2, meta = load_boltzmann_machine(save_boltzmann_machine(m, os.path.join(d, "m.npz"), method="vpf"))
    >>> meta, m2.kind, bool(np.array_equal(m2.W[0], m.W[0]))
    ({'method': 'vpf'}, 'rbm', True)
    """
    path = Path(path)
    arrays = {"version": np.array(MODEL_FORMAT_VERSION), "kind": np.array(model.kind),
              "sizes": np.array(model.sizes, dtype=np.int64)}
    for k, w in enumerate(model.W):
        arrays[f"W{k}"] = w
    for k, x in enumerate(model.b):
        arrays[f"b{k}"] = x
    for k, u in enumerate(model.U):
        if u is not None:
            arrays[f"U{k}"] = u
    for name, value in meta.items():
        arrays[f"meta_{name}"] = np.array(value)
        if arrays[f"meta_{name}"].dtype == object:
            raise ValueError(f"metadata {name!r} must be a number or a string (got {type(value).__name__})")
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)
    return path


def load_boltzmann_machine(path: str | os.PathLike) -> tuple[BoltzmannMachine, dict]:
    """Read a model written by :func:`save_boltzmann_machine`; returns ``(model, meta)``.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        Not an ``.npz`` archive, pickled content, missing/extra arrays, wrong
        version, shapes that disagree with ``sizes``, or non-finite values —
        the message names the file and the problem.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> m = init_boltzmann_machine((4, 3, 2), intra=True, seed=0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     m2, meta = load_boltzmann_machine(save_boltzmann_machine(m, os.path.join(d, "m.npz"), epochs=5))
    >>> m2.sizes, m2.kind, meta, all(np.array_equal(a, b) for a, b in zip(m.params(), m2.params()))
    ((4, 3, 2), 'dbm2', {'epochs': 5}, True)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path}")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not a readable .npz model file (not a zip archive of .npy arrays)")
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise ValueError(f"{path}: not a readable .npz model file ({exc})") from exc
    except ValueError as exc:  # pickled arrays refused by allow_pickle=False
        raise ValueError(f"{path}: malformed model file ({exc})") from exc
    for key in ("version", "kind", "sizes"):
        if key not in data:
            raise ValueError(f"{path}: malformed model file: missing field {key!r}")
    try:
        version = int(data["version"])
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed model file: version is not an integer") from exc
    if version != MODEL_FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported model format version {version} (this code reads {MODEL_FORMAT_VERSION})")
    sizes = data["sizes"]
    if sizes.ndim != 1 or sizes.size < 2 or sizes.dtype.kind not in "iu" or np.any(sizes < 1):
        raise ValueError(f"{path}: malformed model file: sizes must be >= 2 positive integers (got {sizes!r})")
    L = len(sizes)
    for k, a in data.items():
        if k[:1] in "WbU" and k[1:].isdigit() and a.dtype.kind not in "biuf":
            raise ValueError(f"{path}: malformed model file: array {k!r} must hold real numbers (got dtype {a.dtype}; "
                             "a complex array is not cast to real)")
    try:
        W = [np.asarray(data[f"W{k}"], dtype=np.float64) for k in range(L - 1)]
        b = [np.asarray(data[f"b{k}"], dtype=np.float64) for k in range(L)]
    except KeyError as exc:
        raise ValueError(f"{path}: malformed model file: missing array {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: malformed model file: non-numeric parameter array ({exc})") from exc
    U = [np.asarray(data[f"U{k}"], dtype=np.float64) if f"U{k}" in data else None for k in range(L)]
    known = {"version", "kind", "sizes", *(f"W{k}" for k in range(L - 1)), *(f"b{k}" for k in range(L)),
             *(f"U{k}" for k in range(L))}
    extra = [k for k in data if k not in known and not k.startswith("meta_")]
    if extra:
        raise ValueError(f"{path}: malformed model file: unexpected arrays {sorted(extra)}")
    try:
        model = BoltzmannMachine(tuple(int(s) for s in sizes), W, b, U)
    except ValueError as exc:
        raise ValueError(f"{path}: malformed model file: {exc}") from exc
    if not model.is_finite():
        raise ValueError(f"{path}: malformed model file: parameters contain NaN or inf")
    if str(data["kind"]) != model.kind:
        raise ValueError(f"{path}: malformed model file: kind {str(data['kind'])!r} does not match the arrays "
                         f"({model.kind!r})")
    meta = {k[5:]: data[k].item() for k in data if k.startswith("meta_")}
    return model, meta
