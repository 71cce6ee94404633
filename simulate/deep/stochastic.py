"""Deep networks with stochastic binary synapses and sign activations [baldassi2018, SM Eq. 41].

The network ``tau^{l+1}_i = sign(sum_j W^l_ij tau^l_j + b^l_i)`` has independent synapses
``W^l_ij = +-1`` with means ``m^l_ij`` and continuous biases ``b^l_i``. Training follows the
mean-field (factorized, uncorrelated-neuron) propagation of the activation means ``a^l`` of
[baldassi2018, SM Sec. V] with the variance written correctly (the printed denominator lacks its
square root; see ``docs/deep_networks.md``):

    mu_i      = sum_j m_ij a_j + b_i
    sigma_i^2 = sum_j ( E[tau_j^2] - m_ij^2 a_j^2 )
              = sum_j E[tau_j^2] (1 - m_ij^2) + sum_j m_ij^2 Var(tau_j)
    a'_i      = 2 H(-mu_i / sigma_i) - 1 = erf(z_i / sqrt 2),   z_i = mu_i / sigma_i

with ``E[tau_j^2] = x_j^2, Var = 0`` for the deterministic input pixels and
``E[tau_j^2] = 1, Var = 1 - a_j^2`` for the +-1 hidden units (both terms non-negative: no
cancellation in float32). The output layer gives ``z_k = mu_k / sigma_k`` and the loss is

* one output unit (labels +-1): ``-log H(-y z)``, the exact central-limit probability that the
  stochastic unit answers ``y`` -- with no hidden layer this is the stochastic perceptron's
  ``-log``-likelihood [baldassi2018, Eq. 6];
* ``K >= 2`` outputs: the cross-entropy of ``softmax(beta z)`` with ``beta = pi / sqrt 6``
  (each Gaussian output field replaced by a Gumbel variable of the same variance, for which the
  probability of being the largest is exactly a softmax; derivation in ``docs/deep_networks.md``).

The means are parametrised as ``m = tanh(h)`` (the fields of [baldassi2018, Eq. 7] and the
text after it): Adam works on unconstrained ``h``, ``m`` never leaves ``(-1, 1)``.
Gradients are derived by hand (``docs/deep_networks.md``); all products are BLAS GEMMs.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import erf

from simulate.core.rng import SeedLike, as_generator
from simulate.deep._common import (
    check_inputs,
    check_real,
    chunked,
    dropout_mask,
    labels_from_outputs,
    set_network_settings,
    sign_pm,
    softmax_cross_entropy,
    training_batch,
)
from simulate.deep._kernels import field_gradient, flush_tiny, square_rows
from theory.core.special import GH, logH

__all__ = [
    "StochasticBinaryNetwork",
    "preactivation_moments",
    "preactivation_moments_backward",
    "mean_field_activation",
    "SOFTMAX_SCALE",
    "VARIANCE_FLOOR",
]

#: ``beta`` of the approximated softmax ``softmax(beta z)``: ``pi / sqrt 6`` matches a Gumbel
#: variable's variance ``pi^2 / (6 beta^2)`` to the unit variance of ``z``'s noise.
SOFTMAX_SCALE = math.pi / math.sqrt(6.0)

#: floor on ``sigma^2`` (reached only if a unit's whole input distribution has collapsed)
VARIANCE_FLOOR = 1e-6

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT2 = 1.0 / math.sqrt(2.0)


def preactivation_moments(mean: np.ndarray, m: np.ndarray, b: np.ndarray, *, second: np.ndarray | None = None,
                          deterministic: bool = False, m2: np.ndarray | None = None, om2: np.ndarray | None = None,
                          om2_rowsum: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of ``h_i = sum_j W_ij tau_j + b_i`` over independent ``W`` and ``tau``.

    Parameters
    ----------
    mean : ndarray, shape (B, n_in)
        ``a_j = E[tau_j]`` for each of ``B`` inputs.
    m : ndarray, shape (n_out, n_in)
        ``m_ij = E[W_ij]``, with ``W_ij = +-1``.
    b : ndarray, shape (n_out,)
        Biases.
    second : ndarray, shape (B, n_in), optional
        ``E[tau_j^2]``; default 1 (``tau = +-1``), unless ``deterministic``.
    deterministic : bool
        ``tau_j = a_j`` exactly (input pixels): ``E[tau_j^2] = a_j^2``.
    m2, om2, om2_rowsum : ndarray, optional
        Precomputed ``m^2``, ``1 - m^2`` and its row sums (the training loop computes them once per step).

    Returns
    -------
    mu, s2 : ndarray, shape (B, n_out)
        ``mu = sum_j m_ij a_j + b_i`` and
        ``s2 = sum_j E[tau_j^2](1 - m_ij^2) + sum_j m_ij^2 (E[tau_j^2] - a_j^2)``
        (``= sum_j (E[tau_j^2] - m_ij^2 a_j^2)``, the corrected [baldassi2018, SM Eq. 41] denominator squared).

    Examples
    --------
    >>> import numpy as np
    >>> mu, s2 = preactivation_moments(np.array([[0.5, -1.0]]), np.array([[0.2, 0.4]]), np.array([0.1]))
    >>> round(float(mu[0, 0]), 12), round(float(s2[0, 0]), 12)   # 0.1 + 0.1 - 0.4; (1 - 0.01) + (1 - 0.16)
    (-0.2, 1.83)
    """
    if m2 is None:
        m2 = m * m
    mu = mean @ m.T
    mu += b
    mean2 = mean * mean
    if deterministic:
        s2 = mean2 @ (om2 if om2 is not None else 1.0 - m2).T
    elif second is None:
        np.subtract(1.0, mean2, out=mean2)
        s2 = mean2 @ m2.T
        s2 += om2_rowsum if om2_rowsum is not None else (1.0 - m2).sum(axis=1)
    else:
        s2 = second @ (om2 if om2 is not None else 1.0 - m2).T
        s2 += (second - mean2) @ m2.T
    return mu, s2


def _weight_products(g_mu: np.ndarray, g_s2: np.ndarray, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``G1 = g_mu^T a`` and ``G2 = g_s2^T a^2``: ``dL/dm = G1 - 2 m G2``."""
    return g_mu.T @ mean, g_s2.T @ (mean * mean)


def _input_gradient(g_mu: np.ndarray, g_s2: np.ndarray, mean: np.ndarray, m: np.ndarray, m2: np.ndarray) -> np.ndarray:
    """``dL/da = g_mu m - 2 a (g_s2 m^2)``."""
    g = g_s2 @ m2
    g *= mean
    g *= -2.0
    g += g_mu @ m
    return g


def preactivation_moments_backward(g_mu: np.ndarray, g_s2: np.ndarray, mean: np.ndarray, m: np.ndarray,
                                   *, need_input: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Chain rule through :func:`preactivation_moments` (``E[tau^2]`` held fixed).

    With ``s2 = sum_j (E[tau_j^2] - m_ij^2 a_j^2)``:
    ``dL/dm = g_mu^T a - 2 m * (g_s2^T a^2)``, ``dL/db = sum_B g_mu``,
    ``dL/da = g_mu m - 2 a * (g_s2 m^2)``.

    Parameters
    ----------
    g_mu, g_s2 : ndarray, shape (B, n_out)
        Gradients of the loss w.r.t. ``mu`` and ``s2``.
    mean : ndarray, shape (B, n_in)
        The layer's input means ``a``.
    m : ndarray, shape (n_out, n_in)
        Synaptic means.
    need_input : bool
        Compute ``dL/da`` (not needed for the first layer).

    Returns
    -------
    g_m, g_b, g_mean
        ``g_mean`` is None when ``need_input`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> g_m, g_b, _ = preactivation_moments_backward(np.ones((1, 1)), np.zeros((1, 1)), np.array([[0.5, -1.0]]),
    ...                                               np.array([[0.2, 0.4]]), need_input=False)
    >>> g_m.tolist(), g_b.tolist()
    ([[0.5, -1.0]], [1.0])
    """
    g1, g2 = _weight_products(g_mu, g_s2, mean)
    g_m = g1 - 2.0 * m * g2
    g_mean = _input_gradient(g_mu, g_s2, mean, m, m * m) if need_input else None
    return g_m, g_mu.sum(axis=0), g_mean


def mean_field_activation(mu: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``z = mu / sigma`` and ``a = 2 H(-z) - 1 = erf(z / sqrt 2)``, the mean of ``sign(h)`` for Gaussian ``h``.

    ``sigma^2`` is floored at :data:`VARIANCE_FLOOR`.

    Returns
    -------
    z, a, sigma : ndarray

    Examples
    --------
    >>> import numpy as np
    >>> z, a, _ = mean_field_activation(np.array([1.0]), np.array([4.0]))
    >>> float(z[0]), round(float(a[0]), 6)   # 2 H(-0.5) - 1
    (0.5, 0.382925)
    """
    sigma = np.sqrt(np.maximum(s2, VARIANCE_FLOOR))
    z = mu / sigma
    a = erf(z * z.dtype.type(_INV_SQRT2))
    return z, a, sigma


def _z_backward(g_z: np.ndarray, z: np.ndarray, sigma: np.ndarray, s2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(g_mu, g_s2)`` from ``g_z`` with ``z = mu / sqrt(s2)``: ``dz/dmu = 1/sigma``, ``dz/ds2 = -z / (2 s2)``."""
    g_mu = g_z / sigma
    g_s2 = g_mu * z
    g_s2 *= g_s2.dtype.type(-0.5) / sigma
    g_s2[s2 <= VARIANCE_FLOOR] = 0.0
    return g_mu, g_s2


class StochasticBinaryNetwork:
    """Multilayer network of +-1 stochastic synapses ``W ~ Q_m`` and sign units [baldassi2018, SM Eq. 41].

    Parameters
    ----------
    sizes : sequence of int
        ``(n_in, hidden_1, ..., n_out)``; ``n_out == 1`` is a binary classifier (labels -1/+1),
        ``n_out >= 2`` a ``K``-class one (labels ``0..K-1``).
    seed : int or numpy.random.Generator
        Initialisation ``h_ij ~ N(0, init_scale^2)`` (``m = tanh h``), ``b = 0``.
    init_scale : float
        Standard deviation of the initial fields (``1`` gives ``E m^2 ~ 0.39`` so that
        ``z = mu / sigma`` is of order one in every layer).
    dtype : float32 or float64
    dropout, input_dropout : float
        Inverted-dropout probabilities on the hidden and on the input units during training.

    Attributes
    ----------
    h, b : list of ndarray
        Fields (``m^l = tanh(gain h^l)``, shape ``(out, in)``) and biases of each layer.
    gain : float
        Scale of the fields in ``m = tanh(gain h)`` (1 unless a polarization schedule raises it,
        :func:`simulate.deep.train_deep_network`; ``sign(m) = sign(h)`` whatever the gain).

    Examples
    --------
    >>> import numpy as np
    >>> net = StochasticBinaryNetwork((4, 3, 2), seed=0)
    >>> x = np.ones((5, 4), np.float32); y = np.array([0, 1, 0, 1, 1])
    >>> loss, grads = net.loss_and_gradients(x, y)
    >>> [g.shape for g in grads] == [p.shape for p in net.params]
    True
    >>> net.predict_binarized(x).shape
    (5,)
    """

    method = "stochastic"

    def __init__(self, sizes: Sequence[int], *, seed: SeedLike, init_scale: float = 1.0, dtype=np.float32,
                 dropout: float = 0.0, input_dropout: float = 0.0):
        set_network_settings(self, sizes, dtype, dropout, input_dropout)
        init_scale = check_real("init_scale", init_scale, ge=0.0)
        rng = as_generator(seed)
        self.h = [(init_scale * rng.standard_normal((o, i))).astype(self.dtype)
                  for i, o in zip(self.sizes[:-1], self.sizes[1:])]
        self.b = [np.zeros(o, dtype=self.dtype) for o in self.sizes[1:]]
        self.gain = 1.0

    # ------------------------------------------------------------------ parameters
    @property
    def params(self) -> list[np.ndarray]:
        """``[h0, b0, h1, b1, ...]`` (the arrays Adam updates, in place)."""
        return [p for pair in zip(self.h, self.b) for p in pair]

    @property
    def m(self) -> list[np.ndarray]:
        """Synaptic means ``m^l = tanh(gain h^l)``."""
        return [np.tanh(h if self.gain == 1.0 else self.dtype.type(self.gain) * h) for h in self.h]

    def _transforms(self, need_om2_all: bool):
        """Per layer ``(m, m^2, 1 - m^2 or None, row sums of 1 - m^2)`` in preallocated buffers (one pass each)."""
        if getattr(self, "_buf", None) is None or self._buf[0][0].dtype != self.dtype:
            self._buf = [(np.empty_like(h), np.empty_like(h), np.empty_like(h), np.empty(h.shape[0], self.dtype))
                         for h in self.h]
        out = []
        for l, (h, (m, m2, om2, rs)) in enumerate(zip(self.h, self._buf)):
            if m.shape != h.shape:
                self._buf = None
                return self._transforms(need_om2_all)
            if self.gain == 1.0:
                np.tanh(h, out=m)
            else:
                np.multiply(h, self.dtype.type(self.gain), out=m)
                np.tanh(m, out=m)
            want = l == 0 or need_om2_all
            square_rows(m, m2, om2, rs, want)
            out.append((m, m2, om2 if want else None, rs))
        return out

    def after_step(self) -> None:
        """Nothing to project: ``m = tanh h`` is always in ``(-1, 1)``."""

    def arrays(self) -> dict[str, np.ndarray]:
        """The model file's arrays: ``m{l}`` (out, in) and ``b{l}`` (out,)."""
        out = {}
        for l, (m, b) in enumerate(zip(self.m, self.b)):
            out[f"m{l}"] = m
            out[f"b{l}"] = b
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], dtype=np.float32) -> StochasticBinaryNetwork:
        """Rebuild from ``m{l}``, ``b{l}`` (``h = atanh m``, with ``|m|`` kept below 1)."""
        n = len([k for k in arrays if k.startswith("m") and k[1:].isdigit()])
        ms = [np.asarray(arrays[f"m{l}"], dtype=np.float64) for l in range(n)]
        sizes = (ms[0].shape[1],) + tuple(m.shape[0] for m in ms)
        net = cls(sizes, seed=0, init_scale=0.0, dtype=dtype)
        lim = 1.0 - np.finfo(net.dtype).epsneg
        net.h = [np.arctanh(np.clip(m, -lim, lim)).astype(net.dtype) for m in ms]
        net.b = [np.asarray(arrays[f"b{l}"], dtype=net.dtype).copy() for l in range(len(ms))]
        return net

    # ------------------------------------------------------------------ mean field
    def _forward(self, x: np.ndarray, rng: np.random.Generator | None, train: bool):
        """Mean-field pass; ``cache[l] = (mean_in, (m, m2, om2, rowsum), z, sigma, s2, mask_out)`` (``mask_out``:
        the dropout mask applied to this layer's activations before the next layer, or None)."""
        dropout = train and self.dropout > 0
        tr = self._transforms(dropout)
        cache = []
        mean, second = x, None
        if train and self.input_dropout > 0:
            mean = x * dropout_mask(rng, x.shape, self.input_dropout, self.dtype)
        L = len(tr)
        for l, (t, b) in enumerate(zip(tr, self.b)):
            m, m2, om2, rs = t
            mu, s2 = preactivation_moments(mean, m, b, second=second, deterministic=l == 0, m2=m2, om2=om2,
                                           om2_rowsum=rs)
            z, a, sigma = mean_field_activation(mu, s2)
            d = None
            if l < L - 1 and dropout:
                d = dropout_mask(rng, a.shape, self.dropout, self.dtype)
            cache.append((mean, t, z, sigma, s2, d))
            if d is None:
                mean, second = a, None
            else:
                mean, second = a * d, d * d      # E[(d tau)^2] = d^2 for tau = +-1
        return z, cache

    def output_fields(self, x: np.ndarray) -> np.ndarray:
        """Mean-field output ``z_k = mu_k / sigma_k`` of the last layer (no dropout).

        Examples
        --------
        >>> import numpy as np
        >>> StochasticBinaryNetwork((3, 2), seed=0).output_fields(np.zeros((1, 3))).tolist()
        [[0.0, 0.0]]
        """
        x = check_inputs(x, self.sizes[0], self.dtype)
        return chunked(lambda c: self._forward(c, None, False)[0], x)

    def _loss_from_z(self, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        if self.sizes[-1] == 1:
            u = (-y * z[:, 0]).astype(np.float64)
            loss = float(-np.mean(logH(u)))
            g = (-y * GH(u) / len(y)).astype(self.dtype)[:, None]
            return loss, g
        beta = self.dtype.type(SOFTMAX_SCALE)
        loss, g = softmax_cross_entropy(beta * z, y)
        return loss, (g * beta).astype(self.dtype, copy=False)

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray, *, rng: SeedLike | None = None
                           ) -> tuple[float, list[np.ndarray]]:
        """Mean loss over the batch and its gradient w.r.t. :attr:`params` (hand-derived backprop).

        Parameters
        ----------
        x : ndarray, shape (B, n_in)
            Inputs (real or binarized pixels: deterministic first-layer activations).
        y : ndarray of int, shape (B,)
            Class labels (``0..K-1``; ``-1/+1`` for one output unit).
        rng : int or Generator, optional
            Dropout masks (needed only when dropout is on).

        Returns
        -------
        loss : float
            ``-log H(-y z)`` (one output) or the ``softmax(beta z)`` cross-entropy, averaged.
        grads : list of ndarray
            Aligned with :attr:`params` (``dL/dh = gain (1 - m^2) dL/dm``).

        Examples
        --------
        >>> import numpy as np
        >>> net = StochasticBinaryNetwork((2, 1), seed=0, dtype=np.float64)
        >>> loss, g = net.loss_and_gradients(np.array([[1.0, -1.0]]), np.array([1]))
        >>> loss > 0
        True
        """
        x, y, rng = training_batch(self, x, y, rng)
        z, cache = self._forward(x, rng, True)
        loss, g_z = self._loss_from_z(z, y)
        grads: list[np.ndarray] = [None] * (2 * len(cache))  # type: ignore[list-item]
        g_a = None
        for l in range(len(cache) - 1, -1, -1):
            mean, (m, m2, _, _), zl, sigma, s2, _ = cache[l]
            if l < len(cache) - 1:
                g_z = g_a * (np.exp(zl * zl * zl.dtype.type(-0.5)) * zl.dtype.type(_SQRT_2_OVER_PI))
            tiny = zl.dtype.type(np.finfo(zl.dtype).tiny * 2.0 ** 24)
            flush_tiny(g_z, tiny)                               # no subnormals into the GEMMs
            g_mu, g_s2 = _z_backward(g_z, zl, sigma, s2)
            flush_tiny(g_s2, tiny)
            g1, g2 = _weight_products(g_mu, g_s2, mean)
            field_gradient(g1, g2, m, m2, tiny)                 # dL/dh = (g1 - 2 m g2)(1 - m^2)
            if self.gain != 1.0:                                # m = tanh(gain h): one more factor gain
                g1 *= self.dtype.type(self.gain)
            grads[2 * l], grads[2 * l + 1] = g1, g_mu.sum(axis=0)
            if l > 0:
                g_mean = _input_gradient(g_mu, g_s2, mean, m, m2)
                d = cache[l - 1][5]          # mean = a * d: dL/da = d dL/dmean
                g_a = g_mean if d is None else g_mean * d
        return loss, grads

    def predict_mean_field(self, x: np.ndarray) -> np.ndarray:
        """Labels from the mean-field output ``z`` (argmax, or sign for one output).

        Examples
        --------
        >>> import numpy as np
        >>> StochasticBinaryNetwork((3, 4, 2), seed=1).predict_mean_field(np.ones((2, 3))).shape
        (2,)
        """
        return labels_from_outputs(self.output_fields(x))

    # ------------------------------------------------------------------ binarized network
    def binarized_output_fields(self, x: np.ndarray) -> np.ndarray:
        """Output fields of the deterministic network ``W = sign(m)``, ``tau = sign(.)`` (``sign(0) = +1``).

        Examples
        --------
        >>> import numpy as np
        >>> net = StochasticBinaryNetwork((2, 1), seed=0)
        >>> net.h = [np.array([[0.3, -2.0]], np.float32)]
        >>> net.binarized_output_fields(np.array([[1.0, 1.0]])).tolist()   # 1 - 1 + 0
        [[0.0]]
        """
        x = check_inputs(x, self.sizes[0], self.dtype)
        ws = [sign_pm(h) for h in self.h]   # sign(tanh h) = sign(h)

        def run(t):
            for l, (w, b) in enumerate(zip(ws, self.b)):
                f = t @ w.T
                f += b
                if l == len(ws) - 1:
                    return f
                t = sign_pm(f)
        return chunked(run, x)

    def predict_binarized(self, x: np.ndarray) -> np.ndarray:
        """Labels of the binarized network (the predictor the paper evaluates).

        Examples
        --------
        >>> import numpy as np
        >>> StochasticBinaryNetwork((3, 4, 2), seed=1).predict_binarized(np.ones((2, 3))).shape
        (2,)
        """
        return labels_from_outputs(self.binarized_output_fields(x))
