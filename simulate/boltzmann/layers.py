"""Unit types of a restricted Boltzmann machine: one class per layer type, each with its energy,
conditional moments, conditional sampling and conditional log-partition as one-line functions.

A layer of ``n`` independent units ``x`` has the energy ``E(x) = sum_i e(x_i)`` and, given the input
``I_i`` from the other layer (``I = scale v W`` for the hidden layer, ``I = scale W h`` for the visible
one) at inverse temperature ``beta``, the conditional ``p(x_i | I_i) ∝ exp(-beta (e(x_i) - I_i x_i))``.
Every layer has a field ``theta`` (the bias, ``e(x) = -theta x + ...``):

====================  =====================  ======================================================
layer                 states                 unit energy ``e(x)``
====================  =====================  ======================================================
:class:`BinaryLayer`  {0, 1}                 ``-theta x``
:class:`SpinLayer`    {-1, +1}               ``-theta x``
:class:`ReLULayer`    ``x >= 0``             ``gamma x^2/2 - theta x`` [tubiana2017, Eq. 3] (a
                                             threshold ``t`` of [tubiana2017] is ``theta = -t``)
:class:`GaussianLayer` real                  ``gamma x^2/2 - theta x``
====================  =====================  ======================================================

``log_partition(I, beta) = log sum_x exp(-beta (e(x) - I x))`` (integral for continuous units) is what
an exact enumeration over the *other* layer needs: ``p(v) ∝ exp(-beta E_v(v) + sum_mu
log_partition(I_mu(v), beta))``. ``kind`` and ``params()`` give the numba kernels of
:mod:`simulate.boltzmann.gibbs` the layer as plain numbers (``KIND_*`` codes, ``theta``, ``gamma``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import erfcx, expit, ndtr

from theory.core import check_array

__all__ = ["BinaryLayer", "SpinLayer", "ReLULayer", "GaussianLayer", "Layer", "LAYER_KINDS"]

KIND_BINARY, KIND_SPIN, KIND_RELU, KIND_GAUSSIAN = 0, 1, 2, 3
_SQRT2 = math.sqrt(2.0)


def _vector(name: str, value, n: int, default: float) -> np.ndarray:
    if value is None:
        return np.full(n, default)
    return check_array(name, np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)), shape=(n,)).copy()


@dataclass(frozen=True)
class _Layer:
    n: int
    theta: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "n", int(self.n))
        object.__setattr__(self, "theta", _vector("theta", self.theta, self.n, 0.0))

    def field(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """``beta (theta + I)``: the effective field of a unit."""
        return beta * (self.theta + inputs)

    def params(self) -> tuple[int, np.ndarray, np.ndarray]:
        """``(kind, theta, gamma)`` for the numba kernels."""
        return self.kind, self.theta, np.ones(self.n)


@dataclass(frozen=True)
class BinaryLayer(_Layer):
    """Units ``x in {0, 1}``, ``e(x) = -theta x`` (the layers of [liu2018] and [hinton2002]).

    Examples
    --------
    >>> import numpy as np
    >>> L = BinaryLayer(2, theta=[0.0, 1.0])
    >>> L.mean(np.zeros(2)).round(3).tolist(), L.energy(np.array([[1.0, 1.0]])).tolist()
    ([0.5, 0.731], [-1.0])
    """

    kind = KIND_BINARY

    def energy(self, x: np.ndarray) -> np.ndarray:
        return -(x @ self.theta)

    def mean(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return expit(self.field(inputs, beta))

    def var(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return self.mean(inputs, beta) * (1.0 - self.mean(inputs, beta))

    def log_partition(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.logaddexp(0.0, self.field(inputs, beta))

    def sample(self, inputs: np.ndarray, beta: float, rng: np.random.Generator) -> np.ndarray:
        return (rng.random(np.shape(inputs)) < self.mean(inputs, beta)).astype(np.float64)

    def states(self) -> np.ndarray:
        return np.array([0.0, 1.0])


@dataclass(frozen=True)
class SpinLayer(_Layer):
    """Units ``x in {-1, +1}``, ``e(x) = -theta x`` (the planted model of [huang2020, Eq. 1]).

    Examples
    --------
    >>> import numpy as np
    >>> L = SpinLayer(1)
    >>> float(L.mean(np.array([0.5]))[0]) == float(np.tanh(0.5))
    True
    """

    kind = KIND_SPIN

    def energy(self, x: np.ndarray) -> np.ndarray:
        return -(x @ self.theta)

    def mean(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.tanh(self.field(inputs, beta))

    def var(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return 1.0 - self.mean(inputs, beta) ** 2

    def log_partition(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.logaddexp(self.field(inputs, beta), -self.field(inputs, beta))

    def sample(self, inputs: np.ndarray, beta: float, rng: np.random.Generator) -> np.ndarray:
        return np.where(rng.random(np.shape(inputs)) < 0.5 * (1.0 + self.mean(inputs, beta)), 1.0, -1.0)

    def states(self) -> np.ndarray:
        return np.array([-1.0, 1.0])


@dataclass(frozen=True)
class _QuadraticLayer(_Layer):
    gamma: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        super().__post_init__()
        object.__setattr__(self, "gamma", _vector("gamma", self.gamma, self.n, 1.0))
        if np.any(self.gamma <= 0):
            raise ValueError("gamma must be > 0")

    def energy(self, x: np.ndarray) -> np.ndarray:
        return 0.5 * (x * x) @ self.gamma - x @ self.theta

    def params(self) -> tuple[int, np.ndarray, np.ndarray]:
        return self.kind, self.theta, self.gamma

    def location(self, inputs: np.ndarray) -> np.ndarray:
        """``(theta + I)/gamma``: the mean of the untruncated conditional Gaussian."""
        return (self.theta + inputs) / self.gamma

    def scale(self, beta: float = 1.0) -> np.ndarray:
        """``1/sqrt(beta gamma)``: its standard deviation."""
        return 1.0 / np.sqrt(beta * self.gamma)


@dataclass(frozen=True)
class GaussianLayer(_QuadraticLayer):
    """Real units, ``e(x) = gamma x^2/2 - theta x``: ``x | I ~ N((theta + I)/gamma, 1/(beta gamma))``.

    Examples
    --------
    >>> import numpy as np
    >>> L = GaussianLayer(1, theta=1.0, gamma=2.0)
    >>> L.mean(np.array([1.0])).tolist(), L.var(np.array([1.0]), beta=2.0).tolist()
    ([1.0], [0.25])
    """

    kind = KIND_GAUSSIAN

    def mean(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return self.location(inputs)

    def var(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.broadcast_to(self.scale(beta) ** 2, np.shape(inputs)).copy()

    def log_partition(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return 0.5 * np.log(2 * np.pi / (beta * self.gamma)) + 0.5 * beta * self.gamma * self.location(inputs) ** 2

    def sample(self, inputs: np.ndarray, beta: float, rng: np.random.Generator) -> np.ndarray:
        return self.location(inputs) + self.scale(beta) * rng.standard_normal(np.shape(inputs))


@dataclass(frozen=True)
class ReLULayer(_QuadraticLayer):
    """Units ``x >= 0``, ``e(x) = gamma x^2/2 - theta x`` [tubiana2017, Eq. 3]: the conditional is
    ``N((theta + I)/gamma, 1/(beta gamma))`` truncated to ``x >= 0``.

    With ``a = -location/scale`` (the truncation point in units of the scale) and the inverse Mills ratio
    ``lam = phi(a)/(1 - Phi(a))``: mean ``location + scale lam``, variance ``scale^2 (1 + a lam - lam^2)``.

    Examples
    --------
    >>> import numpy as np
    >>> L = ReLULayer(1)
    >>> round(float(L.mean(np.zeros(1))[0]), 6) == round(float(np.sqrt(2 / np.pi)), 6)
    True
    """

    kind = KIND_RELU

    def mills(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        """``phi(a)/(1 - Phi(a))`` with ``a = -location/scale``, stable in both tails (``erfcx``)."""
        return np.sqrt(2.0 / np.pi) / erfcx(-self.location(inputs) / self.scale(beta) / _SQRT2)

    def mean(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return self.location(inputs) + self.scale(beta) * self.mills(inputs, beta)

    def var(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        a, lam = -self.location(inputs) / self.scale(beta), self.mills(inputs, beta)
        return self.scale(beta) ** 2 * (1.0 + a * lam - lam * lam)

    def log_partition(self, inputs: np.ndarray, beta: float = 1.0) -> np.ndarray:
        return np.log(np.sqrt(np.pi / 2) * self.scale(beta) * erfcx(-self.location(inputs) / self.scale(beta) / _SQRT2))

    def sample(self, inputs: np.ndarray, beta: float, rng: np.random.Generator) -> np.ndarray:
        """Inverse-CDF sample of the truncated Gaussian (vectorised; the numba kernels use rejection)."""
        loc, s = self.location(inputs), self.scale(beta)
        p0 = ndtr(-loc / s)
        from scipy.special import ndtri
        return np.maximum(loc + s * ndtri(p0 + (1.0 - p0) * rng.random(np.shape(inputs))), 0.0)


#: any layer type
Layer = BinaryLayer | SpinLayer | ReLULayer | GaussianLayer
#: the layer classes by name
LAYER_KINDS = {"binary": BinaryLayer, "spin": SpinLayer, "relu": ReLULayer, "gaussian": GaussianLayer}
