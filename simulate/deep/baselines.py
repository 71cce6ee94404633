"""The two baselines of [baldassi2018, SM Sec. V], on the same architecture and in the same code.

* :class:`BinarizedSTENetwork`: the binarized neural network of [hubara2016] -- real latent
  weights ``w`` clipped to ``[-1, 1]``, forward with ``sign(w)``, sign activations, batch
  normalization after every linear map (output included), trained through the straight-through
  estimator (``d sign(y)/dy := 1{|y| <= 1}``; ``dL/dw := dL/d sign(w)``) on the softmax
  cross-entropy. At test time the batch norm uses running averages: the deployed network has
  +-1 weights and sign units only (the batch norm is a per-unit threshold).
* :class:`ReluNetwork`: continuous weights and biases, ReLU hidden units, softmax output.

Both expose the interface of :class:`simulate.deep.stochastic.StochasticBinaryNetwork`
(``params``, ``loss_and_gradients``, ``after_step``, ``arrays``/``from_arrays``).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from simulate.core.rng import SeedLike, as_generator
from simulate.deep._common import (
    check_inputs,
    chunked,
    dropout_mask,
    labels_from_outputs,
    set_network_settings,
    sign_pm,
    softmax_cross_entropy,
    training_batch,
)
from simulate.deep._kernels import sign_into

__all__ = ["BinarizedSTENetwork", "ReluNetwork", "BATCH_NORM_EPS", "BATCH_NORM_MOMENTUM"]

#: batch-norm epsilon of [hubara2016]'s reference code
BATCH_NORM_EPS = 1e-4
#: weight of the current batch in the running mean/variance
BATCH_NORM_MOMENTUM = 0.1


def _check_multiclass(sizes):
    if sizes[-1] < 2:
        raise ValueError(f"the baselines need at least 2 output classes (got sizes[-1] = {sizes[-1]})")


class BinarizedSTENetwork:
    """Binarized network trained with the straight-through estimator and batch norm [hubara2016].

    Parameters
    ----------
    sizes : sequence of int
        ``(n_in, hidden..., n_classes)``.
    seed : int or Generator
        Glorot-uniform initial latent weights.
    dtype : float32 or float64
    dropout, input_dropout : float
        Optional inverted dropout on hidden / input units.

    Examples
    --------
    >>> import numpy as np
    >>> net = BinarizedSTENetwork((4, 6, 3), seed=0)
    >>> x = np.random.default_rng(0).random((8, 4)); y = np.arange(8) % 3
    >>> loss, grads = net.loss_and_gradients(x, y)
    >>> len(grads) == len(net.params), net.predict_binarized(x).shape
    (True, (8,))
    """

    method = "bnn"

    def __init__(self, sizes: Sequence[int], *, seed: SeedLike, dtype=np.float32, dropout: float = 0.0,
                 input_dropout: float = 0.0):
        set_network_settings(self, sizes, dtype, dropout, input_dropout)
        _check_multiclass(self.sizes)
        rng = as_generator(seed)
        self.w, self.gamma, self.beta, self.run_mean, self.run_var = [], [], [], [], []
        for i, o in zip(self.sizes[:-1], self.sizes[1:]):
            lim = math.sqrt(6.0 / (i + o))
            self.w.append(rng.uniform(-lim, lim, (o, i)).astype(self.dtype))
            self.gamma.append(np.ones(o, self.dtype))
            self.beta.append(np.zeros(o, self.dtype))
            self.run_mean.append(np.zeros(o, self.dtype))
            self.run_var.append(np.ones(o, self.dtype))

    @property
    def params(self) -> list[np.ndarray]:
        """``[w0, gamma0, beta0, w1, ...]``."""
        return [p for t in zip(self.w, self.gamma, self.beta) for p in t]

    def after_step(self) -> None:
        """Clip the latent weights to ``[-1, 1]`` [hubara2016]."""
        for w in self.w:
            np.clip(w, -1.0, 1.0, out=w)

    def arrays(self) -> dict[str, np.ndarray]:
        """``m{l}`` (latent weights; the binary weights are their signs), ``gamma{l}``, ``beta{l}``,
        ``mean{l}``, ``var{l}`` (batch norm and its running statistics)."""
        out = {}
        for l in range(len(self.w)):
            out.update({f"m{l}": self.w[l], f"gamma{l}": self.gamma[l], f"beta{l}": self.beta[l],
                        f"mean{l}": self.run_mean[l], f"var{l}": self.run_var[l]})
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], dtype=np.float32) -> BinarizedSTENetwork:
        n = len([k for k in arrays if k.startswith("m") and k[1:].isdigit()])
        ws = [np.asarray(arrays[f"m{l}"]) for l in range(n)]
        net = cls((ws[0].shape[1],) + tuple(w.shape[0] for w in ws), seed=0, dtype=dtype)
        for l in range(n):
            net.w[l] = ws[l].astype(net.dtype)
            for name, store in (("gamma", net.gamma), ("beta", net.beta), ("mean", net.run_mean),
                                ("var", net.run_var)):
                store[l] = np.asarray(arrays[f"{name}{l}"]).astype(net.dtype)
        return net

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray, *, rng: SeedLike | None = None
                           ) -> tuple[float, list[np.ndarray]]:
        """Softmax cross-entropy of the training-mode network (batch statistics) and STE gradients.

        Also updates the batch norm's running statistics.

        Examples
        --------
        >>> import numpy as np
        >>> net = BinarizedSTENetwork((3, 2), seed=0)
        >>> loss, (g_w, g_gamma, g_beta) = net.loss_and_gradients(np.eye(3), np.array([0, 1, 1]))
        >>> g_w.shape, round(float(g_beta.sum()), 6)   # the softmax gradient sums to 0 over classes
        ((2, 3), 0.0)
        """
        x, y, rng = training_batch(self, x, y, rng)
        if self.input_dropout > 0:
            x = x * dropout_mask(rng, x.shape, self.input_dropout, self.dtype)
        L = len(self.w)
        cache = []
        t = x
        eps = self.dtype.type(BATCH_NORM_EPS)
        mom = self.dtype.type(BATCH_NORM_MOMENTUM)
        if getattr(self, "_wb", None) is None or any(b.shape != w.shape or b.dtype != w.dtype
                                                         for b, w in zip(self._wb, self.w)):
            self._wb = [np.empty_like(w) for w in self.w]
        for l in range(L):
            wb = self._wb[l]
            sign_into(self.w[l], wb)
            s = t @ wb.T
            mu = s.mean(axis=0)
            var = s.var(axis=0)
            self.run_mean[l] += mom * (mu - self.run_mean[l])
            self.run_var[l] += mom * (var * (len(s) / max(len(s) - 1, 1)) - self.run_var[l])
            inv = 1.0 / np.sqrt(var + eps)
            shat = (s - mu) * inv
            yl = shat * self.gamma[l] + self.beta[l]
            d = None
            if l < L - 1:
                nxt = sign_pm(yl)
                if self.dropout > 0:
                    d = dropout_mask(rng, nxt.shape, self.dropout, self.dtype)
                    nxt *= d
            cache.append((t, wb, shat, inv, yl, d))
            if l < L - 1:
                t = nxt
        loss, g = softmax_cross_entropy(yl, y)
        g = g.astype(self.dtype, copy=False)
        grads: list[np.ndarray] = [None] * (3 * L)  # type: ignore[list-item]
        for l in range(L - 1, -1, -1):
            t, wb, shat, inv, yl, _ = cache[l]
            g_gamma = (g * shat).sum(axis=0)
            g_beta = g.sum(axis=0)
            g_hat = g * self.gamma[l]
            B = len(g_hat)
            g_s = (inv / B) * (B * g_hat - g_hat.sum(axis=0) - shat * (g_hat * shat).sum(axis=0))
            grads[3 * l], grads[3 * l + 1], grads[3 * l + 2] = g_s.T @ t, g_gamma, g_beta
            if l > 0:
                g_t = g_s @ wb
                d = cache[l - 1][5]
                if d is not None:
                    g_t *= d
                g = g_t * (np.abs(cache[l - 1][4]) <= 1.0)     # straight-through estimator of sign
        return loss, grads

    def binarized_output_fields(self, x: np.ndarray) -> np.ndarray:
        """Deterministic inference: ``sign(w)`` weights, batch norm with running statistics, sign units.

        Examples
        --------
        >>> import numpy as np
        >>> BinarizedSTENetwork((3, 4, 2), seed=0).binarized_output_fields(np.ones((1, 3))).shape
        (1, 2)
        """
        x = check_inputs(x, self.sizes[0], self.dtype)
        ws = [sign_pm(w) for w in self.w]
        eps = self.dtype.type(BATCH_NORM_EPS)

        def run(t):
            for l, wb in enumerate(ws):
                s = t @ wb.T
                yl = (s - self.run_mean[l]) / np.sqrt(self.run_var[l] + eps) * self.gamma[l] + self.beta[l]
                if l == len(ws) - 1:
                    return yl
                t = sign_pm(yl)
        return chunked(run, x)

    def predict_binarized(self, x: np.ndarray) -> np.ndarray:
        """Labels of the deployed binarized network."""
        return labels_from_outputs(self.binarized_output_fields(x))


class ReluNetwork:
    """Continuous-weight network with ReLU hidden units and a softmax output (the paper's ~1.4 % baseline).

    Parameters
    ----------
    sizes : sequence of int
    seed : int or Generator
        He-normal initial weights ``N(0, 2 / n_in)``, zero biases.
    dtype : float32 or float64
    dropout, input_dropout : float

    Examples
    --------
    >>> import numpy as np
    >>> net = ReluNetwork((4, 5, 3), seed=0)
    >>> net.predict_continuous(np.ones((2, 4))).shape
    (2,)
    """

    method = "relu"

    def __init__(self, sizes: Sequence[int], *, seed: SeedLike, dtype=np.float32, dropout: float = 0.0,
                 input_dropout: float = 0.0):
        set_network_settings(self, sizes, dtype, dropout, input_dropout)
        _check_multiclass(self.sizes)
        rng = as_generator(seed)
        self.w = [(rng.standard_normal((o, i)) * math.sqrt(2.0 / i)).astype(self.dtype)
                  for i, o in zip(self.sizes[:-1], self.sizes[1:])]
        self.b = [np.zeros(o, self.dtype) for o in self.sizes[1:]]

    @property
    def params(self) -> list[np.ndarray]:
        """``[w0, b0, w1, b1, ...]``."""
        return [p for pair in zip(self.w, self.b) for p in pair]

    def after_step(self) -> None:
        """No constraint on the weights."""

    def arrays(self) -> dict[str, np.ndarray]:
        """``m{l}`` (the continuous weights, shape (out, in)) and ``b{l}``."""
        out = {}
        for l, (w, b) in enumerate(zip(self.w, self.b)):
            out[f"m{l}"], out[f"b{l}"] = w, b
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], dtype=np.float32) -> ReluNetwork:
        n = len([k for k in arrays if k.startswith("m") and k[1:].isdigit()])
        ws = [np.asarray(arrays[f"m{l}"]) for l in range(n)]
        net = cls((ws[0].shape[1],) + tuple(w.shape[0] for w in ws), seed=0, dtype=dtype)
        net.w = [w.astype(net.dtype) for w in ws]
        net.b = [np.asarray(arrays[f"b{l}"]).astype(net.dtype) for l in range(n)]
        return net

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray, *, rng: SeedLike | None = None
                           ) -> tuple[float, list[np.ndarray]]:
        """Softmax cross-entropy and its gradient (backprop).

        Examples
        --------
        >>> import numpy as np
        >>> net = ReluNetwork((2, 2), seed=0)
        >>> loss, _ = net.loss_and_gradients(np.zeros((1, 2)), np.array([1]))
        >>> round(loss, 6) == round(float(np.log(2)), 6)   # zero input, zero bias: uniform softmax
        True
        """
        x, y, rng = training_batch(self, x, y, rng)
        if self.input_dropout > 0:
            x = x * dropout_mask(rng, x.shape, self.input_dropout, self.dtype)
        L = len(self.w)
        acts, masks = [x], []
        t = x
        for l in range(L):
            f = t @ self.w[l].T
            f += self.b[l]
            if l == L - 1:
                break
            t = np.maximum(f, 0)
            d = dropout_mask(rng, t.shape, self.dropout, self.dtype) if self.dropout > 0 else None
            if d is not None:
                t *= d
            masks.append(d)
            acts.append(t)
        loss, g = softmax_cross_entropy(f, y)
        g = g.astype(self.dtype, copy=False)
        grads: list[np.ndarray] = [None] * (2 * L)  # type: ignore[list-item]
        for l in range(L - 1, -1, -1):
            grads[2 * l], grads[2 * l + 1] = g.T @ acts[l], g.sum(axis=0)
            if l > 0:
                g = g @ self.w[l]
                d = masks[l - 1]
                g *= (acts[l] > 0) if d is None else d * (acts[l] > 0)
        return loss, grads

    def output_fields(self, x: np.ndarray) -> np.ndarray:
        """Logits of the deterministic network (no dropout)."""
        x = check_inputs(x, self.sizes[0], self.dtype)

        def run(t):
            for l, (w, b) in enumerate(zip(self.w, self.b)):
                f = t @ w.T
                f += b
                if l == len(self.w) - 1:
                    return f
                t = np.maximum(f, 0)
        return chunked(run, x)

    def predict_continuous(self, x: np.ndarray) -> np.ndarray:
        """Labels (argmax of the logits)."""
        return labels_from_outputs(self.output_fields(x))
